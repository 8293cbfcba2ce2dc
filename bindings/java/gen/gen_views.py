#!/usr/bin/env python3
"""Generates the typed properties of the Java result classes from the core's declaration.

    python3 bindings/java/gen/gen_views.py            rewrites the generated region of each class
    python3 bindings/java/gen/gen_views.py --check    exits 1 if a region differs (drift)

tests/vectors/typed_views.json is the core's one declaration of every typed view (typed_view! /
json_view! in crates/wechatpay-notify/src, written out by `cargo run -p xtask -- vectors`). Java has
no partial classes, so each result class (PaymentNotification, RefundNotification, V3Transaction,
V3Refund in bindings/java/src/main/java/io/github/wechatpay_notify/) is hand-written around one
region between the lines

    // BEGIN GENERATED typed properties ...
    // END GENERATED typed properties

which this script owns. For each view the region holds: a nested class TypedProperties with one
final field per typed property, of the Java type of its kind (text and sign_type: String, null when
absent; amount: Typed<OptionalLong>, whose accessor throws the core's error for an amount present in
another form; bool: boolean; coupons: Typed<List<Coupon>>), filled in its constructor by reading every
property by its snake_case name through the C ABI's by-name getters (ViewReader: the core decides
where each value comes from and what counts as present); one public lowerCamelCase accessor per
property (`total_fee` -> `totalFee()`, `is_success` -> `isSuccess()`), with its javadoc; and
toString, which shows every value and never throws. The hand-written part holds the class
documentation, the constructor (`typed = new TypedProperties(reader)`) and the other members; no
hand-written line names a typed property. Final fields throughout: an instance shared across threads
is safely published.

Standard library only; the output is deterministic (the declaration's order).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DECLARATION = ROOT / "tests" / "vectors" / "typed_views.json"
SOURCES = ROOT / "bindings" / "java" / "src" / "main" / "java" / "io" / "github" / "wechatpay_notify"

BEGIN = "    // BEGIN GENERATED typed properties"
END = "    // END GENERATED typed properties"

# The view in typed_views.json -> the Java class whose typed properties it declares.
CLASSES = {
    "payment": "PaymentNotification",
    "refund": "RefundNotification",
    "v3_transaction": "V3Transaction",
    "v3_refund": "V3Refund",
}

# Each kind: the accessor's return type, the field's type, how the constructor reads it, and how the
# accessor returns the field.
KINDS = {
    "text": ("String", "String", "r.text({const})", "{field}"),
    "sign_type": ("String", "String", "r.text({const})", "{field}"),
    "amount": ("OptionalLong", "Typed<OptionalLong>", "r.amount({const})", "{field}.get()"),
    "bool": ("boolean", "boolean", "r.bool({const})", "{field}"),
    "coupons": ("List<Coupon>", "Typed<List<Coupon>>", "r.coupons({const})", "{field}.get()"),
}

# What the declaration does not say: a sentence added to a property's generated javadoc. Optional.
NOTES = {
    ("payment", "total_fee"): "Compare it with your order before fulfilling it.",
    ("payment", "result_code"): "({@code SUCCESS} / {@code FAIL})",
    ("payment", "time_end"): "(yyyyMMddHHmmss, Beijing time)",
    ("payment", "sub_appid"): "(service-provider mode)",
    ("payment", "sub_mch_id"): "(service-provider mode)",
    ("payment", "sign_type"): "The algorithm the signature verified with ({@code MD5} / {@code HMAC-SHA256}).",
    ("payment", "is_success"): (
        "True when {@code return_code} and {@code result_code} are both {@code SUCCESS}. Acknowledge a "
        "verified notification with {@link Reply#success()} even when this is false."
    ),
    ("payment", "dedupe_key"): (
        "The idempotency key: record each notification once per key. A successful payment's "
        "{@code transaction_id} (the same as its APIv3 delivery's); for a payment that did not succeed, "
        "{@code transaction_id:RESULT_CODE} (e.g. {@code 4200000001:FAIL}), so a later success is not "
        "swallowed by the earlier failure. Null without a {@code transaction_id}."
    ),
    ("payment", "coupons"): (
        "The coupons from {@code coupon_{type,id,fee}_$n} (indices below {@code coupon_count} with a "
        "{@code coupon_id_$n}), an unmodifiable list."
    ),
    ("refund", "refund_status"): "({@code SUCCESS} / {@code CHANGE} / {@code REFUNDCLOSE})",
    ("refund", "success_time"): "(yyyy-MM-dd HH:mm:ss)",
    ("refund", "refund_recv_accout"): "(WeChat's spelling)",
    ("refund", "is_success"): "True when {@code refund_status} is {@code SUCCESS}.",
    ("refund", "dedupe_key"): (
        "The idempotency key: record each notification once per key. {@code refund_id:STATUS} with the "
        "status in APIv3's words ({@code SUCCESS}; {@code CHANGE} reads as {@code ABNORMAL}, "
        "{@code REFUNDCLOSE} as {@code CLOSED}), so an {@code ABNORMAL} delivery does not swallow the "
        "later {@code SUCCESS} and the v2 and v3 deliveries of one state share a key. A refund's state "
        "only moves forward ({@code ABNORMAL} to {@code SUCCESS} or {@code CLOSED}): never record it "
        "back. Null without a {@code refund_id}."
    ),
    ("v3_transaction", "amount_total"): "Compare it with your order before fulfilling it.",
    ("v3_transaction", "trade_type"): "({@code JSAPI}, {@code NATIVE}, {@code APP}, ...)",
    ("v3_transaction", "trade_state"): "({@code SUCCESS}, ...)",
    ("v3_transaction", "success_time"): "(RFC 3339 as sent)",
    ("v3_refund", "refund_status"): "({@code SUCCESS}, {@code CLOSED}, {@code ABNORMAL})",
}

KEYWORDS = set(
    "abstract assert boolean break byte case catch char class const continue default do double else enum "
    "extends final finally float for goto if implements import instanceof int interface long native new "
    "package private protected public return short static strictfp super switch synchronized this throw "
    "throws transient try void volatile while true false null var record yield".split()
)

# Accessor names the hand-written part or java.lang.Object already uses.
RESERVED = {"fields", "reqInfo", "get", "getReqInfo", "toString", "hashCode", "equals", "getClass",
            "notify", "notifyAll", "wait", "clone", "finalize"}


def camel(snake: str) -> str:
    words = [w for w in snake.split("_") if w]
    name = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return name + "_" if name in KEYWORDS else name


def constant(snake: str) -> str:
    return snake.upper()


def subject(prop: dict[str, object]) -> str:
    """The property's value as the protocol names it: the field, or the resource's JSON path."""
    source = prop["source"]
    if isinstance(source, dict):
        return "{@code " + ".".join(str(p) for p in source["resource"]) + "}"  # type: ignore[index]
    return "{@code " + str(prop["name"]) + "}"


def where(source: object) -> str:
    if source == "req_info":
        return " (from the decrypted {@code req_info})"
    if source in ("fields", "rule") or (isinstance(source, dict) and isinstance(source.get("resource"), list)):
        return ""
    raise SystemExit(f"gen_views: unknown source {source!r} in {DECLARATION}")


def javadoc(view: str, prop: dict[str, object]) -> list[str]:
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
        text += {"amount": "; empty when absent.", "text": "; null when absent.", "sign_type": "; null when absent."}.get(kind, ".")
        if note:
            text += " " + note
    lines = [text]
    if kind == "amount":
        lines.append("@throws NotifyException {@code missing_field}: present in another form than a non-negative "
                     "integer (never read as absent), or above {@link Long#MAX_VALUE}")
    if kind == "coupons":
        lines.append("@throws NotifyException {@code missing_field}: {@code coupon_count} or a "
                     "{@code coupon_fee_$n} was sent in another form than digits (the coupons cannot be listed)")
    return lines


def wrap(text: str, first: str, rest: str, width: int = 110) -> list[str]:
    """Wraps at about `width` columns, never inside an inline tag such as {@code transaction_id}."""
    words = re.findall(r"(?:\{@[^}]*\}|[^\s{])+|\{", text)
    out, current = [], first
    for word in words:
        if len(current) + 1 + len(word) > width and current != first:
            out.append(current)
            current = rest
        current += ("" if current in (first, rest) else " ") + word
    out.append(current)
    return out


def doc_block(lines: list[str], indent: str) -> list[str]:
    if len(lines) == 1 and len(indent + "/** " + lines[0] + " */") <= 110:
        return [indent + "/** " + lines[0] + " */"]
    out = [indent + "/**"]
    for n, line in enumerate(lines):
        if n > 0:
            out.append(indent + " *")
        out.extend(wrap(line, indent + " * ", indent + (" *     " if line.startswith("@") else " * ")))
    out.append(indent + " */")
    return out


def region(view: str, cls: str, props: list[dict[str, object]]) -> list[str]:
    i1, i2, i3 = "    ", "        ", "            "
    out: list[str] = []
    out.append(f"{i1}/** Every typed property of the core's {view} view, read by name when the notification is copied out. */")
    out.append(f"{i1}private static final class TypedProperties {{")
    for p in props:
        out.append(f"{i2}private static final byte[] {constant(str(p['name']))} = ViewReader.name(\"{p['name']}\");")
    out.append("")
    for p in props:
        out.append(f"{i2}final {KINDS[str(p['kind'])][1]} {camel(str(p['name']))};")
    out.append("")
    out.append(f"{i2}TypedProperties(ViewReader r) {{")
    for p in props:
        read = KINDS[str(p["kind"])][2].format(const=constant(str(p["name"])))
        out.append(f"{i3}{camel(str(p['name']))} = {read};")
    out.append(f"{i2}}}")
    out.append(f"{i1}}}")
    for p in props:
        ret, _, _, get = KINDS[str(p["kind"])]
        field = "typed." + camel(str(p["name"]))
        out.append("")
        out.extend(doc_block(javadoc(view, p), i1))
        out.append(f"{i1}public {ret} {camel(str(p['name']))}() {{")
        out.append(f"{i2}return {get.format(field=field)};")
        out.append(f"{i1}}}")
    out.append("")
    out.extend(doc_block(["Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot "
                          "be read as {@code <code>}); never throws."], i1))
    out.append(f"{i1}@Override")
    out.append(f"{i1}public String toString() {{")
    out.append(f"{i2}StringBuilder s = new StringBuilder(\"{cls}(\");")
    for n, p in enumerate(props):
        sep = "" if n == 0 else ", "
        field = "typed." + camel(str(p["name"]))
        shown = field + ".show()" if str(p["kind"]) in ("amount", "coupons") else field
        out.append(f"{i2}s.append(\"{sep}{p['name']}=\").append({shown});")
    out.append(f"{i2}return s.append(')').toString();")
    out.append(f"{i1}}}")
    return out


def generate(view: str, cls: str, props: list[dict[str, object]], text: str, path: Path) -> str:
    lines = text.split("\n")
    begins = [n for n, line in enumerate(lines) if line.startswith(BEGIN)]
    ends = [n for n, line in enumerate(lines) if line.startswith(END)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise SystemExit(f"gen_views: {path.relative_to(ROOT)} must hold one '{BEGIN.strip()}' line and one "
                         f"'{END.strip()}' line after it")
    for p in props:
        if p["kind"] not in KINDS:
            raise SystemExit(f"gen_views: {view}.{p['name']} has kind {p['kind']!r}, which this binding cannot read")
        if camel(str(p["name"])) in RESERVED:
            raise SystemExit(f"gen_views: {view}.{p['name']} would be named {camel(str(p['name']))}(), "
                             f"which {cls} already uses")
    return "\n".join(lines[: begins[0] + 1] + region(view, cls, props) + lines[ends[0]:])


def main(argv: list[str]) -> int:
    check = argv[1:] == ["--check"]
    if argv[1:] not in ([], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    declaration = json.loads(DECLARATION.read_text(encoding="utf-8"))
    views = declaration.get("views")
    if not isinstance(views, dict) or set(views) != set(CLASSES):
        raise SystemExit(f"gen_views: {DECLARATION} declares the views {sorted(views or {})}; this binding maps "
                         f"{sorted(CLASSES)} (add the new view to CLASSES and a class for it)")
    drift = []
    for view, cls in CLASSES.items():
        path = SOURCES / f"{cls}.java"
        current = path.read_text(encoding="utf-8")
        text = generate(view, cls, views[view], current, path)
        rel = path.relative_to(ROOT)
        if check:
            if text != current:
                drift.append(str(rel))
        elif text != current:
            path.write_text(text, encoding="utf-8")
            print(f"gen_views: wrote {rel}")
    if check:
        if drift:
            print(f"gen_views: {', '.join(drift)} not what {DECLARATION.relative_to(ROOT)} declares; "
                  "run `python3 bindings/java/gen/gen_views.py`", file=sys.stderr)
            return 1
        print(f"gen_views: the typed properties of {', '.join(CLASSES.values())} are what "
              f"{DECLARATION.relative_to(ROOT)} declares")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
