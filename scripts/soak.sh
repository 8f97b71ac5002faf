#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# soak.sh [SECONDS]: boot the debug kernel (KASAN, lockdep, page table check,
# panic on warning) under mm_zap=rust and run the stress test and upstream
# uffd-stress in rounds for SECONDS (DURATION, default 1800), then report
# the rounds, seeds and the branches the Rust zap loop took. Any failure
# or kernel splat fails it. SOAK_ROUND=short makes each round smaller
# (make check runs one short round inside its debug boot).
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
rig_begin "make soak"
rig_prepare
timed "build $variant" "$RIG_TOP/scripts/kbuild.sh" "$variant"
timed "initramfs $variant" "$RIG_TOP/scripts/guest.sh" "$variant"
rc=0
BOOT_TIMEOUT=$((secs + 1800)) GUEST_ARGS="rig.soak=$secs rig.soak_round=$round" \
	timed "soak $variant mm_zap=$mode" "$RIG_TOP/scripts/boot.sh" "$variant" "$mode" soak $tag || rc=1
log=$LOGS/$variant-$mode-$tag.log
rig_rows "$variant" "$mode" "${log%.log}.summary"
soak_stats "$log"
if grep -q '^RIG-BRANCHES-BEGIN' "$log"; then
	"$RIG_TOP/scripts/branches.sh" "$log" || rc=1
fi
[ $rc -eq 0 ] || rig_fail "soak on $variant, mm_zap=$mode (console: $log)"
