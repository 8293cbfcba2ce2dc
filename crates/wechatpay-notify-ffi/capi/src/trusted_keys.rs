//! Key rotation: `struct wechatpay_trusted_keys`, a set of trusted WeChat Pay keys built (and
//! parsed) once, from PEMs or from a directory, and swapped into a live verifier or endpoint.

use std::collections::HashSet;
use std::ffi::c_char;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use notify::{Error, ErrorKind, TrustedKeys};

use crate::error::wechatpay_error;
use crate::util::{Castable, free, put_str, to_raw, wechatpay_str};

/// A set of trusted WeChat Pay keys (platform certificates and/or WeChat Pay public keys), each
/// parsed once when it is added: made empty by `wechatpay_trusted_keys_new` and filled with the
/// `wechatpay_trusted_keys_add_*` functions, or read from a directory by
/// `wechatpay_trusted_keys_load_dir`; swapped into a live verifier by
/// `wechatpay_v3_verifier_replace_trusted_keys` (or an endpoint's merchant by
/// `wechatpay_endpoint_replace_trusted_keys`), which share it (no copy, no parsing); released
/// with `wechatpay_trusted_keys_free`. Reading a set and swapping it in are thread-safe with
/// each other; adding keys is not thread-safe at all: while a `wechatpay_trusted_keys_add_*` call
/// runs, no other thread may use the set (not even to read it or swap it in).
pub struct wechatpay_trusted_keys {
    _private: [u8; 0],
}

impl Castable for wechatpay_trusted_keys {
    /// Shared with the verifiers it was swapped into; adding a key to a shared set copies it
    /// first, so a verifier never sees a change it was not given.
    type Rust = Arc<TrustedKeys>;
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Arc<TrustedKeys>>();
};

/// A configuration string (an id, a PEM): UTF-8, else `invalid_config`.
pub(crate) fn config_text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the {what} is not valid UTF-8"),
        )
    })
}

/// A path given as bytes: any bytes on Unix, UTF-8 elsewhere (`invalid_config` otherwise).
pub(crate) fn path_arg<'a>(bytes: &'a [u8], what: &str) -> Result<&'a std::path::Path, Error> {
    #[cfg(unix)]
    {
        let _ = what;
        use std::os::unix::ffi::OsStrExt as _;
        Ok(std::path::Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        config_text(bytes, what).map(std::path::Path::new)
    }
}

/// A key id that stays valid for the life of the process: the trusted keys of a live verifier
/// can be swapped by another thread at any time, so an id read from the verifier cannot borrow
/// from its current set. Each distinct id is kept once (ids are public and few: a merchant's
/// certificates and public key ids).
pub(crate) fn interned(id: &str) -> &'static str {
    static IDS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match ids.get(id) {
        Some(kept) => kept,
        None => {
            let kept: &'static str = Box::leak(id.to_owned().into_boxed_str());
            ids.insert(kept);
            kept
        }
    }
}

/// Starts an empty set of trusted keys. On success writes it to `*keys_out` and returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_new(
    keys_out: *mut *mut wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let out = try_out!(keys_out);
        out.set(to_raw::<wechatpay_trusted_keys>(Arc::new(TrustedKeys::new())));
        std::ptr::null_mut()
    }
}

/// Trusts `pem` under `id`: a platform certificate (PEM `CERTIFICATE`; `id` must equal its serial
/// number, else `invalid_config`) or a WeChat Pay public key (PEM `PUBLIC KEY`; `id` is usually
/// `PUB_KEY_ID_...`), with the rules of `wechatpay_v3_verifier_builder_add_trusted_key`.
/// `invalid_config` for a PEM the core refuses, an id already in the set, or an id or PEM that
/// is not UTF-8; the set is then unchanged.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_add_trusted_key(
    keys: *mut wechatpay_trusted_keys,
    id: *const c_char,
    id_len: usize,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let keys = try_mut!(keys);
        let id = try_ffi!(config_text(try_slice!(id, id_len), "key id"));
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(Arc::make_mut(keys).add_trusted_key(id, pem));
        std::ptr::null_mut()
    }
}

/// Trusts a platform certificate (PEM `CERTIFICATE`) under its own serial number. The rules of
/// `wechatpay_trusted_keys_add_trusted_key` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_add_platform_certificate(
    keys: *mut wechatpay_trusted_keys,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let keys = try_mut!(keys);
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(Arc::make_mut(keys).add_platform_certificate(pem));
        std::ptr::null_mut()
    }
}

/// Trusts a WeChat Pay public key (PEM `PUBLIC KEY`) under `id` (usually `PUB_KEY_ID_...`). The
/// rules of `wechatpay_trusted_keys_add_trusted_key` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_add_public_key(
    keys: *mut wechatpay_trusted_keys,
    id: *const c_char,
    id_len: usize,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let keys = try_mut!(keys);
        let id = try_ffi!(config_text(try_slice!(id, id_len), "key id"));
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(Arc::make_mut(keys).add_public_key(id, pem));
        std::ptr::null_mut()
    }
}

/// Reads every key of a directory, as WeChat Pay's certificate download writes them, and writes
/// the set to `*keys_out`. `path`: `path_len` bytes (not NUL-terminated; on Unix any bytes,
/// elsewhere UTF-8), relative to the working directory.
///
/// Each `*.pem` file directly in the directory (not in subdirectories; other names are ignored;
/// symbolic links are followed), in byte order of the names, read whole (at most 65536 bytes),
/// holding exactly one PEM block: a `CERTIFICATE` is trusted under its own serial (a file named
/// like a serial, hex digits only, must be named after that serial, and a `PUB_KEY_ID_...` name
/// is refused: a mislabelled file); a `PUBLIC KEY` under the file name without `.pem`, which must
/// be a WeChat Pay public key id (`PUB_KEY_ID_...`).
///
/// `invalid_config`, naming the file, for a file that cannot be read, is not a regular file, is
/// too large, is not UTF-8, holds anything else or a key the verifier refuses, or repeats an id;
/// and for a directory that cannot be read or holds no key. `*keys_out` is then untouched.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_load_dir(
    path: *const c_char,
    path_len: usize,
    keys_out: *mut *mut wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let path = try_ffi!(path_arg(try_slice!(path, path_len), "key directory path"));
        let out = try_out!(keys_out);
        let keys = try_ffi!(TrustedKeys::load_dir(path));
        out.set(to_raw::<wechatpay_trusted_keys>(Arc::new(keys)));
        std::ptr::null_mut()
    }
}

/// The number of keys in the set (0 if `keys` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_count(keys: *const wechatpay_trusted_keys) -> usize {
    ffi_boundary! {
        try_ref!(keys).len()
    }
}

/// Writes the id of the key at `index` (in the order added or loaded; a certificate by its
/// uppercase hex serial) to `*id_out` and returns true; false when `index` is out of range. The
/// string stays valid for the life of the process.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_id(
    keys: *const wechatpay_trusted_keys,
    index: usize,
    id_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let keys = try_ref!(keys);
        let out = try_out!(id_out);
        put_str(keys.ids().nth(index).map(interned), out)
    }
}

/// Releases a set. NULL is a no-op. The verifiers and endpoints it was swapped into keep their
/// own share of it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_trusted_keys_free(keys: *mut wechatpay_trusted_keys) {
    ffi_boundary! { free(keys) }
}
