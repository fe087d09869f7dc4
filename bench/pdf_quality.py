#!/usr/bin/env python3
"""PDF text extraction quality: Whisker against poppler's pdftotext.

For every PDF in a folder, runs `pdftotext` (the reference) and an extractor
(by default Whisker's `extract` example), normalises whitespace in both, and
scores the extractor by character 3-gram F1: precision and recall over the
multiset of 3-grams, so order matters locally but a page's columns may come in
any order. Prints a Markdown table and the mean F1 over the PDFs that have a
text layer (pdftotext finds at least MIN_CHARS non-space characters).

    cargo build -p whisker-ingest --example extract
    python3 bench/pdf_quality.py                       # Whisker
    python3 bench/pdf_quality.py --extractor 'my-tool --text {}' --name my-tool

The extractor command gets the PDF path in place of `{}` and must print the
text on stdout; a non-zero exit counts as an empty extraction and its first
stderr line is shown in the table. Needs `pdftotext` and `pdfinfo`
(Debian: `apt-get install poppler-utils`).
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = Path("/work/shared/eval/docs")
DEFAULT_EXTRACTOR = f"{ROOT}/target/debug/examples/extract {{}}"
MIN_CHARS = 32
TIMEOUT_S = 300


@dataclass
class Row:
    name: str
    pages: str
    reference: str
    candidate: str
    note: str

    @property
    def has_text_layer(self) -> bool:
        return len(re.sub(r"\s", "", self.reference)) >= MIN_CHARS

    @property
    def f1(self) -> float:
        return trigram_f1(self.reference, self.candidate)


def normalise(text: str) -> str:
    """Collapses every run of whitespace (page breaks included) to one space."""
    return " ".join(text.split())


def trigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 3] for i in range(len(text) - 2))


def trigram_f1(reference: str, candidate: str) -> float:
    ref, cand = trigrams(reference), trigrams(candidate)
    overlap = sum((ref & cand).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(cand.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def run(cmd: list[str]) -> tuple[str, str]:
    """Stdout of `cmd`, and a one-line note if it failed."""
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "", f"timed out after {TIMEOUT_S} s"
    out = p.stdout.decode("utf-8", errors="replace")
    if p.returncode == 0:
        return out, ""
    err = p.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return out, err[-1] if err else f"exit {p.returncode}"


def page_count(pdf: Path) -> str:
    out, _ = run(["pdfinfo", str(pdf)])
    m = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
    return m.group(1) if m else "?"


def measure(pdf: Path, extractor: str) -> Row:
    reference, ref_note = run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"])
    cmd = [part.replace("{}", str(pdf)) for part in shlex.split(extractor)]
    candidate, cand_note = run(cmd)
    notes = [f"pdftotext: {ref_note}" if ref_note else "", cand_note]
    note = "; ".join(n for n in notes if n)
    note = note.replace(f"extracting {pdf}: ", "").replace(str(pdf), pdf.name)[:140]
    return Row(pdf.name, page_count(pdf), normalise(reference), normalise(candidate), note)


def table(rows: list[Row], name: str) -> str:
    lines = [
        f"| file | pages | chars pdftotext | chars {name} | F1 | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        f1 = f"{r.f1:.3f}" if r.has_text_layer else "—"
        note = r.note if r.has_text_layer else (r.note or "no text layer") + " (not scored)"
        note = note.replace("|", "\\|")
        lines.append(
            f"| {r.name} | {r.pages} | {len(r.reference)} | {len(r.candidate)} | {f1} | {note} |"
        )
    scored = [r.f1 for r in rows if r.has_text_layer]
    mean = sum(scored) / len(scored) if scored else 0.0
    lines.append(f"| **mean over {len(scored)} PDFs with a text layer** | | | | **{mean:.3f}** | |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="folder of PDFs")
    p.add_argument("--extractor", default=DEFAULT_EXTRACTOR, help="command, {} = PDF path")
    p.add_argument("--name", default="whisker", help="extractor name for the table header")
    args = p.parse_args()
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: apt-get install poppler-utils", file=sys.stderr)
            return 2
    pdfs = sorted(args.docs.glob("*.pdf"))
    if not pdfs:
        print(f"no PDFs in {args.docs}", file=sys.stderr)
        return 2
    print(table([measure(pdf, args.extractor) for pdf in pdfs], args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
