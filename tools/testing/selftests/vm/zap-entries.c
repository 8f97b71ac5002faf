// SPDX-License-Identifier: GPL-2.0
/*
 * Zap the kinds of page table entry that the uffd-wp tests never leave
 * behind: hwpoison entries (MADV_HWPOISON, CONFIG_MEMORY_FAILURE) and
 * migration entries (move_pages() between two NUMA nodes while the range is
 * zapped with MADV_DONTNEED), on anonymous memory and on uffd-wp protected
 * shmem, where a zapped migration entry must leave a PTE marker behind
 * (zap_install_uffd_wp_if_needed() after the migration entry branch of
 * zap_pte_range()).
 *
 * And the branches of the hugetlb zap, __unmap_hugepage_range(), that the
 * uffd-wp tests do not take: the reservation a private mapping's owner
 * gets back when it zaps its page (not while a child still maps it), the
 * one page hugetlb COW takes back from the children when the pool is empty
 * (ref_page), and a PMD table shared between processes, which the zap
 * unshares instead of clearing the other process's entries; and a hwpoison
 * entry in a huge pte, which the zap clears without a marker.
 *
 * Each test skips with a reason when the kernel or machine lacks what it
 * needs: MADV_HWPOISON needs CONFIG_MEMORY_FAILURE and CAP_SYS_ADMIN,
 * move_pages() needs CONFIG_NUMA and a second node (numa=fake=2 works),
 * the hugetlb tests need free 2M hugetlb pages, the PMD sharing test
 * CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "uffd-wp-util.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON		100
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR		4
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		(1 << 1)
#endif

/* Pages in the migration tests: one batch of migrate_pages() (512). */
#define RACE_PAGES		512
/* How long each migration test races, in seconds. */
#define RACE_SECONDS		4

static sigjmp_buf sigbus_jmp;
/* Lock-free atomics: safe to share with the SIGBUS handler. */
static atomic_int sigbus_code, sigbus_armed;

/* One load or store the compiler must emit as written. */
static uint64_t peek(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

static void poke(void *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigbus_code = si->si_code;
	if (sigbus_armed) {
		sigbus_armed = 0;
		siglongjmp(sigbus_jmp, 1);
	}
}

/* Reads *p; returns the SIGBUS si_code it raised, or 0 if it did not. */
static int read_sigbus(const uint64_t *p, uint64_t *val)
{
	sigbus_code = 0;
	if (sigsetjmp(sigbus_jmp, 1))
		return sigbus_code;
	sigbus_armed = 1;
	*val = peek(p);
	sigbus_armed = 0;
	return 0;
}

/*
 * A poisoned anonymous page: memory_failure() unmaps it and leaves a
 * hwpoison entry (try_to_unmap_one() with TTU_HWPOISON); a read raises
 * SIGBUS BUS_MCEERR_AR; MADV_DONTNEED zaps the entry (the hwpoison branch
 * of zap_pte_range()) and the next read faults in a zero page.
 */
TEST(hwpoison_anon)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	size_t ps = getpagesize(), len = 4 * ps;
	uint64_t *p, ent, val;
	int pagemap, i;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(pagemap, 0);
	for (i = 0; i < 4; i++)
		p[i * ps / 8] = 0x1000 + i;

	sigbus_code = 0;
	if (madvise((char *)p + ps, ps, MADV_HWPOISON)) {
		if (errno == EINVAL || errno == EPERM)
			SKIP(return, "MADV_HWPOISON: %s (CONFIG_MEMORY_FAILURE, CAP_SYS_ADMIN)",
			     strerror(errno));
		ASSERT_EQ(0, errno);
	}
	/* madvise_inject_error() passes MF_ACTION_REQUIRED: current is told */
	EXPECT_EQ(BUS_MCEERR_AR, sigbus_code);
	ent = pagemap_read(pagemap, (char *)p + ps);
	EXPECT_EQ(PM_SWAP, ent & (PM_SWAP | PM_PRESENT)) TH_LOG("pagemap %#llx",
								 (unsigned long long)ent);
	EXPECT_EQ(BUS_MCEERR_AR, read_sigbus(p + ps / 8, &val));
	/* the neighbours keep their data */
	for (i = 0; i < 4; i++)
		if (i != 1)
			EXPECT_EQ(0x1000UL + i, p[i * ps / 8]);

	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, read_sigbus(p + i * ps / 8, &val)) TH_LOG("page %d", i);
		EXPECT_EQ(0UL, val);
	}
	close(pagemap);
	munmap(p, len);
}

