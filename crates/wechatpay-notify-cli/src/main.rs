//! `wechatpay-notify`: verify a WeChat Pay notification from a file or stdin and print one JSON object.
//!
//! Keys come from the environment (`WECHATPAY_API_KEY`) or `--api-key-file`, never from argv (argv is
//! visible to every user of the machine through `ps`). Exit codes: 0 verified, 1 rejected, 2 usage or
//! configuration error.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod certificates;
mod endpoint;
mod output;
mod simulate;
mod v3;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Error, ErrorKind, Fields, PaymentNotification, RefundNotification,
    SignType, Verifier, reply, sign, signed_xml, string_to_sign, view,
};

/// The top-level help's closing text: where keys come from and what the exit codes mean.
const HELP: &str = "\
The API key is read from $WECHATPAY_API_KEY or from --api-key-file (surrounding whitespace trimmed),
the APIv3 key from $WECHATPAY_API_V3_KEY or from --api-v3-key-file; never pass a key on the command
line (argv is visible to every user of the machine through ps): --api-key and --api-v3-key are
refused.

Every command prints one JSON object (sign prints the signed <xml>, simulate --print the request).
Exit codes: 0 verified (simulate: acknowledged; certificates: written or unchanged), 1 rejected
(simulate: not acknowledged; certificates: download refused or failed), 2 usage or configuration
error.

'wechatpay-notify COMMAND --help' explains each command.";

/// The v2 key paragraph, for the commands that read the API key (a macro: `concat!` takes literals).
macro_rules! api_key_help {
    () => {
        "\
The API key is read from $WECHATPAY_API_KEY or from --api-key-file (surrounding whitespace trimmed);
never pass it on the command line."
    };
}

