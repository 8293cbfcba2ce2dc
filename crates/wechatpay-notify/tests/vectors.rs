//! Runs every shared vector in `tests/vectors/` against the core crate.
//!
//! Each file's `numberOfTests` must equal the number of cases executed, every invalid case must fail
//! with exactly its code, and every valid case must yield exactly its fields and typed values.

use std::path::PathBuf;

use serde_json::{Value, json};
use wechatpay_notify::{
    Endpoint, Error, ErrorKind, Fields, MerchantProfile, PaymentNotification, RefundNotification,
    SignType, TrustedKeys, V3Complaint, V3Headers, V3Notification, V3ProfitSharing, V3Refund,
    V3Transaction, V3Transfer, V3Verifier, Verifier, reply, sign, view,
};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn body(t: &Value) -> Vec<u8> {
    if let Some(s) = t.get("body") {
        return s.as_str().unwrap().as_bytes().to_vec();
    }
    let hex = t["bodyHex"].as_str().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn build(cfg: &Value) -> Result<Verifier, Error> {
    let mut v = Verifier::new(
        cfg["apiKey"].as_str().unwrap(),
        SignType::parse(cfg["signType"].as_str().unwrap())?,
    )?;
    for t in cfg["alsoAccept"].as_array().unwrap() {
        v = v.also_accept(SignType::parse(t.as_str().unwrap())?);
    }
    if let Some(a) = cfg["appid"].as_str() {
        v = v.expect_appid(a);
    }
    if let Some(m) = cfg["mchId"].as_str() {
        v = v.expect_mch_id(m);
    }
    if let Some(n) = cfg["maxBodyBytes"].as_u64() {
        v = v.max_body_bytes(n as usize);
    }
    Ok(v)
}

/// Every declared property, through the core's `property` lookup.
fn typed(properties: &[view::Property], get: impl Fn(&str) -> Option<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for p in properties {
        let v = get(p.name).unwrap_or_else(|| panic!("{} is declared but has no value", p.name));
        out.insert(p.name.to_owned(), v);
    }
    Value::Object(out)
}

fn pay_typed(n: &PaymentNotification) -> Value {
    typed(PaymentNotification::PROPERTIES, |name| {
        n.property(name).map(|v| v.to_json())
    })
}

fn refund_typed(n: &RefundNotification) -> Value {
    typed(RefundNotification::PROPERTIES, |name| {
        n.property(name).map(|v| v.to_json())
    })
}

/// The message rule (issue 8.3): at most 200 characters displayed, nothing of Unicode categories
/// Cc, Cf, Zl, Zp. The core promises more (printable ASCII), which is what is checked here.
fn check_message(tc: u64, e: &Error) {
    let shown = e.to_string();
    assert!(shown.chars().count() <= 200, "tcId {tc}: {shown}");
    assert!(
        shown.bytes().all(|b| (0x20..0x7F).contains(&b)),
        "tcId {tc}: {shown:?}"
    );
}

fn longest_hex_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Every key of `expected.typed` must be a property we have, with that value, and every property
/// we have must be in `expected.typed`.
fn check_typed(tc: u64, got: &Value, want: &Value) {
    let (got, want) = (got.as_object().unwrap(), want.as_object().unwrap());
    for (name, expected) in want {
        let value = got
            .get(name)
            .unwrap_or_else(|| panic!("tcId {tc}: no typed property {name}"));
        assert_eq!(value, expected, "tcId {tc}: typed {name}");
    }
    assert_eq!(got.len(), want.len(), "tcId {tc}: typed property count");
}

fn fields_eq(tc: u64, got: &Fields, want: &Value) {
    assert_eq!(got.to_vec(), pairs(want), "tcId {tc}: fields");
}

/// Runs a V2Pay / V2Refund file; returns the number of cases executed.
fn run_notifications(file: &str) -> usize {
    let v = load(file);
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let kind = group["type"].as_str().unwrap();
        let verifier = build(&group["config"]);
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let body = body(t);
            let outcome = verifier
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|ver| match kind {
                    "V2Pay" => ver.verify_payment(&body).map(|n| {
                        fields_eq(tc, n.fields(), &t["expected"]["fields"]);
                        pay_typed(&n)
                    }),
                    "V2Refund" => ver.decrypt_refund(&body).map(|n| {
                        fields_eq(tc, n.fields(), &t["expected"]["fields"]);
                        fields_eq(tc, n.req_info(), &t["expected"]["reqInfo"]);
                        refund_typed(&n)
                    }),
                    other => panic!("unknown group type {other}"),
                });
            match (t["result"].as_str().unwrap(), outcome) {
                ("valid", Ok(typed)) => check_typed(tc, &typed, &t["expected"]["typed"]),
                ("invalid", Err(e)) => {
                    assert_eq!(e.code(), t["error"].as_str().unwrap(), "tcId {tc}: {e}");
                    check_message(tc, &e);
                    // No oracle: messages never carry a computed signature (a long hex run).
                    assert!(longest_hex_run(e.message()) < 32, "tcId {tc}: {e}");
                    // Nor the configured key, whatever the configuration got wrong.
                    let key = group["config"]["apiKey"].as_str().unwrap();
                    assert!(!e.message().contains(key), "tcId {tc}: {e}");
                }
                (want, got) => panic!(
                    "tcId {tc} ({}): expected {want}, got {:?}",
                    t["comment"],
                    got.map(|_| "valid")
                ),
            }
        }
    }
    assert_eq!(ran as u64, v["numberOfTests"].as_u64().unwrap(), "{file}");
    ran
}

