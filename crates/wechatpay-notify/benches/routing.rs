//! `make bench-routing`: what an unauthenticated request costs the endpoint before any signature
//! is checked (issue 19.4), at 1 and 10,000 profiles: an APIv3 request under a genuine key id (the
//! whole verification, for scale), under an unknown key id, and under an 8 KiB `Wechatpay-Serial`;
//! and a v2 payment naming an unknown `mch_id`. Routing is by maps built once, so the refused
//! requests should cost the same at both sizes. Also times building the 10,000-profile endpoint.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use wechatpay_notify::{Endpoint, MerchantProfile, SignType, V3Headers, V3Verifier, Verifier};

const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const GENUINE_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

struct Request {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: u64,
}

/// The first valid case of `v3_notify.json` (key A, public-key mode).
fn genuine() -> (Request, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/vectors/v3_notify.json")).unwrap(),
    )
    .unwrap();
    let t = &v["testGroups"][0]["tests"][0];
    assert_eq!(t["result"], "valid");
    let headers = t["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .collect();
    let pem = std::fs::read_to_string(root.join("tests/vectors/keys/pubkey-a-public.pem")).unwrap();
    (
        Request {
            headers,
            body: t["body"].as_str().unwrap().as_bytes().to_vec(),
            now: t["now"].as_u64().unwrap(),
        },
        pem,
    )
}

/// `n` merchants, each with a v2 part (its own key and mch_id) and a v3 part (its own key id; the
/// same public key, which routing never looks at). Merchant 0 trusts the genuine id.
fn endpoint(n: usize, pem: &str) -> Endpoint {
    Endpoint::new((0..n).map(|i| {
        let key = format!("{i:032}");
        let v2 = Verifier::new(&key, SignType::Md5)
            .unwrap()
            .expect_mch_id(format!("{}", 10_000_000 + i));
        let mut v3 = V3Verifier::new(API_V3_KEY).unwrap();
        let id = if i == 0 {
            GENUINE_ID.to_owned()
        } else {
            format!("PUB_KEY_ID_{i:028}")
        };
        v3.add_trusted_key(&id, pem).unwrap();
        // The vector's resource names mchid 1900000100 (the v3 part's own id, not the v2 one).
        let v3 = v3.expect_mch_id("1900000100").unwrap();
        MerchantProfile::new(format!("m{i}")).v2(v2).unwrap().v3(v3)
    }))
    .unwrap()
}

fn with_serial(r: &Request, serial: &str) -> V3Headers {
    r.headers
        .iter()
        .map(|(k, v)| {
            let v = if k == "Wechatpay-Serial" { serial } else { v };
            (k.clone(), v.to_owned())
        })
        .collect()
}

fn main() {
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let (request, pem) = genuine();
    let unknown_v2 =
        b"<xml><return_code>SUCCESS</return_code><mch_id>99999999</mch_id><sign>X</sign></xml>";
    let oversized = "A".repeat(8192);
    let mut group = c.benchmark_group("endpoint_routing");
    for n in [1usize, 10_000] {
        let e = endpoint(n, &pem);
        for (name, headers) in [
            ("v3_genuine_id", with_serial(&request, GENUINE_ID)),
            (
                "v3_unknown_id",
                with_serial(&request, "PUB_KEY_ID_0999999999999990000000000000"),
            ),
            ("v3_8KiB_id", with_serial(&request, &oversized)),
        ] {
            let expect_ok = name == "v3_genuine_id";
            assert_eq!(
                e.handle(&headers, &request.body, request.now).is_ok(),
                expect_ok
            );
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| black_box(e.handle(black_box(&headers), &request.body, request.now)))
            });
        }
        let none = V3Headers::new();
        assert!(e.handle(&none, unknown_v2, 0).is_err());
        group.bench_with_input(BenchmarkId::new("v2_unknown_mch_id", n), &n, |b, _| {
            b.iter(|| black_box(e.handle(&none, black_box(unknown_v2), 0)))
        });
    }
    group.sample_size(10);
    group.bench_function("build_10000_profiles", |b| {
        b.iter(|| black_box(endpoint(10_000, &pem)))
    });
    group.finish();
    c.final_summary();
}
