"""The Unbound benchmark's report: every figure as a ratio to plain Unbound's from
the same run, the verdict on each target, the markdown tables it prints, the
machine it ran on, and the figures made ready for JSON; and its progress log.

Pure formatting, called once at the end of a run (machine() runs `unbound -V` and
`dnsperf -h`).
"""

import os
import platform
import re
import subprocess
import sys
from dataclasses import asdict

from bench_workload import RECURSION_SCHEDULE, SWAP_INTERVAL_S, SWAP_VARIANTS, SWAP_VERSIONS
from dnsperf_runs import LATENCY_RATE, DnsperfRun
from process_meters import CPUS

TARGETS = {"cached_mix": 0.97, "all_listed": 0.9, "cache_miss": 0.95, "rss_growth_vs_rpz": 1 / 50, "ready_s": 1.0,
           "swap_lost_queries": 0, "swap_p99_during_vs_before": 1.5, "swap_blocked_after_s": 1.0}


def log(message):
    print(f"unbound-bench: {message}", file=sys.stderr, flush=True)


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
    keys = list(results)  # the instances, in the order the benchmark defines them
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


def machine(unbound):
    with open("/proc/cpuinfo") as cpuinfo:
        model = re.search(r"model name\s*:\s*(.*)", cpuinfo.read())
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo.read()).group(1))
    unbound_version = subprocess.run([unbound, "-V"], capture_output=True, text=True).stdout.split("\n", 1)[0]
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
