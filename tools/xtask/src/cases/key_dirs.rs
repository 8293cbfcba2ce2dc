//! `v3_key_dirs.json`: loading a directory of trusted APIv3 keys (`tests/vectors/key-dirs/`), as
//! the certificate download writes it: which files are read, under which ids, and which are
//! refused.

use serde_json::{Value, json};
use wechatpay_notify::TrustedKeys;

use crate::render::file;

const PUB_ID_A: &str = "PUB_KEY_ID_0114232134912410000000000000";

/// `(directory under tests/vectors, comment, flags, Ok(ids) | Err(a part of the message))`.
type DirCase = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Result<&'static [&'static str], &'static str>,
);

const CASES: &[DirCase] = &[
    (
        "key-dirs/good",
        "a certificate named after its serial and a public key named after its id, in name order; \
         README.txt, a .pem.bak and a subdirectory are not read",
        &["Valid", "NotRecursive"],
        Ok(&["D7CE59D1F522D701", PUB_ID_A]),
    ),
    (
        "key-dirs/symlink",
        "symbolic links are followed; a certificate whose file name is not a serial is trusted \
         under its own serial",
        &["Valid", "Symlink"],
        Ok(&[
            "PUB_KEY_ID_0114232134912410000000000001",
            "D7CE59D1F522D701",
        ]),
    ),
    (
        "key-dirs/no-key",
        "a directory without a .pem file: a verifier would trust no key",
        &["NoKey"],
        Err("holds no .pem file"),
    ),
    (
        "key-dirs/bad-pem",
        "a PUBLIC KEY block whose content is not base64 DER",
        &["BadPem"],
        Err("PUB_KEY_ID_0114232134912410000000000000.pem"),
    ),
    (
        "key-dirs/not-a-pem",
        "a .pem file without any PEM block",
        &["BadPem"],
        Err("PUB_KEY_ID_0114232134912410000000000000.pem"),
    ),
    (
        "key-dirs/pubkey-misnamed",
        "a PUBLIC KEY whose file name is not a PUB_KEY_ID_ id: its id would be unknown",
        &["Mislabelled"],
        Err("wechatpay-public-key.pem"),
    ),
    (
        "key-dirs/cert-mislabelled",
        "a certificate in a file named after another serial",
        &["Mislabelled"],
        Err("0A1B2C3D4E5F6071.pem"),
    ),
    (
        "key-dirs/cert-named-as-pubkey",
        "a certificate in a file named like a public key id",
        &["Mislabelled"],
        Err("named like a public key id"),
    ),
    (
        "key-dirs/duplicate",
        "one certificate twice (file names equal as serials: leading zeros and case differ)",
        &["Duplicate"],
        Err("configured twice"),
    ),
    (
        "key-dirs/two-blocks",
        "a file holding a certificate and a public key",
        &["BadPem"],
        Err("2 PEM blocks"),
    ),
    (
        "key-dirs/weak-key",
        "an RSA-1024 public key",
        &["BadPem"],
        Err("1024 bits"),
    ),
];

pub fn vectors() -> Value {
    let root = crate::repo_root().join("tests/vectors");
    let mut tests = Vec::new();
    for (i, (dir, comment, flags, expected)) in CASES.iter().enumerate() {
        let loaded = TrustedKeys::load_dir(root.join(dir));
        let mut case = json!({"tcId": i + 1, "comment": comment, "flags": flags, "dir": dir});
        match (expected, loaded) {
            (Ok(ids), Ok(keys)) => {
                assert_eq!(keys.ids().collect::<Vec<_>>(), *ids, "{dir}");
                case["result"] = json!("valid");
                case["ids"] = json!(ids);
            }
            (Err(part), Err(e)) => {
                assert_eq!(e.code(), "invalid_config", "{dir}");
                assert!(e.message().contains(part), "{dir}: {}", e.message());
                case["result"] = json!("invalid");
                case["error"] = json!("invalid_config");
                case["messageIncludes"] = json!(part);
            }
            (expected, got) => panic!("{dir}: expected {expected:?}, got {got:?}"),
        }
        tests.push(case);
    }
    file(
        "wechatpay-notify/v3-key-dirs/1",
        json!({
            "Valid": "the directory loads: exactly these ids, in this order",
            "NotRecursive": "only *.pem files directly in the directory are read",
            "Symlink": "symbolic links are followed",
            "NoKey": "a directory with no key is refused, not loaded as an empty set",
            "BadPem": "a file that is not exactly one usable key is refused, naming the file",
            "Mislabelled": "a file whose name is not the id of its key is refused",
            "Duplicate": "two files with one id are refused",
        }),
        vec![json!({"type": "V3KeyDir", "tests": tests})],
    )
}
