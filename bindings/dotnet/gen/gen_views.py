#!/usr/bin/env python3
"""Generates the typed properties of the .NET views from the core's declaration.

    python3 bindings/dotnet/gen/gen_views.py            writes bindings/dotnet/src/Views.g.cs
    python3 bindings/dotnet/gen/gen_views.py --check    exits 1 if that file differs (drift)

tests/vectors/typed_views.json is the core's one declaration of every typed view (typed_view! /
json_view! in crates/wechatpay-notify/src, written out by `cargo run -p xtask -- vectors`). For each
view this writes one part of a partial class: a private field and a public PascalCase property per
typed property, with the .NET type of its kind (text and sign_type: string, null when absent;
amount: ulong?, whose getter throws the core's error for an amount present in another form; bool;
coupons: IReadOnlyList<Coupon>), ReadTypedProperties(ViewReader), which reads every property by its
name through the C ABI's by-name getters (the core decides where each value comes from and what
counts as present), and ToString. The hand-written part of each class (src/*.cs) holds the class's
documentation, its constructor and its other members. A property added to the core therefore needs
only the vectors and this script: no hand-written line names it.

Standard library only; the output is deterministic (the declaration's order).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DECLARATION = ROOT / "tests" / "vectors" / "typed_views.json"
OUTPUT = ROOT / "bindings" / "dotnet" / "src" / "Views.g.cs"

# The view in typed_views.json -> the .NET class whose typed properties it declares.
CLASSES = {
    "payment": "PaymentNotification",
    "refund": "RefundNotification",
    "v3_transaction": "V3Transaction",
    "v3_refund": "V3Refund",
}

# Each kind: the property's .NET type, the field's type, and how ReadTypedProperties reads it.
KINDS = {
    "text": ("string", "string", "r.Text({name})"),
    "sign_type": ("string", "string", "r.Text({name})"),
    "amount": ("ulong?", "Typed<ulong?>", "r.Amount({name})"),
    "bool": ("bool", "bool", "r.Bool({name})"),
    "coupons": ("IReadOnlyList<Coupon>", "Typed<IReadOnlyList<Coupon>>", "r.Coupons({name})"),
}

# What the declaration does not say: a sentence added to a property's generated summary. Optional:
# a property without a note gets the generated summary alone.
NOTES = {
    ("payment", "total_fee"): "Compare it with your order before fulfilling it.",
    ("payment", "result_code"): "(<c>SUCCESS</c> / <c>FAIL</c>)",
    ("payment", "time_end"): "(yyyyMMddHHmmss, Beijing time)",
    ("payment", "sub_appid"): "(service-provider mode)",
    ("payment", "sub_mch_id"): "(service-provider mode)",
    ("payment", "sign_type"): "The algorithm the signature verified with (<c>MD5</c> / <c>HMAC-SHA256</c>).",
    ("payment", "is_success"): (
        "<c>return_code</c> and <c>result_code</c> are both SUCCESS. Acknowledge a verified notification "
        "with <see cref=\"Reply.Success\"/> even when this is false."
    ),
    ("payment", "dedupe_key"): (
        "The idempotency key: record each notification once per key. A successful payment's "
        "<c>transaction_id</c> (the same as its APIv3 delivery's); for a payment that did not succeed, "
        "<c>transaction_id:RESULT_CODE</c> (e.g. <c>4200000001:FAIL</c>), so a later success is not "
        "swallowed by the earlier failure. Null without a <c>transaction_id</c>."
    ),
    ("payment", "coupons"): (
        "The coupons from <c>coupon_{type,id,fee}_$n</c> (indices below <c>coupon_count</c> with a "
        "<c>coupon_id_$n</c>); throws <c>missing_field</c> when <c>coupon_count</c> or a "
        "<c>coupon_fee_$n</c> was sent in another form than digits."
    ),
    ("refund", "refund_status"): "(<c>SUCCESS</c> / <c>CHANGE</c> / <c>REFUNDCLOSE</c>)",
    ("refund", "success_time"): "(yyyy-MM-dd HH:mm:ss)",
    ("refund", "refund_recv_accout"): "(WeChat's spelling)",
    ("refund", "is_success"): "<c>refund_status</c> is SUCCESS.",
    ("refund", "dedupe_key"): (
        "The idempotency key: record each notification once per key. <c>refund_id:STATUS</c> with the "
        "status in APIv3's words (<c>SUCCESS</c>; <c>CHANGE</c> reads as <c>ABNORMAL</c>, "
        "<c>REFUNDCLOSE</c> as <c>CLOSED</c>), so an <c>ABNORMAL</c> delivery does not swallow the later "
        "<c>SUCCESS</c> and the v2 and v3 deliveries of one state share a key. A refund's state only "
        "moves forward (<c>ABNORMAL</c> → <c>SUCCESS</c> or <c>CLOSED</c>): never record it back. Null "
        "without a <c>refund_id</c>."
    ),
    ("v3_transaction", "amount_total"): "Compare it with your order before fulfilling it.",
    ("v3_transaction", "trade_type"): "(<c>JSAPI</c>, <c>NATIVE</c>, <c>APP</c>, …)",
    ("v3_transaction", "trade_state"): "(<c>SUCCESS</c>, …)",
    ("v3_transaction", "success_time"): "(RFC 3339 as sent)",
    ("v3_refund", "refund_status"): "(<c>SUCCESS</c>, <c>CLOSED</c>, <c>ABNORMAL</c>)",
}

HEADER = """\
// <auto-generated>
// GENERATED by bindings/dotnet/gen/gen_views.py from tests/vectors/typed_views.json, the core's
// declaration of every typed view. DO NOT EDIT: regenerate with
// `python3 bindings/dotnet/gen/gen_views.py`; scripts/test-dotnet.sh fails when this file differs.
// </auto-generated>
using System.Collections.Generic;
using System.Text;

