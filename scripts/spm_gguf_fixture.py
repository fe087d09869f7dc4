#!/usr/bin/env python3
"""A tiny SentencePiece GGUF vocabulary and llama.cpp's ids for it, for
crates/whisker-models/tests/generate.rs (the `llama` tokenizer path).

Trains a small SentencePiece BPE model with byte fallback (as Llama 2 and
Mistral have) on the Markdown samples in samples/, writes its vocabulary as a
vocab-only GGUF (tokenizer.ggml.model = "llama": tokens, scores, token types),
then tokenizes test strings with llama.cpp (llama-cpp-python, vocab_only,
special=True, add_bos=False). Run in a throw-away venv (not committed):

    /tmp/tokvenv/bin/pip install sentencepiece gguf llama-cpp-python
    /tmp/tokvenv/bin/python scripts/spm_gguf_fixture.py crates/whisker-models/tests/fixtures
"""

import io
import json
import os
import sys

TEXTS = [
    "Hello world",
    "The Debian maintainers guide explains how to build a package.",
    "Debian 是一个自由的操作系统，会议纪要在这里。",
    "  two leading spaces and a trailing one ",
    "line one\nline two\n\n\ttabbed",
    "emoji 🙂 and rare ж letters",
    "<s>hello</s> and <tool>call</tool>",
    "1234567890 3.14",
]


def train(sample_dir):
    import sentencepiece as spm

    text = []
    for name in sorted(os.listdir(sample_dir)):
        if name.endswith(".md"):
            with open(os.path.join(sample_dir, name), encoding="utf-8") as f:
                text.extend(line.strip() for line in f if line.strip())
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text),
        model_writer=model,
        model_type="bpe",
        vocab_size=1200,
        byte_fallback=True,
        character_coverage=0.98,
        user_defined_symbols=["<tool>", "</tool>"],
        split_digits=True,
        allow_whitespace_only_pieces=True,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_proto=model.getvalue())


def token_type(sp, i):
    # llama.cpp's types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_byte(i):
        return 6
    if sp.is_unused(i):
        return 5
    piece = sp.id_to_piece(i)
    return 4 if piece in ("<tool>", "</tool>") else 1


def write_gguf(sp, path):
    import gguf

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name("whisker spm fixture")
    writer.add_context_length(64)
    writer.add_embedding_length(8)
    writer.add_block_count(1)
    writer.add_feed_forward_length(8)
    writer.add_head_count(1)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("llama")
    n = sp.get_piece_size()
    writer.add_token_list([sp.id_to_piece(i) for i in range(n)])
    writer.add_token_scores([sp.get_score(i) for i in range(n)])
    writer.add_token_types([token_type(sp, i) for i in range(n)])
    writer.add_bos_token_id(sp.bos_id())
    writer.add_eos_token_id(sp.eos_id())
    writer.add_unk_token_id(sp.unk_id())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    out_dir = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sp = train(os.path.join(root, "samples"))
    gguf_path = os.path.join(out_dir, "spm_tiny.gguf")
    write_gguf(sp, gguf_path)

    import llama_cpp

    llm = llama_cpp.Llama(model_path=gguf_path, vocab_only=True, verbose=False)
    cases = []
    for text in TEXTS:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        cases.append({"text": text, "ids": ids, "sentencepiece": sp.encode(text)})
    note = (
        "Made by scripts/spm_gguf_fixture.py: a 1200-piece SentencePiece BPE model (byte "
        "fallback) trained on samples/*.md, written as spm_tiny.gguf; ids from llama.cpp "
        f"via llama-cpp-python {llama_cpp.__version__} (vocab_only, special=True, "
        "add_bos=False); 'sentencepiece' is SentencePiece's own encoding, for comparison."
    )
    line = lambda value: json.dumps(value, ensure_ascii=False)
    with open(os.path.join(out_dir, "spm_tiny_reference.json"), "w", encoding="utf-8") as f:
        body = ",\n".join(f"  {line(case)}" for case in cases)
        f.write(f'{{\n "note": {line(note)},\n "tokens": [\n{body}\n ]\n}}\n')


if __name__ == "__main__":
    main()
