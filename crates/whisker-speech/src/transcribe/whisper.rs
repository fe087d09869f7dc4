//! The whisper.cpp side of [`super::Transcriber`], through whisper-rs.

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::Ordering;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperSegment,
    WhisperState,
};

use super::hallucination::{Evidence, is_stock_phrase, levels};
use super::text::{clean, is_chinese};
use super::{CancelFlag, Language, Options, Segment};
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};

/// Nudges Whisper towards Simplified characters and punctuation for Mandarin.
const CHINESE_PROMPT: &str = "以下是普通话的句子，使用简体中文。";

/// OpenAI's rule for "this was not speech": both must hold.
const NO_SPEECH_PROB: f32 = 0.6;
const LOW_LOGPROB: f32 = -1.0;

/// A loaded model.
#[derive(Debug)]
pub(super) struct Engine {
    context: WhisperContext,
}

impl Engine {
    pub(super) fn load(model: &Path) -> Result<Engine> {
        // whisper.cpp logs every layer it loads to stderr; route its logs
        // into the (absent) `log` backend instead.
        static QUIET: Once = Once::new();
        QUIET.call_once(whisper_rs::install_logging_hooks);
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false);
        let context = WhisperContext::new_with_params(model, params).map_err(|e| {
            Error::bad(
                model,
                format!("whisper.cpp could not load it ({e}); is the file complete?"),
            )
        })?;
        Ok(Engine { context })
    }

    pub(super) fn session(&self, options: &Options, cancel: &CancelFlag) -> Result<Run<'_>> {
        let state = self
            .context
            .create_state()
            .map_err(|e| Error::Whisper(format!("creating a decoder state: {e}")))?;
        Ok(Run {
            engine: self,
            state,
            language: options.language.code().unwrap_or_default().to_string(),
            requested: options.language,
            threads: options.threads(),
            cancel: cancel.clone(),
        })
    }
}

/// One file or stream being transcribed.
pub(super) struct Run<'a> {
    engine: &'a Engine,
    state: WhisperState,
    /// Chosen, or detected from the first window with sound ("" until then).
    language: String,
    requested: Language,
    threads: usize,
    cancel: CancelFlag,
}

impl std::fmt::Debug for Run<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("language", &self.language)
            .field("requested", &self.requested)
            .field("threads", &self.threads)
            .finish()
    }
}

