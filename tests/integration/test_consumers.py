# SPDX-License-Identifier: GPL-2.0-or-later
"""The consumers: Icinga 2, NRPE, Nagios 4 and the Zabbix agent run the checks as contrib/
ships them, against the real daemons from Debian's packages, started here on loopback.

Every check's definitions come from its --help (contrib/gen-definitions). A check joins
these tests by an entry in SCENARIOS below: an OK and a failing invocation, each a
function that prepares what the check reads (databases, fixture servers) and returns its
options. No other code is needed: each daemon then runs each scenario, and the test
asserts that the daemon reports the state, first line and perfdata that the check itself
prints when run directly with the same options.

The checks get their options the way an operator's installation gives them: Icinga 2
through custom variables (sbtc_<check>_<option>) and the libpq environment for the
password file; NRPE and Zabbix through the shipped command lines, unchanged but for the
plugin directory and the ini file's path, reading an --extra-opts ini file and a pgpass
file that only the daemon's user may read.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import yaml

import harness
import harness.daemon
from harness import icinga, nagios, nrpe, signerdb, zabbix
from harness.daemon import chown_tree
from harness.generator import gen, shipped
from harness.net import SilentServer
from github_api import GitHubApiFixture  # noqa: E402  (tests/fixtures, on sys.path via harness)
from signer_api import SignerApiFixture  # noqa: E402

REPO = harness.REPO_ROOT
CONTRIB = os.path.join(REPO, "contrib")
DAY = 86400




# ---------------------------------------------------------------------------- scenarios

class Scenario:
    """One invocation of a check: setup(ctx) prepares what the check reads and returns an
    Invocation; rc and first_line are what the check must report (first_line: a prefix of
    the status line). volatile: perfdata labels whose value may differ between two runs
    (compared within tolerance plus the seconds since the direct run; their other fields
    exactly)."""

    def __init__(self, name, rc, first_line, setup, volatile=("time",), tolerance=5):
        self.name = name
        self.rc = rc
        self.first_line = first_line
        self.setup = setup
        self.volatile = set(volatile)
        self.tolerance = tolerance


class Invocation:
    """options: {long option: value} (True for a switch). pgpass: lines of the libpq
    password file the check's user gets (its path reaches the check through PGPASSFILE
    in Icinga 2, and passfile= in the conninfo of the ini file for NRPE and Zabbix)."""

    def __init__(self, options, pgpass=()):
        self.options = dict(options)
        self.pgpass = list(pgpass)


class Context:
    """What scenario set-ups share: fixtures started once (ctx.fixture) and stopped when
    the module's tests end."""

    def __init__(self):
        self._fixtures = {}

    def fixture(self, key, factory):
        if key not in self._fixtures:
            f = factory()
            f.start()
            self._fixtures[key] = f
        return self._fixtures[key]

    def close(self):
        for f in self._fixtures.values():
            f.stop()
        self._fixtures.clear()


MONITOR_PASSWORD = "consumers-monitor-pw"


def monitor_db(shares):
    """A signer database with these (key, status, age) DKG shares and the monitoring role;
    returns (conninfo without password, pgpass line)."""
    db = harness.scenario_db()
    for key, status, age in shares:
        db.insert_dkg_shares(key, status, created_at=age)
    harness.install_monitoring_role(db.cluster, db.dbname, MONITOR_PASSWORD)
    conninfo = db.cluster.conninfo(user=harness.MONITOR_ROLE, password=False, dbname=db.dbname)
    line = "%s:%d:%s:%s:%s" % (db.cluster.host, db.cluster.port, db.dbname, harness.MONITOR_ROLE,
                               MONITOR_PASSWORD)
    return conninfo, line


def _stacks_node(ctx):
    return ctx.fixture("stacks-node", lambda: harness.StacksNodeFixture(
        aggregate_key=signerdb.CURRENT_KEY))


def aggregate_key_ok(ctx):
    node = _stacks_node(ctx)
    conninfo, line = monitor_db([(signerdb.PREVIOUS_KEY, "verified", 30 * DAY),
                                 (signerdb.CURRENT_KEY, "verified", DAY)])
    return Invocation({"dbconn": conninfo, "stacks-url": node.url}, [line])


def aggregate_key_backup_before_rotation(ctx):
    # a backup restored from before the last key rotation: it cannot sign for the key on chain
    node = _stacks_node(ctx)
    conninfo, line = monitor_db([(signerdb.PREVIOUS_KEY, "verified", 30 * DAY)])
    return Invocation({"dbconn": conninfo, "stacks-url": node.url, "rotation-grace": "2h"}, [line])


def _signer_api(ctx):
    return ctx.fixture("signer-api", SignerApiFixture)


def _stuck_signer_api(ctx):
    # its Bitcoin node went on while the signer stopped 10 blocks ago
    return ctx.fixture("signer-api-stuck", lambda: SignerApiFixture(
        bitcoin_signer_height=879990, bitcoin_node_height=880000))


def _synced_stacks_node(ctx):
    # a node that serves its tip's timestamp (3.3.0.0.4+), two days old: the tip age
    # reads "2d 0h" in every run of the scenario, so the daemons' output can be compared
    return ctx.fixture("stacks-node-synced", lambda: harness.StacksNodeFixture(
        aggregate_key=signerdb.CURRENT_KEY, info_overrides={"is_fully_synced": True},
        server_version="stacks-node 3.3.0.0.4 (release/3.3.0.0.4:9a8b7c6, release build, linux [x86_64])",
        tip_age=2 * DAY + 60))


def _block_lag_options(node, signer):
    return {"stacks-url": node.url, "signer-url": signer.url, "stacks-tip-age-warning": "3d",
            "stacks-tip-age-critical": "4d"}


def block_lag_ok(ctx):
    return Invocation(_block_lag_options(_synced_stacks_node(ctx), _signer_api(ctx)))


def block_lag_stuck_signer(ctx):
    return Invocation(_block_lag_options(_synced_stacks_node(ctx), _stuck_signer_api(ctx)))


def _github(ctx):
    return ctx.fixture("github-api", GitHubApiFixture)


def version_ok(ctx):
    # each daemon user keeps its own cache; TTL 0 makes every run ask the fixture
    return Invocation({"signer-version": "v1.3.3", "github-api": _github(ctx).url, "cache-ttl": "0"})


def version_behind(ctx):
    return Invocation({"signer-version": "v1.3.1", "github-api": _github(ctx).url, "cache-ttl": "0"})


def _signer_options(ctx, dropped):
    # the chain and the signer's API; the key dropped from the registry's set when dropped
    from stacks_node import SIGNER_SET
    node = ctx.fixture("stacks-node-signers-%s" % dropped, lambda: harness.StacksNodeFixture(
        signer_set=[SIGNER_SET[0], SIGNER_SET[2]] if dropped else None))
    return Invocation({"public-key": SIGNER_SET[1], "stacks-url": node.url, "signer-url": _signer_api(ctx).url})


def signer_ok(ctx):
    return _signer_options(ctx, False)


def signer_key_dropped(ctx):
    return _signer_options(ctx, True)


