use super::*;

#[test]
fn the_api_v3_key_is_exactly_32_bytes_and_never_printed() {
    assert_eq!(
        V3Verifier::new("testMchAPIv3Key0").unwrap_err().code(),
        "invalid_config"
    );
    let key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let v = V3Verifier::new(key).unwrap();
    let dbg = format!("{v:?}");
    assert!(!dbg.contains(key), "{dbg}");
    assert!(dbg.contains("redacted"));
}

#[test]
fn published_aes_256_gcm_vector() {
    // SPEC §1: key a7cde1…, nonce uluk4a9R25RW, AAD associatedData, "message".
    let v = V3Verifier::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb").unwrap();
    let resource: Map<String, Value> = serde_json::from_value(serde_json::json!({
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
        "nonce": "uluk4a9R25RW",
        "associated_data": "associatedData",
    }))
    .unwrap();
    assert_eq!(v.decrypt(&resource).unwrap(), "message");
}

#[test]
fn headers_are_case_insensitive_and_unique() {
    let h: V3Headers = [("wechatpay-serial", "1"), ("X", "2")]
        .into_iter()
        .collect();
    assert_eq!(h.value("Wechatpay-Serial").unwrap(), Some("1"));
    assert_eq!(
        h.require("Wechatpay-Nonce").unwrap_err().code(),
        "missing_header"
    );
    let twice: V3Headers = [("A", "1"), ("a", "2")].into_iter().collect();
    assert_eq!(twice.value("a").unwrap_err().code(), "invalid_argument");
}
