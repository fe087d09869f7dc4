//! The desktop around Whisker: opening a cited file at its page, the text
//! the user selected, copying and pasting back, choosing folders, and
//! writing a deck where the user keeps documents.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use whisker_core::Location;
use whisker_core::slides::{Deck, markdown, pptx};

use super::blocking;
use super::windows::POPUP;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;
use crate::{opener, selection};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

/// Opens a cited file with the user's viewer, at the page or slide when the
/// viewer takes one. Only files in the library can be opened this way.
#[tauri::command]
pub async fn open_source(
    state: AppStateRef<'_>,
    path: PathBuf,
    location: Location,
) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let known = state
            .assistant
            .library()
            .documents()?
            .iter()
            .any(|d| Path::new(&d.path) == path);
        if !known {
            return Err(CommandError::new(
                "invalid",
                format!("{} is not in the library", path.display()),
            ));
        }
        opener::open_at(&path, &location).map_err(|e| CommandError::new("io", e))
    })
    .await
}

/// Opens a deck Whisker exported (only files in Whisker's exports folder).
#[tauri::command]
pub fn open_path(path: PathBuf) -> CommandResult<()> {
    if !path.starts_with(exports_dir()) {
        return Err(CommandError::new(
            "invalid",
            "only exported decks can be opened",
        ));
    }
    opener::open(&path).map_err(|e| CommandError::new("io", e))
}

#[derive(Debug, serde::Serialize)]
pub struct Exported {
    pub pptx: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
}

/// Writes `deck` as PPTX or Marp Markdown into ~/Documents/Whisker.
#[tauri::command]
pub async fn export_deck(deck: Deck, format: String) -> CommandResult<Exported> {
    blocking(move || {
        let dir = exports_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new("io", format!("{}: {e}", dir.display())))?;
        let stem = file_stem(&deck.title);
        if format == "pptx" {
            let path = unused(&dir, &stem, "pptx");
            pptx::write(&deck, &path)?;
            Ok(Exported {
                pptx: Some(path),
                markdown: None,
            })
        } else {
            let path = unused(&dir, &stem, "md");
            markdown::write(&deck, &path)?;
            Ok(Exported {
                pptx: None,
                markdown: Some(path),
            })
        }
    })
    .await
}

#[tauri::command]
pub fn selection() -> String {
    selection::selected_text().unwrap_or_default()
}

#[tauri::command]
pub fn copy_text(text: String) -> CommandResult<()> {
    selection::copy(&text).map_err(|e| CommandError::new("io", e))
}

/// Copies `text`, hides the popup so focus returns to the previous app, and
/// pastes there (Ctrl+V).
#[tauri::command]
pub async fn paste_back(app: AppHandle, text: String) -> CommandResult<()> {
    selection::copy(&text).map_err(|e| CommandError::new("io", e))?;
    if let Some(popup) = app.get_webview_window(POPUP) {
        popup.hide().map_err(CommandError::internal)?;
    }
    blocking(move || selection::paste().map_err(|e| CommandError::new("io", e))).await
}

/// Asks for folders to add.
#[tauri::command]
pub async fn pick_paths(app: AppHandle) -> CommandResult<Vec<PathBuf>> {
    let picked = app
        .dialog()
        .file()
        .blocking_pick_folders()
        .unwrap_or_default();
    picked
        .into_iter()
        .map(|p| {
            p.into_path()
                .map_err(|e| CommandError::new("invalid", e.to_string()))
        })
        .collect()
}

fn exports_dir() -> PathBuf {
    let documents = std::env::var_os("WHISKER_EXPORTS_DIR").map(PathBuf::from);
    documents.unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        home.join("Documents").join("Whisker")
    })
}

/// A file name from a deck title: no path separators or control characters.
fn file_stem(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let stem = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let stem: String = stem.chars().take(80).collect();
    if stem.is_empty() { "Deck".into() } else { stem }
}

/// `dir/stem.ext`, or `dir/stem (2).ext`, ... if taken.
fn unused(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}).{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deck_titles_make_safe_file_names() {
        assert_eq!(file_stem("Hydro / networks: 2024?"), "Hydro networks 2024");
        assert_eq!(file_stem("水文网络"), "水文网络");
        assert_eq!(file_stem("  \n "), "Deck");
    }

    #[test]
    fn an_existing_export_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Deck.pptx"), b"x").unwrap();
        assert_eq!(
            unused(dir.path(), "Deck", "pptx"),
            dir.path().join("Deck (2).pptx")
        );
    }
}
