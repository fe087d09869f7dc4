//! Text generation with candle: quantized GGUF chat models on the CPU.
//!
//! [`Generator::load`] reads a GGUF file, picks the model family from its
//! `general.architecture` (llama-style: SmolLM2, Llama 3.x, TinyLlama,
//! Mistral; Qwen2/2.5; Qwen3; Gemma 3), builds the tokenizer (a
//! `tokenizer.json` beside the file, else the GGUF vocabulary) and the chat
//! template (the GGUF's own, rendered with minijinja, else a built-in one).
//! [`Generator::chat`] renders a conversation, checks it fits the context
//! window, and streams the reply piece by piece to a callback that can stop
//! it at any token.
//!
//! It does not decide what to ask (prompts, retrieval, citations are
//! `whisker-core`), nor download models (that is [`crate::fetch`]).
//!
//! ```no_run
//! use std::path::Path;
//! use whisker_models::generate::{Flow, GenerateParams, Generator, Message};
//!
//! let path = Path::new("models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf");
//! let generator = Generator::load("smollm2-135m-instruct-q4_1", path)?;
//! let messages = [Message::user("Name three colours.")];
//! let reply = generator.chat(&messages, &GenerateParams::default(), &mut |piece| {
//!     print!("{piece}");
//!     Flow::Continue
//! })?;
//! println!("\n{} tokens, {:?}", reply.tokens, reply.finish);
//! # Ok::<(), whisker_models::Error>(())
//! ```

mod chat;
mod family;
mod llama;
mod quant;
mod requant;
mod sample;
mod stream;
mod team;
mod template;
mod tokenizer;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;

use crate::{Error, Result};
pub use chat::{Message, Role};
pub use family::Family;
use family::Model;
use sample::Sampler;
use stream::TextStream;
pub use template::ChatTemplate;
pub use tokenizer::load as load_tokenizer;

/// The longest context Whisker uses, whatever the model allows: memory for
/// the KV cache and prefill time grow with it, and retrieved passages rarely
/// need more.
pub const MAX_CONTEXT: usize = 4096;

/// How to sample a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerateParams {
    /// Most tokens to generate.
    pub max_tokens: usize,
    /// 0 means greedy (always the most likely token).
    pub temperature: f64,
    /// Keep the most likely tokens whose probabilities sum to this.
    pub top_p: f64,
    /// Keep at most this many tokens (0: no limit).
    pub top_k: usize,
    /// > 1 makes tokens seen in the last `repeat_last_n` less likely.
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    pub seed: u64,
    /// The reply ends before the first of these strings (which is not shown).
    pub stop: Vec<String>,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            max_tokens: 512,
            temperature: 0.3,
            top_p: 0.9,
            top_k: 40,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed: 42,
            stop: Vec::new(),
        }
    }
}

/// What the token callback wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop now (the user cancelled, or the caller has what it needs).
    Stop,
}

/// Why a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// The model ended its turn.
    Eos,
    /// A stop string appeared.
    Stop,
    /// `max_tokens` were generated.
    Length,
    /// The context window is full.
    Context,
    /// The reply began repeating itself word for word (small models loop).
    Repetition,
    /// The callback returned [`Flow::Stop`].
    Cancelled,
}

/// A finished reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub text: String,
    pub finish: Finish,
    pub prompt_tokens: usize,
    /// Tokens generated (including the end-of-turn token, when there was one).
    pub tokens: usize,
    /// Prompt tokens whose keys and values were still in the KV cache from
    /// the previous reply (a shared system prompt), and were not read again.
    pub reused_tokens: usize,
    /// Time to read the prompt (the first token follows it).
    pub prefill: Duration,
    /// Time generating after the first token.
    pub decode: Duration,
}

/// A loaded chat model. Share it behind an `Arc`: replies are generated one
/// at a time (a second caller waits). A reply whose prompt begins with the
/// same tokens as the previous conversation (the same system prompt and
/// instructions) reads only the rest: the KV cache of the shared part is
/// kept, as llama.cpp's server does with `cache_prompt`.
#[derive(Debug)]
pub struct Generator {
    id: String,
    family: Family,
    model: Mutex<Cached>,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    /// Tokens that end a turn.
    eos: Vec<u32>,
    context: usize,
}

