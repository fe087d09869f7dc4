#!/usr/bin/env python3
"""Generate a deterministic mixed Chinese/English Markdown + text corpus.

Sentences are sampled from the real text files of the evaluation set
(/work/shared/eval/docs: the .txt, .md and .html files only, read in place at
run time, never copied) and recombined into documents:

* ~50/50 Chinese-dominant and English-dominant files; ~10% of the paragraphs
  of each file are mixed (sentences of both languages interleaved) and ~5%
  are in the other language;
* ~60% Markdown (`#` title, `##` sections, paragraphs, bullet and numbered
  lists) and ~40% plain text (optional title line, blank-line paragraphs);
* sizes log-normal (sigma 0.9) rescaled so that the total is --mb megabytes
  (10^6 bytes), i.e. a mean of 20 KB at the defaults;
* spread over --folders leaf folders, two levels deep (gNN/fNN/), with some
  Chinese file names;
* every file is salted with --salt unique made-up tokens `zq` + 7 digits,
  surrounded by spaces (so that whitespace/unicode61 tokenizers see them as
  words too), which gives queries with a known answer;
* optionally (--tail-rate, default 0.15 per sentence) a made-up word from a
  Zipf-like long-tail lexicon is inserted into a sentence. The source pool is
  small (a few thousand sentences), so without it the vocabulary of a 200 MB
  corpus would stay at a few thousand words, unlike real text; use
  --tail-rate 0 for pure sentence sampling.

Usage:
  gen_corpus.py --out DIR --files 10000 --mb 200 --seed 1

Prints a JSON summary (files, bytes, ...) on stdout. Deterministic for a
given (--files, --mb, --seed, --folders, --salt, --tail-rate) and source set.
"""

import argparse
import html
import json
import math
import os
import random
import re
import shutil
import sys
import time

DEFAULT_SOURCES = "/work/shared/eval/docs"
SOURCE_EXTS = (".txt", ".md", ".html")

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN}]")
HAN_RUN_RE = re.compile(f"[{HAN}]+")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MOJIBAKE_RE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]")
SENT_SPLIT_RE = re.compile(r"(?<=[。！？])\s*|(?<=[.!?])\s+")
CLAUSE_SPLIT_RE = re.compile(r"[，、；：,;:]")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")


# --------------------------------------------------------------------------
# Source text -> sentence pools


