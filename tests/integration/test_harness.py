# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of the test infrastructure itself: the PostgreSQL cluster, the signer
schema and seed data, the fixture Stacks node, the plugin
runner and the test runner."""

import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import urllib.error
import urllib.request

import harness
import harness.daemon
from harness import signerdb
from harness.signerdb import CURRENT_KEY, PREVIOUS_KEY

import stacks_node

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
REGISTRY_ADDR = "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4"
KEY_PATH = "/v2/contracts/call-read/%s/sbtc-registry/get-current-aggregate-pubkey" % REGISTRY_ADDR
VAR_PATH = "/v2/data_var/%s/sbtc-registry/current-aggregate-pubkey?proof=0" % REGISTRY_ADDR
CALL_BODY = json.dumps({"sender": REGISTRY_ADDR, "arguments": []}).encode()

SCHEMA_TABLES = ("sbtc_signer.dkg_shares", "sbtc_signer.bitcoin_blocks",
                         "sbtc_signer.stacks_blocks", "sbtc_signer.rotate_keys_transactions",
                         "public.__sbtc_migrations")


# ------------------------------------------------------------------------- PostgreSQL

class ClusterTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = harness.shared_cluster()

    def test_cluster_is_on_loopback_with_socket_in_temp_dir(self):
        pg = self.pg
        self.assertEqual(pg.host, "127.0.0.1")
        self.assertEqual(pg.query_value("SHOW listen_addresses"), "127.0.0.1")
        self.assertEqual(pg.query_value("SHOW fsync"), "off")
        self.assertTrue(pg.socket_dir.startswith(pg.base_dir))
        self.assertTrue(os.path.exists(os.path.join(pg.socket_dir, ".s.PGSQL.%d" % pg.port)))
        self.assertIn("database system is ready", pg.read_log())

    def test_schema_0022(self):
        db = harness.scenario_db("0022")
        tables = set(db.sql("SELECT table_schema || '.' || table_name FROM "
                            "information_schema.tables WHERE table_schema IN "
                            "('sbtc_signer', 'public')").split())
        for t in SCHEMA_TABLES:
            self.assertIn(t, tables)
        self.assertEqual(db.sql("SELECT enum_range(NULL::sbtc_signer.dkg_shares_status)").strip(),
                         "{unverified,verified,failed}")
        cols = db.columns("dkg_shares")
        for c in ("aggregate_key", "tweaked_aggregate_key", "encrypted_private_shares",
                  "public_shares", "script_pubkey", "signer_set_public_keys",
                  "signature_share_threshold", "created_at", "dkg_shares_status",
                  "started_at_bitcoin_block_hash", "started_at_bitcoin_block_height"):
            self.assertIn(c, cols)
        types = dict(db.rows("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema='sbtc_signer' AND table_name='bitcoin_blocks'"))
        self.assertEqual(types, {"block_hash": "bytea", "block_height": "bigint",
                                 "parent_hash": "bytea",
                                 "created_at": "timestamp with time zone",
                                 "is_canonical": "boolean"})
        self.assertIn("block_hash", db.columns("rotate_keys_transactions"))
        migrations = db.migrations()
        self.assertEqual(tuple(migrations), signerdb.MIGRATIONS_0022)
        self.assertIn("0012__dkg_verification_extensions.sql", migrations)
        self.assertEqual(migrations[-1], "0022__add_is_canonical_to_bitcoin_blocks.sql")
        # the real file names (stacks-sbtc/sbtc signer/migrations/): 0001 and 0003 to 0022
        self.assertEqual([m[:4] for m in migrations], ["0001"] + ["%04d" % n for n in range(3, 23)])
        # 0016__modify_rotate_keys_transactions_table.sql: primary key (txid, block_hash)
        self.assertEqual(db.sql("SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c, "
                                "unnest(c.conkey) WITH ORDINALITY AS k(attnum, n), pg_attribute a "
                                "WHERE c.conrelid = 'sbtc_signer.rotate_keys_transactions'::regclass "
                                "AND c.contype = 'p' AND a.attrelid = c.conrelid "
                                "AND a.attnum = k.attnum").strip(), "txid,block_hash")
        # 0017__remove_stacks_transactions_table.sql: the transaction_type enum is gone
        self.assertEqual(db.value("SELECT to_regtype('sbtc_signer.transaction_type') IS NULL"), "t")
        self.assertNotIn("sbtc_signer.transactions", tables)

    def test_schema_pre0012(self):
        db = harness.scenario_db("pre0012")
        self.assertFalse(db.has_dkg_status)
        self.assertNotIn("started_at_bitcoin_block_height", db.columns("dkg_shares"))
        self.assertNotIn("is_canonical", db.columns("bitcoin_blocks"))
        self.assertEqual(db.value("SELECT to_regtype('sbtc_signer.dkg_shares_status') IS NULL"), "t")
        self.assertTrue(all(m < "0012" for m in db.migrations()))
        self.assertEqual(tuple(db.migrations()), signerdb.MIGRATIONS_PRE0012)
        # tag 0.0.9-rc6: 0001 and 0003 to 0011, no 0002
        self.assertEqual([m[:4] for m in db.migrations()], ["0001"] + ["%04d" % n for n in range(3, 12)])

    def test_database_creation_is_cheap(self):
        harness.scenario_db("0022")  # the template exists after this
        start = time.monotonic()
        for _ in range(3):
            harness.scenario_db("0022")
        self.assertLess(time.monotonic() - start, 3.0)

    def test_wrong_password_fails(self):
        pg = self.pg
        bad = pg.try_psql("SELECT 1", password="not-the-password")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("password authentication failed", bad.stderr)
        good = pg.try_psql("SELECT current_user", password=pg.password)
        self.assertEqual(good.returncode, 0, good)
        self.assertEqual(good.stdout.strip(), pg.superuser)

    def test_psql_error_is_raised_with_stderr(self):
        with self.assertRaises(harness.PsqlError) as cm:
            self.pg.psql("SELECT * FROM no_such_table")
        self.assertIn("no_such_table", str(cm.exception))
        self.assertEqual(cm.exception.returncode, 3)

    def test_conninfo_and_uri_quote_values(self):
        pg = self.pg
        password = "it's a \\ p@ss word"
        role = pg.create_role(harness.unique_name("quoting"), password=password)
        info = pg.conninfo(user=role, password=password, application_name="x y")
        self.assertIn("password='it\\'s a \\\\ p@ss word'", info)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for target in (info, pg.uri(user=role, password=password)):
            r = subprocess.run([pg.psql_path, "-X", "-At", "-d", target, "-c",
                                "SELECT current_user"], capture_output=True, text=True, env=env,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), role)


# The monitoring role (contrib/sql/monitoring-role.sql) is tested in test_monitoring_role.py.


class SignerDbTest(unittest.TestCase):

    def test_dkg_shares_rows_are_realistic(self):
        db = harness.scenario_db()
        db.insert_dkg_shares(CURRENT_KEY, "verified", created_at=3600)
        row = db.rows(
            "SELECT encode(aggregate_key,'hex'), encode(tweaked_aggregate_key,'hex'), "
            "encode(script_pubkey,'hex'), array_length(signer_set_public_keys, 1), "
            "(SELECT bool_and(octet_length(k) = 33 AND get_byte(k, 0) IN (2, 3)) "
            "   FROM unnest(signer_set_public_keys) AS k), "
            "signature_share_threshold, dkg_shares_status, "
            "round(extract(epoch FROM now() - created_at)), octet_length(encrypted_private_shares) > 0, "
            "octet_length(public_shares) > 0, octet_length(started_at_bitcoin_block_hash) "
            "FROM sbtc_signer.dkg_shares")[0]
        key, tweaked, spk, nkeys, keys_ok, threshold, status, age, enc, pub, hlen = row
        self.assertEqual(key, CURRENT_KEY)
        self.assertEqual(len(bytes.fromhex(tweaked)), 33)
        self.assertEqual(spk, "5120" + tweaked[2:])
        self.assertEqual(spk, signerdb.script_pubkey_for(CURRENT_KEY).hex())
        self.assertEqual((nkeys, keys_ok, threshold, status), ("15", "t", "10", "verified"))
        self.assertAlmostEqual(float(age), 3600, delta=5)
        self.assertEqual((enc, pub, hlen), ("t", "t", "32"))

    def test_created_at_forms(self):
        db = harness.scenario_db()
        absolute = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
        db.insert_dkg_shares(PREVIOUS_KEY, "failed", created_at=absolute)
        db.insert_dkg_shares("02" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                             "unverified", created_at="90 seconds ago")
        rows = dict(db.rows("SELECT dkg_shares_status, extract(epoch FROM created_at)::bigint "
                            "FROM sbtc_signer.dkg_shares"))
        self.assertEqual(int(rows["failed"]), int(absolute.timestamp()))
        self.assertAlmostEqual(int(rows["unverified"]), time.time() - 90, delta=5)

    def test_backup_query_returns_newest_verified_first(self):
        db = harness.scenario_db()
        db.insert_dkg_shares(PREVIOUS_KEY, "verified", created_at=30 * 86400)
        db.insert_dkg_shares(CURRENT_KEY, "verified", created_at=86400)
        self.assertEqual(db.backup_query_keys(), [CURRENT_KEY, PREVIOUS_KEY])
        db.set_dkg_status(CURRENT_KEY, "failed")
        self.assertEqual(db.backup_query_keys(), [PREVIOUS_KEY])

    def test_bitcoin_chain(self):
        db = harness.scenario_db()
        blocks = db.insert_bitcoin_chain(tip_height=880_010, length=5, tip_age=30)
        self.assertEqual([b.height for b in blocks], list(range(880_006, 880_011)))
        for parent, child in zip(blocks, blocks[1:]):
            self.assertEqual(child.parent, parent.hash)
        tip_display, tip_height = db.bitcoin_tip()
        self.assertEqual(tip_height, 880_010)
        self.assertTrue(tip_display.startswith("00000000"))
        self.assertEqual(tip_display, blocks[-1].display)
        age = float(db.value("SELECT extract(epoch FROM now() - max(created_at)) "
                             "FROM sbtc_signer.bitcoin_blocks"))
        self.assertAlmostEqual(age, 30, delta=5)
        self.assertEqual(db.value("SELECT count(*) FROM sbtc_signer.bitcoin_blocks "
                                  "WHERE is_canonical"), "5")
        # a fork off the second block
        fork = db.insert_bitcoin_chain(tip_height=880_008, length=1, seed="fork",
                                       parent_hash=blocks[1].hash, canonical=False)
        self.assertEqual(fork[0].parent, blocks[1].hash)
        # DKG started at the block stored last before the shares: halfway between
        # 880007 (stored 1830 s ago) and 880008 (1230 s ago), so that the seconds
        # between the two inserts on a busy machine cannot move it
        db.insert_dkg_shares(CURRENT_KEY, "unverified", created_at=30 + 600 * 2 + 300)
        self.assertEqual(db.value("SELECT started_at_bitcoin_block_height "
                                  "FROM sbtc_signer.dkg_shares"), "880007")

    def test_pre0012_rows_and_rotations(self):
        db = harness.scenario_db("pre0012")
        db.insert_dkg_shares(CURRENT_KEY, "verified", created_at=60)
        db.insert_rotate_keys(CURRENT_KEY, created_at=30)
        self.assertEqual(db.value("SELECT count(*) FROM sbtc_signer.dkg_shares"), "1")
        self.assertEqual(db.value("SELECT tx_type FROM sbtc_signer.transactions"), "rotate_keys")

    def test_typical_seed(self):
        db = harness.scenario_db()
        seeded = signerdb.seed_typical(db)
        self.assertEqual(db.backup_query_keys()[0], CURRENT_KEY)
        self.assertEqual(db.value("SELECT count(*) FROM sbtc_signer.rotate_keys_transactions"), "2")
        self.assertEqual(db.value("SELECT count(*) FROM sbtc_signer.stacks_blocks"), "40")
        self.assertEqual(len(seeded["bitcoin"]), 20)


# ------------------------------------------------------------------------- Stacks node

def _request(node, method, path, body=None, headers=None, timeout=5):
    """(status, content type, body) of one request, through urllib."""
    if isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(node.url + path, data=body, headers=headers or {},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers.get("Content-Type"), e.read()
    except urllib.error.URLError as e:
        if isinstance(e.reason, OSError):
            raise e.reason
        raise


def _call_key(node, **kw):
    return _request(node, "POST", KEY_PATH, CALL_BODY, {"Content-Type": "application/json"}, **kw)


class StacksNodeTest(unittest.TestCase):

    def setUp(self):
        self.node = stacks_node.StacksNodeFixture(aggregate_key=CURRENT_KEY).start()
        self.addCleanup(self.node.stop)

    def result_of(self, mood):
        self.node.set(mood=mood)
        status, ctype, body = _call_key(self.node)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_value_moods(self):
        buf = "0200000021" + CURRENT_KEY
        expected = {
            "ok": "0x" + buf,
            "ok-wrapped": "0x07" + buf,
            "some-wrapped": "0x0a" + buf,
            "no-key": "0x020000000100",
            "not-hex": "0xzz",
            "wrong-type": "0x0100000000000000000000000000000001",
            "short-buffer": "0x0200000020" + CURRENT_KEY[2:],
        }
        for mood, value in expected.items():
            self.assertEqual(self.result_of(mood), {"okay": True, "result": value}, mood)
        self.assertEqual(self.result_of("missing-result"), {"okay": True})
        doc = self.result_of("okay-false")
        self.assertEqual(doc["okay"], False)
        self.assertIn("NoSuchContract", doc["cause"])
        self.node.set(mood="okay-false", cause="Runtime(ArithmeticUnderflow)")
        self.assertEqual(self.result_of("okay-false")["cause"], "Runtime(ArithmeticUnderflow)")

    def test_urllib_ok(self):
        req = urllib.request.Request(self.node.url + KEY_PATH, data=CALL_BODY,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.headers["X-Canonical-Stacks-Tip-Height"], "1832097")
            self.assertEqual(json.load(resp)["result"], "0x0200000021" + CURRENT_KEY)

    def test_http_error_moods(self):
        for mood, status, text in (("http-500", 500, "Failed to load"),
                                   ("http-404", 404, "Chain tip not found"),
                                   ("http-400", 400, "Execution resource budget exceeded"),
                                   ("http-408", 408, "ExecutionTime expired")):
            self.node.set(mood=mood)
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(urllib.request.Request(
                    self.node.url + KEY_PATH, data=CALL_BODY,
                    headers={"Content-Type": "application/json"}), timeout=5)
            self.assertEqual(cm.exception.code, status)
            self.assertEqual(cm.exception.headers.get_content_type(), "text/plain")
            self.assertIn(text, cm.exception.read().decode())

    def test_garbage(self):
        self.node.set(mood="garbage")
        status, ctype, body = _call_key(self.node)
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, body)
        self.assertIn(b"|", body)
        self.assertIn(b"\x1b", body)

    def test_node_validation(self):
        node = self.node
        status, _, body = _request(node, "POST", KEY_PATH, CALL_BODY, {"Content-Type": "text/plain"})
        self.assertEqual((status, body),
                         (400, b"Failed to decode: Invalid content-type: expected application/json"))
        status, _, body = _request(node, "POST", KEY_PATH, b"", {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        for doc, why in (({"arguments": []}, b"Failed to parse JSON body"),
                         ({"sender": "SP000000000000000000002Q6VF79", "arguments": []},
                          b"Failed to parse sender principal"),
                         ({"sender": REGISTRY_ADDR, "arguments": ["zz"]},
                          b"Failed to deserialize argument value")):
            status, _, body = _request(node, "POST", KEY_PATH, json.dumps(doc),
                                       {"Content-Type": "application/json"})
            self.assertEqual((status, body), (400, b"Failed to decode: " + why))
        status, _, body = _request(node, "POST", KEY_PATH.replace("sbtc-registry", "sbtc-token"),
                                   CALL_BODY, {"Content-Type": "application/json"})
        self.assertEqual(json.loads(body), {"okay": False, "cause":
                         'Unchecked(NoSuchContract("%s.sbtc-token"))' % REGISTRY_ADDR})
        status, _, body = _request(node, "POST", KEY_PATH.replace("get-current", "get-curent"),
                                   CALL_BODY, {"Content-Type": "application/json"})
        self.assertEqual(json.loads(body)["cause"],
                         'Unchecked(UndefinedFunction("get-curent-aggregate-pubkey"))')
        self.assertEqual(_request(node, "GET", "/v2/nothing")[0], 404)
        self.assertEqual(_request(node, "GET", KEY_PATH)[0], 405)
        # a contract principal is a valid sender
        doc = {"sender": REGISTRY_ADDR + ".sbtc-registry", "arguments": []}
        status, _, body = _request(node, "POST", KEY_PATH, json.dumps(doc),
                                   {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200, body)

    def test_request_log(self):
        _call_key(self.node)
        log = self.node.wait_for_requests(1)
        self.assertEqual(log[-1]["method"], "POST")
        self.assertEqual(log[-1]["path"], KEY_PATH)
        self.assertEqual(log[-1]["headers"]["content-type"], "application/json")
        self.assertEqual(log[-1]["json"]["sender"], REGISTRY_ADDR)
        self.assertEqual(log[-1]["body"], CALL_BODY)
        self.node.clear_requests()
        self.assertEqual(self.node.requests, [])

    def test_data_var(self):
        status, ctype, body = _request(self.node, "GET", VAR_PATH)
        self.assertEqual((status, json.loads(body)), (200, {"data": "0x0200000021" + CURRENT_KEY}))
        status, ctype, body = _request(self.node, "GET", VAR_PATH.replace("?proof=0", ""))
        self.assertIn("proof", json.loads(body))
        self.node.set(mood="no-key")
        self.assertEqual(json.loads(_request(self.node, "GET", VAR_PATH)[2]),
                         {"data": "0x020000000100"})
        status, ctype, body = _request(self.node, "GET", VAR_PATH.replace("current-agg", "old-agg"))
        self.assertEqual((status, ctype, body), (404, "text/plain", b"Data var not found"))

    def test_info_and_health(self):
        self.node.set(stacks_tip_height=2_000_000, burn_block_height=900_000,
                      network_id=0x80000000, server_version="stacks-node 3.2.0.0.1 (x)",
                      peer_lag=7)
        info = json.loads(_request(self.node, "GET", "/v2/info")[2])
        self.assertEqual((info["stacks_tip_height"], info["burn_block_height"], info["network_id"],
                          info["server_version"]),
                         (2_000_000, 900_000, 0x80000000, "stacks-node 3.2.0.0.1 (x)"))
        self.assertIn("pox_consensus", info)
        health = json.loads(_request(self.node, "GET", "/v3/health")[2])
        self.assertEqual(health["difference_from_max_peer"], 7)
        self.assertEqual(health["node_stacks_tip_height"], 2_000_000)
        self.node.set(health_mood="http-500")
        status, ctype, body = _request(self.node, "GET", "/v3/health")
        self.assertEqual((status, ctype), (500, "application/json"))
        self.assertIn("error", json.loads(body))
        # contract moods do not leak into /v2/info
        self.node.set(mood="http-500")
        self.assertEqual(_request(self.node, "GET", "/v2/info")[0], 200)

    def test_huge_is_streamed_valid_json(self):
        self.node.set(mood="huge")
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=5)
        conn.request("POST", KEY_PATH, CALL_BODY, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(int(resp.getheader("Content-Length")), 50 * 1024 * 1024)
        head = resp.read(4096)
        self.assertTrue(head.startswith(b'{"okay":true,"result":"0x0200000021'))
        conn.close()  # the client's cap stops it; the server must cope
        self.node.set(mood="huge", huge_bytes=200_000)
        status, _, body = _call_key(self.node)
        self.assertEqual(len(body), 200_000)
        self.assertEqual(json.loads(body)["result"], "0x0200000021" + CURRENT_KEY)

    def test_stall_times_out_client_and_does_not_block_stop(self):
        self.node.set(mood="stall")  # default 60 s
        start = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError)):
            _call_key(self.node, timeout=0.2)
        self.assertLess(time.monotonic() - start, 2)
        # a short stall then answers normally
        self.node.set(mood="stall", stall_seconds=0.2)
        self.assertEqual(json.loads(_call_key(self.node)[2])["okay"], True)
        # a stalled connection in progress while stopping
        self.node.set(stall_seconds=60)
        sock = socket.create_connection(("127.0.0.1", self.node.port))
        sock.sendall(b"GET /v2/info HTTP/1.1\r\nHost: x\r\n\r\n")
        self.node.set(info_mood="stall")
        sock2 = socket.create_connection(("127.0.0.1", self.node.port))
        sock2.sendall(b"GET /v2/info HTTP/1.1\r\nHost: x\r\n\r\n")
        self.node.wait_for_requests(4)
        start = time.monotonic()
        self.node.stop()
        self.assertLess(time.monotonic() - start, 2)
        sock2.settimeout(2)
        self.assertEqual(sock2.recv(100), b"")
        sock.close()
        sock2.close()

    def test_reset(self):
        self.node.set(mood="reset")
        with self.assertRaises(ConnectionResetError):
            _call_key(self.node)

    def test_slow_headers(self):
        self.node.set(mood="slow-headers", stall_seconds=60)
        sock = socket.create_connection(("127.0.0.1", self.node.port))
        self.addCleanup(sock.close)
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (KEY_PATH.encode(), len(CALL_BODY), CALL_BODY))
        sock.settimeout(2)
        self.assertEqual(sock.recv(100), b"HTTP/1.1 200 OK\r\n")
        sock.settimeout(0.2)
        with self.assertRaises((socket.timeout, TimeoutError)):
            sock.recv(100)

    def test_unknown_mood_is_refused(self):
        with self.assertRaises(ValueError):
            self.node.set(mood="grumpy")

    def test_standalone(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        port_file = os.path.join(tmp, "port")
        script = os.path.join(harness.FIXTURES_DIR, "stacks_node.py")
        proc = subprocess.Popen([PYTHON, script, "--port", "0", "--port-file", port_file,
                                 "--aggregate-key", PREVIOUS_KEY, "--mood", "ok"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        line = proc.stdout.readline().strip()
        with open(port_file) as f:
            port = int(f.read())
        self.assertEqual(line, "listening on http://127.0.0.1:%d" % port)
        url = "http://127.0.0.1:%d" % port
        req = urllib.request.Request(url + KEY_PATH, data=CALL_BODY,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            self.assertEqual(json.load(resp)["result"], "0x0200000021" + PREVIOUS_KEY)
        # runtime control
        req = urllib.request.Request(url + "/_fixture/config", data=b'{"mood": "no-key"}',
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        with urllib.request.urlopen(urllib.request.Request(
                url + KEY_PATH, data=CALL_BODY, headers={"Content-Type": "application/json"}),
                timeout=5) as resp:
            self.assertEqual(json.load(resp)["result"], "0x020000000100")
        proc.terminate()
        self.assertEqual(proc.wait(5), 0)


# ------------------------------------------------------------------------- runners

FAKE_PLUGIN = textwrap.dedent("""\
    #!%s
    import sys, time
    if "--sleep" in sys.argv:
        time.sleep(30)
    print("SBTC FAKE WARNING - key age 90s | 'age'=90s;60;120;0; count=3;;;0;10")
    print("  WARNING: age 90s > 60s")
    print("  OK: 3 keys | 'odd label''s'=1.5B;@1:2;~:3 unknown=U")
    print("'late'=-2.5;;")
    sys.stderr.write("diagnostics\\n")
    sys.exit(1)
    """) % PYTHON


class PluginRunnerTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        path = os.path.join(self.dir, "check_sbtc_fake")
        with open(path, "w") as f:
            f.write(FAKE_PLUGIN)
        os.chmod(path, 0o755)
        old = os.environ.get("SBTC_PLUGIN_DIR")
        os.environ["SBTC_PLUGIN_DIR"] = self.dir
        self.addCleanup(lambda: os.environ.__setitem__("SBTC_PLUGIN_DIR", old) if old is not None
                        else os.environ.pop("SBTC_PLUGIN_DIR", None))

    def test_run_and_parse(self):
        r = harness.run("check_sbtc_fake", ["-v"])
        self.assertEqual(r.rc, 1)
        self.assertEqual(r.state, "WARNING")
        self.assertEqual(r.first_line, "SBTC FAKE WARNING - key age 90s | 'age'=90s;60;120;0; "
                                       "count=3;;;0;10")
        self.assertEqual(r.text, "SBTC FAKE WARNING - key age 90s")
        self.assertEqual(r.long_text, ["  WARNING: age 90s > 60s", "  OK: 3 keys"])
        self.assertEqual(r.stderr, "diagnostics\n")
        self.assertEqual(r.perfdata_errors, [])
        self.assertEqual(tuple(r.perfdata["age"]), (90.0, "s", 60.0, 120.0, 0.0, None))
        self.assertEqual(tuple(r.perfdata["count"]), (3.0, "", None, None, 0.0, 10.0))
        odd = r.perfdata["odd label's"]
        self.assertEqual(tuple(odd), (1.5, "B", "@1:2", "~:3", None, None))
        self.assertEqual(odd.raw["warn"], "@1:2")
        self.assertIsNone(r.perfdata["unknown"].value)
        self.assertEqual(r.perfdata["late"].value, -2.5)
        self.assertEqual([p.label for p in r.perfdata_list],
                         ["age", "count", "odd label's", "unknown", "late"])
        self.assertGreater(r.elapsed, 0)

    def test_perfdata_errors_are_collected(self):
        items, errors = harness.parse_perfdata("a=1 b 'c=2 d=x;1")
        self.assertEqual([i.label for i in items], ["a"])
        self.assertEqual(len(errors), 2)
        items, errors = harness.parse_perfdata("e=1e-07s")
        self.assertEqual(items[0].value, 1e-07)  # parsed, the exponent is for a test to reject
        self.assertEqual(items[0].raw["value"], "1e-07s")

    def test_timeout_kills_the_plugin(self):
        start = time.monotonic()
        with self.assertRaises(harness.PluginTimeout) as cm:
            harness.run("check_sbtc_fake", ["--sleep"], timeout=0.3)
        self.assertLess(time.monotonic() - start, 5)
        self.assertGreaterEqual(cm.exception.elapsed, 0.3)

    def test_missing_plugin_dir_is_a_clear_error(self):
        os.environ.pop("SBTC_PLUGIN_DIR", None)
        with self.assertRaises(harness.PluginError) as cm:
            harness.run("check_sbtc_fake")
        self.assertIn("SBTC_PLUGIN_DIR", str(cm.exception))
        os.environ["SBTC_PLUGIN_DIR"] = "plugins"
        with self.assertRaises(harness.PluginError) as cm:
            harness.run("check_sbtc_fake")
        self.assertIn("absolute", str(cm.exception))
        os.environ["SBTC_PLUGIN_DIR"] = self.dir
        with self.assertRaises(harness.PluginError) as cm:
            harness.run("check_sbtc_missing")
        self.assertIn("not found", str(cm.exception))


SAMPLE_TESTS = textwrap.dedent("""\
    import unittest

    class Sample(unittest.TestCase):
        def test_a_passes(self):
            pass

        def test_b_fails(self):
            print("noise from the test")
            self.assertEqual(1, 2)

        def test_c_errors(self):
            raise RuntimeError("boom")

        @unittest.skip("no bitcoind here")
        def test_d_skipped(self):
            pass
    """)


class TestRunnerTest(unittest.TestCase):

    def run_runner(self, *args, env=None, modules=None):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        for name, text in (modules or {"test_sample": SAMPLE_TESTS}).items():
            with open(os.path.join(tmp, name + ".py"), "w") as f:
                f.write(text)
        full_env = dict(os.environ)
        full_env.pop("SBTC_ALLOW_SKIP", None)
        full_env.update(env or {})
        runner = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py")
        return subprocess.run([PYTHON, runner, "--dir", tmp] + list(args), capture_output=True,
                              text=True, env=full_env, timeout=60)

    def test_lines_and_counts(self):
        r = self.run_runner()
        lines = r.stdout.splitlines()
        self.assertEqual(r.returncode, 1)
        self.assertIn("ok test_sample.Sample.test_a_passes", lines)
        self.assertIn("FAIL test_sample.Sample.test_b_fails", lines)
        self.assertIn("ERROR test_sample.Sample.test_c_errors", lines)
        self.assertTrue(any(l.startswith("SKIP test_sample.Sample.test_d_skipped: no bitcoind here")
                            for l in lines))
        self.assertIn("noise from the test", r.stdout)
        self.assertEqual(lines[-1], "1 passed, 3 failed")

    def test_allowed_skip_and_filter(self):
        r = self.run_runner("test_a", "test_d", env={"SBTC_ALLOW_SKIP": "1"})
        self.assertEqual(r.stdout.splitlines()[-1], "1 passed, 0 failed")
        self.assertEqual(r.returncode, 0)
        r = self.run_runner("no_such_test")
        self.assertEqual(r.stdout.splitlines()[-1], "0 passed, 0 failed")
        self.assertEqual(r.returncode, 1)

    def test_modules_at_once(self):
        # --jobs: each module in a runner of its own, at the same time (each of the four
        # slow ones waits until all four have started); each module's lines together, the
        # same sum; a module whose runner dies without its summary is an ERROR; a module
        # --alone runs with no other (its test sees none of the others' files).
        meet = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, meet, True)
        slow = textwrap.dedent("""\
            import os, time, unittest

            class Slow(unittest.TestCase):
                def test_meets_the_others(self):
                    open(os.path.join(%r, __name__), "w").close()
                    end = time.monotonic() + 60
                    while len(os.listdir(%r)) < 4 and time.monotonic() < end:
                        time.sleep(0.05)
                    self.assertGreaterEqual(len(os.listdir(%r)), 4)
            """) % (meet, meet, meet)
        alone = textwrap.dedent("""\
            import os, unittest

            class Alone(unittest.TestCase):
                def test_no_other_runs(self):
                    self.assertEqual(os.listdir(%r), [])
            """) % meet
        modules = {"test_sample": SAMPLE_TESTS, "test_dies": "import os\nos._exit(5)\n",
                   "test_zalone": alone}
        modules.update(("test_slow%d" % i, slow) for i in range(4))
        r = self.run_runner("--jobs", "4", "--alone", "test_zalone", modules=modules)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], "6 passed, 4 failed", r.stdout)
        self.assertEqual(r.returncode, 1)
        for i in range(4):
            self.assertIn("ok test_slow%d.Slow.test_meets_the_others" % i, lines)
        self.assertIn("ok test_zalone.Alone.test_no_other_runs", lines)
        self.assertIn("ERROR test_dies (its runner ended with status 5 and no summary)", lines)
        sample = [l for l in lines if l.split(" ")[-1].startswith("test_sample.")]
        first = lines.index(sample[0])
        self.assertIn("noise from the test", "\n".join(lines[first:first + 12]))
        self.assertEqual(len([l for l in lines if l.startswith("time by module: ")]), 1)
        r = self.run_runner("--jobs", "2", "test_a", "no_such", env={"SBTC_ALLOW_SKIP": "1"},
                            modules=modules)
        self.assertEqual(r.stdout.splitlines()[-1], "1 passed, 1 failed", r.stdout)


class StateAssertionsTest(harness.StateAssertions, unittest.TestCase):
    """The one assertion of a check's state, and what its failures say."""

    PREFIX = "SBTC FAKE "

    def result(self, rc, stdout, stderr="diagnostics\n"):
        return harness.Result(["/plugins/check_sbtc_fake", "-w", "60"], rc, stdout, stderr, 0.1)

    def failure(self, r, rc, *parts, **kw):
        with self.assertRaises(AssertionError) as cm:
            self.assertState(r, rc, *parts, **kw)
        return str(cm.exception)

    def test_passes(self):
        r = self.result(1, "SBTC FAKE WARNING - key age 90s | time=0.1s age=90s\n  long text\n")
        self.assertState(r, 1)
        self.assertState(r, 1, "key age", "90s")
        self.assertState(self.result(3, "SBTC FAKE UNKNOWN - no answer\n"), 3, "no answer", perfdata=False)
        self.assertState(self.result(0, "SBTC OTHER OK - fine | time=0.1s\n"), 0, prefix="SBTC OTHER ")

    def test_failures_show_command_exit_code_and_whole_output(self):
        r = self.result(2, "SBTC FAKE CRITICAL - key age 900s | time=0.1s\n  [CRITICAL] age\n")
        for message in (self.failure(r, 0), self.failure(r, 2, "absent"), self.failure(r, 2, "time=")):
            self.assertIn("/plugins/check_sbtc_fake -w 60", message)
            self.assertIn("rc=2 (CRITICAL)", message)
            self.assertIn("  [CRITICAL] age\n", message)
            self.assertIn("diagnostics", message)

    def test_what_fails(self):
        ok = "SBTC FAKE OK - fine | time=0.1s\n"
        self.failure(self.result(0, "SBTC OTHER OK - fine | time=0.1s\n"), 0)      # another check
        self.failure(self.result(0, "SBTC FAKE WARNING - fine | time=0.1s\n"), 0)  # state != rc
        self.failure(self.result(0, ok), 0, "time=0.1s")          # perfdata are not the text
        self.failure(self.result(0, "SBTC FAKE OK - fine\n"), 0)                    # no time
        self.failure(self.result(0, "SBTC FAKE OK - fine | time=0.1ms\n"), 0)       # not in seconds
        self.failure(self.result(0, "SBTC FAKE OK - fine | time=0.1s x\n"), 0)      # bad perfdata


