# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/sql/monitoring-role.sql on a real PostgreSQL: the role sbtc_monitor reads the
columns the checks read and nothing else (never dkg_shares.encrypted_private_shares),
cannot write, survives re-runs, works on every schema shape (before migration 0012,
v1.0.3 without p2p_peers, v1.3.3), and every check that reads the signer's database
works as that role, lib/signer_db.c's queries included (through tests/drivers/signer_db_probe).
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import signerdb
from harness.signerdb import CURRENT_KEY, SCHEMA_V1_0_3, SCHEMA_V1_3_3, signer_set

from test_signer_db import PARTS, SignerDbCase, probe

from bitcoind import BitcoindFixture

ROLE = "sbtc_monitor"
PASSWORD = "monitor pw"

# What the checks read (lib/dkg.c, plugins/check_sbtc_block_lag.c, lib/signer_db.c): the
# grants must be exactly these columns (sorted by name).
GRANTED = {
    "dkg_shares": ["aggregate_key", "created_at", "dkg_shares_status", "signature_share_threshold",
                   "signer_set_public_keys", "started_at_bitcoin_block_height"],
    "bitcoin_blocks": ["block_hash", "block_height", "created_at"],
    "p2p_peers": ["last_dialed_at", "public_key"],
    "deposit_requests": ["created_at", "output_index", "txid"],
    "deposit_signers": ["can_accept", "can_sign", "output_index", "signer_pub_key", "txid"],
    "bitcoin_tx_inputs": ["prevout_output_index", "prevout_txid", "prevout_type"],
    "withdrawal_requests": ["bitcoin_block_height", "request_id"],
    "withdrawal_accept_events": ["request_id"],
    "withdrawal_reject_events": ["request_id"],
}


def granted_in(db):
    """GRANTED as far as db's schema has those tables and columns."""
    out = {}
    for table, cols in GRANTED.items():
        have = [c for c in cols if c in db.columns(table)]
        if have:
            out[table] = have
    return out


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


