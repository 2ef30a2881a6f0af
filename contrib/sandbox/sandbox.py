# SPDX-License-Identifier: GPL-2.0-or-later
"""The sandbox: a signer host on loopback, and each check run against it as an operator
would run it, in a good and in failing scenarios. Started and stopped by contrib/sandbox/run.

    contrib/sandbox/run            every scenario
    contrib/sandbox/run --keep     leave the sandbox running until Ctrl-C, to try commands by hand
"""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import harness  # noqa: E402
from harness import signerdb  # noqa: E402
from harness.net import closed_port  # noqa: E402

PLUGINS = os.environ["SBTC_PLUGIN_DIR"]
# A root the checks are installed in (tests/package/run): they run chrooted into it, their
# folder being SBTC_PLUGIN_DIR inside it. The root shares the network, so the fixtures and
# the database on 127.0.0.1 answer them there too.
CHROOT = os.environ.get("SBTC_PLUGIN_CHROOT")
DAY = 86400


def show(title, argv, env):
    print("\n### %s" % title)
    print("$ " + " ".join(shlex.quote(a) for a in argv))
    program = os.path.join(PLUGINS, argv[0])
    if CHROOT:
        program = ["/usr/sbin/chroot", CHROOT, os.path.join("/", os.path.relpath(program, CHROOT))]
    else:
        program = [program]
    p = subprocess.run(program + argv[1:], env=env, capture_output=True, text=True, timeout=60)
    sys.stdout.write(p.stdout)
    print("(exit %d)" % p.returncode)
    return p.returncode


def version_scenarios(node, env):
    """check_sbtc_version: the signer (through its metrics exporter) and the Stacks node
    against a fixture of GitHub's releases API, with its cache and its rate limit."""
    sys.path.insert(0, harness.FIXTURES_DIR)
    from github_api import GitHubApiFixture, SIGNER_COMMIT_BEHIND  # noqa: E402
    from metrics_exporter import MetricsExporterFixture  # noqa: E402

    gh = GitHubApiFixture().start()
    metrics = MetricsExporterFixture(revision="v1.3.3").start()
    cache = tempfile.mkdtemp(prefix="sandbox-version-cache-")
    saved_version = node.config["server_version"]
    try:
        print("\nsandbox: GitHub API fixture on %s, signer metrics exporter on %s" % (gh.url, metrics.url))
        vc = ["check_sbtc_version", "--github-api", gh.url, "--cache-dir", cache,
              "--metrics-url", metrics.url + "/metrics", "-u", node.url]
        node.set(server_version="stacks-node 3.1.0.0.13 (release/3.1.0.0.13:0a1b2c3, release build, "
                                "linux [x86_64])")
        show("Up to date: the signer and the Stacks node run the newest releases", vc, env)
        node.set(server_version=saved_version)
        metrics.set(revision="v1.3.1")
        show("Behind: the signer missed two releases, the Stacks node one (-v: release pages)",
             vc + ["-v"], env)
        metrics.set(revision=SIGNER_COMMIT_BEHIND)
        show("A signer built from source: GitHub's compare API places its commit", vc, env)
        metrics.set(revision="v1.3.1")
        gh.set(mood="rate-limit")
        show("GitHub rate-limits: the cached answers stand in, with their age",
             vc + ["--cache-ttl", "0"], env)
        empty = tempfile.mkdtemp(prefix="sandbox-version-empty-")
        show("GitHub rate-limits and nothing is cached: UNKNOWN with GitHub's reason",
             ["check_sbtc_version", "--github-api", gh.url, "--cache-dir", os.path.join(empty, "c"),
              "--metrics-url", metrics.url + "/metrics"], env)
        shutil.rmtree(empty, ignore_errors=True)
        print("(%d requests reached the GitHub fixture in all these runs: the cache answered the rest)"
              % len(gh.requests_to_api))
    finally:
        node.set(server_version=saved_version)
        metrics.stop()
        gh.stop()
        shutil.rmtree(cache, ignore_errors=True)


