#!/usr/bin/env bash
# A kernel the package cannot build for must be skipped by DKMS with one line saying why,
# and never leave dpkg with a package unconfigured. In a throw-away overlay of the trixie
# chroot, with apt as a user has it:
#  1. Debian's 7.3.4 headers and modules, no linux-source: dpkg -i of the package skips that
#     kernel, naming linux-source-7.3 and its version;
#  2. with the prepared tree in /var/lib/vfio-pci-rs (as vfio-pci-rs-prepare-tree leaves it),
#     the package installs and builds for 7.3.4 as before;
#  3. apt install of trixie's own kernel headers (6.12, no CONFIG_RUST): the headers' DKMS
#     hook skips it with one line;
#  4. kernels whose .config names another rustc than the installed one (copies of 7.3.4's
#     headers; and the installed rustc swapped for one that reports another version): the
#     line names the rustc to install and where from;
# and after each step `dpkg --audit` is empty and apt/dpkg/the hook exited 0.
# Prints "ok - ..." / "not ok - ..." per check; exits non-zero when one fails. About 2-4 min.
set -uo pipefail

# The steps, run inside the chroot (this checkout is mounted there at the same path).
in_chroot_steps() { # KREL TREE PKGDIR DEB
	krel=$1 tree=$2 pkg=$3 deb=$4
	export DEBIAN_FRONTEND=noninteractive
	failed=0 log=/tmp/step.log
	ok() { echo "ok - $*"; }
	notok() { echo "not ok - $*"; failed=1; }
	step() { echo "== $*"; }
	# STATUS NAME: the step exited 0 and dpkg has nothing unconfigured or half-installed.
	clean() {
		if [ "$1" = 0 ]; then ok "$2: exit 0"; else notok "$2: exit $1"; fi
		if [ -z "$(dpkg --audit)" ]; then ok "$2: dpkg --audit is empty"
		else notok "$2: dpkg --audit:"; dpkg --audit; fi
	}
	# TEXT NAME: the step printed one line of ours (maybe more than once), holding TEXT.
	said() {
		local lines
		lines=$(grep "^vfio-pci-rs: not built for" "$log" | sort -u)
		printf "   | %s\n" "${lines:-(none)}"
		echo "   (printed $(grep -c "^vfio-pci-rs: not built for" "$log") times)"
		if [ "$(echo "$lines" | grep -c .)" = 1 ] && echo "$lines" | grep -qF -- "$1"; then
			ok "$2: one line, saying why"
		else
			notok "$2: expected one line holding \"$1\""; cat "$log"
		fi
	}
	# The headers package's own hook, as its postinst runs it.
	hook() { run-parts --report --exit-on-error --arg="$1" /etc/kernel/header_postinst.d >"$log" 2>&1; }

	step "1. Debian's $krel headers and modules, no linux-source; dpkg -i $(basename "$deb")"
	apt-get -qq update
	apt-get install -y -qq --no-install-recommends "$pkg/linux-headers-$krel"/*.deb \
		"$pkg"/linux-headers-*-common/*.deb "$pkg"/linux-kbuild-*/*.deb \
		"$pkg/linux-modules-$krel"/*.deb "$pkg/linux-base-$krel"/*.deb >/dev/null 2>&1
	s=0; dpkg -i "$deb" >"$log" 2>&1 || s=$?
	clean $s "dpkg -i without linux-source"
	said "Install linux-source-7.3 $(dpkg-query -W -f "\${Version}" "linux-headers-$krel")" \
		"missing linux-source"
	if dkms status -k "$krel" | grep -q ": installed"; then notok "installed for $krel without linux-source"
	else ok "not built for $krel"; fi

	step "2. the prepared tree in /var/lib/vfio-pci-rs; dpkg -i again"
	mkdir -p /var/lib/vfio-pci-rs
	ln -s "$(dirname "$tree")" "/var/lib/vfio-pci-rs/$krel"
	s=0; dpkg -i "$deb" >"$log" 2>&1 || s=$?
	clean $s "dpkg -i with the tree"
	if dkms status -k "$krel" | grep -q ": installed"; then ok "built and installed for $krel"
	else notok "not installed for $krel"; cat "$log"; fi
	modinfo -k "$krel" -F filename vfio_pci

	step "3. apt install trixie's linux-headers-amd64 (no CONFIG_RUST)"
	s=0; apt-get install -y --no-install-recommends linux-headers-amd64 >"$log" 2>&1 || s=$?
	old=
	for d in /lib/modules/*/build; do
		d=${d%/build} d=${d##*/}
		[ "$d" = "$krel" ] || old=$d
	done
	echo "   kernel: $old, CONFIG_RUST: $(grep -c "^CONFIG_RUST=y" "/lib/modules/$old/build/.config")"
	clean $s "apt install linux-headers-$old"
	said "not built for $old, its C vfio-pci stays: the kernel has no Rust support" "kernel without Rust"
	grep -E "BUILD_EXCLUSIVE|skipped" "$log" | sed "s/^/   | /"
	s=0; hook "$old" || s=$?
	clean $s "the headers hook again for $old"

	# A kernel copied from 7.3.4's headers, its .config edited by SED (its own release, its
	# own "Rust metadata" so that only the toolchain is in question).
	fake() { # RELEASE SED
		local d=/usr/src/linux-headers-$1
		mkdir -p "$d/include/config" "$d/rust" "/lib/modules/$1"
		sed "$2" "/usr/src/linux-headers-$krel/.config" >"$d/.config"
		echo "$1" >"$d/include/config/kernel.release"
		touch "$d/rust/libkernel.rmeta"
		ln -sfn "$d" "/lib/modules/$1/build"
	}
	step "4a. a kernel built with rustc 1.97.1 (its CONFIG_RUSTC_VERSION_TEXT), rustc 1.85.1 installed"
	fake 7.2.13+fake14-amd64 "s/^CONFIG_RUSTC_VERSION_TEXT=.*/CONFIG_RUSTC_VERSION_TEXT=\"rustc 1.97.1 (e8c8e3f3b 2026-08-20) (built from a source tarball)\"/"
	s=0; hook 7.2.13+fake14-amd64 || s=$?
	clean $s "hook for 7.2.13+fake14-amd64"
	said "built with rustc 1.97.1, this system has rustc 1.85.1. Install rustc 1.97.1" "newer rustc"
	step "4b. a kernel built with trixie's rustc 1.85.1, another rustc (1.97.1) installed"
	fake 7.3.4+fake13-amd64 ""
	mv /usr/bin/rustc /usr/bin/rustc.real
	printf "#!/bin/sh\necho \"rustc 1.97.1 (e8c8e3f3b 2026-08-20) (built from a source tarball)\"\n" >/usr/bin/rustc
	chmod 755 /usr/bin/rustc
	s=0; hook 7.3.4+fake13-amd64 || s=$?
	mv /usr/bin/rustc.real /usr/bin/rustc
	clean $s "hook for 7.3.4+fake13-amd64"
	v=$(apt-cache madison rustc | awk -F" *[|] *" "\$2 ~ /^1\\.85\\.1/ {print \$2; exit}")
	said "built with rustc 1.85.1, this system has rustc 1.97.1. Install rustc $v from trixie, and rust-src" \
		"older rustc, named with its suite"

	step "5. a kernel that passes those checks but whose vfio_pci_core layout nothing shows (no source, no module BTF)"
	fake 7.3.4+fake13b-amd64 ""
	s=0; hook 7.3.4+fake13b-amd64 || s=$?
	clean $s "hook for 7.3.4+fake13b-amd64"
	grep -E "pre_build|skipped" "$log" | sed "s/^/   | /"
	if grep -q "Autoinstall on 7.3.4+fake13b-amd64 was skipped" "$log" &&
		grep -q "cannot verify struct vfio_pci_vf_token" /var/lib/dkms/vfio-pci-rs/*/build/make.log; then
		ok "PRE_BUILD's exit 77: skipped, the reason in make.log"
	else
		notok "PRE_BUILD did not skip"; cat "$log"
	fi

	step "dkms status"; dkms status
	return $failed
}
if [ "${1:-}" = --in-chroot ]; then
	shift
	in_chroot_steps "$@"
	exit
fi

set -e
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
tree=$("$here/tree.sh")
deb=$("$here/mkdeb.sh")
DEB_OVERLAY=$(mktemp -d "$DEBDIR/overlay.XXXXXX")
export DEB_OVERLAY
trap 'rm -rf "$DEB_OVERLAY"' EXIT

in_chroot "$root" /bin/bash "$here/${0##*/}" --in-chroot "$DEB_KREL" "$tree" "$DEBDIR/pkg" "$deb"
