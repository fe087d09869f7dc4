#!/usr/bin/env python3
"""faster-whisper on the recordings of a transcripts.tsv, the peer of `whisker eval asr`.

Same work as Whisker's side: every file listed in DIR/transcripts.tsv (file,
language, transcript; a header line is optional) is transcribed in the
language its line gives, greedily (beam 1), with the same Simplified-Chinese
prompt Whisker decodes Chinese after, from the same CTranslate2 Whisper files
Whisker converts its model from (models/whisper-base-ct2, float16 on disk;
CTranslate2 converts to --compute-type when it loads). The time of a file is
wall-clock around transcribe() and reading all its segments (decoding the
audio included, as on Whisker's side); loading the model is timed apart.
Prints one JSON record; bench/asr_report.py scores it.

    bench/.venv-asr/bin/python bench/asr_peer.py --model-dir models/whisper-base-ct2 \\
        --dir ../shared/eval/audio --threads 2 --compute-type int8
"""

import argparse
import csv
import json
import os
import time

# Whisker's prompt for Mandarin (crates/whisker-speech/src/transcribe/whisper.rs).
CHINESE_PROMPT = "以下是普通话的句子，使用简体中文。"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", default="models/whisper-base-ct2")
    p.add_argument("--dir", required=True, help="folder with transcripts.tsv and the recordings")
    p.add_argument("--threads", type=int, default=2, help="CTranslate2 cpu_threads (intra-op)")
    p.add_argument("--compute-type", default="int8", choices=["int8", "float32", "int8_float32", "float16"])
    return p.parse_args()


def read_list(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or row[0] == "file":
                continue
            items.append({"file": row[0], "language": row[1], "reference": row[2]})
    return items


def transcribe(model, path, language):
    chinese = language in ("zh", "yue")
    segments, info = model.transcribe(
        path,
        language=language,
        beam_size=1,
        best_of=1,
        vad_filter=False,
        initial_prompt=CHINESE_PROMPT if chinese else None,
    )
    texts = [s.text.strip() for s in segments]
    return ("" if chinese else " ").join(t for t in texts if t), info


def main():
    args = parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import ctranslate2
    import faster_whisper
    from faster_whisper import WhisperModel

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    model = WhisperModel(args.model_dir, device="cpu", compute_type=args.compute_type,
                         cpu_threads=args.threads, num_workers=1)
    load_seconds = time.perf_counter() - start
    files = []
    for item in read_list(os.path.join(args.dir, "transcripts.tsv")):
        path = os.path.join(args.dir, item["file"])
        start, cpu = time.perf_counter(), time.process_time()
        text, info = transcribe(model, path, item["language"])
        seconds = time.perf_counter() - start
        files.append({**item, "hypothesis": text, "detected": info.language,
                      "audio_seconds": info.duration, "seconds": seconds,
                      "cpu_seconds": time.process_time() - cpu})
    print(json.dumps({
        "engine": "faster-whisper",
        "faster_whisper": faster_whisper.__version__,
        "ctranslate2": ctranslate2.__version__,
        "weights": args.compute_type,
        "threads": args.threads,
        "model_dir": os.path.abspath(args.model_dir),
        "load_seconds": load_seconds,
        "load_before": load_before,
        "files": files,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
