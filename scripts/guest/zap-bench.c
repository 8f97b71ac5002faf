// SPDX-License-Identifier: GPL-2.0
/*
 * zap-bench: measure the cost of zapping page table entries.
 *
 * Every workload sets up a region of MIB MiB (untimed), then times a single
 * zap of that region (munmap, MADV_DONTNEED, exit, MADV_PAGEOUT) with
 * CLOCK_MONOTONIC.  Under QEMU -icount the delta counts guest instructions.
 * The hugetlb workload's region is at most the free 2M pages of the pool,
 * and its "pages" are 2M pages.
 *
 * Usage: zap-bench [-m MIB] [-r REPEATS] [-w WORKLOAD[,WORKLOAD...]]
 *
 * Output, one line per measured run:
 *   BENCH <workload> run=<i> pages=<n> ns=<ns> ns_per_page=<ns/n>
 *   BENCH <workload> skip reason=<reason>
 * Informational lines start with "# ".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT			21
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif

/* /proc/self/pagemap, see Documentation/admin-guide/mm/pagemap.rst */
#define PM_PFN_MASK		((1ULL << 55) - 1)
#define PM_UFFD_WP		(1ULL << 57)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)
#define PM_MARKER_MASK		(PM_PRESENT | PM_SWAP | PM_UFFD_WP)
#define PM_MARKER		(PM_SWAP | PM_UFFD_WP)

/* /proc/kpageflags bits */
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

#define PAGE_4K			4096UL
#define HPAGE_2M		(2UL << 20)
#define MAP_ALIGN		(2UL << 20)
#define PAGEMAP_CHUNK		512
#define MTHP_KB			64
#define THP_DIR			"/sys/kernel/mm/transparent_hugepage"
#define MAX_SAVED		32

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct zap_ctx {
	const char *name;
	int run;
	size_t len;		/* region size in bytes */
	char *addr;		/* mapping, NULL once unmapped */
	int memfd;
	int uffd;
	pid_t child;		/* exit-rss child */
	int go_fd;		/* exit-rss: write end of the "go" pipe */
	const char *skip;	/* reason, when setup returns 1 */
};

struct workload {
	const char *name;
	/* untimed; returns 0 when ready, 1 to skip (ctx->skip set) */
	int (*setup)(struct zap_ctx *ctx);
	/* timed; returns 0 or -1 with errno set */
	int (*zap)(struct zap_ctx *ctx);
	/* optional, untimed, after the zap */
	void (*verify)(struct zap_ctx *ctx);
	/* the page a figure is per */
	size_t psize;
};

struct sysfs_saved {
	char path[300];
	char val[32];
};

static struct sysfs_saved thp_saved[MAX_SAVED];
static int thp_nsaved;

static void thp_restore(void);

static _Noreturn void die(const char *what)
{
	int err = errno;

	thp_restore();
	printf("# error: %s: %s\n", what, strerror(err));
	fflush(stdout);
	exit(1);
}

