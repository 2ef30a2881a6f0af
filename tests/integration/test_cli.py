# SPDX-License-Identifier: GPL-2.0-or-later
"""The shared command line of every built check (lib/cli.c): --help within 80 columns in
the layout contrib/gen-definitions reads, "Default: VALUE" lines that the check accepts
as --option=VALUE, -? printing the usage with state UNKNOWN, and --extra-opts VALUE."""

import os
import re
import shutil
import tempfile
import unittest

import harness
from harness.generator import gen
from harness import under_valgrind

TOP = harness.REPO_ROOT
WIDTH = 80
DEFAULT_PREFIX = "Default: "
# Any proxy a libcurl honours points at a closed loopback port: a default URL such as
# https://api.github.com is never asked (curl leaves the name to the proxy).
NO_NETWORK = {name: "http://127.0.0.1:9" for name in
              ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}
NO_NETWORK.update({"no_proxy": None, "NO_PROXY": None, "MP_CONFIG_FILE": None, "GITHUB_TOKEN": None})




def listed_checks():
    return gen.listed_programs()


def minimal_args(prog, scratch):
    """The fewest arguments with which prog runs past its parse, every source on a
    closed loopback port or in scratch (a run never leaves the host)."""
    dead = "http://127.0.0.1:9"
    return {
        "check_sbtc_aggregate_key": ["-d", "host=127.0.0.1 port=9 dbname=x connect_timeout=2",
                                     "-u", dead],
        "check_sbtc_backup": ["--path", scratch],
        "check_sbtc_block_lag": ["--bitcoin-url", dead, "-u", dead, "--signer-url", dead,
                                 "--state-dir", os.path.join(scratch, "state")],
        "check_sbtc_ports": ["-H", "127.0.0.1", "-p", "9", "--port-timeout", "0.5"],
        "check_sbtc_version": ["--signer-version", "v1.0.0", "--github-api", dead,
                               "--cache-dir", os.path.join(scratch, "cache")],
        "check_sbtc_signer": ["-k", "02" + "11" * 32, "-u", dead, "--signer-url", dead,
                              "--state-dir", os.path.join(scratch, "state")],
        "check_sbtc_ssh": ["--sshd-config", os.path.join(scratch, "sshd_config")],
        "check_sbtc_logs": ["--file", os.path.join(scratch, "signer.log"), "--logrotate-conf",
                            os.path.join(scratch, "logrotate.conf")],
        "check_sbtc_keyfile": ["--config", os.path.join(scratch, "signer-config.toml")],
    }[prog]


def is_usage_error(prog, r):
    """A usage error: UNKNOWN, and the usage lines after the status line."""
    return r.rc == 3 and ("\nUsage: %s " % prog) in r.stdout


def help_of(prog):
    r = harness.run(prog, ["--help"], env=NO_NETWORK)
    return r


def columns(line):
    return len(line)  # str: characters, not bytes


class HelpLayout(unittest.TestCase):
    @under_valgrind
    def test_help_and_usage_fit_in_80_columns(self):
        for prog in listed_checks():
            with self.subTest(check=prog):
                r = help_of(prog)
                self.assertEqual(r.rc, 3, r)
                wide = [l for l in r.stdout.splitlines() if columns(l) > WIDTH]
                self.assertEqual(wide, [], "%s --help has lines over %d columns" % (prog, WIDTH))
                u = harness.run(prog, ["-?"], env=NO_NETWORK)
                wide = [l for l in u.stdout.splitlines() if columns(l) > WIDTH]
                self.assertEqual(wide, [], "%s -? has lines over %d columns" % (prog, WIDTH))

    def test_help_parses_in_the_layout_of_lib_cli(self):
        for prog in listed_checks():
            with self.subTest(check=prog):
                check = gen.parse_help(help_of(prog).stdout, prog)
                self.assertGreater(len(check.options), 6)
                self.assertTrue(check.usage[0].startswith(prog + " "), check.usage)

    @under_valgrind
    def test_question_mark_prints_the_usage_and_exits_unknown(self):
        # As the official plugins do (plugins/utils.c usage5 and each plugin's '?' case):
        # the synopsis, a hint to --help, state UNKNOWN.
        for prog in listed_checks():
            with self.subTest(check=prog):
                r = harness.run(prog, ["-?"], env=NO_NETWORK)
                self.assertEqual(r.rc, 3, r)
                lines = r.stdout.splitlines()
                self.assertTrue(lines[0].startswith("Usage: %s " % prog), r)
                self.assertEqual(lines[-1], "Run '%s --help' for details." % prog, r)
                self.assertTrue(all(l.startswith("  ") for l in lines[1:-1]), r)
                self.assertNotIn("|", r.stdout)
                self.assertEqual(r.stderr, "")


