//! Interop over loopback: password guessing against the registrar. A raw
//! UDP client at 127.0.0.2 sends 200 REGISTERs with wrong passwords; the
//! right password from there is then still refused, while a phone at
//! 127.0.0.3 registers with it at once. Every failure is logged in the
//! fixed `auth failure:` format.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use common::Service;
use md5::Digest;

const ACCOUNT: &str = "challenge_digit = 5
[[line.account]]
user = \"kitchen\"
password = \"kitchen-secret\"
";

/// A REGISTER client on one loopback address.
struct Client {
    sock: UdpSocket,
    server: SocketAddr,
    cseq: u32,
}

fn md5_hex(text: &str) -> String {
    md5::Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Client {
    fn new(ip: &str, server: SocketAddr) -> Client {
        let sock = UdpSocket::bind((ip, 0)).expect("bind a loopback alias");
        sock.set_read_timeout(Some(Duration::from_secs(5))).ok();
        Client {
            sock,
            server,
            cseq: 0,
        }
    }

    /// Sends one REGISTER (with `auth` as its Authorization) and returns
    /// the response.
    fn send(&mut self, auth: Option<String>) -> String {
        self.cseq += 1;
        let local = self.sock.local_addr().expect("local");
        let mut msg = format!(
            "REGISTER sip:{server} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bKthr{cseq}.{ip}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:kitchen@{server}>;tag=t{cseq}\r\n\
             To: <sip:kitchen@{server}>\r\n\
             Call-ID: throttle-{ip}@test\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Contact: <sip:kitchen@{local}>\r\n\
             Expires: 300\r\n",
            server = self.server,
            cseq = self.cseq,
            ip = local.ip(),
        );
        if let Some(auth) = auth {
            msg.push_str(&auth);
        }
        msg.push_str("Content-Length: 0\r\n\r\n");
        self.sock
            .send_to(msg.as_bytes(), self.server)
            .expect("send");
        let mut buf = [0u8; 4096];
        let (n, _) = self.sock.recv_from(&mut buf).expect("a response");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// A challenged REGISTER with `password`: the status of the second
    /// answer.
    fn register(&mut self, password: &str) -> u16 {
        let challenge = self.send(None);
        assert!(challenge.starts_with("SIP/2.0 401"), "{challenge}");
        let start = challenge.find("nonce=\"").expect("nonce") + 7;
        let len = challenge[start..].find('"').expect("nonce end");
        let nonce = &challenge[start..start + len];
        let uri = format!("sip:{}", self.server);
        let ha1 = md5_hex(&format!("kitchen:linewarden:{password}"));
        let ha2 = md5_hex(&format!("REGISTER:{uri}"));
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}"));
        let auth = format!(
            "Authorization: Digest username=\"kitchen\", realm=\"linewarden\", \
             nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, \
             qop=auth, nc=00000001, cnonce=\"c0ffee\"\r\n"
        );
        let answer = self.send(Some(auth));
        answer
            .get(8..11)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a response: {answer}"))
    }
}

#[test]
fn a_guessing_source_is_blocked_while_the_phone_registers() {
    let mut svc = Service::start_with_phones(ACCOUNT, &[]);
    let mut guesser = Client::new("127.0.0.2", svc.addr);
    for i in 0..200 {
        let status = guesser.register(&format!("guess-{i}"));
        assert_eq!(status, 403, "guess {i}");
    }
    assert_eq!(
        guesser.register("kitchen-secret"),
        403,
        "the right password from the guessing source is refused"
    );
    let mut phone = Client::new("127.0.0.3", svc.addr);
    assert_eq!(
        phone.register("kitchen-secret"),
        200,
        "another source registers at once:\n{}",
        svc.log()
    );
    assert_eq!(
        guesser.register("kitchen-secret"),
        403,
        "the guessing source is still refused"
    );
    let log = svc.log();
    let failures = log
        .lines()
        .filter(|l| l.contains("auth failure: source=127.0.0.2 user=kitchen method=REGISTER"))
        .count();
    assert_eq!(failures, 202, "one line per failure:\n{log}");
    assert!(!log.contains("auth failure: source=127.0.0.3"), "{log}");
    assert!(log.contains("reason=blocked"), "{log}");
    assert_eq!(svc.stop(), Some(0));
}

/// An INVITE from outside the trunks' networks is challenged the same way
/// whether its From user is a phone account or not.
#[test]
fn invites_do_not_tell_which_users_are_accounts() {
    let extra =
        format!("{ACCOUNT}\n[[trunk]]\nname = \"provider\"\nsources = [\"192.0.2.0/24\"]\n");
    let mut svc = Service::start_with_phones(&extra, &[]);
    let sock = UdpSocket::bind("127.0.0.2:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let local = sock.local_addr().expect("local");
    let mut first_lines = Vec::new();
    for user in ["kitchen", "nobody"] {
        let msg = format!(
            "INVITE sip:101@{server} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKenum{user}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:{user}@{server}>;tag={user}\r\nTo: <sip:101@{server}>\r\n\
             Call-ID: enum-{user}@test\r\nCSeq: 1 INVITE\r\nContact: <sip:{user}@{local}>\r\n\
             Content-Length: 0\r\n\r\n",
            server = svc.addr
        );
        sock.send_to(msg.as_bytes(), svc.addr).expect("send");
        let mut buf = [0u8; 4096];
        let answer = loop {
            let (n, _) = sock.recv_from(&mut buf).expect("an answer");
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if !text.starts_with("SIP/2.0 1") {
                break text;
            }
        };
        first_lines.push(answer.lines().next().unwrap_or_default().to_string());
        assert!(answer.contains("WWW-Authenticate: Digest"), "{answer}");
    }
    assert_eq!(first_lines[0], first_lines[1]);
    assert!(first_lines[0].starts_with("SIP/2.0 401"), "{first_lines:?}");
    assert_eq!(svc.stop(), Some(0));
}
