//! The built-in templates, the fallback rules, and the Jinja features HF
//! templates lean on, on small synthetic metadata. SmolLM2's own template
//! is checked against transformers in `tests/generate.rs`.

use super::*;

fn metadata(arch: &str, tokens: &[&str], bos: u32, eos: u32) -> HashMap<String, GgufValue> {
    let tokens = tokens
        .iter()
        .map(|t| GgufValue::String(t.to_string()))
        .collect();
    HashMap::from([
        (
            "general.architecture".into(),
            GgufValue::String(arch.into()),
        ),
        ("tokenizer.ggml.tokens".into(), GgufValue::Array(tokens)),
        ("tokenizer.ggml.bos_token_id".into(), GgufValue::U32(bos)),
        ("tokenizer.ggml.eos_token_id".into(), GgufValue::U32(eos)),
    ])
}

fn with_template(
    mut metadata: HashMap<String, GgufValue>,
    source: &str,
) -> HashMap<String, GgufValue> {
    metadata.insert(
        "tokenizer.chat_template".into(),
        GgufValue::String(source.into()),
    );
    metadata
}

fn template(metadata: &HashMap<String, GgufValue>) -> ChatTemplate {
    ChatTemplate::from_gguf("test", metadata).expect("a template")
}

fn conversation() -> Vec<Message> {
    vec![
        Message::system("Be brief."),
        Message::user("Hi"),
        Message::assistant("Hello."),
        Message::user("Bye"),
    ]
}

#[test]
fn chatml_for_a_vocabulary_with_im_start() {
    let t = template(&metadata(
        "llama",
        &["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        1,
        2,
    ));
    assert_eq!(t.origin(), "chatml");
    let prompt = t.render(&conversation()).expect("renders");
    assert_eq!(
        prompt,
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n\
         <|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n\
         <|im_start|>assistant\n"
    );
}

#[test]
fn llama3_for_a_vocabulary_with_header_markers() {
    let tokens = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|start_header_id|>",
        "<|eot_id|>",
    ];
    let t = template(&metadata("llama", &tokens, 0, 1));
    assert_eq!(t.origin(), "llama3");
    let prompt = t.render(&conversation()[..2]).expect("renders");
    assert_eq!(
        prompt,
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>\
         <|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>\
         <|start_header_id|>assistant<|end_header_id|>\n\n"
    );
}

#[test]
fn gemma_puts_the_system_message_in_the_first_user_turn() {
    let t = template(&metadata(
        "gemma3",
        &["<pad>", "<eos>", "<bos>", "<start_of_turn>"],
        2,
        1,
    ));
    assert_eq!(t.origin(), "gemma");
    let prompt = t.render(&conversation()).expect("renders");
    assert_eq!(
        prompt,
        "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n\
         <start_of_turn>model\nHello.<end_of_turn>\n\
         <start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n"
    );
    let prompt = t.render(&[Message::user(" Hi ")]).expect("renders");
    assert_eq!(
        prompt,
        "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
    );
}

#[test]
fn llama2_inst_for_a_plain_llama_vocabulary() {
    let t = template(&metadata("llama", &["<unk>", "<s>", "</s>"], 1, 2));
    assert_eq!(t.origin(), "llama2");
    let prompt = t.render(&conversation()).expect("renders");
    assert_eq!(
        prompt,
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]"
    );
    let prompt = t.render(&[Message::user("Hi")]).expect("renders");
    assert_eq!(prompt, "<s>[INST] Hi [/INST]");
}

#[test]
fn the_architecture_decides_when_the_vocabulary_has_no_markers() {
    assert_eq!(
        template(&metadata("qwen2", &["a"], 0, 0)).origin(),
        "chatml"
    );
    assert_eq!(
        template(&metadata("qwen3", &["a"], 0, 0)).origin(),
        "chatml"
    );
    assert_eq!(
        template(&metadata("gemma3", &["a"], 0, 0)).origin(),
        "gemma"
    );
    assert_eq!(
        template(&metadata("mistral", &["a"], 0, 0)).origin(),
        "llama2"
    );
}

#[test]
fn the_gguf_template_wins_when_it_works() {
    let source = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}\
                  {% if add_generation_prompt %}<assistant>{% endif %}";
    let t = template(&with_template(
        metadata("llama", &["<s>", "</s>"], 0, 1),
        source,
    ));
    assert_eq!(t.origin(), "gguf");
    assert_eq!(
        t.render(&[Message::user("Hi")]).expect("renders"),
        "<s><user>Hi<assistant>"
    );
}

#[test]
fn a_broken_gguf_template_falls_back_to_the_builtin_one() {
    let base = metadata("qwen2", &["<|im_start|>"], 0, 0);
    let unparsable = template(&with_template(base.clone(), "{% for m in messages %}"));
    assert_eq!(unparsable.origin(), "chatml");
    let raising = template(&with_template(base, "{{ raise_exception('never works') }}"));
    assert_eq!(raising.origin(), "chatml");
    let debug = format!("{raising:?}");
    assert!(debug.contains("never works"), "{debug}");
}

