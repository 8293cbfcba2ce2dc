//! One notify endpoint for many merchants and both API versions.
//!
//! An [`Endpoint`] holds merchant profiles (a label, a v2 verifier, a v3 verifier, or both). For each
//! request it decides the API version and the merchant, then runs that merchant's verifier
//! unchanged:
//!
//! - a `Wechatpay-Signature` header → APIv3, merchant chosen by `Wechatpay-Serial` (every merchant
//!   has its own certificates and public key ids; merchant ids are only inside the ciphertext);
//! - otherwise v2 XML → a refund if `req_info` is present, else a payment, merchant chosen by the
//!   `mch_id` element.
//!
//! Choosing the merchant from unverified input is safe only because that merchant's own key must
//! then verify the message: a body naming merchant A but signed with B's key fails A's verifier.
//! Nothing else is read from the unverified message.
//!
//! Key rotation: the endpoint takes each v3 part's trusted keys when it is built; afterwards
//! [`Endpoint::replace_trusted_keys`] swaps one merchant's keys, and its `Wechatpay-Serial`
//! routes with them, in one step.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::{Error, ErrorKind, excerpt};
use crate::reply::{self, HttpReply};
use crate::v2::{PaymentNotification, RefundNotification, Verifier};
use crate::v3::{KeyId, ParsedHeaders, TrustedKeys, V3Headers, V3Notification, V3Verifier};
use crate::view::typed_view;
use crate::xml::parse_flat;

/// A merchant account: a label chosen by the user, its merchant id, and its v2 and/or v3
/// configuration.
#[derive(Debug, Clone)]
pub struct MerchantProfile {
    label: String,
    mch_id: Option<String>,
    /// Shared, not copied: a verifier handed to several profiles or endpoints (or kept by a
    /// binding) holds its keys once.
    v2: Option<Arc<Verifier>>,
    v3: Option<Arc<V3Verifier>>,
}

impl MerchantProfile {
    /// A profile named `label` (used only to tell the caller which merchant a notification is for).
    pub fn new(label: impl Into<String>) -> MerchantProfile {
        MerchantProfile {
            label: label.into(),
            mch_id: None,
            v2: None,
            v3: None,
        }
    }

    /// The merchant's id. It binds both versions: v2 notifications must carry it as `mch_id`
    /// (the v2 verifier's [`Verifier::expect_mch_id`], which must agree), and APIv3 resources as
    /// `mchid` (or `sp_mchid`, or a transfer's `mch_id`) unless the v3 verifier names its own ids
    /// ([`V3Verifier::expect_mch_id`]). A v2 part's expected `mch_id` declares it too.
    pub fn mch_id(mut self, mch_id: impl Into<String>) -> MerchantProfile {
        self.mch_id = Some(mch_id.into());
        self
    }

    /// The v2 part. The merchant id must be known, from the verifier's
    /// [`Verifier::expect_mch_id`] or [`MerchantProfile::mch_id`]: it is how v2 notifications
    /// find their merchant (`invalid_config` otherwise).
    pub fn v2(mut self, verifier: impl Into<Arc<Verifier>>) -> Result<MerchantProfile, Error> {
        let verifier = verifier.into();
        let declared = self.mch_id.as_deref().is_some_and(|m| !m.is_empty());
        if !declared && verifier.expected_mch_id().is_none_or(str::is_empty) {
            return Err(Error::invalid_config(format!(
                "the v2 part of profile {} needs an expected mch_id",
                excerpt(&self.label)
            )));
        }
        self.v2 = Some(verifier);
        Ok(self)
    }

