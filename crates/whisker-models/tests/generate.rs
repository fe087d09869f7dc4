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

/// The generator itself on the real model: greedy replies repeat, every way
/// a reply ends is reported, streaming never splits a character, a session
/// can alternate fed and generated text, and bad input is an error.
mod generator {
    use std::sync::OnceLock;

    use whisker_models::generate::{Finish, Flow, GenerateParams, Generator, Message};

    fn generator() -> &'static Generator {
        static GENERATOR: OnceLock<Generator> = OnceLock::new();
        GENERATOR.get_or_init(|| {
            super::metadata(); // says how to install the model if it is missing
            Generator::load(super::MODEL, &super::gguf_path()).expect("the model loads")
        })
    }

    fn greedy(max_tokens: usize) -> GenerateParams {
        GenerateParams {
            max_tokens,
            temperature: 0.0,
            ..GenerateParams::default()
        }
    }

    fn chat(
        question: &str,
        params: &GenerateParams,
    ) -> (String, whisker_models::generate::Generation) {
        let mut streamed = String::new();
        let reply = generator()
            .chat(&[Message::user(question)], params, &mut |piece| {
                streamed.push_str(piece);
                Flow::Continue
            })
            .expect("a reply");
        (streamed, reply)
    }

    #[test]
    fn greedy_replies_repeat_and_stream_what_they_return() {
        let (streamed, first) = chat("What is the capital of France?", &greedy(24));
        let (_, second) = chat("What is the capital of France?", &greedy(24));
        assert_eq!(first.text, second.text);
        assert_eq!(streamed, first.text);
        assert!(first.text.contains("Paris"), "{}", first.text);
        assert!(first.prompt_tokens > 10);
        assert!(matches!(first.finish, Finish::Eos | Finish::Length));
    }

    #[test]
    fn max_tokens_and_stop_strings_end_the_reply() {
        let (_, reply) = chat("Count from 1 to 50, separated by commas.", &greedy(8));
        assert_eq!(reply.finish, Finish::Length);
        assert_eq!(reply.tokens, 8);

        let params = GenerateParams {
            stop: vec!["5".into()],
            ..greedy(200)
        };
        let (streamed, reply) = chat("Count from 1 to 50, separated by commas.", &params);
        assert_eq!(reply.finish, Finish::Stop, "{}", reply.text);
        assert!(!reply.text.contains('5'), "{}", reply.text);
        assert_eq!(streamed, reply.text);
    }

    #[test]
    fn the_callback_cancels_at_any_token() {
        let mut pieces = 0;
        let reply = generator()
            .chat(
                &[Message::user("Write a long story about a cat.")],
                &greedy(200),
                &mut |_| {
                    pieces += 1;
                    if pieces == 3 {
                        Flow::Stop
                    } else {
                        Flow::Continue
                    }
                },
            )
            .unwrap();
        assert_eq!(reply.finish, Finish::Cancelled);
        assert!(reply.tokens <= 6, "{} tokens", reply.tokens);
    }

    #[test]
    fn chinese_streams_in_whole_characters() {
        let (streamed, reply) = chat("Translate into Chinese: I like green tea.", &greedy(40));
        assert_eq!(streamed, reply.text);
        assert!(!reply.text.contains('\u{FFFD}'), "{}", reply.text);
    }

    #[test]
    fn a_session_alternates_forced_and_generated_text() {
        let g = generator();
        let mut session = g.session();
        session
            .feed(
                &g.prompt(&[Message::user("Give a JSON object with a colour name.")])
                    .unwrap(),
            )
            .unwrap();
        session.feed("{\"colour\": \"").unwrap();
        let params = GenerateParams {
            stop: vec!["\"".into()],
            ..greedy(12)
        };
        let colour = session.generate(&params, &mut |_| Flow::Continue).unwrap();
        assert!(!colour.text.contains('"'));
        assert!(!colour.text.trim().is_empty());
        session.feed("\", \"shade\": \"").unwrap();
        let shade = session.generate(&params, &mut |_| Flow::Continue).unwrap();
        assert!(!shade.text.contains('"'));
        assert!(session.len() > colour.prompt_tokens);
    }

    /// The second of two replies that share a system prompt reads only
    /// what differs, and says the same as a model that never answered the
    /// first (its own generator, so no other test touches its cache).
    #[test]
    fn a_shared_prompt_start_is_read_once_and_changes_nothing() {
        let load = || {
            super::metadata();
            Generator::load(super::MODEL, &super::gguf_path()).expect("the model loads")
        };
        let system = Message::system(
            "You are a helpful assistant. Answer in one short sentence, \
             using only what you know for certain.",
        );
        let ask = |g: &Generator, question: &str| {
            g.chat(
                &[system.clone(), Message::user(question)],
                &greedy(24),
                &mut |_| Flow::Continue,
            )
            .expect("a reply")
        };
        let warm = load();
        let first = ask(&warm, "What is the capital of France?");
        assert_eq!(first.reused_tokens, 0, "nothing cached yet");
        let second = ask(&warm, "What is the capital of Italy?");
        assert!(
            second.reused_tokens > 20 && second.reused_tokens < second.prompt_tokens,
            "{} of {} prompt tokens reused",
            second.reused_tokens,
            second.prompt_tokens
        );
        let again = ask(&warm, "What is the capital of Italy?");
        assert_eq!(
            again.reused_tokens,
            again.prompt_tokens - 1,
            "all but the last"
        );

        let cold = load();
        let alone = ask(&cold, "What is the capital of Italy?");
        assert_eq!(alone.reused_tokens, 0);
        assert_eq!(second.text, alone.text);
        assert_eq!(again.text, alone.text);
        assert!(alone.text.contains("Rome"), "{}", alone.text);
    }

    #[test]
    fn a_prompt_longer_than_the_context_window_is_an_error() {
        let g = generator();
        let long = "word ".repeat(g.context_len() + 10);
        let error = g
            .chat(&[Message::user(long)], &greedy(4), &mut |_| Flow::Continue)
            .unwrap_err();
        assert!(error.to_string().contains("context window"), "{error}");
        // The model is still usable afterwards.
        let (_, reply) = chat("Say hi.", &greedy(4));
        assert!(reply.tokens > 0);
    }

    #[test]
    fn a_file_that_is_not_gguf_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fake.gguf");
        std::fs::write(&path, b"this is not a model").unwrap();
        let error = Generator::load("fake", &path).unwrap_err();
        assert!(
            error.to_string().contains("not a readable GGUF file"),
            "{error}"
        );
        let error = Generator::load("missing", &dir.path().join("missing.gguf")).unwrap_err();
        assert!(error.to_string().contains("missing.gguf"), "{error}");
    }
}
