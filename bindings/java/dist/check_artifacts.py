#!/usr/bin/env python3
"""Checks the Java artifacts in dist/ (scripts/test-dist-java.sh).

    check_artifacts.py jar JAR VERSION            the jar: classes for Java 8 (class file 52) with the
                                                  Java 9 SafetyNet under META-INF/versions/9 (53), the
                                                  manifest (Multi-Release, Automatic-Module-Name,
                                                  Implementation-Version), the native library
                                                  linux-x86-64/libwechatpay_notify.so (a 64-bit x86-64 ELF
                                                  shared object exporting wechatpay_*), version.properties,
                                                  META-INF/maven pom.properties, the licences
    check_artifacts.py pom POM JAR VERSION JNA    the pom: coordinates io.github.wechatpay-notify:
                                                  wechatpay-notify:VERSION, packaging jar, exactly one
                                                  dependency outside the test scope, net.java.dev.jna:jna:JNA,
                                                  licences, scm; and the same file as the pom the jar
                                                  carries (META-INF/maven/.../pom.xml), whose coordinates the
                                                  jar's pom.properties repeats
    check_artifacts.py sources JAR                the sources jar: the library's sources and licences
    check_artifacts.py javadoc JAR                the javadoc jar: index.html and the public classes' pages
    check_artifacts.py strip JAR OUT ENTRY...     a copy of JAR without ENTRY (for the checks' own tests)
    check_artifacts.py edit-pom POM OUT OLD NEW   a copy of POM with OLD replaced by NEW

Exit 0 when the artifact is complete; 1 with the reasons on stderr. Standard library only.
"""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET
import zipfile

GROUP, ARTIFACT = "io.github.wechatpay-notify", "wechatpay-notify"
PACKAGE = "io/github/wechatpay_notify/"
NATIVE = "linux-x86-64/libwechatpay_notify.so"
PUBLIC = ["Verifier", "V3Verifier", "Endpoint", "MerchantProfile", "EndpointResult", "EndpointRejectedException",
          "NotifyException", "PaymentNotification", "RefundNotification", "V3Notification", "V3Transaction", "V3Refund", "V3ProfitSharing", "V3Transfer", "V3Complaint",
          "Coupon", "Reply", "HttpReply", "Signer", "SignType", "ApiVersion", "Library"]
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def class_major(data: bytes) -> int:
    magic, _minor, major = struct.unpack(">IHH", data[:8])
    return major if magic == 0xCAFEBABE else -1


def check_jar(path: str, version: str) -> list[str]:
    problems = []
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    for cls in PUBLIC + ["NativeMethods", "NativeHandle", "SafetyNet"]:
        entry = PACKAGE + cls + ".class"
        if entry not in names:
            problems.append(f"no {entry}")
        elif class_major(z.read(entry)) != 52:
            problems.append(f"{entry} is class file version {class_major(z.read(entry))}, not 52 (Java 8)")
    nine = "META-INF/versions/9/" + PACKAGE + "SafetyNet.class"
    if nine not in names:
        problems.append(f"no {nine} (the java.lang.ref.Cleaner safety net)")
    elif class_major(z.read(nine)) != 53:
        problems.append(f"{nine} is class file version {class_major(z.read(nine))}, not 53 (Java 9)")
    manifest = z.read("META-INF/MANIFEST.MF").decode("utf-8") if "META-INF/MANIFEST.MF" in names else ""
    for line in ("Multi-Release: true", "Automatic-Module-Name: io.github.wechatpay_notify", f"Implementation-Version: {version}"):
        if line not in manifest.splitlines():
            problems.append(f"the manifest lacks '{line}'")
    if NATIVE not in names:
        problems.append(f"no native library {NATIVE}")
    else:
        elf = z.read(NATIVE)
        # ELF, 64-bit, little-endian, shared object (e_type 3), x86-64 (e_machine 62).
        if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1 or struct.unpack("<HH", elf[16:20]) != (3, 62):
            problems.append(f"{NATIVE} is not a 64-bit x86-64 ELF shared object")
        if b"wechatpay_verifier_verify_payment" not in elf:
            problems.append(f"{NATIVE} does not export wechatpay_verifier_verify_payment")
    props = PACKAGE + "version.properties"
    if props not in names or z.read(props).decode("utf-8").strip() != f"version={version}":
        problems.append(f"{props} is missing or not version={version}")
    pp = f"META-INF/maven/{GROUP}/{ARTIFACT}/pom.properties"
    if pp not in names:
        problems.append(f"no {pp}")
    else:
        text = z.read(pp).decode("utf-8").splitlines()
        for line in (f"groupId={GROUP}", f"artifactId={ARTIFACT}", f"version={version}"):
            if line not in text:
                problems.append(f"{pp} lacks {line}")
    problems += licences(z, "META-INF/")
    return problems


