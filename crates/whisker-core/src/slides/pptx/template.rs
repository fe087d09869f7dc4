//! The fixed parts of every Whisker deck: theme, slide master, the two
//! layouts (Title Slide, Title and Content), notes master and the small
//! presentation properties parts. 16:9 (13.33 × 7.5 in).
//!
//! The theme's fonts are Calibri for Latin text and Noto Sans CJK SC for
//! East Asian text, with Microsoft YaHei named for Simplified Chinese, so
//! Chinese renders in LibreOffice on Linux and in PowerPoint on Windows.
//! Nothing here depends on the deck; `pptx.rs` writes the slides.

/// Slide size in EMU (914,400 per inch).
pub const SLIDE_CX: u64 = 12_192_000;
pub const SLIDE_CY: u64 = 6_858_000;

/// Text area of each placeholder in inches, less insets and bullet indent;
/// `pptx.rs` sizes text to fit these.
pub const TITLE_AREA: (f32, f32) = (11.3, 1.35);
pub const BODY_AREA: (f32, f32) = (10.9, 4.5);
pub const CENTER_TITLE_AREA: (f32, f32) = (9.8, 2.5);
pub const SUBTITLE_AREA: (f32, f32) = (9.8, 1.7);

pub const NS: &str = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;

pub const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// The empty group every shape tree starts with.
pub const TREE_START: &str = r#"<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>"#;

const CLR_MAP: &str = r#"<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/>"#;

const FONTS: &str = r#"<a:latin typeface="Calibri"/><a:ea typeface="Noto Sans CJK SC"/><a:cs typeface=""/><a:font script="Hans" typeface="Microsoft YaHei"/><a:font script="Hant" typeface="Microsoft JhengHei"/><a:font script="Jpan" typeface="Yu Gothic"/><a:font script="Hang" typeface="Malgun Gothic"/>"#;

