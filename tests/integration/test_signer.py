# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_signer against the fixture Stacks node, signer API, Emily and exporter, and a
real PostgreSQL loaded with the signer's schema.

Each test asserts the exit code, the first line and the perfdata. The fixtures are shared
by the class (one set of servers); each test sets the moods it needs in setUp's clean
configuration.
"""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import under_valgrind
from harness.net import SilentServer, closed_port

from harness.signerdb import SCHEMA_V1_0_3, SCHEMA_V1_3_3, txid_for

from emily import API_KEY, EmilyFixture
from metrics_exporter import MetricsExporterFixture
from signer_api import SignerApiFixture
from stacks_node import SIGNER_SET

CHECK = "check_sbtc_signer"
PREFIX = "SBTC SIGNER "
KEY = SIGNER_SET[1]
STX = 1000000
TIP = 880_000
DAY = 86400
SET_BYTES = [bytes.fromhex(k) for k in SIGNER_SET]
OTHER_KEY = harness.signerdb.signer_set("failed-share", 1)[0]


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


class SignerCase(harness.StateAssertions, unittest.TestCase):
    """One Stacks node, signer API and Emily for the class; a state directory per test."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.node = harness.StacksNodeFixture()
        cls.api = SignerApiFixture()
        cls.emily = EmilyFixture()
        for f in (cls.node, cls.api, cls.emily):
            f.start()

    @classmethod
    def tearDownClass(cls):
        for f in (cls.node, cls.api, cls.emily):
            f.stop()

    def setUp(self):
        for f in (self.node, self.api, self.emily):
            f.reset_config()
            f.clear_requests()
        self.dir = tempfile.mkdtemp(prefix="sbtc-signer-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.emily_file = self.url_file("http://%s@127.0.0.1:%d" % (API_KEY, self.emily.port))

    def url_file(self, text, mode=0o600):
        path = os.path.join(self.dir, "emily-%d.url" % len(os.listdir(self.dir)))
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, mode)
        return path

    def argv(self, *args, key=KEY, emily=True):
        a = ["-u", self.node.url, "--signer-url", self.api.url, "--state-dir", os.path.join(self.dir, "state")]
        if key is not None:
            a += ["-k", key]
        if emily:
            a += ["--emily-url-file", self.emily_file]
        return a + list(args)

    def check(self, *args, timeout=30, key=KEY, emily=True, **kw):
        return harness.run(CHECK, self.argv(*args, key=key, emily=emily), timeout=timeout, **kw)