#[test]
fn v2_pay_vectors() {
    assert!(run_notifications("v2_pay.json") > 50);
}

#[test]
fn v2_refund_vectors() {
    assert!(run_notifications("v2_refund.json") > 20);
}

#[test]
fn v2_sign_vectors() {
    let v = load("v2_sign.json");
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let fields = pairs(&t["fields"]);
            let st = SignType::parse(t["signType"].as_str().unwrap()).unwrap();
            let got = sign(fields.iter().cloned(), t["apiKey"].as_str().unwrap(), st);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(got.unwrap(), t["signature"].as_str().unwrap(), "tcId {tc}");
                    if let Some(s) = t["stringToSign"].as_str() {
                        let f = Fields::from_pairs(fields.iter().cloned()).unwrap();
                        assert_eq!(wechatpay_notify::string_to_sign(&f), s, "tcId {tc}");
                    }
                }
                _ => {
                    let e = got.unwrap_err();
                    assert_eq!(e.code(), t["error"].as_str().unwrap(), "tcId {tc}");
                    check_message(tc, &e);
                }
            }
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn reply_vectors() {
    let v = load("reply.json");
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = &t["tcId"];
            if group["type"] == "HttpReply" {
                let (version, kind) = (t["version"].as_str().unwrap(), t["kind"].as_str().unwrap());
                let got = match (kind, ErrorKind::from_code(t["code"].as_str().unwrap_or(""))) {
                    ("success", _) if version == "v2" => reply::v2_success(),
                    ("success", _) => reply::v3_success(),
                    (_, None) => {
                        // Not a code of ours: every surface refuses it with invalid_argument.
                        assert_eq!(t["error"], "invalid_argument", "tcId {tc}");
                        continue;
                    }
                    (_, Some(k)) if version == "v2" => reply::v2_fail(&Error::new(k, k.code())),
                    (_, Some(k)) => reply::v3_fail(&Error::new(k, k.code())),
                };
                assert_eq!(reply_json(&got), t["expected"], "tcId {tc}");
                continue;
            }
            let got = match t["kind"].as_str().unwrap() {
                "success" => reply::success().to_string(),
                _ => reply::fail(t["message"].as_str().unwrap()),
            };
            assert_eq!(got, t["expected"].as_str().unwrap(), "tcId {tc}");
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn real_refund_vector_decrypts() {
    // A real refund notification's req_info (Senparc test suite) under its published API key.
    let real = load("sources/refund-real.json");
    let v = Verifier::new(real["api_key"].as_str().unwrap(), SignType::Md5).unwrap();
    let body = format!(
        "<xml><return_code>SUCCESS</return_code><req_info>{}</req_info></xml>",
        real["req_info"].as_str().unwrap()
    );
    let n = v.decrypt_refund(body.as_bytes()).unwrap();
    assert_eq!(n.refund_id(), Some("50000505542018011003064518841"));
    assert_eq!(n.refund_recv_accout(), Some("支付用户零钱"));
    assert_eq!(n.refund_fee(), Ok(Some(1)));
}

#[test]
fn typed_views_file_is_the_core_declaration() {
    let v = load("typed_views.json");
    let mut names: Vec<&str> = view::VIEWS.iter().map(|v| v.name).collect();
    names.sort_unstable();
    // Compared as sets: the key order depends on serde_json's preserve_order feature.
    let mut listed: Vec<&str> = v["views"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, names);
    for &view::View {
        name: view_name,
        properties,
        shown,
    } in view::VIEWS
    {
        let listed: Vec<(String, String, Option<u64>)> = v["views"][view_name]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["kind"].as_str().unwrap().to_owned(),
                    p.get("shown").map(|at| at.as_u64().unwrap()),
                )
            })
            .collect();
        let ours: Vec<(String, String, Option<u64>)> = properties
            .iter()
            .map(|p| {
                (
                    p.name.to_owned(),
                    p.kind.as_str().to_owned(),
                    shown.iter().position(|s| *s == p.name).map(|at| at as u64),
                )
            })
            .collect();
        assert_eq!(listed, ours, "{view_name}");
    }
}

