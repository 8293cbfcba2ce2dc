//! The Rust surface of the soak: ROUNDS rounds of the five cases written by soak/extract.py
//! (valid payment, forged payment, malformed payment, valid refund, valid APIv3 notification),
//! each verdict checked every round. Memory is sampled after WARMUP rounds and at the end: VmRSS
//! and VmData (heap and anonymous mappings) from /proc/self/status.
//!
//! Usage: wechatpay-notify-soak CASES_DIR ROUNDS WARMUP
//! Prints `RESULT rust <verifications> <seconds> <rss_start_kb> <rss_end_kb> vm_data_kb
//! <start> <end>` for scripts/soak.sh to judge; exits 1 on a wrong verdict.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::Value;
use wechatpay_notify::{Error, SignType, V3Headers, V3Verifier, Verifier};

/// A `kB` line of /proc/self/status.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// The data segment (heap and anonymous mappings), which grows with any leak the allocator keeps.
/// Read from /proc rather than from glibc's mallinfo2, so this program needs no `unsafe`.
fn vm_data_kb() -> u64 {
    status_kb("VmData:")
}

fn rss_kb() -> u64 {
    status_kb("VmRSS:")
}

enum Check {
    Pay(Verifier),
    Refund(Verifier),
    V3(Box<V3Verifier>, V3Headers, u64),
}

struct Case {
    name: String,
    check: Check,
    body: Vec<u8>,
    /// `Ok(dedupe key)` or `Err(error code)`.
    expect: Result<String, String>,
}

fn v2_verifier(cfg: &Value) -> Result<Verifier, Error> {
    let mut v = Verifier::new(
        cfg["apiKey"].as_str().unwrap(),
        SignType::parse(cfg["signType"].as_str().unwrap())?,
    )?;
    for t in cfg["alsoAccept"].as_array().unwrap() {
        v = v.also_accept(SignType::parse(t.as_str().unwrap())?);
    }
    if let Some(a) = cfg["appid"].as_str() {
        v = v.expect_appid(a);
    }
    if let Some(m) = cfg["mchId"].as_str() {
        v = v.expect_mch_id(m);
    }
    if let Some(n) = cfg["maxBodyBytes"].as_u64() {
        v = v.max_body_bytes(n as usize);
    }
    Ok(v)
}

fn v3_verifier(cfg: &Value) -> Result<V3Verifier, Error> {
    let mut v = V3Verifier::new(cfg["apiV3Key"].as_str().unwrap())?;
    for pair in cfg["platformKeys"].as_array().unwrap() {
        v.add_trusted_key(pair[0].as_str().unwrap(), pair[1].as_str().unwrap())?;
    }
    if let Some(s) = cfg["maxClockSkew"].as_u64() {
        v = v.max_clock_skew(s);
    }
    if let Some(n) = cfg["maxBodyBytes"].as_u64() {
        v = v.max_body_bytes(n as usize);
    }
    Ok(v)
}

fn load(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json");
    let doc: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    let mut cases = Vec::new();
    for c in doc["cases"].as_array().unwrap() {
        let cfg = &c["config"];
        let check = match c["kind"].as_str().unwrap() {
            "pay" => Check::Pay(v2_verifier(cfg).expect("v2 config")),
            "refund" => Check::Refund(v2_verifier(cfg).expect("v2 config")),
            "v3" => {
                let headers: V3Headers = c["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
                    .collect();
                Check::V3(
                    Box::new(v3_verifier(cfg).expect("v3 config")),
                    headers,
                    c["now"].as_u64().unwrap(),
                )
            }
            other => panic!("unknown case kind {other}"),
        };
        let e = &c["expect"];
        let expect = if e["ok"].as_bool().unwrap() {
            Ok(e["dedupeKey"].as_str().unwrap().to_owned())
        } else {
            Err(e["error"].as_str().unwrap().to_owned())
        };
        cases.push(Case {
            name: c["name"].as_str().unwrap().to_owned(),
            body: std::fs::read(dir.join(c["bodyFile"].as_str().unwrap())).expect("body file"),
            check,
            expect,
        });
    }
    cases
}

/// One verification; `Err` describes a wrong verdict.
fn run(case: &Case) -> Result<(), String> {
    let got: Result<String, Error> = match &case.check {
        Check::Pay(v) => v
            .verify_payment(&case.body)
            .map(|n| n.dedupe_key().unwrap_or_default().to_owned()),
        Check::Refund(v) => v
            .decrypt_refund(&case.body)
            .map(|n| n.dedupe_key().unwrap_or_default().to_owned()),
        Check::V3(v, headers, now) => v
            .verify(headers, &case.body, *now)
            .map(|n| n.dedupe_key().to_owned()),
    };
    match (&case.expect, got) {
        (Ok(want), Ok(key)) if *want == key => Ok(()),
        (Err(want), Err(e)) if want == e.code() => Ok(()),
        (want, Ok(key)) => Err(format!(
            "{}: got dedupe key {key:?}, want {want:?}",
            case.name
        )),
        (want, Err(e)) => Err(format!("{}: got {e}, want {want:?}", case.name)),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: wechatpay-notify-soak CASES_DIR ROUNDS WARMUP");
        return ExitCode::from(2);
    }
    let cases = load(&PathBuf::from(&args[1]));
    let rounds: u64 = args[2].parse().expect("ROUNDS");
    let warmup: u64 = args[3].parse().expect("WARMUP");
    let started = Instant::now();
    let (mut rss_start, mut heap_start) = (0, 0);
    for round in 0..rounds {
        if round == warmup {
            rss_start = rss_kb();
            heap_start = vm_data_kb();
        }
        for case in &cases {
            if let Err(why) = run(case) {
                eprintln!("soak rust: round {round}: {why}");
                return ExitCode::from(1);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (rss_end, heap_end) = (rss_kb(), vm_data_kb());
    println!(
        "RESULT rust {} {seconds:.1} {rss_start} {rss_end} vm_data_kb {heap_start} {heap_end}",
        rounds * cases.len() as u64
    );
    ExitCode::SUCCESS
}
