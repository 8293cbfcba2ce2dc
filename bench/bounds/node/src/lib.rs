//! Bound experiments for the Node floor (SPEC §6): how fast a Node-API result can be at all. Each
//! export verifies with the core and builds only part of a result: nothing, the `fields` object
//! alone, or a `#[napi]` class whose getters call the core. Built and timed by
//! scripts/bench-bounds.sh; uses only the core's public API, so it cannot drift from a binding's
//! internals.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use wechatpay_notify::{PaymentNotification, SignType, Verifier};

fn verify(v: &Verifier, body: &[u8]) -> Result<PaymentNotification> {
    v.verify_payment(body)
        .map_err(|e| Error::from_reason(e.code().to_owned()))
}

#[napi]
pub struct BoundVerifier {
    inner: Verifier,
}

#[napi]
impl BoundVerifier {
    #[napi(constructor)]
    pub fn new(key: String) -> Result<BoundVerifier> {
        let inner = Verifier::new(key, SignType::Md5)
            .map_err(|e| Error::from_reason(e.code().to_owned()))?;
        Ok(BoundVerifier { inner })
    }

    /// Verification only, no result object.
    #[napi]
    pub fn verify_only(&self, body: &[u8]) -> Result<bool> {
        Ok(verify(&self.inner, body)?.is_success())
    }

    /// Verification and the `fields` object alone, one property set per field.
    #[napi]
    pub fn fields<'env>(&self, env: &'env Env, body: &[u8]) -> Result<Object<'env>> {
        let n = verify(&self.inner, body)?;
        let mut object = Object::new(env)?;
        for (k, v) in n.fields().iter() {
            object.set_named_property(k, v)?;
        }
        Ok(object)
    }

    /// Verification into a `#[napi]` class whose getters call the core.
    #[napi]
    pub fn class(&self, body: &[u8]) -> Result<BoundPayment> {
        Ok(BoundPayment {
            inner: verify(&self.inner, body)?,
        })
    }
}

#[napi]
pub struct BoundPayment {
    inner: PaymentNotification,
}

#[napi]
impl BoundPayment {
    #[napi(getter)]
    pub fn fields<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let mut object = Object::new(env)?;
        for (k, v) in self.inner.fields().iter() {
            object.set_named_property(k, v)?;
        }
        Ok(object)
    }

    #[napi(getter)]
    pub fn out_trade_no(&self) -> Option<&str> {
        self.inner.out_trade_no()
    }

    #[napi(getter)]
    pub fn transaction_id(&self) -> Option<&str> {
        self.inner.transaction_id()
    }

    #[napi(getter)]
    pub fn total_fee(&self) -> Option<i64> {
        self.inner
            .total_fee()
            .ok()
            .flatten()
            .and_then(|v| i64::try_from(v).ok())
    }

    #[napi(getter)]
    pub fn is_success(&self) -> bool {
        self.inner.is_success()
    }
}
