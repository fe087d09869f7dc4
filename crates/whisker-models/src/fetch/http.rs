//! HTTP GET with resume: a `.part` file grows until it is complete.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Duration;

use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig};

use crate::hash::BLOCK;
use crate::observe::Observer;
use crate::{Error, Result};

/// Longest wait for a connection, for response headers, and between two reads.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Package index pages are small; anything bigger is not one.
const MAX_PAGE: u64 = 16 * 1024 * 1024;

/// A blocking HTTP client whose TLS trusts the system's roots, so mirrors
/// and intercepting proxies with their own CA work.
#[derive(Debug, Clone)]
pub struct Http {
    agent: Agent,
}

impl Default for Http {
    fn default() -> Self {
        Http::new()
    }
}

impl Http {
    pub fn new() -> Http {
        Http::with_timeout(TIMEOUT)
    }

    /// A client that gives up on a connection, a response or a read after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Http {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::PlatformVerifier)
            .build();
        let config = Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .user_agent(concat!("whisker/", env!("CARGO_PKG_VERSION")))
            .build();
        Http {
            agent: config.into(),
        }
    }

    /// GETs a small text document (an index page) with an `Accept` header.
    /// Returns the URL asked for (relative links resolve against it), the
    /// content type and the body.
    pub fn page(&self, url: &str, accept: &str) -> Result<(String, String, String)> {
        let mut response = self
            .agent
            .get(url)
            .header("Accept", accept)
            .call()
            .map_err(|e| network(url, &e))?;
        check_status(url, response.status().as_u16())?;
        let kind = header(&response, "content-type").unwrap_or_default();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_PAGE)
            .read_to_string()
            .map_err(|e| network(url, &e))?;
        Ok((url.to_string(), kind, body))
    }

    /// Downloads `url` into `part`, resuming from its current length;
    /// progress is reported as `label`.
    /// Returns the final length. On a cancel or a broken connection the
    /// `.part` file stays for the next attempt.
    pub fn download(
        &self,
        label: &str,
        url: &str,
        part: &Path,
        expected: Option<u64>,
        observer: &dyn Observer,
    ) -> Result<u64> {
        let mut have = part.metadata().map(|m| m.len()).unwrap_or(0);
        if expected.is_some_and(|size| have > size) {
            have = restart(part)?;
        }
        if have > 0 && expected == Some(have) {
            return Ok(have);
        }
        // At most two requests: a resume the server refuses becomes a restart.
        for _ in 0..2 {
            match self.request(label, url, part, have, expected, observer)? {
                Attempt::Done(len) => return Ok(len),
                Attempt::Restart => have = restart(part)?,
            }
        }
        Err(Error::Network {
            url: url.into(),
            message: "the server does not honour byte ranges consistently".into(),
        })
    }

    fn request(
        &self,
        label: &str,
        url: &str,
        part: &Path,
        have: u64,
        expected: Option<u64>,
        observer: &dyn Observer,
    ) -> Result<Attempt> {
        let mut request = self.agent.get(url);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let mut response = request.call().map_err(|e| network(url, &e))?;
        let start = match resume_point(&response, url, part, have)? {
            Resume::At(start) => start,
            Resume::Whole => return Ok(Attempt::Done(have)),
            Resume::Restart => return Ok(Attempt::Restart),
        };
        let total = match content_range(&response) {
            Some((_, Some(total))) => Some(total),
            _ => header(&response, "content-length")
                .and_then(|n| n.parse::<u64>().ok())
                .map(|n| n + start),
        }
        .or(expected);
        observer.begin(label, start, total);
        let reader = response.body_mut().as_reader();
        let got = append(reader, part, start, observer).map_err(|e| match e {
            Stop::Cancelled => Error::Cancelled,
            Stop::Write(e) => Error::io(part, e),
            Stop::Read(got) => interrupted(url, got, total),
        })?;
        if total.is_some_and(|t| got < t) {
            return Err(interrupted(url, got, total));
        }
        Ok(Attempt::Done(got))
    }
}

enum Attempt {
    Done(u64),
    Restart,
}

/// What a response means for the `.part` file.
enum Resume {
    /// The body continues the file from this offset.
    At(u64),
    /// The file was already whole.
    Whole,
    /// The answer does not fit the file: start over.
    Restart,
}

/// Reads the status: where the body goes, or that there is nothing to get.
fn resume_point(
    response: &ureq::http::Response<ureq::Body>,
    url: &str,
    part: &Path,
    have: u64,
) -> Result<Resume> {
    match response.status().as_u16() {
        206 => Ok(match content_range(response) {
            Some((start, _)) if start == have => Resume::At(have),
            _ => Resume::Restart,
        }),
        // A server that ignores `Range` sends the whole file: take it from 0.
        200 => {
            if have > 0 {
                restart(part)?;
            }
            Ok(Resume::At(0))
        }
        // Nothing past the end: the `.part` may already be whole.
        416 if have > 0 => {
            let whole = header(response, "content-range")
                .is_some_and(|r| r.trim() == format!("bytes */{have}"));
            Ok(if whole {
                Resume::Whole
            } else {
                Resume::Restart
            })
        }
        status => Err(Error::Http {
            url: url.into(),
            status,
        }),
    }
}

enum Stop {
    Cancelled,
    Write(std::io::Error),
    /// The connection broke after this many bytes in the file.
    Read(u64),
}

/// Appends the body to `part` (which has `start` bytes); returns the new length.
fn append(
    mut reader: impl Read,
    part: &Path,
    start: u64,
    observer: &dyn Observer,
) -> std::result::Result<u64, Stop> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(part)
        .map_err(Stop::Write)?;
    let mut out = BufWriter::with_capacity(BLOCK, file);
    let mut buf = vec![0u8; BLOCK];
    let mut have = start;
    let result = loop {
        if observer.cancelled() {
            break Err(Stop::Cancelled);
        }
        match reader.read(&mut buf) {
            Ok(0) => break Ok(have),
            Ok(n) => {
                out.write_all(&buf[..n]).map_err(Stop::Write)?;
                have += n as u64;
                observer.advance(have);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break Err(Stop::Read(have)),
        }
    };
    // What arrived is kept even when the connection broke: that is the resume.
    out.flush().map_err(Stop::Write)?;
    result
}

fn restart(part: &Path) -> Result<u64> {
    File::create(part).map_err(|e| Error::io(part, e))?;
    Ok(0)
}

fn check_status(url: &str, status: u16) -> Result<()> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(Error::Http {
            url: url.into(),
            status,
        })
    }
}

fn interrupted(url: &str, got: u64, expected: Option<u64>) -> Error {
    Error::Interrupted {
        url: url.into(),
        got,
        expected,
    }
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Content-Range: bytes START-END/TOTAL` as (START, TOTAL if not `*`).
fn content_range(response: &ureq::http::Response<ureq::Body>) -> Option<(u64, Option<u64>)> {
    parse_content_range(&header(response, "content-range")?)
}

fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// A one-line reason for a failed request.
fn network(url: &str, error: &ureq::Error) -> Error {
    let message = match error {
        ureq::Error::Timeout(_) => format!("timed out ({error})"),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        other => other.to_string(),
    };
    Error::Network {
        url: url.into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_forms() {
        assert_eq!(
            parse_content_range("bytes 10-99/100"),
            Some((10, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 0-9/*"), Some((0, None)));
        assert_eq!(parse_content_range("bytes */100"), None);
    }
}
