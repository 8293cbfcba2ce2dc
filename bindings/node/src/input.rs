//! JS arguments into core inputs. napi-rs's own conversions are the type checks; what they cannot
//! express (pair lengths, integer numbers) is checked here, with the same two outcomes: a wrong
//! type is a type error ([`ArgExt`], [`type_error`]), a value of the right type that cannot be used
//! is the core's `invalid_config` / `invalid_argument`.

use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::{Either, FromNapiValue, JsObjectValue, Object, Unknown};
use wechatpay_notify::{self as core, V3Headers};

use crate::object::MAX_SAFE_INTEGER;
use crate::{ArgExt, Result, type_error};

/// The raw POST body: a `Buffer`/`Uint8Array` (used byte for byte) or a string (its UTF-8 bytes).
pub fn body_bytes<'a>(body: &'a Either<&'a [u8], String>) -> &'a [u8] {
    match body {
        Either::A(bytes) => bytes,
        Either::B(text) => text.as_bytes(),
    }
}

/// The raw POST body of a call that also takes headers or options, converted after them and
/// copied. Converting headers and options runs the caller's JavaScript (getters, Proxy traps),
/// which could resize or detach the body's `ArrayBuffer` under a borrowed slice, and another
/// thread may write a `SharedArrayBuffer` while it is verified: the copy, taken when no more
/// JavaScript runs, is what is verified and read.
pub fn body_copy(body: Unknown<'_>) -> Result<Vec<u8>> {
    match Either::<&[u8], String>::from_unknown(body).arg("body")? {
        Either::A(bytes) => Ok(bytes.to_vec()),
        Either::B(text) => Ok(text.into_bytes()),
    }
}

/// The object's own enumerable string keys, in JS order. `Object::keys` enumerates like
/// `for...in`, which includes enumerable properties inherited from the prototype chain: a
/// polluted `Object.prototype` would otherwise add trusted keys, headers or fields to sign.
fn own_keys(object: &Object<'_>, what: &str) -> Result<Vec<String>> {
    let mut own = Vec::new();
    for key in Object::keys(object).arg(what)? {
        if object.has_own_property(&key).arg(what)? {
            own.push(key);
        }
    }
    Ok(own)
}

/// An object of names to string values (own properties only) as pairs, in JS order.
pub fn string_pairs(object: &Object<'_>, what: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for name in own_keys(object, what)? {
        let value: Option<String> = object.get(&name).arg(what)?;
        let value =
            value.ok_or_else(|| type_error(format!("{what}[{name:?}] must be a string")))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// A JS number that must be a non-negative integer (exact below 2^53): `None` otherwise.
fn whole(value: f64) -> Option<u64> {
    (value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER as f64)
        .then_some(value as u64)
}

/// A configured size or duration (`maxBodyBytes`, `maxClockSkew`): a non-negative integer, else
/// `invalid_config`.
pub fn config_number(value: f64, name: &str) -> std::result::Result<u64, core::Error> {
    whole(value).ok_or_else(|| {
        core::Error::new(
            core::ErrorKind::InvalidConfig,
            format!("{name} must be a non-negative integer"),
        )
    })
}

/// A byte limit (`maxBodyBytes`).
pub fn body_limit(value: f64, name: &str) -> std::result::Result<usize, core::Error> {
    let limit = config_number(value, name)?;
    usize::try_from(limit).map_err(|_| {
        core::Error::new(
            core::ErrorKind::InvalidConfig,
            format!("{name} is too large for this platform"),
        )
    })
}

/// The time to verify at, in Unix seconds: `now` when given (a non-negative integer, else
/// `invalid_argument`), else the system clock.
pub fn unix_time(now: Option<f64>) -> std::result::Result<u64, core::Error> {
    match now {
        Some(now) => whole(now).ok_or_else(|| {
            core::Error::new(
                core::ErrorKind::InvalidArgument,
                "now must be a non-negative integer (Unix seconds)",
            )
        }),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| core::Error::new(core::ErrorKind::Internal, "the clock is before 1970")),
    }
}

/// `[name, value]` pairs or an object of names to values, as pairs (object keys in JS order).
pub type Pairs<'env> = Either<Vec<Vec<String>>, Object<'env>>;

/// Checks that every element of a list of pairs has two strings.
pub fn pair_list(pairs: Vec<Vec<String>>, what: &str) -> Result<Vec<(String, String)>> {
    pairs
        .into_iter()
        .enumerate()
        .map(|(k, pair)| match <[String; 2]>::try_from(pair) {
            Ok([name, value]) => Ok((name, value)),
            Err(pair) => Err(type_error(format!(
                "{what}[{k}] must be a [name, value] pair of strings, got {} strings",
                pair.len()
            ))),
        })
        .collect()
}

/// Trusted keys: `{ id: pem }` or `[[id, pem], ...]`, in order.
pub fn key_pairs(keys: Pairs<'_>) -> Result<Vec<(String, String)>> {
    match keys {
        Either::A(pairs) => pair_list(pairs, "platformKeys"),
        Either::B(object) => {
            let mut pairs = Vec::new();
            for id in own_keys(&object, "platformKeys")? {
                let pem: Option<String> = object.get(&id).arg("platformKeys")?;
                let pem = pem.ok_or_else(|| {
                    type_error(format!("platformKeys[{id:?}] must be a PEM string"))
                })?;
                pairs.push((id, pem));
            }
            Ok(pairs)
        }
    }
}

/// Request headers: `[name, value]` pairs, or an object as Node's `req.headers` gives it (a value
/// may be a list, as for `set-cookie`: each element is one header; `undefined`/`null` = absent).
pub type HeadersArg<'env> = Either<Vec<Vec<String>>, Object<'env>>;

/// The request headers, in the core's form (names case-insensitive; a repeated `Wechatpay-*` header
/// is refused by the core).
pub fn headers(arg: HeadersArg<'_>) -> Result<V3Headers> {
    match arg {
        Either::A(pairs) => Ok(pair_list(pairs, "headers")?.into_iter().collect()),
        Either::B(object) => {
            let mut headers = V3Headers::new();
            for name in own_keys(&object, "headers")? {
                let value: Option<Option<Either<String, Vec<String>>>> =
                    object.get(&name).arg("headers")?;
                match value.flatten() {
                    None => {}
                    Some(Either::A(value)) => {
                        headers.insert(name, value);
                    }
                    Some(Either::B(values)) => {
                        for value in values {
                            headers.insert(name.as_str(), value);
                        }
                    }
                }
            }
            Ok(headers)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(body_limit(0.0, "n").unwrap(), 0);
        assert_eq!(body_limit(65_536.0, "n").unwrap(), 65_536);
        assert_eq!(config_number(300.0, "n").unwrap(), 300);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300, 2f64.powi(53)] {
            assert_eq!(body_limit(bad, "n").unwrap_err().code(), "invalid_config");
            assert_eq!(unix_time(Some(bad)).unwrap_err().code(), "invalid_argument");
        }
        assert_eq!(unix_time(Some(1_795_000_000.0)).unwrap(), 1_795_000_000);
        assert!(unix_time(None).unwrap() > 1_700_000_000);
    }

    #[test]
    fn pairs_are_checked() {
        let ok = pair_list(vec![vec!["a".into(), "1".into()]], "x").unwrap();
        assert_eq!(ok, [("a".to_owned(), "1".to_owned())]);
        let err = pair_list(vec![vec!["a".into()]], "x").unwrap_err();
        assert_eq!(err.status.0, "InvalidArg");
        assert!(err.reason.contains("x[0]"));
    }
}
