//! `v2_pay.json`: payment notifications, signed and verified.

use serde_json::{Value, json};
use wechatpay_notify::{SignType, sign};

use crate::body::{Enc, Pairs, doc, element, get, pairs, set, with_sign, without};
use crate::fixtures::{KEY, OTHER_KEY, docs_sample, full_pay, minimal_pay, public_json};
use crate::render::{Case, Config, Groups, Kind, config, invalid, valid};

/// The notification most cases start from, unsigned and signed both ways.
struct Base {
    /// [`full_pay`] without a signature.
    full: Pairs,
    /// `full` signed with MD5.
    md5: Pairs,
    /// `full` signed with HMAC-SHA256.
    hmac: Pairs,
}

impl Base {
    fn new() -> Self {
        let full = full_pay();
        let md5 = with_sign(&full, KEY, SignType::Md5);
        let hmac = with_sign(&full, KEY, SignType::HmacSha256);
        Base { full, md5, hmac }
    }

    /// The MD5-signed notification as WeChat Pay writes it (CDATA values, one line); most
    /// tampering and malformed cases are edits of this text.
    fn body(&self) -> String {
        doc(&self.md5, Enc::Cdata)
    }

    /// Its signature.
    fn sig(&self) -> String {
        get(&self.md5, "sign").unwrap().to_string()
    }
}

