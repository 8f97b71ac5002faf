#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the pristine kernel tree available under build/src and print its path.
# KVER picks the line: 7.3 (the default) or 6.12.
# KVER=6.12: Debian's linux-source-6.12 tarball, extracted once. KSRC=/path:
# any 6.12.y tree, copied (never modified in place).
# KVER=7.3: Debian's linux-source-7.3 from trixie-backports, fetched with a
# private apt state under build/apt-7.3 (the host's apt sources and lists
# are left alone; apt checks the archive's signatures), extracted once per
# package version. KSRC=/path: any 7.3.y tree, copied as above.
. "$(dirname "$0")/lib.sh"

need_space() {
	local avail
	avail=$(df -Pk "$BUILD" | awk 'NR==2 {print int($4 / 1048576)}')
	[ "$avail" -ge "$1" ] ||
		die "only ${avail} GiB free under $BUILD, need about $1 GiB" \
		    "free some disk space, or point BUILD=/elsewhere"
}

# check_line DIR WHAT: DIR is a kernel tree of the line KVER asks for.
check_line() {
	local v for=
	[ "$KVER" = 6.12 ] || for=" (KVER=$KVER)"
	if [ ! -f "$1/Makefile" ] || [ ! -d "$1/mm" ]; then
		die "$2 is not a kernel source tree ($1)" \
		    "set KSRC to the top of a Linux $KVER.y tree"
	fi
	v=$(kernel_version "$1")
	case "$v" in
	"$KVER".*) ;;
	*) die "$2 is Linux $v, this project targets $KVER.y$for" \
	       "use a $KVER stable tree, or unset KSRC for Debian's linux-source-$KVER" ;;
	esac
}

