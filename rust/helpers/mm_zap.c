// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP): the static
 * inline functions and macros of the page table, swap entry and rmap code
 * that zap_pte_range() calls. With CONFIG_RUST_INLINE_HELPERS they inline
 * into the Rust code as they do into the C.
 */

#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "../../mm/internal.h"
#include "helpers.h"

#ifdef CONFIG_RUST_MM_ZAP

__rust_helper pte_t *rust_helper_pte_offset_map_lock(struct mm_struct *mm,
						     pmd_t *pmd,
						     unsigned long addr,
						     spinlock_t **ptlp)
{
	return pte_offset_map_lock(mm, pmd, addr, ptlp);
}

__rust_helper void rust_helper_pte_unmap_unlock(pte_t *pte, spinlock_t *ptl)
{
	pte_unmap_unlock(pte, ptl);
}

#ifndef CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH
/* A function of mm/rmap.c with CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH. */
__rust_helper void rust_helper_flush_tlb_batched_pending(struct mm_struct *mm)
{
	flush_tlb_batched_pending(mm);
}
#endif

__rust_helper void rust_helper_arch_enter_lazy_mmu_mode(void)
{
	arch_enter_lazy_mmu_mode();
}

__rust_helper void rust_helper_arch_leave_lazy_mmu_mode(void)
{
	arch_leave_lazy_mmu_mode();
}

__rust_helper pte_t rust_helper_ptep_get_and_clear_full(struct mm_struct *mm,
							 unsigned long addr,
							 pte_t *ptep, int full)
{
	return ptep_get_and_clear_full(mm, addr, ptep, full);
}

__rust_helper pte_t rust_helper_get_and_clear_full_ptes(struct mm_struct *mm,
							 unsigned long addr,
							 pte_t *ptep,
							 unsigned int nr,
							 int full)
{
	return get_and_clear_full_ptes(mm, addr, ptep, nr, full);
}

__rust_helper void rust_helper_clear_full_ptes(struct mm_struct *mm,
					       unsigned long addr, pte_t *ptep,
					       unsigned int nr, int full)
{
	clear_full_ptes(mm, addr, ptep, nr, full);
}

__rust_helper void rust_helper_clear_not_present_full_ptes(struct mm_struct *mm,
							    unsigned long addr,
							    pte_t *ptep,
							    unsigned int nr,
							    int full)
{
	clear_not_present_full_ptes(mm, addr, ptep, nr, full);
}

__rust_helper void rust_helper_set_pte_at(struct mm_struct *mm,
					  unsigned long addr, pte_t *ptep,
					  pte_t pte)
{
	set_pte_at(mm, addr, ptep, pte);
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

__rust_helper int rust_helper_swap_pte_batch(pte_t *start_ptep, int max_nr,
					     pte_t pte)
{
	return swap_pte_batch(start_ptep, max_nr, pte);
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

__rust_helper void rust_helper_folio_put(struct folio *folio)
{
	folio_put(folio);
}

__rust_helper void rust_helper_ksm_might_unmap_zero_page(struct mm_struct *mm,
							 pte_t pte)
{
	ksm_might_unmap_zero_page(mm, pte);
}

#endif /* CONFIG_RUST_MM_ZAP */
