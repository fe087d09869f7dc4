//! Slide export as others see it: a deck in English and Chinese written by
//! `whisker_core::slides`, opened by python-pptx (an independent reader of
//! the format) and rendered by LibreOffice to PDF and PNG pages, one per
//! slide, saved under `target/test-artifacts/slides/` for people to look at.
//!
//! Needs `make pyenv-test` (python-pptx in `target/pyenv`) and `make deps`
//! (libreoffice-impress, poppler-utils, fonts-noto-cjk); `make test` runs both.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use whisker_core::slides::{self, Deck, Slide, SourceRef};

fn deck() -> Deck {
    let slide = |title: &str, bullets: &[&str], notes: &str| Slide {
        title: title.into(),
        bullets: bullets.iter().map(|b| b.to_string()).collect(),
        notes: notes.into(),
    };
    Deck {
        title: "Whisker: 本地知识库助手".into(),
        subtitle: Some("Search, ask and write from your own files".into()),
        slides: vec![
            slide(
                "Why a local assistant",
                &[
                    "Your documents never leave the machine",
                    "One button: speak, type, or select text",
                    "Answers cite the page they came from",
                ],
                "Start with the mouse demo [1].\nThen show the privacy log.",
            ),
            slide(
                "混合检索：关键词加向量",
                &[
                    "中文用 jieba 分词，英文做词干化",
                    "向量检索理解“意思”，不只是字面",
                    "两种排名用 RRF 融合",
                ],
                "这里强调中英文混合语料都能检索 [2]。",
            ),
            // As full as the outline parser lets a slide be: six bullets
            // of up to 200 characters, which must shrink to fit.
            slide(
                "A full slide",
                &[
                    "Whisker indexes PDF, Word, PowerPoint, Excel, EPUB, HTML, Markdown, text and code, and records where each passage came from: the page, slide, sheet row or line, so every answer can cite it",
                    "Keyword search segments Chinese with jieba and stems English, so a query in either language finds passages in a mixed collection of documents without any setup",
                    "向量检索把每个片段编码成向量，按语义相似度排序；即使问题里的词和原文完全不同，只要意思相近，也能找到对应的段落，并给出页码和出处",
                    "Hybrid ranking fuses the two lists with reciprocal rank fusion, which needs no score calibration and holds up well when one of the two signals is weak",
                    "Everything runs on the device: models are verified by hash, and a request that leaves the machine is only ever made when you turn that on yourself",
                    "混合检索在中英文混合语料上的效果最好，这一点在评测中得到了验证",
                ],
                "Read one bullet aloud; the rest are for the handout.",
            ),
            slide(
                "Slides from what you know",
                &[
                    "Outline from a small local model",
                    "Exported as PPTX & Marp <Markdown>",
                ],
                "",
            ),
        ],
        sources: vec![
            SourceRef {
                n: 1,
                label: "whisker-demo.mp4, 0:42".into(),
            },
            SourceRef {
                n: 2,
                label: "检索设计.docx, 第 3 页".into(),
            },
        ],
    }
}

/// Every slide as written: the title slide, the deck's slides, the sources.
fn expected_slides(deck: &Deck) -> Vec<(String, Vec<String>, String)> {
    let title = (
        deck.title.clone(),
        deck.subtitle.iter().cloned().collect(),
        String::new(),
    );
    let rest = deck
        .slides_with_sources()
        .into_iter()
        .map(|s| (s.title, s.bullets, s.notes));
    std::iter::once(title).chain(rest).collect()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The venv's Python with python-pptx: `WHISKER_TEST_PYTHON`, else `target/pyenv`.
fn python() -> PathBuf {
    let python = std::env::var_os("WHISKER_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("pyenv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run `make pyenv-test` (a venv with python-pptx; `make test` does it)",
        python.display()
    );
    python
}

/// Runs a tool that `make deps` installs, failing clearly when it is absent.
fn run(program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}): run `make deps` \
             (libreoffice-impress, poppler-utils, fonts-noto-cjk; `make test` does it)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const READ_WITH_PYTHON_PPTX: &str = r#"
