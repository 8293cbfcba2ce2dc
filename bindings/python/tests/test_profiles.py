"""The core's profiles loader (`Endpoint.from_profiles_file`) and the reply when the application
fails (`request_version`, `internal_error_reply`, `EndpointResult.internal_error_reply`), as Python
sees them. The loader's rules are the core's (crates/wechatpay-notify/src/profiles.rs, tested there);
these tests pin the conversions: paths, errors, and that the endpoint it returns is a working one."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Any

import pytest
import wechatpay_notify as wn
from support import KEY, KEYS, PUB_ID, V3_KEY, V3_NOW, signed_body, payment_pairs, transaction_resource, v3_request

V2_REFUSAL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'


def private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def deployment(directory: Path, **v2: Any) -> Path:
    """A profiles file for one merchant (v2 key in a file, APIv3 key in a file, a PEM), chmod 600."""
    (directory / "keys").mkdir(exist_ok=True)
    private(directory / "keys" / "v2.key", KEY + "\n")
    private(directory / "keys" / "v3.key", V3_KEY)
    (directory / "keys" / "pub.pem").write_bytes((KEYS / "pubkey-a-public.pem").read_bytes())
    doc = {
        "profiles": [
            {
                "label": "shop-a",
                "mch_id": "10000100",
                "v2": {"api_key_file": "keys/v2.key", "sign_type": "MD5", **v2},
                "v3": {
                    "api_v3_key_file": "keys/v3.key",
                    "platform_keys": {PUB_ID: "keys/pub.pem"},
                    "mch_ids": ["1900000100"],
                },
            }
        ]
    }
    return private(directory / "profiles.json", json.dumps(doc))


def test_a_profiles_file_builds_a_working_endpoint(tmp_path: Path) -> None:
    path = deployment(tmp_path)
    for given in (str(path), path, PurePath(str(path))):
        endpoint = wn.Endpoint.from_profiles_file(given)
        assert endpoint.labels == ("shop-a",)
    # Both versions are served, each bound to its merchant id.
    r = endpoint.handle({}, signed_body(payment_pairs()))
    assert (r.label, r.kind, r.reply.status) == ("shop-a", "v2_payment", 200)
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    assert endpoint.handle(headers, body, now=V3_NOW).label == "shop-a"
    headers, body = v3_request(transaction_resource(mchid="1900000999"))
    with pytest.raises(wn.EndpointRejected) as info:
        endpoint.handle(headers, body, now=V3_NOW)
    assert info.value.code == "merchant_mismatch"


class FsPath:
    """An os.PathLike of the user's own."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return str(self.path)


def test_any_path_like_is_a_path_and_anything_else_a_type_error(tmp_path: Path) -> None:
    path = deployment(tmp_path)
    assert wn.Endpoint.from_profiles_file(FsPath(path)).labels == ("shop-a",)
    for wrong in (str(path).encode(), bytearray(str(path).encode()), 1, None, [str(path)]):
        with pytest.raises(TypeError, match="str or an os.PathLike"):
            wn.Endpoint.from_profiles_file(wrong)  # type: ignore[arg-type]


def refusal(path: Path) -> wn.InvalidConfigError:
    with pytest.raises(wn.InvalidConfigError) as info:
        wn.Endpoint.from_profiles_file(path)
    assert info.value.code == "invalid_config"
    assert isinstance(info.value, ValueError)
    assert KEY not in str(info.value) and V3_KEY not in str(info.value)
    return info.value


