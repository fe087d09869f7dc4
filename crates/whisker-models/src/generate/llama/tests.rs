//! Our forward pass against candle's `quantized_llama` on the same weights
//! (the default model, SmolLM2-135M-Instruct Q4_1: `make models`, or
//! `WHISKER_MODELS_DIR`). candle runs Q4_1 with its scalar kernel, so the
//! prompts are short.

use std::fs::File;
use std::path::PathBuf;

use candle_core::quantized::gguf_file::Content;
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;

use super::Llama;

fn gguf_path() -> PathBuf {
    let dir = std::env::var_os("WHISKER_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"),
        PathBuf::from,
    );
    dir.join("smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf")
}

fn argmax(xs: &[f32]) -> u32 {
    let mut best = 0;
    for (i, x) in xs.iter().enumerate() {
        if *x > xs[best] {
            best = i;
        }
    }
    best as u32
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn greedy_tokens_and_logits_match_candles_llama() {
    let path = gguf_path();
    assert!(
        path.exists(),
        "{} is missing: run `make models` (or set WHISKER_MODELS_DIR)",
        path.display()
    );
    let mut file = File::open(&path).expect("open");
    let content = Content::read(&mut file).expect("gguf");
    let tokenizer =
        super::super::tokenizer::load("test", &path, &content.metadata).expect("tokenizer");
    let mut ours = Llama::load(&content, &mut file).expect("ours");
    let mut theirs = ModelWeights::from_gguf(content, &mut file, &Device::Cpu).expect("candle");
    let prompts = [
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
        "The three primary colours are",
        "fn main() {\n    let x =",
    ];
    for prompt in prompts {
        let ids = tokenizer.encode_fast(prompt, false).expect("encode");
        let mut tokens = ids.get_ids().to_vec();
        ours.clear_kv_cache();
        theirs.clear_kv_cache();
        let (mut start, mut fed) = (0, tokens.len());
        for step in 0..8 {
            let input = &tokens[start..fed];
            let a = ours.forward(input, start).expect("ours");
            let b = Tensor::new(input, &Device::Cpu)
                .and_then(|t| t.unsqueeze(0))
                .and_then(|t| theirs.forward(&t, start))
                .and_then(|t| t.flatten_all())
                .and_then(|t| t.to_vec1::<f32>())
                .expect("candle");
            let cos = cosine(&a, &b);
            assert!(cos > 0.99, "{prompt:?} step {step}: logits' cosine {cos}");
            // Activations are quantized to 8 bits, so a different order of
            // float additions can flip a rounding and move logits by a few
            // hundredths either way: two tokens that close are a tie.
            let (mine, reference) = (argmax(&a) as usize, argmax(&b) as usize);
            assert!(
                mine == reference || b[reference] - b[mine] < 0.15,
                "{prompt:?} step {step}: token {mine} ({}) instead of {reference} ({})",
                b[mine],
                b[reference]
            );
            tokens.push(reference as u32);
            start = fed;
            fed += 1;
        }
    }
}
