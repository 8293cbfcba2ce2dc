//! Runs the shared vectors through the `wechatpay-notify` binary, plus the CLI's own rules.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The CLI under test: this build's binary, or the command `WECHATPAY_NOTIFY_CLI_UNDER_TEST` names
/// (`scripts/test-platforms.sh` runs this suite against another platform's packaged CLI, through
/// a launcher script for qemu-user, wine or an old glibc's loader).
fn cli_under_test() -> std::ffi::OsString {
    std::env::var_os("WECHATPAY_NOTIFY_CLI_UNDER_TEST")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_wechatpay-notify").into())
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join("tests/vectors").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn run(args: &[&str], key: Option<&str>, stdin: &[u8]) -> Output {
    let mut cmd = Command::new(cli_under_test());
    cmd.args(args)
        .env_remove("WECHATPAY_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = key {
        cmd.env("WECHATPAY_API_KEY", k);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    // The CLI may stop reading early (size limit); a broken pipe is fine.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn body(t: &Value) -> Vec<u8> {
    if let Some(s) = t.get("body") {
        return s.as_str().unwrap().as_bytes().to_vec();
    }
    let hex = t["bodyHex"].as_str().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The message rule (issue 8.3): at most 200 characters, no character of Unicode categories Cc,
/// Cf, Zl, Zp (the core promises printable ASCII, which is what is checked).
fn check_message(tc: u64, message: &str) {
    assert!(message.chars().count() <= 200, "tcId {tc}: {message}");
    assert!(
        message.bytes().all(|b| (0x20..0x7F).contains(&b)),
        "tcId {tc}: {message:?}"
    );
}

fn run_file(file: &str, kind: &str) {
    let v = load(file);
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let cfg = &group["config"];
        let mut args: Vec<String> = vec![
            "verify".into(),
            "--kind".into(),
            kind.into(),
            "--sign-type".into(),
            cfg["signType"].as_str().unwrap().into(),
        ];
        for t in cfg["alsoAccept"].as_array().unwrap() {
            args.extend(["--also-accept".into(), t.as_str().unwrap().into()]);
        }
        if let Some(a) = cfg["appid"].as_str() {
            args.extend(["--appid".into(), a.into()]);
        }
        if let Some(m) = cfg["mchId"].as_str() {
            args.extend(["--mch-id".into(), m.into()]);
        }
        if let Some(n) = cfg["maxBodyBytes"].as_u64() {
            args.extend(["--max-body-bytes".into(), n.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let out = run(&args, cfg["apiKey"].as_str(), &body(t));
            let j = json_out(&out);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(out.status.code(), Some(0), "tcId {tc}: {j}");
                    assert_eq!(j["ok"], true);
                    let want = &t["expected"];
                    let got: Vec<(String, Value)> = j["fields"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    let expected: Vec<(String, Value)> = want["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].clone()))
                        .collect();
                    assert_eq!(got, expected, "tcId {tc}: fields in document order");
                    let typed = j["typed"].as_object().unwrap();
                    for (name, value) in want["typed"].as_object().unwrap() {
                        let got = typed.get(name);
                        assert_eq!(got, Some(value), "tcId {tc}: typed {name}");
                    }
                    let declared = load("typed_views.json")["views"]
                        [if kind == "pay" { "payment" } else { "refund" }]
                    .as_array()
                    .unwrap()
                    .len();
                    assert_eq!(typed.len(), declared, "tcId {tc}: typed properties");
                    if kind == "refund" {
                        let n = want["reqInfo"].as_array().unwrap().len();
                        assert_eq!(j["req_info"].as_object().unwrap().len(), n, "tcId {tc}");
                    }
                    assert!(j["reply"].as_str().unwrap().contains("SUCCESS"));
                }
                _ => {
                    let code = t["error"].as_str().unwrap();
                    let exit = if code == "invalid_config" { 2 } else { 1 };
                    assert_eq!(out.status.code(), Some(exit), "tcId {tc}: {j}");
                    assert_eq!(j["error"]["code"], code, "tcId {tc}: {j}");
                    check_message(tc, j["error"]["message"].as_str().unwrap());
                    // Whatever the configuration got wrong, nothing printed repeats the key.
                    let key = cfg["apiKey"].as_str().unwrap();
                    for printed in [&out.stdout, &out.stderr] {
                        let printed = String::from_utf8_lossy(printed);
                        assert!(!printed.contains(key), "tcId {tc}: {printed}");
                    }
                    if exit == 1 {
                        // One constant refusal: the code is in "error", never in the reply.
                        assert_eq!(
                            j["reply"].as_str().unwrap(),
                            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn pay_vectors() {
    run_file("v2_pay.json", "pay");
}

#[test]
fn refund_vectors() {
    run_file("v2_refund.json", "refund");
}

#[test]
fn sign_vectors() {
    let v = load("v2_sign.json");
    let mut ran = 0;
    for t in v["testGroups"][0]["tests"].as_array().unwrap() {
        ran += 1;
        let input = serde_json::to_vec(&t["fields"]).unwrap();
        let out = run(
            &[
                "sign",
                "--sign-only",
                "--sign-type",
                t["signType"].as_str().unwrap(),
            ],
            t["apiKey"].as_str(),
            &input,
        );
        let tc = &t["tcId"];
        if t["result"] == "valid" {
            assert_eq!(out.status.code(), Some(0), "tcId {tc}");
            let sig = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                sig.trim_end(),
                t["signature"].as_str().unwrap(),
                "tcId {tc}"
            );
        } else {
            assert_eq!(out.status.code(), Some(2), "tcId {tc}");
            let j = json_out(&out);
            assert_eq!(j["error"]["code"], t["error"], "tcId {tc}");
            check_message(
                tc.as_u64().unwrap(),
                j["error"]["message"].as_str().unwrap(),
            );
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn shipped_samples_verify_and_forgery_is_rejected() {
    let dir = root().join("examples/notifications");
    let key = std::fs::read_to_string(dir.join("api_key.txt")).unwrap();
    let key = key.trim();
    for (file, sign_type, kind, exit) in [
        ("pay-md5.xml", "MD5", "pay", 0),
        ("pay-hmac-sha256.xml", "HMAC-SHA256", "pay", 0),
        ("pay-forged.xml", "MD5", "pay", 1),
        ("refund.xml", "MD5", "refund", 0),
    ] {
        let path = dir.join(file);
        let out = run(
            &[
                "verify",
                "--sign-type",
                sign_type,
                "--kind",
                kind,
                "--mch-id",
                "10000100",
                path.to_str().unwrap(),
            ],
            Some(key),
            b"",
        );
        assert_eq!(
            out.status.code(),
            Some(exit),
            "{file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn sign_output_verifies() {
    let key = "192006250b4c09247ec02edce69f6a2d";
    let fields = br#"{"return_code":"SUCCESS","result_code":"SUCCESS","mch_id":"10000100","total_fee":101,"attach":"a]]>b","transaction_id":"42","out_trade_no":"A1"}"#;
    let signed = run(&["sign", "--sign-type", "HMAC-SHA256"], Some(key), fields);
    assert_eq!(signed.status.code(), Some(0));
    let out = run(
        &["verify", "--sign-type", "HMAC-SHA256"],
        Some(key),
        &signed.stdout,
    );
    let j = json_out(&out);
    assert_eq!(out.status.code(), Some(0), "{j}");
    assert_eq!(j["fields"]["attach"], "a]]>b");
    assert_eq!(j["typed"]["total_fee"], 101);
    assert_eq!(j["typed"]["dedupe_key"], "42");
    // A duplicate name in the JSON input is refused, not collapsed.
    let dup = run(
        &["sign", "--sign-type", "MD5"],
        Some(key),
        br#"{"a":"1","a":"2"}"#,
    );
    assert_eq!(dup.status.code(), Some(2));
    assert_eq!(json_out(&dup)["error"]["code"], "invalid_argument");
}

#[test]
fn explain_prints_the_string_to_sign_without_the_key() {
    let key = "192006250b4c09247ec02edce69f6a2d";
    let body = std::fs::read(root().join("examples/notifications/pay-forged.xml")).unwrap();
    let out = run(
        &["verify", "--sign-type", "MD5", "--explain"],
        Some(key),
        &body,
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json_out(&out);
    assert_eq!(j["error"]["code"], "signature_mismatch");
    let sts = j["explain"]["string_to_sign"].as_str().unwrap();
    assert!(sts.starts_with("appid=wx2421b1c4370ec43b&attach="), "{sts}");
    assert!(sts.ends_with("&key=<API key>"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(key), "the key must never be printed");
}

#[test]
fn usage_errors_exit_2_and_keys_never_come_from_argv() {
    let key = "192006250b4c09247ec02edce69f6a2d";
    assert_eq!(
        run(&["verify", "--sign-type", "MD5"], None, b"<xml/>")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["verify"], Some(key), b"<xml/>").status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["verify", "--sign-type", "SHA1"], Some(key), b"")
            .status
            .code(),
        Some(2)
    );
    let argv = run(
        &["verify", "--sign-type", "MD5", "--api-key", key],
        None,
        b"",
    );
    assert_eq!(argv.status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], Some(key), b"").status.code(), Some(2));
    let short = run(&["verify", "--sign-type", "MD5"], Some("short"), b"<xml/>");
    assert_eq!(short.status.code(), Some(2));
    assert_eq!(json_out(&short)["error"]["code"], "invalid_config");
    // --api-key-file works and its trailing newline is trimmed.
    let dir = root().join("examples/notifications");
    let out = run(
        &[
            "verify",
            "--sign-type",
            "MD5",
            "--api-key-file",
            dir.join("api_key.txt").to_str().unwrap(),
            dir.join("pay-md5.xml").to_str().unwrap(),
        ],
        None,
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    // The key given where its file belongs, or as the sign type: refused, and never printed.
    for args in [
        ["verify", "--sign-type", "MD5", "--api-key-file", key],
        ["verify", "--sign-type", key, "--mch-id", "10000100"],
    ] {
        let out = run(&args, Some("0123456789abcdef0123456789abcdef"), b"<xml/>");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        for printed in [&out.stdout, &out.stderr] {
            let printed = String::from_utf8_lossy(printed);
            assert!(!printed.contains(key), "{args:?}: {printed}");
        }
    }
}

/// Every command, with what its help must mention: its key options and its explanation.
const HELP_PAGES: &[(&[&str], &[&str])] = &[
    (
        &["--help"],
        &[
            "verify",
            "verify-v3",
            "verify-any",
            "simulate",
            "keygen",
            "sign",
            "certificates",
            "$WECHATPAY_API_KEY",
            "--api-v3-key-file",
            "Exit codes",
        ],
    ),
    (
        &["verify", "--help"],
        &[
            "--sign-type",
            "--kind",
            "--appid",
            "--mch-id",
            "--also-accept",
            "--max-body-bytes",
            "--explain",
            "--api-key-file",
            "[FILE|-]",
            "$WECHATPAY_API_KEY",
            "verify prints one JSON object",
        ],
    ),
    (
        &["verify-v3", "--help"],
        &[
            "--platform-key <ID=PEMFILE>",
            "--header",
            "--mch-id",
            "--now",
            "--max-clock-skew",
            "--max-body-bytes",
            "--api-v3-key-file",
            "[FILE|-]",
            "$WECHATPAY_API_V3_KEY",
        ],
    ),
    (
        &["verify-any", "--help"],
        &[
            "--profiles <FILE>",
            "--header",
            "--now",
            "[FILE|-]",
            "api_v3_key_env",
        ],
    ),
    (&["simulate", "--help"], &["pay", "refund", "v3", "SAFETY"]),
    (
        &["simulate", "pay", "--help"],
        &[
            "--url",
            "--sign-type",
            "--mch-id",
            "--mchid",
            "--repeat",
            "--until-success",
            "--time-scale",
            "--print",
            "--api-key-file",
            "SAFETY: --url has no default",
        ],
    ),
    (
        &["simulate", "refund", "--help"],
        &["--url", "--api-key-file", "SAFETY"],
    ),
    (&["simulate", "v3", "--help"], &["pay", "refund"]),
    (
        &["simulate", "v3", "pay", "--help"],
        &[
            "--url",
            "--private-key",
            "--key-id",
            "--stale-timestamp",
            "--probe",
            "--api-v3-key-file",
            "$WECHATPAY_API_V3_KEY",
        ],
    ),
    (
        &["simulate", "v3", "refund", "--help"],
        &["--private-key", "--key-id", "--api-v3-key-file"],
    ),
    (
        &["keygen", "--help"],
        &["--out <DIR>", "--force", "test_private_key.pem"],
    ),
    (
        &["sign", "--help"],
        &["--sign-type", "--sign-only", "--api-key-file", "[FILE|-]"],
    ),
    (
        &["certificates", "--help"],
        &[
            "--mch-id",
            "--serial-no",
            "--private-key <PEM>",
            "--out <DIR>",
            "--platform-cert <FILE>",
            "--base-url",
            "--now",
            "--api-v3-key-file",
            "$WECHATPAY_API_V3_KEY",
            "first download",
            "within 10",
        ],
    ),
    (&["help", "verify-any"], &["--profiles"]),
    (&["verify", "-h"], &["--sign-type"]),
];

#[test]
fn every_command_answers_help_on_stdout_with_exit_0() {
    for (args, mentions) in HELP_PAGES {
        let out = run(args, None, b"");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}");
        assert!(out.stderr.is_empty(), "{args:?}");
        for m in *mentions {
            assert!(
                stdout.contains(m),
                "{args:?} does not mention {m}:\n{stdout}"
            );
        }
    }
    let out = run(&["--version"], None, b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("wechatpay-notify {}\n", env!("CARGO_PKG_VERSION"))
    );
    // No command at all: the help, on stderr, as a usage error.
    let out = run(&[], None, b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: wechatpay-notify"));
}

#[test]
fn unknown_options_and_bad_values_are_usage_errors() {
    for args in [
        &["verify", "--sign-type", "MD5", "--frobnicate"][..],
        &["verify-v3", "--platform-key", "a=b.pem", "--frobnicate"],
        &["verify-any", "--profiles", "p.json", "--frobnicate"],
        &[
            "simulate",
            "pay",
            "--url",
            "http://127.0.0.1:9/",
            "--frobnicate",
        ],
        &["simulate", "v3", "refund", "--print", "--frobnicate"],
        &["keygen", "--out", "/nonexistent/dir", "--frobnicate"],
        &["sign", "--sign-type", "MD5", "--frobnicate"],
        // Options of another command are unknown here, as before.
        &["sign", "--sign-type", "MD5", "--explain"],
        &[
            "verify-any",
            "--profiles",
            "p.json",
            "--platform-key",
            "a=b.pem",
        ],
    ] {
        let out = run(args, Some("192006250b4c09247ec02edce69f6a2d"), b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        // Like every usage error: one JSON object on stdout, the explanation on stderr.
        let j = json_out(&out);
        assert_eq!(j["ok"], false, "{args:?}");
        assert_eq!(j["error"]["code"], "usage", "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let bad = args.iter().rev().find(|a| a.starts_with("--")).unwrap();
        assert!(stderr.contains(bad), "{args:?}: {stderr}");
        assert!(stderr.contains("--help"), "{args:?}: {stderr}");
    }
    for args in [
        &["verify", "--sign-type", "MD5", "--kind", "charge"][..],
        &["verify", "--sign-type", "MD5", "--max-body-bytes", "lots"],
        &["verify", "--sign-type", "MD5", "a.xml", "b.xml"],
        &["verify-v3", "--platform-key", "no-equals-sign"],
        &[
            "verify-v3",
            "--platform-key",
            "a=b.pem",
            "--header",
            "no colon",
        ],
        &[
            "verify-v3",
            "--platform-key",
            "a=b.pem",
            "--now",
            "yesterday",
        ],
        &["verify-v3"],
        &["verify-any"],
        &["simulate"],
        &["simulate", "v2", "pay"],
        &["simulate", "pay", "--print", "--result", "MAYBE"],
        &["simulate", "pay", "--print", "--time-scale", "-1"],
        &["keygen"],
        &["sign"],
    ] {
        let out = run(args, Some("192006250b4c09247ec02edce69f6a2d"), b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    // A sign type is the core's to check: still its invalid_config.
    let out = run(&["verify", "--sign-type", "SHA1"], Some("k"), b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_out(&out)["error"]["code"], "invalid_config");
}

#[test]
fn a_key_on_the_command_line_is_refused_by_every_command() {
    let key = "192006250b4c09247ec02edce69f6a2d";
    let key_eq = format!("--api-key={key}");
    let v3_key_eq = format!("--api-v3-key={key}");
    for command in [
        &["verify", "--sign-type", "MD5"][..],
        &["verify-v3", "--platform-key", "a=b.pem"],
        &["verify-any", "--profiles", "p.json"],
        &["simulate", "pay", "--url", "http://127.0.0.1:9/"],
        &["simulate", "v3", "pay", "--url", "http://127.0.0.1:9/"],
        &["keygen", "--out", "/nonexistent/dir"],
        &["sign", "--sign-type", "MD5"],
        &[],
    ] {
        for (flag, want) in [
            (
                &["--api-key", key][..],
                "use $WECHATPAY_API_KEY or --api-key-file",
            ),
            (
                &[key_eq.as_str()],
                "use $WECHATPAY_API_KEY or --api-key-file",
            ),
            (&["--api-key="], "use $WECHATPAY_API_KEY or --api-key-file"),
            (
                &["--api-v3-key", key],
                "use $WECHATPAY_API_V3_KEY or --api-v3-key-file",
            ),
            (
                &[v3_key_eq.as_str()],
                "use $WECHATPAY_API_V3_KEY or --api-v3-key-file",
            ),
        ] {
            let args: Vec<&str> = command.iter().chain(flag).copied().collect();
            let out = run(&args, None, b"");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("never taken from the command line"),
                "{args:?}: {stderr}"
            );
            assert!(stderr.contains(want), "{args:?}: {stderr}");
            assert_eq!(json_out(&out)["error"]["code"], "usage");
            assert!(!stderr.contains(key), "{args:?}: the key is echoed");
            assert!(
                !String::from_utf8_lossy(&out.stdout).contains(key),
                "{args:?}"
            );
        }
    }
    // The key-file options are not key options: both spellings work.
    let dir = root().join("examples/notifications");
    let key_file = dir.join("api_key.txt");
    let sample = dir.join("pay-md5.xml");
    for args in [
        vec!["--api-key-file".to_string(), key_file.display().to_string()],
        vec![format!("--api-key-file={}", key_file.display())],
    ] {
        let mut all: Vec<String> = vec!["verify".into(), "--sign-type".into(), "MD5".into()];
        all.extend(args);
        all.push(sample.display().to_string());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = run(&all, None, b"");
        assert_eq!(out.status.code(), Some(0), "{all:?}");
        assert_eq!(json_out(&out)["ok"], true);
    }
}

fn run_v3(args: &[String], key: &str, stdin: &[u8]) -> Output {
    let mut cmd = Command::new(cli_under_test());
    cmd.args(args)
        .env_remove("WECHATPAY_API_KEY")
        .env("WECHATPAY_API_V3_KEY", key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn v3_vectors() {
    let v = load("v3_notify.json");
    let dir = std::env::temp_dir().join(format!("wechatpay-notify-cli-v3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let views = load("typed_views.json");
    let mut ran = 0;
    for (g, group) in v["testGroups"].as_array().unwrap().iter().enumerate() {
        let cfg = &group["config"];
        let mut base: Vec<String> = vec!["verify-v3".into()];
        for (k, pair) in cfg["platformKeys"].as_array().unwrap().iter().enumerate() {
            let file = dir.join(format!("g{g}-k{k}.pem"));
            std::fs::write(&file, pair[1].as_str().unwrap()).unwrap();
            base.extend([
                "--platform-key".into(),
                format!("{}={}", pair[0].as_str().unwrap(), file.display()),
            ]);
        }
        if let Some(s) = cfg["maxClockSkew"].as_u64() {
            base.extend(["--max-clock-skew".into(), s.to_string()]);
        }
        if let Some(n) = cfg["maxBodyBytes"].as_u64() {
            base.extend(["--max-body-bytes".into(), n.to_string()]);
        }
        for m in cfg["mchIds"].as_array().into_iter().flatten() {
            base.extend(["--mch-id".into(), m.as_str().unwrap().to_string()]);
        }
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let mut args = base.clone();
            for h in t["headers"].as_array().unwrap() {
                args.extend([
                    "--header".into(),
                    format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap()),
                ]);
            }
            args.extend(["--now".into(), t["now"].as_u64().unwrap().to_string()]);
            let out = run_v3(&args, cfg["apiV3Key"].as_str().unwrap(), &body(t));
            let j = json_out(&out);
            if t["result"] == "valid" {
                assert_eq!(out.status.code(), Some(0), "tcId {tc}: {j}");
                let want = &t["expected"];
                assert_eq!(j["kind"], "v3");
                for f in [
                    "id",
                    "create_time",
                    "event_type",
                    "resource_type",
                    "summary",
                ] {
                    assert_eq!(j["event"][f], want[f], "tcId {tc}: {f}");
                }
                assert_eq!(j["plaintext"], want["plaintext"], "tcId {tc}");
                assert_eq!(j["resource"], want["resource"], "tcId {tc}");
                assert_eq!(j["typed"], want["typed"], "tcId {tc}");
                for (view, key) in [
                    ("transaction", "v3_transaction"),
                    ("refund", "v3_refund"),
                    ("profit_sharing", "v3_profit_sharing"),
                    ("transfer", "v3_transfer"),
                    ("complaint", "v3_complaint"),
                ] {
                    if let Some(obj) = j["typed"][view].as_object() {
                        assert_eq!(obj.len(), views["views"][key].as_array().unwrap().len());
                    }
                }
                assert_eq!(j["reply"]["status"], 204);
            } else {
                let code = t["error"].as_str().unwrap();
                let exit = if code == "invalid_config" { 2 } else { 1 };
                assert_eq!(out.status.code(), Some(exit), "tcId {tc}: {j}");
                assert_eq!(j["error"]["code"], code, "tcId {tc}: {j}");
                check_message(tc, j["error"]["message"].as_str().unwrap());
                if exit == 1 {
                    let status = j["reply"]["status"].as_u64().unwrap();
                    assert!((400..500).contains(&status), "tcId {tc}: {j}");
                    assert_eq!(
                        j["reply"]["body"],
                        r#"{"code":"FAIL","message":"rejected"}"#
                    );
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

/// `v3_key_dirs.json` through `verify-v3 --key-dir`: a directory that loads verifies v3_notify.json
/// tcId 2 (signed with the certificate D7CE59D1F522D701, which both valid directories hold); a
/// refused one is a configuration error (exit 2) with the code and the file named.
#[test]
fn key_dir_vectors_through_verify_v3() {
    let v = load("v3_key_dirs.json");
    let notify = load("v3_notify.json");
    let (t2, key) = notify["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|g| {
            let t = g["tests"].as_array()?.iter().find(|t| t["tcId"] == 2)?;
            Some((t.clone(), g["config"]["apiV3Key"].as_str()?.to_owned()))
        })
        .unwrap();
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let dir = root()
                .join("tests/vectors")
                .join(t["dir"].as_str().unwrap());
            let mut args: Vec<String> = vec!["verify-v3".into(), "--key-dir".into()];
            args.push(dir.display().to_string());
            for h in t2["headers"].as_array().unwrap() {
                args.extend([
                    "--header".into(),
                    format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap()),
                ]);
            }
            args.extend(["--now".into(), t2["now"].as_u64().unwrap().to_string()]);
            let out = run_v3(&args, &key, &body(&t2));
            let j = json_out(&out);
            if t["result"] == "valid" {
                assert_eq!(out.status.code(), Some(0), "tcId {tc}: {j}");
                assert_eq!(j["event"]["id"], t2["expected"]["id"], "tcId {tc}");
            } else {
                assert_eq!(out.status.code(), Some(2), "tcId {tc}: {j}");
                assert_eq!(j["error"]["code"], t["error"], "tcId {tc}: {j}");
                let message = j["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains(t["messageIncludes"].as_str().unwrap()),
                    "tcId {tc}: {j}"
                );
                check_message(tc, message);
            }
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

/// Writes a file with the given mode (key files and profiles files must be 600).
fn write_mode(path: &std::path::Path, content: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes `profiles` (the endpoint vectors' config) as a profiles file with key files (mode 600)
/// and environment variables; returns its path and the environment to set. Settings a vector
/// leaves out (`null`) are written as `null`, which the profiles file reads as absent.
fn write_profiles(dir: &std::path::Path, profiles: &Value) -> (PathBuf, Vec<(String, String)>) {
    let mut env = Vec::new();
    let mut out = Vec::new();
    for (i, p) in profiles.as_array().unwrap().iter().enumerate() {
        let mut profile = serde_json::json!({"label": p["label"], "mch_id": p["mchId"]});
        if !p["v2"].is_null() {
            write_mode(
                &dir.join(format!("p{i}.key")),
                p["v2"]["apiKey"].as_str().unwrap(),
                0o600,
            );
            profile["v2"] = serde_json::json!({
                "api_key_file": format!("p{i}.key"),
                "sign_type": p["v2"]["signType"],
                "mch_id": p["v2"]["mchId"],
                "appid": p["v2"]["appid"],
                "also_accept": p["v2"]["alsoAccept"],
            });
        }
        if !p["v3"].is_null() {
            let var = format!("CLI_TEST_V3_KEY_{i}");
            env.push((
                var.clone(),
                p["v3"]["apiV3Key"].as_str().unwrap().to_string(),
            ));
            let mut keys = serde_json::Map::new();
            for (k, pair) in p["v3"]["platformKeys"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let file = format!("p{i}-k{k}.pem");
                std::fs::write(dir.join(&file), pair[1].as_str().unwrap()).unwrap();
                keys.insert(pair[0].as_str().unwrap().to_string(), Value::String(file));
            }
            profile["v3"] = serde_json::json!({
                "api_v3_key_env": var,
                "platform_keys": keys,
                "mch_ids": p["v3"]["mchIds"],
            });
        }
        out.push(profile);
    }
    let path = dir.join("profiles.json");
    write_mode(
        &path,
        &serde_json::json!({"profiles": out}).to_string(),
        0o600,
    );
    (path, env)
}

fn run_env(args: &[String], env: &[(String, String)], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(cli_under_test());
    cmd.args(args)
        .env_remove("WECHATPAY_API_KEY")
        .envs(env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn endpoint_vectors_through_verify_any() {
    let v = load("endpoint.json");
    let mut ran = 0;
    for (g, group) in v["testGroups"].as_array().unwrap().iter().enumerate() {
        let dir =
            std::env::temp_dir().join(format!("wechatpay-cli-any-{}-{g}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (profiles, env) = write_profiles(&dir, &group["config"]["profiles"]);
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let mut args = vec![
                "verify-any".to_string(),
                "--profiles".into(),
                profiles.display().to_string(),
            ];
            for h in t["headers"].as_array().unwrap() {
                args.extend([
                    "--header".into(),
                    format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap()),
                ]);
            }
            args.extend(["--now".into(), t["now"].to_string()]);
            let out = run_env(&args, &env, &body(t));
            let want = &t["expected"];
            if out.status.code() == Some(2) {
                // A profiles set the endpoint refuses is a configuration error.
                assert_eq!(
                    t["error"],
                    "invalid_config",
                    "tcId {tc}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            let j = json_out(&out);
            let reply = serde_json::json!({
                "status": j["reply"]["status"], "contentType": j["reply"]["content_type"], "body": j["reply"]["body"],
            });
            assert_eq!(reply, want["reply"], "tcId {tc}");
            if t["result"] == "valid" {
                assert_eq!(out.status.code(), Some(0), "tcId {tc}: {j}");
                assert_eq!(j["label"], want["label"], "tcId {tc}");
                assert_eq!(j["kind"], want["kind"], "tcId {tc}");
                assert_eq!(j["typed"]["is_success"], want["isSuccess"], "tcId {tc}");
                assert_eq!(j["typed"]["dedupe_key"], want["dedupeKey"], "tcId {tc}");
            } else {
                assert_eq!(out.status.code(), Some(1), "tcId {tc}: {j}");
                assert_eq!(j["error"]["code"], t["error"], "tcId {tc}");
                assert_eq!(j["version"], want["version"], "tcId {tc}");
                assert_eq!(j["label"], want["label"], "tcId {tc}");
                check_message(tc, j["error"]["message"].as_str().unwrap());
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn profiles_files_keep_keys_out_and_are_private() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run_with = |profiles: &str, mode: u32| {
        let path = dir.join("p.json");
        write_mode(&path, profiles, mode);
        run_env(
            &[
                "verify-any".into(),
                "--profiles".into(),
                path.display().to_string(),
            ],
            &[],
            b"<xml/>",
        )
    };
    write_mode(
        &dir.join("a.key"),
        "192006250b4c09247ec02edce69f6a2d",
        0o600,
    );
    let good = r#"{"profiles":[{"label":"a","v2":{"api_key_file":"a.key","sign_type":"MD5","mch_id":"1"}}]}"#;
    let out = run_with(good, 0o644);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    let out = run_with(good, 0o600);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inline = r#"{"profiles":[{"label":"a","v2":{"api_key":"192006250b4c09247ec02edce69f6a2d","mch_id":"1"}}]}"#;
    let out = run_with(inline, 0o600);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("192006250b4c"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs `verify-any` on a profiles file (mode 600) in `dir`; exit code and stderr.
fn verify_any_with(dir: &std::path::Path, profiles: &str) -> (Option<i32>, String) {
    let path = dir.join("profiles.json");
    write_mode(&path, profiles, 0o600);
    let out = run_env(
        &[
            "verify-any".into(),
            "--profiles".into(),
            path.display().to_string(),
        ],
        &[],
        b"<xml/>",
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn misspelt_settings_and_a_missing_sign_type_are_configuration_errors() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-misspelt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_mode(
        &dir.join("a.key"),
        "192006250b4c09247ec02edce69f6a2d",
        0o600,
    );
    for (profiles, want) in [
        (
            r#"{"profiles":[{"label":"shop-a","v2":{"api_key_file":"a.key","signType":"MD5","mch_id":"1"}}]}"#,
            r#"profile "shop-a": unknown v2 setting "signType""#,
        ),
        (
            r#"{"profiles":[{"label":"shop-a","v2":{"api_key_file":"a.key","sign_type":"MD5","mch_id":"1","appId":"wx1"}}]}"#,
            r#"profile "shop-a": unknown v2 setting "appId""#,
        ),
        (
            r#"{"profiles":[{"label":"shop-a","mchId":"1","v2":{"api_key_file":"a.key","sign_type":"MD5"}}]}"#,
            r#"profile "shop-a": unknown setting "mchId""#,
        ),
        (
            r#"{"profiles":[{"label":"shop-a","v2":{"api_key_file":"a.key","mch_id":"1"}}]}"#,
            r#"profile "shop-a": v2 sign_type: required"#,
        ),
    ] {
        let (code, stderr) = verify_any_with(&dir, profiles);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("invalid_config"), "{stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    // The profile-level mch_id is a setting: it routes v2 (the body is then verified).
    let (code, stderr) = verify_any_with(
        &dir,
        r#"{"profiles":[{"label":"shop-a","mch_id":"1","v2":{"api_key_file":"a.key","sign_type":"MD5"}}]}"#,
    );
    assert_eq!(code, Some(1), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn group_readable_key_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-keymode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = "192006250b4c09247ec02edce69f6a2d";
    let profiles = r#"{"profiles":[{"label":"shop-a","v2":{"api_key_file":"a.key","sign_type":"MD5","mch_id":"1"}}]}"#;
    for mode in [0o640, 0o644, 0o604] {
        write_mode(&dir.join("a.key"), key, mode);
        let (code, stderr) = verify_any_with(&dir, profiles);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("chmod 600 {}", dir.join("a.key").display())),
            "{stderr}"
        );
        assert!(!stderr.contains(key), "{stderr}");
    }
    write_mode(&dir.join("a.key"), key, 0o600);
    let (code, stderr) = verify_any_with(&dir, profiles);
    assert_eq!(code, Some(1), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A key to trust that every user of the machine may write (`--platform-key`, `--key-dir`) is a
/// configuration error naming the file and the fix, before any request is read.
#[test]
fn trusted_keys_writable_by_others_are_refused() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-pemmode-{}", std::process::id()));
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let id = "PUB_KEY_ID_0114232134912410000000000000";
    let pem =
        std::fs::read_to_string(root().join("tests/vectors/keys/pubkey-a-public.pem")).unwrap();
    let file = keys.join(format!("{id}.pem"));
    let v3_key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let args = |trust: &[String]| {
        let mut a: Vec<String> = vec!["verify-v3".into()];
        a.extend(trust.iter().cloned());
        a
    };
    let by_file = args(&["--platform-key".into(), format!("{id}={}", file.display())]);
    let by_dir = args(&["--key-dir".into(), keys.display().to_string()]);
    write_mode(&file, &pem, 0o646);
    for a in [&by_file, &by_dir] {
        let out = run_v3(a, v3_key, b"{}");
        let j = json_out(&out);
        assert_eq!(out.status.code(), Some(2), "{j}");
        assert_eq!(j["error"]["code"], "invalid_config", "{j}");
        let message = j["error"]["message"].as_str().unwrap();
        assert!(
            message.ends_with("the file is writable by others: chmod o-w"),
            "{j}"
        );
        assert!(message.contains(&format!("{id}.pem")), "{j}");
    }
    write_mode(&file, &pem, 0o644);
    for a in [&by_file, &by_dir] {
        let out = run_v3(a, v3_key, b"{}");
        let j = json_out(&out);
        assert_ne!(j["error"]["code"], "invalid_config", "accepted at 644: {j}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
