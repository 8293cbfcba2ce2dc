#!/usr/bin/env python3
"""Structure check of the wechatpay-notify wheel and sdist (scripts/test-dist.sh), independent of maturin.

    check_wheel.py wheel WHEEL VERSION   exit 0 when the wheel is complete, else 1 with the reasons
    check_wheel.py sdist SDIST VERSION   the same for the source distribution
    check_wheel.py strip WHEEL OUT ENTRY...
                                         copy WHEEL to OUT without the named entries (and their RECORD
                                         lines), for the checks that must fail on an incomplete wheel

A complete wheel is named wechatpay_notify-VERSION-cp39-abi3-manylinux_X_Y_x86_64.whl (abi3 for CPython
>= 3.9; maturin writes the 2.17 tag as manylinux2014_x86_64.manylinux_2_17_x86_64) with the same tags
in its WHEEL file; it holds the package (__init__.py), the compiled module
wechatpay_notify/_native.abi3.so (an x86-64 ELF shared object that needs no glibc symbol version newer
than X.Y and no library outside the manylinux set), the stubs _native.pyi and the py.typed marker, and
a .dist-info with METADATA (Name, VERSION, License-Expression MIT OR Apache-2.0, License-File for
both licences, Requires-Python >=3.9), RECORD listing every file, and the licence texts in licenses/.
A complete sdist has PKG-INFO (VERSION, the licence expression), pyproject.toml, Cargo.toml and
Cargo.lock, the Python sources with py.typed and the stubs, the binding's and the core's Rust sources
and the licence texts.
"""

import email.parser
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "wechatpay_notify"
NATIVE = f"{PACKAGE}/_native.abi3.so"
LICENCES = {"LICENSE-MIT": "MIT License", "LICENSE-APACHE": "Apache License"}
LICENSE_EXPRESSION = "MIT OR Apache-2.0"
# One manylinux_X_Y tag, or maturin's compressed set for 2.17: manylinux2014_x86_64.manylinux_2_17_x86_64.
TAG = re.compile(r"^cp39-abi3-(?:manylinux2014_x86_64\.)?manylinux_(\d+)_(\d+)_x86_64(?:\.manylinux2014_x86_64)?$")
# PEP 600 / auditwheel: the libraries a manylinux wheel may link without bundling them.
MANYLINUX_LIBS = {"libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
                  "libgcc_s.so.1", "libstdc++.so.6", "ld-linux-x86-64.so.2", "libutil.so.1",
                  "libnsl.so.1", "libcrypt.so.1", "libX11.so.6", "libGL.so.1"}


def metadata(text):
    return email.parser.Parser().parsestr(text)


def check_native(data, major, minor):
    """The compiled module's ELF: x86-64 shared object, glibc versions <= major.minor, allowed NEEDED."""
    problems = []
    if data[:4] != b"\x7fELF" or data[4] != 2 or int.from_bytes(data[18:20], "little") != 62:
        return [f"{NATIVE} is not an x86-64 ELF object"]
    with tempfile.NamedTemporaryFile(suffix=".so") as f:
        f.write(data)
        f.flush()
        syms = subprocess.run(["readelf", "--dyn-syms", "--wide", f.name], capture_output=True,
                              text=True, check=True).stdout
        dynamic = subprocess.run(["readelf", "--dynamic", "--wide", f.name], capture_output=True,
                                 text=True, check=True).stdout
    versions = {(int(a), int(b)) for a, b in re.findall(r"@GLIBC_(\d+)\.(\d+)", syms)}
    if not versions:
        problems.append(f"{NATIVE} has no versioned glibc symbols (not a glibc build?)")
    newer = sorted(v for v in versions if v > (major, minor))
    if newer:
        problems.append(f"{NATIVE} needs GLIBC_{newer[-1][0]}.{newer[-1][1]}, newer than the tag's {major}.{minor}")
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
    if needed - MANYLINUX_LIBS:
        problems.append(f"{NATIVE} links libraries outside the manylinux set: {sorted(needed - MANYLINUX_LIBS)}")
    if re.search(r"\(NEEDED\)\s+Shared library: \[libpython", dynamic):
        problems.append(f"{NATIVE} links libpython (not an extension-module build)")
    return problems


