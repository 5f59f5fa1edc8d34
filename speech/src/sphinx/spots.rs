//! One keyphrase detection per stretch of audio.
//!
//! Owns: choosing which of a finished utterance's keyphrase detections
//! reach the tagger. The spotter reports overlapping detections of
//! different phrases ("key in your pin", "key your pin" and "your pin"
//! over the same second); their words, split and sorted by time, would
//! interleave ("key key your in your ..."), so no longer phrase, cue or
//! exclusion could match. Where detections overlap, the one with the most
//! words is kept (then the more probable, then the earlier); detections
//! that overlap no kept one are all kept. Does not own: reading
//! detections from the decoder (`ffi`) or splitting them into words
//! (`words`).

/// What the choice needs to know of one detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spot {
    /// First and last frame, inclusive (a last before the first is taken
    /// as the first).
    pub first_frame: i32,
    pub last_frame: i32,
    /// How many words the detected phrase has.
    pub words: usize,
    /// Posterior probability; NaN counts as the lowest.
    pub probability: f64,
}

impl Spot {
    fn overlaps(&self, other: &Spot) -> bool {
        let end = |s: &Spot| s.last_frame.max(s.first_frame);
        self.first_frame <= end(other) && other.first_frame <= end(self)
    }

    fn score(&self) -> f64 {
        if self.probability.is_nan() {
            f64::NEG_INFINITY
        } else {
            self.probability
        }
    }
}

/// The indices into `spots` of the detections to keep, in ascending
/// order: taken longest first (most words, then the higher probability,
/// then the earlier start, then the earlier index), each kept unless it
/// overlaps one already kept.
pub(super) fn keep_longest(spots: &[Spot]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spots.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&spots[a], &spots[b]);
        y.words
            .cmp(&x.words)
            .then(y.score().total_cmp(&x.score()))
            .then(x.first_frame.cmp(&y.first_frame))
            .then(a.cmp(&b))
    });
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        if kept.iter().all(|&k| !spots[k].overlaps(&spots[i])) {
            kept.push(i);
        }
    }
    kept.sort_unstable();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot(first: i32, last: i32, words: usize, probability: f64) -> Spot {
        Spot {
            first_frame: first,
            last_frame: last,
            words,
            probability,
        }
    }

    #[test]
    fn of_overlapping_spots_the_one_with_most_words_is_kept() {
        // "key your pin", "key in your pin", "your pin" over one second.
        let spots = [
            spot(100, 180, 3, 0.9),
            spot(95, 190, 4, 0.2),
            spot(140, 190, 2, 1.0),
        ];
        assert_eq!(keep_longest(&spots), vec![1]);
    }

    #[test]
    fn spots_that_do_not_overlap_are_all_kept() {
        let spots = [
            spot(0, 50, 2, 0.5),
            spot(51, 90, 1, 0.5),
            spot(300, 400, 3, 0.5),
        ];
        assert_eq!(keep_longest(&spots), vec![0, 1, 2]);
    }

    #[test]
    fn a_spot_overlapping_only_a_dropped_one_is_kept() {
        // The middle one overlaps both neighbours; the neighbours have more
        // words and do not overlap each other, so both stay.
        let spots = [
            spot(0, 100, 3, 0.5),
            spot(90, 210, 2, 0.9),
            spot(200, 300, 3, 0.5),
        ];
        assert_eq!(keep_longest(&spots), vec![0, 2]);
    }

    #[test]
    fn ties_go_to_the_more_probable_then_the_earlier() {
        let by_probability = [spot(0, 100, 2, 0.3), spot(50, 150, 2, 0.8)];
        assert_eq!(keep_longest(&by_probability), vec![1]);
        let by_start = [spot(50, 150, 2, 0.5), spot(0, 100, 2, 0.5)];
        assert_eq!(keep_longest(&by_start), vec![1]);
        let nan_loses = [spot(0, 100, 2, f64::NAN), spot(50, 150, 2, 0.0)];
        assert_eq!(keep_longest(&nan_loses), vec![1]);
    }

    #[test]
    fn repeated_detections_of_one_phrase_keep_one() {
        let spots = [
            spot(10, 60, 2, 0.4),
            spot(12, 62, 2, 0.4),
            spot(14, 64, 2, 0.4),
        ];
        assert_eq!(keep_longest(&spots), vec![0]);
    }

    #[test]
    fn reversed_frames_and_no_spots_do_not_panic() {
        assert!(keep_longest(&[]).is_empty());
        let spots = [spot(5, -5, 1, 0.5), spot(i32::MIN, i32::MAX, 1, 0.1)];
        assert_eq!(keep_longest(&spots), vec![0]);
    }
}
