# SPDX-License-Identifier: GPL-2.0-or-later
"""Nagios 4 (Debian's nagios4-core): verify object definitions with `nagios4 -v`, or run
them in a private instance and read its status file.

    rc, out = verify(["contrib/nagios/sbtc-commands.cfg", ...])
    with Nagios4(cfg_files, plugin_dir) as n:
        n.results([("sandbox", "sBTC aggregate key")])    # {(host, service): status fields}

The main configuration is written to a temporary folder; it loads Debian's sample objects
(/etc/nagios4/objects: the generic-service and linux-server templates, contacts, time
periods; /etc/nagios-plugins/config: the plugins' commands) the way a stock installation
does, then the given files. verify() starts nothing; Nagios4 runs the daemon, which drops
to the nagios user when started as root.
"""

import os
import re
import subprocess
import time

from .daemon import ManagedDaemon, chown_tree, private_dir, remove_dir, require_program

NAGIOS = "/usr/sbin/nagios4"
SAMPLE_OBJECTS = "/etc/nagios4/objects"
USER = "nagios"
PLUGIN_COMMANDS = "/etc/nagios-plugins/config"  # monitoring-plugins-* commands

__all__ = ["verify", "Nagios4", "parse_status", "NAGIOS"]


def _main_cfg(d, cfg_files, resource_user1, extra=()):
    """Writes d/nagios.cfg (and d/resource.cfg) and returns its path."""
    main = os.path.join(d, "nagios.cfg")
    with open(os.path.join(d, "resource.cfg"), "w") as f:
        f.write("$USER1$=%s\n" % resource_user1)
    lines = ["nagios_user=%s" % USER,
             "nagios_group=%s" % USER,
             "log_file=%s/nagios.log" % d,
             "resource_file=%s/resource.cfg" % d,
             "status_file=%s/status.dat" % d,
             "object_cache_file=%s/objects.cache" % d,
             "precached_object_file=%s/objects.precache" % d,
             "temp_file=%s/nagios.tmp" % d,
             "temp_path=%s" % d,
             "lock_file=%s/nagios.lock" % d,
             "state_retention_file=%s/retention.dat" % d,
             "command_file=%s/nagios.cmd" % d,
             "check_result_path=%s/checkresults" % d,
             "illegal_macro_output_chars=`~$&|'\"<>",
             "check_external_commands=0"] + list(extra)
    for name in ("commands.cfg", "contacts.cfg", "timeperiods.cfg", "templates.cfg"):
        lines.append("cfg_file=%s/%s" % (SAMPLE_OBJECTS, name))
    lines.append("cfg_dir=%s" % PLUGIN_COMMANDS)  # as Debian's nagios.cfg: check-host-alive
    lines += ["cfg_file=%s" % os.path.abspath(p) for p in cfg_files]
    os.makedirs(os.path.join(d, "checkresults"), exist_ok=True)
    with open(main, "w") as f:
        f.write("\n".join(lines) + "\n")
    chown_tree(d, USER)  # nagios4 reads its files again after dropping to its user
    return main


def verify(cfg_files, resource_user1="/usr/lib/nagios/plugins"):
    require_program(NAGIOS, "nagios4-core")
    d = private_dir("sbtc-nagios-")
    try:
        main = _main_cfg(d, cfg_files, resource_user1)
        p = subprocess.run([NAGIOS, "-v", main], capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr
    finally:
        remove_dir(d)


def parse_status(text):
    """The servicestatus blocks of a status.dat: {(host, service): {field: value}}."""
    out = {}
    for m in re.finditer(r"^servicestatus \{\n(.*?)^\s*\}", text, re.M | re.S):
        fields = {}
        for line in m.group(1).splitlines():
            key, _, value = line.strip().partition("=")
            fields[key] = value
        out[(fields.get("host_name"), fields.get("service_description"))] = fields
    return out


class Nagios4(ManagedDaemon):
    """A private Nagios 4 running cfg_files, with seconds as its interval unit and every
    check scheduled at once; results() reads its status file. Stopped by its PID."""

    dir_prefix = "sbtc-nagios-run-"

    def __init__(self, cfg_files, resource_user1):
        require_program(NAGIOS, "nagios4-core")
        super().__init__()
        self.main = _main_cfg(self.dir, cfg_files, resource_user1, extra=[
            "interval_length=1", "status_update_interval=1", "check_result_reaper_frequency=1",
            "service_inter_check_delay_method=n", "host_inter_check_delay_method=n",
            "max_service_check_spread=1", "max_host_check_spread=1",
            "retain_state_information=0", "use_retained_program_state=0",
            "use_retained_scheduling_info=0", "enable_notifications=0",
            "process_performance_data=0", "use_syslog=0"])
        # nagios4 listens on no port: started, not waited for
        self.daemon = self.add_daemon([NAGIOS, self.main], None, "nagios", stop_timeout=15,
                                      logs=[os.path.join(self.dir, "nagios.log")])

    def results(self, keys, timeout=90):
        """Waits until each (host, service) in keys has been checked; returns their
        servicestatus fields."""
        deadline = time.monotonic() + timeout
        have = {}
        proc = self.daemon.proc
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError("nagios4 exited with %s\n%s" % (proc.returncode, self.log()))
            try:
                with open(os.path.join(self.dir, "status.dat"), errors="replace") as f:
                    have = parse_status(f.read())
            except OSError:
                have = {}
            done = {k: have[k] for k in keys if k in have and have[k].get("has_been_checked") == "1"}
            if len(done) == len(keys):
                return done
            time.sleep(0.5)
        raise AssertionError("Nagios 4 has not checked %s after %ds\n%s" % (keys, timeout, self.log()))
