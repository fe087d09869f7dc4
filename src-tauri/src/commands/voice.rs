//! Voice: push-to-talk over [`whisker_core::listen`]. `voice_start` loads
//! the speech model, opens the microphone and streams the input level and
//! partial text over a channel; `voice_stop` (the button is released) ends
//! capturing and the final text follows; `voice_cancel` drops everything.
//! With `WHISKER_VOICE_INPUT` set to an audio file, that file is heard
//! instead of the microphone, in real time (how the end-to-end test speaks).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use whisker_core::listen::{Input, ListenOptions, Listening, LiveEvent};
use whisker_core::settings::SpeechLanguage;
use whisker_core::speech::Language;

use super::blocking;
use crate::error::CommandResult;
use crate::state::{AppState, lock};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

/// Environment variable naming an audio file to hear instead of the microphone.
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
        let input = std::env::var_os(VOICE_INPUT_ENV).map_or(Input::Microphone, |file| {
            Input::Recording(PathBuf::from(file))
        });
        let options = ListenOptions {
            language,
            partials: true,
            push_to_talk: true,
            real_time: true,
        };
        let listening = state
            .assistant
            .speech()
            .listen(&input, options, move |event| forward(&events, event))?;
        *slot = Some(listening);
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
        let session: Option<Listening> = lock(&state.voice).take();
        if let Some(session) = session {
            session.cancel();
        }
        Ok(())
    })
    .await
}

fn forward(events: &Channel<VoiceEvent>, event: LiveEvent) {
    let message = match event {
        LiveEvent::Level(value) => VoiceEvent::Level { value },
        LiveEvent::Partial { text, .. } => VoiceEvent::Partial { text },
        LiveEvent::Final(utterance) => VoiceEvent::Final {
            text: utterance.text.trim().to_owned(),
        },
        LiveEvent::NoSpeech(_) => VoiceEvent::Nothing,
        LiveEvent::Failed(message) => VoiceEvent::Failed { message },
        LiveEvent::SpeechStarted(_) | LiveEvent::SpeechEnded(_) | LiveEvent::Cancelled => {
            return;
        }
    };
    // The window may be gone; the session ends regardless.
    let _ = events.send(message);
}
