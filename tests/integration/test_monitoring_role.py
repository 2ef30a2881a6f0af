# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/sql/monitoring-role.sql on a real PostgreSQL: the role sbtc_monitor reads the
columns the checks read and nothing else (never dkg_shares.encrypted_private_shares),
cannot write, survives re-runs, works on both schema shapes (before migration 0012 and
at 0022), and every check that reads the signer's database works as that role.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import signerdb
from harness.signerdb import CURRENT_KEY

from bitcoind import BitcoindFixture

ROLE = "sbtc_monitor"
PASSWORD = "monitor pw"

# What the checks read (lib/dkg.c, plugins/check_sbtc_block_lag.c): the grants must be
# exactly these columns.
GRANTED = {
    "dkg_shares": ["aggregate_key", "created_at", "dkg_shares_status"],
    "bitcoin_blocks": ["block_hash", "block_height", "created_at"],
}


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


class RoleCase(harness.StateAssertions, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = harness.shared_cluster()
        cls.db = harness.scenario_db("0022")
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
            self.assertGreater(int(r.stdout.strip()), 0)

    def test_other_tables_are_refused(self):
        for table in ("sbtc_signer.p2p_peers", "sbtc_signer.bitcoin_tx_inputs",
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
        db = harness.scenario_db("0022")
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
        # the status column does not exist yet: granted are the two that do
        self.assertEqual(self.column_grants(db), dict(GRANTED, dkg_shares=["aggregate_key", "created_at"]))
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


if __name__ == "__main__":
    unittest.main()
