# SPDX-License-Identifier: GPL-2.0
# Common paths and helpers of the rig; sourced by every script in scripts/.

set -euo pipefail

RIG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$RIG_TOP/build}
SRC_CACHE=$BUILD/src			# pristine kernel trees, extracted once
TOOLS=$BUILD/tools			# project-local cargo root (bindgen)
# KVER: the kernel line, 7.3 (the default) or 6.12 (the LTS line). Each line
# has its own tree, builds, guests and logs: 6.12 directly under build/ (the
# first line of the project), 7.3 under build/7.3/ (LBUILD).
KVER=${KVER:-7.3}
# LTAG names the line in tables and stage names ("" for 6.12, "7.3:").
case $KVER in
6.12) LBUILD=$BUILD LTAG= ;;
7.3) LBUILD=$BUILD/7.3 LTAG=7.3: ;;
*) printf 'error: KVER=%s is not a kernel line this rig knows\nhint:  KVER=7.3 (the default) or KVER=6.12\n' "$KVER" >&2
   exit 1 ;;
esac
export KVER
TREE=$LBUILD/tree/linux			# pristine + overlay; never KSRC itself
KOUT=$LBUILD/kbuild			# one O= directory per variant
GUEST=$LBUILD/guest			# test programs and initramfs per variant
LOGS=$LBUILD/logs
VARIANTS="default nomarker conly debug noinline arm64"	# see scripts/configs/<variant>.config

# Debian's rustc has the rust-src the kernel needs; rustup's on PATH does not.
KMAKE_VARS=(LLVM=-22 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	    BINDGEN="$TOOLS/bin/bindgen" HOSTRUSTC=/usr/bin/rustc
	    CLIPPY_DRIVER=/usr/bin/clippy-driver RUSTFMT=/usr/bin/rustfmt)
export LIBCLANG_PATH=/usr/lib/llvm-22/lib
JOBS=${JOBS:-3}
mkdir -p "$BUILD"

stage() { printf '\n==> [%s] %s\n' "$1" "$2"; }
info() { printf '    %s\n' "$*"; }

# die WHAT [HINT]: one clear line on what failed and what to do, exit 1.
die() {
	printf 'error: %s\n' "$1" >&2
	[ $# -lt 2 ] || printf 'hint:  %s\n' "$2" >&2
	exit 1
}

valid_variant() {
	case " $VARIANTS " in
	*" $1 "*) [ -f "$RIG_TOP/scripts/configs/$1.config" ] ;;
	*) return 1 ;;
	esac
}

need_variant() {
	valid_variant "$1" ||
		die "unknown variant '$1'" "choose one of: $VARIANTS"
}

# kernel_version DIR: "6.12.117" from the top Makefile of a kernel tree.
kernel_version() {
	awk -F' *= *' '$1=="VERSION"{v=$2} $1=="PATCHLEVEL"{p=$2}
		$1=="SUBLEVEL"{s=$2} $1=="EXTRAVERSION"{e=$2}
		/^$/ && v!="" {exit} END{printf "%s.%s.%s%s\n", v, p, s, e}' \
		"$1/Makefile"
}

# kmake ARGS...: make in the patched tree for $KARCH (x86 unless a script
# set it from its variant: see variant_arch). ARCH is always given, so that
# an ARCH in the caller's environment cannot leak into a build.
KARCH=${KARCH:-x86}
kmake() {
	make -C "$TREE" "${KMAKE_VARS[@]}" ARCH="$KARCH" "$@"
}

# variant_arch VARIANT: the kernel's ARCH for a variant, from the
# "# rig-arch: ARCH" line of its fragment; x86 when it has none.
variant_arch() {
	local a
	a=$(sed -n 's/^# rig-arch: *//p' "$RIG_TOP/scripts/configs/$1.config")
	echo "${a:-x86}"
}

# image_target VARIANT: the make target of its bootable image;
# kernel_image VARIANT: where kbuild.sh leaves that image.
image_target() {
	case $(variant_arch "$1") in
	arm64) echo Image ;;
	*) echo bzImage ;;
	esac
}
kernel_image() {
	echo "$KOUT/$1/arch/$(variant_arch "$1")/boot/$(image_target "$1")"
}

# guest_dir VARIANT: its test programs and initramfs, one per architecture
# (the UAPI headers the programs build against are the same for every
# variant of an architecture).
guest_dir() {
	echo "$GUEST/$(variant_arch "$1")"
}

