#!/usr/bin/env python3
"""Generate a deterministic mixed query set from a generated corpus.

Usage:
  gen_queries.py --corpus DIR --out queries.txt --n 200 --seed 1

One query per line (UTF-8). The mix (defaults):
  * 20% known-answer queries: a unique salt token `zqNNNNNNN` of one file;
  * 40% English: 2-3 consecutive words from the corpus, lower-cased, not all
    stop words;
  * 40% Chinese: half single words (2-4 character n-grams that are frequent
    in the corpus, which in Chinese text are mostly real words), half short
    phrases (two such words separated by a space, or a contiguous run of 5-8
    Han characters from a sentence).

Also writes ANSWERS (default OUT.answers.tsv): `query<TAB>relative/path` for
each known-answer query, for recall checks (fts5.py query --answers).

Only a sample of the corpus files (--sample-files, default 300) is read, so
this is fast on the full 200 MB corpus.
"""

import argparse
import collections
import json
import os
import random
import re
import sys

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN_RE = re.compile(f"[{HAN}]+")
TOKEN_RE = re.compile(r"\bzq\d{7}\b")
EN_WORD_RE = re.compile(r"[A-Za-z]+")

EN_STOP = set("""a an and are as at be but by for if in into is it no not of on or such that the their
then there these they this to was will with i you he she we his her its our your from have has had do
does did so than too very can just also all any more most other some only own same s t don should now
were been being which who whom what when where why how here over under again once about after before
""".split())
EN_JUNK = {"www", "http", "https", "com", "org", "html", "uk", "co"}
ZH_EDGE_STOP = set("的了是在和与也就都而及或之其为以于把被这那有不")


def corpus_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            if f.lower().endswith((".md", ".txt")):
                out.append(os.path.join(dirpath, f))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--answers", help="known-answer TSV (default OUT.answers.tsv)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--token-frac", type=float, default=0.2)
    ap.add_argument("--en-frac", type=float, default=0.4)
    ap.add_argument("--sample-files", type=int, default=300)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    files = corpus_files(args.corpus)
    if not files:
        sys.exit(f"no .md/.txt files under {args.corpus}")
    sample = rng.sample(files, min(args.sample_files, len(files)))

    tokens = []  # (token, relpath)
    en_lines = []
    zh_runs = []
    for path in sample:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        rel = os.path.relpath(path, args.corpus)
        for t in TOKEN_RE.findall(text):
            tokens.append((t, rel))
        text = TOKEN_RE.sub(" ", text)
        for line in text.split("\n"):
            line = line.lstrip("#-0123456789. ")
            runs = HAN_RUN_RE.findall(line)
            zh_runs.extend(r for r in runs if len(r) >= 2)
            # English stretches between Chinese runs
            for seg in HAN_RUN_RE.split(line):
                if len(EN_WORD_RE.findall(seg)) >= 3:
                    en_lines.append(seg)

    n_tok = round(args.n * args.token_frac)
    n_en = round(args.n * args.en_frac)
    n_zh = args.n - n_tok - n_en
    queries = []  # (query, kind)
    answers = []

    # Known-answer tokens.
    rng.shuffle(tokens)
    for t, rel in tokens[:n_tok]:
        queries.append((t, "token"))
        answers.append((t, rel))

    # English 2-3 word phrases.
    seen = set()
    tries = 0
    while sum(k == "en" for _, k in queries) < n_en and en_lines and tries < 100000:
        tries += 1
        words = EN_WORD_RE.findall(rng.choice(en_lines))
        ln = rng.choice((2, 2, 3))
        if len(words) < ln:
            continue
        i = rng.randrange(len(words) - ln + 1)
        ph = [w.lower() for w in words[i:i + ln]]
        if (all(w in EN_STOP for w in ph) or any(len(w) < 2 or w in EN_JUNK for w in ph)
                or max(len(w) for w in ph) < 4 or ph[0] in EN_STOP and ph[-1] in EN_STOP):
            continue
        q = " ".join(ph)
        if q not in seen:
            seen.add(q)
            queries.append((q, "en"))

    # Chinese words: frequent 2-4-grams within Han runs (on up to ~1M chars).
    counts = collections.Counter()
    budget = 1_000_000
    for r in zh_runs:
        if budget <= 0:
            break
        budget -= len(r)
        for n in (2, 3, 4):
            for i in range(len(r) - n + 1):
                counts[r[i:i + n]] += 1
    words = [w for w, c in counts.most_common(6000)
             if c >= 3 and w[0] not in ZH_EDGE_STOP and w[-1] not in ZH_EDGE_STOP]
    words = sorted(words, key=lambda w: (-counts[w], w))[:3000]
    tries = 0
    while sum(k == "zh" for _, k in queries) < n_zh and words and tries < 100000:
        tries += 1
        r = rng.random()
        if r < 0.5:
            q = rng.choice(words)
        elif r < 0.75:
            q = rng.choice(words) + " " + rng.choice(words)
        else:
            long_runs = [x for x in (rng.choice(zh_runs) for _ in range(20)) if len(x) >= 5]
            if not long_runs:
                continue
            run = long_runs[0]
            ln = rng.randint(5, min(8, len(run)))
            i = rng.randrange(len(run) - ln + 1)
            q = run[i:i + ln]
        if q not in seen:
            seen.add(q)
            queries.append((q, "zh"))

    rng.shuffle(queries)
    with open(args.out, "w", encoding="utf-8") as f:
        for q, _ in queries:
            f.write(q + "\n")
    ans_path = args.answers or args.out + ".answers.tsv"
    with open(ans_path, "w", encoding="utf-8") as f:
        for q, rel in answers:
            f.write(f"{q}\t{rel}\n")
    kinds = collections.Counter(k for _, k in queries)
    print(json.dumps({"out": args.out, "answers": ans_path, "queries": len(queries), **kinds,
                      "sampled_files": len(sample)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
