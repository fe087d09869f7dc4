//! Model families: which candle implementation runs a GGUF architecture.

use std::collections::HashMap;
use std::io::{Read, Seek};

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::{Device, Tensor};
use candle_transformers::models::{
    quantized_gemma3, quantized_llama, quantized_qwen2, quantized_qwen3,
};
use serde::Serialize;
use tokenizers::Tokenizer;

/// A family of GGUF chat models that share an implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `llama`: Llama 2/3.x, SmolLM2, TinyLlama, Mistral (llama.cpp writes
    /// Mistral 7B as `llama` too).
    Llama,
    /// `qwen2`: Qwen2 and Qwen2.5.
    Qwen2,
    /// `qwen3`.
    Qwen3,
    /// `gemma3`.
    Gemma3,
}

impl Family {
    /// The family of a GGUF file, from `general.architecture`.
    pub fn of(metadata: &HashMap<String, Value>) -> Result<Family, String> {
        let arch = architecture(metadata).ok_or("the GGUF has no general.architecture")?;
        match arch {
            "llama" | "mistral" => Ok(Family::Llama),
            "qwen2" => Ok(Family::Qwen2),
            "qwen3" => Ok(Family::Qwen3),
            "gemma3" => Ok(Family::Gemma3),
            other => Err(format!(
                "architecture '{other}' is not supported (llama, mistral, qwen2, qwen3, gemma3 are)"
            )),
        }
    }

    /// The context window the model was trained for, capped at what the
    /// candle implementation supports.
    pub fn context_length(self, metadata: &HashMap<String, Value>) -> usize {
        let arch = architecture(metadata).unwrap_or("llama");
        let trained = metadata
            .get(&format!("{arch}.context_length"))
            .and_then(|v| v.to_u64().ok())
            .map_or(2048, |n| n as usize);
        match self {
            // Rotary tables of a fixed size in candle's implementation.
            Family::Llama => trained.min(quantized_llama::MAX_SEQ_LEN),
            Family::Gemma3 => trained.min(quantized_gemma3::MAX_SEQ_LEN),
            Family::Qwen2 | Family::Qwen3 => trained,
        }
    }
}

fn architecture(metadata: &HashMap<String, Value>) -> Option<&str> {
    metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .map(String::as_str)
}

/// The tokens that end the assistant's turn: the GGUF's EOS token, and the
/// end-of-turn markers of the common templates when the vocabulary has them
/// (a ChatML model whose EOS is `<|endoftext|>` still ends turns with
/// `<|im_end|>`).
pub fn end_of_turn_tokens(metadata: &HashMap<String, Value>, tokenizer: &Tokenizer) -> Vec<u32> {
    let mut ids = Vec::new();
    for key in ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"] {
        if let Some(id) = metadata.get(key).and_then(|v| v.to_u32().ok()) {
            ids.push(id);
        }
    }
    for marker in [
        "<|im_end|>",
        "<|eot_id|>",
        "<end_of_turn>",
        "<|end|>",
        "<|endoftext|>",
    ] {
        if let Some(id) = tokenizer.token_to_id(marker) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The weights of one family, and the KV cache of the reply in progress.
pub enum Model {
    /// Whisker's own llama forward ([`super::llama`]).
    Llama(Box<super::llama::Llama>),
    /// candle's, for the llama-family models ours does not run (experts).
    CandleLlama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
    Qwen3(quantized_qwen3::ModelWeights),
    /// candle's Gemma 3 cannot clear its cache: a copy made before the first
    /// reply (weights shared, cache empty) replaces it instead.
    Gemma3 {
        fresh: quantized_gemma3::ModelWeights,
        live: quantized_gemma3::ModelWeights,
    },
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let family = match self {
            Model::Llama(_) | Model::CandleLlama(_) => "llama",
            Model::Qwen2(_) => "qwen2",
            Model::Qwen3(_) => "qwen3",
            Model::Gemma3 { .. } => "gemma3",
        };
        f.debug_tuple("Model").field(&family).finish()
    }
}

impl Model {
    pub fn load<R: Read + Seek>(
        family: Family,
        content: Content,
        reader: &mut R,
        device: &Device,
    ) -> candle_core::Result<Model> {
        if family == Family::Llama && super::llama::Llama::supports(&content) {
            let model = super::llama::Llama::load(&content, reader)?;
            return Ok(Model::Llama(Box::new(model)));
        }
        if super::requant::needed(&content) {
            let (content, mut buffer) = super::requant::to_q8_0(&content, reader, device)?;
            return Model::load_as_is(family, content, &mut buffer, device);
        }
        Model::load_as_is(family, content, reader, device)
    }

    fn load_as_is<R: Read + Seek>(
        family: Family,
        content: Content,
        reader: &mut R,
        device: &Device,
    ) -> candle_core::Result<Model> {
        Ok(match family {
            Family::Llama => Model::CandleLlama(quantized_llama::ModelWeights::from_gguf(
                content, reader, device,
            )?),
            Family::Qwen2 => Model::Qwen2(quantized_qwen2::ModelWeights::from_gguf(
                content, reader, device,
            )?),
            Family::Qwen3 => Model::Qwen3(quantized_qwen3::ModelWeights::from_gguf(
                content, reader, device,
            )?),
            Family::Gemma3 => {
                let fresh = quantized_gemma3::ModelWeights::from_gguf(content, reader, device)?;
                Model::Gemma3 {
                    live: fresh.clone(),
                    fresh,
                }
            }
        })
    }

    /// Whether [`Model::forward`] at a position `start` earlier than the
    /// cache's end drops the positions after it, so a new reply can keep
    /// the cached keys and values of a shared prefix. Only Whisker's own
    /// llama forward does; candle's models append whatever `start` says.
    pub fn can_reuse_prefix(&self) -> bool {
        matches!(self, Model::Llama(_))
    }

    /// Forgets the previous reply (empties the KV cache).
    pub fn reset(&mut self) {
        match self {
            Model::Llama(m) => m.clear_kv_cache(),
            Model::CandleLlama(m) => m.clear_kv_cache(),
            Model::Qwen2(m) => m.clear_kv_cache(),
            Model::Qwen3(m) => m.clear_kv_cache(),
            Model::Gemma3 { fresh, live } => *live = fresh.clone(),
        }
    }

    /// Logits for the token after `tokens`, the first of which is at
    /// position `start`.
    pub fn forward(&mut self, tokens: &[u32], start: usize) -> candle_core::Result<Tensor> {
        let input = || Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0);
        let logits = match self {
            Model::Llama(m) => {
                let logits = m.forward(tokens, start)?;
                let n = logits.len();
                Tensor::from_vec(logits, n, &Device::Cpu)?
            }
            Model::CandleLlama(m) => m.forward(&input()?, start)?,
            Model::Qwen2(m) => m.forward(&input()?, start)?,
            Model::Qwen3(m) => m.forward(&input()?, start)?,
            Model::Gemma3 { live, .. } => live.forward(&input()?, start)?,
        };
        // Some families return (1, vocab), others (1, 1, vocab) or (vocab).
        logits.flatten_all()
    }
}
