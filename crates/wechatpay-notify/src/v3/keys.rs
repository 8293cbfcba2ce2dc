//! Trusted WeChat Pay keys: platform certificates (id = certificate serial) and WeChat Pay public
//! keys (id = `PUB_KEY_ID_…`, opaque), both trusted at once during a migration; and
//! [`TrustedKeys`], a set of them built (and parsed) once, which a live verifier or endpoint swaps
//! in whole when WeChat Pay rotates its keys.

use std::fmt;
use std::io::Read;
use std::path::Path;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use der::asn1::UintRef;
use der::{DecodePem, Sequence};
use x509_cert::Certificate;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, excerpt};

/// The largest key file [`TrustedKeys::load_dir`] reads, in bytes (a certificate PEM is about
/// 1.5 KB; anything near this is not one key).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// The prefix of a WeChat Pay public key id, which a public key file's name must carry.
const PUB_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// `rsaEncryption` (RFC 8017).
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The smallest RSA modulus accepted, in bits (RSA-2048 or more).
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

/// A set of trusted WeChat Pay keys (platform certificates and/or WeChat Pay public keys), each
/// parsed once when it is added, with unique ids. A [`super::V3Verifier`] (or an
/// [`crate::Endpoint`] profile) trusts one set at a time and can swap in a new one while it
/// serves requests ([`super::V3Verifier::replace_trusted_keys`]): a verification uses either the
/// old set or the new one, never a mix.
#[derive(Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
}

impl fmt::Debug for TrustedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl TrustedKeys {
    /// An empty set (a verifier refuses to trust an empty set; add keys first).
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Adds a key; on refusal the set is unchanged.
    fn add(&mut self, key: TrustedKey) -> Result<(), Error> {
        if self.keys.iter().any(|k| k.id == key.id) {
            return Err(config(format!(
                "the key id {} is configured twice",
                excerpt(&key.label)
            )));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Trusts a platform certificate (PEM X.509) under its own serial number. RSA, 2048 bits or
    /// more; used only while `now` is within its validity period.
    /// On refusal (`invalid_config`) the set is unchanged.
    pub fn add_platform_certificate(&mut self, pem: &str) -> Result<(), Error> {
        self.add(TrustedKey::certificate(pem, None)?)
    }

    /// Trusts a WeChat Pay public key (PEM SPKI) under `id` (usually `PUB_KEY_ID_…`, opaque).
    /// On refusal (`invalid_config`) the set is unchanged.
    pub fn add_public_key(&mut self, id: &str, pem: &str) -> Result<(), Error> {
        self.add(TrustedKey::public_key(id, pem)?)
    }

    /// Trusts `pem` under `id`: a certificate (whose serial must equal `id`) or a public key, the
    /// form of the bindings' `id → PEM` mappings. On refusal (`invalid_config`) the set is
    /// unchanged.
    pub fn add_trusted_key(&mut self, id: &str, pem: &str) -> Result<(), Error> {
        self.add(TrustedKey::from_pem(id, pem)?)
    }

    /// A set from `(id, PEM)` pairs, in order ([`TrustedKeys::add_trusted_key`] for each).
    pub fn from_pems<I, K, P>(pairs: I) -> Result<TrustedKeys, Error>
    where
        I: IntoIterator<Item = (K, P)>,
        K: AsRef<str>,
        P: AsRef<str>,
    {
        let mut keys = TrustedKeys::new();
        for (id, pem) in pairs {
            keys.add_trusted_key(id.as_ref(), pem.as_ref())?;
        }
        Ok(keys)
    }

    /// Every key of a directory, as WeChat Pay's certificate download writes them: each `*.pem`
    /// file directly in `dir` (not in subdirectories; other names are ignored; symbolic links are
    /// followed), in byte order of the file names, each read whole (at most
    /// [`MAX_KEY_FILE_BYTES`]) and holding exactly one PEM block:
    ///
    /// - a `CERTIFICATE` is trusted under its own serial number; a file named like a serial (hex
    ///   digits only, e.g. `5157F09EFDC096DE15EBE81A47057A7232F1B8E1.pem`) must be named after
    ///   that serial (compared numerically), and a `PUB_KEY_ID_…` name is refused: either means
    ///   a mislabelled file;
    /// - a `PUBLIC KEY` is trusted under the file name without `.pem`, which must be a WeChat Pay
    ///   public key id (`PUB_KEY_ID_…`).
    ///
    /// `invalid_config`, naming the file, for a file that cannot be read, is not a regular file,
    /// is too large, is not UTF-8, holds anything else or a key the verifier refuses, or repeats
    /// an id; and for a directory that cannot be read or holds no key.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<TrustedKeys, Error> {
        let dir = dir.as_ref();
        // The end of a long path names the directory; its start is the least telling part.
        let shown = || {
            let path = dir.to_string_lossy();
            let chars = path.chars().count();
            let tail: String = path.chars().skip(chars.saturating_sub(77)).collect();
            let tail = if chars > 77 {
                format!("...{tail}")
            } else {
                tail
            };
            crate::error::escape(&tail, 90)
        };
        let entries = std::fs::read_dir(dir).map_err(|e| {
            config(format!(
                "cannot read the key directory {} ({})",
                shown(),
                e.kind()
            ))
        })?;
        // Its files are trusted keys: a directory everyone may write to lets anyone add one.
        let meta = std::fs::metadata(dir).map_err(|e| {
            config(format!(
                "cannot read the key directory {} ({})",
                shown(),
                e.kind()
            ))
        })?;
        check_not_writable_by_others(&meta, "the directory")
            .map_err(|e| config(format!("the key directory {}: {}", shown(), e.message())))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| {
                config(format!(
                    "cannot read the key directory {} ({})",
                    shown(),
                    e.kind()
                ))
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "pem") {
                names.push(entry.file_name());
            }
        }
        names.sort_unstable_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        let mut keys = TrustedKeys::new();
        for name in names {
            // Longer than an excerpt: a public key id's file name is about 45 characters.
            let shown_name = crate::error::escape(&name.to_string_lossy(), 80);
            let in_file = |e: Error| config(format!("{shown_name}: {}", e.message()));
            let key = Self::key_file(&dir.join(&name), &name).map_err(in_file)?;
            keys.add(key).map_err(in_file)?;
        }
        if keys.is_empty() {
            return Err(config(format!(
                "the key directory {} holds no .pem file",
                shown()
            )));
        }
        Ok(keys)
    }

