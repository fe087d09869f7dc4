//! Which reader a file gets: by content signature first, then by extension.

use std::path::Path;

use crate::document::Kind;

/// Source and plain-text extensions read as text.
const CODE: &[&str] = &[
    "rs",
    "py",
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "c",
    "h",
    "cc",
    "cpp",
    "cxx",
    "hpp",
    "hh",
    "java",
    "kt",
    "kts",
    "scala",
    "go",
    "rb",
    "php",
    "cs",
    "swift",
    "m",
    "mm",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "bat",
    "sql",
    "lua",
    "r",
    "pl",
    "pm",
    "hs",
    "ml",
    "ex",
    "exs",
    "erl",
    "clj",
    "dart",
    "zig",
    "nim",
    "jl",
    "vue",
    "svelte",
    "css",
    "scss",
    "less",
    "toml",
    "yaml",
    "yml",
    "json",
    "jsonl",
    "xml",
    "ini",
    "cfg",
    "conf",
    "properties",
    "gradle",
    "cmake",
    "proto",
    "graphql",
    "tf",
    "nix",
    "vim",
    "el",
];
const TEXT: &[&str] = &[
    "txt", "text", "log", "rst", "org", "adoc", "asciidoc", "tex", "me",
];
const NAMES: &[&str] = &[
    "readme",
    "license",
    "licence",
    "copying",
    "authors",
    "changelog",
    "changes",
    "news",
    "todo",
    "notes",
    "makefile",
    "dockerfile",
    "install",
    "contributing",
];

/// The format of a file, or `None` when Whisker does not read it.
///
/// A PDF signature wins over any extension, so a mislabelled PDF is still
/// read as one; ZIP-based formats are told apart by the extractor that opens them.
pub fn detect(path: &Path, head: &[u8]) -> Option<Kind> {
    let probe = &head[..head.len().min(1024)];
    if probe.windows(5).any(|w| w == b"%PDF-") {
        return Some(Kind::Pdf);
    }
    let ext = extension(path);
    let kind = match ext.as_deref() {
        Some("md" | "markdown" | "mdown" | "mkd" | "mdx") => Kind::Markdown,
        Some("html" | "htm" | "xhtml" | "xht") => Kind::Html,
        Some("pdf") => Kind::Pdf,
        Some("docx" | "docm") => Kind::Docx,
        Some("pptx" | "pptm") => Kind::Pptx,
        Some("xlsx" | "xlsm") => Kind::Xlsx,
        Some("csv" | "tsv") => Kind::Csv,
        Some("epub") => Kind::Epub,
        Some(e) if TEXT.contains(&e) => Kind::Text,
        Some(e) if CODE.contains(&e) => Kind::Code,
        Some(_) => return None,
        None => {
            let name = path.file_name()?.to_str()?.to_ascii_lowercase();
            return NAMES.contains(&name.as_str()).then_some(Kind::Text);
        }
    };
    Some(kind)
}

/// The lower-cased extension, if any.
pub fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_beats_extension() {
        assert_eq!(detect(Path::new("a.txt"), b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(detect(Path::new("a.TXT"), b"hello"), Some(Kind::Text));
        assert_eq!(detect(Path::new("Makefile"), b"all:"), Some(Kind::Text));
        assert_eq!(detect(Path::new("photo.jpg"), b"\xff\xd8"), None);
    }
}
