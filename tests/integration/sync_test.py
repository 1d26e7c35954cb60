"""Signed list distribution end to end: dnsstop-publish writes a signed list, a real
nginx (Debian's nginx-light) serves it over HTTPS on 127.0.0.1 with a test CA
made by the openssl CLI (harness.Nginx, harness.TestCa), dnsstop-sync fetches and
verifies it, and a real Unbound with the module answers from the snapshot it
publishes. Each rejection reason has
its own case; after every rejection the last good list must still be answered.
Nothing listens beyond 127.0.0.1. Run by CTest."""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest
import urllib.request

import harness as h
from harness import run

PUBLISH = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-publish")
SYNC = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-sync")
MINISIGN = shutil.which("minisign") or "/usr/bin/minisign"
NOW = int(time.time())


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers: a hung server."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        try:
            while True:
                self.connections.append(self.socket.accept()[0])
        except OSError:
            pass

    def stop(self):
        self.socket.close()
        for connection in self.connections:
            connection.close()


class SyncConfig:
    """The one YAML file both Unbound's module and dnsstop-sync read."""

    def __init__(self, directory, ca, url, keys, protected_names=(), **options):
        self.directory = directory
        self.protected_names = list(protected_names)
        self.snapshot = os.path.join(directory, "current.snap")
        self.ca = ca
        self.url = url
        self.keys = keys
        self.options = {"poll_seconds": 10, "max_skipped_percent": 10, **options}
        self.metrics = os.path.join(directory, "sync.prom")
        self.path = os.path.join(directory, "dnsstop.yaml")
        self.metrics_port = None

    def data(self):
        police = {"name": "police", "action": "stoppage", "url": self.url, "ca_file": self.ca.cert,
                  "public_keys": list(self.keys), **self.options}
        sync = {"state_dir": f"{self.directory}/state", "metrics_textfile": self.metrics, "timeout_seconds": 2}
        if self.metrics_port:
            sync["metrics_listen"] = [f"127.0.0.1:{self.metrics_port}"]
        data = {"snapshot": {"path": self.snapshot, "check_interval_ms": 100},
                "answers": {"stoppage_ipv4": [h.STOP_PAGE_V4], "ttl": 60}}
        if self.protected_names:
            data["protected_names"] = self.protected_names
        # lists, then sync, last: the RPZ test adds lists before `sync:` and keys after it.
        data["lists"] = [police]
        data["sync"] = sync
        return data

    def yaml(self):
        return h.yaml_text(self.data())

    def write(self):
        with open(self.path, "w") as out:
            out.write(self.yaml())
        return self.path


def public_key_line(path):
    with open(path) as key:
        return key.read().splitlines()[1]


