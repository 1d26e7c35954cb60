"""Real servers on loopback for dnsstop's integration tests.

NSD serves a test root zone (so the dynlib Unbound iterates against it as its only
root server), Unbound runs with the dnsstop module, and `dig` asks the questions.
Every process listens on 127.0.0.1 only, on a port picked free; Unbound may send
only from 127.0.0.1 and knows no root but NSD, so nothing can leave the machine.
Paths come from the environment that CTest sets (see tests/CMakeLists.txt).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

SOURCE_DIR = os.environ.get("DNSSTOP_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
OUTPUT_DIR = os.environ.get("DNSSTOP_OUTPUT_DIR", os.path.join(SOURCE_DIR, "build"))
# The Unbound binary and the module built for it: CTest runs the module's tests once
# per Unbound version (tests/CMakeLists.txt) and names both.
UNBOUND = os.environ.get("DNSSTOP_UNBOUND")
MODULE = os.environ.get("DNSSTOP_MODULE")
DNSSTOP = os.path.join(OUTPUT_DIR, "bin/dnsstop")

STOP_PAGE_V4 = "192.0.2.80"
STOP_PAGE_V6 = "2001:db8::80"

# The test root zone. Names under example.com, listed.net, alias.org, moved.org, late.org are
# used by the tests; nothing here is listed by itself: the lists are the tests' own.
ROOT_ZONE = """\
$TTL 300
.                   SOA   ns. hostmaster. 1 3600 600 86400 300
.                   NS    ns.
ns.                 A     127.0.0.1
example.com.        A     203.0.113.1
www.example.com.    A     203.0.113.2
www.example.com.    AAAA  2001:db8:1::2
www.example.com.    MX    10 mail.example.com.
www.example.com.    TXT   "real text"
good.example.com.   A     203.0.113.3
x.good.example.com. A     203.0.113.4
exact.example.com.  A     203.0.113.5
sub.exact.example.com. A  203.0.113.6
www.listed.net.     A     203.0.113.7
alias.org.          CNAME www.listed.net.
moved.org.          DNAME listed.net.
clean.org.          A     198.51.100.1
clean.org.          AAAA  2001:db8:2::1
clean.org.          MX    10 mail.clean.org.
clean.org.          TXT   "clean"
late.org.           A     198.51.100.2
www.late.org.       A     198.51.100.3
gone.org.           A     198.51.100.4
xn--bcher-kva.example. A  198.51.100.5
"""


PORT_TAKEN = re.compile(r"could not open ports|Address already in use")


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (DNS servers bind both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port is free for both TCP and UDP on 127.0.0.1")


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"gave up after {timeout} s waiting for {what}")


@dataclass
class Answer:
    status: str
    flags: set
    records: list  # answer section: (name, type, data)
    authority: list  # authority section: (name, type, data)
    ede: list  # (code, text)
    text: str

    def data(self, rtype):
        return sorted(data for _, t, data in self.records if t == rtype)


def parse_dig(output):
    status = re.search(r"status: (\w+)", output)
    flags = re.search(r";; flags: ([\w ]*);", output)
    sections = {"ANSWER": [], "AUTHORITY": []}
    current = None
    for line in output.splitlines():
        header = re.match(r";; (\w+) SECTION:", line)
        if header:
            current = sections.get(header.group(1))
            continue
        if not line.strip() or line.startswith(";"):
            current = None if not line.strip() else current
            continue
        if current is not None:
            parts = line.split(None, 4)
            current.append((parts[0].lower(), parts[3], parts[4] if len(parts) > 4 else ""))
    ede = [(int(code), text) for code, text in re.findall(r"; EDE: (\d+) \([^)\n]*\)(?:: \((.*)\))?", output)]
    return Answer(status.group(1) if status else "NO ANSWER", set(flags.group(1).split()) if flags else set(),
                  sections["ANSWER"], sections["AUTHORITY"], ede, output)


def dig(port, name, rtype="A", *options):
    command = ["dig", "@127.0.0.1", "-p", str(port), name, rtype, "+time=3", "+tries=1", *options]
    result = subprocess.run(command, capture_output=True, text=True, timeout=20)
    return parse_dig(result.stdout)


class Process:
    def __init__(self, command, log_path, env=None):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as log:
            return log.read()

    def alive(self):
        return self.process.poll() is None

    def signal(self, sig):
        self.process.send_signal(sig)

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class Nsd:
    """NSD serving zone_text as the root zone. Without `rrl-ratelimit: 0` a burst of
    queries would measure NSD's response rate limiter instead of the resolver.
    `wrap` turns the command into the one to run (the benchmark pins it to CPUs)."""

    def __init__(self, directory, zone_text=ROOT_ZONE, server_count=1, wrap=lambda command: command):
        self.port = free_port()
        self.directory = directory
        zone = os.path.join(directory, "root.zone")
        with open(zone, "w") as out:
            out.write(zone_text)
        config = os.path.join(directory, "nsd.conf")
        with open(config, "w") as out:
            out.write(f"""server:
    ip-address: 127.0.0.1@{self.port}
    port: {self.port}
    username: ""
    chroot: ""
    zonesdir: "{directory}"
    database: ""
    pidfile: "{directory}/nsd.pid"
    xfrdfile: "{directory}/xfrd.state"
    zonelistfile: "{directory}/zone.list"
    verbosity: 1
    rrl-ratelimit: 0
    server-count: {server_count}
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "{zone}"
""")
        nsd = shutil.which("nsd") or "/usr/sbin/nsd"
        self.process = Process(wrap([nsd, "-d", "-c", config]), os.path.join(directory, "nsd.log"))
        wait_until(lambda: dig(self.port, "ns.", "A", "+norecurse").status == "NOERROR", 15, "NSD to answer")

    def stop(self):
        self.process.stop()


@dataclass
class DnsstopConfig:
    snapshot: str
    lists: list = field(default_factory=lambda: [
        {"name": "police", "action": "stoppage", "ede_code": 16, "ede_text": "Blocked by police order"},
        {"name": "operator", "action": "nxdomain", "ede_code": 15},
        {"name": "exceptions", "action": "allow"},
    ])
    when_missing: str = "resolve"
    metrics_textfile: str = ""
    ttl: int = 60
    protected_names: list = field(default_factory=list)

    def yaml(self):
        lines = [
            "snapshot:",
            f"  path: {self.snapshot}",
            f"  when_missing: {self.when_missing}",
            "  check_interval_ms: 100",
            "answers:",
            f"  stoppage_ipv4: [{STOP_PAGE_V4}]",
            f"  stoppage_ipv6: [\"{STOP_PAGE_V6}\"]",
            f"  ttl: {self.ttl}",
            "lists:",
        ]
        for entry in self.lists:
            lines.append(f"  - name: {entry['name']}")
            for key in ("action", "ede_code", "ede_text"):
                if key in entry:
                    value = entry[key]
                    lines.append(f"    {key}: " + (f"\"{value}\"" if isinstance(value, str) and key == "ede_text" else str(value)))
        if self.protected_names:
            lines.append("protected_names: [" + ", ".join(self.protected_names) + "]")
        if self.metrics_textfile:
            lines += ["metrics:", f"  textfile: {self.metrics_textfile}", "  interval_seconds: 1"]
        return "\n".join(lines) + "\n"


def resolver_conf(directory, port, upstream_port, module_config, threads=1, verbosity=1, server_extra="",
                  sections="", remote_control="    control-enable: no\n"):
    """unbound.conf for a resolver under test: it answers and sends only on 127.0.0.1
    and knows no root server but the NSD on upstream_port, so it can never reach a real
    one. server_extra: more `server:` lines (indented); sections: whole sections after
    `server:` (dynlib:, rpz:); remote_control: the lines of `remote-control:`."""
    return f"""server:
    interface: 127.0.0.1@{port}
    port: {port}
    outgoing-interface: 127.0.0.1
    do-not-query-localhost: no
    do-ip6: no
    username: ""
    chroot: ""
    directory: "{directory}"
    pidfile: ""
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: {verbosity}
    num-threads: {threads}
    access-control: 127.0.0.0/8 allow
    module-config: "{module_config}"
    qname-minimisation: no
    harden-referral-path: no
    trust-anchor-signaling: no
    root-key-sentinel: no
    ede: yes
{server_extra}
{sections}
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@{upstream_port}
    stub-prime: no
