// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP), Linux 7.3:
 * the static inline functions and macros of the page table, softleaf, folio,
 * vma, scheduler and mmu_gather code that zap_pte_range(),
 * cond_install_uffd_wp_ptes() and __unmap_hugepage_range() call. Each is
 * named after the function it calls. With CONFIG_RUST_INLINE_HELPERS they
 * inline into the Rust code as they do into the C; the Rust code knows no
 * layout of its own. What 7.3 has out of line (pte_offset_map_lock(),
 * folio_pte_batch(), swap_put_entries_direct() with CONFIG_SWAP) the Rust
 * code calls directly.
 */

#include <linux/hugetlb.h>
#include <linux/ksm.h>
#include <linux/leafops.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/swapops.h>
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

__rust_helper bool rust_helper_pte_uffd(pte_t pte)
{
	return pte_uffd(pte);
}

__rust_helper bool rust_helper_pte_swp_uffd(pte_t pte)
{
	return pte_swp_uffd(pte);
}

__rust_helper bool rust_helper_pte_swp_uffd_any(pte_t pte)
{
	return pte_swp_uffd_any(pte);
}

__rust_helper pte_t rust_helper_make_pte_marker(pte_marker marker)
{
	return make_pte_marker(marker);
}

/* PTE markers are supported (a runtime test on riscv). */
__rust_helper bool rust_helper_uffd_supports_wp_marker(void)
{
	return uffd_supports_wp_marker();
}

/* Software leaf entries: the kinds zap_nonpresent_ptes() tells apart. */

__rust_helper softleaf_t rust_helper_softleaf_from_pte(pte_t pte)
{
	return softleaf_from_pte(pte);
}

__rust_helper bool rust_helper_softleaf_is_device_private(softleaf_t entry)
{
	return softleaf_is_device_private(entry);
}

__rust_helper bool rust_helper_softleaf_is_device_exclusive(softleaf_t entry)
{
	return softleaf_is_device_exclusive(entry);
}

__rust_helper bool rust_helper_softleaf_is_swap(softleaf_t entry)
{
	return softleaf_is_swap(entry);
}

__rust_helper bool rust_helper_softleaf_is_migration(softleaf_t entry)
{
	return softleaf_is_migration(entry);
}

__rust_helper bool rust_helper_softleaf_is_uffd_wp_marker(softleaf_t entry)
{
	return softleaf_is_uffd_wp_marker(entry);
}

__rust_helper bool rust_helper_softleaf_is_guard_marker(softleaf_t entry)
{
	return softleaf_is_guard_marker(entry);
}

__rust_helper bool rust_helper_softleaf_is_hwpoison(softleaf_t entry)
{
	return softleaf_is_hwpoison(entry);
}

__rust_helper bool rust_helper_softleaf_is_poison_marker(softleaf_t entry)
{
	return softleaf_is_poison_marker(entry);
}

__rust_helper struct page *rust_helper_softleaf_to_page(softleaf_t entry)
{
	return softleaf_to_page(entry);
}

__rust_helper struct folio *rust_helper_softleaf_to_folio(softleaf_t entry)
{
	return softleaf_to_folio(entry);
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

__rust_helper bool rust_helper_vma_is_anonymous(const struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_userfaultfd_wp(struct vm_area_struct *vma)
{
	return userfaultfd_wp(vma);
}

__rust_helper bool rust_helper_vma_has_recency(const struct vm_area_struct *vma)
{
	return vma_has_recency(vma);
}

__rust_helper bool rust_helper_need_resched(void)
{
	return need_resched();
}

__rust_helper void rust_helper_cond_resched(void)
{
	cond_resched();
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

__rust_helper void rust_helper_lazy_mmu_mode_enable(void)
{
	lazy_mmu_mode_enable();
}

__rust_helper void rust_helper_lazy_mmu_mode_disable(void)
{
	lazy_mmu_mode_disable();
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

__rust_helper void rust_helper_clear_nonpresent_ptes(struct mm_struct *mm,
						     unsigned long addr,
						     pte_t *ptep,
						     unsigned int nr)
{
	clear_nonpresent_ptes(mm, addr, ptep, nr);
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

#ifndef CONFIG_SWAP
/* A function of mm/swapfile.c with CONFIG_SWAP. */
__rust_helper void rust_helper_swap_put_entries_direct(swp_entry_t entry,
						       int nr)
{
	swap_put_entries_direct(entry, nr);
}
#endif

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

#ifndef __HAVE_ARCH_HUGE_PTE_UFFD
__rust_helper int rust_helper_huge_pte_uffd(pte_t pte)
{
	return huge_pte_uffd(pte);
}
#endif

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
#endif /* CONFIG_HUGETLB_PAGE */

/*
 * The mmu_gather, from asm/tlb.h: only for built-in code. Module code
 * (helpers_module.bc, and bindgen) sees the prototypes of mm_zap.h.
 */
#ifdef MODULE
#include "mm_zap.h"
#else /* !MODULE */
#include <asm/tlb.h>

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

__rust_helper void rust_helper_tlb_change_page_size(struct mmu_gather *tlb,
						    unsigned int page_size)
{
	tlb_change_page_size(tlb, page_size);
}

#ifdef CONFIG_HUGETLB_PAGE
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
#endif /* MODULE */

#endif /* CONFIG_RUST_MM_ZAP */
