# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_block_lag against fixture Bitcoin Core, Stacks node, signer API and reference
API servers (and a real PostgreSQL for --dbconn).

Each test asserts the exit code, the first line and the perfdata.
"""

import base64
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from harness.net import SilentServer, closed_port

from bitcoind import BitcoindFixture
from reference_api import ReferenceApiFixture
from signer_api import SignerApiFixture

CHECK = "check_sbtc_block_lag"
PREFIX = "SBTC BLOCK_LAG "
BLOCKS = 880000
STX = 1832097
RPC_PASSWORD = "s3cret-rpc-Pa55word-that-must-never-show"
# What each stacks-core release answers to /v3/health and /v3/tenures/tip_metadata.
V_3_1_0_0_12 = "stacks-node 3.1.0.0.12 (release/3.1.0.0.12:ae969ca+, release build, linux [x86_64])"
V_3_2_0_0_1 = "stacks-node 3.2.0.0.1 (release/3.2.0.0.1:4e3f1a2, release build, linux [x86_64])"
V_3_2_0_0_2 = "stacks-node 3.2.0.0.2 (release/3.2.0.0.2:7d1c0b9, release build, linux [x86_64])"
V_3_3_0_0_4 = "stacks-node 3.3.0.0.4 (release/3.3.0.0.4:9a8b7c6, release build, linux [x86_64])"
TESTNET_REGISTRY = "SNGWPN3XDAQE673MXYXF81016M50NHF5X5PWWM70.sbtc-registry"


class BlockLagCase(harness.StateAssertions, unittest.TestCase):
    """One set of fixtures for the class; each test starts from their defaults."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="block-lag-")
        cls.pwfile = os.path.join(cls.tmp, "rpc-password")
        with open(cls.pwfile, "w") as f:
            f.write(RPC_PASSWORD + "\n")
        cls.btc = BitcoindFixture(cookie_dir=cls.tmp, user="monitor", password=RPC_PASSWORD).start()
        cls.stx = harness.StacksNodeFixture().start()
        cls.signer = SignerApiFixture().start()
        cls.ref = ReferenceApiFixture().start()

    @classmethod
    def tearDownClass(cls):
        for fx in (cls.btc, cls.stx, cls.signer, cls.ref):
            fx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.state_dir = tempfile.mkdtemp(dir=self.tmp, prefix="state-")
        self.btc.reset_config()
        self.stx.reset_config(stacks_tip_height=STX, burn_block_height=BLOCKS,
                              info_overrides={"is_fully_synced": True}, server_version=V_3_3_0_0_4)
        self.signer.reset_config()
        self.ref.reset_config()
        for fx in (self.btc, self.stx, self.signer, self.ref):
            fx.clear_requests()

    def btc_args(self, cookie=True):
        if cookie:
            return ["--bitcoin-url", self.btc.url, "--bitcoin-cookie", self.btc.cookie_file]
        return ["--bitcoin-url", self.btc.url, "--bitcoin-user", "monitor",
                "--bitcoin-password-file", self.pwfile]

    def all_args(self):
        return self.btc_args() + ["-u", self.stx.url, "--signer-url", self.signer.url]

    def check(self, *args, timeout=30, **kw):
        # A state directory of the test's own: the Stacks height kept between runs must not
        # come from another run of the suite.
        args = list(args)
        if not any(a.startswith("--state-dir") for a in args):
            args += ["--state-dir", self.state_dir]
        return harness.run(CHECK, args, timeout=timeout, **kw)

    def assertLine(self, r, state, text):
        lines = [line for line in r.long_text if line.strip().startswith("[%s]" % state) and text in line]
        self.assertTrue(lines, "no [%s] line with %r in\n%r" % (state, text, r))


class HealthyChainTest(BlockLagCase):

    @under_valgrind
    def test_all_sources_ok(self):
        r = self.check(*self.all_args(), "--bitcoin-reference", self.ref.url,
                       "--stacks-reference", self.ref.url)
        self.assertState(r, 0, "Bitcoin Core at 880000 (main)", "Stacks node at 1832097",
                         "signer at Bitcoin 880000, Stacks 1832097; no source lags")
        p = r.perfdata
        self.assertEqual(p["bitcoin_height"].value, BLOCKS)
        self.assertEqual(p["bitcoin_headers"].value, BLOCKS)
        self.assertEqual(p["bitcoin_lag"].value, 0)
        self.assertEqual((p["bitcoin_lag"].warn, p["bitcoin_lag"].crit), (1, 2))
        self.assertTrue(295 <= p["bitcoin_tip_age"].value <= 330, p["bitcoin_tip_age"])
        self.assertEqual(p["bitcoin_tip_age"].uom, "s")
        self.assertEqual((p["bitcoin_tip_age"].warn, p["bitcoin_tip_age"].crit), (5400, 10800))
        self.assertEqual(p["bitcoin_reference_height"].value, BLOCKS)
        self.assertEqual(p["stacks_height"].value, STX)
        self.assertEqual(p["stacks_burn_lag"].value, 0)
        self.assertEqual(p["stacks_reference_lag"].value, 0)
        self.assertEqual((p["stacks_reference_lag"].warn, p["stacks_reference_lag"].crit), (10, 30))
        self.assertEqual(p["stacks_peer_lag"].value, 0)
        self.assertTrue(5 <= p["stacks_tip_age"].value <= 35, p["stacks_tip_age"])
        self.assertEqual((p["stacks_tip_age"].warn, p["stacks_tip_age"].crit), (1800, 7200))
        self.assertEqual(p["signer_bitcoin_lag"].value, 0)
        self.assertEqual(p["signer_stacks_lag"].value, 0)
        for t in ("bitcoin_time", "stacks_time", "signer_time", "time"):
            self.assertEqual(p[t].uom, "s")
        # the JSON-RPC 1.0 request as bitcoind expects it
        req = [q for q in self.btc.requests if q["json"]][0]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["json"]["jsonrpc"], "1.0")
        self.assertEqual(req["json"]["method"], "getblockchaininfo")
        self.assertEqual(req["json"]["params"], [])

    def test_json_output(self):
        r = self.check(*self.all_args(), "--output-format=json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["state"], 0)
        labels = {p["label"]: p["value"] for p in doc["perfdata"]}
        self.assertEqual(labels["signer_bitcoin_height"], BLOCKS)

    def test_only_named_sources_are_asked(self):
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0, "Stacks node at 1832097")
        self.assertNotIn("bitcoin_height", r.perfdata)
        self.assertNotIn("signer_time", r.perfdata)
        self.assertEqual(self.btc.requests, [])
        self.assertEqual(self.signer.requests, [])


