// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP): the static
 * inline functions and macros of the page table, swap entry, folio, vma,
 * scheduler and mmu_gather code that zap_pte_range() calls. With
 * CONFIG_RUST_INLINE_HELPERS they inline into the Rust code as they do into
 * the C; the Rust code knows no layout of its own.
 */

#include <linux/hugetlb.h>
#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>
#include <asm/tlb.h>
#include "../../mm/internal.h"
#include "helpers.h"

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

__rust_helper pte_t rust_helper_make_pte_marker(pte_marker marker)
{
	return make_pte_marker(marker);
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

/* The vma, and the scheduler. */

__rust_helper bool rust_helper_vma_is_anonymous(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_userfaultfd_wp(struct vm_area_struct *vma)
{
	return userfaultfd_wp(vma);
}

__rust_helper bool rust_helper_vma_has_recency(struct vm_area_struct *vma)
{
	return vma_has_recency(vma);
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

/* The mmu_gather. */

__rust_helper bool rust_helper_tlb_fullmm(struct mmu_gather *tlb)
{
	return tlb->fullmm;
}

__rust_helper void rust_helper_tlb_remove_tlb_entries(struct mmu_gather *tlb,
						      pte_t *ptep,
						      unsigned int nr,
						      unsigned long address)
{
	tlb_remove_tlb_entries(tlb, ptep, nr, address);
}

__rust_helper bool rust_helper_tlb_delay_rmap(struct mmu_gather *tlb)
{
	return tlb_delay_rmap(tlb);
}

__rust_helper bool rust_helper_tlb_try_add_folio_pages(struct mmu_gather *tlb,
						       struct page *page,
						       unsigned int nr_pages,
						       bool delay_rmap)
{
	return tlb_try_add_folio_pages(tlb, page, nr_pages, delay_rmap);
}

/* Page tables: locking, clearing, setting, batching. */

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

/* Named after 7.3's lazy_mmu_mode_enable()/_disable(). */
__rust_helper void rust_helper_lazy_mmu_mode_enable(void)
{
	arch_enter_lazy_mmu_mode();
}

__rust_helper void rust_helper_lazy_mmu_mode_disable(void)
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

#ifdef CONFIG_HUGETLB_PAGE
/*
 * __unmap_hugepage_range(). What an architecture provides out of line (arm64:
 * huge_ptep_get(), huge_ptep_get_and_clear(), huge_pte_clear(),
 * set_huge_pte_at()) has a helper only where asm-generic/hugetlb.h makes it
 * inline.
 */

__rust_helper struct hstate *rust_helper_hstate_vma(struct vm_area_struct *vma)
{
	return hstate_vma(vma);
}

__rust_helper unsigned long rust_helper_huge_page_size(const struct hstate *h)
{
	return huge_page_size(h);
}

__rust_helper unsigned int
rust_helper_pages_per_huge_page(const struct hstate *h)
{
	return pages_per_huge_page(h);
}

__rust_helper pte_t *rust_helper_hugetlb_walk(struct vm_area_struct *vma,
					      unsigned long addr,
					      unsigned long sz)
{
	return hugetlb_walk(vma, addr, sz);
}

__rust_helper spinlock_t *rust_helper_huge_pte_lock(struct hstate *h,
						    struct mm_struct *mm,
						    pte_t *pte)
{
	return huge_pte_lock(h, mm, pte);
}

__rust_helper bool rust_helper_hugetlb_pmd_shared(pte_t *pte)
{
	return hugetlb_pmd_shared(pte);
}

#ifndef __HAVE_ARCH_HUGE_PTEP_GET
__rust_helper pte_t rust_helper_huge_ptep_get(struct mm_struct *mm,
					      unsigned long addr, pte_t *ptep)
{
	return huge_ptep_get(mm, addr, ptep);
}
#endif

#ifndef __HAVE_ARCH_HUGE_PTE_NONE
__rust_helper int rust_helper_huge_pte_none(pte_t pte)
{
	return huge_pte_none(pte);
}
#endif

__rust_helper unsigned long rust_helper_huge_pte_dirty(pte_t pte)
{
	return huge_pte_dirty(pte);
}

/* Named after 7.3's huge_pte_uffd(). */
__rust_helper int rust_helper_huge_pte_uffd(pte_t pte)
{
	return huge_pte_uffd_wp(pte);
}

__rust_helper struct page *rust_helper_pte_page(pte_t pte)
{
	return pte_page(pte);
}

#ifndef __HAVE_ARCH_HUGE_PTEP_GET_AND_CLEAR
__rust_helper pte_t rust_helper_huge_ptep_get_and_clear(struct mm_struct *mm,
							 unsigned long addr,
							 pte_t *ptep,
							 unsigned long sz)
{
	return huge_ptep_get_and_clear(mm, addr, ptep, sz);
}
#endif

#ifndef __HAVE_ARCH_HUGE_PTE_CLEAR
__rust_helper void rust_helper_huge_pte_clear(struct mm_struct *mm,
					      unsigned long addr, pte_t *ptep,
					      unsigned long sz)
{
	huge_pte_clear(mm, addr, ptep, sz);
}
#endif

#ifndef __HAVE_ARCH_HUGE_SET_HUGE_PTE_AT
__rust_helper void rust_helper_set_huge_pte_at(struct mm_struct *mm,
					       unsigned long addr, pte_t *ptep,
					       pte_t pte, unsigned long sz)
{
	set_huge_pte_at(mm, addr, ptep, pte, sz);
}
#endif

__rust_helper void rust_helper_hugetlb_count_sub(long l, struct mm_struct *mm)
{
	hugetlb_count_sub(l, mm);
}

__rust_helper void rust_helper_hugetlb_remove_rmap(struct folio *folio)
{
	hugetlb_remove_rmap(folio);
}

__rust_helper bool rust_helper_folio_mapped(const struct folio *folio)
{
	return folio_mapped(folio);
}

__rust_helper void
rust_helper_folio_set_hugetlb_restore_reserve(struct folio *folio)
{
	folio_set_hugetlb_restore_reserve(folio);
}

__rust_helper void
rust_helper_folio_clear_hugetlb_restore_reserve(struct folio *folio)
{
	folio_clear_hugetlb_restore_reserve(folio);
}

__rust_helper void rust_helper_spin_lock_irq(spinlock_t *lock)
{
	spin_lock_irq(lock);
}

__rust_helper void rust_helper_spin_unlock_irq(spinlock_t *lock)
{
	spin_unlock_irq(lock);
}

/* The mmu_gather of a hugetlb vma. */

__rust_helper void rust_helper_tlb_change_page_size(struct mmu_gather *tlb,
						    unsigned int page_size)
{
	tlb_change_page_size(tlb, page_size);
}

__rust_helper void rust_helper_tlb_start_vma(struct mmu_gather *tlb,
					     struct vm_area_struct *vma)
{
	tlb_start_vma(tlb, vma);
}

__rust_helper void rust_helper_tlb_end_vma(struct mmu_gather *tlb,
					   struct vm_area_struct *vma)
{
	tlb_end_vma(tlb, vma);
}

__rust_helper void rust_helper_tlb_remove_huge_tlb_entry(struct hstate *h,
							 struct mmu_gather *tlb,
							 pte_t *ptep,
							 unsigned long address)
{
	tlb_remove_huge_tlb_entry(h, tlb, ptep, address);
}

__rust_helper void rust_helper_tlb_remove_page_size(struct mmu_gather *tlb,
						    struct page *page,
						    int page_size)
{
	tlb_remove_page_size(tlb, page, page_size);
}
#endif /* CONFIG_HUGETLB_PAGE */

#endif /* CONFIG_RUST_MM_ZAP */
