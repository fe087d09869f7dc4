//! Chat templates: the GGUF `tokenizer.chat_template` rendered with
//! minijinja the way Hugging Face's `apply_chat_template` renders it, or a
//! built-in template for the model family ([`builtin`]) when the file has
//! none or it does not work.
//!
//! Templates see what transformers gives them: `messages`,
//! `add_generation_prompt` (always true: the prompt ends with the
//! assistant's turn opened), `bos_token` and `eos_token` from the
//! vocabulary, `tools` and `documents` as none, `raise_exception` and
//! `strftime_now`, Python string and dict methods (`.strip()`, `.items()`),
//! loop controls, and Jinja's `trim_blocks`/`lstrip_blocks`. It does not
//! pass tools or images, and it does not tokenize.

mod builtin;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use candle_core::quantized::gguf_file::Value as GgufValue;
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, ErrorKind, Value, context};

use super::chat::{Message, Role};
use crate::{Error, Result};

const NAME: &str = "chat";

/// A model's chat template, compiled once, ready to render conversations
/// into prompts. Cloning shares the compiled template.
#[derive(Clone)]
pub struct ChatTemplate {
    id: String,
    /// `gguf`, or the built-in template's name.
    origin: &'static str,
    env: Arc<Environment<'static>>,
    bos_token: String,
    eos_token: String,
    /// Why the GGUF's own template was not used, when it was not.
    rejected: Option<Arc<str>>,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("id", &self.id)
            .field("origin", &self.origin)
            .field("rejected", &self.rejected)
            .finish_non_exhaustive()
    }
}

impl ChatTemplate {
    /// The template from the GGUF metadata, else the built-in one for the
    /// model (chosen by its vocabulary, then `general.architecture`). A GGUF
    /// template that does not compile, or cannot render a one-message
    /// conversation, is replaced by the built-in one.
    pub fn from_gguf(id: &str, metadata: &HashMap<String, GgufValue>) -> Result<ChatTemplate> {
        let tokens = vocabulary(metadata);
        let bos_token = token_named(metadata, &tokens, "tokenizer.ggml.bos_token_id");
        let eos_token = token_named(metadata, &tokens, "tokenizer.ggml.eos_token_id");
        let gguf = metadata
            .get("tokenizer.chat_template")
            .and_then(|v| v.to_string().ok());
        let mut rejected = None;
        if let Some(source) = gguf {
            let template = Self::compile(id, "gguf", source.clone(), &bos_token, &eos_token)
                .and_then(|t| t.render(&[Message::user("Hello")]).map(|_| t));
            match template {
                Ok(template) => return Ok(template),
                Err(e) => rejected = Some(e.to_string().into()),
            }
        }
        let builtin = builtin::for_model(metadata, &tokens);
        let mut template = Self::compile(
            id,
            builtin.name,
            builtin.source.into(),
            &bos_token,
            &eos_token,
        )?;
        template.rejected = rejected;
        Ok(template)
    }

    /// Where the template came from: `gguf`, or the name of the
    /// built-in one (`chatml`, `llama3`, `gemma`, `llama2`).
    pub fn origin(&self) -> &'static str {
        self.origin
    }

    /// The prompt for `messages`, ending with the assistant's turn opened.
    ///
    /// A template that rejects a system message (some `[INST]` templates
    /// allow only user and assistant turns) gets it in front of the first
    /// user message instead.
    pub fn render(&self, messages: &[Message]) -> Result<String> {
        match self.render_as_is(messages) {
            Ok(prompt) => Ok(prompt),
            Err(e) => match fold_system(messages) {
                Some(folded) => self.render_as_is(&folded).map_err(|_| e),
                None => Err(e),
            },
        }
    }

    fn render_as_is(&self, messages: &[Message]) -> Result<String> {
        let context = context! {
            messages => messages.iter().map(message).collect::<Value>(),
            add_generation_prompt => true,
            bos_token => self.bos_token.as_str(),
            eos_token => self.eos_token.as_str(),
            tools => Value::from(()),
            documents => Value::from(()),
        };
        self.env
            .get_template(NAME)
            .and_then(|t| t.render(context))
            .map_err(|e| self.error(&e))
    }

    fn compile(
        id: &str,
        origin: &'static str,
        source: String,
        bos_token: &str,
        eos_token: &str,
    ) -> Result<ChatTemplate> {
        let model_error = |e: minijinja::Error| Error::Model {
            id: id.to_string(),
            message: format!("chat template ({origin}): {}", detail(&e)),
        };
        let env = environment(source).map_err(model_error)?;
        Ok(ChatTemplate {
            id: id.to_string(),
            origin,
            env: Arc::new(env),
            bos_token: bos_token.to_string(),
            eos_token: eos_token.to_string(),
            rejected: None,
        })
    }

    fn error(&self, e: &minijinja::Error) -> Error {
        Error::Model {
            id: self.id.clone(),
            message: format!("chat template ({}): {}", self.origin, detail(e)),
        }
    }
}

