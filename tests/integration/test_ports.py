# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_ports against real hosts: listeners the tests open on loopback, and hosts
built from network namespaces joined to this one by veth pairs, whose nftables rules
drop, reject or accept, so that open, closed and filtered each happen for real.

The namespaces use 198.18.0.0/15 (RFC 2544, set aside for network tests) and a ULA
prefix for IPv6; their addresses exist only inside the veth pairs made here, and every
namespace is deleted when its class ends. Where namespaces cannot be made (no root, no
iproute2) those tests are skipped with the reason (a skip is counted as a failure by
run.py unless SBTC_ALLOW_SKIP=1), and the loopback tests still run.

Each test asserts the exit code, the first line and the perfdata.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from harness.net import closed_port
from harness.plugin import Result, plugin_path, SANITIZER_MARKERS, STATES

CHECK = "check_sbtc_ports"
PREFIX = "SBTC PORTS "
IP = "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "/sbin/ip"
NFT = "/usr/sbin/nft"
_ids = itertools.count(1)

# A process that binds the sockets it is given and waits for its standard input to
# close: "tcp:0.0.0.0:5432 udp:[::]:9999". Prints "ready" once every socket is bound.
LISTENER = r"""
import socket, sys
socks = []
for spec in sys.argv[1:]:
    proto, rest = spec.split(":", 1)
    host, port = rest.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, int(port)))
    if proto == "tcp":
        s.listen(4096)
    socks.append(s)
print("ready", flush=True)
sys.stdin.read()
"""


class Listener:
    """LISTENER run as its own process (inside a namespace when ns is given), stopped by
    its PID."""

    def __init__(self, specs, ns=None, user=None):
        argv = [sys.executable, "-c", LISTENER] + list(specs)
        if user is not None:
            argv = ["setpriv", "--reuid=%s" % user, "--regid=%s" % ("nogroup" if user == "nobody" else user), "--clear-groups"] + argv
        if ns is not None:
            argv = [IP, "netns", "exec", ns] + argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError("listener %s did not start: %s" % (specs, self.proc.stderr.read()))
        self.pid = self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(5)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def loopback_listeners(n, host="127.0.0.1"):
    """n sockets listening on free ports of host (kept open by the caller)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks = []
    for _ in range(n):
        s = socket.socket(fam)
        s.bind((host, 0))
        s.listen(256)
        socks.append(s)
    return socks


def run_in(ns, args, timeout=30, user=None, prefix=()):
    """The check run inside namespace ns (local mode looks at that namespace's sockets
    and firewall). Under SBTC_VALGRIND=1, through valgrind as harness.run does."""
    argv = [plugin_path(CHECK)] + [str(a) for a in args]
    if os.environ.get("SBTC_VALGRIND") == "1":
        argv = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"] + argv
        timeout *= 10
    if user is not None:
        argv = ["setpriv", "--reuid=%s" % user, "--regid=%s" % ("nogroup" if user == "nobody" else user), "--clear-groups"] + argv
    argv = list(prefix) + argv
    if ns is not None:
        argv = [IP, "netns", "exec", ns] + argv
    start = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    r = Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - start)
    if p.returncode == 99:
        raise AssertionError("valgrind reported errors:\n%r" % r)
    for marker in SANITIZER_MARKERS:
        if marker in r.stderr:
            raise AssertionError("sanitizer report (%s):\n%r" % (marker, r))
    return r


def namespaces_unavailable():
    """None when this process can make network namespaces, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not os.access(IP, os.X_OK):
        return "%s is missing (Debian's iproute2)" % IP
    if not os.access(NFT, os.X_OK):
        return "%s is missing (Debian's nftables)" % NFT
    name = "sbtcprobe%d" % os.getpid()
    p = subprocess.run([IP, "netns", "add", name], capture_output=True, text=True)
    if p.returncode != 0:
        return "cannot make a network namespace: %s" % p.stderr.strip()
    subprocess.run([IP, "netns", "del", name], capture_output=True)
    return None


NETNS_WHY = namespaces_unavailable()


