#!/usr/bin/env python3
"""Writes the typed-view declarations of python/wechatpay_notify/_native.pyi from the core's own
declaration, tests/vectors/typed_views.json (written by ``cargo run -p xtask -- vectors`` from the
core's ``typed_view!`` / ``json_view!`` tables). Standard library only.

    python3 bindings/python/stubgen.py           # rewrite the generated regions
    python3 bindings/python/stubgen.py --check   # exit 1 if the stub is not what it would write

Each class with a typed view has one generated region, between the lines
``# BEGIN GENERATED <view>: ...`` and ``# END GENERATED <view>``, holding one read-only property
per declared property, field-backed (read from the notification's fields, the decrypted req_info or
a path of the decrypted resource) and rule-backed (``is_success``, ``dedupe_key``, ...) alike, in
the core's order, typed by its kind and documented by the core's own documentation of it (the
declaration's ``doc``, as the binding's runtime attribute is: ``code`` in backticks, an absent
value is ``None``). Everything outside the regions is hand-written and left as it is; the check
fails when a typed property is also declared there.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DECLARATION = HERE.parents[1] / "tests" / "vectors" / "typed_views.json"
STUB = HERE / "python" / "wechatpay_notify" / "_native.pyi"
SCHEMA = "wechatpay-notify/typed-views/1"

# The Python class of each view of the declaration.
CLASSES = {
    "payment": "PaymentNotification",
    "refund": "RefundNotification",
    "v3_transaction": "V3Transaction",
    "v3_refund": "V3Refund",
    "v3_profit_sharing": "V3ProfitSharing",
    "v3_transfer": "V3Transfer",
    "v3_complaint": "V3Complaint",
    "v3_notification": "V3Notification",
    "endpoint_result": "EndpointResult",
}
# The annotation of each kind (what the binding's getters return for it).
ANNOTATIONS = {
    "text": "str | None",
    "string": "str",
    "amount": "int | None",
    "bool": "bool",
    "sign_type": "_SignTypeName",
    "coupons": "list[Coupon]",
}
WIDTH = 100
BEGIN = re.compile(r"^(?P<indent>[ ]*)# BEGIN GENERATED (?P<view>\w+):.*$")


class Drift(Exception):
    """The declaration and the stub cannot be reconciled (a missing region, an unknown kind, a
    property without documentation)."""


def load_views(path: Path = DECLARATION) -> dict[str, list[dict[str, Any]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise Drift(f"{path}: schema {data.get('schema')!r}, expected {SCHEMA!r}")
    views: dict[str, list[dict[str, Any]]] = data["views"]
    unknown = sorted(set(views) - set(CLASSES))
    if unknown:
        raise Drift(f"the core declares views {unknown} that have no Python class here (CLASSES)")
    return views


def doc_of(prop: dict[str, Any]) -> str:
    """A property's docstring: the core's documentation of it, as the runtime attribute's
    ``__doc__`` is (Python names an absent value ``None``, as the core's text does)."""
    doc = prop.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise Drift(
            f"{prop['name']} has no doc in the declaration: document it in the core and run "
            "`cargo run -p xtask -- vectors`"
        )
    if '"""' in doc or "\\" in doc or doc.endswith('"'):
        raise Drift(f"{prop['name']}: its doc cannot be written in a docstring as it is: {doc!r}")
    return doc


def region(view: str, props: list[dict[str, Any]], indent: str) -> list[str]:
    """The generated region of one view, marker lines included."""
    lines = [f"{indent}# BEGIN GENERATED {view}: stubgen.py from tests/vectors/typed_views.json; do not edit"]
    for prop in props:
        kind = prop["kind"]
        if kind not in ANNOTATIONS:
            raise Drift(f"{view}.{prop['name']}: stubgen has no annotation for kind {kind!r}")
        body = indent + "    "
        doc = textwrap.wrap(doc_of(prop), WIDTH - len(body) - 6, break_on_hyphens=False)
        lines += [f"{indent}@property", f"{indent}def {prop['name']}(self) -> {ANNOTATIONS[kind]}:"]
        if len(doc) == 1:
            lines.append(f'{body}"""{doc[0]}"""')
        else:
            lines += [f'{body}"""{doc[0]}', *(body + d for d in doc[1:-1]), f'{body}{doc[-1]}"""']
    lines.append(f"{indent}# END GENERATED {view}")
    return lines


def generate(stub: str, views: dict[str, list[dict[str, Any]]]) -> str:
    """The stub with every generated region rewritten from the declaration."""
    out: list[str] = []
    seen: set[str] = set()
    lines = stub.splitlines()
    i = 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if m is None:
            out.append(lines[i])
            i += 1
            continue
        view = m["view"]
        if view not in views:
            raise Drift(f"the stub has a region for {view!r}, which the core does not declare")
        if view in seen:
            raise Drift(f"the stub has two regions for {view!r}")
        seen.add(view)
        end = f"{m['indent']}# END GENERATED {view}"
        try:
            j = lines.index(end, i)
        except ValueError:
            raise Drift(f"the region of {view!r} has no line {end.strip()!r}") from None
        out += region(view, views[view], m["indent"])
        i = j + 1
    missing = sorted(set(views) - seen)
    if missing:
        raise Drift(f"no generated region for {missing}: add the marker lines to their classes")
    return "\n".join(out) + "\n"


def check_hand_written(stub: str, views: dict[str, list[dict[str, Any]]]) -> list[str]:
    """No typed property is declared by hand besides its generated declaration (a second ``def``
    of the same name in the class would silently replace the generated one)."""
    tree = ast.parse(stub)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    problems = []
    for view, props in views.items():
        cls = classes.get(CLASSES[view])
        if cls is None:
            problems.append(f"class {CLASSES[view]} is missing from the stub")
            continue
        names = [item.name for item in cls.body if isinstance(item, ast.FunctionDef)]
        for prop in props:
            if names.count(prop["name"]) > 1:
                problems.append(
                    f"{cls.name}.{prop['name']} is a typed property, generated from the core's "
                    "declaration: remove the one written by hand outside the generated region"
                )
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the stub is not what it would write")
    args = parser.parse_args(argv)
    try:
        views = load_views()
        current = STUB.read_text(encoding="utf-8")
        wanted = generate(current, views)
    except Drift as e:
        print(f"stubgen: {e}", file=sys.stderr)
        return 1
    problems = check_hand_written(wanted, views)
    if args.check:
        if wanted != current:
            problems.insert(
                0,
                f"{STUB.relative_to(HERE.parents[1])} is not what the core declares: run "
                "`python3 bindings/python/stubgen.py` (after `cargo run -p xtask -- vectors`)",
            )
    elif wanted != current:
        STUB.write_text(wanted, encoding="utf-8")
        print(f"stubgen: rewrote {STUB.relative_to(HERE.parents[1])}", file=sys.stderr)
    for p in problems:
        print(f"stubgen: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
