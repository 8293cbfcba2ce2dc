#!/usr/bin/env python3
"""Structural check of every platform artifact in dist/ (issue 18), runnable by anyone on any machine
with Python 3.9+ (binutils' readelf for ELF; auditwheel, when given, for the Linux wheels).

    check_platforms.py DIST VERSION HEADER [--rows all|present|ROW,...] [--complete all|none|ROW,...]
                       [--auditwheel PATH]

--rows: the rows to check (default present: every row with an artifact in DIST). --complete: the
rows that must have every artifact below (default: every row checked); the others need their CLI
archive and C SDK, and whatever else DIST holds of them is checked the same way (make test builds
some rows' CLI and C SDK only).

For each platform row it opens the CLI archive, the C SDK archive, the wheel, the npm platform
package, the NuGet package's runtimes/<RID>/native/, the jar's JNA resource directory (<os>-<arch>/),
and the CLI's wheel and npm platform package (issue 23: the CLI archive's binary, byte for byte, the
library wheel's platform tag as py3-none, the npm os/cpu/libc, executable), and checks, per binary:
  - the format and architecture (ELF x86-64 / AArch64, PE32+ x86-64, Mach-O x86_64 / arm64) and kind
    (executable, shared library, Python extension, Node-API addon), no debug sections left;
  - ELF, glibc rows: no symbol version newer than GLIBC_2.17, needed libraries only from glibc's
    set, the usual loader; musl rows: the CLI static (no interpreter, no needed library), shared
    objects linked to musl's libc.so only; the C library's SONAME;
  - PE: imported DLLs are Windows system DLLs only (no MinGW runtime DLL: libgcc_s_seh-1,
    libwinpthread-1, libstdc++-6), the .pyd imports python3.dll and no python3X.dll;
  - Mach-O: the platform macOS and the minimum version (LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX)
    equal to the row's (and to the wheel's tag), an LC_UUID, install names under @rpath (the C
    library's @rpath/libwechatpay_notify.dylib), dependent libraries only from /usr/lib and /System/Library;
    an ad-hoc code signature (required on arm64, checked where present on x86_64) whose page hashes
    match the image and whose identifier is the file's name;
  - exported symbols: the C library's are exactly the header's functions (ELF, PE and Mach-O alike,
    nothing of Rust's, C's or the linker's), the Python module's PyInit__native only, the addon's
    the Node-API registration symbols only, the macOS CLI's __mh_execute_header only (what ld64
    exports from every executable); the static library's index defines every header function
    and holds objects of the row's format and architecture; the import library names the DLL;
  - the wheel's tag for the row (auditwheel show agrees for the Linux wheels: manylinux_2_17 /
    musllinux_1_2), the npm package's name, os, cpu and libc, the NuGet and jar libraries
    byte-equal to the C SDK's.
Prints one line per artifact with its size; exit 1 when anything is wrong or missing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROWS = {
    # row: (triple, format, arch, libc, wheel platform, nuget rid, macOS minimum)
    "linux-x64-gnu": ("x86_64-unknown-linux-gnu", "elf", "x86_64", "glibc", "manylinux_2_17_x86_64", "linux-x64", None),
    "linux-arm64-gnu": ("aarch64-unknown-linux-gnu", "elf", "aarch64", "glibc", "manylinux_2_17_aarch64", "linux-arm64", None),
    "linux-x64-musl": ("x86_64-unknown-linux-musl", "elf", "x86_64", "musl", "musllinux_1_2_x86_64", "linux-musl-x64", None),
    "linux-arm64-musl": ("aarch64-unknown-linux-musl", "elf", "aarch64", "musl", "musllinux_1_2_aarch64", "linux-musl-arm64", None),
    "win32-x64-gnu": ("x86_64-pc-windows-gnu", "pe", "x86_64", None, "win_amd64", "win-x64", None),
    "darwin-x64": ("x86_64-apple-darwin", "macho", "x86_64", None, "macosx_10_12_x86_64", "osx-x64", (10, 12)),
    "darwin-arm64": ("aarch64-apple-darwin", "macho", "arm64", None, "macosx_11_0_arm64", "osx-arm64", (11, 0)),
}
# What a complete row has (--complete); every row needs the first two.
ARTIFACTS = ("cli", "c", "wheel", "npm", "nuget", "jar", "cli-wheel", "cli-npm")
# The jar's resource directory per row: JNA's Platform.RESOURCE_PREFIX. JNA does not tell musl from
# glibc, so the musl rows have none (their users point jna.library.path at the musl C SDK).
JNA_PREFIX = {
    "linux-x64-gnu": "linux-x86-64",
    "linux-arm64-gnu": "linux-aarch64",
    "win32-x64-gnu": "win32-x86-64",
    "darwin-x64": "darwin-x86-64",
    "darwin-arm64": "darwin-aarch64",
}
NAPI_EXPORTS = {"napi_register_module_v1", "node_api_module_get_api_version_v1"}
GLIBC_MAX = (2, 17)
GLIBC_LIBS = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libgcc_s.so.1",
              "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libutil.so.1"}
ELF_INTERP = {"x86_64": "/lib64/ld-linux-x86-64.so.2", "aarch64": "/lib/ld-linux-aarch64.so.1"}
# Windows system DLLs (lower case) a Rust/MinGW binary may import; api-ms-win-* API sets too.
WINDOWS_DLLS = {"kernel32.dll", "ntdll.dll", "msvcrt.dll", "ws2_32.dll", "advapi32.dll", "userenv.dll",
                "bcrypt.dll", "bcryptprimitives.dll", "shell32.dll", "ole32.dll", "user32.dll", "secur32.dll",
                "crypt32.dll", "ucrtbase.dll"}
MINGW_RUNTIME = re.compile(r"^(libgcc_s_.*|libwinpthread-.*|libstdc\+\+-.*|libssp-.*|libatomic-.*)\.dll$", re.I)
MACHO_DYLIB_PREFIXES = ("/usr/lib/", "/System/Library/")
# What a macOS executable exports: ld64 exports the Mach-O header symbol __mh_execute_header from
# every executable it links (scripts/platforms.sh links the CLI with that one only;
# an ELF or PE executable exports nothing). Names are given without the leading underscore.
MACHO_EXE_EXPORTS = {"_mh_execute_header"}


class Problems(list):
    def want(self, cond, what):
        if not cond:
            self.append(what)
        return cond


# ------------------------------------------------------------------------------------------------
# ELF (through readelf: any architecture)

def readelf(path, *args):
    return subprocess.run(["readelf", "--wide", *args, path], capture_output=True, text=True, check=True).stdout


def elf_info(path):
    data = Path(path).read_bytes()[:64]
    if data[:4] != b"\x7fELF":
        return None
    machine = struct.unpack_from("<H", data, 18)[0]
    etype = struct.unpack_from("<H", data, 16)[0]
    headers = readelf(path, "--program-headers", "--dynamic", "--section-headers")
    dyn = readelf(path, "--dyn-syms", "--version-info")
    interp = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", headers)
    exports = set()
    for line in dyn.splitlines():
        f = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(f) >= 8 and f[0].endswith(":") and f[0][:-1].isdigit() and f[6] != "UND" and f[4] in ("GLOBAL", "WEAK") \
                and f[3] in ("FUNC", "OBJECT", "IFUNC") and f[5] == "DEFAULT":
            exports.add(f[7].split("@")[0])
    return {
        "format": "elf",
        "arch": {62: "x86_64", 183: "aarch64"}.get(machine, f"machine {machine}"),
        "class64": data[4] == 2,
        "type": {2: "exec", 3: "dyn"}.get(etype, str(etype)),
        "interp": interp.group(1) if interp else None,
        "needed": re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", headers),
        "soname": (re.findall(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", headers) or [None])[0],
        "glibc": sorted({(int(a), int(b)) for a, b in re.findall(r"GLIBC_(\d+)\.(\d+)", dyn)}),
        "debug": sorted(set(re.findall(r"\] (\.debug_\w+|\.zdebug_\w+)", headers))),
        "exports": exports,
    }


# ------------------------------------------------------------------------------------------------
# PE/COFF

def pe_info(path):
    data = Path(path).read_bytes()
    if data[:2] != b"MZ":
        return None
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return None
    machine, nsect, _, _, _, optsize, chars = struct.unpack_from("<HHIIIHH", data, pe + 4)
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    subsystem = struct.unpack_from("<H", data, opt + 68)[0]
    ndirs = struct.unpack_from("<I", data, opt + 108)[0]
    dirs = [struct.unpack_from("<II", data, opt + 112 + 8 * i) for i in range(min(ndirs, 16))]
    sections = []
    for i in range(nsect):
        s = opt + optsize + 40 * i
        name = data[s:s + 8].rstrip(b"\0").decode("latin-1")
        vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", data, s + 8)
        sections.append((name, va, max(vsize, rawsize), rawptr))

    def off(rva):
        for _, va, size, raw in sections:
            if va <= rva < va + size:
                return rva - va + raw
        raise ValueError(f"RVA {rva:#x} outside the sections")

    def cstr(o):
        return data[o:data.index(b"\0", o)].decode("latin-1")

    imports = []
    if len(dirs) > 1 and dirs[1][0]:
        o = off(dirs[1][0])
        while True:
            ilt, _, _, name_rva, iat = struct.unpack_from("<IIIII", data, o)
            if not (ilt or name_rva or iat):
                break
            imports.append(cstr(off(name_rva)))
            o += 20
    # Delay-loaded DLLs count too (directory 13).
    if len(dirs) > 13 and dirs[13][0]:
        o = off(dirs[13][0])
        while True:
            attrs, name_rva = struct.unpack_from("<II", data, o)
            if not name_rva:
                break
            imports.append(cstr(off(name_rva)))
            o += 32
    exports, dll_name = set(), None
    if dirs and dirs[0][0]:
        o = off(dirs[0][0])
        name_rva, _, _, nnames, _, names_rva = struct.unpack_from("<IIIIII", data, o + 12)[0:1] + \
            struct.unpack_from("<IIIII", data, o + 16)
        dll_name = cstr(off(name_rva))
        names = off(names_rva)
        for i in range(nnames):
            exports.add(cstr(off(struct.unpack_from("<I", data, names + 4 * i)[0])))
    return {
        "format": "pe",
        "arch": {0x8664: "x86_64", 0xAA64: "aarch64"}.get(machine, f"machine {machine:#x}"),
        "class64": magic == 0x20B,
        "type": "dll" if chars & 0x2000 else "exec",
        "subsystem": {2: "gui", 3: "console"}.get(subsystem, str(subsystem)),
        "imports": imports,
        "exports": exports,
        "dll_name": dll_name,
        "debug": sorted(n for n, *_ in sections if n.startswith(".debug") or n.startswith("/")),
    }


# ------------------------------------------------------------------------------------------------
# Mach-O

def macho_info(path):
    data = Path(path).read_bytes()
    if data[:4] != b"\xcf\xfa\xed\xfe":
        return None
    cputype, _, filetype, ncmds, _, _ = struct.unpack_from("<iiIIII", data, 4)
    o = 32
    minos, install_name, dylibs, rpaths, symtab, dysymtab, segments, trie = None, None, [], [], None, None, [], None
    uuid, signature, platform = None, None, None

    def lc_str(base, size):
        start = base + struct.unpack_from("<I", data, base + 8)[0]
        return data[start:base + size].split(b"\0", 1)[0].decode()

    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, o)
        cmd &= ~0x80000000
        if cmd == 0x32:  # LC_BUILD_VERSION: platform, minos (xxxx.yy.zz), sdk
            platform, v = struct.unpack_from("<II", data, o + 8)
            minos = (v >> 16, (v >> 8) & 0xFF)
        elif cmd == 0x24 and minos is None:  # LC_VERSION_MIN_MACOSX
            v = struct.unpack_from("<I", data, o + 8)[0]
            minos, platform = (v >> 16, (v >> 8) & 0xFF), 1
        elif cmd == 0x1B:  # LC_UUID
            uuid = data[o + 8:o + 24].hex()
        elif cmd == 0x1D:  # LC_CODE_SIGNATURE: offset and size of the signature in the file
            signature = code_signature(data, *struct.unpack_from("<II", data, o + 8))
        elif cmd == 0x0D:  # LC_ID_DYLIB
            install_name = lc_str(o, size)
        elif cmd in (0x0C, 0x18, 0x1F, 0x23):  # LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB
            dylibs.append(lc_str(o, size))
        elif cmd == 0x1C:  # LC_RPATH
            start = o + struct.unpack_from("<I", data, o + 8)[0]
            rpaths.append(data[start:o + size].split(b"\0", 1)[0].decode())
        elif cmd == 0x22:  # LC_DYLD_INFO(_ONLY): rebase, bind, weak bind, lazy bind, export (off, size)
            trie = struct.unpack_from("<II", data, o + 40)
        elif cmd == 0x33:  # LC_DYLD_EXPORTS_TRIE
            trie = struct.unpack_from("<II", data, o + 8)
        elif cmd == 0x02:
            symtab = struct.unpack_from("<IIII", data, o + 8)
        elif cmd == 0x0B:
            dysymtab = struct.unpack_from("<IIIIII", data, o + 8)
        elif cmd == 0x19:  # LC_SEGMENT_64: its sections' names
            nsects = struct.unpack_from("<I", data, o + 64)[0]
            for i in range(nsects):
                s = o + 72 + 80 * i
                segments.append(data[s + 16:s + 32].rstrip(b"\0").decode() + "," + data[s:s + 16].rstrip(b"\0").decode())
        o += size
    exports = set()
    if trie and trie[1]:
        # The export trie is what dyld exports: walk it (ULEB128 terminal size, children by edge label).
        base, end = trie[0], trie[0] + trie[1]

        def uleb(pos):
            result = shift = 0
            while True:
                b = data[pos]
                pos += 1
                result |= (b & 0x7F) << shift
                shift += 7
                if b < 0x80:
                    return result, pos

        stack = [(base, "")]
        while stack:
            node, prefix = stack.pop()
            size, pos = uleb(node)
            if size:
                exports.add(prefix[1:] if prefix.startswith("_") else prefix)
            pos += size
            children = data[pos]
            pos += 1
            for _ in range(children):
                label_end = data.index(b"\0", pos)
                label = data[pos:label_end].decode()
                child, pos = uleb(label_end + 1)
                if base + child < end:
                    stack.append((base + child, prefix + label))
    elif symtab:
        symoff, nsyms, stroff, _ = symtab
        first, count = (dysymtab[2], dysymtab[3]) if dysymtab else (0, nsyms)
        for i in range(first, first + count):
            strx, ntype, sect, _, _ = struct.unpack_from("<IBBhQ", data, symoff + 16 * i)
            if ntype & 0x01 and (ntype & 0x0E) == 0x0E and not ntype & 0xF0:  # N_EXT, N_SECT; no stab, not N_PEXT
                name = data[stroff + strx:data.index(b"\0", stroff + strx)].decode()
                exports.add(name[1:] if name.startswith("_") else name)
    return {
        "format": "macho",
        "arch": {0x01000007: "x86_64", 0x0100000C: "arm64"}.get(cputype, f"cputype {cputype:#x}"),
        "class64": True,
        "type": {2: "exec", 6: "dylib", 8: "bundle"}.get(filetype, str(filetype)),
        "minos": minos,
        "platform": platform,
        "uuid": uuid,
        "signature": signature,
        "install_name": install_name,
        "dylibs": dylibs,
        "rpaths": rpaths,
        "exports": exports,
        "debug": sorted(s for s in segments if s.startswith("__DWARF")),
    }


def code_signature(data, offset, size):
    """The embedded signature of a Mach-O image (a SuperBlob, big-endian): for its CodeDirectory, the
    flags and whether every page hash matches the file's bytes up to codeLimit, which must be the
    signature's own offset (all of the image before it). The kernel refuses to map an arm64 page whose
    hash differs, so a change after linking (strip, install-name edits) must re-sign."""
    magic, _, count = struct.unpack_from(">III", data, offset)
    if magic != 0xFADE0CC0:  # CSMAGIC_EMBEDDED_SIGNATURE
        return {"error": f"signature magic {magic:#x}"}
    for i in range(count):
        _, blob = struct.unpack_from(">II", data, offset + 12 + 8 * i)
        b = offset + blob
        if struct.unpack_from(">I", data, b)[0] != 0xFADE0C02:  # CSMAGIC_CODEDIRECTORY
            continue
        _, flags, hash_offset, ident_offset, _, n_code, code_limit, hash_size, hash_type, _, page_log2 = \
            struct.unpack_from(">IIIIIIIBBBB", data, b + 8)
        digest = {1: hashlib.sha1, 2: hashlib.sha256}.get(hash_type)
        if digest is None:
            return {"error": f"hash type {hash_type}"}
        page = 1 << page_log2 if page_log2 else code_limit
        pages = (code_limit + page - 1) // page if page else 0
        bad = sum(1 for k in range(n_code)
                  if digest(data[k * page:min((k + 1) * page, code_limit)]).digest()[:hash_size]
                  != data[b + hash_offset + k * hash_size:b + hash_offset + (k + 1) * hash_size])
        return {"flags": flags, "adhoc": bool(flags & 0x2), "covers": code_limit == offset and n_code == pages,
                "bad_pages": bad, "pages": n_code,
                "ident": data[b + ident_offset:data.index(b"\0", b + ident_offset)].decode("latin-1")}
    return {"error": "no CodeDirectory"}


def binary_info(path):
    return elf_info(path) or pe_info(path) or macho_info(path)


# ------------------------------------------------------------------------------------------------
# ar archives: the symbol index and the members' object format

def ar_members(data):
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    o, names = 8, None
    while o + 60 <= len(data):
        hdr = data[o:o + 60]
        name = hdr[:16].decode("latin-1").rstrip()
        size = int(hdr[48:58].decode().strip())
        body = data[o + 60:o + 60 + size]
        if name.startswith("#1/"):  # BSD long name: the name opens the body
            n = int(name[3:])
            name, body = body[:n].rstrip(b"\0").decode("latin-1"), body[n:]
        elif name == "//":
            names = body
        elif name.startswith("/") and name[1:].isdigit() and names is not None:
            start = int(name[1:])
            name = names[start:names.index(b"\n", start)].decode("latin-1").rstrip("/")
        yield name, body
        o += 60 + size + (size & 1)


def ar_index(data):
    """Symbol names of the archive's index (GNU/SysV "/" or "/SYM64/", BSD "__.SYMDEF*")."""
    for name, body in ar_members(data):
        if name in ("/", ""):
            n = struct.unpack_from(">I", body, 0)[0]
            return set(x.decode() for x in body[4 + 4 * n:].split(b"\0")[:n])
        if name == "/SYM64/":
            n = struct.unpack_from(">Q", body, 0)[0]
            return set(x.decode() for x in body[8 + 8 * n:].split(b"\0")[:n])
        if name.startswith("__.SYMDEF"):
            is64 = "64" in name
            w = 8 if is64 else 4
            fmt = "<Q" if is64 else "<I"
            rsize = struct.unpack_from(fmt, body, 0)[0]
            strs_at = w + rsize
            ssize = struct.unpack_from(fmt, body, strs_at)[0]
            strs = body[strs_at + w:strs_at + w + ssize]
            out = set()
            for i in range(rsize // (2 * w)):
                strx = struct.unpack_from(fmt, body, w + 2 * w * i)[0]
                out.add(strs[strx:strs.index(b"\0", strx)].decode())
            return out
        break
    return set()


def object_kind(body):
    if body[:4] == b"\x7fELF":
        return "elf", {62: "x86_64", 183: "aarch64"}.get(struct.unpack_from("<H", body, 18)[0], "?")
    if body[:4] == b"\xcf\xfa\xed\xfe":
        return "macho", {0x01000007: "x86_64", 0x0100000C: "arm64"}.get(struct.unpack_from("<i", body, 4)[0], "?")
    if len(body) > 20:
        machine = struct.unpack_from("<H", body, 0)[0]
        if machine == 0x8664:
            return "pe", "x86_64"
        if body[:4] == b"\0\0\xff\xff":  # short import object (import libraries)
            return "pe-import", {0x8664: "x86_64"}.get(struct.unpack_from("<H", body, 6)[0], "?")
    return None, None


# ------------------------------------------------------------------------------------------------

def header_functions(header):
    text = "\n".join(l for l in Path(header).read_text().splitlines() if not l.lstrip().startswith("//"))
    return set(re.findall(r"\b(wechatpay_[a-z0-9_]+)\(", text))


def fmt_minos(v):
    return f"{v[0]}.{v[1]}" if v else "?"


def check_binary(p, row, kind, path, expect_exports=None, header=None):
    """kind: exe, clib, pymod, addon. Returns a one-line description."""
    triple, fmt, arch, libc, wheel_plat, _, macos_min = ROWS[row]
    info = binary_info(path)
    if not p.want(info is not None, f"{path}: not an ELF, PE or Mach-O file"):
        return "?"
    p.want(info["format"] == fmt, f"{path}: {info['format']}, expected {fmt}")
    p.want(info["arch"] == arch and info["class64"], f"{path}: {info['arch']}, expected 64-bit {arch}")
    p.want(not info["debug"], f"{path}: debug sections left: {info['debug'][:4]}")
    desc = [f"{fmt.upper()} {info['arch']} {info['type']}"]
    if fmt == "elf":
        p.want(info["type"] == ("dyn" if kind != "exe" else info["type"]), f"{path}: not a shared object")
        if libc == "glibc":
            newest = info["glibc"][-1] if info["glibc"] else None
            p.want(newest is not None, f"{path}: no GLIBC symbol versions (not a glibc build?)")
            p.want(newest is None or newest <= GLIBC_MAX, f"{path}: needs GLIBC_{newest[0]}.{newest[1]} > 2.17" if newest else "")
            p.want(set(info["needed"]) <= GLIBC_LIBS, f"{path}: needs {sorted(set(info['needed']) - GLIBC_LIBS)}")
            if kind == "exe":
                p.want(info["interp"] == ELF_INTERP[arch], f"{path}: interpreter {info['interp']}")
            desc.append(f"max GLIBC_{newest[0]}.{newest[1]}" if newest else "no GLIBC")
        else:
            p.want(not info["glibc"], f"{path}: glibc symbol versions in a musl build")
            if kind == "exe":
                p.want(info["interp"] is None and not info["needed"],
                       f"{path}: not static (interpreter {info['interp']}, needs {info['needed']})")
                desc.append("static" + ("-pie" if info["type"] == "dyn" else ""))
            else:
                musl = f"libc.musl-{arch}.so.1"
                p.want(info["needed"] == [musl], f"{path}: needs {info['needed']}, expected musl's {musl} only")
                desc.append("needs " + (", ".join(info["needed"]) or "nothing"))
        if kind == "clib":
            p.want(info["soname"] == "libwechatpay_notify.so.0", f"{path}: SONAME {info['soname']}")
            desc.append(f"SONAME {info['soname']}")
        elif kind != "exe":
            desc.append("needs " + ", ".join(info["needed"])) if libc == "glibc" else None
    elif fmt == "pe":
        dlls = [d.lower() for d in info["imports"]]
        bad = [d for d in dlls if MINGW_RUNTIME.match(d)]
        p.want(not bad, f"{path}: imports MinGW runtime DLLs {bad}")
        allowed = set(WINDOWS_DLLS) | ({"python3.dll"} if kind == "pymod" else set())
        other = [d for d in dlls if d not in allowed and not d.startswith("api-ms-win-")]
        p.want(not other, f"{path}: imports DLLs outside Windows: {other}")
        if kind == "exe":
            p.want(info["type"] == "exec" and info["subsystem"] == "console", f"{path}: not a console executable")
        else:
            p.want(info["type"] == "dll", f"{path}: not a DLL")
        if kind == "pymod":
            p.want("python3.dll" in dlls, f"{path}: does not import python3.dll (abi3)")
            versioned = [d for d in dlls if re.match(r"python3\d+\.dll$", d)]
            p.want(not versioned, f"{path}: imports {versioned} (not abi3)")
        desc.append("imports " + " ".join(sorted(set(dlls))))
    else:
        p.want(info["minos"] == macos_min, f"{path}: minimum macOS {fmt_minos(info['minos'])}, expected {fmt_minos(macos_min)}")
        p.want(info["platform"] == 1, f"{path}: platform {info['platform']}, expected macOS (1)")
        desc.append(f"minos {fmt_minos(info['minos'])}")
        p.want(info["uuid"] is not None, f"{path}: no LC_UUID")
        # arm64 macOS runs signed code only: the linker signs ad hoc (ld64 and LLD alike).
        sig = info["signature"]
        if arch == "arm64":
            p.want(sig is not None, f"{path}: no LC_CODE_SIGNATURE (arm64 macOS refuses unsigned code)")
        if sig is not None:
            if p.want("error" not in sig, f"{path}: code signature: {sig.get('error')}"):
                p.want(sig["adhoc"], f"{path}: code signature not ad hoc (flags {sig['flags']:#x})")
                p.want(sig["covers"] and not sig["bad_pages"],
                       f"{path}: code signature does not match the image ({sig['bad_pages']} of {sig['pages']} pages differ,"
                       f" covers the whole image: {sig['covers']})")
                # The identifier is the file's name, as the linker writes it (a temporary file's name
                # would make every build's bytes differ).
                p.want(sig["ident"] == Path(path).name, f"{path}: code signature identifier {sig['ident']!r}")
                desc.append(f"signed ad hoc ({sig['pages']} pages)")
        bad = [d for d in info["dylibs"] if not d.startswith(MACHO_DYLIB_PREFIXES)]
        p.want(not bad, f"{path}: links {bad} (outside /usr/lib and /System/Library)")
        if kind == "exe":
            p.want(info["type"] == "exec", f"{path}: not an executable")
        else:
            p.want(info["type"] in ("dylib", "bundle"), f"{path}: not a dylib/bundle")
        # The install name of every library: @rpath and a fixed name, never the path of the
        # machine that built it. Programs record the C library's when they link it; the Python
        # module's (maturin's) and the addon's (bindings/node/build.rs) only have to be stable.
        want = {
            "clib": "@rpath/libwechatpay_notify.dylib",
            "pymod": "@rpath/wechatpay_notify._native.abi3.so",
            "addon": f"@rpath/wechatpay-notify.{row}.node",
        }.get(kind)
        if want is not None:
            p.want(info["install_name"] == want, f"{path}: install name {info['install_name']}, expected {want}")
            desc.append(f"install name {info['install_name']}")
    if kind == "exe" and fmt == "macho":
        p.want(info["exports"] == MACHO_EXE_EXPORTS,
               f"{path}: exports {sorted(info['exports'])[:6]} ({len(info['exports'])}), expected {sorted(MACHO_EXE_EXPORTS)}")
        desc.append(f"exports {', '.join(sorted(info['exports']))}")
    if expect_exports is not None:
        got = info["exports"]
        if kind == "addon":
            p.want("napi_register_module_v1" in got and got <= NAPI_EXPORTS,
                   f"{path}: exports {sorted(got)[:6]}, expected Node-API registration only")
        else:
            missing, extra = sorted(expect_exports - got), sorted(got - expect_exports)
            p.want(not missing and not extra,
                   f"{path}: exports differ: missing {missing[:5]} ({len(missing)}), extra {extra[:5]} ({len(extra)})")
        desc.append(f"{len(got)} exports" + (" = header" if kind == "clib" else ""))
    return ", ".join(d for d in desc if d)


def check_static(p, row, path, functions):
    _, fmt, arch, *_ = ROWS[row]
    data = Path(path).read_bytes()
    kinds, index = set(), set()
    try:
        index = ar_index(data)
        for name, body in ar_members(data):
            if name in ("/", "//", "/SYM64/", "") or name.startswith("__.SYMDEF"):
                continue
            kinds.add(object_kind(body))
    except ValueError as e:
        p.append(f"{path}: {e}")
        return "?"
    want = (fmt, arch)
    p.want(kinds == {want}, f"{path}: members {sorted(kinds)}, expected {want} objects only")
    names = {n[1:] if fmt == "macho" and n.startswith("_") else n for n in index}
    missing = sorted(functions - names)
    p.want(not missing, f"{path}: the archive index lacks {missing[:5]} ({len(missing)})")
    return f"ar of {fmt.upper()} {arch} objects, index defines the {len(functions)} header functions"


def check_row(p, dist, version, row, functions, auditwheel, lines, require):
    """require: the kinds of artifact (ARTIFACTS) the row must have; the others are checked if present."""
    triple, fmt, arch, libc, wheel_plat, rid, macos_min = ROWS[row]
    win = fmt == "pe"
    ext = ".zip" if win else ".tar.gz"
    tmp = Path(tempfile.mkdtemp(prefix=f"check-{row}-"))

    def found(path, kind):
        ok = path.is_file()
        if not ok and kind in require:
            p.append(f"{row}: no {path.name} in {dist}")
        return ok

    def unpack(archive):
        out = tmp / archive.name
        if archive.name.endswith(".zip") or archive.suffix in (".whl", ".nupkg"):
            zipfile.ZipFile(archive).extractall(out)
        else:
            with tarfile.open(archive) as t:
                t.extractall(out)
        return out

    def size(path):
        return f"{path.stat().st_size / 1024:,.0f} KiB"

    # CLI
    cli = dist / f"wechatpay-notify-cli-{version}-{triple}{ext}"
    cli_exe = None
    if found(cli, "cli"):
        exe = unpack(cli) / f"wechatpay-notify-cli-{version}-{triple}" / "bin" / ("wechatpay-notify.exe" if win else "wechatpay-notify")
        if p.want(exe.is_file(), f"{cli.name}: no {exe.name}"):
            cli_exe = exe
            for f in ("README.md", "LICENSE-MIT", "LICENSE-APACHE"):
                p.want((exe.parent.parent / f).is_file(), f"{cli.name}: no {f}")
            lines.append((row, cli.name, size(cli), f"{exe.name} {size(exe)}: " + check_binary(p, row, "exe", exe)))
    # C SDK
    c = dist / f"wechatpay-notify-c-{version}-{triple}{ext}"
    clib = None
    if found(c, "c"):
        top = unpack(c) / f"wechatpay-notify-c-{version}-{triple}"
        shared = {"pe": top / "bin/wechatpay_notify.dll", "macho": top / "lib/libwechatpay_notify.dylib",
                  "elf": top / f"lib/libwechatpay_notify.so.{version}"}[fmt]
        for f in ("include/wechatpay_notify.h", "lib/pkgconfig/wechatpay-notify.pc", "lib/libwechatpay_notify.a",
                  "share/doc/wechatpay-notify/LICENSE-MIT", "share/doc/wechatpay-notify/LICENSE-APACHE"):
            p.want((top / f).is_file(), f"{c.name}: no {f}")
        if fmt == "elf":
            p.want(os.readlink(top / "lib/libwechatpay_notify.so") == "libwechatpay_notify.so.0"
                   if (top / "lib/libwechatpay_notify.so").is_symlink() else False, f"{c.name}: no lib/libwechatpay_notify.so symlink")
        if p.want(shared.is_file(), f"{c.name}: no {shared.relative_to(top)}"):
            clib = shared.read_bytes()
            lines.append((row, c.name, size(c), f"{shared.name} {size(shared)}: " +
                          check_binary(p, row, "clib", shared, functions)))
        static = top / "lib/libwechatpay_notify.a"
        if static.is_file():
            lines.append((row, "", "", f"{static.name} {size(static)}: " + check_static(p, row, static, functions)))
        if win:
            implib = top / "lib/libwechatpay_notify.dll.a"
            if p.want(implib.is_file(), f"{c.name}: no lib/libwechatpay_notify.dll.a"):
                p.want(b"wechatpay_notify.dll" in implib.read_bytes(), f"{implib}: does not name wechatpay_notify.dll")
                lines.append((row, "", "", f"{implib.name} {size(implib)}: import library of wechatpay_notify.dll"))
    # Wheel
    wheels = sorted(dist.glob(f"wechatpay_notify-{version}-cp39-abi3-*.whl"))
    mine = [w for w in wheels if w.name.endswith(f"{wheel_plat}.whl") or f"{wheel_plat}." in w.name]
    if not mine and "wheel" in require:
        p.append(f"{row}: no cp39-abi3 {wheel_plat} wheel in {dist}")
    for whl in mine:
        root = unpack(whl)
        module = root / "wechatpay_notify" / ("_native.pyd" if win else "_native.abi3.so")
        tag_line = [l for l in (root / f"wechatpay_notify-{version}.dist-info/WHEEL").read_text().splitlines() if l.startswith("Tag:")]
        file_tags = whl.name[len(f"wechatpay_notify-{version}-"):-4].split("-")[2].split(".")
        p.want(sorted(l.split()[1] for l in tag_line) == sorted(f"cp39-abi3-{t}" for t in file_tags),
               f"{whl.name}: WHEEL tags {tag_line} differ from the file name")
        if p.want(module.is_file(), f"{whl.name}: no {module.name}"):
            desc = check_binary(p, row, "pymod", module, {"PyInit__native"})
            if fmt == "macho":
                m = re.search(r"macosx_(\d+)_(\d+)_", whl.name)
                p.want(m and (int(m.group(1)), int(m.group(2))) == macos_min, f"{whl.name}: tag's macOS differs from {fmt_minos(macos_min)}")
            if fmt == "elf" and auditwheel:
                out = subprocess.run([auditwheel, "show", str(whl)], capture_output=True, text=True)
                norm = re.sub(r"\s+", " ", out.stdout)
                m = re.search(r'consistent with the following platform tag: "([^"]+)"', norm)
                p.want(out.returncode == 0 and m and m.group(1) == wheel_plat,
                       f"{whl.name}: auditwheel show: {m.group(1) if m else out.stdout.strip()[:200] + out.stderr.strip()[:200]}")
                if m:
                    desc += f"; auditwheel: {m.group(1)}"
            lines.append((row, whl.name, size(whl), f"{module.name} {size(module)}: {desc}"))
    # npm platform package
    tgz = dist / f"wechatpay-notify-{row}-{version}.tgz"
    if found(tgz, "npm"):
        pkg_dir = unpack(tgz) / "package"
        pkg = json.loads((pkg_dir / "package.json").read_text())
        os_name, cpu = row.split("-")[0], row.split("-")[1]
        p.want(pkg["name"] == f"@wechatpay-notify/{row}" and pkg["version"] == version, f"{tgz.name}: name/version {pkg['name']} {pkg['version']}")
        p.want(pkg.get("os") == [os_name] and pkg.get("cpu") == [cpu], f"{tgz.name}: os/cpu {pkg.get('os')} {pkg.get('cpu')}")
        p.want(pkg.get("libc") == ([libc] if libc else None), f"{tgz.name}: libc {pkg.get('libc')}")
        addon = pkg_dir / f"wechatpay-notify.{row}.node"
        p.want(pkg.get("main") == addon.name, f"{tgz.name}: main {pkg.get('main')}")
        if p.want(addon.is_file(), f"{tgz.name}: no {addon.name}"):
            lines.append((row, tgz.name, size(tgz), f"{addon.name} {size(addon)}: " + check_binary(p, row, "addon", addon, set())))
    # The NuGet package's runtimes/<RID>/native/ and the jar's JNA resource directory: the C SDK's library.
    libname = {"pe": "wechatpay_notify.dll", "macho": "libwechatpay_notify.dylib", "elf": "libwechatpay_notify.so"}[fmt]
    packages = [("nuget", dist / f"WechatPay.Notify.{version}.nupkg", f"runtimes/{rid}/native/{libname}")]
    if row in JNA_PREFIX:
        packages.append(("jar", dist / f"wechatpay-notify-{version}.jar", f"{JNA_PREFIX[row]}/{libname}"))
    for kind, package, entry in packages:
        if not found(package, kind):
            continue
        with zipfile.ZipFile(package) as z:
            if entry not in z.namelist():
                if kind in require:
                    p.append(f"{package.name}: no {entry}")
                continue
            data = z.read(entry)
        f = tmp / package.suffix[1:] / entry
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
        desc = check_binary(p, row, "clib", f, functions)
        if clib is not None:
            p.want(data == clib, f"{package.name}: {entry} differs from the C SDK's library")
            desc += "; = the C SDK's"
        lines.append((row, f"{package.name} {entry}", "", desc))
    check_cli_packages(p, dist, version, row, cli_exe, lines, require, unpack, size, auditwheel)


def check_cli_packages(p, dist, version, row, cli_exe, lines, require, unpack, size, auditwheel):
    """The CLI's wheel and npm platform package of ROW (issue 23): exactly the binary of the row's CLI
    archive (CLI_EXE, None when dist/ has no archive), under the row's wheel tag or npm os/cpu/libc."""
    triple, fmt, arch, libc, wheel_plat, _, _ = ROWS[row]
    name = "wechatpay-notify.exe" if fmt == "pe" else "wechatpay-notify"
    exe = cli_exe.read_bytes() if cli_exe else None

    def binary(path, what):
        desc = check_binary(p, row, "exe", path)
        if exe is not None:
            p.want(path.read_bytes() == exe, f"{what}: {path.name} differs from the CLI archive's")
            desc += "; = the CLI archive's"
        return desc

    # The wheel: py3-none, the library wheel's platform tag (and manylinux2014's name of it on glibc).
    want_tags = {f"py3-none-{wheel_plat}"} | ({f"py3-none-manylinux2014_{arch}"} if libc == "glibc" else set())
    prefix = f"wechatpay_notify_cli-{version}-py3-none-"
    wheels = [w for w in sorted(dist.glob(prefix + "*.whl")) if wheel_plat in w.name[len(prefix):-4].split(".")]
    if not wheels and "cli-wheel" in require:
        p.append(f"{row}: no {prefix}{wheel_plat} wheel in {dist}")
    for whl in wheels:
        with zipfile.ZipFile(whl) as z:
            infos = {i.filename: i for i in z.infolist()}
            dist_info = f"wechatpay_notify_cli-{version}.dist-info"
            script = f"wechatpay_notify_cli-{version}.data/scripts/{name}"
            others = sorted(n for n in infos if not n.startswith(dist_info + "/") and n != script)
            p.want(not others, f"{whl.name}: holds {others[:4]} besides the binary")
            wheel_tags = {l.split(": ", 1)[1] for l in z.read(f"{dist_info}/WHEEL").decode().splitlines() if l.startswith("Tag: ")}
            file_tags = {f"py3-none-{t}" for t in whl.name[len(prefix):-4].split(".")}
            p.want(wheel_tags == file_tags == want_tags, f"{whl.name}: tags {sorted(wheel_tags)} (file name {sorted(file_tags)}), expected {sorted(want_tags)}")
            meta = z.read(f"{dist_info}/METADATA").decode()
            for field in ("Name: wechatpay-notify-cli", f"Version: {version}", "License-Expression: MIT OR Apache-2.0"):
                p.want(f"\n{field}\n" in meta, f"{whl.name}: METADATA lacks {field}")
            if not p.want(script in infos, f"{whl.name}: no {script}"):
                continue
            if fmt != "pe":
                p.want(infos[script].external_attr >> 16 & 0o111, f"{whl.name}: {name} is not executable")
        path = unpack(whl) / script
        desc = binary(path, whl.name)
        if fmt == "elf" and auditwheel:
            out = subprocess.run([auditwheel, "show", str(whl)], capture_output=True, text=True)
            m = re.search(r'consistent with the following platform tag: "([^"]+)"', re.sub(r"\s+", " ", out.stdout))
            p.want(out.returncode == 0 and m and m.group(1) == wheel_plat,
                   f"{whl.name}: auditwheel show: {m.group(1) if m else out.stdout.strip()[:200] + out.stderr.strip()[:200]}")
            if m:
                desc += f"; auditwheel: {m.group(1)}"
        lines.append((row, whl.name, size(whl), f"{name} {size(path)}: {desc}"))
    # The npm platform package @wechatpay-notify/cli-ROW: the os, cpu and libc of the library's.
    tgz = dist / f"wechatpay-notify-cli-{row}-{version}.tgz"
    if not tgz.is_file():
        if "cli-npm" in require:
            p.append(f"{row}: no {tgz.name} in {dist}")
        return
    pkg_dir = unpack(tgz) / "package"
    pkg = json.loads((pkg_dir / "package.json").read_text())
    os_name, cpu = row.split("-")[0], row.split("-")[1]
    p.want(pkg["name"] == f"@wechatpay-notify/cli-{row}" and pkg["version"] == version, f"{tgz.name}: name/version {pkg['name']} {pkg['version']}")
    p.want(pkg.get("os") == [os_name] and pkg.get("cpu") == [cpu], f"{tgz.name}: os/cpu {pkg.get('os')} {pkg.get('cpu')}")
    p.want(pkg.get("libc") == ([libc] if libc else None), f"{tgz.name}: libc {pkg.get('libc')}")
    p.want("bin" not in pkg, f"{tgz.name}: a bin of its own (the launcher's package has the command)")
    path = pkg_dir / "bin" / name
    if p.want(path.is_file(), f"{tgz.name}: no bin/{name}"):
        if fmt != "pe":
            with tarfile.open(tgz) as t:
                p.want(t.getmember(f"package/bin/{name}").mode & 0o111, f"{tgz.name}: bin/{name} is not executable")
        lines.append((row, tgz.name, size(tgz), f"bin/{name} {size(path)}: " + binary(path, tgz.name)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dist", type=Path)
    ap.add_argument("version")
    ap.add_argument("header")
    ap.add_argument("--rows", default="present")
    ap.add_argument("--complete")
    ap.add_argument("--auditwheel")
    args = ap.parse_args()
    functions = header_functions(args.header)

    def row_list(spec):
        if spec == "all":
            return list(ROWS)
        if spec == "none":
            return []
        if spec == "present":
            return [r for r in ROWS if any(args.dist.glob(f"wechatpay-notify-*-{args.version}-{ROWS[r][0]}.*"))
                    or (args.dist / f"wechatpay-notify-{r}-{args.version}.tgz").exists()
                    or any(args.dist.glob(f"wechatpay_notify-{args.version}-cp39-abi3-*{ROWS[r][4]}*.whl"))]
        named = [r for r in spec.split(",") if r]
        for r in named:
            if r not in ROWS:
                sys.exit(f"unknown row {r} (rows: {', '.join(ROWS)})")
        return named

    rows = row_list(args.rows)
    complete = set(rows if args.complete is None else row_list(args.complete))
    p, lines = Problems(), []
    for row in rows:
        require = set(ARTIFACTS) if row in complete else {"cli", "c"}
        check_row(p, args.dist, args.version, row, functions, args.auditwheel, lines, require)
    width = max((len(l[1]) for l in lines), default=0)
    for row, name, size, desc in lines:
        print(f"{row:17} {name:{width}} {size:>10}  {desc}")
    if p:
        print(f"\n{len(p)} problems:", file=sys.stderr)
        for x in p:
            print(f"  - {x}", file=sys.stderr)
        sys.exit(1)
    partial = [r for r in rows if r not in complete]
    print(f"\nstructural check: {len(rows)} rows ({', '.join(rows)}), {len(lines)} artifacts, all as expected"
          + (f"; {', '.join(partial)}: the CLI, the C SDK and what else {args.dist} holds of them" if partial else ""))


if __name__ == "__main__":
    main()
