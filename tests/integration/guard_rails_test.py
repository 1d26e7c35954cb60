"""The guard rails of list updates through the real channel: dnsstop-publish signs,
nginx serves over HTTPS with a test CA, dnsstop-sync decides, and the module's
Unbound answers. A version adding a public suffix or growing beyond the change
bounds is held and applied by the operator's one command; one blocking a protected
name, or with one signature where two are required, is refused; each leaves the
module answering from the last good list. Also: a correction published within the
same second still arrives, the operator's pin puts an earlier version back across
restarts, `dnsstop history` answers since when a name is blocked, and the journal
is not world-readable. Nothing listens beyond 127.0.0.1. Run by CTest."""

import os
import re
import stat
import time
import unittest

import harness as h
from harness import run
from sync_test import MINISIGN, PUBLISH, SYNC, SyncTestCase

FILLER = "".join(f"filler{i}.example\n" for i in range(40))  # keeps one skipped line under max_skipped_percent


class GuardRailsTest(SyncTestCase):
    def sync_command(self, config, *command, wait=20):
        return run([SYNC, "--config", config.path, "--wait", str(wait), *command], timeout=wait + 30, check=False)

    def journal(self, config):
        with open(os.path.join(config.directory, "state", "police.journal")) as journal:
            return [line for line in journal.read().splitlines() if line.startswith("version ")]

    def assert_held(self, config, serial, reason, in_force):
        self.assertEqual(self.metric(config, "dnsstop_sync_list_held"), 1)
        self.assertEqual(self.metric(config, "dnsstop_sync_list_held_serial"), serial)
        self.assertEqual(self.metric(config, "dnsstop_sync_list_serial"), in_force)
        status = self.sync_command(config, "status")
        self.assertIn(f"HELD: serial {serial} ({reason})", status.stdout)
        self.assertIn(f"dnsstop-sync approve police {serial}", status.stdout)

    def test_public_suffix_entry_is_held_until_approved(self):
        config = self.first_sync(text="example.com\nlisted.net\n" + FILLER)
        published = self.publish("example.com\nlisted.net\ncom\nlate.org\n" + FILLER)
        self.assertIn("<4>dnsstop-publish: entry com blocks the whole public suffix com", published.stderr)
        self.serve()
        result = self.sync(config)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertRegex(result.stderr, r"<4>dnsstop-sync: list police: held serial 2 \(public_suffix\): entries block "
                                        r"whole public suffixes: com \(public suffix list [0-9a-f]{16}\); keeping serial 1")
        self.assertEqual(self.metric(config, "dnsstop_sync_failures_total", reason="public_suffix"), 1)
        self.assert_held(config, 2, "public_suffix", 1)
        self.assert_blocked("www.example.com")
        self.assert_blocked("www.late.org", blocked=False)
        # Polling again finds the same held version: one request, no second journal record.
        self.sync(config)
        self.assertEqual(self.metric(config, "dnsstop_sync_requests_total"), 1)
        held = [line for line in self.journal(config) if "decision=held" in line]
        self.assertEqual(len(held), 1, held)
        self.assertRegex(held[0], r"serial=2 decision=held reason=public_suffix signers=[0-9A-F]{16} "
                                  r"psl=[0-9a-f]{16} added=2 removed=0 why=")
        # Without a running daemon the request waits for the next round (exit 3).
        self.assertEqual(self.sync_command(config, "approve", "police", "3", wait=0).returncode, 1)
        self.assertEqual(self.sync_command(config, "approve", "police", "2", wait=0).returncode, 3)
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("approved by the operator: accepted serial 2", result.stderr)
        self.assert_blocked("www.late.org")
        self.assertEqual(self.metric(config, "dnsstop_sync_list_held"), 0)

    def test_protected_name_is_refused(self):
        config = self.first_sync(self.config(protected_names=["www.clean.org"]))
        self.publish("example.com\nclean.org\nlate.org\n")
        self.serve()
        self.assert_rejected(config, "protected_name", 1)
        self.assert_blocked("clean.org", blocked=False)
        self.assert_blocked("www.late.org", blocked=False)
        self.assertIn("decision=refused reason=protected_name", self.journal(config)[-1])
        self.assertIn("clean.org blocks www.clean.org", self.journal(config)[-1])

    def test_growth_beyond_the_bounds_is_held_then_approved_by_one_command(self):
        base = "example.com\n" + "".join(f"base{i}.example\n" for i in range(999))
        config = self.first_sync(self.config(poll_seconds=1), text=base)
        daemon = self.start_daemon(config)
        h.wait_until(lambda: "started with" in daemon.log_text(), 10, "the daemon to start")
        self.publish(base + "late.org\n" + "".join(f"grown{i}.example\n" for i in range(7999)))
        self.serve()
        h.wait_until(lambda: self.metric(config, "dnsstop_sync_list_held") == 1, 15, "the version to be held")
        self.assertIn("held serial 2 (change_bounds): adds 8000 and removes 0 of 1000 lines in force", daemon.log_text())
        self.assert_held(config, 2, "change_bounds", 1)
        self.assert_blocked("www.example.com")
        self.assert_blocked("www.late.org", blocked=False)
        approved = self.sync_command(config, "approve", "police", "2")
        self.assertEqual(approved.returncode, 0, approved.stdout + approved.stderr)
        self.assertIn("serial 2 approved and applied", approved.stdout)
        self.assert_blocked("www.late.org")
        h.wait_until(lambda: self.metric(config, "dnsstop_sync_list_serial") == 2, 5, "serial 2 in the metrics")
        self.assertEqual(self.metric(config, "dnsstop_sync_list_held"), 0)
        self.assertIn("decision=approved", self.journal(config)[-1])

    def cosign_with_stock_minisign(self, directory, secret):
        manifest = os.path.join(directory, "police.manifest")
        with open(manifest + ".minisig") as first:
            comment = re.search(r"^trusted comment: (.*)$", first.read(), re.M).group(1)
        run([MINISIGN, "-S", "-s", secret, "-m", manifest, "-x", manifest + ".minisig.2", "-t", comment])

    def test_two_required_signatures(self):
        secret, public = os.path.join(self.case, "minisign.key"), os.path.join(self.case, "minisign.pub")
        run([MINISIGN, "-G", "-W", "-p", public, "-s", secret])
        with open(public) as key, open(os.path.join(self.dir, "stock2.pub"), "w") as copy:
            copy.write(key.read())
        config = self.config(keys=("key", "other", "stock2"), required_signatures=2)
        # Two people sign with dnsstop-publish; stock minisign verifies both files.
        self.publish("example.com\nlisted.net\n")
        cosigned = run([PUBLISH, "cosign", "-s", os.path.join(self.dir, "other.key"), "-n", "police", self.publish_dir])
        self.assertIn("police.manifest.minisig.2", cosigned.stdout)
        manifest = os.path.join(self.publish_dir, "police.manifest")
        for signature, key in (("", "key"), (".2", "other")):
            run([MINISIGN, "-V", "-p", os.path.join(self.dir, f"{key}.pub"), "-m", manifest, "-x",
                 manifest + ".minisig" + signature])
        self.serve()
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"accepted serial 1 .*signed by key [0-9A-F]{16},[0-9A-F]{16}")
        self.start_unbound(config)
        self.assert_blocked("www.example.com")
        # One signature where two are required: refused with its own reason.
        self.publish("example.com\nlisted.net\nlate.org\n")
        self.assertFalse(os.path.exists(manifest + ".minisig.2"))  # the old co-signature went with the old manifest
        self.serve()
        self.assert_rejected(config, "too_few_signatures", 1)
        self.assert_blocked("www.late.org", blocked=False)
        self.assertIn("decision=refused reason=too_few_signatures", self.journal(config)[-1])
        # The second signature made with the stock tool.
        self.cosign_with_stock_minisign(self.publish_dir, secret)
        self.serve()
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("accepted serial 2", result.stderr)
        self.assert_blocked("www.late.org")

    def test_correction_within_the_same_second_arrives(self):
        """nginx's validators are the manifest's mtime in seconds and its size: two
        manifests of equal size written within one second look the same to a
        conditional request, unless the publisher makes the mtime grow."""
        list_path = os.path.join(self.case, "input.list")
        config = self.config()
        for attempt in range(4):  # serials 1-2 ... 7-8: manifests of equal size
            serial = 2 * attempt + 1
            while time.time() % 1 > 0.3:  # start early in a second, so both fit in it
                time.sleep(0.05)
            started = int(time.time())
            for text, number in (("late.org\n", serial), ("gone.org\n", serial + 1)):
                with open(list_path, "w") as listing:
                    listing.write(text)
                run([PUBLISH, "publish", "-s", os.path.join(self.dir, "key.key"), "-n", "police", "--keep-deltas", "0",
                     "--created", str(started), list_path, self.served])
                if number == serial:
                    first_mtime = os.stat(self.served_file("police.manifest")).st_mtime
                    first_size = os.path.getsize(self.served_file("police.manifest"))
                    self.assertEqual(self.sync(config).returncode, 0)
            if int(time.time()) == started:
                break
        else:
            self.skipTest("could not publish twice within one second on this machine")
        self.assertEqual(os.path.getsize(self.served_file("police.manifest")), first_size)
        self.assertGreater(os.stat(self.served_file("police.manifest")).st_mtime, first_mtime)
        result = self.sync(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"accepted serial {serial + 1}", result.stderr)

    def test_publish_creates_its_output_directory(self):
        out = os.path.join(self.case, "new", "nested", "lists")
        self.publish("example.com\n", out=out)
        self.assertTrue(os.path.exists(os.path.join(out, "police.manifest")))

    def test_pin_puts_an_earlier_version_back_across_restarts_until_unpin(self):
        config = self.first_sync(self.config(poll_seconds=1))
        daemon = self.start_daemon(config)
        self.publish("example.com\nlisted.net\nclean.org\n")  # serial 2 wrongly blocks clean.org
        self.serve()
        self.assert_blocked("clean.org")
        pinned = self.sync_command(config, "pin", "police", "1")
        self.assertEqual(pinned.returncode, 0, pinned.stdout + pinned.stderr)
        started = time.monotonic()
        self.assert_blocked("clean.org", blocked=False)
        print(f"\n  pinned serial 1 answered {time.monotonic() - started:.2f} s after `dnsstop-sync pin`")
        self.assertIn("PINNED", self.sync_command(config, "status").stdout)
        h.wait_until(lambda: self.metric(config, "dnsstop_sync_list_pinned_serial") == 1, 5, "the pin in the metrics")
        # Restart both: the pin holds.
        daemon.stop()
        self.unbound.stop()
        daemon = self.start_daemon(config)
        self.start_unbound(config)
        self.assert_blocked("www.example.com")
        self.assert_blocked("clean.org", blocked=False)
        # The publisher's next serial waits for unpin.
        self.publish("example.com\nlisted.net\nlate.org\n")
        self.serve()
        h.wait_until(lambda: "rejected (pinned)" in daemon.log_text(), 10, "serial 3 to be refused while pinned")
        self.assert_blocked("www.late.org", blocked=False)
        unpinned = self.sync_command(config, "unpin", "police")
        self.assertEqual(unpinned.returncode, 0, unpinned.stdout + unpinned.stderr)
        self.assert_blocked("www.late.org")
        self.assert_blocked("clean.org", blocked=False)
        decisions = [re.search(r"decision=(\w+)", line).group(1) for line in self.journal(config)]
        self.assertEqual([d for d in decisions if d != "refused"], ["applied", "applied", "pinned", "unpinned", "applied"])

    def test_history_and_the_journals_permissions(self):
        config = self.first_sync()
        for text in ("example.com\nlisted.net\nlate.org\n", "=www.example.com\nlisted.net\nlate.org\n"):
            self.publish(text)
            self.serve()
            self.assertEqual(self.sync(config).returncode, 0)
        history = run([h.DNSSTOP, "history", "--config", config.path, "www.example.com"]).stdout
        lines = history.splitlines()
        self.assertRegex(lines[0], r"UTC  list police serial 1 \(applied, signed by [0-9A-F]{16}\): added example.com$")
        self.assertRegex(lines[1], r"list police serial 3 \(applied, .*\): removed example.com$")
        self.assertRegex(lines[2], r"list police serial 3 \(applied, .*\): added =www.example.com$")
        self.assertEqual(lines[3], "www.example.com is blocked now by list police (=www.example.com)")
        versions = run([h.DNSSTOP, "history", "--config", config.path, "--list", "police"]).stdout.splitlines()
        self.assertEqual(len(versions), 3, versions)
        self.assertRegex(versions[1], r"serial 2  applied  \+1 -0  signed by [0-9A-F]{16}  psl [0-9a-f]{16}  by delta from 1")
        state = os.path.join(config.directory, "state")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(state, "police.journal")).st_mode), 0o640)
        self.assertEqual(stat.S_IMODE(os.stat(state).st_mode) & 0o007, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
