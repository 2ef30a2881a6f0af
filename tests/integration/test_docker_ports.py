# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_ports --local against a real Docker: for every published port, the check's
verdict must agree with what a machine outside actually reaches.

The Docker host is Debian's dockerd in a network namespace of its own (harness/dockerd.py).
One container on a user-defined network (as docker compose makes) publishes what the
reference deployment's signer publishes (stacks-sbtc/sbtc docker/mainnet/docker-compose.yml,
see REFERENCE.md section 8): "4122:4122" (P2P), "9184:9184" (metrics) and
"127.0.0.1:8801:8801" (the API), and "4122:4122/udp" as well (the signer's P2P listens on
QUIC too). TCP ports answer with busybox's
`nc -ll -e /bin/cat` (an echo), UDP 4122 with a python3 echo run from the host's /usr.

Each scenario sets up the firewall of the Docker host (DOCKER-USER rules, or INPUT policies)
with iptables inside its namespace, then at once:
  reality  a TCP connect plus echo, or a UDP datagram and its echo, from a second namespace
           (dh.outside(), linked by a veth pair) to the host's address, over IPv4 and over
           IPv6 (with the userland proxy on, docker-proxy's [::] sockets carry IPv6 to the
           container through INPUT, not through DOCKER-USER);
  verdict  check_sbtc_ports --local run as root in the host's namespace.
A port is reachable when either family gets its echo back. The two must agree for every
published port: a reachable port outside --allow makes the check CRITICAL and is named
PORT/PROTO (or as a socket, ADDRESS:PORT) in its first line (with --allow 22,4122, where 9184
is the only candidate) or in a [CRITICAL] line (with --allow 22 --require none, where 4122
TCP and UDP are judged too); a port that is not reachable, or is allowed, never is. Each
scenario also asserts what reality itself must be (so that a broken test bed, where nothing
answers, cannot agree with an OK by accident), that the perfdata counts 3 ports 'published'
and that 8801, published on 127.0.0.1 only, is neither reachable nor a cause.

Docker hosts, one per class: the userland proxy on (docker-proxy listens on 0.0.0.0 and
[::]), off (Debian's dockerd 20.10 still holds a placeholder socket per published port, which
never sees a packet: DNAT comes first), and off with the TCP placeholders removed by `ss -K`
(kernel SOCK_DESTROY), which is what Docker 28 and later leave: no socket, only the rules.
The kernel does not destroy an unconnected UDP socket, so dockerd's UDP 4122 placeholder
stays. FalseOk is the case the reference deployment meets on a newer Docker: proxy off,
9184 published, DOCKER-USER empty, no socket on 9184; reachable from anywhere.

Needs root (dockerd, namespaces); without Docker the tests are skipped with the reason,
which run.py counts as failed unless SBTC_ALLOW_SKIP=1. Every dockerd, namespace and
temporary folder goes away when its class ends, and at exit when the run is interrupted.
"""

import atexit
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

from harness.dockerd import DockerHost, docker_unavailable
from harness.plugin import Result, plugin_path, SANITIZER_MARKERS, STATES

CHECK = "check_sbtc_ports"
PREFIX = "SBTC PORTS "
IPTABLES = "/usr/sbin/iptables"
IP6TABLES = "/usr/sbin/ip6tables"
SS = "/usr/bin/ss" if os.path.exists("/usr/bin/ss") else "/bin/ss"
IP = "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "/sbin/ip"

DOCKER_WHY = docker_unavailable()
if DOCKER_WHY is None:
    for _path, _pkg in ((IPTABLES, "iptables"), (IP6TABLES, "iptables"), (SS, "iproute2")):
        if not os.access(_path, os.X_OK):
            DOCKER_WHY = "%s is missing (Debian's %s)" % (_path, _pkg)
            break

# What the container publishes: (port, proto) -> on a non-loopback address or not.
PUBLISHED = {(4122, "tcp"): True, (4122, "udp"): True, (9184, "tcp"): True, (8801, "tcp"): False}
PUBLISH_ARGS = ("-p", "4122:4122", "-p", "4122:4122/udp", "-p", "9184:9184", "-p", "127.0.0.1:8801:8801")
ALLOW = "22,4122"
PROBE_TIMEOUT = 1.5

UDP_ECHO = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('0.0.0.0', 4122))\n"
            "while True:\n"
            "    data, peer = s.recvfrom(2048)\n"
            "    s.sendto(data, peer)\n")
CONTAINER_CMD = ("nc -ll -p 4122 -e /bin/cat & nc -ll -p 9184 -e /bin/cat & nc -ll -p 8801 -e /bin/cat & "
                 "exec /usr/bin/python3 -c \"$UDP_ECHO\"")

# Run by python3 in the outside namespace: probes every "proto|address|port" of argv at
# once (one thread each) and prints {target: "ok" or why not} as JSON. TCP: connect, send,
# read the echo. UDP: a datagram every 0.4 s until the echo comes back.
PROBE = r"""
import json, socket, sys, threading, time
timeout = float(sys.argv[1])
out = {}
def probe(target):
    proto, addr, port = target.split("|")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    try:
        deadline = time.monotonic() + timeout
        if proto == "tcp":
            s.settimeout(timeout)
            s.connect((addr, int(port)))
            s.sendall(b"sbtc-probe")
            data = s.recv(64)
        else:
            s.settimeout(0.4)
            data = b""
            while time.monotonic() < deadline:
                s.sendto(b"sbtc-probe", (addr, int(port)))
                try:
                    data = s.recv(64)
                    break
                except socket.timeout:
                    continue
        out[target] = ("ok" if data == b"sbtc-probe" else "wrong echo %r" % data if data
                       else "no answer within %gs" % timeout)
    except OSError as e:
        out[target] = "%s: %s" % (type(e).__name__, e)
    finally:
        s.close()
