//! Key rotation: swapping the trusted keys of a live `V3Verifier` / `Endpoint` while other
//! threads verify, and loading the directory the certificate download writes.
//!
//! The notifications are two valid cases of `tests/vectors/v3_notify.json` (same APIv3 key and
//! time): tcId 2 is signed with the platform certificate `D7CE59D1F522D701` (the old key), tcId 1
//! with the WeChat Pay public key `PUB_KEY_ID_0114232134912410000000000000` (the new one), the
//! migration WeChat Pay runs merchants through.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;
use wechatpay_notify::{Endpoint, MerchantProfile, TrustedKeys, V3Headers, V3Verifier};

const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const PUB_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const CERT_SERIAL: &str = "D7CE59D1F522D701";

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn key(name: &str) -> String {
    std::fs::read_to_string(vectors().join("keys").join(name)).unwrap()
}

/// A notification of v3_notify.json: its headers, body and time.
struct Notification {
    headers: V3Headers,
    body: Vec<u8>,
    now: u64,
}

fn notification(tc_id: u64) -> Notification {
    let text = std::fs::read_to_string(vectors().join("v3_notify.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let t = v["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap())
        .find(|t| t["tcId"] == tc_id)
        .unwrap();
    assert_eq!(t["result"], "valid");
    Notification {
        headers: t["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect(),
        body: t["body"].as_str().unwrap().as_bytes().to_vec(),
        now: t["now"].as_u64().unwrap(),
    }
}

fn old_keys() -> TrustedKeys {
    let mut keys = TrustedKeys::new();
    keys.add_platform_certificate(&key("wechatpay-go-certificate.pem"))
        .unwrap();
    keys
}

fn new_keys() -> TrustedKeys {
    let mut keys = TrustedKeys::new();
    keys.add_public_key(PUB_ID, &key("pubkey-a-public.pem"))
        .unwrap();
    keys
}

/// The outcome of a verification: `"ok"` or the error code.
fn outcome(r: Result<impl Sized, wechatpay_notify::Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn a_swap_changes_which_notifications_verify() {
    let (old, new) = (notification(2), notification(1));
    let mut v = V3Verifier::new(API_V3_KEY).unwrap();
    v.add_platform_certificate(&key("wechatpay-go-certificate.pem"))
        .unwrap();
    let verify = |v: &V3Verifier, n: &Notification| outcome(v.verify(&n.headers, &n.body, n.now));
    assert_eq!(
        (verify(&v, &old), verify(&v, &new)),
        ("ok", "unknown_serial")
    );
    v.replace_trusted_keys(new_keys()).unwrap();
    assert_eq!(
        (verify(&v, &old), verify(&v, &new)),
        ("unknown_serial", "ok")
    );
    assert_eq!(v.trusted_ids(), [PUB_ID]);
    assert!(v.trusts(PUB_ID) && !v.trusts(CERT_SERIAL));
    // During a migration both are trusted at once.
    let both = TrustedKeys::load_dir(vectors().join("key-dirs/good")).unwrap();
    v.replace_trusted_keys(both).unwrap();
    assert_eq!((verify(&v, &old), verify(&v, &new)), ("ok", "ok"));
    // The builder API still works on top of a swapped set, and a snapshot does not follow it.
    let snapshot = v.trusted_keys();
    v.add_public_key("PUB_KEY_ID_2", &key("pubkey-b-public.pem"))
        .unwrap();
    assert_eq!(snapshot.len(), 2);
    assert_eq!(v.trusted_keys().len(), 3);
}

#[test]
fn an_empty_set_is_refused_and_the_keys_stay() {
    let v = V3Verifier::new(API_V3_KEY).unwrap();
    v.replace_trusted_keys(old_keys()).unwrap();
    let e = v.replace_trusted_keys(TrustedKeys::new()).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert_eq!(v.trusted_ids(), [CERT_SERIAL]);
    let old = notification(2);
    assert_eq!(outcome(v.verify(&old.headers, &old.body, old.now)), "ok");
}

#[test]
fn a_clone_keeps_its_own_keys() {
    let v = V3Verifier::new(API_V3_KEY).unwrap();
    v.replace_trusted_keys(old_keys()).unwrap();
    let copy = v.clone();
    v.replace_trusted_keys(new_keys()).unwrap();
    assert_eq!(copy.trusted_ids(), [CERT_SERIAL]);
    assert_eq!(v.trusted_ids(), [PUB_ID]);
}

#[test]
fn pem_sets_refuse_what_the_builder_refuses() {
    let pems = [
        (CERT_SERIAL, key("wechatpay-go-certificate.pem")),
        (PUB_ID, key("pubkey-a-public.pem")),
    ];
    let keys = TrustedKeys::from_pems(pems.iter().map(|(i, p)| (*i, p.as_str()))).unwrap();
    assert_eq!(keys.ids().collect::<Vec<_>>(), [CERT_SERIAL, PUB_ID]);
    let wrong_serial = TrustedKeys::from_pems([("0A1B", key("wechatpay-go-certificate.pem"))]);
    assert_eq!(wrong_serial.unwrap_err().code(), "invalid_config");
    let twice = TrustedKeys::from_pems([
        (PUB_ID, key("pubkey-a-public.pem")),
        (PUB_ID, key("pubkey-b-public.pem")),
    ]);
    assert_eq!(twice.unwrap_err().code(), "invalid_config");
    let weak = TrustedKeys::from_pems([(PUB_ID, key("rsa-1024-public.pem"))]);
    assert_eq!(weak.unwrap_err().code(), "invalid_config");
}

#[test]
fn directory_errors_name_the_file_and_never_the_key() {
    let e = TrustedKeys::load_dir(vectors().join("key-dirs/bad-pem")).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert!(e.message().starts_with(&format!("{PUB_ID}.pem: ")), "{e}");
    assert!(!e.message().contains("base64 at all"), "{e}");
    let missing = TrustedKeys::load_dir(vectors().join("key-dirs/does-not-exist")).unwrap_err();
    assert_eq!(missing.code(), "invalid_config");
    assert!(
        missing
            .message()
            .ends_with("key-dirs/does-not-exist (entity not found)"),
        "{missing}"
    );
    let file = TrustedKeys::load_dir(vectors().join("key-dirs/good/README.txt")).unwrap_err();
    assert_eq!(file.code(), "invalid_config");
}

#[cfg(unix)]
#[test]
fn unreadable_oversized_dangling_and_non_regular_files_are_refused() {
    use std::os::unix::fs::symlink;
    let dir =
        std::env::temp_dir().join(format!("wechatpay-notify-rotation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let case = |name: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let code_and_message = |d: &PathBuf| {
        let e = TrustedKeys::load_dir(d).unwrap_err();
        (e.code(), e.message().to_owned())
    };
    let dangling = case("dangling");
    symlink(dangling.join("nowhere"), dangling.join("PUB_KEY_ID_1.pem")).unwrap();
    let (code, message) = code_and_message(&dangling);
    assert_eq!(code, "invalid_config");
    assert!(
        message.starts_with("PUB_KEY_ID_1.pem: cannot read"),
        "{message}"
    );
    let big = case("big");
    let mut pem = key("pubkey-a-public.pem");
    pem.push_str(&" ".repeat(wechatpay_notify::MAX_KEY_FILE_BYTES as usize));
    std::fs::write(big.join("PUB_KEY_ID_1.pem"), pem).unwrap();
    let (code, message) = code_and_message(&big);
    assert_eq!(code, "invalid_config");
    assert!(message.contains("larger than"), "{message}");
    let subdir = case("subdir");
    std::fs::create_dir(subdir.join("PUB_KEY_ID_1.pem")).unwrap();
    let (code, message) = code_and_message(&subdir);
    assert_eq!(code, "invalid_config");
    assert!(message.contains("not a regular file"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A trust anchor everyone on the machine may write to is refused: a key file or a directory of
/// them writable by others (anyone could plant a key); group-writable is allowed (umask 002).
#[cfg(unix)]
#[test]
fn key_files_and_directories_writable_by_every_user_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("wechatpay-notify-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let chmod = |path: &PathBuf, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let file = dir.join(format!("{PUB_ID}.pem"));
    std::fs::write(&file, key("pubkey-a-public.pem")).unwrap();
    chmod(&dir, 0o775);
    chmod(&file, 0o664);
    assert_eq!(
        TrustedKeys::load_dir(&dir).unwrap().len(),
        1,
        "group-writable"
    );
    assert_eq!(
        TrustedKeys::read_pem_file(&file).unwrap(),
        key("pubkey-a-public.pem")
    );
    chmod(&file, 0o666);
    let e = TrustedKeys::load_dir(&dir).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert_eq!(
        e.message(),
        format!("{PUB_ID}.pem: the file is writable by others: chmod o-w")
    );
    let e = TrustedKeys::read_pem_file(&file).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert!(e.message().starts_with("the file is writable"), "{e}");
    chmod(&file, 0o644);
    chmod(&dir, 0o777);
    let e = TrustedKeys::load_dir(&dir).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert!(
        e.message().starts_with("the key directory ")
            && e.message()
                .ends_with(": the directory is writable by others: chmod o-w"),
        "{e}"
    );
    // Sticky (like /tmp) does not help: others may still add a file of their own.
    chmod(&dir, 0o1777);
    assert_eq!(
        TrustedKeys::load_dir(&dir).unwrap_err().code(),
        "invalid_config"
    );
    chmod(&dir, 0o755);
    assert_eq!(TrustedKeys::load_dir(&dir).unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn concurrent_verifications_see_the_old_set_or_the_new_one() {
    let (old, new) = (Arc::new(notification(2)), Arc::new(notification(1)));
    let (old_set, new_set) = (Arc::new(old_keys()), Arc::new(new_keys()));
    let v = Arc::new(V3Verifier::new(API_V3_KEY).unwrap());
    v.replace_trusted_keys(Arc::clone(&old_set)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    std::thread::scope(|s| {
        for t in 0..4 {
            let (v, stop, counts) = (&v, &stop, &counts);
            let n = if t % 2 == 0 { &old } else { &new };
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let got = outcome(v.verify(&n.headers, &n.body, n.now));
                    // Each outcome is the old set's or the new set's: never another error (no
                    // empty set, no half-swapped state).
                    let slot = match got {
                        "ok" => 0,
                        "unknown_serial" => 1,
                        other => panic!("unexpected outcome {other}"),
                    };
                    counts[slot + 2 * (t % 2)].fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // At least 2,000 swaps, and on until the verifying threads have done 200 verifications
        // between them (on a loaded machine they may not have run at all during the first swaps).
        let done = || {
            counts
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .sum::<usize>()
        };
        let mut i = 0usize;
        while i < 2000 || done() < 200 {
            let set = if i % 2 == 0 { &new_set } else { &old_set };
            v.replace_trusted_keys(Arc::clone(set)).unwrap();
            if i % 100 == 0 {
                std::thread::yield_now();
            }
            i += 1;
        }
        stop.store(true, Ordering::Relaxed);
    });
    let total: usize = counts.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    assert!(total >= 200);
}

#[test]
fn an_endpoint_swaps_one_merchants_keys_and_routes() {
    let (old, new) = (notification(2), notification(1));
    let v3 = V3Verifier::new(API_V3_KEY).unwrap();
    v3.replace_trusted_keys(old_keys()).unwrap();
    let other = V3Verifier::new(API_V3_KEY).unwrap();
    other
        .replace_trusted_keys(
            TrustedKeys::from_pems([("PUB_KEY_ID_2", key("pubkey-b-public.pem"))]).unwrap(),
        )
        .unwrap();
    let e = Endpoint::new([
        MerchantProfile::new("shop").v3(v3.clone()),
        MerchantProfile::new("other").v3(other),
    ])
    .unwrap();
    let handle = |n: &Notification| match e.handle(&n.headers, &n.body, n.now) {
        Ok(h) => h.label().to_owned(),
        Err(r) => r.error().code().to_owned(),
    };
    assert_eq!(
        (handle(&old), handle(&new)),
        ("shop".into(), "unknown_serial".into())
    );
    // Swapping the verifier the profile was made from does not change the endpoint.
    v3.replace_trusted_keys(new_keys()).unwrap();
    assert_eq!(handle(&new), "unknown_serial");
    e.replace_trusted_keys("shop", new_keys()).unwrap();
    assert_eq!(
        (handle(&old), handle(&new)),
        ("unknown_serial".into(), "shop".into())
    );
    assert_eq!(
        e.trusted_keys("shop").unwrap().ids().collect::<Vec<_>>(),
        [PUB_ID]
    );
    // Refusals leave the endpoint as it was.
    let code = |r: Result<(), wechatpay_notify::Error>| r.unwrap_err().code();
    assert_eq!(
        code(e.replace_trusted_keys("nobody", old_keys())),
        "invalid_config"
    );
    assert_eq!(
        code(e.replace_trusted_keys("shop", TrustedKeys::new())),
        "invalid_config"
    );
    let taken = TrustedKeys::from_pems([("PUB_KEY_ID_2", key("pubkey-b-public.pem"))]).unwrap();
    let conflict = e.replace_trusted_keys("shop", taken).unwrap_err();
    assert_eq!(conflict.code(), "invalid_config");
    assert!(
        conflict
            .message()
            .contains("both trust the key id PUB_KEY_ID_2"),
        "{conflict}"
    );
    assert_eq!(handle(&new), "shop");
    // A v2-only profile has no keys to swap.
    assert!(e.trusted_keys("nobody").is_none());
}

#[test]
fn a_shared_endpoint_routes_with_one_snapshot() {
    let (old, new) = (Arc::new(notification(2)), Arc::new(notification(1)));
    let v3 = V3Verifier::new(API_V3_KEY).unwrap();
    v3.replace_trusted_keys(old_keys()).unwrap();
    let e = Arc::new(Endpoint::new([MerchantProfile::new("shop").v3(v3)]).unwrap());
    let (old_set, new_set) = (Arc::new(old_keys()), Arc::new(new_keys()));
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (e, stop) = (&e, &stop);
            let n = if t % 2 == 0 { &old } else { &new };
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match e.handle(&n.headers, &n.body, n.now) {
                        Ok(h) => assert_eq!(h.label(), "shop"),
                        Err(r) => assert_eq!(r.error().code(), "unknown_serial"),
                    }
                }
            });
        }
        for i in 0..2000 {
            let set = if i % 2 == 0 { &new_set } else { &old_set };
            e.replace_trusted_keys("shop", Arc::clone(set)).unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
}
