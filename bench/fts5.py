#!/usr/bin/env python3
"""SQLite FTS5 baseline, modelled on GPT4All LocalDocs' lexical path.

  fts5.py ingest --corpus DIR --db PATH [--tokenizer porter|unicode61|trigram]
                 [--chunker para|localdocs] [--batch-files 100]
  fts5.py query  --db PATH --queries queries.txt --k 10 --repeat 3
                 [--mode localdocs|or|and|phrase] [--answers queries.txt.answers.tsv]
  fts5.py chunks --db PATH

What LocalDocs does (gpt4all-chat/src/database.cpp, v3.x) and what is kept:
  * schema: a `chunks` table plus an external-content FTS5 table
    `chunks_fts(chunk_text, file, content='chunks', tokenize='porter')`,
    `pragma auto_vacuum = FULL`; kept as --schema localdocs (default).
    --schema simple is a plain `fts5(chunk_text, file UNINDEXED)` table.
  * tokenizer: LocalDocs uses 'porter' (Porter stemmer over unicode61).
    unicode61 cannot segment Chinese (a run of Han characters up to the next
    punctuation is one token), so --tokenizer trigram is offered as the
    "FTS5 done right for CJK" variant; it cannot match 1-2 character terms.
  * chunking: LocalDocs packs whitespace-separated words into chunks of at
    most 512 characters (--chunker localdocs --chunk-chars 512). The default
    here is --chunker para: whole paragraphs packed up to --chunk-tokens 300
    estimated tokens (one per CJK character, one per whitespace-separated
    word), split at sentence ends only when a paragraph is too long. That is
    the same size unit as Whisker's chunker (300 tokens), so chunk counts are
    comparable; unlike Whisker it has no overlap and ignores headings.
  * transactions: one per --batch-files files (LocalDocs commits every ~100 ms
    of scanning). Default journal mode and synchronous setting, like LocalDocs.
  * queries (--mode localdocs): first the whole input as a quoted phrase; if
    that returns no row, the OR of the quoted non-stop-words. Ranked with
    `ORDER BY bm25(chunks_fts) LIMIT k`. --mode or / and / phrase run one
    query with every term quoted and joined by OR / AND / as one phrase.
    Every term is double-quoted (quotes doubled), so FTS5 syntax in a query
    is never interpreted. A snippet() is computed for each hit, as a UI would.
  * not modelled: embeddings (LocalDocs computes them for every chunk during
    indexing; that dominates its real ingest time), the collection joins.

Output: one JSON object on stdout. Times are wall clock (time.perf_counter).
Ingest JSON also splits the time into read_s (open+read+decode), chunk_s
(Python chunking) and db_s (SQLite inserts and commits): the chunker runs in
Python here but in C++ in LocalDocs, so db_s + read_s is the fairer floor.
Query latency percentiles are over all timed samples (queries x repeat),
nearest rank sorted[round((n-1)p)] (same as whisker-bench-query); a warm-up
pass over all queries precedes the timed passes.
"""

import argparse
import collections
import json
import os
import re
import sqlite3
import sys
import time

TOKENIZERS = {"porter": "porter unicode61", "unicode61": "unicode61", "trigram": "trigram"}
EXTS = (".md", ".txt", ".rst")
PARA_SPLIT = re.compile(r"\n[ \t]*\n")
SENT_SPLIT = re.compile(r"(?<=[。！？…])|(?<=[.!?])(?=\s)")
HAN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# LocalDocs' stop words (Lucene/Solr/Elasticsearch list), dropped in its OR fallback.
STOP_WORDS = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
              "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
              "there", "these", "they", "this", "to", "was", "will", "with"}


# --------------------------------------------------------------------------
# Chunking


def est_tokens(s):
    """~Whisker's estimate_tokens: one per CJK char, one per word, computed
    cheaply: every 3-byte UTF-8 char counts one (CJK and CJK punctuation),
    plus one per whitespace-separated run."""
    extra = len(s.encode("utf-8")) - len(s)  # 2 per 3-byte char, 1 per 2-byte
    return extra // 2 + len(s.split())


def split_long(s, target):
    """Splits a sentence longer than `target` tokens."""
    words = s.split()
    if len(words) * 2 > est_tokens(s):  # mostly space-separated words
        return [" ".join(words[i:i + target]) for i in range(0, len(words), target)]
    return [s[i:i + target] for i in range(0, len(s), target)]