class SyncTestCase(unittest.TestCase):
    """nginx, the test CA, the keys and NSD once; a served directory, state and
    Unbound per test; helpers to publish, serve, sync and look. guard_rails_test.py
    uses them too."""

    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.dir = cls.temp.__enter__()
        os.chmod(cls.dir, 0o755)
        cls.ca = h.TestCa(cls.dir)
        cls.www = os.path.join(cls.dir, "www")
        os.makedirs(os.path.join(cls.www, "police"))
        cls.nginx = h.Nginx(cls.dir, cls.ca, cls.www)
        cls.key = cls.keygen("key")
        cls.other_key = cls.keygen("other")
        cls.nsd = h.Nsd(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.nsd.stop()
        cls.nginx.stop()
        cls.temp.__exit__(None, None, None)

    @classmethod
    def keygen(cls, name):
        run([PUBLISH, "keygen", "-p", os.path.join(cls.dir, f"{name}.pub"), "-s", os.path.join(cls.dir, f"{name}.key")])
        return name

    def setUp(self):
        # Each test gets its own served directory, state and Unbound.
        self.case = os.path.join(self.dir, self.id().rsplit(".", 1)[1])
        self.served = os.path.join(self.www, os.path.basename(self.case))
        os.makedirs(self.case)
        os.makedirs(self.served)
        self.publish_dir = os.path.join(self.case, "publish")
        os.makedirs(self.publish_dir)
        self.unbound = None

    def tearDown(self):
        if self.unbound:
            self.unbound.stop()

    def publish(self, text, key="key", name="police", out=None, extra=()):
        list_path = os.path.join(self.case, "input.list")
        with open(list_path, "w") as listing:
            listing.write(text)
        return run([PUBLISH, "publish", "-s", os.path.join(self.dir, f"{key}.key"), "-n", name, *extra, list_path,
                    out or self.publish_dir])

    served_versions = 0

    def serve(self, source=None):
        """Makes the served directory an exact copy of `source` (the publisher's).
        nginx's ETag is the file's mtime (in seconds) and size, so each version gets
        its own mtime, as publications seconds apart would."""
        shutil.rmtree(self.served)
        shutil.copytree(source or self.publish_dir, self.served)
        SyncTestCase.served_versions += 1
        for file in os.listdir(self.served):
            stamp = NOW - 100000 + 10 * SyncTestCase.served_versions
            os.utime(os.path.join(self.served, file), (stamp, stamp))

    def served_file(self, name):
        return os.path.join(self.served, name)

    def config(self, keys=("key",), url=None, protected_names=(), **options):
        config = SyncConfig(self.case, self.ca, url or self.nginx.url(f"{os.path.basename(self.served)}/police.manifest"),
                            [public_key_line(os.path.join(self.dir, f"{key}.pub")) for key in keys],
                            protected_names=protected_names, **options)
        config.write()
        return config

    def sync(self, config):
        return run([SYNC, "--config", config.path, "--once"], timeout=30, check=False)

    def metric(self, config, name, **labels):
        label_text = ",".join(f'{key}="{value}"' for key, value in {"list": "police", **labels}.items())
        with open(config.metrics) as metrics:
            match = re.search(rf"^{name}\{{{re.escape(label_text)}\}} (\d+)$", metrics.read(), re.M)
        return int(match.group(1)) if match else None

    def start_unbound(self, config):
        self.unbound = h.Unbound(self.case, self.nsd.port, config)

    def assert_blocked(self, name, blocked=True):
        def check():
            answer = h.ask(self.unbound.port, name)
            return (answer.data("A") == [h.STOP_PAGE_V4]) == blocked
        h.wait_until(check, 5, f"{name} to be {'blocked' if blocked else 'resolved'}")

    def assert_rejected(self, config, reason, serial):
        result = self.sync(config)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr, rf"<3>dnsstop-sync: list police: rejected \({reason}\): .*; keeping serial {serial}")
        self.assertEqual(len([line for line in result.stderr.splitlines() if "rejected" in line]), 1, result.stderr)
        # Each --once run is a new process, whose counters start at zero.
        self.assertEqual(self.metric(config, "dnsstop_sync_failures_total", reason=reason), 1)
        self.assertEqual(self.metric(config, "dnsstop_sync_list_serial"), serial)
        self.assert_blocked("www.example.com")
        return result

    def first_sync(self, config=None, text="example.com\nlisted.net\n"):
        self.publish(text)
        self.serve()
        config = config or self.config()
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 1 as a full list", result.stderr)
        self.start_unbound(config)
        self.assert_blocked("www.example.com")
        return config

    def start_daemon(self, config):
        daemon = h.Process([SYNC, "--config", config.path], os.path.join(self.case, "sync.log"))
        self.addCleanup(daemon.stop)
        return daemon


