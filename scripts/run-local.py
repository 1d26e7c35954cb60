#!/usr/bin/python3
"""dnsstop: run the whole system locally with sample data. `make run` calls this
after `make build`.

  scripts/run-local.py               start, show the demo, run until Ctrl-C
  scripts/run-local.py --check       start, ask the demo queries (DNS and the
                                     stop page), publish a new list serial and
                                     wait for Unbound to block it, stop; exit 0
                                     only if all are right (the default when
                                     stdin is not a terminal, e.g. in CI)
  scripts/run-local.py --foreground  run until Ctrl-C or SIGTERM even when stdin
                                     is not a terminal

What runs, the whole system on 127.0.0.1 only, started by the integration tests'
harness (tests/integration/harness.py), so the demo and the tests run the same
servers the same way:
  - a list server: the sample police list (etc/sample/police.list), signed with
    dnsstop-publish and a publisher key made here, served over HTTPS by nginx
    with a certificate from a test CA made here;
  - dnsstop-sync: fetches that list, verifies it and compiles the snapshot;
  - NSD serving the sample root zone (etc/sample/root.zone), and Unbound with the
    dnsstop module, which uses that NSD as its only name server and answers from
    the snapshot;
  - dnsstop-stoppage: the stop page (HTTP 451) and the check host's page.
Unbound sends only from 127.0.0.1, so no query leaves the machine. Every file of
a run (keys, certificates, configurations, lists, snapshot, logs, metrics) is in
build/run/, which each start wipes and the end leaves for inspection.

Needs only what scripts/setup.sh installs (nsd, dig, nginx-light, openssl, curl,
Debian's python3 with dnspython) and what `make build` builds (the dynlib Unbound,
the module, the dnsstop tools).
"""

import argparse
import fcntl
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
# Paths are shown relative to the caller's directory when that is the repository root.
CALLER_DIR = os.path.realpath(os.getcwd())
SAMPLE_DIR = os.path.join(REPO, "etc/sample")
RUN_DIR = os.path.join(REPO, "build/run")
WWW_DIR = os.path.join(RUN_DIR, "www")  # what nginx serves: the published list
BIN = os.path.join(REPO, "build/bin")
DNSSTOP, PUBLISH, SYNC, STOPPAGE = (os.path.join(BIN, name) for name in
                                    ("dnsstop", "dnsstop-publish", "dnsstop-sync", "dnsstop-stoppage"))


def release_codename():
    with open("/etc/os-release") as release:
        return re.search(r"^VERSION_CODENAME=(\S+)$", release.read(), re.M).group(1)


# The Unbound built from this machine's own Debian release, and the module built for
# its version (scripts/setup.sh, plugin/CMakeLists.txt); the harness reads them
# from the environment, as under CTest.
UNBOUND = os.path.join(REPO, "build/unbound", release_codename(), "sbin/unbound")
try:
    UNBOUND_VERSION = re.search(r"^Version (\d+\.\d+)", subprocess.run([UNBOUND, "-V"], capture_output=True,
                                                                         text=True).stdout, re.M).group(1)
except (OSError, AttributeError):
    UNBOUND_VERSION = "unknown"
MODULE = os.path.join(REPO, f"build/lib/unbound-{UNBOUND_VERSION}/libdnsstop-unbound.so")
os.environ.update(DNSSTOP_SOURCE_DIR=REPO, DNSSTOP_OUTPUT_DIR=os.path.join(REPO, "build"), DNSSTOP_UNBOUND=UNBOUND,
                  DNSSTOP_MODULE=MODULE)
sys.path.insert(0, os.path.join(REPO, "tests/integration"))
import harness as h  # noqa: E402

# The stop page's IPv4 address in etc/sample/dnsstop.yaml; --check expects it.
STOP_PAGE_V4 = "192.0.2.80"
# Unbound's ports: 5353 unless taken (then the next free one up to 5399).
UNBOUND_PORTS = range(5353, 5400)
# How long the stop page may take to listen.
START_TIMEOUT_SECONDS = 20
# How long --check waits for a re-published list to reach Unbound: dnsstop-sync
# polls every 2 s (etc/sample/dnsstop.yaml), the module looks every 500 ms.
HOT_SWAP_TIMEOUT_SECONDS = 20
# The name the hot-swap demo adds to the police list, and the check host (on the
# sample police list; stoppage.check_host in etc/sample/dnsstop.yaml).
HOT_SWAP_NAME = "welcome.example"
CHECK_HOST = "check.dnsstop.example"
# blocked_by_url in etc/sample/dnsstop.yaml: every 451 must name it (RFC 7725).
BLOCKED_BY_LINK = '<https://operator.example/blocking>; rel="blocked-by"'


