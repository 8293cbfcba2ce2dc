//! `verify-v3`: verify an APIv3 notification (headers + raw body) and print one JSON object.

use serde_json::{Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Error, V3Headers, V3Notification, V3Refund, V3Transaction, V3Verifier,
    reply,
};

use crate::{Usage, read_input, typed_json};

#[derive(Default)]
struct Options {
    platform_keys: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    now: Option<u64>,
    max_clock_skew: Option<u64>,
    max_body_bytes: Option<usize>,
    mch_ids: Vec<String>,
    api_v3_key_file: Option<String>,
    input: Option<String>,
}

fn number<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, Usage> {
    v.parse()
        .map_err(|_| Usage(format!("{name}: not a number: {v:?}")))
}

fn parse_args(args: &[String]) -> Result<Options, Usage> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--platform-key" => {
                let v = value(arg)?;
                let (id, file) = v
                    .split_once('=')
                    .ok_or_else(|| Usage(format!("--platform-key takes ID=PEMFILE, not {v:?}")))?;
                let pem = std::fs::read_to_string(file)
                    .map_err(|e| Usage(format!("cannot read {file}: {e}")))?;
                o.platform_keys.push((id.to_string(), pem));
            }
            "--header" => o.headers.push(header(&value(arg)?)?),
            "--now" => o.now = Some(number(arg, &value(arg)?)?),
            "--max-clock-skew" => o.max_clock_skew = Some(number(arg, &value(arg)?)?),
            "--max-body-bytes" => o.max_body_bytes = Some(number(arg, &value(arg)?)?),
            "--mch-id" => o.mch_ids.push(value(arg)?),
            "--api-v3-key-file" => o.api_v3_key_file = Some(value(arg)?),
            "--api-v3-key" | "--api-key" => {
                return Err(Usage(
                    "keys are never taken from the command line: use $WECHATPAY_API_V3_KEY or --api-v3-key-file".into(),
                ));
            }
            s if s.starts_with("--") => return Err(Usage(format!("unknown option {s}"))),
            s => {
                if o.input.replace(s.to_string()).is_some() {
                    return Err(Usage("only one input file may be given".into()));
                }
            }
        }
    }
    Ok(o)
}

/// `--header 'Name: value'`: one space after the colon is the separator; the value is kept as
/// given after it (a server hands the verifier whatever its HTTP parser produced).
pub(crate) fn header(v: &str) -> Result<(String, String), Usage> {
    let (name, val) = v
        .split_once(':')
        .ok_or_else(|| Usage(format!("--header takes 'Name: value', not {v:?}")))?;
    let val = val.strip_prefix(' ').unwrap_or(val);
    Ok((name.to_string(), val.to_string()))
}

fn api_v3_key(o: &Options) -> Result<String, Usage> {
    match &o.api_v3_key_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|k| k.trim().to_string())
            .map_err(|e| Usage(format!("cannot read --api-v3-key-file {path}: {e}"))),
        None => std::env::var("WECHATPAY_API_V3_KEY").map_err(|_| {
            Usage("no APIv3 key: set $WECHATPAY_API_V3_KEY or pass --api-v3-key-file".into())
        }),
    }
}

/// Seconds since the Unix epoch from the system clock.
pub(crate) fn unix_now() -> Result<u64, Usage> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Usage("the system clock is before 1970".into()))
}

pub(crate) fn reply_json(r: &reply::HttpReply) -> Value {
    json!({"status": r.status, "content_type": r.content_type, "body": r.body})
}

/// The typed section of a verified APIv3 notification (views generated from the declarations).
pub(crate) fn v3_typed(n: &V3Notification) -> Value {
    json!({
        "is_success": n.is_success(),
        "dedupe_key": n.dedupe_key(),
        "transaction": n.transaction().map_or(Value::Null, |t| {
            typed_json(V3Transaction::PROPERTIES, |name| t.property(name))
        }),
        "refund": n.refund().map_or(Value::Null, |r| {
            typed_json(V3Refund::PROPERTIES, |name| r.property(name))
        }),
    })
}

pub(crate) fn v3_json(n: &V3Notification) -> Value {
    json!({
        "ok": true,
        "kind": "v3",
        "event": {
            "id": n.id(),
            "create_time": n.create_time(),
            "event_type": n.event_type(),
            "resource_type": n.resource_type(),
            "summary": n.summary(),
        },
        "resource": Value::Object(n.resource().clone()),
        "plaintext": n.plaintext(),
        "typed": v3_typed(n),
        "reply": reply_json(&reply::v3_success()),
    })
}

pub(crate) fn v3_error_json(e: &Error) -> Value {
    json!({
        "ok": false,
        "error": {"code": e.code(), "message": e.message()},
        "reply": reply_json(&reply::v3_fail(e)),
    })
}

pub(crate) fn verify_v3(args: &[String]) -> Result<(Value, bool), Usage> {
    let o = parse_args(args)?;
    if o.platform_keys.is_empty() {
        return Err(Usage(
            "verify-v3 needs at least one --platform-key ID=PEMFILE".into(),
        ));
    }
    let mut verifier = V3Verifier::new(api_v3_key(&o)?)?;
    for (id, pem) in &o.platform_keys {
        verifier.add_trusted_key(id, pem)?;
    }
    if let Some(s) = o.max_clock_skew {
        verifier = verifier.max_clock_skew(s);
    }
    for m in &o.mch_ids {
        verifier = verifier.expect_mch_id(m.as_str())?;
    }
    let limit = o.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    verifier = verifier.max_body_bytes(limit);
    let body = read_input(o.input.as_deref(), limit)?;
    let now = match o.now {
        Some(n) => n,
        None => unix_now()?,
    };
    let headers: V3Headers = o.headers.iter().cloned().collect();
    Ok(match verifier.verify(&headers, &body, now) {
        Ok(n) => (v3_json(&n), true),
        Err(e) => (v3_error_json(&e), false),
    })
}
