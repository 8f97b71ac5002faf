// SPDX-License-Identifier: GPL-2.0
/*
 * userfaultfd write-protect (uffd-wp) persistence on shmem and hugetlbfs.
 *
 * On file-backed memory a write-protected page can lose its page table
 * entry (MADV_DONTNEED, swap-out, hole punch, truncation) while the data
 * stays in the page cache.  With CONFIG_PTE_MARKER_UFFD_WP the kernel then
 * leaves a PTE marker (PTE_MARKER_UFFD_WP) so that the protection survives
 * the zap; the next write must still be reported to the uffd handler.
 *
 * For every check the effect is asserted, not only the pagemap bit: reads
 * must not raise events, writes must raise exactly one WP|WRITE event (or
 * none, or SIGBUS), and the data read back must be the expected one.
 *
 * Behaviours that changed upstream over time are gathered in the
 * EXPECT_* macros below so that they can be flipped in one place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "uffd-wp-util.h"

/*
 * The harness' __TEST_F_IMPL() keeps "pid_t child" across setjmp(); with
 * gcc 12 -O2 -Wextra that warns in some wrappers depending on inlining.
 * Nothing in this file relies on locals surviving a longjmp (write_byte()
 * returns right after its sigsetjmp()).
 */
#pragma GCC diagnostic ignored "-Wclobbered"


/*
 * close(uffd): userfaultfd_release() -> userfaultfd_release_all() ->
 * userfaultfd_clear_vma() -> uffd_wp_range(..., false) drops wp bits and
 * markers (present in 6.12.y and 6.18).  Set to 0 for kernels where
 * release only reset the vma flags and left stale wp bits/markers behind.
 */
#define EXPECT_CLOSE_CLEARS_WP		1
/*
 * mremap() without UFFD_FEATURE_EVENT_REMAP: upstream "mm: clear uffd-wp
 * PTE/PMD state on mremap()" makes move_ptes()/move_huge_pte() clear wp
 * bits and drop markers (vma_has_uffd_without_event_remap()); it is in
 * 6.12.y (stable backport) and 6.18.  Set to 0 for kernels that move the
 * stale wp state along with the ptes.
 */
#define EXPECT_MREMAP_CLEARS_WP		1
/*
 * fallocate(PUNCH_HOLE)/MADV_REMOVE on shmem and hugetlbfs: the design
 * intent was to drop markers with the data, but shmem_fallocate() zaps with
 * unmap_mapping_range() and hugetlbfs_punch_hole() calls
 * hugetlb_vmdelete_list(..., 0): neither passes ZAP_FLAG_DROP_MARKER, and
 * truncate_inode_folio() only drops markers of still-mapped folios.  The C
 * code keeps the marker, and that is what is asserted.
 */
#define EXPECT_PUNCH_HOLE_KEEPS_WP	1
/*
 * ftruncate() shrink: shmem_setattr() zaps with unmap_mapping_range()
 * (markers stay, a later grow-back finds them), hugetlb_vmtruncate() passes
 * ZAP_FLAG_DROP_MARKER (markers go).
 */
#define EXPECT_SHMEM_TRUNCATE_KEEPS_WP	1
#define EXPECT_HUGETLB_TRUNCATE_KEEPS_WP	0

#define NR_PAGES		4	/* pages per test mapping */
#define NR_POPULATED		2	/* pages [0, NR_POPULATED) are written */
#define POLL_MS			20
#define CHILD_TIMEOUT_MS	20000
#define THP_PROT_PAGES		8	/* THP test: protect [0, 8) ... */
#define THP_ZAP_START		4	/* ... then zap [4, 12) */
#define THP_ZAP_END		12

#define WP_FAULT_FLAGS	\
	((__u64)(UFFD_PAGEFAULT_FLAG_WP | UFFD_PAGEFAULT_FLAG_WRITE))

enum mem_kind {
	MEM_MEMFD,
	MEM_SHMEM_ANON,
	MEM_TMPFS_FILE,
	MEM_HUGETLBFS,
};

enum write_expect {
	WRITE_WP_FAULT,		/* exactly one WP|WRITE event at the page */
	WRITE_NO_FAULT,		/* no event */
	WRITE_SIGBUS,		/* SIGBUS and no event */
};

struct uffd_handler {
	int uffd;
	unsigned long psize;	/* unit unprotected per fault */
	pthread_t thread;
	bool running;
	int stop;
	pthread_mutex_t lock;
	int nr_faults;
	int nr_forks;
	int nr_other;
	int err;
	unsigned long last_addr;
	__u64 last_flags;
	int fork_ufd;
};

struct wp_ctx {
	enum mem_kind kind;
	bool private;
	int fd;
	char *base;
	size_t psize;
	size_t len;
	int uffd;
	int pagemap_fd;
	struct uffd_handler h;
};

/*
 * Every test runs on one CPU (stay_on_one_cpu()): elsewhere MADV_PAGEOUT
 * missed folios now and then, and the test skipped with "pages did not
 * leave memory".
 */
__attribute__((constructor)) static void run_on_one_cpu(void)
{
	stay_on_one_cpu();
}

static sigjmp_buf sigbus_jmp;
static int sigbus_armed;	/* accessed with __atomic_*() */

