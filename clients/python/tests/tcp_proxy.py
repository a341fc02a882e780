"""A TCP proxy in threads, for cutting a client's connections to the scheduler on purpose.

``cut()`` closes every open connection (both sides); ``refuse(True)`` makes new connections
close at once, as if the server were down. Connections are counted so tests can tell that
their cuts hit live streams.
"""
from __future__ import annotations

import socket
import threading
from typing import List, Tuple


class TcpProxy:
    def __init__(self, upstream: Tuple[str, int]) -> None:
        self.upstream = upstream
        self._lsock = socket.create_server(("127.0.0.1", 0))
        self.addr = "127.0.0.1:%d" % self._lsock.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: List[Tuple[socket.socket, socket.socket]] = []
        self._refusing = False
        self._closed = False
        #: Connections accepted and passed on; connections closed by cut().
        self.accepted = 0
        self.cut_connections = 0
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._lsock.accept()
            except OSError:
                return  # listening socket closed
            with self._lock:
                refusing = self._refusing or self._closed
            if refusing:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
                self.accepted += 1
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair_of(src)

    def _close_pair_of(self, s: socket.socket) -> bool:
        with self._lock:
            pair = next((p for p in self._pairs if s in p), None)
            if pair is None:
                return False
            self._pairs.remove(pair)
        for x in pair:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()
        return True

    def cut(self) -> int:
        """Closes every open connection; returns how many there were."""
        with self._lock:
            clients = [c for c, _ in self._pairs]
        n = sum(1 for c in clients if self._close_pair_of(c))
        with self._lock:
            self.cut_connections += n
        return n

    def refuse(self, on: bool) -> None:
        """While on, new connections are closed as soon as they are accepted."""
        with self._lock:
            self._refusing = on

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._lsock.close()
        self.cut()
