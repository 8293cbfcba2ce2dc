//! Typed views: the typed properties of each result type, declared once.
//!
//! [`typed_view!`] turns one list per result type into (1) the accessor methods, (2) the
//! `PROPERTIES` table and (3) a `property(name)` lookup. Every surface is generated from or tested
//! against the table: the CLI and the vector generator walk it; `tools/xtask` writes it to
//! `tests/vectors/typed_views.json` and every valid vector's `expected.typed` holds every property,
//! so each binding's runner fails when the core gains a property the binding lacks.

use crate::error::Error;
use crate::sign::SignType;
use crate::v2::Coupon;

/// How a typed property's value is represented on every surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A string, or absent.
    Text,
    /// A string, always present.
    String,
    /// An amount in fen: v2 ASCII digits only, v3 a non-negative JSON integer, within `u64`; absent
    /// when the field is (v2: also when empty; v3: also `null`). Present in any other form (`"1.0"`,
    /// `1e2`, `-1`, beyond 2^64) the property is an error (`missing_field`), never absent.
    Amount,
    /// A boolean.
    Bool,
    /// `"MD5"` or `"HMAC-SHA256"`.
    SignType,
    /// A list of [`Coupon`]s.
    Coupons,
}

impl Kind {
    /// The kind's name in `typed_views.json`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::String => "string",
            Kind::Amount => "amount",
            Kind::Bool => "bool",
            Kind::SignType => "sign_type",
            Kind::Coupons => "coupons",
        }
    }
}

/// Where a property's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The field of the same name in the notification's own document.
    Fields,
    /// The field of the same name in the decrypted refund document (`req_info`).
    ReqInfo,
    /// A rule over several fields (the accessor, declared with its rule in the `rules` block).
    Rule,
    /// A string the result holds itself, set when it was made: an APIv3 event's envelope fields
    /// (`id`, `event_type`, ...) and its decrypted resource text (`plaintext`).
    Held,
    /// The value at this path of the decrypted APIv3 resource (JSON); an amount is a JSON integer.
    Resource(&'static [&'static str]),
}

/// One typed property of a result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Property {
    /// The snake_case name (bindings map it to their convention: `totalFee`, `TotalFee`).
    pub name: &'static str,
    /// How its value is represented.
    pub kind: Kind,
    /// Where its value comes from.
    pub source: Source,
    /// What the property is, in one paragraph: the accessor's doc comment, its lines joined.
    /// Written once here for every surface (`typed_views.json` carries it to the bindings'
    /// generators): `code` in backticks, and an absent value named `None` (each language writes
    /// its own word for it).
    pub doc: &'static str,
}

/// One typed view of the core: a result type's declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Its name in `tests/vectors/typed_views.json` and the bindings' generators.
    pub name: &'static str,
    /// Its properties, in declaration order (the order `typed_views.json` lists them).
    pub properties: &'static [Property],
    /// The properties that identify a result at a glance, in the order a one-line summary shows
    /// them (Python's `repr()`): a few of `properties`, declared with them.
    pub shown: &'static [&'static str],
}

/// The [`View`] of each result type: its name, then the type whose `PROPERTIES` and `SHOWN` it is.
macro_rules! views {
    ($($name:literal: $ty:ident,)*) => {
        &[$(View {
            name: $name,
            properties: crate::$ty::PROPERTIES,
            shown: crate::$ty::SHOWN,
        }),*]
    };
}

/// Every typed view, in the order `typed_views.json` lists them.
pub const VIEWS: &[View] = views![
    "payment": PaymentNotification,
    "refund": RefundNotification,
    "v3_transaction": V3Transaction,
    "v3_refund": V3Refund,
    "v3_profit_sharing": V3ProfitSharing,
    "v3_transfer": V3Transfer,
    "v3_complaint": V3Complaint,
    "v3_notification": V3Notification,
    "endpoint_result": Notification,
];

/// A typed property's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// [`Kind::Text`].
    Text(Option<&'a str>),
    /// [`Kind::String`].
    String(&'a str),
    /// [`Kind::Amount`]: an error when the value is present but not an amount.
    Amount(Result<Option<u64>, Error>),
    /// [`Kind::Bool`].
    Bool(bool),
    /// [`Kind::SignType`].
    SignType(SignType),
    /// [`Kind::Coupons`]: an error when a count or fee is present but not an amount.
    Coupons(Result<Vec<Coupon>, Error>),
}

/// The values of a view's properties copied out of the result they were read from, for a result
/// that does not keep it (a binding that hands the notification itself to its language, say): one
/// per declared property, read back as [`Value`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    properties: &'static [Property],
    values: Vec<Option<Owned>>,
}