static void sigbus_handler(int sig)
{
	if (__atomic_load_n(&sigbus_armed, __ATOMIC_RELAXED))
		siglongjmp(sigbus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Returns true if the write raised SIGBUS. GCC never inlines a function
 * that calls sigsetjmp(), so the jump buffer's frame outlives the write.
 */
static bool write_byte(char *p, char val)
{
	if (sigsetjmp(sigbus_jmp, 1)) {
		__atomic_store_n(&sigbus_armed, 0, __ATOMIC_SEQ_CST);
		return true;
	}
	__atomic_store_n(&sigbus_armed, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(p, val, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sigbus_armed, 0, __ATOMIC_SEQ_CST);
	return false;
}

static char read_byte(char *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static char pattern(int i)
{
	return 0x40 + i;
}

static char new_value(int i)
{
	return 0x60 + i;
}

static char child_value(int i)
{
	return 0x20 + i;
}

/* Data of page i right after setup: only [0, NR_POPULATED) were written. */
static char initial_data(int i)
{
	return i < NR_POPULATED ? pattern(i) : 0;
}

static char *page_addr(struct wp_ctx *c, int i)
{
	return c->base + (size_t)i * c->psize;
}

/* A marker on shmem is a swap pte; hugetlb pagemap reports only the wp bit */
static int marker_swap_bit(struct wp_ctx *c)
{
	return c->kind == MEM_HUGETLBFS ? 0 : 1;
}

static bool swap_active(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;	/* first line is the header */
}

/* Value in kB of @field in the /proc/self/smaps entry covering @addr. */
static long smaps_kb(void *addr, const char *field)
{
	unsigned long start, end, a = (unsigned long)addr;
	bool in_vma = false;
	char line[512];
	long val = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in_vma)
				break;
			in_vma = a >= start && a < end;
			continue;
		}
		if (in_vma && !strncmp(line, field, strlen(field))) {
			val = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static bool kmsg_contains(int fd, const char *needle)
{
	char buf[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;
		buf[n] = '\0';
		if (strstr(buf, needle))
			return true;
	}
}

/* ---- userfaultfd helpers ---- */

/* Features offered by this kernel, 0 if userfaultfd is unusable. */
static __u64 uffd_features(void)
{
	__u64 features = 0;
	int fd = uffd_open(0, &features);

	if (fd < 0)
		return 0;
	close(fd);
	return features;
}

static void handle_msg(struct uffd_handler *h, struct uffd_msg *msg)
{
	unsigned long addr;

	pthread_mutex_lock(&h->lock);
	switch (msg->event) {
	case UFFD_EVENT_PAGEFAULT:
		addr = msg->arg.pagefault.address;
		/* record before resolving: the faulting write waits for it */
		h->nr_faults++;
		h->last_addr = addr;
		h->last_flags = msg->arg.pagefault.flags;
		pthread_mutex_unlock(&h->lock);
		if (uffd_wp(h->uffd, addr & ~(h->psize - 1), h->psize, false)) {
			pthread_mutex_lock(&h->lock);
			h->err = errno;
			pthread_mutex_unlock(&h->lock);
		}
		return;
	case UFFD_EVENT_FORK:
		h->nr_forks++;
		h->fork_ufd = msg->arg.fork.ufd;
		break;
	default:
		h->nr_other++;
		break;
	}
	pthread_mutex_unlock(&h->lock);
}

static void *handler_thread(void *arg)
{
	struct uffd_handler *h = arg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		/* bounded wait: re-check the stop flag every POLL_MS */
		if (poll(&pfd, 1, POLL_MS) <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP))
			break;
		if (read(h->uffd, &msg, sizeof(msg)) == sizeof(msg))
			handle_msg(h, &msg);
	}
	return NULL;
}

static int handler_start(struct uffd_handler *h, int uffd, size_t psize)
{
	memset(h, 0, sizeof(*h));
	h->uffd = uffd;
	h->psize = psize;
	h->fork_ufd = -1;
	pthread_mutex_init(&h->lock, NULL);
	if (pthread_create(&h->thread, NULL, handler_thread, h))
		return -1;
	h->running = true;
	return 0;
}

static void handler_stop(struct uffd_handler *h)
{
	if (!h->running)
		return;
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	pthread_join(h->thread, NULL);
	h->running = false;
}

static void handler_snapshot(struct uffd_handler *h, struct uffd_handler *s)
{
	pthread_mutex_lock(&h->lock);
	s->nr_faults = h->nr_faults;
	s->nr_forks = h->nr_forks;
	s->nr_other = h->nr_other;
	s->err = h->err;
	s->last_addr = h->last_addr;
	s->last_flags = h->last_flags;
	s->fork_ufd = h->fork_ufd;
	pthread_mutex_unlock(&h->lock);
}

/*
 * fork() returns once the handler's read() consumed UFFD_EVENT_FORK, which
 * may be just before the handler recorded it: wait, bounded, for that.
 */
static int handler_wait_fork_ufd(struct uffd_handler *h, int timeout_ms)
{
	struct uffd_handler s;
	int waited;

	for (waited = 0; waited < timeout_ms; waited++) {
		handler_snapshot(h, &s);
		if (s.nr_forks)
			return s.fork_ufd;
		usleep(1000);
	}
	return -1;
}

static int handler_faults(struct uffd_handler *h)
{
	struct uffd_handler s;

	handler_snapshot(h, &s);
	return s.nr_faults;
}

/* ---- assertions on one page ---- */

/* Pagemap bits of @p; -1 means "don't care". */
static void expect_pagemap(struct __test_metadata *_metadata, struct wp_ctx *c,
			   char *p, int present, int swap, int wp,
			   const char *why)
{
	uint64_t e = pagemap_read(c->pagemap_fd, p);

	ASSERT_NE(~0ULL, e);
	if (present >= 0)
		ASSERT_EQ(present, !!(e & PM_PRESENT))
			TH_LOG("%s: %p pagemap %#llx: present",
			       why, p, (unsigned long long)e);
	if (swap >= 0)
		ASSERT_EQ(swap, !!(e & PM_SWAP))
			TH_LOG("%s: %p pagemap %#llx: swap",
			       why, p, (unsigned long long)e);
	if (wp >= 0)
		ASSERT_EQ(wp, !!(e & PM_UFFD_WP))
			TH_LOG("%s: %p pagemap %#llx: uffd-wp",
			       why, p, (unsigned long long)e);
}

static void expect_write(struct __test_metadata *_metadata, struct wp_ctx *c,
			 char *p, char val, enum write_expect exp,
			 const char *why)
{
	struct uffd_handler before, after;
	bool sigbus;

	handler_snapshot(&c->h, &before);
	sigbus = write_byte(p, val);
	/*
	 * A WP fault blocks the write until the handler has recorded the
	 * event and resolved it, so the counters are final here.
	 */
	handler_snapshot(&c->h, &after);
	ASSERT_EQ(0, after.err) TH_LOG("%s: UFFDIO_WRITEPROTECT in handler", why);
	ASSERT_EQ(exp == WRITE_SIGBUS, sigbus) TH_LOG("%s: %p SIGBUS", why, p);
	ASSERT_EQ(before.nr_faults + (exp == WRITE_WP_FAULT), after.nr_faults)
		TH_LOG("%s: %p number of WP faults", why, p);
	if (exp != WRITE_WP_FAULT)
		return;
	ASSERT_EQ((unsigned long)p, after.last_addr & ~(c->psize - 1))
		TH_LOG("%s: fault address", why);
	ASSERT_EQ(WP_FAULT_FLAGS, after.last_flags & WP_FAULT_FLAGS)
		TH_LOG("%s: fault flags %#llx", why,
		       (unsigned long long)after.last_flags);
	ASSERT_EQ(val, read_byte(p)) TH_LOG("%s: data after write", why);
}

/* A read must never raise an event. */
static void expect_read(struct __test_metadata *_metadata, struct wp_ctx *c,
			char *p, char data, const char *why)
{
	int before = handler_faults(&c->h);

	ASSERT_EQ(data, read_byte(p)) TH_LOG("%s: %p data", why, p);
	ASSERT_EQ(before, handler_faults(&c->h)) TH_LOG("%s: read faulted", why);
}

/*
 * Page @i is write-protected: either a present wp pte (@mapped) or a
 * PTE marker.  Check the bits, that a read keeps wp, that a write raises
 * one WP|WRITE fault and that the protection is gone afterwards.
 */
static void check_protected(struct __test_metadata *_metadata,
			    struct wp_ctx *c, int i, char data, bool mapped,
			    const char *why)
{
	char *p = page_addr(c, i);

	if (mapped)
		expect_pagemap(_metadata, c, p, 1, 0, 1, why);
	else	/* marker: not present, uffd-wp (and swap on shmem) */
		expect_pagemap(_metadata, c, p, 0, marker_swap_bit(c), 1, why);
	expect_read(_metadata, c, p, data, why);
	/*
	 * A read of a marker maps the page read-only and keeps wp:
	 * finish_fault()/set_pte_range() and hugetlb_no_page() apply
	 * pte_mkuffd_wp() when the original pte was a uffd-wp marker.
	 */
	expect_pagemap(_metadata, c, p, 1, 0, 1, why);
	/* do_wp_page()/hugetlb_wp() -> handle_userfault(VM_UFFD_WP) */
	expect_write(_metadata, c, p, new_value(i), WRITE_WP_FAULT, why);
	/* the handler's UFFDIO_WRITEPROTECT(mode 0) resolved it */
	expect_pagemap(_metadata, c, p, 1, 0, 0, why);
}

/* Page @i carries @wp (stale or none) but no write may raise an event. */
static void check_unprotected(struct __test_metadata *_metadata,
			      struct wp_ctx *c, int i, char data, int wp,
			      const char *why)
{
	char *p = page_addr(c, i);

	expect_pagemap(_metadata, c, p, -1, -1, wp, why);
	expect_read(_metadata, c, p, data, why);
	expect_write(_metadata, c, p, new_value(i), WRITE_NO_FAULT, why);
	ASSERT_EQ(new_value(i), read_byte(p)) TH_LOG("%s: data", why);
}

/* ---- memory setup ---- */

static const char *tmpfs_dir(void)
{
	static const char * const dirs[] = { "/tmp", "/dev/shm" };
	struct statfs sfs;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!statfs(dirs[i], &sfs) && sfs.f_type == TMPFS_MAGIC)
			return dirs[i];
	return NULL;
}

/* Unlinked file on a private hugetlbfs mount, or -1 with *why set. */
static int hugetlbfs_file(const char **why)
{
	if (meminfo_value("Hugepagesize:") != HPAGE_SIZE >> 10) {
		*why = "default huge page size is not 2M";
		return -1;
	}
	if (meminfo_value("HugePages_Free:") < NR_PAGES) {
		*why = "not enough free 2M hugetlb pages (HugePages_Free)";
		return -1;
	}
	return hugetlbfs_tmpfile(why);
}

/* Map c->len bytes of the variant's memory at c->base. */
static bool map_mem(struct __test_metadata *_metadata, struct wp_ctx *c)
{
	int flags = c->private ? MAP_PRIVATE : MAP_SHARED;

	if (c->kind == MEM_SHMEM_ANON)
		flags |= MAP_ANONYMOUS;
	c->base = mmap(NULL, c->len, PROT_READ | PROT_WRITE, flags, c->fd, 0);
	if (c->base == MAP_FAILED) {
		c->base = NULL;
		SKIP(return false, "mmap: %s", strerror(errno));
	}
	return true;
}

static bool open_mem(struct __test_metadata *_metadata, struct wp_ctx *c)
{
	const char *why = NULL, *dir;

	c->psize = c->kind == MEM_HUGETLBFS ? HPAGE_SIZE : (size_t)getpagesize();
	c->len = NR_PAGES * c->psize;
	switch (c->kind) {
	case MEM_MEMFD:
		c->fd = memfd_create("uffd-wp-persist", MFD_CLOEXEC);
		break;
	case MEM_SHMEM_ANON:
		c->fd = -1;
		return true;
	case MEM_TMPFS_FILE:
		dir = tmpfs_dir();
		if (!dir)
			SKIP(return false, "neither /tmp nor /dev/shm is tmpfs");
		c->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		break;
	case MEM_HUGETLBFS:
		c->fd = hugetlbfs_file(&why);
		if (c->fd < 0)
			SKIP(return false, "%s", why);
		break;
	}
	ASSERT_LE(0, c->fd);
	ASSERT_EQ(0, ftruncate(c->fd, c->len));
	return true;
}

static void ctx_init(struct wp_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->uffd = -1;
	c->pagemap_fd = -1;
}

static void ctx_cleanup(struct wp_ctx *c)
{
	handler_stop(&c->h);
	if (c->uffd >= 0)
		close(c->uffd);
	if (c->base)
		munmap(c->base, c->len);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pagemap_fd >= 0)
		close(c->pagemap_fd);
	ctx_init(c);
}