class Chain(SignerCase):
    """The registry's set, threshold and principal, the API and Emily; no database, no exporter."""

    @under_valgrind
    def test_ok_healthy_signer(self):
        r = self.check()
        self.assertState(r, 0, "signer alive, in the signer set of 3 (threshold 2), 500.00 STX for fees")
        self.assertEqual(r.perfdata["signer_set_size"].value, 3, r)
        self.assertEqual(r.perfdata["signature_threshold"].value, 2, r)
        fee = r.perfdata["fee_balance"]
        self.assertEqual((fee.value, fee.warn, fee.crit, fee.min), (500, 150, 45, 0), r)
        self.assertIn("[OK] key %s is in the registry's signer set of 3" % short(KEY), r.stdout)
        self.assertIn("[OK] Emily 127.0.0.1:%d answers (version 1.3.3)" % self.emily.port, r.stdout)
        # what was not given is said, not judged
        for what in ("peers", "dkg", "deposits", "withdrawals", "signing errors"):
            self.assertIn("[OK] %s: not queried" % what, r.stdout)
        # the principal's balance was asked as the node expects it
        paths = [q["raw_path"] for q in self.node.requests]
        self.assertIn("/v2/accounts/SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4?proof=0", paths)

    @under_valgrind
    def test_critical_key_dropped_from_the_set(self):
        self.node.set(signer_set=[SIGNER_SET[0], SIGNER_SET[2]])
        r = self.check()
        self.assertState(r, 2, "key %s is not in the registry's current signer set of 2: the signer will "
                               "not sign" % short(KEY))
        self.assertEqual(r.perfdata["signer_set_size"].value, 2, r)

    def test_verbose_shows_the_whole_key(self):
        self.node.set(signer_set=[SIGNER_SET[0]])
        r = self.check("-v")
        self.assertState(r, 2, "key %s is not in" % KEY)

    def test_registry_without_signer_data_asks_the_single_functions(self):
        self.node.set(signer_data_function=False)
        r = self.check("--skip", "threshold")
        self.assertState(r, 0, "in the signer set of 3")
        functions = [q["path"].rsplit("/", 1)[-1] for q in self.node.requests if "call-read" in q["path"]]
        self.assertEqual(sorted(functions), ["get-current-signer-data", "get-current-signer-principal",
                                             "get-current-signer-set"])
        # the set alone carries no threshold: said, never taken for OK
        r = self.check("--only", "threshold")
        self.assertState(r, 3, "signature threshold unknown")

    def test_threshold_and_size_from_the_chain(self):
        self.node.set(signature_threshold=10, signer_set=[KEY] + ["02%064x" % i for i in range(1, 14)])
        r = self.check("--only", "signer_set,threshold")
        self.assertState(r, 0, "in the signer set of 14 (threshold 10)")
        self.assertEqual(r.perfdata["signature_threshold"].value, 10, r)

    def test_stacks_node_unreachable(self):
        port = closed_port()
        r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % port))
        self.assertState(r, 2, "cannot connect to Stacks node http://127.0.0.1:%d" % port)
        # the API and Emily are still judged
        self.assertIn("[OK] signer API", r.stdout)
        self.assertIn("[OK] Emily", r.stdout)
        self.assertNotIn("fee_balance", r.perfdata)

    def test_registry_refuses(self):
        self.node.set(signer_mood="http-500")
        r = self.check()
        self.assertState(r, 2, "answered HTTP 500")

    def test_registry_answer_not_json(self):
        self.node.set(signer_mood="garbage")
        r = self.check("--only", "signer_set")
        self.assertState(r, 3, "sent an answer that is not JSON")

    def test_registry_okay_false(self):
        self.node.set(signer_mood="okay-false", cause="Runtime(Unwrap)")
        r = self.check("--only", "signer_set")
        self.assertState(r, 2, "refused call-read get-current-signer-data: Runtime(Unwrap)")

    def test_api_down(self):
        port = closed_port()
        r = harness.run(CHECK, self.argv("--signer-url", "http://127.0.0.1:%d" % port))
        self.assertState(r, 2, "cannot connect to signer http://127.0.0.1:%d" % port)
        self.assertIn("[OK] key", r.stdout)

    def test_api_answers_500(self):
        self.api.set(mood="http-500")
        r = self.check("--only", "alive")
        self.assertState(r, 2, "signer %s answered HTTP 500" % self.api.url)

    def test_fees_warning(self):
        self.node.set(balance_ustx=100 * STX)
        r = self.check("--only", "fees")
        self.assertState(r, 1, "the signers' principal SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4 holds 100.00 STX")
        self.assertEqual(r.perfdata["fee_balance"].value, 100, r)

    def test_fees_critical(self):
        self.node.set(balance_ustx=int(44.5 * STX))
        r = self.check("--only", "fees")
        self.assertState(r, 2, "holds 44.50 STX for fees")

    def test_fees_thresholds_given(self):
        self.node.set(balance_ustx=100 * STX)
        r = self.check("--only", "fees", "--fee-balance-warning", "50", "--fee-balance-critical", "20")
        self.assertState(r, 0, "100.00 STX for fees")
        self.assertEqual((r.perfdata["fee_balance"].warn, r.perfdata["fee_balance"].crit), (50, 20), r)

    def test_fees_account_unreadable(self):
        self.node.set(account_mood="garbage")
        r = self.check("--only", "fees")
        self.assertState(r, 3, "sent an answer that is not JSON")


