"""One Flask notify_url for several merchants, v2 and APIv3 (notify_store.Notify does the work).

    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 python flask_app.py 127.0.0.1:8080
    # or: flask --app flask_app:app_from_env run --port 8080
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, Response, request
from notify_store import NOTIFY_PATH, READ_LIMIT, Notify, notify_from_env, settings_from_env
from wechatpay_notify.web import flask_response


def create_app(notify: Notify) -> Flask:
    app = Flask(__name__)

    @app.post(NOTIFY_PATH)
    def wechatpay_notify() -> Response:
        # The raw bytes (never a parsed body), at most one byte past the limit, chunked or not.
        body = bytearray()
        while len(body) < READ_LIMIT and (chunk := request.stream.read(READ_LIMIT - len(body))):
            body += chunk
        # The endpoint's reply exactly: its status, its content type (none for an empty body), its body.
        return flask_response(notify.handle(list(request.headers.items()), bytes(body)))

    return app


def app_from_env() -> Flask:
    return create_app(notify_from_env())


def main(argv: list[str]) -> int:
    from werkzeug.serving import make_server

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our own line per request is enough
    try:
        settings = settings_from_env(argv)
        server = make_server(settings.host, settings.port, create_app(settings.notify), threaded=True)
    except (ValueError, OSError) as e:  # a configuration the library refuses is an InvalidConfigError
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    url = f"http://{settings.host}:{server.server_port}{NOTIFY_PATH}"
    print(f"listening on {url} (recording into {settings.db_path})", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
