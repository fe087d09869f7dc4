//! An EPUB's table of contents, and the chapter title each paragraph sits under.
//!
//! Entries come from the EPUB 3 `nav` document (its `toc` nav), else from
//! the EPUB 2 NCX `navMap` (page lists are ignored). Only chapter-level
//! entries title text: the top level, or the one below when the top is a
//! single entry wrapping the whole book. An entry's `#fragment` is placed on
//! the paragraph carrying that id, so files split in mid-chapter (as many
//! converters do) still get the right title, carried over from the file before.

use quick_xml::events::Event;

use crate::error::Result;
use crate::html::{Parsed, first_heading};
use crate::xml::{Xml, attr, collapse, end_local, local, text};
use crate::zipped::{Package, folder, percent_decode, resolve};

use super::FORMAT;

/// One table-of-contents entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub path: String,
    pub fragment: Option<String>,
    pub label: String,
    pub depth: usize,
}

/// The chapter-level entries, from `nav` if it has any, else from the NCX.
/// A broken table of contents costs the titles, never the book.
pub(super) fn read(
    package: &mut Package<'_>,
    nav: Option<&str>,
    ncx: Option<&str>,
) -> Result<Vec<Entry>> {
    for (part, is_nav) in [(nav, true), (ncx, false)] {
        let Some(part) = part else { continue };
        let Some(xml) = package.read_text(part)? else {
            continue;
        };
        let entries = parse(&xml, part, is_nav).unwrap_or_default();
        if !entries.is_empty() {
            return Ok(chapter_level(entries));
        }
    }
    Ok(Vec::new())
}

fn chapter_level(entries: Vec<Entry>) -> Vec<Entry> {
    let at = |depth: usize| entries.iter().filter(|e| e.depth == depth).count();
    let level = usize::from(at(0) == 1 && at(1) > 0);
    entries.into_iter().filter(|e| e.depth <= level).collect()
}

/// Parser state shared by both table-of-contents formats.
#[derive(Debug, Default)]
struct Toc {
    out: Vec<(Entry, bool)>,
    href: Option<(String, Option<String>)>,
    label: Option<String>,
    last_label: String,
    depth: usize,
    /// Inside the nav that is the table of contents (nav), or the navMap (NCX).
    inside: bool,
}

/// Entries in document order, with their nesting depth (0 = top level).
fn parse(xml: &str, part: &str, is_nav: bool) -> Result<Vec<Entry>> {
    let base = folder(part);
    let (link, label_tag, list, scope) = if is_nav {
        ("a", "a", "ol", "nav")
    } else {
        ("content", "navLabel", "navPoint", "navMap")
    };
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut toc = Toc::default();
    loop {
        let event = reader.next()?;
        match &event {
            Event::Start(e) if local(e) == scope => {
                toc.inside = !is_nav || attr(e, "type").is_some_and(|t| is_toc(&t));
                toc.depth = 0;
            }
            Event::Start(e) if local(e) == list => toc.depth += 1,
            Event::End(e) if end_local(e) == list => toc.depth = toc.depth.saturating_sub(1),
            Event::Start(e) | Event::Empty(e) if local(e) == link => {
                let target = attr(e, if is_nav { "href" } else { "src" });
                toc.href = target.and_then(|t| split_href(base, &t));
                if !is_nav {
                    toc.push();
                }
            }
            Event::End(e) if end_local(e) == label_tag => {
                toc.last_label = collapse(&toc.label.take().unwrap_or_default());
                if is_nav {
                    toc.push();
                }
            }
            Event::End(e) if end_local(e) == scope => toc.inside = false,
            Event::Eof => break,
            _ => {}
        }
        toc.collect_label(&event, label_tag);
    }
    Ok(toc.finish(is_nav))
}

impl Toc {
    fn push(&mut self) {
        let Some((path, fragment)) = self.href.take() else {
            return;
        };
        let entry = Entry {
            path,
            fragment,
            label: self.last_label.clone(),
            depth: self.depth.saturating_sub(1),
        };
        self.out.push((entry, self.inside));
    }

    fn collect_label(&mut self, event: &Event<'_>, label_tag: &str) {
        if let Event::Start(e) = event
            && local(e) == label_tag
        {
            self.label = Some(String::new());
        }
        if let (Some(buf), Some(t)) = (self.label.as_mut(), text(event)) {
            buf.push_str(&t);
        }
    }

    /// In a nav document without a `toc` nav, every nav's links count.
    fn finish(self, is_nav: bool) -> Vec<Entry> {
        let any_inside = self.out.iter().any(|(_, inside)| *inside);
        self.out
            .into_iter()
            .filter(|(e, inside)| !e.label.is_empty() && (*inside || (is_nav && !any_inside)))
            .map(|(e, _)| e)
            .collect()
    }
}

fn is_toc(types: &str) -> bool {
    types.split_whitespace().any(|t| t == "toc")
}

/// A link's file (resolved) and fragment (decoded).
fn split_href(base: &str, href: &str) -> Option<(String, Option<String>)> {
    let path = resolve(base, href)?;
    let fragment = href
        .split_once('#')
        .map(|(_, f)| percent_decode(f))
        .filter(|f| !f.is_empty());
    Some((path, fragment))
}

