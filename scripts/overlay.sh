#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched tree build/tree/linux = pristine 6.12 + this overlay.
#
# Overlay rules: a file of the repo under rust/, mm/, include/ or
# tools/testing/selftests/vm/ is a new kernel file at the same path, except
# NAME.patch, which is a unified diff (a/ b/ prefixes) editing the existing
# kernel file NAME. The top-level Kconfig and Kbuild are the project's own
# option and objects; they become mm/rust_zap/Kconfig and mm/rust_zap/Kbuild.
# kbuild/PATH is kernel file PATH, for the edits of the kernel's build
# system whose paths are the rig's own here (Makefile, scripts/) or outside
# the overlay's directories (init/Kconfig, lib/Kconfig.debug).
#
# Everything is first staged and checked against the pristine tree; only
# when every file applies is the tree touched, so a hunk that does not
# apply leaves the previous tree as it was. Unchanged files keep their
# mtime, so incremental kernel builds stay incremental.
. "$(dirname "$0")/lib.sh"

pristine=$("$RIG_TOP/scripts/source.sh")
kver=$(kernel_version "$pristine")
stagedir=$BUILD/tree/stage
list=$BUILD/tree/overlay.files
rm -rf "$stagedir"
mkdir -p "$stagedir"
: >"$list.new"

# overlay_entries: "repo-path kernel-path" for every overlay file.
overlay_entries() {
	local f
	for f in Kconfig Kbuild; do
		[ ! -f "$RIG_TOP/$f" ] || echo "$f mm/rust_zap/$f"
	done
	(cd "$RIG_TOP" &&
	 find rust mm include tools/testing/selftests/vm kbuild -type f 2>/dev/null |
	 LC_ALL=C sort | awk '{ d = $0; sub(/\.patch$/, "", d); sub(/^kbuild\//, "", d); print $0, d }')
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
