#!/usr/bin/env bash
# Rebuilds third_party/whisper-rs-sys: the whisper-rs-sys crate from
# crates.io (whisper.cpp and ggml, built by its build.rs), without the GPU
# backends Whisker does not build, with the patches in
# third_party/whisper-rs-sys.patches applied in order. The workspace's
# Cargo.toml points whisper-rs at this copy ([patch.crates-io]).
#
# To move to a newer whisper-rs-sys: set VERSION (and whisper-rs in
# Cargo.toml to the release using it), run this, fix any patch that no
# longer applies, then `cargo build --workspace --release` and bench/asr.sh.
#
#   third_party/vendor-whisper-rs-sys.sh          (VERSION=0.15.0)
#   third_party/vendor-whisper-rs-sys.sh --check  (make test: is the folder
#       exactly the crate with the patches? nothing is changed)
set -euo pipefail

VERSION=${VERSION:-0.15.0}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENDORED=$HERE/whisper-rs-sys
DEST=$VENDORED
CHECK=
if [[ ${1:-} == --check ]]; then
    CHECK=1
fi
PATCHES=$HERE/whisper-rs-sys.patches
# whisper.cpp's GPU and accelerator backends: not built by Whisker (speech
# runs on the CPU), 9 MB of the crate's 14. whisper-rs's `cuda`, `metal`,
# `vulkan`, `hipblas` or `intel-sycl` features need them back: run with
# KEEP_GPU=1.
GPU="ggml-cann ggml-cuda ggml-hexagon ggml-hip ggml-metal ggml-musa ggml-opencl ggml-sycl ggml-vulkan ggml-webgpu"

# The pristine crate, downloaded by cargo into its registry cache through a
# throwaway package that depends on exactly this version.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -n $CHECK ]] && DEST=$work/whisper-rs-sys
mkdir -p "$work/probe/src"
printf '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nwhisper-rs-sys = "=%s"\n' \
    "$VERSION" > "$work/probe/Cargo.toml"
touch "$work/probe/src/lib.rs"
src=$(cd "$work/probe" && cargo metadata --format-version 1 \
    | python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "whisper-rs-sys":
        print(p["manifest_path"].rsplit("/", 1)[0])')
[[ -f $src/build.rs ]] || { echo "whisper-rs-sys $VERSION not found (got '$src')" >&2; exit 1; }

rm -rf "$DEST"
cp -r "$src" "$DEST"
if [[ -z ${KEEP_GPU:-} ]]; then
    for backend in $GPU; do rm -rf "$DEST/whisper.cpp/ggml/src/$backend"; done
fi
for patch in "$PATCHES"/*.patch; do
    [[ -z $CHECK ]] && echo "applying $(basename "$patch")"
    patch --quiet --forward -p1 -d "$DEST" < "$patch"
done
if [[ -n $CHECK ]]; then
    if ! diff -r "$DEST" "$VENDORED" > "$work/diff"; then
        echo "third_party/whisper-rs-sys is not whisper-rs-sys $VERSION with the patches in" >&2
        echo "third_party/whisper-rs-sys.patches (put an edit in a patch, then rerun this script):" >&2
        head -n 40 "$work/diff" >&2
        exit 1
    fi
    echo "third_party/whisper-rs-sys: whisper-rs-sys $VERSION with its $(ls "$PATCHES" | wc -l) patches, unchanged"
    exit 0
fi
echo "third_party/whisper-rs-sys: whisper-rs-sys $VERSION, $(ls "$PATCHES" | wc -l) patches"