def strip_html(text):
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"(?s)<\?.*?\?>", " ", text)
    text = re.sub(r"(?i)<(br|/p|/div|/tr|/li|/h\d|/td|/th|/title|/dt|/dd)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def strip_markdown(text):
    out = []
    in_fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence:
            out.append("")
            continue
        line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links, images
        line = re.sub(r"^\s{0,3}(#{1,6}|[*+-]|\d+\.|>)\s+", "", line)
        line = line.replace("`", "").replace("**", "")
        out.append(line)
    return "\n".join(out)


def fix_mojibake(line):
    # UTF-8 that was decoded as Latin-1 and re-encoded (e.g. "â\x80\x93").
    if MOJIBAKE_RE.search(line):
        try:
            return line.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return line


def paragraphs_of(text):
    """Joins wrapped lines into paragraphs (no space between CJK lines)."""
    paras, cur = [], []
    for line in text.split("\n"):
        line = fix_mojibake(line.strip())
        if not line or line == "%" or re.fullmatch(r"《[^》]*》|作者：.*", line):
            if cur:
                paras.append(cur)
                cur = []
            continue
        cur.append(line)
    if cur:
        paras.append(cur)
    joined = []
    for lines in paras:
        s = lines[0]
        for nxt in lines[1:]:
            if s and HAN_RE.match(s[-1]) or HAN_RE.match(nxt[0]):
                s += nxt
            else:
                s += " " + nxt
        joined.append(re.sub(r"[ \t\u00a0\u3000]+", " ", s))
    return joined


def classify(sentence):
    """'zh', 'en' or None (rejected)."""
    s = sentence.strip()
    if len(s) < 8 or len(s) > 400:
        return None
    han = len(HAN_RE.findall(s))
    nonspace = len(s) - s.count(" ")
    if han >= 5 and han / nonspace > 0.3:
        return "zh" if len(s) <= 300 else None
    words = WORD_RE.findall(s)
    letters = sum(len(w) for w in words)
    if len(words) >= 4 and letters / nonspace >= 0.6 and any(w.islower() for w in words):
        return "en"
    return None


def load_pools(src_dir):
    names = sorted(n for n in os.listdir(src_dir) if n.lower().endswith(SOURCE_EXTS))
    if not names:
        sys.exit(f"no .txt/.md/.html files in {src_dir}")
    pools = {"zh": [], "en": []}
    heads = {"zh": [], "en": []}
    seen = set()
    for name in names:
        with open(os.path.join(src_dir, name), "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        text = ANSI_RE.sub("", text).replace("\r\n", "\n")
        if name.lower().endswith(".html"):
            text = strip_html(text)
        elif name.lower().endswith(".md"):
            text = strip_markdown(text)
        # Poem titles make good Chinese headings.
        for t in re.findall(r"《([^》]{2,16})》", text):
            heads["zh"].append(t)
        for para in paragraphs_of(text):
            for sent in SENT_SPLIT_RE.split(para):
                sent = sent.strip()
                lang = classify(sent)
                if lang and sent not in seen:
                    seen.add(sent)
                    pools[lang].append(sent)
    for s in pools["zh"]:
        for clause in CLAUSE_SPLIT_RE.split(s):
            clause = clause.strip(" 。！？")
            if 4 <= len(clause) <= 14 and len(HAN_RE.findall(clause)) >= 4:
                heads["zh"].append(clause)
    for s in pools["en"]:
        words = WORD_RE.findall(s)
        if len(words) >= 3:
            heads["en"].append(" ".join(words[: min(len(words), 3 + len(s) % 4)]).capitalize())
    for k in heads:
        heads[k] = sorted(set(heads[k]))
    if not pools["zh"] or not pools["en"]:
        sys.exit("source text lacks Chinese or English sentences")
    return pools, heads


# --------------------------------------------------------------------------
# Long-tail lexicon


class Tail:
    """A Zipf-like lexicon of made-up words, computed lazily from the rank.

    English-like words are built from syllables, Chinese-like "names" from
    2-4 Han characters of the source pool; the word of a given rank is a pure
    function of (seed, rank), so the lexicon costs nothing up front.
    """

    ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kl", "l", "m",
              "n", "p", "pr", "qu", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z"]
    VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
    CODAS = ["", "", "n", "r", "s", "l", "x", "nd", "st", "m", "k"]

    def __init__(self, seed, pools, size=300_000):
        self.seed = seed
        self.size = {"en": size, "zh": size // 3}
        self.chars = sorted({c for s in pools["zh"] for c in HAN_RE.findall(s)})
        self.cache = {"en": {}, "zh": {}}

    def _bits(self, rank):
        x = (rank * 0x9E3779B97F4A7C15 + self.seed * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
        x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return x ^ (x >> 29)

    def word(self, lang, rank):
        w = self.cache[lang].get(rank)
        if w is None:
            x = self._bits(rank * 2 + (lang == "zh"))
            if lang == "en":
                n = (2, 2, 3, 3, 4)[x % 5]
                x //= 5
                parts = []
                for _ in range(n):
                    parts.append(self.ONSETS[x % 29] + self.VOWELS[(x // 29) % 10] + self.CODAS[(x // 290) % 11])
                    x //= 3190
                w = "".join(parts)
            else:
                n = (2, 3, 3, 4)[x % 4]
                x //= 4
                cs = []
                for _ in range(n):
                    cs.append(self.chars[x % len(self.chars)])
                    x //= len(self.chars)
                w = "".join(cs)
            self.cache[lang][rank] = w
        return w

    def pick(self, rng, lang):
        # Log-uniform rank: P(rank r) ~ 1/r, like word frequencies.
        return self.word(lang, int(self.size[lang] ** rng.random()) - 1)


# --------------------------------------------------------------------------
# Documents


class Writer:
    def __init__(self, rng, pools, heads, tail, tail_rate):
        self.rng = rng
        self.pools = pools
        self.heads = heads
        self.tail = tail
        self.tail_rate = tail_rate

    def sentence(self, lang):
        rng = self.rng
        s = rng.choice(self.pools[lang])
        if self.tail_rate and rng.random() < self.tail_rate:
            word = self.tail.pick(rng, lang)
            if lang == "en":
                if rng.random() < 0.3:
                    word = word.capitalize()
                spaces = [m.start() for m in re.finditer(" ", s)]
                if spaces:
                    i = rng.choice(spaces)
                    s = s[:i] + " " + word + s[i:]
            else:
                cut = [m.end() for m in re.finditer("[，、]", s)] or [0]
                i = rng.choice(cut)
                s = s[:i] + word + s[i:]
        return s

    def paragraph(self, lang, n):
        other = "en" if lang == "zh" else "zh"
        r = self.rng.random()
        if r < 0.10:  # mixed paragraph
            langs = [lang if self.rng.random() < 0.6 else other for _ in range(n)]
        elif r < 0.15:
            langs = [other] * n
        else:
            langs = [lang] * n
        parts = []
        prev = None
        for lg in langs:
            s = self.sentence(lg)
            if prev is not None and (lg == "en" or prev == "en"):
                parts.append(" ")
            parts.append(s)
            prev = lg
        return "".join(parts)

    def heading(self, lang):
        return self.rng.choice(self.heads[lang])

    def list_block(self, lang):
        rng = self.rng
        numbered = rng.random() < 0.4
        items = []
        for i in range(rng.randint(3, 7)):
            text = self.sentence(lang if rng.random() < 0.9 else ("en" if lang == "zh" else "zh"))
            items.append(f"{i + 1}. {text}" if numbered else f"- {text}")
        return "\n".join(items)

    def document(self, lang, markdown, target_bytes, salts):
        """Returns the file text, close to target_bytes of UTF-8."""
        rng = self.rng
        blocks = []
        size = 0
        if markdown:
            blocks.append("# " + self.heading(lang))
        elif rng.random() < 0.7:
            blocks.append(self.heading(lang))
        size += len(blocks[0].encode()) if blocks else 0
        next_section = rng.randint(1, 4)
        while size < target_bytes:
            if markdown and next_section == 0:
                b = "## " + self.heading(lang)
                next_section = rng.randint(3, 8)
            elif markdown and rng.random() < 0.10:
                b = self.list_block(lang)
                next_section -= 1
            else:
                b = self.paragraph(lang, rng.randint(2, 8))
                next_section -= 1
            nb = len(b.encode()) + 2
            if len(blocks) > 1 and size + nb // 2 > target_bytes:
                break  # stopping here lands closer to the target
            blocks.append(b)
            size += nb
        # Salt: unique tokens in random body blocks, space-separated.
        body = [i for i, b in enumerate(blocks) if not b.startswith("#")] or [len(blocks) - 1]
        for tok in salts:
            i = rng.choice(body)
            b = blocks[i]
            cuts = sorted({m.end() for m in re.finditer(r"[。！？.!?](?=\s|$)", b)} | {len(b)})
            c = rng.choice(cuts)
            rest = b[c:].lstrip(" ")
            blocks[i] = b[:c] + " " + tok + (" " + rest if rest and not rest.startswith("\n") else rest)
        return "\n\n".join(blocks) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (replaced if --force)")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--mb", type=float, default=200.0, help="total size in 10^6 bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folders", type=int, default=100, help="number of leaf folders")
    ap.add_argument("--salt", type=int, default=3, help="unique zq tokens per file")
    ap.add_argument("--tail-rate", type=float, default=0.15,
                    help="probability per sentence of inserting a long-tail made-up word (0 disables)")
    ap.add_argument("--sources", default=DEFAULT_SOURCES)
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    args = ap.parse_args()

    t0 = time.perf_counter()
    if os.path.exists(args.out):
        if not args.force and os.listdir(args.out):
            sys.exit(f"{args.out} exists and is not empty (use --force)")
        shutil.rmtree(args.out)
    rng = random.Random(args.seed)
    pools, heads = load_pools(args.sources)
    tail = Tail(args.seed, pools) if args.tail_rate > 0 else None
    w = Writer(rng, pools, heads, tail, args.tail_rate)

    # Sizes: log-normal, rescaled to the requested total.
    total_target = args.mb * 1e6
    sigma = 0.9
    raw = [rng.lognormvariate(0.0, sigma) for _ in range(args.files)]
    scale = total_target / sum(raw)
    sizes = [min(max(int(r * scale), 300), 4_000_000) for r in raw]
    fix = total_target / sum(sizes)
    sizes = [max(int(s * fix), 300) for s in sizes]

    n_salt = args.files * args.salt
    salt_numbers = rng.sample(range(10_000_000), n_salt)
    folders = args.folders
    top = max(1, int(math.sqrt(folders)))
    zh_names = ["笔记", "文档", "资料", "说明", "摘录", "草稿", "手册", "记录"]

    total_bytes = 0
    counts = {"md": 0, "txt": 0, "zh_dominant": 0, "en_dominant": 0}
    made_dirs = set()
    for i in range(args.files):
        lang = "zh" if rng.random() < 0.5 else "en"
        markdown = rng.random() < 0.6
        ext = "md" if markdown else "txt"
        leaf = rng.randrange(folders)
        d = os.path.join(args.out, f"g{leaf % top:02d}", f"f{leaf // top:02d}")
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        if lang == "zh" and rng.random() < 0.3:
            name = f"{rng.choice(zh_names)}_{i:05d}.{ext}"
        else:
            name = f"doc_{i:05d}.{ext}"
        salts = [f"zq{n:07d}" for n in salt_numbers[i * args.salt:(i + 1) * args.salt]]
        data = w.document(lang, markdown, sizes[i], salts).encode("utf-8")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        total_bytes += len(data)
        counts[ext] += 1
        counts[lang + "_dominant"] += 1

    summary = {
        "out": args.out,
        "files": args.files,
        "bytes": total_bytes,
        "mb": round(total_bytes / 1e6, 2),
        "folders": len(made_dirs),
        **counts,
        "source_sentences_zh": len(pools["zh"]),
        "source_sentences_en": len(pools["en"]),
        "seed": args.seed,
        "tail_rate": args.tail_rate,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
