# SPDX-License-Identifier: GPL-2.0-or-later
"""--output-format=prometheus on every check, in OK and failing scenarios, and
--output-file.

Each run's output goes through `promtool check metrics` (which must say nothing), its
exit code is the state series' value, the sub-check series have the expected states,
every perfdata item of the same run in the Nagios format has its gauge, and no secret
given to the check (a conninfo's password, an RPC password, a URL's user:password, a
GitHub token) appears anywhere in the output.
"""

import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import signerdb
from harness.net import SilentServer, closed_port

from bitcoind import BitcoindFixture
from github_api import GitHubApiFixture
from reference_api import ReferenceApiFixture
from signer_api import SignerApiFixture

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
CUR = signerdb.CURRENT_KEY
PREV = signerdb.PREVIOUS_KEY
DAY = 86400
RPC_PASSWORD = "rpc-Pa55word-prometheus-must-not-show"
URL_PASSWORD = "url-Pa55word-prometheus-must-not-show"
DB_PASSWORD = "db-Pa55word-prometheus-must-not-show"
TOKEN = "ghp_prometheusFixtureToken0123456789SECRET"

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_exposition(text):
    """{(name, ((label, value), ...)): value} of a text exposition; asserts that each
    family has HELP and TYPE once, before its samples, and its samples together."""
    samples = {}
    typed = []
    helped = set()
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in helped, "HELP twice for %s" % name
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind == "gauge", line
            assert name not in typed, "TYPE twice for %s" % name
            assert name in helped, "TYPE before HELP for %s" % name
            typed.append(name)
            current = name
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.groups()
        assert name == current, "sample %s outside its family (%s)" % (name, current)
        pairs = []
        rest = labels or ""
        while rest:
            lm = LABEL.match(rest)
            assert lm, "bad labels in %r" % line
            pairs.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        key = (name, tuple(pairs))
        assert key not in samples, "series twice: %r" % line
        assert value not in ("NaN", "+Inf", "-Inf"), line
        samples[key] = float(value)
    return samples


def with_password(url):
    """url with user:password in it (http://monitor:PASSWORD@127.0.0.1:PORT)."""
    scheme, rest = url.split("//", 1)
    return "%s//monitor:%s@%s" % (scheme, URL_PASSWORD, rest)


def promtool(text):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def run_both(check, args, env=None, timeout=30):
    """The same arguments in the Nagios and the Prometheus format, at once. A --state-dir
    (block_lag's memory between runs) is one of each run's own."""
    prom_args = [a + "-prom" if i > 0 and args[i - 1] == "--state-dir" else a for i, a in enumerate(args)]
    with ThreadPoolExecutor(2) as ex:
        nagios = ex.submit(harness.run, check, list(args), env=env, timeout=timeout)
        prom = ex.submit(harness.run, check, prom_args + ["--output-format=prometheus"], env=env,
                         timeout=timeout)
        return nagios.result(), prom.result()


