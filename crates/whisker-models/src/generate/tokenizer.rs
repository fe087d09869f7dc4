//! The tokenizer of a GGUF model: `tokenizer.json` beside the file when there
//! is one, else built from the GGUF vocabulary (`tokenizer.ggml.*`) the way
//! llama.cpp reads it.
//!
//! - `gpt2`: byte-level BPE from the tokens and merges, the text first split
//!   into words by the regexes `tokenizer.ggml.pre` names ([`pre`]).
//! - `llama`: a SentencePiece vocabulary, tokens with scores and `<0xNN>`
//!   byte tokens, as BPE with byte fallback ([`spm`]).
//!
//! Control tokens (type 3, and the unknown token, type 2) become special
//! added tokens and user-defined ones (type 4) plain added tokens: both are
//! matched in the raw text before anything else, so `<|im_start|>` in a
//! rendered prompt is one id, and special ones are dropped when decoding with
//! `skip_special_tokens`. It adds no BOS or EOS (the chat template writes
//! them), and other vocabularies (`bert`, `t5`, `rwkv`, ...) are an error.

mod pre;
mod spm;

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file::Value;
use tokenizers::decoders::byte_level::ByteLevel;
use tokenizers::models::bpe::{self, BPE};
use tokenizers::{AddedToken, Tokenizer};

use crate::{Error, Result};
use pre::PreTokenizer;

/// llama.cpp's token types (`tokenizer.ggml.token_type`).
const UNKNOWN: i32 = 2;
const CONTROL: i32 = 3;
const USER_DEFINED: i32 = 4;

/// The tokenizer for the GGUF file at `gguf`: `tokenizer.json` in the same
/// folder when present, else built from `metadata` (`tokenizer.ggml.*`).
pub fn load(id: &str, gguf: &Path, metadata: &HashMap<String, Value>) -> Result<Tokenizer> {
    let error = |message: String| Error::Model {
        id: id.to_string(),
        message,
    };
    let json = gguf.with_file_name("tokenizer.json");
    if json.is_file() {
        return Tokenizer::from_file(&json).map_err(|e| error(format!("{}: {e}", json.display())));
    }
    from_gguf(metadata).map_err(error)
}

/// The tokenizer the GGUF vocabulary describes.
fn from_gguf(metadata: &HashMap<String, Value>) -> std::result::Result<Tokenizer, String> {
    let vocab = Vocab::read(metadata)?;
    let mut tokenizer = match vocab.model.as_str() {
        "gpt2" => byte_level(&vocab, metadata)?,
        "llama" => {
            let add_space_prefix = metadata
                .get("tokenizer.ggml.add_space_prefix")
                .and_then(|v| v.to_bool().ok())
                .unwrap_or(true);
            spm::tokenizer(&vocab, add_space_prefix)?
        }
        other => {
            return Err(format!(
                "tokenizer model '{other}' (tokenizer.ggml.model) is not supported \
                 (gpt2 and llama are); put the model's tokenizer.json beside the GGUF file"
            ));
        }
    };
    add_tokens(&mut tokenizer, &vocab);
    Ok(tokenizer)
}

/// Byte-level BPE: GPT-2, Llama 3, Qwen, SmolLM.
fn byte_level(
    vocab: &Vocab,
    metadata: &HashMap<String, Value>,
) -> std::result::Result<Tokenizer, String> {
    let pre = PreTokenizer::named(string(metadata, "tokenizer.ggml.pre"))?;
    let merges = strings(metadata, "tokenizer.ggml.merges")?
        .iter()
        .map(|merge| split_merge(merge))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab.ids(), merges)
        .ignore_merges(pre.ignore_merges)
        .build()
        .map_err(|e| format!("building the BPE vocabulary: {e}"))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_pre_tokenizer(Some(pre.build()?));
    tokenizer.with_decoder(Some(ByteLevel::default()));
    Ok(tokenizer)
}

/// `"Ġ t"` → `("Ġ", "t")`. The first half is never empty, so a merge
/// whose first half is a space itself splits at the next space.
fn split_merge(merge: &str) -> std::result::Result<(String, String), String> {
    merge
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == ' ')
        .map(|(at, _)| (merge[..at].to_string(), merge[at + 1..].to_string()))
        .ok_or_else(|| format!("malformed merge {merge:?} in tokenizer.ggml.merges"))
}

