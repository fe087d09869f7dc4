//! The package is complete and well formed, and its text reads back
//! (through whisker-ingest's own PPTX reader) as written.

use std::collections::BTreeMap;
use std::io::Read;

use super::*;
use crate::slides::{Slide, SourceRef};

fn deck() -> Deck {
    Deck {
        title: "Whisker & 向量检索".into(),
        subtitle: Some("A <short> tour".into()),
        slides: vec![
            Slide {
                title: "Why vectors".into(),
                bullets: vec![
                    "Match meaning, not words".into(),
                    "Work across languages".into(),
                ],
                notes: "Open with the demo [1].".into(),
            },
            Slide {
                title: "中文也可以".into(),
                bullets: vec![
                    "关键词检索用 jieba 分词".into(),
                    "向量检索理解“意思”".into(),
                ],
                notes: String::new(),
            },
        ],
        sources: vec![SourceRef {
            n: 1,
            label: "demo.pdf, p. 2".into(),
        }],
    }
}

/// Every part of the written package, by name.
fn read_package(deck: &Deck) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pptx");
    write(deck, &path).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut parts = BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        parts.insert(file.name().unwrap().to_string(), text);
    }
    parts
}

fn assert_well_formed(name: &str, xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well formed: {e}\n{xml}"),
        }
    }
}

/// The sections whisker-ingest reads from the deck: one per slide and one
/// per notes slide, in order.
fn extracted(deck: &Deck) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pptx");
    write(deck, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let doc = whisker_ingest::extract(&path, &bytes, &whisker_ingest::Limits::default()).unwrap();
    doc.sections.into_iter().map(|s| s.text).collect()
}

#[test]
fn every_part_is_well_formed_xml() {
    for (name, xml) in read_package(&deck()) {
        assert_well_formed(&name, &xml);
    }
}

#[test]
fn package_has_the_parts_powerpoint_needs() {
    let parts = read_package(&deck());
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/core.xml",
        "docProps/app.xml",
        "ppt/presentation.xml",
        "ppt/_rels/presentation.xml.rels",
        "ppt/slideMasters/slideMaster1.xml",
        "ppt/slideLayouts/slideLayout1.xml",
        "ppt/slideLayouts/slideLayout2.xml",
        "ppt/theme/theme1.xml",
        "ppt/notesMasters/notesMaster1.xml",
        // Title, two slides, Sources.
        "ppt/slides/slide4.xml",
        // Only the first content slide has notes (and the title slide none).
        "ppt/notesSlides/notesSlide2.xml",
    ] {
        assert!(parts.contains_key(name), "missing {name}");
    }
    assert!(!parts.contains_key("ppt/slides/slide5.xml"));
    assert!(!parts.contains_key("ppt/notesSlides/notesSlide3.xml"));
    assert!(parts["ppt/presentation.xml"].contains(r#"<p:sldSz cx="12192000" cy="6858000"/>"#));
}

#[test]
fn every_relationship_target_exists_and_has_a_content_type() {
    let parts = read_package(&deck());
    let types = &parts["[Content_Types].xml"];
    for (name, xml) in parts.iter().filter(|(n, _)| n.ends_with(".rels")) {
        let base = name
            .replace("_rels/", "")
            .trim_end_matches(".rels")
            .to_string();
        let folder = base.rsplit_once('/').map_or("", |(f, _)| f);
        for target in xml
            .split("Target=\"")
            .skip(1)
            .map(|t| &t[..t.find('"').unwrap()])
        {
            let resolved = resolve(folder, target);
            assert!(
                parts.contains_key(&resolved),
                "{name} points at missing {resolved}"
            );
            if resolved.ends_with(".xml") && !resolved.ends_with(".rels") {
                assert!(
                    types.contains(&format!("PartName=\"/{resolved}\"")),
                    "no type for {resolved}"
                );
            }
        }
    }
}

fn resolve(folder: &str, target: &str) -> String {
    let mut path: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for piece in target.split('/') {
        match piece {
            ".." => drop(path.pop()),
            piece => path.push(piece),
        }
    }
    path.join("/")
}

#[test]
fn text_reads_back_through_whisker_ingest() {
    let sections = extracted(&deck());
    assert_eq!(
        sections,
        [
            "Whisker & 向量检索\nA <short> tour",
            "Why vectors\nMatch meaning, not words\nWork across languages",
            "Open with the demo [1].\n[1] demo.pdf, p. 2",
            "中文也可以\n关键词检索用 jieba 分词\n向量检索理解“意思”",
            "参考来源\n[1] demo.pdf, p. 2",
        ]
    );
}

#[test]
fn illegal_characters_are_dropped_and_markup_escaped() {
    let deck = Deck {
        title: "Q&A <now> \"quoted\" 'single' 🐱\u{0}\u{1B}\u{FFFF}".into(),
        slides: vec![Slide {
            title: "Bell\u{7} & co".into(),
            bullets: vec!["a < b && c > d".into(), "line one\nline two".into()],
            notes: "tab\there\u{8}".into(),
        }],
        ..Deck::default()
    };
    for (name, xml) in read_package(&deck) {
        assert_well_formed(&name, &xml);
    }
    let sections = extracted(&deck);
    assert_eq!(sections[0], "Q&A <now> \"quoted\" 'single' 🐱");
    assert!(
        sections[1].starts_with("Bell & co\na < b && c > d\nline one"),
        "{sections:?}"
    );
    assert!(sections[2].starts_with("tab"), "{sections:?}");
}

#[test]
fn chinese_runs_are_marked_chinese_for_the_east_asian_font() {
    let parts = read_package(&deck());
    assert!(parts["ppt/slides/slide3.xml"].contains(r#"lang="zh-CN""#));
    assert!(!parts["ppt/slides/slide2.xml"].contains(r#"lang="zh-CN""#));
    let theme = &parts["ppt/theme/theme1.xml"];
    assert!(theme.contains(r#"<a:ea typeface="Noto Sans CJK SC"/>"#));
    assert!(theme.contains(r#"<a:font script="Hans" typeface="Microsoft YaHei"/>"#));
}

#[test]
fn an_empty_deck_is_still_a_valid_title_slide() {
    let parts = read_package(&Deck::default());
    assert!(parts.contains_key("ppt/slides/slide1.xml"));
    assert!(!parts.contains_key("ppt/slides/slide2.xml"));
    for (name, xml) in parts {
        assert_well_formed(&name, &xml);
        if name.starts_with("ppt/slides/slide") {
            assert!(!xml.contains(
                "<p:txBody><a:bodyPr><a:normAutofit/></a:bodyPr><a:lstStyle/></p:txBody>"
            ));
        }
    }
}

#[test]
fn no_sources_means_no_sources_slide() {
    let mut deck = deck();
    deck.sources.clear();
    let sections = extracted(&deck);
    assert!(
        !sections.iter().any(|s| s.starts_with("参考来源")),
        "{sections:?}"
    );
}

#[test]
fn long_text_gets_a_smaller_size_and_chinese_counts_wider() {
    let sizes = [2400, 2000, 1600, 1200];
    let short = vec!["Short point".to_string()];
    let long = vec!["A rather long bullet that goes on and on ".repeat(5); 6];
    assert_eq!(fit(&short, template::BODY_AREA, &sizes, 1.0, 1000), 2400);
    assert!(fit(&long, template::BODY_AREA, &sizes, 1.0, 1000) < 2000);
    assert!(text_width("向量检索") > text_width("abcd"));
}

#[test]
fn write_into_a_missing_folder_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = write(&deck(), &dir.path().join("nope/deck.pptx")).unwrap_err();
    assert_eq!(err.code(), "io");
}
