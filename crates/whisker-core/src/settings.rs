//! The desktop app's preferences, in `app.toml` in the data folder: the
//! hotkey, what each extra mouse button does, the interface language and
//! theme, the speech language, and the folders being watched.
//!
//! They are not library settings (those are `config.toml`, see [`crate::config`]);
//! the CLI ignores them. Saving writes a temporary file and renames it, so a
//! crash never leaves half a file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file, inside the data folder.
pub const APP_SETTINGS_FILE: &str = "app.toml";

/// Opens the popup from anywhere. Ctrl+Alt+Space is not taken by GNOME, KDE,
/// Windows, common IMEs (which use Ctrl+Space / Super+Space) or browsers.
pub const DEFAULT_HOTKEY: &str = "Ctrl+Alt+Space";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// In the accelerator syntax of the global-shortcut plugin ("Ctrl+Alt+Space").
    pub hotkey: String,
    /// Mouse button code (X11 numbering: 8 back, 9 forward) -> action.
    pub buttons: BTreeMap<String, ButtonAction>,
    pub language: UiLanguage,
    pub theme: Theme,
    pub speech_language: SpeechLanguage,
    /// Folders added from the app; kept in sync while it runs.
    pub watched: Vec<PathBuf>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            hotkey: DEFAULT_HOTKEY.into(),
            buttons: BTreeMap::from([
                ("8".into(), ButtonAction::Talk),
                ("9".into(), ButtonAction::Popup),
            ]),
            language: UiLanguage::System,
            theme: Theme::System,
            speech_language: SpeechLanguage::Auto,
            watched: Vec::new(),
        }
    }
}

/// What pressing a mapped mouse button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonAction {
    /// Open (or hide) the popup in Ask mode.
    Popup,
    /// Hold to talk: listen while held, ask on release.
    Talk,
    /// Rewrite the selected text (Write mode with the selection).
    Rewrite,
    /// Open the popup in Slides mode.
    Slides,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UiLanguage {
    System,
    En,
    Zh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeechLanguage {
    Auto,
    Zh,
    En,
}

impl AppSettings {
    /// The settings in `data_dir`, or the defaults when there are none yet.
    pub fn load(data_dir: &Path) -> Result<AppSettings> {
        let path = data_dir.join(APP_SETTINGS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Config {
                path,
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppSettings::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Checks and writes the settings (atomically).
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        self.check()?;
        let path = data_dir.join(APP_SETTINGS_FILE);
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::Invalid(format!("settings cannot be written: {e}")))?;
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let mut file =
            tempfile::NamedTempFile::new_in(data_dir).map_err(|e| Error::io(data_dir, e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| Error::io(&path, e))?;
        file.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }

    fn check(&self) -> Result<()> {
        if self.hotkey.trim().is_empty() {
            return Err(Error::Invalid("the hotkey is empty".into()));
        }
        for code in self.buttons.keys() {
            match code.parse::<u16>() {
                Ok(1..=3) => {
                    return Err(Error::Invalid(format!(
                        "mouse button {code} is a main button (left, middle or right); \
                         map an extra button such as 8 (back) or 9 (forward)"
                    )));
                }
                Ok(_) => {}
                Err(_) => {
                    return Err(Error::Invalid(format!(
                        "'{code}' is not a mouse button number"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_missing_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = AppSettings::load(dir.path()).unwrap();
        assert_eq!(settings, AppSettings::default());
        settings.theme = Theme::Dark;
        settings.buttons.insert("10".into(), ButtonAction::Rewrite);
        settings.watched.push("/home/ana/docs".into());
        settings.save(dir.path()).unwrap();
        assert_eq!(AppSettings::load(dir.path()).unwrap(), settings);
    }

    #[test]
    fn main_buttons_and_typos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = AppSettings::default();
        settings.buttons.insert("1".into(), ButtonAction::Popup);
        let err = settings.save(dir.path()).unwrap_err();
        assert!(err.to_string().contains("main button"), "{err}");
        assert!(!dir.path().join(APP_SETTINGS_FILE).exists());
        std::fs::write(dir.path().join(APP_SETTINGS_FILE), "hotkye = \"x\"\n").unwrap();
        let err = AppSettings::load(dir.path()).unwrap_err();
        assert_eq!(err.code(), "config");
    }
}
