"""The Unbound module with the real thing: the dynlib Unbound built from Debian's
source, NSD as its only upstream, `dig` as the client. Run by CTest."""

import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

import dns.exception
import dns.message
import dns.query

import harness as h

POLICE = "example.com\nlisted.net\n=exact.example.com\nxn--bcher-kva.example\n"
OPERATOR = "www.example.org\n"
EXCEPTIONS = "good.example.com\n"


def standard_lists(police=POLICE, operator=OPERATOR):
    return [("police", "stoppage", police), ("operator", "nxdomain", operator)]


def unbound_version():
    """The (major, minor) of the Unbound under test."""
    output = subprocess.run([h.UNBOUND, "-V"], capture_output=True, text=True, timeout=30).stdout
    return tuple(int(part) for part in re.search(r"Version (\d+)\.(\d+)", output).groups())


def wait_for(predicate, timeout, what):
    h.wait_until(predicate, timeout, what)


class HoldingRelay(h.UdpServer):
    """A UDP relay in front of NSD that holds every query whose packet contains
    `held_label` until release(), so the test decides when such a resolution ends."""

    def __init__(self, upstream_port, held_label):
        self.upstream_port = upstream_port
        self.held_label = bytes([len(held_label)]) + held_label.encode()
        self.released = threading.Event()
        self.held = 0
        super().__init__()

    def handle(self, query, client):
        threading.Thread(target=self.relay, args=(query, client), daemon=True).start()

    def relay(self, query, client):
        if self.held_label in query.lower():
            self.held += 1
            self.released.wait(10)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
            upstream.settimeout(2)
            upstream.sendto(query, ("127.0.0.1", self.upstream_port))
            try:
                self.socket.sendto(upstream.recv(65535), client)
            except OSError:
                pass  # NSD did not answer, or the relay is closed: the resolver retries or gives up

    def release(self):
        self.released.set()

    def stop(self):
        self.release()
        super().stop()


class ModuleTestCase(unittest.TestCase):
    """Starts NSD once, and one Unbound per test with the module and the lists given."""

    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.directory = cls.temp.__enter__()
        cls.nsd = h.Nsd(cls.directory)

    @classmethod
    def tearDownClass(cls):
        cls.nsd.stop()
        cls.temp.__exit__(None, None, None)

    def start(self, lists=None, allow=(("exceptions", EXCEPTIONS),), config=None, threads=1, extra="",
              compile_first=True, upstream_port=None, module_config="dynlib validator iterator", control=False):
        self.run_dir = os.path.join(self.directory, self.id().rsplit(".", 1)[-1])
        os.makedirs(self.run_dir)
        self.snapshot = os.path.join(self.run_dir, "current.snap")
        if compile_first:
            h.compile_snapshot(self.snapshot, lists or standard_lists(), list(allow))
        config = config or h.DnsstopConfig(snapshot=self.snapshot)
        config.snapshot = self.snapshot
        self.unbound = h.Unbound(self.run_dir, upstream_port or self.nsd.port, config, threads=threads, extra=extra,
                                 module_config=module_config, control=control)
        self.addCleanup(self.unbound.stop)
        return self.unbound

    def ask(self, name, rtype="A", **options):
        return h.ask(self.unbound.port, name, rtype, **options)

    def publish(self, lists=None, allow=(("exceptions", EXCEPTIONS),)):
        h.compile_snapshot(self.snapshot, lists or standard_lists(), list(allow))

    def assert_stop_page(self, answer, rtype="A"):
        expected = h.STOP_PAGE_V4 if rtype == "A" else h.STOP_PAGE_V6
        self.assertEqual(answer.status, "NOERROR", answer.text)
        self.assertEqual(answer.data(rtype), [expected], answer.text)

    def assert_real(self, answer, rtype, data):
        self.assertEqual(answer.status, "NOERROR", answer.text)
        self.assertEqual(answer.data(rtype), [data], answer.text)
        self.assertEqual(answer.ede, [], answer.text)