def licences(z: zipfile.ZipFile, prefix: str) -> list[str]:
    problems = []
    for name, text in (("LICENSE-MIT", b"MIT License"), ("LICENSE-APACHE", b"Apache License")):
        if prefix + name not in z.namelist() or text not in z.read(prefix + name):
            problems.append(f"no {prefix}{name} with the licence text")
    return problems


def dependencies(root: ET.Element) -> list[tuple[str, str, str, str]]:
    out = []
    for d in root.findall("m:dependencies/m:dependency", NS):
        get = lambda tag: (d.findtext(f"m:{tag}", default="", namespaces=NS) or "").strip()  # noqa: E731
        out.append((get("groupId"), get("artifactId"), get("version"), get("scope") or "compile"))
    return out


def check_pom(path: str, jar: str, version: str, jna: str) -> list[str]:
    problems = []
    data = open(path, "rb").read()
    root = ET.fromstring(data)
    get = lambda tag: (root.findtext(f"m:{tag}", default="", namespaces=NS) or "").strip()  # noqa: E731
    for tag, want in (("groupId", GROUP), ("artifactId", ARTIFACT), ("version", version), ("packaging", "jar")):
        if get(tag) != want:
            problems.append(f"<{tag}> is {get(tag)!r}, not {want!r}")
    runtime = [d for d in dependencies(root) if d[3] not in ("test", "provided")]
    if runtime != [("net.java.dev.jna", "jna", jna, "compile")]:
        problems.append(f"the dependencies outside the test scope are {runtime}, not exactly net.java.dev.jna:jna:{jna}")
    if len(root.findall("m:licenses/m:license", NS)) != 2:
        problems.append("not the two licences (MIT, Apache-2.0)")
    if not get("description") or root.find("m:scm/m:url", NS) is None or not get("url"):
        problems.append("no description, url or scm")
    z = zipfile.ZipFile(jar)
    embedded = f"META-INF/maven/{GROUP}/{ARTIFACT}/pom.xml"
    if embedded not in z.namelist():
        problems.append(f"the jar has no {embedded}")
    elif z.read(embedded) != data:
        problems.append(f"the pom differs from the one the jar was built with ({embedded})")
    return problems


def check_sources(path: str) -> list[str]:
    z = zipfile.ZipFile(path)
    problems = [f"no {PACKAGE}{c}.java" for c in PUBLIC + ["NativeMethods"] if PACKAGE + c + ".java" not in z.namelist()]
    if any(n.endswith((".so", ".dll", ".dylib")) for n in z.namelist()):
        problems.append("the sources jar carries a native library")
    return problems + licences(z, "META-INF/")


def check_javadoc(path: str) -> list[str]:
    z = zipfile.ZipFile(path)
    names = z.namelist()
    problems = [] if "index.html" in names else ["no index.html"]
    return problems + [f"no {PACKAGE}{c}.html" for c in PUBLIC if PACKAGE + c + ".html" not in names]


def strip(src: str, out: str, entries: list[str]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in entries:
                zout.writestr(info, zin.read(info.filename))


def main(argv: list[str]) -> int:
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "jar" and len(args) == 2:
        problems = check_jar(*args)
    elif cmd == "pom" and len(args) == 4:
        problems = check_pom(*args)
    elif cmd == "sources" and len(args) == 1:
        problems = check_sources(args[0])
    elif cmd == "javadoc" and len(args) == 1:
        problems = check_javadoc(args[0])
    elif cmd == "strip" and len(args) >= 3:
        strip(args[0], args[1], args[2:])
        return 0
    elif cmd == "edit-pom" and len(args) == 4:
        text = open(args[0], encoding="utf-8").read()
        if args[2] not in text:
            print(f"edit-pom: {args[2]!r} is not in {args[0]}", file=sys.stderr)
            return 2
        open(args[1], "w", encoding="utf-8").write(text.replace(args[2], args[3]))
        return 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"{cmd} {args[0]}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
