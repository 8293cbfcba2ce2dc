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
use pyo3::types::PyTuple;
use pyo3::{IntoPyObjectExt, PyClass};
use wechatpay_notify::settings::{SettingKind, SettingValue, Settings};
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
    for p in T::PROPERTIES {
        // The core's documentation of the property, the same text `stubgen.py` writes into the
        // stub from `typed_views.json` (Python names an absent value `None`, as the core's text
        // does).
        add_attribute::<T>(m.py(), p.name, p.doc, read::<T>)?;
    }
    m.add_class::<T>()
}

/// A configurable class (a verifier, a merchant profile) whose read-back attributes are the
/// core's declaration of its settings.
pub(crate) trait Configured: PyClass<Frozen = True> + Sync {
    /// The core's declaration of the class's settings.
    const SETTINGS: Settings;

    /// The core's value of the setting `name` (None for a secret, the trusted keys, a profile's
    /// part, or a name not declared).
    fn setting(&self, name: &str) -> Option<SettingValue<'_>>;

    /// The verifier object given as the part `name` of a merchant profile (a setting of kind
    /// `v2_verifier` / `v3_verifier`), or Python's `None`; a verifier has no parts.
    fn part(&self, py: Python<'_>, _name: &str) -> Py<PyAny> {
        py.None()
    }
}

/// Adds the verifier class `T` to the module with one read-only attribute per declared setting
/// that is read back (every one but the keys): what the verifier was configured with, documented
/// by the core. A declared name that the class already has fails the import, as for a view.
pub(crate) fn add_settings<T: Configured>(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for s in T::SETTINGS.settings.iter().filter(|s| s.kind.read_back()) {
        add_attribute::<T>(m.py(), s.name, s.doc, read_setting::<T>)?;
    }
    m.add_class::<T>()
}

/// `Class(first..., name=value, ...)`: the verifier's read-back settings in the core's order, each
/// by its Python `repr()`, after the `first` ones the class shows itself.
pub(crate) fn repr_settings<T: Configured>(
    obj: &Bound<'_, T>,
    class: &str,
    first: &[(&str, String)],
) -> PyResult<String> {
    let mut parts: Vec<String> = first.iter().map(|(n, v)| format!("{n}={v}")).collect();
    for s in T::SETTINGS.settings.iter().filter(|s| s.kind.read_back()) {
        let value = read_setting::<T>(obj.as_any(), s.name)?;
        parts.push(format!("{}={}", s.name, value.bind(obj.py()).repr()?));
    }
    Ok(format!("{class}({})", parts.join(", ")))
}

/// Gives the class `T` the read-only attribute `name` ([`TypedAttribute`]), whose `__doc__` (what
/// `help()` shows) is `doc`; refuses a name the class already has (one attribute, one definition).
fn add_attribute<T: PyClass>(
    py: Python<'_>,
    name: &'static str,
    doc: &'static str,
    read: fn(&Bound<'_, PyAny>, &str) -> PyResult<Py<PyAny>>,
) -> PyResult<()> {
    let class = py.get_type::<T>();
    if class.hasattr(name)? {
        return Err(PyRuntimeError::new_err(format!(
            "{}.{} is declared by the core and written by hand",
            class.name()?,
            name
        )));
    }
    let attribute = Bound::new(py, TypedAttribute { name, read })?;
    attribute.setattr("__doc__", doc)?;
    class.setattr(name, attribute)
}

/// The value of setting `name` of `obj`, an instance of `T`: `sign_type` → `str`, `sign_types`
/// and `texts` → a tuple of `str`, `text` → `str | None`, `bytes` and `seconds` → `int`, a
/// profile's part → the verifier given, or `None`.
fn read_setting<T: Configured>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Py<PyAny>> {
    let py = obj.py();
    let this = obj.cast::<T>()?;
    if let Some(SettingKind::V2Verifier | SettingKind::V3Verifier) =
        T::SETTINGS.get(name).map(|s| s.kind)
    {
        return Ok(this.get().part(py, name));
    }
    let value = this
        .get()
        .setting(name)
        .ok_or_else(|| PyRuntimeError::new_err(format!("the core has no setting {name}")))?;
    match value {
        SettingValue::SignType(t) => t.as_str().into_py_any(py),
        SettingValue::SignTypes(ts) => {
            PyTuple::new(py, ts.iter().map(|t| t.as_str()))?.into_py_any(py)
        }
        SettingValue::Text(t) => t.into_py_any(py),
        SettingValue::Texts(ts) => PyTuple::new(py, ts)?.into_py_any(py),
        SettingValue::Number(n) => n.into_py_any(py),
    }
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