/* Common start of a test: SKIP unless uffd-wp on shmem/hugetlbfs works. */
static bool check_uffd(struct __test_metadata *_metadata, __u64 features)
{
	__u64 offered = uffd_features();

	if (!offered)
		SKIP(return false, "userfaultfd unavailable");
	if (!(offered & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		SKIP(return false, "no uffd-wp support");
	if ((features & offered) != features)
		SKIP(return false,
		     "UFFDIO_API lacks features %#llx (CONFIG_PTE_MARKER_UFFD_WP=n?)",
		     (unsigned long long)(features & ~offered));
	return true;
}

static void setup_uffd(struct __test_metadata *_metadata, struct wp_ctx *c,
		       __u64 features, size_t fault_unit)
{
	struct sigaction sa = { .sa_handler = sigbus_handler };

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	c->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, c->pagemap_fd);
	c->uffd = uffd_open(features, NULL);
	ASSERT_LE(0, c->uffd);
	ASSERT_EQ(0, uffd_register_wp(c->uffd, c->base, c->len))
		TH_LOG("UFFDIO_REGISTER(MODE_WP): %s", strerror(errno));
	ASSERT_EQ(0, handler_start(&c->h, c->uffd, fault_unit));
}

/*
 * Map NR_PAGES pages, write [0, NR_POPULATED), register the range for
 * uffd-wp with @features and write-protect all of it: the populated pages
 * get wp ptes, the never-populated ones get markers.
 */
static bool prepare(struct __test_metadata *_metadata, struct wp_ctx *c,
		    __u64 features)
{
	int i;

	features |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	if (!check_uffd(_metadata, features))
		return false;
	if (!open_mem(_metadata, c) || !map_mem(_metadata, c))
		return false;
	for (i = 0; i < NR_POPULATED; i++)
		*page_addr(c, i) = pattern(i);
	setup_uffd(_metadata, c, features, c->psize);
	ASSERT_EQ(0, uffd_wp(c->uffd, (unsigned long)c->base, c->len, true))
		TH_LOG("UFFDIO_WRITEPROTECT: %s", strerror(errno));
	return true;
}

/* The state right after prepare(). */
static void check_all_protected(struct __test_metadata *_metadata,
				struct wp_ctx *c, const char *why)
{
	int i;

	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i, initial_data(i),
				i < NR_POPULATED, why);
}

FIXTURE(wp) {
	struct wp_ctx c;
};

FIXTURE_VARIANT(wp) {
	enum mem_kind kind;
	bool private;
};

FIXTURE_VARIANT_ADD(wp, memfd_shared) {
	.kind = MEM_MEMFD,
};

FIXTURE_VARIANT_ADD(wp, shmem_anon_shared) {
	.kind = MEM_SHMEM_ANON,
};

FIXTURE_VARIANT_ADD(wp, tmpfs_file) {
	.kind = MEM_TMPFS_FILE,
};

FIXTURE_VARIANT_ADD(wp, hugetlbfs) {
	.kind = MEM_HUGETLBFS,
};

FIXTURE_VARIANT_ADD(wp, memfd_private) {
	.kind = MEM_MEMFD,
	.private = true,
};

FIXTURE_VARIANT_ADD(wp, tmpfs_private) {
	.kind = MEM_TMPFS_FILE,
	.private = true,
};

FIXTURE_SETUP(wp)
{
	ctx_init(&self->c);
	self->c.kind = variant->kind;
	self->c.private = variant->private;
}

FIXTURE_TEARDOWN(wp)
{
	ctx_cleanup(&self->c);
}

/* Write-protecting a none pte on shmem/hugetlbfs installs a marker. */
TEST_F_TIMEOUT(wp, protect, 30)
{
	if (!prepare(_metadata, &self->c, 0))
		return;
	check_all_protected(_metadata, &self->c,
			    "UFFDIO_WRITEPROTECT: wp ptes and markers");
}

TEST_F_TIMEOUT(wp, madv_dontneed, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, madvise(c->base, c->len, MADV_DONTNEED));
	/*
	 * zap_install_uffd_wp_if_needed() / __unmap_hugepage_range() leave a
	 * marker (no ZAP_FLAG_DROP_MARKER).  Shared data stays in the page
	 * cache; a private mapping loses its COW copy and sees the file.
	 */
	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i,
				c->private ? 0 : initial_data(i), false,
				"MADV_DONTNEED keeps the marker");
}

TEST_F_TIMEOUT(wp, madv_pageout, 30)
{
	struct wp_ctx *c = &self->c;
	bool resident = true;
	int i, try;

	if (variant->kind == MEM_HUGETLBFS)
		SKIP(return, "MADV_PAGEOUT does not apply to hugetlb");
	if (!swap_active())
		SKIP(return, "no active swap in /proc/swaps");
	if (!prepare(_metadata, c, 0))
		return;
	for (try = 0; try < 3 && resident; try++) {
		if (madvise(c->base, c->len, MADV_PAGEOUT))
			SKIP(return, "MADV_PAGEOUT: %s", strerror(errno));
		resident = false;
		for (i = 0; i < NR_POPULATED; i++)
			if (pagemap_read(c->pagemap_fd, page_addr(c, i)) &
			    PM_PRESENT)
				resident = true;
	}
	if (resident)
		SKIP(return, "pages did not leave memory on MADV_PAGEOUT");
	if (smaps_kb(c->base, "Swap:") <= 0)
		SKIP(return, "pages were unmapped but not swapped out");
	/*
	 * try_to_unmap_one() installs a marker for the shmem pte (or a
	 * uffd-wp swap pte for a private COW page); swap-in keeps the data.
	 */
	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i, initial_data(i), false,
				"MADV_PAGEOUT keeps the marker");
}

