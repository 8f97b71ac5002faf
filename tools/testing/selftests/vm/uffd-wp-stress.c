// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded, randomized differential stress test of userfaultfd write-protect
 * (uffd-wp) and its PTE markers across zaps.
 *
 * A small region per memory kind is registered in WP mode and a model
 * keeps, per page, the expected data version and whether it is
 * write-protected.  The kinds (-m):
 *
 * - shmem: a shmem memfd, MAP_SHARED;
 * - anon: private anonymous memory with UFFD_FEATURE_WP_UNPOPULATED;
 * - hugetlb: a hugetlb memfd, MAP_SHARED, 2M pages;
 * - private: a shmem memfd with data, MAP_PRIVATE: written pages become
 *   anonymous COW copies in a file-backed vma, and MADV_PAGEOUT swaps them
 *   out with their uffd-wp bit (a uffd-wp swap pte);
 * - anon64k, shmem64k: private anonymous and shared anonymous memory
 *   backed by 64K folios (hugepages-64kB/enabled and shmem_enabled set to
 *   "always" for the run): every page is written before the region is
 *   registered (and again after each munmap + mmap), since faults in a
 *   uffd-armed vma map one page at a time; their ranged operations span up
 *   to 20 pages, so zaps take whole folios, parts and folio boundaries;
 * - hugetlb_private: a file with data on a hugetlbfs mount (not a memfd:
 *   the stress test's only file of a mounted filesystem), MAP_PRIVATE: written pages
 *   are anonymous hugetlb COW copies, whose zap gives their reservation
 *   back (__unmap_hugepage_range()); a hole punch takes the copies too
 *   (hugetlb zaps do not spare them).
 *
 * Two more kinds of operation run over those memory kinds (-m guard,reclaim;
 * both by default):
 *
 * - guard: MADV_GUARD_INSTALL and MADV_GUARD_REMOVE over random ranges of
 *   anon, shmem, private and the 64K kinds (not hugetlb, which refuses
 *   them).  The model keeps the guarded pages: any access raises SIGSEGV
 *   (a sigsetjmp probe instead of each read or write), pagemap reports
 *   PM_GUARD_REGION and never PM_UFFD_WP for them, UFFDIO_WRITEPROTECT
 *   skips them, MADV_DONTNEED, MADV_PAGEOUT, hole punch, truncation, fork
 *   and mremap keep them, munmap drops them.  The install zaps what is
 *   mapped: anonymous memory loses its data and uffd-wp, a private file
 *   mapping its COW copies.  On file-backed vmas the range is unprotected
 *   first: an install over a uffd-wp marker restarts forever (see
 *   zap-reclaim's install_over_uffd_wp_marker).  Before Linux 6.13 (6.15
 *   on shmem and files) the operations are left out, the reason printed
 *   once.
 * - reclaim: protect a range, then MADV_PAGEOUT of the whole region (a
 *   64K kind first gets new 64K folios, one time in two), so that whole
 *   large folios, protected in part, are reclaimed (try_to_unmap_one()
 *   batches, cond_install_uffd_wp_ptes() since 7.x); then every page's data
 *   and uffd-wp bit are checked.
 *
 * A xorshift PRNG seeded by -s picks the operations, so
 * the sequence depends on the seed only.  After every operation the effects
 * are checked against the model: exactly one WP event per write to a
 * protected page and none otherwise, data, and the pagemap uffd-wp bit;
 * single-threaded, also HugetlbPages in /proc/self/status against the huge
 * pages the page tables map (logged as huge= on each OBS line).
 *
 * Semantics asserted (Linux 6.12, mm/memory.c zap_pte_range(),
 * mm/mprotect.c change_pte_range(), mm/mremap.c, fs/hugetlbfs/inode.c):
 *
 * - UFFDIO_WRITEPROTECT on a none pte installs a marker on shmem and hugetlb
 *   always, on anon only with WP_UNPOPULATED (userfaultfd_wp_use_markers()).
 * - MADV_DONTNEED: file memory keeps data and wp (zap leaves a marker,
 *   zap_install_uffd_wp_if_needed()); anon loses data and wp, markers and
 *   wp swap entries included ("Zap on anonymous always means dropping
 *   everything"); a private file mapping loses its COW copies (present or
 *   swapped out) and reads the file again, and keeps wp (the vma is
 *   file-backed: a marker replaces the pte).
 * - MADV_PAGEOUT keeps data and wp (marker / wp swap pte); hugetlb refuses it.
 * - fallocate(PUNCH_HOLE) and MADV_REMOVE: data zeroed, markers kept on
 *   shmem and hugetlb (unmap_mapping_range() / hugetlb_vmdelete_list(.., 0)
 *   do not pass ZAP_FLAG_DROP_MARKER); a private shmem mapping keeps its
 *   COW copies (even_cows is false), a private hugetlb mapping does not;
 *   MADV_REMOVE refuses private mappings (EACCES).
 * - ftruncate() shrink + grow back: data zeroed, COW copies of a private
 *   mapping included (even_cows); shmem keeps the markers,
 *   hugetlb_vmtruncate() passes ZAP_FLAG_DROP_MARKER and drops them.
 * - fork() without UFFD_FEATURE_EVENT_FORK: the child vma is unregistered
 *   and copy_*_pte() clear wp; the parent is unchanged.
 * - mremap() without UFFD_FEATURE_EVENT_REMAP: move_ptes()/move_huge_pte()
 *   clear wp and drop markers (vma_has_uffd_without_event_remap()) and the
 *   new vma is unregistered: the test re-registers, all pages unprotected.
 * - munmap() + mmap(): wp gone, shmem/hugetlb data kept, anon data zero,
 *   a private mapping reads the file, shared anonymous memory is new.
 *
 * With -j N > 1 every worker runs its own stream (seed + index) on its own
 * regions and on its own slice of a shared shmem region, which one more
 * thread keeps zapping with MADV_DONTNEED / MADV_PAGEOUT.  A single-threaded
 * run stays on one CPU, so that MADV_PAGEOUT finds the folios it faulted
 * (not in another CPU's LRU batch).  The summary counts what the run
 * reached: pages found swapped out after a MADV_PAGEOUT and pages found in
 * large folios after populating a 64K region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "uffd-wp-util.h"


/* Expectations that differ between kernels, see the comment above. */
#define EXPECT_ANON_ZAP_KEEPS_WP	0
#define EXPECT_PRIVATE_ZAP_KEEPS_WP	1
#define EXPECT_PUNCH_HOLE_KEEPS_WP	1
#define EXPECT_SHMEM_TRUNCATE_KEEPS_WP	1
#define EXPECT_HUGETLB_TRUNCATE_KEEPS_WP	0
#define EXPECT_MREMAP_CLEARS_WP		1

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif
#define PM_GUARD_REGION		(1ULL << 58)

#define NR_SMALL_PAGES		16
#define NR_HUGE_PAGES		4
#define SHARED_PER_WORKER	4
#define MAX_THREADS		16
#define MAX_PAGES		(SHARED_PER_WORKER * MAX_THREADS)
#define MAX_RANGE		4	/* pages per ranged operation */
#define MTHP_SIZE		(64UL << 10)
#define MTHP_RANGE		20	/* ... on the 64K kinds: > one folio */
#define NR_SAMPLES		8	/* bytes checked per page */
#define POLL_MS			50
#define CHILD_TIMEOUT_MS	300000
#define WATCHDOG_S		900

enum kind {
	K_SHMEM, K_ANON, K_HUGETLB, K_PRIVATE, K_ANON64K, K_SHMEM64K,
	K_HPRIVATE, NR_KINDS, K_SHARED = NR_KINDS
};

/* How each kind is mapped, and what a zap does to it. */
static const struct {
	const char *name;
	int memfd;		/* memfd_create() flags, -1: no file */
	int map;		/* mmap() flags */
	bool anon_vma;		/* vma_is_anonymous(): zaps drop everything */
	bool cow;		/* writes make private copies of file pages */
	/*
	 * The 64K kinds: the mTHP knob that must read "always"; their pages
	 * are written before uffd is armed (populate()).
	 */
	const char *knob;
	/* the file is on a hugetlbfs mount of its own, not a memfd */
	bool hugetlbfs;
} kinds[NR_KINDS + 1] = {
	[K_SHMEM]	= { "shmem", 0, MAP_SHARED },
	[K_ANON]	= { "anon", -1, MAP_PRIVATE | MAP_ANONYMOUS, true },
	[K_HUGETLB]	= { "hugetlb", MFD_HUGETLB, MAP_SHARED },
	[K_PRIVATE]	= { "private", 0, MAP_PRIVATE, false, true },
	[K_ANON64K]	= { "anon64k", -1, MAP_PRIVATE | MAP_ANONYMOUS, true,
			    false, MTHP_DIR "/enabled" },
	[K_SHMEM64K]	= { "shmem64k", -1, MAP_SHARED | MAP_ANONYMOUS, false,
			    false, MTHP_DIR "/shmem_enabled" },
	[K_HPRIVATE]	= { "hugetlb_private", MFD_HUGETLB, MAP_PRIVATE, false,
			    true, NULL, true },
	[K_SHARED]	= { "shared", 0, MAP_SHARED },
};

#define KS	(1U << K_SHMEM)
#define KA	(1U << K_ANON)
#define KH	(1U << K_HUGETLB)
#define KP	(1U << K_PRIVATE)
#define KA64	(1U << K_ANON64K)
#define KS64	(1U << K_SHMEM64K)
#define KHP	(1U << K_HPRIVATE)
#define KX	(1U << K_SHARED)
#define KALL	(KS | KA | KH | KP | KA64 | KS64 | KHP)
#define KHUGE	(KH | KHP)	/* 2M hugetlb pages */
#define KFILE	(KS | KH | KP | KS64 | KHP)	/* uffd-wp needs WP_HUGETLBFS_SHMEM */
#define KGUARD	(KA | KS | KP | KA64 | KS64 | KX)	/* not hugetlb */

/* The kinds of operation beyond the base ones (-m guard,reclaim). */
#define OPS_GUARD	1U
#define OPS_RECLAIM	2U

enum op {
	OP_PROTECT, OP_UNPROTECT, OP_READ, OP_WRITE, OP_DONTNEED, OP_PAGEOUT,
	OP_PUNCH, OP_REMOVE, OP_TRUNCATE, OP_FORK, OP_MREMAP, OP_REMAP,
	OP_GUARD, OP_UNGUARD, OP_RECLAIM, NR_OPS,
};

static const struct {
	const char *name;
	unsigned int weight;
	unsigned int kinds;	/* memory kinds the operation applies to */
} ops[NR_OPS] = {
	[OP_PROTECT]	= { "protect",	 20, KALL | KX },
	[OP_UNPROTECT]	= { "unprotect",  8, KALL | KX },
	[OP_READ]	= { "read",	 15, KALL | KX },
	[OP_WRITE]	= { "write",	 20, KALL | KX },
	[OP_DONTNEED]	= { "dontneed",	 10, KALL | KX },
	[OP_PAGEOUT]	= { "pageout",	  6, (KALL & ~KHUGE) | KX },
	[OP_PUNCH]	= { "punch",	  4, KS | KH | KP | KHP | KX },
	[OP_REMOVE]	= { "remove",	  3, KS | KH | KS64 | KX },
	[OP_TRUNCATE]	= { "truncate",	  3, KS | KH | KP | KHP },
	[OP_FORK]	= { "fork",	  2, KALL },
	[OP_MREMAP]	= { "mremap",	  2, KALL },
	[OP_REMAP]	= { "remap",	  2, KALL },
	[OP_GUARD]	= { "guard",	  2, KGUARD },
	[OP_UNGUARD]	= { "unguard",  3, KGUARD },
	[OP_RECLAIM]	= { "reclaim",	  1, KALL & ~KHUGE },
};

struct page_model {
	unsigned char ver;	/* 0: zero page, else data version */
	bool wp;
	bool cow;		/* a private copy (ver), not the file's page */
	unsigned char fver;	/* private kind: the file's data version */
	bool guard;		/* a guard marker: any access SIGSEGVs */
};

struct region {
	enum kind kind;
	bool shared;		/* slices owned by several workers */
	bool ready;
	int fd;			/* memfd, -1 for anon */
	size_t psize;
	size_t align;		/* of base: psize, or 64K for the 64K kinds */
	unsigned int npages;
	unsigned int max_range;	/* pages per ranged operation */
	size_t len;
	char *base;		/* read by the handler with __atomic_*() */
	char *other;		/* reserved slot for mremap */
	char *resv;		/* reservation holding both slots */
	size_t resv_len;
	int uffd;
	pthread_t thread;
	bool running;
	int stop;
	/* written by the handler thread, read with __atomic_*() */
	unsigned int faults[MAX_PAGES];
	unsigned long total;
	unsigned int bad;
	int err;
	struct page_model pg[MAX_PAGES];
};

/* The pages of a region one worker owns. */
struct view {
	struct region *r;
	unsigned int lo, hi;
};

struct obs {
	unsigned int events;
	bool have_sum;
	uint32_t sum;
	int status;		/* fork: child exit status */
};

struct worker {
	int id;
	uint64_t rng;
	pthread_t thread;
	struct region reg[NR_KINDS];
	struct view views[NR_KINDS + 1];
	unsigned int nr_views;
	unsigned char ver;
	long op;		/* index of the running operation */
	bool log;
	bool joined;
};

static struct {
	unsigned long seed;
	long nops;
	long seconds;
	int threads;
	const char *mopt;	/* -m as given */
	unsigned int kinds;
	unsigned int opsets;	/* OPS_*: -m guard,reclaim */
	unsigned int guard_kinds;	/* where this kernel installs guards */
	bool guard_bit;		/* pagemap reports PM_GUARD_REGION */
	__u64 features;
	int pagemap_fd;
	struct knob knobs[NR_KINDS];
	struct timespec start;
	struct region shared;
	/* updated with __atomic_*() */
	int stop;
	int failed;
	long done;
	long progress;
	/* reach, per kind: updated with __atomic_*() */
	long swapped[NR_KINDS + 1];	/* pages in swap after MADV_PAGEOUT */
	long large[NR_KINDS + 1];	/* pages in large folios, populated */
	long guarded[NR_KINDS + 1];	/* pages MADV_GUARD_INSTALL guarded */
	long out[NR_KINDS + 1];	/* pages out of memory after a reclaim op */
} g = {
	.seed = 1, .nops = 2000, .threads = 1,
	.kinds = KALL, .opsets = OPS_GUARD | OPS_RECLAIM, .pagemap_fd = -1,
};

static struct worker workers[MAX_THREADS];

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) >> 32) % n;
}

