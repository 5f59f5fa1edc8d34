//! The 8 kHz to 16 kHz upsampler's frequency response, delay and
//! streaming behaviour.

use speech::Upsampler;

const IN_RATE: f64 = 8000.0;
const OUT_RATE: f64 = 16000.0;
const AMPLITUDE: f64 = 16000.0;

fn sine(freq: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let x = AMPLITUDE * (2.0 * std::f64::consts::PI * freq * n as f64 / IN_RATE).sin();
            x.round() as i16
        })
        .collect()
}

/// Amplitude of the `freq` component of `signal` sampled at `rate`: exact
/// for a whole number of cycles in the window (the tests use 1 s windows
/// and whole-Hz frequencies).
fn amplitude(signal: &[i16], freq: f64, rate: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &s) in signal.iter().enumerate() {
        let phase = 2.0 * std::f64::consts::PI * freq * n as f64 / rate;
        re += f64::from(s) * phase.cos();
        im += f64::from(s) * phase.sin();
    }
    2.0 * (re * re + im * im).sqrt() / signal.len() as f64
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// Upsamples 1.5 s of a tone and returns one second of steady output.
fn steady_output(freq: f64) -> Vec<i16> {
    let out = Upsampler::new().process(&sine(freq, 12_000));
    assert_eq!(out.len(), 24_000);
    out[4000..20_000].to_vec()
}

#[test]
fn passband_is_flat_within_half_a_db() {
    for freq in [300.0, 500.0, 1000.0, 2000.0, 3000.0, 3400.0] {
        let level = amplitude(&steady_output(freq), freq, OUT_RATE);
        let gain = db(level / AMPLITUDE);
        eprintln!("{freq} Hz: gain {gain:+.4} dB");
        assert!(gain.abs() <= 0.5, "{freq} Hz: gain {gain:.3} dB");
    }
}

#[test]
fn images_are_at_least_50_db_down() {
    for freq in [300.0, 1000.0, 2000.0, 3000.0, 3400.0] {
        let out = steady_output(freq);
        let wanted = amplitude(&out, freq, OUT_RATE);
        let image = amplitude(&out, IN_RATE - freq, OUT_RATE);
        let rejection = db(wanted / image.max(1e-9));
        eprintln!("{freq} Hz: image {rejection:.1} dB down");
        assert!(
            rejection >= 50.0,
            "{freq} Hz: image at {} Hz only {rejection:.1} dB down",
            IN_RATE - freq
        );
    }
}

#[test]
fn dc_passes_with_no_gain_error() {
    for level in [1000i16, -12_345, 32_000] {
        let out = Upsampler::new().process(&vec![level; 400]);
        assert!(
            out[Upsampler::DELAY + 100..].iter().all(|&s| s == level),
            "DC {level} came out changed"
        );
    }
}

#[test]
fn chunked_output_equals_one_shot_output() {
    let input: Vec<i16> = sine(1234.0, 3000)
        .iter()
        .zip(sine(3300.0, 3000))
        .map(|(a, b)| a / 2 + b / 3)
        .collect();
    let whole = Upsampler::new().process(&input);
    for sizes in [
        vec![1],
        vec![7, 1, 160],
        vec![160],
        vec![0, 333, 5],
        vec![2999, 1],
    ] {
        let mut up = Upsampler::new();
        let mut out = Vec::new();
        let mut rest = input.as_slice();
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            let before = out.len();
            up.push(chunk, &mut out);
            assert_eq!(out.len() - before, 2 * chunk.len());
            rest = tail;
        }
        assert_eq!(out, whole, "chunk sizes {sizes:?}");
    }
}

#[test]
fn output_lags_by_the_documented_delay() {
    // A slow tone is a delayed copy of itself: compare the output's even
    // samples with the input, shifted by the delay.
    let input = sine(200.0, 800);
    let out = Upsampler::new().process(&input);
    let shift = Upsampler::DELAY / 2;
    for n in 100..700 {
        let diff = (i32::from(out[2 * (n + shift)]) - i32::from(input[n])).abs();
        assert!(
            diff <= 4,
            "sample {n}: {} vs {}",
            out[2 * (n + shift)],
            input[n]
        );
    }
    assert_eq!(
        Upsampler::DELAY_US,
        Upsampler::DELAY as u64 * 1_000_000 / 16_000
    );
}

#[test]
fn full_scale_square_waves_clip_instead_of_wrapping() {
    let input: Vec<i16> = (0..400)
        .map(|n| if n / 4 % 2 == 0 { i16::MAX } else { i16::MIN })
        .collect();
    let out = Upsampler::new().process(&input);
    // Overshoot near the edges saturates: no sign flips from wrapping.
    for (n, pair) in out[100..700].chunks(2).enumerate() {
        let src = input[50 + n - Upsampler::DELAY / 2];
        assert_eq!(pair[0].signum(), src.signum(), "output {}", 100 + 2 * n);
    }
}
