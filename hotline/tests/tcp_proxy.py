"""A TCP proxy that can freeze, for tests (and bench/load.py --db-fault freeze).

`FreezableProxy(("127.0.0.1", 5432))` listens on a free loopback port and forwards every
connection to the upstream server. `freeze()` turns it into what a network partition or a hung
server looks like from the client: new connections are still accepted (by the kernel, then
held), bytes sent are still acknowledged, but nothing is forwarded either way, so a client
waits for an answer that never comes. `thaw()` resumes forwarding, held connections included.
Not a closed port: a refused connection fails in microseconds, a frozen one never does.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class FreezableProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.stopped = threading.Event()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.accepted = 0

    def start(self) -> FreezableProxy:
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()
        return self

    def freeze(self) -> None:
        self.forwarding.clear()

    def thaw(self) -> None:
        self.forwarding.set()

    def close(self) -> None:
        self.stopped.set()
        self.forwarding.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._track(client)
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.forwarding.wait()  # a connection accepted while frozen is held until the thaw
        if self.stopped.is_set():
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        self._track(server)
        threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
        threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while not self.stopped.is_set():
                # While frozen, nothing is read: what the client sends waits in the kernel's
                # buffer, acknowledged, and no answer comes back.
                self.forwarding.wait()
                readable, _w, _x = select.select([source], [], [], 0.05)
                if not readable:
                    continue
                if not self.forwarding.is_set():
                    continue
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)