static int skip(struct zap_ctx *ctx, const char *reason)
{
	ctx->skip = reason;
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t timed(struct zap_ctx *ctx, int (*zap)(struct zap_ctx *ctx))
{
	uint64_t t0, t1;
	int ret;

	t0 = now_ns();
	ret = zap(ctx);
	t1 = now_ns();
	if (ret)
		die(ctx->name);
	return t1 - t0;
}

/* ---- memory setup helpers ---- */

/*
 * Private anonymous mapping aligned to 2 MiB, so that large folios cover it
 * fully and the layout is the same on every run.  advice < 0: no madvise.
 */
static char *map_anon(size_t len, int advice)
{
	size_t head, tail;
	char *raw, *addr;

	raw = mmap(NULL, len + MAP_ALIGN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap anon");
	addr = (char *)(((uintptr_t)raw + MAP_ALIGN - 1) & ~(MAP_ALIGN - 1));
	head = addr - raw;
	tail = MAP_ALIGN - head;
	if (head && munmap(raw, head))
		die("munmap head");
	if (tail && munmap(addr + len, tail))
		die("munmap tail");
	if (advice >= 0 && madvise(addr, len, advice))
		die("madvise");
	return addr;
}

/*
 * Fill every 4K page with its own xorshift64 stream: no two pages are equal
 * and no page is same-filled, so zram has to store each one.
 */
static void fill_pages(char *addr, size_t len)
{
	static uint64_t salt = 0x5a17b3c9d2e4f601ULL;
	size_t off, i;

	salt += 0x9e3779b97f4a7c15ULL;
	for (off = 0; off < len; off += PAGE_4K) {
		uint64_t *p = (uint64_t *)(addr + off);
		uint64_t x = ((off / PAGE_4K + 1) * 0x9e3779b97f4a7c15ULL) ^ salt;

		x |= 1;
		for (i = 0; i < PAGE_4K / sizeof(*p); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = x;
		}
	}
}

/* memfd of ctx->len bytes, mapped MAP_SHARED at ctx->addr, 4K folios */
static void map_memfd(struct zap_ctx *ctx)
{
	ctx->memfd = memfd_create("zap-bench", MFD_CLOEXEC);
	if (ctx->memfd < 0)
		die("memfd_create");
	if (ftruncate(ctx->memfd, ctx->len))
		die("ftruncate memfd");
	ctx->addr = mmap(NULL, ctx->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 ctx->memfd, 0);
	if (ctx->addr == MAP_FAILED) {
		ctx->addr = NULL;
		die("mmap memfd");
	}
	if (madvise(ctx->addr, ctx->len, MADV_NOHUGEPAGE))
		die("madvise memfd");
}

static int pagemap_open(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/pagemap");
	return fd;
}

/* pagemap entries of pages [first, first + n) of the region at addr */
static void pagemap_read(int fd, const char *addr, size_t first, size_t n,
			 uint64_t *buf)
{
	off_t off = ((uintptr_t)addr / PAGE_4K + first) * sizeof(*buf);

	if (pread(fd, buf, n * sizeof(*buf), off) != (ssize_t)(n * sizeof(*buf)))
		die("read /proc/self/pagemap");
}

static size_t chunk_len(size_t pages, size_t i)
{
	return pages - i < PAGEMAP_CHUNK ? pages - i : PAGEMAP_CHUNK;
}

/* number of pages whose pagemap entry satisfies (entry & mask) == want */
static unsigned long pagemap_count(const char *addr, size_t len,
				   uint64_t mask, uint64_t want)
{
	size_t pages = len / PAGE_4K, i, j, chunk;
	uint64_t buf[PAGEMAP_CHUNK];
	unsigned long n = 0;
	int fd = pagemap_open();

	for (i = 0; i < pages; i += chunk) {
		chunk = chunk_len(pages, i);
		pagemap_read(fd, addr, i, chunk, buf);
		for (j = 0; j < chunk; j++)
			n += (buf[j] & mask) == want;
	}
	close(fd);
	return n;
}

static unsigned long mincore_count(const char *addr, size_t len)
{
	size_t pages = len / PAGE_4K, i;
	unsigned long n = 0;
	unsigned char *vec;

	vec = malloc(pages);
	if (!vec)
		die("malloc");
	if (mincore((void *)addr, len, vec))
		die("mincore");
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

/* free swap in KiB, -1 when no swap device is active */
static long long swap_free_kb(void)
{
	long long size, used, total = -1;
	char line[512];
	FILE *f;

	f = fopen("/proc/swaps", "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %lld %lld", &size, &used) != 2)
			continue;
		total = (total < 0 ? 0 : total) + size - used;
	}
	fclose(f);
	return total;
}

static int need_swap(struct zap_ctx *ctx)
{
	long long kb = swap_free_kb();

	if (kb < 0)
		return skip(ctx, "no_swap_active");
	if ((unsigned long long)kb * 1024 < ctx->len)
		return skip(ctx, "swap_too_small");
	return 0;
}

/* ---- userfaultfd ---- */

static int uffd_open(struct zap_ctx *ctx)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
	};

	ctx->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ctx->uffd < 0)
		return skip(ctx, "no_userfaultfd");
	if (ioctl(ctx->uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM))
		return skip(ctx, "no_uffd_feature_wp_hugetlbfs_shmem");
	return 0;
}

