# SPDX-License-Identifier: GPL-2.0-or-later
"""Realistic rows for the sBTC signer's database (schema of tests/fixtures/sql).

    db = SignerDb(cluster, cluster.create_database("scenario_x"))
    db.insert_bitcoin_chain(tip_height=880_000, length=12, tip_age=45)
    db.insert_dkg_shares(PREVIOUS_KEY, status="verified", created_at=30 * 86400)
    db.insert_dkg_shares(CURRENT_KEY, status="verified", created_at=2 * 86400)
    assert db.backup_query_keys()[0] == CURRENT_KEY

Everything is deterministic: hashes and keys derive from the inputs, so a test
can compute the values it expects. Keys are real secp256k1 points: the
aggregate key is lifted from its x coordinate, the tweaked key is its BIP-341
key-path tweak (no script tree) and script_pubkey is OP_1 <x-only tweaked key>
(0x5120 + 32 bytes), the signers' P2TR output script.

Times: created_at may be a datetime (naive means UTC), an SQL timestamp string
('2025-03-01 12:00:00+00'), a number of seconds ago (int or float), or None
for now().
"""

import contextlib
import datetime
import hashlib
import os
import re
import subprocess
import time

__all__ = [
    "CURRENT_KEY", "PREVIOUS_KEY", "DKG_STATUSES", "REGISTRY_DEPLOYER",
    "MIGRATIONS_0022", "MIGRATIONS_PRE0012",
    "SignerDb", "Block", "signer_set", "taproot_output_key", "script_pubkey_for",
    "bitcoin_block_hash", "display_hash", "seed_typical",
    "SCHEMA_V1_3_3", "SCHEMA_V1_0_3", "txid_for", "SignerSession",
]

_SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "sql")
# Whole-release schemas (tests/fixtures/sql/schema-v*.sql) for the signer-at-work tables:
# pass as schema= to harness.scenario_db().
SCHEMA_V1_3_3 = os.path.normpath(os.path.join(_SQL_DIR, "schema-v1.3.3.sql"))
SCHEMA_V1_0_3 = os.path.normpath(os.path.join(_SQL_DIR, "schema-v1.0.3.sql"))

# The two keys of the operators' guide.
CURRENT_KEY = "03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967"
PREVIOUS_KEY = "03f898f8a6ddb86dd4608dd168355ec6135fe2839222240c01942e8e7e50dd4c89"

DKG_STATUSES = ("unverified", "verified", "failed")
REGISTRY_DEPLOYER = "SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4"

# The signer's migration files (stacks-sbtc/sbtc signer/migrations/, identical in every
# release from v1.0.0 to v1.3.3; there is no 0002). Pre-0012: those of tag 0.0.9-rc6.
MIGRATIONS_0022 = tuple("%s.sql" % n for n in (
    "0001__create_schema",
    "0003__create_tables",
    "0004__create_functions",
    "0005__create_sighashes_and_withdrawal_outputs_tables",
    "0006__fix_stacks_event_block_hashes",
    "0007__create_bitcoin_blockchain_from",
    "0008__create_indices_bitcoin_tx_tables",
    "0009__drop_sweep_tables",
    "0010__add_bitcoin_tx_related_indices",
    "0011__add_aggregate_key_sighashes_table",
    "0012__dkg_verification_extensions",
    "0013__consolidate_withdrawal_tables",
    "0014__add_bitcoin_tx_outputs_",
    "0015__drop_transactions_tx_column",
    "0016__modify_rotate_keys_transactions_table",
    "0017__remove_stacks_transactions_table",
    "0018__store_reclaim_script_hash",
    "0019__p2p_peers",
    "0020__drop_reclaim_script_column",
    "0021__alter_max_fee_column",
    "0022__add_is_canonical_to_bitcoin_blocks",
))
MIGRATIONS_PRE0012 = MIGRATIONS_0022[:10]
assert MIGRATIONS_PRE0012[-1] == "0011__add_aggregate_key_sighashes_table.sql"

# ---------------------------------------------------------------------------- secp256k1

_P = 2 ** 256 - 2 ** 32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0]:
        if (a[1] + b[1]) % _P == 0:
            return None
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, _P) % _P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (lam * lam - a[0] - b[0]) % _P
    return (x, (lam * (a[0] - x) - a[1]) % _P)