/// Control and user-defined tokens, matched in raw text before the model
/// sees it.
fn add_tokens(tokenizer: &mut Tokenizer, vocab: &Vocab) {
    let added = |wanted: &[i32], special: bool| -> Vec<AddedToken> {
        vocab
            .tokens
            .iter()
            .zip(&vocab.types)
            .filter(|(_, kind)| wanted.contains(kind))
            .map(|(token, _)| AddedToken::from(token.clone(), special).normalized(false))
            .collect()
    };
    tokenizer.add_special_tokens(&added(&[UNKNOWN, CONTROL], true));
    tokenizer.add_tokens(&added(&[USER_DEFINED], false));
}

/// The `tokenizer.ggml.*` vocabulary.
struct Vocab {
    /// `tokenizer.ggml.model`: `gpt2`, `llama`, ...
    model: String,
    tokens: Vec<String>,
    /// Token types, 1 (normal) where the file has none.
    types: Vec<i32>,
    /// SentencePiece scores, when the file has them.
    scores: Option<Vec<f32>>,
    unknown_id: Option<u32>,
}

impl Vocab {
    fn read(metadata: &HashMap<String, Value>) -> std::result::Result<Vocab, String> {
        let model = string(metadata, "tokenizer.ggml.model")
            .ok_or("the GGUF has no tokenizer.ggml.model")?
            .to_string();
        let tokens = strings(metadata, "tokenizer.ggml.tokens")?;
        let types = match metadata.get("tokenizer.ggml.token_type") {
            Some(v) => numbers(v, "tokenizer.ggml.token_type", Value::to_i32)?,
            None => vec![1; tokens.len()],
        };
        let scores = match metadata.get("tokenizer.ggml.scores") {
            Some(v) => Some(numbers(v, "tokenizer.ggml.scores", Value::to_f32)?),
            None => None,
        };
        if types.len() != tokens.len() || scores.as_ref().is_some_and(|s| s.len() != tokens.len()) {
            return Err("tokenizer.ggml.token_type or scores do not match the token count".into());
        }
        let unknown_id = metadata
            .get("tokenizer.ggml.unknown_token_id")
            .and_then(|v| v.to_u32().ok());
        Ok(Vocab {
            model,
            tokens,
            types,
            scores,
            unknown_id,
        })
    }

    /// Token → id; a token listed twice keeps its first id.
    fn ids(&self) -> bpe::Vocab {
        let mut ids = bpe::Vocab::with_capacity(self.tokens.len());
        for (id, token) in (0u32..).zip(&self.tokens) {
            ids.entry(token.clone()).or_insert(id);
        }
        ids
    }

    /// The unknown token: the one the file names, else `<unk>` if present.
    fn unknown(&self) -> Option<&str> {
        match self.unknown_id {
            Some(id) => self.tokens.get(id as usize).map(String::as_str),
            None => self
                .tokens
                .iter()
                .find(|t| *t == "<unk>")
                .map(String::as_str),
        }
    }
}

fn string<'a>(metadata: &'a HashMap<String, Value>, key: &str) -> Option<&'a str> {
    metadata
        .get(key)
        .and_then(|v| v.to_string().ok())
        .map(String::as_str)
}

fn strings(
    metadata: &HashMap<String, Value>,
    key: &str,
) -> std::result::Result<Vec<String>, String> {
    let array = metadata
        .get(key)
        .ok_or_else(|| format!("the GGUF has no {key}"))?
        .to_vec()
        .map_err(|_| format!("{key} is not an array"))?;
    array
        .iter()
        .map(|v| {
            v.to_string()
                .cloned()
                .map_err(|_| format!("{key} holds a non-string"))
        })
        .collect()
}

fn numbers<T>(
    value: &Value,
    key: &str,
    convert: fn(&Value) -> candle_core::Result<T>,
) -> std::result::Result<Vec<T>, String> {
    let array = value
        .to_vec()
        .map_err(|_| format!("{key} is not an array"))?;
    array
        .iter()
        .map(|v| convert(v).map_err(|e| format!("{key}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests;
