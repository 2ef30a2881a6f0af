# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/prometheus: the systemd units, the alert rules and the Grafana dashboard, and the
checks' results through a real node exporter into a real Prometheus.

- The units: one service and timer per check of plugins/Makefile.am, verified by
  `systemd-analyze verify` (it runs without systemd as PID 1), their command writing
  sbtc_<check>.prom in node exporter's textfile folder.
- The rules: `promtool check rules`, `promtool test rules` (every alert firing and not
  firing, contrib/prometheus/tests/sbtc.rules.test.yml), every state of the nine checks.
- End to end: the command each unit runs (taken from its ExecStart, with the fixtures of
  the other modules) writes into the textfile folder of a real prometheus-node-exporter
  scraped every second by a real prometheus with the rules loaded (a copy in which
  SbtcBackupCritical has `for: 0s`); the test finds each check's series with the exit
  code, the numbers and the thresholds, the staleness series of node exporter, and the
  alert firing in /api/v1/alerts.
- The dashboard: its structure, and every series its queries name is one the checks (or
  node exporter) emit, as seen in that Prometheus; every query is valid PromQL there.
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import signerdb
from harness.prometheus import PROMTOOL, PrometheusStack

from bitcoind import BitcoindFixture
from github_api import GitHubApiFixture
from signer_api import SignerApiFixture

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROM = os.path.join(TOP, "contrib", "prometheus")
UNITS = os.path.join(PROM, "systemd")
RULES = os.path.join(PROM, "sbtc.rules.yml")
RULE_TESTS = os.path.join(PROM, "tests", "sbtc.rules.test.yml")
DASHBOARD = os.path.join(PROM, "sbtc-dashboard.json")

# The paths the units name on a Debian host.
PLUGIN_DIR = "/usr/lib/nagios/plugins"
INI = "/etc/nagios/sbtc-plugins.ini"
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"

# The nine checks (the five here and those of the coming branches), their labels.
CHECKS = ["aggregate_key", "backup", "block_lag", "ports", "version", "signer", "keyfile", "ssh", "logs"]
# Series every check writes (the coordination contract) and node exporter's textfile ones.
COMMON_SERIES = {"sbtc_check_state", "sbtc_check_duration_seconds", "sbtc_check_last_run_timestamp_seconds"}
NODE_SERIES = {"node_textfile_mtime_seconds", "node_textfile_scrape_error"}
DAY = 86400
# A Stacks node that serves its tip's timestamp (/v3/tenures/tip_metadata), as in test_block_lag.
STACKS_3_3 = "stacks-node 3.3.0.0.4 (release/3.3.0.0.4:9a8b7c6, release build, linux [x86_64])"

try:
    import yaml
except ImportError:  # python3-yaml (contrib/install-deps --tests)
    yaml = None


def listed_checks():
    """The checks of plugins/Makefile.am, as contrib/gen-definitions reads them."""
    with open(os.path.join(TOP, "plugins", "Makefile.am")) as f:
        text = f.read().replace("\\\n", " ")
    progs = []
    for m in re.finditer(r"^plugin_PROGRAMS\s*\+?=(.*)$", text, re.M):
        progs += m.group(1).split()
    return [p[len("check_sbtc_"):] for p in progs]


def unit_name(check):
    return "sbtc-check-" + check.replace("_", "-")


def read_unit(path):
    """{section: {key: [values]}} of a unit file (keys may repeat)."""
    units = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = units.setdefault(line.strip("[]"), {})
                continue
            key, _, value = line.partition("=")
            section.setdefault(key, []).append(value)
    return units


def exec_start(check):
    return read_unit(os.path.join(UNITS, unit_name(check) + ".service"))["Service"]["ExecStart"][0].split()