/* register [addr, addr+len) for uffd-wp and write-protect all of it */
static int uffd_wp_range(struct zap_ctx *ctx)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)ctx->addr, .len = ctx->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)ctx->addr, .len = ctx->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	if (ioctl(ctx->uffd, UFFDIO_REGISTER, &reg) ||
	    !(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT)))
		return skip(ctx, "uffd_register_wp_failed");
	if (ioctl(ctx->uffd, UFFDIO_WRITEPROTECT, &wp))
		die("UFFDIO_WRITEPROTECT");
	return 0;
}

/* ---- THP sysfs (mTHP) ---- */

static int sysfs_write(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, len) != len)
		ret = -1;
	close(fd);
	return ret;
}

/* read the [selected] word of a THP sysfs mode file */
static int sysfs_read_mode(const char *path, char *val, size_t size)
{
	char buf[256], *start, *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	start = strchr(buf, '[');
	end = start ? strchr(start, ']') : NULL;
	if (!end)
		return -1;
	*end = '\0';
	return snprintf(val, size, "%s", start + 1) < (int)size ? 0 : -1;
}

static int thp_set(const char *path, const char *val)
{
	struct sysfs_saved *s = &thp_saved[thp_nsaved];

	if (thp_nsaved == MAX_SAVED ||
	    sysfs_read_mode(path, s->val, sizeof(s->val)))
		return -1;
	if (!strcmp(s->val, val))
		return 0;
	snprintf(s->path, sizeof(s->path), "%s", path);
	thp_nsaved++;
	return sysfs_write(path, val);
}

static void thp_restore(void)
{
	while (thp_nsaved > 0) {
		struct sysfs_saved *s = &thp_saved[--thp_nsaved];

		if (sysfs_write(s->path, s->val))
			printf("# warning: could not restore %s to %s\n",
			       s->path, s->val);
	}
}

/*
 * anon mTHP: MTHP_KB "always", every other size "never".  If sysfs cannot be
 * written, fall back to MADV_HUGEPAGE under the current settings and let
 * mthp_check() judge what we got.  Returns the madvise advice to apply.
 */
static int mthp_enable(struct zap_ctx *ctx)
{
	char path[300];
	struct dirent *de;
	unsigned long kb;
	int ret = 0;
	DIR *dir;

	dir = opendir(THP_DIR);
	if (!dir)
		return -1;
	while (!ret && (de = readdir(dir))) {
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), THP_DIR "/%s/enabled", de->d_name);
		/* some sizes exist for shmem only (no "enabled") */
		if (access(path, F_OK))
			continue;
		ret = thp_set(path, kb == MTHP_KB ? "always" : "never");
	}
	closedir(dir);
	if (!ret)
		return -1;
	printf("# %s run=%d cannot_set=%s (%s) fallback=MADV_HUGEPAGE\n",
	       ctx->name, ctx->run, path, strerror(errno));
	thp_restore();
	return MADV_HUGEPAGE;
}

/* first number in a file, ULONG_MAX if unreadable */
static unsigned long read_ulong(const char *path)
{
	unsigned long v = ULONG_MAX;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return v;
	if (fscanf(f, "%lu", &v) != 1)
		v = ULONG_MAX;
	fclose(f);
	return v;
}

static uint64_t pme_pfn(uint64_t pme)
{
	return (pme & PM_PRESENT) ? pme & PM_PFN_MASK : 0;
}

/*
 * Count compound head and tail pages of the region through pagemap +
 * kpageflags.  Runs of physically contiguous pages are looked up with a
 * single kpageflags read.
 */
