"""What the Unbound benchmark asks of its instances: the list of N names and the
query files (written by dnsstop-genlist), the schedule of rounds, and the list
versions of the hot-swap phase. unbound_bench.py explains the whole benchmark.

Called from the benchmark's main thread; writing the files costs a few seconds per
million names.
"""

import itertools
import os
import subprocess
from dataclasses import dataclass

from dnsperf_runs import LATENCY_RATE, LATENCY_SECONDS

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
# Fresh instances, alternating; each one's figures from its fastest round.
RECURSION_SCHEDULE = ["plain", "dnsstop"] * 3

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
