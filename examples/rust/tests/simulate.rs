//! The example binary, started on loopback with a profiles file for two merchants, driven by the
//! CLI's `simulate` exactly as the README's "Test your handler locally" says (issue 12.6). The CLI
//! is found as common::cli says (`cargo build -p wechatpay-notify-cli` first, when testing this
//! package alone).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use common::{A, B, cli, scratch_dir, write_profiles};
use serde_json::{Value, json};
use wechatpay_notify_example_axum::Db;

const EXAMPLE: &str = env!("CARGO_BIN_EXE_wechatpay-notify-example-axum");
/// The environment variable the profiles name for shop-a's APIv3 key in these tests.
const A_V3_KEY_ENV: &str = "SIM_SHOP_A_API_V3_KEY";

/// A deployment: profiles for shop-a and shop-b, where shop-a's APIv3 part trusts a test key made
/// by `wechatpay-notify keygen` and reads its APIv3 key from the environment.
struct Deployment {
    dir: PathBuf,
    profiles: PathBuf,
    /// keygen's output for shop-a: test_private_key.pem and the id the example trusts.
    keygen_private_key: PathBuf,
    keygen_key_id: String,
}

fn keygen(dir: &Path) -> (PathBuf, String) {
    let out = Command::new(cli())
        .args(["keygen", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = std::fs::read_to_string(dir.join("test_key_id.txt")).unwrap();
    assert_eq!(report["key_id"], id.trim());
    (dir.join("test_private_key.pem"), id.trim().to_owned())
}

fn deployment(name: &str) -> Deployment {
    let dir = scratch_dir(name);
    let profiles = write_profiles(&dir);
    let (keygen_private_key, keygen_key_id) = keygen(&dir.join("shop-a-keygen"));
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&profiles).unwrap()).unwrap();
    doc["profiles"][0]["v3"] = json!({
        "api_v3_key_env": A_V3_KEY_ENV,
        "platform_keys": {keygen_key_id.clone(): "shop-a-keygen/test_public_key.pem"},
    });
    std::fs::write(&profiles, doc.to_string()).unwrap();
    Deployment {
        dir,
        profiles,
        keygen_private_key,
        keygen_key_id,
    }
}

/// The example binary serving a deployment on 127.0.0.1 (a free port).
struct Example {
    child: Child,
    url: String,
    db: PathBuf,
    log: Arc<Mutex<String>>,
}

