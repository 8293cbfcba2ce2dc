#!/usr/bin/env python3
"""Structure check of the WechatPay.Notify .nupkg (scripts/test-dist.sh), independent of its packer.

    check_nupkg.py check NUPKG VERSION      exit 0 when the package is complete, else 1 with the reasons
    check_nupkg.py strip NUPKG OUT ENTRY... copy NUPKG to OUT without the named entries (for the
                                            checks that must fail on an incomplete package)

A complete package is a valid OPC zip ([Content_Types].xml covering every part, _rels/.rels whose
manifest and core-properties targets exist) holding the .nuspec (id WechatPay.Notify, VERSION, the
licence expression, a readme that is in the package, repository, a netstandard2.0 dependency group),
lib/netstandard2.0/WechatPay.Notify.dll (a .NET assembly), its XML documentation (for the assembly
WechatPay.Notify, documenting the public types), runtimes/linux-x64/native/libwechatpay_notify.so
(an x86-64 ELF shared object) and the licence texts LICENSE-MIT and LICENSE-APACHE.
"""

import sys
import zipfile
from xml.etree import ElementTree as ET

PACKAGE_ID = "WechatPay.Notify"
DLL = "lib/netstandard2.0/WechatPay.Notify.dll"
DOCS = "lib/netstandard2.0/WechatPay.Notify.xml"
NATIVE = "runtimes/linux-x64/native/libwechatpay_notify.so"
LICENCES = {"LICENSE-MIT": "MIT License", "LICENSE-APACHE": "Apache License"}
LICENSE_EXPRESSION = "MIT OR Apache-2.0"
OPC_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OPC_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MANIFEST_REL = "http://schemas.microsoft.com/packaging/2010/07/manifest"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
# Public types whose documentation must be in the XML file.
DOCUMENTED_TYPES = ["Verifier", "PaymentNotification", "RefundNotification", "WechatPayNotifyException",
                    "V3Verifier", "Endpoint", "Reply"]


def local(tag):
    return tag.rsplit("}", 1)[-1]


def check(path, version):
    problems = []
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        return [f"not a zip file: {e}"]
    names = set(z.namelist())
    if z.testzip() is not None:
        problems.append("a corrupt entry")

    # OPC: content types cover every part; the relationships point at parts that exist.
    if "[Content_Types].xml" not in names:
        problems.append("no [Content_Types].xml")
    else:
        types = ET.fromstring(z.read("[Content_Types].xml"))
        defaults = {d.get("Extension").lower() for d in types.iter(OPC_CT + "Default")}
        overrides = {o.get("PartName") for o in types.iter(OPC_CT + "Override")}
        for name in names - {"[Content_Types].xml"}:
            base = name.rsplit("/", 1)[-1]
            ext = base.rsplit(".", 1)[1].lower() if "." in base else None
            if ext not in defaults and "/" + name not in overrides:
                problems.append(f"no content type for {name}")
    nuspec_name = None
    if "_rels/.rels" not in names:
        problems.append("no _rels/.rels")
    else:
        for rel in ET.fromstring(z.read("_rels/.rels")).iter(OPC_REL + "Relationship"):
            target = rel.get("Target", "").lstrip("/")
            if target not in names:
                problems.append(f"_rels/.rels points at a missing part {target}")
            if rel.get("Type") == MANIFEST_REL:
                nuspec_name = target
            elif rel.get("Type") == CORE_REL and not target.startswith("package/services/metadata/core-properties/"):
                problems.append(f"core properties outside package/services/metadata/core-properties/: {target}")
        if nuspec_name is None:
            problems.append("_rels/.rels names no manifest (.nuspec)")

    # The manifest.
    if nuspec_name != f"{PACKAGE_ID}.nuspec" or nuspec_name not in names:
        problems.append(f"no {PACKAGE_ID}.nuspec at the root")
    else:
        meta = next((e for e in ET.fromstring(z.read(nuspec_name)) if local(e.tag) == "metadata"), None)
        fields = {local(e.tag): e for e in meta} if meta is not None else {}
        text = {k: (e.text or "").strip() for k, e in fields.items()}
        if text.get("id") != PACKAGE_ID:
            problems.append(f"nuspec id {text.get('id')!r}")
        if text.get("version") != version:
            problems.append(f"nuspec version {text.get('version')!r}, expected {version!r}")
        lic = fields.get("license")
        if lic is None or lic.get("type") != "expression" or text.get("license") != LICENSE_EXPRESSION:
            problems.append(f"nuspec licence is not the expression {LICENSE_EXPRESSION!r}")
        for required in ("authors", "description", "projectUrl"):
            if not text.get(required):
                problems.append(f"nuspec has no {required}")
        if "repository" not in fields or not fields["repository"].get("url"):
            problems.append("nuspec has no repository url")
        if not text.get("readme") or text["readme"] not in names:
            problems.append(f"nuspec readme {text.get('readme')!r} is not in the package")
        groups = [g.get("targetFramework") for g in fields["dependencies"]] if "dependencies" in fields else []
        if ".NETStandard2.0" not in groups:
            problems.append("nuspec has no .NETStandard2.0 dependency group")

    # The payload.
    if DLL not in names:
        problems.append(f"no {DLL}")
    elif not z.read(DLL).startswith(b"MZ"):
        problems.append(f"{DLL} is not a PE file")
    if DOCS not in names:
        problems.append(f"no {DOCS} (XML documentation)")
    else:
        doc = ET.fromstring(z.read(DOCS))
        if (doc.findtext("assembly/name") or "").strip() != PACKAGE_ID:
            problems.append(f"{DOCS} documents another assembly")
        members = {m.get("name") for m in doc.iter("member")}
        for t in DOCUMENTED_TYPES:
            if f"T:WechatPay.Notify.{t}" not in members:
                problems.append(f"{DOCS} has no documentation for WechatPay.Notify.{t}")
    if NATIVE not in names:
        problems.append(f"no {NATIVE} (native library)")
    else:
        head = z.read(NATIVE)[:20]
        # ELF magic, 64-bit, little endian; e_type ET_DYN (3); e_machine x86-64 (62).
        if head[:6] != b"\x7fELF\x02\x01" or head[16:18] != b"\x03\x00" or head[18:20] != b"\x3e\x00":
            problems.append(f"{NATIVE} is not an x86-64 ELF shared object")
    for name, first_words in LICENCES.items():
        if name not in names:
            problems.append(f"no {name} (licence text)")
        elif first_words not in z.read(name).decode("utf-8", "replace")[:200]:
            problems.append(f"{name} is not the {first_words} text")
    return problems


def strip(src, dst, entries):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in entries:
                zout.writestr(info, zin.read(info.filename))


def main(argv):
    if len(argv) == 3 and argv[0] == "check":
        problems = check(argv[1], argv[2])
        for p in problems:
            print(f"nupkg: {p}", file=sys.stderr)
        return 1 if problems else 0
    if len(argv) >= 4 and argv[0] == "strip":
        strip(argv[1], argv[2], set(argv[3:]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
