# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_backup on real dumps made by pg_dump from the test PostgreSQL, in every
format and compression, whole and cut at several points; ages set with os.utime; keys
compared with the fixture Stacks node and with a live database.

Each test asserts the exit code, the first line and the perfdata.
"""

import gzip
import os
import re
import resource
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from harness import signerdb, under_valgrind
from harness.net import SilentServer, closed_port

CHECK = "check_sbtc_backup"
CUR = signerdb.CURRENT_KEY
PREV = signerdb.PREVIOUS_KEY
PREFIX = "SBTC BACKUP "
HOUR = 3600
DAY = 86400


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise RuntimeError("%s is needed by these tests (contrib/install-deps --tests)" % name)
    return path


class Dumps:
    """Dumps of one database made once per run: name -> path, in a private folder."""

    def __init__(self, cluster, dbname, folder):
        self.cluster = cluster
        self.dbname = dbname
        self.folder = folder
        self.pg_dump = os.path.join(cluster.bindir, "pg_dump")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.env["PGPASSWORD"] = cluster.password
        self.paths = {}

    def _dump(self, args, out=None):
        conn = self.cluster.conninfo(dbname=self.dbname, password=False)
        argv = [self.pg_dump, "-d", conn] + args
        with open(out, "wb") if out else open(os.devnull, "wb") as f:
            subprocess.run(argv, env=self.env, check=True, stdout=f, timeout=60)

    def make(self, name, fmt, extra=()):
        path = os.path.join(self.folder, name)
        self._dump(["-F", fmt, "-f", path] + list(extra))
        self.paths[name] = path
        return path

    def pipe(self, name, source, argv):
        """source compressed by argv (reading stdin, writing stdout) into name."""
        path = os.path.join(self.folder, name)
        with open(self.paths[source], "rb") as fin, open(path, "wb") as fout:
            subprocess.run(argv, stdin=fin, stdout=fout, check=True, timeout=60)
        self.paths[name] = path
        return path

    def all_formats(self):
        self.make("signer.dump", "c")
        self.make("signer-z0.dump", "c", ["-Z", "0"])
        self.make("signer.tar", "t")
        self.make("signer.dir", "d")
        self.make("signer.sql", "p")
        self.make("signer.sql.gz", "p", ["-Z", "6"])
        self.pipe("signer.sql.zst", "signer.sql", [tool("zstd"), "-q", "-c"])
        self.pipe("signer.sql.lz4", "signer.sql", [tool("lz4"), "-q", "-c"])
        self.pipe("signer.dump.gz", "signer-z0.dump", [tool("gzip"), "-c"])
        return self


# File name -> the format and compression the check must report.
FILE_FORMATS = {
    "signer.dump": "pg_dump custom format",
    "signer-z0.dump": "pg_dump custom format",
    "signer.tar": "pg_dump tar format",
    "signer.sql": "plain SQL dump",
    "signer.sql.gz": "plain SQL dump in a gzip stream",
    "signer.sql.zst": "plain SQL dump in a zstd stream",
    "signer.sql.lz4": "plain SQL dump in a lz4 stream",
    "signer.dump.gz": "pg_dump custom format in a gzip stream",
}


class BackupCase(harness.StateAssertions, unittest.TestCase):
    """Shared set-up: a signer database (current key verified, previous one older), one
    that only holds the previous key, their dumps, and a fixture Stacks node."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.top = tempfile.mkdtemp(prefix="sbtc-backup-test-")
        cls.cluster = harness.shared_cluster()
        cls.pg_restore = os.path.join(cls.cluster.bindir, "pg_restore")
        cls.db = harness.scenario_db("0022")
        signerdb.seed_typical(cls.db)
        cls.old_db = harness.scenario_db("0022")
        cls.old_db.insert_dkg_shares(PREV, "verified", created_at=30 * DAY)
        cls.pre_db = harness.scenario_db("pre0012")
        cls.pre_db.insert_dkg_shares(CUR, None, created_at=2 * DAY)
        cls.current = Dumps(cls.cluster, cls.db.dbname, cls._folder("current")).all_formats()
        cls.old = Dumps(cls.cluster, cls.old_db.dbname, cls._folder("old"))
        for name, fmt in (("old.dump", "c"), ("old.sql", "p"), ("old.dir", "d"), ("old.tar", "t")):
            cls.old.make(name, fmt)
        cls.pre = Dumps(cls.cluster, cls.pre_db.dbname, cls._folder("pre"))
        cls.pre.make("pre.sql", "p")
        cls.node = harness.StacksNodeFixture(aggregate_key=CUR)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        shutil.rmtree(cls.top, ignore_errors=True)

    @classmethod
    def _folder(cls, name):
        path = os.path.join(cls.top, name)
        os.makedirs(path)
        return path

    def setUp(self):
        self.node.reset_config()
        self.node.set(aggregate_key=CUR)
        self.node.clear_requests()
        self.dir = tempfile.mkdtemp(dir=self.top)

    def put(self, source, name=None, age=None, data=None):
        """Copy a dump (file or directory) into this test's folder, dated age seconds ago."""
        dest = os.path.join(self.dir, name or os.path.basename(source))
        if data is not None:
            with open(dest, "wb") as f:
                f.write(data)
        elif os.path.isdir(source):
            shutil.copytree(source, dest)
        else:
            shutil.copyfile(source, dest)
        if age is not None:
            t = time.time() - age
            os.utime(dest, (t, t))
            if os.path.isdir(dest):
                os.utime(os.path.join(dest, "toc.dat"), (t, t))
        return dest

    def cut(self, source, size, name="cut"):
        with open(source, "rb") as f:
            data = f.read(size)
        return self.put(None, name, data=data)

    def check(self, *args, **kw):
        return harness.run(CHECK, [str(a) for a in args], **kw)

    def rss_check(self, *args, timeout=120):
        """The check with args; (rc, stdout, peak RSS KiB), started by a small python3
        of its own: Linux keeps a process's peak RSS across execve(), so a check forked
        straight from this runner would be charged with the runner's own memory."""
        script = ("import os, resource, subprocess, sys\n"
                  "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
                  "sys.stdout.write('%d %d\\n' % (p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
                  "sys.stdout.write(p.stdout.decode())\n")
        argv = ["python3", "-c", script, harness.plugin.plugin_path(CHECK)] + [str(a) for a in args]
        p = subprocess.run(argv, stdout=subprocess.PIPE, timeout=timeout, check=True)
        first, _, out = p.stdout.decode().partition("\n")
        rc, rss = (int(x) for x in first.split())
        return rc, out, rss

    def assertPerf(self, r, age, size, backups):
        self.assertEqual(r.perfdata["age"].uom, "s", r)
        self.assertAlmostEqual(r.perfdata["age"].value, age, delta=120, msg=r)
        self.assertEqual(r.perfdata["size"].uom, "B", r)
        self.assertEqual(r.perfdata["size"].value, size, r)
        self.assertEqual(r.perfdata["backups"].value, backups, r)
        self.assertEqual(r.perfdata["age"].warn, 26 * HOUR, r)
        self.assertEqual(r.perfdata["age"].crit, 50 * HOUR, r)


