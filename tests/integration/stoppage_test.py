"""dnsstop-stoppage, the stop page and the consumer check, driven by real clients on
loopback: curl for status, headers, language, escaping, TLS, limits; raw sockets for
malformed and slow requests; headless Chromium for what a person sees (screenshots
go to the build directory). Run by CTest."""

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time
import unittest

import harness as h

STOPPAGE = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-stoppage")
TEMPLATES = os.path.join(h.SOURCE_DIR, "etc/stoppage")
SCREENSHOTS = os.path.join(h.OUTPUT_DIR, "stoppage-screenshots")
CHECK_HOST = "check.dnsstop.test"
OPERATOR = "Exempel Telekom AB"
BLOCKED_BY = "https://operator.example/blocking"
CREATED = 1_700_000_000


def curl(url, *options, timeout=20):
    """Returns (status, headers {lower name: value}, body text); status 0 when curl failed."""
    command = ["curl", "-s", "-D", "-", "--max-time", "10", *options, url]
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    text = result.stdout.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    if result.returncode != 0 or not lines[0].startswith("HTTP/"):
        return 0, {}, body
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def raw_exchange(port, data, timeout=5):
    """Sends bytes, returns everything the server sends until it closes (or timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
        return received


class PortTaken(RuntimeError):
    pass


class StopPageServer:
    """dnsstop-stoppage on 127.0.0.1 and ::1 with the test templates; `extra`: more
    keys of its `stoppage:` section ({key: value})."""

    def __init__(self, directory, snapshot, mode="stop_page", extra=None, https=False, templates=TEMPLATES):
        self.templates = templates
        # free_port() only finds a port free now; a parallel test may take it first,
        # so a start that lost the race is retried with new ports, a bounded number of times.
        for attempt in range(3):
            try:
                self.start(directory, snapshot, mode, extra, https)
                return
            except PortTaken:
                if attempt == 2:
                    raise

    def start(self, directory, snapshot, mode, extra, https):
        self.http_port = h.free_port()
        self.http6_port = h.free_port()
        self.https_port = h.free_port() if https else None
        self.metrics_port = h.free_port()
        self.config_path = os.path.join(directory, f"stoppage-{mode}.yaml")
        settings = {
            "mode": mode, "http_listen": [f"127.0.0.1:{self.http_port}", f"[::1]:{self.http6_port}"],
            "operator_name": OPERATOR, "blocked_by_url": BLOCKED_BY,
            "hotline_url": "https://hotline.example/report", "help_url": "https://help.example/",
            "check_host": CHECK_HOST, "template_dir": self.templates,
            "metrics_listen": [f"127.0.0.1:{self.metrics_port}"],
        }
        if https:
            self.certificate = os.path.join(directory, "cert.pem")
            key = os.path.join(directory, "key.pem")
            h.self_signed_certificate(key, self.certificate, f"DNS:{CHECK_HOST}")
            settings.update(https_listen=[f"127.0.0.1:{self.https_port}"], tls_certificate=self.certificate,
                            tls_key=key)
        h.write_yaml(self.config_path, {"snapshot": {"path": snapshot, "check_interval_ms": 100},
                                        "stoppage": {**settings, **(extra or {})}})
        self.process = h.Process([STOPPAGE, "--config", self.config_path],
                                 os.path.join(directory, f"stoppage-{mode}.log"))
        h.wait_until(lambda: not self.process.alive() or h.listening(self.http_port), 15, "the stop page server")
        if not self.process.alive():
            log = self.process.log_text()
            self.process.stop()
            raise (PortTaken if "Address already in use" in log else RuntimeError)("dnsstop-stoppage did not start:\n" + log)

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def metrics(self):
        status, _, body = curl(f"http://127.0.0.1:{self.metrics_port}/metrics")
        assert status == 200, status
        counters = {}
        for line in body.splitlines():
            if line.startswith("dnsstop_stoppage_responses_total{"):
                labels, value = line.rsplit(" ", 1)
                counters[labels[len("dnsstop_stoppage_responses_total"):]] = int(value)
        return counters

    def stop(self):
        self.process.stop()


def compile_check_list(directory, snapshot, created):
    h.compile_snapshot(snapshot, [("police", "stoppage", f"{CHECK_HOST}\nblocked.example\n")], created=created)


class StopPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.directory = cls.temp.__enter__()
        cls.snapshot = os.path.join(cls.directory, "current.snap")
        compile_check_list(cls.directory, cls.snapshot, CREATED)
        cls.server = StopPageServer(cls.directory, cls.snapshot, https=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.temp.__exit__(None, None, None)

    def test_every_host_and_path_gets_451_with_the_blocking_headers(self):
        for host, path in [("blocked.example", "/"), ("www.blocked.example:8080", "/a/b?c=d"), ("", "/x")]:
            status, headers, body = curl(self.server.url(path), "-H", f"Host: {host}")
            self.assertEqual(status, 451, (host, path))
            self.assertEqual(headers["link"], f"<{BLOCKED_BY}>; rel=\"blocked-by\"")
            self.assertEqual(headers["cache-control"], "no-store")
            self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
            self.assertNotIn("set-cookie", headers)
            self.assertIn("sexuella övergrepp på barn", body)
            self.assertIn("https://hotline.example/report", body)
            self.assertIn("https://help.example/", body)
        status, headers, body = curl(f"http://[::1]:{self.server.http6_port}/", "-H", "Host: blocked.example")
        self.assertEqual(status, 451)
        self.assertIn('<span class="host">blocked.example</span>', body)
        # HEAD and POST get the same answer.
        status, headers, _ = curl(self.server.url(), "-I")
        self.assertEqual(status, 451)
        status, _, _ = curl(self.server.url("/form"), "--data", "a=1")
        self.assertEqual(status, 451)

    def test_language_follows_accept_language_with_swedish_by_default(self):
        cases = [(None, "sv"), ("en-US,en;q=0.9", "en"), ("sv-SE,en;q=0.5", "sv"), ("de, en;q=0.3, sv;q=0.2", "en"),
                 ("fr", "sv"), ("en;q=0", "sv")]
        for accept, expected in cases:
            options = ["-H", "Host: blocked.example"] + (["-H", f"Accept-Language: {accept}"] if accept else [])
            status, headers, body = curl(self.server.url(), *options)
            self.assertEqual(status, 451)
            self.assertEqual(headers["content-language"], expected, accept)
            self.assertIn(f'<html lang="{expected}">', body)
        _, _, english = curl(self.server.url(), "-H", "Accept-Language: en")
        self.assertIn("The police have assessed that this website contains sexual abuse of children.", english)
        self.assertIn("is a crime", english)

    def test_hostile_host_header_is_shown_escaped(self):
        hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>.example"
        status, _, body = curl(self.server.url(), "-H", f"Host: {hostile}")
        self.assertEqual(status, 451)
        self.assertNotIn("<script>", body)
        self.assertNotIn("<img", body)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;.example",
                      body)

    def test_host_bytes_that_are_not_utf8_are_shown_as_replacement_characters(self):
        reply = raw_exchange(self.server.http_port, b"GET / HTTP/1.1\r\nHost: a\xff\xfe\xc0b.example\r\n"
                             b"Connection: close\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 451 "), reply[:80])
        self.assertIn('<span class="host">a\ufffd\ufffd\ufffdb.example</span>'.encode(), reply)
        self.assertNotIn(b"\xff", reply)
        reply.split(b"\r\n\r\n", 1)[1].decode("utf-8")  # the page is valid UTF-8

    def test_check_host_says_the_operator_blocks_with_list_facts(self):
        status, headers, body = curl(self.server.url(), "-H", f"Host: {CHECK_HOST}", "-H", "Accept-Language: en")
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertNotIn("link", headers)
        self.assertIn("Your operator blocks", body)
        self.assertIn(OPERATOR, body)
        self.assertIn("List: police, version 0, published 2023-11-14 22:13 UTC", body)
        status, headers, body = curl(self.server.url("/check.json"), "-H", f"Host: {CHECK_HOST.upper()}.")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        facts = json.loads(body)
        self.assertEqual((facts["blocked"], facts["operator"], facts["list"], facts["serial"]),
                         (True, OPERATOR, "police", 0))
        self.assertEqual(facts["published_unix"], CREATED)
        self.assertAlmostEqual(facts["age_seconds"], time.time() - CREATED, delta=120)

    def test_check_facts_follow_a_new_snapshot(self):
        compile_check_list(self.directory, self.snapshot, CREATED + 3600)

        def published():
            _, _, body = curl(self.server.url("/check.json"), "-H", f"Host: {CHECK_HOST}")
            return json.loads(body).get("published_unix")

        try:
            h.wait_until(lambda: published() == CREATED + 3600, 5, "the server to read the new snapshot")
        finally:
            compile_check_list(self.directory, self.snapshot, CREATED)
            h.wait_until(lambda: published() == CREATED, 5, "the server to read the old snapshot again")

    def test_https_on_the_check_host_with_the_operators_certificate(self):
        url = f"https://{CHECK_HOST}:{self.server.https_port}/check.json"
        status, _, body = curl(url, "--cacert", self.server.certificate, "--resolve",
                               f"{CHECK_HOST}:{self.server.https_port}:127.0.0.1")
        self.assertEqual(status, 200)
        self.assertTrue(json.loads(body)["blocked"])
        # Any other name on the HTTPS port fails certificate verification, as a
        # browser would: the operator holds no certificate for a blocked name.
        status, _, _ = curl(f"https://blocked.example:{self.server.https_port}/", "--cacert", self.server.certificate,
                            "--resolve", f"blocked.example:{self.server.https_port}:127.0.0.1")
        self.assertEqual(status, 0)

    def test_oversize_requests_are_refused_and_the_server_carries_on(self):
        status, _, _ = curl(self.server.url(), "-H", "X-Filler: " + "a" * 20000)
        self.assertEqual(status, 431)
        status, _, _ = curl(self.server.url("/" + "a" * 20000))
        self.assertEqual(status, 414)
        body_file = os.path.join(self.directory, "big.body")
        with open(body_file, "wb") as out:
            out.write(b"\0" * (4 << 20))
        status, _, _ = curl(self.server.url(), "-H", "Expect:", "--data-binary", f"@{body_file}")
        self.assertNotEqual(status, 451)  # the connection is closed instead of reading 4 MiB
        self.assertEqual(curl(self.server.url())[0], 451)

    def test_malformed_requests_are_refused_and_the_server_carries_on(self):
        # HTTP/1.1 without Host is well-formed enough for a 400.
        reply = raw_exchange(self.server.http_port, b"GET / HTTP/1.1\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply[:80])
        # Garbage, a TLS handshake on the HTTP port, a header without a colon, an
        # unknown HTTP version: an error status or the connection closed, never a
        # page, never a crash.
        for request in [b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64,
                        b"GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n", b"GET / HTTP/9.9\r\nHost: a\r\n\r\n"]:
            reply = raw_exchange(self.server.http_port, request)
            self.assertTrue(reply == b"" or reply.startswith((b"HTTP/1.1 400 ", b"HTTP/1.1 505 ")), (request, reply[:80]))
        self.assertEqual(curl(self.server.url())[0], 451)
        self.assertTrue(self.server.process.alive())

    def test_no_access_log(self):
        curl(self.server.url("/secret-path-1234"), "-H", "Host: logged.example")
        log = self.server.process.log_text()
        self.assertNotIn("secret-path-1234", log)
        self.assertNotIn("logged.example", log)
        for line in log.splitlines():
            self.assertRegex(line, r"^<6>dnsstop-stoppage: (stop page|metrics) on https?://")

    def test_counters_per_page_and_language(self):
        before = self.server.metrics()
        curl(self.server.url(), "-H", "Accept-Language: en")
        curl(self.server.url(), "-H", "Accept-Language: en")
        curl(self.server.url(), "-H", f"Host: {CHECK_HOST}")
        curl(self.server.url("/check.json"), "-H", f"Host: {CHECK_HOST}")
        after = self.server.metrics()
        delta = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
        self.assertEqual(delta, {'{page="stop",language="en"}': 2, '{page="check",language="sv"}': 1,
                                 '{page="check_json",language="sv"}': 1})
        status, _, _ = curl(f"http://127.0.0.1:{self.server.metrics_port}/other")
        self.assertEqual(status, 404)

    def test_chromium_renders_the_stop_page(self):
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "Debian's chromium is needed (scripts/setup.sh installs it)")
        os.makedirs(SCREENSHOTS, exist_ok=True)
        for language, heading in [("sv", "Webbplatsen är blockerad"), ("en", "This website is blocked")]:
            def browse(*mode):
                profile = os.path.join(self.directory, f"chromium-{language}-{mode[0][2:6]}")
                command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", "--window-size=1024,768", f"--accept-lang={language}",
                           f"--lang={language}", "--host-resolver-rules=MAP blocked.example 127.0.0.1", *mode,
                           f"http://blocked.example:{self.server.http_port}/some/page"]
                return subprocess.run(command, capture_output=True, text=True, timeout=90)
            screenshot = os.path.join(SCREENSHOTS, f"stop.{language}.png")
            if os.path.exists(screenshot):
                os.remove(screenshot)
            browse(f"--screenshot={screenshot}")
            with open(screenshot, "rb") as image:
                data = image.read()
            self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"), screenshot)
            self.assertGreater(len(data), 10000, "a blank page compresses to far less")
            dom = browse("--dump-dom").stdout
            self.assertIn(f"<h1>{heading}</h1>", dom)
            self.assertIn('<span class="host">blocked.example</span>', dom)
            self.assertIn(OPERATOR, dom)


class ReloadTest(unittest.TestCase):
    def test_sighup_reloads_templates_and_texts_without_dropping_connections(self):
        with h.TempDir() as directory:
            snapshot = os.path.join(directory, "current.snap")
            compile_check_list(directory, snapshot, CREATED)
            templates = os.path.join(directory, "templates")
            shutil.copytree(TEMPLATES, templates)
            server = StopPageServer(directory, snapshot, templates=templates)
            self.addCleanup(server.stop)
            request = b"GET / HTTP/1.1\r\nHost: blocked.example\r\nAccept-Language: en\r\n\r\n"
            with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as kept_alive:
                kept_alive.sendall(request)
                self.assertIn(b"This website is blocked", read_response(kept_alive))

                stop_page = os.path.join(templates, "stop.en.html")
                with open(stop_page) as page:
                    text = page.read()
                with open(stop_page, "w") as page:
                    page.write(text.replace("This website is blocked", "Reloaded: this website is blocked"))
                with open(server.config_path) as config:
                    settings = config.read()
                with open(server.config_path, "w") as config:
                    config.write(settings.replace(OPERATOR, "Nytt Namn AB") + "  threads: 3\n")
                server.process.signal(signal.SIGHUP)
                h.wait_until(lambda: "reloaded the texts" in server.process.log_text(), 10, "the reload")
                self.assertIn("stoppage.threads changed; it takes effect at the next restart",
                              server.process.log_text())

                # The same connection, still open, gets the new page.
                kept_alive.sendall(request)
                body = read_response(kept_alive)
                self.assertIn(b"Reloaded: this website is blocked", body)
                self.assertIn("Nytt Namn AB".encode(), body)

                # A template that cannot be used leaves the pages as they were.
                with open(stop_page, "w") as page:
                    page.write("{{no_such_field}}")
                server.process.signal(signal.SIGHUP)
                h.wait_until(lambda: "reload refused" in server.process.log_text(), 10, "the refusal")
                self.assertIn("no_such_field", server.process.log_text())
                kept_alive.sendall(request)
                self.assertIn(b"Reloaded: this website is blocked", read_response(kept_alive))
            self.assertTrue(server.process.alive())


def read_response(connection, timeout=10):
    """One HTTP response with Content-Length from a kept-alive connection."""
    received = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in received and time.monotonic() < deadline:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length and time.monotonic() < deadline:
        body += connection.recv(65536)
    return body


class LimitsTest(unittest.TestCase):
    def setUp(self):
        self.temp = h.TempDir()
        self.directory = self.temp.__enter__()
        self.addCleanup(self.temp.__exit__, None, None, None)
        self.snapshot = os.path.join(self.directory, "current.snap")
        compile_check_list(self.directory, self.snapshot, CREATED)

    def start(self, **kwargs):
        server = StopPageServer(self.directory, self.snapshot, **kwargs)
        self.addCleanup(server.stop)
        return server

    def test_slow_clients_are_dropped_after_the_idle_timeout(self):
        server = self.start(extra={"idle_timeout_seconds": 2})
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: sl")
            started = time.monotonic()
            # Meanwhile others are served.
            self.assertEqual(curl(server.url())[0], 451)
            try:
                closed = slow.recv(1024) == b""
            except ConnectionResetError:
                closed = True
            self.assertTrue(closed)
            self.assertLess(time.monotonic() - started, 6)

    def test_a_connection_beyond_the_cap_evicts_the_one_that_waited_longest(self):
        server = self.start(extra={"max_connections": 8, "threads": 1})
        idle = [socket.create_connection(("127.0.0.1", server.http_port), timeout=5) for _ in range(8)]
        try:
            # The ninth is answered; the first idle one, which has waited longest
            # without a request, is closed to make room, and only that one.
            self.assertEqual(curl(server.url(), "--max-time", "2")[0], 451)
            self.assertEqual(idle[0].recv(1024), b"")
            readable, _, _ = select.select(idle[1:], [], [], 0.2)
            self.assertEqual(readable, [])
        finally:
            for connection in idle:
                connection.close()

    def test_public_check_mode_says_not_blocked(self):
        server = self.start(mode="public_check")
        status, headers, body = curl(server.url(), "-H", f"Host: {CHECK_HOST}", "-H", "Accept-Language: en")
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertIn("Your operator does NOT block", body)
        status, _, body = curl(server.url("/check.json"), "-H", f"Host: {CHECK_HOST}")
        self.assertEqual(json.loads(body)["blocked"], False)

    def test_refuses_to_start_without_the_pages_texts(self):
        config = os.path.join(self.directory, "incomplete.yaml")
        h.write_yaml(config, {"snapshot": {"path": self.snapshot},
                              "stoppage": {"http_listen": [f"127.0.0.1:{h.free_port()}"], "operator_name": "X",
                                           "template_dir": TEMPLATES}})
        result = subprocess.run([STOPPAGE, "--config", config], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn("stoppage.blocked_by_url is required", result.stderr)

    def test_stops_on_sigterm(self):
        server = self.start()
        server.process.signal(signal.SIGTERM)
        server.process.process.wait(timeout=10)
        self.assertEqual(server.process.process.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