class NetnsHost:
    """A host in a network namespace of its own, reached from here over a veth pair:
    IPv4 198.18.<n>.2 (this side .1) and IPv6 fd5b:7c00:<n>::2 (this side ::1)."""

    def __init__(self):
        # a /30 no other run on this machine uses (their namespaces may exist at once)
        used = subprocess.run([IP, "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
        n = (os.getpid() * 7 + next(_ids)) % 250 + 1
        for _ in range(250):
            if (" 198.18.%d." % n) not in used:
                break
            n = n % 250 + 1
        self.n = n
        self.ns = "sbtcports%d_%d" % (os.getpid(), n)
        self.here = "sbp%da%d" % (os.getpid() % 10000, n)
        self.there = "sbp%db%d" % (os.getpid() % 10000, n)
        self.addr4 = "198.18.%d.2" % n
        self.addr6 = "fd5b:7c00:%x::2" % n
        self.listeners = []
        try:
            self._sh(IP, "netns", "add", self.ns)
            self._sh(IP, "link", "add", self.here, "type", "veth", "peer", "name", self.there)
            self._sh(IP, "link", "set", self.there, "netns", self.ns)
            self._sh(IP, "addr", "add", "198.18.%d.1/30" % n, "dev", self.here)
            self._sh(IP, "-6", "addr", "add", "fd5b:7c00:%x::1/64" % n, "dev", self.here, "nodad")
            self._sh(IP, "link", "set", self.here, "up")
            self.ip("addr", "add", "%s/30" % self.addr4, "dev", self.there)
            self.ip("-6", "addr", "add", "%s/64" % self.addr6, "dev", self.there, "nodad")
            self.ip("link", "set", self.there, "up")
            self.ip("link", "set", "lo", "up")
        except Exception:
            self.close()
            raise

    @staticmethod
    def _sh(*argv, stdin=None):
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), p.stderr.strip()))
        return p.stdout

    def ip(self, *args):
        return self._sh(IP, "-n", self.ns, *args)

    def exec(self, *argv, stdin=None):
        return self._sh(IP, "netns", "exec", self.ns, *argv, stdin=stdin)

    def firewall(self, ruleset):
        """Replaces the namespace's nftables ruleset."""
        self.exec(NFT, "-f", "-", stdin="flush ruleset\n" + ruleset)

    def listen(self, *specs, user=None):
        l = Listener(specs, ns=self.ns, user=user)
        self.listeners.append(l)
        return l

    def stop_listeners(self):
        for l in self.listeners:
            l.stop()
        self.listeners = []

    def close(self):
        self.stop_listeners()
        subprocess.run([IP, "link", "del", self.here], capture_output=True)
        subprocess.run([IP, "netns", "del", self.ns], capture_output=True)


# Default deny: loopback and established traffic in, SSH and the signer's P2P port, all
# else dropped (the guide's firewall), plus extra ports the test opens in the firewall.
def drop_ruleset(*extra_ports, udp=()):
    """Input drops by default; SSH, the signer's P2P and extra_ports let in over TCP, the
    ports in udp over UDP."""
    ports = ", ".join(str(p) for p in (22, 4122) + tuple(extra_ports))
    udp_rule = "  udp dport { %s } accept\n" % ", ".join(str(p) for p in udp) if udp else ""
    return ("table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n"
            "  iif lo accept\n  ct state established,related accept\n  meta l4proto ipv6-icmp accept\n"
            "  tcp dport { %s } accept\n%s }\n}\n" % (ports, udp_rule))


REJECT_ICMP = ("table inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
               "  tcp dport != { 22, 4122 } reject with icmpx admin-prohibited\n }\n}\n")

ACCEPT_RULESET = ("table inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                  "  tcp dport 22 accept\n }\n}\n")


class PortsCase(harness.StateAssertions, unittest.TestCase):
    PREFIX = PREFIX

    def check(self, *args, timeout=60):
        return harness.run(CHECK, list(args), timeout=timeout)

    def assertCounts(self, r, **counts):
        for k, v in counts.items():
            self.assertIn(k, r.perfdata, r)
            self.assertEqual(r.perfdata[k].value, v, "%s: %r" % (k, r))
            self.assertEqual(r.perfdata[k].uom, "", r)
            self.assertEqual(r.perfdata[k].min, 0, r)


