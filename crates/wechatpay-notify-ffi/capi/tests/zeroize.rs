//! Every copy of every key is wiped before its memory is freed (SPEC §2, issue 19.1).
//!
//! A global allocator scans every block freed while the check is armed for the v2 API key, the
//! refund AES key derived from it (the lowercase hex MD5 of the key) and the APIv3 key. The
//! objects that hold keys are built, cloned, used (a payment, a refund, an APIv3 notification,
//! all through the endpoint too) and dropped, through the core and through the C ABI. A key
//! schedule that keeps the key (ring's AES-GCM key did: its schedule begins with the key itself)
//! or a plain `Vec`/`String` copy would be found here.
//!
//! The allocator is the only `unsafe` of this test, which is why it lives in the FFI crate.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use notify::{
    Endpoint, MerchantProfile, SignType, V3Headers, V3Verifier, Verifier, encrypt_req_info,
    signed_xml,
};

const API_KEY: &[u8; 32] = b"192006250b4c09247ec02edce69f6a2d";
/// The lowercase hex MD5 of [`API_KEY`]: the refund AES-256 key.
const REFUND_KEY: &[u8; 32] = b"d96eb16afdd491fa1e705096edbc2205";
const API_V3_KEY: &[u8; 32] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const NEEDLES: [&[u8; 32]; 3] = [API_KEY, REFUND_KEY, API_V3_KEY];

static ARMED: AtomicBool = AtomicBool::new(false);
/// Freed blocks that still held a key, by needle.
static FOUND: [AtomicUsize; 3] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];
/// Blocks scanned while armed (to show the check ran).
static SCANNED: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

// SAFETY: every method forwards to `System` with the arguments it was given; `dealloc` only reads
// the block it is about to free (valid for `layout.size()` bytes, as its caller guarantees) and
// allocates nothing.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // While armed, blocks start zeroed: malloc hands out memory as it was freed, and bytes a
        // block held before the scan (a vector file's text naming a key, freed during a test's
        // setup) would otherwise reappear in the padding or spare capacity of a new block and be
        // counted as a copy made under the scan.
        if ARMED.load(Ordering::Relaxed) {
            // SAFETY: the caller's contract for `alloc` is that of `alloc_zeroed`.
            return unsafe { System.alloc_zeroed(layout) };
        }
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until the call below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            SCANNED.fetch_add(1, Ordering::Relaxed);
            for (found, needle) in FOUND.iter().zip(NEEDLES) {
                if block.windows(needle.len()).any(|w| w == needle) {
                    found.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        // SAFETY: the caller's contract for `dealloc` is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A block that moves is freed too: scan it through `alloc` + copy + `dealloc`.
        // SAFETY: `layout` is the block's layout; the new layout has its alignment and a size the
        // caller guarantees is valid.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// One test at a time, its setup included: the allocator's counters are global, and a test's
/// setup frees key copies on purpose (the vectors' JSON names the APIv3 key), which another test's
/// armed scan would count.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with the scan armed and returns how many freed blocks held each key. The caller holds
/// [`serial`].
fn freed_copies(f: impl FnOnce()) -> [usize; 3] {
    for found in &FOUND {
        found.store(0, Ordering::SeqCst);
    }
    SCANNED.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    assert!(SCANNED.load(Ordering::SeqCst) > 0, "nothing was freed");
    [0, 1, 2].map(|i| FOUND[i].load(Ordering::SeqCst))
}

const TS: u64 = 1_795_000_000;

fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/vectors/keys")
}

fn v2() -> Verifier {
    Verifier::new(API_KEY, SignType::Md5)
        .unwrap()
        .expect_mch_id("10000100")
}

/// The merchant of the shared APIv3 vector's resource (its `mchid`): the v3 part names it, since
/// the profile's v2 `mch_id` would otherwise bind the APIv3 part too (`merchant_mismatch`).
const V3_MCH_ID: &str = "1900000100";

fn v3() -> V3Verifier {
    let pem = std::fs::read_to_string(keys_dir().join("pubkey-a-public.pem")).unwrap();
    let mut v = V3Verifier::new(API_V3_KEY)
        .unwrap()
        .expect_mch_id(V3_MCH_ID)
        .unwrap();
    v.add_trusted_key("PUB_KEY_ID_0114232134912410000000000000", &pem)
        .unwrap();
    v
}

/// A signed v2 payment, a v2 refund and an APIv3 notification, made outside the armed region
/// (making them copies the keys on purpose).
struct Requests {
    payment: Vec<u8>,
    refund: Vec<u8>,
    v3_headers: Vec<(String, String)>,
    v3_body: Vec<u8>,
}

fn requests() -> Requests {
    let fields = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("mch_id", "10000100"),
        ("transaction_id", "4200000001"),
        ("out_trade_no", "A1"),
        ("total_fee", "1"),
    ];
    let payment = signed_xml(fields, std::str::from_utf8(API_KEY).unwrap(), SignType::Md5)
        .unwrap()
        .into_bytes();
    let req_info = encrypt_req_info(
        [
            ("transaction_id", "4200000001"),
            ("out_trade_no", "A1"),
            ("refund_id", "5000001"),
            ("out_refund_no", "R1"),
            ("refund_fee", "1"),
            ("refund_status", "SUCCESS"),
        ],
        API_KEY,
    )
    .unwrap();
    let refund = format!(
        "<xml><return_code>SUCCESS</return_code><mch_id>10000100</mch_id><req_info>{req_info}</req_info></xml>"
    )
    .into_bytes();
    // The APIv3 notification of the shared vectors (tcId 1 of v3_notify.json), key A.
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(keys_dir().join("../v3_notify.json")).unwrap(),
    )
    .unwrap();
    let t = &vectors["testGroups"][0]["tests"][0];
    assert_eq!(t["result"], "valid");
    let v3_headers = t["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Requests {
        payment,
        refund,
        v3_headers,
        v3_body: t["body"].as_str().unwrap().as_bytes().to_vec(),
    }
}

