"""The result classes' typed properties against the core's declaration (tests/vectors/typed_views.json,
written by `cargo run -p xtask -- vectors` from the core's typed_view! tables), in both directions:
adding a property to the core fails here until the binding (src/lib.rs and _native.pyi) has it, and
the binding cannot grow a typed property the core does not declare."""

from __future__ import annotations

import ast
import json
import types
from typing import Any

import pytest
import wechatpay_notify as wn
from support import PENDING_VIEWS, REPO_ROOT, TYPED_VIEWS_FILE, VECTORS, load_vectors

SCHEMA = "wechatpay-notify/typed-views/1"
STUB = REPO_ROOT / "bindings/python/python/wechatpay_notify/_native.pyi"

# The Python class of each view.
CLASSES: dict[str, type] = {"payment": wn.PaymentNotification, "refund": wn.RefundNotification}
# Attributes of the result classes that are the documents themselves, not typed properties.
DOCUMENTS = {"fields", "req_info"}
# The stub annotation each kind must have (SPEC: text = str or None, amount = int in fen or None).
ANNOTATIONS = {
    "text": "str | None",
    "amount": "int | None",
    "bool": "bool",
    "sign_type": "_SignTypeName",
    "coupons": "list[Coupon]",
}
# The vector file whose valid cases carry each view's `expected.typed`.
VECTOR_FILES = {"payment": "v2_pay.json", "refund": "v2_refund.json"}


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


def python_properties(cls: type) -> set[str]:
    """The typed properties a result class exposes (its getters, minus the documents)."""
    return {
        name
        for name, attr in vars(cls).items()
        if isinstance(attr, types.GetSetDescriptorType) and not name.startswith("_")
    } - DOCUMENTS


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


def test_every_declared_view_has_a_python_class() -> None:
    views = set(declared_views())
    assert views - set(PENDING_VIEWS) == set(CLASSES), (
        f"views declared by the core: {sorted(views)}; Python classes: {sorted(CLASSES)}; "
        f"pending: {sorted(PENDING_VIEWS)}"
    )
    assert set(PENDING_VIEWS) <= views, "a pending view is gone from the core: drop it from PENDING_VIEWS"


@pytest.mark.parametrize("view", sorted(PENDING_VIEWS))
def test_pending_view(view: str) -> None:
    """A view whose result class the binding lacks: reported as skipped, with the reason."""
    missing, reason = PENDING_VIEWS[view]
    assert not hasattr(wn, missing), f"wechatpay_notify.{missing} exists: add {view} to CLASSES"
    pytest.skip(f"typed view {view}: {reason}")


@pytest.mark.parametrize("view", sorted(CLASSES))
def test_properties_match_the_core_declaration(view: str) -> None:
    declared = {p["name"]: p["kind"] for p in declared_views()[view]}
    ours = python_properties(CLASSES[view])
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
    """Each valid case's `expected.typed` carries every property of its view, so the vector runner
    checks every typed attribute's value, not only its presence."""
    names = {p["name"] for p in declared_views()[view]}
    checked = 0
    for group in load_vectors(VECTOR_FILES[view])["testGroups"]:
        for case in group["tests"]:
            if case["result"] == "valid":
                assert set(case["expected"]["typed"]) == names, (view, case["tcId"])
                checked += 1
    assert checked > 0, f"{VECTOR_FILES[view]} has no valid case"
