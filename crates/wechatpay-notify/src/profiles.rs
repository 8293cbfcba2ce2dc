//! The endpoint profiles file: several merchants, v2 and/or APIv3, in one JSON document that names
//! key files or environment variables, never keys.
//!
//! ```json
//! {"profiles": [
//!   {"label": "shop-a", "mch_id": "10000100",
//!    "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5", "appid": "wx2421b1c4370ec43b",
//!           "also_accept": ["HMAC-SHA256"], "max_body_bytes": 65536},
//!    "v3": {"api_v3_key_env": "SHOP_A_V3_KEY",
//!           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "keys/a-pub.pem"},
//!           "mch_ids": ["10000100"], "max_clock_skew": 300, "max_body_bytes": 65536}}
//! ]}
//! ```
//!
//! The rules, applied once here for every surface that reads such a file:
//!
//! - every setting is one of those above: anything else (a misspelt `signType`) is refused, at
//!   every level; `null` is the same as an absent setting;
//! - `sign_type` is required in a v2 part;
//! - a key is never written inline (`api_key`, `api_v3_key` are refused): exactly one of
//!   `api_key_file` / `api_key_env` (v2) and of `api_v3_key_file` / `api_v3_key_env` (v3). A key
//!   file's content is used with surrounding whitespace trimmed; an environment value as it is;
//! - on Unix the profiles file and every key file must not be accessible by group or others
//!   (`mode & 0o077 == 0`, `chmod 600`). PEM files (`platform_keys`) hold public keys and
//!   certificates: any mode;
//! - file names are relative to the directory of the profiles file;
//! - the profile's `mch_id` binds both versions ([`MerchantProfile::mch_id`]): it must agree with
//!   the v2 part's `mch_id`, and APIv3 resources must name it unless the v3 part lists its own
//!   `mch_ids` ([`V3Verifier::expect_mch_id`]).
//!
//! Every refusal is `invalid_config`, with a message naming the profile, the setting and the file,
//! never a key.

use std::fmt::Display;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::endpoint::{Endpoint, MerchantProfile};
use crate::error::{Error, excerpt};
use crate::settings::{Settings, profile_names};
use crate::sign::SignType;
use crate::v2::Verifier;
use crate::v3::TrustedKeys;
use crate::v3::V3Verifier;

const TOP_SETTINGS: &[&str] = &["profiles"];

impl Endpoint {
    /// Reads an endpoint profiles file (format and rules below): `{"profiles": [{"label",
    /// "mch_id", "v2", "v3"}, …]}`.
    ///
    /// On Unix the file must not be accessible by group or others (`chmod 600`), nor may any key
    /// file it names (other systems: no check); file names are relative to the file's
    /// directory. Unknown settings, a missing
    /// v2 `sign_type`, an inline key and everything [`Endpoint::new`] refuses are
    /// `invalid_config`, with a message naming the profile, the setting or the file, never a key.
    ///
    /// # Profiles file
    ///
    /// ```json
    /// {"profiles": [
    ///   {"label": "shop-a", "mch_id": "10000100",
    ///    "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5"},
    ///    "v3": {"api_v3_key_env": "SHOP_A_V3_KEY",
    ///           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "keys/a-pub.pem"}}}
    /// ]}
    /// ```
    ///
    /// - profile: `label` (required), `mch_id` (binds both versions, see
    ///   [`MerchantProfile::mch_id`]), `v2`, `v3` (at least one);
    /// - `v2`: `api_key_file` or `api_key_env` (exactly one), `sign_type` (required: `"MD5"` or
    ///   `"HMAC-SHA256"`), `mch_id`, `appid`, `also_accept` (a list of sign types),
    ///   `max_body_bytes`;
    /// - `v3`: `api_v3_key_file` or `api_v3_key_env` (exactly one), `platform_keys` (key id →
    ///   PEM file of a WeChat Pay public key or platform certificate) and/or `key_dir` (a
    ///   directory of keys, read by [`crate::TrustedKeys::load_dir`]: what the certificate
    ///   download writes), at least one; `mch_ids` (a list, see [`V3Verifier::expect_mch_id`]),
    ///   `max_clock_skew` (seconds), `max_body_bytes`. The keys are read once, when the file is
    ///   loaded: rotate them with [`Endpoint::replace_trusted_keys`].
    ///
    /// Any other setting is refused at every level; `null` is the same as an absent setting. A
    /// key file's content is used with surrounding whitespace trimmed, an environment variable's
    /// value as it is. PEM files are public: any mode.
    pub fn from_profiles_file(path: impl AsRef<Path>) -> Result<Endpoint, Error> {
        let path = path.as_ref();
        let mut file = open_private(path).map_err(Error::invalid_config)?;
        let mut json = String::new();
        file.read_to_string(&mut json)
            .map_err(|e| Error::invalid_config(format!("cannot read {}: {e}", path.display())))?;
        let base_dir = path.parent().unwrap_or(Path::new(""));
        load(&json, &Sources::new(base_dir)).map_err(|e| match e {
            Loading::Json(msg) => Error::invalid_config(format!("{}: {msg}", path.display())),
            Loading::Config(e) => e,
        })
    }