static bool stopped(void)
{
	return __atomic_load_n(&g.stop, __ATOMIC_ACQUIRE);
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - g.start.tv_sec) +
	       (now.tv_nsec - g.start.tv_nsec) / 1e9;
}

/* Report the first invariant failure and stop every thread. */
static int __printf(3, 4)
fail(struct worker *w, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (__atomic_exchange_n(&g.failed, 1, __ATOMIC_SEQ_CST) == 0) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		printf("# FAIL op=%ld thread=%d %s: %s\n",
		       w ? w->op : -1L, w ? w->id : -1, what, msg);
		fflush(stdout);
	}
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
	return -1;
}

static void sigbus_handler(int sig)
{
	static const char msg[] = "# FAIL unexpected SIGBUS\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(KSFT_FAIL);
	_exit(KSFT_FAIL);
}

/*
 * Guard probes: an access that must raise SIGSEGV, per thread (a fork
 * child inherits its thread's).  Any other SIGSEGV fails the run.  The
 * handler runs with SA_NODEFER, so the probe's sigsetjmp() need not save
 * the signal mask (two syscalls fewer per probe).
 */
static __thread sigjmp_buf segv_jmp;
static __thread int segv_armed;	/* with __atomic_*() */

static void sigsegv_handler(int sig)
{
	static const char msg[] = "# FAIL unexpected SIGSEGV\n";

	if (__atomic_load_n(&segv_armed, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&segv_armed, 0, __ATOMIC_SEQ_CST);
		siglongjmp(segv_jmp, 1);
	}
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(KSFT_FAIL);
	_exit(KSFT_FAIL);
}