class Formats(BackupCase):

    @under_valgrind
    def test_custom_whole(self):
        self.put(self.current.paths["signer.dump"], age=3 * HOUR)
        r = self.check("--path", self.dir, "--pattern", "*.dump")
        self.assertState(r, 0, "newest backup signer.dump is 3h 0m old")
        self.assertIn("pg_dump custom format and whole", r.first_line)
        self.assertPerf(r, 3 * HOUR, os.path.getsize(self.current.paths["signer.dump"]), 1)
        self.assertTrue(any("data blocks gzip-compressed; archive 1." in l for l in r.long_text), r)

    def test_every_file_format_whole(self):
        for name, what in FILE_FORMATS.items():
            with self.subTest(name=name):
                path = self.current.paths[name]
                r = self.check("--path", path)
                self.assertState(r, 0, "%s and whole" % what)
                self.assertPerf(r, 0, os.path.getsize(path), 1)

    def test_directory_format_whole(self):
        path = self.put(self.current.paths["signer.dir"], age=HOUR)
        for target in (self.dir, path):
            with self.subTest(path=target):
                r = self.check("--path", target, "--pattern", "*.dir")
                self.assertState(r, 0, "pg_dump directory format and whole")
                self.assertTrue(any("8 of 8 data files gzip-compressed" in l for l in r.long_text), r)
                self.assertAlmostEqual(r.perfdata["age"].value, HOUR, delta=120)

    def test_every_file_format_cut_short(self):
        # Cut at several points each: in the header, the middle, near the end, one byte short.
        for name in FILE_FORMATS:
            src = self.current.paths[name]
            size = os.path.getsize(src)
            for at in sorted({3, 40, size // 10, size // 2, size * 9 // 10, size - 1}):
                with self.subTest(name=name, at=at):
                    path = self.cut(src, at, name=name)
                    r = self.check("--path", path)
                    self.assertState(r, 2)
                    self.assertIn("newest backup %s " % name, r.first_line)
                    self.assertPerf(r, 0, at, 1)

    def test_custom_cut_says_where(self):
        src = self.current.paths["signer-z0.dump"]
        r = self.check("--path", self.cut(src, os.path.getsize(src) // 2, "half.dump"))
        self.assertState(r, 2, "newest backup half.dump (pg_dump custom format) is not whole: data block ")
        self.assertIn("cut short: the file ends at byte %d" % (os.path.getsize(src) // 2), r.first_line)
        r = self.check("--path", self.cut(src, 300, "head.dump"))
        self.assertState(r, 2, "table of contents cut short in entry")

    def test_plain_cut_says_where(self):
        src = self.current.paths["signer.sql"]
        r = self.check("--path", self.cut(src, os.path.getsize(src) - 60, "short.sql"))
        self.assertState(r, 2, "plain SQL cut short: it ends at line")
        self.assertIn("instead of pg_dump's closing '-- PostgreSQL database dump complete'", r.first_line)

    @under_valgrind
    def test_gzip_cut_says_where(self):
        src = self.current.paths["signer.sql.gz"]
        r = self.check("--path", self.cut(src, os.path.getsize(src) // 2, "half.sql.gz"))
        self.assertState(r, 2, "(plain SQL dump in a gzip stream) is not whole: plain SQL: gzip stream cut short")

    def test_directory_cut(self):
        src = self.current.paths["signer.dir"]
        files = sorted(f for f in os.listdir(src) if f.endswith(".dat.gz"))
        path = self.put(src, "missing.dir")
        os.unlink(os.path.join(path, files[0]))
        r = self.check("--path", path)
        self.assertState(r, 2, "data file %s of TABLE DATA" % files[0])
        self.assertIn("No such file or directory", r.first_line)
        path = self.put(src, "truncated.dir")
        target = os.path.join(path, files[-1])
        with open(target, "r+b") as f:
            f.truncate(os.path.getsize(target) // 2)
        r = self.check("--path", path)
        self.assertState(r, 2, "data file %s" % files[-1])
        self.assertIn("gzip stream cut short", r.first_line)
        path = self.put(src, "toc.dir")
        toc = os.path.join(path, "toc.dat")
        with open(toc, "r+b") as f:
            f.truncate(os.path.getsize(toc) // 2)
        r = self.check("--path", path)
        self.assertState(r, 2, "table of contents cut short in entry")

    def test_tar_cut_in_a_member(self):
        src = self.current.paths["signer.tar"]
        r = self.check("--path", self.cut(src, os.path.getsize(src) - 1024, "short.tar"))
        self.assertState(r, 2, "tar archive cut short")

    def test_required_format(self):
        r = self.check("--path", self.current.paths["signer.sql"], "--format", "custom")
        self.assertState(r, 2, "is a plain SQL dump, not the custom format --format requires")
        r = self.check("--path", self.current.paths["signer.dump"], "--format", "custom")
        self.assertState(r, 0)

    def test_not_a_backup(self):
        path = self.put(None, "notes.dump", data=b"\x89PNG\r\n\x1a\n" + bytes(200))
        r = self.check("--path", path)
        self.assertState(r, 2, "newest backup notes.dump is not a pg_dump backup: not a pg_dump archive (no PGDMP "
                               "header), not gzip, zstd or lz4, not tar")
        self.assertNotIn("89 50 4e 47", r.stdout)

    def test_empty_file(self):
        r = self.check("--path", self.put(None, "empty.dump", data=b""))
        self.assertState(r, 2, "newest backup empty.dump is empty (0 bytes)")
        self.assertEqual(r.perfdata["size"].value, 0)

    def test_encrypted_backups_age_and_size_only(self):
        samples = {
            "b.dump.gpg": b"\x8c\x0d\x04\x09\x03\x02" + os.urandom(300),  # OpenPGP SKESK, old format
            "b.dump.pgp": b"\xc1\x0c\x03" + os.urandom(300),  # OpenPGP PKESK, new format
            "b.dump.asc": b"-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n",
            "b.dump.age": b"age-encryption.org/v1\n-> X25519 abc\nxyz\n--- abc\n" + os.urandom(200),
        }
        for name, data in samples.items():
            with self.subTest(name=name):
                path = self.put(None, name, data=data, age=2 * HOUR)
                r = self.check("--path", path)
                self.assertState(r, 0, "(only age and size checked)")
                self.assertPerf(r, 2 * HOUR, len(data), 1)
                r = self.check("--path", path, "-w", "1h")
                self.assertState(r, 1, "newest backup %s is 2h 0m old" % name)
                r = self.check("--path", path, "--verify-key", "-u", self.node.url)
                self.assertState(r, 3, "--verify-key cannot read inside the")

    def sparse_plain(self, name, size):
        """A plain dump's first 4 kB followed by holes up to size bytes."""
        path = os.path.join(self.dir, name)
        with open(self.current.paths["signer.sql"], "rb") as f:
            head = f.read(4096)
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(size)
        return path

    def test_sparse_2gb_file_memory_stays_small(self):
        # A plain dump's head followed by 2 GB of holes: read through, never held whole.
        path = self.sparse_plain("sparse.sql", 2 * 1024 ** 3)
        rc, out, rss = self.rss_check("--path", path, "-t", "60")
        self.assertEqual(rc, 2, out)
        self.assertIn("with NUL bytes (a zero-filled tail)", out.splitlines()[0])
        self.assertIn("'size'=2147483648B", out)
        self.assertLess(rss, 32 * 1024, "peak RSS %d KiB" % rss)


    def test_reading_stops_at_the_deadline(self):
        # 64 GB of holes cannot be read in a second: the deadline ends the read, not a hang.
        path = self.sparse_plain("huge.sql", 64 * 1024 ** 3)
        start = time.monotonic()
        r = self.check("--path", path, "-t", "1")
        elapsed = time.monotonic() - start
        # The check's own line, or the backstop's when the read held the CPU past the grace
        # (a loaded machine): either way UNKNOWN at the deadline, naming the file.
        self.assertState(r, 3, "timed out after 1 s while reading")
        self.assertIn("huge.sql", r.text, r)
        self.assertLess(elapsed, 8, r)
        r = self.check("--path", path, "-t", "1:CRITICAL")
        self.assertState(r, 2, "timed out after 1 s while reading")
        self.assertIn("huge.sql", r.text, r)


SECRET = "hunter2-Qx7v-passphrase"


def pg_int(v):
    """pg_dump's integer in an archive: a sign byte, then 4 bytes, least significant first."""
    return bytes([1 if v < 0 else 0]) + abs(v).to_bytes(4, "little")


def pg_str(text):
    if text is None:
        return pg_int(-1)
    data = text.encode()
    return pg_int(len(data)) + data


def custom_archive_head(entries):
    """The header of a custom-format archive (1.14, uncompressed) and its entry count
    (src/bin/pg_dump/pg_backup_archiver.c, WriteHead and WriteToc)."""
    head = b"PGDMP" + bytes([1, 14, 0, 4, 8, 1]) + pg_int(0)
    head += b"".join(pg_int(i) for i in range(7))
    head += pg_str("signer") + pg_str("15.2") + pg_str("15.2") + pg_int(entries)
    return head


def custom_toc_entry(dump_id):
    """One TOC entry without data (its offset flag 3, K_OFFSET_NO_DATA)."""
    e = pg_int(dump_id) + pg_int(0) + pg_str("0") + pg_str("0") + pg_str("c%d" % dump_id) + pg_str("COMMENT")
    e += pg_int(2) + pg_str("") + pg_str("") + pg_str("") + pg_str("public") + pg_str("") + pg_str("")
    e += pg_str("postgres") + pg_str("false") + pg_str(None) + bytes([3]) + bytes(8)
    return e


def tar_header(name, size):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000600\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156:157] = b"0"
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


class Hardening(BackupCase):
    """Files made to exhaust the check: memory stays bounded, limits are said, the
    deadline is orderly, only what was read is whole, and no content is echoed."""

    def copy_bomb(self, name, rows):
        """signer.sql with rows more copies of the previous key's share in its COPY
        block of dkg_shares, through zstd: a few hundred kB holding hundreds of MB."""
        with open(self.current.paths["signer.sql"], "rb") as f:
            lines = f.read().split(b"\n")
        start = next(i for i, l in enumerate(lines) if l.startswith(b"COPY sbtc_signer.dkg_shares ("))
        end = next(i for i in range(start, len(lines)) if lines[i] == b"\\.")
        # The row of the previous key with only the columns the check reads (others \N).
        cols = [c.strip() for c in lines[start].split(b"(", 1)[1].split(b")", 1)[0].split(b",")]
        row = next(l for l in lines[start + 1:end] if PREV.encode() in l)
        row = b"\t".join(f if c in (b"aggregate_key", b"created_at", b"dkg_shares_status") else b"\\N"
                         for c, f in zip(cols, row.split(b"\t")))
        path = os.path.join(self.dir, name)
        with open(path, "wb") as out:
            z = subprocess.Popen([tool("zstd"), "-q", "-1", "-c"], stdin=subprocess.PIPE, stdout=out)
            z.stdin.write(b"\n".join(lines[:end]) + b"\n")
            chunk = (row + b"\n") * 10000
            for _ in range(rows // 10000):
                z.stdin.write(chunk)
            z.stdin.write(b"\n".join(lines[end:]))
            z.stdin.close()
            self.assertEqual(z.wait(timeout=120), 0)
        return path

    def test_copy_bomb_memory_is_bounded(self):
        # 3 million rows of dkg_shares (about 150 MB as an array of shares before):
        # counted, not kept; the verdict is still right, also when the key on chain
        # is an older share and the block is read a second time for its rows.
        path = self.copy_bomb("bomb.sql.zst", 3000000)
        self.assertLess(os.path.getsize(path), 5 * 1024 * 1024)
        rc, out, rss = self.rss_check("--path", path, "--verify-key", "-u", self.node.url, "-t", "120")
        self.assertEqual(rc, 0, out)
        self.assertIn("on-chain key %s is the newest verified share in the backup" % short(CUR), out)
        self.assertIn("the backup holds 3000002 verified, 0 unverified, 0 failed shares", out)
        self.assertLess(rss, 48 * 1024, "peak RSS %d KiB" % rss)
        self.node.set(aggregate_key=PREV)
        rc, out, rss = self.rss_check("--path", path, "--verify-key", "-u", self.node.url, "-t", "120",
                                      "--rotation-grace", "7d")
        self.assertEqual(rc, 1, out)
        self.assertIn("key rotation pending for 2d 0h (grace 7d 0h)", out.splitlines()[0])
        self.assertLess(rss, 48 * 1024, "peak RSS %d KiB" % rss)

    def test_huge_toc_is_not_judged(self):
        # 200 000 TOC entries (the limit is 50 000), gzip-compressed: UNKNOWN, said so.
        path = os.path.join(self.dir, "huge-toc.dump.gz")
        with gzip.open(path, "wb", compresslevel=1) as f:
            f.write(custom_archive_head(200000))
            for i in range(1, 200001):
                f.write(custom_toc_entry(i))
        r = self.check("--path", path)
        self.assertState(r, 3, "newest backup huge-toc.dump.gz (pg_dump custom format in a gzip stream) is not "
                               "judged: its table of contents has 200000 entries, more than the 50000 this check reads")
        self.assertPerf(r, 0, os.path.getsize(path), 1)

    def test_huge_tar_is_not_judged(self):
        # pg_dump's tar with 60 000 extra members before its end marker.
        with open(self.current.paths["signer.tar"], "rb") as f:
            data = f.read()
        end = len(data)
        while data[end - 512:end] == bytes(512):
            end -= 512
        path = os.path.join(self.dir, "huge.tar.gz")
        with gzip.open(path, "wb", compresslevel=1) as f:
            f.write(data[:end])
            member = tar_header("extra", 0)
            for _ in range(60):
                f.write(member * 1000)
            f.write(bytes(1024))
        r = self.check("--path", path)
        self.assertState(r, 3, "newest backup huge.tar.gz (pg_dump tar format in a gzip stream) is not judged: "
                               "the tar archive has more than 50002 members")

    def plain_dir(self, name):
        """A directory-format dump without compression, this test's own copy."""
        d = Dumps(self.cluster, self.db.dbname, self.dir)
        return d.make(name, "d", ["-Z", "0"])

    def data_files(self, path, suffix):
        return sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(suffix))

    def test_directory_data_files_are_read(self):
        # Compressed: an emptied data file is no gzip file.
        path = self.put(self.current.paths["signer.dir"], "emptied.dir")
        target = self.data_files(path, ".dat.gz")[-1]
        with open(target, "r+b") as f:
            f.truncate(0)
        r = self.check("--path", path)
        self.assertState(r, 2, "data file %s of TABLE DATA " % os.path.basename(target))
        self.assertIn("is empty (0 bytes): a gzip file holds at least its header", r.first_line)
        # Uncompressed: read to the end, not only found.
        path = self.plain_dir("plain.dir")
        r = self.check("--path", path)
        self.assertState(r, 0, "pg_dump directory format and whole")
        target = max(self.data_files(path, ".dat"), key=os.path.getsize)
        size = os.path.getsize(target)
        self.assertGreater(size, 0)
        with open(target, "r+b") as f:
            f.write(bytes(size))
        r = self.check("--path", path)
        self.assertState(r, 2, "data file %s of TABLE DATA " % os.path.basename(target))
        self.assertIn("holds a NUL byte at byte 0", r.first_line)
        with open(target, "r+b") as f:
            f.write(b"x" * size)
        r = self.check("--path", path)
        self.assertState(r, 2, "cut short: it ends at byte %d in the middle of a line" % size)
        # Emptied: what pg_dump writes for an empty table, so whole, but counted.
        with open(target, "r+b") as f:
            f.truncate(0)
        r = self.check("--path", path)
        self.assertState(r, 0, "pg_dump directory format and whole")
        self.assertTrue(any("of them empty" in l for l in r.long_text), r)

    def test_directory_data_file_not_a_regular_file(self):
        path = self.plain_dir("special.dir")
        target = max(self.data_files(path, ".dat"), key=os.path.getsize)
        name = os.path.basename(target)
        os.unlink(target)
        os.symlink("/dev/zero", target)
        r = self.check("--path", path, "-t", "5")
        self.assertState(r, 2, "data file %s of TABLE DATA " % name)
        self.assertIn("a symbolic link, not a file pg_dump writes", r.first_line)
        os.unlink(target)
        os.mkfifo(target)
        start = time.monotonic()
        r = self.check("--path", path, "-t", "5")
        self.assertLess(time.monotonic() - start, 4, r)
        self.assertState(r, 2, "data file %s of TABLE DATA " % name)
        self.assertIn("a FIFO, not a file pg_dump writes", r.first_line)

    def bomb(self, name, compressor, frame_mib, frames):
        """Plain SQL's first line, then a frame of frame_mib MiB of comment lines repeated:
        frames * frame_mib MiB decoded from a file of a few MB."""
        path = os.path.join(self.dir, name)
        line = b"-- " + b"x" * 60 + b"\n"
        body = b"-- PostgreSQL database dump\n" + line * (frame_mib * 1024 * 1024 // len(line))
        frame = subprocess.run([tool(compressor), "-q", "-c"], input=body, stdout=subprocess.PIPE,
                               check=True, timeout=120).stdout
        with open(path, "wb") as f:
            for _ in range(frames):
                f.write(frame)
        return path

    def assertOrderlyTimeout(self, path, name, what):
        start = time.monotonic()
        r = self.check("--path", path, "-t", "2", timeout=60)
        elapsed = time.monotonic() - start
        self.assertState(r, 3, "timed out after 2 s while reading %s (%s)" % (name, what))
        self.assertPerf(r, 0, os.path.getsize(path), 1)
        self.assertLess(elapsed, 8, r)

    def test_zstd_bomb_ends_at_the_deadline(self):
        path = self.bomb("bomb.sql.zst", "zstd", 64, 4000)  # 250 GB decoded
        self.assertOrderlyTimeout(path, "bomb.sql.zst", "plain SQL dump in a zstd stream")

    def test_lz4_bomb_ends_at_the_deadline(self):
        path = self.bomb("bomb.sql.lz4", "lz4", 64, 400)  # 25 GB decoded
        self.assertOrderlyTimeout(path, "bomb.sql.lz4", "plain SQL dump in a lz4 stream")

    def test_no_file_content_in_messages(self):
        # A passphrase file next to the backups, and SQL text cut after a role's password.
        samples = {
            "backup.key": ("passphrase: %s\n" % SECRET).encode(),
            "backup.bin": b"\x00\x01" + SECRET.encode(),
            "roles.sql": ("-- PostgreSQL database cluster dump\n\nCREATE ROLE signer PASSWORD '%s';\n"
                          % SECRET).encode(),
        }
        for name, data in samples.items():
            with self.subTest(name=name):
                path = self.put(None, name, data=data)
                for extra in ((), ("-v",), ("--output-format", "json")):
                    r = self.check("--path", path, *extra)
                    self.assertEqual(r.rc, 2, r)
                    self.assertNotIn(SECRET, r.stdout + r.stderr)
                    self.assertNotIn(SECRET.encode().hex()[:12], (r.stdout + r.stderr).replace(" ", ""))
                    self.assertNotIn(" ".join("%02x" % b for b in data[:6]), r.stdout)


class AgeSizeCount(BackupCase):

    def test_age_thresholds(self):
        path = self.put(self.current.paths["signer.dump"])
        for age, rc, text in ((HOUR, 0, "1h 0m old"), (30 * HOUR, 1, "1d 6h old"), (3 * DAY, 2, "3d 0h old")):
            with self.subTest(age=age):
                t = time.time() - age
                os.utime(path, (t, t))
                r = self.check("--path", self.dir)
                self.assertState(r, rc, "newest backup signer.dump is %s" % text)
                self.assertPerf(r, age, os.path.getsize(path), 1)
        r = self.check("--path", self.dir, "-w", "30m", "-c", "2h")
        self.assertState(r, 2)
        self.assertEqual(r.perfdata["age"].warn, 1800)
        self.assertEqual(r.perfdata["age"].crit, 7200)

    def test_future_date_is_a_warning(self):
        path = self.put(self.current.paths["signer.dump"])
        t = time.time() + 2 * HOUR
        os.utime(path, (t, t))
        r = self.check("--path", self.dir)
        self.assertState(r, 1, "newest backup signer.dump is dated 2h 0m in the future (clock or copy problem)")
        self.assertLess(r.perfdata["age"].value, 0)

    def test_newest_by_mtime_is_the_backup(self):
        self.put(self.current.paths["signer.dump"], "signer-2.dump", age=DAY)
        src = self.current.paths["signer.dump"]
        self.cut(src, os.path.getsize(src) // 2, "signer-1.dump")  # newer by mtime, older by name
        r = self.check("--path", self.dir, "--pattern", "signer-*.dump")
        self.assertState(r, 2, "newest backup signer-1.dump (pg_dump custom format) is not whole")
        self.assertEqual(r.perfdata["backups"].value, 2)

    def test_empty_directory(self):
        r = self.check("--path", self.dir, "--pattern", "signer-*.dump")
        self.assertState(r, 2, "no backup matching 'signer-*.dump' in %s" % self.dir)
        self.assertEqual(r.perfdata["backups"].value, 0)

    def test_pattern_matching_directories(self):
        os.mkdir(os.path.join(self.dir, "signer-1.dump"))
        os.mkdir(os.path.join(self.dir, "signer-2.dump"))
        r = self.check("--path", self.dir, "--pattern", "signer-*")
        self.assertState(r, 2, "no backup matching 'signer-*' in %s (2 matching directories are not "
                               "directory-format dumps: no toc.dat)" % self.dir)
        self.put(self.current.paths["signer.dir"], "signer-3.dump", age=HOUR)
        r = self.check("--path", self.dir, "--pattern", "signer-*")
        self.assertState(r, 0, "newest backup signer-3.dump is 1h 0m old")
        self.assertEqual(r.perfdata["backups"].value, 1)

    def test_hidden_temporary_files_do_not_match(self):
        self.put(self.current.paths["signer.dump"], "signer-1.dump", age=HOUR)
        self.cut(self.current.paths["signer.dump"], 100, ".signer-2.dump.tmp")
        r = self.check("--path", self.dir)
        self.assertState(r, 0, "newest backup signer-1.dump")

    def test_missing_path(self):
        r = self.check("--path", os.path.join(self.dir, "nowhere"))
        self.assertState(r, 2, "cannot read %s/nowhere: No such file or directory" % self.dir)

    def test_min_size(self):
        path = self.put(self.current.paths["signer.dump"])
        size = os.path.getsize(path)
        r = self.check("--path", path, "--min-size", "1MB")
        self.assertState(r, 2, "newest backup signer.dump is %s, under the minimum of 1.0 MB"
                         % ("%.1f kB" % (size / 1000)))
        self.assertEqual(r.perfdata["size"].crit, 1000000)
        r = self.check("--path", path, "--min-size", "1kB")
        self.assertState(r, 0)

    def test_max_shrink(self):
        self.put(self.current.paths["signer.sql"], "signer-1.sql", age=DAY)
        self.put(self.current.paths["signer.sql.gz"], "signer-2.sql", age=HOUR)
        big = os.path.getsize(self.current.paths["signer.sql"])
        small = os.path.getsize(self.current.paths["signer.sql.gz"])
        pct = round((big - small) * 100 / big)
        r = self.check("--path", self.dir, "--max-shrink", "20")
        self.assertState(r, 1, "newest backup signer-2.sql is %d%% smaller than the one before it" % pct)
        r = self.check("--path", self.dir, "--max-shrink", "90")
        self.assertState(r, 0)

    def test_count_min(self):
        self.put(self.current.paths["signer.dump"], "signer-1.dump", age=DAY)
        self.put(self.current.paths["signer.dump"], "signer-2.dump", age=HOUR)
        r = self.check("--path", self.dir, "--count-min", "3")
        self.assertState(r, 1, "only 2 backups match '*', fewer than --count-min 3 (retention broken?)")
        self.assertEqual(r.perfdata["backups"].value, 2)
        self.assertEqual(r.perfdata["backups"].warn, 3)
        r = self.check("--path", self.dir, "--count-min", "2")
        self.assertState(r, 0)

    def test_json_output(self):
        import json
        self.put(self.current.paths["signer.dump"], age=HOUR)
        r = self.check("--path", self.dir, "--output-format", "json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["check"], "BACKUP")
        self.assertEqual(doc["state_text"], "OK")
        labels = {p["label"]: p for p in doc["perfdata"]}
        self.assertEqual(labels["size"]["value"], os.path.getsize(self.current.paths["signer.dump"]))


class Permissions(BackupCase):
    """Tests run as root; the plugin runs as 'nobody' here so that permissions bite."""

    def run_as_nobody(self, *args):
        import pwd
        nobody = pwd.getpwnam("nobody")
        bindir = tempfile.mkdtemp(prefix="sbtc-bin-")
        try:
            os.chmod(bindir, 0o755)
            exe = os.path.join(bindir, CHECK)
            shutil.copy(harness.plugin.plugin_path(CHECK), exe)
            os.chmod(exe, 0o755)
            p = subprocess.run([exe] + list(args), capture_output=True, text=True, timeout=30,
                               user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[],
                               env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        finally:
            shutil.rmtree(bindir, ignore_errors=True)
        return harness.Result([exe] + list(args), p.returncode, p.stdout, p.stderr, 0)

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to run the plugin as 'nobody'")
        os.chmod(self.top, 0o755)

    def test_unreadable_directory(self):
        inner = os.path.join(self.dir, "backups")
        os.mkdir(inner, 0o755)
        os.chmod(self.dir, 0o700)
        r = self.run_as_nobody("--path", inner)
        self.assertState(r, 2, "cannot read %s: Permission denied" % inner)

    def test_unlistable_directory(self):
        os.chmod(self.dir, 0o711)
        r = self.run_as_nobody("--path", self.dir)
        self.assertState(r, 2, "cannot read directory %s: Permission denied" % self.dir)

    def test_unreadable_file(self):
        os.chmod(self.dir, 0o755)
        path = self.put(self.current.paths["signer.dump"], age=HOUR)
        os.chmod(path, 0o600)
        r = self.run_as_nobody("--path", self.dir)
        self.assertState(r, 2, "newest backup signer.dump is unreadable: Permission denied")
        self.assertEqual(r.perfdata["backups"].value, 1)


class VerifyKey(BackupCase):

    def verify(self, path, *extra, **kw):
        return self.check("--path", path, "--verify-key", "-u", self.node.url, "--pg-restore", self.pg_restore,
                          *extra, **kw)

    @under_valgrind
    def test_custom_holds_the_key_on_chain(self):
        r = self.verify(self.current.paths["signer.dump"])
        self.assertState(r, 0, "on-chain key %s is the newest verified share in the backup (created 2d 0h ago)"
                         % short(CUR))
        self.assertTrue(any("the backup holds 2 verified, 0 unverified, 0 failed shares" in l
                            for l in r.long_text), r)

    def test_a_node_that_never_answers_is_named_when_the_deadline_passes(self):
        # The node's silence uses the time up: the message names the node, not pg_restore
        # (which would have found no time left).
        for name in ("signer.dump", "signer.sql"):
            with self.subTest(name=name), SilentServer() as node:
                url = "http://127.0.0.1:%d" % node.port
                r = self.check("--path", self.current.paths[name], "--verify-key", "-u", url,
                               "--pg-restore", self.pg_restore, "-t", "2", timeout=20)
                self.assertState(r, 3, "no answer from Stacks node %s within the deadline of 2 s" % url)
                self.assertNotIn("pg_restore", r.first_line)

    def test_a_stalled_node_costs_only_itself(self):
        # The node takes the request and stalls past -t 4: the check ends at its deadline,
        # with the backup's own lines (age, size, format) and their perfdata, and the
        # node's line saying that it did not answer in time.
        self.node.set(mood="stall", stall_seconds=15)
        for name, what in (("signer.dump", "pg_dump custom format, whole"),
                           ("signer.sql", "plain SQL dump, whole")):
            with self.subTest(name=name):
                path = self.put(self.current.paths[name], age=HOUR)
                start = time.monotonic()
                r = self.verify(path, "-t", "4", timeout=20)
                elapsed = time.monotonic() - start
                self.assertState(r, 3, "no answer from Stacks node %s within the deadline of 4 s" % self.node.url)
                self.assertLess(elapsed, 5.5, r)  # -t 4: the deadline, with room for a loaded machine
                self.assertTrue(any("newest backup %s is 1h 0m old" % name in l for l in r.long_text), r)
                self.assertTrue(any(re.search(r"\bsize \d", l) for l in r.long_text), r)
                self.assertTrue(any(what in l for l in r.long_text), r)
                self.assertPerf(r, HOUR, os.path.getsize(path), 1)

    def test_a_stalled_node_leaves_the_live_database_judged(self):
        # With --dbconn and --stacks-url, a node that stalls past the deadline costs only its
        # own line: the live database answered, and the plain dump's shares, read with the
        # dump, are judged against it.
        self.node.set(mood="stall", stall_seconds=15)
        path = self.put(self.current.paths["signer.sql"], age=HOUR)
        r = self.verify(path, "-d", self.db.conninfo(), "-t", "4", timeout=20)
        self.assertState(r, 3, "no answer from Stacks node %s within the deadline of 4 s" % self.node.url)
        self.assertTrue(any("the newest verified share of database %s at 127.0.0.1:%d, %s, is the newest verified "
                            "share in the backup" % (self.db.dbname, self.cluster.port, short(CUR)) in l
                            for l in r.long_text), r)
        self.assertPerf(r, HOUR, os.path.getsize(path), 1)

    def test_pg_restore_runs_while_the_node_answers(self):
        # pg_restore starts before the node is asked: a node that takes 2 s and a pg_restore
        # that takes 2 s to start cost about 2 s together, not 4.
        self.node.set(mood="stall", stall_seconds=2)
        slow = os.path.join(self.dir, "pg_restore")
        with open(slow, "w") as f:
            f.write("#!/bin/sh\nsleep 2\nexec %s \"$@\"\n" % self.pg_restore)
        os.chmod(slow, 0o755)
        start = time.monotonic()
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-u", self.node.url,
                       "--pg-restore", slow, timeout=30)
        elapsed = time.monotonic() - start
        self.assertState(r, 0, "on-chain key %s is the newest verified share in the backup" % short(CUR))
        self.assertLess(elapsed, 3.5, r)

    def test_a_stalled_database_leaves_the_node_judged(self):
        # The node and the live database are asked at once: a database that takes the
        # connection and never answers costs only its own line, and the registry's key is
        # judged against the plain dump's shares.
        with SilentServer() as db:
            conninfo = "host=127.0.0.1 port=%d dbname=signer user=monitor" % db.port
            path = self.put(self.current.paths["signer.sql"], age=HOUR)
            start = time.monotonic()
            r = self.verify(path, "-d", conninfo, "-t", "4", timeout=20)
            elapsed = time.monotonic() - start
        self.assertState(r, 3)
        self.assertLess(elapsed, 5.5, r)  # -t 4: the deadline, with room for a loaded machine
        self.assertTrue(any("on-chain key %s is the newest verified share in the backup" % short(CUR) in l
                            for l in r.long_text), r)
        self.assertPerf(r, HOUR, os.path.getsize(path), 1)

    def test_every_format_holds_the_key_on_chain(self):
        for name in ("signer.dump", "signer-z0.dump", "signer.tar", "signer.dir", "signer.sql", "signer.sql.gz",
                     "signer.sql.zst", "signer.sql.lz4"):
            with self.subTest(name=name):
                r = self.verify(self.current.paths[name])
                self.assertState(r, 0, "on-chain key %s is the newest verified share in the backup" % short(CUR))

    @under_valgrind
    def test_backup_with_an_older_key_is_critical(self):
        for name in ("old.dump", "old.sql", "old.dir", "old.tar"):
            with self.subTest(name=name):
                r = self.verify(self.old.paths[name])
                self.assertState(r, 2, "on-chain key %s is not among the verified shares of the backup: it "
                                       "cannot sign for it (newest verified share is %s)" % (short(CUR), short(PREV)))

    def test_rotation_pending(self):
        self.node.set(aggregate_key=PREV)
        r = self.verify(self.current.paths["signer.dump"], "--rotation-grace", "7d")
        self.assertState(r, 1, "key rotation pending for 2d 0h (grace 7d 0h)")
        r = self.verify(self.current.paths["signer.dump"])
        self.assertState(r, 2, "key rotation pending for 2d 0h (grace 6h 0m)")

    def test_network_testnet_registry(self):
        # the registry options are the library's: --network testnet asks the testnet registry
        testnet = "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70.sbtc-registry"
        self.node.set(registry=testnet)
        r = self.verify(self.current.paths["signer.dump"], "--network", "testnet")
        self.assertState(r, 0, "on-chain key %s is the newest verified share in the backup" % short(CUR))
        self.assertIn("/v2/contracts/call-read/SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70/sbtc-registry/",
                      self.node.requests[-1]["path"])
        r = self.verify(self.current.paths["signer.dump"])
        self.assertEqual(r.rc, 2, r)
        self.assertIn("NoSuchContract", r.stdout)

    def test_registry_without_key(self):
        self.node.set(mood="no-key")
        r = self.verify(self.current.paths["signer.sql"])
        self.assertState(r, 1, "the registry holds no aggregate key yet")

    def test_pre_0012_backup(self):
        r = self.verify(self.pre.paths["pre.sql"])
        self.assertState(r, 1, "the backup predates migration 0012 (a pre-mainnet signer, 0.0.9-rc6 or older, "
                               "or migrations that never ran: every release since v1.0.0 applies 0001 to 0014): "
                               "its 1 shares carry no verification status; start the signer with --migrate-db "
                               "and take a new backup")
        self.assertNotIn("v1.0.x", r.stdout, r)

    def test_live_database(self):
        live = self.db.conninfo()
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-d", live,
                       "--pg-restore", self.pg_restore)
        self.assertState(r, 0, "the newest verified share of database %s at 127.0.0.1:%d, %s, is the newest "
                               "verified share in the backup" % (self.db.dbname, self.cluster.port, short(CUR)))
        self.assertEqual(self.node.requests, [], "no Stacks node asked without --stacks-url")
        r = self.check("--path", self.old.paths["old.sql"], "--verify-key", "-d", live)
        self.assertState(r, 2, "is not among the verified shares of the backup: it cannot restore a signer")

    def test_live_database_unreachable_is_critical(self):
        # A connection that fails at once (refused on loopback, a port that is no number)
        # is CRITICAL with libpq's reason, not a database that answered with no shares.
        for conninfo in ("host=127.0.0.1 port=%d dbname=signer user=monitor" % closed_port(),
                         "host=127.0.0.1 port= dbname=signer user=monitor"):
            with self.subTest(conninfo=conninfo):
                r = self.check("--path", self.current.paths["signer.sql"], "--verify-key", "-d", conninfo)
                self.assertState(r, 2, "cannot connect to the database")
                self.assertNotIn("no verified share", r.stdout)

    def test_node_down_is_critical(self):
        r = self.check("--path", self.current.paths["signer.sql"], "--verify-key",
                       "-u", "http://127.0.0.1:%d" % closed_port())
        self.assertState(r, 2, "Connection refused")

    def test_cut_backup_is_not_read_for_its_key(self):
        src = self.current.paths["signer.dump"]
        r = self.verify(self.cut(src, os.path.getsize(src) // 2, "cut.dump"))
        self.assertState(r, 2, "is not whole")
        self.assertEqual(self.node.requests, [])

    def test_backup_of_another_database(self):
        other = harness.scenario_db(None)
        other.sql("CREATE TABLE t (x int); INSERT INTO t VALUES (1);")
        d = Dumps(self.cluster, other.dbname, self.dir)
        for name, fmt in (("other.dump", "c"), ("other.sql", "p")):
            with self.subTest(name=name):
                r = self.verify(d.make(name, fmt))
                self.assertState(r, 2, "holds no data of sbtc_signer.dkg_shares (is it the signer's database?)")

    def test_dump_made_with_inserts(self):
        d = Dumps(self.cluster, self.db.dbname, self.dir)
        for name, fmt in (("inserts.sql", "p"), ("inserts.dump", "c")):
            with self.subTest(name=name):
                r = self.verify(d.make(name, fmt, ["--inserts"]))
                self.assertState(r, 3, "newest backup %s holds sbtc_signer.dkg_shares as INSERT statements "
                                       "(pg_dump --inserts): --verify-key reads COPY data only" % name)
                self.assertTrue(any("whole" in l for l in r.long_text), r)

    def test_pg_restore_missing(self):
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-u", self.node.url,
                       env={"PATH": self.dir})
        self.assertState(r, 3, "--verify-key needs pg_restore for a archive-format backup: none on PATH")
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-u", self.node.url,
                       "--pg-restore", os.path.join(self.dir, "pg_restore"))
        self.assertState(r, 3, "cannot run pg_restore: %s/pg_restore: No such file or directory" % self.dir)

    def test_pg_restore_failing(self):
        fake = os.path.join(self.dir, "pg_restore")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'pg_restore: error: could not read input file: end of file|x' >&2\nexit 1\n")
        os.chmod(fake, 0o755)
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-u", self.node.url,
                       "--pg-restore", fake)
        self.assertState(r, 2, "pg_restore cannot read signer.dump (exit 1): pg_restore: error: could not read "
                               "input file: end of file/x")

    def test_pg_restore_stalled_is_killed_at_the_deadline(self):
        fake = os.path.join(self.dir, "pg_restore")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexec sleep 60\n")
        os.chmod(fake, 0o755)
        start = time.monotonic()
        r = self.check("--path", self.current.paths["signer.dump"], "--verify-key", "-u", self.node.url,
                       "--pg-restore", fake, "-t", "2")
        elapsed = time.monotonic() - start
        # The orderly path kills pg_restore at the deadline and says so; on a machine so busy
        # that it is not scheduled again within the backstop's margin, the SIGALRM backstop
        # ends the run instead, naming the same activity (pg_restore dies with the check:
        # PR_SET_PDEATHSIG in lib/subprocess.c). Either way: UNKNOWN, in time, pg_restore named.
        self.assertState(r, 3, "timed out after 2 s while")
        self.assertTrue(r.text.endswith("while pg_restore read the backup (killed)")
                        or r.text.endswith("while reading the backup with pg_restore"), r)
        self.assertLess(elapsed, 8, r)


class ContribScript(BackupCase):
    """contrib/backup/sbtc-backup makes backups this check accepts, and keeps the newest."""

    SCRIPT = os.path.join(harness.REPO_ROOT, "contrib", "backup", "sbtc-backup")

    def run_script(self, **settings):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"SBTC_BACKUP_DB": self.db.conninfo(password=False), "SBTC_BACKUP_DIR": self.dir,
                    "PGPASSWORD": self.cluster.password, "PG_DUMP": os.path.join(self.cluster.bindir, "pg_dump"),
                    "PG_RESTORE": self.pg_restore})
        env.update({k: str(v) for k, v in settings.items()})
        return subprocess.run([self.SCRIPT], env=env, capture_output=True, text=True, timeout=60)

    def test_backup_is_accepted_with_its_key(self):
        p = self.run_script()
        self.assertEqual(p.returncode, 0, p.stderr)
        names = os.listdir(self.dir)
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], r"^signer-\d{4}-\d\d-\d\dT\d{6}Z\.dump$")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.dir, names[0])).st_mode), 0o600)
        r = self.check("--path", self.dir, "--pattern", "signer-*.dump", "--format", "custom", "--verify-key",
                       "-u", self.node.url, "--pg-restore", self.pg_restore)
        # made moments ago: a few seconds on a busy machine
        self.assertState(r, 0)
        self.assertRegex(r.first_line, r"newest backup %s is [0-9]s old" % re.escape(names[0]))
        self.assertIn("pg_dump custom format and whole; on-chain key %s is the newest verified share in the "
                      "backup" % short(CUR), r.first_line)

    def test_retention_keeps_the_newest(self):
        src = self.current.paths["signer.dump"]
        for day in range(1, 6):
            self.put(src, "signer-2026-01-0%dT031500Z.dump" % day, age=(40 - day) * DAY)
        p = self.run_script(SBTC_BACKUP_KEEP_DAYS=14, SBTC_BACKUP_KEEP_MIN=3)
        self.assertEqual(p.returncode, 0, p.stderr)
        left = sorted(os.listdir(self.dir))
        self.assertEqual(left[:2], ["signer-2026-01-04T031500Z.dump", "signer-2026-01-05T031500Z.dump"], left)
        self.assertEqual(len(left), 3, left)
        r = self.check("--path", self.dir, "--pattern", "signer-*.dump", "--count-min", "3")
        self.assertState(r, 0)
        self.assertEqual(r.perfdata["backups"].value, 3)

    def test_failed_dump_leaves_nothing(self):
        p = self.run_script(SBTC_BACKUP_DB="host=127.0.0.1 port=%d dbname=nope" % closed_port())
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(os.listdir(self.dir), [])


class Usage(BackupCase):

    def test_help_and_bad_arguments(self):
        r = self.check("--help")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("--max-shrink", r.stdout)
        for args, text in ((["--pattern", "x"], "--path is required"),
                           (["--path", self.dir, "--format", "zip"], "invalid --format 'zip'"),
                           (["--path", self.dir, "--max-shrink", "150"], "invalid --max-shrink '150'"),
                           (["--path", self.dir, "--min-size", "10XB"], "10XB"),
                           (["--path", self.dir, "-w", "1x"], "1x"),
                           (["--path", self.dir, "--pattern", "a/b"], "invalid --pattern"),
                           (["--path", self.dir, "--pg-restore", "pg_restore"], "must be an absolute path")):
            with self.subTest(args=args):
                r = self.check(*args)
                self.assertEqual(r.rc, 3, r)
                self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - "), r)
                self.assertIn(text, r.stdout)


if __name__ == "__main__":
    unittest.main()