class Failure(Exception):
    """Stops the run: a message, and the log of the server that says why."""

    def __init__(self, message, log_path=None):
        super().__init__(message)
        self.log_path = log_path


def log(message):
    print(f"run-local: {message}", flush=True)


def show(path):
    """`path` as the user can type it: relative when they started us from the
    repository root (as `make run` does), absolute otherwise."""
    return os.path.relpath(path, REPO) if CALLER_DIR == REPO else path


def indent(text, spaces):
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


class Run:
    """The servers of one run, in start order (stopped in reverse: a client before the
    server it uses), each recorded in build/run/pids so that a run killed without its
    cleanup can be cleaned up by the next."""

    def __init__(self):
        self.servers = []  # (name, harness.Process)
        self.failures = 0

    def started(self, name, process):
        self.servers.append((name, process))
        with open(os.path.join(RUN_DIR, "pids"), "a") as pids:
            pids.write(f"{name} {process.process.pid}\n")
        return process.process.pid

    def stop(self):
        stopped = [name for name, process in reversed(self.servers) if process.alive()]
        for _, process in reversed(self.servers):
            process.stop()
        self.servers = []
        if stopped:
            log(f"stopped {', '.join(stopped)}; the run's files and logs stay in {show(RUN_DIR)}/")


def process_alive(pid):
    """Whether `pid` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_leftovers():
    """A run killed without its cleanup (kill -9, a closed terminal) leaves its servers
    running, holding their ports. Stops those, but only processes that are really
    ours: their command line names this run directory."""
    try:
        with open(os.path.join(RUN_DIR, "pids")) as pids:
            entries = [line.split() for line in pids]
    except OSError:
        return
    for name, pid in (entry for entry in reversed(entries) if len(entry) == 2 and entry[1].isdigit()):
        pid = int(pid)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if (RUN_DIR + "/").encode() not in cmdline.read() or not process_alive(pid):
                    continue
        except OSError:
            continue
        log(f"stopping {name} (pid {pid}), left running by an earlier run")
        os.kill(pid, signal.SIGTERM)
        try:
            h.wait_until(lambda: not process_alive(pid), 10, f"{name} to stop")
        except TimeoutError:
            log(f"{name} (pid {pid}) did not stop within 10 s; killing it")
            os.kill(pid, signal.SIGKILL)


def check_prerequisites():
    for tool in ("nsd", "dig", "openssl", "curl", h.NGINX):
        if shutil.which(tool) is None:
            raise Failure(f"{tool} is missing; run scripts/setup.sh (or make run)")
    for path in (UNBOUND, MODULE, DNSSTOP, PUBLISH, SYNC, STOPPAGE):
        if not os.path.isfile(path):
            raise Failure(f"{show(path)} is missing; run make build (or make run)")


def run_logged(command, log_name, failure, cwd=None):
    """Runs `command` to its end with its output in build/run/LOG_NAME; a failure
    stops the run showing that log. Returns the output."""
    log_path = os.path.join(RUN_DIR, log_name)
    with open(log_path, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, timeout=120)
    if result.returncode != 0:
        raise Failure(failure, log_path)
    with open(log_path) as out:
        return out.read()


def prepare_run_dir():
    """A fresh run directory with the sample data. The lists are copied so that the
    hot-swap demo edits a copy, never the checked-in samples."""
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    os.makedirs(WWW_DIR)
    with open(os.path.join(RUN_DIR, "pids"), "w") as pids:
        pids.write(f"run-local {os.getpid()}\n")
    for name in ("root.zone", "police.list", "exceptions.list"):
        shutil.copy(os.path.join(SAMPLE_DIR, name), RUN_DIR)
    log(f"sample data from {show(SAMPLE_DIR)}/ copied to {show(RUN_DIR)}/")


def make_keys():
    """The publisher's Ed25519 key pair (the police's, in production), and a test CA
    with a certificate for the list server 127.0.0.1: dnsstop-sync accepts HTTPS
    only, and trusts this CA through the list's ca_file."""
    run_logged([PUBLISH, "keygen", "-p", os.path.join(RUN_DIR, "publisher.pub"), "-s",
                os.path.join(RUN_DIR, "publisher.key")], "keygen.log", "dnsstop-publish keygen failed")
    try:
        ca = h.TestCa(RUN_DIR, subject="dnsstop run-local test CA", test_certificates=False)
    except AssertionError as error:
        raise Failure(f"openssl could not make the test CA and certificate: {error}")
    log("made a publisher key and a test CA with a certificate for the list server 127.0.0.1")
    return ca