def chunk_para(text, target):
    out = []
    cur = []
    cur_t = 0
    for para in PARA_SPLIT.split(text):
        para = para.strip()
        if not para:
            continue
        t = est_tokens(para)
        if t <= target:
            units = ((para, t),)
        else:
            units = []
            for s in SENT_SPLIT.split(para):
                s = s.strip()
                if not s:
                    continue
                st = est_tokens(s)
                if st <= target:
                    units.append((s, st))
                else:
                    units.extend((p, est_tokens(p)) for p in split_long(s, target))
        for u, ut in units:
            if cur and cur_t + ut > target:
                out.append("\n\n".join(cur))
                cur = []
                cur_t = 0
            cur.append(u)
            cur_t += ut
    if cur:
        out.append("\n\n".join(cur))
    return out


def chunk_localdocs(text, max_chars):
    """LocalDocs' ChunkStreamer: words packed into <= max_chars characters;
    an overlong word (e.g. a Chinese run without spaces) is sliced."""
    out = []
    cur = []
    cur_len = -1
    for w in text.split():
        while len(w) > max_chars:
            if cur:
                out.append(" ".join(cur))
                cur, cur_len = [], -1
            out.append(w[:max_chars])
            w = w[max_chars:]
        if cur and cur_len + 1 + len(w) > max_chars:
            out.append(" ".join(cur))
            cur, cur_len = [], -1
        cur.append(w)
        cur_len += 1 + len(w)
    if cur:
        out.append(" ".join(cur))
    return out


# --------------------------------------------------------------------------
# Ingest


def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            if f.lower().endswith(EXTS):
                yield os.path.join(dirpath, f)


def remove_db(path):
    for p in (path, path + "-journal", path + "-wal", path + "-shm"):
        if os.path.exists(p):
            os.remove(p)


def create_schema(db, schema, tokenizer):
    tok = TOKENIZERS[tokenizer]
    if schema == "localdocs":
        db.execute("pragma auto_vacuum = FULL")
        db.execute("""create table documents(
            id integer primary key,
            document_time integer not null,
            document_path text unique not null)""")
        db.execute("""create table chunks(
            id integer primary key autoincrement,
            document_id integer not null,
            chunk_text text not null,
            file text not null,
            words integer default 0 not null,
            foreign key(document_id) references documents(id))""")
        db.execute(f"""create virtual table chunks_fts using fts5(
            chunk_text, file, content='chunks', content_rowid='id', tokenize='{tok}')""")
    else:
        db.execute(f"create virtual table chunks_fts using fts5(chunk_text, file UNINDEXED, tokenize='{tok}')")
    db.execute("create table bench_meta(key text primary key, value text)")


