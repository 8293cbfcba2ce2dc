"""One FastAPI notify_url for several merchants, v2 and APIv3 (notify_store.Notify does the work).

    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 python fastapi_app.py 127.0.0.1:8080
    # or: uvicorn fastapi_app:app_from_env --factory --port 8080

Verification and the SQLite transaction block, so they run in Starlette's thread pool.
"""

from __future__ import annotations

import logging
import socket
import sys

from fastapi import FastAPI, Request, Response
from notify_store import NOTIFY_PATH, READ_LIMIT, Notify, notify_from_env, settings_from_env
from starlette.concurrency import run_in_threadpool
from wechatpay_notify.web import starlette_response


def create_app(notify: Notify) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post(NOTIFY_PATH)
    async def wechatpay_notify(request: Request) -> Response:
        # The raw bytes (never a parsed body), at most one byte past the limit: never buffered whole.
        body = bytearray()
        async for chunk in request.stream():
            body += chunk[: READ_LIMIT - len(body)]
            if len(body) >= READ_LIMIT:
                break
        reply = await run_in_threadpool(notify.handle, list(request.headers.items()), bytes(body))
        # The endpoint's reply exactly: its status, its content type (none for an empty body), its body.
        return starlette_response(reply)

    return app


def app_from_env() -> FastAPI:
    return create_app(notify_from_env())


def main(argv: list[str]) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        settings = settings_from_env(argv)
        sock.bind((settings.host, settings.port))
    except (ValueError, OSError) as e:  # a configuration the library refuses is an InvalidConfigError
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    sock.listen(128)  # connections queue from here on, before uvicorn serves them
    url = f"http://{settings.host}:{sock.getsockname()[1]}{NOTIFY_PATH}"
    print(f"listening on {url} (recording into {settings.db_path})", file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(settings.notify), lifespan="off", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
