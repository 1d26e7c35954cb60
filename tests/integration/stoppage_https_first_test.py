"""What a browser that tries HTTPS first (Chromium's HTTPS-Upgrades, on by default)
does on its way to the stop page, with Debian's Chromium headless on loopback: a
blocked name's http:// link is first tried as https:// on port 443 of the stop
page's address, and only after that fails does the browser fall back to http://
and the stop page. Three ways port 443 can behave are timed from the browser's own
network log (the https:// request's start to the stop page's response headers):

  closed  nothing listens: the kernel answers the SYN with a reset at once;
  tls     dnsstop-stoppage listens with the check host's certificate (https_listen
          on the stop page's address): the name does not match, the browser drops
          the connection after the handshake;
  silent  something takes the connection and never answers (a firewall that drops
          instead of rejecting, a load balancer without a backend): the browser
          waits out its fallback timer.

The stop page must be reached in every case; the figures are printed and recorded
in docs/stoppage.md. Needs root (ports 80 and 443 on a 127/8 address of its own).
Run by CTest."""

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import unittest

import harness as h
from stoppage_test import CHECK_HOST, CREATED, TEMPLATES, compile_check_list

STOPPAGE = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-stoppage")
BLOCKED = "blocked.example.com"  # a name under a public suffix: Chromium upgrades only those
RUNS = 3


def network_log_timing(path):
    """From Chromium's --log-net-log: (the first URL tried, ms from its request's
    start to the last response headers, that response's status line)."""
    with open(path) as log:
        netlog = json.load(log)
    names = {number: name for name, number in netlog["constants"]["logEventTypes"].items()}
    first_url = started = answered = status_line = None
    for event in netlog["events"]:
        name, params = names[event["type"]], event.get("params", {})
        if name == "REQUEST_ALIVE" and event.get("phase") == 1 and BLOCKED in params.get("url", "") and not first_url:
            first_url, started = params["url"], int(event["time"])
        if name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS" and started is not None:
            answered, status_line = int(event["time"]), params["headers"][0]
    return first_url, (answered - started if answered is not None else None), status_line


class HttpsFirstTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.directory = cls.temp.__enter__()
        cls.snapshot = os.path.join(cls.directory, "current.snap")
        compile_check_list(cls.directory, cls.snapshot, CREATED)
        cls.certificate = os.path.join(cls.directory, "cert.pem")
        cls.key = os.path.join(cls.directory, "key.pem")
        h.self_signed_certificate(cls.key, cls.certificate, f"DNS:{CHECK_HOST}")
        cls.chromium = shutil.which("chromium")
        cls.figures = {}

    @classmethod
    def tearDownClass(cls):
        if cls.figures:
            print("\ntime from the https:// attempt to the stop page, median of %d (ms): %s" % (
                RUNS, ", ".join(f"{case} {ms}" for case, ms in sorted(cls.figures.items()))))
        cls.temp.__exit__(None, None, None)

    def setUp(self):
        self.assertIsNotNone(self.chromium, "Debian's chromium is needed (scripts/setup.sh installs it)")
        # A loopback address of its own, so that ports 80 and 443 are free of other tests.
        self.address = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"

    def start_stoppage(self, https):
        config = os.path.join(self.directory, f"https-first-{https}.yaml")
        settings = {"http_listen": [f"{self.address}:80"], "operator_name": "Exempel Telekom AB",
                    "blocked_by_url": "https://operator.example/blocking",
                    "hotline_url": "https://hotline.example/report", "help_url": "https://help.example/",
                    "check_host": CHECK_HOST, "template_dir": TEMPLATES}
        if https:
            settings.update(https_listen=[f"{self.address}:443"], tls_certificate=self.certificate, tls_key=self.key)
        h.write_yaml(config, {"snapshot": {"path": self.snapshot}, "stoppage": settings})
        server = h.Process([STOPPAGE, "--config", config], os.path.join(self.directory, f"https-first-{https}.log"))
        self.addCleanup(server.stop)
        h.wait_until(lambda: not server.alive() or "stop page on http://" in server.log_text(), 15, "the server")
        self.assertTrue(server.alive(), server.log_text())

    def browse(self, case, run):
        profile = os.path.join(self.directory, f"chromium-{case}-{run}")
        netlog = os.path.join(self.directory, f"netlog-{case}-{run}.json")
        command = [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--accept-lang=en", "--lang=en",
                   # Only the blocked name resolves, to the test's own address; nothing leaves the machine.
                   f"--host-resolver-rules=MAP {BLOCKED} {self.address}, MAP * ~NOTFOUND",
                   f"--log-net-log={netlog}", "--dump-dom", f"http://{BLOCKED}/some/page"]
        dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
        self.assertIn("<h1>This website is blocked</h1>", dom, case)
        first_url, milliseconds, status_line = network_log_timing(netlog)
        self.assertEqual(first_url, f"https://{BLOCKED}/some/page", "the browser did not try HTTPS first")
        self.assertIn(" 451 ", status_line)
        return milliseconds

    def measure(self, case):
        median = statistics.median(self.browse(case, run) for run in range(RUNS))
        type(self).figures[case] = round(median)
        return median

    def test_port_443_closed_sends_the_browser_on_at_once(self):
        self.start_stoppage(https=False)
        self.assertLess(self.measure("closed"), 1000)

    def test_a_tls_listener_with_the_check_hosts_certificate_also_falls_back(self):
        self.start_stoppage(https=True)
        self.assertLess(self.measure("tls"), 1500)

    def test_a_silent_port_443_costs_the_browsers_fallback_timer(self):
        self.start_stoppage(https=False)
        with socket.socket() as silent:
            silent.bind((self.address, 443))
            silent.listen(64)  # the kernel completes handshakes; nobody ever answers
            self.assertGreater(self.measure("silent"), 2500)


if __name__ == "__main__":
    unittest.main(verbosity=2)
