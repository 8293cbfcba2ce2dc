//! `verify-any`: one notify endpoint for several merchants, v2 and v3, configured by a profiles
//! file that names key files or environment variables (never keys inline). The file is read by
//! the core's `Endpoint::from_profiles_file`, which holds every rule of its format.

use serde_json::{Value, json};
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, Endpoint, Notification, V3Headers};

use crate::v3::{reply_json, unix_now, v3_json};
use crate::{Usage, pay_json, read_input, refund_json};

#[derive(Default)]
struct Options {
    profiles: Option<String>,
    headers: Vec<(String, String)>,
    now: Option<u64>,
    input: Option<String>,
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
            "--profiles" => o.profiles = Some(value(arg)?),
            "--header" => o.headers.push(crate::v3::header(&value(arg)?)?),
            "--now" => {
                let v = value(arg)?;
                o.now = Some(
                    v.parse()
                        .map_err(|_| Usage(format!("--now: not a number: {v:?}")))?,
                );
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

pub(crate) fn verify_any(args: &[String]) -> Result<(Value, bool), Usage> {
    let o = parse_args(args)?;
    // A refused profiles file is a configuration error (exit 2), like every core `invalid_config`.
    let endpoint = Endpoint::from_profiles_file(
        o.profiles
            .as_deref()
            .ok_or_else(|| Usage("verify-any needs --profiles FILE".into()))?,
    )?;
    // The endpoint applies each merchant's own limit; this only bounds what is read.
    let body = read_input(o.input.as_deref(), 16 * DEFAULT_MAX_BODY_BYTES)?;
    let now = match o.now {
        Some(n) => n,
        None => unix_now()?,
    };
    let headers: V3Headers = o.headers.into_iter().collect();
    Ok(match endpoint.handle(&headers, &body, now) {
        Ok(h) => {
            let mut out = match h.notification() {
                Notification::V2Payment(n) => pay_json(n),
                Notification::V2Refund(n) => refund_json(n),
                Notification::V3(n) => v3_json(n),
            };
            out["label"] = json!(h.label());
            out["kind"] = json!(h.notification().kind());
            out["reply"] = reply_json(&h.reply());
            (out, true)
        }
        Err(r) => (
            json!({
                "ok": false,
                "error": {"code": r.error().code(), "message": r.error().message()},
                "version": r.version().map(|v| v.as_str()),
                "label": r.label(),
                "reply": reply_json(&r.reply()),
            }),
            false,
        ),
    })
}
