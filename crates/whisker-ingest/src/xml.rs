//! Streaming XML helpers shared by the DOCX, PPTX, XLSX and EPUB readers.
//!
//! A thin layer over quick-xml: parts are decoded to text once, events are
//! read without building a tree (so deep nesting costs nothing), names are
//! compared by local name (prefixes vary between producers), and entity and
//! character references are folded back into text. The reader is lenient
//! about mismatched end tags, since a slightly broken part still holds text.

use std::borrow::Cow;

use encoding_rs::Encoding;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::{Error, Result};

/// A pull parser over one part, whose errors name the format and the part.
pub(crate) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    format: &'static str,
    part: &'a str,
}

impl<'a> Xml<'a> {
    pub fn new(text: &'a str, format: &'static str, part: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        Xml {
            reader,
            format,
            part,
        }
    }

    /// The next event; malformed XML is [`Error::Corrupt`].
    pub fn next(&mut self) -> Result<Event<'a>> {
        self.reader.read_event().map_err(|e| {
            let at = self.reader.error_position();
            Error::corrupt(
                self.format,
                format!("{} is not well-formed XML (byte {at}: {e})", self.part),
            )
        })
    }
}

/// Decodes an XML part: a BOM or the declared encoding, else UTF-8 (lossy).
pub(crate) fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    match declared_encoding(bytes) {
        Some(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The `encoding="…"` of an `<?xml …?>` declaration at the start of `bytes`.
pub(crate) fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(256)];
    let decl_end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..decl_end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let quote = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let value = &rest[quote + 1..];
    let end = value.iter().position(|&b| b == b'"' || b == b'\'')?;
    Encoding::for_label(&value[..end])
}

/// The local name of a start tag (`w:p` → `p`).
pub(crate) fn local<'b>(e: &'b BytesStart<'_>) -> &'b str {
    local_of(e.name().into_inner())
}

/// The local name of an end tag.
pub(crate) fn end_local<'b>(e: &'b BytesEnd<'_>) -> &'b str {
    local_of(e.name().into_inner())
}

fn local_of(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The value of the first attribute with local name `name`, unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    find_attr(e, |key| local_of(key) == name)
}

/// A relationship id: `r:id` (or any prefixed `id`), never a bare `id`.
pub(crate) fn rel_id(e: &BytesStart<'_>) -> Option<String> {
    find_attr(e, |key| key.contains(':') && local_of(key) == "id")
}

fn find_attr(e: &BytesStart<'_>, wanted: impl Fn(&str) -> bool) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| wanted(a.key.into_inner()))
        .map(|a| match a.normalized_value(XmlVersion::Implicit1_0) {
            Ok(v) => v.into_owned(),
            Err(_) => a.value.into_owned(),
        })
}

/// The text an event contributes: text, CDATA, or a resolved reference.
pub(crate) fn text<'e>(event: &'e Event<'_>) -> Option<Cow<'e, str>> {
    match event {
        Event::Text(t) => Some(t.xml10_content()),
        Event::CData(c) => Some(c.xml10_content()),
        Event::GeneralRef(r) => {
            let name = r.xml10_content();
            let resolved = match r.resolve_char_ref() {
                Ok(Some(c)) => c.to_string(),
                Ok(None) => predefined(&name).map_or_else(|| format!("&{name};"), str::to_string),
                Err(_) => String::new(),
            };
            Some(Cow::Owned(resolved))
        }
        _ => None,
    }
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        "nbsp" => "\u{a0}",
        _ => return None,
    })
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collapses whitespace within each line and drops blank lines.
pub(crate) fn clean(text: &str) -> String {
    text.lines()
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_text(xml: &str) -> String {
        let mut reader = Xml::new(xml, "DOCX", "test.xml");
        let mut out = String::new();
        loop {
            let event = reader.next().unwrap();
            if matches!(event, Event::Eof) {
                return out;
            }
            if let Some(t) = text(&event) {
                out.push_str(&t);
            }
        }
    }

    #[test]
    fn references_and_cdata_become_text() {
        let xml = "<a>R&amp;D &#x4E2D;&#25991; &unknown; <![CDATA[<raw>]]></a>";
        assert_eq!(all_text(xml), "R&D 中文 &unknown; <raw>");
    }

    #[test]
    fn attributes_by_local_name_and_relationship_ids() {
        let xml = r#"<p:sldId id="256" r:id="rId2" w:val="a&amp;b"/>"#;
        let mut reader = Xml::new(xml, "PPTX", "p.xml");
        let Event::Empty(e) = reader.next().unwrap() else {
            panic!("expected an empty element")
        };
        assert_eq!(local(&e), "sldId");
        assert_eq!(attr(&e, "id").as_deref(), Some("256"));
        assert_eq!(rel_id(&e).as_deref(), Some("rId2"));
        assert_eq!(attr(&e, "val").as_deref(), Some("a&b"));
    }

    #[test]
    fn declared_encodings_are_honoured() {
        let (gbk, _, _) =
            encoding_rs::GBK.encode("<?xml version=\"1.0\" encoding=\"GBK\"?><t>标题</t>");
        assert_eq!(
            decode(&gbk),
            "<?xml version=\"1.0\" encoding=\"GBK\"?><t>标题</t>"
        );
    }

    #[test]
    fn broken_xml_is_corrupt_not_a_panic() {
        let mut reader = Xml::new("<a><b attr=\"x></a>", "DOCX", "word/document.xml");
        let err = loop {
            match reader.next() {
                Ok(Event::Eof) => panic!("expected an error"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(
            err.to_string()
                .starts_with("damaged DOCX file: word/document.xml")
        );
    }
}
