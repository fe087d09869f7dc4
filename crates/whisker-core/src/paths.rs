//! Where Whisker keeps its data.
//!
//! The data folder is, in order: the `--data-dir` flag, `WHISKER_DATA_DIR`,
//! then the platform's data folder (`~/.local/share/whisker` on Linux).
//! Inside it: `store/` (the index) and `config.toml`.

use std::path::{Path, PathBuf};

/// Environment variable naming the data folder.
pub const DATA_DIR_ENV: &str = "WHISKER_DATA_DIR";

/// The data folder: `flag`, else `WHISKER_DATA_DIR`, else the platform default.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "whisker")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".whisker"))
}

/// The index folder inside a data folder.
pub fn store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("store")
}

/// The config file inside a data folder.
pub fn config_file(data_dir: &Path) -> PathBuf {
    data_dir.join("config.toml")
}

/// Environment variable naming the models folder.
pub const MODELS_DIR_ENV: &str = "WHISKER_MODELS_DIR";

/// The models folder: `WHISKER_MODELS_DIR`, else the workspace `models/`
/// in a development build (when it exists), else `models/` in the data folder.
pub fn models_dir(data_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(MODELS_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    #[cfg(debug_assertions)]
    {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        if workspace.join("manifest.toml").is_file() || workspace.join("README.md").is_file() {
            return workspace.canonicalize().unwrap_or(workspace);
        }
    }
    data_dir.join("models")
}