class FixtureServerTest(unittest.TestCase):
    """Every fixture is served by the one FixtureServer of tests/fixtures/fixture_server.py."""

    MODULES = ("bitcoind", "github_api", "metrics_exporter", "reference_api", "signer_api", "stacks_node")

    def test_every_fixture_is_a_fixture_server(self):
        import importlib
        import fixture_server
        for name in self.MODULES:
            module = importlib.import_module(name)
            classes = [v for v in vars(module).values()
                       if isinstance(v, type) and v.__name__.endswith("Fixture")]
            self.assertTrue(classes, name)
            for cls in classes:
                self.assertTrue(issubclass(cls, fixture_server.FixtureServer), "%s.%s" % (name, cls.__name__))
            with open(module.__file__) as f:
                text = f.read()
            for machinery in ("class _Server", "class _Handler", "class _Answer", "def serve_until_signal",
                              "ThreadingHTTPServer"):
                self.assertNotIn(machinery, text, "%s.py has a copy of the machinery" % name)

    def test_methods_not_served_get_501(self):
        """http.server's answer to a method a fixture does not dispatch; the Stacks node
        dispatches PUT and answers as the node does."""
        import bitcoind
        with bitcoind.BitcoindFixture(user="u", password="p") as btc:
            self.assertEqual(_request(btc, "PUT", "/")[0], 501)
        with stacks_node.StacksNodeFixture() as node:
            self.assertEqual(_request(node, "PUT", "/v2/info"),
                             (405, "text/plain", b"Method Not Allowed. Allowed: GET"))


