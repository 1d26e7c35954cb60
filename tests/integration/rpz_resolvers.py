"""Debian's stock resolvers, each loading one file-based Response Policy Zone, for
the RPZ tests (rpz_test.py) and the RPZ benchmark (tests/bench/rpz_bench.py).

Each runs as a plain process from `directory` (never as the system service), answers
on a free port of 127.0.0.1, sends only from 127.0.0.1 and knows no upstream but
`upstream` (an NSD on 127.0.0.1 serving the test root zone), so nothing can leave
the machine: Unbound by its stub zone, BIND by `forward only` to the NSD (its root
hints name only 127.0.0.1), PowerDNS Recursor by `forward-zones` (its hint file
names only 127.0.0.1, security polling off), Knot Resolver by a STUB policy (its
priming and trust-anchor modules, which would ask the real root, unloaded).
Validation is off in each: the test root is unsigned. One worker thread each (Knot
Resolver: one process, which has one).

Each has `port`, `pid`, `reload_command()` (the argv dnsstop-sync runs after writing
the zone, or None where the resolver watches the file itself), `log_text()` and
`stop()`.
"""

import base64
import os
import re
import shutil
import subprocess
import tempfile

import harness as h

ZONE = "dnsstop.rpz"


def program(name):
    return shutil.which(name, path="/usr/sbin:/usr/bin") or f"/usr/sbin/{name}"


def root_hints(directory):
    """A root hints file naming only 127.0.0.1 (port 53): priming, if a resolver
    does it at all beside its forwarder, stays on loopback."""
    path = os.path.join(directory, "root.hints")
    with open(path, "w") as out:
        out.write(".  3600000 NS ns.\nns. 3600000 A 127.0.0.1\n")
    return path


class Resolver:
    """Starts `command()` on a free port until it answers; another test running in
    parallel may take the port between free_port() and the bind, then the resolver
    exits at once and gets another port."""

    name = "resolver"
    ATTEMPTS = 3
    port_taken = h.PORT_TAKEN  # in its log when the port was taken

    def __init__(self, directory, upstream, zone_path, port=None, startup_seconds=60):
        """port: the one to try first (a primary's NOTIFY names it), else one picked
        free; startup_seconds: how long it may take to answer (a big zone loads first)."""
        self.directory, self.upstream, self.zone_path = directory, upstream, zone_path
        for attempt in range(self.ATTEMPTS):
            self.port = port if port and attempt == 0 else h.free_port()
            self.process = h.Process(self.command(), os.path.join(directory, f"{self.name}.log"))
            h.wait_until(lambda: not self.process.alive() or self.port_taken.search(self.process.log_text()) or
                         h.dig(self.port, "clean.org").status != "NO ANSWER", startup_seconds, f"{self.name} to answer")
            if not self.port_taken.search(self.process.log_text()):
                break
            self.process.stop()
        if not self.process.alive():
            raise RuntimeError(f"{self.name} exited: " + self.process.log_text()[-2000:])

    @property
    def pid(self):
        return self.process.process.pid

    def log_text(self):
        return self.process.log_text()

    def stop(self):
        self.process.stop()


class StockUnbound(Resolver):
    """Debian's /usr/sbin/unbound with the respip module and one file-based RPZ,
    reloaded with unbound-control over a control socket in `directory`."""

    name = "unbound"
    version = "Unbound 1.17"

    def command(self):
        self.control_socket = os.path.join(self.directory, "unbound.ctl")
        self.conf = os.path.join(self.directory, "stock-unbound.conf")
        rpz = f'rpz:\n    name: "{ZONE}"\n    zonefile: "{self.zone_path}"\n    rpz-log: yes\n'
        control = (f'    control-enable: yes\n    control-interface: "{self.control_socket}"\n'
                   '    control-use-cert: no\n')
        with open(self.conf, "w") as out:
            out.write(h.resolver_conf(self.directory, self.port, self.upstream, "respip validator iterator",
                                      sections=rpz, remote_control=control))
        return [program("unbound"), "-d", "-c", self.conf]

    def reload_command(self):
        return [program("unbound-control"), "-c", self.conf, "auth_zone_reload", ZONE]


