/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmu_gather helpers of rust/helpers/mm_zap_tlb.c as module code sees
 * them: prototypes only. asm/tlb.h is for built-in code (an architecture's
 * tlb_flush() may call TLB functions declared only #ifndef MODULE), while
 * rust/helpers/helpers.c is also compiled as helpers_module.bc, with
 * -DMODULE, and bindgen reads the helpers as module code too. Modules never
 * call them: the zap path is built in.
 */
#ifndef _RUST_HELPERS_MM_ZAP_TLB_H
#define _RUST_HELPERS_MM_ZAP_TLB_H

struct mmu_gather;

bool rust_helper_tlb_fullmm(struct mmu_gather *tlb);
void rust_helper_tlb_remove_tlb_entries(struct mmu_gather *tlb, pte_t *ptep,
					unsigned int nr, unsigned long address);
bool rust_helper_tlb_delay_rmap(struct mmu_gather *tlb);
bool rust_helper_tlb_try_add_folio_pages(struct mmu_gather *tlb,
					 struct page *page,
					 unsigned int nr_pages,
					 bool delay_rmap);
void rust_helper_tlb_change_page_size(struct mmu_gather *tlb,
				      unsigned int page_size);
#ifdef CONFIG_HUGETLB_PAGE
void rust_helper_tlb_start_vma(struct mmu_gather *tlb,
			       struct vm_area_struct *vma);
void rust_helper_tlb_end_vma(struct mmu_gather *tlb,
			     struct vm_area_struct *vma);
void rust_helper_tlb_remove_huge_tlb_entry(struct hstate *h,
					   struct mmu_gather *tlb,
					   pte_t *ptep, unsigned long address);
void rust_helper_tlb_remove_page_size(struct mmu_gather *tlb,
				      struct page *page, int page_size);
#endif

#endif /* _RUST_HELPERS_MM_ZAP_TLB_H */
