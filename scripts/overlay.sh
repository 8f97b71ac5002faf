#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched tree build/tree/linux = pristine 6.12 + this overlay
# (KVER=7.3: build/7.3/tree/linux = pristine 7.3 + the 7.3 overlay).
#
# Overlay rules: a file of the repo under rust/, mm/, include/ or
# tools/testing/selftests/ is a new kernel file at the same path, except
# NAME.patch, which is a unified diff (a/ b/ prefixes) editing the existing
# kernel file NAME. The top-level Kconfig and Kbuild are the project's own
# option and objects; they become mm/rust_zap/Kconfig and mm/rust_zap/Kbuild.
# kbuild/PATH is kernel file PATH, for the edits of the kernel's build
# system whose paths are the rig's own here (Makefile, scripts/) or outside
# the overlay's directories (init/Kconfig, lib/Kconfig.debug).
#
# Kernel lines: the files above are 6.12's overlay. Another line's overlay
# (lines/KVER/) is the same set with its own files where its C differs:
# lines/KVER/PATH takes the place of PATH (or adds it), and lines/KVER/OMIT
# lists the paths of the set that line does not take (one per line, #
# comments), such as the build-system back-port a newer kernel has; and
# lines/KVER/MOVE maps directories of the set to other kernel directories
# ("FROM/ TO/" per line: 7.3's selftests go to upstream's selftests/mm/).
#
# Everything is first staged and checked against the pristine tree; only
# when every file applies is the tree touched, so a hunk that does not
# apply leaves the previous tree as it was. Unchanged files keep their
# mtime, so incremental kernel builds stay incremental.
. "$(dirname "$0")/lib.sh"

pristine=$("$RIG_TOP/scripts/source.sh")
kver=$(kernel_version "$pristine")
stagedir=$LBUILD/tree/stage
list=$LBUILD/tree/overlay.files
rm -rf "$stagedir"
mkdir -p "$stagedir"
: >"$list.new"

# overlay_files DIR: the overlay's files under DIR, repo-relative.
overlay_files() {
	(cd "$1" && { for f in Kconfig Kbuild; do [ ! -f "$f" ] || echo "$f"; done
		      find rust mm include tools/testing/selftests kbuild -type f 2>/dev/null; })
}

# overlay_entries: "repo-path kernel-path" for every overlay file of the
# line: the root's, minus lines/KVER/OMIT, each taken from lines/KVER/
# where that has it, plus what only lines/KVER/ has.
overlay_entries() {
	local ldir=lines/$KVER omit
	omit=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$RIG_TOP/$ldir/OMIT" 2>/dev/null | grep . || true)
	for f in $omit; do
		[ -f "$RIG_TOP/$f" ] ||
			die "$ldir/OMIT names $f, which the overlay does not have" "fix $ldir/OMIT"
	done
	{ overlay_files "$RIG_TOP" | grep -vxF -f <(echo "${omit:-/}") | sed 's/^/. /'
	  [ ! -d "$RIG_TOP/$ldir" ] || overlay_files "$RIG_TOP/$ldir" | sed "s|^|$ldir |"; } |
	awk '{ src[$2] = ($1 == "." ? $2 : $1 "/" $2) }
	     END { for (f in src) { d = f; sub(/\.patch$/, "", d); sub(/^kbuild\//, "", d)
				    if (f == "Kconfig" || f == "Kbuild") d = "mm/rust_zap/" f
				    print src[f], d } }' | LC_ALL=C sort -k2 | move_dirs "$RIG_TOP/$ldir/MOVE"
}

# move_dirs MOVE: rewrite the kernel paths under each FROM/ of MOVE to TO/.
move_dirs() {
	awk -v move="$1" '
	BEGIN { while ((getline l < move) > 0)
			if (l !~ /^#/ && split(l, w) == 2) { from[++n] = w[1]; to[n] = w[2] } }
	{ for (i = 1; i <= n; i++)
		  if (index($2, from[i]) == 1) { $2 = to[i] substr($2, length(from[i]) + 1); break }
	  print }'
}

stage overlay "applying the overlay to Linux $kver"
while read -r src dst; do
	mkdir -p "$stagedir/$(dirname "$dst")"
	if [ "${src%.patch}" != "$src" ]; then
		[ -f "$pristine/$dst" ] ||
			die "$src edits $dst, which Linux $kver does not have" \
			    "rebase $src on this kernel or drop it"
		bad=$(grep -E '^\+\+\+ ' "$RIG_TOP/$src" |
		      grep -vxE "\+\+\+ b/$dst([[:space:]].*)?" || true)
		[ -z "$bad" ] ||
			die "$src must edit only $dst, but has: $bad" \
			    "split it into one NAME.patch per file"
		cp -p "$pristine/$dst" "$stagedir/$dst"
		if ! out=$(patch -d "$stagedir" -p1 --fuzz=0 --forward \
				--no-backup-if-mismatch -r - <"$RIG_TOP/$src" 2>&1); then
			printf '%s\n' "$out" >&2
			die "$src does not apply to $dst of Linux $kver (tree left unchanged)" \
			    "refresh the hunks against $pristine/$dst and rerun"
		fi
		echo "M $dst" >>"$list.new"
	else
		[ ! -e "$pristine/$dst" ] ||
			die "$src would replace $dst of Linux $kver" \
			    "edit existing kernel files with a $dst.patch diff instead"
		cp "$RIG_TOP/$src" "$stagedir/$dst"
		echo "A $dst" >>"$list.new"
	fi
done < <(overlay_entries)

# All staged: now update the tree. Paths the overlay owns are excluded from
# the pristine sync (which also protects them from --delete); a path it no
# longer owns goes back to pristine.
mkdir -p "$TREE"
rm -f "$TREE/.rig-overlay"
# New directories too, or --delete would try to remove them.
while read -r _ f; do
	echo "/$f"
	d=$(dirname "$f")
	while [ "$d" != . ] && [ ! -d "$pristine/$d" ]; do
		echo "/$d/"
		d=$(dirname "$d")
	done
done <"$list.new" | sort -u >"$list.exclude"
rsync -a --delete --exclude-from="$list.exclude" --exclude=/.rig-overlay \
	"$pristine/" "$TREE/" ||
	die "could not sync $pristine to $TREE" "check disk space and rerun"
# -c without -t: only files whose content changed are written.
rsync -rlc "$stagedir/" "$TREE/" ||
	die "could not copy the overlay into $TREE" "check disk space and rerun"
mv "$list.new" "$list"
echo "$kver" >"$TREE/.rig-overlay"
info "$(grep -c '^A' "$list" || true) new file(s), $(grep -c '^M' "$list" || true) edited; tree: $TREE"