class BitcoinTest(BlockLagCase):

    def test_headers_lag_warning_and_critical(self):
        self.btc.set(headers_lag=2)
        r = self.check(*self.btc_args())
        self.assertState(r, 1, "2 Bitcoin blocks behind (880000 of 880002)")
        self.assertEqual(r.perfdata["bitcoin_lag"].value, 2)
        self.btc.set(mood="lagging-headers")  # 5 behind
        r = self.check(*self.btc_args())
        self.assertState(r, 2, "5 Bitcoin blocks behind")
        self.assertEqual(r.perfdata["bitcoin_lag"].value, 5)

    def test_global_and_per_source_thresholds(self):
        self.btc.set(headers_lag=5)
        r = self.check(*self.btc_args(), "-w", "10", "-c", "20")
        self.assertState(r, 0)
        self.assertEqual((r.perfdata["bitcoin_lag"].warn, r.perfdata["bitcoin_lag"].crit), (10, 20))
        r = self.check(*self.btc_args(), "-w", "10", "-c", "20", "--bitcoin-critical", "4")
        self.assertState(r, 2, "5 Bitcoin blocks behind")
        self.assertEqual(r.perfdata["bitcoin_lag"].crit, 4)

    def test_initial_block_download_is_critical(self):
        self.btc.set(mood="ibd")
        r = self.check(*self.btc_args())
        self.assertState(r, 2, "initial block download", "81.2% verified")
        self.assertNotIn("best block", r.first_line)  # the cause leads, its effects are below it
        self.assertLine(r, "CRITICAL", "120000 Bitcoin blocks behind")
        self.assertEqual(r.perfdata["bitcoin_lag"].value, 120000)

    def test_warnings_string(self):
        self.btc.set(mood="warnings-string")
        r = self.check(*self.btc_args())
        self.assertState(r, 1, "warns: This is a pre-release test build - use at your own risk / do not mine")
        self.assertEqual(r.stdout.count("|"), 1, r)  # the remote '|' was replaced

    def test_warnings_array(self):
        self.btc.set(mood="warnings-array")
        r = self.check(*self.btc_args())
        self.assertState(r, 1, "Unknown new rules activated (versionbit 28); Disk space is low! free up space")
        # the newline inside a warning did not start a line of its own
        self.assertFalse([l for l in r.stdout.splitlines() if l.startswith("free up space")], r)

    def test_tip_age(self):
        self.btc.set(tip_age=2 * 3600)
        r = self.check(*self.btc_args())
        self.assertState(r, 1, "best block 880000 is 2h 0m old")
        self.assertTrue(7190 <= r.perfdata["bitcoin_tip_age"].value <= 7230, r)
        self.btc.set(mood="old-tip")  # 5 h
        r = self.check(*self.btc_args())
        self.assertState(r, 2, "best block 880000 is 5h")
        r = self.check(*self.btc_args(), "--tip-age-warning", "4h", "--tip-age-critical", "1d")
        self.assertState(r, 1)
        self.assertEqual((r.perfdata["bitcoin_tip_age"].warn, r.perfdata["bitcoin_tip_age"].crit), (14400, 86400))

    def test_reference_esplora_lag(self):
        self.ref.set(bitcoin_height=BLOCKS + 3)
        r = self.check(*self.btc_args(), "--bitcoin-reference", self.ref.url + "/api")
        self.assertState(r, 2, "3 Bitcoin blocks behind (880000 of 880003)")
        self.assertEqual(r.perfdata["bitcoin_reference_lag"].value, 3)
        self.assertEqual(r.perfdata["bitcoin_reference_height"].value, BLOCKS + 3)
        self.assertEqual(self.ref.requests[-1]["path"], "/api/blocks/tip/height")

    def test_reference_ahead_is_not_a_lag(self):
        self.ref.set(bitcoin_height=BLOCKS - 1)
        r = self.check(*self.btc_args(), "--bitcoin-reference", self.ref.url)
        self.assertState(r, 0)
        self.assertEqual(r.perfdata["bitcoin_reference_lag"].value, 0)
        self.assertLine(r, "OK", "1 ahead")

    def test_reference_bitcoin_core_on_another_chain(self):
        with BitcoindFixture(cookie_dir=tempfile.mkdtemp(dir=self.tmp), chain="test") as other:
            r = self.check(*self.btc_args(), "--bitcoin-reference-rpc", other.url,
                           "--bitcoin-reference-cookie", other.cookie_file)
            self.assertState(r, 2, "chain mismatch", "is on main", "on test")
            other.set(chain="main", blocks=BLOCKS + 1)
            r = self.check(*self.btc_args(), "--bitcoin-reference-rpc", other.url,
                           "--bitcoin-reference-cookie", other.cookie_file)
            self.assertState(r, 0)
            self.assertEqual(r.perfdata["bitcoin_reference_lag"].value, 1)

    def test_reference_not_a_number_is_unknown_for_it(self):
        self.ref.set(mood="not-a-number")
        r = self.check(*self.btc_args(), "--bitcoin-reference", self.ref.url)
        self.assertState(r, 3, "Bitcoin reference", "not JSON: eight hundred")
        self.assertEqual(r.perfdata["bitcoin_lag"].value, 0)  # Bitcoin Core still measured

    def test_reference_rate_limited_is_critical(self):
        self.ref.set(mood="http-429")
        r = self.check(*self.btc_args(), "--bitcoin-reference", self.ref.url)
        self.assertState(r, 2, "HTTP 429")


