"""One FastAPI notify_url for several merchants, v2 and APIv3 (see notify_store for what it does).

    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 python fastapi_app.py 127.0.0.1:8080
    # or: uvicorn fastapi_app:app_from_env --factory --port 8080

The same behaviour as flask_app (both call notify_store.Notify): the raw body and every header go to
the endpoint, the reply is the endpoint's own. Verification and the SQLite transaction block, so
they run in Starlette's thread pool rather than on the event loop.
"""

from __future__ import annotations

import logging
import socket
import sys

import wechatpay_notify as wn
from fastapi import FastAPI, Request, Response
from notify_store import NOTIFY_PATH, READ_LIMIT, ConfigError, Notify, notify_from_env, settings_from_env
from starlette.concurrency import run_in_threadpool


async def raw_body(request: Request) -> bytes:
    """The body exactly as received, but never more than READ_LIMIT bytes of it (the endpoint
    refuses a longer one as body_too_large): an oversized body is never buffered whole."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk[: READ_LIMIT - len(body)]
        if len(body) >= READ_LIMIT:
            break
    return bytes(body)


def respond(reply: wn.HttpReply) -> Response:
    """The endpoint's reply as a response: its status, its content type (none for an empty body)
    and its body, exactly."""
    # As a header, not media_type: Starlette would append "; charset=utf-8" to a text/ type.
    headers = {} if reply.content_type is None else {"Content-Type": reply.content_type}
    return Response(reply.body, status_code=reply.status, headers=headers)


def create_app(notify: Notify) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post(NOTIFY_PATH)
    async def wechatpay_notify(request: Request) -> Response:
        # Every header as received (repeated ones included), and the raw bytes.
        headers = list(request.headers.items())
        body = await raw_body(request)
        return respond(await run_in_threadpool(notify.handle, headers, body))

    return app


def app_from_env() -> FastAPI:
    return create_app(notify_from_env())


def main(argv: list[str]) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        settings = settings_from_env(argv)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as e:
        print(f"cannot listen on {settings.host}:{settings.port}: {e}", file=sys.stderr)
        return 2
    sock.listen(128)  # connections queue from here on, before uvicorn serves them
    print(
        f"listening on http://{settings.host}:{sock.getsockname()[1]}{NOTIFY_PATH} (recording into {settings.db_path})",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(create_app(settings.notify), lifespan="off", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
