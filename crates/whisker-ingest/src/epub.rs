//! EPUB: the spine's XHTML documents, in reading order, as chapters.
//!
//! `META-INF/container.xml` names the package document (OPF), whose manifest
//! and spine give the chapter files; books zipped one folder deep are found
//! too. Each file goes through the HTML reader's core, so chapters get
//! paragraphs and heading paths like web pages do. Chapter titles come from
//! the table of contents (see [`toc`]), placed on the paragraph each entry
//! points at, else from the file's first heading. Chapters are numbered by
//! position among the files that hold text, so a cover image page does not
//! count. Books whose content files are encrypted (DRM) are refused;
//! obfuscated fonts are fine.

mod toc;

use std::collections::{HashMap, HashSet};

use quick_xml::events::Event;

use crate::document::{Document, Kind, Limits, Location, Section};
use crate::error::{Error, Result};
use crate::html;
use crate::ooxml::dc_title;
use crate::xml::{Xml, attr, local};
use crate::zipped::{Package, Salvage, folder, resolve};

pub(crate) const FORMAT: &str = "EPUB";
const CONTAINER: &str = "META-INF/container.xml";
/// Encryption algorithms that only obfuscate embedded fonts.
const FONT_OBFUSCATION: &[&str] = &[
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
];

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Document> {
    let mut package = Package::open(bytes, limits, FORMAT)?;
    let (root, opf_path) = find_opf(&mut package)?;
    let opf_xml = package.require_text(&opf_path)?;
    let opf = Opf::parse(&opf_xml, &opf_path)?;
    check_spine(&package, &opf.spine)?;
    let mut salvage = Salvage::default();
    salvage.part(refuse_drm(&mut package, &root, &opf.spine).map(Some))?;
    let toc =
        salvage.part(toc::read(&mut package, opf.nav.as_deref(), opf.ncx.as_deref()).map(Some))?;
    let sections = chapters(
        &mut package,
        &mut salvage,
        &opf.spine,
        &toc.unwrap_or_default(),
    )?;
    salvage.finish(Document {
        title: opf.title.unwrap_or_default(),
        kind: Kind::Epub,
        sections,
    })
}

fn check_spine(package: &Package<'_>, spine: &[String]) -> Result<()> {
    if spine.is_empty() {
        return Err(Error::corrupt(
            FORMAT,
            "its package document lists no chapters",
        ));
    }
    if !spine.iter().any(|p| package.has(p)) {
        let detail = format!(
            "none of the {} chapter files its package document lists are in the archive",
            spine.len()
        );
        return Err(Error::corrupt(FORMAT, detail));
    }
    Ok(())
}

/// The paragraphs of every spine file that holds text, titled from the TOC.
fn chapters(
    package: &mut Package<'_>,
    salvage: &mut Salvage,
    spine: &[String],
    toc: &[toc::Entry],
) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let mut titler = toc::Titler::default();
    let mut chapter = 0;
    for path in spine {
        let Some(parsed) = salvage.part(read_chapter(package, path))? else {
            continue;
        };
        chapter += 1;
        let titles = titler.titles(toc, path, &parsed);
        let located = parsed.paragraphs.into_iter().zip(titles);
        sections.extend(located.map(|(p, title)| {
            let location = Location::Chapter {
                chapter,
                title,
                headings: p.headings,
            };
            Section::new(p.text, location)
        }));
    }
    Ok(sections)
}

/// One spine document's paragraphs, or `None` if it is missing, binary or blank.
fn read_chapter(package: &mut Package<'_>, path: &str) -> Result<Option<html::Parsed>> {
    let Some(bytes) = package.read(path)? else {
        return Ok(None);
    };
    let Ok(text) = html::decode(&bytes) else {
        return Ok(None);
    };
    let parsed = html::parse(&text);
    Ok((!parsed.paragraphs.is_empty()).then_some(parsed))
}

/// The folder the container sits in (some books are zipped one level deep)
/// and the package document's path.
fn find_opf(package: &mut Package<'_>) -> Result<(String, String)> {
    let names = package.names();
    let container = names
        .iter()
        .filter(|n| n.eq_ignore_ascii_case(CONTAINER) || n.ends_with(&format!("/{CONTAINER}")))
        .min_by_key(|n| n.len())
        .cloned();
    let any_opf = names.iter().find(|n| n.ends_with(".opf")).cloned();
    let Some(container) = container else {
        let detail = "it has no META-INF/container.xml and no package document (.opf)";
        return any_opf
            .map(|opf| (String::new(), opf))
            .ok_or_else(|| Error::corrupt(FORMAT, detail));
    };
    let root = container[..container.len() - CONTAINER.len()].to_string();
    let xml = package.require_text(&container)?;
    let Some(full_path) = rootfile(&xml, &container)? else {
        let detail = "META-INF/container.xml names no package document (.opf)";
        return any_opf
            .map(|opf| (root.clone(), opf))
            .ok_or_else(|| Error::corrupt(FORMAT, detail));
    };
    let candidates = [resolve("", &full_path), resolve(&root, &full_path)];
    if let Some(found) = candidates.into_iter().flatten().find(|p| package.has(p)) {
        return Ok((root, found));
    }
    let detail =
        format!("the package document {full_path} named in META-INF/container.xml is missing");
    any_opf
        .map(|opf| (root, opf))
        .ok_or_else(|| Error::corrupt(FORMAT, detail))
}

