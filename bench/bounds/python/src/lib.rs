//! Bound experiments for the Python floor (SPEC §6): how fast a dict-based result can be at all.
//! Each method verifies with the core and builds only part of a result: nothing, or the `fields`
//! dict with fresh keys, or with keys shared across calls (as the package shares them). Built and
//! timed by scripts/bench-bounds.sh; uses only the core's public API, so it cannot drift from a
//! binding's internals.

use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use wechatpay_notify::{Fields, PaymentNotification, SignType};

#[pyclass(frozen)]
struct BoundVerifier {
    inner: wechatpay_notify::Verifier,
}

fn verify(v: &BoundVerifier, body: &Bound<'_, PyBytes>) -> PyResult<PaymentNotification> {
    v.inner
        .verify_payment(body.as_bytes())
        .map_err(|e| PyValueError::new_err(e.code().to_owned()))
}

/// Key strings kept by position between calls, reused while the name at a position repeats.
static NAMES: Mutex<Vec<(String, Py<PyString>)>> = Mutex::new(Vec::new());

fn dict_shared<'py>(py: Python<'py>, fields: &Fields) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    for (i, (k, v)) in fields.iter().enumerate() {
        let key = match names.get(i) {
            Some((name, key)) if name == k => key.bind(py).clone(),
            _ => {
                let key = PyString::new(py, k);
                names.truncate(i);
                names.push((k.to_owned(), key.clone().unbind()));
                key
            }
        };
        dict.set_item(key, v)?;
    }
    Ok(dict)
}

#[pymethods]
impl BoundVerifier {
    #[new]
    fn new(key: &str) -> PyResult<BoundVerifier> {
        let inner = wechatpay_notify::Verifier::new(key, SignType::Md5)
            .map_err(|e| PyValueError::new_err(e.code().to_owned()))?;
        Ok(BoundVerifier { inner })
    }

    /// Verification only, no result object.
    fn verify_only(&self, body: &Bound<'_, PyBytes>) -> PyResult<bool> {
        Ok(verify(self, body)?.is_success())
    }

    /// Verification and the fields dict with fresh keys, nothing else.
    fn dict_fresh<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyBytes>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let n = verify(self, body)?;
        let dict = PyDict::new(py);
        for (k, v) in n.fields().iter() {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// Verification and the fields dict with keys shared across calls, nothing else.
    fn dict_shared<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyBytes>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let n = verify(self, body)?;
        dict_shared(py, n.fields())
    }
}

#[pymodule]
fn wechatpay_notify_bounds(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BoundVerifier>()
}
