"""What the Unbound benchmark measures of the processes it runs: which CPUs the
instance under test and its clients run on, the instance's CPU time and run-queue
wait, memory, from /proc.

Any thread; each reading is a few small /proc reads.
"""

import os
import re
import resource
import time

CPUS = sorted(os.sched_getaffinity(0))
UNBOUND_CPU = CPUS[-1] if len(CPUS) > 1 else None
CLIENT_CPUS = ",".join(map(str, CPUS[:-1] if len(CPUS) > 1 else CPUS))


def pinned(command, cpus):
    """The command bound to the given CPUs, so that dnsperf and NSD never take turns
    with the one Unbound worker on its core."""
    return ["taskset", "-c", str(cpus), *command] if cpus is not None else command


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