class Loopback(PortsCase):
    """Remote mode against 127.0.0.1 and ::1: nothing is filtered there and closed ports
    answer with a reset."""

    def setUp(self):
        self.socks = loopback_listeners(2)
        self.allowed, self.other = [s.getsockname()[1] for s in self.socks]
        self.closed = closed_port()

    def tearDown(self):
        for s in self.socks:
            s.close()

    @under_valgrind
    def test_unexpected_open_port_is_critical(self):
        ports = "%d,%d,%d" % (self.allowed, self.other, self.closed)
        r = self.check("-H", "127.0.0.1", "-p", ports, "--allow", str(self.allowed), "--require",
                       str(self.allowed))
        self.assertState(r, 2, "1 unexpected open port on 127.0.0.1: %d" % self.other)
        self.assertCounts(r, open=2, unexpected_open=1, closed=1, filtered=0)
        self.assertEqual(r.perfdata["open"].max, 3, r)
        # the drop check is reported too, below the critical line
        self.assertTrue(any("[WARNING] 127.0.0.1 refuses 1 port (closed) instead of dropping" in l
                            for l in r.long_text), r)
        self.assertTrue(any("[OK] open and allowed: %d" % self.allowed in l for l in r.long_text), r)

    def test_closed_ports_warn_no_default_deny(self):
        ports = "%d,%d" % (self.allowed, self.closed)
        r = self.check("-H", "127.0.0.1", "-p", ports, "--allow", "none", "--require", str(self.allowed))
        self.assertState(r, 1, "127.0.0.1 refuses 1 port (closed) instead of dropping them: "
                               "no default-deny firewall")
        self.assertCounts(r, open=1, unexpected_open=0, closed=1, filtered=0)

    def test_no_drop_check_is_ok(self):
        ports = "%d,%d" % (self.allowed, self.closed)
        r = self.check("-H", "127.0.0.1", "-p", ports, "--require", str(self.allowed), "--no-drop-check")
        self.assertState(r, 0, "127.0.0.1: only allowed ports open: %d; 1 closed, 0 filtered"
                         % self.allowed)
        self.assertCounts(r, open=1, unexpected_open=0, closed=1, filtered=0)

    def test_nothing_open_nothing_required(self):
        r = self.check("-H", "127.0.0.1", "-p", str(self.closed), "--require", "none", "--no-drop-check")
        self.assertState(r, 0, "127.0.0.1: no port open; 1 closed, 0 filtered")
        self.assertCounts(r, open=0, unexpected_open=0, closed=1, filtered=0)

    @under_valgrind
    def test_required_port_closed_is_critical(self):
        r = self.check("-H", "127.0.0.1", "-p", str(self.allowed), "--allow", str(self.allowed),
                       "--require", str(self.closed), "--no-drop-check")
        self.assertState(r, 2, "required port %d on 127.0.0.1 is not open: closed (connection refused)"
                         % self.closed)
        # the required port is scanned although --ports does not name it
        self.assertCounts(r, open=1, unexpected_open=0, closed=1, filtered=0)

    def test_service_names(self):
        # 4122 is the signer's P2P port; whatever listens on this machine's well-known
        # ports, the required-port message names the service
        r = self.check("-H", "127.0.0.1", "-p", str(self.allowed), "--allow", str(self.allowed),
                       "--require", "20443", "--no-drop-check")
        if r.rc == 2:
            self.assertIn("required port 20443 (Stacks RPC) on 127.0.0.1 is not open", r.first_line, r)
        else:
            self.assertState(r, 0)  # something of this machine listens on 20443

    def test_ipv6_loopback(self):
        socks6 = loopback_listeners(1, "::1")
        try:
            p6 = socks6[0].getsockname()[1]
            r = self.check("-H", "::1", "-p", "%d,%d" % (p6, self.closed), "--allow", "none",
                           "--require", "none")
            self.assertState(r, 2, "1 unexpected open port on ::1: %d" % p6)
            self.assertCounts(r, open=1, unexpected_open=1, closed=1, filtered=0)
        finally:
            socks6[0].close()

    def test_name_and_family(self):
        r = self.check("-H", "localhost", "-4", "-p", str(self.allowed), "--require", str(self.allowed))
        self.assertState(r, 0, "localhost (127.0.0.1): only allowed ports open: %d;" % self.allowed)
        r = self.check("-H", "127.0.0.1", "-6", "-p", str(self.allowed))
        self.assertState(r, 3, "cannot resolve '127.0.0.1' to IPv6")

    def test_full_range(self):
        # every port of loopback: whatever else this machine runs is allowed here, so the
        # verdict is ours; the counts add up to the whole range
        r = self.check("-H", "127.0.0.1", "--allow", "1-65535", "--require", str(self.allowed),
                       "--no-drop-check")
        self.assertState(r, 0, "127.0.0.1: only allowed ports open")
        pd = r.perfdata
        self.assertEqual(pd["open"].value + pd["closed"].value + pd["filtered"].value, 65535, r)
        self.assertGreaterEqual(pd["open"].value, 2, r)
        # On loopback only a listener of another process whose accept queue is full
        # can look filtered; the machine's other listeners are not this test's to control.
        self.assertLessEqual(pd["filtered"].value, 2, r)
        self.assertEqual(pd["unexpected_open"].value, 0, r)

    def test_a_stalled_scan_misses_no_answer(self):
        # The scanner stopped (a starved CPU) for longer than --port-timeout while thousands
        # of connects are in flight: on resuming every probe looks expired, and one round of
        # events carries only some of the answers that came meanwhile. Each probe is asked
        # before it is called filtered (lib/portscan.c, probe_outcome), so on loopback,
        # which answers every port, none is filtered and the open port is seen.
        argv = [plugin_path(CHECK), "-H", "127.0.0.1", "--allow", "1-65535", "--require", str(self.allowed),
                "--no-drop-check", "--port-timeout", "0.3", "-t", "30"]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.1)
            os.kill(p.pid, signal.SIGSTOP)
            time.sleep(1.0)
            os.kill(p.pid, signal.SIGCONT)
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        r = Result(argv, p.returncode, out, err, 0)
        self.assertState(r, 0, "127.0.0.1: only allowed ports open")
        pd = r.perfdata
        self.assertEqual(pd["open"].value + pd["closed"].value + pd["filtered"].value, 65535, r)
        self.assertLessEqual(pd["filtered"].value, 2, r)

    def test_descriptor_limit(self):
        # a soft limit of 100 that cannot be raised: 36 connects in flight (64 kept back),
        # and the scan is still whole and right
        # (whatever this machine runs on 1-3000 is allowed: the verdict is about our ports)
        ports = "1-3000,%d,%d" % (self.allowed, self.other)
        allow = "1-3000,%d" % self.allowed
        r = run_in(None, ["-H", "127.0.0.1", "-p", ports, "--allow", allow, "--require",
                          str(self.allowed), "--no-drop-check"], prefix=["prlimit", "--nofile=100:100"])
        self.assertState(r, 2, "1 unexpected open port on 127.0.0.1: %d" % self.other)
        self.assertIn("up to 36 at once", r.stdout)
        self.assertEqual(r.perfdata["open"].value + r.perfdata["closed"].value, 3002, r)
        # a soft limit of 100 under a hard one of 5000: raised as far as the hard limit
        r = run_in(None, ["-H", "127.0.0.1", "-p", ports, "--allow", allow, "--require",
                          str(self.allowed), "--no-drop-check"], prefix=["prlimit", "--nofile=100:5000"])
        self.assertState(r, 2, "1 unexpected open port on 127.0.0.1: %d" % self.other)
        self.assertIn("up to 3002 at once", r.stdout)

    def test_json_output(self):
        import json
        r = self.check("-H", "127.0.0.1", "-p", "%d,%d" % (self.allowed, self.other), "--allow",
                       str(self.allowed), "--require", "none", "--output-format", "json")
        self.assertEqual(r.rc, 2, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["state_text"], "CRITICAL")
        perf = {p["label"]: p["value"] for p in doc["perfdata"]}
        self.assertEqual(perf["unexpected_open"], 1)
        self.assertEqual(perf["open"], 2)


