//! `reply.json`: the replies to WeChat Pay, byte for byte.

use serde_json::{Value, json};

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
    file(
        "wechatpay-notify/reply/1",
        json!({"Exact": "replies are compared byte for byte"}),
        vec![json!({"type": "Reply", "tests": tests})],
    )
}
