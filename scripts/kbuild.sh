#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kbuild.sh VARIANT: configure (tinyconfig + fragments) and build the
# bootable image (bzImage, or Image for arm64: the variant's "# rig-arch:")
# of the patched tree in build/kbuild/VARIANT (KVER=7.3: build/7.3/kbuild/VARIANT),
# incrementally.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kbuild.sh VARIANT}
need_variant "$variant"
KARCH=$(variant_arch "$variant")
target=$(image_target "$variant")
[ -f "$TREE/.rig-overlay" ] ||
	die "$TREE is missing or half-updated" "run scripts/overlay.sh (make run does)"
out=$KOUT/$variant
log=$LOGS/build-$variant.log
mkdir -p "$out" "$LOGS"
# base.config, then the architecture's additions, then the kernel line's
# (line-KVER.config, if the line needs one), then the variant's.
frags=("$RIG_TOP/scripts/configs/base.config" "$RIG_TOP/scripts/configs/arch-$KARCH.config")
[ -f "${frags[1]}" ] || die "no ${frags[1]}" "add the $KARCH fragment or fix '# rig-arch:' in $variant.config"
[ ! -f "$RIG_TOP/scripts/configs/line-$KVER.config" ] ||
	frags+=("$RIG_TOP/scripts/configs/line-$KVER.config")
frags+=("$RIG_TOP/scripts/configs/$variant.config")

# A failing make prints the errors of this attempt; the log keeps it all.
run_make() {
	local from
	from=$(($(wc -l <"$log") + 1))
	if ! kmake O="$out" "$@" >>"$log" 2>&1; then
		tail -n +"$from" "$log" | grep -E 'error|Error' | tail -n 15 >&2 ||
			tail -n 30 "$log" >&2
		return 1
	fi
}

# A fragment's "# rig-seed: VARIANT" line: a new build directory starts as
# a copy of VARIANT's (same compiler flags, a few options apart), and
# kbuild rebuilds what the configuration change touches: minutes instead
# of a cold build. Without the seed's build it starts empty.
seed=$(sed -n 's/^# rig-seed: *//p' "$RIG_TOP/scripts/configs/$variant.config")
if [ ! -f "$out/.config" ] && [ -n "$seed" ] && [ -f "$KOUT/$seed/vmlinux" ]; then
	stage seed "$variant: starting from a copy of $seed's objects"
	rm -rf "$out.tmp"
	cp -a "$KOUT/$seed" "$out.tmp" && rm -rf "$out" && mv "$out.tmp" "$out" ||
		die "could not copy $KOUT/$seed to $out" "check disk space and rerun"
	rm -f "$out/.rig-config"
fi
: >"$log"
sum=$( (cat "${frags[@]}"; kernel_version "$TREE") | md5sum | cut -c1-32)
if [ "$(cat "$out/.rig-config" 2>/dev/null)" != "$sum" ] || [ ! -f "$out/.config" ]; then
	stage config "$variant: tinyconfig + ${frags[*]##*/}"
	run_make rustavailable ||
		die "Rust is not available to the kernel build (log: $log)" \
		    "run scripts/deps.sh; rustc must be Debian's /usr/bin/rustc with rust-web-src"
	run_make tinyconfig || die "make tinyconfig failed (log: $log)"
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"${frags[@]}" >>"$log" 2>&1 ||
		die "merge_config.sh failed (log: $log)"
	run_make olddefconfig || die "make olddefconfig failed (log: $log)"
	# Every symbol must have its last requested value (a variant fragment
	# overrides base.config) after olddefconfig.
	miss=$(cat "${frags[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); want[s] = $0; next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "n"; next }
		END { for (s in want) print s, want[s] }' |
	       while read -r s w; do
		       if [ "$w" = n ]; then
			       ! grep -q "^$s=" "$out/.config" || echo "$s(n)"
		       else
			       grep -qxF "$w" "$out/.config" || echo "$s"
		       fi
	       done | sort | tr '\n' ' ')
	[ -z "$miss" ] ||
		die "$variant: olddefconfig dropped $miss(see $out/.config)" \
		    "fix the dependencies in scripts/configs/*.config"
	echo "$sum" >"$out/.rig-config"
fi

stage build "$variant: $KARCH $target (log: $log)"
if ! run_make -j"$JOBS" "$target"; then
	# A transient -j failure was seen on these machines: retry once alone.
	info "build failed; retrying once with -j1 to rule out a transient"
	run_make "$target" || die "$variant: kernel build failed (log: $log)" \
		"fix the error above; 'make run' resumes incrementally"
fi
run_make headers_install ||
	die "$variant: make headers_install failed (log: $log)" "is rsync installed?"
[ -s "$out/usr/include/linux/userfaultfd.h" ] ||
	die "$variant: UAPI headers are empty in $out/usr/include" "apt-get install rsync"
# What this build compiled: 0 when nothing changed.
info "$variant: $target built; $(grep -cE '^  (CC|RUSTC|AS|BINDGEN|HOSTCC)( |\[)' "$log" || true) objects compiled"
