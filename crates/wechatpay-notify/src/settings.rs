//! Settings: what each verifier and each merchant profile is configured with, declared once.
//!
//! [`ALL`] lists the settings of [`crate::Verifier`], [`crate::V3Verifier`] and
//! [`crate::MerchantProfile`] ([`MERCHANT_PROFILE`]): their
//! snake_case names (bindings map them to their convention: `mchId`, `MchId`), what kind of value
//! each takes, whether it is required, its default and its documentation. `tools/xtask` writes the
//! table to `tests/vectors/typed_views.json` ("settings"), from which the bindings' stubs and
//! option types are generated (Python's `_native.pyi`, Node's `notify.d.ts`) and against which
//! their runtime classes are checked; the profiles file's loader takes its setting names from it.
//!
//! A verifier reads its configuration back by name with `setting(name)` ([`SettingValue`]):
//! every setting that is not a secret and not the trusted keys (which have their own API,
//! `trusted_keys()`), so a binding's read-back attributes are generated from the table too. A
//! profile reads back its label and merchant id the same way; its parts are the verifiers a
//! binding gave it.

use crate::sign::SignType;

/// What kind of value a setting takes, on every surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingKind {
    /// A key: never read back, never printed (the profiles file names a file or a variable).
    Secret,
    /// `"MD5"` or `"HMAC-SHA256"`.
    SignType,
    /// A list of [`SettingKind::SignType`]s.
    SignTypes,
    /// A string, or not set.
    Text,
    /// A list of strings.
    Texts,
    /// The WeChat Pay keys to trust, by id (PEM certificates or public keys); read back through
    /// the verifier's own `trusted_keys()`, not `setting(name)`.
    TrustedKeys,
    /// A size in bytes.
    Bytes,
    /// A duration in seconds.
    Seconds,
    /// A merchant profile's v2 part: a v2 verifier ([`V2_VERIFIER`]), or not set.
    V2Verifier,
    /// A merchant profile's APIv3 part: an APIv3 verifier ([`V3_VERIFIER`]), or not set.
    V3Verifier,
}

impl SettingKind {
    /// The kind's name in `typed_views.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SettingKind::Secret => "secret",
            SettingKind::SignType => "sign_type",
            SettingKind::SignTypes => "sign_types",
            SettingKind::Text => "text",
            SettingKind::Texts => "texts",
            SettingKind::TrustedKeys => "trusted_keys",
            SettingKind::Bytes => "bytes",
            SettingKind::Seconds => "seconds",
            SettingKind::V2Verifier => V2_VERIFIER.name,
            SettingKind::V3Verifier => V3_VERIFIER.name,
        }
    }

    /// Whether a setting of this kind is read back: by `setting(name)`, or for a profile's part,
    /// as the verifier it was given (a binding's attribute of that name).
    pub const fn read_back(self) -> bool {
        !matches!(self, SettingKind::Secret | SettingKind::TrustedKeys)
    }
}

/// One setting of a verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Setting {
    /// The snake_case name.
    pub name: &'static str,
    /// The kind of value it takes.
    pub kind: SettingKind,
    /// Whether every verifier must be given it (the others may be left out, or given as `None`).
    pub required: bool,
    /// The value when it is left out, for a number ([`SettingKind::Bytes`],
    /// [`SettingKind::Seconds`]); an optional text is then not set, a list is empty.
    pub default: Option<u64>,
    /// What the setting does, in one paragraph (the same conventions as a typed property's doc:
    /// `code` in backticks, an absent value named `None`).
    pub doc: &'static str,
}

/// The settings of one configurable object: a verifier, or a merchant profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Its name in `typed_views.json` and the bindings' generators.
    pub name: &'static str,
    /// Its settings, in the order a constructor takes them (required ones first).
    pub settings: &'static [Setting],
}

impl Settings {
    /// The setting called `name`, if declared.
    pub fn get(&self, name: &str) -> Option<&'static Setting> {
        self.settings.iter().find(|s| s.name == name)
    }
}

