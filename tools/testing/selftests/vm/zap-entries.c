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
 * Each test skips with a reason when the kernel or machine lacks what it
 * needs: MADV_HWPOISON needs CONFIG_MEMORY_FAILURE and CAP_SYS_ADMIN,
 * move_pages() needs CONFIG_NUMA and a second node (numa=fake=2 works).
 */
#define _GNU_SOURCE
#include <errno.h>
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

TEST_HARNESS_MAIN
