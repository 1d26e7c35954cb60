#!/usr/bin/python3
"""Unbound benchmark: what blocking a list of N domains costs inside Unbound.

Runs Unbound instances one at a time, in one run on this machine, with the same list,
the same queries, the same cache sizes and one worker thread each: plain Unbound,
Unbound with the dnsstop module and the list compiled to a snapshot, Unbound with the
list as an RPZ zone, and Unbound with the list as `local-zone: redirect` entries (plain
and dnsstop in three alternating rounds, see SCHEDULE). For each it measures the time
from start to the first correct answer for a listed name, the RSS after loading, and
dnsperf's throughput and latency for three query sets: a cached mix (99% repeated
unlisted names, 1% listed), all-listed names, and never-seen names (cache misses).
The last dnsstop round and the RPZ round end with a hot swap under load:
SWAP_VERSIONS new versions of the list, each replacing 1% of the names, due one a
second while dnsperf runs the cached mix at a fixed rate (dnsstop: compiled into the
snapshot path; RPZ: zone file rewritten, then auth_zone_reload), measuring lost
queries, latency before and during, and the time until a newly listed name is
blocked. It prints one markdown table, every figure also as a ratio to plain Unbound
from the same run, and writes the figures as JSON.

Usage: unbound_bench.py OUTPUT_DIR   (uses OUTPUT_DIR/bin and OUTPUT_DIR/lib, writes
OUTPUT_DIR/bench/unbound-VERSION.json). Environment: DNSSTOP_UNBOUND and DNSSTOP_MODULE
(the Unbound binary and its module; run.sh sets them once per version), N (list size, default 1000000),
DNSPERF_SECONDS (length of each measured dnsperf run, default 10).

Everything runs on 127.0.0.1: NSD serves a root zone with a wildcard under each TLD
the names use, so every unlisted name resolves without leaving the machine; every
Unbound sends only from 127.0.0.1 and knows no root server but NSD.
"""

import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import (STOP_PAGE_V4, STOP_PAGE_V6, DnsstopConfig, Hierarchy, Nsd, Process, free_port,  # noqa: E402
                     resolver_conf)