class _BackupFolder:
    """A folder the daemons' users can read, holding one real custom-format dump of a
    signer database (and, for the failing scenario, the same dump cut short)."""

    def __init__(self, cut):
        self.cut = cut
        self.dir = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-consumers-backups-")
        os.chmod(self.dir, 0o755)
        db = harness.scenario_db()
        db.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", created_at=DAY)
        path = os.path.join(self.dir, "signer-1.dump")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGPASSWORD"] = db.cluster.password
        subprocess.run([os.path.join(db.cluster.bindir, "pg_dump"), "-F", "c", "-f", path,
                        "-d", db.cluster.conninfo(dbname=db.dbname, password=False)],
                       env=env, check=True, timeout=60)
        if self.cut:
            size = os.path.getsize(path)
            with open(path, "r+b") as f:
                f.truncate(size * 2 // 3)
        os.chmod(path, 0o644)
        # Three days old, so the age on the status line ("3d 0h") does not change while
        # the daemons run the check after the direct run.
        three_days_ago = time.time() - 3 * DAY - 1800
        os.utime(path, (three_days_ago, three_days_ago))
        return self

    def stop(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def backup_ok(ctx):
    folder = ctx.fixture("backups-whole", lambda: _BackupFolder(cut=False))
    return Invocation({"path": folder.dir, "pattern": "signer-*.dump", "warning": "10d", "critical": "20d"})


def backup_cut_short(ctx):
    folder = ctx.fixture("backups-cut", lambda: _BackupFolder(cut=True))
    return Invocation({"path": folder.dir, "pattern": "signer-*.dump", "warning": "10d", "critical": "20d"})


class _Listener(SilentServer):
    """A TCP listener on 127.0.0.1 that accepts every connection (a port of the host the
    scan audits; a full accept queue would make later scans see it as filtered)."""

    def start(self):
        return self.__enter__()

    def stop(self):
        self.__exit__(None, None, None)


class _Silent(SilentServer):
    """A peer that accepts connections and never answers: the check waits until its
    deadline."""

    def start(self):
        return self.__enter__()

    def stop(self):
        self.__exit__(None, None, None)


def backup_hanging_options(ctx):
    """check_sbtc_backup verifying a whole backup's key against a Stacks node that never
    answers: it ends at its deadline, whatever runs it."""
    folder = ctx.fixture("backups-whole", lambda: _BackupFolder(cut=False))
    silent = ctx.fixture("silent-stacks-node", _Silent)
    return {"path": folder.dir, "pattern": "signer-*.dump", "warning": "10d", "critical": "20d",
            "verify-key": True, "stacks-url": "http://127.0.0.1:%d" % silent.port,
            "pg-restore": os.path.join(harness.shared_cluster().bindir, "pg_restore")}


# What check_sbtc_backup's --help says in its Default lines (lib/cli.c prints an option's
# default as the last line of its help, "    Default: VALUE"): added to the help of a
# binary that does not print them yet, so that the definitions made from them are tried
# with real daemons either way.
BACKUP_DEFAULTS = {"timeout": "30", "output-format": "multi-line", "pattern": "*", "warning": "26h",
                   "critical": "50h", "stacks-url": "http://127.0.0.1:20443", "network": "mainnet",
                   "rotation-grace": "6h"}


def with_default_lines(program, defaults):
    """The check parsed from its --help, with a Default line for each option of defaults
    that has none."""
    path = os.path.join(WORLD["plugin_dir"], program)
    p = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30,
                       env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    lines = p.stdout.split("\n")
    out = []
    current = None
    for line in lines:
        m = gen.OPTION_RE.match(line)
        if (m or not line.startswith("    ")) and current in defaults:
            if not out[-1].startswith("    Default: "):
                out.append("    Default: %s" % defaults[current])
            current = None
        if m:
            current = m.group(2)
        elif not line.startswith("    "):
            current = None
        out.append(line)
    return gen.parse_help("\n".join(out), program)


class _KeyfileFolder:
    """A folder anyone may read, with a signer config without the key and one with the
    key (a made-up one) at mode 0644, and a folder the scenarios read as /proc, with one
    harmless process: the processes of the modules that run at the same time (test_keyfile
    starts one with a key on its command line) are not this test's to see."""

    def __init__(self):
        self.dir = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-consumers-keyfile-")
        os.chmod(self.dir, 0o755)
        for name, text in (("no-key.toml", '[signer]\nnetwork = "mainnet"\n'),
                           ("signer-config.toml", '[signer]\nprivate_key = "%s"\n' % ("ab" * 32))):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)
        os.makedirs(os.path.join(self.dir, "proc", "1"), 0o755)
        with open(os.path.join(self.dir, "proc", "1", "cmdline"), "wb") as f:
            f.write(b"/sbin/init\0")
        os.chmod(os.path.join(self.dir, "proc", "1", "cmdline"), 0o644)
        return self

    def stop(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def keyfile_no_key(ctx):
    folder = ctx.fixture("keyfile", _KeyfileFolder)
    return Invocation({"config": os.path.join(folder.dir, "no-key.toml"),
                       "proc": os.path.join(folder.dir, "proc")})


def keyfile_world_readable(ctx):
    folder = ctx.fixture("keyfile", _KeyfileFolder)
    return Invocation({"config": os.path.join(folder.dir, "signer-config.toml"),
                       "proc": os.path.join(folder.dir, "proc")})


def ports_ok(ctx):
    p2p = ctx.fixture("listener-p2p", _Listener).port
    return Invocation({"hostname": "127.0.0.1", "ports": str(p2p), "allow": str(p2p),
                       "require": str(p2p), "no-drop-check": True})


def ports_unexpected_open(ctx):
    p2p = ctx.fixture("listener-p2p", _Listener).port
    api = ctx.fixture("listener-exposed", _Listener).port
    return Invocation({"hostname": "127.0.0.1", "ports": "%d,%d" % (p2p, api), "allow": str(p2p),
                       "require": str(p2p), "no-drop-check": True})


# check -> [OK scenario, failing scenario]. A new check adds its entry here.
class _SshRoot:
    """check_sbtc_ssh's world for the daemons' users: an sshd_config read directly
    (--sshd-config: sshd -T needs root), and two accounts of a passwd file of its own
    whose homes and authorized_keys every user may read (none of this host's accounts)."""

    def __init__(self, password):
        self.password = password

    def start(self):
        import base64
        import struct

        def wire(b):
            return struct.pack(">I", len(b)) + b
        self.dir = tempfile.mkdtemp(prefix="sbtc-consumers-ssh-")
        os.chmod(self.dir, 0o755)
        lines = []
        for i, name in enumerate(("alice", "bob")):
            home = os.path.join(self.dir, name)
            os.makedirs(os.path.join(home, ".ssh"))
            for d in (home, os.path.join(home, ".ssh")):
                os.chmod(d, 0o755)
            # a hand-made sk-ssh-ed25519@openssh.com key (OpenSSH PROTOCOL.u2f)
            blob = (wire(b"sk-ssh-ed25519@openssh.com") + wire(bytes(range(i, i + 32)))
                    + wire(b"ssh:"))
            with open(os.path.join(home, ".ssh", "authorized_keys"), "w") as f:
                f.write("sk-ssh-ed25519@openssh.com %s %s\n" % (base64.b64encode(blob).decode(), name))
            os.chmod(os.path.join(home, ".ssh", "authorized_keys"), 0o644)
            lines.append("%s:x:%d:%d::%s:/bin/bash" % (name, 64100 + i, 64100 + i, home))
        self.passwd = os.path.join(self.dir, "passwd")
        with open(self.passwd, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.config = os.path.join(self.dir, "sshd_config")
        with open(self.config, "w") as f:
            f.write("PasswordAuthentication %s\nKbdInteractiveAuthentication no\n"
                    % ("yes" if self.password else "no"))
        for p in (self.passwd, self.config):
            os.chmod(p, 0o644)
        return self

    def stop(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def ssh_options(ctx, password):
    w = ctx.fixture("ssh-password" if password else "ssh-safe", lambda: _SshRoot(password))
    return Invocation({"sshd-config": w.config, "passwd-file": w.passwd})


SCENARIOS = {
    "check_sbtc_aggregate_key": [
        Scenario("ok", 0, "SBTC AGGREGATE_KEY OK - on-chain key ", aggregate_key_ok,
                 volatile=("time", "newest_verified_age")),
        Scenario("critical", 2, "SBTC AGGREGATE_KEY CRITICAL - on-chain key ",
                 aggregate_key_backup_before_rotation, volatile=("time", "newest_verified_age")),
    ],
    "check_sbtc_block_lag": [
        Scenario("ok", 0, "SBTC BLOCK_LAG OK - ", block_lag_ok,
                 volatile=("time", "stacks_time", "signer_time", "stacks_tip_age")),
        Scenario("critical", 2, "SBTC BLOCK_LAG CRITICAL - ", block_lag_stuck_signer,
                 volatile=("time", "stacks_time", "signer_time", "stacks_tip_age")),
    ],
    "check_sbtc_backup": [
        Scenario("ok", 0, "SBTC BACKUP OK - newest backup signer-1.dump", backup_ok,
                 volatile=("time", "age")),
        Scenario("critical", 2, "SBTC BACKUP CRITICAL - newest backup signer-1.dump", backup_cut_short,
                 volatile=("time", "age")),
    ],
    "check_sbtc_ports": [
        Scenario("ok", 0, "SBTC PORTS OK - ", ports_ok),
        Scenario("critical", 2, "SBTC PORTS CRITICAL - 1 unexpected open port on 127.0.0.1", ports_unexpected_open),
    ],
    "check_sbtc_version": [
        Scenario("ok", 0, "SBTC VERSION OK - signer v1.3.3", version_ok,
                 volatile=("time", "signer_behind")),
        Scenario("critical", 2, "SBTC VERSION CRITICAL - signer v1.3.1", version_behind,
                 volatile=("time", "signer_behind")),
    ],
    "check_sbtc_signer": [
        Scenario("ok", 0, "SBTC SIGNER OK - signer alive, in the signer set of 3", signer_ok, volatile=("time",)),
        Scenario("critical", 2, "SBTC SIGNER CRITICAL - key ", signer_key_dropped, volatile=("time",)),
    ],
    "check_sbtc_ssh": [
        Scenario("ok", 0, "SBTC SSH OK - password and keyboard-interactive logins off",
                 lambda ctx: ssh_options(ctx, False)),
        Scenario("critical", 2, "SBTC SSH CRITICAL - password authentication is on",
                 lambda ctx: ssh_options(ctx, True)),
    ],
    # The daemons' users may read neither a key file of mode 0600 nor anything of root's,
    # so the scenarios are what any user can see: a config without the key (WARNING) and
    # a key file of mode 0644 (CRITICAL).
    "check_sbtc_keyfile": [
        Scenario("warning", 1, "SBTC KEYFILE WARNING - none of the 1 files read holds the signer's private key",
                 keyfile_no_key),
        Scenario("critical", 2, "SBTC KEYFILE CRITICAL - ", keyfile_world_readable),
    ],
}


class _LogFolder:
    """A folder the daemons' users can read, holding a signer log whose first line is
    `age` old and a logrotate configuration that keeps it 120 days (check_sbtc_logs)."""

    def __init__(self, age):
        self.age = age
        self.dir = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-consumers-logs-")
        os.chmod(self.dir, 0o755)
        with open(os.path.join(self.dir, "signer.log"), "w") as f:
            f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ  INFO signer: started\n", time.gmtime(time.time() - self.age)))
        with open(os.path.join(self.dir, "logrotate.conf"), "w") as f:
            f.write("%s/signer.log {\n    rotate 120\n    daily\n}\n" % self.dir)
        for name in ("signer.log", "logrotate.conf"):
            os.chmod(os.path.join(self.dir, name), 0o644)
        return self

    def stop(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _logs_invocation(ctx, key, age):
    folder = ctx.fixture(key, lambda: _LogFolder(age))
    return Invocation({"file": os.path.join(folder.dir, "signer.log"),
                       "logrotate-conf": os.path.join(folder.dir, "logrotate.conf")})


SCENARIOS["check_sbtc_logs"] = [
    Scenario("ok", 0, "SBTC LOGS OK - oldest entries: ", lambda ctx: _logs_invocation(ctx, "logs-old", 120 * DAY),
             volatile=("time", "file_signer_log_oldest_age")),
    Scenario("critical", 2, "SBTC LOGS CRITICAL - ", lambda ctx: _logs_invocation(ctx, "logs-young", 10 * DAY),
             volatile=("time", "file_signer_log_oldest_age")),
]


# ---------------------------------------------------------------------------- the world

class Prepared:
    """A scenario made ready: the check's --help, its options, the pgpass file of each
    daemon user, and the reference result of running it directly."""

    def __init__(self, check, scenario, invocation, secrets):
        self.check = check
        self.scenario = scenario
        self.inv = invocation
        self.secrets = secrets
        self.id = "%s-%s" % (check.name, scenario.name)

    def tolerance(self):
        """How far a volatile value may be from the reference's: the scenario's tolerance
        plus the seconds since the reference ran (ages grow as the tests go on)."""
        return self.scenario.tolerance + (time.monotonic() - self.reference_at)

    def argv(self):
        out = []
        for long, value in self.inv.options.items():
            if value is True:
                out.append("--" + long)
            elif value is not False and value is not None:
                out.append("--%s=%s" % (long, value))
        return out

    def ini_section(self, user):
        """The check's section of an --extra-opts file for the daemon running as user."""
        lines = ["[%s]" % self.check.program]
        for long, value in self.inv.options.items():
            opt = self.check.option(long)
            if value is True:
                lines.append(long)
                continue
            if opt is not None and opt.arg_name == "CONNINFO" and self.inv.pgpass:
                value = "%s passfile=%s" % (value, self.secrets.pgpass(user))
            lines.append("%s = %s" % (long, value))
        return "\n".join(lines) + "\n"


class Secrets:
    """A folder per daemon user holding its pgpass and ini files, mode 0600/0640 and owned
    by that user, as an operator installs them."""

    def __init__(self, root, prepared_lines):
        self.root = root
        self.lines = prepared_lines
        self.dirs = {}

    def dir(self, user):
        if user not in self.dirs:
            d = tempfile.mkdtemp(prefix="secrets-%s-" % user, dir=self.root)
            os.chmod(d, 0o700)
            self.dirs[user] = d
        return self.dirs[user]

    def pgpass(self, user):
        path = os.path.join(self.dir(user), "pgpass")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write("\n".join(self.lines) + "\n")
            os.chmod(path, 0o600)
            chown_tree(self.dir(user), user)
        return path

    def write(self, user, name, text):
        path = os.path.join(self.dir(user), name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o640)
        chown_tree(self.dir(user), user)
        return path


WORLD = {}


def setUpModule():
    root = tempfile.mkdtemp(prefix="sbtc-consumers-")
    os.chmod(root, 0o711)
    # The daemons run the checks as their own users, who may not reach the build tree
    # (a checkout under /root): install the programs and man pages where they can.
    plugin_dir = os.path.join(root, "plugins")
    os.mkdir(plugin_dir)
    os.chmod(plugin_dir, 0o755)
    built = harness.plugin_dir()
    for name in os.listdir(built):
        src = os.path.join(built, name)
        if name.startswith("check_sbtc_") and os.path.isfile(src) and not name.endswith(".o"):
            dst = os.path.join(plugin_dir, name)
            shutil.copy2(src, dst)
            os.chmod(dst, 0o755 if os.access(src, os.X_OK) else 0o644)
    # The same for the shipped definitions the daemons read.
    shipped_dir = os.path.join(root, "contrib")
    for sub in ("icinga2", "nagios", "nrpe", "zabbix"):
        shutil.copytree(os.path.join(CONTRIB, sub), os.path.join(shipped_dir, sub))
    for dirpath, dirnames, filenames in os.walk(shipped_dir):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    ctx = Context()
    WORLD.update(root=root, ctx=ctx, plugin_dir=plugin_dir, contrib=shipped_dir, checks={}, prepared=[])
    try:
        for prog in gen.listed_programs():
            path = os.path.join(plugin_dir, prog)
            if os.access(path, os.X_OK):
                WORLD["checks"][prog] = gen.read_help(path)
        lines = []
        invocations = []
        for prog, scenarios in SCENARIOS.items():
            check = WORLD["checks"].get(prog)
            if check is None:
                raise AssertionError("%s has scenarios but is not built in %s" % (prog, plugin_dir))
            for sc in scenarios:
                inv = sc.setup(ctx)
                lines += inv.pgpass
                invocations.append((check, sc, inv))
        secrets = Secrets(root, lines)
        WORLD["secrets"] = secrets
        for check, sc, inv in invocations:
            WORLD["prepared"].append(Prepared(check, sc, inv, secrets))
        # the reference: each check run directly, as the user the daemons run as
        for p in WORLD["prepared"]:
            env = {"PGPASSFILE": secrets.pgpass(nrpe.USER)}
            p.reference_at = time.monotonic()
            p.reference = _run_as(nrpe.USER, p.check.program, p.argv(), env)
            p.reference_json = _run_as(nrpe.USER, p.check.program, p.argv() + ["--output-format=json"], env)
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    ctx = WORLD.get("ctx")
    if ctx is not None:
        ctx.close()
    if WORLD.get("root"):
        shutil.rmtree(WORLD["root"], ignore_errors=True)
    WORLD.clear()


def _run_as(user, program, argv, env):
    """harness.run, as user when running as root (the daemons drop to their users)."""
    if os.geteuid() != 0:
        return harness.run(program, argv, env=env)
    pw = pwd.getpwnam(user)

    def demote():
        os.setgid(pw.pw_gid)
        os.setgroups([])
        os.setuid(pw.pw_uid)

    path = os.path.join(WORLD["plugin_dir"], program)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    full_env.update(env)
    p = subprocess.run([path] + argv, capture_output=True, env=full_env, timeout=60,
                       preexec_fn=demote, cwd="/")
    return harness.Result([path] + argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                          p.stderr.decode("utf-8", "replace"), 0)


def prepared():
    return list(WORLD["prepared"])


def state_line_summary(check, first_line):
    m = re.match(r"^SBTC %s (OK|WARNING|CRITICAL|UNKNOWN) - (.*)$" % re.escape(check.label), first_line)
    return m.group(2) if m else None


class ConsumerCase(unittest.TestCase):
    maxDiff = None

    def assertReference(self, p):
        """The direct run itself is what the scenario says."""
        r = p.reference
        self.assertEqual(r.rc, p.scenario.rc, r)
        self.assertTrue(r.first_line.startswith(p.scenario.first_line), r)
        self.assertEqual(r.perfdata_errors, [], r)

    def assertSamePerfdata(self, p, got_list, where):
        want = p.reference.perfdata_list
        self.assertEqual([pv.label for pv in got_list], [pv.label for pv in want],
                         "%s: perfdata labels differ from the check's own" % where)
        for g, w in zip(got_list, want):
            self.assertEqual((g.uom, g.warn, g.crit, g.min, g.max), (w.uom, w.warn, w.crit, w.min, w.max),
                             "%s: perfdata %s" % (where, w.label))
            if w.label in p.scenario.volatile:
                self.assertIsNotNone(g.value, where)
                self.assertAlmostEqual(g.value, w.value, delta=p.tolerance(),
                                       msg="%s: perfdata %s" % (where, w.label))
            else:
                self.assertEqual(g.value, w.value, "%s: perfdata %s" % (where, w.label))

    def assertSameAsCheck(self, p, rc, text, perf_list, where, semicolons_as_colons=False):
        self.assertReference(p)
        self.assertEqual(rc, p.reference.rc, "%s: exit code" % where)
        want = p.reference.text
        if semicolons_as_colons:
            want = want.replace(";", ":")
        self.assertEqual(text, want, "%s: first line" % where)
        self.assertSamePerfdata(p, perf_list, where)


# ---------------------------------------------------------------------------- generated files

class Definitions(ConsumerCase):

    def test_committed_definitions_match_the_binaries_help(self):
        stale = gen.stale_files(gen.load_checks(WORLD["plugin_dir"]))
        self.assertEqual(stale, [], "run contrib/gen-definitions --plugin-dir <build>/plugins:\n%s"
                         % "\n".join("%s\n%s" % s for s in stale))

    def test_every_built_check_has_its_definitions(self):
        for prog in gen.listed_programs():
            with self.subTest(check=prog):
                self.assertIn(prog, WORLD["checks"], "%s is not built" % prog)
                self.assertTrue(os.path.exists(os.path.join(CONTRIB, "icinga2", prog + ".conf")))
                with open(os.path.join(CONTRIB, "nrpe", "sbtc.cfg")) as f:
                    self.assertIn("command[%s]=" % gen.nrpe_command(WORLD["checks"][prog]), f.read())
                with open(os.path.join(CONTRIB, "zabbix", "userparameters_sbtc.conf")) as f:
                    self.assertIn("UserParameter=sbtc.%s[*]," % prog[len("check_sbtc_"):], f.read())

    def test_options_agree_with_checkcommand_man_page_and_readme(self):
        with open(os.path.join(REPO, "README.md")) as f:
            readme = f.read()
        # what README's "Common options" table documents once for every check
        m = re.search(r"^## Common options\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
        self.assertIsNotNone(m, "README.md has no section '## Common options'")
        common = set(re.findall(r"--([a-z0-9][a-z0-9-]*)", " ".join(
            l.split("|")[1] for l in m.group(1).splitlines() if l.startswith("| `-"))))
        self.assertTrue({"help", "version", "verbose", "timeout", "output-format", "extra-opts"} <= common)
        for prog, check in WORLD["checks"].items():
            with self.subTest(check=prog):
                longs = {o.long for o in check.options}
                with open(os.path.join(CONTRIB, "icinga2", prog + ".conf")) as f:
                    conf = f.read()
                args = set(re.findall(r'^\t\t"--([a-z0-9-]+)" = \{', conf, re.M))
                self.assertEqual(args, longs - gen.PRINT_AND_EXIT,
                                 "CheckCommand arguments of %s differ from its --help" % prog)
                for o in check.options:
                    if o.long not in gen.PRINT_AND_EXIT:
                        self.assertIn("$sbtc_%s_%s$" % (check.name, o.var), conf)
                man = os.path.join(REPO, "man", prog + ".1")
                self.assertTrue(os.path.exists(man), "no man page %s (contrib/gen-definitions writes it)" % man)
                with open(man) as f:
                    page = f.read()
                man_opts = {m.replace("\\-", "-") for m in re.findall(r"\\fB\\-\\-((?:[a-z0-9]|\\-)+)\\fR", page)}
                self.assertEqual(man_opts, longs, "man page of %s differs from its --help" % prog)
                m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(prog), readme, re.M | re.S)
                self.assertIsNotNone(m, "README.md has no section '## %s'" % prog)
                # the section's option table: rows "| `-d, --dbconn=CONNINFO` | meaning |"
                rows = [l.split("|")[1] for l in m.group(1).splitlines()
                        if l.startswith("| `-")]
                documented = set(re.findall(r"--([a-z0-9][a-z0-9-]*)", " ".join(rows)))
                for o in check.options:
                    if o.long not in common:
                        self.assertIn(o.long, documented, "README.md's section on %s lacks --%s"
                                      % (prog, o.long))
                for long in documented - longs - common:
                    self.fail("README.md's section on %s documents --%s, which it does not take"
                              % (prog, long))


# ---------------------------------------------------------------------------- Icinga 2

MASTER = "master.sbtc.test"
AGENT = "signer-1.sbtc.test"


def icinga_base(plugin_dir, commands=True):
    return "\n".join([
        'const PluginDir = %s' % json.dumps(plugin_dir),
        # as Icinga's constants.conf defines it; the CheckCommands run PluginContribDir's
        'const PluginContribDir = %s' % json.dumps(plugin_dir),
        'const ZoneName = "master"',
        'const TicketSalt = ""',
        'include <itl>',
        'include <plugins>',
        'include %s' % json.dumps(os.path.join(WORLD["contrib"], "icinga2", "check_sbtc_*.conf")) if commands else "",
        ''])

def icinga_single_node(hosts, services, includes=(), interval="2s"):
    """A master that checks by itself: the shipped CheckCommands (and includes), hosts
    {name: address lines} never checked themselves, and services
    [(host, name, command, var lines)] run every interval."""
    host_objs = ['object Host %s {\n\tcheck_command = "dummy"\n%s\n\tenable_active_checks = false\n}'
                 % (json.dumps(h), "\n".join("\t" + a for a in addr)) for h, addr in hosts.items()]
    svc_objs = ['object Service %s {\n\thost_name = %s\n\tcheck_command = %s\n\tcheck_interval = %s\n'
                '\tretry_interval = %s\n%s\n}' % (json.dumps(name), json.dumps(host), json.dumps(cmd), interval,
                                                 interval, "\n".join(v))
                for host, name, cmd, v in services]
    return icinga_base(WORLD["plugin_dir"]) + "\n".join(
        ['include %s' % json.dumps(i) for i in includes] +
        ['object Endpoint NodeName {}',
         'object Zone ZoneName { endpoints = [ NodeName ] }',
         'object CheckerComponent "checker" {}'] + host_objs + svc_objs + [""]) + "\n"



def icinga_vars(p, user):
    out = []
    for long, value in p.inv.options.items():
        var = "sbtc_%s_%s" % (p.check.name, long.replace("-", "_"))
        out.append("\tvars.%s = %s" % (var, "true" if value is True else json.dumps(str(value))))
    if p.inv.pgpass:
        out.append("\tvars.sbtc_%s_pgpassfile = %s" % (p.check.name, json.dumps(p.secrets.pgpass(user))))
    return "\n".join(out)


class Icinga2(ConsumerCase):

    def test_daemon_validates_the_shipped_configuration(self):
        # installed as the example says: zones.d/master/ on the master
        zones = os.path.join(WORLD["root"], "zones.d")
        os.makedirs(os.path.join(zones, "master"), exist_ok=True)
        shutil.copy(os.path.join(CONTRIB, "icinga2", "example-signer-host.conf"),
                    os.path.join(zones, "master"))
        os.chmod(zones, 0o755)
        os.chmod(os.path.join(zones, "master"), 0o755)
        conf = icinga_base(WORLD["plugin_dir"]) + "\n".join([
            'const NodeName = %s' % json.dumps(MASTER),
            'object Endpoint NodeName {}',
            'object Zone ZoneName { endpoints = [ NodeName ] }',
            'include_zones "sbtc", %s' % json.dumps(zones),
            ''])
        rc, out = icinga.validate_config(conf)
        self.assertEqual(rc, 0, out)
        self.assertIn("Finished validating the configuration", out)
        self.assertRegex(out, r"Instantiated \d+ CheckCommands")
        # the example's host and its services were loaded, not skipped
        self.assertRegex(out, r"Instantiated 1 Host\b")
        self.assertRegex(out, r"Instantiated [1-9]\d* Services?\b")
        # and -C does reject what is wrong here: a service of a CheckCommand that does not exist
        rc_bad, out_bad = icinga.validate_config(conf + '\nobject Service "x" {\n'
                                                 '\thost_name = "signer-1.example.org"\n'
                                                 '\tcheck_command = "sbtc_nope"\n}\n')
        self.assertNotEqual(rc_bad, 0, out_bad)
        self.assertIn("sbtc_nope", out_bad)

    def test_checkcommands_run_by_icinga2_report_the_checks_results(self):
        pki = os.path.join(WORLD["root"], "pki")
        icinga.make_pki(pki, [MASTER])
        services = []
        for p in prepared():
            services.append("\n".join([
                'object Service %s {' % json.dumps(p.id),
                '\thost_name = "sandbox"',
                '\tcheck_command = "sbtc_%s"' % p.check.name,
                '\tcheck_interval = 2s',
                '\tretry_interval = 2s',
                icinga_vars(p, icinga.USER),
                '}']))
            # the same options from an --extra-opts file (vars.sbtc_<check>_extra_opts)
            ini = WORLD["secrets"].write(icinga.USER, "icinga-%s.ini" % p.id, p.ini_section(icinga.USER))
            services.append("\n".join([
                'object Service %s {' % json.dumps(p.id + "-extra-opts"),
                '\thost_name = "sandbox"',
                '\tcheck_command = "sbtc_%s"' % p.check.name,
                '\tcheck_interval = 2s',
                '\tretry_interval = 2s',
                '\tvars.sbtc_%s_extra_opts = %s' % (p.check.name, json.dumps("@" + ini)),
                '}']))
        conf = icinga_base(WORLD["plugin_dir"]) + "\n".join([
            'object Endpoint NodeName {}',
            'object Zone ZoneName { endpoints = [ NodeName ] }',
            'object CheckerComponent "checker" {}',
            'object Host "sandbox" {',
            '\tcheck_command = "dummy"',
            '\taddress = "127.0.0.1"',
            '\tenable_active_checks = false',
            '}',
            ""] + services) + "\n"
        with icinga.Icinga2(conf, MASTER, pki) as i2:
            names = ["sandbox!" + p.id + suffix for p in prepared() for suffix in ("", "-extra-opts")]
            results = i2.wait_for_results(names)
            states = {n: a["state"] for n, a in i2.services().items()}
        for p, suffix in [(p, suffix) for p in prepared() for suffix in ("", "-extra-opts")]:
            with self.subTest(scenario=p.id + suffix):
                cr = results["sandbox!" + p.id + suffix]
                if suffix:
                    self.assertIn("--extra-opts=@", " ".join(cr["command"]), cr)
                perf = cr.get("performance_data") or []
                perf_list, errors = harness.parse_perfdata(" ".join(
                    x if isinstance(x, str) else "" for x in perf))
                self.assertEqual(errors, [], cr)
                self.assertEqual(int(states["sandbox!" + p.id + suffix]), p.scenario.rc, cr)
                self.assertSameAsCheck(p, int(cr["exit_status"]), cr["output"].split("\n")[0],
                                       perf_list, "Icinga 2 (%s)" % (p.id + suffix))

    def test_master_runs_local_checks_on_an_agent_through_command_endpoint(self):
        """The shipped example on two instances: a master and an agent in the signer's child
        zone; the agent runs the checks (command_endpoint), the master's API shows them."""
        pki = os.path.join(WORLD["root"], "pki")
        icinga.make_pki(pki, [MASTER, AGENT])
        agent_port = harness.daemon.free_port()
        first = by_index()[0]  # the example's apply rules run each check's first scenario
        with open(os.path.join(CONTRIB, "icinga2", "example-signer-host.conf")) as f:
            example = f.read()
        self.assertIn("signer-1.example.org", example)
        example = example.replace("signer-1.example.org", AGENT).replace("192.0.2.10", "127.0.0.1")
        example = example.replace("object Endpoint %s {" % json.dumps(AGENT),
                                  "object Endpoint %s {\n\thost = \"127.0.0.1\"\n\tport = %d"
                                  % (json.dumps(AGENT), agent_port))
        # the operator's values replace the example's, for each check's first scenario
        example, n = re.subn(r"^\tvars\.sbtc_(?!signer\b)[a-z0-9_]+ = .*\n", "", example, flags=re.M)
        self.assertGreater(n, 0)
        host_vars = "\n".join(icinga_vars(p, icinga.USER) for p in first)
        self.assertIn("\tvars.sbtc_signer = true\n", example)
        example = example.replace("\tvars.sbtc_signer = true\n",
                                  "\tvars.sbtc_signer = true\n%s\n" % host_vars)
        # and the other scenarios as services of their own on the same agent
        extra = []
        for p in prepared():
            if p in first:
                continue
            extra.append("\n".join([
                'object Service %s {' % json.dumps(p.id),
                '\thost_name = %s' % json.dumps(AGENT),
                '\tcheck_command = "sbtc_%s"' % p.check.name,
                '\tcommand_endpoint = %s' % json.dumps(AGENT),
                '\tcheck_interval = 2s',
                '\tretry_interval = 2s',
                '\tzone = "master"',
                icinga_vars(p, icinga.USER),
                '}']))
        # the master's zones.d as the example says: the host in master/, the CheckCommands
        # in global-templates/, which the master syncs to the agent
        zones = os.path.join(WORLD["root"], "zones.d-distributed")
        os.makedirs(os.path.join(zones, "master"), exist_ok=True)
        os.makedirs(os.path.join(zones, "global-templates"), exist_ok=True)
        for prog in WORLD["checks"]:
            shutil.copy(os.path.join(CONTRIB, "icinga2", prog + ".conf"),
                        os.path.join(zones, "global-templates"))
        with open(os.path.join(zones, "master", "signer.conf"), "w") as f:
            # every service every 2 s: a result that came before the agent synced (the
            # results counted are those after it) is followed by another soon
            f.write(re.sub(r"\b(check|retry)_interval = \S+", r"\1_interval = 2s", example))
            f.write("\n" + "\n".join(extra) + "\n")
        for root, dirs, files in os.walk(zones):
            os.chmod(root, 0o755)
            for n in files:
                os.chmod(os.path.join(root, n), 0o644)
        base = icinga_base(WORLD["plugin_dir"], commands=False)
        master_conf = base + "\n".join([
            'object Endpoint NodeName {}',
            'object Zone ZoneName { endpoints = [ NodeName ] }',
            'object Zone "global-templates" { global = true }',
            'object CheckerComponent "checker" {}',
            '']) + "\n"
        agent_conf = base.replace('const ZoneName = "master"', 'const ZoneName = NodeName') + "\n".join([
            'object Zone "global-templates" { global = true }',
            'object Endpoint %s {}' % json.dumps(MASTER),
            'object Zone "master" { endpoints = [ %s ] }' % json.dumps(MASTER),
            'object Endpoint NodeName {}',
            'object Zone ZoneName {\n\tendpoints = [ NodeName ]\n\tparent = "master"\n}',
            '']) + "\n"
        with icinga.Icinga2(agent_conf, AGENT, pki, port=agent_port) as agent, \
                icinga.Icinga2(master_conf, MASTER, pki, zones_dir=zones) as master:
            names = {p: "%s!%s" % (AGENT, "sbtc %s" % p.check.name.replace("_", " ") if p in first
                                   else p.id) for p in prepared()}
            try:
                synced = agent.wait_for_objects("checkcommands", ["sbtc_%s" % c.name
                                                                  for c in WORLD["checks"].values()])
                results = master.wait_for_results(list(names.values()), since=synced, nudge=15)
            except AssertionError as e:
                raise AssertionError("%s\nagent:\n%s" % (e, agent.log()))
        for p, name in names.items():
            with self.subTest(scenario=p.id):
                cr = results[name]
                # the example runs the port scan from the master (where an outsider stands)
                # and everything else on the agent
                remote = p in first and p.check.name == "ports"
                self.assertEqual(cr["check_source"], MASTER if remote else AGENT, cr)
                perf_list, errors = harness.parse_perfdata(" ".join(cr.get("performance_data") or []))
                self.assertEqual(errors, [], cr)
                self.assertSameAsCheck(p, int(cr["exit_status"]), cr["output"].split("\n")[0],
                                       perf_list, "Icinga 2 agent (%s)" % p.id)


    def test_port_scan_address_family_local_mode_and_no_address(self):
        """sbtc_ports as an operator sets it up in Icinga 2: use_ipv6 scans the host's
        address6, local mode passes no host, a host without an address passes none."""
        pki = os.path.join(WORLD["root"], "pki")
        icinga.make_pki(pki, [MASTER])
        port = WORLD["ctx"].fixture("listener-p2p", _Listener).port
        scan = ['\tvars.sbtc_ports_ports = "%d"' % port, '\tvars.sbtc_ports_allow = "%d"' % port,
                '\tvars.sbtc_ports_require = "none"', '\tvars.sbtc_ports_no_drop_check = true']
        services = {
            "ipv6": ("dual", ['\tvars.sbtc_ports_use_ipv6 = true'] + scan),
            "ipv4": ("dual", scan),
            "local": ("dual", ['\tvars.sbtc_ports_local = true', '\tvars.sbtc_ports_no_firewall = true',
                               '\tvars.sbtc_ports_allow = "none"', '\tvars.sbtc_ports_require = "none"']),
            "no-address": ("no-address", scan),
        }
        conf = icinga_single_node(
            {"dual": ['address = "127.0.0.1"', 'address6 = "::1"'], "no-address": ['address = ""']},
            [(host, "ports-%s" % name, "sbtc_ports", v) for name, (host, v) in services.items()])
        with icinga.Icinga2(conf, MASTER, pki) as i2:
            results = i2.wait_for_results(["%s!ports-%s" % (host, name) for name, (host, _) in services.items()])
        common = ["--ports=%d" % port, "--allow=%d" % port, "--require=none", "--no-drop-check"]
        want = {"ipv6": ["--hostname=::1", "--use-ipv6"] + common,
                "ipv4": ["--hostname=127.0.0.1"] + common,
                "no-address": common}
        for name, (host, _) in services.items():
            with self.subTest(service=name):
                cr = results["%s!ports-%s" % (host, name)]
                argv = cr["command"][1:]
                first = cr["output"].split("\n")[0]
                self.assertNotIn("not both", first, cr)
                if name == "local":
                    self.assertIn("--local", argv, cr)
                    self.assertNotIn("--hostname", argv, cr)
                    self.assertRegex(first, r"^SBTC PORTS (OK|WARNING|CRITICAL) - ", cr)
                    continue
                # the check's own answer to what Icinga should have run
                ref = _run_as(icinga.USER, "check_sbtc_ports", want[name] + ["--timeout=50"], {})
                self.assertEqual((int(cr["exit_status"]), first), (ref.rc, ref.text), (cr, ref))
                if name == "ipv6":
                    self.assertEqual(argv[argv.index("--hostname") + 1], "::1", cr)
                    self.assertIn("--use-ipv6", argv, cr)
                    self.assertNotIn("127.0.0.1", argv, cr)
                elif name == "ipv4":
                    self.assertEqual(argv[argv.index("--hostname") + 1], "127.0.0.1", cr)
                    self.assertNotIn("--use-ipv6", argv, cr)
                else:
                    self.assertNotIn("--hostname", argv, cr)
                    self.assertNotIn("", argv, cr)
                    self.assertEqual(ref.rc, 3, ref)  # "give -H HOST ... or --local", not -H ''

    def test_checkcommand_defaults_answer_as_the_checks_own(self):
        """sbtc_backup with only its path set, made from --help with the check's Default
        lines (and as shipped): Icinga runs it with values the check takes, no quotes, and
        it answers as the check does with --path alone; the operator's own values pass."""
        pki = os.path.join(WORLD["root"], "pki")
        icinga.make_pki(pki, [MASTER])
        folder = WORLD["ctx"].fixture("backups-whole", lambda: _BackupFolder(cut=False))
        made_dir = os.path.join(WORLD["root"], "icinga-made")
        os.makedirs(made_dir, exist_ok=True)
        made = gen.icinga_command(with_default_lines("check_sbtc_backup", BACKUP_DEFAULTS))
        self.assertIn('\tvars.sbtc_backup_pattern = "*"\n', made)
        self.assertIn('\tvars.sbtc_backup_warning = "26h"\n', made)
        with open(os.path.join(made_dir, "check_sbtc_backup.conf"), "w") as f:
            f.write(made.replace('"sbtc_backup"', '"sbtc_backup_made"'))
        os.chmod(made_dir, 0o755)
        os.chmod(os.path.join(made_dir, "check_sbtc_backup.conf"), 0o644)
        path = '\tvars.sbtc_backup_path = %s' % json.dumps(folder.dir)
        services = {"shipped": ("sbtc_backup", [path]), "made": ("sbtc_backup_made", [path]),
                    "operator": ("sbtc_backup_made", [path, '\tvars.sbtc_backup_pattern = "signer-*"',
                                                      '\tvars.sbtc_backup_warning = "10d"',
                                                      '\tvars.sbtc_backup_critical = "20d"'])}
        conf = icinga_single_node(
            {"sandbox": ['address = "127.0.0.1"']},
            [("sandbox", "backup-%s" % name, cmd, v) for name, (cmd, v) in services.items()],
            includes=[os.path.join(made_dir, "check_sbtc_backup.conf")])
        with icinga.Icinga2(conf, MASTER, pki) as i2:
            results = i2.wait_for_results(["sandbox!backup-%s" % n for n in services])
        want = {"shipped": [], "made": [],
                "operator": ["--pattern=signer-*", "--warning=10d", "--critical=20d"]}
        for name in services:
            with self.subTest(service=name):
                cr = results["sandbox!backup-%s" % name]
                self.assertFalse([a for a in cr["command"] if "'" in a or '"' in a], cr)
                ref = _run_as(icinga.USER, "check_sbtc_backup",
                              ["--path=%s" % folder.dir, "--timeout=%d" % gen.ICINGA_DEADLINE] + want[name], {})
                self.assertEqual((int(cr["exit_status"]), cr["output"].split("\n")[0]), (ref.rc, ref.text),
                                 (cr, ref))

    def test_a_check_that_hangs_ends_with_its_own_deadline(self):
        """A check whose peer never answers, with the CheckCommand's own deadline: Icinga
        shows the check's deadline message, not its own timeout."""
        pki = os.path.join(WORLD["root"], "pki")
        icinga.make_pki(pki, [MASTER])
        options = backup_hanging_options(WORLD["ctx"])
        lines = []
        for long, value in options.items():
            lines.append("\tvars.sbtc_backup_%s = %s" % (long.replace("-", "_"),
                                                           "true" if value is True else json.dumps(value)))
        conf = icinga_single_node({"sandbox": ['address = "127.0.0.1"']},
                                  [("sandbox", "hangs", "sbtc_backup", lines)], interval="300s")
        with icinga.Icinga2(conf, MASTER, pki) as i2:
            cr = i2.wait_for_results(["sandbox!hangs"], timeout=150)["sandbox!hangs"]
        first = cr["output"].split("\n")[0]
        # the check's own deadline message, with its own deadline
        self.assertRegex(first, r"^SBTC BACKUP UNKNOWN - .*(within the deadline of|timed out after) %d s\b"
                         % gen.ICINGA_DEADLINE, cr)
        self.assertEqual(int(cr["exit_status"]), 3, cr)
        argv = cr["command"]
        self.assertEqual(argv[argv.index("--timeout") + 1], str(gen.ICINGA_DEADLINE), cr)


# ---------------------------------------------------------------------------- NRPE, Nagios



def by_index():
    """Scenarios grouped so that group k holds scenario k of every check: one daemon (and
    one ini file) per group, since the shipped command lines are fixed."""
    groups = {}
    for p in prepared():
        idx = SCENARIOS[p.check.program].index(p.scenario)
        groups.setdefault(idx, []).append(p)
    return [groups[k] for k in sorted(groups)]


def without_timings(lines):
    """Detail lines with the durations a run measures ("scanned ... in 0.01 s") made
    alike: two runs of one check differ there and nowhere else."""
    return [re.sub(r"\b\d+\.\d+ s\b", "N s", line) for line in lines]


class Nrpe(ConsumerCase):

    def test_check_nrpe_returns_the_checks_results_unchanged(self):
        for k, group in enumerate(by_index()):
            # a check with a local mode runs only that through NRPE: its scenarios scan a
            # host, which the shipped definitions do from the monitoring server
            group = [p for p in group if gen.local_switch(p.check) is None]
            secrets = WORLD["secrets"]
            ini = secrets.write(nrpe.USER, "nrpe-%d.ini" % k,
                                "\n".join(p.ini_section(nrpe.USER) for p in group))
            cfg = shipped("nrpe/sbtc.cfg", {gen.PLUGIN_DIR + "/": WORLD["plugin_dir"] + "/",
                                            gen.NRPE_INI: ini})
            self.assertNotIn("dont_blame_nrpe=1", cfg)
            self.assertNotIn("$ARG", cfg)
            with nrpe.NrpeServer(cfg) as server:
                for p in group:
                    with self.subTest(scenario=p.id):
                        r = server.query(p.check.program)
                        self.assertSameAsCheck(p, r.rc, r.text, r.perfdata_list,
                                               "check_nrpe (%s)\n%r\n%s" % (p.id, r, server.log()))
                        self.assertEqual(without_timings(r.long_text),
                                         without_timings(p.reference.long_text), r)
                        # NRPE 2 packets carry 1024 bytes; ours fit even those whole
                        self.assertLess(len(p.reference.stdout.encode()), 1024, p.reference)


    def shipped_ini_section(self, program, text=None):
        """The check's section of the shipped NRPE ini file (or of text), without its header."""
        if text is None:
            with open(os.path.join(CONTRIB, "nrpe", "sbtc-plugins.ini")) as f:
                text = f.read()
        m = re.search(r"^\[%s\]\n(.*?)(?=^\[|\Z)" % re.escape(program), text, re.M | re.S)
        self.assertIsNotNone(m, "no [%s] in the shipped ini" % program)
        return m.group(1)

    def shipped_check_nrpe_timeout(self):
        with open(os.path.join(CONTRIB, "nagios", "sbtc-commands.cfg")) as f:
            m = re.search(r"check_nrpe -H \$HOSTADDRESS\$ -t (\d+) ", f.read())
        self.assertIsNotNone(m)
        return int(m.group(1))

    def nrpe_with_ini(self, name, ini_text):
        ini = WORLD["secrets"].write(nrpe.USER, name, ini_text)
        return shipped("nrpe/sbtc.cfg", {gen.PLUGIN_DIR + "/": WORLD["plugin_dir"] + "/", gen.NRPE_INI: ini})

    def test_uncommented_example_values_change_nothing(self):
        """Every commented 'key = value' line of the ini's backup section taken in: the
        check answers exactly as with none of them (they are its defaults). The shipped
        ini, and the one made from --help with the backup check's Default lines."""
        made = gen.ini_example([with_default_lines("check_sbtc_backup", BACKUP_DEFAULTS)], gen.NRPE_INI,
                               gen.NRPE_DEADLINE, "")
        with open(os.path.join(CONTRIB, "nrpe", "sbtc-plugins.ini")) as f:
            shipped_ini = f.read()
        folder = WORLD["ctx"].fixture("backups-whole", lambda: _BackupFolder(cut=False))
        ref = _run_as(nrpe.USER, "check_sbtc_backup", ["--path=%s" % folder.dir], {})
        for name, text in (("shipped", shipped_ini), ("made with Default lines", made)):
            section = self.shipped_ini_section("check_sbtc_backup", text)
            uncommented, n = re.subn(r"^;([a-z0-9-]+ = .*)$", r"\1", section, flags=re.M)
            if name != "shipped":
                self.assertEqual(n, len(BACKUP_DEFAULTS) - 2, uncommented)  # all but timeout, output-format
            cfg = self.nrpe_with_ini("nrpe-uncommented.ini", "[check_sbtc_backup]\n%spath = %s\n"
                                     % (uncommented, folder.dir))
            with nrpe.NrpeServer(cfg) as server:
                r = server.query("check_sbtc_backup", timeout=self.shipped_check_nrpe_timeout())
            with self.subTest(ini=name):
                self.assertNotIn("''", r.text, r)
                self.assertEqual((r.rc, r.text), (ref.rc, ref.text), "%d example values taken in:\n%s\n%r"
                                 % (n, uncommented, r))

    def test_a_check_that_hangs_ends_with_its_own_deadline(self):
        """The shipped section's deadline (timeout =) under the shipped check_nrpe -t: a
        check whose peer never answers reports its own deadline through NRPE."""
        section = self.shipped_ini_section("check_sbtc_backup")
        kept = [l for l in section.splitlines() if l.strip() and not l.startswith(";")]
        self.assertEqual(kept, ["timeout = %d" % gen.NRPE_DEADLINE])
        lines = kept + [k if v is True else "%s = %s" % (k, v)
                        for k, v in backup_hanging_options(WORLD["ctx"]).items()]
        cfg = self.nrpe_with_ini("nrpe-hangs.ini", "[check_sbtc_backup]\n%s\n" % "\n".join(lines))
        t = self.shipped_check_nrpe_timeout()
        with nrpe.NrpeServer(cfg) as server:
            r = server.query("check_sbtc_backup", timeout=t)
        # the check's own deadline message, with the ini file's deadline
        self.assertRegex(r.text, r"^SBTC BACKUP UNKNOWN - .*(within the deadline of|timed out after) %d s\b"
                         % gen.NRPE_DEADLINE, r)
        self.assertEqual(r.rc, 3, r)
        # and with a margin: not a race with check_nrpe's own timeout
        self.assertLess(r.elapsed, t - 5, r)

    def test_the_port_audit_runs_in_local_mode(self):
        """The shipped local port audit: --local and the ini file, never a host. (sudo, which
        the shipped line runs it through, is left out: no sudoers rule is installed here, so
        the check runs as the nagios user and says what it could not see.)"""
        ports = [c for c in WORLD["checks"].values() if gen.local_switch(c) is not None]
        self.assertTrue(ports)
        for c in ports:
            ini = WORLD["secrets"].write(nrpe.USER, "nrpe-local.ini", "[%s]\n%sallow = none\nrequire = none\n"
                                         % (c.program, "\n".join(
                                             l for l in self.shipped_ini_section(c.program).splitlines()
                                             if l.strip() and not l.startswith(";")) + "\n"))
            cfg = shipped("nrpe/sbtc.cfg", {gen.SUDO + " " + gen.PLUGIN_DIR + "/": WORLD["plugin_dir"] + "/",
                                            gen.NRPE_INI: ini})
            with nrpe.NrpeServer(cfg) as server:
                r = server.query(gen.nrpe_command(c), timeout=self.shipped_check_nrpe_timeout())
            with self.subTest(check=c.program):
                self.assertRegex(r.text, r"^SBTC %s (OK|WARNING|CRITICAL|UNKNOWN) - " % c.label, r)
                self.assertNotIn("not both", r.text, r)
                self.assertNotIn("-H", r.text, r)


class Nagios4(ConsumerCase):

    def test_nagios4_accepts_the_shipped_definitions(self):
        files = [os.path.join(WORLD["contrib"], "nagios", n) for n in ("sbtc-commands.cfg", "sbtc-services.cfg")]
        rc, out = nagios.verify(files)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"Total Errors:\s+0")
        with open(files[1]) as f:
            services = f.read()
        for p in prepared():
            if gen.local_switch(p.check) is not None:
                # the scan from the Nagios host, the audit of the host's own sockets through NRPE
                self.assertIn("check_command           %s_remote\n" % p.check.program, services)
                self.assertIn("check_nrpe_sbtc!%s_local\n" % p.check.program, services)
            else:
                self.assertIn("check_nrpe_sbtc!%s\n" % p.check.program, services)
        self.assertNotIn("check_nrpe_sbtc!check_sbtc_ports\n", services)
        # and it does reject what is broken: a service whose command does not exist
        broken = os.path.join(WORLD["root"], "broken.cfg")
        with open(broken, "w") as f:
            f.write("define service {\n use generic-service\n host_name sbtc-signer\n"
                    " service_description broken\n check_command check_sbtc_nonexistent\n}\n")
        rc, out = nagios.verify(files + [broken])
        self.assertNotEqual(rc, 0, out)


    def test_private_nagios4_runs_the_shipped_commands(self):
        """The shipped command definitions run by a real Nagios 4: each check's command
        with its options in an --extra-opts file, as sbtc-commands.cfg suggests."""
        services = ["define host {\n    use linux-server\n    host_name sandbox\n"
                    "    address 127.0.0.1\n    check_interval 3600\n}"]
        keys = {}
        for k, group in enumerate(by_index()):
            ini = WORLD["secrets"].write(nagios.USER, "nagios-%d.ini" % k,
                                         "\n".join(p.ini_section(nagios.USER) for p in group))
            for p in group:
                command = "%s!--extra-opts=@%s" % (p.check.program, ini)
                if gen.local_switch(p.check) is not None:
                    # the scan of the host's address ($HOSTADDRESS$, 127.0.0.1 here)
                    self.assertEqual(p.inv.options.get("hostname"), "127.0.0.1")
                    command = "%s_remote!%s" % (p.check.program, " ".join(
                        a for a in p.argv() if not a.startswith("--hostname=")))
                services.append("\n".join([
                    "define service {",
                    "    use                     generic-service",
                    "    host_name               sandbox",
                    "    service_description     %s" % p.id,
                    "    check_command           %s" % command,
                    "    check_interval          3600",
                    "    max_check_attempts      1",
                    "}"]))
                keys[("sandbox", p.id)] = p
        cfg = os.path.join(WORLD["root"], "nagios-services.cfg")
        with open(cfg, "w") as f:
            f.write("\n\n".join(services) + "\n")
        os.chmod(cfg, 0o644)
        files = [os.path.join(WORLD["contrib"], "nagios", "sbtc-commands.cfg"), cfg]
        with nagios.Nagios4(files, WORLD["plugin_dir"]) as n:
            status = n.results(list(keys))
        for key, p in keys.items():
            with self.subTest(scenario=p.id):
                st = status[key]
                perf_list, errors = harness.parse_perfdata(st.get("performance_data", ""))
                self.assertEqual(errors, [], st)
                # Nagios 4 itself writes ';' in plugin output as ':' (its status and
                # command files use ';'); everything else must be unchanged.
                self.assertSameAsCheck(p, int(st["current_state"]), st["plugin_output"], perf_list,
                                       "Nagios 4 (%s)\n%r" % (p.id, st), semicolons_as_colons=True)


# ---------------------------------------------------------------------------- Zabbix

def jsonpath(doc, path):
    """The JSONPath forms the template uses, evaluated as Zabbix does:
    $.a, $.a.b, and $.a[?(@.k=='v')].f.first()."""
    m = re.fullmatch(r"\$\.([a-z_]+)\[\?\(@\.([a-z_]+)=='([^']*)'\)\]\.([a-z_]+)\.first\(\)", path)
    if m:
        field, key, value, sub = m.groups()
        hits = [e[sub] for e in doc[field] if e.get(key) == value]
        if not hits:
            raise KeyError(path)
        return hits[0]
    m = re.fullmatch(r"\$((?:\.[a-z_]+)+)", path)
    if m:
        v = doc
        for part in m.group(1).split(".")[1:]:
            v = v[part]
        return v
    raise AssertionError("JSONPath form not known to the test: %s" % path)


def master_key(template, base):
    """The key of the template's master item for base (sbtc.backup -> sbtc.backup[...])."""
    keys = [i["key"] for i in template["items"] if i["key"].split("[")[0] == base]
    if len(keys) != 1:
        raise AssertionError("the template has %d master items for %s" % (len(keys), base))
    return keys[0]


def zabbix_value(v):
    """How Zabbix stores a JSONPath result: strings as they are, numbers as text."""
    if isinstance(v, str):
        return v
    return json.dumps(v)


class Zabbix(ConsumerCase):

    def test_agent_answers_the_userparameters_with_the_json_the_template_reads(self):
        with open(os.path.join(CONTRIB, "zabbix", "template_sbtc.yaml")) as f:
            export = yaml.safe_load(f)["zabbix_export"]
        self.assertEqual(export["version"], "6.0")
        self.export = export
        template = export["templates"][0]
        for k, group in enumerate(by_index()):
            secrets = WORLD["secrets"]
            ini = secrets.write(zabbix.USER, "zabbix-%d.ini" % k,
                                "\n".join(p.ini_section(zabbix.USER) for p in group))
            params = shipped("zabbix/userparameters_sbtc.conf",
                             {gen.PLUGIN_DIR + "/": WORLD["plugin_dir"] + "/", gen.ZABBIX_INI: ini})
            with zabbix.ZabbixAgent(params) as agent:
                for p in group:
                    with self.subTest(scenario=p.id):
                        key = "sbtc.%s" % p.check.name
                        # the template's key with every threshold macro empty: each
                        # option is then left out and the ini file's value applies
                        master = master_key(template, key)
                        text = agent.get(re.sub(r"\{\$[A-Z0-9_.]+\}", "", master))
                        self.assertNotIn(zabbix.NOTSUPPORTED, text, agent.log())
                        doc = json.loads(text)
                        self.check_document(p, doc, template, key, master)

    def test_macros_reach_the_checks_and_unsafe_characters_stay_out(self):
        """A threshold in a key parameter becomes the check's option; the agent refuses a
        parameter holding quotes or shell characters (UnsafeUserParameters=0) before any
        shell sees it."""
        p = [p for p in by_index()[0] if p.check.name == "backup"][0]
        secrets = WORLD["secrets"]
        ini = secrets.write(zabbix.USER, "zabbix-macros.ini", p.ini_section(zabbix.USER))
        params = shipped("zabbix/userparameters_sbtc.conf",
                         {gen.PLUGIN_DIR + "/": WORLD["plugin_dir"] + "/", gen.ZABBIX_INI: ini})
        with zabbix.ZabbixAgent(params) as agent:
            doc = json.loads(agent.get('sbtc.backup["1d","2d"]'))
            age = [x for x in doc["perfdata"] if x["label"] == "age"][0]
            self.assertEqual((age["warn"], age["crit"]), (DAY, 2 * DAY), doc)
            self.assertEqual(doc["state"], 2, doc)  # three days old
            for bad in ("1d';touch /tmp/x;'", "$(id)", "1d`id`", "1d\\"):
                text = agent.get('sbtc.backup["%s",""]' % bad.replace("\\", "\\\\"))
                self.assertTrue(text.startswith(zabbix.NOTSUPPORTED), text)
            # a space is allowed, and stays inside the one option it belongs to
            text = agent.get('sbtc.backup["1d 2d",""]')
            self.assertTrue(text.startswith("{"), "%r\n%s" % (text, agent.log()))
            doc = json.loads(text)
            self.assertEqual(doc["state"], 3, text)
            self.assertIn("'1d 2d'", doc["summary"], text)

    def check_document(self, p, doc, template, key, master):
        ref = json.loads(p.reference_json.stdout)
        self.assertReference(p)
        self.assertEqual(p.reference_json.rc, p.scenario.rc, p.reference_json)
        self.assertEqual(doc["schema_version"], 1)
        self.assertEqual(doc["state"], p.scenario.rc)
        self.assertEqual(doc["state_text"], harness.plugin.STATES[p.scenario.rc])
        self.assertEqual(doc["summary"], ref["summary"])
        self.assertEqual(doc["summary"], state_line_summary(p.check, p.reference.text))
        items = {i["key"]: i for i in template["items"]}
        self.assertIn(master, items, "the template has no item for %s" % key)
        dependent = [i for i in template["items"] if i.get("master_item", {}).get("key") == master]
        self.assertTrue(dependent)
        status = "%s: %s" % (doc["state_text"], doc["summary"])
        expected = {"%s.state" % key: str(p.scenario.rc), "%s.summary" % key: doc["summary"],
                    "%s.status" % key: status}
        for item in dependent:
            step = item["preprocessing"][0]
            if step["type"] == "JAVASCRIPT":
                # the status item's script (run by a real server in test_zabbix_server):
                # here, what it is written to make of this document
                self.assertEqual(step["parameters"][0], gen.ZABBIX_STATUS_SCRIPT, item["key"])
                self.assertEqual(item["key"], "%s.status" % key)
                continue
            got = zabbix_value(jsonpath(doc, step["parameters"][0]))
            self.assertEqual(got, expected[item["key"]], item["key"])
        self.assertEqual(sorted(i["key"] for i in dependent), sorted(expected))
        # the triggers on the status item: exactly the one for this state fires (none for OK)
        fired = []
        for t in self.export["triggers"]:
            m = re.fullmatch(r'find\(/[^/]+/([^,]+),,"regexp","([^"]+)"\)=1', t["expression"])
            if m and m.group(1) == "%s.status" % key:
                if re.search(m.group(2), status):
                    fired.append(t["name"])
                    self.assertEqual(t["event_name"], "sBTC %s is {ITEM.VALUE}" % key.split(".", 1)[1])
        self.assertEqual(fired, [] if doc["state"] == 0 else
                         ["sBTC %s is %s" % (key.split(".", 1)[1], doc["state_text"])])
        # the discovery rule: one item per perfdata label, each read by its JSONPath
        rules = [r for r in template["discovery_rules"] if r["master_item"]["key"] == master]
        self.assertEqual(len(rules), 1)
        rule = rules[0]
        rows = jsonpath(doc, rule["preprocessing"][0]["parameters"][0])
        macros = {m["lld_macro"]: m["path"] for m in rule["lld_macro_paths"]}
        proto = rule["item_prototypes"][0]
        got_perf = []
        for row in rows:
            label = jsonpath(row, macros["{#LABEL}"])
            uom = jsonpath(row, macros["{#UOM}"])
            path = proto["preprocessing"][0]["parameters"][0].replace("{#LABEL}", label)
            value = jsonpath(doc, path)
            got_perf.append((label, uom, value))
        want = [(pv.label, pv.uom, pv.value) for pv in p.reference.perfdata_list]
        self.assertEqual([g[:2] for g in got_perf], [w[:2] for w in want])
        for g, w in zip(got_perf, want):
            if g[0] in p.scenario.volatile:
                self.assertAlmostEqual(g[2], w[2], delta=p.tolerance())
            else:
                self.assertEqual(g[2], w[2], g[0])


if __name__ == "__main__":
    unittest.main()
