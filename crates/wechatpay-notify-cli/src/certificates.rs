//! `certificates`: download WeChat Pay's platform certificates (`GET /v3/certificates`), verify and
//! decrypt them, and write each into a directory as `<SERIAL>.pem`, for certificate-mode merchants
//! (the notification handler loads that directory and never makes a network call itself).
//!
//! The request is signed with the merchant's API private key (SHA256withRSA, aws-lc-rs, as
//! `simulate` signs); the response is verified with the core's [`PlatformCertificate`]: its
//! signature with an already trusted certificate (or, on the very first download, with one of the
//! certificates it carries) and every certificate decrypted with the APIv3 key. Nothing is written
//! unless every check passes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use serde_json::{Map, Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_CLOCK_SKEW, Error, ErrorKind, PlatformCertificate, TrustedKeys, V3Headers,
};

use crate::{ApiV3KeyFile, Usage};

pub(crate) const HELP: &str = "\
certificates downloads WeChat Pay's platform certificates (GET /v3/certificates, signed with the
merchant API private key --private-key, whose certificate serial is --serial-no), verifies the
response and decrypts every certificate with the APIv3 key ($WECHATPAY_API_V3_KEY or
--api-v3-key-file), then writes each to DIR/<SERIAL>.pem (uppercase hex serial, PEM, mode 644,
atomically: a temporary file in DIR, fsync, rename). Other files in DIR are left alone.

Trust: the response signature must verify with a certificate already trusted: the files named
<HEX>.pem in DIR and every --platform-cert FILE. When nothing is trusted yet (the first download),
it is verified with one of the downloaded certificates instead, and the output says so: they are
authentic because they decrypted under the APIv3 key, which only WeChat Pay and the merchant know.

It prints one JSON object: {\"ok\":true,\"certificates\":[{\"serial\":..,\"status\":\"written\"|
\"unchanged\",..}],\"warnings\":[..],..}; a warning when the newest certificate expires within 10
days (WeChat Pay issues the next one 10 days before the old one expires: run this daily). A
response that fails any check writes nothing: {\"ok\":false,\"error\":{\"code\":..,\"message\":..}}
with a stable code (signature_mismatch, unknown_serial, decrypt_failed, malformed_json, ...), or
http_status (a non-2xx answer or a redirect, never followed) or network. Exit 0 written or
unchanged, 1 refused or failed download, 2 usage, configuration or local file error.
--base-url is for tests: https, or http to 127.0.0.1, ::1 or localhost only.";

/// WeChat Pay's API server.
const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The certificate download API's path (also the canonical URL that is signed).
const CERTIFICATES_PATH: &str = "/v3/certificates";
/// The largest response accepted: a listing of a few certificates is a few kilobytes.
const MAX_RESPONSE_BYTES: u64 = 256 * 1024;
/// The largest error body read, for its `code` and `message`.
const MAX_ERROR_BODY_BYTES: u64 = 16 * 1024;
/// A warning when the newest certificate expires within this many seconds (WeChat Pay issues the
/// next certificate 10 days before the current one expires).
const RENEWAL_WINDOW_S: u64 = 10 * 86_400;

#[derive(Args)]
pub(crate) struct CertificatesArgs {
    /// The merchant id (mchid)
    #[arg(long, visible_alias = "mchid", value_name = "M")]
    mch_id: String,
    /// The serial number of the merchant API certificate (apiclient_cert.pem)
    #[arg(long, value_name = "SERIAL")]
    serial_no: String,
    /// The merchant API private key (apiclient_key.pem; PKCS#8 or PKCS#1 PEM)
    #[arg(long, value_name = "PEM")]
    private_key: PathBuf,
    /// The directory of platform certificates: trusted, and written to (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also trust this platform certificate (PEM); repeatable
    #[arg(long = "platform-cert", value_name = "FILE")]
    platform_certs: Vec<PathBuf>,
    /// The API server: https, or http to a loopback address (for tests)
    /// [default: https://api.mch.weixin.qq.com]
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The clock, in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    #[command(flatten)]
    key: ApiV3KeyFile,
}

/// Where a trusted certificate came from.
#[derive(Clone, Copy)]
enum Source {
    Directory,
    PlatformCert,
    Bootstrap,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Directory => "directory",
            Source::PlatformCert => "platform-cert",
            Source::Bootstrap => "bootstrap",
        }
    }
}

