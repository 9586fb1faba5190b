#!/bin/sh
# bench-repo.sh [HOSTS] [BINARY] - publishing a fleet (HOSTS hosts x deb +
# rpm, default 100 = 200 packages, one suite per host) and then adding one
# more package, with pkgtool repo against reprepro includedeb + createrepo_c
# (--update for the one more) + gpg/rpmsign doing the same signing, on the
# same files in the same run. Prints seconds and ratios (pkgtool /
# reference); a benchmark, not a test: nothing here asserts on time.
# Keys: a throwaway one in a temporary GNUPGHOME.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
PKGTOOL="$TOP/pkgtool/pkgtool"
HOSTS=${1:-100}
BIN=${2:-$TOP/tests/fake/fake-periphery}
for t in reprepro createrepo_c rpmsign gpg bc; do
	command -v $t >/dev/null || { echo "missing $t (sh scripts/deps.sh)" >&2; exit 1; }
done
W=$(mktemp -d)
trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000 GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'Bench <bench@test.invalid>' default sign never 2>/dev/null
KEY=$(gpg --list-secret-keys --with-colons 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

# the fleet: HOSTS hosts, each its own package set
{
	printf 'komodo_binary_path: %s\nkomodo_service_scope: system\nhosts:\n' "$BIN"
	i=0
	while [ $i -lt "$HOSTS" ]; do
		printf '  h%03d:\n    komodo_periphery_port: %d\n' $i $((9000 + i))
		i=$((i + 1))
	done
} >"$W/fleet.yml"
"$PKGTOOL" -q build "$W/fleet.yml" --out "$W/out"
# one more: host h000's next release
sed -i 's/^  h000:$/  h000:\n    komodo_logging_level: debug/' "$W/fleet.yml"
"$PKGTOOL" -q build "$W/fleet.yml" --out "$W/more" --host h000
NPKG=$(ls "$W"/out/*/* | wc -l)
printf '%s packages (%s hosts x deb + rpm), agent %s bytes, %s cores\n' \
	"$NPKG" "$HOSTS" "$(stat -c %s "$BIN")" "$(nproc)"

# ---- pkgtool repo
t0=$(now)
"$PKGTOOL" -q repo add "$W/p" "$W"/out/*/* --per-host --key "$KEY" >/dev/null
t1=$(now)
"$PKGTOOL" -q repo add "$W/p" "$W"/more/h000/* --per-host >/dev/null
t2=$(now)
P_FULL=$(secs "$t0" "$t1")
P_ONE=$(secs "$t1" "$t2")

# ---- reprepro + createrepo_c, the same signatures; reprepro has one pool
# per base folder and per-host packages share file names, so one base each
for d in "$W"/out/*/; do
	h=$(basename "$d")
	mkdir -p "$W/r/$h/conf"
	printf 'Codename: %s\nSuite: %s\nArchitectures: amd64 arm64\nComponents: main\nSignWith: %s\n' \
		"$h" "$h" "$KEY" >"$W/r/$h/conf/distributions"
done
sign_rpm_repo() { # dir: rpms signed, metadata, repomd.xml.asc
	rpmsign --addsign --define "_gpg_name $KEY" --define "__gpg /usr/bin/gpg" \
		"$1"/Packages/*.rpm >/dev/null 2>&1
	createrepo_c -q $2 "$1"
	gpg --batch --yes -a --detach-sign -o "$1/repodata/repomd.xml.asc" \
		"$1/repodata/repomd.xml"
}
t0=$(now)
for d in "$W"/out/*/; do
	h=$(basename "$d")
	reprepro -b "$W/r/$h" includedeb "$h" "$d"*.deb >/dev/null 2>&1
	mkdir -p "$W/r/rpm/$h/Packages"
	cp "$d"*.rpm "$W/r/rpm/$h/Packages/"
	sign_rpm_repo "$W/r/rpm/$h" ""
done
t1=$(now)
reprepro -b "$W/r/h000" includedeb h000 "$W"/more/h000/*.deb >/dev/null 2>&1
cp "$W"/more/h000/*.rpm "$W/r/rpm/h000/Packages/"
sign_rpm_repo "$W/r/rpm/h000" --update
t2=$(now)
R_FULL=$(secs "$t0" "$t1")
R_ONE=$(secs "$t1" "$t2")

printf '%-28s %9s %9s %7s\n' step pkgtool reference ratio
printf '%-28s %9s %9s %7s\n' "publish $NPKG packages" "$P_FULL" "$R_FULL" \
	"$(echo "$P_FULL / $R_FULL" | bc -l | xargs printf '%.2f')"
printf '%-28s %9s %9s %7s\n' "add one more" "$P_ONE" "$R_ONE" \
	"$(echo "$P_ONE / $R_ONE" | bc -l | xargs printf '%.2f')"
echo "(reference: reprepro includedeb per host base folder; rpmsign --addsign + createrepo_c [--update] + gpg --detach-sign per rpm folder)"
