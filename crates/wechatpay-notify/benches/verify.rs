//! `make bench`: `verify_payment` on a ~1 KB, 25-field notification against bare MD5 (and bare
//! HMAC-SHA256) of its string to sign, and APIv3 `verify` against bare RSA-2048 verify + AES-256-GCM
//! decrypt of the same message, measured in the same run. SPEC §6 floor: ratio ≤ 2.5 (simple reader; see README).

use std::hint::black_box;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use sha2::Sha256;
use wechatpay_notify::{Fields, SignType, V3Headers, V3Verifier, Verifier, sign, string_to_sign};
use x509_cert::der::DecodePem;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

struct V3Case {
    verifier: V3Verifier,
    headers: V3Headers,
    body: Vec<u8>,
    now: u64,
    key: UnparsedPublicKey<Vec<u8>>,
    message: Vec<u8>,
    signature: Vec<u8>,
    ciphertext: Vec<u8>,
    nonce: String,
    aad: String,
}

/// The first valid case of `v3_notify.json` signed under `PUB_KEY_ID_A` (public-key mode).
fn v3_case() -> V3Case {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/vectors/v3_notify.json")).unwrap(),
    )
    .unwrap();
    let group = &v["testGroups"][0];
    let t = &group["tests"][0];
    assert_eq!(t["result"], "valid");
    let mut verifier = V3Verifier::new(API_V3_KEY).unwrap();
    for pair in group["config"]["platformKeys"].as_array().unwrap() {
        verifier
            .add_trusted_key(pair[0].as_str().unwrap(), pair[1].as_str().unwrap())
            .unwrap();
    }
    let pairs: Vec<(String, String)> = t["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .collect();
    let header = |n: &str| pairs.iter().find(|(k, _)| k == n).unwrap().1.clone();
    let body = t["body"].as_str().unwrap().as_bytes().to_vec();
    let mut message = Vec::new();
    for part in [
        header("Wechatpay-Timestamp").as_bytes(),
        header("Wechatpay-Nonce").as_bytes(),
        &body,
    ] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    // The public key's RSAPublicKey DER, as ring wants it.
    let pem = std::fs::read_to_string(root.join("tests/vectors/keys/pubkey-a-public.pem")).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_pem(pem.trim().as_bytes()).unwrap();
    let rsa = spki.subject_public_key.raw_bytes().to_vec();
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let resource = &event["resource"];
    V3Case {
        verifier,
        headers: pairs.iter().cloned().collect(),
        now: t["now"].as_u64().unwrap(),
        key: UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, rsa),
        signature: STANDARD.decode(header("Wechatpay-Signature")).unwrap(),
        ciphertext: STANDARD
            .decode(resource["ciphertext"].as_str().unwrap())
            .unwrap(),
        nonce: resource["nonce"].as_str().unwrap().into(),
        aad: resource["associated_data"].as_str().unwrap_or("").into(),
        message,
        body,
    }
}

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

    // APIv3: the first valid public-key-mode case of the shared vectors, against ring's bare
    // RSA-2048 PKCS#1 v1.5 SHA-256 verify of the same message plus the AES-256-GCM open of the
    // same resource (SPEC §6: at most 1.3x).
    let v3 = v3_case();
    let mut g = c.benchmark_group("v3");
    let gcm = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, API_V3_KEY.as_bytes()).unwrap());
    g.bench_function("bare_rsa_verify_and_gcm_open", |b| {
        b.iter(|| {
            v3.key
                .verify(black_box(&v3.message), &v3.signature)
                .unwrap();
            let mut buf = v3.ciphertext.clone();
            let n = Nonce::try_assume_unique_for_key(v3.nonce.as_bytes()).unwrap();
            gcm.open_in_place(n, Aad::from(v3.aad.as_bytes()), &mut buf)
                .unwrap()
                .len()
        })
    });
    g.bench_function("v3_verify", |b| {
        b.iter(|| {
            v3.verifier
                .verify(&v3.headers, black_box(&v3.body), v3.now)
                .unwrap()
        })
    });
    g.finish();
    c.final_summary();

    let dir = PathBuf::from(
        std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| format!("{}/../../target", env!("CARGO_MANIFEST_DIR"))),
    )
    .join("criterion/v2");
    if let (Some(v), Some(b)) = (
        median_ns(&dir.join("../v3"), "v3_verify"),
        median_ns(&dir.join("../v3"), "bare_rsa_verify_and_gcm_open"),
    ) {
        println!(
            "RATIO APIv3: verify {v:.0} ns / bare RSA-2048 verify + AES-256-GCM open {b:.0} ns = {:.2}x (SPEC §6 floor <= 1.3)",
            v / b
        );
    }
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