def promtool(*args, cwd=None):
    return subprocess.run([PROMTOOL] + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


class UnitsTest(unittest.TestCase):
    def test_a_service_and_a_timer_per_check(self):
        checks = listed_checks()
        want = sorted(unit_name(c) + s for c in checks for s in (".service", ".timer"))
        self.assertEqual(sorted(os.listdir(UNITS)), want)
        for c in checks:
            svc = read_unit(os.path.join(UNITS, unit_name(c) + ".service"))["Service"]
            argv = svc["ExecStart"][0].split()
            self.assertEqual(argv[0], "%s/check_sbtc_%s" % (PLUGIN_DIR, c))
            self.assertIn("--extra-opts=@%s" % INI, argv)
            self.assertEqual(argv[-2:], ["--output-format=prometheus",
                                         "--output-file=%s/sbtc_%s.prom" % (TEXTFILE_DIR, c)])
            self.assertEqual(svc["Type"], ["oneshot"])
            self.assertEqual(svc["SuccessExitStatus"], ["1 2 3"])
            for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                               ("ReadWritePaths", TEXTFILE_DIR)):
                self.assertEqual(svc[key], [value], (c, key))
            # No shell anywhere: the check writes its file itself.
            self.assertNotIn(os.path.basename(argv[0]), ("sh", "bash", "dash"))
            self.assertFalse({"|", ">", "&&"} & set(argv), argv)
            timer = read_unit(os.path.join(UNITS, unit_name(c) + ".timer"))
            self.assertEqual(timer["Timer"]["OnCalendar"], ["minutely"])
            self.assertEqual(timer["Install"]["WantedBy"], ["timers.target"])
            if c == "ports":
                self.assertIn("--local", argv)
                self.assertEqual(svc["User"], ["root"])
                self.assertIn("CAP_NET_ADMIN", svc["CapabilityBoundingSet"][0])
            elif c in ("ssh", "keyfile"):
                # sshd -T loads the host keys; the key file is the signer's, mode 0600: root,
                # with only the capability to read (and, for keyfile, other users' /proc).
                self.assertEqual(svc["User"], ["root"])
                caps = set(svc["CapabilityBoundingSet"][0].split())
                self.assertIn("CAP_DAC_READ_SEARCH", caps)
                self.assertLessEqual(caps, {"CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"})
            else:
                self.assertEqual(svc["User"], ["nagios"])
                self.assertEqual(svc["CapabilityBoundingSet"], [""])
                if c == "logs":
                    self.assertEqual(svc["SupplementaryGroups"], ["systemd-journal adm"])

    def test_systemd_analyze_verify(self):
        """Every unit as systemd reads it, with the built checks in place of the installed
        ones (verify requires ExecStart's program to exist): no warning at all."""
        tmp = tempfile.mkdtemp(prefix="sbtc-units-")
        try:
            plugins = harness.plugin_dir()
            for name in os.listdir(UNITS):
                with open(os.path.join(UNITS, name)) as f:
                    text = f.read().replace(PLUGIN_DIR + "/", plugins + "/")
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text)
            names = sorted(os.listdir(tmp))
            p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + names, cwd=tmp,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
            # The check: a unit with an unknown setting does give a warning here.
            with open(os.path.join(tmp, names[0]), "a") as f:
                f.write("NoSuchSetting=1\n")
            p = subprocess.run(["systemd-analyze", "verify", "--man=no", names[0]], cwd=tmp,
                               capture_output=True, text=True, timeout=60)
            self.assertIn("NoSuchSetting", p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@unittest.skipIf(yaml is None, "python3-yaml is missing (contrib/install-deps --tests)")
class RulesTest(unittest.TestCase):
    def test_promtool_check_rules(self):
        p = promtool("check", "rules", RULES)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SUCCESS", p.stdout)
        self.assertNotIn("WARNING", (p.stdout + p.stderr).upper().replace("SBTC", ""))

    def test_promtool_test_rules(self):
        p = promtool("test", "rules", os.path.basename(RULE_TESTS), cwd=os.path.dirname(RULE_TESTS))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SUCCESS", p.stdout)

    def test_every_state_of_every_check_and_every_alert_tested_both_ways(self):
        with open(RULES) as f:
            rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
        with open(RULE_TESTS) as f:
            tests = yaml.safe_load(f)["tests"]
        exprs = {r["expr"] for r in rules}
        for c in CHECKS:
            for state in (1, 2, 3):
                self.assertIn('sbtc_check_state{check="%s",sub=""} == %d' % (c, state), exprs)
        fired, silent = set(), set()
        for t in tests:
            for a in t["alert_rule_test"]:
                (fired if a["exp_alerts"] else silent).add(a["alertname"])
        for r in rules:
            self.assertTrue(r.get("for"), r["alert"])
            self.assertTrue(r["annotations"].get("runbook"), r["alert"])
            self.assertIn(r["labels"]["severity"], ("warning", "critical"), r["alert"])
            self.assertIn(r["alert"], fired, "no test where %s fires" % r["alert"])
            self.assertIn(r["alert"], silent, "no test where %s stays silent" % r["alert"])


def substituted(argv, values):
    """A unit's ExecStart with the host's paths replaced by the test's."""
    out = []
    for a in argv:
        for old, new in values:
            a = a.replace(old, new)
        out.append(a)
    return out


class EndToEndTest(unittest.TestCase):
    """The units' commands into a real node exporter and Prometheus."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-prom-e2e-")
        cls.fixtures = []
        cls.stack = None
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        # The rules with the backup's CRITICAL alert at once, so that it fires in the test.
        with open(RULES) as f:
            doc = yaml.safe_load(f) if yaml else None
        rules = os.path.join(cls.tmp, "sbtc.rules.yml")
        if doc is not None:
            for g in doc["groups"]:
                for r in g["rules"]:
                    if r["alert"] == "SbtcBackupCritical":
                        r["for"] = "0s"
            with open(rules, "w") as f:
                yaml.safe_dump(doc, f)
        else:
            rules = None
        cls.stack = PrometheusStack(rules=rules).start()
        gh = GitHubApiFixture().start()
        cls.fixtures.append(gh)
        btc = BitcoindFixture(cookie_dir=cls.tmp).start()
        cls.fixtures.append(btc)
        stx = harness.StacksNodeFixture().start()
        cls.fixtures.append(stx)
        stx.reset_config(stacks_tip_height=1832097, burn_block_height=880000,
                         info_overrides={"is_fully_synced": True}, server_version=STACKS_3_3)
        signer = SignerApiFixture().start()
        cls.fixtures.append(signer)
        # The signer's database holds the key on chain (the shared cluster of the suite).
        node = harness.StacksNodeFixture(aggregate_key=signerdb.CURRENT_KEY).start()
        cls.fixtures.append(node)
        db = harness.scenario_db("0022")
        db.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", created_at=DAY)
        # The backups: the newest 60 hours old (CRITICAL over the default 50 h).
        backups = os.path.join(cls.tmp, "backups")
        os.mkdir(backups)
        path = os.path.join(backups, "signer-1.dump")
        with open(path, "wb") as f:
            f.write(b"PGDMP" + bytes(4096))
        cls.backup_age = 60 * 3600
        old = time.time() - cls.backup_age
        os.utime(path, (old, old))
        # The ini the units read, one section per check, as an operator writes it.
        sections = [
            ("check_sbtc_aggregate_key", [("dbconn", db.conninfo()), ("stacks-url", node.url)]),
            ("check_sbtc_backup", [("path", backups)]),
            ("check_sbtc_block_lag", [("bitcoin-url", btc.url), ("bitcoin-cookie", btc.cookie_file),
                                      ("stacks-url", stx.url), ("signer-url", signer.url)]),
            ("check_sbtc_version", [("github-api", gh.url), ("signer-version", "v1.3.2"),
                                    ("stacks-version", "3.1.0.0.13"), ("bitcoin-version", "v30.1")]),
            ("check_sbtc_ports", [("no-firewall", None)]),
        ]
        cls.ini = os.path.join(cls.tmp, "sbtc-plugins.ini")
        with open(cls.ini, "w") as f:
            for name, opts in sections:
                f.write("[%s]\ntimeout = 20\n" % name)
                for k, v in opts:
                    f.write("%s\n" % k if v is None else "%s = %s\n" % (k, v))
        values = [(PLUGIN_DIR + "/", ""), (INI, cls.ini), (TEXTFILE_DIR, cls.stack.textfile_dir)]
        for root in ("/var/lib/", "/var/cache/"):
            values.append((root + "sbtc-check-", os.path.join(cls.tmp, root.strip("/").replace("/", "-") + "-")))
        cls.runs = {}

        def run(check):
            argv = substituted(exec_start(check), values)
            for a in argv:
                if a.startswith(("--state-dir=", "--cache-dir=")):
                    os.makedirs(a.split("=", 1)[1], mode=0o700, exist_ok=True)
            return check, harness.run(argv[0], argv[1:], env={"GITHUB_TOKEN": None}, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(5) as ex:
            for check, r in ex.map(run, ["aggregate_key", "backup", "block_lag", "version", "ports"]):
                cls.runs[check] = r

    @classmethod
    def tearDownClass(cls):
        if cls.stack is not None:
            cls.stack.stop()
        for fx in cls.fixtures:
            fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def prom_file(self, check):
        return os.path.join(self.stack.textfile_dir, "sbtc_%s.prom" % check)

    def test_each_check_wrote_its_file_and_nothing_to_stdout(self):
        expect = {"aggregate_key": 0, "backup": 2, "block_lag": 0, "version": 1}
        for check, r in self.runs.items():
            if check in expect:
                self.assertEqual(r.rc, expect[check], r)
            self.assertIn(r.rc, (0, 1, 2, 3), r)
            self.assertEqual(r.stdout, "", r)
            with open(self.prom_file(check)) as f:
                text = f.read()
            p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), check)
        # Only the .prom files: no temporary file left behind.
        self.assertEqual(sorted(os.listdir(self.stack.textfile_dir)),
                         sorted("sbtc_%s.prom" % c for c in self.runs))

    def test_state_series_is_the_exit_code(self):
        got = self.stack.wait_for('sbtc_check_state{sub=""}', lambda r: len(r) >= len(self.runs))
        states = {labels["check"]: value for labels, value in got}
        self.assertEqual(states, {c: float(r.rc) for c, r in self.runs.items()})
        for c in self.runs:
            for name in ("sbtc_check_duration_seconds", "sbtc_check_last_run_timestamp_seconds"):
                v = self.stack.wait_for('%s{check="%s"}' % (name, c))
                self.assertEqual(len(v), 1, (name, v))
            last = self.stack.query('sbtc_check_last_run_timestamp_seconds{check="%s"}' % c)[0][1]
            self.assertLess(abs(time.time() - last), 120, c)
        # A series per sub-check, by its id: the backup's age judged CRITICAL, the others OK.
        subs = {(labels["check"], labels["sub"]): value
                for labels, value in self.stack.wait_for('sbtc_check_state{sub!=""}')}
        self.assertEqual(subs[("backup", "age")], 2.0, subs)
        self.assertEqual(subs[("aggregate_key", "key")], 0.0, subs)
        self.assertEqual(subs[("block_lag", "bitcoin_lag")], 0.0, subs)
        self.assertEqual(subs[("version", "signer")], 1.0, subs)
        for (check, sub), value in subs.items():
            self.assertLessEqual(value, states[check], (check, sub))

    def test_numbers_and_thresholds(self):
        age = self.stack.wait_for('sbtc_backup_age_seconds{check="backup"}')
        self.assertAlmostEqual(age[0][1], self.backup_age, delta=120)
        crit = self.stack.wait_for("sbtc_backup_age_seconds_critical_threshold")
        self.assertEqual(crit[0][1], 50 * 3600)
        warn = self.stack.wait_for("sbtc_backup_age_seconds_warning_threshold")
        self.assertEqual(warn[0][1], 26 * 3600)
        self.assertEqual(self.stack.wait_for("sbtc_backup_size_bytes")[0][1], 4101)
        key_age = self.stack.wait_for("sbtc_aggregate_key_newest_verified_age_seconds")
        self.assertAlmostEqual(key_age[0][1], DAY, delta=120)
        self.assertEqual(self.stack.wait_for("sbtc_aggregate_key_verified_shares")[0][1], 1)
        behind = self.stack.wait_for("sbtc_version_signer_behind_seconds")
        self.assertAlmostEqual(behind[0][1], 12 * DAY, delta=3600)
        # The numeric rule sees the backup's age over its threshold.
        over = self.stack.wait_for("sbtc_backup_age_seconds > sbtc_backup_age_seconds_critical_threshold")
        self.assertEqual(len(over), 1)

    def test_node_exporter_staleness_series(self):
        got = self.stack.wait_for('node_textfile_mtime_seconds{file=~"(.*/)?sbtc_[a-z0-9_]+\\\\.prom"}',
                                  lambda r: len(r) >= len(self.runs))
        files = sorted(os.path.basename(labels["file"]) for labels, _ in got)
        self.assertEqual(files, sorted("sbtc_%s.prom" % c for c in self.runs))
        for labels, value in got:
            self.assertLess(abs(time.time() - value), 300, labels)
        self.assertEqual([v for _, v in self.stack.wait_for("node_textfile_scrape_error")], [0.0])

    @unittest.skipIf(yaml is None, "python3-yaml is missing")
    def test_backup_critical_alert_fires(self):
        def firing(_):
            return [a for a in self.stack.alerts() if a["labels"]["alertname"] == "SbtcBackupCritical"
                    and a["state"] == "firing"]
        self.stack.wait_for('ALERTS{alertname="SbtcBackupCritical",alertstate="firing"}', timeout=30)
        alerts = firing(None)
        self.assertEqual(len(alerts), 1, self.stack.alerts())
        a = alerts[0]
        self.assertEqual(a["labels"]["check"], "backup")
        self.assertEqual(a["labels"]["severity"], "critical")
        self.assertIn("backup job", a["annotations"]["runbook"])
        # The checks that are not CRITICAL raise no CRITICAL alert.
        names = {x["labels"]["alertname"] for x in self.stack.alerts() if x["labels"]["severity"] == "critical"}
        self.assertNotIn("SbtcBlockLagCritical", names)
        self.assertNotIn("SbtcVersionCritical", names)

    def test_dashboard_structure(self):
        with open(DASHBOARD) as f:
            d = json.load(f)
        self.assertGreaterEqual(d["schemaVersion"], 36)
        variables = {v["name"]: v for v in d["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        ids = set()
        rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
        self.assertEqual(len(rows), 6, rows)
        for p in d["panels"]:
            self.assertIsInstance(p["id"], int)
            self.assertNotIn(p["id"], ids)
            ids.add(p["id"])
            self.assertEqual(set(p["gridPos"]), {"h", "w", "x", "y"}, p["title"])
            self.assertLessEqual(p["gridPos"]["x"] + p["gridPos"]["w"], 24, p["title"])
            if p["type"] == "row":
                continue
            self.assertEqual(p["datasource"]["uid"], "${datasource}", p["title"])
            self.assertTrue(p["targets"], p["title"])
            for t in p["targets"]:
                self.assertTrue(t["expr"], p["title"])
                self.assertEqual(t["datasource"]["uid"], "${datasource}", p["title"])
        # Every check has its state on the dashboard.
        exprs = " ".join(t["expr"] for p in d["panels"] for t in p.get("targets", []))
        for c in CHECKS:
            self.assertIn('check="%s"' % c, exprs)

    def test_dashboard_names_only_emitted_series_and_valid_promql(self):
        """Each query's series is one that the checks run here, or the contract's common
        series (which the checks of the other branches write too), or node exporter's, emit;
        each query, with the dashboard's variables set, is accepted by this Prometheus."""
        self.stack.wait_for('sbtc_check_state{sub=""}', lambda r: len(r) >= len(self.runs))
        emitted = set(self.stack.api("label/__name__/values"))
        with open(DASHBOARD) as f:
            d = json.load(f)
        exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
        words = {"max", "by", "sum", "min", "time", "without", "on", "rate", "avg", "count", "and", "or", "unless"}
        unknown = set()
        for e in exprs:
            bare = re.sub(r'\{[^}]*\}|"[^"]*"|\([^()]*\)(?=\s*\()', " ", e)
            for name in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare):
                if name in words or name in ("check", "sub", "instance", "file"):
                    continue
                if not (name in emitted or name in COMMON_SERIES or name in NODE_SERIES):
                    unknown.add(name)
            self.stack.query(e.replace("$instance", ".*"))
        self.assertEqual(sorted(unknown), [], "series no check emits (emitted: %s)"
                         % sorted(n for n in emitted if n.startswith("sbtc_")))


