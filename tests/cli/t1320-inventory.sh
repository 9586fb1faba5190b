#!/bin/sh
# t1320 - an Ansible YAML inventory (all: vars/hosts/children) builds as it
# is: all.vars are the site, groups' vars reach their hosts, hosts win.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
cat >"$TMP/inv.yml" <<EOS
all:
  vars:
    komodo_binary_path: $BIN
    komodo_passkeys: [inv-key]
    package_formats: [deb]
  hosts:
    web-01:
      ansible_host: 10.0.0.11
  children:
    db:
      vars:
        komodo_service_scope: system
        komodo_periphery_port: 8200
      hosts:
        db-01:
        db-02:
          komodo_periphery_port: 8300
EOS
port() { "$PKGTOOL" render --host "$1" inv.yml | sed -n "s/^port = //p"; }

test_expect_success 'every inventory host is a host' '
	"$PKGTOOL" check inv.yml | grep -q "ok (3 hosts)"
'
test_expect_success 'group vars reach their hosts; host vars win' '
	test "$(port web-01)" = 8120 && test "$(port db-01)" = 8200 &&
	test "$(port db-02)" = 8300 &&
	"$PKGTOOL" render --host db-01 inv.yml unit | grep -qx "User=komodo" &&
	"$PKGTOOL" render --host web-01 inv.yml unit | grep -qx "WantedBy=default.target"
'
test_expect_success 'build writes out/<host>/ for inventory hosts' '
	"$PKGTOOL" -q build inv.yml --out o &&
	ls o | sort >got && printf "db-01\ndb-02\nweb-01\n" >want && test_cmp want got
'
test_expect_success 'a bad group value points at the group line' '
	sed "s/komodo_periphery_port: 8200/komodo_periphery_port: 0/" inv.yml >bad.yml &&
	test_must_fail "$PKGTOOL" check bad.yml 2>err &&
	grep -q "^bad.yml:13:32: error: .komodo_periphery_port." err
'
test_expect_success 'an unknown group entry is named' '
	sed "s/^      vars:/      varz:/" inv.yml >bad2.yml &&
	test_must_fail "$PKGTOOL" check bad2.yml 2>err &&
	grep -q "^bad2.yml:11:7: error: inventory group .db.: unknown entry .varz." err
'
test_done
