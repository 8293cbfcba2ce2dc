//! `examples/notifications/`: sample bodies for the CLI and the READMEs, one element per line.

use std::fs;
use std::path::Path;

use wechatpay_notify::SignType;

use crate::body::{Enc, Pairs, element, encrypt_req_info, inner_doc, set, with_sign};
use crate::fixtures::{KEY, full_pay, refund_inner, refund_outer};

/// An indented `<xml>` document, easier to read than the one-line bodies of the vectors.
fn pretty(fields: &Pairs) -> String {
    let mut s = String::from("<xml>\n");
    for (k, v) in fields {
        s.push_str(&format!("  {}\n", element(k, v, Enc::Cdata)));
    }
    s.push_str("</xml>\n");
    s
}

pub fn write(root: &Path) {
    let dir = root.join("examples/notifications");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("api_key.txt"), format!("{KEY}\n")).unwrap();
    let full = full_pay();
    fs::write(
        dir.join("pay-md5.xml"),
        pretty(&with_sign(&full, KEY, SignType::Md5)),
    )
    .unwrap();
    fs::write(
        dir.join("pay-hmac-sha256.xml"),
        pretty(&with_sign(&full, KEY, SignType::HmacSha256)),
    )
    .unwrap();
    let forged = set(&with_sign(&full, KEY, SignType::Md5), "total_fee", "1");
    fs::write(dir.join("pay-forged.xml"), pretty(&forged)).unwrap();
    let outer = refund_outer(&encrypt_req_info(
        KEY,
        inner_doc(&refund_inner()).as_bytes(),
    ));
    fs::write(dir.join("refund.xml"), pretty(&outer)).unwrap();
}