# The run's record. The first rig script of a run (make run, check, bench,
# soak) calls rig_begin and owns it: every stage run through `timed`
# appends "stage<TAB>seconds<TAB>ok|FAILED" to $RIG_TIMES and prints a line
# at once; rig_rows collects the per-suite rows, rig_fail the failures.
# When the owner exits it prints the suite table, the time of every stage
# and the total, and the verdict, so a slow machine shows where its time
# went. Scripts started by the owner only add to the record.
rig_begin() {
	[ -z "${RIG_TIMES:-}" ] || return 0
	mkdir -p "$LOGS"
	export RIG_TIMES=$LOGS/timing.tsv RIG_ROWS=$LOGS/summary.tsv RIG_FAILS=$LOGS/failed.txt
	: >"$RIG_TIMES"
	: >"$RIG_ROWS"
	: >"$RIG_FAILS"
	RIG_LABEL=${1:-make $(basename "$0" .sh)}
	RIG_T0=$SECONDS
	RIG_OWNER=$$
	trap rig_end EXIT
}

# timed NAME CMD...: run CMD, record its wall time as stage NAME, return
# its status.
timed() {
	local name=$1 t=$SECONDS rc=0
	shift
	"$@" || rc=$?
	printf '    [time] %s: %d s%s\n' "$name" $((SECONDS - t)) \
		"$([ $rc -eq 0 ] || echo ", FAILED")"
	[ -z "${RIG_TIMES:-}" ] ||
		printf '%s\t%d\t%s\n' "$name" $((SECONDS - t)) \
			"$([ $rc -eq 0 ] && echo ok || echo FAILED)" >>"$RIG_TIMES"
	return $rc
}

# rig_rows VARIANT MODE SUMMARY: the suite rows of one boot (boot.sh's
# SUMMARY file: suite pass fail skip seconds).
rig_rows() {
	[ -n "${RIG_ROWS:-}" ] && [ -f "$3" ] || return 0
	sed "s/^/$1\t$2\t/" "$3" >>"$RIG_ROWS"
}

# rig_fail WHAT...: record failures; returns 1 when there are any.
rig_fail() {
	[ $# -gt 0 ] || return 0
	[ -z "${RIG_FAILS:-}" ] || printf '%s\n' "$@" >>"$RIG_FAILS"
	printf 'FAIL %s\n' "$@" >&2
	return 1
}

# rig_end [STATUS]: the owner's report at exit (STATUS: the script's, when
# a trap had to run commands first).
rig_end() {
	local rc=${1:-$?} t fails
	[ "${RIG_OWNER:-}" = $$ ] || return $rc
	t=$((SECONDS - RIG_T0))
	if [ -s "$RIG_ROWS" ]; then
		stage summary "per variant, mm_zap mode and suite (full TAP: $LOGS/*.log)"
		{
			printf 'variant\tmm_zap\tsuite\tpass\tfail\tskip\tseconds\n'
			cat "$RIG_ROWS"
		} | column -t -s $'\t' | sed 's/^/    /'
	fi
	if [ -s "$RIG_TIMES" ]; then
		stage timing "seconds per stage ($RIG_TIMES)"
		awk -F'\t' '{ printf "    %-44s %6d  %s\n", $1, $2, $3 }' "$RIG_TIMES"
		printf '    %-44s %6d  (%d min %02d s)\n' total $t $((t / 60)) $((t % 60))
	fi
	fails=$(tr '\n' ';' <"$RIG_FAILS" | sed 's/;$//; s/;/; /g')
	echo
	if [ "$rc" -eq 0 ] && [ -z "$fails" ]; then
		echo "$RIG_LABEL: PASSED in $((t / 60)) min $((t % 60)) s"
		exit 0
	fi
	echo "$RIG_LABEL: FAILED after $((t / 60)) min $((t % 60)) s${fails:+: $fails} (logs: $LOGS)" >&2
	exit $((rc == 0 ? 1 : rc))
}

# source_tree: the pristine source extracted (scripts/source.sh), quietly.
source_tree() {
	"$RIG_TOP/scripts/source.sh" >/dev/null
}

# rig_prepare: toolchain, pristine source and overlay, each timed, once per
# run and kernel line (make check prepares each line once for all its
# variants: RIG_PREPARED lists the lines prepared, "deps" the toolchain).
rig_prepare() {
	[[ " ${RIG_PREPARED:-} " != *" $KVER "* ]] || return 0
	if [[ " ${RIG_PREPARED:-} " != *" deps "* ]]; then
		timed deps "$RIG_TOP/scripts/deps.sh"
		RIG_PREPARED+=" deps"
	fi
	timed "${LTAG}source" source_tree
	timed "${LTAG}overlay" "$RIG_TOP/scripts/overlay.sh"
	export RIG_PREPARED+=" $KVER"
}

# soak_stats LOG: what the soak rounds of a boot did.
soak_stats() {
	local summary=${1%.log}.summary
	stage soak "soak rounds ($1)"
	awk '$1 ~ /^soak-/ { n++; p += $2; f += $3; s += $4 }
	     END { printf "    %d suite runs, %d passed checks, %d failed, %d skipped\n", n, p, f, s }' \
		"$summary"
	{ grep -h '^# ops=' "$1" || true; } | tr -d '\r' | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } n++ }
		END { printf "    uffd-wp-stress: %d runs, %d ops, %d WP events, %d failures\n", n, t["ops"], t["events"], t["failures"] }'
}
