//! What we send: a queue of prompts cut into 20 ms frames.
//!
//! Owns: the order prompts are played in, cutting them into frames, padding
//! the last frame with silence, and saying when each prompt has finished.
//! Does not own: encoding or pacing (the RTP session's) or which prompt to play
//! (call control's).

use std::collections::VecDeque;
use std::sync::Arc;

use super::FRAME_SAMPLES;

/// Prompts waiting to be played, the first one partly played.
#[derive(Debug, Default)]
pub struct Playout {
    queue: VecDeque<Queued>,
}

#[derive(Debug)]
struct Queued {
    id: u32,
    samples: Arc<[i16]>,
    pos: usize,
}

/// One frame of outgoing audio.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    /// Exactly [`FRAME_SAMPLES`] samples.
    pub samples: Vec<i16>,
    /// True when the frame carries prompt audio (not only silence).
    pub voiced: bool,
    /// Prompts that finished with this frame.
    pub finished: Vec<u32>,
}

impl Playout {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a prompt behind the ones already queued.
    pub fn push(&mut self, id: u32, samples: Arc<[i16]>) {
        self.queue.push_back(Queued {
            id,
            samples,
            pos: 0,
        });
    }

    /// Drops everything queued (barge-in). No finish is reported for them.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// True when nothing is queued.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// The next 20 ms: prompt audio while there is some, silence after. A
    /// prompt that ends mid-frame is followed in the same frame by the next.
    pub fn next_frame(&mut self) -> Frame {
        let mut samples = Vec::with_capacity(FRAME_SAMPLES);
        let mut finished = Vec::new();
        let voiced = !self.queue.is_empty();
        while samples.len() < FRAME_SAMPLES {
            let Some(front) = self.queue.front_mut() else {
                break;
            };
            let want = FRAME_SAMPLES - samples.len();
            let rest = front.samples.get(front.pos..).unwrap_or_default();
            let take = want.min(rest.len());
            samples.extend_from_slice(rest.get(..take).unwrap_or_default());
            front.pos += take;
            if front.pos >= front.samples.len() {
                finished.push(front.id);
                self.queue.pop_front();
            }
        }
        samples.resize(FRAME_SAMPLES, 0);
        Frame {
            samples,
            voiced,
            finished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(len: usize, value: i16) -> Arc<[i16]> {
        vec![value; len].into()
    }

    #[test]
    fn silence_when_idle() {
        let mut p = Playout::new();
        let f = p.next_frame();
        assert_eq!(f.samples, vec![0; FRAME_SAMPLES]);
        assert!(!f.voiced);
        assert!(f.finished.is_empty());
    }

    #[test]
    fn prompts_play_in_order_and_report_finish_on_their_last_frame() {
        let mut p = Playout::new();
        p.push(1, prompt(200, 7));
        p.push(2, prompt(100, 9));
        let f1 = p.next_frame();
        assert_eq!(f1.samples, vec![7; FRAME_SAMPLES]);
        assert!(f1.finished.is_empty());
        let f2 = p.next_frame();
        assert_eq!(&f2.samples[..40], &[7; 40]);
        assert_eq!(&f2.samples[40..140], &[9; 100]);
        assert_eq!(&f2.samples[140..], &[0; 20]);
        assert_eq!(f2.finished, vec![1, 2]);
        assert!(p.is_idle());
    }

    #[test]
    fn clear_drops_without_finishing() {
        let mut p = Playout::new();
        p.push(1, prompt(1000, 1));
        p.next_frame();
        p.clear();
        let f = p.next_frame();
        assert!(f.finished.is_empty());
        assert!(!f.voiced);
    }

    #[test]
    fn empty_prompt_finishes_immediately() {
        let mut p = Playout::new();
        p.push(4, prompt(0, 0));
        assert_eq!(p.next_frame().finished, vec![4]);
    }
}
