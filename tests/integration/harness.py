"""Real servers on loopback for dnsstop's integration tests.

NSD serves a test root zone (so the dynlib Unbound iterates against it as its only
root server), Unbound runs with the dnsstop module, nginx serves lists over HTTPS
with a test CA, and `query` (dnspython) or `dig` asks the questions.
Every process listens on 127.0.0.1 only, on a port picked free; Unbound may send
only from 127.0.0.1 and knows no root but NSD, so nothing can leave the machine.
Paths come from the environment that CTest sets (see tests/CMakeLists.txt).
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import yaml

SOURCE_DIR = os.environ.get("DNSSTOP_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
OUTPUT_DIR = os.environ.get("DNSSTOP_OUTPUT_DIR", os.path.join(SOURCE_DIR, "build"))
# The Unbound binary and the module built for it: CTest runs the module's tests once
# per Unbound version (tests/CMakeLists.txt) and names both.
UNBOUND = os.environ.get("DNSSTOP_UNBOUND")
MODULE = os.environ.get("DNSSTOP_MODULE")
DNSSTOP = os.path.join(OUTPUT_DIR, "bin/dnsstop")
# "address" or "thread" in a sanitizer build (make test SANITIZE=...): UNBOUND and MODULE
# are then built with that sanitizer, and every Unbound started here is checked for its
# reports (SanitizerReports).
SANITIZE = os.environ.get("DNSSTOP_SANITIZE", "")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

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


def free_port(candidates=None):
    """A port free for both TCP and UDP on 127.0.0.1 (DNS servers bind both): the
    first free one of `candidates` when given, else one the kernel picks. Another
    program may still take it before the server binds it."""
    def free_for_both(port):
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
    if candidates is not None:
        for port in candidates:
            if free_for_both(port):
                return port
        raise RuntimeError(f"no port of {candidates} is free for both TCP and UDP on 127.0.0.1")
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


def listening(port, address="127.0.0.1"):
    """Whether something accepts TCP connections on address:port."""
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"gave up after {timeout} s waiting for {what}")


@dataclass
class Answer:
    """A reply as the tests compare it, from dig's output (`dig`) or from a
    dns.message (`ask`): sections as (owner, type, data) in presentation form, owners
    lower case with the trailing dot, flags lower case as dig shows them."""
    status: str
    flags: set
    records: list  # answer section: (name, type, data)
    authority: list  # authority section: (name, type, data)
    ede: list  # (code, text)
    text: str
    message: dns.message.Message = None  # the reply itself, when it came from `query`

    def data(self, rtype):
        return sorted(data for _, t, data in self.records if t == rtype)

    @classmethod
    def of(cls, message):
        def section(rrsets):
            return [(rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rdata.to_text())
                    for rrset in rrsets for rdata in rrset]
        ede = [(option.code, option.text or "") for option in message.options if option.otype == dns.edns.EDE]
        return cls(dns.rcode.to_text(message.rcode()), set(dns.flags.to_text(message.flags).lower().split()),
                   section(message.answer), section(message.authority), ede, message.to_text(), message)


NO_ANSWER = Answer("NO ANSWER", set(), [], [], [], "(no reply)")


def query(port, name, rtype="A", *, rdclass="IN", server="127.0.0.1", tcp=False, edns=True, payload=1232,
          options=(), recurse=True, ad=True, cd=False, dnssec=False, timeout=3):
    """Sends one question (of class `rdclass`) to the DNS server at server:port and
    returns its reply, a dns.message.Message. UDP unless `tcp`; EDNS version 0 with
    `payload` and the EDNS `options` (dns.edns.Option) unless `edns` is false; header
    flags RD (`recurse`), AD, CD and the DO bit (`dnssec`) as given. The defaults are
    dig's, so that a question reads the same asked either way. Raises
    dns.exception.Timeout when no reply comes within `timeout` seconds, OSError when
    the server refuses (TCP)."""
    request = dns.message.make_query(name, rtype, rdclass, use_edns=0 if edns else False, payload=payload,
                                     options=list(options), want_dnssec=dnssec)
    for wanted, flag in ((recurse, dns.flags.RD), (ad, dns.flags.AD), (cd, dns.flags.CD)):
        request.flags = request.flags | flag if wanted else request.flags & ~flag
    send = dns.query.tcp if tcp else dns.query.udp
    return send(request, server, port=port, timeout=timeout)


def ask(port, name, rtype="A", **options):
    """`query` summarised as an Answer; NO_ANSWER when nothing (or nothing that parses)
    came back in time."""
    try:
        return Answer.of(query(port, name, rtype, **options))
    except (dns.exception.DNSException, OSError):
        return NO_ANSWER


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


def dig(port, name, rtype="A", *options, server="127.0.0.1"):
    command = ["dig", f"@{server}", "-p", str(port), name, rtype, "+time=3", "+tries=1", *options]
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


class Dnsperf:
    """dnsperf sending `query_file` (lines "NAME TYPE", looped) to 127.0.0.1:port at
    `rate` queries a second for `seconds` (once=True: through the file once at most),
    in the background; result() waits for it and returns its figures. With verbose=True dnsperf prints every response and
    result() adds each one's latency in ms (latencies_ms), in the order sent."""

    def __init__(self, port, query_file, seconds, rate, log_path, outstanding=200, timeout=2, verbose=False,
                 once=False):
        self.seconds = seconds
        self.verbose = verbose
        self.log_path = log_path
        command = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", query_file, "-l", str(seconds), "-e",
                   "-c", "4", "-q", str(outstanding), "-t", str(timeout), "-Q", str(rate), *(["-v"] if verbose else []), *(["-n", "1"] if once else [])]
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def interrupt(self):
        """Ends the run now (dnsperf reports what it has; queries still in flight count
        as interrupted, not lost)."""
        self.process.send_signal(signal.SIGINT)

    def result(self):
        try:
            self.process.wait(timeout=self.seconds + 60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()
        with open(self.log_path) as log:
            output = log.read()
        if self.process.returncode != 0:
            raise RuntimeError(f"dnsperf exited with {self.process.returncode}:\n{output[-2000:]}")

        def figure(pattern):
            return int(re.search(pattern, output).group(1))
        result = {"sent": figure(r"Queries sent:\s+(\d+)"), "completed": figure(r"Queries completed:\s+(\d+)"),
                  "lost": figure(r"Queries lost:\s+(\d+)")}
        if self.verbose:
            result["latencies_ms"] = [float(value) * 1000
                                      for value in re.findall(r"^> \S+ \S+ \S+ (\d+\.\d+)$", output, re.M)]
        return result


class Nsd:
    """NSD serving `zones` ({zone name: zone text}; default: zone_text as the root zone)
    on `address`, at a port picked free unless one is given (the hierarchy's servers
    use 53, each on its own address). Without `rrl-ratelimit: 0` a burst of queries
    would measure NSD's response rate limiter instead of the resolver. `wrap` turns
    the command into the one to run (the benchmark pins it to CPUs). Its control
    socket answers `queries()`, the number of queries it has received. zone_settings:
    more lines (indented) for every `zone:` (notify:, provide-xfr:)."""

    def __init__(self, directory, zone_text=ROOT_ZONE, server_count=1, wrap=lambda command: command, zones=None,
                 address="127.0.0.1", port=None, zone_settings=""):
        self.address = address
        self.port = port or free_port()
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        zone_entries = ""
        for name, text in (zones or {".": zone_text}).items():
            zone_file = os.path.join(directory, (name.strip(".") or "root") + ".zone")
            with open(zone_file, "w") as out:
                out.write(text)
            zone_entries += f'zone:\n    name: "{name}"\n    zonefile: "{zone_file}"\n{zone_settings}'
        self.config = os.path.join(directory, "nsd.conf")
        with open(self.config, "w") as out:
            out.write(f"""server:
    ip-address: {address}@{self.port}
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
    control-enable: yes
    control-interface: "{directory}/nsd.ctl"
{zone_entries}""")
        nsd = shutil.which("nsd") or "/usr/sbin/nsd"
        self.process = Process(wrap([nsd, "-d", "-c", self.config]), os.path.join(directory, "nsd.log"))
        first_zone = next(iter(zones or {".": None}))
        try:
            wait_until(lambda: ask(self.port, first_zone, "SOA", recurse=False, server=address).status == "NOERROR",
                       15, "NSD to answer")
        except BaseException:
            self.process.stop()
            raise

    def queries(self):
        """Queries received since start, from NSD's own statistics."""
        control = shutil.which("nsd-control") or "/usr/sbin/nsd-control"
        result = subprocess.run([control, "-c", self.config, "stats_noreset"], capture_output=True, text=True,
                                timeout=10, check=True)
        return int(re.search(r"^num\.queries=(\d+)$", result.stdout, re.M).group(1))

    def stop(self):
        self.process.stop()


# The zones of the Hierarchy below the TLDs: {zone: records}, each with its own SOA,
# NS and keys added. hosted.org's name server lives under listed.net, which the
# tests list: the iterator must still reach it.
HIERARCHY_ZONES = {
    "example.com.": """www A 203.0.113.2
www AAAA 2001:db8:1::2
good A 203.0.113.3
""",
    "listed.net.": """www A 203.0.113.7
ns A {zones_address}
""",
    "alias.org.": """www CNAME www.listed.net.
""",
    "clean.org.": """@ A 198.51.100.1
@ AAAA 2001:db8:2::1
""" + "".join(f"n{i}.new A 198.51.100.9\n" for i in range(100)),
    "hosted.org.": """www A 198.51.100.7
""",
}
# Zones whose name server is not the zone server's own name: hosted.org's lives under
# listed.net; broken.org's answers every query SERVFAIL (ServfailServer).
HIERARCHY_NAME_SERVERS = {"hosted.org.": "ns.listed.net."}
HIERARCHY_BROKEN_ZONE = "broken.org."


class UdpServer:
    """A UDP server on its own thread: handle(query, client) answers each datagram;
    stop() closes the socket, which ends the thread."""

    def __init__(self, address="127.0.0.1", port=0):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((address, port))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                query, client = self.socket.recvfrom(65535)
            except OSError:
                return  # closed
            self.handle(query, client)

    def handle(self, query, client):
        raise NotImplementedError

    def stop(self):
        self.socket.close()


class ServfailServer(UdpServer):
    """A name server that answers every query SERVFAIL and counts them."""

    def __init__(self, address, port=53):
        self.queries = 0
        super().__init__(address, port)

    def handle(self, query, client):
        try:
            request = dns.message.from_wire(query)
        except dns.exception.DNSException:
            return  # not a DNS query: nothing to answer
        self.queries += 1
        reply = dns.message.make_response(request)
        reply.flags |= dns.flags.AA  # beside QR, RD and the opcode, which make_response keeps
        reply.set_rcode(dns.rcode.SERVFAIL)
        reply.use_edns(False)  # the question only: an EDNS record would need answering in kind
        self.socket.sendto(reply.to_wire(), client)


class Hierarchy:
    """DNS as a recursing resolver meets it, on loopback: a root server, a server for
    the TLDs com, net and org, and one for the zones below (HIERARCHY_ZONES), each an
    NSD on port 53 of its own address 127.X.Y.{1,2,3}, every zone DNSSEC-signed
    (ECDSA P-256 keys made for the run, signed with ldns-signzone) and delegated with
    DS records, so a validating resolver given `trust_anchor` validates everything
    from the root down. X.Y is picked so that parallel tests never share a server.
    Give a resolver `root` as its upstream."""

    TLDS = ("com.", "net.", "org.")

    def __init__(self, directory):
        self.directory = directory
        base = self.free_base()
        self.root_address, self.tld_address, self.zones_address, self.broken_address, self.stop_page_address = (
            f"{base}.{n}" for n in (1, 2, 3, 4, 5))
        zones = {name: self.zone_text(name, records.format(zones_address=self.zones_address),
                                      HIERARCHY_NAME_SERVERS.get(name, "ns.zones.nic."))
                 for name, records in HIERARCHY_ZONES.items()}
        signed, ds = {}, {}
        for name, text in zones.items():
            signed[name], ds[name] = self.sign(name, text)
        tld_zones = {}
        for tld in self.TLDS:
            text = self.zone_text(tld, "")
            for name in zones:
                if name.endswith("." + tld):
                    server = HIERARCHY_NAME_SERVERS.get(name, "ns.zones.nic.")
                    text += f"{name} NS {server}\n{ds[name]}\n"
            if HIERARCHY_BROKEN_ZONE.endswith("." + tld):
                text += f"{HIERARCHY_BROKEN_ZONE} NS ns.broken.nic.\n"  # unsigned: no DS
            tld_zones[tld], ds[tld] = self.sign(tld, text)
        root = self.zone_text(".", f"""ns.nic. A {self.root_address}
ns.tld.nic. A {self.tld_address}
ns.zones.nic. A {self.zones_address}
ns.broken.nic. A {self.broken_address}
""", name_server="ns.nic.")
        for tld in self.TLDS:
            root += f"{tld} NS ns.tld.nic.\n{ds[tld]}\n"
        root_signed, root_ds = self.sign(".", root)
        self.trust_anchor = root_ds
        self.servers = []
        try:
            self.root = self.serve("root", {".": root_signed}, self.root_address)
            self.tld = self.serve("tld", tld_zones, self.tld_address)
            self.zones = self.serve("zones", signed, self.zones_address)
            self.broken = ServfailServer(self.broken_address)
            self.servers.append(self.broken)
            # A resolver under test gets this as its stop page's address: a DNS query
            # sent to it is a stop page address handed to the iterator.
            self.stop_page = ServfailServer(self.stop_page_address)
            self.servers.append(self.stop_page)
        except BaseException:
            self.stop()
            raise

    @property
    def root_upstream(self):
        return self.root_address  # port 53

    @staticmethod
    def free_base():
        for _ in range(50):
            base = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}"
            try:
                for n in (1, 2, 3, 4, 5):
                    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                        with socket.socket(socket.AF_INET, kind) as probe:
                            probe.bind((f"{base}.{n}", 53))
                return base
            except OSError:
                continue
        raise RuntimeError("no free 127.X.Y.0/24 with port 53 free on .1 to .5")

    @staticmethod
    def zone_text(name, records, name_server="ns.zones.nic."):
        if name in Hierarchy.TLDS:
            name_server = "ns.tld.nic."
        return f"""$ORIGIN {name}
$TTL 300
@ SOA {name_server} hostmaster.nic. 1 3600 600 86400 300
@ NS {name_server}
{records}"""

    def sign(self, name, text):
        """The zone signed with a key of its own, and the DS record for its parent."""
        stem = os.path.join(self.directory, "keys", name.strip(".") or "root")
        os.makedirs(os.path.dirname(stem), exist_ok=True)
        with open(stem + ".zone", "w") as out:
            out.write(text)
        key = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", name], cwd=os.path.dirname(stem),
                             capture_output=True, text=True, check=True, timeout=30).stdout.strip()
        key = os.path.join(os.path.dirname(stem), key)
        subprocess.run(["ldns-signzone", "-o", name, stem + ".zone", key], capture_output=True, text=True, check=True,
                       timeout=60)
        with open(stem + ".zone.signed") as signed, open(key + ".ds") as ds:
            return signed.read(), ds.read().strip()

    def serve(self, label, zones, address):
        nsd = Nsd(os.path.join(self.directory, label), zones=zones, address=address, port=53)
        self.servers.append(nsd)
        return nsd

    def queries(self):
        """Queries each server received so far: {"root": n, "tld": n, "zones": n, "broken": n}."""
        return {"root": self.root.queries(), "tld": self.tld.queries(), "zones": self.zones.queries(),
                "broken": self.broken.queries}

    def resolver_settings(self):
        """server: lines that make a resolver validate this hierarchy."""
        return f'    trust-anchor: "{self.trust_anchor}"\n'

    def stop(self):
        for server in self.servers:
            server.stop()