/* Whether reading (or writing @val to) *p raises SIGSEGV. */
static bool segv_on_access(char *p, bool write, char val)
{
	if (sigsetjmp(segv_jmp, 0))
		return true;
	__atomic_store_n(&segv_armed, 1, __ATOMIC_SEQ_CST);
	if (write)
		__atomic_store_n(p, val, __ATOMIC_SEQ_CST);
	else
		__atomic_load_n(p, __ATOMIC_SEQ_CST);
	__atomic_store_n(&segv_armed, 0, __ATOMIC_SEQ_CST);
	return false;
}

/* ---- page contents ---- */

static size_t sample_off(struct region *r, unsigned int j)
{
	return j * (r->psize / NR_SAMPLES) + j * 67;
}

static unsigned char sample_val(unsigned char ver, unsigned int j)
{
	return ver ? (unsigned char)((ver * 31 + j * 7) % 255 + 1) : 0;
}

static char *page_addr(struct region *r, unsigned int i)
{
	return r->base + (size_t)i * r->psize;
}

static unsigned char next_ver(struct worker *w)
{
	if (++w->ver == 0)
		w->ver = 1;
	return w->ver;
}

static uint32_t fnv(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}

/* Read the samples of pages [a, b) at @base, check them, checksum them. */
static int check_data(struct worker *w, struct region *r, char *base,
		      unsigned int a, unsigned int b, struct obs *o,
		      const char *what)
{
	uint32_t h = 2166136261u;
	unsigned int i, j;
	unsigned char c, exp;

	for (i = a; i < b; i++) {
		if (r->pg[i].guard) {
			if (!segv_on_access(base + i * r->psize, false, 0))
				return fail(w, what, "%s page %u: guarded, read without SIGSEGV",
					    kinds[r->kind].name, i);
			h = fnv(h, 'G');
			continue;
		}
		for (j = 0; j < NR_SAMPLES; j++) {
			c = __atomic_load_n((unsigned char *)base +
					    i * r->psize + sample_off(r, j),
					    __ATOMIC_RELAXED);
			exp = sample_val(r->pg[i].ver, j);
			if (c != exp)
				return fail(w, what,
					    "%s page %u byte %u: expected %#x (version %u wp %d), read %#x",
					    kinds[r->kind].name, i, j, exp,
					    r->pg[i].ver, r->pg[i].wp, c);
			h = fnv(h, c);
		}
	}
	if (o) {
		o->have_sum = true;
		o->sum = h;
	}
	return 0;
}

/* ---- userfaultfd ---- */

static int uffd_register(struct region *r)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)r->base, .len = r->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		return -1;
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

static void handle_fault(struct region *r, const struct uffd_msg *msg)
{
	unsigned long addr = msg->arg.pagefault.address & ~(r->psize - 1);
	unsigned long base = (unsigned long)__atomic_load_n(&r->base,
							    __ATOMIC_ACQUIRE);
	__u64 flags = msg->arg.pagefault.flags;
	struct uffdio_range range = { .start = addr, .len = r->psize };

	if (!(flags & UFFD_PAGEFAULT_FLAG_WP) ||
	    !(flags & UFFD_PAGEFAULT_FLAG_WRITE) ||
	    addr < base || addr >= base + r->len)
		__atomic_add_fetch(&r->bad, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&r->faults[(addr - base) / r->psize], 1,
				   __ATOMIC_SEQ_CST);
	/* count before resolving: the faulting write waits for this */
	__atomic_add_fetch(&r->total, 1, __ATOMIC_SEQ_CST);
	if (uffd_wp(r->uffd, addr, r->psize, false)) {
		__atomic_store_n(&r->err, errno, __ATOMIC_SEQ_CST);
		/* never leave the writer blocked */
		ioctl(r->uffd, UFFDIO_WAKE, &range);
	}
}

