#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Compares lib/range.c with Perl's Monitoring::Plugin::Range, the reference the range
# syntax is defined by: for several thousand range strings (valid and invalid, built
# from fragments) and values around their limits, Perl's parse_range_string and
# check_range must say the same as $RANGE_EVAL (tests/unit/range_eval). Prints TAP.
#
# Left out on purpose:
#  - NaN values: range.c alerts for NaN under every set range, Perl does not under '@'.
#  - Newlines inside a range: the line protocol cannot carry them (the C unit tests do).
#  - Values beyond 2^53 against ranges written as long integers: Perl compares such
#    integers exactly, the C API takes a double value. Acceptance of such ranges is
#    compared (category "big integers"), with values that stay far from the limits.
#  - "1e400" is Inf to Perl (strtod overflow) and refused by range.c (a threshold nobody
#    can cross, which perfdata cannot write): Perl's acceptance of a range with an
#    infinite limit counts as a rejection.
use strict;
use warnings;
use IPC::Open2 qw(open2);
use POSIX qw(nextafter);
use Math::BigInt;

BEGIN {
	unless (eval { require Monitoring::Plugin::Range; 1 }) {
		print "Bail out! Monitoring::Plugin::Range not installed (apt-get install libmonitoring-plugin-perl)\n";
		exit 255;
	}
}

my $eval_path = $ENV{RANGE_EVAL};
unless (defined $eval_path && -x $eval_path) {
	print "Bail out! RANGE_EVAL must name the range_eval program\n";
	exit 255;
}

# A fixed linear congruential generator: the same cases on every run and every perl.
my $seed = 20240611;
sub rnd {
	my ($n) = @_;
	$seed = ($seed * 1103515245 + 12345) % 2147483648;
	return int(($seed / 2147483648) * $n);
}
sub pick { return $_[rnd(scalar @_)]; }

sub perl_verdict {
	my ($range, $value) = @_;
	local $SIG{__WARN__} = sub { };    # carp "invalid range definition", "isn't numeric"
	my $r = Monitoring::Plugin::Range->parse_range_string($range);
	return 'reject' unless defined $r;
	# The one departure (lib/range.c): a limit that overflows to Inf is refused.
	for my $limit ([$r->start, $r->start_infinity], [$r->end, $r->end_infinity]) {
		my ($n, $infinite) = @$limit;
		next if $infinite;
		my $x = $n + 0;
		return 'reject' if $x != $x || $x == 9**9**9 || $x == -9**9**9;
	}
	return $r->check_range($value) ? 'alert' : 'ok';
}

# Values worth checking for a range: its limits, the doubles either side of them,
# and a few fixed points.
my @fixed_values = ('0', '1', '-1', '10', '-10', '0.5', '1e300', '-1e300', 'inf', '-inf');
sub values_for {
	my ($range) = @_;
	local $SIG{__WARN__} = sub { };
	my $r = Monitoring::Plugin::Range->parse_range_string($range);
	return ('0') unless defined $r;
	my %seen;
	my @v;
	for my $x (@fixed_values) {
		push @v, $x unless $seen{$x}++;
	}
	for my $limit ([$r->start, $r->start_infinity], [$r->end, $r->end_infinity]) {
		my ($n, $infinite) = @$limit;
		next if $infinite;
		$n += 0;
		for my $x ($n, nextafter($n, 9**9**9), nextafter($n, -9**9**9)) {
			my $s = sprintf '%.17g', $x;
			next if $s =~ /nan/i;
			push @v, $s unless $seen{$s}++;
		}
	}
	return @v;
}

# ---- the categories -------------------------------------------------------------

my @categories;
sub category {
	my ($name, $ranges, $values_fn) = @_;
	push @categories, {name => $name, ranges => $ranges, values => $values_fn || \&values_for};
}

# The examples of the Monitoring Plugins development guidelines and their neighbours.
category('guidelines examples', [
	'10', '10:', '~:10', '10:20', '@10:20', '0:10', '~:', '@~:', '@10', '@10:', '@~:10',
	'-10:10', '-10:-5', '~:-5', '-5:', '0', '0:0', '@0:0', ':10', '@:10', '5:5',
]);

