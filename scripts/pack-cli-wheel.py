#!/usr/bin/env python3
"""Write the wechatpay-notify-cli wheel of one platform row (used by scripts/dist.sh cli).

The wheel carries the prebuilt `wechatpay-notify` binary and nothing else, the layout maturin's
`bindings = "bin"` writes (and ruff's wheels have): the binary under
wechatpay_notify_cli-VERSION.data/scripts/, which pip installs into the environment's bin/ (Scripts\\ on
Windows), so `pip install wechatpay-notify-cli` puts the command on PATH. It holds no Python code and no
extension module, so it is tagged py3-none-PLATFORM, for any Python 3.

It is written here rather than by maturin so that the binary is the one of the row's CLI archive, byte
for byte (tests/dist/check_platforms.py compares them), and so that no row's CLI is compiled twice.

    pack-cli-wheel.py --exe PATH --version V --platform TAG[.TAG...] --readme README.md \\
                      --license LICENSE-MIT --license LICENSE-APACHE --out DIR

TAG is the row's wheel platform tag (scripts/platforms.sh: row_wheel_platform); several, joined by dots,
make a compressed tag set (manylinux_2_17_x86_64.manylinux2014_x86_64, as maturin writes for
--compatibility manylinux2014). Entries are written in a fixed order with a fixed timestamp
(SOURCE_DATE_EPOCH, else 1980-01-01), so the same inputs give the same bytes. Prints the wheel's path.
"""

import argparse
import base64
import hashlib
import os
import re
import sys
import time
import zipfile

NAME = "wechatpay-notify-cli"
DIST = "wechatpay_notify_cli"  # the distribution name as wheel file names spell it (PEP 427)
SUMMARY = ("The wechatpay-notify command line, prebuilt (no Rust needed): simulate signed WeChat Pay "
           "notifications against your handler, make test keys, verify notifications")
URL = "https://github.com/wechatpay-notify/wechatpay-notify"
KEYWORDS = "wechat,wechatpay,payment,webhook,cli"
CLASSIFIERS = [
    "Environment :: Console",
    "Intended Audience :: Developers",
    "Programming Language :: Rust",
    "Topic :: Office/Business :: Financial",
    "Topic :: Software Development :: Testing",
]
# The operating system a platform tag is for (the wheel's Operating System classifier).
OS_CLASSIFIERS = [
    (re.compile(r"^(many|musl)linux"), "Operating System :: POSIX :: Linux"),
    (re.compile(r"^win"), "Operating System :: Microsoft :: Windows"),
    (re.compile(r"^macosx"), "Operating System :: MacOS :: MacOS X"),
]


def metadata(version, platform, readme, licences):
    os_classifier = next((c for pattern, c in OS_CLASSIFIERS if pattern.match(platform)), None)
    if os_classifier is None:
        sys.exit(f"pack-cli-wheel.py: no operating system known for the platform tag {platform}")
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {NAME}",
        f"Version: {version}",
        f"Summary: {SUMMARY}",
        f"Keywords: {KEYWORDS}",
        # PEP 639: an SPDX expression and the licence texts, in .dist-info/licenses/.
        "License-Expression: MIT OR Apache-2.0",
        *(f"License-File: {os.path.basename(l)}" for l in licences),
        *(f"Classifier: {c}" for c in sorted(CLASSIFIERS + [os_classifier])),
        f"Project-URL: Homepage, {URL}",
        f"Project-URL: Changelog, {URL}/blob/main/CHANGELOG.md",
        "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM",
    ]
    with open(readme, encoding="utf-8") as f:
        description = f.read()
    return ("\n".join(lines) + "\n\n" + description).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--platform", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--license", action="append", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tags = args.platform.split(".")
    exe_name = "wechatpay-notify.exe" if tags[0].startswith("win") else "wechatpay-notify"
    dist_info = f"{DIST}-{args.version}.dist-info"
    with open(args.exe, "rb") as f:
        exe = f.read()
    wheel = "".join([
        "Wheel-Version: 1.0\n",
        "Generator: wechatpay-notify (scripts/pack-cli-wheel.py)\n",
        "Root-Is-Purelib: false\n",
        *(f"Tag: py3-none-{t}\n" for t in tags),
    ]).encode()
    # (name, bytes, mode): the binary first, the .dist-info after it, RECORD last (PEP 427).
    entries = [(f"{DIST}-{args.version}.data/scripts/{exe_name}", exe, 0o755),
               (f"{dist_info}/METADATA", metadata(args.version, tags[0], args.readme, args.license), 0o644),
               (f"{dist_info}/WHEEL", wheel, 0o644)]
    for licence in args.license:
        with open(licence, "rb") as f:
            entries.append((f"{dist_info}/licenses/{os.path.basename(licence)}", f.read(), 0o644))
    record = []
    for name, data, _ in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))

    out = os.path.join(args.out, f"{DIST}-{args.version}-py3-none-{args.platform}.whl")
    stamp = time.gmtime(max(int(os.environ.get("SOURCE_DATE_EPOCH", "0")), 315532800))[:6]
    os.makedirs(args.out, exist_ok=True)
    with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, data)
    os.replace(out + ".tmp", out)
    print(out)


if __name__ == "__main__":
    main()
