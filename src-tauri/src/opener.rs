//! Opening files with the user's own programs. For PDFs and slides, the
//! common Linux viewers are started at the cited page when they are the
//! default; anything else goes through the desktop's opener (xdg-open).
//! `WHISKER_OPENER` names a program to use instead of both (it gets the
//! file's path, then `--page N` when the citation has a page or slide); the
//! end-to-end test points it at a recorder.

use std::path::Path;
use std::process::{Command, Stdio};

use whisker_core::Location;

/// Environment variable naming the program that opens files instead of the desktop's.
pub const OPENER_ENV: &str = "WHISKER_OPENER";

/// Opens `path` at `location` when the default viewer takes a page.
pub fn open_at(path: &Path, location: &Location) -> Result<(), String> {
    let page = match location {
        Location::Page { page } => Some(*page),
        Location::Slide { slide } => Some(*slide),
        _ => None,
    };
    if let Some(program) = std::env::var_os(OPENER_ENV) {
        let page = page.map(|p| ["--page".to_owned(), p.to_string()]);
        return spawn(Command::new(program).arg(path).args(page.iter().flatten()));
    }
    if let Some(page) = page
        && let Some(viewer) = default_viewer(path)
        && let Some(args) = page_args(&viewer, page)
    {
        return spawn(Command::new(&viewer).args(args).arg(path));
    }
    open(path)
}

/// Opens `path` with the desktop's default program.
pub fn open(path: &Path) -> Result<(), String> {
    let opener = if let Some(program) = std::env::var_os(OPENER_ENV) {
        program
    } else if cfg!(target_os = "macos") {
        "open".into()
    } else {
        "xdg-open".into()
    };
    spawn(Command::new(opener).arg(path))
}

/// The program of the default application for the file's type, when the
/// desktop says (xdg-mime), e.g. `evince`.
fn default_viewer(path: &Path) -> Option<String> {
    let mime = output(
        Command::new("xdg-mime")
            .args(["query", "filetype"])
            .arg(path),
    )?;
    let desktop = output(Command::new("xdg-mime").args(["query", "default", mime.trim()]))?;
    Some(
        desktop
            .trim()
            .trim_end_matches(".desktop")
            .rsplit('.')
            .next()?
            .to_lowercase(),
    )
}

/// How each viewer is told the page to open at.
fn page_args(viewer: &str, page: u32) -> Option<Vec<String>> {
    let page = page.to_string();
    match viewer {
        "evince" | "org.gnome.evince" => Some(vec![format!("--page-label={page}")]),
        "okular" => Some(vec!["--page".into(), page]),
        "zathura" => Some(vec!["--page".into(), page]),
        "xreader" | "atril" => Some(vec![format!("--page-label={page}")]),
        _ => None,
    }
}

fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn spawn(command: &mut Command) -> Result<(), String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("could not start {:?}: {e}", command.get_program()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_viewers_get_the_page() {
        assert_eq!(page_args("evince", 7).unwrap(), ["--page-label=7"]);
        assert_eq!(page_args("okular", 3).unwrap(), ["--page", "3"]);
        assert!(page_args("firefox", 3).is_none());
    }
}
