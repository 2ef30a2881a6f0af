#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the integration tests: tests/integration/test_*.py (unittest.TestCase classes).

    SBTC_PLUGIN_DIR=$PWD/plugins /usr/bin/python3 tests/integration/run.py [FILTER...]

FILTER: a substring of a module name or of a test id (module.Class.method);
several filters select the union. --exclude MODULE (repeatable) leaves a whole
module out. Output, one line per test:

    ok test_harness.ClusterTest.test_schema_0022
    FAIL test_backup.BackupTest.test_stale   (the failure's details follow, indented)
    ERROR test_x.Y.test_z
    SKIP test_x.Y.test_w: <reason>

and last exactly one line "N passed, N failed". Errors count as failed; a
skipped test counts as failed too unless SBTC_ALLOW_SKIP=1 (a suite must not
hide failures behind skips). Exit status 0 only when nothing failed and at
least one test ran.

Test modules share one PostgreSQL cluster through harness.shared_cluster();
the runner stops it at the end (and on SIGTERM/SIGINT).

--jobs N (or SBTC_TEST_JOBS=N) runs up to N modules at once, each in a runner
process of its own (its own shared cluster, its own daemons): most modules
wait on timeouts, daemons and sockets far more than they compute, so the
waiting overlaps. Each module's lines are printed together when it ends (in
the order the modules end), a module's runner that dies without its summary
is an ERROR of that module, and the last line is the same sum. The modules
start longest first: by their seconds in --timings FILE (JSON, written back
at the end), else by the size of their source. --alone MODULE runs that
module first, with no other at once.
"""

import argparse
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def _indent(text, prefix="    "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").splitlines())


class LineResult(unittest.TestResult):
    """Prints one line per test as it finishes, details after failures."""

    def __init__(self, stream, allow_skip):
        super().__init__()
        self.stream = stream
        self.allow_skip = allow_skip
        self.passed = 0
        self.failed = 0
        self.buffer = True  # a test's own prints are shown only when it fails
        # Seconds per module, its class and module set-ups included (they run between one
        # test's end and the next one's start): where a slow suite spends its time.
        self.module_seconds = {}
        self._since = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        module = self._name(test).split(".")[0]
        self.module_seconds[module] = self.module_seconds.get(module, 0.0) + now - self._since
        self._since = now

    def _name(self, test):
        if isinstance(test, unittest.TestCase):
            return test.id()
        return str(test)

    def _emit(self, line, details=None):
        self.stream.write(line + "\n")
        if details:
            self.stream.write(_indent(details))
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._emit("ok %s" % self._name(test))

    # With buffer on, _exc_info_to_string() already appends the test's captured
    # output to the details; _mirrorOutput is cleared so that unittest does not
    # print it a second time, unindented, when the test stops.

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mirrorOutput = False
        self.failed += 1
        self._emit("FAIL %s" % self._name(test), self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._mirrorOutput = False
        self.failed += 1
        self._emit("ERROR %s" % self._name(test), self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed += 1
            kind = "FAIL" if issubclass(err[0], test.failureException) else "ERROR"
            self._emit("%s %s" % (kind, subtest.id()), self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if self.allow_skip:
            self._emit("SKIP %s: %s" % (self._name(test), reason))
        else:
            self.failed += 1
            self._emit("SKIP %s: %s (counted as failed; SBTC_ALLOW_SKIP=1 allows skips)"
                       % (self._name(test), reason))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._emit("ok %s (expected failure)" % self._name(test))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed += 1
        self._emit("FAIL %s: unexpected success" % self._name(test))


def _matches(test_id, filters):
    if not filters:
        return True
    return any(f in test_id for f in filters)


def _iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _iter_tests(item)
        else:
            yield item


VALGRIND = os.environ.get("SBTC_VALGRIND") == "1"


def _marked_for_valgrind(test):
    method = getattr(test, getattr(test, "_testMethodName", ""), None)
    return bool(getattr(method, "under_valgrind", False))


def module_names(test_dir, exclude=(), only=None):
    """The test modules in test_dir, by name (test_*.py), but those in exclude;
    only the one named only when it is given."""
    names = []
    for fname in sorted(os.listdir(test_dir)):
        if fname.startswith("test_") and fname.endswith(".py"):
            modname = fname[:-3]
            if modname not in exclude and (only is None or modname == only):
                names.append(modname)
    return names


def discover(test_dir, filters, result, exclude=(), only=None):
    """Import test_*.py from test_dir (but the modules named in exclude; only the
    module named only when it is given); return a suite of the selected tests. A
    module that fails to import is reported as an ERROR line."""
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    if test_dir not in sys.path:
        sys.path.insert(0, test_dir)
    for modname in module_names(test_dir, exclude, only):
        try:
            module = importlib.import_module(modname)
        except Exception:
            if _matches(modname, filters):
                result.failed += 1
                result._emit("ERROR %s (import)" % modname, traceback.format_exc())
            continue
        module_suite = loader.loadTestsFromModule(module)
        for test in _iter_tests(module_suite):
            test_id = test.id() if isinstance(test, unittest.TestCase) else str(test)
            # a loader error (e.g. a bad class) is a test of its own: always keep it
            # under valgrind only the tests marked for it run (timing tests would not hold)
            if VALGRIND and not _marked_for_valgrind(test):
                continue
            if _matches(test_id, filters) or _matches(modname, filters) or \
                    test_id.startswith("unittest.loader"):
                suite.addTest(test)
    return suite


SUMMARY_PREFIX = "time by module: "


def _read_timings(path):
    try:
        with open(path) as f:
            data = json.load(f)
        return {k: float(v) for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _write_timings(path, seconds):
    known = _read_timings(path)
    known.update(seconds)
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(known, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError as e:
        sys.stderr.write("run.py: cannot write the timings to %s: %s\n" % (path, e))


class ModuleRun:
    """One module run by a runner process of its own, its output in a temporary file."""

    def __init__(self, modname, argv, env):
        self.modname = modname
        self.out = tempfile.TemporaryFile(mode="w+", prefix="sbtc-run-")
        self.started = time.monotonic()
        self.seconds = 0.0
        # stdin closed: a test never waits on the terminal of the run
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, env=env)

    def finish(self, result):
        """Print the module's lines and add its counts to result."""
        self.seconds = time.monotonic() - self.started
        self.out.seek(0)
        lines = self.out.read().splitlines()
        self.out.close()
        summary = None
        body = []
        for line in lines:
            m = re.match(r"^(\d+) passed, (\d+) failed$", line)
            if m:
                summary = (int(m.group(1)), int(m.group(2)))
            elif not line.startswith(SUMMARY_PREFIX):
                body.append(line)
        if body:
            result.stream.write("\n".join(body) + "\n")
        if summary is None:
            result.failed += 1
            result._emit("ERROR %s (its runner ended with status %s and no summary)"
                         % (self.modname, self.proc.returncode))
        else:
            result.passed += summary[0]
            result.failed += summary[1]
        result.module_seconds[self.modname] = self.seconds
        result.stream.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)