class _IndentedDumper(yaml.SafeDumper):
    """Indents a list under its key, as etc/dnsstop.yaml does."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def yaml_text(data):
    """A configuration given as data (dicts, lists, strings, numbers) as YAML text,
    keys in the order given, every string quoted where YAML needs it."""
    return yaml.dump(data, Dumper=_IndentedDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def write_yaml(path, data):
    with open(path, "w") as out:
        out.write(yaml_text(data))
    return path


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
    stoppage_ipv4: list = field(default_factory=lambda: [STOP_PAGE_V4])
    stoppage_ipv6: list = field(default_factory=lambda: [STOP_PAGE_V6])
    protected_names: list = field(default_factory=list)
    check_interval_ms: int = 100

    def data(self):
        data = {
            "snapshot": {"path": self.snapshot, "when_missing": self.when_missing, "check_interval_ms": self.check_interval_ms},
            "answers": {"stoppage_ipv4": list(self.stoppage_ipv4), "stoppage_ipv6": list(self.stoppage_ipv6),
                        "ttl": self.ttl},
            "lists": [dict(entry) for entry in self.lists],
        }
        if self.protected_names:
            data["protected_names"] = list(self.protected_names)
        if self.metrics_textfile:
            data["metrics"] = {"textfile": self.metrics_textfile, "interval_seconds": 1}
        return data

    def yaml(self):
        return yaml_text(self.data())


def resolver_conf(directory, port, upstream, module_config, threads=1, verbosity=1, server_extra="",
                  sections="", remote_control="    control-enable: no\n"):
    """unbound.conf for a resolver under test: it answers and sends only on 127.0.0.1
    and knows no root server but `upstream` (a port of 127.0.0.1, or a Hierarchy's root
    address as ADDRESS@PORT), so it can never reach a real one. server_extra: more
    `server:` lines (indented); sections: whole sections after `server:` (dynlib:,
    rpz:); remote_control: the lines of `remote-control:`."""
    stub_addr = f"127.0.0.1@{upstream}" if isinstance(upstream, int) else upstream
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
    stub-addr: {stub_addr}
    stub-prime: no
remote-control:
{remote_control}"""


