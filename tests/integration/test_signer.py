# SPDX-License-Identifier: GPL-2.0-or-later
"""check_sbtc_signer against the fixture Stacks node, signer API, Emily and exporter, and a
real PostgreSQL loaded with the signer's schema.

Each test asserts the exit code, the first line and the perfdata. The fixtures are shared
by the class (one set of servers); each test sets the moods it needs in setUp's clean
configuration.
"""

import json
import os
import shutil
import stat
import tempfile
import time
import unittest

import harness
from harness import under_valgrind
from harness.net import SilentServer, closed_port

from emily import API_KEY, EmilyFixture
from signer_api import SignerApiFixture
from stacks_node import SIGNER_SET

CHECK = "check_sbtc_signer"
PREFIX = "SBTC SIGNER "
KEY = SIGNER_SET[1]
STX = 1000000


def short(key):
    return "%s...%s" % (key[:10], key[-6:])


class SignerCase(harness.StateAssertions, unittest.TestCase):
    """One Stacks node, signer API and Emily for the class; a state directory per test."""

    PREFIX = PREFIX

    @classmethod
    def setUpClass(cls):
        cls.node = harness.StacksNodeFixture()
        cls.api = SignerApiFixture()
        cls.emily = EmilyFixture()
        for f in (cls.node, cls.api, cls.emily):
            f.start()

    @classmethod
    def tearDownClass(cls):
        for f in (cls.node, cls.api, cls.emily):
            f.stop()

    def setUp(self):
        for f in (self.node, self.api, self.emily):
            f.reset_config()
            f.clear_requests()
        self.dir = tempfile.mkdtemp(prefix="sbtc-signer-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.emily_file = self.url_file("http://%s@127.0.0.1:%d" % (API_KEY, self.emily.port))

    def url_file(self, text, mode=0o600):
        path = os.path.join(self.dir, "emily-%d.url" % len(os.listdir(self.dir)))
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, mode)
        return path

    def argv(self, *args, key=KEY, emily=True):
        a = ["-u", self.node.url, "--signer-url", self.api.url, "--state-dir", os.path.join(self.dir, "state")]
        if key is not None:
            a += ["-k", key]
        if emily:
            a += ["--emily-url-file", self.emily_file]
        return a + list(args)

    def check(self, *args, timeout=30, key=KEY, emily=True, **kw):
        return harness.run(CHECK, self.argv(*args, key=key, emily=emily), timeout=timeout, **kw)


