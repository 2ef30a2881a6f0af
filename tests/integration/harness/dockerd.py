# SPDX-License-Identifier: GPL-2.0-or-later
"""A Docker daemon of the tests' own: Debian's docker.io, run as root in a network namespace
of its own (so its bridges, NAT rules and DOCKER-USER chain never touch the host's), with
its own --data-root, --exec-root and socket in a temporary folder, stopped by its PID.

    with DockerHost("proxy-on", userland_proxy=True) as dh:
        dh.import_busybox()                       # image "sbtc-test/busybox"
        dh.docker("run", "-d", "-p", "9184:9184", dh.BUSYBOX, "nc", "-ll", "-p", "9184", "-e", "/bin/cat")
        dh.nsexec("/usr/sbin/iptables-save")      # what that Docker wrote
        outside = dh.outside()                    # a second namespace, linked by a veth pair:
        outside.run("nc", "-z", dh.address, "9184")   # the host as the internet sees it

No image registry is reachable: the image is made with `docker import` from a folder that
holds Debian's busybox-static. dockerd is started with nsenter --net only (not `ip netns
exec`, whose private /sys hides the cgroup file systems dockerd needs).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

from .daemon import DaemonError, require_program

__all__ = ["DockerHost", "Outside", "docker_unavailable", "DOCKER", "DOCKERD"]

DOCKERD = "/usr/sbin/dockerd"
DOCKER = "/usr/bin/docker"  # Debian's client, not whatever /usr/local/bin holds
BUSYBOX = "/bin/busybox"    # busybox-static: no libraries to copy into the image
IP = "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "/sbin/ip"
NSENTER = "/usr/bin/nsenter"

_counter = 0


def _name(prefix):
    global _counter
    _counter += 1
    return "%s%d-%d" % (prefix, os.getpid() % 100000, _counter)


def _run(argv, check=True, timeout=120, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise DaemonError("%s exited %d: %s%s" % (" ".join(argv), p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def docker_unavailable():
    """Why no Docker host can be made here, or None."""
    if os.geteuid() != 0:
        return "needs root (dockerd, network namespaces)"
    for path, pkg in ((DOCKERD, "docker.io"), (DOCKER, "docker.io"), (BUSYBOX, "busybox-static"), (NSENTER, "util-linux")):
        if not os.access(path, os.X_OK):
            return "%s is missing: install Debian's %s (contrib/install-deps --tests)" % (path, pkg)
    return None


class Outside:
    """A network namespace linked to the Docker host's by a veth pair: where a probe stands to
    see the host as any other machine would (its packets arrive on the host's interface
    `ifname`, pass nat PREROUTING, and are forwarded or delivered like the internet's)."""

    def __init__(self, host_ns, subnet_octet):
        self.ns = _name("sbtco")
        self.host_if = "sbh%d" % subnet_octet
        self.ifname = self.host_if  # the host side's interface, as the host's rules name it
        self.host_address = "10.213.%d.1" % subnet_octet
        self.address = "10.213.%d.2" % subnet_octet
        there = "sbo%d" % subnet_octet
        _run([IP, "netns", "add", self.ns])
        try:
            _run([IP, "netns", "exec", self.ns, IP, "link", "set", "lo", "up"])
            _run([IP, "link", "add", self.host_if, "netns", host_ns, "type", "veth", "peer", "name", there, "netns", self.ns])
            _run([IP, "-n", host_ns, "addr", "add", self.host_address + "/24", "dev", self.host_if])
            _run([IP, "-n", host_ns, "link", "set", self.host_if, "up"])
            _run([IP, "-n", self.ns, "addr", "add", self.address + "/24", "dev", there])
            _run([IP, "-n", self.ns, "link", "set", there, "up"])
        except Exception:
            self.close()
            raise

    def run(self, *argv, timeout=60, input=None):
        """argv run inside this namespace; the CompletedProcess (never raises on exit status)."""
        return subprocess.run([IP, "netns", "exec", self.ns] + list(argv), capture_output=True, text=True,
                              timeout=timeout, input=input)

    def close(self):
        subprocess.run([IP, "netns", "del", self.ns], capture_output=True)


class DockerHost:
    """dockerd in a namespace of its own. start() returns when the API answers."""

    BUSYBOX = "sbtc-test/busybox"

    def __init__(self, label="docker", userland_proxy=True, extra_args=()):
        self.label = label
        self.userland_proxy = userland_proxy
        self.extra_args = list(extra_args)
        self.ns = _name("sbtcd")
        self.dir = None
        self.proc = None
        self.outsides = []

    @property
    def socket(self):
        return os.path.join(self.dir, "docker.sock")

    def start(self, timeout=60):
        why = docker_unavailable()
        if why:
            raise DaemonError(why)
        self.dir = tempfile.mkdtemp(prefix="sbtc-dockerd-")
        _run([IP, "netns", "add", self.ns])
        _run([IP, "netns", "exec", self.ns, IP, "link", "set", "lo", "up"])
        argv = [NSENTER, "--net=/run/netns/" + self.ns, DOCKERD,
                "--data-root", os.path.join(self.dir, "data"),
                "--exec-root", os.path.join(self.dir, "exec"),
                "--pidfile", os.path.join(self.dir, "docker.pid"),
                "--host", "unix://" + self.socket,
                "--userland-proxy=" + ("true" if self.userland_proxy else "false"),
                "--log-level=warn"] + self.extra_args
        out = open(os.path.join(self.dir, "dockerd.log"), "wb")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        finally:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log()
                self.stop()
                raise DaemonError("dockerd exited with %s:\n%s" % (self.proc.returncode, log))
            if os.path.exists(self.socket) and self.docker("version", check=False, timeout=10).returncode == 0:
                return self
            time.sleep(0.2)
        log = self.log()
        self.stop()
        raise DaemonError("dockerd did not answer within %ds:\n%s" % (timeout, log))

    def log(self):
        try:
            with open(os.path.join(self.dir, "dockerd.log"), errors="replace") as f:
                return f.read()[-6000:]
        except (OSError, TypeError):
            return ""

    def docker(self, *args, check=True, timeout=120, input=None):
        """The docker client against this daemon; the CompletedProcess (text)."""
        env = dict(os.environ, DOCKER_HOST="unix://" + self.socket, DOCKER_CONFIG=os.path.join(self.dir, "client"))
        p = subprocess.run([DOCKER] + list(args), capture_output=True, text=input is None or isinstance(input, str),
                           timeout=timeout, input=input, env=env)
        if check and p.returncode != 0:
            raise DaemonError("docker %s exited %d: %s %s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def env(self):
        """Environment for other clients of this daemon (docker-compose)."""
        return dict(os.environ, DOCKER_HOST="unix://" + self.socket, DOCKER_CONFIG=os.path.join(self.dir, "client"))

    def nsexec(self, *argv, timeout=60, check=False, input=None):
        """argv run in the Docker host's network namespace (its firewall, its sockets)."""
        p = subprocess.run([NSENTER, "--net=/run/netns/" + self.ns] + list(argv), capture_output=True, text=True,
                           timeout=timeout, input=input)
        if check and p.returncode != 0:
            raise DaemonError("%s exited %d: %s %s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
        return p

    def import_busybox(self, tag=None):
        """An image holding only busybox-static (and its applets as links), made by docker import."""
        tag = tag or self.BUSYBOX
        root = os.path.join(self.dir, "busybox-root")
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(root, "usr"), exist_ok=True)
        for d in ("lib", "lib64"):  # merged /usr, as Debian's: the host's /usr can be mounted
            if not os.path.lexists(os.path.join(root, d)):
                os.symlink("usr/" + d, os.path.join(root, d))
        shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
        for applet in ("sh", "nc", "cat", "sleep", "ls", "echo", "true"):
            link = os.path.join(root, "bin", applet)
            if not os.path.lexists(link):
                os.symlink("busybox", link)
        tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True, check=True).stdout
        self.docker("import", "-", tag, input=tar)
        return tag

    # Arguments of `docker run` that mount the host's /usr read-only into a busybox
    # container, so that it can run the host's programs (python3 for a UDP echo,
    # ngtcp2's gtlsserver for a real QUIC endpoint). busybox's own nc only does TCP
    # (`nc -ll -p PORT -e /bin/cat`: a persistent echo server).
    HOST_USR = ("-v", "/usr:/usr:ro")

    def outside(self):
        """A new namespace linked to this host (closed with the host)."""
        o = Outside(self.ns, 10 + len(self.outsides))
        self.outsides.append(o)
        return o

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            # Containers go first: a shell as PID 1 ignores SIGTERM, and dockerd would wait
            # ten seconds for each.
            ids = self.docker("ps", "-aq", check=False, timeout=30).stdout.split()
            if ids:
                self.docker("rm", "-f", *ids, check=False, timeout=60)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # containerd and shims it started
            except OSError:
                pass
            if self.proc.poll() is None:
                self.proc.wait(5)
        for o in self.outsides:
            o.close()
        self.outsides = []
        subprocess.run([IP, "netns", "del", self.ns], capture_output=True)
        if self.dir:
            # Whatever dockerd left mounted under its roots, then the folder.
            mounts = []
            with open("/proc/self/mounts") as f:
                for line in f:
                    target = line.split()[1]
                    if target.startswith(self.dir + "/"):
                        mounts.append(target)
            for target in sorted(mounts, key=len, reverse=True):
                subprocess.run(["umount", "-l", target], capture_output=True)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
