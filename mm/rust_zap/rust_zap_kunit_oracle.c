// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle of the rust_zap KUnit suite on Linux 6.12: how zap_pte_range()
 * classifies an entry, and the conditions of mm/memory.c,
 * include/linux/mm_inline.h and mm/hugetlb.c, written out.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/rust_zap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>

#include "rust_zap_kunit.h"

/* The order of the tests in zap_pte_range(). */
static u32 c_kind(pte_t pte)
{
	swp_entry_t entry;

	if (!is_swap_pte(pte))
		return KIND_NONE;
	entry = pte_to_swp_entry(pte);
	if (is_device_private_entry(entry))
		return KIND_DEVICE_PRIVATE;
	if (is_device_exclusive_entry(entry))
		return KIND_DEVICE_EXCLUSIVE;
	if (!non_swap_entry(entry))
		return KIND_SWAP;
	if (is_migration_entry(entry))
		return KIND_MIGRATION;
	if (pte_marker_entry_uffd_wp(entry))
		return KIND_UFFD_WP_MARKER;
	if (is_hwpoison_entry(entry))
		return KIND_HWPOISON;
	if (is_poisoned_swp_entry(entry))
		return KIND_POISONED;
	return KIND_UNKNOWN;
}

u32 rust_zap_kunit_c_pte(pte_t pte)
{
	bool swap = is_swap_pte(pte);
	bool bits[] = {
		pte_none(pte), pte_present(pte), swap, pte_dirty(pte),
		pte_young(pte), pte_uffd_wp(pte), swap && pte_swp_uffd_wp(pte),
		pte_swp_uffd_wp_any(pte),
	};

	return rust_zap_kunit_pte_bits(c_kind(pte), bits, ARRAY_SIZE(bits));
}

pte_t rust_zap_kunit_swp_mkuffd(pte_t pte)
{
	return pte_swp_mkuffd_wp(pte);
}

void rust_zap_kunit_markers(struct kunit *test)
{
	rust_zap_kunit_check_pte(test, make_pte_marker(PTE_MARKER_UFFD_WP));
	rust_zap_kunit_check_pte(test, make_pte_marker(PTE_MARKER_POISONED));
	rust_zap_kunit_check_pte(test, make_pte_marker(PTE_MARKER_UFFD_WP |
						       PTE_MARKER_POISONED));
	rust_zap_kunit_check_pte(test, make_pte_marker(0));
	/* The zap loop recognises this value without decoding it. */
	KUNIT_EXPECT_EQ(test, rust_zap_test_pte(make_pte_marker(PTE_MARKER_UFFD_WP)) >> 8,
			IS_ENABLED(CONFIG_PTE_MARKER_UFFD_WP) ?
			KIND_UFFD_WP_MARKER : KIND_UNKNOWN);
}

/*
 * The conditions of mm/memory.c, include/linux/mm_inline.h and mm/hugetlb.c
 * for one input, bit for bit as rust_zap_test_policy() reports them.
 */
u32 rust_zap_kunit_c_policy(u32 in)
{
	struct zap_details d = {
		.even_cows = in & BIT(1),
		.zap_flags = in & BIT(2) ? ZAP_FLAG_DROP_MARKER : 0,
	};
	struct zap_details *details = in & BIT(0) ? &d : NULL;
	bool vma_anon = in & BIT(3), uffd_wp = in & BIT(4);
	bool folio_anon = in & BIT(5), wp = in & BIT(6);
	/* should_zap_cows(), zap_drop_file_uffd_wp() */
	bool cows = !details || details->even_cows;
	bool drop = details && (details->zap_flags & ZAP_FLAG_DROP_MARKER);
	u32 out = rust_zap_kunit_zap_bits(cows, folio_anon, drop, vma_anon);

	/* zap_install_uffd_wp_if_needed() */
	out |= (!vma_anon && !drop) << 8;
	/* pte_install_uffd_wp_if_needed() */
	out |= (!(vma_anon || !uffd_wp) && wp) << 9;
	/* __unmap_hugepage_range(), given unmap_single_vma()'s zap_flags */
	out |= (wp && !drop) << 10;
	return out;
}
