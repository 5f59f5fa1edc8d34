//! The PocketSphinx 5prealpha (Debian's "0.8") C interface, declared by
//! hand, and [`Decoder`], the safe owner of one `ps_decoder_t`.
//!
//! Owns: every `unsafe` block of the crate, the process-wide silencing of
//! PocketSphinx's log, and serialising decoder set-up (the library's
//! loaders share global state). Does not own: streaming, utterance
//! boundaries, word timing or model path checks (`super`).
//!
//! Invariants kept here: `Decoder::ps` is a live decoder from `ps_init`
//! freed exactly once in `Drop`; no pointer from the library outlives the
//! call that returned it (strings are copied out at once); segment
//! iterators are run to their end, which frees them.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::{PhantomData, PhantomPinned};
use std::ptr::{null, null_mut, NonNull};
use std::sync::{Mutex, MutexGuard, Once};

use super::segment::Segment;
use crate::Error;

macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}
opaque!(PsDecoder, CmdLn, ArgT, PsSeg, LogMath);

// Linked through the pkg-config flags the build script prints.
extern "C" {
    fn err_set_logfp(stream: *mut c_void);
    fn cmd_ln_init(inout: *mut CmdLn, defn: *const ArgT, strict: i32, ...) -> *mut CmdLn;
    fn cmd_ln_free_r(cmdln: *mut CmdLn) -> c_int;
    fn cmd_ln_set_float_r(cmdln: *mut CmdLn, name: *const c_char, fv: f64);
    fn ckd_free(ptr: *mut c_void);
    fn logmath_exp(lmath: *mut LogMath, logb_p: c_int) -> f64;

    fn ps_args() -> *const ArgT;
    fn ps_init(config: *mut CmdLn) -> *mut PsDecoder;
    fn ps_free(ps: *mut PsDecoder) -> c_int;
    fn ps_get_logmath(ps: *mut PsDecoder) -> *mut LogMath;
    fn ps_lookup_word(ps: *mut PsDecoder, word: *const c_char) -> *mut c_char;
    fn ps_set_kws(ps: *mut PsDecoder, name: *const c_char, keyfile: *const c_char) -> c_int;
    fn ps_set_lm_file(ps: *mut PsDecoder, name: *const c_char, path: *const c_char) -> c_int;
    fn ps_set_jsgf_string(ps: *mut PsDecoder, name: *const c_char, jsgf: *const c_char) -> c_int;
    fn ps_set_search(ps: *mut PsDecoder, name: *const c_char) -> c_int;
    fn ps_start_stream(ps: *mut PsDecoder) -> c_int;
    fn ps_start_utt(ps: *mut PsDecoder) -> c_int;
    fn ps_process_raw(
        ps: *mut PsDecoder,
        data: *const i16,
        n_samples: usize,
        no_search: c_int,
        full_utt: c_int,
    ) -> c_int;
    fn ps_end_utt(ps: *mut PsDecoder) -> c_int;
    fn ps_get_in_speech(ps: *mut PsDecoder) -> u8;
    fn ps_seg_iter(ps: *mut PsDecoder) -> *mut PsSeg;
    fn ps_seg_next(seg: *mut PsSeg) -> *mut PsSeg;
    fn ps_seg_word(seg: *mut PsSeg) -> *const c_char;
    fn ps_seg_frames(seg: *mut PsSeg, out_sf: *mut c_int, out_ef: *mut c_int);
    fn ps_seg_prob(seg: *mut PsSeg, ascr: *mut i32, lscr: *mut i32, lback: *mut i32) -> i32;
}

/// Held while a decoder is created or given a search.
static SETUP: Mutex<()> = Mutex::new(());
static QUIET: Once = Once::new();

fn setup_lock() -> MutexGuard<'static, ()> {
    let guard = SETUP
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // SAFETY: a NULL stream is documented to disable logging; this runs
    // once, under the set-up lock, before any other call into the library.
    QUIET.call_once(|| unsafe { err_set_logfp(null_mut()) });
    guard
}

