# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/gen-definitions on synthetic --help text: values (defaults) come only from an
option's last help line `    Default: VALUE`, never from its prose, and reach every
generated definition exactly as the check takes them after `--option=`; each definition
gives the check a deadline under its transport's limit; the port scan's CheckCommand wires
the address family as the Icinga Template Library does and passes no host in local mode.
No daemon runs here (test_consumers runs the definitions in real ones)."""

import re
import unittest

from harness.generator import gen

COMMON = """\
 -h, --help
    Print this help and exit (state UNKNOWN).
 -V, --version
    Print the version and exit (state UNKNOWN).
 -v, --verbose
    Say more; repeat for more detail (up to -vvv).
 -t, --timeout=SECONDS[:STATE]
    Deadline for the whole run, and the state to report when it passes.
    Default: 30
 --output-format=FORMAT
    multi-line, one-line, or json.
    Default: multi-line
 --extra-opts[=[SECTION][@FILE]]
    Read options from an ini file section.
"""

BACKUP_HELP = """\
check_sbtc_backup 9.9.9 (monitoring-plugins-sbtc)

Checks the newest backup of the signer's database.

Usage:
 check_sbtc_backup --path PATH [--pattern GLOB]

Options:
""" + COMMON + """\
 --path=PATH
    Where the backups are.
 --pattern=GLOB
    Names of the backups, a shell glob such as 'signer-*.dump' (default '*'; names
    starting with a dot never match).
    Default: *
 -w, --warning=DURATION
    Age of the newest backup above which the check is WARNING (a range; default 26h).
    Default: 26h
 -c, --critical=DURATION
    Age above which the check is CRITICAL (default 50h).
 --min-size=SIZE
    A newest backup smaller than SIZE is CRITICAL (default 1MB).
 --dbconn=CONNINFO
    A live database.
    Default: host=127.0.0.1 dbname=signer
 --verify-key
    Read the key out of the backup.

Notes.
"""

PORTS_HELP = """\
check_sbtc_ports 9.9.9 (monitoring-plugins-sbtc)

Checks that only the signer's P2P port and SSH face the network.

Usage:
 check_sbtc_ports -H HOST

Options:
""" + COMMON + """\
 -H, --hostname=HOST
    Remote mode: the host to scan.
 -4, --use-ipv4
    Resolve HOST to an IPv4 address.
 -6, --use-ipv6
    Resolve HOST to an IPv6 address.
 -p, --ports=LIST
    TCP ports to scan.
    Default: 1-65535
 --allow=LIST
    Ports that may be open.
    Default: 22,4122
 --require=LIST
    Ports that must be open.
    Default: 4122
 --local
    Local mode: check this host's own sockets and firewall.
