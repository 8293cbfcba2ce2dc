"""Smoke test for the installed wechatpay-notify wheel (scripts/test-dist.sh): run by a fresh venv's
python from a directory outside the source tree, after `pip install --no-index dist/*.whl`.

  smoke.py --version               prints wechatpay_notify.__version__ (the native module's)
  smoke.py API_KEY_FILE BODY_FILE  verifies BODY_FILE as an MD5-signed payment notification:
                                   "ok out_trade_no=... total_fee=... success=..." and exit 0, or
                                   "refused CODE: MESSAGE" and exit 1
  smoke.py installed VERSION       checks what pip installed: the package and its compiled module
                                   from site-packages (not the source tree), py.typed and the .pyi
                                   stubs beside it, the distribution's version and PEP 639 metadata,
                                   and the licence texts in its .dist-info; exit 1 naming what is wrong
"""

from __future__ import annotations

import sys
from pathlib import Path


def installed(version: str) -> list[str]:
    import importlib.metadata as md
    import sysconfig

    problems: list[str] = []
    try:
        import wechatpay_notify
        from wechatpay_notify import _native
    except ImportError as e:
        return [f"import failed: {e}"]
    package = Path(wechatpay_notify.__file__).resolve().parent
    site = Path(sysconfig.get_paths()["platlib"]).resolve()
    if package.parent != site:
        problems.append(f"wechatpay_notify imported from {package}, not from {site}")
    native = Path(_native.__file__ or "")
    if native.parent.resolve() != package or not native.name.endswith(".abi3.so"):
        problems.append(f"the native module is {native}, not an abi3 extension in {package}")
    for name in ("py.typed", "_native.pyi"):
        if not (package / name).is_file():
            problems.append(f"no {name} in the installed package")
    if wechatpay_notify.__version__ != version:
        problems.append(f"__version__ is {wechatpay_notify.__version__}, expected {version}")

    dist = md.distribution("wechatpay-notify")
    meta = dist.metadata
    if meta["Version"] != version:
        problems.append(f"installed distribution version {meta['Version']}, expected {version}")
    if meta["License-Expression"] != "MIT OR Apache-2.0":
        problems.append(f"License-Expression is {meta['License-Expression']!r}")
    if meta["Requires-Python"] != ">=3.9":
        problems.append(f"Requires-Python is {meta['Requires-Python']!r}")
    wanted = {"LICENSE-MIT": "MIT License", "LICENSE-APACHE": "Apache License"}
    declared = meta.get_all("License-File") or []
    if sorted(declared) != sorted(wanted):
        problems.append(f"License-File entries are {declared}, expected {sorted(wanted)}")
    recorded = {str(f): f for f in dist.files or []}
    for name, text in wanted.items():
        entry = f"wechatpay_notify-{version}.dist-info/licenses/{name}"
        file = recorded.get(entry)
        path = Path(str(dist.locate_file(file))) if file is not None else None
        if path is None or not path.is_file():
            problems.append(f"no {entry} installed")
        elif text not in path.read_text(encoding="utf-8"):
            problems.append(f"{entry} is not the {text} text")
    return problems


def main(argv: list[str]) -> int:
    if argv == ["--version"]:
        import wechatpay_notify

        print(wechatpay_notify.__version__)
        return 0
    if len(argv) == 2 and argv[0] == "installed":
        problems = installed(argv[1])
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    if len(argv) != 2:
        print("usage: smoke.py --version | API_KEY_FILE BODY_FILE | installed VERSION", file=sys.stderr)
        return 2
    import wechatpay_notify as wn

    key = Path(argv[0]).read_text(encoding="utf-8").strip()
    body = Path(argv[1]).read_bytes()
    verifier = wn.Verifier(key, "MD5")
    try:
        payment = verifier.verify_payment(body)
    except wn.NotifyError as e:
        print(f"refused {e.code}: {e.message}")
        return 1
    success = "true" if payment.is_success else "false"
    print(f"ok out_trade_no={payment.out_trade_no} total_fee={payment.total_fee} success={success}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
