"""The RPZ output with stock resolvers from Debian: dnsstop-sync fetches a list
published through the real channel (dnsstop-publish, nginx over HTTPS on
127.0.0.1), merges it with local nxdomain and allow lists into one RPZ zone, and
runs the reload command; Debian's own Unbound (not the module's rebuilt one), BIND
9.18, PowerDNS Recursor 4.8 and Knot Resolver 5.6 (rpz_resolvers.py) each load the
zone and answer on 127.0.0.1 with NSD as their only upstream, sending only from
127.0.0.1. The same checks run for each; where a resolver answers differently (its
Extended DNS Errors), the test asserts what it does. A property test compares each
resolver's answers on a generated list with `dnsstop lookup` on the snapshot written
from the same lists. Once, BIND takes the zone from NSD by zone transfer, following
NOTIFY. Run by CTest."""

import os
import random
import re
import unittest

import harness as h
import rpz_resolvers as r
import sync_test as s

ZONE = r.ZONE
# Every name under prop.net resolves (NSD's wildcard), so each verdict has its own answer.
PROPERTY_ADDRESS = "198.51.100.77"
# fresh.org is asked for the first time after the list that blocks it arrived.
ROOT_ZONE = h.ROOT_ZONE + f"""prop.net.          A     {PROPERTY_ADDRESS}
*.prop.net.        A     {PROPERTY_ADDRESS}
fresh.org.         A     198.51.100.8
"""
# A zone the resolver can start with; dnsstop-sync replaces it.
PLACEHOLDER_ZONE = (f"$ORIGIN {ZONE}.\n@ 60 SOA dnsstop.invalid. hostmaster.dnsstop.invalid. 1 3600 600 604800 60\n"
                    "@ 60 NS localhost.\n")


class RpzConfig(s.SyncConfig):
    """The sync configuration with local nxdomain and allow lists and one RPZ output
    (reload_command None: the resolver watches the file itself)."""

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
        text += f"""  rpz_outputs:
    - path: {self.rpz_path}
      zone: {ZONE}
"""
        if self.reload_command:
            command = ", ".join(f'"{word}"' for word in self.reload_command)
            text += f"""      reload_command: [{command}]
      reload_timeout_seconds: 10
"""
        return text