/// A refused or failed download: nothing is written (exit 1).
struct Refusal {
    code: &'static str,
    message: String,
    /// For `http_status`: the status and WeChat Pay's `code` / `message`, shown inert.
    http: Option<Value>,
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Refusal {
        Refusal {
            code: e.code(),
            message: e.message().to_owned(),
            http: None,
        }
    }
}

impl Refusal {
    /// A refusal with a CLI-level code (`http_status`, `network`); the message is made inert by
    /// the core's rule (printable ASCII, at most 170 characters).
    fn cli(code: &'static str, message: String, http: Option<Value>) -> Refusal {
        Refusal {
            code,
            message: Error::new(ErrorKind::Internal, message)
                .message()
                .to_owned(),
            http,
        }
    }

    /// The same refusal, its message prefixed with where it happened.
    fn at(self, place: &str) -> Refusal {
        let message = Error::new(ErrorKind::Internal, format!("{place}: {}", self.message))
            .message()
            .to_owned();
        Refusal { message, ..self }
    }

    fn json(&self) -> Value {
        let mut out = json!({
            "ok": false,
            "kind": "certificates",
            "error": {"code": self.code, "message": self.message},
        });
        if let Some(http) = &self.http {
            out["http"] = http.clone();
        }
        out
    }
}

/// One entry of the listing, decrypted and checked.
struct Downloaded {
    cert: PlatformCertificate,
    serial_no: String,
    effective_time: String,
    expire_time: String,
}

/// `certificates …`: `Ok((report, true))` when every certificate was written or unchanged.
pub(crate) fn certificates(o: CertificatesArgs) -> Result<(Value, bool), Usage> {
    let base = base_url(o.base_url.as_deref())?;
    check_mch_id(&o.mch_id)?;
    check_serial_no(&o.serial_no)?;
    let api_v3_key = o.key.read()?;
    // The core's own check of the key (exactly 32 bytes), before any request is made.
    wechatpay_notify::V3Verifier::new(&api_v3_key)?;
    let signer = merchant_signer(&o.private_key)?;
    let mut trusted = Vec::new();
    for file in &o.platform_certs {
        trusted.push((load_certificate(file, None)?, Source::PlatformCert));
    }
    for (file, stem) in certificate_files(&o.out)? {
        trusted.push((load_certificate(&file, Some(&stem))?, Source::Directory));
    }
    let now = match o.now {
        Some(n) => n,
        None => crate::v3::unix_now()?,
    };
    let authorization = authorization(&o.mch_id, &o.serial_no, &signer, now)?;
    let downloaded = match download(&base, &authorization)
        .and_then(|(headers, body)| verified_listing(&headers, &body, &api_v3_key, &trusted, now))
    {
        Ok(d) => d,
        Err(refusal) => return Ok((refusal.json(), false)),
    };
    let (listing, verified_with, source) = downloaded;
    std::fs::create_dir_all(&o.out)
        .map_err(|e| Usage(format!("cannot create {}: {e}", o.out.display())))?;
    let mut certificates = Vec::new();
    for d in &listing {
        let (file, status) = write_certificate(&o.out, &d.cert)?;
        certificates.push(json!({
            "serial": d.cert.serial(),
            "serial_no": d.serial_no,
            "effective_time": d.effective_time,
            "expire_time": d.expire_time,
            "not_before": d.cert.not_before(),
            "not_after": d.cert.not_after(),
            "file": file.display().to_string(),
            "status": status,
        }));
    }
    let mut warnings = Vec::new();
    if let Some(newest) = listing
        .iter()
        .map(|d| &d.cert)
        .max_by_key(|c| c.not_after())
        && newest.not_after() <= now.saturating_add(RENEWAL_WINDOW_S)
    {
        let days = newest.not_after().saturating_sub(now) / 86_400;
        warnings.push(format!(
            "the newest platform certificate, {}, expires in {days} day(s) and no successor is \
             listed yet: WeChat Pay issues the next one 10 days before expiry; keep running this \
             command (daily) and make the handler load the new file",
            newest.serial()
        ));
    }
    let mut report = json!({
        "ok": true,
        "kind": "certificates",
        "out": o.out.display().to_string(),
        "verified_with": {"serial": verified_with, "trust": source.name()},
        "certificates": certificates,
        "warnings": warnings,
    });
    if matches!(source, Source::Bootstrap) {
        report["note"] = json!(
            "first download: no certificate was trusted yet, so the response signature was \
             verified with a certificate it carries; the certificates are authentic because they \
             decrypted under the APIv3 key, which only WeChat Pay and the merchant know. Later \
             runs verify against the files in this directory."
        );
    }
    Ok((report, true))
}

