#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh VARIANT MODE SUITES [TAG]: boot VARIANT's kernel in QEMU (TCG)
# with mm_zap=MODE, run SUITES (comma-separated, see scripts/guest/init), and
# write build/logs/VARIANT-MODE[-TAG].{log,summary}. Exit 0 only when every
# suite passed, the sentinel was seen and the console shows no kernel splat.
# QEMU_ACCEL overrides the CPU setup (bench: one vCPU under -icount);
# GUEST_ARGS adds kernel command line arguments (rig.bench=..., rig.zram=...).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: boot.sh VARIANT MODE SUITES [TAG]} mode=${2:?} suites=${3:?}
tag=${4:+-$4}
need_variant "$variant"
case $mode in
c | rust) ;;
*) die "unknown mm_zap mode '$mode'" "c or rust (MODES is space-separated: MODES=\"c rust\")" ;;
esac
# BOOT_KERNEL: another image of this variant's configuration (make mutants).
kernel=${BOOT_KERNEL:-$(kernel_image "$variant")}
initrd=$(guest_dir "$variant")/initramfs.cpio.gz
[ -f "$kernel" ] || die "no kernel at $kernel" "run scripts/kbuild.sh $variant"
[ -f "$initrd" ] || die "no initramfs at $initrd" "run scripts/guest.sh $variant"
log=$LOGS/$variant-$mode$tag.log
summary=$LOGS/$variant-$mode$tag.summary
limit=${BOOT_TIMEOUT:-1500}
# The stress test's seed and length: STRESS (single-threaded, compared
# between C and Rust) and STRESS_MT (threads, race hunting).
stress=${STRESS:--s,1,-n,20000}
stress_mt=${STRESS_MT:--s,1,-j,2,-t,20,-n,1000000}
# The machine per architecture. arm64: the virt board with a Cortex-A57
# (no pointer authentication, which TCG emulates slowly), PL011 console.
case $(variant_arch "$variant") in
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57)
	console=ttyAMA0
	;;
*)
	qemu=(qemu-system-x86_64 -M q35 -cpu max)
	console=ttyS0
	;;
esac
command -v "${qemu[0]}" >/dev/null ||
	die "${qemu[0]} not found" "run scripts/deps.sh (Debian: qemu-system-x86, qemu-system-arm)"
cmdline="console=$console rdinit=/init panic=-1 oops=panic log_buf_len=4M"
# At a panic the kernel prints its whole log again: the guest shows only
# KERN_ALERT and worse live (dmesg -n 2), so the report of a KASAN error or
# WARNING that panic_on_warn turns into a panic would be lost with the dmesg
# dump the guest never reaches. 7.3 names it panic_console_replay, 6.12 has
# the panic_print bit (PANIC_PRINT_ALL_PRINTK_MSG).
case $KVER in
6.12) cmdline+=" panic_print=0x20" ;;
*) cmdline+=" panic_console_replay=1" ;;
esac
cmdline+=" mm_zap=$mode rig.suites=$suites"
cmdline+=" rig.stress=$stress rig.stress_mt=$stress_mt ${GUEST_ARGS:-}"
[ ! -f "$RIG_TOP/scripts/configs/$variant.cmdline" ] ||
	cmdline+=" $(grep -v '^#' "$RIG_TOP/scripts/configs/$variant.cmdline" | tr '\n' ' ')"
rm -f "$summary"

stage boot "$variant, mm_zap=$mode: $suites (console: $log)"
rc=0
timeout --foreground -k 10 "$limit" \
	"${qemu[@]}" -m 2G ${QEMU_ACCEL:--smp 2 -accel tcg,thread=multi} \
	-nodefaults -display none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	</dev/null >"$log" 2>&1 || rc=$?

