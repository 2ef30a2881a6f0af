# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_aggregate_key against a real PostgreSQL and the fixture Stacks node.

Every state and failure of the check: each test asserts the exit code, the first line
and the perfdata.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import signerdb, under_valgrind
from harness.net import SilentServer, closed_port

CHECK = "check_sbtc_aggregate_key"
CUR = signerdb.CURRENT_KEY
PREV = signerdb.PREVIOUS_KEY
OTHER = signerdb.signer_set("another-dkg-round", 1)[0].hex()
PREFIX = "SBTC AGGREGATE_KEY "
DAY = 86400


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


class AggregateKeyCase(harness.StateAssertions, unittest.TestCase):
    """Shared set-up: a node fixture for the whole class, a database per test."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.node = harness.StacksNodeFixture(aggregate_key=CUR)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def setUp(self):
        self.node.reset_config()
        self.node.set(aggregate_key=CUR)
        self.node.clear_requests()

    def db(self, shares=(), schema="0022"):
        db = harness.scenario_db(schema)
        for key, status, age in shares:
            db.insert_dkg_shares(key, status, created_at=age)
        return db

    def check(self, db, *args, timeout=30, **kw):
        argv = ["-u", self.node.url]
        if db is not None:
            argv += ["-d", db.conninfo()]
        return harness.run(CHECK, argv + list(args), timeout=timeout, **kw)

    def assertShareCounts(self, r, verified, unverified, failed):
        self.assertEqual(r.perfdata["verified_shares"].value, verified, r)
        self.assertEqual(r.perfdata["unverified_shares"].value, unverified, r)
        self.assertEqual(r.perfdata["failed_shares"].value, failed, r)
        self.assertEqual(r.perfdata["verified_shares"].min, 0, r)


class States(AggregateKeyCase):

    @under_valgrind
    def test_ok_newest_verified_is_on_chain(self):
        db = self.db([(PREV, "verified", 30 * DAY), (OTHER, "failed", 20 * DAY),
                      (CUR, "verified", DAY)])
        r = self.check(db)
        self.assertState(r, 0, "on-chain key %s is the newest verified share in the database "
                               "(created 1d 0h ago)" % short(CUR))
        self.assertShareCounts(r, 2, 0, 1)
        age = r.perfdata["newest_verified_age"]
        self.assertEqual(age.uom, "s")
        self.assertAlmostEqual(age.value, DAY, delta=60)
        # the long output shows each sub-result
        self.assertTrue(any("[OK] Stacks node %s" % self.node.url in l for l in r.long_text), r)
        self.assertTrue(any("2 verified, 0 unverified, 1 failed shares" in l for l in r.long_text), r)

    def test_ok_matches_the_guides_query(self):
        # the database's own answer to the operators' guide's query agrees with the check
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "verified", DAY)])
        self.assertEqual(db.backup_query_keys()[0], CUR)
        self.assertEqual(self.check(db).rc, 0)

    def test_ok_value_wrapped_in_ok_or_some(self):
        db = self.db([(CUR, "verified", DAY)])
        for mood in ("ok-wrapped", "some-wrapped"):
            with self.subTest(mood=mood):
                self.node.set(mood=mood)
                r = self.check(db)
                self.assertState(r, 0, "is the newest verified share")

    def test_verbose_prints_whole_keys(self):
        db = self.db([(CUR, "verified", DAY)])
        r = self.check(db, "-v")
        self.assertState(r, 0, CUR)

    def test_request_is_what_the_node_expects(self):
        db = self.db([(CUR, "verified", DAY)])
        self.check(db)
        req = self.node.requests[-1]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/v2/contracts/call-read/SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4/"
                                      "sbtc-registry/get-current-aggregate-pubkey")
        self.assertEqual(req["headers"]["content-type"], "application/json")
        self.assertEqual(req["json"], {"sender": "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4",
                                       "arguments": []})

    def test_other_contract_and_sender(self):
        testnet = "SN3R84XZYA63QS28932XQF3G1J8R9PC3W76P9CSQS.sbtc-registry"
        self.node.set(registry=testnet)
        db = self.db([(CUR, "verified", DAY)])
        r = self.check(db, "--contract", testnet, "--sender", "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM")
        self.assertState(r, 0, "is the newest verified share")
        self.assertEqual(self.node.requests[-1]["json"]["sender"],
                         "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM")

    def test_network_testnet_picks_the_testnet_registry(self):
        # the node serves only the testnet registry: the mainnet one is NoSuchContract
        testnet = "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70.sbtc-registry"
        self.node.set(registry=testnet)
        db = self.db([(CUR, "verified", DAY)])
        r = self.check(db, "--network", "testnet")
        self.assertState(r, 0, "is the newest verified share")
        self.assertIn("registry %s holds key" % testnet, r.stdout)
        req = self.node.requests[-1]
        self.assertEqual(req["path"], "/v2/contracts/call-read/SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70/"
                                      "sbtc-registry/get-current-aggregate-pubkey")
        self.assertEqual(req["json"]["sender"], "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70")
        r = self.check(db)  # mainnet by default: its registry does not exist on this node
        self.assertState(r, 2, "NoSuchContract")
        r = self.check(db, "--network=mainnet")
        self.assertState(r, 2, "NoSuchContract")
        # --contract still decides
        other = "SN3R84XZYA63QS28932XQF3G1J8R9PC3W76P9CSQS.sbtc-registry"
        self.node.set(registry=other)
        r = self.check(db, "--network", "testnet", "--contract", other)
        self.assertState(r, 0, "is the newest verified share")
        self.assertIn("/SN3R84XZYA63QS28932XQF3G1J8R9PC3W76P9CSQS/", self.node.requests[-1]["path"])
        r = self.check(db, "--network", "devnet")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("invalid --network 'devnet': expected mainnet or testnet", r.stdout)

    @under_valgrind
    def test_warning_rotation_pending_within_grace(self):
        # DKG produced and verified a new key an hour ago; the registry still has the old one
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "verified", 3600)])
        self.node.set(aggregate_key=PREV)
        r = self.check(db)
        self.assertState(r, 1, "key rotation pending for 1h 0m (grace 6h 0m): on-chain key %s "
                               "is an older verified share; newest verified share %s is not on chain"
                         % (short(PREV), short(CUR)))
        self.assertShareCounts(r, 2, 0, 0)

    def test_critical_rotation_pending_past_grace(self):
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "verified", 3600)])
        self.node.set(aggregate_key=PREV)
        r = self.check(db, "--rotation-grace", "30m")
        self.assertState(r, 2, "key rotation pending for 1h 0m (grace 30m 0s)")

    @under_valgrind
    def test_critical_on_chain_key_absent(self):
        db = self.db([(PREV, "verified", 30 * DAY), (OTHER, "verified", 5 * DAY)])
        r = self.check(db)
        self.assertState(r, 2, "on-chain key %s is not among the verified shares of the database: "
                               "it cannot sign for it (newest verified share is %s)"
                         % (short(CUR), short(OTHER)))
        self.assertShareCounts(r, 2, 0, 0)

    def test_critical_on_chain_key_only_failed(self):
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "failed", DAY)])
        r = self.check(db)
        self.assertState(r, 2, "on-chain key %s is in the database only as a failed share"
                         % short(CUR))
        self.assertShareCounts(r, 1, 0, 1)

    def test_critical_on_chain_key_only_unverified(self):
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "unverified", 600)])
        r = self.check(db)
        self.assertState(r, 2, "only as an unverified share")
        self.assertShareCounts(r, 1, 1, 0)

    def test_critical_no_verified_share(self):
        db = self.db([(CUR, "unverified", 600), (OTHER, "failed", DAY)])
        r = self.check(db)
        self.assertState(r, 2, "the database has no verified share (1 unverified, 1 failed)")
        self.assertShareCounts(r, 0, 1, 1)
        self.assertNotIn("newest_verified_age", r.perfdata)

    def test_critical_empty_table(self):
        r = self.check(self.db())
        self.assertState(r, 2, "the database has no verified share (0 unverified, 0 failed)")
        self.assertShareCounts(r, 0, 0, 0)

    def test_warning_registry_holds_no_key_yet(self):
        db = self.db([(CUR, "verified", DAY)])
        self.node.set(mood="no-key")
        r = self.check(db)
        self.assertState(r, 1, "the registry holds no aggregate key yet (its initial value 0x00)")
        self.assertShareCounts(r, 1, 0, 0)

    def test_pre_0012_database_newest_share_on_chain(self):
        db = self.db([(PREV, None, 30 * DAY), (CUR, None, DAY)], schema="pre0012")
        r = self.check(db)
        self.assertState(r, 1, "predates migration 0012 (a pre-mainnet signer, 0.0.9-rc6 or older, or migrations "
                               "that never ran: every release since v1.0.0 applies 0001 to 0014): its 2 shares "
                               "carry no verification status; start the signer with --migrate-db")
        self.assertNotIn("v1.0.x", r.stdout, r)
        self.assertEqual(r.perfdata["shares"].value, 2, r)
        self.assertNotIn("verified_shares", r.perfdata)
        self.assertTrue(any("[OK] on-chain key %s is the newest share in the database" % short(CUR)
                            in l for l in r.long_text), r)

    def test_pre_0012_database_without_the_key(self):
        db = self.db([(PREV, None, 30 * DAY)], schema="pre0012")
        r = self.check(db)
        self.assertState(r, 2, "on-chain key %s is not in the database (1 shares, none matching)"
                         % short(CUR))

    def test_pre_0012_database_older_share_on_chain(self):
        db = self.db([(PREV, None, 30 * DAY), (CUR, None, DAY)], schema="pre0012")
        self.node.set(aggregate_key=PREV)
        r = self.check(db)
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(any("is an older share of the database" in l for l in r.long_text), r)


class Reference(AggregateKeyCase):

    def test_reference_agrees(self):
        db = self.db([(CUR, "verified", DAY)])
        with harness.StacksNodeFixture(aggregate_key=CUR) as ref:
            r = self.check(db, "-r", ref.url)
        self.assertState(r, 0, "is the newest verified share")
        self.assertTrue(any("[OK] reference node %s" % ref.url in l for l in r.long_text), r)

    def test_reference_disagrees(self):
        db = self.db([(CUR, "verified", DAY)])
        with harness.StacksNodeFixture(aggregate_key=PREV) as ref:
            r = self.check(db, "-r", ref.url)
        self.assertState(r, 2, "nodes disagree on the registry's key: %s reports %s, reference %s "
                               "reports %s" % (self.node.url, short(CUR), ref.url, short(PREV)))

    def test_reference_without_key(self):
        db = self.db([(CUR, "verified", DAY)])
        with harness.StacksNodeFixture(aggregate_key=CUR, mood="no-key") as ref:
            r = self.check(db, "-r", ref.url)
        self.assertState(r, 2, "nodes disagree")
        self.assertIn("reports none", r.first_line)

    def test_reference_unreachable(self):
        db = self.db([(CUR, "verified", DAY)])
        port = closed_port()
        r = self.check(db, "-r", "http://127.0.0.1:%d" % port)
        self.assertState(r, 2, "cannot connect to reference node http://127.0.0.1:%d: "
                               "Connection refused" % port)
        # the verdict is still given and shown
        self.assertTrue(any("[OK] on-chain key" in l for l in r.long_text), r)


class DatabaseFailures(AggregateKeyCase):

    def test_database_down(self):
        port = closed_port()
        r = harness.run(CHECK, ["-u", self.node.url, "-d", "host=127.0.0.1 port=%d dbname=x" % port])
        self.assertState(r, 2, "cannot connect to the database")
        self.assertIn("Connection refused", r.first_line)
        self.assertNotIn("verified_shares", r.perfdata)

    @under_valgrind
    def test_wrong_password(self):
        db = self.db([(CUR, "verified", DAY)])
        conninfo = db.monitor_conninfo(password="right")
        wrong = conninfo.replace("password='right'", "password='wrong'").replace(
            "password=right", "password=wrong")
        self.assertNotEqual(wrong, conninfo)
        r = harness.run(CHECK, ["-u", self.node.url, "-d", wrong, "-vvv"])
        self.assertState(r, 2, "password authentication failed for user \"sbtc_monitor\"")
        self.assertNotIn("wrong", r.stdout + r.stderr)

    def test_password_from_pgpassfile_never_printed(self):
        db = self.db([(CUR, "verified", DAY)])
        db.monitor_conninfo(password="s3cret-pw")
        c = db.cluster
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("127.0.0.1:%d:%s:sbtc_monitor:s3cret-pw\n" % (c.port, db.dbname))
        os.chmod(f.name, 0o600)
        try:
            r = harness.run(CHECK, ["-u", self.node.url, "-vvv", "-d",
                                    "host=127.0.0.1 port=%d dbname=%s user=sbtc_monitor"
                                    % (c.port, db.dbname)], env={"PGPASSFILE": f.name})
        finally:
            os.unlink(f.name)
        self.assertState(r, 0, "is the newest verified share")
        self.assertNotIn("s3cret", r.stdout + r.stderr)

    def test_monitoring_role_is_enough(self):
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "verified", DAY)])
        r = harness.run(CHECK, ["-u", self.node.url, "-d", db.monitor_conninfo()])
        self.assertState(r, 0, "is the newest verified share")

    def test_uri_conninfo(self):
        db = self.db([(CUR, "verified", DAY)])
        r = harness.run(CHECK, ["-u", self.node.url, "-d", db.uri()])
        self.assertState(r, 0, "is the newest verified share")

    def test_not_a_signer_database(self):
        db = harness.scenario_db(None)
        r = self.check(db)
        self.assertState(r, 2, "table sbtc_signer.dkg_shares does not exist")

    def test_database_stalls(self):
        with SilentServer() as srv:
            r = harness.run(CHECK, ["-u", self.node.url, "-t", "2",
                                    "-d", "host=127.0.0.1 port=%d dbname=x" % srv.port])
        self.assertState(r, 3, "did not answer within the deadline")
        self.assertLess(r.elapsed, 3.5, r)

    def test_invalid_conninfo(self):
        r = harness.run(CHECK, ["-u", self.node.url, "-d", "host=127.0.0.1 nonsense"])
        self.assertEqual(r.rc, 3, r)
        self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - invalid --dbconn"), r)

    def test_uri_password_never_echoed(self):
        """libpq quotes a URI it cannot parse, a bad %-escape of the password, or the piece of
        a password with a raw '/' it took for a port (lib/pg.c masks them all)."""
        port = closed_port()
        for conninfo, why in (
                ("postgresql://mon:S3cretPw@[::1", 'UNKNOWN - invalid --dbconn: end of string reached'),
                ("postgresql://mon:S3cretPw%%zz@127.0.0.1:%d/x" % port,
                 "UNKNOWN - invalid --dbconn: invalid percent-encoded token"),
                ("postgresql://mon:S3cret/Pw@127.0.0.1:%d/x" % port,
                 "CRITICAL - cannot connect to the database"),
                ("host=127.0.0.1 port=%d S3cretPw" % port, "UNKNOWN - invalid --dbconn: missing"),
                ("host=127.0.0.1 port=%d password='S3cret Pw' dbname=x hots=y" % port,
                 'UNKNOWN - invalid --dbconn: invalid connection option "hots"')):
            r = harness.run(CHECK, ["-u", self.node.url, "-d", conninfo, "-vvv"])
            self.assertTrue(r.first_line.startswith(PREFIX + why), r)
            for part in ("S3cret", "Pw"):
                self.assertNotIn(part, r.stdout + r.stderr, r)

    def test_session_is_read_only(self):
        # every statement the check sends, as the server logs it
        db = self.db([(CUR, "verified", DAY)])
        db.cluster.psql("ALTER DATABASE %s SET log_statement = 'all'" % db.dbname)
        self.assertEqual(self.check(db).rc, 0)
        log = db.cluster.read_log()
        mine = [l for l in log.splitlines() if "statement:" in l and "sbtc_signer.dkg_shares" in l]
        self.assertTrue(mine, log[-3000:])
        self.assertIn("SET statement_timeout = ", log)
        self.assertIn("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", log)
        for line in log.splitlines():
            if "statement:" in line and "sbtc_signer" in line:
                self.assertNotRegex(line.upper(), r"\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b")


class NodeFailures(AggregateKeyCase):

    def setUp(self):
        super().setUp()
        self.sharedb = getattr(type(self), "_db", None)
        if self.sharedb is None:
            type(self)._db = self.sharedb = self.db([(CUR, "verified", DAY)])

    def mood(self, mood, *args, **cfg):
        self.node.set(mood=mood, **cfg)
        return self.check(self.sharedb, *args)

    def test_node_refuses_connections(self):
        port = closed_port()
        r = harness.run(CHECK, ["-u", "http://127.0.0.1:%d" % port, "-d", self.sharedb.conninfo()])
        self.assertState(r, 2, "cannot connect to Stacks node http://127.0.0.1:%d: Connection refused"
                         % port)
        # the database is still read and reported
        self.assertShareCounts(r, 1, 0, 0)

    @under_valgrind
    def test_http_500(self):
        r = self.mood("http-500")
        # one wording for every source's HTTP status (lib/acquire.h, sbtc_http_post_json)
        self.assertState(r, 2, "Stacks node %s answered HTTP 500: Failed to load canonical burnchain tip"
                         % self.node.url)

    def test_http_404_400_408(self):
        for mood, code in (("http-404", 404), ("http-400", 400), ("http-408", 408)):
            with self.subTest(mood=mood):
                r = self.mood(mood)
                self.assertState(r, 2, "answered HTTP %d" % code)

    def test_okay_false(self):
        r = self.mood("okay-false")
        self.assertState(r, 2, "Stacks node %s refused call-read get-current-aggregate-pubkey: "
                               "Unchecked(NoSuchContract(" % self.node.url)

    def test_remote_text_is_sanitised(self):
        r = self.mood("okay-false", cause="bad | thing\nSBTC FAKE OK - injected " + "x" * 500)
        self.assertEqual(r.rc, 2, r)
        text = r.first_line.split(" | ")[0] if " | " in r.first_line else r.first_line
        self.assertNotIn("|", text)
        self.assertIn("bad / thing SBTC FAKE OK - injected xxx", r.first_line)
        self.assertIn("...", r.first_line)
        self.assertLess(len(r.first_line), 700)
        self.assertFalse(any(l.startswith("SBTC FAKE") for l in r.stdout.splitlines()), r)

    def test_not_json(self):
        r = self.mood("garbage")
        self.assertState(r, 3, "Stacks node %s sent an answer that is not JSON: " % self.node.url)

    def test_missing_result(self):
        r = self.mood("missing-result")
        self.assertState(r, 3, "field 'result' missing")

    def test_result_not_hex(self):
        r = self.mood("not-hex")
        self.assertState(r, 3, "cannot decode the Clarity value of get-current-aggregate-pubkey")

    @under_valgrind
    def test_wrong_clarity_type(self):
        r = self.mood("wrong-type")
        self.assertState(r, 3, "expected (buff 33) from the registry, got u")

    def test_short_buffer(self):
        r = self.mood("short-buffer")
        self.assertState(r, 3, "expected a 33-byte aggregate key from the registry, got (buff 32)")

    def test_huge_body(self):
        r = self.mood("huge")
        self.assertState(r, 3, "is larger than the 1048576 byte limit")
        self.assertLess(r.elapsed, 8, r)

    def test_connection_reset(self):
        r = self.mood("reset")
        self.assertState(r, 2, "connection to Stacks node %s broke off" % self.node.url)

    def test_stall_ends_at_deadline_unknown(self):
        r = self.mood("stall", "-t", "2", stall_seconds=30)
        self.assertState(r, 3, "no answer from Stacks node %s within the deadline of 2 s"
                         % self.node.url)
        self.assertLess(r.elapsed, 3, r)
        self.assertGreater(r.elapsed, 1.5, r)

    def test_stalled_node_costs_only_itself(self):
        # The node and the database are asked at once: the stalled node gets its own
        # timeout line, and the database's line and perfdata are there.
        r = self.mood("stall", "-t", "3", stall_seconds=30)
        self.assertState(r, 3, "no answer from Stacks node %s within the deadline of 3 s" % self.node.url)
        self.assertLess(r.elapsed, 3.5, r)
        self.assertIn("[UNKNOWN] no answer from Stacks node %s within the deadline of 3 s" % self.node.url,
                      r.stdout)
        self.assertRegex(r.stdout, r"\[OK\] database \S+ at 127\.0\.0\.1:\d+: 1 verified, 0 unverified, "
                                   r"0 failed shares")
        self.assertShareCounts(r, 1, 0, 0)
        self.assertIn("newest_verified_age", r.perfdata)

    def test_stall_with_timeout_state_critical(self):
        r = self.mood("slow-headers", "-t", "2:CRITICAL", stall_seconds=30)
        self.assertState(r, 2, "within the deadline of 2 s")
        self.assertLess(r.elapsed, 3, r)


def self_signed_cert(directory):
    """A certificate for 127.0.0.1 and localhost, and its key (openssl, no shell)."""
    cert, key = os.path.join(directory, "node.crt"), os.path.join(directory, "node.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Transport(AggregateKeyCase):
    """TLS is verified by default; --cacert and --insecure are explicit. IPv6 works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-tls-")
        cls.cert, cls.key = self_signed_cert(cls.tmp)
        cls.tls_node = harness.StacksNodeFixture(aggregate_key=CUR, tls=(cls.cert, cls.key))
        cls.tls_node.start()
        cls.sharedb = harness.scenario_db("0022")
        cls.sharedb.insert_dkg_shares(CUR, "verified", created_at=DAY)

    @classmethod
    def tearDownClass(cls):
        cls.tls_node.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def run_tls(self, *args):
        return harness.run(CHECK, ["-u", self.tls_node.url, "-d", self.sharedb.conninfo()] + list(args))

    def test_untrusted_certificate_is_critical(self):
        r = self.run_tls()
        self.assertState(r, 2, "TLS with Stacks node %s failed" % self.tls_node.url)

    def test_cacert_makes_it_trusted(self):
        r = self.run_tls("--cacert", self.cert)
        self.assertState(r, 0, "is the newest verified share")
        self.assertTrue(self.tls_node.url.startswith("https://127.0.0.1:"))

    def test_insecure_skips_verification(self):
        r = self.run_tls("--insecure")
        self.assertState(r, 0, "is the newest verified share")

    def test_missing_cacert_file(self):
        r = self.run_tls("--cacert", os.path.join(self.tmp, "nope.pem"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("TLS with Stacks node", r.first_line)

    def test_cacert_must_be_a_regular_file(self):
        fifo = os.path.join(self.tmp, "ca-fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        r = harness.run(CHECK, ["-u", self.tls_node.url, "-d", self.sharedb.conninfo(), "-t", "2",
                                "--cacert", fifo])
        self.assertLess(r.elapsed, 2.5, r)
        self.assertState(r, 3, "the CA file %s is a FIFO, not a regular file" % fifo)

    def test_ipv6_node(self):
        with harness.StacksNodeFixture(host="::1", aggregate_key=CUR) as node6:
            r = harness.run(CHECK, ["-u", node6.url, "-d", self.sharedb.conninfo()])
        self.assertState(r, 0, "is the newest verified share")
        self.assertIn("Stacks node http://[::1]:", "\n".join(r.long_text))


class OutputAndArguments(AggregateKeyCase):

    @under_valgrind
    def test_json_output(self):
        db = self.db([(PREV, "verified", 30 * DAY), (CUR, "verified", 3600)])
        self.node.set(aggregate_key=PREV)
        r = self.check(db, "--output-format=json")
        self.assertEqual(r.rc, 1, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["schema_version"], 1)
        self.assertEqual(doc["state"], 1)
        self.assertEqual(doc["state_text"], "WARNING")
        self.assertIn("key rotation pending", doc["summary"])
        self.assertEqual(doc["checks"][0]["state_text"], "WARNING")
        perf = {p["label"]: p for p in doc["perfdata"]}
        self.assertEqual(perf["verified_shares"]["value"], 2)
        self.assertIsInstance(perf["newest_verified_age"]["value"], (int, float))
        self.assertEqual(perf["time"]["uom"], "s")

    def test_one_line_output(self):
        db = self.db([(CUR, "verified", DAY)])
        r = self.check(db, "--output-format=one-line")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.stdout.splitlines()), 1, r)
        self.assertIn("; [OK] Stacks node", r.first_line)
        self.assertIn("'verified_shares'=1;;;0", r.first_line)

    def test_perfdata_locale_independent(self):
        db = self.db([(CUR, "verified", DAY)])
        r = self.check(db, env={"LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8"})
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.perfdata["time"].raw["value"], r"^\d+(\.\d+)?s$")
        self.assertRegex(r.perfdata["newest_verified_age"].raw["value"], r"^\d+s$")

    def test_extra_opts_file(self):
        db = self.db([(CUR, "verified", DAY)])
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[signer]\n# the database\ndbconn = %s\nstacks-url = %s\n" % (db.conninfo(), self.node.url))
        try:
            r = harness.run(CHECK, ["--extra-opts=signer@" + f.name])
        finally:
            os.unlink(f.name)
        self.assertState(r, 0, "is the newest verified share")

    def test_extra_opts_missing_section(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[other]\ndbconn = x\n")
        try:
            r = harness.run(CHECK, ["--extra-opts=@" + f.name])
        finally:
            os.unlink(f.name)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("section [check_sbtc_aggregate_key] not found in " + f.name, r.first_line)

    def test_bad_arguments(self):
        cases = [
            (["-u", "ftp://x"], "invalid --stacks-url 'ftp://x'"),
            (["-u", "http://"], "invalid --stacks-url"),
            (["--contract", "nodot"], "invalid contract 'nodot': expected ADDRESS.NAME"),
            (["--contract", "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.9bad"], "invalid contract name"),
            (["--sender", "not-an-address"], "invalid --sender"),
            (["--rotation-grace", "5x"], "invalid duration '5x'"),
            (["-t", "0"], "invalid timeout '0'"),
            (["-t", "5:BAD"], "invalid timeout state 'BAD'"),
            (["--output-format", "xml"], "invalid --output-format 'xml'"),
            (["--bogus"], "unknown option"),
            (["-d"], "needs a value"),
            (["extra"], "unexpected argument 'extra'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = harness.run(CHECK, args)
                self.assertEqual(r.rc, 3, r)
                self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - "), r)
                self.assertIn(message, r.first_line)

    def test_help_and_version(self):
        r = harness.run(CHECK, ["--help"])
        self.assertEqual(r.rc, 3, r)
        for opt in ("--dbconn", "--stacks-url", "--reference-url", "--contract", "--sender",
                    "--rotation-grace", "--insecure", "--cacert", "--timeout", "--output-format",
                    "--extra-opts"):
            self.assertIn(opt, r.stdout)
        r = harness.run(CHECK, ["-V"])
        self.assertEqual(r.rc, 3, r)
        self.assertRegex(r.first_line, r"^check_sbtc_aggregate_key \(monitoring-plugins-sbtc\) \d+\.\d+")

    def test_url_credentials_masked(self):
        db = self.db([(CUR, "verified", DAY)])
        port = closed_port()
        r = harness.run(CHECK, ["-u", "http://user:hunter2@127.0.0.1:%d" % port, "-d", db.conninfo(),
                                "-vvv"])
        self.assertEqual(r.rc, 2, r)
        self.assertNotIn("hunter2", r.stdout + r.stderr)
        self.assertIn("http://user:***@127.0.0.1:%d" % port, r.first_line)


if __name__ == "__main__":
    unittest.main()
