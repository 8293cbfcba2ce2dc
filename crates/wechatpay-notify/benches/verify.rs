//! `make bench`: `verify_payment` on a ~1 KB, 25-field notification against bare MD5 (and bare
//! HMAC-SHA256) of its string to sign, measured in the same run. SPEC §6 floor: ratio ≤ 2.5 (simple reader; see README).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use wechatpay_notify::{Fields, SignType, Verifier, sign, string_to_sign};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

include!("support/payload.rs");

fn median_ns(dir: &std::path::Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let after = text.split("\"median\"").nth(1)?;
    let num = after.split("\"point_estimate\":").nth(1)?;
    num.split([',', '}']).next()?.trim().parse().ok()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let (md5_body, md5_sts) = notification(SignType::Md5);
    let (hmac_body, hmac_sts) = notification(SignType::HmacSha256);
    let md5_verifier = Verifier::new(KEY, SignType::Md5).unwrap();
    let hmac_verifier = Verifier::new(KEY, SignType::HmacSha256).unwrap();
    assert!(md5_verifier.verify_payment(&md5_body).is_ok());
    assert!(hmac_verifier.verify_payment(&hmac_body).is_ok());
    eprintln!(
        "payload: {} bytes, 25 fields; string to sign: {} bytes",
        md5_body.len(),
        md5_sts.len()
    );

    let mut g = c.benchmark_group("v2");
    g.throughput(Throughput::Bytes(md5_body.len() as u64));
    g.bench_function("bare_md5", |b| b.iter(|| Md5::digest(black_box(&md5_sts))));
    g.bench_function("verify_payment_md5", |b| {
        b.iter(|| md5_verifier.verify_payment(black_box(&md5_body)).unwrap())
    });
    g.bench_function("parse_unverified", |b| {
        b.iter(|| wechatpay_notify::parse_unverified(black_box(&md5_body)).unwrap())
    });
    g.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(KEY.as_bytes()).unwrap();
            m.update(black_box(&hmac_sts));
            m.finalize()
        })
    });
    g.bench_function("verify_payment_hmac_sha256", |b| {
        b.iter(|| hmac_verifier.verify_payment(black_box(&hmac_body)).unwrap())
    });
    g.finish();
    c.final_summary();

    let dir = PathBuf::from(
        std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| format!("{}/../../target", env!("CARGO_MANIFEST_DIR"))),
    )
    .join("criterion/v2");
    for (verify, bare, label) in [
        ("verify_payment_md5", "bare_md5", "MD5"),
        (
            "verify_payment_hmac_sha256",
            "bare_hmac_sha256",
            "HMAC-SHA256",
        ),
    ] {
        if let (Some(v), Some(b)) = (median_ns(&dir, verify), median_ns(&dir, bare)) {
            println!(
                "RATIO {label}: verify_payment {v:.0} ns / bare {label} of its string to sign {b:.0} ns = {:.2}x{}",
                v / b,
                if label == "MD5" {
                    " (SPEC §6 floor <= 2.5)"
                } else {
                    ""
                }
            );
        }
    }
}
