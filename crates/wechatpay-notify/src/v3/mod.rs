//! APIv3 (JSON) notifications: RSA-SHA256 signatures over the raw body, AES-256-GCM resources.

mod certificate;
mod keys;
mod view;

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, excerpt};
use crate::view::typed_view;
pub use certificate::PlatformCertificate;
pub(crate) use keys::{KeyId, TrustedKey};
pub use keys::{MAX_KEY_FILE_BYTES, TrustedKeys};
pub use view::{V3Complaint, V3ProfitSharing, V3Refund, V3Transaction, V3Transfer};

/// The longest `Wechatpay-Serial` looked up (a certificate serial is at most 40 hex digits, a
/// public key id about 40 characters): a longer one is `unknown_serial` without any parsing.
pub const MAX_SERIAL_LEN: usize = 128;

/// The default allowed clock skew, in seconds, in either direction.
pub const DEFAULT_MAX_CLOCK_SKEW: u64 = 300;

const NO_TRUSTED_KEY: &str = "no WeChat Pay key is trusted: add the platform public key (PUB_KEY_ID_...) \
     or platform certificate that WeChat Pay signs with";

/// The only signature type supported (absent means this one too).
const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";
/// WeChat Pay's probe traffic carries a signature starting with this.
const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";
/// The length of the AES-GCM tag at the end of `resource.ciphertext`.
const TAG_LEN: usize = 16;
/// The only resource algorithm supported.
const RESOURCE_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// The request headers of a notification (names are case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct V3Headers {
    pairs: Vec<(String, String)>,
}

impl V3Headers {
    /// No headers.
    pub fn new() -> V3Headers {
        V3Headers::default()
    }

    /// Adds one header (any name; only the `Wechatpay-*` ones are read).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut V3Headers {
        self.pairs.push((name.into(), value.into()));
        self
    }

    /// The value of `name` (case-insensitive). A header sent twice is refused
    /// (`invalid_argument`): which copy a proxy or framework keeps is not defined.
    pub(crate) fn value(&self, name: &str) -> Result<Option<&str>, Error> {
        let mut found = self
            .pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => Err(Error::invalid_argument(format!(
                "the header {name} appears more than once"
            ))),
            (first, _) => Ok(first.map(|(_, v)| v.as_str())),
        }
    }

    /// True when a header named `name` (case-insensitive) is present, whatever its value.
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    fn require(&self, name: &str) -> Result<&str, Error> {
        match self.value(name)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(Error::new(
                ErrorKind::MissingHeader,
                format!("the header {name} is missing"),
            )),
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for V3Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> V3Headers {
        V3Headers {
            pairs: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// The `Wechatpay-*` headers of a request, read once: required ones present, not a probe, a
/// supported signature type, and the serial parsed into a key id (`None` when it is longer than
/// [`MAX_SERIAL_LEN`]: no key has such an id).
pub(crate) struct ParsedHeaders<'h> {
    timestamp: &'h str,
    nonce: &'h str,
    signature: &'h str,
    serial: &'h str,
    pub(crate) id: Option<KeyId>,
}

impl<'h> ParsedHeaders<'h> {
    /// In order: required headers → probe → signature type → serial.
    pub(crate) fn read(headers: &'h V3Headers) -> Result<ParsedHeaders<'h>, Error> {
        let timestamp = headers.require("Wechatpay-Timestamp")?;
        let nonce = headers.require("Wechatpay-Nonce")?;
        let signature = headers.require("Wechatpay-Signature")?;
        let serial = headers.require("Wechatpay-Serial")?;
        if is_probe(signature) {
            return Err(probe_error());
        }
        match headers.value("Wechatpay-Signature-Type")? {
            None => {}
            Some(t) if t == SIGNATURE_TYPE => {}
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::UnsupportedAlgorithm,
                    format!(
                        "Wechatpay-Signature-Type {} is not supported (only {SIGNATURE_TYPE})",
                        excerpt(other)
                    ),
                ));
            }
        }
        Ok(ParsedHeaders {
            timestamp,
            nonce,
            signature,
            serial,
            id: KeyId::parse(serial),
        })
    }

    /// The serial as sent (for messages; excerpt it).
    pub(crate) fn serial(&self) -> &'h str {
        self.serial
    }
}