class SyncTest(SyncTestCase):
    def test_first_sync_then_unchanged_poll_is_one_conditional_request(self):
        config = self.first_sync()
        self.assert_blocked("clean.org", blocked=False)
        self.assertEqual(self.metric(config, "dnsstop_sync_list_entries"), 2)
        with open(self.served_file("police.manifest")) as manifest:
            expires = int(re.search(r"^expires (\d+)$", manifest.read(), re.M).group(1))
        self.assertEqual(self.metric(config, "dnsstop_sync_list_expiry_timestamp_seconds"), expires)
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.metric(config, "dnsstop_sync_requests_total"), 1)
        self.assertNotIn("accepted", result.stderr)

    def test_delta_sync(self):
        config = self.first_sync()
        self.publish("example.com\nlisted.net\nlate.org\n")
        self.serve()
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 2 by delta from 1", result.stderr)
        self.assert_blocked("www.late.org")
        # A damaged delta falls back to the full list.
        self.publish("example.com\nlate.org\n")
        self.serve()
        with open(self.served_file("police-2-3.delta"), "a") as delta:
            delta.write("+extra.example\n")
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("delta from serial 2 unusable", result.stderr)
        self.assertIn("accepted serial 3 as a full list", result.stderr)
        self.assert_blocked("www.listed.net", blocked=False)

    def test_key_rotation(self):
        config = self.first_sync(self.config(keys=("key", "other")))
        self.publish("example.com\nlate.org\n", key="other")
        self.serve()
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 2", result.stderr)
        self.assert_blocked("late.org")

    def test_publisher_refuses_a_manifest_that_is_already_expired(self):
        out = os.path.join(self.case, "expired")
        os.makedirs(out)
        list_path = os.path.join(self.case, "input.list")
        with open(list_path, "w") as listing:
            listing.write("example.com\n")
        result = run([PUBLISH, "publish", "-s", os.path.join(self.dir, "key.key"), "-n", "police", "--created",
                      str(NOW - 100), "--lifetime", "50", list_path, out], check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"the manifest would expire at {NOW - 50} (created {NOW - 100} + lifetime 50 s), which is "
                      "not after now", result.stderr)
        self.assertIn("every resolver would reject it as expired", result.stderr)
        self.assertEqual(os.listdir(out), [])

    def test_stock_minisign_signature(self):
        secret, public = os.path.join(self.case, "minisign.key"), os.path.join(self.case, "minisign.pub")
        run([MINISIGN, "-G", "-W", "-p", public, "-s", secret])
        shutil.copy(public, os.path.join(self.dir, "stock.pub"))
        self.publish("example.com\n")
        manifest = os.path.join(self.publish_dir, "police.manifest")
        with open(manifest) as text:
            expires = re.search(r"^expires (\d+)$", text.read(), re.M).group(1)
        run([MINISIGN, "-S", "-s", secret, "-m", manifest, "-t", f"dnsstop list=police serial=1 expires={expires}"])
        self.serve()
        config = self.config(keys=("stock",))
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 1", result.stderr)

    def test_keys_are_interchangeable_with_the_stock_minisign(self):
        # dnsstop-publish signs with a key the stock tool made; dnsstop-sync accepts it.
        run([MINISIGN, "-G", "-W", "-p", os.path.join(self.dir, "stock-made.pub"), "-s",
             os.path.join(self.dir, "stock-made.key")])
        self.publish("example.com\n", key="stock-made")
        self.serve()
        result = self.sync(self.config(keys=("stock-made",)))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 1", result.stderr)
        # The stock tool signs with a key dnsstop-publish made, and verifies it.
        data = os.path.join(self.case, "data.txt")
        with open(data, "w") as text:
            text.write("example.com\n")
        run([MINISIGN, "-S", "-W", "-s", os.path.join(self.dir, "key.key"), "-m", data])
        run([MINISIGN, "-V", "-p", os.path.join(self.dir, "key.pub"), "-m", data])

    def test_password_protected_stock_key_reads_its_password_from_stdin(self):
        # minisign's default key is scrypt-encrypted (1 GiB, about a second per use).
        secret = os.path.join(self.case, "protected.key")
        public = os.path.join(self.case, "protected.pub")
        subprocess.run([MINISIGN, "-G", "-p", public, "-s", secret], input="correct horse\ncorrect horse\n",
                       capture_output=True, text=True, timeout=120, check=True)
        list_path = os.path.join(self.case, "input.list")
        with open(list_path, "w") as listing:
            listing.write("example.com\n")
        command = [PUBLISH, "publish", "-s", secret, "-n", "police", list_path, self.publish_dir]
        wrong = subprocess.run(command, input="wrong horse\n", capture_output=True, text=True, timeout=120)
        self.assertEqual(wrong.returncode, 1, wrong.stderr)
        self.assertIn("secret key: wrong password", wrong.stderr)
        self.assertEqual(os.listdir(self.publish_dir), [])
        right = subprocess.run(command, input="correct horse\n", capture_output=True, text=True, timeout=120)
        self.assertEqual(right.returncode, 0, right.stderr)
        manifest = os.path.join(self.publish_dir, "police.manifest")
        run([MINISIGN, "-V", "-p", public, "-m", manifest])

    def test_each_rejection_keeps_the_last_good_list(self):
        config = self.first_sync()
        good = os.path.join(self.case, "good-1")
        shutil.copytree(self.publish_dir, good)

        def attack(text, reason, key="key", name="police", extra=("--keep-deltas", "0"), mutate=None, fresh=False):
            out = os.path.join(self.case, f"attack-{reason}")
            if fresh:
                os.makedirs(out)
            else:
                shutil.copytree(good, out)
            self.publish(text, key=key, name=name, out=out, extra=extra)
            if name != "police":
                for file in os.listdir(out):
                    if file.startswith(name + "."):
                        os.rename(os.path.join(out, file), os.path.join(out, "police" + file[len(name):]))
            self.serve(out)
            if mutate:
                mutate()
            self.assert_rejected(config, reason, 1)
            self.assert_blocked("late.org", blocked=False)

        def wait_for_expiry():
            # dnsstop-publish refuses to publish an expired manifest; this one lives 1 s.
            with open(self.served_file("police.manifest")) as text:
                expires = int(re.search(r"^expires (\d+)$", text.read(), re.M).group(1))
            h.wait_until(lambda: time.time() >= expires + 1, 5, "the published manifest to expire")

        def edit(name, change):
            path = self.served_file(name)
            with open(path, "rb") as data:
                content = data.read()
            with open(path, "wb") as data:
                data.write(change(content))
            os.utime(path, (NOW - 50, NOW - 50))

        attack("example.com\nlate.org\n", "bad_signature",
               mutate=lambda: edit("police.manifest", lambda data: data.replace(b"serial 2", b"serial 9")))
        attack("example.com\nlate.org\n", "missing_signature",
               mutate=lambda: os.remove(self.served_file("police.manifest.minisig")))
        attack("example.com\nlate.org\n", "unknown_key", key="other")
        attack("example.com\nlate.org\n", "wrong_list", name="other")
        attack("late.org\n", "rollback", extra=("--serial", "1"), fresh=True)  # same serial, other content
        attack("late.org\n", "expired", extra=("--lifetime", "1", "--keep-deltas", "0"), mutate=wait_for_expiry)
        attack("example.com\nlate.org\n", "truncated",
               mutate=lambda: edit("police-2.list", lambda data: data[:-3]))
        attack("example.com\nlate.org\n", "oversized",
               mutate=lambda: edit("police-2.list", lambda data: data + b"more.example\n"))
        attack("example.com\nlate.org\n", "hash_mismatch",
               mutate=lambda: edit("police-2.list", lambda data: data.replace(b"late", b"lat3")))
        attack("example.com\nlate.org\nbad..name\nhttp://x.example/path\n", "bad_lines")
        # A replayed old list (serial 1, as first accepted) is simply unchanged...
        self.serve(good)
        self.assertEqual(self.sync(config).returncode, 0)
        # ...but once serial 2 is accepted, serving serial 1 again is a rollback.
        self.publish("example.com\nlate.org\n")
        self.serve()
        self.assertEqual(self.sync(config).returncode, 0)
        self.assert_blocked("late.org")
        self.serve(good)
        self.assert_rejected(config, "rollback", 2)
        self.assert_blocked("late.org")

    def test_transport_failures_keep_the_last_good_list(self):
        config = self.first_sync()
        served = os.path.basename(self.served)
        silent = SilentServer()
        self.addCleanup(silent.stop)
        cases = [
            ("network", "https://127.0.0.1:%d/police.manifest" % h.free_port()),  # server down
            ("network", self.nginx.url("broken/police.manifest")),                 # HTTP 500
            ("network", "https://127.0.0.1:%d/police.manifest" % silent.port),      # hangs
            ("tls", self.nginx.url(f"{served}/police.manifest", port=self.nginx.wrong_port)),
            ("plain_http", self.nginx.url(f"to-plain-http/{served}/police.manifest")),
        ]
        for reason, url in cases:
            with self.subTest(reason=reason, url=url):
                broken = SyncConfig(config.directory, self.ca, url, config.keys, **config.options)
                broken.write()
                started = time.monotonic()
                self.assert_rejected(broken, reason, 1)
                self.assertLess(time.monotonic() - started, 15)

    def test_restart_without_network_still_blocks(self):
        config = self.first_sync()
        os.remove(config.snapshot)
        offline = SyncConfig(config.directory, self.ca, "https://127.0.0.1:%d/police.manifest" % h.free_port(),
                             config.keys, **config.options)
        offline.write()
        result = self.sync(offline)
        self.assertEqual(result.returncode, 1)
        self.assertIn("published snapshot", result.stderr)
        self.assert_blocked("www.example.com")

    def test_daemon_applies_a_delta_within_seconds_and_survives_kill_9(self):
        base = "".join(f"base{i}.example\n" for i in range(20000))
        config = self.first_sync(self.config(poll_seconds=1), text="example.com\n" + base)
        config.metrics_port = h.free_port()
        config.write()
        daemon = self.start_daemon(config)

        def served_metrics():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{config.metrics_port}/metrics", timeout=2) as reply:
                    return reply.read().decode()
            except OSError:
                return ""
        h.wait_until(lambda: 'dnsstop_sync_list_serial{list="police"} 1' in served_metrics(), 10,
                     "the metrics endpoint")
        added = "".join(f"added{i}.example\n" for i in range(1000))
        self.publish("example.com\nlate.org\n" + base + added)
        self.serve()
        started = time.monotonic()
        self.assert_blocked("www.late.org")
        print(f"\n  1,000-entry delta live in Unbound {time.monotonic() - started:.2f} s after the manifest "
              "appeared (polling every second)")
        h.wait_until(lambda: "by delta from 1" in daemon.log_text(), 5, "the daemon to log the delta")
        # kill -9 at arbitrary moments of publishing: the snapshot and the state stay usable.
        serial = 2
        for round_number in range(8):
            serial += 1
            self.publish("example.com\n" + base + f"round{round_number}.example\n")
            self.serve()
            time.sleep(0.15 * round_number)
            daemon.signal(signal.SIGKILL)
            daemon.process.wait(timeout=10)
            info = run([h.DNSSTOP, "info", config.snapshot])
            self.assertIn("police", info.stdout)
            daemon = self.start_daemon(config)
        h.wait_until(lambda: self.metric(config, "dnsstop_sync_list_serial") == serial, 15, "the last serial")
        self.assert_blocked("round7.example")
        self.assertNotIn("ignoring the saved state", daemon.log_text())

    def test_mutual_tls(self):
        self.publish("example.com\n")
        self.serve()
        url = self.nginx.url(f"{os.path.basename(self.served)}/police.manifest", port=self.nginx.mutual_port)
        anonymous = self.config(url=url)
        result = self.sync(anonymous)
        self.assertEqual(result.returncode, 1)
        self.assertIn("rejected (network)", result.stderr)  # nginx answers 400 without a client certificate
        identified = self.config(url=url, client_cert=self.ca.client_cert, client_key=self.ca.client_key)
        result = self.sync(identified)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 1", result.stderr)

    def test_config_check(self):
        config = self.config()
        self.assertEqual(run([SYNC, "--config", config.path, "--check-config"]).returncode, 0)
        config.url = "http://127.0.0.1/police.manifest"
        config.write()
        result = run([SYNC, "--config", config.path, "--check-config"], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("lists[0].url: expected an https:// URL", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
