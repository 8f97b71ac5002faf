// SPDX-License-Identifier: GPL-2.0
/*
 * Data integrity across a zap.
 *
 * A write to a page of shared memory through a writable pte that is clean
 * (a read fault maps shmem pages so: tmpfs wants no write notification)
 * takes no fault: the CPU sets the pte's dirty bit, the folio stays clean.
 * When the pte is zapped, zap_present_folio_ptes() must pass the dirty bit
 * on to the folio (folio_mark_dirty()), or reclaim later drops the "clean"
 * shmem folio instead of swapping it out, and the data is gone: the page
 * reads back as zeros, with no splat and no other sign.  Each test here
 * writes that way through one mapping, zaps it, then reclaims the pages
 * through a second mapping of the same memory (MADV_PAGEOUT on one CPU,
 * every page must leave memory) and compares every byte:
 *
 * - zaps: MADV_DONTNEED, munmap() of one of the two mappings, mremap()
 *   shrinking the mapping (the tail is zapped), mremap() moving it away
 *   (the ptes move with their dirty bits) and MADV_DONTNEED at the new
 *   place, and the exit of a child that did the writes (a fullmm zap);
 * - memory: a memfd and a tmpfs file (small folios), anonymous shared
 *   memory in 64K folios (hugepages-64kB/shmem_enabled) and a memfd's PMD
 *   THP mapped by ptes; in the large folios the first page stays clean and
 *   the others are written, so a batch of ptes (folio_pte_batch()) whose
 *   first pte is clean must still dirty its folio.
 *
 * And hugetlb: after each zap of a hugetlb mapping (MADV_DONTNEED, punch
 * hole, truncation, munmap()) HugetlbPages in /proc/self/status is what
 * the page tables map (hugetlb_count_sub() in __unmap_hugepage_range()),
 * and the data of a shared hugetlb file survives the zaps that keep it
 * (MADV_DONTNEED, munmap(), a child's exit).
 *
 * A kind of memory the kernel cannot give (no 64K shmem folios, no THP, no
 * free hugetlb pages) skips with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "uffd-wp-util.h"

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE		1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED		2
#endif

#define SHMEM_THP_SYSFS	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define SMALL_PAGES	64	/* small folios: 64 pages */
#define LARGE_PAGES	512	/* 64K folios: 32 of them; THP: one */
#define CHILD_MS	60000

/* Child exit codes of the exit test, besides 0. */
#define CHILD_SKIP	3	/* the memory was not in the folios wanted */
#define CHILD_FAIL	4

enum mem { MEM_MEMFD, MEM_TMPFS, MEM_SHMEM_64K, MEM_MEMFD_THP };
enum zap { ZAP_DONTNEED, ZAP_MUNMAP, ZAP_MREMAP_SHRINK, ZAP_MREMAP_MOVE, ZAP_EXIT };

static const struct mem_kind {
	const char *name;
	int npages;
	int folio_pages;	/* pages per folio the test wants */
} mems[] = {
	[MEM_MEMFD]	= { "memfd", SMALL_PAGES, 1 },
	[MEM_TMPFS]	= { "tmpfs file", SMALL_PAGES, 1 },
	[MEM_SHMEM_64K]	= { "64K shared anonymous folios", LARGE_PAGES, 16 },
	[MEM_MEMFD_THP]	= { "PTE-mapped memfd THP", LARGE_PAGES, 512 },
};

/* The byte at @off of page @i, or 0 where a page is left unwritten. */
static unsigned char want_byte(const struct mem_kind *k, int i, size_t off)
{
	if (k->folio_pages > 1 && i % k->folio_pages == 0)
		return 0;	/* the clean first pte of each large folio */
	return (unsigned char)(i * 37 + off / 512 + 1) ?: 0x5a;
}

/*
 * Whether the @npages pages at @p are in folios of @per pages each,
 * aligned to their size (every page of a THP, pfns consecutive per folio).
 */
static bool in_folios(char *p, int npages, int per)
{
	size_t ps = getpagesize();
	uint64_t e, pfn0 = 0;
	int fd, i;
	bool ok = true;

	if (per == 1)
		return true;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (i = 0; i < npages && ok; i++) {
		e = pagemap_read(fd, p + i * ps);
		if (page_is_thp(fd, p + i * ps) != 1)
			ok = false;
		else if (i % per == 0)
			pfn0 = e & PM_PFN_MASK;
		else if ((e & PM_PFN_MASK) != pfn0 + i % per)
			ok = false;
	}
	close(fd);
	return ok;
}

