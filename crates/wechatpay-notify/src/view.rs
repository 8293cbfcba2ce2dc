//! Typed views: the typed properties of each result type, declared once.
//!
//! [`typed_view!`] turns one list per result type into (1) the accessor methods, (2) the
//! `PROPERTIES` table and (3) a `property(name)` lookup. Every surface is generated from or tested
//! against the table: the CLI and the vector generator walk it; `tools/xtask` writes it to
//! `tests/vectors/typed_views.json` and every valid vector's `expected.typed` holds every property,
//! so each binding's runner fails when the core gains a property the binding lacks.

use crate::sign::SignType;
use crate::v2::Coupon;

/// How a typed property's value is represented on every surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A string, or absent.
    Text,
    /// An amount in fen (ASCII digits only, fits a `u64`), or absent (also when not all digits).
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
    /// A rule over several fields (see the accessor's documentation).
    Rule,
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
}

/// A typed property's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// [`Kind::Text`].
    Text(Option<&'a str>),
    /// [`Kind::Amount`].
    Amount(Option<u64>),
    /// [`Kind::Bool`].
    Bool(bool),
    /// [`Kind::SignType`].
    SignType(SignType),
    /// [`Kind::Coupons`].
    Coupons(Vec<Coupon>),
}

/// Declares a result type's typed properties: field-backed ones (`text` or `amount`, read from the
/// named document) get generated accessors; rule-backed ones name an accessor written by hand.
macro_rules! typed_view {
    (
        $ty:ident;
        $( from $src:ident ($source:ident) {
            $( $(#[doc = $doc:literal])* $kind:ident $name:ident, )*
        } )*
        rules {
            $( $rule:ident: $rule_kind:ident, )*
        }
    ) => {
        impl $ty {
            /// Every typed property of this result type, in declaration order.
            pub const PROPERTIES: &'static [$crate::view::Property] = &[
                $( $( $crate::view::Property {
                    name: stringify!($name),
                    kind: typed_view!(@kind $kind),
                    source: $crate::view::Source::$source,
                }, )* )*
                $( $crate::view::Property {
                    name: stringify!($rule),
                    kind: $crate::view::Kind::$rule_kind,
                    source: $crate::view::Source::Rule,
                }, )*
            ];

            /// The typed property `name` (one of [`Self::PROPERTIES`]), or `None` for another name.
            pub fn property(&self, name: &str) -> Option<$crate::view::Value<'_>> {
                match name {
                    $( $( stringify!($name) => Some(typed_view!(@value $kind self.$name())), )* )*
                    $( stringify!($rule) => Some($crate::view::Value::$rule_kind(self.$rule())), )*
                    _ => None,
                }
            }

            $( $( typed_view!(@accessor $kind $src $name $(#[doc = $doc])*); )* )*
        }
    };
    (@kind text) => { $crate::view::Kind::Text };
    (@kind amount) => { $crate::view::Kind::Amount };
    (@value text $e:expr) => { $crate::view::Value::Text($e) };
    (@value amount $e:expr) => { $crate::view::Value::Amount($e) };
    (@accessor text $src:ident $name:ident $(#[doc = $doc:literal])*) => {
        $(#[doc = $doc])*
        pub fn $name(&self) -> Option<&str> {
            self.$src.get(stringify!($name))
        }
    };
    (@accessor amount $src:ident $name:ident $(#[doc = $doc:literal])*) => {
        $(#[doc = $doc])*
        pub fn $name(&self) -> Option<u64> {
            self.$src.get(stringify!($name)).and_then($crate::v2::parse_amount)
        }
    };
}

pub(crate) use typed_view;

/// Declares an APIv3 resource view: a borrowed view of the decrypted JSON whose accessors read the
/// declared paths (`text`: a JSON string; `amount`: a JSON integer in fen, 0 or more).
macro_rules! json_view {
    (
        $(#[doc = $tydoc:literal])*
        $ty:ident {
            $( $(#[doc = $doc:literal])* $kind:ident $name:ident = [$($path:literal),+], )*
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
                }, )*
            ];

            /// The typed property `name` (one of [`Self::PROPERTIES`]), or `None` for another name.
            pub fn property(&self, name: &str) -> Option<$crate::view::Value<'a>> {
                match name {
                    $( stringify!($name) => Some(json_view!(@value $kind self.$name())), )*
                    _ => None,
                }
            }

            $(
                $(#[doc = $doc])*
                pub fn $name(&self) -> json_view!(@type $kind) {
                    json_view!(@read $kind $crate::view::resource_path(self.resource, &[$($path),+]))
                }
            )*
        }
    };
    (@kind text) => { $crate::view::Kind::Text };
    (@kind amount) => { $crate::view::Kind::Amount };
    (@type text) => { Option<&'a str> };
    (@type amount) => { Option<u64> };
    (@value text $e:expr) => { $crate::view::Value::Text($e) };
    (@value amount $e:expr) => { $crate::view::Value::Amount($e) };
    (@read text $e:expr) => { $e.and_then(serde_json::Value::as_str) };
    (@read amount $e:expr) => { $e.and_then(serde_json::Value::as_u64) };
}

pub(crate) use json_view;

/// The value at `path` in a JSON object.
pub(crate) fn resource_path<'a>(
    resource: &'a serde_json::Map<String, serde_json::Value>,
    path: &[&str],
) -> Option<&'a serde_json::Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(resource.get(*first)?, |v, key| v.get(key))
}