namespace WechatPay.Notify
{
"""


def pascal(snake: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in snake.split("_") if w)


# C# keywords a camelCase field name could collide with (written with the verbatim prefix @).
KEYWORDS = set(
    "abstract as base bool break byte case catch char checked class const continue decimal default "
    "delegate do double else enum event explicit extern false finally fixed float for foreach goto if "
    "implicit in int interface internal is lock long namespace new null object operator out override "
    "params private protected public readonly ref return sbyte sealed short sizeof stackalloc static "
    "string struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual "
    "void volatile while".split()
)


def camel(snake: str) -> str:
    p = pascal(snake)
    name = p[:1].lower() + p[1:]
    return "@" + name if name in KEYWORDS else name


def cs_string(text: str) -> str:
    return json.dumps(text)  # a C# regular string literal for ASCII names


def where(source: object) -> str:
    """Where the value is read, for the summary."""
    if source == "req_info":
        return " (from the decrypted <c>req_info</c>)"
    if source == "fields":
        return ""
    if isinstance(source, dict) and isinstance(source.get("resource"), list):
        return ""
    if source == "rule":
        return ""
    raise SystemExit(f"gen_views: unknown source {source!r} in {DECLARATION}")


def subject(prop: dict[str, object]) -> str:
    """The property's value as the protocol names it: the field, or the resource's JSON path."""
    source = prop["source"]
    if isinstance(source, dict):
        return "<c>" + ".".join(str(p) for p in source["resource"]) + "</c>"  # type: ignore[index]
    return f"<c>{prop['name']}</c>"


def summary(view: str, prop: dict[str, object]) -> list[str]:
    name, kind = str(prop["name"]), str(prop["kind"])
    note = NOTES.get((view, name))
    if prop["source"] == "rule":
        text = note or f"{subject(prop)}, by the core's rule."
    else:
        text = subject(prop) + where(prop["source"])
        if note and note.startswith("("):
            text += " " + note
            note = None
        text += " in fen" if kind == "amount" else ""
        text += "; null when absent." if kind in ("amount", "text", "sign_type") else "."
        if note:
            text += " " + note
    lines = ["/// <summary>" + text + "</summary>"]
    if kind == "amount":
        lines.append(
            '/// <exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another '
            "form than a non-negative integer (never read as absent).</exception>"
        )
    if kind == "coupons":
        lines.append(
            '/// <exception cref="WechatPayNotifyException"><c>missing_field</c>: the coupons cannot '
            "be listed.</exception>"
        )
    return lines


def wrap_doc(lines: list[str], indent: str) -> list[str]:
    """Wraps /// lines at about 110 columns."""
    out: list[str] = []
    for line in lines:
        words = line[4:].split(" ")
        current = indent + "///"
        for w in words:
            if len(current) + 1 + len(w) > 110 and current.strip() != "///":
                out.append(current)
                current = indent + "///"
            current += " " + w
        out.append(current)
    return out


def generate(declaration: dict[str, object]) -> str:
    views = declaration.get("views")
    if not isinstance(views, dict) or set(views) != set(CLASSES):
        raise SystemExit(
            f"gen_views: {DECLARATION} declares the views {sorted(views or {})}; "
            f"this binding maps {sorted(CLASSES)} (add the new view to CLASSES and a class for it)"
        )
    out = [HEADER]
    for view, cls in CLASSES.items():
        props: list[dict[str, object]] = views[view]
        for p in props:
            if p["kind"] not in KINDS:
                raise SystemExit(f"gen_views: {view}.{p['name']} has kind {p['kind']!r}, which this binding cannot read")
        i = "        "
        out.append(f"    public sealed partial class {cls}\n    {{\n")
        for p in props:
            field_type = KINDS[str(p["kind"])][1]
            out.append(f"{i}private {field_type} {camel(str(p['name']))};\n")
        out.append("\n")
        out.append(f"{i}/// <summary>Reads every typed property of the core's {view} view by name.</summary>\n")
        out.append(f"{i}private void ReadTypedProperties(ViewReader r)\n{i}{{\n")
        for p in props:
            read = KINDS[str(p["kind"])][2].format(name=cs_string(str(p["name"])))
            out.append(f"{i}    {camel(str(p['name']))} = {read};\n")
        out.append(f"{i}}}\n")
        for p in props:
            name, kind = str(p["name"]), str(p["kind"])
            prop_type, field_type, _ = KINDS[kind]
            out.append("\n")
            out.extend(line + "\n" for line in wrap_doc(summary(view, p), i))
            value = camel(name) + (".Value" if field_type.startswith("Typed<") else "")
            out.append(f"{i}public {prop_type} {pascal(name)}\n{i}{{\n{i}    get {{ return {value}; }}\n{i}}}\n")
        out.append("\n")
        out.append(f"{i}/// <summary>Every typed property as <c>name=value</c> (null when absent; an amount that\n")
        out.append(f"{i}/// cannot be read as <c>&lt;code&gt;</c>); no reading throws here.</summary>\n")
        out.append(f"{i}public override string ToString()\n{i}{{\n")
        out.append(f"{i}    var s = new StringBuilder(\"{cls}(\");\n")
        for n, p in enumerate(props):
            sep = "" if n == 0 else ", "
            out.append(f"{i}    ViewReader.Show(s, \"{sep}{p['name']}=\", {camel(str(p['name']))});\n")
        out.append(f"{i}    return s.Append(')').ToString();\n{i}}}\n")
        out.append("    }\n")
        if view != list(CLASSES)[-1]:
            out.append("\n")
    out.append("}\n")
    return "".join(out)


def main(argv: list[str]) -> int:
    check = argv[1:] == ["--check"]
    if argv[1:] not in ([], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    text = generate(json.loads(DECLARATION.read_text(encoding="utf-8")))
    rel = OUTPUT.relative_to(ROOT)
    if check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != text:
            print(
                f"gen_views: {rel} is not what {DECLARATION.relative_to(ROOT)} declares; "
                "run `python3 bindings/dotnet/gen/gen_views.py`",
                file=sys.stderr,
            )
            return 1
        print(f"gen_views: {rel} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"gen_views: wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
