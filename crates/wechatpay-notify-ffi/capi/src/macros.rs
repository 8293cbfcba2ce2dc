//! The panic boundary and the NULL-check macros every exported function uses.

/// Runs an exported function's body, turning a panic into the `internal` error (or the NULL /
/// false / 0 default of the return type, see [`crate::FfiDefault`]). Nothing unwinds into C.
///
/// Inside the body, `return` leaves the exported function with that value.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(move || { $($body)* })) {
            Ok(ret) => ret,
            Err(_) => $crate::FfiDefault::from_error($crate::panic_error()),
        }
    }};
}

/// Borrows the Rust value behind a `*const` handle argument, or returns the `invalid_argument`
/// default when it is NULL (or misaligned).
macro_rules! try_ref {
    ($ptr:ident) => {
        match $crate::util::borrow($ptr, stringify!($ptr)) {
            Ok(value) => value,
            Err(e) => return $crate::FfiDefault::from_error(e),
        }
    };
}

/// Mutably borrows the Rust value behind a `*mut` handle argument, or returns the
/// `invalid_argument` default when it is NULL (or misaligned).
macro_rules! try_mut {
    ($ptr:ident) => {
        match $crate::util::borrow_mut($ptr, stringify!($ptr)) {
            Ok(value) => value,
            Err(e) => return $crate::FfiDefault::from_error(e),
        }
    };
}

/// Checks that an output argument is neither NULL nor misaligned and gives back an [`Out`] to
/// write on success (`invalid_argument` default otherwise).
///
/// [`Out`]: crate::util::Out
macro_rules! try_out {
    ($ptr:ident) => {
        match $crate::util::out_arg($ptr, stringify!($ptr)) {
            Ok(out) => out,
            Err(e) => return $crate::FfiDefault::from_error(e),
        }
    };
}

/// Borrows a pointer + length input as a byte slice (NULL is allowed only with length 0), or
/// returns the `invalid_argument` default.
macro_rules! try_slice {
    ($ptr:ident, $len:ident) => {
        match $crate::util::slice($ptr, $len, stringify!($ptr)) {
            Ok(bytes) => bytes,
            Err(e) => return $crate::FfiDefault::from_error(e),
        }
    };
}

/// Returns the error default of the function when a `Result` is an error.
macro_rules! try_ffi {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(e) => return $crate::FfiDefault::from_error(e),
        }
    };
}
