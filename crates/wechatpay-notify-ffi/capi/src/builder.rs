//! The one shape of the three builders (`struct wechatpay_verifier_builder`,
//! `struct wechatpay_v3_verifier_builder`, `struct wechatpay_endpoint_builder`): a value being
//! configured, changed in place or moved out and back in (never copied, so a key stays in one
//! place), and turned into a handle by `_build`, which may be called more than once.

use notify::{Error, ErrorKind};

use crate::error::wechatpay_error;
use crate::util::{Castable, borrow, out_arg, to_raw};

/// The value a builder configures. Empty only if an option panicked while the value was moved out
/// (then every later use of the builder is the `internal` error).
pub(crate) struct Building<T>(Option<T>);

impl<T> Building<T> {
    pub(crate) fn new(value: T) -> Building<T> {
        Building(Some(value))
    }

    pub(crate) fn get(&self) -> Result<&T, Error> {
        self.0.as_ref().ok_or_else(emptied)
    }

    /// For options that change the value in place (adding a key, a profile); such an option leaves
    /// the value as it was when it refuses.
    pub(crate) fn get_mut(&mut self) -> Result<&mut T, Error> {
        self.0.as_mut().ok_or_else(emptied)
    }

    /// For the core's builder methods, which take the value by value: moves it out, applies the
    /// option and moves it back.
    pub(crate) fn set(&mut self, option: impl FnOnce(T) -> T) -> Result<(), Error> {
        let value = self.0.take().ok_or_else(emptied)?;
        self.0 = Some(option(value));
        Ok(())
    }

    /// For a fallible option that takes the value by value: applied to a copy (dropped, and so
    /// zeroised, when refused), so a refusal leaves the builder as it was.
    pub(crate) fn try_set(
        &mut self,
        option: impl FnOnce(T) -> Result<T, Error>,
    ) -> Result<(), Error>
    where
        T: Clone,
    {
        let changed = option(self.get()?.clone())?;
        self.0 = Some(changed);
        Ok(())
    }
}

fn emptied() -> Error {
    Error::new(
        ErrorKind::Internal,
        "this builder was emptied by an earlier caught panic",
    )
}

/// The body of every `_builder_build` function: makes a new handle from the builder's current
/// value (which stays in the builder) and writes it to `out`. Runs inside the caller's
/// `ffi_boundary!`.
pub(crate) fn build<B, H, T>(
    builder: *const B,
    out: *mut *mut H,
    out_name: &str,
    make: impl FnOnce(&T) -> Result<H::Rust, Error>,
) -> *mut wechatpay_error
where
    B: Castable<Rust = Building<T>>,
    H: Castable,
{
    let building = try_ffi!(borrow(builder, "builder"));
    let out = try_ffi!(out_arg(out, out_name));
    let value = try_ffi!(building.get().and_then(make));
    out.set(to_raw::<H>(value));
    std::ptr::null_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_option_empties_the_builder_and_a_refused_one_changes_nothing() {
        let mut b = Building::new(vec![1]);
        b.set(|mut v| {
            v.push(2);
            v
        })
        .unwrap();
        let refused = b.try_set(|_| Err(Error::new(ErrorKind::InvalidConfig, "no")));
        assert_eq!(refused.unwrap_err().code(), "invalid_config");
        assert_eq!(b.get().unwrap(), &[1, 2]);
        b.get_mut().unwrap().push(3);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            b.set(|_| panic!("boom")).unwrap();
        }));
        assert!(caught.is_err());
        assert_eq!(b.get().unwrap_err().code(), "internal");
        assert_eq!(b.get_mut().unwrap_err().code(), "internal");
        assert_eq!(b.set(|v| v).unwrap_err().code(), "internal");
    }
}
