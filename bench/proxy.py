"""A small round-robin reverse proxy, for `make load` against several web servers (issue 19, item 3).

    python -m bench.proxy --port 8000 --backend 127.0.0.1:8001 --backend 127.0.0.1:8002

Threaded (a thread per client connection), HTTP/1.1 with keep-alive towards the client. Each request goes to the
next backend in turn, whole: its method, path, headers and body; the backend's answer comes back whole (status,
headers, body) with the hop-by-hop headers dropped. It keeps nothing about anyone (no sticky sessions: SkillPass
needs none), only whose turn is next.

A backend is reached with a new connection for each request, so a backend that is down is found before anything is
sent: one that refuses the connection is skipped for the next one, and the request is not lost. When every backend
refuses, the answer is 502 with ``X-Proxy-Error: no backend``.

A request already sent when its backend dies (the connection closed or reset before a whole answer came back) cannot
be sent again: the backend may have done it (a save committed just before the process ended), and sending it to
another would do it twice. The proxy answers 502 with ``X-Proxy-Error: in flight`` and ``X-Proxy-Backend`` naming the
backend, as a load balancer does; `bench/load.py` counts such an answer "interrupted by the restart" when that
backend was the one being restarted, and as an error otherwise. Every answer names its backend in
``X-Proxy-Backend``.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}
CONNECT_TIMEOUT = 2.0
ANSWER_TIMEOUT = 120.0


class RoundRobin:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = backends
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def in_turn(self) -> list[tuple[str, int]]:
        """Every backend, starting with the one whose turn it is."""
        with self._lock:
            first = next(self._turn) % len(self.backends)
        return self.backends[first:] + self.backends[:first]


class InFlight(Exception):
    """The backend took the request and died before answering it whole."""


def _forward(backend: tuple[str, int], method: str, path: str, headers: list[tuple[str, str]], body: bytes | None):
    host, port = backend
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError:
        return None     # refused (or not there): nothing was sent, the next backend may take it
    conn = http.client.HTTPConnection(host, port, timeout=ANSWER_TIMEOUT)
    conn.sock = sock
    sock.settimeout(ANSWER_TIMEOUT)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        return response.status, response.reason, response.getheaders(), data
    except (OSError, http.client.HTTPException) as error:
        raise InFlight(str(error)) from error
    finally:
        conn.close()


def make_handler(pool: RoundRobin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):   # noqa: A002 - quiet: the load prints its own figures
            pass

        def _proxy(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
            headers.append(("X-Forwarded-For", self.client_address[0]))
            for backend in pool.in_turn():
                try:
                    answer = _forward(backend, self.command, self.path, headers, body)
                except InFlight as error:
                    self._answer(502, "Bad Gateway", [("X-Proxy-Error", "in flight"),
                                                      ("X-Proxy-Backend", str(backend[1]))],
                                 f"The server answering this request stopped: {error}".encode())
                    return
                if answer is None:
                    continue
                status, reason, their_headers, data = answer
                kept = [(k, v) for k, v in their_headers if k.lower() not in HOP_BY_HOP]
                self._answer(status, reason, kept + [("X-Proxy-Backend", str(backend[1]))], data)
                return
            self._answer(502, "Bad Gateway", [("X-Proxy-Error", "no backend")], b"No server is answering.")

        def _answer(self, status: int, reason: str, headers, data: bytes):
            self.send_response_only(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _proxy

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(port: int, backends: list[tuple[str, int]], host: str = "127.0.0.1") -> Server:
    """A proxy listening on *port* (0: any free one); call serve_forever() on what it returns."""
    return Server((host, port), make_handler(RoundRobin(backends)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="host:port, in turn (give two or more)")
    args = parser.parse_args(argv)
    backends = [(b.rpartition(":")[0] or "127.0.0.1", int(b.rpartition(":")[2])) for b in args.backend]
    server = serve(args.port, backends)
    print(f"proxy on 127.0.0.1:{server.server_address[1]} -> " + ", ".join(f"{h}:{p}" for h, p in backends),
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
