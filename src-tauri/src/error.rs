//! What a command returns when it fails: whisker-core's stable code and a
//! message, which the UI shows (and matches on the code).

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

pub type CommandResult<T> = Result<T, CommandError>;

impl From<whisker_core::Error> for CommandError {
    fn from(error: whisker_core::Error) -> Self {
        CommandError {
            code: error.code(),
            message: format!("{error:#}"),
        }
    }
}

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }

    /// The work thread itself failed (a panic): a bug, reported as such.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        CommandError::new("internal", error.to_string())
    }
}
