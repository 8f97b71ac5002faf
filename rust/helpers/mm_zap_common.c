// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP) whose C is
 * the same on every kernel line the path supports: the page table entry,
 * folio, vma and page table functions zap_pte_range() calls. Each is named
 * after the function it calls. What differs between the lines is in each
 * line's rust/helpers/mm_zap.c, the mmu_gather helpers in mm_zap_tlb.c.
 */

#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>
#include "../../mm/internal.h"

#ifdef CONFIG_RUST_MM_ZAP

/* Page table entries. */

__rust_helper pte_t rust_helper_ptep_get(pte_t *ptep)
{
	return ptep_get(ptep);
}

__rust_helper bool rust_helper_pte_none(pte_t pte)
{
	return pte_none(pte);
}

__rust_helper bool rust_helper_pte_present(pte_t pte)
{
	return pte_present(pte);
}

__rust_helper bool rust_helper_pte_dirty(pte_t pte)
{
	return pte_dirty(pte);
}

__rust_helper bool rust_helper_pte_young(pte_t pte)
{
	return pte_young(pte);
}

__rust_helper pte_t rust_helper_make_pte_marker(pte_marker marker)
{
	return make_pte_marker(marker);
}

/* Folios. */

__rust_helper struct folio *rust_helper_page_folio(struct page *page)
{
	return page_folio(page);
}

__rust_helper bool rust_helper_folio_test_anon(const struct folio *folio)
{
	return folio_test_anon(folio);
}

__rust_helper bool rust_helper_folio_test_large(const struct folio *folio)
{
	return folio_test_large(folio);
}

__rust_helper bool rust_helper_folio_test_swapbacked(const struct folio *folio)
{
	return folio_test_swapbacked(folio);
}

__rust_helper int rust_helper_folio_mapcount(const struct folio *folio)
{
	return folio_mapcount(folio);
}

__rust_helper void rust_helper_folio_put(struct folio *folio)
{
	folio_put(folio);
}

/* The vma, and the scheduler. */

__rust_helper bool rust_helper_userfaultfd_wp(struct vm_area_struct *vma)
{
	return userfaultfd_wp(vma);
}

__rust_helper bool rust_helper_need_resched(void)
{
	return need_resched();
}

#ifndef arch_check_zapped_pte
/* Without an arch hook, the no-op of linux/pgtable.h. */
__rust_helper void rust_helper_arch_check_zapped_pte(struct vm_area_struct *vma,
						     pte_t pte)
{
	arch_check_zapped_pte(vma, pte);
}
#endif

__rust_helper void rust_helper_ksm_might_unmap_zero_page(struct mm_struct *mm,
							 pte_t pte)
{
	ksm_might_unmap_zero_page(mm, pte);
}

/* Page tables: locking, clearing, setting, batching. */

__rust_helper void rust_helper_pte_unmap(pte_t *pte)
{
	pte_unmap(pte);
}

#ifndef CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH
/* A function of mm/rmap.c with CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH. */
__rust_helper void rust_helper_flush_tlb_batched_pending(struct mm_struct *mm)
{
	flush_tlb_batched_pending(mm);
}
#endif

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

__rust_helper void rust_helper_set_pte_at(struct mm_struct *mm,
					  unsigned long addr, pte_t *ptep,
					  pte_t pte)
{
	set_pte_at(mm, addr, ptep, pte);
}

__rust_helper int rust_helper_swap_pte_batch(pte_t *start_ptep, int max_nr,
					     pte_t pte)
{
	return swap_pte_batch(start_ptep, max_nr, pte);
}

#endif /* CONFIG_RUST_MM_ZAP */
