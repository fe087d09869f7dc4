#!/usr/bin/env bash
# Generation speed: Whisker's candle generator (whisker-bench-generate) vs
# llama.cpp through llama-cpp-python (llama_peer.py), same GGUF file, same
# thread count, same prompt text cut to PROMPT_TOKENS by each side's own
# tokenizer, MAX_TOKENS decoded greedily. The two sides run in alternation,
# ROUNDS processes each per thread count, each process timing INNER
# generations (after a warm-up) and reporting their median. The machine is
# shared, so every record carries the 1-minute load average before it ran and
# the ratios are taken per pair of neighbouring runs.
# Prints a Markdown table on stdout (also $OUT/GENERATE.md); JSON records in $OUT.
#
# Environment (defaults in brackets):
#   MODEL [models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf]
#                       (Whisker needs a tokenizer.json beside it until it reads GGUF vocabularies)
#   TEXT [samples/meeting_notes.md]   English text repeated to make the prompt
#   THREADS [2]         thread counts to try, e.g. "1 2" (CANDLE_NUM_THREADS and
#                       RAYON_NUM_THREADS / n_threads and n_threads_batch)
#   PROMPT_TOKENS [512] MAX_TOKENS [128]
#   ROUNDS [3]          alternating processes per side and thread count
#   INNER [3]           timed generations per process
#   WHISKER_GEN [target/release/whisker-bench-generate]
#   PYTHON [bench/.venv-llama/bin/python]  (make bench-llama-venv)
#   OUT [bench/out/<timestamp>]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL=${MODEL:-$ROOT/models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf}
TEXT=${TEXT:-$ROOT/samples/meeting_notes.md}
THREADS=${THREADS:-2}
PROMPT_TOKENS=${PROMPT_TOKENS:-512}
MAX_TOKENS=${MAX_TOKENS:-128}
ROUNDS=${ROUNDS:-3}
INNER=${INNER:-3}
WHISKER_GEN=${WHISKER_GEN:-$ROOT/target/release/whisker-bench-generate}
PYTHON=${PYTHON:-$ROOT/bench/.venv-llama/bin/python}
OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)}

log() { printf '[generate %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
load1() { cut -d' ' -f1 /proc/loadavg; }

[[ -f $MODEL ]] || die "$MODEL not found: run \`make models MODEL_ROLES=\"embed generate\"\` (or set MODEL)"
[[ -f $TEXT ]] || die "$TEXT not found (set TEXT)"
[[ -x $WHISKER_GEN ]] || die "$WHISKER_GEN not found (cargo build --workspace --release)"
[[ -x $PYTHON ]] || die "$PYTHON not found (make bench-llama-venv)"
mkdir -p "$OUT"

common=(--model "$MODEL" --text "$TEXT" --prompt-tokens "$PROMPT_TOKENS" --max-tokens "$MAX_TOKENS" --rounds "$INNER")
for round in $(seq 1 "$ROUNDS"); do
    for t in $THREADS; do
        log "round $round/$ROUNDS, $t threads: whisker (load $(load1))"
        "$WHISKER_GEN" "${common[@]}" --threads "$t" > "$OUT/gen_whisker_t${t}_$round.json"
        log "round $round/$ROUNDS, $t threads: llama.cpp (load $(load1))"
        "$PYTHON" "$ROOT/bench/llama_peer.py" "${common[@]}" --threads "$t" > "$OUT/gen_llama_t${t}_$round.json"
    done
done

python3 "$ROOT/bench/generate_report.py" "$OUT" | tee "$OUT/GENERATE.md"
