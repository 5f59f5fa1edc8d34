//! Our UAC against a scripted callee on a raw UDP socket, for what our own
//! UAS never does: answering across our CANCEL, Record-Route, and checking
//! the INVITE, ACK, CANCEL and BYE on the wire.

use std::net::SocketAddr;
use std::time::Duration;

use sip::media::sdp::{build_offer, Direction};
use sip::{EndpointConfig, OutgoingCall, SipEndpoint, UacCommand, UacEvent, UacHandle};
use tokio::net::UdpSocket;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

/// A request as text, and where it came from.
struct Received {
    text: String,
    from: SocketAddr,
}

impl Received {
    /// Every header line named `name`, in order.
    fn headers(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}:");
        self.text
            .lines()
            .filter(|l| l.len() > prefix.len() && l[..prefix.len()].eq_ignore_ascii_case(&prefix))
            .map(|l| l[prefix.len()..].trim())
            .collect()
    }

    /// A response to this request: its Via, From, Call-ID and CSeq, its To
    /// with our tag, then `extra` header lines and `body`.
    fn response(&self, status: &str, extra: &[String], body: &str) -> String {
        let mut out = format!("SIP/2.0 {status}\r\n");
        for name in ["Via", "From", "Call-ID", "CSeq"] {
            for v in self.headers(name) {
                out.push_str(&format!("{name}: {v}\r\n"));
            }
        }
        let to = self.headers("To").first().map(|t| t.to_string());
        let to = to.unwrap_or_default();
        let to = if to.contains(";tag=") {
            to
        } else {
            format!("{to};tag=callee1")
        };
        out.push_str(&format!("To: {to}\r\n"));
        for line in extra {
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        out
    }
}