class AuthTest(BlockLagCase):

    def test_cookie_rewritten_since_last_run(self):
        r = self.check(*self.btc_args())
        self.assertState(r, 0)
        old = self.btc.cookie_password
        new = self.btc.restart_cookie()
        self.assertNotEqual(old, new)
        r = self.check(*self.btc_args())
        self.assertState(r, 0)
        auth = self.btc.requests[-1]["headers"]["authorization"]
        self.assertEqual(base64.b64decode(auth[6:]).decode(), "__cookie__:" + new)

    def test_stale_cookie_is_refused(self):
        stale = os.path.join(self.tmp, "stale-cookie")
        with open(stale, "w") as f:
            f.write("__cookie__:0000000000000000000000000000000000000000000000000000000000000000")
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-cookie", stale)
        self.assertState(r, 2, "credentials refused")

    def test_user_and_password_file(self):
        r = self.check(*self.btc_args(cookie=False))
        self.assertState(r, 0)

    @under_valgrind
    def test_wrong_password_never_printed(self):
        wrong = "wr0ng-Pa55word-not-to-be-seen"
        path = os.path.join(self.tmp, "wrong-password")
        with open(path, "w") as f:
            f.write(wrong + "\n")
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-user", "monitor",
                       "--bitcoin-password-file", path, "-vvv")
        self.assertState(r, 2, "credentials refused", "HTTP 401")
        for secret in (wrong, RPC_PASSWORD, self.btc.cookie_password):
            self.assertNotIn(secret, r.stdout)
            self.assertNotIn(secret, r.stderr)
        # the right password at -vvv is not printed either
        r = self.check(*self.btc_args(cookie=False), "-vvv")
        self.assertState(r, 0)
        self.assertIn("> POST", r.stderr)
        self.assertNotIn(RPC_PASSWORD, r.stdout + r.stderr)
        # nor the cookie's
        r = self.check(*self.btc_args(), "-vvv")
        self.assertState(r, 0)
        self.assertNotIn(self.btc.cookie_password, r.stdout + r.stderr)

    def test_credentials_from_extra_opts(self):
        ini = os.path.join(self.tmp, "sbtc.ini")
        with open(ini, "w") as f:
            f.write("[block_lag]\nbitcoin-url = %s\nbitcoin-user = monitor\nbitcoin-password-file = %s\n"
                    % (self.btc.url, self.pwfile))
        r = self.check("--extra-opts=block_lag@" + ini)
        self.assertState(r, 0, "Bitcoin Core at 880000")

    def test_bitcoin_core_on_ipv6_loopback(self):
        with BitcoindFixture(host="::1", cookie_dir=tempfile.mkdtemp(dir=self.tmp)) as v6:
            r = self.check("--bitcoin-url", v6.url, "--bitcoin-cookie", v6.cookie_file)
        self.assertState(r, 0, "Bitcoin Core at 880000")
        self.assertLine(r, "OK", "http://[::1]:")

    def test_401_with_empty_body(self):
        self.btc.set(mood="http-401")
        r = self.check(*self.btc_args())
        self.assertState(r, 2, "credentials refused")

    def test_unreadable_cookie_is_unknown(self):
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-cookie", os.path.join(self.tmp, "nope"))
        self.assertState(r, 3, "cannot read the cookie file", "No such file")

    def test_malformed_cookie_is_unknown(self):
        path = os.path.join(self.tmp, "bad-cookie")
        with open(path, "w") as f:
            f.write("no-colon-here\n")
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-cookie", path)
        self.assertState(r, 3, "is not a Bitcoin Core cookie")
        self.assertNotIn("no-colon-here", r.stdout)

    def test_user_without_password_file_is_unknown(self):
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-user", "monitor")
        self.assertState(r, 3, "--bitcoin-user needs --bitcoin-password-file")


    def test_reflected_credentials_are_masked(self):
        """A proxy's error page that quotes the request's Authorization header shows
        neither the header, its Base64 nor the password it decodes to (lib/http.c)."""
        self.btc.set(mood="reflect-headers")
        for args, secret in ((self.btc_args(cookie=False), RPC_PASSWORD),
                             (self.btc_args(), self.btc.cookie_password)):
            user = "monitor" if secret == RPC_PASSWORD else "__cookie__"
            b64 = base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()
            r = self.check(*args, "-vvv")
            self.assertState(r, 2, "answered HTTP 502", "Authorization: *** from *** upstream down")
            for s in (secret, b64, b64.rstrip("=")):
                self.assertNotIn(s, r.stdout, r)
                self.assertNotIn(s, r.stderr, r)

    def test_password_option_abbreviation_is_refused(self):
        """getopt_long took --bitcoin-password=X for --bitcoin-password-file=X and printed
        "cannot read the password file X"; long options are now taken only in full."""
        for opt in ("--bitcoin-password=hunter2", "--bitcoin-password-f=hunter2",
                    "--bitcoin-coo=hunter2", "--bitcoin-reference-password=hunter2"):
            r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-user", "monitor", opt)
            self.assertEqual(r.rc, 3, r)
            name = opt.partition("=")[0]
            self.assertEqual(r.first_line, PREFIX + "UNKNOWN - unknown option '%s' "
                             "(long options must be written in full)" % name, r)
            self.assertNotIn("hunter2", r.stdout + r.stderr, r)
            self.assertNotIn("|", r.stdout, r)

    def test_secret_file_name_without_slash_is_not_shown(self):
        for args, what in ((["--bitcoin-cookie", "hunter2"], "cookie file"),
                           (["--bitcoin-user", "monitor", "--bitcoin-password-file=hunter2"],
                            "password file")):
            r = self.check("--bitcoin-url", self.btc.url, *args)
            self.assertState(r, 3, "cannot read the %s (not shown" % what)
            self.assertNotIn("hunter2", r.stdout + r.stderr, r)

    def test_secret_file_must_be_small_and_regular(self):
        fifo = os.path.join(self.tmp, "cookie-fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        start = time.monotonic()
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-cookie", fifo, "-t", "2")
        self.assertLess(time.monotonic() - start, 2.5, r)
        self.assertState(r, 3, "the cookie file %s is a FIFO, not a regular file" % fifo)
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-cookie", "/dev/zero", "-t", "2")
        self.assertState(r, 3, "the cookie file /dev/zero is a character device, not a regular file")
        big = os.path.join(self.tmp, "big-password")
        with open(big, "w") as f:
            f.write("x" * 5000)
        r = self.check("--bitcoin-url", self.btc.url, "--bitcoin-user", "monitor",
                       "--bitcoin-password-file", big)
        self.assertState(r, 3, "the password file %s is larger than 4096 bytes" % big)


class FailureTest(BlockLagCase):

    def test_rpc_error_with_json_body(self):
        self.btc.set(mood="rpc-error")
        r = self.check(*self.all_args())
        self.assertState(r, 2, "getblockchaininfo failed: code -28: Loading block index")
        self.assertLine(r, "OK", "Stacks node")  # the others still run

    def test_unknown_method_404(self):
        self.btc.set(mood="unknown-method")
        r = self.check(*self.btc_args())
        self.assertState(r, 2, "code -32601: Method not found")

    @under_valgrind
    def test_bitcoin_garbage_is_unknown_others_report(self):
        self.btc.set(mood="garbage")
        r = self.check(*self.all_args())
        self.assertState(r, 3, "Bitcoin Core", "not JSON")
        self.assertLine(r, "OK", "signer")
        self.assertLine(r, "OK", "against its peers")
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("stacks_height", r.perfdata)
        self.assertNotIn("bitcoin_height", r.perfdata)

    def test_bitcoin_missing_field_is_unknown(self):
        self.btc.set(mood="missing-field")
        r = self.check(*self.btc_args())
        self.assertState(r, 3, "field 'blocks' missing")

    def test_bitcoin_down_others_answer(self):
        r = self.check("--bitcoin-url", "http://127.0.0.1:%d" % closed_port(), "--bitcoin-cookie",
                       self.btc.cookie_file, "-u", self.stx.url, "--signer-url", self.signer.url)
        self.assertState(r, 2, "cannot connect to Bitcoin Core", "Connection refused")
        self.assertLine(r, "OK", "signer")
        # without Bitcoin Core the signer is compared with its own node's tip
        self.assertLine(r, "OK", "Bitcoin tip against its node's")
        self.assertEqual(r.perfdata["signer_bitcoin_lag"].value, 0)

    def test_bitcoin_reset(self):
        self.btc.set(mood="reset")
        r = self.check(*self.all_args())
        self.assertState(r, 2, "Bitcoin Core")
        self.assertIn("signer_stacks_lag", r.perfdata)

    def test_stacks_down_others_answer(self):
        r = self.check(*self.btc_args(), "-u", "http://127.0.0.1:%d" % closed_port(),
                       "--signer-url", self.signer.url)
        self.assertState(r, 2, "cannot connect to Stacks node")
        self.assertLine(r, "OK", "against its headers")
        self.assertEqual(r.perfdata["signer_bitcoin_lag"].value, 0)

    def test_stacks_garbage_is_unknown(self):
        self.stx.set(info_mood="garbage")
        r = self.check(*self.all_args())
        self.assertState(r, 3, "Stacks node", "not JSON")
        self.assertIn("bitcoin_height", r.perfdata)

    def test_signer_down_others_answer(self):
        r = self.check(*self.btc_args(), "-u", self.stx.url, "--signer-url",
                       "http://127.0.0.1:%d" % closed_port())
        self.assertState(r, 2, "cannot connect to signer")
        self.assertLine(r, "OK", "against its headers")
        self.assertEqual(r.perfdata["stacks_burn_lag"].value, 0)

    def test_signer_http_500_and_bad_shape(self):
        self.signer.set(mood="http-500")
        r = self.check(*self.all_args())
        self.assertState(r, 2, "/info answered HTTP 500")
        self.signer.set(mood="missing-bitcoin")
        r = self.check(*self.all_args())
        self.assertState(r, 3, "field 'bitcoin' missing")

    def test_deadline_bounds_a_stalled_source(self):
        self.btc.set(mood="stall", stall_seconds=30)
        start = time.monotonic()
        r = self.check(*self.all_args(), "-t", "2")
        self.assertLess(time.monotonic() - start, 8, r)
        self.assertState(r, 3, "within the deadline of 2 s")
        r = self.check(*self.btc_args(), "-t", "2:CRITICAL")
        self.assertState(r, 2)

    def test_stalled_bitcoin_core_costs_only_itself(self):
        # The sources are asked at once: the Stacks node and the signer are measured and
        # judged while Bitcoin Core stalls, and its own line says it timed out. Before,
        # Bitcoin Core ate the whole deadline and the others ended "not asked".
        self.btc.set(mood="stall", stall_seconds=30)
        start = time.monotonic()
        r = self.check(*self.all_args(), "-t", "5")
        # the deadline, and what a loaded machine adds to starting and ending a process
        self.assertLess(time.monotonic() - start, 6.5, r)
        self.assertLess(r.perfdata["time"].value, 5, r)
        self.assertState(r, 3, "Bitcoin Core", "within the deadline of 5 s")
        self.assertLine(r, "UNKNOWN", "Bitcoin Core")
        self.assertLine(r, "OK", "against its peers: level at 1832097")
        self.assertLine(r, "OK", "Stacks tip block 1832097 is")
        self.assertLine(r, "OK", "Bitcoin tip against its node's")
        self.assertLine(r, "OK", "Stacks tip against Stacks node")
        self.assertNotIn("not asked", r.stdout)
        p = r.perfdata
        self.assertNotIn("bitcoin_height", p)
        self.assertEqual(p["stacks_height"].value, STX)
        self.assertEqual(p["stacks_peer_lag"].value, 0)
        self.assertIn("stacks_tip_age", p)
        self.assertEqual(p["signer_bitcoin_lag"].value, 0)
        self.assertEqual(p["signer_stacks_lag"].value, 0)
        self.assertLess(p["stacks_time"].value, 2, p["stacks_time"])
        self.assertLess(p["signer_time"].value, 2, p["signer_time"])
        self.assertGreaterEqual(p["bitcoin_time"].value, 4.5, p["bitcoin_time"])
        # the state of -t's STATE
        r = self.check(*self.all_args(), "-t", "5:CRITICAL")
        self.assertState(r, 2, "Bitcoin Core", "within the deadline of 5 s")
        self.assertIn("signer_stacks_lag", r.perfdata)

    def test_silent_signer(self):
        with SilentServer() as s:
            r = self.check("--signer-url", "http://127.0.0.1:%d" % s.port, "-t", "1")
        self.assertState(r, 3, "signer", "deadline")
        self.assertLess(r.elapsed, 6, r)


class StacksTest(BlockLagCase):

    def test_burn_lag_against_bitcoin_core(self):
        self.stx.set(burn_block_height=BLOCKS - 3)
        r = self.check(*self.btc_args(), "-u", self.stx.url)
        self.assertState(r, 2, "Bitcoin view against Bitcoin Core", "3 Bitcoin blocks behind (879997 of 880000)")
        self.assertEqual(r.perfdata["stacks_burn_lag"].value, 3)
        r = self.check(*self.btc_args(), "-u", self.stx.url, "--stacks-critical", "5", "--stacks-warning", "2")
        self.assertState(r, 1)

    def test_reference_hiro_extended(self):
        self.ref.set(stacks_height=STX + 40)
        r = self.check("-u", self.stx.url, "--stacks-reference", self.ref.url)
        self.assertState(r, 2, "40 Stacks blocks behind (1832097 of 1832137)")
        self.assertEqual(r.perfdata["stacks_reference_lag"].value, 40)
        self.ref.set(stacks_height=STX + 15)
        r = self.check("-u", self.stx.url, "--stacks-reference", self.ref.url)
        self.assertState(r, 1, "15 Stacks blocks behind")
        self.assertIn("/extended", [q["path"] for q in self.ref.requests])

    def test_reference_node_v2_info_and_its_chain(self):
        self.ref.set(hiro=False, proxy_info=True, network_id=0x80000000)
        r = self.check("-u", self.stx.url, "--stacks-reference", self.ref.url)
        self.assertState(r, 2, "chain mismatch", "on mainnet", "on a test network")
        self.ref.set(network_id=1, stacks_height=STX + 2)
        r = self.check("-u", self.stx.url, "--stacks-reference", self.ref.url)
        self.assertState(r, 0)
        self.assertEqual(r.perfdata["stacks_reference_lag"].value, 2)

    def test_chain_mismatch_bitcoin_testnet_stacks_mainnet(self):
        self.btc.set(mood="testnet")
        r = self.check(*self.all_args())
        self.assertState(r, 2, "chain mismatch", "network_id 0x1", "(test)")
        self.assertNotIn("stacks_burn_lag", r.perfdata)

    def test_not_fully_synced_is_warning(self):
        self.stx.set(info_overrides={"is_fully_synced": False})
        r = self.check("-u", self.stx.url)
        self.assertState(r, 1, "not fully synced")

    def test_peer_lag(self):
        self.stx.set(peer_lag=50)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 2, "against its peers: 50 Stacks blocks behind")
        self.assertEqual(r.perfdata["stacks_peer_lag"].value, 50)

    def test_health_404_is_noted(self):
        # before 3.1.0.0.13 there is no /v3/health: no comparison, said so, no alarm
        self.stx.set(server_version=V_3_1_0_0_12)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "no peer comparison")
        self.assertLine(r, "OK", "has no /v3/health (before 3.1.0.0.13)")
        self.assertNotIn("stacks_peer_lag", r.perfdata)
        self.stx.set(server_version=V_3_3_0_0_4, health_mood="http-404")
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "no peer comparison")

    def test_isolated_node_200_is_warning(self):
        # gethealth.rs from 3.2.0.0.2: 200 with (None, 0) for a node that knows no
        # neighbour; "level at N" (OK) before this change
        for version in (V_3_2_0_0_2, V_3_3_0_0_4):
            self.stx.set(neighbors=False, server_version=version)
            r = self.check("-u", self.stx.url)
            self.assertState(r, 1, "Stacks node has no neighbours: its tip cannot be compared")
            self.assertNotIn("against its peers", r.stdout)
            self.assertNotIn("stacks_peer_lag", r.perfdata)
            if version == V_3_3_0_0_4:  # its tip's timestamp still tells whether it moves
                self.assertTrue(5 <= r.perfdata["stacks_tip_age"].value <= 35, r.perfdata)

    def test_isolated_node_500_is_warning(self):
        # 3.1.0.0.13 to 3.2.0.0.1 answer 500 when they cannot compare: OK "no peer
        # comparison" before this change
        self.stx.set(neighbors=False, server_version=V_3_2_0_0_1)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 1, "Stacks node has no neighbours: its tip cannot be compared",
                         "/v3/health answered HTTP 500", "No viable bootstrap peers found")
        self.assertNotIn("stacks_peer_lag", r.perfdata)
        self.stx.set(neighbors=True, health_mood="http-500")  # the same answer on a newer node
        r = self.check("-u", self.stx.url)
        self.assertState(r, 1, "has no neighbours")

    def test_isolated_node_state_option(self):
        self.stx.set(neighbors=False, server_version=V_3_2_0_0_2)
        r = self.check("-u", self.stx.url, "--stacks-no-peers-state=critical")
        self.assertState(r, 2, "Stacks node has no neighbours")
        r = self.check("-u", self.stx.url, "--stacks-no-peers-state", "ok")
        self.assertState(r, 0, "Stacks node at 1832097")
        self.assertLine(r, "OK", "Stacks node has no neighbours")
        self.stx.set(server_version=V_3_2_0_0_1)
        r = self.check("-u", self.stx.url, "--stacks-no-peers-state=CRITICAL")
        self.assertState(r, 2, "Stacks node has no neighbours")
        for bad in ("unknown", "maybe", ""):
            r = self.check("-u", self.stx.url, "--stacks-no-peers-state=" + bad)
            self.assertEqual(r.rc, 3, r)
            self.assertIn("--stacks-no-peers-state", r.stdout)

    def test_node_with_neighbours_on_each_version(self):
        for version in (V_3_2_0_0_1, V_3_2_0_0_2, V_3_3_0_0_4):
            self.stx.set(server_version=version, peer_lag=3)
            r = self.check("-u", self.stx.url)
            self.assertState(r, 0, "Stacks node at 1832097")
            self.assertLine(r, "OK", "against its peers: 3 Stacks blocks behind")
            self.assertEqual(r.perfdata["stacks_peer_lag"].value, 3)