class RoleCase(harness.StateAssertions, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = harness.shared_cluster()
        cls.db = harness.scenario_db(SCHEMA_V1_3_3)
        signerdb.seed_typical(cls.db)
        # twice: the script must be safe to re-run
        harness.install_monitoring_role(cls.pg, cls.db.dbname)
        harness.install_monitoring_role(cls.pg, cls.db.dbname, password=PASSWORD)

    def as_monitor(self, sql, db=None):
        return self.pg.try_psql(sql, dbname=(db or self.db).dbname, user=ROLE, password=PASSWORD)

    def monitor_conninfo(self, db=None):
        return self.pg.conninfo(user=ROLE, password=PASSWORD, dbname=(db or self.db).dbname)

    def assertRefused(self, r, what):
        self.assertNotEqual(r.returncode, 0, what)
        self.assertIn("permission denied", r.stderr, what)

    def column_grants(self, db):
        rows = db.rows("SELECT table_name, column_name FROM information_schema.column_privileges "
                       "WHERE grantee = 'sbtc_monitor' AND privilege_type = 'SELECT' ORDER BY 1, 2")
        out = {}
        for table, column in rows:
            out.setdefault(table, []).append(column)
        return out

    def table_grants(self, db):
        return db.sql("SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants "
                      "WHERE grantee = 'sbtc_monitor' ORDER BY 1").split()


class ColumnPrivileges(RoleCase):

    def test_grants_are_exactly_the_columns_the_checks_read(self):
        self.assertEqual(self.column_grants(self.db), GRANTED)
        # no table-wide privilege at all: a table grant would cover every column
        self.assertEqual(self.table_grants(self.db), [])

    def test_key_material_is_refused(self):
        for sql in ("SELECT encrypted_private_shares FROM sbtc_signer.dkg_shares",
                    "SELECT * FROM sbtc_signer.dkg_shares",
                    "SELECT d FROM sbtc_signer.dkg_shares AS d",   # a whole-row reference
                    "SELECT aggregate_key FROM sbtc_signer.dkg_shares "
                    "WHERE octet_length(encrypted_private_shares) > 0",
                    "COPY sbtc_signer.dkg_shares TO STDOUT",
                    "COPY sbtc_signer.dkg_shares (encrypted_private_shares) TO STDOUT"):
            with self.subTest(sql=sql):
                self.assertRefused(self.as_monitor(sql), sql)

    def test_every_column_not_granted_is_refused(self):
        for table, granted in GRANTED.items():
            for column in self.db.columns(table):
                if column in granted:
                    continue
                with self.subTest(column="%s.%s" % (table, column)):
                    self.assertRefused(self.as_monitor("SELECT %s FROM sbtc_signer.%s" % (column, table)),
                                       column)
            with self.subTest(table=table):
                self.assertRefused(self.as_monitor("SELECT * FROM sbtc_signer.%s" % table), table)

    def test_granted_columns_and_count_are_readable(self):
        r = self.as_monitor("SELECT encode(aggregate_key, 'hex') FROM sbtc_signer.dkg_shares "
                            "WHERE dkg_shares_status = 'verified' ORDER BY created_at DESC")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split()[0], CURRENT_KEY)
        r = self.as_monitor("SELECT block_height, encode(block_hash, 'hex'), created_at "
                            "FROM sbtc_signer.bitcoin_blocks ORDER BY block_height DESC LIMIT 1")
        self.assertEqual(r.returncode, 0, r.stderr)
        # count(*) reads no column: a privilege on any column of the table allows it
        for table in GRANTED:
            r = self.as_monitor("SELECT count(*) FROM sbtc_signer.%s" % table)
            self.assertEqual(r.returncode, 0, r.stderr)
            if table in ("dkg_shares", "bitcoin_blocks"):  # the ones seed_typical fills
                self.assertGreater(int(r.stdout.strip()), 0)

    def test_other_tables_are_refused(self):
        for table in ("sbtc_signer.withdrawal_signers",
                      "sbtc_signer.bitcoin_tx_outputs", "sbtc_signer.stacks_blocks",
                      "sbtc_signer.rotate_keys_transactions",
                      "public.__sbtc_migrations"):
            with self.subTest(table=table):
                self.assertRefused(self.as_monitor("SELECT count(*) FROM %s" % table), table)

    def test_cannot_write(self):
        r = self.as_monitor("SHOW default_transaction_read_only")
        self.assertEqual(r.stdout.strip(), "on")
        r = self.as_monitor("UPDATE sbtc_signer.dkg_shares SET created_at = now()")
        self.assertNotEqual(r.returncode, 0)
        # even in an explicit read-write transaction, the privilege is missing
        for sql in ("INSERT INTO public.__sbtc_migrations (key) VALUES ('x')",
                    "DELETE FROM sbtc_signer.dkg_shares",
                    "UPDATE sbtc_signer.dkg_shares SET dkg_shares_status = 'verified'",
                    "UPDATE sbtc_signer.bitcoin_blocks SET is_canonical = false",
                    "TRUNCATE sbtc_signer.stacks_blocks",
                    "CREATE TABLE sbtc_signer.evil (a int)"):
            with self.subTest(sql=sql):
                self.assertRefused(self.as_monitor("BEGIN READ WRITE; %s; COMMIT;" % sql), sql)

    def test_role_attributes(self):
        row = self.pg.query_rows("SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit, "
                                 "rolreplication, rolbypassrls, rolcanlogin FROM pg_roles "
                                 "WHERE rolname = 'sbtc_monitor'")
        self.assertEqual(row, [["f", "f", "f", "f", "f", "f", "t"]])

    def test_rerun_removes_extra_grants(self):
        db = harness.scenario_db(SCHEMA_V1_3_3)
        harness.install_monitoring_role(self.pg, db.dbname)
        db.sql("GRANT SELECT, INSERT ON sbtc_signer.p2p_peers TO sbtc_monitor; "
               "GRANT SELECT ON sbtc_signer.dkg_shares TO sbtc_monitor; "
               "GRANT SELECT (encrypted_private_shares) ON sbtc_signer.dkg_shares TO sbtc_monitor;")
        harness.install_monitoring_role(self.pg, db.dbname)
        self.assertEqual(self.table_grants(db), [])
        self.assertEqual(self.column_grants(db), GRANTED)

    def test_pre0012_database(self):
        db = harness.scenario_db("pre0012")
        db.insert_dkg_shares(CURRENT_KEY, None, created_at=86400)
        harness.install_monitoring_role(self.pg, db.dbname, password=PASSWORD)
        # the 0012 columns do not exist yet: granted are those that do
        expected = granted_in(db)
        self.assertEqual(expected["dkg_shares"], ["aggregate_key", "created_at", "signature_share_threshold",
                                                  "signer_set_public_keys"])
        self.assertEqual(self.column_grants(db), expected)
        r = self.as_monitor("SELECT encode(aggregate_key, 'hex') FROM sbtc_signer.dkg_shares", db)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, CURRENT_KEY), r.stderr)
        self.assertRefused(self.as_monitor("SELECT encrypted_private_shares FROM sbtc_signer.dkg_shares", db),
                           "pre0012")
        self.assertRefused(self.as_monitor("SELECT * FROM sbtc_signer.dkg_shares", db), "pre0012")