class PromCase(unittest.TestCase):
    CHECK = None
    LABEL = None  # the check label, lower case
    SECRETS = ()

    def scenarios(self, cases, env=None):
        """Runs every case (name -> args) concurrently; name -> (nagios, prometheus)."""
        with ThreadPoolExecutor(4) as ex:
            futures = {name: ex.submit(run_both, self.CHECK, args, env) for name, args in cases.items()}
            return {name: f.result() for name, f in futures.items()}

    def assertExposition(self, pair, state, subs=None, metrics=None, absent=()):
        nagios, r = pair
        self.assertEqual(r.rc, state, r)
        self.assertEqual(nagios.rc, state, nagios)
        rc, out = promtool(r.stdout)
        self.assertEqual((rc, out), (0, ""), r)
        samples = parse_exposition(r.stdout)
        check = (("check", self.LABEL),)
        self.assertEqual(samples[("sbtc_check_state", check)], state, r)
        self.assertIn(("sbtc_check_duration_seconds", check), samples, r)
        last = samples[("sbtc_check_last_run_timestamp_seconds", check)]
        self.assertLess(abs(last - time.time()), 120, r)
        # Every sample names the check; sub only on the state series.
        for name, labels in samples:
            self.assertEqual(labels[0], ("check", self.LABEL), name)
            self.assertTrue(name.startswith("sbtc_"), name)
        for sub, want in (subs or {}).items():
            key = ("sbtc_check_state", check + (("sub", sub),))
            self.assertIn(key, samples, "no sub-check %s in\n%s" % (sub, r.stdout))
            self.assertEqual(samples[key], want, "%s in\n%s" % (sub, r.stdout))
        for name, want in (metrics or {}).items():
            self.assertIn((name, check), samples, "no %s in\n%s" % (name, r.stdout))
            if want is not None:
                self.assertEqual(samples[(name, check)], want, "%s in\n%s" % (name, r.stdout))
        for name in absent:
            self.assertNotIn((name, check), samples, r.stdout)
        # No two perfdata items gave one series (the renderer keeps the first).
        self.assertNotIn("# sbtc: dropped", r.stdout)
        # Each perfdata item of the Nagios output has its gauge, 'U' none.
        names = {n for n, _ in samples}
        for label, p in nagios.perfdata.items():
            base = "sbtc_%s_%s" % (self.LABEL, label)
            found = [n for n in names if n == base or (n.startswith(base + "_") and
                                                       not n.endswith("_threshold"))]
            if p.value is None:
                self.assertEqual(found, [], "%s: 'U' gives no sample" % label)
            else:
                self.assertEqual(len(found), 1, "perfdata %s -> %s in\n%s" % (label, found, r.stdout))
        # No free text, no secret.
        for s in self.SECRETS:
            self.assertNotIn(s, r.stdout, "secret in the output")
            self.assertNotIn(s, r.stderr, "secret on standard error")
        self.assertNotIn(nagios.first_line.split(" - ", 1)[-1][:40], r.stdout)
        return samples