impl Run<'_> {
    pub(super) fn language(&self) -> &str {
        &self.language
    }

    /// Segments of one window, `offset` seconds into the stream.
    pub(super) fn transcribe(&mut self, window: &[f32], offset: f64) -> Result<Vec<Segment>> {
        if self.language.is_empty() {
            self.language = self.detect(window)?;
        }
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.threads as i32);
        params.set_language(Some(&self.language));
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        params.set_suppress_nst(true);
        if is_chinese(&self.language) {
            params.set_initial_prompt(CHINESE_PROMPT);
        }
        if let Some(positions) = encoder_positions(self.engine.context.n_audio_ctx(), window.len())
        {
            params.set_audio_ctx(positions);
        }
        let cancel = self.cancel.clone();
        // whisper-rs 0.16 hands its trampoline a pointer to a boxed
        // `dyn FnMut` but reads it as the closure's own type: only a
        // closure that *is* a `Box<dyn FnMut>` is read correctly (any other
        // makes whisper.cpp abort at random, error -6). Hence the type.
        let abort: Box<dyn FnMut() -> bool> = Box::new(move || cancel.load(Ordering::Relaxed));
        params.set_abort_callback_safe::<_, Box<dyn FnMut() -> bool>>(abort);
        let result = self.state.full(params, window);
        if self.cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        result.map_err(|e| Error::Whisper(e.to_string()))?;
        let eot = self.engine.context.token_eot();
        // Whisper ends a segment it gave no closing timestamp at the end of
        // its 30 s window; no segment ends after the sound does.
        let end_of_window = offset + window.len() as f64 / f64::from(SAMPLE_RATE);
        let at = |centiseconds: i64| (offset + centiseconds as f64 / 100.0).min(end_of_window);
        let segments = self
            .state
            .as_iter()
            .filter(|s| is_speech(s, eot))
            .filter_map(|s| {
                let text = clean(&s.to_str_lossy().unwrap_or_default(), &self.language);
                let made_up = is_stock_phrase(&text) && evidence(&s, eot, window).against_speech();
                (!text.is_empty() && !made_up).then(|| Segment {
                    start: at(s.start_timestamp()),
                    end: at(s.end_timestamp()),
                    text,
                })
            })
            .collect();
        Ok(segments)
    }

    /// Whisper's language for the first 30 s of `window`, from an encoder
    /// pass over that sound and a margin rather than a whole 30 s window:
    /// 0.1-0.3 s instead of 1.7 s for a 3-9 s utterance (one thread), with
    /// the same language and near-identical probabilities on the eval
    /// recordings. Every push-to-talk question, and every partial result,
    /// under `auto` pays this pass.
    fn detect(&mut self, window: &[f32]) -> Result<String> {
        let head = &window[..window.len().min(30 * SAMPLE_RATE as usize)];
        // whisper.cpp detects with the encoder size its last `full` call
        // set, and whisper-rs has no other way to set it. A call given
        // 100 ms to transcribe (which its main loop takes as nothing left
        // to do) sets it, computes the spectrogram and returns before
        // encoding anything. Were a later whisper.cpp to return earlier,
        // detection would run at the full size (slower, the same answer);
        // were it to transcribe the 100 ms, the check below fails in the
        // tests.
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.threads as i32);
        // Any language but auto, which would detect at the old size.
        params.set_language(Some("en"));
        params.set_audio_ctx(detection_positions(
            self.engine.context.n_audio_ctx(),
            head.len(),
        ));
        params.set_duration_ms(100);
        params.set_print_progress(false);
        self.state
            .full(params, head)
            .map_err(|e| Error::Whisper(format!("spectrogram: {e}")))?;
        debug_assert_eq!(self.state.full_n_segments(), 0, "the call transcribed");
        let (id, _) = self
            .state
            .lang_detect(0, self.threads)
            .map_err(|e| Error::Whisper(format!("language detection: {e}")))?;
        Ok(whisper_rs::get_lang_str(id).unwrap_or("en").to_string())
    }
}

/// Samples per encoder position: two 10 ms mel frames (the encoder's first
/// convolution has stride 1, its second stride 2).
const SAMPLES_PER_POSITION: usize = 2 * SAMPLE_RATE as usize / 100;
/// llamafile's tiled matrix kernel takes inner dimensions in steps of 16
/// (f16) or 32 (bf16, the default model's weights and, with the patch in
/// third_party/whisper-rs-sys.patches, its attention); this serves both.
const TILE: i32 = 32;

/// The most encoder positions, up to `n_audio_ctx`, in whole tiles.
fn tiled(n_audio_ctx: i32) -> i32 {
    n_audio_ctx / TILE * TILE
}

/// The encoder positions to run for a window of `samples`, when fewer than
/// the model's `n_audio_ctx` (1500, i.e. 30 s) hold all of it: the largest
/// multiple of [`TILE`] up to that (1472, 29.44 s). llamafile's tiled
/// matrix kernel is fastest in whole steps: at 1500 the product of attention
/// weights and values (inner dimension: the positions) needs a masked last
/// step, and stock whisper.cpp fell back to one dot product per output
/// there (22% of the encoder's time; 9% slower than 1472 with the patches).
/// What is left out is the padding's last 0.56 s, which no speech is in.
/// Longer windows keep the full 30 s, so whisper.cpp's own 30 s steps
/// through them hear everything.
fn encoder_positions(n_audio_ctx: i32, samples: usize) -> Option<i32> {
    let positions = tiled(n_audio_ctx);
    let fits = samples <= positions as usize * SAMPLES_PER_POSITION;
    (positions > 0 && positions < n_audio_ctx && fits).then_some(positions)
}

