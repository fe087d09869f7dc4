#!/usr/bin/env python3
"""Fetch one file out of a binary wheel on PyPI and check its sha256.

Used to obtain native libraries that are published inside Python wheels
(for example pdfium's shared library inside ``pypdfium2``) without installing
the Python package. Only the Python 3 standard library and ``pip`` are needed.

    fetch_wheel_file.py --package pypdfium2 --version 5.15.2 \\
        --member pypdfium2_raw/libpdfium.so --sha256 HEX \\
        --out third_party/pdfium/libpdfium.so

The wheel is downloaded with ``python3 -m pip download`` into a cache
directory (``--cache-dir``, default ``$XDG_CACHE_HOME/whisker/wheels``) and
reused on later runs. The member is written atomically (temporary file plus
rename), and only after its sha256 matched: on a mismatch nothing is written
and the exit status is 1. If ``--out`` already holds the expected bytes,
nothing is downloaded.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# `uname -m` → the manylinux platform tag pip should download for.
PLATFORMS = {
    "x86_64": "manylinux2014_x86_64",
    "amd64": "manylinux2014_x86_64",
    "aarch64": "manylinux2014_aarch64",
    "arm64": "manylinux2014_aarch64",
}


class FetchError(Exception):
    """A failure with a one-line message for the person running the script."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--package", required=True, help="PyPI project name")
    p.add_argument("--version", required=True, help="exact version to fetch")
    p.add_argument("--member", required=True, help="path of the file inside the wheel")
    p.add_argument("--sha256", required=True, help="expected sha256 of the member (hex)")
    p.add_argument("--out", required=True, type=Path, help="where to write the member")
    p.add_argument("--platform", help="pip platform tag (default: from `uname -m`)")
    p.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    return p.parse_args(argv)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "whisker" / "wheels"


def platform_tag(explicit: str | None) -> str:
    if explicit:
        return explicit
    machine = platform.machine().lower()
    if machine not in PLATFORMS:
        raise FetchError(f"no manylinux wheel platform known for machine '{machine}'")
    return PLATFORMS[machine]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_wheel(directory: Path, package: str, version: str, plat: str) -> Path | None:
    """A cached wheel for this package, version and platform, if there is one."""
    stem = package.replace("-", "_").lower()
    arch = plat.split("_", 1)[1]
    for wheel in sorted(directory.glob("*.whl")):
        name = wheel.name.lower()
        if name.startswith(f"{stem}-{version}-") and arch in name:
            return wheel
    return None


def download_wheel(args: argparse.Namespace, plat: str) -> Path:
    directory = args.cache_dir / f"{args.package}-{args.version}-{plat}"
    cached = find_wheel(directory, args.package, args.version, plat)
    if cached:
        return cached
    directory.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--platform", plat, "--python-version", "3.11", "--disable-pip-version-check",
        "-d", str(directory), f"{args.package}=={args.version}",
    ]
    print(f"fetch_wheel_file: {' '.join(cmd)}", file=sys.stderr)
    if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:
        raise FetchError(f"pip could not download {args.package}=={args.version} for {plat}")
    wheel = find_wheel(directory, args.package, args.version, plat)
    if wheel is None:
        raise FetchError(f"pip finished but no {plat} wheel is in {directory}")
    return wheel


def extract_member(wheel: Path, member: str, out: Path, expected: str) -> None:
    """Writes `member` of `wheel` to `out` if, and only if, its sha256 is `expected`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with zipfile.ZipFile(wheel) as z, z.open(member) as src, os.fdopen(fd, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                h.update(block)
                dst.write(block)
        actual = h.hexdigest()
        if actual != expected:
            raise FetchError(
                f"sha256 mismatch for {member} in {wheel.name}: expected {expected}, "
                f"got {actual}; refusing to install it"
            )
        tmp.chmod(0o644)
        os.replace(tmp, out)
    except KeyError:
        raise FetchError(f"{wheel.name} has no member {member}") from None
    except zipfile.BadZipFile as e:
        raise FetchError(f"{wheel} is not a valid wheel ({e}); delete it and retry") from None
    finally:
        tmp.unlink(missing_ok=True)


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    expected = args.sha256.strip().lower()
    if args.out.is_file() and sha256_of(args.out) == expected:
        print(f"fetch_wheel_file: {args.out} is up to date", file=sys.stderr)
        return 0
    plat = platform_tag(args.platform)
    wheel = download_wheel(args, plat)
    extract_member(wheel, args.member, args.out, expected)
    print(f"fetch_wheel_file: wrote {args.out} (sha256 {expected})", file=sys.stderr)
    return 0


def main() -> int:
    try:
        return run(sys.argv[1:])
    except FetchError as e:
        print(f"fetch_wheel_file: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"fetch_wheel_file: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
