# SPDX-License-Identifier: GPL-2.0-or-later
"""Run a check_sbtc_* binary and take its answer apart.

    r = run("check_sbtc_backup", ["--dbname", conninfo, "-w", "1d"], timeout=30)
    assert r.rc == 2, r
    assert r.first_line.startswith("SBTC BACKUP CRITICAL - ")
    assert r.perfdata["age"].value == 93600

The binaries are looked up in $SBTC_PLUGIN_DIR (an absolute path).

Output is parsed as the Nagios plugin output format says: the first line is
"TEXT | PERFDATA"; following lines are long text until a line with '|', whose
part after the '|' and every line after it are perfdata. With a single '|'
(what the checks print) that is everything after the first '|'.

Perfdata items are 'label'=value[UOM];[warn];[crit];[min];[max]. Result.perfdata
maps label -> PerfValue(value, uom, warn, crit, min, max): value is a float
(None for 'U'); warn/crit/min/max are floats when plain numbers, the range text
when not (e.g. '@10:20'), None when empty. .raw holds the text of each field.
Result.perfdata_list keeps order and duplicates; Result.perfdata_errors lists
items that do not follow the format.
"""

import collections
import os
import re
import signal
import subprocess
import time

__all__ = ["run", "under_valgrind", "StateAssertions", "Result", "PerfValue", "PluginError", "PluginTimeout", "plugin_dir",
           "plugin_path", "parse_output", "parse_perfdata"]

STATES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
VALGRIND_EXIT = 99
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")


class PluginError(RuntimeError):
    """The plugin could not be found or started."""


class PluginTimeout(AssertionError):
    """The plugin ran past the harness's timeout; it was killed."""

    def __init__(self, argv, timeout, elapsed, stdout, stderr):
        self.argv = argv
        self.timeout = timeout
        self.elapsed = elapsed
        self.stdout = stdout
        self.stderr = stderr
        super().__init__("%s still running after %.1fs (killed)\nstdout: %r\nstderr: %r"
                         % (" ".join(argv), elapsed, stdout[-2000:], stderr[-2000:]))


_PerfBase = collections.namedtuple("PerfValue", "value uom warn crit min max")


class PerfValue(_PerfBase):
    """(value, uom, warn, crit, min, max) plus .label and .raw (field -> text)."""

    label = None
    raw = None


def plugin_dir():
    """$SBTC_PLUGIN_DIR, checked: an absolute path to an existing folder."""
    d = os.environ.get("SBTC_PLUGIN_DIR")
    if not d:
        raise PluginError("SBTC_PLUGIN_DIR is not set: point it at the folder holding the built "
                          "check_sbtc_* binaries (an absolute path, e.g. $PWD/plugins)")
    if not os.path.isabs(d):
        raise PluginError("SBTC_PLUGIN_DIR=%r must be an absolute path" % d)
    if not os.path.isdir(d):
        raise PluginError("SBTC_PLUGIN_DIR=%r is not a folder" % d)
    return d


def plugin_path(binary_name):
    if os.sep in binary_name:
        raise PluginError("give the plugin's name, not a path: %r" % binary_name)
    path = os.path.join(plugin_dir(), binary_name)
    if not os.path.isfile(path):
        raise PluginError("%s not found in SBTC_PLUGIN_DIR=%s (not built?)"
                          % (binary_name, plugin_dir()))
    if not os.access(path, os.X_OK):
        raise PluginError("%s is not executable" % path)
    return path


_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_VALUE_RE = re.compile(r"^(%s)([a-zA-Z%%]*)$" % _NUM)
_NUMBER_RE = re.compile(r"^%s$" % _NUM)


def _threshold(text):
    if text == "":
        return None
    if _NUMBER_RE.match(text):
        return float(text)
    return text


def parse_perfdata(text):
    """Parse perfdata text; returns (list of PerfValue, list of error strings)."""
    items, errors = [], []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        if text[i] == "'":
            i += 1
            label = []
            while i < n:
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        label.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                label.append(text[i])
                i += 1
            else:
                errors.append("unterminated quoted label: %r" % text[start:])
                break
            label = "".join(label)
            if i >= n or text[i] != "=":
                j = i
                while j < n and not text[j].isspace():
                    j += 1
                errors.append("no '=' after label: %r" % text[start:j])
                i = j
                continue
        else:
            j = i
            while j < n and text[j] != "=" and not text[j].isspace():
                j += 1
            if j >= n or text[j] != "=":
                errors.append("no '=' in item: %r" % text[start:j])
                i = j
                continue
            label = text[i:j]
            i = j
        i += 1  # '='
        j = i
        while j < n and not text[j].isspace():
            j += 1
        fields = text[i:j].split(";")
        i = j
        raw_item = text[start:j]
        if len(fields) > 5:
            errors.append("more than 5 fields: %r" % raw_item)
        fields = (fields + [""] * 5)[:5]
        m = _VALUE_RE.match(fields[0])
        if fields[0] == "U":
            value, uom = None, ""
        elif m:
            value, uom = float(m.group(1)), m.group(2)
        else:
            errors.append("bad value %r in %r" % (fields[0], raw_item))
            value, uom = None, ""
        for name, f in zip(("min", "max"), fields[3:5]):
            if f and not _NUMBER_RE.match(f):
                errors.append("%s %r is not a number in %r" % (name, f, raw_item))
        pv = PerfValue(value, uom, _threshold(fields[1]), _threshold(fields[2]),
                       _threshold(fields[3]), _threshold(fields[4]))
        pv.label = label
        pv.raw = {"item": raw_item, "value": fields[0], "warn": fields[1], "crit": fields[2],
                  "min": fields[3], "max": fields[4]}
        items.append(pv)
    return items, errors


