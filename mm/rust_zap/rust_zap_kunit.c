// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the Rust zap path: its classification of page table
 * entries and its decisions against the C oracle of this kernel line
 * (rust_zap_kunit_oracle.c: the conditions of mm/memory.c, written out).
 * Its use of the mmu_gather is tested in rust_zap_gather_kunit.c.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/rust_zap.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "rust_zap_kunit.h"

void rust_zap_kunit_check_pte(struct kunit *test, pte_t pte)
{
	KUNIT_EXPECT_EQ_MSG(test, rust_zap_test_pte(pte),
			    rust_zap_kunit_c_pte(pte), "pte 0x%llx",
			    (unsigned long long)pte_val(pte));
}

u32 rust_zap_kunit_pte_bits(u32 kind, const bool *bits, int nr)
{
	u32 out = kind << 8;
	int i;

	for (i = 0; i < nr; i++)
		out |= (u32)bits[i] << i;
	return out;
}

u32 rust_zap_kunit_zap_bits(bool cows, bool folio_anon, bool drop,
			    bool vma_anon)
{
	/* should_zap_folio() */
	bool folio = cows || !folio_anon;
	u32 out = 0;

	out |= 1;			/* present, !page: always zapped */
	out |= folio << 1;		/* present: should_zap_folio() */
	out |= folio << 2;		/* device private/exclusive */
	out |= cows << 3;		/* genuine swap */
	out |= folio << 4;		/* migration */
	out |= (vma_anon || drop) << 5;	/* uffd-wp marker */
	out |= cows << 6;		/* hwpoison, poisoned marker */
	out |= 1 << 7;			/* unknown: warned, then cleared */
	return out;
}

/* Every low flag combination, with and without a pfn and high bits. */
static void rust_zap_present_ptes(struct kunit *test)
{
	static const u64 high[] = {
		0, 0x1000, 0x7ffff000, 0xfffffffff000ULL, 1ULL << 52,
		1ULL << 57, 1ULL << 58, 1ULL << 62, 1ULL << 63, ~0xfffULL,
	};
	u64 low;
	int i;

	for (i = 0; i < ARRAY_SIZE(high); i++)
		for (low = 0; low < 0x1000; low++)
			rust_zap_kunit_check_pte(test, __pte(high[i] | low));
}

/*
 * Every swap type, several offsets, with and without the swp bits; then
 * the line's PTE markers.
 */
static void rust_zap_swap_ptes(struct kunit *test)
{
	static const unsigned long offsets[] = { 0, 1, 2, 3, 0x1234, 0xfffff };
	unsigned int type;
	int i;

	for (type = 0; type < (1 << MAX_SWAPFILES_SHIFT); type++) {
		for (i = 0; i < ARRAY_SIZE(offsets); i++) {
			pte_t pte = swp_entry_to_pte(swp_entry(type, offsets[i]));

			rust_zap_kunit_check_pte(test, pte);
			rust_zap_kunit_check_pte(test, rust_zap_kunit_swp_mkuffd(pte));
			rust_zap_kunit_check_pte(test, pte_swp_mksoft_dirty(pte));
			rust_zap_kunit_check_pte(test, pte_swp_mkexclusive(pte));
		}
	}
	rust_zap_kunit_markers(test);
}

/* Every combination of the inputs of the decisions. */
static void rust_zap_policy_table(struct kunit *test)
{
	u32 in;

	for (in = 0; in < BIT(7); in++)
		KUNIT_EXPECT_EQ_MSG(test, rust_zap_test_policy(in),
				    rust_zap_kunit_c_policy(in), "input 0x%x", in);
}

static struct kunit_case rust_zap_cases[] = {
	KUNIT_CASE(rust_zap_present_ptes),
	KUNIT_CASE(rust_zap_swap_ptes),
	KUNIT_CASE(rust_zap_policy_table),
	{}
};

static struct kunit_suite rust_zap_suite = {
	.name = "rust_zap",
	.test_cases = rust_zap_cases,
};
kunit_test_suite(rust_zap_suite);

MODULE_DESCRIPTION("KUnit tests of the Rust zap path");
MODULE_LICENSE("GPL");
