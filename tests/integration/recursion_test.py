"""The module in a resolver that recurses from the root, as an ISP's does: root, TLD
and zone servers on port 53 of their own loopback addresses, every zone signed and
the root's key the trust anchor (harness.Hierarchy). Each test compares the module's
Unbound with plain Unbound (the same binary without the module) where the module must
not change what Unbound does. Run by CTest once per Unbound version."""

import os
import time
import unittest

import harness as h

POLICE = "listed.net\n"
PLAIN_CHAIN = "validator iterator"
MODULE_CHAIN = "dynlib validator iterator"


class RecursionTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.directory = cls.temp.__enter__()
        try:
            cls.hierarchy = h.Hierarchy(os.path.join(cls.directory, "hierarchy"))
        except BaseException:
            cls.temp.__exit__(None, None, None)
            raise
        cls.snapshot = os.path.join(cls.directory, "current.snap")
        h.compile_snapshot(cls.snapshot, [("police", "stoppage", POLICE)])

    @classmethod
    def tearDownClass(cls):
        cls.hierarchy.stop()
        cls.temp.__exit__(None, None, None)

    def start(self, module_config, extra="", sections="", label=""):
        """An Unbound on the hierarchy with `module_config`; with or without the module.
        extra: more server: lines; sections: more sections (stub-zone: ...)."""
        name = f"{self.id().rsplit('.', 1)[-1]}-{label}-{module_config.replace(' ', '-')}"
        directory = os.path.join(self.directory, name)
        os.makedirs(directory)
        unbound = h.Unbound(directory, self.hierarchy.root_upstream, self.dnsstop_config(),
                            extra=self.hierarchy.resolver_settings() + extra, module_config=module_config,
                            sections=sections)
        self.addCleanup(unbound.stop)
        self.assertTrue(unbound.process.alive(), unbound.log_text())
        return unbound

    def dnsstop_config(self):
        return h.DnsstopConfig(snapshot=self.snapshot, stoppage_ipv4=[self.hierarchy.stop_page_address])

    def assert_stop_page(self, answer):
        self.assertEqual(answer.data("A"), [self.hierarchy.stop_page_address], answer.text)

    def ask(self, unbound, name, rtype="A", **options):
        return h.ask(unbound.port, name, rtype, **options)

    def upstream_queries_for(self, unbound, names):
        """Queries each server received while `unbound` resolved `names`, one by one."""
        before = self.hierarchy.queries()
        for name in names:
            self.assertEqual(self.ask(unbound, name).status, "NOERROR", name)
        after = self.hierarchy.queries()
        return {server: after[server] - before[server] for server in after}


