"""A TCP proxy a test controls: it forwards 127.0.0.1:port to a target port until `cut()`, which
closes every connection and the listening socket (new connections are refused, as when the L1
node is down), and `restore()` listens again on the same port."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

from l1.processes import find_free_port

BUFFER = 65_536


class TcpProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.target_port = target_port
        self.port = find_free_port()
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.accepting: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cut()

    def restore(self) -> None:
        """Listen (again) and forward new connections."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        self.listener = listener
        self.accepting = threading.Thread(target=self.accept, args=(listener,), daemon=True)
        self.accepting.start()

    def cut(self) -> None:
        """Stop listening and close every open connection, both ends."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()  # the accept loop ends on the closed socket
        if self.accepting is not None:
            self.accepting.join(timeout=5)
        with self.lock:
            connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut()
            try:
                upstream = socket.create_connection((self.host, self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # cut while connecting
                    client.close()
                    upstream.close()
                    return
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(source, sink), daemon=True).start()


def pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes from `source` to `sink` until either closes."""
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