threads = [threading.Thread(target=probe, args=(t,)) for t in sys.argv[2:]]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(out))
"""

# The Docker hosts of the classes start at once, in threads, when the module's tests begin
# (dockerd and the container spend most of their start waiting); each class takes its own
# and stops it (again in a thread) when it ends. Whatever is still running is stopped by
# the module's cleanup, or at exit when the run is interrupted (SIGINT, or SIGTERM that
# run.py turns into KeyboardInterrupt, skips the class and module cleanups, not atexit;
# the interpreter joins the threads first).
_lock = threading.Lock()
_live_hosts = []   # DockerHost not yet stopped
_threads = []      # builders and stoppers
_prepared = {}     # class name -> {"dh", "thread", "error", "container"}


def _build(box):
    dh = box["dh"]
    try:
        dh.start()
        dh.import_busybox()
        dh.docker("network", "create", "sbtc-signer")
        box["container"] = dh.docker("run", "-d", "--network", "sbtc-signer", "-e", "UDP_ECHO=" + UDP_ECHO,
                                     *dh.HOST_USR, *PUBLISH_ARGS, dh.BUSYBOX, "sh", "-c",
                                     CONTAINER_CMD).stdout.strip()
    except BaseException as e:
        box["error"] = e


def _prepare(cls):
    """Starts building the Docker host of cls (in a thread); the box to wait on."""
    dh = DockerHost(cls.LABEL, userland_proxy=cls.USERLAND_PROXY)
    box = {"dh": dh, "error": None, "container": None}
    box["thread"] = threading.Thread(target=_build, args=(box,), name="docker-" + cls.__name__)
    with _lock:
        _live_hosts.append(dh)
        _threads.append(box["thread"])
    box["thread"].start()
    return box


def _stop_host(dh):
    try:
        dh.stop()
    except Exception as e:  # keep stopping the others
        sys.stderr.write("stopping the Docker host %s: %s\n" % (dh.label, e))


def _stop_host_later(dh):
    with _lock:
        if dh not in _live_hosts:
            return
        _live_hosts.remove(dh)
        t = threading.Thread(target=_stop_host, args=(dh,), name="stop-" + dh.label)
        _threads.append(t)
    t.start()


def _stop_all():
    for t in list(_threads):
        if t.is_alive() and t is not threading.current_thread():
            t.join()
    with _lock:
        left = list(_live_hosts)
        _live_hosts.clear()
    for dh in left:
        _stop_host(dh)


atexit.register(_stop_all)


def setUpModule():
    unittest.addModuleCleanup(_stop_all)
    if DOCKER_WHY is None:
        for cls in (ProxyOn, ProxyOff, ProxyOffNoSocket, FalseOk):
            _prepared[cls.__name__] = _prepare(cls)


def _run(argv, timeout=30):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def named_in(text, port, proto):
    """Whether text names port/proto: "9184/tcp", "4122/udp", or a socket "0.0.0.0:9184",
    "[::]:4122/udp" (a TCP socket carries no suffix)."""
    if proto == "tcp":
        pattern = r"(?<![\d.])%d/tcp\b|:%d(?![\d/])" % (port, port)
    else:
        pattern = r"(?<![\d.])%d/udp\b" % port
    return re.search(pattern, text) is not None


def cause_lines(r):
    """The lines of a result that give a CRITICAL cause: the first line when the state is
    CRITICAL, and every long-text line marked [CRITICAL]."""
    lines = [r.text] if r.rc == 2 else []
    return lines + [l.strip() for l in r.long_text if l.strip().startswith("[CRITICAL]")]


# Scenarios: the firewall the Docker host gets, and where a probe from outside gets through.
# rules: (iptables program, arguments and input that put them in, arguments and input that
# take them out), in order.
# v4: the published ports an IPv4 probe reaches (through DNAT and FORWARD);
# v6: with the userland proxy on, those IPv6 reaches through docker-proxy (through INPUT).
ALL3 = frozenset({(4122, "tcp"), (4122, "udp"), (9184, "tcp")})


def _docker_user(*rules):
    """Rules put first in DOCKER-USER, in this order, and taken out again: one
    iptables-restore --noflush each way."""
    def text(lines):
        return "*filter\n" + "".join(" ".join(l) + "\n" for l in lines) + "COMMIT\n"
    add = text(["-I", "DOCKER-USER", str(i + 1)] + rule for i, rule in enumerate(rules))
    remove = text(["-D", "DOCKER-USER"] + rule for rule in rules)
    return [(IPTABLES + "-restore", ["--noflush"], add, ["--noflush"], remove)]


SCENARIOS = {
    # DOCKER-USER as Docker leaves it: everything published is reachable.
    "empty": dict(rules=lambda ifname: [], v4=ALL3, v6=ALL3),
    # The documented way to filter a published port (REFERENCE.md section 8).
    "conntrack_drop_9184": dict(
        rules=lambda ifname: _docker_user(["-p", "tcp", "-m", "conntrack", "--ctorigdstport", "9184", "-j", "DROP"]),
        v4=ALL3 - {(9184, "tcp")}, v6=ALL3),
    # Everything that comes in on the outside interface dropped but the signer's P2P port:
    # by the port after DNAT ...
    "outside_only_4122": dict(
        rules=lambda ifname: _docker_user(["-i", ifname, "-p", "tcp", "!", "--dport", "4122", "-j", "DROP"],
                                          ["-i", ifname, "-p", "udp", "!", "--dport", "4122", "-j", "DROP"]),
        v4=ALL3 - {(9184, "tcp")}, v6=ALL3),
    # ... and by conntrack's original port, replies to the containers' own connections let in.
    "outside_only_4122_conntrack": dict(
        rules=lambda ifname: _docker_user(
            ["-i", ifname, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"],
            ["-i", ifname, "-p", "tcp", "-m", "conntrack", "--ctorigdstport", "4122", "-j", "RETURN"],
            ["-i", ifname, "-p", "udp", "-m", "conntrack", "--ctorigdstport", "4122", "-j", "RETURN"],
            ["-i", ifname, "-j", "DROP"]),
        v4=ALL3 - {(9184, "tcp")}, v6=ALL3),
    # UDP 4122 dropped, TCP 4122 and 9184 through.
    "udp_4122_dropped": dict(
        rules=lambda ifname: _docker_user(["-p", "udp", "-m", "udp", "--dport", "4122", "-j", "DROP"]),
        v4=ALL3 - {(4122, "udp")}, v6=ALL3),
    # INPUT drops by default (IPv4 and IPv6): published ports never pass INPUT.
    "input_drop": dict(
        rules=lambda ifname: [(IPTABLES, ["-P", "INPUT", "DROP"], None, ["-P", "INPUT", "ACCEPT"], None),
                              (IP6TABLES, ["-P", "INPUT", "DROP"], None, ["-P", "INPUT", "ACCEPT"], None)],
        v4=ALL3, v6=frozenset()),
}


SKIP_WITHOUT_DOCKER = unittest.skipIf(DOCKER_WHY is not None, "no Docker host here: %s" % DOCKER_WHY)


class DockerHostCase:
    """A Docker host with the reference container, and how to compare the check's verdict with
    reality there; the test classes (this, Scenarios and unittest.TestCase) say how dockerd
    runs."""

    USERLAND_PROXY = True
    REMOVE_PLACEHOLDERS = ()  # TCP ports whose listening socket ss -K removes
    LABEL = "proxy-on"
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        box = _prepared.pop(cls.__name__, None) or _prepare(cls)
        dh = cls.dh = box["dh"]
        cls.addClassCleanup(_stop_host_later, dh)
        box["thread"].join()
        if box["error"] is not None:
            raise box["error"]
        cls.container = box["container"]
        ports = dh.docker("port", cls.container).stdout
        if "8801/tcp -> 127.0.0.1:8801" not in ports:
            raise RuntimeError("8801 is not published on 127.0.0.1: %r" % ports)
        o = dh.outside()
        cls.outside = o
        # IPv6 on the veth pair too (a ULA prefix only these namespaces use).
        n = int(o.host_if[3:])
        cls.host_address6 = "fd5b:7c01:%x::1" % n
        _run([IP, "-n", dh.ns, "-6", "addr", "add", cls.host_address6 + "/64", "dev", o.host_if, "nodad"])
        _run([IP, "-n", o.ns, "-6", "addr", "add", "fd5b:7c01:%x::2/64" % n, "dev", "sbo%d" % n, "nodad"])
        for port in cls.REMOVE_PLACEHOLDERS:
            dh.nsexec(SS, "-K", "-tl", "sport", "=", ":%d" % port, check=True)
            left = dh.nsexec(SS, "-Htln", "sport", "=", ":%d" % port, check=True).stdout
            if left.strip():
                raise RuntimeError("ss -K left the listener on %d (no SOCK_DESTROY in this kernel?):\n%s"
                                   % (port, left))
        # The services inside the container take a moment: wait until all answer.
        deadline = time.monotonic() + 30
        while True:
            reach = cls.probe_raw()
            if all(reach.get("%s|%s|%d" % (proto, o.host_address, port)) == "ok"
                   for (port, proto), public in PUBLISHED.items() if public):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the container's services do not answer from outside: %s\n%s\n%s"
                                   % (reach, dh.docker("logs", cls.container, check=False).stderr, dh.log()))
            time.sleep(0.5)

    # --- reality -------------------------------------------------------------------------

    @classmethod
    def probe_raw(cls, timeout=PROBE_TIMEOUT):
        targets = ["%s|%s|%d" % (proto, addr, port) for (port, proto) in PUBLISHED
                   for addr in (cls.outside.host_address, cls.host_address6)]
        p = cls.outside.run(sys.executable, "-c", PROBE, str(timeout), *targets, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("the probe failed: %s%s" % (p.stdout, p.stderr))
        return json.loads(p.stdout)

    def reality(self, timeout=PROBE_TIMEOUT):
        """{(port, proto): (reachable, {address: "ok" or why not})}."""
        raw = self.probe_raw(timeout)
        out = {}
        for (port, proto) in PUBLISHED:
            per = {addr: raw["%s|%s|%d" % (proto, addr, port)] for addr in (self.outside.host_address,
                                                                            self.host_address6)}
            out[(port, proto)] = (any(v == "ok" for v in per.values()), per)
        return out

    # --- verdict -------------------------------------------------------------------------

    def run_check(self, *args):
        argv = [plugin_path(CHECK), "--local"] + list(args)
        start = time.monotonic()
        p = self.dh.nsexec(*argv, timeout=60)
        r = Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - start)
        for marker in SANITIZER_MARKERS:
            if marker in r.stderr:
                raise AssertionError("sanitizer report (%s):\n%r" % (marker, r))
        return r

    # --- a scenario ----------------------------------------------------------------------

    def apply(self, rules):
        for program, add, add_input, remove, remove_input in rules:
            self.dh.nsexec(program, *add, input=add_input, check=True)
            self.addCleanup(self.dh.nsexec, program, *remove, input=remove_input, check=True)

    def firewall_text(self):
        return (self.dh.nsexec(IPTABLES + "-save").stdout
                + self.dh.nsexec(IP6TABLES + "-save", "-t", "filter").stdout)

    def verdict_and_reality(self, *check_args_list):
        """The check run with each argument list while reality is probed (at once)."""
        results = {}

        def check(args):
            try:
                results[tuple(args)] = self.run_check(*args)
            except BaseException as e:  # raised again below, in the test's thread
                results[tuple(args)] = e

        threads = [threading.Thread(target=check, args=(args,)) for args in check_args_list]
        for t in threads:
            t.start()
        try:
            real = self.reality()
        finally:
            for t in threads:
                t.join()
        out = [results[tuple(args)] for args in check_args_list]
        for r in out:
            if isinstance(r, BaseException):
                raise r
        return real, out

    def describe(self, scenario, real, r):
        lines = ["scenario %s, %s" % (scenario, self.LABEL), "reality from outside (%s, %s):"
                 % (self.outside.host_address, self.host_address6)]
        for (port, proto), (ok, per) in sorted(real.items()):
            lines.append("  %d/%s %s  %s" % (port, proto, "REACHABLE" if ok else "unreachable",
                                            "; ".join("%s %s" % kv for kv in sorted(per.items()))))
        lines.append("check: %r" % r)
        if getattr(self, "_firewall", None) is None:  # read once per test
            self._firewall = self.firewall_text()
        lines.append("firewall:\n" + self._firewall)
        return "\n".join(lines)

    def assertAgree(self, scenario, real, r, allowed, in_first_line):
        """The check's verdict agrees with reality for every published port. in_first_line:
        a reachable port outside allowed must be named in the first line itself."""
        msg = self.describe(scenario, real, r)
        self.assertIn(r.rc, STATES, msg)
        self.assertTrue(r.first_line.startswith(PREFIX + STATES[r.rc] + " - "), msg)
        self.assertEqual(r.perfdata_errors, [], msg)
        causes = cause_lines(r)
        unexpected_reachable = [(port, proto) for (port, proto), (ok, _) in real.items()
                                if ok and port not in allowed]
        for (port, proto), (ok, _) in sorted(real.items()):
            if ok and port not in allowed:
                self.assertEqual(r.rc, 2, "false OK: %d/%s is reachable from outside and not allowed, but the "
                                          "check says %r\n%s" % (port, proto, r.text, msg))
                self.assertTrue(any(named_in(c, port, proto) for c in (causes[:1] if in_first_line else causes)),
                                "%d/%s is reachable and not allowed, but no CRITICAL %s names it\n%s"
                                % (port, proto, "first line" if in_first_line else "line", msg))
            else:
                why = "not reachable from outside" if not ok else "allowed (--allow %s)" % ",".join(map(str, allowed))
                for c in causes:
                    self.assertFalse(named_in(c, port, proto), "%d/%s is %s, yet it is given as a CRITICAL cause: "
                                                               "%r\n%s" % (port, proto, why, c, msg))
        if not unexpected_reachable:
            self.assertIn(r.rc, (0, 1), "nothing outside --allow is reachable, yet the check says %r\n%s"
                          % (r.text, msg))

    def scenario(self, name):
        spec = SCENARIOS[name]
        self.apply(spec["rules"](self.outside.ifname))
        real, (r, r_strict) = self.verdict_and_reality(["--allow", ALLOW], ["--allow", "22", "--require", "none"])
        # The test bed first: the rules must do what the scenario means.
        expect = set(spec["v4"]) | (set(spec["v6"]) if self.USERLAND_PROXY else set())
        got = {pp for pp, (ok, _) in real.items() if ok}
        if got != expect:  # once more, slowly: the machine may be busy
            real = self.reality(timeout=3 * PROBE_TIMEOUT)
            got = {pp for pp, (ok, _) in real.items() if ok}
        self.assertEqual(got, expect, "the test bed is not what scenario %s means (reachable ports)\n%s"
                         % (name, self.describe(name, real, r)))
        self.assertNotIn((8801, "tcp"), got)
        # The verdict: the guide's allow list, and one that allows only SSH (so that 4122 TCP and
        # UDP are judged too).
        self.assertAgree(name, real, r, allowed={22, 4122}, in_first_line=True)
        self.assertAgree(name, real, r_strict, allowed={22}, in_first_line=False)
        # Perfdata: the ports Docker publishes on non-loopback addresses (8801 is on 127.0.0.1).
        msg = self.describe(name, real, r)
        self.assertIn("published", r.perfdata, "no 'published' in the perfdata\n" + msg)
        self.assertEqual(r.perfdata["published"].value, sum(PUBLISHED.values()), msg)
        self.assertEqual(r.perfdata["published"].uom, "", msg)
        for c in cause_lines(r) + cause_lines(r_strict):
            self.assertFalse(named_in(c, 8801, "tcp"), "8801 is published on 127.0.0.1 only: %r\n%s" % (c, msg))
        return real, r


class Scenarios:
    """Every scenario of SCENARIOS, one test each."""

    def test_docker_user_empty(self):
        self.scenario("empty")

    def test_docker_user_conntrack_drop_9184(self):
        self.scenario("conntrack_drop_9184")

    def test_docker_user_outside_interface_only_4122(self):
        self.scenario("outside_only_4122")

    def test_docker_user_outside_interface_only_4122_conntrack(self):
        self.scenario("outside_only_4122_conntrack")

    def test_docker_user_udp_4122_dropped(self):
        self.scenario("udp_4122_dropped")

    def test_input_drop_does_not_cover_published_ports(self):
        self.scenario("input_drop")


@SKIP_WITHOUT_DOCKER
class ProxyOn(DockerHostCase, Scenarios, unittest.TestCase):
    """userland-proxy on (Docker's default): docker-proxy listens on 0.0.0.0 and [::] for
    every published port, 127.0.0.1 for 8801."""

    USERLAND_PROXY = True
    LABEL = "userland proxy on"


@SKIP_WITHOUT_DOCKER
class ProxyOff(DockerHostCase, Scenarios, unittest.TestCase):
    """userland-proxy off: only the rules carry the traffic; Debian's dockerd 20.10 holds a
    placeholder socket on each published port, which never receives a packet (DNAT comes
    first)."""

    USERLAND_PROXY = False
    LABEL = "userland proxy off"


@SKIP_WITHOUT_DOCKER
class ProxyOffNoSocket(DockerHostCase, Scenarios, unittest.TestCase):
    """userland-proxy off, the TCP placeholder sockets removed (ss -K): as Docker 28 and
    later, only the rules show that 4122 and 9184 are published."""

    USERLAND_PROXY = False
    REMOVE_PLACEHOLDERS = (4122, 9184, 8801)
    LABEL = "userland proxy off, no placeholder sockets"


@SKIP_WITHOUT_DOCKER
class FalseOk(DockerHostCase, unittest.TestCase):
    """The false OK of the reference deployment: userland-proxy off, the placeholder socket
    of 9184 removed (ss -K), so that only the rules show that 9184 is published, as on
    Docker 28 and later; dockerd's placeholders of 4122 stay."""

    USERLAND_PROXY = False
    REMOVE_PLACEHOLDERS = (9184,)
    LABEL = "userland proxy off, no socket on 9184"

    def test_false_ok_published_port_without_socket(self):
        """The reference deployment's 9184 published on all interfaces, DOCKER-USER empty,
        nothing listening on it: reachable from outside, so CRITICAL naming 9184/tcp."""
        listeners = self.dh.nsexec(SS, "-Htln", "sport", "=", ":9184", check=True).stdout
        self.assertEqual(listeners.strip(), "", "a socket still listens on 9184")
        real, (r,) = self.verdict_and_reality(["--allow", ALLOW])
        msg = self.describe("empty, no socket", real, r)
        self.assertTrue(real[(9184, "tcp")][0], "9184 should be reachable from outside\n" + msg)
        self.assertEqual(r.rc, 2, "false OK: 9184/tcp is published and reachable, the check says %s\n%s"
                         % (r.state, msg))
        self.assertTrue(r.first_line.startswith(PREFIX + "CRITICAL - "), msg)
        self.assertIn("9184/tcp", r.text, msg)
        self.assertGreaterEqual(r.perfdata["unexpected"].value, 1, msg)
        self.assertIn("published", r.perfdata, msg)
        self.assertEqual(r.perfdata["published"].value, sum(PUBLISHED.values()), msg)