static void *handler_main(void *arg)
{
	struct region *r = arg;
	struct pollfd pfd = { .fd = r->uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		/* bounded wait: re-check the stop flag every POLL_MS */
		if (poll(&pfd, 1, POLL_MS) <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP))
			break;
		if (read(r->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			handle_fault(r, &msg);
		else
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static unsigned int faults_of(struct region *r, unsigned int i)
{
	return __atomic_load_n(&r->faults[i], __ATOMIC_SEQ_CST);
}

static unsigned long total_of(struct region *r)
{
	return __atomic_load_n(&r->total, __ATOMIC_SEQ_CST);
}

/*
 * Events so far: on the whole region when it is private to the worker, on
 * the pages [a, b) of a shared one (where the other workers cause events).
 */
static unsigned long events_of(struct region *r, unsigned int a,
			       unsigned int b)
{
	unsigned long n = 0;

	if (!r->shared)
		return total_of(r);
	while (a < b)
		n += faults_of(r, a++);
	return n;
}

/* Handler errors and events that match no write of ours. */
static int check_handler(struct worker *w, struct region *r)
{
	int err = __atomic_load_n(&r->err, __ATOMIC_SEQ_CST);
	unsigned int bad = __atomic_load_n(&r->bad, __ATOMIC_SEQ_CST);

	if (err)
		return fail(w, "handler", "%s: UFFDIO_WRITEPROTECT: %s",
			    kinds[r->kind].name, strerror(err));
	if (bad)
		return fail(w, "handler",
			    "%s: %u event(s) not a WP write fault in the region",
			    kinds[r->kind].name, bad);
	return 0;
}

/* ---- regions ---- */

static int map_at(struct region *r, char *addr, int flags)
{
	void *p;

	p = mmap(addr, r->len, PROT_READ | PROT_WRITE,
		 kinds[r->kind].map | flags, r->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	if (p != addr) {
		munmap(p, r->len);
		errno = EEXIST;
		return -1;
	}
	return 0;
}

/* Keep @addr reserved so that nothing else is mapped there. */
static int reserve(char *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	if (p != addr) {
		munmap(p, len);
		errno = EEXIST;
		return -1;
	}
	return 0;
}

static void region_destroy(struct region *r)
{
	if (r->running) {
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		pthread_join(r->thread, NULL);
		r->running = false;
	}
	if (r->uffd >= 0)
		close(r->uffd);
	if (r->resv)
		munmap(r->resv, r->resv_len);
	if (r->fd >= 0)
		close(r->fd);
	r->uffd = r->fd = -1;
	r->resv = NULL;
	r->ready = false;
}

/*
 * Write every page of a region that uffd does not watch yet, so that each
 * fault maps a whole 64K folio, and count the pages that got one.
 */
static void populate(struct worker *w, struct region *r)
{
	unsigned int i, j, large = 0;
	unsigned char ver;

	for (i = 0; i < r->npages; i++) {
		ver = next_ver(w);
		for (j = 0; j < NR_SAMPLES; j++)
			page_addr(r, i)[sample_off(r, j)] = sample_val(ver, j);
		r->pg[i].ver = ver;
		r->pg[i].wp = false;
	}
	for (i = 0; i < r->npages; i++)
		large += page_is_thp(g.pagemap_fd, page_addr(r, i)) == 1;
	__atomic_add_fetch(&g.large[r->kind], large, __ATOMIC_RELAXED);
}

static bool hugetlb_kind(enum kind k)
{
	return (1U << k) & KHUGE;
}

/*
 * The private kinds' file: a data version per page, written through a
 * shared mapping of it (hugetlbfs has no write()).
 */
static int write_file(struct worker *w, struct region *r)
{
	unsigned int i, j;
	char *p;

	p = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < r->npages; i++) {
		r->pg[i].fver = r->pg[i].ver = next_ver(w);
		for (j = 0; j < NR_SAMPLES; j++)
			p[(size_t)i * r->psize + sample_off(r, j)] =
				sample_val(r->pg[i].ver, j);
	}
	return munmap(p, r->len);
}

/* Returns 0, or -1 with a "# skip" reason in @why. */
static int region_create(struct worker *w, struct region *r, enum kind k,
			 unsigned int npages, char *why, size_t whylen)
{
	uintptr_t slot;
	const char *step;

	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->fd = r->uffd = -1;
	r->npages = npages;
	r->psize = hugetlb_kind(k) ? HPAGE_SIZE : (size_t)getpagesize();
	r->align = kinds[k].knob ? MTHP_SIZE : r->psize;
	r->max_range = kinds[k].knob ? MTHP_RANGE : MAX_RANGE;
	r->len = npages * r->psize;
	step = "memfd_create";
	if (kinds[k].memfd >= 0) {
		if (kinds[k].hugetlbfs)
			r->fd = hugetlbfs_tmpfile(&step);
		else
			r->fd = memfd_create("uffd-wp-stress",
					     MFD_CLOEXEC | kinds[k].memfd);
		if (r->fd < 0)
			goto err;
		step = "ftruncate";
		if (ftruncate(r->fd, r->len))
			goto err;
		step = "writing the file";
		if (kinds[k].cow && write_file(w, r))
			goto err;
	}
	/* two aligned slots: the region and its mremap target */
	step = "mmap";
	r->resv_len = 2 * r->len + r->align;
	r->resv = mmap(NULL, r->resv_len, PROT_NONE, MAP_PRIVATE |
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->resv == MAP_FAILED) {
		r->resv = NULL;
		goto err;
	}
	slot = ((uintptr_t)r->resv + r->align - 1) & ~(uintptr_t)(r->align - 1);
	r->base = (char *)slot;
	r->other = r->base + r->len;
	if (map_at(r, r->base, MAP_FIXED))
		goto err;
	if (kinds[k].knob)
		populate(w, r);
	step = "userfaultfd";
	r->uffd = uffd_open(g.features, NULL);
	if (r->uffd < 0)
		goto err;
	step = "UFFDIO_REGISTER";
	if (uffd_register(r))
		goto err;
	step = "pthread_create";
	if (pthread_create(&r->thread, NULL, handler_main, r))
		goto err;
	r->running = true;
	r->ready = true;
	return 0;
err:
	snprintf(why, whylen, "%s: %s: %s", kinds[k].name, step,
		 strerror(errno));
	region_destroy(r);
	return -1;
}

/* ---- checks ---- */

/*
 * pagemap uffd-wp bit of every page of @v must match the model, and so
 * must the guard bit where the kernel reports it; @map gets 0, 1 (uffd-wp)
 * or g (guard) per page.
 */
static int check_pagemap(struct worker *w, struct view *v, char *map,
			 const char *what)
{
	struct region *r = v->r;
	unsigned int i;
	uint64_t e;
	bool wp, guard;

	for (i = v->lo; i < v->hi; i++) {
		e = pagemap_read(g.pagemap_fd, page_addr(r, i));
		if (e == ~0ULL)
			return fail(w, what, "pagemap read: %s",
				    strerror(errno));
		wp = !!(e & PM_UFFD_WP);
		guard = !!(e & PM_GUARD_REGION);
		map[i - v->lo] = r->pg[i].guard ? 'g' : wp ? '1' : '0';
		if (g.guard_bit && guard != r->pg[i].guard)
			return fail(w, what,
				    "%s page %u: pagemap guard %d, expected %d (entry %#llx)",
				    kinds[r->kind].name, i, guard, r->pg[i].guard,
				    (unsigned long long)e);
		if (wp != r->pg[i].wp)
			return fail(w, what,
				    "%s page %u: pagemap uffd-wp %d, expected %d (entry %#llx)",
				    kinds[r->kind].name, i, wp, r->pg[i].wp,
				    (unsigned long long)e);
	}
	map[i - v->lo] = '\0';
	return 0;
}

/*
 * HugetlbPages in /proc/self/status must be what the hugetlb kinds' page
 * tables map (present huge ptes, by pagemap): every hugetlb zap took its
 * pages off the mm's usage, hugetlb_count_sub() in __unmap_hugepage_range().
 * Single-threaded runs only (the count is the whole process's); returns the
 * count in kB, or -1 after reporting a mismatch.
 */
static long check_hugetlb_usage(struct worker *w, const char *what)
{
	long mapped = 0, kb = status_kb("HugetlbPages:");
	unsigned int k, i;
	struct region *r;
	uint64_t e;

	for (k = 0; k < NR_KINDS; k++) {
		r = &w->reg[k];
		if (!hugetlb_kind(k) || !r->ready)
			continue;
		for (i = 0; i < r->npages; i++) {
			e = pagemap_read(g.pagemap_fd, page_addr(r, i));
			mapped += e != ~0ULL && (e & PM_PRESENT);
		}
	}
	mapped *= HPAGE_SIZE >> 10;
	if (kb != mapped) {
		fail(w, what, "HugetlbPages %ld kB, the page tables map %ld kB",
		     kb, mapped);
		return -1;
	}
	return kb;
}

/* ---- operations ---- */

static void set_wp(struct region *r, unsigned int a, unsigned int b, bool wp)
{
	unsigned int i;

	/* change_pte_range() leaves guard markers as they are */
	for (i = a; i < b; i++)
		r->pg[i].wp = wp && !r->pg[i].guard;
}

/*
 * The mapping of pages [a, b) was zapped (MADV_DONTNEED) or replaced
 * (munmap + mmap): anonymous memory reads zeros, a private file mapping
 * reads the file again, shared memory keeps its data.
 */
static void zapped(struct region *r, unsigned int a, unsigned int b,
		   bool keep_wp)
{
	unsigned int i;

	for (i = a; i < b; i++) {
		if (kinds[r->kind].anon_vma)
			r->pg[i].ver = 0;
		else if (kinds[r->kind].cow)
			r->pg[i].ver = r->pg[i].fver;
		r->pg[i].cow = false;
		if (!keep_wp)
			r->pg[i].wp = false;
	}
}

/*
 * The file's pages [a, b) were freed (hole punched, truncated): they read
 * zeros, except the private copies of a MAP_PRIVATE mapping when the zap
 * spares them (!even_cows).
 */
static void file_freed(struct region *r, unsigned int a, unsigned int b,
		       bool even_cows, bool keep_wp)
{
	unsigned int i;

	for (i = a; i < b; i++) {
		r->pg[i].fver = 0;
		if (r->pg[i].cow && !even_cows)
			continue;
		r->pg[i].ver = 0;
		r->pg[i].cow = false;
		if (!keep_wp)
			r->pg[i].wp = false;
	}
}

static int op_wp(struct worker *w, struct region *r, unsigned int a,
		 unsigned int b, bool protect)
{
	if (uffd_wp(r->uffd, (unsigned long)page_addr(r, a),
		    (b - a) * r->psize, protect))
		return fail(w, "UFFDIO_WRITEPROTECT", "%s pages %u-%u: %s",
			    kinds[r->kind].name, a, b - 1, strerror(errno));
	set_wp(r, a, b, protect);
	return 0;
}

static int op_read(struct worker *w, struct region *r, unsigned int a,
		   unsigned int b, struct obs *o)
{
	unsigned long before = events_of(r, a, b);

	if (check_data(w, r, r->base, a, b, o, "read"))
		return -1;
	o->events = events_of(r, a, b) - before;
	if (o->events)
		return fail(w, "read", "%s pages %u-%u: %u WP event(s) on read",
			    kinds[r->kind].name, a, b - 1, o->events);
	return 0;
}

/* The first store faults iff the page is protected, the others never. */
static int write_page(struct worker *w, struct region *r, unsigned int i,
		      struct obs *o)
{
	unsigned int before = faults_of(r, i), expect = r->pg[i].wp, n, j;
	unsigned char ver;
	char *p = page_addr(r, i);

	/* a guard: SIGSEGV, no WP event, no change */
	if (r->pg[i].guard) {
		if (!segv_on_access(p, true, sample_val(r->pg[i].ver, 0)))
			return fail(w, "write", "%s page %u: guarded, written without SIGSEGV",
				    kinds[r->kind].name, i);
		n = faults_of(r, i) - before;
		if (n)
			return fail(w, "write", "%s page %u: guarded, %u WP event(s)",
				    kinds[r->kind].name, i, n);
		return 0;
	}
	ver = next_ver(w);
	__atomic_store_n(p + sample_off(r, 0), sample_val(ver, 0),
			 __ATOMIC_SEQ_CST);
	n = faults_of(r, i) - before;
	if (n != expect)
		return fail(w, "write",
			    "%s page %u: %u WP event(s), expected %u (model wp %d)",
			    kinds[r->kind].name, i, n, expect, r->pg[i].wp);
	for (j = 1; j < NR_SAMPLES; j++)
		__atomic_store_n(p + sample_off(r, j), sample_val(ver, j),
				 __ATOMIC_SEQ_CST);
	n = faults_of(r, i) - before;
	if (n != expect)
		return fail(w, "write", "%s page %u: %u WP event(s) after the first store",
			    kinds[r->kind].name, i, n - expect);
	o->events += n;
	r->pg[i].ver = ver;
	r->pg[i].wp = false;
	r->pg[i].cow = kinds[r->kind].cow;
	return 0;
}

static int op_write(struct worker *w, struct region *r, unsigned int a,
		    unsigned int b, struct obs *o)
{
	unsigned long before = events_of(r, a, b), n;
	unsigned int i;

	for (i = a; i < b; i++)
		if (write_page(w, r, i, o))
			return -1;
	n = events_of(r, a, b) - before;
	if (n != o->events)
		return fail(w, "write", "%s: %lu WP events, %u on the written pages",
			    kinds[r->kind].name, n, o->events);
	return check_data(w, r, r->base, a, b, o, "read after write");
}

static int op_madvise(struct worker *w, struct region *r, unsigned int a,
		      unsigned int b, int advice, const char *what)
{
	if (madvise(page_addr(r, a), (b - a) * r->psize, advice))
		return fail(w, what, "%s pages %u-%u: %s", kinds[r->kind].name,
			    a, b - 1, strerror(errno));
	return 0;
}

static int op_punch(struct worker *w, struct region *r, unsigned int a,
		    unsigned int b)
{
	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)a * r->psize, (off_t)(b - a) * r->psize))
		return fail(w, "fallocate", "%s pages %u-%u: %s",
			    kinds[r->kind].name, a, b - 1, strerror(errno));
	/* hugetlb_vmdelete_list() zaps a private mapping's copies too */
	file_freed(r, a, b, hugetlb_kind(r->kind), EXPECT_PUNCH_HOLE_KEEPS_WP);
	return 0;
}

