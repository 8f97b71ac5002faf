#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mutants.sh [ID...]: the mutation test of the Rust zap path (make mutants).
# Each mutant of scripts/mutants.txt (one line of a file of mm/rust_zap/
# changed) is applied to the overlaid tree, built into a copy of default's
# build directory (build/kbuild/mutants: the crate and a relink), booted
# under mm_zap=rust with MUTANT_SUITES (default persist,integrity,reclaim,stress,kunit,entries) and
# compared with the C path's results on the same configuration.
#   killed      the build's boot failed (a suite, a splat, the timeout) or
#               its results differ from C's
#   survived    it passed, with C's results: a test is missing
#   unviable    it does not compile (fix the list)
# A mutant the list calls equivalent must survive; any other must be
# killed: the run fails otherwise. The tree gets each file back, with its
# time stamp, before the boot, so no other build sees a change.
# MUTANT_SAMPLE=N: N mutants only, chosen by the commit (make check).
# MUTANT_ORACLE=LOG: the C boot to compare with (a log of this run that ran
# the suites, say default-c); without it the script boots C itself.
# MUTANT_TIMEOUT: seconds a mutant's boot may take (240).
. "$(dirname "$0")/lib.sh"

# The list of the line: 6.12's scripts/mutants.txt, another line's
# lines/KVER/mutants.txt (its files differ where its C does).
list=$RIG_TOP/scripts/mutants.txt
[ "$KVER" = 6.12 ] || list=$RIG_TOP/lines/$KVER/mutants.txt
[ -f "$list" ] || die "no mutant list for Linux $KVER ($list)" "write one: see scripts/mutants.txt"
suites=${MUTANT_SUITES:-persist,integrity,reclaim,stress,kunit,entries}
work=$LBUILD/mutants
mout=$KOUT/mutants
mkdir -p "$work"