const VERIFY_HELP: &str = concat!(
    api_key_help!(),
    "

verify prints one JSON object: {\"ok\":true,\"kind\":..,\"fields\":{..},\"typed\":{..},\"reply\":..} or
{\"ok\":false,\"error\":{\"code\":..,\"message\":..},\"reply\":..}. Exit 0 verified, 1 rejected, 2 usage.
--explain adds the string to sign (without the key) of the received document, for debugging a
signature offline; it is computed from the unverified document."
);

const SIGN_HELP: &str = concat!(
    api_key_help!(),
    "

sign reads a JSON object (or an array of [name, value] pairs) of fields and prints the signed
<xml> notification (or, with --sign-only, the signature), for testing one's own endpoint."
);

#[derive(Parser)]
#[command(
    name = "wechatpay-notify",
    bin_name = "wechatpay-notify",
    version = wechatpay_notify::VERSION,
    about = "wechatpay-notify: verify WeChat Pay notifications (v2 XML and APIv3 JSON)",
    after_help = HELP,
    subcommand_required = true,
    arg_required_else_help = true,
    // A repeated single-value option: the last one wins (as before clap; scripts append overrides).
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a v2 XML notification (payment, or refund with --kind refund)
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Verify an APIv3 notification: the raw body and its Wechatpay-* headers
    #[command(name = "verify-v3", after_help = v3::HELP)]
    VerifyV3(v3::VerifyV3Args),
    /// Verify for several merchants, v2 and v3, from one notify_url (a profiles file)
    #[command(name = "verify-any", after_help = endpoint::HELP)]
    VerifyAny(endpoint::VerifyAnyArgs),
    /// Send a realistic, correctly signed notification to YOUR notify_url and check the reply
    #[command(after_help = simulate::HELP)]
    Simulate(Box<simulate::SimulateArgs>),
    /// Write test keys: an APIv3 key pair and its PUB_KEY_ID_... id, a v2 API key, an APIv3 key
    #[command(after_help = simulate::KEYGEN_HELP)]
    Keygen(simulate::KeygenArgs),
    /// Sign v2 fields: print the signed <xml> notification or the signature
    #[command(after_help = SIGN_HELP)]
    Sign(SignArgs),
    /// Download, verify and decrypt WeChat Pay's platform certificates into a directory
    #[command(after_help = certificates::HELP)]
    Certificates(Box<certificates::CertificatesArgs>),
}

/// A usage or configuration problem (exit 2).
pub(crate) struct Usage(pub(crate) String);

impl From<Error> for Usage {
    fn from(e: Error) -> Usage {
        Usage(e.to_string())
    }
}

/// Where a key comes from: an environment variable or a key file, never argv (visible to every
/// user of the machine through `ps`). The one reader of keys, for every command.
struct KeySource {
    /// What the key is called in messages.
    what: &'static str,
    /// The environment variable read when no key file is given.
    var: &'static str,
    /// The option naming a key file.
    file_flag: &'static str,
    /// The option that would put the key itself on the command line: always refused.
    argv_flag: &'static str,
}

const API_KEY: KeySource = KeySource {
    what: "API key",
    var: "WECHATPAY_API_KEY",
    file_flag: "--api-key-file",
    argv_flag: "--api-key",
};

const API_V3_KEY: KeySource = KeySource {
    what: "APIv3 key",
    var: "WECHATPAY_API_V3_KEY",
    file_flag: "--api-v3-key-file",
    argv_flag: "--api-v3-key",
};

impl KeySource {
    /// The key file's content (surrounding whitespace trimmed), else the environment variable.
    /// A file that cannot be read is not named: the argument may be the key itself, given in the
    /// file's place.
    fn read(&self, file: Option<&Path>) -> Result<String, Usage> {
        match file {
            Some(path) => std::fs::read_to_string(path)
                .map(|k| k.trim().to_string())
                .map_err(|e| {
                    Usage(format!(
                        "cannot read the file given as {} (not repeated: it may be a key): {e}",
                        self.file_flag
                    ))
                }),
            None => std::env::var(self.var).map_err(|_| {
                Usage(format!(
                    "no {}: set ${} or pass {}",
                    self.what, self.var, self.file_flag
                ))
            }),
        }
    }

    /// `--api-key`, `--api-key=…` (and the same for the APIv3 key) anywhere on the command line.
    fn on_argv(&self, arg: &str) -> bool {
        arg.strip_prefix(self.argv_flag)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
    }

    fn refusal(&self) -> Usage {
        Usage(format!(
            "the {} is never taken from the command line: use ${} or {}",
            self.what, self.var, self.file_flag
        ))
    }
}

/// Refuses a key on the command line before anything is parsed, whatever the command, so the
/// refusal explains where the key comes from instead (and no parser error ever echoes it).
fn key_on_argv(args: &[OsString]) -> Option<Usage> {
    args.iter().find_map(|a| {
        let a = a.to_string_lossy();
        [&API_KEY, &API_V3_KEY]
            .into_iter()
            .find(|k| k.on_argv(&a))
            .map(KeySource::refusal)
    })
}

/// `--api-key-file PATH`, for every command that reads the v2 API key.
#[derive(Args)]
pub(crate) struct ApiKeyFile {
    /// Read the API key from PATH, not $WECHATPAY_API_KEY
    #[arg(long = "api-key-file", value_name = "PATH")]
    api_key_file: Option<PathBuf>,
}

impl ApiKeyFile {
    pub(crate) fn read(&self) -> Result<String, Usage> {
        API_KEY.read(self.api_key_file.as_deref())
    }
}

/// `--api-v3-key-file PATH`, for every command that reads the APIv3 key.
#[derive(Args)]
pub(crate) struct ApiV3KeyFile {
    /// Read the APIv3 key from PATH, not $WECHATPAY_API_V3_KEY
    #[arg(long = "api-v3-key-file", value_name = "PATH")]
    api_v3_key_file: Option<PathBuf>,
}

impl ApiV3KeyFile {
    pub(crate) fn read(&self) -> Result<String, Usage> {
        API_V3_KEY.read(self.api_v3_key_file.as_deref())
    }
}

/// A v2 sign type, checked by the core (an unknown one is its `invalid_config`).
fn sign_type(name: &str) -> Result<SignType, Usage> {
    Ok(SignType::parse(name)?)
}

#[derive(Args)]
struct VerifyArgs {
    /// The merchant's v2 sign type
    #[arg(long, value_name = "MD5|HMAC-SHA256")]
    sign_type: String,
    /// The notification's kind: refund decrypts req_info
    #[arg(
        long,
        value_name = "pay|refund",
        default_value = "pay",
        value_parser = ["pay", "refund"],
        hide_possible_values = true
    )]
    kind: String,
    /// Refuse a notification for another appid
    #[arg(long, value_name = "A")]
    appid: Option<String>,
    /// Refuse a notification for another mch_id
    #[arg(long, value_name = "M")]
    mch_id: Option<String>,
    /// Also accept this sign type (a migration); repeatable
    #[arg(long, value_name = "MD5|HMAC-SHA256")]
    also_accept: Vec<String>,
    /// The largest body accepted, in bytes
    #[arg(long, value_name = "N")]
    max_body_bytes: Option<usize>,
    /// Add the string to sign (without the key), for debugging
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    key: ApiKeyFile,
    /// The notification; standard input when absent or -
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
}

