# SPDX-License-Identifier: GPL-2.0-or-later
"""The Docker Compose deployment (contrib/compose, contrib/backup's compose mode), for real.

- Debian 12's docker-compose 1.29 merges a compose file shaped like the signer's reference
  deployment (tests/fixtures/compose, after stacks-sbtc/sbtc docker/mainnet/docker-compose.yml)
  with each override of contrib/compose: it validates, the sidecar is on the project's
  network, PostgreSQL is published on 127.0.0.1 only, and no service mounts the Docker socket.
- On a Docker of the test's own (harness/dockerd.py): PostgreSQL in a container (busybox with
  the host's /usr mounted read-only, running Debian's PostgreSQL 15 as the image's postgres
  user), the monitoring role loaded by the overrides' one-shot service, a dump made by
  `sbtc-backup --compose-service postgres`, and check_sbtc_backup --verify-key comparing it
  with the live database through the 127.0.0.1 publishing override: OK. A wrong service
  name fails loudly and leaves no file.
- The sidecar image built from the release tarball with contrib/compose/Dockerfile on a
  Debian 12 base imported from a debootstrap root (harness/compose-root, started in the
  background by tests/run into build/compose/root), started by the monitoring override,
  answers check_nrpe.

Needs root, docker.io, docker-compose, busybox-static and PostgreSQL (contrib/install-deps
--tests). The image build runs in the background while the database tests run.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import yaml

import harness
from harness import signerdb
from harness.daemon import DaemonError
from harness.dockerd import BUSYBOX, DOCKER, DockerHost, docker_unavailable
from harness.nrpe import CHECK_NRPE
from harness.plugin import plugin_dir, plugin_path

TOP = harness.REPO_ROOT
COMPOSE = "/usr/bin/docker-compose"
FIXTURE = os.path.join(TOP, "tests", "fixtures", "compose", "docker-compose.yml")
CONTRIB = os.path.join(TOP, "contrib", "compose")
SCRIPT = os.path.join(TOP, "contrib", "backup", "sbtc-backup")
ROOT = os.environ.get("SBTC_COMPOSE_ROOT", os.path.join(TOP, "build", "compose", "root"))
ROOT_WAIT = 900          # seconds for a debootstrap started by tests/run to end
PROJECT = "sbtcc"
PG_PASSWORD = "compose-superuser-pw"
MONITOR_PASSWORD = "compose-monitor-pw"
PG_IMAGE = "sbtc-test/postgres"
BASE_IMAGE = "sbtc-test/debian12"
SIDECAR_IMAGE = "sbtc-monitoring:latest"   # the image the monitoring override names
PG_UID = 999
DUMP_NAME = r"^signer-\d{4}-\d\d-\d\dT\d{6}Z\.dump$"


def ports_of(service):
    """(host_ip, published, target) of each port of a service in docker-compose config's output
    (1.29 writes "127.0.0.1:5432:5432/tcp" strings, or mappings for ports on every address)."""
    out = []
    for p in service.get("ports", []):
        if isinstance(p, dict):
            out.append((p.get("host_ip", ""), int(p["published"]), int(p["target"])))
        else:
            spec = str(p).split("/")[0].split(":")
            host_ip = spec[0] if len(spec) == 3 else ""
            out.append((host_ip, int(spec[-2]), int(spec[-1])))
    return sorted(out)


def mounts_docker_socket(service):
    for v in service.get("volumes", []):
        source = v.get("source", "") if isinstance(v, dict) else str(v).split(":")[0]
        if "docker.sock" in source or source.rstrip("/") in ("/run", "/var/run", "/run/docker", "/var/run/docker"):
            return True
    return False


class ComposeConfig(unittest.TestCase):
    """The overrides merged with the reference-shaped file by docker-compose 1.29."""

    @classmethod
    def setUpClass(cls):
        if not os.access(COMPOSE, os.X_OK):
            raise unittest.SkipTest("%s is missing: install Debian's docker-compose (contrib/install-deps --tests)"
                                    % COMPOSE)
        cls.dir = tempfile.mkdtemp(prefix="sbtc-compose-config-")
        # The operator's layout: the overrides beside the reference files, the sidecar's
        # files in sbtc-monitoring/.
        shutil.copy2(FIXTURE, os.path.join(cls.dir, "docker-compose.yml"))
        for name in ("docker-compose.monitoring.yml", "docker-compose.pg-localhost.yml"):
            shutil.copy2(os.path.join(CONTRIB, name), cls.dir)
        os.makedirs(os.path.join(cls.dir, "sbtc-monitoring", "image"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def config(self, override, **env):
        full = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "SBTC_", "COMPOSE_"))}
        full.update({"POSTGRES_PASSWORD": "x"}, **env)
        argv = [COMPOSE, "-f", "docker-compose.yml", "-f", override, "config"]
        return subprocess.run(argv, cwd=self.dir, env=full, capture_output=True, text=True, timeout=60)

    def merged(self, override, **env):
        p = self.config(override, **env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return yaml.safe_load(p.stdout)

    def assertReferenceUnchanged(self, services):
        self.assertEqual(ports_of(services["sbtc-signer"]),
                         [("", 4122, 4122), ("", 9184, 9184), ("127.0.0.1", 8801, 8801)])
        for name, service in services.items():
            self.assertFalse(mounts_docker_socket(service), (name, service.get("volumes")))
            self.assertNotIn("privileged", service, name)
            self.assertNotIn("network_mode", service, name)
            self.assertNotIn("pid", service, name)

    def test_monitoring_sidecar_on_the_network(self):
        c = self.merged("docker-compose.monitoring.yml", SBTC_NRPE_ALLOWED_HOSTS="192.0.2.10")
        services = c["services"]
        self.assertReferenceUnchanged(services)
        sidecar = services["sbtc-monitoring"]
        # postgres has no networks of its own: it is on the project's default network, and
        # so is the sidecar, which reaches it as "postgres".
        self.assertIn("default", sidecar["networks"])
        self.assertNotIn("networks", services["postgres"])
        self.assertEqual(ports_of(services["postgres"]), [], "the sidecar override must not publish PostgreSQL")
        self.assertEqual(ports_of(sidecar), [("127.0.0.1", 5666, 5666)])
        self.assertEqual(sidecar["environment"]["NRPE_ALLOWED_HOSTS"], "192.0.2.10")
        # the build context holds the image's files only, not the secrets beside it
        self.assertEqual(sidecar["build"]["context"], os.path.join(self.dir, "sbtc-monitoring", "image"))
        targets = {str(v).split(":")[1] for v in sidecar["volumes"]}
        self.assertIn("/etc/nagios/sbtc-plugins.ini", targets)
        role = services["sbtc-monitoring-role"]
        self.assertIn("default", role["networks"])
        self.assertEqual(role["environment"]["PGHOST"], "postgres")
        self.assertEqual(role["environment"]["PGDATABASE"], "signer")

    def test_monitoring_publish_address_is_the_operators(self):
        c = self.merged("docker-compose.monitoring.yml", SBTC_NRPE_ALLOWED_HOSTS="192.0.2.10",
                        SBTC_NRPE_PUBLISH="10.1.2.3:5666")
        self.assertEqual(ports_of(c["services"]["sbtc-monitoring"]), [("10.1.2.3", 5666, 5666)])

    def test_monitoring_needs_allowed_hosts(self):
        p = self.config("docker-compose.monitoring.yml")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("SBTC_NRPE_ALLOWED_HOSTS", p.stderr)

    def test_pg_localhost_publishes_on_loopback_only(self):
        c = self.merged("docker-compose.pg-localhost.yml")
        services = c["services"]
        self.assertReferenceUnchanged(services)
        self.assertEqual(ports_of(services["postgres"]), [("127.0.0.1", 5432, 5432)])
        self.assertNotIn("sbtc-monitoring", services)
        self.assertIn("sbtc-monitoring-role", services)


class BackupArguments(unittest.TestCase):
    """sbtc-backup's command line (an unknown argument was once ignored, and the backup made
    as if nothing had been asked)."""

    def run_script(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SBTC_"))}
        env["SBTC_BACKUP_DIR"] = self.dir
        return subprocess.run([SCRIPT] + list(args), env=env, capture_output=True, text=True, timeout=30)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc-backup-args-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_unknown_argument_is_refused(self):
        p = self.run_script("--compose-servise", "postgres")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("sbtc-backup: unknown argument '--compose-servise'", p.stderr)
        self.assertEqual(os.listdir(self.dir), [])

    def test_option_without_value(self):
        p = self.run_script("--compose-service")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("sbtc-backup: --compose-service needs a value", p.stderr)
        self.assertEqual(os.listdir(self.dir), [])

    def test_help(self):
        p = self.run_script("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--compose-service SERVICE", p.stdout)
        self.assertNotIn("set -euo", p.stdout)


def _busybox_postgres_root(root):
    """busybox-static and an /etc/passwd with a postgres user: with the host's /usr mounted
    read-only, a container runs Debian's PostgreSQL as that user."""
    for d in ("bin", "etc", "tmp", "usr", "root", "var/lib/postgresql", "var/run/postgresql"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    for d in ("var/lib/postgresql", "var/run/postgresql"):
        os.chown(os.path.join(root, d), PG_UID, PG_UID)
    for d in ("lib", "lib64"):
        os.symlink("usr/" + d, os.path.join(root, d))
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for applet in ("sh", "cat", "echo", "rm", "sleep", "true", "id", "ls"):
        os.symlink("busybox", os.path.join(root, "bin", applet))
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\npostgres:x:%d:%d:PostgreSQL:/var/lib/postgresql:/bin/sh\n"
                % (PG_UID, PG_UID))
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write("root:x:0:\npostgres:x:%d:\n" % PG_UID)


