//! `kind = "convert"` sources: the origin model is fetched first, the
//! caller's converter writes the file, and the result is checked by size
//! and sha256 like a download.

use std::fs;
use std::path::Path;

use whisker_models::convert::Converter;
use whisker_models::fetch::Fetcher;
use whisker_models::{Manifest, Model, Observer, Quiet};

use super::server::Route;
use super::{Setup, content, sha256};

/// Writes the origin's `data.bin` reversed (or, when `wrong`, unchanged).
struct Reverse {
    wrong: bool,
}

impl Converter for Reverse {
    fn convert(
        &self,
        _from: &Model,
        from_dir: &Path,
        _to: &Model,
        _file: &str,
        out: &Path,
        _observer: &dyn Observer,
    ) -> whisker_models::Result<String> {
        let mut bytes = fs::read(from_dir.join("data.bin")).unwrap();
        if !self.wrong {
            bytes.reverse();
        }
        fs::write(out, &bytes).unwrap();
        Ok(sha256(&bytes))
    }
}

/// `origin` (on the hub) and `made`, converted from it.
fn manifest(origin: &[u8], made: &[u8]) -> Manifest {
    let text = format!(
        r#"
        [[models]]
        id = "made"
        role = "speech"
        format = "ggml"
        [[models.files]]
        name = "out.bin"
        size = {}
        sha256 = "{}"
        [[models.sources]]
        kind = "convert"
        from = "origin"

        [[models]]
        id = "origin"
        role = "speech"
        format = "ctranslate2"
        [[models.files]]
        name = "data.bin"
        size = {}
        sha256 = "{}"
        [[models.sources]]
        kind = "hf"
        repo = "org/origin"
        revision = "r1"
        "#,
        made.len(),
        sha256(made),
        origin.len(),
        sha256(origin)
    );
    Manifest::parse(&text, "test manifest").unwrap()
}

fn fetcher<'a>(setup: &Setup, manifest: &'a Manifest, converter: &'a Reverse) -> Fetcher<'a> {
    Fetcher::new(
        setup.store(),
        setup.cache.path().to_path_buf(),
        setup.endpoints(),
        &Quiet,
    )
    .with_converter(manifest, converter)
}

#[test]
fn a_converted_file_is_made_from_its_fetched_origin_and_checked() {
    let setup = Setup::new();
    let origin = content(7, 50_000);
    let mut made = origin.clone();
    made.reverse();
    setup.server.route(
        "/org/origin/resolve/r1/data.bin",
        Route::File(origin.clone()),
    );
    let manifest = manifest(&origin, &made);
    let reverse = Reverse { wrong: false };

    let report = fetcher(&setup, &manifest, &reverse)
        .fetch(manifest.get("made").unwrap())
        .unwrap();
    assert_eq!(report.files[0].source, "conversion of origin");
    assert_eq!(fs::read(setup.file("made", "out.bin")).unwrap(), made);
    assert_eq!(fs::read(setup.file("origin", "data.bin")).unwrap(), origin);

    let again = fetcher(&setup, &manifest, &reverse)
        .fetch(manifest.get("made").unwrap())
        .unwrap();
    assert_eq!(again.files[0].source, "present");
}

#[test]
fn a_conversion_that_does_not_match_the_pin_is_deleted() {
    let setup = Setup::new();
    let origin = content(8, 10_000);
    let mut made = origin.clone();
    made.reverse();
    setup.server.route(
        "/org/origin/resolve/r1/data.bin",
        Route::File(origin.clone()),
    );
    let manifest = manifest(&origin, &made);
    let wrong = Reverse { wrong: true };

    let err = fetcher(&setup, &manifest, &wrong)
        .fetch(manifest.get("made").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("conversion of origin: sha256 mismatch"),
        "{err}"
    );
    let dir = setup.models.path().join("made");
    assert_eq!(fs::read_dir(dir).unwrap().count(), 0, "nothing is left");

    let plain = Fetcher::new(
        setup.store(),
        setup.cache.path().to_path_buf(),
        setup.endpoints(),
        &Quiet,
    );
    let err = plain
        .fetch(manifest.get("made").unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no converter was given"), "{err}");
}

#[test]
fn conversions_must_name_a_manifest_model_that_is_not_converted() {
    let base = manifest(b"a", b"b");
    let text = |from: &str| {
        format!(
            "[[models]]\nid = \"x\"\nrole = \"speech\"\nformat = \"ggml\"\n\
             [[models.files]]\nname = \"f\"\nsha256 = \"\"\n\
             [[models.sources]]\nkind = \"convert\"\nfrom = \"{from}\"\n"
        )
    };
    let err = Manifest::parse(&text("nobody"), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not in the manifest"), "{err}");
    let err = Manifest::parse(&text("x"), "t").unwrap_err().to_string();
    assert!(err.contains("converted from itself"), "{err}");
    assert_eq!(base.get("made").unwrap().converted_from(), Some("origin"));
}
