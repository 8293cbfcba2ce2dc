#!/usr/bin/env python3
"""Checks the JNA declarations (bindings/java/.../NativeMethods.java) against the C header.

    python3 bindings/java/gen/check_native.py     exit 0 when they agree, 1 with every problem listed

include/wechatpay_notify.h is generated from the C ABI (and drift-checked by `cargo run -p gen-header
-- --check`); NativeMethods.java is written by hand and bound with JNA's direct mapping. The binding
loads only on 64-bit platforms (NativeLoader refuses others), where this compares the two:

- every function the header exports is declared `static native`, and nothing else;
- each declaration has the same number of parameters, and each parameter and return type passes as
  the C type does: every pointer is a `long` address, and an input of bytes (`const char *`,
  `const uint8_t *`) may also be a `byte[]` (JNA passes a pointer to the array's copy); `size_t` and
  `uint64_t` are `long`, `uint32_t` and the enums `int`, `uint16_t` `short`; C's one-byte `bool` is
  `byte` (JNA's `boolean` is a four-byte int), as a parameter and as a return value;
- the offsets and sizes in NativeMethods.Layout (STR_DATA, COUPON_FEE, HTTP_REPLY_SIZE, ...) are the
  header structs' on LP64 / LLP64 (C layout rules: each field at the next multiple of its alignment,
  the size rounded up to the struct's alignment), one constant per field and per struct, and no
  other.

Standard library only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "include" / "wechatpay_notify.h"
NATIVE = ROOT / "bindings" / "java" / "src" / "main" / "java" / "io" / "github" / "wechatpay_notify" / "NativeMethods.java"

# Scalars by value, 64-bit: the Java type each passes as.
SCALARS = {
    "size_t": "long",
    "uint64_t": "long",
    "uint32_t": "int",
    "uint16_t": "short",
    "wechatpay_api_version": "int",
    "wechatpay_property_kind": "int",
    "wechatpay_error_kind": "int",
    "bool": "byte",
}

# Size and alignment of the scalar field types (LP64 / LLP64: pointers and size_t are 8 bytes).
FIELD_SIZES = {
    "size_t": 8,
    "uint64_t": 8,
    "uint32_t": 4,
    "uint16_t": 2,
    "bool": 1,
    "wechatpay_property_kind": 4,
    "wechatpay_api_version": 4,
    "wechatpay_error_kind": 4,
}


def strip_c_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def norm(c_type: str) -> str:
    c_type = re.sub(r"\s+", " ", c_type.strip())
    return re.sub(r"\s*\*\s*", "*", c_type).replace("*", " *").replace(" *", "*").strip()


def split_decl(decl: str) -> tuple[str, str]:
    """`const struct wechatpay_str *value_out` -> (`const struct wechatpay_str*`, `value_out`)."""
    m = re.match(r"^(.*?)([A-Za-z_]\w*)$", decl.strip(), flags=re.S)
    if not m:
        raise ValueError(decl)
    return norm(m.group(1)), m.group(2)


def header_functions(text: str) -> dict[str, tuple[str, list[str]]]:
    text = strip_c_comments(text)
    out: dict[str, tuple[str, list[str]]] = {}
    for m in re.finditer(r"(?m)^([A-Za-z_][\w \*]*?)\b(wechatpay_\w+)\(([^;{}]*?)\);", text):
        ret, name, params = norm(m.group(1)), m.group(2), m.group(3).strip()
        types = [] if params in ("", "void") else [split_decl(p)[0] for p in params.split(",")]
        out[name] = (ret, types)
    return out


def header_structs(text: str) -> dict[str, list[tuple[str, str]]]:
    """struct name -> [(field type, field name)] in declaration order."""
    text = strip_c_comments(text)
    out: dict[str, list[tuple[str, str]]] = {}
    for m in re.finditer(r"typedef struct (wechatpay_\w+) \{(.*?)\} \1;", text, flags=re.S):
        out[m.group(1)] = [split_decl(f) for f in m.group(2).split(";") if f.strip()]
    return out


def layout(structs: dict[str, list[tuple[str, str]]], name: str) -> tuple[int, int, list[tuple[str, int]]]:
    """(size, alignment, [(field name, offset)]) of a header struct under C's layout rules."""
    offset, align, fields = 0, 1, []
    for c_type, field in structs[name]:
        m = re.match(r"^(const )?(struct )?(\w+)(\*+)?$", c_type)
        if not m:
            raise ValueError(c_type)
        base, stars = m.group(3), len(m.group(4) or "")
        if stars:
            size = field_align = 8
        elif base in structs:
            size, field_align, _ = layout(structs, base)
        elif base in FIELD_SIZES:
            size = field_align = FIELD_SIZES[base]
        else:
            raise ValueError(f"{name}.{field}: unknown field type {c_type}")
        offset = (offset + field_align - 1) // field_align * field_align
        fields.append((field, offset))
        offset += size
        align = max(align, field_align)
    return (offset + align - 1) // align * align, align, fields