/// Sound after the end of a window that language detection also encodes.
const DETECTION_MARGIN_S: usize = 2;

/// The encoder positions language detection runs for `samples` of sound:
/// the sound and [`DETECTION_MARGIN_S`], in whole tiles (as in
/// [`encoder_positions`]), within the model's context.
fn detection_positions(n_audio_ctx: i32, samples: usize) -> i32 {
    let sound = samples + DETECTION_MARGIN_S * SAMPLE_RATE as usize;
    let positions = sound.div_ceil(SAMPLES_PER_POSITION) as i32;
    tiled(positions + TILE - 1).min(tiled(n_audio_ctx))
}

/// False for what Whisper heard in noise or silence: a high no-speech
/// probability together with low confidence in the words.
fn is_speech(segment: &WhisperSegment<'_>, eot: i32) -> bool {
    if segment.no_speech_probability() <= NO_SPEECH_PROB {
        return true;
    }
    mean_logprob(segment, eot).is_some_and(|lp| lp >= LOW_LOGPROB)
}

/// The mean log-probability of the segment's text tokens.
fn mean_logprob(segment: &WhisperSegment<'_>, eot: i32) -> Option<f32> {
    let logprobs: Vec<f32> = (0..segment.n_tokens())
        .filter_map(|i| segment.get_token(i))
        .filter(|t| t.token_id() < eot)
        .map(|t| t.token_probability().max(1e-9).ln())
        .collect();
    (!logprobs.is_empty()).then(|| logprobs.iter().sum::<f32>() / logprobs.len() as f32)
}

/// What says whether a segment was speech: Whisper's confidence, and the
/// loudness of the audio under it (its timestamps widened by a quarter
/// second, as they are often that far off) against its window's floor.
fn evidence(segment: &WhisperSegment<'_>, eot: i32, window: &[f32]) -> Evidence {
    let sample = |centiseconds: i64| {
        let at = centiseconds.max(0) as usize * (SAMPLE_RATE as usize / 100);
        at.min(window.len())
    };
    let from = sample(segment.start_timestamp() - 25);
    let to = sample(segment.end_timestamp() + 25).max(from);
    let (level_db, floor_db) = levels(window, &window[from..to]);
    Evidence {
        no_speech: segment.no_speech_probability(),
        avg_logprob: mean_logprob(segment, eot).unwrap_or(f32::NEG_INFINITY),
        level_db,
        floor_db,
    }
}

#[cfg(test)]
mod tests {
    use super::{detection_positions, encoder_positions};

    #[test]
    fn windows_within_29_44_s_run_1472_encoder_positions() {
        assert_eq!(encoder_positions(1500, 16_000 * 7), Some(1472));
        assert_eq!(encoder_positions(1500, 471_040), Some(1472));
        assert_eq!(encoder_positions(1500, 471_041), None);
        assert_eq!(encoder_positions(1500, 16_000 * 120), None);
        // A model whose context is already a multiple of 32 keeps it.
        assert_eq!(encoder_positions(1504, 16_000), None);
    }

    #[test]
    fn language_detection_encodes_the_sound_and_two_seconds() {
        // 3 s + 2 s = 250 positions, rounded up to 256.
        assert_eq!(detection_positions(1500, 16_000 * 3), 256);
        assert_eq!(detection_positions(1500, 0), 128);
        assert_eq!(detection_positions(1500, 16_000 * 30), 1472);
        assert_eq!(detection_positions(1504, 16_000 * 30), 1504);
    }

    #[test]
    fn whisper_cpp_is_built_with_its_tiled_matrix_kernels() {
        // GGML_LLAMAFILE in .cargo/config.toml; without it the encoder's
        // f16 products run one dot product at a time, at ~0.6x the speed.
        let info = whisper_rs::print_system_info();
        assert!(info.contains("LLAMAFILE = 1"), "{info}");
    }
}