fn build_v3(cfg: &Value) -> Result<V3Verifier, Error> {
    let mut v = V3Verifier::new(cfg["apiV3Key"].as_str().unwrap())?;
    for pair in cfg["platformKeys"].as_array().unwrap() {
        v.add_trusted_key(pair[0].as_str().unwrap(), pair[1].as_str().unwrap())?;
    }
    v.check_has_trusted_key()?;
    if let Some(s) = cfg["maxClockSkew"].as_u64() {
        v = v.max_clock_skew(s);
    }
    if let Some(n) = cfg["maxBodyBytes"].as_u64() {
        v = v.max_body_bytes(n as usize);
    }
    for m in cfg["mchIds"].as_array().into_iter().flatten() {
        v = v.expect_mch_id(m.as_str().unwrap())?;
    }
    Ok(v)
}

/// An APIv3 view's properties through the core's `property` lookup.
fn v3_view<'a>(
    properties: &[view::Property],
    get: impl Fn(&str) -> Option<view::Value<'a>>,
) -> Value {
    typed(properties, |name| get(name).map(|v| v.to_json()))
}

#[test]
fn v3_notify_vectors() {
    let v = load("v3_notify.json");
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let verifier = build_v3(&group["config"]);
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let headers: V3Headers = pairs(&t["headers"]).into_iter().collect();
            let outcome = verifier
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|ver| ver.verify(&headers, &body(t), t["now"].as_u64().unwrap()));
            match (t["result"].as_str().unwrap(), outcome) {
                ("valid", Ok(n)) => {
                    let want = &t["expected"];
                    assert_eq!(n.id(), want["id"], "tcId {tc}");
                    assert_eq!(n.create_time(), want["create_time"], "tcId {tc}");
                    assert_eq!(n.event_type(), want["event_type"], "tcId {tc}");
                    assert_eq!(n.resource_type(), want["resource_type"], "tcId {tc}");
                    assert_eq!(n.summary(), want["summary"], "tcId {tc}");
                    assert_eq!(n.plaintext(), want["plaintext"], "tcId {tc}");
                    assert_eq!(
                        &Value::Object(n.resource().clone()),
                        &want["resource"],
                        "tcId {tc}"
                    );
                    // The notification's own typed properties (every one it declares, through
                    // its `property` lookup), then each resource view.
                    let mut typed = v3_view(V3Notification::PROPERTIES, |name| n.property(name));
                    let views = json!({
                        "transaction": n.transaction().map_or(Value::Null, |x| {
                            v3_view(V3Transaction::PROPERTIES, |name| x.property(name))
                        }),
                        "refund": n.refund().map_or(Value::Null, |x| {
                            v3_view(V3Refund::PROPERTIES, |name| x.property(name))
                        }),
                        "profit_sharing": n.profit_sharing().map_or(Value::Null, |x| {
                            v3_view(V3ProfitSharing::PROPERTIES, |name| x.property(name))
                        }),
                        "transfer": n.transfer().map_or(Value::Null, |x| {
                            v3_view(V3Transfer::PROPERTIES, |name| x.property(name))
                        }),
                        "complaint": n.complaint().map_or(Value::Null, |x| {
                            v3_view(V3Complaint::PROPERTIES, |name| x.property(name))
                        }),
                    });
                    typed
                        .as_object_mut()
                        .unwrap()
                        .extend(views.as_object().unwrap().clone());
                    assert_eq!(typed, want["typed"], "tcId {tc}");
                }
                ("invalid", Err(e)) => {
                    assert_eq!(e.code(), t["error"].as_str().unwrap(), "tcId {tc}: {e}");
                    check_message(tc, &e);
                }
                (want, got) => panic!(
                    "tcId {tc} ({}): expected {want}, got {:?}",
                    t["comment"],
                    got.map(|_| "valid")
                ),
            }
        }
    }
    assert_eq!(ran as u64, v["numberOfTests"].as_u64().unwrap());
    assert!(ran > 80);
}