    /// The v3 part: the merchant's APIv3 key and the WeChat Pay keys it trusts.
    pub fn v3(mut self, verifier: impl Into<Arc<V3Verifier>>) -> MerchantProfile {
        self.v3 = Some(verifier.into());
        self
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The declaration of a profile's settings (the constructor's label, the two parts, and
    /// [`MerchantProfile::mch_id`]).
    pub const SETTINGS: crate::settings::Settings = crate::settings::MERCHANT_PROFILE;

    /// The value of the text setting `name` (its declaration in [`MerchantProfile::SETTINGS`]):
    /// the label, and the merchant id as given to [`MerchantProfile::mch_id`]; `None` for the two
    /// parts (verifiers, which a binding holds as it was given them) and for a name that is not
    /// declared.
    pub fn setting(&self, name: &str) -> Option<crate::settings::SettingValue<'_>> {
        use crate::settings::SettingValue;
        Some(match name {
            "label" => SettingValue::Text(Some(&self.label)),
            "mch_id" => SettingValue::Text(self.mch_id.as_deref()),
            _ => return None,
        })
    }

    /// Reconciles the declared merchant id with the parts (see [`MerchantProfile::mch_id`]).
    fn bind(mut self) -> Result<MerchantProfile, Error> {
        let label = excerpt(&self.label);
        if self.v2.is_none() && self.v3.is_none() {
            return Err(Error::invalid_config(format!(
                "profile {label} has neither a v2 nor a v3 part"
            )));
        }
        if self.mch_id.as_deref() == Some("") {
            return Err(Error::invalid_config(format!(
                "profile {label} has an empty mch_id"
            )));
        }
        if let Some(v2) = self.v2.take() {
            let v2 = match (v2.expected_mch_id(), self.mch_id.as_deref()) {
                (Some(a), Some(b)) if a != b => {
                    return Err(Error::invalid_config(format!(
                        "profile {label} declares two different mch_ids"
                    )));
                }
                (None, Some(m)) => {
                    let m = m.to_owned();
                    Arc::new(Arc::unwrap_or_clone(v2).expect_mch_id(m))
                }
                _ => v2,
            };
            self.mch_id = v2.expected_mch_id().map(str::to_owned);
            self.v2 = Some(v2);
        }
        if let Some(v3) = &self.v3 {
            v3.check_has_trusted_key()
                .map_err(|e| Error::invalid_config(format!("profile {label}: {}", e.message())))?;
        }
        if let Some(m) = self.mch_id.as_deref()
            && let Some(v3) = self.v3.take_if(|v| v.expected_mch_ids().is_empty())
        {
            self.v3 = Some(Arc::new(Arc::unwrap_or_clone(v3).expect_mch_id(m)?));
        }
        Ok(self)
    }
}

/// One notify_url serving several merchants, v2 and v3. `Send + Sync`: share one across threads.
///
/// Routing reads unverified input, so it is bounded: the request's `Wechatpay-Serial` is parsed
/// once and looked up in a map of every trusted key id, and a v2 `mch_id` in a map of merchant
/// ids, both built once here; the cost does not grow with the number of profiles.
///
/// The v3 keys can be rotated while the endpoint serves requests
/// ([`Endpoint::replace_trusted_keys`]): a request is routed and verified with one snapshot of
/// every merchant's keys, the old one or the new one, never a mix.
#[derive(Debug)]
pub struct Endpoint {
    profiles: Vec<MerchantProfile>,
    /// The v3 keys and their routes; a request clones the `Arc` under the read lock (held for
    /// nothing else), a swap replaces it under the write lock.
    v3: RwLock<Arc<V3Routes>>,
    /// Every v2 `mch_id` → its profile.
    by_mch_id: HashMap<String, usize>,
    /// The largest v2 body limit (`None`: no v2 part).
    v2_limit: Option<usize>,
}

/// Every merchant's trusted APIv3 keys and the map from key id to merchant, swapped together.
#[derive(Debug, Clone)]
struct V3Routes {
    /// Every trusted APIv3 key id → the profile that trusts it.
    by_key_id: HashMap<KeyId, usize>,
    /// Each profile's trusted keys (`None`: no v3 part).
    keys: Vec<Option<Arc<TrustedKeys>>>,
}

