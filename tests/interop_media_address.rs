//! Interop over loopback: `media_address` names an address that is not
//! this host's (behind NAT, the public one). Calls are still answered: SDP
//! advertises the media address, RTP is bound on the listen address, and
//! the caller's audio sent there is heard (the challenge digit passes).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::raw_sip::{sdp_media, CallerMedia, RawCaller};
use common::Service;

#[test]
fn a_call_is_answered_with_a_media_address_of_another_host() {
    let mut svc = Service::start_with_service_keys(
        "media_address = \"192.0.2.10\"\n",
        "challenge_digit = 5\n",
        &[],
    );
    let caller = RawCaller::call(svc.addr, "media-address-1");
    let (ip, port) = sdp_media(&caller.answer);
    assert_eq!(ip.to_string(), "192.0.2.10", "{}", caller.answer);
    assert!(
        caller.answer.contains("c=IN IP4 192.0.2.10"),
        "{}",
        caller.answer
    );

    // The caller's NAT would deliver to the listen address: send there.
    let bound = SocketAddr::new(svc.addr.ip(), port);
    let media = CallerMedia::start(&caller.rtp, bound, Some((Duration::from_secs(7), 5)));
    let call = svc.wait_call("media-address-1", |c| c["outcome"] == "passed");
    let received = media.stop();
    caller.hang_up();
    assert!(
        received > 50,
        "our prompts reached the caller ({received} packets)"
    );
    assert_eq!(call["outcome"], "passed", "{call}");
    svc.wait_call("media-address-1", |c| !c["ended_at"].is_null());
    assert_eq!(svc.stop(), Some(0));
}