/* Two NUMA nodes, and a kernel with move_pages(). */
static const char *numa_missing(void)
{
	if (access("/sys/devices/system/node/node1", F_OK))
		return "one NUMA node (CONFIG_NUMA; boot with numa=fake=2)";
	if (syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0))
		return "move_pages() fails (CONFIG_MIGRATION)";
	return NULL;
}

struct mover {
	char *base;
	atomic_bool stop;
	unsigned long moves;
};

/* Moves every page of the range to the other node, over and over. */
static void *mover_fn(void *arg)
{
	struct mover *m = arg;
	static void *pages[RACE_PAGES];
	static int nodes[RACE_PAGES], status[RACE_PAGES];
	size_t ps = getpagesize();
	int i, node = 1;

	for (i = 0; i < RACE_PAGES; i++)
		pages[i] = m->base + i * ps;
	while (!atomic_load(&m->stop)) {
		for (i = 0; i < RACE_PAGES; i++)
			nodes[i] = node;
		if (syscall(SYS_move_pages, 0, RACE_PAGES, pages, nodes, status,
			    MPOL_MF_MOVE) >= 0)
			m->moves++;
		node ^= 1;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(migrate) {
	char *base;
	size_t len;
	int uffd, pagemap;
};

FIXTURE_VARIANT(migrate) {
	bool shmem;		/* memfd MAP_SHARED, else private anonymous */
	bool wp;		/* uffd-wp protect the range before each zap */
};

FIXTURE_VARIANT_ADD(migrate, anon) { .shmem = false, .wp = false };
FIXTURE_VARIANT_ADD(migrate, shmem) { .shmem = true, .wp = false };
FIXTURE_VARIANT_ADD(migrate, shmem_wp) { .shmem = true, .wp = true };

FIXTURE_SETUP(migrate)
{
	const char *missing = numa_missing();
	int fd = -1;

	self->uffd = -1;
	self->pagemap = -1;
	self->base = MAP_FAILED;
	if (missing)
		SKIP(return, "%s", missing);
	self->len = RACE_PAGES * getpagesize();
	if (variant->shmem) {
		fd = memfd_create("zap-entries", MFD_CLOEXEC);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, ftruncate(fd, self->len));
		self->base = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);
		close(fd);
	} else {
		self->base = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	ASSERT_NE(MAP_FAILED, self->base);
	self->pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(self->pagemap, 0);
	if (variant->wp) {
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)self->base, .len = self->len },
			.mode = UFFDIO_REGISTER_MODE_WP,
		};
		__u64 offered = 0;

		self->uffd = uffd_open(UFFD_FEATURE_WP_HUGETLBFS_SHMEM, &offered);
		if (self->uffd < 0 || !(offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
			SKIP(return, "no uffd-wp on shmem (CONFIG_PTE_MARKER_UFFD_WP)");
		ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg));
	}
}

FIXTURE_TEARDOWN(migrate)
{
	if (self->base != MAP_FAILED)
		munmap(self->base, self->len);
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->pagemap >= 0)
		close(self->pagemap);
}

/*
 * Zap the range while another thread migrates it: MADV_DONTNEED meets
 * migration entries. Data written before the zap must read back on
 * shmem (DONTNEED keeps the page cache) and read as zero on anon; with
 * uffd-wp every page must stay protected across the zap, whether its pte
 * was present, a migration entry or already a marker.
 */
