# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Zabbix 6.0 server and its web frontend (Debian's zabbix-server-pgsql and
zabbix-frontend-php), started by a test on loopback, never the system's instances.

    with ZabbixStack(external_scripts={"name": "#!/bin/sh\nexec ..."}) as z:
        api = z.api                        # JSON-RPC client, logged in as Admin
        api.call("configuration.import", {...})

- the database: a throwaway PostgreSQL cluster of its own (harness.pgcluster), loaded
  with the package's schema, images and data SQL;
- zabbix_server in the foreground (-f) from a configuration in a temporary folder,
  dropping to the zabbix user when started as root, as the packaged service does;
- the frontend served by PHP's built-in web server (php -S 127.0.0.1:PORT) from a copy
  of /usr/share/zabbix: Debian's frontend reads its configuration from the fixed path
  /etc/zabbix/zabbix.conf.php (include/classes/core/CConfigFile.php, CONFIG_FILE_PATH),
  so the copy's CConfigFile.php names the test's own file instead and the system's
  /etc/zabbix is never touched.

Everything is stopped by its PID and the temporary folder removed by stop().
"""

import gzip
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

from .daemon import DaemonError, ManagedDaemon, chown_tree, free_port, log_tail, require_program
from .pgcluster import PgCluster

SERVER = "/usr/sbin/zabbix_server"
PHP = "/usr/bin/php"
FRONTEND = "/usr/share/zabbix"
SQL_DIR = "/usr/share/zabbix-server-pgsql"
USER = "zabbix"
CONFIG_CLASS = os.path.join("include", "classes", "core", "CConfigFile.php")

__all__ = ["ZabbixStack", "ZabbixApi", "ZabbixApiError", "SERVER", "USER"]


class ZabbixApiError(RuntimeError):
    pass


class ZabbixApi:
    """The frontend's JSON-RPC API (api_jsonrpc.php)."""

    def __init__(self, url):
        self.url = url
        self.auth = None
        self._id = 0

    def call(self, method, params, timeout=60):
        self._id += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self._id}
        if self.auth is not None and method not in ("user.login", "apiinfo.version"):
            body["auth"] = self.auth
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json-rpc"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read().decode("utf-8", "replace")
        try:
            answer = json.loads(text)
        except ValueError:
            raise ZabbixApiError("%s: not JSON: %s" % (method, text[:2000]))
        if "error" in answer:
            raise ZabbixApiError("%s: %s" % (method, answer["error"]))
        return answer["result"]

    def login(self, user="Admin", password="zabbix"):
        self.auth = self.call("user.login", {"username": user, "password": password})
        return self


def _load_sql(cluster, dbname, name, workdir):
    """Runs one of the package's gzipped SQL files into dbname."""
    path = os.path.join(SQL_DIR, name)
    if not os.path.exists(path):
        raise DaemonError("%s is missing: install Debian's zabbix-server-pgsql" % path)
    plain = os.path.join(workdir, name[:-len(".gz")])
    with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.chmod(plain, 0o644)
    try:
        cluster.psql(dbname=dbname, file=plain, timeout=300)
    finally:
        os.unlink(plain)


def _copy_frontend(dst, config_path):
    """A copy of the frontend (hard links where the file system allows) whose
    CConfigFile.php reads config_path."""
    def link_or_copy(src, target):
        try:
            os.link(src, target)
        except OSError:
            shutil.copy2(src, target)
    shutil.copytree(FRONTEND, dst, symlinks=True, copy_function=link_or_copy)
    cls = os.path.join(dst, CONFIG_CLASS)
    with open(cls) as f:
        text = f.read()
    new, n = re.subn(r"const CONFIG_FILE_PATH = '[^']*';",
                     "const CONFIG_FILE_PATH = '%s';" % config_path, text)
    if n != 1:
        raise DaemonError("%s: no CONFIG_FILE_PATH to point at the test's configuration" % cls)
    os.unlink(cls)  # a hard link to the system's file: replace, never write through
    with open(cls, "w") as f:
        f.write(new)


def _php_string(s):
    return "'%s'" % s.replace("\\", "\\\\").replace("'", "\\'")