def _mul(k, point=_G):
    result = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def _lift_x(x, odd=False):
    if not 0 < x < _P:
        raise ValueError("x coordinate out of range")
    c = (pow(x, 3, _P) + 7) % _P
    y = pow(c, (_P + 1) // 4, _P)
    if y * y % _P != c:
        raise ValueError("not a point on secp256k1")
    if (y & 1) != int(odd):
        y = _P - y
    return (x, y)


def _decompress(key):
    key = _as_key_bytes(key)
    return _lift_x(int.from_bytes(key[1:], "big"), odd=key[0] == 3)


def _compress(point):
    return bytes([2 + (point[1] & 1)]) + point[0].to_bytes(32, "big")


def _tagged_hash(tag, data):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


def _as_key_bytes(key):
    if isinstance(key, str):
        key = bytes.fromhex(key[2:] if key.startswith("0x") else key)
    key = bytes(key)
    if len(key) != 33 or key[0] not in (2, 3):
        raise ValueError("expected a 33-byte compressed public key, got %d bytes" % len(key))
    return key


def taproot_output_key(aggregate_key):
    """The BIP-341 key-path output key (compressed, 33 bytes) of a compressed key."""
    internal = _lift_x(int.from_bytes(_as_key_bytes(aggregate_key)[1:], "big"))
    tweak = int.from_bytes(_tagged_hash("TapTweak", internal[0].to_bytes(32, "big")), "big")
    return _compress(_add(internal, _mul(tweak % _N)))


def script_pubkey_for(aggregate_key):
    """OP_1 <32-byte x-only output key>: the signers' P2TR scriptPubKey."""
    return b"\x51\x20" + taproot_output_key(aggregate_key)[1:]


_SIGNER_SETS = {}


def signer_set(seed="signers", count=15):
    """count compressed public keys (real points), derived from seed; cached."""
    cache_key = (seed, count)
    if cache_key not in _SIGNER_SETS:
        keys = []
        for i in range(count):
            k = int.from_bytes(hashlib.sha256(("%s/%d" % (seed, i)).encode()).digest(), "big") % _N
            keys.append(_compress(_mul(k or 1)))
        _SIGNER_SETS[cache_key] = tuple(keys)
    return _SIGNER_SETS[cache_key]


def _stream(label, length):
    """length deterministic pseudo-random bytes for label."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(("%s#%d" % (label, counter)).encode()).digest()
        counter += 1
    return bytes(out[:length])


# ---------------------------------------------------------------------------- blocks

class Block:
    """One inserted block: hash (bytes, internal order), height, parent (bytes)."""

    __slots__ = ("hash", "height", "parent", "anchor")

    def __init__(self, hash, height, parent, anchor=None):
        self.hash = hash
        self.height = height
        self.parent = parent
        self.anchor = anchor

    @property
    def hex(self):
        """The hash as stored (internal byte order), hex."""
        return self.hash.hex()

    @property
    def display(self):
        """The hash as bitcoind shows it (byte-reversed), hex."""
        return display_hash(self.hash)

    def __repr__(self):
        return "Block(height=%d, display=%s)" % (self.height, self.display)


def bitcoin_block_hash(height, seed="main"):
    """A mainnet-looking block hash in internal byte order: reversed for display
    it starts with eight zero hex digits, like a real proof of work."""
    return hashlib.sha256(("btc/%s/%d" % (seed, height)).encode()).digest()[:28] + b"\x00" * 4


def stacks_block_hash(height, seed="main"):
    return hashlib.sha256(("stx/%s/%d" % (seed, height)).encode()).digest()


def display_hash(internal):
    """Bitcoin's display order (what bitcoind prints) of an internal-order hash."""
    return bytes(internal)[::-1].hex()


# ---------------------------------------------------------------------------- SQL literals

def _bytea(data):
    return "'\\x%s'::bytea" % bytes(data).hex()


def _bytea_array(items):
    if not items:
        return "ARRAY[]::bytea[]"
    return "ARRAY[%s]" % ", ".join(_bytea(i) for i in items)


def _text(value):
    return "'%s'" % str(value).replace("'", "''")


def _ts(created_at):
    """SQL for a timestamptz: None -> now(); number -> that many seconds ago;
    datetime (naive = UTC) or string -> that instant."""
    if created_at is None:
        return "now()"
    if isinstance(created_at, bool):
        raise TypeError("created_at must not be a bool")
    if isinstance(created_at, (int, float)):
        return "(now() - make_interval(secs => %r))" % float(created_at)
    if isinstance(created_at, datetime.timedelta):
        return "(now() - make_interval(secs => %r))" % created_at.total_seconds()
    if isinstance(created_at, datetime.datetime):
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=datetime.timezone.utc)
        return "%s::timestamptz" % _text(created_at.isoformat())
    if isinstance(created_at, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:s|seconds?)\s+ago\s*", created_at)
        if m:
            return "(now() - make_interval(secs => %s))" % m.group(1)
        return "%s::timestamptz" % _text(created_at)
    raise TypeError("unsupported created_at %r" % (created_at,))