from udp_query import query_addresses  # noqa: E402

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The Unbound under test and the module built for it (tests/bench/run.sh names one
# pair per Unbound version); every instance of one run is that same binary.
UNBOUND = os.environ["DNSSTOP_UNBOUND"]
MODULE = os.environ["DNSSTOP_MODULE"]
UNBOUND_VERSION = re.search(r"/unbound-([0-9.]+)/", MODULE).group(1)

LIST_SEED = 20240601
MIX_QUERIES = 100_000  # dnsperf loops the file, so its length only sets the cycle
MIX_DISTINCT_UNLISTED = 10_000
MIX_LISTED_SHARE = 0.01
LISTED_QUERIES = 100_000
# Never-seen names must not run out within one measured run at any plausible rate.
MISS_QUERIES = 1_000_000
WWW_SHARE = 1 / 3
AAAA_SHARE = 1 / 3

# The targets put dnsstop within a few percent of plain Unbound, far less than a
# neighbour's build takes from a run on a shared machine. So those two run in
# alternating rounds, each a fresh instance, and each figure keeps its best round
# (noise only ever slows a run down); RPZ and local-zone, far off and slow to load,
# run once.
SCHEDULE = ["plain", "dnsstop", "rpz", "local-zone", "plain", "dnsstop", "plain", "dnsstop"]
QUERY_SETS = ["cached_mix", "all_listed", "cache_miss"]
OUTSTANDING_QUERIES = 100
# Latency percentiles come from a separate, rate-limited run: at saturation every
# query waits behind dnsperf's queue (latency = outstanding / qps), which says
# nothing throughput does not. The rate is well below every instance's capacity.
LATENCY_RATE = 10_000
LATENCY_SECONDS = 5

# Hot swap under load: while dnsperf sends the cached mix at LATENCY_RATE, a new
# version of the list, with SWAP_CHANGED_SHARE of the previous version's names
# replaced, is due every SWAP_INTERVAL_S, SWAP_VERSIONS times, after a
# SWAP_BEFORE_SECONDS run at the same rate to compare latency with.
SWAP_VARIANTS = ("dnsstop", "rpz")
SWAP_VERSIONS = 30
SWAP_INTERVAL_S = 1.0
SWAP_CHANGED_SHARE = 0.01
SWAP_BEFORE_SECONDS = 10
# How long the phase waits for a newly listed name to be blocked, and for one
# publication: an RPZ reload of 1M names takes about as long as RPZ's start.
SWAP_WAIT_S = 240

WILDCARD_V4 = "198.51.100.7"
WILDCARD_V6 = "2001:db8:7::7"
ANSWER_TTL = 300

# RSS per listed name seen with Unbound 1.17.1 (RPZ 3.4 GB and local-zone 1.5 GB at
# 1M names), used only to skip an instance that cannot fit in memory instead of
# letting the OOM killer pick a victim on a shared machine.
BYTES_PER_NAME = {"plain": 0, "dnsstop": 40, "rpz": 3600, "local-zone": 1700}
BASE_BYTES = 512 << 20
MEMORY_SHARE_ALLOWED = 0.6

TARGETS = {"cached_mix": 0.97, "all_listed": 0.9, "cache_miss": 0.95, "rss_growth_vs_rpz": 1 / 50, "ready_s": 1.0,
           "swap_lost_queries": 0, "swap_p99_during_vs_before": 1.5, "swap_blocked_after_s": 1.0}


def log(message):
    print(f"unbound-bench: {message}", file=sys.stderr, flush=True)


# --- placement: Unbound gets a core to itself ------------------------------------

CPUS = sorted(os.sched_getaffinity(0))
UNBOUND_CPU = CPUS[-1] if len(CPUS) > 1 else None
CLIENT_CPUS = ",".join(map(str, CPUS[:-1] if len(CPUS) > 1 else CPUS))


def pinned(command, cpus):
    """The command bound to the given CPUs, so that dnsperf and NSD never take turns
    with the one Unbound worker on its core."""
    return ["taskset", "-c", str(cpus), *command] if cpus is not None else command


# --- test data -------------------------------------------------------------------

@dataclass
class Workload:
    list_path: str
    name_count: int
    probe_name: str  # a listed name asked until the instance answers it
    mix: str
    listed: str
    miss: str
    latency_miss: str
    fresh: str  # names on no list, listed one version at a time by the hot-swap phase


def generate_queries(genlist, directory, n, query_file, query_count, query_seed, *shape):
    """Writes the list (same seed, so always the same list) and one query file."""
    path = os.path.join(directory, query_file)
    subprocess.run([genlist, "--count", str(n), "--seed", str(LIST_SEED),
                    "--out", os.path.join(directory, "police.list"),
                    "--queries", path, "--query-count", str(query_count), "--query-seed", str(query_seed),
                    "--format", "dnsperf", "--www-share", f"{WWW_SHARE:.6f}", "--aaaa-share", f"{AAAA_SHARE:.6f}",
                    *shape], check=True, timeout=600)
    return path


def generate_workload(genlist, directory, n):
    log(f"generating a list of {n} names and the query files")
    mix = generate_queries(genlist, directory, n, "mix.queries", MIX_QUERIES, 1,
                           "--listed-share", str(MIX_LISTED_SHARE), "--distinct-unlisted", str(MIX_DISTINCT_UNLISTED))
    listed = generate_queries(genlist, directory, n, "listed.queries", LISTED_QUERIES, 2, "--listed-share", "1")
    miss = generate_queries(genlist, directory, n, "miss.queries", MISS_QUERIES, 3, "--listed-share", "0")
    latency_miss = generate_queries(genlist, directory, n, "latency-miss.queries", LATENCY_RATE * LATENCY_SECONDS, 4,
                                    "--listed-share", "0")
    list_path = os.path.join(directory, "police.list")
    with open(list_path) as names:
        probe_name = names.readline().strip()
    fresh = os.path.join(directory, "fresh.list")
    subprocess.run([genlist, "--count", str(SWAP_VERSIONS * swap_step(n)), "--seed", str(LIST_SEED + 1),
                    "--out", fresh], check=True, timeout=600)
    return Workload(list_path, n, probe_name, mix, listed, miss, latency_miss, fresh)


def swap_step(n):
    """How many names each list version replaces."""
    return max(1, round(n * SWAP_CHANGED_SHARE))


def listed_names(workload):
    with open(workload.list_path) as names:
        for line in names:
            yield line.strip()


def top_level_domains(workload):
    def last_labels(path):  # of the first word on each line: the list's names, the queries' names
        with open(path) as lines:
            return {line.split(None, 1)[0].rsplit(".", 1)[-1] for line in lines}
    files = [workload.list_path, workload.mix, workload.listed, workload.miss, workload.latency_miss, workload.fresh]
    return sorted(set().union(*map(last_labels, files)))


# --- the upstream ------------------------------------------------------------------

def root_zone(tlds):
    lines = [f"$TTL {ANSWER_TTL * 12}", ". SOA ns. hostmaster. 1 3600 600 86400 3600", ". NS ns.", "ns. A 127.0.0.1"]
    for tld in tlds:
        lines += [f"*.{tld}. A {WILDCARD_V4}", f"*.{tld}. AAAA {WILDCARD_V6}"]
    return "\n".join(lines) + "\n"


def recursion_zones(tlds, base):
    """The same wildcard data as root_zone, but as an ISP's resolver meets it: a root
    server at BASE.1 that delegates every TLD to a TLD server at BASE.2. Unsigned, so
    that no aggressive NSEC use can answer a miss from the cache."""
    root = [f"$TTL {ANSWER_TTL * 12}", ". SOA ns.nic. hostmaster.nic. 1 3600 600 86400 3600", ". NS ns.nic.",
            f"ns.nic. A {base}.1", f"ns.tld.nic. A {base}.2"]
    tld_zones = {}
    for tld in tlds:
        root.append(f"{tld}. NS ns.tld.nic.")
        tld_zones[f"{tld}."] = "\n".join([
            f"$TTL {ANSWER_TTL * 12}", f"{tld}. SOA ns.tld.nic. hostmaster.nic. 1 3600 600 86400 3600",
            f"{tld}. NS ns.tld.nic.", f"*.{tld}. A {WILDCARD_V4}", f"*.{tld}. AAAA {WILDCARD_V6}"]) + "\n"
    return {".": "\n".join(root) + "\n"}, tld_zones


# --- the four resolvers ------------------------------------------------------------

@dataclass
class Variant:
    key: str
    title: str
    module_config: str
    blocks: bool = True
    server_lines: list = field(default_factory=list)
    sections: str = ""
    environment: dict = field(default_factory=dict)
    control_port: int = None  # unbound-control's, for the instances the hot-swap phase reloads


def plain_variant(directory, workload, output_dir):
    return Variant("plain", "plain Unbound", "validator iterator", blocks=False)


def dnsstop_variant(directory, workload, output_dir):
    snapshot = os.path.join(directory, "police.snap")
    subprocess.run([os.path.join(output_dir, "bin/dnsstop"), "compile", "-o", snapshot,
                    f"police:stoppage={workload.list_path}"], check=True, capture_output=True, timeout=1200)
    config = DnsstopConfig(snapshot=snapshot, ttl=ANSWER_TTL, lists=[
        {"name": "police", "action": "stoppage", "ede_code": 16, "ede_text": "Blocked by police order"}])
    config_path = os.path.join(directory, "dnsstop.yaml")
    with open(config_path, "w") as out:
        out.write(config.yaml())
    return Variant("dnsstop", "dnsstop module", "dynlib validator iterator",
                   sections=f'dynlib:\n    dynlib-file: "{MODULE}"\n', environment={"DNSSTOP_CONFIG": config_path})


RPZ_ZONE = "rpz.bench."


def write_rpz_zone(path, names, serial=1):
    """The names as an RPZ zone redirecting each name and its subdomains to the stop page."""
    with open(path, "w") as out:
        out.write(f"$ORIGIN {RPZ_ZONE}\n$TTL {ANSWER_TTL}\n"
                  f"@ SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 300\n@ NS localhost.\n")
        for name in names:
            out.write(f"{name} A {STOP_PAGE_V4}\n{name} AAAA {STOP_PAGE_V6}\n"
                      f"*.{name} A {STOP_PAGE_V4}\n*.{name} AAAA {STOP_PAGE_V6}\n")


def rpz_variant(directory, workload, output_dir):
    zone = os.path.join(directory, "rpz.zone")
    write_rpz_zone(zone, listed_names(workload))
    return Variant("rpz", "RPZ (respip)", "respip validator iterator", control_port=free_port(),
                   sections=f'rpz:\n    name: "{RPZ_ZONE}"\n    zonefile: "{zone}"\n')


def local_zone_variant(directory, workload, output_dir):
    included = os.path.join(directory, "local-zones.conf")
    with open(included, "w") as out:
        out.write("server:\n")
        for name in listed_names(workload):
            out.write(f'local-zone: "{name}." redirect\n'
                      f'local-data: "{name}. {ANSWER_TTL} IN A {STOP_PAGE_V4}"\n'
                      f'local-data: "{name}. {ANSWER_TTL} IN AAAA {STOP_PAGE_V6}"\n')
    return Variant("local-zone", "local-zone redirect", "validator iterator", server_lines=[f'include: "{included}"'])


VARIANTS = {"plain": plain_variant, "dnsstop": dnsstop_variant, "rpz": rpz_variant, "local-zone": local_zone_variant}


def unbound_conf(directory, port, nsd_port, variant):
    remote_control = (f"    control-enable: yes\n    control-interface: 127.0.0.1\n"
                      f"    control-port: {variant.control_port}\n    control-use-cert: no\n"
                      if variant.control_port else "    control-enable: no\n")
    server_lines = ["msg-cache-size: 256m", "rrset-cache-size: 512m", *variant.server_lines]
    return resolver_conf(directory, port, nsd_port, variant.module_config, verbosity=0,
                         server_extra="".join(f"    {line}\n" for line in server_lines), sections=variant.sections,
                         remote_control=remote_control)


def memory_available_bytes():
    with open("/proc/meminfo") as meminfo:
        return int(re.search(r"MemAvailable:\s+(\d+) kB", meminfo.read()).group(1)) * 1024


def status_mb(pid, key):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(rf"{key}:\s+(\d+) kB", status.read()).group(1)) / 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run_queue_wait_seconds(pid):
    """Time the main thread, which with num-threads: 1 is the only worker, spent
    runnable but not running."""
    with open(f"/proc/{pid}/schedstat") as schedstat:
        return int(schedstat.read().split()[1]) / 1e9


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU time of Unbound and of finished child processes (dnsperf) over a span."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.start = (time.monotonic(), cpu_seconds(self.pid), run_queue_wait_seconds(self.pid), children_cpu_seconds())
        return self

    def __exit__(self, *exc):
        end = (time.monotonic(), cpu_seconds(self.pid), run_queue_wait_seconds(self.pid), children_cpu_seconds())
        self.wall, self.unbound, self.waiting, self.children = (b - a for a, b in zip(self.start, end))