class SanitizerReports:
    """Where an instrumented Unbound writes its sanitizer reports, and the check that
    fails a test on one. Each report goes to a file `PREFIX.PID` of the test's own
    directory (log_path), not into Unbound's log, so none can pass unseen; the
    sanitizer's own exit code (EXIT_CODE) tells a report from Unbound's own exits. The
    suppression files (tests/sanitizers/) name, with a why, each report of Unbound's
    own code that is not ours to fix. Without a sanitizer build this sets nothing and
    checks nothing."""

    EXIT_CODE = 86
    SUPPRESSIONS = os.path.join(SOURCE_DIR, "tests/sanitizers")

    def __init__(self, directory):
        self.prefix = os.path.join(directory, "sanitizer")

    def environment(self):
        if not SANITIZE:
            return {}
        common = f"log_path={self.prefix}:exitcode={self.EXIT_CODE}:print_stacktrace=1"
        if SANITIZE == "address":
            # intercept_tls_get_addr=0: LSan's tracking of dynamic TLS (the module's
            # thread_locals live there, as Unbound dlopen()s it) recorded a bogus block
            # for Unbound's main thread (DTLS 0x43d-0x30000153f) and its leak check at
            # exit then crashed reading it ("Tracer caught signal 11", integration.monitoring).
            # Without it, LSan still scans every thread's static TLS, and the dynamic TLS
            # blocks are heap chunks glibc allocates, reachable from there.
            return {"ASAN_OPTIONS": f"{common}:detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0",
                    "UBSAN_OPTIONS": f"{common}:suppressions={self.SUPPRESSIONS}/ubsan.supp",
                    "LSAN_OPTIONS": f"suppressions={self.SUPPRESSIONS}/lsan.supp:print_suppressions=0"}
        return {"TSAN_OPTIONS": f"{common}:second_deadlock_stack=1:print_suppressions=0:"
                                f"suppressions={self.SUPPRESSIONS}/tsan.supp"}

    def reports(self, pid):
        """The text of every report the process `pid` wrote."""
        directory, stem = os.path.split(self.prefix)
        texts = []
        for name in sorted(os.listdir(directory)):
            if name.startswith(f"{stem}.") and name.split(".")[1] == str(pid):
                with open(os.path.join(directory, name), errors="replace") as report:
                    texts.append(f"{name}:\n{report.read()}")
        return texts

    def check(self, process):
        """Raises AssertionError if the stopped `process` (a Process) left a report or
        exited with the sanitizer's exit code."""
        if not SANITIZE:
            return
        texts = self.reports(process.process.pid)
        if texts or process.process.returncode == self.EXIT_CODE:
            raise AssertionError(f"{SANITIZE} sanitizer report from {process.log_path}'s process "
                                 f"(exit {process.process.returncode}):\n" + "\n".join(texts)[-20000:])


