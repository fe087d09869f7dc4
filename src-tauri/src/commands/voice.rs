//! Voice: push-to-talk. `voice_start` loads the speech model, opens the
//! microphone and streams the input level and partial text over a channel;
//! `voice_stop` (the button is released) ends capturing and the final text
//! follows; `voice_cancel` drops everything. With `WHISKER_VOICE_INPUT` set
//! to a WAV file, that file is heard instead of the microphone, in real
//! time (how the end-to-end test speaks).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use whisker_core::settings::SpeechLanguage;
use whisker_core::speech::Language;
use whisker_core::speech::live::{self, FileSource, MicSource, Pace, Session, SessionConfig, Tail};

use super::blocking;
use crate::error::CommandResult;
use crate::state::{AppState, lock};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

/// Environment variable naming a WAV file to hear instead of the microphone.
pub const VOICE_INPUT_ENV: &str = "WHISKER_VOICE_INPUT";

/// What the Voice mode is told while a session runs (ui/src/api/types.ts).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum VoiceEvent {
    Level {
        value: f32,
    },
    Partial {
        text: String,
    },
    Final {
        text: String,
    },
    /// The session ended without speech (nothing was said, or it was silent).
    Nothing,
    Failed {
        message: String,
    },
}

#[tauri::command]
pub async fn voice_start(state: AppStateRef<'_>, events: Channel<VoiceEvent>) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        // Held while the model loads, so a quick release waits for the session.
        let mut slot = lock(&state.voice);
        if let Some(previous) = slot.take() {
            previous.cancel();
        }
        let language = match state.settings().speech_language {
            SpeechLanguage::Auto => None,
            SpeechLanguage::Zh => Some(Language::Zh),
            SpeechLanguage::En => Some(Language::En),
        };
        let speech = state.assistant.speech();
        let config = SessionConfig::default();
        let sink = move |event| forward(&events, event);
        let session = match std::env::var_os(VOICE_INPUT_ENV).map(PathBuf::from) {
            Some(wav) => {
                let source = FileSource::open_wav(&wav)
                    .map_err(whisker_core::Error::from)?
                    .pace(Pace::RealTime { speed: 1.0 })
                    .tail(Tail::Silence);
                speech.listen(source, language, config, sink)?
            }
            None => {
                let source = MicSource::open().map_err(whisker_core::Error::from)?;
                speech.listen(source, language, config, sink)?
            }
        };
        *slot = Some(session);
        Ok(())
    })
    .await
}

/// Ends capturing; returns once the final text has been sent.
#[tauri::command]
pub async fn voice_stop(state: AppStateRef<'_>) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let session = lock(&state.voice).take();
        if let Some(session) = session {
            session.stop();
            // The outcome went to the channel as the final event.
            let _ = session.wait();
        }
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn voice_cancel(state: AppStateRef<'_>) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let session: Option<Session> = lock(&state.voice).take();
        if let Some(session) = session {
            session.cancel();
        }
        Ok(())
    })
    .await
}

fn forward(events: &Channel<VoiceEvent>, event: live::Event) {
    let message = match event {
        live::Event::Level(value) => VoiceEvent::Level { value },
        live::Event::Partial { text, .. } => VoiceEvent::Partial { text },
        live::Event::Final(utterance) => VoiceEvent::Final {
            text: utterance.text.trim().to_owned(),
        },
        live::Event::NoSpeech(_) => VoiceEvent::Nothing,
        live::Event::Failed(message) => VoiceEvent::Failed { message },
        live::Event::SpeechStarted(_) | live::Event::SpeechEnded(_) | live::Event::Cancelled => {
            return;
        }
    };
    // The window may be gone; the session ends regardless.
    let _ = events.send(message);
}
