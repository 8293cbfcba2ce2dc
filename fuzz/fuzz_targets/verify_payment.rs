//! Arbitrary bodies: the verifier and the refund decryptor never panic, and an accepted payment
//! always carries a signature that verifies under the configured key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_notify::{SignType, Verifier, sign};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fuzz_target!(|body: &[u8]| {
    for t in [SignType::Md5, SignType::HmacSha256] {
        let v = Verifier::new(KEY, t).unwrap();
        if let Ok(n) = v.verify_payment(body) {
            let fields: Vec<_> = n.fields().iter().filter(|(k, _)| *k != "sign").collect();
            let expected = sign(fields, KEY, n.sign_type()).unwrap();
            assert_eq!(n.fields().get("sign"), Some(expected.as_str()));
        }
        let _ = v.decrypt_refund(body);
    }
    let _ = wechatpay_notify::parse_unverified(body);
});