"""


def checks():
    return [gen.parse_help(BACKUP_HELP, "check_sbtc_backup"),
            gen.parse_help(PORTS_HELP, "check_sbtc_ports")]


def ini_section(text, program):
    m = re.search(r"^\[%s\]\n(.*?)(?=^\[|\Z)" % re.escape(program), text, re.M | re.S)
    return m.group(1)


class DefaultsFromTheDefaultLine(unittest.TestCase):

    def test_defaults_come_from_the_default_line_only(self):
        backup = checks()[0]
        self.assertEqual(backup.option("pattern").default, "*")
        self.assertEqual(backup.option("warning").default, "26h")
        self.assertEqual(backup.option("dbconn").default, "host=127.0.0.1 dbname=signer")
        self.assertEqual(backup.option("timeout").default, "30")
        # prose saying "(default 50h)" or "(default 1MB)" is not a default
        self.assertIsNone(backup.option("critical").default)
        self.assertIsNone(backup.option("min-size").default)
        self.assertIsNone(backup.option("path").default)

    def test_the_default_line_is_not_part_of_the_prose(self):
        pattern = checks()[0].option("pattern")
        self.assertNotIn("Default:", pattern.help)
        self.assertEqual(pattern.help_lines[-1], "Default: *")  # --help as printed (man page)

    def test_a_default_line_that_is_not_the_last_is_prose(self):
        text = BACKUP_HELP.replace("    Default: 26h\n", "    Default: 26h\n    More prose.\n")
        self.assertIsNone(gen.parse_help(text, "check_sbtc_backup").option("warning").default)

    def test_a_switch_with_a_default_line_is_refused(self):
        text = BACKUP_HELP.replace("    Read the key out of the backup.\n",
                                   "    Read the key out of the backup.\n    Default: yes\n")
        with self.assertRaisesRegex(gen.HelpError, "verify-key takes no value"):
            gen.parse_help(text, "check_sbtc_backup")

    def test_an_option_with_only_a_default_line_has_no_help(self):
        text = BACKUP_HELP.replace("    Where the backups are.\n", "    Default: /var/backups\n")
        with self.assertRaisesRegex(gen.HelpError, "--path has no help text"):
            gen.parse_help(text, "check_sbtc_backup")


class GeneratedValues(unittest.TestCase):

    def setUp(self):
        self.files = gen.outputs(checks())

    def test_ini_examples_hold_the_default_unquoted(self):
        for rel in ("contrib/nrpe/sbtc-plugins.ini", "contrib/zabbix/sbtc-plugins.ini"):
            section = ini_section(self.files[rel], "check_sbtc_backup")
            values = dict(re.findall(r"^;([a-z0-9-]+) = (.*)$", section, re.M))
            self.assertEqual(values, {"pattern": "*", "warning": "26h",
                                      "dbconn": "host=127.0.0.1 dbname=signer"}, rel)
            self.assertNotIn("'", "".join(values.values()))

    def test_ini_examples_set_the_deadline_under_the_transport(self):
        for rel, deadline in (("contrib/nrpe/sbtc-plugins.ini", gen.NRPE_DEADLINE),
                              ("contrib/zabbix/sbtc-plugins.ini", gen.ZABBIX_DEADLINE)):
            for prog in ("check_sbtc_backup", "check_sbtc_ports"):
                section = ini_section(self.files[rel], prog)
                self.assertEqual(re.findall(r"^timeout = (\d+)$", section, re.M), [str(deadline)],
                                 "%s [%s]" % (rel, prog))
        self.assertEqual(gen.ZABBIX_DEADLINE, 25)  # Zabbix 6.0's agent Timeout is 30 at most

    def test_icinga_defaults_are_the_default_line_values(self):
        conf = self.files["contrib/icinga2/check_sbtc_backup.conf"]
        self.assertIn('\tvars.sbtc_backup_pattern = "*"\n', conf)
        self.assertIn('\tvars.sbtc_backup_warning = "26h"\n', conf)
        self.assertIn('return macro("$sbtc_backup_pattern$") != "*"', conf)
        self.assertNotIn("sbtc_backup_critical = ", conf)
        self.assertNotIn("\"'", conf)

    def test_icinga_passes_a_deadline_under_the_commands_timeout(self):
        for prog in ("check_sbtc_backup", "check_sbtc_ports"):
            conf = self.files["contrib/icinga2/%s.conf" % prog]
            name = prog[len("check_"):]
            timeout = int(re.search(r"^\ttimeout = (\d+)s$", conf, re.M).group(1))
            deadline = int(re.search(r"^\tvars\.%s_timeout = (\d+)$" % name, conf, re.M).group(1))
            self.assertLess(deadline + 5, timeout, prog)
            # always passed: a default of the check's own (30 here) must not hide it
            block = re.search(r'"--timeout" = \{(.*?)\n\t\t\}', conf, re.S).group(1)
            self.assertNotIn("set_if", block)

    def test_nrpe_deadlines_nest(self):
        commands = self.files["contrib/nagios/sbtc-commands.cfg"]
        t = int(re.search(r"check_nrpe -H \$HOSTADDRESS\$ -t (\d+) ", commands).group(1))
        self.assertLess(gen.NRPE_DEADLINE, t)
        self.assertLess(t, 60)  # NRPE's command_timeout and Nagios' service_check_timeout
        for line in re.findall(r"^    command_line    \$USER1\$/check_sbtc_\S+ (.*)$", commands, re.M):
            self.assertLess(int(re.match(r"--timeout=(\d+) ", line).group(1)), 60, line)

    def test_plugin_contrib_dir(self):
        for prog in ("check_sbtc_backup", "check_sbtc_ports"):
            self.assertIn('command = [ PluginContribDir + "/%s" ]' % prog,
                          self.files["contrib/icinga2/%s.conf" % prog])


class PortsWiring(unittest.TestCase):

    def setUp(self):
        self.files = gen.outputs(checks())
        self.conf = self.files["contrib/icinga2/check_sbtc_ports.conf"]

    def test_address_family_from_the_commands_own_switches(self):
        # /usr/share/icinga2/include/command-plugins.conf, CheckCommand "ssh": the
        # command's switches feed check_ipv4/check_ipv6 of template "ipv4-or-ipv6"
        self.assertIn('\timport "ipv4-or-ipv6"', self.conf)
        self.assertIn('\tvars.check_ipv4 = "$sbtc_ports_use_ipv4$"\n', self.conf)
        self.assertIn('\tvars.check_ipv6 = "$sbtc_ports_use_ipv6$"\n', self.conf)
        self.assertIn('\tvars.sbtc_ports_hostname = "$check_address$"\n', self.conf)
        self.assertNotIn('"$check_ipv6$"', self.conf)

    def test_no_hostname_in_local_mode_nor_an_empty_one(self):
        block = re.search(r'"--hostname" = \{(.*?)\n\t\t\}', self.conf, re.S).group(1)
        self.assertIn('h != ""', block)
        self.assertIn('!macro("$sbtc_ports_local$")', block)

    def test_nagios_scans_from_the_nagios_host_and_audits_locally_through_nrpe(self):
        services = self.files["contrib/nagios/sbtc-services.cfg"]
        commands = self.files["contrib/nagios/sbtc-commands.cfg"]
        self.assertIn("check_command           check_sbtc_ports_remote\n", services)
        self.assertRegex(commands, r"command_line +\$USER1\$/check_sbtc_ports --timeout=\d+ "
                                   r"--hostname=\$HOSTADDRESS\$ \$ARG1\$")
        self.assertIn("check_nrpe_sbtc!check_sbtc_ports_local\n", services)
        self.assertIn("check_nrpe_sbtc!check_sbtc_backup\n", services)
        nrpe = self.files["contrib/nrpe/sbtc.cfg"]
        self.assertIn("command[check_sbtc_ports_local]=/usr/bin/sudo -n "
                      "/usr/lib/nagios/plugins/check_sbtc_ports --local "
                      "--extra-opts=@/etc/nagios/sbtc-plugins.ini\n", nrpe)
        self.assertNotIn("command[check_sbtc_ports]=", nrpe)
        # the sudoers rule names that command line exactly
        self.assertEqual(gen.sudoers_line(checks()[1]),
                         "nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_sbtc_ports "
                         "--local --extra-opts=@/etc/nagios/sbtc-plugins.ini")


class TemplateLibraryDocs(unittest.TestCase):

    def test_a_table_of_custom_variables_per_command(self):
        doc = gen.outputs(checks())["contrib/icinga2/README.md"]
        self.assertTrue(doc.startswith("<!-- %s -->\n<!-- %s -->\n" % (gen.GENERATED, gen.SPDX)))
        m = re.search(r"^### sbtc_backup <a id=\"[a-z0-9-]+\"></a>\n\n(.+)\n\n.*\n\n"
                      r"Name +\| Description\n-+\|-+\n((?:.+\n)+)", doc, re.M)
        self.assertIsNotNone(m, doc)
        self.assertIn("check_sbtc_backup", m.group(1))
        rows = dict(re.findall(r"^(\S+) +\| (.*)$", m.group(2), re.M))
        self.assertIn("sbtc_backup_path", rows)
        self.assertIn('Defaults to "*".', rows["sbtc_backup_pattern"])
        self.assertNotIn("Defaults", rows["sbtc_backup_critical"])
        self.assertIn("sbtc_backup_pgpassfile", rows)  # --dbconn takes a CONNINFO
        self.assertNotIn("sbtc_backup_help", rows)


if __name__ == "__main__":
    unittest.main()
