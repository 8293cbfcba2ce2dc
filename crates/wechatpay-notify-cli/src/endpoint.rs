//! `verify-any`: one notify endpoint for several merchants, v2 and v3, configured by a profiles
//! file that names key files or environment variables (never keys inline).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Endpoint, MerchantProfile, Notification, SignType, V3Headers,
    V3Verifier, Verifier,
};

use crate::v3::{reply_json, unix_now, v3_json};
use crate::{Usage, pay_json, read_input, refund_json};

#[derive(Default)]
struct Options {
    profiles: Option<String>,
    headers: Vec<(String, String)>,
    now: Option<u64>,
    input: Option<String>,
}

fn parse_args(args: &[String]) -> Result<Options, Usage> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--profiles" => o.profiles = Some(value(arg)?),
            "--header" => o.headers.push(crate::v3::header(&value(arg)?)?),
            "--now" => {
                let v = value(arg)?;
                o.now = Some(
                    v.parse()
                        .map_err(|_| Usage(format!("--now: not a number: {v:?}")))?,
                );
            }
            s if s.starts_with("--") => return Err(Usage(format!("unknown option {s}"))),
            s => {
                if o.input.replace(s.to_string()).is_some() {
                    return Err(Usage("only one input file may be given".into()));
                }
            }
        }
    }
    Ok(o)
}

/// A secret named by the profiles file: `<name>_file` (relative to the profiles file) or
/// `<name>_env`. An inline key is refused.
fn secret(part: &Map<String, Value>, name: &str, dir: &Path) -> Result<String, Usage> {
    if part.contains_key(name) {
        return Err(Usage(format!(
            "{name}: keys are never written into the profiles file; use {name}_file or {name}_env"
        )));
    }
    match (
        part.get(&format!("{name}_file")),
        part.get(&format!("{name}_env")),
    ) {
        (Some(Value::String(file)), None) => {
            let path = dir.join(file);
            std::fs::read_to_string(&path)
                .map(|k| k.trim().to_string())
                .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))
        }
        (None, Some(Value::String(var))) => std::env::var(var)
            .map_err(|_| Usage(format!("${var} (named by {name}_env) is not set"))),
        _ => Err(Usage(format!(
            "give exactly one of {name}_file and {name}_env"
        ))),
    }
}

fn text<'a>(part: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Usage> {
    match part.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Usage(format!("{name} must be a string"))),
    }
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Usage> {
    v.as_object()
        .ok_or_else(|| Usage(format!("{what} must be a JSON object")))
}

fn v2_part(part: &Map<String, Value>, dir: &Path) -> Result<Verifier, Usage> {
    let sign_type = SignType::parse(text(part, "sign_type")?.unwrap_or("MD5"))?;
    let mut v = Verifier::new(secret(part, "api_key", dir)?, sign_type)?;
    if let Some(m) = text(part, "mch_id")? {
        v = v.expect_mch_id(m);
    }
    if let Some(a) = text(part, "appid")? {
        v = v.expect_appid(a);
    }
    if let Some(list) = part.get("also_accept") {
        for t in list
            .as_array()
            .ok_or_else(|| Usage("also_accept must be a list".into()))?
        {
            let t = t
                .as_str()
                .ok_or_else(|| Usage("also_accept holds strings".into()))?;
            v = v.also_accept(SignType::parse(t)?);
        }
    }
    Ok(v)
}

fn v3_part(part: &Map<String, Value>, dir: &Path) -> Result<V3Verifier, Usage> {
    let mut v = V3Verifier::new(secret(part, "api_v3_key", dir)?)?;
    let keys = object(
        part.get("platform_keys").unwrap_or(&Value::Null),
        "platform_keys (id -> PEM file)",
    )?;
    for (id, file) in keys {
        let file = file
            .as_str()
            .ok_or_else(|| Usage("platform_keys maps ids to file names".into()))?;
        let path = dir.join(file);
        let pem = std::fs::read_to_string(&path)
            .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
        v.add_trusted_key(id, &pem)?;
    }
    Ok(v)
}

/// The profiles file must not be readable by others: it says where the keys are.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Usage> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Usage(format!(
            "{} is readable by others (mode {:o}): chmod 600 it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), Usage> {
    Ok(())
}

/// Reads a profiles file: `{"profiles": [{"label", "v2": {…}, "v3": {…}}, …]}`.
pub(crate) fn load_endpoint(path: &str) -> Result<Endpoint, Usage> {
    let path = PathBuf::from(path);
    check_private(&path)?;
    let content = std::fs::read_to_string(&path)
        .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
    let doc: Value = serde_json::from_str(&content)
        .map_err(|e| Usage(format!("{} is not JSON: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let list = doc["profiles"]
        .as_array()
        .ok_or_else(|| Usage("the profiles file needs a \"profiles\" list".into()))?;
    let mut profiles = Vec::new();
    for p in list {
        let p = object(p, "a profile")?;
        let label = text(p, "label")?.ok_or_else(|| Usage("a profile needs a label".into()))?;
        let mut profile = MerchantProfile::new(label);
        if let Some(v2) = p.get("v2").filter(|v| !v.is_null()) {
            profile = profile.v2(v2_part(object(v2, "v2")?, dir)?)?;
        }
        if let Some(v3) = p.get("v3").filter(|v| !v.is_null()) {
            profile = profile.v3(v3_part(object(v3, "v3")?, dir)?);
        }
        profiles.push(profile);
    }
    Ok(Endpoint::new(profiles)?)
}

pub(crate) fn verify_any(args: &[String]) -> Result<(Value, bool), Usage> {
    let o = parse_args(args)?;
    let endpoint = load_endpoint(
        o.profiles
            .as_deref()
            .ok_or_else(|| Usage("verify-any needs --profiles FILE".into()))?,
    )?;
    // The endpoint applies each merchant's own limit; this only bounds what is read.
    let body = read_input(o.input.as_deref(), 16 * DEFAULT_MAX_BODY_BYTES)?;
    let now = match o.now {
        Some(n) => n,
        None => unix_now()?,
    };
    let headers: V3Headers = o.headers.into_iter().collect();
    Ok(match endpoint.handle(&headers, &body, now) {
        Ok(h) => {
            let mut out = match h.notification() {
                Notification::V2Payment(n) => pay_json(n),
                Notification::V2Refund(n) => refund_json(n),
                Notification::V3(n) => v3_json(n),
            };
            out["label"] = json!(h.label());
            out["kind"] = json!(h.notification().kind());
            out["reply"] = reply_json(&h.reply());
            (out, true)
        }
        Err(r) => (
            json!({
                "ok": false,
                "error": {"code": r.error().code(), "message": r.error().message()},
                "version": r.version().map(|v| v.as_str()),
                "label": r.label(),
                "reply": reply_json(&r.reply()),
            }),
            false,
        ),
    })
}