class Unbound:
    """The Unbound under test with the module (or, with another module_config, without
    it). control=True enables `unbound-control` on a Unix socket in `directory`
    (control()); write_conf() rewrites unbound.conf with other server: lines, for the
    next reload to read."""

    # Another test running in parallel may take the port between free_port() and
    # Unbound's bind; then Unbound exits at once saying so, and gets another port.
    PORT_ATTEMPTS = 3

    def __init__(self, directory, upstream, dnsstop_config, threads=1, extra="", binary=UNBOUND,
                 module_config="dynlib validator iterator", sections="", ports=None, control=False):
        """dnsstop_config: a DnsstopConfig, or the text of dnsstop.yaml; ports: the
        ports to answer on, the first free one taken (default: any free port)."""
        for attempt in range(self.PORT_ATTEMPTS):
            self.start(directory, upstream, dnsstop_config, threads, extra, binary, module_config, sections, ports,
                       control)
            if self.process.alive() or not PORT_TAKEN.search(self.log_text()) or attempt + 1 == self.PORT_ATTEMPTS:
                return
            self.process.stop()

    def start(self, directory, upstream, dnsstop_config, threads, extra, binary, module_config, sections, ports,
              control):
        if binary is None or MODULE is None:
            raise RuntimeError("DNSSTOP_UNBOUND and DNSSTOP_MODULE name the Unbound and its module: run under ctest")
        self.port = free_port(ports)
        self.directory = directory
        self.binary = binary
        self.config_path = os.path.join(directory, "dnsstop.yaml")
        with open(self.config_path, "w") as out:
            out.write(dnsstop_config if isinstance(dnsstop_config, str) else dnsstop_config.yaml())
        self.unbound_conf = os.path.join(directory, "unbound.conf")
        remote_control = (f'    control-enable: yes\n    control-interface: "{directory}/unbound.ctl"\n'
                          if control else "    control-enable: no\n")
        self.conf_arguments = dict(directory=directory, port=self.port, upstream=upstream,
                                   module_config=module_config, threads=threads, remote_control=remote_control,
                                   sections=f'dynlib:\n    dynlib-file: "{MODULE}"\n' + sections)
        self.write_conf(extra)
        self.sanitizer = SanitizerReports(directory)
        env = dict(os.environ, DNSSTOP_CONFIG=self.config_path, **self.sanitizer.environment())
        self.process = Process([binary, "-d", "-c", self.unbound_conf], os.path.join(directory, "unbound.log"), env)
        try:
            wait_until(lambda: not self.process.alive() or ask(self.port, "clean.org").status != "NO ANSWER", 20,
                       "Unbound to answer")
        except BaseException:
            self.process.stop()
            raise

    def write_conf(self, extra):
        """Writes unbound.conf (atomically: a reload may read it at any time) with
        `extra` as the additional server: lines."""
        with open(self.unbound_conf + ".new", "w") as out:
            out.write(resolver_conf(server_extra=extra, **self.conf_arguments))
        os.replace(self.unbound_conf + ".new", self.unbound_conf)

    def control(self, *command, timeout=60):
        """Runs `unbound-control COMMAND...` (the one beside the binary) and returns its
        result; needs control=True."""
        control = os.path.join(os.path.dirname(self.binary), "unbound-control")
        return subprocess.run([control, "-c", self.unbound_conf, *command], capture_output=True, text=True,
                              timeout=timeout)

    def log_text(self):
        return self.process.log_text()

    def stop(self):
        """Stops Unbound; in a sanitizer build fails if it reported anything."""
        self.process.stop()
        self.sanitizer.check(self.process)


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


