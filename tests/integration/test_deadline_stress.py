# SPDX-License-Identifier: GPL-2.0-or-later
"""One result per run, whatever the timing: every check run hundreds of times against a
peer that never answers, with -t values sweeping the moment the orderly result is written
into the moment the SIGALRM backstop fires (lib/deadline.c, sbtc_deadline_claim_output).

Each run must print exactly one result: in text formats one status line (the only line
starting with "SBTC "), nothing after the perfdata; in JSON exactly one document. And the
exit code must be the state that result names. And a run whose result cannot be written
(stdout a full pipe nobody reads) still ends by the deadline, with that state.
"""

import json
import os
import re
import signal
import subprocess
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness.net import SilentServer, closed_port

STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
FIRST_LINE = re.compile(r"^SBTC [A-Z_]+ (OK|WARNING|CRITICAL|UNKNOWN) - ")
# Runs side by side: the plugins mostly wait on the silent peer.
WORKERS = 4
STEPS = 40  # -t values per check and format
T_MIN, T_MAX = 0.01, 0.3
# The whole sweep must stay well within a minute, even on a loaded machine.
BUDGET = 60.0


def one_result_problems(r, fmt):
    """What is wrong with r as the single result of a run; [] when nothing is."""
    out = r.stdout
    if fmt == "json":
        try:
            doc = json.loads(out)
        except ValueError as e:
            return ["not exactly one JSON document (%s)" % e]
        if not isinstance(doc, dict) or doc.get("state") != r.rc:
            return ["exit code %s but the document says state %r" % (r.rc, doc.get("state"))]
        return []
    lines = out.splitlines()
    problems = []
    if not lines:
        return ["no output"]
    m = FIRST_LINE.match(lines[0])
    if m is None:
        problems.append("first line is not a status line")
    elif STATES[m.group(1)] != r.rc:
        problems.append("exit code %s but the first line says %s" % (r.rc, m.group(1)))
    if any(line.startswith("SBTC ") for line in lines[1:]):
        problems.append("a second status line")
    if not out.endswith("\n"):
        problems.append("output cut short")
    perf_at = next((i for i, line in enumerate(lines) if "|" in line), None)
    if perf_at is not None and perf_at != len(lines) - 1:
        problems.append("lines after the perfdata")
    return problems


class DeadlineStress(unittest.TestCase):

    def sweep(self, check, args, formats=("multi-line", "json")):
        runs = []
        for fmt in formats:
            for i in range(STEPS):
                t = T_MIN + (T_MAX - T_MIN) * i / (STEPS - 1)
                runs.append((fmt, "%.3f" % t))

        def one(run):
            fmt, t = run
            r = harness.run(check, ["-t", t, "--output-format", fmt] + list(args), timeout=20)
            return fmt, t, r

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(one, runs))
        took = time.monotonic() - start
        bad = []
        for fmt, t, r in results:
            problems = one_result_problems(r, fmt)
            if problems:
                bad.append("-t %s %s: %s\n%r" % (t, fmt, "; ".join(problems), r))
        if bad:
            self.fail("%d of %d runs without exactly one result:\n%s"
                      % (len(bad), len(results), "\n".join(bad[:3])))
        self.assertLess(took, BUDGET, "%d runs" % len(results))

    def test_block_lag(self):
        with SilentServer() as s:
            url = "http://127.0.0.1:%d" % s.port
            self.sweep("check_sbtc_block_lag", ["--stacks-url", url])

    def test_version(self):
        with SilentServer() as s:
            url = "http://127.0.0.1:%d" % s.port
            self.sweep("check_sbtc_version", ["--signer-url", url], ("multi-line", "json", "one-line"))

    def test_aggregate_key(self):
        with SilentServer() as s:
            url = "http://127.0.0.1:%d" % s.port
            self.sweep("check_sbtc_aggregate_key",
                       ["--stacks-url", url, "-d", "host=127.0.0.1 port=%d connect_timeout=30" % s.port])

    def test_backup(self):
        # A database that accepts the connection and never answers.
        with SilentServer() as s:
            self.sweep("check_sbtc_backup",
                       ["--path", os.devnull, "--dbname", "host=127.0.0.1 port=%d" % s.port])

    def test_ports(self):
        # Every port of loopback: a scan that the deadline cuts short.
        self.sweep("check_sbtc_ports", ["-H", "127.0.0.1", "-p", "1-65535", "--no-drop-check"])


class BlockedStdout(unittest.TestCase):
    """The result is decided but cannot be written: the pipe to the reader is full and
    nobody reads it. The run must still end at the -t deadline, with the decided state."""

    def test_full_pipe_still_ends_by_the_deadline(self):
        r, w = os.pipe()
        try:
            os.set_blocking(w, False)
            try:
                while True:
                    os.write(w, b"x" * 4096)
            except BlockingIOError:
                pass
            os.set_blocking(w, True)
            argv = [harness.plugin.plugin_path("check_sbtc_block_lag"), "-t", "1",
                    "--bitcoin-url", "http://127.0.0.1:%d" % closed_port()]
            start = time.monotonic()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                rc = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                self.fail("still running 15 s after a 1 s deadline, blocked on its output")
            finally:
                proc.stderr.close()
            took = time.monotonic() - start
        finally:
            os.close(r)
            os.close(w)
        self.assertEqual(rc, 2, "the state decided (cannot connect: CRITICAL), not the timeout's")
        self.assertLess(took, 5)


if __name__ == "__main__":
    unittest.main()