impl Example {
    fn start(d: &Deployment, db_name: &str, fail_first: Option<usize>) -> Example {
        let db = d.dir.join(db_name);
        let mut cmd = Command::new(EXAMPLE);
        cmd.arg("127.0.0.1:0")
            .env("WECHATPAY_PROFILES", &d.profiles)
            .env("WECHATPAY_DB", &db)
            .env(A_V3_KEY_ENV, A.v3_key)
            .env_remove("WECHATPAY_EXAMPLE_FAIL_FIRST")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(n) = fail_first {
            cmd.env("WECHATPAY_EXAMPLE_FAIL_FIRST", n.to_string());
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(String::new()));
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            log.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(rest) = line.strip_prefix("listening on ") {
                url = Some(rest.split(' ').next().unwrap().to_owned());
                break;
            }
        }
        let Some(url) = url else {
            let _ = child.kill();
            panic!("the example did not start: {}", log.lock().unwrap());
        };
        // Keep draining its log (one line per request) so that it never blocks on a full pipe.
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Example {
            child,
            url,
            db,
            log,
        }
    }

    fn add_order(&self, merchant: &str, no: &str, fen: u64) {
        let out = Command::new(EXAMPLE)
            .args(["add-order", merchant, no, &fen.to_string()])
            .env("WECHATPAY_DB", &self.db)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    fn db(&self) -> Db {
        Db::open(&self.db).unwrap()
    }

    /// `wechatpay-notify simulate ARGS --url URL` with exactly the keys in `env`; the JSON report
    /// and whether the exit status said "acknowledged".
    fn simulate(&self, args: &[&str], env: &[(&str, &str)]) -> (Value, bool) {
        let mut cmd = Command::new(cli());
        cmd.arg("simulate")
            .args(args)
            .args(["--url", &self.url])
            .env_remove("WECHATPAY_API_KEY")
            .env_remove("WECHATPAY_API_V3_KEY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{out:?}\nexample log:\n{}",
            self.log.lock().unwrap()
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["url"], self.url.as_str());
        (report, out.status.success())
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn statuses(report: &Value) -> Vec<i64> {
    report["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect()
}

const V2_SUCCESS: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

#[test]
fn simulate_pay_repeat_3_is_recorded_once_for_each_merchant() {
    let d = deployment("sim-repeat");
    let ex = Example::start(&d, "payments.sqlite3", None);
    ex.add_order(A.label, "SIM-A-1", 101);
    ex.add_order(B.label, "SIM-B-1", 202);
    let (report, ok) = ex.simulate(
        &[
            "pay",
            "--mch-id",
            A.mch_id,
            "--out-trade-no",
            "SIM-A-1",
            "--total-fee",
            "101",
            "--repeat",
            "3",
        ],
        &[("WECHATPAY_API_KEY", A.v2_key)],
    );
    assert!(ok, "{report}");
    assert_eq!(report["reply_ok"], true);
    assert_eq!(statuses(&report), [200, 200, 200]);
    for a in report["attempts"].as_array().unwrap() {
        assert_eq!(
            (&a["reply"], &a["reply_ok"]),
            (&json!(V2_SUCCESS), &json!(true))
        );
    }
    let (report, ok) = ex.simulate(
        &[
            "pay",
            "--sign-type",
            "HMAC-SHA256",
            "--mch-id",
            B.mch_id,
            "--out-trade-no",
            "SIM-B-1",
            "--total-fee",
            "202",
            "--repeat",
            "3",
        ],
        &[("WECHATPAY_API_KEY", B.v2_key)],
    );
    assert!(ok, "{report}");
    assert_eq!(statuses(&report), [200, 200, 200]);

    // Three deliveries each, one payment each, each order paid by it.
    let db = ex.db();
    let rows = db.payments().unwrap();
    assert_eq!(
        rows.iter()
            .map(|p| (
                p.merchant.as_str(),
                p.version.as_str(),
                p.out_trade_no.as_deref(),
                p.total_fee,
                p.outcome.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("shop-a", "v2", Some("SIM-A-1"), Some(101), "paid"),
            ("shop-b", "v2", Some("SIM-B-1"), Some(202), "paid"),
        ]
    );
    for (m, no, p) in [
        (A.label, "SIM-A-1", &rows[0]),
        (B.label, "SIM-B-1", &rows[1]),
    ] {
        let order = db.order(m, no).unwrap().unwrap();
        assert_eq!(
            (order.status.as_str(), order.transaction_id.as_deref()),
            ("paid", Some(p.dedupe_key.as_str()))
        );
    }
    let _ = std::fs::remove_dir_all(&d.dir);
}

#[test]
fn simulate_pay_signed_with_a_forged_key_is_refused() {
    let d = deployment("sim-forged");
    let ex = Example::start(&d, "payments.sqlite3", None);
    ex.add_order(A.label, "SIM-A-2", 101);
    // Merchant A's mch_id, but B's API key: refused, in the endpoint's v2 form.
    let (report, ok) = ex.simulate(
        &[
            "pay",
            "--mch-id",
            A.mch_id,
            "--out-trade-no",
            "SIM-A-2",
            "--total-fee",
            "101",
        ],
        &[("WECHATPAY_API_KEY", B.v2_key)],
    );
    assert!(!ok);
    assert_eq!(report["reply_ok"], false);
    let a = &report["attempts"][0];
    assert_eq!(a["status"], 200);
    assert_eq!(a["reply"], common::V2_REFUSAL);
    // A merchant the example does not serve.
    let (report, ok) = ex.simulate(
        &[
            "pay",
            "--mch-id",
            "19999999",
            "--out-trade-no",
            "SIM-A-2",
            "--total-fee",
            "101",
        ],
        &[("WECHATPAY_API_KEY", A.v2_key)],
    );
    assert!(!ok);
    // Refused (merchant_mismatch, in the example's log) with the one constant reply.
    assert_eq!(report["attempts"][0]["reply"], common::V2_REFUSAL);
    let db = ex.db();
    assert_eq!(db.count().unwrap(), 0);
    assert_eq!(
        db.order(A.label, "SIM-A-2").unwrap().unwrap().status,
        "pending"
    );
    let _ = std::fs::remove_dir_all(&d.dir);
}

#[test]
fn simulate_v3_with_a_keygen_key_the_example_trusts() {
    let d = deployment("sim-v3");
    let ex = Example::start(&d, "payments.sqlite3", None);
    ex.add_order(A.label, "SIM-A-3", 303);
    let key = d.keygen_private_key.to_str().unwrap();
    let v3 = |extra: &[&str], v3_key: &str| {
        let mut args = vec![
            "v3",
            "pay",
            "--mchid",
            A.mch_id,
            "--private-key",
            key,
            "--key-id",
            &d.keygen_key_id,
        ];
        args.extend_from_slice(&["--out-trade-no", "SIM-A-3", "--total-fee", "303"]);
        args.extend_from_slice(extra);
        ex.simulate(&args, &[("WECHATPAY_API_V3_KEY", v3_key)])
    };
    let fail = |report: &Value, status: i64, code: &str| {
        assert_eq!(report["reply_ok"], false, "{report}");
        assert_eq!(report["attempts"][0]["status"], status, "{report}");
        assert_eq!(
            report["attempts"][0]["reply"],
            common::V3_REFUSAL,
            "refused as {code}"
        );
    };
    // What a handler must refuse: a ten-minute-old timestamp, WeChat Pay's probe, another APIv3
    // key than the merchant's.
    let (report, ok) = v3(&["--stale-timestamp"], A.v3_key);
    assert!(!ok);
    fail(&report, 401, "timestamp_out_of_window");
    let (report, ok) = v3(&["--probe"], A.v3_key);
    assert!(!ok);
    fail(&report, 401, "signature_probe");
    let (report, ok) = v3(&[], B.v3_key);
    assert!(!ok);
    fail(&report, 400, "decrypt_failed");
    // A keygen key the example does not trust.
    let (other_key, other_id) = keygen(&d.dir.join("untrusted"));
    let (report, ok) = ex.simulate(
        &[
            "v3",
            "pay",
            "--mchid",
            A.mch_id,
            "--private-key",
            other_key.to_str().unwrap(),
            "--key-id",
            &other_id,
        ],
        &[("WECHATPAY_API_V3_KEY", A.v3_key)],
    );
    assert!(!ok);
    fail(&report, 401, "unknown_serial");
    assert_eq!(ex.db().count().unwrap(), 0);

    // The genuine simulation, delivered twice: 204, recorded once, the order paid.
    let (report, ok) = v3(&["--repeat", "2"], A.v3_key);
    assert!(ok, "{report}");
    assert_eq!(statuses(&report), [204, 204]);
    let db = ex.db();
    let rows = db.payments().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].merchant.as_str(),
            rows[0].version.as_str(),
            rows[0].outcome.as_str()
        ),
        ("shop-a", "v3", "paid")
    );
    let order = db.order(A.label, "SIM-A-3").unwrap().unwrap();
    assert_eq!(
        order.transaction_id.as_deref(),
        Some(rows[0].dedupe_key.as_str())
    );
    // A v3 refund is recorded, not acted upon.
    let (report, ok) = ex.simulate(
        &[
            "v3",
            "refund",
            "--mchid",
            A.mch_id,
            "--private-key",
            key,
            "--key-id",
            &d.keygen_key_id,
            "--out-trade-no",
            "SIM-A-3",
            "--total-fee",
            "303",
        ],
        &[("WECHATPAY_API_V3_KEY", A.v3_key)],
    );
    assert!(ok, "{report}");
    let refunds = db.refunds().unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (
            refunds[0].merchant.as_str(),
            refunds[0].version.as_str(),
            refunds[0].refund_fee
        ),
        ("shop-a", "v3", Some(303))
    );
    assert_eq!(
        db.order(A.label, "SIM-A-3").unwrap().unwrap().status,
        "paid"
    );
    let _ = std::fs::remove_dir_all(&d.dir);
}

