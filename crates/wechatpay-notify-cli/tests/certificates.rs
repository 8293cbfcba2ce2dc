//! `certificates` against a local server that speaks WeChat Pay's certificate download protocol
//! (`GET /v3/certificates`): it checks the request's Authorization header (parsed, its signature
//! verified with the merchant public key made by `keygen`), answers with the platform certificate
//! encrypted under the APIv3 key (AES-256-GCM, associated data) and signs the answer with the
//! platform certificate's private key (the wechatpay-go test fixture in tests/vectors/keys), the
//! way WeChat Pay signs API responses and notifications.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const MCH_ID: &str = "1900009191";
const MERCHANT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
/// The platform certificate (wechatpay-go's test certificate, valid 2021-04-27 to 2031-04-25).
const PLATFORM_CERT: &str =
    include_str!("../../../tests/vectors/keys/wechatpay-go-certificate.pem");
const PLATFORM_KEY: &str =
    include_str!("../../../tests/vectors/keys/wechatpay-go-test-private-key.pem");
const PLATFORM_SERIAL: &str = "D7CE59D1F522D701";
/// Another certificate (serial 0A1B2C3D4E5F6071, valid 2024 to 2034), whose key is not ours.
const OTHER_CERT: &str = include_str!("../../../tests/vectors/keys/cert-leading-zero.pem");
/// 2026-12-01T00:00:00Z.
const NOW: u64 = 1_796_083_200;
/// The platform certificate's notAfter (2031-04-25T08:55:23Z).
const PLATFORM_NOT_AFTER: u64 = 1_934_873_723;

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

/// A fresh path for a directory of this test process (not created).
fn temp_dir(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-certs-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The merchant's API key pair, made once by `keygen`: (private key file, public key PEM).
fn merchant() -> &'static (PathBuf, String) {
    static KEYS: OnceLock<(PathBuf, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = temp_dir("merchant");
        let out = bin()
            .args(["keygen", "--out", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let public = std::fs::read_to_string(dir.join("test_public_key.pem")).unwrap();
        (dir.join("test_private_key.pem"), public)
    })
}

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    STANDARD.decode(b64).unwrap()
}

/// What the client sent.
#[derive(Debug, Clone)]
struct Request {
    line: String,
    headers: BTreeMap<String, String>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// The checked Authorization header: `WECHATPAY2-SHA256-RSA2048 k="v",…` with the merchant id,
/// the merchant certificate serial, and a signature over `GET\n<path>\n<timestamp>\n<nonce>\n\n`
/// that verifies with the merchant public key. Returns the timestamp (the server's clock).
fn check_authorization(r: &Request) -> Result<u64, String> {
    let auth = r.header("authorization").ok_or("no Authorization")?;
    let params = auth
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .ok_or("not WECHATPAY2-SHA256-RSA2048")?;
    let mut fields = BTreeMap::new();
    for part in params.split(',') {
        let (k, v) = part.split_once('=').ok_or("no =")?;
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or("unquoted")?;
        if fields.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("{k} twice"));
        }
    }
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    if keys != ["mchid", "nonce_str", "serial_no", "signature", "timestamp"] {
        return Err(format!("fields {keys:?}"));
    }
    if fields["mchid"] != MCH_ID || fields["serial_no"] != MERCHANT_SERIAL {
        return Err("wrong mchid or serial_no".into());
    }
    let mut words = r.line.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let message = format!(
        "{method}\n{path}\n{}\n{}\n\n",
        fields["timestamp"], fields["nonce_str"]
    );
    let signature = STANDARD
        .decode(&fields["signature"])
        .map_err(|_| "signature not base64")?;
    let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pem_der(&merchant().1));
    public
        .verify(message.as_bytes(), &signature)
        .map_err(|_| "the signature does not verify with the merchant public key")?;
    fields["timestamp"].parse().map_err(|_| "timestamp".into())
}

