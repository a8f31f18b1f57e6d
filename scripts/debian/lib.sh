# Shared by scripts/debian/*: the Debian kernel the project targets, the mirror of the
# machine's apt sources, a private apt for the kernel's suite and running commands in the chroot.
# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# The target, DEB_KERNEL, one of the Debian kernels with Rust (docs/debian.md has their table):
# the Debian system it comes with (the chroot's suite: its gcc, rustc and bindgen are the
# kernel's), the archive suites its packages are in, and its release (uname -r). Its source is
# linux-source-MAJOR.MINOR of exactly the headers' version.
# trixie-7.2.N: the older backports a trixie host may still boot.
DEB_KERNELS="trixie-7.3 trixie-7.3-cloud trixie-7.3-rt sid-7.2 sid-7.2-cloud sid-7.2-rt
	trixie-7.2.12 trixie-7.2.12-cloud trixie-7.2.12-rt trixie-7.2.11 trixie-7.2.9 trixie-7.2.6"
DEB_KERNEL=${DEB_KERNEL:-trixie-7.3}
case $DEB_KERNEL in
trixie-7.3 | trixie-7.3-*) DEB_SUITE=trixie DEB_POCKETS="trixie trixie-backports" deb_krel=7.3.4+deb13 ;;
trixie-7.2.[0-9]*)
	DEB_SUITE=trixie DEB_POCKETS="trixie trixie-backports"
	deb_krel=${DEB_KERNEL#trixie-} deb_krel=${deb_krel%%-*}+deb13
	;;
sid-7.2 | sid-7.2-*) DEB_SUITE=sid DEB_POCKETS=sid deb_krel=7.2.13+deb14 ;;
*) echo "DEB_KERNEL=$DEB_KERNEL: not one of $DEB_KERNELS" >&2; exit 1 ;;
esac
case $DEB_KERNEL in
*-cloud) deb_flavour=cloud-amd64 ;;
*-rt) deb_flavour=rt-amd64 ;;
*) deb_flavour=amd64 ;;
esac
DEB_KREL=${DEB_KREL:-$deb_krel-$deb_flavour}
DEB_KSRC=linux-source-$(echo "$DEB_KREL" | cut -d. -f1,2)
# Its real path: the chroot binds it, and the prepared tree records where it was made (a cache
# reached through a symlink must resolve to the same paths inside the chroot as outside).
DEBDIR=$(realpath -m "$CACHE/debian")
DEB_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# The mirror the machine already uses (scripts/common.sh).
deb_mirror() {
	local m
	m=$(apt_mirror)
	[ -n "$m" ] || die "no Debian mirror found in the machine's apt sources; add one"
	echo "$m"
}

# apt-get / apt-cache on $DEB_POCKETS with state under $DEBDIR/apt-SUITE only: the host's
# package database and sources are not touched.
deb_apt() { # apt-get|apt-cache args...
	local tool=$1 dir=$DEBDIR/apt-$DEB_SUITE
	shift
	"$tool" -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o Dir::State::status=/dev/null -o APT::Architecture=amd64 \
		-o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false "$@"
}

# Refreshes the private package lists once per run of a script (cheap: only changed indexes).
deb_apt_update() {
	local dir=$DEBDIR/apt-$DEB_SUITE mirror p
	[ -z "${DEB_APT_UPDATED:-}" ] || return 0
	mirror=$(deb_mirror)
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	exec 8>"$dir.lock"
	flock 8
	for p in $DEB_POCKETS; do
		printf 'deb [signed-by=%s] %s %s main\n' "$DEB_KEYRING" "$mirror" "$p"
	done >"$dir/sources.list"
	deb_apt apt-get update -qq >/dev/null || die "apt-get update of $DEB_POCKETS failed"
	flock -u 8
	DEB_APT_UPDATED=1
}

# Runs a command as root inside the chroot, with /proc, /sys, /dev, the cache and the
# checkout bind-mounted at the same paths as outside (so paths in build trees hold on both
# sides). A private mount namespace drops every mount when the command ends. With
# DEB_OVERLAY=DIR the chroot is an overlay whose changes go to DIR, the chroot stays as it is.
in_chroot() { # CHROOT cmd...
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/bash -euc '
		root=$1; shift
		if [ -n "${DEB_OVERLAY:-}" ]; then
			mkdir -p "$DEB_OVERLAY/upper" "$DEB_OVERLAY/work" "$DEB_OVERLAY/merged"
			mount -t overlay overlay -o "lowerdir=$root,upperdir=$DEB_OVERLAY/upper,workdir=$DEB_OVERLAY/work" \
				"$DEB_OVERLAY/merged"
			root=$DEB_OVERLAY/merged
		fi
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		for d in "$DEBDIR" "$TOP"; do
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done
		exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' in_chroot "$root" "$@"
}
export DEBDIR TOP DEB_OVERLAY
