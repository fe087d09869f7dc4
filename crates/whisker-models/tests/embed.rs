//! The candle embedder on the real all-MiniLM-L6-v2 weights: the sanity pair,
//! sentence-transformers' own vectors, batching invariance, awkward inputs.
//!
//! Needs the model in `models/all-minilm-l6-v2` at the workspace root (or
//! `$WHISKER_MODELS_DIR/all-minilm-l6-v2`): `make models` puts it there.

use std::path::PathBuf;
use std::sync::OnceLock;

use whisker_models::embed::{EmbedSpec, Embedder};

const MODEL: &str = "all-minilm-l6-v2";

fn model_dir() -> PathBuf {
    match std::env::var_os("WHISKER_MODELS_DIR") {
        Some(dir) => PathBuf::from(dir).join(MODEL),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../models")
            .join(MODEL),
    }
}

/// One embedder for all tests (loading takes a moment in debug builds).
fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        let dir = model_dir();
        for file in ["config.json", "tokenizer.json", "model.safetensors"] {
            assert!(
                dir.join(file).is_file(),
                "{} is missing: run `make models` to install all-minilm-l6-v2 \
                 (or set WHISKER_MODELS_DIR to a folder that holds {MODEL}/)",
                dir.join(file).display()
            );
        }
        Embedder::load(MODEL, &dir, &EmbedSpec::all_minilm_l6_v2()).expect("model loads")
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn sanity_pair_has_the_published_cosine() {
    let v = embedder()
        .embed_passages(&["A man is eating food.", "A man is eating a piece of bread."])
        .unwrap();
    let cos = cosine(&v[0], &v[1]);
    assert!(
        (cos - 0.755).abs() < 0.01,
        "cosine {cos}, expected about 0.755"
    );
}

#[test]
fn vectors_are_unit_length_with_the_model_dims() {
    let e = embedder();
    assert_eq!(e.dims(), 384);
    assert_eq!(e.id(), MODEL);
    for v in e.embed_passages(&["one", "two words", "空"]).unwrap() {
        assert_eq!(v.len(), 384);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn matches_sentence_transformers_reference_vectors() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let sentences: Vec<&str> = fixture["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let ours = embedder().embed_passages(&sentences).unwrap();
    for ((sentence, theirs), ours) in sentences
        .iter()
        .zip(fixture["vectors"].as_array().unwrap())
        .zip(&ours)
    {
        let theirs: Vec<f32> = theirs
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let cos = cosine(ours, &theirs);
        let short: String = sentence.chars().take(40).collect();
        assert!(
            cos > 0.9999,
            "cosine {cos} with sentence-transformers for {short:?}"
        );
    }
}

#[test]
fn a_text_gets_the_same_vector_alone_and_in_a_mixed_batch() {
    let e = embedder();
    let long = "The quick brown fox jumps over the lazy dog near the river bank. ".repeat(12);
    let texts = [
        "short",
        long.as_str(),
        "A man is eating food.",
        "Whisker keeps its index on your own disk, and nothing leaves the machine.",
        "",
        "向量检索是一种根据语义相似度查找文档的方法。",
    ];
    let batch = e.embed_passages(&texts).unwrap();
    for (text, in_batch) in texts.iter().zip(&batch) {
        // Alone, a short text takes the few-rows kernel, whose weights are
        // rounded to f16: close to the batch's f32 vector, not equal.
        let alone = e.embed_passages(&[text]).unwrap().remove(0);
        let diff = max_abs_diff(&alone, in_batch);
        assert!(
            diff < 5e-4,
            "{text:?}: differs by {diff} alone vs in a batch"
        );
    }
}

#[test]
fn order_is_preserved() {
    let e = embedder();
    let texts = [
        "a cat",
        "a much longer sentence about dogs and their owners",
        "fish",
        "birds sing",
    ];
    let forward = e.embed_passages(&texts).unwrap();
    let reversed: Vec<&str> = texts.iter().rev().copied().collect();
    let backward = e.embed_passages(&reversed).unwrap();
    for (i, v) in forward.iter().enumerate() {
        let diff = max_abs_diff(v, &backward[texts.len() - 1 - i]);
        assert!(diff < 1e-4, "text {i} moved (diff {diff})");
    }
    assert!(cosine(&forward[0], &forward[1]) < 0.99);
}

#[test]
fn empty_and_very_long_texts_do_not_panic() {
    let e = embedder();
    let long = "word ".repeat(10_000);
    let v = e.embed_passages(&["", &long]).unwrap();
    assert_eq!(v.len(), 2);
    assert!(
        v.iter()
            .all(|v| v.len() == 384 && v.iter().all(|x| x.is_finite()))
    );
    assert!(e.embed_passages(&[]).unwrap().is_empty());
    assert_eq!(e.embed_query("").unwrap().len(), 384);
}

#[test]
fn chinese_text_embeds_and_relates() {
    let e = embedder();
    let v = e
        .embed_passages(&[
            "今天天气很好。",
            "今天天气很好，我们去公园吧。",
            "The weather is nice today.",
        ])
        .unwrap();
    assert!(v.iter().all(|v| v.iter().all(|x| x.is_finite())));
    assert!(cosine(&v[0], &v[1]) > 0.5, "{}", cosine(&v[0], &v[1]));
}

#[test]
fn query_and_passage_agree_without_prefixes() {
    let e = embedder();
    let q = e.embed_query("How do I build a Debian package?").unwrap();
    let p = e
        .embed_passages(&["How do I build a Debian package?"])
        .unwrap()
        .remove(0);
    assert!(max_abs_diff(&q, &p) < 1e-5);
}
