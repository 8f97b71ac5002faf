/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What uffd-wp-persist and uffd-wp-stress share: constants older libc
 * headers lack, pagemap bits, and the userfaultfd, pagemap and child
 * helpers.
 */
#ifndef __UFFD_WP_UTIL_H
#define __UFFD_WP_UTIL_H

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1 << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT			21
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE			9
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE		0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC			0x0001U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB			0x0004U
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE		0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE		0x02
#endif
#ifndef O_TMPFILE
#define O_TMPFILE			(020000000 | O_DIRECTORY)
#endif

/* /proc/self/pagemap, Documentation/admin-guide/mm/pagemap.rst */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC		0x01021994
#endif

#define HPAGE_SIZE		(2UL << 20)	/* the hugetlb tests' page size */

#define PM_UFFD_WP		(1ULL << 57)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)
#define PM_PFN_MASK		((1ULL << 55) - 1)
/*
 * A swap pte's pagemap entry: bits 0-4 the swap type, 5-54 the offset,
 * shown to CAP_SYS_ADMIN only (zero otherwise).  PTE markers are swap ptes
 * of the last type (SWP_PTE_MARKER = 31, include/linux/swap.h).
 */
#define PM_SWAP_TYPE(e)		((e) & 0x1f)
#define SWP_TYPE_MARKER		0x1f

/* Whether @e maps a page out on a swap device (not a marker; root only). */
static inline bool pagemap_swapped(uint64_t e)
{
	return (e & PM_SWAP) && !(e & PM_PRESENT) && (e & PM_PFN_MASK) &&
	       PM_SWAP_TYPE(e) != SWP_TYPE_MARKER;
}

/* /proc/kpageflags: the page is part of a transparent huge page (any size) */
#define KPF_THP			22

/* The 64K mTHP size's knobs (Documentation/admin-guide/mm/transhuge.rst) */
#define MTHP_DIR	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB"

/* A non-blocking userfaultfd with @features; what the kernel offers. */
static inline int uffd_open(__u64 features, __u64 *offered)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	if (offered)
		*offered = api.features;
	return fd;
}

static inline int uffd_wp(int uffd, unsigned long addr, size_t len,
			  bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = addr, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	/* mode 0 also wakes the faulting thread (no MODE_DONTWAKE) */
	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
}

/*
 * A userfaultfd that can write-protect shmem and hugetlbfs
 * (UFFD_FEATURE_WP_HUGETLBFS_SHMEM, which needs CONFIG_PTE_MARKER_UFFD_WP),
 * or -1 when the kernel does not offer it.
 */
