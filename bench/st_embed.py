#!/usr/bin/env python3
"""sentence-transformers (PyTorch) side of the embedding benchmark.

Runs all-MiniLM-L6-v2 from Whisker's own model folder (config.json,
model.safetensors, tokenizer.json: the same files the Rust side loads), built
explicitly as Transformer(max_seq_length=256) -> mean Pooling -> Normalize,
which is what the model's sentence-transformers config (modules.json,
1_Pooling, sentence_bert_config.json) describes. No network: HF_HUB_OFFLINE=1.

  st_embed.py bench --model-dir models/all-minilm-l6-v2 --corpus corpus.jsonl \
      --n 1000 --threads 2 --batch-size 32          # prints one JSON record
  st_embed.py reference --model-dir ... --out fixture.json   # test fixture

Passages are SciFact abstracts, "title. text" (passage_text below; the Rust
bench builds the same string). sentence-transformers sorts the inputs by
length itself and cuts them into batches of --batch-size.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

# The sentences of the test fixture: the sanity pair from MODELS.md, short and
# long English, Chinese, an empty string, punctuation-only text.
REFERENCE_SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome.",
    "Whisker indexes your notes, PDFs and web pages on your own machine.",
    "How do I build a Debian package from source?",
    "向量检索是一种根据语义相似度查找文档的方法。",
    "",
    "!!! ??? ...",
    " ".join(["Alterations of the architecture of cerebral white matter "
              "in the developing human brain can affect cortical development."] * 30),
]


def passage_text(doc):
    """"title. text" (the same rule as bench/src/embed.rs)."""
    title = doc.get("title", "").strip().rstrip(".")
    text = doc.get("text", "").strip()
    return f"{title}. {text}" if title else text


def load_model(model_dir, max_seq_length):
    from sentence_transformers import SentenceTransformer, models

    word = models.Transformer(model_dir, max_seq_length=max_seq_length)
    pool = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    return SentenceTransformer(modules=[word, pool, models.Normalize()], device="cpu")


def read_passages(path, n):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(out) >= n:
                break
            if line.strip():
                out.append(passage_text(json.loads(line)))
    return out


def cmd_bench(args):
    import torch

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    model = load_model(args.model_dir, args.max_tokens)
    load_s = time.perf_counter() - t0
    passages = read_passages(args.corpus, args.n)
    tok = model.tokenizer(passages, truncation=True, max_length=args.max_tokens)
    tokens = sum(len(ids) for ids in tok["input_ids"])
    model.encode(passages[: args.batch_size], batch_size=args.batch_size)  # warm-up
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with torch.inference_mode():
            vecs = model.encode(passages, batch_size=args.batch_size, convert_to_numpy=True)
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    rec = {
        "engine": "sentence-transformers",
        "passages": len(passages),
        "tokens": tokens,
        "seconds": best,
        "runs_s": runs,
        "passages_per_s": len(passages) / best,
        "tokens_per_s": tokens / best,
        "threads": torch.get_num_threads(),
        "batch_size": args.batch_size,
        "max_tokens": args.max_tokens,
        "dims": int(vecs.shape[1]),
        "load_s": load_s,
        "torch": torch.__version__,
        "sentence_transformers": __import__("sentence_transformers").__version__,
        "load_before": os.getloadavg()[0],
    }
    print(json.dumps(rec))


def cmd_reference(args):
    import torch
    import sentence_transformers

    torch.set_num_threads(args.threads)
    model = load_model(args.model_dir, args.max_tokens)
    vecs = model.encode(REFERENCE_SENTENCES, batch_size=32, convert_to_numpy=True)
    doc = {
        "note": (
            "Reference vectors for crates/whisker-models/tests/embed.rs, made by "
            "bench/st_embed.py reference (sentence-transformers "
            f"{sentence_transformers.__version__}, torch {torch.__version__}, CPU) "
            "from models/all-minilm-l6-v2 (sha256 of model.safetensors "
            "53aa5117...d9db), max_seq_length 256, mean pooling, normalised. "
            "Regenerate: make bench-venv && bench/.venv/bin/python bench/st_embed.py "
            "reference --model-dir models/all-minilm-l6-v2 --out "
            "crates/whisker-models/tests/fixtures/minilm_reference.json"
        ),
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "sentences": REFERENCE_SENTENCES,
        "vectors": [[round(float(x), 7) for x in v] for v in vecs],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=None)
        f.write("\n")
    print(f"wrote {len(vecs)} vectors to {args.out}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("bench", "reference"):
        s = sub.add_parser(name)
        s.add_argument("--model-dir", default="models/all-minilm-l6-v2")
        s.add_argument("--threads", type=int, default=2)
        s.add_argument("--max-tokens", type=int, default=256)
    b = sub.choices["bench"]
    b.add_argument("--corpus", default="/work/shared/eval/retrieval/corpus.jsonl")
    b.add_argument("--n", type=int, default=1000)
    b.add_argument("--batch-size", type=int, default=32)
    b.add_argument("--repeat", type=int, default=1)
    sub.choices["reference"].add_argument("--out", required=True)
    args = p.parse_args()
    {"bench": cmd_bench, "reference": cmd_reference}[args.cmd](args)


if __name__ == "__main__":
    main()