    /// Builds an endpoint from the JSON of a profiles file (see
    /// [`Endpoint::from_profiles_file`]), with file names relative to `base_dir`.
    ///
    /// The JSON's own permissions are the caller's business: unlike
    /// [`Endpoint::from_profiles_file`] nothing checks where it came from. The key files it names
    /// are checked all the same (on Unix: no access by group or others).
    pub fn from_profiles_json(json: &str, base_dir: &Path) -> Result<Endpoint, Error> {
        load(json, &Sources::new(base_dir)).map_err(|e| match e {
            Loading::Json(msg) => Error::invalid_config(format!("profiles: {msg}")),
            Loading::Config(e) => e,
        })
    }
}

/// Why a document did not load: not JSON (the caller names the file), or a refused setting.
enum Loading {
    Json(String),
    Config(Error),
}

impl From<Error> for Loading {
    fn from(e: Error) -> Loading {
        Loading::Config(e)
    }
}

/// Where keys come from: files under `base_dir`, and environment variables through `env`
/// (`std::env::var`, or a test's own lookup: the crate forbids `unsafe`, so tests cannot set
/// variables).
struct Sources<'a> {
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Sources<'a> {
    fn new(base_dir: &'a Path) -> Sources<'a> {
        Sources {
            base_dir,
            env: &|var| std::env::var(var).ok(),
        }
    }
}

fn load(json: &str, src: &Sources<'_>) -> Result<Endpoint, Loading> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| Loading::Json(format!("not JSON: {e}")))?;
    let doc = doc.as_object().ok_or_else(|| {
        Error::invalid_config("the profiles file must be a JSON object: {\"profiles\": [...]}")
    })?;
    if let Some(name) = unknown(doc, TOP_SETTINGS) {
        return Err(Error::invalid_config(format!(
            "unknown top-level setting \"{}\"",
            excerpt(name)
        ))
        .into());
    }
    let list = present(doc, "profiles")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid_config("the profiles file needs a \"profiles\" list"))?;
    let profiles = list
        .iter()
        .enumerate()
        .map(|(i, p)| profile(i, p, src))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Endpoint::new(profiles)?)
}

/// Where a setting is, for messages: `profile "shop-a"` (or `profile #2` before its label is
/// known) and the part (`""`, `"v2"`, `"v3"`).
struct At {
    profile: String,
    part: &'static str,
}

impl At {
    /// `profile "shop-a": v2 sign_type`, `profile "shop-a": v2` or `profile "shop-a"`.
    fn setting(&self, setting: &str) -> String {
        let mut s = self.profile.clone();
        let mut sep = ": ";
        for piece in [self.part, setting] {
            if !piece.is_empty() {
                s.push_str(sep);
                s.push_str(piece);
                sep = " ";
            }
        }
        s
    }

    /// `invalid_config` about `setting`.
    fn err(&self, setting: &str, msg: impl Display) -> Error {
        Error::invalid_config(format!("{}: {msg}", self.setting(setting)))
    }

    /// A verifier's refusal, its code kept, with the place in front.
    fn wrap(&self, setting: &str, e: Error) -> Error {
        Error::new(
            e.kind(),
            format!("{}: {}", self.setting(setting), e.message()),
        )
    }

    /// Refuses any setting not in `known`.
    fn only(&self, obj: &Map<String, Value>, known: &[&str]) -> Result<(), Error> {
        match unknown(obj, known) {
            None => Ok(()),
            Some(name) => {
                let part = if self.part.is_empty() {
                    String::new()
                } else {
                    format!("{} ", self.part)
                };
                Err(Error::invalid_config(format!(
                    "{}: unknown {part}setting \"{}\"",
                    self.profile,
                    excerpt(name)
                )))
            }
        }
    }

    /// Refuses a setting that a verifier does not declare, under its profiles-file name
    /// ([`crate::settings::profile_names`]: a secret by `_file` / `_env`).
    fn only_declared(&self, obj: &Map<String, Value>, settings: &Settings) -> Result<(), Error> {
        let known: Vec<String> = settings.settings.iter().flat_map(profile_names).collect();
        self.only(obj, &known.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn string<'v>(
        &self,
        obj: &'v Map<String, Value>,
        name: &str,
    ) -> Result<Option<&'v str>, Error> {
        match present(obj, name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.err(name, "must be a string")),
        }
    }

    fn strings<'v>(&self, obj: &'v Map<String, Value>, name: &str) -> Result<Vec<&'v str>, Error> {
        match present(obj, name) {
            None => Ok(Vec::new()),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| self.err(name, "must list strings"))
                })
                .collect(),
            Some(_) => Err(self.err(name, "must be a list of strings")),
        }
    }

    /// A whole number, `min` or more.
    fn count(&self, obj: &Map<String, Value>, name: &str, min: u64) -> Result<Option<u64>, Error> {
        match present(obj, name) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n >= min => Ok(Some(n)),
                _ => Err(self.err(name, format_args!("must be a whole number, {min} or more"))),
            },
        }
    }

    /// `max_body_bytes`: 1 or more (beyond the address space, the address space).
    fn body_limit(&self, obj: &Map<String, Value>) -> Result<Option<usize>, Error> {
        Ok(self
            .count(obj, "max_body_bytes", 1)?
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
    }

    /// A secret named by `<name>_file` or `<name>_env`, exactly one; `<name>` itself (a key
    /// written inline) is refused. Returns the key and the setting it came from.
    fn secret(
        &self,
        obj: &Map<String, Value>,
        name: &str,
        src: &Sources<'_>,
    ) -> Result<(Zeroizing<String>, String), Error> {
        let (file, env) = (format!("{name}_file"), format!("{name}_env"));
        match (self.string(obj, &file)?, self.string(obj, &env)?) {
            (Some(f), None) => {
                let path = src.base_dir.join(f);
                let key = read_key(&path).map_err(|msg| self.err(&file, msg))?;
                Ok((key, file))
            }
            (None, Some(var)) => {
                let key = (src.env)(var).ok_or_else(|| {
                    self.err(
                        &env,
                        format_args!("${} is not set (or not UTF-8)", excerpt(var)),
                    )
                })?;
                Ok((Zeroizing::new(key), env))
            }
            _ => Err(self.err("", format_args!("give exactly one of {file} and {env}"))),
        }
    }
}