def _project_files(bindir):
    """The test's compose file: the reference deployment's service names, PostgreSQL from the
    host's binaries; and an override that gives the overrides' one-shot role loader (image
    postgres:16.6-bookworm, tagged here from the same image) the host's psql."""
    path = "%s:/usr/bin:/bin" % bindir
    main = {
        "services": {
            "postgres": {
                "image": PG_IMAGE,
                "user": "postgres",
                "environment": {"PATH": path, "POSTGRES_DB": "signer", "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?}"},
                "volumes": ["/usr:/usr:ro"],
                # What the official image's entry point does, in short: a cluster with the
                # superuser's password, trust on the socket, passwords over the network.
                "command": ["/bin/sh", "-c",
                            "set -e; D=/var/lib/postgresql/data; "
                            "echo \"$$POSTGRES_PASSWORD\" >/tmp/pw; "
                            "initdb -D $$D -U postgres --pwfile=/tmp/pw --auth-local=trust "
                            "--auth-host=scram-sha-256 --no-locale -E UTF8 >/dev/null; rm /tmp/pw; "
                            "echo 'host all all all scram-sha-256' >>$$D/pg_hba.conf; "
                            "exec postgres -D $$D -c listen_addresses='*' -k /var/run/postgresql"],
            },
            "sbtc-signer": {"image": PG_IMAGE, "command": ["sleep", "3600"], "depends_on": ["postgres"]},
        }
    }
    test_override = {
        "services": {
            "sbtc-monitoring-role": {"volumes": ["/usr:/usr:ro"], "environment": {"PATH": path}},
        }
    }
    return main, test_override


