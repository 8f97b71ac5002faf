#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh [VARIANT...]: everything from a fresh clone to a summary: toolchain,
# source, overlay, build, initramfs, boot and tests, for each VARIANT
# (default: "default"). Kernels with the Rust zap path are booted twice,
# mm_zap=c and mm_zap=rust, and the two must give the same results.
# SUITES (comma-separated) picks the suites; see scripts/guest/init.
. "$(dirname "$0")/lib.sh"

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(default)
for v in "${variants[@]}"; do need_variant "$v"; done

"$RIG_TOP/scripts/deps.sh"
"$RIG_TOP/scripts/overlay.sh"

failed=()
rows=()
for v in "${variants[@]}"; do
	"$RIG_TOP/scripts/kbuild.sh" "$v"
	"$RIG_TOP/scripts/guest.sh" "$v"
	suites=${SUITES:-upstream,persist,entries,stress,stress-mt}
	modes=(c)
	if grep -q '^CONFIG_RUST_MM_ZAP=y' "$KOUT/$v/.config"; then
		modes=(c rust)
		[ -n "${SUITES:-}" ] || suites+=,kunit
	fi
	# scripts/configs/VARIANT.modes may narrow the modes booted.
	m=$RIG_TOP/scripts/configs/$v.modes
	[ ! -f "$m" ] || read -r -a modes <<<"$(grep -v '^#' "$m" | tr '\n' ' ')"
	for m in "${modes[@]}"; do
		"$RIG_TOP/scripts/boot.sh" "$v" "$m" "$suites" || failed+=("$v/mm_zap=$m")
		while IFS= read -r r; do rows+=("$v	$m	$r"); done \
			<"$LOGS/$v-$m.summary" 2>/dev/null || true
	done
	if [ ${#modes[@]} -eq 2 ]; then
		"$RIG_TOP/scripts/compare.sh" "$v" c rust || failed+=("$v: mm_zap=c vs rust")
	fi
	if grep -q '^CONFIG_RUST_MM_ZAP_BRANCH_STATS=y' "$KOUT/$v/.config"; then
		"$RIG_TOP/scripts/branches.sh" "$LOGS/$v-rust.log" || failed+=("$v: branch report")
	fi
done

stage summary "per variant, mm_zap mode and suite (full TAP: $LOGS/*.log)"
{
	printf 'variant\tmm_zap\tsuite\tpass\tfail\tskip\tseconds\n'
	printf '%s\n' "${rows[@]}"
} | column -t -s $'\t'
if [ ${#failed[@]} -gt 0 ]; then
	echo
	echo "FAILED: ${failed[*]}" >&2
	exit 1
fi
echo
echo "PASSED: ${variants[*]}"