class DuplicateSeriesTest(unittest.TestCase):
    """Two files with the same series (two instances of one check in one folder): node
    exporter serves one, drops the other, and says so only in its log and in
    promhttp_metric_handler_errors_total{cause="gathering"}, not in
    node_textfile_scrape_error; SbtcTextfileDuplicateSeries's expression sees it."""

    @unittest.skipIf(yaml is None, "python3-yaml is missing")
    def test_duplicate_series_seen_by_the_rule(self):
        with open(RULES) as f:
            rules = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"]}
        expr = rules["SbtcTextfileDuplicateSeries"]["expr"].replace("[5m]", "[1m]")
        with PrometheusStack() as stack:
            for name, state in (("sbtc_backup.prom", 0), ("sbtc_backup_offsite.prom", 2)):
                with open(os.path.join(stack.textfile_dir, name), "w") as f:
                    f.write("# HELP sbtc_check_state State.\n# TYPE sbtc_check_state gauge\n"
                            'sbtc_check_state{check="backup"} %d\n' % state)
            got = stack.wait_for(expr, timeout=30)
            self.assertEqual(len(got), 1, got)
            self.assertEqual([v for _, v in stack.query("node_textfile_scrape_error")], [0.0])
            self.assertEqual(len(stack.query('sbtc_check_state{check="backup"}')), 1)
            self.assertIn("was collected before with the same name and label values", stack.log())
