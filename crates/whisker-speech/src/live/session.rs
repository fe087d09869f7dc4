//! Push-to-talk and until-silence sessions: capture, detect, recognise.
//!
//! [`Session::start`] reads an [`AudioSource`] on a capture thread, feeds
//! the [`Vad`] and the [`LevelMeter`] and keeps the audio from just before
//! the speech began. A recognition worker thread runs the [`Recognizer`]:
//! on the audio so far every `partial_every` of new audio while someone
//! speaks (skipped while the previous run is still busy, so capture never
//! waits), and once on the final utterance, trimmed of leading and trailing
//! silence. A partial run still going when the final one is queued is
//! stopped rather than waited for, and cancelling stops either run.
//! Everything that happens goes to the event callback; the last
//! event is always [`Event::Final`], [`Event::NoSpeech`], [`Event::Cancelled`]
//! or [`Event::Failed`]. It does not choose a model or a device, and it
//! handles one utterance per session.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::events::{Event, EventSink, Mode, Outcome, SessionConfig, Stop, Utterance};
use super::level::LevelMeter;
use super::vad::{EndReason, Vad, VadEvent, samples};
use super::{AudioSource, Recognizer, SAMPLE_RATE};
use crate::error::{Error, Result};
use crate::transcribe::CancelFlag;

const RUN: u8 = 0;
const STOP: u8 = 1;
const CANCEL: u8 = 2;

/// A running session; see the module docs. Dropping it cancels it.
pub struct Session {
    control: Arc<AtomicU8>,
    aborts: Aborts,
    capture: Option<JoinHandle<Result<Outcome>>>,
}