class AggregateKey(PromCase):
    CHECK = "check_sbtc_aggregate_key"
    LABEL = "aggregate_key"

    @classmethod
    def setUpClass(cls):
        cls.node = harness.StacksNodeFixture(aggregate_key=CUR).start()
        cls.db = harness.scenario_db("0022")
        cls.db.insert_dkg_shares(CUR, "verified", created_at=2 * DAY)
        cls.db.insert_dkg_shares(PREV, "verified", created_at=30 * DAY)
        cls.SECRETS = (cls.db.cluster.password, DB_PASSWORD, URL_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_ok_and_failing(self):
        port = closed_port()
        url_with_password = with_password(self.node.url)
        runs = self.scenarios({
            "ok": ["-u", self.node.url, "-d", self.db.conninfo()],
            "no_db": ["-u", url_with_password, "-d",
                      "host=127.0.0.1 port=%d dbname=x user=u password=%s connect_timeout=2" % (port, DB_PASSWORD)],
        })
        self.assertExposition(runs["ok"], 0, subs={"stacks_node": 0, "shares": 0, "key": 0},
                              metrics={"sbtc_aggregate_key_verified_shares": 2,
                                       "sbtc_aggregate_key_unverified_shares": 0,
                                       "sbtc_aggregate_key_failed_shares": 0,
                                       "sbtc_aggregate_key_newest_verified_age_seconds": None,
                                       "sbtc_aggregate_key_time_seconds": None})
        state = runs["no_db"][1].rc
        self.assertIn(state, (2, 3), runs["no_db"][1])
        self.assertExposition(runs["no_db"], state, subs={"stacks_node": 0, "database": state},
                              absent=("sbtc_aggregate_key_verified_shares",))

    def test_key_not_in_database(self):
        db = harness.scenario_db("0022")
        db.insert_dkg_shares(PREV, "verified", created_at=3 * DAY)
        runs = self.scenarios({"old": ["-u", self.node.url, "-d", db.conninfo()]})
        self.assertExposition(runs["old"], 2, subs={"stacks_node": 0, "shares": 0, "key": 2})


class Backup(PromCase):
    CHECK = "check_sbtc_backup"
    LABEL = "backup"

    @classmethod
    def setUpClass(cls):
        cls.top = tempfile.mkdtemp(prefix="sbtc-prom-backup-")
        cls.cluster = harness.shared_cluster()
        cls.db = harness.scenario_db("0022")
        signerdb.seed_typical(cls.db)
        cls.dump = os.path.join(cls.top, "signer.dump")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGPASSWORD"] = cls.cluster.password
        subprocess.run([os.path.join(cls.cluster.bindir, "pg_dump"), "-d",
                        cls.cluster.conninfo(dbname=cls.db.dbname, password=False), "-F", "c", "-f", cls.dump],
                       env=env, check=True, timeout=60)
        cls.node = harness.StacksNodeFixture(aggregate_key=CUR).start()
        cls.SECRETS = (cls.cluster.password, URL_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.top, ignore_errors=True)

    def folder(self, name, age=None, cut=None):
        d = os.path.join(self.top, name)
        os.makedirs(d)
        dest = os.path.join(d, "signer.dump")
        with open(self.dump, "rb") as f:
            data = f.read()
        with open(dest, "wb") as f:
            f.write(data[:cut] if cut else data)
        if age is not None:
            t = time.time() - age
            os.utime(dest, (t, t))
        return d

    def test_ok_and_failing(self):
        ok = self.folder("ok", age=3600)
        bad = self.folder("bad", age=3 * DAY, cut=3000)
        pg_restore = os.path.join(self.cluster.bindir, "pg_restore")
        runs = self.scenarios({
            "ok": ["--path", ok, "--count-min", "1", "--verify-key", "-u", with_password(self.node.url),
                   "--pg-restore", pg_restore],
            "bad": ["--path", bad],
            "none": ["--path", os.path.join(self.top, "missing")],
        })
        self.assertExposition(runs["ok"], 0,
                              subs={"age": 0, "size": 0, "count": 0, "integrity": 0, "key_in_backup": 0},
                              metrics={"sbtc_backup_age_seconds": None,
                                       "sbtc_backup_age_seconds_warning_threshold": 26 * 3600,
                                       "sbtc_backup_age_seconds_critical_threshold": 50 * 3600,
                                       "sbtc_backup_size_bytes": os.path.getsize(self.dump),
                                       "sbtc_backup_backups": 1},
                              absent=("sbtc_backup_backups_warning_threshold",))
        self.assertExposition(runs["bad"], 2, subs={"age": 2, "size": 0, "integrity": 2},
                              metrics={"sbtc_backup_size_bytes": 3000})
        self.assertExposition(runs["none"], 2, subs={"list": 2}, metrics={"sbtc_backup_backups": 0})


class BlockLag(PromCase):
    CHECK = "check_sbtc_block_lag"
    LABEL = "block_lag"
    SECRETS = (RPC_PASSWORD, URL_PASSWORD)

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-prom-lag-")
        cls.pwfile = os.path.join(cls.tmp, "rpc-password")
        with open(cls.pwfile, "w") as f:
            f.write(RPC_PASSWORD + "\n")
        cls.btc = BitcoindFixture(cookie_dir=cls.tmp, user="monitor", password=RPC_PASSWORD).start()
        cls.stx = harness.StacksNodeFixture().start()
        cls.stx.reset_config(stacks_tip_height=1832097, burn_block_height=880000,
                             info_overrides={"is_fully_synced": True})
        cls.signer = SignerApiFixture().start()
        cls.ref = ReferenceApiFixture().start()

    @classmethod
    def tearDownClass(cls):
        for fx in (cls.btc, cls.stx, cls.signer, cls.ref):
            fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def args(self, state_dir, btc=None):
        return ["--bitcoin-url", btc or self.btc.url, "--bitcoin-user", "monitor", "--bitcoin-password-file",
                self.pwfile, "-u", self.stx.url, "--signer-url", self.signer.url,
                "--bitcoin-reference", self.ref.url, "--state-dir", os.path.join(self.tmp, state_dir)]

    def test_ok(self):
        runs = self.scenarios({"ok": self.args("ok")})
        self.assertExposition(runs["ok"], 0,
                              subs={"bitcoin_lag": 0, "bitcoin_tip_age": 0, "bitcoin_reference_lag": 0,
                                    "stacks_burn_lag": 0, "stacks_tip_age": 0, "signer_bitcoin_lag": 0,
                                    "signer_stacks_lag": 0},
                              metrics={"sbtc_block_lag_bitcoin_lag_blocks": 0,
                                       "sbtc_block_lag_bitcoin_lag_blocks_warning_threshold": 1,
                                       "sbtc_block_lag_bitcoin_lag_blocks_critical_threshold": 2,
                                       "sbtc_block_lag_bitcoin_height_blocks": 880000,
                                       "sbtc_block_lag_bitcoin_headers": 880000,
                                       "sbtc_block_lag_bitcoin_tip_age_seconds": None,
                                       "sbtc_block_lag_bitcoin_tip_age_seconds_critical_threshold": 10800,
                                       "sbtc_block_lag_stacks_height_blocks": 1832097,
                                       "sbtc_block_lag_bitcoin_time_seconds": None})

    def test_failing(self):
        # The Bitcoin node unreachable (with a password in its URL): its sub-check fails.
        port = closed_port()
        btc = "http://monitor:%s@127.0.0.1:%d" % (URL_PASSWORD, port)
        runs = self.scenarios({"down": self.args("down", btc=btc)})
        r = runs["down"][1]
        self.assertIn(r.rc, (2, 3), r)
        self.assertExposition(runs["down"], r.rc, subs={"bitcoin_node": r.rc},
                              absent=("sbtc_block_lag_bitcoin_lag_blocks",))

    def test_behind(self):
        self.btc.set(headers_lag=5)
        try:
            runs = self.scenarios({"behind": self.args("behind")})
        finally:
            self.btc.reset_config()
        self.assertExposition(runs["behind"], 2, subs={"bitcoin_lag": 2},
                              metrics={"sbtc_block_lag_bitcoin_lag_blocks": 5})


class Ports(PromCase):
    CHECK = "check_sbtc_ports"
    LABEL = "ports"

    def test_ok_and_failing(self):
        import socket
        socks = []
        for _ in range(2):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen(16)
            socks.append(s)
        try:
            allowed, other = [s.getsockname()[1] for s in socks]
            closed = closed_port()
            runs = self.scenarios({
                "ok": ["-H", "127.0.0.1", "-p", "%d,%d" % (allowed, closed), "--require", str(allowed),
                       "--no-drop-check"],
                "open": ["-H", "127.0.0.1", "-p", "%d,%d,%d" % (allowed, other, closed), "--allow",
                         str(allowed), "--require", str(allowed)],
            })
        finally:
            for s in socks:
                s.close()
        self.assertExposition(runs["ok"], 0, subs={"scan": 0},
                              metrics={"sbtc_ports_open_ports": 1, "sbtc_ports_closed_ports": 1,
                                       "sbtc_ports_unexpected_open_ports": 0})
        self.assertExposition(runs["open"], 2, subs={"unexpected_open": 2, "default_deny": 1, "scan": 0},
                              metrics={"sbtc_ports_open_ports": 2, "sbtc_ports_unexpected_open_ports": 1})


class Version(PromCase):
    CHECK = "check_sbtc_version"
    LABEL = "version"
    SECRETS = (TOKEN,)

    @classmethod
    def setUpClass(cls):
        cls.gh = GitHubApiFixture()
        cls.gh.start()
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-prom-version-")

    @classmethod
    def tearDownClass(cls):
        cls.gh.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_ok_and_failing(self):
        def args(version, cache):
            return ["--github-api", self.gh.url, "--cache-dir", os.path.join(self.tmp, cache),
                    "--signer-version", version]
        runs = self.scenarios({"ok": args("v1.3.3", "ok"), "behind": args("v1.3.1", "behind")},
                              env={"GITHUB_TOKEN": TOKEN})
        self.assertExposition(runs["ok"], 0, subs={"signer": 0},
                              metrics={"sbtc_version_signer_releases_behind_releases": 0,
                                       "sbtc_version_signer_behind_seconds": 0,
                                       "sbtc_version_signer_behind_seconds_warning_threshold": 3 * DAY,
                                       "sbtc_version_signer_behind_seconds_critical_threshold": 28 * DAY})
        self.assertExposition(runs["behind"], 2, subs={"signer": 2},
                              metrics={"sbtc_version_signer_releases_behind_releases": 2})


class UsageErrors(unittest.TestCase):
    """A usage error in the prometheus format is an exposition too (state 3), so that a
    timer never writes anything else; why goes to standard error."""

    def test_usage_error_is_an_exposition(self):
        def one(check, args):
            r = harness.run(check, args)
            return r, promtool(r.stdout)
        cases = [(check, args) for check in ("check_sbtc_aggregate_key", "check_sbtc_backup", "check_sbtc_block_lag",
                                             "check_sbtc_ports", "check_sbtc_version")
                 for args in (["--output-format=prometheus", "--bogus"], ["--bogus", "--output-format", "prometheus"])]
        with ThreadPoolExecutor(4) as ex:
            results = list(ex.map(lambda c: one(*c), cases))
        for (check, args), (r, checked) in zip(cases, results):
            label = check[len("check_sbtc_"):]
            self.assertEqual(r.rc, 3, r)
            self.assertEqual(checked, (0, ""), r)
            samples = parse_exposition(r.stdout)
            self.assertEqual(samples[("sbtc_check_state", (("check", label),))], 3, r)
            self.assertNotIn("Usage", r.stdout)
            self.assertIn("unknown option '--bogus'", r.stderr)


class OutputFile(unittest.TestCase):
    """--output-file: atomic, also when the run times out; refused where another user
    could replace the file."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-prom-file-")
        os.chmod(self.dir, 0o755)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_timeout_leaves_a_whole_file_and_no_temporary(self):
        # A stalled Stacks node: the run ends at the deadline with its timeout state, and
        # the file it replaces is whole, 0644, with no temporary file beside it.
        path = os.path.join(self.dir, "sbtc_block_lag.prom")
        with open(path, "w") as f:
            f.write("old content\n")
        with SilentServer() as silent:
            r = harness.run("check_sbtc_block_lag",
                            ["-u", "http://127.0.0.1:%d" % silent.port, "-t", "0.5:CRITICAL",
                             "--output-format=prometheus", "--output-file=" + path])
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.stdout, "", r)
        self.assertEqual(os.listdir(self.dir), ["sbtc_block_lag.prom"])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)
        with open(path) as f:
            text = f.read()
        self.assertEqual(promtool(text), (0, ""), text)
        self.assertEqual(parse_exposition(text)[("sbtc_check_state", (("check", "block_lag"),))], 2, text)

    def test_any_format_and_sticky_directory(self):
        os.chmod(self.dir, 0o1777)
        path = os.path.join(self.dir, "out.txt")
        r = harness.run("check_sbtc_backup", ["--path", os.path.join(self.dir, "none"), "--output-file", path])
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.stdout, "", r)
        with open(path) as f:
            self.assertTrue(f.read().startswith("SBTC BACKUP CRITICAL - "))
        self.assertEqual(sorted(os.listdir(self.dir)), ["out.txt"])

    def test_refused(self):
        target = os.path.join(self.dir, "target.prom")
        with open(target, "w") as f:
            f.write("kept\n")
        link = os.path.join(self.dir, "link.prom")
        os.symlink(target, link)
        open_dir = os.path.join(self.dir, "open")
        os.mkdir(open_dir)
        os.chmod(open_dir, 0o777)
        cases = [
            (link, "is a symbolic link"),
            (os.path.join(open_dir, "x.prom"), "writable by others without the sticky bit"),
            (os.path.join(self.dir, "missing", "x.prom"), "No such file or directory"),
            (self.dir + "/", "must name a file"),
        ]
        def one(path, fmt):
            r = harness.run("check_sbtc_backup", ["--path", self.dir, "--output-file", path] + fmt)
            return r, promtool(r.stdout) if fmt else None
        runs = [(path, why, fmt) for path, why in cases for fmt in ([], ["--output-format=prometheus"])]
        with ThreadPoolExecutor(4) as ex:
            results = list(ex.map(lambda c: one(c[0], c[2]), runs))
        for (path, why, fmt), (r, checked) in zip(runs, results):
            self.assertEqual(r.rc, 3, r)
            if not fmt:
                self.assertTrue(r.stdout.startswith("SBTC BACKUP UNKNOWN - --output-file") or
                                r.stdout.startswith("SBTC BACKUP UNKNOWN - invalid --output-file"), r)
                self.assertIn(why, r.stdout)
            else:
                # In the prometheus format: an exposition on standard output, why on stderr.
                self.assertEqual(checked, (0, ""), r)
                self.assertIn(why, r.stderr)
        with open(target) as f:
            self.assertEqual(f.read(), "kept\n")
        self.assertEqual(os.listdir(open_dir), [])
        self.assertEqual(sorted(os.listdir(self.dir)), ["link.prom", "open", "target.prom"])


if __name__ == "__main__":
    unittest.main()
