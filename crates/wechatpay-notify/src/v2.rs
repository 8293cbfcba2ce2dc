//! v2 (XML) payment and refund notifications: the verifier and its results.

use aes::Aes256;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use zeroize::Zeroizing;

use crate::error::excerpt;
use crate::error::{Error, ErrorKind};
use crate::settings::SettingValue;
use crate::sign::{ApiKey, SignType, compute};
use crate::view::typed_view;
use crate::xml::{Fields, parse_flat};

/// The default `max_body_bytes`: 64 KiB (real notifications are about 1 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 65_536;

/// Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key.
///
/// Secure by default: the algorithm is pinned by configuration (never chosen by the message), the
/// signature is compared in constant time, and the body is size-limited before it is parsed.
/// `Verifier` is `Send + Sync`; share one across threads.
#[derive(Clone)]
pub struct Verifier {
    key: ApiKey,
    sign_type: SignType,
    also_accept: Vec<SignType>,
    appid: Option<String>,
    mch_id: Option<String>,
    max_body_bytes: usize,
    /// The refund AES key (lowercase hex MD5 of the API key), derived once. Boxed, so that moving
    /// the verifier moves a pointer, never a copy of the key that nobody wipes.
    refund_key: Zeroizing<Box<[u8]>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key and the derived refund key are secrets: never printed.
        f.debug_struct("Verifier")
            .field("api_key", &"<redacted>")
            .field("sign_type", &self.sign_type)
            .field("also_accept", &self.also_accept)
            .field("appid", &self.appid)
            .field("mch_id", &self.mch_id)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Verifier {
    /// A verifier for `api_key` (32 printable ASCII characters) using `sign_type` only.
    pub fn new(api_key: impl AsRef<[u8]>, sign_type: SignType) -> Result<Verifier, Error> {
        let key = ApiKey::new(api_key)?;
        let refund_key = refund_key(&key);
        Ok(Verifier {
            key,
            sign_type,
            also_accept: Vec::new(),
            appid: None,
            mch_id: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            refund_key,
        })
    }

    /// Requires `appid` to equal `appid` (else `merchant_mismatch`).
    pub fn expect_appid(mut self, appid: impl Into<String>) -> Verifier {
        self.appid = Some(appid.into());
        self
    }

    /// Requires `mch_id` to equal `mch_id` (else `merchant_mismatch`).
    pub fn expect_mch_id(mut self, mch_id: impl Into<String>) -> Verifier {
        self.mch_id = Some(mch_id.into());
        self
    }

    /// Explicit opt-in (for a migration between algorithms): also accept signatures made with
    /// `sign_type`. Without it, a message signed with another algorithm is rejected.
    pub fn also_accept(mut self, sign_type: SignType) -> Verifier {
        if sign_type != self.sign_type && !self.also_accept.contains(&sign_type) {
            self.also_accept.push(sign_type);
        }
        self
    }

    /// Bodies longer than `limit` bytes are rejected (`body_too_large`) before parsing.
    pub fn max_body_bytes(mut self, limit: usize) -> Verifier {
        self.max_body_bytes = limit;
        self
    }

    /// The configured algorithm.
    pub fn sign_type(&self) -> SignType {
        self.sign_type
    }

    /// The algorithms accepted besides [`Verifier::sign_type`] (see [`Verifier::also_accept`]).
    pub fn also_accepted(&self) -> &[SignType] {
        &self.also_accept
    }

    /// The `appid` required by [`Verifier::expect_appid`], if any.
    pub fn expected_appid(&self) -> Option<&str> {
        self.appid.as_deref()
    }

    /// The `mch_id` required by [`Verifier::expect_mch_id`], if any.
    pub fn expected_mch_id(&self) -> Option<&str> {
        self.mch_id.as_deref()
    }

    /// The body size limit set by [`Verifier::max_body_bytes`].
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// The settings a verifier is configured with ([`crate::settings::V2_VERIFIER`]).
    pub const SETTINGS: crate::settings::Settings = crate::settings::V2_VERIFIER;

    /// The value of the setting `name` (its declaration in [`Verifier::SETTINGS`]); `None` for
    /// the API key, which is never read back, and for a name that is not declared.
    pub fn setting(&self, name: &str) -> Option<SettingValue<'_>> {
        Some(match name {
            "sign_type" => SettingValue::SignType(self.sign_type),
            "appid" => SettingValue::Text(self.appid.as_deref()),
            "mch_id" => SettingValue::Text(self.mch_id.as_deref()),
            "also_accept" => SettingValue::SignTypes(&self.also_accept),
            "max_body_bytes" => SettingValue::Number(self.max_body_bytes as u64),
            _ => return None,
        })
    }