# debian_mirror: the Debian archive the host's apt uses (DEBIAN_MIRROR
# overrides): the first enabled, non-security "deb" source of
# /etc/apt/sources.list.d/debian.sources, else of /etc/apt/sources.list.
debian_mirror() {
	local f=/etc/apt/sources.list.d/debian.sources u=
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	[ ! -f "$f" ] || u=$(awk 'BEGIN { RS = ""; FS = "\n" }
		{
			en = 1; deb = 0; u = ""
			for (i = 1; i <= NF; i++) {
				l = tolower($i)
				if (l ~ /^[ \t]*#/) continue
				if (l ~ /^enabled:[ \t]*no/) en = 0
				if (l ~ /^types:/ && l ~ /[ \t:]deb([ \t]|$)/) deb = 1
				if (l ~ /^uris:/) { split($i, w, /[ \t]+/); u = w[2] }
			}
			if (en && deb && u != "" && u !~ /security/) { print u; exit }
		}' "$f")
	[ -n "$u" ] || [ ! -f /etc/apt/sources.list ] ||
		u=$(awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($i !~ /security/) { print $i; exit }
		}' /etc/apt/sources.list)
	[ -n "$u" ] || die "no Debian mirror found in $f or /etc/apt/sources.list" \
		"set DEBIAN_MIRROR=http://deb.debian.org/debian (or a mirror near you)"
	echo "$u"
}

# fetch_73: Debian's linux-source-7.3 (trixie-backports), extracted to
# $SRC_CACHE/linux-source-7.3 unless the stamp already names the version
# the suite serves. Sets dst. Messages go to stderr: stdout is the path.
fetch_73() {
	local pkg=linux-source-7.3 apt_dir=$BUILD/apt-7.3 mirror list keyring
	local pkgver deb dl t0=$SECONDS
	local -a apt
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "$keyring is missing (it verifies Debian's trixie suites)" \
		"apt-get install debian-archive-keyring"
	mirror=$(debian_mirror)
	dst=$SRC_CACHE/$pkg
	list=$apt_dir/sources.list
	dl=$apt_dir/download
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dl"
	# apt fetches as _apt when run as root: let it write the .deb.
	[ "$(id -u)" != 0 ] || ! getent passwd _apt >/dev/null || chown _apt "$dl"
	echo "deb [signed-by=$keyring] $mirror trixie-backports main" >"$list"
	apt=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=/nonexistent
	     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	     -o Acquire::Languages=none)
	stage source "apt-get update: $mirror trixie-backports main (private state: $apt_dir)" >&2
	# --error-on=any: a signature or download warning fails the update.
	if ! apt-get "${apt[@]}" --error-on=any update >"$apt_dir/update.log" 2>&1; then
		if [ -f "$dst.stamp" ] && [ -d "$dst" ]; then
			info "apt-get update failed (see $apt_dir/update.log); using the tree extracted before" >&2
			info "Linux $(kernel_version "$dst") (Debian $(cat "$dst.stamp"))" >&2
			return
		fi
		sed 's/^/    /' "$apt_dir/update.log" >&2
		die "apt-get update of $mirror trixie-backports failed (log: $apt_dir/update.log)" \
		    "check the network; on a signature error update debian-archive-keyring (it needs the 13/trixie keys); or set DEBIAN_MIRROR"
	fi
	pkgver=$(apt-cache "${apt[@]}" show --no-all-versions "$pkg" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1)
	[ -n "$pkgver" ] || die "$mirror trixie-backports has no $pkg now" \
		"see https://packages.debian.org/trixie-backports/$pkg; or set KSRC=/path/to/linux-7.3.y"
	if [ "$(cat "$dst.stamp" 2>/dev/null)" != "$pkgver" ] || [ ! -d "$dst" ]; then
		stage source "downloading $pkg $pkgver and extracting it to $dst" >&2
		need_space 3
		rm -rf "$dst" "$dst.stamp" "$dst.tmp" "$apt_dir/deb"
		rm -f "$dl/$pkg"_*.deb
		(cd "$dl" && apt-get "${apt[@]}" download "$pkg=$pkgver") >&2 ||
			die "could not download $pkg $pkgver" "check the network, then rerun"
		deb=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
		[ -n "$deb" ] || die "apt-get download left no ${pkg}_*.deb in $dl" \
			"rerun; if it persists, remove $apt_dir"
		dpkg-deb -x "$deb" "$apt_dir/deb" ||
			die "could not unpack $deb" "check disk space, then rerun"
		[ -f "$apt_dir/deb/usr/src/$pkg.tar.xz" ] ||
			die "$deb has no usr/src/$pkg.tar.xz" "report it; or set KSRC=/path/to/linux-7.3.y"
		mkdir -p "$dst.tmp"
		tar -C "$dst.tmp" -xf "$apt_dir/deb/usr/src/$pkg.tar.xz" ||
			die "could not extract $pkg.tar.xz" "check disk space, then rerun"
		[ -d "$dst.tmp/$pkg" ] ||
			die "$pkg.tar.xz has no top folder $pkg" "report it; or set KSRC=/path/to/linux-7.3.y"
		mv "$dst.tmp/$pkg" "$dst"
		rmdir "$dst.tmp"
		# The tree is all that is needed: drop the .deb and its tarball.
		rm -rf "$apt_dir/deb" "$deb"
		echo "$pkgver" >"$dst.stamp"
		info "fetched and extracted in $((SECONDS - t0)) s" >&2
	fi
	info "Linux $(kernel_version "$dst") (Debian $pkgver)" >&2
}

mkdir -p "$SRC_CACHE"
if [ -n "${KSRC:-}" ]; then
	[ -d "$KSRC" ] || die "KSRC=$KSRC does not exist" \
		"point KSRC at a Linux $KVER.y source tree"
	KSRC=$(cd "$KSRC" && pwd)
	check_line "$KSRC" "KSRC"
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
elif [ "$KVER" = 7.3 ]; then
	fetch_73
	check_line "$dst" "$dst (linux-source-7.3 $(cat "$dst.stamp"))"
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
	check_line "$dst" "$tarball"
fi
echo "$dst"