#[test]
fn the_check_finds_a_plain_copy() {
    let _serial = serial();
    // The detector itself: a key in an ordinary Vec is found when the Vec is freed.
    let found = freed_copies(|| {
        let copy = std::hint::black_box(API_V3_KEY.to_vec());
        drop(copy);
    });
    assert_eq!(found, [0, 0, 1]);
}

#[test]
fn no_freed_block_holds_a_key_core() {
    let _serial = serial();
    let r = requests();
    let found = freed_copies(|| {
        let verifier = v2();
        let clone = verifier.clone();
        assert!(clone.verify_payment(&r.payment).is_ok());
        assert!(clone.decrypt_refund(&r.refund).is_ok());
        let v3 = v3();
        let v3_clone = v3.clone();
        let headers: V3Headers = r.v3_headers.iter().cloned().collect();
        assert!(v3_clone.verify(&headers, &r.v3_body, TS).is_ok());
        // The vector's resource names mchid 1900000100: the v3 part says so itself.
        let v3 = v3.expect_mch_id("1900000100").unwrap();
        let endpoint =
            Endpoint::new([MerchantProfile::new("a").v2(verifier).unwrap().v3(v3)]).unwrap();
        let endpoint_clone = endpoint.clone();
        assert!(endpoint_clone.handle(&headers, &r.v3_body, TS).is_ok());
        assert!(
            endpoint_clone
                .handle(&V3Headers::new(), &r.payment, TS)
                .is_ok()
        );
        assert!(
            endpoint_clone
                .handle(&V3Headers::new(), &r.refund, TS)
                .is_ok()
        );
        drop((clone, v3_clone, endpoint, endpoint_clone));
    });
    assert_eq!(
        found,
        [0, 0, 0],
        "freed blocks holding [v2 key, refund key, v3 key]"
    );
}

#[test]
fn no_freed_block_holds_a_key_when_profiles_move() {
    // Building an endpoint of many profiles grows vectors: every verifier is moved to a new block
    // and the old block is freed. A key stored inline (not behind its own zeroising allocation)
    // would be left there.
    let _serial = serial();
    let pem = std::fs::read_to_string(keys_dir().join("pubkey-a-public.pem")).unwrap();
    let found = freed_copies(|| {
        // Pushed one by one, as an application would: the vector moves its contents as it grows.
        let mut profiles = Vec::new();
        for i in 0..64 {
            let mut v3 = V3Verifier::new(API_V3_KEY).unwrap();
            v3.add_trusted_key(&format!("PUB_KEY_ID_{i:028}"), &pem)
                .unwrap();
            let profile = MerchantProfile::new(format!("m{i}")).v3(v3);
            profiles.push(if i == 0 {
                profile.v2(v2()).unwrap()
            } else {
                profile
            });
        }
        let endpoint = Endpoint::new(profiles).unwrap();
        let clone = endpoint.clone();
        drop((endpoint, clone));
    });
    assert_eq!(
        found,
        [0, 0, 0],
        "freed blocks holding [v2 key, refund key, v3 key]"
    );
}

