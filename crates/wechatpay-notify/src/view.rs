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
