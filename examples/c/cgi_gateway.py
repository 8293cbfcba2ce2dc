#!/usr/bin/env python3
"""A minimal CGI/1.1 gateway: serves one CGI program over HTTP, one process per request.

    python3 examples/c/cgi_gateway.py PROGRAM [HOST:PORT]      (default 127.0.0.1:8080)

For trying notify_cgi on your machine (`wechatpay-notify simulate --url http://127.0.0.1:8080/...`)
and for its tests (test_notify_cgi.py). In production use your web server's CGI support (Apache
`ScriptAlias`, lighttpd `mod_cgi`, nginx + fcgiwrap). Each request runs PROGRAM with this process's
environment (so WECHATPAY_PROFILES, WECHATPAY_DB and the variables the profiles name pass through)
plus the RFC 3875 meta-variables: REQUEST_METHOD, CONTENT_LENGTH, CONTENT_TYPE and every other
request header as HTTP_<NAME> (Wechatpay-Signature becomes HTTP_WECHATPAY_SIGNATURE). The body goes
to its stdin; its "Status:" and other headers and its body become the HTTP response. The program's
stderr (one line per notification) goes to this process's stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Runner = Callable[[dict[str, str], bytes], "subprocess.CompletedProcess[bytes]"]


class Gateway(ThreadingHTTPServer):
    """Serves `run(env, body)` (a CGI program run) on `address`; `exits` collects exit statuses."""

    daemon_threads = True
    request_queue_size = 64  # the concurrent tests connect 24 clients at once

    def __init__(self, address: tuple[str, int], run: Runner, base_env: dict[str, str]) -> None:
        super().__init__(address, CgiHandler)
        self.run = run
        self.base_env = base_env
        self.exits: list[int] = []
        self.lock = threading.Lock()

    def broken(self, proc: subprocess.CompletedProcess[bytes]) -> bool:
        """A run whose output is not a CGI response (override to add checks)."""
        return proc.returncode not in (0, 1, 2, 3)


class CgiHandler(BaseHTTPRequestHandler):
    server: Gateway

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass

    def do_POST(self) -> None:
        self.cgi()

    def do_GET(self) -> None:
        self.cgi()

    def cgi(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            **self.server.base_env,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": "cgi_gateway.py",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": self.path.split("?")[0],
            "PATH_INFO": "",
            "QUERY_STRING": self.path.partition("?")[2],
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
        }
        # RFC 3875 4.1.18: every other request header as HTTP_<NAME>.
        for name, value in self.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                env["HTTP_" + name.upper().replace("-", "_")] = value
        if self.command == "POST":
            env["CONTENT_LENGTH"] = str(len(body))
        proc = self.server.run(env, body)
        with self.server.lock:
            self.server.exits.append(proc.returncode)
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep or self.server.broken(proc):
            # A broken program: 502 and the end of its stderr.
            self.send_error(502, f"CGI exited {proc.returncode}: {proc.stderr[-1500:]!r}")
            return
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    program = os.path.abspath(sys.argv[1])
    host, _, port = (sys.argv[2] if len(sys.argv) == 3 else "127.0.0.1:8080").rpartition(":")

    def run(env: dict[str, str], body: bytes) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run([program], input=body, env=env, capture_output=True, timeout=120)
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        return proc

    gateway = Gateway((host, int(port)), run, dict(os.environ))
    print(f"serving {program} at http://{host}:{gateway.server_address[1]}/wechatpay/notify", file=sys.stderr)
    try:
        gateway.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
