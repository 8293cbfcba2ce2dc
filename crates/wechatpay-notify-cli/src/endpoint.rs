//! `verify-any`: one notify endpoint for several merchants, v2 and v3, configured by a profiles
//! file that names key files or environment variables (never keys inline). The file is read by
//! the core's `Endpoint::from_profiles_file`, which holds every rule of its format.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, Endpoint, Notification, V3Headers};

use crate::v3::{Request, reply_json, v3_json};
use crate::{Usage, pay_json, read_input, refund_json};

pub(crate) const HELP: &str = "\
verify-any serves several merchants, v2 and v3, from one notify_url: a Wechatpay-Signature
header means APIv3 (merchant by Wechatpay-Serial), otherwise v2 XML (merchant by mch_id). The
profiles file (JSON, mode 600) names key files or environment variables, never keys:
  {\"profiles\": [{\"label\": \"shop-a\",
    \"v2\": {\"api_key_file\": \"a.key\", \"sign_type\": \"MD5\", \"mch_id\": \"10000100\"},
    \"v3\": {\"api_v3_key_env\": \"SHOP_A_V3_KEY\", \"platform_keys\": {\"PUB_KEY_ID_...\": \"a-pub.pem\"}}}]}
Paths are relative to the profiles file. The output adds \"label\" and the HTTP reply to send.";

#[derive(Args)]
pub(crate) struct VerifyAnyArgs {
    /// The profiles file (JSON, mode 600)
    #[arg(long, value_name = "FILE")]
    profiles: PathBuf,
    #[command(flatten)]
    request: Request,
}

pub(crate) fn verify_any(o: VerifyAnyArgs) -> Result<(Value, bool), Usage> {
    // A refused profiles file is a configuration error (exit 2), like every core `invalid_config`.
    let endpoint = Endpoint::from_profiles_file(&o.profiles)?;
    // The endpoint applies each merchant's own limit; this only bounds what is read.
    let body = read_input(o.request.input.as_deref(), 16 * DEFAULT_MAX_BODY_BYTES)?;
    let now = o.request.now()?;
    let headers: V3Headers = o.request.headers.into_iter().collect();
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
