#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh [VARIANT...]: everything from a fresh clone to a summary: toolchain,
# source, overlay, build, initramfs, boot and tests, for each VARIANT
# (default: "default") of the kernel line KVER (7.3, or 6.12). Kernels with
# the Rust zap path are booted twice,
# mm_zap=c and mm_zap=rust, and the two must give the same results.
#
# Environment (scripts/check.sh sets these per variant):
#  SUITES       comma-separated suites (see scripts/guest/init); default all
#  MODES        the mm_zap modes to boot, "c", "rust" or "c rust" (default: c and rust
#               when the kernel has the Rust path, narrowed by
#               scripts/configs/VARIANT.modes)
#  GUEST_ARGS   extra kernel command line arguments (rig.soak=..., ...)
#  COMPARE_WITH a log name (say "default-c"): the results of this boot's
#               suites must equal that boot's
#  RIG_BUILT    set: the kernel is built already (make check built it in the
#               background), do not run make in its directory again
. "$(dirname "$0")/lib.sh"

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(default)
for v in "${variants[@]}"; do need_variant "$v"; done
for m in ${MODES:-}; do
	[ "$m" = c ] || [ "$m" = rust ] ||
		die "MODES: unknown mm_zap mode '$m'" "c or rust, space-separated: MODES=\"c rust\""
done
rig_begin

rig_prepare

failed=()
for v in "${variants[@]}"; do
	if [ -z "${RIG_BUILT:-}" ]; then
		timed "build $LTAG$v" "$RIG_TOP/scripts/kbuild.sh" "$v" ||
			{ failed+=("$LTAG$v: build"); continue; }
	fi
	timed "initramfs $LTAG$v" "$RIG_TOP/scripts/guest.sh" "$v" ||
		{ failed+=("$LTAG$v: initramfs"); continue; }
	suites=${SUITES:-upstream,persist,integrity,reclaim,entries,stress,stress-mt}
	rust=0
	! grep -q '^CONFIG_RUST_MM_ZAP=y' "$KOUT/$v/.config" || rust=1
	if [ -n "${MODES:-}" ]; then
		read -r -a modes <<<"$MODES"
	else
		modes=(c)
		[ $rust -eq 0 ] || modes=(c rust)
		# scripts/configs/VARIANT.modes may narrow the modes booted.
		m=$RIG_TOP/scripts/configs/$v.modes
		[ ! -f "$m" ] || read -r -a modes <<<"$(grep -v '^#' "$m" | tr '\n' ' ')"
	fi
	[ -n "${SUITES:-}" ] || [ $rust -eq 0 ] || suites+=,kunit
	for m in "${modes[@]}"; do
		timed "boot $LTAG$v mm_zap=$m" "$RIG_TOP/scripts/boot.sh" "$v" "$m" "$suites" ||
			failed+=("$LTAG$v/mm_zap=$m")
		rig_rows "$LTAG$v" "$m" "$LOGS/$v-$m.summary"
	done
	if [ ${#modes[@]} -eq 2 ]; then
		timed "compare $LTAG$v c/rust" "$RIG_TOP/scripts/compare.sh" "$v-c" "$v-rust" ||
			failed+=("$LTAG$v: mm_zap=c vs rust")
	fi
	if [ -n "${COMPARE_WITH:-}" ]; then
		timed "compare $LTAG$v-${modes[0]}/$COMPARE_WITH" "$RIG_TOP/scripts/compare.sh" \
			"$COMPARE_WITH" "$v-${modes[0]}" --subset || failed+=("$LTAG$v: against $COMPARE_WITH")
	fi
	# A rust boot of a kernel with branch counters must report them all.
	if grep -q '^CONFIG_RUST_MM_ZAP_BRANCH_STATS=y' "$KOUT/$v/.config" &&
	   [[ " ${modes[*]} " == *" rust "* ]]; then
		"$RIG_TOP/scripts/branches.sh" "$LOGS/$v-rust.log" || failed+=("$LTAG$v: branch report")
	fi
	if [[ ",$suites," == *",soak,"* ]]; then
		if grep -q '^RIG-BEGIN soak-' "$LOGS/$v-${modes[-1]}.log" 2>/dev/null; then
			soak_stats "$LOGS/$v-${modes[-1]}.log"
		else
			failed+=("$LTAG$v: the soak suite ran no round")
		fi
	fi
done

rig_fail "${failed[@]}"
