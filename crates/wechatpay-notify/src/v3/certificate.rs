//! Platform certificates as WeChat Pay's certificate download API (`GET /v3/certificates`) returns
//! them: each encrypted like a notification's resource, the response signed like a notification.
//! For a downloader (such as the CLI's `certificates` command); the notification handler itself
//! never makes a network call.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::{DecodePem, Encode};
use serde_json::{Map, Value};
use x509_cert::Certificate;

use super::{KeyId, ParsedHeaders, TrustedKey, V3Headers, V3Verifier, check_signed};
use crate::error::{Error, ErrorKind, excerpt};

/// A WeChat Pay platform certificate, parsed and checked as a trusted key would be (RSA, 2048 to
/// 8192 bits, a usable public exponent).
#[derive(Clone)]
pub struct PlatformCertificate {
    key: TrustedKey,
    der: Vec<u8>,
    not_before: u64,
    not_after: u64,
}

impl std::fmt::Debug for PlatformCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCertificate")
            .field("serial", &self.key.label)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl PlatformCertificate {
    /// Parses a PEM `CERTIFICATE`; `invalid_config` when it is not one, or its key could never
    /// verify a signature here.
    pub fn from_pem(pem: &str) -> Result<PlatformCertificate, Error> {
        let key = TrustedKey::certificate(pem, None)?;
        let cert = Certificate::from_pem(pem.trim().as_bytes())
            .map_err(|e| Error::invalid_config(format!("not a PEM X.509 certificate ({e})")))?;
        let der = cert.to_der().map_err(|e| {
            Error::invalid_config(format!("the certificate does not re-encode ({e})"))
        })?;
        let validity = cert.tbs_certificate().validity();
        Ok(PlatformCertificate {
            key,
            der,
            not_before: validity.not_before.to_unix_duration().as_secs(),
            not_after: validity.not_after.to_unix_duration().as_secs(),
        })
    }

    /// Decrypts one entry's `encrypt_certificate` of a certificate download (`AEAD_AES_256_GCM`
    /// under the APIv3 key, with `associated_data`, exactly like a notification's `resource`) and
    /// parses the certificate inside. A bad APIv3 key is `invalid_config`; anything that does not
    /// decrypt to a usable certificate is `decrypt_failed` (or `missing_field` /
    /// `unsupported_algorithm` for the object's shape).
    pub fn decrypt(
        api_v3_key: impl AsRef<[u8]>,
        encrypt_certificate: &Map<String, Value>,
    ) -> Result<PlatformCertificate, Error> {
        let plaintext = V3Verifier::new(api_v3_key)?.decrypt(encrypt_certificate)?;
        PlatformCertificate::from_pem(&plaintext).map_err(|e| {
            Error::decrypt_failed(format!(
                "the decrypted certificate is not usable: {}",
                e.message()
            ))
        })
    }

    /// The serial number: uppercase hex without leading zeros (how the core names certificates).
    pub fn serial(&self) -> &str {
        &self.key.label
    }

    /// True when `serial` (hex, as `serial_no` or `Wechatpay-Serial` gives it) is this
    /// certificate's serial number, compared as a number (case and leading zeros do not matter).
    pub fn has_serial(&self, serial: &str) -> bool {
        KeyId::parse(serial).as_ref() == Some(&self.key.id)
    }

    /// The start of the validity period, in Unix seconds.
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// The end of the validity period, in Unix seconds (inclusive).
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// The certificate as PEM (`CERTIFICATE`, 64-character lines, `\n` line ends), re-encoded
    /// from its DER: the same certificate always gives the same text.
    pub fn to_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            // Base64 is ASCII.
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// Verifies a signed WeChat Pay API response (for instance the certificate download's) the
    /// way a notification is verified: the `Wechatpay-*` headers (missing → `missing_header`, a
    /// probe → `signature_probe`, another signature type → `unsupported_algorithm`), the
    /// certificate among `trusted` whose serial is `Wechatpay-Serial` (none → `unknown_serial`;
    /// outside its validity at `now` → `unknown_serial`), `Wechatpay-Timestamp` within
    /// `max_clock_skew` seconds of `now` (`timestamp_out_of_window`), then SHA256withRSA over
    /// `timestamp\nnonce\nbody\n` (`signature_mismatch`). Returns the certificate that verified.
    pub fn verify_response<'c>(
        trusted: &'c [PlatformCertificate],
        headers: &V3Headers,
        body: &[u8],
        now: u64,
        max_clock_skew: u64,
    ) -> Result<&'c PlatformCertificate, Error> {
        let h = ParsedHeaders::read(headers)?;
        let cert =
            h.id.as_ref()
                .and_then(|id| trusted.iter().find(|c| c.key.id == *id))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownSerial,
                        format!(
                            "no trusted platform certificate has the serial {}",
                            excerpt(h.serial())
                        ),
                    )
                })?;
        check_signed(&cert.key, &h, body, now, max_clock_skew)?;
        Ok(cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    use serde_json::json;

    const CERT: &str = include_str!("../../../../tests/vectors/keys/wechatpay-go-certificate.pem");
    const KEY: &str =
        include_str!("../../../../tests/vectors/keys/wechatpay-go-test-private-key.pem");
    const LEADING_ZERO: &str = include_str!("../../../../tests/vectors/keys/cert-leading-zero.pem");
    const EXPIRED: &str = include_str!("../../../../tests/vectors/keys/cert-expired.pem");
    const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    /// 2026-01-01T00:00:00Z: within the wechatpay-go certificate's validity (2021 to 2031).
    const NOW: u64 = 1_767_225_600;

    fn seal(key: &str, nonce: &str, aad: &str, plaintext: &str) -> String {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.as_bytes()).unwrap());
        let mut buf = plaintext.as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .unwrap();
        STANDARD.encode(buf)
    }

    fn encrypted(pem: &str) -> Map<String, Value> {
        let v = json!({
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": "d215b0511e9c",
            "associated_data": "certificate",
            "ciphertext": seal(API_V3_KEY, "d215b0511e9c", "certificate", pem),
        });
        v.as_object().unwrap().clone()
    }

    fn der_of(pem: &str) -> Vec<u8> {
        let b64: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>();
        STANDARD.decode(b64).unwrap()
    }

    fn signed(body: &[u8], timestamp: u64, serial: &str) -> V3Headers {
        let b64: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
        let signer = RsaKeyPair::from_pkcs8(&STANDARD.decode(b64).unwrap()).unwrap();
        let mut message = format!("{timestamp}\nn0nce\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        let mut sig = vec![0; signer.public_modulus_len()];
        signer
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &message, &mut sig)
            .unwrap();
        [
            ("Wechatpay-Timestamp", timestamp.to_string()),
            ("Wechatpay-Nonce", "n0nce".to_string()),
            ("Wechatpay-Signature", STANDARD.encode(sig)),
            ("Wechatpay-Serial", serial.to_string()),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn parses_serial_validity_and_round_trips_pem() {
        let c = PlatformCertificate::from_pem(CERT).unwrap();
        assert_eq!(c.serial(), "D7CE59D1F522D701");
        assert!(c.has_serial("d7ce59d1f522d701"));
        assert!(c.has_serial("00D7CE59D1F522D701"));
        assert!(!c.has_serial("D7CE59D1F522D702"));
        assert!(!c.has_serial("PUB_KEY_ID_01"));
        // notBefore 2021-04-27T08:55:23Z, notAfter 2031-04-25T08:55:23Z (openssl x509 -dates).
        assert_eq!(c.not_before(), 1_619_513_723);
        assert_eq!(c.not_after(), 1_934_873_723);
        assert_eq!(der_of(&c.to_pem()), der_of(CERT));
        assert!(c.to_pem().lines().all(|l| l.len() <= 64));
        let again = PlatformCertificate::from_pem(&c.to_pem()).unwrap();
        assert_eq!(again.to_pem(), c.to_pem());
        let z = PlatformCertificate::from_pem(LEADING_ZERO).unwrap();
        assert_eq!(z.serial(), "A1B2C3D4E5F6071");
        assert!(z.has_serial("0A1B2C3D4E5F6071"));
        assert_eq!(
            PlatformCertificate::from_pem("no").unwrap_err().code(),
            "invalid_config"
        );
        assert!(!format!("{c:?}").contains("BEGIN"));
    }

    #[test]
    fn decrypts_with_the_api_v3_key_only() {
        let enc = encrypted(CERT);
        let c = PlatformCertificate::decrypt(API_V3_KEY, &enc).unwrap();
        assert_eq!(c.serial(), "D7CE59D1F522D701");
        let wrong = "b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
        assert_eq!(
            PlatformCertificate::decrypt(wrong, &enc)
                .unwrap_err()
                .code(),
            "decrypt_failed"
        );
        let mut aad = enc.clone();
        aad.insert("associated_data".into(), json!("transaction"));
        assert_eq!(
            PlatformCertificate::decrypt(API_V3_KEY, &aad)
                .unwrap_err()
                .code(),
            "decrypt_failed"
        );
        assert_eq!(
            PlatformCertificate::decrypt("short", &enc)
                .unwrap_err()
                .code(),
            "invalid_config"
        );
        let garbage = encrypted("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        let e = PlatformCertificate::decrypt(API_V3_KEY, &garbage).unwrap_err();
        assert_eq!(e.code(), "decrypt_failed");
        assert!(e.message().starts_with("the decrypted certificate"));
        let mut sm4 = enc.clone();
        sm4.insert("algorithm".into(), json!("AEAD_SM4_GCM"));
        assert_eq!(
            PlatformCertificate::decrypt(API_V3_KEY, &sm4)
                .unwrap_err()
                .code(),
            "unsupported_algorithm"
        );
        let mut none = enc;
        none.remove("ciphertext");
        assert_eq!(
            PlatformCertificate::decrypt(API_V3_KEY, &none)
                .unwrap_err()
                .code(),
            "missing_field"
        );
    }

    #[test]
    fn verifies_a_signed_response() {
        let trusted = [
            PlatformCertificate::from_pem(EXPIRED).unwrap(),
            PlatformCertificate::from_pem(CERT).unwrap(),
        ];
        let body = br#"{"data":[]}"#;
        let ok = signed(body, NOW, "d7ce59d1f522d701");
        let c = PlatformCertificate::verify_response(&trusted, &ok, body, NOW, 300).unwrap();
        assert_eq!(c.serial(), "D7CE59D1F522D701");
        let code = |headers: &V3Headers, body: &[u8], now: u64| {
            PlatformCertificate::verify_response(&trusted, headers, body, now, 300)
                .unwrap_err()
                .code()
        };
        assert_eq!(code(&ok, br#"{"data":[ ]}"#, NOW), "signature_mismatch");
        assert_eq!(code(&ok, body, NOW + 301), "timestamp_out_of_window");
        assert_eq!(
            code(&signed(body, NOW, "D7CE59D1F522D702"), body, NOW),
            "unknown_serial"
        );
        // The expired certificate is trusted but unusable.
        assert_eq!(
            code(&signed(body, NOW, "3E8A5B1C2D3E4F50"), body, NOW),
            "unknown_serial"
        );
        let mut missing: V3Headers = [("Wechatpay-Serial", "D7CE59D1F522D701")]
            .into_iter()
            .collect();
        assert_eq!(code(&missing, body, NOW), "missing_header");
        missing.insert("Wechatpay-Timestamp", NOW.to_string());
        missing.insert("Wechatpay-Nonce", "n");
        missing.insert("Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc");
        assert_eq!(code(&missing, body, NOW), "signature_probe");
        assert_eq!(
            PlatformCertificate::verify_response(&[], &ok, body, NOW, 300)
                .unwrap_err()
                .code(),
            "unknown_serial"
        );
    }
}
