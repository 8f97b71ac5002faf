/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zap_pte_range(), pte_install_uffd_wp_if_needed() (Linux 6.12) or
 * cond_install_uffd_wp_ptes() (7.3) and __unmap_hugepage_range() in Rust
 * (mm/rust_zap/), and the C glue the Rust code calls for what C keeps static
 * or in asm/tlb.h (which bindgen cannot parse). One header for both kernel
 * lines: what only one line defines is marked so.
 */
#ifndef _LINUX_RUST_ZAP_H
#define _LINUX_RUST_ZAP_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/mm_types.h>

struct hstate;
struct mmu_gather;
struct zap_details;

/* Implemented in Rust: mm/rust_zap/rust_zap.rs. */
unsigned long rust_zap_pte_range(struct mmu_gather *tlb,
				 struct vm_area_struct *vma, pmd_t *pmd,
				 unsigned long addr, unsigned long end,
				 struct zap_details *details);
/* 6.12 */
void rust_pte_install_uffd_wp_if_needed(struct vm_area_struct *vma,
					unsigned long addr, pte_t *pte,
					pte_t pteval);
/* 7.3 */
bool rust_cond_install_uffd_wp_ptes(struct vm_area_struct *vma,
				    unsigned long addr, pte_t *ptep, pte_t pte,
				    unsigned long nr_ptes);
/* @folio: 7.3's argument; 6.12 passes the folio of its ref_page. */
void rust_unmap_hugepage_range(struct mmu_gather *tlb,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end,
			       struct folio *folio, zap_flags_t zap_flags);

/*
 * Declared in asm-generic/tlb.h too, which bindgen cannot parse (it parses
 * as module code, and asm/tlb.h is for built-in code).
 */
bool __tlb_remove_folio_pages(struct mmu_gather *tlb, struct page *page,
			      unsigned int nr_pages, bool delay_rmap);
void tlb_flush_mmu(struct mmu_gather *tlb);

/*
 * Branches of the Rust zap loop, counted with CONFIG_RUST_MM_ZAP_BRANCH_STATS
 * and listed in debugfs "mm_zap_branches": which kinds of entry tests reach.
 */
enum rust_zap_branch {
	RUST_ZAP_BR_PRESENT,		/* present pte of a small folio */
	RUST_ZAP_BR_PRESENT_BATCH,	/* ptes of a large folio, batched */
	RUST_ZAP_BR_PRESENT_NOPAGE,	/* present, no struct page */
	RUST_ZAP_BR_PRESENT_KEPT,	/* present, !should_zap_folio() */
	RUST_ZAP_BR_DEVICE_PRIVATE,
	RUST_ZAP_BR_DEVICE_EXCLUSIVE,
	RUST_ZAP_BR_SWAP,		/* genuine swap entries, batched */
	RUST_ZAP_BR_MIGRATION,
	RUST_ZAP_BR_MARKER_KEPT,	/* uffd-wp marker of file memory kept */
	RUST_ZAP_BR_MARKER_DROPPED,	/* uffd-wp marker dropped */
	RUST_ZAP_BR_HWPOISON,
	RUST_ZAP_BR_POISONED_MARKER,
	RUST_ZAP_BR_UNKNOWN,
	RUST_ZAP_BR_NON_PRESENT_KEPT,	/* other non-present entry kept */
	RUST_ZAP_BR_MARKER_INSTALLED,	/* uffd-wp marker re-armed */
	RUST_ZAP_BR_DIRTY,		/* file folio dirtied */
	RUST_ZAP_BR_DELAY_RMAP,
	RUST_ZAP_BR_FORCE_BREAK,	/* gather full: flush, come back */
	RUST_ZAP_BR_FORCE_FLUSH,
	RUST_ZAP_BR_RESCHED,		/* need_resched(): come back */
	RUST_ZAP_BR_NO_TABLE,		/* pte_offset_map_lock() failed */
	/* __unmap_hugepage_range() */
	RUST_ZAP_BR_HUGE_NO_TABLE,	/* hugetlb_walk() found no table */
	RUST_ZAP_BR_HUGE_PMD_UNSHARED,	/* huge_pmd_unshare() */
	RUST_ZAP_BR_HUGE_NON_PRESENT_MARKER, /* non-present, marker left */
	RUST_ZAP_BR_HUGE_NON_PRESENT_CLEARED,
	RUST_ZAP_BR_HUGE_REF_OTHER,	/* not ref_page: skipped */
	RUST_ZAP_BR_HUGE_REF_UNMAPPED,	/* ref_page: HPAGE_RESV_UNMAPPED */
	RUST_ZAP_BR_HUGE_PRESENT,
	RUST_ZAP_BR_HUGE_DIRTY,		/* set_page_dirty() */
	RUST_ZAP_BR_HUGE_MARKER_INSTALLED, /* present, uffd-wp: marker */
	RUST_ZAP_BR_HUGE_RESV_RESTORED,	/* vma_add_reservation() */
	RUST_ZAP_BR_HUGE_RESV_FAILED,	/* vma_needs_reservation() < 0 */
	/* 7.3 only (glue.c lists them only there) */
	RUST_ZAP_BR_NONE_RUN,		/* a run of none ptes skipped */
	RUST_ZAP_BR_GUARD_KEPT,		/* guard marker kept */
	RUST_ZAP_BR_GUARD_DROPPED,	/* guard marker dropped */
	RUST_ZAP_BR_PT_RECLAIMED,	/* empty pte table freed */
	RUST_ZAP_NR_BRANCHES
};