static void folio_census(int pm, int kpf, const char *addr, size_t len,
			 unsigned long *head, unsigned long *tail)
{
	uint64_t pme[PAGEMAP_CHUNK], flags[PAGEMAP_CHUNK];
	size_t pages = len / PAGE_4K, i, j, k, chunk;

	for (i = 0; i < pages; i += chunk) {
		chunk = chunk_len(pages, i);
		pagemap_read(pm, addr, i, chunk, pme);
		for (j = 0; j < chunk; j = k) {
			uint64_t pfn = pme_pfn(pme[j]);
			size_t f, nr;

			for (k = j + 1; pfn && k < chunk &&
			     pme_pfn(pme[k]) == pfn + (k - j); k++)
				;
			if (!pfn)
				continue;
			nr = k - j;
			if (pread(kpf, flags, nr * sizeof(*flags),
				  pfn * sizeof(*flags)) !=
			    (ssize_t)(nr * sizeof(*flags)))
				die("read /proc/kpageflags");
			for (f = 0; f < nr; f++) {
				*head += (flags[f] >> KPF_COMPOUND_HEAD) & 1;
				*tail += (flags[f] >> KPF_COMPOUND_TAIL) & 1;
			}
		}
	}
}

/*
 * Check that the region is backed by PTE-mapped large folios: skip if it has
 * none, or if they are PMD sized.
 */
static int mthp_check(struct zap_ctx *ctx)
{
	unsigned long head = 0, tail = 0, avg_kb;
	int pm, kpf;

	kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kpf < 0) {
		printf("# %s run=%d folio_size=unverified (no /proc/kpageflags)\n",
		       ctx->name, ctx->run);
		return 0;
	}
	pm = pagemap_open();
	folio_census(pm, kpf, ctx->addr, ctx->len, &head, &tail);
	close(pm);
	close(kpf);
	avg_kb = head ? 4 * (head + tail) / head : 4;
	printf("# %s run=%d large_folios=%lu pages_in_large=%lu/%lu avg_folio_kb=%lu\n",
	       ctx->name, ctx->run, head, head + tail, ctx->len / PAGE_4K,
	       avg_kb);
	if (!head)
		return skip(ctx, "no_large_folios");
	if (avg_kb << 10 >= read_ulong(THP_DIR "/hpage_pmd_size"))
		return skip(ctx, "folios_are_pmd_sized");
	return 0;
}

/* ---- zaps (timed) ---- */

static int zap_munmap(struct zap_ctx *ctx)
{
	if (munmap(ctx->addr, ctx->len))
		return -1;
	ctx->addr = NULL;
	return 0;
}

static int zap_dontneed(struct zap_ctx *ctx)
{
	return madvise(ctx->addr, ctx->len, MADV_DONTNEED);
}

static int zap_pageout(struct zap_ctx *ctx)
{
	return madvise(ctx->addr, ctx->len, MADV_PAGEOUT);
}

