#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# gates.sh VARIANT...: the quality gates on the project's code, after those
# variants were built: host tests of the pure decisions, rustfmt, clippy
# (each variant's config: the cfgs differ) and checkpatch on the series.
. "$(dirname "$0")/lib.sh"

status=0
fails=0
fail() { rig_fail "$1" || true; status=1; fails=$((fails + 1)); }

gate_host_tests() {
	local f0=$fails
	stage gates "host tests: cargo test of mm/rust_zap/policy.rs"
	cargo test --quiet --locked --manifest-path "$RIG_TOP/scripts/host-tests/Cargo.toml" \
		--target-dir "$BUILD/host-tests" >"$LOGS/host-tests.log" 2>&1 ||
		{ tail -n 30 "$LOGS/host-tests.log" >&2; fail "host tests (log: $LOGS/host-tests.log)"; }
	grep -h '^test result' "$LOGS/host-tests.log" | head -n 1 | sed 's/^/    /'
	/usr/bin/rustfmt --check --edition 2021 "$RIG_TOP/scripts/host-tests/src/lib.rs" >&2 ||
		fail "rustfmt: scripts/host-tests/src/lib.rs is not formatted"
	[ $fails -eq "$f0" ]
}

# gate_rustfmt VARIANT: the formatting does not depend on the configuration.
gate_rustfmt() {
	local f0=$fails
	stage gates "make rustfmtcheck"
	KARCH=$(variant_arch "$1") kmake O="$KOUT/$1" rustfmtcheck >"$LOGS/rustfmt.log" 2>&1 ||
		{ grep -v '^make' "$LOGS/rustfmt.log" | head -n 30 >&2
		  fail "rustfmtcheck: run rustfmt on mm/rust_zap/*.rs"; }
	[ $fails -eq "$f0" ]
}

# gate_clippy VARIANT: each configuration (the cfgs differ).
gate_clippy() {
	local f0=$fails
	local v=$1
	stage gates "$v: make CLIPPY=1 mm/rust_zap/"
	# Remove the crate's object so that clippy really runs on it: in this
	# variant's directory only (touching the source would make the other
	# variants rebuild, one of which may be building or booting).
	rm -f "$KOUT/$v/mm/rust_zap/rust_zap.o"
	KARCH=$(variant_arch "$v") kmake O="$KOUT/$v" CLIPPY=1 mm/rust_zap/ >"$LOGS/clippy-$v.log" 2>&1 ||
		fail "$v: make CLIPPY=1 mm/rust_zap/ failed (log: $LOGS/clippy-$v.log)"
	if grep -qE '^(warning|error)' "$LOGS/clippy-$v.log"; then
		grep -E '^(warning|error)' -A 8 "$LOGS/clippy-$v.log" | head -n 40 >&2
		fail "$v: clippy warnings (log: $LOGS/clippy-$v.log)"
	fi
	grep -q 'CLIPPY .*mm/rust_zap/rust_zap.o' "$LOGS/clippy-$v.log" ||
		fail "$v: clippy did not run on mm/rust_zap (log: $LOGS/clippy-$v.log)"
	[ $fails -eq "$f0" ]
}

# gate_inline_helpers VARIANT: with CONFIG_RUST_INLINE_HELPERS the zap
# crate calls no helper out of line (no undefined rust_helper_* symbol) and
# the body of one is visibly inlined: rust_zap.o calls what a helper calls
# (6.12: rust_helper_pte_offset_map_lock(), __pte_offset_map_lock(); 7.3,
# where pte_offset_map_lock() is out of line: upstream's
# rust_helper_spin_lock(), _raw_spin_lock()). Without the option it must
# call the helpers (else this gate would check nothing).
gate_inline_helpers() {
	local f0=$fails v=$1 obj=$KOUT/$1/mm/rust_zap/rust_zap.o undef helpers local_copies
	stage gates "$v: C helpers in the Rust zap path ($obj)"
	[ -f "$obj" ] || { fail "$v: no $obj"; return 1; }
	undef=$(llvm-nm-22 -u "$obj" | awk '{ print $NF }')
	helpers=$(grep '^rust_helper_' <<<"$undef" | sort | tr '\n' ' ' || true)
	# A helper LLVM did not inline stays as a local copy after llvm-link.
	local_copies=$(llvm-nm-22 --defined-only "$obj" | awk '$NF ~ /^rust_helper_/ { print $NF }' | sort | tr '\n' ' ')
	if grep -q '^CONFIG_RUST_INLINE_HELPERS=y' "$KOUT/$v/.config"; then
		[ -z "$helpers" ] ||
			fail "$v: helpers called out of line with CONFIG_RUST_INLINE_HELPERS=y: $helpers(are they __rust_helper in rust/helpers/?)"
		[ -z "$local_copies" ] ||
			fail "$v: helpers linked into rust_zap.o but not inlined: $local_copies"
		grep -qx "$inlined_callee" <<<"$undef" ||
			fail "$v: rust_zap.o does not call $inlined_callee(): $inlined_helper()'s helper was not inlined"
		[ $fails -ne "$f0" ] || info "no helper called out of line or left as a copy; $inlined_helper() inlined"
	else
		[ -n "$helpers" ] ||
			fail "$v: without CONFIG_RUST_INLINE_HELPERS rust_zap.o calls no helper: the inlining gate checks nothing"
		[ $fails -ne "$f0" ] || info "CONFIG_RUST_INLINE_HELPERS off: helpers called out of line: $helpers"
	fi
	[ $fails -eq "$f0" ]
}

gate_checkpatch() {
	local f0=$fails
	local p out
	stage gates "checkpatch on the series"
	for p in "$LBUILD"/patches/*.patch; do
		[ -f "$p" ] || continue
		[ "${p##*/}" != 0000-cover-letter.patch ] || continue
		# A new file need not touch MAINTAINERS in the same patch.
		if ! out=$("$TREE/scripts/checkpatch.pl" --no-tree -q \
				--ignore FILE_PATH_CHANGES "$p" 2>&1); then
			printf '%s\n' "$out" | head -n 30 >&2
			fail "checkpatch: $(basename "$p")"
		fi
	done
	[ $fails -eq "$f0" ]
}

timed "gate host tests" gate_host_tests || status=1
case $KVER in
6.12) inlined_helper=pte_offset_map_lock inlined_callee=__pte_offset_map_lock ;;
*) inlined_helper=spin_lock inlined_callee=_raw_spin_lock ;;
esac
rust=()
for v in "$@"; do
	! grep -q '^CONFIG_RUST_MM_ZAP=y' "$KOUT/$v/.config" || rust+=("$v")
done
[ ${#rust[@]} -eq 0 ] || timed "gate rustfmt" gate_rustfmt "${rust[0]}" || status=1
for v in "${rust[@]}"; do
	# The object of the booted image, before clippy rebuilds it.
	timed "gate inline helpers $v" gate_inline_helpers "$v" || status=1
	timed "gate clippy $v" gate_clippy "$v" || status=1
done
timed "gate series = tree" "$RIG_TOP/scripts/patches.sh" --verify ||
	fail "the series does not cover or equal the tree (scripts/patches.sh --verify)"
timed "gate checkpatch" gate_checkpatch || status=1
[ $status -ne 0 ] || info "all gates clean"
exit $status
