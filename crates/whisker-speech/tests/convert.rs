//! The CTranslate2 -> GGML converter: the real default model converts to
//! the pinned file with whisper.cpp's layout; the mel bank and vocabulary
//! are OpenAI's to the bit; every weight type converts to the right values;
//! damaged, foreign and incomplete inputs are clear errors naming the file,
//! and leave nothing behind.
//!
//! Needs `models/whisper-base-ct2` (`make models`) and openai-whisper's
//! assets in `target/cache` (`make whisper-assets`); each test that does
//! says so when they are missing.

#![allow(clippy::unwrap_used)]

#[path = "convert/support.rs"]
mod support;

use std::fs;
use std::path::Path;

use support::*;
use whisker_speech::Error;
use whisker_speech::convert::{self, Ct2Whisper, N_FFT, SAMPLE_RATE, Weights, mel_filters};

/// The sha256 of whisper-base in f16 (whisper.cpp's own layout, which
/// whisper.cpp's `convert-pt-to-ggml.py` writes for OpenAI's checkpoint) and
/// in bf16 (what `models/manifest.toml` pins for `whisper-base`).
const BASE_SHA256: &str = "c0db470711f9496ec80feedb59b0916f10a0c301218e7254a61e7d3d1890dc6d";
const BASE_BF16_SHA256: &str = "e06170705aa8d942f8ae71d593e9066febc2c3c56e5f1ebe600ceb9c1ed54357";
const BASE_SIZE: u64 = 147_951_465;

fn run(dir: &Path, out: &Path) -> Result<convert::Conversion, Error> {
    convert::convert(dir, Weights::F16, out, &mut |_, _| true)
}

/// Files in `dir` other than `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn mel_bank_is_openais_to_the_bit() {
    let npz = read_npz(&asset("mel_filters.npz"));
    for n_mels in [80, 128] {
        let (shape, expected) = &npz[&format!("mel_{n_mels}")];
        assert_eq!(shape, &[n_mels, 201]);
        let ours = mel_filters(SAMPLE_RATE, N_FFT, n_mels);
        let differ = ours
            .iter()
            .zip(expected)
            .filter(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(
            differ.count(),
            0,
            "mel_{n_mels}: weights differ from OpenAI's"
        );
    }
}

#[test]
fn vocabulary_is_openais_tokens_as_bytes() {
    let model = Ct2Whisper::open(&default_ct2()).unwrap();
    let text = fs::read_to_string(asset("multilingual.tiktoken")).unwrap();
    let ranks: Vec<Vec<u8>> = text
        .lines()
        .map(|l| decode_base64(l.split(' ').next().unwrap()))
        .collect();
    let ours = &model.vocabulary().tokens;
    assert_eq!(ours.len(), 50_257);
    assert_eq!(ours.len(), ranks.len());
    let differ = ours.iter().zip(&ranks).position(|(a, b)| a != b);
    assert_eq!(differ, None, "first differing token id");
}

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn default_model_converts_to_the_pinned_whisper_cpp_file() {
    let ct2 = default_ct2();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ggml-base.bin");
    let done = run(&ct2, &out).unwrap();
    assert_eq!((done.sha256.as_str(), done.size), (BASE_SHA256, BASE_SIZE));
    assert_eq!((done.tensors, done.vocabulary), (245, 50_257));
    assert_eq!(done.source_dtype, "float16");
    assert_eq!(fs::metadata(&out).unwrap().len(), BASE_SIZE);
    assert_eq!(
        leftovers(tmp.path(), &["ggml-base.bin"]),
        Vec::<String>::new()
    );

    let ggml = read_ggml(&out);
    // n_vocab, audio ctx/state/head/layer, text ctx/state/head/layer, mels, f16.
    assert_eq!(
        ggml.hparams,
        [51_865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1]
    );
    assert_eq!((ggml.mel.0, ggml.mel.1), (80, 201));
    assert_eq!(ggml.mel.2, mel_filters(SAMPLE_RATE, N_FFT, 80));
    assert_eq!(ggml.vocab[0], b"!");
    assert_eq!(ggml.vocab[220], b" ");
    assert_eq!(ggml.vocab[50_256], b"");
    check_names_shapes_and_types(&ggml, 1);
    check_split_matches_the_fused_source(&ggml, &ct2);
}

