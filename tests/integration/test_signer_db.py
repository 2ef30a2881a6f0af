# SPDX-License-Identifier: GPL-2.0-or-later
"""lib/signer_db.c and lib/signer_metrics.c on real services, through the test driver
tests/drivers/signer_db_probe: the signer-at-work queries on a real PostgreSQL loaded
with the schema of each release family (tests/fixtures/sql/schema-v1.3.3.sql,
schema-v1.0.3.sql, schema-pre0012.sql), each part with its own outcome, and the
exporter's counters across runs with a restart in between.
"""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import signerdb
from harness.signerdb import SCHEMA_V1_0_3, SCHEMA_V1_3_3, signer_set, txid_for

from metrics_exporter import MetricsExporterFixture

SET = signer_set()
ME = SET[0].hex()
OTHER = SET[1].hex()
OUTSIDER = signer_set("outsiders", 1)[0].hex()
TIP = 880_000
PARTS = ("alive", "set", "peers", "dkg", "deposits", "withdrawals")


def probe_path():
    return os.path.normpath(os.path.join(harness.plugin_dir(), "..", "tests", "drivers", "signer_db_probe"))


def probe(conninfo, key=ME, *args, timeout=30):
    """Runs the driver; returns a dict of its facts (lists for repeated names)."""
    argv = [probe_path(), conninfo, key] + [str(a) for a in args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    for marker in harness.plugin.SANITIZER_MARKERS:
        if marker in r.stderr:
            raise AssertionError("sanitizer report from %s:\n%s" % (argv, r.stderr))
    if r.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (argv, r.returncode, r.stderr))
    facts = {}
    for line in r.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name in ("set.key", "deposits.name", "withdrawals.name"):
            facts.setdefault(name, []).append(value)
        else:
            facts[name] = value
    return facts


class SignerDbCase(unittest.TestCase):

    def assertPart(self, f, part, status, msg=None):
        self.assertEqual(f[part + ".status"], status, "%s: %s" % (part, f.get(part + ".msg")))
        if msg is not None:
            self.assertIn(msg, f[part + ".msg"])

    @staticmethod
    def healthy(db):
        """A chain and a verified share with this signer in a set of 15 (threshold 10),
        after an older one without it."""
        with db.batch():
            db.insert_bitcoin_chain(tip_height=TIP, length=40, tip_age=30)
            db.insert_dkg_shares(signerdb.PREVIOUS_KEY, "verified", 30 * 86400, signer_keys=SET[1:], threshold=9)
            db.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", 2 * 86400, signer_keys=SET, threshold=10)
        return db


