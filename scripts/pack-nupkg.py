#!/usr/bin/env python3
"""Write the WechatPay.Notify .nupkg without the .NET SDK (used by scripts/dist.sh dotnet).

A .nupkg is an OPC zip: [Content_Types].xml, _rels/.rels (pointing at the .nuspec and the core
properties), the .nuspec at the root, package/services/metadata/core-properties/<id>.psmdcp, and the
payload. The package metadata comes from bindings/dotnet/WechatPay.Notify.csproj (the properties
`dotnet pack` reads), so there is one place for it; the version must equal the workspace's.

    pack-nupkg.py --csproj CSPROJ --version V --dll DLL --xml XML --native RID=LIB [--native RID=LIB ...] \
                  --readme README.md --license LICENSE-MIT --license LICENSE-APACHE --out DIR [--commit SHA]

Each --native puts LIB (libwechatpay_notify.so / .dylib, wechatpay_notify.dll) at
runtimes/RID/native/ under its own file name, where .NET's native library probing finds it for RID.

Entries are written in a fixed order with a fixed timestamp (SOURCE_DATE_EPOCH, else 1980-01-01),
so the same inputs give the same bytes.
"""

import argparse
import hashlib
import os
import sys
import time
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

NUSPEC_NS = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"


def csproj_properties(path):
    props = {}
    for group in ET.parse(path).getroot().iter("PropertyGroup"):
        for prop in group:
            if prop.text is not None and prop.tag not in props:
                props[prop.tag] = prop.text.strip()
    return props


def required(props, name):
    value = props.get(name)
    if not value:
        sys.exit(f"pack-nupkg: the .csproj has no <{name}>")
    return value


def nuspec(props, version, commit, license_files):
    pid = required(props, "PackageId")
    expression = required(props, "PackageLicenseExpression")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<package xmlns="{NUSPEC_NS}">',
        '  <metadata>',
        f"    <id>{escape(pid)}</id>",
        f"    <version>{escape(version)}</version>",
        f"    <authors>{escape(required(props, 'Authors'))}</authors>",
        f'    <license type="expression">{escape(expression)}</license>',
        # What dotnet pack writes next to a licence expression (nuget.org accepts no other URL then).
        "    <licenseUrl>https://aka.ms/deprecateLicenseUrl</licenseUrl>",
        f"    <readme>{escape(required(props, 'PackageReadmeFile'))}</readme>",
        f"    <projectUrl>{escape(required(props, 'PackageProjectUrl'))}</projectUrl>",
        f"    <description>{escape(required(props, 'Description'))}</description>",
        f"    <copyright>{escape(required(props, 'Copyright'))}</copyright>",
        f"    <tags>{escape(required(props, 'PackageTags').replace(';', ' '))}</tags>",
    ]
    repo = f"    <repository type={quoteattr(props.get('RepositoryType', 'git'))} url={quoteattr(required(props, 'RepositoryUrl'))}"
    if commit:
        repo += f" commit={quoteattr(commit)}"
    lines += [
        repo + " />",
        "    <dependencies>",
        '      <group targetFramework=".NETStandard2.0" />',
        "    </dependencies>",
        "  </metadata>",
        "</package>",
        "",
    ]
    return "\n".join(lines)


def core_properties(props, version):
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">',
        f"  <dc:creator>{escape(props['Authors'])}</dc:creator>",
        f"  <dc:description>{escape(props['Description'])}</dc:description>",
        f"  <dc:identifier>{escape(props['PackageId'])}</dc:identifier>",
        f"  <version>{escape(version)}</version>",
        f"  <keywords>{escape(props['PackageTags'].replace(';', ' '))}</keywords>",
        "  <lastModifiedBy>scripts/pack-nupkg.py</lastModifiedBy>",
        "</coreProperties>",
        "",
    ])


def content_types(part_names):
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "psmdcp": "application/vnd.openxmlformats-package.core-properties+xml",
    }
    overrides = []
    for name in part_names:
        base = name.rsplit("/", 1)[-1]
        if "." in base:
            defaults.setdefault(base.rsplit(".", 1)[1].lower(), "application/octet")
        else:
            overrides.append(name)
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
    lines += [f'  <Default Extension="{ext}" ContentType="{ct}" />' for ext, ct in defaults.items()]
    lines += [f'  <Override PartName="/{name}" ContentType="application/octet" />' for name in overrides]
    lines += ["</Types>", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csproj", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--dll", required=True)
    ap.add_argument("--xml", required=True)
    ap.add_argument("--native", action="append", required=True, metavar="RID=LIB")
    ap.add_argument("--readme", required=True)
    ap.add_argument("--license", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--commit", default="")
    args = ap.parse_args()

    props = csproj_properties(args.csproj)
    pid = required(props, "PackageId")
    if required(props, "Version") != args.version:
        sys.exit(f"pack-nupkg: the .csproj says version {props['Version']}, the workspace {args.version}")
    assembly = required(props, "AssemblyName")
    framework = required(props, "TargetFramework")

    payload = [
        (f"lib/{framework}/{assembly}.dll", args.dll),
        (f"lib/{framework}/{assembly}.xml", args.xml),
    ]
    for spec in args.native:
        rid, sep, path = spec.partition("=")
        if not sep or not rid:
            sys.exit(f"pack-nupkg: --native wants RID=LIB, got {spec!r}")
        payload.append((f"runtimes/{rid}/native/{os.path.basename(path)}", path))
    payload += [(required(props, "PackageReadmeFile"), args.readme)]
    payload += [(os.path.basename(path), path) for path in args.license]
    for _, path in payload:
        if not os.path.isfile(path):
            sys.exit(f"pack-nupkg: missing {path}")

    psmdcp = "package/services/metadata/core-properties/" + hashlib.sha256(
        f"{pid} {args.version}".encode()).hexdigest()[:32] + ".psmdcp"
    rels = "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">',
        f'  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/{pid}.nuspec" Id="R0" />',
        '  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        f'Target="/{psmdcp}" Id="R1" />',
        "</Relationships>",
        "",
    ])
    generated = [
        ("_rels/.rels", rels),
        (f"{pid}.nuspec", nuspec(props, args.version, args.commit, args.license)),
    ]
    parts = [name for name, _ in generated] + [name for name, _ in payload] + [psmdcp]

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    stamp = time.gmtime(max(epoch, 315532800))[:6]

    def entry(name, mode=0o644):
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (0o100000 | mode) << 16
        return info

    os.makedirs(args.out, exist_ok=True)
    out = os.path.join(args.out, f"{pid}.{args.version}.nupkg")
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr(entry("[Content_Types].xml"), content_types(parts))
        for name, text in generated:
            z.writestr(entry(name), text)
        for name, path in payload:
            with open(path, "rb") as f:
                z.writestr(entry(name, 0o755 if name.endswith((".so", ".dylib", ".dll")) else 0o644), f.read())
        z.writestr(entry(psmdcp), core_properties(props, args.version))
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