def publish_command():
    """The publish command, as the user types it: run here and printed for the hot-swap
    demo. The serial is one more than the one already published in build/run/www."""
    return [show(PUBLISH), "publish", "-s", show(os.path.join(RUN_DIR, "publisher.key")), "-n", "police",
            show(os.path.join(RUN_DIR, "police.list")), show(WWW_DIR)]


def publish_list():
    command = publish_command()
    log(f"publishing the police list: {' '.join(command)}")
    # From the caller's directory, where the printed (possibly relative) paths hold.
    print(indent(run_logged(command, "publish.log", "dnsstop-publish failed", cwd=CALLER_DIR), 4), end="")


def start_nginx(run, ca):
    """nginx as the list server, as the sync tests start it (harness.Nginx): HTTPS on
    127.0.0.1 only, serving build/run/www. Any static server would do: the
    signature, not the server, makes a list trusted."""
    try:
        nginx = h.Nginx(RUN_DIR, ca, WWW_DIR, test_servers=False)
    except (RuntimeError, TimeoutError) as error:
        raise Failure(f"nginx did not start: {error}", os.path.join(RUN_DIR, "nginx-error.log"))
    pid = run.started("nginx", nginx.process)
    log(f"nginx (pid {pid}) serves {show(WWW_DIR)}/ at https://127.0.0.1:{nginx.https_port}/")
    return nginx.url("police.manifest"), nginx.https_port


def write_config(list_url):
    """The one configuration the module, dnsstop-sync and dnsstop-stoppage read:
    etc/sample/dnsstop.yaml with its @...@ placeholders filled in. Paths must be
    absolute (Unbound's working directory is not ours). The stop page's port is
    picked here because the configuration names it. Returns the text and the port."""
    stoppage_port = h.free_port()
    with open(os.path.join(RUN_DIR, "publisher.pub")) as key:
        public_key = key.read().splitlines()[1]
    with open(os.path.join(SAMPLE_DIR, "dnsstop.yaml")) as sample:
        text = sample.read()
    for placeholder, value in (("RUN_DIR", RUN_DIR), ("REPO", REPO), ("LIST_URL", list_url),
                               ("PUBLIC_KEY", public_key), ("STOPPAGE_PORT", str(stoppage_port))):
        text = text.replace(f"@{placeholder}@", value)
    config = os.path.join(RUN_DIR, "dnsstop.yaml")
    with open(config, "w") as out:
        out.write(text)
    run_logged([SYNC, "--config", config, "--check-config"], "check-config.log",
               f"the generated {show(config)} is not valid")
    return text, stoppage_port


def first_sync():
    """One round of dnsstop-sync before Unbound starts, so that Unbound blocks from its
    first query (without a snapshot the sample's when_missing: resolve would let
    everything through)."""
    config = os.path.join(RUN_DIR, "dnsstop.yaml")
    log(f"first sync: {show(SYNC)} --config {show(config)} --once")
    output = run_logged([SYNC, "--config", config, "--once"], "sync-once.log",
                        "dnsstop-sync --once could not fetch and accept the police list")
    print(indent(output, 4), end="")
    if not os.path.isfile(os.path.join(RUN_DIR, "current.snap")):
        raise Failure(f"dnsstop-sync --once wrote no snapshot {show(os.path.join(RUN_DIR, 'current.snap'))}",
                      os.path.join(RUN_DIR, "sync-once.log"))