/* After a hole punch (fallocate or MADV_REMOVE) over the whole range. */
static void check_after_hole(struct __test_metadata *_metadata,
			     struct wp_ctx *c, const char *why)
{
	int i;

	for (i = 0; i < NR_PAGES; i++) {
		if (EXPECT_PUNCH_HOLE_KEEPS_WP)
			check_protected(_metadata, c, i, 0, false, why);
		else
			check_unprotected(_metadata, c, i, 0, 0, why);
	}
}

/*
 * A hole punch under a private mapping: unmap_mapping_range() passes
 * even_cows = false, so zap_pte_range() keeps the COWed pages
 * (should_zap_folio() of an anon folio, or should_zap_cows() of a swap
 * entry) with their private data and uffd-wp; never-written pages keep
 * their marker (file vma, no ZAP_FLAG_DROP_MARKER) and read the hole.
 */
static void check_private_after_hole(struct __test_metadata *_metadata,
				     struct wp_ctx *c, bool swapped,
				     const char *why)
{
	int i;

	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i, initial_data(i),
				i < NR_POPULATED && !swapped, why);
}

static void punch(struct __test_metadata *_metadata, struct wp_ctx *c)
{
	ASSERT_EQ(0, fallocate(c->fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, c->len));
}

TEST_F_TIMEOUT(wp, punch_hole, 30)
{
	struct wp_ctx *c = &self->c;

	if (variant->kind == MEM_SHMEM_ANON)
		SKIP(return, "no file descriptor to fallocate()");
	if (!prepare(_metadata, c, 0))
		return;
	punch(_metadata, c);
	if (variant->private) {
		check_private_after_hole(_metadata, c, false,
					 "hole punch keeps private COW pages");
		return;
	}
	/* data is gone (zero), the marker is kept: EXPECT_PUNCH_HOLE_KEEPS_WP */
	check_after_hole(_metadata, c, "fallocate(PUNCH_HOLE) keeps the marker");
}

TEST_F_TIMEOUT(wp, punch_hole_swapped, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!variant->private)
		SKIP(return, "only private COW pages become swap entries");
	if (!swap_active())
		SKIP(return, "no active swap in /proc/swaps");
	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, madvise(c->base, NR_POPULATED * c->psize, MADV_PAGEOUT));
	for (i = 0; i < NR_POPULATED; i++)
		if (pagemap_read(c->pagemap_fd, page_addr(c, i)) & PM_PRESENT)
			SKIP(return, "pages did not leave memory on MADV_PAGEOUT");
	punch(_metadata, c);
	check_private_after_hole(_metadata, c, true,
				 "hole punch keeps private swap entries");
}

/*
 * Pages of a private mapping that were read, not written, map the file's
 * own folios: a hole punch must zap them (should_zap_folio() of a file
 * folio, even without even_cows) and re-arm their marker; they then read
 * the hole.  The written (COWed) pages keep their private data.
 */
TEST_F_TIMEOUT(wp, punch_hole_read_private, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!variant->private)
		SKIP(return, "only private mappings keep pages across a hole punch");
	if (!prepare(_metadata, c, 0))
		return;
	for (i = NR_POPULATED; i < NR_PAGES; i++) {
		ASSERT_EQ(1, pwrite(c->fd, (char[]){ child_value(i) }, 1,
				    (off_t)i * c->psize));
		/* the marker's read fault maps the file page, still wp */
		ASSERT_EQ(child_value(i), read_byte(page_addr(c, i)));
		expect_pagemap(_metadata, c, page_addr(c, i), 1, 0, 1,
			       "file page read through the private mapping");
	}
	punch(_metadata, c);
	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i, initial_data(i),
				i < NR_POPULATED,
				"hole punch zaps the file pages of a private mapping");
}

/*
 * COWed pages of a private file mapping, swapped out while protected
 * (try_to_unmap_one() keeps uffd-wp in the swap pte), then zapped by
 * MADV_DONTNEED: zap_nonpresent_ptes() frees the swap entries and,
 * the vma being file-backed, zap_install_uffd_wp_if_needed() re-arms a
 * marker from the swap pte's uffd-wp bit.  The page then reads the file
 * (the COW data is gone) and a write still raises the WP fault.
 */
TEST_F_TIMEOUT(wp, dontneed_swapped, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!variant->private)
		SKIP(return, "only private COW pages become swap entries");
	if (!swap_active())
		SKIP(return, "no active swap in /proc/swaps");
	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, madvise(c->base, NR_POPULATED * c->psize, MADV_PAGEOUT));
	for (i = 0; i < NR_POPULATED; i++) {
		if (pagemap_read(c->pagemap_fd, page_addr(c, i)) & PM_PRESENT)
			SKIP(return, "pages did not leave memory on MADV_PAGEOUT");
		expect_pagemap(_metadata, c, page_addr(c, i), 0, 1, 1,
			       "swapped out with uffd-wp");
	}
	ASSERT_EQ(0, madvise(c->base, c->len, MADV_DONTNEED));
	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i, 0, false,
				"MADV_DONTNEED of swapped COW pages re-arms markers");
}

TEST_F_TIMEOUT(wp, madv_remove, 30)
{
	struct wp_ctx *c = &self->c;

	if (variant->private)
		SKIP(return, "MADV_REMOVE needs a shared writable mapping");
	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, madvise(c->base, c->len, MADV_REMOVE));
	/* MADV_REMOVE is vfs_fallocate(PUNCH_HOLE | KEEP_SIZE) */
	check_after_hole(_metadata, c, "MADV_REMOVE keeps the marker");
}

TEST_F_TIMEOUT(wp, truncate, 30)
{
	struct wp_ctx *c = &self->c;
	bool keeps = variant->kind == MEM_HUGETLBFS ?
		     EXPECT_HUGETLB_TRUNCATE_KEEPS_WP :
		     EXPECT_SHMEM_TRUNCATE_KEEPS_WP;
	int i;

	if (variant->kind == MEM_SHMEM_ANON)
		SKIP(return, "no file descriptor to ftruncate()");
	if (!prepare(_metadata, c, 0))
		return;
	/* shrink to one page: page 0 stays, [1, NR_PAGES) are beyond EOF */
	ASSERT_EQ(0, ftruncate(c->fd, c->psize));
	expect_pagemap(_metadata, c, page_addr(c, 0), 1, 0, 1,
		       "page below EOF untouched by the shrink");
	for (i = 1; i < NR_PAGES; i++) {
		expect_pagemap(_metadata, c, page_addr(c, i), 0,
			       keeps ? marker_swap_bit(c) : 0, keeps,
			       "ftruncate shrink: marker (not) kept");
		/* beyond EOF the fault handler fails before any uffd event */
		expect_write(_metadata, c, page_addr(c, i), new_value(i),
			     WRITE_SIGBUS, "write beyond EOF");
	}
	ASSERT_EQ(0, ftruncate(c->fd, c->len));
	check_protected(_metadata, c, 0, initial_data(0), true,
			"page below EOF still protected");
	for (i = 1; i < NR_PAGES; i++) {
		if (keeps)
			check_protected(_metadata, c, i, 0, false,
					"grow back: marker still there");
		else
			check_unprotected(_metadata, c, i, 0, 0,
					  "truncate dropped the marker");
	}
}

TEST_F_TIMEOUT(wp, munmap_mmap, 30)
{
	struct wp_ctx *c = &self->c;
	/* only a shared file keeps the data across munmap */
	bool kept = variant->kind != MEM_SHMEM_ANON && !variant->private;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, munmap(c->base, c->len));
	c->base = NULL;
	if (!map_mem(_metadata, c))
		return;
	/* page tables (markers included) were freed; new vma unregistered */
	for (i = 0; i < NR_PAGES; i++)
		check_unprotected(_metadata, c, i, kept ? initial_data(i) : 0, 0,
				  "munmap + mmap: wp gone");
}