/// The value of `name`, `null` counting as absent.
fn present<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn unknown<'o>(obj: &'o Map<String, Value>, known: &[&str]) -> Option<&'o str> {
    obj.keys().map(String::as_str).find(|k| !known.contains(k))
}

fn object(v: &Value, what: impl FnOnce() -> Error) -> Result<&Map<String, Value>, Error> {
    v.as_object().ok_or_else(what)
}

fn profile(index: usize, p: &Value, src: &Sources<'_>) -> Result<MerchantProfile, Error> {
    let mut at = At {
        profile: format!("profile #{}", index + 1),
        part: "",
    };
    let p = object(p, || at.err("", "must be a JSON object"))?;
    let label = at
        .string(p, "label")?
        .ok_or_else(|| at.err("label", "required (a string)"))?;
    at.profile = format!("profile \"{}\"", excerpt(label));
    at.only_declared(p, &MerchantProfile::SETTINGS)?;
    let mut profile = MerchantProfile::new(label);
    if let Some(m) = at.string(p, "mch_id")? {
        profile = profile.mch_id(m);
    }
    if let Some(v2) = present(p, "v2") {
        let at = At {
            profile: at.profile.clone(),
            part: "v2",
        };
        let v2 = object(v2, || at.err("", "must be a JSON object"))?;
        let verifier = v2_part(&at, v2, src)?;
        profile = profile.v2(verifier)?;
    }
    if let Some(v3) = present(p, "v3") {
        let at = At {
            profile: at.profile.clone(),
            part: "v3",
        };
        let v3 = object(v3, || at.err("", "must be a JSON object"))?;
        profile = profile.v3(v3_part(&at, v3, src)?);
    }
    Ok(profile)
}

/// Refuses a key written into the file, before anything else could echo it.
fn no_inline_key(at: &At, part: &Map<String, Value>, name: &str) -> Result<(), Error> {
    if part.contains_key(name) {
        return Err(at.err(
            name,
            format_args!(
                "keys are never written into the profiles file; use {name}_file or {name}_env"
            ),
        ));
    }
    Ok(())
}

fn v2_part(at: &At, part: &Map<String, Value>, src: &Sources<'_>) -> Result<Verifier, Error> {
    no_inline_key(at, part, "api_key")?;
    at.only_declared(part, &Verifier::SETTINGS)?;
    let sign_type = at
        .string(part, "sign_type")?
        .ok_or_else(|| at.err("sign_type", "required: \"MD5\" or \"HMAC-SHA256\""))?;
    let sign_type = SignType::parse(sign_type).map_err(|e| at.wrap("sign_type", e))?;
    let (key, from) = at.secret(part, "api_key", src)?;
    let mut v = Verifier::new(key.as_bytes(), sign_type).map_err(|e| at.wrap(&from, e))?;
    drop(key);
    if let Some(m) = at.string(part, "mch_id")? {
        v = v.expect_mch_id(m);
    }
    if let Some(a) = at.string(part, "appid")? {
        v = v.expect_appid(a);
    }
    for t in at.strings(part, "also_accept")? {
        v = v.also_accept(SignType::parse(t).map_err(|e| at.wrap("also_accept", e))?);
    }
    if let Some(n) = at.body_limit(part)? {
        v = v.max_body_bytes(n);
    }
    Ok(v)
}

