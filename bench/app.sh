#!/usr/bin/env bash
# The desktop app: cold start to first window, hotkey to popup visible
# (warm), idle memory without models and with the default models loaded,
# and installed size. See bench/README.md. Prints a Markdown table on stdout
# (also saved as $OUT/RESULTS.md); progress goes to stderr.
#
# Without a display it runs itself under `dbus-run-session -- xvfb-run -a`.
# Windows are seen through the X server (xdotool): "visible" is the window
# mapped, which is when the window manager would show it. Memory is the
# proportional set size (PSS) of the app and its WebKit helper processes
# (the web and network processes), so shared libraries count once; the
# resident set (RSS) is given too, of the app process alone and summed over
# the processes (which counts shared libraries once per process).
#
# Environment (defaults in brackets):
#   APP [target/release/whisker-app]   the app (built with its UI: make app-build, or --release)
#   WHISKER [target/release/whisker]   the CLI, to index the samples before the "models loaded" run
#   RUNS [5]            cold starts and hotkey presses measured (the median is reported)
#   HOTKEY [ctrl+alt+space]
#   MODELS_DIR [models] the default models (make models)
#   OUT [bench/out/app-<timestamp>]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APP=${APP:-$ROOT/target/release/whisker-app}
WHISKER=${WHISKER:-$ROOT/target/release/whisker}
RUNS=${RUNS:-5}
HOTKEY=${HOTKEY:-ctrl+alt+space}
export WHISKER_MODELS_DIR=${MODELS_DIR:-$ROOT/models}
# PDFs in the samples need pdfium (make pdfium puts it here).
export WHISKER_PDFIUM=${WHISKER_PDFIUM:-$ROOT/third_party/pdfium}
OUT=${OUT:-$ROOT/bench/out/app-$(date +%Y%m%d-%H%M%S)}

log() { printf '[bench-app %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "error: $*"
    [[ -s ${WORK:-}/app.log ]] && { log "the app said:"; tail -n 20 "$WORK/app.log" >&2; }
    exit 1
}

if [[ -z ${DISPLAY:-} ]]; then
    exec dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" "$0" "$@"
