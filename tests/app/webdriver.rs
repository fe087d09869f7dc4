//! A small W3C WebDriver client (JSON over HTTP on loopback) for driving the
//! real app through tauri-driver and WebKitWebDriver.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    agent: ureq::Agent,
    base: String,
}

#[derive(Debug, Clone)]
pub struct Element(String);

/// Waits until the WebDriver server at `driver_url` answers.
pub fn wait_for_driver(driver_url: &str, timeout: Duration) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let started = Instant::now();
    while agent.get(&format!("{driver_url}/status")).call().is_err() {
        assert!(
            started.elapsed() < timeout,
            "tauri-driver did not answer at {driver_url} within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Session {
    /// Starts the app at `application` through the driver at `driver_url`.
    pub fn start(driver_url: &str, application: &str) -> Session {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application}
        }}});
        let value = send(&agent, "POST", &format!("{driver_url}/session"), Some(caps));
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        Session {
            agent,
            base: format!("{driver_url}/session/{id}"),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        send(&self.agent, method, &format!("{}{path}", self.base), body)
    }

    /// Switches to the popup (`popup.html`) or, for any other `page`, the
    /// main window (served as `/`), waiting up to 20 s for it to exist.
    pub fn switch_to(&self, page: &str) {
        let want_popup = page == "popup.html";
        let started = Instant::now();
        let mut seen = Vec::new();
        while started.elapsed() < Duration::from_secs(20) {
            let handles = self.call("GET", "/window/handles", None);
            seen.clear();
            for handle in handles.as_array().expect("handles") {
                self.call("POST", "/window", Some(json!({"handle": handle})));
                let url = self.call("GET", "/url", None);
                let url = url.as_str().unwrap_or("").to_owned();
                if url.contains("popup.html") == want_popup && url.starts_with("tauri:") {
                    return;
                }
                seen.push(url);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("no window for {page}; windows: {seen:?}");
    }

    pub fn find(&self, css: &str) -> Element {
        self.wait_for(css, Duration::from_secs(20))
    }

    /// The first element matching `css`, waiting until it exists.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let started = Instant::now();
        loop {
            if let Some(found) = self.try_find(css) {
                return found;
            }
            assert!(
                started.elapsed() < timeout,
                "no element '{css}' after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn try_find(&self, css: &str) -> Option<Element> {
        let url = format!("{}/element", self.base);
        let body = json!({"using": "css selector", "value": css});
        let value = send_raw(&self.agent, "POST", &url, Some(body));
        value
            .get(ELEMENT)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_owned()))
    }

    pub fn click(&self, element: &Element) {
        self.call(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        );
    }

    pub fn type_text(&self, element: &Element, text: &str) {
        self.call(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(json!({"text": text})),
        );
    }

    pub fn text(&self, element: &Element) -> String {
        self.call("GET", &format!("/element/{}/text", element.0), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` in the page (`return ...` gives a value).
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` with a callback as its last argument and returns what
    /// it is called with (for promises: `invoke(...).then(done, done)`).
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until `script` returns true. An error counts as "not yet": the
    /// page may be unloading (a reload) when the script is sent; the last
    /// error is shown if the wait runs out.
    pub fn wait_until(&self, what: &str, script: &str, timeout: Duration) {
        let started = Instant::now();
        let url = format!("{}/execute/sync", self.base);
        loop {
            let body = json!({"script": script, "args": []});
            let value = send_raw(&self.agent, "POST", &url, Some(body));
            if value == Value::Bool(true) {
                return;
            }
            // A script returns a string when the page shows it failed: no
            // point waiting out the timeout.
            if let Value::String(shown) = &value {
                panic!("{what}: the page shows an error instead: {shown}");
            }
            if started.elapsed() >= timeout {
                let body = json!({"script": "return document.body.innerText", "args": []});
                let page = send_raw(&self.agent, "POST", &url, Some(body));
                panic!(
                    "{what}: not after {timeout:?} (last reply {value}); the page shows:\n{page}"
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A PNG of the current window.
    pub fn screenshot(&self) -> Vec<u8> {
        let value = self.call("GET", "/screenshot", None);
        decode_base64(value.as_str().expect("base64 PNG"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.base).call();
    }
}

fn send(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Value {
    let value = send_raw(agent, method, url, body);
    if let Some(error) = value.get("error") {
        panic!("WebDriver {method} {url}: {error} {}", value["message"]);
    }
    value
}

/// The `value` of a WebDriver reply, errors included.
fn send_raw(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Value {
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent.post(url).send_json(body.unwrap_or(json!({}))),
    };
    let mut response = response.unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    let reply: Value = response.body_mut().read_json().unwrap_or(Value::Null);
    reply.get("value").cloned().unwrap_or(Value::Null)
}

fn decode_base64(text: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !matches!(c, b'=' | b'\n' | b'\r'))
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| {
            acc | u32::from(digit(c)) << (18 - 6 * i)
        });
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes() {
        assert_eq!(super::decode_base64("aGVsbG8="), b"hello");
        assert_eq!(super::decode_base64("aGk="), b"hi");
    }
}
