"""The Grafana dashboard packaging/grafana/dnsstop.grafana.json (Grafana is not in
Debian, so it is checked here rather than loaded): its structure, that every query
parses (promtool check rules), and that every metric a query or an alert rule names is
one dnsstop or node_exporter exports, or a recording rule of dnsstop.rules.yml.
Run by CTest (prometheus.dashboard); the monitoring integration test runs the same
queries against a real Prometheus."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.environ.get("DNSSTOP_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
DASHBOARD = os.path.join(SOURCE_DIR, "packaging/grafana/dnsstop.grafana.json")
RULES = os.path.join(SOURCE_DIR, "packaging/prometheus/dnsstop.rules.yml")
# The programs that export dnsstop's metrics: the module, dnsstop-sync, the stop page.
EXPORTER_SOURCES = ("plugin", "blocklist-sync", "stoppage")
# The packaged scripts that write Prometheus textfiles: the resolver's Unbound check and
# the build host's rebuild.
EXPORTER_SCRIPTS = ("packaging/unbound-check/dnsstop-unbound-check", "packaging/rebuild/dnsstop-rebuild")
# node_exporter's textfile collector's own metric, which DnsstopMetricsFileStale reads.
NODE_EXPORTER_METRICS = {"node_textfile_mtime_seconds"}
# Written against the list-safety work's gauges, which dnsstop-sync does not export yet
# (docs/operating.md, Monitoring); only the alert rules may name them.
PENDING_METRICS = {"dnsstop_sync_list_held", "dnsstop_sync_list_held_serial"}
# What each of the panels must show: blocked answers per list, list serial and
# age per resolver, sync results, swap and purge times, stop-page responses.
REQUIRED_METRICS = {"dnsstop:blocked_answers:rate5m", "dnsstop_list_serial", "dnsstop_snapshot_age_seconds",
                    "dnsstop:sync_failures:increase1h", "dnsstop:sync_seconds_since_success",
                    "dnsstop_snapshot_installed_timestamp_seconds", "dnsstop_cache_purge_duration_seconds",
                    "dnsstop_stoppage_responses_total"}
VARIABLES = {"$job": ".*", "$sync_job": ".*", "$stoppage_job": ".*"}
METRIC_NAME = re.compile(r"\b(?:dnsstop[_:][a-z0-9_:]*[a-z0-9]|node_[a-z0-9_]*[a-z0-9])\b")


def load_dashboard():
    with open(DASHBOARD) as source:
        return json.load(source)


def dashboard_queries(dashboard):
    """(panel title, expr) of every target, with the dashboard's variables filled in."""
    queries = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for variable, value in VARIABLES.items():
                expr = expr.replace(variable, value)
            queries.append((panel["title"], expr))
    return queries


def exported_metrics():
    names = set()
    for directory in EXPORTER_SOURCES:
        for root, _, files in os.walk(os.path.join(SOURCE_DIR, directory)):
            for name in files:
                if name.endswith(".cc"):
                    with open(os.path.join(root, name)) as source:
                        names |= set(re.findall(r'"(dnsstop_[a-z0-9_]+)[ {"]', source.read()))
    for script in EXPORTER_SCRIPTS:
        with open(os.path.join(SOURCE_DIR, script)) as source:
            names |= set(re.findall(r'^ *(?:echo ")?(dnsstop_[a-z0-9_]+)[ {]', source.read(), re.MULTILINE))
    return names


def recording_rules():
    with open(RULES) as rules:
        return set(re.findall(r"^\s*- record: (\S+)$", rules.read(), re.M))


def rule_expressions():
    """The text of every `expr:` in the rules file, folded scalars included."""
    with open(RULES) as rules:
        text = rules.read()
    return [match.group(1) or match.group(2)
            for match in re.finditer(r"^\s*expr: (?:>-\n((?:\s{10,}.*\n)+)|(.*)\n)", text, re.M)]


def promtool():
    path = shutil.which("promtool")
    if path is None:
        raise RuntimeError("promtool not found: scripts/setup.sh installs Debian's prometheus package")
    return path


class DashboardTest(unittest.TestCase):
    def test_structure(self):
        dashboard = load_dashboard()
        for key in ("title", "uid", "schemaVersion", "panels", "templating", "time"):
            self.assertIn(key, dashboard)
        variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        for name in ("job", "sync_job", "stoppage_job"):
            self.assertEqual(variables[name]["type"], "query", name)
        self.assertTrue(dashboard["panels"])
        ids = [panel["id"] for panel in dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids must be unique")
        occupied = set()
        for panel in dashboard["panels"]:
            with self.subTest(panel=panel.get("title")):
                self.assertTrue(panel["title"])
                self.assertIn(panel["type"], {"timeseries", "stat", "table"})
                self.assertEqual(panel["datasource"], {"type": "prometheus", "uid": "${datasource}"})
                grid = panel["gridPos"]
                self.assertTrue(all(isinstance(grid[key], int) for key in ("h", "w", "x", "y")))
                self.assertLessEqual(grid["x"] + grid["w"], 24)
                cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                         for y in range(grid["y"], grid["y"] + grid["h"])}
                self.assertFalse(cells & occupied, "panels overlap")
                occupied |= cells
                self.assertTrue(panel["targets"])
                ref_ids = [target["refId"] for target in panel["targets"]]
                self.assertEqual(len(ref_ids), len(set(ref_ids)))
                for target in panel["targets"]:
                    self.assertTrue(target["expr"].strip())
                    for variable in re.findall(r"\$\w+", target["expr"]):
                        self.assertIn(variable, VARIABLES)

    def test_every_query_parses(self):
        queries = dashboard_queries(load_dashboard())
        with tempfile.TemporaryDirectory() as directory:
            rules = os.path.join(directory, "dashboard.rules.yml")
            with open(rules, "w") as out:
                out.write("groups:\n  - name: dashboard\n    rules:\n")
                for index, (_, expr) in enumerate(queries):
                    out.write(f"      - record: dashboard:query_{index}\n        expr: {json.dumps(expr)}\n")
            result = subprocess.run([promtool(), "check", "rules", rules], capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_every_metric_named_is_exported(self):
        exported = exported_metrics()
        self.assertIn("dnsstop_blocked_answers_total", exported)  # the scan itself works
        records = recording_rules()
        known = exported | records | NODE_EXPORTER_METRICS
        named_by_dashboard = set()
        for title, expr in dashboard_queries(load_dashboard()):
            names = set(METRIC_NAME.findall(expr))
            with self.subTest(panel=title, expr=expr):
                self.assertTrue(names, "a query names no metric")
                self.assertEqual(names - known, set())
            named_by_dashboard |= names
        self.assertEqual(REQUIRED_METRICS - named_by_dashboard, set(), "a panel the dashboard must have is missing")
        expressions = rule_expressions()
        self.assertGreaterEqual(len(expressions), len(records) + 10)  # every record and alert was read
        for expr in expressions:
            with self.subTest(rule=expr):
                self.assertEqual(set(METRIC_NAME.findall(expr)) - known - PENDING_METRICS, set())


if __name__ == "__main__":
    unittest.main(verbosity=2)
