//! Keys passed from JS (`apiKey`, `apiV3Key`): the one Rust copy of each is wiped when dropped.
//!
//! napi-rs converts a JS string into a `String` in one buffer of exactly its UTF-8 length (plus
//! the NUL Node-API writes), never reallocated; [`SecretString`] takes that buffer into
//! `Zeroizing` at once. The core copies what it keeps into memory of its own that it wipes too.
//! (The JS string itself belongs to the engine: nothing can wipe it.)

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use zeroize::Zeroizing;

/// A key from JS, wiped on drop. In TypeScript it is a `string`.
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// The key's UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<String> for SecretString {
    fn from(key: String) -> SecretString {
        SecretString(Zeroizing::new(key))
    }
}

impl TypeName for SecretString {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for SecretString {}

impl FromNapiValue for SecretString {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: the caller's contract (a live `env` and `value`) is passed on unchanged.
        unsafe { String::from_napi_value(env, value) }.map(SecretString::from)
    }
}

#[cfg(test)]
mod tests {
    //! A global allocator (this test binary's only) scans every block freed while armed for the
    //! keys: building verifiers and an endpoint from options, using and dropping them, leaves no
    //! freed block holding a key; a plain `String` copy is found.

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use napi::bindgen_prelude::Either;

    use super::SecretString;
    use crate::endpoint::{EndpointOptions, NativeEndpoint, ProfileOptions};
    use crate::native_sign;
    use crate::v2::{VerifierOptions, verifier};
    use crate::v3::V3VerifierOptions;

    const API_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
    const API_KEY_B: &str = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";
    const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    const API_V3_KEY_B: &str = "0123456789abcdefghijklmnopqrstuv";
    const KEYS: [&str; 4] = [API_KEY, API_KEY_B, API_V3_KEY, API_V3_KEY_B];

    static ARMED: AtomicBool = AtomicBool::new(false);
    static FOUND: AtomicUsize = AtomicUsize::new(0);
    static SCANNED: AtomicUsize = AtomicUsize::new(0);

    struct Scanning;

    // SAFETY: every method forwards to `System` with its arguments; `dealloc` only reads the
    // block it is about to free (valid for `layout.size()` bytes) and allocates nothing.
    unsafe impl GlobalAlloc for Scanning {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // While armed, blocks start zeroed, so that bytes freed before the scan (unscanned)
            // cannot reappear in a new block's padding or spare capacity and count as a copy.
            if ARMED.load(Ordering::Relaxed) {
                // SAFETY: the caller's contract for `alloc` is that of `alloc_zeroed`.
                return unsafe { System.alloc_zeroed(layout) };
            }
            // SAFETY: the caller's contract is passed on.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if ARMED.load(Ordering::Relaxed) {
                // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
                let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
                SCANNED.fetch_add(1, Ordering::Relaxed);
                let held = |key: &str| block.windows(key.len()).any(|w| w == key.as_bytes());
                if KEYS.into_iter().any(held) {
                    FOUND.fetch_add(1, Ordering::Relaxed);
                }
            }
            // SAFETY: the caller's contract is passed on.
            unsafe { System.dealloc(ptr, layout) }
        }

        // `realloc` is the trait's default: alloc + copy + dealloc, so a moved block is scanned.
    }

    #[global_allocator]
    static GLOBAL: Scanning = Scanning;

    static SERIAL: Mutex<()> = Mutex::new(());

    /// How many blocks freed while `f` ran held a key.
    fn freed_copies(f: impl FnOnce()) -> usize {
        let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        FOUND.store(0, Ordering::SeqCst);
        SCANNED.store(0, Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
        f();
        ARMED.store(false, Ordering::SeqCst);
        assert!(SCANNED.load(Ordering::SeqCst) > 0, "nothing was freed");
        FOUND.load(Ordering::SeqCst)
    }

    /// A key as napi-rs hands it over: a `String` of exactly its length (made before the scan).
    fn secret(key: &str) -> SecretString {
        SecretString::from(key.to_owned())
    }

    fn v2_options(key: SecretString, mch_id: &str) -> VerifierOptions {
        VerifierOptions {
            api_key: key,
            sign_type: "MD5".into(),
            appid: None,
            mch_id: Some(mch_id.into()),
            also_accept: None,
            max_body_bytes: None,
        }
    }

    #[test]
    fn keys_from_js_leave_no_copy_behind() {
        // Two merchants with both parts, their options made before the scan (napi-rs's part).
        let profiles = [("a", API_KEY, API_V3_KEY), ("b", API_KEY_B, API_V3_KEY_B)].map(
            |(label, v2_key, v3_key)| {
                let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys");
                let pem = std::fs::read_to_string(format!("{dir}/pubkey-{label}-public.pem"));
                let id = match label {
                    "a" => "PUB_KEY_ID_0114232134912410000000000000",
                    _ => "PUB_KEY_ID_0111111111111120000000000001",
                };
                ProfileOptions {
                    label: label.into(),
                    mch_id: None,
                    v2: Some(v2_options(secret(v2_key), &format!("1000{label}"))),
                    v3: Some(V3VerifierOptions {
                        api_v3_key: secret(v3_key),
                        platform_keys: Either::A(vec![vec![id.into(), pem.unwrap()]]),
                        max_clock_skew: None,
                        max_body_bytes: None,
                        mch_ids: None,
                    }),
                }
            },
        );
        let (k2, k3) = (secret(API_KEY), secret(API_KEY));
        let found = freed_copies(move || {
            let v = verifier(v2_options(k2, "10000100")).unwrap();
            drop(v.clone());
            drop(v);
            let fields = Either::A(vec![vec!["a".into(), "1".into()]]);
            native_sign(fields, k3, "MD5".into()).unwrap();
            let options = EndpointOptions {
                profiles: profiles.into(),
            };
            drop(NativeEndpoint::new(options).unwrap());
        });
        assert_eq!(found, 0, "freed blocks held a key");
    }

    #[test]
    fn a_plain_copy_is_found() {
        let key = API_V3_KEY.to_owned();
        assert_eq!(freed_copies(move || drop(key)), 1);
    }
}
