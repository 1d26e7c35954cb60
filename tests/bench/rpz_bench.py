#!/usr/bin/python3
"""RPZ benchmark: what dnsstop-sync's RPZ output costs each stock resolver from Debian
(Unbound 1.17, BIND 9.18, PowerDNS Recursor 4.8, Knot Resolver 5.6), at a police
list's size and at 1M names (docs/other-resolvers.md has the figures).

For each size, dnsstop-sync --once writes the zone from a generated list (one
stoppage list: `name` and `*.name`, A and AAAA each), and a second version with 1% of
the names replaced. For each resolver (rpz_resolvers.py: the integration tests'
configurations, on 127.0.0.1 with NSD as the only upstream) it measures:
  - RSS with an empty zone, and after loading the list's zone;
  - load: from the process's start to the first stop-page answer for a listed name;
  - reload: the new version put in place as dnsstop-sync does (rename) and the
    resolver's reload command run (Knot Resolver: it sees the file change), until a
    newly listed name gets the stop page; and the reload command's own time;
  - lost queries: dnsperf sends a mix (1% listed names) at RATE queries a second,
    from 2 s before the reload to 2 s after the new name is blocked; a query without
    an answer within 1 s counts as lost. The same run without a reload is the baseline.
    Beside it, a prober asks for a cached name every 10 ms: the longest time without
    an answer is how long the reload stopped the resolver answering.

Usage: rpz_bench.py OUTPUT_DIR (uses OUTPUT_DIR/bin). Environment: RPZ_BENCH_SIZES
(default 5000,1000000), RPZ_BENCH_RESOLVERS (class names from rpz_resolvers.py,
default all four), RPZ_BENCH_RATE (default 2000). Prints one markdown table; writes
the figures as JSON to OUTPUT_DIR/bench/rpz.json. One resolver runs at a time.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
if len(sys.argv) > 1:
    os.environ["DNSSTOP_OUTPUT_DIR"] = os.path.abspath(sys.argv[1])

import harness as h  # noqa: E402
import rpz_resolvers as r  # noqa: E402
from udp_query import query_addresses  # noqa: E402

SYNC = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-sync")
GENLIST = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-genlist")
SIZES = [int(size) for size in os.environ.get("RPZ_BENCH_SIZES", "5000,1000000").split(",")]
RESOLVERS = [getattr(r, name) for name in
             os.environ.get("RPZ_BENCH_RESOLVERS", "StockUnbound,Bind,PowerDnsRecursor,KnotResolver").split(",")]
RATE = int(os.environ.get("RPZ_BENCH_RATE", "2000"))
CHANGED_SHARE = 0.01  # of the names, replaced by the second version
WILDCARD_V4 = "198.51.100.10"
LOAD_TIMEOUT_S = 900
RELOAD_TIMEOUT_S = 600
BASELINE_S = 5


def log(message):
    print(f"rpz-bench: {message}", file=sys.stderr, flush=True)


def generate(directory, n):
    """The list, a list of fresh names (the second version's replacements) and dnsperf queries."""
    police, fresh, queries = (os.path.join(directory, name) for name in ("police.list", "fresh.list", "mix.queries"))
    subprocess.run([GENLIST, "--count", str(n), "--seed", "15", "--out", police, "--queries", queries,
                    "--query-count", "100000", "--listed-share", "0.01", "--distinct-unlisted", "1000",
                    "--format", "dnsperf", "--aaaa-share", "0.3"], check=True, timeout=600)
    subprocess.run([GENLIST, "--count", str(max(1, round(n * CHANGED_SHARE))), "--seed", "16", "--out", fresh],
                   check=True, timeout=600)
    with open(police) as names:
        listed = [line.strip() for line in names]
    with open(fresh) as names:
        replacements = [line.strip() for line in names]
    second = os.path.join(directory, "police-2.list")
    with open(second, "w") as out:
        out.write("".join(f"{name}\n" for name in replacements + listed[len(replacements):]))
    return police, second, fresh, queries, listed[-1], replacements[0]


def root_zone(*files):
    """NSD's root: a wildcard under every TLD the names use, so every unlisted name resolves."""
    tlds = set()
    for path in files:
        with open(path) as lines:
            tlds |= {line.split(None, 1)[0].rsplit(".", 1)[-1] for line in lines}
    tlds.add("org")  # clean.org, the resolvers' startup probe
    return (". 86400 SOA ns. hostmaster. 1 3600 600 86400 3600\n. 86400 NS ns.\nns. 86400 A 127.0.0.1\n" +
            "".join(f"*.{tld}. 3600 A {WILDCARD_V4}\n" for tld in sorted(tlds)))


def write_zone(directory, list_path, zone_path):
    """dnsstop-sync --once writes the list's RPZ zone, as it would for a resolver."""
    config = os.path.join(directory, "sync.yaml")
    with open(config, "w") as out:
        out.write(f"""snapshot:
  path: {directory}/unused.snap
answers:
  stoppage_ipv4: [{h.STOP_PAGE_V4}]
  stoppage_ipv6: ["{h.STOP_PAGE_V6}"]
  ttl: 60
lists:
  - name: police
    action: stoppage
    file: {list_path}
sync:
  state_dir: {directory}/state
  write_snapshot: false
  rpz_outputs:
    - path: {zone_path}
      zone: {r.ZONE}
""")
    started = time.monotonic()
    subprocess.run([SYNC, "--config", config, "--once"], check=True, capture_output=True, timeout=900)
    return time.monotonic() - started


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status.read(), re.M).group(1)) / 1024


