#!/usr/bin/env bash
# Speech recognition speed and accuracy: Whisker (`whisker eval asr --json`:
# whisper.cpp through whisper-rs, the default models/whisper-base (weight
# matrices in bf16, as its header's ftype says; f16 if imported so),
# converted from the CTranslate2 files below) vs faster-whisper (asr_peer.py:
# CTranslate2 on models/whisper-base-ct2 itself, the files `whisker models
# fetch --role speech` downloaded, loaded as int8 and as float32), over the
# recordings of $DIR/transcripts.tsv, greedy decoding, each file in the
# language its line gives, the same thread counts on both sides. The engines
# run in alternation, ROUNDS processes each per thread count; every record
# carries the 1-minute load average before it ran. WER/CER of every engine
# is computed by one scorer (asr_report.py, a port of Whisker's), so "equal
# or better accuracy" can be read off the table.
# Prints a Markdown table on stdout (also $OUT/ASR.md); JSON records in $OUT.
#
# Environment (defaults in brackets):
#   DIR [/work/shared/eval/audio]   transcripts.tsv and the recordings
#   CLIPS [all]         only these files of the list (space-separated names)
#   THREADS ["1 2"]     thread counts ([speech] threads / cpu_threads)
#   WEIGHTS ["int8 float32"]   faster-whisper compute types
#   ROUNDS [3]          alternating processes per engine and thread count
#   CT2_DIR [models/whisper-base-ct2]   (else found in ~/.cache/whisker)
#   WHISKER [target/release/whisker]
#   PYTHON [bench/.venv-asr/bin/python]  (make bench-asr-venv)
#   OUT [bench/out/<timestamp>]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${DIR:-/work/shared/eval/audio}
CLIPS=${CLIPS:-}
THREADS=${THREADS:-1 2}
WEIGHTS=${WEIGHTS:-int8 float32}
ROUNDS=${ROUNDS:-3}
CT2_DIR=${CT2_DIR:-$ROOT/models/whisper-base-ct2}
WHISKER=${WHISKER:-$ROOT/target/release/whisker}
PYTHON=${PYTHON:-$ROOT/bench/.venv-asr/bin/python}
OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)}

log() { printf '[asr %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# The weight type of the GGML file: its 12th little-endian i32 (ftype).
ggml_weights() {
    case $(od -An -t d4 -j 44 -N 4 "$ROOT/models/whisper-base/ggml-model.bin" | tr -d ' ') in
        1) echo f16 ;; 24) echo bf16 ;; *) echo other ;;
    esac
}

# The CTranslate2 model: models/whisper-base-ct2, else the copy a fetch left
# in the cache (model.bin joined from its two parts).
if [[ ! -f $CT2_DIR/model.bin ]]; then
    found=$(find "${XDG_CACHE_HOME:-$HOME/.cache}/whisker" -name model.bin -path '*whisper*base*' 2>/dev/null | head -n1 || true)
    [[ -n $found ]] && CT2_DIR=$(dirname "$found")
fi
[[ -f $CT2_DIR/model.bin && -f $CT2_DIR/config.json ]] \
    || die "no CTranslate2 Whisper base in $CT2_DIR: run \`whisker models fetch --role speech\` (or set CT2_DIR)"
[[ -f $ROOT/models/whisper-base/ggml-model.bin ]] || die "models/whisper-base is missing: run \`make models MODEL_ROLES=speech\`"
[[ -f $DIR/transcripts.tsv ]] || die "$DIR/transcripts.tsv not found (set DIR)"
[[ -x $WHISKER ]] || die "$WHISKER not found (cargo build --workspace --release)"
[[ -x $PYTHON ]] || die "$PYTHON not found (make bench-asr-venv)"
mkdir -p "$OUT"

# The recordings both sides read: $DIR itself, or a folder of links to CLIPS.
EVAL=$DIR
if [[ -n $CLIPS ]]; then
    EVAL=$OUT/clips
    mkdir -p "$EVAL"
    head -n1 "$DIR/transcripts.tsv" | grep -q '^file' && head -n1 "$DIR/transcripts.tsv" > "$EVAL/transcripts.tsv" || : > "$EVAL/transcripts.tsv"
    for clip in $CLIPS; do
        grep -P "^\Q$clip\E\t" "$DIR/transcripts.tsv" >> "$EVAL/transcripts.tsv" || die "$clip is not in $DIR/transcripts.tsv"
        ln -sf "$DIR/$clip" "$EVAL/$clip"
    done
fi

# Whisker's thread count comes from the data folder's config.toml.
whisker_run() { # threads round
    local data=$OUT/data-t$1 base=$OUT/asr_whisker_t$1_$2
    mkdir -p "$data"
    printf '[speech]\nthreads = %s\n' "$1" > "$data/config.toml"
    local load; load=$(load1)
    WHISKER_MODELS_DIR=$ROOT/models "$WHISKER" --data-dir "$data" eval asr "$EVAL" --json > "$base.json"
    printf '{"engine": "whisker", "version": "%s", "weights": "%s", "threads": %s, "load_before": %s}\n' \
        "$("$WHISKER" --version | cut -d' ' -f2)" "$(ggml_weights)" "$1" "$load" > "$base.meta.json"
}

for round in $(seq 1 "$ROUNDS"); do
    for t in $THREADS; do
        log "round $round/$ROUNDS, $t threads: whisker (load $(load1))"
        whisker_run "$t" "$round"
        for w in $WEIGHTS; do
            log "round $round/$ROUNDS, $t threads: faster-whisper $w (load $(load1))"
            "$PYTHON" "$ROOT/bench/asr_peer.py" --model-dir "$CT2_DIR" --dir "$EVAL" --threads "$t" \
                --compute-type "$w" > "$OUT/asr_fw-${w}_t${t}_$round.json"
        done
    done
done

"$PYTHON" "$ROOT/bench/asr_report.py" "$OUT" | tee "$OUT/ASR.md"
