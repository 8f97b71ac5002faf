// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP): the static
 * inline functions and macros of the page table, swap entry and vma code that
 * zap_pte_range() calls, where 6.12's differ from the newest line's. With
 * CONFIG_RUST_INLINE_HELPERS they inline into the Rust code as they do into
 * the C; the Rust code knows no layout of its own. The helpers whose C is the
 * same on every line are in mm_zap_common.c, mm_zap_hugetlb.c and
 * mm_zap_tlb.c.
 */

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "../../mm/internal.h"

#ifdef CONFIG_RUST_MM_ZAP

/* Page table entries. */

/*
 * The crate's shared modules call the names of the newest kernel line; these
 * map them to 6.12's: pte_uffd() is 6.12's pte_uffd_wp(), pte_swp_uffd()
 * its pte_swp_uffd_wp(), pte_swp_uffd_any() its pte_swp_uffd_wp_any().
 */
__rust_helper bool rust_helper_pte_uffd(pte_t pte)
{
	return pte_uffd_wp(pte);
}

__rust_helper bool rust_helper_pte_swp_uffd(pte_t pte)
{
	return pte_swp_uffd_wp(pte);
}

__rust_helper bool rust_helper_pte_swp_uffd_any(pte_t pte)
{
	return pte_swp_uffd_wp_any(pte);
}

/* Swap entries: the kinds zap_pte_range() tells apart, in its order. */

__rust_helper swp_entry_t rust_helper_pte_to_swp_entry(pte_t pte)
{
	return pte_to_swp_entry(pte);
}

__rust_helper bool rust_helper_is_device_private_entry(swp_entry_t entry)
{
	return is_device_private_entry(entry);
}

__rust_helper bool rust_helper_is_device_exclusive_entry(swp_entry_t entry)
{
	return is_device_exclusive_entry(entry);
}

__rust_helper bool rust_helper_non_swap_entry(swp_entry_t entry)
{
	return non_swap_entry(entry);
}

__rust_helper bool rust_helper_is_migration_entry(swp_entry_t entry)
{
	return is_migration_entry(entry);
}

__rust_helper bool rust_helper_pte_marker_entry_uffd_wp(swp_entry_t entry)
{
	return pte_marker_entry_uffd_wp(entry);
}

__rust_helper bool rust_helper_is_hwpoison_entry(swp_entry_t entry)
{
	return is_hwpoison_entry(entry);
}

__rust_helper bool rust_helper_is_poisoned_swp_entry(swp_entry_t entry)
{
	return is_poisoned_swp_entry(entry);
}

/* The vma. */

__rust_helper bool rust_helper_vma_is_anonymous(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_vma_has_recency(struct vm_area_struct *vma)
{
	return vma_has_recency(vma);
}

/* Page tables: locking, clearing, setting, batching. */

__rust_helper pte_t *rust_helper_pte_offset_map_lock(struct mm_struct *mm,
						     pmd_t *pmd,
						     unsigned long addr,
						     spinlock_t **ptlp)
{
	return pte_offset_map_lock(mm, pmd, addr, ptlp);
}

/* Named after 7.3's lazy_mmu_mode_enable()/_disable(). */
__rust_helper void rust_helper_lazy_mmu_mode_enable(void)
{
	arch_enter_lazy_mmu_mode();
}

__rust_helper void rust_helper_lazy_mmu_mode_disable(void)
{
	arch_leave_lazy_mmu_mode();
}

__rust_helper void rust_helper_clear_not_present_full_ptes(struct mm_struct *mm,
							    unsigned long addr,
							    pte_t *ptep,
							    unsigned int nr,
							    int full)
{
	clear_not_present_full_ptes(mm, addr, ptep, nr, full);
}

/* zap_present_ptes()'s batch of the ptes that map one large folio. */
__rust_helper int rust_helper_folio_pte_batch(struct folio *folio,
					      unsigned long addr, pte_t *ptep,
					      pte_t pte, int max_nr,
					      fpb_t flags)
{
	return folio_pte_batch(folio, addr, ptep, pte, max_nr, flags, NULL,
			       NULL, NULL);
}

#ifndef CONFIG_SWAP
/* A function of mm/swapfile.c with CONFIG_SWAP. */
__rust_helper void rust_helper_free_swap_and_cache_nr(swp_entry_t entry,
						      int nr)
{
	free_swap_and_cache_nr(entry, nr);
}
#endif

__rust_helper struct page *rust_helper_pfn_swap_entry_to_page(swp_entry_t entry)
{
	return pfn_swap_entry_to_page(entry);
}

#ifdef CONFIG_HUGETLB_PAGE
/* __unmap_hugepage_range(): named after 7.3's huge_pte_uffd(). */
__rust_helper int rust_helper_huge_pte_uffd(pte_t pte)
{
	return huge_pte_uffd_wp(pte);
}
#endif /* CONFIG_HUGETLB_PAGE */

#endif /* CONFIG_RUST_MM_ZAP */
