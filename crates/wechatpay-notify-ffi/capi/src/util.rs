//! Handle casting, argument checks and the small string types shared by every module.

use std::ffi::{CString, c_char};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::OnceLock;

use notify::{Error, ErrorKind};

use crate::error::wechatpay_error;

/// What an exported function returns when it cannot do its job (NULL argument, conversion failure,
/// caught panic).
pub trait FfiDefault {
    /// The value to return for `error`.
    fn from_error(error: Error) -> Self;
}

impl FfiDefault for *mut wechatpay_error {
    fn from_error(error: Error) -> Self {
        crate::error::into_raw(error)
    }
}

impl FfiDefault for bool {
    fn from_error(_: Error) -> Self {
        false
    }
}

impl FfiDefault for usize {
    fn from_error(_: Error) -> Self {
        0
    }
}

impl FfiDefault for u64 {
    fn from_error(_: Error) -> Self {
        0
    }
}

impl FfiDefault for u32 {
    fn from_error(_: Error) -> Self {
        0
    }
}

impl FfiDefault for () {
    fn from_error(_: Error) -> Self {}
}

impl FfiDefault for *const c_char {
    /// The empty string, so that a caller printing the result never dereferences NULL.
    fn from_error(_: Error) -> Self {
        c"".as_ptr()
    }
}

/// Ties an opaque C handle type to the Rust value it stands for (rustls-ffi's `Castable`). Handles
/// are `Box`es: created by [`to_raw`], released once by [`free`].
pub(crate) trait Castable {
    type Rust;
}

pub(crate) fn to_raw<C: Castable>(value: C::Rust) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// Checks a pointer argument: NULL and misaligned pointers are `invalid_argument` (neither can
/// point to a live `T`, and Rust may not even form a reference from them).
fn checked<T>(ptr: *const T, name: &str) -> Result<NonNull<T>, Error> {
    let Some(ptr) = NonNull::new(ptr.cast_mut()) else {
        return Err(null_arg(name));
    };
    if !ptr.as_ptr().is_aligned() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} is not a valid pointer (misaligned for its type)"),
        ));
    }
    Ok(ptr)
}

pub(crate) fn borrow<'a, C: Castable>(ptr: *const C, name: &str) -> Result<&'a C::Rust, Error> {
    let ptr = checked(ptr.cast::<C::Rust>(), name)?;
    // SAFETY: by the API contract a non-NULL `ptr` is a live handle of type C made by `to_raw` (a
    // Box of C::Rust), not yet freed; shared use of a handle is read-only.
    Ok(unsafe { ptr.as_ref() })
}

pub(crate) fn borrow_mut<'a, C: Castable>(
    ptr: *mut C,
    name: &str,
) -> Result<&'a mut C::Rust, Error> {
    let mut ptr = checked(ptr.cast::<C::Rust>().cast_const(), name)?;
    // SAFETY: as in `borrow`; the header documents that a builder must not be used from two
    // threads at once, so this is the only reference for the duration of the call.
    Ok(unsafe { ptr.as_mut() })
}

pub(crate) fn free<C: Castable>(ptr: *mut C) {
    if !ptr.is_null() {
        // SAFETY: non-NULL handles come from `to_raw`; the contract says each is freed once and
        // not used afterwards.
        drop(unsafe { Box::from_raw(ptr.cast::<C::Rust>()) });
    }
}

/// An output argument checked for NULL. It is written (without reading the old, possibly
/// uninitialised, value) only when the function succeeds.
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _caller: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    pub(crate) fn set(self, value: T) {
        // SAFETY: the pointer is non-NULL and, by the API contract, valid for writing one T.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

pub(crate) fn out_arg<'a, T>(ptr: *mut T, name: &str) -> Result<Out<'a, T>, Error> {
    checked(ptr.cast_const(), name).map(|ptr| Out {
        ptr,
        _caller: PhantomData,
    })
}

fn null_arg(name: &str) -> Error {
    Error::new(ErrorKind::InvalidArgument, format!("{name} is NULL"))
}

mod sealed {
    pub trait Byte {}
    impl Byte for u8 {}
    impl Byte for i8 {}
}

/// Borrows `len` bytes at `ptr` for the duration of the call (`c_char` or `uint8_t` inputs).
pub(crate) fn slice<'a, T: sealed::Byte>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Error> {
    array(ptr.cast::<u8>(), len, name)
}

