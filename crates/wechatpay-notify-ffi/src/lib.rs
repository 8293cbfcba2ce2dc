//! `libwechatpay_notify.so` / `libwechatpay_notify.a`: the C ABI of wechatpay-notify.
//!
//! Every exported function is defined in `capi/` (the `wechatpay-notify-capi` crate, where the
//! header is generated from); linking it here exports its `#[no_mangle]` functions from these
//! libraries. This crate adds only the link settings (`build.rs`: the SONAME).

pub use capi::*;