class Usage(PortsCase):

    def test_bad_arguments(self):
        for args, msg in (([], "give -H HOST to scan a host, or --local"),
                          (["-H", "127.0.0.1", "--local"], "either -H HOST (remote scan) or --local"),
                          (["-H", "127.0.0.1", "-p", "22,x"], "invalid --ports '22,x': 'x' is not a port"),
                          (["-H", "127.0.0.1", "-p", "0"], "'0' is not a port (1-65535)"),
                          (["-H", "127.0.0.1", "--allow", "100-10"], "range '100-10' ends before it starts"),
                          (["-H", "127.0.0.1", "--port-timeout", "0"], "--port-timeout '0' must be"),
                          (["-H", "127.0.0.1", "--max-parallel", "-5"], "--max-parallel '-5' must be"),
                          # an empty list is not "none": an empty --require would drop 4122
                          (["-H", "127.0.0.1", "--require="], "invalid --require '': empty (write 'none'"),
                          # a blank value: the words of the reason keep their spaces
                          (["-H", "127.0.0.1", "--allow= "], "invalid --allow '': empty (write 'none' for no ports)"),
                          (["-H", "127.0.0.1", "--ports="], "invalid --ports '': empty")):
            with self.subTest(args=args):
                r = self.check(*args)
                self.assertEqual(r.rc, 3, r)
                self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - "), r)
                self.assertIn(msg, r.first_line, r)

    def test_help_lists_the_options(self):
        r = self.check("--help")
        self.assertEqual(r.rc, 3, r)
        for opt in ("--hostname", "--ports", "--allow", "--require", "--no-drop-check", "--local",
                    "--port-timeout", "--max-parallel", "--nft", "--extra-opts"):
            self.assertIn(opt, r.stdout)


