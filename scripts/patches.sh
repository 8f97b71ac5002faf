#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# patches.sh [--verify|--build]: write the overlay as a numbered git
# format-patch series to build/patches (KVER=7.3: build/7.3/patches), one
# patch per scripts/series/NNNN-*.txt (KVER=7.3: lines/7.3/series/NNNN-*.txt)
# (its first line is the subject, then the message; a "Files:" line lists the
# kernel paths whose final state it carries), after a cover letter
# (0000-cover-letter.patch: git's, with the series' cover-letter file's
# subject and text). Every overlay file must be in
# exactly one Files: line. A patch that carries only part of a file's change
# lists it on a "Partial:" line; scripts/series/NNNN-*/PATH.patch is the diff
# from the final state of PATH back to the state that patch leaves.
# --verify: git am of the series on pristine copies of the files it touches
# must give the overlay-applied tree. --build: also build the default
# configuration after each patch (the tree is restored at the end).
. "$(dirname "$0")/lib.sh"

# make check applied the overlay already (and may be building from it).
[[ " ${RIG_PREPARED:-} " == *" $KVER "* ]] || "$RIG_TOP/scripts/overlay.sh" >/dev/null
pristine=$("$RIG_TOP/scripts/source.sh")
series=$RIG_TOP/scripts/series
[ "$KVER" = 6.12 ] || series=$RIG_TOP/lines/$KVER/series
kver=$(kernel_version "$pristine")
list=$LBUILD/tree/overlay.files
out=$LBUILD/patches
work=$LBUILD/patches-work
name=$(git -C "$RIG_TOP" config user.name || echo "Rust zap developers")
mail=$(git -C "$RIG_TOP" config user.email || echo "rust-zap@localhost")
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$mail
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$mail
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