    /// Orders verifiers by their API key, without copying it (the endpoint's duplicate-key check).
    pub(crate) fn api_key_cmp(&self, other: &Verifier) -> std::cmp::Ordering {
        self.key.bytes().cmp(other.key.bytes())
    }

    fn accepts(&self, t: SignType) -> bool {
        t == self.sign_type || self.also_accept.contains(&t)
    }

    fn parse(&self, body: &[u8]) -> Result<Fields, Error> {
        crate::check_body_size(body, self.max_body_bytes)?;
        check_return_code(parse_flat(body, "xml")?)
    }

    /// [`Verifier::verify_payment`] of a body already size-checked against this verifier's limit
    /// and parsed by the same reader (the endpoint parses each v2 body once, to route it).
    pub(crate) fn verify_payment_fields(
        &self,
        fields: Fields,
    ) -> Result<PaymentNotification, Error> {
        self.verify_parsed_payment(check_return_code(fields)?)
    }

    /// [`Verifier::decrypt_refund`] of a body already size-checked and parsed (see
    /// [`Verifier::verify_payment_fields`]).
    pub(crate) fn decrypt_refund_fields(
        &self,
        fields: Fields,
    ) -> Result<RefundNotification, Error> {
        self.decrypt_parsed_refund(check_return_code(fields)?)
    }
}

/// `return_code` must be `SUCCESS` (a `FAIL` notice is never signed).
fn check_return_code(fields: Fields) -> Result<Fields, Error> {
    match fields.get("return_code") {
        None => return Err(Error::missing_field("return_code is missing")),
        Some("SUCCESS") => {}
        Some(other) => {
            return Err(Error::new(
                ErrorKind::ReturnCodeFail,
                format!(
                    "return_code is {:?}, not SUCCESS (such notices carry no signature)",
                    excerpt(other)
                ),
            ));
        }
    }
    Ok(fields)
}

impl Verifier {
    fn check_merchant(&self, fields: &Fields) -> Result<(), Error> {
        for (name, expected) in [("appid", &self.appid), ("mch_id", &self.mch_id)] {
            if let Some(expected) = expected
                && fields.get(name) != Some(expected.as_str())
            {
                return Err(Error::new(
                    ErrorKind::MerchantMismatch,
                    format!("{name} is not the configured one"),
                ));
            }
        }
        Ok(())
    }

    /// Verifies a payment result notification (the raw POST body).
    pub fn verify_payment(&self, body: &[u8]) -> Result<PaymentNotification, Error> {
        self.verify_parsed_payment(self.parse(body)?)
    }