class DefaultLines(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sbtc_cli_")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def defaults(self, prog):
        """(option, value) for each Default line of prog's --help."""
        check = gen.parse_help(help_of(prog).stdout, prog)
        out = []
        for o in check.options:
            marked = [i for i, l in enumerate(o.help_lines) if l.startswith(DEFAULT_PREFIX)]
            if not marked:
                continue
            self.assertEqual(marked, [len(o.help_lines) - 1],
                             "%s --%s: one Default line, the last of its help" % (prog, o.long))
            self.assertNotEqual(o.has_arg, "none", "%s --%s takes no value" % (prog, o.long))
            value = o.help_lines[-1][len(DEFAULT_PREFIX):]
            self.assertTrue(value and value == value.strip() and not value.startswith(("'", '"')),
                            "%s --%s: Default: %r is not a bare value" % (prog, o.long, value))
            # Stated once: the prose says no default of its own.
            prose = " ".join(o.help_lines[:-1])
            self.assertIsNone(re.search(r"\(default[ :]|\bdefault\)", prose),
                              "%s --%s states its default twice: %s" % (prog, o.long, prose))
            out.append((o, value))
        return out

    def test_no_prose_line_reads_as_a_default_line(self):
        # "Default:" belongs to the Default line only: a sentence of the prose that begins
        # with it could be filled to the start of a line and be read as one.
        for prog in listed_checks():
            check = gen.parse_help(help_of(prog).stdout, prog)
            for o in check.options:
                with self.subTest(check=prog, option=o.long):
                    lines = o.help_lines
                    if lines[-1].startswith(DEFAULT_PREFIX):
                        lines = lines[:-1]
                    self.assertNotIn("Default:", " ".join(lines))

    def test_every_check_prints_default_lines(self):
        expected = {  # a few that must be there, as the checks define them
            "check_sbtc_backup": {"warning": "26h", "critical": "50h", "pattern": "*", "timeout": "30"},
            "check_sbtc_ports": {"ports": "1-65535", "timeout": "20", "port-timeout": "1s"},
            "check_sbtc_version": {"bitcoin-policy": "maintained", "github-api": "https://api.github.com"},
            "check_sbtc_block_lag": {"network": "mainnet", "stacks-no-peers-state": "warning"},
            "check_sbtc_aggregate_key": {"stacks-url": "http://127.0.0.1:20443", "timeout": "10"},
        }
        for prog in listed_checks():
            with self.subTest(check=prog):
                found = {o.long: v for o, v in self.defaults(prog)}
                self.assertEqual(found.get("output-format"), "multi-line")
                self.assertNotIn("extra-opts", found)
                for long, value in expected.get(prog, {}).items():
                    self.assertEqual(found.get(long), value, "%s --%s" % (prog, long))

    def test_every_default_value_is_accepted_by_its_check(self):
        for prog in listed_checks():
            base = minimal_args(prog, self.scratch)
            r = harness.run(prog, base + ["-t", "5"], env=NO_NETWORK, timeout=30)
            self.assertFalse(is_usage_error(prog, r), "the minimal arguments are refused: %r" % r)
            for o, value in self.defaults(prog):
                with self.subTest(check=prog, option=o.long, value=value):
                    # As the value of --option= (the form a definition passes), last on the
                    # command line so that it wins over the minimal arguments.
                    args = base + ["-t", "5", "--%s=%s" % (o.long, value)]
                    if o.long == "timeout":
                        args = base + ["--timeout=%s" % value]
                    r = harness.run(prog, args, env=NO_NETWORK, timeout=60)
                    self.assertFalse(is_usage_error(prog, r), r)
                    self.assertNotIn("--" + o.long, r.first_line, r)
                    # The value alone, as the handler sees it, before anything is asked.
                    h = harness.run(prog, ["--%s=%s" % (o.long, value), "--help"], env=NO_NETWORK)
                    self.assertEqual(h.rc, 3, h)
                    self.assertTrue(h.stdout.startswith(prog + " "), h)


class ExtraOptsValue(unittest.TestCase):
    """--extra-opts VALUE as a separate argument (monitoring-plugins lib/extra_opts.c,
    np_extra_opts: an argument after it that is not an option is its value)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sbtc_cli_")
        self.ini = os.path.join(self.dir, "plugins.ini")
        with open(self.ini, "w") as f:
            f.write("[check_sbtc_version]\nsigner-version = v1.0.0\nwarning = 1s:2s\n"
                    "[other]\nsigner-version = garbage!\n")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_version(self, args, env=None):
        e = dict(NO_NETWORK)
        e.update(env or {})
        base = ["--github-api", "http://127.0.0.1:9", "--cache-dir", os.path.join(self.dir, "cache"),
                "--cache-max-age", "0"]
        return harness.run("check_sbtc_version", base + args, env=e)

    def test_separate_value_names_the_section_and_file(self):
        r = self.run_version(["--extra-opts", "other@" + self.ini])
        self.assertEqual(r.rc, 3, r)
        self.assertIn("garbage", r.first_line, r)

    def test_followed_by_an_option_reads_the_default_section_then_the_option(self):
        # "--extra-opts -w 5": the default section ([check_sbtc_version] of MP_CONFIG_FILE),
        # then -w 5 (an invalid range here, so that the message shows it was read as -w).
        r = self.run_version(["--extra-opts", "-w", "x5"], env={"MP_CONFIG_FILE": self.ini})
        self.assertTrue(is_usage_error("check_sbtc_version", r), r)
        self.assertIn("x5", r.first_line, r)
        # and the section was read: without it nothing would be given to check
        r = self.run_version(["--extra-opts", "-v"], env={"MP_CONFIG_FILE": self.ini})
        self.assertFalse(is_usage_error("check_sbtc_version", r), r)

    def test_last_on_the_command_line_reads_the_default_section(self):
        r = self.run_version(["-v", "--extra-opts"], env={"MP_CONFIG_FILE": self.ini})
        self.assertFalse(is_usage_error("check_sbtc_version", r), r)
        r = self.run_version(["-v"], env={"MP_CONFIG_FILE": self.ini})
        self.assertTrue(is_usage_error("check_sbtc_version", r), r)


if __name__ == "__main__":
    unittest.main()