static int zap_exit(struct zap_ctx *ctx)
{
	int status;

	if (write(ctx->go_fd, "g", 1) != 1)
		return -1;
	if (waitpid(ctx->child, &status, 0) != ctx->child)
		return -1;
	ctx->child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/* ---- setups (untimed) ---- */

static int setup_anon_4k(struct zap_ctx *ctx)
{
	ctx->addr = map_anon(ctx->len, MADV_NOHUGEPAGE);
	fill_pages(ctx->addr, ctx->len);
	return 0;
}

static int setup_anon_mthp(struct zap_ctx *ctx)
{
	if (access(THP_DIR "/hugepages-64kB/enabled", F_OK))
		return skip(ctx, "no_mthp_64kB_sysfs");
	ctx->addr = map_anon(ctx->len, mthp_enable(ctx));
	fill_pages(ctx->addr, ctx->len);
	thp_restore();
	return mthp_check(ctx);
}

static int setup_shmem(struct zap_ctx *ctx)
{
	map_memfd(ctx);
	fill_pages(ctx->addr, ctx->len);
	return 0;
}

static int setup_shmem_wp(struct zap_ctx *ctx)
{
	/* probe before filling; write-protect only after filling */
	if (uffd_open(ctx))
		return 1;
	setup_shmem(ctx);
	return uffd_wp_range(ctx);
}

static void report_markers(struct zap_ctx *ctx, const char *when)
{
	printf("# %s run=%d %s markers=%lu/%lu\n", ctx->name, ctx->run, when,
	       pagemap_count(ctx->addr, ctx->len, PM_MARKER_MASK, PM_MARKER),
	       ctx->len / PAGE_4K);
}

static int setup_shmem_markers(struct zap_ctx *ctx)
{
	if (setup_shmem_wp(ctx))
		return 1;
	if (zap_dontneed(ctx))
		die("madvise MADV_DONTNEED");
	report_markers(ctx, "before");
	return 0;
}

static int setup_shmem_pageout(struct zap_ctx *ctx)
{
	if (need_swap(ctx))
		return 1;
	return setup_shmem_wp(ctx);
}

#define ZRAM_DEV	"/dev/zram0"
#define ZRAM_SYS	"/sys/block/zram0"

/*
 * A new swap device for each anon-swap-zap run: swapoff, reset the zram
 * device to its size, mkswap, swapon.  A run that inherits the swap
 * allocator's clusters and zsmalloc's pools from the runs before frees
 * its swap entries at a cost that varied by 1.3% (1672 to 1694
 * instructions per page under -icount) between runs of one boot, under
 * either path: more than the difference the row is there to show.
 */
static int fresh_swap(struct zap_ctx *ctx)
{
	char size[32];
	ssize_t n;
	int fd;

	fd = open(ZRAM_SYS "/disksize", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return skip(ctx, "no_zram0");
	n = read(fd, size, sizeof(size) - 1);
	close(fd);
	if (n <= 0)
		return skip(ctx, "zram0_disksize_unreadable");
	size[n] = '\0';
	if (swapoff(ZRAM_DEV))
		return skip(ctx, "zram0_swapoff_failed");
	if (sysfs_write(ZRAM_SYS "/reset", "1") ||
	    sysfs_write(ZRAM_SYS "/disksize", size))
		die("resetting " ZRAM_DEV);
	fflush(stdout);
	if (system("mkswap " ZRAM_DEV " >/dev/null") || swapon(ZRAM_DEV, 0))
		die("mkswap/swapon " ZRAM_DEV);
	return 0;
}

static int setup_anon_swap(struct zap_ctx *ctx)
{
	unsigned long swapped;

	if (fresh_swap(ctx) || need_swap(ctx))
		return 1;
	setup_anon_4k(ctx);
	if (zap_pageout(ctx))
		return skip(ctx, "madv_pageout_failed");
	swapped = pagemap_count(ctx->addr, ctx->len, PM_SWAP, PM_SWAP);
	printf("# %s run=%d swap_entries=%lu/%lu\n", ctx->name, ctx->run,
	       swapped, ctx->len / PAGE_4K);
	if (!swapped)
		return skip(ctx, "no_pages_swapped_out");
	return 0;
}

static int setup_exit(struct zap_ctx *ctx)
{
	int ready[2], go[2];
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		die("pipe");
	fflush(stdout);
	ctx->child = fork();
	if (ctx->child < 0)
		die("fork");
	if (!ctx->child) {
		close(ready[0]);
		close(go[1]);
		setup_anon_4k(ctx);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	ctx->go_fd = go[1];
	if (read(ready[0], &c, 1) != 1) {
		errno = ECHILD;
		die("exit-rss child setup");
	}
	close(ready[0]);
	return 0;
}

/* free pages of the 2M hugetlb pool, 0 if the default size is another */
static unsigned long hugetlb_free(void)
{
	unsigned long n = 0, kb = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			n = v;
		else if (sscanf(line, "Hugepagesize: %lu", &v) == 1)
			kb = v;
	}
	fclose(f);
	return kb == HPAGE_2M >> 10 ? n : 0;
}

/*
 * A shared hugetlb memfd of up to ctx->len bytes (what the pool has free),
 * written, then write-protected: the zap clears dirty 2M ptes and leaves a
 * uffd-wp marker for each (__unmap_hugepage_range()).
 */
static int setup_hugetlb_wp(struct zap_ctx *ctx)
{
	unsigned long n = hugetlb_free();

	if (n > ctx->len / HPAGE_2M)
		n = ctx->len / HPAGE_2M;
	if (!n)
		return skip(ctx, "no_free_2M_hugetlb_pages");
	if (uffd_open(ctx))
		return 1;
	ctx->len = n * HPAGE_2M;
	ctx->memfd = memfd_create("zap-bench-hugetlb", MFD_CLOEXEC | MFD_HUGETLB);
	if (ctx->memfd < 0)
		return skip(ctx, "no_hugetlb_memfd");
	if (ftruncate(ctx->memfd, ctx->len))
		die("ftruncate hugetlb memfd");
	ctx->addr = mmap(NULL, ctx->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 ctx->memfd, 0);
	if (ctx->addr == MAP_FAILED) {
		ctx->addr = NULL;
		die("mmap hugetlb memfd");
	}
	fill_pages(ctx->addr, ctx->len);
	return uffd_wp_range(ctx);
}

/* ---- verification (untimed, after the zap) ---- */

static void verify_markers(struct zap_ctx *ctx)
{
	report_markers(ctx, "after");
}

/* hugetlb: pagemap shows a marker only as the uffd-wp bit, per 4K entry */
static void verify_hugetlb(struct zap_ctx *ctx)
{
	printf("# %s run=%d present=%lu wp=%lu/%lu (4K entries)\n", ctx->name,
	       ctx->run, pagemap_count(ctx->addr, ctx->len, PM_PRESENT, PM_PRESENT),
	       pagemap_count(ctx->addr, ctx->len, PM_UFFD_WP, PM_UFFD_WP),
	       ctx->len / PAGE_4K);
}

static void verify_pageout(struct zap_ctx *ctx)
{
	size_t pages = ctx->len / PAGE_4K;

	printf("# %s run=%d left_memory=%lu/%lu markers=%lu resident=%lu\n",
	       ctx->name, ctx->run,
	       pagemap_count(ctx->addr, ctx->len, PM_PRESENT, 0), pages,
	       pagemap_count(ctx->addr, ctx->len, PM_MARKER_MASK, PM_MARKER),
	       mincore_count(ctx->addr, ctx->len));
}

static const struct workload workloads[] = {
	{ "anon-munmap-4k", setup_anon_4k, zap_munmap, NULL, PAGE_4K },
	{ "anon-munmap-mthp", setup_anon_mthp, zap_munmap, NULL, PAGE_4K },
	{ "shmem-dontneed", setup_shmem, zap_dontneed, NULL, PAGE_4K },
	{ "shmem-dontneed-wp", setup_shmem_wp, zap_dontneed, verify_markers,
	  PAGE_4K },
	{ "shmem-dontneed-markers", setup_shmem_markers, zap_dontneed,
	  verify_markers, PAGE_4K },
	{ "exit-rss", setup_exit, zap_exit, NULL, PAGE_4K },
	{ "shmem-pageout-wp", setup_shmem_pageout, zap_pageout,
	  verify_pageout, PAGE_4K },
	{ "anon-swap-zap", setup_anon_swap, zap_munmap, NULL, PAGE_4K },
	{ "hugetlb-dontneed-wp", setup_hugetlb_wp, zap_dontneed,
	  verify_hugetlb, HPAGE_2M },
};

#define NR_WORKLOADS	ARRAY_SIZE(workloads)

static void release_ctx(struct zap_ctx *ctx)
{
	if (ctx->child > 0) {
		kill(ctx->child, SIGKILL);
		waitpid(ctx->child, NULL, 0);
	}
	if (ctx->addr && munmap(ctx->addr, ctx->len))
		die("munmap");
	if (ctx->uffd >= 0)
		close(ctx->uffd);
	if (ctx->memfd >= 0)
		close(ctx->memfd);
	if (ctx->go_fd >= 0)
		close(ctx->go_fd);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_workload(const struct workload *w, size_t len, int repeats)
{
	unsigned long pages;
	uint64_t *ns;
	int run;

	ns = calloc(repeats, sizeof(*ns));
	if (!ns)
		die("calloc");

	for (run = 0; run < repeats; run++) {
		struct zap_ctx ctx = {
			.name = w->name, .run = run, .len = len,
			.memfd = -1, .uffd = -1, .go_fd = -1,
		};

		if (w->setup(&ctx)) {
			printf("BENCH %s skip reason=%s\n", w->name, ctx.skip);
			release_ctx(&ctx);
			break;
		}
		pages = ctx.len / w->psize;
		ns[run] = timed(&ctx, w->zap);
		if (w->verify)
			w->verify(&ctx);
		printf("BENCH %s run=%d pages=%lu ns=%" PRIu64 " ns_per_page=%.1f\n",
		       w->name, run, pages, ns[run], (double)ns[run] / pages);
		release_ctx(&ctx);
	}
	if (run) {
		qsort(ns, run, sizeof(*ns), cmp_u64);
		printf("# %s min_ns=%" PRIu64 " median_ns=%" PRIu64 "\n",
		       w->name, ns[0], ns[run / 2]);
	}
	free(ns);
}

static void print_file(const char *label, const char *path)
{
	char buf[256];
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		printf("# %s: unavailable\n", label);
		return;
	}
	if (fgets(buf, sizeof(buf), f))
		printf("# %s: %s", label, buf);
	fclose(f);
}

static _Noreturn void print_usage(const char *prog)
{
	size_t i;

	fprintf(stderr,
		"usage: %s [-m MIB] [-r REPEATS] [-w WORKLOAD[,WORKLOAD...]]\nworkloads:",
		prog);
	for (i = 0; i < NR_WORKLOADS; i++)
		fprintf(stderr, " %s", workloads[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

/* parse a comma separated workload list into a selection mask */
static unsigned long parse_workloads(char *list, const char *prog)
{
	unsigned long mask = 0;
	char *tok, *save;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_WORKLOADS; i++)
			if (!strcmp(tok, workloads[i].name))
				break;
		if (i == NR_WORKLOADS) {
			fprintf(stderr, "unknown workload: %s\n", tok);
			print_usage(prog);
		}
		mask |= 1UL << i;
	}
	return mask;
}

static unsigned long parse_num(const char *s, const char *prog)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !v || v > 1UL << 20)
		print_usage(prog);
	return v;
}

int main(int argc, char **argv)
{
	unsigned long mib = 256, repeats = 3, mask = ~0UL;
	uint64_t t0 = now_ns();
	struct utsname uts;
	size_t i;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "m:r:w:h")) != -1) {
		switch (opt) {
		case 'm':
			mib = parse_num(optarg, argv[0]);
			break;
		case 'r':
			repeats = parse_num(optarg, argv[0]);
			break;
		case 'w':
			mask = parse_workloads(optarg, argv[0]);
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (optind != argc || repeats > 1000)
		print_usage(argv[0]);
	if (sysconf(_SC_PAGESIZE) != PAGE_4K) {
		errno = EINVAL;
		die("page size is not 4K");
	}

	uname(&uts);
	printf("# zap-bench kernel=%s mib=%lu repeats=%lu swap_free_kb=%lld\n",
	       uts.release, mib, repeats, swap_free_kb());
	print_file("thp_enabled", THP_DIR "/enabled");

	for (i = 0; i < NR_WORKLOADS; i++)
		if (mask & (1UL << i))
			run_workload(&workloads[i], mib << 20, repeats);

	printf("# total_ns=%" PRIu64 "\n", now_ns() - t0);
	return 0;
}
