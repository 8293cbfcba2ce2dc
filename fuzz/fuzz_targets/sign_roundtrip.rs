//! Arbitrary field lists: whatever `sign` accepts, written as WeChat Pay writes it (CDATA), verifies
//! and reads back exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_notify::{SignType, Verifier, sign};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fuzz_target!(|input: Vec<(String, String)>| {
    let mut fields: Vec<(String, String)> = vec![("return_code".into(), "SUCCESS".into())];
    for (k, v) in input {
        let ok_name = !k.is_empty()
            && k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok_name && k != "sign" && k != "sign_type" && k != "return_code" && !v.contains('\r') {
            fields.push((k, v));
        }
    }
    let Ok(s) = sign(fields.iter().cloned(), KEY, SignType::Md5) else {
        return;
    };
    let mut body = String::from("<xml>");
    for (k, v) in &fields {
        body.push_str(&format!("<{k}><![CDATA[{}]]></{k}>", v.replace("]]>", "]]]]><![CDATA[>")));
    }
    body.push_str(&format!("<sign>{s}</sign></xml>"));
    let v = Verifier::new(KEY, SignType::Md5).unwrap();
    match v.verify_payment(body.as_bytes()) {
        Ok(n) => {
            let got: Vec<(String, String)> = n.fields().to_vec();
            assert_eq!(&got[..got.len() - 1], &fields[..]);
        }
        // Values XML cannot carry (control characters) are refused by the reader, never accepted.
        Err(e) => assert_eq!(e.code(), "malformed_xml", "{e}"),
    }
});