@unittest.skipIf(NETNS_WHY is not None, "network namespaces unavailable: %s" % NETNS_WHY)
class NamespaceCase(PortsCase):
    """A class of tests on one signer host in a namespace of its own; each test leaves it
    with no listener."""

    @classmethod
    def setUpClass(cls):
        cls.host = NetnsHost()

    @classmethod
    def tearDownClass(cls):
        cls.host.close()

    def tearDown(self):
        self.host.stop_listeners()


@unittest.skipIf(NETNS_WHY is not None, "network namespaces unavailable: %s" % NETNS_WHY)
class NamespaceRemote(NamespaceCase):
    """Remote mode against a host in a namespace: drop, reject and accept for real."""

    def test_default_deny_host_is_ok_full_range(self):
        # the guide's host: only 4122 open, everything else dropped; the whole port range
        # is scanned with the defaults within the default deadline
        self.host.firewall(drop_ruleset())
        self.host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:5432")
        # (TCP only here: the QUIC probe of UDP 4122 is test_quic.py's)
        r = self.check("-H", self.host.addr4, "--udp-quic", "none")
        self.assertState(r, 0, "%s: only allowed ports open: 4122 (signer P2P); 1 closed, 65533 filtered"
                         % self.host.addr4)
        # 22 is let through but nothing listens there: closed, and no reason to warn
        self.assertCounts(r, open=1, unexpected_open=0, closed=1, filtered=65533)

    @under_valgrind
    def test_exposed_database_behind_a_hole_is_critical(self):
        self.host.firewall(drop_ruleset(5432, 8801))
        self.host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:5432", "tcp:0.0.0.0:8801")
        r = self.check("-H", self.host.addr4, "-p", "1-200,4100-4200,5400-5500,8801",
                       "--port-timeout", "0.3")
        self.assertState(r, 2, "2 unexpected open ports on %s: 5432 (PostgreSQL), 8801 (signer API)"
                         % self.host.addr4)
        # 22 is open in the firewall but nothing listens: the host answers closed for it
        self.assertCounts(r, open=3, unexpected_open=2, closed=1, filtered=403 - 3 - 1)
        self.assertFalse(any("refuses" in l for l in r.long_text), r)

    def test_no_firewall_warns_and_names_exposed_services(self):
        self.host.firewall("")
        self.host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:9184")
        r = self.check("-H", self.host.addr4, "-p", "1-10000")
        self.assertState(r, 2, "1 unexpected open port on %s: 9184 (signer metrics)" % self.host.addr4)
        self.assertCounts(r, open=2, unexpected_open=1, closed=9998, filtered=0)
        # 22 is allowed: its reset is not held against the firewall
        self.assertTrue(any("[WARNING] %s refuses 9997 ports (closed) instead of dropping them"
                            % self.host.addr4 in l for l in r.long_text), r)

    def test_reset_only_host_warns(self):
        self.host.firewall("")
        self.host.listen("tcp:0.0.0.0:4122")
        r = self.check("-H", self.host.addr4, "-p", "4000-4200")
        self.assertState(r, 1, "%s refuses 200 ports (closed) instead of dropping them: no default-deny "
                               "firewall" % self.host.addr4)
        self.assertCounts(r, open=1, unexpected_open=0, closed=200, filtered=0)

    def test_required_port_dropped_is_critical(self):
        # the signer is down and the firewall drops 4122 too: no answer, probed twice
        self.host.firewall(drop_ruleset().replace("22, 4122", "22"))
        r = self.check("-H", self.host.addr4, "-p", "4100-4130", "--port-timeout", "0.3")
        self.assertState(r, 2, "required port 4122 (signer P2P) on %s is not open: filtered (no answer "
                               "within 0.3s)" % self.host.addr4)
        self.assertCounts(r, open=0, unexpected_open=0, closed=0, filtered=31)

    def test_required_port_refused_is_critical(self):
        self.host.firewall(drop_ruleset())
        r = self.check("-H", self.host.addr4, "-p", "4100-4130", "--port-timeout", "0.3")
        self.assertState(r, 2, "required port 4122 (signer P2P) on %s is not open: closed (connection "
                               "refused)" % self.host.addr4)
        self.assertCounts(r, open=0, closed=1, filtered=30)

    def test_icmp_prohibited_counts_as_filtered(self):
        self.host.firewall(REJECT_ICMP)
        self.host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:5432")
        r = self.check("-H", self.host.addr4, "-p", "5400-5500,4122", "--port-timeout", "0.5",
                       "--udp-quic", "none")
        self.assertState(r, 0, "only allowed ports open: 4122 (signer P2P); 0 closed, 101 filtered")
        self.assertCounts(r, open=1, unexpected_open=0, closed=0, filtered=101)

    @under_valgrind
    def test_ipv6_host(self):
        self.host.firewall(drop_ruleset(20443))
        self.host.listen("tcp:[::]:4122", "tcp:[::]:20443")
        r = self.check("-H", self.host.addr6, "-p", "20400-20500", "--port-timeout", "0.3")
        self.assertState(r, 2, "1 unexpected open port on %s: 20443 (Stacks RPC)" % self.host.addr6)
        self.assertCounts(r, open=2, unexpected_open=1, closed=0, filtered=100)

    def test_deadline_bounds_the_scan(self):
        self.host.firewall(drop_ruleset())
        start = time.monotonic()
        r = self.check("-H", self.host.addr4, "-t", "1", "--max-parallel", "100")
        took = time.monotonic() - start
        self.assertState(r, 3, "scan cut short by the 1 s deadline")
        self.assertLess(took, 5, r)  # bounded by -t, nowhere near the full scan
        pd = r.perfdata
        self.assertLess(pd["open"].value + pd["closed"].value + pd["filtered"].value, 65535, r)
        r = self.check("-H", self.host.addr4, "-t", "1:CRITICAL", "--max-parallel", "100")
        self.assertState(r, 2, "scan cut short by the 1 s deadline")


