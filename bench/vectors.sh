#!/usr/bin/env bash
# Vector and hybrid search latency at ~100,000 chunks x 384 dims: Whisker's
# exact search side by side with LanceDB (AnythingLLM's vector store) and
# NumPy, over the same vectors and query vectors; then Whisker end to end
# (the real model embeds each query) in vector and hybrid mode.
# See bench/README.md. Records go to $OUT; a summary table to stdout.
#
# Environment (defaults in brackets):
#   Q_CORPUS [bench/corpus-q]  made by bench/run.sh (110 MB, 5,500 files, ~111k chunks)
#   PY_PEER [bench/.venv/bin/python]  a Python with lancedb and numpy (make bench-venv)
#   BIN [target/release]  Whisker's release binaries
#   N_QUERIES [200] K [10] REPEAT [3] SEED [1] THREADS [2]
#   WORK [mktemp -d]  OUT [bench/out/vectors-<timestamp>]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
Q_CORPUS=${Q_CORPUS:-$BENCH/corpus-q}
PY_PEER=${PY_PEER:-$BENCH/.venv/bin/python}
N_QUERIES=${N_QUERIES:-200}
K=${K:-10}
REPEAT=${REPEAT:-3}
SEED=${SEED:-1}
THREADS=${THREADS:-2}
OUT=${OUT:-$BENCH/out/vectors-$(date +%Y%m%d-%H%M%S)}
BIN=${BIN:-$ROOT/target/release}
MODEL=all-minilm-l6-v2
# A release build looks for models in its data dir: use the source tree's (make models).
export WHISKER_MODELS_DIR=${WHISKER_MODELS_DIR:-$ROOT/models}

log() { printf '[vectors %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -z ${WORK:-} ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/whisker-vectors.XXXXXX")
    trap 'rm -rf -- "$WORK"' EXIT
fi
mkdir -p "$OUT"
[[ -d $Q_CORPUS ]] || { log "no $Q_CORPUS: run bench/run.sh first (it generates it)"; exit 1; }

log "index $Q_CORPUS (words only)"
WHISKER_EMBED_MODEL=none "$BIN/whisker" --data-dir "$WORK/data" add "$Q_CORPUS" --json > "$OUT/add.json"
log "fill seeded random unit vectors, export them"
"$BIN/whisker-bench-vectors" fill --data-dir "$WORK/data" --model "$MODEL" --seed "$SEED" \
    --export "$WORK/export" --queries "$N_QUERIES"

log "whisker exact search (f32, int8)"
for p in f32 int8; do
    "$BIN/whisker-bench-vectors" search --data-dir "$WORK/data" --model "$MODEL" \
        --queries "$WORK/export/queries.f32" --k "$K" --repeat "$REPEAT" --precision "$p" \
        | tee -a "$OUT/search.jsonl"
done
log "peers: numpy, lancedb ($THREADS threads)"
OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS \
    "$PY_PEER" "$BENCH/vectors_peer.py" --export "$WORK/export" --k "$K" --repeat "$REPEAT" \
    | tee -a "$OUT/search.jsonl"

log "end to end: query embedded by $MODEL, then vector / hybrid search"
python3 "$BENCH/gen_queries.py" --corpus "$Q_CORPUS" --out "$WORK/queries.txt" --n "$N_QUERIES" \
    --seed "$SEED" > /dev/null
# The vectors' precision is a setting ([search] precision in the data dir's config.toml).
for precision in f32 int8; do
    printf '[search]\nprecision = "%s"\n' "$precision" > "$WORK/data/config.toml"
    for mode in bm25 vector hybrid; do
        [[ $mode == bm25 && $precision == int8 ]] && continue
        "$BIN/whisker-bench-query" --data-dir "$WORK/data" --queries "$WORK/queries.txt" \
            --k "$K" --repeat "$REPEAT" --mode "$mode" > "$OUT/query_${mode}_$precision.json"
        python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], {k: d[k] for k in ('p50_ms','p99_ms','mean_ms') if k in d})" \
            "$OUT/query_${mode}_$precision.json" "$mode $precision"
    done
done
rm -f "$WORK/data/config.toml"
log "records in $OUT"