fn rootfile(xml: &str, part: &str) -> Result<Option<String>> {
    let mut reader = Xml::new(xml, FORMAT, part);
    loop {
        match reader.next()? {
            Event::Start(e) | Event::Empty(e) if local(&e) == "rootfile" => {
                if let Some(path) = attr(&e, "full-path") {
                    return Ok(Some(path));
                }
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// What the package document says: title, chapter files, table of contents.
#[derive(Debug, Default)]
struct Opf {
    title: Option<String>,
    spine: Vec<String>,
    nav: Option<String>,
    ncx: Option<String>,
}

#[derive(Debug)]
struct Item {
    path: String,
    media_type: String,
    properties: String,
}

impl Opf {
    fn parse(xml: &str, part: &str) -> Result<Opf> {
        let base = folder(part);
        let mut reader = Xml::new(xml, FORMAT, part);
        let mut items: HashMap<String, Item> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut idrefs: Vec<String> = Vec::new();
        let mut toc_id = None;
        loop {
            match reader.next()? {
                Event::Start(e) | Event::Empty(e) => match local(&e) {
                    "item" => {
                        let (Some(id), Some(href)) = (attr(&e, "id"), attr(&e, "href")) else {
                            continue;
                        };
                        let Some(path) = resolve(base, &href) else {
                            continue;
                        };
                        let item = Item {
                            path,
                            media_type: attr(&e, "media-type").unwrap_or_default(),
                            properties: attr(&e, "properties").unwrap_or_default(),
                        };
                        order.push(id.clone());
                        items.insert(id, item);
                    }
                    "itemref" => idrefs.extend(attr(&e, "idref")),
                    "spine" => toc_id = attr(&e, "toc"),
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(Opf::assemble(xml, items, order, idrefs, toc_id))
    }

    fn assemble(
        xml: &str,
        items: HashMap<String, Item>,
        order: Vec<String>,
        idrefs: Vec<String>,
        toc_id: Option<String>,
    ) -> Opf {
        let nav = items
            .values()
            .find(|i| i.properties.split_whitespace().any(|p| p == "nav"))
            .map(|i| i.path.clone());
        let ncx = toc_id
            .and_then(|id| items.get(&id))
            .or_else(|| {
                items
                    .values()
                    .find(|i| i.media_type == "application/x-dtbncx+xml")
            })
            .map(|i| i.path.clone());
        // A book without a usable spine is read in manifest order.
        let ids = if idrefs.iter().any(|id| items.contains_key(id)) {
            idrefs
        } else {
            order
        };
        let spine = ids
            .iter()
            .filter_map(|id| items.get(id))
            .filter(|i| is_html(i) && Some(&i.path) != nav.as_ref())
            .map(|i| i.path.clone())
            .collect();
        Opf {
            title: dc_title(xml, FORMAT),
            spine,
            nav,
            ncx,
        }
    }
}

fn is_html(item: &Item) -> bool {
    let path = item.path.to_ascii_lowercase();
    item.media_type.contains("html")
        || [".xhtml", ".html", ".htm"]
            .iter()
            .any(|e| path.ends_with(e))
}

/// Refuses books whose chapters are encrypted (DRM), naming the reason.
fn refuse_drm(package: &mut Package<'_>, root: &str, spine: &[String]) -> Result<()> {
    let part = format!("{root}META-INF/encryption.xml");
    let Some(xml) = package.read_text(&part)? else {
        return Ok(());
    };
    let spine: HashSet<&str> = spine.iter().map(String::as_str).collect();
    let mut reader = Xml::new(&xml, FORMAT, &part);
    let mut font_only = false;
    loop {
        match reader.next()? {
            Event::Start(e) | Event::Empty(e) => match local(&e) {
                "EncryptionMethod" => {
                    let algorithm = attr(&e, "Algorithm").unwrap_or_default();
                    font_only = FONT_OBFUSCATION.contains(&algorithm.as_str());
                }
                "CipherReference" if !font_only => {
                    let path = attr(&e, "URI").and_then(|uri| resolve(root, &uri));
                    if path.is_some_and(|p| spine.contains(p.as_str())) {
                        return Err(Error::Encrypted(FORMAT));
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spine_order_skips_nav_and_images() {
        let opf = r#"<package><metadata><dc:title>Winter Sports</dc:title></metadata><manifest>
            <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
            <item id="c2" href="Text/ch%202.xhtml" media-type="application/xhtml+xml"/>
            <item id="c1" href="Text/ch1.xhtml" media-type="application/xhtml+xml"/>
            <item id="img" href="cover.jpg" media-type="image/jpeg"/>
            <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
            </manifest><spine toc="ncx"><itemref idref="nav"/><itemref idref="img"/><itemref idref="c1"/><itemref idref="c2"/></spine></package>"#;
        let opf = Opf::parse(opf, "OEBPS/content.opf").unwrap();
        assert_eq!(opf.title.as_deref(), Some("Winter Sports"));
        assert_eq!(opf.spine, ["OEBPS/Text/ch1.xhtml", "OEBPS/Text/ch 2.xhtml"]);
        assert_eq!(opf.nav.as_deref(), Some("OEBPS/nav.xhtml"));
        assert_eq!(opf.ncx.as_deref(), Some("OEBPS/toc.ncx"));
    }
}
