//! Refund decryption on arbitrary input: arbitrary outer bodies, and arbitrary `req_info` bytes
//! (as base64 inside a well-formed outer document, so the inner checks are reached). Never a panic;
//! an accepted refund always carries the identifying fields.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use wechatpay_notify::{SignType, Verifier, encrypt_req_info};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fuzz_target!(|input: (&[u8], Vec<(String, String)>, bool)| {
    let (bytes, inner, encrypt) = input;
    let v = Verifier::new(KEY, SignType::Md5).unwrap();
    let _ = v.decrypt_refund(bytes);
    let req_info = if encrypt {
        match encrypt_req_info(inner.iter().map(|(k, v)| (k, v)), KEY) {
            Ok(r) => r,
            Err(_) => return,
        }
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let body = format!("<xml><return_code>SUCCESS</return_code><mch_id>1</mch_id><req_info>{req_info}</req_info></xml>");
    if let Ok(n) = v.decrypt_refund(body.as_bytes()) {
        for name in ["transaction_id", "out_trade_no", "refund_id", "out_refund_no", "refund_fee", "refund_status"] {
            assert!(n.req_info().get(name).is_some_and(|v| !v.is_empty()), "{name}");
        }
        if encrypt {
            let got: Vec<(String, String)> = n.req_info().to_vec();
            assert_eq!(got, inner);
        }
    }
});