/* Shrink the file to @a pages and grow it back. */
static int op_truncate(struct worker *w, struct region *r, unsigned int a)
{
	bool keep = hugetlb_kind(r->kind) ? EXPECT_HUGETLB_TRUNCATE_KEEPS_WP :
					    EXPECT_SHMEM_TRUNCATE_KEEPS_WP;

	if (ftruncate(r->fd, (off_t)a * r->psize) ||
	    ftruncate(r->fd, r->len))
		return fail(w, "ftruncate", "%s to %u pages: %s",
			    kinds[r->kind].name, a, strerror(errno));
	/* shmem_setattr(), hugetlb_vmtruncate(): COW copies go too */
	file_freed(r, a, r->npages, true, keep);
	return 0;
}

/* Child of a fork without EVENT_FORK: no wp, parent's data, no faults. */
static int child_check(struct worker *w, struct region *r)
{
	int fd = open("/proc/self/pagemap", O_RDONLY), ret = 0;
	unsigned int i;
	char *p;

	if (fd < 0)
		return 1;
	for (i = 0; i < r->npages && !ret; i++)
		if (pagemap_read(fd, page_addr(r, i)) & PM_UFFD_WP)
			ret = 10;
	if (!ret && check_data(w, r, r->base, 0, r->npages, NULL,
			       "fork child"))
		ret = 20;
	for (i = 0; i < r->npages && !ret; i++) {
		p = page_addr(r, i);
		/* fork copied the guards: check_data() probed them */
		if (r->pg[i].guard)
			continue;
		/* same value again: shmem data unchanged, must not block */
		__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
		if (pagemap_read(fd, p) & PM_UFFD_WP)
			ret = 30;
	}
	close(fd);
	return ret;
}

static int op_fork(struct worker *w, struct region *r, struct obs *o)
{
	unsigned long before = total_of(r);
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(w, "fork", "%s", strerror(errno));
	if (!pid)
		_exit(child_check(w, r));
	o->status = wait_child(pid, CHILD_TIMEOUT_MS);
	if (o->status)
		return fail(w, "fork",
			    "%s: child status %d (10: wp bit, 20: data, 30: wp after write, -1: killed)",
			    kinds[r->kind].name, o->status);
	o->events = total_of(r) - before;
	if (o->events)
		return fail(w, "fork", "%s: %u WP event(s) from the child",
			    kinds[r->kind].name, o->events);
	return 0;
}

static int reregister(struct worker *w, struct region *r, const char *what)
{
	if (uffd_register(r))
		return fail(w, what, "%s: UFFDIO_REGISTER: %s",
			    kinds[r->kind].name, strerror(errno));
	set_wp(r, 0, r->npages, false);
	return 0;
}

/* Move the region to the other slot, check there, and move it back. */
static int op_mremap(struct worker *w, struct region *r, struct obs *o)
{
	char *home = r->base, *away = r->other;
	uint64_t e;
	unsigned int i;

	if (mremap(home, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   away) != away)
		return fail(w, "mremap", "%s away: %s", kinds[r->kind].name,
			    strerror(errno));
	for (i = 0; i < r->npages; i++) {
		e = pagemap_read(g.pagemap_fd, away + i * r->psize);
		if (!!(e & PM_UFFD_WP) != (!EXPECT_MREMAP_CLEARS_WP &&
					   r->pg[i].wp))
			return fail(w, "mremap",
				    "%s page %u: uffd-wp %d after the move (model wp %d)",
				    kinds[r->kind].name, i, !!(e & PM_UFFD_WP),
				    r->pg[i].wp);
	}
	if (check_data(w, r, away, 0, r->npages, o, "mremap"))
		return -1;
	if (mremap(away, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   home) != home)
		return fail(w, "mremap", "%s back: %s", kinds[r->kind].name,
			    strerror(errno));
	if (reserve(away, r->len))
		return fail(w, "mremap", "re-reserve: %s", strerror(errno));
	/* no EVENT_REMAP: the vma lost its uffd context */
	return reregister(w, r, "mremap");
}

/* munmap() took the guard markers with the page tables. */
static void guards_dropped(struct region *r)
{
	unsigned int i;

	for (i = 0; i < r->npages; i++)
		r->pg[i].guard = false;
}

static int op_remap(struct worker *w, struct region *r)
{
	if (munmap(r->base, r->len) || map_at(r, r->base, MAP_FIXED_NOREPLACE))
		return fail(w, "munmap+mmap", "%s: %s", kinds[r->kind].name,
			    strerror(errno));
	zapped(r, 0, r->npages, false);
	guards_dropped(r);
	/* shmem64k maps a new object: populate() writes all of it */
	if (kinds[r->kind].knob)
		populate(w, r);
	return reregister(w, r, "munmap+mmap");
}