static inline int uffd_open_wp_file(void)
{
	__u64 offered = 0;
	int fd = uffd_open(UFFD_FEATURE_WP_HUGETLBFS_SHMEM, &offered);

	if (fd >= 0 && !(offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Register @len bytes at @addr for write-protect faults. */
static inline int uffd_register_wp(int uffd, void *addr, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -1;
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

/* The pagemap entry of @addr, or ~0 if it cannot be read. */
static inline uint64_t pagemap_read(int fd, void *addr)
{
	uint64_t ent;
	off_t off = (uintptr_t)addr / getpagesize() * sizeof(ent);

	if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		return ~0ULL;
	return ent;
}

/* 1: page backing @addr is part of a THP, 0: it is not, -1: unknown. */
static inline int page_is_thp(int pagemap_fd, void *addr)
{
	uint64_t ent = pagemap_read(pagemap_fd, addr), flags;
	int fd, ret = -1;

	if (ent == ~0ULL || !(ent & PM_PRESENT) || !(ent & PM_PFN_MASK))
		return -1;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &flags, sizeof(flags),
		  (ent & PM_PFN_MASK) * sizeof(flags)) == sizeof(flags))
		ret = !!(flags & (1ULL << KPF_THP));
	close(fd);
	return ret;
}

/* A sysfs knob set for a test and restored when it ends. */
struct knob {
	char path[128];
	char saved[32];		/* "" when nothing was changed */
};

/* Set @k's file @path to @val (the selected [value] is saved). */
static inline bool knob_set(struct knob *k, const char *path, const char *val)
{
	char buf[256], *b, *e;
	ssize_t n;
	int fd;

	k->saved[0] = '\0';
	snprintf(k->path, sizeof(k->path), "%s", path);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (e) {
		*e = '\0';
		snprintf(k->saved, sizeof(k->saved), "%s", b + 1);
	}
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val);
}

static inline void knob_restore(struct knob *k)
{
	int fd;

	if (!k->saved[0])
		return;
	fd = open(k->path, O_WRONLY);
	if (fd < 0 || write(fd, k->saved, strlen(k->saved)) < 0)
		fprintf(stderr, "# could not restore %s to %s\n", k->path, k->saved);
	if (fd >= 0)
		close(fd);
	k->saved[0] = '\0';
}

/*
 * Pin the calling thread (and the threads it creates later) to the CPU it
 * runs on.  A folio a fault just added sits in that CPU's LRU batch until
 * drained, and MADV_PAGEOUT drains only the local CPU's (lru_add_drain()):
 * from another CPU it cannot isolate the folio, and the page stays in
 * memory.  Returns sched_setaffinity()'s result.
 */
static inline int stay_on_one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu > 0 ? cpu : 0, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/*
 * The number after @key at the start of a line of @path ("HugePages_Free:"
 * in /proc/meminfo; "" for the first line), or -1.
 */
static inline long proc_value(const char *path, const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			val = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* A /proc/meminfo value ("HugePages_Free:"), or -1. */
static inline long meminfo_value(const char *key)
{
	return proc_value("/proc/meminfo", key);
}

/* @key's value in kB in /proc/self/status (RssAnon:, HugetlbPages:, ...). */
static inline long status_kb(const char *key)
{
	return proc_value("/proc/self/status", key);
}

/*
 * An unlinked file on a hugetlbfs mount of its own (2M pages), detached
 * at once (the fd keeps the superblock alive), or -1 with *why set.
 */
static inline int hugetlbfs_tmpfile(const char **why)
{
	char dir[] = "/tmp/uffd-wp-hugetlbfs.XXXXXX";
	int fd;

	if (!mkdtemp(dir)) {
		*why = "mkdtemp failed";
		return -1;
	}
	if (mount("none", dir, "hugetlbfs", 0, "pagesize=2M")) {
		rmdir(dir);
		*why = "cannot mount hugetlbfs";
		return -1;
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (fd < 0)
		*why = "cannot create a file on hugetlbfs";
	return fd;
}

/*
 * An unlinked file in /tmp, which must be a tmpfs mount (it is in the test
 * guest), or -1 with *why set.
 */
static inline int tmpfs_tmpfile(const char **why)
{
	char path[] = "/tmp/uffd-wp-tmpfs.XXXXXX";
	struct statfs fs;
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd < 0) {
		*why = "cannot create a file in /tmp";
		return -1;
	}
	unlink(path);
	if (fstatfs(fd, &fs) || fs.f_type != TMPFS_MAGIC) {
		close(fd);
		*why = "/tmp is not a tmpfs mount";
		return -1;
	}
	return fd;
}

/*
 * A hugetlb memfd of @npages 2M pages (the default huge page size must be
 * 2M and that many pages free), or -1 with *why set.
 */
static inline int hugetlb_memfd(size_t npages, const char **why)
{
	int fd;

	if (meminfo_value("Hugepagesize:") != HPAGE_SIZE >> 10) {
		*why = "default huge page size is not 2M";
		return -1;
	}
	if (meminfo_value("HugePages_Free:") - meminfo_value("HugePages_Rsvd:") <
	    (long)npages) {
		*why = "not enough free 2M hugetlb pages";
		return -1;
	}
	fd = memfd_create("uffd-wp-hugetlb", MFD_HUGETLB | MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, npages * HPAGE_SIZE)) {
		*why = "no hugetlb memfd (CONFIG_HUGETLBFS)";
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * A mapping @len bytes long at an address aligned to 2M, so that a 64K
 * folio or a THP sits in one pte table, in the ptes of one folio.
 */
static inline char *map_2m_aligned(size_t len, int prot, int flags, int fd)
{
	char *area = mmap(NULL, len + HPAGE_SIZE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p;

	if (area == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)area + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1));
	if (p != area)
		munmap(area, p - area);
	munmap(p + len, area + len + HPAGE_SIZE - (p + len));
	return mmap(p, len, prot, flags | MAP_FIXED, fd, 0);
}

/* Returns the exit status, or -1 if the child had to be killed. */
static inline int wait_child(pid_t pid, int timeout_ms)
{
	int status, waited;

	for (waited = 0; waited < timeout_ms; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

#endif /* __UFFD_WP_UTIL_H */
