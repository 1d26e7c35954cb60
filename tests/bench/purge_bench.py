#!/usr/bin/python3
"""Purge benchmark: what one snapshot swap's cache purge costs at production cache sizes.

For each cache size (PURGE_ENTRIES names, default 1,000,000 and 5,000,000) and each
worker count (2 and 16 threads), an Unbound with the module gets its cache filled with
that many names (each a cached message and a cached RRset), all answered from one
wildcard in NSD on 127.0.0.1. Then, while dnsperf asks cached names at a steady rate,
a snapshot that lists 1% of the cached names is published, and the run measures:
  - the purge: how long from the publication until the module says it is done (its
    log line "purged N of M cached messages and K of L RRsets in X ms"), and how many
    entries it judged and removed;
  - the answers meanwhile: dnsperf's latencies (max, p99.9, p99) for the cached names
    from a second before the publication until the purge is done, against a run of
    BEFORE_SECONDS just before it.
A size that does not fit in the memory this machine has free is skipped, saying so.

Usage: purge_bench.py OUTPUT_DIR (uses OUTPUT_DIR/bin/dnsstop; writes
OUTPUT_DIR/bench/purge-VERSION.json). Environment: DNSSTOP_UNBOUND, DNSSTOP_MODULE
(tests/bench/run.sh sets them per Unbound version), PURGE_ENTRIES (comma-separated
name counts), PURGE_THREADS (comma-separated worker counts).
"""

import json
import os
import re
import statistics
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

ENTRIES = [int(n) for n in os.environ.get("PURGE_ENTRIES", "1000000,5000000").split(",")]
THREADS = [int(n) for n in os.environ.get("PURGE_THREADS", "2,16").split(",")]
LISTED_SHARE = 0.01
FILL_RATE = 30000  # dnsperf's ceiling while filling; Unbound sets the real pace
LATENCY_RATE = 2000
BEFORE_SECONDS = 5
PURGE_WAIT_S = 600
# Cache bytes per cached name in each of the message and RRset caches (Unbound 1.17
# on amd64 stores a wildcard A answer in about 300 bytes of each), with room to spare
# so that nothing is evicted while filling.
CACHE_BYTES_PER_NAME = 600
# Unbound's RSS per cached name with both caches (measured at 1M: about 0.9 KB),
# with room to spare, to skip what cannot fit instead of waking the OOM killer.
RSS_BYTES_PER_NAME = 1500
WILDCARD = "198.51.100.30"
ZONE = h.ROOT_ZONE + f"*.fill.org. A {WILDCARD}\n"
PURGE_LINE = re.compile(r"purged (\d+) of (\d+) cached messages and (\d+) of (\d+) RRsets in (\d+) ms")


def log(message):
    print(f"purge-bench: {message}", file=sys.stderr, flush=True)


def memory_available_bytes():
    with open("/proc/meminfo") as meminfo:
        return int(re.search(r"MemAvailable:\s+(\d+) kB", meminfo.read()).group(1)) * 1024


