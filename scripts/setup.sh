#!/usr/bin/env bash
# Idempotent setup of everything the build and the rig need, from the package registries only.
# Installs Debian packages (QEMU from bookworm-backports), downloads - never installs - the
# 7.3 kernel source and the rust-src matching `rustc`, and installs bindgen-cli with cargo.
# Prints `export` lines for the paths it prepared to $CACHE/env.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/common.sh
. "$here/common.sh"

[ "$(id -u)" = 0 ] || die "run as root (apt-get install is needed)"

mkdir -p "$CACHE"

# 0. bindgen-cli, built with cargo into the cache (its version is part of the kernels' key). It
# loads libclang when it runs (its `runtime` feature), so its build needs none of the packages
# below: scripts/check.sh starts `setup.sh bindgen` first, beside them. One install at a time.
BINDGEN_CLI_VERSION=0.73.2
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
install_bindgen() {
	(
		flock 9
		if ! "$TOOLS/bin/bindgen" --version 2>/dev/null | grep -qx "bindgen $BINDGEN_CLI_VERSION"; then
			echo "setup: cargo install bindgen-cli@$BINDGEN_CLI_VERSION"
			cargo install --locked -q --root "$TOOLS" "bindgen-cli@$BINDGEN_CLI_VERSION" ||
				die "cargo install --locked bindgen-cli@$BINDGEN_CLI_VERSION failed"
		fi
	) 9>"$CACHE/bindgen.lock"
}
if [ "${1:-}" = bindgen ]; then
	install_bindgen
	exit 0
fi

mirror=$(apt_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/*.sources; add one"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

stamp_ok() { [ -f "$CACHE/stamps/$1" ]; }
stamp() { mkdir -p "$CACHE/stamps"; touch "$CACHE/stamps/$1"; }

# 1. Host packages, QEMU from bookworm-backports (bookworm's 7.2 has no igb).
# pahole and readelf (binutils) read the kernel's BTF for scripts/check-private-layout.sh.
# Lint of the shell scripts and of the Debian package (scripts/check.sh): shellcheck, lintian.
# The kernel's checkpatch.pl runs its scripts/spdxcheck.py, which needs python3-ply, -git.
pkgs=(flex bison bc cpio rsync make libelf-dev libssl-dev uuid-dev busybox-static clang-19
      libclang-19-dev lld-19 llvm-19 kmod pahole binutils xz-utils python3 bash-static
      python3-matplotlib shellcheck lintian python3-ply python3-git)
need_install=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need_install+=("$p"); done
bpo=/etc/apt/sources.list.d/vfio-pci-rs-bookworm-backports.sources
qemu_ok() {
	command -v qemu-system-x86_64 >/dev/null &&
	qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'
}
if [ ${#need_install[@]} -gt 0 ] || ! qemu_ok; then
	if [ ! -f "$bpo" ]; then
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
			"$mirror" "$keyring" > "$bpo"
	fi
	apt-get update -qq || die "apt-get update failed"
	if [ ${#need_install[@]} -gt 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${need_install[@]}" >/dev/null || die "apt-get install ${need_install[*]} failed"
	fi
	if ! qemu_ok; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports qemu-system-x86 >/dev/null ||
			die "qemu-system-x86 from bookworm-backports could not be installed"
	fi
	qemu_ok || die "qemu-system-x86_64 has no igb device (need QEMU >= 8.0)"
fi

# `setup.sh packages`: the host packages only (scripts/check.sh then starts work that needs
# nothing else beside the downloads below).
[ "${1:-}" = packages ] && exit 0

# 2. Downloaded, never installed: linux-source-$KVER and rust-src == rustc's version.
rustc_ver=$(rustc --version | awk '{print $2}')
aptdir=$CACHE/apt-trixie
private_apt() { # apt-get|apt-cache args...
	local tool=$1; shift
	"$tool" -o Dir::Etc::sourcelist="$aptdir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" \
		-o Dir::State::status=/dev/null -o APT::Architecture=amd64 "$@"
}
fetch_pkg() { # name version-glob -> extracts into $CACHE/pkg/<name>
	local name=$1 want=$2 ver
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$CACHE/pkg"
	if [ ! -f "$aptdir/sources.list" ]; then
		printf 'deb [signed-by=%s] %s trixie-backports main\n' "$keyring" "$mirror" > "$aptdir/sources.list"
	fi
	if [ ! -f "$aptdir/updated" ]; then
		private_apt apt-get update -qq >/dev/null 2>&1 || die "private apt update for trixie-backports failed"
		touch "$aptdir/updated"
	fi
	ver=$(private_apt apt-cache madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' \
	      | grep -E "^${want}" | head -n1 || true)
	[ -n "$ver" ] || die "$name version ${want}* not found in trixie(-backports)"
	rm -rf "$CACHE/pkg/$name.tmp" && mkdir -p "$CACHE/pkg/$name.tmp"
	(cd "$CACHE/pkg/$name.tmp" && private_apt apt-get download "$name=$ver" >/dev/null 2>&1) ||
		die "apt-get download $name=$ver failed"
	dpkg -x "$CACHE/pkg/$name.tmp"/*.deb "$CACHE/pkg/$name.tmp/root"
	rm -rf "$CACHE/pkg/$name" && mv "$CACHE/pkg/$name.tmp" "$CACHE/pkg/$name"
	echo "$ver" > "$CACHE/pkg/$name/VERSION"
}
if [ ! -f "$CACHE/pkg/linux-source-$KVER/VERSION" ]; then
	echo "setup: downloading linux-source-$KVER"
	fetch_pkg "linux-source-$KVER" ""
fi
if [ ! -f "$CACHE/pkg/rust-src/VERSION" ] || ! grep -q "^$rustc_ver" "$CACHE/pkg/rust-src/VERSION"; then
	echo "setup: downloading rust-src $rustc_ver"
	rm -f "$aptdir/updated"
	fetch_pkg rust-src "$rustc_ver"
fi

# 3. bindgen-cli (above), if the run that started it beside the packages has not finished it.
install_bindgen
echo "setup: ok (mirror from apt sources, kernel $(cat "$CACHE/pkg/linux-source-$KVER/VERSION"), rust-src $(cat "$CACHE/pkg/rust-src/VERSION"))"
