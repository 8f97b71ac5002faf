#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# patches.sh [--verify]: write the overlay as a numbered git format-patch
# series to build/patches, one patch per scripts/series/NNNN-*.txt (its
# first line is the subject, then the message; a "Files:" line lists the
# kernel paths it carries). Every overlay file must be in exactly one patch.
# The series is then applied with git am to pristine copies of the files it
# touches and the result must equal the overlay-applied tree.
. "$(dirname "$0")/lib.sh"

# make check applied the overlay already (and may be building from it).
[ -n "${RIG_PREPARED:-}" ] || "$RIG_TOP/scripts/overlay.sh" >/dev/null
pristine=$("$RIG_TOP/scripts/source.sh")
kver=$(kernel_version "$pristine")
list=$BUILD/tree/overlay.files
out=$BUILD/patches
work=$BUILD/patches-work
name=$(git -C "$RIG_TOP" config user.name || echo "Rust zap developers")
mail=$(git -C "$RIG_TOP" config user.email || echo "rust-zap@localhost")
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$mail
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$mail
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

stage patches "writing the series for Linux $kver to $out"
# Each overlay file in exactly one patch, each listed file in the overlay.
listed=$(sed -n 's/^Files: *//p' "$RIG_TOP"/scripts/series/*.txt 2>/dev/null | tr ' ' '\n' | grep . | sort || true)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || die "scripts/series lists these files twice: $dups"
extra=$(comm -13 <(awk '{print $2}' "$list" | sort) <(echo "$listed" | grep . || true))
[ -z "$extra" ] || die "scripts/series lists files the overlay lacks: $extra"
left=$(comm -23 <(awk '{print $2}' "$list" | sort) <(echo "$listed" | grep . || true))
[ -z "$left" ] || die "overlay files in no patch: $left" \
	"add them to a Files: line of scripts/series/NNNN-*.txt"

# base REPO: a git repo holding the pristine version of every edited file.
base() {
	rm -rf "$1"
	mkdir -p "$1"
	git -C "$1" init -q
	awk '$1 == "M" {print $2}' "$list" | while read -r f; do
		mkdir -p "$1/$(dirname "$f")"
		cp "$pristine/$f" "$1/$f"
	done
	git -C "$1" add -A
	git -C "$1" commit -q --allow-empty -m "Linux $kver"
}

base "$work"
for s in "$RIG_TOP"/scripts/series/*.txt; do
	[ -f "$s" ] || continue
	for f in $(sed -n 's/^Files: *//p' "$s"); do
		mkdir -p "$work/$(dirname "$f")"
		cp "$TREE/$f" "$work/$f"
		git -C "$work" add "$f"
	done
	sed '/^Files:/d' "$s" | git -C "$work" commit -q -s -F - ||
		die "$s: nothing to commit" "its files must differ from pristine"
done
rm -rf "$out"
git -C "$work" format-patch -q -o "$out" HEAD~"$(ls "$RIG_TOP"/scripts/series/*.txt 2>/dev/null | wc -l)"..HEAD
info "$(ls "$out" | wc -l) patch(es):"
ls "$out" | sed 's/^/      /'

[ "${1:-}" = --verify ] || exit 0
check=$BUILD/patches-check
base "$check"
[ -z "$(ls "$out")" ] || git -C "$check" am -q "$out"/*.patch ||
	die "the series does not apply with git am to pristine Linux $kver" \
	    "see $check; regenerate with make patches"
while read -r _ f; do
	cmp -s "$check/$f" "$TREE/$f" ||
		die "after git am, $f differs from the overlay-applied tree" \
		    "scripts/patches.sh and scripts/overlay.sh disagree: fix the series"
done <"$list"
info "verified: git am of the series on pristine $kver equals the overlay tree"
