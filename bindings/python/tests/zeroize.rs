//! The Python binding keeps no copy of a key in Rust memory (SPEC §2, issue 19.1): a key given as
//! `str` reaches the core borrowed, and the core's own copies are wiped on drop.
//!
//! A global allocator scans every block freed while the check is armed for the keys (the v2 API
//! keys, the refund AES keys derived from them, the APIv3 key). The binding is linked into this
//! test and imported by an embedded interpreter as `wechatpay_notify._native`; Python code builds,
//! uses and drops verifiers, endpoints (also from a profiles file), signatures and results. Python
//! keeps its own objects (the caller's `str`, temporary `bytes`) in its own allocator, which this
//! check does not see: what it sees is every block the binding or the core frees. A copy such as
//! PyO3's `to_cow` makes under the stable ABI (a `String`) is found, as the first test shows.
//!
//! Run by `cargo test -p wechatpay-notify-python` (it links libpython, which `cargo test` can;
//! maturin builds the extension module without it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CString;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

const API_KEY_A: &str = "192006250b4c09247ec02edce69f6a2d";
/// The lowercase hex MD5 of [`API_KEY_A`]: its refund AES-256 key.
const REFUND_KEY_A: &str = "d96eb16afdd491fa1e705096edbc2205";
/// The v2 key of the refund vectors (tests/vectors/v2_refund.json).
const API_KEY_B: &str = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";
const REFUND_KEY_B: &str = "5c9da18c63a9a89d9ed659de9f37dd21";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const NEEDLES: [&str; 5] = [API_KEY_A, REFUND_KEY_A, API_KEY_B, REFUND_KEY_B, API_V3_KEY];

static ARMED: AtomicBool = AtomicBool::new(false);
/// Freed blocks that still held a key, by needle.
static FOUND: [AtomicUsize; 5] = [const { AtomicUsize::new(0) }; 5];
/// Blocks scanned while armed (to show the check ran).
static SCANNED: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