/// A [`Value`] that owns its text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    Text(Option<String>),
    String(String),
    Amount(Result<Option<u64>, Error>),
    Bool(bool),
    SignType(SignType),
    Coupons(Result<Vec<Coupon>, Error>),
}

impl Snapshot {
    /// The value of every property of `properties`, read with `property` (the result's
    /// `property(name)`); a declared property without a value is left out of [`Snapshot::get`].
    pub fn of<'a>(
        properties: &'static [Property],
        property: impl Fn(&str) -> Option<Value<'a>>,
    ) -> Snapshot {
        let values = properties
            .iter()
            .map(|p| {
                property(p.name).map(|value| match value {
                    Value::Text(t) => Owned::Text(t.map(str::to_owned)),
                    Value::String(t) => Owned::String(t.to_owned()),
                    Value::Amount(a) => Owned::Amount(a),
                    Value::Bool(b) => Owned::Bool(b),
                    Value::SignType(t) => Owned::SignType(t),
                    Value::Coupons(c) => Owned::Coupons(c),
                })
            })
            .collect();
        Snapshot { properties, values }
    }

    /// The declaration the snapshot was taken of.
    pub fn properties(&self) -> &'static [Property] {
        self.properties
    }

    /// The value of the property `name`, as the result's `property(name)` gave it.
    pub fn get(&self, name: &str) -> Option<Value<'_>> {
        let index = self.properties.iter().position(|p| p.name == name)?;
        Some(match self.values.get(index)?.as_ref()? {
            Owned::Text(t) => Value::Text(t.as_deref()),
            Owned::String(t) => Value::String(t),
            Owned::Amount(a) => Value::Amount(a.clone()),
            Owned::Bool(b) => Value::Bool(*b),
            Owned::SignType(t) => Value::SignType(*t),
            Owned::Coupons(c) => Value::Coupons(c.clone()),
        })
    }
}

impl Value<'_> {
    /// The value as `tests/vectors` and the CLI write it: a string or `null`, a number, a bool, the
    /// algorithm's name, an array of `{id, coupon_type, fee}`; a value the core refuses (an amount
    /// or coupon list present in another form) is `{"error": CODE}`, never `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Value::Text(t) => json!(t),
            Value::String(t) => json!(t),
            Value::Amount(Ok(a)) => json!(a),
            Value::Amount(Err(e)) | Value::Coupons(Err(e)) => json!({"error": e.code()}),
            Value::Bool(b) => json!(b),
            Value::SignType(t) => json!(t.as_str()),
            Value::Coupons(Ok(c)) => c
                .iter()
                .map(|c| json!({"id": c.id, "coupon_type": c.coupon_type, "fee": c.fee}))
                .collect(),
        }
    }
}