/// An HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A loopback server answering every request with `answer` (given the request and the clock the
/// client's Authorization claims), after checking the request like WeChat Pay: a request that
/// is not `GET /v3/certificates` with a valid Authorization gets 401 SIGN_ERROR.
struct Server {
    base_url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

fn serve(answer: impl Fn(u64) -> Answer + Send + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut request = Request {
                line: line.trim_end().to_string(),
                headers: BTreeMap::new(),
            };
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end_matches(['\r', '\n']);
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                request
                    .headers
                    .insert(k.to_ascii_lowercase(), v.trim().to_string());
            }
            seen.lock().unwrap().push(request.clone());
            let checked = if request.line != "GET /v3/certificates HTTP/1.1" {
                Err(format!("request line {}", request.line))
            } else if request.header("accept") != Some("application/json") {
                Err("Accept".into())
            } else if request.header("user-agent").is_none_or(str::is_empty) {
                Err("User-Agent".into())
            } else {
                check_authorization(&request)
            };
            let a = match checked {
                Ok(clock) => answer(clock),
                Err(why) => Answer {
                    status: 401,
                    headers: vec![],
                    body: json!({"code": "SIGN_ERROR", "message": why})
                        .to_string()
                        .into_bytes(),
                },
            };
            let mut head = format!(
                "HTTP/1.1 {} X\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n",
                a.status,
                a.body.len()
            );
            for (k, v) in &a.headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(b"\r\n");
            let _ = stream.write_all(&a.body);
        }
    });
    Server { base_url, requests }
}

/// `encrypt_certificate` for `pem` under `key` (AES-256-GCM, associated data `certificate`).
fn encrypt(pem: &str, key: &str) -> Value {
    let nonce = "a5b6c7d8e9f0";
    let gcm = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.as_bytes()).unwrap());
    let mut buf = pem.as_bytes().to_vec();
    gcm.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
        Aad::from(b"certificate"),
        &mut buf,
    )
    .unwrap();
    json!({
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": "certificate",
        "ciphertext": STANDARD.encode(buf),
    })
}

/// The listing WeChat Pay returns: one entry per `(serial_no, pem)`, encrypted under `key`.
fn listing(certs: &[(&str, &str)], key: &str) -> Vec<u8> {
    let data: Vec<Value> = certs
        .iter()
        .map(|(serial, pem)| {
            json!({
                "serial_no": serial,
                "effective_time": "2021-04-27T16:55:23+08:00",
                "expire_time": "2031-04-25T16:55:23+08:00",
                "encrypt_certificate": encrypt(pem, key),
            })
        })
        .collect();
    json!({ "data": data }).to_string().into_bytes()
}

/// The `Wechatpay-*` headers of a response signed with the platform private key at `timestamp`,
/// naming `serial`.
fn signed(body: &[u8], timestamp: u64, serial: &str) -> Vec<(String, String)> {
    let signer = RsaKeyPair::from_pkcs8(&pem_der(PLATFORM_KEY)).unwrap();
    let nonce = "c5ac7061fccab6bf3e254dcf98995b8c";
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let mut sig = vec![0; signer.public_modulus_len()];
    signer
        .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &message, &mut sig)
        .unwrap();
    vec![
        ("Request-ID".into(), "08F78BB5AF0610D302".into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        ("Wechatpay-Serial".into(), serial.into()),
        ("Wechatpay-Signature".into(), STANDARD.encode(sig)),
        (
            "Wechatpay-Signature-Type".into(),
            "WECHATPAY2-SHA256-RSA2048".into(),
        ),
        ("Wechatpay-Timestamp".into(), timestamp.to_string()),
    ]
}

/// WeChat Pay's answer: the platform certificate listed and the response signed with it.
fn genuine(clock: u64) -> Answer {
    let body = listing(&[(PLATFORM_SERIAL, PLATFORM_CERT)], API_V3_KEY);
    Answer {
        status: 200,
        headers: signed(&body, clock, PLATFORM_SERIAL),
        body,
    }
}