/// A setting's value as a verifier reads it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingValue<'a> {
    /// [`SettingKind::SignType`].
    SignType(SignType),
    /// [`SettingKind::SignTypes`].
    SignTypes(&'a [SignType]),
    /// [`SettingKind::Text`].
    Text(Option<&'a str>),
    /// [`SettingKind::Texts`].
    Texts(&'a [String]),
    /// [`SettingKind::Bytes`] and [`SettingKind::Seconds`].
    Number(u64),
}

impl SettingValue<'_> {
    /// The value as JSON: the algorithm's name, an array of names or strings, a string or `null`,
    /// a number.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            SettingValue::SignType(t) => json!(t.as_str()),
            SettingValue::SignTypes(ts) => json!(ts.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
            SettingValue::Text(t) => json!(t),
            SettingValue::Texts(ts) => json!(ts),
            SettingValue::Number(n) => json!(n),
        }
    }
}

/// The body size limit, the same setting in both versions.
const MAX_BODY_BYTES: Setting = Setting {
    name: "max_body_bytes",
    kind: SettingKind::Bytes,
    required: false,
    default: Some(crate::DEFAULT_MAX_BODY_BYTES as u64),
    doc: "Bodies longer than this many bytes are rejected (`body_too_large`) before anything \
          else is read.",
};

/// The settings of [`crate::Verifier`] (v2).
pub const V2_VERIFIER: Settings = Settings {
    name: "v2_verifier",
    settings: &[
        Setting {
            name: "api_key",
            kind: SettingKind::Secret,
            required: true,
            default: None,
            doc: "The v2 API key: 32 printable ASCII characters (else `invalid_config`).",
        },
        Setting {
            name: "sign_type",
            kind: SettingKind::SignType,
            required: true,
            default: None,
            doc: "The merchant's configured algorithm, `MD5` or `HMAC-SHA256`: the only one \
                  accepted unless others are opted into; never taken from the message.",
        },
        Setting {
            name: "appid",
            kind: SettingKind::Text,
            required: false,
            default: None,
            doc: "When set, the notification's `appid` must equal it (else `merchant_mismatch`); \
                  `None`: not checked.",
        },
        Setting {
            name: "mch_id",
            kind: SettingKind::Text,
            required: false,
            default: None,
            doc: "When set, the notification's `mch_id` must equal it (else \
                  `merchant_mismatch`); `None`: not checked.",
        },
        Setting {
            name: "also_accept",
            kind: SettingKind::SignTypes,
            required: false,
            default: None,
            doc: "Further algorithms to accept besides the configured one: an explicit opt-in, \
                  for a migration between algorithms.",
        },
        MAX_BODY_BYTES,
    ],
};

/// The settings of [`crate::V3Verifier`] (APIv3).
pub const V3_VERIFIER: Settings = Settings {
    name: "v3_verifier",
    settings: &[
        Setting {
            name: "api_v3_key",
            kind: SettingKind::Secret,
            required: true,
            default: None,
            doc: "The APIv3 key: exactly 32 bytes (else `invalid_config`).",
        },
        Setting {
            name: "platform_keys",
            kind: SettingKind::TrustedKeys,
            required: true,
            default: None,
            doc: "The WeChat Pay keys to trust, by id: a platform certificate (PEM X.509; its id \
                  is its serial) or a WeChat Pay public key (PEM SPKI; id `PUB_KEY_ID_…`), both \
                  kinds at once during a migration. At least one (else `invalid_config`).",
        },
        Setting {
            name: "max_clock_skew",
            kind: SettingKind::Seconds,
            required: false,
            default: Some(crate::v3::DEFAULT_MAX_CLOCK_SKEW),
            doc: "The allowed difference between now and `Wechatpay-Timestamp`, in seconds, \
                  either way (else `timestamp_out_of_window`).",
        },
        MAX_BODY_BYTES,
        Setting {
            name: "mch_ids",
            kind: SettingKind::Texts,
            required: false,
            default: None,
            doc: "The merchant ids this verifier serves, in order, without repeats: after \
                  decryption the resource's `mchid` (or, for partner notifications, `sp_mchid`; \
                  for merchant transfers, `mch_id`) must be one of them, else `merchant_mismatch`. Empty: any merchant. An empty id \
                  is `invalid_config`.",
        },
    ],
};

