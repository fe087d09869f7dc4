#!/usr/bin/env python3
"""Markdown table of a `bench/generate.sh` run: one row per process, in the
order they ran, then per thread count the medians and the Whisker / llama.cpp
ratios (> 1: Whisker is faster), taken per pair of neighbouring runs so that
a change of load between pairs cancels out. Tokens per CPU-second (all the
process's threads) are the steadier measure on a busy machine, with one
thread; with more, threads that spin while they wait count as busy.

    python3 bench/generate_report.py bench/out/<timestamp>
"""

import glob
import json
import os
import re
import statistics
import subprocess
import sys

ENGINES = {"whisker": "Whisker (candle)", "llama": "llama.cpp"}


def records(out):
    runs = []
    for path in glob.glob(os.path.join(out, "gen_*_t*_*.json")):
        m = re.search(r"gen_(\w+?)_t(\d+)_(\d+)\.json$", path)
        record = json.load(open(path))
        runs.append((int(m[3]), int(m[2]), m[1], record))
    runs.sort(key=lambda r: (r[0], r[1], r[2] != "whisker"))
    return runs


def cpu_name():
    lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    return next((l.split(":", 1)[1].strip() for l in lines if l.startswith("Model name")), "?")


def print_runs(runs):
    print("| round | engine | threads | prompt tokens | prefill tok/s | decode tok/s | TTFT ms | "
          "prefill tok/CPU-s | decode tok/CPU-s | 1-min load before |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for round_, threads, side, r in runs:
        print(f"| {round_} | {ENGINES[side]} | {threads} | {r['prompt_tokens']} | {r['prefill_tok_s']:.0f} | "
              f"{r['decode_tok_s']:.1f} | {r['ttft_ms']:.0f} | {r['prefill_tok_cpu_s']:.0f} | "
              f"{r['decode_tok_cpu_s']:.1f} | {r['load_before']:.1f} |")


def print_summary(runs):
    print("\n| threads | engine | prefill tok/s (median) | decode tok/s (median) | TTFT ms (median) | load before |")
    print("|---:|---|---:|---:|---:|---|")
    ratios = {}
    for threads in sorted({t for _, t, _, _ in runs}):
        by_side = {s: [r for _, t, side, r in runs if t == threads and side == s] for s in ENGINES}
        for side, rs in by_side.items():
            if not rs:
                continue
            med = lambda k: statistics.median(r[k] for r in rs)
            loads = ", ".join(f"{r['load_before']:.1f}" for r in rs)
            print(f"| {threads} | {ENGINES[side]} | {med('prefill_tok_s'):.0f} | {med('decode_tok_s'):.1f} | "
                  f"{med('ttft_ms'):.0f} | {loads} |")
        pairs = list(zip(by_side["whisker"], by_side["llama"]))
        if pairs:
            ratio = lambda k: statistics.median(w[k] / l[k] for w, l in pairs)
            ratios[threads] = (ratio("prefill_tok_s"), ratio("decode_tok_s"), len(pairs))
    for threads, (prefill, decode, n) in ratios.items():
        print(f"\n**{threads} thread(s), Whisker / llama.cpp (median of {n} neighbouring pairs): "
              f"prefill {prefill:.2f}×, decode {decode:.2f}×**")


def main():
    out = sys.argv[1]
    runs = records(out)
    if not runs:
        sys.exit(f"no gen_*.json records in {out}")
    w = next((r for _, _, s, r in runs if s == "whisker"), None)
    l = next((r for _, _, s, r in runs if s == "llama"), None)
    print(f"Machine: {cpu_name()}, {os.cpu_count()} logical CPUs. Model: {runs[0][3]['model']}. "
          f"Prompt: {runs[0][3]['text']} repeated, cut to the tokens shown; "
          f"{runs[0][3]['max_tokens']} tokens decoded greedily; each row is the median of "
          f"{len(runs[0][3]['rounds'])} generations in one process.")
    if l:
        print(f"llama-cpp-python {l['llama_cpp_python']} ({l['system_info'].strip(' |')}), "
              f"flash attention {'on' if l['flash_attn'] else 'off'}.")
    if w and l and w["tokens"] != l["tokens"]:
        print(f"\nWhisker generated {w['tokens']} tokens, llama.cpp {l['tokens']}.")
    if w and l and w["reply_start"] != l["reply_start"]:
        print(f"\nReplies differ: Whisker {w['reply_start'][:40]!r}, llama.cpp {l['reply_start'][:40]!r}.")
    print()
    print_runs(runs)
    print_summary(runs)


if __name__ == "__main__":
    main()
