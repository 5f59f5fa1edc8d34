//! A minimal SIP caller and phone over raw UDP sockets, for tests that must
//! control exactly where media goes (SIPp sends its audio to the address
//! the SDP names, and cannot take part in a call with a stranger's RTP).

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// G.711 µ-law byte for a sample of about +876 (the caller's "voice").
pub const CALLER_BYTE: u8 = 0xD0;
/// G.711 µ-law byte for the loudest positive sample, +32124.
pub const LOUD_BYTE: u8 = 0x80;

/// The value of a header in a SIP message (first match, case-insensitive).
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The SDP connection address and audio port of a message's body.
pub fn sdp_media(msg: &str) -> (IpAddr, u16) {
    let ip = msg
        .lines()
        .find_map(|l| l.strip_prefix("c=IN IP4 "))
        .and_then(|ip| ip.trim().parse().ok())
        .unwrap_or_else(|| panic!("no c= line:\n{msg}"));
    let port = msg
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no m=audio line:\n{msg}"));
    (ip, port)
}

/// One RTP packet.
pub fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, (u8::from(marker) << 7) | pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn recv(sock: &UdpSocket) -> String {
    let mut buf = [0u8; 8192];
    let (n, _) = sock.recv_from(&mut buf).expect("a SIP message in time");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn status(msg: &str) -> Option<u16> {
    msg.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

fn sdp(ip: IpAddr, port: u16) -> String {
    format!(
        "v=0\r\no=test 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n"
    )
}

/// A caller that has placed a call over UDP and had it answered.
pub struct RawCaller {
    sip: UdpSocket,
    pub rtp: UdpSocket,
    server: SocketAddr,
    call_id: String,
    to: String,
    contact: String,
    /// The 200 OK to the INVITE.
    pub answer: String,
    /// The INVITE as sent.
    invite: String,
}

/// An INVITE from `local` to `server` offering audio at `media`.
fn invite(server: SocketAddr, local: SocketAddr, media: SocketAddr, call_id: &str) -> String {
    let body = sdp(media.ip(), media.port());
    format!(
        "INVITE sip:service@{server} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKraw1;rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:5550100@{local}>;tag=rawcaller\r\n\
         To: <sip:service@{server}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n\
         Contact: <sip:5550100@{local}>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends the same new INVITE `times` times, each after the response to the
/// one before, and returns the responses (the first final one each time).
pub fn invite_repeatedly(server: SocketAddr, call_id: &str, times: usize) -> Vec<String> {
    let sip = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sip.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let local = sip.local_addr().expect("local");
    let request = invite(server, local, local, call_id);
    (0..times)
        .map(|_| {
            sip.send_to(request.as_bytes(), server)
                .expect("send INVITE");
            final_response(&sip)
        })
        .collect()
}

/// The next final response on `sock`.
fn final_response(sock: &UdpSocket) -> String {
    loop {
        let msg = recv(sock);
        if status(&msg).is_some_and(|s| s >= 200) {
            return msg;
        }
    }
}

impl RawCaller {
    /// Sends an INVITE to `server` and waits for its 200 (up to 30 s),
    /// then ACKs it.
    pub fn call(server: SocketAddr, call_id: &str) -> RawCaller {
        let sip = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let rtp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sip.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let local = sip.local_addr().expect("local");
        let media = rtp.local_addr().expect("local");
        let invite = invite(server, local, media, call_id);
        sip.send_to(invite.as_bytes(), server).expect("send INVITE");
        let answer = loop {
            let msg = recv(&sip);
            match status(&msg) {
                Some(200) => break msg,
                Some(s) if s < 200 => continue,
                _ => panic!("INVITE not answered with 200:\n{msg}"),
            }
        };
        let to = header(&answer, "To").expect("To").to_string();
        let contact = header(&answer, "Contact")
            .and_then(|c| c.split('<').nth(1)?.split('>').next())
            .expect("Contact")
            .to_string();
        let caller = RawCaller {
            sip,
            rtp,
            server,
            call_id: call_id.to_string(),
            to,
            contact,
            answer,
            invite,
        };
        caller.request("ACK", 1);
        caller
    }

    /// Sends the INVITE again, as a retransmission, and returns the final
    /// response it gets.
    pub fn resend_invite(&self) -> String {
        self.sip
            .send_to(self.invite.as_bytes(), self.server)
            .expect("send INVITE");
        final_response(&self.sip)
    }

    fn request(&self, method: &str, cseq: u32) {
        let local = self.sip.local_addr().expect("local");
        let msg = format!(
            "{method} {contact} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKraw{method}{cseq};rport\r\n\
             Max-Forwards: 70\r\nFrom: <sip:5550100@{local}>;tag=rawcaller\r\nTo: {to}\r\n\
             Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n",
            contact = self.contact,
            to = self.to,
            call_id = self.call_id,
        );
        self.sip
            .send_to(msg.as_bytes(), self.server)
            .expect("send request");
    }

    /// Hangs up and waits for the 200 to the BYE.
    pub fn hang_up(&self) {
        self.request("BYE", 2);
        loop {
            let msg = recv(&self.sip);
            if status(&msg) == Some(200) && header(&msg, "CSeq").is_some_and(|c| c.contains("BYE"))
            {
                return;
            }
        }
    }
}

/// The caller's RTP: a steady "voice" every 20 ms to `to`, one key press
/// at `press`, counting what comes back.
pub struct CallerMedia {
    stop: Arc<AtomicBool>,
    pub received: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl CallerMedia {
    pub fn start(socket: &UdpSocket, to: SocketAddr, press: Option<(Duration, u8)>) -> CallerMedia {
        let sock = socket.try_clone().expect("clone");
        sock.set_nonblocking(true).ok();
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicUsize::new(0));
        let (stop2, received2) = (stop.clone(), received.clone());
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let (mut seq, mut ts, mut pressed) = (0u16, 0u32, press.is_none());
            let mut buf = [0u8; 2048];
            while !stop2.load(Ordering::Relaxed) {
                if let Some((_, event)) = press.filter(|(at, _)| !pressed && start.elapsed() >= *at)
                {
                    for i in 0..6u16 {
                        let end = i >= 3;
                        let duration = (i.min(3) + 1) * 160;
                        let flags = if end { 0x80 | 10 } else { 10 };
                        let [d0, d1] = duration.to_be_bytes();
                        let payload = [event, flags, d0, d1];
                        sock.send_to(&rtp(101, i == 0, seq, ts, 0x5eed, &payload), to)
                            .ok();
                        seq = seq.wrapping_add(1);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    ts = ts.wrapping_add(640);
                    pressed = true;
                    continue;
                }
                let voice = [CALLER_BYTE; 160];
                sock.send_to(&rtp(0, false, seq, ts, 0x5eed, &voice), to)
                    .ok();
                seq = seq.wrapping_add(1);
                ts = ts.wrapping_add(160);
                while sock.recv_from(&mut buf).is_ok() {
                    received2.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        CallerMedia {
            stop,
            received,
            thread: Some(thread),
        }
    }

    pub fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
        self.received.load(Ordering::Relaxed)
    }
}

/// A phone that answers one call on `port` and keeps the RTP payloads it
/// receives until the call's BYE; the thread returns them.
pub fn raw_phone(port: u16) -> JoinHandle<Vec<Vec<u8>>> {
    let sip = UdpSocket::bind(("127.0.0.1", port)).expect("bind the phone");
    sip.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("bind");
    std::thread::spawn(move || {
        let (invite, from) = loop {
            let mut buf = [0u8; 8192];
            let (n, from) = sip.recv_from(&mut buf).expect("an INVITE");
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if msg.starts_with("INVITE ") {
                break (msg, from);
            }
        };
        let media = rtp.local_addr().expect("local");
        let body = sdp(media.ip(), media.port());
        let copy = ["Via", "From", "Call-ID", "CSeq"]
            .iter()
            .filter_map(|h| Some(format!("{h}: {}\r\n", header(&invite, h)?)))
            .collect::<String>();
        let to = header(&invite, "To").expect("To");
        let ok = format!(
            "SIP/2.0 200 OK\r\n{copy}To: {to};tag=rawphone\r\nContact: <sip:resident@127.0.0.1:{port}>\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        sip.send_to(ok.as_bytes(), from).expect("send 200");
        let payloads = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (p2, d2) = (payloads.clone(), done.clone());
        rtp.set_read_timeout(Some(Duration::from_millis(100))).ok();
        let media = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !d2.load(Ordering::Relaxed) {
                if let Ok((n, _)) = rtp.recv_from(&mut buf) {
                    if n > 12 {
                        p2.lock().expect("lock").push(buf[12..n].to_vec());
                    }
                }
            }
        });
        loop {
            let mut buf = [0u8; 8192];
            let (n, from) = sip.recv_from(&mut buf).expect("the BYE");
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if msg.starts_with("BYE ") {
                let copy = ["Via", "From", "To", "Call-ID", "CSeq"]
                    .iter()
                    .filter_map(|h| Some(format!("{h}: {}\r\n", header(&msg, h)?)))
                    .collect::<String>();
                let ok = format!("SIP/2.0 200 OK\r\n{copy}Content-Length: 0\r\n\r\n");
                sip.send_to(ok.as_bytes(), from).ok();
                break;
            }
        }
        done.store(true, Ordering::Relaxed);
        media.join().ok();
        let kept = payloads.lock().expect("lock").clone();
        kept
    })
}
