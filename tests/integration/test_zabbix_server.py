# SPDX-License-Identifier: GPL-2.0-or-later
"""The shipped Zabbix template on a real Zabbix 6.0 server.

Debian's zabbix-server-pgsql (its database a throwaway PostgreSQL cluster loaded with the
package's SQL) and zabbix-frontend-php (served by php -S on 127.0.0.1) start here
(harness.zabbix_server); the template contrib/zabbix/template_sbtc.yaml is imported
through the API (configuration.import), and a host linked to it points at a real
zabbix_agentd on 127.0.0.1 that runs contrib/zabbix/userparameters_sbtc.conf against the
real checks. The remote port scan runs on the server itself, as an external check
through contrib/zabbix/sbtc_ports_remote. Then, from the server's own data (the API):

- the items hold each check's state and summary, and the check's JSON with the
  thresholds the host's user macros gave it;
- the perfdata items the discovery rule creates carry the check's units and values;
- the problems are named with the check's own summary: the triggers read the status item
  ("CRITICAL: <summary>", made by the template's JavaScript from the same JSON as the
  state) and name the problem with the value that raised it ({ITEM.VALUE}).

Everything started here is stopped by its PID; the temporary folders are removed.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import zabbix
from harness.daemon import chown_tree
from harness.generator import shipped
from harness.net import SilentServer
from harness.zabbix_server import ZabbixStack
from github_api import GitHubApiFixture  # noqa: E402  (tests/fixtures, on sys.path via harness)

REPO = harness.REPO_ROOT
CONTRIB = os.path.join(REPO, "contrib", "zabbix")
PLUGIN_DIR = "/usr/lib/nagios/plugins"     # as the shipped files name it
ZABBIX_INI = "/etc/zabbix/sbtc-plugins.ini"
# The master items of the checks this test gives nothing to read: switched off. Those left
# on: backup, version (agent) and the remote port scan (external script).
OFF_ITEMS = ("sbtc.aggregate_key", "sbtc.block_lag", "sbtc.ports", "sbtc.signer", "sbtc.ssh", "sbtc.logs",
             "sbtc.keyfile")
HOST = "sbtc-signer-test"
DAY = 86400
# The whole module (the server and frontend start in about 20 s) stays within about three
# minutes: every wait below shares this budget, counted from the start.
BUDGET = 150




class Listener(SilentServer):
    def start(self):
        return self.__enter__()

    def stop(self):
        self.__exit__(None, None, None)


WORLD = {}


def _stop_world():
    for key in ("stack", "agent", "github", "p2p", "exposed"):
        thing = WORLD.pop(key, None)
        if thing is not None:
            try:
                thing.stop()
            except Exception:
                pass
    root = WORLD.pop("root", None)
    if root:
        shutil.rmtree(root, ignore_errors=True)
    WORLD.clear()


def _run_direct(program, argv):
    """The check run directly, as the reference for what Zabbix shows."""
    path = os.path.join(WORLD["plugins"], program)
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    p = subprocess.run([path] + argv + ["--output-format=json"], capture_output=True, text=True,
                       env=env, timeout=60)
    return p.returncode, json.loads(p.stdout)


def setUpModule():
    WORLD["t0"] = time.monotonic()
    root = tempfile.mkdtemp(prefix="sbtc-zabbix-world-")
    WORLD["root"] = root
    os.chmod(root, 0o755)
    try:
        _build_world(root)
    except BaseException:
        _stop_world()
        raise


def _build_world(root):
    # the checks where the zabbix user reaches them (the build tree may be under /root)
    plugins = os.path.join(root, "plugins")
    os.mkdir(plugins)
    built = harness.plugin_dir()
    for name in os.listdir(built):
        src = os.path.join(built, name)
        if name.startswith("check_sbtc_") and os.access(src, os.X_OK) and not name.endswith(".o") \
                and os.path.isfile(src):
            shutil.copy2(src, os.path.join(plugins, name))
            os.chmod(os.path.join(plugins, name), 0o755)
    os.chmod(plugins, 0o755)
    WORLD["plugins"] = plugins

    # what the checks read: a backup folder (its newest file no pg_dump), GitHub's API,
    # and two listeners, the signer's P2P port and one that should not be open
    backups = os.path.join(root, "backups")
    os.mkdir(backups)
    dump = os.path.join(backups, "signer-1.dump")
    with open(dump, "w") as f:
        f.write("not a dump\n")
    three_days_ago = time.time() - 3 * DAY - 1800
    os.utime(dump, (three_days_ago, three_days_ago))
    os.chmod(backups, 0o755)
    os.chmod(dump, 0o644)
    WORLD["backups"] = backups
    WORLD["github"] = GitHubApiFixture()
    WORLD["github"].start()
    WORLD["p2p"] = Listener().start()
    WORLD["exposed"] = Listener().start()

    # the agent: the shipped UserParameters, reading an ini file only its user may read
    secrets = os.path.join(root, "secrets")
    os.mkdir(secrets, 0o700)
    ini = os.path.join(secrets, "sbtc-plugins.ini")
    with open(ini, "w") as f:
        f.write("\n".join([
            "[check_sbtc_backup]",
            "timeout = 25",
            "path = %s" % backups,
            "pattern = signer-*.dump",
            "",
            "[check_sbtc_version]",
            "timeout = 25",
            "signer-version = v1.3.3",
            "github-api = %s" % WORLD["github"].url,
            "cache-ttl = 0",
            ""]))
    os.chmod(ini, 0o640)
    chown_tree(secrets, zabbix.USER)
    params = shipped("zabbix/userparameters_sbtc.conf", {PLUGIN_DIR + "/": plugins + "/", ZABBIX_INI: ini})
    WORLD["agent"] = zabbix.ZabbixAgent(params).start()

    # the server, with the shipped external script in its ExternalScripts folder
    script = shipped("zabbix/sbtc_ports_remote", {PLUGIN_DIR + "/": plugins + "/"})
    stack = ZabbixStack(external_scripts={"sbtc_ports_remote": script})
    WORLD["stack"] = stack
    stack.start()
    api = stack.api

    with open(os.path.join(CONTRIB, "template_sbtc.yaml")) as f:
        template_yaml = f.read()
    create = {"createMissing": True, "updateExisting": True}
    api.call("configuration.import", {
        "format": "yaml", "source": template_yaml,
        "rules": {"groups": {"createMissing": True}, "templates": create, "items": create,
                  "triggers": create, "discoveryRules": create, "valueMaps": create,
                  "templateLinkage": {"createMissing": True}}})
    template = api.call("template.get", {"output": ["templateid"],
                                         "filter": {"host": "sBTC signer by Zabbix agent"}})
    if len(template) != 1:
        raise AssertionError("the import made no template: %r" % template)
    stack.analyze()
    group = api.call("hostgroup.create", {"name": "sBTC test"})["groupids"][0]
    p2p, exposed = WORLD["p2p"].port, WORLD["exposed"].port
    macros = {
        "{$SBTC.INTERVAL}": "5s",
        # the backup's age thresholds, as a user tunes them on a host: they must reach
        # the check (its JSON then carries them)
        "{$SBTC.BACKUP.AGE.WARN}": "10d",
        "{$SBTC.BACKUP.AGE.CRIT}": "20d",
        "{$SBTC.PORTS.REMOTE.SCAN}": "%d,%d" % (p2p, exposed),
        "{$SBTC.PORTS.ALLOW}": str(p2p),
        "{$SBTC.PORTS.REQUIRE}": str(p2p),
    }
    hostid = api.call("host.create", {
        "host": HOST,
        "groups": [{"groupid": group}],
        "templates": [{"templateid": template[0]["templateid"]}],
        "interfaces": [{"type": 1, "main": 1, "useip": 1, "ip": "127.0.0.1", "dns": "",
                        "port": str(WORLD["agent"].port)}],
        "macros": [{"macro": k, "value": v} for k, v in macros.items()],
    })["hostids"][0]
    WORLD["hostid"] = hostid
    # the checks this test gives nothing to read stay off
    masters = api.call("item.get", {"hostids": hostid, "output": ["itemid", "key_"],
                                    "filter": {"value_type": 4}})
    off = [m["itemid"] for m in masters
           if m["key_"].split("[")[0] in OFF_ITEMS]
    if len(off) != len(OFF_ITEMS):
        raise AssertionError("the template's master items are not as expected: %r" % masters)
    for itemid in off:
        api.call("item.update", {"itemid": itemid, "status": 1})
    stack.reload_config()
    WORLD["ref_at"] = time.monotonic()
    WORLD["refs"] = {
        "backup": _run_direct("check_sbtc_backup", ["--path=%s" % backups, "--pattern=signer-*.dump",
                                                    "--warning=10d", "--critical=20d"]),
        "version": _run_direct("check_sbtc_version", ["--signer-version=v1.3.3", "--cache-ttl=0",
                                                      "--github-api=%s" % WORLD["github"].url,
                                                      "--cache-dir=%s" % os.path.join(root, "cache")]),
        "ports_remote": _run_direct("check_sbtc_ports", ["--hostname=127.0.0.1",
                                                         "--ports=%d,%d" % (p2p, exposed),
                                                         "--allow=%d" % p2p, "--require=%d" % p2p]),
    }


def tearDownModule():
    _stop_world()


def remaining():
    return max(5, BUDGET - (time.monotonic() - WORLD["t0"]))


class ZabbixServer(unittest.TestCase):
    maxDiff = None

    def api(self, method, params):
        return WORLD["stack"].api.call(method, params)

    def wait(self, what, probe):
        return WORLD["stack"].wait_for(what, probe, remaining(), interval=1)

    def item(self, key):
        """The host's item of key, once it has a value."""
        def probe():
            got = self.api("item.get", {"hostids": WORLD["hostid"], "filter": {"key_": key},
                                        "output": ["itemid", "key_", "lastvalue", "lastclock",
                                                   "units", "state", "error", "status"]})
            if got and got[0]["state"] == "1":
                raise AssertionError("%s is not supported: %s\n%s" % (key, got[0]["error"],
                                                                      WORLD["agent"].log()))
            return got[0] if got and int(got[0]["lastclock"]) > 0 else None
        return self.wait("item %s has a value" % key, probe)

    def master_key(self, base):
        items = self.api("item.get", {"hostids": WORLD["hostid"], "output": ["key_"],
                                      "search": {"key_": base + "["}, "startSearch": True})
        self.assertEqual(len(items), 1, items)
        return items[0]["key_"]

    def test_items_hold_each_checks_state_and_summary(self):
        for name in ("backup", "version", "ports_remote"):
            with self.subTest(check=name):
                rc, ref = WORLD["refs"][name]
                state = self.item("sbtc.%s.state" % name)
                summary = self.item("sbtc.%s.summary" % name)
                status = self.item("sbtc.%s.status" % name)  # the server's own JavaScript
                self.assertEqual(int(state["lastvalue"]), rc, ref)
                self.assertEqual(summary["lastvalue"], ref["summary"])
                self.assertEqual(status["lastvalue"], "%s: %s" % (ref["state_text"], ref["summary"]))
        self.assertEqual(WORLD["refs"]["backup"][0], 2)
        self.assertEqual(WORLD["refs"]["version"][0], 0)
        self.assertEqual(WORLD["refs"]["ports_remote"][0], 2)
        self.assertTrue(WORLD["refs"]["ports_remote"][1]["summary"].startswith(
            "1 unexpected open port on 127.0.0.1"), WORLD["refs"]["ports_remote"])

    def test_host_macros_reach_the_check_as_its_thresholds(self):
        key = self.master_key("sbtc.backup")
        self.assertEqual(key, 'sbtc.backup["{$SBTC.BACKUP.AGE.WARN}","{$SBTC.BACKUP.AGE.CRIT}"]')
        doc = json.loads(self.item(key)["lastvalue"])
        age = [p for p in doc["perfdata"] if p["label"] == "age"]
        self.assertEqual(len(age), 1, doc)
        self.assertEqual((age[0]["warn"], age[0]["crit"]), (10 * DAY, 20 * DAY), doc)

    def test_discovered_perfdata_items_carry_units_and_values(self):
        for name in ("backup", "ports_remote"):
            rc, ref = WORLD["refs"][name]
            for perf in ref["perfdata"]:
                with self.subTest(check=name, label=perf["label"]):
                    item = self.item("sbtc.%s.perf[%s]" % (name, perf["label"]))
                    self.assertEqual(item["units"], perf["uom"])
                    if perf["label"] in ("time", "age"):
                        # the run's own duration, and an age that grows as the test goes on
                        self.assertAlmostEqual(float(item["lastvalue"]), perf["value"],
                                               delta=5 + time.monotonic() - WORLD["ref_at"])
                    else:
                        self.assertEqual(float(item["lastvalue"]), perf["value"])

    def test_problem_names_hold_the_checks_summary(self):
        want = {
            "sBTC backup is CRITICAL: %s" % WORLD["refs"]["backup"][1]["summary"],
            "sBTC ports (remote scan) is CRITICAL: %s" % WORLD["refs"]["ports_remote"][1]["summary"],
        }

        def probe():
            problems = self.api("problem.get", {"hostids": WORLD["hostid"], "output": ["name"]})
            names = {p["name"] for p in problems}
            return names if len(names) >= len(want) else None
        names = self.wait("two problems on %s" % HOST, probe)
        self.assertEqual(names, want)
        for name in names:
            self.assertNotIn("*UNKNOWN*", name)

    def test_a_problem_closed_by_hand_returns_while_the_state_lasts(self):
        name = "sBTC backup is CRITICAL: %s" % WORLD["refs"]["backup"][1]["summary"]

        def problem(other_than=None):
            got = self.api("problem.get", {"hostids": WORLD["hostid"], "output": ["eventid", "name"]})
            ids = [p["eventid"] for p in got if p["name"] == name and p["eventid"] != other_than]
            return ids[0] if ids else None
        first = self.wait("the backup's problem", problem)
        self.api("event.acknowledge", {"eventids": [first], "action": 1, "message": "dealt with"})
        self.wait("the backup's problem closed", lambda: problem() is None or problem() != first)
        again = self.wait("the backup's problem raised again", lambda: problem(other_than=first))
        self.assertNotEqual(again, first)

    def test_triggers_wait_for_the_nodata_trigger_and_close_by_hand(self):
        triggers = self.api("trigger.get", {"hostids": WORLD["hostid"], "output": ["description",
                                                                                     "manual_close"],
                                            "selectDependencies": ["description"]})
        by_name = {t["description"]: t for t in triggers}
        for check in ("backup", "version", "ports (remote scan)"):
            for state in ("CRITICAL", "WARNING", "UNKNOWN"):
                with self.subTest(check=check, state=state):
                    t = by_name["sBTC %s is %s" % (check, state)]
                    self.assertEqual(t["manual_close"], "1")
                    self.assertEqual([d["description"] for d in t["dependencies"]],
                                     ["sBTC %s: no result for {$SBTC.NODATA}" % check])

    def test_master_items_keep_an_hour_of_json(self):
        items = self.api("item.get", {"hostids": WORLD["hostid"], "output": ["key_", "history", "type"],
                                      "filter": {"value_type": 4}})
        # the text items are the masters and the dependent status items (a week of them)
        status = [i for i in items if i["type"] == "18"]
        self.assertEqual(sorted(i["key_"] for i in status),
                         sorted("%s.status" % k for k in OFF_ITEMS + ("sbtc.backup", "sbtc.version",
                                                                     "sbtc.ports_remote")))
        self.assertEqual({i["history"] for i in status}, {"7d"})
        items = [i for i in items if i["type"] != "18"]
        self.assertEqual(len(items), len(OFF_ITEMS) + 3, items)
        for item in items:
            with self.subTest(key=item["key_"]):
                self.assertEqual(item["history"], "1h")
        external = [i["key_"] for i in items if i["type"] == "10"]
        self.assertEqual(external, ['sbtc_ports_remote["{HOST.CONN}","{$SBTC.PORTS.REMOTE.SCAN}",'
                                    '"{$SBTC.PORTS.ALLOW}","{$SBTC.PORTS.REQUIRE}"]'])


if __name__ == "__main__":
    unittest.main()