class ZabbixStack(ManagedDaemon):
    """Database, server and frontend. external_scripts: {name: text} of programs written
    (mode 0755) into the server's ExternalScripts folder. server_options: more
    zabbix_server.conf lines."""

    dir_prefix = "sbtc-zabbix-server-"

    def __init__(self, external_scripts=None, server_options=()):
        require_program(SERVER, "zabbix-server-pgsql")
        require_program(PHP, "php-cli")
        if not os.path.isdir(FRONTEND):
            raise DaemonError("%s is missing: install Debian's zabbix-frontend-php" % FRONTEND)
        super().__init__()
        os.chmod(self.dir, 0o755)
        self.external_scripts = dict(external_scripts or {})
        self.server_options = list(server_options)
        self.pg = None
        self.server = None
        self.server_log = None
        self.web = None
        self.api = None

    # ------------------------------------------------------------------ lifecycle

    def launch(self):
        self.pg = PgCluster(spares=0).start()
        self.dbname = "zabbix"
        self.pg.psql('CREATE DATABASE :"name" ENCODING \'UTF8\' TEMPLATE template0;',
                     variables={"name": self.dbname})
        for name in ("schema.sql.gz", "images.sql.gz", "data.sql.gz"):
            _load_sql(self.pg, self.dbname, name, self.dir)
        self.analyze()
        self._start_server()
        self._start_frontend()

    def _start_server(self):
        sdir = os.path.join(self.dir, "server")
        scripts = os.path.join(sdir, "externalscripts")
        os.makedirs(scripts)
        for name, text in self.external_scripts.items():
            path = os.path.join(scripts, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        self.server_port = free_port()
        self.server_log = os.path.join(sdir, "zabbix_server.log")
        self.server_conf = os.path.join(sdir, "zabbix_server.conf")
        with open(self.server_conf, "w") as f:
            f.write("\n".join([
                "LogType=file",
                "LogFile=%s" % self.server_log,
                "DebugLevel=3",
                "PidFile=%s/zabbix_server.pid" % sdir,
                "SocketDir=%s" % sdir,
                "ListenIP=127.0.0.1",
                "ListenPort=%d" % self.server_port,
                "DBHost=%s" % self.pg.host,
                "DBPort=%d" % self.pg.port,
                "DBName=%s" % self.dbname,
                "DBUser=%s" % self.pg.superuser,
                "DBPassword=%s" % self.pg.password,
                "ExternalScripts=%s" % scripts,
                "AlertScriptsPath=%s" % scripts,
                "Timeout=30",
                "CacheUpdateFrequency=2",
                "StartPollers=2",
                "StartPollersUnreachable=1",
                "StartPingers=0",
                "StartTrappers=2",
                "StartDiscoverers=0",
                "StartHTTPPollers=0",
                "StartTimers=1",
                "StartEscalators=1",
                "StartAlerters=1",
                "StartPreprocessors=2",
                "StartLLDProcessors=1",
                "StartHistoryPollers=1",
                "HousekeepingFrequency=0",
                "User=%s" % USER,
                ] + self.server_options + [""]))
        os.chmod(self.server_conf, 0o600)
        chown_tree(sdir, USER)
        self.server = self.add_daemon([SERVER, "-c", self.server_conf, "-f"], self.server_port,
                                      "zabbix_server", workdir=sdir, start_timeout=90,
                                      logs=[self.server_log])
        self.server.start()  # a DaemonError quotes zabbix_server.out and .log

    def _start_frontend(self):
        web = os.path.join(self.dir, "web")
        conf = os.path.join(self.dir, "zabbix.conf.php")
        _copy_frontend(web, conf)
        with open(conf, "w") as f:
            f.write("\n".join([
                "<?php",
                "$DB['TYPE'] = 'POSTGRESQL';",
                "$DB['SERVER'] = %s;" % _php_string(self.pg.host),
                "$DB['PORT'] = '%d';" % self.pg.port,
                "$DB['DATABASE'] = %s;" % _php_string(self.dbname),
                "$DB['USER'] = %s;" % _php_string(self.pg.superuser),
                "$DB['PASSWORD'] = %s;" % _php_string(self.pg.password),
                "$DB['SCHEMA'] = '';",
                "$DB['ENCRYPTION'] = false;",
                "$DB['KEY_FILE'] = '';",
                "$DB['CERT_FILE'] = '';",
                "$DB['CA_FILE'] = '';",
                "$DB['VERIFY_HOST'] = false;",
                "$DB['CIPHER_LIST'] = '';",
                "$DB['VAULT_URL'] = '';",
                "$DB['VAULT_DB_PATH'] = '';",
                "$DB['VAULT_TOKEN'] = '';",
                "$DB['DOUBLE_IEEE754'] = true;",
                "$ZBX_SERVER = '127.0.0.1';",
                "$ZBX_SERVER_PORT = '%d';" % self.server_port,
                "$ZBX_SERVER_NAME = 'sbtc-test';",
                "$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;",
                ""]))
        os.chmod(conf, 0o600)
        self.web_port = free_port()
        self.web = self.add_daemon([PHP, "-S", "127.0.0.1:%d" % self.web_port, "-t", web,
                                    "-d", "memory_limit=512M", "-d", "post_max_size=32M",
                                    "-d", "max_execution_time=300", "-d", "max_input_time=300",
                                    "-d", "date.timezone=UTC"],
                                   self.web_port, "php", start_timeout=30)
        self.web.start()
        self.api = ZabbixApi("http://127.0.0.1:%d/api_jsonrpc.php" % self.web_port)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.api.login()
                break
            except (OSError, ZabbixApiError) as e:
                if time.monotonic() > deadline:
                    raise DaemonError("the frontend's API does not answer: %s\n%s" % (e, self.web.log()))
                time.sleep(0.5)

    def release(self):
        if self.pg is not None:
            self.pg.stop()
            self.pg = None

    # ------------------------------------------------------------------ helpers

    def server_log_text(self):
        return log_tail([self.server_log], 8000) if self.server_log else ""

    def analyze(self):
        """Gives PostgreSQL statistics of the tables as they are now. A freshly loaded
        database has none, and the frontend's queries that link a template with trigger
        dependencies to a host then take minutes instead of a fraction of a second: call
        it after an import too."""
        self.pg.psql("ANALYZE;", dbname=self.dbname, timeout=120)

    def reload_config(self):
        """Makes the server read the configuration the API changed now, instead of at its
        next CacheUpdateFrequency."""
        p = subprocess.run([SERVER, "-c", self.server_conf, "-R", "config_cache_reload"],
                           capture_output=True, text=True, timeout=30)
        return p.returncode == 0

    def wait_for(self, what, probe, timeout, interval=1.0):
        """Calls probe() until it returns something true; returns that. Raises
        AssertionError naming what after timeout seconds, with the server's log."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = probe()
            if last:
                return last
            if time.monotonic() > deadline:
                raise AssertionError("%s: not after %ds\n%s" % (what, timeout, self.server_log_text()))
            time.sleep(interval)
