"""The HTTP reply type returned by the reply helpers and by :class:`Endpoint`."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["HttpReply"]


class HttpReply(NamedTuple):
    """An HTTP reply for WeChat Pay: send ``status``, a ``Content-Type`` header of
    ``content_type`` when it is not None, and ``body`` exactly.

    Immutable; unpacks as ``status, content_type, body = reply``.
    """

    status: int
    """The HTTP status code (v2: 200, undecided requests 400; APIv3: 204, or 4xx/500 on failure)."""
    content_type: str | None
    """The ``Content-Type`` header value; None when there is no body (send none)."""
    body: str
    """The body, exactly ("" for none)."""