impl V3Routes {
    /// The routes of `keys` (by profile), refusing a key id trusted by two profiles.
    fn new(
        profiles: &[MerchantProfile],
        keys: Vec<Option<Arc<TrustedKeys>>>,
    ) -> Result<V3Routes, Error> {
        let mut by_key_id = HashMap::new();
        for (i, set) in keys.iter().enumerate() {
            for (id, label) in set.iter().flat_map(|s| s.key_ids()) {
                if let Some(other) = by_key_id.insert(id.clone(), i) {
                    return Err(Error::invalid_config(format!(
                        "profiles {} and {} both trust the key id {}",
                        excerpt(&profiles[other].label),
                        excerpt(&profiles[i].label),
                        excerpt(label)
                    )));
                }
            }
        }
        Ok(V3Routes { by_key_id, keys })
    }
}

impl Clone for Endpoint {
    fn clone(&self) -> Endpoint {
        Endpoint {
            profiles: self.profiles.clone(),
            v3: RwLock::new(self.routes()),
            by_mch_id: self.by_mch_id.clone(),
            v2_limit: self.v2_limit,
        }
    }
}

impl Endpoint {
    /// Builds an endpoint. `invalid_config` for no profile, a profile with neither part, a label
    /// used twice, two profiles with the same v2 `mch_id`, two v2 parts with the same API key (a
    /// refund's `req_info` names no merchant: only the unsigned outer `mch_id` would tell them
    /// apart, so one merchant's captured refund would pass as the other's), or two profiles
    /// trusting the same v3 key id (a request could then not be routed to one merchant).
    pub fn new(profiles: impl IntoIterator<Item = MerchantProfile>) -> Result<Endpoint, Error> {
        let profiles = profiles
            .into_iter()
            .map(MerchantProfile::bind)
            .collect::<Result<Vec<_>, Error>>()?;
        if profiles.is_empty() {
            return Err(Error::invalid_config(
                "an endpoint needs at least one profile",
            ));
        }
        let mut labels = HashMap::new();
        let mut by_mch_id = HashMap::new();
        for (i, p) in profiles.iter().enumerate() {
            let twice = |what: &str, other: usize, value: &str| {
                Error::invalid_config(format!(
                    "profiles {} and {} {what} {}",
                    excerpt(&profiles[other].label),
                    excerpt(&p.label),
                    excerpt(value)
                ))
            };
            if let Some(other) = labels.insert(p.label.as_str(), i) {
                return Err(twice("have the same label", other, ""));
            }
            if let Some(m) = p.v2.as_deref().and_then(Verifier::expected_mch_id)
                && let Some(other) = by_mch_id.insert(m.to_owned(), i)
            {
                return Err(twice("have the same mch_id", other, m));
            }
        }
        let keys = profiles
            .iter()
            .map(|p| p.v3.as_ref().map(|v| v.trusted_keys()))
            .collect();
        let routes = V3Routes::new(&profiles, keys)?;
        // Same API key in two v2 parts: sorted by reference (no copy of any key), then neighbours.
        let mut v2: Vec<(usize, &Verifier)> = profiles
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.v2.as_deref().map(|v| (i, v)))
            .collect();
        v2.sort_by(|a, b| a.1.api_key_cmp(b.1));
        if let Some(pair) = v2.windows(2).find(|w| w[0].1.api_key_cmp(w[1].1).is_eq()) {
            return Err(Error::invalid_config(format!(
                "profiles {} and {} have the same v2 API key: a refund names no merchant, so one \
                 merchant's refund would pass as the other's",
                excerpt(&profiles[pair[0].0].label),
                excerpt(&profiles[pair[1].0].label)
            )));
        }
        let v2_limit = v2.iter().map(|(_, v)| v.body_limit()).max();
        Ok(Endpoint {
            profiles,
            v3: RwLock::new(Arc::new(routes)),
            by_mch_id,
            v2_limit,
        })
    }

    /// The profiles' labels, in order.
    pub fn labels(&self) -> impl Iterator<Item = &str> + '_ {
        self.profiles.iter().map(|p| p.label.as_str())
    }

    /// The v3 keys and routes in use now.
    fn routes(&self) -> Arc<V3Routes> {
        Arc::clone(&self.v3.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The trusted APIv3 keys in use now by the profile labelled `label` (`None`: no such
    /// profile, or it has no v3 part).
    pub fn trusted_keys(&self, label: &str) -> Option<Arc<TrustedKeys>> {
        let i = self.profiles.iter().position(|p| p.label == label)?;
        self.routes().keys[i].clone()
    }

    /// Swaps the trusted APIv3 keys of the merchant labelled `label`, and the `Wechatpay-Serial`
    /// routes to it, in one step: a request being handled meanwhile is routed and verified
    /// either with the old keys or with the new ones. `&self`, so a shared endpoint can be
    /// rotated while it serves requests. Ids no longer in the set stop routing to the merchant
    /// (`unknown_serial`), new ones start.
    ///
    /// `invalid_config`, the endpoint unchanged, for: no profile with that label, a profile
    /// without a v3 part, an empty set, or a key id another profile trusts.
    pub fn replace_trusted_keys(
        &self,
        label: &str,
        keys: impl Into<Arc<TrustedKeys>>,
    ) -> Result<(), Error> {
        let keys = keys.into();
        let i = self
            .profiles
            .iter()
            .position(|p| p.label == label)
            .ok_or_else(|| {
                Error::invalid_config(format!("no profile is labelled {}", excerpt(label)))
            })?;
        if self.profiles[i].v3.is_none() {
            return Err(Error::invalid_config(format!(
                "profile {} has no v3 part",
                excerpt(label)
            )));
        }
        if keys.is_empty() {
            return Err(Error::invalid_config(format!(
                "profile {}: the new set of trusted keys is empty",
                excerpt(label)
            )));
        }
        // Writers are serialised by the write lock, so no concurrent swap is lost; the new routes
        // are built from keys parsed beforehand (no parsing under the lock).
        let mut current = self.v3.write().unwrap_or_else(PoisonError::into_inner);
        let mut sets = current.keys.clone();
        sets[i] = Some(keys);
        *current = Arc::new(V3Routes::new(&self.profiles, sets)?);
        Ok(())
    }

    /// Decides the version and the merchant of a request, and verifies it with that merchant's
    /// verifier. `now` (Unix seconds) is used by APIv3 only.
    pub fn handle(&self, headers: &V3Headers, body: &[u8], now: u64) -> Result<Handled, Rejection> {
        match ApiVersion::of_request(headers) {
            ApiVersion::V3 => self.handle_v3(headers, body, now),
            ApiVersion::V2 => self.handle_v2(body),
        }
    }

    fn handle_v3(&self, headers: &V3Headers, body: &[u8], now: u64) -> Result<Handled, Rejection> {
        let reject = |error: Error, label: Option<&str>| Rejection {
            error,
            version: Some(ApiVersion::V3),
            label: label.map(str::to_owned),
        };
        // Required headers, the probe and the signature type come before routing, so a probe is
        // a probe whatever its serial.
        let parsed = ParsedHeaders::read(headers).map_err(|e| reject(e, None))?;
        let routes = self.routes();
        let (profile, keys) = parsed
            .id
            .as_ref()
            .and_then(|id| routes.by_key_id.get(id))
            .and_then(|&i| Some((&self.profiles[i], routes.keys[i].as_deref()?)))
            .ok_or_else(|| {
                reject(
                    Error::new(
                        ErrorKind::UnknownSerial,
                        format!("no merchant trusts the key id {}", excerpt(parsed.serial())),
                    ),
                    None,
                )
            })?;
        let verifier = profile
            .v3
            .as_ref()
            .ok_or_else(|| reject(Error::new(ErrorKind::Internal, "routing map"), None))?;
        let n = crate::check_body_size(body, verifier.body_limit())
            .and_then(|()| verifier.verify_with_keys(keys, &parsed, body, now))
            .map_err(|e| reject(e, Some(&profile.label)))?;
        Ok(Handled {
            label: profile.label.clone(),
            notification: Notification::V3(n),
        })
    }

    fn handle_v2(&self, body: &[u8]) -> Result<Handled, Rejection> {
        let undecided = |error: Error| Rejection {
            error,
            version: None,
            label: None,
        };
        let Some(limit) = self.v2_limit else {
            return Err(undecided(Error::new(
                ErrorKind::MissingHeader,
                "no Wechatpay-Signature header, and no merchant here takes v2 notifications",
            )));
        };
        crate::check_body_size(body, limit).map_err(undecided)?;
        // Read (not trusted) to pick the kind and the merchant; then that merchant's verifier
        // checks these same fields.
        let unverified = parse_flat(body, "xml").map_err(undecided)?;
        let reject = |error: Error, label: Option<&str>| Rejection {
            error,
            version: Some(ApiVersion::V2),
            label: label.map(str::to_owned),
        };
        let mch_id = unverified
            .get("mch_id")
            .filter(|m| !m.is_empty())
            .ok_or_else(|| reject(Error::missing_field("mch_id is missing"), None))?;
        let profile = self
            .by_mch_id
            .get(mch_id)
            .map(|&i| &self.profiles[i])
            .ok_or_else(|| {
                reject(
                    Error::new(
                        ErrorKind::MerchantMismatch,
                        format!("no merchant has the mch_id {}", excerpt(mch_id)),
                    ),
                    None,
                )
            })?;
        let verifier = profile
            .v2
            .as_ref()
            .ok_or_else(|| reject(Error::new(ErrorKind::Internal, "routing map"), None))?;
        // The same reader the verifier uses, so its fields are verified as they are (once parsed):
        // within this merchant's own size limit, else body_too_large as the verifier would say.
        let is_refund = unverified.get("req_info").is_some();
        let notification = crate::check_body_size(body, verifier.body_limit())
            .and_then(|()| {
                if is_refund {
                    verifier
                        .decrypt_refund_fields(unverified)
                        .map(Notification::V2Refund)
                } else {
                    verifier
                        .verify_payment_fields(unverified)
                        .map(Notification::V2Payment)
                }
            })
            .map_err(|e| reject(e, Some(&profile.label)))?;
        Ok(Handled {
            label: profile.label.clone(),
            notification,
        })
    }
}

/// The API version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// v2 (XML).
    V2,
    /// APIv3 (JSON).
    V3,
}

impl ApiVersion {
    /// `"v2"` or `"v3"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2 => "v2",
            ApiVersion::V3 => "v3",
        }
    }

    /// The version of a request, as the endpoint decides it: APIv3 when it carries a
    /// `Wechatpay-Signature` header, v2 otherwise. Nothing is verified here.
    pub fn of_request(headers: &V3Headers) -> ApiVersion {
        if headers.contains("Wechatpay-Signature") {
            ApiVersion::V3
        } else {
            ApiVersion::V2
        }
    }

    /// The reply when the application itself fails after verification (its database, say):
    /// `500` with the version's constant refusal body, so that WeChat Pay retries later (v2 reads
    /// the FAIL in the XML, v3 the status).
    pub fn internal_error_reply(self) -> HttpReply {
        match self {
            ApiVersion::V2 => reply::v2_fail(&Error::new(ErrorKind::Internal, "internal")),
            ApiVersion::V3 => reply::v3_fail(&Error::new(ErrorKind::Internal, "internal")),
        }
    }
}

