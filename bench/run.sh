#!/usr/bin/env bash
# Whisker vs SQLite FTS5 (GPT4All LocalDocs approach): ingest throughput and
# BM25 query latency. See bench/README.md. Prints a Markdown table on stdout
# (also saved as $OUT/RESULTS.md); progress goes to stderr.
#
# Environment (defaults in brackets):
#   CORPUS_MB [200]  FILES [10000]     ingest corpus (part a), bench/corpus
#   Q_CORPUS_MB [110] Q_FILES [5500]   query corpus (part b), bench/corpus-q,
#                                      sized for ~100,000 chunks of 300 tokens
#   SEED [1]  N_QUERIES [200]  K [10]  REPEAT [3]
#   FTS_TOKENIZERS ["porter trigram"]  any of porter (= LocalDocs), unicode61, trigram
#   FTS_MODE [localdocs]               fts5.py query --mode
#   WHISKER [target/release/whisker]   WHISKER_QUERY [target/release/whisker-bench-query]
#   SKIP_WHISKER [0]                   1: FTS5 side only
#   SKIP_INGEST [0] / SKIP_QUERY [0]   1: skip part (a) / part (b)
#   WORK [mktemp -d]                   scratch dir for data dirs and databases (removed
#                                      at exit unless WORK is given)
#   KEEP_DBS [0]                       1: keep the indexes (only useful with WORK set)
#   OUT [bench/out/<timestamp>]        JSON records and RESULTS.md
set -euo pipefail

# Words only: FTS5 has no vectors, so Whisker is measured without embedding
# (bench/vectors.sh measures vectors).
export WHISKER_EMBED_MODEL=${WHISKER_EMBED_MODEL:-none}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
PY=${PYTHON:-python3}

CORPUS_MB=${CORPUS_MB:-200}
FILES=${FILES:-10000}
Q_CORPUS_MB=${Q_CORPUS_MB:-110}
Q_FILES=${Q_FILES:-5500}
SEED=${SEED:-1}
N_QUERIES=${N_QUERIES:-200}
K=${K:-10}
REPEAT=${REPEAT:-3}
FTS_TOKENIZERS=${FTS_TOKENIZERS:-porter trigram}
FTS_MODE=${FTS_MODE:-localdocs}
WHISKER=${WHISKER:-$ROOT/target/release/whisker}
WHISKER_QUERY=${WHISKER_QUERY:-$ROOT/target/release/whisker-bench-query}
SKIP_WHISKER=${SKIP_WHISKER:-0}
SKIP_INGEST=${SKIP_INGEST:-0}
SKIP_QUERY=${SKIP_QUERY:-0}
KEEP_DBS=${KEEP_DBS:-0}
CORPUS=${CORPUS:-$BENCH/corpus}
Q_CORPUS=${Q_CORPUS:-$BENCH/corpus-q}
OUT=${OUT:-$BENCH/out/$(date +%Y%m%d-%H%M%S)}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -z ${WORK:-} ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/whisker-bench.XXXXXX")
    trap 'rm -rf -- "$WORK"' EXIT
fi
mkdir -p "$OUT" "$WORK"
log "records in $OUT, scratch in $WORK"

if [[ $SKIP_WHISKER != 1 ]]; then
    [[ -x $WHISKER ]] || die "$WHISKER not found (cargo build --release, or SKIP_WHISKER=1)"
    if [[ $SKIP_QUERY != 1 ]]; then
        [[ -x $WHISKER_QUERY ]] || die "$WHISKER_QUERY not found (or SKIP_WHISKER=1)"
    fi
fi

# --- machine ---------------------------------------------------------------
"$PY" - "$OUT/machine.json" "$WHISKER" "$WORK" <<'EOF'
import json, os, platform, sqlite3, subprocess, sys, time
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""
lscpu = dict(l.split(":", 1) for l in sh("lscpu").splitlines() if ":" in l)
g = lambda k: lscpu.get(k, "").strip()
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
osname = ""
if os.path.exists("/etc/os-release"):
    osname = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
                   if l.startswith("PRETTY_NAME=")), "")
df = sh("df", "-hT", sys.argv[3]).splitlines()
whisker = sh(sys.argv[2], "--version") if os.access(sys.argv[2], os.X_OK) else ""
m = {
    "cpu": g("Model name") or platform.processor(),
    "cores": f"{os.cpu_count()} logical CPUs ({g('Socket(s)') or '?'} socket(s) x "
             f"{g('Core(s) per socket') or '?'} cores x {g('Thread(s) per core') or '?'} threads)",
    "ram": f"{int(mem) / 1024 / 1024:.1f} GiB",
    "kernel": platform.release(),
    "os": osname,
    "disk": " ".join(df[-1].split()[:2]) if len(df) > 1 else "",
    "python": platform.python_version(),
    "sqlite": sqlite3.sqlite_version,
    "whisker": whisker,
    "load": "load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
    "date": time.strftime("%Y-%m-%d %H:%M %Z"),
}
json.dump(m, open(sys.argv[1], "w"), indent=1)
EOF

