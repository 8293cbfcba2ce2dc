// The benchmark payload, shared by benches/verify.rs and examples/cost.rs (via include!). It is
// the one notification of every benchmark (Rust, Python, Node, peers): bench/payment-notification.xml,
// a payment notification with Chinese text and full-width punctuation in `attach` and two coupons,
// signed MD5 under KEY (examples/notifications/api_key.txt).

/// The file's bytes.
fn notification_file() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/payment-notification.xml"
    ))
    .expect("bench/payment-notification.xml")
}

/// The notification under `t` and its string to sign with `&key=…`: the file itself for MD5, its
/// fields signed again for HMAC-SHA256.
fn notification(t: SignType) -> (Vec<u8>, Vec<u8>) {
    let file = notification_file();
    let fields = wechatpay_notify::parse_unverified(&file).unwrap();
    let body = match t {
        SignType::Md5 => file,
        _ => wechatpay_notify::signed_xml(fields.iter(), KEY, t)
            .unwrap()
            .into_bytes(),
    };
    let sts = format!("{}&key={KEY}", string_to_sign(&fields));
    (body, sts.into_bytes())
}

/// The MD5 notification with its `attach` written as text with a character reference (`&#xFF0C;`
/// for its first U+FF0C) instead of CDATA: the same fields and signature, but only the general
/// reader takes it.
fn notification_with_reference() -> Vec<u8> {
    let file = String::from_utf8(notification_file()).unwrap();
    let start = file.find("<attach><![CDATA[").unwrap() + "<attach><![CDATA[".len();
    let end = start + file[start..].find("]]></attach>").unwrap();
    let attach = &file[start..end];
    assert!(attach.contains('，') && !attach.contains(['&', '<', ']']));
    let text = attach.replacen('，', "&#xFF0C;", 1);
    file.replace(
        &format!("<attach><![CDATA[{attach}]]></attach>"),
        &format!("<attach>{text}</attach>"),
    )
    .into_bytes()
}