# Each rejection class Perl has, and things that look close to valid.
category('rejections', [
	'', ' ', '@', ':', '@:', '~', '@~', '~10', '10~', '~~:', '10:5', '-5', ':-5', '@-1',
	'1:2:3', '10@', '@@10', 'abc', '10a', 'a10', '1e', '1e:5', 'e5', '5e', '1-2', '+-5',
	'--5', '1,5', '0x10', 'inf', 'nan', '-inf:', '1_000', '1e5e5', '1E5', '10s', '1h',
	"10\xa0", "\xa010", "10\x85", '#10', '10:20:', '::10', '~:~', '@~:~',
	'10:~', '1:-1', '20:10', '0.5:0.4', '1e3:999', '-1e-3:-1e-2',
]);

# Grammar-shaped ranges: [@][~ or start][:][end] with the numbers Perl's regex allows.
{
	my @mant = ('0', '1', '5', '10', '20', '007', '99', '123456789012345', '.5', '5.', '0.5',
	            '1.5', '.', '..', '1.2.3', '2.5.', '00.00', '3.14159');
	my @exp = ('', '', '', 'e2', 'e-2', 'e+2', 'e0', 'e.5', 'e1.5', 'e', 'e-', 'e308', 'e-308',
	           'e400', 'e-400', 'E2');
	my $num = sub {
		return pick('', '', '', '+', '-') . pick(@mant) . pick(@exp);
	};
	my @r;
	for (1 .. 1500) {
		my $s = pick('', '', '@');
		my $shape = rnd(5);
		if ($shape == 0) { $s .= $num->(); }
		elsif ($shape == 1) { $s .= $num->() . ':'; }
		elsif ($shape == 2) { $s .= '~:' . $num->(); }
		elsif ($shape == 3) { $s .= $num->() . ':' . $num->(); }
		else { $s .= ':' . $num->(); }
		push @r, $s;
	}
	category('structured ranges', \@r);
}

# Arbitrary concatenations of fragments, valid or not.
{
	my @frag = ('+', '-', '~', '@', ':', ':', '0', '1', '5', '9', '10', '20', '100', '.', '.5',
	            'e', 'e3', 'e-1', 'e400', ' ', "\t", "\x0b", "\x0c", "\r", 'x', 'a', 's', 'h',
	            'kB', 'E', '#', ',', '%', '|', "\xa0", "\x85", "\xe2\x88\x9e", '++', '--',
	            'inf', 'nan', '0x', '_');
	my @r;
	for (1 .. 2500) {
		my $k = 1 + rnd(6);
		push @r, join '', map { pick(@frag) } 1 .. $k;
	}
	category('random fragments', \@r);
}

# Valid ranges with whitespace put anywhere, including inside numbers.
{
	my @base = ('10', '10:', '~:10', '10:20', '@10:20', '-1e3:1e3', '@~:5', '.5:1.5', '1e2',
	            '+5:+10', '-20:-10', '@-5:5', ':7');
	my @ws = (' ', "\t", "\x0b", "\x0c", "\r", '  ');
	my @r;
	for (1 .. 600) {
		my $s = pick(@base);
		my $out = '';
		for my $c (split //, $s) {
			$out .= pick(@ws) if rnd(3) == 0;
			$out .= $c;
		}
		$out .= pick(@ws) if rnd(2);
		push @r, $out;
	}
	category('whitespace', \@r);
}

# Very large and very small magnitudes: overflow to Inf, underflow to 0, denormals.
category('overflow and underflow', [
	'1e400', '1e400:', '-1e400:', '~:1e400', '-1e400:1e400', '1e400:1e400', '1e400:5',
	'@1e400:1e400', '1e-400', '1e-400:', '-1e-400:1e-400', '4.9e-324', '2.4e-324:4.9e-324',
	'1.7976931348623157e308', '1.7976931348623159e308', '-1.7976931348623159e308:0',
	'2.2250738585072011e-308:2.2250738585072014e-308', '1e99999999999999999999',
	'0.1:0.30000000000000004', '0.3:0.1e1', '1' . ('0' x 400), '0.' . ('0' x 400) . '1',
]);

