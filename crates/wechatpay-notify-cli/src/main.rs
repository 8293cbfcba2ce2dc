//! `wechatpay-notify`: verify a WeChat Pay notification from a file or stdin and print one JSON object.
//!
//! Keys come from the environment (`WECHATPAY_API_KEY`) or `--api-key-file`, never from argv (argv is
//! visible to every user of the machine through `ps`). Exit codes: 0 verified, 1 rejected, 2 usage or
//! configuration error.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read, Write};
use std::process::ExitCode;

mod endpoint;
mod simulate;
mod v3;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Error, ErrorKind, Fields, PaymentNotification, RefundNotification,
    SignType, Verifier, reply, sign, signed_xml, string_to_sign, view,
};

const USAGE: &str = "\
wechatpay-notify: verify WeChat Pay notifications (v2 XML and APIv3 JSON)

USAGE:
  wechatpay-notify verify --sign-type MD5|HMAC-SHA256 [--kind pay|refund] [--appid A] [--mch-id M]
                          [--also-accept MD5|HMAC-SHA256] [--max-body-bytes N] [--explain]
                          [--api-key-file PATH] [FILE|-]
  wechatpay-notify verify-v3 --platform-key ID=PEMFILE... [--mch-id M...] [--header 'Name: value'...] [--now UNIX]
                          [--max-clock-skew S] [--max-body-bytes N] [--api-v3-key-file PATH] [FILE|-]
  wechatpay-notify verify-any --profiles FILE [--header 'Name: value'...] [--now UNIX] [FILE|-]
  wechatpay-notify simulate pay|refund --url URL [--sign-type MD5|HMAC-SHA256] [--appid A] [--mch-id M]
                          [--out-trade-no N] [--total-fee FEN] [--result SUCCESS|FAIL] [--attach TEXT]
                          [--coupons N] [--repeat K] [--until-success [--time-scale X]] [--print]
  wechatpay-notify simulate v3 pay|refund --url URL --private-key PEM --key-id ID [the options above]
                          [--stale-timestamp] [--probe]
  wechatpay-notify keygen --out DIR [--force]
  wechatpay-notify sign --sign-type MD5|HMAC-SHA256 [--api-key-file PATH] [--sign-only] [FILE|-]
  wechatpay-notify --version | --help

The API key is read from $WECHATPAY_API_KEY or from --api-key-file (surrounding whitespace trimmed);
never pass it on the command line.