/// Runs `certificates` against `base_url`, writing into `dir`.
fn run(base_url: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "certificates".to_string(),
        "--mch-id".into(),
        MCH_ID.into(),
        "--serial-no".into(),
        MERCHANT_SERIAL.into(),
        "--private-key".into(),
        merchant().0.display().to_string(),
        "--out".into(),
        dir.display().to_string(),
        "--base-url".into(),
        base_url.into(),
    ];
    if !extra.contains(&"--now") {
        args.extend(["--now".into(), NOW.to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    bin()
        .args(&args)
        .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
        .output()
        .unwrap()
}

/// Every file of `dir` (names and contents); empty when it does not exist.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A refusal: exit 1, `code` in the JSON error, an inert message, and `dir` exactly as before.
fn assert_refused(out: &Output, code: &str, dir: &Path, before: &BTreeMap<String, Vec<u8>>) {
    let r = report(out);
    assert_eq!(out.status.code(), Some(1), "{r}");
    assert_eq!(r["ok"], json!(false), "{r}");
    assert_eq!(r["error"]["code"], json!(code), "{r}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(message.len() <= 200, "{message}");
    assert!(
        message.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "{message}"
    );
    assert_eq!(&snapshot(dir), before, "a refused download wrote something");
}

#[test]
fn first_download_bootstraps_then_later_runs_verify_against_the_directory() {
    let server = serve(genuine);
    let dir = temp_dir("bootstrap");
    std::fs::create_dir_all(&dir).unwrap();
    // Other files are left alone (and a non-certificate .pem is not taken as trusted).
    std::fs::write(dir.join("README.txt"), "platform certificates").unwrap();
    std::fs::write(dir.join("apiclient_key.pem"), "not a certificate").unwrap();
    let out = run(&server.base_url, &dir, &[]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["ok"], json!(true));
    assert_eq!(r["verified_with"]["trust"], json!("bootstrap"));
    assert_eq!(r["verified_with"]["serial"], json!(PLATFORM_SERIAL));
    assert!(r["note"].as_str().unwrap().contains("APIv3 key"), "{r}");
    let certs = r["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["serial"], json!(PLATFORM_SERIAL));
    assert_eq!(certs[0]["status"], json!("written"));
    assert_eq!(certs[0]["not_after"], json!(PLATFORM_NOT_AFTER));
    assert_eq!(certs[0]["expire_time"], json!("2031-04-25T16:55:23+08:00"));
    assert_eq!(r["warnings"], json!([]));
    let path = dir.join(format!("{PLATFORM_SERIAL}.pem"));
    assert_eq!(certs[0]["file"], json!(path.display().to_string()));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(written.ends_with("-----END CERTIFICATE-----\n"));
    assert_eq!(pem_der(&written), pem_der(PLATFORM_CERT));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // Exactly the certificate was added: no temporary file left, the others untouched.
    let files = snapshot(&dir);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["D7CE59D1F522D701.pem", "README.txt", "apiclient_key.pem"]
    );
    assert_eq!(files["README.txt"], b"platform certificates");
    // A handler trusts the written file as is.
    let mut v = wechatpay_notify::V3Verifier::new(API_V3_KEY).unwrap();
    v.add_platform_certificate(&written).unwrap();
    assert!(v.trusts(PLATFORM_SERIAL));

    // The second run verifies the response against the file and leaves it unchanged.
    let out = run(&server.base_url, &dir, &[]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["verified_with"]["trust"], json!("directory"));
    assert_eq!(r["certificates"][0]["status"], json!("unchanged"));
    assert!(r.get("note").is_none(), "{r}");
    assert_eq!(snapshot(&dir), files);
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}

#[test]
fn a_rewritten_file_is_replaced_atomically_and_a_platform_cert_is_trusted() {
    let server = serve(genuine);
    let dir = temp_dir("replace");
    std::fs::create_dir_all(&dir).unwrap();
    // The same certificate with CRLF line ends: trusted, then rewritten in the canonical form.
    let path = dir.join(format!("{PLATFORM_SERIAL}.pem"));
    std::fs::write(&path, PLATFORM_CERT.replace('\n', "\r\n")).unwrap();
    let out = run(&server.base_url, &dir, &[]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["verified_with"]["trust"], json!("directory"));
    assert_eq!(r["certificates"][0]["status"], json!("written"));
    assert!(!std::fs::read_to_string(&path).unwrap().contains('\r'));

    // --platform-cert alone is enough to trust (nothing in the directory yet).
    let fresh = temp_dir("platform-cert");
    let trusted = temp_dir("trusted-file");
    std::fs::create_dir_all(&trusted).unwrap();
    let file = trusted.join("wechatpay.pem");
    std::fs::write(&file, PLATFORM_CERT).unwrap();
    let out = run(
        &server.base_url,
        &fresh,
        &["--platform-cert", file.to_str().unwrap()],
    );
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["verified_with"]["trust"], json!("platform-cert"));
    assert!(fresh.join(format!("{PLATFORM_SERIAL}.pem")).exists());
}

#[test]
fn the_newest_certificate_expiring_within_ten_days_is_a_warning() {
    let server = serve(genuine);
    let dir = temp_dir("expiring");
    let now = (PLATFORM_NOT_AFTER - 9 * 86_400).to_string();
    let out = run(&server.base_url, &dir, &["--now", &now]);
    let r = report(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{r}");
    let w = warnings[0].as_str().unwrap();
    assert!(w.contains(PLATFORM_SERIAL) && w.contains("9 day"), "{w}");
    // Eleven days before: no warning.
    let now = (PLATFORM_NOT_AFTER - 11 * 86_400).to_string();
    let out = run(&server.base_url, &dir, &["--now", &now]);
    assert_eq!(report(&out)["warnings"], json!([]));
}

/// A server whose answer is the genuine one changed by `tamper`.
fn tampered(tamper: impl Fn(&mut Answer) + Send + 'static) -> Server {
    serve(move |clock| {
        let mut a = genuine(clock);
        tamper(&mut a);
        a
    })
}

fn set_header(a: &mut Answer, name: &str, value: String) {
    for (k, v) in &mut a.headers {
        if k == name {
            *v = value.clone();
        }
    }
}

#[test]
fn a_tampered_signature_is_refused_with_or_without_trusted_certificates() {
    let server = tampered(|a| {
        let sig = a
            .headers
            .iter()
            .find(|(k, _)| k == "Wechatpay-Signature")
            .unwrap()
            .1
            .clone();
        let mut raw = STANDARD.decode(sig).unwrap();
        raw[10] ^= 1;
        set_header(a, "Wechatpay-Signature", STANDARD.encode(raw));
    });
    let dir = temp_dir("tampered");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "signature_mismatch", &dir, &BTreeMap::new());
    // With the certificate already trusted.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{PLATFORM_SERIAL}.pem")), PLATFORM_CERT).unwrap();
    let before = snapshot(&dir);
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "signature_mismatch", &dir, &before);
    // A body changed after signing is the same refusal.
    let server = tampered(|a| a.body.push(b' '));
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "signature_mismatch", &dir, &before);
}

