//! CLI end-to-end tests: the `whisker` binary (built by `cargo build
//! --workspace`) on real and hostile files, always with `--json`.
//!
//! One test binary; each module covers one promise of the design:
//! the evaluation documents index and rank, `add` is incremental, bad input
//! is a clear failure that does not stop the run, a kill mid-`add` leaves a
//! consistent store, `watch` follows the folder, usage errors exit 2, and
//! `models` knows the manifest and fails clearly.
//! `regression` holds tests named after bugs they caught. `slides_export`
//! calls whisker-core directly and checks its decks with python-pptx and
//! LibreOffice; `assistant` runs `ask`, `write` and `slides` with the real
//! default chat model; `speech` runs `transcribe`, `ask --audio` and
//! `eval asr` with the default whisper.cpp model; `listen` hears one
//! utterance through the live session.

// As in `#[test]` functions (clippy.toml): in this binary's helpers too, a
// panic is the failure report.
#![allow(clippy::unwrap_used)]

#[path = "cli/assistant.rs"]
mod assistant;
#[path = "cli/bad_input.rs"]
mod bad_input;
#[path = "cli/crash.rs"]
mod crash;
#[path = "cli/eval_docs.rs"]
mod eval_docs;
#[path = "cli/eval_retrieval.rs"]
mod eval_retrieval;
#[path = "cli/incremental.rs"]
mod incremental;
#[path = "cli/listen.rs"]
mod listen;
#[path = "cli/models.rs"]
mod models;
#[path = "cli/regression.rs"]
mod regression;
#[path = "cli/slides_export.rs"]
mod slides_export;
#[path = "cli/speech.rs"]
mod speech;
#[path = "cli/sys.rs"]
mod sys;
#[path = "cli/usage.rs"]
mod usage;
#[path = "cli/vectors.rs"]
mod vectors;
#[path = "cli/watch.rs"]
mod watch;