#[test]
fn no_freed_block_holds_a_key_profiles_file() {
    let _serial = serial();
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("wechatpay-zeroize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let private = |name: &str, content: &[u8]| {
        std::fs::write(dir.join(name), content).unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    private("v2.key", API_KEY);
    private("v3.key", API_V3_KEY);
    std::fs::copy(keys_dir().join("pubkey-a-public.pem"), dir.join("a.pem")).unwrap();
    private(
        "profiles.json",
        br#"{"profiles": [{"label": "a",
            "v2": {"api_key_file": "v2.key", "sign_type": "MD5", "mch_id": "10000100"},
            "v3": {"api_v3_key_file": "v3.key", "mch_ids": ["1900000100"],
                   "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "a.pem"}}}]}"#,
    );
    let r = requests();
    let found = freed_copies(|| {
        let endpoint = Endpoint::from_profiles_file(dir.join("profiles.json")).unwrap();
        let headers: V3Headers = r.v3_headers.iter().cloned().collect();
        assert!(endpoint.handle(&headers, &r.v3_body, TS).is_ok());
        assert!(endpoint.handle(&V3Headers::new(), &r.refund, TS).is_ok());
        drop(endpoint);
    });
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        found,
        [0, 0, 0],
        "freed blocks holding [v2 key, refund key, v3 key]"
    );
}

/// The same through the C ABI, as C and C# call it: the three builders (a key moved through every
/// setter, a refused option, build called twice), a profiles file, verification, the endpoint,
/// and `wechatpay_sign`. The caller's own key buffer is the caller's to wipe (C# pins and clears it).
#[test]
fn no_freed_block_holds_a_key_c_abi() {
    let _serial = serial();
    use std::ffi::c_char;
    use std::os::unix::fs::PermissionsExt;
    use std::ptr::{null, null_mut};
    use wechatpay_notify_capi::endpoint::*;
    use wechatpay_notify_capi::error::*;
    use wechatpay_notify_capi::notification::*;
    use wechatpay_notify_capi::sign::*;
    use wechatpay_notify_capi::util::*;
    use wechatpay_notify_capi::v3_notification::*;
    use wechatpay_notify_capi::v3_verifier::*;
    use wechatpay_notify_capi::verifier::*;
    use wechatpay_notify_capi::{wechatpay_field, wechatpay_str};

    fn ok(e: *mut wechatpay_error) {
        assert!(e.is_null(), "unexpected error");
    }
    fn refused(e: *mut wechatpay_error) {
        assert!(!e.is_null(), "expected an error");
        wechatpay_error_free(e);
    }
    fn s(text: &[u8]) -> wechatpay_str {
        wechatpay_str {
            data: text.as_ptr().cast::<c_char>(),
            len: text.len(),
        }
    }

    let dir = std::env::temp_dir().join(format!("wechatpay-zeroize-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in [("v2.key", &API_KEY[..]), ("v3.key", &API_V3_KEY[..])] {
        std::fs::write(dir.join(name), content).unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::copy(keys_dir().join("pubkey-a-public.pem"), dir.join("a.pem")).unwrap();
    let profiles = dir.join("profiles.json");
    std::fs::write(
        &profiles,
        br#"{"profiles": [{"label": "a", "mch_id": "10000100",
            "v2": {"api_key_file": "v2.key", "sign_type": "MD5"},
            "v3": {"api_v3_key_file": "v3.key", "mch_ids": ["1900000100"],
                   "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "a.pem"}}}]}"#,
    )
    .unwrap();
    std::fs::set_permissions(&profiles, std::fs::Permissions::from_mode(0o600)).unwrap();
    let profiles_path = profiles.to_str().unwrap().to_owned();
    let pem = std::fs::read_to_string(keys_dir().join("pubkey-a-public.pem")).unwrap();
    let r = requests();
    let headers: Vec<wechatpay_field> = r
        .v3_headers
        .iter()
        .map(|(n, v)| wechatpay_field {
            name: s(n.as_bytes()),
            value: s(v.as_bytes()),
        })
        .collect();
    let id = b"PUB_KEY_ID_0114232134912410000000000000";

    let found = freed_copies(|| {
        // v2: builder, setters (one refused), built twice.
        let mut vb = null_mut();
        ok(wechatpay_verifier_builder_new(
            API_KEY.as_ptr().cast(),
            32,
            c"MD5".as_ptr(),
            3,
            &mut vb,
        ));
        ok(wechatpay_verifier_builder_expect_mch_id(
            vb,
            c"10000100".as_ptr(),
            8,
        ));
        ok(wechatpay_verifier_builder_also_accept(
            vb,
            c"HMAC-SHA256".as_ptr(),
            11,
        ));
        refused(wechatpay_verifier_builder_also_accept(
            vb,
            c"SHA1".as_ptr(),
            4,
        ));
        ok(wechatpay_verifier_builder_max_body_bytes(vb, 65536));
        let (mut v2, mut v2_again) = (null_mut(), null_mut());
        ok(wechatpay_verifier_builder_build(vb, &mut v2));
        ok(wechatpay_verifier_builder_build(vb, &mut v2_again));
        wechatpay_verifier_builder_free(vb);
        let mut p = null_mut();
        ok(wechatpay_verifier_verify_payment(
            v2,
            r.payment.as_ptr(),
            r.payment.len(),
            &mut p,
        ));
        wechatpay_payment_free(p);
        let mut rf = null_mut();
        ok(wechatpay_verifier_decrypt_refund(
            v2_again,
            r.refund.as_ptr(),
            r.refund.len(),
            &mut rf,
        ));
        wechatpay_refund_free(rf);

        // APIv3: builder, a trusted key, a refused key and merchant id, built twice.
        let mut b3 = null_mut();
        ok(wechatpay_v3_verifier_builder_new(
            API_V3_KEY.as_ptr().cast(),
            32,
            &mut b3,
        ));
        ok(wechatpay_v3_verifier_builder_add_trusted_key(
            b3,
            id.as_ptr().cast(),
            id.len(),
            pem.as_ptr().cast(),
            pem.len(),
        ));
        refused(wechatpay_v3_verifier_builder_add_trusted_key(
            b3,
            id.as_ptr().cast(),
            id.len(),
            pem.as_ptr().cast(),
            pem.len(),
        ));
        ok(wechatpay_v3_verifier_builder_expect_mch_id(
            b3,
            c"1900000100".as_ptr(),
            10,
        ));
        refused(wechatpay_v3_verifier_builder_expect_mch_id(b3, null(), 0));
        ok(wechatpay_v3_verifier_builder_max_clock_skew(b3, 300));
        let (mut v3, mut v3_again) = (null_mut(), null_mut());
        ok(wechatpay_v3_verifier_builder_build(b3, &mut v3));
        ok(wechatpay_v3_verifier_builder_build(b3, &mut v3_again));
        wechatpay_v3_verifier_builder_free(b3);
        let mut n = null_mut();
        ok(wechatpay_v3_verifier_verify(
            v3_again,
            headers.as_ptr(),
            headers.len(),
            r.v3_body.as_ptr(),
            r.v3_body.len(),
            TS,
            &mut n,
        ));
        wechatpay_v3_notification_free(n);

        // The endpoint builder (copies of both verifiers), and an endpoint from a profiles file.
        let mut eb = null_mut();
        ok(wechatpay_endpoint_builder_new(&mut eb));
        ok(wechatpay_endpoint_builder_add_profile(
            eb,
            c"a".as_ptr(),
            1,
            v2,
            v3,
        ));
        refused(wechatpay_endpoint_builder_add_profile(
            eb,
            c"\xff".as_ptr(),
            1,
            v2,
            v3,
        ));
        wechatpay_verifier_free(v2);
        wechatpay_verifier_free(v2_again);
        wechatpay_v3_verifier_free(v3);
        wechatpay_v3_verifier_free(v3_again);
        let (mut e, mut from_file) = (null_mut(), null_mut());
        ok(wechatpay_endpoint_builder_build(eb, &mut e));
        wechatpay_endpoint_builder_free(eb);
        ok(wechatpay_endpoint_from_profiles_file(
            profiles_path.as_ptr().cast(),
            profiles_path.len(),
            &mut from_file,
        ));
        for endpoint in [e, from_file] {
            for (h, body) in [
                (&headers[..], &r.v3_body),
                (&[][..], &r.payment),
                (&[][..], &r.refund),
            ] {
                let mut res = null_mut();
                ok(wechatpay_endpoint_handle(
                    endpoint,
                    h.as_ptr(),
                    h.len(),
                    body.as_ptr(),
                    body.len(),
                    TS,
                    &mut res,
                ));
                wechatpay_endpoint_result_free(res);
            }
            wechatpay_endpoint_free(endpoint);
        }

        // Signing with the key.
        let fields = [wechatpay_field {
            name: s(b"mch_id"),
            value: s(b"10000100"),
        }];
        let mut sig = null_mut();
        ok(wechatpay_sign(
            fields.as_ptr(),
            1,
            API_KEY.as_ptr().cast(),
            32,
            c"HMAC-SHA256".as_ptr(),
            11,
            &mut sig,
        ));
        wechatpay_string_free(sig);
    });
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        found,
        [0, 0, 0],
        "freed blocks holding [v2 key, refund key, v3 key]"
    );
}