/// A verified notification of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// A v2 payment result.
    V2Payment(PaymentNotification),
    /// A v2 refund result (see [`RefundNotification`] on what its encryption proves).
    V2Refund(RefundNotification),
    /// An APIv3 event.
    V3(V3Notification),
}

impl Notification {
    /// `"v2_payment"`, `"v2_refund"` or `"v3"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::V2Payment(_) => "v2_payment",
            Notification::V2Refund(_) => "v2_refund",
            Notification::V3(_) => "v3",
        }
    }

    /// The API version.
    pub fn version(&self) -> ApiVersion {
        match self {
            Notification::V3(_) => ApiVersion::V3,
            _ => ApiVersion::V2,
        }
    }
}

typed_view! {
    Notification;
    shown [is_success, dedupe_key];
    rules {
        /// The notification's own `is_success`: the payment or refund succeeded (APIv3 also: the
        /// merchant transfer succeeded, or a profit-sharing movement happened).
        is_success: Bool = |n| match n {
            Notification::V2Payment(n) => n.is_success(),
            Notification::V2Refund(n) => n.is_success(),
            Notification::V3(n) => n.is_success(),
        },
        /// The notification's own `dedupe_key`, the same for the v2 and APIv3 deliveries
        /// of one payment, or of one state of a refund: a successful payment's `transaction_id`, a
        /// refund's `refund_id:STATUS` (APIv3 also: a merchant transfer's
        /// `transfer_bill_no:STATE`, funds shared `order_id:ACCOUNT:SUCCESS`, the event `id` for
        /// other events); `None` only for a v2 notification without its id.
        dedupe_key: Text = |n| match n {
            Notification::V2Payment(n) => n.dedupe_key(),
            Notification::V2Refund(n) => n.dedupe_key(),
            Notification::V3(n) => Some(n.dedupe_key()),
        },
    }
}