/// WeChat Pay's probe traffic: a signature starting with `WECHATPAY/SIGNTEST/`.
fn is_probe(signature: &str) -> bool {
    signature.starts_with(PROBE_PREFIX)
}

fn probe_error() -> Error {
    Error::new(
        ErrorKind::SignatureProbe,
        "WeChat Pay signature probe (WECHATPAY/SIGNTEST/): not a notification",
    )
}

/// Verifies APIv3 notifications for one merchant: the APIv3 key and the WeChat Pay keys it trusts.
///
/// Secure by default: the signature is checked over the raw body bytes before anything is parsed
/// or decrypted, the timestamp must be within `max_clock_skew` of `now` in either direction, and
/// a certificate is used only within its validity period. `V3Verifier` is `Send + Sync`.
///
/// Key rotation: [`V3Verifier::replace_trusted_keys`] swaps the whole set of trusted keys of a
/// live verifier (shared across threads, `&self`); each verification uses the set it found when
/// it started, so it sees either the old set or the new one, never a mix, and never an empty set.
/// A clone has its own set from then on (swapping one does not swap the other).
pub struct V3Verifier {
    /// The APIv3 key, only ever in zeroising storage: the AES-GCM key schedule is built per
    /// decryption and wiped on drop (`aes-gcm`'s `zeroize` feature), so no copy outlives its use.
    /// Boxed, so that moving the verifier moves a pointer, never a copy of the key.
    key: Zeroizing<Box<[u8]>>,
    /// The trusted keys, parsed once when the set was built. A verification clones the `Arc`
    /// under the read lock (held for nothing else), a swap replaces it under the write lock.
    trusted: RwLock<Arc<TrustedKeys>>,
    /// The merchant ids this verifier serves (`mchid`, or `sp_mchid` for partners); empty = any.
    mch_ids: Vec<String>,
    max_clock_skew: u64,
    max_body_bytes: usize,
}