/// The next request with this method (skipping retransmissions of others).
async fn recv_request(sock: &UdpSocket, method: &str) -> Received {
    let mut buf = vec![0u8; 65536];
    timeout(WAIT, async {
        loop {
            let (n, from) = sock.recv_from(&mut buf).await.expect("recv");
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.starts_with(&format!("{method} ")) {
                return Received { text, from };
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{method} within 5 s"))
}

async fn send(sock: &UdpSocket, to: SocketAddr, msg: &str) {
    sock.send_to(msg.as_bytes(), to).await.expect("send");
}

async fn next(call: &mut UacHandle) -> Option<UacEvent> {
    timeout(WAIT, call.events.recv())
        .await
        .expect("an event within 5 s")
}

async fn setup() -> (SipEndpoint, UdpSocket, UacHandle, Received) {
    let (caller, _none) = SipEndpoint::start(EndpointConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        user_agent: "linewarden-test".into(),
        seed: 9,
        registrar: None,
        tcp: Default::default(),
        on_shed: None,
        udp_receive_buffer: 0,
    })
    .await
    .expect("endpoint");
    let callee = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let callee_addr = callee.local_addr().expect("addr");
    let rtp: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let call = caller
        .call(OutgoingCall {
            target: format!("sip:5550199@{callee_addr}"),
            from_user: "+441632960001".into(),
            from_display: None,
            offer: build_offer(rtp, &[], Direction::SendRecv, 1, 1),
            ..Default::default()
        })
        .await
        .expect("INVITE sent");
    let invite = recv_request(&callee, "INVITE").await;
    (caller, callee, call, invite)
}

#[tokio::test]
async fn invite_headers_are_ours() {
    let (caller, callee, mut call, invite) = setup().await;
    let local = caller.local_addr();
    assert!(invite.text.starts_with(&format!(
        "INVITE sip:5550199@{} SIP/2.0\r\n",
        callee.local_addr().expect("addr")
    )));
    assert_eq!(invite.headers("Call-ID"), [call.call_id.as_str()]);
    assert_eq!(
        invite.headers("Contact"),
        [format!("<sip:linewarden@{local}>").as_str()]
    );
    assert_eq!(invite.headers("CSeq"), ["1 INVITE"]);
    assert_eq!(invite.headers("Content-Type"), ["application/sdp"]);
    assert_eq!(invite.headers("User-Agent"), ["linewarden-test"]);
    let from = invite.headers("From");
    assert!(
        from[0].starts_with("<sip:+441632960001@127.0.0.1>;tag="),
        "{from:?}"
    );
    let via = invite.headers("Via");
    assert!(
        via[0].starts_with(&format!("SIP/2.0/UDP {local};branch=z9hG4bK")),
        "{via:?}"
    );
    assert!(invite.text.contains("a=rtpmap:101 telephone-event/8000"));
    assert!(!invite.text.to_ascii_lowercase().contains("restsend"));

    send(
        &callee,
        invite.from,
        &invite.response("486 Busy Here", &[], ""),
    )
    .await;
    assert_eq!(
        next(&mut call).await,
        Some(UacEvent::Failed { status: 486 })
    );
    // The error response is ACKed in its transaction (same branch).
    let ack = recv_request(&callee, "ACK").await;
    assert_eq!(ack.headers("Via"), invite.headers("Via"));
    assert_eq!(ack.headers("CSeq"), ["1 ACK"]);
}

#[tokio::test]
async fn answer_across_our_cancel_is_acked_then_ended_with_bye() {
    let (_caller, callee, mut call, invite) = setup().await;
    let me = callee.local_addr().expect("addr");
    send(
        &callee,
        invite.from,
        &invite.response("180 Ringing", &[], ""),
    )
    .await;
    assert_eq!(next(&mut call).await, Some(UacEvent::Progress(180)));

    call.send(UacCommand::Hangup).expect("hang up");
    let cancel = recv_request(&callee, "CANCEL").await;
    assert!(cancel
        .text
        .starts_with(&format!("CANCEL sip:5550199@{me} SIP/2.0")));
    assert_eq!(cancel.headers("Via"), invite.headers("Via"));
    assert_eq!(cancel.headers("CSeq"), ["1 CANCEL"]);
    assert_eq!(cancel.headers("Call-ID"), invite.headers("Call-ID"));
    send(&callee, cancel.from, &cancel.response("200 OK", &[], "")).await;

    // Our 2xx was already on its way: it wins over the CANCEL. Two proxies
    // record-routed, the one nearest the caller last.
    let extra = [
        format!("Contact: <sip:callee@{me}>"),
        "Record-Route: <sip:127.0.0.1:9;lr>".to_string(),
        format!("Record-Route: <sip:{me};lr>"),
        "Content-Type: application/sdp".to_string(),
    ];
    let answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";
    send(
        &callee,
        invite.from,
        &invite.response("200 OK", &extra, answer),
    )
    .await;

    let ack = recv_request(&callee, "ACK").await;
    assert!(ack
        .text
        .starts_with(&format!("ACK sip:callee@{me} SIP/2.0")));
    assert_eq!(ack.headers("CSeq"), ["1 ACK"]);
    let bye = recv_request(&callee, "BYE").await;
    assert!(bye
        .text
        .starts_with(&format!("BYE sip:callee@{me} SIP/2.0")));
    assert_eq!(bye.headers("CSeq"), ["2 BYE"]);
    assert!(bye.headers("To")[0].ends_with(";tag=callee1"));
    assert_eq!(bye.headers("From"), invite.headers("From"));
    let routes: Vec<String> = bye.headers("Route").iter().map(|r| r.to_string()).collect();
    assert_eq!(
        routes.join(", "),
        format!("<sip:{me};lr>, <sip:127.0.0.1:9;lr>"),
        "the route set is the Record-Route list reversed"
    );
    send(&callee, bye.from, &bye.response("200 OK", &[], "")).await;
    assert_eq!(
        next(&mut call).await,
        Some(UacEvent::HangupDone { status: Some(200) }),
        "no Answered for a call we were cancelling"
    );
    assert_eq!(next(&mut call).await, None);
}

#[tokio::test]
async fn a_2xx_retransmitted_after_the_call_is_over_is_acked_again() {
    let (_caller, callee, mut call, invite) = setup().await;
    let me = callee.local_addr().expect("addr");
    let extra = [
        format!("Contact: <sip:callee@{me}>"),
        "Content-Type: application/sdp".to_string(),
    ];
    let answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";
    let ok = invite.response("200 OK", &extra, answer);
    send(&callee, invite.from, &ok).await;
    assert!(matches!(
        next(&mut call).await,
        Some(UacEvent::Answered { .. })
    ));
    let first_ack = recv_request(&callee, "ACK").await;
    call.send(UacCommand::Hangup).expect("hang up");
    let bye = recv_request(&callee, "BYE").await;
    send(&callee, bye.from, &bye.response("200 OK", &[], "")).await;
    assert_eq!(
        next(&mut call).await,
        Some(UacEvent::HangupDone { status: Some(200) })
    );
    assert_eq!(next(&mut call).await, None, "the call is over");

    // The callee never saw our ACK and sends its 200 again: it is ACKed
    // again, the same ACK, with the call and its task gone.
    send(&callee, invite.from, &ok).await;
    let again = recv_request(&callee, "ACK").await;
    assert_eq!(again.headers("CSeq"), ["1 ACK"]);
    assert_eq!(again.headers("Via"), first_ack.headers("Via"));
    assert_eq!(again.headers("To"), first_ack.headers("To"));
}

/// A call from a fresh endpoint with credentials, and its first INVITE.
async fn setup_with_credentials(
    credentials: Option<sip::Credentials>,
) -> (SipEndpoint, UdpSocket, UacHandle, Received) {
    let (caller, _none) = SipEndpoint::start(EndpointConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        user_agent: "linewarden-test".into(),
        seed: 11,
        registrar: None,
        tcp: Default::default(),
        on_shed: None,
        udp_receive_buffer: 0,
    })
    .await
    .expect("endpoint");
    let callee = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let callee_addr = callee.local_addr().expect("addr");
    let call = caller
        .call(OutgoingCall {
            target: format!("sip:101@{callee_addr}"),
            from_user: "linewarden".into(),
            offer: build_offer(
                "127.0.0.1:40000".parse().expect("addr"),
                &[],
                Direction::SendRecv,
                1,
                1,
            ),
            credentials,
            ..Default::default()
        })
        .await
        .expect("INVITE sent");
    let invite = recv_request(&callee, "INVITE").await;
    (caller, callee, call, invite)
}

fn trunk_credentials() -> Option<sip::Credentials> {
    Some(sip::Credentials {
        username: "flat12".into(),
        password: "trunk-secret".into(),
    })
}

/// Checks the digest in `header` (an Authorization value) for the
/// credentials above.
fn digest_ok(header: &str) -> bool {
    let auth = rsipstack::sip::typed::Authorization::parse(header).expect("readable credentials");
    auth.username == "flat12"
        && rsipstack::dialog::authenticate::verify_digest(
            &auth,
            "trunk-secret",
            &rsipstack::sip::Method::Invite,
            header,
        )
}

#[tokio::test]
async fn a_401_is_answered_with_credentials_once() {
    let (_caller, callee, mut call, invite) = setup_with_credentials(trunk_credentials()).await;
    let challenge =
        "WWW-Authenticate: Digest realm=\"trunk.example\", nonce=\"4f1d2c\", qop=\"auth\", algorithm=MD5"
            .to_string();
    send(
        &callee,
        invite.from,
        &invite.response("401 Unauthorized", std::slice::from_ref(&challenge), ""),
    )
    .await;
    let ack = recv_request(&callee, "ACK").await;
    assert_eq!(ack.headers("CSeq"), ["1 ACK"]);

    let again = recv_request(&callee, "INVITE").await;
    assert_eq!(again.headers("CSeq"), ["2 INVITE"]);
    assert_eq!(again.headers("Call-ID"), invite.headers("Call-ID"));
    assert_eq!(again.headers("From"), invite.headers("From"));
    assert_ne!(again.headers("Via"), invite.headers("Via"), "a new branch");
    let auth = again.headers("Authorization");
    assert_eq!(auth.len(), 1, "{}", again.text);
    assert!(digest_ok(auth[0]), "{}", auth[0]);
    assert!(auth[0].contains("realm=\"trunk.example\""));
    assert!(!again.text.contains("trunk-secret"));

    // A second challenge that is not about a stale nonce: wrong
    // credentials, so the call fails instead of looping.
    send(
        &callee,
        again.from,
        &again.response("401 Unauthorized", &[challenge], ""),
    )
    .await;
    assert_eq!(
        next(&mut call).await,
        Some(UacEvent::Failed { status: 401 })
    );
}

#[tokio::test]
async fn a_407_gets_proxy_authorization_and_the_call_goes_on() {
    let (_caller, callee, mut call, invite) = setup_with_credentials(trunk_credentials()).await;
    let me = callee.local_addr().expect("addr");
    send(
        &callee,
        invite.from,
        &invite.response(
            "407 Proxy Authentication Required",
            &["Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"99aa\"".into()],
            "",
        ),
    )
    .await;
    let again = recv_request(&callee, "INVITE").await;
    let auth = again.headers("Proxy-Authorization");
    assert_eq!(auth.len(), 1, "{}", again.text);
    assert!(digest_ok(auth[0]), "{}", auth[0]);
    assert!(again.headers("Authorization").is_empty());

    let answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n";
    let extra = [
        format!("Contact: <sip:101@{me}>"),
        "Content-Type: application/sdp".to_string(),
    ];
    send(
        &callee,
        again.from,
        &again.response("200 OK", &extra, answer),
    )
    .await;
    assert!(matches!(
        next(&mut call).await,
        Some(UacEvent::Answered { .. })
    ));
    call.send(UacCommand::Hangup).expect("hang up");
    let bye = recv_request(&callee, "BYE").await;
    assert_eq!(bye.headers("CSeq"), ["3 BYE"]);
}

#[tokio::test]
async fn without_credentials_a_challenge_ends_the_call() {
    let (_caller, callee, mut call, invite) = setup_with_credentials(None).await;
    send(
        &callee,
        invite.from,
        &invite.response(
            "401 Unauthorized",
            &["WWW-Authenticate: Digest realm=\"t\", nonce=\"1\"".into()],
            "",
        ),
    )
    .await;
    assert_eq!(
        next(&mut call).await,
        Some(UacEvent::Failed { status: 401 })
    );
}
