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
value is ``None``). Each verifier class (``Verifier``, ``V3Verifier``) and ``MerchantProfile`` has
one generated region too, from the core's declaration of its settings (``settings`` in the same
file): its ``__new__`` (the required settings positional, the others keyword-only with their
defaults, each documented) and one read-only property per setting it reads back. Everything outside the regions is
hand-written and left as it is; the check fails when a typed property or a setting is also
declared there.
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
# The Python class of each declaration of settings (the verifiers, an endpoint's merchant profile).
SETTINGS_CLASSES = {"v2_verifier": "Verifier", "v3_verifier": "V3Verifier", "merchant_profile": "MerchantProfile"}
# The parameter annotation of each setting kind (what the constructor takes for it) and, for the
# settings read back, the attribute's annotation; a required setting is never None.
PARAMETERS = {
    "secret": "str",
    "sign_type": "str",
    "sign_types": "Iterable[str] | None",
    "text": "str | None",
    "texts": "Iterable[str] | None",
    "trusted_keys": "_PlatformKeys | TrustedKeys",
    "bytes": "int | None",
    "seconds": "int | None",
    "v2_verifier": "Verifier | None",
    "v3_verifier": "V3Verifier | None",
}
READ_BACK = {
    "sign_type": "_SignTypeName",
    "sign_types": "tuple[_SignTypeName, ...]",
    "text": "str | None",
    "texts": "tuple[str, ...]",
    "bytes": "int",
    "seconds": "int",
    "v2_verifier": "Verifier | None",
    "v3_verifier": "V3Verifier | None",
}
WIDTH = 100
BEGIN = re.compile(r"^(?P<indent>[ ]*)# BEGIN GENERATED (?P<view>\w+):.*$")


class Drift(Exception):
    """The declaration and the stub cannot be reconciled (a missing region, an unknown kind, a
    property without documentation)."""


def load_declaration(path: Path = DECLARATION) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The core's typed views and verifier settings."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise Drift(f"{path}: schema {data.get('schema')!r}, expected {SCHEMA!r}")
    views: dict[str, list[dict[str, Any]]] = data["views"]
    unknown = sorted(set(views) - set(CLASSES))
    if unknown:
        raise Drift(f"the core declares views {unknown} that have no Python class here (CLASSES)")
    settings: dict[str, list[dict[str, Any]]] = data["settings"]
    if set(settings) != set(SETTINGS_CLASSES):
        raise Drift(f"the core declares the settings of {sorted(settings)}; stubgen knows {sorted(SETTINGS_CLASSES)}")
    return views, settings


def load_views(path: Path = DECLARATION) -> dict[str, list[dict[str, Any]]]:
    return load_declaration(path)[0]


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


def docstring(text: str, indent: str) -> list[str]:
    """A docstring of ``text`` (paragraphs separated by blank lines) at ``indent``."""
    lines: list[str] = []
    for n, paragraph in enumerate(text.split("\n\n")):
        if n:
            lines.append("")
        lines += textwrap.wrap(paragraph, WIDTH - len(indent) - 6, break_on_hyphens=False)
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *((indent + line).rstrip() for line in lines[1:-1]), f'{indent}{lines[-1]}"""']


def required(annotation: str) -> str:
    """The annotation of a setting that must be given: never ``None``."""
    return annotation.removesuffix(" | None")


def settings_region(view: str, settings: list[dict[str, Any]], indent: str) -> list[str]:
    """The generated region of one verifier or the merchant profile: its ``__new__`` and its
    read-back properties."""
    cls = SETTINGS_CLASSES[view]
    lines = [f"{indent}# BEGIN GENERATED {view}: stubgen.py from tests/vectors/typed_views.json; do not edit"]
    lines += [f"{indent}def __new__(", f"{indent}    cls,"]
    keyword_only = False
    for s in settings:
        kind = s["kind"]
        if kind not in PARAMETERS:
            raise Drift(f"{view}.{s['name']}: stubgen has no parameter annotation for kind {kind!r}")
        if s["required"]:
            lines.append(f"{indent}    {s['name']}: {required(PARAMETERS[kind])},")
            continue
        if not keyword_only:
            lines.append(f"{indent}    *,")
            keyword_only = True
        default = s["default"] if s["default"] is not None else "()" if kind in ("sign_types", "texts") else "None"
        lines.append(f"{indent}    {s['name']}: {PARAMETERS[kind]} = {default},")
    lines.append(f"{indent}) -> {cls}:")
    args = "\n\n".join(f"{s['name']}: {doc_of(s)}" for s in settings)
    lines += docstring(args, indent + "    ")
    for s in settings:
        if not s["read_back"]:
            continue
        if s["kind"] not in READ_BACK:
            raise Drift(f"{view}.{s['name']}: stubgen has no attribute annotation for kind {s['kind']!r}")
        annotation = required(READ_BACK[s["kind"]]) if s["required"] else READ_BACK[s["kind"]]
        lines += [f"{indent}@property", f"{indent}def {s['name']}(self) -> {annotation}:"]
        lines += docstring(doc_of(s), indent + "    ")
    lines.append(f"{indent}# END GENERATED {view}")
    return lines


def generate(stub: str, views: dict[str, list[dict[str, Any]]], settings: dict[str, list[dict[str, Any]]]) -> str:
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
        if view not in views and view not in settings:
            raise Drift(f"the stub has a region for {view!r}, which the core does not declare")
        if view in seen:
            raise Drift(f"the stub has two regions for {view!r}")
        seen.add(view)
        end = f"{m['indent']}# END GENERATED {view}"
        try:
            j = lines.index(end, i)
        except ValueError:
            raise Drift(f"the region of {view!r} has no line {end.strip()!r}") from None
        if view in views:
            out += region(view, views[view], m["indent"])
        else:
            out += settings_region(view, settings[view], m["indent"])
        i = j + 1
    missing = sorted((set(views) | set(settings)) - seen)
    if missing:
        raise Drift(f"no generated region for {missing}: add the marker lines to their classes")
    return "\n".join(out) + "\n"


def check_hand_written(
    stub: str, views: dict[str, list[dict[str, Any]]], settings: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """No typed property is declared by hand besides its generated declaration (a second ``def``
    of the same name in the class would silently replace the generated one)."""
    tree = ast.parse(stub)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    # Each class, the names generated in it, and what they are generated from.
    generated = [
        (CLASSES[view], [p["name"] for p in props], "a typed property, generated from the core's declaration")
        for view, props in views.items()
    ] + [
        (
            SETTINGS_CLASSES[view],
            ["__new__", *(s["name"] for s in declared if s["read_back"])],
            "generated from the core's declaration of the settings",
        )
        for view, declared in settings.items()
    ]
    problems = []
    for class_name, generated_names, origin in generated:
        cls = classes.get(class_name)
        if cls is None:
            problems.append(f"class {class_name} is missing from the stub")
            continue
        names = [item.name for item in cls.body if isinstance(item, ast.FunctionDef)]
        for name in generated_names:
            if names.count(name) > 1:
                problems.append(
                    f"{cls.name}.{name} is {origin}: remove the one written by hand outside the "
                    "generated region"
                )
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the stub is not what it would write")
    args = parser.parse_args(argv)
    try:
        views, settings = load_declaration()
        current = STUB.read_text(encoding="utf-8")
        wanted = generate(current, views, settings)
    except Drift as e:
        print(f"stubgen: {e}", file=sys.stderr)
        return 1
    problems = check_hand_written(wanted, views, settings)
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
