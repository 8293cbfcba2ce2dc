//! The expected typed view of a valid case, computed from its fields by rules written out here.
//!
//! These restate the crate's typed accessors independently, so that a vector pins the rule rather
//! than whatever the crate happens to return; `render::Groups::push` then checks the crate's
//! fields against the case, so the two cannot silently drift apart.

use serde_json::{Map, Value, json};
use wechatpay_notify::view::{Kind, Property, Source};

use crate::body::{Pairs, get};

/// An amount in fen, by the crate's rule (`wechatpay_notify::parse_amount`): ASCII digits only,
/// non-empty, and within `u64`; anything else (`"+2"`, `" 2"`, `"2.00"`, `""`, 2^64) is absent.
/// Rust's own `u64::from_str` is not that rule: it accepts a leading `+`.
pub fn fen(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// A text property: the field's value, or null when absent.
pub fn text(fields: &Pairs, name: &str) -> Value {
    get(fields, name).map_or(Value::Null, |v| json!(v))
}

/// An amount property: null when the field is absent or empty, the field read by [`fen`], or —
/// present in any other form — an error of the property (`{"error": "missing_field"}`), never
/// absent: the application's own parser might read a number there.
pub fn amount(fields: &Pairs, name: &str) -> Value {
    match get(fields, name) {
        None | Some("") => Value::Null,
        Some(v) => fen(v).map_or_else(|| json!({"error": "missing_field"}), |n| json!(n)),
    }
}

/// The coupons `0..coupon_count` (`coupon_count` read by [`fen`], absent meaning 0); an index
/// without `coupon_id_$n` is skipped. Like the crate, the count is capped at the number of fields,
/// which bounds the work a hostile `coupon_count` can ask for.
/// A count or fee that is an error (see [`amount`]) makes the whole list an error.
fn coupons(fields: &Pairs) -> Value {
    let count = match amount(fields, "coupon_count") {
        Value::Null => 0,
        Value::Number(n) => n.as_u64().unwrap(),
        error => return error,
    }
    .min(fields.len() as u64);
    let mut list = Vec::new();
    for n in 0..count {
        let Some(id) = get(fields, &format!("coupon_id_{n}")) else {
            continue;
        };
        let fee = amount(fields, &format!("coupon_fee_{n}"));
        if fee.get("error").is_some() {
            return fee;
        }
        list.push(json!({
            "id": id,
            "coupon_type": text(fields, &format!("coupon_type_{n}")),
            "fee": fee,
        }));
    }
    Value::Array(list)
}

/// Which result type a typed view belongs to (rules differ: `is_success` of a payment is not that
/// of a refund).
#[derive(Clone, Copy)]
pub enum View {
    Payment,
    Refund,
}

/// The expected typed view: EVERY property the crate declares (`PROPERTIES`), each computed here
/// from the fields of its declared source. Field-backed properties follow the generic text/amount
/// rules; rule-backed ones are restated below, and a property whose rule is not restated here
/// stops the generator (so a new property cannot reach the vectors without an independent oracle).
pub fn typed(view: View, fields: &Pairs, req_info: &Pairs, sign_type: Option<&str>) -> Value {
    let properties = match view {
        View::Payment => wechatpay_notify::PaymentNotification::PROPERTIES,
        View::Refund => wechatpay_notify::RefundNotification::PROPERTIES,
    };
    let mut out = Map::new();
    for p in properties {
        let value = match p.source {
            Source::Fields | Source::ReqInfo => {
                let doc = if p.source == Source::Fields {
                    fields
                } else {
                    req_info
                };
                match p.kind {
                    Kind::Text => text(doc, p.name),
                    Kind::Amount => amount(doc, p.name),
                    other => panic!("field-backed property {} of kind {other:?}", p.name),
                }
            }
            Source::Rule => rule(view, p.name, fields, req_info, sign_type),
            Source::Resource(_) | Source::Held => {
                panic!("{} is an APIv3 property in a v2 view", p.name)
            }
        };
        out.insert(p.name.to_owned(), value);
    }
    Value::Object(out)
}

fn rule(
    view: View,
    name: &str,
    fields: &Pairs,
    req_info: &Pairs,
    sign_type: Option<&str>,
) -> Value {
    match (view, name) {
        (View::Payment, "sign_type") => {
            json!(sign_type.expect("a payment verified with an algorithm"))
        }
        (View::Payment, "is_success") => json!(
            get(fields, "return_code") == Some("SUCCESS")
                && get(fields, "result_code") == Some("SUCCESS")
        ),
        // SPEC §2: a successful payment's transaction_id; an unsuccessful one's names its state.
        (View::Payment, "dedupe_key") => {
            let success = get(fields, "return_code") == Some("SUCCESS")
                && get(fields, "result_code") == Some("SUCCESS");
            json!(
                get(fields, "transaction_id")
                    .filter(|s| !s.is_empty())
                    .map(|id| if success {
                        id.to_owned()
                    } else {
                        format!("{id}:{}", get(fields, "result_code").unwrap_or(""))
                    })
            )
        }
        (View::Payment, "coupons") => coupons(fields),
        (View::Refund, "is_success") => json!(get(req_info, "refund_status") == Some("SUCCESS")),
        // SPEC §2: refund_id:STATUS, the status in v3's words (CHANGE = ABNORMAL,
        // REFUNDCLOSE = CLOSED) so both versions' deliveries of one state share a key.
        (View::Refund, "dedupe_key") => {
            let status = match get(req_info, "refund_status").unwrap_or("") {
                "CHANGE" => "ABNORMAL",
                "REFUNDCLOSE" => "CLOSED",
                other => other,
            };
            json!(
                get(req_info, "refund_id")
                    .filter(|s| !s.is_empty())
                    .map(|id| format!("{id}:{status}"))
            )
        }
        _ => {
            panic!("the oracle has no rule for the typed property {name}: restate it in oracle.rs")
        }
    }
}

/// The expected typed view of an APIv3 resource: every declared property, read by its declared
/// path (text: a JSON string; amount: a non-negative JSON integer), computed independently here.
fn v3_view(properties: &[Property], resource: &Value) -> Value {
    let mut out = Map::new();
    for p in properties {
        let Source::Resource(path) = p.source else {
            panic!("{} is not a resource property", p.name);
        };
        let v = path.iter().try_fold(resource, |v, k| v.get(*k));
        let value = match p.kind {
            Kind::Text => v.and_then(Value::as_str).map_or(Value::Null, |s| json!(s)),
            // Absent or null: absent. A non-negative integer within u64: the amount. Present in any
            // other form (1.0, 1e2, -1, 2^64, a string): an error of the property, never absent.
            Kind::Amount => match v {
                None | Some(Value::Null) => Value::Null,
                Some(Value::Number(n)) if n.is_u64() => json!(n.as_u64()),
                Some(_) => json!({"error": "missing_field"}),
            },
            other => panic!("resource property {} of kind {other:?}", p.name),
        };
        out.insert(p.name.to_owned(), value);
    }
    Value::Object(out)
}

/// The APIv3 families with a typed view, restated: the key of the view in a vector's
/// `expected.typed` (the accessor's name on every surface), the event types it is selected by (a
/// prefix) and the core's declaration of its properties.
pub const V3_FAMILIES: &[(&str, &str, &[Property])] = &[
    (
        "transaction",
        "TRANSACTION.",
        wechatpay_notify::V3Transaction::PROPERTIES,
    ),
    ("refund", "REFUND.", wechatpay_notify::V3Refund::PROPERTIES),
    (
        "profit_sharing",
        "PROFITSHARING.",
        wechatpay_notify::V3ProfitSharing::PROPERTIES,
    ),
    (
        "transfer",
        "MCHTRANSFER.BILL.",
        wechatpay_notify::V3Transfer::PROPERTIES,
    ),
    (
        "complaint",
        "COMPLAINT.",
        wechatpay_notify::V3Complaint::PROPERTIES,
    ),
];

/// The expected typed section of a valid APIv3 notification: the event's own strings as sent
/// (`plaintext`: the decrypted resource text), `is_success` and `dedupe_key` restated per family,
/// then every family's view (`null` unless the event type selects it).
pub fn v3_typed(event: &Map<String, Value>, plaintext: &str, resource: &Value) -> Value {
    // Every APIv3 view the core declares is restated here (a new one stops the generator).
    for view in wechatpay_notify::view::VIEWS {
        if let Some(family) = view
            .name
            .strip_prefix("v3_")
            .filter(|f| *f != "notification")
        {
            assert!(
                V3_FAMILIES.iter().any(|(name, _, _)| *name == family),
                "the oracle has no rules for the APIv3 view {}: restate it in oracle.rs",
                view.name
            );
        }
    }
    let event_type = event["event_type"].as_str().unwrap();
    let id = event["id"].as_str().unwrap();
    let family = V3_FAMILIES
        .iter()
        .find(|(_, prefix, _)| event_type.starts_with(prefix))
        .map(|(name, _, _)| *name);
    let text = |path: &[&str]| -> Option<&str> {
        path.iter()
            .try_fold(resource, |v, k| v.get(*k))
            .and_then(Value::as_str)
    };
    let nonempty = |path: &[&str]| text(path).filter(|s| !s.is_empty());
    // SPEC §2: the key names the state where one object reports several; a family's own key where
    // one identifies what is recorded once; otherwise the event id.
    let (success, key) = match family {
        // A successful payment: transaction_id; an unsuccessful one: transaction_id:STATE.
        Some("transaction") => {
            let state = text(&["trade_state"]);
            let success = state == Some("SUCCESS");
            let key = nonempty(&["transaction_id"]).map(|k| {
                if success {
                    k.to_owned()
                } else {
                    format!("{k}:{}", state.unwrap_or(""))
                }
            });
            (success, key)
        }
        // refund_id:STATUS (the status, or the event type's suffix when the resource lacks it).
        Some("refund") => {
            let state = text(&["refund_status"]);
            let shown = state
                .or_else(|| event_type.strip_prefix("REFUND."))
                .unwrap_or("");
            let key = nonempty(&["refund_id"]).map(|k| format!("{k}:{shown}"));
            (state == Some("SUCCESS"), key)
        }
        // A merchant transfer bill: success when its state is SUCCESS; transfer_bill_no:STATE.
        Some("transfer") => {
            let state = text(&["state"]);
            let key =
                nonempty(&["transfer_bill_no"]).map(|k| format!("{k}:{}", state.unwrap_or("")));
            (state == Some("SUCCESS"), key)
        }
        // Profit sharing: both documented events report funds that moved. Funds shared: one per
        // order and receiver, order_id:ACCOUNT:SUCCESS. A return: several per order and receiver
        // are possible (partial returns) and none names its return order: the event id.
        Some("profit_sharing") => {
            let shared = event_type == "PROFITSHARING.SUCCESS";
            let key = if shared {
                nonempty(&["order_id"]).and_then(|o| {
                    nonempty(&["receiver", "account"]).map(|a| format!("{o}:{a}:SUCCESS"))
                })
            } else {
                None
            };
            (shared || event_type == "PROFITSHARING.RETURN", key)
        }
        // Complaints report no outcome, and one complaint repeats an action_type: the event id.
        Some("complaint") | None => (false, None),
        Some(other) => panic!("the oracle has no rules for the APIv3 family {other}"),
    };
    let mut out = Map::new();
    for p in wechatpay_notify::V3Notification::PROPERTIES {
        if p.source != Source::Held {
            continue;
        }
        let value = match p.name {
            "plaintext" => plaintext,
            "id" | "create_time" | "event_type" | "resource_type" | "summary" => {
                event[p.name].as_str().unwrap()
            }
            other => panic!("the oracle has no value for the held property {other}"),
        };
        out.insert(p.name.into(), json!(value));
    }
    out.insert("is_success".into(), json!(success));
    out.insert(
        "dedupe_key".into(),
        json!(key.unwrap_or_else(|| id.to_owned())),
    );
    for (name, _, properties) in V3_FAMILIES {
        let view = if family == Some(*name) {
            v3_view(properties, resource)
        } else {
            Value::Null
        };
        out.insert((*name).to_owned(), view);
    }
    Value::Object(out)
}

/// `typed_views.json`: each result type's declared properties (name, kind, source, doc), which
/// every surface compares with its own typed properties and every binding's generator writes its
/// declarations (and their documentation) from.
pub fn views_file() -> Value {
    let list = |props: &[Property], shown: &[&str]| -> Value {
        props
            .iter()
            .map(|p| {
                let mut entry = json!({
                    "name": p.name,
                    "kind": p.kind.as_str(),
                    "source": match p.source {
                        Source::Fields => json!("fields"),
                        Source::ReqInfo => json!("req_info"),
                        Source::Rule => json!("rule"),
                        Source::Held => json!("held"),
                        Source::Resource(path) => json!({"resource": path}),
                    },
                    "doc": p.doc,
                });
                if let Some(at) = shown.iter().position(|name| *name == p.name) {
                    entry["shown"] = json!(at);
                }
                entry
            })
            .collect()
    };
    json!({
        "schema": "wechatpay-notify/typed-views/1",
        "notes": "Every typed property of each result type, declared once in the core (view::VIEWS: typed_view! in crates/wechatpay-notify/src/v2.rs, v3/mod.rs and endpoint.rs, json_view! in crates/wechatpay-notify/src/v3/view.rs). kind: text = string or null; string = string, always present; amount = integer in fen or null; bool; sign_type = \"MD5\" or \"HMAC-SHA256\"; coupons = array of {id, coupon_type, fee}. source: the document the field is read from, rule, held (a string the result holds itself: an APIv3 event's envelope fields and its decrypted text), or {resource: path} (APIv3: the JSON path in the decrypted resource). shown (on a few properties of each view): the property's place in a one-line summary of the result (Python's repr, the .NET and Java V3Notification's ToString / toString), 0 first. doc: what the property is, in one paragraph (the core's doc comment of its accessor; `code` in backticks, an absent value named `None`), from which every binding's generator writes the property's documentation in its own syntax. Every surface checks that its own typed properties are exactly these.",
        "views": wechatpay_notify::view::VIEWS
            .iter()
            .map(|v| (v.name.to_owned(), list(v.properties, v.shown)))
            .collect::<serde_json::Map<_, _>>(),
        "settings_notes": "Every setting of each verifier and of an endpoint's merchant profile, declared once in the core (settings::ALL, crates/wechatpay-notify/src/settings.rs), in the order a constructor takes them. kind: secret = a key (never read back, never printed; the profiles file names its file or variable as NAME_file / NAME_env); sign_type; sign_types = a list of them; text = a string or null (not set); texts = a list of strings; trusted_keys = id -> PEM (certificates and/or public keys; read back through trusted_keys, the profiles file also takes key_dir); bytes and seconds = non-negative integers; v2_verifier and v3_verifier = a profile's part, a verifier with the settings of that name, or null. required: every constructor must be given it. default: the value of a number left out (an optional text or part is then null, a list empty). read_back: the object gives its value back under the same name (Python attributes; the core's setting(name), a profile's part as the verifier given). doc: what the setting does, in one paragraph (`code` in backticks, an absent value named `None`).",
        "settings": wechatpay_notify::settings::ALL
            .iter()
            .map(|v| {
                let list = v
                    .settings
                    .iter()
                    .map(|s| {
                        json!({
                            "name": s.name,
                            "kind": s.kind.as_str(),
                            "required": s.required,
                            "default": s.default,
                            "read_back": s.kind.read_back(),
                            "doc": s.doc,
                        })
                    })
                    .collect::<Vec<_>>();
                (v.name.to_owned(), Value::Array(list))
            })
            .collect::<serde_json::Map<_, _>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::pairs;

    #[test]
    fn fen_is_digits_only_within_u64() {
        assert_eq!(fen("0"), Some(0));
        assert_eq!(fen("101"), Some(101));
        assert_eq!(fen("007"), Some(7));
        assert_eq!(fen("18446744073709551615"), Some(u64::MAX));
        for not_fen in [
            "",
            "+2",
            "-2",
            " 2",
            "2 ",
            "2.00",
            "1e3",
            "０",
            "18446744073709551616",
        ] {
            assert_eq!(fen(not_fen), None, "{not_fen:?}");
        }
    }

    #[test]
    fn coupon_count_follows_the_amount_rule() {
        // Present but not an amount: both the count and the list are errors, never absent.
        let f = pairs(&[("coupon_count", "+1"), ("coupon_id_0", "10000")]);
        let error = json!({"error": "missing_field"});
        assert_eq!(
            typed(View::Payment, &f, &Vec::new(), Some("MD5"))["coupons"],
            error
        );
        assert_eq!(
            typed(View::Payment, &f, &Vec::new(), Some("MD5"))["coupon_count"],
            error
        );
        let f = pairs(&[("coupon_count", "1"), ("coupon_id_0", "10000")]);
        assert_eq!(
            typed(View::Payment, &f, &Vec::new(), Some("MD5"))["coupons"],
            json!([{"id": "10000", "coupon_type": null, "fee": null}])
        );
    }

    #[test]
    fn a_huge_coupon_count_is_bounded() {
        let f = pairs(&[
            ("coupon_count", "18446744073709551615"),
            ("coupon_id_1", "10001"),
        ]);
        assert_eq!(
            typed(View::Payment, &f, &Vec::new(), Some("MD5"))["coupons"],
            json!([{"id": "10001", "coupon_type": null, "fee": null}])
        );
    }
}