class CachingTest(RecursionTestCase):
    def test_cache_misses_cost_the_same_upstream_queries_as_plain_unbound(self):
        # With and without the validator: its own DS/DNSKEY look-ups also bring the
        # zones' NS records into the cache, which would hide a module that kept the
        # iterator's referrals out of it.
        for plain, module in ((PLAIN_CHAIN, MODULE_CHAIN), ("iterator", "dynlib iterator")):
            costs = {}
            for chain in (plain, module):
                unbound = self.start(chain)
                self.upstream_queries_for(unbound, ["clean.org"])  # primes the root, org. and clean.org.
                costs[chain] = self.upstream_queries_for(unbound, [f"n{i}.new.clean.org" for i in range(60)])
            print(f"upstream queries for 60 new names under clean.org: {plain!r} {costs[plain]}, "
                  f"{module!r} {costs[module]}")
            self.assertEqual(costs[module], costs[plain])
            self.assertEqual(costs[module]["root"], 0)  # referrals cached: never back to the root
            self.assertEqual(costs[module]["tld"], 0)

    def test_answers_validate_and_blocked_ones_are_not_secure(self):
        unbound = self.start(MODULE_CHAIN)
        for name in ("clean.org", "www.example.com"):
            answer = self.ask(unbound, name)
            self.assertEqual(answer.status, "NOERROR", answer.text)
            self.assertIn("ad", answer.flags, answer.text)  # validated from the trust anchor down
        blocked = self.ask(unbound, "www.listed.net")
        self.assert_stop_page(blocked)
        self.assertNotIn("ad", blocked.flags, blocked.text)
        chained = self.ask(unbound, "www.alias.org")  # a signed CNAME into the listed zone
        self.assert_stop_page(chained)
        self.assertNotIn("ad", chained.flags, chained.text)

    def test_stub_and_forward_no_cache_zones_stay_uncached(self):
        for kind in ("stub", "forward"):
            no_cache_zone = f"""{kind}-zone:
    name: "clean.org."
    {kind}-addr: {self.hierarchy.zones_address}
    {kind}-no-cache: yes
"""
            costs = {}
            for chain in (PLAIN_CHAIN, MODULE_CHAIN):
                unbound = self.start(chain, sections=no_cache_zone, label=kind)
                costs[chain] = self.upstream_queries_for(unbound, ["clean.org"] * 5)["zones"]
            self.assertEqual(costs[PLAIN_CHAIN], 5, kind)  # asked anew every time
            self.assertEqual(costs[MODULE_CHAIN], costs[PLAIN_CHAIN], kind)

    def test_servfail_is_cached_as_without_the_module(self):
        costs = {}
        for chain in (PLAIN_CHAIN, MODULE_CHAIN):
            unbound = self.start(chain)
            self.ask(unbound, "clean.org")  # primes the root and org.
            before = self.hierarchy.broken.queries
            deadline = time.monotonic() + 10
            for _ in range(20):
                self.assertEqual(self.ask(unbound, "www.broken.org").status, "SERVFAIL")
                time.sleep(0.1)  # pacing of the client's queries, not a wait for an event
                self.assertLess(time.monotonic(), deadline)
            costs[chain] = self.hierarchy.broken.queries - before
        print(f"upstream queries for 20 client queries to a SERVFAILing zone: plain {costs[PLAIN_CHAIN]}, "
              f"module {costs[MODULE_CHAIN]}")
        self.assertLessEqual(costs[MODULE_CHAIN], costs[PLAIN_CHAIN] + 2)


class ModuleBehaviourTest(RecursionTestCase):
    def test_name_servers_under_a_listed_name_still_serve_their_zones(self):
        unbound = self.start(MODULE_CHAIN)
        # hosted.org's only name server is ns.listed.net. A client that asks for it gets
        # the stop page, first and from then on; the iterator, which needs its address
        # to reach hosted.org, must learn the real one, not the stop page's.
        stop_page_queries = self.hierarchy.stop_page.queries
        for _ in range(2):
            server = self.ask(unbound, "ns.listed.net")
            self.assert_stop_page(server)
            self.assertEqual(server.ede, [(16, "Blocked by police order")], server.text)
        for _ in range(2):
            hosted = self.ask(unbound, "www.hosted.org")
            self.assertEqual(hosted.data("A"), ["198.51.100.7"], hosted.text)
            self.assertEqual(hosted.ede, [], hosted.text)
        self.assert_stop_page(self.ask(unbound, "ns.listed.net"))
        self.assertEqual(self.hierarchy.stop_page.queries, stop_page_queries, "DNS queries sent to the stop page")

    def test_other_classes_are_answered_as_without_the_module(self):
        answers = {}
        for chain in (PLAIN_CHAIN, MODULE_CHAIN):
            unbound = self.start(chain)
            answer = self.ask(unbound, "www.listed.net", "TXT", rdclass="CH")
            answers[chain] = (answer.status, answer.records, answer.authority)
        self.assertEqual(answers[MODULE_CHAIN], answers[PLAIN_CHAIN])

    def test_prefetched_answers_are_judged_like_any_other(self):
        unbound = self.start(MODULE_CHAIN, extra="    prefetch: yes\n    cache-max-ttl: 2\n")
        # With a 2 s TTL, asking for 5 s keeps every entry in its prefetch window.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.assert_stop_page(self.ask(unbound, "www.alias.org"))
            self.assertEqual(self.ask(unbound, "clean.org").data("A"), ["198.51.100.1"])
            time.sleep(0.2)  # pacing of the client's queries


if __name__ == "__main__":
    unittest.main()
