//! The C ABI entry points on arbitrary bytes and lengths, called by path exactly as C calls them
//! (no `unsafe` here: every exported function is a safe `extern "C" fn` taking raw pointers).
//! Lengths never exceed their buffers (C callers own that contract); NULL pointers with non-zero
//! lengths are included and must be refused as `invalid_argument`. Every error number is one of
//! SPEC §3's, every handle is freed, and nothing panics or unwinds across the boundary.
#![no_main]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use wechatpay_notify_capi::endpoint::*;
use wechatpay_notify_capi::error::*;
use wechatpay_notify_capi::notification::*;
use wechatpay_notify_capi::sign::*;
use wechatpay_notify_capi::util::*;
use wechatpay_notify_capi::v3_notification::*;
use wechatpay_notify_capi::v3_verifier::*;
use wechatpay_notify_capi::verifier::*;
use wechatpay_notify_capi::{wechatpay_field, wechatpay_str};

const KEY: &[u8] = b"192006250b4c09247ec02edce69f6a2d";
const API_V3_KEY: &[u8] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const PUB_KEY: &str = include_str!("../../tests/vectors/keys/pubkey-a-public.pem");

/// Checks and frees an error; true when there was one.
fn done(e: *mut wechatpay_error) -> bool {
    if e.is_null() {
        return false;
    }
    let n = wechatpay_error_number(e);
    assert!((8201..=8220).contains(&n), "error number {n}");
    wechatpay_error_free(e);
    true
}

/// A pointer for `bytes`, or NULL when asked (with the real length: must be refused).
fn ptr(bytes: &[u8], null_it: bool) -> *const u8 {
    if null_it { null() } else { bytes.as_ptr() }
}

fn field(name: &[u8], value: &[u8]) -> wechatpay_field {
    wechatpay_field {
        name: wechatpay_str { data: name.as_ptr().cast::<c_char>(), len: name.len() },
        value: wechatpay_str { data: value.as_ptr().cast::<c_char>(), len: value.len() },
    }
}

fuzz_target!(|input: (&[u8], Vec<(Vec<u8>, Vec<u8>)>, &[u8], u8, u64)| {
    let (body, pairs, config, flags, now) = input;
    let null_body = flags & 1 != 0;
    let fields: Vec<wechatpay_field> = pairs.iter().map(|(k, v)| field(k, v)).collect();

    // v2: a verifier from arbitrary configuration bytes, then the fuzz body.
    let sign_type: &[u8] = if flags & 2 != 0 { b"HMAC-SHA256" } else { b"MD5" };
    let (key, st) = if flags & 4 != 0 { (config, config) } else { (KEY, sign_type) };
    let mut v = null_mut();
    if !done(wechatpay_verifier_new(key.as_ptr().cast(), key.len(), st.as_ptr().cast(), st.len(), &mut v)) {
        let mut p = null_mut();
        if !done(wechatpay_verifier_verify_payment(v, ptr(body, null_body), body.len(), &mut p)) {
            assert!(!null_body || body.is_empty());
            wechatpay_payment_free(p);
        }
        let mut r = null_mut();
        if !done(wechatpay_verifier_decrypt_refund(v, ptr(body, null_body), body.len(), &mut r)) {
            wechatpay_refund_free(r);
        }
    }

    // sign: arbitrary field pairs (names/values may be non-UTF-8).
    let mut s = null_mut();
    let fields_ptr = if flags & 8 != 0 { null() } else { fields.as_ptr() };
    if !done(wechatpay_sign(fields_ptr, fields.len(), KEY.as_ptr().cast(), KEY.len(), sign_type.as_ptr().cast(), sign_type.len(), &mut s)) {
        wechatpay_string_free(s);
    }

    // APIv3: a verifier trusting one key (or an arbitrary PEM), the fuzz pairs as headers.
    let mut b = null_mut();
    if !done(wechatpay_v3_verifier_builder_new(API_V3_KEY.as_ptr().cast(), API_V3_KEY.len(), &mut b)) {
        let id = b"PUB_KEY_ID_0114232134912410000000000000";
        let pem: &[u8] = if flags & 16 != 0 { config } else { PUB_KEY.as_bytes() };
        done(wechatpay_v3_verifier_builder_add_trusted_key(b, id.as_ptr().cast(), id.len(), pem.as_ptr().cast(), pem.len()));
        let mut v3 = null_mut();
        if !done(wechatpay_v3_verifier_builder_build(b, &mut v3)) {
            let mut n = null_mut();
            if !done(wechatpay_v3_verifier_verify(v3, fields_ptr, fields.len(), ptr(body, null_body), body.len(), now, &mut n)) {
                wechatpay_v3_notification_free(n);
            }
            // The endpoint over both verifiers (the v2 one needs an mch_id: built separately).
            let mut vb = null_mut();
            let mut v2 = null_mut();
            if !done(wechatpay_verifier_builder_new(KEY.as_ptr().cast(), KEY.len(), sign_type.as_ptr().cast(), sign_type.len(), &mut vb)) {
                done(wechatpay_verifier_builder_expect_mch_id(vb, b"10000100".as_ptr().cast(), 8));
                done(wechatpay_verifier_builder_build(vb, &mut v2));
                wechatpay_verifier_builder_free(vb);
            }
            let mut eb = null_mut();
            if !done(wechatpay_endpoint_builder_new(&mut eb)) {
                done(wechatpay_endpoint_builder_add_profile(eb, b"shop".as_ptr().cast(), 4, v2, v3));
                let mut e = null_mut();
                if !done(wechatpay_endpoint_builder_build(eb, &mut e)) {
                    let mut res = null_mut();
                    if !done(wechatpay_endpoint_handle(e, fields_ptr, fields.len(), ptr(body, null_body), body.len(), now, &mut res)) {
                        wechatpay_endpoint_result_free(res);
                    }
                    wechatpay_endpoint_free(e);
                }
                wechatpay_endpoint_builder_free(eb);
            }
            wechatpay_verifier_free(v2);
            wechatpay_v3_verifier_free(v3);
        }
        wechatpay_v3_verifier_builder_free(b);
    }
    wechatpay_verifier_free(v);
});
