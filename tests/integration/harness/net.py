# SPDX-License-Identifier: GPL-2.0-or-later
"""Small network stand-ins for tests: a port nobody listens on, and a peer that accepts
connections and never answers (a stalled server). Loopback only."""

import socket
import threading

__all__ = ["closed_port", "SilentServer"]


def closed_port(host="127.0.0.1"):
    """A port on host that refuses connections (bound once, then released)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class SilentServer:
    """Accepts TCP connections on loopback and never says a word: a stalled peer.
    Use as a context manager; .port is the port."""

    def __init__(self, host="127.0.0.1"):
        if host not in ("127.0.0.1", "::1"):
            raise ValueError("loopback only")
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                continue

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(2)
        for c in self.conns:
            c.close()
        self.sock.close()