extern atomic64_t rust_zap_branch_hits[RUST_ZAP_NR_BRANCHES];

/*
 * C glue for the Rust path (mm/rust_zap/glue.c, mm/memory.c): the statics of
 * mm/memory.c, what needs asm/tlb.h (which bindgen cannot parse) and the
 * warnings. The static inline functions it calls are helpers, in
 * rust/helpers/mm_zap.c.
 */
void rust_zap_print_bad_pte(struct vm_area_struct *vma, unsigned long addr,
			    pte_t pte, struct page *page);
void rust_zap_add_mm_rss_vec(struct mm_struct *mm, int *rss);
void rust_zap_force_flush_locked(struct mmu_gather *tlb,
				 struct vm_area_struct *vma);
void rust_zap_warn_install_not_none(void);
void rust_zap_warn_device_not_anon(void);
void rust_zap_warn_unknown_entry(swp_entry_t entry);

/* Statics of 7.3's mm/memory.c: page table reclaim (CONFIG_PT_RECLAIM). */
bool rust_zap_pte_table_reclaim_possible(unsigned long start,
					 unsigned long end,
					 struct zap_details *details);
bool rust_zap_empty_pte_table(struct mm_struct *mm, pmd_t *pmd,
			      spinlock_t *ptl, pmd_t *pmdval);
bool rust_zap_pte_table_if_empty(struct mm_struct *mm, pmd_t *pmd,
				 unsigned long addr, pmd_t *pmdval);
void rust_zap_free_pte_table(struct mmu_gather *tlb, pmd_t pmdval,
			     unsigned long addr);

/* Statics of mm/hugetlb.c, for the Rust __unmap_hugepage_range(). */
void rust_zap_hugetlb_set_resv_unmapped(struct vm_area_struct *vma);
long rust_zap_vma_needs_reservation(struct hstate *h,
				    struct vm_area_struct *vma,
				    unsigned long addr);
long rust_zap_vma_add_reservation(struct hstate *h,
				  struct vm_area_struct *vma,
				  unsigned long addr);

/* For the KUnit suite, mm/rust_zap/rust_zap_kunit.c. */
u32 rust_zap_test_pte(pte_t pte);
u32 rust_zap_test_policy(u32 input);
u32 rust_zap_test_gather(struct mmu_gather *tlb, pte_t *ptep,
			 unsigned long addr, struct page *page, unsigned int nr,
			 bool dirty_file);

#ifdef CONFIG_RUST_MM_ZAP

/* Selects the Rust implementation; "mm_zap=c" on the command line clears it. */
DECLARE_STATIC_KEY_TRUE(rust_mm_zap_key);

static __always_inline bool rust_mm_zap_enabled(void)
{
	return static_branch_likely(&rust_mm_zap_key);
}

#else /* !CONFIG_RUST_MM_ZAP */

static inline bool rust_mm_zap_enabled(void)
{
	return false;
}

#endif /* CONFIG_RUST_MM_ZAP */

#endif /* _LINUX_RUST_ZAP_H */
