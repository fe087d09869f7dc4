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
mod sample;
mod stream;
mod template;
mod tokenizer;

use std::path::Path;
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
    /// Time to read the prompt (the first token follows it).
    pub prefill: Duration,
    /// Time generating after the first token.
    pub decode: Duration,
}

/// A loaded chat model. Cheap to share: each [`Generator::chat`] runs on its
/// own copy of the model state (weights are shared, the KV cache is not).
#[derive(Debug)]
pub struct Generator {
    id: String,
    family: Family,
    model: Model,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    /// Tokens that end a turn.
    eos: Vec<u32>,
    context: usize,
    device: Device,
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
            model,
            tokenizer,
            template,
            eos,
            context,
            device,
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
        let prompt = self.encode(&self.prompt(messages)?)?;
        self.complete(&prompt, params, on_text)
    }

    /// Continues the token sequence `prompt` (already templated).
    pub fn complete(
        &self,
        prompt: &[u32],
        params: &GenerateParams,
        on_text: &mut dyn FnMut(&str) -> Flow,
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(self.error("the prompt is empty".into()));
        }
        if prompt.len() >= self.context {
            return Err(self.error(format!(
                "the prompt is {} tokens; the context window is {}",
                prompt.len(),
                self.context
            )));
        }
        let mut run = Run {
            generator: self,
            model: self.model.clone(),
            sampler: Sampler::new(params),
            stream: TextStream::new(&self.tokenizer, &params.stop),
            history: prompt.to_vec(),
        };
        run.go(prompt.len(), params, on_text)
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

/// One reply being generated.
struct Run<'a> {
    generator: &'a Generator,
    model: Model,
    sampler: Sampler,
    stream: TextStream<'a>,
    /// Prompt and generated tokens so far.
    history: Vec<u32>,
}

impl Run<'_> {
    fn go(
        &mut self,
        prompt_tokens: usize,
        params: &GenerateParams,
        on_text: &mut dyn FnMut(&str) -> Flow,
    ) -> Result<Generation> {
        let started = Instant::now();
        let mut next = self.step(0, prompt_tokens)?;
        let prefill = started.elapsed();
        let decoding = Instant::now();
        let mut generated = 0;
        let finish = loop {
            generated += 1;
            self.history.push(next);
            if self.generator.eos.contains(&next) {
                break Finish::Eos;
            }
            let piece = self.stream.push(next).map_err(|e| self.generator.error(e))?;
            if !piece.is_empty() && on_text(&piece) == Flow::Stop {
                break Finish::Cancelled;
            }
            if self.stream.stopped() {
                break Finish::Stop;
            }
            if generated >= params.max_tokens {
                break Finish::Length;
            }
            if self.history.len() >= self.generator.context {
                break Finish::Context;
            }
            next = self.step(self.history.len() - 1, 1)?;
        };
        if finish != Finish::Cancelled && finish != Finish::Stop {
            let rest = self.stream.finish();
            if !rest.is_empty() {
                on_text(&rest);
            }
        }
        Ok(Generation {
            text: self.stream.text().to_string(),
            finish,
            prompt_tokens,
            tokens: generated,
            prefill,
            decode: decoding.elapsed(),
        })
    }

    /// Runs the model on `history[start..start + len]` and samples the next token.
    fn step(&mut self, start: usize, len: usize) -> Result<u32> {
        let error = |e: candle_core::Error| self.generator.error(format!("generation: {e}"));
        let input = Tensor::new(&self.history[start..start + len], &self.generator.device)
            .and_then(|t| t.unsqueeze(0))
            .map_err(error)?;
        let logits = self.model.forward(&input, start).map_err(error)?;
        self.sampler.sample(&logits, &self.history).map_err(error)
    }
}