/*
 * Reach: how many of the pages [a, b) MADV_PAGEOUT left in swap (markers
 * are not counted; as non-root, nothing is).
 */
static void count_swapped(struct region *r, unsigned int a, unsigned int b)
{
	long n = 0;

	while (a < b)
		n += pagemap_swapped(pagemap_read(g.pagemap_fd,
						  page_addr(r, a++)));
	__atomic_add_fetch(&g.swapped[r->shared ? K_SHARED : r->kind], n,
			   __ATOMIC_RELAXED);
}

/* Reach: the pages of @r (small pages) that mincore() finds out of memory. */
static void count_out(struct region *r)
{
	unsigned char vec[MAX_PAGES];
	unsigned int i;
	long n = 0;

	if (r->psize != (size_t)getpagesize() || mincore(r->base, r->len, vec))
		return;
	for (i = 0; i < r->npages; i++)
		n += !(vec[i] & 1);
	__atomic_add_fetch(&g.out[r->kind], n, __ATOMIC_RELAXED);
}

/*
 * MADV_GUARD_INSTALL on pages [a, b).  The install zaps what is mapped
 * (zap_vma_range(), no details): anonymous memory loses data and uffd-wp,
 * a private file mapping its COW copies, shared memory keeps its data.  On
 * a file-backed vma that zap keeps a uffd-wp marker, and the install, which
 * retries until the range holds no entry but guards, would restart forever
 * (upstream as of 7.3): unprotect the range first.
 */
