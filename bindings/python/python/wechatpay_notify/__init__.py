"""Verify WeChat Pay callback ("notify_url") notifications, exactly and securely.

One audited Rust core (``wechatpay-notify``) does every check: the algorithm is pinned by your
configuration (never by the message), the signature is compared in constant time, the XML reader
refuses DOCTYPEs, duplicates and nesting, APIv3 signatures are checked over the raw body within a
timestamp window before anything is decrypted, and bodies are size-limited before parsing.

>>> import wechatpay_notify as wn
>>> verifier = wn.Verifier(API_KEY, "HMAC-SHA256", mch_id="10000100")  # doctest: +SKIP
>>> n = verifier.verify_payment(request_body)  # doctest: +SKIP
>>> n.out_trade_no, n.total_fee, n.dedupe_key  # doctest: +SKIP

>>> v3 = wn.V3Verifier(API_V3_KEY, {"PUB_KEY_ID_0114232134912410000000000000": PEM})  # doctest: +SKIP
>>> event = v3.verify(request.headers, request_body)  # doctest: +SKIP
>>> event.transaction.out_trade_no, event.transaction.amount_total  # doctest: +SKIP
"""

from __future__ import annotations

from ._errors import EndpointRejected, InvalidArgumentError, InvalidConfigError, NotifyError
from ._native import (
    REFUSAL_MESSAGE,
    Coupon,
    Endpoint,
    EndpointResult,
    MerchantProfile,
    PaymentNotification,
    RefundNotification,
    TrustedKeys,
    V3Notification,
    V3Complaint,
    V3ProfitSharing,
    V3Refund,
    V3Transaction,
    V3Transfer,
    V3Verifier,
    Verifier,
    __version__,
    internal_error_reply,
    refund_state,
    reply_fail,
    reply_success,
    reply_v2_fail,
    reply_v2_success,
    reply_v3_fail,
    reply_v3_success,
    request_version,
    sign,
)
from ._reply import HttpReply

__all__ = [
    "REFUSAL_MESSAGE",
    "Coupon",
    "Endpoint",
    "EndpointRejected",
    "EndpointResult",
    "HttpReply",
    "InvalidArgumentError",
    "InvalidConfigError",
    "MerchantProfile",
    "NotifyError",
    "PaymentNotification",
    "RefundNotification",
    "TrustedKeys",
    "V3Notification",
    "V3Complaint",
    "V3ProfitSharing",
    "V3Refund",
    "V3Transaction",
    "V3Transfer",
    "V3Verifier",
    "Verifier",
    "__version__",
    "internal_error_reply",
    "refund_state",
    "reply_fail",
    "reply_success",
    "reply_v2_fail",
    "reply_v2_success",
    "reply_v3_fail",
    "reply_v3_success",
    "request_version",
    "sign",
]