    fn verify_parsed_payment(&self, fields: Fields) -> Result<PaymentNotification, Error> {
        let received = match fields.get("sign") {
            Some(s) if !s.is_empty() => s,
            // A refund notification carries req_info instead of sign: say where it belongs.
            _ if fields.get("req_info").is_some() => {
                return Err(Error::new(
                    ErrorKind::MissingSignature,
                    "this is a refund notification (req_info), which has no sign: \
                     use decrypt_refund or the Endpoint",
                ));
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::MissingSignature,
                    "the notification has no sign",
                ));
            }
        };
        let named = match fields.get("sign_type") {
            None | Some("") => None,
            Some(named) => match SignType::parse(named) {
                Ok(t) if self.accepts(t) => Some(t),
                _ => {
                    return Err(Error::new(
                        ErrorKind::SignTypeMismatch,
                        format!(
                            "sign_type {:?} is not accepted: this verifier uses {}{}",
                            excerpt(named),
                            self.sign_type,
                            if self.also_accept.is_empty() {
                                ""
                            } else {
                                " (and its also_accept list)"
                            }
                        ),
                    ));
                }
            },
        };
        let verifies = |t: SignType| compute(&fields, &self.key, t).matches(received);
        let used = match named {
            // A (signed) sign_type names the one algorithm to check.
            Some(t) => verifies(t).then_some(t),
            None => std::iter::once(self.sign_type)
                .chain(self.also_accept.iter().copied())
                .find(|t| verifies(*t)),
        }
        .ok_or_else(|| {
            Error::new(
                ErrorKind::SignatureMismatch,
                "the signature does not verify with the configured key and algorithm",
            )
        })?;
        self.check_merchant(&fields)?;
        check_identifies_payment(&fields)?;
        Ok(PaymentNotification::new(fields, used))
    }

    /// Decrypts and checks a refund result notification (the raw POST body).
    ///
    /// The checks (strict base64, whole blocks, strict PKCS#7, UTF-8, a well-formed inner
    /// document with the identifying fields, the merchant) reject garbage and wrong keys, but
    /// ECB cannot detect recombined blocks: see [`RefundNotification`], and confirm a refund with
    /// the refund query API before any irreversible action.
    pub fn decrypt_refund(&self, body: &[u8]) -> Result<RefundNotification, Error> {
        self.decrypt_parsed_refund(self.parse(body)?)
    }

    fn decrypt_parsed_refund(&self, fields: Fields) -> Result<RefundNotification, Error> {
        let req_info = match fields.get("req_info") {
            Some(s) if !s.is_empty() => s,
            _ if fields.get("sign").is_some() => {
                return Err(Error::missing_field(
                    "req_info is missing: this looks like a payment notification (it has a sign): \
                     use verify_payment or the Endpoint",
                ));
            }
            _ => return Err(Error::missing_field("req_info is missing")),
        };
        let plaintext = decrypt_req_info(req_info, &self.refund_key)?;
        let req_info = parse_flat(&plaintext, "root").map_err(|e| {
            Error::decrypt_failed(format!(
                "req_info did not decrypt to a well-formed <root> document ({})",
                e.code()
            ))
        })?;
        self.check_merchant(&fields)?;
        require(&req_info, REFUND_IDENTITY, "the refund's req_info")?;
        let dedupe_key =
            crate::dedupe::refund_key(req_info.get("refund_id"), req_info.get("refund_status"));
        Ok(RefundNotification {
            fields,
            req_info,
            dedupe_key,
        })
    }
}

/// A successful payment must say which payment it is. Values may contain `&`, so a captured
/// genuine notification can be rewritten to hide `&transaction_id=…` inside another value (say
/// `trade_type`) without changing the string to sign: it still verifies, with `transaction_id`,
/// and so `dedupe_key`, gone; the same trick erases `total_fee`. Other signed messages (a
/// unifiedorder response) must not pass as payments either.
fn check_identifies_payment(fields: &Fields) -> Result<(), Error> {
    if fields.get("result_code") != Some("SUCCESS") {
        return Ok(());
    }
    require(
        fields,
        &["transaction_id", "out_trade_no"],
        "a successful payment",
    )?;
    if fields.get("total_fee").and_then(parse_amount).is_none() {
        return Err(Error::missing_field(
            "a successful payment must carry total_fee as an amount in fen (digits only)",
        ));
    }
    Ok(())
}

/// The fields that identify a refund; an empty `<root/>` must not pass.
const REFUND_IDENTITY: &[&str] = &[
    "transaction_id",
    "out_trade_no",
    "refund_id",
    "out_refund_no",
    "refund_fee",
    "refund_status",
];

/// Each of `names` must be present and non-empty in `fields` (else `missing_field`).
fn require(fields: &Fields, names: &[&str], what: &str) -> Result<(), Error> {
    match names
        .iter()
        .find(|n| fields.get(n).is_none_or(str::is_empty))
    {
        Some(name) => Err(Error::missing_field(format!(
            "{what} must carry a non-empty {name}"
        ))),
        None => Ok(()),
    }
}

/// The `req_info` of a refund notification as WeChat Pay makes it: the fields as a `<root>`
/// document, PKCS#7-padded, AES-256-ECB with the lowercase hex MD5 of `api_key`, base64. For
/// simulations and tests of one's own endpoint (the mirror of [`Verifier::decrypt_refund`]).
pub fn encrypt_req_info<I, K, V>(fields: I, api_key: impl AsRef<[u8]>) -> Result<String, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let key = ApiKey::new(api_key)?;
    let fields = Fields::from_pairs(fields)?;
    let mut plain = String::from("<root>");
    for (k, v) in fields.iter() {
        plain.push_str(&format!("<{k}>{}</{k}>", crate::sign::cdata(v)));
    }
    plain.push_str("</root>");
    let mut buf = Zeroizing::new(plain.into_bytes());
    let pad = 16 - buf.len() % 16;
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    let refund_key = refund_key(&key);
    let mut enc = ecb::Encryptor::<Aes256>::new_from_slice(&refund_key)
        .map_err(|_| Error::new(ErrorKind::Internal, "the refund key is not 32 bytes"))?;
    for block in buf.chunks_exact_mut(16) {
        let block: &mut [u8; 16] = block
            .try_into()
            .map_err(|_| Error::new(ErrorKind::Internal, "block split"))?;
        enc.encrypt_block(block.into());
    }
    Ok(STANDARD.encode(&buf[..]))
}

