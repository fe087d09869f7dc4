//! A small HTTP/1.1 server on 127.0.0.1 for the fetch tests: one request per
//! connection, routes set by the test, every request logged.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// How a path is answered.
#[derive(Clone)]
pub enum Route {
    /// The bytes, honouring `Range: bytes=N-` (206, or 416 past the end).
    File(Vec<u8>),
    /// Always 200 with the whole body, whatever `Range` says.
    IgnoreRange(Vec<u8>),
    /// `Content-Length` of the whole body, but only `send` bytes, then close.
    Truncated { body: Vec<u8>, send: usize },
    /// The first request gets `after` bytes of the answer and a closed
    /// connection; later requests are served like [`Route::File`].
    StopOnce {
        body: Vec<u8>,
        after: usize,
        fired: Arc<AtomicBool>,
    },
    /// 200 and `after` bytes, then silence for `pause`, then the rest.
    Stall {
        body: Vec<u8>,
        after: usize,
        pause: std::time::Duration,
    },
    /// 302 to another path on this server.
    Redirect(String),
    /// A PEP 691 JSON page.
    Json(String),
}

impl Route {
    pub fn stop_once(body: Vec<u8>, after: usize) -> Route {
        Route::StopOnce {
            body,
            after,
            fired: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

pub struct Server {
    addr: SocketAddr,
    routes: Routes,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let routes: Routes = Arc::default();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, l, s) = (routes.clone(), log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let _ = serve(stream, &r, &l);
                }
            }
        });
        Server {
            addr,
            routes,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    pub fn requests_for(&self, path: &str) -> Vec<Request> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|r| r.path == path).cloned().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, routes: &Routes, log: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().to_string());
        }
    }
    log.lock().unwrap().push(Request {
        path: path.clone(),
        range: range.clone(),
    });
    let route = routes.lock().unwrap().get(&path).cloned();
    answer(stream, route, range.as_deref())
}

fn answer(mut out: TcpStream, route: Option<Route>, range: Option<&str>) -> std::io::Result<()> {
    match route {
        None => head(&mut out, "404 Not Found", 0, &[]),
        Some(Route::File(body)) => ranged(&mut out, &body, range, usize::MAX),
        Some(Route::IgnoreRange(body)) => {
            head(&mut out, "200 OK", body.len(), &[])?;
            out.write_all(&body)
        }
        Some(Route::Truncated { body, send }) => {
            head(&mut out, "200 OK", body.len(), &[])?;
            out.write_all(&body[..send])
        }
        Some(Route::StopOnce { body, after, fired }) => {
            let limit = if fired.swap(true, Ordering::SeqCst) {
                usize::MAX
            } else {
                after
            };
            ranged(&mut out, &body, range, limit)
        }
        Some(Route::Stall { body, after, pause }) => {
            head(&mut out, "200 OK", body.len(), &[])?;
            out.write_all(&body[..after])?;
            out.flush()?;
            std::thread::sleep(pause);
            out.write_all(&body[after..])
        }
        Some(Route::Redirect(to)) => head(&mut out, "302 Found", 0, &[("Location", &to)]),
        Some(Route::Json(page)) => {
            let kind = [("Content-Type", "application/vnd.pypi.simple.v1+json")];
            head(&mut out, "200 OK", page.len(), &kind)?;
            out.write_all(page.as_bytes())
        }
    }
}

/// Serves `body` honouring `Range`, writing at most `limit` body bytes.
fn ranged(
    out: &mut TcpStream,
    body: &[u8],
    range: Option<&str>,
    limit: usize,
) -> std::io::Result<()> {
    let start = range
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok());
    let len = body.len();
    let slice = match start {
        Some(s) if s >= len => {
            let total = format!("bytes */{len}");
            return head(
                out,
                "416 Range Not Satisfiable",
                0,
                &[("Content-Range", &total)],
            );
        }
        Some(s) => {
            let content_range = format!("bytes {s}-{}/{len}", len - 1);
            head(
                out,
                "206 Partial Content",
                len - s,
                &[("Content-Range", &content_range)],
            )?;
            &body[s..]
        }
        None => {
            head(out, "200 OK", len, &[])?;
            body
        }
    };
    out.write_all(&slice[..slice.len().min(limit)])
}

fn head(
    out: &mut TcpStream,
    status: &str,
    length: usize,
    extra: &[(&str, &str)],
) -> std::io::Result<()> {
    let mut text =
        format!("HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n");
    for (name, value) in extra {
        text += &format!("{name}: {value}\r\n");
    }
    text += "\r\n";
    out.write_all(text.as_bytes())
}
