#!/usr/bin/env python3
"""Exact vector search in the peers, on the vectors `whisker-bench-vectors fill` exported.

LanceDB is AnythingLLM's default vector store; a table without an ANN index
is searched exhaustively (flat), which is what Whisker does. NumPy's
matrix-vector product is the floor any Python RAG script starts from.
Both answer the same queries over the same vectors as Whisker, top k by
cosine (the vectors are unit length, so dot product).

    vectors_peer.py --export DIR [--k 10] [--repeat 3] [--work DIR]

Prints one JSON object per engine on stdout (keys as whisker-bench-vectors).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

DIMS = 384


def load(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype="<f4").reshape(-1, DIMS)


def percentiles(times: list[float]) -> dict:
    times = sorted(times)
    pick = lambda p: times[round((len(times) - 1) * p)]
    return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "mean_ms": sum(times) / len(times)}


def timed(search, queries: np.ndarray, repeat: int) -> tuple[float, list[float]]:
    start = time.perf_counter()
    search(queries[0])
    first = (time.perf_counter() - start) * 1e3
    times = []
    for _ in range(repeat):
        for q in queries:
            start = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - start) * 1e3)
    return first, times


def bench_numpy(vectors, queries, k, repeat) -> dict:
    def search(q):
        scores = vectors @ q
        top = np.argpartition(-scores, k)[:k]
        return top[np.argsort(-scores[top])]

    first, times = timed(search, queries, repeat)
    return {"engine": "numpy", "first_query_ms": first, **percentiles(times)}


def bench_lancedb(vectors, queries, k, repeat, work: Path) -> dict:
    import lancedb
    import pyarrow as pa

    db = lancedb.connect(str(work / "lancedb"))
    flat = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIMS)
    table = pa.table({"id": pa.array(np.arange(len(vectors))), "vector": flat})
    tbl = db.create_table("chunks", table, mode="overwrite")

    def search(q):
        return tbl.search(q).metric("dot").limit(k).to_arrow()

    first, times = timed(search, queries, repeat)
    return {"engine": "lancedb", "version": lancedb.__version__, "first_query_ms": first,
            **percentiles(times)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--export", type=Path, required=True)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--work", type=Path)
    args = p.parse_args()
    vectors = load(args.export / "vectors.f32")
    queries = load(args.export / "queries.f32")
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    common = {"vectors": len(vectors), "queries": len(queries), "k": args.k, "threads": threads}
    print(json.dumps({**common, **bench_numpy(vectors, queries, args.k, args.repeat)}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        record = bench_lancedb(vectors, queries, args.k, args.repeat, work)
        print(json.dumps({**common, **record}), flush=True)


if __name__ == "__main__":
    main()