# Integers beyond 2^53, where Perl compares exactly while doubles round: only whether a
# range is accepted is compared, with a value far from the limits.
{
	my @big = ('9007199254740992', '9007199254740993', '9007199254740994', '-9007199254740993',
	           '9223372036854775807', '9223372036854775808', '9223372036854775809',
	           '-9223372036854775807', '-9223372036854775808', '-9223372036854775809',
	           '18446744073709551614', '18446744073709551615', '18446744073709551616',
	           '9.007199254740992e15', '9.223372036854775808e18', '-9.223372036854775808e18',
	           '1.8446744073709551615e19', '1.8446744073709549568e19', '9007199254740993.0',
	           '9223372036854775809.5', '9223372036854775809.5.5', '9223372036854775809e0',
	           '+9223372036854775808', '09007199254740993', '9223372036854777856',
	           '9.223372036854777856e18', '9223372036854777855', '-9223372036854776833',
	           '-9.223372036854776832e18', '1e19', '10000000000000000001');
	# Plus integers around 2^53, 2^63 and 2^64 (and their negatives) in each of the
	# forms Perl stores differently: plain, decimal, exponent, unreadable tail.
	my @edge;
	for my $base ('9007199254740992', '9223372036854775808', '18446744073709551616') {
		for my $off (-2049, -2048, -1025, -1024, -1, 0, 1, 1024, 1025, 2048) {
			for my $sign (1, -1) {
				my $x = Math::BigInt->new($base)->badd($off)->bmul($sign)->bstr;
				(my $digits = $x) =~ s/^-//;
				my $minus = $sign < 0 ? '-' : '';
				my $sci = substr($digits, 0, 1) . '.' . substr($digits, 1) . 'e' . (length($digits) - 1);
				push @edge, $x, "$x.0", "$x.5", "$x.", "${x}e0", "$x.0.0", "${minus}0$digits",
				            "$minus$sci";
			}
		}
	}
	my @r;
	for my $a (@big) {
		for my $b (@big) {
			push @r, "$a:$b";
		}
	}
	for (1 .. 3000) {
		push @r, pick(@edge) . ':' . pick(@edge);
	}
	category('big integers', \@r, sub { return ('0') });
}

# ---- run ---------------------------------------------------------------------------

# A crashed range_eval must give a message, not a silent SIGPIPE death.
$SIG{PIPE} = 'IGNORE';
# Two arguments, so that perl runs the program itself and never a shell.
my $pid = open2(my $from_c, my $to_c, $eval_path, 'none');
binmode $to_c;
binmode $from_c;
$to_c->autoflush(1);

my $test = 0;
my $total = 0;
my $total_failed = 0;
print '1..', scalar(@categories) + 1, "\n";
for my $cat (@categories) {
	my ($cases, @mismatch) = (0);
	for my $range (@{$cat->{ranges}}) {
		for my $value ($cat->{values}->($range)) {
			my $want = perl_verdict($range, $value);
			print {$to_c} "$range\t$value\n";
			my $got = <$from_c>;
			unless (defined $got) {
				(my $shown = $range) =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
				print "Bail out! range_eval stopped answering at '$shown' value $value\n";
				exit 255;
			}
			chomp $got;
			$cases++;
			push @mismatch, [$range, $value, $want, $got] if $got ne $want;
		}
	}
	$total += $cases;
	$total_failed += @mismatch;
	$test++;
	my $ok = @mismatch ? 'not ok' : 'ok';
	print "$ok $test - $cat->{name}: $cases cases, ", scalar(@mismatch), " mismatches\n";
	for my $m (@mismatch[0 .. ($#mismatch < 9 ? $#mismatch : 9)]) {
		(my $shown = $m->[0]) =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
		print "# '$shown' value $m->[1]: perl $m->[2], C $m->[3]\n";
	}
}
close $to_c;
close $from_c;
waitpid $pid, 0;
my $status = $?;
$test++;
print(($status == 0 ? 'ok' : 'not ok'), " $test - range_eval exited with status ", $status >> 8,
      "; $total cases compared, $total_failed mismatches\n");
exit 0;
