"""Stress: the module inside a 16-thread Unbound that never rests. dnsperf sends a
steady load (names that flip between listed and not, CNAME chains into them, names
never seen, cached names) while a new snapshot is published every 100 ms (compiled
with `dnsstop compile`, renamed over the configured path, the lists alternating so
names flip) and Unbound is reloaded every second with other cache sizes (SIGHUP,
`unbound-control reload` and `reload_keep_cache` in turn). Plain Unbound, the same
binary without the module, runs beside it with the same load and the same reloads.

Checked: no crash and, in a sanitizer build, no sanitizer report (harness.Unbound.stop);
every sampled answer is right for a snapshot that was in force while it was being
answered, or for the one just before while the cache purge after its swap runs (Sampler); the module's Unbound loses no more queries than plain Unbound
loses to the same reloads (LOSS_SLACK). The figures are printed either way.

Run by CTest in its short form (RELOADS reloads, about a minute, on the test Unbound)
and by `make stress` in its long form (1,000 reloads in the ASan Unbound):
environment DNSSTOP_STRESS_RELOADS, DNSSTOP_STRESS_RELOAD_INTERVAL (seconds),
DNSSTOP_STRESS_QPS (per Unbound).
"""

import collections
import concurrent.futures
import itertools
import os
import random
import signal
import statistics
import sys
import threading
import time
import unittest

import harness as h

THREADS = 16
RELOADS = int(os.environ.get("DNSSTOP_STRESS_RELOADS", "45"))
RELOAD_INTERVAL = float(os.environ.get("DNSSTOP_STRESS_RELOAD_INTERVAL", "1.0"))
QPS = int(os.environ.get("DNSSTOP_STRESS_QPS", "1000"))
SNAPSHOT_INTERVAL = 0.1
# How long after a version is published a cached real answer of a name it lists may
# still be served: the module takes the file in within check_interval_ms (100 ms
# here) and its purge then reaches every cached entry; the module's tests hold it to
# the same 2 s (module_test.ListChangeTest).
PURGE_BOUND = 2.0
# How long one reload may take before the run counts Unbound as hung.
RELOAD_LIMIT = 30.0
# Every reload writes the next of these (msg-cache-size, rrset-cache-size) first, so
# every reload that reads the configuration resizes both caches.
CACHE_SIZES = [("4m", "8m"), ("8m", "16m"), ("2m", "4m"), ("16m", "32m")]
RELOAD_KINDS = ("SIGHUP", "reload", "reload_keep_cache")
# A reload drops the queries Unbound has in flight, with or without the module, and
# how many those are varies from reload to reload and with what a busy shared machine
# leaves both instances. A module that stalled or broke reloads would lose everything
# sent for as long as dnsperf's timeout (2 s) at each: the module's Unbound may lose at
# most three times plain Unbound's queries, plus 0.5% of those sent.
LOSS_SLACK = (3.0, 0.005)

# The names whose verdict flips: z0..z11.flip.org (listed as zones, so www.zN too)
# and cN.chain.org, a CNAME to www.zN.flip.org. probe.flip.org is listed in every
# version: its NXDOMAIN's SOA serial says which version answered.
FLIP_ZONES = 12
WILDCARD_ADDRESS = "198.51.100.20"
LOAD_NAMES = 20000
ZONE = h.ROOT_ZONE + f"*.flip.org. A {WILDCARD_ADDRESS}\n*.load.org. A 198.51.100.21\n" + "".join(
    f"c{i}.chain.org. CNAME www.z{i}.flip.org.\n" for i in range(FLIP_ZONES))
PROBE = "probe.flip.org"
OPERATOR_EDE = 15  # the operator list (nxdomain) of harness.DnsstopConfig
# Snapshot version v is created at BASE_SERIAL + v, which its negative answers carry
# as their SOA serial.
BASE_SERIAL = int(time.time()) - 86400


def listed(zone, version):
    """Whether version `version` lists z`zone`.flip.org: zones flip every 1, 2 or 4 versions."""
    return bool(((version + zone) >> (zone % 3)) & 1)


def operator_list(version):
    return PROBE + "\n" + "".join(f"z{i}.flip.org\n" for i in range(FLIP_ZONES) if listed(i, version))


def soa_of(answer):
    """(owner, serial) of the SOA in an Answer's authority section, or None."""
    for owner, rtype, data in answer.authority:
        if rtype == "SOA":
            return owner, int(data.split()[2])
    return None


