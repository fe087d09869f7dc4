//! Mistakes on the command line: a clear error and exit status 2.

use whisker_e2e::{parse, str_of, whisker};

#[test]
fn add_of_a_missing_path_is_not_found() {
    let data = tempfile::tempdir().unwrap();
    let out = whisker(data.path(), &["add", "/no/such/path"]);
    assert_eq!(out.status.code(), Some(2));
    let error = &parse(&out)["error"];
    assert_eq!(str_of(error, "code"), "not_found", "{error:#}");
    assert_eq!(str_of(error, "fault"), "user", "{error:#}");
    assert!(
        str_of(error, "message").contains("/no/such/path"),
        "{error:#}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/no/such/path"), "{stderr}");
}

#[test]
fn search_without_a_query_is_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    let out = whisker(data.path(), &["search"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Usage"), "{stderr}");
    assert!(stderr.contains("QUERY"), "{stderr}");
}