class Healthy(SignerDbCase):

    @classmethod
    def setUpClass(cls):
        cls.db = db = harness.scenario_db(SCHEMA_V1_3_3)
        with db.batch():
            cls.healthy(db)
            # DKG: one failed share, one unverified share started 11 blocks below the tip
            # (block_observer.rs: started + window(10) < tip) and one started 3 blocks below
            db.insert_dkg_shares(signerdb.signer_set("k", 3)[0], "failed", 5 * 86400, started_at_height=TIP - 500)
            db.insert_dkg_shares(signerdb.signer_set("k", 3)[1], "unverified", 3600, started_at_height=TIP - 11)
            db.insert_dkg_shares(signerdb.signer_set("k", 3)[2], "unverified", 600, started_at_height=TIP - 3)
            # peers: three dialed within the hour, one long ago, this signer's own row
            for k in SET[1:4]:
                db.insert_p2p_peer(k, 120)
            db.insert_p2p_peer(SET[4], 3 * 3600)
            db.insert_p2p_peer(SET[0], 60)
            day = 86400
            cls.swept = db.insert_deposit(vout=0, created_at=day, votes={ME: (True, True), OTHER: (True, True)})
            db.insert_sweep([cls.swept])
            cls.young = db.insert_deposit(vout=1, created_at=3600, votes={ME: (True, True)})
            cls.stuck_day = db.insert_deposit(vout=2, created_at=day, votes={ME: (True, True)})
            cls.stuck_7h = db.insert_deposit(vout=3, created_at=7 * 3600, votes={ME: (True, True)})
            db.insert_deposit(vout=4, created_at=day, votes={ME: (False, True)})      # blocked by our blocklist
            db.insert_deposit(vout=5, created_at=day, votes={ME: (True, False)})      # not ours to sign
            db.insert_deposit(vout=6, created_at=2 * day, votes={OTHER: (True, True)})  # we never voted
            # an input of the signers' own UTXO at that outpoint is not a sweep of the deposit
            db.insert_sweep([cls.stuck_7h], prevout_type="signers_input")
            db.insert_withdrawal(1, TIP - 20)
            db.accept_withdrawal(1)
            db.insert_withdrawal(2, TIP - 20)
            db.reject_withdrawal(2)
            db.insert_withdrawal(3, TIP - 30)                               # stuck, 30 blocks
            db.insert_withdrawal(4, TIP - 5)                                # young
            db.insert_withdrawal(5, TIP - 15)                               # stuck in two forks
            db.insert_withdrawal(5, TIP - 14, block_hash=b"\x05" * 32)
            db.insert_withdrawal(6, TIP - 12)                               # exactly 12: not yet
        with db.signer_session():
            cls.f = probe(db.conninfo())
        cls.after = probe(db.conninfo())

    def test_every_part_ends_once(self):
        self.assertEqual(self.f["db.ends"], "1")
        for part in PARTS:
            self.assertPart(self.f, part, "OK")

    def test_alive(self):
        self.assertEqual(self.f["alive.sessions"], "1")
        self.assertEqual(self.after["alive.sessions"], "0")

    def test_signer_set_of_the_newest_verified_share(self):
        f = self.f
        self.assertEqual((f["set.found"], f["set.nset"], f["set.threshold"], f["set.member"]), ("1", "15", "10", "1"))
        self.assertEqual(f["set.key"], [k.hex() for k in SET])

    def test_peers_dialed_within_the_hour(self):
        self.assertEqual(self.f["peers.dialed"], "3")

    def test_dkg(self):
        f = self.f
        self.assertEqual((f["dkg.tip"], f["dkg.failed"], f["dkg.stuck"], f["dkg.oldest"]),
                         (str(TIP), "1", "1", "11"))

    def test_deposits(self):
        f = self.f
        self.assertEqual(f["deposits.stuck"], "2")
        self.assertAlmostEqual(float(f["deposits.oldest"]), 86400, delta=120)
        self.assertEqual(f["deposits.name"], [txid_for(*self.stuck_day), txid_for(*self.stuck_7h)])

    def test_withdrawals(self):
        f = self.f
        self.assertEqual((f["withdrawals.stuck"], f["withdrawals.oldest"]), ("2", "30"))
        self.assertEqual(f["withdrawals.name"], ["3", "5"])

    def test_thresholds_are_the_query(self):
        f = probe(self.db.conninfo(), ME, "--deposit-age", 2 * 86400, "--withdrawal-blocks", 40,
                  "--dkg-window", 100, "--peer-window", 4 * 3600)
        self.assertEqual((f["deposits.stuck"], f["deposits.oldest"]), ("0", "nan"))
        self.assertNotIn("deposits.name", f)
        self.assertEqual((f["withdrawals.stuck"], f["withdrawals.oldest"]), ("0", "-1"))
        self.assertEqual((f["dkg.stuck"], f["dkg.oldest"]), ("0", "11"))
        self.assertEqual(f["peers.dialed"], "4")

    def test_outsider(self):
        f = probe(self.db.conninfo(), OUTSIDER)
        self.assertEqual(f["set.member"], "0")
        self.assertEqual(f["deposits.stuck"], "0")
        self.assertEqual(f["peers.dialed"], "4")  # our own row is someone else's peer now


