//! A small deterministic byte mutator: the same seed gives the same stream
//! of mutations, so a failure found in CI is found again locally.
//!
//! Owns: the mutation operators and how many are stacked per input. Does not
//! own: choosing which input to mutate, running the check, or coverage
//! feedback (there is none: libFuzzer has it, on nightly).

/// Inputs are never grown past this (the largest UDP payload is smaller).
pub const MAX_LEN: usize = 65_535;

/// Bytes that often sit on a parser's decision points.
const INTERESTING_BYTES: &[u8] = b"\x00\x01\x7f\x80\xff\r\n\t \"'<>:;,=/@%\\[]{}#0-9.";

/// Numbers at the edges of the integer types parsers convert into.
const INTERESTING_NUMBERS: &[&[u8]] = &[
    b"0",
    b"-1",
    b"127",
    b"128",
    b"255",
    b"256",
    b"32767",
    b"65535",
    b"65536",
    b"2147483647",
    b"2147483648",
    b"4294967295",
    b"4294967296",
    b"9223372036854775807",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999999999999999",
    b"1e999",
    b"-0",
    b"+1",
];

/// Mutates byte strings with a seeded generator.
#[derive(Debug)]
pub struct Mutator {
    rng: fastrand::Rng,
    tokens: Vec<Vec<u8>>,
}

impl Mutator {
    /// A mutator seeded with `seed`; `tokens` are the target's dictionary
    /// (header names, separators, keywords) that insertions draw from.
    pub fn new(seed: u64, tokens: &[&[u8]]) -> Mutator {
        Mutator {
            rng: fastrand::Rng::with_seed(seed),
            tokens: tokens.iter().map(|t| t.to_vec()).collect(),
        }
    }

    /// The next mutation of `input`: one to eight stacked operators (fewer
    /// more often); `donor`, another corpus entry, is what splices take from.
    pub fn mutate(&mut self, input: &[u8], donor: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        let rounds = 1 << self.rng.u32(0..4);
        for _ in 0..self.rng.u32(1..=rounds) {
            self.apply(&mut out, donor);
        }
        out.truncate(MAX_LEN);
        out
    }

    /// A number below `n` (`n` > 0), biased towards small values.
    fn small(&mut self, n: usize) -> usize {
        let cap = 1usize << self.rng.u32(0..10);
        self.rng.usize(..n.min(cap).max(1))
    }

    fn apply(&mut self, out: &mut Vec<u8>, donor: &[u8]) {
        let len = out.len();
        match self.rng.u8(0..10) {
            0 if len > 0 => {
                let at = self.rng.usize(..len);
                out[at] ^= 1 << self.rng.u8(0..8);
            }
            1 if len > 0 => {
                let at = self.rng.usize(..len);
                out[at] = self.pick(INTERESTING_BYTES);
            }
            2 => {
                let at = self.rng.usize(..=len);
                let n = 1 + self.small(8);
                let bytes: Vec<u8> = (0..n).map(|_| self.rng.u8(..)).collect();
                out.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = self.rng.usize(..len);
                let n = 1 + self.small(len - at);
                out.drain(at..at + n);
            }
            4 if !donor.is_empty() => self.splice(out, donor),
            5 if len > 0 => out.truncate(self.rng.usize(..len)),
            6 if len > 0 => self.repeat(out),
            7 if !self.tokens.is_empty() => {
                let token = self.tokens[self.rng.usize(..self.tokens.len())].clone();
                let at = self.rng.usize(..=len);
                out.splice(at..at, token);
            }
            8 => self.number(out),
            _ => {
                // An operator that did not fit this input: append a random
                // byte instead, so every round changes something.
                out.push(self.rng.u8(..));
            }
        }
    }

    fn pick(&mut self, bytes: &[u8]) -> u8 {
        bytes[self.rng.usize(..bytes.len())]
    }

    /// Replaces the tail of `out` from a random point with a tail of
    /// `donor`, or inserts a chunk of `donor` at a random point.
    fn splice(&mut self, out: &mut Vec<u8>, donor: &[u8]) {
        let at = self.rng.usize(..=out.len());
        let from = self.rng.usize(..donor.len());
        if self.rng.bool() {
            out.truncate(at);
            out.extend_from_slice(&donor[from..]);
        } else {
            let n = 1 + self.small(donor.len() - from);
            out.splice(at..at, donor[from..from + n].iter().copied());
        }
    }

    /// Repeats a short slice of `out` right after itself, 2 to ~1000 times.
    fn repeat(&mut self, out: &mut Vec<u8>) {
        let at = self.rng.usize(..out.len());
        let n = 1 + self.small((out.len() - at).min(32));
        let times = 1 + self.small(1024);
        let chunk = out[at..at + n].to_vec();
        let end = at + n;
        out.splice(end..end, chunk.iter().copied().cycle().take(n * times));
    }

    /// Replaces a run of ASCII digits (or, without one, a random point) with
    /// an edge-case number.
    fn number(&mut self, out: &mut Vec<u8>) {
        let number = INTERESTING_NUMBERS[self.rng.usize(..INTERESTING_NUMBERS.len())];
        let digits: Vec<usize> = (0..out.len())
            .filter(|&i| out[i].is_ascii_digit() && (i == 0 || !out[i - 1].is_ascii_digit()))
            .collect();
        let (start, end) = if digits.is_empty() {
            let at = self.rng.usize(..=out.len());
            (at, at)
        } else {
            let start = digits[self.rng.usize(..digits.len())];
            let run = out[start..].iter().take_while(|b| b.is_ascii_digit());
            (start, start + run.count())
        };
        out.splice(start..end, number.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let input = b"INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n";
        let mut a = Mutator::new(7, &[b"Via: "]);
        let mut b = Mutator::new(7, &[b"Via: "]);
        let mut c = Mutator::new(8, &[b"Via: "]);
        let run = |m: &mut Mutator| (0..50).map(|_| m.mutate(input, b"x")).collect::<Vec<_>>();
        let (ra, rb, rc) = (run(&mut a), run(&mut b), run(&mut c));
        assert_eq!(ra, rb);
        assert_ne!(ra, rc);
    }

    #[test]
    fn mutations_change_the_input_and_stay_bounded() {
        let input = vec![b'7'; 1000];
        let mut m = Mutator::new(1, &[b"token"]);
        let mut changed = 0;
        for _ in 0..2000 {
            let out = m.mutate(&input, b"donor bytes");
            assert!(out.len() <= MAX_LEN);
            changed += usize::from(out != input);
        }
        // Flipping a bit twice or an edge number equal to the digits it
        // replaced can give the input back, rarely.
        assert!(changed > 1900, "only {changed} of 2000 mutations differ");
    }

    #[test]
    fn every_operator_is_reached() {
        let input = b"a=1\r\nb=22\r\n".to_vec();
        let mut m = Mutator::new(3, &[b"TOKEN"]);
        let outs: Vec<Vec<u8>> = (0..5000).map(|_| m.mutate(&input, b"DONOR")).collect();
        let any = |f: &dyn Fn(&[u8]) -> bool| outs.iter().any(|o| f(o));
        assert!(any(&|o| o.len() < input.len()), "nothing shorter");
        assert!(any(&|o| o.len() > input.len() + 100), "nothing repeated");
        assert!(any(&|o| o.windows(5).any(|w| w == b"TOKEN")), "no token");
        assert!(any(&|o| o.windows(3).any(|w| w == b"DON")), "no splice");
        assert!(any(&|o| o.windows(5).any(|w| w == b"65536")), "no number");
    }
}