#[test]
fn default_model_in_bf16_is_the_pinned_file() {
    let ct2 = default_ct2();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ggml-base.bin");
    let done = convert::convert(&ct2, Weights::Bf16, &out, &mut |_, _| true).unwrap();
    assert_eq!(
        (done.sha256.as_str(), done.size, done.weights),
        (BASE_BF16_SHA256, BASE_SIZE, Weights::Bf16)
    );
    let ggml = read_ggml(&out);
    // ftype 24: GGML_FTYPE_MOSTLY_BF16.
    assert_eq!(ggml.hparams[10], 24);
    check_names_shapes_and_types(&ggml, 30);
    // Each weight is its f16 source to the nearest bf16.
    let model = convert::Ct2File::open(&ct2.join("model.bin")).unwrap();
    let source = model.get("encoder/layer_2/ffn/linear_1/weight").unwrap();
    let f16 = model.read_rows(source, 0..source.rows()).unwrap();
    let expected: Vec<u8> = f16
        .chunks_exact(2)
        .flat_map(|b| {
            let v = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
            half::bf16::from_f32(v).to_le_bytes()
        })
        .collect();
    assert_eq!(ggml.tensor("encoder.blocks.2.mlp.2.weight").data, expected);
}

/// Every tensor whisper.cpp's loader creates for base, with its dims
/// (innermost first) and type (`weights` for the weight matrices), and
/// nothing else.
fn check_names_shapes_and_types(ggml: &Ggml, weights: i32) {
    let mut expected = vec![
        (
            "encoder.positional_embedding".to_string(),
            vec![512, 1500],
            0,
        ),
        ("encoder.conv1.weight".into(), vec![3, 80, 512], 1),
        ("encoder.conv1.bias".into(), vec![1, 512], 0),
        ("encoder.conv2.weight".into(), vec![3, 512, 512], 1),
        ("encoder.conv2.bias".into(), vec![1, 512], 0),
        ("encoder.ln_post.weight".into(), vec![512], 0),
        ("encoder.ln_post.bias".into(), vec![512], 0),
        ("decoder.positional_embedding".into(), vec![512, 448], 0),
        (
            "decoder.token_embedding.weight".into(),
            vec![512, 51_865],
            weights,
        ),
        ("decoder.ln.weight".into(), vec![512], 0),
        ("decoder.ln.bias".into(), vec![512], 0),
    ];
    let block = |prefix: String, attns: &[&str]| {
        let mut t = vec![
            (format!("{prefix}.mlp.0.weight"), vec![512, 2048], weights),
            (format!("{prefix}.mlp.0.bias"), vec![2048], 0),
            (format!("{prefix}.mlp.2.weight"), vec![2048, 512], weights),
            (format!("{prefix}.mlp.2.bias"), vec![512], 0),
            (format!("{prefix}.mlp_ln.weight"), vec![512], 0),
            (format!("{prefix}.mlp_ln.bias"), vec![512], 0),
        ];
        for attn in attns {
            for w in ["query", "key", "value", "out"] {
                t.push((
                    format!("{prefix}.{attn}.{w}.weight"),
                    vec![512, 512],
                    weights,
                ));
                if w != "key" {
                    t.push((format!("{prefix}.{attn}.{w}.bias"), vec![512], 0));
                }
            }
            t.push((format!("{prefix}.{attn}_ln.weight"), vec![512], 0));
            t.push((format!("{prefix}.{attn}_ln.bias"), vec![512], 0));
        }
        t
    };
    for i in 0..6 {
        expected.extend(block(format!("encoder.blocks.{i}"), &["attn"]));
        expected.extend(block(
            format!("decoder.blocks.{i}"),
            &["attn", "cross_attn"],
        ));
    }
    let mut ours: Vec<_> = ggml
        .tensors
        .iter()
        .map(|t| (t.name.clone(), t.dims.clone(), t.ttype))
        .collect();
    expected.sort();
    ours.sort();
    assert_eq!(ours, expected);
}

