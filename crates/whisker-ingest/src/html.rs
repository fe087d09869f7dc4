//! HTML: the visible text as paragraphs, each with its heading path.
//!
//! Only html5ever's tokenizer runs, never its tree builder: there is no DOM,
//! no recursion and no stack of open elements, so a page of 100,000 nested
//! `<div>`s costs no more than a flat one. The price is that structure is
//! inferred from tags as they stream by: block elements end a paragraph,
//! table cells are joined with " | ", `h1`–`h6` keep a heading path, and the
//! contents of `script`, `style`, `noscript`, `template`, `svg`, the `head`
//! (except `<title>`) and `hidden`/`display:none` containers are skipped.
//! The EPUB reader reuses [`parse`] for its chapters.

use std::cell::RefCell;

use encoding_rs::Encoding;
use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::chunk::is_cjk;
use crate::document::{Document, Kind, Section};
use crate::encoding::decode_with_hint;
use crate::error::Result;

/// Where a `<meta charset>` must appear to count, as in browsers.
const CHARSET_SCAN: usize = 2048;
/// Longer "headings" are paragraphs in heading style, not headings.
const MAX_HEADING: usize = 200;

/// Elements that end a paragraph where they start and where they end.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
    "option",
];
/// Elements allowed in `<head>`; any other start tag means the body has begun.
const HEAD: &[&str] = &[
    "base", "link", "meta", "noscript", "script", "style", "template", "title", "object",
];
/// Containers honoured when marked hidden (their end tag is never omitted).
const HIDEABLE: &[&str] = &[
    "div", "span", "section", "aside", "nav", "table", "ul", "ol", "form", "details", "header",
    "footer", "article", "figure", "main",
];

/// One paragraph of visible text and the heading path it sits under (a
/// heading's own path ends with itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paragraph {
    pub text: String,
    pub headings: Vec<String>,
}

/// What a page holds: its `<title>` and its paragraphs in order.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub title: Option<String>,
    pub paragraphs: Vec<Paragraph>,
    /// Element ids (and `<a name>`s) with the index of the paragraph they
    /// open or sit in, so a link's `#fragment` can be placed in the text.
    pub anchors: Vec<(String, usize)>,
}

pub fn extract(bytes: &[u8]) -> Result<Document> {
    let parsed = parse(&decode(bytes)?);
    let title = parsed.title.clone().or_else(|| first_heading(&parsed));
    let sections = Section::paragraphs(parsed.paragraphs.into_iter().map(|p| (p.text, p.headings)));
    Ok(Document {
        title: title.unwrap_or_default(),
        kind: Kind::Html,
        sections,
    })
}

/// The first heading of a page, for pages without a `<title>`.
pub(crate) fn first_heading(parsed: &Parsed) -> Option<String> {
    parsed
        .paragraphs
        .iter()
        .find(|p| p.headings.last() == Some(&p.text))
        .map(|p| p.text.clone())
}

/// Decodes a page: BOM, then valid UTF-8, then the charset it declares, then a guess.
pub(crate) fn decode(bytes: &[u8]) -> Result<String> {
    decode_with_hint(bytes, declared_charset(bytes), "HTML")
}

/// The charset named by a `<meta charset>`, a `http-equiv` content type or an
/// XML declaration in the first 2 KiB.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(CHARSET_SCAN)].to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&head[from..], b"charset") {
        let rest = &head[from + at + 7..];
        from += at + 7;
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or(rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|&b| {
                matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace()
            })
            .unwrap_or(rest.len());
        if let Some(encoding) = Encoding::for_label(&rest[..end]) {
            return Some(encoding);
        }
    }
    crate::xml::declared_encoding(bytes)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Tokenizes `text` and collects its title and paragraphs.
pub(crate) fn parse(text: &str) -> Parsed {
    let sink = Sink(RefCell::new(Walker::default()));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
    tokenizer.end();
    let mut walker = tokenizer.sink.0.take();
    walker.finish();
    Parsed {
        title: walker.title,
        paragraphs: walker.out,
        anchors: walker.anchors,
    }
}