@unittest.skipIf(NETNS_WHY is not None, "network namespaces unavailable: %s" % NETNS_WHY)
class NamespaceLocal(NamespaceCase):
    """Local mode run inside a namespace: its own sockets and its own firewall."""

    @under_valgrind
    def test_guide_host_is_ok(self):
        self.host.firewall(drop_ruleset())
        l = self.host.listen("tcp:0.0.0.0:4122", "udp:0.0.0.0:4122", "tcp:127.0.0.1:5432",
                             "tcp:[::1]:8801", "tcp:[::]:22")
        r = run_in(self.host.ns, ["--local"])
        self.assertState(r, 0, "")
        self.assertCounts(r, listening=5, exposed=3, unexpected=0)
        text = "\n".join(r.long_text)
        self.assertIn("python3 (pid %d) listens on 0.0.0.0:4122 (signer P2P)" % l.pid, text)
        self.assertIn("listens on 0.0.0.0:4122/udp (signer P2P (QUIC))", text)
        self.assertIn("[OK] nftables: IPv4 and IPv6 input drops by default (chain inet filter input: "
                      "policy drop)", text)

    @under_valgrind
    def test_exposed_database_is_critical(self):
        self.host.firewall(drop_ruleset())
        l = self.host.listen("tcp:0.0.0.0:4122", "tcp:0.0.0.0:5432", "udp:0.0.0.0:9999")
        r = run_in(self.host.ns, ["--local"])
        self.assertState(r, 2, "2 sockets outside --allow on non-loopback addresses: python3 (pid %d) "
                               "listens on 0.0.0.0:5432 (PostgreSQL)" % l.pid)
        self.assertIn("listens on 0.0.0.0:9999/udp", r.stdout)
        self.assertCounts(r, listening=3, exposed=3, unexpected=2)
        r = run_in(self.host.ns, ["--local", "--allow", "22,4122,5432,9999"])
        self.assertState(r, 0, "")

    def test_required_port_missing_or_loopback_only(self):
        self.host.firewall(drop_ruleset())
        r = run_in(self.host.ns, ["--local"])
        self.assertState(r, 2, "required port 4122 (signer P2P): nothing listens on it")
        self.assertCounts(r, listening=0, exposed=0, unexpected=0)
        self.host.listen("tcp:127.0.0.1:4122")
        r = run_in(self.host.ns, ["--local"])
        self.assertState(r, 2, "required port 4122 (signer P2P): listens on loopback only")

    def test_accepting_firewall_warns(self):
        self.host.listen("tcp:0.0.0.0:4122")
        for ruleset, how in ((ACCEPT_RULESET, "chain inet filter input: policy accept"),
                             ("", "no chain on the input hook")):
            with self.subTest(how=how):
                self.host.firewall(ruleset)
                r = run_in(self.host.ns, ["--local"])
                self.assertState(r, 1, "nftables: IPv4 and IPv6 input accepts by default (%s): "
                                       "no default-deny firewall" % how)

    def test_ipv4_only_firewall_warns_for_ipv6(self):
        self.host.listen("tcp:0.0.0.0:4122")
        self.host.firewall("table ip filter {\n chain input {\n  type filter hook input priority 0; "
                           "policy drop;\n }\n}\n")
        r = run_in(self.host.ns, ["--local"])
        self.assertState(r, 1, "nftables: IPv6 input accepts by default (no chain on the input hook)")
        self.assertIn("[OK] nftables: IPv4 input drops by default (chain ip filter input: policy drop)",
                      r.stdout)

    def test_iptables_save(self):
        ipt = shutil.which("iptables-save") or "/usr/sbin/iptables-save"
        if not os.access(ipt, os.X_OK):
            self.skipTest("iptables-save missing (Debian's iptables)")
        self.host.firewall("")
        self.host.listen("tcp:0.0.0.0:4122")
        self.host.exec(os.path.join(os.path.dirname(ipt), "iptables"), "-P", "INPUT", "DROP")
        try:
            r = run_in(self.host.ns, ["--local", "--iptables-save", ipt, "--ip6tables-save",
                                      os.path.join(os.path.dirname(ipt), "ip6tables-save")])
            self.assertState(r, 1, "iptables: IPv6 input accepts by default")
            self.assertIn("[OK] iptables: IPv4 input drops by default (chain ip filter INPUT: policy drop)",
                          r.stdout)
        finally:
            self.host.firewall("")

    def test_firewall_unreadable(self):
        self.host.listen("tcp:0.0.0.0:4122")
        r = run_in(self.host.ns, ["--local", "--nft", "/nonexistent/nft"])
        self.assertState(r, 3, "firewall not readable: cannot run /nonexistent/nft: No such file or directory")
        # as an ordinary user: the firewall needs root, other users' processes stay unnamed
        r = run_in(self.host.ns, ["--local"], user="nobody")
        self.assertState(r, 3, "firewall not readable")
        self.assertIn("needs root", r.first_line, r)
        self.assertIn("a process not visible to this user listens on 0.0.0.0:4122", r.stdout)
        r = run_in(self.host.ns, ["--local", "--no-firewall"], user="nobody")
        self.assertState(r, 0, "")


