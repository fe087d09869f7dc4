//! Byte-level BPE pre-tokenizers: how `tokenizer.ggml.pre` splits text into
//! words before the merges run, as llama.cpp reads the name.
//!
//! Each name maps to a list of regexes applied in turn, every match becoming
//! a word of its own (Hugging Face's `Split` with `Isolated`), then the bytes
//! are mapped to GPT-2's printable alphabet. Where llama.cpp rewrote a regex
//! for its own engine, this uses the model's original `tokenizer.json` form,
//! which fancy-regex understands. It does not cover every name llama.cpp
//! knows: the rest are an error naming the pre-tokenizer.

use tokenizers::SplitDelimiterBehavior;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};

/// GPT-2's word regex (`tiktoken` r50k).
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Llama 3's (`tiktoken` cl100k): numbers in runs of up to three digits.
const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen2's: like Llama 3 but one digit per word.
const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen3.5's: Qwen2's with combining marks kept in words.
const QWEN35: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Mistral's Tekken: splits words at case changes.
const TEKKEN: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// `tiktoken` o200k (GPT-4o, Llama 4).
const GPT4O: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// BLOOM's and Poro's: words up to whitespace or punctuation.
const BLOOM: &str = r" ?[^(\s|.,!?…。，、।۔،)]+";

/// Every digit a word of its own.
const DIGIT: &str = r"\p{N}";

/// How a byte-level vocabulary splits text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreTokenizer {
    /// Applied in order; each match becomes a word.
    pub regexes: Vec<&'static str>,
    /// A word that is itself in the vocabulary is one token, merges or not
    /// (Llama 3, Tekken).
    pub ignore_merges: bool,
}

impl PreTokenizer {
    /// The pre-tokenizer `tokenizer.ggml.pre` names (`None`: the file predates
    /// the key; llama.cpp then uses `default`).
    pub fn named(name: Option<&str>) -> Result<PreTokenizer, String> {
        let (regexes, ignore_merges): (&[&'static str], bool) = match name.unwrap_or("default") {
            "default" => (
                &[r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", "[0-9][0-9][0-9]"],
                false,
            ),
            "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "falcon-h1" | "pixtral"
            | "midm-2.0" | "lfm2" => (&[LLAMA3], true),
            "dbrx" | "smaug-bpe" | "chatglm-bpe" | "glm4" => (&[LLAMA3], false),
            "qwen2" | "deepseek-r1-qwen" | "megrez" | "stablelm2" | "hunyuan" => (&[QWEN2], false),
            "qwen35" => (&[QWEN35], false),
            "gpt-2" | "phi-2" | "mpt" | "olmo" | "jais" | "roberta-bpe" | "jina-es" | "jina-de"
            | "jina-v1-en" | "jina-v2-es" | "jina-v2-de" | "jina-v2-code" | "gigachat"
            | "mellum" | "exaone4" | "trillion" | "granite-docling" => (&[GPT2], false),
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
            | "minerva-7b" => (&[DIGIT, GPT2], false),
            "falcon" => (&[r"[\p{P}\$\+<=>\^~\|`]+", GPT2, "[0-9][0-9][0-9]"], false),
            "tekken" => (&[TEKKEN], true),
            "gpt-4o" | "llama4" => (&[GPT4O], false),
            "bloom" | "poro-chat" | "gpt3-finnish" => (&[BLOOM], false),
            other => {
                return Err(format!(
                    "pre-tokenizer '{other}' (tokenizer.ggml.pre) is not supported; \
                     a tokenizer.json beside the GGUF file would be used instead"
                ));
            }
        };
        Ok(PreTokenizer {
            regexes: regexes.to_vec(),
            ignore_merges,
        })
    }

    /// The Hugging Face pre-tokenizer: the splits, then GPT-2's byte mapping.
    pub fn build(&self) -> Result<PreTokenizerWrapper, String> {
        let mut steps = Vec::with_capacity(self.regexes.len() + 1);
        for regex in &self.regexes {
            let pattern = SplitPattern::Regex((*regex).to_string());
            let split = Split::new(pattern, SplitDelimiterBehavior::Isolated, false)
                .map_err(|e| format!("pre-tokenizer regex {regex:?}: {e}"))?;
            steps.push(split.into());
        }
        steps.push(ByteLevel::new(false, false, false).into());
        Ok(Sequence::new(steps).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer as _};

    fn words(name: &str, text: &str) -> Vec<String> {
        let pre = PreTokenizer::named(Some(name)).expect("known name");
        let mut pretokenized = PreTokenizedString::from(text);
        pre.build()
            .expect("regexes compile")
            .pre_tokenize(&mut pretokenized)
            .expect("splits");
        pretokenized
            .get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(_, offsets, _)| text[offsets.0..offsets.1].to_string())
            .collect()
    }

    #[test]
    fn every_named_regex_compiles() {
        for name in [
            "default",
            "llama-bpe",
            "qwen2",
            "qwen35",
            "smollm",
            "gpt-2",
            "falcon",
        ] {
            assert!(
                PreTokenizer::named(Some(name))
                    .and_then(|p| p.build())
                    .is_ok(),
                "{name}"
            );
        }
        for name in ["tekken", "gpt-4o", "bloom", "dbrx"] {
            assert!(
                PreTokenizer::named(Some(name))
                    .and_then(|p| p.build())
                    .is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn smollm_splits_digits_one_by_one() {
        assert_eq!(
            words("smollm", "Hello world! 123"),
            ["Hello", " world", "!", " ", "1", "2", "3"]
        );
    }

    #[test]
    fn llama3_groups_digits_by_three_and_keeps_newlines_apart() {
        assert_eq!(
            words("llama-bpe", "x 12345\n\nok"),
            ["x", " ", "123", "45", "\n\n", "ok"]
        );
    }

    #[test]
    fn qwen2_splits_digits_and_keeps_chinese_runs() {
        assert_eq!(words("qwen2", "价格是42元"), ["价格是", "4", "2", "元"]);
    }

    #[test]
    fn no_pre_key_means_default_and_an_unknown_name_is_an_error() {
        assert_eq!(
            PreTokenizer::named(None),
            PreTokenizer::named(Some("default"))
        );
        let err = PreTokenizer::named(Some("kimi-k2")).unwrap_err();
        assert!(err.contains("'kimi-k2'"), "{err}");
    }
}