/// Declares a result type's typed properties, each with its documentation (`///` lines, at least
/// one: they become both the Rust accessor's doc and [`Property::doc`]), and the `shown` ones
/// (those a one-line summary shows, in that order: [`View::shown`]). `held` ones are `String`
/// members of the result of the same name; field-backed ones (`text` or `amount`, read from the named document)
/// get generated accessors; rule-backed ones give the accessor's body as `|n| expression` over the
/// result (`n: &Self`), usually a call to a private method holding the rule.
macro_rules! typed_view {
    (
        $ty:ident;
        shown [$($shown:ident),+];
        $( held {
            $( $(#[doc = $held_doc:literal])+ $held:ident, )*
        } )?
        $( from $src:ident ($source:ident) {
            $( $(#[doc = $doc:literal])+ $kind:ident $name:ident, )*
        } )*
        rules {
            $( $(#[doc = $rule_doc:literal])+ $rule:ident: $rule_kind:ident = |$n:ident| $body:expr, )*
        }
    ) => {
        impl $ty {
            /// Every typed property of this result type, in declaration order.
            pub const PROPERTIES: &'static [$crate::view::Property] = &[
                $( $( $crate::view::Property {
                    name: stringify!($held),
                    kind: $crate::view::Kind::String,
                    source: $crate::view::Source::Held,
                    doc: concat!($($held_doc),+).trim_ascii(),
                }, )* )?
                $( $( $crate::view::Property {
                    name: stringify!($name),
                    kind: typed_view!(@kind $kind),
                    source: $crate::view::Source::$source,
                    doc: concat!($($doc),+).trim_ascii(),
                }, )* )*
                $( $crate::view::Property {
                    name: stringify!($rule),
                    kind: $crate::view::Kind::$rule_kind,
                    source: $crate::view::Source::Rule,
                    doc: concat!($($rule_doc),+).trim_ascii(),
                }, )*
            ];

            /// The properties a one-line summary of this result shows, in that order.
            pub const SHOWN: &'static [&'static str] = &[$(stringify!($shown)),+];

            /// The typed property `name` (one of [`Self::PROPERTIES`]), or `None` for another name.
            pub fn property(&self, name: &str) -> Option<$crate::view::Value<'_>> {
                match name {
                    $( $( stringify!($held) => Some($crate::view::Value::String(self.$held())), )* )?
                    $( $( stringify!($name) => Some(typed_view!(@value $kind self.$name())), )* )*
                    $( stringify!($rule) => Some($crate::view::Value::$rule_kind(self.$rule())), )*
                    _ => None,
                }
            }

            $( $(
                $(#[doc = $held_doc])+
                pub fn $held(&self) -> &str {
                    &self.$held
                }
            )* )?

            $( $( typed_view!(@accessor $kind $src $name $(#[doc = $doc])+); )* )*

            $(
                $(#[doc = $rule_doc])+
                pub fn $rule(&self) -> typed_view!(@type $rule_kind) {
                    let $n = self;
                    $body
                }
            )*
        }
    };
    (@kind text) => { $crate::view::Kind::Text };
    (@kind amount) => { $crate::view::Kind::Amount };
    (@type Text) => { Option<&str> };
    (@type String) => { &str };
    (@type Amount) => { Result<Option<u64>, $crate::Error> };
    (@type Bool) => { bool };
    (@type SignType) => { $crate::sign::SignType };
    (@type Coupons) => { Result<Vec<$crate::v2::Coupon>, $crate::Error> };
    (@value text $e:expr) => { $crate::view::Value::Text($e) };
    (@value amount $e:expr) => { $crate::view::Value::Amount($e) };
    (@accessor text $src:ident $name:ident $(#[doc = $doc:literal])+) => {
        $(#[doc = $doc])+
        pub fn $name(&self) -> Option<&str> {
            self.$src.get(stringify!($name))
        }
    };
    (@accessor amount $src:ident $name:ident $(#[doc = $doc:literal])+) => {
        $(#[doc = $doc])+
        pub fn $name(&self) -> Result<Option<u64>, $crate::Error> {
            $crate::view::text_amount(stringify!($name), self.$src.get(stringify!($name)))
        }
    };
}

pub(crate) use typed_view;

/// Declares an APIv3 resource view: a borrowed view of the decrypted JSON whose accessors read the
/// declared paths (`text`: a JSON string; `amount`: a JSON integer in fen, 0 or more). Each
/// property's `///` lines (at least one) are the accessor's doc and its [`Property::doc`]; the
/// `shown` list is as [`typed_view!`]'s.
macro_rules! json_view {
    (
        $(#[doc = $tydoc:literal])*
        $ty:ident {
            shown [$($shown:ident),+];
            $( $(#[doc = $doc:literal])+ $kind:ident $name:ident = [$($path:literal),+], )*
        }
    ) => {
        $(#[doc = $tydoc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ty<'a> {
            resource: &'a serde_json::Map<String, serde_json::Value>,
        }

        impl<'a> $ty<'a> {
            pub(crate) fn new(resource: &'a serde_json::Map<String, serde_json::Value>) -> Self {
                $ty { resource }
            }

            /// Every typed property of this view, in declaration order.
            pub const PROPERTIES: &'static [$crate::view::Property] = &[
                $( $crate::view::Property {
                    name: stringify!($name),
                    kind: json_view!(@kind $kind),
                    source: $crate::view::Source::Resource(&[$($path),+]),
                    doc: concat!($($doc),+).trim_ascii(),
                }, )*
            ];

            /// The properties a one-line summary of this view shows, in that order.
            pub const SHOWN: &'static [&'static str] = &[$(stringify!($shown)),+];

            /// The typed property `name` (one of [`Self::PROPERTIES`]), or `None` for another name.
            pub fn property(&self, name: &str) -> Option<$crate::view::Value<'a>> {
                match name {
                    $( stringify!($name) => Some(json_view!(@value $kind self.$name())), )*
                    _ => None,
                }
            }

            $(
                $(#[doc = $doc])+
                pub fn $name(&self) -> json_view!(@type $kind) {
                    json_view!(@read $kind $name $crate::view::resource_path(self.resource, &[$($path),+]))
                }
            )*
        }
    };
    (@kind text) => { $crate::view::Kind::Text };
    (@kind amount) => { $crate::view::Kind::Amount };
    (@type text) => { Option<&'a str> };
    (@type amount) => { Result<Option<u64>, $crate::Error> };
    (@value text $e:expr) => { $crate::view::Value::Text($e) };
    (@value amount $e:expr) => { $crate::view::Value::Amount($e) };
    (@read text $name:ident $e:expr) => { $e.and_then(serde_json::Value::as_str) };
    (@read amount $name:ident $e:expr) => { $crate::view::json_amount(stringify!($name), $e) };
}

pub(crate) use json_view;

/// A v2 amount field: absent or empty → `None`; ASCII digits within `u64` → the value; anything
/// else → `missing_field` naming the field (never "absent": the application's own parser might
/// read a number there).
pub(crate) fn text_amount(name: &str, value: Option<&str>) -> Result<Option<u64>, Error> {
    match value {
        None | Some("") => Ok(None),
        Some(v) => crate::v2::parse_amount(v)
            .map(Some)
            .ok_or_else(|| not_an_amount(name)),
    }
}

/// An APIv3 amount: absent or `null` → `None`; a non-negative JSON integer within `u64` → the
/// value; anything else (`100.0`, `1e2`, `-1`, beyond 2^64, a string) → `missing_field`.
pub(crate) fn json_amount(
    name: &str,
    value: Option<&serde_json::Value>,
) -> Result<Option<u64>, Error> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| not_an_amount(name)),
    }
}

fn not_an_amount(name: &str) -> Error {
    Error::missing_field(format!(
        "{name} is present but not an amount in fen (a non-negative integer)"
    ))
}

/// The value at `path` in a JSON object.
pub(crate) fn resource_path<'a>(
    resource: &'a serde_json::Map<String, serde_json::Value>,
    path: &[&str],
) -> Option<&'a serde_json::Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(resource.get(*first)?, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {

    /// Every declared property carries its documentation, written for every surface: one
    /// paragraph, a full sentence, no Rust-only syntax (intra-doc links) for the bindings' docs.
    #[test]
    fn every_property_is_documented_for_every_surface() {
        for p in super::VIEWS.iter().flat_map(|v| v.properties) {
            let doc = p.doc;
            assert!(!doc.is_empty(), "{}: no documentation", p.name);
            assert_eq!(doc, doc.trim(), "{}", p.name);
            assert!(doc.ends_with('.'), "{}: {doc:?} is not a sentence", p.name);
            assert!(
                !doc.contains("  ") && !doc.contains('\n'),
                "{}: {doc:?}",
                p.name
            );
            assert!(!doc.contains("]("), "{}: a link in {doc:?}", p.name);
            assert!(
                !doc.contains("[`"),
                "{}: an intra-doc link in {doc:?}",
                p.name
            );
            assert_eq!(doc.matches('`').count() % 2, 0, "{}: {doc:?}", p.name);
        }
    }

    /// A view's `shown` list names its own properties, each once.
    #[test]
    fn every_shown_list_names_properties_of_its_view() {
        for view in super::VIEWS {
            assert!(!view.shown.is_empty(), "{}", view.name);
            for (i, name) in view.shown.iter().enumerate() {
                assert!(
                    view.properties.iter().any(|p| p.name == *name),
                    "{}: {name} is not one of its properties",
                    view.name
                );
                assert!(
                    !view.shown[..i].contains(name),
                    "{}: {name} twice",
                    view.name
                );
            }
        }
    }
}
