//! Tokenizers built from tiny synthetic GGUF vocabularies: a SentencePiece
//! one (the `llama` path, which no test model exercises) and a byte-level
//! one. The real SmolLM2 vocabulary is tested in `tests/generate.rs`.

use super::*;

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.to_string())).collect())
}

/// A Llama-2-style vocabulary: `<unk>`, `<s>`, `</s>`, 256 byte tokens, then
/// pieces whose scores make "▁hello" and "▁world" single tokens.
fn spm_metadata() -> HashMap<String, Value> {
    let mut tokens = vec!["<unk>".to_string(), "<s>".into(), "</s>".into()];
    let mut types = vec![UNKNOWN, CONTROL, CONTROL];
    let mut scores = vec![0.0, 0.0, 0.0];
    for byte in 0..=255u8 {
        tokens.push(format!("<0x{byte:02X}>"));
        types.push(6);
        scores.push(0.0);
    }
    let pieces = [
        ("▁hello", -1.0),
        ("▁world", -2.0),
        ("▁he", -3.0),
        ("llo", -4.0),
        ("▁wor", -5.0),
        ("ld", -6.0),
        ("▁h", -7.0),
        ("ll", -8.0),
        ("▁w", -9.0),
        ("or", -10.0),
    ];
    for (piece, score) in pieces {
        tokens.push(piece.into());
        types.push(1);
        scores.push(score);
    }
    for c in ["▁", "h", "e", "l", "o", "w", "r", "d", "!"] {
        tokens.push(c.into());
        types.push(1);
        scores.push(-100.0);
    }
    tokens.push("<tool>".into());
    types.push(USER_DEFINED);
    scores.push(0.0);
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    HashMap::from([
        ("tokenizer.ggml.model".into(), Value::String("llama".into())),
        ("tokenizer.ggml.tokens".into(), strings(&tokens)),
        (
            "tokenizer.ggml.token_type".into(),
            Value::Array(types.into_iter().map(Value::I32).collect()),
        ),
        (
            "tokenizer.ggml.scores".into(),
            Value::Array(scores.into_iter().map(Value::F32).collect()),
        ),
        ("tokenizer.ggml.unknown_token_id".into(), Value::U32(0)),
    ])
}

/// The tokens `text` encodes to, the way the generator encodes prompts.
fn tokens(tokenizer: &Tokenizer, text: &str) -> Vec<String> {
    let encoding = tokenizer.encode_fast(text, false).expect("encodes");
    let token = |id: &u32| tokenizer.id_to_token(*id).expect("a known id");
    encoding.get_ids().iter().map(token).collect()
}

fn round_trip(tokenizer: &Tokenizer, text: &str) -> String {
    let encoding = tokenizer.encode_fast(text, false).expect("encodes");
    tokenizer.decode(encoding.get_ids(), true).expect("decodes")
}

#[test]
fn sentencepiece_merges_follow_the_scores() {
    let tokenizer = from_gguf(&spm_metadata()).expect("builds");
    assert_eq!(tokens(&tokenizer, "hello world"), ["▁hello", "▁world"]);
    assert_eq!(
        tokens(&tokenizer, "hello world!"),
        ["▁hello", "▁world", "!"]
    );
}

#[test]
fn sentencepiece_falls_back_to_bytes() {
    let tokenizer = from_gguf(&spm_metadata()).expect("builds");
    assert_eq!(tokens(&tokenizer, "hello\n"), ["▁hello", "<0x0A>"]);
    assert_eq!(tokens(&tokenizer, "é"), ["▁", "<0xC3>", "<0xA9>"]);
}

#[test]
fn sentencepiece_round_trips_without_the_prefix_space() {
    let tokenizer = from_gguf(&spm_metadata()).expect("builds");
    for text in ["hello world", "hello\nworld", "é hello", "  hello  "] {
        assert_eq!(round_trip(&tokenizer, text), text);
    }
}

