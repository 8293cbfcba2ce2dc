//! Trusted WeChat Pay keys: platform certificates (id = certificate serial) and WeChat Pay public
//! keys (id = `PUB_KEY_ID_…`, opaque), both trusted at once during a migration.

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use der::asn1::UintRef;
use der::{DecodePem, Sequence};
use x509_cert::Certificate;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, excerpt};

/// `rsaEncryption` (RFC 8017).
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The smallest RSA modulus accepted, in bits (SPEC §1: RSA-2048 or more).
const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus the verifier supports, in bits (`RSA_PKCS1_2048_8192_SHA256`).
const MAX_RSA_BITS: usize = 8192;
/// The largest public exponent the verifier supports (AWS-LC: at most 33 bits; ring, before it:
/// below 2^33).
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

/// An id as matched against `Wechatpay-Serial`: a hex serial is compared as a number (SDKs
/// disagree on leading zeros and case), any other id exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyId {
    /// Lowercase hex digits without leading zeros (`"0"` for zero).
    Serial(String),
    /// Any other id (`PUB_KEY_ID_…`), byte for byte.
    Opaque(String),
}

impl KeyId {
    /// `None` for an id longer than [`super::MAX_SERIAL_LEN`]: no key is configured with one, so
    /// an oversized `Wechatpay-Serial` costs nothing beyond its length check.
    pub(crate) fn parse(id: &str) -> Option<KeyId> {
        if id.len() > super::MAX_SERIAL_LEN {
            return None;
        }
        Some(
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                let digits = id.trim_start_matches('0').to_ascii_lowercase();
                KeyId::Serial(if digits.is_empty() {
                    "0".into()
                } else {
                    digits
                })
            } else {
                KeyId::Opaque(id.to_owned())
            },
        )
    }

    fn from_serial_bytes(bytes: &[u8]) -> Option<KeyId> {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        KeyId::parse(&hex)
    }
}

/// A trusted key.
#[derive(Clone)]
pub(crate) struct TrustedKey {
    pub(crate) id: KeyId,
    /// The id as configured (for messages and the C/CLI listings).
    pub(crate) label: String,
    /// The RSA public key, parsed once when it is configured (aws-lc-rs keeps the key and its
    /// Montgomery constants, so a verification does not rebuild them).
    key: ParsedPublicKey,
    /// A certificate's validity, in Unix seconds (inclusive); `None` for a bare public key.
    validity: Option<(u64, u64)>,
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

impl TrustedKey {
    /// A platform certificate (PEM). Its id is its serial number; `expected_id`, when given, must
    /// equal it (numerically).
    pub(crate) fn certificate(pem: &str, expected_id: Option<&str>) -> Result<TrustedKey, Error> {
        let cert = Certificate::from_pem(pem.trim().as_bytes())
            .map_err(|e| config(format!("not a PEM X.509 certificate ({e})")))?;
        let tbs = cert.tbs_certificate();
        let id = KeyId::from_serial_bytes(tbs.serial_number().as_bytes())
            .ok_or_else(|| config("the certificate's serial number is too long"))?;
        let label = match &id {
            KeyId::Serial(s) => s.to_ascii_uppercase(),
            KeyId::Opaque(s) => s.clone(),
        };
        if let Some(expected) = expected_id
            && KeyId::parse(expected).as_ref() != Some(&id)
        {
            return Err(config(format!(
                "the certificate's serial is {label}, not {}",
                excerpt(expected)
            )));
        }
        let validity = tbs.validity();
        let key = rsa_key(tbs.subject_public_key_info())?;
        Ok(TrustedKey {
            id,
            label,
            key,
            validity: Some((
                validity.not_before.to_unix_duration().as_secs(),
                validity.not_after.to_unix_duration().as_secs(),
            )),
        })
    }