    /// The text of a file holding a key to trust (a PEM certificate or public key), as every
    /// loader reads one (the key directory, the profiles file's `platform_keys`, the CLI): a
    /// regular file (followed through symbolic links; a FIFO or device would block or never end)
    /// of at most 64 KiB of UTF-8 text. On Unix it must not be writable by every user of the
    /// machine (`chmod o-w`): anyone could replace the key and sign notifications. Errors are
    /// `invalid_config` and do not name the file (the caller does).
    pub fn read_pem_file(path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path)
            .map_err(|e| config(format!("cannot read the file ({})", e.kind())))?;
        if !meta.is_file() {
            return Err(config("not a regular file"));
        }
        check_not_writable_by_others(&meta, "the file")?;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_KEY_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| config(format!("cannot read the file ({})", e.kind())))?;
        if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(config(format!("larger than {MAX_KEY_FILE_BYTES} bytes")));
        }
        String::from_utf8(bytes).map_err(|_| config("not UTF-8 text"))
    }

    /// One file of [`TrustedKeys::load_dir`]; messages do not name it (the caller does).
    fn key_file(path: &Path, name: &std::ffi::OsStr) -> Result<TrustedKey, Error> {
        let stem = Path::new(name)
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| config("the file name is not UTF-8"))?;
        let pem = Self::read_pem_file(path)?;
        let pem = pem.as_str();
        let blocks = pem.matches("-----BEGIN ").count();
        if blocks != 1 {
            return Err(config(format!(
                "holds {blocks} PEM blocks; one CERTIFICATE or PUBLIC KEY is expected"
            )));
        }
        if pem.contains("-----BEGIN CERTIFICATE-----") {
            if stem.starts_with(PUB_KEY_ID_PREFIX) {
                return Err(config(
                    "holds a CERTIFICATE but is named like a public key id",
                ));
            }
            let named_as_serial = stem.bytes().all(|b| b.is_ascii_hexdigit());
            TrustedKey::certificate(pem, named_as_serial.then_some(stem))
        } else if pem.contains("-----BEGIN PUBLIC KEY-----") {
            match stem.strip_prefix(PUB_KEY_ID_PREFIX) {
                Some(rest) if !rest.is_empty() => TrustedKey::public_key(stem, pem),
                _ => Err(config(
                    "a PUBLIC KEY file must be named after its id (PUB_KEY_ID_...)",
                )),
            }
        } else {
            Err(config("holds neither a CERTIFICATE nor a PUBLIC KEY"))
        }
    }

    /// The ids, in the order added (certificates by their uppercase hex serial).
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.iter().map(|k| k.label.as_str())
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// True when a key with this id (as `Wechatpay-Serial` would name it) is in the set.
    pub fn trusts(&self, serial: &str) -> bool {
        KeyId::parse(serial).is_some_and(|id| self.get(&id).is_some())
    }

    /// The key with this id.
    pub(crate) fn get(&self, id: &KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.id == *id)
    }

    /// The keys' parsed ids with their labels (for the endpoint's routing map).
    pub(crate) fn key_ids(&self) -> impl Iterator<Item = (&KeyId, &str)> + '_ {
        self.keys.iter().map(|k| (&k.id, k.label.as_str()))
    }
}

fn config(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(crate::ErrorKind::InvalidConfig, message)
}

/// Refuses a trust anchor (a key file or the directory of them) that every user of the machine may
/// write to (Unix: the "others" write bit; `chmod o-w`). Group-writable is allowed (user-private
/// groups, umask 002). Elsewhere: no check.
fn check_not_writable_by_others(meta: &std::fs::Metadata, what: &str) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o002 != 0 {
            return Err(config(format!("{what} is writable by others: chmod o-w")));
        }
    }
    #[cfg(not(unix))]
    let _ = (meta, what);
    Ok(())
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
