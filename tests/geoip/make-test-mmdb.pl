#!/usr/bin/perl
# make-test-mmdb.pl — write two tiny MaxMind DB files holding only the
# documentation ranges (RFC 5737, RFC 3849), for sipscope's GeoIP tests:
#
#   DIR/test-country.mmdb   country.iso_code            (like GeoLite2-Country)
#   DIR/test-asn.mmdb       autonomous_system_number,
#                           autonomous_system_organization (like GeoLite2-ASN)
#
# Usage: perl tests/geoip/make-test-mmdb.pl DIR
# Needs Debian's libmaxmind-db-writer-perl (scripts/install-deps test).
# The documentation ranges are "reserved", which the writer drops by
# default, hence remove_reserved_networks => 0.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $dir = shift or die "usage: $0 DIR\n";

my %types = (
    country                        => 'map',
    iso_code                       => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type, $desc) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $desc },
        remove_reserved_networks => 0,
        map_key_type_callback    => sub { $types{ $_[0] } },
    );
}

# Country: 198.51.100/24 ZZ, 203.0.113/24 XB, 192.0.2/24 XC, 2001:db8::/32 ZZ.
my $c = tree('sipscope-Test-Country', 'sipscope test country DB (documentation ranges)');
$c->insert_network('198.51.100.0/24', { country => { iso_code => 'ZZ' } });
$c->insert_network('203.0.113.0/24',  { country => { iso_code => 'XB' } });
$c->insert_network('192.0.2.0/24',    { country => { iso_code => 'XC' } });
$c->insert_network('2001:db8::/32',   { country => { iso_code => 'ZZ' } });

# ASN: 198.51.100/24 AS64500, 203.0.113/24 AS64501, 2001:db8::/32 AS64502; 192.0.2/24 none.
my $a = tree('sipscope-Test-ASN', 'sipscope test ASN DB (documentation ranges)');
$a->insert_network('198.51.100.0/24', { autonomous_system_number => 64500,
    autonomous_system_organization => 'Example Carrier' });
$a->insert_network('203.0.113.0/24', { autonomous_system_number => 64501,
    autonomous_system_organization => 'Example PBX Hosting' });
$a->insert_network('2001:db8::/32', { autonomous_system_number => 64502,
    autonomous_system_organization => 'Example IPv6 Net' });

for ([ $c, 'test-country.mmdb' ], [ $a, 'test-asn.mmdb' ]) {
    my ($t, $name) = @$_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!\n";
    $t->write_tree($fh);
    close $fh or die "$dir/$name: $!\n";
}