stage patches "writing the series for Linux $kver to $out"
# Each overlay file in exactly one patch, each listed file in the overlay.
listed=$(sed -n 's/^Files: *//p' "$series"/*.txt 2>/dev/null | tr ' ' '\n' | grep . | sort || true)
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

# partial SERIES-TXT FILE: the intermediate state of FILE that SERIES-TXT
# carries, written to stdout: the overlay's FILE with the directory's
# FILE.patch applied (a diff from the final state back to that state).
partial() {
	local diff=${1%.txt}/$2.patch
	[ -f "$diff" ] || die "$1 lists $2 as Partial: but there is no $diff"
	# Rejects go under build/, not into the current directory.
	patch -s --fuzz=0 -r "$LBUILD/partial.rej" -o - "$TREE/$2" "$diff" ||
		die "$diff does not apply to $2 of the overlay-applied tree" \
		    "refresh it: diff -u from the final file to the state that patch carries"
}

base "$work"
for s in "$series"/*.txt; do
	[ -f "$s" ] || continue
	for f in $(sed -n 's/^Partial: *//p' "$s"); do
		grep -q " $f\$" "$list" || die "$s: Partial: $f is not an overlay file"
		mkdir -p "$work/$(dirname "$f")"
		partial "$s" "$f" >"$work/$f"
		git -C "$work" add "$f"
	done
	for f in $(sed -n 's/^Files: *//p' "$s"); do
		mkdir -p "$work/$(dirname "$f")"
		cp "$TREE/$f" "$work/$f"
		git -C "$work" add "$f"
	done
	sed '/^Files:/d; /^Partial:/d' "$s" | git -C "$work" commit -q -s -F - ||
		die "$s: nothing to commit" "its files must differ from pristine"
done
rm -rf "$out"
# The cover letter: git's template (shortlog, diffstat) with the subject
# and text of the series' cover-letter file (its first line the subject,
# then the text).
cover=$series/cover-letter
[ -f "$cover" ] || die "no $cover" "write the cover letter: its first line the subject, then the text"
git -C "$work" format-patch -q --cover-letter -o "$out" \
	HEAD~"$(ls "$series"/*.txt 2>/dev/null | wc -l)"..HEAD
awk -v cover="$cover" '
	BEGIN { getline subject <cover }
	i = index($0, "*** SUBJECT HERE ***") {
		print substr($0, 1, i - 1) subject; next
	}
	/^\*\*\* BLURB HERE \*\*\*$/ {
		while ((getline l <cover) > 0)
			if (l != "" || text++) print l
		next
	}
	{ print }' "$out/0000-cover-letter.patch" >"$out/cover.tmp" &&
	mv "$out/cover.tmp" "$out/0000-cover-letter.patch" ||
	die "could not fill in $out/0000-cover-letter.patch"
info "the cover letter and $(($(ls "$out" | wc -l) - 1)) patch(es):"
ls "$out" | sed 's/^/      /'
# The patches, without the cover letter.
patches=$(ls "$out"/*.patch | grep -v '/0000-cover-letter\.patch$' || true)

[ -n "${1:-}" ] || exit 0
check=$LBUILD/patches-check
base "$check"
# shellcheck disable=SC2086 # a list of paths without blanks
[ -z "$patches" ] || git -C "$check" am -q $patches ||
	die "the series does not apply with git am to pristine Linux $kver" \
	    "see $check; regenerate with make patches"
while read -r _ f; do
	cmp -s "$check/$f" "$TREE/$f" ||
		die "after git am, $f differs from the overlay-applied tree" \
		    "scripts/patches.sh and scripts/overlay.sh disagree: fix the series"
done <"$list"
info "verified: git am of the series on pristine $kver equals the overlay tree"

[ "$1" = --build ] || exit 0
# Build the default configuration after each patch, in the tree itself (the
# build directory's paths stay those of the default build, so each step is
# incremental): the tree is marked half-updated until the last patch is in
# and equals the overlay again.
cfg=$KOUT/default/.config
[ -f "$KOUT/default/vmlinux" ] ||
	die "no default build to start from" "run 'make run' (or 'make kernel') first"
sout=$KOUT/series
log=$LOGS/build-series.log
mkdir -p "$LOGS"
: >"$log"
rm -f "$TREE/.rig-overlay"
if [ ! -f "$sout/vmlinux" ]; then
	stage series "copying the default build to $sout"
	rm -rf "$sout" && cp -a "$KOUT/default" "$sout" ||
		die "could not copy $KOUT/default to $sout" "check disk space"
fi
while read -r kind f; do
	case $kind in
	A) rm -f "$TREE/$f" ;;
	M) cp "$pristine/$f" "$TREE/$f" ;;
	esac
done <"$list"
step=0
for p in $patches; do
	step=$((step + 1))
	stage series "build after patch $step: $(basename "$p")"
	patch -d "$TREE" -p1 -s --fuzz=0 --forward <"$p" ||
		die "$(basename "$p") does not apply to the tree at step $step" \
		    "the tree is half-updated: rerun scripts/overlay.sh after fixing the series"
	cp "$cfg" "$sout/.config"
	from=$(($(wc -l <"$log") + 1))
	if ! kmake O="$sout" olddefconfig >>"$log" 2>&1 ||
	   ! kmake O="$sout" -j"$JOBS" bzImage >>"$log" 2>&1; then
		grep -E 'error|Error' "$log" | tail -n 15 >&2
		die "the kernel does not build after $(basename "$p") (log: $log)" \
		    "fix that patch's files; the tree is half-updated: scripts/overlay.sh restores it"
	fi
	# rustc's warnings start the line (C's name a file first): a step
	# without, say, the KUnit patch must not leave dead code behind.
	if tail -n +"$from" "$log" | grep -q '^warning:'; then
		tail -n +"$from" "$log" | grep -A8 '^warning:' | head -n 30 >&2
		die "rustc warns after $(basename "$p") (log: $log)" \
		    "fix that patch's files; the tree is half-updated: scripts/overlay.sh restores it"
	fi
	info "builds: $(grep -cE '^  (CC|RUSTC|AS|BINDGEN)( |\[)' "$log" || true) objects so far"
done
while read -r _ f; do
	cmp -s "$check/$f" "$TREE/$f" ||
		die "after the series, $f differs from the overlay" "rerun scripts/overlay.sh"
done <"$list"
"$RIG_TOP/scripts/overlay.sh" >/dev/null
info "every patch of the series builds (log: $log)"