/// The refund AES key: the 32 ASCII characters of the lowercase hex MD5 of the API key.
fn refund_key(key: &ApiKey) -> Zeroizing<Box<[u8]>> {
    let mut refund_key = Zeroizing::new(vec![0u8; 32].into_boxed_slice());
    let digest = Md5::digest(key.bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in digest.iter().enumerate() {
        refund_key[2 * i] = HEX[(b >> 4) as usize];
        refund_key[2 * i + 1] = HEX[(b & 15) as usize];
    }
    refund_key
}

/// Strict base64 → AES-256-ECB → strict PKCS#7 → UTF-8 (checked by the XML reader).
fn decrypt_req_info(b64: &str, key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut buf = Zeroizing::new(
        STANDARD
            .decode(b64)
            .map_err(|_| Error::decrypt_failed("req_info is not canonical base64"))?,
    );
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(Error::decrypt_failed(
            "req_info is not a whole number of AES blocks",
        ));
    }
    let mut dec = ecb::Decryptor::<Aes256>::new_from_slice(key)
        .map_err(|_| Error::new(ErrorKind::Internal, "the refund key is not 32 bytes"))?;
    for block in buf.chunks_exact_mut(16) {
        let block: &mut [u8; 16] = block
            .try_into()
            .map_err(|_| Error::new(ErrorKind::Internal, "block split"))?;
        dec.decrypt_block(block.into());
    }
    let pad = buf[buf.len() - 1] as usize;
    if pad == 0 || pad > 16 || !buf[buf.len() - pad..].iter().all(|&b| b as usize == pad) {
        return Err(Error::decrypt_failed(
            "req_info has invalid PKCS#7 padding (wrong key or tampered data)",
        ));
    }
    let len = buf.len() - pad;
    buf.truncate(len);
    Ok(buf)
}

/// The rule every typed amount applies to a field value: an amount in fen is ASCII digits only (no
/// sign, no spaces, no decimal point) and fits in a `u64`; anything else is `None`.
pub fn parse_amount(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// One coupon applied to a payment (`coupon_type_$n`, `coupon_id_$n`, `coupon_fee_$n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// `coupon_id_$n`.
    pub id: String,
    /// `coupon_type_$n` (`CASH` / `NO_CASH`), when sent.
    pub coupon_type: Option<String>,
    /// `coupon_fee_$n` in fen, when present.
    pub fee: Option<u64>,
}

/// A verified v2 payment result notification.
///
/// Typed accessors return `None` when a field is absent; an amount present in another form than
/// digits is an error of that accessor. `fields()` always has everything exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentNotification {
    fields: Fields,
    sign_type: SignType,
    dedupe_key: Option<String>,
}

typed_view! {
    PaymentNotification;
    shown [out_trade_no, transaction_id, total_fee, result_code];
    from fields (Fields) {
        /// `appid`.
        text appid,
        /// `mch_id`.
        text mch_id,
        /// `sub_appid` (service-provider mode).
        text sub_appid,
        /// `sub_mch_id` (service-provider mode).
        text sub_mch_id,
        /// `device_info`.
        text device_info,
        /// `nonce_str`.
        text nonce_str,
        /// `result_code` (`SUCCESS` / `FAIL`).
        text result_code,
        /// `err_code`.
        text err_code,
        /// `err_code_des`.
        text err_code_des,
        /// `openid`.
        text openid,
        /// `is_subscribe`.
        text is_subscribe,
        /// `trade_type`.
        text trade_type,
        /// `bank_type`.
        text bank_type,
        /// `fee_type`.
        text fee_type,
        /// `cash_fee_type`.
        text cash_fee_type,
        /// `transaction_id`.
        text transaction_id,
        /// `out_trade_no`.
        text out_trade_no,
        /// `attach`.
        text attach,
        /// `time_end` (`yyyyMMddHHmmss`, Beijing time).
        text time_end,
        /// `total_fee` in fen: compare it with your order before fulfilling it.
        amount total_fee,
        /// `settlement_total_fee` in fen.
        amount settlement_total_fee,
        /// `cash_fee` in fen.
        amount cash_fee,
        /// `coupon_fee` in fen.
        amount coupon_fee,
        /// `coupon_count`: how many coupons the payment used.
        amount coupon_count,
    }
    rules {
        /// The algorithm the signature verified with (`MD5` / `HMAC-SHA256`).
        sign_type: SignType = |n| n.sign_type,
        /// `return_code` and `result_code` are both `SUCCESS`: the payment succeeded. Acknowledge a
        /// verified notification with the success reply even when this is false.
        is_success: Bool = |n| n.fields.get("return_code") == Some("SUCCESS")
            && n.fields.get("result_code") == Some("SUCCESS"),
        /// The idempotency key (record each notification once per key): `transaction_id`
        /// when the payment succeeded (the same as its APIv3 delivery's), else
        /// `transaction_id:RESULT_CODE` (e.g. `4200000001:FAIL`), so a later success is not
        /// swallowed by an earlier failure; `None` without a `transaction_id`.
        dedupe_key: Text = |n| n.dedupe_key.as_deref(),
        /// The coupons `0..coupon_count` from `coupon_{type,id,fee}_$n`: an index without a
        /// `coupon_id_$n` is skipped, indices at or past `coupon_count` are ignored. A count or fee
        /// present in another form than digits is an error (`missing_field`).
        coupons: Coupons = |n| n.list_coupons(),
    }
}