def start_process(run, name, command, log_name, ready, what):
    """Starts a server of ours, in a session of its own (so Ctrl-C reaches only this
    script, which then stops the servers in order), and waits until ready()."""
    log_path = os.path.join(RUN_DIR, log_name)
    process = h.Process(command, log_path)
    pid = run.started(name, process)
    try:
        h.wait_until(lambda: not process.alive() or ready(), START_TIMEOUT_SECONDS, what)
    except TimeoutError as error:
        raise Failure(str(error), log_path)
    if not process.alive():
        raise Failure(f"{name} exited while starting", log_path)
    return pid


def start_stoppage(run, port):
    config = os.path.join(RUN_DIR, "dnsstop.yaml")
    pid = start_process(run, "dnsstop-stoppage", [STOPPAGE, "--config", config], "stoppage.log",
                        lambda: h.listening(port), f"dnsstop-stoppage to listen on 127.0.0.1 port {port}")
    log(f"dnsstop-stoppage (pid {pid}) serves the stop page on http://127.0.0.1:{port}/")


def start_nsd(run):
    """NSD as the tests start it (harness.Nsd): no chroot, no user switch, no
    database file, no rate limit (the demo and --check ask in bursts)."""
    with open(os.path.join(RUN_DIR, "root.zone")) as zone:
        try:
            nsd = h.Nsd(RUN_DIR, zone_text=zone.read())
        except TimeoutError as error:
            raise Failure(str(error), os.path.join(RUN_DIR, "nsd.log"))
    pid = run.started("NSD", nsd.process)
    log(f"NSD (pid {pid}) serves the sample root zone on 127.0.0.1 port {nsd.port}")
    return nsd.port


def start_unbound(run, nsd_port, config_text):
    """Unbound as the tests start it (harness.Unbound): the module first in
    module-config, NSD as the only root server, sending only from 127.0.0.1."""
    try:
        unbound = h.Unbound(RUN_DIR, nsd_port, config_text, extra="    log-time-ascii: yes\n", ports=UNBOUND_PORTS)
    except TimeoutError as error:
        raise Failure(str(error), os.path.join(RUN_DIR, "unbound.log"))
    except RuntimeError as error:
        raise Failure(f"{error}")
    pid = run.started("Unbound", unbound.process)
    if not unbound.process.alive():
        raise Failure("Unbound exited while starting", os.path.join(RUN_DIR, "unbound.log"))
    log(f"Unbound (pid {pid}) with the dnsstop module answers on 127.0.0.1 port {unbound.port}")
    return unbound.port


def start_sync_daemon(run, list_url):
    """The sync daemon: polls the list server every 2 s and republishes the snapshot
    when a new serial is accepted (or the local exceptions file changes). It opens
    no port to wait for; a bad start (configuration, state) shows in its first
    moments."""
    process = h.Process([SYNC, "--config", os.path.join(RUN_DIR, "dnsstop.yaml")], os.path.join(RUN_DIR, "sync.log"))
    pid = run.started("dnsstop-sync", process)
    time.sleep(0.3)
    if not process.alive():
        raise Failure("dnsstop-sync exited while starting", os.path.join(RUN_DIR, "sync.log"))
    log(f"dnsstop-sync (pid {pid}) polls {list_url} every 2 s")


def key_lines(answer):
    """The lines of dig's output a newcomer needs: the status, the answer records (or
    a note that there are none) and the EDE line."""
    if answer.status == "NO ANSWER":
        last = answer.text.strip().splitlines()[-1:] or [""]
        return [f"(no reply: {last[0]})"]
    lines = [f"status: {answer.status}"]
    records, ede, in_answer = [], None, False
    for line in answer.text.splitlines():
        if line.startswith(";; ANSWER SECTION:"):
            in_answer = True
        elif in_answer and not line.strip():
            in_answer = False
        elif in_answer:
            records.append(" ".join(line.split()))
        elif line.startswith("; EDE: "):
            ede = line[2:]
    if records:
        lines += records
    else:
        lines.append("(no answer records: NODATA)" if answer.status == "NOERROR" else "(no answer records)")
    return lines + ([ede] if ede else [])


