"""Tests of tools/bindgen/bindgen.py (standard library: `python3 -m unittest discover -s tools/bindgen`).

The committed .NET and Java sources are what the declaration yields; a property added to the core's
declaration reaches both languages with its documentation in their syntax; a declaration the tool
cannot honour stops it; and the native check finds each kind of mismatch it promises to find."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bindgen  # noqa: E402

# A property the core might add (a name no WeChat Pay field has, so that the test holds whatever the
# core comes to declare).
GROWN = {
    "name": "test_only_detail",
    "kind": "text",
    "source": "fields",
    "doc": "`test_only_detail` as sent (`a<b & c`); `None` when the payment used no promotion.",
}


Declared = dict[str, list[bindgen.Prop]]


def declared() -> Declared:
    views: Declared = json.loads(bindgen.DECLARATION.read_text(encoding="utf-8"))["views"]
    return views


def rendered(lang: bindgen.Backend, views: Declared) -> dict[str, str]:
    """Each output's text (relative path -> text) for `views`, from the committed files."""
    out = {}
    for o in lang.views(views):
        current = o.path.read_text(encoding="utf-8") if o.path.exists() else None
        out[bindgen.rel(o.path)] = o.render(current)
    return out


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = bindgen.main(list(argv))
    return code, err.getvalue()


class Views(unittest.TestCase):
    def test_the_committed_sources_are_what_the_declaration_yields(self) -> None:
        for lang in ("dotnet", "java"):
            with self.subTest(lang=lang):
                self.assertEqual(run("views", "--lang", lang, "--check"), (0, ""))

    def test_a_property_added_to_the_core_reaches_both_languages_with_its_doc(self) -> None:
        views = declared()
        views["payment"].append(dict(GROWN))
        cs = rendered(bindgen.DotNet(), views)["bindings/dotnet/src/Views.g.cs"]
        self.assertIn(
            "        /// <summary><c>test_only_detail</c> as sent (<c>a&lt;b &amp; c</c>); null when the payment used no\n"
            "        /// promotion; null when absent.</summary>\n"
            "        public string TestOnlyDetail\n",
            cs,
        )
        self.assertIn('testOnlyDetail = r.Text("test_only_detail");', cs)
        self.assertIn('ViewReader.Show(s, ", test_only_detail=", testOnlyDetail);', cs)
        java = rendered(bindgen.Java(), views)
        payment = java["bindings/java/src/main/java/io/github/wechatpay_notify/PaymentNotification.java"]
        self.assertIn(
            "    /**\n"
            "     * {@code test_only_detail} as sent ({@code a<b & c}); null when the payment used no promotion; null when\n"
            "     * absent.\n"
            "     */\n"
            "    public String testOnlyDetail() {\n",
            payment,
        )
        self.assertIn('s.append(", test_only_detail=").append(typed.testOnlyDetail);', payment)
        # The other classes are untouched.
        self.assertEqual(java["bindings/java/src/main/java/io/github/wechatpay_notify/V3Refund.java"],
                         (bindgen.Java.sources / "V3Refund.java").read_text(encoding="utf-8"))

    def test_each_language_writes_the_docs_in_its_own_syntax(self) -> None:
        java, dotnet = bindgen.Java(), bindgen.DotNet()
        doc = "`x` & <y> {`a{b}`}; `None`."
        self.assertEqual(bindgen.render_doc(doc, dotnet.syntax, "text"), "<c>x</c> &amp; &lt;y&gt; {<c>a{b}</c>}; null.")
        self.assertEqual(bindgen.render_doc(doc, java.syntax, "text"), "{@code x} &amp; &lt;y&gt; {{@code a{b}}}; null.")
        self.assertEqual(bindgen.render_doc("`None`.", java.syntax, "amount"), "empty.")
        for bad in ("`a{b`.", "`*/`.", "`unclosed."):
            with self.assertRaises(bindgen.Failure):
                bindgen.render_doc(bad, java.syntax, "text")
        # A rule's doc says when it is absent itself; a field gets its kind's words.
        rule = {"name": "k", "kind": "text", "source": "rule", "doc": "The key; `None` without an id."}
        field = {"name": "k", "kind": "amount", "source": "fields", "doc": "`k` in fen."}
        self.assertEqual(bindgen.summary(rule, dotnet.syntax, dotnet.tails), "The key; null without an id.")
        self.assertEqual(bindgen.summary(field, java.syntax, java.tails), "{@code k} in fen; empty when absent.")

    def test_wrapping_never_splits_an_inline_tag(self) -> None:
        lines = bindgen.wrap("word {@code a b c} " * 6, " * ", " * ", width=30)
        self.assertTrue(all(line.count("{") == line.count("}") for line in lines), lines)
        self.assertEqual(" ".join(line[3:] for line in lines), ("word {@code a b c} " * 6).strip())

    def test_a_declaration_the_tool_cannot_honour_stops_it(self) -> None:
        changes: list[tuple[Callable[[Declared], object], str]] = [
            (lambda v: v["refund"].append({"name": "when", "kind": "timestamp", "source": "req_info", "doc": "When."}),
             "kind 'timestamp'"),
            (lambda v: v["refund"].append({"name": "when", "kind": "text", "source": "req_info"}), "no doc"),
            (lambda v: v.update(v3_bill=[]), "views"),
        ]
        for change, message in changes:
            views = copy.deepcopy(declared())
            change(views)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "typed_views.json"
                path.write_text(json.dumps({"schema": bindgen.SCHEMA, "views": views}), encoding="utf-8")
                with self.assertRaisesRegex(bindgen.Failure, message):
                    bindgen.load_views(set(bindgen.DotNet.kinds), path)
        views = declared()
        views["payment"].append({"name": "fields", "kind": "text", "source": "fields", "doc": "Clash."})
        with self.assertRaisesRegex(bindgen.Failure, "already uses"):
            bindgen.Java().views(views)

    def test_a_summarised_view_shows_its_marked_properties_in_their_order(self) -> None:
        props = declared()["v3_notification"]
        self.assertEqual([p["name"] for p in bindgen.shown_properties("v3_notification", props)],
                         ["id", "event_type", "dedupe_key"])
        self.assertEqual(bindgen.shown_properties("payment", declared()["payment"]), declared()["payment"])
        for p in props:
            p.pop("shown", None)
        with self.assertRaisesRegex(bindgen.Failure, "places of its shown properties"):
            bindgen.shown_properties("v3_notification", props)