def java_declarations(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (return type, [parameter types]) of every `static native` method."""
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    out: dict[str, tuple[str, list[str]]] = {}
    for m in re.finditer(r"\bstatic native ([\w\[\]]+) (\w+)\(([^;]*?)\);", text, flags=re.S):
        raw = re.sub(r"\s+", " ", m.group(3).strip())
        params = []
        for p in ([] if raw == "" else raw.split(",")):
            pm = re.match(r"^(?:final )?([\w\[\]]+) \w+$", p.strip())
            if not pm:
                raise ValueError(f"{m.group(2)}: cannot read the parameter {p!r}")
            params.append(pm.group(1))
        key = m.group(2) if m.group(2) not in out else m.group(2) + " (declared twice)"
        out[key] = (m.group(1), params)
    return out


def java_layout(text: str) -> dict[str, int]:
    m = re.search(r"static final class Layout \{(.*?)\n    \}", text, flags=re.S)
    if not m:
        return {}
    return {k: int(v) for k, v in re.findall(r"static final int (\w+) = (\d+);", m.group(1))}


def allowed(c_type: str, position: str) -> set[str]:
    """The Java types that pass as `c_type` (position: return or param)."""
    if c_type == "void":
        return {"void"} if position == "return" else set()
    if c_type in SCALARS:
        return {SCALARS[c_type]}
    m = re.match(r"^(const )?(struct )?(\w+)(\*+)$", c_type)
    if not m:
        return set()
    const, base, stars = bool(m.group(1)), m.group(3), len(m.group(4))
    types = {"long"}
    if position == "param" and const and stars == 1 and base in ("char", "uint8_t"):
        types.add("byte[]")
    return types


def main() -> int:
    header = HEADER.read_text(encoding="utf-8")
    native = NATIVE.read_text(encoding="utf-8")
    functions = header_functions(header)
    declared = java_declarations(native)
    problems: list[str] = []
    if len(functions) < 100:
        problems.append(f"only {len(functions)} functions read from {HEADER.name}: the parser is broken")
    for name in sorted(set(functions) - set(declared)):
        problems.append(f"{name} is exported by the header but not declared in NativeMethods.java")
    for name in sorted(set(declared) - set(functions)):
        problems.append(f"{name} is declared in NativeMethods.java but not exported by the header")
    for name in sorted(set(functions) & set(declared)):
        c_ret, c_params = functions[name]
        j_ret, j_params = declared[name]
        if len(c_params) != len(j_params):
            problems.append(f"{name}: {len(c_params)} parameters in C, {len(j_params)} in Java")
            continue
        if j_ret not in allowed(c_ret, "return"):
            problems.append(f"{name}: returns {c_ret} in C, {j_ret} in Java (allowed: {sorted(allowed(c_ret, 'return'))})")
        for i, (c_type, j_type) in enumerate(zip(c_params, j_params)):
            if j_type not in allowed(c_type, "param"):
                problems.append(f"{name}: parameter {i} is {c_type} in C, {j_type} in Java "
                                f"(allowed: {sorted(allowed(c_type, 'param'))})")
    structs = header_structs(header)
    expected: dict[str, int] = {}
    for struct in structs:
        prefix = struct[len("wechatpay_"):].upper()
        size, _, fields = layout(structs, struct)
        for field, offset in fields:
            expected[f"{prefix}_{field.upper()}"] = offset
        expected[f"{prefix}_SIZE"] = size
    if len(structs) < 5:
        problems.append(f"only {len(structs)} structs read from {HEADER.name}: the parser is broken")
    actual = java_layout(native)
    for name in sorted(set(expected) - set(actual)):
        problems.append(f"Layout.{name} (= {expected[name]}) is missing")
    for name in sorted(set(actual) - set(expected)):
        problems.append(f"Layout.{name} names no field of a header struct")
    for name in sorted(set(actual) & set(expected)):
        if actual[name] != expected[name]:
            problems.append(f"Layout.{name} is {actual[name]}, the header's layout gives {expected[name]}")
    if problems:
        print(f"check_native: NativeMethods.java does not match {HEADER.relative_to(ROOT)}:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"check_native: {len(functions)} functions and {len(structs)} struct layouts ({len(expected)} offsets "
          f"and sizes) of {HEADER.relative_to(ROOT)} match NativeMethods.java")
    return 0


if __name__ == "__main__":
    sys.exit(main())
