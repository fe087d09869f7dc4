#!/usr/bin/env python3
"""Writes the sample DOCX, PPTX and XLSX files in samples/ (content written for
Whisker, minimal Office Open XML by hand, stdlib only). Re-run to regenerate;
the output is deterministic."""

import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FIXED_TIME = (2026, 11, 25, 0, 0, 0)


def write_zip(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))


def content_types(overrides):
    items = "".join(
        f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{items}</Types>"
    )


def rels(items):
    body = "".join(
        f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    )


OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


def core(title):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>Whisker</dc:creator></cp:coreProperties>"
    )


def docx(path, title, blocks):
    """blocks: ("h1"|"h2"|"p", text) or ("table", [[cell, ...], ...])."""
    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = []
    for kind, value in blocks:
        if kind == "table":
            rows = "".join(
                "<w:tr>"
                + "".join(
                    f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row
                )
                + "</w:tr>"
                for row in value
            )
            body.append(f"<w:tbl>{rows}</w:tbl>")
            continue
        style = {"h1": "Heading1", "h2": "Heading2"}.get(kind)
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        body.append(f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{escape(value)}</w:t></w:r></w:p>')
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{"".join(body)}</w:body></w:document>'
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:styles xmlns:w="{W}">'
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>'
        "</w:styles>"
    )
    write_zip(
        path,
        [
            ("[Content_Types].xml", content_types([
                ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
                ("/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"),
                ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ])),
            ("_rels/.rels", rels([("rId1", OFFICE_DOC, "word/document.xml"), ("rId2", CORE, "docProps/core.xml")])),
            ("word/_rels/document.xml.rels", rels([
                ("rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles", "styles.xml"),
            ])),
            ("word/document.xml", document),
            ("word/styles.xml", styles),
            ("docProps/core.xml", core(title)),
        ],
    )


def pptx(path, title, slides):
    """slides: list of (title, [bullet, ...])."""
    P = "http://schemas.openxmlformats.org/presentationml/2006/main"
    A = "http://schemas.openxmlformats.org/drawingml/2006/main"
    R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = []
    ids = []
    for n, (heading, bullets) in enumerate(slides, 1):
        paras = "".join(f"<a:p><a:r><a:t>{escape(b)}</a:t></a:r></a:p>" for b in bullets)
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<p:sld xmlns:p="{P}" xmlns:a="{A}" xmlns:r="{R}"><p:cSld><p:spTree>'
            '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr/><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr>'
            f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{escape(heading)}</a:t></a:r></a:p></p:txBody></p:sp>"
            '<p:sp><p:nvSpPr><p:cNvPr id="3" name="Body"/><p:cNvSpPr/><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr>'
            f"<p:txBody><a:bodyPr/>{paras}</p:txBody></p:sp>"
            "</p:spTree></p:cSld></p:sld>"
        )
        parts.append((f"ppt/slides/slide{n}.xml", xml))
        ids.append((f"rId{n + 1}", f"slides/slide{n}.xml"))
    sld_ids = "".join(f'<p:sldId id="{255 + n}" r:id="rId{n + 1}"/>' for n in range(1, len(slides) + 1))
    presentation = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<p:presentation xmlns:p="{P}" xmlns:r="{R}"><p:sldIdLst>{sld_ids}</p:sldIdLst></p:presentation>'
    )
    slide_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
    overrides = [("/ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")]
    overrides += [(f"/ppt/slides/slide{n}.xml", "application/vnd.openxmlformats-officedocument.presentationml.slide+xml") for n in range(1, len(slides) + 1)]
    overrides += [("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")]
    write_zip(
        path,
        [
            ("[Content_Types].xml", content_types(overrides)),
            ("_rels/.rels", rels([("rId1", OFFICE_DOC, "ppt/presentation.xml"), ("rId2", CORE, "docProps/core.xml")])),
            ("ppt/presentation.xml", presentation),
            ("ppt/_rels/presentation.xml.rels", rels([(i, slide_type, t) for i, t in ids])),
            ("docProps/core.xml", core(title)),
        ]
        + parts,
    )


def col(i):
    return chr(ord("A") + i)


def xlsx(path, title, sheets):
    """sheets: list of (name, rows); cells are str or int/float."""
    S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = []
    entries = []
    for n, (name, rows) in enumerate(sheets, 1):
        xml_rows = []
        for r, row in enumerate(rows, 1):
            cells = []
            for c, value in enumerate(row):
                ref = f"{col(c)}{r}"
                if isinstance(value, (int, float)):
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        parts.append((
            f"xl/worksheets/sheet{n}.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="{S}"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>',
        ))
        entries.append((n, name))
    sheets_xml = "".join(f'<sheet name="{escape(nm)}" sheetId="{n}" r:id="rId{n}"/>' for n, nm in entries)
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{S}" xmlns:r="{R}"><sheets>{sheets_xml}</sheets></workbook>'
    )
    ws_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    overrides = [("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")]
    overrides += [(f"/xl/worksheets/sheet{n}.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml") for n, _ in entries]
    overrides += [("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")]
    write_zip(
        path,
        [
            ("[Content_Types].xml", content_types(overrides)),
            ("_rels/.rels", rels([("rId1", OFFICE_DOC, "xl/workbook.xml"), ("rId2", CORE, "docProps/core.xml")])),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", rels([(f"rId{n}", ws_type, f"worksheets/sheet{n}.xml") for n, _ in entries])),
            ("docProps/core.xml", core(title)),
        ]
        + parts,
    )


def main(out):
    out = Path(out)
    docx(out / "团队周报_第47周.docx", "团队周报（第 47 周）", [
        ("h1", "团队周报（第 47 周）"),
        ("p", "本周我们完成了知识库的增量索引：未修改的文件按内容哈希跳过，移动的文件不再重新解析。"),
        ("h2", "检索质量"),
        ("p", "中文分词采用结巴分词，英文做小写和词干化，因此“向量检索”和 retrieval 都能在混合语料中找到对应文档。"),
        ("p", "下周计划：在 SciFact 数据集上评测混合检索，目标 nDCG@10 不低于 0.70。"),
        ("h2", "风险"),
        ("table", [["风险", "影响", "应对"], ["扫描版 PDF 没有文字层", "无法检索", "提示用户，后续支持 OCR"], ["超大文件", "内存占用", "可配置的大小上限"]]),
    ])
    pptx(out / "whisker_product_review.pptx", "Whisker product review", [
        ("Whisker: your documents, one button away", ["Press the mouse button, ask a question, get an answer with citations.", "Everything runs on your own machine; nothing leaves it."]),
        ("What users told us", ["Keyword search misses paraphrases; vector search misses part numbers.", "Citations must open the exact page, slide or spreadsheet row."]),
        ("隐私与本地运行", ["所有文档都在本机索引，不上传到云端。", "支持中文和英文的混合检索。"]),
    ])
    xlsx(out / "hardware_budget_2026.xlsx", "Hardware budget 2026", [
        ("Budget", [["Item", "Quantity", "Unit price (EUR)", "Owner"], ["Test laptops (16 GB RAM)", 4, 1150, "Mei Lin"], ["Five-button mice for the AI button", 25, 39, "Jonas Weber"], ["USB microphones", 6, 72, "Mei Lin"]]),
        ("季度预算", [["季度", "预算（欧元）", "备注"], ["第一季度", 5200, "采购测试笔记本"], ["第二季度", 1800, "麦克风与鼠标"]]),
    ])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "samples")