class StacksTipAgeTest(BlockLagCase):
    """The Stacks tip's age: its timestamp (tip_metadata, 3.3.0.0.4+), else the height kept
    between runs in --state-dir."""

    def test_tip_age_from_timestamp(self):
        for age, rc in ((5, 0), (3600, 1), (3 * 3600, 2)):
            self.stx.set(tip_age=age)
            r = self.check("-u", self.stx.url)
            self.assertEqual(r.rc, rc, r)
            p = r.perfdata["stacks_tip_age"]
            # The check's clock is read before the request, the fixture's timestamp (whole
            # seconds) when it answers: a loaded machine puts seconds between them.
            self.assertTrue(age - 5 <= p.value <= age + 30, p)
            self.assertEqual((p.uom, p.warn, p.crit, p.min), ("s", 1800, 7200, 0))
            if rc:
                self.assertState(r, rc, "Stacks tip block 1832097 is %s old" % {3600: "1h 0m", 3 * 3600: "3h 0m"}[age])
        # the request names the tip's tenure, by /v2/info's stacks_tip_consensus_hash
        paths = [q["path"] for q in self.stx.requests if "tip_metadata" in q["path"]]
        self.assertEqual(paths[-1], "/v3/tenures/tip_metadata/17f76e597bab45646956f38dd39573085d72cbc0")
        self.assertEqual(os.listdir(self.state_dir), [])  # no state file needed
        self.stx.set(tip_age=3600)
        r = self.check("-u", self.stx.url, "--stacks-tip-age-warning=2h", "--stacks-tip-age-critical", "3h")
        self.assertState(r, 0)
        self.assertEqual((r.perfdata["stacks_tip_age"].warn, r.perfdata["stacks_tip_age"].crit), (7200, 10800))

    def test_tip_age_from_height_across_runs(self):
        self.stx.set(server_version=V_3_2_0_0_2)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "no Stacks tip age yet: height 1832097 recorded in")
        self.assertNotIn("stacks_tip_age", r.perfdata)
        files = os.listdir(self.state_dir)
        self.assertEqual(len(files), 1, files)
        path = os.path.join(self.state_dir, files[0])
        st = os.lstat(path)
        self.assertEqual(oct(st.st_mode & 0o777), "0o600")
        self.assertEqual(oct(os.stat(self.state_dir).st_mode & 0o777), "0o700")
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "Stacks tip 1832097 has not changed for")
        self.assertTrue(0 <= r.perfdata["stacks_tip_age"].value <= 30, r.perfdata["stacks_tip_age"])
        # the height was first seen 40 minutes ago and has not moved since
        with open(path) as f:
            text = f.read()
        fetched = [line for line in text.splitlines() if line.startswith("fetched ")][0]
        seen = int(fetched.split()[1])
        with open(path, "w") as f:
            f.write(text.replace(fetched, "fetched %d" % (seen - 2400)))
        r = self.check("-u", self.stx.url)
        self.assertState(r, 1, "Stacks tip 1832097 has not changed for 40m")
        self.assertTrue(2400 <= r.perfdata["stacks_tip_age"].value <= 2430, r.perfdata["stacks_tip_age"])
        # the tip moves: the age starts again
        self.stx.set(stacks_tip_height=STX + 1)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "Stacks tip moved to 1832098 since the last run")
        self.assertEqual(r.perfdata["stacks_tip_age"].value, 0)
        # a stopped tip with no peers and no reference is still caught
        self.stx.set(neighbors=False)
        with open(path) as f:
            text = f.read()
        fetched = [line for line in text.splitlines() if line.startswith("fetched ")][0]
        with open(path, "w") as f:
            f.write(text.replace(fetched, "fetched %d" % (int(time.time()) - 3 * 3600)))
        r = self.check("-u", self.stx.url)
        self.assertState(r, 2, "Stacks tip 1832098 has not changed for 3h")
        self.assertLine(r, "WARNING", "Stacks node has no neighbours")

    def test_tip_age_epoch2_header_uses_height(self):
        self.stx.set(tip_header="epoch2")
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "no Stacks tip age yet")

    def test_tip_metadata_garbage_is_unknown(self):
        self.stx.set(tip_mood="garbage")
        r = self.check("-u", self.stx.url)
        self.assertState(r, 3, "/v3/tenures/tip_metadata/", "not JSON")
        self.assertNotIn("stacks_tip_age", r.perfdata)

    def test_state_dir_symlink_is_unknown(self):
        self.stx.set(server_version=V_3_1_0_0_12)
        real = tempfile.mkdtemp(dir=self.tmp)
        link = os.path.join(self.tmp, "state-link")
        os.symlink(real, link)
        try:
            r = self.check("-u", self.stx.url, "--state-dir", link)
            self.assertState(r, 3, "no Stacks tip age for Stacks node", "state directory " + link,
                             "not a directory (or a symbolic link)")
            self.assertEqual(os.listdir(real), [])
        finally:
            os.unlink(link)

    def test_state_dir_writable_by_others_is_unknown(self):
        self.stx.set(server_version=V_3_1_0_0_12)
        d = tempfile.mkdtemp(dir=self.tmp)
        os.chmod(d, 0o777)
        r = self.check("-u", self.stx.url, "--state-dir", d)
        self.assertState(r, 3, "state directory %s is not used: others may write to it (chmod 0700)" % d)
        self.assertEqual(os.listdir(d), [])

    def test_state_file_symlink_is_not_followed(self):
        self.stx.set(server_version=V_3_1_0_0_12)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        (name,) = os.listdir(self.state_dir)
        path = os.path.join(self.state_dir, name)
        target = os.path.join(self.tmp, "target-%s" % name)
        with open(target, "w") as f:
            f.write("untouched")
        os.unlink(path)
        os.symlink(target, path)
        r = self.check("-u", self.stx.url)
        self.assertState(r, 0)
        self.assertLine(r, "OK", "a symbolic link")
        with open(target) as f:
            self.assertEqual(f.read(), "untouched")
        self.assertFalse(os.path.islink(path))  # replaced by a regular file, by rename


