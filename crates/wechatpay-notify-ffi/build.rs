//! Packaging for the shared library on Linux: give `libwechatpay_notify.so` the SONAME
//! `libwechatpay_notify.so.<major>` (a program linked with `-lwechatpay_notify` then records the
//! versioned name, as installed by `scripts/dist.sh install PREFIX`), and put a
//! `libwechatpay_notify.so.<major>` symlink beside the library in cargo's output directory so that
//! programs linked against the build tree (scripts/test-c.sh, `-Wl,-rpath,target/debug`) still load.
//! The exported symbols need no version script: rustc exports only the `#[no_mangle]`
//! `wechatpay_*` functions of a cdylib (checked with `nm -D` by scripts/dist.sh and test-dist.sh).

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let soname = format!("libwechatpay_notify.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    if let Some(dir) = artifact_dir() {
        link_soname(&dir, &soname);
    }
}

/// The directory cargo writes the library to (`<target>/<profile>`), three levels above
/// `OUT_DIR` (`<target>/<profile>/build/<pkg>-<hash>/out`); None for any other layout (for
/// example a separate `build-dir`), where the symlink is simply not made.
fn artifact_dir() -> Option<PathBuf> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    let build = out.parent()?.parent()?;
    if build.file_name()? != "build" {
        return None;
    }
    let dir = build.parent()?;
    dir.join("deps").is_dir().then(|| dir.to_path_buf())
}

#[cfg(unix)]
fn link_soname(dir: &Path, soname: &str) {
    let link = dir.join(soname);
    if std::fs::read_link(&link).is_ok_and(|t| t == Path::new("libwechatpay_notify.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink("libwechatpay_notify.so", &link) {
        println!("cargo:warning=could not create {}: {e}", link.display());
    }
}

#[cfg(not(unix))]
fn link_soname(_dir: &Path, _soname: &str) {}