#[test]
fn sentencepiece_control_tokens_are_one_id_and_skipped_when_decoding() {
    let tokenizer = from_gguf(&spm_metadata()).expect("builds");
    assert_eq!(
        tokens(&tokenizer, "<s>hello</s>"),
        ["<s>", "▁hello", "</s>"]
    );
    let encoding = tokenizer
        .encode_fast("<s>hello</s>", false)
        .expect("encodes");
    assert_eq!(encoding.get_ids()[0], 1);
    assert_eq!(
        tokenizer.decode(encoding.get_ids(), true).expect("decodes"),
        "hello"
    );
}

#[test]
fn sentencepiece_user_defined_tokens_are_kept_when_decoding() {
    let tokenizer = from_gguf(&spm_metadata()).expect("builds");
    assert_eq!(tokens(&tokenizer, "hello<tool>"), ["▁hello", "<tool>"]);
    assert_eq!(round_trip(&tokenizer, "hello<tool>"), "hello<tool>");
}

#[test]
fn sentencepiece_without_space_prefix() {
    let mut metadata = spm_metadata();
    metadata.insert("tokenizer.ggml.add_space_prefix".into(), Value::Bool(false));
    let tokenizer = from_gguf(&metadata).expect("builds");
    assert_eq!(
        tokens(&tokenizer, "hello world"),
        ["h", "e", "llo", "▁world"]
    );
    assert_eq!(round_trip(&tokenizer, "hello world"), "hello world");
}

#[test]
fn sentencepiece_needs_scores() {
    let mut metadata = spm_metadata();
    metadata.remove("tokenizer.ggml.scores");
    let err = from_gguf(&metadata).expect_err("no scores");
    assert!(err.contains("scores"), "{err}");
}

fn gpt2_metadata() -> HashMap<String, Value> {
    let tokens = ["a", "b", "ab", "Ġ", "Ġab", "<|im_start|>", "<think>"];
    let types = [1, 1, 1, 1, 1, CONTROL, USER_DEFINED];
    HashMap::from([
        ("tokenizer.ggml.model".into(), Value::String("gpt2".into())),
        ("tokenizer.ggml.pre".into(), Value::String("gpt-2".into())),
        ("tokenizer.ggml.tokens".into(), strings(&tokens)),
        (
            "tokenizer.ggml.token_type".into(),
            Value::Array(types.into_iter().map(Value::I32).collect()),
        ),
        ("tokenizer.ggml.merges".into(), strings(&["a b", "Ġ ab"])),
    ])
}

#[test]
fn byte_level_special_tokens_match_in_raw_text() {
    let tokenizer = from_gguf(&gpt2_metadata()).expect("builds");
    let encoding = tokenizer
        .encode_fast("<|im_start|>ab ab<think>", false)
        .expect("encodes");
    assert_eq!(encoding.get_ids(), [5, 2, 4, 6]);
    let text = tokenizer.decode(encoding.get_ids(), true).expect("decodes");
    assert_eq!(text, "ab ab<think>");
}

#[test]
fn other_tokenizer_models_are_an_error_naming_them() {
    let mut metadata = gpt2_metadata();
    metadata.insert("tokenizer.ggml.model".into(), Value::String("bert".into()));
    let err = from_gguf(&metadata).expect_err("bert");
    assert!(err.contains("'bert'"), "{err}");
}

#[test]
fn a_tokenizer_json_beside_the_file_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let built = from_gguf(&gpt2_metadata()).expect("builds");
    built
        .save(dir.path().join("tokenizer.json"), false)
        .expect("saves");
    // No tokenizer.ggml.* at all: only the JSON file can make this work.
    let loaded = load("test", &dir.path().join("model.gguf"), &HashMap::new()).expect("loads");
    assert_eq!(tokens(&loaded, "ab ab"), ["ab", "Ġab"]);
    let err = load("test", &dir.path().join("sub/model.gguf"), &HashMap::new()).expect_err("none");
    assert!(err.to_string().contains("tokenizer.ggml.model"), "{err}");
}

#[test]
fn merges_split_at_the_first_space_after_the_first_character() {
    assert_eq!(
        split_merge("Ġ t").expect("splits"),
        ("Ġ".into(), "t".into())
    );
    assert_eq!(
        split_merge("  x").expect("splits"),
        (" ".into(), "x".into())
    );
    assert!(split_merge("ab").is_err());
}
