//! v2 signatures: the string to sign, MD5 and HMAC-SHA256, constant-time comparison.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};
use crate::xml::Fields;

/// A v2 signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignType {
    /// `MD5`: uppercase hex MD5 of the string to sign (which ends with `&key=<API key>`).
    Md5,
    /// `HMAC-SHA256`: uppercase hex HMAC-SHA256 keyed with the API key over the same string.
    HmacSha256,
}

impl SignType {
    /// The protocol name: `"MD5"` or `"HMAC-SHA256"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// Parses the exact protocol name (`"MD5"`, `"HMAC-SHA256"`). Anything else is `invalid_config`.
    ///
    /// The message repeats a refused name only when it is short (a misspelt name is at most a few
    /// characters longer than `HMAC-SHA256`): a longer one may be a key passed in the sign type's
    /// place (the two arguments swapped), which must never reach a log.
    pub fn parse(name: &str) -> Result<SignType, Error> {
        const SHOWN_UP_TO: usize = 16;
        match name {
            "MD5" => Ok(SignType::Md5),
            "HMAC-SHA256" => Ok(SignType::HmacSha256),
            other if other.chars().count() <= SHOWN_UP_TO => Err(Error::invalid_config(format!(
                "unknown sign type {:?}: expected \"MD5\" or \"HMAC-SHA256\"",
                crate::error::excerpt(other)
            ))),
            other => Err(Error::invalid_config(format!(
                "unknown sign type ({} characters, not repeated: it may be a key): expected \"MD5\" or \"HMAC-SHA256\"",
                other.chars().count()
            ))),
        }
    }

    const fn hex_len(self) -> usize {
        match self {
            SignType::Md5 => 32,
            SignType::HmacSha256 => 64,
        }
    }
}

impl FromStr for SignType {
    type Err = Error;
    fn from_str(s: &str) -> Result<SignType, Error> {
        SignType::parse(s)
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated v2 API key: 32 printable ASCII characters. Redacted in `Debug`, zeroised on drop.
#[derive(Clone)]
pub struct ApiKey(Zeroizing<Vec<u8>>);

impl ApiKey {
    /// Validates a v2 API key (`invalid_config` unless it is exactly 32 printable ASCII characters).
    pub fn new(key: impl AsRef<[u8]>) -> Result<ApiKey, Error> {
        let key = key.as_ref();
        if key.len() != 32 || !key.iter().all(u8::is_ascii_graphic) {
            // Never echo the key, not even its length beyond what the rule says.
            return Err(Error::invalid_config(
                "the v2 API key must be exactly 32 printable ASCII characters",
            ));
        }
        Ok(ApiKey(Zeroizing::new(key.to_vec())))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The string to sign without the trailing `&key=…`: every field except `sign`, empty values
/// dropped, names in byte order, `name=value` joined with `&`, values exactly as decoded.
pub fn string_to_sign(fields: &Fields) -> String {
    // Built only from whole names and values (UTF-8) and ASCII separators.
    String::from_utf8(message(fields)).unwrap_or_default()
}

/// The string to sign, as the bytes that are hashed.
fn message(fields: &Fields) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.text_len() + 2 * fields.len());
    for (name, value) in fields.iter_by_name() {
        if name == b"sign" || value.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(b'&');
        }
        out.extend_from_slice(name);
        out.push(b'=');
        out.extend_from_slice(value);
    }
    out
}

/// Uppercase hex signature, on the stack.
pub(crate) struct Signature {
    hex: [u8; 64],
    len: usize,
}

impl Signature {
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.hex[..self.len]).unwrap_or_default()
    }

    /// Constant-time comparison with a received signature (exact uppercase hex). The length is
    /// public (it is fixed by the algorithm); `subtle` compares the contents without an early exit.
    pub(crate) fn matches(&self, received: &str) -> bool {
        bool::from(self.hex[..self.len].ct_eq(received.as_bytes()))
    }
}

/// Signs `fields` with `key`. The string to sign holds only notification data; the key is fed to
/// the hash separately, so that no heap buffer ever holds it.
pub(crate) fn compute(fields: &Fields, key: &ApiKey, sign_type: SignType) -> Signature {
    let message = message(fields);
    let mut sig = Signature {
        hex: [0; 64],
        len: sign_type.hex_len(),
    };
    match sign_type {
        SignType::Md5 => {
            let mut md5 = Md5::new();
            md5.update(&message);
            md5.update(b"&key=");
            md5.update(key.bytes());
            upper_hex(&md5.finalize(), &mut sig.hex);
        }
        SignType::HmacSha256 => {
            // HMAC accepts keys of any length, so this cannot fail; fall back to an impossible value.
            match <Hmac<Sha256> as KeyInit>::new_from_slice(key.bytes()) {
                Ok(mut mac) => {
                    mac.update(&message);
                    mac.update(b"&key=");
                    mac.update(key.bytes());
                    upper_hex(&mac.finalize().into_bytes(), &mut sig.hex);
                }
                Err(_) => sig.len = 0,
            }
        }
    }
    sig
}

fn upper_hex(bytes: &[u8], out: &mut [u8; 64]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, b) in bytes.iter().enumerate().take(32) {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
}