class BlockingTest(ModuleTestCase):
    def setUp(self):
        self.start()

    def test_listed_name_and_its_subdomains_go_to_the_stop_page(self):
        for name in ("example.com", "www.example.com", "deep.www.example.com", "www.listed.net"):
            self.assert_stop_page(self.ask(name, "A"))
            self.assert_stop_page(self.ask(name, "AAAA"), "AAAA")

    def test_other_types_of_a_listed_name_are_nodata_with_soa(self):
        for rtype in ("MX", "TXT", "HTTPS", "NS"):
            answer = self.ask("www.example.com", rtype)
            self.assertEqual(answer.status, "NOERROR", answer.text)
            self.assertEqual(answer.records, [], answer.text)
            soa = [record for record in answer.authority if record[1] == "SOA"]
            self.assertEqual(len(soa), 1, answer.text)
            self.assertEqual(soa[0][0], "example.com.")  # the listed entry is the zone

    def test_blocked_answers_carry_ede_and_flags(self):
        answer = self.ask("www.example.com", "A")
        self.assertEqual(answer.ede, [(16, "Blocked by police order")])
        self.assertIn("ra", answer.flags)
        self.assertIn("rd", answer.flags)
        self.assertNotIn("ad", answer.flags)
        cd = self.ask("www.example.com", "A", cd=True)
        self.assertIn("cd", cd.flags)
        self.assertNotIn("ad", self.ask("www.example.com", "A", ad=True).flags)

    def test_repeated_query_is_answered_by_the_module_again_not_from_the_cache(self):
        # Blocked answers are never cached: the iterator's own look-ups of name
        # server addresses read the same cache (recursion_test.py shows why).
        first = self.ask("www.listed.net")
        second = self.ask("www.listed.net")
        self.assert_stop_page(second)
        self.assertEqual(second.ede, first.ede)
        self.assertIn("aa", second.flags)  # synthesised again: a cached answer loses AA

    def test_query_without_edns_is_blocked_without_ede(self):
        answer = self.ask("www.example.com", "A", edns=False)
        self.assert_stop_page(answer)
        self.assertEqual(answer.ede, [])
        self.assertEqual(answer.message.edns, -1, answer.text)  # no OPT record

    def test_letter_case_and_trailing_dot_do_not_matter(self):
        self.assert_stop_page(self.ask("WWW.Example.COM"))
        self.assert_stop_page(self.ask("www.example.com."))

    def test_idn_entry_blocks_its_a_label_form(self):
        self.assert_stop_page(self.ask("xn--bcher-kva.example"))

    def test_allowlisted_name_resolves(self):
        self.assert_real(self.ask("good.example.com"), "A", "203.0.113.3")
        self.assert_real(self.ask("x.good.example.com"), "A", "203.0.113.4")

    def test_exact_entry_blocks_only_the_name(self):
        self.assert_stop_page(self.ask("exact.example.com"))  # also under example.com...
        answer = self.ask("sub.exact.example.com")
        self.assert_stop_page(answer)  # ...which covers this one: the exact entry adds nothing below

    def test_unlisted_names_resolve_for_every_type(self):
        self.assert_real(self.ask("clean.org", "A"), "A", "198.51.100.1")
        self.assert_real(self.ask("clean.org", "AAAA"), "AAAA", "2001:db8:2::1")
        self.assert_real(self.ask("clean.org", "MX"), "MX", "10 mail.clean.org.")
        self.assert_real(self.ask("clean.org", "TXT"), "TXT", '"clean"')
        self.assertEqual(self.ask("nothere.org").status, "NXDOMAIN")

    def test_nxdomain_list(self):
        answer = self.ask("www.example.org")
        self.assertEqual(answer.status, "NXDOMAIN", answer.text)
        self.assertEqual(answer.ede, [(15, "")])
        self.assertEqual([r[1] for r in answer.authority], ["SOA"])

    def test_cname_into_a_listed_name_is_blocked_first_time_and_from_cache(self):
        for _ in range(3):
            answer = self.ask("alias.org")
            self.assert_stop_page(answer)
            self.assertEqual(answer.ede, [(16, "Blocked by police order")])


    def test_dname_into_a_listed_zone_is_blocked(self):
        for _ in range(2):
            self.assert_stop_page(self.ask("www.moved.org"))


