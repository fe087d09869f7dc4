//! Listening: one utterance from the microphone (or a recording standing in
//! for one), recognised with the library's speech model.
//!
//! [`Speech::listen`] loads the model, opens the input and starts a
//! [`whisker_speech::live::Session`] that ends by itself when the speaker
//! stops (the detector hears the end of the utterance), when
//! [`Listening::stop`] is called (a key, a released button), or after ten
//! seconds in which nobody spoke. Level, partial and final results arrive
//! as [`LiveEvent`]s while it runs; [`Listening::wait`] gives the final
//! [`Transcript`], its segment times counted from the start of listening,
//! the same shape `transcribe` returns. A recording is played as if a
//! microphone were hearing it and then left open (silence follows), so it
//! exercises the same path, end-of-utterance detection included.
//!
//! It does not choose among devices or keep listening for a second
//! utterance.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use whisker_speech::live::{self, FileSource, MicSource, Mode, Outcome, Pace, SessionConfig, Tail};
pub use whisker_speech::live::{Event as LiveEvent, Stop};
use whisker_speech::transcribe::{CancelFlag, Options};
use whisker_speech::{Language, Transcriber, Transcript};

use crate::error::{Error, Result};
use crate::speech::Speech;

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The default input device.
    Microphone,
    /// An audio file played as a microphone would hear it, then silence.
    Recording(PathBuf),
}

/// A session in progress; see the module docs.
#[derive(Debug)]
pub struct Listening {
    session: live::Session,
    last: Arc<Mutex<Option<Transcript>>>,
    pad: Duration,
}

/// How to listen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenOptions {
    /// Overrides `[speech] language`.
    pub language: Option<Language>,
    /// Recognise the speech so far every 1.5 s and send it as
    /// [`LiveEvent::Partial`]. Each run costs as much as the final one, so
    /// only ask when someone will see them.
    pub partials: bool,
    /// Hold-to-talk: only [`Listening::stop`] (the button released), the
    /// end of a recording or the maximum length end it, not a pause.
    pub push_to_talk: bool,
    /// Play a [`Input::Recording`] at the pace it was spoken, as a
    /// microphone would deliver it, instead of as fast as it decodes.
    pub real_time: bool,
}

/// What was heard and why listening ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    pub transcript: Transcript,
    pub stop: Stop,
}

impl Speech {
    /// Starts listening to `input` for one utterance. Events go to
    /// `on_event` from the session's threads.
    pub fn listen(
        &self,
        input: &Input,
        listen: ListenOptions,
        on_event: impl Fn(LiveEvent) + Send + Sync + 'static,
    ) -> Result<Listening> {
        let options = self.options(listen.language)?;
        // The model loads before the microphone opens: nobody should speak
        // into a microphone while a model error is on its way.
        let last = Arc::new(Mutex::new(None));
        let recognizer = Arc::new(Recognizer {
            transcriber: self.get()?,
            options,
            last: last.clone(),
        });
        let config = SessionConfig {
            mode: if listen.push_to_talk {
                Mode::PushToTalk
            } else {
                Mode::UntilSilence
            },
            partial_every: listen
                .partials
                .then_some(SessionConfig::default().partial_every)
                .flatten(),
            ..SessionConfig::default()
        };
        let pad = config.pad;
        let session = match input {
            Input::Microphone => {
                live::Session::start(MicSource::open()?, recognizer, config, on_event)
            }
            Input::Recording(path) => {
                if !path.exists() {
                    return Err(Error::NotFound(path.clone()));
                }
                let samples = whisker_speech::audio::read_all(path)?;
                let pace = if listen.real_time {
                    Pace::RealTime { speed: 1.0 }
                } else {
                    Pace::Fast
                };
                let source = FileSource::new(samples).pace(pace).tail(Tail::Silence);
                live::Session::start(source, recognizer, config, on_event)
            }
        }?;
        Ok(Listening { session, last, pad })
    }
}

impl Listening {
    /// Stops listening; what was said so far is recognised.
    pub fn stop(&self) {
        self.session.stop();
    }

    /// Stops listening and discards everything.
    pub fn cancel(&self) {
        self.session.cancel();
    }

    pub fn is_finished(&self) -> bool {
        self.session.is_finished()
    }

    /// Waits for the end: the transcript (empty when nobody spoke), or
    /// [`Error::Cancelled`].
    pub fn wait(self) -> Result<Heard> {
        let outcome = self.session.wait()?;
        let last = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match outcome {
            Outcome::Recognized(utterance) => {
                let offset = utterance.speech_start.saturating_sub(self.pad);
                let mut transcript = last.unwrap_or_else(silence);
                transcript.text = utterance.text;
                for s in &mut transcript.segments {
                    s.start += offset.as_secs_f64();
                    s.end += offset.as_secs_f64();
                }
                transcript.audio_seconds = utterance.captured.as_secs_f64();
                Ok(Heard {
                    transcript,
                    stop: utterance.stop,
                })
            }
            Outcome::NoSpeech(stop) => Ok(Heard {
                transcript: silence(),
                stop,
            }),
            Outcome::Cancelled => Err(Error::Cancelled),
        }
    }
}

fn silence() -> Transcript {
    Transcript {
        text: String::new(),
        language: String::new(),
        segments: Vec::new(),
        audio_seconds: 0.0,
        damage: None,
    }
}

/// The transcriber as a live recogniser, keeping its last full transcript
/// (segments and language) beside the text the session passes on. The
/// final recognition is the last call of a session.
struct Recognizer {
    transcriber: Arc<Transcriber>,
    options: Options,
    last: Arc<Mutex<Option<Transcript>>>,
}

impl live::Recognizer for Recognizer {
    fn recognize(
        &self,
        samples_16k: &[f32],
        cancel: &CancelFlag,
    ) -> whisker_speech::Result<String> {
        let transcript = self
            .transcriber
            .transcribe_samples(samples_16k, &self.options, cancel)?;
        let text = transcript.text.clone();
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(transcript);
        Ok(text)
    }
}
