//! Finding the pdfium shared library at run time and binding it once per process.
//!
//! Where it looks, first match wins:
//!
//! 1. `WHISKER_PDFIUM`, the library file or the folder holding it. When set,
//!    nothing else is tried, so a wrong setting is reported instead of hidden.
//! 2. The folder of the running executable (how a packaged app ships it).
//! 3. In debug builds, `third_party/pdfium/` of the source tree, where
//!    `make pdfium` puts it.
//! 4. The system library search path (`LD_LIBRARY_PATH`, ld.so's cache).

use std::env;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use pdfium_render::prelude::{Pdfium, PdfiumError};

use crate::error::{Error, Result};

/// Environment variable naming `libpdfium.so` or the folder holding it.
pub const ENV_VAR: &str = "WHISKER_PDFIUM";

/// This crate's folder in the source checkout; `make pdfium` puts the
/// library in `third_party/pdfium/` two levels up.
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The bound library; `None` until a lookup succeeds.
///
/// A failed lookup is not remembered, so installing the library makes the
/// next PDF readable without a restart. The lock is held for a whole
/// document: pdfium keeps global state and is not thread-safe, and
/// pdfium-render's `thread_safe` feature only locks each call on its own.
static PDFIUM: Mutex<Option<Pdfium>> = Mutex::new(None);

/// Runs `f` with the bound library, binding it first if needed; one caller at a time.
pub fn with_pdfium<T>(f: impl FnOnce(&Pdfium) -> Result<T>) -> Result<T> {
    // A panic inside `f` poisons the lock but leaves pdfium usable: every
    // document and page handle was closed by its Drop while unwinding.
    let mut slot = PDFIUM.lock().unwrap_or_else(PoisonError::into_inner);
    let pdfium = match slot.take() {
        Some(pdfium) => pdfium,
        None => bind()?,
    };
    f(slot.insert(pdfium))
}

fn bind() -> Result<Pdfium> {
    let mut tried = Vec::new();
    for path in candidates() {
        if !path.is_file() {
            tried.push(format!("{} (absent)", path.display()));
            continue;
        }
        match Pdfium::bind_to_library(&path) {
            Ok(bindings) => return Ok(Pdfium::new(bindings)),
            Err(e) => tried.push(format!("{} ({})", path.display(), load_error(&e))),
        }
    }
    if env::var_os(ENV_VAR).is_none() {
        match Pdfium::bind_to_system_library() {
            Ok(bindings) => return Ok(Pdfium::new(bindings)),
            Err(e) => tried.push(format!("system library path ({})", load_error(&e))),
        }
    }
    Err(Error::MissingLibrary(missing_message(&tried)))
}

/// The library files to try, in order, before the system search path.
fn candidates() -> Vec<PathBuf> {
    if let Some(value) = env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        return vec![if path.is_dir() {
            library_in(&path)
        } else {
            path
        }];
    }
    let mut dirs = Vec::new();
    if let Some(dir) = env::current_exe().ok().as_deref().and_then(Path::parent) {
        dirs.push(dir.to_path_buf());
    }
    let workspace = Path::new(MANIFEST_DIR).parent().and_then(Path::parent);
    if let Some(workspace) = workspace.filter(|_| cfg!(debug_assertions)) {
        dirs.push(workspace.join("third_party").join("pdfium"));
    }
    dirs.iter().map(|dir| library_in(dir)).collect()
}

fn library_in(dir: &Path) -> PathBuf {
    Pdfium::pdfium_platform_library_name_at_path(dir)
}

fn load_error(e: &PdfiumError) -> String {
    match e {
        PdfiumError::LoadLibraryError(e) => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
        PdfiumError::LoadLibraryFunctionNameError(name) => {
            format!("too old, lacks {name}")
        }
        other => format!("{other:?}"),
    }
}

fn missing_message(tried: &[String]) -> String {
    format!(
        "PDF reading needs the pdfium library ({}), which could not be loaded: \
         run `make pdfium` in the Whisker source tree, or set {ENV_VAR} to the \
         library file or its folder (tried: {})",
        Pdfium::pdfium_platform_library_name().to_string_lossy(),
        tried.join("; ")
    )
}
