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

This file starts the instances and runs the rounds; beside it, bench_workload.py
(the list, the query files, the schedule, the hot swap's versions),
process_meters.py (CPU placement, CPU time, memory), dnsperf_runs.py (driving
dnsperf) and bench_report.py (ratios, verdicts, tables, JSON).
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from bench_report import (TARGETS, json_ready, log, machine, markdown_table, ratio, recursion_table,  # noqa: E402
                          verdicts, with_ratios)
from bench_workload import (QUERY_SETS, RECURSION_SCHEDULE, SCHEDULE, SWAP_BEFORE_SECONDS,  # noqa: E402
                            SWAP_INTERVAL_S, SWAP_VARIANTS, SWAP_VERSIONS, SWAP_WAIT_S, ListVersions,
                            generate_workload, listed_names, top_level_domains)
from dnsperf_runs import LATENCY_RATE, LATENCY_SECONDS, OUTSTANDING_QUERIES, dnsperf, fastest  # noqa: E402
from harness import (STOP_PAGE_V4, STOP_PAGE_V6, DnsstopConfig, Hierarchy, Nsd, Process, free_port,  # noqa: E402
                     resolver_conf)
from process_meters import CLIENT_CPUS, CPUS, UNBOUND_CPU, memory_available_bytes, pinned, status_mb  # noqa: E402
from udp_query import query_addresses  # noqa: E402

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The Unbound under test and the module built for it (tests/bench/run.sh names one
# pair per Unbound version); every instance of one run is that same binary.
UNBOUND = os.environ["DNSSTOP_UNBOUND"]
MODULE = os.environ["DNSSTOP_MODULE"]
UNBOUND_VERSION = re.search(r"/unbound-([0-9.]+)/", MODULE).group(1)

WILDCARD_V4 = "198.51.100.7"
WILDCARD_V6 = "2001:db8:7::7"
ANSWER_TTL = 300

# RSS per listed name seen with Unbound 1.17.1 (RPZ 3.4 GB and local-zone 1.5 GB at
# 1M names), used only to skip an instance that cannot fit in memory instead of
# letting the OOM killer pick a victim on a shared machine.
BYTES_PER_NAME = {"plain": 0, "dnsstop": 40, "rpz": 3600, "local-zone": 1700}
BASE_BYTES = 512 << 20
MEMORY_SHARE_ALLOWED = 0.6


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


# --- main --------------------------------------------------------------------------

def stop_on_sigterm():
    """Turns SIGTERM into an exception, so the `finally` blocks stop every server."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def run(output_dir, n, seconds, directory):
    started = time.time()
    machine_info = machine(UNBOUND)
    log(f"generating a list of {n} names and the query files")
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