#[test]
fn a_certificate_encrypted_under_another_key_does_not_decrypt() {
    let server = serve(|clock| {
        let body = listing(
            &[(PLATFORM_SERIAL, PLATFORM_CERT)],
            "b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
        );
        Answer {
            status: 200,
            headers: signed(&body, clock, PLATFORM_SERIAL),
            body,
        }
    });
    let dir = temp_dir("wrong-key");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "decrypt_failed", &dir, &BTreeMap::new());
    let r = report(&out);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("data[0].encrypt_certificate"),
        "{r}"
    );
}

#[test]
fn a_serial_no_that_is_not_the_certificates_is_refused() {
    let server = serve(|clock| {
        let body = listing(&[("D7CE59D1F522D702", PLATFORM_CERT)], API_V3_KEY);
        Answer {
            status: 200,
            headers: signed(&body, clock, PLATFORM_SERIAL),
            body,
        }
    });
    let dir = temp_dir("serial-no");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "decrypt_failed", &dir, &BTreeMap::new());
    assert!(
        report(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not its serial_no D7CE59D1F522D702")
    );
}

#[test]
fn an_unknown_wechatpay_serial_is_refused() {
    // Bootstrap: the serial is none of the downloaded certificates.
    let server = tampered(|a| set_header(a, "Wechatpay-Serial", "5157F09EFDC096DE".into()));
    let dir = temp_dir("unknown-serial");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "unknown_serial", &dir, &BTreeMap::new());
    // Something is trusted (another certificate): no bootstrap, even though the response
    // carries and is signed by a certificate that decrypts.
    let server = serve(genuine);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("A1B2C3D4E5F6071.pem"), OTHER_CERT).unwrap();
    let before = snapshot(&dir);
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "unknown_serial", &dir, &before);
}