/// The key projection is the middle third of the fused query/key/value
/// matrix, and the cross-attention value the second half of key/value.
fn check_split_matches_the_fused_source(ggml: &Ggml, ct2: &Path) {
    let model = convert::Ct2File::open(&ct2.join("model.bin")).unwrap();
    let fused = model
        .get("encoder/layer_3/self_attention/linear_0/weight")
        .unwrap();
    let key = model.read_rows(fused, 512..1024).unwrap();
    assert_eq!(ggml.tensor("encoder.blocks.3.attn.key.weight").data, key);
    let kv = model
        .get("decoder/layer_5/attention/linear_1/bias")
        .unwrap();
    let value = model.read_f32(kv).unwrap()[512..].to_vec();
    assert_eq!(
        ggml.tensor("decoder.blocks.5.cross_attn.value.bias")
            .values(),
        value
    );
}

#[test]
fn every_weight_type_converts_to_the_same_values() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for dtype in [F32, F16, BF16, I8] {
        let dir = tiny_model_dir(tmp.path(), dtype);
        let out = tmp.path().join(format!("tiny-{dtype}.bin"));
        let model = Ct2Whisper::open(&dir).unwrap();
        let done = model.write_ggml(&out, &mut |_, _| true).unwrap();
        assert_eq!(done.size, model.output_size(), "dtype {dtype}");
        files.push(read_ggml(&out));
    }
    let f32_file = &files[0];
    assert_eq!(f32_file.hparams, [5, 6, 8, 2, 1, 5, 8, 2, 1, 4, 1]);
    assert_eq!(
        f32_file.vocab,
        [b"a".to_vec(), b" b".to_vec(), "场".as_bytes().to_vec()]
    );
    for other in &files[1..] {
        for (a, b) in f32_file.tensors.iter().zip(&other.tensors) {
            assert_eq!((&a.name, &a.dims, a.ttype), (&b.name, &b.dims, b.ttype));
            assert_eq!(a.values(), b.values(), "{}", a.name);
        }
    }
    // Rows 8..16 of the fused projection are the key; 16..24 the value.
    let fused = "decoder/layer_0/self_attention/linear_0";
    let key: Vec<f32> = (64..128)
        .map(|i| value(&format!("{fused}/weight"), i))
        .collect();
    assert_eq!(
        f32_file.tensor("decoder.blocks.0.attn.key.weight").values(),
        key
    );
    let bias: Vec<f32> = (16..24)
        .map(|i| value(&format!("{fused}/bias"), i))
        .collect();
    assert_eq!(
        f32_file.tensor("decoder.blocks.0.attn.value.bias").values(),
        bias
    );
}

/// Asserts `err` is a `BadModel`/`Unsupported`/`Missing` naming `file` and saying `what`.
fn assert_names(err: &Error, file: &str, what: &str) {
    let message = err.to_string();
    assert!(err.is_bad_input(), "{message}");
    assert!(message.contains(file), "{message} does not name {file}");
    assert!(message.contains(what), "{message} does not say {what}");
}

#[test]
fn missing_folder_weights_or_vocabulary_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let err = run(&tmp.path().join("nowhere"), &tmp.path().join("o.bin")).unwrap_err();
    assert_names(&err, "nowhere", "missing");

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let err = run(&empty, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(&err, "empty/model.bin", "missing");

    let dir = tiny_model_dir(tmp.path(), F16);
    fs::remove_file(dir.join("vocabulary.txt")).unwrap();
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(&err, "vocabulary.json", "tokenizer.json");
    assert_eq!(
        leftovers(tmp.path(), &["nowhere", "empty", "tiny-4"]),
        Vec::<String>::new()
    );
}

#[test]
fn truncated_model_bin_is_reported_at_every_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = model_bin("WhisperSpec", &tiny_whisper(F16), &[]);
    let dir = tmp.path().join("cut");
    for cut in [
        0,
        3,
        5,
        11,
        20,
        40,
        300,
        bin.len() / 2,
        bin.len() - 5,
        bin.len() - 1,
    ] {
        write_model(&dir, &bin[..cut]);
        let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
        let want = if cut < 4 {
            "not a CTranslate2"
        } else {
            "truncated"
        };
        assert_names(&err, "cut/model.bin", want);
    }
    assert!(!tmp.path().join("o.bin").exists());
}

