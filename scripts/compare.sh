#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# compare.sh A B [--subset]: the differential test. A and B name boot logs
# (build/logs/A.log, say "default-c" and "default-rust"). Every test result
# line (suite, ok/not ok, test name) of the two boots must be identical.
# --subset: B ran only some of A's suites; compare those.
. "$(dirname "$0")/lib.sh"

a=${1:?usage: compare.sh A B [--subset]} b=${2:?usage: compare.sh A B [--subset]}

# results LOG: "suite: result line" for each TAP result and summary line,
# and each line of uffd-wp-stress's observation log (OBS), grouped by suite
# (a stable sort keeps each suite's own order): the order in which a boot
# ran its suites is not a result (make check's mutants run theirs in
# another order than the oracle's boot).
# Numbers inside a test's description are masked: some tests print racy
# counts there (pagemap_ioctl's "Extra pages N"); the verdict, the test
# number and the totals are compared as they are.
results() {
	awk '{ sub(/\r$/, "") }
	     /^RIG-BEGIN / { s = $2; next } /^RIG-END / { s = ""; next }
	     s != "" && /^(ok|not ok) [0-9]+|^# Totals:|^Userfaults unit tests:|^Testing .*\.\.\. |^OBS / {
		if (match($0, /^(ok|not ok) [0-9]+ /)) {
			head = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
			gsub(/[0-9]+/, "N", rest); $0 = head rest
		}
		print s ": " $0 }' "$1" | LC_ALL=C sort -s -t: -k1,1
}
la=$LOGS/$a.log
lb=$LOGS/$b.log
[ -f "$la" ] && [ -f "$lb" ] || die "missing $la or $lb" "run both boots first"
diff=$LOGS/$a-vs-$b.diff
if [ "${3:-}" = --subset ]; then
	suites=$(sed -n 's/^RIG-BEGIN \([^ \r]*\).*/\1/p' "$lb" | sort -u)
	# The oracle must have run each of them: a boot of other suites
	# (a make run SUITES=... since) is no oracle.
	lack=$(comm -23 <(echo "$suites") <(sed -n 's/^RIG-BEGIN \([^ \r]*\).*/\1/p' "$la" | sort -u) |
		tr '\n' ' ')
	[ -z "$lack" ] || die "$a.log did not run these suites of $b: $lack(an older boot of other suites?)" \
		"boot $a again with those suites (make check boots it before)"
	ra=$(results "$la" | awk 'NR == FNR { s[$0 ":"] = 1; next } s[$1]' <(echo "$suites") -)
else
	ra=$(results "$la")
fi
rb=$(results "$lb")
[ -n "$rb" ] || die "$b.log has no result lines to compare" "see $lb"
if ! diff -u <(echo "$ra") <(echo "$rb") >"$diff"; then
	head -n 30 "$diff" >&2
	die "$a and $b disagree ($diff)" \
	    "the C path is the oracle: fix the Rust path"
fi
info "$a and $b agree on $(echo "$rb" | wc -l) result lines"
