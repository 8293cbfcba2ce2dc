#!/usr/bin/env python3
"""Extracts one walkthrough of the README, so that a test runs exactly what the README shows.

    extract.py README.md NAME OUTDIR [--port PORT]

A walkthrough is the README's fenced code blocks whose info string carries `walkthrough=NAME`
(or a comma-separated list naming it; after the language, which renderers use for highlighting
and ignore the rest of). A block with
`file=PATH` is a file the reader saves (written to OUTDIR/PATH); every other block is shell the
reader types, appended in order to OUTDIR/walkthrough.sh. With --port, the README's
127.0.0.1:8080 becomes 127.0.0.1:PORT in every extracted text, as do the handlers' `"127.0.0.1", 8080` and
`listen(8080, ` (a test must not depend on a fixed port being free; any other 8080 fails). Fails when the walkthrough has no file or no shell block, or names a file twice.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```(\S*)(.*)$")


def blocks(text: str):
    """(language, attributes, body) of every fenced block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        attrs = dict(a.split("=", 1) for a in m.group(2).split() if "=" in a)
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j == len(lines):
            raise SystemExit(f"line {i + 1}: a code block is not closed")
        yield m.group(1), attrs, "\n".join(lines[i + 1 : j]) + "\n"
        i = j + 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("readme", type=Path)
    ap.add_argument("name")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--port", type=int)
    args = ap.parse_args()
    files: dict[str, str] = {}
    script: list[str] = []
    for _lang, attrs, body in blocks(args.readme.read_text(encoding="utf-8")):
        if args.name not in attrs.get("walkthrough", "").split(","):
            continue
        if args.port is not None:
            body = body.replace("127.0.0.1:8080", f"127.0.0.1:{args.port}")
            body = body.replace('"127.0.0.1", 8080', f'"127.0.0.1", {args.port}')
            body = body.replace("listen(8080, ", f"listen({args.port}, ")
            if "8080" in body:
                raise SystemExit(f"walkthrough {args.name}: 8080 in a form --port does not rewrite")
        if "file" in attrs:
            if attrs["file"] in files:
                raise SystemExit(f"walkthrough {args.name}: {attrs['file']} is given twice")
            files[attrs["file"]] = body
        else:
            script.append(body)
    if not files or not script:
        raise SystemExit(f"walkthrough {args.name}: no file block or no shell block in {args.readme}")
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (args.outdir / name).write_text(body, encoding="utf-8")
    (args.outdir / "walkthrough.sh").write_text("".join(script), encoding="utf-8")
    print(f"walkthrough {args.name}: {', '.join(files)} and {len(script)} shell blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