def self_signed_certificate(key, certificate, subject_alt_name):
    """A P-256 key and a self-signed certificate for two days, naming `subject_alt_name`
    ("DNS:name" or "IP:address"), for a server under test on loopback."""
    common_name = subject_alt_name.split(":", 1)[1]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", f"/CN={common_name}", "-addext", f"subjectAltName={subject_alt_name}",
                    "-keyout", key, "-out", certificate], check=True, capture_output=True, timeout=60)


def run(command, timeout=60, check=True):
    """Runs `command` to its end, output captured as text; with `check`, a failure is
    an AssertionError that shows the command, its exit status and what it printed."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


class TestCa:
    """A CA made here by the openssl CLI (P-256, valid two days) and the certificates
    it issued: `server_cert`/`server_key` for a server on 127.0.0.1 (also named
    localhost); with `test_certificates`, also `wrong_cert`/`wrong_key` for another
    name and `client_cert`/`client_key` for mutual TLS. Files in `directory`."""

    def __init__(self, directory, subject="dnsstop test CA", test_certificates=True):
        self.directory = directory
        self.cert = self.path("ca.pem")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-days", "2", "-keyout", self.path("ca.key"), "-out", self.cert, "-subj", f"/CN={subject}"])
        self.server_cert, self.server_key = self.issue("server", "127.0.0.1", "IP:127.0.0.1,DNS:localhost")
        if test_certificates:
            self.wrong_cert, self.wrong_key = self.issue("wrong", "wrong.example", "DNS:wrong.example")
            self.client_cert, self.client_key = self.issue("client", "resolver.example", "DNS:resolver.example")

    def path(self, name):
        return os.path.join(self.directory, name)

    def issue(self, name, common_name, alt_name):
        key, csr, cert, ext = (self.path(f"{name}.{suffix}") for suffix in ("key", "csr", "pem", "ext"))
        with open(ext, "w") as out:
            out.write(f"subjectAltName={alt_name}\n")
        run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
             "-out", csr, "-subj", f"/CN={common_name}"])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.path("ca.key"),
             "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert])
        return cert, key


class Nginx:
    """nginx (Debian's nginx-light) on 127.0.0.1 serving the directory `root`: HTTPS
    with the CA's server certificate on `https_port`; with `test_servers`, also HTTPS
    with a certificate for another name (`wrong_port`), HTTPS that requires a client
    certificate from the CA (`mutual_port`), plain HTTP (`http_port`), a manifest
    that fails with HTTP 500 (/broken/police.manifest) and a redirect to plain HTTP
    (/to-plain-http/). Runs in the foreground; every file in `directory`."""

    def __init__(self, directory, ca, root, test_servers=True):
        # Ports are picked free but may be taken before nginx binds them (other tests
        # run at the same time): then nginx exits, and it is started on other ports.
        for attempt in range(5):
            self.start(directory, ca, root, test_servers)
            try:
                wait_until(lambda: not self.process.alive() or listening(self.https_port), 15, "nginx to listen")
            except BaseException:
                self.process.stop()
                raise
            # Listening is not enough: nginx exits just after when one of its other
            # sockets cannot be bound. Look once more.
            time.sleep(0.2)
            if self.process.alive():
                return
            self.process.stop()
        raise RuntimeError(f"nginx did not start; see {self.error_log}")

    def start(self, directory, ca, root, test_servers):
        self.https_port = free_port()
        self.error_log = os.path.join(directory, "nginx-error.log")
        temp = os.path.join(directory, "nginx-temp")
        os.makedirs(temp, exist_ok=True)
        # As root, nginx's workers would run as nobody; keep them as the files' owner.
        user = "user root;" if os.geteuid() == 0 else ""
        servers = f"""    server {{
        listen 127.0.0.1:{self.https_port} ssl;
        ssl_certificate {ca.server_cert};
        ssl_certificate_key {ca.server_key};
"""
        if test_servers:
            self.wrong_port, self.mutual_port, self.http_port = free_port(), free_port(), free_port()
            servers += f"""        location = /broken/police.manifest {{ return 500; }}
        location /to-plain-http/ {{ return 301 http://127.0.0.1:{self.http_port}/; }}
    }}
    server {{
        listen 127.0.0.1:{self.wrong_port} ssl;
        ssl_certificate {ca.wrong_cert};
        ssl_certificate_key {ca.wrong_key};
    }}
    server {{
        listen 127.0.0.1:{self.mutual_port} ssl;
        ssl_certificate {ca.server_cert};
        ssl_certificate_key {ca.server_key};
        ssl_client_certificate {ca.cert};
        ssl_verify_client on;
    }}
    server {{
        listen 127.0.0.1:{self.http_port};
"""
        self.config = os.path.join(directory, "nginx.conf")
        with open(self.config, "w") as out:
            out.write(f"""{user}
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {self.error_log};
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp};
    proxy_temp_path {temp};
    fastcgi_temp_path {temp};
    uwsgi_temp_path {temp};
    scgi_temp_path {temp};
    default_type application/octet-stream;
    root {root};
{servers}    }}
}}
""")
        # -e: the error log from the very start (nginx's default is /var/log/nginx).
        self.process = Process([NGINX, "-c", self.config, "-e", self.error_log], os.path.join(directory, "nginx.log"))

    def url(self, path, port=None):
        return f"https://127.0.0.1:{port or self.https_port}/{path}"

    def stop(self):
        self.process.stop()


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="dnsstop-it-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
