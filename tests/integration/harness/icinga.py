# SPDX-License-Identifier: GPL-2.0-or-later
"""Real Icinga 2 instances (Debian's icinga2-bin) on 127.0.0.1, each in a temporary folder
of its own, and their REST API.

    with Icinga2(config_text, "master.sbtc.test", pki_dir, zones_dir=None) as i2:
        i2.wait_for_results(["signer!sbtc-ok"])       # {service name: last_check_result}

config_text is the instance's icinga2.conf. The ApiListener is added here, bound to
127.0.0.1:<free port>, with certificates from a throwaway CA (make_pki), and an ApiUser
allowed to read objects. Paths (data, logs, cache, spool, run) all point into the
instance's folder through -DConfiguration.* (zones_dir: a zones.d to load and sync to
the instance's agents); as root Icinga 2 drops to its nagios user,
as the packaged service does. validate() is `icinga2 daemon -C`. Stopped by its PID.
"""

import base64
import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.request

from .daemon import (DaemonError, ManagedDaemon, chown_tree, free_port, private_dir, remove_dir,
                     require_program)

ICINGA2 = "/usr/sbin/icinga2"
USER = "nagios"
API_USER = "sbtc-test"
API_PASSWORD = "sbtc-test-api"

__all__ = ["Icinga2", "make_pki", "ICINGA2", "USER", "validate_config"]


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)


def make_pki(folder, names):
    """A CA in folder/ca and, for each node name, folder/<name>.key and .crt signed by it."""
    os.makedirs(folder, exist_ok=True)
    ca_key = os.path.join(folder, "ca.key")
    ca_crt = os.path.join(folder, "ca.crt")
    if not os.path.exists(ca_crt):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
                 "-days", "2", "-subj", "/CN=sbtc test CA")
    for name in names:
        key = os.path.join(folder, name + ".key")
        csr = os.path.join(folder, name + ".csr")
        crt = os.path.join(folder, name + ".crt")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                 "-subj", "/CN=" + name)
        ext = os.path.join(folder, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % name)
        _openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
                 "-out", crt, "-days", "2", "-extfile", ext)
    return ca_crt


def _path_defines(d, zones_dir=None):
    # ZonesDir too: never the system's /etc/icinga2/zones.d
    return ["-DConfiguration.ZonesDir=%s" % (zones_dir or os.path.join(d, "zones.d")),
            "-DConfiguration.DataDir=%s/data" % d, "-DConfiguration.LogDir=%s/log" % d,
            "-DConfiguration.CacheDir=%s/cache" % d, "-DConfiguration.SpoolDir=%s/spool" % d,
            "-DConfiguration.InitRunDir=%s/run" % d,
            "-DConfiguration.PidPath=%s/run/icinga2.pid" % d,
            "-DConfiguration.StatePath=%s/data/icinga2.state" % d,
            "-DConfiguration.ModAttrPath=%s/data/modified-attributes.conf" % d,
            "-DConfiguration.ObjectsPath=%s/cache/icinga2.debug" % d,
            "-DConfiguration.VarsPath=%s/cache/icinga2.vars" % d]


def _make_dirs(d):
    for sub in ("data", "data/certs", "log", "cache", "spool", "run", "zones.d"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)