#[test]
fn a_template_without_a_system_role_gets_it_in_the_first_user_message() {
    let source = "{% for m in messages %}\
                  {% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}\
                  [{{ m.role }}:{{ m.content }}]{% endfor %}";
    let t = template(&with_template(metadata("llama", &["<s>"], 0, 0), source));
    assert_eq!(t.origin(), "gguf");
    let prompt = t.render(&conversation()[..2]).expect("renders");
    assert_eq!(prompt, "[user:Be brief.\n\nHi]");
}

#[test]
fn a_template_error_names_the_model_and_the_reason() {
    let source =
        "{% if messages | length > 1 %}{{ raise_exception('one message only') }}{% endif %}";
    let t = template(&with_template(metadata("llama", &["<s>"], 0, 0), source));
    let err = t
        .render(&[Message::user("a"), Message::user("b")])
        .expect_err("raises");
    let text = err.to_string();
    assert!(
        text.contains("'test'") && text.contains("one message only"),
        "{text}"
    );
}

#[test]
fn python_methods_loop_controls_and_hf_globals_work() {
    let source = "{% for m in messages %}{% if m.content.startswith('skip') %}{% continue %}{% endif %}\
                  {{ m.content.strip().upper() }}|{% endfor %}\
                  {{ tools is none }}|{{ strftime_now('%Y') | length }}|{{ [1, 2] | tojson }}";
    let t = template(&with_template(metadata("llama", &["<s>"], 0, 0), source));
    assert_eq!(t.origin(), "gguf");
    let messages = [
        Message::user("  a "),
        Message::user("skip me"),
        Message::user("b"),
    ];
    assert_eq!(t.render(&messages).expect("renders"), "A|B|True|4|[1, 2]");
}

#[test]
fn block_tags_trim_like_transformers() {
    let source = "{% for m in messages %}\n    {% if true %}\n{{ m.content }}\n    {% endif %}\n{% endfor %}\n";
    let t = template(&with_template(metadata("llama", &["<s>"], 0, 0), source));
    assert_eq!(t.render(&[Message::user("Hi")]).expect("renders"), "Hi\n");
}

#[test]
fn strftime_formats_a_known_date() {
    // 2024-07-26 01:01:01 UTC.
    let seconds = 1_721_952_000 + 3661;
    assert_eq!(strftime("%d %b %Y", seconds), "26 Jul 2024");
    assert_eq!(
        strftime("%B %d, %y %H:%M:%S %% %j", seconds),
        "July 26, 24 01:01:01 % %j"
    );
    assert_eq!(civil_date(0), (1970, 1, 1));
    assert_eq!(civil_date(19_782), (2024, 2, 29));
}

/// What Qwen3's and Llama 3.1's templates do: a namespace set in a
/// reversed loop, `is string`, `split(..)[-1]`, `selectattr`, a default
/// `date_string`, `tools is not none`. Expected output from Python's jinja2
/// (transformers' environment) on the same template and messages.
#[test]
fn qwen3_and_llama31_constructs_render_like_jinja2() {
    let source = "{%- set ns = namespace(last_query=messages|length - 1) %}\n\
        {%- for message in messages[::-1] %}\n\
        \x20   {%- set index = (messages|length - 1) - loop.index0 %}\n\
        \x20   {%- if message.role == \"user\" and not message.content.startswith('<tool_response>') \
                    and ns.last_query == messages|length - 1 %}\n\
        \x20       {%- set ns.last_query = index %}\n\
        \x20   {%- endif %}\n\
        {%- endfor %}\n\
        {{- ns.last_query }}|\n\
        {%- for m in messages %}\n\
        \x20   {%- if m.content is string %}{{ m.content.split('</think>')[-1].lstrip('\\n') }};{% endif %}\n\
        {%- endfor %}|{{ messages | selectattr('role', 'equalto', 'user') | list | length }}\
        |{{ messages[-1]['role'] }}\n\
        {%- if not date_string is defined %}{% set date_string = \"26 Jul 2024\" %}{% endif %}\
        |{{ date_string }}|{{ tools is not none }}";
    let t = template(&with_template(
        metadata("qwen3", &["<|im_start|>"], 0, 0),
        source,
    ));
    assert_eq!(t.origin(), "gguf");
    let messages = [
        Message::user("q1"),
        Message::assistant("<think>x</think>\n\nA1"),
        Message::user("<tool_response>r</tool_response>"),
    ];
    assert_eq!(
        t.render(&messages).expect("renders"),
        "0|q1;A1;<tool_response>r</tool_response>;|2|user|26 Jul 2024|False"
    );
}