def test_refusals_are_invalid_config_naming_the_place_never_a_key(tmp_path: Path) -> None:
    path = deployment(tmp_path)
    doc = json.loads(path.read_text())

    def edited(change: Any) -> Path:
        d = json.loads(json.dumps(doc))
        change(d["profiles"][0])
        return private(tmp_path / "edited.json", json.dumps(d))

    # A misspelt setting.
    e = refusal(edited(lambda p: p["v2"].update(signType="MD5")))
    assert 'unknown v2 setting "signType"' in e.message and "shop-a" in e.message
    # A key written inline is refused before anything could echo it.
    e = refusal(edited(lambda p: p["v2"].update(api_key=KEY)))
    assert "never written into the profiles file" in e.message
    # An unset variable is named.
    e = refusal(edited(lambda p: p["v3"].update(api_v3_key_file=None, api_v3_key_env="WECHATPAY_PY_TEST_UNSET")))
    assert "$WECHATPAY_PY_TEST_UNSET" in e.message
    # A missing file.
    e = refusal(tmp_path / "missing.json")
    assert "cannot read" in e.message and "missing.json" in e.message


def test_a_key_taken_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = deployment(tmp_path)
    doc = json.loads(path.read_text())
    doc["profiles"][0]["v3"] = {**doc["profiles"][0]["v3"], "api_v3_key_file": None, "api_v3_key_env": "WN_PY_V3"}
    private(path, json.dumps(doc))
    monkeypatch.setenv("WN_PY_V3", V3_KEY)
    endpoint = wn.Endpoint.from_profiles_file(path)
    headers, body = v3_request(transaction_resource(mchid="1900000100"))
    assert endpoint.handle(headers, body, now=V3_NOW).label == "shop-a"


@pytest.mark.skipif(os.name != "posix", reason="file modes are checked on Unix")
def test_the_profiles_file_and_key_files_must_be_private(tmp_path: Path) -> None:
    path = deployment(tmp_path)
    path.chmod(0o644)
    assert refusal(path).message.startswith(f"chmod 600 {path}")
    path.chmod(0o600)
    (tmp_path / "keys" / "v2.key").chmod(0o640)
    e = refusal(path)
    assert "v2 api_key_file: chmod 600" in e.message
    (tmp_path / "keys" / "v2.key").chmod(0o600)
    # PEM files hold public keys: any mode.
    (tmp_path / "keys" / "pub.pem").chmod(0o644)
    assert wn.Endpoint.from_profiles_file(path).labels == ("shop-a",)


def test_the_request_version_and_the_internal_error_reply() -> None:
    headers, body = v3_request(transaction_resource())
    v3_forms: list[Any] = [headers, dict(headers), [("wechatpay-signature", "x")]]
    for form in v3_forms:
        assert wn.request_version(form) == "v3"
        assert wn.internal_error_reply(form) == wn.HttpReply(500, "application/json", V3_REFUSAL)
    for form in ([], {}, [("Content-Type", "text/xml")], {"Wechatpay-Serial": PUB_ID}):
        assert wn.request_version(form) == "v2"
        assert wn.internal_error_reply(form) == wn.HttpReply(500, "text/xml", V2_REFUSAL)
    # The v2 reply is the FAIL reply WeChat Pay retries after; the v3 one is reply_v3_fail's.
    assert wn.internal_error_reply([]).body == wn.reply_fail(wn.REFUSAL_MESSAGE)
    assert wn.internal_error_reply(headers) == wn.reply_v3_fail(RuntimeError("database is locked"))
    with pytest.raises(TypeError):
        wn.internal_error_reply("Wechatpay-Signature: x")  # type: ignore[arg-type]


def test_a_verified_result_gives_the_internal_error_reply_of_its_version(tmp_path: Path) -> None:
    endpoint = wn.Endpoint.from_profiles_file(deployment(tmp_path))
    v2 = endpoint.handle([], signed_body(payment_pairs()))
    assert v2.internal_error_reply() == wn.internal_error_reply([]) == wn.HttpReply(500, "text/xml", V2_REFUSAL)
    headers, body = v3_request(transaction_resource())
    v3 = endpoint.handle(headers, body, now=V3_NOW)
    assert v3.internal_error_reply() == wn.internal_error_reply(headers) == wn.HttpReply(500, "application/json", V3_REFUSAL)
