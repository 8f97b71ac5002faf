#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the whole test suite, what `make check` and CI run.
#  1. every variant built, booted and tested (scripts/run.sh):
#     default   mm_zap=c and mm_zap=rust, every suite, identical results;
#     nomarker  the same with CONFIG_PTE_MARKER_UFFD_WP=n (and the C helpers
#               called out of line: CONFIG_RUST_INLINE_HELPERS=n);
#     conly     upstream C (no Rust zap path): built, and its persist and
#               entries results must equal default's mm_zap=c boot, which
#               shows that the C oracle behaves as upstream does;
#     arm64     default's configuration built for arm64 and booted under
#               qemu-system-aarch64 -M virt: both paths, every suite,
#               identical results (another page table layout, contpte);
#     debug     KASAN, lockdep, page table check, panic on warning, under
#               mm_zap=rust: KUnit, uffd-unit-tests, pagemap_ioctl and one
#               short soak round in the same boot (every other suite, at
#               a smaller size), then the branch report;
#     after default, three mutants of the Rust path (make mutants), a
#     different three at each commit: each must be killed (or survive if
#     the list calls it equivalent);
#  2. the quality gates (scripts/gates.sh): host tests, rustfmt, clippy, the
#     inlined C helpers, and the patch series regenerated, checkpatch-clean
#     and equal to the tree.
# Two cores are kept busy: nomarker and conly start from a copy of
# default's objects (kbuild rebuilds what their configuration changes), and
# the debug kernel builds in the background, at a lower priority, while the
# other kernels build and boot. CHECK_VARIANTS narrows the variants. Prints the time
# of every stage and the total.
. "$(dirname "$0")/lib.sh"

rig_begin "make check"
variants=${CHECK_VARIANTS:-default nomarker conly arm64 debug}
for v in $variants; do need_variant "$v"; done
[[ " $variants " != *" conly "* || " $variants " == *" default "*" conly "* ]] ||
	die "conly is compared with default: CHECK_VARIANTS must have default before it"
# No result of an earlier run may stand in for one of this run.
rm -f "$LOGS"/*.log "$LOGS"/*.summary "$LOGS"/*.diff "$LOGS"/*.out

rig_prepare
status=0

# The debug kernel shares no object with the others (KASAN): build it in
# the background, at a lower priority, from the start. It takes what the
# foreground leaves: a core during the serial Rust part of each build and
# most of the boots.
bg_pid=
bg_log=$LOGS/build-debug.out
bg_start() {
	[ -z "$bg_pid" ] && [[ " $variants " == *" debug "* ]] || return 0
	info "building the debug kernel in the background (output: $bg_log)"
	bg_t0=$SECONDS
	# Its own process group, so that an interrupted check stops all of it.
	setsid -w nice -n 10 "$RIG_TOP/scripts/kbuild.sh" debug >"$bg_log" 2>&1 </dev/null &
	bg_pid=$!
}
bg_wait() {
	local rc=0
	[ -n "$bg_pid" ] || return 0
	wait "$bg_pid" || rc=$?
	bg_pid=
	sed 's/^/    [debug build] /' "$bg_log"
	printf 'build debug (background)\t%d\t%s\n' $((SECONDS - bg_t0)) \
		"$([ $rc -eq 0 ] && echo ok || echo FAILED)" >>"$RIG_TIMES"
	return $rc
}
# On exit, stop what still runs in the background, then report.
bg_stop() {
	[ -z "$bg_pid" ] || kill -- -"$bg_pid" 2>/dev/null || true
}
trap 'st=$?; bg_stop; rig_end "$st"' EXIT
bg_start

for v in $variants; do
	case $v in
	default)
		"$RIG_TOP/scripts/run.sh" default || status=1
		# Three mutants of scripts/mutants.txt, a different three at
		# each commit, against default's C boot: the harness runs.
		MUTANT_SAMPLE=3 MUTANT_ORACLE=default-c \
			timed "mutants (3 of the list)" "$RIG_TOP/scripts/mutants.sh" ||
			status=1 ;;
	conly)
		MODES=c SUITES=persist,integrity,entries COMPARE_WITH=default-c \
			"$RIG_TOP/scripts/run.sh" conly || status=1 ;;
	debug)
		bg_start
		bg_wait || { status=1; rig_fail "debug: build" || true; continue; }
		# Nothing else runs beside the debug boot: with the gates
		# beside it, the KASAN kernel once took a timer interrupt at
		# 0.1 s, in cpu_detect(), into an irq descriptor lock KASAN
		# reported as a wild access, and panicked before any test.
		# Built in the background already: no second make.
		RIG_BUILT=1 MODES=rust SUITES=kunit,upstream-unit,soak \
			GUEST_ARGS="rig.soak=1 rig.soak_round=short" \
			"$RIG_TOP/scripts/run.sh" debug || status=1 ;;
	*)
		"$RIG_TOP/scripts/run.sh" "$v" || status=1 ;;
	esac
done
# shellcheck disable=SC2086 # a list of variants
"$RIG_TOP/scripts/gates.sh" $variants || status=1
exit $status