class RunningUnbound:
    def __init__(self, directory, nsd_port, variant, memory_limit):
        self.port = free_port()
        self.config = config = os.path.join(directory, "unbound.conf")
        with open(config, "w") as out:
            out.write(unbound_conf(directory, self.port, nsd_port, variant))
        # An address-space limit makes an instance that outgrows its estimate fail
        # its own allocations instead of waking the OOM killer.
        command = ["prlimit", f"--as={memory_limit}", "--", *pinned([UNBOUND, "-d", "-c", config], UNBOUND_CPU)]
        self.started = time.monotonic()
        self.process = Process(command, os.path.join(directory, "unbound.log"), dict(os.environ, **variant.environment))

    @property
    def pid(self):
        return self.process.process.pid  # prlimit and taskset exec Unbound in place

    def unpin_helper_threads(self):
        """Lets every thread but the worker (the main thread, with num-threads: 1) run
        on any CPU, as no Unbound thread is pinned in production: dnsstop's snapshot
        loader would otherwise take turns with the worker on its one CPU, where on a
        resolver it runs on whichever core is free."""
        for tid in map(int, os.listdir(f"/proc/{self.pid}/task")):
            if tid != self.pid:
                os.sched_setaffinity(tid, CPUS)

    def wait_ready(self, probe_name, expected, timeout):
        """Seconds from start to the first answer for probe_name that equals
        `expected` (any address when None), to about 10 ms."""
        while time.monotonic() - self.started < timeout:
            if not self.process.alive():
                raise RuntimeError(f"Unbound exited while loading:\n{self.process.log_text()[-2000:]}")
            addresses = query_addresses(self.port, probe_name, timeout=0.01)
            if addresses and (expected is None or addresses == expected):
                return time.monotonic() - self.started
            if addresses is None:
                time.sleep(0.005)  # a closed port answers at once: do not spin
        raise TimeoutError(f"Unbound did not answer {probe_name} within {timeout:.0f} s")

    def stop(self):
        self.process.stop()


# --- dnsperf -----------------------------------------------------------------------

@dataclass
class DnsperfRun:
    qps: float
    completed: int
    lost: int
    noerror_share: float
    average_ms: float
    stddev_ms: float
    # Shares of the run's wall time. Unbound below ~0.95 busy means something else
    # set the pace: its core taken by a neighbour (waiting) or the client (dnsperf busy).
    unbound_busy_share: float
    unbound_waiting_share: float
    dnsperf_busy_share: float
    unbound_cpu_us_per_query: float
    percentiles_ms: dict


def percentile(sorted_values, share):
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def dnsperf(unbound, query_file, seconds, once=False, rate=None):
    """One dnsperf run against the instance. With a rate it runs verbose and takes
    percentiles from the per-response latencies it prints: dnsperf 2.10 reports
    only the average and standard deviation itself."""
    command = ["dnsperf", "-s", "127.0.0.1", "-p", str(unbound.port), "-d", query_file, "-l", str(seconds),
               "-e", "-c", "1", "-q", str(OUTSTANDING_QUERIES), "-t", "5", *(["-n", "1"] if once else []),
               *(["-Q", str(rate), "-v"] if rate else [])]
    with CpuMeter(unbound.pid) as cpu:
        output = subprocess.run(pinned(command, CLIENT_CPUS), capture_output=True, text=True, timeout=seconds + 60,
                                check=True).stdout

    def figure(pattern, cast=float):
        return cast(re.search(pattern, output).group(1))

    completed = figure(r"Queries completed:\s+(\d+)", int)
    noerror = re.search(r"Response codes:.*\bNOERROR (\d+)", output)
    percentiles = {}
    if rate:
        latencies = sorted(float(value) * 1000 for value in re.findall(r"^> \S+ \S+ \S+ (\d+\.\d+)$", output, re.M))
        percentiles = {f"p{label}": round(percentile(latencies, share), 3)
                       for label, share in (("50", 0.5), ("99", 0.99), ("99.9", 0.999))} if latencies else {}
    return DnsperfRun(qps=round(figure(r"Queries per second:\s+([\d.]+)")), completed=completed,
                      lost=figure(r"Queries lost:\s+(\d+)", int),
                      noerror_share=round(int(noerror.group(1)) / completed, 5) if noerror and completed else 0.0,
                      average_ms=round(figure(r"Average Latency \(s\):\s+([\d.]+)") * 1000, 3),
                      stddev_ms=round(figure(r"Latency StdDev \(s\):\s+([\d.]+)") * 1000, 3),
                      unbound_busy_share=round(cpu.unbound / cpu.wall, 3),
                      unbound_waiting_share=round(cpu.waiting / cpu.wall, 3),
                      dnsperf_busy_share=round(cpu.children / cpu.wall, 3),
                      unbound_cpu_us_per_query=round(cpu.unbound * 1e6 / completed, 2) if completed else 0.0,
                      percentiles_ms=percentiles)