class ComposeDocker(unittest.TestCase):
    """The deployment on a Docker of the test's own."""

    @classmethod
    def setUpClass(cls):
        why = docker_unavailable()
        if why is None and not os.access(COMPOSE, os.X_OK):
            why = "%s is missing: install Debian's docker-compose" % COMPOSE
        if why:
            raise unittest.SkipTest(why)
        cls.bindir = harness.find_server_bindir()
        cls.dir = tempfile.mkdtemp(prefix="sbtc-compose-")
        os.chmod(cls.dir, 0o755)
        cls.project = os.path.join(cls.dir, "project")
        cls.side = os.path.join(cls.project, "sbtc-monitoring")
        os.makedirs(os.path.join(cls.side, "image"))
        cls.dh = DockerHost("compose", userland_proxy=True)
        cls.build_error = None
        cls.build_thread = None
        cls.stopping = threading.Event()
        cls.timings = {}
        try:
            cls.dh.start()
            # The sidecar image builds in the background while the database is set up.
            cls.build_thread = threading.Thread(target=cls._build_sidecar, daemon=True)
            cls.build_thread.start()
            cls._start_database()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        # A build still under way ends with its daemon (a run of some tests only).
        cls.stopping.set()
        cls.dh.stop()
        if cls.build_thread is not None:
            cls.build_thread.join(300)
        shutil.rmtree(cls.dir, ignore_errors=True)
        for name, seconds in sorted(cls.timings.items()):
            os.write(2, ("test_compose: %s %.0fs\n" % (name, seconds)).encode())

    # ------------------------------------------------------------------ the project

    @classmethod
    def compose_env(cls, **extra):
        env = {k: v for k, v in cls.dh.env().items() if not k.startswith(("PG", "POSTGRES_", "SBTC_", "COMPOSE_"))}
        env.update({"POSTGRES_PASSWORD": PG_PASSWORD, "SBTC_BACKUP_DIR": os.path.join(cls.dir, "backups")})
        env.update(extra)
        return env

    FILES = ("docker-compose.yml", "docker-compose.pg-localhost.yml", "docker-compose.test.yml")

    @classmethod
    def compose(cls, *args, files=FILES, check=True, timeout=120, input=None, env=None):
        argv = [COMPOSE, "-p", PROJECT]
        for f in files:
            argv += ["-f", f]
        p = subprocess.run(argv + list(args), cwd=cls.project, env=env or cls.compose_env(), capture_output=True,
                           timeout=timeout, input=input, text=not isinstance(input, bytes))
        if check and p.returncode != 0:
            raise DaemonError("docker-compose %s exited %d: %s %s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    @classmethod
    def _start_database(cls):
        t = time.monotonic()
        root = os.path.join(cls.dir, "pg-root")
        _busybox_postgres_root(root)
        tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True, check=True).stdout
        cls.dh.docker("import", "-", PG_IMAGE, input=tar)
        cls.dh.docker("tag", PG_IMAGE, "postgres:16.6-bookworm")
        main, test_override = _project_files(cls.bindir)
        with open(os.path.join(cls.project, "docker-compose.yml"), "w") as f:
            yaml.safe_dump(main, f)
        with open(os.path.join(cls.project, "docker-compose.test.yml"), "w") as f:
            yaml.safe_dump(test_override, f)
        for name in ("docker-compose.pg-localhost.yml", "docker-compose.monitoring.yml"):
            shutil.copy2(os.path.join(CONTRIB, name), cls.project)
        for name in ("load-monitoring-role",):
            shutil.copy2(os.path.join(CONTRIB, name), cls.side)
        shutil.copy2(harness.MONITORING_ROLE_SQL, cls.side)
        with open(os.path.join(cls.side, "monitor-password"), "w") as f:
            f.write(MONITOR_PASSWORD + "\n")
        os.chmod(os.path.join(cls.side, "monitor-password"), 0o600)

        cls.compose("up", "-d", "postgres")
        cls.pg_container = cls.compose("ps", "-q", "postgres").stdout.strip()
        deadline = time.monotonic() + 60
        while True:
            p = cls.psql("SELECT 1", dbname="postgres", check=False)
            if p.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise DaemonError("PostgreSQL in the container did not answer: %s %s"
                                  % (p.stderr, cls.compose("logs", "postgres", check=False).stdout[-2000:]))
            time.sleep(0.3)
        cls.psql("CREATE DATABASE signer", dbname="postgres")
        with open(os.path.join(harness.SQL_DIR, "schema-0022.sql")) as f:
            cls.psql(f.read())
        cls.db = signerdb.SignerDb(cls, "signer")
        signerdb.seed_typical(cls.db)  # the current key verified 2 days ago
        # The overrides' one-shot service, as compose runs it (the schema exists: no wait).
        p = cls.compose("run", "--rm", "--no-deps", "-T", "sbtc-monitoring-role", check=False, timeout=120)
        cls.role_run = p
        cls.timings["database"] = time.monotonic() - t

    @classmethod
    def psql(cls, sql, dbname="signer", check=True, **_):
        """psql as the container's postgres user over its socket (the way README.md loads the
        role into an existing database)."""
        # docker exec on the service's container: what `compose exec -T` does, without
        # starting docker-compose's Python for each statement.
        p = cls.dh.docker("exec", "-i", "--user", "postgres", cls.pg_container, "psql", "-X", "-q", "-A", "-t",
                          "-v", "ON_ERROR_STOP=1", "-d", dbname, "-f", "-", input=sql, check=False, timeout=60)
        if check and p.returncode != 0:
            raise DaemonError("psql in the container: %s\n%s" % (p.stderr, sql[:500]))
        return p if not check else p.stdout

    # SignerDb's cluster interface
    @classmethod
    def query_value(cls, sql, dbname="signer", **kw):
        lines = cls.psql(sql, dbname=dbname).splitlines()
        return lines[0].strip() if lines else ""

    @classmethod
    def query_rows(cls, sql, dbname="signer", **kw):
        return [line.split("|") for line in cls.psql(sql, dbname=dbname).splitlines() if line]

    # ------------------------------------------------------------------ the sidecar image

    @classmethod
    def _tarball(cls):
        """The release tarball: $SBTC_TARBALL, or 'make dist' in the build folder of the
        checks under test (as tests/run's package step does in build/default), or in a
        build folder of its own."""
        given = os.environ.get("SBTC_TARBALL")
        if given:
            return given
        build = os.path.dirname(plugin_dir())
        if not os.path.exists(os.path.join(build, "Makefile")):
            build = os.path.join(cls.dir, "dist")
            os.makedirs(build)
            subprocess.run([os.path.join(TOP, "configure"), "-q"], cwd=build, check=True, capture_output=True,
                           timeout=300)
        for n in os.listdir(build):
            if n.startswith("monitoring-plugins-sbtc-") and n.endswith(".tar.gz"):
                os.unlink(os.path.join(build, n))
        subprocess.run(["make", "-s", "dist"], cwd=build, check=True, capture_output=True, timeout=300)
        return [os.path.join(build, n) for n in os.listdir(build)
                if n.startswith("monitoring-plugins-sbtc-") and n.endswith(".tar.gz")][0]

    @classmethod
    def _wait_root(cls):
        rc_file = ROOT + ".rc"
        if not os.path.exists(rc_file) and not os.path.exists(ROOT + ".log"):
            # Not started by tests/run: make it now (minutes).
            subprocess.run([os.path.join(TOP, "tests", "integration", "harness", "compose-root"), ROOT],
                           timeout=ROOT_WAIT, capture_output=True)
        deadline = time.monotonic() + ROOT_WAIT
        while not os.path.exists(rc_file):
            if cls.stopping.is_set():
                raise DaemonError("stopped while waiting for %s" % ROOT)
            if time.monotonic() > deadline:
                raise DaemonError("the Debian root %s was not ready within %ds (see %s.log)" % (ROOT, ROOT_WAIT, ROOT))
            time.sleep(2)
        with open(rc_file) as f:
            rc = f.read().strip()
        if rc != "0":
            raise DaemonError("debootstrap of %s failed (%s); see %s.log" % (ROOT, rc, ROOT))

    @classmethod
    def _build_sidecar(cls):
        made = {}

        def make_tarball():
            t = time.monotonic()
            try:
                made["path"] = cls._tarball()
            except BaseException as e:
                made["error"] = e
            cls.timings["tarball"] = time.monotonic() - t

        try:
            # The tarball is made while the base is imported.
            dist = threading.Thread(target=make_tarball, daemon=True)
            dist.start()
            t = time.monotonic()
            cls._wait_root()
            cls.timings["root wait"] = time.monotonic() - t
            t = time.monotonic()
            # Documentation and locales are not needed to build or run; the rest is imported whole.
            tar = subprocess.Popen(["tar", "-C", ROOT, "--exclude=./usr/share/doc", "--exclude=./usr/share/man",
                                    "--exclude=./usr/share/locale", "--exclude=./var/cache/apt", "-c", "."],
                                   stdout=subprocess.PIPE)
            p = subprocess.run([DOCKER, "import", "-", BASE_IMAGE], stdin=tar.stdout, env=cls.dh.env(),
                               capture_output=True, text=True, timeout=300)
            tar.stdout.close()
            if tar.wait() != 0 or p.returncode != 0:
                raise DaemonError("docker import of %s failed: %s" % (ROOT, p.stderr))
            cls.timings["base import"] = time.monotonic() - t
            dist.join(600)
            if "path" not in made:
                raise made.get("error") or DaemonError("make dist did not end in time")
            tarball = made["path"]
            t = time.monotonic()
            ctx = os.path.join(cls.dir, "context")
            os.mkdir(ctx)
            for name in ("Dockerfile", "sidecar-start"):
                shutil.copy2(os.path.join(CONTRIB, name), ctx)
            shutil.copy2(tarball, ctx)
            # Unoptimised: the test asks whether the image builds and answers, not how fast.
            cls.dh.docker("build", "-q", "--build-arg", "BASE=" + BASE_IMAGE, "--build-arg", "CFLAGS=-O0",
                          "-t", SIDECAR_IMAGE, ctx, timeout=900)
            cls.timings["image build"] = time.monotonic() - t
        except BaseException as e:  # reported by the test that needs the image
            cls.build_error = e

    # ------------------------------------------------------------------ helpers

    def backup_dir(self):
        d = os.path.join(self.dir, "backups")
        shutil.rmtree(d, ignore_errors=True)
        return d

    def run_backup(self, *args, **env):
        full = self.compose_env(SBTC_BACKUP_COMPOSE_FILES="docker-compose.yml:docker-compose.pg-localhost.yml",
                                **env)
        argv = [SCRIPT, "--project-directory", self.project, "-p", PROJECT] + list(args)
        return subprocess.run(argv, env=full, capture_output=True, text=True, timeout=120)

    def check_in_host(self, name, *args):
        """A check run in the Docker host's namespace, where 127.0.0.1:5432 is the published
        PostgreSQL (libpq's variables left out)."""
        argv = [plugin_path(name)] + list(args)
        t = time.monotonic()
        p = self.dh.nsexec("/usr/bin/env", "-u", "PGPASSWORD", "-u", "PGHOST", *argv, timeout=60)
        return harness.Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t)

    def monitor_conninfo(self):
        passfile = os.path.join(self.dir, "pgpass")
        with open(passfile, "w") as f:
            f.write("127.0.0.1:5432:signer:%s:%s\n" % (harness.MONITOR_ROLE, MONITOR_PASSWORD))
        os.chmod(passfile, 0o600)
        return "host=127.0.0.1 port=5432 dbname=signer user=%s passfile=%s" % (harness.MONITOR_ROLE, passfile)

    # ------------------------------------------------------------------ tests

    def test_role_loaded_by_the_one_shot_service(self):
        self.assertEqual(self.role_run.returncode, 0, self.role_run.stderr + self.role_run.stdout)
        self.assertIn("role sbtc_monitor is in line", self.role_run.stdout + self.role_run.stderr)
        self.assertEqual(self.query_value(
            "SELECT has_column_privilege('sbtc_monitor', 'sbtc_signer.dkg_shares', 'aggregate_key', 'SELECT'), "
            "has_column_privilege('sbtc_monitor', 'sbtc_signer.dkg_shares', 'encrypted_private_shares', 'SELECT')"),
            "t|f")

    def test_role_loader_waits_for_the_signers_schema(self):
        # A database without the signer's schema (the signer has not migrated it yet): the
        # loader waits SBTC_ROLE_WAIT seconds for it, then fails and says what it waited for.
        p = self.compose("run", "--rm", "--no-deps", "-T", "-e", "PGDATABASE=postgres", "-e", "SBTC_ROLE_WAIT=0",
                         "sbtc-monitoring-role", check=False, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("load-monitoring-role: no table sbtc_signer.dkg_shares in database 'postgres' on 'postgres' "
                      "after 0s (has the signer migrated it?", p.stdout + p.stderr)

    def test_backup_in_compose_mode_passes_verify_key(self):
        d = self.backup_dir()
        # No --compose-command: Debian's docker 20.10 has no 'docker compose', so the script
        # falls back to docker-compose.
        p = self.run_backup("--compose-service", "postgres", SBTC_BACKUP_DIR=d)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = os.listdir(d)
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], DUMP_NAME)
        self.assertIn("sbtc-backup: wrote %s/%s" % (d, names[0]), p.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, names[0])).st_mode), 0o600)
        r = self.check_in_host("check_sbtc_backup", "--path", d, "--pattern", "signer-*.dump", "--format", "custom",
                               "--verify-key", "--dbconn", self.monitor_conninfo(),
                               "--pg-restore", os.path.join(self.bindir, "pg_restore"), "-t", "30")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.first_line.startswith("SBTC BACKUP OK - newest backup %s" % names[0]), r)
        self.assertIn("%s...%s" % (signerdb.CURRENT_KEY[:10], signerdb.CURRENT_KEY[-6:]), r.first_line)
        self.assertNotIn(MONITOR_PASSWORD, r.stdout + r.stderr)

    def test_backup_wrong_service_fails_and_leaves_nothing(self):
        d = self.backup_dir()
        p = self.run_backup("--compose-service", "postgress", "--compose-command", COMPOSE, SBTC_BACKUP_DIR=d)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("sbtc-backup: no service 'postgress' in the compose project (its services: ", p.stderr)
        self.assertIn(" postgres ", p.stderr)
        self.assertEqual(os.listdir(d), [])

    def test_backup_wrong_database_fails_and_leaves_nothing(self):
        d = self.backup_dir()
        p = self.run_backup("--compose-service", "postgres", SBTC_BACKUP_DIR=d, SBTC_BACKUP_DB="dbname=nope")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn('database "nope" does not exist', p.stderr)
        self.assertEqual(os.listdir(d), [])

    def test_backup_stopped_service_fails_and_leaves_nothing(self):
        d = self.backup_dir()
        # sbtc-signer exists in the project but was never started.
        p = self.run_backup("--compose-service", "sbtc-signer", SBTC_BACKUP_DIR=d)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("sbtc-backup: cannot run pg_dump in compose service 'sbtc-signer' (is its container running?)",
                      p.stderr)
        self.assertEqual(os.listdir(d), [])

    def test_sidecar_answers_nrpe(self):
        self.build_thread.join(900)
        if self.build_error is not None:
            raise self.build_error
        self.assertFalse(self.build_thread.is_alive(), "the sidecar image did not build in time")
        # A backup for the sidecar to judge, readable by its nagios user (an operator
        # gives the monitoring user an ACL instead: contrib/backup/README.md).
        d = self.backup_dir()
        p = self.run_backup("--compose-service", "postgres", SBTC_BACKUP_DIR=d)
        self.assertEqual(p.returncode, 0, p.stderr)
        os.chmod(d, 0o755)
        for n in os.listdir(d):
            os.chmod(os.path.join(d, n), 0o644)
        with open(os.path.join(self.side, "sbtc-plugins.ini"), "w") as f:
            f.write("[check_sbtc_backup]\ntimeout = 40\npath = /var/backups/sbtc\npattern = signer-*.dump\n"
                    "format = custom\n")
        with open(os.path.join(self.side, "pgpass"), "w") as f:
            f.write("postgres:5432:signer:sbtc_monitor:%s\n" % MONITOR_PASSWORD)
        with open(os.path.join(self.side, "bitcoin-rpc-password"), "w") as f:
            f.write("not-used-here\n")
        # Without NRPE_ALLOWED_HOSTS the sidecar refuses to start, and says why.
        p = self.dh.docker("run", "--rm", SIDECAR_IMAGE, check=False, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("sbtc-sidecar-start: NRPE_ALLOWED_HOSTS is empty", p.stderr)
        uid = int(self.dh.docker("run", "--rm", "--entrypoint", "/usr/bin/id", SIDECAR_IMAGE, "-u").stdout)
        for name in ("pgpass", "bitcoin-rpc-password"):
            os.chown(os.path.join(self.side, name), uid, -1)
            os.chmod(os.path.join(self.side, name), 0o600)
        network = "%s_default" % PROJECT
        subnet = self.dh.docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
                                network).stdout.strip()
        # With the userland proxy on, a connection to the published port comes from the
        # network's gateway: the subnet is allowed (README.md says which to allow when).
        env = self.compose_env(SBTC_NRPE_ALLOWED_HOSTS=subnet, SBTC_BACKUP_DIR=d)
        files = self.FILES + ("docker-compose.monitoring.yml",)
        self.compose("up", "-d", "--no-deps", "--no-build", "sbtc-monitoring", files=files, env=env)
        argv = [CHECK_NRPE, "-H", "127.0.0.1", "-p", "5666", "-c", "check_sbtc_backup", "-t", "50"]
        deadline = time.monotonic() + 30
        while True:
            r = self.dh.nsexec(*argv, timeout=70)
            if r.returncode != 3 or "SBTC BACKUP" in r.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.3)  # NRPE starting
        logs = self.compose("logs", "sbtc-monitoring", files=files, env=env, check=False).stdout
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + logs)
        # the age as lib/human.c's sbtc_format_duration writes it: a minute or more on a slow machine
        self.assertRegex(r.stdout.splitlines()[0],
                         r"^SBTC BACKUP OK - newest backup signer-\S+\.dump is (\d+m )?\d+s old")


if __name__ == "__main__":
    unittest.main()