class Native(unittest.TestCase):
    def check(self, lang: bindgen.Backend, edit: Callable[[str], str]) -> list[str]:
        """The problems the native check reports for the committed declarations after `edit`."""
        text = edit(lang.native_file.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            lang.native_file = Path(tmp) / lang.native_file.name
            lang.native_file.write_text(text, encoding="utf-8")
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = bindgen.check_native(lang)
        problems = [line.strip() for line in err.getvalue().splitlines()[1:]]
        self.assertEqual(code, 1 if problems else 0)
        return problems

    def test_the_committed_declarations_match_the_header(self) -> None:
        for lang in ("dotnet", "java"):
            with self.subTest(lang=lang):
                self.assertEqual(run("native", "--lang", lang), (0, ""))

    def test_dotnet_mismatches_are_found(self) -> None:
        def edit(text: str) -> str:
            text = text.replace("[DllImport(Lib, CallingConvention = Cdecl)]\n        public static extern IntPtr "
                                "wechatpay_version();", "", 1)
            text = re.sub(r"\[return: MarshalAs\(UnmanagedType.I1\)\]\s*(public static extern bool "
                          r"wechatpay_payment_field)", r"\1", text, count=1)
            text = text.replace("public byte HasFee;", "public bool HasFee;", 1)
            return text

        problems = self.check(bindgen.DotNet(), edit)
        self.assertIn("wechatpay_version is exported by the header but not declared in NativeMethods.cs", problems)
        self.assertIn("wechatpay_payment_field: a bool return without [return: MarshalAs(UnmanagedType.I1)]", problems)
        self.assertIn("NativeCoupon: the bool field 4 without [MarshalAs(UnmanagedType.I1)]", problems)
        self.assertEqual(len(problems), 3, problems)

    def test_java_mismatches_are_found(self) -> None:
        def edit(text: str) -> str:
            text = text.replace("static final int COUPON_FEE = 40;", "static final int COUPON_FEE = 44;", 1)
            text = re.sub(r"(static native byte wechatpay_payment_field\([^)]*)\)", r"\1, long extra)", text, count=1)
            text = text.replace("static native byte wechatpay_payment_get(", "static native boolean wechatpay_payment_get(", 1)
            return text + "\nclass Extra { static native void wechatpay_not_in_the_header(); }\n"

        problems = self.check(bindgen.Java(), edit)
        self.assertIn("wechatpay_payment_field: 3 parameters in C, 4 in Java", problems)
        self.assertIn("wechatpay_payment_get: returns bool in C, boolean in Java (allowed: ['byte'])", problems)
        self.assertIn("Layout.COUPON_FEE is 44, the header's layout gives 40", problems)
        self.assertIn("wechatpay_not_in_the_header is declared in NativeMethods.java but not exported by the header",
                      problems)
        self.assertEqual(len(problems), 4, problems)


if __name__ == "__main__":
    unittest.main()
