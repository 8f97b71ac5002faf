#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# guest.sh VARIANT: build the static test programs from the patched tree
# (against VARIANT's UAPI headers) and the busybox initramfs around them,
# for VARIANT's architecture (x86-64 natively, arm64 cross-compiled with
# Debian's aarch64-linux-gnu-gcc and busybox-static:arm64).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: guest.sh VARIANT}
need_variant "$variant"
hdr=$KOUT/$variant/usr/include
[ -s "$hdr/linux/userfaultfd.h" ] ||
	die "no UAPI headers in $hdr" "build the kernel first: scripts/kbuild.sh $variant"
arch=$(variant_arch "$variant")
case $arch in
arm64)
	CC=aarch64-linux-gnu-gcc
	busybox=$TOOLS/arm64/bin/busybox
	;;
*)
	CC=gcc
	busybox=/bin/busybox
	;;
esac
command -v "$CC" >/dev/null ||
	die "$CC not found, needed for the $arch test programs" "run scripts/deps.sh"
[ -x "$busybox" ] ||
	die "$busybox is missing (the $arch guest's shell)" "run scripts/deps.sh"
mm=$TREE/tools/testing/selftests/mm
out=$(guest_dir "$variant")
bin=$out/bin
root=$out/root
log=$LOGS/guest-$arch.log
mkdir -p "$bin" "$LOGS"

# Everything the initramfs is made of: the UAPI headers (the same for every
# variant), the test sources, /init, busybox and this script. Unchanged
# since the last build: nothing to do.
sums() { # DIR: md5 of every source file under DIR, by relative name
	(cd "$1" && find . -type f \( -name '*.[ch]' -o -name init \) -print0 |
	 LC_ALL=C sort -z | xargs -0 md5sum)
}
key=$( (sums "$hdr"; sums "$TREE/tools/testing/selftests"; sums "$TREE/tools/include"
	sums "$RIG_TOP/scripts/guest"; "$CC" --version; cat "$busybox" "$0") |
	md5sum | cut -c1-32)
if [ "$(cat "$out/.rig-key" 2>/dev/null)" = "$key" ] && [ -f "$out/initramfs.cpio.gz" ]; then
	info "initramfs up to date ($out/initramfs.cpio.gz)"
	exit 0
fi
rm -f "$out/.rig-key"
rm -rf "$bin"
mkdir -p "$bin"
: >"$log"

stage initramfs "$arch test programs and busybox initramfs (log: $log)"
# -static-pie, not -static: since Linux 6.9 x86-64 randomizes the brk of a
# non-PIE program over 1 GiB above its .bss, and uffd-common.c maps shmem
# at the fixed hint 1 GiB; in about one run in a hundred the heap sat there
# and uffd-unit-tests failed with "mmap of memfd failed at 0x40000000". A
# static PIE gets its brk next to ELF_ET_DYN_BASE, as a dynamic one does.
CFLAGS=(-static-pie -O2 -Wall -U_FORTIFY_SOURCE -isystem "$hdr"
	-isystem "$TREE/tools/include/uapi" -I "$TREE" -I "$TREE/tools/testing/selftests")
# cc OUT DIR SRC...: compile one static program from DIR; fails with the
# compiler's words. Relative names: a test that uses __FILE__ as a scratch
# file name (pagemap_ioctl) must get a name that exists in the guest.
cc() {
	local out=$1 dir=$2
	shift 2
	if ! (cd "$dir" && "$CC" "${CFLAGS[@]}" -o "$bin/$out" "$@" -lrt -lpthread -lm) >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "could not build the test program $out (log: $log)"
	fi
}
# The mm selftests' own Makefile wants a generated local_config.h (7.3:
# local_config.h_gen); empty: no liburing, cow and gup_longterm skip their
# io_uring cases.
: >"$mm/local_config.h"
: >"$mm/local_config.h_gen"
# Their shared helpers: thp_settings.c in 6.12, hugepage_settings.c in 7.3.
util=(vm_util.c thp_settings.c)
[ -f "$mm/thp_settings.c" ] || util=(vm_util.c hugepage_settings.c)
cc uffd-unit-tests "$mm" uffd-unit-tests.c uffd-common.c "${util[@]}"
cc uffd-stress "$mm" uffd-stress.c uffd-common.c "${util[@]}"
cc pagemap_ioctl "$mm" pagemap_ioctl.c "${util[@]}"
cc hmm-tests "$mm" hmm-tests.c "${util[@]}"
# 7.3's uffd-wp test of mremap (not in 6.12)
[ ! -f "$mm/uffd-wp-mremap.c" ] ||
	cc uffd-wp-mremap "$mm" uffd-wp-mremap.c uffd-common.c "${util[@]}"
