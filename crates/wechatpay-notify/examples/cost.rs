//! Load-independent cost measure for `make bench`: run under `valgrind --tool=callgrind` it counts
//! instructions, which do not depend on what else the machine is doing.
//!
//! `cost <verify|verify-general|md5|hmac|verify-hmac|setup> <iterations>` runs one operation on the
//! notification of every benchmark (bench/payment-notification.xml, via `benches/support/payload.rs`);
//! `verify-general` verifies it with a character reference in `attach`, which only the general
//! reader takes. `setup` runs no iterations, so its count is the fixed cost (process start,
//! building the body) to subtract from the others.

use std::hint::black_box;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use wechatpay_notify::{SignType, Verifier, string_to_sign};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

include!("../benches/support/payload.rs");

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("verify");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let t = if what.ends_with("hmac") {
        SignType::HmacSha256
    } else {
        SignType::Md5
    };
    let (body, sts) = notification(t);
    let general = notification_with_reference();
    let verifier = Verifier::new(KEY, t).unwrap();
    let mut ok = 0usize;
    match what {
        "verify" | "verify-hmac" => {
            for _ in 0..n {
                ok += verifier.verify_payment(black_box(&body)).is_ok() as usize;
            }
        }
        "verify-general" => {
            for _ in 0..n {
                ok += verifier.verify_payment(black_box(&general)).is_ok() as usize;
            }
        }
        "md5" => {
            for _ in 0..n {
                ok += black_box(Md5::digest(black_box(&sts)))[0] as usize & 1;
            }
        }
        "hmac" => {
            for _ in 0..n {
                let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(KEY.as_bytes()).unwrap();
                m.update(black_box(&sts));
                ok += black_box(m.finalize().into_bytes())[0] as usize & 1;
            }
        }
        "memory" => {
            // Peak RSS after 1% of the run and after all of it: flat means no growth or leak.
            let refund = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/notifications/refund.xml"
            ))
            .unwrap();
            let mut forged = body.clone();
            forged[body.len() / 2] ^= 1;
            let mut early = 0;
            for i in 0..n {
                ok += verifier.verify_payment(black_box(&body)).is_ok() as usize;
                ok += verifier.verify_payment(black_box(&forged)).is_ok() as usize;
                ok += verifier.decrypt_refund(black_box(&refund)).is_ok() as usize;
                if i + 1 == n / 100 {
                    early = peak_rss_kb();
                }
            }
            println!(
                "MEMORY: peak RSS after {} rounds {early} kB, after {n} rounds {} kB (each round: a valid pay, a forged pay, a refund)",
                n / 100,
                peak_rss_kb()
            );
        }
        "setup" => {}
        other => panic!("unknown operation {other}"),
    }
    println!("{what} x{n}: {ok}");
}
