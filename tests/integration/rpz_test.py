"""The RPZ output with stock resolvers from Debian: dnsstop-sync fetches a list
published through the real channel (dnsstop-publish, nginx over HTTPS on
127.0.0.1), merges it with local nxdomain and allow lists into one RPZ zone, and
runs the reload command; Debian's own Unbound (not the module's rebuilt one) loads
the zone and answers on 127.0.0.1 with NSD as its only root, sending only from
127.0.0.1. A property test compares the resolver's answers on a generated list with
`dnsstop lookup` on the snapshot written from the same lists. Run by CTest."""

import os
import random
import shutil
import subprocess
import unittest

import harness as h
import sync_test as s

STOCK_UNBOUND = shutil.which("unbound", path="/usr/sbin") or "/usr/sbin/unbound"
UNBOUND_CONTROL = shutil.which("unbound-control", path="/usr/sbin") or "/usr/sbin/unbound-control"
ZONE = "dnsstop.rpz"
# Every name under prop.net resolves (NSD's wildcard), so each verdict has its own answer.
PROPERTY_ADDRESS = "198.51.100.77"
ROOT_ZONE = h.ROOT_ZONE + f"""prop.net.          A     {PROPERTY_ADDRESS}
*.prop.net.        A     {PROPERTY_ADDRESS}
"""


class StockUnbound:
    """Debian's /usr/sbin/unbound with the respip module and one file-based RPZ,
    reloaded with unbound-control over a control socket in `directory`."""

    def __init__(self, directory, upstream, zone_path):
        self.control_socket = os.path.join(directory, "unbound.ctl")
        rpz = f'rpz:\n    name: "{ZONE}"\n    zonefile: "{zone_path}"\n    rpz-log: yes\n'
        control = f'    control-enable: yes\n    control-interface: "{self.control_socket}"\n    control-use-cert: no\n'
        for attempt in range(3):
            self.port = h.free_port()
            self.conf = os.path.join(directory, "stock-unbound.conf")
            with open(self.conf, "w") as out:
                out.write(h.resolver_conf(directory, self.port, upstream, "respip validator iterator",
                                          sections=rpz, remote_control=control))
            self.process = h.Process([STOCK_UNBOUND, "-d", "-c", self.conf], os.path.join(directory, "unbound.log"))
            h.wait_until(lambda: not self.process.alive() or h.dig(self.port, "clean.org").status != "NO ANSWER", 20,
                         "stock Unbound to answer")
            if self.process.alive() or not h.PORT_TAKEN.search(self.process.log_text()):
                break
            self.process.stop()
        if not self.process.alive():
            raise RuntimeError("stock Unbound exited: " + self.process.log_text()[-2000:])

    def reload_command(self):
        return [UNBOUND_CONTROL, "-c", self.conf, "auth_zone_reload", ZONE]

    def stop(self):
        self.process.stop()


class RpzConfig(s.SyncConfig):
    """The sync configuration with local nxdomain and allow lists and one RPZ output."""

    def __init__(self, *args, rpz_path, reload_command, **kwargs):
        super().__init__(*args, **kwargs)
        self.rpz_path = rpz_path
        self.reload_command = reload_command
        self.nxdomain_list = os.path.join(self.directory, "operator.list")
        self.allow_list = os.path.join(self.directory, "exceptions.list")

    def yaml(self):
        text = super().yaml().replace("sync:\n", f"""  - name: operator
    action: nxdomain
    ede_code: 15
    file: {self.nxdomain_list}
  - name: exceptions
    action: allow
    file: {self.allow_list}
sync:
""", 1).replace("  stoppage_ipv4:", f'  stoppage_ipv6: ["{h.STOP_PAGE_V6}"]\n  stoppage_ipv4:', 1)
        command = ", ".join(f'"{word}"' for word in self.reload_command)
        return text + f"""  rpz_outputs:
    - path: {self.rpz_path}
      zone: {ZONE}
      reload_command: [{command}]
      reload_timeout_seconds: 10
"""


