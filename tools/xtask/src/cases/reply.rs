//! `reply.json`: the replies to WeChat Pay, byte for byte, and the HTTP replies (status, content
//! type, body) every surface gives for success and for each error code.

use serde_json::{Value, json};
use wechatpay_notify::{Error, ErrorKind, reply};

use crate::render::file;

pub fn vectors() -> Value {
    let mut tests = vec![json!({
        "tcId": 1, "comment": "the documented success reply, byte for byte", "flags": ["Exact"],
        "kind": "success", "result": "valid",
        "expected": "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>",
    })];
    let fails = [
        (
            "a plain message",
            "signature_mismatch",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[signature_mismatch]]></return_msg></xml>",
        ),
        (
            "an empty message",
            "",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[]]></return_msg></xml>",
        ),
        (
            "non-ASCII",
            "签名失败",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>",
        ),
        (
            "']]>' cannot end the CDATA section",
            "a]]>b",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a]]]]><![CDATA[>b]]></return_msg></xml>",
        ),
        (
            "markup is carried as text",
            "</return_msg><return_code>SUCCESS</return_code>",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[</return_msg><return_code>SUCCESS</return_code>]]></return_msg></xml>",
        ),
        (
            "characters XML cannot carry become '?'",
            "a\u{0}b\u{1b}c",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a?b?c]]></return_msg></xml>",
        ),
    ];
    for (i, (comment, msg, expected)) in fails.iter().enumerate() {
        assert_eq!(wechatpay_notify::reply::fail(msg), *expected, "{comment}");
        tests.push(json!({
            "tcId": i + 2, "comment": comment, "flags": ["Exact"], "kind": "fail",
            "message": msg, "result": "valid", "expected": expected,
        }));
    }
    assert_eq!(wechatpay_notify::reply::success(), tests[0]["expected"]);
    let http = http_replies(tests.len() + 1);
    file(
        "wechatpay-notify/reply/1",
        json!({
            "Exact": "replies are compared byte for byte",
            "StatusRule": "one status rule for every refusal: v2 answers 200 with the XML FAIL (WeChat Pay \
                reads return_code) and v3 401 when the request was not proven authentic, 400 when it is \
                malformed; both answer 500 when the merchant's own side failed (invalid_config, internal)",
        }),
        vec![
            json!({"type": "Reply", "tests": tests}),
            json!({"type": "HttpReply", "tests": http}),
        ],
    )
}

/// The documented status of a refusal, restated here (not read from the crate) so that the file
/// checks the crate instead of copying it.
fn status_of(version: &str, code: &str) -> u16 {
    let own_failure = matches!(code, "invalid_config" | "internal");
    let unauthenticated = matches!(
        code,
        "missing_header"
            | "signature_probe"
            | "unknown_serial"
            | "timestamp_out_of_window"
            | "signature_mismatch"
            | "missing_signature"
            | "sign_type_mismatch"
            | "merchant_mismatch"
    );
    match (version, own_failure, unauthenticated) {
        (_, true, _) => 500,
        ("v2", false, _) => 200,
        (_, false, true) => 401,
        _ => 400,
    }
}

/// The HttpReply group: success and each error code's failure reply, for both versions, and a code
/// that is not one of ours (refused with invalid_argument).
fn http_replies(first_id: usize) -> Vec<Value> {
    let v2_refusal = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
    let v3_refusal = r#"{"code":"FAIL","message":"rejected"}"#;
    let mut tests = vec![
        json!({
            "comment": "v2 success: 200, text/xml, the exact XML SUCCESS", "version": "v2",
            "kind": "success", "result": "valid",
            "expected": {"status": 200, "contentType": "text/xml", "body": reply::success()},
        }),
        json!({
            "comment": "v3 success: 204 without a body", "version": "v3", "kind": "success",
            "result": "valid", "expected": {"status": 204, "contentType": null, "body": ""},
        }),
    ];
    for kind in ErrorKind::ALL {
        let code = kind.code();
        for version in ["v2", "v3"] {
            let (content_type, body) = match version {
                "v2" => ("text/xml", v2_refusal),
                _ => ("application/json", v3_refusal),
            };
            let expected = json!({"status": status_of(version, code), "contentType": content_type, "body": body});
            let error = Error::new(kind, code);
            let made = match version {
                "v2" => reply::v2_fail(&error),
                _ => reply::v3_fail(&error),
            };
            assert_eq!(
                json!({"status": made.status, "contentType": made.content_type, "body": made.body}),
                expected,
                "{version} {code}"
            );
            tests.push(json!({
                "comment": format!("{version} refusal for {code}"), "version": version, "kind": "fail",
                "code": code, "result": "valid", "expected": expected,
            }));
        }
    }
    for version in ["v2", "v3"] {
        tests.push(json!({
            "comment": format!("{version}: a code that is not one of ours"), "version": version,
            "kind": "fail", "code": "no_such_code", "result": "invalid", "error": "invalid_argument",
        }));
    }
    // tcId first, as in every other group.
    tests
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let mut numbered = serde_json::Map::new();
            numbered.insert("tcId".into(), json!(first_id + i));
            numbered.extend(t.as_object().unwrap().clone());
            Value::Object(numbered)
        })
        .collect()
}