class HostLocal(PortsCase):
    """Local mode on this host itself (so it is tested where namespaces cannot be made),
    with a listener of our own."""

    def test_own_listener_is_found(self):
        s = socket.socket()
        s.bind(("0.0.0.0", 0))
        s.listen(4)
        port = s.getsockname()[1]
        try:
            r = harness.run(CHECK, ["--local", "--no-firewall"])
            self.assertState(r, 2, "outside --allow on non-loopback addresses")
            self.assertIn("python3 (pid %d) listens on 0.0.0.0:%d" % (os.getpid(), port), r.stdout)
            self.assertGreaterEqual(r.perfdata["unexpected"].value, 1, r)
        finally:
            s.close()



# Ports published as Docker publishes them (a DNAT in nat prerouting, reached by a jump,
# and a forward chain that jumps to the operator's chain first), written as native
# nftables so that no Docker is needed: 9184/tcp and 4122/udp to 172.31.0.2 behind a
# bridge that need not exist, 8801 on 127.0.0.1 only. USER_RULES go in the operator's chain.
def published_ruleset(user_rules=""):
    return (drop_ruleset() +
            "table ip nat {\n chain prerouting {\n  type nat hook prerouting priority -100; policy accept;\n"
            "  fib daddr type local jump publish\n }\n"
            " chain publish {\n  iifname \"br-sbtc\" return\n"
            "  iifname != \"br-sbtc\" tcp dport 9184 dnat to 172.31.0.2:9184\n"
            "  iifname != \"br-sbtc\" udp dport 4122 dnat to 172.31.0.2:4122\n"
            "  ip daddr 127.0.0.1 tcp dport 8801 dnat to 172.31.0.2:8801\n }\n}\n"
            "table ip filter {\n chain forward {\n  type filter hook forward priority 0; policy drop;\n"
            "  jump user\n  oifname \"br-sbtc\" ct state established,related accept\n"
            "  ip daddr 172.31.0.2 oifname \"br-sbtc\" tcp dport 9184 accept\n"
            "  ip daddr 172.31.0.2 oifname \"br-sbtc\" udp dport 4122 accept\n }\n"
            " chain user {\n%s }\n}\n" % user_rules)