/// A verified notification and the merchant it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    label: String,
    notification: Notification,
}

impl Handled {
    /// The merchant's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The notification.
    pub fn notification(&self) -> &Notification {
        &self.notification
    }

    /// Takes the notification.
    pub fn into_notification(self) -> Notification {
        self.notification
    }

    /// The reply when the application fails after this notification verified (see
    /// [`ApiVersion::internal_error_reply`]).
    pub fn internal_error_reply(&self) -> HttpReply {
        self.notification.version().internal_error_reply()
    }

    /// The success reply for its version: v2 → 200 with the exact XML SUCCESS; v3 → 204.
    pub fn reply(&self) -> HttpReply {
        match self.notification.version() {
            ApiVersion::V2 => reply::v2_success(),
            ApiVersion::V3 => reply::v3_success(),
        }
    }
}

/// A refused request: the error, and the version and merchant when they were decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct Rejection {
    error: Error,
    version: Option<ApiVersion>,
    label: Option<String>,
}

impl Rejection {
    /// The error (its `code()` is one of the stable error codes).
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The version, if it could be decided.
    pub fn version(&self) -> Option<ApiVersion> {
        self.version
    }

    /// The merchant's label, if one was chosen before the request failed.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The failure reply: v2 → [`reply::v2_fail`] (200 with the XML FAIL reply, WeChat Pay
    /// retries; 500 for `invalid_config` / `internal`); v3 → 4xx/5xx ([`reply::v3_status`]) with
    /// the JSON FAIL body; undecided → the v2 FAIL reply with status 400. Every refusal carries the same message ([`reply::REFUSAL_MESSAGE`]): the code is for
    /// the application's logs, not for the caller.
    pub fn reply(&self) -> HttpReply {
        match self.version {
            Some(ApiVersion::V3) => reply::v3_fail(&self.error),
            Some(ApiVersion::V2) => reply::v2_fail(&self.error),
            None => HttpReply {
                status: 400,
                ..reply::v2_http(reply::REFUSAL.to_owned())
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SignType;

    const KEY_A: &str = "192006250b4c09247ec02edce69f6a2d";
    const KEY_B: &str = "0123456789abcdefghijklmnopqrstuv";

    fn v2(key: &str, mch: &str) -> Verifier {
        Verifier::new(key, SignType::Md5)
            .unwrap()
            .expect_mch_id(mch)
    }

    #[test]
    fn configuration_rules() {
        let code = |r: Result<Endpoint, Error>| r.err().map(|e| e.code());
        assert_eq!(code(Endpoint::new([])), Some("invalid_config"));
        assert_eq!(
            code(Endpoint::new([MerchantProfile::new("a")])),
            Some("invalid_config")
        );
        let no_mch = MerchantProfile::new("a").v2(Verifier::new(KEY_A, SignType::Md5).unwrap());
        assert_eq!(no_mch.unwrap_err().code(), "invalid_config");
        let a = MerchantProfile::new("a").v2(v2(KEY_A, "1")).unwrap();
        let b = MerchantProfile::new("b").v2(v2(KEY_B, "1")).unwrap();
        assert_eq!(code(Endpoint::new([a.clone(), b])), Some("invalid_config"));
        let a2 = MerchantProfile::new("a").v2(v2(KEY_B, "2")).unwrap();
        assert_eq!(code(Endpoint::new([a.clone(), a2])), Some("invalid_config"));
        let c = MerchantProfile::new("c").v2(v2(KEY_B, "2")).unwrap();
        let e = Endpoint::new([a, c]).unwrap();
        assert_eq!(e.labels().collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn internal_errors_reply_500_in_the_request_version() {
        let mut h = V3Headers::new();
        assert_eq!(ApiVersion::of_request(&h), ApiVersion::V2);
        h.insert("wechatpay-signature", "x");
        assert_eq!(ApiVersion::of_request(&h), ApiVersion::V3);
        let v2 = ApiVersion::V2.internal_error_reply();
        assert_eq!((v2.status, v2.body.as_str()), (500, reply::REFUSAL));
        let v3 = ApiVersion::V3.internal_error_reply();
        assert_eq!((v3.status, v3.body.as_str()), (500, reply::V3_REFUSAL));
    }

    #[test]
    fn a_v3_only_profile_without_a_merchant_id_keeps_its_v3_part() {
        let v3 = || {
            let mut v = V3Verifier::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb").unwrap();
            v.add_public_key(
                "PUB_KEY_ID_0114232134912410000000000000",
                include_str!("../../../tests/vectors/keys/pubkey-a-public.pem"),
            )
            .unwrap();
            v
        };
        let keyless = V3Verifier::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb").unwrap();
        let refused = Endpoint::new([MerchantProfile::new("a").v3(keyless)]).unwrap_err();
        assert_eq!(refused.code(), "invalid_config");
        assert!(refused.message().contains("no WeChat Pay key is trusted"));
        let e = Endpoint::new([MerchantProfile::new("a").v3(v3())]).unwrap();
        assert!(e.profiles[0].v3.is_some());
        assert!(
            e.profiles[0]
                .v3
                .as_ref()
                .unwrap()
                .expected_mch_ids()
                .is_empty()
        );
        let bound = Endpoint::new([MerchantProfile::new("a").mch_id("1").v3(v3())]).unwrap();
        assert_eq!(
            bound.profiles[0].v3.as_ref().unwrap().expected_mch_ids(),
            ["1"]
        );
    }

    #[test]
    fn undecidable_bodies_get_the_v2_fail_reply_with_400() {
        let e = Endpoint::new([MerchantProfile::new("a").v2(v2(KEY_A, "1")).unwrap()]).unwrap();
        let r = e.handle(&V3Headers::new(), b"{\"id\":1}", 0).unwrap_err();
        assert_eq!(r.version(), None);
        assert_eq!(r.error().code(), "malformed_xml");
        let reply = r.reply();
        assert_eq!(reply.status, 400);
        assert_eq!(reply.content_type, Some("text/xml"));
        assert_eq!(reply.body, crate::reply::REFUSAL);
    }
}