fn v3_part(at: &At, part: &Map<String, Value>, src: &Sources<'_>) -> Result<V3Verifier, Error> {
    no_inline_key(at, part, "api_v3_key")?;
    at.only_declared(part, &V3Verifier::SETTINGS)?;
    let key_dir = at.string(part, "key_dir")?;
    let keys = match present(part, "platform_keys") {
        None if key_dir.is_some() => None,
        found => Some(found.and_then(Value::as_object).ok_or_else(|| {
            at.err(
                "platform_keys",
                "required (unless key_dir is given): an object of key id -> PEM file",
            )
        })?),
    };
    let (key, from) = at.secret(part, "api_v3_key", src)?;
    let mut v = V3Verifier::new(key.as_bytes()).map_err(|e| at.wrap(&from, e))?;
    drop(key);
    if let Some(dir) = key_dir {
        let loaded = TrustedKeys::load_dir(src.base_dir.join(dir))
            .and_then(|keys| v.replace_trusted_keys(keys));
        loaded.map_err(|e| at.wrap("key_dir", e))?;
    }
    for (id, file) in keys.into_iter().flatten() {
        let file = file
            .as_str()
            .ok_or_else(|| at.err("platform_keys", "maps key ids to PEM file names"))?;
        let path = src.base_dir.join(file);
        let pem = TrustedKeys::read_pem_file(&path).map_err(|e| {
            at.err(
                "platform_keys",
                format_args!("{}: {}", path.display(), e.message()),
            )
        })?;
        v.add_trusted_key(id, &pem)
            .map_err(|e| at.wrap("platform_keys", e))?;
    }
    for m in at.strings(part, "mch_ids")? {
        v = v.expect_mch_id(m).map_err(|e| at.wrap("mch_ids", e))?;
    }
    if let Some(s) = at.count(part, "max_clock_skew", 0)? {
        v = v.max_clock_skew(s);
    }
    if let Some(n) = at.body_limit(part)? {
        v = v.max_body_bytes(n);
    }
    Ok(v)
}

/// Opens a file that must be private: on Unix, no access by group or others. The mode is read
/// from the opened file, so it is the mode of what is then read.
fn open_private(path: &Path) -> Result<File, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    check_private(&file, path)?;
    Ok(file)
}

#[cfg(unix)]
fn check_private(file: &File, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "chmod 600 {} (mode {:o}: group or others can access it)",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &File, _: &Path) -> Result<(), String> {
    Ok(())
}

