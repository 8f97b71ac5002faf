/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zap_pte_range() and pte_install_uffd_wp_if_needed() in Rust
 * (mm/rust_zap/), and the C glue the Rust code calls for what C keeps
 * inline or static: page table locking, swap and rmap checks, and the
 * view of struct mmu_gather the Rust code adds to natively.
 */
#ifndef _LINUX_RUST_ZAP_H
#define _LINUX_RUST_ZAP_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/mm_types.h>
#include <linux/string.h>

struct mmu_gather;
struct zap_details;

/* Implemented in Rust: mm/rust_zap/rust_zap.rs. */
unsigned long rust_zap_pte_range(struct mmu_gather *tlb,
				 struct vm_area_struct *vma, pmd_t *pmd,
				 unsigned long addr, unsigned long end,
				 struct zap_details *details);
void rust_pte_install_uffd_wp_if_needed(struct vm_area_struct *vma,
					unsigned long addr, pte_t *pte,
					pte_t pteval);

/*
 * The part of struct mmu_gather and struct mmu_gather_batch
 * (asm-generic/tlb.h, which bindgen cannot parse) that the Rust path
 * updates natively: the TLB range of the ptes it clears and the fast path
 * of __tlb_remove_folio_pages() (mm/rust_zap/gather.rs). glue.c checks at
 * build time that every field and bit lies where the real structures have
 * it.
 */
struct rust_zap_tlb_batch {
	struct rust_zap_tlb_batch *next;
	unsigned int nr;
	unsigned int max;
	unsigned long encoded_pages[];
};

struct rust_zap_tlb {
	struct mm_struct *mm;
#ifdef CONFIG_MMU_GATHER_TABLE_FREE
	void *batch;
#endif
	unsigned long start;
	unsigned long end;
	unsigned int flags;	/* the bit fields, fullmm first */
	unsigned int batch_count;
	struct rust_zap_tlb_batch *active;
};

/* Bits of rust_zap_tlb.flags: the bit fields of struct mmu_gather. */
#define RUST_ZAP_TLB_FULLMM		(1U << 0)
#define RUST_ZAP_TLB_DELAYED_RMAP	(1U << 3)
#define RUST_ZAP_TLB_CLEARED_PTES	(1U << 4)

/* The word of @tlb's bit fields, as the Rust path reads and writes it. */
static __always_inline unsigned int
rust_zap_tlb_flags(const struct mmu_gather *tlb)
{
	unsigned int word;

	memcpy(&word, (const char *)tlb + offsetof(struct rust_zap_tlb, flags),
	       sizeof(word));
	return word;
}

/* Declared in asm-generic/tlb.h too; repeated here for bindgen. */
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
	RUST_ZAP_NR_BRANCHES
};

extern atomic64_t rust_zap_branch_hits[RUST_ZAP_NR_BRANCHES];

/*
 * C glue for the Rust path (mm/rust_zap/glue.c, mm/memory.c): the statics of
 * mm/memory.c, what needs asm/tlb.h (which bindgen cannot parse) and the
 * warnings. The static inline functions it calls are helpers, in
 * rust/helpers/mm_zap.c.
 */
void rust_zap_check_mapcount(struct vm_area_struct *vma, unsigned long addr,
			     pte_t ptent, struct folio *folio, struct page *page);
void rust_zap_add_mm_rss_vec(struct mm_struct *mm, int *rss);
void rust_zap_force_flush_locked(struct mmu_gather *tlb,
				 struct vm_area_struct *vma);
void rust_zap_warn_install_not_none(void);
void rust_zap_warn_device_not_anon(void);
void rust_zap_warn_unknown_entry(swp_entry_t entry);

/* For the KUnit suite, mm/rust_zap/rust_zap_kunit.c. */
u32 rust_zap_test_pte(pte_t pte);
unsigned long rust_zap_test_swp_entry(pte_t pte);
struct task_struct *rust_zap_test_current(bool *need_resched);
struct folio *rust_zap_test_folio(struct page *page, u32 *flags);
pte_t rust_zap_test_uffd_wp_marker(void);
u32 rust_zap_test_policy(u32 input);
u32 rust_zap_test_vma(struct vm_area_struct *vma, struct mm_struct **mm);
u32 rust_zap_test_gather(struct mmu_gather *tlb, unsigned long addr,
			 struct page *page, unsigned int nr, bool dirty_file);

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