/// Every verifier's settings.
pub const VERIFIERS: &[Settings] = &[V2_VERIFIER, V3_VERIFIER];

/// The settings of one merchant of an endpoint ([`crate::MerchantProfile`]): its label, its
/// parts, whose settings are [`V2_VERIFIER`] and [`V3_VERIFIER`], and its merchant id, in the
/// order every binding's constructor takes them. The profiles file takes these names; a binding
/// whose profiles are plain objects (Node) refuses any other.
pub const MERCHANT_PROFILE: Settings = Settings {
    name: "merchant_profile",
    settings: &[
        Setting {
            name: "label",
            kind: SettingKind::Text,
            required: true,
            default: None,
            doc: "The name results carry (their `label`), e.g. your shop id: unique within an \
                  endpoint (else `invalid_config`).",
        },
        Setting {
            name: "v2",
            kind: SettingKind::V2Verifier,
            required: false,
            default: None,
            doc: "The v2 part. v2 notifications are routed by `mch_id`, so the merchant id must \
                  be known: this profile's `mch_id` or the verifier's own (else \
                  `invalid_config`).",
        },
        Setting {
            name: "v3",
            kind: SettingKind::V3Verifier,
            required: false,
            default: None,
            doc: "The APIv3 part. Requests are routed by `Wechatpay-Serial` to the profile that \
                  trusts that key; its own `mch_ids`, when set, bind it, otherwise this \
                  profile's `mch_id` does.",
        },
        Setting {
            name: "mch_id",
            kind: SettingKind::Text,
            required: false,
            default: None,
            doc: "The merchant id, binding both versions: v2 notifications must carry it as \
                  `mch_id` (a v2 verifier's own `mch_id`, when set, must be the same), APIv3 \
                  resources as `mchid` (or `sp_mchid`, or a transfer's `mch_id`) unless the v3 \
                  part names its own `mch_ids`. An empty or conflicting id is `invalid_config` \
                  when the endpoint is built.",
        },
    ],
};

/// Every declaration, in the order `typed_views.json` lists them.
pub const ALL: &[Settings] = &[V2_VERIFIER, V3_VERIFIER, MERCHANT_PROFILE];