def wait_blocked(port, name, timeout):
    """Seconds until `name` gets the stop page (asked every 10 ms), or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if query_addresses(port, name) == [h.STOP_PAGE_V4]:
            return time.monotonic() - started
        time.sleep(0.01)
    return None


class Prober:
    """Asks for `name` every 10 ms (0.2 s timeout each) until stop(), which returns
    the longest time between two answers."""

    def __init__(self, port, name):
        self.port, self.name, self.running, self.longest_gap = port, name, True, 0.0
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        last_answer = time.monotonic()
        while self.running:
            if query_addresses(self.port, self.name) is not None:
                now = time.monotonic()
                self.longest_gap = max(self.longest_gap, now - last_answer)
                last_answer = now
            time.sleep(0.01)
        self.longest_gap = max(self.longest_gap, time.monotonic() - last_answer)

    def stop(self):
        self.running = False
        self.thread.join(timeout=10)
        return round(self.longest_gap, 2)


class Dnsperf:
    """dnsperf at RATE until stop(); its figures from what it prints when interrupted.
    It may keep 2 s of queries outstanding, so that a resolver that stops answering
    loses RATE queries a second, as its clients would."""

    def __init__(self, port, queries):
        self.process = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-l", "3600",
                                         "-Q", str(RATE), "-t", "1", "-c", "1", "-q", str(2 * RATE)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""
        self.reader = threading.Thread(target=lambda: setattr(self, "output", self.process.stdout.read()))
        self.reader.start()

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        sent = re.search(r"Queries sent:\s+(\d+)", self.output)
        lost = re.search(r"Queries lost:\s+(\d+)", self.output)
        if not sent or not lost:
            raise RuntimeError("dnsperf printed no figures: " + self.output[-1000:])
        return int(sent.group(1)), int(lost.group(1))


def measure(figures, resolver_class, directory, nsd_port, zones, queries, listed_probe, fresh_probe):
    """Fills `figures` as it goes, so that a failure keeps what was measured."""
    empty_zone, first_zone, second_zone = zones
    os.makedirs(os.path.join(directory, "empty"))
    resolver = resolver_class(os.path.join(directory, "empty"), nsd_port, empty_zone)
    try:
        figures["rss_empty_mb"] = round(rss_mb(resolver.pid), 1)
    finally:
        resolver.stop()

    zone_path = os.path.join(directory, "dnsstop.rpz.zone")
    os.link(first_zone, zone_path)
    started = time.monotonic()
    resolver = resolver_class(directory, nsd_port, zone_path, startup_seconds=LOAD_TIMEOUT_S)
    try:
        loaded = wait_blocked(resolver.port, listed_probe, LOAD_TIMEOUT_S)
        if loaded is None:
            raise RuntimeError(f"{resolver_class.version}: {listed_probe} not blocked after loading")
        figures["load_s"] = round(time.monotonic() - started, 2)
        time.sleep(2)  # allocations after the load settle
        figures["rss_loaded_mb"] = round(rss_mb(resolver.pid), 1)

        baseline = Dnsperf(resolver.port, queries)
        time.sleep(BASELINE_S)
        figures["baseline_sent"], figures["baseline_lost"] = baseline.stop()

        h.dig(resolver.port, "clean.org")  # cached, for the prober
        load, prober = Dnsperf(resolver.port, queries), Prober(resolver.port, "clean.org")
        time.sleep(2)
        staged = zone_path + ".new"
        os.link(second_zone, staged)
        reload_started = time.monotonic()
        os.rename(staged, zone_path)
        command = resolver.reload_command()
        if command:
            result = subprocess.run(command, capture_output=True, text=True, timeout=RELOAD_TIMEOUT_S)
            if result.returncode != 0:
                load.stop()
                prober.stop()
                raise RuntimeError(f"{command} failed ({result.returncode}) after "
                                   f"{time.monotonic() - reload_started:.1f} s: {result.stdout}{result.stderr}")
        figures["reload_command_s"] = round(time.monotonic() - reload_started, 2)
        blocked = wait_blocked(resolver.port, fresh_probe, RELOAD_TIMEOUT_S)
        figures["reload_s"] = round(time.monotonic() - reload_started, 2) if blocked is not None else None
        time.sleep(2)
        figures["reload_sent"], figures["reload_lost"] = load.stop()
        figures["unanswered_s"] = prober.stop()
        figures["rss_after_reload_mb"] = round(rss_mb(resolver.pid), 1)
    finally:
        resolver.stop()


def main():
    results = {}
    with h.TempDir() as directory:
        os.chmod(directory, 0o755)
        for n in SIZES:
            size_dir = os.path.join(directory, str(n))
            os.makedirs(size_dir)
            log(f"{n} names: generating the list and writing the zones with dnsstop-sync")
            first_list, second_list, fresh_list, queries, listed_probe, fresh_probe = generate(size_dir, n)
            empty_list = os.path.join(size_dir, "empty.list")
            open(empty_list, "w").close()
            zones = []
            for label, list_path in (("empty", empty_list), ("first", first_list), ("second", second_list)):
                zone = os.path.join(size_dir, f"{label}.zone")
                os.makedirs(os.path.join(size_dir, label))
                written = write_zone(os.path.join(size_dir, label), list_path, zone)
                log(f"  {label} zone: {os.path.getsize(zone) / 2**20:.1f} MiB written in {written:.1f} s")
                zones.append(zone)
            nsd = h.Nsd(os.path.join(size_dir, "nsd"), zone_text=root_zone(first_list, fresh_list, queries))
            try:
                for resolver_class in RESOLVERS:
                    log(f"{n} names: {resolver_class.version}")
                    resolver_dir = os.path.join(size_dir, resolver_class.name)
                    os.makedirs(resolver_dir)
                    figures = {}
                    try:
                        measure(figures, resolver_class, resolver_dir, nsd.port, zones, queries, listed_probe,
                                fresh_probe)
                    except (RuntimeError, TimeoutError, subprocess.SubprocessError, OSError) as error:
                        figures["failed"] = str(error)[:500]
                    log(f"  {figures}")
                    results.setdefault(resolver_class.version, {})[n] = figures
            finally:
                nsd.stop()
    print_table(results)
    os.makedirs(os.path.join(h.OUTPUT_DIR, "bench"), exist_ok=True)
    with open(os.path.join(h.OUTPUT_DIR, "bench", "rpz.json"), "w") as out:
        json.dump({"rate_qps": RATE, "results": results}, out, indent=2)


def print_table(results):
    print(f"\n| resolver | names | RSS empty / loaded / after reload (MB) | load (s) | reload (s) | "
          f"reload command (s) | longest without an answer (s) | lost during reload (of sent, at {RATE} qps) | "
          "lost without reload |")
    print("|---|---|---|---|---|---|---|---|---|")
    for version, by_size in results.items():
        for n, f in by_size.items():
            if "failed" in f:
                print(f"| {version} | {n:,} | failed: {f['failed'][:200]} (so far: {f}) | | | | | | |")
                continue
            print(f"| {version} | {n:,} | {f['rss_empty_mb']:.0f} / {f['rss_loaded_mb']:.0f} / "
                  f"{f['rss_after_reload_mb']:.0f} | {f['load_s']} | {f['reload_s']} | {f['reload_command_s']} | "
                  f"{f['unanswered_s']} | "
                  f"{f['reload_lost']} of {f['reload_sent']} | {f['baseline_lost']} of {f['baseline_sent']} |")


if __name__ == "__main__":
    main()
