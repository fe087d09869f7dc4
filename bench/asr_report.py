#!/usr/bin/env python3
"""The Markdown table of `bench/asr.sh`: speed and accuracy of every engine.

Reads the records in OUT (asr_whisker_t*_*.json from `whisker eval asr
--json` plus their .meta.json, asr_fw-<weights>_t*_*.json from asr_peer.py)
and scores every hypothesis the same way, as crates/whisker-core/src/eval/
wer.rs does for `whisker eval asr`: Simplified Chinese, full-width to ASCII,
lower case, punctuation to spaces, apostrophes dropped, Mr/Mrs/Dr/OK
spelled out; WER over words for English, CER over characters (spaces not
counted) for Chinese. Speed is the real-time factor, transcription time over
audio time summed over the files (model loading excluded); each engine and
thread count keeps its best (lowest) run, and the speed-up is the peer's
best RTF over Whisker's at the same thread count.

    python bench/asr_report.py bench/out/20261201-020000
"""

import glob
import json
import os
import subprocess
import sys

try:
    import zhconv
except ImportError:  # pragma: no cover - the venv has it (bench/requirements-asr.txt)
    zhconv = None

CANONICAL = {"mr": "mister", "mrs": "missus", "dr": "doctor", "ok": "okay", "okay": "okay"}


def normalize(text):
    if zhconv is not None:
        text = zhconv.convert(text, "zh-hans")
    out = []
    for c in text:
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        elif o == 0x3000:
            c = " "
        if c in "'\u2019":
            continue
        out.append(c.lower() if c.isalnum() else " ")
    return "".join(out)


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a):
        diagonal, row[0] = row[0], i + 1
        for j, y in enumerate(b):
            diagonal, row[j + 1] = row[j + 1], min(diagonal + (x != y), row[j] + 1, row[j + 1] + 1)
    return row[len(b)]


def errors(language, reference, hypothesis):
    if language in ("zh", "yue", "cmn", "zh-cn", "zh-hans"):
        unit = lambda t: [c for c in normalize(t) if not c.isspace()]
    else:
        unit = lambda t: [CANONICAL.get(w, w) for w in normalize(t).split()]
    r, h = unit(reference), unit(hypothesis)
    return edit_distance(r, h), len(r)


def load(out):
    runs = []
    for path in sorted(glob.glob(os.path.join(out, "asr_*_t*_*.json"))):
        if path.endswith(".meta.json"):
            continue
        record = json.load(open(path, encoding="utf-8"))
        if "engine" not in record:  # whisker eval asr --json, described by its .meta.json
            meta = json.load(open(path[: -len(".json")] + ".meta.json", encoding="utf-8"))
            record = {**meta, "files": record["files"], "load_seconds": record["load_seconds"]}
        runs.append(record)
    return runs


def score(run):
    per_lang = {}
    for f in run["files"]:
        e, n = errors(f["language"], f["reference"], f["hypothesis"])
        acc = per_lang.setdefault(f["language"], [0, 0])
        acc[0] += e
        acc[1] += n
    audio = sum(f["audio_seconds"] for f in run["files"])
    busy = sum(f["seconds"] for f in run["files"])
    return {"rtf": busy / audio if audio else float("nan"), "audio": audio, "langs": per_lang}


def label(run):
    if run["engine"] == "whisker":
        return f"Whisker {run.get('version', '')} (whisper.cpp)".replace("  ", " ")
    return f"faster-whisper {run['faster_whisper']} (CTranslate2 {run['ctranslate2']})"


def main():
    out = sys.argv[1]
    runs = load(out)
    if not runs:
        sys.exit(f"no records in {out}")
    groups = {}
    for run in runs:
        groups.setdefault((run["threads"], run["engine"], run["weights"]), []).append((run, score(run)))
    langs = sorted({lang for run in runs for lang in (f["language"] for f in run["files"])})
    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                if l.startswith("Model name")), "?")
    first = runs[0]
    print(f"Machine: {cpu}, {os.cpu_count()} logical CPUs. Recordings: {len(first['files'])} "
          f"({sum(f['audio_seconds'] for f in first['files']):.1f} s of audio: "
          f"{', '.join(f['file'] for f in first['files'])}). Model: Whisper base, the same CTranslate2 files "
          f"(Whisker converts them to whisper.cpp's format; its weights column says how). Greedy decoding, the file's language given.\n")
    metric = lambda lang: "CER" if lang.startswith("zh") or lang in ("yue", "cmn") else "WER"
    heads = "".join(f" {metric(l)} {l} |" for l in langs)
    print(f"| engine | weights | threads | RTF (best) | runs (RTF) |{heads} speed-up vs Whisker | 1-min load before |")
    print("|---|---|---:|---:|---|" + "---:|" * len(langs) + "---:|---|")
    for (threads, engine, weights) in sorted(groups, key=lambda k: (k[0], k[1] != "whisker", k[2])):
        members = groups[(threads, engine, weights)]
        best_run, best = min(members, key=lambda m: m[1]["rtf"])
        rates = ""
        for l in langs:
            e, n = best["langs"].get(l, (0, 0))
            rates += f" {100 * e / n:.1f}% |" if n else " – |"
        mine = next((v for k, v in groups.items() if k[0] == threads and k[1] == "whisker"), None)
        ratio = "1.00×" if engine == "whisker" else "–"
        if mine and engine != "whisker":
            ratio = f"{best['rtf'] / min(s['rtf'] for _, s in mine):.2f}×"
        runs_txt = ", ".join(f"{s['rtf']:.3f}" for _, s in members)
        loads = ", ".join(f"{r['load_before']:.1f}" for r, _ in members)
        print(f"| {label(best_run)} | {weights} | {threads} | {best['rtf']:.3f} | {runs_txt} |{rates} {ratio} | {loads} |")
    print("\nSpeed-up: the peer's best RTF over Whisker's at the same thread count (above 1: Whisker is faster). "
          "Error rates are of the best run; every engine is scored by the same normaliser.")


if __name__ == "__main__":
    main()