pub fn vectors() -> Value {
    let b = Base::new();
    let mut groups = Groups::new(Kind::Pay);
    for (cfg, cases) in [
        md5_default(&b),
        hmac_pinned(&b),
        md5_migration(&b),
        merchant(&b),
        size_limit(),
    ]
    .into_iter()
    .chain(bad_configs(&b))
    {
        groups.push(&cfg, cases);
    }
    groups.into_file(
        "wechatpay-notify/v2-pay/1",
        json!({
            "Published": "public data from WeChat Pay's docs or peer SDK test suites",
            "Typed": "typed accessors (amounts in fen, coupons, dedupe key) read the verified fields",
            "Amounts": "an amount is all-digit text (empty = absent); present in another form the property is an error ({\"error\": \"missing_field\"}), never absent",
            "Escapes": "CDATA, escaped text and character references decode to the same signed value",
            "Whitespace": "whitespace, comments and the XML declaration between elements are not data",
            "ExactValues": "values are kept and signed exactly as decoded (no trimming)",
            "SkipSignAndEmpty": "sign and empty values are excluded from the string to sign, but kept in fields",
            "UnknownField": "verification covers every field received, not a typed model",
            "Dedupe": "the dedupe key names the state: transaction_id for a success, transaction_id:RESULT_CODE otherwise",
            "ResultFail": "a signed result_code=FAIL notification is genuine and must be acknowledged",
            "SignType": "sign_type is an ordinary signed field that must name an accepted algorithm",
            "Tamper": "any change after signing is detected",
            "SignatureCase": "the signature must be exactly the uppercase hex the algorithm yields",
            "WrongKey": "a signature made with another key does not verify",
            "AlgorithmPinned": "the algorithm comes from configuration, never from the message (no downgrade)",
            "AlsoAccept": "a second algorithm is accepted only with the explicit migration opt-in",
            "Unsigned": "unsigned notifications are never accepted",
            "ReturnFail": "return_code=FAIL is a communication notice, not a payment",
            "MissingField": "required protocol fields must be present",
            "Duplicate": "a repeated element is refused (parser differentials)",
            "Xxe": "DOCTYPE and entity declarations are refused, never expanded or fetched",
            "Malformed": "anything but a flat UTF-8 <xml> document is refused",
            "Merchant": "the notification must be for the configured appid/mch_id",
            "Size": "the body size limit applies before parsing",
            "BadConfig": "an unusable configuration is refused when the verifier is built; the message never repeats the configured API key",
            "XmlName": "every element name is an XML NCName (a name holding '=' or '&' would make the string to sign ambiguous)",
            "Prolog": "at most one BOM; an XML declaration only at the very start, once, with a version; no ']]>' in text",
            "Identity": "a successful payment carries non-empty transaction_id and out_trade_no and an all-digit total_fee (a captured notification rewritten to hide them, or another signed message, is refused)",
            "HostileMessage": "every error message is at most 200 characters with no Cc/Cf/Zl/Zp character, whatever the input (log injection)",
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// MD5, default policy

fn md5_default(b: &Base) -> (Config, Vec<Case>) {
    let cases = [
        encodings(b),
        values_kept(),
        tampering(b),
        sign_type_under_md5(b),
        unsigned(b),
        return_code(),
        duplicates(b),
        doctype(b),
        typed_edges(),
        malformed(b),
        names(b),
        prolog(b),
        identity(b),
        hostile_messages(b),
        default_size_limit(),
    ]
    .into_iter()
    .flatten()
    .collect();
    (config(KEY, "MD5"), cases)
}

/// The docs sample, then one notification written in every way XML allows for the same data.
fn encodings(b: &Base) -> Vec<Case> {
    let sample = with_sign(&docs_sample(), KEY, SignType::Md5);
    let mut laid_out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- notify -->\n<xml>\n");
    for (k, v) in &b.md5 {
        laid_out.push_str("  ");
        laid_out.push_str(&element(k, v, Enc::Cdata));
        laid_out.push_str("\r\n");
    }
    laid_out.push_str("</xml>\n");
    vec![
        valid(
            "WeChat Pay docs sample notification fields, signed with MD5",
            &["Published"],
            doc(&sample, Enc::Cdata),
            sample.clone(),
        ),
        valid(
            "realistic 28-field notification with two coupons, CDATA values",
            &["Typed"],
            doc(&b.md5, Enc::Cdata),
            b.md5.clone(),
        ),
        valid(
            "same fields as escaped text (entities decoded before signing)",
            &["Escapes"],
            doc(&b.md5, Enc::Text),
            b.md5.clone(),
        ),
        valid(
            "same fields written with numeric character references",
            &["Escapes"],
            doc(&b.md5, Enc::CharRefs),
            b.md5.clone(),
        ),
        valid(
            "each value split across two CDATA sections",
            &["Escapes"],
            doc(&b.md5, Enc::SplitCdata),
            b.md5.clone(),
        ),
        valid(
            "XML declaration, comments and whitespace between elements are ignored",
            &["Whitespace"],
            laid_out,
            b.md5.clone(),
        ),
        valid(
            "a UTF-8 byte order mark is accepted",
            &["Whitespace"],
            format!("\u{feff}{}", doc(&b.md5, Enc::Cdata)),
            b.md5.clone(),
        ),
    ]
}

/// Every field received is kept and signed as received, whatever its value or name.
fn values_kept() -> Vec<Case> {
    let mut c = Vec::new();
    let f = set(
        &set(&minimal_pay(), "attach", "  padded value\n"),
        "device_info",
        "",
    );
    let f = with_sign(&f, KEY, SignType::Md5);
    let body =
        doc(&f, Enc::Cdata).replace("<device_info><![CDATA[]]></device_info>", "<device_info/>");
    c.push(valid(
        "values keep leading/trailing whitespace; an empty element is kept and not signed",
        &["ExactValues", "SkipSignAndEmpty"],
        body,
        f,
    ));
    let f = with_sign(
        &set(&minimal_pay(), "promotion_detail_new_field", "{\"a\":1}"),
        KEY,
        SignType::Md5,
    );
    c.push(valid(
        "a field this library does not know is still signed and kept",
        &["UnknownField"],
        doc(&f, Enc::Cdata),
        f,
    ));
    let f = set(
        &set(
            &set(&minimal_pay(), "result_code", "FAIL"),
            "err_code",
            "NOTENOUGH",
        ),
        "err_code_des",
        "余额不足",
    );
    let with_id = with_sign(&f, KEY, SignType::Md5);
    let f = with_sign(&without(&f, "transaction_id"), KEY, SignType::Md5);
    c.push(valid(
        "result_code=FAIL is signed: verified (and acknowledged), is_success false",
        &["ResultFail"],
        doc(&f, Enc::Cdata),
        f,
    ));
    c.push(valid(
        "result_code=FAIL with a transaction_id: dedupe key transaction_id:FAIL, so a later success of it is recorded",
        &["ResultFail", "Dedupe"],
        doc(&with_id, Enc::Cdata),
        with_id,
    ));
    let f = with_sign(&set(&minimal_pay(), "sign_type", "MD5"), KEY, SignType::Md5);
    c.push(valid(
        "sign_type=MD5 present and matching the configuration",
        &["SignType"],
        doc(&f, Enc::Cdata),
        f,
    ));
    c
}

/// Any change after signing, and any signature but the exact one, fails.
fn tampering(b: &Base) -> Vec<Case> {
    let body = b.body();
    let sig = b.sig();
    vec![
        invalid(
            "total_fee changed after signing",
            &["Tamper"],
            body.replace("<total_fee><![CDATA[101]]>", "<total_fee><![CDATA[1]]>"),
            "signature_mismatch",
        ),
        invalid(
            "a field added after signing",
            &["Tamper"],
            body.replace("</xml>", "<extra>1</extra></xml>"),
            "signature_mismatch",
        ),
        invalid(
            "a signed field removed",
            &["Tamper"],
            body.replace("<attach><![CDATA[支付测试 & <附加数据>]]></attach>", ""),
            "signature_mismatch",
        ),
        invalid(
            "an empty field made non-empty",
            &["Tamper"],
            doc(&set(&b.md5, "device_info", "WEB2"), Enc::Cdata),
            "signature_mismatch",
        ),
        invalid(
            "lowercase hex of the right signature",
            &["SignatureCase"],
            body.replace(&sig, &sig.to_lowercase()),
            "signature_mismatch",
        ),
        invalid(
            "right signature with a trailing space",
            &["ExactValues"],
            body.replace(&sig, &format!("{sig} ")),
            "signature_mismatch",
        ),
        invalid(
            "truncated signature",
            &["Tamper"],
            body.replace(&sig, &sig[..31]),
            "signature_mismatch",
        ),
        invalid(
            "signed with another merchant's key",
            &["WrongKey"],
            doc(&with_sign(&b.full, OTHER_KEY, SignType::Md5), Enc::Cdata),
            "signature_mismatch",
        ),
    ]
}

/// Under an MD5 configuration, neither the signature nor `sign_type` can choose HMAC-SHA256,
/// and `sign_type` must name a known algorithm exactly.
fn sign_type_under_md5(b: &Base) -> Vec<Case> {
    let signed_with = |sign_type: &str, t: SignType| {
        let f = with_sign(&set(&minimal_pay(), "sign_type", sign_type), KEY, t);
        doc(&f, Enc::Cdata)
    };
    vec![
        invalid(
            "HMAC-SHA256 signature without sign_type, verifier configured for MD5",
            &["AlgorithmPinned"],
            doc(&b.hmac, Enc::Cdata),
            "signature_mismatch",
        ),
        invalid(
            "sign_type=HMAC-SHA256 (validly signed) while the verifier is pinned to MD5",
            &["AlgorithmPinned"],
            signed_with("HMAC-SHA256", SignType::HmacSha256),
            "sign_type_mismatch",
        ),
        invalid(
            "sign_type in lowercase is not a known algorithm",
            &["SignType"],
            signed_with("md5", SignType::Md5),
            "sign_type_mismatch",
        ),
        invalid(
            "sign_type names an unsupported algorithm",
            &["SignType"],
            signed_with("RSA", SignType::Md5),
            "sign_type_mismatch",
        ),
    ]
}

/// What the signature covers, and notifications without one.
fn unsigned(b: &Base) -> Vec<Case> {
    // a signature computed over more than the document's fields (here one more, `zsign=X`)
    let mut bogus = minimal_pay();
    bogus.push(("zsign".into(), "X".into()));
    let over_sign = sign(bogus.iter().cloned(), KEY, SignType::Md5).unwrap();
    let mut covers_more = minimal_pay();
    covers_more.push(("sign".into(), over_sign));
    vec![
        invalid(
            "signature that covers a field it should not",
            &["SkipSignAndEmpty"],
            doc(&covers_more, Enc::Cdata),
            "signature_mismatch",
        ),
        invalid(
            "no sign element",
            &["Unsigned"],
            doc(&b.full, Enc::Cdata),
            "missing_signature",
        ),
        invalid(
            "empty sign element",
            &["Unsigned"],
            doc(&set(&b.full, "sign", ""), Enc::Cdata),
            "missing_signature",
        ),
        invalid(
            "self-closing sign element",
            &["Unsigned"],
            doc(&b.full, Enc::Cdata).replace("</xml>", "<sign/></xml>"),
            "missing_signature",
        ),
    ]
}

/// `return_code` decides whether the document is a notification at all.
fn return_code() -> Vec<Case> {
    let failed = with_sign(
        &set(&minimal_pay(), "return_code", "FAIL"),
        KEY,
        SignType::Md5,
    );
    let missing = with_sign(&without(&minimal_pay(), "return_code"), KEY, SignType::Md5);
    vec![
        invalid(
            "return_code=FAIL notices carry no signature and are not payments",
            &["ReturnFail"],
            doc(
                &pairs(&[("return_code", "FAIL"), ("return_msg", "签名失败")]),
                Enc::Cdata,
            ),
            "return_code_fail",
        ),
        invalid(
            "return_code=FAIL even when signed",
            &["ReturnFail"],
            doc(&failed, Enc::Cdata),
            "return_code_fail",
        ),
        invalid(
            "no return_code",
            &["MissingField"],
            doc(&missing, Enc::Cdata),
            "missing_field",
        ),
    ]
}

/// A repeated element would let two parsers read different values from one signed document.
fn duplicates(b: &Base) -> Vec<Case> {
    let body = b.body();
    let sig = b.sig();
    vec![
        invalid(
            "total_fee twice (first-wins vs last-wins differential)",
            &["Duplicate"],
            body.replace(
                "<total_fee>",
                "<total_fee><![CDATA[1]]></total_fee><total_fee>",
            ),
            "duplicate_field",
        ),
        invalid(
            "sign twice",
            &["Duplicate"],
            body.replace("</xml>", &format!("<sign>{sig}</sign></xml>")),
            "duplicate_field",
        ),
        invalid(
            "an empty duplicate",
            &["Duplicate"],
            body.replace("</xml>", "<total_fee/></xml>"),
            "duplicate_field",
        ),
    ]
}

/// DOCTYPE and entity declarations are refused; the same text inside CDATA is data.
fn doctype(b: &Base) -> Vec<Case> {
    let body = b.body();
    let in_cdata = with_sign(
        &set(
            &minimal_pay(),
            "attach",
            "<!DOCTYPE x [<!ENTITY e \"v\">]>&e;",
        ),
        KEY,
        SignType::Md5,
    );
    vec![
        invalid(
            "XXE probe from the wechatpay-php fixture",
            &["Xxe", "Published"],
            public_json()["xxe_probe"]["body"].as_str().unwrap(),
            "forbidden_doctype",
        ),
        invalid(
            "external entity in a signed-looking document",
            &["Xxe"],
            format!(
                "<!DOCTYPE xml [<!ENTITY fee SYSTEM \"file:///etc/passwd\">]>{}",
                body.replace("<![CDATA[101]]></total_fee>", "&fee;</total_fee>")
            ),
            "forbidden_doctype",
        ),
        invalid(
            "billion laughs (internal entity expansion)",
            &["Xxe"],
            "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><xml><a>&c;</a></xml>",
            "forbidden_doctype",
        ),
        invalid(
            "a bare DOCTYPE",
            &["Xxe"],
            format!("<!DOCTYPE xml>{body}"),
            "forbidden_doctype",
        ),
        valid(
            "DOCTYPE and entity text inside CDATA is data, not markup",
            &["Xxe", "Escapes"],
            doc(&in_cdata, Enc::Cdata),
            in_cdata,
        ),
    ]
}

/// Typed views apply the amount rule (see `oracle::fen`) to what was verified.
fn typed_edges() -> Vec<Case> {
    let signed =
        |name: &str, value: &str| with_sign(&set(&minimal_pay(), name, value), KEY, SignType::Md5);
    let mut c = vec![];
    for (name, value, comment) in [
        (
            "cash_fee",
            "+1",
            "an amount with a sign is not an amount in fen: cash_fee is an error of the typed view, never absent",
        ),
        (
            "cash_fee",
            "1.00",
            "an amount with a decimal point: cash_fee is an error of the typed view",
        ),
        (
            "settlement_total_fee",
            "18446744073709551616",
            "an amount of 2^64: an error of the typed view",
        ),
        (
            "coupon_count",
            "two",
            "coupon_count not digits: coupon_count and coupons are errors of the typed view",
        ),
        (
            "cash_fee",
            "",
            "an empty amount element is absent, as in the string to sign",
        ),
    ] {
        let f = signed(name, value);
        c.push(valid(
            comment,
            &["Typed", "Amounts"],
            doc(&f, Enc::Cdata),
            f,
        ));
    }
    let f = with_sign(
        &set(
            &set(
                &set(&minimal_pay(), "coupon_count", "1"),
                "coupon_id_0",
                "10000",
            ),
            "coupon_fee_0",
            "5.0",
        ),
        KEY,
        SignType::Md5,
    );
    c.push(valid(
        "a coupon fee that is not an amount: coupons is an error of the typed view",
        &["Typed", "Amounts"],
        doc(&f, Enc::Cdata),
        f,
    ));
    c
}

/// Element names must be XML names (issue 8.1), on both readers.
fn names(b: &Base) -> Vec<Case> {
    // The absorption attack: `appid` and `attach` merged into ONE element named
    // `appid=wx…&attach`. The string to sign is unchanged, so the signature still verifies unless
    // the name itself is refused.
    let minimal = with_sign(
        &set(&minimal_pay(), "attach", "order 7"),
        KEY,
        SignType::Md5,
    );
    let genuine = doc(&minimal, Enc::Cdata);
    let appid = get(&minimal, "appid").unwrap();
    let absorbed = genuine
        .replace(&format!("<appid><![CDATA[{appid}]]></appid>"), "")
        .replace(
            "<attach><![CDATA[order 7]]></attach>",
            &format!("<appid={appid}&attach><![CDATA[order 7]]></appid={appid}&attach>"),
        );
    let mut c = vec![invalid(
        "one element named appid=…&attach stands in for two signed elements: the string to sign is unchanged, the name is refused",
        &["XmlName", "Malformed"],
        absorbed,
        "malformed_xml",
    )];
    let body = b.body();
    for (comment, name) in [
        ("an empty element name", ""),
        ("an element name with '='", "a=b"),
        ("an element name with '&'", "a&b"),
        ("an element name with ';'", "a;b"),
        ("an element name with '?'", "a?b"),
        (
            "an element name with ':' (namespaces are not declared)",
            "wx:appid",
        ),
        ("an element name with NUL", "a\u{0}b"),
        ("an element name with a control character", "a\u{7}b"),
        ("an element name with U+FFFE", "a\u{FFFE}b"),
        ("an element name with U+2028", "a\u{2028}b"),
        ("an element name starting with '-'", "-a"),
    ] {
        c.push(invalid(
            comment,
            &["XmlName", "Malformed"],
            body.replace("</xml>", &format!("<{name}>x</{name}></xml>")),
            "malformed_xml",
        ));
    }
    c.push(invalid(
        "an element name with '/'",
        &["XmlName", "Malformed"],
        body.replace("</xml>", "<a/b>x</a/b></xml>"),
        "malformed_xml",
    ));
    c.push(invalid(
        "an element name with '<'",
        &["XmlName", "Malformed"],
        body.replace("</xml>", "<a<b>x</a<b></xml>"),
        "malformed_xml",
    ));
    let unicode = with_sign(
        &pairs(&[
            ("return_code", "SUCCESS"),
            ("result_code", "FAIL"),
            ("商户备注", "值"),
            ("é.x-y_z", "1"),
        ]),
        KEY,
        SignType::Md5,
    );
    c.push(valid(
        "non-ASCII names that are XML names are read and signed as they are",
        &["XmlName", "UnknownField"],
        doc(&unicode, Enc::Cdata),
        unicode,
    ));
    c
}

/// The prolog and character data (issue 8.2).
fn prolog(b: &Base) -> Vec<Case> {
    let body = b.body();
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    let mut c = vec![
        valid(
            "one BOM, then the XML declaration",
            &["Prolog", "Whitespace"],
            format!("\u{FEFF}{decl}{body}"),
            b.md5.clone(),
        ),
        valid(
            "a declaration with single quotes, standalone and a space before ?>",
            &["Prolog", "Whitespace"],
            format!("<?xml version='1.0' encoding='utf-8' standalone='yes' ?>{body}"),
            b.md5.clone(),
        ),
    ];
    for (comment, doc) in [
        ("two BOMs", format!("\u{FEFF}\u{FEFF}{body}")),
        (
            "a BOM after the declaration",
            format!("{decl}\u{FEFF}{body}"),
        ),
        (
            "the declaration after white space",
            format!("\n{decl}{body}"),
        ),
        (
            "the declaration after a comment",
            format!("<!-- c -->{decl}{body}"),
        ),
        ("the declaration twice", format!("{decl}{decl}{body}")),
        (
            "a declaration inside the root",
            body.replacen("<xml>", &format!("<xml>{decl}"), 1),
        ),
        ("a declaration after the root", format!("{body}{decl}")),
        (
            "a declaration without version",
            format!("<?xml encoding=\"UTF-8\"?>{body}"),
        ),
        ("an empty declaration", format!("<?xml?>{body}")),
        (
            "a declaration with version 2.0",
            format!("<?xml version=\"2.0\"?>{body}"),
        ),
        (
            "a declaration with encoding before version",
            format!("<?xml encoding=\"UTF-8\" version=\"1.0\"?>{body}"),
        ),
        (
            "a declaration with an unknown pseudo-attribute",
            format!("<?xml version=\"1.0\" signed=\"yes\"?>{body}"),
        ),
        (
            "a declaration with standalone=maybe",
            format!("<?xml version=\"1.0\" standalone=\"maybe\"?>{body}"),
        ),
        (
            "']]>' in character data outside CDATA",
            body.replace("<![CDATA[CNY]]></fee_type>", "C]]>Y</fee_type>"),
        ),
    ] {
        c.push(invalid(
            comment,
            &["Prolog", "Malformed"],
            doc,
            "malformed_xml",
        ));
    }
    c
}

/// A successful payment must identify itself (issue 8.4).
fn identity(b: &Base) -> Vec<Case> {
    let signed = |f: &Pairs| with_sign(f, KEY, SignType::Md5);
    let mut c = Vec::new();
    for (comment, fields) in [
        (
            "a successful payment without transaction_id",
            without(&b.full, "transaction_id"),
        ),
        (
            "a successful payment with an empty transaction_id",
            set(&b.full, "transaction_id", ""),
        ),
        (
            "a successful payment without out_trade_no",
            without(&b.full, "out_trade_no"),
        ),
        (
            "a successful payment with an empty out_trade_no",
            set(&b.full, "out_trade_no", ""),
        ),
        (
            "a successful payment without total_fee",
            without(&b.full, "total_fee"),
        ),
        (
            "a successful payment with an empty total_fee",
            set(&b.full, "total_fee", ""),
        ),
        (
            "a successful payment whose total_fee has a sign",
            set(&b.full, "total_fee", "+101"),
        ),
        (
            "a successful payment whose total_fee is in yuan",
            set(&b.full, "total_fee", "1.01"),
        ),
        (
            "a successful payment whose total_fee is over u64",
            set(&b.full, "total_fee", "18446744073709551616"),
        ),
    ] {
        c.push(invalid(
            comment,
            &["Identity"],
            doc(&signed(&fields), Enc::Cdata),
            "missing_field",
        ));
    }
    // The absorption trick on values: `trade_type` swallows `&transaction_id=…`, so the string to
    // sign is unchanged but transaction_id (and the dedupe key) is gone. Replaying it would bypass
    // de-duplication.
    let tid = get(&b.full, "transaction_id").unwrap();
    let trade_type = get(&b.full, "trade_type").unwrap();
    let absorbed = set(
        &without(&b.md5, "transaction_id"),
        "trade_type",
        &format!("{trade_type}&transaction_id={tid}"),
    );
    c.push(invalid(
        "trade_type absorbs '&transaction_id=…' of a genuine notification: it still verifies, and is refused for lacking transaction_id",
        &["Identity", "Tamper"],
        doc(&absorbed, Enc::Cdata),
        "missing_field",
    ));
    let fee = get(&b.full, "total_fee").unwrap();
    let absorbed_fee = set(
        &without(&b.md5, "total_fee"),
        "time_end",
        &format!("{}&total_fee={fee}", get(&b.full, "time_end").unwrap()),
    );
    c.push(invalid(
        "time_end absorbs '&total_fee=…' of a genuine notification: refused for lacking total_fee",
        &["Identity", "Tamper"],
        doc(&absorbed_fee, Enc::Cdata),
        "missing_field",
    ));
    let unifiedorder = signed(&pairs(&[
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("result_code", "SUCCESS"),
        ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
        ("trade_type", "JSAPI"),
    ]));
    c.push(invalid(
        "a signed unifiedorder response (the docs' example fields) is not a payment notification",
        &["Identity"],
        doc(&unifiedorder, Enc::Cdata),
        "missing_field",
    ));
    let failed = signed(&pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ("result_code", "FAIL"),
        ("err_code", "ORDERNOTEXIST"),
        ("err_code_des", "order does not exist"),
    ]));
    c.push(valid(
        "a failed payment (result_code=FAIL) need not carry transaction_id or total_fee",
        &["Identity", "ResultFail"],
        doc(&failed, Enc::Cdata),
        failed,
    ));
    c
}

/// Hostile input that ends up quoted in an error message (issue 8.3): every runner checks the
/// message rule on every invalid case, these aim at the places that quote input.
fn hostile_messages(b: &Base) -> Vec<Case> {
    let body = b.body();
    let nasty = format!(
        "zz\u{2028}INJECTED\u{2029}log line\u{202E}txt.exe\u{200B}\u{85}{}",
        "\u{FEFF}x".repeat(300)
    );
    let mut c = vec![
        invalid(
            "a stray closing tag whose name is long and full of line and format characters",
            &["HostileMessage", "Malformed"],
            body.replace("</xml>", &format!("</{nasty}></xml>")),
            "malformed_xml",
        ),
        invalid(
            "a stray closing tag with newlines inside it",
            &["HostileMessage", "Malformed"],
            body.replace("</xml>", "</zz\n\n[ERROR] forged log line\r\n></xml>"),
            "malformed_xml",
        ),
        invalid(
            "an ANSI escape sequence and a NUL in the body",
            &["HostileMessage", "Malformed"],
            body.replace("</xml>", "<a>\u{1b}[2J\u{1b}[31mpaid\u{0}</a></xml>"),
            "malformed_xml",
        ),
        invalid(
            "a root element with a hostile name",
            &["HostileMessage", "Malformed"],
            format!("<{nasty}></{nasty}>"),
            "malformed_xml",
        ),
        invalid(
            "a duplicate element with a hostile name",
            &["HostileMessage", "Duplicate"],
            {
                // A long name that is an XML name (format characters are not name characters).
                let long = format!("x{}", "\u{4e2d}\u{6587}".repeat(200));
                body.replace(
                    "</xml>",
                    &format!("<{long}>1</{long}><{long}>2</{long}></xml>"),
                )
            },
            "duplicate_field",
        ),
        invalid(
            "an undefined entity with a long hostile name",
            &["HostileMessage", "Malformed"],
            body.replace(
                "<![CDATA[CNY]]></fee_type>",
                &format!("&{}\u{2028};</fee_type>", "z".repeat(400)),
            ),
            "malformed_xml",
        ),
        invalid(
            "an attribute on a hostile element",
            &["HostileMessage", "Malformed"],
            body.replace(
                "</xml>",
                &format!("<x{} a=\"1\">1</x></xml>", "\u{202E}".repeat(100)),
            ),
            "malformed_xml",
        ),
        invalid(
            "return_code FAIL with a hostile value is quoted escaped",
            &["HostileMessage", "ReturnFail"],
            doc(
                &pairs(&[
                    ("return_code", &format!("FAIL\n{nasty}")),
                    ("return_msg", "x"),
                ]),
                Enc::Cdata,
            ),
            "return_code_fail",
        ),
        invalid(
            "a sign_type with a hostile value is quoted escaped",
            &["HostileMessage", "SignType"],
            doc(
                &set(&b.md5, "sign_type", &format!("MD5\r\n\u{85}{nasty}")),
                Enc::Cdata,
            ),
            "sign_type_mismatch",
        ),
    ];
    c.push(invalid(
        "a root element with a hostile name inside the prolog's comment and a bad declaration",
        &["HostileMessage", "Prolog"],
        format!("<!-- {nasty} --><?xml version=\"9\u{2028}\"?>{body}"),
        "malformed_xml",
    ));
    c
}

/// Anything but a flat, well-formed UTF-8 `<xml>` document.
fn malformed(b: &Base) -> Vec<Case> {
    let body = b.body();
    let mut c = vec![
        invalid(
            "an element name starting with a digit",
            &["Malformed"],
            doc(&with_sign(&minimal_pay(), KEY, SignType::Md5), Enc::Cdata)
                .replace("</xml>", "<1a>x</1a></xml>"),
            "malformed_xml",
        ),
        invalid(
            "a control character in CDATA that also holds entity-declaration text (found by fuzzing)",
            &["Malformed"],
            doc(
                &set(&minimal_pay(), "attach", "<!ENTITY e>\u{1}"),
                Enc::Cdata,
            ),
            "malformed_xml",
        ),
        invalid(
            "an undeclared entity is not decoded",
            &["Escapes"],
            body.replace("<![CDATA[CNY]]></fee_type>", "&yen;</fee_type>"),
            "malformed_xml",
        ),
    ];
    let m: Vec<(&str, String)> = vec![
        (
            "nested element inside a field",
            body.replace("<![CDATA[WEB]]></device_info>", "<a>WEB</a></device_info>"),
        ),
        (
            "text directly inside the root",
            body.replace("<appid>", "junk<appid>"),
        ),
        ("content after the root", format!("{body}<xml></xml>")),
        ("text after the root", format!("{body}junk")),
        (
            "the root is not <xml>",
            body.replace("<xml>", "<root>").replace("</xml>", "</root>"),
        ),
        ("unterminated document", body.replace("</xml>", "")),
        (
            "mismatched end tag",
            body.replace("</total_fee>", "</total>"),
        ),
        (
            "an attribute on a field",
            body.replace("<total_fee>", "<total_fee currency=\"CNY\">"),
        ),
        (
            "a comment inside a value",
            body.replace("<![CDATA[101]]></total_fee>", "1<!-- -->01</total_fee>"),
        ),
        (
            "a processing instruction",
            format!("<?php echo 1; ?>{body}"),
        ),
        (
            "declared encoding is not UTF-8",
            format!("<?xml version=\"1.0\" encoding=\"GBK\"?>{body}"),
        ),
        (
            "an unescaped ampersand",
            body.replace("<![CDATA[CNY]]></fee_type>", "C&Y</fee_type>"),
        ),
        (
            "a control character in a value",
            body.replace("<![CDATA[CNY]]></fee_type>", "C\u{1}Y</fee_type>"),
        ),
        (
            "a character reference to NUL",
            body.replace("<![CDATA[CNY]]></fee_type>", "&#0;</fee_type>"),
        ),
        ("empty body", String::new()),
        (
            "a JSON body (APIv3 sent to a v2 endpoint)",
            "{\"id\":\"x\"}".into(),
        ),
    ];
    for (comment, b) in m {
        c.push(invalid(comment, &["Malformed"], b, "malformed_xml"));
    }
    let mut bad_utf8 = body.into_bytes();
    let at = bad_utf8.windows(4).position(|w| w == b"CNY]").unwrap();
    bad_utf8[at] = 0xC3; // a lone UTF-8 lead byte
    c.push(invalid(
        "invalid UTF-8",
        &["Malformed"],
        bad_utf8,
        "malformed_xml",
    ));
    let gbk: Vec<u8> = doc(&minimal_pay(), Enc::Cdata)
        .into_bytes()
        .into_iter()
        .chain([0xd6, 0xa7, 0xb8, 0xb6]) // "支付" in GBK
        .collect();
    c.push(invalid("GBK bytes", &["Malformed"], gbk, "malformed_xml"));
    c
}

/// The default body limit (65536 bytes).
fn default_size_limit() -> Vec<Case> {
    let big = with_sign(
        &set(&minimal_pay(), "attach", &"x".repeat(70_000)),
        KEY,
        SignType::Md5,
    );
    vec![invalid(
        "body over the default 65536-byte limit",
        &["Size"],
        doc(&big, Enc::Cdata),
        "body_too_large",
    )]
}

// ---------------------------------------------------------------------------------------------
// Other configurations

/// HMAC-SHA256: the configured algorithm, and no downgrade to MD5.
fn hmac_pinned(b: &Base) -> (Config, Vec<Case>) {
    let hsig = get(&b.hmac, "sign").unwrap().to_string();
    let named_hmac = with_sign(
        &set(&b.full, "sign_type", "HMAC-SHA256"),
        KEY,
        SignType::HmacSha256,
    );
    let named_md5 = with_sign(&set(&b.full, "sign_type", "MD5"), KEY, SignType::Md5);
    let named_hmac_signed_md5 = with_sign(
        &set(&b.full, "sign_type", "HMAC-SHA256"),
        KEY,
        SignType::Md5,
    );
    let cases = vec![
        valid(
            "realistic notification signed with HMAC-SHA256, no sign_type (the common case)",
            &["Typed"],
            doc(&b.hmac, Enc::Cdata),
            b.hmac.clone(),
        ),
        valid(
            "sign_type=HMAC-SHA256 present and signed",
            &["SignType"],
            doc(&named_hmac, Enc::Cdata),
            named_hmac,
        ),
        invalid(
            "downgrade: sign_type=MD5 with a valid MD5 signature, verifier pinned to HMAC-SHA256",
            &["AlgorithmPinned"],
            doc(&named_md5, Enc::Cdata),
            "sign_type_mismatch",
        ),
        invalid(
            "sign_type=HMAC-SHA256 but the signature is MD5",
            &["AlgorithmPinned"],
            doc(&named_hmac_signed_md5, Enc::Cdata),
            "signature_mismatch",
        ),
        invalid(
            "downgrade: MD5 signature without sign_type, verifier pinned to HMAC-SHA256",
            &["AlgorithmPinned"],
            doc(&b.md5, Enc::Cdata),
            "signature_mismatch",
        ),
        invalid(
            "lowercase hex of the right HMAC signature",
            &["SignatureCase"],
            doc(&b.hmac, Enc::Cdata).replace(&hsig, &hsig.to_lowercase()),
            "signature_mismatch",
        ),
        invalid(
            "HMAC signed with another key",
            &["WrongKey"],
            doc(
                &with_sign(&b.full, OTHER_KEY, SignType::HmacSha256),
                Enc::Cdata,
            ),
            "signature_mismatch",
        ),
    ];
    (config(KEY, "HMAC-SHA256"), cases)
}

/// HMAC-SHA256 with the explicit MD5 migration opt-in (`also_accept`).
fn md5_migration(b: &Base) -> (Config, Vec<Case>) {
    let mut cfg = config(KEY, "HMAC-SHA256");
    cfg.also_accept = vec!["MD5"];
    let named_md5 = with_sign(&set(&b.full, "sign_type", "MD5"), KEY, SignType::Md5);
    let named_md5_signed_hmac =
        with_sign(&set(&b.full, "sign_type", "MD5"), KEY, SignType::HmacSha256);
    let cases = vec![
        valid(
            "also_accept MD5: an MD5-signed notification without sign_type verifies (as MD5)",
            &["AlsoAccept"],
            doc(&b.md5, Enc::Cdata),
            b.md5.clone(),
        ),
        valid(
            "also_accept MD5: the configured HMAC-SHA256 still verifies",
            &["AlsoAccept"],
            doc(&b.hmac, Enc::Cdata),
            b.hmac.clone(),
        ),
        valid(
            "also_accept MD5: sign_type=MD5 is accepted",
            &["AlsoAccept"],
            doc(&named_md5, Enc::Cdata),
            named_md5,
        ),
        invalid(
            "sign_type=MD5 with an HMAC signature: only the named algorithm is tried",
            &["AlsoAccept"],
            doc(&named_md5_signed_hmac, Enc::Cdata),
            "signature_mismatch",
        ),
    ];
    (cfg, cases)
}

/// `expect_appid` / `expect_mch_id`.
fn merchant(b: &Base) -> (Config, Vec<Case>) {
    let mut cfg = config(KEY, "MD5");
    cfg.appid = Some("wx2421b1c4370ec43b");
    cfg.mch_id = Some("10000100");
    let other_app = with_sign(
        &set(&b.full, "appid", "wx0000000000000000"),
        KEY,
        SignType::Md5,
    );
    let other_mch = with_sign(&set(&b.full, "mch_id", "10000200"), KEY, SignType::Md5);
    let no_mch = with_sign(&without(&b.full, "mch_id"), KEY, SignType::Md5);
    let cases = vec![
        valid(
            "appid and mch_id match the configuration",
            &["Merchant"],
            doc(&b.md5, Enc::Cdata),
            b.md5.clone(),
        ),
        invalid(
            "validly signed for another appid",
            &["Merchant"],
            doc(&other_app, Enc::Cdata),
            "merchant_mismatch",
        ),
        invalid(
            "validly signed for another mch_id",
            &["Merchant"],
            doc(&other_mch, Enc::Cdata),
            "merchant_mismatch",
        ),
        invalid(
            "no mch_id while one is expected",
            &["Merchant"],
            doc(&no_mch, Enc::Cdata),
            "merchant_mismatch",
        ),
        invalid(
            "the merchant check runs after the signature check",
            &["Merchant", "Tamper"],
            doc(&set(&b.md5, "mch_id", "10000200"), Enc::Cdata),
            "signature_mismatch",
        ),
    ];
    (cfg, cases)
}

/// `max_body_bytes` set to the exact size of a small notification.
fn size_limit() -> (Config, Vec<Case>) {
    let small = with_sign(&minimal_pay(), KEY, SignType::Md5);
    let small_body = doc(&small, Enc::Cdata);
    let mut cfg = config(KEY, "MD5");
    cfg.max_body_bytes = Some(small_body.len());
    let cases = vec![
        valid(
            "a body of exactly max_body_bytes is accepted",
            &["Size"],
            small_body.clone(),
            small,
        ),
        invalid(
            "one byte over max_body_bytes",
            &["Size"],
            format!("{small_body} "),
            "body_too_large",
        ),
        invalid(
            "the size limit is checked before parsing",
            &["Size"],
            format!("<!DOCTYPE x>{small_body}"),
            "body_too_large",
        ),
    ];
    (cfg, cases)
}

/// Configurations the verifier refuses to build: one group each.
fn bad_configs(b: &Base) -> Vec<(Config, Vec<Case>)> {
    [
        (
            "API key of 16 characters",
            config("192006250b4c0924", "MD5"),
        ),
        (
            "API key with a trailing newline",
            config("192006250b4c09247ec02edce69f6a2\n", "MD5"),
        ),
        ("unknown sign type", config(KEY, "SHA1")),
        (
            "the API key given as the sign type too (arguments swapped): refused without repeating it",
            config(KEY, KEY),
        ),
    ]
    .into_iter()
    .map(|(comment, cfg)| {
        let c = vec![invalid(
            comment,
            &["BadConfig"],
            doc(&b.md5, Enc::Cdata),
            "invalid_config",
        )];
        (cfg, c)
    })
    .collect()
}