TEST_F(migrate, dontneed_race)
{
	size_t ps = getpagesize();
	struct mover m = { .base = self->base };
	unsigned long rounds = 0, bad = 0;
	double end = now() + RACE_SECONDS;
	pthread_t thread;
	uint64_t v = 0;
	int i;

	ASSERT_EQ(0, pthread_create(&thread, NULL, mover_fn, &m));
	while (now() < end && !bad) {
		v++;
		for (i = 0; i < RACE_PAGES; i++)
			poke(self->base + i * ps, v + i);
		if (variant->wp)
			ASSERT_EQ(0, uffd_wp(self->uffd, (uintptr_t)self->base,
					     self->len, true));
		ASSERT_EQ(0, madvise(self->base, self->len, MADV_DONTNEED));
		for (i = 0; i < RACE_PAGES; i++) {
			uint64_t want = variant->shmem ? v + i : 0;
			uint64_t got = peek(self->base + i * ps);

			if (got != want) {
				TH_LOG("round %lu page %d: read %#llx, wrote %#llx",
				       rounds, i, (unsigned long long)got,
				       (unsigned long long)want);
				bad++;
			}
			if (variant->wp &&
			    !(pagemap_read(self->pagemap, self->base + i * ps) & PM_UFFD_WP)) {
				TH_LOG("round %lu page %d: uffd-wp lost", rounds, i);
				bad++;
			}
		}
		if (variant->wp)
			ASSERT_EQ(0, uffd_wp(self->uffd, (uintptr_t)self->base,
					     self->len, false));
		rounds++;
	}
	atomic_store(&m.stop, true);
	pthread_join(thread, NULL);
	TH_LOG("%lu rounds, %lu move_pages() calls", rounds, m.moves);
	EXPECT_EQ(0UL, bad);
	EXPECT_LT(0UL, m.moves);
}

#define PUD_SPAN		(1UL << 30)

/*
 * A hugetlb memfd of npages 2M pages, or -1 with *why set when the pool
 * lacks npages free pages that nothing has reserved.
 */
/* The pool's counters, as /proc/meminfo shows them. */
struct pool {
	long free, rsvd;
};

static struct pool pool_now(void)
{
	return (struct pool){ meminfo_value("HugePages_Free:"),
			      meminfo_value("HugePages_Rsvd:") };
}

