//! 8 kHz to 16 kHz upsampling for call audio.
//!
//! Owns: a streaming 2x interpolator, a polyphase FIR built from a
//! Kaiser-windowed sinc low-pass. Does not own: any other rate (fixtures
//! are brought to 8 kHz when they are read), or gain control.
//!
//! The filter has 81 taps at 16 kHz: cutoff 3.9 kHz, Kaiser beta 7, so
//! 300-3400 Hz passes flat (well within 0.01 dB) and the images a 2x
//! interpolator makes (a tone at `f` also appears at `8000 - f`) are more
//! than 65 dB down from 4.6 kHz up. Each of the two polyphase branches is
//! scaled to sum to exactly 1, so DC passes with no gain error and
//! leaves no image at 8 kHz.
//!
//! It is linear phase: the output lags the input by exactly
//! [`Upsampler::DELAY`] output samples (2.5 ms). Every `push` of N input
//! samples gives exactly 2N output samples, so callers compensate by
//! subtracting the delay from times measured on the output; `flush` gives
//! the last `DELAY` samples still inside the filter.
//!
//! Why not `rubato` (used by the fixture reader): its resamplers work on
//! fixed-size blocks, so small or odd chunks would need an extra buffering
//! layer and the output count per call would vary. For a fixed ratio of 2
//! the polyphase FIR is ~60 lines, exact in length and delay, and cheap
//! (81 multiply-adds per input sample).

/// Taps of one side of the prototype filter: it has `2 * HALF + 1` taps.
const HALF: usize = 40;
/// Taps of the even-output branch (`h[0], h[2], ... h[2 * HALF]`).
const EVEN_TAPS: usize = HALF + 1;
/// Taps of the odd-output branch (`h[1], h[3], ... h[2 * HALF - 1]`).
const ODD_TAPS: usize = HALF;
/// Input samples the filter remembers between chunks.
const HISTORY: usize = EVEN_TAPS - 1;
/// Low-pass cutoff at 16 kHz, in Hz.
const CUTOFF_HZ: f64 = 3900.0;
/// Output sample rate, in Hz.
const OUT_RATE_HZ: f64 = 16000.0;
/// Kaiser window shape.
const KAISER_BETA: f64 = 7.0;

/// A streaming 8 kHz to 16 kHz interpolator. Keeps its state across
/// chunks: output is the same however the input is split.
#[derive(Debug, Clone)]
pub struct Upsampler {
    /// Even-branch taps, reversed, so that output is a dot product with
    /// the input window in time order.
    even: [f32; EVEN_TAPS],
    /// Odd-branch taps, reversed.
    odd: [f32; ODD_TAPS],
    /// The last `HISTORY` input samples, then the chunk being filtered.
    work: Vec<f32>,
}

impl Default for Upsampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Upsampler {
    /// The output lags the input by this many 16 kHz samples (2.5 ms).
    pub const DELAY: usize = HALF;
    /// [`Self::DELAY`] in microseconds.
    pub const DELAY_US: u64 = 2500;

    /// A new upsampler, as if it had been fed silence.
    pub fn new() -> Self {
        let taps = prototype();
        let mut even = [0.0f32; EVEN_TAPS];
        let mut odd = [0.0f32; ODD_TAPS];
        let even_sum: f64 = taps.iter().step_by(2).sum();
        let odd_sum: f64 = taps.iter().skip(1).step_by(2).sum();
        for (k, slot) in even.iter_mut().enumerate() {
            *slot = (taps[2 * (EVEN_TAPS - 1 - k)] / even_sum) as f32;
        }
        for (k, slot) in odd.iter_mut().enumerate() {
            *slot = (taps[2 * (ODD_TAPS - 1 - k) + 1] / odd_sum) as f32;
        }
        Upsampler {
            even,
            odd,
            work: vec![0.0; HISTORY],
        }
    }

    /// Forgets all past input.
    pub fn reset(&mut self) {
        self.work.clear();
        self.work.resize(HISTORY, 0.0);
    }

    /// Upsamples `input` (8 kHz) and appends exactly `2 * input.len()`
    /// samples (16 kHz) to `out`. Values beyond the 16-bit range (the
    /// filter can overshoot on full-scale square waves) are clipped.
    pub fn push(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.work.truncate(HISTORY);
        self.work.extend(input.iter().map(|&s| f32::from(s)));
        out.reserve(2 * input.len());
        for n in 0..input.len() {
            // work[n + HISTORY] is input[n]; the even branch reaches back
            // HISTORY samples, the odd one HISTORY - 1.
            let even = dot(&self.even, &self.work[n..n + EVEN_TAPS]);
            let odd = dot(&self.odd, &self.work[n + 1..n + 1 + ODD_TAPS]);
            out.push(to_i16(even));
            out.push(to_i16(odd));
        }
        let keep_from = self.work.len() - HISTORY;
        self.work.drain(..keep_from);
    }

    /// Upsamples `input`, returning exactly `2 * input.len()` samples.
    pub fn process(&mut self, input: &[i16]) -> Vec<i16> {
        let mut out = Vec::with_capacity(2 * input.len());
        self.push(input, &mut out);
        out
    }

    /// Appends the [`Self::DELAY`] samples still inside the filter (as if
    /// silence followed), so that all of the input has come out. The
    /// upsampler is then as new.
    pub fn flush(&mut self, out: &mut Vec<i16>) {
        self.push(&[0; HALF / 2], out);
        self.reset();
    }
}

fn dot(taps: &[f32], window: &[f32]) -> f32 {
    taps.iter().zip(window).map(|(a, b)| a * b).sum()
}

fn to_i16(x: f32) -> i16 {
    // `as` saturates.
    x.round() as i16
}

/// The Kaiser-windowed sinc low-pass at 16 kHz, `2 * HALF + 1` taps,
/// unnormalised.
fn prototype() -> [f64; 2 * HALF + 1] {
    let fc = CUTOFF_HZ / OUT_RATE_HZ;
    let mut taps = [0.0f64; 2 * HALF + 1];
    let denom = bessel_i0(KAISER_BETA);
    for (i, tap) in taps.iter_mut().enumerate() {
        let t = i as f64 - HALF as f64;
        let x = 2.0 * fc * t;
        let sinc = if t == 0.0 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        };
        let r = t / HALF as f64;
        let window = bessel_i0(KAISER_BETA * (1.0 - r * r).max(0.0).sqrt()) / denom;
        *tap = 2.0 * fc * sinc * window;
    }
    taps
}

/// The modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..50 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_sum_to_one() {
        let up = Upsampler::new();
        let even: f32 = up.even.iter().sum();
        let odd: f32 = up.odd.iter().sum();
        assert!((even - 1.0).abs() < 1e-6, "{even}");
        assert!((odd - 1.0).abs() < 1e-6, "{odd}");
    }

    #[test]
    fn impulse_peaks_at_the_documented_delay() {
        let mut up = Upsampler::new();
        let mut input = vec![0i16; 64];
        input[0] = 10_000;
        let out = up.process(&input);
        let peak = (0..out.len()).max_by_key(|&i| out[i]).unwrap();
        assert_eq!(peak, Upsampler::DELAY);
    }

    #[test]
    fn flush_empties_the_filter() {
        let mut up = Upsampler::new();
        let mut out = up.process(&[1000; 10]);
        up.flush(&mut out);
        assert_eq!(out.len(), 20 + Upsampler::DELAY);
        assert_eq!(up.process(&[0; 50]), vec![0; 100]);
    }
}