class NetworkTest(BlockLagCase):
    """--network: the chain every source must be on (mainnet by default)."""

    def testnet_sources(self):
        self.btc.set(mood="testnet")  # chain "test", 4300000 blocks
        self.stx.set(network_id=0x80000000, burn_block_height=4300000)
        self.signer.set(node_chain="testnet", network="testnet", bitcoin_signer_height=4300000,
                        bitcoin_node_height=4300000)

    def test_testnet_sources_under_network_testnet(self):
        self.testnet_sources()
        r = self.check(*self.all_args(), "--network", "testnet")
        self.assertState(r, 0, "Bitcoin Core at 4300000 (test)")
        self.assertNotIn("wrong chain", r.stdout)
        self.assertEqual(r.perfdata["stacks_burn_lag"].value, 0)

    def test_testnet_sources_without_network_are_wrong(self):
        self.testnet_sources()
        r = self.check(*self.all_args())
        self.assertState(r, 2, "wrong chain: Bitcoin Core", "is on a test network (chain test), expected "
                         "mainnet (--network mainnet)")
        self.assertLine(r, "CRITICAL", "wrong chain: Stacks node")
        self.assertLine(r, "CRITICAL", "network_id 0x80000000")
        self.assertLine(r, "CRITICAL", "wrong chain: signer")

    def test_mainnet_node_under_network_testnet_is_critical(self):
        r = self.check(*self.all_args(), "--network=testnet")
        self.assertState(r, 2, "wrong chain: Bitcoin Core", "is on mainnet (chain main), expected a test "
                         "network (--network testnet)")
        self.assertLine(r, "CRITICAL", "wrong chain: Stacks node")
        self.assertLine(r, "CRITICAL", "(network_id 0x1)")
        self.assertLine(r, "CRITICAL", "wrong chain: signer")
        # one source alone is judged too
        r = self.check("-u", self.stx.url, "--network", "testnet")
        self.assertState(r, 2, "wrong chain: Stacks node", "network_id 0x1")
        self.stx.set(network_id=0x80000000)
        r = self.check("-u", self.stx.url, "--network", "testnet")
        self.assertState(r, 0)

    def test_bad_network_is_unknown(self):
        r = self.check("-u", self.stx.url, "--network", "regtest")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("invalid --network 'regtest': expected mainnet or testnet", r.stdout)