/// Titles the paragraphs of successive chapter files, carrying the last
/// title of one file over to the untitled start of the next.
#[derive(Debug, Default)]
pub(super) struct Titler {
    carried: Option<String>,
}

impl Titler {
    /// The title of each paragraph of the file at `path`.
    pub fn titles(
        &mut self,
        entries: &[Entry],
        path: &str,
        parsed: &Parsed,
    ) -> Vec<Option<String>> {
        let marks = marks(entries, path, parsed);
        // A file outside the table of contents that opens with a heading is
        // its own section (an index, notes); otherwise it continues the last.
        let opens_with_heading = parsed
            .paragraphs
            .first()
            .is_some_and(|p| p.headings.last() == Some(&p.text));
        let carried = self
            .carried
            .clone()
            .filter(|_| !marks.is_empty() || !opens_with_heading);
        let before = carried
            .or_else(|| first_heading(parsed))
            .or_else(|| parsed.title.clone());
        if let Some((_, label)) = marks.last() {
            self.carried = Some((*label).to_string());
        }
        (0..parsed.paragraphs.len())
            .map(|i| {
                let mark = marks.iter().rev().find(|(index, _)| *index <= i);
                mark.map_or_else(|| before.clone(), |(_, label)| Some((*label).to_string()))
            })
            .collect()
    }
}

/// (paragraph index, label) of the entries pointing into `path`, in text order.
fn marks<'e>(entries: &'e [Entry], path: &str, parsed: &Parsed) -> Vec<(usize, &'e str)> {
    let mut marks: Vec<(usize, &str)> = entries
        .iter()
        .filter(|e| e.path == path)
        .map(|e| {
            (
                anchor_index(parsed, e.fragment.as_deref()),
                e.label.as_str(),
            )
        })
        .collect();
    marks.sort_by_key(|(index, _)| *index);
    marks
}

/// The paragraph a fragment points at; the file's start when there is none
/// or it cannot be found.
fn anchor_index(parsed: &Parsed, fragment: Option<&str>) -> usize {
    fragment
        .and_then(|f| parsed.anchors.iter().find(|(id, _)| id == f))
        .map_or(0, |(_, index)| *index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::parse as parse_html;

    fn labels(entries: &[Entry]) -> Vec<(&str, usize)> {
        entries
            .iter()
            .map(|e| (e.label.as_str(), e.depth))
            .collect()
    }

    #[test]
    fn nav_keeps_the_toc_and_its_depths() {
        let nav = r#"<html><body><nav epub:type="landmarks"><ol><li><a href="cover.xhtml">Cover</a></li></ol></nav>
            <nav epub:type="toc"><ol><li><a href="Text/ch1.xhtml#s1">Skating <span>&amp; Curling</span></a>
            <ol><li><a href="Text/ch1.xhtml#s2">Figures</a></li></ol></li><li><a href="Text/ch2.xhtml">Ski-ing</a></li></ol></nav></body></html>"#;
        let entries = parse(nav, "OEBPS/nav.xhtml", true).unwrap();
        assert_eq!(
            labels(&entries),
            [("Skating & Curling", 0), ("Figures", 1), ("Ski-ing", 0)]
        );
        assert_eq!(entries[0].path, "OEBPS/Text/ch1.xhtml");
        assert_eq!(entries[0].fragment.as_deref(), Some("s1"));
        assert_eq!(
            labels(&chapter_level(entries)),
            [("Skating & Curling", 0), ("Ski-ing", 0)]
        );
    }

    #[test]
    fn ncx_reads_the_nav_map_only_and_unwraps_a_single_root() {
        let ncx = r#"<ncx><navMap><navPoint><navLabel><text>The Book</text></navLabel><content src="title.html"/>
            <navPoint><navLabel><text>One</text></navLabel><content src="ch1.html#c1"/></navPoint>
            <navPoint><navLabel><text>Two</text></navLabel><content src="ch2.html"/></navPoint></navPoint></navMap>
            <pageList><pageTarget><navLabel><text>{21}</text></navLabel><content src="ch1.html#p21"/></pageTarget></pageList></ncx>"#;
        let entries = parse(ncx, "toc.ncx", false).unwrap();
        assert_eq!(labels(&entries), [("The Book", 0), ("One", 1), ("Two", 1)]);
        assert_eq!(labels(&chapter_level(entries)).len(), 3);
    }

    #[test]
    fn titles_follow_anchors_across_split_files() {
        let entry = |path: &str, fragment: &str, label: &str| Entry {
            path: path.into(),
            fragment: Some(fragment.into()),
            label: label.into(),
            depth: 0,
        };
        let entries = [
            entry("a.html", "c1", "Chapter I"),
            entry("b.html", "c2", "Chapter II"),
        ];
        let a = parse_html(r#"<h1 id="c1">Chapter I</h1><p>one</p>"#);
        let b = parse_html(r#"<p>end of one</p><h1 id="c2">Chapter II</h1><p>two</p>"#);
        let mut titler = Titler::default();
        assert_eq!(
            titler.titles(&entries, "a.html", &a),
            [Some("Chapter I".into()), Some("Chapter I".into())]
        );
        let titles = titler.titles(&entries, "b.html", &b);
        assert_eq!(titles[0].as_deref(), Some("Chapter I"));
        assert_eq!(titles[2].as_deref(), Some("Chapter II"));
    }
}