// SAFETY: every method forwards to `System` with the arguments it was given; `dealloc` only reads
// the block it is about to free (valid for `layout.size()` bytes, as its caller guarantees) and
// allocates nothing.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // While armed, blocks start zeroed, so that bytes freed before the scan (unscanned) cannot
        // reappear in a new block's padding or spare capacity and be counted as a copy.
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
                if block.windows(needle.len()).any(|w| w == needle.as_bytes()) {
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

/// One test at a time: the allocator's counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` with the scan armed and returns how many freed blocks held each key.
fn freed_copies(f: impl FnOnce()) -> [usize; 5] {
    for found in &FOUND {
        found.store(0, Ordering::SeqCst);
    }
    SCANNED.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    assert!(SCANNED.load(Ordering::SeqCst) > 0, "nothing was freed");
    std::array::from_fn(|i| FOUND[i].load(Ordering::SeqCst))
}

/// The package, with this test's own copy of the native module as `wechatpay_notify._native`.
fn package(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let sys = py.import("sys")?;
    let modules = sys.getattr("modules")?;
    if !modules.contains("wechatpay_notify._native")? {
        let native = pyo3::wrap_pymodule!(_native::_native)(py);
        modules.set_item("wechatpay_notify._native", native)?;
        let python_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/python");
        sys.getattr("path")?
            .call_method1("insert", (0, python_dir))?;
    }
    py.import("wechatpay_notify")
}

/// Python code that defines `work()`: every object that takes a key, used and dropped. The keys
/// and the requests are made before the scan (outside `work`).
const WORKLOAD: &str = r#"
import gc, json, os, pathlib, tempfile
import wechatpay_notify as wn

VECTORS = pathlib.Path(repo) / "tests" / "vectors"
PEM = (VECTORS / "keys" / "pubkey-a-public.pem").read_text()
fields = [("return_code", "SUCCESS"), ("result_code", "SUCCESS"), ("mch_id", "10000100"),
          ("transaction_id", "4200000001"), ("out_trade_no", "A1"), ("total_fee", "1")]
signature = wn.sign(fields, key_a, "MD5")
payment = ("<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields)
           + f"<sign>{signature}</sign></xml>").encode()
refunds = json.loads((VECTORS / "v2_refund.json").read_text())["testGroups"][0]
assert refunds["config"]["apiKey"] == key_b
refund = refunds["tests"][0]["body"].encode()
v3_group = json.loads((VECTORS / "v3_notify.json").read_text())["testGroups"][0]
v3_case = v3_group["tests"][0]
v3_headers, v3_body, now = [tuple(p) for p in v3_case["headers"]], v3_case["body"], v3_case["now"]
platform_keys = {k: pem for k, pem in v3_group["config"]["platformKeys"]}

directory = pathlib.Path(tempfile.mkdtemp())
for name, text in (("v2.key", key_a), ("v3.key", key_v3)):
    (directory / name).write_text(text)
    os.chmod(directory / name, 0o600)
(directory / "a.pem").write_text(PEM)
profiles = directory / "profiles.json"
profiles.write_text(json.dumps({"profiles": [{"label": "a", "mch_id": "10000100",
    "v2": {"api_key_file": "v2.key", "sign_type": "MD5"},
    "v3": {"api_v3_key_file": "v3.key", "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "a.pem"}}}]}))
os.chmod(profiles, 0o600)

def work():
    v2 = wn.Verifier(key_a, "MD5", mch_id="10000100")
    assert v2.verify_payment(payment).is_success
    assert wn.Verifier(key_b, "MD5").decrypt_refund(refund).refund_id
    assert wn.sign(fields, key_a, "MD5") == signature
    v3 = wn.V3Verifier(key_v3, platform_keys)
    assert v3.verify(v3_headers, v3_body, now=now).is_success
    endpoint = wn.Endpoint([wn.MerchantProfile("a", v2=v2), wn.MerchantProfile("b", v3=v3)])
    assert endpoint.handle(v3_headers, v3_body, now=now).label == "b"
    assert endpoint.handle([], payment).internal_error_reply().status == 500
    loaded = wn.Endpoint.from_profiles_file(profiles)
    assert loaded.handle([], payment).label == "a"
    del v2, v3, endpoint, loaded
    gc.collect()
"#;

#[test]
fn no_freed_block_holds_a_key() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Python::initialize();
    Python::attach(|py| {
        package(py).unwrap();
        let globals = PyDict::new(py);
        let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        for (name, value) in [
            ("repo", repo),
            ("key_a", API_KEY_A),
            ("key_b", API_KEY_B),
            ("key_v3", API_V3_KEY),
        ] {
            globals.set_item(name, value).unwrap();
        }
        let code = CString::new(WORKLOAD).unwrap();
        py.run(&code, Some(&globals), None).unwrap();
        let work = globals.get_item("work").unwrap().unwrap();
        // Once before the scan: first use fills caches (imports, type objects, the dict keys).
        work.call0().unwrap();
        let found = freed_copies(|| {
            work.call0().unwrap();
        });
        assert_eq!(
            found, [0; 5],
            "freed blocks holding [v2 key A, its refund key, v2 key B, its refund key, APIv3 key]"
        );
    });
}

#[test]
fn the_check_finds_the_copy_to_cow_makes() {
    // The detector itself, on the copy the binding no longer makes: under the stable ABI for
    // Python 3.9, `to_cow` copies the UTF-8 of a `str` into a Rust `String`.
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Python::initialize();
    Python::attach(|py| {
        let key = PyString::new(py, API_V3_KEY);
        let found = freed_copies(|| {
            let copy = key.to_cow().unwrap().into_owned();
            drop(std::hint::black_box(copy));
        });
        assert_eq!(found, [0, 0, 0, 0, 1]);
    });
}
