//! The typed attributes of the result classes, generated from the core's declaration.
//!
//! Each result class with a typed view (`PaymentNotification`, `RefundNotification`,
//! `V3Notification` and its resource views, `EndpointResult`) implements [`TypedView`]: the core's
//! `PROPERTIES` and `SHOWN` tables and its `property(name)` lookup. When the module is initialised, [`add_view`] gives the class one
//! read-only attribute per entry of the table ([`TypedAttribute`], a data descriptor like
//! `property`, read without a Python-level call), which converts the core's [`Value`] by its kind
//! ([`value_to_py`]); `repr()` shows the `SHOWN` ones ([`repr_view`]). Nothing here names a property: one added to the core's `typed_view!` /
//! `json_view!` appears in Python with the next build (`stubgen.py` regenerates the stub from
//! `typed_views.json`; `tests/test_typed_views.py` checks the class and the stub against it).

use pyo3::exceptions::{PyAttributeError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::{IntoPyObjectExt, PyClass};
use wechatpay_notify::view::{Property, Value};

use crate::v2::Coupon;
use crate::{PythonErrorExt, repr_amount, repr_opt};

/// A result class whose typed attributes are a core typed view.
pub(crate) trait TypedView: PyClass<Frozen = True> + Sync {
    /// The core's declaration of the view's properties.
    const PROPERTIES: &'static [Property];

    /// The properties `repr()` shows, in that order (the core's `SHOWN`).
    const SHOWN: &'static [&'static str];

    /// The core's value of the property `name` (None for a name not in [`Self::PROPERTIES`]).
    fn property(&self, name: &str) -> Option<Value<'_>>;
}

/// Adds the class `T` to the module with one read-only attribute per declared property (a
/// [`TypedAttribute`]).
///
/// A declared name that the class already has (a hand-written attribute) fails the import: one
/// attribute, one definition.
pub(crate) fn add_view<T: TypedView>(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let class = py.get_type::<T>();
    for p in T::PROPERTIES {
        if class.hasattr(p.name)? {
            return Err(PyRuntimeError::new_err(format!(
                "{}.{} is declared by the core and written by hand",
                class.name()?,
                p.name
            )));
        }
        let attribute = Bound::new(
            py,
            TypedAttribute {
                name: p.name,
                read: read::<T>,
            },
        )?;
        // In the attribute's own `__dict__`: what `help()` shows for it. The core's documentation
        // of the property, the same text `stubgen.py` writes into the stub from `typed_views.json`
        // (Python names an absent value `None`, as the core's text does).
        attribute.setattr("__doc__", p.doc)?;
        class.setattr(p.name, attribute)?;
    }
    m.add_class::<T>()
}

/// The value of property `name` of `obj`, an instance of `T`.
fn read<T: TypedView>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Py<PyAny>> {
    let this = obj.cast::<T>()?;
    let value = this
        .get()
        .property(name)
        .ok_or_else(|| PyRuntimeError::new_err(format!("the core has no property {name}")))?;
    value_to_py(obj.py(), value)
}

/// A typed attribute of a result class: a read-only data descriptor (like `property`, without a
/// Python-level call per read) that asks the core for the value of its property.
#[pyclass(frozen, dict, module = "wechatpay_notify._native")]
pub(crate) struct TypedAttribute {
    name: &'static str,
    read: fn(&Bound<'_, PyAny>, &str) -> PyResult<Py<PyAny>>,
}

#[pymethods]
impl TypedAttribute {
    fn __get__(
        slf: &Bound<'_, Self>,
        obj: Option<&Bound<'_, PyAny>>,
        _owner: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match obj.filter(|o| !o.is_none()) {
            Some(obj) => (slf.get().read)(obj, slf.get().name),
            // Read on the class: the attribute itself (as `property` does).
            None => Ok(slf.clone().into_any().unbind()),
        }
    }

    fn __set__(&self, _obj: &Bound<'_, PyAny>, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "attribute '{}' is read-only",
            self.name
        )))
    }

    fn __delete__(&self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        self.__set__(obj, obj)
    }

    /// The property's name.
    #[getter]
    fn __name__(&self) -> &'static str {
        self.name
    }

    fn __repr__(&self) -> String {
        format!("<typed attribute '{}'>", self.name)
    }
}

/// A property's value as Python sees it: `text` → `str | None`, `string` → `str`, `amount` → `int | None` (an amount
/// the core refuses raises its `NotifyError`), `bool`, `sign_type` → `str`, `coupons` →
/// `list[Coupon]` (or the core's `NotifyError`).
fn value_to_py(py: Python<'_>, value: Value<'_>) -> PyResult<Py<PyAny>> {
    match value {
        Value::Text(text) => text.into_py_any(py),
        Value::String(text) => text.into_py_any(py),
        Value::Amount(fen) => fen.into_py_result()?.into_py_any(py),
        Value::Bool(b) => b.into_py_any(py),
        Value::SignType(t) => t.as_str().into_py_any(py),
        Value::Coupons(coupons) => coupons
            .into_py_result()?
            .into_iter()
            .map(Coupon::from)
            .collect::<Vec<_>>()
            .into_py_any(py),
    }
}

/// `Class(name=value, ...)` for the properties the core's declaration shows (`T::SHOWN`): the
/// core's values, an amount the core refuses as `<error CODE>` (a `repr()` never raises).
pub(crate) fn repr_view<T: TypedView>(py: Python<'_>, view: &T, class: &str) -> String {
    let shown: Vec<String> = T::SHOWN
        .iter()
        .map(|&name| {
            let value = match view.property(name) {
                Some(Value::Text(text)) => repr_opt(py, text),
                Some(Value::String(text)) => repr_opt(py, Some(text)),
                Some(Value::Amount(fen)) => repr_amount(&fen),
                Some(Value::Bool(b)) => if b { "True" } else { "False" }.to_owned(),
                Some(Value::SignType(t)) => format!("'{}'", t.as_str()),
                Some(Value::Coupons(c)) => match c {
                    Ok(c) => format!("[{} coupons]", c.len()),
                    Err(e) => format!("<error {}>", e.code()),
                },
                None => "None".to_owned(),
            };
            format!("{name}={value}")
        })
        .collect();
    format!("{class}({})", shown.join(", "))
}