/* Child of a fork without EVENT_FORK: no wp at all.  Returns exit code. */
static int child_no_wp(struct wp_ctx *c)
{
	int fd = open("/proc/self/pagemap", O_RDONLY), i;

	if (fd < 0)
		return 1;
	for (i = 0; i < NR_PAGES; i++) {
		/* dup_userfaultfd() reset the vma; copy_*() dropped wp */
		if (pagemap_read(fd, page_addr(c, i)) & PM_UFFD_WP)
			return 10 + i;
		if (read_byte(page_addr(c, i)) != initial_data(i))
			return 20 + i;
		/* nobody handles faults in the child: must not block */
		*page_addr(c, i) = child_value(i);
		if (pagemap_read(fd, page_addr(c, i)) & PM_UFFD_WP)
			return 30 + i;
	}
	return 0;
}

TEST_F_TIMEOUT(wp, fork_no_event, 30)
{
	struct wp_ctx *c = &self->c;
	pid_t pid;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_no_wp(c));
	ASSERT_EQ(0, wait_child(pid, CHILD_TIMEOUT_MS))
		TH_LOG("child saw uffd-wp or wrong data");
	/* the parent keeps its wp ptes and markers; sees shared writes */
	for (i = 0; i < NR_PAGES; i++)
		check_protected(_metadata, c, i,
				variant->private ? initial_data(i) :
						   child_value(i),
				i < NR_POPULATED, "parent after fork");
}

static bool child_writes(int i)
{
	return i == 0 || i == NR_POPULATED;
}

/*
 * Child of a fork with EVENT_FORK: wp ptes and markers were copied
 * (copy_present_pte()/copy_pte_marker() keep them when the child vma is
 * registered).  Writes to pages 0 and NR_POPULATED fault on the child's
 * uffd and are resolved by the parent; the other pages keep their
 * protection when the child exits.
 */
static int child_event_fork(struct wp_ctx *c)
{
	int fd = open("/proc/self/pagemap", O_RDONLY), i;
	uint64_t e;

	if (fd < 0)
		return 1;
	for (i = 0; i < NR_PAGES; i++) {
		e = pagemap_read(fd, page_addr(c, i));
		if (!(e & PM_UFFD_WP))
			return 10 + i;
		if (!!(e & PM_PRESENT) != (i < NR_POPULATED))
			return 20 + i;
	}
	for (i = 0; i < NR_PAGES; i++) {
		if (!child_writes(i))
			continue;
		*page_addr(c, i) = child_value(i);
		if (pagemap_read(fd, page_addr(c, i)) & PM_UFFD_WP)
			return 30 + i;
	}
	return 0;
}

/* Fork with EVENT_FORK and serve the child's uffd until it exits. */
static void fork_with_event(struct __test_metadata *_metadata, struct wp_ctx *c)
{
	struct uffd_handler *ch, s;
	int status, ufd;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_event_fork(c));
	/* fork() only returns once the handler has read UFFD_EVENT_FORK */
	ufd = handler_wait_fork_ufd(&c->h, 1000);
	handler_snapshot(&c->h, &s);
	ASSERT_EQ(1, s.nr_forks);
	ASSERT_LE(0, ufd);
	ch = calloc(1, sizeof(*ch));
	ASSERT_NE(NULL, ch);
	ASSERT_EQ(0, handler_start(ch, ufd, c->psize));
	status = wait_child(pid, CHILD_TIMEOUT_MS);
	handler_stop(ch);
	close(ufd);
	handler_snapshot(ch, &s);
	free(ch);
	ASSERT_EQ(0, status) TH_LOG("child: wrong inherited wp state");
	ASSERT_EQ(0, s.err);
	ASSERT_EQ(2, s.nr_faults) TH_LOG("WP faults on the child's uffd");
	ASSERT_EQ(WP_FAULT_FLAGS, s.last_flags & WP_FAULT_FLAGS);
}

TEST_F_TIMEOUT(wp, fork_event, 30)
{
	struct wp_ctx *c = &self->c;
	char data;
	int kmsg, i;

	if (!prepare(_metadata, c, UFFD_FEATURE_EVENT_FORK))
		return;
	kmsg = kmsg_open();
	fork_with_event(_metadata, c);
	/* the child exited with wp ptes and markers: the parent's still work */
	for (i = 0; i < NR_PAGES; i++) {
		data = initial_data(i);
		if (!variant->private && child_writes(i))
			data = child_value(i);
		check_protected(_metadata, c, i, data, i < NR_POPULATED,
				"parent after child exit");
	}
	/* the harness also greps the console for it */
	if (kmsg >= 0) {
		ASSERT_FALSE(kmsg_contains(kmsg, "Bad rss-counter"));
		close(kmsg);
	}
}

TEST_F_TIMEOUT(wp, mprotect, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	ASSERT_EQ(0, mprotect(c->base, c->len, PROT_READ));
	/* change_pte_range() without MM_CP_UFFD_WP* leaves wp state alone */
	for (i = 0; i < NR_PAGES; i++)
		expect_pagemap(_metadata, c, page_addr(c, i), i < NR_POPULATED,
			       i < NR_POPULATED ? 0 : marker_swap_bit(c), 1,
			       "mprotect(PROT_READ)");
	ASSERT_EQ(0, mprotect(c->base, c->len, PROT_READ | PROT_WRITE));
	/* can_change_pte_writable() refuses uffd-wp ptes */
	check_all_protected(_metadata, c, "mprotect back to read-write");
}

TEST_F_TIMEOUT(wp, unregister, 30)
{
	struct wp_ctx *c = &self->c;
	struct uffdio_range range;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	range.start = (unsigned long)c->base;
	range.len = c->len;
	ASSERT_EQ(0, ioctl(c->uffd, UFFDIO_UNREGISTER, &range));
	/* userfaultfd_clear_vma() -> uffd_wp_range(false) clears everything */
	for (i = 0; i < NR_PAGES; i++)
		check_unprotected(_metadata, c, i, initial_data(i), 0,
				  "UFFDIO_UNREGISTER clears wp");
}

TEST_F_TIMEOUT(wp, close_uffd, 30)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	handler_stop(&c->h);
	ASSERT_EQ(0, close(c->uffd));
	c->uffd = -1;
	/* EXPECT_CLOSE_CLEARS_WP: release resets ptes like unregister */
	for (i = 0; i < NR_PAGES; i++)
		check_unprotected(_metadata, c, i, initial_data(i),
				  !EXPECT_CLOSE_CLEARS_WP,
				  "close(uffd) clears wp");
}

TEST_F_TIMEOUT(wp, mremap, 30)
{
	struct wp_ctx *c = &self->c;
	uintptr_t area;
	void *p;
	int i;

	if (!prepare(_metadata, c, 0))
		return;
	/* psize-aligned destination (hugetlb mremap needs it) */
	p = mmap(NULL, c->len + c->psize, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	area = ((uintptr_t)p + c->psize - 1) & ~(uintptr_t)(c->psize - 1);
	p = mremap(c->base, c->len, c->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)area);
	ASSERT_EQ((void *)area, p) TH_LOG("mremap: %s", strerror(errno));
	c->base = p;
	/* EXPECT_MREMAP_CLEARS_WP: no EVENT_REMAP, the new vma is unregistered */
	for (i = 0; i < NR_PAGES; i++)
		check_unprotected(_metadata, c, i, initial_data(i),
				  !EXPECT_MREMAP_CLEARS_WP,
				  "mremap without EVENT_REMAP clears wp");
}