def fastest(runs):
    return max(runs, key=lambda run: run.qps)


# --- one instance, measured --------------------------------------------------------

def wrong_block_answers(unbound, listed_query_file, sample=50):
    """How many of the first listed queries do not get the stop page's address."""
    wrong = 0
    with open(listed_query_file) as queries:
        for _, line in zip(range(sample), queries):
            name, rtype = line.split()
            expected = [STOP_PAGE_V6 if rtype == "AAAA" else STOP_PAGE_V4]
            wrong += query_addresses(unbound.port, name, rtype, timeout=2) != expected
    return wrong


def measure_sets(unbound, workload, seconds):
    log("  cached mix: warm-up pass, then measured")
    dnsperf(unbound, workload.mix, 120, once=True)
    mix = dnsperf(unbound, workload.mix, seconds)
    log("  all-listed: warm-up pass, then measured")
    dnsperf(unbound, workload.listed, 120, once=True)
    listed = dnsperf(unbound, workload.listed, seconds)
    log("  cache misses")
    miss = dnsperf(unbound, workload.miss, seconds, once=True)
    log(f"  latency at {LATENCY_RATE} qps")
    latency = {"cached_mix": dnsperf(unbound, workload.mix, LATENCY_SECONDS, rate=LATENCY_RATE),
               "all_listed": dnsperf(unbound, workload.listed, LATENCY_SECONDS, rate=LATENCY_RATE),
               "cache_miss": dnsperf(unbound, workload.latency_miss, LATENCY_SECONDS, once=True, rate=LATENCY_RATE)}
    return {"cached_mix": mix, "all_listed": listed, "cache_miss": miss, "latency_at_fixed_rate": latency}


# --- hot swap under load -----------------------------------------------------------

class ListVersions:
    """The versions the hot-swap phase publishes. Version v is the original list less
    its first v*step names plus the first v*step fresh names, so each version replaces
    SWAP_CHANGED_SHARE of the previous one's names, and its last fresh name was on no
    earlier version."""

    def __init__(self, workload):
        self.original = list(listed_names(workload))
        with open(workload.fresh) as names:
            self.fresh = [line.strip() for line in names]
        self.step = swap_step(len(self.original))

    def names(self, version):
        return itertools.chain(self.original[version * self.step:], self.fresh[:version * self.step])

    def newly_listed(self, version):
        return self.fresh[version * self.step - 1]


class DnsstopPublisher:
    """Gives a version to the module as the sync daemon does: compiles it into the
    snapshot path the module watches (a temporary file, then a rename), at the
    sync daemon's priority (Nice=10 in its systemd unit) and, like it, on any CPU.
    The list files are written beforehand, as the sync daemon would have received
    them, so a version counts as published when its compile starts."""

    def __init__(self, directory, output_dir, versions, unbound):
        self.snapshot = os.path.join(directory, "police.snap")
        self.dnsstop = os.path.join(output_dir, "bin/dnsstop")
        self.list_paths = {}
        for version in range(1, SWAP_VERSIONS + 1):
            self.list_paths[version] = os.path.join(directory, f"police-{version}.list")
            with open(self.list_paths[version], "w") as out:
                out.writelines(f"{name}\n" for name in versions.names(version))

    def publish(self, version):
        """Returns when the version was published."""
        published = time.monotonic()
        subprocess.run(["nice", "-n", "10", self.dnsstop, "compile", "-o", self.snapshot,
                        f"police:stoppage={self.list_paths[version]}"],
                       check=True, capture_output=True, timeout=SWAP_WAIT_S)
        return published

    @staticmethod
    def details(unbound, published):
        """The module's own account of each swap's cache purge, from Unbound's log
        (a line per snapshot taken in, the first at start, written once the purge
        is done, which may be after a probe saw its name blocked)."""
        def purge_lines():
            return [tuple(map(int, found)) for found in re.findall(
                r"purged \d+ of (\d+) cached messages and \d+ of (\d+) RRsets in (\d+) ms",
                unbound.process.log_text())]
        deadline = time.monotonic() + SWAP_WAIT_S
        while len(purge_lines()) < 1 + published and time.monotonic() < deadline:
            time.sleep(0.1)
        purges = purge_lines()[1:]
        if not purges:
            return {}
        return {"purge_ms_median": statistics.median(ms for _, _, ms in purges),
                "purge_ms_max": max(ms for _, _, ms in purges),
                "cached_entries_judged_median": statistics.median(messages + rrsets for messages, rrsets, _ in purges)}


class RpzPublisher:
    """Gives a version to RPZ the way a file-backed RPZ zone changes without a
    restart: rewrites the zone file, then `unbound-control auth_zone_reload`. A
    version counts as published when its zone file is complete."""

    def __init__(self, directory, output_dir, versions, unbound):
        self.versions = versions
        self.zone = os.path.join(directory, "rpz.zone")
        self.control = [os.path.join(os.path.dirname(UNBOUND), "unbound-control"), "-c", unbound.config]

    def publish(self, version):
        write_rpz_zone(f"{self.zone}.new", self.versions.names(version), serial=1 + version)
        os.replace(f"{self.zone}.new", self.zone)
        published = time.monotonic()
        subprocess.run([*self.control, "auth_zone_reload", RPZ_ZONE], check=True, capture_output=True,
                       timeout=SWAP_WAIT_S)
        return published

    @staticmethod
    def details(unbound, published):
        return {}


PUBLISHERS = {"dnsstop": DnsstopPublisher, "rpz": RpzPublisher}


def blocked_at(port, name, deadline, outcome):
    """Asks for `name` every 10 ms; outcome["blocked_at"] becomes the moment it was
    first answered with the stop page, or stays None if that did not happen by the deadline."""
    outcome["blocked_at"] = None
    while time.monotonic() < deadline:
        if query_addresses(port, name, timeout=0.2) == [STOP_PAGE_V4]:
            outcome["blocked_at"] = time.monotonic()
            return
        time.sleep(0.01)