class Emily(SignerCase):

    def test_emily_down(self):
        self.emily.set(mood="500")
        r = self.check("--only", "emily")
        self.assertState(r, 2, "Emily 127.0.0.1:%d/health answered HTTP 500" % self.emily.port)

    def test_emily_unreachable(self):
        port = closed_port()
        f = self.url_file("http://%s@127.0.0.1:%d/" % (API_KEY, port))
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 2, "127.0.0.1:%d" % port)
        self.assertNotIn(API_KEY, r.stdout + r.stderr)

    def test_emily_garbage(self):
        self.emily.set(mood="garbage")
        r = self.check("--only", "emily")
        self.assertState(r, 3, "not JSON")

    def test_emily_reflecting_the_key_never_prints_it(self):
        self.emily.set(mood="echo-key")
        r = self.check("--only", "emily", "-vvv")
        self.assertState(r, 0, "Emily 127.0.0.1:%d answers" % self.emily.port)
        self.assertNotIn(API_KEY, r.stdout + r.stderr)

    def test_url_file_readable_by_others_is_refused(self):
        f = self.url_file("http://%s@127.0.0.1:%d" % (API_KEY, self.emily.port), mode=0o644)
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, "Emily URL file %s is not used: others may read or change it" % f)
        self.assertNotIn(API_KEY, r.stdout)

    def test_url_file_missing(self):
        f = os.path.join(self.dir, "nothing.url")
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, f)

    def test_url_file_not_a_url(self):
        f = self.url_file("%s@127.0.0.1:3031" % API_KEY)
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, "Emily URL file %s: not an http:// or https:// URL" % f)
        self.assertNotIn(API_KEY, r.stdout)

    def test_emily_not_given_is_not_queried(self):
        r = self.check(emily=False)
        self.assertState(r, 0)
        self.assertIn("[OK] emily: not queried (no --emily-url-file)", r.stdout)

    def test_stalled_emily_costs_only_itself(self):
        self.emily.set(mood="slow", stall_seconds=30)
        start = time.monotonic()
        r = self.check("-t", "2")
        self.assertLess(time.monotonic() - start, 4, r)
        self.assertState(r, 3, "no answer from Emily 127.0.0.1:%d" % self.emily.port)
        # every other source answered within the deadline and is judged
        self.assertIn("[OK] key", r.stdout)
        self.assertIn("[OK] signer API", r.stdout)
        self.assertEqual(r.perfdata["fee_balance"].value, 500, r)

    def test_no_secret_in_any_format(self):
        self.emily.set(mood="echo-key")
        for fmt in ("multi-line", "one-line", "json", "prometheus"):
            with self.subTest(fmt=fmt):
                r = self.check("--output-format", fmt, "-vv")
                self.assertNotIn(API_KEY, r.stdout + r.stderr, r)
                if fmt == "json":
                    doc = json.loads(r.stdout)
                    self.assertEqual(doc["state"], r.rc)


class Options(SignerCase):

    def test_x_only_key_is_a_usage_error(self):
        r = self.check(key=KEY[2:])
        self.assertState(r, 3, "a 32-byte x-only key", perfdata=False)

    def test_uncompressed_key_is_a_usage_error(self):
        r = self.check(key="04" + "11" * 64)
        self.assertState(r, 3, "an uncompressed 65-byte key", perfdata=False)

    def test_key_with_a_wrong_prefix(self):
        r = self.check(key="05" + "11" * 32)
        self.assertState(r, 3, "starts with 0x05", perfdata=False)

    def test_key_not_hex(self):
        r = self.check(key="zz")
        self.assertState(r, 3, "invalid --public-key", perfdata=False)

    def test_key_required_for_the_set(self):
        r = self.check(key=None)
        self.assertState(r, 3, "--public-key is required", perfdata=False)
        r = self.check("--skip", "signer_set,deposits", key=None)
        self.assertState(r, 0)

    def test_only_one_sub_check(self):
        r = self.check("--only", "fees")
        self.assertState(r, 0)
        self.assertEqual(r.long_text and len([l for l in r.stdout.splitlines() if l.startswith("  [")]), 1, r)
        self.assertEqual([q for q in self.api.requests if q["path"] == "/"], [])

    def test_unknown_sub_check(self):
        r = self.check("--only", "fees,nonsense")
        self.assertState(r, 3, "--only: unknown sub-check 'nonsense'", perfdata=False)

    def test_only_and_skip_exclude_each_other(self):
        r = self.check("--only", "fees", "--skip", "alive")
        self.assertState(r, 3, "--only and --skip exclude each other", perfdata=False)

    def test_stalled_stacks_node_within_the_deadline(self):
        with SilentServer() as silent:
            start = time.monotonic()
            r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % silent.port, "-t", "2"))
            self.assertLess(time.monotonic() - start, 4, r)
        self.assertState(r, 3, "no answer from Stacks node")
        self.assertIn("[OK] signer API", r.stdout)

    def test_timeout_state(self):
        with SilentServer() as silent:
            r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % silent.port, "-t", "1:critical",
                                             "--only", "fees"))
        self.assertState(r, 2, "no answer from Stacks node")


