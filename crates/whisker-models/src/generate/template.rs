//! Chat templates: the GGUF `tokenizer.chat_template` rendered with
//! minijinja, or a built-in template for the model family.
//!
//! PLACEHOLDER: the contract only; the body is being written.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;

use super::chat::Message;
use crate::{Error, Result};

/// A model's chat template, ready to render conversations into prompts.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
}

impl ChatTemplate {
    /// The template from the GGUF metadata, else the built-in one for the
    /// architecture (`general.architecture`).
    pub fn from_gguf(id: &str, metadata: &HashMap<String, Value>) -> Result<ChatTemplate> {
        let _ = metadata;
        Err(Error::Model {
            id: id.to_string(),
            message: "chat templates are not implemented yet".into(),
        })
    }

    /// The prompt for `messages`, ending with the assistant's turn opened.
    pub fn render(&self, messages: &[Message]) -> Result<String> {
        let _ = (messages, &self.source);
        Err(Error::Model {
            id: String::new(),
            message: "chat templates are not implemented yet".into(),
        })
    }
}
