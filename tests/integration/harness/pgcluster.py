# SPDX-License-Identifier: GPL-2.0-or-later
"""A throwaway PostgreSQL cluster for the integration tests.

    with PgCluster() as pg:
        db = pg.create_database("backup_ok", schema="0022")
        print(pg.psql("SELECT count(*) FROM sbtc_signer.dkg_shares", dbname=db))
        print(pg.conninfo(user="sbtc_monitor", password="s3cret", dbname=db))

The cluster lives in a tempfile.mkdtemp() folder (data directory, Unix socket
directory and server log) -- under /dev/shm when it is a tmpfs with at least
1 GiB free, else the usual temporary folder; $SBTC_PG_TMPDIR overrides --,
listens on 127.0.0.1 only, on a port found free by binding port 0, and is
removed by stop(). Local socket connections are trusted;
TCP connections use scram-sha-256, so a wrong password really fails.

PostgreSQL refuses to run as root: when the effective uid is 0 the server
programs (initdb, pg_ctl, postgres) run as the Debian `postgres` user and the
temporary folder is handed to that user. The psql client runs as the caller.
"""

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse

__all__ = [
    "PgCluster",
    "PgClusterError",
    "PsqlError",
    "PsqlResult",
    "find_server_bindir",
    "quote_conninfo_value",
    "HARNESS_DIR",
    "REPO_ROOT",
    "SCHEMA_FILES",
]

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HARNESS_DIR, "..", "..", ".."))
SQL_DIR = os.path.join(REPO_ROOT, "tests", "fixtures", "sql")

# Named schemas accepted by create_database(); a path to any .sql file works too.
SCHEMA_FILES = {
    "0022": os.path.join(SQL_DIR, "schema-0022.sql"),
    "pre0012": os.path.join(SQL_DIR, "schema-pre0012.sql"),
}

_SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_PACKAGE_HINT = (
    "install the Debian package 'postgresql' (apt-get install postgresql), "
    "or set SBTC_PG_BINDIR to the folder holding initdb, pg_ctl and postgres"
)


class PgClusterError(RuntimeError):
    """The cluster could not be found, created, started or stopped."""


class PsqlError(PgClusterError):
    """psql exited with an error; .returncode, .stderr and .sql tell what happened."""

    def __init__(self, returncode, stderr, sql, argv):
        self.returncode = returncode
        self.stderr = stderr
        self.sql = sql
        self.argv = argv
        shown = sql if len(sql) <= 400 else sql[:400] + "..."
        super().__init__(
            "psql failed with exit status %s: %s\n-- SQL:\n%s"
            % (returncode, stderr.strip() or "(no message)", shown)
        )


class PsqlResult:
    """Outcome of PgCluster.try_psql(): returncode, stdout, stderr, ok."""

    __slots__ = ("returncode", "stdout", "stderr", "argv")

    def __init__(self, returncode, stdout, stderr, argv=None):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.argv = argv

    @property
    def ok(self):
        return self.returncode == 0

    def __repr__(self):
        return "PsqlResult(returncode=%r, stdout=%r, stderr=%r)" % (
            self.returncode, self.stdout, self.stderr)


def _has_programs(bindir, names=_SERVER_PROGRAMS):
    return bool(bindir) and all(
        os.path.isfile(os.path.join(bindir, n)) and os.access(os.path.join(bindir, n), os.X_OK)
        for n in names
    )


def _version_key(name):
    return [int(p) if p.isdigit() else -1 for p in re.split(r"[.]", name)]


def find_server_bindir():
    """Return the folder holding initdb, pg_ctl and postgres.

    Order: $SBTC_PG_BINDIR, the highest /usr/lib/postgresql/<N>/bin,
    `pg_config --bindir`, then the folder of `initdb` found on PATH.
    """
    env_dir = os.environ.get("SBTC_PG_BINDIR")
    if env_dir:
        if _has_programs(env_dir):
            return env_dir
        raise PgClusterError(
            "SBTC_PG_BINDIR=%s does not hold initdb, pg_ctl and postgres" % env_dir)

    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        versions = sorted(
            (v for v in os.listdir(base) if re.fullmatch(r"\d+(\.\d+)?", v)),
            key=_version_key, reverse=True)
        for v in versions:
            candidate = os.path.join(base, v, "bin")
            if _has_programs(candidate):
                return candidate

    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if _has_programs(out):
            return out

    initdb = shutil.which("initdb")
    if initdb and _has_programs(os.path.dirname(initdb)):
        return os.path.dirname(initdb)

    raise PgClusterError(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in "
        "/usr/lib/postgresql/<N>/bin, `pg_config --bindir` or PATH; " + _PACKAGE_HINT)