#[derive(Args)]
struct SignArgs {
    /// The v2 sign type
    #[arg(long, value_name = "MD5|HMAC-SHA256")]
    sign_type: String,
    /// Print only the signature, not the signed <xml>
    #[arg(long)]
    sign_only: bool,
    #[command(flatten)]
    key: ApiKeyFile,
    /// The fields (JSON); standard input when absent or -
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
}

/// The input named by `FILE|-` (standard input when absent or `-`), at most `limit` + 1 bytes.
pub(crate) fn read_input(path: Option<&Path>, limit: usize) -> Result<Vec<u8>, Usage> {
    let path = path.filter(|p| *p != Path::new("-"));
    let mut buf = Vec::new();
    // Read one byte past the limit so the verifier can report body_too_large without us holding
    // an unbounded body in memory.
    let take = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let result = match path {
        None => io::stdin().lock().take(take).read_to_end(&mut buf),
        Some(p) => std::fs::File::open(p).and_then(|f| f.take(take).read_to_end(&mut buf)),
    };
    result.map_err(|e| {
        let name = path.map_or_else(|| "stdin".into(), |p| p.display().to_string());
        Usage(format!("cannot read {name}: {e}"))
    })?;
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
        // A property present in a form the core refuses is an error, never "absent".
        let value = get(p.name).map_or(Value::Null, |v| v.to_json());
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

fn verify(o: VerifyArgs) -> Result<(Value, bool), Usage> {
    let mut verifier = Verifier::new(o.key.read()?, sign_type(&o.sign_type)?)?;
    for t in &o.also_accept {
        verifier = verifier.also_accept(sign_type(t)?);
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
    let result = match o.kind.as_str() {
        "refund" => verifier.decrypt_refund(&body).map(|n| refund_json(&n)),
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

fn sign_command(o: SignArgs) -> Result<String, Usage> {
    let sign_type = sign_type(&o.sign_type)?;
    let key = o.key.read()?;
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
    let _ = print(&output::json_line(&out));
    eprintln!("wechatpay-notify: {msg}\n(see wechatpay-notify --help)");
    ExitCode::from(2)
}

/// What clap answers itself: `--help` and `--version` on stdout (exit 0), the help on stderr when
/// no command is given (exit 2), and any other usage error like every other one here: the JSON
/// object on stdout and clap's explanation on stderr (exit 2).
fn parse_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind as Kind;
    match e.kind() {
        Kind::DisplayHelp
        | Kind::DisplayVersion
        | Kind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        _ => {
            // clap's first paragraph, on one line (the usage and the hint follow it on stderr).
            let rendered = e.render().to_string();
            let paragraph: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.is_empty())
                .collect();
            let paragraph = paragraph.join(" ");
            let message = paragraph.strip_prefix("error: ").unwrap_or(&paragraph);
            let out = json!({"ok": false, "error": {"code": "usage", "message": message}});
            let _ = print(&output::json_line(&out));
            let _ = e.print();
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(Usage(msg)) = key_on_argv(args.get(1..).unwrap_or_default()) {
        return usage_error(&msg);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    let outcome = match cli.command {
        Command::Verify(o) => verify(o).map(|(v, ok)| (output::json_line(&v), ok)),
        Command::Sign(o) => sign_command(o).map(|s| (s, true)),
        Command::VerifyV3(o) => v3::verify_v3(o).map(|(v, ok)| (output::json_line(&v), ok)),
        Command::VerifyAny(o) => endpoint::verify_any(o).map(|(v, ok)| (output::json_line(&v), ok)),
        Command::Simulate(o) => simulate::simulate(*o),
        Command::Keygen(o) => simulate::keygen(o),
        Command::Certificates(o) => {
            certificates::certificates(*o).map(|(v, ok)| (output::json_line(&v), ok))
        }
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
