# SPDX-License-Identifier: GPL-2.0-or-later
"""Monitoring daemons started by a test: in the foreground, in a temporary folder of their
own, on a free loopback port, stopped by their PID. Never the system's instances.

    with Daemon(["/usr/sbin/nrpe", "-c", cfg, "-f"], port, workdir, "nrpe") as d:
        ...            # d.log() is what it printed, for a failure's message

ManagedDaemon is the base of the wrappers (harness.icinga, nagios, nrpe, zabbix,
zabbix_server): a private folder, the daemons started in order and stopped in reverse,
the folder removed at stop() (also when start() fails), their logs for a failure's message.
"""

import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

__all__ = ["Daemon", "ManagedDaemon", "DaemonError", "log_tail", "free_port", "private_dir", "remove_dir", "chown_tree", "require_program"]


class DaemonError(RuntimeError):
    pass


def free_port(host="127.0.0.1", low=20000, high=32767):
    """A port nobody listens on, between low and high (Zabbix takes no port above 32767)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        port = random.randint(low, high)
        s = socket.socket(family)
        try:
            s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise DaemonError("no free port on %s between %d and %d" % (host, low, high))


def require_program(path, package):
    if not os.access(path, os.X_OK):
        raise DaemonError("%s is missing: install Debian's %s (contrib/install-deps --tests)"
                          % (path, package))
    return path


def private_dir(prefix):
    """A fresh temporary folder (removed by the caller with shutil.rmtree)."""
    return tempfile.mkdtemp(prefix=prefix)


def chown_tree(path, user):
    """Give path and everything under it to user (when running as root, so the daemon
    that drops to that user can use it); a no-op for other users."""
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


def log_tail(paths, limit=6000):
    """The last limit characters of each file, each under a "--- name ---" line; files
    that cannot be read are left out."""
    text = ""
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                text += "--- %s ---\n%s" % (os.path.basename(path), f.read()[-limit:])
        except OSError:
            pass
    return text


class Daemon:
    """Runs argv in the foreground (its own session), logging to workdir/<name>.out; start()
    waits until something listens on 127.0.0.1:port (port None: returns once started);
    stop() sends SIGTERM to the PID, waits stop_timeout seconds, then SIGKILL to its
    process group. logs: more files for log()."""

    def __init__(self, argv, port, workdir, name, env=None, start_timeout=30, stop_timeout=10, logs=()):
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.name = name
        self.env = env
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.logs = list(logs)
        self.proc = None
        self.out_path = os.path.join(workdir, "%s.out" % name)

    def start(self):
        out = open(self.out_path, "wb")
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, cwd=self.workdir, env=self.env,
                                         start_new_session=True)
        finally:
            out.close()
        if self.port is None:
            return self
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DaemonError("%s exited with %s before listening:\n%s"
                                  % (self.name, self.proc.returncode, self.log()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise DaemonError("%s does not listen on 127.0.0.1:%d after %ds:\n%s"
                          % (self.name, self.port, self.start_timeout, self.log()))

    def log(self):
        return log_tail([self.out_path] + self.logs)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # children that outlived it
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class ManagedDaemon:
    """Base of the harness's wrappers of real daemons. The constructor makes the private
    folder (self.dir, from dir_prefix); a subclass writes its configuration there and
    declares its daemons with add_daemon(). start() runs launch() (by default: start each
    daemon in order) and, if that fails, stop()s before raising; stop() stops the daemons
    in reverse order, calls release() (other resources) and removes the folder. log() is
    what the daemons printed and wrote to their log files. A context manager."""

    dir_prefix = "sbtc-daemon-"

    def __init__(self):
        self.dir = private_dir(self.dir_prefix)
        self.daemons = []

    def add_daemon(self, argv, port, name, workdir=None, **kw):
        d = Daemon(argv, port, workdir or self.dir, name, **kw)
        self.daemons.append(d)
        return d

    def launch(self):
        for d in self.daemons:
            d.start()

    def release(self):
        pass

    def start(self):
        try:
            self.launch()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        try:
            for d in reversed(self.daemons):
                try:
                    d.stop()
                except (OSError, subprocess.SubprocessError):
                    pass
            self.release()
        finally:
            remove_dir(self.dir)

    def log(self):
        return "".join(d.log() for d in self.daemons)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def remove_dir(path):
    shutil.rmtree(path, ignore_errors=True)
