#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# compare.sh VARIANT MODE_A MODE_B: the differential test. Every test result
# line (suite, ok/not ok, test name) of the two boots must be identical.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: compare.sh VARIANT MODE_A MODE_B} a=${2:?} b=${3:?}

# results LOG: "suite: result line" for each TAP result and summary line,
# and each line of uffd-wp-stress's observation log (OBS).
# Numbers inside a test's description are masked: some tests print racy
# counts there (pagemap_ioctl's "Extra pages N"); the verdict, the test
# number and the totals are compared as they are.
results() {
	awk '/^RIG-BEGIN / { s = $2; next } /^RIG-END / { s = ""; next }
	     s != "" && /^(ok|not ok) [0-9]+|^# Totals:|^Userfaults unit tests:|^Testing .*\.\.\. |^OBS / {
		sub(/\r$/, "")
		if (match($0, /^(ok|not ok) [0-9]+ /)) {
			head = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
			gsub(/[0-9]+/, "N", rest); $0 = head rest
		}
		print s ": " $0 }' "$1"
}
la=$LOGS/$variant-$a.log
lb=$LOGS/$variant-$b.log
[ -f "$la" ] && [ -f "$lb" ] || die "missing $la or $lb" "run both boots first"
if ! diff -u <(results "$la") <(results "$lb") >"$LOGS/$variant-$a-vs-$b.diff"; then
	head -n 30 "$LOGS/$variant-$a-vs-$b.diff" >&2
	die "$variant: mm_zap=$a and mm_zap=$b disagree ($LOGS/$variant-$a-vs-$b.diff)" \
	    "the C path is the oracle: fix the Rust path"
fi
info "$variant: mm_zap=$a and mm_zap=$b agree on $(results "$la" | wc -l) result lines"
