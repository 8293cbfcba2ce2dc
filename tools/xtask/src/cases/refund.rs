//! `v2_refund.json`: refund notifications, their `req_info` encrypted here and decrypted by the
//! crate.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::body::{
    Enc, Pairs, doc, ecb_raw, encrypt_req_info, inner_doc, pkcs7, refund_aes_key, set, without,
};
use crate::fixtures::{KEY, REFUND_REAL_KEY, refund_inner, refund_outer, refund_real};
use crate::render::{Case, Config, Groups, Kind, config, invalid, valid_refund};

pub fn vectors() -> Value {
    let own = Own::new();
    let mut groups = Groups::new(Kind::Refund);
    for (cfg, cases) in
        published()
            .into_iter()
            .chain([own_key(&own), merchant(&own), size_limit(&own)])
    {
        groups.push(&cfg, cases);
    }
    groups.into_file(
        "wechatpay-notify/v2-refund/1",
        json!({
            "Published": "a real refund notification's req_info, published in a peer SDK's test suite",
            "Typed": "typed accessors read the decrypted req_info",
            "Dedupe": "the dedupe key is refund_id:STATUS in v3's words (CHANGE = ABNORMAL, REFUNDCLOSE = CLOSED)",
            "Whitespace": "the inner document may carry a declaration and whitespace",
            "Padding": "PKCS#7 padding is checked strictly (1..16, all bytes equal)",
            "Tamper": "ECB has no integrity: tampering must still fail closed",
            "WrongKey": "the AES key is the lowercase hex MD5 of this merchant's API key",
            "Base64": "req_info must be canonical standard base64 of whole AES blocks",
            "Inner": "the decrypted document must be a flat UTF-8 <root> document",
            "MissingField": "req_info must be present",
            "Identity": "the decrypted req_info must carry transaction_id, out_trade_no, refund_id, out_refund_no, refund_fee and refund_status (an empty <root/> does not pass)",
            "EcbCutAndPaste": "ECB has no integrity: blocks of two genuine refunds of one merchant recombine into a third that passes (documented; confirm refunds with the refund query API)",
            "ReturnFail": "return_code=FAIL is not a refund",
            "Xxe": "DOCTYPE is refused in the outer and the inner document",
            "Duplicate": "repeated elements are refused",
            "Malformed": "the outer document must be a flat <xml> document",
            "Merchant": "outer appid/mch_id are checked when configured",
            "Size": "the body size limit applies before parsing",
        }),
    )
}