static int op_guard(struct worker *w, struct region *r, unsigned int a,
		    unsigned int b)
{
	unsigned int i, n = 0;
	bool any_wp = false;

	for (i = a; i < b; i++)
		any_wp |= r->pg[i].wp;
	if (any_wp && !kinds[r->kind].anon_vma && op_wp(w, r, a, b, false))
		return -1;
	if (op_madvise(w, r, a, b, MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL"))
		return -1;
	for (i = a; i < b; i++) {
		if (r->pg[i].guard)
			continue;
		n++;
		r->pg[i].guard = true;
		r->pg[i].wp = false;
		if (kinds[r->kind].anon_vma)
			r->pg[i].ver = 0;
		else if (kinds[r->kind].cow)
			r->pg[i].ver = r->pg[i].fver;
		r->pg[i].cow = false;
	}
	__atomic_add_fetch(&g.guarded[r->shared ? K_SHARED : r->kind], n,
			   __ATOMIC_RELAXED);
	return 0;
}

/* MADV_GUARD_REMOVE: the pages read what the model kept for them. */
static int op_unguard(struct worker *w, struct region *r, unsigned int a,
		      unsigned int b)
{
	unsigned int i;

	if (op_madvise(w, r, a, b, MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE"))
		return -1;
	for (i = a; i < b; i++)
		r->pg[i].guard = false;
	return 0;
}

/*
 * Reclaim pressure on a whole region: a 64K kind gets new 64K folios one
 * time in two (munmap + mmap + populate), pages [a, b) are protected, then
 * MADV_PAGEOUT of the whole region reclaims whole large folios protected in
 * part; every page must keep its data and its uffd-wp bit.
 */
static int op_reclaim(struct worker *w, struct region *r, unsigned int a,
		      unsigned int b, struct obs *o)
{
	if (kinds[r->kind].knob && rnd_below(&w->rng, 2) && op_remap(w, r))
		return -1;
	if (op_wp(w, r, a, b, true) ||
	    op_madvise(w, r, 0, r->npages, MADV_PAGEOUT, "MADV_PAGEOUT"))
		return -1;
	count_swapped(r, 0, r->npages);
	count_out(r);
	return check_data(w, r, r->base, 0, r->npages, o, "reclaim");
}

/* The kinds @op applies to, in this run. */
static unsigned int op_kinds(enum op op)
{
	switch (op) {
	case OP_GUARD:
	case OP_UNGUARD:
		return ops[op].kinds & g.guard_kinds;
	case OP_RECLAIM:
		return g.opsets & OPS_RECLAIM ? ops[op].kinds : 0;
	default:
		return ops[op].kinds;
	}
}

/* Weighted pick among the operations valid for @kind. */
static enum op pick_op(struct worker *w, enum kind k)
{
	unsigned int total = 0, x;
	int op;

	for (op = 0; op < NR_OPS; op++)
		if (op_kinds(op) & (1U << k))
			total += ops[op].weight;
	x = rnd_below(&w->rng, total);
	for (op = 0; op < NR_OPS; op++) {
		if (!(op_kinds(op) & (1U << k)))
			continue;
		if (x < ops[op].weight)
			break;
		x -= ops[op].weight;
	}
	return op;
}

static int run_op(struct worker *w, enum op which, struct view *v,
		  unsigned int a, unsigned int b, struct obs *o)
{
	struct region *r = v->r;

	switch (which) {
	case OP_PROTECT:
	case OP_UNPROTECT:
		return op_wp(w, r, a, b, which == OP_PROTECT);
	case OP_READ:
		return op_read(w, r, a, b, o);
	case OP_WRITE:
		return op_write(w, r, a, b, o);
	case OP_DONTNEED:
		if (op_madvise(w, r, a, b, MADV_DONTNEED, "MADV_DONTNEED"))
			return -1;
		zapped(r, a, b, kinds[r->kind].anon_vma ?
			   EXPECT_ANON_ZAP_KEEPS_WP :
			   kinds[r->kind].cow ? EXPECT_PRIVATE_ZAP_KEEPS_WP : 1);
		return 0;
	case OP_PAGEOUT:
		/* pages may or may not be reclaimed: nothing changes */
		if (op_madvise(w, r, a, b, MADV_PAGEOUT, "MADV_PAGEOUT"))
			return -1;
		count_swapped(r, a, b);
		return 0;
	case OP_PUNCH:
		return op_punch(w, r, a, b);
	case OP_REMOVE:
		if (op_madvise(w, r, a, b, MADV_REMOVE, "MADV_REMOVE"))
			return -1;
		file_freed(r, a, b, false, EXPECT_PUNCH_HOLE_KEEPS_WP);
		return 0;
	case OP_TRUNCATE:
		return op_truncate(w, r, a);
	case OP_FORK:
		return op_fork(w, r, o);
	case OP_MREMAP:
		return op_mremap(w, r, o);
	case OP_REMAP:
		return op_remap(w, r);
	case OP_GUARD:
		return op_guard(w, r, a, b);
	case OP_UNGUARD:
		return op_unguard(w, r, a, b);
	case OP_RECLAIM:
		return op_reclaim(w, r, a, b, o);
	default:
		return fail(w, "internal", "bad op %d", which);
	}
}

/* One random operation; logs an OBS line in single-threaded mode. */
static int step(struct worker *w)
{
	struct view *v = &w->views[rnd_below(&w->rng, w->nr_views)];
	struct region *r = v->r;
	enum kind kind = r->shared ? K_SHARED : r->kind;
	enum op op = pick_op(w, kind);
	unsigned int n = v->hi - v->lo, a, b;
	char map[MAX_PAGES + 1];
	struct obs o = { 0 };
	long huge_kb;

	a = v->lo + rnd_below(&w->rng, n);
	b = a + 1 + rnd_below(&w->rng, v->hi - a < r->max_range ?
					v->hi - a : r->max_range);
	/* whole-region operations */
	if (op == OP_TRUNCATE)
		b = r->npages;
	if (op == OP_FORK || op == OP_MREMAP || op == OP_REMAP) {
		a = 0;
		b = r->npages;
	}
	if (run_op(w, op, v, a, b, &o) || check_handler(w, r) ||
	    check_pagemap(w, v, map, ops[op].name))
		return -1;
	if (!w->log)
		return 0;
	huge_kb = check_hugetlb_usage(w, ops[op].name);
	if (huge_kb < 0)
		return -1;
	printf("OBS %ld %s %s %u+%u ev=%u huge=%ld", w->op, ops[op].name,
	       kinds[kind].name, a, b - a, o.events, huge_kb);
	if (o.have_sum)
		printf(" sum=%08x", o.sum);
	else
		printf(" sum=-");
	if (op == OP_FORK)
		printf(" child=%d", o.status);
	printf(" wp=%s\n", map);
	return 0;
}

/* Final pass: all data must still be what the model says. */
static int final_check(struct worker *w)
{
	char map[MAX_PAGES + 1];
	struct obs o = { 0 };
	struct view *v;
	unsigned int i;

	for (i = 0; i < w->nr_views; i++) {
		v = &w->views[i];
		if (check_data(w, v->r, v->r->base, v->lo, v->hi, &o, "final") ||
		    check_handler(w, v->r) ||
		    check_pagemap(w, v, map, "final"))
			return -1;
		if (w->log)
			printf("OBS final %s sum=%08x wp=%s\n",
			       v->r->shared ? "shared" :
			       kinds[v->r->kind].name, o.sum, map);
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (w->op = 0; w->op < g.nops && !stopped(); w->op++) {
		if (g.seconds && elapsed() >= g.seconds)
			break;
		if (step(w))
			break;
		__atomic_add_fetch(&g.done, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&g.progress, 1, __ATOMIC_RELAXED);
	}
	if (!stopped())
		final_check(w);
	return NULL;
}

/* Zaps the shared region while the workers protect, read and write it. */
static void *hammer_main(void *arg)
{
	struct region *r = &g.shared;
	uint64_t rng = g.seed ^ 0x9e3779b97f4a7c15ULL;
	unsigned int a, n;
	int advice;

	while (!__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE) && !stopped()) {
		a = rnd_below(&rng, r->npages);
		n = 1 + rnd_below(&rng, r->npages - a);
		advice = rnd_below(&rng, 3) ? MADV_DONTNEED : MADV_PAGEOUT;
		if (madvise(page_addr(r, a), n * r->psize, advice)) {
			fail(NULL, "hammer", "madvise(%d) pages %u-%u: %s",
			     advice, a, a + n - 1, strerror(errno));
			break;
		}
		if (!rnd_below(&rng, 4))
			sched_yield();
	}
	return NULL;
}

static unsigned long all_events(void)
{
	unsigned long events = total_of(&g.shared);
	int i, k;

	for (i = 0; i < g.threads; i++)
		for (k = 0; k < NR_KINDS; k++)
			events += total_of(&workers[i].reg[k]);
	return events;
}

/*
 * What the run reached, per kind: pages MADV_PAGEOUT left in swap (on the
 * private kind: COW copies with their uffd-wp bit in a swap pte), pages
 * found in large folios after populating, pages newly guarded, pages out
 * of memory after a reclaim operation (mincore()); returns the first two
 * totals.
 */
static void report_reach(long *swapped, long *large)
{
	long sw, lg, gd, out;
	int k;

	printf("# reach:");
	*swapped = *large = 0;
	for (k = 0; k <= NR_KINDS; k++) {
		sw = __atomic_load_n(&g.swapped[k], __ATOMIC_RELAXED);
		lg = __atomic_load_n(&g.large[k], __ATOMIC_RELAXED);
		gd = __atomic_load_n(&g.guarded[k], __ATOMIC_RELAXED);
		out = __atomic_load_n(&g.out[k], __ATOMIC_RELAXED);
		*swapped += sw;
		*large += lg;
		if (sw || lg || gd || out)
			printf(" %s(swapped=%ld large=%ld guarded=%ld reclaimed=%ld)",
			       kinds[k].name, sw, lg, gd, out);
	}
	printf("\n");
}

/* Summary and TAP result; returns the exit code. */
static int report(void)
{
	bool ok = !__atomic_load_n(&g.failed, __ATOMIC_SEQ_CST);
	long swapped, large;

	report_reach(&swapped, &large);
	printf("# ops=%ld seed=%lu threads=%d events=%lu failures=%d swapped=%ld large=%ld\n",
	       __atomic_load_n(&g.done, __ATOMIC_SEQ_CST), g.seed, g.threads,
	       all_events(), !ok, swapped, large);
	if (ok) {
		printf("ok 1 uffd-wp-stress seed=%lu\n", g.seed);
		return KSFT_PASS;
	}
	printf("not ok 1 uffd-wp-stress seed=%lu (replay: uffd-wp-stress -s %lu -n %ld",
	       g.seed, g.seed, g.nops);
	if (g.threads > 1)
		printf(" -j %d", g.threads);
	if (g.mopt)
		printf(" -m %s", g.mopt);
	printf(")\n");
	fflush(stdout);
	return KSFT_FAIL;
}

/* Stop everything if no operation completes for WATCHDOG_S seconds. */
static void watchdog(void)
{
	double idle_since = elapsed();
	long last = -1, now;
	int i;

	for (;;) {
		for (i = 0; i < g.threads; i++)
			if (!workers[i].joined &&
			    !pthread_tryjoin_np(workers[i].thread, NULL))
				workers[i].joined = true;
		for (i = 0; i < g.threads && workers[i].joined; i++)
			;
		if (i == g.threads)
			return;
		usleep(10000);
		now = __atomic_load_n(&g.progress, __ATOMIC_RELAXED);
		if (now != last) {
			last = now;
			idle_since = elapsed();
		} else if (elapsed() - idle_since >= WATCHDOG_S) {
			fail(NULL, "watchdog", "no progress for %d s",
			     WATCHDOG_S);
			_exit(report());
		}
	}
}

/* Free 2M hugetlb pages: 0 if the default huge page size is another. */
static unsigned long hugetlb_free(void)
{
	long n = meminfo_value("HugePages_Free:");

	return meminfo_value("Hugepagesize:") == HPAGE_SIZE >> 10 && n > 0 ?
	       n : 0;
}

static int parse_kinds(const char *s)
{
	char buf[128], *tok, *save;
	unsigned int k;

	g.kinds = g.opsets = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "guard")) {
			g.opsets |= OPS_GUARD;
			continue;
		}
		if (!strcmp(tok, "reclaim")) {
			g.opsets |= OPS_RECLAIM;
			continue;
		}
		for (k = 0; k < NR_KINDS; k++)
			if (!strcmp(tok, kinds[k].name))
				break;
		if (k == NR_KINDS)
			return -1;
		g.kinds |= 1U << k;
	}
	/* memory kinds and operation kinds: all of those not named */
	if (!g.kinds)
		g.kinds = KALL;
	if (!g.opsets)
		g.opsets = OPS_GUARD | OPS_RECLAIM;
	return 0;
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"%s [-s SEED] [-n OPS] [-t SECONDS] [-j THREADS]\n"
		"\t[-m shmem,anon,hugetlb,private,anon64k,shmem64k,hugetlb_private,guard,reclaim]\n",
		prog);
	exit(KSFT_FAIL);
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "s:n:t:j:m:")) != -1) {
		switch (c) {
		case 's':
			g.seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			g.nops = strtol(optarg, NULL, 0);
			break;
		case 't':
			g.seconds = strtol(optarg, NULL, 0);
			break;
		case 'j':
			g.threads = atoi(optarg);
			if (g.threads < 1 || g.threads > MAX_THREADS)
				print_usage(argv[0]);
			break;
		case 'm':
			g.mopt = optarg;
			if (parse_kinds(optarg))
				print_usage(argv[0]);
			break;
		default:
			print_usage(argv[0]);
		}
	}
}

/* Put the mTHP knobs back (atexit: a forked child _exit()s). */
static void restore_knobs(void)
{
	unsigned int k;

	for (k = 0; k < NR_KINDS; k++)
		knob_restore(&g.knobs[k]);
}

