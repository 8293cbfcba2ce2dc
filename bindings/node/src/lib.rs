//! Node.js addon for `wechatpay-notify` (napi-rs).
//!
//! This crate only converts: JS arguments into core calls (napi-rs's own conversions are the type
//! checks), core results into plain JS objects (`#[napi(object)]` structs filled from the core's
//! accessors), and core errors into JS errors whose `code` is the SPEC §3 string
//! ([`NapiErrorExt`]). Every protocol rule lives in `wechatpay-notify`. The package's `main`
//! (`notify.js`) re-throws coded errors as `NotifyError` and failed argument conversions as
//! `TypeError`.

use std::collections::BTreeMap;

use napi::bindgen_prelude::{Array, BigInt, Either, JsObjectValue, Object};
use napi::{Env, Property};
use napi_derive::napi;
use wechatpay_notify::{self as core, Fields, SignType};

/// The JS `Error.code` of a thrown error: a SPEC §3 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Results of exported functions: errors carry a SPEC §3 code.
pub type Result<T> = napi::Result<T, Code>;

/// Maps errors to JS errors, in one place: core errors keep their SPEC §3 code; a Node-API failure
/// while building a result (which only happens when the engine itself fails, e.g. out of memory)
/// is `internal`.
pub trait NapiErrorExt<T> {
    /// Converts the error into a napi error whose JS `code` is a SPEC §3 string.
    fn napi(self) -> Result<T>;
}

impl<T> NapiErrorExt<T> for std::result::Result<T, core::Error> {
    fn napi(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(Code(e.code()), e.message()))
    }
}

impl<T> NapiErrorExt<T> for napi::Result<T> {
    fn napi(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(Code(core::ErrorKind::Internal.code()), e.reason.clone()))
    }
}

/// Options of `new NativeVerifier(options)` (the package's `Verifier` passes its options here).
#[napi(object, object_to_js = false)]
pub struct VerifierOptions {
    /// The v2 API key: 32 printable ASCII characters.
    pub api_key: String,
    /// `"MD5"` or `"HMAC-SHA256"`: the only algorithm accepted unless `alsoAccept` says otherwise.
    pub sign_type: String,
    /// When set, `appid` must equal it (else `merchant_mismatch`).
    pub appid: Option<String>,
    /// When set, `mch_id` must equal it (else `merchant_mismatch`).
    pub mch_id: Option<String>,
    /// Further algorithms to accept (explicit opt-in, for migrations).
    pub also_accept: Option<Vec<String>>,
    /// Bodies longer than this many bytes are rejected before parsing (default 65536).
    pub max_body_bytes: Option<f64>,
}

/// Converts a JS number into a byte limit: a non-negative integer (exact below 2^53), else
/// `invalid_config`.
pub fn body_limit(value: f64) -> std::result::Result<usize, core::Error> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER as f64
    {
        Ok(value as usize)
    } else {
        Err(core::Error::new(
            core::ErrorKind::InvalidConfig,
            "maxBodyBytes must be a non-negative integer",
        ))
    }
}

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Converts a core amount (`u64` fen) into an exact JS value: a number up to
/// `Number.MAX_SAFE_INTEGER`, a bigint beyond it, so no amount is ever rounded. (Spelled out as
/// `Either<i64, BigInt>` in the structs below: napi-rs types a field from its own type, not from a
/// Rust alias.)
pub fn amount(value: Option<u64>) -> Option<Either<i64, BigInt>> {
    value.map(|v| match i64::try_from(v) {
        Ok(small) if v <= MAX_SAFE_INTEGER => Either::A(small),
        _ => Either::B(BigInt::from(v)),
    })
}

/// One coupon applied to a payment (`coupon_{id,type,fee}_$n`).
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Coupon {
    /// `coupon_id_$n`.
    pub id: String,
    /// `coupon_type_$n` (`CASH` / `NO_CASH`), when sent.
    pub coupon_type: Option<String>,
    /// `coupon_fee_$n` in fen, when it is a valid amount.
    pub fee: Option<Either<i64, BigInt>>,
}

