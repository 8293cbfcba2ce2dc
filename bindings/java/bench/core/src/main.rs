//! The core's driver for `make bench-java` (scripts/bench-java.sh, bindings/java/bench/compare.py): the
//! protocol and payload of bench/peers/rust (the `make bench-peers` driver), whose typed reads predate the
//! core's `Result` amounts.
//!
//! `payload PAYMENT_JSON API_KEY_FILE` prints the v2 notification of bench/peers/payment.json,
//! signed by the core's `signed_xml`.
//!
//! `serve CASES_JSON v2|v3` checks the case (the genuine notification verifies and reads back the
//! expected values, the forged one is refused), prints `ready <label>`, then answers
//! `run <ms>` lines with `<calls> <cpu_ns> <wall_ns>`: handler-like calls (verify, then read what a
//! notify handler reads) repeated until this process has used `<ms>` of CPU time.

use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;
use serde_json::Value;
use wechatpay_notify::{SignType, V3Headers, V3Verifier, Verifier, signed_xml};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("payload") if args.len() == 4 => payload(&args[2], &args[3]),
        Some("serve") if args.len() == 4 => serve(&args[2], &args[3]),
        _ => {
            eprintln!(
                "usage: {0} payload PAYMENT_JSON API_KEY_FILE | {0} serve CASES_JSON v2|v3",
                args[0]
            );
            std::process::exit(2);
        }
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key}"))
}

fn payload(payment_json: &str, key_file: &str) {
    let spec = read_json(payment_json);
    assert_eq!(text(&spec, "sign_type"), "MD5");
    let key = std::fs::read_to_string(key_file).expect("API key file");
    let fields: Vec<(&str, &str)> = spec["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|p| (p[0].as_str().expect("name"), p[1].as_str().expect("value")))
        .collect();
    let xml = signed_xml(fields, key.trim(), SignType::Md5).expect("signed_xml");
    print!("{xml}");
}

fn serve(cases_json: &str, which: &str) {
    let cases = read_json(cases_json);
    let label = "wechatpay-notify core (Rust, release, LTO)".to_string();
    match which {
        "v2" => {
            let c = &cases["v2"];
            let verifier = Verifier::new(text(c, "api_key"), SignType::Md5).expect("Verifier::new");
            let body = text(c, "body").as_bytes().to_vec();
            let forged = text(c, "forged").as_bytes();
            let e = &c["expect"];
            let n = verifier
                .verify_payment(&body)
                .expect("the genuine notification verifies");
            assert_eq!(n.out_trade_no(), e["out_trade_no"].as_str());
            assert_eq!(n.transaction_id(), e["transaction_id"].as_str());
            assert_eq!(n.total_fee().ok().flatten(), e["total_fee"].as_u64());
            assert_eq!(Some(n.is_success()), e["is_success"].as_bool());
            assert_eq!(Some(n.fields().len() as u64), e["field_count"].as_u64());
            assert!(
                verifier.verify_payment(forged).is_err(),
                "the forged notification verified"
            );
            run_loop(&label, || {
                let n = verifier
                    .verify_payment(black_box(&body))
                    .expect("verify_payment");
                black_box((
                    n.fields(),
                    n.out_trade_no(),
                    n.transaction_id(),
                    n.total_fee().expect("total_fee"),
                    n.is_success(),
                ));
            });
        }
        "v3" => {
            let c = &cases["v3"];
            let mut verifier = V3Verifier::new(text(c, "api_v3_key")).expect("V3Verifier::new");
            verifier
                .add_trusted_key(text(c, "serial"), text(c, "pem"))
                .expect("add_trusted_key");
            let headers: V3Headers = c["headers"]
                .as_array()
                .expect("headers")
                .iter()
                .map(|h| (h[0].as_str().expect("name"), h[1].as_str().expect("value")))
                .collect();
            let body = text(c, "body").as_bytes().to_vec();
            let forged = text(c, "forged").as_bytes();
            let now = c["now"].as_u64().expect("now");
            let e = &c["expect"];
            let n = verifier
                .verify(&headers, &body, now)
                .expect("the genuine notification verifies");
            let t = n.transaction().expect("a transaction");
            assert_eq!(t.out_trade_no(), e["out_trade_no"].as_str());
            assert_eq!(t.transaction_id(), e["transaction_id"].as_str());
            assert_eq!(t.amount_total().ok().flatten(), e["amount_total"].as_u64());
            assert_eq!(Some(n.is_success()), e["is_success"].as_bool());
            assert_eq!(n.resource()["out_trade_no"], e["out_trade_no"]);
            assert!(
                verifier.verify(&headers, forged, now).is_err(),
                "the forged notification verified"
            );
            run_loop(&label, || {
                let n = verifier
                    .verify(&headers, black_box(&body), now)
                    .expect("verify");
                let t = n.transaction().expect("a transaction");
                black_box((
                    n.resource(),
                    t.out_trade_no(),
                    t.transaction_id(),
                    t.amount_total().expect("amount_total"),
                    n.is_success(),
                ));
            });
        }
        other => panic!("unknown case {other}"),
    }
}

/// The shared driver protocol: `ready <label>`, then `run <ms>` -> `<calls> <cpu_ns> <wall_ns>`.
fn run_loop(label: &str, mut call: impl FnMut()) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {label}").unwrap();
    out.flush().unwrap();
    // Calls per batch between clock readings, recalibrated after each run to about 1 ms.
    let mut batch: u64 = 1;
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let mut words = line.split_whitespace();
        match words.next() {
            Some("run") => {
                let ms: f64 = words.next().and_then(|w| w.parse().ok()).expect("run <ms>");
                let target = Duration::from_secs_f64(ms / 1e3);
                let (mut calls, cpu0, wall0) = (0u64, ProcessTime::now(), Instant::now());
                let cpu = loop {
                    for _ in 0..batch {
                        call();
                    }
                    calls += batch;
                    let cpu = cpu0.elapsed();
                    if cpu >= target {
                        break cpu;
                    }
                };
                let wall = wall0.elapsed();
                batch = ((calls as f64 * 1e-3 / cpu.as_secs_f64()) as u64).max(1);
                writeln!(out, "{calls} {} {}", cpu.as_nanos(), wall.as_nanos()).unwrap();
                out.flush().unwrap();
            }
            Some("quit") | None => break,
            Some(other) => panic!("unknown command {other}"),
        }
    }
}