/* A read the compiler must emit: a read fault if the page is not mapped. */
static char touch(const char *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Read every page of @w (read faults: clean ptes, writable, with no fault
 * to come for a write), check that they are in the folios @k wants, then
 * write the pattern through them: only the ptes' dirty bits know.  Returns
 * 0, or CHILD_SKIP when the folios are not what the test needs.
 */
static int write_through_clean_ptes(const struct mem_kind *k, char *w)
{
	size_t ps = getpagesize(), off;
	int i;

	for (i = 0; i < k->npages; i++)
		touch(w + i * ps);
	if (!in_folios(w, k->npages, k->folio_pages))
		return CHILD_SKIP;
	for (i = 0; i < k->npages; i++)
		for (off = 0; off < ps; off++)
			if (want_byte(k, i, off))
				__atomic_store_n(w + i * ps + off, want_byte(k, i, off),
						 __ATOMIC_RELAXED);
	return 0;
}

FIXTURE(integrity) {
	int fd;			/* the file, or -1 for anonymous shared memory */
	size_t len;
	char *w;		/* the mapping written through, then zapped */
	char *r;		/* the mapping reclaimed and read back */
	struct knob knob;
};

FIXTURE_VARIANT(integrity) {
	enum mem mem;
	enum zap zap;
};

FIXTURE_VARIANT_ADD(integrity, memfd_dontneed) {
	.mem = MEM_MEMFD, .zap = ZAP_DONTNEED,
};

FIXTURE_VARIANT_ADD(integrity, memfd_munmap) {
	.mem = MEM_MEMFD, .zap = ZAP_MUNMAP,
};

FIXTURE_VARIANT_ADD(integrity, memfd_mremap_shrink) {
	.mem = MEM_MEMFD, .zap = ZAP_MREMAP_SHRINK,
};

FIXTURE_VARIANT_ADD(integrity, memfd_mremap_move) {
	.mem = MEM_MEMFD, .zap = ZAP_MREMAP_MOVE,
};

FIXTURE_VARIANT_ADD(integrity, memfd_child_exit) {
	.mem = MEM_MEMFD, .zap = ZAP_EXIT,
};

FIXTURE_VARIANT_ADD(integrity, tmpfs_dontneed) {
	.mem = MEM_TMPFS, .zap = ZAP_DONTNEED,
};

FIXTURE_VARIANT_ADD(integrity, tmpfs_munmap) {
	.mem = MEM_TMPFS, .zap = ZAP_MUNMAP,
};

FIXTURE_VARIANT_ADD(integrity, tmpfs_mremap_shrink) {
	.mem = MEM_TMPFS, .zap = ZAP_MREMAP_SHRINK,
};

FIXTURE_VARIANT_ADD(integrity, tmpfs_mremap_move) {
	.mem = MEM_TMPFS, .zap = ZAP_MREMAP_MOVE,
};

FIXTURE_VARIANT_ADD(integrity, tmpfs_child_exit) {
	.mem = MEM_TMPFS, .zap = ZAP_EXIT,
};

FIXTURE_VARIANT_ADD(integrity, shmem64k_dontneed) {
	.mem = MEM_SHMEM_64K, .zap = ZAP_DONTNEED,
};

FIXTURE_VARIANT_ADD(integrity, shmem64k_munmap) {
	.mem = MEM_SHMEM_64K, .zap = ZAP_MUNMAP,
};

FIXTURE_VARIANT_ADD(integrity, shmem64k_mremap_shrink) {
	.mem = MEM_SHMEM_64K, .zap = ZAP_MREMAP_SHRINK,
};

FIXTURE_VARIANT_ADD(integrity, shmem64k_mremap_move) {
	.mem = MEM_SHMEM_64K, .zap = ZAP_MREMAP_MOVE,
};

FIXTURE_VARIANT_ADD(integrity, shmem64k_child_exit) {
	.mem = MEM_SHMEM_64K, .zap = ZAP_EXIT,
};

FIXTURE_VARIANT_ADD(integrity, memfd_thp_dontneed) {
	.mem = MEM_MEMFD_THP, .zap = ZAP_DONTNEED,
};

FIXTURE_VARIANT_ADD(integrity, memfd_thp_munmap) {
	.mem = MEM_MEMFD_THP, .zap = ZAP_MUNMAP,
};

FIXTURE_VARIANT_ADD(integrity, memfd_thp_mremap_shrink) {
	.mem = MEM_MEMFD_THP, .zap = ZAP_MREMAP_SHRINK,
};

FIXTURE_VARIANT_ADD(integrity, memfd_thp_mremap_move) {
	.mem = MEM_MEMFD_THP, .zap = ZAP_MREMAP_MOVE,
};

FIXTURE_VARIANT_ADD(integrity, memfd_thp_child_exit) {
	.mem = MEM_MEMFD_THP, .zap = ZAP_EXIT,
};

FIXTURE_SETUP(integrity)
{
	const struct mem_kind *k = &mems[variant->mem];
	int prot = PROT_READ | PROT_WRITE;
	const char *why;
	char *x;

	self->fd = -1;
	self->w = MAP_FAILED;
	self->r = MAP_FAILED;
	self->knob.saved[0] = '\0';
	self->len = k->npages * getpagesize();
	/*
	 * MADV_PAGEOUT isolates only the folios of this CPU's LRU batches:
	 * fault and reclaim on one CPU (the child of the exit test inherits
	 * it).
	 */
	ASSERT_EQ(0, stay_on_one_cpu());

	switch (variant->mem) {
	case MEM_MEMFD:
	case MEM_MEMFD_THP:
		self->fd = memfd_create("zap-integrity", MFD_CLOEXEC);
		break;
	case MEM_TMPFS:
		self->fd = tmpfs_tmpfile(&why);
		if (self->fd < 0)
			SKIP(return, "%s", why);
		break;
	case MEM_SHMEM_64K:
		if (!knob_set(&self->knob, MTHP_DIR "/shmem_enabled", "always"))
			SKIP(return, "no " MTHP_DIR "/shmem_enabled (shmem mTHP)");
		break;
	}
	if (variant->mem != MEM_SHMEM_64K) {
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, ftruncate(self->fd, self->len));
	}
	if (variant->mem == MEM_MEMFD_THP) {
		/*
		 * The THP: allocated by a read fault through a 2M-aligned
		 * mapping that may map it by PMD (clean: nothing wrote),
		 * which is then unmapped; the written mapping below forbids
		 * PMDs, so its faults map the THP's pages with ptes.
		 */
		if (!knob_set(&self->knob, SHMEM_THP_SYSFS, "always"))
			SKIP(return, "cannot set " SHMEM_THP_SYSFS " (THP)");
		x = map_2m_aligned(self->len, PROT_READ, MAP_SHARED, self->fd);
		ASSERT_NE(MAP_FAILED, x);
		ASSERT_EQ(0, touch(x));
		ASSERT_EQ(0, munmap(x, self->len));
	}

	if (self->fd >= 0)
		self->w = map_2m_aligned(self->len, prot, MAP_SHARED, self->fd);
	else
		self->w = map_2m_aligned(self->len, prot, MAP_SHARED | MAP_ANONYMOUS, -1);
	ASSERT_NE(MAP_FAILED, self->w);
	if (variant->mem == MEM_MEMFD_THP)
		ASSERT_EQ(0, madvise(self->w, self->len, MADV_NOHUGEPAGE));
	/*
	 * The reading mapping, with no page faulted in it before the zap;
	 * for anonymous shared memory a second mapping of the same object,
	 * by mremap() of length 0. 2M-aligned too: a large folio that
	 * straddles two pte tables would have to be split for MADV_PAGEOUT,
	 * which may fail and leave it in memory.
	 */
	if (self->fd >= 0) {
		self->r = map_2m_aligned(self->len, PROT_READ, MAP_SHARED, self->fd);
	} else {
		x = map_2m_aligned(self->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		ASSERT_NE(MAP_FAILED, x);
		self->r = mremap(self->w, 0, self->len, MREMAP_MAYMOVE | MREMAP_FIXED, x);
	}
	ASSERT_NE(MAP_FAILED, self->r);
	/* the reading mapping takes no THP by PMD: pageout sees ptes */
	ASSERT_EQ(0, madvise(self->r, self->len, MADV_NOHUGEPAGE));
}

FIXTURE_TEARDOWN(integrity)
{
	if (self->w != MAP_FAILED)
		munmap(self->w, self->len);
	if (self->r != MAP_FAILED)
		munmap(self->r, self->len);
	if (self->fd >= 0)
		close(self->fd);
	knob_restore(&self->knob);
}

/* Pages of @p resident in memory, by mincore(). */
static int resident_pages(char *p, size_t len)
{
	size_t ps = getpagesize(), i;
	unsigned char vec[LARGE_PAGES];
	int n = 0;

	if (len / ps > LARGE_PAGES || mincore(p, len, vec))
		return -1;
	for (i = 0; i < len / ps; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * Write through clean ptes of the mapping (in a child for the exit test),
 * zap them, reclaim through the other mapping, and compare every byte.
 */
TEST_F_TIMEOUT(integrity, dirty_ptes, 120)
{
	const struct mem_kind *k = &mems[variant->mem];
	size_t ps = getpagesize(), off;
	int i, bad = 0, first_bad = -1, status;
	char *moved;
	pid_t pid;

	if (variant->zap == ZAP_EXIT) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(write_through_clean_ptes(k, self->w));
		status = wait_child(pid, CHILD_MS);
		if (status == CHILD_SKIP)
			SKIP(return, "the child's pages are not in %s", k->name);
		ASSERT_EQ(0, status) TH_LOG("the writing child failed");
	} else {
		if (write_through_clean_ptes(k, self->w))
			SKIP(return, "the pages are not in %s", k->name);
	}

	switch (variant->zap) {
	case ZAP_DONTNEED:
		ASSERT_EQ(0, madvise(self->w, self->len, MADV_DONTNEED));
		break;
	case ZAP_MUNMAP:
		ASSERT_EQ(0, munmap(self->w, self->len));
		self->w = MAP_FAILED;
		break;
	case ZAP_MREMAP_SHRINK:
		/* the tail is zapped by the shrink, the first page by munmap */
		ASSERT_EQ(self->w, mremap(self->w, self->len, ps, 0));
		ASSERT_EQ(0, munmap(self->w, ps));
		self->w = MAP_FAILED;
		break;
	case ZAP_MREMAP_MOVE:
		moved = map_2m_aligned(self->len, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1);
		ASSERT_NE(MAP_FAILED, moved);
		ASSERT_EQ(moved, mremap(self->w, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED, moved));
		self->w = moved;
		ASSERT_EQ(0, madvise(self->w, self->len, MADV_DONTNEED));
		break;
	case ZAP_EXIT:
		break;		/* the child's exit zapped its ptes */
	}

	/*
	 * Reclaim through the other mapping: a read maps every page (clean
	 * ptes), MADV_PAGEOUT swaps out the dirty folios and drops the clean
	 * ones.  Every page must be out of memory, or the test shows nothing.
	 */
	for (i = 0; i < k->npages; i++)
		touch(self->r + i * ps);
	ASSERT_EQ(0, madvise(self->r, self->len, MADV_PAGEOUT));
	ASSERT_EQ(0, resident_pages(self->r, self->len))
		TH_LOG("MADV_PAGEOUT left pages of %s in memory", k->name);

	for (i = 0; i < k->npages; i++)
		for (off = 0; off < ps; off++)
			if ((unsigned char)self->r[i * ps + off] != want_byte(k, i, off)) {
				bad++;
				if (first_bad < 0)
					first_bad = i;
				break;
			}
	EXPECT_EQ(0, bad) TH_LOG("%d of %d pages of %s lost their data (first: page %d)",
				 bad, k->npages, k->name, first_bad);
}

/* ---- hugetlb: HugetlbPages and data after each zap ---- */

#define HUGE_PAGES	4

/* What @pages huge pages add to HugetlbPages, in kB. */
static long huge_kb(long pages)
{
	return pages * (long)(HPAGE_SIZE >> 10);
}

FIXTURE(huge) {
	int fd;
	char *m;
	long kb;		/* HugetlbPages before the mapping */
};

FIXTURE_SETUP(huge)
{
	const char *why = NULL;
	int i;

	self->m = MAP_FAILED;
	self->kb = status_kb("HugetlbPages:");
	self->fd = hugetlb_memfd(HUGE_PAGES, &why);
	if (self->fd < 0)
		SKIP(return, "%s", why);
	ASSERT_LE(0, self->kb) TH_LOG("no HugetlbPages in /proc/self/status");
	self->m = mmap(NULL, HUGE_PAGES * HPAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->m);
	for (i = 0; i < HUGE_PAGES; i++)
		memset(self->m + i * HPAGE_SIZE, 'a' + i, HPAGE_SIZE);
	ASSERT_EQ(self->kb + huge_kb(HUGE_PAGES), status_kb("HugetlbPages:"));
}

FIXTURE_TEARDOWN(huge)
{
	if (self->m != MAP_FAILED)
		munmap(self->m, HUGE_PAGES * HPAGE_SIZE);
	if (self->fd >= 0)
		close(self->fd);
}

/* Whether every byte of huge page @i of @m is @c. */
static bool huge_page_is(const char *m, int i, char c)
{
	const char *p = m + i * HPAGE_SIZE;
	size_t off;

	for (off = 0; off < HPAGE_SIZE; off++)
		if (p[off] != c)
			return false;
	return true;
}

TEST_F(huge, dontneed)
{
	ASSERT_EQ(0, madvise(self->m + HPAGE_SIZE, HPAGE_SIZE, MADV_DONTNEED));
	ASSERT_EQ(self->kb + huge_kb(3), status_kb("HugetlbPages:"))
		TH_LOG("one of four pages zapped by MADV_DONTNEED");
	ASSERT_EQ(0, madvise(self->m, HUGE_PAGES * HPAGE_SIZE, MADV_DONTNEED));
	ASSERT_EQ(self->kb + huge_kb(0), status_kb("HugetlbPages:"))
		TH_LOG("all four zapped by MADV_DONTNEED");
	/* a shared hugetlb file keeps its pages: the data comes back */
	EXPECT_TRUE(huge_page_is(self->m, 1, 'b'));
	ASSERT_EQ(self->kb + huge_kb(1), status_kb("HugetlbPages:"))
		TH_LOG("one page faulted again");
}

TEST_F(huge, punch_hole)
{
	ASSERT_EQ(0, fallocate(self->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       2 * HPAGE_SIZE, HPAGE_SIZE));
	ASSERT_EQ(self->kb + huge_kb(3), status_kb("HugetlbPages:")) TH_LOG("one page punched out");
	EXPECT_TRUE(huge_page_is(self->m, 2, 0));
	EXPECT_TRUE(huge_page_is(self->m, 3, 'd'));
	ASSERT_EQ(self->kb + huge_kb(4), status_kb("HugetlbPages:"))
		TH_LOG("the hole faulted again");
}

TEST_F(huge, truncate)
{
	ASSERT_EQ(0, ftruncate(self->fd, HPAGE_SIZE));
	ASSERT_EQ(self->kb + huge_kb(1), status_kb("HugetlbPages:"))
		TH_LOG("truncated to one page");
	EXPECT_TRUE(huge_page_is(self->m, 0, 'a'));
	ASSERT_EQ(self->kb + huge_kb(1), status_kb("HugetlbPages:"))
		TH_LOG("the page kept read again");
}

TEST_F(huge, munmap)
{
	ASSERT_EQ(0, munmap(self->m + 3 * HPAGE_SIZE, HPAGE_SIZE));
	ASSERT_EQ(self->kb + huge_kb(3), status_kb("HugetlbPages:")) TH_LOG("one page unmapped");
	ASSERT_EQ(0, munmap(self->m, 3 * HPAGE_SIZE));
	self->m = MAP_FAILED;
	ASSERT_EQ(self->kb + huge_kb(0), status_kb("HugetlbPages:")) TH_LOG("all unmapped");
	self->m = mmap(NULL, HUGE_PAGES * HPAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->m);
	EXPECT_TRUE(huge_page_is(self->m, 3, 'd'));
	ASSERT_EQ(self->kb + huge_kb(1), status_kb("HugetlbPages:"))
		TH_LOG("one page mapped again");
}

/*
 * A child maps the file's pages, zaps one (its own HugetlbPages goes down,
 * not the parent's), writes the others and exits; the parent, which
 * unmapped its view first, reads the child's data.
 */
TEST_F(huge, child_exit)
{
	size_t len = HUGE_PAGES * HPAGE_SIZE;
	int i, status;
	pid_t pid;

	ASSERT_EQ(0, madvise(self->m, len, MADV_DONTNEED));
	ASSERT_EQ(self->kb + huge_kb(0), status_kb("HugetlbPages:"))
		TH_LOG("the parent's view zapped");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long kb = status_kb("HugetlbPages:");

		for (i = 0; i < HUGE_PAGES; i++)
			self->m[i * HPAGE_SIZE] = 'A' + i;
		if (status_kb("HugetlbPages:") != kb + huge_kb(HUGE_PAGES))
			_exit(1);
		if (madvise(self->m, HPAGE_SIZE, MADV_DONTNEED) ||
		    status_kb("HugetlbPages:") != kb + huge_kb(3))
			_exit(2);
		_exit(0);
	}
	status = wait_child(pid, CHILD_MS);
	ASSERT_EQ(0, status) TH_LOG("child: HugetlbPages after %s",
				    status == 1 ? "its faults" : "its MADV_DONTNEED");
	ASSERT_EQ(self->kb + huge_kb(0), status_kb("HugetlbPages:")) TH_LOG("the child's exit");
	for (i = 0; i < HUGE_PAGES; i++)
		EXPECT_EQ('A' + i, self->m[i * HPAGE_SIZE]);
	ASSERT_EQ(self->kb + huge_kb(HUGE_PAGES), status_kb("HugetlbPages:"))
		TH_LOG("read again after the child's exit");
}

TEST_HARNESS_MAIN