impl Generator {
    /// Loads the GGUF file at `path` on the CPU.
    pub fn load(id: &str, path: &Path) -> Result<Generator> {
        let model_err = |message: String| Error::Model {
            id: id.to_string(),
            message,
        };
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| model_err(format!("{}: not a readable GGUF file: {e}", path.display())))?;
        let metadata = &content.metadata;
        let family = Family::of(metadata).map_err(model_err)?;
        let context = family.context_length(metadata).min(MAX_CONTEXT);
        let tokenizer = tokenizer::load(id, path, metadata)?;
        let template = ChatTemplate::from_gguf(id, metadata)?;
        let eos = family::end_of_turn_tokens(metadata, &tokenizer);
        if eos.is_empty() {
            return Err(model_err("the GGUF names no end-of-sequence token".into()));
        }
        let device = Device::Cpu;
        let model = Model::load(family, content, &mut file, &device)
            .map_err(|e| model_err(format!("loading the weights: {e}")))?;
        Ok(Generator {
            id: id.to_string(),
            family,
            model: Mutex::new(Cached {
                model,
                tokens: Vec::new(),
            }),
            tokenizer,
            template,
            eos,
            context,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn family(&self) -> Family {
        self.family
    }

    /// The context window in tokens (prompt and reply together).
    pub fn context_len(&self) -> usize {
        self.context
    }

    /// How many tokens `text` takes (no special tokens added).
    pub fn count_tokens(&self, text: &str) -> Result<usize> {
        Ok(self.encode(text)?.len())
    }

    /// The prompt the template makes of `messages`.
    pub fn prompt(&self, messages: &[Message]) -> Result<String> {
        self.template.render(messages)
    }

    /// How many tokens the prompt for `messages` takes.
    pub fn prompt_tokens(&self, messages: &[Message]) -> Result<usize> {
        self.count_tokens(&self.prompt(messages)?)
    }

    /// Generates the assistant's reply to `messages`, calling `on_text` with
    /// each new piece of text as soon as it is complete (never half a
    /// character, never part of a stop string).
    pub fn chat(
        &self,
        messages: &[Message],
        params: &GenerateParams,
        on_text: &mut dyn FnMut(&str) -> Flow,
    ) -> Result<Generation> {
        let mut session = self.session();
        session.feed(&self.prompt(messages)?)?;
        session.generate(params, on_text)
    }

    /// Empties the KV cache kept from the previous reply: the next one
    /// reads its whole prompt (benchmarks of prefill need this).
    pub fn forget(&self) {
        let mut model = self.model.lock().unwrap_or_else(|p| p.into_inner());
        model.forget();
    }

    /// A conversation with the model held open: text fed in and text
    /// generated can alternate, reusing the KV cache (constrained output:
    /// the caller writes the structure, the model fills the gaps). Holds the
    /// model until dropped.
    pub fn session(&self) -> Session<'_> {
        // A reply that panicked mid-way leaves only a KV cache behind, which
        // `forget` clears: the poison can be ignored.
        let mut model = self.model.lock().unwrap_or_else(|p| {
            let mut cached = p.into_inner();
            cached.forget();
            cached
        });
        if !model.model.can_reuse_prefix() {
            model.forget();
        }
        Session {
            generator: self,
            model,
            history: Vec::new(),
            fed: 0,
            logits: None,
        }
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self
            .tokenizer
            .encode_fast(text, false)
            .map_err(|e| self.error(format!("tokenizing: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    fn error(&self, message: String) -> Error {
        Error::Model {
            id: self.id.clone(),
            message,
        }
    }
}

/// The model and what its KV cache holds.
#[derive(Debug)]
struct Cached {
    model: Model,
    /// The tokens whose keys and values are in the cache, in order.
    tokens: Vec<u32>,
}

impl Cached {
    /// Empties the KV cache.
    fn forget(&mut self) {
        self.model.reset();
        self.tokens.clear();
    }
}

/// Tokens prefilled per forward pass: bounds the attention scores' memory
/// (heads × chunk × context) for long prompts.
const PREFILL_CHUNK: usize = 512;

/// An open conversation with the model; see [`Generator::session`].
pub struct Session<'a> {
    generator: &'a Generator,
    model: MutexGuard<'a, Cached>,
    /// Every token so far, fed and generated.
    history: Vec<u32>,
    /// Tokens already in the KV cache.
    fed: usize,
    /// The next-token logits after `fed` tokens.
    logits: Option<Tensor>,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("model", &self.generator.id)
            .field("tokens", &self.history.len())
            .finish()
    }
}

impl Session<'_> {
    /// Appends `text` (templated prompt, or forced output) to the
    /// conversation. It is read by the model at the next [`Session::generate`].
    pub fn feed(&mut self, text: &str) -> Result<()> {
        let tokens = self.generator.encode(text)?;
        if self.history.len() + tokens.len() >= self.generator.context {
            return Err(self.generator.error(format!(
                "the prompt is {} tokens; the context window is {}",
                self.history.len() + tokens.len(),
                self.generator.context
            )));
        }
        self.history.extend(tokens);
        Ok(())
    }

    /// Tokens in the conversation so far.
    pub fn len(&self) -> usize {
        self.history.len()
    }

    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }

    /// Generates until the end of the turn, a stop string, `max_tokens`, the
    /// context window, or `on_text` says stop.
    pub fn generate(
        &mut self,
        params: &GenerateParams,
        on_text: &mut dyn FnMut(&str) -> Flow,
    ) -> Result<Generation> {
        let started = Instant::now();
        let prompt_tokens = self.history.len();
        if prompt_tokens == 0 {
            return Err(self.generator.error("the prompt is empty".into()));
        }
        let reused_tokens = self.reuse_cached_prefix();
        self.read_pending()?;
        let prefill = started.elapsed();
        let decoding = Instant::now();
        let mut sampler = Sampler::new(params);
        let mut stream = TextStream::new(&self.generator.tokenizer, &params.stop);
        let mut generated = 0;
        let finish = loop {
            if self.history.len() >= self.generator.context {
                break Finish::Context;
            }
            let logits = self
                .logits
                .take()
                .ok_or_else(|| self.generator.error("no logits".into()))?;
            let next = sampler
                .sample(&logits, &self.history)
                .map_err(|e| self.generator.error(format!("sampling: {e}")))?;
            generated += 1;
            self.history.push(next);
            if self.generator.eos.contains(&next) {
                break Finish::Eos;
            }
            if repeats(&self.history[prompt_tokens..]) {
                break Finish::Repetition;
            }
            let piece = stream.push(next).map_err(|e| self.generator.error(e))?;
            if !piece.is_empty() && on_text(&piece) == Flow::Stop {
                break Finish::Cancelled;
            }
            if stream.stopped() {
                break Finish::Stop;
            }
            if generated >= params.max_tokens {
                break Finish::Length;
            }
            self.read_pending()?;
        };
        if matches!(
            finish,
            Finish::Eos | Finish::Length | Finish::Context | Finish::Repetition
        ) {
            let rest = stream.finish();
            if !rest.is_empty() {
                on_text(&rest);
            }
        }
        Ok(Generation {
            text: stream.text().to_string(),
            finish,
            prompt_tokens,
            tokens: generated,
            reused_tokens,
            prefill,
            decode: decoding.elapsed(),
        })
    }

    /// At the start of a session, skips the tokens the KV cache still holds
    /// from the previous one (at least the last token is read again: its
    /// logits are needed). Returns how many were skipped.
    fn reuse_cached_prefix(&mut self) -> usize {
        if self.fed > 0 || self.logits.is_some() {
            return 0;
        }
        let shared = self
            .model
            .tokens
            .iter()
            .zip(&self.history)
            .take_while(|(a, b)| a == b)
            .count();
        self.fed = shared.min(self.history.len().saturating_sub(1));
        self.fed
    }

    /// Runs the model over the tokens not yet in the KV cache, in chunks,
    /// keeping the logits of the last.
    fn read_pending(&mut self) -> Result<()> {
        while self.fed < self.history.len() {
            let end = (self.fed + PREFILL_CHUNK).min(self.history.len());
            let input = &self.history[self.fed..end];
            // The forward pass drops cached positions from `fed` on.
            self.model.tokens.truncate(self.fed);
            match self.model.model.forward(input, self.fed) {
                Ok(logits) => self.logits = Some(logits),
                Err(e) => {
                    // Some layers may hold this chunk's keys, others not.
                    self.model.forget();
                    return Err(self.generator.error(format!("generation: {e}")));
                }
            }
            self.model.tokens.extend_from_slice(input);
            self.fed = end;
        }
        Ok(())
    }
}

/// Tokens that, repeated verbatim, mean the reply is looping.
const LOOP_WINDOW: usize = 32;

/// Whether the last [`LOOP_WINDOW`] tokens of `reply` already occurred, in
/// the same order, earlier in it.
fn repeats(reply: &[u32]) -> bool {
    if reply.len() < 2 * LOOP_WINDOW {
        return false;
    }
    let (earlier, tail) = reply.split_at(reply.len() - LOOP_WINDOW);
    earlier.windows(LOOP_WINDOW).any(|w| w == tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_repeats_a_long_stretch_is_looping() {
        let stretch: Vec<u32> = (0..LOOP_WINDOW as u32).collect();
        let mut reply = vec![7, 8, 9];
        reply.extend(&stretch);
        assert!(!repeats(&reply));
        reply.extend([1, 2]);
        reply.extend(&stretch);
        assert!(repeats(&reply));
        let varied: Vec<u32> = (0..200).collect();
        assert!(!repeats(&varied));
    }
}
