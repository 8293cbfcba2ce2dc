//! Core results as plain JS objects.
//!
//! Every result is an ordinary object (`Object.prototype`, own enumerable writable data
//! properties), made with napi-rs's own calls: one `napi_create_object` and ONE
//! `napi_define_properties` per object ([`PlainObject`]), property keys given as UTF-8 names that
//! Node turns into property keys once (no intermediate JS string per key). A result's strings are
//! made once: a typed property that holds the very text of a field (the core's accessors borrow
//! from the document) is the same JS string as that field ([`Texts`]). Typed views are converted
//! from the core's declaration (`PROPERTIES` and `property(name)`), their names in camelCase; the
//! binding lists no property of its own.
//!
//! A typed property whose value is an error (an amount present in another form than a
//! non-negative integer: SPEC §2, never "absent") is defined as `null` in its place and listed in
//! [`Errored`]; the result then carries the list under [`TYPED_ERRORS`] and the package
//! (`notify.js`) turns each such property into an enumerable accessor whose getter throws the
//! package's `NotifyError` with the core's code and message. The getter is made in JS rather than
//! with `Property::with_getter_closure`: in napi 3.4 that closure is freed with the object while
//! the getter function can outlive it (`Object.getOwnPropertyDescriptor(n, name).get`), and one of
//! its two descriptor allocations is never freed.

use napi::bindgen_prelude::{Array, BigInt, Either, JsObjectValue, Null, Object, ToNapiValue};
use napi::{Env, JsString, Property};
use wechatpay_notify::{self as core, Coupon, Fields, view};

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

/// The JS strings of one result. A text already made from the same Rust slice (the same bytes at
/// the same address, e.g. `out_trade_no` read through its typed accessor after the fields) is
/// reused rather than copied again.
pub struct Texts<'a, 'env> {
    env: &'env Env,
    made: Vec<(&'a str, JsString<'env>)>,
}

impl<'a, 'env> Texts<'a, 'env> {
    pub fn new(env: &'env Env, capacity: usize) -> Texts<'a, 'env> {
        Texts {
            env,
            made: Vec::with_capacity(capacity),
        }
    }

    /// The JS string of `text`.
    pub fn string(&mut self, text: &'a str) -> napi::Result<JsString<'env>> {
        if let Some((_, made)) = self.made.iter().find(|(t, _)| std::ptr::eq(*t, text)) {
            return Ok(*made);
        }
        let made = self.env.create_string(text)?;
        self.made.push((text, made));
        Ok(made)
    }

    /// The JS string of `text`, or `null`.
    pub fn text(&mut self, text: Option<&'a str>) -> napi::Result<Either<JsString<'env>, Null>> {
        Ok(match text {
            Some(t) => Either::A(self.string(t)?),
            None => Either::B(Null),
        })
    }
}

/// A document's fields as a plain object: every field exactly as received, in document order
/// (element names are XML names, so none is an array index, which JS would list first).
pub fn fields_object<'a, 'env>(
    env: &'env Env,
    texts: &mut Texts<'a, 'env>,
    fields: &'a Fields,
) -> napi::Result<Object<'env>> {
    let mut object = PlainObject::new(env, fields.len());
    for (name, value) in fields.iter() {
        object.set(name, texts.string(value)?)?;
    }
    object.build()
}

/// The name of the property under which a result lists its errored typed properties (only when
/// there is one): an array of `[object, name, code, message]`, `object` being the result or one
/// of its views. The package removes it and defines the accessors (see the module documentation).
pub const TYPED_ERRORS: &str = "typedErrors";

/// The errored typed properties of one result: those of the object being built (`pending`), and
/// those of the objects already built, with the object they belong to.
#[derive(Default)]
pub struct Errored<'env> {
    pending: Vec<(String, core::Error)>,
    done: Vec<(Object<'env>, String, core::Error)>,
}

impl<'env> Errored<'env> {
    pub fn new() -> Errored<'env> {
        Errored::default()
    }

    /// Builds `object` (its typed properties were added with this list) and ties the pending
    /// errors to it.
    pub fn build(&mut self, object: PlainObject<'env>) -> napi::Result<Object<'env>> {
        let built = object.build()?;
        self.done
            .extend(self.pending.drain(..).map(|(name, e)| (built, name, e)));
        Ok(built)
    }

    /// Builds the result object and, when any typed property of it or of its views is an
    /// error, adds the list under [`TYPED_ERRORS`].
    pub fn finish(
        mut self,
        env: &'env Env,
        object: PlainObject<'env>,
    ) -> napi::Result<Object<'env>> {
        let mut result = self.build(object)?;
        if self.done.is_empty() {
            return Ok(result);
        }
        let mut list = env.create_array(self.done.len() as u32)?;
        for (index, (owner, name, error)) in self.done.into_iter().enumerate() {
            let mut entry = env.create_array(4)?;
            entry.set(0, owner)?;
            entry.set(1, name)?;
            entry.set(2, error.code())?;
            entry.set(3, error.message())?;
            list.set(index as u32, entry)?;
        }
        result.set_named_property(TYPED_ERRORS, list)?;
        Ok(result)
    }
}

/// Adds a typed view's properties to `object`, each under the camelCase form of the core's name,
/// in the core's order. `property` is the core's lookup (`property(name)`). A value that is an
/// error is `null` here and listed in `errored`; build `object` with [`Errored::build`] or
/// [`Errored::finish`].
pub fn typed_properties<'a, 'env>(
    object: &mut PlainObject<'env>,
    texts: &mut Texts<'a, 'env>,
    errored: &mut Errored<'env>,
    properties: &[view::Property],
    property: impl Fn(&str) -> Option<view::Value<'a>>,
) -> napi::Result<()> {
    for p in properties {
        let name = camel_case(p.name);
        let value = property(p.name).ok_or_else(|| {
            napi::Error::from_reason(format!("the core declares {} without a value", p.name))
        })?;
        match value {
            view::Value::Text(text) => object.set(&name, texts.text(text)?),
            view::Value::Amount(Ok(value)) => object.set(&name, amount(value)),
            view::Value::Bool(value) => object.set(&name, value),
            view::Value::SignType(sign_type) => object.set(&name, sign_type.as_str()),
            view::Value::Coupons(Ok(coupons)) => {
                object.set(&name, coupon_list(texts.env, coupons)?)
            }
            view::Value::Amount(Err(error)) | view::Value::Coupons(Err(error)) => {
                object.set(&name, Null)?;
                errored.pending.push((name, error));
                Ok(())
            }
        }?;
    }
    Ok(())
}

/// A typed view as a plain object of its own (the APIv3 transaction and refund views).
pub fn typed_object<'a, 'env>(
    env: &'env Env,
    texts: &mut Texts<'a, 'env>,
    errored: &mut Errored<'env>,
    properties: &[view::Property],
    property: impl Fn(&str) -> Option<view::Value<'a>>,
) -> napi::Result<Object<'env>> {
    let mut object = PlainObject::new(env, properties.len());
    typed_properties(&mut object, texts, errored, properties, property)?;
    errored.build(object)
}

/// Coupons as `[{ id, couponType, fee }]` (the `coupons` kind of `typed_views.json`).
fn coupon_list<'env>(env: &'env Env, coupons: Vec<Coupon>) -> napi::Result<Array<'env>> {
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
    use wechatpay_notify::{PaymentNotification, RefundNotification, V3Refund, V3Transaction};

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