# --- corpora ---------------------------------------------------------------
# Regenerated only when absent or generated with other parameters (the
# parameters are kept next to the corpus, in DIR.params).
ensure_corpus() { # dir mb files summary.json
    local dir=$1 mb=$2 files=$3 summary=$4 params="mb=$2 files=$3 seed=$SEED"
    if [[ -d $dir && -f $dir.params && $(cat "$dir.params") == "$params" && -f $dir.summary.json ]]; then
        log "corpus $dir present ($params)"
    else
        log "generating corpus $dir ($params)"
        rm -f -- "$dir.params"
        "$PY" "$BENCH/gen_corpus.py" --out "$dir" --files "$files" --mb "$mb" --seed "$SEED" --force \
            > "$dir.summary.json"
        echo "$params" > "$dir.params"
    fi
    cp "$dir.summary.json" "$summary"
}

warm_cache() { # so that neither engine pays for the first read from disk
    find "$1" -type f -exec cat {} + > /dev/null
}

drop() { # index paths: removed after use unless KEEP_DBS=1
    [[ $KEEP_DBS == 1 ]] || rm -rf -- "$@"
}

timed() { # record.json size_of_path cmd...
    local rec=$1 size=$2
    shift 2
    "$PY" "$BENCH/timecmd.py" --out "$rec" --size-of "$size" -- "$@" > /dev/null
}

# --- (a) ingest --------------------------------------------------------------
if [[ $SKIP_INGEST != 1 ]]; then
    ensure_corpus "$CORPUS" "$CORPUS_MB" "$FILES" "$OUT/corpus.json"
    if [[ $SKIP_WHISKER != 1 ]]; then
        warm_cache "$CORPUS"
        log "(a) whisker add"
        timed "$OUT/whisker_ingest.json" "$WORK/w_a" \
            "$WHISKER" --data-dir "$WORK/w_a" add "$CORPUS" --json
        drop "$WORK/w_a"
    fi
    for tok in $FTS_TOKENIZERS; do
        warm_cache "$CORPUS"
        log "(a) fts5 ingest ($tok)"
        timed "$OUT/fts5_ingest_$tok.json" "$WORK/fts_a_$tok.db" \
            "$PY" "$BENCH/fts5.py" ingest --corpus "$CORPUS" --db "$WORK/fts_a_$tok.db" --tokenizer "$tok"
        drop "$WORK/fts_a_$tok.db"
    done
fi

# --- (b) query latency -------------------------------------------------------
if [[ $SKIP_QUERY != 1 ]]; then
    ensure_corpus "$Q_CORPUS" "$Q_CORPUS_MB" "$Q_FILES" "$OUT/corpus_q.json"
    log "generating $N_QUERIES queries"
    "$PY" "$BENCH/gen_queries.py" --corpus "$Q_CORPUS" --out "$OUT/queries.txt" --n "$N_QUERIES" --seed "$SEED" \
        > "$OUT/queries.json"
    if [[ $SKIP_WHISKER != 1 ]]; then
        warm_cache "$Q_CORPUS"
        log "(b) whisker add (query corpus)"
        timed "$OUT/whisker_ingest_q.json" "$WORK/w_q" \
            "$WHISKER" --data-dir "$WORK/w_q" add "$Q_CORPUS" --json
        log "(b) whisker queries"
        timed "$OUT/whisker_query.json" "$WORK/w_q" \
            "$WHISKER_QUERY" --data-dir "$WORK/w_q" --queries "$OUT/queries.txt" --k "$K" --repeat "$REPEAT" --json
        drop "$WORK/w_q"
    fi
    for tok in $FTS_TOKENIZERS; do
        warm_cache "$Q_CORPUS"
        log "(b) fts5 ingest ($tok, query corpus)"
        timed "$OUT/fts5_ingest_q_$tok.json" "$WORK/fts_q_$tok.db" \
            "$PY" "$BENCH/fts5.py" ingest --corpus "$Q_CORPUS" --db "$WORK/fts_q_$tok.db" --tokenizer "$tok"
        log "(b) fts5 queries ($tok)"
        timed "$OUT/fts5_query_$tok.json" "$WORK/fts_q_$tok.db" \
            "$PY" "$BENCH/fts5.py" query --db "$WORK/fts_q_$tok.db" --queries "$OUT/queries.txt" \
            --k "$K" --repeat "$REPEAT" --mode "$FTS_MODE" --answers "$OUT/queries.txt.answers.tsv"
        drop "$WORK/fts_q_$tok.db"
    done
fi

"$PY" "$BENCH/report.py" "$OUT" | tee "$OUT/RESULTS.md"