/// `{role, content}`, as templates index it (`message['role']`).
fn message(message: &Message) -> Value {
    Value::from_pairs([
        ("role", Value::from(message.role.as_str())),
        ("content", Value::from(message.content.as_str())),
    ])
}

/// A Jinja environment set up like transformers' for chat templates.
fn environment(source: String) -> std::result::Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function("raise_exception", raise_exception);
    env.add_function("strftime_now", strftime_now);
    env.add_template_owned(NAME, source)?;
    Ok(env)
}

fn raise_exception(message: String) -> std::result::Result<Value, minijinja::Error> {
    Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
}

/// Today's date (UTC) in `format`, for templates that print it (Llama 3.2).
fn strftime_now(format: String) -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    strftime(&format, seconds)
}

/// `%d %m %Y %y %b %B %H %M %S %%` of the UTC time `seconds` after 1970;
/// other directives are kept as written.
fn strftime(format: &str, seconds: u64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (year, month, day) = civil_date(seconds / 86_400);
    let time = seconds % 86_400;
    let name = MONTHS[(month - 1) as usize];
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&format!("{day:02}")),
            Some('m') => out.push_str(&format!("{month:02}")),
            Some('Y') => out.push_str(&year.to_string()),
            Some('y') => out.push_str(&format!("{:02}", year % 100)),
            Some('b') => out.push_str(&name[..3]),
            Some('B') => out.push_str(name),
            Some('H') => out.push_str(&format!("{:02}", time / 3600)),
            Some('M') => out.push_str(&format!("{:02}", time / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", time % 60)),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// (year, month 1–12, day 1–31) of the day `days` after 1970-01-01, by
/// Howard Hinnant's `civil_from_days`.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The conversation with its leading system message moved into the first
/// user message; `None` when there is nothing to move.
fn fold_system(messages: &[Message]) -> Option<Vec<Message>> {
    let (first, rest) = messages.split_first()?;
    if first.role != Role::System {
        return None;
    }
    let mut folded = rest.to_vec();
    match folded.iter_mut().find(|m| m.role == Role::User) {
        Some(user) => user.content = format!("{}\n\n{}", first.content, user.content),
        None => folded.insert(0, Message::user(first.content.clone())),
    }
    Some(folded)
}

/// The vocabulary's tokens (empty when the file has none).
fn vocabulary(metadata: &HashMap<String, GgufValue>) -> Vec<&str> {
    metadata
        .get("tokenizer.ggml.tokens")
        .and_then(|v| v.to_vec().ok())
        .map(|tokens| {
            tokens
                .iter()
                .map(|t| t.to_string().map_or("", String::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the token whose id is at `key` (empty when there is none).
fn token_named(metadata: &HashMap<String, GgufValue>, tokens: &[&str], key: &str) -> String {
    let id = metadata.get(key).and_then(|v| v.to_u32().ok());
    id.and_then(|i| tokens.get(i as usize))
        .map_or(String::new(), |t| t.to_string())
}

/// The error and where in the template it happened.
fn detail(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("{e} (line {line})"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests;