#[test]
fn a_stale_response_is_refused() {
    let server = serve(|clock| genuine(clock - 301));
    let dir = temp_dir("stale");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "timestamp_out_of_window", &dir, &BTreeMap::new());
}

#[test]
fn malformed_listings_are_refused() {
    for (body, code) in [
        (&b"not json"[..], "malformed_json"),
        (b"[]", "malformed_json"),
        (b"{}", "missing_field"),
        (br#"{"data":[]}"#, "missing_field"),
        (
            br#"{"data":[{"serial_no":"D7CE59D1F522D701"}]}"#,
            "missing_field",
        ),
    ] {
        let server = serve(move |clock| Answer {
            status: 200,
            headers: signed(body, clock, PLATFORM_SERIAL),
            body: body.to_vec(),
        });
        let dir = temp_dir("malformed");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{PLATFORM_SERIAL}.pem")), PLATFORM_CERT).unwrap();
        let before = snapshot(&dir);
        let out = run(&server.base_url, &dir, &[]);
        assert_refused(&out, code, &dir, &before);
    }
    // The same certificate listed twice.
    let server = serve(|clock| {
        let body = listing(
            &[
                (PLATFORM_SERIAL, PLATFORM_CERT),
                ("00D7CE59D1F522D701", PLATFORM_CERT),
            ],
            API_V3_KEY,
        );
        Answer {
            status: 200,
            headers: signed(&body, clock, PLATFORM_SERIAL),
            body,
        }
    });
    let dir = temp_dir("twice");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "duplicate_field", &dir, &BTreeMap::new());
}

#[test]
fn an_error_status_shows_wechat_pays_code_and_message_inert() {
    let server = serve(|_| Answer {
        status: 401,
        headers: vec![("Request-ID".into(), "08F78BB5AF0610D302".into())],
        body: json!({
            "code": "SIGN_ERROR",
            "message": "签名错误\n\u{1b}[31m\u{2028}forged log line\u{202e}",
        })
        .to_string()
        .into_bytes(),
    });
    let dir = temp_dir("status");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "http_status", &dir, &BTreeMap::new());
    let r = report(&out);
    assert_eq!(r["http"]["status"], json!(401), "{r}");
    assert_eq!(r["http"]["code"], json!("SIGN_ERROR"));
    assert_eq!(r["http"]["request_id"], json!("08F78BB5AF0610D302"));
    assert_eq!(
        r["http"]["message"],
        json!("签名错误??[31m?forged log line?")
    );
    assert!(r["error"]["message"].as_str().unwrap().contains("401"));

    // The server's own check of the request: a wrong merchant id is its SIGN_ERROR.
    let server = serve(genuine);
    let out = bin()
        .args([
            "certificates",
            "--mch-id",
            "1900000000",
            "--serial-no",
            MERCHANT_SERIAL,
            "--private-key",
            merchant().0.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--base-url",
            &server.base_url,
        ])
        .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
        .output()
        .unwrap();
    assert_refused(&out, "http_status", &dir, &BTreeMap::new());
    assert_eq!(report(&out)["http"]["code"], json!("SIGN_ERROR"));
}

