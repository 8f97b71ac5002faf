// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path for the mmu_gather, from asm/tlb.h, whose C
 * is the same on every kernel line the path supports; each is named after
 * the function it calls. asm/tlb.h is for built-in code only: an
 * architecture's tlb_flush() may call TLB functions declared only #ifndef
 * MODULE (x86's flush_tlb_mm_range()). Where rust/helpers/helpers.c is also
 * compiled as module code (upstream's helpers_module.bc, with -DMODULE; and
 * bindgen, which reads the helpers as module code too there), that code
 * sees the prototypes of mm_zap_tlb.h. Modules never call them: the zap
 * path is built in.
 */

#include <linux/hugetlb.h>
#include <linux/mm.h>

#ifdef CONFIG_RUST_MM_ZAP

#ifdef MODULE
#include "mm_zap_tlb.h"
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
