"""bench/proxy.py, the round-robin proxy `make load` puts in front of two web servers: each request goes whole to
the next backend in turn and its answer comes back whole; a backend that refuses connections is skipped (nothing
lost); a request in flight on a backend that dies is answered 502, naming it, and never sent again elsewhere."""
from __future__ import annotations

import http.client
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import proxy


class Echo(BaseHTTPRequestHandler):
    """A backend that answers with what it was sent, and counts what it was sent."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self.server.seen.append((self.command, self.path, body))
        data = json.dumps({"method": self.command, "path": self.path, "body": body,
                           "cookie": self.headers.get("Cookie"), "host": self.headers.get("Host")}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=abc; HttpOnly")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _echo


class DiesMidRequest(BaseHTTPRequestHandler):
    """A backend that takes the request and ends before answering (a process stopped under it)."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(("POST", self.path, ""))
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    do_GET = do_POST


def _backend(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _nothing_listening() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def running():
    started = []

    def start(*ports):
        server = proxy.serve(0, [("127.0.0.1", p) for p in ports])
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server.server_address[1]

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _send(port, method, path, body=None, headers=None, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read(), conn


def test_requests_go_to_each_backend_in_turn_whole_and_come_back_whole(running):
    one, two = _backend(Echo), _backend(Echo)
    port = running(one.server_address[1], two.server_address[1])
    conn = None
    answered_by = []
    for n in range(4):      # over one keep-alive connection, as a browser sends them
        response, data, conn = _send(port, "POST", f"/save?n={n}", body=f"note={n}",
                                     headers={"Cookie": "session=xyz", "Content-Type": "text/plain"}, conn=conn)
        sent = json.loads(data)
        assert response.status == 201
        assert sent == {"method": "POST", "path": f"/save?n={n}", "body": f"note={n}", "cookie": "session=xyz",
                        "host": f"127.0.0.1:{port}"}
        assert response.getheader("Set-Cookie") == "session=abc; HttpOnly"
        answered_by.append(int(response.getheader("X-Proxy-Backend")))
    assert answered_by == [one.server_address[1], two.server_address[1]] * 2
    assert len(one.seen) == len(two.seen) == 2


def test_a_backend_that_refuses_connections_is_skipped_and_nothing_is_lost(running):
    alive = _backend(Echo)
    port = running(_nothing_listening(), alive.server_address[1])
    for n in range(3):
        response, data, _ = _send(port, "GET", f"/passport?n={n}")
        assert response.status == 200 and json.loads(data)["path"] == f"/passport?n={n}"
        assert int(response.getheader("X-Proxy-Backend")) == alive.server_address[1]
    assert len(alive.seen) == 3


def test_a_request_in_flight_on_a_backend_that_dies_is_a_502_naming_it_and_not_sent_again(running):
    dying, alive = _backend(DiesMidRequest), _backend(Echo)
    port = running(dying.server_address[1], alive.server_address[1])
    response, data, _ = _send(port, "POST", "/save", body="note=once")
    assert response.status == 502
    assert response.getheader("X-Proxy-Error") == "in flight"
    assert int(response.getheader("X-Proxy-Backend")) == dying.server_address[1]
    assert len(dying.seen) == 1 and alive.seen == []      # the save is not sent to the other backend


def test_when_no_backend_answers_the_answer_is_a_502_saying_so(running):
    port = running(_nothing_listening(), _nothing_listening())
    response, _, _ = _send(port, "GET", "/")
    assert response.status == 502 and response.getheader("X-Proxy-Error") == "no backend"