def check_wheel(path, version):
    problems = []
    name = Path(path).name
    prefix = f"{PACKAGE}-{version}-"
    if not (name.startswith(prefix) and name.endswith(".whl")):
        return [f"{name} is not a {PACKAGE} {version} wheel"]
    tag = TAG.match(name[len(prefix):-len(".whl")])
    if tag is None:
        return [f"{name}: tag is not cp39-abi3-manylinux_X_Y_x86_64"]
    major, minor = int(tag.group(1)), int(tag.group(2))
    info = f"{PACKAGE}-{version}.dist-info"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for entry in (f"{PACKAGE}/__init__.py", NATIVE, f"{PACKAGE}/_native.pyi", f"{PACKAGE}/py.typed",
                      f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"):
            if entry not in names:
                problems.append(f"no {entry}")
        if f"{info}/WHEEL" in names:
            wheel = metadata(z.read(f"{info}/WHEEL").decode())
            expected = [f"cp39-abi3-{t}" for t in tag.group(0)[len("cp39-abi3-"):].split(".")]
            if "manylinux2014" in tag.group(0) and (major, minor) != (2, 17):
                problems.append(f"{name}: manylinux2014 is manylinux_2_17, not {major}_{minor}")
            if sorted(wheel.get_all("Tag") or []) != sorted(expected):
                problems.append(f"WHEEL tags {wheel.get_all('Tag')} differ from the file name's {tag.group(0)}")
            if wheel["Root-Is-Purelib"] != "false":
                problems.append("WHEEL: Root-Is-Purelib is not false")
        if f"{info}/METADATA" in names:
            meta = metadata(z.read(f"{info}/METADATA").decode())
            for field, want in (("Name", "wechatpay-notify"), ("Version", version),
                                ("License-Expression", LICENSE_EXPRESSION), ("Requires-Python", ">=3.9")):
                if meta[field] != want:
                    problems.append(f"METADATA {field} is {meta[field]!r}, expected {want!r}")
            if sorted(meta.get_all("License-File") or []) != sorted(LICENCES):
                problems.append(f"METADATA License-File is {meta.get_all('License-File')}")
        for licence, text in LICENCES.items():
            entry = f"{info}/licenses/{licence}"
            if entry not in names:
                problems.append(f"no {entry}")
            elif text not in z.read(entry).decode():
                problems.append(f"{entry} is not the {text} text")
        if f"{info}/RECORD" in names:
            recorded = {line.split(",")[0] for line in z.read(f"{info}/RECORD").decode().splitlines() if line}
            if recorded != names:
                problems.append(f"RECORD and the archive differ: {sorted(recorded ^ names)}")
        if NATIVE in names:
            problems += check_native(z.read(NATIVE), major, minor)
    return problems


def check_sdist(path, version):
    problems = []
    top = f"{PACKAGE}-{version}"
    with tarfile.open(path) as t:
        names = set(t.getnames())
        for entry in ("PKG-INFO", "pyproject.toml", "Cargo.toml", "Cargo.lock", "LICENSE-MIT", "LICENSE-APACHE",
                      f"python/{PACKAGE}/__init__.py", f"python/{PACKAGE}/_native.pyi", f"python/{PACKAGE}/py.typed",
                      "bindings/python/Cargo.toml", "bindings/python/src/lib.rs",
                      "crates/wechatpay-notify/Cargo.toml", "crates/wechatpay-notify/src/lib.rs"):
            if f"{top}/{entry}" not in names:
                problems.append(f"no {top}/{entry}")
        if f"{top}/PKG-INFO" in names:
            meta = metadata(t.extractfile(f"{top}/PKG-INFO").read().decode())
            for field, want in (("Version", version), ("License-Expression", LICENSE_EXPRESSION)):
                if meta[field] != want:
                    problems.append(f"PKG-INFO {field} is {meta[field]!r}, expected {want!r}")
        for licence, text in LICENCES.items():
            if f"{top}/{licence}" in names and text not in t.extractfile(f"{top}/{licence}").read().decode():
                problems.append(f"{top}/{licence} is not the {text} text")
    return problems


def strip(path, out, entries):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        missing = set(entries) - set(src.namelist())
        if missing:
            raise SystemExit(f"strip: {path} has no {sorted(missing)}")
        for item in src.infolist():
            if item.filename in entries:
                continue
            data = src.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                lines = [line for line in data.decode().splitlines(keepends=True)
                         if line.split(",")[0] not in entries]
                data = "".join(lines).encode()
            dst.writestr(item, data)


def main(argv):
    if len(argv) >= 4 and argv[0] == "strip":
        strip(argv[1], argv[2], argv[3:])
        return 0
    if len(argv) != 3 or argv[0] not in ("wheel", "sdist"):
        print(__doc__, file=sys.stderr)
        return 2
    problems = (check_wheel if argv[0] == "wheel" else check_sdist)(argv[1], argv[2])
    for p in problems:
        print(f"{Path(argv[1]).name}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