# One row per suite: name pass fail skip secs. A suite's counts come from
# its own summary line when it prints one, else from its TAP lines, else
# from its exit status; a non-zero exit (other than KSFT_SKIP=4) or a
# missing RIG-END is always a failure.
awk -v OFS='\t' '
function row(rc, secs) {
	if (ku) { pass = kp; fail = kf ? kf : kfs; skip = ks }
	else if (sp != "") { pass = sp; fail = sf; skip = ss }
	else if (tp + tf + ts == 0) { pass = (rc == 0); skip = (rc == 4); fail = 0 }
	else { pass = tp; fail = tf; skip = ts }
	# A TAP program that ran no test at all (pagemap_ioctl without uffd-wp
	# exits 0 with an empty plan): a skip, not a pass.
	if (pass + fail + skip == 0) skip = (rc == 0 || rc == 4)
	if (rc != 0 && rc != 4 && fail == 0) fail = 1
	print name, pass, fail, skip, secs
	name = ""
}
/^RIG-BEGIN / { name = $2; tp = tf = ts = 0; sp = sf = ss = ""; ku = kp = kf = kfs = ks = 0; next }
/^RIG-END / && name != "" {
	split($3, r, "="); split($4, s, "="); row(r[2], s[2]); next
}
name == "" { next }
# KUnit KTAP (debugfs results, one document per suite): its test cases,
# indented once under "# Subtest: SUITE". A suite of one case prints no
# "# SUITE: pass:N ..." line, so the cases are counted, not those lines;
# a suite that failed without a failing case (its init, say) counts once.
/^    # Subtest: / { ku = 1; next }
ku && /^    ok [0-9]+ .*# SKIP/ { ks++; next }
ku && /^    ok [0-9]+/ { kp++; next }
ku && /^    not ok [0-9]+/ { kf++; next }
ku && /^not ok [0-9]+/ { kfs++; next }
ku && /^(ok [0-9]+|# Totals:|[ \t]*# [A-Za-z0-9_]+: pass:)/ { next }
/^ok [0-9]+ .*# SKIP/ { ts++; next }
/^ok [0-9]+/ { tp++; next }
/^not ok [0-9]+/ { tf++; next }
# kselftest: "# Totals: pass:N fail:N xfail:N xpass:N skip:N error:N".
/^# Totals: pass:[0-9]+ / {
	sp = sf = ss = 0
	for (k = 3; k <= NF; k++) {
		split($k, kv, ":")
		if (kv[1] == "pass") sp = kv[2]
		else if (kv[1] == "fail" || kv[1] == "error") sf += kv[2]
		else if (kv[1] == "skip") ss = kv[2]
	}
	next
}
# KUnit, one line per suite: "# SUITE: pass:N fail:N skip:N total:N".
/^[ \t]*# [A-Za-z0-9_]+: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:/ {
	split($3, a, ":"); split($4, b, ":"); split($5, c, ":")
	sp += a[2]; sf += b[2]; ss += c[2]; next
}
/^Userfaults unit tests: pass=/ {
	gsub(/[=,()]/, " "); sp = $5; ss = $7; sf = $9; next
}
END { if (name != "") { sp = ""; row(-1, "crash") } }
' "$log" | tr -d '\r' >"$summary"

bad=()
[ "$rc" -eq 0 ] || bad+=("QEMU exited with status $rc$( [ "$rc" -ne 124 ] || echo " (timeout after ${limit}s)")")
grep -q '^RIG-DONE' "$log" || bad+=("no RIG-DONE sentinel: the guest did not finish")
splats=$(grep -naE 'BUG:|WARNING:|Oops|KASAN|Bad rss-counter|bad pte|unrecognized swap entry|self-detected stall|detected stalls|soft lockup|blocked for more than|Kernel panic' "$log" | head -n 5 || true)
[ -z "$splats" ] || bad+=("kernel splat in the console: $(echo "$splats" | head -n 1)")
# The kernel says which path it runs (scripts/guest/init reads debugfs):
# a kernel without the Rust path prints nothing and runs C.
ran=$(sed -n 's/^RIG-INFO mm_zap=\([a-z]*\).*/\1/p' "$log" | tr -d '\r' | head -n 1)
[ "${ran:-c}" = "$mode" ] ||
	bad+=("booted with mm_zap=$mode but the kernel ran mm_zap=${ran:-c} (no Rust zap path built in?)")
# The kernel of the line asked for (KVER), not an image of the other.
kernel_ran=$(sed -n 's/^RIG-INFO kernel=\([^ ]*\).*/\1/p' "$log" | tr -d '\r' | head -n 1)
case $kernel_ran in
"$KVER".*) ;;
*) bad+=("the guest ran Linux ${kernel_ran:-?}, not $KVER.y (KVER=$KVER)") ;;
esac
[ -s "$summary" ] || bad+=("no suite reported a result")
awk '$3 != 0 { f = 1 } END { exit !f }' "$summary" && bad+=("failing suites: $(awk '$3 != 0 { printf "%s ", $1 }' "$summary")")

if [ ${#bad[@]} -gt 0 ]; then
	echo "---- last 25 console lines ($log) ----" >&2
	tail -n 25 "$log" >&2
	[ -z "$splats" ] || { echo "---- splats ----" >&2; echo "$splats" >&2; }
	for b in "${bad[@]}"; do echo "FAIL $variant mm_zap=$mode: $b" >&2; done
	exit 1
fi
info "$variant mm_zap=$mode: all suites passed, no splats"
