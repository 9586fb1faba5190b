#!/bin/sh
# t2310 - the state file is trusted only when nobody else could have
# written it (issue 9 item 7, like ssh's StrictModes): not owned by us,
# group/world writable, a symlink, or in a directory others can write
# without the sticky bit is refused with an error naming the file, its
# owner/mode and the fix; nothing reaches out/. A planted passkey must
# never end up in a package.
. "$(dirname "$0")/lib.sh"
BIN=$(fake_binary)
EVIL=attacker-chosen-passkey-0123456789
# a throwaway account to own planted files, removed at the end
MALLORY=pkgt$$
trap 'userdel "$MALLORY" 2>/dev/null; rm -rf "$TMP"' EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin "$MALLORY" ||
	echo "not ok - cannot create a throwaway user (run as root)"

site() { # site DIR: a site with a generated passkey, and a planted state
	mkdir -p "$1" &&
		cat >"$1/s.yml" <<EOS &&
komodo_binary_path: $BIN
generate_server_passkey: true
package_formats: [deb]
EOS
		printf 'passkeys:\n  "_site": "%s"\n' "$EVIL" >"$1/s.state.yml" &&
		chmod 600 "$1/s.state.yml"
}
# build and render must both refuse (register loads it the same way);
# out/ never appears. timeout: only a guard against a hang on a FIFO.
refused() { # refused DIR PATTERN
	for cmd in "build $1/s.yml --out $1/out" "render $1/s.yml config"; do
		# shellcheck disable=SC2086
		test_must_fail timeout 60 "$PKGTOOL" $cmd >"$1/stdout" 2>"$1/err" &&
			grep -q "error: refusing state file '$1/s.state.yml': $2" "$1/err" &&
			test "$(wc -l <"$1/err")" -eq 1 &&
			! grep -q "$EVIL" "$1/stdout" "$1/err" || return 1
	done
	test ! -e "$1/out"
}

test_expect_success 'a mode 0666 state file is refused, with the chmod fix' '
	site w && chmod 666 w/s.state.yml &&
	refused w "mode 0666 lets others write it" &&
	grep -q "Fix: check its contents, then chmod 600 .w/s.state.yml." w/err
'
test_expect_success 'a group-writable (0620) state file is refused' '
	site g && chmod 620 g/s.state.yml &&
	refused g "mode 0620 lets others write it"
'
test_expect_success 'a state file owned by another user is refused, naming both' '
	site f && chown "$MALLORY" f/s.state.yml &&
	refused f "owned by uid [0-9]* ($MALLORY), not by you, uid $(id -u) ($(id -un))" &&
	grep -q "chown $(id -u) .f/s.state.yml. and chmod 600 it, or delete it" f/err
'
test_expect_success 'a state file owned by nobody, even 0600, is refused' '
	site n && chown nobody n/s.state.yml &&
	refused n "owned by uid 65534 (nobody)"
'
test_expect_success 'a symlink is refused, even to a good file of ours' '
	site l && mv l/s.state.yml l/real.yml && ln -s real.yml l/s.state.yml &&
	refused l "it is a symbolic link"
'
test_expect_success 'a FIFO is refused without hanging' '
	site p && rm p/s.state.yml && mkfifo -m 600 p/s.state.yml &&
	refused p "not a regular file"
'
test_expect_success 'a directory others can write is refused, unless sticky like /tmp' '
	site d && chmod 777 d &&
	refused d "its directory .d. (owner uid 0 (root), mode 0777) lets others replace it" &&
	grep -q "Fix: chmod go-w .d." d/err &&
	chmod 1777 d && "$PKGTOOL" -q build d/s.yml --out d/out &&
	dpkg-deb --fsys-tarfile d/out/*.deb | tar xO ./etc/komodo/periphery.config.toml |
		grep -qx "passkeys = \[\"$EVIL\"\]"
'
test_expect_success 'a directory owned by another user is refused' '
	site o && chown "$MALLORY" o &&
	refused o "its directory .o. (owner uid [0-9]* ($MALLORY), mode 0755)"
'
test_expect_success 'no state file yet: a generated one is not written into such a directory' '
	site e && rm e/s.state.yml && chmod 777 e &&
	test_must_fail "$PKGTOOL" build e/s.yml --out e/out 2>e/err &&
	grep -q "refusing state file .e/s.state.yml.: its directory" e/err &&
	test ! -e e/s.state.yml && test ! -e e/out
'
test_expect_success 'a huge state file is refused before it is read' '
	site h && head -c 5000000 /dev/zero | tr "\\000" "#" >h/s.state.yml &&
	refused h "5000000 bytes is more than a state file holds (at most 4194304)"
'
test_expect_success 'a 0600 file of ours is used; a readable one only warns' '
	site r && "$PKGTOOL" render r/s.yml config >cfg 2>err &&
	grep -qx "passkeys = \[\"$EVIL\"\]" cfg && test ! -s err &&
	chmod 644 r/s.state.yml &&
	"$PKGTOOL" render r/s.yml config >cfg 2>err &&
	grep -qx "passkeys = \[\"$EVIL\"\]" cfg &&
	grep -qx "pkgtool: warning: state file .r/s.state.yml. is readable by others (mode 0644) and holds passkeys: chmod 600 .r/s.state.yml." err
'
test_done