class Scenarios(SignerDbCase):

    def test_key_dropped_from_the_set(self):
        db = self.healthy(harness.scenario_db(SCHEMA_V1_3_3))
        db.insert_dkg_shares(signerdb.signer_set("k", 3)[0], "verified", 3600, signer_keys=SET[1:], threshold=8)
        f = probe(db.conninfo())
        self.assertPart(f, "set", "OK")
        self.assertEqual((f["set.found"], f["set.nset"], f["set.threshold"], f["set.member"]), ("1", "14", "8", "0"))

    def test_no_verified_share_no_blocks_nothing_at_all(self):
        db = harness.scenario_db(SCHEMA_V1_3_3)
        db.insert_dkg_shares(signerdb.CURRENT_KEY, "unverified", 60, started_at_height=5)
        f = probe(db.conninfo())
        for part in PARTS:
            self.assertPart(f, part, "OK")
        self.assertEqual((f["set.found"], f["set.nset"], f["set.threshold"]), ("0", "0", "-1"))
        self.assertEqual((f["dkg.tip"], f["dkg.stuck"], f["dkg.failed"]), ("-1", "0", "0"))
        self.assertEqual((f["peers.dialed"], f["deposits.stuck"], f["withdrawals.stuck"]), ("0", "0", "0"))

    def test_many_stuck_only_five_named(self):
        db = self.healthy(harness.scenario_db(SCHEMA_V1_3_3))
        with db.batch():
            for i in range(12):
                db.insert_deposit(vout=i, created_at=86400 + i * 60, votes={ME: (True, True)})
                db.insert_withdrawal(100 + i, TIP - 20 - i)
        f = probe(db.conninfo())
        self.assertEqual((f["deposits.stuck"], f["withdrawals.stuck"], f["withdrawals.oldest"]), ("12", "12", "31"))
        self.assertEqual(len(f["deposits.name"]), 5)
        self.assertTrue(f["deposits.name"][0].endswith(":11"), f["deposits.name"])
        self.assertEqual(f["withdrawals.name"], ["111", "110", "109", "108", "107"])

    def test_v1_0_3_has_no_p2p_peers(self):
        db = self.healthy(harness.scenario_db(SCHEMA_V1_0_3))
        f = probe(db.conninfo())
        self.assertPart(f, "peers", "ERROR",
                        "sbtc_signer.p2p_peers does not exist: a signer before v1.1.0 (migration 0019__p2p_peers)")
        for part in ("alive", "set", "dkg", "deposits", "withdrawals"):
            self.assertPart(f, part, "OK")
        self.assertEqual(f["set.member"], "1")

    def test_pre0012_database(self):
        db = harness.scenario_db("pre0012")
        f = probe(db.conninfo())
        msg = ("column sbtc_signer.dkg_shares.dkg_shares_status does not exist: a signer before v1.0.0 "
               "(migration 0012__dkg_verification_extensions)")
        self.assertPart(f, "set", "ERROR", msg)
        self.assertPart(f, "dkg", "ERROR", msg)
        self.assertPart(f, "deposits", "ERROR", "sbtc_signer.deposit_requests does not exist")
        self.assertPart(f, "alive", "OK")

    def test_not_a_signer_database(self):
        db = harness.scenario_db(None)
        f = probe(db.conninfo())
        self.assertPart(f, "alive", "OK")
        for part in PARTS[1:]:
            self.assertPart(f, part, "ERROR", "schema sbtc_signer does not exist")

    def test_unreachable(self):
        f = probe("host=127.0.0.1 port=1 dbname=signer connect_timeout=3", ME, "--timeout", 5)
        self.assertEqual(f["db.ends"], "1")
        for part in PARTS:
            self.assertPart(f, part, "UNREACHABLE")


class Metrics(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-signer-db-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def metrics(self, url, state=None):
        args = ["--metrics", url]
        if state is not None:
            args += ["--state-dir", state]
        return probe("-", ME, *args)

    def test_release_families(self):
        with MetricsExporterFixture(release="v1.3") as m:
            f = self.metrics(m.url)
            self.assertEqual(f["metrics.status"], "OK", f)
            self.assertEqual(float(f["metrics.peers"]), 14)
            m.set(release="v1.0")
            f = self.metrics(m.url)
            self.assertEqual(f["metrics.status"], "OK", f)
            self.assertEqual(f["metrics.peers"], "nan")

    def test_no_signer_metrics_and_garbage(self):
        with MetricsExporterFixture(mood="no-metrics") as m:
            f = self.metrics(m.url)
            self.assertEqual(f["metrics.status"], "OK", f)
            self.assertEqual(f["metrics.sign_requests"].split()[0], "0")
            m.set(mood="garbage")
            f = self.metrics(m.url)
            self.assertEqual(f["metrics.status"], "BAD_ANSWER", f)
            self.assertIn("is not the Prometheus text format: line 1", f["metrics.msg"])
            m.set(mood="http-500")
            f = self.metrics(m.url)
            self.assertEqual(f["metrics.status"], "ERROR", f)
            self.assertIn("answered HTTP 500", f["metrics.msg"])

    def test_rates_and_restart(self):
        state = os.path.join(self.tmp, "rates")
        with MetricsExporterFixture(sign_requests={"success": 300, "failed": 10}) as m:
            first = self.metrics(m.url, state)
            self.assertEqual(first["rate.sign_requests"].split()[:2], ["0", "0"])
            time.sleep(1.1)
            m.set(sign_requests={"success": 340, "failed": 20})
            f = self.metrics(m.url, state)
            known, reset, total, failed, ratio, window = f["rate.sign_requests"].split()
            self.assertEqual((known, reset, float(total), float(failed)), ("1", "0", 50, 10))
            self.assertAlmostEqual(float(ratio), 0.2)
            self.assertGreaterEqual(float(window), 1)
            # the signer restarts: the counters begin again near zero
            m.set(mood="restart")
            f = self.metrics(m.url, state)
            known, reset, total, failed, ratio, window = f["rate.sign_requests"].split()
            self.assertEqual((known, reset), ("1", "1"))
            self.assertGreaterEqual(float(total), 0)
            self.assertTrue(0 <= float(ratio) <= 1, f)


if __name__ == "__main__":
    unittest.main()
