#!/usr/bin/env python3
"""Checks the P/Invoke declarations (bindings/dotnet/src/NativeMethods.cs) against the C header.

    python3 bindings/dotnet/gen/check_native.py     exit 0 when they agree, 1 with every problem listed

include/wechatpay_notify.h is generated from the C ABI (and drift-checked by `cargo run -p gen-header
-- --check`); NativeMethods.cs is written by hand. This compares the two:

- every function the header exports is declared, and nothing else;
- each declaration has the same number of parameters, and each parameter and return type is a .NET
  type that marshals as the C type does (size_t as UIntPtr, uint64_t as ulong, a handle as IntPtr or
  that handle's own SafeHandle class, an output pointer as `out` of the matching struct, ...);
- every `bool` is marshalled as one byte: `[return: MarshalAs(UnmanagedType.I1)]` on a bool return,
  `[MarshalAs(UnmanagedType.I1)]` on a bool parameter or field (the default would be a 4-byte Win32
  BOOL; C's bool is one byte);
- the structs (NativeStr, NativeField, ...) have the header structs' fields, in order, with
  matching types.

Standard library only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "include" / "wechatpay_notify.h"
NATIVE = ROOT / "bindings" / "dotnet" / "src" / "NativeMethods.cs"

I1 = "MarshalAs(UnmanagedType.I1)"

# The opaque handles: the SafeHandle class a P/Invoke may take for each (IntPtr is always allowed).
HANDLES = {
    "wechatpay_verifier": "Verifier.Handle",
    "wechatpay_verifier_builder": "Verifier.BuilderHandle",
    "wechatpay_v3_verifier": "V3Verifier.Handle",
    "wechatpay_v3_verifier_builder": "V3Verifier.BuilderHandle",
    "wechatpay_endpoint": "Endpoint.EndpointHandle",
    "wechatpay_endpoint_builder": "Endpoint.BuilderHandle",
    "wechatpay_endpoint_result": "EndpointResult.Handle",
    "wechatpay_payment": "PaymentNotification.Handle",
    "wechatpay_refund": "RefundNotification.Handle",
    "wechatpay_v3_notification": "V3Notification.Handle",
    "wechatpay_string": "NativeString.Handle",
    "wechatpay_error": None,  # always IntPtr: Native.Check / FromNative own it
}

# The header's structs and their .NET counterparts.
STRUCTS = {
    "wechatpay_str": "NativeStr",
    "wechatpay_field": "NativeField",
    "wechatpay_coupon": "NativeCoupon",
    "wechatpay_property": "NativeProperty",
    "wechatpay_http_reply": "NativeHttpReply",
}

# Scalars by value (the enums are `#[repr(u32)]`, passed as uint).
SCALARS = {
    "size_t": {"UIntPtr"},
    "uint64_t": {"ulong"},
    "uint32_t": {"uint"},
    "uint16_t": {"ushort"},
    "wechatpay_api_version": {"uint"},
    "wechatpay_property_kind": {"uint"},
    "wechatpay_error_kind": {"uint"},
    "bool": {"bool", "byte"},
}

# Pointers to scalars written by the callee.
OUT_SCALARS = {"uint64_t": {"out ulong"}, "size_t": {"out UIntPtr"}, "bool": {"out byte", "out bool"}}


def strip_c_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def norm(c_type: str) -> str:
    c_type = re.sub(r"\s+", " ", c_type.strip())
    return re.sub(r"\s*\*\s*", "*", c_type).replace("*", " *").replace(" *", "*").strip()


def split_param(decl: str) -> tuple[str, str]:
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
        types = [] if params in ("", "void") else [split_param(p)[0] for p in params.split(",")]
        out[name] = (ret, types)
    return out


def header_structs(text: str) -> dict[str, list[str]]:
    text = strip_c_comments(text)
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"typedef struct (wechatpay_\w+) \{(.*?)\} \1;", text, flags=re.S):
        fields = [split_param(f)[0] for f in m.group(2).split(";") if f.strip()]
        out[m.group(1)] = fields
    return out


def cs_declarations(text: str) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    """name -> (attributes before it, return type, [(parameter attributes, parameter type)])."""
    text = re.sub(r"//[^\n]*", " ", text)
    out: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    for m in re.finditer(r"public static extern ([\w.*]+) (\w+)\(([^;]*?)\);", text, flags=re.S):
        before = text[: m.start()]
        start = max(before.rfind(";"), before.rfind("{"), before.rfind("}"))
        attrs = before[start + 1 :]
        params = []
        raw = m.group(3).strip()
        for p in ([] if raw == "" else raw.split(",")):
            p = re.sub(r"\s+", " ", p.strip())
            pm = re.match(r"^((?:\[[^\]]*\]\s*)*)(.*?)\s*(\w+)$", p)
            if not pm:
                raise ValueError(p)
            params.append((pm.group(1), pm.group(2).strip()))
        if m.group(2) in out:
            out[m.group(2) + " (declared twice)"] = (attrs, m.group(1), params)
        out[m.group(2)] = (attrs, m.group(1), params)
    return out


def cs_structs(text: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for m in re.finditer(r"internal struct (\w+)\s*\{(.*?)\}", text, flags=re.S):
        fields = []
        for fm in re.finditer(r"((?:\[[^\]]*\]\s*)*)public ([\w.]+) \w+;", m.group(2)):
            fields.append((fm.group(1), fm.group(2)))
        out[m.group(1)] = fields
    return out


def allowed(c_type: str, position: str) -> set[str]:
    """The .NET types that marshal as `c_type` (position: return, param or field)."""
    if c_type == "void" and position == "return":
        return {"void"}
    if c_type in SCALARS:
        return set(SCALARS[c_type])
    m = re.match(r"^(const )?(struct )?(\w+)(\*+)?$", c_type)
    if not m:
        return set()
    const, base, stars = bool(m.group(1)), m.group(3), len(m.group(4) or "")
    if stars == 0 and base in STRUCTS:
        return {STRUCTS[base]}
    if stars == 1 and base in ("char", "uint8_t"):
        return {"IntPtr"} if position in ("return", "field") else {"byte*", "IntPtr"}
    if stars == 1 and base in HANDLES:
        handle = HANDLES[base]
        return {"IntPtr"} | ({handle} if handle and position == "param" else set())
    if stars == 2 and base in HANDLES and not const:
        return {"out IntPtr"}
    if stars == 1 and base in STRUCTS:
        if base == "wechatpay_field" and const:
            return {"NativeField*"}
        return set() if const else {"out " + STRUCTS[base]}
    if stars == 1 and base in OUT_SCALARS and not const:
        return set(OUT_SCALARS[base])
    return set()


def main() -> int:
    header = HEADER.read_text(encoding="utf-8")
    native = NATIVE.read_text(encoding="utf-8")
    functions = header_functions(header)
    declared = cs_declarations(native)
    problems: list[str] = []
    if len(functions) < 100:
        problems.append(f"only {len(functions)} functions read from {HEADER.name}: the parser is broken")
    for name in sorted(set(functions) - set(declared)):
        problems.append(f"{name} is exported by the header but not declared in NativeMethods.cs")
    for name in sorted(set(declared) - set(functions)):
        problems.append(f"{name} is declared in NativeMethods.cs but not exported by the header")
    for name in sorted(set(functions) & set(declared)):
        c_ret, c_params = functions[name]
        attrs, cs_ret, cs_params = declared[name]
        if "DllImport(Lib, CallingConvention = Cdecl)" not in attrs:
            problems.append(f"{name}: not [DllImport(Lib, CallingConvention = Cdecl)]")
        if len(c_params) != len(cs_params):
            problems.append(f"{name}: {len(c_params)} parameters in C, {len(cs_params)} in C#")
            continue
        if cs_ret not in allowed(c_ret, "return"):
            problems.append(f"{name}: returns {c_ret} in C, {cs_ret} in C#")
        if cs_ret == "bool" and "[return: " + I1 + "]" not in re.sub(r"\s+", " ", attrs):
            problems.append(f"{name}: a bool return without [return: {I1}]")
        for i, (c_type, (p_attrs, cs_type)) in enumerate(zip(c_params, cs_params)):
            if cs_type not in allowed(c_type, "param"):
                problems.append(f"{name}: parameter {i} is {c_type} in C, {cs_type} in C#")
            if cs_type.split(" ")[-1] == "bool" and I1 not in p_attrs:
                problems.append(f"{name}: the bool parameter {i} without [{I1}]")
    structs, cs = header_structs(header), cs_structs(native)
    for c_name, cs_name in STRUCTS.items():
        c_fields, cs_fields = structs.get(c_name), cs.get(cs_name)
        if c_fields is None or cs_fields is None:
            problems.append(f"struct {c_name} / {cs_name}: missing in the header or in NativeMethods.cs")
            continue
        if len(c_fields) != len(cs_fields):
            problems.append(f"{cs_name}: {len(c_fields)} fields in C, {len(cs_fields)} in C#")
            continue
        for i, (c_type, (f_attrs, cs_type)) in enumerate(zip(c_fields, cs_fields)):
            if cs_type not in allowed(c_type, "field"):
                problems.append(f"{cs_name}: field {i} is {c_type} in C, {cs_type} in C#")
            if cs_type == "bool" and I1 not in f_attrs:
                problems.append(f"{cs_name}: the bool field {i} without [{I1}]")
    if problems:
        print(f"check_native: NativeMethods.cs does not match {HEADER.relative_to(ROOT)}:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"check_native: {len(functions)} functions and {len(STRUCTS)} structs of "
          f"{HEADER.relative_to(ROOT)} match NativeMethods.cs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