# ---------------------------------------------------------------------------- database

class SignerDb:
    """Helpers to fill one signer database of a PgCluster (as the superuser)."""

    def __init__(self, cluster, dbname):
        self.cluster = cluster
        self.dbname = dbname
        self._columns = {}

    def sql(self, sql, **kw):
        """Run SQL in this database; returns psql's unaligned stdout. Inside
        batch(), statements that write are kept and run together at its end."""
        batch = getattr(self, "_batch", None)
        if batch is not None and not kw and re.match(r"\s*(INSERT|UPDATE|DELETE|BEGIN)\b", sql):
            batch.append(sql)
            return ""
        return self.cluster.psql(sql, dbname=self.dbname, **kw)

    @contextlib.contextmanager
    def batch(self):
        """Writes made by the helpers within run as one psql call, in one
        transaction, when the block ends (each psql costs a process start). A batch
        within a batch joins it."""
        if getattr(self, "_batch", None) is not None:
            yield self
            return
        self._batch = []
        try:
            yield self
            statements = self._batch
        finally:
            self._batch = None
        if statements:
            self.sql("BEGIN;\n%s\nCOMMIT;" % "\n".join(
                st.replace("BEGIN;", "").replace("COMMIT;", "") for st in statements))

    def value(self, sql, **kw):
        return self.cluster.query_value(sql, dbname=self.dbname, **kw)

    def rows(self, sql, **kw):
        return self.cluster.query_rows(sql, dbname=self.dbname, **kw)

    def columns(self, table, schema="sbtc_signer"):
        """The column names of a table (cached), empty when it does not exist."""
        key = (schema, table)
        if key not in self._columns:
            out = self.sql(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s;" % (_text(schema), _text(table)))
            self._columns[key] = frozenset(out.split())
        return self._columns[key]

    @property
    def has_dkg_status(self):
        """True when dkg_shares has the 0012 columns."""
        return "dkg_shares_status" in self.columns("dkg_shares")

    # -- DKG shares ------------------------------------------------------------------

    def insert_dkg_shares(self, aggregate_key=CURRENT_KEY, status="verified", created_at=None,
                          *, started_at_height=None, started_at_hash=None, signer_keys=None,
                          threshold=10, tweaked_key=None, script_pubkey=None,
                          encrypted_private_shares=None, public_shares=None):
        """Insert one dkg_shares row and return its values as a dict.

        status is ignored (and not stored) on a pre-0012 database. Without
        started_at_*, the row starts at the highest stored bitcoin block created
        at or before created_at (the rule migration 0012 used to back-fill), or
        at height 0 with a derived hash when there is none.
        """
        key = _as_key_bytes(aggregate_key)
        if self.has_dkg_status and status not in DKG_STATUSES:
            raise ValueError("status must be one of %s, not %r" % (", ".join(DKG_STATUSES), status))
        signers = list(signer_keys) if signer_keys is not None else list(signer_set())
        tweaked = bytes(tweaked_key) if tweaked_key is not None else taproot_output_key(key)
        spk = bytes(script_pubkey) if script_pubkey is not None else b"\x51\x20" + tweaked[1:]
        enc = (bytes(encrypted_private_shares) if encrypted_private_shares is not None
               else _stream("encrypted/" + key.hex(), 1184))
        pub = (bytes(public_shares) if public_shares is not None
               else _stream("public/" + key.hex(), 2345))
        ts = _ts(created_at)
        cols = ["aggregate_key", "tweaked_aggregate_key", "encrypted_private_shares",
                "public_shares", "script_pubkey", "signer_set_public_keys",
                "signature_share_threshold", "created_at"]
        vals = [_bytea(key), _bytea(tweaked), _bytea(enc), _bytea(pub), _bytea(spk),
                _bytea_array(signers), str(int(threshold)), ts]
        if self.has_dkg_status:
            fallback_hash = hashlib.sha256(b"dkg-start/" + key).digest()
            if started_at_hash is None:
                hash_sql = ("COALESCE((SELECT block_hash FROM sbtc_signer.bitcoin_blocks "
                            "WHERE created_at <= %s ORDER BY block_height DESC, block_hash DESC "
                            "LIMIT 1), %s)" % (ts, _bytea(fallback_hash)))
            else:
                hash_sql = _bytea(started_at_hash)
            if started_at_height is None:
                # The block stored last before created_at; when every stored block
                # is newer, extrapolate back from the tip at one block per 600 s.
                height_sql = (
                    "COALESCE((SELECT block_height FROM sbtc_signer.bitcoin_blocks "
                    "WHERE created_at <= {ts} ORDER BY block_height DESC, block_hash DESC "
                    "LIMIT 1), (SELECT (max(block_height) - floor(extract(epoch FROM "
                    "(max(created_at) - {ts})) / 600))::bigint FROM sbtc_signer.bitcoin_blocks "
                    "HAVING count(*) > 0), 0)").format(ts=ts)
            else:
                height_sql = str(int(started_at_height))
            cols += ["dkg_shares_status", "started_at_bitcoin_block_hash",
                     "started_at_bitcoin_block_height"]
            vals += ["%s::sbtc_signer.dkg_shares_status" % _text(status), hash_sql, height_sql]
        self.sql("INSERT INTO sbtc_signer.dkg_shares (%s) VALUES (%s);"
                 % (", ".join(cols), ", ".join(vals)))
        return {
            "aggregate_key": key.hex(), "tweaked_aggregate_key": tweaked.hex(),
            "script_pubkey": spk.hex(), "signer_set_public_keys": [k.hex() for k in signers],
            "signature_share_threshold": int(threshold),
            "dkg_shares_status": status if self.has_dkg_status else None,
        }

    def set_dkg_status(self, aggregate_key, status):
        self.sql("UPDATE sbtc_signer.dkg_shares SET dkg_shares_status = %s "
                 "WHERE aggregate_key = %s;" % (_text(status), _bytea(_as_key_bytes(aggregate_key))))

    def backup_query_keys(self):
        """The operators' guide query: verified keys, newest first, as hex."""
        out = self.sql("SELECT encode(aggregate_key, 'hex') FROM sbtc_signer.dkg_shares "
                       "WHERE dkg_shares_status = 'verified' ORDER BY created_at DESC;")
        return out.split()

    # -- Bitcoin and Stacks blocks ---------------------------------------------------

    def insert_bitcoin_chain(self, tip_height=880_000, length=10, *, tip_age=0, spacing=600,
                             canonical=True, seed="main", parent_hash=None):
        """Insert length consecutive blocks ending at tip_height; the tip was stored
        tip_age seconds ago and each parent spacing seconds before its child.
        canonical sets is_canonical (None leaves it NULL; ignored before 0022).
        The first block's parent is not inserted (as in a real signer database),
        unless parent_hash links the chain to an existing block (a fork).
        Returns the Blocks, lowest first."""
        has_canonical = "is_canonical" in self.columns("bitcoin_blocks")
        blocks = []
        parent = (bytes(parent_hash) if parent_hash is not None
                  else bitcoin_block_hash(tip_height - length, seed))
        values = []
        for i, height in enumerate(range(tip_height - length + 1, tip_height + 1)):
            h = bitcoin_block_hash(height, seed)
            blocks.append(Block(h, height, parent))
            age = tip_age + (tip_height - height) * spacing
            row = [_bytea(h), str(height), _bytea(parent), _ts(age)]
            if has_canonical:
                row.append("NULL" if canonical is None else ("true" if canonical else "false"))
            values.append("(%s)" % ", ".join(row))
            parent = h
        cols = "block_hash, block_height, parent_hash, created_at"
        if has_canonical:
            cols += ", is_canonical"
        if values:
            self.sql("INSERT INTO sbtc_signer.bitcoin_blocks (%s) VALUES\n%s;"
                     % (cols, ",\n".join(values)))
        return blocks

    def bitcoin_tip(self):
        """(display hash, height) of the signer's tip, by the reference query."""
        row = self.rows("SELECT encode(block_hash, 'hex'), block_height "
                        "FROM sbtc_signer.bitcoin_blocks "
                        "ORDER BY block_height DESC, block_hash DESC LIMIT 1;")
        if not row:
            return None
        return display_hash(bytes.fromhex(row[0][0])), int(row[0][1])

    def insert_stacks_chain(self, tip_height=1_830_000, length=10, *, anchors=None, tip_age=0,
                            spacing=5, seed="main"):
        """Insert length Stacks blocks ending at tip_height. anchors is one bitcoin
        block hash (bytes or Block) for all, or a list (one per block, or cycled).
        Returns the Blocks, lowest first."""
        if anchors is None:
            anchors = [bitcoin_block_hash(880_000)]
        elif isinstance(anchors, (bytes, bytearray, Block)):
            anchors = [anchors]
        anchors = [a.hash if isinstance(a, Block) else bytes(a) for a in anchors]
        blocks = []
        parent = stacks_block_hash(tip_height - length, seed)
        values = []
        for i, height in enumerate(range(tip_height - length + 1, tip_height + 1)):
            h = stacks_block_hash(height, seed)
            anchor = anchors[i % len(anchors)]
            blocks.append(Block(h, height, parent, anchor))
            age = tip_age + (tip_height - height) * spacing
            values.append("(%s, %d, %s, %s, %s)" % (_bytea(h), height, _bytea(parent),
                                                    _bytea(anchor), _ts(age)))
            parent = h
        if values:
            self.sql("INSERT INTO sbtc_signer.stacks_blocks "
                     "(block_hash, block_height, parent_hash, bitcoin_anchor, created_at) VALUES\n"
                     "%s;" % ",\n".join(values))
        return blocks

    # -- key rotations ---------------------------------------------------------------

    def insert_rotate_keys(self, aggregate_key=CURRENT_KEY, created_at=None, *, txid=None,
                           block_hash=None, signer_keys=None, signatures_required=10,
                           address=REGISTRY_DEPLOYER):
        """Insert a key rotation the signer saw on Stacks. On a pre-0017 database
        the transactions row it references is inserted first. Returns the txid."""
        key = _as_key_bytes(aggregate_key)
        txid = bytes(txid) if txid is not None else hashlib.sha256(b"rotate/" + key).digest()
        signers = list(signer_keys) if signer_keys is not None else list(signer_set())
        ts = _ts(created_at)
        statements = []
        if self.columns("transactions"):
            statements.append(
                "INSERT INTO sbtc_signer.transactions (txid, tx, tx_type, created_at) "
                "VALUES (%s, %s, 'rotate_keys', %s);"
                % (_bytea(txid), _bytea(_stream("tx/" + txid.hex(), 420)), ts))
        cols = ["txid", "address", "aggregate_key", "signer_set", "signatures_required",
                "created_at"]
        vals = [_bytea(txid), _text(address), _bytea(key), _bytea_array(signers),
                str(int(signatures_required)), ts]
        if "block_hash" in self.columns("rotate_keys_transactions"):
            bh = block_hash.hash if isinstance(block_hash, Block) else block_hash
            cols.append("block_hash")
            vals.append(_bytea(bh if bh is not None else stacks_block_hash(0, "rotate/" + key.hex())))
        statements.append("INSERT INTO sbtc_signer.rotate_keys_transactions (%s) VALUES (%s);"
                          % (", ".join(cols), ", ".join(vals)))
        self.sql("BEGIN;\n%s\nCOMMIT;" % "\n".join(statements))
        return txid


    # -- the signer at work (schema-v1.3.3.sql) --------------------------------------

    def insert_deposit(self, txid=None, vout=0, created_at=None, *, votes=None, amount=100_000,
                       signers_public_key=None):
        """Insert a deposit request (deposit_requests) and the signers' votes on it
        (deposit_signers): votes maps a signer's compressed key (hex or bytes) to
        (can_accept, can_sign). txid (internal byte order) defaults to one derived
        from vout and created_at. Returns (txid bytes, vout); txid_for() gives the
        display form "txid:vout" the checks print."""
        txid = bytes(txid) if txid is not None else hashlib.sha256(
            ("deposit/%r/%d" % (created_at, vout)).encode()).digest()
        agg = _as_key_bytes(signers_public_key or CURRENT_KEY)[1:]
        ts = _ts(created_at)
        stmts = ["INSERT INTO sbtc_signer.deposit_requests (txid, output_index, spend_script, recipient, "
                 "amount, lock_time, signers_public_key, sender_script_pub_keys, created_at, "
                 "reclaim_script_hash, max_fee) VALUES (%s, %d, %s, %s, %d, 144, %s, %s, %s, %s, %s);"
                 % (_bytea(txid), vout, _bytea(b"\x20" + agg + b"\xac"),
                    _text("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"), amount, _bytea(agg),
                    _bytea_array([b"\x00\x14" + txid[:20]]), ts,
                    _bytea(hashlib.sha256(b"reclaim/" + txid).digest()),
                    _bytea((20_000).to_bytes(8, "big")))]
        for key, (can_accept, can_sign) in (votes or {}).items():
            stmts.append("INSERT INTO sbtc_signer.deposit_signers (txid, output_index, signer_pub_key, "
                         "can_sign, can_accept, created_at) VALUES (%s, %d, %s, %s, %s, %s);"
                         % (_bytea(txid), vout, _bytea(_as_key_bytes(key)), str(bool(can_sign)).lower(),
                            str(bool(can_accept)).lower(), ts))
        self.sql("BEGIN;\n%s\nCOMMIT;" % "\n".join(stmts))
        return txid, vout

    def insert_sweep(self, deposits, txid=None, created_at=None, *, prevout_type="deposit"):
        """A sweep transaction spending the deposits [(txid, vout), ...]:
        bitcoin_tx_inputs rows with prevout_type 'deposit' (or 'signers_input').
        Returns the sweep's txid."""
        deposits = list(deposits)
        sweep = bytes(txid) if txid is not None else hashlib.sha256(
            b"sweep/" + b"".join(t + v.to_bytes(4, "big") for t, v in deposits)).digest()
        rows = ["(%s, %s, %d, 100000, %s, %s, %s)"
                % (_bytea(sweep), _bytea(t), v, _bytea(b"\x51\x20" + t), _text(prevout_type), _ts(created_at))
                for t, v in deposits]
        if rows:
            self.sql("INSERT INTO sbtc_signer.bitcoin_tx_inputs (txid, prevout_txid, prevout_output_index, "
                     "amount, script_pubkey, prevout_type, created_at) VALUES %s;" % ", ".join(rows))
        return sweep

    def insert_withdrawal(self, request_id, bitcoin_block_height, created_at=None, *, block_hash=None,
                          amount=50_000):
        """A withdrawal request (withdrawal_requests) made at a Bitcoin height; block_hash
        (the Stacks block) defaults to one derived from the id, so that the same id in
        another block is another fork's copy."""
        bh = bytes(block_hash) if block_hash is not None else stacks_block_hash(request_id, "withdrawal")
        self.sql("INSERT INTO sbtc_signer.withdrawal_requests (request_id, txid, block_hash, recipient, amount, "
                 "max_fee, sender_address, created_at, bitcoin_block_height) VALUES "
                 "(%d, %s, %s, %s, %d, 10000, %s, %s, %d);"
                 % (request_id, _bytea(hashlib.sha256(b"wtx/%d" % request_id).digest()), _bytea(bh),
                    _bytea(b"\x00\x14" + bh[:20]), amount, _text("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"),
                    _ts(created_at), bitcoin_block_height))

    def accept_withdrawal(self, request_id, sweep_block_height=880_000):
        """The withdrawal_accept_events row of a fulfilled request."""
        self.sql("INSERT INTO sbtc_signer.withdrawal_accept_events (txid, block_hash, request_id, "
                 "signer_bitmap, bitcoin_txid, output_index, fee, sweep_block_hash, sweep_block_height, "
                 "sweep_txid) VALUES (%s, %s, %d, %s, %s, 2, 1200, %s, %d, %s);"
                 % (_bytea(hashlib.sha256(b"accept/%d" % request_id).digest()),
                    _bytea(stacks_block_hash(request_id, "accept")), request_id, _bytea(b"\x00" * 16),
                    _bytea(hashlib.sha256(b"btx/%d" % request_id).digest()),
                    _bytea(bitcoin_block_hash(sweep_block_height)), sweep_block_height,
                    _bytea(hashlib.sha256(b"btx/%d" % request_id).digest())))

    def reject_withdrawal(self, request_id):
        """The withdrawal_reject_events row of a rejected request."""
        self.sql("INSERT INTO sbtc_signer.withdrawal_reject_events (txid, block_hash, request_id, "
                 "signer_bitmap) VALUES (%s, %s, %d, %s);"
                 % (_bytea(hashlib.sha256(b"reject/%d" % request_id).digest()),
                    _bytea(stacks_block_hash(request_id, "reject")), request_id, _bytea(b"\x00" * 16)))

    def insert_p2p_peer(self, public_key, last_dialed_at=None, *, created_at=None):
        """A peer the signer dialed (p2p_peers, migration 0019), last dialed
        last_dialed_at (seconds ago, or an instant) ago."""
        key = _as_key_bytes(public_key)
        peer_id = "12D3KooW" + hashlib.sha256(b"peer/" + key).hexdigest()[:44]
        self.sql("INSERT INTO sbtc_signer.p2p_peers (public_key, peer_id, address, created_at, last_dialed_at) "
                 "VALUES (%s, %s, %s, %s, %s);"
                 % (_bytea(key), _text(peer_id), _text("/ip4/192.0.2.%d/tcp/4122" % (key[-1] % 250 + 1)),
                    _ts(created_at if created_at is not None else last_dialed_at), _ts(last_dialed_at)))

    def signer_session(self):
        """A connection named as the signer names its own (application_name
        'sbtc-signer'), held open until closed: use as a context manager."""
        return SignerSession(self.cluster, self.dbname)

    # -- migrations ------------------------------------------------------------------

    def migrations(self):
        return self.sql("SELECT key FROM public.__sbtc_migrations ORDER BY key;").split()

    def add_migration(self, key):
        self.sql("INSERT INTO public.__sbtc_migrations (key) VALUES (%s) ON CONFLICT DO NOTHING;"
                 % _text(key))

    def remove_migration(self, key):
        self.sql("DELETE FROM public.__sbtc_migrations WHERE key = %s;" % _text(key))


def seed_typical(db, *, tip_height=880_000, tip_age=30):
    """A healthy signer: a 20-block Bitcoin chain whose tip was stored tip_age
    seconds ago, 40 Stacks blocks anchored to it, the previous key verified 30
    days ago and rotated out, the current key verified 2 days ago and rotated
    in. Returns a dict of what was inserted."""
    btc = db.insert_bitcoin_chain(tip_height=tip_height, length=20, tip_age=tip_age)
    stx = db.insert_stacks_chain(tip_height=1_830_000, length=40,
                                 anchors=[b.hash for b in btc for _ in (0, 1)][-40:],
                                 tip_age=tip_age)
    prev = db.insert_dkg_shares(PREVIOUS_KEY, "verified", 30 * 86400)
    cur = db.insert_dkg_shares(CURRENT_KEY, "verified", 2 * 86400)
    db.insert_rotate_keys(PREVIOUS_KEY, 30 * 86400 - 1800, block_hash=stx[0])
    db.insert_rotate_keys(CURRENT_KEY, 2 * 86400 - 1800, block_hash=stx[-1])
    return {"bitcoin": btc, "stacks": stx, "previous": prev, "current": cur}


def txid_for(txid, vout):
    """The "txid:vout" of a deposit as the checks name it (display byte order)."""
    return "%s:%d" % (display_hash(txid), vout)


class SignerSession:
    """A psql connection with application_name=sbtc-signer, as the signer's own
    connection shows in pg_stat_activity; it stays open until close() (its process is
    ended by its PID)."""

    def __init__(self, cluster, dbname):
        self.cluster = cluster
        argv, env = cluster._psql_argv_env(dbname, None, None, None, False)
        env = dict(env, PGAPPNAME="sbtc-signer")
        self.proc = subprocess.Popen(argv + ["-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, text=True)
        self.proc.stdin.write("SELECT pg_backend_pid();\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError("the fake signer session did not connect")
        self.backend_pid = int(line)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()
        # The server ends the backend after the client has gone: until then the session
        # still shows in pg_stat_activity, and a check that follows would count it.
        pid = getattr(self, "backend_pid", None)
        deadline = time.monotonic() + 10
        while pid is not None and time.monotonic() < deadline:
            if self.cluster.query_value("SELECT count(*) FROM pg_stat_activity WHERE pid = %d" % pid) == "0":
                break
            time.sleep(0.05)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
