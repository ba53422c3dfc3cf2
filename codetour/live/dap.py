"""A small Debug Adapter Protocol client over a TCP socket (standard library only)."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from typing import Any

from codetour.errors import DapError


def connected_to_itself(sock: socket.socket) -> bool:
    """True for a TCP socket whose peer is itself (a loopback self-connect)."""
    try:
        return sock.getsockname() == sock.getpeername()
    except OSError:
        return False


class DapClient:
    """Sends requests, matches responses by ``request_seq``, queues events."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seq = 0
        self.lock = threading.Lock()
        self.responses: dict[int, dict] = {}
        self.commands: dict[int, str] = {}  # what each request asked, for messages
        self.response_ready = threading.Condition()
        self.events: queue.Queue[dict] = queue.Queue()
        self.closed = False
        self.reader = threading.Thread(target=self._read_loop, name="codetour-dap-reader", daemon=True)
        self.reader.start()

    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 15.0, alive=None) -> DapClient:
        """Connect, retrying while the adapter opens its port (it does so asynchronously)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if alive is not None and not alive():
                raise DapError("the debuggee exited before its debug server started")
            try:
                sock = socket.create_connection((host, port), timeout=2)
            except OSError as exc:
                last = exc
                time.sleep(0.1)
                continue
            if connected_to_itself(sock):
                # Nobody listens yet and the kernel picked the port itself as this socket's
                # source port: TCP's simultaneous open then connects the socket to itself, and
                # every request would come back as its own echo. Let the port go and try again.
                sock.close()
                last = OSError(f"port {port} connected to itself")
                time.sleep(0.1)
                continue
            sock.settimeout(None)
            return cls(sock)
        raise DapError(f"could not connect to the debugger on {host}:{port} within {timeout:.0f}s ({last})")

    # ------------------------------------------------------------------ wire
    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        with self.lock:
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _read_loop(self) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                header, buffer = buffer.split(b"\r\n\r\n", 1)
                length = 0
                for line in header.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(buffer) < length:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                message = json.loads(body)
                if message.get("type") == "response":
                    with self.response_ready:
                        self.responses[message["request_seq"]] = message
                        self.response_ready.notify_all()
                elif message.get("type") == "event":
                    self.events.put(message)
        except OSError:
            return
        finally:
            self.closed = True
            with self.response_ready:
                self.response_ready.notify_all()
            self.events.put({"type": "event", "event": "_closed"})

    # ------------------------------------------------------------------ API
    def send_request(self, command: str, arguments: dict | None = None) -> int:
        with self.lock:
            self.seq += 1
            seq = self.seq
            self.commands[seq] = command
        message: dict[str, Any] = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self._send(message)
        return seq

    def wait_response(self, seq: int, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.response_ready:
            while seq not in self.responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    what = self.commands.get(seq, f"request {seq}")
                    raise DapError(
                        f"the debugger did not answer {what!r} within {timeout:g}s"
                        if not self.closed
                        else f"the debugger closed the connection before answering {what!r}"
                    )
                self.response_ready.wait(remaining)
            response = self.responses.pop(seq)
            self.commands.pop(seq, None)
        if not response.get("success", False):
            raise DapError(f"debugger: {response.get('command')} failed: {response.get('message', 'no reason given')}")
        return response.get("body") or {}

    def request(self, command: str, arguments: dict | None = None, timeout: float = 15.0) -> dict:
        return self.wait_response(self.send_request(command, arguments), timeout)

    def wait_event(self, *names: str, timeout: float = 30.0) -> dict:
        """The next event named one of ``names`` (others are kept in ``self.seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DapError(f"timed out after {timeout:.0f}s waiting for {'/'.join(names)}")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.get("event") in names or event.get("event") == "_closed":
                return event
            self.on_other_event(event)

    def on_other_event(self, event: dict) -> None:
        """Hook for output/process/thread events while waiting (the session records output)."""

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
