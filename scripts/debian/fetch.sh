#!/usr/bin/env bash
# Downloads - never installs on the host - Debian's kernel packages for $DEB_KREL from
# its archive suites ($DEB_POCKETS): headers (with -common and linux-kbuild), the image's binary (vmlinuz),
# modules and base packages, and the linux-source of exactly the headers' version. Each lands
# in $DEBDIR/pkg/NAME/ (the .deb, VERSION, and root/ with its files); the source, whose name
# several kernels share (linux-source-7.2: trixie's 7.2.N and sid's 7.2.13), in
# $DEBDIR/pkg/NAME_VERSION/. Refuses when the versions do not all match.
set -euo pipefail
# shellcheck source=scripts/debian/lib.sh
. "$(dirname "$0")/lib.sh"

# A warm run needs no network: the packages stay those of the last fetch (recorded with a hash
# of this script) until DEB_REFRESH=1 asks the archive again.
mkdir -p "$DEBDIR/pkg"
exec 9>"$DEBDIR/pkg/.lock"
flock 9
record=$DEBDIR/pkg/.fetched-$DEB_KREL
me=$(sha256sum "$0" | cut -c1-16)
fetched_ok() {
	local name ver
	[ -f "$record" ] && [ "$(head -n1 "$record")" = "$me" ] || return 1
	while read -r name ver; do
		[ "$(cat "$DEBDIR/pkg/$name/VERSION" 2>/dev/null)" = "$ver" ] || return 1
	done < <(tail -n +2 "$record")
}
if [ -z "${DEB_REFRESH:-}" ] && fetched_ok; then
	echo "fetch: cached $DEB_KREL packages $(awk 'NR == 2 {print $2}' "$record")" >&2
	exit 0
fi

deb_apt_update
headers=linux-headers-$DEB_KREL
# The headers' version is the reference; every other package must have exactly this one.
want=$(deb_apt apt-cache madison "$headers" | awk -F'|' '{gsub(/ /,"",$2); print $2; exit}')
[ -n "$want" ] || die "$headers is not in $DEB_POCKETS"
common=$(deb_apt apt-cache show "$headers=$want" | sed -n 's/^Depends:.*\(linux-headers-[^ ,]*-common\).*/\1/p' | head -n1)
[ -n "$common" ] || die "cannot find the -common headers package $headers depends on"
kbuild=$(deb_apt apt-cache show "$headers=$want" | sed -n 's/^Depends:.*\(linux-kbuild-[^ ,]*\).*/\1/p' | head -n1)
[ -n "$kbuild" ] || die "cannot find the linux-kbuild package $headers depends on"
# linux-image-RELEASE is a metapackage of linux-binary (vmlinuz), linux-modules (the .ko.xz)
# and linux-base (modules.builtin, modules.order, config, System.map).
pkgs=("$headers" "$common" "$kbuild" "linux-image-$DEB_KREL" "linux-binary-$DEB_KREL"
      "linux-modules-$DEB_KREL" "linux-base-$DEB_KREL" "$DEB_KSRC")
dir_of() { if [ "$1" = "$DEB_KSRC" ]; then echo "$1_$want"; else echo "$1"; fi; }

fetch() { # name version
	local name=$1 ver=$2 dir
	dir=$DEBDIR/pkg/$(dir_of "$1")
	if [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$ver" ]; then
		return 0
	fi
	if ! deb_apt apt-cache madison "$name" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$ver"; then
		die "$name $ver is not available (have: $(deb_apt apt-cache madison "$name" |
			awk -F'|' '{gsub(/ /,"",$2); printf "%s ", $2}')); it must be exactly $headers's version $ver"
	fi
	echo "fetch: $name $ver" >&2
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	(cd "$dir.tmp" && deb_apt apt-get download -qq "$name=$ver" >/dev/null) ||
		die "apt-get download $name=$ver failed"
	dpkg-deb -x "$dir.tmp"/*.deb "$dir.tmp/root"
	echo "$ver" >"$dir.tmp/VERSION"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}
for p in "${pkgs[@]}"; do
	fetch "$p" "$want"
done
{ echo "$me"; for p in "${pkgs[@]}"; do echo "$(dir_of "$p") $want"; done; } >"$record"
# The source as earlier versions of this script kept it (one version per name).
rm -rf "${DEBDIR:?}/pkg/$DEB_KSRC"
echo "fetch: $DEB_KREL packages $want in $DEBDIR/pkg" >&2
