// The benchmark payload, shared by benches/verify.rs and examples/cost.rs (via include!).

/// 24 fields + sign, CDATA values, as WeChat Pay sends them.
fn notification(t: SignType) -> (Vec<u8>, Vec<u8>) {
    let fields = [
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试 order attachment / 附加数据"),
        ("bank_type", "CMC"),
        ("cash_fee", "90"),
        ("cash_fee_type", "CNY"),
        ("coupon_count", "1"),
        ("coupon_fee", "11"),
        ("coupon_fee_0", "11"),
        ("coupon_id_0", "10000"),
        ("coupon_type_0", "CASH"),
        ("device_info", "WEB"),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", "20261127ORDER0001"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("settlement_total_fee", "101"),
        ("time_end", "20261127101530"),
        ("total_fee", "101"),
        ("transaction_id", "4200001234202611270123456789"),
    ];
    let s = sign(fields, KEY, t).unwrap();
    let mut body = String::from("<xml>");
    for (k, v) in fields.iter().chain([("sign", s.as_str())].iter()) {
        body.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    body.push_str("</xml>");
    let parsed = Fields::from_pairs(fields).unwrap();
    let sts = format!("{}&key={KEY}", string_to_sign(&parsed));
    (body.into_bytes(), sts.into_bytes())
}