def swap_under_load(unbound, publisher, versions, workload):
    """Publishes the versions on schedule while dnsperf sends the cached mix at a fixed
    rate. Before each publication the version's newly listed name is asked once, so
    its unlisted answer is in the cache: being blocked then also means the cache no
    longer serves it. A version whose successor is already due when the previous
    publication finishes is skipped (superseded), as a real sync would skip it."""
    log(f"  hot swap: {SWAP_BEFORE_SECONDS} s at {LATENCY_RATE} qps before, then {SWAP_VERSIONS} versions "
        f"({versions.step} names replaced each) while the same rate runs")
    before = dnsperf(unbound, workload.mix, SWAP_BEFORE_SECONDS, rate=LATENCY_RATE)
    during = {}
    load = threading.Thread(target=lambda: during.update(
        run=dnsperf(unbound, workload.mix, round(SWAP_VERSIONS * SWAP_INTERVAL_S), rate=LATENCY_RATE)))
    load.start()
    publications, probers = [], []
    started = time.monotonic()
    try:
        for version in range(1, SWAP_VERSIONS + 1):
            due = started + (version - 1) * SWAP_INTERVAL_S
            if time.monotonic() >= due + SWAP_INTERVAL_S:
                continue
            time.sleep(max(0.0, due - time.monotonic()))
            name = versions.newly_listed(version)
            outcome = {"version": version, "resolved_before": query_addresses(unbound.port, name, timeout=2) == [
                WILDCARD_V4]}
            prober = threading.Thread(target=blocked_at, args=(unbound.port, name, time.monotonic() + SWAP_WAIT_S,
                                                               outcome))
            prober.start()
            outcome["published_at"] = publisher.publish(version)
            outcome["handover_s"] = time.monotonic() - outcome["published_at"]
            publications.append(outcome)
            probers.append(prober)
    finally:
        for thread in [*probers, load]:
            thread.join()
    blocked_after = [round(outcome["blocked_at"] - outcome["published_at"], 3)
                     for outcome in publications if outcome["blocked_at"] is not None]
    handover = [round(outcome["handover_s"], 3) for outcome in publications]
    return {"versions_published": len(publications), "versions_superseded": SWAP_VERSIONS - len(publications),
            "names_replaced_per_version": versions.step,
            "resolved_before_publication": sum(outcome["resolved_before"] for outcome in publications),
            "blocked_after_s": blocked_after, "not_blocked": len(publications) - len(blocked_after),
            "blocked_after_median_s": statistics.median(blocked_after) if blocked_after else None,
            "blocked_after_max_s": max(blocked_after) if blocked_after else None,
            "handover_s": handover, "handover_median_s": statistics.median(handover) if handover else None,
            "before": before, "during": during["run"], **publisher.details(unbound, len(publications)),
            "p99_during_vs_before": ratio(during["run"].percentiles_ms.get("p99"), before.percentiles_ms.get("p99"))}


def memory_limit_or_skip_reason(key, n):
    needed = BASE_BYTES + BYTES_PER_NAME[key] * n
    allowed = int(memory_available_bytes() * MEMORY_SHARE_ALLOWED)
    if needed > allowed:
        return None, f"would need about {needed / 2**30:.1f} GiB, more than the {allowed / 2**30:.1f} GiB allowed"
    return allowed, None


def bench_round(key, variant, directory, workload, nsd_port, memory_limit, seconds, output_dir, versions=None):
    """One fresh instance, started, measured and stopped; with list versions, the
    hot-swap phase ends the round (it changes the instance's list for good)."""
    log(f"{key}: starting")
    unbound = RunningUnbound(directory, nsd_port, variant, memory_limit)
    try:
        ready = unbound.wait_ready(workload.probe_name, [STOP_PAGE_V4] if variant.blocks else None,
                                   timeout=60 + workload.name_count * 300e-6)
        rss_after_load = status_mb(unbound.pid, "VmRSS")
        log(f"{key}: ready after {ready:.2f} s, RSS {rss_after_load:.0f} MB")
        unbound.unpin_helper_threads()
        sets = measure_sets(unbound, workload, seconds)
        figures = {"ready_s": round(ready, 3), "rss_after_load_mb": round(rss_after_load, 1),
                   "rss_after_run_mb": round(status_mb(unbound.pid, "VmRSS"), 1),
                   "rss_peak_mb": round(status_mb(unbound.pid, "VmHWM"), 1),
                   "wrong_block_answers_of_50": wrong_block_answers(unbound, workload.listed) if variant.blocks
                   else None, **sets}
        if versions:
            try:
                publisher = PUBLISHERS[key](directory, output_dir, versions, unbound)
                figures["swap"] = swap_under_load(unbound, publisher, versions, workload)
            except (subprocess.SubprocessError, OSError) as error:
                log(f"{key}: hot swap failed: {error}")
                figures["swap"] = {"failed": str(error)}
        return figures
    finally:
        unbound.stop()


def best_of(variant, rounds):
    """One instance's figures from its rounds: each throughput from its fastest
    round, each latency percentile run from its quietest, ready time and RSS the median."""
    def median(key):
        return statistics.median(round_[key] for round_ in rounds)

    def quietest(runs):
        return min(runs, key=lambda run: run.unbound_waiting_share)

    wrong = [round_["wrong_block_answers_of_50"] for round_ in rounds]
    return {"title": variant.title, "module_config": variant.module_config, "rounds": len(rounds),
            "ready_s": median("ready_s"), "rss_after_load_mb": median("rss_after_load_mb"),
            "rss_after_run_mb": median("rss_after_run_mb"), "rss_peak_mb": median("rss_peak_mb"),
            "wrong_block_answers_of_50": None if None in wrong else max(wrong),
            "swap": next((round_["swap"] for round_ in rounds if "swap" in round_), None),
            **{set_key: fastest([round_[set_key] for round_ in rounds]) for set_key in QUERY_SETS},
            "latency_at_fixed_rate": {set_key: quietest([round_["latency_at_fixed_rate"][set_key] for round_ in rounds])
                                      for set_key in QUERY_SETS},
            "every_round": {"ready_s": [round_["ready_s"] for round_ in rounds],
                            **{f"{set_key}_qps": [round_[set_key].qps for round_ in rounds]
                               for set_key in QUERY_SETS}}}


