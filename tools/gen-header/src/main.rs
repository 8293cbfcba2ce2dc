//! `cargo run -p gen-header` (or `make header`): regenerates `include/wechatpay_notify.h` from the
//! FFI crate with the settings in `crates/wechatpay-notify-ffi/cbindgen.toml`.
//!
//! `--check` compares instead of writing and fails when the committed header is stale.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("gen-header: unknown argument {other:?} (usage: gen-header [--check])");
            return ExitCode::from(2);
        }
    };
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let crate_dir = root.join("crates/wechatpay-notify-ffi");
    let header = root.join("include/wechatpay_notify.h");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("gen-header: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => bindings,
        Err(e) => {
            eprintln!("gen-header: cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let current = std::fs::read(&header).unwrap_or_default();
    if check {
        if current == generated {
            println!("gen-header: {} is up to date", header.display());
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "gen-header: {} is stale: run `make header`",
            header.display()
        );
        return ExitCode::FAILURE;
    }
    let written = std::fs::create_dir_all(root.join("include"))
        .and_then(|()| std::fs::write(&header, &generated));
    if let Err(e) = written {
        eprintln!("gen-header: cannot write {}: {e}", header.display());
        return ExitCode::FAILURE;
    }
    println!("gen-header: wrote {}", header.display());
    ExitCode::SUCCESS
}
