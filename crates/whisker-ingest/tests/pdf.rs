//! PDF reading through pdfium, on generated PDFs and on the shared eval corpus.
//!
//! These tests need the pdfium library: `make pdfium` puts it where debug
//! builds look (or set `WHISKER_PDFIUM`). Without it they fail and say so.
//! Tests on eval documents are skipped, with a message, when the corpus is
//! absent; set `WHISKER_EVAL_DOCS` to read it from elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use whisker_ingest::{Document, Error, Fault, Limits, Location, extract};

/// Reads `bytes` as `name`, failing the test with the install hint when
/// pdfium is missing rather than passing without having read anything.
fn read(name: &str, bytes: &[u8]) -> Result<Document, Error> {
    match extract(Path::new(name), bytes, &Limits::default()) {
        Err(Error::MissingLibrary(msg)) => panic!("{msg}"),
        other => other,
    }
}

/// The eval corpus folder, or `None` (with a message) when it is not here.
fn eval_docs() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("WHISKER_EVAL_DOCS").map(PathBuf::from),
        Some(PathBuf::from("/work/shared/eval/docs")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/docs")),
    ];
    let found = candidates.into_iter().flatten().find(|dir| dir.is_dir());
    if found.is_none() {
        eprintln!("skipped: eval corpus not found (set WHISKER_EVAL_DOCS)");
    }
    found
}

/// Reads one eval document; `None` when the corpus is absent.
fn read_eval(name: &str) -> Option<Result<Document, Error>> {
    let path = eval_docs()?.join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(read(name, &bytes))
}

fn page_text(doc: &Document, page: u32) -> String {
    doc.sections
        .iter()
        .filter(|s| s.location == Location::Page { page })
        .map(|s| s.text.as_str())
        .collect()
}

/// A minimal, valid PDF: one page per entry of `pages`, Helvetica text.
fn make_pdf(pages: &[&str], title: Option<&str>) -> Vec<u8> {
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for (i, text) in pages.iter().enumerate() {
        let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    objects.push(format!("<< /Title ({}) >>", title.unwrap_or("")));
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    let trailer = format!(
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    out.extend(trailer.bytes());
    out
}

#[test]
fn generated_pdf_gives_one_section_per_page_and_its_title() {
    let bytes = make_pdf(
        &["Hello from page one", "Second page text"],
        Some("Field Notes"),
    );
    let doc = read("notes.pdf", &bytes).expect("a valid PDF reads");
    assert_eq!(doc.title, "Field Notes");
    assert_eq!(page_text(&doc, 1), "Hello from page one");
    assert_eq!(page_text(&doc, 2), "Second page text");
    assert_eq!(doc.sections.len(), 2);
}

#[test]
fn file_name_in_title_metadata_falls_back_to_the_file_name() {
    let bytes = make_pdf(&["Some text"], Some("Binder1.pdf"));
    let doc = read("minutes.pdf", &bytes).expect("a valid PDF reads");
    assert_eq!(doc.title, "minutes.pdf");
}

#[test]
fn pdf_without_pages_has_no_text() {
    let err = read("empty.pdf", &make_pdf(&[], None)).expect_err("nothing to read");
    assert!(matches!(err, Error::NoText(_)), "{err}");
}

#[test]
fn random_bytes_after_a_pdf_header_are_corrupt() {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    let err = read("noise.pdf", &bytes).expect_err("noise is no PDF");
    assert!(matches!(err, Error::Corrupt { format: "PDF", .. }), "{err}");
    assert_eq!(err.fault(), Fault::File);
}

#[test]
fn pdf_cut_before_its_cross_reference_table_is_rebuilt() {
    let bytes = make_pdf(&["Rebuilt from the objects"], None);
    let xref = bytes
        .windows(4)
        .rposition(|w| w == b"xref")
        .expect("has xref");
    let doc = read("cut.pdf", &bytes[..xref]).expect("pdfium rebuilds the table");
    assert_eq!(page_text(&doc, 1), "Rebuilt from the objects");
}

#[test]
fn pdf_cut_in_half_says_it_is_cut_short() {
    let bytes = make_pdf(&["Some text here"], None);
    let err = read("cut.pdf", &bytes[..bytes.len() / 2]).expect_err("no pages left");
    assert!(err.to_string().contains("cut short"), "{err}");
}

#[test]
fn parallel_reads_are_serialised_safely() {
    let bytes = make_pdf(&["Concurrent text"], None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| read("c.pdf", &bytes).map(|d| page_text(&d, 1))))
            .collect();
        for handle in handles {
            let text = handle.join().expect("no panic").expect("reads");
            assert_eq!(text, "Concurrent text");
        }
    });
}

