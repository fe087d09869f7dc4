//! `import`: files and folders the user has, recognised and checked.

use std::fs;
use std::path::Path;

use whisker_models::import::ImportReport;
use whisker_models::{Error, Manifest, Quiet, Store};

use super::{HUB, content, manifest, sha256};

fn import(
    manifest: &Manifest,
    store: &Store,
    path: &Path,
    id: Option<&str>,
) -> Result<Vec<ImportReport>, Error> {
    whisker_models::import::import(manifest, store, path, id, &Quiet)
}

#[test]
fn a_single_file_is_recognised_by_its_hash() {
    let (a, b) = (content(17, 4_000), content(18, 10));
    let manifest = manifest(
        &[
            ("a.gguf", &sha256(&a), a.len()),
            ("b.json", &sha256(&b), b.len()),
        ],
        HUB,
    );
    let (src, models) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let downloaded = src.path().join("whatever-name.bin");
    fs::write(&downloaded, &a).unwrap();
    let store = Store::new(models.path());

    let reports = import(&manifest, &store, &downloaded, None).unwrap();

    assert_eq!(reports[0].id, "m");
    assert_eq!(reports[0].missing, ["b.json"]);
    assert_eq!(fs::read(models.path().join("m/a.gguf")).unwrap(), a);
}

#[test]
fn a_folder_is_matched_by_name_with_an_id_and_checked() {
    let (a, b) = (content(19, 4_000), content(20, 10));
    let manifest = manifest(
        &[
            ("a.gguf", &sha256(&a), a.len()),
            ("b.json", &sha256(&b), b.len()),
        ],
        HUB,
    );
    let (src, models) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fs::write(src.path().join("a.gguf"), &a).unwrap();
    fs::write(src.path().join("b.json"), b"not the right bytes").unwrap();
    let store = Store::new(models.path());

    let err = import(&manifest, &store, src.path(), Some("m"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sha256 mismatch for m/b.json") && err.contains("not imported"),
        "{err}"
    );
    assert!(
        !models.path().join("m/a.gguf").exists(),
        "nothing is imported from a bad folder"
    );

    fs::write(src.path().join("b.json"), &b).unwrap();
    let reports = import(&manifest, &store, src.path(), Some("m")).unwrap();
    assert_eq!(reports[0].imported.len(), 2);
    assert!(reports[0].missing.is_empty());
}

#[test]
fn an_unknown_file_gets_a_clear_message() {
    let manifest = manifest(&[("a.gguf", &sha256(b"a"), 1)], HUB);
    let (src, models) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let stray = src.path().join("stray.bin");
    fs::write(&stray, b"something else").unwrap();

    let err = import(&manifest, &Store::new(models.path()), &stray, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("matches no file in the model manifest"),
        "{err}"
    );
    let err = import(&manifest, &Store::new(models.path()), src.path(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("pass --id"), "{err}");
}
