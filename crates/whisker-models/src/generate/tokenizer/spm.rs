//! SentencePiece vocabularies (`tokenizer.ggml.model = "llama"`) as a
//! Hugging Face BPE tokenizer: Llama 2, TinyLlama, Mistral v0.1–0.3, Gemma.
//!
//! A SentencePiece BPE model has pieces with scores but no merge list. The
//! merges are rebuilt the way Hugging Face's `LlamaConverter` does: every
//! split of a piece into two pieces that are both in the vocabulary is a
//! merge, ranked by the score of the whole piece (higher first). Spaces
//! become `▁`, a `▁` goes in front of the text unless the GGUF says
//! `add_space_prefix = false`, and characters with no piece fall back to
//! `<0xNN>` byte tokens. It does not implement SentencePiece's unigram
//! models (`t5`).

use tokenizers::Tokenizer;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::{self, BPE};
use tokenizers::normalizers::{NormalizerWrapper, Prepend, Replace, Sequence};

use super::Vocab;

const SPACE: &str = "▁";

/// The tokenizer of a SentencePiece vocabulary.
pub fn tokenizer(vocab: &Vocab, add_space_prefix: bool) -> Result<Tokenizer, String> {
    let scores = vocab
        .scores
        .as_deref()
        .ok_or("the SentencePiece vocabulary has no tokenizer.ggml.scores")?;
    let ids = vocab.ids();
    let merges = merges_by_score(&vocab.tokens, scores, &ids);
    let mut builder = BPE::builder()
        .vocab_and_merges(ids, merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(unk) = vocab.unknown() {
        builder = builder.unk_token(unk.to_string());
    }
    let bpe = builder
        .build()
        .map_err(|e| format!("building the SentencePiece vocabulary: {e}"))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_normalizer(Some(normalizer(add_space_prefix)?));
    tokenizer.with_decoder(Some(decoder(add_space_prefix)?));
    Ok(tokenizer)
}

/// Every split of a piece into two pieces, best score first. Ties keep
/// vocabulary order, and within a piece the order of the halves' ids.
fn merges_by_score(tokens: &[String], scores: &[f32], ids: &bpe::Vocab) -> Vec<(String, String)> {
    let mut merges: Vec<(f32, u32, u32, usize)> = Vec::new();
    for (piece, &score) in tokens.iter().zip(scores) {
        let start = merges.len();
        for (at, _) in piece.char_indices().skip(1) {
            let (left, right) = piece.split_at(at);
            if let (Some(&l), Some(&r)) = (ids.get(left), ids.get(right)) {
                merges.push((score, l, r, at));
            }
        }
        merges[start..].sort_by_key(|&(_, l, r, _)| (l, r));
    }
    // A stable sort keeps the order above among equal scores.
    merges.sort_by(|a, b| b.0.total_cmp(&a.0));
    merges
        .into_iter()
        .map(|(_, l, r, _)| (tokens[l as usize].clone(), tokens[r as usize].clone()))
        .collect()
}

fn normalizer(add_space_prefix: bool) -> Result<NormalizerWrapper, String> {
    let replace = Replace::new(" ", SPACE).map_err(|e| e.to_string())?;
    let mut steps: Vec<NormalizerWrapper> = Vec::new();
    if add_space_prefix {
        steps.push(Prepend::new(SPACE.to_string()).into());
    }
    steps.push(replace.into());
    Ok(Sequence::new(steps).into())
}

fn decoder(add_space_prefix: bool) -> Result<DecoderWrapper, String> {
    let replace = Replace::new(SPACE, " ").map_err(|e| e.to_string())?;
    let mut steps: Vec<DecoderWrapper> = vec![
        replace.into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if add_space_prefix {
        // The space the normalizer put in front of the text.
        steps.push(Strip::new(' ', 1, 0).into());
    }
    Ok(DecoderSequence::new(steps).into())
}