def parse_output(stdout):
    """Split plugin output: (first_line_text, long_text_lines, perfdata_text)."""
    lines = stdout.splitlines()
    if not lines:
        return "", [], ""
    first, _, perf = lines[0].partition("|")
    perf_parts = [perf] if perf.strip() else []
    long_text = []
    in_perf = False
    for line in lines[1:]:
        if in_perf:
            perf_parts.append(line)
        elif "|" in line:
            before, _, after = line.partition("|")
            if before.strip():
                long_text.append(before.rstrip())
            perf_parts.append(after)
            in_perf = True
        else:
            long_text.append(line)
    return first.rstrip(), long_text, " ".join(p.strip() for p in perf_parts if p.strip())


class Result:
    """rc, stdout, stderr, first_line (the whole first line, perfdata included),
    text (first line without perfdata), long_text (lines), perfdata (dict),
    perfdata_list, perfdata_errors, elapsed (seconds), argv, state (name)."""

    def __init__(self, argv, rc, stdout, stderr, elapsed):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        lines = stdout.splitlines()
        self.first_line = lines[0] if lines else ""
        self.text, self.long_text, self.perfdata_text = parse_output(stdout)
        self.perfdata_list, self.perfdata_errors = parse_perfdata(self.perfdata_text)
        self.perfdata = {}
        for pv in self.perfdata_list:
            self.perfdata.setdefault(pv.label, pv)

    @property
    def state(self):
        return STATES.get(self.rc, "rc=%s" % self.rc)

    def __repr__(self):
        return ("<Result rc=%s (%s) %.2fs\n$ %s\n--- stdout ---\n%s--- stderr ---\n%s>"
                % (self.rc, self.state, self.elapsed, " ".join(self.argv), self.stdout,
                   self.stderr))

    __str__ = __repr__


def run(binary_name, args=(), env=None, timeout=30, stdin=None, cwd=None, clean_env=True):
    """Run $SBTC_PLUGIN_DIR/binary_name with args; return a Result.

    env: variables added to (and overriding) the environment; a value of None
    removes that variable. clean_env drops the caller's libpq variables (PG*)
    first, so a developer's PGPASSWORD or PGSERVICE cannot change a test.
    The plugin runs in its own session; past timeout the whole group is
    killed and PluginTimeout is raised.
    """
    path = plugin_path(binary_name)
    argv = [path] + [str(a) for a in args]
    wrapper = []
    if os.environ.get("SBTC_VALGRIND") == "1":
        # Any error or definite leak turns into exit code 99, which no check uses.
        wrapper = ["valgrind", "-q", "--error-exitcode=%d" % VALGRIND_EXIT,
                   "--leak-check=full", "--errors-for-leak-kinds=definite",
                   "--show-leak-kinds=definite"]
        timeout = timeout * 10
    full_env = dict(os.environ)
    if clean_env:
        full_env = {k: v for k, v in full_env.items() if not k.startswith("PG")}
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = str(v)
    start = time.monotonic()
    proc = subprocess.Popen(wrapper + argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(input=stdin.encode() if isinstance(stdin, str) else stdin,
                                    timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = proc.communicate()
        raise PluginTimeout(argv, timeout, time.monotonic() - start,
                            out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    elapsed = time.monotonic() - start
    result = Result(argv, proc.returncode, out.decode("utf-8", "replace"),
                    err.decode("utf-8", "replace"), elapsed)
    # A sanitizer or valgrind report fails the test whatever the test asserts.
    if wrapper and proc.returncode == VALGRIND_EXIT:
        raise AssertionError("valgrind reported errors:\n%r" % result)
    for marker in SANITIZER_MARKERS:
        if marker in result.stderr:
            raise AssertionError("sanitizer report (%s):\n%r" % (marker, result))
    return result


class StateAssertions:
    """A mixin for unittest.TestCase with the one assertion of a check's state:

        class BackupCase(harness.StateAssertions, unittest.TestCase):
            PREFIX = "SBTC BACKUP "
            ...
            self.assertState(r, 2, "too old", "22 hours")

    Each failure's message is the Result: the command, its exit code and state, the
    whole stdout and stderr."""

    PREFIX = ""  # the check's first-line prefix, e.g. "SBTC BACKUP "

    def assertState(self, r, rc, *parts, perfdata=True, prefix=None):
        """r exited with rc; its first line starts with the prefix (PREFIX unless given), the
        state's name and " - ", and its text (the first line without perfdata) holds every
        one of parts. With perfdata (the default) its perfdata follow the format and hold
        time in seconds."""
        self.assertEqual(r.rc, rc, r)
        self.assertTrue(r.first_line.startswith((self.PREFIX if prefix is None else prefix)
                                                + STATES[rc] + " - "), r)
        for part in parts:
            self.assertIn(part, r.text, r)
        if perfdata:
            self.assertEqual(r.perfdata_errors, [], r)
            self.assertIn("time", r.perfdata, r)
            self.assertEqual(r.perfdata["time"].uom, "s", r)


def under_valgrind(test_method):
    """Marks a test to run again under valgrind (tests/run sets SBTC_VALGRIND=1)."""
    test_method.under_valgrind = True
    return test_method
