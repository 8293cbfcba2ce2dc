//! `simulate` and `keygen` against a real handler on loopback: a small server built on the core's
//! `Endpoint` (one merchant, v2 and v3) that records each payment once by its dedupe key.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use wechatpay_notify::{
    Endpoint, MerchantProfile, SignType, V3Headers, V3Verifier, Verifier, reply,
};

const API_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
    recorded: Arc<Mutex<HashSet<String>>>,
}

/// Reads one HTTP/1.1 request: its headers and its body (by Content-Length).
fn read_request(stream: &TcpStream) -> (V3Headers, Vec<u8>) {
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
    (headers, body)
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
            let (headers, body) = read_request(&stream);
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

/// Answers every request with `status`, the `extra` header line (if any) and `reply`, counting
/// the requests; for handlers that redirect, and for where they redirect to.
fn canned(status: u16, extra: Option<String>, reply: &'static str) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            read_request(&stream);
            count.fetch_add(1, Ordering::SeqCst);
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                reply.len()
            );
            if let Some(h) = &extra {
                head.push_str(&format!("{h}\r\n"));
            }
            let _ = stream.write_all(format!("{head}\r\n{reply}").as_bytes());
        }
    });
    Server {
        url,
        requests,
        recorded: Arc::new(Mutex::new(HashSet::new())),
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

/// A fresh, empty directory of this test process (keygen refuses to overwrite a key).
fn temp_dir(what: &str) -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-sim-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn keys() -> (std::path::PathBuf, String) {
    let dir = temp_dir("keys");
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
    // One constant refusal: the code (signature_mismatch) is for the handler's logs only.
    assert!(
        r["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("<![CDATA[rejected]]>")
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
    // Refused (timestamp_out_of_window) with the one constant reply: the code stays in the handler's logs.
    assert_eq!(
        r["attempts"][0]["reply"],
        wechatpay_notify::reply::V3_REFUSAL
    );
    let (code, r) = run(&["pay", "--probe"]);
    assert_eq!(code, Some(1));
    // Refused (signature_probe) with the one constant reply: the code stays in the handler's logs.
    assert_eq!(
        r["attempts"][0]["reply"],
        wechatpay_notify::reply::V3_REFUSAL
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
    // Refused (unknown_serial): 401 and the constant reply.
    let r = report(&out);
    assert_eq!(r["attempts"][0]["status"], 401, "{r}");
    assert_eq!(
        r["attempts"][0]["reply"],
        wechatpay_notify::reply::V3_REFUSAL
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

#[test]
fn mchid_is_an_alias_of_mch_id_and_a_wrong_sign_type_is_the_cores_error() {
    for flag in ["--mch-id", "--mchid"] {
        let out = bin()
            .args(["simulate", "pay", "--print", flag, "1900000109"])
            .args(["--sign-type", "HMAC-SHA256"])
            .env("WECHATPAY_API_KEY", API_KEY)
            .output()
            .unwrap();
        assert!(out.status.success(), "{flag}");
        let body = String::from_utf8(out.stdout).unwrap();
        let v = Verifier::new(API_KEY, SignType::HmacSha256).unwrap();
        let n = v.verify_payment(body.trim_end().as_bytes()).unwrap();
        assert_eq!(n.fields().get("mch_id"), Some("1900000109"), "{flag}");
    }
    let out = bin()
        .args(["simulate", "pay", "--print", "--sign-type", "SHA1"])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(report(&out)["error"]["code"], "invalid_config");
}

#[test]
fn simulate_follows_no_redirect() {
    // Where a redirect would lead: a "handler" that acknowledges everything.
    let v2_target = canned(200, None, reply::SUCCESS);
    for status in [301, 302, 303, 307, 308] {
        let redirect = canned(status, Some(format!("Location: {}", v2_target.url)), "");
        let out = bin()
            .args(["simulate", "pay", "--url", &redirect.url])
            .env("WECHATPAY_API_KEY", API_KEY)
            .output()
            .unwrap();
        let r = report(&out);
        assert_eq!(out.status.code(), Some(1), "{status}: {r}");
        assert_eq!(r["reply_ok"], false, "{status}: {r}");
        assert_eq!(r["attempts"][0]["status"], status);
        assert_eq!(r["attempts"][0]["reply_ok"], false);
        assert_eq!(r["attempts"][0]["location"], v2_target.url.as_str());
        assert_eq!(r["attempts"][0]["error"], Value::Null);
        assert_eq!(redirect.requests.load(Ordering::SeqCst), 1);
    }
    assert_eq!(v2_target.requests.load(Ordering::SeqCst), 0);

    let (dir, id) = keys();
    let v3_target = canned(204, None, "");
    let redirect = canned(302, Some(format!("Location: {}", v3_target.url)), "");
    let out = bin()
        .args([
            "simulate",
            "v3",
            "pay",
            "--url",
            &redirect.url,
            "--private-key",
            dir.join("test_private_key.pem").to_str().unwrap(),
            "--key-id",
            &id,
        ])
        .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
        .output()
        .unwrap();
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(r["reply_ok"], false);
    assert_eq!(r["attempts"][0]["status"], 302);
    assert_eq!(r["attempts"][0]["location"], v3_target.url.as_str());
    assert_eq!(redirect.requests.load(Ordering::SeqCst), 1);
    assert_eq!(v3_target.requests.load(Ordering::SeqCst), 0);

    // A 3xx without Location is reported with "location": null; a 200 has no location either.
    let bare = canned(302, None, "");
    let out = bin()
        .args(["simulate", "pay", "--url", &bare.url])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    let r = report(&out);
    assert_eq!(r["attempts"][0]["status"], 302);
    assert_eq!(r["attempts"][0]["reply_ok"], false);
    assert_eq!(r["attempts"][0]["location"], Value::Null);
    let out = bin()
        .args(["simulate", "pay", "--url", &v2_target.url])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["attempts"][0]["location"], Value::Null);
    std::fs::remove_dir_all(dir).ok();
}

#[cfg(unix)]
#[test]
fn keygen_creates_new_files_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("keygen");
    let outside = temp_dir("outside");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let target = outside.join("victim.txt");
    std::fs::write(&target, "not a key\n").unwrap();
    let private = dir.join("test_private_key.pem");
    std::os::unix::fs::symlink(&target, &private).unwrap();
    let keygen = |force: bool| {
        let mut c = bin();
        c.args(["keygen", "--out", dir.to_str().unwrap()]);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let target_mode = std::fs::metadata(&target).unwrap().permissions().mode();
    // The symlink's target: same content, same mode.
    let unchanged = || {
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "not a key\n");
        assert_eq!(
            std::fs::metadata(&target).unwrap().permissions().mode(),
            target_mode
        );
    };

    // A planted symlink is refused, its target untouched, and no file of the set is written.
    let out = keygen(false);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("test_private_key.pem"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    unchanged();
    assert!(
        std::fs::symlink_metadata(&private)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!dir.join("test_public_key.pem").exists());
    assert!(!dir.join("test_key_id.txt").exists());

    // --force removes the symlink itself and writes a new file in its place.
    let out = keygen(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&out);
    assert_eq!(r["private_key"], private.to_str().unwrap());
    unchanged();
    let meta = std::fs::symlink_metadata(&private).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let public = std::fs::symlink_metadata(dir.join("test_public_key.pem")).unwrap();
    assert_eq!(public.permissions().mode() & 0o777, 0o644);
    let key = std::fs::read_to_string(&private).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let id = std::fs::read_to_string(dir.join("test_key_id.txt")).unwrap();
    assert_eq!(id.trim_end(), r["key_id"].as_str().unwrap());
    // The test v2 API key and APIv3 key: 32 letters and digits each, private, never printed.
    let mut keys = Vec::new();
    for (name, field) in [
        ("test_api_key.txt", "api_key_file"),
        ("test_api_v3_key.txt", "api_v3_key_file"),
    ] {
        let path = dir.join(name);
        assert_eq!(r[field], path.to_str().unwrap());
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        let key = std::fs::read_to_string(&path).unwrap();
        let key = key.strip_suffix('\n').unwrap();
        assert_eq!(key.len(), 32, "{name}");
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{name}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(key),
            "{name} printed"
        );
        // Usable as what it is for: a v2 verifier's key and an APIv3 verifier's key.
        keys.push(key.to_owned());
    }
    assert_ne!(keys[0], keys[1]);
    wechatpay_notify::Verifier::new(keys[0].as_str(), wechatpay_notify::SignType::Md5).unwrap();
    wechatpay_notify::V3Verifier::new(keys[1].as_str()).unwrap();

    // Existing files are never overwritten without --force.
    let out = keygen(false);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&private).unwrap(), key);
    assert_eq!(
        std::fs::read_to_string(dir.join("test_key_id.txt")).unwrap(),
        id
    );

    // --force replaces them with a new pair.
    let out = keygen(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(std::fs::read_to_string(&private).unwrap(), key);
    assert_eq!(
        std::fs::metadata(&private).unwrap().permissions().mode() & 0o777,
        0o600
    );
    unchanged();

    // A dangling symlink is refused just the same.
    std::fs::remove_file(&private).unwrap();
    std::os::unix::fs::symlink(outside.join("absent.pem"), &private).unwrap();
    let out = keygen(false);
    assert_eq!(out.status.code(), Some(2));
    assert!(!outside.join("absent.pem").exists());
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(outside).ok();
}

/// `simulate … --print`'s request: the header lines, then the body.
fn printed(args: &[&str], env: (&str, &str)) -> (V3Headers, Vec<u8>) {
    let out = bin().args(args).env(env.0, env.1).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap_or(("", &text));
    let headers = head
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (headers, body.trim_end_matches('\n').as_bytes().to_vec())
}

#[test]
fn chosen_ids_and_states_make_one_refund_in_several_states() {
    // v2: one refund_id as CHANGE, then REFUNDCLOSE; the dedupe keys name the states in v3's words.
    let endpoint = endpoint(None);
    for (status, key) in [
        ("CHANGE", "5000123:ABNORMAL"),
        ("REFUNDCLOSE", "5000123:CLOSED"),
    ] {
        let (headers, body) = printed(
            &[
                "simulate",
                "refund",
                "--print",
                "--refund-id",
                "5000123",
                "--refund-status",
                status,
            ],
            ("WECHATPAY_API_KEY", API_KEY),
        );
        let h = endpoint.handle(&headers, &body, 0).unwrap();
        assert_eq!(h.notification().dedupe_key(), Some(key));
    }
    // v3: the same refund ABNORMAL then SUCCESS, and a payment under a chosen transaction id.
    let (dir, id) = keys();
    let pem = std::fs::read_to_string(dir.join("test_public_key.pem")).unwrap();
    let endpoint = self::endpoint(Some((&id, pem)));
    let private = dir.join("test_private_key.pem");
    let v3 = |extra: &[&str]| {
        let mut args = vec!["simulate", "v3"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            "--print",
            "--private-key",
            private.to_str().unwrap(),
            "--key-id",
            &id,
        ]);
        let (headers, body) = printed(&args, ("WECHATPAY_API_V3_KEY", API_V3_KEY));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        endpoint.handle(&headers, &body, now).unwrap()
    };
    for (status, event) in [
        ("ABNORMAL", "REFUND.ABNORMAL"),
        ("SUCCESS", "REFUND.SUCCESS"),
        ("CLOSED", "REFUND.CLOSED"),
    ] {
        let h = v3(&[
            "refund",
            "--refund-id",
            "5030777",
            "--refund-status",
            status,
        ]);
        let wechatpay_notify::Notification::V3(n) = h.notification() else {
            panic!("not v3")
        };
        assert_eq!(n.event_type(), event);
        assert_eq!(n.dedupe_key(), format!("5030777:{status}"));
    }
    let h = v3(&["pay", "--transaction-id", "4200000000000000000000000042"]);
    assert_eq!(
        h.notification().dedupe_key(),
        Some("4200000000000000000000000042")
    );
    // A status of the other version is a usage error.
    let out = bin()
        .args([
            "simulate",
            "refund",
            "--print",
            "--refund-status",
            "ABNORMAL",
        ])
        .env("WECHATPAY_API_KEY", API_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_repeated_option_takes_the_last_value() {
    // Scripts append overrides to a default command line (as the examples' tests do).
    let (_, body) = printed(
        &[
            "simulate", "pay", "--print", "--mch-id", "10000100", "--mch-id", "19999999",
        ],
        ("WECHATPAY_API_KEY", API_KEY),
    );
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains("<mch_id><![CDATA[19999999]]></mch_id>"),
        "{text}"
    );
}
