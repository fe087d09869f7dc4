//! Parts shared by the Office Open XML readers (DOCX, PPTX, XLSX):
//! relationship files and the document properties' title.

use quick_xml::events::Event;

use crate::document::Limits;
use crate::error::Result;
use crate::xml::{Xml, attr, collapse, local, text};
use crate::zipped::{Package, Salvage, folder, resolve};

/// One relationship of a part: its id, type (the URI's last segment) and resolved target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rel {
    pub id: String,
    pub kind: String,
    pub target: String,
}

/// The relationships of `part` (from `<folder>/_rels/<name>.rels`), targets
/// resolved to package paths. External targets are left out; a missing
/// relationship file means no relationships.
pub(crate) fn rels(package: &mut Package<'_>, part: &str) -> Result<Vec<Rel>> {
    let dir = folder(part);
    let name = &part[dir.len()..];
    let rels_part = format!("{dir}_rels/{name}.rels");
    let Some(xml) = package.read_text(&rels_part)? else {
        return Ok(Vec::new());
    };
    let mut reader = Xml::new(&xml, package.format(), &rels_part);
    let mut out = Vec::new();
    loop {
        match reader.next()? {
            Event::Start(e) | Event::Empty(e) if local(&e) == "Relationship" => {
                if attr(&e, "TargetMode").as_deref() == Some("External") {
                    continue;
                }
                let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) else {
                    continue;
                };
                let kind = attr(&e, "Type").unwrap_or_default();
                let kind = kind.rsplit('/').next().unwrap_or_default().to_string();
                if let Some(target) = resolve(dir, &target) {
                    out.push(Rel { id, kind, target });
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The target of the relationship with id `id`.
pub(crate) fn target<'r>(rels: &'r [Rel], id: &str) -> Option<&'r str> {
    rels.iter().find(|r| r.id == id).map(|r| r.target.as_str())
}

/// The target of the first relationship of type `kind`, else `fallback`.
/// Opens an OOXML package and names its main part: the root relationships'
/// "officeDocument" target, else `fallback`. A damaged root relationships
/// part is salvaged (noted in the returned [`Salvage`]), not fatal.
pub(crate) fn open_main<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    format: &'static str,
    fallback: &str,
) -> Result<(Package<'a>, Salvage, String)> {
    let mut package = Package::open(bytes, limits, format)?;
    let mut salvage = Salvage::default();
    let root = salvage.part(rels(&mut package, "").map(Some))?;
    let main = part_for(&root.unwrap_or_default(), "officeDocument", fallback);
    Ok((package, salvage, main))
}

pub(crate) fn part_for(rels: &[Rel], kind: &str, fallback: &str) -> String {
    rels.iter()
        .find(|r| r.kind == kind)
        .map_or_else(|| fallback.to_string(), |r| r.target.clone())
}

/// `dc:title` from `docProps/core.xml`, if present and not blank.
pub(crate) fn core_title(package: &mut Package<'_>) -> Result<Option<String>> {
    let Some(xml) = package.read_text("docProps/core.xml")? else {
        return Ok(None);
    };
    Ok(dc_title(&xml, package.format()))
}

/// The first non-blank `<dc:title>` in an XML document (core.xml or an OPF).
/// Malformed metadata only costs the title, never the document.
pub(crate) fn dc_title(xml: &str, format: &'static str) -> Option<String> {
    let mut reader = Xml::new(xml, format, "metadata");
    let mut title: Option<String> = None;
    loop {
        match reader.next().ok()? {
            Event::Start(e) if local(&e) == "title" && title.is_none() => {
                title = Some(String::new())
            }
            Event::End(e) if crate::xml::end_local(&e) == "title" => {
                let found = collapse(&title.take().unwrap_or_default());
                if !found.is_empty() {
                    return Some(found);
                }
            }
            Event::Eof => return None,
            event => {
                if let (Some(buf), Some(t)) = (title.as_mut(), text(&event)) {
                    buf.push_str(&t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_title_skips_blank_titles() {
        let xml = r#"<cp:coreProperties xmlns:dc="x"><dc:title>  </dc:title><dc:title>Q3 &amp; Q4
            plan</dc:title></cp:coreProperties>"#;
        assert_eq!(dc_title(xml, "DOCX").as_deref(), Some("Q3 & Q4 plan"));
        assert_eq!(dc_title("<a><dc:title/></a>", "DOCX"), None);
    }
}