def sampled_names():
    """(name, the flip zone it leads to)."""
    for i in range(FLIP_ZONES):
        yield f"z{i}.flip.org", i
        yield f"www.z{i}.flip.org", i
        yield f"c{i}.chain.org", i


class Publisher(threading.Thread):
    """A new snapshot version every SNAPSHOT_INTERVAL until stopped: each compiled by
    `dnsstop compile` into a directory of its own, then renamed over the configured
    path. A compile takes longer than the interval on a busy machine, so COMPILERS of
    them run ahead of the schedule; a version not ready in time is published late."""

    COMPILERS = 4

    def __init__(self, snapshot, stop):
        super().__init__(daemon=True)
        self.snapshot, self.stop_event = snapshot, stop
        self.versions = os.path.join(os.path.dirname(snapshot), "versions")
        self.version = 0
        self.late = 0
        self.error = None
        os.replace(self.compile(0), snapshot)
        self.published_at = {0: time.monotonic()}  # version: when it was renamed into place

    def compile(self, version):
        path = os.path.join(self.versions, str(version), "current.snap")
        os.makedirs(os.path.dirname(path))
        h.compile_snapshot(path, [("police", "stoppage", "example.com\n"),
                                  ("operator", "nxdomain", operator_list(version))],
                           [("exceptions", "good.example.com\n")], created=BASE_SERIAL + version)
        return path

    def run(self):
        try:
            with concurrent.futures.ThreadPoolExecutor(self.COMPILERS) as compilers:
                ahead = collections.deque(compilers.submit(self.compile, v) for v in range(1, 1 + self.COMPILERS))
                next_time = time.monotonic()
                while not self.stop_event.is_set():
                    next_time += SNAPSHOT_INTERVAL
                    self.stop_event.wait(max(0.0, next_time - time.monotonic()))
                    if not ahead[0].done():
                        self.late += 1
                    ready = ahead.popleft().result(timeout=60)
                    # Noted first: a sampler may meet the version as soon as it is in place.
                    self.published_at[self.version + 1] = time.monotonic()
                    os.replace(ready, self.snapshot)
                    self.version += 1
                    ahead.append(compilers.submit(self.compile, self.version + self.COMPILERS))
                    next_time = max(next_time, time.monotonic() - SNAPSHOT_INTERVAL)
        except Exception as error:  # reported by the test
            self.error = error


class Sampler(threading.Thread):
    """Asks for flipping names, each between two probes: the probes' serials bound the
    versions in force while the name was answered (a version is in force from its swap
    to the next, and the probes are answered from the snapshot in force, never from
    the cache). A blocked answer must name a version in those bounds that lists the
    name (its SOA serial); a real answer needs one in those bounds that does not, or
    else a version that did not list it replaced less than PURGE_BOUND before the
    question: a real answer cached earlier is served until the cache purge after the
    swap reaches it (docs/unbound-module.md). Such answers are counted (`lagging`),
    with the longest lag."""

    def __init__(self, port, stop, seed, publisher):
        super().__init__(daemon=True)
        self.port, self.stop_event, self.publisher = port, stop, publisher
        self.longest_lag = 0.0
        self.random = random.Random(seed)
        self.names = list(sampled_names())
        self.samples = self.blocked = self.unanswered = self.lagging = 0
        self.wrong = []

    def probe(self):
        answer = h.ask(self.port, PROBE, timeout=1.0)
        if answer.status == h.NO_ANSWER.status:
            return None
        soa = soa_of(answer)
        if answer.status != "NXDOMAIN" or soa is None:
            self.wrong.append(f"{PROBE}: not blocked ({answer.status}, {answer.records})")
            return None
        return soa[1] - BASE_SERIAL

    def judge(self, name, zone, answer, first, last, asked_at):
        soa = soa_of(answer)
        if (answer.status == "NXDOMAIN" and soa and soa[0] == f"z{zone}.flip.org."
                and OPERATOR_EDE in [code for code, _ in answer.ede]):
            self.blocked += 1
            version = soa[1] - BASE_SERIAL
            if not (first <= version <= last and listed(zone, version)):
                return f"{name}: blocked by version {version}, which does not list it or was not in force ({first}..{last})"
            return None
        if answer.status == "NOERROR" and answer.data("A") == [WILDCARD_ADDRESS]:
            if all(listed(zone, version) for version in range(first, last + 1)):
                listing_since = first
                while listing_since > 0 and listed(zone, listing_since - 1):
                    listing_since -= 1
                lag = asked_at - self.publisher.published_at[listing_since]
                if listing_since == 0 or lag > PURGE_BOUND:
                    return (f"{name}: resolved although versions {listing_since}..{last} all list it, the first "
                            f"published {lag:.2f} s before the question")
                self.lagging += 1
                self.longest_lag = max(self.longest_lag, lag)
            return None
        return f"{name}: neither blocked nor resolved: {answer.status}, answers {answer.records}, authority {answer.authority}"

    def run(self):
        while not self.stop_event.is_set():
            name, zone = self.random.choice(self.names)
            asked_at = time.monotonic()
            first = self.probe()
            answer = h.ask(self.port, name, timeout=1.0)
            last = self.probe()
            if first is None or answer.status == h.NO_ANSWER.status or last is None:
                self.unanswered += 1  # a reload in progress
                continue
            self.samples += 1
            wrong = self.judge(name, zone, answer, first, last, asked_at)
            if wrong:
                self.wrong.append(wrong)


