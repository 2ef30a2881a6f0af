# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Zabbix agent (Debian's zabbix-agent, zabbix_agentd) on 127.0.0.1, asked in the
Zabbix protocol as the server or zabbix_get would ask it.

    with ZabbixAgent(userparameters_text) as agent:
        text = agent.get("sbtc.aggregate_key")      # the item's value, as the server gets it

The agent runs in the foreground (-f) from its own configuration in a temporary folder
(passive checks only, no ServerActive), drops to the zabbix user when started as root,
as the packaged service does, and is stopped by its PID.
"""

import os
import socket
import struct

from .daemon import ManagedDaemon, chown_tree, free_port, require_program

AGENTD = "/usr/sbin/zabbix_agentd"
USER = "zabbix"
NOTSUPPORTED = "ZBX_NOTSUPPORTED"

__all__ = ["ZabbixAgent", "zabbix_get", "AGENTD", "USER", "NOTSUPPORTED"]


def zabbix_get(port, key, host="127.0.0.1", timeout=60):
    """One passive check: the request and the answer both framed as
    'ZBXD' 0x01 <8-byte little-endian length> <data>."""
    data = key.encode()
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(b"ZBXD\x01" + struct.pack("<Q", len(data)) + data)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    if len(buf) < 13 or buf[:5] != b"ZBXD\x01":
        raise AssertionError("not a Zabbix protocol answer: %r" % buf[:200])
    (length,) = struct.unpack("<Q", buf[5:13])
    body = buf[13:13 + length]
    if len(body) != length:
        raise AssertionError("answer cut short: %d of %d bytes" % (len(body), length))
    return body.decode("utf-8", "replace")


class ZabbixAgent(ManagedDaemon):
    dir_prefix = "sbtc-zabbix-"

    def __init__(self, userparameters, timeout=30, user=USER):
        require_program(AGENTD, "zabbix-agent")
        super().__init__()
        self.port = free_port()
        params = os.path.join(self.dir, "userparameters_sbtc.conf")
        with open(params, "w") as f:
            f.write(userparameters)
        self.logfile = os.path.join(self.dir, "zabbix_agentd.log")
        cfg = os.path.join(self.dir, "zabbix_agentd.conf")
        with open(cfg, "w") as f:
            f.write("\n".join([
                "PidFile=%s/zabbix_agentd.pid" % self.dir,
                "LogType=file",
                "LogFile=%s" % self.logfile,
                "ListenIP=127.0.0.1",
                "ListenPort=%d" % self.port,
                "Server=127.0.0.1",
                "StartAgents=2",
                "Timeout=%d" % timeout,
                "Hostname=sbtc-test",
                "User=%s" % user,
                "Include=%s" % params,
                ""]))
        chown_tree(self.dir, user)
        self.daemon = self.add_daemon([AGENTD, "-c", cfg, "-f"], self.port, "zabbix_agentd",
                                      logs=[self.logfile])

    def get(self, key, timeout=60):
        return zabbix_get(self.port, key, timeout=timeout)