/// A valid refund case: `inner` encrypted with `api_key` into a `req_info`.
fn refund_case(comment: &str, flags: &[&'static str], api_key: &str, inner: &Pairs) -> Case {
    let outer = refund_outer(&encrypt_req_info(api_key, inner_doc(inner).as_bytes()));
    valid_refund(
        comment,
        flags,
        doc(&outer, Enc::Cdata),
        outer,
        inner.clone(),
    )
}

/// An invalid refund case whose `req_info` is `padded` encrypted as is (no padding added).
fn refund_with_plaintext(
    comment: &str,
    flags: &[&'static str],
    padded: &[u8],
    code: &'static str,
) -> Case {
    let b64 = STANDARD.encode(ecb_raw(&refund_aes_key(KEY), padded));
    invalid(comment, flags, doc(&refund_outer(&b64), Enc::Cdata), code)
}

/// The outer document around `req_info`.
fn body_with(req_info: &str) -> String {
    doc(&refund_outer(req_info), Enc::Cdata)
}

// ---------------------------------------------------------------------------------------------
// The real, published refund notification

/// Its `req_info` under its own key (the inner fields read from the published plaintext by a
/// reader written here), then under another key.
fn published() -> Vec<(Config, Vec<Case>)> {
    let real = refund_real();
    let real_req = real["req_info"].as_str().unwrap();
    let plaintext = real["plaintext"].as_str().unwrap();
    assert_eq!(
        std::str::from_utf8(&refund_aes_key(REFUND_REAL_KEY)).unwrap(),
        real["derived_aes_key"].as_str().unwrap()
    );
    let mut inner = Pairs::new();
    let mut rest = plaintext.strip_prefix("<root>").unwrap();
    while let Some(open_end) = rest.find("><![CDATA[") {
        let name = &rest[1..open_end];
        let value_start = open_end + "><![CDATA[".len();
        let value_end = rest[value_start..].find("]]>").unwrap() + value_start;
        inner.push((name.to_string(), rest[value_start..value_end].to_string()));
        rest = &rest[value_end + "]]></".len() + name.len() + 1..];
    }
    assert_eq!(inner.len(), 13);
    let outer = refund_outer(real_req);
    let body = doc(&outer, Enc::Cdata);
    vec![
        (
            config(REFUND_REAL_KEY, "MD5"),
            vec![valid_refund(
                "a real refund notification's req_info (Senparc test suite), wrapped in an outer document",
                &["Published"],
                body.clone(),
                outer,
                inner,
            )],
        ),
        (
            config(KEY, "MD5"),
            vec![invalid(
                "the same req_info with a different merchant's key",
                &["WrongKey"],
                body,
                "decrypt_failed",
            )],
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Our own refunds

/// The refund most cases start from.
struct Own {
    /// [`refund_inner`].
    inner: Pairs,
    /// `inner` encrypted with [`KEY`].
    req_info: String,
}

impl Own {
    fn new() -> Self {
        let inner = refund_inner();
        let req_info = encrypt_req_info(KEY, inner_doc(&inner).as_bytes());
        Own { inner, req_info }
    }

    /// The AES ciphertext of `req_info`.
    fn ciphertext(&self) -> Vec<u8> {
        STANDARD.decode(&self.req_info).unwrap()
    }
}

fn own_key(own: &Own) -> (Config, Vec<Case>) {
    let cases = [
        decrypted(own),
        ciphertext(own),
        base64(own),
        padding(own),
        inner_document(own),
        identity(own),
        outer_document(own),
    ]
    .into_iter()
    .flatten()
    .collect();
    (config(KEY, "MD5"), cases)
}

/// Refunds that decrypt, including a failed refund and a plaintext of whole blocks.
fn decrypted(own: &Own) -> Vec<Case> {
    let base = &own.inner;
    let mut c = vec![
        refund_case(
            "a refund notification encrypted with this merchant's key",
            &["Typed"],
            KEY,
            base,
        ),
        refund_case(
            "refund_status=CHANGE (refund failed): decrypted, is_success false",
            &["Typed"],
            KEY,
            &without(&set(base, "refund_status", "CHANGE"), "success_time"),
        ),
        refund_case(
            "refund_status=REFUNDCLOSE: dedupe key refund_id:CLOSED (v3's word), is_success false",
            &["Typed", "Dedupe"],
            KEY,
            &without(&set(base, "refund_status", "REFUNDCLOSE"), "success_time"),
        ),
    ];
    let plain = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        inner_doc(base)
    );
    let outer = refund_outer(&encrypt_req_info(KEY, plain.as_bytes()));
    c.push(valid_refund(
        "inner document with an XML declaration and trailing newline",
        &["Whitespace"],
        doc(&outer, Enc::Cdata),
        outer,
        base.clone(),
    ));
    // 16-byte-aligned plaintext needs a whole block of padding
    let mut aligned = base.clone();
    let mut n = 0;
    while !inner_doc(&aligned).len().is_multiple_of(16) {
        n += 1;
        aligned = set(base, "out_refund_no", &format!("R{}", "0".repeat(n)));
    }
    c.push(refund_case(
        "a plaintext of a whole number of blocks gets a full padding block",
        &["Padding"],
        KEY,
        &aligned,
    ));
    c
}

/// ECB has no integrity, so edits of the ciphertext must fail on padding or the inner document.
fn ciphertext(own: &Own) -> Vec<Case> {
    let raw = own.ciphertext();
    let mut last_flipped = raw.clone();
    let n = last_flipped.len();
    last_flipped[n - 1] ^= 0x01;
    let mut middle_flipped = raw.clone();
    middle_flipped[20] ^= 0x80;
    vec![
        invalid(
            "last ciphertext byte flipped (padding breaks)",
            &["Tamper"],
            body_with(&STANDARD.encode(&last_flipped)),
            "decrypt_failed",
        ),
        invalid(
            "a middle block flipped (garbage plaintext)",
            &["Tamper"],
            body_with(&STANDARD.encode(&middle_flipped)),
            "decrypt_failed",
        ),
        invalid(
            "last block dropped",
            &["Tamper"],
            body_with(&STANDARD.encode(&raw[..raw.len() - 16])),
            "decrypt_failed",
        ),
        invalid(
            "first block dropped",
            &["Tamper"],
            body_with(&STANDARD.encode(&raw[16..])),
            "decrypt_failed",
        ),
        invalid(
            "not a whole number of blocks",
            &["Base64"],
            body_with(&STANDARD.encode(&raw[..raw.len() - 3])),
            "decrypt_failed",
        ),
    ]
}

/// `req_info` must be canonical standard base64.
fn base64(own: &Own) -> Vec<Case> {
    let good = &own.req_info;
    vec![
        invalid(
            "req_info with a line break (non-canonical base64)",
            &["Base64"],
            body_with(&format!("{}\n{}", &good[..64], &good[64..])),
            "decrypt_failed",
        ),
        invalid(
            "req_info without its '=' padding",
            &["Base64"],
            body_with(good.trim_end_matches('=')),
            "decrypt_failed",
        ),
        invalid(
            "req_info in the URL-safe alphabet",
            &["Base64"],
            body_with(&good.replace('+', "-").replace('/', "_")),
            "decrypt_failed",
        ),
        invalid(
            "req_info that is not base64 at all",
            &["Base64"],
            body_with("not base64!"),
            "decrypt_failed",
        ),
    ]
}

/// PKCS#7 padding is checked strictly.
fn padding(own: &Own) -> Vec<Case> {
    let plain = inner_doc(&own.inner).into_bytes();
    let mut zero_padded = plain.clone();
    let pad = 16 - zero_padded.len() % 16;
    zero_padded.extend(std::iter::repeat_n(0u8, pad));
    let mut inconsistent = pkcs7(&plain);
    let n = inconsistent.len();
    if inconsistent[n - 1] > 1 {
        inconsistent[n - 2] ^= 0x01;
    } else {
        inconsistent[n - 1] = 17;
    }
    let mut too_long = plain;
    while too_long.len() % 16 != 15 {
        too_long.push(b' ');
    }
    too_long.push(17);
    too_long.extend(std::iter::repeat_n(17u8, 16));
    vec![
        refund_with_plaintext(
            "zero padding instead of PKCS#7",
            &["Padding"],
            &zero_padded,
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "inconsistent padding bytes",
            &["Padding"],
            &inconsistent,
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "a padding length over the block size",
            &["Padding"],
            &too_long,
            "decrypt_failed",
        ),
    ]
}

/// The decrypted document must be a flat UTF-8 `<root>` document.
fn inner_document(own: &Own) -> Vec<Case> {
    let base = &own.inner;
    let mut not_utf8 = inner_doc(base).into_bytes();
    let at = not_utf8.len() - 20;
    not_utf8[at] = 0xFF;
    vec![
        refund_with_plaintext(
            "inner document rooted at <xml> instead of <root>",
            &["Inner"],
            &pkcs7(doc(base, Enc::Cdata).as_bytes()),
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "inner document that is not XML",
            &["Inner"],
            &pkcs7(b"refund_id=1&refund_fee=1"),
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "inner document with a DOCTYPE",
            &["Inner", "Xxe"],
            &pkcs7(format!("<!DOCTYPE root>{}", inner_doc(base)).as_bytes()),
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "inner document with a repeated refund_fee",
            &["Inner", "Duplicate"],
            &pkcs7(
                inner_doc(base)
                    .replace("</root>", "<refund_fee>1</refund_fee></root>")
                    .as_bytes(),
            ),
            "decrypt_failed",
        ),
        refund_with_plaintext(
            "inner document that is not UTF-8",
            &["Inner"],
            &pkcs7(&not_utf8),
            "decrypt_failed",
        ),
    ]
}

/// The decrypted document must identify the refund (issue 8.4).
fn identity(own: &Own) -> Vec<Case> {
    let base = &own.inner;
    let mut c = vec![refund_with_plaintext(
        "an empty <root/> decrypts but identifies no refund",
        &["Identity"],
        &pkcs7(b"<root/>"),
        "missing_field",
    )];
    for name in [
        "transaction_id",
        "out_trade_no",
        "refund_id",
        "out_refund_no",
        "refund_fee",
        "refund_status",
    ] {
        c.push(refund_with_plaintext(
            &format!("req_info without {name}"),
            &["Identity"],
            &pkcs7(inner_doc(&without(base, name)).as_bytes()),
            "missing_field",
        ));
        c.push(refund_with_plaintext(
            &format!("req_info with an empty {name}"),
            &["Identity"],
            &pkcs7(inner_doc(&set(base, name, "")).as_bytes()),
            "missing_field",
        ));
    }
    c.push(ecb_cut_and_paste(own));
    c
}

/// The documented limit of ECB: whole blocks of two genuine refund notifications of the same
/// merchant, recombined, decrypt to a third document that passes every check. This case pins the
/// limit (it is VALID), so that no surface claims refunds are authenticated.
fn ecb_cut_and_paste(own: &Own) -> Case {
    let key = refund_aes_key(KEY);
    // Two genuine refunds whose plaintexts are block-aligned the same way up to refund_fee.
    let first = set(&own.inner, "refund_fee", "100");
    let second = set(&own.inner, "refund_fee", "999");
    let (p1, p2) = (inner_doc(&first), inner_doc(&second));
    assert_eq!(p1.len(), p2.len(), "equal lengths keep the blocks aligned");
    let (c1, c2) = (
        ecb_raw(&key, &pkcs7(p1.as_bytes())),
        ecb_raw(&key, &pkcs7(p2.as_bytes())),
    );
    // Take every block from the first, except the block holding the fee's digits (the only bytes
    // where the two plaintexts differ) from the second.
    let differ: Vec<usize> = (0..p1.len())
        .filter(|&i| p1.as_bytes()[i] != p2.as_bytes()[i])
        .collect();
    let block = differ[0] / 16;
    assert!(
        differ.iter().all(|&i| i / 16 == block),
        "the fee's digits sit in one block"
    );
    let mut mixed = c1.clone();
    mixed[block * 16..block * 16 + 16].copy_from_slice(&c2[block * 16..block * 16 + 16]);
    let outer = refund_outer(&STANDARD.encode(&mixed));
    valid_refund(
        "ECB cut-and-paste: blocks of two genuine refunds recombine into a third that decrypts and passes (the documented limit: confirm refunds with the refund query API)",
        &["EcbCutAndPaste"],
        doc(&outer, Enc::Cdata),
        outer,
        first
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == "refund_fee" {
                        "999".into()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect(),
    )
}

/// The outer document: `req_info` present, `return_code`, and the same XML rules as payments.
fn outer_document(own: &Own) -> Vec<Case> {
    let good = &own.req_info;
    vec![
        invalid(
            "no req_info",
            &["MissingField"],
            doc(&without(&refund_outer(good), "req_info"), Enc::Cdata),
            "missing_field",
        ),
        invalid(
            "empty req_info",
            &["MissingField"],
            doc(&refund_outer(""), Enc::Cdata),
            "missing_field",
        ),
        invalid(
            "return_code=FAIL",
            &["ReturnFail"],
            doc(&set(&refund_outer(good), "return_code", "FAIL"), Enc::Cdata),
            "return_code_fail",
        ),
        invalid(
            "outer document with a DOCTYPE",
            &["Xxe"],
            format!("<!DOCTYPE xml>{}", body_with(good)),
            "forbidden_doctype",
        ),
        invalid(
            "outer req_info twice",
            &["Duplicate"],
            body_with(good).replace("</xml>", "<req_info>x</req_info></xml>"),
            "duplicate_field",
        ),
        invalid(
            "outer document not flat",
            &["Malformed"],
            body_with(good).replace("<nonce_str>", "<nonce_str><x/>"),
            "malformed_xml",
        ),
    ]
}

/// Merchant checks: the outer appid/mch_id are not covered by any signature.
fn merchant(own: &Own) -> (Config, Vec<Case>) {
    let mut cfg = config(KEY, "HMAC-SHA256");
    cfg.appid = Some("wx2421b1c4370ec43b");
    cfg.mch_id = Some("10000100");
    let cases = vec![
        refund_case(
            "appid and mch_id match (the refund key does not depend on sign type)",
            &["Merchant"],
            KEY,
            &own.inner,
        ),
        invalid(
            "another mch_id",
            &["Merchant"],
            doc(
                &set(&refund_outer(&own.req_info), "mch_id", "10000200"),
                Enc::Cdata,
            ),
            "merchant_mismatch",
        ),
        invalid(
            "another appid",
            &["Merchant"],
            doc(
                &set(&refund_outer(&own.req_info), "appid", "wx0000000000000000"),
                Enc::Cdata,
            ),
            "merchant_mismatch",
        ),
    ];
    (cfg, cases)
}

fn size_limit(own: &Own) -> (Config, Vec<Case>) {
    let mut cfg = config(KEY, "MD5");
    cfg.max_body_bytes = Some(256);
    let cases = vec![invalid(
        "refund body over max_body_bytes",
        &["Size"],
        body_with(&own.req_info),
        "body_too_large",
    )];
    (cfg, cases)
}
