#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# soak.sh [SECONDS]: boot the debug kernel (KASAN, lockdep, page table check,
# panic on warning) under mm_zap=rust and run the stress test and upstream
# uffd-stress in rounds for SECONDS (DURATION, default 1800), then report
# the rounds, seeds and the branches the Rust zap loop took. Any failure
# or kernel splat fails it. SOAK_ROUND=short makes each round smaller
# (make check runs one short round: scripts/soak.sh 1).
. "$(dirname "$0")/lib.sh"

secs=${1:-${DURATION:-1800}}
case "$secs" in
''|*[!0-9]*) die "DURATION must be a number of seconds, not '$secs'" "make soak DURATION=1800" ;;
esac
variant=${SOAK_VARIANT:-debug}
mode=${SOAK_MODE:-rust}
round=${SOAK_ROUND:-full}
case "$round" in
full) tag=soak ;;
short) tag=soak-short ;;
*) die "SOAK_ROUND must be full or short, not '$round'" "make soak SOAK_ROUND=short" ;;
esac
"$RIG_TOP/scripts/deps.sh"
"$RIG_TOP/scripts/overlay.sh"
"$RIG_TOP/scripts/kbuild.sh" "$variant"
"$RIG_TOP/scripts/guest.sh" "$variant"
t0=$SECONDS
rc=0
BOOT_TIMEOUT=$((secs + 1800)) GUEST_ARGS="rig.soak=$secs rig.soak_round=$round" \
	"$RIG_TOP/scripts/boot.sh" "$variant" "$mode" soak $tag || rc=1
log=$LOGS/$variant-$mode-$tag.log
stage soak "$((SECONDS - t0)) s on $variant, mm_zap=$mode (console: $log)"
awk '{ n[$1]++; p += $2; f += $3; s += $4 }
     END { for (k in n) r++; printf "    %d suite runs, %d passed checks, %d failed, %d skipped\n", NR, p, f, s }' \
	"$LOGS/$variant-$mode-$tag.summary"
grep -h '^# ops=' "$log" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } n++ }
	END { printf "    uffd-wp-stress: %d runs, %d ops, %d WP events, %d failures\n", n, t["ops"], t["events"], t["failures"] }'
if grep -q '^RIG-BRANCHES-BEGIN' "$log"; then
	"$RIG_TOP/scripts/branches.sh" "$log" || rc=1
fi
exit $rc
