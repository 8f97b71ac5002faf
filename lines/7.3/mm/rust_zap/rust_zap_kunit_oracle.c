// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle of the rust_zap KUnit suite on Linux 7.3: how
 * zap_nonpresent_ptes() classifies an entry (softleaf kinds, markers with
 * several bits), and the conditions of mm/memory.c and mm/hugetlb.c,
 * written out.
 */
#include <kunit/test.h>
#include <linux/leafops.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/rust_zap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>

#include "rust_zap_kunit.h"

static bool is_leaf_pte(pte_t pte)
{
	return !pte_none(pte) && !pte_present(pte);
}

/* The order of the tests in zap_nonpresent_ptes(). */
static u32 c_kind(pte_t pte)
{
	softleaf_t entry;

	if (!is_leaf_pte(pte))
		return KIND_NONE;
	entry = softleaf_from_pte(pte);
	if (softleaf_is_device_private(entry))
		return KIND_DEVICE_PRIVATE;
	if (softleaf_is_device_exclusive(entry))
		return KIND_DEVICE_EXCLUSIVE;
	if (softleaf_is_swap(entry))
		return KIND_SWAP;
	if (softleaf_is_migration(entry))
		return KIND_MIGRATION;
	if (softleaf_is_uffd_wp_marker(entry))
		return KIND_UFFD_WP_MARKER;
	if (softleaf_is_guard_marker(entry))
		return KIND_GUARD;
	if (softleaf_is_hwpoison(entry))
		return KIND_HWPOISON;
	if (softleaf_is_poison_marker(entry))
		return KIND_POISONED;
	return KIND_UNKNOWN;
}

u32 rust_zap_kunit_c_pte(pte_t pte)
{
	bool swap = is_leaf_pte(pte);
	bool bits[] = {
		pte_none(pte), pte_present(pte), swap, pte_dirty(pte),
		pte_young(pte), pte_uffd(pte), swap && pte_swp_uffd(pte),
		pte_swp_uffd_any(pte),
	};

	return rust_zap_kunit_pte_bits(c_kind(pte), bits, ARRAY_SIZE(bits));
}

pte_t rust_zap_kunit_swp_mkuffd(pte_t pte)
{
	return pte_swp_mkuffd(pte);
}

void rust_zap_kunit_markers(struct kunit *test)
{
	static const unsigned long markers[] = {
		PTE_MARKER_UFFD_WP, PTE_MARKER_POISONED, PTE_MARKER_GUARD,
		PTE_MARKER_UFFD_WP | PTE_MARKER_POISONED,
		PTE_MARKER_UFFD_WP | PTE_MARKER_GUARD,
		PTE_MARKER_GUARD | PTE_MARKER_POISONED, PTE_MARKER_MASK, 0,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(markers); i++)
		rust_zap_kunit_check_pte(test, make_pte_marker(markers[i]));
	rust_zap_kunit_check_pte(test, pte_swp_mkuffd(make_pte_marker(PTE_MARKER_GUARD)));
	/* The zap loop recognises this value without decoding it. */
	KUNIT_EXPECT_EQ(test, rust_zap_test_pte(make_pte_marker(PTE_MARKER_UFFD_WP)) >> 8,
			KIND_UFFD_WP_MARKER);
	/* A marker's kind is that of its first bit in the zap's order. */
	KUNIT_EXPECT_EQ(test, rust_zap_test_pte(make_pte_marker(PTE_MARKER_GUARD |
								PTE_MARKER_POISONED)) >> 8,
			KIND_GUARD);
}

/*
 * The conditions of mm/memory.c and mm/hugetlb.c for one input, bit for bit
 * as rust_zap_test_policy() reports them.
 */
u32 rust_zap_kunit_c_policy(u32 in)
{
	struct zap_details d = {
		.skip_cows = !(in & BIT(1)),
		.zap_flags = in & BIT(2) ? ZAP_FLAG_DROP_MARKER : 0,
	};
	struct zap_details *details = in & BIT(0) ? &d : NULL;
	bool vma_anon = in & BIT(3), uffd_wp = in & BIT(4);
	bool folio_anon = in & BIT(5), wp = in & BIT(6);
	/* should_zap_cows(), zap_drop_markers() */
	bool cows = !details || !details->skip_cows;
	bool drop = details && (details->zap_flags & ZAP_FLAG_DROP_MARKER);
	u32 out = rust_zap_kunit_zap_bits(cows, folio_anon, drop, vma_anon);

	/* zap_install_uffd_wp_if_needed() goes on to cond_install */
	out |= !drop << 8;
	/* cond_install_uffd_wp_ptes(), given PTE markers */
	out |= (!(vma_anon || !uffd_wp) && wp) << 9;
	/* __unmap_hugepage_range(), given __zap_vma_range()'s zap_flags */
	out |= (uffd_wp && wp && !drop) << 10;
	out |= drop << 11;		/* guard marker */
	return out;
}