def validate_config(config_text):
    """`icinga2 daemon -C` on config_text: (returncode, output)."""
    require_program(ICINGA2, "icinga2-bin")
    d = private_dir("sbtc-icinga2-check-")
    try:
        _make_dirs(d)
        conf = os.path.join(d, "icinga2.conf")
        with open(conf, "w") as f:
            f.write(config_text)
        chown_tree(d, USER)
        p = subprocess.run([ICINGA2, "daemon", "-C", "-c", conf] + _path_defines(d),
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr
    finally:
        remove_dir(d)


class Icinga2(ManagedDaemon):
    dir_prefix = "sbtc-icinga2-"

    def __init__(self, config_text, name, pki_dir, port=None, zones_dir=None):
        require_program(ICINGA2, "icinga2-bin")
        super().__init__()
        self.name = name
        self.port = port or free_port()
        self.ca = os.path.join(pki_dir, "ca.crt")
        _make_dirs(self.dir)
        certs = os.path.join(self.dir, "data", "certs")
        for src, dst in ((self.ca, "ca.crt"), (os.path.join(pki_dir, name + ".crt"), name + ".crt"),
                         (os.path.join(pki_dir, name + ".key"), name + ".key")):
            shutil.copy(src, os.path.join(certs, dst))
        conf = os.path.join(self.dir, "icinga2.conf")
        with open(conf, "w") as f:
            f.write("const NodeName = %s\n" % json.dumps(name))
            f.write(config_text)
            f.write('\nobject ApiListener "api" {\n\tbind_host = "127.0.0.1"\n\tbind_port = %d\n'
                    '\taccept_config = true\n\taccept_commands = true\n}\n' % self.port)
            f.write('object ApiUser %s {\n\tpassword = %s\n\tpermissions = [ "objects/query/*", '
                    '"actions/*" ]\n}\n' % (json.dumps(API_USER), json.dumps(API_PASSWORD)))
        chown_tree(self.dir, USER)
        self.logfile = os.path.join(self.dir, "log", "icinga2.log")
        self.daemon = self.add_daemon([ICINGA2, "daemon", "-c", conf, "-x", "notice"]
                                      + _path_defines(self.dir, zones_dir),
                                      self.port, "icinga2", start_timeout=60)

    def api(self, path, method="GET", body=None):
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False  # the certificate names the node, the URL the address
        req = urllib.request.Request("https://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        token = base64.b64encode(("%s:%s" % (API_USER, API_PASSWORD)).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        req.add_header("Accept", "application/json")
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
            return json.loads(resp.read().decode())

    def services(self):
        """{"host!service": attrs} of every service."""
        out = self.api("/v1/objects/services?attrs=last_check_result&attrs=state"
                       "&attrs=last_check&attrs=check_command")
        return {r["name"]: r["attrs"] for r in out["results"]}

    def wait_for_objects(self, kind, names, timeout=90):
        """Waits until objects of kind ("checkcommands") with these names exist (an agent
        has them once the master's config sync has been applied); returns the time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                have = {r["name"] for r in self.api("/v1/objects/%s?attrs=__name" % kind)["results"]}
                if set(names) <= have:
                    return time.time()
            except OSError:
                pass  # reloading after a config sync
            time.sleep(0.5)
        raise AssertionError("Icinga 2 %s has no %s %s after %ds\n%s"
                             % (self.name, kind, sorted(names), timeout, self.log()))

    def reschedule(self, names):
        """Checks each "host!service" in names now, as "Check now" does."""
        for name in names:
            self.api("/v1/actions/reschedule-check", method="POST",
                     body={"type": "Service", "service": name, "force": True})

    def wait_for_results(self, names, timeout=90, since=0, nudge=None):
        """Waits until each "host!service" in names has a check result (one that started
        at or after the Unix time since); returns {name: last_check_result}. With nudge=N,
        those still without one are checked anew every N seconds: a check a master sent
        to an agent that was reloading is lost, and Icinga sends it again only after the
        command's timeout + 30 s (lib/icinga/checkable-check.cpp, ExecuteCheck:
        SetNextCheck(now + GetCheckCommand()->GetTimeout() + 30))."""
        deadline = time.monotonic() + timeout
        last_error = None
        nudged = time.monotonic()
        while time.monotonic() < deadline:
            if self.daemon.proc.poll() is not None:
                raise DaemonError("icinga2 exited with %s:\n%s" % (self.daemon.proc.returncode, self.log()))
            try:
                have = self.services()
                results = {n: have[n]["last_check_result"] for n in names
                           if n in have and have[n].get("last_check_result")
                           and have[n]["last_check_result"]["execution_start"] >= since}
                if len(results) == len(names):
                    return results
                last_error = "results for %s of %s" % (sorted(results), sorted(names))
                if nudge is not None and time.monotonic() - nudged >= nudge:
                    self.reschedule([n for n in names if n not in results])
                    nudged = time.monotonic()
            except OSError as e:
                last_error = repr(e)
            time.sleep(0.5)
        raise AssertionError("no check results from Icinga 2 after %ds (%s)\n%s"
                             % (timeout, last_error, self.log()))