def bench_all(directory, workload, nsd_port, output_dir, seconds):
    """Runs SCHEDULE; returns each instance's best_of figures, or why it has none.
    The last round of each of SWAP_VARIANTS ends with the hot-swap phase."""
    variants, rounds, skipped, memory_limits = {}, {key: [] for key in VARIANTS}, {}, {}
    swap_rounds = {max(index for index, key in enumerate(SCHEDULE) if key == swapped) for swapped in SWAP_VARIANTS}
    versions = None
    for key in VARIANTS:
        memory_limits[key], reason = memory_limit_or_skip_reason(key, workload.name_count)
        if reason:
            log(f"{key}: {reason}")
            skipped[key] = reason
    for index, key in enumerate(SCHEDULE):
        if key in skipped:
            continue
        try:
            if key not in variants:
                log(f"{key}: writing its configuration")
                os.makedirs(os.path.join(directory, key))
                variants[key] = VARIANTS[key](os.path.join(directory, key), workload, output_dir)
            if index in swap_rounds and versions is None:
                versions = ListVersions(workload)
            rounds[key].append(bench_round(key, variants[key], os.path.join(directory, key), workload, nsd_port,
                                           memory_limits[key], seconds, output_dir,
                                           versions if index in swap_rounds else None))
        except (RuntimeError, TimeoutError, subprocess.SubprocessError, OSError) as error:
            if key == "plain":
                raise  # every figure is a ratio to plain Unbound's
            log(f"{key}: failed: {error}")
            skipped[key] = f"failed: {error}"
    return {key: {"skipped": skipped[key]} if key in skipped else best_of(variants[key], rounds[key])
            for key in VARIANTS}


# Fresh instances, alternating; each one's figures from its fastest round.
RECURSION_SCHEDULE = ["plain", "dnsstop"] * 3


def bench_recursion(directory, workload, output_dir, seconds):
    """The cache-miss set once more, with plain Unbound and the module recursing from
    a root server instead of asking one server for everything: how many root and
    TLD queries a miss costs shows whether the iterator still caches its referrals."""
    base = Hierarchy.free_base()
    root_zones, tld_zones = recursion_zones(top_level_domains(workload), base)
    wrap = lambda command: pinned(command, CLIENT_CPUS)  # noqa: E731
    root = Nsd(os.path.join(directory, "recursion-root"), zones=root_zones, address=f"{base}.1", port=53, wrap=wrap)
    tld = None
    try:
        tld = Nsd(os.path.join(directory, "recursion-tld"), zones=tld_zones, address=f"{base}.2", port=53,
                  server_count=len(CLIENT_CPUS.split(",")), wrap=wrap)
        variants, runs = {}, {"plain": [], "dnsstop": []}
        for key in RECURSION_SCHEDULE:
            instance_directory = os.path.join(directory, f"recursion-{key}")
            if key not in variants:
                os.makedirs(instance_directory)
                variants[key] = VARIANTS[key](instance_directory, workload, output_dir)
            memory_limit, _ = memory_limit_or_skip_reason(key, workload.name_count)
            log(f"{key}, recursing: starting")
            unbound = RunningUnbound(instance_directory, f"{base}.1", variants[key], memory_limit)
            try:
                unbound.wait_ready(workload.probe_name, [STOP_PAGE_V4] if variants[key].blocks else None,
                                   timeout=60 + workload.name_count * 300e-6)
                before = (root.queries(), tld.queries())
                miss = dnsperf(unbound, workload.miss, seconds, once=True)
                runs[key].append((miss, root.queries() - before[0], tld.queries() - before[1]))
            finally:
                unbound.stop()
        results = {}
        for key, key_runs in runs.items():
            miss, root_queries, tld_queries = max(key_runs, key=lambda run: run[0].qps)
            results[key] = {"cache_miss": miss, "root_queries": root_queries, "tld_queries": tld_queries,
                            "root_queries_per_miss": round(root_queries / max(miss.completed, 1), 4),
                            "tld_queries_per_miss": round(tld_queries / max(miss.completed, 1), 4),
                            "every_round_qps": [run[0].qps for run in key_runs]}
        results["dnsstop"]["cache_miss_vs_plain"] = ratio(results["dnsstop"]["cache_miss"].qps,
                                                          results["plain"]["cache_miss"].qps)
        return results
    finally:
        if tld:
            tld.stop()
        root.stop()


def recursion_table(recursion):
    lines = ["| recursing from the root: cache misses | plain Unbound | dnsstop module | target for dnsstop |",
             "|---|---|---|---|"]
    plain, module = recursion["plain"], recursion["dnsstop"]
    target = TARGETS["cache_miss"]
    met = module["cache_miss_vs_plain"] is not None and module["cache_miss_vs_plain"] >= target
    lines.append(f"| cache-miss qps, x plain's | {cell(plain['cache_miss'].qps)} | "
                 f"{cell(module['cache_miss'].qps, ratio_value=module['cache_miss_vs_plain'])} | "
                 f"{verdict_text(f'>= {target}x', met)} |")
    for key, label in (("root", "root"), ("tld", "TLD")):
        lines.append(f"| {label} server queries per miss (of {plain['cache_miss'].completed:,} / "
                     f"{module['cache_miss'].completed:,} misses) | {plain[f'{key}_queries_per_miss']} | "
                     f"{module[f'{key}_queries_per_miss']} | as plain |")
    lines.append(f"\nRecursing: a root and a TLD NSD on port 53 of their own loopback addresses, the same "
                 f"wildcard data unsigned; fresh instances alternating, each figure from its fastest of "
                 f"{RECURSION_SCHEDULE.count('plain')} rounds (qps of every round: plain {plain['every_round_qps']}, "
                 f"module {module['every_round_qps']}).")
    return "\n".join(lines)


# --- the report --------------------------------------------------------------------

def ratio(value, base):
    return value / base if value is not None and base else None


def with_ratios(results):
    """Adds each instance's figures as ratios to plain Unbound's, as the targets put them."""
    plain = results["plain"]
    rpz = results["rpz"]
    rpz_growth = None if "skipped" in rpz else rpz["rss_after_load_mb"] - plain["rss_after_load_mb"]
    for key, result in results.items():
        if "skipped" in result:
            continue
        growth = result["rss_after_load_mb"] - plain["rss_after_load_mb"]
        result["rss_growth_mb"] = round(growth, 1)
        result["ratios"] = {
            "ready_vs_plain": ratio(result["ready_s"], plain["ready_s"]),
            "rss_after_load_vs_plain": ratio(result["rss_after_load_mb"], plain["rss_after_load_mb"]),
            "cached_mix_vs_plain_cached_mix": ratio(result["cached_mix"].qps, plain["cached_mix"].qps),
            "all_listed_vs_plain_cached_mix": ratio(result["all_listed"].qps, plain["cached_mix"].qps),
            "all_listed_vs_plain_all_listed": ratio(result["all_listed"].qps, plain["all_listed"].qps),
            "cache_miss_vs_plain_cache_miss": ratio(result["cache_miss"].qps, plain["cache_miss"].qps),
            "rss_growth_vs_rpz_growth": ratio(growth, rpz_growth),
        }
    return results