/*
 * Anonymous private memory: without UFFD_FEATURE_WP_UNPOPULATED no marker
 * is ever installed on anon vmas (userfaultfd_wp_use_markers()), and
 * zap_install_uffd_wp_if_needed() drops everything on anon zaps.
 */
TEST(anon_private_dontneed)
{
	struct wp_ctx c;
	int i;

	if (!check_uffd(_metadata, 0))
		return;
	ctx_init(&c);
	c.psize = getpagesize();
	c.len = NR_PAGES * c.psize;
	c.base = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c.base);
	for (i = 0; i < NR_POPULATED; i++)
		*page_addr(&c, i) = pattern(i);
	setup_uffd(_metadata, &c, 0, c.psize);
	ASSERT_EQ(0, uffd_wp(c.uffd, (unsigned long)c.base, c.len, true));
	for (i = 0; i < NR_PAGES; i++)
		expect_pagemap(_metadata, &c, page_addr(&c, i),
			       i < NR_POPULATED, 0, i < NR_POPULATED,
			       "anon: wp on populated ptes only");
	ASSERT_EQ(0, madvise(c.base, c.len, MADV_DONTNEED));
	for (i = 0; i < NR_PAGES; i++) {
		expect_pagemap(_metadata, &c, page_addr(&c, i), 0, 0, 0,
			       "anon MADV_DONTNEED drops wp");
		check_unprotected(_metadata, &c, i, 0, 0,
				  "anon MADV_DONTNEED drops wp");
	}
	ctx_cleanup(&c);
}

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

FIXTURE(thp) {
	struct wp_ctx c;
	char saved[32];		/* shmem_enabled to restore, or "" */
};

FIXTURE_SETUP(thp)
{
	ctx_init(&self->c);
	self->saved[0] = '\0';
}

FIXTURE_TEARDOWN(thp)
{
	int fd;

	ctx_cleanup(&self->c);
	if (!self->saved[0])
		return;
	fd = open(THP_SYSFS, O_WRONLY);
	if (fd < 0 || write(fd, self->saved, strlen(self->saved)) < 0)
		TH_LOG("could not restore " THP_SYSFS " to %s", self->saved);
	if (fd >= 0)
		close(fd);
}