static void skip_all(const char *why)
{
	printf("# skip: %s\n", why);
	printf("ok 1 # SKIP uffd-wp-stress seed=%lu\n", g.seed);
	exit(KSFT_SKIP);
}

/*
 * Install a guard on one page of @fd (-1: anonymous); returns 0 or an
 * errno, and whether pagemap reported it in @bit.
 */
static int try_guard(int fd, bool *bit)
{
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	size_t ps = getpagesize();
	int pm, err = 0;
	char *p;

	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	if (madvise(p, ps, MADV_GUARD_INSTALL)) {
		err = errno;
	} else {
		pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		*bit = pm >= 0 && (pagemap_read(pm, p) & PM_GUARD_REGION);
		if (pm >= 0)
			close(pm);
	}
	munmap(p, ps);
	return err;
}

/*
 * Guard markers: on anonymous memory since Linux 6.13, on shmem and files
 * since 6.15, in pagemap (PM_GUARD_REGION) since 6.15.  Where they are
 * missing the guard operations are left out, with the reason.
 */
static void probe_guard(void)
{
	int err, fd;

	err = try_guard(-1, &g.guard_bit);
	if (err) {
		printf("# skip: guard: MADV_GUARD_INSTALL: %s (Linux 6.13)\n",
		       strerror(err));
		return;
	}
	g.guard_kinds = KA | KA64;
	fd = memfd_create("uffd-wp-stress-guard", MFD_CLOEXEC);
	err = fd < 0 ? errno : ftruncate(fd, getpagesize()) ? errno :
	      try_guard(fd, &g.guard_bit);
	if (fd >= 0)
		close(fd);
	if (err)
		printf("# skip: guard: shmem, private, shmem64k: %s: %s (Linux 6.15)\n",
		       "MADV_GUARD_INSTALL", strerror(err));
	else
		g.guard_kinds |= KGUARD;
}

/* Drop the memory kinds this kernel or machine cannot test. */
static void probe_features(void)
{
	__u64 offered = 0;
	int fd = uffd_open(0, &offered);
	unsigned int k;

	if (fd < 0)
		skip_all("userfaultfd unavailable");
	close(fd);
	if (!(offered & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		skip_all("no uffd-wp (UFFD_FEATURE_PAGEFAULT_FLAG_WP)");
	g.features = offered & (UFFD_FEATURE_WP_HUGETLBFS_SHMEM |
				UFFD_FEATURE_WP_UNPOPULATED);
	if ((g.kinds & KFILE) &&
	    !(offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		printf("# skip: shmem, hugetlb, private, shmem64k, hugetlb_private: %s\n",
		       "no UFFD_FEATURE_WP_HUGETLBFS_SHMEM");
		g.kinds &= ~KFILE;
	}
	if ((g.kinds & (KA | KA64)) &&
	    !(offered & UFFD_FEATURE_WP_UNPOPULATED)) {
		printf("# skip: anon, anon64k: no UFFD_FEATURE_WP_UNPOPULATED\n");
		g.kinds &= ~(KA | KA64);
	}
	for (k = 0; k < NR_KINDS; k++) {
		if (!(g.kinds & (1U << k)) || !kinds[k].knob)
			continue;
		if (!knob_set(&g.knobs[k], kinds[k].knob, "always")) {
			printf("# skip: %s: cannot set %s to always\n",
			       kinds[k].name, kinds[k].knob);
			g.kinds &= ~(1U << k);
		}
	}
	if (g.opsets & OPS_GUARD)
		probe_guard();
	/*
	 * Per worker: hugetlb's file; hugetlb_private's file and the
	 * reservation of its mapping (its COW copies).
	 */
	if ((g.kinds & KHP) &&
	    hugetlb_free() < (unsigned long)(g.kinds & KH ? 3 : 2) *
			     NR_HUGE_PAGES * g.threads) {
		printf("# skip: hugetlb_private: %lu free 2M pages, %d needed\n",
		       hugetlb_free(),
		       (g.kinds & KH ? 3 : 2) * NR_HUGE_PAGES * g.threads);
		g.kinds &= ~KHP;
	}
	if ((g.kinds & KH) &&
	    hugetlb_free() < (unsigned long)NR_HUGE_PAGES * g.threads) {
		printf("# skip: hugetlb: %lu free 2M pages, %d needed\n",
		       hugetlb_free(), NR_HUGE_PAGES * g.threads);
		g.kinds &= ~KH;
	}
	if (g.threads > 1 && !(offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		skip_all("shared shmem region needs UFFD_FEATURE_WP_HUGETLBFS_SHMEM");
	if (!g.kinds && g.threads == 1)
		skip_all("no memory kind left to test");
}

static unsigned int region_pages(enum kind k)
{
	if (hugetlb_kind(k))
		return NR_HUGE_PAGES;
	if (kinds[k].knob)	/* two 64K folios */
		return 2 * MTHP_SIZE / getpagesize();
	return NR_SMALL_PAGES;
}

static void setup_worker(struct worker *w, int id)
{
	char why[256];
	unsigned int k;

	w->id = id;
	w->rng = (g.seed + id) * 0x9e3779b97f4a7c15ULL ^ 0xdeadbeefcafef00dULL;
	if (!w->rng)
		w->rng = 1;
	w->log = g.threads == 1;
	for (k = 0; k < NR_KINDS; k++) {
		w->reg[k].fd = w->reg[k].uffd = -1;
		if (!(g.kinds & (1U << k)))
			continue;
		if (region_create(w, &w->reg[k], k, region_pages(k),
				  why, sizeof(why))) {
			if (id == 0)
				printf("# skip: %s\n", why);
			continue;
		}
		w->views[w->nr_views++] = (struct view){
			&w->reg[k], 0, w->reg[k].npages };
	}
	if (g.threads > 1)
		w->views[w->nr_views++] = (struct view){ &g.shared,
			id * SHARED_PER_WORKER, (id + 1) * SHARED_PER_WORKER };
}

int main(int argc, char **argv)
{
	struct sigaction segv_action = {
		.sa_handler = sigsegv_handler, .sa_flags = SA_NODEFER,
	};
	char why[256];
	pthread_t hammer;
	int i, k, hammer_stop = 0;
	bool have_hammer = false;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..1\n");
	signal(SIGBUS, sigbus_handler);
	sigaction(SIGSEGV, &segv_action, NULL);
	/* single-threaded: MADV_PAGEOUT finds the folios the run faulted */
	if (g.threads == 1 && stay_on_one_cpu())
		printf("# sched_setaffinity: %s (MADV_PAGEOUT may reclaim less)\n",
		       strerror(errno));
	atexit(restore_knobs);
	probe_features();
	g.pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (g.pagemap_fd < 0)
		skip_all("cannot open /proc/self/pagemap");
	if (g.threads > 1 &&
	    region_create(NULL, &g.shared, K_SHMEM, SHARED_PER_WORKER * g.threads,
			  why, sizeof(why)))
		skip_all(why);
	g.shared.shared = true;
	for (i = 0; i < g.threads; i++) {
		setup_worker(&workers[i], i);
		if (!workers[i].nr_views)
			skip_all("no region could be set up");
	}
	clock_gettime(CLOCK_MONOTONIC, &g.start);
	for (i = 0; i < g.threads; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i]))
			skip_all("pthread_create");
	if (g.threads > 1 &&
	    !pthread_create(&hammer, NULL, hammer_main, &hammer_stop))
		have_hammer = true;
	watchdog();
	if (have_hammer) {
		__atomic_store_n(&hammer_stop, 1, __ATOMIC_RELEASE);
		pthread_join(hammer, NULL);
	}
	/* region_destroy() keeps the event counts for report() */
	for (i = 0; i < g.threads; i++)
		for (k = 0; k < NR_KINDS; k++)
			region_destroy(&workers[i].reg[k]);
	if (g.threads > 1)
		region_destroy(&g.shared);
	return report();
}
