#!/usr/bin/env bash
# Embedding throughput, passages/s: Whisker's candle embedder
# (whisker-bench-embed) vs sentence-transformers on PyTorch (st_embed.py),
# same model files (models/all-minilm-l6-v2), same passages (the first N
# SciFact abstracts, "title. text"), same thread count. The two sides run in
# alternation, ROUNDS times each; the best run of each side is compared.
# Prints a Markdown table on stdout (also $OUT/EMBED.md); JSON records in $OUT.
#
# Environment (defaults in brackets):
#   N [1000]            passages
#   THREADS [2]         threads on both sides (RAYON_NUM_THREADS / torch.set_num_threads)
#   BATCH [32]          sentence-transformers batch size (it sorts by length itself)
#   W_BATCH [32] W_BATCH_TOKENS [8192]
#                       Whisker: at most W_BATCH texts and W_BATCH_TOKENS padded tokens per batch
#   ROUNDS [2]          alternating runs per side
#   MODEL_DIR [models/all-minilm-l6-v2]
#   CORPUS [/work/shared/eval/retrieval/corpus.jsonl]
#   WHISKER_EMBED [target/release/whisker-bench-embed]
#   PYTHON [bench/.venv/bin/python]  (make bench-venv)
#   OUT [bench/out/<timestamp>]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-1000}
THREADS=${THREADS:-2}
BATCH=${BATCH:-32}
W_BATCH=${W_BATCH:-32}
W_BATCH_TOKENS=${W_BATCH_TOKENS:-8192}
ROUNDS=${ROUNDS:-2}
MODEL_DIR=${MODEL_DIR:-$ROOT/models/all-minilm-l6-v2}
CORPUS=${CORPUS:-/work/shared/eval/retrieval/corpus.jsonl}
WHISKER_EMBED=${WHISKER_EMBED:-$ROOT/target/release/whisker-bench-embed}
PYTHON=${PYTHON:-$ROOT/bench/.venv/bin/python}
OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)}

log() { printf '[embed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -f $MODEL_DIR/model.safetensors ]] || die "$MODEL_DIR has no model: run \`make models\`"
[[ -f $CORPUS ]] || die "$CORPUS not found (set CORPUS)"
[[ -x $WHISKER_EMBED ]] || die "$WHISKER_EMBED not found (cargo build --release --workspace)"
[[ -x $PYTHON ]] || die "$PYTHON not found (make bench-venv)"
mkdir -p "$OUT"

for round in $(seq 1 "$ROUNDS"); do
    log "round $round/$ROUNDS: whisker ($N passages, $THREADS threads)"
    RAYON_NUM_THREADS=$THREADS "$WHISKER_EMBED" --model-dir "$MODEL_DIR" --corpus "$CORPUS" --n "$N" \
        --batch-size "$W_BATCH" --batch-tokens "$W_BATCH_TOKENS" > "$OUT/embed_whisker_$round.json"
    log "round $round/$ROUNDS: sentence-transformers"
    "$PYTHON" "$ROOT/bench/st_embed.py" bench --model-dir "$MODEL_DIR" --corpus "$CORPUS" --n "$N" \
        --threads "$THREADS" --batch-size "$BATCH" 2>/dev/null > "$OUT/embed_st_$round.json"
done

python3 - "$OUT" <<'PY' | tee "$OUT/EMBED.md"
import glob, json, os, subprocess, sys
out = sys.argv[1]
def load(side):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, f"embed_{side}_*.json")))]
w, s = load("whisker"), load("st")
bw = max(w, key=lambda r: r["passages_per_s"])
bs = max(s, key=lambda r: r["passages_per_s"])
cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if l.startswith("Model name")), "?")
print(f"Machine: {cpu}, {os.cpu_count()} logical CPUs. Passages: {bw['passages']} SciFact abstracts "
      f"(\"title. text\"), {bw['tokens']:,} tokens after truncation at {bw['max_tokens']}.\n")
runs = lambda rs: ", ".join("%.1f" % r["seconds"] for r in rs)
loads = lambda rs: ", ".join("%.1f" % r["load_before"] for r in rs)
print("| engine | threads | batch | passages/s (best) | runs (s) | tokens/s | 1-min load before |")
print("|---|---:|---|---:|---|---:|---|")
print(f"| Whisker (candle) | {bw['threads']} | ≤ {bw['batch_size']} texts, ≤ {bw['batch_tokens']} tokens | "
      f"{bw['passages_per_s']:.2f} | {runs(w)} | {bw['tokens_per_s']:.0f} | {loads(w)} |")
print(f"| sentence-transformers {bs['sentence_transformers']}, torch {bs['torch']} | {bs['threads']} | "
      f"{bs['batch_size']} texts | {bs['passages_per_s']:.2f} | {runs(s)} | {bs['tokens_per_s']:.0f} | {loads(s)} |")
print(f"\n**Ratio Whisker / sentence-transformers (best runs): {bw['passages_per_s'] / bs['passages_per_s']:.2f}×**")
PY
