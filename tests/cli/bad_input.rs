//! Bad input through the CLI: hostile files in one folder, one `add` run.
//! Each is a failure with a reason a person can act on; the good files
//! beside them are still indexed; the exit status is 0 (1 with `--strict`);
//! nothing panics; and zip bombs do not blow up memory.

use std::fs;
use std::io::{Cursor, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use whisker_e2e::{
    assert_no_panic, failures, hit_paths, num, parse, whisker, whisker_bin, without_vectors,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::sys;

const MIB: u64 = 1024 * 1024;
/// What each zip bomb inflates to.
const BOMB_SIZE: u64 = 1024 * MIB;
/// `--max-file-size` for the run: above every hostile file but one.
const MAX_FILE_SIZE: u64 = 4 * MIB;
/// Nesting depth of the deep HTML page.
const HTML_DEPTH: usize = 200_000;

/// A hostile file: its name and words its failure reason must contain.
type Hostile = (&'static str, &'static [&'static str]);

/// Bytes from a fixed xorshift sequence: reproducible noise.
fn noise(len: usize, mut state: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A ZIP with one entry, `bomb`: 1 GiB of zeros streamed through deflate
/// (about 1 MiB packed). Built once per process, then copied raw.
fn bomb_zip() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(true);
        writer.start_file("bomb", options).unwrap();
        let zeros = vec![0u8; MIB as usize];
        for _ in 0..BOMB_SIZE / MIB {
            writer.write_all(&zeros).unwrap();
        }
        writer.finish().unwrap().into_inner()
    })
}

/// A package with small `entries` and the bomb stored as `bomb_as`.
fn with_bomb(entries: &[(&str, &str)], bomb_as: &str) -> Vec<u8> {
    let mut bomb = ZipArchive::new(Cursor::new(bomb_zip())).unwrap();
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data.as_bytes()).unwrap();
    }
    let entry = bomb.by_name("bomb").unwrap();
    writer.raw_copy_file_rename(entry, bomb_as).unwrap();
    writer.finish().unwrap().into_inner()
}

/// DOCX, XLSX and EPUB packages whose main part is the bomb.
fn write_bombs(dir: &Path) -> Vec<Hostile> {
    let workbook =
        r#"<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let container =
        r#"<container><rootfiles><rootfile full-path="content.opf"/></rootfiles></container>"#;
    let opf = r#"<package><manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>"#;
    let xlsx = [
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
    ];
    let epub = [
        ("mimetype", "application/epub+zip"),
        ("META-INF/container.xml", container),
        ("content.opf", opf),
    ];
    let bombs = [
        ("bomb.docx", with_bomb(&[], "word/document.xml")),
        ("bomb.xlsx", with_bomb(&xlsx, "xl/worksheets/sheet1.xml")),
        ("bomb.epub", with_bomb(&epub, "ch1.xhtml")),
    ];
    for (name, bytes) in &bombs {
        assert!((bytes.len() as u64) < 8 * MIB, "{name} should pack small");
        fs::write(dir.join(name), bytes).unwrap();
    }
    vec![
        ("bomb.docx", &["DOCX", "zip bomb"]),
        ("bomb.xlsx", &["XLSX", "zip bomb"]),
        ("bomb.epub", &["EPUB", "zip bomb"]),
    ]
}

/// A legacy OLE2 container holding an `EncryptedPackage` stream: how Office
/// saves a password-protected .docx.
fn ole2_encrypted() -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend_from_slice(&[0; 504]);
    for unit in "EncryptedPackage".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