fi
for tool in xdotool ps; do command -v $tool >/dev/null || die "$tool is missing (make deps)"; done
[[ -x $APP ]] || die "$APP is missing: make app-build (or cargo build --workspace --release)"
[[ -x $WHISKER ]] || die "$WHISKER is missing: cargo build --workspace (--release)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/whisker-bench-app.XXXXXX")
APP_PID=
cleanup() {
    [[ -n $APP_PID ]] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
    rm -rf -- "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"

now_ms() { date +%s%3N; }

# Visible top-level windows named Whisker (the main window, then also the popup).
visible_windows() { xdotool search --onlyvisible --name '^Whisker$' 2>/dev/null | wc -l; }

# Waits until at least $1 Whisker windows are visible; fails after 60 s, or
# at once when the app has exited. Polls every 10 ms: each look is an X
# connection, and polling much faster made Xvfb refuse the app's own
# (GTK failed to initialise about one start in five).
wait_windows() {
    local want=$1 deadline=$(( $(now_ms) + 60000 ))
    until (( $(visible_windows) >= want )); do
        (( $(now_ms) < deadline )) || die "no $want visible Whisker window(s) after 60 s"
        [[ -n $APP_PID ]] && ! kill -0 "$APP_PID" 2>/dev/null && die "the app exited"
        sleep 0.01
    done
}

# Starts the app on data folder $1 (own HOME: no settings carried over).
start_app() {
    WHISKER_DATA_DIR=$1 HOME=$WORK/home "$APP" >>"$WORK/app.log" 2>&1 &
    APP_PID=$!
}

stop_app() {
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=
    # The single-instance lock and the WebKit helpers go with it.
    while (( $(visible_windows) > 0 )); do sleep 0.05; done
}

# The app's process and every descendant (WebKitWebProcess, WebKitNetworkProcess).
tree_pids() {
    local pids=$1 next=$1
    while [[ -n $next ]]; do
        next=$(ps -o pid= --ppid "$(tr ' ' ',' <<<"$next")" 2>/dev/null | xargs || true)
        [[ -n $next ]] && pids="$pids $next"
    done
    echo "$pids"
}

# PSS of the process tree in MB.
pss_mb() {
    local total=0 pid kb
    for pid in $(tree_pids "$APP_PID"); do
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$(( total + ${kb:-0} ))
    done
    mb "$total" 1024
}

# RSS in MB: "app" (the app process) or "sum" (the process tree).
rss_mb() {
    local total=0 pid kb pids
    pids=$([[ $1 == app ]] && echo "$APP_PID" || tree_pids "$APP_PID")
    for pid in $pids; do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$(( total + ${kb:-0} ))
    done
    mb "$total" 1024
}

# CPU ticks used by the process tree so far.
cpu_ticks() {
    local total=0 pid
    for pid in $(tree_pids "$APP_PID"); do
        total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

# Waits until the app has used under 10% of a core for 3 s in a row (idle: no
# model work; a blinking caret in a shown window costs ~5% under Xvfb's
# software rendering), at most 10 min.
wait_idle() {
    local last now quiet=0 deadline=$(( $(now_ms) + 600000 ))
    last=$(cpu_ticks)
    while (( quiet < 3 )); do
        sleep 1
        now=$(cpu_ticks)
        if (( now - last <= 10 )); then quiet=$(( quiet + 1 )); else quiet=0; fi
        last=$now
        (( $(now_ms) < deadline )) || die "the app did not go idle within 10 min"
    done
}

# $1 / $2 with one decimal.
mb() { awk -v n="$1" -v d="$2" 'BEGIN {printf "%.1f", n / d}'; }

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# 1. Cold start to first window: a new data folder each time.
log "cold start x$RUNS"
: >"$WORK/cold"
for i in $(seq "$RUNS"); do
    t0=$(now_ms)
    start_app "$WORK/data-cold-$i"
    wait_windows 1
    echo $(( $(now_ms) - t0 )) >>"$WORK/cold"
    stop_app
done
COLD=$(median <"$WORK/cold")

# 2. Hotkey to popup visible, warm (the app running, the popup shown once before).
log "hotkey to popup x$RUNS"
start_app "$WORK/data-warm"
wait_windows 1
wait_idle
: >"$WORK/hotkey"
for i in $(seq 0 "$RUNS"); do
    t0=$(now_ms)
    xdotool key --clearmodifiers "$HOTKEY"
    wait_windows 2
    t1=$(now_ms)
    (( i > 0 )) && echo $(( t1 - t0 )) >>"$WORK/hotkey"   # the first show is not warm
    xdotool key Escape
    until (( $(visible_windows) < 2 )); do sleep 0.01; done
    sleep 0.5
done
HOTKEY_MS=$(median <"$WORK/hotkey")

# 3. Idle memory, no model loaded (nothing asked yet).
wait_idle
IDLE_PSS=$(pss_mb)
IDLE_RSS="$(rss_mb app) / $(rss_mb sum)"
stop_app

# 4. Idle memory with the default models loaded: the samples indexed by the
# CLI (embedder loaded), then one question asked in the popup (generator loaded).
log "indexing the samples, then asking once"
"$WHISKER" --data-dir "$WORK/data-models" add "$ROOT/samples" >/dev/null 2>>"$WORK/app.log"
start_app "$WORK/data-models"
wait_windows 1
wait_idle
xdotool key --clearmodifiers "$HOTKEY"
wait_windows 2
sleep 1
xdotool type --delay 20 "What happens when you hold the spare mouse button?"
xdotool key Return
sleep 2
wait_idle
xdotool key Escape   # the answer is in; the popup goes (as a user closes it)
wait_idle
MODELS_PSS=$(pss_mb)
MODELS_RSS="$(rss_mb app) / $(rss_mb sum)"
stop_app

# 5. Installed size: the app binary (its UI is embedded) and pdfium, which it loads for PDFs.
BIN_MB=$(mb "$(stat -c %s "$APP")" 1048576)
strip -o "$WORK/stripped" "$APP"
STRIPPED_MB=$(mb "$(stat -c %s "$WORK/stripped")" 1048576)
PDFIUM=$ROOT/third_party/pdfium/libpdfium.so
PDFIUM_BYTES=$( [[ -f $PDFIUM ]] && stat -c %s "$PDFIUM" || echo 0)
PDFIUM_MB=$(mb "$PDFIUM_BYTES" 1048576)
INSTALLED_MB=$(mb "$(( $(stat -c %s "$WORK/stripped") + PDFIUM_BYTES ))" 1048576)

{
    echo "| measure | Whisker app | goal |"
    echo "| --- | ---: | ---: |"
    echo "| cold start to first window (median of $RUNS) | $COLD ms | |"
    echo "| hotkey to popup visible, warm (median of $RUNS) | $HOTKEY_MS ms | ≤ 100 ms |"
    echo "| idle memory (PSS, app + WebKit processes), no model loaded | $IDLE_PSS MB | ≤ 150 MB |"
    echo "| idle memory with the default models loaded | $MODELS_PSS MB | |"
    echo "| idle RSS, no model loaded: app process / summed over processes | $IDLE_RSS MB | |"
    echo "| idle RSS with the default models loaded: app process / summed | $MODELS_RSS MB | |"
    echo "| installed size: binary stripped ($BIN_MB MB unstripped) + pdfium $PDFIUM_MB MB | $INSTALLED_MB MB | |"
    echo
    echo "App: \`${APP#"$ROOT"/}\`; $(nproc) cores; $(uname -sr)."
} | tee "$OUT/RESULTS.md"
log "saved $OUT/RESULTS.md"
