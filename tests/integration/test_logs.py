# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_logs on real logs in a temporary root: journals written offline by
systemd-journal-remote from the journal export format (with __REALTIME_TIMESTAMP set to
days in the past) and read through libsystemd with --journal-dir; rotated log files,
plain and gzip-compressed, with times in the forms the signer host writes; logrotate and
journald configurations with drop-ins; a Docker data root with a container's
config.v2.json, hostconfig.json and json-file logs.

Each test asserts the exit code, the first line and the perfdata.
"""

import concurrent.futures
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import under_valgrind

CHECK = "check_sbtc_logs"
PREFIX = "SBTC LOGS "
DAY = 86400
HOUR = 3600
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
CONTAINER_ID = "4f3c2b1a" * 8


def write_journal(folder, entries):
    """A journal file in folder holding entries [(age in seconds, unit, message)], written
    by systemd-journal-remote from the export format on its stdin."""
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    chunks = []
    for i, (age, unit, message) in enumerate(sorted(entries, key=lambda e: -e[0])):
        chunks.append("__CURSOR=s=0;i=%d\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
                      "_BOOT_ID=0123456789abcdef0123456789abcdef\n_MACHINE_ID=0123456789abcdef0123456789abcdef\n"
                      "_HOSTNAME=signer\n_SYSTEMD_UNIT=%s\nMESSAGE=%s\n\n"
                      % (i + 1, int((now - age) * 1e6), i + 1, unit, message))
    subprocess.run([JOURNAL_REMOTE, "--output=" + os.path.join(folder, "remote.journal"), "-"],
                   input="".join(chunks).encode(), check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rfc3339(age):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - age))


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)
    return path


class LogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(JOURNAL_REMOTE, os.X_OK):
            raise RuntimeError("%s is needed by these tests (contrib/install-deps --tests: "
                               "systemd-journal-remote)" % JOURNAL_REMOTE)
        cls.root = tempfile.mkdtemp(prefix="sbtc-logs-")
        r = cls.root
        signer = "sbtc-signer.service"
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            jobs = [
                # a journal capped at two weeks: nothing older is left
                pool.submit(write_journal, os.path.join(r, "j2w"),
                            [(14 * DAY - HOUR, signer, "started"), (DAY, signer, "signed"),
                             (60, "bitcoind.service", "tip")]),
                # a journal that reaches back 100 days
                pool.submit(write_journal, os.path.join(r, "j100"),
                            [(100 * DAY, signer, "started"), (50 * DAY, signer, "signed"), (HOUR, signer, "ok"),
                             (120 * DAY, "stacks-node.service", "boot")]),
            ]
            for j in jobs:
                j.result()
        write(os.path.join(r, "etc/j2w/journald.conf"), "[Journal]\nStorage=persistent\nMaxRetentionSec=2week\n")
        write(os.path.join(r, "etc/none/journald.conf"), "# all defaults\n[Journal]\n")
        write(os.path.join(r, "etc/maxuse/journald.conf"), "[Journal]\nSystemMaxUse=1M\n")
        # drop-ins: the main file's 2 weeks, overridden by 10-keep.conf, whose 100d a later
        # 20-short.conf lowers again to 30d; the last one read wins
        write(os.path.join(r, "etc/dropin/journald.conf"), "[Journal]\nMaxRetentionSec=2week\n")
        write(os.path.join(r, "etc/dropin/journald.conf.d/20-short.conf"), "[Journal]\nMaxRetentionSec=30d\n")
        write(os.path.join(r, "etc/dropin/journald.conf.d/10-keep.conf"), "[Journal]\nMaxRetentionSec=100d\n")
        write(os.path.join(r, "etc/volatile/journald.conf"), "[Journal]\nStorage=volatile\n")
        write(os.path.join(r, "etc/bad/journald.conf"), "[Journal]\nMaxRetentionSec=two weeks\n")

        # file logs: the signer's (RFC 3339), old and young rotations, one gzip-compressed
        d = os.path.join(r, "log/sbtc")
        write(os.path.join(d, "signer.log"), "%s  INFO signer: ok\n" % rfc3339(HOUR))
        write(os.path.join(d, "signer.log.1"), "%s  INFO signer: ok\n" % rfc3339(30 * DAY))
        with gzip.open(os.path.join(d, "signer.log.2.gz"), "wt") as f:
            f.write("%s  INFO signer: started\n" % rfc3339(120 * DAY))
        # young: rotations of the last ten days only
        write(os.path.join(d, "young.log"), "%s  INFO ok\n" % rfc3339(HOUR))
        write(os.path.join(d, "young.log.1"), "%s  INFO ok\n" % rfc3339(10 * DAY))
        # the Stacks node's "LEVEL [seconds]" and a file without any time on its first line
        write(os.path.join(d, "stacks.log"), "INFO [%.6f] [src/main.rs:1] [main] started\n" % (time.time() - 100 * DAY))
        notime = write(os.path.join(d, "notime.log"), "no time here\n")
        os.utime(notime, (time.time() - 5 * DAY, time.time() - 5 * DAY))
        write(os.path.join(r, "etc/logrotate.conf"),
              "# global defaults\nweekly\nrotate 4\n\ninclude %s/etc/logrotate.d\n" % r)
        write(os.path.join(r, "etc/logrotate.d/sbtc"),
              "%s/log/sbtc/signer.log {\n    rotate 7\n    daily\n    compress\n    postrotate\n"
              "        /bin/true {\n    endscript\n}\n\n%s/log/sbtc/stacks.log %s/log/sbtc/young.log {\n"
              "    rotate 15\n}\n" % (r, r, r))
        write(os.path.join(r, "etc/logrotate.d/sbtc.dpkg-old"), "%s/log/sbtc/notime.log {\n rotate 1\n}\n" % r)
        write(os.path.join(r, "etc/bad-logrotate.conf"), "%s/log/sbtc/signer.log {\n rotate seven\n}\n" % r)

        # Docker: one container with a rotated json-file log reaching back 100 days
        cdir = os.path.join(r, "docker/containers", CONTAINER_ID)
        write(os.path.join(cdir, "config.v2.json"), json.dumps({"ID": CONTAINER_ID, "Name": "/sbtc-signer"}))
        write(os.path.join(cdir, "hostconfig.json"),
              json.dumps({"LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}}))
        line = '{"log":"%s\\n","stream":"stdout","time":"%s"}\n'
        write(os.path.join(cdir, CONTAINER_ID + "-json.log"), line % ("x" * 100, rfc3339(HOUR)) * 50)
        write(os.path.join(cdir, CONTAINER_ID + "-json.log.1"), line % ("y" * 100, rfc3339(100 * DAY)) * 50)
        other = os.path.join(r, "docker/containers", "9" * 64)
        write(os.path.join(other, "config.v2.json"), json.dumps({"ID": "9" * 64, "Name": "/bitcoind"}))
        write(os.path.join(other, "hostconfig.json"), json.dumps({"LogConfig": {"Type": "journald", "Config": {}}}))
        write(os.path.join(r, "etc/docker/small.json"),
              json.dumps({"log-driver": "json-file", "log-opts": {"max-size": "1k", "max-file": "2"}}))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def check(self, *args, **kw):
        return harness.run(CHECK, [str(a) for a in args], **kw)

    def journal(self, name, conf, *args):
        return self.check("--unit", "sbtc-signer", "--journal-dir", os.path.join(self.root, name),
                          "--journald-conf", os.path.join(self.root, "etc", conf, "journald.conf"), *args)

    def files(self, glob, *args, conf="etc/logrotate.conf"):
        return self.check("--file", os.path.join(self.root, "log/sbtc", glob),
                          "--logrotate-conf", os.path.join(self.root, conf), *args)

    def container(self, name, *args, daemon="etc/docker/none.json"):
        return self.check("--container", name, "--docker-root", os.path.join(self.root, "docker"),
                          "--docker-daemon-json", os.path.join(self.root, daemon), *args)

    # ---------------------------------------------------------------- journald

    @under_valgrind
    def test_journal_capped_at_two_weeks(self):
        r = self.journal("j2w", "j2w")
        self.assertEqual(r.rc, 2, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS CRITICAL - journal of sbtc-signer\.service: oldest entry 13 d old "
                         r"\(.*\), under 90 d")
        self.assertIn("MaxRetentionSec=2week in %s/etc/j2w/journald.conf:3 removes entries older than 14 d; "
                      "set MaxRetentionSec to 90 d or more" % self.root, r.stdout)
        age = r.perfdata["journal_sbtc_signer_oldest_age"]
        self.assertAlmostEqual(age.value, 14 * DAY - HOUR, delta=120)
        self.assertEqual((age.uom, age.warn, age.crit), ("s", 97 * DAY, 90 * DAY))
        ret = r.perfdata["journal_sbtc_signer_retention"]
        self.assertEqual((ret.value, ret.uom, ret.warn), (14 * DAY, "s", 90 * DAY))

    def test_journal_old_enough_defaults(self):
        r = self.journal("j100", "none")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.first_line.startswith(PREFIX + "OK - oldest entries: sbtc-signer.service 100 d"), r)
        self.assertAlmostEqual(r.perfdata["journal_sbtc_signer_oldest_age"].value, 100 * DAY, delta=120)
        # journald's defaults: SystemMaxFiles 100 x MaxFileSec 1month
        self.assertEqual(r.perfdata["journal_sbtc_signer_retention"].value, 100 * 2629800)

    def test_journal_system_max_use_against_rate(self):
        # 8 MiB of journal files over 120 days: 1 MiB holds 15 days at that rate
        r = self.journal("j100", "maxuse")
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS WARNING - sbtc-signer\.service: the configuration keeps about "
                         r"1[45] d, under 90 d: SystemMaxUse=1M in .*journald\.conf:2 holds about 1[45] d at the "
                         r"current rate of .* a day; set SystemMaxUse to .* or more$")
        self.assertLess(r.perfdata["journal_sbtc_signer_retention"].value, 16 * DAY)

    def test_journald_dropins_last_wins(self):
        r = self.journal("j100", "dropin")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("MaxRetentionSec=30d in %s/etc/dropin/journald.conf.d/20-short.conf:2" % self.root, r.first_line)
        self.assertEqual(r.perfdata["journal_sbtc_signer_retention"].value, 30 * DAY)

    def test_journal_volatile(self):
        r = self.journal("j100", "volatile")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("Storage=volatile", r.first_line)
        self.assertIn("set Storage=persistent", r.first_line)
        self.assertEqual(r.perfdata["journal_sbtc_signer_retention"].value, 0)

    def test_journal_config_unparsable(self):
        r = self.journal("j100", "bad")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("journald.conf:2: invalid MaxRetentionSec=two weeks", r.first_line)

    def test_journal_unit_without_entries(self):
        r = self.check("--unit", "nope", "--journal-dir", os.path.join(self.root, "j100"),
                       "--journald-conf", os.path.join(self.root, "etc/none/journald.conf"))
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.first_line, PREFIX + "CRITICAL - no journal entry of nope.service in --journal-dir")

    def as_nobody(self, prepare, *args):
        """Runs the check as nobody (copied into a private folder that prepare(folder) fills,
        the folder's path being {dir} in args): permissions bite as on a real host."""
        if os.geteuid() != 0:
            self.skipTest("needs root to run the check as nobody")
        import pwd
        nobody = pwd.getpwnam("nobody")
        private = tempfile.mkdtemp(prefix="sbtc-logs-private-")
        try:
            os.chmod(private, 0o755)
            prepare(private)
            exe = os.path.join(private, CHECK)
            shutil.copy(harness.plugin.plugin_path(CHECK), exe)
            os.chmod(exe, 0o755)
            argv = [exe] + [a.format(dir=private) for a in args]
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30, user=nobody.pw_uid,
                               group=nobody.pw_gid, extra_groups=[], env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        finally:
            shutil.rmtree(private, ignore_errors=True)
        return harness.Result(argv, p.returncode, p.stdout, p.stderr, 0)

    def test_journal_unreadable_for_the_user(self):
        """libsystemd skips journal files it cannot read, so the unit seems to have no
        entry; the message says why and which group reads them."""
        def prepare(d):
            shutil.copy(os.path.join(self.root, "j100", "remote.journal"), os.path.join(d, "system.journal"))
            os.chmod(os.path.join(d, "system.journal"), 0o640)
        r = self.as_nobody(prepare, "--unit", "sbtc-signer", "--journal-dir", "{dir}", "--journald-conf", "/nonexistent")
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.first_line, PREFIX + "CRITICAL - no journal entry of sbtc-signer.service readable: 1 journal "
                         "file cannot be read by this user; add it to the systemd-journal or adm group")

    def test_file_unreadable_for_the_user(self):
        def prepare(d):
            write(os.path.join(d, "signer.log"), "%s x\n" % rfc3339(HOUR))
            write(os.path.join(d, "signer.log.1"), "%s x\n" % rfc3339(100 * DAY))
            os.chmod(os.path.join(d, "signer.log"), 0o644)
            os.chmod(os.path.join(d, "signer.log.1"), 0o640)
        r = self.as_nobody(prepare, "--file", "{dir}/signer.log*", "--logrotate-conf", "/nonexistent")
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.first_line, PREFIX + "CRITICAL - cannot read signer.log.1: Permission denied")

    def test_installed_at_grace(self):
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 14 * DAY))
        r = self.journal("j2w", "none", "--installed-at", day)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("kept since the host was installed on %s" % day, r.stdout)
        # the projection is judged all the same
        r = self.journal("j2w", "j2w", "--installed-at", day)
        self.assertEqual(r.rc, 1, r)

    # ---------------------------------------------------------------- files

    @under_valgrind
    def test_file_logrotate_rotate_7_daily(self):
        r = self.files("signer.log*")
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS WARNING - .*/signer\.log\*: the configuration keeps about 7 d, under "
                         r"90 d: logrotate \(.*/etc/logrotate\.d/sbtc:1\) keeps rotate 7 daily, 7 d; set rotate 90 "
                         r"with daily to keep 90 d$")
        self.assertIn("first line of signer.log.2.gz, RFC 3339 time", r.stdout)
        self.assertAlmostEqual(r.perfdata["file_signer_log_oldest_age"].value, 120 * DAY, delta=120)
        self.assertEqual(r.perfdata["file_signer_log_retention"].value, 7 * DAY)

    def test_file_young_rotations(self):
        r = self.files("young.log*")
        self.assertEqual(r.rc, 2, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS CRITICAL - .*young\.log\*: oldest entry 10 d old .*first line of "
                         r"young\.log\.1, RFC 3339 time\), under 90 d$")
        # rotate 15 under the global weekly: 105 days
        self.assertEqual(r.perfdata["file_young_log_retention"].value, 105 * DAY)

    def test_file_stacks_epoch_and_warning_floor(self):
        r = self.files("stacks.log")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Unix time", r.stdout)
        r = self.files("stacks.log", "-w", "101d")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.perfdata["file_stacks_log_oldest_age"].warn, 101 * DAY)

    def test_file_without_time_uses_mtime(self):
        r = self.files("notime.log")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("modification time of notime.log: no time on its first line", r.first_line)
        # the .dpkg-old file in logrotate.d is skipped, as logrotate does: no stanza covers it
        self.assertIn("no logrotate stanza covers notime.log", r.stdout)

    def test_file_no_match(self):
        r = self.files("missing*.log")
        self.assertEqual(r.rc, 2, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS CRITICAL - no log file matches .*missing\*\.log$")

    @under_valgrind
    def test_logrotate_unparsable(self):
        r = self.files("signer.log*", conf="etc/bad-logrotate.conf")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("bad-logrotate.conf:2: rotate needs a count, not 'seven'", r.first_line)

    # ---------------------------------------------------------------- Docker

    def test_container_old_enough(self):
        r = self.container("sbtc-signer")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("first line of %s-json.log.1" % CONTAINER_ID, r.stdout)
        self.assertAlmostEqual(r.perfdata["container_sbtc_signer_oldest_age"].value, 100 * DAY, delta=120)
        self.assertGreater(r.perfdata["container_sbtc_signer_retention"].value, 90 * DAY)

    def test_container_daemon_defaults_too_small(self):
        # the container's own LogConfig wins over daemon.json
        r = self.container("sbtc-signer", daemon="etc/docker/small.json")
        self.assertEqual(r.rc, 0, r)
        os.rename(os.path.join(self.root, "docker/containers", CONTAINER_ID, "hostconfig.json"),
                  os.path.join(self.root, "hostconfig.json.saved"))
        try:
            r = self.container("sbtc-signer", daemon="etc/docker/small.json")
        finally:
            os.rename(os.path.join(self.root, "hostconfig.json.saved"),
                      os.path.join(self.root, "docker/containers", CONTAINER_ID, "hostconfig.json"))
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS WARNING - sbtc-signer: the configuration keeps about .*: log-opts "
                         r"max-size 1\.0 kB x max-file 2 hold about .* a day; set max-file to \d+")

    @under_valgrind
    def test_container_other_driver_and_missing(self):
        r = self.container("bitcoind")
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(r.first_line, PREFIX + "UNKNOWN - container bitcoind logs through the journald driver, not "
                         "json-file: dockerd writes its entries to the journal as docker.service, "
                         "check that with --unit docker")
        r = self.container("nope")
        self.assertEqual(r.rc, 2, r)
        self.assertRegex(r.first_line, r"^SBTC LOGS CRITICAL - no container named nope in .*/docker/containers$")

    # ---------------------------------------------------------------- all at once, arguments

    @under_valgrind
    def test_all_kinds_worst_wins(self):
        r = self.check("--unit", "sbtc-signer", "--journal-dir", os.path.join(self.root, "j100"),
                       "--journald-conf", os.path.join(self.root, "etc/none/journald.conf"),
                       "--file", os.path.join(self.root, "log/sbtc/young.log*"),
                       "--logrotate-conf", os.path.join(self.root, "etc/logrotate.conf"),
                       "--container", "sbtc-signer", "--docker-root", os.path.join(self.root, "docker"),
                       "--docker-daemon-json", os.path.join(self.root, "none.json"),
                       "--output-format", "json")
        self.assertEqual(r.rc, 2, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["state_text"], "CRITICAL")
        labels = [p["label"] for p in doc["perfdata"]]
        for l in ("journal_sbtc_signer_oldest_age", "file_young_log_oldest_age", "container_sbtc_signer_retention"):
            self.assertIn(l, labels)

    def test_usage_errors(self):
        r = self.check()
        self.assertEqual(r.rc, 3, r)
        self.assertIn("give at least one --unit, --file or --container", r.first_line)
        r = self.check("--unit", "x", "-c", "ninety")
        self.assertEqual(r.rc, 3, r)
        r = self.check("--unit", "x", "--installed-at", "yesterday")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("invalid --installed-at 'yesterday'", r.first_line)


if __name__ == "__main__":
    unittest.main()