# The list as records: ID FILE N EXPECT (EXPECT: killed or equivalent),
# and per mutant $work/ID.{orig,repl} with the two texts.
parse() {
	rm -f "$work"/*.orig "$work"/*.repl "$work/list.tsv"
	awk -v work="$work" '
	function flush() {
		if (id == "") return
		if (orig == "" || expect == "") { print "bad " id; exit 1 }
		printf "%s\t%s\t%s\t%s\n", id, file, nth, expect > (work "/list.tsv")
		printf "%s", orig > (work "/" id ".orig"); close(work "/" id ".orig")
		printf "%s", repl > (work "/" id ".repl"); close(work "/" id ".repl")
		id = ""
	}
	/^#/ || /^$/ { next }
	/^mutant / { flush(); id = $2; file = $3; nth = ($4 == "" ? 1 : $4)
		orig = ""; repl = ""; expect = ""; next }
	/^why / { next }
	/^expect killed$/ { expect = "killed"; next }
	/^expect equivalent: / { expect = "equivalent"; next }
	/^- / { orig = substr($0, 3); next }
	/^\+ / { repl = substr($0, 3); next }
	/^\+$/ { repl = ""; next }
	{ print "line " NR ": " $0; exit 1 }
	END { flush() }' "$list" >"$work/parse.err" ||
		die "$list: cannot parse ($(cat "$work/parse.err"))" \
		    "see the format at the top of the list"
	[ -s "$work/list.tsv" ] || die "$list lists no mutant"
	[ "$(cut -f1 "$work/list.tsv" | sort | uniq -d)" = "" ] ||
		die "$list: duplicate IDs: $(cut -f1 "$work/list.tsv" | sort | uniq -d | tr '\n' ' ')"
}

# mutate ID FILE N: the Nth occurrence of ID's text in the tree's FILE
# replaced (the original is saved as $work/FILE.saved, time stamp kept).
mutate() {
	local f=$TREE/mm/rust_zap/$2
	[ -f "$f" ] || die "mutant $1: no mm/rust_zap/$2" "fix $list"
	cp -p "$f" "$work/$2.saved"
	echo "$work/$2.saved $f" >"$work/restore"
	python3 - "$f" "$work/$1.orig" "$work/$1.repl" "$3" <<'PY' ||
import sys
path, orig, repl, nth = sys.argv[1], open(sys.argv[2]).read(), open(sys.argv[3]).read(), int(sys.argv[4])
src = open(path).read()
at = -1
for _ in range(nth):
    at = src.find(orig, at + 1)
    if at < 0:
        sys.exit(1)
open(path, "w").write(src[:at] + repl + src[at + len(orig):])
PY
		{ restore; die "mutant $1: its text is not in mm/rust_zap/$2 (occurrence $3)" \
			"the code changed: update $list"; }
}

# Put the saved file back, with its time stamp: the tree is the overlay's.
restore() {
	local saved f
	[ -f "$work/restore" ] || return 0
	read -r saved f <"$work/restore"
	cp -p "$saved" "$f" && rm -f "$work/restore" "$saved"
}

parse
total=$(wc -l <"$work/list.tsv")
if [ -n "${MUTANT_SAMPLE:-}" ]; then
	# A rotating sample: consecutive mutants from an offset of the commit.
	off=$(( 16#$(git -C "$RIG_TOP" rev-parse --short=7 HEAD 2>/dev/null || echo 0) % total ))
	awk -v o="$off" -v n="$MUTANT_SAMPLE" -v t="$total" \
		'{ l[NR - 1] = $0 } END { for (i = 0; i < n && i < t; i++) print l[(o + i) % t] }' \
		"$work/list.tsv" >"$work/run.tsv"
elif [ $# -gt 0 ]; then
	: >"$work/run.tsv"
	for id in "$@"; do
		awk -F'\t' -v id="$id" '$1 == id' "$work/list.tsv" | grep . >>"$work/run.tsv" ||
			die "no mutant '$id' in ${list#"$RIG_TOP"/}"
	done
else
	cp "$work/list.tsv" "$work/run.tsv"
fi

rig_begin "make mutants"
rig_prepare
# An interrupted run leaves no mutated file behind (then the report).
restore
trap 'st=$?; restore; rig_end "$st"' EXIT

# Every mutant of the list, not only this run's, must still find its text:
# a stale one would fail the run that happens to pick it.
stale=$(while IFS=$'\t' read -r id file nth _; do
	python3 -c 'import sys; t = open(sys.argv[1]).read(); o = open(sys.argv[2]).read()
sys.exit(0 if t.count(o) >= int(sys.argv[3]) else 1)' "$TREE/mm/rust_zap/$file" "$work/$id.orig" "$nth" 2>/dev/null ||
		printf '%s ' "$id"
done <"$work/list.tsv")
[ -z "$stale" ] || die "$list: the text of these mutants is no longer in mm/rust_zap/: $stale" \
	"the code changed: update their - lines (and + lines)"
timed "build default" "$RIG_TOP/scripts/kbuild.sh" default || die "the default kernel does not build"
timed "initramfs default" "$RIG_TOP/scripts/guest.sh" default || die "no initramfs"
if [ ! -f "$mout/vmlinux" ]; then
	stage mutants "copying default's build to $mout"
	rm -rf "$mout" && cp -a "$KOUT/default" "$mout" ||
		die "could not copy $KOUT/default to $mout" "check disk space"
fi
cp "$KOUT/default/.config" "$mout/.config"
oracle=${MUTANT_ORACLE:-}
if [ -z "$oracle" ]; then
	oracle=default-c-mutants
	timed "boot default mm_zap=c (the oracle)" \
		"$RIG_TOP/scripts/boot.sh" default c "$suites" mutants ||
		die "the C path fails the suites (see $LOGS/$oracle.log)" "fix that first: no mutant can be judged"
fi
[ -f "$LOGS/$oracle.log" ] || die "no oracle log $LOGS/$oracle.log" "boot mm_zap=c first"

log=$LOGS/build-mutants.log
: >"$log"
results=$work/results.tsv
: >"$results"
n=0
while IFS=$'\t' read -r id file nth expect; do
	n=$((n + 1))
	stage mutant "$n/$(wc -l <"$work/run.tsv") $id ($file): expected $expect"
	mutate "$id" "$file" "$nth"
	rm -f "$mout/mm/rust_zap/rust_zap.o"
	t=$SECONDS
	from=$(($(wc -l <"$log") + 1))
	if ! kmake O="$mout" -j"$JOBS" bzImage >>"$log" 2>&1; then
		restore
		tail -n +"$from" "$log" | grep -E '^error' -A5 | head -n 8 | sed 's/^/    /'
		printf '%s\t%s\tunviable\t%s\t%s\n' "$id" "$expect" "does not compile" $((SECONDS - t)) >>"$results"
		continue
	fi
	restore
	result=survived why=
	# A mutant that hangs the guest is killed by the timeout: keep it
	# short (the suites take about a minute).
	if ! BOOT_TIMEOUT=${MUTANT_TIMEOUT:-240} BOOT_KERNEL=$mout/arch/x86/boot/bzImage "$RIG_TOP/scripts/boot.sh" \
		default rust "$suites" "mutant-$id" >"$work/$id.boot" 2>&1; then
		result=killed
		why=$(grep -m1 '^FAIL' "$work/$id.boot" | cut -c1-160)
	elif ! "$RIG_TOP/scripts/compare.sh" "$oracle" "default-rust-mutant-$id" --subset \
		>"$work/$id.compare" 2>&1; then
		result=killed
		why="results differ from C: $(grep -m1 '^[-+][a-z]' "$work/$id.compare" | cut -c1-120)"
	fi
	info "$result${why:+: $why} ($((SECONDS - t)) s)"
	printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$expect" "$result" "$why" $((SECONDS - t)) >>"$results"
done <"$work/run.tsv"
# The copy's crate is a mutant's: the next build compiles it again.
rm -f "$mout/mm/rust_zap/rust_zap.o"

stage mutants "results ($results)"
bad=()
killed=0 survived=0 equivalent=0 unviable=0
while IFS=$'\t' read -r id expect result why secs; do
	printf '    %-30s %-10s %-9s %s\n' "$id" "$expect" "$result" "$why"
	case $expect/$result in
	killed/killed) killed=$((killed + 1)) ;;
	equivalent/survived) equivalent=$((equivalent + 1)) ;;
	*/unviable) unviable=$((unviable + 1)); bad+=("mutant $id does not compile") ;;
	killed/survived) survived=$((survived + 1)); bad+=("mutant $id survived: add a test that catches it, or rewrite it in ${list#"$RIG_TOP"/} if its text no longer changes what runs") ;;
	equivalent/killed) killed=$((killed + 1)); bad+=("mutant $id is listed as equivalent but was killed: fix ${list#"$RIG_TOP"/}") ;;
	esac
done <"$results"
judged=$((killed + survived))
info "score: $killed killed of $judged (equivalent: $equivalent, unviable: $unviable)"
printf 'mutants\t%s\tkilled=%d survived=%d equivalent=%d unviable=%d\n' \
	"$(date -u +%F)" "$killed" "$survived" "$equivalent" "$unviable" >"$work/score"
rig_fail "${bad[@]}"