class ProtectedNameTest(ModuleTestCase):
    """A protected name is never blocked: not when a parent entry lists it, not when
    its CNAME chain leads into a listed name (a shared CDN host on the list)."""

    def test_protected_names_resolve_whatever_their_chain(self):
        config = h.DnsstopConfig(snapshot="", protected_names=["alias.org", "www.listed.net"])
        self.start(config=config)
        for _ in range(3):  # resolved, then from the cache
            self.assert_real(self.ask("alias.org"), "A", "203.0.113.7")
            self.assert_real(self.ask("www.listed.net"), "A", "203.0.113.7")
        # Everything else the entry covers stays blocked, chains into it too.
        self.assert_stop_page(self.ask("other.listed.net"))
        self.assert_stop_page(self.ask("www.moved.org"))
        self.assert_stop_page(self.ask("www.example.com"))


class ExactEntryTest(ModuleTestCase):
    def test_exact_entry_alone(self):
        self.start(lists=[("police", "stoppage", "=exact.example.com\n")], allow=())
        self.assert_stop_page(self.ask("exact.example.com"))
        self.assert_real(self.ask("sub.exact.example.com"), "A", "203.0.113.6")
        self.assert_real(self.ask("example.com"), "A", "203.0.113.1")


class NodataListTest(ModuleTestCase):
    def test_nodata_list(self):
        self.start(lists=[("police", "nodata", "example.com\n")], allow=(),
                   config=h.DnsstopConfig(snapshot="", lists=[{"name": "police", "action": "nodata"}]))
        answer = self.ask("www.example.com")
        self.assertEqual(answer.status, "NOERROR")
        self.assertEqual(answer.records, [])
        self.assertEqual(answer.ede, [(16, "")])


class ListChangeTest(ModuleTestCase):
    """Cached answers follow list changes within 2 s, in both directions."""

    def check_follow_changes(self):
        self.assert_real(self.ask("www.late.org"), "A", "198.51.100.3")
        self.assert_real(self.ask("www.late.org"), "A", "198.51.100.3")  # now cached
        self.assert_real(self.ask("gone.org"), "A", "198.51.100.4")
        self.publish(standard_lists(police=POLICE + "late.org\n"))
        started = time.monotonic()
        wait_for(lambda: self.ask("www.late.org").data("A") == [h.STOP_PAGE_V4], 2.0, "www.late.org to be blocked")
        listed_after = time.monotonic() - started
        self.publish(standard_lists())
        wait_for(lambda: self.ask("www.late.org").data("A") == ["198.51.100.3"], 2.0, "www.late.org to resolve again")
        self.assertLess(listed_after, 2.0)
        self.assertIn("purged", self.unbound.log_text())

    def test_cached_name_is_blocked_after_listing_and_freed_after_removal(self):
        self.start()
        self.check_follow_changes()

    def test_same_with_serve_expired(self):
        self.start(extra="    serve-expired: yes\n    serve-expired-ttl: 3600\n")
        self.check_follow_changes()

    def test_cached_blocked_answer_follows_its_list_when_lists_are_reordered(self):
        self.start()
        police_ede = [(16, "Blocked by police order")]
        self.assertEqual(self.ask("www.example.com").ede, police_ede)
        self.assertEqual(self.ask("www.example.com").ede, police_ede)  # cached, carrying police's list number
        self.publish(list(reversed(standard_lists())))  # police is now the snapshot's second list
        wait_for(lambda: self.unbound.log_text().count(" in use: ") == 2, 2.0, "the new snapshot to be in use")
        wait_for(lambda: self.ask("www.example.com").ede == police_ede, 2.0, "the police EDE from the new snapshot")
        self.assertEqual(self.ask("www.example.com").ede, police_ede)

    def test_name_listed_while_its_query_is_resolved_is_blocked(self):
        # The module checks a query's name when the query arrives and skips that
        # lookup when the answer is back if the snapshot is the same one; here it is not.
        relay = HoldingRelay(self.nsd.port, "late")
        self.addCleanup(relay.stop)
        self.start(upstream_port=relay.port)
        answers = []
        asking = threading.Thread(target=lambda: answers.append(self.ask("www.late.org")))
        asking.start()
        wait_for(lambda: relay.held > 0, 5.0, "the query for www.late.org to reach the upstream")
        self.publish(standard_lists(police=POLICE + "late.org\n"))
        wait_for(lambda: self.unbound.log_text().count(" in use: ") == 2, 5.0, "the new snapshot to be in use")
        relay.release()
        asking.join(20)
        self.assert_stop_page(answers[0])

    def test_cname_chain_through_a_newly_listed_name_is_cut(self):
        self.start(lists=standard_lists(police="example.com\n"))
        self.assert_real(self.ask("alias.org"), "A", "203.0.113.7")
        self.assert_real(self.ask("alias.org"), "A", "203.0.113.7")
        self.publish(standard_lists(police="example.com\nlisted.net\n"))
        wait_for(lambda: self.ask("alias.org").data("A") == [h.STOP_PAGE_V4], 2.0, "alias.org to be blocked")