fn build_profile(p: &Value) -> Result<MerchantProfile, Error> {
    let mut profile = MerchantProfile::new(p["label"].as_str().unwrap());
    if let Some(m) = p["mchId"].as_str() {
        profile = profile.mch_id(m);
    }
    if !p["v2"].is_null() {
        profile = profile.v2(build(&p["v2"])?)?;
    }
    if !p["v3"].is_null() {
        let mut cfg = p["v3"].clone();
        cfg["maxClockSkew"] = Value::Null;
        cfg["maxBodyBytes"] = Value::Null;
        profile = profile.v3(build_v3(&cfg)?);
    }
    Ok(profile)
}

fn reply_json(r: &reply::HttpReply) -> Value {
    json!({"status": r.status, "contentType": r.content_type, "body": r.body})
}

#[test]
fn endpoint_vectors() {
    let v = load("endpoint.json");
    let mut ran = 0;
    for group in v["testGroups"].as_array().unwrap() {
        let endpoint = group["config"]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(build_profile)
            .collect::<Result<Vec<_>, _>>()
            .and_then(Endpoint::new);
        for t in group["tests"].as_array().unwrap() {
            ran += 1;
            let tc = t["tcId"].as_u64().unwrap();
            let headers: V3Headers = pairs(&t["headers"]).into_iter().collect();
            let want = &t["expected"];
            match (&endpoint, t["result"].as_str().unwrap()) {
                (Err(e), "invalid") => {
                    assert_eq!(e.code(), t["error"].as_str().unwrap(), "tcId {tc}");
                    check_message(tc, e);
                }
                (Ok(endpoint), result) => {
                    match (
                        result,
                        endpoint.handle(&headers, &body(t), t["now"].as_u64().unwrap()),
                    ) {
                        ("valid", Ok(h)) => {
                            assert_eq!(h.label(), want["label"], "tcId {tc}");
                            assert_eq!(h.notification().kind(), want["kind"], "tcId {tc}");
                            assert_eq!(
                                h.notification().is_success(),
                                want["isSuccess"],
                                "tcId {tc}"
                            );
                            assert_eq!(
                                json!(h.notification().dedupe_key()),
                                want["dedupeKey"],
                                "tcId {tc}"
                            );
                            assert_eq!(reply_json(&h.reply()), want["reply"], "tcId {tc}");
                        }
                        ("invalid", Err(r)) => {
                            assert_eq!(r.error().code(), t["error"].as_str().unwrap(), "tcId {tc}");
                            check_message(tc, r.error());
                            assert_eq!(
                                json!(r.version().map(|v| v.as_str())),
                                want["version"],
                                "tcId {tc}"
                            );
                            assert_eq!(json!(r.label()), want["label"], "tcId {tc}");
                            assert_eq!(reply_json(&r.reply()), want["reply"], "tcId {tc}");
                        }
                        (want, got) => panic!(
                            "tcId {tc}: expected {want}, got {:?}",
                            got.map(|h| h.label().to_owned())
                        ),
                    }
                }
                (Err(e), _) => panic!("tcId {tc}: the endpoint did not build: {e}"),
            }
        }
    }
    assert_eq!(ran as u64, v["numberOfTests"].as_u64().unwrap());
}

#[test]
fn v3_key_dir_vectors() {
    let v = load("v3_key_dirs.json");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut ran = 0u64;
    for g in v["testGroups"].as_array().unwrap() {
        assert_eq!(g["type"], "V3KeyDir");
        for t in g["tests"].as_array().unwrap() {
            let tc = t["tcId"].as_u64().unwrap();
            let loaded = TrustedKeys::load_dir(root.join(t["dir"].as_str().unwrap()));
            match t["result"].as_str().unwrap() {
                "valid" => {
                    let keys = loaded.unwrap_or_else(|e| panic!("tcId {tc}: {e}"));
                    assert_eq!(json!(keys.ids().collect::<Vec<_>>()), t["ids"], "tcId {tc}");
                    // Usable as they are by a verifier.
                    let v3 = V3Verifier::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb").unwrap();
                    v3.replace_trusted_keys(keys).unwrap();
                }
                _ => {
                    let e = loaded.err().unwrap_or_else(|| panic!("tcId {tc}: loaded"));
                    assert_eq!(e.code(), t["error"], "tcId {tc}");
                    let part = t["messageIncludes"].as_str().unwrap();
                    assert!(e.message().contains(part), "tcId {tc}: {e}");
                    check_message(tc, &e);
                }
            }
            ran += 1;
        }
    }
    assert_eq!(ran, v["numberOfTests"].as_u64().unwrap());
}
