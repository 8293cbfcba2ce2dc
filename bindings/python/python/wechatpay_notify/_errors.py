"""Exceptions raised by wechatpay_notify. Every one derives from :class:`NotifyError`."""

from __future__ import annotations

__all__ = ["NotifyError", "InvalidConfigError", "InvalidArgumentError"]


class NotifyError(Exception):
    """A rejected notification or an unusable configuration.

    ``code`` is the stable SPEC §3 string (e.g. ``"signature_mismatch"``), the same in every
    language; ``message`` explains which rule failed. Neither ever contains key material or the
    expected signature.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidConfigError(NotifyError, ValueError):
    """The verifier's configuration (API key, sign type, limits) is unusable (``invalid_config``)."""


class InvalidArgumentError(NotifyError, ValueError):
    """A caller-supplied argument is unusable (``invalid_argument``), e.g. a repeated field name
    passed to :func:`sign`."""
