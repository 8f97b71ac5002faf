#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the whole test suite, what `make check` and CI run.
#  1. every variant of CHECK_VARIANTS built, booted and tested (scripts/run.sh),
#     Rust kernels under mm_zap=c and mm_zap=rust with identical results,
#     then one short soak round on the debug kernel (scripts/soak.sh);
#  2. the quality gates (scripts/gates.sh): host tests, rustfmt, clippy, and
#     the patch series regenerated, checkpatch-clean and equal to the tree.
. "$(dirname "$0")/lib.sh"

t0=$SECONDS
variants=${CHECK_VARIANTS:-default nomarker conly debug}
status=0
# shellcheck disable=SC2086 # a list of variants
"$RIG_TOP/scripts/run.sh" $variants || status=1
# One short soak round on the debug kernel (make soak runs full ones).
case " $variants " in
*" debug "*) SOAK_ROUND=short "$RIG_TOP/scripts/soak.sh" 1 || status=1 ;;
esac
# shellcheck disable=SC2086
"$RIG_TOP/scripts/gates.sh" $variants || status=1

if [ $status -ne 0 ]; then
	echo "make check: FAILED after $(((SECONDS - t0) / 60)) min (logs: $LOGS)" >&2
	exit 1
fi
echo "make check: PASSED in $(((SECONDS - t0) / 60)) min"
