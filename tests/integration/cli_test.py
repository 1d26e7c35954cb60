"""The `dnsstop` operator tool, run as an operator would: compile, lookup, info,
config check; with good and bad inputs. Run by CTest."""

import os
import subprocess
import unittest

import harness as h


def run(*args):
    return subprocess.run([h.DNSSTOP, *args], capture_output=True, text=True, timeout=60)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.temp = h.TempDir()
        self.directory = self.temp.__enter__()
        self.addCleanup(self.temp.__exit__, None, None, None)

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as out:
            out.write(text)
        return path

    def test_compile_reports_bad_lines_and_still_writes_the_good_ones(self):
        police = self.write("police.txt", "example.com\nbad..name\nhttp://evil.example/some/path\n=exact.example.org\n")
        snapshot = os.path.join(self.directory, "out.snap")
        result = run("compile", "-o", snapshot, f"police:nxdomain={police}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{police}:2: empty label", result.stderr)
        self.assertIn(f"{police}:3: URL path cannot be enforced by DNS", result.stderr)
        self.assertIn("2 entries, 2 lines skipped (1 URLs with a path)", result.stdout)
        lookup = run("lookup", snapshot, "WWW.Example.com", "exact.example.org", "a.exact.example.org", "evil.example")
        self.assertEqual(lookup.stdout.splitlines(), [
            "www.example.com\tblocked by example.com in list police (nxdomain)",
            "exact.example.org\tblocked by =exact.example.org in list police (nxdomain)",
            "a.exact.example.org\tunlisted",
            "evil.example\tunlisted",
        ])

    def test_lookup_explains_allowlist_exceptions_and_rejects_bad_names(self):
        police = self.write("police.txt", "example.com\n")
        allow = self.write("exceptions.txt", "ok.example.com\n")
        snapshot = os.path.join(self.directory, "out.snap")
        self.assertEqual(run("compile", "-o", snapshot, police, "--allow", allow).returncode, 0)
        lookup = run("lookup", snapshot, "x.ok.example.com", "bad..name")
        self.assertEqual(lookup.returncode, 1)
        self.assertIn("x.ok.example.com\tallowed by ok.example.com in list exceptions (allow)", lookup.stdout)
        self.assertIn("bad..name\tinvalid name:", lookup.stdout)

    def test_info_describes_the_snapshot(self):
        police = self.write("police.txt", "example.com\nexample.net\n")
        snapshot = os.path.join(self.directory, "out.snap")
        run("compile", "-o", snapshot, "--created", "1700000000", police)
        info = run("info", snapshot)
        self.assertEqual(info.returncode, 0)
        self.assertIn("created:  2023-11-14T22:13:20Z", info.stdout)
        self.assertIn("entries:  2", info.stdout)
        self.assertRegex(info.stdout, r"police\s+stoppage\s+serial 0, published unknown, 2 entries")

    def test_corrupt_or_missing_snapshot_is_an_error_naming_the_file(self):
        snapshot = self.write("broken.snap", "not a snapshot at all, but long enough to hold a header" * 4)
        result = run("info", snapshot)
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{snapshot}: snapshot offset 0: not a dnsstop snapshot", result.stderr)
        missing = run("lookup", os.path.join(self.directory, "none.snap"), "example.com")
        self.assertEqual(missing.returncode, 2)
        self.assertIn("No such file or directory", missing.stderr)

    def test_unreadable_list_and_bad_arguments_fail_clearly(self):
        snapshot = os.path.join(self.directory, "out.snap")
        result = run("compile", "-o", snapshot, os.path.join(self.directory, "nothere.txt"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("nothere.txt: No such file or directory", result.stderr)
        self.assertFalse(os.path.exists(snapshot))
        self.assertEqual(run("compile", "police:block=x.txt", "-o", snapshot).returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)

    def test_numbers_in_options_are_plain_decimals_in_range(self):
        # Once read with strtoul: "80x" was port 80 and 70000 wrapped to 4464.
        for args, message in ((("check", "--http-port", "80x", "x.test"), "--http-port: bad port '80x'"),
                              (("check", "--http-port", "70000", "x.test"), "--http-port: bad port '70000'"),
                              (("check", "--server", "127.0.0.1:53x", "x.test"), "--server: bad port '53x'"),
                              (("compile", "--created", "12abc", "-o", "x.snap", "x.txt"),
                               "--created: bad Unix time '12abc'")):
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)

    def test_compile_from_configuration(self):
        police = self.write("police.txt", "example.com\n")
        exceptions = self.write("exceptions.txt", "ok.example.com\n")
        snapshot = os.path.join(self.directory, "current.snap")
        config = self.write("dnsstop.yaml", f"""snapshot:
  path: {snapshot}
answers:
  stoppage_ipv4: [192.0.2.80]
lists:
  - name: police
    action: stoppage
    file: {police}
  - name: exceptions
    action: allow
    file: {exceptions}
""")
        self.assertEqual(run("config", "check", config).returncode, 0)
        result = run("compile", "--config", config)
        self.assertEqual(result.returncode, 0, result.stderr)
        lookup = run("lookup", snapshot, "www.example.com", "ok.example.com")
        self.assertIn("www.example.com\tblocked by example.com in list police (stoppage)", lookup.stdout)
        self.assertIn("ok.example.com\tallowed by ok.example.com in list exceptions (allow)", lookup.stdout)

    def test_config_check_names_line_and_key(self):
        config = self.write("bad.yaml", "answers:\n  ttl: forever\n")
        result = run("config", "check", config)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, rf"{config}:2:8: answers\.ttl: ")


if __name__ == "__main__":
    unittest.main(verbosity=2)
