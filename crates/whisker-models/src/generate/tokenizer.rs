//! The tokenizer of a GGUF model: `tokenizer.json` beside the file when there
//! is one, else built from the GGUF metadata.
//!
//! PLACEHOLDER: the contract only; the body is being written.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file::Value;
use tokenizers::Tokenizer;

use crate::{Error, Result};

/// The tokenizer for the GGUF file at `gguf`: `tokenizer.json` in the same
/// folder when present, else built from `metadata` (`tokenizer.ggml.*`).
pub fn load(id: &str, gguf: &Path, metadata: &HashMap<String, Value>) -> Result<Tokenizer> {
    let _ = (gguf, metadata);
    Err(Error::Model {
        id: id.to_string(),
        message: "GGUF tokenizers are not implemented yet".into(),
    })
}
