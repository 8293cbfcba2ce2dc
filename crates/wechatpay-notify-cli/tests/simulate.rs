//! `simulate` and `keygen` against a real handler on loopback: a small server built on the core's
//! `Endpoint` (one merchant, v2 and v3) that records each payment once by its dedupe key.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use wechatpay_notify::{Endpoint, MerchantProfile, SignType, V3Headers, V3Verifier, Verifier};

const API_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
    recorded: Arc<Mutex<HashSet<String>>>,
}

/// Serves `endpoint` on a loopback port; the first `fail_first` requests get HTTP 500 (a handler
/// whose database is down), like a handler WeChat Pay must retry.
fn serve(endpoint: Endpoint, fail_first: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let recorded = Arc::new(Mutex::new(HashSet::new()));
    let (count, seen) = (requests.clone(), recorded.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = V3Headers::new();
            let mut length = 0;
            let mut line = String::new();
            reader.read_line(&mut line).unwrap(); // request line
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let l = line.trim_end_matches(['\r', '\n']);
                if l.is_empty() {
                    break;
                }
                let (k, v) = l.split_once(':').unwrap();
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap();
                }
                headers.insert(k, v.trim());
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let n = count.fetch_add(1, Ordering::SeqCst);
            let (status, content_type, reply) = if n < fail_first {
                (500, Some("text/plain"), "database unavailable".to_string())
            } else {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let r = match endpoint.handle(&headers, &body, now) {
                    Ok(h) => {
                        if let Some(k) = h.notification().dedupe_key() {
                            seen.lock().unwrap().insert(k.to_string());
                        }
                        h.reply()
                    }
                    Err(r) => r.reply(),
                };
                (r.status, r.content_type, r.body)
            };
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                reply.len()
            );
            if let Some(ct) = content_type {
                head.push_str(&format!("Content-Type: {ct}\r\n"));
            }
            let _ = stream.write_all(format!("{head}\r\n{reply}").as_bytes());
        }
    });
    Server {
        url,
        requests,
        recorded,
    }
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wechatpay-notify"));
    c.env_remove("WECHATPAY_API_KEY")
        .env_remove("WECHATPAY_API_V3_KEY");
    c
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn keys() -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-sim-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let out = bin()
        .args(["keygen", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = report(&out)["key_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("PUB_KEY_ID_"));
    (dir, id)
}

fn endpoint(public_key_pem: Option<(&str, String)>) -> Endpoint {
    let v2 = Verifier::new(API_KEY, SignType::Md5)
        .unwrap()
        .expect_mch_id("10000100");
    let mut profile = MerchantProfile::new("shop").v2(v2).unwrap();
    if let Some((id, pem)) = public_key_pem {
        let mut v3 = V3Verifier::new(API_V3_KEY).unwrap();
        v3.add_trusted_key(id, &pem).unwrap();
        profile = profile.v3(v3);
    }
    Endpoint::new([profile]).unwrap()
}

#[test]
fn a_retried_payment_is_acknowledged_each_time_and_recorded_once() {
    let s = serve(endpoint(None), 0);
    let out = bin()
        .args([
            "simulate",
            "pay",
            "--url",
            &s.url,
            "--total-fee",
            "101",
            "--coupons",
            "1",
            "--repeat",
            "3",
        ])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    let r = report(&out);
    assert!(out.status.success(), "{r}");
    assert_eq!(r["reply_ok"], true);
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    for a in attempts {
        assert_eq!(a["status"], 200);
        assert_eq!(a["reply_ok"], true);
        assert!(a["elapsed_ms"].is_u64());
    }
    assert_eq!(s.requests.load(Ordering::SeqCst), 3);
    assert_eq!(s.recorded.lock().unwrap().len(), 1);
}

#[test]
fn a_refund_and_a_failed_payment_are_acknowledged() {
    let s = serve(endpoint(None), 0);
    for args in [
        &["refund"][..],
        &["pay", "--result", "FAIL", "--sign-type", "MD5"][..],
    ] {
        let mut cmd = bin();
        cmd.arg("simulate")
            .args(args)
            .args(["--url", &s.url])
            .env("WECHATPAY_API_KEY", API_KEY);
        let r = report(&cmd.output().unwrap());
        assert_eq!(r["reply_ok"], true, "{args:?}: {r}");
    }
}

#[test]
fn a_forged_key_is_refused() {
    let s = serve(endpoint(None), 0);
    let out = bin()
        .args(["simulate", "pay", "--url", &s.url])
        .env("WECHATPAY_API_KEY", "0123456789abcdefghijklmnopqrstuv")
        .output()
        .unwrap();
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(r["reply_ok"], false);
    assert!(
        r["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("signature_mismatch")
    );
    assert!(s.recorded.lock().unwrap().is_empty());
}

#[test]
fn until_success_follows_the_retry_schedule() {
    let s = serve(endpoint(None), 2);
    let started = std::time::Instant::now();
    let out = bin()
        .args([
            "simulate",
            "pay",
            "--url",
            &s.url,
            "--until-success",
            "--time-scale",
            "0.01",
        ])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    let r = report(&out);
    assert!(out.status.success(), "{r}");
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{r}");
    let after: Vec<u64> = attempts
        .iter()
        .map(|a| a["after_s"].as_u64().unwrap())
        .collect();
    assert_eq!(after, [0, 15, 15]);
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[0]["reply_ok"], false);
    assert_eq!(attempts[2]["reply_ok"], true);
    // 15 s + 15 s at a time scale of 0.01.
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(s.recorded.lock().unwrap().len(), 1);
}

#[test]
fn v3_simulations_signed_with_a_keygen_key() {
    let (dir, id) = keys();
    let pem = std::fs::read_to_string(dir.join("test_public_key.pem")).unwrap();
    let s = serve(endpoint(Some((&id, pem))), 0);
    let private = dir.join("test_private_key.pem");
    let run = |extra: &[&str]| {
        let out = bin()
            .args(["simulate", "v3"])
            .args(extra)
            .args([
                "--url",
                &s.url,
                "--private-key",
                private.to_str().unwrap(),
                "--key-id",
                &id,
            ])
            .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
            .output()
            .unwrap();
        (out.status.code(), report(&out))
    };
    let (code, r) = run(&["pay", "--total-fee", "999", "--repeat", "2"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["attempts"][0]["status"], 204);
    assert_eq!(s.recorded.lock().unwrap().len(), 1);
    let (code, r) = run(&["refund"]);
    assert_eq!(code, Some(0), "{r}");
    let (code, r) = run(&["pay", "--stale-timestamp"]);
    assert_eq!(code, Some(1));
    assert_eq!(r["attempts"][0]["status"], 401);
    assert!(
        r["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("timestamp_out_of_window")
    );
    let (code, r) = run(&["pay", "--probe"]);
    assert_eq!(code, Some(1));
    assert!(
        r["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("signature_probe")
    );
    // A handler that trusts only other keys (WeChat Pay's real ones) refuses a simulation.
    let (other_dir, other_id) = keys();
    let other_pem = std::fs::read_to_string(other_dir.join("test_public_key.pem")).unwrap();
    let strict = serve(endpoint(Some((&other_id, other_pem))), 0);
    let out = bin()
        .args([
            "simulate",
            "v3",
            "pay",
            "--url",
            &strict.url,
            "--private-key",
            private.to_str().unwrap(),
            "--key-id",
            &id,
        ])
        .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
        .output()
        .unwrap();
    assert!(
        report(&out)["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("unknown_serial")
    );
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(other_dir).ok();
}

#[test]
fn there_is_no_default_target_and_keys_never_come_from_argv() {
    let out = bin()
        .args(["simulate", "pay"])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url is required"));
    let out = bin()
        .args([
            "simulate",
            "pay",
            "--url",
            "http://127.0.0.1:9/",
            "--api-key",
            API_KEY,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["simulate", "pay", "--print"])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    assert!(out.status.success());
    let body = String::from_utf8(out.stdout).unwrap();
    let v = Verifier::new(API_KEY, SignType::Md5).unwrap();
    let n = v.verify_payment(body.trim_end().as_bytes()).unwrap();
    for field in [
        "transaction_id",
        "nonce_str",
        "time_end",
        "bank_type",
        "openid",
        "out_trade_no",
    ] {
        assert!(
            n.fields().get(field).is_some_and(|v| !v.is_empty()),
            "{field}"
        );
    }
}