class Reloader(threading.Thread):
    """Reloads one Unbound on the shared schedule: before reload k it writes cache
    sizes CACHE_SIZES[k % 4] and then reloads by RELOAD_KINDS[k % 3]; then waits
    until Unbound answers again (bounded by RELOAD_LIMIT)."""

    def __init__(self, unbound, start, stop):
        super().__init__(daemon=True)
        self.unbound, self.start_time, self.stop_event = unbound, start, stop
        self.durations = []
        self.failure = None

    def run(self):
        for reload in range(RELOADS):
            self.stop_event.wait(max(0.0, self.start_time + (reload + 1) * RELOAD_INTERVAL - time.monotonic()))
            if self.stop_event.is_set():
                return
            msg_size, rrset_size = CACHE_SIZES[reload % len(CACHE_SIZES)]
            self.unbound.write_conf(cache_lines(msg_size, rrset_size))
            kind = RELOAD_KINDS[reload % len(RELOAD_KINDS)]
            began = time.monotonic()
            if kind == "SIGHUP":
                self.unbound.process.signal(signal.SIGHUP)
            else:
                result = self.unbound.control(kind, timeout=RELOAD_LIMIT)
                if result.returncode != 0 or "ok" not in result.stdout:
                    self.failure = f"reload {reload} ({kind}): unbound-control: {result.stdout}{result.stderr}"
                    return
            while h.ask(self.unbound.port, "clean.org", timeout=0.5).status == h.NO_ANSWER.status:
                if not self.unbound.process.alive():
                    self.failure = f"Unbound exited during reload {reload} ({kind})"
                    return
                if time.monotonic() - began > RELOAD_LIMIT:
                    self.failure = f"Unbound did not answer within {RELOAD_LIMIT:.0f} s of reload {reload} ({kind})"
                    return
            self.durations.append(time.monotonic() - began)


def cache_lines(msg_size, rrset_size):
    return f"    msg-cache-size: {msg_size}\n    rrset-cache-size: {rrset_size}\n"


def load_file(directory):
    """dnsperf's queries: flipping names and chains, the probe, cached names, and
    names under *.load.org never asked twice in a cycle."""
    rng = random.Random(19)
    fixed = [name for name, _ in sampled_names()] + [PROBE, "clean.org", "www.example.com", "good.example.com"]
    path = os.path.join(directory, "queries.txt")
    with open(path, "w") as out:
        for n in range(LOAD_NAMES):
            out.write(f"n{n}.load.org A\n")
            out.write(f"{rng.choice(fixed)} {rng.choice(('A', 'A', 'AAAA'))}\n")
    return path


