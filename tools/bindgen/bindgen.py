#!/usr/bin/env python3
"""The .NET and Java bindings' generator and checker: one tool, one backend per language for the syntax.

    python3 tools/bindgen/bindgen.py views  --lang dotnet|java            write the typed properties
    python3 tools/bindgen/bindgen.py views  --lang dotnet|java --check    exit 1 if they differ (drift)
    python3 tools/bindgen/bindgen.py native --lang dotnet|java [--check]  check the native declarations

`views` writes each result class's typed properties from tests/vectors/typed_views.json, the core's
one declaration of every typed view (typed_view! / json_view! in crates/wechatpay-notify/src, written
out by `cargo run -p xtask -- vectors`): for every property its name, kind, source and documentation
(`doc`). Per property the output holds a field of the language type of its kind, its read by name
through the C ABI's by-name getters (ViewReader: the core decides where each value comes from and
what counts as present), a public accessor documented with the core's `doc` (only its syntax is the
language's: `code` spans, the name of an absent value, what the kind adds: absence, exceptions) and
its place in toString. No per-property text lives here; a property added to the core needs only the
vectors and this tool.

- dotnet: bindings/dotnet/src/Views.g.cs, one part of each partial class (the hand-written part,
  src/*.cs, holds the class documentation, the constructor and the other members).
- java: the region between `// BEGIN GENERATED typed properties` and `// END GENERATED typed
  properties` of each class in bindings/java/src/main/java/io/github/wechatpay_notify (Java has no
  partial classes): a nested TypedProperties class of final fields, one accessor per property,
  toString.

`native` checks the hand-written native declarations against include/wechatpay_notify.h (generated
from the C ABI and drift-checked by `cargo run -p gen-header -- --check`); it writes nothing, so
`--check` is implied. Both languages: every function the header exports is declared and nothing else,
with the same number of parameters, each parameter and return type one that passes as the C type
does. On top of that:

- dotnet (bindings/dotnet/src/NativeMethods.cs, P/Invoke): each declaration is
  [DllImport(Lib, CallingConvention = Cdecl)]; every bool is marshalled as one byte
  (`[return: MarshalAs(UnmanagedType.I1)]` on a bool return, `[MarshalAs(UnmanagedType.I1)]` on a
  bool parameter or field: the default would be a 4-byte Win32 BOOL, C's bool is one byte); the
  structs (NativeStr, NativeField, ...) have the header structs' fields, in order, with matching types.
- java (NativeMethods.java, JNA direct mapping, 64-bit only): every pointer is a `long` address (an
  input of bytes may also be a `byte[]`), C's one-byte bool is `byte` (JNA's `boolean` is a
  four-byte int); the offsets and sizes in NativeMethods.Layout are the header structs' on LP64 /
  LLP64 (each field at the next multiple of its alignment, the size rounded up to the struct's
  alignment), one constant per field and per struct, and no other.

Standard library only; the output is deterministic (the declaration's order).
"""

from __future__ import annotations

import argparse
import json
from abc import ABC, abstractmethod
from functools import partial
import re
import sys
from pathlib import Path
from typing import Any, Callable, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
DECLARATION = ROOT / "tests" / "vectors" / "typed_views.json"
HEADER = ROOT / "include" / "wechatpay_notify.h"
SCHEMA = "wechatpay-notify/typed-views/1"
TOOL = "tools/bindgen/bindgen.py"

# The view in typed_views.json -> the class whose typed properties it declares (both languages).
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
# The views whose class shows itself in its hand-written part (its own fields first): no generated
# ToString / toString for them.
SHOWN_BY_HAND = {"endpoint_result"}
# The views whose generated ToString / toString shows only the properties the core marks `shown`, in
# that order (the notification's other properties hold the whole decrypted resource); every other
# view's shows every property.
SUMMARISED = {"v3_notification"}

WIDTH = 110

Prop = dict[str, Any]  # one entry of a view in typed_views.json: name, kind, source, doc


class Failure(Exception):
    """The declaration, the header or a source file cannot be read as this tool expects."""


def rel(path: Path) -> str:
    """`path` relative to the repository when it is in it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# ---- the declaration -------------------------------------------------------------------------

def load_views(kinds: set[str], path: Path = DECLARATION) -> dict[str, list[Prop]]:
    """The views of typed_views.json, each property checked: a known kind and a documentation."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise Failure(f"{rel(path)}: schema {data.get('schema')!r}, expected {SCHEMA!r}")
    views = data.get("views")
    if not isinstance(views, dict) or set(views) != set(CLASSES):
        raise Failure(f"{rel(path)} declares the views {sorted(views or {})}; this tool maps {sorted(CLASSES)} "
                      "(add the new view to CLASSES and a class for it in each binding)")
    for view, props in views.items():
        for p in props:
            if p.get("kind") not in kinds:
                raise Failure(f"{view}.{p.get('name')} has kind {p.get('kind')!r}, which this tool cannot read")
            if not isinstance(p.get("doc"), str) or not p["doc"].strip():
                raise Failure(f"{view}.{p['name']} has no doc in {rel(path)}: document it in the core's "
                              "declaration and run `cargo run -p xtask -- vectors`")
    return views


