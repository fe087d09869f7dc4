#!/usr/bin/env python3
"""Print the Markdown results table from the records run.sh leaves in OUT.

  report.py OUT_DIR

Reads (all optional; missing ones are shown as "—"):
  OUT/machine.json                         machine description
  OUT/corpus.json, OUT/corpus_q.json       gen_corpus.py summaries
  OUT/whisker_ingest.json                  timecmd records (ingest)
  OUT/fts5_ingest_<tokenizer>.json
  OUT/whisker_ingest_q.json, OUT/fts5_ingest_q_<tokenizer>.json
  OUT/whisker_query.json                   timecmd records (query)
  OUT/fts5_query_<tokenizer>.json

Ratios are FTS5 / Whisker of a time (seconds, milliseconds): > 1 means
Whisker is faster.
"""

import glob
import json
import os
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def find_key(obj, names):
    """First int/float value of a key in `names`, searching nested dicts."""
    if isinstance(obj, dict):
        for n in names:
            v = obj.get(n)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
        for v in obj.values():
            r = find_key(v, names)
            if r is not None:
                return r
    return None


def fmt(v, nd=2):
    if v is None:
        return "—"
    if isinstance(v, int):
        return f"{v:,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{nd}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def ingest_row(name, rec, corpus, base_seconds):
    if not rec:
        return f"| {name} | — | — | — | — | — | — | — |"
    res = rec.get("result") or {}
    secs = rec["seconds"]
    nbytes = find_key(res, ("bytes", "total_bytes")) or (corpus or {}).get("bytes")
    files = find_key(res, ("indexed", "files", "documents", "docs", "files_added")) or (corpus or {}).get("files")
    chunks = find_key(res, ("chunks", "chunk_count", "n_chunks", "chunks_added"))
    mbs = nbytes / 1e6 / secs if nbytes and secs else None
    fps = files / secs if files and secs else None
    size = rec.get("size_bytes")
    failed = res.get("failed") if isinstance(res, dict) else None
    if rec.get("rc") != 0 or failed:
        name += f" (rc {rec.get('rc')}, {failed or 0} failed files)"
    return (f"| {name} | {fmt(secs)} | {fmt(mbs)} | {fmt(fps, 1)} | {fmt(chunks)} | "
            f"{fmt(rec.get('max_rss_mb'), 0)} | {fmt(size / 1e6 if size else None, 0)} | "
            f"{ratio(secs, base_seconds) if base_seconds else '—'} |")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    m = load(os.path.join(out, "machine.json")) or {}
    corpus = load(os.path.join(out, "corpus.json"))
    corpus_q = load(os.path.join(out, "corpus_q.json"))
    toks = sorted({os.path.basename(p)[len("fts5_query_"):-5]
                   for p in glob.glob(os.path.join(out, "fts5_query_*.json"))} |
                  {os.path.basename(p)[len("fts5_ingest_"):-5]
                   for p in glob.glob(os.path.join(out, "fts5_ingest_*.json"))
                   if not os.path.basename(p).startswith("fts5_ingest_q_")},
                  key=lambda t: ({"porter": 0, "unicode61": 1, "trigram": 2}.get(t, 3), t))
    label = {"porter": "SQLite FTS5, porter (LocalDocs)", "unicode61": "SQLite FTS5, unicode61",
             "trigram": "SQLite FTS5, trigram"}

    lines = []
    w = load(os.path.join(out, "whisker_ingest.json"))
    c = corpus or {}
    have_a = w is not None or any(load(os.path.join(out, f"fts5_ingest_{t}.json")) for t in toks)
    have_b = any(os.path.exists(os.path.join(out, f)) for f in ("whisker_query.json", "corpus_q.json"))
    if have_a:
        lines.append(f"### (a) Ingest throughput — {fmt(c.get('files'))} files, "
                     f"{fmt((c.get('bytes') or 0) / 1e6, 1)} MB (Markdown + text, mixed zh/en)")
        lines.append("")
        lines.append("| engine | wall s | MB/s | files/s | chunks | peak RSS MB | index MB | FTS5 s / Whisker s |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        base = w["seconds"] if w and w.get("rc") == 0 else None
        lines.append(ingest_row("Whisker", w, corpus, None))
        for t in toks:
            lines.append(ingest_row(label.get(t, t), load(os.path.join(out, f"fts5_ingest_{t}.json")), corpus, base))
        lines.append("")

    if have_b:
        wq = load(os.path.join(out, "whisker_query.json"))
        wqi = load(os.path.join(out, "whisker_ingest_q.json"))
        wres = (wq or {}).get("result") or {}
        wchunks = find_key(wres, ("chunks",)) or find_key((wqi or {}).get("result") or {}, ("chunks", "chunk_count"))
        fq = {t: load(os.path.join(out, f"fts5_query_{t}.json")) for t in toks}
        any_fq = next((r for r in fq.values() if r and r.get("result")), None)
        nq = (any_fq or {}).get("result", {}).get("queries") or wres.get("queries")
        cq = corpus_q or {}
        lines.append(f"### (b) BM25 query latency — {fmt(nq)} queries, k = {fmt((any_fq or {}).get('result', {}).get('k'))}, "
                     f"corpus {fmt(cq.get('files'))} files / {fmt((cq.get('bytes') or 0) / 1e6, 1)} MB")
        lines.append("")
        lines.append("| engine | chunks | p50 ms | p99 ms | mean ms | rows returned | queries with hits (en / zh / token) "
                     "| p50 FTS5/Whisker | p99 FTS5/Whisker | mean FTS5/Whisker |")
        lines.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")

        def hits_cell(r):
            bk = r.get("by_kind")
            if isinstance(bk, dict) and bk:
                parts = [f"{bk[k]['with_hits']}/{bk[k]['queries']}" if k in bk else "—" for k in ("en", "zh", "token")]
                return " / ".join(parts)
            qh = r.get("queries_with_hits")
            return fmt(qh) if qh is not None else "—"

        wp50, wp99, wmean = wres.get("p50_ms"), wres.get("p99_ms"), wres.get("mean_ms")
        if wq and wq.get("rc") == 0:
            lines.append(f"| Whisker | {fmt(wchunks)} | {fmt(wp50, 3)} | {fmt(wp99, 3)} | {fmt(wmean, 3)} | "
                         f"{fmt(wres.get('hits'))} | {hits_cell(wres)} | | | |")
        else:
            lines.append("| Whisker | — | — | — | — | — | — | | | |")
        for t in toks:
            r = (fq[t] or {}).get("result")
            if not r:
                lines.append(f"| {label.get(t, t)} | — | — | — | — | — | — | — | — | — |")
                continue
            lines.append(f"| {label.get(t, t)} | {fmt(r.get('chunks'))} | {fmt(r['p50_ms'], 3)} | {fmt(r['p99_ms'], 3)} | "
                         f"{fmt(r['mean_ms'], 3)} | {fmt(r.get('hits'))} | {hits_cell(r)} | {ratio(r['p50_ms'], wp50)} | "
                         f"{ratio(r['p99_ms'], wp99)} | {ratio(r['mean_ms'], wmean)} |")
        lines.append("")
        if any_fq:
            r = any_fq["result"]
            lines.append(f"FTS5 query mode: `{r.get('mode')}` (LocalDocs: exact phrase, then OR of the "
                         f"non-stop-words), snippet() on, {r.get('repeat')} timed passes after a warm-up pass; "
                         f"percentiles over all {fmt(r.get('samples'))} samples. "
                         f"A query with no hit is cheap: compare the hit columns before reading the ratios.")
            lines.append("")
        fq_ing = {t: load(os.path.join(out, f"fts5_ingest_q_{t}.json")) for t in toks}
        details = []
        for t in toks:
            rec = fq_ing.get(t)
            if rec and rec.get("result"):
                details.append(f"{t} {fmt(rec['seconds'])} s")
        if wqi:
            details.insert(0, f"Whisker {fmt(wqi['seconds'])} s")
        if details:
            lines.append("Ingest of the query corpus: " + ", ".join(details) + ".")
            lines.append("")

    loads = []
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        rec = load(path)
        if isinstance(rec, dict) and rec.get("load_before") is not None:
            loads.append(f"{os.path.basename(path)[:-5]} {rec['load_before']:.1f}")
    if loads:
        lines.append("1-minute load average before each timed step (the machine has "
                     f"{os.cpu_count()} CPUs): " + ", ".join(loads) + ".")
        lines.append("")
    lines.append("### Machine")
    lines.append("")
    for k in ("cpu", "cores", "ram", "kernel", "os", "disk", "python", "sqlite", "whisker", "load", "date"):
        if m.get(k):
            lines.append(f"- {k}: {m[k]}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