def cmd_ingest(args):
    t_start = time.perf_counter()
    remove_db(args.db)
    db = sqlite3.connect(args.db, isolation_level=None)
    create_schema(db, args.schema, args.tokenizer)
    if args.chunker == "para":
        chunker = lambda text: chunk_para(text, args.chunk_tokens)  # noqa: E731
    else:
        chunker = lambda text: chunk_localdocs(text, args.chunk_chars)  # noqa: E731

    files = nbytes = nchunks = 0
    read_s = chunk_s = db_s = 0.0
    chunk_id = 0
    in_txn = False
    localdocs = args.schema == "localdocs"
    for path in walk(args.corpus):
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8", errors="replace")
        mtime = int(os.stat(path).st_mtime * 1000)
        t1 = time.perf_counter()
        chunks = chunker(text)
        t2 = time.perf_counter()
        if not in_txn:
            db.execute("begin")
            in_txn = True
        base = os.path.basename(path)
        if localdocs:
            doc_id = db.execute("insert into documents(document_time, document_path) values(?, ?)",
                                (mtime, os.path.abspath(path))).lastrowid
            rows = []
            for c in chunks:
                chunk_id += 1
                rows.append((chunk_id, doc_id, c, base, len(c.split())))
            db.executemany("insert into chunks(id, document_id, chunk_text, file, words) values(?, ?, ?, ?, ?)", rows)
            db.executemany("insert into chunks_fts(rowid, chunk_text, file) values(?, ?, ?)",
                           [(r[0], r[2], r[3]) for r in rows])
        else:
            db.executemany("insert into chunks_fts(chunk_text, file) values(?, ?)", [(c, base) for c in chunks])
        files += 1
        nbytes += len(raw)
        nchunks += len(chunks)
        if files % args.batch_files == 0:
            db.execute("commit")
            in_txn = False
        t3 = time.perf_counter()
        read_s += t1 - t0
        chunk_s += t2 - t1
        db_s += t3 - t2
    t0 = time.perf_counter()
    if in_txn:
        db.execute("commit")
    meta = {"tokenizer": args.tokenizer, "schema": args.schema, "chunker": args.chunker,
            "chunk_tokens": str(args.chunk_tokens), "chunk_chars": str(args.chunk_chars)}
    db.executemany("insert into bench_meta values(?, ?)", meta.items())
    optimize_s = None
    if args.optimize:
        t_opt = time.perf_counter()
        db.execute("insert into chunks_fts(chunks_fts) values('optimize')")
        optimize_s = time.perf_counter() - t_opt
    db.close()
    db_s += time.perf_counter() - t0
    seconds = time.perf_counter() - t_start
    out = {
        "engine": "sqlite-fts5",
        "sqlite_version": sqlite3.sqlite_version,
        "tokenizer": args.tokenizer,
        "schema": args.schema,
        "chunker": args.chunker,
        "files": files,
        "bytes": nbytes,
        "chunks": nchunks,
        "seconds": round(seconds, 3),
        "mb_per_s": round(nbytes / 1e6 / seconds, 3),
        "files_per_s": round(files / seconds, 2),
        "read_s": round(read_s, 3),
        "chunk_s": round(chunk_s, 3),
        "db_s": round(db_s, 3),
        "db_bytes": os.path.getsize(args.db),
    }
    if optimize_s is not None:
        out["optimize_s"] = round(optimize_s, 3)
    print(json.dumps(out))


# --------------------------------------------------------------------------
# Query


def quote(term):
    return '"' + term.replace('"', '""') + '"'


def fts_queries(q, mode):
    """The MATCH strings to try, in order, until one returns a row."""
    words = q.split()
    if not words:
        return []
    phrase = quote(" ".join(words))
    if mode == "phrase":
        return [phrase]
    if mode == "and":
        return [" AND ".join(quote(w) for w in words)]
    if mode == "or":
        return [" OR ".join(quote(w) for w in words)]
    # LocalDocs: exact phrase, then OR of the non-stop-words.
    kept = [quote(w) for w in words if w.lower() not in STOP_WORDS]
    return [phrase, "(" + " OR ".join(kept) + ")"] if kept else [phrase]


def percentile(sorted_vals, p):
    """Nearest rank: sorted[round((n - 1) * p)], as whisker-bench-query does."""
    if not sorted_vals:
        return None
    return sorted_vals[int((len(sorted_vals) - 1) * p / 100.0 + 0.5)]


def kind_of(q):
    if re.fullmatch(r"zq\d+", q):
        return "token"
    return "zh" if HAN_RE.search(q) else "en"


