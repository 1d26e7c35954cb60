"""dnsstop's alert rules and dashboard against a real Prometheus (Debian's), which
scrapes node_exporter's textfile collector reading the module's metrics file, the
dnsstop-sync endpoint and the stop page's, while the module's Unbound answers; all on
loopback, on ports picked free, with the servers' data in a temporary directory.

The rules are packaging/prometheus/dnsstop.rules.yml with shorter `for:` windows and a
shorter staleness threshold (test_rules below), so that the alerts' life fits in
seconds. Run by CTest once per Unbound version (tests/CMakeLists.txt)."""

import json
import os
import re
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import harness as h
import stoppage_test
from slowloris import Slowloris
from stoppage_slowloris_test import ask

SYNC = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-sync")
PUBLISH = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-publish")
RULES = os.path.join(h.SOURCE_DIR, "packaging/prometheus/dnsstop.rules.yml")
DASHBOARD = os.path.join(h.SOURCE_DIR, "packaging/grafana/dnsstop.grafana.json")
TEST_FOR = "5s"  # every alert's `for:` in the test copy
TEST_STALE_SECONDS = 6  # DnsstopMetricsFileStale's threshold in the test copy; the module writes every second
# Dashboard queries that have no series in this test, and why.
EMPTY_HERE = {
    # the sync daemon here never accepts a list (its server is down), so no expiry is known
    "(dnsstop_sync_list_expiry_timestamp_seconds{job=~\".*\"} > 0) - time()",
}
# What node_exporter, Prometheus (Go) and dnsstop-sync say when a port is taken.
PORT_TAKEN = re.compile(r"address already in use|cannot listen on", re.I)
# Every label a dnsstop metric may carry: never a client address or a queried name.
ALLOWED_LABELS = {"__name__", "job", "instance", "list", "reason", "page", "language"}


def test_rules():
    """The shipped rules with TEST_FOR windows and the TEST_STALE_SECONDS threshold."""
    with open(RULES) as rules:
        text = rules.read()
    text, windows = re.subn(r"^(\s+for: )\S+$", rf"\g<1>{TEST_FOR}", text, flags=re.M)
    text, thresholds = re.subn(r"(node_textfile_mtime_seconds\{[^}]*\} > )\d+$", rf"\g<1>{TEST_STALE_SECONDS}",
                               text, flags=re.M)
    assert windows >= 5 and thresholds == 1, (windows, thresholds)
    return text


def http_get(url, timeout=3):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode()
    except OSError:
        return None, ""


class NodeExporter:
    """Debian's node_exporter with only the textfile collector, reading `directory`."""

    def __init__(self, directory, textfile_directory):
        self.port = h.free_port()
        self.process = h.Process(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{self.port}",
                                  "--collector.disable-defaults", "--collector.textfile",
                                  f"--collector.textfile.directory={textfile_directory}"],
                                 os.path.join(directory, "node-exporter.log"))
        h.wait_until(lambda: not self.process.alive() or http_get(self.metrics_url())[0] == 200, 15,
                     "node_exporter to answer")

    def metrics_url(self):
        return f"http://127.0.0.1:{self.port}/metrics"

    def stop(self):
        self.process.stop()