impl fmt::Debug for V3Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The APIv3 key is a secret: never printed.
        f.debug_struct("V3Verifier")
            .field("api_v3_key", &"<redacted>")
            .field("trusted", &self.trusted_keys())
            .field("mch_ids", &self.mch_ids)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Clone for V3Verifier {
    fn clone(&self) -> V3Verifier {
        V3Verifier {
            key: self.key.clone(),
            trusted: RwLock::new(self.trusted_keys()),
            mch_ids: self.mch_ids.clone(),
            max_clock_skew: self.max_clock_skew,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

impl V3Verifier {
    /// A verifier for the APIv3 key (exactly 32 bytes, else `invalid_config`), trusting no key yet.
    pub fn new(api_v3_key: impl AsRef<[u8]>) -> Result<V3Verifier, Error> {
        let bytes = api_v3_key.as_ref();
        if bytes.len() != 32 {
            return Err(Error::invalid_config(
                "the APIv3 key must be exactly 32 bytes",
            ));
        }
        let mut key = Zeroizing::new(vec![0u8; 32].into_boxed_slice());
        key.copy_from_slice(bytes);
        Ok(V3Verifier {
            key,
            trusted: RwLock::new(Arc::new(TrustedKeys::new())),
            mch_ids: Vec::new(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            max_body_bytes: crate::DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// The set being configured (copied first if a snapshot of it is shared).
    fn keys_mut(&mut self) -> &mut TrustedKeys {
        Arc::make_mut(
            self.trusted
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Trusts a platform certificate (PEM X.509); its id is its serial number. RSA, 2048 bits or
    /// more; used only while `now` is within its validity period.
    /// On refusal (`invalid_config`) the verifier is unchanged.
    pub fn add_platform_certificate(&mut self, pem: &str) -> Result<(), Error> {
        self.keys_mut().add_platform_certificate(pem)
    }

    /// Trusts a WeChat Pay public key (PEM SPKI) under `id` (usually `PUB_KEY_ID_…`, opaque).
    /// On refusal (`invalid_config`) the verifier is unchanged.
    pub fn add_public_key(&mut self, id: &str, pem: &str) -> Result<(), Error> {
        self.keys_mut().add_public_key(id, pem)
    }

    /// Trusts `pem` under `id`: a certificate (whose serial must equal `id`) or a public key. This
    /// is the form the bindings' `id → PEM` mappings use.
    /// On refusal (`invalid_config`) the verifier is unchanged.
    pub fn add_trusted_key(&mut self, id: &str, pem: &str) -> Result<(), Error> {
        self.keys_mut().add_trusted_key(id, pem)
    }

    /// Serves merchant `mch_id` (may be called for several): after decryption the resource's
    /// `mchid` (or, for partner notifications, `sp_mchid`; for merchant transfers, `mch_id`) must be one of them, else
    /// `merchant_mismatch`. An empty id is `invalid_config`. Without any, every merchant passes.
    pub fn expect_mch_id(mut self, mch_id: impl Into<String>) -> Result<V3Verifier, Error> {
        let mch_id = mch_id.into();
        if mch_id.is_empty() {
            return Err(Error::invalid_config(
                "an expected mch_id must not be empty",
            ));
        }
        if !self.mch_ids.contains(&mch_id) {
            self.mch_ids.push(mch_id);
        }
        Ok(self)
    }

    /// The merchant ids set by [`V3Verifier::expect_mch_id`], in order.
    pub fn expected_mch_ids(&self) -> &[String] {
        &self.mch_ids
    }

    /// The allowed difference between `now` and `Wechatpay-Timestamp`, in seconds, either way.
    pub fn max_clock_skew(mut self, seconds: u64) -> V3Verifier {
        self.max_clock_skew = seconds;
        self
    }

    /// Bodies longer than `limit` bytes are rejected (`body_too_large`) before anything else.
    pub fn max_body_bytes(mut self, limit: usize) -> V3Verifier {
        self.max_body_bytes = limit;
        self
    }

    /// The configured clock skew, in seconds.
    pub fn clock_skew(&self) -> u64 {
        self.max_clock_skew
    }

    /// The configured body size limit.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// The settings a verifier is configured with ([`crate::settings::V3_VERIFIER`]).
    pub const SETTINGS: crate::settings::Settings = crate::settings::V3_VERIFIER;

    /// The value of the setting `name` (its declaration in [`V3Verifier::SETTINGS`]); `None` for
    /// the APIv3 key, which is never read back, for the trusted keys (see
    /// [`V3Verifier::trusted_keys`]) and for a name that is not declared.
    pub fn setting(&self, name: &str) -> Option<crate::settings::SettingValue<'_>> {
        use crate::settings::SettingValue;
        Some(match name {
            "max_clock_skew" => SettingValue::Number(self.max_clock_skew),
            "max_body_bytes" => SettingValue::Number(self.max_body_bytes as u64),
            "mch_ids" => SettingValue::Texts(&self.mch_ids),
            _ => return None,
        })
    }

    /// `invalid_config` unless at least one WeChat Pay key (platform public key or certificate)
    /// is trusted: such a verifier would refuse every notification, so every surface refuses it
    /// when it is built (the C builder, the bindings' constructors, the endpoint, the profiles file).
    pub fn check_has_trusted_key(&self) -> Result<(), Error> {
        check_not_empty(&self.trusted_keys())
    }

    /// The set of trusted keys in use now (a snapshot: a later swap does not change it).
    pub fn trusted_keys(&self) -> Arc<TrustedKeys> {
        Arc::clone(&self.trusted.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Swaps in a new set of trusted keys, atomically: a verification running meanwhile uses
    /// either the old set or this one, never a mix. `&self`, so a verifier shared across threads
    /// can be rotated while it serves requests (WeChat Pay issues a new platform certificate 10
    /// days before the old one expires: load the directory the certificate download writes with
    /// [`TrustedKeys::load_dir`] and swap it in). An empty set is refused (`invalid_config`):
    /// the verifier keeps its keys.
    pub fn replace_trusted_keys(&self, keys: impl Into<Arc<TrustedKeys>>) -> Result<(), Error> {
        let keys = keys.into();
        check_not_empty(&keys)?;
        *self.trusted.write().unwrap_or_else(PoisonError::into_inner) = keys;
        Ok(())
    }

    /// The trusted key ids, as configured (certificates by their uppercase hex serial), of the
    /// set in use now.
    pub fn trusted_ids(&self) -> Vec<String> {
        self.trusted_keys().ids().map(str::to_owned).collect()
    }

    /// True when a key with this id (as `Wechatpay-Serial` would name it) is trusted now.
    pub fn trusts(&self, serial: &str) -> bool {
        self.trusted_keys().trusts(serial)
    }

    /// Verifies a notification: `headers` as received, `body` the raw bytes, `now` in Unix seconds.
    ///
    /// In order: size limit → required headers → probe → signature type → key id (and the
    /// certificate's validity) → timestamp window → RSA signature over
    /// `timestamp\nnonce\nbody\n` → JSON → required fields → resource algorithm → AES-256-GCM →
    /// UTF-8 JSON plaintext.
    pub fn verify(
        &self,
        headers: &V3Headers,
        body: &[u8],
        now: u64,
    ) -> Result<V3Notification, Error> {
        crate::check_body_size(body, self.max_body_bytes)?;
        let parsed = ParsedHeaders::read(headers)?;
        self.verify_parsed(&parsed, body, now)
    }

    /// [`V3Verifier::verify`] after the size check and the headers were read, with the set of
    /// keys in use now.
    fn verify_parsed(
        &self,
        h: &ParsedHeaders<'_>,
        body: &[u8],
        now: u64,
    ) -> Result<V3Notification, Error> {
        self.verify_with_keys(&self.trusted_keys(), h, body, now)
    }

    /// [`V3Verifier::verify`] after the size check and the headers were read, with `trusted` as
    /// the trusted keys (the endpoint routes and verifies with one snapshot of its keys).
    pub(crate) fn verify_with_keys(
        &self,
        trusted: &TrustedKeys,
        h: &ParsedHeaders<'_>,
        body: &[u8],
        now: u64,
    ) -> Result<V3Notification, Error> {
        let key =
            h.id.as_ref()
                .and_then(|id| trusted.get(id))
                .ok_or_else(|| {
                    if trusted.is_empty() {
                        return Error::invalid_config(NO_TRUSTED_KEY);
                    }
                    Error::new(
                        ErrorKind::UnknownSerial,
                        format!("no trusted key has the id {}", excerpt(h.serial)),
                    )
                })?;
        check_signed(key, h, body, now, self.max_clock_skew)?;
        // Authentic from here on; everything below is about its shape.
        let event = parse_event(body)?;
        let plaintext = self.decrypt(&event.resource)?;
        let resource = match serde_json::from_str::<Value>(&plaintext) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(Error::decrypt_failed(
                    "the decrypted resource is not a JSON object",
                ));
            }
        };
        let notification = V3Notification::new(event, plaintext, resource);
        self.check_merchant(&notification)?;
        Ok(notification)
    }

    /// The resource's `mchid` (or, for partner notifications, `sp_mchid`; for merchant transfers,
    /// `mch_id`) must be one of the expected merchant ids, when any are set.
    fn check_merchant(&self, n: &V3Notification) -> Result<(), Error> {
        if self.mch_ids.is_empty() {
            return Ok(());
        }
        // The first field naming the merchant: `mchid`; `sp_mchid` (partners); `mch_id` (the
        // merchant-transfer family's spelling).
        let found = ["mchid", "sp_mchid", "mch_id"]
            .into_iter()
            .find_map(|name| Some((name, n.resource.get(name)?.as_str()?)));
        match found {
            Some((_, m)) if self.mch_ids.iter().any(|e| e == m) => Ok(()),
            Some((name, m)) => Err(Error::new(
                ErrorKind::MerchantMismatch,
                format!(
                    "the resource's {name} {} is not a merchant of this verifier",
                    excerpt(m)
                ),
            )),
            None => Err(Error::new(
                ErrorKind::MerchantMismatch,
                "the resource names no mchid, sp_mchid or mch_id, and this verifier expects one",
            )),
        }
    }

    /// AES-256-GCM: key = the APIv3 key, nonce = `resource.nonce` (12 bytes), AAD =
    /// `associated_data` (absent = empty), `ciphertext` = base64(ciphertext ‖ 16-byte tag).
    fn decrypt(&self, resource: &Map<String, Value>) -> Result<String, Error> {
        let text = |name: &str| -> Result<Option<&str>, Error> {
            match resource.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(Error::missing_field(format!(
                    "resource.{name} is not a string"
                ))),
            }
        };
        let algorithm = text("algorithm")?
            .ok_or_else(|| Error::missing_field("resource.algorithm is missing"))?;
        if algorithm != RESOURCE_ALGORITHM {
            return Err(Error::new(
                ErrorKind::UnsupportedAlgorithm,
                format!(
                    "resource.algorithm {} is not supported (only {RESOURCE_ALGORITHM})",
                    excerpt(algorithm)
                ),
            ));
        }
        let ciphertext = text("ciphertext")?
            .ok_or_else(|| Error::missing_field("resource.ciphertext is missing"))?;
        let nonce =
            text("nonce")?.ok_or_else(|| Error::missing_field("resource.nonce is missing"))?;
        let aad = text("associated_data")?.unwrap_or("");
        let nonce = Nonce::try_from(nonce.as_bytes())
            .map_err(|_| Error::decrypt_failed("resource.nonce is not 12 bytes"))?;
        // Decrypted in place: the buffer becomes the plaintext the notification keeps (merchant
        // data, returned to the caller; not a secret).
        let mut buf = STANDARD
            .decode(ciphertext)
            .map_err(|_| Error::decrypt_failed("resource.ciphertext is not base64"))?;
        let tag_at = buf.len().checked_sub(TAG_LEN).ok_or_else(|| {
            Error::decrypt_failed("resource.ciphertext is shorter than its 16-byte tag")
        })?;
        let (text, tag) = buf.split_at_mut(tag_at);
        // Built per decryption from the zeroising key; the schedule is wiped when it drops.
        let cipher = Aes256Gcm::new_from_slice(&self.key)
            .map_err(|_| Error::new(ErrorKind::Internal, "the APIv3 key is not 32 bytes"))?;
        let tag = aes_gcm::Tag::try_from(&*tag)
            .map_err(|_| Error::new(ErrorKind::Internal, "the GCM tag is not 16 bytes"))?;
        cipher
            .decrypt_inout_detached(&nonce, aad.as_bytes(), text.into(), &tag)
            .map_err(|_| {
                Error::decrypt_failed(
                    "the resource does not decrypt (wrong APIv3 key, or tampered ciphertext, nonce or associated data)",
                )
            })?;
        buf.truncate(tag_at);
        String::from_utf8(buf)
            .map_err(|_| Error::decrypt_failed("the decrypted resource is not UTF-8"))
    }
}

/// `invalid_config` for an empty set: a verifier never ends up trusting no key.
fn check_not_empty(keys: &TrustedKeys) -> Result<(), Error> {
    if keys.is_empty() {
        return Err(Error::invalid_config(NO_TRUSTED_KEY));
    }
    Ok(())
}

/// The checks of every signed message from WeChat Pay, notification or API response alike, once
/// the key its `Wechatpay-Serial` names is found: the key is valid at `now` (a certificate's
/// validity period; else `unknown_serial`), `Wechatpay-Timestamp` is within `max_clock_skew`
/// seconds of `now` (`timestamp_out_of_window`), and the signature is SHA256withRSA by that key
/// over `timestamp\nnonce\nbody\n` (`signature_mismatch`).
pub(crate) fn check_signed(
    key: &TrustedKey,
    h: &ParsedHeaders<'_>,
    body: &[u8],
    now: u64,
    max_clock_skew: u64,
) -> Result<(), Error> {
    key.check_valid_at(now)?;
    let in_window = h.timestamp.bytes().all(|b| b.is_ascii_digit())
        && h.timestamp
            .parse::<u64>()
            .is_ok_and(|ts| ts.abs_diff(now) <= max_clock_skew);
    if !in_window {
        return Err(Error::new(
            ErrorKind::TimestampOutOfWindow,
            format!(
                "Wechatpay-Timestamp {} is not within {max_clock_skew} s of now",
                excerpt(h.timestamp)
            ),
        ));
    }
    let mut message = Vec::with_capacity(h.timestamp.len() + h.nonce.len() + body.len() + 3);
    for part in [h.timestamp.as_bytes(), h.nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    let verified = STANDARD
        .decode(h.signature)
        .is_ok_and(|sig| key.verifies(&message, &sig));
    if !verified {
        return Err(Error::new(
            ErrorKind::SignatureMismatch,
            "the signature does not verify with the trusted key of that id",
        ));
    }
    Ok(())
}

/// The outer JSON document.
struct Event {
    id: String,
    create_time: String,
    event_type: String,
    resource_type: String,
    summary: String,
    resource: Map<String, Value>,
}

fn parse_event(body: &[u8]) -> Result<Event, Error> {
    let mut doc = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(malformed_json("the body is not a JSON object")),
        Err(e) => {
            return Err(malformed_json(format!(
                "the body is not JSON (line {}, column {})",
                e.line(),
                e.column()
            )));
        }
    };
    let mut text = |name: &str| match doc.remove(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::missing_field(format!("{name} is not a string"))),
        None => Err(Error::missing_field(format!("{name} is missing"))),
    };
    let id = text("id")?;
    let create_time = text("create_time")?;
    let event_type = text("event_type")?;
    let resource_type = text("resource_type")?;
    let summary = text("summary")?;
    let resource = match doc.remove("resource") {
        Some(Value::Object(map)) => map,
        Some(_) => return Err(Error::missing_field("resource is not an object")),
        None => return Err(Error::missing_field("resource is missing")),
    };
    Ok(Event {
        id,
        create_time,
        event_type,
        resource_type,
        summary,
        resource,
    })
}

fn malformed_json(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::MalformedJson, message)
}

/// A verified, decrypted APIv3 notification.
#[derive(Debug, Clone, PartialEq)]
pub struct V3Notification {
    id: String,
    create_time: String,
    event_type: String,
    resource_type: String,
    summary: String,
    plaintext: String,
    resource: Map<String, Value>,
    dedupe_key: String,
}

impl V3Notification {
    fn new(event: Event, plaintext: String, resource: Map<String, Value>) -> V3Notification {
        let mut n = V3Notification {
            id: event.id,
            create_time: event.create_time,
            event_type: event.event_type,
            resource_type: event.resource_type,
            summary: event.summary,
            plaintext,
            resource,
            dedupe_key: String::new(),
        };
        let key = if let Some(t) = n.transaction() {
            crate::dedupe::payment_key(
                t.transaction_id(),
                t.trade_state() == Some("SUCCESS"),
                t.trade_state().unwrap_or(""),
            )
        } else if let Some(r) = n.refund() {
            let status = r
                .refund_status()
                .or_else(|| n.event_type.strip_prefix("REFUND."));
            crate::dedupe::refund_key(r.refund_id(), status)
        } else if let Some(t) = n.transfer() {
            crate::dedupe::transfer_key(t.transfer_bill_no(), t.state())
        } else if let Some(p) = n.profit_sharing() {
            (n.event_type == PROFIT_SHARED)
                .then(|| crate::dedupe::profit_sharing_key(p.order_id(), p.receiver_account()))
                .flatten()
        } else {
            None
        };
        n.dedupe_key = key.unwrap_or_else(|| n.id.clone());
        n
    }

    /// The decrypted resource, parsed.
    pub fn resource(&self) -> &Map<String, Value> {
        &self.resource
    }

    /// The transaction view, for `TRANSACTION.*` events (direct and service-provider shapes).
    pub fn transaction(&self) -> Option<V3Transaction<'_>> {
        self.event_type
            .starts_with("TRANSACTION.")
            .then(|| V3Transaction::new(&self.resource))
    }

    /// The refund view, for `REFUND.*` events.
    pub fn refund(&self) -> Option<V3Refund<'_>> {
        self.event_type
            .starts_with("REFUND.")
            .then(|| V3Refund::new(&self.resource))
    }

    /// The profit-sharing view, for `PROFITSHARING.*` events (`PROFITSHARING.SUCCESS`,
    /// `PROFITSHARING.RETURN`), which WeChat Pay sends to the receiver of the funds.
    pub fn profit_sharing(&self) -> Option<V3ProfitSharing<'_>> {
        self.event_type
            .starts_with("PROFITSHARING.")
            .then(|| V3ProfitSharing::new(&self.resource))
    }

    /// The merchant transfer view, for `MCHTRANSFER.BILL.*` events (`MCHTRANSFER.BILL.FINISHED`;
    /// the older batch events `MCHTRANSFER.BATCH.*` have another resource and no view).
    pub fn transfer(&self) -> Option<V3Transfer<'_>> {
        self.event_type
            .starts_with("MCHTRANSFER.BILL.")
            .then(|| V3Transfer::new(&self.resource))
    }

    /// The complaint view, for `COMPLAINT.*` events (`COMPLAINT.CREATE`,
    /// `COMPLAINT.STATE_CHANGE`).
    pub fn complaint(&self) -> Option<V3Complaint<'_>> {
        self.event_type
            .starts_with("COMPLAINT.")
            .then(|| V3Complaint::new(&self.resource))
    }

    /// Whether the event reports a success, by its family (see `is_success`).
    fn succeeded(&self) -> bool {
        if let Some(t) = self.transaction() {
            t.trade_state() == Some("SUCCESS")
        } else if let Some(r) = self.refund() {
            r.refund_status() == Some("SUCCESS")
        } else if let Some(t) = self.transfer() {
            t.state() == Some("SUCCESS")
        } else {
            self.event_type == PROFIT_SHARED || self.event_type == PROFIT_RETURNED
        }
    }
}