def verdicts(dnsstop):
    if "skipped" in dnsstop:
        return {}
    ratios = dnsstop["ratios"]

    def at_least(value, target):
        return None if value is None else value >= target

    def at_most(value, target):
        return None if value is None else value <= target

    swap = dnsstop["swap"] if dnsstop["swap"] and "failed" not in dnsstop["swap"] else None
    swap_met = {"swap_lost_queries": False, "swap_p99_during_vs_before": False, "swap_blocked_after_s": False}
    if swap:
        swap_met = {"swap_lost_queries": at_most(swap["during"].lost, TARGETS["swap_lost_queries"]),
                    "swap_p99_during_vs_before": at_most(swap["p99_during_vs_before"],
                                                         TARGETS["swap_p99_during_vs_before"]),
                    "swap_blocked_after_s": swap["not_blocked"] == 0 and at_most(swap["blocked_after_max_s"],
                                                                               TARGETS["swap_blocked_after_s"])}
    return {"cached_mix": at_least(ratios["cached_mix_vs_plain_cached_mix"], TARGETS["cached_mix"]),
            "all_listed": at_least(ratios["all_listed_vs_plain_cached_mix"], TARGETS["all_listed"]),
            "cache_miss": at_least(ratios["cache_miss_vs_plain_cache_miss"], TARGETS["cache_miss"]),
            "rss_growth_vs_rpz": at_most(ratios["rss_growth_vs_rpz_growth"], TARGETS["rss_growth_vs_rpz"]),
            "ready_s": at_most(dnsstop["ready_s"], TARGETS["ready_s"]), **swap_met}


def cell(value, fmt="{:,.0f}", ratio_value=None):
    if value is None:
        return "-"
    text = fmt.format(value)
    return f"{text} ({ratio_value:.3f}x)" if ratio_value is not None else text


def verdict_text(target, met):
    return f"{target}: " + {True: "**met**", False: "**missed**", None: "n/a"}[met]


def markdown_table(results, met):
    keys = list(VARIANTS)
    header = "| figure | " + " | ".join(
        results[key].get("title", f"{key} (not measured)") for key in keys) + " | target for dnsstop |"
    lines = [header, "|" + "---|" * (len(keys) + 2)]

    def row(label, value_of, target=""):
        values = [("-" if "skipped" in results[key] else value_of(results[key])) for key in keys]
        lines.append(f"| {label} | " + " | ".join(values) + f" | {target} |")

    def qps_row(label, set_key, ratio_key, target_key=None):
        row(label, lambda r: cell(r[set_key].qps, ratio_value=r["ratios"][ratio_key]),
            verdict_text(f">= {TARGETS[target_key]}x", met.get(target_key)) if target_key else "")

    def cpu_row(label, set_key, base_set_key):
        row(label, lambda r: cell(r[set_key].unbound_cpu_us_per_query, "{:.2f}", ratio(
            r[set_key].unbound_cpu_us_per_query, results["plain"][base_set_key].unbound_cpu_us_per_query)) +
            f" (busy {r[set_key].unbound_busy_share:.0%}, waiting {r[set_key].unbound_waiting_share:.0%};"
            f" dnsperf {r[set_key].dnsperf_busy_share:.0%})")

    def latency_row(label, set_key):
        row(label, lambda r: "{:.3f} / {:.3f}".format(r[set_key].average_ms, r[set_key].stddev_ms))

    def percentile_row(label, set_key):
        row(label, lambda r: " / ".join(f"{value:.3f}" for value in
                                        r["latency_at_fixed_rate"][set_key].percentiles_ms.values()) or "-")

    row("ready: start to first blocked answer (s), x plain's", lambda r: cell(
        r["ready_s"], "{:.2f}", r["ratios"]["ready_vs_plain"]), verdict_text("<= 1 s", met.get("ready_s")))
    row("RSS after load (MB), x plain's", lambda r: cell(
        r["rss_after_load_mb"], "{:,.0f}", r["ratios"]["rss_after_load_vs_plain"]))
    row("RSS growth over plain (MB), x RPZ's growth", lambda r: cell(
        r["rss_growth_mb"], "{:,.1f}", r["ratios"]["rss_growth_vs_rpz_growth"]),
        verdict_text("<= 0.020x", met.get("rss_growth_vs_rpz")))
    row("RSS after the run / peak (MB)", lambda r: f"{r['rss_after_run_mb']:,.0f} / {r['rss_peak_mb']:,.0f}")
    qps_row("cached mix qps, x plain's cached mix", "cached_mix", "cached_mix_vs_plain_cached_mix", "cached_mix")
    qps_row("all-listed qps, x plain's cached mix", "all_listed", "all_listed_vs_plain_cached_mix", "all_listed")
    qps_row("all-listed qps, x plain on the same names", "all_listed", "all_listed_vs_plain_all_listed")
    qps_row("cache-miss qps, x plain's cache-miss", "cache_miss", "cache_miss_vs_plain_cache_miss", "cache_miss")
    cpu_row("cached mix: Unbound CPU µs per query, x plain's", "cached_mix", "cached_mix")
    cpu_row("all-listed: Unbound CPU µs per query, x plain's cached mix", "all_listed", "cached_mix")
    cpu_row("cache-miss: Unbound CPU µs per query, x plain's", "cache_miss", "cache_miss")
    latency_row("cached mix latency at saturation, avg / stddev (ms)", "cached_mix")
    latency_row("all-listed latency at saturation, avg / stddev (ms)", "all_listed")
    latency_row("cache-miss latency at saturation, avg / stddev (ms)", "cache_miss")
    percentile_row(f"cached mix latency at {LATENCY_RATE:,} qps, p50 / p99 / p99.9 (ms)", "cached_mix")
    percentile_row(f"all-listed latency at {LATENCY_RATE:,} qps, p50 / p99 / p99.9 (ms)", "all_listed")
    percentile_row(f"cache-miss latency at {LATENCY_RATE:,} qps, p50 / p99 / p99.9 (ms)", "cache_miss")
    row("listed queries not given the stop page (of 50)", lambda r: str(r["wrong_block_answers_of_50"] or 0)
        if r["wrong_block_answers_of_50"] is not None else "-")

    def swap_row(label, value_of, target=""):
        row(label, lambda r: "-" if not r["swap"] else r["swap"]["failed"] if "failed" in r["swap"]
            else value_of(r["swap"]), target)

    def seconds(value):
        return "-" if value is None else f"{value:.2f}"

    swap_row(f"hot swap: versions published / superseded (of {SWAP_VERSIONS}), names replaced in each",
             lambda w: f"{w['versions_published']} / {w['versions_superseded']}, {w['names_replaced_per_version']:,}")
    swap_row("hot swap: newly listed name blocked after publication, median / max (s); never blocked",
             lambda w: f"{seconds(w['blocked_after_median_s'])} / {seconds(w['blocked_after_max_s'])};"
                       f" {w['not_blocked']}", verdict_text("<= 1 s", met.get("swap_blocked_after_s")))
    swap_row("hot swap: hand-over (dnsstop compile, RPZ auth_zone_reload), median (s)",
             lambda w: seconds(w["handover_median_s"]))
    swap_row("hot swap: module's cache purge per swap, median / max (ms); cached entries judged",
             lambda w: f"{w['purge_ms_median']:.0f} / {w['purge_ms_max']:.0f}; {w['cached_entries_judged_median']:,.0f}"
             if "purge_ms_median" in w else "-")
    swap_row(f"hot swap: queries lost during (of those sent at {LATENCY_RATE:,} qps)",
             lambda w: f"{w['during'].lost:,} (of {w['during'].completed + w['during'].lost:,})",
             verdict_text("0", met.get("swap_lost_queries")))
    swap_row("hot swap: cached mix p50 / p99 before → during (ms), p99 x before's",
             lambda w: "{} → {}, {}".format(
                 *(" / ".join(f"{run.percentiles_ms.get(key, float('nan')):.3f}" for key in ("p50", "p99"))
                   for run in (w["before"], w["during"])),
                 "-" if w["p99_during_vs_before"] is None else f"{w['p99_during_vs_before']:.2f}x"),
             verdict_text("<= 1.5x", met.get("swap_p99_during_vs_before")))
    rounds = ", ".join(f"{result['title']} {result['rounds']}" for result in results.values() if "rounds" in result)
    lines.append(f"\nRounds (fresh instances, alternating; each throughput from the fastest round, each "
                 f"percentile run from the quietest, ready and RSS the median): {rounds}. Percentiles come "
                 f"from dnsperf -v's per-response latencies: dnsperf 2.10 itself reports only average and stddev. "
                 f"Hot swap: the last round of {' and '.join(SWAP_VARIANTS)} ends with {SWAP_VERSIONS} list versions "
                 f"due one every {SWAP_INTERVAL_S:g} s while the cached mix runs at {LATENCY_RATE:,} qps; a version "
                 f"still due when a newer one is (the previous publication not yet done) is superseded. A name newly "
                 f"listed in each version is asked (and cached as unlisted) just before it is published.")
    lines += [f"{key} not measured: {result['skipped']}" for key, result in results.items() if "skipped" in result]
    return "\n".join(lines)


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        model = re.search(r"model name\s*:\s*(.*)", cpuinfo.read())
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo.read()).group(1))
    unbound_version = subprocess.run([UNBOUND, "-V"], capture_output=True, text=True).stdout.split("\n", 1)[0]
    dnsperf_help = subprocess.run(["dnsperf", "-h"], capture_output=True, text=True)
    dnsperf_version = re.search(r"Version (\S+)", dnsperf_help.stdout + dnsperf_help.stderr)
    return {"cpu": model.group(1) if model else platform.machine(), "cpus": len(CPUS),
            "memory_gib": round(memory_kb / 2**20, 1), "kernel": platform.release(),
            "unbound": unbound_version, "dnsperf": dnsperf_version.group(1) if dnsperf_version else "?",
            "load_average_at_start": os.getloadavg()}