class Chain(SignerCase):
    """The registry's set, threshold and principal, the API and Emily; no database, no exporter."""

    @under_valgrind
    def test_ok_healthy_signer(self):
        r = self.check()
        self.assertState(r, 0, "signer alive, in the signer set of 3 (threshold 2), 500.00 STX for fees")
        self.assertEqual(r.perfdata["signer_set_size"].value, 3, r)
        self.assertEqual(r.perfdata["signature_threshold"].value, 2, r)
        fee = r.perfdata["fee_balance"]
        self.assertEqual((fee.value, fee.warn, fee.crit, fee.min), (500, 150, 45, 0), r)
        self.assertIn("[OK] key %s is in the registry's signer set of 3" % short(KEY), r.stdout)
        self.assertIn("[OK] Emily 127.0.0.1:%d answers (version 1.3.3)" % self.emily.port, r.stdout)
        # what was not given is said, not judged
        for what in ("peers", "dkg", "deposits", "withdrawals", "signing errors"):
            self.assertIn("[OK] %s: not queried" % what, r.stdout)
        # the principal's balance was asked as the node expects it
        paths = [q["raw_path"] for q in self.node.requests]
        self.assertIn("/v2/accounts/SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4?proof=0", paths)

    @under_valgrind
    def test_critical_key_dropped_from_the_set(self):
        self.node.set(signer_set=[SIGNER_SET[0], SIGNER_SET[2]])
        r = self.check()
        self.assertState(r, 2, "key %s is not in the registry's current signer set of 2: the signer will "
                               "not sign" % short(KEY))
        self.assertEqual(r.perfdata["signer_set_size"].value, 2, r)

    def test_verbose_shows_the_whole_key(self):
        self.node.set(signer_set=[SIGNER_SET[0]])
        r = self.check("-v")
        self.assertState(r, 2, "key %s is not in" % KEY)

    def test_registry_without_signer_data_asks_the_single_functions(self):
        self.node.set(signer_data_function=False)
        r = self.check("--skip", "threshold")
        self.assertState(r, 0, "in the signer set of 3")
        functions = [q["path"].rsplit("/", 1)[-1] for q in self.node.requests if "call-read" in q["path"]]
        self.assertEqual(sorted(functions), ["get-current-signer-data", "get-current-signer-principal",
                                             "get-current-signer-set"])
        # the set alone carries no threshold: said, never taken for OK
        r = self.check("--only", "threshold")
        self.assertState(r, 3, "signature threshold unknown")

    def test_threshold_and_size_from_the_chain(self):
        self.node.set(signature_threshold=10, signer_set=[KEY] + ["02%064x" % i for i in range(1, 14)])
        r = self.check("--only", "signer_set,threshold")
        self.assertState(r, 0, "in the signer set of 14 (threshold 10)")
        self.assertEqual(r.perfdata["signature_threshold"].value, 10, r)

    def test_stacks_node_unreachable(self):
        port = closed_port()
        r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % port))
        self.assertState(r, 2, "cannot connect to Stacks node http://127.0.0.1:%d" % port)
        # the API and Emily are still judged
        self.assertIn("[OK] signer API", r.stdout)
        self.assertIn("[OK] Emily", r.stdout)
        self.assertNotIn("fee_balance", r.perfdata)

    def test_registry_refuses(self):
        self.node.set(signer_mood="http-500")
        r = self.check()
        self.assertState(r, 2, "answered HTTP 500")

    def test_registry_answer_not_json(self):
        self.node.set(signer_mood="garbage")
        r = self.check("--only", "signer_set")
        self.assertState(r, 3, "sent an answer that is not JSON")

    def test_registry_okay_false(self):
        self.node.set(signer_mood="okay-false", cause="Runtime(Unwrap)")
        r = self.check("--only", "signer_set")
        self.assertState(r, 2, "refused call-read get-current-signer-data: Runtime(Unwrap)")

    def test_api_down(self):
        port = closed_port()
        r = harness.run(CHECK, self.argv("--signer-url", "http://127.0.0.1:%d" % port))
        self.assertState(r, 2, "cannot connect to signer http://127.0.0.1:%d" % port)
        self.assertIn("[OK] key", r.stdout)

    def test_api_answers_500(self):
        self.api.set(mood="http-500")
        r = self.check("--only", "alive")
        self.assertState(r, 2, "signer %s answered HTTP 500" % self.api.url)

    def test_fees_warning(self):
        self.node.set(balance_ustx=100 * STX)
        r = self.check("--only", "fees")
        self.assertState(r, 1, "the signers' principal SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4 holds 100.00 STX")
        self.assertEqual(r.perfdata["fee_balance"].value, 100, r)

    def test_fees_critical(self):
        self.node.set(balance_ustx=int(44.5 * STX))
        r = self.check("--only", "fees")
        self.assertState(r, 2, "holds 44.50 STX for fees")

    def test_fees_thresholds_given(self):
        self.node.set(balance_ustx=100 * STX)
        r = self.check("--only", "fees", "--fee-balance-warning", "50", "--fee-balance-critical", "20")
        self.assertState(r, 0, "100.00 STX for fees")
        self.assertEqual((r.perfdata["fee_balance"].warn, r.perfdata["fee_balance"].crit), (50, 20), r)

    def test_fees_account_unreadable(self):
        self.node.set(account_mood="garbage")
        r = self.check("--only", "fees")
        self.assertState(r, 3, "sent an answer that is not JSON")