def demo(run, unbound_port, description, expect, name, rtype="A"):
    """Asks Unbound with dig, prints the command to paste and the key lines of its
    answer, and checks the answer. expect: "stop-page" (the stop page's address,
    with EDE 16), "nodata" (NOERROR, no records, with EDE 16) or "real" (NOERROR,
    records, no stop page, no EDE)."""
    answer = h.dig(unbound_port, name, rtype)
    print(f"  # {description}")
    print(f"  dig @127.0.0.1 -p {unbound_port} {name}" + ("" if rtype == "A" else f" {rtype}"))
    print(indent("\n".join(key_lines(answer)), 6), end="")
    censored = [code for code, _ in answer.ede if code == 16]
    problems = []
    if expect == "stop-page":
        problems += [] if STOP_PAGE_V4 in answer.data("A") else [f"no stop page address {STOP_PAGE_V4}"]
        problems += [] if censored else ["no EDE 16"]
    elif expect == "nodata":
        problems += [] if answer.status == "NOERROR" else ["status is not NOERROR"]
        problems += [] if not answer.records else ["has answer records"]
        problems += [] if censored else ["no EDE 16"]
    else:
        problems += [] if answer.status == "NOERROR" else ["status is not NOERROR"]
        problems += [] if answer.records else ["no answer records"]
        problems += ["the stop page, but it is not blocked"] if STOP_PAGE_V4 in answer.data("A") else []
        problems += ["an EDE, but it is not blocked"] if answer.ede else []
    unexpected(run, problems)


def unexpected(run, problems):
    if problems:
        print(f"      !!! unexpected: {', '.join(problems)}")
        run.failures += 1


def page_demo(run, stoppage_port, description, expect, host, language=None):
    """Asks the stop page for HOST (in LANGUAGE; else the default, Swedish), prints the
    command to paste, the status line and the page's title, and checks the status
    (and for a 451, the Link header naming the operator)."""
    headers = {"Host": host, **({"Accept-Language": language} if language else {})}
    shown = " ".join(f"-H '{key}: {value}'" for key, value in headers.items())
    print(f"  # {description}")
    print(f"  curl {shown} http://127.0.0.1:{stoppage_port}/")
    connection = http.client.HTTPConnection("127.0.0.1", stoppage_port, timeout=5)
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        status, links = response.status, response.headers.get_all("Link") or []
        title = re.search(r"<title>([^<]*)</title>", response.read().decode(errors="replace"))
        print(f"      HTTP/{response.version // 10}.{response.version % 10} {status} {response.reason}")
    except (OSError, http.client.HTTPException):
        status, links, title = None, [], None
        print("      (no answer)")
    finally:
        connection.close()
    if title:
        print(f"      title: {title.group(1)}")
    problems = [] if status == expect else [f"status is not {expect}"]
    if expect == 451:
        if BLOCKED_BY_LINK in links:
            print(f"      Link: {BLOCKED_BY_LINK}")
        else:
            problems.append(f"no header Link: {BLOCKED_BY_LINK}")
    unexpected(run, problems)