/// A key file's content, surrounding whitespace trimmed; every copy is wiped on drop.
fn read_key(path: &Path) -> Result<Zeroizing<String>, String> {
    let mut file = open_private(path)?;
    // Sized up front so the buffer holding the key is not reallocated (leaving a copy behind).
    let len = file
        .metadata()
        .map(|m| usize::try_from(m.len()).unwrap_or(0))
        .unwrap_or(0);
    let mut content = Zeroizing::new(String::with_capacity(len.saturating_add(1)));
    file.read_to_string(&mut content)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Zeroizing::new(content.trim().to_owned()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::V3Headers;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    const KEY_A: &str = "192006250b4c09247ec02edce69f6a2d";
    const KEY_B: &str = "0123456789abcdefghijklmnopqrstuv";
    const V3_KEY_A: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    const V3_KEY_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const PUB_ID_A: &str = "PUB_KEY_ID_0114232134912410000000000000";
    const PUB_ID_B: &str = "PUB_KEY_ID_0114232134912410000000000001";

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "wechatpay-notify-profiles-{}-{name}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("keys")).unwrap();
            TempDir(dir)
        }

        fn write(&self, name: &str, content: &str, mode: u32) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, content).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            path
        }

        /// Key files (600) and world-readable PEM files (644) under `keys/`.
        fn with_keys(name: &str) -> TempDir {
            let d = TempDir::new(name);
            d.write("keys/a.key", &format!("  {KEY_A}\n"), 0o600);
            d.write("keys/b.key", KEY_B, 0o600);
            d.write("keys/a-v3.key", &format!("{V3_KEY_A}\n"), 0o600);
            d.write("keys/a-pub.pem", &pem("pubkey-a-public.pem"), 0o644);
            d.write("keys/b-pub.pem", &pem("pubkey-b-public.pem"), 0o644);
            d
        }

        fn load(&self, doc: &Value) -> Result<Endpoint, Error> {
            let path = self.write("profiles.json", &doc.to_string(), 0o600);
            Endpoint::from_profiles_file(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn pem(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    /// Two merchants: `shop-a` (v2 MD5 from a key file, v3 from a key file, profile-level
    /// mch_id) and `shop-b` (v2 HMAC-SHA256 from a key file, v3 from the environment).
    fn two_merchants(v3_env: &str) -> Value {
        serde_json::json!({"profiles": [
            {"label": "shop-a", "mch_id": "10000100",
             "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5", "appid": "wx1",
                    "also_accept": ["HMAC-SHA256"], "max_body_bytes": 65536},
             "v3": {"api_v3_key_file": "keys/a-v3.key",
                    "platform_keys": {PUB_ID_A: "keys/a-pub.pem"},
                    "max_clock_skew": 120, "max_body_bytes": 32768}},
            {"label": "shop-b",
             "v2": {"api_key_file": "keys/b.key", "sign_type": "HMAC-SHA256", "mch_id": "10000200",
                    "appid": null},
             "v3": {"api_v3_key_env": v3_env, "platform_keys": {PUB_ID_B: "keys/b-pub.pem"},
                    "mch_ids": ["10000200", "10000201"]}}
        ]})
    }

    #[test]
    fn a_v3_part_may_trust_a_key_directory() {
        let d = TempDir::with_keys("key-dir");
        std::fs::create_dir_all(d.0.join("keys/wechatpay")).unwrap();
        d.write(
            &format!("keys/wechatpay/{PUB_ID_A}.pem"),
            &pem("pubkey-a-public.pem"),
            0o644,
        );
        let doc = |v3: Value| serde_json::json!({"profiles": [{"label": "shop-a", "v3": v3}]});
        let e = d
            .load(&doc(serde_json::json!({"api_v3_key_file": "keys/a-v3.key",
                                          "key_dir": "keys/wechatpay"})))
            .unwrap();
        let keys = e.trusted_keys("shop-a").unwrap();
        assert_eq!(keys.ids().collect::<Vec<_>>(), [PUB_ID_A]);
        // With platform_keys as well, both are trusted.
        let both = d
            .load(&doc(serde_json::json!({"api_v3_key_file": "keys/a-v3.key",
                                          "key_dir": "keys/wechatpay",
                                          "platform_keys": {PUB_ID_B: "keys/b-pub.pem"}})))
            .unwrap();
        assert_eq!(both.trusted_keys("shop-a").unwrap().len(), 2);
        let m = refused(
            d.load(&doc(serde_json::json!({"api_v3_key_file": "keys/a-v3.key",
                                                       "key_dir": "keys/none"}))),
        );
        assert!(
            m.starts_with("profile \"shop-a\": v3 key_dir: cannot read"),
            "{m}"
        );
        let m = refused(d.load(&doc(
            serde_json::json!({"api_v3_key_file": "keys/a-v3.key"}),
        )));
        assert!(
            m.contains("platform_keys: required (unless key_dir is given)"),
            "{m}"
        );
    }

    fn refused(r: Result<Endpoint, Error>) -> String {
        let e = r.expect_err("must be refused");
        assert_eq!(e.code(), "invalid_config", "{e}");
        let m = e.message().to_owned();
        for secret in [KEY_A, KEY_B, V3_KEY_A, V3_KEY_B] {
            assert!(!m.contains(secret), "{m}");
        }
        m
    }

    fn v2_payment(key: &str, sign_type: SignType, mch_id: &str) -> Vec<u8> {
        crate::signed_xml(
            [
                ("return_code", "SUCCESS"),
                ("result_code", "SUCCESS"),
                ("appid", "wx1"),
                ("mch_id", mch_id),
                ("transaction_id", "4200000001"),
                ("out_trade_no", "A1"),
                ("total_fee", "1"),
            ],
            key,
            sign_type,
        )
        .unwrap()
        .into_bytes()
    }

    /// `load` with its own environment (the crate forbids the `unsafe` of `std::env::set_var`).
    fn load_env(
        json: &str,
        dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, Error> {
        load(json, &Sources { base_dir: dir, env }).map_err(|e| match e {
            Loading::Json(m) => Error::invalid_config(m),
            Loading::Config(e) => e,
        })
    }

    #[test]
    fn two_merchants_from_key_files_and_the_environment() {
        let d = TempDir::with_keys("valid");
        let var = "SHOP_B_V3_KEY";
        let env = |v: &str| (v == var).then(|| V3_KEY_B.to_owned());
        let json = two_merchants(var).to_string();
        let e = load_env(&json, &d.0, &env).unwrap();
        assert_eq!(e.labels().collect::<Vec<_>>(), ["shop-a", "shop-b"]);
        let dbg = format!("{e:?}");
        for secret in [KEY_A, KEY_B, V3_KEY_A, V3_KEY_B] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
        // The settings reached the verifiers.
        assert!(dbg.contains("max_clock_skew: 120"), "{dbg}");
        assert!(dbg.contains("max_body_bytes: 32768"), "{dbg}");
        assert!(dbg.contains("max_body_bytes: 65536"), "{dbg}");
        assert!(dbg.contains("also_accept: [HmacSha256]"), "{dbg}");
        // shop-a: v2 routed by the profile's mch_id, its trimmed key verifies, MD5 and the
        // accepted HMAC-SHA256 both.
        let none = V3Headers::new();
        for st in [SignType::Md5, SignType::HmacSha256] {
            let h = e
                .handle(&none, &v2_payment(KEY_A, st, "10000100"), 0)
                .unwrap();
            assert_eq!(h.label(), "shop-a");
        }
        // shop-b: its own key; MD5 is not accepted there.
        let h = e
            .handle(
                &none,
                &v2_payment(KEY_B, SignType::HmacSha256, "10000200"),
                0,
            )
            .unwrap();
        assert_eq!(h.label(), "shop-b");
        let r = e
            .handle(&none, &v2_payment(KEY_B, SignType::Md5, "10000200"), 0)
            .unwrap_err();
        assert_eq!(r.error().code(), "signature_mismatch");
        // A body signed with shop-b's key but naming shop-a fails shop-a's verifier.
        let r = e
            .handle(&none, &v2_payment(KEY_B, SignType::Md5, "10000100"), 0)
            .unwrap_err();
        assert_eq!(r.error().code(), "signature_mismatch");
        // The process environment, where the variable is not set: refused, naming it.
        let m = refused(Endpoint::from_profiles_json(&json, &d.0));
        assert!(
            m.starts_with("profile \"shop-b\": v3 api_v3_key_env: $SHOP_B_V3_KEY is not set"),
            "{m}"
        );
        let m = refused(d.load(&two_merchants(var)));
        assert!(m.contains("$SHOP_B_V3_KEY is not set"), "{m}");
        // An environment value is used as it is (not trimmed): 33 bytes is not an APIv3 key.
        let padded = |v: &str| (v == var).then(|| format!("{V3_KEY_B}\n"));
        let m = refused(load_env(&json, &d.0, &padded));
        assert!(
            m.contains("v3 api_v3_key_env: the APIv3 key must be exactly 32 bytes"),
            "{m}"
        );
    }

    #[test]
    fn unknown_settings_are_refused_at_every_level() {
        let d = TempDir::with_keys("unknown");
        let base = serde_json::json!({"profiles": [
            {"label": "shop-a",
             "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5", "mch_id": "1"},
             "v3": {"api_v3_key_file": "keys/a-v3.key",
                    "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}
        ]});
        d.load(&base).unwrap();
        // (where, the setting, the message)
        let cases = [
            (vec![], "version", "unknown top-level setting \"version\""),
            (
                vec!["profiles", "0"],
                "mchId",
                "profile \"shop-a\": unknown setting \"mchId\"",
            ),
            (
                vec!["profiles", "0", "v2"],
                "signType",
                "profile \"shop-a\": unknown v2 setting \"signType\"",
            ),
            (
                vec!["profiles", "0", "v2"],
                "appId",
                "profile \"shop-a\": unknown v2 setting \"appId\"",
            ),
            (
                vec!["profiles", "0", "v3"],
                "mch_id",
                "profile \"shop-a\": unknown v3 setting \"mch_id\"",
            ),
        ];
        for (place, setting, want) in cases {
            let mut doc = base.clone();
            let pointer: String = place.iter().map(|p| format!("/{p}")).collect();
            doc.pointer_mut(&pointer).unwrap()[setting] = "1".into();
            assert_eq!(refused(d.load(&doc)), want);
        }
    }

    #[test]
    fn sign_type_is_required() {
        let d = TempDir::with_keys("sign-type");
        let doc = serde_json::json!({"profiles": [
            {"label": "shop-a", "v2": {"api_key_file": "keys/a.key", "mch_id": "1"}}
        ]});
        let m = refused(d.load(&doc));
        assert!(
            m.starts_with("profile \"shop-a\": v2 sign_type: required"),
            "{m}"
        );
        let doc = serde_json::json!({"profiles": [
            {"label": "shop-a",
             "v2": {"api_key_file": "keys/a.key", "mch_id": "1", "sign_type": "md5"}}
        ]});
        let m = refused(d.load(&doc));
        assert!(m.contains("v2 sign_type: unknown sign type"), "{m}");
    }

    #[test]
    fn keys_are_never_inline_and_come_from_exactly_one_place() {
        let d = TempDir::with_keys("inline");
        let v2 = |part: Value| serde_json::json!({"profiles": [{"label": "shop-a", "v2": part}]});
        let m = refused(d.load(&v2(serde_json::json!(
            {"api_key": KEY_A, "sign_type": "MD5", "mch_id": "1"}
        ))));
        assert!(m.contains("v2 api_key: keys are never written"), "{m}");
        let m = refused(d.load(&v2(serde_json::json!(
            {"api_key": KEY_A, "api_key_file": "keys/a.key", "sign_type": "MD5", "mch_id": "1"}
        ))));
        assert!(m.contains("keys are never written"), "{m}");
        let v3 = serde_json::json!({"profiles": [{"label": "shop-a", "v3": {
            "api_v3_key": V3_KEY_A, "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        let m = refused(d.load(&v3));
        assert!(m.contains("v3 api_v3_key: keys are never written"), "{m}");
        let both = v2(
            serde_json::json!({"api_key_file": "keys/a.key", "api_key_env": "HOME",
            "sign_type": "MD5", "mch_id": "1"}),
        );
        let m = refused(d.load(&both));
        assert!(
            m.contains("give exactly one of api_key_file and api_key_env"),
            "{m}"
        );
        let neither = v2(serde_json::json!({"sign_type": "MD5", "mch_id": "1"}));
        let m = refused(d.load(&neither));
        assert!(
            m.contains("give exactly one of api_key_file and api_key_env"),
            "{m}"
        );
        let v3_neither = serde_json::json!({"profiles": [{"label": "shop-a", "v3": {
            "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        let m = refused(d.load(&v3_neither));
        assert!(
            m.contains("give exactly one of api_v3_key_file and api_v3_key_env"),
            "{m}"
        );
        let unset = v2(
            serde_json::json!({"api_key_env": "WECHATPAY_PROFILES_TEST_UNSET_VAR",
            "sign_type": "MD5", "mch_id": "1"}),
        );
        let m = refused(d.load(&unset));
        assert!(
            m.contains("$WECHATPAY_PROFILES_TEST_UNSET_VAR is not set"),
            "{m}"
        );
    }

    #[test]
    fn bad_keys_keep_their_code_and_are_never_echoed() {
        let d = TempDir::with_keys("bad-key");
        // A key one character short: refused by the verifiers, with their code, never echoed.
        d.write("keys/wrong.key", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8G", 0o600);
        let doc = serde_json::json!({"profiles": [{"label": "shop-a",
            "v2": {"api_key_file": "keys/wrong.key", "sign_type": "MD5", "mch_id": "1"}}]});
        let m = refused(d.load(&doc));
        assert!(
            m.starts_with("profile \"shop-a\": v2 api_key_file: the v2 API key"),
            "{m}"
        );
        assert!(!m.contains("a7cde1ZJB1kG2e7VfTs3jQzaWizur8G"), "{m}");
        let short_v3 = serde_json::json!({"profiles": [{"label": "shop-a",
            "v3": {"api_v3_key_file": "keys/wrong.key",
                   "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        let m = refused(d.load(&short_v3));
        assert!(
            m.starts_with("profile \"shop-a\": v3 api_v3_key_file: the APIv3 key must be"),
            "{m}"
        );
        assert!(!m.contains("a7cde1ZJB1kG2e7VfTs3jQzaWizur8G"), "{m}");
        let doc = serde_json::json!({"profiles": [{"label": "shop-a",
            "v3": {"api_v3_key_file": "keys/a.key",
                   "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        // KEY_A is 32 bytes: a valid APIv3 key by length; a bad PEM is refused instead.
        d.write(
            "keys/bad.pem",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            0o644,
        );
        let mut bad_pem = doc.clone();
        bad_pem["profiles"][0]["v3"]["platform_keys"] =
            serde_json::json!({PUB_ID_A: "keys/bad.pem"});
        let m = refused(d.load(&bad_pem));
        assert!(
            m.starts_with("profile \"shop-a\": v3 platform_keys: "),
            "{m}"
        );
        d.load(&doc).unwrap();
        // A key file that is missing is named, with its path.
        let mut missing = doc;
        missing["profiles"][0]["v3"]["api_v3_key_file"] = "keys/none.key".into();
        let m = refused(d.load(&missing));
        assert!(m.contains("api_v3_key_file: cannot read"), "{m}");
        assert!(m.contains("none.key"), "{m}");
    }

    #[test]
    fn the_profiles_file_and_key_files_are_private_pem_files_are_not() {
        let d = TempDir::with_keys("modes");
        let doc = serde_json::json!({"profiles": [{"label": "shop-a",
            "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5", "mch_id": "1"},
            "v3": {"api_v3_key_file": "keys/a-v3.key",
                   "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        // The PEM file is 644: accepted.
        d.load(&doc).unwrap();
        for mode in [0o640, 0o604, 0o620, 0o602] {
            let path = d.write("profiles.json", &doc.to_string(), mode);
            let m = refused(Endpoint::from_profiles_file(&path));
            assert!(
                m.starts_with(&format!("chmod 600 {}", path.display())),
                "{m}"
            );
            // The JSON alone is not checked.
            Endpoint::from_profiles_json(&doc.to_string(), &d.0).unwrap();
        }
        for (file, setting) in [
            ("keys/a.key", "v2 api_key_file"),
            ("keys/a-v3.key", "v3 api_v3_key_file"),
        ] {
            let path = d.0.join(file);
            for mode in [0o640, 0o604] {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
                let m = refused(d.load(&doc));
                assert!(
                    m.starts_with(&format!(
                        "profile \"shop-a\": {setting}: chmod 600 {}",
                        path.display()
                    )),
                    "{m}"
                );
                // Key files are checked for the JSON too.
                let m = refused(Endpoint::from_profiles_json(&doc.to_string(), &d.0));
                assert!(m.contains("chmod 600"), "{m}");
            }
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        }
        d.load(&doc).unwrap();
    }

    #[test]
    fn a_platform_key_file_every_user_may_write_is_refused() {
        let d = TempDir::with_keys("writable-pem");
        let doc = serde_json::json!({"profiles": [{"label": "shop-a", "mch_id": "1",
            "v3": {"api_v3_key_file": "keys/a-v3.key",
                   "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]});
        d.write("keys/a-pub.pem", &pem("pubkey-a-public.pem"), 0o664);
        d.load(&doc).unwrap();
        d.write("keys/a-pub.pem", &pem("pubkey-a-public.pem"), 0o646);
        let m = refused(d.load(&doc));
        assert!(
            m.starts_with("profile \"shop-a\": v3 platform_keys: ")
                && m.ends_with("a-pub.pem: the file is writable by others: chmod o-w"),
            "{m}"
        );
    }

    #[test]
    fn paths_are_relative_to_the_profiles_file() {
        let d = TempDir::with_keys("relative");
        std::fs::create_dir_all(d.0.join("conf")).unwrap();
        let doc = serde_json::json!({"profiles": [{"label": "shop-a",
            "v2": {"api_key_file": "../keys/a.key", "sign_type": "MD5", "mch_id": "1"},
            "v3": {"api_v3_key_file": "../keys/a-v3.key",
                   "platform_keys": {PUB_ID_A: "../keys/a-pub.pem"}}}]});
        let path = d.write("conf/profiles.json", &doc.to_string(), 0o600);
        Endpoint::from_profiles_file(&path).unwrap();
        // Not relative to the working directory: the same names from the top are wrong.
        let m = refused(d.load(&doc));
        assert!(m.contains("cannot read"), "{m}");
        // An absolute path stays absolute.
        let mut abs = doc.clone();
        abs["profiles"][0]["v2"]["api_key_file"] =
            d.0.join("keys/a.key").display().to_string().into();
        let path = d.write("conf/profiles.json", &abs.to_string(), 0o600);
        Endpoint::from_profiles_file(&path).unwrap();
        // A bare file name is next to the profiles file.
        d.write("conf/a.key", KEY_A, 0o600);
        let mut bare = doc.clone();
        bare["profiles"][0]["v2"]["api_key_file"] = "a.key".into();
        let path = d.write("conf/profiles.json", &bare.to_string(), 0o600);
        Endpoint::from_profiles_file(&path).unwrap();
    }

    #[test]
    fn the_profile_mch_id_binds_both_versions() {
        let d = TempDir::with_keys("mch-id");
        let doc = |profile_mch: Value, v2_mch: Value, v3_mch_ids: Value| {
            serde_json::json!({"profiles": [{"label": "shop-a", "mch_id": profile_mch,
                "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5", "mch_id": v2_mch},
                "v3": {"api_v3_key_file": "keys/a-v3.key", "mch_ids": v3_mch_ids,
                       "platform_keys": {PUB_ID_A: "keys/a-pub.pem"}}}]})
        };
        // The profile's id reaches the v3 verifier.
        let e = d
            .load(&doc("10000100".into(), Value::Null, Value::Null))
            .unwrap();
        assert!(
            format!("{e:?}").contains("mch_ids: [\"10000100\"]"),
            "{e:?}"
        );
        // And the v2 routing.
        let h = e
            .handle(
                &V3Headers::new(),
                &v2_payment(KEY_A, SignType::Md5, "10000100"),
                0,
            )
            .unwrap();
        assert_eq!(h.label(), "shop-a");
        // The v3 part's own list wins.
        let e = d
            .load(&doc(
                "10000100".into(),
                Value::Null,
                serde_json::json!(["10000100", "10000199"]),
            ))
            .unwrap();
        assert!(
            format!("{e:?}").contains("mch_ids: [\"10000100\", \"10000199\"]"),
            "{e:?}"
        );
        // Agreeing ids are fine; different ones are refused.
        d.load(&doc("10000100".into(), "10000100".into(), Value::Null))
            .unwrap();
        let m = refused(d.load(&doc("10000100".into(), "10000200".into(), Value::Null)));
        assert!(m.contains("two different mch_ids"), "{m}");
        // A v2 part without any mch_id cannot be routed.
        let m = refused(d.load(&doc(Value::Null, Value::Null, Value::Null)));
        assert!(m.contains("needs an expected mch_id"), "{m}");
        // An empty v3 id is refused with its place.
        let m = refused(d.load(&doc(
            "10000100".into(),
            Value::Null,
            serde_json::json!([""]),
        )));
        assert!(m.starts_with("profile \"shop-a\": v3 mch_ids: "), "{m}");
    }

    #[test]
    fn shapes_and_numbers_are_checked() {
        let d = TempDir::with_keys("shapes");
        let v2 = |extra: Value| {
            let mut part = serde_json::json!(
                {"api_key_file": "keys/a.key", "sign_type": "MD5", "mch_id": "1"});
            if let (Some(p), Some(x)) = (part.as_object_mut(), extra.as_object()) {
                p.extend(x.clone());
            }
            serde_json::json!({"profiles": [{"label": "shop-a", "v2": part}]})
        };
        for (extra, want) in [
            (
                serde_json::json!({"max_body_bytes": 0}),
                "v2 max_body_bytes: ",
            ),
            (
                serde_json::json!({"max_body_bytes": -1}),
                "v2 max_body_bytes: ",
            ),
            (
                serde_json::json!({"max_body_bytes": "1"}),
                "v2 max_body_bytes: ",
            ),
            (
                serde_json::json!({"also_accept": "MD5"}),
                "v2 also_accept: ",
            ),
            (
                serde_json::json!({"also_accept": ["SHA1"]}),
                "v2 also_accept: ",
            ),
            (
                serde_json::json!({"mch_id": 1}),
                "v2 mch_id: must be a string",
            ),
        ] {
            let m = refused(d.load(&v2(extra)));
            assert!(m.contains(want), "{m}");
        }
        for (doc, want) in [
            (serde_json::json!([]), "must be a JSON object"),
            (serde_json::json!({}), "needs a \"profiles\" list"),
            (serde_json::json!({"profiles": []}), "at least one profile"),
            (
                serde_json::json!({"profiles": [1]}),
                "profile #1: must be a JSON object",
            ),
            (
                serde_json::json!({"profiles": [{}]}),
                "profile #1: label: required",
            ),
            (
                serde_json::json!({"profiles": [{"label": "x"}]}),
                "neither a v2 nor a v3 part",
            ),
            (
                serde_json::json!({"profiles": [{"label": "x", "v3": {
                    "api_v3_key_file": "keys/a-v3.key"}}]}),
                "profile \"x\": v3 platform_keys: required",
            ),
        ] {
            let m = refused(d.load(&doc));
            assert!(m.contains(want), "{want}: {m}");
        }
        let m = refused(Endpoint::from_profiles_json("{\"profiles\": [", &d.0));
        assert!(m.starts_with("profiles: not JSON"), "{m}");
        let path = d.write("profiles.json", "{", 0o600);
        let m = refused(Endpoint::from_profiles_file(&path));
        assert!(m.contains("not JSON"), "{m}");
    }
}