#[test]
fn a_redirect_is_not_followed() {
    let target = serve(genuine);
    let location = format!("{}/v3/certificates", target.base_url);
    let server = serve(move |_| Answer {
        status: 302,
        headers: vec![("Location".into(), location.clone())],
        body: Vec::new(),
    });
    let dir = temp_dir("redirect");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "http_status", &dir, &BTreeMap::new());
    let r = report(&out);
    assert_eq!(r["http"]["status"], json!(302));
    assert!(
        r["http"]["location"]
            .as_str()
            .unwrap()
            .starts_with(&target.base_url)
    );
    assert_eq!(server.requests.lock().unwrap().len(), 1);
    assert!(target.requests.lock().unwrap().is_empty());
}

#[test]
fn an_oversized_response_is_refused() {
    let server = serve(|clock| {
        let mut body = listing(&[(PLATFORM_SERIAL, PLATFORM_CERT)], API_V3_KEY);
        // Valid JSON, correctly signed, but larger than any listing: 300 KiB of padding.
        body.pop();
        body.extend_from_slice(format!(",\"pad\":\"{}\"}}", "x".repeat(300 * 1024)).as_bytes());
        Answer {
            status: 200,
            headers: signed(&body, clock, PLATFORM_SERIAL),
            body,
        }
    });
    let dir = temp_dir("oversized");
    let out = run(&server.base_url, &dir, &[]);
    assert_refused(&out, "body_too_large", &dir, &BTreeMap::new());
}

#[test]
fn usage_errors_write_nothing_and_send_nothing() {
    let server = serve(genuine);
    let dir = temp_dir("usage");
    let merchant_key = merchant().0.display().to_string();
    let base = vec![
        "certificates",
        "--mch-id",
        MCH_ID,
        "--serial-no",
        MERCHANT_SERIAL,
        "--private-key",
        &merchant_key,
        "--out",
    ];
    let dir_s = dir.display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        // http only to a loopback address.
        vec!["--base-url", "http://example.com"],
        vec!["--base-url", "http://10.0.0.1:8080"],
        vec!["--base-url", "ftp://127.0.0.1"],
        vec!["--base-url", "https://api.mch.weixin.qq.com/v3"],
        // A key on the command line is never taken.
        vec!["--base-url", &server.base_url, "--api-v3-key", API_V3_KEY],
        vec![
            "--base-url",
            &server.base_url,
            "--platform-cert",
            "/nonexistent.pem",
        ],
    ];
    for extra in &cases {
        let mut args = base.clone();
        args.push(&dir_s);
        args.extend(extra);
        let out = bin()
            .args(&args)
            .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
            .output()
            .unwrap();
        let r = report(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {r}");
        assert_eq!(r["ok"], json!(false));
        assert!(!r["error"]["message"].as_str().unwrap().contains(API_V3_KEY));
        assert!(!dir.exists(), "{extra:?}");
    }
    // No APIv3 key, a 16-byte one, a bad merchant id or serial, no private key.
    let mut args = base.clone();
    args.extend([dir_s.as_str(), "--base-url", &server.base_url]);
    let out = bin().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(&args)
        .env("WECHATPAY_API_V3_KEY", "0123456789abcdef")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(report(&out)["error"]["code"], json!("invalid_config"));
    for (flag, value) in [
        ("--mch-id", "19\"00"),
        ("--serial-no", "not-hex"),
        ("--private-key", "/nonexistent/apiclient_key.pem"),
    ] {
        let mut args = args.clone();
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let out = bin()
            .args(&args)
            .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
    }
    // A file of the directory named after a serial that is not its certificate's: refused as
    // configuration, never silently skipped (which could turn the run into a bootstrap).
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ABCDEF.pem"), PLATFORM_CERT).unwrap();
    let before = snapshot(&dir);
    let out = bin()
        .args(&args)
        .env("WECHATPAY_API_V3_KEY", API_V3_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(report(&out)["error"]["code"], json!("invalid_config"));
    assert_eq!(snapshot(&dir), before);
    assert!(server.requests.lock().unwrap().is_empty());
}