def run_demo(run, unbound_port, stoppage_port):
    print()
    print("Try it: paste these into another terminal. Each was asked once already; its key lines follow it.")
    demo(run, unbound_port, "listed (bad.example covers www.bad.example): the stop page, and EDE 16 says why",
         "stop-page", "www.bad.example")
    demo(run, unbound_port, "not listed: the real address", "real", "welcome.example")
    demo(run, unbound_port, "below a listed name but allowlisted: the real address", "real", "ok.bad.example")
    demo(run, unbound_port, "a CNAME into a listed name: blocked too", "stop-page", "alias.example")
    demo(run, unbound_port, 'the check domain, always listed: the stop page here means "your operator blocks"',
         "stop-page", CHECK_HOST)
    demo(run, unbound_port, "other types of a listed name: NODATA, with EDE 16", "nodata", "bad.example", "MX")
    snapshot = os.path.join(RUN_DIR, "current.snap")
    print("  # what the snapshot (made by dnsstop-sync) decides, without DNS:")
    print(f"  {show(DNSSTOP)} lookup {show(snapshot)} www.bad.example welcome.example")
    lookup = subprocess.run([DNSSTOP, "lookup", snapshot, "www.bad.example", "welcome.example"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    print(indent(lookup.stdout, 6), end="")
    run.failures += lookup.returncode != 0
    print()
    print(f"The stop page, as a browser sent to {STOP_PAGE_V4} would get it (here on 127.0.0.1, with a Host header):")
    page_demo(run, stoppage_port, "a blocked name: HTTP 451, naming who blocks", 451, "www.bad.example")
    page_demo(run, stoppage_port, 'the check host: "your operator blocks", with the list\'s serial (here in English)',
              200, CHECK_HOST, "en")


def print_banner(ports, list_url):
    run = show(RUN_DIR)

    def row(label, text, port=None):
        print(f" {label:<10} {text:<30} 127.0.0.1 port {port}" if port else f" {label:<10} {text}", end="")
        print("   (ask this one)" if label == "Resolver" else "")
    print()
    print("=" * 78)
    print(" dnsstop runs locally with sample data (all on 127.0.0.1, nothing leaves it)")
    print("=" * 78)
    row("Resolver", "Unbound + dnsstop module", ports["unbound"])
    row("", f"config {run}/unbound.conf, log {run}/unbound.log")
    row("Module", f"config {run}/dnsstop.yaml, snapshot {run}/current.snap,")
    row("", f"metrics {run}/dnsstop.prom (rewritten every second)")
    row("Upstream", "NSD with the sample root zone", ports["nsd"])
    row("", f"zone {run}/root.zone, log {run}/nsd.log")
    row("Lists", "nginx, HTTPS (test CA)", ports["nginx"])
    row("", f"serves {run}/www/: police list signed with {run}/publisher.key")
    row("", f"CA {run}/ca.pem, log {run}/nginx-error.log")
    row("Sync", f"dnsstop-sync, polls {list_url} every 2 s")
    row("", f"state {run}/state/, metrics {run}/sync.prom, log {run}/sync.log")
    row("Stop page", "dnsstop-stoppage, HTTP", ports["stoppage"])
    row("", f"DNS answers name {STOP_PAGE_V4} and 2001:db8::80 (documentation addresses,")
    row("", "unreachable): in this local demo the stop page is reached at")
    row("", f"http://127.0.0.1:{ports['stoppage']}/ with a Host header; log {run}/stoppage.log")


def print_hot_swap(unbound_port):
    print(f"""
Hot swap through the real channel, no restart: publish a new serial, dnsstop-sync
fetches and verifies it within 2 s, the module loads the new snapshot within 500 ms.
  1. echo {HOT_SWAP_NAME} >> {show(os.path.join(RUN_DIR, "police.list"))}
  2. {" ".join(publish_command())}
     (the serial goes up by one; resolvers take only a higher serial)
  3. dig @127.0.0.1 -p {unbound_port} {HOT_SWAP_NAME}      (within a few seconds: the stop page)
     grep accepted {show(os.path.join(RUN_DIR, "sync.log"))}      (dnsstop-sync: "accepted serial 2 by delta from 1")
Each start rewrites {show(RUN_DIR)}/ from {show(SAMPLE_DIR)}/: change the samples there for good.""")


def check_hot_swap(unbound_port):
    """--check: the hot swap above, done once: a new serial adding HOT_SWAP_NAME must
    reach Unbound through nginx and dnsstop-sync within HOT_SWAP_TIMEOUT_SECONDS."""
    print()
    log(f"hot swap: adding {HOT_SWAP_NAME} to the police list and publishing serial 2")
    with open(os.path.join(RUN_DIR, "police.list"), "a") as police:
        police.write(HOT_SWAP_NAME + "\n")
    publish_list()
    started = time.monotonic()
    try:
        h.wait_until(lambda: h.ask(unbound_port, HOT_SWAP_NAME).data("A") == [STOP_PAGE_V4], HOT_SWAP_TIMEOUT_SECONDS,
                     f"Unbound to block {HOT_SWAP_NAME}")
    except TimeoutError:
        raise Failure(f"Unbound did not block {HOT_SWAP_NAME} within {HOT_SWAP_TIMEOUT_SECONDS} s of serial 2's "
                      "publication", os.path.join(RUN_DIR, "sync.log"))
    with open(os.path.join(RUN_DIR, "sync.log")) as sync_log:
        print(indent("".join(line for line in sync_log if "accepted serial" in line), 4), end="")
    log(f"hot swap: Unbound answers {STOP_PAGE_V4} for {HOT_SWAP_NAME} after about "
        f"{round(time.monotonic() - started)} s")


def serve(run):
    """Waits until Ctrl-C or SIGTERM (which end the run) or until a server dies."""
    print()
    log(f"running until Ctrl-C (logs in {show(RUN_DIR)}/: unbound.log, sync.log, stoppage.log, nginx-error.log, "
        "nsd.log)")
    while True:
        for name, process in run.servers:
            if not process.alive():
                raise Failure(f"{name} exited unexpectedly (status {process.process.returncode})", process.log_path)
        time.sleep(0.5)


def parse_mode():
    parser = argparse.ArgumentParser(prog="scripts/run-local.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, usage=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_const", const="check", dest="mode", help=argparse.SUPPRESS)
    parser.add_argument("--foreground", action="store_const", const="serve", dest="mode", help=argparse.SUPPRESS)
    arguments, unknown = parser.parse_known_args()
    if unknown:
        raise Failure(f"unknown argument {unknown[0]} (try --help)")
    if arguments.mode:
        return arguments.mode
    # Nobody can press Ctrl-C without a terminal: run the check and stop instead of
    # hanging a CI job forever.
    if sys.stdin.isatty():
        return "serve"
    log("stdin is not a terminal: checking and stopping (--foreground keeps it running)")
    return "check"


def take_lock():
    """One run at a time: a second one would wipe build/run under the first. The lock
    lives as long as this process; the servers do not inherit it (close-on-exec)."""
    os.makedirs(os.path.join(REPO, "build"), exist_ok=True)
    lock = open(os.path.join(REPO, "build/.run-local.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Failure("another scripts/run-local.py is already running; stop it (Ctrl-C in its terminal) first")
    return lock


def main(run):
    mode = parse_mode()
    check_prerequisites()
    run.lock = take_lock()  # held until this process exits
    stop_leftovers()
    prepare_run_dir()
    # The list server first, then the first sync, so that the snapshot exists before
    # Unbound and the stop page start.
    ca = make_keys()
    publish_list()
    list_url, nginx_port = start_nginx(run, ca)
    config_text, stoppage_port = write_config(list_url)
    first_sync()
    start_stoppage(run, stoppage_port)
    nsd_port = start_nsd(run)
    unbound_port = start_unbound(run, nsd_port, config_text)
    start_sync_daemon(run, list_url)
    print_banner({"unbound": unbound_port, "nsd": nsd_port, "nginx": nginx_port,
                  "stoppage": stoppage_port}, list_url)
    run_demo(run, unbound_port, stoppage_port)
    print_hot_swap(unbound_port)
    if mode == "check":
        check_hot_swap(unbound_port)
    print()
    if run.failures:
        problem = (f"{run.failures} demo answer(s) not as expected (marked !!! above); see the logs in "
                   f"{show(RUN_DIR)}/")
        if mode == "check":
            raise Failure(f"check failed: {problem}")
        log(f"warning: {problem}")
    else:
        log("all demo answers are as expected")
    if mode == "serve":
        serve(run)


def exit_on_sigterm(signum, frame):
    raise SystemExit(143)


if __name__ == "__main__":
    # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored (in the
    # background of a shell without job control); SIGTERM exits with 143. Either way
    # the servers are stopped in order.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    local_run = Run()
    status = 0
    try:
        main(local_run)
    except Failure as failure:
        print(f"run-local: error: {failure}", file=sys.stderr)
        if failure.log_path:
            print(f"--- last lines of {show(failure.log_path)} ---", file=sys.stderr)
            try:
                with open(failure.log_path, errors="replace") as failed_log:
                    print("".join(failed_log.readlines()[-25:]), end="", file=sys.stderr)
            except OSError:
                pass
            print("---", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print()
        status = 130
    except SystemExit as exit_request:
        status = exit_request.code
    finally:
        local_run.stop()
    sys.exit(status)