/// `--base-url`: `scheme://authority` of an https URL, or of an http URL to a loopback address;
/// no path (beyond `/`), query, or user information.
fn base_url(url: Option<&str>) -> Result<String, Usage> {
    let url = url.unwrap_or(DEFAULT_BASE_URL);
    let refuse = |why: &str| {
        Usage(format!(
            "--base-url {}: {why}",
            Error::new(ErrorKind::InvalidArgument, url.to_owned()).message()
        ))
    };
    let uri: ureq::http::Uri = url.parse().map_err(|_| refuse("not a URL"))?;
    let (Some(scheme), Some(authority), Some(host)) =
        (uri.scheme_str(), uri.authority(), uri.host())
    else {
        return Err(refuse("not an absolute URL"));
    };
    if authority.as_str().contains('@') {
        return Err(refuse("user information is not accepted"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(refuse("give the server only (scheme://host[:port])"));
    }
    let loopback = matches!(host, "127.0.0.1" | "[::1]" | "::1" | "localhost");
    match scheme {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(refuse(
                "only https, or http to a loopback address (127.0.0.1, ::1, localhost)",
            ));
        }
    }
    Ok(format!("{scheme}://{authority}"))
}

/// `--mch-id`: it goes into the Authorization header between quotes.
fn check_mch_id(mch_id: &str) -> Result<(), Usage> {
    if mch_id.is_empty() || mch_id.len() > 32 || !mch_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Usage(
            "--mch-id must be 1 to 32 ASCII letters or digits (the merchant id)".into(),
        ));
    }
    Ok(())
}

/// `--serial-no`: the merchant API certificate's serial, in hex.
fn check_serial_no(serial: &str) -> Result<(), Usage> {
    if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Usage(
            "--serial-no must be the merchant API certificate's serial number in hex".into(),
        ));
    }
    Ok(())
}

/// Overwrites a buffer that held key material (best effort without a zeroising dependency:
/// `black_box` keeps the writes from being optimised away before the buffer is freed).
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

/// The merchant API private key: PEM `PRIVATE KEY` (PKCS#8, as apiclient_key.pem) or
/// `RSA PRIVATE KEY` (PKCS#1).
fn merchant_signer(path: &Path) -> Result<RsaKeyPair, Usage> {
    let mut bytes =
        std::fs::read(path).map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
    let result = parse_private_key(&bytes, path);
    wipe(&mut bytes);
    result
}