/* Blocks until the other end writes a byte (or closes). */
static void wait_pipe(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void poke_pipe(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(99);
}

/*
 * A private hugetlb mapping reserves its pages at mmap(); the owner's first
 * write to each consumes the reservation. When the owner zaps such a page,
 * __unmap_hugepage_range() gives the reservation back (HugePages_Rsvd up by
 * one), so that the next fault cannot fail for want of a page. Not while a
 * child still maps the page after fork (only the last unmap restores, or
 * the owner's resv map would empty under the child), and never in the
 * child, which owns no reservation. After munmap() the pool is as before.
 */
TEST(hugetlb_private_resv_restore)
{
	const char *why = NULL;
	int fd = hugetlb_memfd(2, &why), go[2];
	struct pool p0, p;
	long kb0 = status_kb("HugetlbPages:");
	char *m;
	pid_t pid;

	if (fd < 0)
		SKIP(return, "%s", why);
	p0 = pool_now();
	m = mmap(NULL, 2 * HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	p = pool_now();
	ASSERT_EQ(p0.rsvd + 2, p.rsvd);
	m[0] = 'a';
	m[HPAGE_SIZE] = 'b';
	p = pool_now();
	ASSERT_EQ(p0.rsvd, p.rsvd);
	ASSERT_EQ(p0.free - 2, p.free);

	/* The owner zaps its page: the reservation comes back. */
	ASSERT_EQ(0, madvise(m, HPAGE_SIZE, MADV_DONTNEED));
	p = pool_now();
	EXPECT_EQ(p0.rsvd + 1, p.rsvd);
	EXPECT_EQ(p0.free - 1, p.free);
	EXPECT_EQ(kb0 + (long)(HPAGE_SIZE >> 10), status_kb("HugetlbPages:"));
	/* Private hugetlb pages are anonymous: the data went with the zap. */
	EXPECT_EQ(0, m[0]);
	p = pool_now();
	EXPECT_EQ(p0.rsvd, p.rsvd);
	EXPECT_EQ(p0.free - 2, p.free);

	/* A child shares the owner's second page. */
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		wait_pipe(go[0]);
		/* Still mapped here; then zapped by the exit of a non-owner. */
		_exit(m[HPAGE_SIZE] == 'b' ? 0 : 1);
	}
	ASSERT_EQ(0, madvise(m + HPAGE_SIZE, HPAGE_SIZE, MADV_DONTNEED));
	p = pool_now();
	EXPECT_EQ(p0.rsvd, p.rsvd);
	EXPECT_EQ(p0.free - 2, p.free);
	poke_pipe(go[1]);
	EXPECT_EQ(0, wait_child(pid, 20000));
	p = pool_now();
	EXPECT_EQ(p0.rsvd, p.rsvd);
	EXPECT_EQ(p0.free - 1, p.free);

	EXPECT_EQ(kb0 + (long)(HPAGE_SIZE >> 10), status_kb("HugetlbPages:"));
	ASSERT_EQ(0, munmap(m, 2 * HPAGE_SIZE));
	p = pool_now();
	EXPECT_EQ(p0.rsvd, p.rsvd);
	EXPECT_EQ(p0.free, p.free);
	EXPECT_EQ(kb0, status_kb("HugetlbPages:"));
	close(go[0]);
	close(go[1]);
	close(fd);
}

/*
 * A page of a private hugetlb mapping that was only read has a clean,
 * read-only pte (a shared writable mapping's are always dirty). Protected
 * with uffd-wp and zapped, it must leave a marker like a dirty one: the
 * mapping is file-backed whatever its pages are. Its reservation comes
 * back too: both ends of the present branch at once.
 */
TEST(hugetlb_private_clean_wp)
{
	const char *why = NULL;
	int fd = hugetlb_memfd(1, &why), uffd, pagemap;
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	__u64 offered = 0;
	struct pool p0;
	char *m;

	if (fd < 0)
		SKIP(return, "%s", why);
	uffd = uffd_open(UFFD_FEATURE_WP_HUGETLBFS_SHMEM, &offered);
	if (uffd < 0 || !(offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		if (uffd >= 0)
			close(uffd);
		SKIP(goto out_fd, "no uffd-wp on hugetlbfs (CONFIG_PTE_MARKER_UFFD_WP)");
	}
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(pagemap, 0);
	p0 = pool_now();
	m = mmap(NULL, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0UL, peek(m));	/* a read fault: clean pte */
	reg.range.start = (uintptr_t)m;
	reg.range.len = HPAGE_SIZE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, uffd_wp(uffd, (uintptr_t)m, HPAGE_SIZE, true));
	ASSERT_EQ(PM_PRESENT | PM_UFFD_WP,
		  pagemap_read(pagemap, m) & (PM_PRESENT | PM_UFFD_WP));
	ASSERT_EQ(0, madvise(m, HPAGE_SIZE, MADV_DONTNEED));
	/* hugetlb's pagemap shows a marker as the uffd-wp bit alone */
	EXPECT_EQ(PM_UFFD_WP,
		  pagemap_read(pagemap, m) & (PM_PRESENT | PM_UFFD_WP));
	EXPECT_EQ(p0.rsvd + 1, pool_now().rsvd);
	EXPECT_EQ(p0.free, pool_now().free);
	munmap(m, HPAGE_SIZE);
	close(pagemap);
	close(uffd);
out_fd:
	close(fd);
}

/* Child of hugetlb_cow_ref_page: waits for go, checks HugetlbPages, reads. */
static int cow_child(const char *m, char want, int ready, int go)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	uint64_t v = 0;

	if (sigaction(SIGBUS, &sa, NULL))
		return 2;
	poke_pipe(ready);
	wait_pipe(go);
	/* B's page was unmapped by the owner's COW: off its HugetlbPages */
	if (status_kb("HugetlbPages:") != (want ? (long)(HPAGE_SIZE >> 10) : 0))
		return 5;
	if (read_sigbus((const uint64_t *)m, &v))
		return want ? 3 : 0;	/* SIGBUS: expected without a copy */
	return want && (char)v == want ? 0 : 4;
}

