"""Exceptions raised by wechatpay_notify. Every one derives from :class:`NotifyError`."""

from __future__ import annotations

from typing import Literal

from ._reply import HttpReply

__all__ = ["NotifyError", "InvalidConfigError", "InvalidArgumentError", "EndpointRejected"]


class NotifyError(Exception):
    """A rejected notification or an unusable configuration.

    ``code`` is the stable error code (e.g. ``"signature_mismatch"``), the same in every
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


class EndpointRejected(NotifyError):
    """A request :meth:`Endpoint.handle` refused: the error's ``code`` and ``message``, and what the
    endpoint decided before refusing it.

    ``version`` is ``"v2"`` or ``"v3"`` when the request's API version was decided (None for a body
    that is neither), ``label`` the merchant's label when one was chosen, and ``reply`` the
    :class:`HttpReply` to send (v2: 200 with the XML FAIL reply; APIv3: 4xx/5xx with the JSON FAIL
    body; undecided: the v2 FAIL reply with status 400). Every reply body carries the same message,
    ``REFUSAL_MESSAGE`` ("rejected"): the code is for your logs, never for the sender.
    """

    version: Literal["v2", "v3"] | None
    label: str | None
    reply: HttpReply

    def __init__(
        self,
        code: str,
        message: str,
        version: Literal["v2", "v3"] | None,
        label: str | None,
        reply: HttpReply,
    ) -> None:
        super().__init__(code, message)
        # Every constructor argument, so that copies and pickles rebuild the same error.
        self.args = (code, message, version, label, reply)
        self.version = version
        self.label = label
        self.reply = reply

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.code!r}, {self.message!r}, version={self.version!r}, "
            f"label={self.label!r}, reply={self.reply!r})"
        )