fn parse_private_key(bytes: &[u8], path: &Path) -> Result<RsaKeyPair, Usage> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Usage(format!("{} is not a PEM file", path.display())))?;
    let (label, pkcs8) = if text.contains("-----BEGIN PRIVATE KEY-----") {
        ("PRIVATE KEY", true)
    } else if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        ("RSA PRIVATE KEY", false)
    } else {
        return Err(Usage(format!(
            "{} holds no PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1) PEM block",
            path.display()
        )));
    };
    let mut der = crate::simulate::pem_der(text, label)?;
    let key = if pkcs8 {
        RsaKeyPair::from_pkcs8(&der)
    } else {
        RsaKeyPair::from_der(&der)
    };
    wipe(&mut der);
    key.map_err(|e| {
        Usage(format!(
            "{} is not a usable RSA private key: {e}",
            path.display()
        ))
    })
}

/// A platform certificate to trust (`--platform-cert`, or a file of the directory named after its
/// serial, `expected` being that name's hex).
fn load_certificate(path: &Path, expected: Option<&str>) -> Result<PlatformCertificate, Usage> {
    let pem = TrustedKeys::read_pem_file(path).map_err(|e| {
        Usage(format!(
            "invalid_config: {}: {}",
            path.display(),
            e.message()
        ))
    })?;
    let cert = PlatformCertificate::from_pem(&pem).map_err(|e| {
        Usage(format!(
            "invalid_config: {}: {}",
            path.display(),
            e.message()
        ))
    })?;
    if let Some(stem) = expected
        && !cert.has_serial(stem)
    {
        return Err(Usage(format!(
            "invalid_config: {} holds the certificate with serial {}, not {stem}",
            path.display(),
            cert.serial()
        )));
    }
    Ok(cert)
}

/// The files of `dir` named `<HEX>.pem` (what this command writes), sorted; none when `dir` does
/// not exist yet. Every other file is ignored (and left alone).
fn certificate_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, Usage> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Usage(format!("cannot read {}: {e}", dir.display()))),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Usage(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".pem")) else {
            continue;
        };
        if !stem.is_empty() && stem.len() <= 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()) {
            files.push((entry.path(), stem.to_owned()));
        }
    }
    files.sort();
    Ok(files)
}

/// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`,
/// the signature being SHA256withRSA over `GET\n/v3/certificates\n<timestamp>\n<nonce>\n\n`
/// (method, canonical URL, timestamp, nonce and the empty body, each followed by a newline).
fn authorization(
    mch_id: &str,
    serial_no: &str,
    signer: &RsaKeyPair,
    timestamp: u64,
) -> Result<String, Usage> {
    let nonce = crate::simulate::random_alnum(32)?;
    let message = format!("GET\n{CERTIFICATES_PATH}\n{timestamp}\n{nonce}\n\n");
    let mut sig = vec![0; signer.public_modulus_len()];
    signer
        .sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut sig,
        )
        .map_err(|_| Usage("RSA signing with the merchant private key failed".into()))?;
    Ok(format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mch_id}\",nonce_str=\"{nonce}\",signature=\"{}\",\
         timestamp=\"{timestamp}\",serial_no=\"{serial_no}\"",
        STANDARD.encode(sig)
    ))
}

/// Printable ASCII and Chinese text (CJK ideographs and punctuation, full-width forms) of at most
/// 120 characters; anything else becomes `?`. For WeChat Pay's error `code` and `message`, which
/// are shown as they are, not escaped.
fn shown(s: &str) -> String {
    s.chars()
        .take(120)
        .map(|c| match c as u32 {
            0x20..=0x7E | 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF01..=0xFF60 => {
                c
            }
            _ => '?',
        })
        .collect()
}

