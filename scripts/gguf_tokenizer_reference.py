#!/usr/bin/env python3
"""Reference token ids and chat prompts for crates/whisker-models/tests/generate.rs.

Token ids come from llama.cpp (llama-cpp-python, vocabulary only, special
tokens parsed in the text, no BOS), the tokenizer the GGUF file is made for.
Prompts come from transformers' apply_chat_template(add_generation_prompt=True)
on the template in the GGUF metadata (transformers reads it from the file).

Run it in a throw-away venv (not committed):

    python3 -m venv /tmp/tokvenv
    /tmp/tokvenv/bin/pip install llama-cpp-python gguf "transformers<5" jinja2
    /tmp/tokvenv/bin/python scripts/gguf_tokenizer_reference.py \
        models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf \
        crates/whisker-models/tests/fixtures/smollm2_reference.json

transformers insists on torch to open a GGUF even when it only reads the
metadata; this script tells it torch is there, which holds for that path.
"""

import hashlib
import json
import os
import sys

TEXTS = [
    "",
    "Hello, world! How are you today?",
    "The quick brown fox jumps over the lazy dog 1234567890.",
    "I'm sure they'll say it's 'fine', we've done it. DON'T",
    "中文混合 English text，还有标点。价格是 42 元",
    "日本語とカタカナ、한국어도",
    "Ünïcödé café naïve résumé — “quotes” … ½ ²",
    "emoji 🙂🐈‍⬛ and 👍🏽!",
    'fn main() {\n    println!("{}", x + 1);\n}\n',
    "   leading and   multiple    spaces   ",
    "tabs\tand\r\nwindows newlines\n\n\nthree\n",
    "x=3.14159; y = 1e-10; url: https://example.com/a?b=c&d=e",
    "<|im_start|>user\nhi<|im_end|>\n",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat's 2+2?<|im_end|>\n"
    "<|im_start|>assistant\n",
    "<|endoftext|><|im_start|><|im_start|",
    "<file_sep>a<repo_name>",
]

CONVERSATIONS = [
    [
        {"role": "system", "content": "You are a concise assistant. Cite passages as [1]."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Name three colours.\n"},
    ],
    [
        {"role": "system", "content": "Answer in Chinese."},
        {"role": "user", "content": "What is 向量检索?"},
        {"role": "assistant", "content": "向量检索是……"},
        {"role": "user", "content": "  And BM25?  "},
    ],
]


def token_ids(gguf_path):
    from llama_cpp import Llama

    llm = Llama(model_path=gguf_path, vocab_only=True, verbose=False)
    cases = []
    for text in TEXTS:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        cases.append({"text": text, "ids": ids})
    return cases


def prompts(gguf_path):
    import transformers.modeling_gguf_pytorch_utils as gguf_utils
    from transformers import AutoTokenizer

    gguf_utils.is_torch_available = lambda: True  # metadata only: no tensors
    directory, name = os.path.split(os.path.abspath(gguf_path))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    cases = []
    for messages in CONVERSATIONS:
        prompt = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        cases.append({"messages": messages, "prompt": prompt})
    return cases


def main():
    gguf_path, out = sys.argv[1], sys.argv[2]
    import llama_cpp
    import transformers

    with open(gguf_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    fixture = {
        "note": (
            f"Made by scripts/gguf_tokenizer_reference.py from {os.path.basename(gguf_path)} "
            f"(sha256 {sha[:8]}...): token ids from llama.cpp via llama-cpp-python "
            f"{llama_cpp.__version__} (vocab_only, special=True, add_bos=False); prompts from "
            f"transformers {transformers.__version__} apply_chat_template(add_generation_prompt=True)."
        ),
        "gguf_sha256": sha,
        "tokens": token_ids(gguf_path),
        "templates": prompts(gguf_path),
    }
    with open(out, "w", encoding="utf-8") as f:
        f.write(dumps(fixture))


def dumps(fixture):
    """JSON with one case a line, so diffs show which case changed."""
    line = lambda value: json.dumps(value, ensure_ascii=False)
    head = {k: v for k, v in fixture.items() if k not in ("tokens", "templates")}
    parts = [f" {line(k)}: {line(v)}" for k, v in head.items()]
    for key in ("tokens", "templates"):
        cases = ",\n".join(f"  {line(case)}" for case in fixture[key])
        parts.append(f" {line(key)}: [\n{cases}\n ]")
    return "{\n" + ",\n".join(parts) + "\n}\n"


if __name__ == "__main__":
    main()