def _find_psql(bindir):
    candidate = os.path.join(bindir, "psql")
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("psql")
    if found:
        return found
    raise PgClusterError(
        "psql not found; install the Debian package 'postgresql-client' (or 'postgresql')")


def quote_conninfo_value(value):
    """Quote one value for a libpq keyword/value connection string.

    libpq rules: a value in single quotes may contain anything; a single quote
    or a backslash inside it is written with a backslash before it.
    """
    text = str(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _traversable_by_others(path):
    """True when every folder from / down to path has the x bit for others."""
    path = os.path.abspath(path)
    parts = []
    while True:
        parts.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    try:
        return all(os.stat(p).st_mode & 0o001 for p in parts)
    except OSError:
        return False


# Run by the watchdog process (python -c): argv = base_dir data_dir pg_ctl uid gid.
_WATCHDOG = r"""
import os, shutil, subprocess, sys
base, data, pg_ctl, uid, gid = sys.argv[1:6]
try:
    sys.stdin.buffer.read()
except BaseException:
    pass
if os.path.exists(os.path.join(data, "postmaster.pid")):
    kw = {}
    if int(uid) >= 0:
        kw = dict(user=int(uid), group=int(gid), extra_groups=[])
    try:
        subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop"],
                       cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60, **kw)
    except BaseException:
        pass
shutil.rmtree(base, ignore_errors=True)
"""


def _fast_tmp(min_free=1 << 30):
    """/dev/shm when it is a usable tmpfs with room to spare: on tmpfs, initdb and
    CREATE DATABASE are several times faster than on a disk file system, even
    with fsync off. None otherwise (the usual temporary folder)."""
    path = "/dev/shm"
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    if not os.access(path, os.W_OK | os.X_OK):
        return None
    if st.f_bavail * st.f_frsize < min_free:
        return None
    return path


def _clean_env(extra=None):
    """The caller's environment without libpq variables (PG*), plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    if extra:
        env.update(extra)
    return env


class PgCluster:
    """A PostgreSQL cluster in a temporary folder, for tests only.

    Attributes after start(): host ('127.0.0.1'), port, superuser ('postgres'),
    password (the superuser's, random), base_dir, data_dir, socket_dir,
    log_file, bindir, pid (the postmaster's).
    """

    def __init__(self, superuser="postgres", password=None, bindir=None, base_dir=None,
                 settings=None, start_timeout=30, spares=2):
        self.host = "127.0.0.1"
        self.port = None
        self.superuser = superuser
        self.password = password or secrets.token_urlsafe(18)
        self.bindir = bindir
        self.psql_path = None
        self._requested_base = base_dir
        self.base_dir = None
        self.data_dir = None
        self.socket_dir = None
        self.log_file = None
        self.pid = None
        self.settings = dict(settings or {})
        self.start_timeout = start_timeout
        self._run_as = None  # (uid, gid, user name) when the server runs as another user
        self._lock = threading.RLock()
        self._templates = {}
        self._started = False
        self._atexit_registered = False
        # Spare databases: copying a template takes a few hundred milliseconds, so a
        # background thread keeps `spares` copies of each template ready and
        # create_database() renames one (a catalog update) when it can.
        self.spares = max(0, int(spares))
        self._spare_cv = threading.Condition()
        self._spare_dbs = {}      # template name -> [spare database names]
        self._spare_thread = None
        self._spare_stop = False
        self._spare_counter = 0

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        """Create the cluster and wait until it accepts connections. Returns self."""
        with self._lock:
            if self._started:
                return self
            with self._spare_cv:
                self._spare_stop = False
            try:
                self._prepare()
                self._start_watchdog()
                self._initdb()
                self._configure()
                self._start_server()
            except BaseException:
                self.stop()
                raise
            self._started = True
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True
            return self

    @property
    def running(self):
        return self._started

    def stop(self):
        """Stop the server (fast, then immediate, then SIGKILL of our postmaster)
        and remove the temporary folder. Safe to call more than once."""
        self._stop_spares()
        with self._lock:
            if self.data_dir and os.path.isfile(os.path.join(self.data_dir, "postmaster.pid")):
                pg_ctl = os.path.join(self.bindir, "pg_ctl")
                for mode in ("fast", "immediate"):
                    try:
                        r = self._server_run([pg_ctl, "-D", self.data_dir, "-m", mode,
                                              "-w", "-t", "15", "stop"], timeout=30)
                    except (OSError, subprocess.SubprocessError):
                        continue
                    if r.returncode == 0:
                        break
                if self.pid and self._pid_alive(self.pid):
                    try:
                        os.kill(self.pid, signal.SIGKILL)
                    except OSError:
                        pass
            self.pid = None
            self._started = False
            self._templates.clear()
            if self.base_dir and os.path.isdir(self.base_dir):
                shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
            self.data_dir = None
            self._stop_watchdog()

    def _start_watchdog(self):
        """A small process that outlives us only to clean up: it waits for EOF on
        a pipe whose write end only this process holds. If we die without
        stop() (SIGKILL, a crash), it stops the server (pg_ctl -m immediate on
        our data directory) and removes the temporary folder."""
        read_end, write_end = os.pipe()
        uid, gid = (self._run_as[0], self._run_as[1]) if self._run_as else (-1, -1)
        try:
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, self.base_dir, self.data_dir,
                 os.path.join(self.bindir, "pg_ctl"), str(uid), str(gid)],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd="/", start_new_session=True)
        except OSError:
            os.close(write_end)
            self._watchdog = None
            return
        finally:
            os.close(read_end)
        self._watchdog_fd = write_end

    def _stop_watchdog(self):
        fd, self._watchdog_fd = getattr(self, "_watchdog_fd", None), None
        if fd is not None:
            os.close(fd)
        proc, self._watchdog = getattr(self, "_watchdog", None), None
        if proc is not None:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    @staticmethod
    def _pid_alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _prepare(self):
        if self.bindir is None:
            self.bindir = find_server_bindir()
        elif not _has_programs(self.bindir):
            raise PgClusterError("%s does not hold initdb, pg_ctl and postgres; %s"
                                 % (self.bindir, _PACKAGE_HINT))
        self.psql_path = _find_psql(self.bindir)

        parent = self._requested_base or os.environ.get("SBTC_PG_TMPDIR") or _fast_tmp()
        if os.geteuid() == 0:
            import pwd
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgClusterError(
                    "running as root, but there is no 'postgres' user to run the server as "
                    "(PostgreSQL refuses to run as root); " + _PACKAGE_HINT) from None
            self._run_as = (pw.pw_uid, pw.pw_gid, "postgres")
            if not _traversable_by_others(parent or tempfile.gettempdir()):
                parent = "/tmp"
        self.base_dir = tempfile.mkdtemp(prefix="sbtc-pg-", dir=parent)
        os.chmod(self.base_dir, 0o700)
        self.data_dir = os.path.join(self.base_dir, "data")
        self.socket_dir = os.path.join(self.base_dir, "sock")
        self.log_file = os.path.join(self.base_dir, "postgresql.log")
        os.mkdir(self.socket_dir, 0o700)
        if self._run_as:
            uid, gid, _ = self._run_as
            os.chown(self.base_dir, uid, gid)
            os.chown(self.socket_dir, uid, gid)

    def _server_run(self, argv, timeout=60, input=None):
        """Run a server program, as the postgres user when we are root."""
        kwargs = {}
        if self._run_as:
            uid, gid, _ = self._run_as
            kwargs.update(user=uid, group=gid, extra_groups=[])
        env = _clean_env({"TZ": "UTC"})
        if self._run_as:
            env["HOME"] = self.base_dir
            env["USER"] = env["LOGNAME"] = self._run_as[2]
        return subprocess.run(argv, cwd=self.base_dir, env=env, capture_output=True, text=True,
                              timeout=timeout, input=input, check=False, **kwargs)

    def _initdb(self):
        pwfile = os.path.join(self.base_dir, "pwfile")
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password + "\n")
        if self._run_as:
            os.chown(pwfile, self._run_as[0], self._run_as[1])
        try:
            r = self._server_run([
                os.path.join(self.bindir, "initdb"), "-D", self.data_dir,
                "-U", self.superuser, "--pwfile", pwfile,
                "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ], timeout=120)
        finally:
            os.unlink(pwfile)
        if r.returncode != 0:
            raise PgClusterError("initdb failed (%s):\n%s%s" % (r.returncode, r.stdout, r.stderr))

    def _configure(self):
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "'%s'" % self.socket_dir.replace("'", "''"),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "wal_level": "minimal",
            "max_wal_senders": "0",
            "shared_buffers": "32MB",
            "max_connections": "60",
            "password_encryption": "'scram-sha-256'",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "logging_collector": "off",
            "log_connections": "on",
            "log_line_prefix": "'%m [%p] %q%u@%d app=%a '",
        }
        for key, value in self.settings.items():
            settings[key] = value
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
            f.write("\n# test cluster settings\n")
            for key, value in settings.items():
                f.write("%s = %s\n" % (key, value))

    def _start_server(self):
        pg_ctl = os.path.join(self.bindir, "pg_ctl")
        last_log = ""
        for _attempt in range(5):
            self.port = _free_port(self.host)
            with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as f:
                f.write("port = %d\n" % self.port)
            try:
                r = self._server_run([pg_ctl, "-D", self.data_dir, "-l", self.log_file, "-w",
                                      "-t", str(int(self.start_timeout)), "start"],
                                     timeout=self.start_timeout + 15)
            except subprocess.TimeoutExpired:
                r = None
            if r is not None and r.returncode == 0:
                self.pid = self._read_postmaster_pid()
                return
            last_log = self.read_log()
            if "could not bind" in last_log or "already in use" in last_log:
                continue  # someone took the port between our probe and the bind
            break
        detail = (r.stdout + r.stderr) if r is not None else "pg_ctl timed out"
        raise PgClusterError("PostgreSQL did not start:\n%s\n--- server log ---\n%s"
                             % (detail.strip(), last_log[-4000:]))

    def _read_postmaster_pid(self):
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def read_log(self):
        """The server log so far (empty string when there is none)."""
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    # ------------------------------------------------------------------ connection strings

    def _default_password(self, user, password):
        if password is None and (user is None or user == self.superuser):
            return self.password
        return password

    def conninfo(self, user=None, password=None, dbname="postgres", host=None, port=None,
                 **params):
        """A libpq keyword/value string for a TCP connection to this cluster.

        The superuser's password is filled in when user is the superuser (or
        None) and no password is given; password=False leaves it out.
        Extra keywords (connect_timeout=5, application_name=...) are appended.
        """
        user = user or self.superuser
        password = self._default_password(user, password)
        items = [("host", host or self.host), ("port", port or self.port),
                 ("dbname", dbname), ("user", user)]
        if password not in (None, False):
            items.append(("password", password))
        items.extend(params.items())
        return " ".join("%s=%s" % (k, quote_conninfo_value(v)) for k, v in items if v is not None)

    def socket_conninfo(self, user=None, dbname="postgres", **params):
        """A keyword/value string for the Unix socket (trusted, no password)."""
        items = [("host", self.socket_dir), ("port", self.port), ("dbname", dbname),
                 ("user", user or self.superuser)]
        items.extend(params.items())
        return " ".join("%s=%s" % (k, quote_conninfo_value(v)) for k, v in items if v is not None)

    def uri(self, user=None, password=None, dbname="postgres", host=None, port=None, **params):
        """A postgresql:// URI for a TCP connection (same defaults as conninfo)."""
        user = user or self.superuser
        password = self._default_password(user, password)
        q = lambda s: urllib.parse.quote(str(s), safe="")
        auth = q(user)
        if password not in (None, False):
            auth += ":" + q(password)
        h = host or self.host
        if ":" in h:
            h = "[%s]" % h
        text = "postgresql://%s@%s:%s/%s" % (auth, h, port or self.port, q(dbname))
        if params:
            text += "?" + urllib.parse.urlencode(params)
        return text

    # ------------------------------------------------------------------ psql

    def _psql_argv_env(self, dbname, user, password, variables, tcp):
        if not self._started:
            raise PgClusterError("the cluster is not running")
        env = _clean_env({"PGCONNECT_TIMEOUT": "10"})
        if tcp or password is not None:
            target = self.conninfo(user=user, password=False, dbname=dbname)
            pw = self._default_password(user or self.superuser, password)
            if pw is not None:
                env["PGPASSWORD"] = str(pw)
        else:
            target = self.socket_conninfo(user=user, dbname=dbname)
        argv = [self.psql_path, "-X", "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t",
                "-d", target]
        for key, value in (variables or {}).items():
            argv += ["-v", "%s=%s" % (key, value)]
        return argv, env

    def try_psql(self, sql=None, dbname="postgres", user=None, password=None, variables=None,
                 tcp=False, file=None, timeout=60):
        """Run SQL (from stdin) or a file with psql; never raises for SQL errors.

        Without password (and tcp=False) psql uses the trusted Unix socket; with a
        password it connects over TCP to 127.0.0.1 with PGPASSWORD. Variables are
        psql variables (-v), usable as :'name' and :"name" in the SQL.
        """
        argv, env = self._psql_argv_env(dbname, user, password, variables, tcp)
        if file is not None:
            argv += ["-f", file]
            stdin_text = ""
        else:
            argv += ["-f", "-"]
            stdin_text = sql or ""
        try:
            r = subprocess.run(argv, input=stdin_text, capture_output=True, text=True, env=env,
                               timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            return PsqlResult(None, out, "psql timed out after %ss" % timeout, argv)
        return PsqlResult(r.returncode, r.stdout, r.stderr, argv)

    def psql(self, sql=None, dbname="postgres", user=None, password=None, variables=None,
             tcp=False, file=None, timeout=60):
        """Run SQL with psql -X -v ON_ERROR_STOP=1 -q -A -t and return its stdout.

        Raises PsqlError (with psql's stderr) when psql fails.
        """
        r = self.try_psql(sql, dbname=dbname, user=user, password=password, variables=variables,
                          tcp=tcp, file=file, timeout=timeout)
        if r.returncode != 0:
            raise PsqlError(r.returncode, r.stderr, sql if file is None else "\\i " + file, r.argv)
        return r.stdout

    def query_value(self, sql, dbname="postgres", **kw):
        """The first line of psql's output, stripped (one value of one row)."""
        out = self.psql(sql, dbname=dbname, **kw)
        lines = out.splitlines()
        return lines[0].strip() if lines else ""

    def query_rows(self, sql, dbname="postgres", **kw):
        """Rows as lists of strings (psql unaligned output split on '|')."""
        out = self.psql(sql, dbname=dbname, **kw)
        return [line.split("|") for line in out.splitlines() if line != ""]

    # ------------------------------------------------------------------ objects

    def _template_for(self, schema):
        path = SCHEMA_FILES.get(schema, schema)
        if not os.path.isfile(path):
            raise PgClusterError("unknown schema %r (use %s or a path to an .sql file)"
                                 % (schema, ", ".join(sorted(SCHEMA_FILES))))
        path = os.path.abspath(path)
        tpl = self._templates.get(path)
        if tpl:
            return tpl
        tpl = "sbtc_tpl_%d" % (len(self._templates) + 1)
        self.psql('CREATE DATABASE :"name";', variables={"name": tpl})
        self.psql(dbname=tpl, file=path)
        self.psql('ALTER DATABASE :"name" WITH IS_TEMPLATE true;', variables={"name": tpl})
        self._templates[path] = tpl
        return tpl

    def create_database(self, name, schema="0022", owner=None):
        """Create database name; schema '0022', 'pre0012', a path to an .sql file,
        or None for an empty database. The schema is loaded once into a template
        database; each database is a copy of it, usually prepared in advance by a
        background thread and only renamed here. Returns name."""
        with self._lock:
            tpl = self._template_for(schema) if schema is not None else None
        spare = self._take_spare(tpl) if tpl else None
        if spare is not None:
            self.psql('ALTER DATABASE :"spare" RENAME TO :"name";',
                      variables={"spare": spare, "name": name})
            if owner is not None:
                self.psql('ALTER DATABASE :"name" OWNER TO :"owner";',
                          variables={"name": name, "owner": owner})
            return name
        variables = {"name": name}
        sql = 'CREATE DATABASE :"name"'
        if tpl is not None:
            variables["tpl"] = tpl
            sql += ' TEMPLATE :"tpl"'
        if owner is not None:
            variables["owner"] = owner
            sql += ' OWNER :"owner"'
        self.psql(sql + ";", variables=variables)
        return name

    def _take_spare(self, tpl):
        with self._spare_cv:
            if self.spares <= 0 or self._spare_stop:
                return None
            self._spare_dbs.setdefault(tpl, [])
            pool = self._spare_dbs[tpl]
            spare = pool.pop(0) if pool else None
            if self._spare_thread is None:
                self._spare_thread = threading.Thread(target=self._spare_worker,
                                                      name="pg-spares", daemon=True)
                self._spare_thread.start()
            self._spare_cv.notify_all()
            return spare

    def _spare_worker(self):
        while True:
            with self._spare_cv:
                while not self._spare_stop and all(
                        len(pool) >= self.spares for pool in self._spare_dbs.values()):
                    self._spare_cv.wait()
                if self._spare_stop:
                    return
                tpl = min(self._spare_dbs, key=lambda t: len(self._spare_dbs[t]))
                self._spare_counter += 1
                spare = "sbtc_spare_%d" % self._spare_counter
            r = self.try_psql('CREATE DATABASE :"spare" TEMPLATE :"tpl";',
                              variables={"spare": spare, "tpl": tpl})
            with self._spare_cv:
                if r.returncode != 0 or self._spare_stop:
                    # give up on spares (create_database() still works without them)
                    self._spare_stop = self._spare_stop or r.returncode != 0
                    return
                self._spare_dbs[tpl].append(spare)
                self._spare_cv.notify_all()

    def _stop_spares(self):
        with self._spare_cv:
            self._spare_stop = True
            self._spare_cv.notify_all()
            thread = self._spare_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(60)
        with self._spare_cv:
            self._spare_thread = None
            self._spare_dbs.clear()

    def drop_database(self, name):
        with self._lock:
            self.psql('DROP DATABASE IF EXISTS :"name" WITH (FORCE);', variables={"name": name})

    def create_role(self, name, password=None, login=True, superuser=False, options=""):
        """Create (or alter, when it exists) a role; options is extra role
        attribute text such as 'CONNECTION LIMIT 3'. Returns name."""
        attrs = ["LOGIN" if login else "NOLOGIN", "SUPERUSER" if superuser else "NOSUPERUSER"]
        if options:
            attrs.append(options)
        variables = {"name": name}
        pw_clause = ""
        if password is not None:
            variables["pw"] = password
            pw_clause = " PASSWORD :'pw'"
        sql = (
            "SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') AS missing \\gset\n"
            "\\if :missing\n"
            'CREATE ROLE :"name" %s%s;\n'
            "\\else\n"
            'ALTER ROLE :"name" %s%s;\n'
            "\\endif\n"
        ) % (" ".join(attrs), pw_clause, " ".join(attrs), pw_clause)
        self.psql(sql, variables=variables)
        return name

    def apply_sql_file(self, path, dbname, variables=None):
        """Run an SQL file (e.g. contrib/sql/monitoring-role.sql) in dbname."""
        return self.psql(dbname=dbname, file=path, variables=variables)

    def __repr__(self):
        state = "running on %s:%s" % (self.host, self.port) if self._started else "stopped"
        return "<PgCluster %s %s>" % (state, self.base_dir or "")