/// What stops the recogniser's runs early.
#[derive(Clone, Default)]
struct Aborts {
    /// Set once the final result is wanted, or on cancel.
    partial: CancelFlag,
    /// Set on cancel.
    all: CancelFlag,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl Session {
    /// Starts capturing from `source` (which must deliver 16 kHz).
    pub fn start(
        source: impl AudioSource + 'static,
        recognizer: Arc<dyn Recognizer>,
        config: SessionConfig,
        on_event: impl Fn(Event) + Send + Sync + 'static,
    ) -> Result<Session> {
        if source.sample_rate() != SAMPLE_RATE {
            return Err(Error::Invalid(format!(
                "a live source gives {} Hz; sessions need 16 kHz",
                source.sample_rate()
            )));
        }
        let control = Arc::new(AtomicU8::new(RUN));
        let aborts = Aborts::default();
        let capture = Capture::new(
            config,
            Arc::new(on_event),
            recognizer,
            control.clone(),
            aborts.clone(),
        )?;
        let handle = std::thread::Builder::new()
            .name("whisker-capture".into())
            .spawn(move || capture.run(source))
            .map_err(|e| Error::Invalid(format!("cannot start the capture thread: {e}")))?;
        Ok(Session {
            control,
            aborts,
            capture: Some(handle),
        })
    }

    /// Ends capturing; the utterance is recognised and sent as the final event.
    pub fn stop(&self) {
        let _ = self
            .control
            .compare_exchange(RUN, STOP, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Ends capturing and discards everything.
    pub fn cancel(&self) {
        self.control.store(CANCEL, Ordering::SeqCst);
        self.aborts.partial.store(true, Ordering::SeqCst);
        self.aborts.all.store(true, Ordering::SeqCst);
    }

    /// Whether the session has ended (its final event was sent).
    pub fn is_finished(&self) -> bool {
        self.capture.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the end of the session.
    pub fn wait(mut self) -> Result<Outcome> {
        self.join()
    }

    fn join(&mut self) -> Result<Outcome> {
        match self.capture.take().map(JoinHandle::join) {
            Some(Ok(outcome)) => outcome,
            Some(Err(_)) => Err(Error::Invalid("the capture thread panicked".into())),
            None => Ok(Outcome::Cancelled),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.capture.is_some() {
            self.cancel();
            let _ = self.join();
        }
    }
}

/// A job for the recognition worker.
enum Job {
    Partial(Vec<f32>),
    Final(Vec<f32>),
}

/// The capture thread's state.
struct Capture {
    cfg: SessionConfig,
    sink: EventSink,
    control: Arc<AtomicU8>,
    vad: Vad,
    meter: LevelMeter,
    /// Audio kept, starting at sample `kept_from`.
    buffer: Vec<f32>,
    kept_from: u64,
    pos: u64,
    speech_start: Option<u64>,
    speech_end: u64,
    last_partial: u64,
    busy: Arc<AtomicBool>,
    aborts: Aborts,
    /// To the worker; `None` once it is told to stop.
    jobs: Option<Sender<Job>>,
    worker: Option<JoinHandle<Result<Option<String>>>>,
}

impl Capture {
    fn new(
        cfg: SessionConfig,
        sink: EventSink,
        recognizer: Arc<dyn Recognizer>,
        control: Arc<AtomicU8>,
        aborts: Aborts,
    ) -> Result<Capture> {
        let (jobs, rx) = mpsc::channel();
        let busy = Arc::new(AtomicBool::new(false));
        let worker = {
            let (sink, busy, control) = (sink.clone(), busy.clone(), control.clone());
            let aborts = aborts.clone();
            std::thread::Builder::new()
                .name("whisker-recognize".into())
                .spawn(move || recognize_jobs(rx, &*recognizer, &*sink, &busy, &control, &aborts))
                .map_err(|e| Error::Invalid(format!("cannot start the recognition thread: {e}")))?
        };
        Ok(Capture {
            vad: Vad::new(cfg.vad.clone())?,
            meter: LevelMeter::new(cfg.level_every),
            cfg,
            sink,
            control,
            buffer: Vec::new(),
            kept_from: 0,
            pos: 0,
            speech_start: None,
            speech_end: 0,
            last_partial: 0,
            busy,
            aborts,
            jobs: Some(jobs),
            worker: Some(worker),
        })
    }

    fn run(mut self, mut source: impl AudioSource) -> Result<Outcome> {
        let stop = match self.capture(&mut source) {
            Ok(stop) => stop,
            Err(e) => {
                self.stop_worker();
                return Err(self.fail(e));
            }
        };
        drop(source); // the microphone goes off before recognition
        if self.control.load(Ordering::SeqCst) == CANCEL {
            self.stop_worker();
            return Ok(self.finish(Outcome::Cancelled));
        }
        match self.finalise(stop) {
            Ok(outcome) => Ok(self.finish(outcome)),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Reads until something ends the capture.
    fn capture(&mut self, source: &mut impl AudioSource) -> Result<Stop> {
        loop {
            match self.control.load(Ordering::SeqCst) {
                RUN => {}
                STOP => return Ok(Stop::Requested),
                _ => return Ok(Stop::Requested), // cancelled: checked by the caller
            }
            let Some(chunk) = source.read()? else {
                return Ok(Stop::EndOfStream);
            };
            if let Some(stop) = self.take(&chunk) {
                return Ok(stop);
            }
        }
    }

    /// Takes in one chunk; says whether capturing should stop.
    fn take(&mut self, chunk: &[f32]) -> Option<Stop> {
        for level in self.meter.push(chunk) {
            (self.sink)(Event::Level(level));
        }
        self.buffer.extend_from_slice(chunk);
        self.pos += chunk.len() as u64;
        let mut stop = None;
        for event in self.vad.push(chunk) {
            stop = stop.or(self.on_vad(event));
        }
        let Some(start) = self.speech_start else {
            self.keep_only_preroll();
            let waited = self.pos >= samples(self.cfg.max_wait);
            return stop.or(waited.then_some(Stop::Timeout));
        };
        self.maybe_partial();
        let too_long = self.pos - start >= samples(self.cfg.vad.max_utterance);
        stop.or(too_long.then_some(Stop::MaxLength))
    }

    fn on_vad(&mut self, event: VadEvent) -> Option<Stop> {
        match event {
            VadEvent::SpeechStart(at) => {
                if self.speech_start.is_none() {
                    self.speech_start = Some(at);
                    self.last_partial = self.pos;
                    (self.sink)(Event::SpeechStarted(duration(at)));
                }
                None
            }
            VadEvent::SpeechEnd { at, reason } => {
                self.speech_end = at;
                match (self.cfg.mode, reason) {
                    (_, EndReason::MaxLength) => Some(Stop::MaxLength),
                    (Mode::UntilSilence, EndReason::Silence) => {
                        (self.sink)(Event::SpeechEnded(duration(at)));
                        Some(Stop::Silence)
                    }
                    (Mode::PushToTalk, EndReason::Silence) => None,
                }
            }
        }
    }

    /// Before speech, only the padding and the detector's onset delay are kept.
    fn keep_only_preroll(&mut self) {
        let keep =
            (samples(self.cfg.pad + self.cfg.vad.min_speech + self.cfg.vad.frame * 2)) as usize;
        if self.buffer.len() > 2 * keep {
            let drop = self.buffer.len() - keep;
            self.buffer.drain(..drop);
            self.kept_from += drop as u64;
        }
    }

    fn maybe_partial(&mut self) {
        let Some(every) = self.cfg.partial_every else {
            return;
        };
        // Only new speech counts: no partials over the silence after it.
        if !self.vad.in_speech() {
            self.last_partial = self.pos;
        }
        if self.pos - self.last_partial < samples(every) || self.busy.load(Ordering::SeqCst) {
            return;
        }
        let end = self.pos;
        if let Some(audio) = self.cut(end).map(<[f32]>::to_vec) {
            self.busy.store(true, Ordering::SeqCst);
            self.last_partial = self.pos;
            self.send(Job::Partial(audio));
        }
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// Ends the worker with no final run: a partial still going is
    /// stopped, so none of its events comes after the session's last one.
    fn stop_worker(&mut self) {
        self.aborts.partial.store(true, Ordering::SeqCst);
        self.jobs = None; // the worker's loop ends with its channel
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }

    /// The kept audio from the padded speech start to the padded `end`.
    fn cut(&self, end: u64) -> Option<&[f32]> {
        let start = self.speech_start?.saturating_sub(samples(self.cfg.pad));
        let from = (start.max(self.kept_from) - self.kept_from) as usize;
        let to = ((end + samples(self.cfg.pad)).min(self.pos) - self.kept_from) as usize;
        (from < to).then(|| &self.buffer[from..to])
    }

    fn finalise(&mut self, stop: Stop) -> Result<Outcome> {
        let end = if self.vad.in_speech() {
            self.vad.last_voiced_end()
        } else {
            self.speech_end
        };
        let (Some(start), Some(audio)) = (self.speech_start, self.cut(end)) else {
            self.stop_worker();
            return Ok(Outcome::NoSpeech(stop));
        };
        let audio = audio.to_vec();
        let length = duration(audio.len() as u64);
        // A partial still running would only hold the final one up.
        self.aborts.partial.store(true, Ordering::SeqCst);
        self.send(Job::Final(audio));
        // The worker returns after the final job.
        let text = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(text)) => text,
            _ => return Err(Error::Invalid("the recognition thread panicked".into())),
        };
        // Cancelling stops the final run with an error that is no failure.
        if self.control.load(Ordering::SeqCst) == CANCEL {
            return Ok(Outcome::Cancelled);
        }
        let text = text?;
        Ok(Outcome::Recognized(Utterance {
            text: text.unwrap_or_default(),
            speech_start: duration(start),
            speech_end: duration(end),
            audio: length,
            captured: duration(self.pos),
            stop,
        }))
    }

    /// Sends the final event for `outcome`.
    fn finish(&self, outcome: Outcome) -> Outcome {
        (self.sink)(match &outcome {
            Outcome::Recognized(u) => Event::Final(u.clone()),
            Outcome::NoSpeech(stop) => Event::NoSpeech(*stop),
            Outcome::Cancelled => Event::Cancelled,
        });
        outcome
    }

    fn fail(&self, e: Error) -> Error {
        (self.sink)(Event::Failed(e.to_string()));
        e
    }
}

/// The recognition worker: partial results as events, the final text returned.
fn recognize_jobs(
    jobs: Receiver<Job>,
    recognizer: &dyn Recognizer,
    sink: &(dyn Fn(Event) + Send + Sync),
    busy: &AtomicBool,
    control: &AtomicU8,
    aborts: &Aborts,
) -> Result<Option<String>> {
    for job in jobs {
        match job {
            Job::Partial(audio) => {
                // A partial that fails or is stopped is skipped; the final
                // run reports errors.
                let text = recognizer.recognize(&audio, &aborts.partial);
                if let (Ok(text), RUN) = (text, control.load(Ordering::SeqCst)) {
                    let audio = duration(audio.len() as u64);
                    sink(Event::Partial { text, audio });
                }
                busy.store(false, Ordering::SeqCst);
            }
            Job::Final(audio) => return recognizer.recognize(&audio, &aborts.all).map(Some),
        }
    }
    Ok(None)
}

fn duration(samples: u64) -> Duration {
    Duration::from_secs_f64(samples as f64 / f64::from(SAMPLE_RATE))
}