/// One PocketSphinx decoder. `Send` (the library keeps no thread-bound
/// state per decoder), not `Sync`: every use goes through `&mut self` or
/// happens on one thread at a time.
pub(crate) struct Decoder {
    ps: NonNull<PsDecoder>,
}

// SAFETY: a ps_decoder_t owns all of its state; moving it to another
// thread between calls is fine. Shared set-up state is behind SETUP.
unsafe impl Send for Decoder {}

impl Decoder {
    /// A decoder for 16 kHz audio with acoustic model directory `hmm`,
    /// dictionary `dict` and feature parameter file `feature_params` (read
    /// now), and no search yet. With `single_pass`, a language model or
    /// grammar search runs its forward pass only (no `-fwdflat`, no
    /// `-bestpath`); keyphrase spotting is the same either way.
    /// `language_weight` sets `-lw`; `None` leaves the library's default (6.5).
    pub fn new(
        hmm: &CStr,
        dict: &CStr,
        feature_params: &CStr,
        single_pass: bool,
        language_weight: Option<f32>,
    ) -> Result<Decoder, Error> {
        let _guard = setup_lock();
        let end: *const c_char = null();
        let later_passes = if single_pass { c"no" } else { c"yes" };
        // SAFETY: every argument is a NUL-terminated string that outlives
        // the call (cmd_ln_init copies them), the list ends in NULL.
        let config = unsafe {
            cmd_ln_init(
                null_mut(),
                ps_args(),
                1,
                c"-hmm".as_ptr(),
                hmm.as_ptr(),
                c"-dict".as_ptr(),
                dict.as_ptr(),
                c"-samprate".as_ptr(),
                c"16000".as_ptr(),
                c"-frate".as_ptr(),
                c"100".as_ptr(),
                c"-featparams".as_ptr(),
                feature_params.as_ptr(),
                c"-fwdflat".as_ptr(),
                later_passes.as_ptr(),
                c"-bestpath".as_ptr(),
                later_passes.as_ptr(),
                end,
            )
        };
        if config.is_null() {
            return Err(Error::Init {
                stage: "parsing the configuration",
            });
        }
        if let Some(weight) = language_weight {
            // SAFETY: config is live and "-lw" is one of ps_args()'s
            // floating-point arguments; the value is copied.
            unsafe { cmd_ln_set_float_r(config, c"-lw".as_ptr(), f64::from(weight)) };
        }
        // SAFETY: config is live; ps_init takes its own reference, so ours
        // is released whether or not it succeeded.
        let ps = unsafe {
            let ps = ps_init(config);
            cmd_ln_free_r(config);
            ps
        };
        NonNull::new(ps)
            .map(|ps| Decoder { ps })
            .ok_or(Error::Init {
                stage: "loading the acoustic model and dictionary",
            })
    }

    /// Whether `word` is in the dictionary.
    pub fn has_word(&self, word: &CStr) -> bool {
        // SAFETY: ps is live, word is NUL-terminated; the returned string
        // is ours to free with ckd_free.
        unsafe {
            let phones = ps_lookup_word(self.ps.as_ptr(), word.as_ptr());
            if phones.is_null() {
                false
            } else {
                ckd_free(phones.cast());
                true
            }
        }
    }

    /// Spots the keyphrases listed in the file `keyfile` (read now).
    pub fn use_keyphrase_file(&mut self, keyfile: &CStr) -> Result<(), Error> {
        // SAFETY: ps is live, both strings are NUL-terminated.
        self.use_search("keyphrase", |ps, name| unsafe {
            ps_set_kws(ps, name, keyfile.as_ptr())
        })
    }

    /// Decodes with the n-gram language model in the file `path`.
    pub fn use_language_model(&mut self, path: &CStr) -> Result<(), Error> {
        // SAFETY: as above.
        self.use_search("language model", |ps, name| unsafe {
            ps_set_lm_file(ps, name, path.as_ptr())
        })
    }

    /// Decodes with the JSGF grammar `text`.
    pub fn use_grammar(&mut self, text: &CStr) -> Result<(), Error> {
        // SAFETY: as above.
        self.use_search("grammar", |ps, name| unsafe {
            ps_set_jsgf_string(ps, name, text.as_ptr())
        })
    }

