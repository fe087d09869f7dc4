//! Ask, write, slides: streamed through a channel, cancellable by id.

use std::sync::Arc;

use tauri::State;
use tauri::ipc::Channel;
use whisker_core::Event;
use whisker_core::assistant::{
    Answer, Lang, Question, Rewrite, SlidesRequest, Turn, WriteMode, WriteRequest,
};
use whisker_core::slides::Deck;

use super::blocking;
use crate::error::CommandResult;
use crate::state::{AppState, ChannelSink};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

#[tauri::command]
pub async fn ask(
    state: AppStateRef<'_>,
    id: String,
    question: String,
    history: Vec<Turn>,
    events: Channel<Event>,
) -> CommandResult<Answer> {
    let state = Arc::clone(&state);
    blocking(move || {
        let request = state.request(&id);
        let question = Question {
            text: question,
            history,
        };
        Ok(state
            .assistant
            .ask(&question, &ChannelSink(events), &request.cancel)?)
    })
    .await
}

#[tauri::command]
pub async fn write(
    state: AppStateRef<'_>,
    id: String,
    mode: WriteMode,
    text: String,
    to: Option<Lang>,
    grounded: bool,
    events: Channel<Event>,
) -> CommandResult<Rewrite> {
    let state = Arc::clone(&state);
    blocking(move || {
        let request = state.request(&id);
        let write = WriteRequest {
            mode,
            text,
            to,
            grounded,
        };
        Ok(state
            .assistant
            .write(&write, &ChannelSink(events), &request.cancel)?)
    })
    .await
}

#[tauri::command]
pub async fn outline(
    state: AppStateRef<'_>,
    id: String,
    topic: String,
    slides: usize,
    events: Channel<Event>,
) -> CommandResult<Deck> {
    let state = Arc::clone(&state);
    blocking(move || {
        let request = state.request(&id);
        let slides_request = SlidesRequest { topic, slides };
        let outline =
            state
                .assistant
                .outline(&slides_request, &ChannelSink(events), &request.cancel)?;
        Ok(outline.deck)
    })
    .await
}

#[tauri::command]
pub fn cancel(state: AppStateRef<'_>, id: String) {
    state.cancel(&id);
}
