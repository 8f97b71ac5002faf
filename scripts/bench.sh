#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [--smoke]: the C and the Rust zap paths side by side, on one
# kernel image (variant $BENCH_VARIANT, default "default"), booted
# alternately with mm_zap=c and mm_zap=rust, running
# scripts/guest/zap-bench.c:
#  1. under QEMU -icount shift=0,sleep=off on one vCPU: the guest clock
#     counts instructions, so "ns" per page is instructions per page; the
#     fewest of a boot's runs is the figure (a run also counts what else
#     the CPU ran in its window);
#  2. under plain TCG, BENCH_BOOTS (default 5) alternating boots per path:
#     wall-clock ns per page, median and spread over the boots.
# Prints a table and writes build/bench.json with every raw figure.
# --smoke: one small icount boot per path, proving the pipeline works.
. "$(dirname "$0")/lib.sh"

smoke=0
[ "${1:-}" != --smoke ] || smoke=1
variant=${BENCH_VARIANT:-default}
need_variant "$variant"
mib=${BENCH_MIB:-256}
repeats=${BENCH_REPEATS:-3}
boots=${BENCH_BOOTS:-5}
if [ $smoke -eq 1 ]; then
	mib=8 repeats=1 boots=0
fi

rig_begin "make bench"
rig_prepare
timed "build $variant" "$RIG_TOP/scripts/kbuild.sh" "$variant"
timed "initramfs $variant" "$RIG_TOP/scripts/guest.sh" "$variant"
grep -q '^CONFIG_RUST_MM_ZAP=y' "$KOUT/$variant/.config" ||
	die "$variant has no CONFIG_RUST_MM_ZAP: nothing to compare"

export GUEST_ARGS="rig.bench=-m,$mib,-r,$repeats rig.zram=$((mib * 3))M"
logs=()
bench_boot() { # PROFILE TAG QEMU_ACCEL [ARGS]: one boot per path, C first
	local m
	for m in c rust; do
		QEMU_ACCEL=$3 GUEST_ARGS="$GUEST_ARGS ${4:-}" \
			timed "boot $2 mm_zap=$m" "$RIG_TOP/scripts/boot.sh" "$variant" "$m" bench "$2" ||
			die "bench boot $variant mm_zap=$m ($1) failed" "see $LOGS/$variant-$m-$2.log"
		logs+=("$1:$m:$LOGS/$variant-$m-$2.log")
	done
}
bench_boot icount bench-icount "-smp 1 -accel tcg -icount shift=0,sleep=off"
for i in $(seq 1 "$boots"); do
	# Under TCG the clocksource watchdog finds the TSC "unstable" and
	# falls back to jiffies (4 ms steps): keep the TSC for wall time.
	bench_boot wall "bench-wall-$i" "-smp 1 -accel tcg" tsc=reliable
done

stage bench "results (raw: $LBUILD/bench.json)"
python3 - "$LBUILD/bench.json" "$(kernel_version "$TREE")" \
	"$(git -C "$RIG_TOP" describe --always --dirty 2>/dev/null || echo unknown)" \
	"$(md5sum "$KOUT/$variant/.config" | cut -c1-12)" "$mib" "$repeats" "${logs[@]}" <<'PY'
import json, re, statistics, sys

out, kver, commit, config, mib, repeats, *logs = sys.argv[1:]
raw = {}  # (profile, mode, workload) -> [(boot, run, ns_per_page)]
skips = {}
for i, spec in enumerate(logs):
    profile, mode, path = spec.split(":", 2)
    for line in open(path, errors="replace"):
        m = re.match(r"BENCH (\S+) run=(\d+) pages=(\d+) ns=(\d+) ns_per_page=([\d.]+)", line)
        if m:
            raw.setdefault((profile, mode, m[1]), []).append(
                {"boot": i, "run": int(m[2]), "pages": int(m[3]), "ns": int(m[4])})
            continue
        m = re.match(r"BENCH (\S+) skip reason=(\S+)", line)
        if m:
            skips[m[1]] = m[2]

def per_page(r):
    return r["ns"] / r["pages"]

def figure(profile, mode, w):
    runs = raw.get((profile, mode, w), [])
    if not runs:
        return None, None
    # Per boot: under -icount the fewest instructions of its runs, since a
    # run's window also counts whatever else the CPU ran in it (a kworker,
    # a timer's work), which lands in some runs and not in others (the swap
    # rows: +42 or +56 per page in such runs, under either path, at the
    # same run of a boot); wall time: the median. Then the median over
    # boots.
    pick = min if profile == "icount" else statistics.median
    boots = {}
    for r in runs:
        boots.setdefault(r["boot"], []).append(per_page(r))
    per_boot = [pick(v) for v in boots.values()]
    med = statistics.median(per_boot)
    spread = (max(per_boot) - min(per_boot)) / med if med else 0.0
    return med, spread

workloads = sorted({w for (_, _, w) in raw} | set(skips), key=lambda w: (w not in skips, w))
order = ["anon-munmap-4k", "anon-munmap-mthp", "shmem-dontneed", "shmem-dontneed-wp",
         "shmem-dontneed-markers", "exit-rss", "shmem-pageout-wp", "anon-swap-zap",
         "hugetlb-dontneed-wp"]
workloads = [w for w in order if w in workloads] + [w for w in workloads if w not in order]
rows, summary = [], {}
for w in workloads:
    ci, _ = figure("icount", "c", w)
    ri, _ = figure("icount", "rust", w)
    cw, cs = figure("wall", "c", w)
    rw, rs = figure("wall", "rust", w)
    ratio = lambda a, b: (b / a) if a and b else None
    summary[w] = {"icount_c": ci, "icount_rust": ri, "icount_ratio": ratio(ci, ri),
                  "wall_c": cw, "wall_rust": rw, "wall_ratio": ratio(cw, rw),
                  "wall_spread_c": cs, "wall_spread_rust": rs, "skip": skips.get(w)}
    rows.append(w)

fmt = lambda v, f="{:.1f}": "-" if v is None else f.format(v)
print(f"{'workload':<24}{'C instr/pg':>12}{'Rust':>10}{'Rust/C':>8}"
      f"{'C ns/pg':>10}{'Rust':>10}{'Rust/C':>8}{'spread':>8}")
for w in rows:
    s = summary[w]
    if s["icount_c"] is None and s["skip"]:
        print(f"{w:<24}  skipped: {s['skip']}")
        continue
    spread = max(s["wall_spread_c"] or 0, s["wall_spread_rust"] or 0) if s["wall_c"] else None
    print(f"{w:<24}{fmt(s['icount_c']):>12}{fmt(s['icount_rust']):>10}"
          f"{fmt(s['icount_ratio'], '{:.3f}'):>8}{fmt(s['wall_c']):>10}"
          f"{fmt(s['wall_rust']):>10}{fmt(s['wall_ratio'], '{:.3f}'):>8}"
          f"{fmt(spread, '{:.1%}'):>8}")
json.dump({"kernel": kver, "commit": commit, "config_md5": config, "mib": int(mib),
           "repeats": int(repeats), "logs": logs, "summary": summary,
           "raw": {"/".join(k): v for k, v in raw.items()}, "skips": skips},
          open(out, "w"), indent=1)
missing = [w for w in rows if summary[w]["icount_c"] is None and not summary[w]["skip"]]
if missing or not rows:
    sys.exit(f"error: no figures for {missing or 'any workload'}")
PY
