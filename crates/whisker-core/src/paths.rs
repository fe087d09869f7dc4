//! Where Whisker keeps its data.
//!
//! The data folder is, in order: the `--data-dir` flag, `WHISKER_DATA_DIR`,
//! then the platform's data folder (`~/.local/share/whisker` on Linux).
//! Inside it: `store/` (the index) and `config.toml`.
//!
//! Models live in `WHISKER_MODELS_DIR`, else (in a debug build run from the
//! workspace) the workspace's `models/`, else `<data folder>/models`.
//! Downloaded wheels are cached in `WHISKER_CACHE_DIR`, else the platform's
//! cache folder (`~/.cache/whisker`).

use std::path::{Path, PathBuf};

/// Environment variable naming the data folder.
pub const DATA_DIR_ENV: &str = "WHISKER_DATA_DIR";
/// Environment variable naming the models folder.
pub const MODELS_DIR_ENV: &str = "WHISKER_MODELS_DIR";
/// Environment variable naming the download cache folder.
pub const CACHE_DIR_ENV: &str = "WHISKER_CACHE_DIR";

/// The data folder: `flag`, else `WHISKER_DATA_DIR`, else the platform default.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = env_dir(DATA_DIR_ENV) {
        return dir;
    }
    directories::ProjectDirs::from("", "", "whisker")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".whisker"))
}

/// The models folder: `WHISKER_MODELS_DIR`, else the workspace `models/` in a
/// debug build (when it exists), else `<data_dir>/models`.
pub fn models_dir(data_dir: &Path) -> PathBuf {
    if let Some(dir) = env_dir(MODELS_DIR_ENV) {
        return dir;
    }
    if cfg!(debug_assertions) {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        if workspace.join("manifest.toml").is_file() {
            return workspace.canonicalize().unwrap_or(workspace);
        }
    }
    data_dir.join("models")
}

/// Where downloads are cached: `WHISKER_CACHE_DIR`, else the platform cache
/// folder, else `<data_dir>/cache`.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    if let Some(dir) = env_dir(CACHE_DIR_ENV) {
        return dir;
    }
    directories::ProjectDirs::from("", "", "whisker")
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| data_dir.join("cache"))
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// The index folder inside a data folder.
pub fn store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("store")
}

/// The config file inside a data folder.
pub fn config_file(data_dir: &Path) -> PathBuf {
    data_dir.join("config.toml")
}
