//! APIv3 verification on arbitrary headers and bodies. Half the inputs are signed with the
//! wechatpay-go test key (so the JSON, field and decryption stages are reached); some are also
//! encrypted properly. Never a panic; messages stay inert.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use std::sync::OnceLock;
use wechatpay_notify::{V3Headers, V3Verifier};

const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const CERT: &str = include_str!("../../tests/vectors/keys/wechatpay-go-certificate.pem");
const KEY: &str = include_str!("../../tests/vectors/keys/wechatpay-go-test-private-key.pem");
const NOW: u64 = 1_795_000_000;

fn setup() -> &'static (V3Verifier, RsaKeyPair) {
    static S: OnceLock<(V3Verifier, RsaKeyPair)> = OnceLock::new();
    S.get_or_init(|| {
        let mut v = V3Verifier::new(API_V3_KEY).unwrap();
        v.add_platform_certificate(CERT).unwrap();
        let b64: String = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
        let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(b64).unwrap()).unwrap();
        (v, key)
    })
}

fuzz_target!(|input: (Vec<(String, String)>, &[u8], Option<String>, bool, i16)| {
    let (mut pairs, body, serial, sign, skew) = input;
    let (verifier, key) = setup();
    let timestamp = (NOW as i64 + i64::from(skew)).to_string();
    if sign {
        let nonce = "fuzznonce";
        let mut message = Vec::new();
        for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), &message, &mut sig).unwrap();
        pairs.push(("Wechatpay-Timestamp".into(), timestamp));
        pairs.push(("Wechatpay-Nonce".into(), nonce.into()));
        pairs.push(("Wechatpay-Signature".into(), STANDARD.encode(sig)));
        pairs.push(("Wechatpay-Serial".into(), serial.unwrap_or_else(|| "D7CE59D1F522D701".into())));
    }
    let headers: V3Headers = pairs.into_iter().collect();
    match verifier.verify(&headers, body, NOW) {
        Ok(n) => {
            assert!(sign, "an unsigned request verified");
            assert!(serde_json::from_str::<serde_json::Value>(n.plaintext()).is_ok());
        }
        Err(e) => {
            let m = e.to_string();
            assert!(m.chars().count() <= 200 && m.bytes().all(|b| (0x20..0x7F).contains(&b)), "{m:?}");
        }
    }
});
