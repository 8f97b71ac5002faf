#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# branches.sh LOG: the branch report of a boot under mm_zap=rust with
# CONFIG_RUST_MM_ZAP_BRANCH_STATS: each branch of the Rust zap loop and how
# often the tests took it. A branch never taken fails the report unless it
# is listed below with the reason it cannot be reached on the test kernel.
. "$(dirname "$0")/lib.sh"

log=${1:?usage: branches.sh LOG}
declare -A why=(
	[unknown_entry]="must never be taken: an unknown entry is a bug (and a splat)"
	[no_pte_table]="a race with a concurrent THP collapse or page table free; not reproducible on demand"
	[delay_rmap]="delayed rmap only for dirty file folios zapped without fullmm on SMP; taken when the workload has them"
)
counts=$(sed -n '/^RIG-BRANCHES-BEGIN/,/^RIG-BRANCHES-END/p' "$log" | grep -v '^RIG-' | tr -d '\r')
[ -n "$counts" ] || die "no branch counters in $log" \
	"boot a kernel with CONFIG_RUST_MM_ZAP_BRANCH_STATS=y under mm_zap=rust"
status=0
stage branches "Rust zap loop branches taken ($log)"
while read -r name n; do
	if [ "$n" -gt 0 ]; then
		[ "$name" != unknown_entry ] || { echo "FAIL unknown entries zapped: $n" >&2; status=1; }
		printf '    %-26s %12s\n' "$name" "$n"
	elif [ -n "${why[$name]:-}" ]; then
		printf '    %-26s %12s  (%s)\n' "$name" 0 "${why[$name]}"
	else
		printf '    %-26s %12s  NOT REACHED\n' "$name" 0
		status=1
	fi
done <<<"$counts"
[ $status -eq 0 ] || echo "FAIL: branches not reached without a stated reason (add a test, or a reason above)" >&2
exit $status
