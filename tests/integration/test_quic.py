# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_ports' QUIC probe (--udp-quic) against real UDP endpoints: Debian's
ngtcp2 example server (/usr/sbin/gtlsserver, package ngtcp2-server, a real QUIC
endpoint) on 127.0.0.1 and ::1, a closed UDP port, a UDP echo and a silent UDP
socket (services that are not QUIC), and a host in a network namespace whose nftables
rules drop or reject UDP 4122 in front of a QUIC server.

Each verdict is compared with what an independent probe written here (in Python,
from RFC 9000 sections 15 and 17.2.1) gets from the same endpoint. Every process a test
starts is stopped by its PID; namespaces are deleted when their class ends.

Each test asserts the exit code, the first line and the perfdata.
"""

import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from test_ports import NETNS_WHY, NFT, NetnsHost, PortsCase, run_in

GTLSSERVER = "/usr/sbin/gtlsserver"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def free_udp_port(host="127.0.0.1"):
    """A UDP port on host nobody holds (bound once, then released)."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def quic_answers(host, port, timeout=1.0):
    """Reality, found without the plugin: sends a client Initial of the reserved
    version 0x0a1a2a3a (RFC 9000, section 15) and says whether a Version Negotiation
    packet for our connection IDs came back (section 17.2.1)."""
    dcid, scid = os.urandom(8), os.urandom(8)
    head = b"\xc0" + struct.pack(">I", 0x0a1a2a3a) + bytes([8]) + dcid + bytes([8]) + scid + b"\x00"
    rest = 1200 - len(head) - 2
    pkt = head + struct.pack(">H", 0x4000 | rest)
    pkt += b"\x00" * (1200 - len(pkt))
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect((host, port))
        end = time.monotonic() + timeout
        s.send(pkt)
        while time.monotonic() < end:
            r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
            if not r:
                break
            try:
                data = s.recv(65536)
            except OSError:
                return False
            if (len(data) > 23 and data[0] & 0x80 and data[1:5] == b"\0\0\0\0"
                    and data[5] == 8 and data[6:14] == scid and data[14] == 8 and data[15:23] == dcid):
                return True
        return False
    finally:
        s.close()


