"""The sandbox: a signer host on loopback, and each check run against it as an operator
would run it, in a good and in failing scenarios. Started and stopped by contrib/sandbox/run.

    contrib/sandbox/run            every scenario
    contrib/sandbox/run --keep     leave the sandbox running until Ctrl-C, to try commands by hand
"""

import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import harness  # noqa: E402
from harness import signerdb  # noqa: E402
from harness.net import closed_port  # noqa: E402

PLUGINS = os.environ["SBTC_PLUGIN_DIR"]
DAY = 86400


def show(title, argv, env):
    print("\n### %s" % title)
    print("$ " + " ".join(shlex.quote(a) for a in argv))
    p = subprocess.run([os.path.join(PLUGINS, argv[0])] + argv[1:], env=env, capture_output=True,
                       text=True, timeout=60)
    sys.stdout.write(p.stdout)
    print("(exit %d)" % p.returncode)
    return p.returncode


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
