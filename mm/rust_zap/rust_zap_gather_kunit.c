// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of the Rust zap path's use of the mmu_gather against C's, on
 * real gathers. The mmu_gather API it drives is the same on every kernel
 * line the zap path supports; the classification and policy oracles, which
 * differ, are in rust_zap_kunit.c.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/rust_zap.h>
#include <linux/sched/mm.h>
#include <asm/tlb.h>

/* The state of two gathers fed the same pages, one by C and one by Rust. */
static bool check_gathers(struct kunit *test, struct mmu_gather *c,
			  struct mmu_gather *r, int step)
{
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, r->start, c->start, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, r->end, c->end, "step %d", step);
	/* The bit fields the zap sets and reads. */
	KUNIT_EXPECT_EQ_MSG(test, (bool)r->fullmm, (bool)c->fullmm, "step %d",
			    step);
	KUNIT_EXPECT_EQ_MSG(test, (bool)r->delayed_rmap, (bool)c->delayed_rmap,
			    "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, (bool)r->cleared_ptes, (bool)c->cleared_ptes,
			    "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, r->batch_count, c->batch_count, "step %d",
			    step);
	KUNIT_EXPECT_EQ_MSG(test, r->active == &r->local,
			    c->active == &c->local, "step %d", step);
	KUNIT_EXPECT_EQ_MSG(test, r->active->nr, c->active->nr, "step %d",
			    step);
	if (r->active->nr != c->active->nr)
		return false;
	for (i = 0; i < c->active->nr; i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, r->active->encoded_pages[i],
					c->active->encoded_pages[i],
					"step %d slot %u", step, i);
	return true;
}

/*
 * Feed two gathers of @mm (fullmm or not) the same small and large folios
 * at scattered addresses, one through C's tlb_remove_tlb_entries(),
 * tlb_delay_rmap() and __tlb_remove_folio_pages(), the other through the
 * Rust path's Gather: the local batch, new and reused batches, and a full
 * gather (delayed rmaps limit it to one batch beyond the local one). The
 * Rust side must take tlb_try_add_folio_pages() exactly when C has room to
 * spare, and leave both gathers equal.
 */
static void feed_gathers(struct kunit *test, struct mm_struct *mm,
			 struct folio *small, struct folio *large, bool fullmm)
{
	unsigned int fast = 0, slow = 0, fulls = 0;
	struct mmu_gather c, r;
	pte_t ptes[4] = {};
	int i;

	if (fullmm) {
		tlb_gather_mmu_fullmm(&c, mm);
		tlb_gather_mmu_fullmm(&r, mm);
	} else {
		tlb_gather_mmu(&c, mm);
		tlb_gather_mmu(&r, mm);
	}
	for (i = 0; i < 3000; i++) {
		bool big = i % 3 == 2, dirty = i >= 1500 && i % 5 == 0;
		struct folio *folio = big ? large : small;
		unsigned int nr = big ? 2 + (i / 3) % 3 : 1;
		struct page *page = folio_page(folio, big ? (i / 9) % (5 - nr) : 0);
		unsigned long addr = SZ_4G + (i * 7919UL % 4096) * PAGE_SIZE;
		unsigned int room = r.active->nr + (nr == 1 ? 1 : 2) + 1 <
				    r.active->max;
		bool full_c;
		u32 rust;

		/* The references the cleared ptes held, for each gather. */
		folio_ref_add(folio, 2 * nr);
		tlb_remove_tlb_entries(&c, ptes, nr, addr);
		full_c = __tlb_remove_folio_pages(&c, page, nr,
						  dirty && tlb_delay_rmap(&c));
		rust = rust_zap_test_gather(&r, ptes, addr, page, nr, dirty);
		KUNIT_EXPECT_EQ_MSG(test, rust & 1, full_c, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, rust >> 1 & 1, room, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, rust >> 2 & 1, fullmm, "step %d", i);
		if (rust >> 1 & 1)
			fast++;
		else
			slow++;
		if (!check_gathers(test, &c, &r, i) || (rust & 1) != full_c)
			break;
		if (full_c) {
			fulls++;
			tlb_flush_mmu(&c);
			tlb_flush_mmu(&r);
		}
	}
	KUNIT_EXPECT_GT(test, fast, 0);
	KUNIT_EXPECT_GT(test, slow, 0);
	KUNIT_EXPECT_GT(test, fulls, 0);
	tlb_finish_mmu(&c);
	tlb_finish_mmu(&r);
}

static void rust_zap_gather(struct kunit *test)
{
	struct mm_struct *mm = mm_alloc();
	struct folio *small = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 2);

	if (mm && small && large) {
		feed_gathers(test, mm, small, large, false);
		feed_gathers(test, mm, small, large, true);
		/* The gathers gave back every reference they took. */
		KUNIT_EXPECT_EQ(test, folio_ref_count(small), 1);
		KUNIT_EXPECT_EQ(test, folio_ref_count(large), 1);
	} else {
		KUNIT_FAIL(test, "no memory for the test");
	}
	if (small)
		folio_put(small);
	if (large)
		folio_put(large);
	if (mm)
		mmput(mm);
}

static struct kunit_case rust_zap_gather_cases[] = {
	KUNIT_CASE(rust_zap_gather),
	{}
};

static struct kunit_suite rust_zap_gather_suite = {
	.name = "rust_zap_gather",
	.test_cases = rust_zap_gather_cases,
};
kunit_test_suite(rust_zap_gather_suite);

MODULE_DESCRIPTION("KUnit test of the Rust zap path's mmu_gather");
MODULE_LICENSE("GPL");