remote-control:
{remote_control}"""


class Unbound:
    # Another test running in parallel may take the port between free_port() and
    # Unbound's bind; then Unbound exits at once saying so, and gets another port.
    PORT_ATTEMPTS = 3

    def __init__(self, directory, upstream_port, dnsstop_config, threads=1, extra="", binary=UNBOUND):
        for attempt in range(self.PORT_ATTEMPTS):
            self.start(directory, upstream_port, dnsstop_config, threads, extra, binary)
            if self.process.alive() or not PORT_TAKEN.search(self.log_text()) or attempt + 1 == self.PORT_ATTEMPTS:
                return
            self.process.stop()

    def start(self, directory, upstream_port, dnsstop_config, threads, extra, binary):
        if binary is None or MODULE is None:
            raise RuntimeError("DNSSTOP_UNBOUND and DNSSTOP_MODULE name the Unbound and its module: run under ctest")
        self.port = free_port()
        self.directory = directory
        self.config_path = os.path.join(directory, "dnsstop.yaml")
        with open(self.config_path, "w") as out:
            out.write(dnsstop_config.yaml())
        self.unbound_conf = os.path.join(directory, "unbound.conf")
        with open(self.unbound_conf, "w") as out:
            out.write(resolver_conf(directory, self.port, upstream_port, "dynlib validator iterator", threads=threads,
                                    server_extra=extra, sections=f'dynlib:\n    dynlib-file: "{MODULE}"\n'))
        env = dict(os.environ, DNSSTOP_CONFIG=self.config_path)
        self.process = Process([binary, "-d", "-c", self.unbound_conf], os.path.join(directory, "unbound.log"), env)
        wait_until(lambda: not self.process.alive() or dig(self.port, "clean.org").status != "NO ANSWER", 20,
                   "Unbound to answer")

    def log_text(self):
        return self.process.log_text()

    def stop(self):
        self.process.stop()


def compile_snapshot(path, lists, allow=None, created=None):
    """lists: [(name, action, text)], allow: [(name, text)]; writes `path` atomically."""
    directory = os.path.dirname(path)
    command = [DNSSTOP, "compile", "-o", path]
    if created is not None:
        command += ["--created", str(created)]
    for name, action, text in lists:
        list_path = os.path.join(directory, f"{name}.list")
        with open(list_path, "w") as out:
            out.write(text)
        command.append(f"{name}:{action}={list_path}")
    for name, text in allow or []:
        list_path = os.path.join(directory, f"{name}.list")
        with open(list_path, "w") as out:
            out.write(text)
        command += ["--allow", list_path]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="dnsstop-it-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