    fn use_search(
        &mut self,
        stage: &'static str,
        add: impl FnOnce(*mut PsDecoder, *const c_char) -> c_int,
    ) -> Result<(), Error> {
        let _guard = setup_lock();
        let name = c"linewarden";
        if add(self.ps.as_ptr(), name.as_ptr()) < 0 {
            return Err(Error::Init { stage });
        }
        // SAFETY: ps is live, name is NUL-terminated; the stream restarts
        // so frame numbers count from here.
        let ok = unsafe {
            ps_set_search(self.ps.as_ptr(), name.as_ptr()) >= 0
                && ps_start_stream(self.ps.as_ptr()) >= 0
        };
        ok.then_some(()).ok_or(Error::Init {
            stage: "selecting the search",
        })
    }

    /// Restarts the stream: frame numbers count from 0 again.
    pub fn start_stream(&mut self) -> Result<(), Error> {
        // SAFETY: ps is live.
        let rv = unsafe { ps_start_stream(self.ps.as_ptr()) };
        (rv >= 0).then_some(()).ok_or(Error::Process {
            stage: "starting a stream",
        })
    }

    pub fn start_utt(&mut self) -> Result<(), Error> {
        // SAFETY: ps is live.
        let rv = unsafe { ps_start_utt(self.ps.as_ptr()) };
        (rv >= 0).then_some(()).ok_or(Error::Process {
            stage: "starting an utterance",
        })
    }

    /// Decodes 16 kHz samples.
    pub fn process(&mut self, pcm_16k: &[i16]) -> Result<(), Error> {
        if pcm_16k.is_empty() {
            return Ok(());
        }
        // SAFETY: ps is live; the slice is valid for its length and the
        // library does not keep the pointer.
        let rv = unsafe { ps_process_raw(self.ps.as_ptr(), pcm_16k.as_ptr(), pcm_16k.len(), 0, 0) };
        (rv >= 0).then_some(()).ok_or(Error::Process {
            stage: "decoding audio",
        })
    }

    /// Whether the voice activity detector hears speech now.
    pub fn in_speech(&self) -> bool {
        // SAFETY: ps is live.
        unsafe { ps_get_in_speech(self.ps.as_ptr()) != 0 }
    }

    pub fn end_utt(&mut self) -> Result<(), Error> {
        // SAFETY: ps is live.
        let rv = unsafe { ps_end_utt(self.ps.as_ptr()) };
        (rv >= 0).then_some(()).ok_or(Error::Process {
            stage: "ending an utterance",
        })
    }

    /// The best path of the last finished utterance, in time order.
    pub fn segments(&mut self) -> Vec<Segment> {
        let mut out = Vec::new();
        // SAFETY: ps is live. The iterator is walked to its end, where
        // ps_seg_next frees it and returns NULL; each word is copied out
        // before the iterator moves on.
        unsafe {
            let logmath = ps_get_logmath(self.ps.as_ptr());
            let mut seg = ps_seg_iter(self.ps.as_ptr());
            while !seg.is_null() {
                let word = ps_seg_word(seg);
                let (mut sf, mut ef) = (0, 0);
                ps_seg_frames(seg, &mut sf, &mut ef);
                let (mut ascr, mut lscr, mut lback) = (0, 0, 0);
                let prob = ps_seg_prob(seg, &mut ascr, &mut lscr, &mut lback);
                let probability = if logmath.is_null() {
                    0.0
                } else {
                    logmath_exp(logmath, prob)
                };
                if !word.is_null() {
                    out.push(Segment {
                        word: CStr::from_ptr(word).to_string_lossy().into_owned(),
                        first_frame: sf,
                        last_frame: ef,
                        probability,
                    });
                }
                seg = ps_seg_next(seg);
            }
        }
        out
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: ps came from ps_init and is freed only here; the
        // decoder's config reference goes with it.
        unsafe {
            ps_free(self.ps.as_ptr());
        }
    }
}
