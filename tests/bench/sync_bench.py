"""Signed list distribution figures at 1M entries (`python3 tests/bench/sync_bench.py
OUTPUT_DIR`): a full sync (download from nginx over HTTPS on 127.0.0.1, verify,
parse, compile, publish the snapshot), a 1,000-entry delta sync, and the requests an
unchanged manifest costs. Uses the integration tests' CA and nginx helpers."""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
if len(sys.argv) > 1:
    os.environ["DNSSTOP_OUTPUT_DIR"] = os.path.abspath(sys.argv[1])

import harness as h  # noqa: E402
import sync_test as s  # noqa: E402

ENTRIES = int(os.environ.get("SYNC_BENCH_ENTRIES", "1000000"))


def timed(command):
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{command} failed: {result.stderr}")
    return elapsed, result.stderr


def main():
    with h.TempDir() as directory:
        os.chmod(directory, 0o755)
        ca = h.TestCa(directory)
        www = os.path.join(directory, "www")
        publish_dir = os.path.join(www, "lists")
        os.makedirs(publish_dir)
        nginx = h.Nginx(directory, ca, www)
        try:
            subprocess.run([s.PUBLISH, "keygen", "-p", f"{directory}/k.pub", "-s", f"{directory}/k.key"], check=True,
                           capture_output=True)
            base = os.path.join(directory, "base.list")
            subprocess.run([os.path.join(h.OUTPUT_DIR, "bin/dnsstop-genlist"), "--count", str(ENTRIES), "--seed", "1",
                            "--out", base], check=True, capture_output=True)
            publish = [s.PUBLISH, "publish", "-s", f"{directory}/k.key", "-n", "police"]
            subprocess.run(publish + [base, publish_dir], check=True, capture_output=True)
            config = s.SyncConfig(directory, ca, nginx.url("lists/police.manifest"), [s.public_key_line(f"{directory}/k.pub")],
                                  max_skipped_percent=1)
            config.write()
            sync = [s.SYNC, "--config", config.path, "--once"]
            full, _ = timed(sync)
            size = os.path.getsize(os.path.join(publish_dir, "police-1.list"))
            print(f"full sync of {ENTRIES:,} entries ({size / 1e6:.1f} MB): {full:.2f} s (target <= 3 s)")

            changed = os.path.join(directory, "changed.list")
            shutil.copy(base, changed)
            with open(changed, "a") as out:
                out.writelines(f"added{i}.example\n" for i in range(1000))
            subprocess.run(publish + [changed, publish_dir], check=True, capture_output=True)
            delta, log = timed(sync)
            assert "by delta" in log, log
            print(f"1,000-entry delta sync (fetch, apply, verify, compile, publish): {delta:.2f} s")

            unchanged, _ = timed(sync)
            with open(config.metrics) as metrics:
                requests = [line for line in metrics if line.startswith("dnsstop_sync_requests_total")]
            print(f"unchanged manifest: {unchanged:.2f} s, {requests[0].split()[-1]} HTTP request (conditional)")
        finally:
            nginx.stop()


if __name__ == "__main__":
    main()
