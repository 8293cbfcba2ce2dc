//! The profiles file: which merchants this notify_url serves, and where their keys are.
//!
//! The same JSON format as `wechatpay-notify verify-any --profiles FILE`, so one file configures
//! both. It names key *files* (relative to the profiles file) or *environment variables*; a key
//! written into the file itself is refused.
//!
//! ```json
//! {"profiles": [
//!   {"label": "shop-a",
//!    "v2": {"api_key_file": "shop-a/api_key.txt", "sign_type": "MD5", "mch_id": "10000100"},
//!    "v3": {"api_v3_key_env": "SHOP_A_API_V3_KEY",
//!           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "shop-a/wechatpay_public_key.pem"}}},
//!   {"label": "shop-b", "v2": {…}, "v3": {…}}
//! ]}
//! ```
//!
//! - `v2`: `api_key_file` or `api_key_env` (the 32-character API key), `sign_type` (`MD5`, the
//!   default, or `HMAC-SHA256`; never taken from a message), `mch_id` (required: v2 notifications
//!   find their merchant by it), optional `appid` and `also_accept` (a list of sign types).
//! - `v3`: `api_v3_key_file` or `api_v3_key_env` (the 32-byte APIv3 key), `platform_keys`: key id →
//!   PEM file, a WeChat Pay public key (`PUB_KEY_ID_…`) or a platform certificate (its serial); both
//!   during a migration.
//!
//! Every value is checked by the core (`Verifier::new`, `V3Verifier::add_trusted_key`,
//! `Endpoint::new`): two profiles with the same label, `mch_id` or key id are refused.

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};
use wechatpay_notify::{Endpoint, MerchantProfile, SignType, V3Verifier, Verifier};

/// Why the profiles file could not be used. The message names files, variables and fields, never a
/// key (the core's errors never contain one either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<wechatpay_notify::Error> for ConfigError {
    fn from(e: wechatpay_notify::Error) -> ConfigError {
        ConfigError(format!("{}: {}", e.code(), e.message()))
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

/// Reads the profiles file at `path` and builds the endpoint.
pub fn load_endpoint(path: impl AsRef<Path>) -> Result<Endpoint, ConfigError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| ConfigError(format!("{} is not JSON: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let Some(list) = doc.get("profiles").and_then(Value::as_array) else {
        return err(format!("{}: needs a \"profiles\" list", path.display()));
    };
    let mut profiles = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let p = object(p, &format!("profiles[{i}]"))?;
        let Some(label) = text_field(p, "label")? else {
            return err(format!("profiles[{i}] needs a label"));
        };
        let context = |e: ConfigError| ConfigError(format!("profile {label}: {e}"));
        let mut profile = MerchantProfile::new(label);
        if let Some(v2) = p.get("v2").filter(|v| !v.is_null()) {
            let verifier = v2_part(object(v2, "v2").map_err(context)?, dir).map_err(context)?;
            profile = profile
                .v2(verifier)
                .map_err(|e| context(ConfigError::from(e)))?;
        }
        if let Some(v3) = p.get("v3").filter(|v| !v.is_null()) {
            profile =
                profile.v3(v3_part(object(v3, "v3").map_err(context)?, dir).map_err(context)?);
        }
        profiles.push(profile);
    }
    Ok(Endpoint::new(profiles)?)
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, ConfigError> {
    v.as_object()
        .ok_or_else(|| ConfigError(format!("{what} must be a JSON object")))
}

fn text_field<'a>(
    part: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ConfigError> {
    match part.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => err(format!("{name} must be a string")),
    }
}

/// A key named by `<name>_file` (relative to the profiles file; surrounding whitespace trimmed) or
/// `<name>_env`. A key written inline under `<name>` is refused.
fn secret(part: &Map<String, Value>, name: &str, dir: &Path) -> Result<String, ConfigError> {
    if part.contains_key(name) {
        return err(format!(
            "{name}: keys are never written into the profiles file; use {name}_file or {name}_env"
        ));
    }
    match (
        text_field(part, &format!("{name}_file"))?,
        text_field(part, &format!("{name}_env"))?,
    ) {
        (Some(file), None) => {
            let path = dir.join(file);
            std::fs::read_to_string(&path)
                .map(|k| k.trim().to_owned())
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))
        }
        (None, Some(var)) => std::env::var(var)
            .map_err(|_| ConfigError(format!("${var} (named by {name}_env) is not set"))),
        _ => err(format!("give exactly one of {name}_file and {name}_env")),
    }
}

fn v2_part(part: &Map<String, Value>, dir: &Path) -> Result<Verifier, ConfigError> {
    let sign_type = SignType::parse(text_field(part, "sign_type")?.unwrap_or("MD5"))?;
    let mut v = Verifier::new(secret(part, "api_key", dir)?, sign_type)?;
    // Required by MerchantProfile::v2 (it refuses a v2 part without one).
    if let Some(m) = text_field(part, "mch_id")? {
        v = v.expect_mch_id(m);
    }
    if let Some(a) = text_field(part, "appid")? {
        v = v.expect_appid(a);
    }
    match part.get("also_accept") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for t in list {
                let Some(t) = t.as_str() else {
                    return err("also_accept holds sign type names");
                };
                v = v.also_accept(SignType::parse(t)?);
            }
        }
        Some(_) => return err("also_accept must be a list"),
    }
    Ok(v)
}

fn v3_part(part: &Map<String, Value>, dir: &Path) -> Result<V3Verifier, ConfigError> {
    let mut v = V3Verifier::new(secret(part, "api_v3_key", dir)?)?;
    let Some(keys) = part.get("platform_keys").and_then(Value::as_object) else {
        return err("platform_keys must map key ids to PEM files");
    };
    for (id, file) in keys {
        let Some(file) = file.as_str() else {
            return err("platform_keys must map key ids to PEM files");
        };
        let path = dir.join(file);
        let pem = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        v.add_trusted_key(id, &pem).map_err(|e| {
            ConfigError(format!("{}: {}: {}", path.display(), e.code(), e.message()))
        })?;
    }
    Ok(v)
}