class RpzTestCase(s.SyncTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nsd.stop()
        cls.nsd = h.Nsd(os.path.join(cls.dir, "nsd-rpz"), zone_text=ROOT_ZONE)

    def start_resolver(self, zone_path):
        raise NotImplementedError

    def rpz_config(self, nxdomain="gone.org\n", allow="good.example.com\n", poll_seconds=10):
        zone_path = os.path.join(self.case, f"{ZONE}.zone")
        # The resolver needs a zone to start with; dnsstop-sync replaces it.
        with open(zone_path, "w") as out:
            out.write(f"$ORIGIN {ZONE}.\n@ 60 SOA dnsstop.invalid. hostmaster.dnsstop.invalid. 1 3600 600 604800 60\n"
                      "@ 60 NS localhost.\n")
        self.resolver = self.start_resolver(zone_path)
        self.addCleanup(self.resolver.stop)
        config = RpzConfig(self.case, self.ca, self.nginx.url(f"{os.path.basename(self.served)}/police.manifest"),
                           [s.public_key_line(os.path.join(self.dir, "key.pub"))], rpz_path=zone_path,
                           reload_command=self.resolver.reload_command(), poll_seconds=poll_seconds)
        with open(config.nxdomain_list, "w") as out:
            out.write(nxdomain)
        with open(config.allow_list, "w") as out:
            out.write(allow)
        config.write()
        return config

    def answer(self, name, rtype="A"):
        return h.dig(self.resolver.port, name, rtype)

    def wait_for_answer(self, name, expected, rtype="A"):
        h.wait_until(lambda: self.answer(name, rtype).data(rtype) == expected, 10, f"{name} {rtype} to be {expected}")

    def rpz_metric(self, config, name):
        with open(config.metrics) as metrics:
            for line in metrics:
                if line.startswith(f'{name}{{output="0",zone="{ZONE}"}} '):
                    return int(line.split()[-1])
        return None


class StockUnboundRpzTest(RpzTestCase):
    def start_resolver(self, zone_path):
        return StockUnbound(self.case, self.nsd.port, zone_path)

    def test_zone_from_the_signed_channel_blocks_and_follows_new_versions(self):
        self.publish("example.com\n=late.org\nlisted.net\n")
        self.serve()
        config = self.rpz_config(poll_seconds=1)
        daemon = self.start_daemon(config)
        # A listed name and its subdomain get the stop page (both families).
        self.wait_for_answer("www.example.com", [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("example.com").data("A"), [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("www.example.com", "AAAA").data("AAAA"), [h.STOP_PAGE_V6])
        # An exact-only entry blocks its name only.
        self.assertEqual(self.answer("late.org").data("A"), [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("www.late.org").data("A"), ["198.51.100.3"])
        # The allowlisted name and its subdomain resolve.
        self.assertEqual(self.answer("good.example.com").data("A"), ["203.0.113.3"])
        self.assertEqual(self.answer("x.good.example.com").data("A"), ["203.0.113.4"])
        # The nxdomain list answers NXDOMAIN; unlisted names resolve.
        self.assertEqual(self.answer("gone.org").status, "NXDOMAIN")
        self.assertEqual(self.answer("clean.org").data("A"), ["198.51.100.1"])
        h.wait_until(lambda: self.rpz_metric(config, "dnsstop_sync_rpz_reloads_ok_total") == 1, 10,
                     "the reload to be counted")
        first_serial = self.rpz_metric(config, "dnsstop_sync_rpz_serial")

        # dnsstop check says "blocks".
        result = s.run([h.DNSSTOP, "check", "--server", f"127.0.0.1:{self.resolver.port}", "--config", config.path,
                        "--http-port", str(h.free_port()), "www.example.com"], check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("BLOCKS", result.stdout)

        # A new version through dnsstop-publish reaches the resolver through the reload.
        self.publish("example.com\n=late.org\nlisted.net\nclean.org\n")
        self.serve()
        self.wait_for_answer("clean.org", [h.STOP_PAGE_V4])
        h.wait_until(lambda: self.rpz_metric(config, "dnsstop_sync_rpz_reloads_ok_total") == 2, 10,
                     "the second reload to be counted")
        self.assertGreater(self.rpz_metric(config, "dnsstop_sync_rpz_serial"), first_serial)
        self.assertTrue(daemon.alive())

    def test_failing_reload_is_counted_and_keeps_the_zone(self):
        self.publish("example.com\n")
        self.serve()
        config = self.rpz_config()
        config.reload_command = ["/bin/sh", "-c", "echo refused >&2; exit 3"]
        config.write()
        result = self.sync(config)
        self.assertIn("reload command for RPZ zone dnsstop.rpz", result.stderr)
        self.assertIn("failed (exit status 3): refused", result.stderr)
        self.assertEqual(self.rpz_metric(config, "dnsstop_sync_rpz_reloads_failed_total"), 1)
        with open(config.rpz_path) as zone:
            self.assertIn("example.com A 192.0.2.80", zone.read())
        config.reload_command = ["/bin/sleep", "30"]
        config.write()
        with open(config.nxdomain_list, "a") as out:
            out.write("clean.org\n")
        result = self.sync(config)
        self.assertIn("timeout (killed after 10000 ms)", result.stderr)

    def test_property_resolver_answers_match_dnsstop_lookup(self):
        rng = random.Random(15)
        labels = ["a", "b", "c", "www"]

        def name(max_depth):  # some labels and a dot, or ""
            return "".join(rng.choice(labels) + "." for _ in range(rng.randint(0, max_depth)))

        def generated(count, exact_share):
            lines = set()
            for _ in range(count):
                entry = name(3) + "prop.net"
                lines.add(("=" if rng.random() < exact_share else "") + entry)
            return "".join(f"{line}\n" for line in sorted(lines))

        self.publish(generated(25, 0.3))
        self.serve()
        config = self.rpz_config(nxdomain=generated(20, 0.3), allow=generated(8, 0.3))
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        # --once runs the reload command before it exits.
        self.assertEqual(self.rpz_metric(config, "dnsstop_sync_rpz_reloads_ok_total"), 1, result.stderr)
        queries = sorted({name(4) + "prop.net" for _ in range(150)})
        lookup = s.run([h.DNSSTOP, "lookup", config.snapshot, *queries]).stdout.splitlines()
        self.assertEqual(len(lookup), len(queries), lookup)
        mismatches = []
        kinds = {"stop page": 0, "NXDOMAIN": 0, "allowed": 0}
        for query, verdict in zip(queries, lookup):
            for kind, ending in (("stop page", "(stoppage)"), ("NXDOMAIN", "(nxdomain)"), ("allowed", "(allow)")):
                kinds[kind] += verdict.endswith(ending)
            answer = self.answer(query)
            if verdict.endswith("in list police (stoppage)"):
                expected = "stop page"
            elif verdict.endswith("in list operator (nxdomain)"):
                expected = "NXDOMAIN"
            else:
                expected = "resolves"
            got = ("stop page" if answer.data("A") == [h.STOP_PAGE_V4] else
                   "NXDOMAIN" if answer.status == "NXDOMAIN" else
                   "resolves" if answer.data("A") == [PROPERTY_ADDRESS] else f"{answer.status} {answer.data('A')}")
            if got != expected:
                mismatches.append(f"{query}: dnsstop lookup says {verdict!r}, the resolver {got}")
        self.assertEqual(mismatches, [], "\n".join(mismatches))
        # The generated names reach every kind of verdict, carve-outs included.
        self.assertTrue(all(count >= 5 for count in kinds.values()), kinds)


if __name__ == "__main__":
    unittest.main(verbosity=2)