class Certificate:
    """A throwaway key and self-signed certificate for the QUIC server."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-quic-")
        self.key = os.path.join(self.dir, "key.pem")
        self.cert = os.path.join(self.dir, "cert.pem")
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "1", "-subj", "/CN=localhost"],
                       check=True, capture_output=True, timeout=60)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class QuicServer:
    """ngtcp2's gtlsserver on addr:port (in namespace ns when given), stopped by PID."""

    def __init__(self, cert, addr, port, ns=None):
        argv = [GTLSSERVER, "-q", addr, str(port), cert.key, cert.cert]
        if ns is not None:
            argv = ["/usr/sbin/ip", "netns", "exec", ns] + argv
        # it serves files from its working directory: an empty one
        self.proc = subprocess.Popen(argv, cwd=cert.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.addr, self.port, self.ns = addr, port, ns

    def wait_ready(self, probe_host=None):
        """Until the server answers the independent probe (at most 10 s)."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("gtlsserver ended: %s" % self.proc.stderr.read().decode(errors="replace"))
            if probe_host is None or quic_answers(probe_host, self.port, 0.3):
                return self
        raise RuntimeError("gtlsserver on %s:%d does not answer" % (self.addr, self.port))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stderr.close()


class UdpService:
    """A UDP socket on loopback that echoes what it gets (echo=True) or never reads
    (echo=False): services that are not QUIC. A child process, stopped by PID."""

    CODE = r"""
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
print(s.getsockname()[1], flush=True)
if sys.argv[2] == "echo":
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)
sys.stdin.read()
"""

    def __init__(self, echo, host="127.0.0.1"):
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE, host, "echo" if echo else "silent"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdin.close()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@unittest.skipUnless(os.access(GTLSSERVER, os.X_OK), "%s is missing (Debian's ngtcp2-server)" % GTLSSERVER)
class Loopback(PortsCase):
    """The probe against endpoints on 127.0.0.1 and ::1."""

    @classmethod
    def setUpClass(cls):
        cls.cert = Certificate()

    @classmethod
    def tearDownClass(cls):
        cls.cert.close()

    def quic(self, host):
        # a port released by free_udp_port may be taken again before the server binds
        # it (any UDP socket of this machine may get it as its ephemeral port): another
        for attempt in range(5):
            port = free_udp_port(host)
            srv = QuicServer(self.cert, host, port)
            try:
                srv.wait_ready(host)
            except RuntimeError:
                srv.stop()
                if attempt == 4:
                    raise
                continue
            self.addCleanup(srv.stop)
            return port

    @under_valgrind
    def test_quic_server_answers(self):
        port = self.quic("127.0.0.1")
        self.assertTrue(quic_answers("127.0.0.1", port))
        r = self.check("-H", "127.0.0.1", "-p", str(port), "--allow", str(port), "--require", "none",
                       "--udp-quic", str(port), "--no-drop-check")
        self.assertState(r, 0, "127.0.0.1: no port open; 1 closed, 0 filtered; QUIC answers on %d/udp" % port)
        line = [l for l in r.long_text if "/udp" in l]
        self.assertEqual(len(line), 1, r)
        # ngtcp2 lists a greasing version and QUIC v1
        self.assertIn("[OK] %d/udp (QUIC): answers QUIC (versions 0x" % port, line[0])
        self.assertIn("QUIC v1)", line[0])
        self.assertCounts(r, quic_open=1, open=0)
        self.assertEqual(r.perfdata["quic_open"].max, 1, r)
        # -v shows the numbers of the versions named
        r = self.check("-H", "127.0.0.1", "-p", str(port), "--allow", str(port), "--require", "none",
                       "--udp-quic", str(port), "--no-drop-check", "-v")
        self.assertIn("QUIC v1 0x00000001)", r.stdout, r)

    def test_quic_port_outside_allow_is_critical(self):
        port = self.quic("127.0.0.1")
        r = self.check("-H", "127.0.0.1", "-p", str(port), "--allow", "22", "--require", "none",
                       "--udp-quic", str(port), "--no-drop-check")
        self.assertState(r, 2, "unexpected open UDP port on 127.0.0.1: %d/udp (QUIC): answers QUIC" % port)
        self.assertCounts(r, quic_open=1)

    def test_ipv6_loopback(self):
        port = self.quic("::1")
        self.assertTrue(quic_answers("::1", port))
        r = self.check("-H", "::1", "-p", str(port), "--allow", str(port), "--require", "none",
                       "--udp-quic", str(port), "--no-drop-check")
        self.assertState(r, 0, "::1: no port open; 1 closed, 0 filtered; QUIC answers on %d/udp" % port)
        self.assertCounts(r, quic_open=1)
    @under_valgrind
    def test_closed_udp_port(self):
        # a TCP listener, and the UDP port of the same number closed
        for _ in range(20):
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            port = listener.getsockname()[1]
            try:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.bind(("127.0.0.1", port))
                u.close()
                break
            except OSError:
                listener.close()
        listener.listen(8)
        self.addCleanup(listener.close)
        self.assertFalse(quic_answers("127.0.0.1", port, 0.3))
        # required: a WARNING (the signer still has TCP), "closed" from ICMP port unreachable
        r = self.check("-H", "127.0.0.1", "-p", str(port), "--allow", "none", "--require", str(port),
                       "--udp-quic", str(port), "--no-drop-check")
        self.assertState(r, 1, "%d/udp (QUIC): closed (ICMP port unreachable): peers reach the signer "
                               "over TCP only" % port)
        self.assertCounts(r, open=1, quic_open=0)
        # not required: said, and nothing to warn of
        r = self.check("-H", "127.0.0.1", "-p", str(port), "--allow", str(port), "--require", "none",
                       "--udp-quic", str(port), "--no-drop-check")
        self.assertState(r, 0)
        self.assertIn("[OK] %d/udp (QUIC): closed (ICMP port unreachable)" % port, r.stdout, r)

    def test_udp_echo_is_not_quic(self):
        with UdpService(echo=True) as svc:
            self.assertFalse(quic_answers("127.0.0.1", svc.port, 0.3))
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", str(svc.port), "--require", "none",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "0.5")
            self.assertNotIn("answers QUIC", r.stdout, r)
            self.assertState(r, 0)
            self.assertIn("[OK] %d/udp (QUIC): answers, but not QUIC: version 0x1a2a3a4a, not 0: not a "
                          "Version Negotiation packet" % svc.port, r.stdout, r)
            self.assertCounts(r, quic_open=0)
            # outside --allow: a UDP service answers where none may: CRITICAL
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "22", "--require", "none",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "0.5")
            self.assertState(r, 2, "unexpected open UDP port on 127.0.0.1: %d/udp (QUIC): answers, but not QUIC"
                             % svc.port)
            self.assertNotIn("answers QUIC", r.stdout, r)

    def test_silent_udp_service(self):
        with UdpService(echo=False) as svc:
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "22", "--require", "none",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "0.5")
            self.assertState(r, 0)
            self.assertIn("[OK] %d/udp (QUIC): no answer (filtered, or not QUIC) to 3 probes within 0.5s"
                          % svc.port, r.stdout, r)
            self.assertCounts(r, quic_open=0)

    def test_deadline(self):
        with UdpService(echo=False) as svc:
            # the port's time fits in -t: a verdict, in time
            start = time.monotonic()
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "22", "--require", "none", "-t", "2",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "1")
            self.assertLess(time.monotonic() - start, 2.5 * (10 if os.environ.get("SBTC_VALGRIND") == "1" else 1))
            self.assertState(r, 0)
            self.assertIn("no answer (filtered, or not QUIC)", r.stdout, r)
            # it does not: cut short at -t, UNKNOWN as any timeout (or the state -t names)
            start = time.monotonic()
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "22", "--require", "none", "-t", "2",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "10")
            took = time.monotonic() - start
            self.assertState(r, 3, "QUIC probe cut short by the 2 s deadline: 1 of 1 UDP ports undecided")
            self.assertLess(took, 3.5, r)
            r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "22", "--require", "none", "-t", "2:CRITICAL",
                           "--udp-quic", str(svc.port), "--no-drop-check", "--port-timeout", "10")
            self.assertState(r, 2, "QUIC probe cut short by the 2 s deadline")

    def test_options(self):
        # none disables the probe; an empty list is refused as for --require
        r = self.check("-H", "127.0.0.1", "-p", "22", "--require", "4122", "--udp-quic", "none", "--no-drop-check")
        self.assertNotIn("/udp", r.stdout, r)
        self.assertEqual(r.perfdata["quic_open"].max, 0, r)
        for arg, msg in (("--udp-quic=", "invalid --udp-quic '': empty (write 'none'"),
                         ("--udp-quic=70000", "invalid --udp-quic '70000'")):
            r = self.check("-H", "127.0.0.1", arg)
            self.assertEqual(r.rc, 3, r)
            self.assertTrue(r.first_line.startswith("SBTC PORTS UNKNOWN - " + msg), r)
        # a range: one line per port up to 20, then how many more
        base = free_udp_port()
        base = min(base, 65535 - 30)
        r = self.check("-H", "127.0.0.1", "-p", "22", "--allow", "1-65535", "--require", "none",
                       "--udp-quic", "%d-%d" % (base, base + 29), "--no-drop-check", "--port-timeout", "0.3")
        self.assertState(r, 0)
        self.assertEqual(len([l for l in r.long_text if "/udp (QUIC): " in l]), 20, r)
        self.assertIn("[OK] and 10 more UDP ports probed for QUIC", r.stdout, r)
        self.assertEqual(r.perfdata["quic_open"].max, 30, r)
        # by default only a required 4122 is probed
        r = self.check("-H", "127.0.0.1", "-p", "22", "--require", "none", "--no-drop-check")
        self.assertNotIn("/udp", r.stdout, r)


@unittest.skipUnless(os.access(GTLSSERVER, os.X_OK), "%s is missing (Debian's ngtcp2-server)" % GTLSSERVER)
@unittest.skipIf(NETNS_WHY is not None, "network namespaces unavailable: %s" % NETNS_WHY)
class Namespace(PortsCase):
    """The signer's host in a namespace: TCP 4122 and a QUIC server on UDP 4122, behind
    nftables rules that let UDP 4122 through, drop it, or reject it."""

    @classmethod
    def setUpClass(cls):
        cls.cert = Certificate()
        cls.host = NetnsHost()
        try:
            cls.host.listen("tcp:0.0.0.0:4122", "tcp:[::]:4122")
            cls.server = QuicServer(cls.cert, "0.0.0.0", 4122, ns=cls.host.ns).wait_ready(cls.host.addr4)
            cls.server6 = QuicServer(cls.cert, "::", 4122, ns=cls.host.ns)
        except Exception:
            cls.host.close()
            cls.cert.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server6.stop()
        cls.host.close()
        cls.cert.close()

    def firewall(self, udp_rule):
        self.host.firewall("table inet filter {\n chain input {\n  type filter hook input priority 0; "
                           "policy drop;\n  iif lo accept\n  ct state established,related accept\n"
                           "  meta l4proto ipv6-icmp accept\n  tcp dport { 22, 4122 } accept\n  %s\n }\n}\n"
                           % udp_rule)

    def test_guide_host_with_quic_is_ok(self):
        # the default: 4122 is required, so UDP 4122 is probed for QUIC
        self.firewall("udp dport 4122 accept")
        self.assertTrue(quic_answers(self.host.addr4, 4122))
        r = self.check("-H", self.host.addr4, "-p", "4100-4130", "--port-timeout", "0.3")
        self.assertState(r, 0, "%s: only allowed ports open: 4122 (signer P2P); 0 closed, 30 filtered; "
                               "QUIC answers on 4122/udp" % self.host.addr4)
        self.assertIn("[OK] 4122/udp (signer P2P, QUIC): answers QUIC", r.stdout, r)
        self.assertCounts(r, open=1, quic_open=1)

    def test_ipv6_host(self):
        self.server6.wait_ready(self.host.addr6)
        self.firewall("udp dport 4122 accept")
        r = self.check("-H", self.host.addr6, "-p", "4122", "--port-timeout", "0.3")
        self.assertState(r, 0, "QUIC answers on 4122/udp")
        self.assertCounts(r, quic_open=1)

    def test_udp_dropped_is_no_answer(self):
        self.firewall("udp dport 4122 drop")
        self.assertFalse(quic_answers(self.host.addr4, 4122, 0.5))
        r = self.check("-H", self.host.addr4, "-p", "4100-4130", "--port-timeout", "0.5")
        self.assertState(r, 1, "4122/udp (signer P2P, QUIC): no answer (filtered, or not QUIC) to 3 probes "
                               "within 0.5s: peers reach the signer over TCP only")
        self.assertCounts(r, open=1, quic_open=0)

    def test_udp_rejected_is_filtered(self):
        self.firewall("udp dport 4122 reject with icmpx admin-prohibited")
        r = self.check("-H", self.host.addr4, "-p", "4122", "--port-timeout", "0.5")
        self.assertState(r, 1, "4122/udp (signer P2P, QUIC): filtered (ICMP administratively prohibited)")
        r = self.check("-H", self.host.addr6, "-p", "4122", "--port-timeout", "0.5")
        self.assertState(r, 1, "4122/udp (signer P2P, QUIC): filtered (ICMPv6 administratively prohibited)")
        self.assertCounts(r, quic_open=0)

    def test_default_probes_udp_4122(self):
        # run inside the namespace: -H 127.0.0.1 --require 4122 probes UDP 4122 there
        self.firewall("udp dport 4122 accept")
        r = run_in(self.host.ns, ["-H", "127.0.0.1", "--require", "4122", "-p", "4122"])
        self.assertState(r, 0, "127.0.0.1: only allowed ports open: 4122 (signer P2P); 0 closed, 0 filtered; "
                               "QUIC answers on 4122/udp")
        self.assertCounts(r, quic_open=1)
        self.assertEqual(r.perfdata["quic_open"].max, 1, r)
        # --require none: no QUIC probe
        r = run_in(self.host.ns, ["-H", "127.0.0.1", "--require", "none", "-p", "4122"])
        self.assertNotIn("/udp", r.stdout, r)
        self.assertEqual(r.perfdata["quic_open"].max, 0, r)
