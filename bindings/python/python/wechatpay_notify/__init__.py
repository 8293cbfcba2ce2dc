"""Verify WeChat Pay callback ("notify_url") notifications, exactly and securely.

One audited Rust core (``wechatpay-notify``) does every check: the algorithm is pinned by your
configuration (never by the message), the signature is compared in constant time, the XML reader
refuses DOCTYPEs, duplicates and nesting, and bodies are size-limited before parsing.

>>> import wechatpay_notify as wn
>>> verifier = wn.Verifier(API_KEY, "HMAC-SHA256", mch_id="10000100")  # doctest: +SKIP
>>> n = verifier.verify_payment(request_body)  # doctest: +SKIP
>>> n.out_trade_no, n.total_fee, n.dedupe_key  # doctest: +SKIP
"""

from __future__ import annotations

from ._errors import InvalidArgumentError, InvalidConfigError, NotifyError
from ._native import (
    Coupon,
    PaymentNotification,
    RefundNotification,
    Verifier,
    __version__,
    reply_fail,
    reply_success,
    sign,
)

__all__ = [
    "Coupon",
    "InvalidArgumentError",
    "InvalidConfigError",
    "NotifyError",
    "PaymentNotification",
    "RefundNotification",
    "Verifier",
    "__version__",
    "reply_fail",
    "reply_success",
    "sign",
]
