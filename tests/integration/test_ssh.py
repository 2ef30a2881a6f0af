# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_ssh against the real /usr/sbin/sshd -T over sshd_config files generated
here, and accounts whose homes, .ssh directories and authorized_keys files are real files
with real owners and modes in a temporary root, listed in a passwd file of their own
(--passwd-file): no account of this host is added or changed.

sshd -T loads host keys (root only) and Debian's sshd 9.2 wants its privilege separation
directory /run/sshd: the module makes a host key of its own in the temporary root, and
creates /run/sshd when it is missing (as the ssh service does at every start; it is left
in place, since a parallel run may be using it). Without root or sshd the tests are
skipped with the reason.

The FIDO keys are fixed test vectors written by hand in the key format of OpenSSH's
PROTOCOL.u2f ("SSH U2F Keys"): ssh-keygen cannot make an sk key without an authenticator,
but reads these (ssh-keygen -l). Each test asserts the exit code, the first line and
the perfdata.
"""

import base64
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import under_valgrind

CHECK = "check_sbtc_ssh"
SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "/usr/bin/ssh-keygen"


def _wire(b):
    return struct.pack(">I", len(b)) + b


def sk_ed25519(n, comment="", options=""):
    """A sk-ssh-ed25519@openssh.com line: the 32-byte key is n, n+1, ... (mod 256)."""
    blob = (_wire(b"sk-ssh-ed25519@openssh.com") + _wire(bytes((n + i) % 256 for i in range(32)))
            + _wire(b"ssh:"))
    return " ".join(p for p in (options, "sk-ssh-ed25519@openssh.com",
                                base64.b64encode(blob).decode(), comment) if p)


# The P-256 generator point (SEC 2, section 2.4.2), uncompressed: a valid point.
P256_G = bytes.fromhex(
    "04" "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")


def sk_ecdsa(comment="", options=""):
    blob = (_wire(b"sk-ecdsa-sha2-nistp256@openssh.com") + _wire(b"nistp256") + _wire(P256_G)
            + _wire(b"ssh:"))
    return " ".join(p for p in (options, "sk-ecdsa-sha2-nistp256@openssh.com",
                                base64.b64encode(blob).decode(), comment) if p)


SAFE = ("PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nUsePAM no\n")


def make_root(d, config, users, plain, root_keys=None):
    """A temporary root at d: sshd_config, a passwd file, homes. users: name -> list of
    authorized_keys lines (None: no .ssh at all); root's keys in root_keys; an account
    svc without a login shell holds the plain key line. Returns d and the check's
    arguments (--passwd-file, -f; a host key is for the caller to add)."""
    os.makedirs(os.path.join(d, "home"))
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "home"), 0o755)
    cfg = os.path.join(d, "sshd_config")
    with open(cfg, "w") as f:
        f.write(config)
    lines = []
    accounts = [("root", 0, os.path.join(d, "root"), root_keys)]
    for i, (name, keys) in enumerate(users.items()):
        accounts.append((name, 64100 + i, os.path.join(d, "home", name), keys))
    for name, uid, home, keys in accounts:
        lines.append("%s:x:%d:%d::%s:/bin/bash" % (name, uid, uid, home))
        os.makedirs(home)
        os.chmod(home, 0o755)
        if keys is not None:
            os.makedirs(os.path.join(home, ".ssh"))
            os.chmod(os.path.join(home, ".ssh"), 0o700)
            ak = os.path.join(home, ".ssh", "authorized_keys")
            with open(ak, "w") as f:
                f.write("".join(k + "\n" for k in keys))
            os.chmod(ak, 0o600)
            for p in (home, os.path.join(home, ".ssh"), ak):
                os.chown(p, uid, uid)
    # An account without a login shell: its keys never count.
    nologin = os.path.join(d, "home", "svc")
    os.makedirs(os.path.join(nologin, ".ssh"))
    with open(os.path.join(nologin, ".ssh", "authorized_keys"), "w") as f:
        f.write(plain + "\n")
    lines.append("svc:x:64999:64999::%s:/usr/sbin/nologin" % nologin)
    passwd = os.path.join(d, "passwd")
    with open(passwd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return d, ["--passwd-file", passwd, "-f", cfg]


class SshCase(harness.StateAssertions, unittest.TestCase):
    PREFIX = "SBTC SSH "

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("sshd -T loads host keys and the test makes files of other owners: needs root")
        for prog in (SSHD, SSH_KEYGEN):
            if not os.access(prog, os.X_OK):
                raise unittest.SkipTest("%s missing (Debian packages openssh-server, openssh-client)" % prog)
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        cls.tmp = tempfile.mkdtemp(prefix="sbtc-ssh-test-")
        os.chmod(cls.tmp, 0o755)
        cls.hostkey = os.path.join(cls.tmp, "hostkey")
        subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", cls.hostkey], check=True,
                       stdin=subprocess.DEVNULL)
        # A plain key, made by ssh-keygen as an operator would.
        subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "carol@laptop", "-f",
                        os.path.join(cls.tmp, "plain")], check=True, stdin=subprocess.DEVNULL)
        with open(os.path.join(cls.tmp, "plain.pub")) as f:
            cls.plain = f.read().strip()
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def scenario(self, config, users, root_keys=None):
        SshCase.n += 1
        self.root, args = make_root(os.path.join(self.tmp, "s%d" % SshCase.n), config, users,
                                    self.plain, root_keys)
        return args + ["--host-key", self.hostkey]

    def home(self, name):
        return os.path.join(self.root, "root" if name == "root" else os.path.join("home", name))

    def run_check(self, args):
        return harness.run(CHECK, args, timeout=60)

    def assertCounts(self, r, hardware, other, admins):
        self.assertEqual(r.perfdata["hardware_keys"].value, hardware, r)
        self.assertEqual(r.perfdata["other_keys"].value, other, r)
        self.assertEqual(r.perfdata["admins"].value, admins, r)
        self.assertEqual(r.perfdata["admins"].warn, 2, r)

    @under_valgrind
    def test_ok_two_hardware_keys(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1, "alice@yubikey")], "bob": [sk_ecdsa("bob@solokey")]})
        r = self.run_check(args)
        self.assertState(r, 0, "password and keyboard-interactive logins off, root by key only",
                         "2 hardware keys, 2 distinct")
        self.assertCounts(r, 2, 0, 2)

    def test_password_enabled_sshd(self):
        args = self.scenario(SAFE.replace("PasswordAuthentication no", "PasswordAuthentication yes"),
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 2, "password authentication is on for every login user: alice, bob",
                         "set PasswordAuthentication no")
        self.assertCounts(r, 2, 0, 2)

    def test_password_on_though_only_root_is_asked(self):
        # Root may not use a password (prohibit-password) and is the only account asked:
        # the configuration still lets any account with a password in, so it is no OK.
        config = SAFE.replace("PasswordAuthentication no", "PasswordAuthentication yes")
        args = self.scenario(config, {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        for more in (["--users", "root"], ["--users", "root", "--sshd-config", os.path.join(self.root, "sshd_config")]):
            with self.subTest(more=more):
                r = self.run_check(args + more)
                self.assertState(r, 2, "password authentication is on (PasswordAuthentication yes), though no "
                                 "account checked may use it: set PasswordAuthentication no")

    def test_password_in_match_block(self):
        # sshd -T -C user=NAME applies Match User: only alice gets passwords.
        args = self.scenario(SAFE + "Match User alice\n  PasswordAuthentication yes\n",
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 2, "password authentication is on for alice (PasswordAuthentication yes)")
        self.assertNotIn("bob (", r.text, r)

    def test_password_as_second_factor_is_not_a_password_login(self):
        args = self.scenario(SAFE.replace("PasswordAuthentication no", "PasswordAuthentication yes")
                             + "AuthenticationMethods publickey,password\n",
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 0)
        self.assertIn("password authentication is off (AuthenticationMethods requires publickey)", r.stdout, r)

    def test_keyboard_interactive(self):
        args = self.scenario(SAFE.replace("KbdInteractiveAuthentication no", "KbdInteractiveAuthentication yes"),
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 2, "keyboard-interactive authentication is on", "KbdInteractiveAuthentication")

    def test_root_with_password(self):
        args = self.scenario(SAFE.replace("PermitRootLogin prohibit-password", "PermitRootLogin yes"),
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 2, "root may log in with a password (PermitRootLogin yes)")

    def test_forced_commands_only_is_not_a_password(self):
        args = self.scenario(SAFE.replace("PermitRootLogin prohibit-password", "PermitRootLogin forced-commands-only"),
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 0)
        self.assertIn("root may log in by key only (PermitRootLogin forced-commands-only)", r.stdout, r)

    @under_valgrind
    def test_plain_ed25519_next_to_hardware_key(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1, "alice@yubikey"), self.plain],
                                    "bob": [sk_ecdsa("bob")]})
        r = self.run_check(args)
        ak = os.path.join(self.home("alice"), ".ssh", "authorized_keys")
        self.assertState(r, 2, "alice: %s line 2: ssh-ed25519 key 'carol@laptop' is not a hardware key" % ak)
        self.assertCounts(r, 2, 1, 2)
        # Never the key material.
        self.assertNotIn(self.plain.split()[1][:30], r.stdout, r)
        self.assertNotIn(sk_ed25519(1).split()[1][:30], r.stdout, r)

    def test_one_admin_only(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": None})
        r = self.run_check(args)
        self.assertState(r, 1, "only 1 distinct hardware key can log in (alice)", "--min-admins 2")
        self.assertCounts(r, 1, 0, 1)

    def test_same_key_in_two_accounts_is_one_admin(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": [sk_ed25519(1)]})
        r = self.run_check(args)
        self.assertState(r, 1, "only 1 distinct hardware key can log in (alice, bob)")
        self.assertCounts(r, 2, 0, 1)
        r = self.run_check(args + ["--min-admins", "1"])
        self.assertState(r, 0)

    def test_require_verify(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1, "a", options="verify-required")],
                                    "bob": [sk_ecdsa("b", options='from="10.0.0.1,10.0.0.2",no-pty')]})
        r = self.run_check(args)
        self.assertState(r, 0)
        r = self.run_check(args + ["--require-verify"])
        self.assertState(r, 2, "bob: ", "line 1: sk-ecdsa-sha2-nistp256@openssh.com key 'b' lacks verify-required")
        self.assertNotIn("alice: ", r.text, r)

    def test_writable_key_file_and_home(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        ak = os.path.join(self.home("alice"), ".ssh", "authorized_keys")
        os.chmod(ak, 0o666)
        os.chmod(self.home("bob"), 0o775)
        r = self.run_check(args)
        self.assertState(r, 2, "alice: %s: the file %s is writable by others (mode 0666)" % (ak, ak),
                         "StrictModes")
        self.assertIn("bob: ", r.stdout, r)
        self.assertIn("directory %s is writable by its group (mode 0775)" % self.home("bob"), r.stdout, r)

    def test_key_file_of_another_owner(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        ak = os.path.join(self.home("alice"), ".ssh", "authorized_keys")
        os.chown(ak, 64101, 64101)  # bob's
        r = self.run_check(args)
        self.assertState(r, 2, "the file %s is owned by uid 64101, not by the user or root" % ak)

    @under_valgrind
    def test_line_sshd_skips_and_cert_authority(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1), "ssh-ed25519 not-base64!"],
                                    "bob": [sk_ecdsa(), "cert-authority " + sk_ed25519(7)]})
        r = self.run_check(args)
        self.assertState(r, 2, "is a cert-authority")
        self.assertIn("line 2: ssh-ed25519: the key is not base64 (sshd skips the line)", r.stdout, r)
        self.assertCounts(r, 2, 1, 2)

    @under_valgrind
    def test_sshd_config_read_directly(self):
        args = self.scenario(SAFE + "Match Address 10.0.0.0/8\n  PasswordAuthentication yes\n",
                             {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        cfg = args[args.index("-f") + 1]
        # sshd -T without a connection's address does not apply Match Address ...
        r = self.run_check(args)
        self.assertState(r, 0)
        # ... the file read directly takes every Match block as applying.
        r = self.run_check(["--passwd-file", args[1], "--sshd-config", cfg])
        self.assertState(r, 2, "password authentication is on for every login user: alice, bob "
                         "(PasswordAuthentication yes in a Match block)")

    def test_sshd_refuses_its_configuration(self):
        args = self.scenario(SAFE + "NoSuchKeyword yes\n", {"alice": [sk_ed25519(1)]})
        r = self.run_check(args)
        self.assertState(r, 3, "sshd -T -C user=root failed (exit 255)", "NoSuchKeyword")

    def test_unknown_user(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)]})
        r = self.run_check(args + ["--users", "alice,mallory"])
        self.assertState(r, 3, "--users: no account 'mallory' in --passwd-file")

    def test_users_limits_the_accounts(self):
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()], "carol": [self.plain]})
        r = self.run_check(args + ["--users", "alice,bob"])
        self.assertState(r, 0)
        self.assertCounts(r, 2, 0, 2)

    def test_account_name_is_sanitised(self):
        # A name from the passwd file reaches the output only made safe: '|' would start
        # the perfdata.
        args = self.scenario(SAFE, {"ev|il": [self.plain], "bob": [sk_ecdsa()]})
        r = self.run_check(args)
        self.assertState(r, 2, "ev/il: ", "ssh-ed25519 key 'carol@laptop' is not a hardware key")
        self.assertNotIn("ev|il", r.stdout, r)

    def test_concurrent_runs(self):
        # Independent runs at once: each starts its own sshd -T children.
        args = self.scenario(SAFE, {"alice": [sk_ed25519(1)], "bob": [sk_ecdsa()]})
        with ThreadPoolExecutor(max_workers=4) as ex:
            results = list(ex.map(self.run_check, [args] * 4))
        for r in results:
            self.assertState(r, 0)


if __name__ == "__main__":
    unittest.main()