def shown_properties(view: str, props: list[Prop]) -> list[Prop]:
    """What the generated ToString / toString shows: the properties the core marks `shown`, in that
    order, for a view of SUMMARISED; every property for the others."""
    if view not in SUMMARISED:
        return props
    marked = sorted((p for p in props if "shown" in p), key=lambda p: p["shown"])
    if [p["shown"] for p in marked] != list(range(len(marked))) or not marked:
        raise Failure(f"{view}: the places of its shown properties are {[p['shown'] for p in marked]}, "
                      "expected 0, 1, ...")
    return marked


def words(snake: str) -> list[str]:
    return [w for w in snake.split("_") if w]


def pascal(snake: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(snake))


def lower_camel(snake: str) -> str:
    p = pascal(snake)
    return p[:1].lower() + p[1:]


# ---- documentation ---------------------------------------------------------------------------

class DocSyntax(NamedTuple):
    """How a language writes the core's documentation."""

    escape: Callable[[str], str]  # text outside a code span
    code: Callable[[str], str]  # a code span's content
    absent: Callable[[str], str]  # the words for an absent value of a kind ("null", "empty")


def render_doc(text: str, syntax: DocSyntax, kind: str) -> str:
    """The core's doc (`code` in backticks, an absent value named `None`) in a language's syntax."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        raise Failure(f"an unclosed code span in {text!r}")
    out = []
    for n, part in enumerate(parts):
        if n % 2 == 0:
            out.append(syntax.escape(part))
        elif part == "None":
            out.append(syntax.escape(syntax.absent(kind)))
        else:
            out.append(syntax.code(part))
    return "".join(out)


def summary(prop: Prop, syntax: DocSyntax, tails: dict[str, str]) -> str:
    """A property's documentation: the core's doc, then what its kind says when it is read from a
    document (a rule's doc says it itself)."""
    text = render_doc(prop["doc"], syntax, prop["kind"])
    tail = tails.get(prop["kind"]) if prop["source"] != "rule" else None
    if tail:
        text = (text[:-1] if text.endswith(".") else text) + tail
    return text


def wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """Wraps at `width` columns, between words, never inside an inline tag such as {@code a b}."""
    tokens: list[str] = []
    for word in text.split(" "):
        if tokens and tokens[-1].count("{") > tokens[-1].count("}"):
            tokens[-1] += " " + word
        elif word:
            tokens.append(word)
    lines: list[str] = []
    line = first
    empty = True
    for token in tokens:
        if not empty and len(line) + 1 + len(token) > width:
            lines.append(line)
            line, empty = rest, True
        line += ("" if empty else " ") + token
        empty = False
    lines.append(line)
    return lines


# ---- writing files ---------------------------------------------------------------------------

class Output(NamedTuple):
    """A file this tool owns wholly or in part: its path and its text given the current one."""

    path: Path
    render: Callable[[str | None], str]


def write(outputs: list[Output], check: bool, what: str, fix: str) -> int:
    drift = []
    for out in outputs:
        current = out.path.read_text(encoding="utf-8") if out.path.exists() else None
        text = out.render(current)
        if text == current:
            continue
        if check:
            drift.append(rel(out.path))
        else:
            out.path.write_text(text, encoding="utf-8")
            print(f"bindgen: wrote {rel(out.path)}")
    if drift:
        print(f"bindgen: {', '.join(drift)} not what {rel(DECLARATION)} declares; run `{fix}`", file=sys.stderr)
        return 1
    if check:
        print(f"bindgen: {what} are what {rel(DECLARATION)} declares")
    return 0


def replace_region(text: str | None, path: Path, begin: str, end: str, body: list[str]) -> str:
    """`text` with the lines from the one starting with `begin` to the one starting with `end` (both
    kept) holding `body`; the begin line itself is rewritten to `begin`."""
    if text is None:
        raise Failure(f"{rel(path)} is missing")
    lines = text.split("\n")
    begins = [n for n, line in enumerate(lines) if line.startswith(begin.split(" (")[0])]
    ends = [n for n, line in enumerate(lines) if line.startswith(end)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise Failure(f"{rel(path)} must hold one '{begin.split(' (')[0].strip()}' line and one "
                      f"'{end.strip()}' line after it")
    return "\n".join(lines[: begins[0]] + [begin] + body + lines[ends[0]:])


# ---- the verifiers' settings ------------------------------------------------------------------

# The class of each verifier's settings (the same name in both bindings).
SETTINGS_CLASSES = {"v2_verifier": "Verifier", "v3_verifier": "V3Verifier", "merchant_profile": "MerchantProfile"}
# The .NET source file of a class that has none of its own name.
DOTNET_SOURCE = {"MerchantProfile": "Endpoint.cs"}
# The Java classes configured by one constructor taking every setting (a verifier has a builder).
JAVA_CONSTRUCTED = {"MerchantProfile"}


def load_settings(path: Path = DECLARATION) -> dict[str, list[dict[str, Any]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    settings = data.get("settings")
    if not isinstance(settings, dict) or set(settings) != set(SETTINGS_CLASSES):
        raise Failure(f"{rel(path)} declares the settings of {sorted(settings or {})}; this tool maps "
                      f"{sorted(SETTINGS_CLASSES)}")
    return settings


def parameter_names(params: str) -> list[str]:
    """The names of a C# or Java parameter list (`Type name = default, ...`), generics and
    defaults allowed."""
    names, depth, current = [], 0, ""
    for ch in params + ",":
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            decl = current.split("=")[0].split()
            if decl:
                names.append(decl[-1])
            current = ""
        else:
            current += ch
    return names


def check_settings(lang: str) -> list[str]:
    """The hand-written configuration API of the .NET or Java binding against the core's
    declaration of the settings of the verifiers and the merchant profile: .NET, a public
    constructor taking exactly the declared settings in the core's order (camelCase); Java, for a
    verifier `builder(...)` taking the required key and algorithm, and one Builder method per other
    setting (the trusted keys by `trustedKeys`, which also takes a TrustedKeys), for the profile a
    public constructor as in .NET. A setting the core adds, drops or renames fails the check."""
    problems = []
    for view, cls in SETTINGS_CLASSES.items():
        declared = load_settings()[view]
        names = [lower_camel(x["name"]) for x in declared]
        if lang == "dotnet":
            path = ROOT / "bindings" / "dotnet" / "src" / DOTNET_SOURCE.get(cls, f"{cls}.cs")
            text = path.read_text(encoding="utf-8")
        else:
            path = ROOT / "bindings" / "java" / "src" / "main" / "java" / "io" / "github" / "wechatpay_notify" / f"{cls}.java"
            text = path.read_text(encoding="utf-8")
        if lang == "dotnet" or cls in JAVA_CONSTRUCTED:
            found = [parameter_names(m[1]) for m in
                     re.finditer(rf"public (?:unsafe )?{cls}\(([^)]*(?:\([^)]*\)[^)]*)*)\)", text)]
            if names not in found:
                problems.append(f"{rel(path)}: no public constructor takes ({', '.join(names)}), the settings "
                                f"the core declares for {view}; found {found}")
        else:
            builders = [parameter_names(m[1]) for m in re.finditer(r"public static Builder builder\(([^)]*)\)", text)]
            positional = [lower_camel(x["name"]) for x in declared if x["required"] and x["kind"] != "trusted_keys"]
            if not builders or any(b != positional for b in builders):
                problems.append(f"{rel(path)}: builder(...) must take ({', '.join(positional)}), the required "
                                f"settings the core declares for {view}; found {builders}")
            for x in declared:
                if x["required"] and x["kind"] != "trusted_keys":
                    continue
                method = "trustedKeys" if x["kind"] == "trusted_keys" else lower_camel(x["name"])
                if not re.search(rf"public synchronized Builder {method}\(", text):
                    problems.append(f"{rel(path)}: {cls}.Builder has no method {method}(...) for the setting "
                                    f"{x['name']} the core declares")
    return problems


# ---- the C header ----------------------------------------------------------------------------

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
        raise Failure(f"cannot read the C declaration {decl!r}")
    return norm(m.group(1)), m.group(2)


def header_functions(text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (return type, [parameter types]) of every function the header declares."""
    text = strip_c_comments(text)
    out: dict[str, tuple[str, list[str]]] = {}
    for m in re.finditer(r"(?m)^([A-Za-z_][\w \*]*?)\b(wechatpay_\w+)\(([^;{}]*?)\);", text):
        ret, name, params = norm(m.group(1)), m.group(2), m.group(3).strip()
        out[name] = (ret, [] if params in ("", "void") else [split_decl(p)[0] for p in params.split(",")])
    return out


def header_structs(text: str) -> dict[str, list[tuple[str, str]]]:
    """struct name -> [(field type, field name)] in declaration order."""
    text = strip_c_comments(text)
    out: dict[str, list[tuple[str, str]]] = {}
    for m in re.finditer(r"typedef struct (wechatpay_\w+) \{(.*?)\} \1;", text, flags=re.S):
        out[m.group(1)] = [split_decl(f) for f in m.group(2).split(";") if f.strip()]
    return out


def pointer(c_type: str) -> tuple[bool, str, int] | None:
    """(const, base type, number of stars) of a C type, None when it is not `[const] [struct] name*...`."""
    m = re.match(r"^(const )?(struct )?(\w+)(\*+)?$", c_type)
    return (bool(m.group(1)), m.group(3), len(m.group(4) or "")) if m else None


class Param(NamedTuple):
    type: str
    attrs: str  # the parameter's attributes ([MarshalAs(...)]); empty in Java


class Declaration(NamedTuple):
    attrs: str  # what precedes the declaration (C#: its attributes)
    ret: str
    params: list[Param]


def check_native(lang: Backend) -> int:
    header = HEADER.read_text(encoding="utf-8")
    native = lang.native_file.read_text(encoding="utf-8")
    functions, structs = header_functions(header), header_structs(header)
    declared = lang.native_declarations(native)
    name_of = lang.native_file.name
    problems: list[str] = []
    if len(functions) < 100:
        problems.append(f"only {len(functions)} functions read from {HEADER.name}: the parser is broken")
    if len(structs) < 5:
        problems.append(f"only {len(structs)} structs read from {HEADER.name}: the parser is broken")
    for name in sorted(set(functions) - set(declared)):
        problems.append(f"{name} is exported by the header but not declared in {name_of}")
    for name in sorted(set(declared) - set(functions)):
        problems.append(f"{name} is declared in {name_of} but not exported by the header")
    for name in sorted(set(functions) & set(declared)):
        c_ret, c_params = functions[name]
        decl = declared[name]
        problems += [f"{name}: {p}" for p in lang.check_attrs(decl)]
        if len(c_params) != len(decl.params):
            problems.append(f"{name}: {len(c_params)} parameters in C, {len(decl.params)} in {lang.language}")
            continue
        allowed = lang.allowed(c_ret, "return")
        if decl.ret not in allowed:
            problems.append(f"{name}: returns {c_ret} in C, {decl.ret} in {lang.language} (allowed: {sorted(allowed)})")
        for i, (c_type, param) in enumerate(zip(c_params, decl.params)):
            allowed = lang.allowed(c_type, "param")
            if param.type not in allowed:
                problems.append(f"{name}: parameter {i} is {c_type} in C, {param.type} in {lang.language} "
                                f"(allowed: {sorted(allowed)})")
            problems += [f"{name}: {p}" for p in lang.check_param(i, param)]
    struct_problems, structs_checked = lang.check_structs(structs, native)
    problems += struct_problems
    if problems:
        print(f"bindgen native: {name_of} does not match {rel(HEADER)}:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"bindgen native: {len(functions)} functions and {structs_checked} of {rel(HEADER)} match {name_of}")
    return 0


# ---- the backends ----------------------------------------------------------------------------

class Backend(ABC):
    """A language: the syntax of its typed properties and of its native declarations."""

    language = ""
    native_file: Path
    kinds: dict[str, tuple[str, ...]]

    @abstractmethod
    def views(self, views: dict[str, list[Prop]]) -> list[Output]:
        """The files (or regions) holding the typed properties of every view."""

    @abstractmethod
    def native_declarations(self, text: str) -> dict[str, Declaration]:
        """name -> declaration of every native function the language's source declares."""

    @abstractmethod
    def allowed(self, c_type: str, position: str) -> set[str]:
        """The types of this language that pass as `c_type` (position: return, param or field)."""

    def check_attrs(self, decl: Declaration) -> list[str]:
        """Problems with a declaration's attributes (none unless the language has some)."""
        return []

    def check_param(self, index: int, param: Param) -> list[str]:
        """Problems with a parameter beyond its type (none unless the language has some)."""
        return []

    @abstractmethod
    def check_structs(self, structs: dict[str, list[tuple[str, str]]], native: str) -> tuple[list[str], str]:
        """Problems with the language's view of the header's structs, and what was checked."""


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DotNet(Backend):
    language = "C#"
    output = ROOT / "bindings" / "dotnet" / "src" / "Views.g.cs"
    native_file = ROOT / "bindings" / "dotnet" / "src" / "NativeMethods.cs"

    # Each kind: the property's .NET type, the field's type, and how ReadTypedProperties reads it.
    kinds = {
        "text": ("string", "string", "r.Text({name})"),
        "string": ("string", "string", "r.RequiredText({name})"),
        "sign_type": ("string", "string", "r.Text({name})"),
        "amount": ("ulong?", "Typed<ulong?>", "r.Amount({name})"),
        "bool": ("bool", "bool", "r.Bool({name})"),
        "coupons": ("IReadOnlyList<Coupon>", "Typed<IReadOnlyList<Coupon>>", "r.Coupons({name})"),
    }
    syntax = DocSyntax(escape=xml_escape, code=lambda c: f"<c>{xml_escape(c)}</c>", absent=lambda kind: "null")
    tails = {"text": "; null when absent.", "sign_type": "; null when absent.", "amount": "; null when absent."}
    throws = {
        "amount": '<exception cref="WechatPayNotifyException"><c>missing_field</c>: present in another form '
                  "than a non-negative integer (never read as absent).</exception>",
        "coupons": '<exception cref="WechatPayNotifyException"><c>missing_field</c>: the coupons cannot be '
                   "listed.</exception>",
    }
    # C# keywords a camelCase field name could collide with (written with the verbatim prefix @).
    keywords = set(
        "abstract as base bool break byte case catch char checked class const continue decimal default "
        "delegate do double else enum event explicit extern false finally fixed float for foreach goto if "
        "implicit in int interface internal is lock long namespace new null object operator out override "
        "params private protected public readonly ref return sbyte sealed short sizeof stackalloc static "
        "string struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual "
        "void volatile while".split()
    )
    header = f"""\
// <auto-generated>
// GENERATED by `{TOOL} views --lang dotnet` from tests/vectors/typed_views.json, the
// core's declaration of every typed view. DO NOT EDIT: regenerate with
// `python3 {TOOL} views --lang dotnet`; scripts/test-dotnet.sh fails when this
// file differs.
// </auto-generated>
using System.Collections.Generic;
using System.Text;

namespace WechatPay.Notify
{{
"""

    def camel(self, snake: str) -> str:
        name = lower_camel(snake)
        return "@" + name if name in self.keywords else name

    def doc(self, prop: Prop, indent: str) -> list[str]:
        out = wrap("<summary>" + summary(prop, self.syntax, self.tails) + "</summary>", indent + "/// ", indent + "/// ")
        if prop["kind"] in self.throws:
            out += wrap(self.throws[prop["kind"]], indent + "/// ", indent + "/// ")
        return out

    def view_class(self, view: str, cls: str, props: list[Prop]) -> list[str]:
        i = "        "
        out = [f"    public sealed partial class {cls}", "    {"]
        out += [f"{i}private {self.kinds[p['kind']][1]} {self.camel(p['name'])};" for p in props]
        out += ["", f"{i}/// <summary>Reads every typed property of the core's {view} view by name.</summary>",
                f"{i}private void ReadTypedProperties(ViewReader r)", f"{i}{{"]
        for p in props:
            out.append(f"{i}    {self.camel(p['name'])} = {self.kinds[p['kind']][2].format(name=json.dumps(p['name']))};")
        out.append(f"{i}}}")
        for p in props:
            prop_type, field_type, _ = self.kinds[p["kind"]]
            value = self.camel(p["name"]) + (".Value" if field_type.startswith("Typed<") else "")
            out += ["", *self.doc(p, i), f"{i}public {prop_type} {pascal(p['name'])}", f"{i}{{",
                    f"{i}    get {{ return {value}; }}", f"{i}}}"]
        if view in SHOWN_BY_HAND:
            return out + ["    }"]
        what = "The properties that identify it" if view in SUMMARISED else "Every typed property"
        out += ["",
                f"{i}/// <summary>{what} as <c>name=value</c> (null when absent; an amount that",
                f"{i}/// cannot be read as <c>&lt;code&gt;</c>); no reading throws here.</summary>",
                f"{i}public override string ToString()", f"{i}{{",
                f'{i}    var s = new StringBuilder("{cls}(");']
        for n, p in enumerate(shown_properties(view, props)):
            out.append(f'{i}    ViewReader.Show(s, "{"" if n == 0 else ", "}{p["name"]}=", {self.camel(p["name"])});')
        out += [f"{i}    return s.Append(')').ToString();", f"{i}}}", "    }"]
        return out

    def views(self, views: dict[str, list[Prop]]) -> list[Output]:
        body: list[str] = []
        for view, cls in CLASSES.items():
            body += ([""] if body else []) + self.view_class(view, cls, views[view])
        text = self.header + "\n".join(body) + "\n}\n"
        return [Output(self.output, lambda _current: text)]

    # -- P/Invoke --

    I1 = "MarshalAs(UnmanagedType.I1)"
    # The opaque handles: the SafeHandle class a P/Invoke may take for each (IntPtr is always allowed).
    handles = {
        "wechatpay_verifier": "Verifier.Handle",
        "wechatpay_verifier_builder": "Verifier.BuilderHandle",
        "wechatpay_v3_verifier": "V3Verifier.Handle",
        "wechatpay_v3_verifier_builder": "V3Verifier.BuilderHandle",
        "wechatpay_trusted_keys": "TrustedKeys.Handle",
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
    structs = {
        "wechatpay_str": "NativeStr",
        "wechatpay_field": "NativeField",
        "wechatpay_coupon": "NativeCoupon",
        "wechatpay_property": "NativeProperty",
        "wechatpay_http_reply": "NativeHttpReply",
    }
    # Scalars by value (the enums are `#[repr(u32)]`, passed as uint).
    scalars = {
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
    out_scalars = {"uint64_t": {"out ulong"}, "size_t": {"out UIntPtr"}, "bool": {"out byte", "out bool"},
                   "wechatpay_api_version": {"out uint"}}

    def native_declarations(self, text: str) -> dict[str, Declaration]:
        text = re.sub(r"//[^\n]*", " ", text)
        out: dict[str, Declaration] = {}
        for m in re.finditer(r"public static extern ([\w.*]+) (\w+)\(([^;]*?)\);", text, flags=re.S):
            before = text[: m.start()]
            attrs = before[max(before.rfind(";"), before.rfind("{"), before.rfind("}")) + 1:]
            params = []
            raw = m.group(3).strip()
            for p in ([] if raw == "" else raw.split(",")):
                pm = re.match(r"^((?:\[[^\]]*\]\s*)*)(.*?)\s*(\w+)$", re.sub(r"\s+", " ", p.strip()))
                if not pm:
                    raise Failure(f"{m.group(2)}: cannot read the parameter {p!r}")
                params.append(Param(pm.group(2).strip(), pm.group(1)))
            key = m.group(2) if m.group(2) not in out else m.group(2) + " (declared twice)"
            out[key] = Declaration(attrs, m.group(1), params)
        return out

    def allowed(self, c_type: str, position: str) -> set[str]:
        if c_type == "void" and position == "return":
            return {"void"}
        if c_type in self.scalars:
            return set(self.scalars[c_type])
        parts = pointer(c_type)
        if parts is None:
            return set()
        const, base, stars = parts
        if stars == 0 and base in self.structs:
            return {self.structs[base]}
        if stars == 1 and base in ("char", "uint8_t"):
            return {"IntPtr"} if position in ("return", "field") else {"byte*", "IntPtr"}
        if stars == 1 and base in self.handles:
            handle = self.handles[base]
            return {"IntPtr"} | ({handle} if handle and position == "param" else set())
        if stars == 2 and base in self.handles and not const:
            return {"out IntPtr"}
        if stars == 1 and base in self.structs:
            if base == "wechatpay_field" and const:
                return {"NativeField*"}
            if base == "wechatpay_http_reply" and const:
                return {"ref NativeHttpReply"}  # a blittable struct: passed by address
            return set() if const else {"out " + self.structs[base]}
        if stars == 1 and base in self.out_scalars and not const:
            return set(self.out_scalars[base])
        return set()

    def check_attrs(self, decl: Declaration) -> list[str]:
        problems = []
        if "DllImport(Lib, CallingConvention = Cdecl)" not in decl.attrs:
            problems.append("not [DllImport(Lib, CallingConvention = Cdecl)]")
        if decl.ret == "bool" and f"[return: {self.I1}]" not in re.sub(r"\s+", " ", decl.attrs):
            problems.append(f"a bool return without [return: {self.I1}]")
        return problems

    def check_param(self, index: int, param: Param) -> list[str]:
        if param.type.split(" ")[-1] == "bool" and self.I1 not in param.attrs:
            return [f"the bool parameter {index} without [{self.I1}]"]
        return []

    def check_structs(self, structs: dict[str, list[tuple[str, str]]], native: str) -> tuple[list[str], str]:
        ours: dict[str, list[Param]] = {}
        for m in re.finditer(r"internal struct (\w+)\s*\{(.*?)\}", native, flags=re.S):
            ours[m.group(1)] = [Param(f.group(2), f.group(1))
                                for f in re.finditer(r"((?:\[[^\]]*\]\s*)*)public ([\w.]+) \w+;", m.group(2))]
        problems = []
        for c_name, cs_name in self.structs.items():
            c_fields, cs_fields = structs.get(c_name), ours.get(cs_name)
            if c_fields is None or cs_fields is None:
                problems.append(f"struct {c_name} / {cs_name}: missing in the header or in {self.native_file.name}")
                continue
            if len(c_fields) != len(cs_fields):
                problems.append(f"{cs_name}: {len(c_fields)} fields in C, {len(cs_fields)} in C#")
                continue
            for i, ((c_type, _), field) in enumerate(zip(c_fields, cs_fields)):
                if field.type not in self.allowed(c_type, "field"):
                    problems.append(f"{cs_name}: field {i} is {c_type} in C, {field.type} in C#")
                if field.type == "bool" and self.I1 not in field.attrs:
                    problems.append(f"{cs_name}: the bool field {i} without [{self.I1}]")
        return problems, f"{len(self.structs)} structs"


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def java_code(code: str) -> str:
    if code.count("{") != code.count("}") or "*/" in code:
        raise Failure(f"the code span {code!r} cannot be written as {{@code ...}} (unbalanced braces or */)")
    return "{@code " + code + "}"


class Java(Backend):
    language = "Java"
    sources = ROOT / "bindings" / "java" / "src" / "main" / "java" / "io" / "github" / "wechatpay_notify"
    native_file = sources / "NativeMethods.java"

    begin = f"    // BEGIN GENERATED typed properties ({TOOL} views --lang java; do not edit)"
    end = "    // END GENERATED typed properties"

    # Each kind: the accessor's return type, the field's type, how the constructor reads it, and how the
    # accessor returns the field.
    kinds = {
        "text": ("String", "String", "r.text({const})", "{field}"),
        "string": ("String", "String", "r.requiredText({const})", "{field}"),
        "sign_type": ("String", "String", "r.text({const})", "{field}"),
        "amount": ("OptionalLong", "Typed<OptionalLong>", "r.amount({const})", "{field}.get()"),
        "bool": ("boolean", "boolean", "r.bool({const})", "{field}"),
        "coupons": ("List<Coupon>", "Typed<List<Coupon>>", "r.coupons({const})", "{field}.get()"),
    }
    syntax = DocSyntax(escape=html_escape, code=java_code, absent=lambda kind: "empty" if kind == "amount" else "null")
    tails = {"text": "; null when absent.", "sign_type": "; null when absent.", "amount": "; empty when absent."}
    extra = {"coupons": " The list is unmodifiable."}
    throws = {
        "amount": "@throws NotifyException {@code missing_field}: present in another form than a non-negative "
                  "integer (never read as absent), or above {@link Long#MAX_VALUE}",
        "coupons": "@throws NotifyException {@code missing_field}: the coupons cannot be listed",
    }
    keywords = set(
        "abstract assert boolean break byte case catch char class const continue default do double else enum "
        "extends final finally float for goto if implements import instanceof int interface long native new "
        "package private protected public return short static strictfp super switch synchronized this throw "
        "throws transient try void volatile while true false null var record yield".split()
    )
    # Accessor names the hand-written part or java.lang.Object already uses.
    reserved = {"fields", "reqInfo", "get", "getReqInfo", "toString", "hashCode", "equals", "getClass",
                "notify", "notifyAll", "wait", "clone", "finalize"}

    def camel(self, snake: str) -> str:
        name = lower_camel(snake)
        return name + "_" if name in self.keywords else name

    def doc(self, paragraphs: list[str], indent: str) -> list[str]:
        one = f"{indent}/** {paragraphs[0]} */"
        if len(paragraphs) == 1 and len(one) <= WIDTH:
            return [one]
        out = [indent + "/**"]
        for n, text in enumerate(paragraphs):
            if n > 0:
                out.append(indent + " *")
            out += wrap(text, indent + " * ", indent + (" *     " if text.startswith("@") else " * "))
        return out + [indent + " */"]

    def region(self, view: str, cls: str, props: list[Prop]) -> list[str]:
        i1, i2, i3 = "    ", "        ", "            "
        out = [f"{i1}/** Every typed property of the core's {view} view, read by name when the notification is copied out. */",
               f"{i1}private static final class TypedProperties {{"]
        out += [f'{i2}private static final byte[] {p["name"].upper()} = ViewReader.name("{p["name"]}");' for p in props]
        out += [""] + [f"{i2}final {self.kinds[p['kind']][1]} {self.camel(p['name'])};" for p in props]
        out += ["", f"{i2}TypedProperties(ViewReader r) {{"]
        out += [f"{i3}{self.camel(p['name'])} = {self.kinds[p['kind']][2].format(const=p['name'].upper())};" for p in props]
        out += [f"{i2}}}", f"{i1}}}"]
        for p in props:
            ret, _, _, get = self.kinds[p["kind"]]
            paragraphs = [summary(p, self.syntax, self.tails) + self.extra.get(p["kind"], "")]
            if p["kind"] in self.throws:
                paragraphs.append(self.throws[p["kind"]])
            out += ["", *self.doc(paragraphs, i1), f"{i1}public {ret} {self.camel(p['name'])}() {{",
                    f"{i2}return {get.format(field='typed.' + self.camel(p['name']))};", f"{i1}}}"]
        if view in SHOWN_BY_HAND:
            return out
        what = "The properties that identify it" if view in SUMMARISED else "Every typed property"
        out += ["", *self.doc([what + " as {@code name=value} ({@code null} when absent; an amount that "
                               "cannot be read as {@code <code>}); never throws."], i1),
                f"{i1}@Override", f"{i1}public String toString() {{", f'{i2}StringBuilder s = new StringBuilder("{cls}(");']
        for n, p in enumerate(shown_properties(view, props)):
            field = "typed." + self.camel(p["name"])
            shown = field + ".show()" if p["kind"] in ("amount", "coupons") else field
            out.append(f'{i2}s.append("{"" if n == 0 else ", "}{p["name"]}=").append({shown});')
        return out + [f"{i2}return s.append(')').toString();", f"{i1}}}"]

    def views(self, views: dict[str, list[Prop]]) -> list[Output]:
        outputs = []
        for view, cls in CLASSES.items():
            for p in views[view]:
                if self.camel(p["name"]) in self.reserved:
                    raise Failure(f"{view}.{p['name']} would be named {self.camel(p['name'])}(), which {cls} already uses")
            path = self.sources / f"{cls}.java"
            body = self.region(view, cls, views[view])
            outputs.append(Output(path, partial(replace_region, path=path, begin=self.begin, end=self.end, body=body)))
        return outputs

    # -- JNA --

    # Scalars by value, 64-bit: the Java type each passes as.
    scalars = {
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
    field_sizes = {
        "size_t": 8,
        "uint64_t": 8,
        "uint32_t": 4,
        "uint16_t": 2,
        "bool": 1,
        "wechatpay_property_kind": 4,
        "wechatpay_api_version": 4,
        "wechatpay_error_kind": 4,
    }

    def native_declarations(self, text: str) -> dict[str, Declaration]:
        text = re.sub(r"/\*.*?\*/", " ", re.sub(r"//[^\n]*", " ", text), flags=re.S)
        out: dict[str, Declaration] = {}
        for m in re.finditer(r"\bstatic native ([\w\[\]]+) (\w+)\(([^;]*?)\);", text, flags=re.S):
            raw = re.sub(r"\s+", " ", m.group(3).strip())
            params = []
            for p in ([] if raw == "" else raw.split(",")):
                pm = re.match(r"^(?:final )?([\w\[\]]+) \w+$", p.strip())
                if not pm:
                    raise Failure(f"{m.group(2)}: cannot read the parameter {p!r}")
                params.append(Param(pm.group(1), ""))
            key = m.group(2) if m.group(2) not in out else m.group(2) + " (declared twice)"
            out[key] = Declaration("", m.group(1), params)
        return out

    def allowed(self, c_type: str, position: str) -> set[str]:
        if c_type == "void":
            return {"void"} if position == "return" else set()
        if c_type in self.scalars:
            return {self.scalars[c_type]}
        parts = pointer(c_type)
        if parts is None or parts[2] == 0:
            return set()
        const, base, stars = parts
        types = {"long"}
        if position == "param" and const and stars == 1 and base in ("char", "uint8_t"):
            types.add("byte[]")
        return types

    def layout(self, structs: dict[str, list[tuple[str, str]]], name: str) -> tuple[int, int, list[tuple[str, int]]]:
        """(size, alignment, [(field name, offset)]) of a header struct under C's layout rules."""
        offset, align, fields = 0, 1, []
        for c_type, field in structs[name]:
            parts = pointer(c_type)
            if parts is None:
                raise Failure(f"{name}.{field}: cannot read the type {c_type}")
            _, base, stars = parts
            if stars:
                size = field_align = 8
            elif base in structs:
                size, field_align, _ = self.layout(structs, base)
            elif base in self.field_sizes:
                size = field_align = self.field_sizes[base]
            else:
                raise Failure(f"{name}.{field}: unknown field type {c_type}")
            offset = (offset + field_align - 1) // field_align * field_align
            fields.append((field, offset))
            offset += size
            align = max(align, field_align)
        return (offset + align - 1) // align * align, align, fields

    def check_structs(self, structs: dict[str, list[tuple[str, str]]], native: str) -> tuple[list[str], str]:
        expected: dict[str, int] = {}
        for struct in structs:
            prefix = struct[len("wechatpay_"):].upper()
            size, _, fields = self.layout(structs, struct)
            for field, offset in fields:
                expected[f"{prefix}_{field.upper()}"] = offset
            expected[f"{prefix}_SIZE"] = size
        m = re.search(r"static final class Layout \{(.*?)\n    \}", native, flags=re.S)
        actual = {k: int(v) for k, v in re.findall(r"static final int (\w+) = (\d+);", m.group(1))} if m else {}
        problems = [f"Layout.{n} (= {expected[n]}) is missing" for n in sorted(set(expected) - set(actual))]
        problems += [f"Layout.{n} names no field of a header struct" for n in sorted(set(actual) - set(expected))]
        problems += [f"Layout.{n} is {actual[n]}, the header's layout gives {expected[n]}"
                     for n in sorted(set(actual) & set(expected)) if actual[n] != expected[n]]
        return problems, f"{len(structs)} struct layouts ({len(expected)} offsets and sizes)"


BACKENDS: dict[str, Callable[[], Backend]] = {"dotnet": DotNet, "java": Java}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bindgen.py", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("command", choices=["views", "native"],
                        help="views: the typed properties from typed_views.json; native: the declarations "
                             "against the C header")
    parser.add_argument("--lang", choices=sorted(BACKENDS), required=True, help="the binding")
    parser.add_argument("--check", action="store_true",
                        help="write nothing, exit 1 on drift (always so for native)")
    args = parser.parse_args(argv)
    lang = BACKENDS[args.lang]()
    try:
        if args.command == "native":
            return check_native(lang)
        views = load_views(set(lang.kinds))
        classes = ", ".join(CLASSES.values())
        rc = write(lang.views(views), args.check, f"the {args.lang} typed properties of {classes}",
                   f"python3 {TOOL} views --lang {args.lang}")
        problems = check_settings(args.lang)
        for problem in problems:
            print(f"bindgen: {problem}", file=sys.stderr)
        if not problems:
            print(f"bindgen: the {args.lang} verifiers' and the merchant profile's settings are what {rel(DECLARATION)} declares")
        return 1 if problems else rc
    except Failure as e:
        print(f"bindgen: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
