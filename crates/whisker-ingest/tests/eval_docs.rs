//! The readers against the real documents of the shared evaluation set.
//!
//! The set lives outside the repository, in `shared/eval/docs` beside it
//! (or wherever `WHISKER_EVAL_DOCS` points). When it is absent each test says
//! so and passes, so a fresh clone still builds and tests cleanly.

use std::path::{Path, PathBuf};

use whisker_ingest::{Document, Kind, Limits, Location, extract};

fn eval_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("WHISKER_EVAL_DOCS").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/docs")),
        Some(PathBuf::from("/work/shared/eval/docs")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// Reads one evaluation document, or `None` (with a note) when the set is absent.
fn read(name: &str) -> Option<Document> {
    let Some(dir) = eval_dir() else {
        eprintln!("skipping {name}: evaluation documents not found (set WHISKER_EVAL_DOCS)");
        return None;
    };
    let path = dir.join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(extract(&path, &bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn all_text(doc: &Document) -> String {
    doc.sections
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn section_with<'d>(doc: &'d Document, needle: &str) -> &'d whisker_ingest::Section {
    doc.sections
        .iter()
        .find(|s| s.text.contains(needle))
        .unwrap_or_else(|| panic!("no section contains {needle:?}"))
}

#[test]
fn html_10k_cover_keeps_inline_xbrl_numbers() {
    let Some(doc) = read("en_galaxy_gaming_10k_cover.html") else {
        return;
    };
    assert_eq!(doc.kind, Kind::Html);
    let text = all_text(&doc);
    assert!(text.contains("23,718,968"), "share count missing");
    assert!(text.contains("TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d)"));
    assert!(!text.contains("font-family"), "style leaked into text");
}

#[test]
fn html_chinese_faq_has_title_and_heading_paths() {
    let Some(doc) = read("zh_debian_faq_basic_defs.html") else {
        return;
    };
    assert_eq!(doc.title, "第 1 章 定义和概览");
    let section = section_with(&doc, "Debian GNU/Linux");
    assert!(matches!(section.location, Location::Paragraphs { .. }));
    let nested = doc
        .sections
        .iter()
        .find(|s| s.location.headings().len() >= 2)
        .expect("a paragraph under a second-level heading");
    assert_eq!(nested.location.headings()[0], "第 1 章 定义和概览");
}

#[test]
fn docx_trustee_handbook() {
    let Some(doc) = read("en_chapter13_trustee_handbook.docx") else {
        return;
    };
    assert_eq!(doc.kind, Kind::Docx);
    let section = section_with(&doc, "Bankruptcy Reform Act");
    assert!(matches!(section.location, Location::Paragraphs { start, .. } if start > 1));
}

#[test]
fn docx_chinese_outline_levels_make_headings() {
    let Some(doc) = read("zh_markdown_syntax_guide.docx") else {
        return;
    };
    assert_eq!(doc.title, "Markdown 语法说明 (简体中文版)");
    let section = section_with(&doc, "易读易写");
    assert_eq!(
        section.location.headings(),
        ["Markdown 语法说明 (简体中文版)", "一、概述", "1、宗旨"]
    );
}

#[test]
fn pptx_nasa_slide_text() {
    let Some(doc) = read("en_nasa_gsfc_science_directorate.pptx") else {
        return;
    };
    assert_eq!(doc.kind, Kind::Pptx);
    let section = section_with(&doc, "Heliophysics Science Division");
    assert_eq!(section.location, Location::Slide { slide: 1 });
    assert!(all_text(&doc).contains("Virtual Machine Environment Scorecard"));
}

#[test]
fn pptx_malformed_presentation_still_yields_its_text() {
    // Its slide holds a date placeholder with real text and a title; the
    // default "PowerPoint Presentation" title is replaced by the slide's.
    let Some(doc) = read("en_malformed_presentation.pptx") else {
        return;
    };
    assert_eq!(doc.title, "Test Slide");
    assert!(all_text(&doc).contains("Problem Date Placeholder"));
}

#[test]
fn xlsx_stanley_cups_rows() {
    let Some(doc) = read("en_stanley_cups.xlsx") else {
        return;
    };
    let leafs = section_with(&doc, "Maple Leafs");
    assert_eq!(leafs.text, "Maple Leafs | TOR | 13");
    assert_eq!(leafs.location.to_string(), "sheet “Stanley Cups”, row 5");
    assert!(
        doc.sections
            .iter()
            .any(|s| s.location.to_string() == "sheet “Stanley Cups Since 67”, row 5")
    );
}

#[test]
fn epub_gutenberg_titles_survive_files_split_mid_chapter() {
    let Some(doc) = read("en_winter_sports_gutenberg.epub") else {
        return;
    };
    assert_eq!(doc.title, "Winter Sports in Switzerland");
    let title_of = |needle: &str| match &section_with(&doc, needle).location {
        Location::Chapter { title, .. } => title.clone().unwrap_or_default(),
        other => panic!("expected a chapter location, got {other:?}"),
    };
    // The third file opens in the middle of chapter II.
    assert_eq!(
        title_of("These sixteen turns"),
        "CHAPTER II RINKS AND SKATERS"
    );
    assert_eq!(title_of("Bobsleighing"), "CHAPTER IV TOBOGGANING");
    let page_label = |s: &&whisker_ingest::Section| matches!(&s.location, Location::Chapter { title: Some(t), .. } if t.starts_with('{'));
    assert!(
        !doc.sections.iter().any(|s| page_label(&s)),
        "page-list labels became titles"
    );
}

#[test]
fn epub3_nav_titles_and_heading_paths() {
    let Some(doc) = read("en_debian_developers_reference.epub") else {
        return;
    };
    let section = section_with(&doc, "Providing high-quality packages in unstable");
    let Location::Chapter {
        title, headings, ..
    } = &section.location
    else {
        panic!("expected a chapter location");
    };
    assert_eq!(title.as_deref(), Some("Debian Developer's Duties"));
    assert!(headings.len() >= 2, "{headings:?}");
}

#[test]
fn epub_zipped_one_folder_deep_still_opens() {
    // Everything sits under `epub/`, and there is no top-level mimetype.
    let Some(doc) = read("zh_debian_edu_bullseye_manual.epub") else {
        return;
    };
    assert_eq!(doc.title, "Debian Edu / Skolelinux Bullseye 11 手册");
    let section = section_with(&doc, "Skolelinux 项目在 2001 年 7 月 2 日启动于挪威");
    let Location::Chapter { chapter, title, .. } = &section.location else {
        panic!("expected a chapter location");
    };
    assert_eq!(*chapter, 2);
    assert_eq!(title.as_deref(), Some("关于 Debian Edu 和 Skolelinux"));
}