verify prints one JSON object: {\"ok\":true,\"kind\":..,\"fields\":{..},\"typed\":{..},\"reply\":..} or
{\"ok\":false,\"error\":{\"code\":..,\"message\":..},\"reply\":..}. Exit 0 verified, 1 rejected, 2 usage.
--explain adds the string to sign (without the key) of the received document, for debugging a
signature offline; it is computed from the unverified document.

verify-v3 reads the raw body and takes every request header with --header (names are
case-insensitive; the four Wechatpay-* headers are required). --platform-key ID=PEMFILE trusts a
platform certificate (ID = its serial) or a WeChat Pay public key (ID = PUB_KEY_ID_...); repeat it
to trust both during a migration. The APIv3 key comes from $WECHATPAY_API_V3_KEY or
--api-v3-key-file. --now sets the clock (Unix seconds; default: the system clock). It prints
{\"ok\":true,\"kind\":\"v3\",\"event\":{..},\"resource\":{..},\"typed\":{..},\"reply\":{..}}.

verify-any serves several merchants, v2 and v3, from one notify_url: a Wechatpay-Signature
header means APIv3 (merchant by Wechatpay-Serial), otherwise v2 XML (merchant by mch_id). The
profiles file (JSON, mode 600) names key files or environment variables, never keys:
  {\"profiles\": [{\"label\": \"shop-a\",
    \"v2\": {\"api_key_file\": \"a.key\", \"sign_type\": \"MD5\", \"mch_id\": \"10000100\"},
    \"v3\": {\"api_v3_key_env\": \"SHOP_A_V3_KEY\", \"platform_keys\": {\"PUB_KEY_ID_...\": \"a-pub.pem\"}}}]}
Paths are relative to the profiles file. The output adds \"label\" and the HTTP reply to send.

simulate sends a realistic, correctly signed notification to YOUR notify_url and reports, as JSON,
each attempt's HTTP status, reply, whether the reply is the acknowledgement WeChat Pay requires
(\"reply_ok\"), and the time taken. --repeat K sends the same notification K times (WeChat Pay
retries; a handler must record it once); --until-success re-sends on WeChat Pay's retry schedule
(15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, multiplied by --time-scale); --print
writes the request instead of sending it. v2 uses $WECHATPAY_API_KEY (or --api-key-file); v3 uses
$WECHATPAY_API_V3_KEY (or --api-v3-key-file) and signs with a key made by keygen.
SAFETY: --url has no default. A v3 simulation is signed with a TEST key, so a handler that trusts
only WeChat Pay's real platform keys refuses it, as it must. A v2 simulation signed with a real
API key is indistinguishable from a real notification: never aim it at production with a
production key. --stale-timestamp and --probe send what a v3 handler must refuse.
Redirects are never followed: a 3xx reply is not an acknowledgement, and the attempt reports its
Location header (\"location\"). Acknowledged means, from the handler itself: v3 HTTP 200 or 204;
v2 HTTP 200 with exactly the SUCCESS reply.

keygen writes test_private_key.pem (RSA-2048, PKCS#8, mode 600), test_public_key.pem and
test_key_id.txt (a PUB_KEY_ID_... id; mode 644) into DIR, for a handler to trust in tests. Each file
is created new, never through an existing file or symlink; an existing one is refused (exit 2)
unless --force, which removes it (a symlink itself, not its target) first.

sign reads a JSON object (or an array of [name, value] pairs) of fields and prints the signed
<xml> notification (or, with --sign-only, the signature), for testing one's own endpoint.
";

/// A usage or configuration problem (exit 2).
pub(crate) struct Usage(pub(crate) String);

impl From<Error> for Usage {
    fn from(e: Error) -> Usage {
        Usage(e.to_string())
    }
}

#[derive(Default)]
struct Options {
    sign_type: Option<SignType>,
    kind: Option<String>,
    appid: Option<String>,
    mch_id: Option<String>,
    also_accept: Vec<SignType>,
    max_body_bytes: Option<usize>,
    explain: bool,
    sign_only: bool,
    api_key_file: Option<String>,
    input: Option<String>,
}

fn parse_args(args: &[String], command: &str) -> Result<Options, Usage> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--sign-type" => o.sign_type = Some(SignType::parse(&value(arg)?)?),
            "--api-key-file" => o.api_key_file = Some(value(arg)?),
            "--kind" if command == "verify" => {
                let k = value(arg)?;
                if k != "pay" && k != "refund" {
                    return Err(Usage(format!("--kind must be pay or refund, not {k:?}")));
                }
                o.kind = Some(k);
            }
            "--appid" if command == "verify" => o.appid = Some(value(arg)?),
            "--mch-id" if command == "verify" => o.mch_id = Some(value(arg)?),
            "--also-accept" if command == "verify" => {
                o.also_accept.push(SignType::parse(&value(arg)?)?)
            }
            "--max-body-bytes" if command == "verify" => {
                let v = value(arg)?;
                o.max_body_bytes = Some(
                    v.parse()
                        .map_err(|_| Usage(format!("--max-body-bytes: not a number: {v:?}")))?,
                );
            }
            "--explain" if command == "verify" => o.explain = true,
            "--sign-only" if command == "sign" => o.sign_only = true,
            "--api-key" => {
                return Err(Usage(
                    "the API key is never taken from the command line: use $WECHATPAY_API_KEY or --api-key-file".into(),
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

fn api_key(o: &Options) -> Result<String, Usage> {
    let key = match &o.api_key_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Usage(format!("cannot read --api-key-file {path}: {e}")))?
            .trim()
            .to_string(),
        None => std::env::var("WECHATPAY_API_KEY").map_err(|_| {
            Usage("no API key: set $WECHATPAY_API_KEY or pass --api-key-file".into())
        })?,
    };
    Ok(key)
}

pub(crate) fn read_input(path: Option<&str>, limit: usize) -> Result<Vec<u8>, Usage> {
    let mut buf = Vec::new();
    // Read one byte past the limit so the verifier can report body_too_large without us holding
    // an unbounded body in memory.
    let take = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let result = match path {
        None | Some("-") => io::stdin().lock().take(take).read_to_end(&mut buf),
        Some(p) => std::fs::File::open(p).and_then(|f| f.take(take).read_to_end(&mut buf)),
    };
    result.map_err(|e| Usage(format!("cannot read {}: {e}", path.unwrap_or("stdin"))))?;
    Ok(buf)
}

fn fields_json(f: &Fields) -> Value {
    Value::Object(
        f.iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

/// The typed view, generated from the core's declaration (`PROPERTIES` + `property`), so the CLI
/// cannot drift from it.
pub(crate) fn typed_json<'a>(
    properties: &[view::Property],
    get: impl Fn(&str) -> Option<view::Value<'a>>,
) -> Value {
    let mut out = Map::new();
    for p in properties {
        let value = match get(p.name) {
            Some(view::Value::Text(t)) => json!(t),
            Some(view::Value::Amount(Ok(a))) => json!(a),
            // A property present in a form the core refuses: an error, never "absent".
            Some(view::Value::Amount(Err(e))) | Some(view::Value::Coupons(Err(e))) => {
                json!({"error": e.code()})
            }
            Some(view::Value::Bool(b)) => json!(b),
            Some(view::Value::SignType(t)) => json!(t.as_str()),
            Some(view::Value::Coupons(Ok(c))) => c
                .iter()
                .map(|c| json!({"id": c.id, "coupon_type": c.coupon_type, "fee": c.fee}))
                .collect(),
            None => Value::Null,
        };
        out.insert(p.name.to_owned(), value);
    }
    Value::Object(out)
}

pub(crate) fn pay_json(n: &PaymentNotification) -> Value {
    json!({
        "ok": true,
        "kind": "pay",
        "fields": fields_json(n.fields()),
        "typed": typed_json(PaymentNotification::PROPERTIES, |name| n.property(name)),
        "reply": reply::success(),
    })
}

pub(crate) fn refund_json(n: &RefundNotification) -> Value {
    json!({
        "ok": true,
        "kind": "refund",
        "fields": fields_json(n.fields()),
        "req_info": fields_json(n.req_info()),
        "typed": typed_json(RefundNotification::PROPERTIES, |name| n.property(name)),
        "reply": reply::success(),
    })
}

fn error_json(e: &Error) -> Value {
    json!({
        "ok": false,
        "error": { "code": e.code(), "message": e.message() },
        // One constant refusal: never echo input, nor the code (it stays in "error").
        "reply": reply::REFUSAL,
    })
}

fn explain(body: &[u8]) -> Value {
    match wechatpay_notify::parse_unverified(body) {
        Ok(fields) => json!({
            "string_to_sign": format!("{}&key=<API key>", string_to_sign(&fields)),
            "sign_type_field": fields.get("sign_type"),
            "received_sign": fields.get("sign"),
            "note": "computed from the UNVERIFIED document; compare with your own signer offline",
        }),
        Err(e) => json!({ "error": { "code": e.code(), "message": e.message() } }),
    }
}

fn verify(args: &[String]) -> Result<(Value, bool), Usage> {
    let o = parse_args(args, "verify")?;
    let sign_type = o
        .sign_type
        .ok_or_else(|| Usage("verify needs --sign-type MD5|HMAC-SHA256".into()))?;
    let mut verifier = Verifier::new(api_key(&o)?, sign_type)?;
    for t in &o.also_accept {
        verifier = verifier.also_accept(*t);
    }
    if let Some(a) = &o.appid {
        verifier = verifier.expect_appid(a.clone());
    }
    if let Some(m) = &o.mch_id {
        verifier = verifier.expect_mch_id(m.clone());
    }
    let limit = o.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    verifier = verifier.max_body_bytes(limit);
    let body = read_input(o.input.as_deref(), limit)?;
    let result = match o.kind.as_deref() {
        Some("refund") => verifier.decrypt_refund(&body).map(|n| refund_json(&n)),
        _ => verifier.verify_payment(&body).map(|n| pay_json(&n)),
    };
    let ok = result.is_ok();
    let mut out = result.unwrap_or_else(|e| error_json(&e));
    if o.explain {
        out["explain"] = explain(&body);
    }
    Ok((out, ok))
}

/// Fields for `sign`: a JSON object or an array of `[name, value]` pairs, order and repeats kept
/// (a repeated name is then refused by `sign` itself rather than silently collapsed by the parser).
struct Pairs(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        fn scalar<E: de::Error>(v: Value) -> Result<String, E> {
            match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(E::custom(format!(
                    "field values must be strings or numbers, not {other}"
                ))),
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of fields or an array of [name, value] pairs")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    out.push((k, scalar(v)?));
                }
                Ok(Pairs(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = s.next_element::<(String, Value)>()? {
                    out.push((k, scalar(v)?));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn sign_command(args: &[String]) -> Result<String, Usage> {
    let o = parse_args(args, "sign")?;
    let sign_type = o
        .sign_type
        .ok_or_else(|| Usage("sign needs --sign-type MD5|HMAC-SHA256".into()))?;
    let key = api_key(&o)?;
    let input = read_input(o.input.as_deref(), 16 * 1024 * 1024)?;
    let Pairs(fields) = serde_json::from_slice(&input).map_err(|e| {
        Usage(format!(
            "invalid_argument: the input is not a JSON field list: {e}"
        ))
    })?;
    let mut seen = HashSet::new();
    if let Some((dup, _)) = fields.iter().find(|(k, _)| !seen.insert(k.as_str())) {
        return Err(Usage(format!(
            "invalid_argument: field {dup:?} appears twice"
        )));
    }
    let unsigned: Vec<&(String, String)> = fields.iter().filter(|(k, _)| k != "sign").collect();
    if o.sign_only {
        let signature = sign(unsigned.iter().map(|(k, v)| (k, v)), &key, sign_type)?;
        return Ok(format!("{signature}\n"));
    }
    Ok(format!(
        "{}\n",
        signed_xml(unsigned.iter().map(|(k, v)| (k, v)), &key, sign_type)?
    ))
}

fn print(s: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()
}

fn usage_error(msg: &str) -> ExitCode {
    let code = if msg.starts_with(ErrorKind::InvalidConfig.code()) {
        ErrorKind::InvalidConfig.code()
    } else if msg.starts_with(ErrorKind::InvalidArgument.code()) {
        ErrorKind::InvalidArgument.code()
    } else {
        "usage"
    };
    let out = json!({"ok": false, "error": {"code": code, "message": msg}});
    let _ = print(&format!("{out}\n"));
    eprintln!("wechatpay-notify: {msg}\n(see wechatpay-notify --help)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let outcome = match command.as_str() {
        "verify" => verify(rest).map(|(v, ok)| (format!("{v}\n"), ok)),
        "sign" => sign_command(rest).map(|s| (s, true)),
        "verify-v3" => v3::verify_v3(rest).map(|(v, ok)| (format!("{v}\n"), ok)),
        "verify-any" => endpoint::verify_any(rest).map(|(v, ok)| (format!("{v}\n"), ok)),
        "simulate" => simulate::simulate(rest),
        "keygen" => simulate::keygen(rest),
        "--help" | "-h" | "help" => {
            let _ = print(USAGE);
            return ExitCode::SUCCESS;
        }
        "--version" | "-V" => {
            let _ = print(&format!("wechatpay-notify {}\n", wechatpay_notify::VERSION));
            return ExitCode::SUCCESS;
        }
        other => Err(Usage(format!("unknown command {other:?}"))),
    };
    match outcome {
        Ok((text, ok)) => {
            if print(&text).is_err() {
                return ExitCode::from(2);
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(Usage(msg)) => usage_error(&msg),
    }
}