class Bind(Resolver):
    """Debian's named (BIND 9.18) with `response-policy`, reloaded by `rndc reload
    ZONE` over a control channel on 127.0.0.1 with a key made for the run. With
    `primary` (a port of 127.0.0.1) the zone is a secondary transferred from there
    (AXFR, then IXFR or AXFR after each NOTIFY) instead of a file it reads."""

    name = "named"
    version = "BIND 9.18"
    # named keeps running without the listener it could not open.
    port_taken = re.compile(r"address in use|creating IPv4 interface .* failed", re.I)

    def __init__(self, *args, primary=None, **kwargs):
        self.primary = primary
        super().__init__(*args, **kwargs)

    def command(self):
        self.conf = os.path.join(self.directory, "named.conf")
        self.rndc_conf = os.path.join(self.directory, "rndc.conf")
        self.key = base64.b64encode(os.urandom(32)).decode()
        self.control_port = h.free_port()
        key = f'key "dnsstop-test" {{ algorithm hmac-sha256; secret "{self.key}"; }};\n'
        if self.primary:
            zone = (f'type secondary; primaries {{ 127.0.0.1 port {self.primary}; }}; file "{self.zone_path}"; '
                    'masterfile-format text;')
        else:
            zone = f'type primary; file "{self.zone_path}";'
        with open(self.conf, "w") as out:
            out.write(key + f"""options {{
    directory "{self.directory}";
    pid-file "{self.directory}/named.pid";
    session-keyfile "{self.directory}/session.key";
    managed-keys-directory "{self.directory}";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    query-source address 127.0.0.1;
    notify-source 127.0.0.1;
    transfer-source 127.0.0.1;
    notify no;
    recursion yes;
    allow-query {{ 127.0.0.1; }};
    allow-recursion {{ 127.0.0.1; }};
    dnssec-validation no;
    forwarders {{ 127.0.0.1 port {self.upstream}; }};
    forward only;
    response-policy {{ zone "{ZONE}" min-update-interval 0; }};
}};
controls {{ inet 127.0.0.1 port {self.control_port} allow {{ 127.0.0.1; }} keys {{ "dnsstop-test"; }}; }};
zone "." {{ type hint; file "{root_hints(self.directory)}"; }};
zone "{ZONE}" {{ {zone} allow-query {{ none; }}; }};
""")
        with open(self.rndc_conf, "w") as out:
            out.write(key + f'options {{ default-key "dnsstop-test"; default-server 127.0.0.1; '
                            f'default-port {self.control_port}; }};\n')
        return [program("named"), "-g", "-4", "-n", "1", "-c", self.conf]

    def reload_command(self):
        return [program("rndc"), "-c", self.rndc_conf, "reload", ZONE]


class PowerDnsRecursor(Resolver):
    """Debian's pdns_recursor (4.8) with `rpzFile` in its Lua configuration, reloaded
    by `rec_control reload-lua-config` over its control socket in `directory`."""

    name = "pdns_recursor"
    version = "PowerDNS Recursor 4.8"

    def command(self):
        # Its control socket's path must fit a UNIX socket address (108 bytes): a short
        # directory of its own, removed by stop().
        self.socket_dir = tempfile.mkdtemp(prefix="dnsstop-pdns-")
        lua = os.path.join(self.directory, "recursor.lua")
        with open(lua, "w") as out:
            out.write(f'rpzFile("{self.zone_path}", {{policyName="{ZONE}", extendedErrorCode=16}})\n')
        with open(os.path.join(self.directory, "recursor.conf"), "w") as out:
            out.write(f"""local-address=127.0.0.1
local-port={self.port}
query-local-address=127.0.0.1
allow-from=127.0.0.0/8
forward-zones=.=127.0.0.1:{self.upstream}
hint-file={root_hints(self.directory)}
dont-query=
security-poll-suffix=
dnssec=off
lua-config-file={lua}
socket-dir={self.socket_dir}
threads=1
daemon=no
write-pid=no
disable-syslog=yes
""")
        return [program("pdns_recursor"), f"--config-dir={self.directory}"]

    def reload_command(self):
        # rec_control gives up after 5 s by default, before a 1M-name zone is loaded.
        return [program("rec_control"), f"--socket-dir={self.socket_dir}", "--timeout=600", "reload-lua-config"]

    def wipe_cache(self, name):
        """Drops `name` and the names below it from its caches (packet cache included)."""
        subprocess.run([program("rec_control"), f"--socket-dir={self.socket_dir}", "wipe-cache", f"{name}$"],
                       check=True, capture_output=True, timeout=30)

    def stop(self):
        super().stop()
        shutil.rmtree(self.socket_dir, ignore_errors=True)


class KnotResolver(Resolver):
    """Debian's kresd (Knot Resolver 5.6) with `policy.rpz(policy.DENY, file, true)`:
    it watches the file (with lua-cqueues) and reloads it itself, so dnsstop-sync needs
    no reload command. Queries go to the NSD by a STUB policy written as a chain
    action, so that the RPZ rule after it still applies (Knot's rpz-passthru is its
    PASS, which ends the rule list: with real recursion that is what an operator
    wants)."""

    name = "kresd"
    version = "Knot Resolver 5.6"

    def command(self):
        config = os.path.join(self.directory, "kresd.conf")
        with open(config, "w") as out:
            out.write(f"""net.ipv6 = false
net.listen('127.0.0.1', {self.port}, {{ kind = 'dns' }})
net.outgoing_v4('127.0.0.1')
-- The modules that would ask the real root: priming, trust anchor updates and signalling.
for _, name in ipairs({{'priming', 'ta_update', 'ta_signal_query', 'ta_sentinel', 'detect_time_skew',
                        'detect_time_jump'}}) do pcall(modules.unload, name) end
trust_anchors.remove('.')
cache.size = 64 * MB
local to_nsd = policy.STUB('127.0.0.1@{self.upstream}')
policy.add(policy.all(function(state, req) to_nsd(state, req) end))  -- returns nothing: a chain action
policy.add(policy.rpz(policy.DENY, '{self.zone_path}', true))
""")
        return [program("kresd"), "-n", "-c", config, self.directory]

    def reload_command(self):
        return None