/// Every hostile file but the bombs and the unreadable one.
fn write_broken(dir: &Path) -> Vec<Hostile> {
    fs::write(dir.join("empty.txt"), b"").unwrap();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend(noise(64 * 1024, 0x1234_5678));
    fs::write(dir.join("corrupt.pdf"), pdf).unwrap();
    let body = "<w:p><w:r><w:t>Text that fills the document.</w:t></w:r></w:p>".repeat(100);
    let document = format!(
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let docx = zip_of(&[("word/document.xml", &document)]);
    fs::write(dir.join("truncated.docx"), &docx[..docx.len() / 2]).unwrap();
    fs::write(dir.join("binary.txt"), noise(64 * 1024, 0x2545_f491)).unwrap();
    let oversize = "too big to index ".repeat((MAX_FILE_SIZE + MIB) as usize / 17);
    fs::write(dir.join("oversize.txt"), oversize).unwrap();
    fs::write(dir.join("locked.docx"), ole2_encrypted()).unwrap();
    std::os::unix::fs::symlink(dir, dir.join("loop")).unwrap();
    vec![
        ("empty.txt", &["empty"]),
        ("corrupt.pdf", &["damaged PDF"]),
        ("truncated.docx", &["damaged DOCX", "truncated"]),
        ("binary.txt", &["binary"]),
        ("oversize.txt", &["over the", "limit"]),
        ("locked.docx", &["encrypted DOCX", "password"]),
        ("loop", &["symlink loop"]),
    ]
}

/// The files that must still be indexed, and a word each holds.
fn write_good(dir: &Path) -> [(&'static str, &'static str); 2] {
    fs::write(
        dir.join("good.md"),
        "# Good\n\nThe platypusgood survives its neighbours.\n",
    )
    .unwrap();
    let mut html = String::from("<html><head><title>Deep</title></head><body>");
    html.push_str(&"<div>".repeat(HTML_DEPTH));
    html.push_str("<p>The deepnestedtoken sits under many folders.</p>");
    fs::write(dir.join("deep.html"), html).unwrap();
    [
        ("good.md", "platypusgood"),
        ("deep.html", "deepnestedtoken"),
    ]
}

/// `setpriv` arguments that drop root for user and group `nobody`.
const NOBODY: [&str; 3] = ["--reuid=65534", "--regid=65534", "--clear-groups"];

/// How `add` is run so that a chmod 000 file is really unreadable: as
/// `nobody` when the tests run as root (root reads anything).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Runner {
    Direct,
    Nobody,
    /// Root, and `nobody` cannot be used: the unreadable case cannot be staged.
    RootOnly,
}

impl Runner {
    fn pick(root: &Path) -> Runner {
        if !sys::is_root() {
            Runner::Direct
        } else if sys::has_program("setpriv") && nobody_can_run_whisker(root) {
            Runner::Nobody
        } else {
            Runner::RootOnly
        }
    }

    fn add(self, data: &Path, dir: &Path, strict: bool) -> Output {
        let max = MAX_FILE_SIZE.to_string();
        let mut args = vec!["add", dir.to_str().unwrap(), "--max-file-size", &max];
        if strict {
            args.push("--strict");
        }
        self.whisker(data, &args).unwrap()
    }

    /// `whisker --data-dir DATA ARGS... --json`; as `nobody`, the data
    /// folder is made writable for it first.
    fn whisker(self, data: &Path, args: &[&str]) -> std::io::Result<Output> {
        if self != Runner::Nobody {
            return Ok(whisker(data, args));
        }
        fs::create_dir_all(data)?;
        fs::set_permissions(data, fs::Permissions::from_mode(0o777))?;
        without_vectors(&mut Command::new("setpriv"))
            .args(NOBODY)
            .arg(whisker_bin())
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .arg("--json")
            .output()
    }
}

/// Whether `nobody` may run the binary and reach `root` (not if the
/// checkout or the temporary folder is private to root).
fn nobody_can_run_whisker(root: &Path) -> bool {
    Runner::Nobody
        .whisker(&root.join("probe"), &["status"])
        .is_ok_and(|out| out.status.success())
}