class Prometheus:
    """Debian's Prometheus scraping every target each second and evaluating the rules
    each second, with its data in `directory`."""

    def __init__(self, directory, targets, rules_text):
        rules = os.path.join(directory, "dnsstop.rules.yml")
        with open(rules, "w") as out:
            out.write(rules_text)
        config = os.path.join(directory, "prometheus.yml")
        with open(config, "w") as out:
            out.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                      f"rule_files: [{rules}]\nscrape_configs:\n")
            for job, port in targets.items():
                out.write(f"  - job_name: {job}\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
        check = subprocess.run(["promtool", "check", "config", config], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        self.port = h.free_port()
        self.process = h.Process(["prometheus", f"--config.file={config}",
                                  f"--storage.tsdb.path={os.path.join(directory, 'data')}",
                                  f"--web.listen-address=127.0.0.1:{self.port}"],
                                 os.path.join(directory, "prometheus.log"))
        h.wait_until(lambda: not self.process.alive() or http_get(self.url("/-/ready"))[0] == 200, 30,
                     "Prometheus to be ready")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, path, **params):
        status, body = http_get(self.url(f"/api/v1/{path}?{urllib.parse.urlencode(params)}"))
        assert status == 200, (path, params, status, body)
        reply = json.loads(body)
        assert reply["status"] == "success", reply
        return reply["data"]

    def query(self, expr):
        return self.api("query", query=expr)["result"]

    def alerts(self, name):
        """{instance label: state} of alert `name` (pending or firing; inactive ones are not listed)."""
        return {alert["labels"].get("instance"): alert["state"] for alert in self.api("alerts")["alerts"]
                if alert["labels"]["alertname"] == name}

    def stop(self):
        self.process.stop()


class SyncDaemon:
    """dnsstop-sync for one list whose server is down (a loopback port nobody listens
    on): every round fails with reason `network`, and it never writes a snapshot."""

    def __init__(self, directory, snapshot):
        key = os.path.join(directory, "police")
        subprocess.run([PUBLISH, "keygen", "-p", key + ".pub", "-s", key + ".key"], check=True,
                       capture_output=True, timeout=60)
        with open(key + ".pub") as public:
            public_key = public.read().splitlines()[1]
        self.port = h.free_port()
        config = h.write_yaml(os.path.join(directory, "sync.yaml"), {
            "snapshot": {"path": snapshot},
            "answers": {"stoppage_ipv4": [h.STOP_PAGE_V4]},
            "lists": [{"name": "police", "action": "stoppage",
                       "url": f"https://127.0.0.1:{h.free_port()}/police.manifest", "public_keys": [public_key],
                       "poll_seconds": 1}],
            "sync": {"state_dir": f"{directory}/state", "timeout_seconds": 2,
                     "metrics_listen": [f"127.0.0.1:{self.port}"]},
        })
        self.process = h.Process([SYNC, "--config", config], os.path.join(directory, "sync.log"))
        h.wait_until(lambda: not self.process.alive() or http_get(f"http://127.0.0.1:{self.port}/metrics")[0] == 200,
                     15, "dnsstop-sync's metrics endpoint")

    def stop(self):
        self.process.stop()


class MonitoringTest(unittest.TestCase):
    def setUp(self):
        temp = h.TempDir()
        self.directory = temp.__enter__()
        self.addCleanup(temp.__exit__)
        self.textfiles = os.path.join(self.directory, "textfiles")
        os.mkdir(self.textfiles)
        self.snapshot = os.path.join(self.directory, "current.snap")
        self.nsd = h.Nsd(self.directory)
        self.addCleanup(self.nsd.stop)
        # An Unbound started without any snapshot: it answers unfiltered.
        self.unbound = h.Unbound(self.directory, self.nsd.port, h.DnsstopConfig(
            snapshot=self.snapshot, metrics_textfile=os.path.join(self.textfiles, "dnsstop.prom")))
        self.addCleanup(self.unbound.stop)
        self.assertTrue(self.unbound.process.alive(), self.unbound.log_text())
        self.node_exporter = self.started(lambda: NodeExporter(self.directory, self.textfiles))
        self.sync = self.started(lambda: SyncDaemon(self.directory, self.snapshot))
        self.stoppage = stoppage_test.StopPageServer(self.directory, self.snapshot)
        self.addCleanup(self.stoppage.process.stop)
        self.prometheus = self.started(lambda: Prometheus(self.directory, {
            "resolvers": self.node_exporter.port, "sync": self.sync.port, "stoppage": self.stoppage.metrics_port,
        }, test_rules()))
        self.started_at = time.monotonic()
        self.resolver = f"127.0.0.1:{self.node_exporter.port}"

    def started(self, start, attempts=3):
        """start() starts a server on ports picked free; it is started again, a bounded
        number of times, when a parallel test took one of its ports first."""
        for _ in range(attempts):
            server = start()
            self.addCleanup(server.stop)
            if server.process.alive():
                return server
            if not PORT_TAKEN.search(server.process.log_text()):
                break
        self.fail(f"{type(server).__name__} did not start:\n{server.process.log_text()}")

    def wait_for_alert(self, name, state, timeout):
        """Waits until alert `name` is in `state` for the resolver; returns the states seen."""
        seen = []

        def reached():
            current = self.prometheus.alerts(name).get(self.resolver, "inactive")
            if not seen or seen[-1] != current:
                seen.append(current)
            return current == state
        try:
            h.wait_until(reached, timeout, f"{name} to be {state}")
        except TimeoutError as error:
            raise AssertionError(f"{error}; states seen: {seen}") from None
        return seen

    def wait_for_value(self, expr, predicate, timeout, what):
        def holds():
            result = self.prometheus.query(expr)
            return bool(result) and all(predicate(float(sample["value"][1])) for sample in result)
        h.wait_until(holds, timeout, what)

    def test_alerts_follow_the_resolver_and_the_dashboard_queries_answer(self):
        # 1. No snapshot: the "unfiltered" alert goes pending, then fires after its `for:`.
        self.assertEqual(h.ask(self.unbound.port, "www.example.com").data("A"), ["203.0.113.2"])
        seen = self.wait_for_alert("DnsstopResolverUnfiltered", "firing", 60)
        self.assertIn("pending", seen, "the alert must be pending before it fires")
        print(f"\n  DnsstopResolverUnfiltered firing {time.monotonic() - self.started_at:.1f} s after Prometheus "
              f"started (for: {TEST_FOR}, scrapes and evaluations every second)")
        self.wait_for_value('dnsstop_unfiltered_answers_total{job="resolvers"}', lambda v: v >= 1, 15,
                            "the unfiltered answer to be counted")
        self.wait_for_value('dnsstop_sync_failures_total{job="sync",list="police",reason="network"}',
                            lambda v: v >= 1, 15, "dnsstop-sync's failures to be scraped")
        # The file is rewritten every second: not stale. The failures are network ones: not "refused".
        self.assertEqual(self.prometheus.alerts("DnsstopMetricsFileStale"), {})
        self.assertEqual(self.prometheus.alerts("DnsstopSyncUpdateRefused"), {})

        # 2. A snapshot arrives: the module blocks, and the alert ends.
        h.compile_snapshot(self.snapshot, [("police", "stoppage", "example.com\n")])
        h.wait_until(lambda: h.ask(self.unbound.port, "www.example.com").data("A") == [h.STOP_PAGE_V4], 15,
                     "the module to block with the new snapshot")
        h.wait_until(lambda: self.prometheus.alerts("DnsstopResolverUnfiltered") == {}, 30,
                     "DnsstopResolverUnfiltered to end")
        # Removing the file from the running resolver does not raise it: the module keeps its list.
        os.unlink(self.snapshot)
        removed = time.time()
        self.wait_for_value('timestamp(dnsstop_snapshot_loaded{job="resolvers"})', lambda v: v > removed + 3, 30,
                            "three seconds of scrapes after the removal")
        self.assertEqual([s["value"][1] for s in self.prometheus.query('dnsstop_snapshot_loaded{job="resolvers"}')],
                         ["1"])
        self.assertEqual(self.prometheus.alerts("DnsstopResolverUnfiltered"), {})
        self.assertEqual(h.ask(self.unbound.port, "www.example.com").data("A"), [h.STOP_PAGE_V4])

        # 3. Every dashboard query answers from these real metrics, and no dnsstop metric
        #    carries a label that could hold a client address or a queried name.
        self.wait_for_value('dnsstop_blocked_answers_total{list="police"}', lambda v: v >= 2, 15,
                            "the blocked answers to be scraped")
        self.wait_for_value("dnsstop:blocked_answers:rate5m", lambda v: True, 15, "the recording rules")
        with open(DASHBOARD) as source:
            dashboard = json.load(source)
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = re.sub(r"\$\w+", ".*", target["expr"])
                with self.subTest(panel=panel["title"], expr=expr):
                    result = self.prometheus.query(expr)
                    self.assertEqual(bool(result), expr not in EMPTY_HERE, result)
        for series in self.prometheus.api("series", **{"match[]": '{__name__=~"dnsstop_.*"}'}):
            self.assertEqual(set(series) - ALLOWED_LABELS, set(), series)

        # 4. Unbound stops: its last metrics file stays behind, healthy-looking, and only
        #    its age tells. The stale-file alert goes pending, then fires.
        self.unbound.stop()
        stopped = time.monotonic()
        seen = self.wait_for_alert("DnsstopMetricsFileStale", "firing", 60)
        self.assertIn("pending", seen)
        print(f"  DnsstopMetricsFileStale firing {time.monotonic() - stopped:.1f} s after Unbound stopped "
              f"(threshold {TEST_STALE_SECONDS} s, for: {TEST_FOR})")
        self.assertEqual([s["value"][1] for s in self.prometheus.query('dnsstop_snapshot_loaded{job="resolvers"}')],
                         ["1"])


class SyncMetricsEndpointTest(unittest.TestCase):
    """dnsstop-sync's /metrics is served by the stop page's HTTP server wrapper
    (http/http_server.h): the same answers as before, and now the same guard against
    clients that never finish a request (16 connections at most, a 10 s deadline)."""

    def setUp(self):
        temp = h.TempDir()
        self.directory = temp.__enter__()
        self.addCleanup(temp.__exit__)
        for _ in range(3):  # started again when a parallel test took its port first
            self.sync = SyncDaemon(self.directory, os.path.join(self.directory, "current.snap"))
            self.addCleanup(self.sync.stop)
            if self.sync.process.alive() or not PORT_TAKEN.search(self.sync.process.log_text()):
                break
        self.assertTrue(self.sync.process.alive(), self.sync.process.log_text())

    def request(self, method, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.sync.port}{path}", method=method)
        try:
            with urllib.request.urlopen(request, timeout=3) as reply:
                return reply.status, reply.headers["Content-Type"], reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode()

    def test_answers_get_metrics_only(self):
        status, content_type, body = self.request("GET", "/metrics")
        self.assertEqual((status, content_type), (200, "text/plain; version=0.0.4; charset=utf-8"))
        self.assertIn('dnsstop_sync_list_serial{list="police"} 0\n', body)
        self.assertEqual(self.request("GET", "/other")[::2], (404, "see /metrics\n"))
        self.assertEqual(self.request("POST", "/metrics")[::2], (405, "GET only\n"))

    def test_twice_its_connections_trickling_do_not_keep_a_scrape_out(self):
        with Slowloris("127.0.0.1", self.sync.port, connections=32, interval=1.0, seconds=60) as attack:
            h.wait_until(lambda: attack.most_open >= 32 and attack.closed_by_server >= 16, 20,
                         "the attack to open twice the cap and the server to evict the excess")
            for scrape in range(10):
                self.assertEqual(ask(self.sync.port, timeout=1.0), 404, f"scrape {scrape}: no answer within 1 s")
        self.assertTrue(self.sync.process.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)
