// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of the Rust zap path: the selection between the C and the Rust
 * implementation, what the Rust code needs of asm/tlb.h (which bindgen
 * cannot parse), and the warnings. The static inline functions of the page
 * table, swap and rmap code are helpers (rust/helpers/mm_zap.c).
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/rust_zap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>
#include <asm/tlb.h>

#include "../internal.h"

DEFINE_STATIC_KEY_TRUE(rust_mm_zap_key);

static bool mm_zap_use_c __initdata;

static int __init mm_zap_setup(char *s)
{
	if (!strcmp(s, "c"))
		mm_zap_use_c = true;
	else if (!strcmp(s, "rust"))
		mm_zap_use_c = false;
	else
		pr_warn("mm_zap: unknown mm_zap=%s, expected c or rust\n", s);
	return 1;
}
__setup("mm_zap=", mm_zap_setup);

static int __init mm_zap_init(void)
{
	if (mm_zap_use_c)
		static_branch_disable(&rust_mm_zap_key);
	pr_info("mm_zap: zap_pte_range, __unmap_hugepage_range: %s\n",
		rust_mm_zap_enabled() ? "Rust" : "C");
	return 0;
}
early_initcall(mm_zap_init);

static int mm_zap_show(struct seq_file *m, void *v)
{
	seq_puts(m, rust_mm_zap_enabled() ? "rust\n" : "c\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mm_zap);

/* Zero unless CONFIG_RUST_MM_ZAP_BRANCH_STATS: then the Rust loop counts. */
atomic64_t rust_zap_branch_hits[RUST_ZAP_NR_BRANCHES];

static const char *const rust_zap_branch_names[RUST_ZAP_NR_BRANCHES] = {
	[RUST_ZAP_BR_PRESENT] = "present",
	[RUST_ZAP_BR_PRESENT_BATCH] = "present_large_batch",
	[RUST_ZAP_BR_PRESENT_NOPAGE] = "present_no_page",
	[RUST_ZAP_BR_PRESENT_KEPT] = "present_kept",
	[RUST_ZAP_BR_DEVICE_PRIVATE] = "device_private",
	[RUST_ZAP_BR_DEVICE_EXCLUSIVE] = "device_exclusive",
	[RUST_ZAP_BR_SWAP] = "swap",
	[RUST_ZAP_BR_MIGRATION] = "migration",
	[RUST_ZAP_BR_MARKER_KEPT] = "uffd_wp_marker_kept",
	[RUST_ZAP_BR_MARKER_DROPPED] = "uffd_wp_marker_dropped",
	[RUST_ZAP_BR_HWPOISON] = "hwpoison",
	[RUST_ZAP_BR_POISONED_MARKER] = "poisoned_marker",
	[RUST_ZAP_BR_UNKNOWN] = "unknown_entry",
	[RUST_ZAP_BR_NON_PRESENT_KEPT] = "non_present_kept",
	[RUST_ZAP_BR_MARKER_INSTALLED] = "uffd_wp_marker_installed",
	[RUST_ZAP_BR_DIRTY] = "file_folio_dirty",
	[RUST_ZAP_BR_DELAY_RMAP] = "delay_rmap",
	[RUST_ZAP_BR_FORCE_BREAK] = "force_break",
	[RUST_ZAP_BR_FORCE_FLUSH] = "force_flush",
	[RUST_ZAP_BR_RESCHED] = "need_resched_break",
	[RUST_ZAP_BR_NO_TABLE] = "no_pte_table",
	[RUST_ZAP_BR_HUGE_NO_TABLE] = "hugetlb_no_table",
	[RUST_ZAP_BR_HUGE_PMD_UNSHARED] = "hugetlb_pmd_unshared",
	[RUST_ZAP_BR_HUGE_NON_PRESENT_MARKER] = "hugetlb_non_present_marker",
	[RUST_ZAP_BR_HUGE_NON_PRESENT_CLEARED] = "hugetlb_non_present_cleared",
	[RUST_ZAP_BR_HUGE_REF_OTHER] = "hugetlb_ref_page_other",
	[RUST_ZAP_BR_HUGE_REF_UNMAPPED] = "hugetlb_ref_page_unmapped",
	[RUST_ZAP_BR_HUGE_PRESENT] = "hugetlb_present",
	[RUST_ZAP_BR_HUGE_DIRTY] = "hugetlb_dirty",
	[RUST_ZAP_BR_HUGE_MARKER_INSTALLED] = "hugetlb_marker_installed",
	[RUST_ZAP_BR_HUGE_RESV_RESTORED] = "hugetlb_resv_restored",
	[RUST_ZAP_BR_HUGE_RESV_FAILED] = "hugetlb_resv_failed",
#ifdef PTE_MARKER_GUARD
	/* Linux 6.13 and later: the branches of 7.3's loop alone. */
	[RUST_ZAP_BR_NONE_RUN] = "none_run_skipped",
	[RUST_ZAP_BR_GUARD_KEPT] = "guard_marker_kept",
	[RUST_ZAP_BR_GUARD_DROPPED] = "guard_marker_dropped",
	[RUST_ZAP_BR_PT_RECLAIMED] = "pte_table_reclaimed",
#endif
};

static int mm_zap_branches_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < RUST_ZAP_NR_BRANCHES; i++)
		if (rust_zap_branch_names[i])	/* a branch of this kernel's loop */
			seq_printf(m, "%s %lld\n", rust_zap_branch_names[i],
				   atomic64_read(&rust_zap_branch_hits[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mm_zap_branches);

static int __init mm_zap_debugfs_init(void)
{
	debugfs_create_file("mm_zap", 0444, NULL, NULL, &mm_zap_fops);
	if (IS_ENABLED(CONFIG_RUST_MM_ZAP_BRANCH_STATS))
		debugfs_create_file("mm_zap_branches", 0444, NULL, NULL,
				    &mm_zap_branches_fops);
	return 0;
}
late_initcall(mm_zap_debugfs_init);

/* The flush zap_pte_range() does before dropping the pte lock. */
void rust_zap_force_flush_locked(struct mmu_gather *tlb,
				 struct vm_area_struct *vma)
{
	tlb_flush_mmu_tlbonly(tlb);
	tlb_flush_rmaps(tlb, vma);
}

/* One WARN_ON_ONCE() site per condition, as in the C code. */
void rust_zap_warn_install_not_none(void)
{
	/* The current status of the pte should be "cleared" before calling */
	WARN_ON_ONCE(1);
}

void rust_zap_warn_device_not_anon(void)
{
	/* Device private/exclusive entries only map anonymous folios. */
	WARN_ON_ONCE(1);
}

void rust_zap_warn_unknown_entry(swp_entry_t entry)
{
	/* We should have covered all the swap entry types */
	pr_alert("unrecognized swap entry 0x%lx\n", entry.val);
	WARN_ON_ONCE(1);
}
