"""Type stubs for the native part of wechatpay_notify (checked by mypy.stubtest)."""

from collections.abc import Iterable, Mapping
from typing import Literal, final

__all__ = [
    "Coupon",
    "PaymentNotification",
    "RefundNotification",
    "Verifier",
    "__version__",
    "reply_fail",
    "reply_success",
    "sign",
]

__version__: str

_SignTypeName = Literal["MD5", "HMAC-SHA256"]

_Body = bytes | bytearray | memoryview | str

@final
class Verifier:
    """Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant."""

    def __new__(
        cls,
        api_key: str,
        sign_type: str,
        *,
        appid: str | None = None,
        mch_id: str | None = None,
        also_accept: Iterable[str] | None = (),
        max_body_bytes: int | None = 65536,
    ) -> Verifier: ...
    @property
    def sign_type(self) -> _SignTypeName: ...
    @property
    def appid(self) -> str | None: ...
    @property
    def mch_id(self) -> str | None: ...
    @property
    def also_accept(self) -> tuple[_SignTypeName, ...]: ...
    @property
    def max_body_bytes(self) -> int: ...
    def verify_payment(self, body: _Body) -> PaymentNotification:
        """Verifies a payment result notification (the raw POST body), or raises NotifyError."""

    def decrypt_refund(self, body: _Body) -> RefundNotification:
        """Decrypts and checks a refund result notification (the raw POST body), or raises NotifyError.

        req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of
        the same merchant can be cut and pasted into a third that passes every check. Treat a
        refund notification as a hint: confirm it with the refund query API before any
        irreversible action.
        """

@final
class Coupon:
    """One coupon of a payment (coupon_id_$n, coupon_type_$n, coupon_fee_$n)."""

    @property
    def id(self) -> str: ...
    @property
    def coupon_type(self) -> str | None: ...
    @property
    def fee(self) -> int | None: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class PaymentNotification:
    """A verified v2 payment result notification."""

    @property
    def fields(self) -> dict[str, str]:
        """Every child element exactly as received, in document order (the same dict on every read)."""
    @property
    def sign_type(self) -> _SignTypeName: ...
    @property
    def is_success(self) -> bool: ...
    @property
    def dedupe_key(self) -> str | None: ...
    @property
    def coupons(self) -> list[Coupon]: ...
    @property
    def appid(self) -> str | None: ...
    @property
    def mch_id(self) -> str | None: ...
    @property
    def sub_appid(self) -> str | None: ...
    @property
    def sub_mch_id(self) -> str | None: ...
    @property
    def device_info(self) -> str | None: ...
    @property
    def nonce_str(self) -> str | None: ...
    @property
    def result_code(self) -> str | None: ...
    @property
    def err_code(self) -> str | None: ...
    @property
    def err_code_des(self) -> str | None: ...
    @property
    def openid(self) -> str | None: ...
    @property
    def is_subscribe(self) -> str | None: ...
    @property
    def trade_type(self) -> str | None: ...
    @property
    def bank_type(self) -> str | None: ...
    @property
    def fee_type(self) -> str | None: ...
    @property
    def cash_fee_type(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def out_trade_no(self) -> str | None: ...
    @property
    def attach(self) -> str | None: ...
    @property
    def time_end(self) -> str | None: ...
    @property
    def total_fee(self) -> int | None: ...
    @property
    def settlement_total_fee(self) -> int | None: ...
    @property
    def cash_fee(self) -> int | None: ...
    @property
    def coupon_fee(self) -> int | None: ...
    @property
    def coupon_count(self) -> int | None: ...

@final
class RefundNotification:
    """A decrypted v2 refund result notification: a hint, not proof (AES-ECB has no integrity;
    confirm it with the refund query API before any irreversible action)."""

    @property
    def fields(self) -> dict[str, str]:
        """The outer document exactly as received, in document order (the same dict on every read)."""

    @property
    def req_info(self) -> dict[str, str]:
        """The decrypted req_info document, in document order (the same dict on every read)."""

    @property
    def is_success(self) -> bool: ...
    @property
    def dedupe_key(self) -> str | None: ...
    @property
    def appid(self) -> str | None: ...
    @property
    def mch_id(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def out_trade_no(self) -> str | None: ...
    @property
    def refund_id(self) -> str | None: ...
    @property
    def out_refund_no(self) -> str | None: ...
    @property
    def refund_status(self) -> str | None: ...
    @property
    def success_time(self) -> str | None: ...
    @property
    def refund_recv_accout(self) -> str | None: ...
    @property
    def refund_account(self) -> str | None: ...
    @property
    def refund_request_source(self) -> str | None: ...
    @property
    def total_fee(self) -> int | None: ...
    @property
    def refund_fee(self) -> int | None: ...
    @property
    def settlement_total_fee(self) -> int | None: ...
    @property
    def settlement_refund_fee(self) -> int | None: ...

def sign(
    fields: Mapping[str, str] | Iterable[tuple[str, str]],
    api_key: str,
    sign_type: str,
) -> str:
    """Signs fields the way WeChat Pay does; returns the uppercase hex signature."""

def reply_success() -> str:
    """The exact SUCCESS reply for a verified notification."""

def reply_fail(msg: str) -> str:
    """A FAIL reply carrying msg (WeChat Pay will retry)."""