/// Funds shared to a receiver.
const PROFIT_SHARED: &str = "PROFITSHARING.SUCCESS";
/// Shared funds returned from a receiver.
const PROFIT_RETURNED: &str = "PROFITSHARING.RETURN";

typed_view! {
    V3Notification;
    shown [id, event_type, dedupe_key];
    held {
        /// The event `id` (a UUID).
        id,
        /// `create_time`, exactly as received (not always RFC 3339).
        create_time,
        /// `event_type`, e.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`.
        event_type,
        /// `resource_type` (`encrypt-resource`).
        resource_type,
        /// `summary`, WeChat Pay's short description of the event.
        summary,
        /// The decrypted resource: the exact JSON text (a JSON object) as decrypted.
        plaintext,
    }
    rules {
        /// The event reports a success: a transaction whose `trade_state`, a refund whose
        /// `refund_status`, or a merchant transfer whose `state` is `SUCCESS`; a profit-sharing
        /// movement (`PROFITSHARING.SUCCESS` or `PROFITSHARING.RETURN`: WeChat Pay sends them once
        /// the funds moved; a return moves them back, so tell the two apart by `event_type`).
        /// False for complaints (they report no outcome) and every other event.
        is_success: Bool = |n| n.succeeded(),
        /// The idempotency key (record each notification once per key): a successful
        /// transaction's `transaction_id` (as its v2 delivery), `transaction_id:TRADE_STATE` for one
        /// that did not succeed, `refund_id:REFUND_STATUS` for refunds (so `ABNORMAL` does not
        /// swallow a later `SUCCESS`), `transfer_bill_no:STATE` for merchant transfers,
        /// `order_id:ACCOUNT:SUCCESS` for funds shared to the receiver `ACCOUNT`, the event `id`
        /// otherwise: profit-sharing returns (one order can be returned from one receiver several
        /// times), complaints (one complaint repeats an `action_type`), other events, and a
        /// resource that lacks its id.
        dedupe_key: String = |n| &n.dedupe_key,
    }
}

#[cfg(test)]
mod tests;