#[test]
fn garbage_and_other_formats_are_not_ctranslate2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("junk");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let ggml_file = [b"lmgg".as_slice(), &[0u8; 64]].concat();
    let gguf = [b"GGUF".as_slice(), &3u32.to_le_bytes(), &[0u8; 64]].concat();
    for bytes in [noise, ggml_file, gguf, b"{\"not\": \"a model\"}".to_vec()] {
        write_model(&dir, &bytes);
        let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
        assert_names(&err, "junk/model.bin", "CTranslate2");
    }
}

#[test]
fn a_model_of_another_architecture_is_not_whisper() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nmt");
    write_model(&dir, &model_bin("TransformerSpec", &tiny_whisper(F16), &[]));
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert_names(&err, "nmt/model.bin", "TransformerSpec model, not Whisper");

    let mut vars = tiny_whisper(F16);
    vars.retain(|v| !v.name.starts_with("decoder/layer_0/attention/"));
    write_model(&dir, &model_bin("WhisperSpec", &vars, &[]));
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(
        &err,
        "nmt/model.bin",
        "no variable decoder/layer_0/attention/linear_0/weight",
    );
}

#[test]
fn unsupported_weight_type_and_old_versions_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("odd");
    let mut vars = tiny_whisper(F16);
    let ffn = vars
        .iter_mut()
        .find(|v| v.name == "encoder/layer_0/ffn/linear_0/weight")
        .unwrap();
    ffn.dtype = I32;
    ffn.data = [ffn.data.clone(), ffn.data.clone()].concat();
    write_model(&dir, &model_bin("WhisperSpec", &vars, &[]));
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert_names(&err, "odd/model.bin", "unsupported dtype int32");
    assert!(!tmp.path().join("o.bin").exists());
    assert_eq!(
        leftovers(tmp.path(), &["odd"]),
        Vec::<String>::new(),
        "no temporary file is left"
    );

    let mut old = model_bin("WhisperSpec", &tiny_whisper(F16), &[]);
    old[..4].copy_from_slice(&3u32.to_le_bytes());
    write_model(&dir, &old);
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(&err, "odd/model.bin", "binary version 3 is too old");
}

#[test]
fn a_vocabulary_that_does_not_fit_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_model_dir(tmp.path(), F16);
    fs::write(dir.join("vocabulary.txt"), "a\nb\nc\nd\ne\n").unwrap();
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(&err, "vocabulary.txt", "<|endoftext|>");
    fs::write(dir.join("vocabulary.txt"), "a\n<|endoftext|>\n").unwrap();
    let err = run(&dir, &tmp.path().join("o.bin")).unwrap_err();
    assert_names(
        &err,
        "vocabulary.txt",
        "do not fit the model's 5 embeddings",
    );
}

#[test]
fn a_cancelled_conversion_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_model_dir(tmp.path(), F16);
    let out = tmp.path().join("o.bin");
    let model = Ct2Whisper::open(&dir).unwrap();
    let err = model.write_ggml(&out, &mut |_, _| false).unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(leftovers(tmp.path(), &["tiny-4"]), Vec::<String>::new());
}

#[test]
fn vocabulary_json_txt_and_tokenizer_json_give_the_same_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_model_dir(tmp.path(), F16);
    let from_txt = Ct2Whisper::open(&dir).unwrap().vocabulary().tokens.clone();
    fs::remove_file(dir.join("vocabulary.txt")).unwrap();
    let list: Vec<String> = VOCAB.iter().map(|t| t.to_string()).collect();
    fs::write(
        dir.join("vocabulary.json"),
        serde_json::to_string(&list).unwrap(),
    )
    .unwrap();
    let from_json = Ct2Whisper::open(&dir).unwrap().vocabulary().tokens.clone();
    fs::remove_file(dir.join("vocabulary.json")).unwrap();
    let tokenizer = serde_json::json!({
        "model": {"type": "BPE", "vocab": {"a": 0, "Ġb": 1, "åľº": 2}},
        "added_tokens": [{"id": 3, "content": "<|endoftext|>"}],
    });
    fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    let from_tokenizer = Ct2Whisper::open(&dir).unwrap().vocabulary().tokens.clone();
    assert_eq!(
        from_txt,
        [b"a".to_vec(), b" b".to_vec(), "场".as_bytes().to_vec()]
    );
    assert_eq!(from_json, from_txt);
    assert_eq!(from_tokenizer, from_txt);
}