class SignerTest(BlockLagCase):

    @under_valgrind
    def test_stuck_signer_is_critical(self):
        self.signer.set(bitcoin_signer_height=BLOCKS - 10, bitcoin_node_height=BLOCKS - 10)
        r = self.check(*self.all_args())
        self.assertState(r, 2, "Bitcoin tip against Bitcoin Core", "10 Bitcoin blocks behind (879990 of 880000)")
        self.assertEqual(r.perfdata["signer_bitcoin_lag"].value, 10)
        self.assertEqual(r.perfdata["signer_bitcoin_height"].value, BLOCKS - 10)

    def test_signer_stacks_lag_and_override(self):
        self.signer.set(stacks_signer_height=STX - 12)
        r = self.check(*self.all_args())
        self.assertState(r, 1, "Stacks tip against Stacks node", "12 Stacks blocks behind")
        r = self.check(*self.all_args(), "--signer-warning", "20")
        self.assertState(r, 0)
        r = self.check(*self.all_args(), "-c", "5", "--signer-critical", "11")
        self.assertState(r, 2)

    def test_signer_alone_uses_its_own_node_tips(self):
        self.signer.set(bitcoin_signer_height=BLOCKS - 1, bitcoin_node_height=BLOCKS + 1)
        r = self.check("--signer-url", self.signer.url)
        self.assertState(r, 1, "against its node's", "2 Bitcoin blocks behind")

    def test_signer_nulls(self):
        self.signer.set(mood="all-null")
        r = self.check("--signer-url", self.signer.url)
        self.assertState(r, 2, "has no Bitcoin tip")
        self.assertLine(r, "WARNING", "reports no Bitcoin node tip")
        self.assertNotIn("signer_bitcoin_lag", r.perfdata)

    def test_signer_on_another_chain(self):
        self.signer.set(node_chain="testnet", network="testnet")
        r = self.check(*self.all_args())
        self.assertState(r, 2, "chain mismatch", "signer")


