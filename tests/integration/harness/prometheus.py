# SPDX-License-Identifier: GPL-2.0-or-later
"""A real Debian prometheus-node-exporter (its textfile collector only) and a real
prometheus scraping it every second, both on free loopback ports, in a folder of their own,
stopped by their PIDs.

    with PrometheusStack(rules=path) as p:
        run the checks with --output-file=p.textfile_dir/sbtc_<check>.prom
        p.wait_for('sbtc_check_state{check="backup",sub=""}')   # [(labels, value)]
        p.alerts()                                               # /api/v1/alerts
"""

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from .daemon import DaemonError, ManagedDaemon, free_port, require_program

__all__ = ["PrometheusStack", "NODE_EXPORTER", "PROMETHEUS", "PROMTOOL"]

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


class PrometheusStack(ManagedDaemon):
    dir_prefix = "sbtc-prometheus-"

    def __init__(self, rules=None, interval="1s"):
        require_program(NODE_EXPORTER, "prometheus-node-exporter")
        require_program(PROMETHEUS, "prometheus")
        super().__init__()
        self.textfile_dir = os.path.join(self.dir, "textfile")
        os.mkdir(self.textfile_dir)
        self.exporter_port = free_port()
        self.port = free_port()
        while self.port == self.exporter_port:
            self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            # JSON is YAML: no quoting of our own.
            json.dump({
                "global": {"scrape_interval": interval, "evaluation_interval": interval,
                           "scrape_timeout": interval},
                "rule_files": [rules] if rules else [],
                "scrape_configs": [{"job_name": "node", "static_configs": [
                    {"targets": ["127.0.0.1:%d" % self.exporter_port]}]}],
            }, f)
        self.add_daemon([NODE_EXPORTER, "--collector.disable-defaults", "--collector.textfile",
                         "--collector.textfile.directory=%s" % self.textfile_dir,
                         "--web.listen-address=127.0.0.1:%d" % self.exporter_port],
                        self.exporter_port, "node-exporter")
        self.add_daemon([PROMETHEUS, "--config.file=%s" % config,
                         "--storage.tsdb.path=%s" % os.path.join(self.dir, "data"),
                         "--web.listen-address=127.0.0.1:%d" % self.port,
                         "--log.level=warn"], self.port, "prometheus")

    def launch(self):
        """Both daemons, then until Prometheus says it is ready (it listens before it has
        loaded its storage and rules, answering 503)."""
        super().launch()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise DaemonError("prometheus is not ready after 30 s:\n%s" % self.log())
            time.sleep(0.1)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _get(self, path, params=None, port=None):
        url = "http://127.0.0.1:%d%s" % (port or self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            return e.read().decode()

    def api(self, path, **params):
        """The data of an answer of Prometheus's HTTP API; DaemonError on an error."""
        text = self._get("/api/v1/" + path, params)
        try:
            doc = json.loads(text)
        except ValueError:
            raise DaemonError("%s %r: not JSON: %r" % (path, params, text[:300]))
        if doc.get("status") != "success":
            raise DaemonError("%s %r: %s: %s" % (path, params, doc.get("errorType"), doc.get("error")))
        return doc["data"]

    def query(self, expr):
        """[(labels without __name__, value as float)] of an instant query's vector."""
        data = self.api("query", query=expr)
        if data["resultType"] != "vector":
            raise DaemonError("%s: a %s, not a vector" % (expr, data["resultType"]))
        out = []
        for s in data["result"]:
            labels = dict(s["metric"])
            labels.pop("__name__", None)
            out.append((labels, float(s["value"][1])))
        return out

    def wait_for(self, expr, predicate=bool, timeout=20):
        """The result of expr once predicate(result) holds (polls every 0.2 s)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if predicate(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError("after %ds, %s is %r\n%s" % (timeout, expr, result, self.log()))
            time.sleep(0.2)

    def alerts(self):
        return self.api("alerts")["alerts"]

    def exporter_metrics(self):
        """What node exporter serves at /metrics (the text format)."""
        return self._get("/metrics", port=self.exporter_port)