#[test]
fn missing_pdfium_library_says_how_to_get_it() {
    // Binding is once per process, so the check runs in a child process
    // whose WHISKER_PDFIUM points nowhere.
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args(["--exact", "child_reports_missing_library", "--ignored"])
        .env("WHISKER_PDFIUM", "/nonexistent/libpdfium.so")
        .output()
        .expect("child test runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{stdout}");
    assert!(stdout.contains("1 passed"), "child did not run:\n{stdout}");
}

#[test]
#[ignore = "run by missing_pdfium_library_says_how_to_get_it"]
fn child_reports_missing_library() {
    let bytes = make_pdf(&["text"], None);
    let err = extract(Path::new("a.pdf"), &bytes, &Limits::default()).expect_err("no library");
    let msg = err.to_string();
    assert!(matches!(err, Error::MissingLibrary(_)), "{msg}");
    assert_eq!(err.fault(), Fault::Environment);
    assert!(
        msg.contains("make pdfium") && msg.contains("WHISKER_PDFIUM"),
        "{msg}"
    );
    assert!(msg.contains("/nonexistent/libpdfium.so"), "{msg}");
}

#[test]
fn two_column_paper_has_sala_baker_on_page_1() {
    let Some(doc) = read_eval("en_dpr_paper_two_column.pdf") else {
        return;
    };
    let doc = doc.expect("reads");
    assert!(page_text(&doc, 1).contains("Sala Baker"));
    assert!(page_text(&doc, 1).contains("Dense Passage Retrieval"));
}

#[test]
fn chinese_reference_manual_yields_chinese_text_and_title() {
    let Some(doc) = read_eval("zh_debian_reference.pdf") else {
        return;
    };
    let doc = doc.expect("reads");
    assert_eq!(doc.title, "Debian 参考手册");
    let text: String = doc.sections.iter().map(|s| s.text.as_str()).collect();
    let han = text
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    assert!(han > 50_000, "only {han} Han characters");
    assert!(text.contains("软件包"));
}

#[test]
fn user_password_pdf_is_encrypted() {
    let Some(result) = read_eval("en_crazy_ones_password_protected.pdf") else {
        return;
    };
    let err = result.expect_err("needs a password");
    assert!(matches!(err, Error::Encrypted("PDF")), "{err}");
}

#[test]
fn owner_password_only_pdf_is_still_read() {
    let Some(doc) = read_eval("en_layoutparser_paper_copy_protected.pdf") else {
        return;
    };
    let doc = doc.expect("copy protection does not stop indexing");
    let text: String = doc.sections.iter().map(|s| s.text.as_str()).collect();
    assert!(text.contains("layout-parser.github.io"));
}

#[test]
fn scanned_pdf_without_text_layer_has_no_text() {
    let Some(result) = read_eval("en_huck_finn_ch3_scanned.pdf") else {
        return;
    };
    let err = result.expect_err("a scan has no text layer");
    assert!(matches!(err, Error::NoText(_)), "{err}");
}

#[test]
fn truncated_pdf_gives_partial_text_or_a_clear_error() {
    let Some(dir) = eval_docs() else { return };
    let bytes = std::fs::read(dir.join("en_dpr_paper_two_column.pdf")).expect("eval file");
    for cut in [bytes.len() / 2, bytes.len() / 10, 2000] {
        match read("cut.pdf", &bytes[..cut]) {
            Ok(doc) => assert!(doc.has_text()),
            Err(e @ (Error::Corrupt { .. } | Error::NoText(_))) => eprintln!("cut at {cut}: {e}"),
            Err(e) => panic!("cut at {cut}: unexpected {e}"),
        }
    }
}