class SignerDbTest(BlockLagCase):

    def test_db_tip_against_bitcoin_core(self):
        db = harness.scenario_db()
        db.insert_bitcoin_chain(tip_height=BLOCKS, tip_age=120)
        r = self.check(*self.btc_args(), "-d", db.conninfo())
        self.assertState(r, 0)
        self.assertEqual(r.perfdata["signer_bitcoin_height"].value, BLOCKS)
        self.assertTrue(115 <= r.perfdata["signer_last_block_age"].value <= 180, r)
        db2 = harness.scenario_db()
        db2.insert_bitcoin_chain(tip_height=BLOCKS - 4, tip_age=4 * 3600)
        r = self.check(*self.btc_args(), "-d", db2.conninfo())
        self.assertState(r, 2, "4 Bitcoin blocks behind (879996 of 880000)")
        self.assertLine(r, "CRITICAL", "last block recorded 4h")

    def test_db_empty_and_unreachable(self):
        db = harness.scenario_db()
        r = self.check("-d", db.conninfo())
        self.assertState(r, 2, "has recorded no Bitcoin block")
        r = self.check("-d", "host=127.0.0.1 port=%d dbname=x connect_timeout=2" % closed_port())
        self.assertState(r, 2)


class UsageTest(BlockLagCase):

    def test_bad_arguments_are_unknown(self):
        for args, text in ((["-w", "abc"], "invalid range"),
                           (["--tip-age-warning", "5x"], "5x"),
                           (["--bitcoin-url", "ftp://x"], "--bitcoin-url"),
                           (["--bitcoin-reference-cookie", "/x"], "need --bitcoin-reference-rpc")):
            r = self.check(*args)
            self.assertEqual(r.rc, 3, r)
            self.assertTrue(r.first_line.startswith(PREFIX + "UNKNOWN - "), r)
            self.assertIn(text, r.stdout, r)

    def test_extra_opts_input_is_bounded(self):
        """An --extra-opts file that is a FIFO, /dev/zero or huge ends with UNKNOWN at
        once, and -t 2 bounds the run whatever is read (lib/extra_opts.c, lib/smallfile.c)."""
        fifo = os.path.join(self.tmp, "ini-fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        huge = os.path.join(self.tmp, "huge.ini")
        with open(huge, "w") as f:
            f.write("[check_sbtc_block_lag]\n")
            f.write("# padding\n" * 200000)
        for path, why in ((fifo, "is a FIFO, not a regular file"),
                          ("/dev/zero", "is a character device, not a regular file"),
                          (huge, "is larger than 1048576 bytes")):
            for args in (["-t", "2", "--extra-opts=@" + path], ["--extra-opts", "@" + path, "-t", "2"]):
                start = time.monotonic()
                r = self.check(*args, timeout=20)
                took = time.monotonic() - start
                self.assertEqual(r.rc, 3, r)
                self.assertEqual(r.first_line, PREFIX + "UNKNOWN - the extra-opts file %s %s"
                                 % (path, why), r)
                self.assertLess(took, 2.5, r)

    def test_extra_opts_many_lines_and_arguments(self):
        """200,000 ini lines (under the cap) and 100,000 arguments: linear, well within -t."""
        ini = os.path.join(self.tmp, "long.ini")
        with open(ini, "w") as f:
            f.write("[check_sbtc_block_lag]\n" + "verbose\n" * 120000)
        start = time.monotonic()
        r = self.check("--extra-opts=@" + ini, "--bitcoin-url", "ftp://x", "-t", "5", timeout=60)
        took = time.monotonic() - start
        self.assertEqual(r.rc, 3, r)
        self.assertIn("--bitcoin-url", r.first_line, r)
        self.assertLess(took, 5, r)
        start = time.monotonic()
        r = self.check(*(["-v"] * 100000), "--bitcoin-url", "ftp://x", "-t", "5", timeout=60)
        took = time.monotonic() - start
        self.assertEqual(r.rc, 3, r)
        self.assertIn("--bitcoin-url", r.first_line, r)
        self.assertLess(took, 5, r)

    def test_unknown_option_from_ini_shows_no_value(self):
        ini = os.path.join(self.tmp, "secret.ini")
        with open(ini, "w") as f:
            f.write("[check_sbtc_block_lag]\nrpcpassword = hunter2\n")
        for args in (["--extra-opts=@" + ini], ["--extra-opts", "@" + ini]):
            r = self.check(*args)
            self.assertEqual(r.rc, 3, r)
            self.assertEqual(r.first_line, PREFIX + "UNKNOWN - unknown option '--rpcpassword'", r)
            self.assertNotIn("hunter2", r.stdout + r.stderr, r)

    def test_usage_error_output_has_no_perfdata(self):
        """Nagios reads everything after '|' on stdout as perfdata; the synopsis says "or"."""
        r = self.check("--bogus")
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(r.first_line, PREFIX + "UNKNOWN - unknown option '--bogus'", r)
        self.assertNotIn("|", r.stdout, r)
        self.assertIn("Usage: check_sbtc_block_lag", r.stdout, r)
        r = self.check("-?")
        self.assertEqual(r.rc, 3, r)
        self.assertTrue(r.stdout.startswith("Usage: check_sbtc_block_lag "), r)
        self.assertNotIn("|", r.stdout, r)

    def test_long_argument_is_cut_and_the_reason_kept(self):
        r = self.check("-w", "x" * 2000)
        self.assertEqual(r.rc, 3, r)
        self.assertLess(len(r.first_line), 300, r)
        self.assertNotIn("x" * 61, r.stdout, r)
        self.assertIn("invalid range", r.first_line, r)

    def test_help_and_version(self):
        r = self.check("--help")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("--tip-age-warning", r.stdout)
        self.assertIn("--bitcoin-password-file", r.stdout)
        r = self.check("-V")
        self.assertEqual(r.rc, 3, r)


if __name__ == "__main__":
    unittest.main()
