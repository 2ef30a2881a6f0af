# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_keyfile on real files in a temporary root: real modes, owners (uid and gid
numbers no account has, set with chown: the tests run as root), directories, symlinks,
a compose deployment shaped like stacks-sbtc/sbtc docker/mainnet/docker-compose.yml, a
systemd unit, and a real process whose command line holds a key.

The temporary root lies under /run (root's, mode 0755) rather than /tmp, whose sticky,
world-writable folder the check rightly reports.

Each test asserts the exit code, the first line and the perfdata; every run, in every
output format, is searched for the key, which must never appear.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from harness.plugin import plugin_path

CHECK = "check_sbtc_keyfile"
PREFIX = "SBTC KEYFILE "
KEY = "41634762d89dfa09133a4a8e9c1378d0161d29cd0a9433b51f1e3d32947a73dc"
DB_PW = "db-Secret-pw-93"
OTHER_UID = 47110  # no account: a number the check can only show as such
OTHER_GID = 47111

TOML = """# The signer's config, as signer/src/config/default.toml lays it out.
[blocklist_client]
endpoint = "http://127.0.0.1:3032"

[signer]
bootstrap_signing_set = [
    "035249137286c077ccee65ecc43e724b9b9e5a588e3d7f51e3b62f9624c2a49e46",
    "031a4d9f4903da97498945a4e01a5023a1d53bc96ad670bfe03adf8a06c52e6380",
]
private_key = "%s"
db_endpoint = "postgresql://postgres:%s@127.0.0.1:5432/signer"
""" % (KEY, DB_PW)

# docker/mainnet/docker-compose.yml's way: every secret a reference to the .env beside it.
COMPOSE_REFERENCES = """x-common-vars:
  - &POSTGRES_PASSWORD ${POSTGRES_PASSWORD:?} # Required
  - &SIGNER_SIGNER__DB_ENDPOINT "postgresql://${POSTGRES_USER:-postgres}:${POSTGRES_PASSWORD:?}@${POSTGRES_HOST:-postgres}:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-signer}"
  - &SIGNER_SIGNER__PRIVATE_KEY ${SIGNER_SIGNER__PRIVATE_KEY:?} # Required

services:
  postgres:
    image: postgres:16.6-bookworm
    environment:
      POSTGRES_PASSWORD: *POSTGRES_PASSWORD
  sbtc-signer:
    entrypoint:
      - "/usr/local/bin/signer"
      - "--config"
      - "/signer-config.toml"
    environment:
      RUST_LOG: info,signer=debug
      SIGNER_SIGNER__PRIVATE_KEY: *SIGNER_SIGNER__PRIVATE_KEY
      SIGNER_SIGNER__DB_ENDPOINT: *SIGNER_SIGNER__DB_ENDPOINT
    ports:
      - "4122:4122"
      - "127.0.0.1:8801:8801"
"""

ENV = "POSTGRES_PASSWORD=%s\nSIGNER_SIGNER__PRIVATE_KEY=%s\n" % (DB_PW, KEY)

UNIT = """[Unit]
Description=sBTC signer

[Service]
User=sbtc
Environment=RUST_LOG=info
Environment=SIGNER_SIGNER__PRIVATE_KEY=%s
ExecStart=/usr/local/bin/signer --config /etc/sbtc/signer-config.toml --migrate-db
""" % KEY


# Inside a private mount namespace: mounts a proc with hidepid=2 on argv[1], runs argv[3:]
# as uid argv[2], passes its output on. Exit 99: proc could not be mounted.
HIDEPID_RUN = r"""
import subprocess, sys
mnt, uid, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
m = subprocess.run(["mount", "-t", "proc", "-o", "hidepid=2", "proc", mnt], capture_output=True, text=True)
if m.returncode != 0:
    sys.stderr.write(m.stderr)
    sys.exit(99)
r = subprocess.run(argv, user=uid, group=uid, extra_groups=[], capture_output=True, text=True, timeout=30)
subprocess.run(["umount", mnt])
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
sys.exit(r.returncode)
"""


def _formats():
    """The output formats this build knows (prometheus where it exists)."""
    out = subprocess.run([plugin_path(CHECK), "--help"], capture_output=True, text=True, timeout=30).stdout
    return ["multi-line", "one-line", "json"] + (["prometheus"] if "prometheus" in out else [])


class KeyfileCase(unittest.TestCase):
    base = None

    @classmethod
    def setUpClass(cls):
        st = os.stat("/run")
        if os.geteuid() != 0 or st.st_uid != 0 or st.st_mode & 0o022:
            raise unittest.SkipTest("needs root and a /run only root may write")
        cls.formats = _formats()

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="sbtc-keyfile-", dir="/run")
        os.chmod(self.root, 0o755)
        self.addCleanup(shutil.rmtree, self.root, True)

    def write(self, rel, text, mode=0o600, uid=0, gid=0):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        os.chown(path, uid, gid)
        return path

    def folder(self, rel, mode, uid=0, gid=0):
        path = os.path.join(self.root, rel)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        os.chown(path, uid, gid)
        return path

    def check(self, *args, all_formats=False):
        """Runs the check; returns the multi-line result, which may not show the key or the
        database password. all_formats: the other output formats too (at once), searched
        the same way."""
        fmts = self.formats[1:] if all_formats and os.environ.get("SBTC_VALGRIND") != "1" else []
        argvs = [list(args)] + [list(args) + ["--output-format=" + f] for f in fmts]
        with concurrent.futures.ThreadPoolExecutor(len(argvs)) as pool:
            results = list(pool.map(lambda a: harness.run(CHECK, a, timeout=30), argvs))
        r = results[0]
        for text in (r.stdout, r.stderr):
            self.assertNotIn(KEY, text)
            self.assertNotIn(KEY[:16], text)
            self.assertNotIn(DB_PW, text)
        for fmt, o in zip(fmts, results[1:]):
            self.assertEqual(o.rc, r.rc, o)
            for text in (o.stdout, o.stderr):
                self.assertNotIn(KEY[:16], text, fmt)
                self.assertNotIn(DB_PW, text, fmt)
            if fmt == "json":
                doc = json.loads(o.stdout)
                self.assertEqual(doc["state"], r.rc)
        return r

    def assertResult(self, r, rc, *parts, files=None, secrets=None):
        self.assertEqual(r.rc, rc, r)
        self.assertTrue(r.text.startswith(PREFIX + harness.plugin.STATES[rc] + " - "), r)
        for p in parts:
            self.assertIn(p, r.stdout, r)
        self.assertEqual(r.perfdata_errors, [], r)
        if files is not None:
            self.assertEqual(r.perfdata["files"].value, files, r)
        if secrets is not None:
            self.assertEqual(r.perfdata["secrets"].value, secrets, r)
        self.assertIn("time", r.perfdata)

    # ------------------------------------------------------------------ OK

    @under_valgrind
    def test_toml_0600_root_ok(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML)
        r = self.check("--config", p, all_formats=True)
        self.assertResult(r, 0, "2 secrets in 1 file", "no process has the key on its command line",
                          files=1, secrets=2)

    def test_reference_compose_with_env_ok(self):
        c = self.write("opt/sbtc/docker/mainnet/docker-compose.yml", COMPOSE_REFERENCES, mode=0o644)
        e = self.write("opt/sbtc/docker/mainnet/.env", ENV)
        r = self.check("--config", c, "--config", e, all_formats=True)
        self.assertResult(r, 0, "2 secrets in 1 file", "2 files read, 1 of them holds 2 secrets", files=2, secrets=2)

    def test_owner_option(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML, uid=OTHER_UID)
        self.folder("etc/sbtc", 0o700, uid=OTHER_UID)
        r = self.check("--config", p, "--owner", str(OTHER_UID))
        self.assertResult(r, 0, files=1, secrets=2)

    # ------------------------------------------------------------------ CRITICAL

    @under_valgrind
    def test_key_file_mode_0644(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML, mode=0o644)
        r = self.check("--config", p, all_formats=True)
        self.assertResult(r, 2, "%s holds private_key line 10, db_endpoint line 11 and is readable by group and "
                          "others (mode 0644): chmod 600 it" % p, files=1, secrets=2)

    def test_key_file_group_readable(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML, mode=0o640, gid=OTHER_GID)
        r = self.check("--config", p)
        self.assertResult(r, 2, "is readable by group (mode 0640)")

    def test_owned_by_another_user(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML, uid=OTHER_UID)
        r = self.check("--config", p)
        self.assertResult(r, 2, "is owned by uid %d, not by root (give the signer's user with --owner)" % OTHER_UID)
        # the signer's user is someone else still
        r = self.check("--config", p, "--owner", str(OTHER_UID + 1))
        self.assertResult(r, 2, "not by root or --owner: chown %d" % (OTHER_UID + 1))

    def test_directory_writable_by_others(self):
        d = self.folder("srv/shared", 0o777)
        p = self.write("srv/shared/signer.env", ENV)
        r = self.check("--config", p)
        self.assertResult(r, 2, "directory %s above %s is writable by others (mode 0777)" % (d, p))

    def test_directory_of_another_user(self):
        d = self.folder("home/alice", 0o755, uid=OTHER_UID)
        p = self.write("home/alice/signer.env", ENV)
        r = self.check("--config", p)
        self.assertResult(r, 2, "directory %s above %s is owned by uid %d" % (d, p, OTHER_UID))

    def test_symlink_into_writable_place(self):
        self.folder("var/drop", 0o777)
        target = self.write("var/drop/signer-config.toml", TOML)
        link = os.path.join(self.folder("etc/sbtc", 0o755), "signer-config.toml")
        os.symlink(target, link)
        r = self.check("--config", link, all_formats=True)
        self.assertResult(r, 2, "%s is a symlink to %s, and directory %s above it is writable by others"
                          % (link, target, os.path.dirname(target)), files=1, secrets=2)
        self.assertIn("[OK] no directory above a secret writable by another user", r.stdout)

    def test_symlink_into_safe_place_ok(self):
        target = self.write("etc/sbtc/real/signer-config.toml", TOML)
        link = os.path.join(self.root, "etc/sbtc/signer-config.toml")
        os.symlink(target, link)
        r = self.check("--config", link)
        self.assertResult(r, 0, files=1, secrets=2)

    def test_dangling_symlink(self):
        link = os.path.join(self.folder("etc/sbtc", 0o755), "signer-config.toml")
        os.symlink(os.path.join(self.root, "nowhere.toml"), link)
        r = self.check("--config", link)
        self.assertResult(r, 2, "%s is a symlink that leads nowhere" % link)

    def test_given_file_missing(self):
        p = os.path.join(self.root, "etc/sbtc/signer-config.toml")
        r = self.check("--config", p)
        self.assertResult(r, 2, "TOML config %s named by --config does not exist" % p, files=0, secrets=0)

    def test_env_file_of_unit_mode_0644(self):
        e = self.write("etc/sbtc/signer.env", ENV, mode=0o644)
        u = self.write("etc/systemd/system/sbtc-signer.service",
                       "[Service]\nEnvironmentFile=%s\nExecStart=/usr/local/bin/signer\n" % e, mode=0o644)
        r = self.check("--config", u)
        self.assertResult(r, 2, "%s holds POSTGRES_PASSWORD line 1, SIGNER_SIGNER__PRIVATE_KEY line 2 and is "
                          "readable by group and others (mode 0644)" % e, files=2, secrets=2)

    # ------------------------------------------------------------------ WARNING

    @under_valgrind
    def test_key_in_unit_environment(self):
        u = self.write("etc/systemd/system/sbtc-signer.service", UNIT)
        r = self.check("--config", u, all_formats=True)
        self.assertResult(r, 1, "SIGNER_SIGNER__PRIVATE_KEY is inline in Environment= of %s line 7: systemctl show "
                          "prints it to every user" % u, files=1, secrets=1)

    def test_key_in_world_readable_unit(self):
        u = self.write("etc/systemd/system/sbtc-signer.service", UNIT, mode=0o644)
        r = self.check("--config", u)
        self.assertResult(r, 2, "readable by group and others (mode 0644)", "is inline in Environment=")

    def test_key_inline_in_compose(self):
        inline = COMPOSE_REFERENCES.replace("SIGNER_SIGNER__PRIVATE_KEY: *SIGNER_SIGNER__PRIVATE_KEY",
                                            "SIGNER_SIGNER__PRIVATE_KEY: \"%s\"" % KEY)
        c = self.write("opt/sbtc/docker/mainnet/docker-compose.yml", inline)
        r = self.check("--config", c, all_formats=True)
        self.assertResult(r, 1, "SIGNER_SIGNER__PRIVATE_KEY is inline in the environment of %s line 18: docker "
                          "inspect" % c, files=1, secrets=1)

    def test_key_through_compose_env_file(self):
        e = self.write("opt/sbtc/docker/mainnet/signer.env", ENV, mode=0o604)
        c = self.write("opt/sbtc/docker/mainnet/docker-compose.yml",
                       "services:\n  sbtc-signer:\n    env_file: ./signer.env\n", mode=0o644)
        r = self.check("--config", c)
        self.assertResult(r, 2, "%s holds POSTGRES_PASSWORD line 1" % e, "readable by others (mode 0604)",
                          files=2, secrets=2)

    def test_sticky_shared_directory(self):
        d = self.folder("tmpdir", 0o1777)
        p = self.write("tmpdir/signer.env", ENV)
        r = self.check("--config", p)
        self.assertResult(r, 1, "directory %s above %s is shared by all users (mode 1777, sticky)" % (d, p))

    def test_group_writable_directory(self):
        d = self.folder("etc/sbtc", 0o775, gid=OTHER_GID)
        p = self.write("etc/sbtc/signer.env", ENV)
        r = self.check("--config", p)
        self.assertResult(r, 1, "directory %s above %s is writable by group gid %d (mode 0775)"
                          % (d, p, OTHER_GID))

    def test_no_file_holds_the_key(self):
        p = self.write("etc/sbtc/signer-config.toml", "[signer]\nnetwork = \"mainnet\"\n")
        r = self.check("--config", p)
        self.assertResult(r, 1, "none of the 1 files read holds the signer's private key", files=1, secrets=0)

    def test_key_on_a_command_line(self):
        # A stand-in for a signer started as `env SIGNER_SIGNER__PRIVATE_KEY=... signer`.
        child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()",
                                  "SIGNER_SIGNER__PRIVATE_KEY=" + KEY], stdin=subprocess.PIPE)
        try:
            p = self.write("etc/sbtc/signer-config.toml", TOML)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with open("/proc/%d/cmdline" % child.pid, "rb") as f:
                    if KEY.encode() in f.read():
                        break
                time.sleep(0.02)
            r = self.check("--config", p, all_formats=True)
            self.assertResult(r, 1, "process %d (" % child.pid, "was started with the private key on its command "
                              "line (SIGNER_SIGNER__PRIVATE_KEY=... in an argument)", files=1, secrets=2)
        finally:
            child.stdin.close()
            child.wait(timeout=10)

    def test_hidepid_not_checked(self):
        # A proc mounted with hidepid=2 in a mount namespace of its own (nothing else sees
        # it): run as another user, the check sees only that user's processes and says
        # so rather than "no process has the key", even with a process holding one.
        unshare = shutil.which("unshare")
        if unshare is None:
            self.skipTest("unshare (util-linux) is needed")
        p = self.write("etc/sbtc/signer-config.toml", TOML, uid=OTHER_UID)
        self.folder("etc/sbtc", 0o700, uid=OTHER_UID)
        mnt = self.folder("proc", 0o755)
        plugin = plugin_path(CHECK)
        child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()",
                                  "SIGNER_SIGNER__PRIVATE_KEY=" + KEY], stdin=subprocess.PIPE)
        try:
            out = subprocess.run([unshare, "--mount", "--propagation", "private", sys.executable, "-c", HIDEPID_RUN,
                                  mnt, str(OTHER_UID), plugin, "--config", p, "--owner", str(OTHER_UID),
                                  "--proc", mnt], capture_output=True, text=True, timeout=60)
        finally:
            child.stdin.close()
            child.wait(timeout=10)
        if out.returncode == 99:
            self.skipTest("proc cannot be mounted here: %s" % out.stderr.strip())
        r = harness.plugin.Result(["check_sbtc_keyfile"], out.returncode, out.stdout, out.stderr, 0)
        self.assertResult(r, 0, "[OK] other users' command lines not checked: /proc is mounted with hidepid=",
                          "(others' processes hidden)", files=1, secrets=2)
        self.assertNotIn(KEY[:16], out.stdout)

    # ------------------------------------------------------------------ UNKNOWN

    def test_no_other_process_is_not_a_clean_bill(self):
        # A /proc that shows no process but the check's own (a PID namespace of its own, a
        # container's) or none at all (a folder) has not shown the signer: nothing was
        # checked, not "no process has the key".
        p = self.write("etc/sbtc/signer-config.toml", TOML)
        empty = self.folder("empty-proc", 0o755)
        r = self.check("--config", p, "--proc", empty)
        self.assertResult(r, 3, "command lines not checked: no other process in %s (not the host's /proc" % empty,
                          files=1, secrets=2)
        unshare = shutil.which("unshare")
        if unshare is None:
            self.skipTest("unshare (util-linux) is needed")
        out = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", plugin_path(CHECK), "--config", p],
                             capture_output=True, text=True, timeout=60)
        r = harness.plugin.Result(["check_sbtc_keyfile"], out.returncode, out.stdout, out.stderr, 0)
        self.assertResult(r, 3, "command lines not checked: no other process in /proc", files=1, secrets=2)

    def test_line_not_read(self):
        p = self.write("etc/sbtc/signer-config.toml", TOML + "this line is not TOML\n")
        r = self.check("--config", p)
        self.assertResult(r, 3, "TOML config %s line 12 cannot be read (a key is not followed by '='): a secret "
                          "there would go unseen" % p, files=1, secrets=2)

    def test_unreadable_by_the_monitoring_user(self):
        # The check run as a user who is neither root nor the owner: it cannot read a
        # 0600 file, and says what to grant.
        p = self.write("etc/sbtc/signer-config.toml", TOML)
        plugin = plugin_path(CHECK)
        probe = subprocess.run(["/usr/bin/test", "-x", plugin], user=OTHER_UID, group=OTHER_GID,
                               extra_groups=[], timeout=30)
        if probe.returncode != 0:
            self.skipTest("the built plugin is not executable by other users here")
        out = subprocess.run([plugin, "--config", p], user=OTHER_UID, group=OTHER_GID, extra_groups=[],
                             capture_output=True, text=True, timeout=30)
        r = harness.plugin.Result([plugin, "--config", p], out.returncode, out.stdout, out.stderr, 0)
        self.assertResult(r, 3, "cannot read %s as uid %d: run this check as root (sudo, see --help) or as the "
                          "file's owner" % (p, OTHER_UID), files=0, secrets=0)
        self.assertNotIn(KEY[:16], out.stdout)

    def test_no_default_file(self):
        present = [p for p in ("/opt/sbtc/docker/mainnet", "/signer-config.toml",
                               "/etc/systemd/system/sbtc-signer.service") if os.path.exists(p)]
        if present:
            self.skipTest("this host has a signer's files: %s" % present)
        r = self.check()
        self.assertResult(r, 3, "none of the default files exists (see --help)", files=0, secrets=0)

    def test_bad_arguments(self):
        for args, text in ((["--config", "etc/x.toml"], "must be an absolute path"),
                           (["--config", "yaml:/etc/x"], "KIND is toml, env, compose or unit"),
                           (["--owner", "no-such-user-here"], "no such user")):
            r = harness.run(CHECK, args, timeout=30)
            self.assertEqual(r.rc, 3, r)
            self.assertIn(text, r.stdout, r)


if __name__ == "__main__":
    unittest.main()
