"""The result classes' typed properties against the core's declaration (tests/vectors/typed_views.json,
written by `cargo run -p xtask -- vectors` from the core's typed_view! tables), in both directions:
the binding makes one property per declared one (src/view.rs, from the core's PROPERTIES) and
stubgen.py writes the stub's declarations from the JSON, so a property added to the core reaches
both with a rebuild and a regeneration; these tests fail when either did not happen, and the
binding cannot grow a typed property the core does not declare."""

from __future__ import annotations

import ast
import importlib.util
import json
import inspect
import subprocess
import sys
from typing import Any

import pytest
import wechatpay_notify as wn
from support import KEY, KEYS, PUB_ID, REPO_ROOT, TYPED_VIEWS_FILE, V3_KEY, VECTORS, load_vectors

SCHEMA = "wechatpay-notify/typed-views/1"
STUB = REPO_ROOT / "bindings/python/python/wechatpay_notify/_native.pyi"
STUBGEN = REPO_ROOT / "bindings/python/stubgen.py"

# The Python class of each view.
CLASSES: dict[str, type] = {
    "payment": wn.PaymentNotification,
    "refund": wn.RefundNotification,
    "v3_transaction": wn.V3Transaction,
    "v3_refund": wn.V3Refund,
    "v3_profit_sharing": wn.V3ProfitSharing,
    "v3_transfer": wn.V3Transfer,
    "v3_complaint": wn.V3Complaint,
    "v3_notification": wn.V3Notification,
    "endpoint_result": wn.EndpointResult,
}
# Attributes of the result classes that are not typed properties: the documents themselves, the
# APIv3 event's own fields and its views, the endpoint's label, kind, notification and reply.
DOCUMENTS = {
    "fields",
    "req_info",
    *("id", "create_time", "event_type", "resource_type", "summary", "plaintext", "resource"),
    *("transaction", "refund", "profit_sharing", "transfer", "complaint"),
    *("label", "kind", "version", "notification", "reply"),
}
# The stub annotation each kind must have (SPEC: text = str or None, amount = int in fen or None).
ANNOTATIONS = {
    "text": "str | None",
    "string": "str",
    "amount": "int | None",
    "bool": "bool",
    "sign_type": "_SignTypeName",
    "coupons": "list[Coupon]",
}
# Where each view's expected values are in the valid cases: the vector file, and the key of
# `expected.typed` holding them (None: `expected.typed` itself, besides the APIv3 resource views'
# keys; a v3 view's key is null when the event is of another kind; "": `expected` itself, with the
# names in camelCase, as endpoint.json writes them).
VECTOR_FILES: dict[str, tuple[str, str | None]] = {
    "payment": ("v2_pay.json", None),
    "refund": ("v2_refund.json", None),
    "v3_transaction": ("v3_notify.json", "transaction"),
    "v3_refund": ("v3_notify.json", "refund"),
    "v3_profit_sharing": ("v3_notify.json", "profit_sharing"),
    "v3_transfer": ("v3_notify.json", "transfer"),
    "v3_complaint": ("v3_notify.json", "complaint"),
    "v3_notification": ("v3_notify.json", None),
    "endpoint_result": ("endpoint.json", ""),
}
RESOURCE_VIEWS = {"transaction", "refund", "profit_sharing", "transfer", "complaint"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def declared_settings() -> dict[str, list[dict[str, Any]]]:
    """The core's declaration of each verifier's settings (`settings` of typed_views.json)."""
    data: dict[str, Any] = json.loads((VECTORS / TYPED_VIEWS_FILE).read_text(encoding="utf-8"))
    settings: dict[str, list[dict[str, Any]]] = data["settings"]
    return settings


def declared_views() -> dict[str, list[dict[str, Any]]]:
    path = VECTORS / TYPED_VIEWS_FILE
    if not path.exists():
        pytest.fail(
            f"{path.relative_to(REPO_ROOT)} is missing: regenerate the vectors "
            "(`cargo run -p xtask -- vectors`); it declares every typed property of every result type"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA, data["schema"]
    views: dict[str, list[dict[str, Any]]] = data["views"]
    return views


def python_properties(cls: type, declared: set[str]) -> set[str]:
    """The typed properties a result class exposes (its read-only data descriptors: the typed
    attributes the module makes from the core's declaration, and any getter written by hand),
    minus the documents: a name of DOCUMENTS that the view itself declares is a typed property
    there (a merchant transfer's own ``create_time`` is not the event's)."""
    return {name for name, attr in vars(cls).items() if inspect.isdatadescriptor(attr) and not name.startswith("_")} - (
        DOCUMENTS - declared
    )


@pytest.mark.parametrize("view", sorted(CLASSES))
def test_typed_attributes_are_read_only_and_documented(view: str) -> None:
    """Each attribute's docstring is the core's documentation of the property (`doc` in the
    declaration), and the stub's docstring is the same text."""
    cls = CLASSES[view]
    stub_docs = stub_docstrings(cls.__name__)
    for prop in declared_views()[view]:
        attr = vars(cls)[prop["name"]]
        assert attr.__name__ == prop["name"], attr
        assert attr.__doc__ == prop["doc"], (attr, attr.__doc__, prop["doc"])
        assert " ".join((stub_docs.get(prop["name"]) or "").split()) == prop["doc"], prop["name"]
        assert repr(attr) == f"<typed attribute '{prop['name']}'>"


def test_a_typed_attribute_cannot_be_set_or_deleted() -> None:
    group = load_vectors("v2_pay.json")["testGroups"][0]
    valid = next(c for c in group["tests"] if c["result"] == "valid")
    n = wn.Verifier(group["config"]["apiKey"], group["config"]["signType"]).verify_payment(valid["body"])
    before = n.total_fee
    with pytest.raises(AttributeError, match="read-only"):
        n.total_fee = 1  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        del n.out_trade_no
    assert n.total_fee == before


def stub_annotations(cls_name: str) -> dict[str, str]:
    """Each property's return annotation in _native.pyi."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls_name:
            return {
                item.name: ast.unparse(item.returns)
                for item in node.body
                if isinstance(item, ast.FunctionDef)
                and item.returns is not None
                and any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
            }
    raise AssertionError(f"class {cls_name} not in {STUB}")


def stub_docstrings(cls_name: str) -> dict[str, str | None]:
    """Each property's docstring in _native.pyi."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls_name:
            return {
                item.name: ast.get_docstring(item)
                for item in node.body
                if isinstance(item, ast.FunctionDef)
                and any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
            }
    raise AssertionError(f"class {cls_name} not in {STUB}")


def test_every_declared_view_has_a_python_class() -> None:
    views = set(declared_views())
    assert views == set(CLASSES), f"views declared by the core: {sorted(views)}; Python classes: {sorted(CLASSES)}"


@pytest.mark.parametrize("view", sorted(CLASSES))
def test_properties_match_the_core_declaration(view: str) -> None:
    declared = {p["name"]: p["kind"] for p in declared_views()[view]}
    ours = python_properties(CLASSES[view], set(declared))
    missing = sorted(set(declared) - ours)
    extra = sorted(ours - set(declared))
    assert not missing, f"{view}: the core declares {missing}, which {CLASSES[view].__name__} lacks"
    assert not extra, f"{view}: {CLASSES[view].__name__} has {extra}, which the core does not declare"


@pytest.mark.parametrize("view", sorted(CLASSES))
def test_stub_types_match_the_declared_kinds(view: str) -> None:
    cls = CLASSES[view]
    annotations = stub_annotations(cls.__name__)
    for prop in declared_views()[view]:
        kind = prop["kind"]
        assert kind in ANNOTATIONS, f"{view}.{prop['name']}: unknown kind {kind!r}"
        assert annotations.get(prop["name"]) == ANNOTATIONS[kind], (
            f"{cls.__name__}.{prop['name']} is {kind}: _native.pyi must say {ANNOTATIONS[kind]!r}, "
            f"not {annotations.get(prop['name'])!r}"
        )


@pytest.mark.parametrize("view", sorted(CLASSES))
def test_every_valid_vector_checks_every_property(view: str) -> None:
    """Each valid case's expected values for a view carry every property of it, so the vector
    runner checks every typed attribute's value, not only its presence."""
    names = {p["name"] for p in declared_views()[view]}
    file, key = VECTOR_FILES[view]
    checked = 0
    for group in load_vectors(file)["testGroups"]:
        for case in group["tests"]:
            if case["result"] != "valid":
                continue
            if key == "":
                assert {camel(n) for n in names} <= set(case["expected"]), (view, case["tcId"])
                checked += 1
                continue
            typed = case["expected"]["typed"]
            values = typed if key is None else typed[key]
            if values is not None:
                assert set(values) - (RESOURCE_VIEWS if key is None else set()) == names, (view, case["tcId"])
                checked += 1
    assert checked > 0, f"{file} has no valid case with the {view} view"


def test_the_stub_is_what_stubgen_writes() -> None:
    """`stubgen.py --check` (also run by scripts/test-python.sh): the generated regions of the stub
    are exactly what the declaration yields, and no typed property is declared by hand besides."""
    done = subprocess.run([sys.executable, STUBGEN, "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def load_stubgen() -> Any:
    spec = importlib.util.spec_from_file_location("stubgen", STUBGEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stubgen_follows_the_declaration() -> None:
    """A property added to the core's declaration, field- or rule-backed, changes the generated stub
    with its documentation, without touching stubgen or the stub; a typed property also written by
    hand is reported."""
    stubgen = load_stubgen()
    views = declared_views()
    stub = STUB.read_text(encoding="utf-8")
    settings = declared_settings()
    assert stubgen.generate(stub, views, settings) == stub
    assert stubgen.check_hand_written(stub, views, settings) == []
    # Names no WeChat Pay field has, so that the test holds whatever the core comes to declare.
    grown = json.loads(json.dumps(views))
    grown["v3_refund"].append(
        {"name": "test_only_account", "kind": "text", "source": {"resource": ["test_only_account"]}, "doc": "`test_only_account`."}
    )
    grown["payment"].append({"name": "test_only_fee", "kind": "amount", "source": "fields", "doc": "`x` in fen."})
    grown["refund"].append({"name": "test_only_final", "kind": "bool", "source": "rule", "doc": "The refund is final."})
    regenerated = stubgen.generate(stub, grown, settings)
    assert 'def test_only_account(self) -> str | None:\n        """`test_only_account`."""' in regenerated
    assert 'def test_only_fee(self) -> int | None:\n        """`x` in fen."""' in regenerated
    assert 'def test_only_final(self) -> bool:\n        """The refund is final."""' in regenerated
    assert stubgen.check_hand_written(regenerated, grown, settings) == []
    # A typed property declared by hand as well (outside the region) is reported.
    by_hand = regenerated.replace(
        "    # BEGIN GENERATED refund",
        "    @property\n    def test_only_final(self) -> bool: ...\n    # BEGIN GENERATED refund",
    )
    (problem,) = stubgen.check_hand_written(by_hand, grown, settings)
    assert "RefundNotification.test_only_final" in problem
    # A property without documentation, or of a kind the generator does not know, stops it.
    undocumented = json.loads(json.dumps(grown))
    undocumented["refund"].append({"name": "when", "kind": "text", "source": "req_info"})
    with pytest.raises(stubgen.Drift, match="no doc"):
        stubgen.generate(stub, undocumented, settings)
    grown["refund"].append({"name": "when", "kind": "timestamp", "source": "req_info", "doc": "When."})
    with pytest.raises(stubgen.Drift):
        stubgen.generate(stub, grown, settings)


# The Python class of each declaration of settings, and a configuration that sets every optional
# one away from its default, with what each read-back attribute must then give.
CONFIGURED: dict[str, type] = {"v2_verifier": wn.Verifier, "v3_verifier": wn.V3Verifier, "merchant_profile": wn.MerchantProfile}


def platform_keys() -> dict[str, str]:
    return {PUB_ID: (KEYS / "pubkey-a-public.pem").read_text(encoding="ascii")}


def configured(view: str) -> tuple[Any, dict[str, Any]]:
    if view == "v2_verifier":
        v2 = wn.Verifier(KEY, "MD5", appid="wx1", mch_id="1900000109", also_accept=["HMAC-SHA256"], max_body_bytes=4096)
        return v2, {"sign_type": "MD5", "appid": "wx1", "mch_id": "1900000109", "also_accept": ("HMAC-SHA256",), "max_body_bytes": 4096}
    v3 = wn.V3Verifier(V3_KEY, platform_keys(), max_clock_skew=60, max_body_bytes=1000, mch_ids=["1", "2", "1"])
    if view == "v3_verifier":
        return v3, {"max_clock_skew": 60, "max_body_bytes": 1000, "mch_ids": ("1", "2")}
    v2 = wn.Verifier(KEY, "MD5")
    profile = wn.MerchantProfile("shop-a", v2=v2, v3=v3, mch_id="1900000109")
    return profile, {"label": "shop-a", "v2": v2, "v3": v3, "mch_id": "1900000109"}


def fresh(view: str) -> Any:
    """The object with every optional setting left out."""
    if view == "v2_verifier":
        return wn.Verifier(KEY, "HMAC-SHA256")
    if view == "v3_verifier":
        return wn.V3Verifier(V3_KEY, platform_keys())
    return wn.MerchantProfile("shop-a")


@pytest.mark.parametrize("view", sorted(CONFIGURED))
def test_settings_are_the_core_declaration(view: str) -> None:
    """The constructor takes exactly the declared settings, in the core's order (required ones
    positional, the others keyword-only with the declared defaults), and the object reads back
    every declared read-back setting (a profile's parts: the very verifiers it was given),
    documented by the core, and no secret."""
    declared = declared_settings()[view]
    cls = CONFIGURED[view]
    params = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in params] == [s["name"] for s in declared]
    for p, s in zip(params, declared):
        if s["required"]:
            assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty, p
        else:
            assert p.kind is inspect.Parameter.KEYWORD_ONLY, p
    verifier, expected = configured(view)
    read_back = [s["name"] for s in declared if s["read_back"]]
    assert sorted(read_back) == sorted(expected)
    for s in declared:
        attribute = inspect.getattr_static(cls, s["name"], None)
        if not s["read_back"]:
            assert attribute is None, f"{cls.__name__}.{s['name']} reads back a {s['kind']}"
            continue
        assert attribute is not None and attribute.__doc__ == s["doc"], s["name"]
        if s["kind"] in ("v2_verifier", "v3_verifier"):
            assert getattr(verifier, s["name"]) is expected[s["name"]], s["name"]
        else:
            assert getattr(verifier, s["name"]) == expected[s["name"]], s["name"]
        with pytest.raises(AttributeError):
            setattr(verifier, s["name"], getattr(verifier, s["name"]))
    # Left out, a setting has its declared default (a number) or none (a text, a list, a part).
    left_out = fresh(view)
    for s in declared:
        if s["read_back"] and not s["required"]:
            default = s["default"] if s["default"] is not None else () if s["kind"] in ("sign_types", "texts") else None
            assert getattr(left_out, s["name"]) == default, s["name"]


def test_stubgen_follows_the_settings_declaration() -> None:
    """A setting added to the core's declaration changes the generated constructor and, read back,
    adds a documented attribute; a setting's attribute also written by hand is reported."""
    stubgen = load_stubgen()
    views = declared_views()
    settings = json.loads(json.dumps(declared_settings()))
    stub = STUB.read_text(encoding="utf-8")
    settings["v2_verifier"].append(
        {"name": "test_only_limit", "kind": "seconds", "required": False, "default": 7, "read_back": True, "doc": "A limit."}
    )
    regenerated = stubgen.generate(stub, views, settings)
    assert "        test_only_limit: int | None = 7,\n    ) -> Verifier:" in regenerated
    assert 'def test_only_limit(self) -> int:\n        """A limit."""' in regenerated
    assert stubgen.check_hand_written(regenerated, views, settings) == []
    by_hand = regenerated.replace(
        "    # BEGIN GENERATED v2_verifier",
        "    @property\n    def test_only_limit(self) -> int: ...\n    # BEGIN GENERATED v2_verifier",
    )
    (problem,) = stubgen.check_hand_written(by_hand, views, settings)
    assert "Verifier.test_only_limit" in problem
    settings["v3_verifier"].append({"name": "when", "kind": "timestamp", "required": False, "default": None, "read_back": True, "doc": "When."})
    with pytest.raises(stubgen.Drift, match="timestamp"):
        stubgen.generate(stub, views, settings)
