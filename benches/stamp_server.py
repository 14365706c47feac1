"""A loopback HTTP/1.1 server that records when each connection's first request arrived,
from the kernel's receive timestamps (SO_TIMESTAMPNS), so a client's release spread
(first to last request arrival) is measured where it matters, not in the client.

Used by scripts/bench-peers. Answers every request with a tiny 200.

Reads wait while a burst arrives: on a machine with few cores a server reading and
answering during the release takes a core from the client it measures (a client that
spreads its writes over the cores loses the most). The kernel stamps each arrival when
it happens, so reading later changes no timestamp. Accepting goes on meanwhile, as a
client that connects during its burst needs.
"""
import selectors
import socket
import struct
import threading
import time

# How long reads wait after the first request of a burst (set up by take()): longer
# than any spread measured here.
HOLD_S = 0.5

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
        # The listener alone, for accepting while reads wait.
        self.accepting = selectors.DefaultSelector()
        self.accepting.register(self.listener, selectors.EVENT_READ, None)
        self.armed = True
        threading.Thread(target=self._loop, daemon=True).start()

    def take(self):
        """The stamps so far; the next burst's reads wait again."""
        with self.lock:
            stamps, self.stamps = self.stamps, []
            self.armed = True
        return stamps

    def count(self):
        with self.lock:
            return len(self.stamps)

    def _loop(self):
        hold_until = 0.0
        while True:
            wait = hold_until - time.monotonic()
            events = self.accepting.select(wait) if wait > 0 else self.sel.select()
            for key, _ in events:
                if key.data is None:
                    self._accept()
                    continue
                with self.lock:
                    start_hold = self.armed and key.data["first"]
                    self.armed = self.armed and not start_hold
                if start_hold:
                    hold_until = time.monotonic() + HOLD_S
                    break
                self._read(key.fileobj, key.data)

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(False)
            self.sel.register(conn, selectors.EVENT_READ, {"first": True})

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