impl PaymentNotification {
    fn new(fields: Fields, sign_type: SignType) -> PaymentNotification {
        let success = fields.get("return_code") == Some("SUCCESS")
            && fields.get("result_code") == Some("SUCCESS");
        let dedupe_key = crate::dedupe::payment_key(
            fields.get("transaction_id"),
            success,
            fields.get("result_code").unwrap_or(""),
        );
        PaymentNotification {
            fields,
            sign_type,
            dedupe_key,
        }
    }

    /// Every child element exactly as received, in document order (`sign` and empty ones included).
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The rule of [`PaymentNotification::coupons`].
    fn list_coupons(&self) -> Result<Vec<Coupon>, Error> {
        use std::fmt::Write as _;
        let count = self
            .coupon_count()?
            .unwrap_or(0)
            .min(self.fields.len() as u64);
        let mut name = String::with_capacity(24);
        let mut field = |prefix: &str, n: u64| {
            name.clear();
            let _ = write!(name, "{prefix}{n}");
            self.fields.get(&name)
        };
        let mut coupons = Vec::new();
        for n in 0..count {
            let Some(id) = field("coupon_id_", n) else {
                continue;
            };
            let coupon_type = field("coupon_type_", n).map(str::to_owned);
            let fee = crate::view::text_amount("coupon_fee_$n", field("coupon_fee_", n))?;
            coupons.push(Coupon {
                id: id.to_owned(),
                coupon_type,
                fee,
            });
        }
        Ok(coupons)
    }
}

/// A decrypted v2 refund result notification.
///
/// **What a refund notification proves, and what it does not.** `req_info` is AES-256-ECB without
/// integrity: blocks of two genuine refund notifications of the same merchant can be cut and
/// pasted into a third that passes every check here (e.g. one refund's `out_refund_no` with
/// another's `refund_fee` and `refund_status`). Treat a refund notification as a hint: confirm the
/// refund with the refund query API before any irreversible action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNotification {
    fields: Fields,
    req_info: Fields,
    dedupe_key: Option<String>,
}

