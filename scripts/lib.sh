# SPDX-License-Identifier: GPL-2.0
# Common paths and helpers of the rig; sourced by every script in scripts/.

set -euo pipefail

RIG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$RIG_TOP/build}
SRC_CACHE=$BUILD/src			# pristine kernel trees, extracted once
TREE=$BUILD/tree/linux			# pristine + overlay; never KSRC itself
KOUT=$BUILD/kbuild			# one O= directory per variant
GUEST=$BUILD/guest			# test programs and initramfs per variant
LOGS=$BUILD/logs
TOOLS=$BUILD/tools			# project-local cargo root (bindgen)
VARIANTS="default nomarker conly debug"	# see scripts/configs/<variant>.config

# Debian's rustc has the rust-src the kernel needs; rustup's on PATH does not.
# It is built on LLVM 22, so C is built with clang 22: one LLVM for both
# (the LLVM bitcode of C helpers can then be inlined into Rust).
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

kmake() {
	make -C "$TREE" "${KMAKE_VARS[@]}" "$@"
}