class ManagedDaemonTest(unittest.TestCase):
    """The base of the harness's daemon wrappers: start, stop, log, cleanup."""

    class Listener(harness.daemon.ManagedDaemon):
        dir_prefix = "sbtc-test-daemon-"

        def __init__(self, script):
            super().__init__()
            self.port = harness.daemon.free_port()
            self.logfile = os.path.join(self.dir, "listener.log")
            self.daemon = self.add_daemon([sys.executable, "-c", script, str(self.port), self.logfile],
                                          self.port, "listener", start_timeout=20, logs=[self.logfile])

    LISTEN = textwrap.dedent("""\
        import socket, sys, time
        print("starting", flush=True)
        open(sys.argv[2], "w").write("log line\\n")
        s = socket.socket()
        s.bind(("127.0.0.1", int(sys.argv[1])))
        s.listen()
        time.sleep(60)
        """)

    def test_start_log_stop(self):
        with self.Listener(self.LISTEN) as d:
            folder = d.dir
            self.assertIsNone(d.daemon.proc.poll())
            socket.create_connection(("127.0.0.1", d.port), timeout=5).close()
            log = d.log()
            self.assertIn("--- listener.out ---\nstarting\n", log)
            self.assertIn("--- listener.log ---\nlog line\n", log)
        self.assertIsNotNone(d.daemon.proc.poll())
        self.assertFalse(os.path.exists(folder))

    def test_a_failed_start_cleans_up(self):
        d = self.Listener("print('no such config'); raise SystemExit(3)")
        folder = d.dir
        with self.assertRaises(harness.daemon.DaemonError) as cm:
            d.start()
        self.assertIn("exited with 3 before listening", str(cm.exception))
        self.assertIn("no such config", str(cm.exception))
        self.assertFalse(os.path.exists(folder))


if __name__ == "__main__":
    unittest.main()
