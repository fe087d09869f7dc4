//! Text generation pieces on the real SmolLM2-135M-Instruct GGUF: the
//! tokenizer built from its vocabulary against llama.cpp's token ids, and
//! its chat template against transformers' `apply_chat_template`
//! (`tests/fixtures/smollm2_reference.json`, made by
//! `scripts/gguf_tokenizer_reference.py`).
//!
//! Needs the model in `models/smollm2-135m-instruct-q4_1` at the workspace
//! root (or `$WHISKER_MODELS_DIR/smollm2-135m-instruct-q4_1`):
//! `make models` puts it there.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use candle_core::quantized::gguf_file;
use serde::Deserialize;
use whisker_models::generate::Message;

const MODEL: &str = "smollm2-135m-instruct-q4_1";
const FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

fn gguf_path() -> PathBuf {
    let dir = match std::env::var_os("WHISKER_MODELS_DIR") {
        Some(dir) => PathBuf::from(dir).join(MODEL),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../models")
            .join(MODEL),
    };
    dir.join(FILE)
}

/// The GGUF metadata (the vocabulary and template; no weights), read once.
fn metadata() -> &'static HashMap<String, gguf_file::Value> {
    static METADATA: OnceLock<HashMap<String, gguf_file::Value>> = OnceLock::new();
    METADATA.get_or_init(|| {
        let path = gguf_path();
        assert!(
            path.is_file(),
            "{} is missing: run `make models` to install {MODEL} \
             (or set WHISKER_MODELS_DIR to a folder that holds {MODEL}/)",
            path.display()
        );
        let mut file = std::fs::File::open(&path).expect("opens");
        gguf_file::Content::read(&mut file)
            .expect("a GGUF file")
            .metadata
    })
}

#[derive(Deserialize)]
struct Reference {
    tokens: Vec<TokenCase>,
    #[serde(default)]
    templates: Vec<TemplateCase>,
}

#[derive(Deserialize)]
struct TokenCase {
    text: String,
    ids: Vec<u32>,
}

#[derive(Deserialize)]
struct TemplateCase {
    messages: Vec<Message>,
    prompt: String,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smollm2_reference.json");
        let text = std::fs::read_to_string(&path).expect("the fixture is readable");
        serde_json::from_str(&text).expect("the fixture parses")
    })
}

mod tokenizer {
    use super::*;
    use tokenizers::Tokenizer;
    use whisker_models::generate::load_tokenizer;

    /// Built from the GGUF vocabulary: the test folder has no tokenizer.json.
    fn tokenizer() -> &'static Tokenizer {
        static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
        TOKENIZER.get_or_init(|| {
            let path = gguf_path();
            assert!(
                !path.with_file_name("tokenizer.json").exists(),
                "a tokenizer.json beside the GGUF would hide the GGUF vocabulary"
            );
            load_tokenizer(MODEL, &path, metadata()).expect("the tokenizer builds")
        })
    }

    fn encode(text: &str) -> Vec<u32> {
        let encoding = tokenizer().encode_fast(text, false).expect("encodes");
        encoding.get_ids().to_vec()
    }

    #[test]
    fn ids_match_llama_cpp() {
        for case in &reference().tokens {
            assert_eq!(encode(&case.text), case.ids, "ids of {:?}", case.text);
        }
    }

    #[test]
    fn decode_of_encode_is_the_text() {
        for case in &reference().tokens {
            let ids = encode(&case.text);
            let text = tokenizer().decode(&ids, false).expect("decodes");
            assert_eq!(text, case.text);
        }
    }

    #[test]
    fn chatml_markers_are_single_special_ids() {
        assert_eq!(encode("<|im_start|>"), [1]);
        assert_eq!(encode("<|im_end|>"), [2]);
        assert_eq!(encode("<|endoftext|>"), [0]);
        assert_eq!(tokenizer().token_to_id("<|im_end|>"), Some(2));
        // Half a marker is ordinary text.
        assert!(encode("<|im_start|").len() > 1);
    }

    #[test]
    fn special_tokens_are_skipped_when_decoding() {
        let ids = encode("<|im_start|>assistant\nHi there!<|im_end|>\n");
        let text = tokenizer().decode(&ids, true).expect("decodes");
        assert_eq!(text, "assistant\nHi there!\n");
    }

    /// A small SentencePiece vocabulary (tokenizer model `llama`) in a
    /// vocab-only GGUF, against llama.cpp: see `scripts/spm_gguf_fixture.py`.
    #[test]
    fn sentencepiece_gguf_ids_match_llama_cpp() {
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let path = fixtures.join("spm_tiny.gguf");
        let mut file = std::fs::File::open(&path).expect("opens");
        let metadata = gguf_file::Content::read(&mut file)
            .expect("a GGUF")
            .metadata;
        let tokenizer = load_tokenizer("spm-tiny", &path, &metadata).expect("builds");
        let text =
            std::fs::read_to_string(fixtures.join("spm_tiny_reference.json")).expect("reads");
        let reference: Reference = serde_json::from_str(&text).expect("parses");
        for case in &reference.tokens {
            let encoding = tokenizer
                .encode_fast(case.text.as_str(), false)
                .expect("encodes");
            assert_eq!(encoding.get_ids(), case.ids, "ids of {:?}", case.text);
            // Like llama.cpp, text after an added token gets its own `▁`
            // prefix, which decodes as a space: only plain text round-trips.
            if !case.text.contains('<') {
                let decoded = tokenizer
                    .decode(encoding.get_ids(), false)
                    .expect("decodes");
                assert_eq!(decoded, case.text);
            }
        }
    }

    #[test]
    fn digits_are_one_token_each() {
        // SmolLM's pre-tokenizer splits every digit; GPT-2's would not.
        let ids = encode("2024");
        assert_eq!(ids.len(), 4, "{ids:?}");
    }
}

mod template {
    use super::*;
    use whisker_models::generate::ChatTemplate;

    fn template() -> ChatTemplate {
        ChatTemplate::from_gguf(MODEL, metadata()).expect("a template")
    }

    #[test]
    fn the_gguf_template_is_used() {
        assert_eq!(template().origin(), "gguf");
    }

    #[test]
    fn renders_like_transformers() {
        let template = template();
        for case in &reference().templates {
            let prompt = template.render(&case.messages).expect("renders");
            assert_eq!(prompt, case.prompt, "for {:?}", case.messages);
        }
    }

    #[test]
    fn the_prompt_opens_the_assistant_turn() {
        let prompt = template().render(&[Message::user("Hi")]).expect("renders");
        assert!(prompt.ends_with("<|im_start|>assistant\n"), "{prompt:?}");
    }
}