def backup_scenarios(cluster, node, env):
    """check_sbtc_backup: backups of the sandbox's signer database made by
    contrib/backup/sbtc-backup as an operator would run it, then a fresh one, an old one,
    a truncated one, and one from before the last key rotation."""
    top = os.path.dirname(os.path.dirname(HERE))
    folder = tempfile.mkdtemp(prefix="sandbox-backups-")
    pg_restore = os.path.join(cluster.bindir, "pg_restore")
    try:
        script_env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        script_env.update({"SBTC_BACKUP_DIR": folder, "PGPASSWORD": cluster.password,
                           "PG_DUMP": os.path.join(cluster.bindir, "pg_dump"), "PG_RESTORE": pg_restore})

        def backup(dbname):
            script_env["SBTC_BACKUP_DB"] = cluster.conninfo(dbname=dbname, password=False)
            p = subprocess.run([os.path.join(top, "contrib", "backup", "sbtc-backup")], env=script_env,
                               capture_output=True, text=True, timeout=120, check=True)
            name = p.stdout.split("wrote ", 1)[1].split(" ", 1)[0]
            return name

        print("\nsandbox: backups in %s, made by contrib/backup/sbtc-backup" % folder)
        newest = backup("signer")
        bc = ["check_sbtc_backup", "--path", folder, "--pattern", "signer-*.dump", "--min-size", "10kB"]
        show("A fresh backup: recent, whole, and it holds the key on chain",
             bc + ["--verify-key", "-u", node.url, "--pg-restore", pg_restore], env)
        old = time.time() - 3 * DAY
        os.utime(newest, (old, old))
        show("The backup job stopped three days ago", bc, env)
        os.utime(newest, None)
        size = os.path.getsize(newest)
        with open(newest, "r+b") as f:
            f.truncate(size * 2 // 3)
        show("The newest backup was cut short (disk full during the copy)", bc, env)
        os.unlink(newest)
        time.sleep(1.1)  # the script names backups by the second
        backup("signer_restore_test")
        show("A backup taken before the last key rotation: it cannot restore a working signer",
             bc + ["--verify-key", "-u", node.url, "--pg-restore", pg_restore], env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def block_lag_scenarios(cluster, env):
    """check_sbtc_block_lag: a fixture Bitcoin Core (cookie auth), a Stacks node, the
    signer's API and a public reference, healthy and then one link at a time lagging."""
    sys.path.insert(0, harness.FIXTURES_DIR)
    from bitcoind import BitcoindFixture
    from reference_api import ReferenceApiFixture
    from signer_api import SignerApiFixture

    datadir = tempfile.mkdtemp(prefix="sandbox-bitcoind-")
    btc = BitcoindFixture(cookie_dir=datadir, blocks=880000).start()
    # a current node: /v3/health and the tip's timestamp (tip_metadata) as 3.3.0.0.4+ serve them
    stx = harness.StacksNodeFixture(burn_block_height=880000, info_overrides={"is_fully_synced": True},
                                    server_version="stacks-node 3.3.0.0.4 (release/3.3.0.0.4, linux [x86_64])").start()
    api = SignerApiFixture().start()
    ref = ReferenceApiFixture(bitcoin_height=880000).start()
    try:
        bl = ["check_sbtc_block_lag", "--bitcoin-url", btc.url, "--bitcoin-cookie", btc.cookie_file,
              "-u", stx.url, "--signer-url", api.url]
        show("Block lag: a healthy chain (Bitcoin Core, Stacks node, signer, and a public reference)",
             bl + ["--bitcoin-reference", ref.url, "--stacks-reference", ref.url], env)
        btc.restart_cookie()
        show("Block lag: bitcoind restarted and wrote a new cookie: read again, still OK", bl, env)
        stx.set(burn_block_height=879996, peer_lag=12)
        show("Block lag: the Stacks node stopped following Bitcoin and trails its peers", bl, env)
        stx.set(burn_block_height=880000, peer_lag=0, neighbors=False, tip_age=3 * 3600)
        show("Block lag: the Stacks node is cut off from its peers and its tip stopped 3 hours ago", bl, env)
        stx.set(neighbors=True, tip_age=5)
        api.set(bitcoin_signer_height=879991, stacks_signer_height=1832040)
        show("Block lag: the signer is stuck while its nodes advance", bl, env)
        api.reset_config()
        signer_db = "host=127.0.0.1 port=%d dbname=signer user=sbtc_monitor" % cluster.port
        show("Block lag: the signer's database against Bitcoin Core",
             ["check_sbtc_block_lag", "--bitcoin-url", btc.url, "--bitcoin-cookie", btc.cookie_file,
              "-d", signer_db], env)
        btc.set(mood="ibd")
        show("Block lag: Bitcoin Core in initial block download", bl, env)
    finally:
        for fx in (btc, stx, api, ref):
            fx.stop()
        shutil.rmtree(datadir, ignore_errors=True)


def ports_scenarios(env):
    """check_sbtc_ports: a loopback address with the signer's P2P port and a PostgreSQL
    listening, then (as root) a signer host in a network namespace behind nftables."""
    import socket
    import test_ports  # tests/integration: the namespace host and listeners of the tests

    socks = []
    try:
        for port in (4122, 5432):
            s = socket.socket()
            s.bind(("127.0.0.2", port))
            s.listen(16)
            socks.append(s)
    except OSError as e:
        print("\nsandbox: ports scenarios on loopback left out: cannot listen on 127.0.0.2 (%s)" % e)
    if len(socks) == 2:
        show("Loopback: the signer's P2P port and a PostgreSQL that should not face the network",
             ["check_sbtc_ports", "-H", "127.0.0.2", "-p", "1-10000"], env)
    for s in socks:
        s.close()
    if test_ports.NETNS_WHY is not None:
        print("\nsandbox: ports scenarios in a namespace left out: %s" % test_ports.NETNS_WHY)
        return
    import test_quic  # a real QUIC endpoint (ngtcp2's server) for the signer's P2P over UDP

    host = test_ports.NetnsHost()
    cert = quic = None
    try:
        print("\nsandbox: a signer host in network namespace %s at %s and %s"
              % (host.ns, host.addr4, host.addr6))
        host.firewall(test_ports.drop_ruleset(udp=(4122,)))
        host.listen("tcp:0.0.0.0:4122", "tcp:127.0.0.1:5432", "tcp:[::1]:8801")
        # The signer's P2P listens on TCP and QUIC 4122 (REFERENCE.md, section 2).
        cert = test_quic.Certificate()
        quic = test_quic.QuicServer(cert, "0.0.0.0", 4122, ns=host.ns).wait_ready(host.addr4)
        show("The guide's host: default-deny firewall, only 4122 open (TCP, and QUIC over UDP; all 65535 ports)",
             ["check_sbtc_ports", "-H", host.addr4], env)
        quic.stop()
        quic = None
        host.stop_listeners()
        host.firewall(test_ports.drop_ruleset(8801))
        host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:8801")
        show("A hole in the firewall lets the signer's API through", ["check_sbtc_ports", "-H", host.addr4], env)
        host.firewall("")
        show("No firewall at all: closed ports answer (and the API is exposed)",
             ["check_sbtc_ports", "-H", host.addr4], env)
        print("\n### Local mode on that host (through NRPE on a real one): its sockets and firewall")
        r = test_ports.run_in(host.ns, ["--local"])
        print("$ check_sbtc_ports --local")
        sys.stdout.write(r.stdout)
        print("(exit %d)" % r.rc)
    finally:
        if quic is not None:
            quic.stop()
        if cert is not None:
            cert.close()
        host.close()


def signer_scenarios(cluster, env):
    """check_sbtc_signer: a signer at work (its API, its database with its session, its
    exporter, the registry and Emily), healthy and then one thing wrong at a time."""
    sys.path.insert(0, harness.FIXTURES_DIR)
    from emily import API_KEY, EmilyFixture
    from metrics_exporter import MetricsExporterFixture
    from signer_api import SignerApiFixture
    from stacks_node import SIGNER_SET

    db = harness.scenario_db(signerdb.SCHEMA_V1_3_3, name="signer_at_work")
    with db.batch():
        db.insert_bitcoin_chain(tip_height=880_000, length=20)
        db.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", 2 * DAY,
                             signer_keys=[bytes.fromhex(k) for k in SIGNER_SET], threshold=2)
    db.monitor_conninfo(password="sandbox-monitor")
    node = harness.StacksNodeFixture().start()
    api = SignerApiFixture().start()
    metrics = MetricsExporterFixture().start()
    emily = EmilyFixture().start()
    work = tempfile.mkdtemp(prefix="sandbox-signer-")
    session = db.signer_session()
    try:
        url_file = os.path.join(work, "emily.url")
        with open(url_file, "w") as f:
            f.write("http://%s@127.0.0.1:%d\n" % (API_KEY, emily.port))
        os.chmod(url_file, 0o600)
        sc = ["check_sbtc_signer", "-k", SIGNER_SET[1], "-d",
              "host=127.0.0.1 port=%d dbname=signer_at_work user=sbtc_monitor" % cluster.port,
              "-u", node.url, "--signer-url", api.url, "-m", metrics.url + "/metrics",
              "--emily-url-file", url_file, "--state-dir", os.path.join(work, "state")]
        print("\nsandbox: the signer at work: API %s, exporter %s, Emily's URL (with its key) in %s"
              % (api.url, metrics.url, url_file))
        show("Signer: a healthy signer at work", sc, env)
        node.set(signer_set=[SIGNER_SET[0], SIGNER_SET[2]])
        show("Signer: its key was dropped from the registry's signer set", sc, env)
        node.reset_config()
        metrics.set(peers_connected=0)
        show("Signer: no peers", sc + ["--only", "peers"], env)
        metrics.reset_config()
        db.insert_dkg_shares(signerdb.PREVIOUS_KEY, "unverified", 3 * 3600, started_at_height=880_000 - 15,
                             signer_keys=[bytes.fromhex(k) for k in SIGNER_SET], threshold=2)
        show("Signer: a DKG share stuck unverified", sc + ["--only", "dkg"], env)
        db.insert_deposit(created_at=DAY, votes={SIGNER_SET[1]: (True, True)})
        show("Signer: a deposit stuck for a day", sc + ["--only", "deposits"], env)
        metrics.set(mood="restart")
        show("Signer: the signer restarted: its counters reset, no negative rate",
             sc + ["--only", "signing_errors"], env)
        metrics.reset_config()
        emily.set(mood="500")
        show("Signer: Emily is down (its URL and key never shown)", sc + ["--only", "emily"], env)
    finally:
        session.close()
        for fx in (node, api, metrics, emily):
            fx.stop()
        shutil.rmtree(work, ignore_errors=True)
def ssh_scenarios(env):
    """check_sbtc_ssh: the real sshd -T over sshd_config files written here, and accounts
    in a temporary root (a passwd file of its own; no account of this host changes)."""
    import test_ssh  # tests/integration: the temporary root and the hand-made FIDO keys

    if os.geteuid() != 0 or not os.access(test_ssh.SSHD, os.X_OK):
        print("\nsandbox: ssh scenarios left out: sshd -T needs root and %s" % test_ssh.SSHD)
        return
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # as the ssh service does
    tmp = tempfile.mkdtemp(prefix="sandbox-ssh-")
    try:
        os.chmod(tmp, 0o755)
        hostkey = os.path.join(tmp, "hostkey")
        subprocess.run([test_ssh.SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", hostkey], check=True,
                       stdin=subprocess.DEVNULL)
        subprocess.run([test_ssh.SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "carol@laptop", "-f",
                        os.path.join(tmp, "plain")], check=True, stdin=subprocess.DEVNULL)
        with open(os.path.join(tmp, "plain.pub")) as f:
            plain = f.read().strip()
        alice = test_ssh.sk_ed25519(1, "alice@yubikey")
        bob = test_ssh.sk_ecdsa("bob@solokey")
        cases = [
            ("The guide's host: hardware keys only, two administrators", test_ssh.SAFE,
             {"alice": [alice], "bob": [bob]}),
            ("Password logins left on", test_ssh.SAFE.replace("PasswordAuthentication no",
                                                             "PasswordAuthentication yes"),
             {"alice": [alice], "bob": [bob]}),
            ("A plain ed25519 key next to a hardware one", test_ssh.SAFE,
             {"alice": [alice, plain], "bob": [bob]}),
            ("One administrator only", test_ssh.SAFE, {"alice": [alice], "bob": None}),
        ]
        # Installed into a root without sshd (the package test): the config is read directly.
        direct = bool(CHROOT) and not os.access(os.path.join(CHROOT, test_ssh.SSHD.lstrip("/")), os.X_OK)
        for i, (title, config, users) in enumerate(cases):
            _, args = test_ssh.make_root(os.path.join(tmp, "s%d" % i), config, users, plain)
            if direct:
                args = [("--sshd-config" if a == "-f" else a) for a in args]
            else:
                args = args + ["--host-key", hostkey]
            show(title, ["check_sbtc_ssh"] + args, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
def logs_scenarios(env):
    """check_sbtc_logs: a journal written offline by systemd-journal-remote that reaches back
    two weeks under MaxRetentionSec=2week, one that reaches back 100 days, and a signer log
    rotated by logrotate's rotate 7 daily."""
    import test_logs  # tests/integration: journals and logs written as its tests write them

    base = tempfile.mkdtemp(prefix="sandbox-logs-", dir=os.path.join(CHROOT, "tmp") if CHROOT else None)
    inner = ("/" + os.path.relpath(base, CHROOT)) if CHROOT else base
    try:
        unit = "sbtc-signer.service"
        test_logs.write_journal(os.path.join(base, "short"), [(14 * DAY - 3600, unit, "started"), (60, unit, "ok")])
        test_logs.write_journal(os.path.join(base, "long"), [(100 * DAY, unit, "started"), (60, unit, "ok")])
        test_logs.write(os.path.join(base, "journald.conf"), "[Journal]\nMaxRetentionSec=2week\n")
        test_logs.write(os.path.join(base, "default.conf"), "[Journal]\n")
        test_logs.write(os.path.join(base, "log/signer.log"), "%s  INFO ok\n" % test_logs.rfc3339(3600))
        test_logs.write(os.path.join(base, "log/signer.log.1"), "%s  INFO ok\n" % test_logs.rfc3339(100 * DAY))
        test_logs.write(os.path.join(base, "logrotate.conf"),
                        "%s/log/signer.log {\n    rotate 7\n    daily\n}\n" % inner)
        show("The signer's journal reaches back 100 days, journald keeps its defaults",
             ["check_sbtc_logs", "--unit", "sbtc-signer", "--journal-dir", inner + "/long",
              "--journald-conf", inner + "/default.conf"], env)
        show("A journal capped at two weeks (MaxRetentionSec=2week)",
             ["check_sbtc_logs", "--unit", "sbtc-signer", "--journal-dir", inner + "/short",
              "--journald-conf", inner + "/journald.conf"], env)
        show("A file log still 100 days deep, but logrotate keeps rotate 7 daily",
             ["check_sbtc_logs", "--file", inner + "/log/signer.log*", "--logrotate-conf",
              inner + "/logrotate.conf"], env)
    finally:
        shutil.rmtree(base, ignore_errors=True)
def keyfile_scenarios(env):
    """check_sbtc_keyfile: a signer's config, environment file and unit in a private folder
    (under /run when this runs as root, so that /tmp's sticky folder is not in the way),
    loosened one way after the other. The key is a made-up one and never shown. The
    processes are a stand-in /proc in the same folder (--proc): the same in every run,
    inside the package test's root (which has no /proc) and beside tests that start a
    process with a key on its command line."""
    base = "/run" if os.geteuid() == 0 else None
    if CHROOT and base:
        base = os.path.join(CHROOT, "run")  # the installed checks see it as /run
    root = tempfile.mkdtemp(prefix="sandbox-keyfile-", dir=base)
    os.chmod(root, 0o755)

    def inner(path):
        """path as the check sees it (inside the package test's root)."""
        return "/" + os.path.relpath(path, CHROOT) if CHROOT and path.startswith(CHROOT + "/") else path
    key = "41634762d89dfa09133a4a8e9c1378d0161d29cd0a9433b51f1e3d32947a73dc"
    try:
        etc = os.path.join(root, "etc", "sbtc")
        os.makedirs(etc, mode=0o755)
        toml = os.path.join(etc, "signer-config.toml")
        with open(toml, "w") as f:
            f.write('[signer]\nprivate_key = "%s"\n'
                    'db_endpoint = "postgresql://postgres:sandbox-pw@127.0.0.1:5432/signer"\n' % key)
        os.chmod(toml, 0o600)
        proc = os.path.join(root, "proc")

        def process(pid, *argv):
            os.makedirs(os.path.join(proc, str(pid)), mode=0o755)
            for name, text in (("cmdline", "\0".join(argv) + "\0"), ("comm", os.path.basename(argv[0]) + "\n")):
                with open(os.path.join(proc, str(pid), name), "w") as f:
                    f.write(text)
        process(1, "/sbin/init")
        process(4242, "/usr/local/bin/signer", "--config", inner(toml))
        kf = ["check_sbtc_keyfile", "--proc", inner(proc)]
        uid = str(os.geteuid())
        show("The signer's config, mode 0600, owned by the signer's user", kf + ["--config", inner(toml), "--owner", uid], env)
        os.chmod(toml, 0o644)
        show("The same config readable by everyone", kf + ["--config", inner(toml), "--owner", uid], env)
        os.chmod(toml, 0o600)
        unit = os.path.join(root, "sbtc-signer.service")
        with open(unit, "w") as f:
            f.write("[Service]\nEnvironment=SIGNER_SIGNER__PRIVATE_KEY=%s\n"
                    "ExecStart=/usr/local/bin/signer --config %s\n" % (key, inner(toml)))
        os.chmod(unit, 0o600)
        show("The key written into a unit's Environment= (systemctl show prints it)",
             kf + ["--config", inner(toml), "--config", inner(unit), "--owner", uid], env)
        process(4343, "/usr/bin/env", "SIGNER_SIGNER__PRIVATE_KEY=" + key, "/usr/local/bin/signer")
        show("A signer started with the key on its command line (/proc shows it to every user)",
             kf + ["--config", inner(toml), "--owner", uid], env)
        show("A config file that is not there", kf + ["--config", inner(os.path.join(etc, "moved.toml"))], env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    keep = "--keep" in sys.argv[1:]
    cluster = harness.shared_cluster()
    node = harness.StacksNodeFixture(aggregate_key=signerdb.CURRENT_KEY)
    node.start()
    passfile = tempfile.NamedTemporaryFile("w", prefix="sandbox-pgpass-", delete=False)
    try:
        # The signer's database, as a healthy signer has it, read by the least-privilege role.
        signer = harness.scenario_db("0022", name="signer")
        signerdb.seed_typical(signer)
        signer.monitor_conninfo(password="sandbox-monitor")
        # A backup restored into a scratch database, taken before the last key rotation.
        restored = harness.scenario_db("0022", name="signer_restore_test")
        restored.insert_dkg_shares(signerdb.PREVIOUS_KEY, "verified", created_at=30 * DAY)
        restored.monitor_conninfo(password="sandbox-monitor")
        # A signer whose newest DKG round was verified an hour ago; the rotation is pending.
        pending = harness.scenario_db("0022", name="signer_pending")
        pending.insert_dkg_shares(signerdb.PREVIOUS_KEY, "verified", created_at=30 * DAY)
        pending.insert_dkg_shares(signerdb.CURRENT_KEY, "verified", created_at=3600)
        pending.monitor_conninfo(password="sandbox-monitor")

        # The password lives in a pgpass file, as it should on a real host.
        passfile.write("127.0.0.1:%d:*:sbtc_monitor:sandbox-monitor\n" % cluster.port)
        passfile.close()
        os.chmod(passfile.name, 0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGPASSFILE"] = passfile.name

        def db(name):
            return "host=127.0.0.1 port=%d dbname=%s user=sbtc_monitor" % (cluster.port, name)

        print("sandbox: PostgreSQL on 127.0.0.1:%d (databases signer, signer_restore_test, "
              "signer_pending), Stacks node on %s" % (cluster.port, node.url))
        print("the password of sbtc_monitor is in PGPASSFILE=%s, never on the command line" % passfile.name)

        ak = "check_sbtc_aggregate_key"
        show("A healthy signer: the registry's key is the newest verified share",
             [ak, "-d", db("signer"), "-u", node.url], env)
        show("The same, for Zabbix (JSON)",
             [ak, "-d", db("signer"), "-u", node.url, "--output-format=json"], env)
        node.set(aggregate_key=signerdb.PREVIOUS_KEY)
        show("A key rotation is pending (newer verified share not yet on chain)",
             [ak, "-d", db("signer_pending"), "-u", node.url], env)
        node.set(aggregate_key=signerdb.CURRENT_KEY)
        show("A restored backup taken before the last key rotation: it cannot sign",
             [ak, "-d", db("signer_restore_test"), "-u", node.url], env)
        node.set(mood="stall", stall_seconds=30)
        show("The Stacks node hangs: the check ends at its deadline (-t 3)",
             [ak, "-d", db("signer"), "-u", node.url, "-t", "3"], env)
        node.set(mood="ok")
        down = "http://127.0.0.1:%d" % closed_port()
        show("The Stacks node is down", [ak, "-d", db("signer"), "-u", down], env)

        version_scenarios(node, env)
        backup_scenarios(cluster, node, env)
        block_lag_scenarios(cluster, env)
        ports_scenarios(env)
        signer_scenarios(cluster, env)
        ssh_scenarios(env)
        logs_scenarios(env)
        keyfile_scenarios(env)

        if keep:
            print("\nThe sandbox stays up; try the commands above (export PGPASSFILE=%s)."
                  " Ctrl-C stops it." % passfile.name)
            try:
                while True:
                    subprocess.run(["sleep", "3600"], check=False)
            except KeyboardInterrupt:
                pass
    finally:
        node.stop()
        harness.shutdown_shared()
        try:
            os.unlink(passfile.name)
        except OSError:
            pass
    print("\nsandbox stopped.")


if __name__ == "__main__":
    main()