/// Writes the unreadable file if this runner can make it unreadable.
fn write_unreadable(dir: &Path, runner: Runner) -> Vec<Hostile> {
    if runner == Runner::RootOnly {
        eprintln!(
            "note: root, and `setpriv` cannot run whisker as nobody: \
             skipping the unreadable-file case"
        );
        return Vec::new();
    }
    let path = dir.join("unreadable.md");
    fs::write(&path, "# Secret\n\nNobody may read this.\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    vec![("unreadable.md", &["Permission denied"])]
}

#[test]
fn hostile_files_fail_clearly_and_the_rest_of_the_run_continues() {
    let root = tempfile::tempdir().unwrap();
    // `nobody` must be able to reach the folders inside.
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path().join("docs");
    fs::create_dir(&dir).unwrap();
    let runner = Runner::pick(root.path());
    let mut hostile = write_broken(&dir);
    hostile.extend(write_bombs(&dir));
    hostile.extend(write_unreadable(&dir, runner));
    hostile.sort();
    let good = write_good(&dir);

    let data = root.path().join("data");
    let out = runner.add(&data, &dir, false);
    assert_no_panic(&out);
    let report = parse(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_failures(&report, &hostile);
    assert_eq!(num(&report, "indexed"), good.len() as u64, "{report:#}");
    for (name, word) in good {
        let paths = hit_paths(&data, word, 5);
        assert!(
            paths.len() == 1 && paths[0].ends_with(name),
            "{word}: {paths:?}"
        );
    }

    let strict = runner.add(&root.path().join("strict"), &dir, true);
    assert_no_panic(&strict);
    assert_eq!(strict.status.code(), Some(1), "--strict with failures");
    assert_failures(&parse(&strict), &hostile);
}

/// The report fails exactly the `hostile` files, each with its words.
fn assert_failures(report: &serde_json::Value, hostile: &[Hostile]) {
    let mut failed = failures(report);
    failed.sort();
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = hostile.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, expected, "failures: {failed:#?}");
    assert_eq!(num(report, "failed"), hostile.len() as u64);
    for ((name, reason), (_, words)) in failed.iter().zip(hostile) {
        for word in *words {
            assert!(reason.contains(word), "{name}: {reason:?} lacks {word:?}");
        }
    }
}

/// Set in the re-run of this test binary that measures one `add` alone.
const BOMB_CHILD_ENV: &str = "WHISKER_E2E_BOMB_DIR";
/// Where that re-run writes the peak RSS it saw.
const BOMB_REPORT_ENV: &str = "WHISKER_E2E_BOMB_REPORT";
/// The most memory `add` may use on the bombs: well under one bomb's 1 GiB.
const BOMB_RSS_LIMIT_KIB: u64 = 600 * 1024;

/// `getrusage(RUSAGE_CHILDREN)` is a maximum over every child a process
/// has waited for, and the other tests run `whisker` too. So this test runs
/// itself again in a fresh process whose only child is `whisker add` on
/// the bombs, and reads the peak RSS that process reports.
#[test]
fn zip_bombs_keep_memory_bounded() {
    if let Some(dir) = std::env::var_os(BOMB_CHILD_ENV) {
        return measure_bomb_run(&PathBuf::from(dir));
    }
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bombs");
    fs::create_dir(&dir).unwrap();
    let bombs = write_bombs(&dir);
    let report = root.path().join("rss");
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::zip_bombs_keep_memory_bounded");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--nocapture", "--test-threads=1"])
        .env(BOMB_CHILD_ENV, &dir)
        .env(BOMB_REPORT_ENV, &report)
        .output()
        .unwrap();
    let log =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "measuring run failed:\n{log}");
    let text = fs::read_to_string(&report)
        .unwrap_or_else(|e| panic!("no report from the measuring run ({e}):\n{log}"));
    let (rss, json) = text.split_once('\n').unwrap();
    let rss: u64 = rss.parse().unwrap();
    eprintln!(
        "peak RSS of `whisker add` on {} bombs: {} MiB",
        bombs.len(),
        rss / 1024
    );
    let mut bombs = bombs;
    bombs.sort();
    assert_failures(&serde_json::from_str(json).unwrap(), &bombs);
    assert!(
        rss < BOMB_RSS_LIMIT_KIB,
        "`whisker add` peaked at {} MiB on zip bombs (limit {} MiB)",
        rss / 1024,
        BOMB_RSS_LIMIT_KIB / 1024
    );
}

/// The measuring side: one `add`, then the peak RSS and the report to the file.
fn measure_bomb_run(dir: &Path) {
    let data = tempfile::tempdir().unwrap();
    let out = whisker(data.path(), &["add", dir.to_str().unwrap()]);
    assert_no_panic(&out);
    assert!(
        out.status.success(),
        "add on bombs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = sys::children_peak_rss_kib();
    let report = std::env::var_os(BOMB_REPORT_ENV).expect("report path");
    let json = String::from_utf8(out.stdout).unwrap();
    fs::write(report, format!("{rss}\n{json}")).unwrap();
}