def write_queries(path, names):
    with open(path, "w") as out:
        out.writelines(f"{name} A\n" for name in names)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def latency_figures(run):
    latencies = run["latencies_ms"]
    return {"answers": len(latencies), "lost": run["lost"], "max_ms": round(max(latencies, default=0.0), 2),
            "p99.9_ms": round(percentile(latencies, 0.999), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
            "median_ms": round(statistics.median(latencies), 3) if latencies else 0.0}


def cache_counts(unbound):
    stats = unbound.control("stats_noreset").stdout
    return tuple(int(re.search(rf"^{re.escape(key)}=(\d+)$", stats, re.M).group(1)) for key in ("msg.cache.count", "rrset.cache.count"))


def measure(directory, nsd_port, entries, threads):
    names = [f"n{i}.fill.org" for i in range(entries)]
    fill = os.path.join(directory, "fill.txt")
    write_queries(fill, names)
    cached = os.path.join(directory, "cached.txt")
    listed = set(names[::int(1 / LISTED_SHARE)])
    write_queries(cached, [name for name in names[1::97] if name not in listed])
    snapshot = os.path.join(directory, "current.snap")
    h.compile_snapshot(snapshot, [("police", "stoppage", "example.com\n")], created=int(time.time()) - 60)
    cache_bytes = entries * CACHE_BYTES_PER_NAME
    unbound = h.Unbound(directory, nsd_port, h.DnsstopConfig(snapshot=snapshot), threads=threads, control=True,
                        extra=f"    msg-cache-size: {cache_bytes}\n    rrset-cache-size: {cache_bytes}\n"
                              f"    msg-cache-slabs: 16\n    rrset-cache-slabs: 16\n"
                              "    extended-statistics: yes\n")  # for msg.cache.count
    try:
        started = time.monotonic()
        h.Dnsperf(unbound.port, fill, 3600, FILL_RATE, os.path.join(directory, "fill.log"), outstanding=2000,
                  timeout=5, once=True).result()
        messages, rrsets = cache_counts(unbound)
        log(f"{entries} names, {threads} threads: cache filled in {time.monotonic() - started:.0f} s: "
            f"{messages} messages, {rrsets} RRsets")
        before = h.Dnsperf(unbound.port, cached, BEFORE_SECONDS, LATENCY_RATE, os.path.join(directory, "before.log"),
                           verbose=True).result()
        purges_before = len(PURGE_LINE.findall(unbound.log_text()))
        # The run spans the purge: it starts a second before the publication and is
        # ended once the module has logged the purge done.
        during = h.Dnsperf(unbound.port, cached, PURGE_WAIT_S, LATENCY_RATE, os.path.join(directory, "during.log"),
                           verbose=True)
        try:
            time.sleep(1)
            published = time.monotonic()
            h.compile_snapshot(snapshot, [("police", "stoppage", "example.com\n"),
                                          ("operator", "nxdomain", "".join(f"={name}\n" for name in listed))],
                               created=int(time.time()))
            h.wait_until(lambda: len(PURGE_LINE.findall(unbound.log_text())) > purges_before, PURGE_WAIT_S,
                         "the module to log the purge")
            observed_ms = (time.monotonic() - published) * 1000
        finally:
            during.interrupt()
        purge = PURGE_LINE.findall(unbound.log_text())[purges_before]
        during_run = during.result()
        return {"entries": entries, "threads": threads, "cached_messages": messages, "cached_rrsets": rrsets,
                "purged_messages": int(purge[0]), "judged_messages": int(purge[1]),
                "purged_rrsets": int(purge[2]), "judged_rrsets": int(purge[3]), "purge_logged_ms": int(purge[4]),
                "publication_to_purge_done_ms": round(observed_ms),
                "before": latency_figures(before), "during": latency_figures(during_run)}
    finally:
        unbound.stop()


def main():
    output_dir = sys.argv[1]
    version = re.search(r"/unbound-([0-9.]+)/", h.MODULE).group(1)
    results = []
    with tempfile.TemporaryDirectory(prefix="dnsstop-purge-bench-") as directory:
        nsd = h.Nsd(os.path.join(directory, "nsd"), zone_text=ZONE, server_count=2)
        try:
            for entries in ENTRIES:
                needed = entries * RSS_BYTES_PER_NAME
                if needed > 0.6 * memory_available_bytes():
                    log(f"{entries} names: skipped, needs about {needed >> 20} MB and "
                        f"{memory_available_bytes() >> 20} MB are free")
                    results.append({"entries": entries, "skipped": "not enough free memory"})
                    continue
                for threads in THREADS:
                    case = os.path.join(directory, f"{entries}-{threads}")
                    os.makedirs(case)
                    results.append(measure(case, nsd.port, entries, threads))
                    log(json.dumps(results[-1]))
        finally:
            nsd.stop()
    print(f"\nPurge of one swap listing {LISTED_SHARE:.0%} of the cached names, Unbound {version}, "
          f"cached names asked at {LATENCY_RATE} qps meanwhile:\n")
    print("| cached names | threads | messages / RRsets judged | removed | purge (log) | publication to done "
          "| max / p99.9 / p99 ms before | max / p99.9 / p99 ms during |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        if "skipped" in r:
            print(f"| {r['entries']:,} | - | skipped: {r['skipped']} | | | | | |")
            continue
        b, d = r["before"], r["during"]
        print(f"| {r['entries']:,} | {r['threads']} | {r['judged_messages']:,} / {r['judged_rrsets']:,} "
              f"| {r['purged_messages']:,} / {r['purged_rrsets']:,} | {r['purge_logged_ms']} ms "
              f"| {r['publication_to_purge_done_ms']} ms | {b['max_ms']} / {b['p99.9_ms']} / {b['p99_ms']} "
              f"| {d['max_ms']} / {d['p99.9_ms']} / {d['p99_ms']} |")
    os.makedirs(os.path.join(output_dir, "bench"), exist_ok=True)
    with open(os.path.join(output_dir, "bench", f"purge-{version}.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