class ChecksAsMonitor(RoleCase):
    """Every check that reads the signer's database, connected as sbtc_monitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-role-test-")
        cls.node = harness.StacksNodeFixture(aggregate_key=CURRENT_KEY).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_aggregate_key(self):
        r = harness.run("check_sbtc_aggregate_key", ["-u", self.node.url, "-d", self.monitor_conninfo()])
        self.assertState(r, 0, short(CURRENT_KEY), prefix="SBTC AGGREGATE_KEY ")

    def test_aggregate_key_pre0012(self):
        db = harness.scenario_db("pre0012")
        db.insert_dkg_shares(CURRENT_KEY, None, created_at=86400)
        harness.install_monitoring_role(self.pg, db.dbname, password=PASSWORD)
        r = harness.run("check_sbtc_aggregate_key", ["-u", self.node.url, "-d", self.monitor_conninfo(db)])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("predates migration 0012", r.first_line, r)
        self.assertNotIn("permission denied", r.stdout, r)

    def test_backup_verify_key_against_live_database(self):
        path = os.path.join(self.tmp, "signer.sql")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGPASSWORD"] = self.pg.password
        with open(path, "wb") as f:
            subprocess.run([os.path.join(self.pg.bindir, "pg_dump"), "-d",
                            self.pg.conninfo(dbname=self.db.dbname, password=False), "-F", "p"],
                           env=env, check=True, stdout=f, timeout=60)
        r = harness.run("check_sbtc_backup", ["--path", path, "--verify-key", "-d", self.monitor_conninfo()])
        self.assertEqual(r.rc, 0, r)
        self.assertIn("is the newest verified share in the backup", r.first_line, r)

    def test_block_lag_signer_database(self):
        with BitcoindFixture(cookie_dir=self.tmp) as btc:
            btc.set(blocks=self.db.bitcoin_tip()[1])
            r = harness.run("check_sbtc_block_lag", ["--bitcoin-url", btc.url, "--bitcoin-cookie",
                                                     btc.cookie_file, "-d", self.monitor_conninfo()])
        self.assertIn("signer_bitcoin_height", r.perfdata, r)
        self.assertNotIn("permission denied", r.stdout, r)
        self.assertState(r, 0, prefix="SBTC BLOCK_LAG ")


class SignerAsMonitor(RoleCase, SignerDbCase):
    """lib/signer_db.c's every statement as sbtc_monitor: each part OK, the signer's
    session seen without pg_read_all_stats, and a missing grant named."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        me = signer_set()[0]
        cls.me = me.hex()
        with cls.db.batch():
            for k in signer_set()[1:3]:
                cls.db.insert_p2p_peer(k, 60)
            dep = cls.db.insert_deposit(vout=1, created_at=86400, votes={cls.me: (True, True)})
            cls.db.insert_sweep([cls.db.insert_deposit(vout=2, created_at=86400, votes={cls.me: (True, True)})])
            cls.db.insert_withdrawal(7, 880_000 - 50)
            cls.db.insert_withdrawal(8, 880_000 - 50)
            cls.db.reject_withdrawal(8)
        cls.stuck = signerdb.txid_for(*dep)

    def test_every_part_as_monitor(self):
        with self.db.signer_session():
            f = probe(self.monitor_conninfo(), self.me)
        for part in PARTS:
            self.assertPart(f, part, "OK")
        self.assertEqual(f["alive.sessions"], "1")
        self.assertEqual(f["peers.dialed"], "2")
        self.assertEqual(f["deposits.name"], [self.stuck])
        self.assertEqual(f["withdrawals.name"], ["7"])
        # seed_typical's shares carry the default set of 15, this signer first
        self.assertEqual((f["set.found"], f["set.nset"], f["set.member"]), ("1", "15", "1"))

    def test_no_statistics_role(self):
        # the session count needs neither pg_read_all_stats nor pg_monitor
        r = self.as_monitor("SELECT pg_has_role('pg_read_all_stats', 'MEMBER'), pg_has_role('pg_monitor', 'MEMBER')")
        self.assertEqual(r.stdout.strip(), "f|f", r.stderr)
        with self.db.signer_session():
            r = self.as_monitor("SELECT query FROM pg_stat_activity WHERE application_name = 'sbtc-signer'")
        self.assertEqual(r.stdout.strip(), "<insufficient privilege>", r.stderr)

    def test_missing_grant_is_named(self):
        db = harness.scenario_db(SCHEMA_V1_3_3)
        harness.install_monitoring_role(self.pg, db.dbname, password=PASSWORD)
        db.sql("REVOKE SELECT (last_dialed_at) ON sbtc_signer.p2p_peers FROM sbtc_monitor; "
               "REVOKE SELECT (can_sign, can_accept) ON sbtc_signer.deposit_signers FROM sbtc_monitor;")
        f = probe(self.monitor_conninfo(db), self.me)
        self.assertPart(f, "peers", "ERROR", "role sbtc_monitor may not read sbtc_signer.p2p_peers: "
                        "GRANT SELECT (last_dialed_at) ON sbtc_signer.p2p_peers TO sbtc_monitor")
        self.assertPart(f, "deposits", "ERROR", "GRANT SELECT (can_accept, can_sign) ON sbtc_signer.deposit_signers")
        for part in ("alive", "set", "dkg", "withdrawals"):
            self.assertPart(f, part, "OK")

    def test_v1_0_3_as_monitor(self):
        db = harness.scenario_db(SCHEMA_V1_0_3)
        harness.install_monitoring_role(self.pg, db.dbname, password=PASSWORD)
        self.assertNotIn("p2p_peers", self.column_grants(db))
        f = probe(self.monitor_conninfo(db), self.me)
        self.assertPart(f, "peers", "ERROR", "a signer before v1.1.0 (migration 0019__p2p_peers)")
        for part in ("alive", "set", "dkg", "deposits", "withdrawals"):
            self.assertPart(f, part, "OK")


if __name__ == "__main__":
    unittest.main()