class RpzTestCase(s.SyncTestCase):
    """nginx, keys and an NSD serving ROOT_ZONE once per class; helpers to start a
    resolver on a placeholder zone and point dnsstop-sync's RPZ output at it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nsd.stop()
        cls.nsd = h.Nsd(os.path.join(cls.dir, "nsd-rpz"), zone_text=ROOT_ZONE)

    def start_resolver(self, zone_path):
        raise NotImplementedError

    def rpz_config(self, nxdomain="gone.org\n", allow="good.example.com\n", poll_seconds=10, zone_path=None,
                   reload_command=None):
        """Starts the resolver (unless a zone_path is given: then the caller has) and
        writes the configuration whose RPZ output is its zone."""
        if zone_path is None:
            zone_path = os.path.join(self.case, f"{ZONE}.zone")
            with open(zone_path, "w") as out:
                out.write(PLACEHOLDER_ZONE)
            self.resolver = self.start_resolver(zone_path)
            self.addCleanup(self.resolver.stop)
            reload_command = self.resolver.reload_command()
        config = RpzConfig(self.case, self.ca, self.nginx.url(f"{os.path.basename(self.served)}/police.manifest"),
                           [s.public_key_line(os.path.join(self.dir, "key.pub"))], rpz_path=zone_path,
                           reload_command=reload_command, poll_seconds=poll_seconds)
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
        if not os.path.exists(config.metrics):  # the daemon has not written it yet
            return None
        with open(config.metrics) as metrics:
            for line in metrics:
                if line.startswith(f'{name}{{output="0",zone="{ZONE}"}} '):
                    return int(line.split()[-1])
        return None

    def changes_applied(self, config, count):
        """Waits until dnsstop-sync counts `count` successful reloads (or writes, where
        the resolver watches the file)."""
        metric = ("dnsstop_sync_rpz_reloads_ok_total" if config.reload_command else "dnsstop_sync_rpz_writes_total")
        h.wait_until(lambda: self.rpz_metric(config, metric) == count, 10, f"{metric} to be {count}")


class ResolverChecks:
    """The checks every resolver runs (mixed into one RpzTestCase per resolver).
    resolver_class: one of rpz_resolvers'. ede: the Extended DNS Error codes the
    resolver adds to a stop-page answer, an NXDOMAIN from the nxdomain list and an
    allowlisted name's answer (RPZ has no per-list codes; see docs/other-resolvers.md)."""

    resolver_class = None
    ede = {"stop page": [], "nxdomain": [], "allowed": []}
    # Whether a name answered before a reload that lists it keeps its cached answer
    # until the answer's TTL runs out.
    cache_outlives_reload = False

    def start_resolver(self, zone_path):
        return self.resolver_class(self.case, self.nsd.port, zone_path)

    def ede_codes(self, answer):
        return [code for code, _ in answer.ede]

    def test_zone_from_the_signed_channel_blocks_and_follows_new_versions(self):
        self.publish("example.com\n=late.org\nlisted.net\n")
        self.serve()
        config = self.rpz_config(poll_seconds=1)
        daemon = self.start_daemon(config)
        # Asked before the zone is in place, a name's answer would be cached; PowerDNS
        # Recursor's packet cache would keep it past the reload (see below).
        self.changes_applied(config, 1)
        # A listed name and its subdomain get the stop page (both families).
        self.wait_for_answer("www.example.com", [h.STOP_PAGE_V4])
        blocked = self.answer("example.com")
        self.assertEqual(blocked.data("A"), [h.STOP_PAGE_V4])
        self.assertEqual(self.ede_codes(blocked), self.ede["stop page"], blocked.text)
        self.assertEqual(self.answer("www.example.com", "AAAA").data("AAAA"), [h.STOP_PAGE_V6])
        # An exact-only entry blocks its name only.
        self.assertEqual(self.answer("late.org").data("A"), [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("www.late.org").data("A"), ["198.51.100.3"])
        # The allowlisted name and its subdomain resolve.
        allowed = self.answer("good.example.com")
        self.assertEqual(allowed.data("A"), ["203.0.113.3"])
        self.assertEqual(self.ede_codes(allowed), self.ede["allowed"], allowed.text)
        self.assertEqual(self.answer("x.good.example.com").data("A"), ["203.0.113.4"])
        # The nxdomain list answers NXDOMAIN; unlisted names resolve, without an EDE.
        gone = self.answer("gone.org")
        self.assertEqual(gone.status, "NXDOMAIN")
        self.assertEqual(self.ede_codes(gone), self.ede["nxdomain"], gone.text)
        clean = self.answer("clean.org")
        self.assertEqual((clean.data("A"), clean.ede), (["198.51.100.1"], []))
        first_serial = self.rpz_metric(config, "dnsstop_sync_rpz_serial")

        # dnsstop check says "blocks".
        result = s.run([h.DNSSTOP, "check", "--server", f"127.0.0.1:{self.resolver.port}", "--config", config.path,
                        "--http-port", str(h.free_port()), "www.example.com"], check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("BLOCKS", result.stdout)

        # A new version through dnsstop-publish reaches the resolver through the reload.
        self.publish("example.com\n=late.org\nlisted.net\nclean.org\nfresh.org\n")
        self.serve()
        self.changes_applied(config, 2)
        self.wait_for_answer("fresh.org", [h.STOP_PAGE_V4])
        # clean.org was answered (and cached, TTL 300) before.
        if self.cache_outlives_reload:
            self.assertEqual(self.answer("clean.org").data("A"), ["198.51.100.1"])
            self.resolver.wipe_cache("clean.org")
            self.assertEqual(self.answer("clean.org").data("A"), [h.STOP_PAGE_V4])
        else:
            self.assertEqual(self.answer("clean.org").data("A"), [h.STOP_PAGE_V4])
        self.assertGreater(self.rpz_metric(config, "dnsstop_sync_rpz_serial"), first_serial)
        self.assertTrue(daemon.alive())

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
        if config.reload_command:  # --once runs the reload command before it exits
            self.assertEqual(self.rpz_metric(config, "dnsstop_sync_rpz_reloads_ok_total"), 1, result.stderr)
        queries = sorted({name(4) + "prop.net" for _ in range(150)})
        lookup = s.run([h.DNSSTOP, "lookup", config.snapshot, *queries]).stdout.splitlines()
        self.assertEqual(len(lookup), len(queries), lookup)

        def expected(verdict):
            return ("stop page" if verdict.endswith("in list police (stoppage)") else
                    "NXDOMAIN" if verdict.endswith("in list operator (nxdomain)") else "resolves")

        def got(query):
            answer = self.answer(query)
            return ("stop page" if answer.data("A") == [h.STOP_PAGE_V4] else
                    "NXDOMAIN" if answer.status == "NXDOMAIN" else
                    "resolves" if answer.data("A") == [PROPERTY_ADDRESS] else f"{answer.status} {answer.data('A')}")

        # A resolver that watches the file reloads it when it sees the change.
        first_blocked = next(pair for pair in zip(queries, lookup) if expected(pair[1]) == "stop page")
        h.wait_until(lambda: got(first_blocked[0]) == "stop page", 10, "the resolver to load the zone")
        mismatches = []
        kinds = {"stop page": 0, "NXDOMAIN": 0, "allowed": 0}
        for query, verdict in zip(queries, lookup):
            for kind, ending in (("stop page", "(stoppage)"), ("NXDOMAIN", "(nxdomain)"), ("allowed", "(allow)")):
                kinds[kind] += verdict.endswith(ending)
            answer = got(query)
            if answer != expected(verdict):
                mismatches.append(f"{query}: dnsstop lookup says {verdict!r}, the resolver {answer}")
        self.assertEqual(mismatches, [], "\n".join(mismatches))
        # The generated names reach every kind of verdict, carve-outs included.
        self.assertTrue(all(count >= 5 for count in kinds.values()), kinds)


class StockUnboundRpzTest(ResolverChecks, RpzTestCase):
    resolver_class = r.StockUnbound

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


class BindRpzTest(ResolverChecks, RpzTestCase):
    resolver_class = r.Bind


class PowerDnsRecursorRpzTest(ResolverChecks, RpzTestCase):
    resolver_class = r.PowerDnsRecursor
    # extendedErrorCode=16 (Censored) is the zone's: PowerDNS Recursor adds it to every
    # answer a rule of the zone decided, rpz-passthru ones (the allowlist) included.
    ede = {"stop page": [16], "nxdomain": [16], "allowed": [16]}
    # reload-lua-config does not wipe the packet cache; `rec_control wipe-cache NAME$` does.
    cache_outlives_reload = True


class KnotResolverRpzTest(ResolverChecks, RpzTestCase):
    resolver_class = r.KnotResolver
    # Knot Resolver adds its own codes: 4 (Forged Answer) to local data, 15 (Blocked)
    # to the DENY action `CNAME .` maps to; none to rpz-passthru.
    ede = {"stop page": [4], "nxdomain": [15], "allowed": []}


class ZoneTransferRpzTest(RpzTestCase):
    """dnsstop-sync writes the zone into a local NSD's zone file and runs `nsd-control
    reload ZONE`; NSD serves it by AXFR/IXFR and sends NOTIFY to BIND, a secondary of
    the zone, which transfers every new version."""

    def test_bind_secondary_follows_notify(self):
        self.publish("example.com\n=late.org\n")
        self.serve()
        bind_port = h.free_port()
        primary = h.Nsd(os.path.join(self.case, "nsd-primary"), zones={f"{ZONE}.": PLACEHOLDER_ZONE},
                        zone_settings=f"    notify: 127.0.0.1@{bind_port} NOKEY\n    provide-xfr: 127.0.0.1 NOKEY\n")
        self.addCleanup(primary.stop)
        self.resolver = r.Bind(self.case, self.nsd.port, os.path.join(self.case, "secondary.zone"),
                               primary=primary.port, port=bind_port)
        self.addCleanup(self.resolver.stop)
        self.assertEqual(self.resolver.port, bind_port, "another process took the port NSD notifies")
        h.wait_until(lambda: self.transfers() == 1, 10, "the first AXFR of the placeholder zone")
        self.assertEqual(self.answer("www.example.com").data("A"), ["203.0.113.2"])

        config = self.rpz_config(poll_seconds=1, zone_path=os.path.join(primary.directory, f"{ZONE}.zone"),
                                 reload_command=[r.program("nsd-control"), "-c", primary.config, "reload", ZONE])
        self.start_daemon(config)
        self.wait_for_answer("www.example.com", [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("late.org").data("A"), [h.STOP_PAGE_V4])
        self.assertEqual(self.answer("www.late.org").data("A"), ["198.51.100.3"])
        self.assertEqual(self.answer("gone.org").status, "NXDOMAIN")
        self.changes_applied(config, 1)

        self.publish("example.com\n=late.org\nclean.org\n")
        self.serve()
        self.wait_for_answer("clean.org", [h.STOP_PAGE_V4])
        self.changes_applied(config, 2)
        h.wait_until(lambda: self.transfers() >= 3, 10, "the third transfer to be logged")
        log = self.resolver.log_text()
        # One NOTIFY per new version, each maybe sent again when BIND's answer comes late
        # on a busy machine.
        self.assertGreaterEqual(len(re.findall(rf"client .*: received notify for zone '{ZONE}'", log)), 2, log)

    def transfers(self):
        return len(re.findall(rf"transfer of '{ZONE}/IN' from 127\.0\.0\.1#\d+: Transfer status: success",
                              self.resolver.log_text()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
