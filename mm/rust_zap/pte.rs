// SPDX-License-Identifier: GPL-2.0

//! A page table entry value, with the accessors the zap loops need: each
//! is the kernel's own inline function, reached through a helper
//! (rust/helpers/mm_zap.c) that `CONFIG_RUST_INLINE_HELPERS` inlines here.
//! No bit of the architecture's layout is known in Rust. The helpers carry
//! the names of the newest kernel line (`pte_uffd()`, `pte_swp_uffd_any()`,
//! `huge_pte_uffd()`); an older line's rust/helpers/mm_zap.c maps them to
//! its own functions. What a non-present entry encodes is `entry`'s.

use kernel::bindings;

/// A page table entry's value (`pte_t`), read from the table once.
///
/// # Invariants
///
/// Just a value: it is never dereferenced, so any bit pattern is valid.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Pte(bindings::pte_t);

impl Pte {
    /// Wraps a C `pte_t`.
    pub(crate) const fn new(pte: bindings::pte_t) -> Self {
        Self(pte)
    }

    /// The C `pte_t`.
    pub(crate) const fn raw(self) -> bindings::pte_t {
        self.0
    }

    /// `make_pte_marker(PTE_MARKER_UFFD_WP)`: what a zap leaves behind in
    /// place of uffd-wp protected file memory.
    #[inline(always)]
    pub(crate) fn uffd_wp_marker() -> Self {
        // SAFETY: a pure function of its argument.
        Self(unsafe { bindings::make_pte_marker(bindings::PTE_MARKER_UFFD_WP) })
    }

    /// `pte_none()`: an empty entry.
    #[inline(always)]
    pub(crate) fn is_none(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_none(self.0) }
    }

    /// `pte_present()`: maps a page (PROT_NONE mappings count as present).
    #[inline(always)]
    pub(crate) fn is_present(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_present(self.0) }
    }

    /// `is_swap_pte()`: neither none nor present (for the KUnit suite: the
    /// zap loop knows by the order of its tests).
    #[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
    pub(crate) fn is_swap(self) -> bool {
        !self.is_none() && !self.is_present()
    }

    /// `pte_dirty()` of a present pte.
    #[inline(always)]
    pub(crate) fn is_dirty(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_dirty(self.0) }
    }

    /// `pte_young()` of a present pte.
    #[inline(always)]
    pub(crate) fn is_young(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_young(self.0) }
    }

    /// `pte_uffd()` (6.12: `pte_uffd_wp()`) of a present pte: its uffd-wp
    /// bit (which 7.3 shares with uffd RWP: callers also ask the vma).
    #[inline(always)]
    pub(crate) fn is_uffd_wp(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_uffd(self.0) }
    }

    /// `pte_swp_uffd()` (6.12: `pte_swp_uffd_wp()`) of a swap pte (for the
    /// KUnit suite: the zap path asks `pte_swp_uffd_any()`).
    #[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
    pub(crate) fn is_swp_uffd_wp(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_swp_uffd(self.0) }
    }

    /// `pte_swp_uffd_any()` (6.12: `pte_swp_uffd_wp_any()`): a swap pte
    /// carrying uffd-wp, in its own bit or as a uffd-wp marker; always false
    /// without PTE markers.
    #[inline(always)]
    pub(crate) fn is_swp_uffd_wp_any(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_swp_uffd_any(self.0) }
    }

    /// `huge_pte_none()` of a hugetlb entry.
    #[cfg(CONFIG_HUGETLB_PAGE)]
    #[inline(always)]
    pub(crate) fn is_huge_none(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::huge_pte_none(self.0) != 0 }
    }

    /// `huge_pte_dirty()` of a present hugetlb entry.
    #[cfg(CONFIG_HUGETLB_PAGE)]
    #[inline(always)]
    pub(crate) fn is_huge_dirty(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::huge_pte_dirty(self.0) != 0 }
    }

    /// `huge_pte_uffd()` (6.12: `huge_pte_uffd_wp()`) of a present hugetlb
    /// entry.
    #[cfg(CONFIG_HUGETLB_PAGE)]
    #[inline(always)]
    pub(crate) fn is_huge_uffd_wp(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::huge_pte_uffd(self.0) != 0 }
    }

    /// `pte_page()` of a present hugetlb entry: the page it maps (hugetlb
    /// pages always have a `struct page`).
    #[cfg(CONFIG_HUGETLB_PAGE)]
    #[inline(always)]
    pub(crate) fn page(self) -> *mut bindings::page {
        // SAFETY: a pure function of the value (the pfn's memmap entry).
        unsafe { bindings::pte_page(self.0) }
    }
}

/// The same value: the same entry. How a uffd-wp marker is recognised
/// without decoding it: it has exactly one value.
impl PartialEq for Pte {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        self.0.pte == other.0.pte
    }
}

impl Eq for Pte {}
