"""Driving dnsperf against an instance under test: one run at saturation or at a
fixed rate, read into a DnsperfRun with throughput, losses, latency and the CPU
shares of the instance and of dnsperf (process_meters.CpuMeter).

Called from the benchmark's threads; a run lasts the seconds asked for.
"""

import re
import subprocess
from dataclasses import dataclass

from process_meters import CLIENT_CPUS, CpuMeter, pinned

OUTSTANDING_QUERIES = 100
# Latency percentiles come from a separate, rate-limited run: at saturation every
# query waits behind dnsperf's queue (latency = outstanding / qps), which says
# nothing throughput does not. The rate is well below every instance's capacity.
LATENCY_RATE = 10_000
LATENCY_SECONDS = 5


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
