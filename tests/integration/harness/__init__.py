# SPDX-License-Identifier: GPL-2.0-or-later
"""Test infrastructure for the check_sbtc_* integration tests.

    import unittest
    import harness
    from harness import signerdb

    class BackupTest(unittest.TestCase):
        def test_current_key_verified(self):
            db = harness.scenario_db()                      # in the run's shared cluster
            db.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", created_at=3600)
            with harness.StacksNodeFixture(aggregate_key=signerdb.CURRENT_KEY) as node:
                r = harness.run("check_sbtc_backup",
                                ["--dbname", db.conninfo(), "--stacks-url", node.url])
            self.assertEqual(r.rc, 0, r)

Modules:
  pgcluster  PgCluster: a throwaway PostgreSQL cluster (initdb in a temp folder)
  signerdb   SignerDb: realistic rows for the signer's schema (tests/fixtures/sql)
  plugin     run(): run a binary of $SBTC_PLUGIN_DIR, parse status and perfdata
The fixture servers live in tests/fixtures (put on sys.path by this package):
  stacks_node.StacksNodeFixture
"""

import atexit
import itertools
import os
import sys
import threading

from .pgcluster import (PgCluster, PgClusterError, PsqlError, PsqlResult, REPO_ROOT,
                        SCHEMA_FILES, find_server_bindir, quote_conninfo_value)
from .plugin import (PerfValue, PluginError, PluginTimeout, Result, parse_output,
                     parse_perfdata, plugin_dir, run, under_valgrind, StateAssertions)
from . import signerdb
from .signerdb import CURRENT_KEY, PREVIOUS_KEY, SignerDb

FIXTURES_DIR = os.path.join(REPO_ROOT, "tests", "fixtures")
SQL_DIR = os.path.join(FIXTURES_DIR, "sql")
CONTRIB_SQL_DIR = os.path.join(REPO_ROOT, "contrib", "sql")
MONITORING_ROLE_SQL = os.path.join(CONTRIB_SQL_DIR, "monitoring-role.sql")
MONITOR_ROLE = "sbtc_monitor"

if FIXTURES_DIR not in sys.path:
    sys.path.insert(0, FIXTURES_DIR)

from stacks_node import StacksNodeFixture  # noqa: E402  (needs FIXTURES_DIR on sys.path)

__all__ = [
    "PgCluster", "PgClusterError", "PsqlError", "PsqlResult", "find_server_bindir",
    "quote_conninfo_value", "run", "under_valgrind", "StateAssertions", "Result", "PerfValue", "PluginError", "PluginTimeout",
    "plugin_dir", "parse_output", "parse_perfdata", "signerdb", "SignerDb", "CURRENT_KEY",
    "PREVIOUS_KEY", "StacksNodeFixture", "shared_cluster", "shutdown_shared", "scenario_db",
    "unique_name", "install_monitoring_role", "REPO_ROOT", "FIXTURES_DIR", "SQL_DIR",
    "CONTRIB_SQL_DIR", "MONITORING_ROLE_SQL", "MONITOR_ROLE", "SCHEMA_FILES", "ScenarioDb",
]

_shared_lock = threading.Lock()
_shared = {"cluster": None}
_counter = itertools.count(1)


def shared_cluster():
    """The run's one PgCluster, started on first use and stopped by
    shutdown_shared() (the runner calls it; atexit does too)."""
    with _shared_lock:
        cluster = _shared["cluster"]
        if cluster is None or not cluster.running:
            cluster = PgCluster()
            cluster.start()
            _shared["cluster"] = cluster
        return cluster


def shutdown_shared():
    """Stop the shared cluster if one was started."""
    with _shared_lock:
        cluster = _shared["cluster"]
        _shared["cluster"] = None
    if cluster is not None:
        cluster.stop()


atexit.register(shutdown_shared)


def unique_name(prefix="scenario"):
    """A database-safe name unique within this run: prefix_<n>."""
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in prefix.lower())[:40]
    return "%s_%d" % (safe or "db", next(_counter))


class ScenarioDb(SignerDb):
    """A SignerDb in the shared cluster, with connection strings for the checks."""

    def conninfo(self, user=None, password=None, **params):
        return self.cluster.conninfo(user=user, password=password, dbname=self.dbname, **params)

    def uri(self, user=None, password=None, **params):
        return self.cluster.uri(user=user, password=password, dbname=self.dbname, **params)

    def monitor_conninfo(self, password="monitor-pw", **params):
        """Install the monitoring role here (once) and return its conninfo."""
        install_monitoring_role(self.cluster, self.dbname, password)
        return self.cluster.conninfo(user=MONITOR_ROLE, password=password, dbname=self.dbname,
                                     **params)


def scenario_db(schema="0022", name=None, cluster=None):
    """Create a database with the signer schema ('0022', 'pre0012', a path, or None)
    in the shared cluster (or the given one) and return a ScenarioDb for it."""
    cluster = cluster or shared_cluster()
    dbname = cluster.create_database(name or unique_name("scenario"), schema=schema)
    return ScenarioDb(cluster, dbname)


def install_monitoring_role(cluster, dbname, password=None):
    """Apply contrib/sql/monitoring-role.sql to dbname; set the role's password
    when given (the way an operator's \\password would). Returns the role name."""
    cluster.psql(dbname=dbname, file=MONITORING_ROLE_SQL, variables={"dbname": dbname})
    if password is not None:
        cluster.psql("ALTER ROLE %s PASSWORD :'pw';" % MONITOR_ROLE, variables={"pw": password})
    return MONITOR_ROLE
