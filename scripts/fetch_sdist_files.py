#!/usr/bin/env python3
"""Fetch files out of a source archive (sdist) on PyPI, checked by sha256.

Used for reference data published inside Python source packages, for
example Whisper's mel filter bank and tokenizer files in ``openai-whisper``,
which the speech tests compare against. Only the Python 3 standard library is
needed; nothing is installed or built.

    fetch_sdist_files.py --package openai-whisper --version 20250625 \\
        --sha256 HEX --member whisper/assets/mel_filters.npz \\
        --out-dir target/cache/openai-whisper-20250625

The archive is found through the package index's JSON simple API (PEP 691:
``$WHISKER_PYPI_INDEX``, else ``$PIP_INDEX_URL``, else PyPI), downloaded into
``--cache-dir`` (default ``$XDG_CACHE_HOME/whisker/sdists``), and used only if
its sha256 is the pinned one. Each member is written to ``--out-dir`` under
its base name, atomically. Members already there are not fetched again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path


class FetchError(Exception):
    """A failure with a one-line message for the person running the script."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--package", required=True, help="PyPI project name")
    p.add_argument("--version", required=True, help="exact version")
    p.add_argument("--sha256", required=True, help="sha256 of the .tar.gz (hex)")
    p.add_argument("--member", action="append", required=True,
                   help="path inside the archive, below its top folder (repeatable)")
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    return p.parse_args(argv)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "whisker" / "sdists"


def index_url() -> str:
    for var in ("WHISKER_PYPI_INDEX", "PIP_INDEX_URL"):
        value = os.environ.get(var, "").strip()
        if value:
            return value.rstrip("/")
    return "https://pypi.org/simple"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def archive_url(package: str, filename: str) -> str:
    url = f"{index_url()}/{package}/"
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            listing = json.load(response)
    except (OSError, ValueError) as e:
        raise FetchError(f"{url}: {e}") from None
    for entry in listing.get("files", []):
        if entry.get("filename") == filename:
            return entry["url"]
    raise FetchError(f"{url} lists no {filename}")


def download(args: argparse.Namespace) -> Path:
    """The verified archive in the cache, downloaded if needed."""
    filename = f"{args.package.replace('-', '_')}-{args.version}.tar.gz"
    path = args.cache_dir / filename
    if path.is_file() and sha256_of(path) == args.sha256:
        return path
    url = archive_url(args.package, filename)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    print(f"fetch_sdist_files: downloading {url}", file=sys.stderr)
    fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", dir=args.cache_dir)
    try:
        with urllib.request.urlopen(url, timeout=300) as response, os.fdopen(fd, "wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        actual = sha256_of(Path(tmp))
        if actual != args.sha256:
            raise FetchError(f"sha256 mismatch for {filename}: expected {args.sha256}, got {actual}")
        os.replace(tmp, path)
    except OSError as e:
        raise FetchError(f"{url}: {e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def extract(archive: Path, top: str, members: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in members:
            try:
                source = tar.extractfile(f"{top}/{member}")
            except KeyError:
                source = None
            if source is None:
                raise FetchError(f"{archive.name} has no file {top}/{member}")
            out = out_dir / Path(member).name
            fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out_dir)
            with source, os.fdopen(fd, "wb") as dst:
                dst.write(source.read())
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
            print(f"fetch_sdist_files: wrote {out}", file=sys.stderr)


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    args.sha256 = args.sha256.strip().lower()
    wanted = [m for m in args.member if not (args.out_dir / Path(m).name).is_file()]
    if not wanted:
        return 0
    archive = download(args)
    top = f"{args.package.replace('-', '_')}-{args.version}"
    extract(archive, top, wanted, args.out_dir)
    return 0


def main() -> int:
    try:
        return run(sys.argv[1:])
    except (FetchError, OSError, tarfile.TarError) as e:
        print(f"fetch_sdist_files: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