/// Sends the request; a 2xx answer's `Wechatpay-*` headers and body (at most
/// [`MAX_RESPONSE_BYTES`]). Redirects are never followed.
fn download(base: &str, authorization: &str) -> Result<(V3Headers, Vec<u8>), Refusal> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // With 0 the 3xx itself is returned, never followed: the Authorization header is for
        // WeChat Pay only.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let user_agent = format!(
        "wechatpay-notify/{} (certificates)",
        wechatpay_notify::VERSION
    );
    let response = agent
        .get(format!("{base}{CERTIFICATES_PATH}"))
        .header("Accept", "application/json")
        .header("User-Agent", user_agent.as_str())
        .header("Authorization", authorization)
        .call();
    let mut response = response.map_err(|e| {
        Refusal::cli(
            "network",
            format!("the request to {base} failed: {e}"),
            None,
        )
    })?;
    let status = response.status();
    if !status.is_success() {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| shown(&String::from_utf8_lossy(v.as_bytes())))
        };
        let location = status
            .is_redirection()
            .then(|| header("location"))
            .flatten();
        // WeChat Pay's support asks for it.
        let request_id = header("request-id");
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ERROR_BODY_BYTES)
            .read_to_vec()
            .unwrap_or_default();
        let error: Map<String, Value> = serde_json::from_slice(&body).unwrap_or_default();
        let field = |name: &str| error.get(name).and_then(Value::as_str).map(shown);
        let (code, message) = (field("code"), field("message"));
        let what = if location.is_some() || status.is_redirection() {
            " (a redirect, not followed)".to_owned()
        } else {
            code.as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        };
        return Err(Refusal::cli(
            "http_status",
            format!("WeChat Pay answered HTTP {}{what}", status.as_u16()),
            Some(json!({
                "status": status.as_u16(),
                "code": code,
                "message": message,
                "location": location,
                "request_id": request_id,
            })),
        ));
    }
    let mut headers = V3Headers::new();
    for (name, value) in response.headers() {
        if name.as_str().starts_with("wechatpay-") {
            headers.insert(
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => Refusal::from(Error::new(
                ErrorKind::BodyTooLarge,
                format!("the response is larger than {MAX_RESPONSE_BYTES} bytes"),
            )),
            e => Refusal::cli("network", format!("reading the response failed: {e}"), None),
        })?;
    Ok((headers, body))
}

/// The listing, checked: signature first when something is trusted (else after decryption, with
/// the downloaded certificates: the bootstrap), every certificate decrypted and its serial equal
/// to its `serial_no`. Returns it with the serial that verified the signature and its source.
fn verified_listing(
    headers: &V3Headers,
    body: &[u8],
    api_v3_key: &str,
    trusted: &[(PlatformCertificate, Source)],
    now: u64,
) -> Result<(Vec<Downloaded>, String, Source), Refusal> {
    let verify = |certs: &[PlatformCertificate]| {
        PlatformCertificate::verify_response(certs, headers, body, now, DEFAULT_MAX_CLOCK_SKEW)
            .map(|c| c.serial().to_owned())
            .map_err(|e| Refusal::from(e).at("the response"))
    };
    let checked_first = if trusted.is_empty() {
        None
    } else {
        let certs: Vec<PlatformCertificate> = trusted.iter().map(|(c, _)| c.clone()).collect();
        let serial = verify(&certs)?;
        let source = trusted
            .iter()
            .find(|(c, _)| c.serial() == serial)
            .map_or(Source::Directory, |(_, s)| *s);
        Some((serial, source))
    };
    let listing = decrypt_listing(body, api_v3_key)?;
    let (serial, source) = match checked_first {
        Some(found) => found,
        None => {
            let certs: Vec<PlatformCertificate> = listing.iter().map(|d| d.cert.clone()).collect();
            (verify(&certs)?, Source::Bootstrap)
        }
    };
    Ok((listing, serial, source))
}