def cmd_query(args):
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    meta = dict(db.execute("select key, value from bench_meta"))
    if args.no_snippet:
        sql = ("select rowid, file, bm25(chunks_fts) as score from chunks_fts "
               "where chunks_fts match ? order by score limit ?")
    else:
        sql = ("select rowid, file, bm25(chunks_fts) as score, "
               "snippet(chunks_fts, 0, '[', ']', '…', 16) from chunks_fts "
               "where chunks_fts match ? order by score limit ?")
    with open(args.queries, encoding="utf-8") as f:
        queries = [line.strip() for line in f if line.strip()]
    plans = [fts_queries(q, args.mode) for q in queries]
    errors = collections.Counter()

    def run(plan):
        rows = []
        for m in plan:
            try:
                rows = db.execute(sql, (m, args.k)).fetchall()
            except sqlite3.OperationalError as e:
                errors[str(e)] += 1
                rows = []
            if rows:
                break
        return rows

    for plan in plans:  # warm-up
        run(plan)
    samples = []
    per_query = [[] for _ in queries]
    results = [None] * len(queries)
    for rep in range(args.repeat):
        for i, plan in enumerate(plans):
            t0 = time.perf_counter()
            rows = run(plan)
            dt = (time.perf_counter() - t0) * 1000.0
            samples.append(dt)
            per_query[i].append(dt)
            if rep == 0:
                results[i] = rows
    s = sorted(samples)
    by_kind = {}
    for i, q in enumerate(queries):
        k = by_kind.setdefault(kind_of(q), {"queries": 0, "with_hits": 0, "hits": 0, "_t": []})
        k["queries"] += 1
        k["with_hits"] += bool(results[i])
        k["hits"] += len(results[i])
        k["_t"].extend(per_query[i])
    for k in by_kind.values():
        t = sorted(k.pop("_t"))
        k["p50_ms"] = round(percentile(t, 50), 3)
        k["p99_ms"] = round(percentile(t, 99), 3)
    out = {
        "engine": "sqlite-fts5",
        "sqlite_version": sqlite3.sqlite_version,
        "tokenizer": meta.get("tokenizer"),
        "chunker": meta.get("chunker"),
        "mode": args.mode,
        "snippet": not args.no_snippet,
        "chunks": db.execute("select count(*) from chunks" if meta.get("schema") == "localdocs"
                             else "select count(*) from chunks_fts").fetchone()[0],
        "queries": len(queries),
        "k": args.k,
        "repeat": args.repeat,
        "samples": len(samples),
        "p50_ms": round(percentile(s, 50), 3),
        "p90_ms": round(percentile(s, 90), 3),
        "p99_ms": round(percentile(s, 99), 3),
        "mean_ms": round(sum(s) / len(s), 3),
        "max_ms": round(s[-1], 3),
        "hits": sum(len(r) for r in results),
        "queries_with_hits": sum(bool(r) for r in results),
        "by_kind": by_kind,
        "errors": sum(errors.values()),
    }
    if errors:
        out["error_kinds"] = dict(errors.most_common(5))
    if args.answers:
        want = {}
        with open(args.answers, encoding="utf-8") as f:
            for line in f:
                if "\t" in line:
                    q, rel = line.rstrip("\n").split("\t", 1)
                    want[q] = os.path.basename(rel)
        found = total = 0
        for i, q in enumerate(queries):
            if q in want:
                total += 1
                found += any(r[1] == want[q] for r in results[i])
        out["recall_at_k"] = round(found / total, 4) if total else None
        out["answer_queries"] = total
    print(json.dumps(out, ensure_ascii=False))


def cmd_chunks(args):
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    schema = dict(db.execute("select key, value from bench_meta")).get("schema")
    table = "chunks" if schema == "localdocs" else "chunks_fts"
    print(db.execute(f"select count(*) from {table}").fetchone()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ingest", help="index a corpus directory")
    a.add_argument("--corpus", required=True)
    a.add_argument("--db", required=True, help="SQLite file (replaced)")
    a.add_argument("--tokenizer", choices=sorted(TOKENIZERS), default="porter",
                   help="porter = LocalDocs (Porter stemmer over unicode61)")
    a.add_argument("--schema", choices=("localdocs", "simple"), default="localdocs")
    a.add_argument("--chunker", choices=("para", "localdocs"), default="para")
    a.add_argument("--chunk-tokens", type=int, default=300, help="para chunker target")
    a.add_argument("--chunk-chars", type=int, default=512, help="localdocs chunker size (LocalDocs default 512)")
    a.add_argument("--batch-files", type=int, default=100, help="files per transaction")
    a.add_argument("--optimize", action="store_true", help="run FTS5 'optimize' after ingest (timed separately)")
    q = sub.add_parser("query", help="BM25 query latency")
    q.add_argument("--db", required=True)
    q.add_argument("--queries", required=True)
    q.add_argument("--k", type=int, default=10)
    q.add_argument("--repeat", type=int, default=3)
    q.add_argument("--mode", choices=("localdocs", "or", "and", "phrase"), default="localdocs")
    q.add_argument("--answers", help="TSV query<TAB>relpath from gen_queries.py, for recall_at_k")
    q.add_argument("--no-snippet", action="store_true")
    c = sub.add_parser("chunks", help="print the chunk count")
    c.add_argument("--db", required=True)
    args = ap.parse_args()
    {"ingest": cmd_ingest, "query": cmd_query, "chunks": cmd_chunks}[args.cmd](args)


if __name__ == "__main__":
    main()