/*
 * hugetlb COW with an empty pool: the owner of a private mapping writes to
 * its page while a child (B) shares it, and no page is free for the copy.
 * hugetlb_wp() then calls unmap_ref_private(), which unmaps the page from
 * every other process with __unmap_hugepage_range(..., ref_page): the zap
 * clears only an entry that maps that page (child A, which wrote its own
 * copy before, keeps it) and marks the vma HPAGE_RESV_UNMAPPED, so that
 * B's next access is SIGBUS instead of silently reading new data.
 */
TEST(hugetlb_cow_ref_page)
{
	const char *why = NULL;
	int fd = hugetlb_memfd(1, &why), hog_fd = -1, ready[2], go[2];
	size_t hog_len = 0;
	char *m, *hog = MAP_FAILED;
	int status;
	pid_t a, b;
	long n;

	/* Two more free pages: child A's copy, and one to take away. */
	if (fd >= 0 && meminfo_value("HugePages_Free:") -
			meminfo_value("HugePages_Rsvd:") < 3) {
		why = "not enough free 2M hugetlb pages";
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		SKIP(return, "%s", why);
	m = mmap(NULL, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	m[0] = 'P';
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	a = fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		m[0] = 'A';	/* A's own copy, from the free pool */
		_exit(cow_child(m, 'A', ready[1], go[0]));
	}
	wait_pipe(ready[0]);
	b = fork();
	ASSERT_GE(b, 0);
	if (b == 0)
		_exit(cow_child(m, 0, ready[1], go[0]));
	wait_pipe(ready[0]);

	/* Empty the pool: a shared mapping populates every free page. */
	n = meminfo_value("HugePages_Free:") - meminfo_value("HugePages_Rsvd:");
	ASSERT_LT(0, n);
	hog_fd = hugetlb_memfd(n, &why);
	ASSERT_LE(0, hog_fd) TH_LOG("%s", why);
	hog_len = n * HPAGE_SIZE;
	hog = mmap(NULL, hog_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, hog_fd, 0);
	ASSERT_NE(MAP_FAILED, hog);
	ASSERT_EQ(0, meminfo_value("HugePages_Free:") -
		     meminfo_value("HugePages_Rsvd:"));

	/* No page for the copy: B loses the page, the owner keeps it. */
	m[0] = 'Q';
	EXPECT_EQ('Q', m[0]);
	poke_pipe(go[1]);
	poke_pipe(go[1]);
	status = wait_child(a, 20000);
	EXPECT_EQ(0, status) TH_LOG("child A lost its copy%s",
				    status == 5 ? " from HugetlbPages" : "");
	status = wait_child(b, 20000);
	EXPECT_EQ(0, status) TH_LOG("child B %s", status == 5 ?
				    "kept the unmapped page in HugetlbPages" :
				    "did not get SIGBUS");

	munmap(hog, hog_len);
	close(hog_fd);
	munmap(m, HPAGE_SIZE);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * A shared hugetlb mapping spanning a whole PUD (1G, MAP_NORESERVE), zapped
 * first before anything faulted in it (no PMD table at all), shares its PMD
 * table between processes: a child faulting in one page of it
 * finds the parent's table, with the parent's other page in it. The
 * child's MADV_DONTNEED must unshare the table (huge_pmd_unshare(): the
 * child loses its view of the whole PUD) and clear nothing in it: the
 * parent keeps both pages mapped, with their data.
 */
TEST(hugetlb_pmd_unshare)
{
	const char *why = NULL;
	int fd = hugetlb_memfd(2, &why), pagemap, status;
	char *area, *m;
	pid_t pid;

	if (fd < 0)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ftruncate(fd, PUD_SPAN));
	area = mmap(NULL, 2 * PUD_SPAN, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	m = (char *)(((uintptr_t)area + PUD_SPAN - 1) & ~(PUD_SPAN - 1));
	ASSERT_EQ(m, mmap(m, PUD_SPAN, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0));
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(pagemap, 0);
	/*
	 * Nothing in this PUD has faulted: the zap finds no PMD table
	 * (hugetlb_walk() returns NULL) and skips to the next one.
	 */
	ASSERT_EQ(0, madvise(m, 2 * HPAGE_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0ULL, pagemap_read(pagemap, m) & PM_PRESENT);
	m[0] = 'a';
	m[HPAGE_SIZE] = 'b';

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The child's own pagemap, not the parent's fd. */
		close(pagemap);
		pagemap = open("/proc/self/pagemap", O_RDONLY);
		/* fork() copied no table: this read shares the parent's. */
		if (pagemap < 0 || peek(m) != (uint64_t)'a')
			_exit(1);
		if (!(pagemap_read(pagemap, m + HPAGE_SIZE) & PM_PRESENT))
			_exit(4);	/* not shared */
		if (madvise(m, HPAGE_SIZE, MADV_DONTNEED))
			_exit(2);
		/* Unshared: nothing of the PUD is mapped here any more. */
		if (pagemap_read(pagemap, m + HPAGE_SIZE) & PM_PRESENT)
			_exit(3);
		_exit(m[0] == 'a' && m[HPAGE_SIZE] == 'b' ? 0 : 5);
	}
	status = wait_child(pid, 20000);
	if (status == 4)
		SKIP(goto out, "no PMD table sharing (CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING)");
	EXPECT_EQ(0, status) TH_LOG("child failed at step %d", status);
	EXPECT_TRUE(!!(pagemap_read(pagemap, m) & PM_PRESENT));
	EXPECT_TRUE(!!(pagemap_read(pagemap, m + HPAGE_SIZE) & PM_PRESENT));
	EXPECT_EQ('a', m[0]);
	EXPECT_EQ('b', m[HPAGE_SIZE]);
out:
	munmap(area, 2 * PUD_SPAN);
	close(pagemap);
	close(fd);
}

/* Sets the persistent hugetlb pool to @n pages; returns the pool's size. */
static long hugetlb_pool_set(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	if (f) {
		fprintf(f, "%ld\n", n);
		fclose(f);
	}
	return proc_value("/proc/sys/vm/nr_hugepages", "");
}

/*
 * A poisoned page of a private hugetlb mapping (an anonymous hugetlb
 * page): memory_failure() unmaps it, leaving a hwpoison entry in the huge
 * pte (try_to_unmap_one() takes the page off HugetlbPages: there), and
 * dissolves the page out of the pool; a read raises SIGBUS BUS_MCEERR_AR.
 * The zap of that non-present entry, which carries no uffd-wp bit, must
 * clear it: no marker (pagemap's uffd-wp bit), no second
 * hugetlb_count_sub(), no reservation given back; the next read faults in
 * a new, zeroed page. The test gives the pool its page back.
 */
TEST(hwpoison_hugetlb_private)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	const char *why = NULL;
	int fd = hugetlb_memfd(2, &why), pagemap;
	size_t ps = getpagesize();
	long pool0, kb = HPAGE_SIZE >> 10;
	struct pool p0;
	uint64_t val;
	char *m;

	if (fd < 0)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(pagemap, 0);
	pool0 = proc_value("/proc/sys/vm/nr_hugepages", "");
	ASSERT_LT(0, pool0);
	m = mmap(NULL, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	poke(m, 0x1000);
	poke(m + HPAGE_SIZE - 8, 0x2000);
	p0 = pool_now();	/* the write consumed the reservation */
	ASSERT_EQ(kb, status_kb("HugetlbPages:"));

	sigbus_code = 0;
	if (madvise(m + 3 * ps, ps, MADV_HWPOISON)) {
		if (errno == EINVAL || errno == EPERM)
			SKIP(goto out, "MADV_HWPOISON: %s (CONFIG_MEMORY_FAILURE, CAP_SYS_ADMIN)",
			     strerror(errno));
		ASSERT_EQ(0, errno);
	}
	EXPECT_EQ(BUS_MCEERR_AR, sigbus_code);
	EXPECT_EQ(pool0 - 1, meminfo_value("HugePages_Total:"));
	EXPECT_EQ(0, status_kb("HugetlbPages:"));
	/* hugetlb's pagemap shows no bit for a hwpoison entry */
	EXPECT_EQ(0ULL, pagemap_read(pagemap, m) & (PM_PRESENT | PM_UFFD_WP));
	/* the whole huge page is gone, not only the poisoned 4K */
	EXPECT_EQ(BUS_MCEERR_AR, read_sigbus((uint64_t *)m, &val));

	ASSERT_EQ(0, madvise(m, HPAGE_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0, status_kb("HugetlbPages:"));
	EXPECT_EQ(0ULL, pagemap_read(pagemap, m) & (PM_PRESENT | PM_UFFD_WP));
	EXPECT_EQ(p0.rsvd, pool_now().rsvd);
	EXPECT_EQ(0, read_sigbus((uint64_t *)m, &val));
	EXPECT_EQ(0UL, val);
	EXPECT_EQ(0UL, peek(m + HPAGE_SIZE - 8));
	EXPECT_EQ(PM_PRESENT, pagemap_read(pagemap, m) & (PM_PRESENT | PM_UFFD_WP));
	EXPECT_EQ(kb, status_kb("HugetlbPages:"));
	ASSERT_EQ(0, munmap(m, HPAGE_SIZE));
	EXPECT_EQ(0, status_kb("HugetlbPages:"));
	EXPECT_EQ(p0.rsvd, pool_now().rsvd);
out:
	EXPECT_EQ(pool0, hugetlb_pool_set(pool0)) TH_LOG("the pool did not grow back");
	close(pagemap);
	close(fd);
}

/*
 * Fault injection (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB,
 * CONFIG_FAULT_INJECTION_DEBUG_FS: the debug kernel) into the one
 * allocation of a hugetlb zap: when the owner of a private mapping zaps
 * its page, vma_needs_reservation() may have to allocate a file_region
 * (region_chg(); the resv map's cache of them is empty once two adjacent
 * pages were read-faulted in and merged: a write fault leaves one behind,
 * as hugetlb_no_page() asks vma_needs_reservation() ahead of a COW). If
 * that fails the zap still completes, but
 * the page's reservation is not given back: the free restores no global
 * reserve (HugePages_Rsvd stays), the page stays counted as consumed, and
 * the next fault takes an unreserved page. As syzkaller does, the test
 * writes n to /proc/thread-self/fail-nth before MADV_DONTNEED (the n-th
 * slab allocation of this thread fails; 0 in the file afterwards means
 * it did) for n = 1, 2, ... until the zap makes fewer than n
 * allocations; then the same sweep over munmap(), whose failures leave
 * the mapping whole (-ENOMEM) or unmap it, the pool back where it was
 * either way.
 */
static int fail_nth_fd = -1;

/* Fails the n-th slab allocation of this thread from now on (0: none). */
static void fail_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		_exit(98);
}

/* What remains of the count: 0 once the failure happened. */
static unsigned int fail_nth_left(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		_exit(98);
	return strtoul(buf, NULL, 10);
}

/* Writes @val to the failslab attribute @attr; false if there is none. */
static bool failslab_set(const char *attr, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/failslab/%s", attr);
	f = fopen(path, "w");
	if (!f)
		return false;
	fputs(val, f);
	return !fclose(f);
}

/* A private 2-page hugetlb mapping whose owner read both pages in. */
static char *resv_consumed(int fd)
{
	char *m = mmap(NULL, 2 * HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	if (m == MAP_FAILED)
		return NULL;
	if (peek(m) || peek(m + HPAGE_SIZE)) {
		munmap(m, 2 * HPAGE_SIZE);
		return NULL;
	}
	return m;
}

/*
 * MADV_DONTNEED of @m's first page, or (@unmap) munmap() of both, with the
 * n-th slab allocation of this thread failing; *rc is what it returned
 * (errno kept). Returns whether it made that n-th allocation (and so saw it
 * fail).
 */
static bool zap_fail_nth(char *m, bool unmap, unsigned int n, int *rc)
{
	unsigned int left;
	int err;

	fail_nth(n);
	*rc = unmap ? munmap(m, 2 * HPAGE_SIZE) : madvise(m, HPAGE_SIZE, MADV_DONTNEED);
	err = errno;
	left = fail_nth_left();
	fail_nth(0);
	errno = err;
	return !left;
}

TEST(hugetlb_resv_fail_nth)
{
	const char *why = NULL;
	int fd = hugetlb_memfd(2, &why), failed = 0, rc;
	unsigned int n;
	bool hit;
	struct pool p0, p1, p;
	char *m;

	if (fd < 0)
		SKIP(return, "%s", why);
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth_fd < 0)
		SKIP(goto out, "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	/*
	 * Every slab allocation counts (GFP_KERNEL ones too), quietly: a
	 * stack dump per injected failure would read as a splat.
	 */
	if (!failslab_set("ignore-gfp-wait", "N") || !failslab_set("verbose", "0"))
		SKIP(goto out, "no debugfs failslab (CONFIG_FAILSLAB, FAULT_INJECTION_DEBUG_FS)");
	p0 = pool_now();

	for (n = 1; n <= 64; n++) {
		m = resv_consumed(fd);
		ASSERT_NE(NULL, m);
		p1 = pool_now();
		hit = zap_fail_nth(m, false, n, &rc);
		p = pool_now();
		TH_LOG("MADV_DONTNEED, fail-nth %u: %s, rc %d, rsvd %+ld, free %+ld", n,
		       hit ? "failed" : "no failure", rc, p.rsvd - p1.rsvd, p.free - p1.free);
		/* A zap cannot fail, and frees the page either way. */
		EXPECT_EQ(0, rc);
		EXPECT_EQ(p1.free + 1, p.free);
		/* The reservation comes back unless its region could not be had. */
		EXPECT_EQ(p1.rsvd + (hit ? 0 : 1), p.rsvd);
		EXPECT_EQ(0UL, peek(m + HPAGE_SIZE));
		EXPECT_EQ(0UL, peek(m));
		/* Refaulted: from the reserve, or (failed) from the free pages. */
		p = pool_now();
		EXPECT_EQ(p1.rsvd, p.rsvd);
		EXPECT_EQ(p1.free, p.free);
		ASSERT_EQ(0, munmap(m, 2 * HPAGE_SIZE));
		p = pool_now();
		EXPECT_EQ(p0.rsvd, p.rsvd);
		EXPECT_EQ(p0.free, p.free);
		if (!hit)
			break;
		failed++;
	}
	/* The zap allocates once here: the sweep must have failed it. */
	EXPECT_LT(0, failed);

	for (n = 1; n <= 64; n++) {
		m = resv_consumed(fd);
		ASSERT_NE(NULL, m);
		hit = zap_fail_nth(m, true, n, &rc);
		TH_LOG("munmap, fail-nth %u: %s, rc %d", n, hit ? "failed" : "no failure", rc);
		if (rc) {
			EXPECT_EQ(ENOMEM, errno);
			ASSERT_EQ(0, munmap(m, 2 * HPAGE_SIZE));
		}
		p = pool_now();
		EXPECT_EQ(p0.rsvd, p.rsvd);
		EXPECT_EQ(p0.free, p.free);
		if (!hit)
			break;
	}
	EXPECT_GE(64U, n) TH_LOG("munmap made more than 64 allocations");
out:
	if (fail_nth_fd >= 0)
		close(fail_nth_fd);
	close(fd);
}

TEST_HARNESS_MAIN