class Database(SignerCase):
    """The database's and the exporter's sub-checks, on the schema of signer v1.3.3 loaded
    in the run's PostgreSQL. The databases are built once for the class, at the same time:
    a healthy signer's (with its session), and one per troubled scenario."""

    @staticmethod
    def healthy(db, session=True):
        db.insert_bitcoin_chain(tip_height=TIP, length=3)
        db.insert_dkg_shares(harness.CURRENT_KEY, "verified", 2 * DAY, signer_keys=SET_BYTES, threshold=2)

    @classmethod
    def troubled(cls, db):
        """No signer session and no verified share; a share stuck unverified, deposits and
        withdrawals in every state, peers dialed."""
        db.insert_bitcoin_chain(tip_height=TIP, length=3)
        db.insert_dkg_shares(harness.PREVIOUS_KEY, "unverified", 3 * 3600, started_at_height=TIP - 15,
                             signer_keys=SET_BYTES, threshold=2)
        cls.stuck = db.insert_deposit(created_at=DAY, vout=1, votes={KEY: (True, True)})
        swept = db.insert_deposit(created_at=DAY, vout=2, votes={KEY: (True, True)})
        db.insert_sweep([swept])
        db.insert_deposit(created_at=DAY, vout=3, votes={KEY: (True, False)})   # this signer cannot sign
        db.insert_deposit(created_at=3600, vout=4, votes={KEY: (True, True)})   # younger than 6 h
        db.insert_withdrawal(7, TIP - 20)
        db.insert_withdrawal(8, TIP - 30)
        db.accept_withdrawal(8)
        db.insert_withdrawal(9, TIP - 40)
        db.reject_withdrawal(9)
        db.insert_withdrawal(10, TIP - 2)                                     # too young
        db.insert_p2p_peer(SIGNER_SET[0], 60)
        db.insert_p2p_peer(SIGNER_SET[2], 600)
        db.insert_p2p_peer(harness.PREVIOUS_KEY, 2 * 3600)                    # dialed too long ago

    @classmethod
    def rotated(cls, db):
        """The newest verified share: a set without this signer, threshold 3."""
        cls.healthy(db)
        db.insert_dkg_shares(harness.PREVIOUS_KEY, "verified", DAY, signer_keys=[SET_BYTES[0], SET_BYTES[2]],
                             threshold=3)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.metrics = MetricsExporterFixture()
        cls.metrics.start()
        plans = {"base": (SCHEMA_V1_3_3, cls.healthy), "troubled": (SCHEMA_V1_3_3, cls.troubled),
                 "rotated": (SCHEMA_V1_3_3, cls.rotated), "v1_0_3": (SCHEMA_V1_0_3, cls.healthy)}

        def build(item):
            name, (schema, seed) = item
            db = harness.scenario_db(schema)
            with db.batch():
                seed(db)
            return name, db
        with ThreadPoolExecutor(max_workers=len(plans)) as pool:
            cls.dbs = dict(pool.map(build, plans.items()))
        cls.sessions = [cls.dbs[n].signer_session() for n in ("base", "rotated", "v1_0_3")]

    @classmethod
    def tearDownClass(cls):
        for s in cls.sessions:
            s.close()
        cls.metrics.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.metrics.reset_config()

    def run_db(self, *args, metrics=True, db="base", conninfo=None, **kw):
        a = ["-d", conninfo or self.dbs[db].conninfo()]
        if metrics:
            a += ["-m", self.metrics.url + "/metrics"]
        return self.check(*(a + list(args)), **kw)

    @under_valgrind
    def test_ok_healthy_signer(self):
        r = self.run_db()
        self.assertState(r, 0, "signer alive, in the signer set of 3 (threshold 2), 14 peers, 500.00 STX for fees, "
                               "nothing stuck")
        for label, value in (("signer_sessions", 1), ("peers", 14), ("failed_shares", 0),
                             ("stuck_unverified_shares", 0), ("stuck_deposits", 0), ("stuck_withdrawals", 0)):
            self.assertEqual(r.perfdata[label].value, value, r)
        self.assertEqual((r.perfdata["peers"].warn, r.perfdata["peers"].crit), (2, 1), r)
        self.assertIn("[OK] key %s is in the signer set of the newest verified DKG share" % short(KEY), r.stdout)
        self.assertIn("signing errors: no rate yet", r.stdout)

    def test_prometheus_output(self):
        """Every sub-check by its id, every count with its unit word (the names of
        README.md's "Output formats"), valid for promtool."""
        r = self.run_db("--output-format", "prometheus")
        self.assertEqual(r.rc, 0, r)
        lines = r.stdout.splitlines()
        self.assertIn('sbtc_check_state{check="signer"} 0', lines)
        for sub in ("alive", "signer_set", "threshold", "peers", "dkg", "deposits", "withdrawals", "fees", "emily"):
            self.assertIn('sbtc_check_state{check="signer",sub="%s"} 0' % sub, lines, r)
        # a sub-check with no rate yet, and none not queried, has no state series
        self.assertNotIn('sub="signing_errors"', r.stdout)
        for name in ("sbtc_signer_signer_sessions", "sbtc_signer_signer_set_size_keys",
                     "sbtc_signer_signature_threshold_signers", "sbtc_signer_peers",
                     "sbtc_signer_failed_shares", "sbtc_signer_stuck_deposits",
                     "sbtc_signer_stuck_withdrawals", "sbtc_signer_fee_balance_stx"):
            self.assertTrue(any(l.startswith(name + "{") for l in lines), (name, r))
        # the fee and peer thresholds are lower bounds: no threshold series (README "Output formats")
        self.assertNotIn("sbtc_signer_fee_balance_stx_warning_threshold", r.stdout)
        promtool = shutil.which("promtool")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=r.stdout, capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), r)

    def test_critical_no_signer_session(self):
        r = self.run_db("--only", "alive", db="troubled")
        self.assertState(r, 2, "no session of the signer in database")
        self.assertEqual(r.perfdata["signer_sessions"].value, 0, r)

    def test_critical_key_not_in_the_newest_verified_share(self):
        r = self.run_db("--only", "signer_set", db="rotated")
        self.assertState(r, 2, "key %s is not in the signer set of the newest verified DKG share (2 keys)" % short(KEY))
        # the chain still has it
        self.assertIn("[OK] key %s is in the registry's signer set of 3" % short(KEY), r.stdout)

    def test_critical_no_verified_share(self):
        r = self.run_db("--only", "signer_set", db="troubled")
        self.assertState(r, 2, "no verified DKG share in database")

    def test_warning_threshold_differs(self):
        r = self.run_db("--only", "threshold", db="rotated")
        self.assertState(r, 1, "signature threshold differs: 2 on chain, 3 in the newest verified share")

    def test_threshold_from_the_database_when_the_chain_has_none(self):
        self.node.set(signer_data_function=False)
        r = self.run_db("--only", "threshold")
        self.assertState(r, 0, "signature threshold 2 of 3 (newest verified share; the registry names none)")

    def test_critical_no_peers(self):
        self.metrics.set(peers_connected=0)
        r = self.run_db("--only", "peers")
        self.assertState(r, 2, "0 peers connected (exporter): fewer than the 1 the signer needs to reach the "
                               "signature threshold of 2")
        self.assertEqual(r.perfdata["peers"].value, 0, r)

    def test_peers_against_the_mainnet_threshold(self):
        self.node.set(signature_threshold=10, signer_set=[KEY] + ["02%064x" % i for i in range(1, 14)])
        for peers, rc in ((13, 0), (10, 0), (9, 1), (8, 2)):
            with self.subTest(peers=peers):
                self.metrics.set(peers_connected=peers)
                r = self.check("--only", "peers", "-m", self.metrics.url + "/metrics")
                self.assertState(r, rc, "%d peers connected (exporter)" % peers)
                self.assertEqual((r.perfdata["peers"].warn, r.perfdata["peers"].crit), (10, 9), r)

    def test_peers_thresholds_given(self):
        self.metrics.set(peers_connected=5)
        r = self.check("--only", "peers", "-m", self.metrics.url + "/metrics", "-w", "12:", "-c", "6:")
        self.assertState(r, 2, "5 peers connected")

    def test_peers_from_the_database_without_metrics(self):
        r = self.run_db("--only", "peers", metrics=False, db="troubled")
        self.assertState(r, 0, "2 peers dialed within the last hour (database)")
        self.assertEqual(r.perfdata["peers"].value, 2, r)

    def test_peers_not_published_before_v1_1(self):
        self.metrics.set(release="v1.0")
        r = self.check("--only", "peers", "-m", self.metrics.url + "/metrics")
        self.assertState(r, 3, "the exporter publishes no peers_connected")

    def test_exporter_down(self):
        self.metrics.set(mood="http-500")
        r = self.check("--only", "peers,signing_errors", "-m", self.metrics.url + "/metrics")
        self.assertState(r, 2, "answered HTTP 500")
        self.assertNotIn("no rate yet", r.stdout)

    @under_valgrind
    def test_warning_share_stuck_unverified(self):
        r = self.run_db("--only", "dkg", db="troubled")
        self.assertState(r, 1, "1 DKG share unverified for more than 10 Bitcoin blocks (oldest started 15 blocks "
                               "ago): verification stuck")
        self.assertEqual(r.perfdata["stuck_unverified_shares"].value, 1, r)
        # within a wider window it is not stuck
        r = self.run_db("--only", "dkg", "--dkg-window", "20", db="troubled")
        self.assertState(r, 0, "no DKG share stuck unverified")

    def test_warning_failed_shares_grew_since_the_last_run(self):
        # (a failed share changes nothing that the other tests of this database judge)
        r = self.run_db("--only", "dkg", db="rotated")
        self.assertState(r, 0, "no DKG share stuck unverified; 0 failed")
        self.dbs["rotated"].insert_dkg_shares(OTHER_KEY, "failed", 3600, signer_keys=SET_BYTES,
                                              threshold=2)
        r = self.run_db("--only", "dkg", db="rotated")
        self.assertState(r, 1, "failed DKG shares grew from 0 to 1 since the last run")
        r = self.run_db("--only", "dkg", db="rotated")
        self.assertState(r, 0, "1 failed")

    @under_valgrind
    def test_warning_deposit_stuck_a_day(self):
        r = self.run_db("--only", "deposits", db="troubled")
        self.assertState(r, 1, "1 deposit accepted and signable but not swept after 6h 0m (oldest 1d 0h): %s"
                         % txid_for(*self.stuck))
        self.assertEqual(r.perfdata["stuck_deposits"].value, 1, r)
        age = r.perfdata["oldest_stuck_deposit_age"]
        self.assertEqual(age.uom, "s", r)
        self.assertAlmostEqual(age.value, DAY, delta=120)
        r = self.run_db("--only", "deposits", "--deposit-age", "2d", db="troubled")
        self.assertState(r, 0, "no deposit stuck for more than 2d 0h")

    def test_warning_withdrawal_stuck(self):
        r = self.run_db("--only", "withdrawals", db="troubled")
        self.assertState(r, 1, "1 withdrawal request undecided after 12 Bitcoin blocks (oldest 20 blocks): 7")
        self.assertEqual(r.perfdata["stuck_withdrawals"].value, 1, r)
        self.assertEqual(r.perfdata["oldest_stuck_withdrawal_blocks"].value, 20, r)
        r = self.run_db("--only", "withdrawals", "--withdrawal-blocks", "25", db="troubled")
        self.assertState(r, 0, "no withdrawal request undecided after 25 Bitcoin blocks")

    def test_signing_errors_rate_and_counter_reset(self):
        m = ["-m", self.metrics.url + "/metrics", "--only", "signing_errors"]
        r = self.check(*m)
        self.assertState(r, 0, "signing errors: no rate yet")
        self.metrics.set(sign_requests={"success": 700, "failed": 50})
        r = self.check(*m)
        self.assertState(r, 1, "50 of 149 sign requests failed")
        self.assertAlmostEqual(r.perfdata["sign_request_errors"].value, 33.56, delta=0.01)
        self.assertEqual(r.perfdata["sign_request_errors"].uom, "%", r)
        # the signer restarted: every counter lower than last time; a reset, no negative rate
        self.metrics.set(mood="restart")
        r = self.check(*m)
        self.assertState(r, 0, "the counters were reset (the signer restarted)")
        for pv in r.perfdata_list:
            self.assertGreaterEqual(pv.value, 0, r)

    def test_state_dir_unusable(self):
        os.makedirs(os.path.join(self.dir, "open"))
        os.chmod(os.path.join(self.dir, "open"), 0o777)
        r = self.check("-m", self.metrics.url + "/metrics", "--only", "signing_errors", "--state-dir",
                       os.path.join(self.dir, "open"))
        self.assertState(r, 3, "others may write to it")

    def test_database_down_leaves_the_chain_judged(self):
        port = closed_port()
        r = self.run_db("--skip", "emily", conninfo="host=127.0.0.1 port=%d dbname=x user=x password=s3cret-db-pw"
                        % port)
        self.assertState(r, 2, "127.0.0.1")
        self.assertIn("[OK] key %s is in the registry's signer set of 3" % short(KEY), r.stdout)
        self.assertIn("[OK] 14 peers connected (exporter)", r.stdout)
        self.assertNotIn("s3cret-db-pw", r.stdout + r.stderr)

    def test_no_secret_in_any_format(self):
        """The database password and the Emily key, in every output format, verbose."""
        conninfo = self.dbs["base"].conninfo()
        self.assertIn("password=", conninfo)
        password = conninfo.split("password=")[1].split()[0].strip("'")
        self.emily.set(mood="echo-key")
        for fmt in ("multi-line", "one-line", "json", "prometheus"):
            with self.subTest(fmt=fmt):
                r = self.run_db("--output-format", fmt, "-vvv")
                self.assertEqual(r.rc, 0, r)
                for secret in (password, API_KEY):
                    self.assertNotIn(secret, r.stdout + r.stderr, r)
        wrong = conninfo.replace(password, "wr0ng-pw")
        r = self.run_db("--only", "alive", conninfo=wrong)
        self.assertState(r, 2, "password authentication failed")
        self.assertNotIn("wr0ng-pw", r.stdout + r.stderr)

    def test_monitoring_role_is_enough(self):
        conninfo = self.dbs["base"].monitor_conninfo(password="s3cret-monitor-pw")
        r = self.run_db(conninfo=conninfo)
        self.assertState(r, 0)
        self.assertNotIn("s3cret-monitor-pw", r.stdout + r.stderr)

    def test_release_v1_0_3_database(self):
        """v1.0.3 has no p2p_peers (migration 0019): without metrics the peers cannot be
        counted, and that is said; every other part is judged."""
        r = self.run_db(metrics=False, db="v1_0_3")
        self.assertIn(r.rc, (2, 3), r)
        self.assertIn("p2p_peers", r.stdout)
        self.assertIn("[OK] key %s is in the signer set of the newest verified DKG share" % short(KEY), r.stdout)
        self.assertIn("[OK] no deposit stuck", r.stdout)


if __name__ == "__main__":
    unittest.main()