class Emily(SignerCase):

    def test_emily_down(self):
        self.emily.set(mood="500")
        r = self.check("--only", "emily")
        self.assertState(r, 2, "Emily 127.0.0.1:%d/health answered HTTP 500" % self.emily.port)

    def test_emily_unreachable(self):
        port = closed_port()
        f = self.url_file("http://%s@127.0.0.1:%d/" % (API_KEY, port))
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 2, "127.0.0.1:%d" % port)
        self.assertNotIn(API_KEY, r.stdout + r.stderr)

    def test_emily_garbage(self):
        self.emily.set(mood="garbage")
        r = self.check("--only", "emily")
        self.assertState(r, 3, "not JSON")

    def test_emily_reflecting_the_key_never_prints_it(self):
        self.emily.set(mood="echo-key")
        r = self.check("--only", "emily", "-vvv")
        self.assertState(r, 0, "Emily 127.0.0.1:%d answers" % self.emily.port)
        self.assertNotIn(API_KEY, r.stdout + r.stderr)

    def test_url_file_readable_by_others_is_refused(self):
        f = self.url_file("http://%s@127.0.0.1:%d" % (API_KEY, self.emily.port), mode=0o644)
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, "Emily URL file %s is not used: others may read or change it" % f)
        self.assertNotIn(API_KEY, r.stdout)

    def test_url_file_missing(self):
        f = os.path.join(self.dir, "nothing.url")
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, f)

    def test_url_file_not_a_url(self):
        f = self.url_file("%s@127.0.0.1:3031" % API_KEY)
        r = harness.run(CHECK, self.argv("--only", "emily", "--emily-url-file", f))
        self.assertState(r, 3, "Emily URL file %s: not an http:// or https:// URL" % f)
        self.assertNotIn(API_KEY, r.stdout)

    def test_emily_not_given_is_not_queried(self):
        r = self.check(emily=False)
        self.assertState(r, 0)
        self.assertIn("[OK] emily: not queried (no --emily-url-file)", r.stdout)

    def test_stalled_emily_costs_only_itself(self):
        self.emily.set(mood="slow", stall_seconds=30)
        start = time.monotonic()
        r = self.check("-t", "2")
        self.assertLess(time.monotonic() - start, 4, r)
        self.assertState(r, 3, "no answer from Emily 127.0.0.1:%d" % self.emily.port)
        # every other source answered within the deadline and is judged
        self.assertIn("[OK] key", r.stdout)
        self.assertIn("[OK] signer API", r.stdout)
        self.assertEqual(r.perfdata["fee_balance"].value, 500, r)

    def test_no_secret_in_any_format(self):
        self.emily.set(mood="echo-key")
        for fmt in ("multi-line", "one-line", "json"):
            with self.subTest(fmt=fmt):
                r = self.check("--output-format", fmt, "-vv")
                self.assertNotIn(API_KEY, r.stdout + r.stderr, r)
                if fmt == "json":
                    doc = json.loads(r.stdout)
                    self.assertEqual(doc["state"], r.rc)


class Options(SignerCase):

    def test_x_only_key_is_a_usage_error(self):
        r = self.check(key=KEY[2:])
        self.assertState(r, 3, "a 32-byte x-only key", perfdata=False)

    def test_uncompressed_key_is_a_usage_error(self):
        r = self.check(key="04" + "11" * 64)
        self.assertState(r, 3, "an uncompressed 65-byte key", perfdata=False)

    def test_key_with_a_wrong_prefix(self):
        r = self.check(key="05" + "11" * 32)
        self.assertState(r, 3, "starts with 0x05", perfdata=False)

    def test_key_not_hex(self):
        r = self.check(key="zz")
        self.assertState(r, 3, "invalid --public-key", perfdata=False)

    def test_key_required_for_the_set(self):
        r = self.check(key=None)
        self.assertState(r, 3, "--public-key is required", perfdata=False)
        r = self.check("--skip", "signer_set,deposits", key=None)
        self.assertState(r, 0)

    def test_only_one_sub_check(self):
        r = self.check("--only", "fees")
        self.assertState(r, 0)
        self.assertEqual(r.long_text and len([l for l in r.stdout.splitlines() if l.startswith("  [")]), 1, r)
        self.assertEqual([q for q in self.api.requests if q["path"] == "/"], [])

    def test_unknown_sub_check(self):
        r = self.check("--only", "fees,nonsense")
        self.assertState(r, 3, "--only: unknown sub-check 'nonsense'", perfdata=False)

    def test_only_and_skip_exclude_each_other(self):
        r = self.check("--only", "fees", "--skip", "alive")
        self.assertState(r, 3, "--only and --skip exclude each other", perfdata=False)

    def test_stalled_stacks_node_within_the_deadline(self):
        with SilentServer() as silent:
            start = time.monotonic()
            r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % silent.port, "-t", "2"))
            self.assertLess(time.monotonic() - start, 4, r)
        self.assertState(r, 3, "no answer from Stacks node")
        self.assertIn("[OK] signer API", r.stdout)

    def test_timeout_state(self):
        with SilentServer() as silent:
            r = harness.run(CHECK, self.argv("-u", "http://127.0.0.1:%d" % silent.port, "-t", "1:critical",
                                             "--only", "fees"))
        self.assertState(r, 2, "no answer from Stacks node")


if __name__ == "__main__":
    unittest.main()
