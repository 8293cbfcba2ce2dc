"""Type stubs for the native part of wechatpay_notify (checked by mypy.stubtest)."""

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, final

from ._reply import HttpReply

__all__ = [
    "REFUSAL_MESSAGE",
    "Coupon",
    "Endpoint",
    "EndpointResult",
    "MerchantProfile",
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

__version__: str

REFUSAL_MESSAGE: str
"""The one message of every refusal reply, both versions ("rejected"): the v2 FAIL reply of an
Endpoint refusal is ``reply_fail(REFUSAL_MESSAGE)``, the APIv3 one ``{"code":"FAIL","message":
"rejected"}``. The error code stays on the exception, for your logs."""

_SignTypeName = Literal["MD5", "HMAC-SHA256"]

_Body = bytes | bytearray | memoryview | str
# Request headers: a mapping (every item is read, repeated names included) or (name, value) pairs.
_Headers = Mapping[str, str] | Iterable[tuple[str, str]]

@final
class Verifier:
    """Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant."""

    # BEGIN GENERATED v2_verifier: stubgen.py from tests/vectors/typed_views.json; do not edit
    def __new__(
        cls,
        api_key: str,
        sign_type: str,
        *,
        appid: str | None = None,
        mch_id: str | None = None,
        also_accept: Iterable[str] | None = (),
        max_body_bytes: int | None = 65536,
    ) -> Verifier:
        """api_key: The v2 API key: 32 printable ASCII characters (else `invalid_config`).

        sign_type: The merchant's configured algorithm, `MD5` or `HMAC-SHA256`: the only one
        accepted unless others are opted into; never taken from the message.

        appid: When set, the notification's `appid` must equal it (else `merchant_mismatch`);
        `None`: not checked.

        mch_id: When set, the notification's `mch_id` must equal it (else
        `merchant_mismatch`); `None`: not checked.

        also_accept: Further algorithms to accept besides the configured one: an explicit
        opt-in, for a migration between algorithms.

        max_body_bytes: Bodies longer than this many bytes are rejected (`body_too_large`)
        before anything else is read."""
    @property
    def sign_type(self) -> _SignTypeName:
        """The merchant's configured algorithm, `MD5` or `HMAC-SHA256`: the only one accepted
        unless others are opted into; never taken from the message."""
    @property
    def appid(self) -> str | None:
        """When set, the notification's `appid` must equal it (else `merchant_mismatch`); `None`:
        not checked."""
    @property
    def mch_id(self) -> str | None:
        """When set, the notification's `mch_id` must equal it (else `merchant_mismatch`);
        `None`: not checked."""
    @property
    def also_accept(self) -> tuple[_SignTypeName, ...]:
        """Further algorithms to accept besides the configured one: an explicit opt-in, for a
        migration between algorithms."""
    @property
    def max_body_bytes(self) -> int:
        """Bodies longer than this many bytes are rejected (`body_too_large`) before anything
        else is read."""
    # END GENERATED v2_verifier
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
    """A verified v2 payment result notification.

    Typed attributes are None when the field is absent; amounts are ints in fen, and an amount
    present in another form raises NotifyError ("missing_field") when read (repr() shows
    ``<error missing_field>``).
    """

    @property
    def fields(self) -> dict[str, str]:
        """Every child element exactly as received, in document order (the same dict on every read)."""
    # BEGIN GENERATED payment: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def appid(self) -> str | None:
        """`appid`."""
    @property
    def mch_id(self) -> str | None:
        """`mch_id`."""
    @property
    def sub_appid(self) -> str | None:
        """`sub_appid` (service-provider mode)."""
    @property
    def sub_mch_id(self) -> str | None:
        """`sub_mch_id` (service-provider mode)."""
    @property
    def device_info(self) -> str | None:
        """`device_info`."""
    @property
    def nonce_str(self) -> str | None:
        """`nonce_str`."""
    @property
    def result_code(self) -> str | None:
        """`result_code` (`SUCCESS` / `FAIL`)."""
    @property
    def err_code(self) -> str | None:
        """`err_code`."""
    @property
    def err_code_des(self) -> str | None:
        """`err_code_des`."""
    @property
    def openid(self) -> str | None:
        """`openid`."""
    @property
    def is_subscribe(self) -> str | None:
        """`is_subscribe`."""
    @property
    def trade_type(self) -> str | None:
        """`trade_type`."""
    @property
    def bank_type(self) -> str | None:
        """`bank_type`."""
    @property
    def fee_type(self) -> str | None:
        """`fee_type`."""
    @property
    def cash_fee_type(self) -> str | None:
        """`cash_fee_type`."""
    @property
    def transaction_id(self) -> str | None:
        """`transaction_id`."""
    @property
    def out_trade_no(self) -> str | None:
        """`out_trade_no`."""
    @property
    def attach(self) -> str | None:
        """`attach`."""
    @property
    def time_end(self) -> str | None:
        """`time_end` (`yyyyMMddHHmmss`, Beijing time)."""
    @property
    def total_fee(self) -> int | None:
        """`total_fee` in fen: compare it with your order before fulfilling it."""
    @property
    def settlement_total_fee(self) -> int | None:
        """`settlement_total_fee` in fen."""
    @property
    def cash_fee(self) -> int | None:
        """`cash_fee` in fen."""
    @property
    def coupon_fee(self) -> int | None:
        """`coupon_fee` in fen."""
    @property
    def coupon_count(self) -> int | None:
        """`coupon_count`: how many coupons the payment used."""
    @property
    def sign_type(self) -> _SignTypeName:
        """The algorithm the signature verified with (`MD5` / `HMAC-SHA256`)."""
    @property
    def is_success(self) -> bool:
        """`return_code` and `result_code` are both `SUCCESS`: the payment succeeded. Acknowledge
        a verified notification with the success reply even when this is false."""
    @property
    def dedupe_key(self) -> str | None:
        """The idempotency key (record each notification once per key): `transaction_id` when the
        payment succeeded (the same as its APIv3 delivery's), else
        `transaction_id:RESULT_CODE` (e.g. `4200000001:FAIL`), so a later success is not
        swallowed by an earlier failure; `None` without a `transaction_id`."""
    @property
    def coupons(self) -> list[Coupon]:
        """The coupons `0..coupon_count` from `coupon_{type,id,fee}_$n`: an index without a
        `coupon_id_$n` is skipped, indices at or past `coupon_count` are ignored. A count or
        fee present in another form than digits is an error (`missing_field`)."""
    # END GENERATED payment

@final
class RefundNotification:
    """A decrypted v2 refund result notification: a hint, not proof (AES-ECB has no integrity;
    confirm it with the refund query API before any irreversible action).

    Amounts are ints in fen; one present in another form than digits raises NotifyError
    ("missing_field") when read.
    """

    @property
    def fields(self) -> dict[str, str]:
        """The outer document exactly as received, in document order (the same dict on every read)."""

    @property
    def req_info(self) -> dict[str, str]:
        """The decrypted req_info document, in document order (the same dict on every read)."""
    # BEGIN GENERATED refund: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def appid(self) -> str | None:
        """`appid` of the outer document."""
    @property
    def mch_id(self) -> str | None:
        """`mch_id` of the outer document."""
    @property
    def transaction_id(self) -> str | None:
        """`transaction_id` of the decrypted `req_info`."""
    @property
    def out_trade_no(self) -> str | None:
        """`out_trade_no` of the decrypted `req_info`."""
    @property
    def refund_id(self) -> str | None:
        """`refund_id` of the decrypted `req_info`."""
    @property
    def out_refund_no(self) -> str | None:
        """`out_refund_no` of the decrypted `req_info`."""
    @property
    def refund_status(self) -> str | None:
        """`refund_status` of the decrypted `req_info` (`SUCCESS` / `CHANGE` / `REFUNDCLOSE`)."""
    @property
    def success_time(self) -> str | None:
        """`success_time` of the decrypted `req_info` (`yyyy-MM-dd HH:mm:ss`)."""
    @property
    def refund_recv_accout(self) -> str | None:
        """`refund_recv_accout` of the decrypted `req_info` (WeChat's spelling)."""
    @property
    def refund_account(self) -> str | None:
        """`refund_account` of the decrypted `req_info`."""
    @property
    def refund_request_source(self) -> str | None:
        """`refund_request_source` of the decrypted `req_info`."""
    @property
    def total_fee(self) -> int | None:
        """`total_fee` of the decrypted `req_info`, in fen."""
    @property
    def refund_fee(self) -> int | None:
        """`refund_fee` of the decrypted `req_info`, in fen."""
    @property
    def settlement_total_fee(self) -> int | None:
        """`settlement_total_fee` of the decrypted `req_info`, in fen."""
    @property
    def settlement_refund_fee(self) -> int | None:
        """`settlement_refund_fee` of the decrypted `req_info`, in fen."""
    @property
    def is_success(self) -> bool:
        """`refund_status` is `SUCCESS`."""
    @property
    def dedupe_key(self) -> str | None:
        """The idempotency key (record each notification once per key): `refund_id:STATUS` with
        the status in APIv3's words (`CHANGE` → `ABNORMAL`, `REFUNDCLOSE` → `CLOSED`), so an
        `ABNORMAL` delivery does not swallow the later `SUCCESS` and the v2 and APIv3
        deliveries of one state share a key. A refund's state only moves forward (`ABNORMAL` →
        `SUCCESS` or `CLOSED`): never record it back. `None` without a `refund_id`."""
    # END GENERATED refund

def sign(
    fields: Mapping[str, str] | Iterable[tuple[str, str]],
    api_key: str,
    sign_type: str,
) -> str:
    """Signs fields the way WeChat Pay does; returns the uppercase hex signature."""

def reply_success() -> str:
    """The exact SUCCESS reply for a verified notification."""

def reply_fail(msg: str) -> str:
    """A FAIL reply carrying msg (WeChat Pay will retry). To refuse a notification send
    reply_fail(REFUSAL_MESSAGE), as Endpoint does: a message naming the error code tells the
    sender which check failed."""

def refund_state(status: str) -> str:
    """A refund status in APIv3's words: v2 "CHANGE" -> "ABNORMAL", v2 "REFUNDCLOSE" -> "CLOSED",
    any other status unchanged (the rule refund dedupe keys use)."""

_PlatformKeys = Mapping[str, str] | Iterable[tuple[str, str]]

@final
class TrustedKeys:
    """A set of trusted WeChat Pay keys (platform certificates and/or WeChat Pay public keys), each
    parsed once when the set is built; swap it into a live verifier with
    V3Verifier.replace_trusted_keys or into an endpoint merchant with
    Endpoint.replace_trusted_keys."""

    def __new__(cls, platform_keys: _PlatformKeys) -> TrustedKeys:
        """id -> PEM, as V3Verifier takes them; a refused key raises InvalidConfigError."""
    @staticmethod
    def from_dir(path: str | os.PathLike[str]) -> TrustedKeys:
        """Every *.pem file directly in the directory (other names ignored, symbolic links
        followed), in name order, one PEM block each: a CERTIFICATE under its own serial (a file
        named like a serial must be named after that serial), a PUBLIC KEY under its file name,
        which must be a PUB_KEY_ID_... id. An unreadable or mislabelled file, a refused key, a
        repeated id or a directory with no key raises InvalidConfigError naming the file."""
    @property
    def ids(self) -> tuple[str, ...]:
        """The key ids, in order (certificates by their uppercase hex serial)."""
    def trusts(self, serial: str) -> bool:
        """True when a key with this id (as Wechatpay-Serial would name it) is in the set."""
    def __len__(self) -> int: ...

@final
class V3Verifier:
    """Verifies APIv3 notifications for one merchant: its APIv3 key and the WeChat Pay keys it
    trusts (id -> PEM: platform certificates and/or WeChat Pay public keys, or a TrustedKeys)."""

    # BEGIN GENERATED v3_verifier: stubgen.py from tests/vectors/typed_views.json; do not edit
    def __new__(
        cls,
        api_v3_key: str,
        platform_keys: _PlatformKeys | TrustedKeys,
        *,
        max_clock_skew: int | None = 300,
        max_body_bytes: int | None = 65536,
        mch_ids: Iterable[str] | None = (),
    ) -> V3Verifier:
        """api_v3_key: The APIv3 key: exactly 32 bytes (else `invalid_config`).

        platform_keys: The WeChat Pay keys to trust, by id: a platform certificate (PEM X.509;
        its id is its serial) or a WeChat Pay public key (PEM SPKI; id `PUB_KEY_ID_…`), both
        kinds at once during a migration. At least one (else `invalid_config`).

        max_clock_skew: The allowed difference between now and `Wechatpay-Timestamp`, in
        seconds, either way (else `timestamp_out_of_window`).

        max_body_bytes: Bodies longer than this many bytes are rejected (`body_too_large`)
        before anything else is read.

        mch_ids: The merchant ids this verifier serves, in order, without repeats: after
        decryption the resource's `mchid` (or, for partner notifications, `sp_mchid`; for
        merchant transfers, `mch_id`) must be one of them, else `merchant_mismatch`. Empty:
        any merchant. An empty id is `invalid_config`."""
    @property
    def max_clock_skew(self) -> int:
        """The allowed difference between now and `Wechatpay-Timestamp`, in seconds, either way
        (else `timestamp_out_of_window`)."""
    @property
    def max_body_bytes(self) -> int:
        """Bodies longer than this many bytes are rejected (`body_too_large`) before anything
        else is read."""
    @property
    def mch_ids(self) -> tuple[str, ...]:
        """The merchant ids this verifier serves, in order, without repeats: after decryption the
        resource's `mchid` (or, for partner notifications, `sp_mchid`; for merchant transfers,
        `mch_id`) must be one of them, else `merchant_mismatch`. Empty: any merchant. An empty
        id is `invalid_config`."""
    # END GENERATED v3_verifier
    @property
    def trusted_ids(self) -> tuple[str, ...]: ...
    @property
    def trusted_keys(self) -> TrustedKeys:
        """The set of trusted keys in use now (a later swap does not change it)."""
    def trusts(self, serial: str) -> bool:
        """True when a key with this id (as Wechatpay-Serial would name it) is trusted."""
    def replace_trusted_keys(self, keys: TrustedKeys | _PlatformKeys) -> None:
        """Swaps in a new set of trusted keys atomically (key rotation, no restart): a
        verification running meanwhile uses the old set or the new one, never a mix. An empty set
        or a refused key raises InvalidConfigError, and the verifier keeps its keys."""

    def verify(self, headers: _Headers, body: _Body, *, now: int | None = None) -> V3Notification:
        """Verifies a notification (the request headers and the raw POST body) at now (Unix
        seconds; None = the system clock), or raises NotifyError."""

@final
class V3Notification:
    """A verified, decrypted APIv3 notification."""

    @property
    def resource(self) -> dict[str, Any]:
        """The decrypted resource, parsed by json.loads (the same dict on every read)."""
    @property
    def transaction(self) -> V3Transaction | None: ...
    @property
    def refund(self) -> V3Refund | None: ...
    @property
    def profit_sharing(self) -> V3ProfitSharing | None: ...
    @property
    def transfer(self) -> V3Transfer | None: ...
    @property
    def complaint(self) -> V3Complaint | None: ...
    # BEGIN GENERATED v3_notification: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def id(self) -> str:
        """The event `id` (a UUID)."""
    @property
    def create_time(self) -> str:
        """`create_time`, exactly as received (not always RFC 3339)."""
    @property
    def event_type(self) -> str:
        """`event_type`, e.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`."""
    @property
    def resource_type(self) -> str:
        """`resource_type` (`encrypt-resource`)."""
    @property
    def summary(self) -> str:
        """`summary`, WeChat Pay's short description of the event."""
    @property
    def plaintext(self) -> str:
        """The decrypted resource: the exact JSON text (a JSON object) as decrypted."""
    @property
    def is_success(self) -> bool:
        """The event reports a success: a transaction whose `trade_state`, a refund whose
        `refund_status`, or a merchant transfer whose `state` is `SUCCESS`; a profit-sharing
        movement (`PROFITSHARING.SUCCESS` or `PROFITSHARING.RETURN`: WeChat Pay sends them
        once the funds moved; a return moves them back, so tell the two apart by
        `event_type`). False for complaints (they report no outcome) and every other event."""
    @property
    def dedupe_key(self) -> str:
        """The idempotency key (record each notification once per key): a successful
        transaction's `transaction_id` (as its v2 delivery), `transaction_id:TRADE_STATE` for
        one that did not succeed, `refund_id:REFUND_STATUS` for refunds (so `ABNORMAL` does
        not swallow a later `SUCCESS`), `transfer_bill_no:STATE` for merchant transfers,
        `order_id:ACCOUNT:SUCCESS` for funds shared to the receiver `ACCOUNT`, the event `id`
        otherwise: profit-sharing returns (one order can be returned from one receiver several
        times), complaints (one complaint repeats an `action_type`), other events, and a
        resource that lacks its id."""
    # END GENERATED v3_notification

@final
class V3Transaction:
    """The typed view of a TRANSACTION.* resource (direct and service-provider shapes). Amounts are
    ints in fen; one present in another form raises NotifyError ("missing_field") when read."""

    # BEGIN GENERATED v3_transaction: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def appid(self) -> str | None:
        """`appid` (direct merchants)."""
    @property
    def mchid(self) -> str | None:
        """`mchid` (direct merchants)."""
    @property
    def sp_appid(self) -> str | None:
        """`sp_appid` (service provider)."""
    @property
    def sp_mchid(self) -> str | None:
        """`sp_mchid` (service provider)."""
    @property
    def sub_appid(self) -> str | None:
        """`sub_appid` (sub-merchant)."""
    @property
    def sub_mchid(self) -> str | None:
        """`sub_mchid` (sub-merchant)."""
    @property
    def out_trade_no(self) -> str | None:
        """`out_trade_no`."""
    @property
    def transaction_id(self) -> str | None:
        """`transaction_id`."""
    @property
    def trade_type(self) -> str | None:
        """`trade_type` (`JSAPI`, `NATIVE`, `APP`, …)."""
    @property
    def trade_state(self) -> str | None:
        """`trade_state` (`SUCCESS`, …)."""
    @property
    def trade_state_desc(self) -> str | None:
        """`trade_state_desc`."""
    @property
    def bank_type(self) -> str | None:
        """`bank_type`."""
    @property
    def attach(self) -> str | None:
        """`attach`."""
    @property
    def success_time(self) -> str | None:
        """`success_time` (RFC 3339 as sent)."""
    @property
    def payer_openid(self) -> str | None:
        """`payer.openid` (direct merchants)."""
    @property
    def payer_sp_openid(self) -> str | None:
        """`payer.sp_openid` (service provider)."""
    @property
    def payer_sub_openid(self) -> str | None:
        """`payer.sub_openid` (sub-merchant)."""
    @property
    def amount_total(self) -> int | None:
        """`amount.total` in fen: compare it with your order before fulfilling it."""
    @property
    def amount_payer_total(self) -> int | None:
        """`amount.payer_total` in fen."""
    @property
    def amount_currency(self) -> str | None:
        """`amount.currency`."""
    @property
    def amount_payer_currency(self) -> str | None:
        """`amount.payer_currency`."""
    # END GENERATED v3_transaction

@final
class V3Refund:
    """The typed view of a REFUND.* resource. Amounts are ints in fen; one present in another form
    raises NotifyError ("missing_field") when read."""

    # BEGIN GENERATED v3_refund: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def mchid(self) -> str | None:
        """`mchid` (direct merchants)."""
    @property
    def sp_mchid(self) -> str | None:
        """`sp_mchid` (service provider)."""
    @property
    def sub_mchid(self) -> str | None:
        """`sub_mchid` (sub-merchant)."""
    @property
    def out_trade_no(self) -> str | None:
        """`out_trade_no`."""
    @property
    def transaction_id(self) -> str | None:
        """`transaction_id`."""
    @property
    def out_refund_no(self) -> str | None:
        """`out_refund_no`."""
    @property
    def refund_id(self) -> str | None:
        """`refund_id`."""
    @property
    def refund_status(self) -> str | None:
        """`refund_status` (`SUCCESS`, `CLOSED`, `ABNORMAL`)."""
    @property
    def success_time(self) -> str | None:
        """`success_time`."""
    @property
    def user_received_account(self) -> str | None:
        """`user_received_account`."""
    @property
    def amount_total(self) -> int | None:
        """`amount.total` in fen."""
    @property
    def amount_refund(self) -> int | None:
        """`amount.refund` in fen."""
    @property
    def amount_payer_total(self) -> int | None:
        """`amount.payer_total` in fen."""
    @property
    def amount_payer_refund(self) -> int | None:
        """`amount.payer_refund` in fen."""
    # END GENERATED v3_refund

@final
class V3ProfitSharing:
    """The typed view of a PROFITSHARING.* resource (PROFITSHARING.SUCCESS, PROFITSHARING.RETURN).
    Its amount is an int in fen; one present in another form raises NotifyError
    ("missing_field") when read."""

    # BEGIN GENERATED v3_profit_sharing: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def mchid(self) -> str | None:
        """`mchid` (direct merchants)."""
    @property
    def sp_mchid(self) -> str | None:
        """`sp_mchid` (service provider)."""
    @property
    def sub_mchid(self) -> str | None:
        """`sub_mchid` (sub-merchant)."""
    @property
    def transaction_id(self) -> str | None:
        """`transaction_id` of the payment whose funds were shared."""
    @property
    def order_id(self) -> str | None:
        """`order_id`, WeChat Pay's profit-sharing order number."""
    @property
    def out_order_no(self) -> str | None:
        """`out_order_no`, the merchant's profit-sharing order number."""
    @property
    def receiver_type(self) -> str | None:
        """`receiver.type` (`MERCHANT_ID`, `PERSONAL_OPENID`, …)."""
    @property
    def receiver_account(self) -> str | None:
        """`receiver.account` (a merchant id or an openid)."""
    @property
    def receiver_amount(self) -> int | None:
        """`receiver.amount` in fen: the amount moved to (or returned from) the receiver."""
    @property
    def receiver_description(self) -> str | None:
        """`receiver.description`."""
    @property
    def success_time(self) -> str | None:
        """`success_time`."""
    # END GENERATED v3_profit_sharing

@final
class V3Transfer:
    """The typed view of a MCHTRANSFER.BILL.* resource (MCHTRANSFER.BILL.FINISHED). Its
    amount is an int in fen; one present in another form raises NotifyError ("missing_field") when read."""

    # BEGIN GENERATED v3_transfer: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def mch_id(self) -> str | None:
        """`mch_id`, the merchant id as WeChat Pay's reference names it."""
    @property
    def mchid(self) -> str | None:
        """`mchid`, the merchant id as some published samples name it."""
    @property
    def out_bill_no(self) -> str | None:
        """`out_bill_no`, the merchant's bill number."""
    @property
    def transfer_bill_no(self) -> str | None:
        """`transfer_bill_no`, WeChat Pay's transfer bill number."""
    @property
    def state(self) -> str | None:
        """`state` (`SUCCESS`, `FAIL`, `CANCELLED`)."""
    @property
    def transfer_amount(self) -> int | None:
        """`transfer_amount` in fen: compare it with your bill before recording it."""
    @property
    def openid(self) -> str | None:
        """`openid` of the payee."""
    @property
    def fail_reason(self) -> str | None:
        """`fail_reason`, when the transfer failed."""
    @property
    def create_time(self) -> str | None:
        """`create_time` of the bill."""
    @property
    def update_time(self) -> str | None:
        """`update_time` of the bill's last state change."""
    # END GENERATED v3_transfer

@final
class V3Complaint:
    """The typed view of a COMPLAINT.* resource (COMPLAINT.CREATE, COMPLAINT.STATE_CHANGE)."""

    # BEGIN GENERATED v3_complaint: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def complaint_id(self) -> str | None:
        """`complaint_id`."""
    @property
    def action_type(self) -> str | None:
        """`action_type` (`CREATE_COMPLAINT`, `CONTINUE_COMPLAINT`, `USER_RESPONSE`, …)."""
    # END GENERATED v3_complaint

def request_version(headers: _Headers) -> Literal["v2", "v3"]:
    """The API version of a request, as Endpoint.handle decides it: "v3" when it carries a
    Wechatpay-Signature header, "v2" otherwise. Nothing is verified."""

def internal_error_reply(headers: _Headers) -> HttpReply:
    """The reply to a request when your own code fails (the database, say), in the request's
    version: 500 with that version's constant refusal body, so that WeChat Pay retries later.
    After Endpoint.handle, EndpointResult.internal_error_reply() gives the same reply."""

def reply_v2_success() -> HttpReply:
    """The v2 success reply: 200, text/xml, the exact XML SUCCESS (send it through wechatpay_notify.web)."""

def reply_v2_fail(error: Exception | str) -> HttpReply:
    """The v2 failure reply: 200 with the XML FAIL and the constant message when the request was
    refused (WeChat Pay retries), 500 with the same body for invalid_config, internal or any other
    Exception (your own failure)."""

def reply_v3_success() -> HttpReply:
    """The APIv3 success reply: 204, no content type, an empty body."""

def reply_v3_fail(error: Exception | str) -> HttpReply:
    """The APIv3 failure reply for a NotifyError (or its code): 401 when the request was not proven
    authentic, 400 when it is malformed or unsupported, 500 for invalid_config/internal; any other
    Exception gets the internal reply (500). The body is always {"code":"FAIL","message":"rejected"}
    (REFUSAL_MESSAGE): the code stays on the error, for your logs."""

@final
class MerchantProfile:
    """One merchant account served by an Endpoint: a label, its merchant id, and its v2 part, APIv3
    part, or both."""

    # BEGIN GENERATED merchant_profile: stubgen.py from tests/vectors/typed_views.json; do not edit
    def __new__(
        cls,
        label: str,
        *,
        v2: Verifier | None = None,
        v3: V3Verifier | None = None,
        mch_id: str | None = None,
    ) -> MerchantProfile:
        """label: The name results carry (their `label`), e.g. your shop id: unique within an
        endpoint (else `invalid_config`).

        v2: The v2 part. v2 notifications are routed by `mch_id`, so the merchant id must be
        known: this profile's `mch_id` or the verifier's own (else `invalid_config`).

        v3: The APIv3 part. Requests are routed by `Wechatpay-Serial` to the profile that
        trusts that key; its own `mch_ids`, when set, bind it, otherwise this profile's
        `mch_id` does.

        mch_id: The merchant id, binding both versions: v2 notifications must carry it as
        `mch_id` (a v2 verifier's own `mch_id`, when set, must be the same), APIv3 resources
        as `mchid` (or `sp_mchid`, or a transfer's `mch_id`) unless the v3 part names its own
        `mch_ids`. An empty or conflicting id is `invalid_config` when the endpoint is built."""
    @property
    def label(self) -> str:
        """The name results carry (their `label`), e.g. your shop id: unique within an endpoint
        (else `invalid_config`)."""
    @property
    def v2(self) -> Verifier | None:
        """The v2 part. v2 notifications are routed by `mch_id`, so the merchant id must be
        known: this profile's `mch_id` or the verifier's own (else `invalid_config`)."""
    @property
    def v3(self) -> V3Verifier | None:
        """The APIv3 part. Requests are routed by `Wechatpay-Serial` to the profile that trusts
        that key; its own `mch_ids`, when set, bind it, otherwise this profile's `mch_id`
        does."""
    @property
    def mch_id(self) -> str | None:
        """The merchant id, binding both versions: v2 notifications must carry it as `mch_id` (a
        v2 verifier's own `mch_id`, when set, must be the same), APIv3 resources as `mchid`
        (or `sp_mchid`, or a transfer's `mch_id`) unless the v3 part names its own `mch_ids`.
        An empty or conflicting id is `invalid_config` when the endpoint is built."""
    # END GENERATED merchant_profile

@final
class Endpoint:
    """One notify_url serving several merchants, v2 and APIv3."""

    def __new__(cls, profiles: Iterable[MerchantProfile]) -> Endpoint: ...
    @staticmethod
    def from_profiles_file(path: str | os.PathLike[str]) -> Endpoint:
        """Reads a profiles file (the JSON of `wechatpay-notify verify-any --profiles`) with the
        core's loader: {"profiles": [...]}, one object per MerchantProfile with its settings, naming
        key files or environment variables, never keys. On Unix the file and every key file must
        not be accessible by group or others (chmod 600); file names are relative to the file's
        directory. A misspelt setting, a v2 part without its algorithm, a key written inline, an unreadable
        file, an unset variable and whatever Endpoint(...) refuses raise InvalidConfigError, naming
        the profile, the setting or the file, never a key."""
    @property
    def labels(self) -> tuple[str, ...]: ...
    def replace_trusted_keys(self, label: str, keys: TrustedKeys | _PlatformKeys) -> None:
        """Swaps the APIv3 keys of the merchant labelled label, and the Wechatpay-Serial routes to
        it, in one step. No such profile, no v3 part, an empty set, a refused key or a key id
        another profile trusts raises InvalidConfigError, and the endpoint is unchanged."""
    def trusted_keys(self, label: str) -> TrustedKeys | None:
        """The APIv3 keys in use now by the merchant labelled label (None: no such v3 part)."""
    def handle(self, headers: _Headers, body: _Body, *, now: int | None = None) -> EndpointResult:
        """Decides the version and the merchant of a request and verifies it; raises
        EndpointRejected (with the reply to send) when it is refused."""

@final
class EndpointResult:
    """A request an Endpoint verified."""

    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> Literal["v2_payment", "v2_refund", "v3"]: ...
    @property
    def version(self) -> Literal["v2", "v3"]: ...
    @property
    def notification(self) -> PaymentNotification | RefundNotification | V3Notification: ...
    # BEGIN GENERATED endpoint_result: stubgen.py from tests/vectors/typed_views.json; do not edit
    @property
    def is_success(self) -> bool:
        """The notification's own `is_success`: the payment or refund succeeded (APIv3 also: the
        merchant transfer succeeded, or a profit-sharing movement happened)."""
    @property
    def dedupe_key(self) -> str | None:
        """The notification's own `dedupe_key`, the same for the v2 and APIv3 deliveries of one
        payment, or of one state of a refund: a successful payment's `transaction_id`, a
        refund's `refund_id:STATUS` (APIv3 also: a merchant transfer's
        `transfer_bill_no:STATE`, funds shared `order_id:ACCOUNT:SUCCESS`, the event `id` for
        other events); `None` only for a v2 notification without its id."""
    # END GENERATED endpoint_result
    @property
    def reply(self) -> HttpReply: ...
    def internal_error_reply(self) -> HttpReply:
        """The reply when your own code fails after this notification verified (the database, say):
        500 with the version's constant refusal body, so that WeChat Pay retries later."""
