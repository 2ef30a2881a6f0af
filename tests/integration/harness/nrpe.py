# SPDX-License-Identifier: GPL-2.0-or-later
"""A real NRPE daemon (Debian's nagios-nrpe-server) on 127.0.0.1, and check_nrpe
(nagios-nrpe-plugin) to ask it.

    with NrpeServer(commands_cfg_text) as nrpe:        # commands_cfg_text: command[...]= lines
        r = nrpe.query("check_sbtc_aggregate_key")      # a harness Result (rc, first line, perfdata)

The daemon runs in the foreground (-f) from its own nrpe.cfg in a temporary folder, drops
to the unprivileged nagios user when started as root (as the packaged service does), keeps
dont_blame_nrpe=0, and is stopped by its PID.
"""

import os
import subprocess
import time

from .daemon import ManagedDaemon, chown_tree, free_port, require_program
from .plugin import Result

NRPE = "/usr/sbin/nrpe"
CHECK_NRPE = "/usr/lib/nagios/plugins/check_nrpe"
USER = "nagios"

__all__ = ["NrpeServer", "NRPE", "CHECK_NRPE", "USER"]


class NrpeServer(ManagedDaemon):
    dir_prefix = "sbtc-nrpe-"

    def __init__(self, commands_cfg, user=USER):
        require_program(NRPE, "nagios-nrpe-server")
        require_program(CHECK_NRPE, "nagios-nrpe-plugin")
        super().__init__()
        self.port = free_port()
        self.user = user
        cfg = os.path.join(self.dir, "nrpe.cfg")
        commands = os.path.join(self.dir, "sbtc.cfg")
        with open(commands, "w") as f:
            f.write(commands_cfg)
        with open(cfg, "w") as f:
            f.write("\n".join([
                "pid_file=%s/nrpe.pid" % self.dir,
                "server_address=127.0.0.1",
                "server_port=%d" % self.port,
                "nrpe_user=%s" % user,
                "nrpe_group=%s" % user,
                "allowed_hosts=127.0.0.1",
                "dont_blame_nrpe=0",
                "allow_bash_command_substitution=0",
                "command_timeout=60",
                "connection_timeout=300",
                "debug=0",
                "include=%s" % commands,
                ""]))
        chown_tree(self.dir, user)
        self.daemon = self.add_daemon([NRPE, "-c", cfg, "-f"], self.port, "nrpe")

    def query(self, command, timeout=60):
        argv = [CHECK_NRPE, "-H", "127.0.0.1", "-p", str(self.port), "-c", command, "-t", str(timeout)]
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, timeout=timeout + 10)
        return Result(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"), time.monotonic() - start)
