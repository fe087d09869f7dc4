//! Slide decks: the [`Deck`] model, a tolerant parser for a model's JSON
//! outline, and exporters to PowerPoint (`.pptx`) and Marp Markdown.
//!
//! The flow is `model text -> outline::parse -> Deck -> pptx::write /
//! markdown::write`. [`outline::parse`] repairs what small models get wrong
//! (code fences, trailing commas, truncated output, key aliases) and says
//! which repairs it made, or lists what is wrong so the caller can ask again.
//! Both exporters write atomically: a crash leaves the old file or none, never
//! half a deck.
//!
//! It does not prompt or run a model (the slides task does), nor design
//! decks: one plain theme, a title slide, one slide per outline entry, and
//! the sources at the end.
//!
//! ```no_run
//! use whisker_core::slides::{markdown, outline, pptx};
//!
//! let text = "```json\n{\"title\": \"Vector search\", \"slides\": [{\"title\": \"Why\",
//!     \"bullets\": [\"Finds meaning, not words\"], \"notes\": \"See [1].\"}]}\n```";
//! let (deck, repairs) = outline::parse(text).map_err(whisker_core::Error::from)?;
//! println!("{} slides, {} repairs", deck.slides.len(), repairs.len());
//! pptx::write(&deck, "deck.pptx".as_ref())?;
//! markdown::write(&deck, "deck.md".as_ref())?;
//! # Ok::<(), whisker_core::Error>(())
//! ```

mod deck;
pub mod markdown;
pub mod outline;
pub mod pptx;
mod xml;

pub use deck::{Deck, Slide, SourceRef};
pub use outline::OutlineError;

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `path` through a temporary file in the same folder, synced and then
/// renamed over the target, so readers see the old file or the whole new one.
fn write_atomic(path: &Path, fill: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".whisker-export-");
    // Readable as any new file would be (0666 less the umask), not
    // tempfile's owner-only 0600: a deck is made to be shared.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut()
        .flush()
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.md");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, |f| {
            f.write_all(b"new").map_err(|e| Error::io("x", e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn written_file_is_readable_by_others_like_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.md");
        write_atomic(&path, |_| Ok(())).unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }

    #[test]
    fn failed_write_keeps_old_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.md");
        std::fs::write(&path, "old").unwrap();
        let result = write_atomic(&path, |f| {
            f.write_all(b"half").map_err(|e| Error::io("x", e))?;
            Err(Error::Invalid("stopped".into()))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/deck.md");
        let err = write_atomic(&path, |_| Ok(())).unwrap_err();
        assert_eq!(err.code(), "io");
        assert!(err.to_string().contains("no/such"), "{err}");
    }
}
