"""The HTTP reply type returned by the reply helpers and by :class:`Endpoint`."""

from __future__ import annotations

from typing import Any, Iterator, NoReturn, Union

__all__ = ["HttpReply"]


class HttpReply:
    """An HTTP reply for WeChat Pay: send ``status``, a ``Content-Type`` header of
    ``content_type`` when it is not None, and ``body`` exactly. One type for both API versions.

    Send it through your framework's adapter (:mod:`wechatpay_notify.web`: ``flask_response``,
    ``django_response``, ``starlette_response``), never by returning it as it is: it is
    deliberately not a tuple, a list, a dict or a dataclass, so a framework that would turn it into
    a JSON body with status 200 (FastAPI) or read it as ``(body, status)`` (Flask) fails loudly with
    a 500 instead, and WeChat Pay retries rather than counting a refusal as acknowledged. Nor wrap
    it in a response yourself: Django's ``HttpResponse(reply)`` takes it as the body, with status 200.

    Immutable and hashable; unpacks as ``status, content_type, body = reply``.
    """

    __slots__ = ("_status", "_content_type", "_body")

    _status: int
    _content_type: Union[str, None]
    _body: str

    def __init__(self, status: int, content_type: Union[str, None], body: str) -> None:
        if type(status) is not int or not 100 <= status <= 599:
            raise TypeError(f"status must be an HTTP status code (int), got {status!r}")
        if content_type is not None and not isinstance(content_type, str):
            raise TypeError(f"content_type must be a str or None, got {type(content_type).__name__}")
        if not isinstance(body, str):
            raise TypeError(f"body must be a str, got {type(body).__name__}")
        object.__setattr__(self, "_status", status)
        object.__setattr__(self, "_content_type", content_type)
        object.__setattr__(self, "_body", body)

    @property
    def status(self) -> int:
        """The HTTP status code (v2: 200, 500 for your own failure, undecided requests 400; APIv3:
        204, or 401/400/500 on failure)."""
        return self._status

    @property
    def content_type(self) -> Union[str, None]:
        """The ``Content-Type`` header value; None when there is no body (send none)."""
        return self._content_type

    @property
    def body(self) -> str:
        """The body, exactly ("" for none)."""
        return self._body

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"HttpReply is immutable (cannot set {name})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"HttpReply is immutable (cannot delete {name})")

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.content_type, self.body))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HttpReply):
            return NotImplemented
        return (self.status, self.content_type, self.body) == (other.status, other.content_type, other.body)

    def __hash__(self) -> int:
        return hash((self.status, self.content_type, self.body))

    def __repr__(self) -> str:
        return f"HttpReply(status={self.status!r}, content_type={self.content_type!r}, body={self.body!r})"

    def __reduce__(self) -> tuple[type[HttpReply], tuple[int, Union[str, None], str]]:
        return (HttpReply, (self.status, self.content_type, self.body))
