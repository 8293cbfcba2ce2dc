//! `cargo run -p xtask -- vectors`: regenerates `tests/vectors/*.json` and `examples/notifications/`.
//!
//! Bodies are built here from field lists, independently of the crate's XML reader; the expected
//! fields of a valid case are the list the body was built from. Signatures come from the crate's
//! `sign`, which is itself pinned by WeChat Pay's published signing vectors (the first cases of
//! `v2_sign.json`). After building, every case is checked against the crate, so a generator that
//! disagrees with the implementation fails loudly instead of writing a wrong file.
//!
//! - [`body`]: XML bodies and refund `req_info` encryption, from field lists;
//! - [`fixtures`]: keys, field sets and public data;
//! - [`oracle`]: the expected typed view of a valid case;
//! - [`render`]: cases, configurations, the check against the crate, the JSON layout;
//! - [`cases`]: the cases of each vector file, in themed functions;
//! - [`examples`]: the sample notifications.

mod body;
mod cases;
mod examples;
mod fixtures;
mod oracle;
mod render;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Builds the whole content of one vector file.
type BuildFile = fn() -> Value;

/// Every file written under `tests/vectors`, with the function that builds it.
const VECTOR_FILES: &[(&str, BuildFile)] = &[
    ("v2_sign.json", cases::sign::vectors),
    ("v2_pay.json", cases::pay::vectors),
    ("v2_refund.json", cases::refund::vectors),
    ("reply.json", cases::reply::vectors),
    ("v3_notify.json", cases::v3::vectors),
    ("endpoint.json", cases::endpoint::vectors),
    ("v3_key_dirs.json", cases::key_dirs::vectors),
    ("typed_views.json", oracle::views_file),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("vectors") => {
            let root = repo_root();
            write_vectors(&root);
            examples::write(&root);
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- vectors");
            std::process::exit(2);
        }
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/xtask sits two levels below the repository root")
        .to_path_buf()
}

fn write_vectors(root: &Path) {
    let dir = root.join("tests/vectors");
    for (name, build) in VECTOR_FILES {
        write_json(&dir.join(name), &build());
    }
}

/// Pretty-printed, with a final newline (the files are committed and diffed).
fn write_json(path: &Path, v: &Value) {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    fs::write(path, s).unwrap();
}
