//! Built-in chat templates, for GGUF files without a usable
//! `tokenizer.chat_template`: ChatML, Llama 3, Gemma and Llama 2's `[INST]`.
//!
//! The family is told by the vocabulary's turn markers first (a llama-arch
//! SmolLM2 speaks ChatML), then by the architecture. These are the plain
//! published formats: no default system prompt, no tools.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;

/// A built-in template: its name (for `Debug` and errors) and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    pub source: &'static str,
}

/// `<|im_start|>role\ncontent<|im_end|>\n`: Qwen, SmolLM2, many others.
pub const CHATML: Builtin = Builtin {
    name: "chatml",
    source: "{% for message in messages %}\
             {{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}\
             {% endfor %}\
             {% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
};

/// Llama 3's headers; `bos_token` is `<|begin_of_text|>`.
pub const LLAMA3: Builtin = Builtin {
    name: "llama3",
    source: "{{ bos_token }}{% for message in messages %}\
             {{ '<|start_header_id|>' + message.role + '<|end_header_id|>\\n\\n' \
                + message.content | trim + '<|eot_id|>' }}\
             {% endfor %}\
             {% if add_generation_prompt %}\
             {{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
};

/// Gemma's turns. Gemma has no system role: the system message goes in
/// front of the first user turn, as Google's own template does.
pub const GEMMA: Builtin = Builtin {
    name: "gemma",
    source: "{{ bos_token }}\
             {% if messages and messages[0].role == 'system' %}\
             {% set prefix = messages[0].content | trim + '\\n\\n' %}\
             {% set messages = messages[1:] %}\
             {% else %}{% set prefix = '' %}{% endif %}\
             {% for message in messages %}\
             {{ '<start_of_turn>' + ('model' if message.role == 'assistant' else message.role) + '\\n' \
                + (prefix if loop.first else '') + message.content | trim + '<end_of_turn>\\n' }}\
             {% endfor %}\
             {% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}",
};

/// Llama 2 chat's `[INST]`, the system message in a `<<SYS>>` block of the
/// first user turn. Mistral reads it too (its own GGUFs carry a template).
pub const INST: Builtin = Builtin {
    name: "llama2",
    source: "{% if messages and messages[0].role == 'system' %}\
             {% set system = '<<SYS>>\\n' + messages[0].content | trim + '\\n<</SYS>>\\n\\n' %}\
             {% set messages = messages[1:] %}\
             {% else %}{% set system = '' %}{% endif %}\
             {% for message in messages %}\
             {% if message.role == 'user' %}\
             {{ bos_token + '[INST] ' + (system if loop.first else '') + message.content | trim + ' [/INST]' }}\
             {% else %}{{ ' ' + message.content | trim + ' ' + eos_token }}{% endif %}\
             {% endfor %}",
};

/// The built-in template for a model: by its vocabulary's turn markers,
/// else by `general.architecture`.
pub fn for_model(metadata: &HashMap<String, Value>, tokens: &[&str]) -> Builtin {
    let has = |marker: &str| tokens.contains(&marker);
    if has("<|im_start|>") {
        return CHATML;
    }
    if has("<|start_header_id|>") {
        return LLAMA3;
    }
    if has("<start_of_turn>") {
        return GEMMA;
    }
    let arch = metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .map_or("", String::as_str);
    match arch {
        "qwen2" | "qwen3" => CHATML,
        "gemma" | "gemma2" | "gemma3" => GEMMA,
        _ => INST,
    }
}
