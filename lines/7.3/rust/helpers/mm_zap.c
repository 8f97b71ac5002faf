// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the Rust zap path (mm/rust_zap/, CONFIG_RUST_MM_ZAP), Linux 7.3:
 * the static inline functions and macros of the page table, softleaf, vma
 * and scheduler code that zap_pte_range(), cond_install_uffd_wp_ptes() and
 * __unmap_hugepage_range() call, where 7.3's differ from 6.12's. Each is
 * named after the function it calls. With CONFIG_RUST_INLINE_HELPERS they
 * inline into the Rust code as they do into the C; the Rust code knows no
 * layout of its own. What 7.3 has out of line (pte_offset_map_lock(),
 * folio_pte_batch(), swap_put_entries_direct() with CONFIG_SWAP) the Rust
 * code calls directly. The helpers whose C is the same on every line are in
 * mm_zap_common.c, mm_zap_hugetlb.c and mm_zap_tlb.c.
 */

#include <linux/hugetlb.h>
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

/* The vma, and the scheduler. */

__rust_helper bool rust_helper_vma_is_anonymous(const struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_vma_has_recency(const struct vm_area_struct *vma)
{
	return vma_has_recency(vma);
}

__rust_helper void rust_helper_cond_resched(void)
{
	cond_resched();
}

/* Page tables: locking, clearing, setting, batching. */

__rust_helper void rust_helper_lazy_mmu_mode_enable(void)
{
	lazy_mmu_mode_enable();
}

__rust_helper void rust_helper_lazy_mmu_mode_disable(void)
{
	lazy_mmu_mode_disable();
}

__rust_helper void rust_helper_clear_nonpresent_ptes(struct mm_struct *mm,
						     unsigned long addr,
						     pte_t *ptep,
						     unsigned int nr)
{
	clear_nonpresent_ptes(mm, addr, ptep, nr);
}

#ifndef CONFIG_SWAP
/* A function of mm/swapfile.c with CONFIG_SWAP. */
__rust_helper void rust_helper_swap_put_entries_direct(swp_entry_t entry,
						       int nr)
{
	swap_put_entries_direct(entry, nr);
}
#endif

#if defined(CONFIG_HUGETLB_PAGE) && !defined(__HAVE_ARCH_HUGE_PTE_UFFD)
/* __unmap_hugepage_range(). */
__rust_helper int rust_helper_huge_pte_uffd(pte_t pte)
{
	return huge_pte_uffd(pte);
}
#endif

#endif /* CONFIG_RUST_MM_ZAP */