/// The name of a setting in the profiles file: a secret is named by the file or the environment
/// variable that holds it (`api_key_file`, `api_key_env`), never written inline; the trusted keys
/// are `platform_keys` (`id → PEM file`) and/or `key_dir` (a directory of them).
pub fn profile_names(setting: &Setting) -> Vec<String> {
    match setting.kind {
        SettingKind::Secret => vec![
            format!("{}_file", setting.name),
            format!("{}_env", setting.name),
        ],
        SettingKind::TrustedKeys => vec![setting.name.to_owned(), "key_dir".to_owned()],
        _ => vec![setting.name.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SignType, V3Verifier, Verifier};

    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

    /// Every declared setting's name and value read back, as JSON.
    fn read_all<'a>(
        settings: &Settings,
        read: impl Fn(&str) -> Option<SettingValue<'a>>,
    ) -> Vec<(&'static str, Option<serde_json::Value>)> {
        settings
            .settings
            .iter()
            .map(|s| (s.name, read(s.name).map(|x| x.to_json())))
            .collect()
    }

    #[test]
    fn every_read_back_setting_reads_back_what_was_configured() {
        let v = Verifier::new(KEY, SignType::Md5)
            .unwrap()
            .expect_appid("wx1")
            .expect_mch_id("1900000109")
            .also_accept(SignType::HmacSha256)
            .max_body_bytes(4096);
        assert_eq!(
            read_all(&V2_VERIFIER, |n| v.setting(n)),
            [
                ("api_key", None),
                ("sign_type", Some(serde_json::json!("MD5"))),
                ("appid", Some(serde_json::json!("wx1"))),
                ("mch_id", Some(serde_json::json!("1900000109"))),
                ("also_accept", Some(serde_json::json!(["HMAC-SHA256"]))),
                ("max_body_bytes", Some(serde_json::json!(4096))),
            ]
        );
        let v3 = V3Verifier::new(KEY)
            .unwrap()
            .expect_mch_id("1")
            .unwrap()
            .expect_mch_id("2")
            .unwrap()
            .max_clock_skew(60)
            .max_body_bytes(1000);
        assert_eq!(
            read_all(&V3_VERIFIER, |n| v3.setting(n)),
            [
                ("api_v3_key", None),
                ("platform_keys", None),
                ("max_clock_skew", Some(serde_json::json!(60))),
                ("max_body_bytes", Some(serde_json::json!(1000))),
                ("mch_ids", Some(serde_json::json!(["1", "2"]))),
            ]
        );
        assert_eq!(v.setting("no_such_setting"), None);
        assert_eq!(v3.setting("sign_type"), None);
    }

    #[test]
    fn a_profile_reads_back_its_label_and_merchant_id_not_its_parts() {
        let verifier = Verifier::new(KEY, SignType::Md5).unwrap();
        let p = crate::MerchantProfile::new("shop-a")
            .mch_id("1900000109")
            .v2(verifier)
            .unwrap();
        assert_eq!(
            read_all(&MERCHANT_PROFILE, |n| p.setting(n)),
            [
                ("label", Some(serde_json::json!("shop-a"))),
                ("v2", None),
                ("v3", None),
                ("mch_id", Some(serde_json::json!("1900000109"))),
            ]
        );
        let p = crate::MerchantProfile::new("shop-b");
        assert_eq!(
            p.setting("mch_id").map(|x| x.to_json()),
            Some(serde_json::Value::Null)
        );
        assert_eq!(p.setting("api_key"), None);
    }

    #[test]
    fn defaults_are_what_a_new_verifier_has() {
        let v = Verifier::new(KEY, SignType::HmacSha256).unwrap();
        let v3 = V3Verifier::new(KEY).unwrap();
        let read = |settings: &Settings, name: &str| match settings.name {
            "v2_verifier" => v.setting(name).map(|x| x.to_json()),
            _ => v3.setting(name).map(|x| x.to_json()),
        };
        for settings in VERIFIERS {
            for s in settings.settings {
                let value = read(settings, s.name);
                assert_eq!(value.is_some(), s.kind.read_back(), "{}", s.name);
                if s.required || !s.kind.read_back() {
                    continue;
                }
                let expected = match s.kind {
                    SettingKind::Bytes | SettingKind::Seconds => {
                        serde_json::json!(s.default.expect("a number has a default"))
                    }
                    SettingKind::Text => serde_json::Value::Null,
                    SettingKind::SignTypes | SettingKind::Texts => serde_json::json!([]),
                    other => panic!("{}: no default for an optional {other:?}", s.name),
                };
                assert_eq!(value, Some(expected), "{}", s.name);
            }
        }
    }

    #[test]
    fn declared_defaults_are_the_spec_s() {
        // SPEC: bodies over 64 KiB are refused; the APIv3 clock window is ±300 s.
        let default = |settings: &Settings, name| settings.get(name).and_then(|s| s.default);
        assert_eq!(default(&V2_VERIFIER, "max_body_bytes"), Some(65_536));
        assert_eq!(default(&V3_VERIFIER, "max_body_bytes"), Some(65_536));
        assert_eq!(default(&V3_VERIFIER, "max_clock_skew"), Some(300));
    }

    #[test]
    fn declarations_are_well_formed() {
        for settings in ALL {
            let mut seen = std::collections::HashSet::new();
            let mut optional = false;
            for s in settings.settings {
                assert!(seen.insert(s.name), "{} twice", s.name);
                assert!(
                    s.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{}",
                    s.name
                );
                assert!(!s.doc.trim().is_empty(), "{} has no doc", s.name);
                assert!(
                    !(optional && s.required),
                    "{}: required after optional",
                    s.name
                );
                optional |= !s.required;
                let number = matches!(s.kind, SettingKind::Bytes | SettingKind::Seconds);
                assert_eq!(s.default.is_some(), number, "{}: default", s.name);
            }
        }
    }
}