/// html5ever hands tokens to a shared reference; the state lives in a `RefCell`.
struct Sink(RefCell<Walker>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut walker = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => return walker.start(&tag),
            Token::TagToken(tag) => walker.end(&tag.name),
            Token::CharacterTokens(text) => walker.chars(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// What separates the next character from the text before it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Sep {
    #[default]
    None,
    /// Collapsed whitespace; `newline` when it held a line break.
    Space { newline: bool },
    /// A new table cell.
    Cell,
}

#[derive(Debug, Default)]
struct Walker {
    out: Vec<Paragraph>,
    buf: String,
    sep: Sep,
    path: Vec<(u8, String)>,
    heading: Option<u8>,
    title: Option<String>,
    title_buf: Option<String>,
    /// Inside an element whose content the tokenizer returns as raw text we skip.
    raw: bool,
    in_head: bool,
    template: u32,
    svg: u32,
    pre: u32,
    /// A hidden container: its name and how many of that name are open.
    hidden: Option<(String, u32)>,
    anchors: Vec<(String, usize)>,
}

impl Walker {
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if let Some(kind) = raw_kind(name).filter(|_| !tag.self_closing) {
            // Raw text is never markup, even inside a hidden container.
            let visible = self.hidden.is_none() && self.svg == 0;
            if name == "title" && self.title.is_none() && visible {
                self.title_buf = Some(String::new());
            } else {
                self.raw = true;
            }
            return TokenSinkResult::RawData(kind);
        }
        if let Some((hidden, depth)) = &mut self.hidden {
            *depth += u32::from(hidden == name && !tag.self_closing);
            return TokenSinkResult::Continue;
        }
        if self.in_head && !HEAD.contains(&name) {
            self.in_head = false;
        }
        if !tag.self_closing && HIDEABLE.contains(&name) && is_hidden(tag) {
            self.hidden = Some((name.to_string(), 1));
            return TokenSinkResult::Continue;
        }
        self.open(name, tag.self_closing);
        // After `open`, so an anchor on a block names the paragraph it starts.
        for attr in &tag.attrs {
            let key: &str = &attr.name.local;
            if key == "id" || (key == "name" && name == "a") {
                self.anchors.push((attr.value.to_string(), self.out.len()));
            }
        }
        TokenSinkResult::Continue
    }

    fn open(&mut self, name: &str, self_closing: bool) {
        match name {
            "head" => self.in_head = !self_closing,
            "body" => self.in_head = false,
            "template" if !self_closing => self.template += 1,
            "svg" if !self_closing => self.svg += 1,
            "pre" if !self_closing => self.pre += 1,
            "td" | "th" => self.sep = Sep::Cell,
            _ => {}
        }
        if let Some(level) = heading_level(name) {
            self.end_heading();
            self.flush();
            self.heading = (!self_closing).then_some(level);
        } else if BLOCKS.contains(&name) {
            self.block();
        }
    }

    fn end(&mut self, name: &str) {
        if self.raw && raw_kind(name).is_some() {
            self.raw = false;
            return;
        }
        if let Some((hidden, depth)) = &mut self.hidden {
            if hidden == name {
                *depth -= 1;
                if *depth == 0 {
                    self.hidden = None;
                }
            }
            return;
        }
        if name == "title" && self.title_buf.is_some() {
            let title = crate::xml::collapse(&self.title_buf.take().unwrap_or_default());
            self.title = (!title.is_empty()).then_some(title);
            return;
        }
        if raw_kind(name).is_some() {
            self.raw = false;
            return;
        }
        match name {
            "head" => self.in_head = false,
            "template" => self.template = self.template.saturating_sub(1),
            "svg" => self.svg = self.svg.saturating_sub(1),
            "pre" => self.pre = self.pre.saturating_sub(1),
            _ => {}
        }
        if heading_level(name).is_some() {
            self.end_heading();
        } else if BLOCKS.contains(&name) {
            self.block();
        }
    }

    fn chars(&mut self, text: &str) {
        if let Some(title) = &mut self.title_buf {
            title.push_str(text);
            return;
        }
        if self.raw || self.in_head || self.hidden.is_some() || self.template > 0 || self.svg > 0 {
            return;
        }
        for c in text.chars() {
            if self.pre > 0 && c == '\n' {
                self.buf.push('\n');
                self.sep = Sep::None;
            } else if c.is_whitespace() {
                self.space(c == '\n');
            } else {
                self.push(c);
            }
        }
    }

    fn space(&mut self, newline: bool) {
        self.sep = match self.sep {
            Sep::None if self.buf.is_empty() || self.buf.ends_with('\n') => Sep::None,
            Sep::None => Sep::Space { newline },
            Sep::Space { newline: was } => Sep::Space {
                newline: was || newline,
            },
            Sep::Cell => Sep::Cell,
        };
    }

    fn push(&mut self, c: char) {
        if let Some(prev) = self.buf.chars().next_back() {
            match self.sep {
                Sep::Cell => self.buf.push_str(" | "),
                // A line break between two CJK characters is not a space in the text.
                Sep::Space { newline: true } if cjk_text(prev) && cjk_text(c) => {}
                Sep::Space { .. } => self.buf.push(' '),
                Sep::None => {}
            }
        }
        self.sep = Sep::None;
        self.buf.push(c);
    }

    /// A block boundary: ends the paragraph, except inside a heading.
    fn block(&mut self) {
        if self.heading.is_some() {
            self.space(false);
        } else {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let text = std::mem::take(&mut self.buf);
        self.sep = Sep::None;
        let text = text.trim();
        if !text.is_empty() {
            let headings = self.path.iter().map(|(_, h)| h.clone()).collect();
            self.out.push(Paragraph {
                text: text.to_string(),
                headings,
            });
        }
    }

    fn end_heading(&mut self) {
        let Some(level) = self.heading.take() else {
            return;
        };
        let text = crate::xml::collapse(&self.buf);
        if !text.is_empty() && text.chars().count() <= MAX_HEADING {
            self.path.retain(|(l, _)| *l < level);
            self.path.push((level, text));
        }
        self.flush();
    }

    fn finish(&mut self) {
        self.end_heading();
        self.flush();
    }
}

/// The tokenizer state for elements whose content is not markup.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(RawKind::Rawtext),
        "title" | "textarea" => Some(RawKind::Rcdata),
        _ => None,
    }
}