class SnapshotLifecycleTest(ModuleTestCase):
    def test_corrupt_snapshot_dropped_in_place_is_rejected_and_the_old_one_kept(self):
        self.start()
        corrupt = self.snapshot + ".incoming"
        with open(self.snapshot, "rb") as good:
            data = bytearray(good.read())
        data[len(data) // 2] ^= 0xFF
        with open(corrupt, "wb") as out:
            out.write(data)
        os.rename(corrupt, self.snapshot)
        wait_for(lambda: "rejected snapshot" in self.unbound.log_text(), 3, "the rejection to be logged")
        self.assertIn("checksum mismatch", self.unbound.log_text())
        self.assertIn("keeping the previous one", self.unbound.log_text())
        self.assert_stop_page(self.ask("www.example.com"))
        self.assert_real(self.ask("clean.org"), "A", "198.51.100.1")

    def test_a_snapshot_path_that_cannot_be_examined_is_logged_once_per_cause(self):
        self.start()
        message = "cannot examine the snapshot path"
        loop_a, loop_b = self.snapshot + ".loop-a", self.snapshot + ".loop-b"
        os.symlink(loop_b, loop_a)
        os.symlink(loop_a, loop_b)
        os.rename(self.snapshot, self.snapshot + ".kept")
        os.symlink(loop_a, self.snapshot + ".link")
        os.rename(self.snapshot + ".link", self.snapshot)
        wait_for(lambda: message in self.unbound.log_text(), 3, "the symlink loop to be logged")
        self.assertIn("Too many levels of symbolic links", self.unbound.log_text())
        # The watcher checks every 100 ms; a second or so of checks adds no line.
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            self.assertEqual(self.unbound.log_text().count(message), 1)
            self.assert_stop_page(self.ask("www.example.com"))
        os.remove(self.snapshot)  # now missing: another cause, logged once more
        wait_for(lambda: self.unbound.log_text().count(message) == 2, 3, "the missing file to be logged")
        self.assertIn("No such file or directory", self.unbound.log_text())
        self.assert_stop_page(self.ask("www.example.com"))
        os.rename(self.snapshot + ".kept", self.snapshot)
        self.assert_real(self.ask("clean.org"), "A", "198.51.100.1")
        self.assertEqual(self.unbound.log_text().count(message), 2)

    def test_without_snapshot_unbound_resolves_unfiltered_and_logs_then_blocks_when_one_arrives(self):
        self.start(compile_first=False)
        self.assertEqual(self.ask("www.example.com").data("A"), ["203.0.113.2"])
        self.assertIn("no snapshot yet", self.unbound.log_text())
        self.assertIn("answering unfiltered", self.unbound.log_text())
        self.publish()
        wait_for(lambda: self.ask("www.example.com").data("A") == [h.STOP_PAGE_V4], 2.0, "blocking to start")

    def test_servfail_switch_without_snapshot(self):
        self.start(compile_first=False, config=h.DnsstopConfig(snapshot="", when_missing="servfail"))
        self.assertEqual(self.ask("clean.org").status, "SERVFAIL")
        self.publish()
        wait_for(lambda: self.ask("clean.org").status == "NOERROR", 2.0, "answers once a snapshot arrives")

    def test_sighup_reloads_the_module_cleanly(self):
        unbound = self.start()
        self.assert_stop_page(self.ask("www.example.com"))
        for starts in range(2, 5):
            unbound.process.signal(signal.SIGHUP)
            # Wait for the reload itself: the instance before it may still answer, and
            # a second SIGHUP sent before Unbound takes the first would merge with it.
            wait_for(lambda: unbound.log_text().count("dnsstop: module started") == starts, 10,
                     "the module to start again after SIGHUP")
            wait_for(lambda: self.ask("clean.org").status == "NOERROR", 10, "Unbound to answer after SIGHUP")
            self.assert_stop_page(self.ask("www.example.com"))
        self.assertTrue(unbound.process.alive())
        self.assertEqual(unbound.log_text().count("dnsstop: module started"), 4)

    def test_a_reload_that_keeps_the_cache_purges_names_listed_meanwhile(self):
        # The watcher looks only every minute here, so the new list arrives with the
        # reload: the module's init must purge the cache Unbound kept.
        unbound = self.start(config=h.DnsstopConfig(snapshot="", check_interval_ms=60000), control=True)
        self.assert_real(self.ask("www.late.org"), "A", "198.51.100.3")
        self.assert_real(self.ask("www.late.org"), "A", "198.51.100.3")  # now cached
        self.publish(standard_lists(police=POLICE + "late.org\n"))
        reload = unbound.control("reload_keep_cache")
        self.assertEqual(reload.returncode, 0, reload.stdout + reload.stderr)
        wait_for(lambda: unbound.log_text().count("dnsstop: module started") == 2, 10, "the module to start again")
        self.assert_stop_page(self.ask("www.late.org"))
        self.assertRegex(unbound.log_text(), r"purged [1-9][0-9]* of [0-9]+ cached messages")

    def test_fast_reloads_that_resize_the_caches_while_lists_change(self):
        # fast_reload swaps in resized caches while the workers pause between events;
        # the purge runs only inside those events, so it never meets a freed cache.
        if unbound_version() < (1, 22):
            self.skipTest(f"Unbound {'.'.join(map(str, unbound_version()))} has no fast_reload")
        unbound = self.start(threads=2, control=True)
        for round_number in range(12):
            listed = round_number % 2 == 0
            for name in ("www.late.org", "clean.org", "www.listed.net", "alias.org"):
                self.ask(name)
            self.publish(standard_lists(police=POLICE + ("late.org\n" if listed else "")))
            size = f"{4 + round_number % 3 * 4}m"
            unbound.write_conf(f"    msg-cache-size: {size}\n    rrset-cache-size: {size}\n")
            reload = unbound.control("fast_reload")
            self.assertEqual(reload.returncode, 0, reload.stdout + reload.stderr)
            expected = [h.STOP_PAGE_V4] if listed else ["198.51.100.3"]
            wait_for(lambda: self.ask("www.late.org").data("A") == expected, 5.0,
                     f"www.late.org to answer {expected} in round {round_number}")
        self.assertTrue(unbound.process.alive())
        self.assertGreaterEqual(unbound.log_text().count("cache purge for snapshot generation"), 12)

    def test_bad_configuration_stops_unbound_with_file_line_and_key(self):
        directory = os.path.join(self.directory, "badconfig")
        os.makedirs(directory)
        config = h.DnsstopConfig(snapshot=os.path.join(directory, "none.snap"))
        config.ttl = 999999
        unbound = h.Unbound(directory, self.nsd.port, config)  # returns once Unbound answers or exits
        self.addCleanup(unbound.stop)
        self.assertFalse(unbound.process.alive())
        self.assertNotEqual(unbound.process.process.returncode, 0)
        self.assertRegex(unbound.log_text(), r"dnsstop: not starting: .*dnsstop\.yaml:\d+:\d+: answers\.ttl: .*out of range")

    def test_module_refuses_an_unbound_it_was_not_built_for(self):
        directory = os.path.join(self.directory, "otherunbound")
        os.makedirs(directory)
        other = os.path.join(directory, "unbound")
        # The same daemon without its build ID stands in for any other build.
        subprocess.run(["objcopy", "--remove-section", ".note.gnu.build-id", h.UNBOUND, other], check=True)
        unbound = h.Unbound(directory, self.nsd.port, h.DnsstopConfig(snapshot=os.path.join(directory, "none.snap")),
                            binary=other)
        self.addCleanup(unbound.stop)
        self.assertFalse(unbound.process.alive())
        self.assertIn("dnsstop: not starting: this module was built for the unbound binary with build ID",
                      unbound.log_text())

    def test_metrics_textfile(self):
        metrics = os.path.join(self.directory, "metrics.prom")
        self.start(config=h.DnsstopConfig(snapshot="", metrics_textfile=metrics))
        self.ask("www.example.com")
        self.ask("www.example.com")  # the second from the cache: counted too
        def metrics_text():
            if not os.path.exists(metrics):
                return ""
            with open(metrics) as textfile:
                return textfile.read()

        wait_for(lambda: 'dnsstop_blocked_answers_total{list="police"} 2' in metrics_text(), 5,
                 "the metrics file to count two blocked answers")
        text = metrics_text()
        self.assertIn("dnsstop_snapshot_loaded 1", text)
        self.assertIn('dnsstop_list_entries{list="police"} 4', text)
        installed = re.search(r"^dnsstop_snapshot_installed_timestamp_seconds (\d+)$", text, re.M)
        self.assertIsNotNone(installed, text)
        self.assertLess(abs(int(installed.group(1)) - time.time()), 60)
        self.assertRegex(text, r"(?m)^dnsstop_cache_purge_duration_seconds \d+\.\d+$")


def run_load(port, names, keep_going, results):
    """Sends queries one after another while keep_going() (at most 50,000); records
    (answered, rcode) for each. A reply to an earlier query that timed out is skipped."""
    server = ("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        rng = random.Random(port)
        for _ in range(50000):
            if not keep_going():
                return
            request = dns.message.make_query(rng.choice(names), "A")
            dns.query.send_udp(client, request, server)
            expiration = time.time() + 2.0
            try:
                while not request.is_response(reply := dns.query.receive_udp(client, server, expiration)[0]):
                    pass
                results.append((True, reply.rcode()))
            except dns.exception.Timeout:
                results.append((False, None))


class ModuleChainTest(ModuleTestCase):
    """The module starts only in the module chains it can protect (core/module_chain.h)."""

    def test_unsupported_chains_stop_unbound_naming_the_chain(self):
        for chain in ("subnetcache dynlib validator iterator", "validator dynlib iterator"):
            with self.subTest(chain=chain):
                directory = os.path.join(self.directory, "chain-" + chain.split()[0])
                os.makedirs(directory)
                unbound = h.Unbound(directory, self.nsd.port, h.DnsstopConfig(snapshot=os.path.join(directory, "x.snap")),
                                    module_config=chain)
                self.addCleanup(unbound.stop)
                self.assertFalse(unbound.process.alive())
                self.assertIn(f'dnsstop: not starting: Unbound\'s module-config "{chain}" cannot be protected by dnsstop',
                              unbound.log_text())
                self.assertIn('supported module-config values: "dynlib validator iterator"', unbound.log_text())

    def test_dns64_before_the_module_gives_ipv6_only_clients_the_stop_page_under_the_prefix(self):
        # No stoppage_ipv6: behind NAT64 without CLAT, the stop page's IPv4 address
        # under the NAT64 prefix is the only way an IPv6-only client reaches it.
        self.start(config=h.DnsstopConfig(snapshot="", stoppage_ipv6=[]),
                   module_config="dns64 dynlib validator iterator", extra="    dns64-prefix: 64:ff9b::/96\n")
        for _ in range(2):  # resolved, then from the cache
            self.assertEqual(self.ask("www.example.com", "AAAA").data("AAAA"), ["64:ff9b::c000:250"])
            self.assert_stop_page(self.ask("www.example.com", "A"))
            self.assert_real(self.ask("late.org", "AAAA"), "AAAA", "64:ff9b::c633:6402")  # A only: synthesised
            self.assert_real(self.ask("clean.org", "AAAA"), "AAAA", "2001:db8:2::1")  # has its own AAAA

    def test_config_check_refuses_an_unbound_conf_whose_chain_it_cannot_protect(self):
        directory = os.path.join(self.directory, "configcheck")
        os.makedirs(directory)
        dnsstop_yaml = os.path.join(directory, "dnsstop.yaml")
        with open(dnsstop_yaml, "w") as out:
            out.write(h.DnsstopConfig(snapshot=os.path.join(directory, "x.snap")).yaml())
        # unbound-checkconf of the very Unbound under test, as an operator's PATH would have it.
        env = dict(os.environ, PATH=os.path.dirname(h.UNBOUND) + ":" + os.environ["PATH"])
        for chain, expected_exit in (("dynlib validator iterator", 0), ("dns64 dynlib iterator", 0),
                                     ("subnetcache dynlib validator iterator", 1), ("validator iterator", 1)):
            with self.subTest(chain=chain):
                conf = os.path.join(directory, "unbound.conf")
                with open(conf, "w") as out:
                    out.write(h.resolver_conf(directory, 53, 53, "validator iterator") +
                              f'server:\n    module-config: "{chain}"\n')
                result = subprocess.run([h.DNSSTOP, "config", "check", dnsstop_yaml, "--unbound-conf", conf],
                                        capture_output=True, text=True, timeout=30, env=env)
                self.assertEqual(result.returncode, expected_exit, result.stdout + result.stderr)
                if expected_exit == 0:
                    self.assertIn(f'{conf}: ok (module-config "{chain}")', result.stdout)
                else:
                    self.assertIn(f'{conf}: Unbound\'s module-config "{chain}" cannot be protected', result.stderr)
        result = subprocess.run([h.DNSSTOP, "config", "check", dnsstop_yaml, "--unbound-conf",
                                 os.path.join(directory, "missing.conf")], capture_output=True, text=True,
                                timeout=30, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("missing.conf: unbound-checkconf refused it", result.stderr)


class EncryptedTransportTest(ModuleTestCase):
    """DNS over TLS and over HTTPS from the same Unbound: blocked and resolved alike."""

    def test_dot_and_doh_block_with_ede_and_resolve_and_clients_discover_them(self):
        directory = os.path.join(self.directory, "tls")
        os.makedirs(directory)
        key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
        h.self_signed_certificate(key, cert, "IP:127.0.0.1")
        tls_port, https_port = h.free_port(), h.free_port()
        self.start(extra=f"""    interface: 127.0.0.1@{tls_port}
    interface: 127.0.0.1@{https_port}
    tls-port: {tls_port}
    https-port: {https_port}
    tls-service-key: "{key}"
    tls-service-pem: "{cert}"
    local-zone: "resolver.arpa." static
    local-data: '_dns.resolver.arpa. 300 IN SVCB 1 resolver.test. alpn=dot port={tls_port}'
    local-data: '_dns.resolver.arpa. 300 IN SVCB 2 resolver.test. alpn=h2 port={https_port} key7="/dns-query{{?dns}}"'
""")
        # Discovery of Designated Resolvers (RFC 9462): what a browser asks first. key7 is
        # dohpath (RFC 9461), which 1.17 only reads in the generic form.
        # dig's view, as a client's: its presentation of SVCB is what the expected text spells.
        ddr = h.dig(self.unbound.port, "_dns.resolver.arpa", "SVCB")
        self.assertEqual(ddr.data("SVCB"), [f'1 resolver.test. alpn="dot" port={tls_port}',
                                            f'2 resolver.test. alpn="h2" port={https_port} key7="/dns-query{{?dns}}"'],
                         ddr.text)
        for transport, port in (("+tls", tls_port), ("+https", https_port)):
            with self.subTest(transport=transport):
                blocked = h.dig(port, "www.example.com", "A", transport)
                self.assert_stop_page(blocked)
                self.assertEqual(blocked.ede, [(16, "Blocked by police order")], blocked.text)
                self.assertRegex(blocked.text, r";; SERVER: 127\.0\.0\.1#%d\(127\.0\.0\.1\) \((TLS|HTTPS)\)" % port)
                self.assert_real(h.dig(port, "clean.org", "A", transport), "A", "198.51.100.1")


class SwapUnderLoadTest(ModuleTestCase):
    SWAPS = 12
    # Answers between two swaps, so that every swap happens under load.
    ANSWERS_PER_SWAP = 50

    def check_swaps_lose_nothing(self, threads):
        self.start(threads=threads)
        names = ["www.example.com", "clean.org", "www.late.org", "gone.org", "www.listed.net"]
        results = []
        loading = threading.Event()
        loading.set()
        clients = [threading.Thread(target=run_load, args=(self.unbound.port, names, loading.is_set, results))
                   for _ in range(2)]
        for client in clients:
            client.start()
        try:
            installed = self.unbound.log_text().count("in use:")
            for swap in range(1, self.SWAPS + 1):
                answered = len(results)
                wait_for(lambda: len(results) >= answered + self.ANSWERS_PER_SWAP, 10,
                         f"{self.ANSWERS_PER_SWAP} answers before swap {swap}")
                extra = "late.org\n" if swap % 2 else "gone.org\n"
                self.publish(standard_lists(police=POLICE + extra))
                wait_for(lambda: self.unbound.log_text().count("in use:") >= installed + swap, 10,
                         f"the module to install snapshot {swap} of {self.SWAPS}")
            answered = len(results)
            wait_for(lambda: len(results) >= answered + self.ANSWERS_PER_SWAP, 10, "answers after the last swap")
        finally:
            loading.clear()
            for client in clients:
                client.join()
        lost = sum(1 for answered, _ in results if not answered)
        failed = sum(1 for answered, rcode in results if answered and rcode != 0)
        self.assertEqual(lost, 0, f"{lost} of {len(results)} queries got no answer during {self.SWAPS} swaps")
        self.assertEqual(failed, 0, f"{failed} of {len(results)} queries failed during {self.SWAPS} swaps")

    def test_one_thread(self):
        self.check_swaps_lose_nothing(1)

    def test_two_threads(self):
        self.check_swaps_lose_nothing(2)
        self.assert_stop_page(self.ask("www.example.com"))
        self.assert_real(self.ask("clean.org"), "A", "198.51.100.1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
