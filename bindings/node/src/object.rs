//! Conversions of core values into JS values, for the result classes ([`crate::notification`]).
//!
//! A document's `fields` is an ordinary object (`Object.prototype`, own enumerable writable data
//! properties) made with napi-rs's own calls: one `napi_create_object` and ONE
//! `napi_define_properties` ([`PlainObject`]), property keys given as UTF-8 names that Node turns
//! into property keys once (no intermediate JS string per key). Amounts are exact ([`amount`]);
//! typed property names are the core's in camelCase ([`camel_case`]).

use napi::bindgen_prelude::{Array, BigInt, Either, JsObjectValue, Object, ToNapiValue};
use napi::{Env, Property};
use wechatpay_notify::{Coupon, Fields};

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Converts a core amount (`u64` fen) into an exact JS value: a number up to
/// `Number.MAX_SAFE_INTEGER`, a bigint beyond it, so no amount is ever rounded; `null` when absent.
pub fn amount(value: Option<u64>) -> Option<Either<i64, BigInt>> {
    value.map(|v| match i64::try_from(v) {
        Ok(small) if v <= MAX_SAFE_INTEGER => Either::A(small),
        _ => Either::B(BigInt::from(v)),
    })
}

/// A snake_case core name in the Node convention: `total_fee` → `totalFee`.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// A plain object under construction: its properties are defined together by one
/// `napi_define_properties` call in [`PlainObject::build`].
pub struct PlainObject<'env> {
    env: &'env Env,
    properties: Vec<Property>,
}

impl<'env> PlainObject<'env> {
    pub fn new(env: &'env Env, capacity: usize) -> PlainObject<'env> {
        PlainObject {
            env,
            properties: Vec::with_capacity(capacity),
        }
    }

    /// Adds the data property `name` (enumerable, writable, configurable: what an object literal
    /// gives). Defined, not assigned: a name such as `__proto__` is an own property.
    pub fn set<V: ToNapiValue>(&mut self, name: &str, value: V) -> napi::Result<()> {
        let property = Property::new()
            .with_utf8_name(name)?
            .with_napi_value(self.env, value)?;
        self.properties.push(property);
        Ok(())
    }

    /// The object, with every property defined at once.
    pub fn build(self) -> napi::Result<Object<'env>> {
        let mut object = Object::new(self.env)?;
        object.define_properties(&self.properties)?;
        Ok(object)
    }
}

/// A document's fields as a plain object: every field exactly as received, in document order
/// (element names are XML names, so none is an array index, which JS would list first).
pub fn fields_object<'env>(env: &'env Env, fields: &Fields) -> napi::Result<Object<'env>> {
    let mut object = PlainObject::new(env, fields.len());
    for (name, value) in fields.iter() {
        object.set(name, value)?;
    }
    object.build()
}

/// Coupons as `[{ id, couponType, fee }]` (the `coupons` kind of `typed_views.json`).
pub fn coupon_list<'env>(env: &'env Env, coupons: Vec<Coupon>) -> napi::Result<Array<'env>> {
    let mut list = env.create_array(coupons.len() as u32)?;
    for (index, coupon) in coupons.into_iter().enumerate() {
        let mut object = PlainObject::new(env, 3);
        object.set("id", coupon.id)?;
        object.set("couponType", coupon.coupon_type)?;
        object.set("fee", amount(coupon.fee))?;
        list.set(index as u32, object.build()?)?;
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_notify::{
        PaymentNotification, RefundNotification, V3Complaint, V3ProfitSharing, V3Refund,
        V3Transaction, V3Transfer,
    };

    #[test]
    fn camel_case_names() {
        assert_eq!(camel_case("total_fee"), "totalFee");
        assert_eq!(camel_case("appid"), "appid");
        assert_eq!(camel_case("payer_sp_openid"), "payerSpOpenid");
        assert_eq!(camel_case("refund_recv_accout"), "refundRecvAccout");
        // Every core name maps to a distinct JS name.
        for properties in [
            PaymentNotification::PROPERTIES,
            RefundNotification::PROPERTIES,
            V3Transaction::PROPERTIES,
            V3Refund::PROPERTIES,
            V3ProfitSharing::PROPERTIES,
            V3Transfer::PROPERTIES,
            V3Complaint::PROPERTIES,
        ] {
            let mut names: Vec<String> = properties.iter().map(|p| camel_case(p.name)).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), properties.len());
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
}