typed_view! {
    RefundNotification;
    shown [out_refund_no, refund_id, refund_fee, refund_status];
    from fields (Fields) {
        /// `appid` of the outer document.
        text appid,
        /// `mch_id` of the outer document.
        text mch_id,
    }
    from req_info (ReqInfo) {
        /// `transaction_id` of the decrypted `req_info`.
        text transaction_id,
        /// `out_trade_no` of the decrypted `req_info`.
        text out_trade_no,
        /// `refund_id` of the decrypted `req_info`.
        text refund_id,
        /// `out_refund_no` of the decrypted `req_info`.
        text out_refund_no,
        /// `refund_status` of the decrypted `req_info` (`SUCCESS` / `CHANGE` / `REFUNDCLOSE`).
        text refund_status,
        /// `success_time` of the decrypted `req_info` (`yyyy-MM-dd HH:mm:ss`).
        text success_time,
        /// `refund_recv_accout` of the decrypted `req_info` (WeChat's spelling).
        text refund_recv_accout,
        /// `refund_account` of the decrypted `req_info`.
        text refund_account,
        /// `refund_request_source` of the decrypted `req_info`.
        text refund_request_source,
        /// `total_fee` of the decrypted `req_info`, in fen.
        amount total_fee,
        /// `refund_fee` of the decrypted `req_info`, in fen.
        amount refund_fee,
        /// `settlement_total_fee` of the decrypted `req_info`, in fen.
        amount settlement_total_fee,
        /// `settlement_refund_fee` of the decrypted `req_info`, in fen.
        amount settlement_refund_fee,
    }
    rules {
        /// `refund_status` is `SUCCESS`.
        is_success: Bool = |n| n.refund_status() == Some("SUCCESS"),
        /// The idempotency key (record each notification once per key):
        /// `refund_id:STATUS` with the status in APIv3's words (`CHANGE` → `ABNORMAL`,
        /// `REFUNDCLOSE` → `CLOSED`), so an `ABNORMAL` delivery does not swallow the later
        /// `SUCCESS` and the v2 and APIv3 deliveries of one state share a key. A refund's state
        /// only moves forward (`ABNORMAL` → `SUCCESS` or `CLOSED`): never record it back. `None`
        /// without a `refund_id`.
        dedupe_key: Text = |n| n.dedupe_key.as_deref(),
    }
}

impl RefundNotification {
    /// The outer document's fields exactly as received (`req_info` still encrypted).
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The decrypted `req_info` document's fields, in document order.
    pub fn req_info(&self) -> &Fields {
        &self.req_info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_aes_256_ecb_vector() {
        // wechatpay-php test suite: AES-256-ECB/PKCS#7("hello", "0123456789abcdef0123456789abcdef").
        let key = b"0123456789abcdef0123456789abcdef";
        let plain = decrypt_req_info("pZwJZBLuy3mDACEQT4YTBw==", key).unwrap();
        assert_eq!(&plain[..], b"hello");
        for bad in [
            "pZwJZBLuy3mDACEQT4YTBw",
            "pZwJZBLuy3mDACEQT4YTBw==\n",
            "",
            "AAAA",
        ] {
            assert_eq!(
                decrypt_req_info(bad, key).unwrap_err().code(),
                "decrypt_failed"
            );
        }
    }

    #[test]
    fn encrypted_req_info_decrypts() {
        let key = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";
        let inner = [
            ("transaction_id", "4200"),
            ("out_trade_no", "A1"),
            ("refund_id", "5000"),
            ("out_refund_no", "R1"),
            ("refund_fee", "1"),
            ("refund_status", "SUCCESS"),
        ];
        let req_info = encrypt_req_info(inner, key).unwrap();
        let body =
            format!("<xml><return_code>SUCCESS</return_code><req_info>{req_info}</req_info></xml>");
        let v = Verifier::new(key, SignType::Md5).unwrap();
        let n = v.decrypt_refund(body.as_bytes()).unwrap();
        assert_eq!(n.req_info().to_vec().len(), inner.len());
        assert_eq!(n.refund_id(), Some("5000"));
    }

    #[test]
    fn refund_key_is_md5_hex_of_the_api_key() {
        let v = Verifier::new("2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv", SignType::Md5).unwrap();
        assert_eq!(&v.refund_key[..], b"5c9da18c63a9a89d9ed659de9f37dd21");
    }

    #[test]
    fn debug_never_shows_keys() {
        let key = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";
        let v = Verifier::new(key, SignType::Md5).unwrap();
        let dbg = format!("{v:?}");
        assert!(!dbg.contains(key));
        assert!(!dbg.contains("5c9da18c"));
    }

    #[test]
    fn a_notification_sent_to_the_wrong_method_says_which_one_it_needs() {
        let v = Verifier::new("0123456789abcdef0123456789abcdef", SignType::Md5).unwrap();
        let refund = b"<xml><return_code>SUCCESS</return_code><req_info>AA==</req_info></xml>";
        let e = v.verify_payment(refund).unwrap_err();
        assert_eq!(e.code(), "missing_signature");
        assert!(
            e.message().contains("use decrypt_refund"),
            "{}",
            e.message()
        );
        let payment = b"<xml><return_code>SUCCESS</return_code><sign>AB</sign></xml>";
        let e = v.decrypt_refund(payment).unwrap_err();
        assert_eq!(e.code(), "missing_field");
        assert!(
            e.message().contains("use verify_payment"),
            "{}",
            e.message()
        );
    }
}
