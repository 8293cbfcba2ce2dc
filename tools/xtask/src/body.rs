//! Building notification bodies from field lists, independently of the crate's XML reader.
//!
//! A body is written from an ordered list of `(name, value)` pairs, so the expected fields of a
//! valid case are exactly the list its body was built from. Only signatures come from the crate
//! (`sign`, pinned by WeChat Pay's published vectors in `v2_sign.json`).

use aes::cipher::{BlockModeEncrypt, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use wechatpay_notify::{SignType, sign};

/// Fields in document order; repeated names are possible on purpose (duplicate cases).
pub type Pairs = Vec<(String, String)>;

pub fn pairs(p: &[(&str, &str)]) -> Pairs {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The first value of `name`.
pub fn get<'a>(fields: &'a Pairs, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// How one element's value is written.
#[derive(Clone, Copy)]
pub enum Enc {
    /// `<![CDATA[value]]>` (WeChat Pay's own style).
    Cdata,
    /// Escaped text: `&`, `<`, `>` as entities.
    Text,
    /// Every non-alphanumeric ASCII character as a numeric character reference, others as text.
    CharRefs,
    /// The value split in two CDATA sections (after its first character).
    SplitCdata,
}

fn enc_value(v: &str, enc: Enc) -> String {
    match enc {
        Enc::Cdata => cdata(v),
        Enc::Text => v
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        Enc::CharRefs => v
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || !c.is_ascii() {
                    c.to_string()
                } else {
                    format!("&#{};", c as u32)
                }
            })
            .collect(),
        Enc::SplitCdata => {
            let mut chars = v.chars();
            match chars.next() {
                Some(first) => format!("{}{}", cdata(&first.to_string()), cdata(chars.as_str())),
                None => String::new(),
            }
        }
    }
}

fn cdata(v: &str) -> String {
    format!("<![CDATA[{}]]>", v.replace("]]>", "]]]]><![CDATA[>"))
}

/// `<k>v</k>` with the value written as `enc` says.
pub fn element(k: &str, v: &str, enc: Enc) -> String {
    format!("<{k}>{}</{k}>", enc_value(v, enc))
}

/// A flat `<xml>` document on one line, one element per field.
pub fn doc(fields: &Pairs, enc: Enc) -> String {
    let mut s = String::from("<xml>");
    for (k, v) in fields {
        s.push_str(&element(k, v, enc));
    }
    s.push_str("</xml>");
    s
}

/// The fields with a `sign` field appended, signed by the crate.
pub fn with_sign(fields: &Pairs, key: &str, t: SignType) -> Pairs {
    let mut out = fields.clone();
    out.push(("sign".into(), sign(fields.iter().cloned(), key, t).unwrap()));
    out
}

/// The fields with `name` set to `value`: replaced in place if present, appended otherwise.
pub fn set(fields: &Pairs, name: &str, value: &str) -> Pairs {
    let mut out = fields.clone();
    match out.iter_mut().find(|(k, _)| k == name) {
        Some(entry) => entry.1 = value.to_string(),
        None => out.push((name.to_string(), value.to_string())),
    }
    out
}

/// The fields without any `name`.
pub fn without(fields: &Pairs, name: &str) -> Pairs {
    fields.iter().filter(|(k, _)| k != name).cloned().collect()
}

// ---------------------------------------------------------------------------------------------
// Refund req_info: AES-256-ECB written out here, not borrowed from the crate's decryption

/// A refund's inner document: like [`doc`], rooted at `<root>` as WeChat Pay writes it.
pub fn inner_doc(p: &Pairs) -> String {
    doc(p, Enc::Cdata)
        .replace("<xml>", "<root>")
        .replace("</xml>", "</root>")
}

/// The refund AES key: the lowercase hex MD5 of the API key, used as 32 bytes.
pub fn refund_aes_key(api_key: &str) -> [u8; 32] {
    let hex: String = Md5::digest(api_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex.as_bytes().try_into().unwrap()
}

/// AES-256-ECB over already padded data.
pub fn ecb_raw(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    assert_eq!(data.len() % 16, 0);
    let mut enc = ecb::Encryptor::<aes::Aes256>::new(key.into());
    let mut out = data.to_vec();
    for block in out.chunks_exact_mut(16) {
        let block: &mut [u8; 16] = block.try_into().unwrap();
        enc.encrypt_block(block.into());
    }
    out
}

pub fn pkcs7(data: &[u8]) -> Vec<u8> {
    let pad = 16 - data.len() % 16;
    let mut out = data.to_vec();
    out.extend(std::iter::repeat_n(pad as u8, pad));
    out
}

/// `req_info` as WeChat Pay sends it: base64 of AES-256-ECB with PKCS#7 padding.
pub fn encrypt_req_info(api_key: &str, plaintext: &[u8]) -> String {
    STANDARD.encode(ecb_raw(&refund_aes_key(api_key), &pkcs7(plaintext)))
}