/// A verified v2 payment result notification (a plain object). Typed properties are `null` when
/// the field is absent (amounts also when not all digits; the text is still in `fields`).
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct PaymentNotification<'env> {
    /// Every child element exactly as received (`sign` and empty elements included), by name.
    /// Keys follow document order except that JS lists integer-like names (`"10"`) first: use
    /// `fieldList` when the exact order matters.
    #[napi(ts_type = "Record<string, string>")]
    pub fields: Object<'env>,
    /// Every child element as `[name, value]` pairs in exact document order.
    #[napi(ts_type = "Array<[name: string, value: string]>")]
    pub field_list: Array<'env>,
    /// The algorithm the signature verified with.
    #[napi(ts_type = "'MD5' | 'HMAC-SHA256'")]
    pub sign_type: &'static str,
    /// `return_code` and `result_code` are both `SUCCESS`: the payment succeeded.
    pub is_success: bool,
    /// The idempotency key: `transaction_id`.
    pub dedupe_key: Option<String>,
    /// `appid`.
    pub appid: Option<String>,
    /// `mch_id`.
    pub mch_id: Option<String>,
    /// `sub_appid` (service-provider mode).
    pub sub_appid: Option<String>,
    /// `sub_mch_id` (service-provider mode).
    pub sub_mch_id: Option<String>,
    /// `device_info`.
    pub device_info: Option<String>,
    /// `nonce_str`.
    pub nonce_str: Option<String>,
    /// `result_code` (`SUCCESS` / `FAIL`).
    pub result_code: Option<String>,
    /// `err_code`.
    pub err_code: Option<String>,
    /// `err_code_des`.
    pub err_code_des: Option<String>,
    /// `openid`.
    pub openid: Option<String>,
    /// `is_subscribe`.
    pub is_subscribe: Option<String>,
    /// `trade_type`.
    pub trade_type: Option<String>,
    /// `bank_type`.
    pub bank_type: Option<String>,
    /// `fee_type`.
    pub fee_type: Option<String>,
    /// `cash_fee_type`.
    pub cash_fee_type: Option<String>,
    /// `transaction_id`.
    pub transaction_id: Option<String>,
    /// `out_trade_no`.
    pub out_trade_no: Option<String>,
    /// `attach`.
    pub attach: Option<String>,
    /// `time_end` (`yyyyMMddHHmmss`, Beijing time).
    pub time_end: Option<String>,
    /// `total_fee` in fen.
    pub total_fee: Option<Either<i64, BigInt>>,
    /// `settlement_total_fee` in fen.
    pub settlement_total_fee: Option<Either<i64, BigInt>>,
    /// `cash_fee` in fen.
    pub cash_fee: Option<Either<i64, BigInt>>,
    /// `coupon_fee` in fen.
    pub coupon_fee: Option<Either<i64, BigInt>>,
    /// `coupon_count`.
    pub coupon_count: Option<Either<i64, BigInt>>,
    /// The coupons `0..coupon_count` from `coupon_{id,type,fee}_$n`.
    pub coupons: Vec<Coupon>,
}

/// A decrypted v2 refund result notification (a plain object). `req_info` is AES-256-ECB without
/// integrity: treat it as a hint and confirm the refund with the refund query API.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct RefundNotification<'env> {
    /// The outer document's fields exactly as received (`req_info` still encrypted), by name.
    #[napi(ts_type = "Record<string, string>")]
    pub fields: Object<'env>,
    /// The outer document's fields as `[name, value]` pairs in exact document order.
    #[napi(ts_type = "Array<[name: string, value: string]>")]
    pub field_list: Array<'env>,
    /// The decrypted `req_info` document's fields, by name.
    #[napi(ts_type = "Record<string, string>")]
    pub req_info: Object<'env>,
    /// The decrypted `req_info` document's fields as `[name, value]` pairs in document order.
    #[napi(ts_type = "Array<[name: string, value: string]>")]
    pub req_info_list: Array<'env>,
    /// `refund_status` is `SUCCESS`.
    pub is_success: bool,
    /// The idempotency key: `refund_id`.
    pub dedupe_key: Option<String>,
    /// Outer `appid`.
    pub appid: Option<String>,
    /// Outer `mch_id`.
    pub mch_id: Option<String>,
    /// `transaction_id`.
    pub transaction_id: Option<String>,
    /// `out_trade_no`.
    pub out_trade_no: Option<String>,
    /// `refund_id`.
    pub refund_id: Option<String>,
    /// `out_refund_no`.
    pub out_refund_no: Option<String>,
    /// `refund_status` (`SUCCESS` / `CHANGE` / `REFUNDCLOSE`).
    pub refund_status: Option<String>,
    /// `success_time` (`yyyy-MM-dd HH:mm:ss`).
    pub success_time: Option<String>,
    /// `refund_recv_accout` (WeChat's spelling).
    pub refund_recv_accout: Option<String>,
    /// `refund_account`.
    pub refund_account: Option<String>,
    /// `refund_request_source`.
    pub refund_request_source: Option<String>,
    /// `total_fee` in fen.
    pub total_fee: Option<Either<i64, BigInt>>,
    /// `refund_fee` in fen.
    pub refund_fee: Option<Either<i64, BigInt>>,
    /// `settlement_total_fee` in fen.
    pub settlement_total_fee: Option<Either<i64, BigInt>>,
    /// `settlement_refund_fee` in fen.
    pub settlement_refund_fee: Option<Either<i64, BigInt>>,
}

