"""A loopback HTTP/1.1 server that records when each connection's first request arrived,
from the kernel's receive timestamps (SO_TIMESTAMPNS), so a client's release spread
(first to last request arrival) is measured where it matters, not in the client.

Used by scripts/bench-peers. Answers every request with a tiny 200.
"""
import selectors
import socket
import struct
import threading

RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
# Linux's SO_TIMESTAMPNS (= SCM_TIMESTAMPNS); Python before 3.12 does not name it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


class StampServer:
    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit the flag, so even data that arrives before accept()
        # returns is stamped.
        self.listener.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8192)
        self.listener.setblocking(False)
        self.addr = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.stamps = []
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ, None)
        threading.Thread(target=self._loop, daemon=True).start()

    def take(self):
        with self.lock:
            stamps, self.stamps = self.stamps, []
        return stamps

    def count(self):
        with self.lock:
            return len(self.stamps)

    def _loop(self):
        while True:
            for key, _ in self.sel.select():
                if key.data is None:
                    while True:
                        try:
                            conn, _ = self.listener.accept()
                        except BlockingIOError:
                            break
                        conn.setblocking(False)
                        self.sel.register(conn, selectors.EVENT_READ, {"first": True})
                else:
                    self._read(key.fileobj, key.data)

    def _read(self, conn, state):
        try:
            data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.sel.unregister(conn)
            conn.close()
            return
        if state["first"]:
            state["first"] = False
            for level, kind, raw in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", raw[:16])
                    with self.lock:
                        self.stamps.append(sec * 1_000_000_000 + nsec)
        try:
            conn.sendall(RESPONSE * max(1, data.count(b"\r\n\r\n")))
        except OSError:
            pass