class StressTest(unittest.TestCase):
    def test_module_under_load_swaps_and_resizing_reloads(self):
        temp = h.TempDir()
        self.addCleanup(temp.__exit__, None, None, None)  # last: after every server has stopped
        self.run_stress(temp.__enter__())

    def run_stress(self, directory):
        nsd = h.Nsd(os.path.join(directory, "nsd"), zone_text=ZONE, server_count=2)
        self.addCleanup(nsd.stop)
        snapshot = os.path.join(directory, "current.snap")
        stop = threading.Event()
        publisher = Publisher(snapshot, stop)
        instances = {}
        for label, chain in (("module", "dynlib validator iterator"), ("plain", "validator iterator")):
            instance_directory = os.path.join(directory, label)
            os.makedirs(instance_directory)
            unbound = h.Unbound(instance_directory, nsd.port, h.DnsstopConfig(snapshot=snapshot), threads=THREADS,
                                extra=cache_lines(*CACHE_SIZES[-1]), module_config=chain, control=True)
            self.addCleanup(unbound.stop)
            self.assertTrue(unbound.process.alive(), unbound.log_text()[-3000:])
            instances[label] = unbound
        queries = load_file(directory)
        seconds = int(RELOADS * RELOAD_INTERVAL + 3)
        began = time.monotonic()
        load = {label: h.Dnsperf(unbound.port, queries, seconds, QPS, os.path.join(directory, f"dnsperf-{label}.log"))
                for label, unbound in instances.items()}
        publisher.start()
        samplers = [Sampler(instances["module"].port, stop, seed, publisher) for seed in range(2)]
        reloaders = {label: Reloader(unbound, began, stop) for label, unbound in instances.items()}
        for thread in itertools.chain(samplers, reloaders.values()):
            thread.start()
        for reloader in reloaders.values():
            reloader.join(timeout=seconds + RELOAD_LIMIT + 60)
        stop.set()
        for thread in itertools.chain(samplers, [publisher]):
            thread.join(timeout=30)
        figures = {label: run.result() for label, run in load.items()}
        alive = {label: unbound.process.alive() for label, unbound in instances.items()}
        swaps = instances["module"].log_text().count("in use:")
        wrong = [line for sampler in samplers for line in sampler.wrong]
        self.report(figures, reloaders, samplers, publisher, swaps, time.monotonic() - began)

        self.assertIsNone(publisher.error)
        for label, unbound in instances.items():
            self.assertTrue(alive[label], f"{label} Unbound crashed:\n{unbound.log_text()[-5000:]}")
            self.assertIsNone(reloaders[label].failure, f"{label}: {reloaders[label].failure}\n"
                                                        f"{unbound.log_text()[-3000:]}")
            self.assertEqual(len(reloaders[label].durations), RELOADS, label)
        reports = []
        for label, unbound in instances.items():
            try:
                unbound.stop()  # in a sanitizer build, fails on any report
            except AssertionError as report:
                reports.append(f"{label}: {report}")
        self.assertEqual(reports, [])
        self.assertEqual(wrong, [], f"{len(wrong)} wrong answers, the first: {wrong[:10]}")
        samples = sum(sampler.samples for sampler in samplers)
        self.assertGreaterEqual(samples, 5 * RELOADS, "too few sampled answers to judge")
        self.assertGreater(sum(sampler.blocked for sampler in samplers), samples // 10, "too few blocked samples")
        self.assertGreaterEqual(swaps, RELOADS, "the module took in too few snapshots")
        module, plain = figures["module"], figures["plain"]
        factor, share = LOSS_SLACK
        self.assertLessEqual(module["lost"], factor * plain["lost"] + share * module["sent"],
                             f"the module's Unbound lost {module['lost']} queries, plain Unbound {plain['lost']}")

    @staticmethod
    def report(figures, reloaders, samplers, publisher, swaps, elapsed):
        lines = [f"stress: {THREADS} threads, {QPS} qps each, a snapshot every {SNAPSHOT_INTERVAL * 1000:.0f} ms "
                 f"({publisher.version} published, {publisher.late} of them late; {swaps} taken in by the module), "
                 f"{elapsed:.0f} s in all"]
        for label in ("module", "plain"):
            run, durations = figures[label], reloaders[label].durations
            reload_text = (f"{len(durations)} reloads answering again after median {statistics.median(durations) * 1000:.0f} ms, "
                           f"max {max(durations) * 1000:.0f} ms" if durations else "no reload finished")
            lines.append(f"stress: {label:6}: {run['sent']} queries sent, {run['completed']} answered, "
                         f"{run['lost']} lost ({run['lost'] / max(1, run['sent']):.3%}); {reload_text}")
        samples = sum(sampler.samples for sampler in samplers)
        lines.append(f"stress: sampler: {samples} answers judged ({sum(s.blocked for s in samplers)} blocked), "
                     f"{sum(len(s.wrong) for s in samplers)} wrong, {sum(s.lagging for s in samplers)} real from the "
                     f"cache while a purge ran (at most {max(s.longest_lag for s in samplers):.2f} s after the list "
                     f"that blocks them was published), {sum(s.unanswered for s in samplers)} unanswered during "
                     f"reloads")
        print("\n".join(lines), file=sys.stderr, flush=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