import json, sys
from pptx import Presentation

prs = Presentation(sys.argv[1])
slides = []
for slide in prs.slides:
    body = [ph for ph in slide.placeholders if ph.placeholder_format.idx == 1]
    paragraphs = body[0].text_frame.paragraphs if body else []
    slides.append({
        "layout": slide.slide_layout.name,
        "title": slide.shapes.title.text_frame.text,
        "body": [p.text for p in paragraphs],
        "levels": [p.level for p in paragraphs],
        "notes": slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "",
    })
print(json.dumps({"width": prs.slide_width, "height": prs.slide_height, "slides": slides}))
"#;

/// The deck at `path` as python-pptx reads it: size, and each slide's
/// layout, title, body paragraphs, levels and notes.
pub fn read_with_python_pptx(path: &Path) -> Value {
    let out = Command::new(python())
        .args(["-c", READ_WITH_PYTHON_PPTX])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-pptx could not read the deck:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn python_pptx_reads_titles_bullets_and_notes() {
    let deck = deck();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pptx");
    slides::pptx::write(&deck, &path).unwrap();
    let read = read_with_python_pptx(&path);
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(12_192_000), Some(6_858_000))
    );
    let slides = read["slides"].as_array().unwrap();
    let expected = expected_slides(&deck);
    assert_eq!(slides.len(), expected.len());
    for (i, (slide, (title, body, notes))) in slides.iter().zip(&expected).enumerate() {
        let layout = if i == 0 {
            "Title Slide"
        } else {
            "Title and Content"
        };
        assert_eq!(slide["layout"], layout, "slide {}", i + 1);
        assert_eq!(
            slide["title"].as_str(),
            Some(title.as_str()),
            "slide {}",
            i + 1
        );
        let read_body: Vec<&str> = slide["body"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(read_body, *body, "slide {}", i + 1);
        assert!(slide["levels"].as_array().unwrap().iter().all(|l| l == 0));
        assert_eq!(
            slide["notes"].as_str(),
            Some(notes.as_str()),
            "slide {}",
            i + 1
        );
    }
}

#[test]
fn marp_markdown_has_every_slide_and_note() {
    let deck = deck();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.md");
    slides::markdown::write(&deck, &path).unwrap();
    let md = std::fs::read_to_string(&path).unwrap();
    assert_eq!(md, slides::markdown::render(&deck));
    assert!(md.starts_with("---\nmarp: true\n"));
    let expected = expected_slides(&deck);
    assert_eq!(md.matches("\n# ").count(), expected.len(), "{md}");
    let with_notes = expected.iter().filter(|(_, _, n)| !n.is_empty()).count();
    assert_eq!(md.matches("<!--").count(), with_notes, "{md}");
    assert!(md.contains("- 两种排名用 RRF 融合\n"), "{md}");
}

/// The deck as LibreOffice renders it: the PDF, and one PNG per page saved
/// under `target/test-artifacts/slides/`.
#[test]
fn libreoffice_renders_every_slide_with_chinese_glyphs() {
    let deck = deck();
    let dir = tempfile::tempdir().unwrap();
    let pptx = dir.path().join("deck.pptx");
    slides::pptx::write(&deck, &pptx).unwrap();
    let pdf = convert(dir.path(), &pptx, "pdf");
    let expected = expected_slides(&deck);

    let fonts = String::from_utf8_lossy(&run("pdffonts", &[path_str(&pdf)]).stdout).into_owned();
    assert!(
        fonts.contains("NotoSansCJK"),
        "no CJK font embedded, Chinese would be boxes:\n{fonts}"
    );
    for (page, (title, _, _)) in (1..).zip(&expected) {
        let text = page_text(&pdf, page);
        let first_word = title.split([' ', '：', ':']).next().unwrap();
        assert!(
            text.contains(first_word),
            "page {page} lacks {first_word:?}:\n{text}"
        );
    }

    let pages = render_gray(dir.path(), &pdf);
    assert_eq!(pages.len(), expected.len(), "one page per slide");
    for (page, ink) in (1..).zip(&pages) {
        assert!(
            *ink > 0.002 && *ink < 0.5,
            "page {page} looks blank or black: {ink:.4} ink"
        );
    }
    save_artifacts(&pdf, &pptx, &deck);
}

