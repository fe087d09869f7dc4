#!/usr/bin/env python3
"""Run a command, timing it with the wall clock; write a JSON record.

  timecmd.py --out RECORD.json [--label NAME] [--size-of PATH] -- CMD ARGS...

The record holds: label, cmd, rc, seconds (time.perf_counter around the
child's whole life), max_rss_mb (the child's peak resident set, from
wait4), size_bytes (of --size-of after the run: a file, or the sum of the
files under a directory), load_before/load_after (1-minute load average:
a busy machine skews the numbers) and result: the command's stdout parsed as JSON
(the whole of it, or else its last line that parses), or null.
stdout is also echoed; stderr goes to RECORD.stderr. Exits with the child's
status.
"""

import argparse
import json
import os
import subprocess
import sys
import time


def size_of(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--size-of")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")
    load_before = os.getloadavg()[0]
    with open(args.out + ".stderr", "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode("utf-8", errors="replace")
    sys.stdout.write(text)
    record = {
        "label": args.label,
        "cmd": cmd,
        "rc": p.returncode,
        "seconds": round(seconds, 3),
        "max_rss_mb": round(ru.ru_maxrss / 1024, 1),
        "size_bytes": size_of(args.size_of) if args.size_of and os.path.exists(args.size_of) else None,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "result": parse_json(text),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1)
    if p.returncode != 0:
        sys.stderr.write(f"timecmd: {cmd[0]} exited with {p.returncode}; see {args.out}.stderr\n")
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
