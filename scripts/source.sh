#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the pristine 6.12 tree available under build/src and print its path.
# Default: Debian's linux-source-6.12 tarball, extracted once. KSRC=/path:
# any 6.12.y tree, copied (never modified in place).
. "$(dirname "$0")/lib.sh"

need_space() {
	local avail
	avail=$(df -Pk "$BUILD" | awk 'NR==2 {print int($4 / 1048576)}')
	[ "$avail" -ge "$1" ] ||
		die "only ${avail} GiB free under $BUILD, need about $1 GiB" \
		    "free some disk space, or point BUILD=/elsewhere"
}

check_612() {
	local v
	[ -f "$1/Makefile" ] && [ -d "$1/mm" ] ||
		die "$2 is not a kernel source tree ($1)" \
		    "set KSRC to the top of a Linux 6.12.y tree"
	v=$(kernel_version "$1")
	case "$v" in
	6.12.*) ;;
	*) die "$2 is Linux $v, this project targets 6.12.y" \
	       "use a 6.12 stable tree, or unset KSRC for Debian's linux-source-6.12" ;;
	esac
}

mkdir -p "$SRC_CACHE"
if [ -n "${KSRC:-}" ]; then
	[ -d "$KSRC" ] || die "KSRC=$KSRC does not exist" \
		"point KSRC at a Linux 6.12.y source tree"
	KSRC=$(cd "$KSRC" && pwd)
	check_612 "$KSRC" "KSRC"
	dst=$SRC_CACHE/ksrc-$(printf '%s' "$KSRC" | md5sum | cut -c1-8)
	stage source "copying KSRC=$KSRC (Linux $(kernel_version "$KSRC")) to $dst" >&2
	need_space 4
	# Only the source: never a stale build or git metadata of KSRC.
	rsync -a --delete --exclude=.git --exclude='*.o' --exclude='.*.cmd' \
		"$KSRC/" "$dst/" >&2 ||
		die "could not copy $KSRC to $dst" "check permissions and disk space"
	[ ! -e "$dst/.config" ] ||
		die "KSRC=$KSRC has been configured in place (.config found)" \
		    "run 'make mrproper' in it, or use a clean checkout"
else
	tarball=/usr/src/linux-source-6.12.tar.xz
	[ -f "$tarball" ] || die "$tarball is missing" \
		"apt-get install linux-source-6.12 (or set KSRC=/path/to/linux-6.12.y)"
	pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dst=$SRC_CACHE/linux-source-6.12
	if [ "$(cat "$dst.stamp" 2>/dev/null)" != "$pkgver" ]; then
		stage source "extracting $tarball ($pkgver) to $dst" >&2
		need_space 6
		rm -rf "$dst" "$dst.stamp" "$dst.tmp"
		mkdir -p "$dst.tmp"
		tar -C "$dst.tmp" -xf "$tarball" ||
			die "could not extract $tarball" "check disk space, then rerun"
		mv "$dst.tmp/linux-source-6.12" "$dst"
		rmdir "$dst.tmp"
		echo "$pkgver" >"$dst.stamp"
	fi
	check_612 "$dst" "$tarball"
fi
echo "$dst"