# The mm suite (scripts/guest/init): the kernel's own selftests that zap,
# whichever of them this tree has (7.3 renamed hugepage-mremap to
# hugetlb-mremap, folded map_hugetlb into hugetlb-mmap, dropped
# hugepage-vmemmap, and added guard-regions). A program of the list the
# tree has must build; one it does not have is left out (the suite says so).
mm_suite=(cow khugepaged split_huge_page_test transhuge-stress hugetlb-madvise
	hugetlb_madv_vs_map hugepage-mremap hugetlb-mremap map_hugetlb hugetlb-mmap
	hugepage-vmemmap thuge-gen hugetlb_dio mrelease_test gup_longterm mremap_test
	mremap_dontunmap droppable mkdirty ksm_functional_tests guard-regions)
# Their stdout line-buffered, as on the console, also when scripts/guest/init
# captures it (see lib/stdout-linebuf.c).
linebuf=$RIG_TOP/scripts/guest/lib/stdout-linebuf.c
for p in "${mm_suite[@]}"; do
	[ -f "$mm/$p.c" ] || continue
	extra=()
	# 6.12.118's khugepaged.c uses KSFT_SKIP without including kselftest.h.
	[ "$p" != khugepaged ] || [ ! -f "$mm/thp_settings.c" ] || extra+=(-DKSFT_SKIP=4)
	cc "$p" "$mm" "${extra[@]}" "$p.c" "${util[@]}" "$linebuf"
done
rm -f "$mm/local_config.h" "$mm/local_config.h_gen"
cc memfd_test "$TREE/tools/testing/selftests/memfd" memfd_test.c common.c "$linebuf"
cc mincore_selftest "$TREE/tools/testing/selftests/mincore" mincore_selftest.c "$linebuf"
# This project's own selftests must build without a warning.
# -Wno-clobbered: kselftest_harness.h's TEST_F() wrapper keeps a pid
# across setjmp(), which -Wclobbered (in -Wextra; upstream's selftests
# build with -Wall only) flags in some tests, depending on inlining.
CFLAGS+=(-Wextra -Wno-unused-parameter -Wno-clobbered -Werror)
# ... and so must the rig's own guest programs (the benchmark).
# This project's selftests: the programs the overlay adds (in selftests/vm
# on 6.12, in upstream's selftests/mm on 7.3).
ours=$(awk -v tree="$TREE" '$1 == "A" && $2 ~ /^tools\/testing\/selftests\/.*\.c$/ { print tree "/" $2 }' \
	"$LBUILD/tree/overlay.files")
[ -n "$ours" ] || die "the overlay adds no selftest program ($LBUILD/tree/overlay.files)" \
	"run scripts/overlay.sh"
for c in $ours "$RIG_TOP"/scripts/guest/*.c; do
	[ -f "$c" ] || die "$c is missing" "run scripts/overlay.sh"
	cc "$(basename "$c" .c)" "$(dirname "$c")" "$(basename "$c")"
done

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,mnt}
cp "$busybox" "$root/bin/busybox" ||
	die "could not copy $busybox into the initramfs" "check disk space and rerun"
install -m 755 "$RIG_TOP/scripts/guest/init" "$root/init"
cp "$bin"/* "$root/tests/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz" ||
	die "could not pack the initramfs" "is cpio installed?"
echo "$key" >"$out/.rig-key"
info "$(ls "$bin" | tr '\n' ' ')-> $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB)"
