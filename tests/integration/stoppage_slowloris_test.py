"""dnsstop-stoppage under a slowloris on loopback: connections that trickle their
request head a byte at a time must neither outlive the request deadline nor, even
at twice max_connections and from the same address, keep a normal client from its
page. Bounded: each attack stops by itself after at most a minute. Run by CTest."""

import os
import socket
import time
import unittest

import harness as h
from slowloris import Slowloris
from stoppage_test import CREATED, StopPageServer, compile_check_list


def ask(port, timeout):
    """One request on a new connection, as a browser's first; the status, or 0 when
    no complete status line came within TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: blocked.example\r\nConnection: close\r\n\r\n")
            received = b""
            while b"\r\n" not in received and time.monotonic() < deadline:
                connection.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = connection.recv(4096)
                if not chunk:
                    break
                received += chunk
    except OSError:
        return 0
    if not received.startswith(b"HTTP/1.1 ") or b"\r\n" not in received:
        return 0
    return int(received.split()[1])


class SlowlorisTest(unittest.TestCase):
    def setUp(self):
        self.temp = h.TempDir()
        self.directory = self.temp.__enter__()
        self.addCleanup(self.temp.__exit__, None, None, None)
        self.snapshot = os.path.join(self.directory, "current.snap")
        compile_check_list(self.directory, self.snapshot, CREATED)

    def start(self, extra):
        server = StopPageServer(self.directory, self.snapshot, extra=extra)
        self.addCleanup(server.stop)
        return server

    def test_a_trickling_request_is_closed_at_the_deadline_for_the_whole_request(self):
        # A byte every 0.5 s resets any idle timer; the 2 s deadline still holds.
        server = self.start({"idle_timeout_seconds": 2})
        with Slowloris("127.0.0.1", server.http_port, connections=5, interval=0.5, seconds=20, max_connects=5) as attack:
            h.wait_until(lambda: attack.closed_by_server == 5, 10, "the server to close all five trickling requests")
        self.assertEqual(len(attack.lifetimes), 5)
        for lifetime in attack.lifetimes:
            self.assertGreaterEqual(lifetime, 1.9)
            self.assertLess(lifetime, 4.0)
        self.assertEqual(ask(server.http_port, timeout=5), 451)

    def test_twice_max_connections_from_the_same_address_do_not_starve_a_normal_client(self):
        max_connections = 50
        server = self.start({"max_connections": max_connections, "threads": 2})
        latencies = []
        with Slowloris("127.0.0.1", server.http_port, connections=2 * max_connections, interval=1.0,
                       seconds=60) as attack:
            h.wait_until(lambda: attack.most_open >= 2 * max_connections and
                         attack.closed_by_server >= max_connections, 20,
                         "the attack to open twice the cap and the server to evict the excess")
            # A client asking every 100 ms for 5 s, from the same address.
            for request in range(50):
                started = time.monotonic()
                status = ask(server.http_port, timeout=1.0)
                latency = time.monotonic() - started
                latencies.append(latency)
                self.assertEqual(status, 451, f"request {request}: no page within 1 s ({latency:.3f} s)")
                time.sleep(max(0.0, 0.1 - latency))  # the client's pace, not a wait for an event
            stats = attack.stats()
        self.assertTrue(server.process.alive())
        latencies.sort()
        print(f"\nslowloris of {2 * max_connections} connections (max_connections {max_connections}): "
              f"{len(latencies)} of {len(latencies)} answered, median {latencies[len(latencies) // 2] * 1000:.1f} ms, "
              f"slowest {latencies[-1] * 1000:.1f} ms; attack: {stats}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
