/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the KUnit suite of the Rust zap path (rust_zap_kunit.c, the same
 * on every kernel line) and the C oracle it checks the Rust code against
 * (rust_zap_kunit_oracle.c, each line's own: that is where the C differs).
 */
#ifndef _MM_RUST_ZAP_KUNIT_H
#define _MM_RUST_ZAP_KUNIT_H

#include <kunit/test.h>
#include <linux/pgtable.h>

/* The kind of an entry, as rust_zap_test_pte() reports it from bit 8 on. */
enum {
	KIND_NONE, KIND_DEVICE_PRIVATE, KIND_DEVICE_EXCLUSIVE, KIND_SWAP,
	KIND_MIGRATION, KIND_UFFD_WP_MARKER, KIND_HWPOISON, KIND_POISONED,
	KIND_UNKNOWN, KIND_GUARD,
};

/* The oracle: what this line's C says of @pte, as rust_zap_test_pte(). */
u32 rust_zap_kunit_c_pte(pte_t pte);
/* The oracle: this line's C conditions, as rust_zap_test_policy(). */
u32 rust_zap_kunit_c_policy(u32 in);
/* @pte with the uffd-wp bit of a swap entry (named per line). */
pte_t rust_zap_kunit_swp_mkuffd(pte_t pte);
/* Checks this line's PTE markers. */
void rust_zap_kunit_markers(struct kunit *test);

/* The suite: Rust and the oracle agree on @pte. */
void rust_zap_kunit_check_pte(struct kunit *test, pte_t pte);
/* The suite: @kind from bit 8, @bits[i] at bit i, as rust_zap_test_pte(). */
u32 rust_zap_kunit_pte_bits(u32 kind, const bool *bits, int nr);
/*
 * The suite: bits 0 to 7 of rust_zap_test_policy(), the decisions both
 * lines' C makes alike from should_zap_cows() (@cows), the folio's and the
 * vma's kinds, and whether the caller drops markers (@drop).
 */
u32 rust_zap_kunit_zap_bits(bool cows, bool folio_anon, bool drop,
			    bool vma_anon);

#endif /* _MM_RUST_ZAP_KUNIT_H */