/// CJK characters and CJK/full-width punctuation, which run on without spaces.
fn cjk_text(c: char) -> bool {
    is_cjk(c) || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

fn is_hidden(tag: &Tag) -> bool {
    tag.attrs.iter().any(|a| match &*a.name.local {
        "hidden" => true,
        "style" => {
            let style: String = a.value.chars().filter(|c| !c.is_whitespace()).collect();
            style.to_ascii_lowercase().contains("display:none")
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<String> {
        parse(html).paragraphs.into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn blocks_split_and_inline_runs_join() {
        let html =
            "<p>One <b>bold</b>\n  word</p><div>Two<br>Three</div><span>a</span><span>b</span>";
        assert_eq!(texts(html), ["One bold word", "Two", "Three", "ab"]);
    }

    #[test]
    fn skipped_content_stays_out() {
        let html = "<html><head><title> The  Page </title><style>p{}</style>\
            <script>if (a<b) { x = '</p>' }</script></head><body><noscript>enable JS</noscript>\
            <template><p>tpl</p></template><div hidden><div>secret</div></div>\
            <div style=\"display: none\">xbrl</div><svg><text>chart</text></svg><p>Visible</p></body></html>";
        let parsed = parse(html);
        assert_eq!(parsed.title.as_deref(), Some("The Page"));
        let all: Vec<_> = parsed.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(all, ["Visible"]);
    }

    #[test]
    fn anchors_point_at_their_paragraphs() {
        let parsed = parse(
            "<p>one</p><div id=\"two\">two <span id=\"mid\">x</span></div><h2><a name=\"h\"/>Head</h2>",
        );
        assert_eq!(
            parsed.anchors,
            [
                ("two".to_string(), 1),
                ("mid".to_string(), 1),
                ("h".to_string(), 2)
            ]
        );
    }

    #[test]
    fn headings_build_paths() {
        let html = "<h1>Guide</h1><p>intro</p><h2>Install</h2><p>run</p><h3>Linux</h3><p>apt</p><h2>Use</h2><p>go</p>";
        let parsed = parse(html);
        let path = |t: &str| {
            parsed
                .paragraphs
                .iter()
                .find(|p| p.text == t)
                .map(|p| p.headings.join(" › "))
                .unwrap()
        };
        assert_eq!(path("intro"), "Guide");
        assert_eq!(path("apt"), "Guide › Install › Linux");
        assert_eq!(path("go"), "Guide › Use");
        assert_eq!(path("Install"), "Guide › Install");
    }

    #[test]
    fn table_rows_join_cells_and_entities_decode() {
        let html = "<table><tr><th>Team</th><th>Cups</th></tr><tr><td>Maple&nbsp;Leafs</td><td></td><td>13 &amp; more</td></tr></table>";
        assert_eq!(texts(html), ["Team | Cups", "Maple Leafs | 13 & more"]);
    }

    #[test]
    fn cjk_line_breaks_do_not_become_spaces() {
        assert_eq!(
            texts("<p>开箱即用环境。\n它实现了 Debian\n系统</p>"),
            ["开箱即用环境。它实现了 Debian 系统"]
        );
    }

    #[test]
    fn xhtml_self_closing_script_does_not_swallow_the_page() {
        let html = "<html><head><script src=\"a.js\"/><title>T</title></head><body><h1><a id=\"x\"/>Chapter</h1><p>text</p></body></html>";
        let parsed = parse(html);
        assert_eq!(parsed.title.as_deref(), Some("T"));
        assert_eq!(texts(html), ["Chapter", "text"]);
    }

    #[test]
    fn charset_is_read_from_meta() {
        let (bytes, _, _) = encoding_rs::GBK.encode(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>知识库</p></body></html>",
        );
        assert_eq!(declared_charset(&bytes), Some(encoding_rs::GBK));
        let doc = extract(&bytes).unwrap();
        assert_eq!(doc.sections[0].text, "知识库");
        assert_eq!(
            declared_charset(b"<meta charset='utf-8'>"),
            Some(encoding_rs::UTF_8)
        );
    }

    #[test]
    fn deep_nesting_is_flat_work() {
        let depth = 100_000;
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        assert_eq!(texts(&html), ["deep text"]);
    }
}
