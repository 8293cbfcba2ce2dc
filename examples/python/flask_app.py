"""One Flask notify_url for several merchants, v2 and APIv3 (see notify_store for what it does).

    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 python flask_app.py 127.0.0.1:8080
    # or: flask --app flask_app:app_from_env run --port 8080

The raw body and every header go to the endpoint exactly as received; the reply is the endpoint's
own (status, content type and body), for success and refusal alike.
"""

from __future__ import annotations

import logging
import sys

import wechatpay_notify as wn
from flask import Flask, Response, request
from notify_store import NOTIFY_PATH, READ_LIMIT, ConfigError, Notify, notify_from_env, settings_from_env


def raw_body() -> bytes:
    """The body exactly as received, but never more than READ_LIMIT bytes of it (the endpoint
    refuses a longer one as body_too_large); with or without Content-Length."""
    body = bytearray()
    while len(body) < READ_LIMIT:
        chunk = request.stream.read(READ_LIMIT - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def respond(reply: wn.HttpReply) -> Response:
    """The endpoint's reply as a response: its status, its content type (none for an empty body)
    and its body, exactly."""
    response = Response(reply.body, status=reply.status)
    if reply.content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = reply.content_type
    return response


def create_app(notify: Notify) -> Flask:
    app = Flask(__name__)

    @app.post(NOTIFY_PATH)
    def wechatpay_notify() -> Response:
        # Every header as received (the endpoint reads the Wechatpay-* ones, and refuses one sent
        # twice), and the raw bytes: never a parsed and re-serialised body.
        headers = list(request.headers.items())
        return respond(notify.handle(headers, raw_body()))

    return app


def app_from_env() -> Flask:
    return create_app(notify_from_env())


def main(argv: list[str]) -> int:
    from werkzeug.serving import make_server

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our own line per request is enough
    try:
        settings = settings_from_env(argv)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    try:
        server = make_server(settings.host, settings.port, create_app(settings.notify), threaded=True)
    except OSError as e:
        print(f"cannot listen on {settings.host}:{settings.port}: {e}", file=sys.stderr)
        return 2
    print(
        f"listening on http://{settings.host}:{server.server_port}{NOTIFY_PATH} (recording into {settings.db_path})",
        file=sys.stderr,
        flush=True,
    )
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