fn text(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

/// A document's fields as JS sees them: an object (by name) and a list of `[name, value]` pairs
/// (exact order), sharing one JS string per name and per value.
///
/// The object's properties are defined (not assigned), so a field named `__proto__` is an own
/// property rather than a change of prototype.
fn field_views<'env>(env: &'env Env, fields: &Fields) -> napi::Result<(Object<'env>, Array<'env>)> {
    let mut object = Object::new(env)?;
    let mut list = env.create_array(fields.len() as u32)?;
    let mut properties = Vec::with_capacity(fields.len());
    for (index, (name, value)) in fields.iter().enumerate() {
        let name = env.create_string(name)?;
        let value = env.create_string(value)?;
        let mut pair = env.create_array(2)?;
        pair.set(0, name)?;
        pair.set(1, value)?;
        list.set(index as u32, pair)?;
        properties.push(Property::new().with_name(env, name)?.with_value(&value));
    }
    object.define_properties(&properties)?;
    Ok((object, list))
}

impl<'env> PaymentNotification<'env> {
    fn new(env: &'env Env, n: &core::PaymentNotification) -> Result<Self> {
        let (fields, field_list) = field_views(env, n.fields()).napi()?;
        Ok(PaymentNotification {
            fields,
            field_list,
            sign_type: n.sign_type().as_str(),
            is_success: n.is_success(),
            dedupe_key: text(n.dedupe_key()),
            appid: text(n.appid()),
            mch_id: text(n.mch_id()),
            sub_appid: text(n.sub_appid()),
            sub_mch_id: text(n.sub_mch_id()),
            device_info: text(n.device_info()),
            nonce_str: text(n.nonce_str()),
            result_code: text(n.result_code()),
            err_code: text(n.err_code()),
            err_code_des: text(n.err_code_des()),
            openid: text(n.openid()),
            is_subscribe: text(n.is_subscribe()),
            trade_type: text(n.trade_type()),
            bank_type: text(n.bank_type()),
            fee_type: text(n.fee_type()),
            cash_fee_type: text(n.cash_fee_type()),
            transaction_id: text(n.transaction_id()),
            out_trade_no: text(n.out_trade_no()),
            attach: text(n.attach()),
            time_end: text(n.time_end()),
            total_fee: amount(n.total_fee()),
            settlement_total_fee: amount(n.settlement_total_fee()),
            cash_fee: amount(n.cash_fee()),
            coupon_fee: amount(n.coupon_fee()),
            coupon_count: amount(n.coupon_count()),
            coupons: n
                .coupons()
                .into_iter()
                .map(|c| Coupon {
                    id: c.id,
                    coupon_type: c.coupon_type,
                    fee: amount(c.fee),
                })
                .collect(),
        })
    }
}

impl<'env> RefundNotification<'env> {
    fn new(env: &'env Env, n: &core::RefundNotification) -> Result<Self> {
        let (fields, field_list) = field_views(env, n.fields()).napi()?;
        let (req_info, req_info_list) = field_views(env, n.req_info()).napi()?;
        Ok(RefundNotification {
            fields,
            field_list,
            req_info,
            req_info_list,
            is_success: n.is_success(),
            dedupe_key: text(n.dedupe_key()),
            appid: text(n.appid()),
            mch_id: text(n.mch_id()),
            transaction_id: text(n.transaction_id()),
            out_trade_no: text(n.out_trade_no()),
            refund_id: text(n.refund_id()),
            out_refund_no: text(n.out_refund_no()),
            refund_status: text(n.refund_status()),
            success_time: text(n.success_time()),
            refund_recv_accout: text(n.refund_recv_accout()),
            refund_account: text(n.refund_account()),
            refund_request_source: text(n.refund_request_source()),
            total_fee: amount(n.total_fee()),
            refund_fee: amount(n.refund_fee()),
            settlement_total_fee: amount(n.settlement_total_fee()),
            settlement_refund_fee: amount(n.settlement_refund_fee()),
        })
    }
}

/// The raw POST body: a `Buffer`/`Uint8Array` (used byte for byte) or a string (its UTF-8 bytes).
fn body_bytes<'a>(body: &'a Either<&'a [u8], String>) -> &'a [u8] {
    match body {
        Either::A(bytes) => bytes,
        Either::B(text) => text.as_bytes(),
    }
}

/// The native verifier; use the package's `Verifier` class instead.
#[napi]
pub struct NativeVerifier {
    inner: core::Verifier,
}