/// Signs a set of fields the way WeChat Pay does (`sign` itself and empty values are skipped).
///
/// Returns the uppercase hex signature. Repeated names are `invalid_argument`; a bad key is
/// `invalid_config`. The key is taken as bytes, like [`crate::Verifier::new`].
pub fn sign<I, K, V>(
    fields: I,
    api_key: impl AsRef<[u8]>,
    sign_type: SignType,
) -> Result<String, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let key = ApiKey::new(api_key)?;
    let fields = Fields::from_pairs(fields).map_err(|e| {
        if e.kind() == ErrorKind::DuplicateField {
            Error::invalid_argument(e.message().to_owned())
        } else {
            e
        }
    })?;
    let sig = compute(&fields, &key, sign_type);
    if sig.len == 0 {
        return Err(Error::new(
            ErrorKind::Internal,
            "HMAC initialisation failed",
        ));
    }
    Ok(sig.as_str().to_owned())
}

/// A signed v2 notification body as WeChat Pay writes it: `<xml>`, every field in the given order
/// as `<name><![CDATA[value]]></name>` (a `]]>` inside a value is split across two sections), then
/// `<sign>`. A `sign` among `fields` is ignored. For simulations and tests of one's own endpoint.
pub fn signed_xml<I, K, V>(
    fields: I,
    api_key: impl AsRef<[u8]>,
    sign_type: SignType,
) -> Result<String, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let pairs: Vec<(K, V)> = fields
        .into_iter()
        .filter(|(k, _)| k.as_ref() != "sign")
        .collect();
    let signature = sign(pairs.iter().map(|(k, v)| (k, v)), api_key, sign_type)?;
    let mut xml = String::from("<xml>");
    for (k, v) in pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())) {
        // `sign` refused any name or value that could not be sent and read back.
        xml.push_str(&format!("<{k}>{}</{k}>", cdata(v)));
    }
    xml.push_str(&format!("<sign>{}</sign></xml>", cdata(&signature)));
    Ok(xml)
}

/// `<![CDATA[v]]>`, with any `]]>` split across two sections.
pub(crate) fn cdata(v: &str) -> String {
    format!("<![CDATA[{}]]>", v.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

    #[test]
    fn wechat_signing_doc_vector() {
        let fields = [
            ("appid", "wxd930ea5d5a258f4f"),
            ("mch_id", "10000100"),
            ("device_info", "1000"),
            ("body", "test"),
            ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ];
        let f = Fields::from_pairs(fields).unwrap();
        assert_eq!(
            string_to_sign(&f),
            "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
        );
        assert_eq!(
            sign(fields, KEY, SignType::Md5).unwrap(),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
        assert_eq!(
            sign(fields, KEY, SignType::HmacSha256).unwrap(),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
        );
    }

    #[test]
    fn sign_and_empty_values_are_skipped() {
        let base = [("test1", "test1"), ("test2", "test2")];
        let with = [
            ("test2", "test2"),
            ("sign", "X"),
            ("empty", ""),
            ("test1", "test1"),
        ];
        for t in [SignType::Md5, SignType::HmacSha256] {
            assert_eq!(sign(base, KEY, t).unwrap(), sign(with, KEY, t).unwrap());
        }
        assert_eq!(
            sign(base, KEY, SignType::Md5).unwrap(),
            "1E3A8D73B5A4AEE787C0F68B5DAB8520"
        );
    }

    #[test]
    fn signature_comparison_is_exact() {
        let f = Fields::from_pairs([("a", "1")]).unwrap();
        let key = ApiKey::new(KEY).unwrap();
        for t in [SignType::Md5, SignType::HmacSha256] {
            let sig = compute(&f, &key, t);
            let good = sig.as_str().to_owned();
            assert!(sig.matches(&good));
            assert!(!sig.matches(&good.to_lowercase()));
            assert!(!sig.matches(&good[..good.len() - 1]));
            assert!(!sig.matches(&format!("{good}0")));
            assert!(!sig.matches(""));
            for at in [0, 7, 8, good.len() - 1] {
                let mut bad = good.clone().into_bytes();
                bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
                assert!(!sig.matches(std::str::from_utf8(&bad).unwrap()), "{at}");
            }
        }
    }

    #[test]
    fn signed_xml_verifies_and_round_trips() {
        let fields = [
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("attach", "a]]>b & <c>"),
            ("transaction_id", "42"),
            ("out_trade_no", "A1"),
            ("total_fee", "1"),
        ];
        let xml = signed_xml(fields, KEY, SignType::HmacSha256).unwrap();
        let v = crate::Verifier::new(KEY, SignType::HmacSha256).unwrap();
        let n = v.verify_payment(xml.as_bytes()).unwrap();
        assert_eq!(n.attach(), Some("a]]>b & <c>"));
        assert_eq!(n.fields().len(), fields.len() + 1);
        assert_eq!(
            signed_xml([("a=b", "1")], KEY, SignType::Md5)
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            sign([("a", "1")], "short", SignType::Md5)
                .unwrap_err()
                .code(),
            "invalid_config"
        );
        assert_eq!(
            sign([("a", "1"), ("a", "2")], KEY, SignType::Md5)
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
        assert!(SignType::parse("md5").is_err());
        assert!(format!("{:?}", ApiKey::new(KEY).unwrap()).contains("redacted"));
        assert!(!format!("{:?}", ApiKey::new(KEY).unwrap()).contains(KEY));
    }
}
