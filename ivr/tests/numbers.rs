//! Caller-ID parsing, normalization and the UK plausibility check, table
//! driven: every row asserts the whole parse result and the verdict.
//!
//! Does not own: the per-line decision built on these (see `policy/`).
//! Every UK number here is in an Ofcom drama range or otherwise made up.

use ivr::{
    check_cli, normalize, parse_caller_id, CallerId, CliRules, CliVerdict, InvalidReason,
    NumberKind, SuspiciousReason,
};
use NumberKind::*;

/// The bank's published number, configured in national form.
const BANK: &str = "03069 990123";
const BANK_E164: &str = "+443069990123";

#[derive(Debug)]
enum Want {
    Withheld,
    /// kind, E.164, national.
    Uk(NumberKind, &'static str, &'static str),
    Intl(&'static str),
    Invalid(InvalidReason),
}

fn wrong_length(digits: usize) -> Want {
    Want::Invalid(InvalidReason::WrongLength { digits })
}

fn suspicious(reason: SuspiciousReason) -> CliVerdict {
    CliVerdict::Suspicious(reason)
}

fn never(n: &str) -> CliVerdict {
    suspicious(SuspiciousReason::NeverCallsOut(n.to_owned()))
}

fn rules() -> CliRules {
    let mut rules = CliRules::default();
    rules.never_calls_out.push(BANK.to_owned());
    rules
}

fn cases() -> Vec<(&'static str, Want, CliVerdict)> {
    use CliVerdict::Ok;
    use InvalidReason::{BadPrefix, NotDigits};
    use Want::{Intl, Invalid, Uk, Withheld};
    let drama = || Uk(Geographic, "+441632960001", "01632960001");
    let drama_mobile = || Uk(Mobile, "+447700900123", "07700900123");
    let bank = || Uk(NonGeographic, BANK_E164, "03069990123");
    let premium = || Uk(Premium, "+449098790000", "09098790000");
    let too_short = || suspicious(SuspiciousReason::InvalidLength);
    let not_digits = || suspicious(SuspiciousReason::NotDigits);
    let bad_prefix = || suspicious(SuspiciousReason::BadPrefix);
    vec![
        // E.164
        ("+441632960001", drama(), Ok),
        ("+44 1632 960001", drama(), Ok),
        ("+44 (0)1632 960001", drama(), Ok),
        (
            "+44-20-7946-0123",
            Uk(Geographic, "+442079460123", "02079460123"),
            Ok,
        ),
        ("+447700900123", drama_mobile(), Ok),
        // national, with separators
        ("01632960001", drama(), Ok),
        ("01632 960001", drama(), Ok),
        ("(01632) 960-001", drama(), Ok),
        (" 01632.960.001 ", drama(), Ok),
        (
            "020 7946 0123",
            Uk(Geographic, "+442079460123", "02079460123"),
            Ok,
        ),
        (
            "0113 496 0000",
            Uk(Geographic, "+441134960000", "01134960000"),
            Ok,
        ),
        (
            "016977 3123",
            Uk(Geographic, "+44169773123", "0169773123"),
            Ok,
        ),
        // kinds
        ("07700 900123", drama_mobile(), Ok),
        (
            "07624 123456",
            Uk(Mobile, "+447624123456", "07624123456"),
            Ok,
        ),
        (
            "07012 345678",
            Uk(Personal, "+447012345678", "07012345678"),
            Ok,
        ),
        (
            "07640 123456",
            Uk(Pager, "+447640123456", "07640123456"),
            Ok,
        ),
        (
            "03069 990000",
            Uk(NonGeographic, "+443069990000", "03069990000"),
            Ok,
        ),
        (
            "08081 570000",
            Uk(NonGeographic, "+448081570000", "08081570000"),
            Ok,
        ),
        (
            "0800 496 000",
            Uk(NonGeographic, "+44800496000", "0800496000"),
            Ok,
        ),
        (
            "0845 496 0000",
            Uk(NonGeographic, "+448454960000", "08454960000"),
            Ok,
        ),
        (
            "05512 345678",
            Uk(NonGeographic, "+445512345678", "05512345678"),
            Ok,
        ),
        // 00 international prefix, bare 44, URIs
        ("00441632960001", drama(), Ok),
        ("0044 7700 900123", drama_mobile(), Ok),
        ("441632960001", drama(), Ok),
        ("tel:+44-1632-960001", drama(), Ok),
        ("TEL:01632960001;phone-context=+44", drama(), Ok),
        (
            "sip:+441632960001@trunk.example.net;user=phone",
            drama(),
            Ok,
        ),
        ("+441632960001;npdi", drama(), Ok),
        // withheld
        ("anonymous", Withheld, CliVerdict::Withheld),
        ("Anonymous", Withheld, CliVerdict::Withheld),
        ("ANONYMOUS", Withheld, CliVerdict::Withheld),
        ("unavailable", Withheld, CliVerdict::Withheld),
        ("Withheld", Withheld, CliVerdict::Withheld),
        ("private", Withheld, CliVerdict::Withheld),
        ("Restricted", Withheld, CliVerdict::Withheld),
        ("unknown", Withheld, CliVerdict::Withheld),
        ("", Withheld, CliVerdict::Withheld),
        ("   ", Withheld, CliVerdict::Withheld),
        (
            "sip:anonymous@anonymous.invalid",
            Withheld,
            CliVerdict::Withheld,
        ),
        // premium as caller ID
        (
            "0909 879 0000",
            premium(),
            suspicious(SuspiciousReason::Premium),
        ),
        (
            "+44 909 879 0000",
            premium(),
            suspicious(SuspiciousReason::Premium),
        ),
        // never calls out: built-in codes and the configured bank, either form
        ("999", Uk(Special, "999", "999"), never("999")),
        ("112", Uk(Special, "112", "112"), never("112")),
        ("101", Uk(Special, "101", "101"), never("101")),
        ("159", Uk(Special, "159", "159"), never("159")),
        ("105", Uk(Special, "105", "105"), never("105")),
        ("111", Uk(Special, "111", "111"), never("111")),
        ("+44 101", Uk(Special, "101", "101"), never("101")),
        ("03069990123", bank(), never(BANK_E164)),
        ("+443069990123", bank(), never(BANK_E164)),
        ("tel:0044-3069-990123", bank(), never(BANK_E164)),
        // other short codes
        ("100", Uk(Special, "100", "100"), Ok),
        ("123", Uk(Special, "123", "123"), Ok),
        ("118118", Uk(Special, "118118", "118118"), Ok),
        ("116123", Uk(Special, "116123", "116123"), Ok),
        // too short, too long
        ("0", wrong_length(1), too_short()),
        ("016329600", wrong_length(9), too_short()),
        ("016329600011", wrong_length(12), too_short()),
        ("0207946012", wrong_length(10), too_short()),
        ("0770090012", wrong_length(10), too_short()),
        ("+4416329", wrong_length(6), too_short()),
        ("+1 202", wrong_length(4), too_short()),
        ("+1234567890123456", wrong_length(16), too_short()),
        ("00", wrong_length(0), too_short()),
        // letters and other junk
        ("0800FLOWERS", Invalid(NotDigits), not_digits()),
        ("abc", Invalid(NotDigits), not_digits()),
        ("01632 96000l", Invalid(NotDigits), not_digits()),
        ("+", Invalid(NotDigits), not_digits()),
        ("---", Invalid(NotDigits), not_digits()),
        ("++441632960001", Invalid(NotDigits), not_digits()),
        ("0163\u{0}2960001", Invalid(NotDigits), not_digits()),
        ("\u{661}\u{662}\u{663}", Invalid(NotDigits), not_digits()),
        (
            "<sip:+441632960001@example.net>",
            Invalid(NotDigits),
            not_digits(),
        ),
        // no such range
        ("04123 456789", Invalid(BadPrefix), bad_prefix()),
        ("06123 456789", Invalid(BadPrefix), bad_prefix()),
        ("05012 345678", Invalid(BadPrefix), bad_prefix()),
        ("08123 456789", Invalid(BadPrefix), bad_prefix()),
        ("1632960001", Invalid(BadPrefix), bad_prefix()),
        ("+0441632960001", Invalid(BadPrefix), bad_prefix()),
        // international, not UK
        ("+33 1 23 45 67 89", Intl("+33123456789"), Ok),
        ("0033123456789", Intl("+33123456789"), Ok),
        ("+1 (202) 555-0123", Intl("+12025550123"), Ok),
        ("tel:+353-1-234-5678", Intl("+35312345678"), Ok),
    ]
}

fn assert_parses(raw: &str, want: &Want) {
    let got = parse_caller_id(raw);
    match (want, &got) {
        (Want::Uk(kind, e164, national), CallerId::Valid(n)) => {
            assert_eq!(
                (n.kind(), n.e164(), n.national()),
                (*kind, *e164, *national),
                "{raw:?}"
            );
            assert_eq!(normalize(raw).as_deref(), Some(*e164), "{raw:?}");
        }
        (Want::Uk(..), _) => panic!("{raw:?}: want {want:?}, got {got:?}"),
        (Want::Withheld, _) => assert_eq!(got, CallerId::Withheld, "{raw:?}"),
        (Want::Intl(e164), _) => {
            assert_eq!(got, CallerId::International(e164.to_string()), "{raw:?}");
            assert_eq!(normalize(raw).as_deref(), Some(*e164), "{raw:?}");
        }
        (Want::Invalid(reason), _) => {
            let want = CallerId::Invalid {
                raw: raw.to_owned(),
                reason: *reason,
            };
            assert_eq!(got, want, "{raw:?}");
        }
    }
    if matches!(want, Want::Withheld | Want::Invalid(_)) {
        assert_eq!(normalize(raw), None, "{raw:?}");
    }
}

#[test]
fn table_parse_normalize_and_check() {
    let cases = cases();
    assert!(cases.len() >= 40);
    let rules = rules();
    for (raw, want, verdict) in &cases {
        assert_parses(raw, want);
        assert_eq!(
            check_cli(&parse_caller_id(raw), &rules),
            *verdict,
            "{raw:?}"
        );
    }
}

#[test]
fn bank_number_matches_whichever_form_is_configured() {
    for configured in [BANK, BANK_E164, "0044 (0)3069-990123", "tel:+443069990123"] {
        let rules = CliRules {
            never_calls_out: vec![configured.to_owned()],
        };
        for presented in ["03069 990123", "+443069990123", "443069990123"] {
            assert_eq!(
                check_cli(&parse_caller_id(presented), &rules),
                never(BANK_E164),
                "configured {configured:?}, presented {presented:?}"
            );
        }
    }
}

#[test]
fn built_in_codes_apply_even_when_the_list_omits_them() {
    let rules = CliRules {
        never_calls_out: vec![],
    };
    for code in ivr::NEVER_CALL_OUT_CODES {
        assert_eq!(check_cli(&parse_caller_id(code), &rules), never(code));
    }
    assert_eq!(check_cli(&parse_caller_id(BANK), &rules), CliVerdict::Ok);
    assert_eq!(
        CliRules::default().never_calls_out,
        ivr::NEVER_CALL_OUT_CODES
    );
}

#[test]
fn an_international_number_can_be_listed_as_never_calling_out() {
    let rules = CliRules {
        never_calls_out: vec!["+33 1 23 45 67 89".to_owned()],
    };
    let id = parse_caller_id("0033123456789");
    assert_eq!(check_cli(&id, &rules), never("+33123456789"));
}

#[test]
fn normalizing_is_idempotent_and_never_panics() {
    let digits: Vec<char> = "0123456789".chars().collect();
    let junk: Vec<char> = "+ -().@;:*#abcsiptelATX\u{0}\u{e9}\u{661}\u{1F4DE}"
        .chars()
        .collect();
    let mut rng = fastrand::Rng::with_seed(44);
    let rules = rules();
    let mut normalized = 0;
    for _ in 0..20_000 {
        let len = rng.usize(0..24);
        let mut raw: String = (0..len)
            .map(|_| match rng.u8(..20) {
                0 => junk[rng.usize(..junk.len())],
                _ => digits[rng.usize(..digits.len())],
            })
            .collect();
        if rng.bool() {
            raw.insert_str(0, ["+44", "0", "00", "tel:", "07"][rng.usize(..5)]);
        }
        let id = parse_caller_id(&raw);
        let _ = check_cli(&id, &rules);
        if let Some(n) = normalize(&raw) {
            normalized += 1;
            assert_eq!(normalize(&n).as_deref(), Some(n.as_str()), "{raw:?}");
        }
    }
    assert!(normalized > 100, "the generator should hit valid numbers");
}

#[test]
fn reasons_have_stable_names() {
    let names: Vec<String> = [
        SuspiciousReason::InvalidLength,
        SuspiciousReason::Premium,
        SuspiciousReason::NeverCallsOut("101".into()),
        SuspiciousReason::NotDigits,
        SuspiciousReason::BadPrefix,
    ]
    .iter()
    .map(|r| format!("{}|{r}", r.as_str()))
    .collect();
    assert_eq!(
        names,
        [
            "invalid-length|invalid-length",
            "premium|premium",
            "never-calls-out|never-calls-out 101",
            "not-digits|not-digits",
            "bad-prefix|bad-prefix",
        ]
    );
    assert_eq!(
        InvalidReason::WrongLength { digits: 9 }.to_string(),
        "wrong length for a phone number: 9 digits"
    );
}
