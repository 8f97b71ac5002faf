// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust __unmap_hugepage_range() (mm/rust_zap/hugetlb.rs)
 * whose C is the same on every kernel line the zap path supports, each
 * named after the function it calls. huge_pte_uffd(), which differs, is in
 * each line's rust/helpers/mm_zap.c; the mmu_gather ones are in
 * mm_zap_tlb.c.
 */

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/spinlock.h>

#ifdef CONFIG_RUST_MM_ZAP

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

#endif /* CONFIG_RUST_MM_ZAP */