/// LibreOffice imports the notes slides: its own format holds each
/// slide's notes.
#[test]
fn libreoffice_shows_the_speaker_notes() {
    let deck = deck();
    let dir = tempfile::tempdir().unwrap();
    let pptx = dir.path().join("deck.pptx");
    slides::pptx::write(&deck, &pptx).unwrap();
    let odp = convert(dir.path(), &pptx, "odp");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&odp).unwrap()).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("content.xml").unwrap(), &mut content).unwrap();
    let pages: Vec<&str> = content.split("<draw:page ").skip(1).collect();
    let expected = expected_slides(&deck);
    assert_eq!(pages.len(), expected.len());
    for (page, (_, _, notes)) in (1..).zip(&expected) {
        let shown = pages[page - 1]
            .split_once("<presentation:notes")
            .map_or(String::new(), |(_, notes)| squash(&strip_tags(notes)));
        assert!(
            shown.contains(&squash(notes)),
            "page {page} notes {shown:?}, want {notes:?}"
        );
    }
}

fn strip_tags(xml: &str) -> String {
    let mut text = String::new();
    for piece in xml.split('<') {
        text.push_str(piece.split_once('>').map_or(piece, |(_, after)| after));
    }
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Text without white space, to compare across line and paragraph breaks.
fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `pptx` converted by LibreOffice to `format` (`pdf`, `odp`) in `dir`.
fn convert(dir: &Path, pptx: &Path, format: &str) -> PathBuf {
    // A private profile: no clash with a running LibreOffice or another test.
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    run(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            format,
            "--outdir",
            path_str(dir),
            path_str(pptx),
        ],
    );
    let out = pptx.with_extension(format);
    assert!(
        out.exists(),
        "LibreOffice wrote no {format} for {}",
        pptx.display()
    );
    out
}

fn page_text(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    let out = run("pdftotext", &["-f", &page, "-l", &page, path_str(pdf), "-"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each page rendered in gray, as the share of its pixels that are dark.
fn render_gray(dir: &Path, pdf: &Path) -> Vec<f64> {
    let prefix = dir.join("gray");
    run(
        "pdftoppm",
        &["-r", "36", "-gray", path_str(pdf), path_str(&prefix)],
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| ink(&std::fs::read(p).unwrap()))
        .collect()
}

/// The share of dark pixels in a binary PGM (`P5`) image.
fn ink(pgm: &[u8]) -> f64 {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&pgm[start..at]).unwrap().to_string());
    }
    assert_eq!(fields[0], "P5", "not a binary PGM");
    let pixels = &pgm[at + 1..];
    let dark = pixels.iter().filter(|v| **v < 128).count();
    dark as f64 / pixels.len() as f64
}

/// PNG pages (and the deck files) for people to look at.
fn save_artifacts(pdf: &Path, pptx: &Path, deck: &Deck) {
    let out = target_dir().join("test-artifacts/slides");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    run(
        "pdftoppm",
        &[
            "-r",
            "80",
            "-png",
            path_str(pdf),
            path_str(&out.join("slide")),
        ],
    );
    std::fs::copy(pptx, out.join("deck.pptx")).unwrap();
    std::fs::copy(pdf, out.join("deck.pdf")).unwrap();
    slides::markdown::write(deck, &out.join("deck.md")).unwrap();
}