/// A NUL-terminated copy of `text` made once and kept for the life of the process.
pub(crate) fn static_cstr(cell: &'static OnceLock<CString>, text: &str) -> *const c_char {
    cell.get_or_init(|| CString::new(text.replace('\0', "?")).unwrap_or_default())
        .as_ptr()
}

/// A UTF-8 string borrowed from a handle (output) or from the caller (input): `len` bytes at
/// `data`, not NUL-terminated. An output `wechatpay_str` stays valid until the handle it came from
/// is freed.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wechatpay_str {
    /// The first byte. When `len` is 0 it may be NULL or a dangling pointer: never dereference it then.
    pub data: *const c_char,
    /// The number of bytes.
    pub len: usize,
}

impl wechatpay_str {
    pub(crate) fn borrowed(s: &str) -> wechatpay_str {
        wechatpay_str {
            data: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// The bytes of an input string (see [`slice`] for the NULL rule).
    pub(crate) fn input<'a>(self, name: &str) -> Result<&'a [u8], Error> {
        slice(self.data, self.len, name)
    }
}

/// Writes `value` to `out` and returns true when present; leaves `out` untouched otherwise.
pub(crate) fn put_str(value: Option<&str>, out: Out<'_, wechatpay_str>) -> bool {
    match value {
        Some(value) => {
            out.set(wechatpay_str::borrowed(value));
            true
        }
        None => false,
    }
}

/// One `name=value` pair: an element of the input array of `wechatpay_sign`, and the output of
/// the `..._field` getters (borrowed from the handle).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wechatpay_field {
    /// The element name.
    pub name: wechatpay_str,
    /// The element value, exactly as received (possibly empty).
    pub value: wechatpay_str,
}

/// An owned string made by this library (a signature, a FAIL reply). Read it with
/// `wechatpay_string_data` / `wechatpay_string_len`; release it with `wechatpay_string_free`.
pub struct wechatpay_string {
    _private: [u8; 0],
}

impl Castable for wechatpay_string {
    type Rust = CString;
}

/// Makes a string handle; `text` never contains NUL here (signatures are hex, replies replace
/// control characters), and a NUL would be a bug reported as `internal`.
pub(crate) fn new_string(text: String) -> Result<*mut wechatpay_string, Error> {
    CString::new(text)
        .map(to_raw::<wechatpay_string>)
        .map_err(|_| Error::new(ErrorKind::Internal, "a NUL byte in a generated string"))
}

/// The string's bytes followed by a NUL terminator (there is no NUL inside). Valid until
/// `wechatpay_string_free(string)`. Returns `""` if `string` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_string_data(string: *const wechatpay_string) -> *const c_char {
    ffi_boundary! {
        try_ref!(string).as_ptr()
    }
}

/// The string's length in bytes, without the NUL terminator (0 if `string` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_string_len(string: *const wechatpay_string) -> usize {
    ffi_boundary! {
        try_ref!(string).as_bytes().len()
    }
}

/// Releases a string made by this library. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_string_free(string: *mut wechatpay_string) {
    ffi_boundary! { free(string) }
}

/// Borrows an input array of `len` elements (NULL is allowed only with length 0).
pub(crate) fn array<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T], Error> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} is NULL but its length is {len}"),
        ));
    }
    let ptr = checked(ptr, name)?;
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the length of {name} is larger than any object can be"),
        ));
    }
    // SAFETY: `ptr` is non-NULL, aligned and, by the API contract, points to `len` initialised
    // elements not modified during the call; their total size fits in isize.
    Ok(unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) })
}