def json_ready(value):
    if isinstance(value, DnsperfRun):
        return asdict(value)
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    return value


# --- main --------------------------------------------------------------------------

def stop_on_sigterm():
    """Turns SIGTERM into an exception, so the `finally` blocks stop every server."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def run(output_dir, n, seconds, directory):
    started = time.time()
    machine_info = machine()
    workload = generate_workload(os.path.join(output_dir, "bin/dnsstop-genlist"), directory, n)
    nsd = Nsd(directory, root_zone(top_level_domains(workload)), server_count=len(CLIENT_CPUS.split(",")),
              wrap=lambda command: pinned(command, CLIENT_CPUS))
    try:
        results = bench_all(directory, workload, nsd.port, output_dir, seconds)
    finally:
        nsd.stop()
    recursion = bench_recursion(directory, workload, output_dir, seconds)
    results = with_ratios(results)
    met = verdicts(results["dnsstop"])
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(started)), "machine": machine_info,
              "list_entries": n, "dnsperf_seconds": seconds, "schedule": SCHEDULE,
              "outstanding_queries": OUTSTANDING_QUERIES, "latency_rate_qps": LATENCY_RATE,
              "unbound_cpu": UNBOUND_CPU, "client_cpus": CLIENT_CPUS, "targets": TARGETS,
              "dnsstop_targets_met": met, "instances": results, "recursion": recursion,
              "duration_s": round(time.time() - started)}
    return report, markdown_table(results, met) + "\n\n" + recursion_table(recursion)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: unbound_bench.py OUTPUT_DIR")
    output_dir = os.path.abspath(sys.argv[1])
    n = int(os.environ.get("N", "1000000"))
    seconds = int(os.environ.get("DNSPERF_SECONDS", "10"))
    stop_on_sigterm()
    os.makedirs(os.path.join(output_dir, "bench"), exist_ok=True)
    directory = tempfile.mkdtemp(prefix="dnsstop-unbound-bench-")
    try:
        report, table = run(output_dir, n, seconds, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    json_path = os.path.join(output_dir, f"bench/unbound-{UNBOUND_VERSION}.json")
    with open(json_path, "w") as out:
        json.dump(json_ready(report), out, indent=2)
    print(f"\nUnbound with {n:,} listed names, one worker thread, {report['machine']['cpu']} "
          f"({report['machine']['cpus']} CPUs), {report['date']}, run took {report['duration_s']} s\n")
    print(table)
    print(f"\nfigures written to {json_path}")


if __name__ == "__main__":
    main()
