#!/usr/bin/env python3
"""llama.cpp's generation speed on a GGUF file, the peer of whisker-bench-generate.

Same work as `bench/src/generate.rs`: the sample text repeated and cut to
`--prompt-tokens` tokens (by llama.cpp's own tokenizer, no BOS: Whisker adds
none to plain text), read in one batch, then `--max-tokens` tokens decoded one
at a time, greedily (argmax of the logits, no repeat penalty, end-of-sequence
ignored). Each round starts from an empty KV cache. Prints one JSON record with
the same keys as the Rust side; the times are wall-clock around llama.cpp's
calls, and `llama_perf_context` (llama.cpp's own clock) is recorded beside
them, as is the process's CPU time (all threads; OpenMP's spinning counts).

    bench/.venv-llama/bin/python bench/llama_peer.py --model M.gguf --threads 2
"""

import argparse
import json
import os
import statistics
import time

import llama_cpp
import numpy as np
from llama_cpp import Llama


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf")
    p.add_argument("--text", default="samples/meeting_notes.md", help="English text repeated to make the prompt")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--rounds", type=int, default=3, help="timed rounds, after one short warm-up")
    p.add_argument("--threads", type=int, default=2, help="n_threads and n_threads_batch")
    p.add_argument("--flash-attn", action="store_true", help="llama.cpp's flash attention (candle's llama has none)")
    return p.parse_args()


def prompt_tokens(llm, text, n):
    """The first n tokens of the text repeated, the same text Whisker cuts."""
    text = text.strip()
    long = text
    while len(llm.tokenize(long.encode(), add_bos=False)) <= n:
        long += "\n\n" + text
    return llm.tokenize(long.encode(), add_bos=False)[:n]


def next_token(llm):
    """Greedy: argmax of the logits of the last token read."""
    logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return int(np.ctypeslib.as_array(logits, shape=(llm.n_vocab(),)).argmax())


def one_round(llm, tokens, max_tokens):
    llm.reset()
    llama_cpp.llama_perf_context_reset(llm.ctx)
    start, cpu_start = time.perf_counter(), time.process_time()
    llm.eval(tokens)
    prefill = time.perf_counter() - start
    reply = [next_token(llm)]
    text = [llm.detokenize(reply[-1:], prev_tokens=tokens)]
    ttft = time.perf_counter() - start
    decoding, cpu_first = time.perf_counter(), time.process_time()
    while len(reply) < max_tokens:
        llm.eval(reply[-1:])
        reply.append(next_token(llm))
        text.append(llm.detokenize(reply[-1:], prev_tokens=tokens + reply[:-1]))
    decode = time.perf_counter() - decoding
    cpu_end = time.process_time()
    perf = llama_cpp.llama_perf_context(llm.ctx)
    return {
        "prompt_tokens": len(tokens),
        "tokens": len(reply),
        "prefill_s": prefill,
        "decode_s": decode,
        "ttft_ms": ttft * 1e3,
        "prefill_tok_s": len(tokens) / prefill,
        "decode_tok_s": (len(reply) - 1) / decode,
        "cpu_prefill_s": cpu_first - cpu_start,
        "cpu_decode_s": cpu_end - cpu_first,
        "perf_prefill_ms": perf.t_p_eval_ms,
        "perf_decode_ms": perf.t_eval_ms,
        "perf_decode_n": perf.n_eval,
        "text": b"".join(text).decode("utf-8", "replace"),
    }


def load_average():
    return os.getloadavg()[0]


def main():
    args = parse_args()
    load_before = load_average()
    start = time.perf_counter()
    llm = Llama(
        model_path=args.model,
        n_ctx=max(512, args.prompt_tokens + args.max_tokens + 64),
        n_batch=max(512, args.prompt_tokens),
        n_ubatch=max(512, args.prompt_tokens),
        n_threads=args.threads,
        n_threads_batch=args.threads,
        flash_attn=args.flash_attn,
        verbose=False,
    )
    load_s = time.perf_counter() - start
    text = open(args.text, encoding="utf-8").read()
    tokens = prompt_tokens(llm, text, args.prompt_tokens)
    one_round(llm, prompt_tokens(llm, text, 16), 4)  # warm-up
    rounds = [one_round(llm, tokens, args.max_tokens) for _ in range(max(1, args.rounds))]
    median = lambda key: statistics.median(r[key] for r in rounds)
    record = {
        "engine": "llama.cpp",
        "llama_cpp_python": llama_cpp.__version__,
        "system_info": llama_cpp.llama_print_system_info().decode(),
        "model": os.path.basename(args.model),
        "threads": args.threads,
        "flash_attn": args.flash_attn,
        "prompt_tokens": len(tokens),
        "max_tokens": args.max_tokens,
        "tokens": rounds[0]["tokens"],
        "prefill_tok_s": median("prefill_tok_s"),
        "decode_tok_s": median("decode_tok_s"),
        "ttft_ms": median("ttft_ms"),
        "prefill_tok_cpu_s": statistics.median(r["prompt_tokens"] / r["cpu_prefill_s"] for r in rounds),
        "decode_tok_cpu_s": statistics.median((r["tokens"] - 1) / r["cpu_decode_s"] for r in rounds),
        "rounds": [{k: v for k, v in r.items() if k != "text"} for r in rounds],
        "load_s": load_s,
        "load_before": load_before,
        "text": os.path.basename(args.text),
        "reply_start": rounds[0]["text"][:80],
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
