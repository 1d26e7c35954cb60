"""`dnsstop check` against the module-enabled Unbound (with NSD as its root), and the
stop-page server for the list serial: exit codes 0 blocks, 1 does not, 2 cannot
tell, as a monitoring check reads them. Run by CTest."""

import os
import subprocess
import unittest

import yaml

import harness as h

STOPPAGE = os.path.join(h.OUTPUT_DIR, "bin/dnsstop-stoppage")
CHECK_HOST = "check.example.com"
CREATED = 1_700_000_000


def check(*args):
    result = subprocess.run([h.DNSSTOP, "check", *args], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, DNSSTOP_CONFIG="/nonexistent/dnsstop.yaml"))
    return result.returncode, result.stdout, result.stderr


class CheckCommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = h.TempDir()
        cls.directory = cls.temp.__enter__()
        snapshot = os.path.join(cls.directory, "current.snap")
        h.compile_snapshot(snapshot, [("police", "stoppage", f"{CHECK_HOST}\nlisted.net\n"),
                                      ("operator", "nxdomain", "late.org\n")], created=CREATED)
        cls.nsd = h.Nsd(cls.directory)
        # The stop page on loopback, so that check can read its /check.json.
        saved, h.STOP_PAGE_V4 = h.STOP_PAGE_V4, "127.0.0.1"
        try:
            cls.unbound = h.Unbound(cls.directory, cls.nsd.port, h.DnsstopConfig(snapshot=snapshot))
        finally:
            h.STOP_PAGE_V4 = saved
        cls.server = f"127.0.0.1:{cls.unbound.port}"
        cls.http_port = h.free_port()
        cls.stoppage_config = os.path.join(cls.directory, "stoppage.yaml")
        with open(cls.unbound.config_path) as module_config:
            config = yaml.safe_load(module_config)
        config["stoppage"] = {"http_listen": [f"127.0.0.1:{cls.http_port}"], "operator_name": "Test Operator",
                              "blocked_by_url": "https://operator.example/", "hotline_url": "https://hotline.example/",
                              "help_url": "https://help.example/", "check_host": CHECK_HOST,
                              "template_dir": os.path.join(h.SOURCE_DIR, "etc/stoppage")}
        h.write_yaml(cls.stoppage_config, config)
        cls.stoppage = h.Process([STOPPAGE, "--config", cls.stoppage_config], os.path.join(cls.directory, "stoppage.log"))
        h.wait_until(lambda: not cls.stoppage.alive() or "stop page on" in cls.stoppage.log_text(), 15,
                     "the stop page server")

    @classmethod
    def tearDownClass(cls):
        cls.stoppage.stop()
        cls.unbound.stop()
        cls.nsd.stop()
        cls.temp.__exit__(None, None, None)

    def test_blocked_check_name_exits_0_with_address_ede_and_serial(self):
        code, out, err = check("--server", self.server, "--http-port", str(self.http_port), CHECK_HOST)
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"{CHECK_HOST} via {self.server}: BLOCKS", out)
        self.assertIn("stop page: 127.0.0.1 2001:db8::80", out)
        self.assertIn("EDE 16 (Censored): Blocked by police order", out)
        self.assertRegex(out, r"list serial: 0, list police, \d+ min old")

    def test_default_name_comes_from_the_configuration(self):
        code, out, err = check("--server", self.server, "--config", self.stoppage_config, "--http-port",
                               str(self.http_port))
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"{CHECK_HOST} via {self.server}: BLOCKS", out)

    def test_serial_unknown_when_the_stop_page_does_not_answer(self):
        code, out, _ = check("--server", self.server, "--http-port", str(h.free_port()), "www.listed.net")
        self.assertEqual(code, 0)
        self.assertIn("list serial: unknown", out)

    def test_nxdomain_list_with_ede_counts_as_blocking(self):
        code, out, _ = check("--server", self.server, "www.late.org")
        self.assertEqual(code, 0, out)
        self.assertIn("EDE 15 (Blocked)", out)

    def test_unlisted_name_exits_1(self):
        code, out, _ = check("--server", self.server, "clean.org")
        self.assertEqual(code, 1, out)
        self.assertIn("does NOT block", out)
        self.assertIn("addresses: 198.51.100.1 2001:db8:2::1", out)

    def test_nxdomain_without_ede_exits_3(self):
        code, out, _ = check("--server", self.server, "no-such-name.org")
        self.assertEqual(code, 3, out)
        self.assertIn("cannot tell: NXDOMAIN without an extended DNS error", out)

    def test_silent_server_exits_3(self):
        code, out, _ = check("--server", f"127.0.0.1:{h.free_port()}", CHECK_HOST)
        self.assertEqual(code, 3, out)
        self.assertIn("cannot tell: no answer", out)

    def test_no_name_and_no_configuration_exits_2(self):
        code, _, err = check("--server", self.server)
        self.assertEqual(code, 2)
        self.assertIn("give the check NAME", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