#[test]
fn simulate_until_success_against_a_handler_that_fails_twice() {
    let d = deployment("sim-retry");
    // TEST ONLY switch: the first two requests get 500, as if the database were down.
    let ex = Example::start(&d, "v2.sqlite3", Some(2));
    ex.add_order(A.label, "SIM-A-4", 404);
    let (report, ok) = ex.simulate(
        &[
            "pay",
            "--mch-id",
            A.mch_id,
            "--out-trade-no",
            "SIM-A-4",
            "--total-fee",
            "404",
            "--until-success",
            "--time-scale",
            "0.01",
        ],
        &[("WECHATPAY_API_KEY", A.v2_key)],
    );
    assert!(ok, "{report}");
    assert_eq!(statuses(&report), [500, 500, 200]);
    let attempts = report["attempts"].as_array().unwrap();
    // WeChat Pay's schedule (15 s, 15 s, …), compressed a hundredfold.
    assert_eq!(
        attempts
            .iter()
            .map(|a| a["after_s"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [0, 15, 15]
    );
    assert_eq!(
        attempts
            .iter()
            .map(|a| a["reply_ok"] == true)
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(attempts[0]["reply"], common::V2_REFUSAL);
    let db = ex.db();
    assert_eq!(db.count().unwrap(), 1);
    assert_eq!(
        db.order(A.label, "SIM-A-4").unwrap().unwrap().status,
        "paid"
    );
    drop(ex);

    // The same in APIv3: the failures are 500 with the JSON FAIL body.
    let ex = Example::start(&d, "v3.sqlite3", Some(2));
    ex.add_order(A.label, "SIM-A-5", 505);
    let (report, ok) = ex.simulate(
        &[
            "v3",
            "pay",
            "--mchid",
            A.mch_id,
            "--private-key",
            d.keygen_private_key.to_str().unwrap(),
            "--key-id",
            &d.keygen_key_id,
            "--out-trade-no",
            "SIM-A-5",
            "--total-fee",
            "505",
            "--until-success",
            "--time-scale",
            "0.01",
        ],
        &[("WECHATPAY_API_V3_KEY", A.v3_key)],
    );
    assert!(ok, "{report}");
    assert_eq!(statuses(&report), [500, 500, 204]);
    assert_eq!(report["attempts"][0]["reply"], common::V3_REFUSAL);
    assert_eq!(
        ex.db().order(A.label, "SIM-A-5").unwrap().unwrap().status,
        "paid"
    );
    drop(ex);
    let _ = std::fs::remove_dir_all(&d.dir);
}

#[test]
fn the_binary_refuses_a_bad_configuration() {
    let d = deployment("sim-config");
    let run = |profiles: &Path, with_key: bool| {
        let mut cmd = Command::new(EXAMPLE);
        cmd.arg("127.0.0.1:0")
            .env("WECHATPAY_PROFILES", profiles)
            .env("WECHATPAY_DB", d.dir.join("x.sqlite3"))
            .env_remove(A_V3_KEY_ENV);
        if with_key {
            cmd.env(A_V3_KEY_ENV, "too short");
        }
        cmd.output().unwrap()
    };
    // The APIv3 key's variable is not set; then set to a key of the wrong length; a missing file.
    for (profiles, with_key, expected) in [
        (d.profiles.clone(), false, format!("${A_V3_KEY_ENV}")),
        (d.profiles.clone(), true, "invalid_config".to_owned()),
        (d.dir.join("missing.json"), false, "cannot read".to_owned()),
    ] {
        let out = run(&profiles, with_key);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("configuration error") && err.contains(&expected),
            "{err}"
        );
        assert!(!err.contains("too short"), "{err}");
    }
    // add-order validates its arguments.
    for bad in [
        &["add-order", "shop-a", "o-1", "0"][..],
        &["add-order", "shop-a", "o-1", "1.5"],
        &["add-order", "o-1", "5"],
    ] {
        let out = Command::new(EXAMPLE)
            .args(bad)
            .env("WECHATPAY_DB", d.dir.join("x.sqlite3"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&d.dir);
}