#[napi]
impl NativeVerifier {
    /// Builds a verifier from its options (`invalid_config` when they are unusable).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: VerifierOptions) -> Result<NativeVerifier> {
        let sign_type = SignType::parse(&options.sign_type).napi()?;
        let mut inner = core::Verifier::new(options.api_key.as_bytes(), sign_type).napi()?;
        if let Some(appid) = options.appid {
            inner = inner.expect_appid(appid);
        }
        if let Some(mch_id) = options.mch_id {
            inner = inner.expect_mch_id(mch_id);
        }
        for name in options.also_accept.unwrap_or_default() {
            inner = inner.also_accept(SignType::parse(&name).napi()?);
        }
        if let Some(limit) = options.max_body_bytes {
            inner = inner.max_body_bytes(body_limit(limit).napi()?);
        }
        Ok(NativeVerifier { inner })
    }

    /// Verifies a payment result notification (a `Buffer`/`Uint8Array` used byte for byte, or a
    /// string sent as UTF-8).
    #[napi(catch_unwind)]
    pub fn verify_payment<'env>(
        &self,
        env: &'env Env,
        body: Either<&[u8], String>,
    ) -> Result<PaymentNotification<'env>> {
        let n = self.inner.verify_payment(body_bytes(&body)).napi()?;
        PaymentNotification::new(env, &n)
    }

    /// Decrypts and checks a refund result notification. `req_info` is AES-256-ECB without
    /// integrity: blocks of two genuine refund notifications of the same merchant can be cut and
    /// pasted into a third that passes every check. Treat a refund notification as a hint: confirm
    /// it with the refund query API before any irreversible action.
    #[napi(catch_unwind)]
    pub fn decrypt_refund<'env>(
        &self,
        env: &'env Env,
        body: Either<&[u8], String>,
    ) -> Result<RefundNotification<'env>> {
        let n = self.inner.decrypt_refund(body_bytes(&body)).napi()?;
        RefundNotification::new(env, &n)
    }
}

/// A wrong argument type found after napi-rs's conversion: raised with napi-rs's own status for
/// failed conversions (`InvalidArg`), so the package turns both into a `TypeError`.
fn type_error(message: String) -> napi::Error<Code> {
    napi::Error::new(Code(napi::Status::InvalidArg.as_ref()), message)
}

/// Signs fields (`[name, value]` pairs, or an object of names to values) the way WeChat Pay does;
/// uppercase hex.
#[napi(catch_unwind)]
pub fn native_sign(
    #[napi(ts_arg_type = "Array<[string, string]> | Record<string, string>")] fields: Either<
        Vec<Vec<String>>,
        BTreeMap<String, String>,
    >,
    api_key: String,
    sign_type: String,
) -> Result<String> {
    let sign_type = SignType::parse(&sign_type).napi()?;
    match fields {
        Either::A(pairs) => {
            if let Some(k) = pairs.iter().position(|pair| pair.len() != 2) {
                return Err(type_error(format!(
                    "fields[{k}] must be a [name, value] pair of strings, got {} strings",
                    pairs[k].len()
                )));
            }
            core::sign(
                pairs.iter().map(|p| (&p[0], &p[1])),
                api_key.as_bytes(),
                sign_type,
            )
        }
        Either::B(map) => core::sign(map, api_key.as_bytes(), sign_type),
    }
    .napi()
}

/// The exact SUCCESS reply WeChat Pay expects.
#[napi(catch_unwind)]
pub fn reply_success() -> &'static str {
    core::reply::success()
}

/// A FAIL reply carrying `msg` (WeChat Pay will retry).
#[napi(catch_unwind)]
pub fn reply_fail(msg: String) -> String {
    core::reply::fail(&msg)
}

/// Every SPEC §3 error code, in the core's order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    core::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The version of the Rust crates behind this addon.
#[napi(catch_unwind)]
pub fn native_version() -> &'static str {
    core::VERSION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limits() {
        assert_eq!(body_limit(0.0).unwrap(), 0);
        assert_eq!(body_limit(65_536.0).unwrap(), 65_536);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(body_limit(bad).unwrap_err().code(), "invalid_config");
        }
    }

    #[test]
    fn amounts_stay_exact() {
        assert!(amount(None).is_none());
        assert!(matches!(amount(Some(0)), Some(Either::A(0))));
        assert!(
            matches!(amount(Some(MAX_SAFE_INTEGER)), Some(Either::A(v)) if v as u64 == MAX_SAFE_INTEGER)
        );
        for big in [MAX_SAFE_INTEGER + 1, u64::MAX] {
            match amount(Some(big)) {
                Some(Either::B(b)) => assert_eq!(b.get_u64(), (false, big, true)), // (signed, value, lossless)
                _ => panic!("{big} must be a bigint"),
            }
        }
    }

    #[test]
    fn core_errors_keep_their_code() {
        let err = core::sign([("a", "1")], b"short".as_slice(), SignType::Md5)
            .napi()
            .unwrap_err();
        assert_eq!(err.status, Code("invalid_config"));
        assert!(!err.reason.contains("short"));
    }
}