    /// A WeChat Pay public key (PEM `PUBLIC KEY`, i.e. SPKI) with its id.
    pub(crate) fn public_key(id: &str, pem: &str) -> Result<TrustedKey, Error> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(config(
                "a public key id must be printable ASCII without spaces",
            ));
        }
        let key_id = KeyId::parse(id).ok_or_else(|| {
            config(format!(
                "a public key id has at most {} characters",
                super::MAX_SERIAL_LEN
            ))
        })?;
        let spki = SubjectPublicKeyInfoOwned::from_pem(pem.trim().as_bytes())
            .map_err(|e| config(format!("not a PEM public key ({e})")))?;
        Ok(TrustedKey {
            id: key_id,
            label: id.to_owned(),
            key: rsa_key(&spki)?,
            validity: None,
        })
    }

    /// Either kind, told apart by the PEM label.
    pub(crate) fn from_pem(id: &str, pem: &str) -> Result<TrustedKey, Error> {
        if pem.contains("-----BEGIN CERTIFICATE-----") {
            TrustedKey::certificate(pem, Some(id))
        } else if pem.contains("-----BEGIN PUBLIC KEY-----") {
            TrustedKey::public_key(id, pem)
        } else {
            Err(config(format!(
                "the PEM for {} is neither a CERTIFICATE nor a PUBLIC KEY",
                excerpt(id)
            )))
        }
    }

    /// Usable at `now`: a certificate only within its validity period.
    pub(crate) fn check_valid_at(&self, now: u64) -> Result<(), Error> {
        match self.validity {
            Some((not_before, _)) if now < not_before => Err(Error::new(
                crate::ErrorKind::UnknownSerial,
                format!("the certificate {} is not yet valid", self.label),
            )),
            Some((_, not_after)) if now > not_after => Err(Error::new(
                crate::ErrorKind::UnknownSerial,
                format!("the certificate {} has expired", self.label),
            )),
            _ => Ok(()),
        }
    }

    /// RSA PKCS#1 v1.5 with SHA-256.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

/// The RSA key of an SPKI, refusing other algorithms, moduli outside 2048..=8192 bits and public
/// exponents the verifier could never use (below 3, even, or at least 2^33): such a key would
/// otherwise be accepted here and fail every notification later.
fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<ParsedPublicKey, Error> {
    if spki.algorithm.oid.to_string() != RSA_ENCRYPTION {
        return Err(config(format!(
            "only RSA keys are supported, not {}",
            spki.algorithm.oid
        )));
    }
    let der = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| config("the public key is not a whole number of bytes"))?;
    let rsa = <RsaPublicKey<'_> as der::Decode>::from_der(der)
        .map_err(|e| config(format!("not an RSA public key ({e})")))?;
    let modulus = rsa.modulus.as_bytes();
    let bits = modulus.len() * 8 - modulus.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(config(format!(
            "the RSA key has {bits} bits; {MIN_RSA_BITS} to {MAX_RSA_BITS} are supported"
        )));
    }
    let exponent = rsa.public_exponent.as_bytes();
    let e = match exponent {
        [] => 0,
        bytes if bytes.len() <= 8 => bytes.iter().fold(0u64, |e, &b| (e << 8) | u64::from(b)),
        _ => u64::MAX,
    };
    if e < 3 || e % 2 == 0 || e > MAX_RSA_EXPONENT {
        return Err(config(
            "the RSA public exponent must be odd, at least 3 and below 2^33",
        ));
    }
    ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
        .map_err(|e| config(format!("the RSA public key is not usable ({e})")))
}

fn config(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(crate::ErrorKind::InvalidConfig, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_numerically_when_hex() {
        assert_eq!(KeyId::parse("0A1b"), KeyId::parse("a1B"));
        assert_eq!(KeyId::parse("000"), Some(KeyId::Serial("0".into())));
        assert_ne!(KeyId::parse("PUB_KEY_ID_01"), KeyId::parse("PUB_KEY_ID_1"));
        assert_eq!(
            KeyId::parse("PUB_KEY_ID_0114232134912410000000000000"),
            Some(KeyId::Opaque(
                "PUB_KEY_ID_0114232134912410000000000000".into()
            ))
        );
        assert_eq!(KeyId::from_serial_bytes(&[0x00, 0x5f]), KeyId::parse("5F"));
        assert_eq!(
            KeyId::parse(&"1".repeat(super::super::MAX_SERIAL_LEN + 1)),
            None
        );
    }
}