/// `{"data":[{"serial_no","effective_time","expire_time","encrypt_certificate"}, …]}`, each
/// certificate decrypted with the APIv3 key and checked against its `serial_no`.
fn decrypt_listing(body: &[u8], api_v3_key: &str) -> Result<Vec<Downloaded>, Refusal> {
    let doc = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(Error::new(
                ErrorKind::MalformedJson,
                "the response is not a JSON object",
            )
            .into());
        }
        Err(e) => {
            return Err(Error::new(
                ErrorKind::MalformedJson,
                format!(
                    "the response is not JSON (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
            .into());
        }
    };
    let missing = |what: String| Refusal::from(Error::new(ErrorKind::MissingField, what));
    let entries = match doc.get("data") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        Some(Value::Array(_)) => return Err(missing("data lists no certificate".into())),
        Some(_) => return Err(missing("data is not an array".into())),
        None => return Err(missing("data is missing".into())),
    };
    let mut listing = Vec::with_capacity(entries.len());
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let entry = entry
            .as_object()
            .ok_or_else(|| missing(format!("data[{i}] is not an object")))?;
        let text = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| missing(format!("data[{i}].{name} is missing or not a string")))
        };
        let serial_no = text("serial_no")?;
        let effective_time = text("effective_time")?;
        let expire_time = text("expire_time")?;
        let encrypted = entry
            .get("encrypt_certificate")
            .and_then(Value::as_object)
            .ok_or_else(|| missing(format!("data[{i}].encrypt_certificate is missing")))?;
        let cert = PlatformCertificate::decrypt(api_v3_key, encrypted)
            .map_err(|e| Refusal::from(e).at(&format!("data[{i}].encrypt_certificate")))?;
        if !cert.has_serial(&serial_no) {
            return Err(Error::new(
                ErrorKind::DecryptFailed,
                format!(
                    "data[{i}]: the decrypted certificate's serial is {}, not its serial_no {}",
                    cert.serial(),
                    Error::new(ErrorKind::Internal, serial_no).message()
                ),
            )
            .into());
        }
        if !seen.insert(cert.serial().to_owned()) {
            return Err(Error::new(
                ErrorKind::DuplicateField,
                format!("data lists the certificate {} twice", cert.serial()),
            )
            .into());
        }
        listing.push(Downloaded {
            cert,
            serial_no,
            effective_time,
            expire_time,
        });
    }
    Ok(listing)
}

/// Writes `DIR/<SERIAL>.pem` atomically (a new temporary file in DIR, written and fsynced, renamed
/// over the old one, then the directory fsynced); `"unchanged"` when it already holds exactly
/// that text.
fn write_certificate(
    dir: &Path,
    cert: &PlatformCertificate,
) -> Result<(PathBuf, &'static str), Usage> {
    use std::io::Write as _;
    let pem = cert.to_pem();
    let path = dir.join(format!("{}.pem", cert.serial()));
    if std::fs::read(&path).is_ok_and(|old| old == pem.as_bytes()) {
        return Ok((path, "unchanged"));
    }
    let tmp = dir.join(format!(
        ".{}.pem.{}.{}.tmp",
        cert.serial(),
        std::process::id(),
        crate::simulate::random_alnum(12)?
    ));
    let written = crate::simulate::open_new(&tmp, 0o644).and_then(|mut f| {
        f.write_all(pem.as_bytes())?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp);
        return Err(Usage(format!("cannot write {}: {e}", path.display())));
    }
    sync_dir(dir).map_err(|e| Usage(format!("cannot sync {}: {e}", dir.display())))?;
    Ok((path, "written"))
}

/// fsync of the directory, so the rename itself survives a crash.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Windows has no directory fsync; the rename is already durable there once it returns.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url(None).ok().as_deref(),
            Some("https://api.mch.weixin.qq.com")
        );
        for ok in [
            "https://api2.mch.weixin.qq.com",
            "https://api.mch.weixin.qq.com/",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://localhost:1",
        ] {
            assert!(base_url(Some(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://127.0.0.1.example.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "https://user@api.mch.weixin.qq.com",
            "https://api.mch.weixin.qq.com/v3",
            "https://api.mch.weixin.qq.com/?a=b",
            "api.mch.weixin.qq.com",
            "",
        ] {
            assert!(base_url(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn shown_keeps_chinese_and_drops_controls() {
        assert_eq!(shown("签名错误，请检查"), "签名错误，请检查");
        assert_eq!(shown("a\n\u{1b}[31m\u{2028}\u{202e}b"), "a??[31m??b");
        assert_eq!(shown(&"x".repeat(500)).len(), 120);
    }
}