@unittest.skipIf(NETNS_WHY is not None, "network namespaces unavailable: %s" % NETNS_WHY)
class NamespacePublished(NamespaceCase):
    """Local mode on a host whose ports are published by NAT and forwarded, so that no
    socket shows them and the input chain never sees them (Docker with its userland
    proxy off): the forward path decides."""

    def tearDown(self):
        super().tearDown()
        self.host.firewall("")

    @under_valgrind
    def test_published_port_is_critical_whatever_input_says(self):
        self.host.firewall(published_ruleset())
        r = run_in(self.host.ns, ["--local", "--allow", "22,4122", "--require", "none"])
        self.assertState(r, 2, "1 port outside --allow reachable from the network: 9184/tcp (signer metrics) "
                               "published by Docker to 172.31.0.2:9184, forward path accepts (user: no rule for it)")
        self.assertCounts(r, listening=0, exposed=2, unexpected=1, published=2)
        text = "\n".join(r.long_text)
        self.assertIn("4122/udp (signer P2P (QUIC)) published by Docker to 172.31.0.2:4122", text)
        self.assertIn("input drops by default (chain inet filter input: policy drop); Docker's published ports "
                      "do not pass input", text)
        self.assertNotIn("8801", text)  # published on 127.0.0.1 only

    def test_port_dropped_in_forward_path_is_ok(self):
        self.host.firewall(published_ruleset("  meta l4proto tcp ct original proto-dst 9184 drop\n"))
        r = run_in(self.host.ns, ["--local", "--allow", "22,4122", "--require", "none"])
        self.assertState(r, 0, "")
        self.assertCounts(r, exposed=1, unexpected=0, published=2)
        self.assertIn("[OK] not reachable: 9184/tcp (signer metrics) published, dropped in user", r.stdout)

    def test_udp_published_port_is_judged_like_tcp(self):
        self.host.firewall(published_ruleset("  meta l4proto tcp ct original proto-dst 9184 drop\n"))
        r = run_in(self.host.ns, ["--local", "--allow", "22", "--require", "none"])
        self.assertState(r, 2, "1 port outside --allow reachable from the network: 4122/udp (signer P2P (QUIC)) "
                               "published by Docker to 172.31.0.2:4122")
        self.host.firewall(published_ruleset("  meta l4proto udp ct original proto-dst 4122 drop\n"
                                             "  meta l4proto tcp ct original proto-dst 9184 drop\n"))
        r = run_in(self.host.ns, ["--local", "--allow", "22", "--require", "none"])
        self.assertState(r, 0, "")
        self.assertCounts(r, exposed=0, unexpected=0, published=2)

    def test_required_port_published_but_dropped(self):
        self.host.firewall(published_ruleset("  drop\n"))
        r = run_in(self.host.ns, ["--local", "--require", "9184", "--allow", "22,9184"])
        self.assertState(r, 2, "required port 9184 (signer metrics): published by Docker, but dropped in user")
        self.host.firewall(published_ruleset())
        r = run_in(self.host.ns, ["--local", "--require", "9184", "--allow", "22,4122,9184"])
        self.assertState(r, 0, "")


if __name__ == "__main__":
    unittest.main()