def run_parallel(args, test_dir, result, jobs):
    """Run each module in a runner process of its own, up to jobs at once."""
    modules = module_names(test_dir, set(args.exclude))
    timings = _read_timings(args.timings) if args.timings else {}

    def cost(name):
        if name in timings:
            return (0, -timings[name])
        return (1, -os.path.getsize(os.path.join(test_dir, name + ".py")))

    # the modules that run alone first, one after the other; then the others, jobs at once
    pending = sorted(modules, key=lambda name: (name not in args.alone, cost(name)))
    running = []
    base = [sys.executable, os.path.abspath(__file__), "--dir", test_dir]
    env = dict(os.environ)
    env.pop("SBTC_TEST_JOBS", None)
    try:
        while pending or running:
            while pending and len(running) < jobs and \
                    not any(r.modname in args.alone for r in running) and \
                    not (pending[0] in args.alone and running):
                name = pending.pop(0)
                running.append(ModuleRun(name, base + ["--only", name] + list(args.filters), env))
            # the runner's only children are the modules' runners
            pid, status = os.wait()
            for run in [r for r in running if r.proc.pid == pid]:
                run.proc.returncode = os.waitstatus_to_exitcode(status)
                running.remove(run)
                run.finish(result)
    finally:
        # interrupted: each module's runner stops its own cluster and daemons on SIGTERM
        for run in running:
            run.stop()
        for run in running:
            try:
                run.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.proc.kill()
                run.proc.wait()
            run.finish(result)
        if args.timings:
            _write_timings(args.timings, result.module_seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the integration tests.")
    parser.add_argument("filters", nargs="*", help="module or test-name substrings")
    parser.add_argument("--exclude", action="append", default=[], metavar="MODULE",
                        help="leave out this test module (test_consumers, ...)")
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="run up to N modules at once, each in a process of its own "
                             "(default: $SBTC_TEST_JOBS, else 1)")
    parser.add_argument("--alone", action="append", default=[], metavar="MODULE",
                        help="with --jobs: run this module with no other at once (its "
                             "timing does not hold beside the others)")
    parser.add_argument("--timings", metavar="FILE",
                        help="seconds per module (JSON): read to start the longest first, "
                             "written back at the end")
    parser.add_argument("--dir", default=HERE, help=argparse.SUPPRESS)
    parser.add_argument("--only", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    jobs = args.jobs
    if jobs is None:
        try:
            jobs = int(os.environ.get("SBTC_TEST_JOBS", "1"))
        except ValueError:
            parser.error("SBTC_TEST_JOBS: not a number: %s" % os.environ["SBTC_TEST_JOBS"])
    if jobs < 1:
        parser.error("--jobs: at least 1")

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)

    allow_skip = os.environ.get("SBTC_ALLOW_SKIP") == "1"
    result = LineResult(sys.stdout, allow_skip)
    test_dir = os.path.abspath(args.dir)
    if HERE not in sys.path:
        sys.path.insert(0, HERE)  # for `import harness`
    interrupted = False
    try:
        unknown = [m for m in args.exclude
                   if not os.path.exists(os.path.join(test_dir, m + ".py"))]
        if unknown:
            parser.error("--exclude: no test module %s" % ", ".join(unknown))
        unknown = [m for m in args.alone
                   if not os.path.exists(os.path.join(test_dir, m + ".py"))]
        if unknown:
            parser.error("--alone: no test module %s" % ", ".join(unknown))
        if jobs > 1 and args.only is None:
            run_parallel(args, test_dir, result, jobs)
        else:
            suite = discover(test_dir, args.filters, result, exclude=set(args.exclude),
                             only=args.only)
            suite.run(result)
    except KeyboardInterrupt as e:
        interrupted = True
        result.failed += 1
        result._emit("ERROR interrupted (%s)" % (e or "SIGINT"))
    finally:
        harness = sys.modules.get("harness")
        if harness is not None and hasattr(harness, "shutdown_shared"):
            try:
                harness.shutdown_shared()
            except Exception:
                result.failed += 1
                result._emit("ERROR stopping the shared cluster", traceback.format_exc())
    ran = result.passed + result.failed
    if ran == 0 and not interrupted and args.only is None:
        sys.stderr.write("no tests matched %s\n" % (" ".join(args.filters) or "(all)"))
    slowest = sorted(result.module_seconds.items(), key=lambda kv: -kv[1])[:8]
    if slowest:
        sys.stdout.write(SUMMARY_PREFIX + ", ".join("%s %.0fs" % kv for kv in slowest) + "\n")
    sys.stdout.write("%d passed, %d failed\n" % (result.passed, result.failed))
    sys.stdout.flush()
    return 0 if result.failed == 0 and ran > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