/* Make MADV_HUGEPAGE effective for memfd; remember what to restore. */
static bool thp_enable_advise(char *saved, size_t size)
{
	char buf[128], *s, *e;
	int fd = open(THP_SYSFS, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		goto fail;
	buf[n] = '\0';
	s = strchr(buf, '[');
	e = s ? strchr(s, ']') : NULL;
	if (!e)
		goto fail;
	*e = '\0';
	s++;
	if (!strcmp(s, "always") || !strcmp(s, "within_size") ||
	    !strcmp(s, "advise") || !strcmp(s, "force")) {
		close(fd);
		return true;
	}
	if (write(fd, "advise", 6) != 6)
		goto fail;
	snprintf(saved, size, "%s", s);
	close(fd);
	return true;
fail:
	close(fd);
	return false;
}

/*
 * A PMD-mapped shmem THP, write-protected in part: change_pmd_range()
 * splits the PMD (pgtable_split_needed(): file THP + MM_CP_UFFD_WP), which
 * for file memory zaps it, then change_pte_range() installs markers on the
 * protected part only.  A partial MADV_DONTNEED then keeps the markers of
 * the protected pages and leaves the others unprotected.
 */
/* Map a PMD-mapped shmem THP (memfd) filled with a pattern. */
static bool map_thp(struct __test_metadata *_metadata, struct wp_ctx *c)
{
	size_t i, nr;
	void *area;

	c->kind = MEM_MEMFD;
	c->psize = getpagesize();
	c->len = HPAGE_SIZE;
	nr = c->len / c->psize;
	c->fd = memfd_create("uffd-wp-persist-thp", MFD_CLOEXEC);
	ASSERT_LE(0, c->fd);
	ASSERT_EQ(0, ftruncate(c->fd, c->len));
	area = mmap(NULL, 2 * HPAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	area = (void *)(((uintptr_t)area + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1));
	c->base = mmap(area, c->len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, c->fd, 0);
	ASSERT_EQ(area, c->base);
	if (madvise(c->base, c->len, MADV_HUGEPAGE))
		SKIP(return false, "MADV_HUGEPAGE: %s", strerror(errno));
	for (i = 0; i < nr; i++)
		*page_addr(c, i) = pattern(i % 32);
	if (smaps_kb(c->base, "ShmemPmdMapped:") <= 0 &&
	    smaps_kb(c->base, "FilePmdMapped:") <= 0)
		SKIP(return false, "no PMD-mapped shmem THP obtained");
	return true;
}

TEST_F_TIMEOUT(thp, partial_protect_partial_zap, 30)
{
	const __u64 features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
	struct wp_ctx *c = &self->c;
	size_t i;
	int thp;

	if (!check_uffd(_metadata, features))
		return;
	if (!thp_enable_advise(self->saved, sizeof(self->saved)))
		SKIP(return, "cannot enable shmem THP in " THP_SYSFS);
	if (!map_thp(_metadata, c))
		return;
	setup_uffd(_metadata, c, features, c->psize);
	ASSERT_EQ(0, uffd_wp(c->uffd, (unsigned long)c->base,
			     THP_PROT_PAGES * c->psize, true));
	for (i = 0; i < c->len / c->psize; i += (i < THP_ZAP_END) ? 1 : 61)
		expect_pagemap(_metadata, c, page_addr(c, i), 0,
			       i < THP_PROT_PAGES, i < THP_PROT_PAGES,
			       "partial wp of a THP: markers on that part");
	ASSERT_EQ(0, madvise(page_addr(c, THP_ZAP_START),
			     (THP_ZAP_END - THP_ZAP_START) * c->psize,
			     MADV_DONTNEED));
	/* the protected pages keep markers, inside and outside the zap */
	check_protected(_metadata, c, 0, pattern(0), false,
			"THP part protected, not zapped");
	thp = page_is_thp(c->pagemap_fd, page_addr(c, 0));
	if (thp >= 0)
		TH_LOG("page 0 %s part of a THP after the partial zap",
		       thp ? "is still" : "is no longer");
	check_protected(_metadata, c, THP_ZAP_START + 1,
			pattern(THP_ZAP_START + 1), false,
			"THP part protected and zapped");
	check_unprotected(_metadata, c, THP_PROT_PAGES + 1,
			  pattern(THP_PROT_PAGES + 1), 0,
			  "THP part unprotected and zapped");
	check_unprotected(_metadata, c, 100, pattern(100 % 32), 0,
			  "THP part unprotected, not zapped");
}

/* ---- large folios zapped in batches, and the rss counters ---- */

/*
 * zap_present_ptes() takes all the ptes of a large folio in one batch
 * (folio_pte_batch()), zap_nonpresent_ptes() consecutive swap entries;
 * each batch must leave a marker on every protected pte and move the rss
 * counters by its length.  The tests below check every page of the
 * zapped ranges (pagemap, data, the WP fault) and /proc/self/status.
 */
#define MTHP_PAGES	16	/* pages per 64K folio (4K pages) */
#define BIG_PAGES	512	/* 2 MiB: one PMD THP; rss moves well beyond the slack */

/*
 * The rss counters are per-cpu counters: /proc/self/status reads their
 * global part, off by less than the batch (percpu_counter_batch: 32, or
 * twice the CPUs) on each CPU that changed them; the tests run on one
 * (run_on_one_cpu()).  The deltas they expect are 60 pages and more.
 */
static long rss_slack_kb(void)
{
	long batch = 2 * sysconf(_SC_NPROCESSORS_CONF);

	return (batch > 32 ? batch : 32) * (getpagesize() / 1024);
}

#define ASSERT_RSS_DELTA(key, before, pages, why)			\
	do {								\
		const char *__key = (key);				\
		long __d = (before) - status_kb(__key);			\
		long __want = (long)(pages) * (getpagesize() / 1024);	\
		ASSERT_GE(rss_slack_kb(), labs(__d - __want))		\
			TH_LOG("%s: %s went down by %ld kB, not %ld",	\
			       why, __key, __d, __want);		\
	} while (0)

/* Whether the @nr pages at @i are one large folio each @per pages. */
static bool large_folios(struct wp_ctx *c, int i, int nr, int per)
{
	uint64_t e, pfn0 = 0;
	int j;

	for (j = 0; j < nr; j++) {
		e = pagemap_read(c->pagemap_fd, page_addr(c, i + j));
		if (page_is_thp(c->pagemap_fd, page_addr(c, i + j)) != 1)
			return false;
		if ((i + j) % per == 0)
			pfn0 = (e & PM_PFN_MASK) - (i + j) % per;
		else if ((e & PM_PFN_MASK) != pfn0 + (i + j) % per)
			return false;
	}
	return true;
}

static char big_data(int i)
{
	return pattern(i % 32);
}

/* Page ranges zapped by the large-folio tests: [first, end). */
struct range {
	int first, end;
};

/*
 * For 64K folios: a whole folio, the middle of one, a range that starts
 * and ends inside folios (crossing two boundaries) and a run of whole
 * folios; pages outside the ranges stay mapped.  For a PMD-sized THP the
 * same ranges fall inside one folio.
 */
static const struct range big_zaps[] = {
	{ 0, 16 }, { 20, 28 }, { 40, 72 }, { 128, 400 }, { 450, 452 },
};

/* private_cow_swapped_zap unmaps [BIG_UNMAP, BIG_PAGES), zapped by none */
#define BIG_UNMAP	452

static bool in_zaps(int i)
{
	unsigned int r;

	for (r = 0; r < ARRAY_SIZE(big_zaps); r++)
		if (i >= big_zaps[r].first && i < big_zaps[r].end)
			return true;
	return false;
}

static int zap_ranges(struct __test_metadata *_metadata, struct wp_ctx *c,
		      int advice)
{
	unsigned int r;
	int n = 0;

	for (r = 0; r < ARRAY_SIZE(big_zaps); r++) {
		ASSERT_EQ(0, madvise(page_addr(c, big_zaps[r].first),
				     (big_zaps[r].end - big_zaps[r].first) * c->psize,
				     advice));
		n += big_zaps[r].end - big_zaps[r].first;
	}
	return n;
}

/*
 * check_protected() on every zapped page, on the pages next to a zapped
 * range and on one in 8 of the others; the rest (mapped, protected, not
 * zapped) only their pagemap bits and data: each WP fault costs a round
 * trip to the handler thread.
 */
static void check_big_page(struct __test_metadata *_metadata, struct wp_ctx *c,
			   int i, char data, bool mapped, const char *why)
{
	if (!mapped || i % 8 == 0 || in_zaps(i - 1) || in_zaps(i + 1)) {
		check_protected(_metadata, c, i, data, mapped, why);
		return;
	}
	expect_pagemap(_metadata, c, page_addr(c, i), 1, 0, 1, why);
	expect_read(_metadata, c, page_addr(c, i), data, why);
}

/*
 * Protect the whole of @c (populated, large folios), zap big_zaps with
 * MADV_DONTNEED: every zapped page must carry a marker (its data stays
 * in the page cache), every other page its wp pte; RssShmem (or RssFile)
 * goes down by the pages zapped.
 */
static void protected_large_zap(struct __test_metadata *_metadata,
				struct wp_ctx *c, const char *rss_key,
				const char *why)
{
	long rss;
	int i, n;

	setup_uffd(_metadata, c, UFFD_FEATURE_WP_HUGETLBFS_SHMEM, c->psize);
	ASSERT_EQ(0, uffd_wp(c->uffd, (unsigned long)c->base, c->len, true));
	for (i = 0; i < BIG_PAGES; i++)
		expect_pagemap(_metadata, c, page_addr(c, i), 1, 0, 1, why);
	rss = status_kb(rss_key);
	n = zap_ranges(_metadata, c, MADV_DONTNEED);
	ASSERT_RSS_DELTA(rss_key, rss, n, why);
	for (i = 0; i < BIG_PAGES; i++)
		check_big_page(_metadata, c, i, big_data(i), !in_zaps(i), why);
}

FIXTURE(large) {
	struct wp_ctx c;
	struct knob knob;
};

FIXTURE_SETUP(large)
{
	ctx_init(&self->c);
	self->knob.saved[0] = '\0';
}

FIXTURE_TEARDOWN(large)
{
	ctx_cleanup(&self->c);
	knob_restore(&self->knob);
}

static void big_init(struct __test_metadata *_metadata, struct wp_ctx *c,
		     enum mem_kind kind, bool private)
{
	c->kind = kind;
	c->private = private;
	c->psize = getpagesize();
	c->len = BIG_PAGES * c->psize;
	c->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, c->pagemap_fd);
}

/*
 * A memfd of BIG_PAGES pages written through write() (so that the page
 * cache takes the THPs shmem_enabled allows), mapped 2M-aligned with
 * MADV_NOHUGEPAGE (faults then map the THPs' pages with ptes, never a
 * PMD) and every page touched: written through a shared mapping, read
 * through a private one (page cache folios, not COWed).
 */
static void map_big_memfd(struct __test_metadata *_metadata, struct wp_ctx *c,
			  bool private)
{
	int i;

	big_init(_metadata, c, MEM_MEMFD, private);
	c->fd = memfd_create("uffd-wp-persist-large", MFD_CLOEXEC);
	ASSERT_LE(0, c->fd);
	ASSERT_EQ(0, ftruncate(c->fd, c->len));
	for (i = 0; i < BIG_PAGES; i++)
		ASSERT_EQ(1, pwrite(c->fd, (char[]){ big_data(i) }, 1,
				    (off_t)i * c->psize));
	c->base = map_2m_aligned(c->len, PROT_READ | PROT_WRITE,
			      private ? MAP_PRIVATE : MAP_SHARED, c->fd);
	ASSERT_NE(MAP_FAILED, c->base);
	ASSERT_EQ(0, madvise(c->base, c->len, MADV_NOHUGEPAGE));
	for (i = 0; i < BIG_PAGES; i++) {
		ASSERT_EQ(big_data(i), read_byte(page_addr(c, i)));
		if (!private)
			*page_addr(c, i) = big_data(i);
	}
	ASSERT_GE(0, smaps_kb(c->base, "FilePmdMapped:"));
	ASSERT_GE(0, smaps_kb(c->base, "ShmemPmdMapped:"));
}

/*
 * 64K shmem folios (hugepages-64kB/shmem_enabled: in 6.12 for anonymous
 * shared memory only), faulted before uffd is armed so that each fault
 * maps a whole folio: 16 ptes (a contiguous range on arm64), zapped in
 * batches of up to 16.
 */
TEST_F_TIMEOUT(large, shmem_mthp_dontneed, 60)
{
	struct wp_ctx *c = &self->c;
	int i;

	if (!check_uffd(_metadata, UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		return;
	if (!knob_set(&self->knob, MTHP_DIR "/shmem_enabled", "always"))
		SKIP(return, "no " MTHP_DIR "/shmem_enabled (shmem mTHP)");
	big_init(_metadata, c, MEM_SHMEM_ANON, false);
	c->base = map_2m_aligned(c->len, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1);
	ASSERT_NE(MAP_FAILED, c->base);
	for (i = 0; i < BIG_PAGES; i++)
		*page_addr(c, i) = big_data(i);
	if (!large_folios(c, 0, BIG_PAGES, MTHP_PAGES))
		SKIP(return, "no 64K shmem folios");
	protected_large_zap(_metadata, c, "RssShmem:",
			    "protected 64K shmem folios zapped in batches");
}

/* Shared memfd THPs mapped by ptes (map_big_memfd()). */
TEST_F_TIMEOUT(large, shmem_pte_mapped_thp_dontneed, 60)
{
	struct wp_ctx *c = &self->c;

	if (!check_uffd(_metadata, UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		return;
	if (!knob_set(&self->knob, THP_SYSFS, "always"))
		SKIP(return, "cannot enable shmem THP in " THP_SYSFS);
	map_big_memfd(_metadata, c, false);
	if (!large_folios(c, 0, BIG_PAGES, 512))
		SKIP(return, "the memfd did not get THPs");
	protected_large_zap(_metadata, c, "RssShmem:",
			    "protected PTE-mapped shmem THP zapped in batches");
}

/*
 * The same THPs through a private mapping, read and not COWed: the ptes
 * map the page cache's folios in a file-backed vma, so the zapped ones
 * become markers (shmem folios count as RssShmem in any mapping).
 */
TEST_F_TIMEOUT(large, private_thp_dontneed, 60)
{
	struct wp_ctx *c = &self->c;

	if (!check_uffd(_metadata, UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		return;
	if (!knob_set(&self->knob, THP_SYSFS, "always"))
		SKIP(return, "cannot enable shmem THP in " THP_SYSFS);
	map_big_memfd(_metadata, c, true);
	if (!large_folios(c, 0, BIG_PAGES, 512))
		SKIP(return, "the memfd did not get THPs");
	protected_large_zap(_metadata, c, "RssShmem:",
			    "private mapping of shmem THPs zapped in batches");
}

/*
 * 64K anonymous folios (hugepages-64kB/enabled), uffd-wp protected:
 * zaps on anonymous memory drop wp with the pages (no marker); RssAnon
 * goes down by the pages zapped.  A child shares the folios (COW) and
 * unmaps its own ranges: its RssAnon goes down, the parent's data and
 * protection stay.
 */
TEST_F_TIMEOUT(large, anon_mthp_zap_rss, 60)
{
	struct wp_ctx *c = &self->c;
	long rss;
	pid_t pid;
	int i, n;

	if (!check_uffd(_metadata, 0))
		return;
	if (!knob_set(&self->knob, MTHP_DIR "/enabled", "always"))
		SKIP(return, "no " MTHP_DIR "/enabled (anonymous mTHP)");
	/* (of the kinds, only hugetlbfs changes what the checks expect) */
	big_init(_metadata, c, MEM_SHMEM_ANON, true);
	c->base = map_2m_aligned(c->len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(MAP_FAILED, c->base);
	for (i = 0; i < BIG_PAGES; i++)
		*page_addr(c, i) = big_data(i);
	if (!large_folios(c, 0, BIG_PAGES, MTHP_PAGES))
		SKIP(return, "no 64K anonymous folios");

	/* a child's zap of COW-shared large folios */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		rss = status_kb("RssAnon:");
		n = 0;
		for (i = 0; i < (int)ARRAY_SIZE(big_zaps); i++) {
			if (munmap(page_addr(c, big_zaps[i].first),
				   (big_zaps[i].end - big_zaps[i].first) * c->psize))
				_exit(2);
			n += big_zaps[i].end - big_zaps[i].first;
		}
		rss -= status_kb("RssAnon:");
		_exit(labs(rss - n * (long)(c->psize / 1024)) <= rss_slack_kb() ? 0 : 1);
	}
	ASSERT_EQ(0, wait_child(pid, CHILD_TIMEOUT_MS))
		TH_LOG("child: RssAnon after munmap of COW-shared 64K folios");

	setup_uffd(_metadata, c, 0, c->psize);
	ASSERT_EQ(0, uffd_wp(c->uffd, (unsigned long)c->base, c->len, true));
	rss = status_kb("RssAnon:");
	n = zap_ranges(_metadata, c, MADV_DONTNEED);
	ASSERT_RSS_DELTA("RssAnon:", rss, n, "anonymous 64K folios zapped");
	for (i = 0; i < BIG_PAGES; i++) {
		if (in_zaps(i)) {
			/* anonymous zaps drop everything: zero page, no wp */
			expect_pagemap(_metadata, c, page_addr(c, i), 0, 0, 0,
				       "anon zap drops wp");
			check_unprotected(_metadata, c, i, 0, 0,
					  "anon zap drops wp");
		} else {
			check_big_page(_metadata, c, i, big_data(i), true,
				       "anon large folio not zapped");
		}
	}
}

/*
 * COWed pages of a private memfd mapping swapped out while protected,
 * then zapped: MADV_DONTNEED leaves markers (file-backed vma) and VmSwap
 * goes down by the swap entries freed; munmap frees the rest.
 */
TEST_F_TIMEOUT(large, private_cow_swapped_zap, 60)
{
	struct wp_ctx *c = &self->c;
	int i, n, swapped, try;
	long swap, swap0, swapfree;

	if (!check_uffd(_metadata, UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		return;
	if (!swap_active())
		SKIP(return, "no active swap in /proc/swaps");
	swap0 = status_kb("VmSwap:");
	swapfree = meminfo_value("SwapFree:");
	map_big_memfd(_metadata, c, true);
	for (i = 0; i < BIG_PAGES; i++)	/* COW: anonymous copies */
		*page_addr(c, i) = new_value(i);
	setup_uffd(_metadata, c, UFFD_FEATURE_WP_HUGETLBFS_SHMEM, c->psize);
	ASSERT_EQ(0, uffd_wp(c->uffd, (unsigned long)c->base, c->len, true));
	for (try = 0, swapped = 0; try < 3 && swapped < BIG_PAGES; try++) {
		if (madvise(c->base, c->len, MADV_PAGEOUT))
			SKIP(return, "MADV_PAGEOUT: %s", strerror(errno));
		for (i = 0, swapped = 0; i < BIG_PAGES; i++)
			swapped += !!(pagemap_read(c->pagemap_fd,
						   page_addr(c, i)) & PM_SWAP);
	}
	if (swapped < BIG_PAGES)
		SKIP(return, "%d of %d pages swapped out", swapped, BIG_PAGES);
	for (i = 0; i < BIG_PAGES; i++)
		expect_pagemap(_metadata, c, page_addr(c, i), 0, 1, 1,
			       "protected COW page swapped out");
	swap = status_kb("VmSwap:");
	n = zap_ranges(_metadata, c, MADV_DONTNEED);
	ASSERT_RSS_DELTA("VmSwap:", swap, n, "swap entries zapped");
	/* munmap() zaps the swap entries of its range too */
	swap = status_kb("VmSwap:");
	ASSERT_EQ(0, munmap(page_addr(c, BIG_UNMAP), (BIG_PAGES - BIG_UNMAP) * c->psize));
	ASSERT_RSS_DELTA("VmSwap:", swap, BIG_PAGES - BIG_UNMAP, "swap entries unmapped");
	for (i = 0; i < BIG_UNMAP; i++) {
		if (in_zaps(i))	/* marker over the file's data */
			check_protected(_metadata, c, i, big_data(i), false,
					"zapped swapped COW page: marker");
		else		/* swap entry: swapped in, still protected */
			check_protected(_metadata, c, i, new_value(i), false,
					"swapped COW page not zapped");
	}
	/* the pages not zapped were swapped in by the checks */
	swap = status_kb("VmSwap:");
	ASSERT_GE(rss_slack_kb(), labs(swap - swap0))
		TH_LOG("VmSwap %ld kB after swap-in, %ld before", swap, swap0);
	/*
	 * Every swap slot went back (zapped, unmapped or swapped in), but
	 * for those the swap slot cache holds: 64 allocated and 64 freed
	 * (SWAP_SLOTS_CACHE_SIZE) on the one CPU the test runs on.
	 */
	ASSERT_GE(128L * (getpagesize() / 1024),
		  swapfree - meminfo_value("SwapFree:"))
		TH_LOG("SwapFree %ld kB, %ld before: swap slots leaked",
		       meminfo_value("SwapFree:"), swapfree);
}

TEST_HARNESS_MAIN