pub fn theme() -> String {
    let colors = [
        ("dk1", "1F2328"),
        ("lt1", "FFFFFF"),
        ("dk2", "17365D"),
        ("lt2", "EEF2F6"),
        ("accent1", "2F6FDE"),
        ("accent2", "E9833A"),
        ("accent3", "3BA776"),
        ("accent4", "8E5CD9"),
        ("accent5", "D94F5C"),
        ("accent6", "2BA3B8"),
        ("hlink", "2F6FDE"),
        ("folHlink", "8E5CD9"),
    ];
    let colors: String = colors
        .iter()
        .map(|(name, rgb)| format!(r#"<a:{name}><a:srgbClr val="{rgb}"/></a:{name}>"#))
        .collect();
    let fill = r#"<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>"#;
    let line = |w: u32| format!(r#"<a:ln w="{w}">{fill}</a:ln>"#);
    let effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    format!(
        r#"{XML_DECL}<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Whisker"><a:themeElements><a:clrScheme name="Whisker">{colors}</a:clrScheme><a:fontScheme name="Whisker"><a:majorFont>{FONTS}</a:majorFont><a:minorFont>{FONTS}</a:minorFont></a:fontScheme><a:fmtScheme name="Whisker"><a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst><a:lnStyleLst>{}{}{}</a:lnStyleLst><a:effectStyleLst>{effect}{effect}{effect}</a:effectStyleLst><a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"#,
        line(6350),
        line(12700),
        line(19050)
    )
}

/// Run properties naming the theme fonts (`+mj-*` for titles, `+mn-*` for text).
fn run_defaults(size: u32, color: &str, font: &str, bold: bool) -> String {
    let b = if bold { r#" b="1""# } else { "" };
    format!(
        r#"<a:defRPr sz="{size}"{b} kern="1200"><a:solidFill><a:schemeClr val="{color}"/></a:solidFill><a:latin typeface="+{font}-lt"/><a:ea typeface="+{font}-ea"/><a:cs typeface="+{font}-cs"/></a:defRPr>"#
    )
}

/// A bullet level of the body style: indent, bullet character, size.
fn bullet_level(level: u32, bullet: &str, size: u32) -> String {
    let margin = 285_750 + 457_200 * u64::from(level - 1);
    format!(
        r#"<a:lvl{level}pPr marL="{margin}" indent="-285750" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1"><a:lnSpc><a:spcPct val="100000"/></a:lnSpc><a:spcBef><a:spcPts val="1000"/></a:spcBef><a:buClr><a:schemeClr val="accent1"/></a:buClr><a:buFont typeface="Arial"/><a:buChar char="{bullet}"/>{}</a:lvl{level}pPr>"#,
        run_defaults(size, "tx1", "mn", false)
    )
}

/// A text box placeholder `<p:sp>` on a master or layout.
fn placeholder(id: u32, name: &str, ph: &str, xfrm: (u64, u64, u64, u64), body: &str) -> String {
    let (x, y, cx, cy) = xfrm;
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="{name}"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody>{body}</p:txBody></p:sp>"#
    )
}

/// A filled rectangle in an accent colour, for decoration.
fn band(id: u32, xfrm: (u64, u64, u64, u64)) -> String {
    let (x, y, cx, cy) = xfrm;
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="Accent {id}"/><p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:schemeClr val="accent1"/></a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>"#
    )
}

fn prompt_text(anchor: &str, text: &str) -> String {
    format!(
        r#"<a:bodyPr vert="horz" lIns="91440" tIns="45720" rIns="91440" bIns="45720" rtlCol="0" anchor="{anchor}"><a:normAutofit/></a:bodyPr><a:lstStyle/><a:p><a:r><a:rPr lang="en-US"/><a:t>{text}</a:t></a:r></a:p>"#
    )
}

pub fn slide_master() -> String {
    let title = placeholder(
        2,
        "Title Placeholder 1",
        r#"<p:ph type="title"/>"#,
        (838_200, 365_125, 10_515_600, 1_325_563),
        &prompt_text("b", "Click to edit Master title style"),
    );
    let body = placeholder(
        3,
        "Text Placeholder 2",
        r#"<p:ph type="body" idx="1"/>"#,
        (838_200, 1_981_200, 10_515_600, 4_195_763),
        &prompt_text("t", "Click to edit Master text styles"),
    );
    // Under the title text (inset 0.1 in), above the body.
    let rule = band(4, (929_640, 1_737_360, 1_219_200, 45_720));
    let title_style = format!(
        r#"<a:lvl1pPr algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1"><a:lnSpc><a:spcPct val="90000"/></a:lnSpc><a:spcBef><a:spcPct val="0"/></a:spcBef><a:buNone/>{}</a:lvl1pPr>"#,
        run_defaults(4000, "tx2", "mj", true)
    );
    let body_style = [
        bullet_level(1, "•", 2400),
        bullet_level(2, "–", 2000),
        bullet_level(3, "•", 1800),
    ]
    .concat();
    let other_style = format!(
        r#"<a:defPPr><a:defRPr lang="en-US"/></a:defPPr><a:lvl1pPr marL="0" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1">{}</a:lvl1pPr>"#,
        run_defaults(1800, "tx1", "mn", false)
    );
    format!(
        r#"{XML_DECL}<p:sldMaster {NS}><p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg><p:spTree>{TREE_START}{title}{body}{rule}</p:spTree></p:cSld>{CLR_MAP}<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/><p:sldLayoutId id="2147483650" r:id="rId2"/></p:sldLayoutIdLst><p:txStyles><p:titleStyle>{title_style}</p:titleStyle><p:bodyStyle>{body_style}</p:bodyStyle><p:otherStyle>{other_style}</p:otherStyle></p:txStyles></p:sldMaster>"#
    )
}

/// Layout 1: centred title and subtitle over a band, without the master's rule.
pub fn title_layout() -> String {
    let title = placeholder(
        2,
        "Title 1",
        r#"<p:ph type="ctrTitle"/>"#,
        (1_524_000, 1_122_363, 9_144_000, 2_387_600),
        r#"<a:bodyPr anchor="b"><a:normAutofit/></a:bodyPr><a:lstStyle><a:lvl1pPr algn="ctr"><a:defRPr sz="5400"/></a:lvl1pPr></a:lstStyle><a:p><a:r><a:rPr lang="en-US"/><a:t>Click to edit Master title style</a:t></a:r></a:p>"#,
    );
    let subtitle = placeholder(
        3,
        "Subtitle 2",
        r#"<p:ph type="subTitle" idx="1"/>"#,
        (1_524_000, 3_702_038, 9_144_000, 1_655_762),
        r#"<a:bodyPr><a:normAutofit/></a:bodyPr><a:lstStyle><a:lvl1pPr marL="0" indent="0" algn="ctr"><a:buNone/><a:defRPr sz="2400"><a:solidFill><a:schemeClr val="tx2"/></a:solidFill></a:defRPr></a:lvl1pPr></a:lstStyle><a:p><a:r><a:rPr lang="en-US"/><a:t>Click to edit Master subtitle style</a:t></a:r></a:p>"#,
    );
    let rule = band(4, (5_181_600, 3_573_463, 1_828_800, 54_864));
    let foot = band(5, (0, SLIDE_CY - 182_880, SLIDE_CX, 182_880));
    layout(
        r#"type="title" preserve="1" showMasterSp="0""#,
        "Title Slide",
        &[title, subtitle, rule, foot].concat(),
    )
}

/// Layout 2: title and bulleted body, placed as on the master.
pub fn content_layout() -> String {
    let title = r#"<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title 1"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US"/><a:t>Click to edit Master title style</a:t></a:r></a:p></p:txBody></p:sp>"#;
    let body = r#"<p:sp><p:nvSpPr><p:cNvPr id="3" name="Content Placeholder 2"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:pPr lvl="0"/><a:r><a:rPr lang="en-US"/><a:t>Click to edit Master text styles</a:t></a:r></a:p></p:txBody></p:sp>"#;
    layout(
        r#"type="obj" preserve="1""#,
        "Title and Content",
        &[title, body].concat(),
    )
}

fn layout(attributes: &str, name: &str, shapes: &str) -> String {
    format!(
        r#"{XML_DECL}<p:sldLayout {NS} {attributes}><p:cSld name="{name}"><p:spTree>{TREE_START}{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"#
    )
}

pub fn notes_master() -> String {
    let image = r#"<p:sp><p:nvSpPr><p:cNvPr id="2" name="Slide Image Placeholder 1"/><p:cNvSpPr><a:spLocks noGrp="1" noRot="1" noChangeAspect="1"/></p:cNvSpPr><p:nvPr><p:ph type="sldImg" idx="2"/></p:nvPr></p:nvSpPr><p:spPr><a:xfrm><a:off x="685800" y="1143000"/><a:ext cx="5486400" cy="3086100"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln w="12700"><a:solidFill><a:prstClr val="black"/></a:solidFill></a:ln></p:spPr></p:sp>"#;
    let body = placeholder(
        3,
        "Notes Placeholder 2",
        r#"<p:ph type="body" sz="quarter" idx="3"/>"#,
        (685_800, 4_400_550, 5_486_400, 3_600_450),
        &prompt_text("t", "Click to edit Master text styles"),
    );
    let style = format!(
        r#"<a:lvl1pPr marL="0" algn="l" defTabSz="914400" rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1">{}</a:lvl1pPr>"#,
        run_defaults(1200, "tx1", "mn", false)
    );
    format!(
        r#"{XML_DECL}<p:notesMaster {NS}><p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg><p:spTree>{TREE_START}{image}{body}</p:spTree></p:cSld>{CLR_MAP}<p:notesStyle>{style}</p:notesStyle></p:notesMaster>"#
    )
}

pub fn pres_props() -> String {
    format!("{XML_DECL}<p:presentationPr {NS}/>")
}

pub fn view_props() -> String {
    format!(
        r#"{XML_DECL}<p:viewPr {NS}><p:normalViewPr><p:restoredLeft sz="15620"/><p:restoredTop sz="94660"/></p:normalViewPr><p:gridSpacing cx="76200" cy="76200"/></p:viewPr>"#
    )
}

pub fn table_styles() -> String {
    format!(
        r#"{XML_DECL}<a:tblStyleLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" def="{{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}}"/>"#
    )
}
