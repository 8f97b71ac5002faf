// SPDX-License-Identifier: GPL-2.0

//! The folio of a page, and what the zap loop reads of it, native:
//! `page_folio()`, `folio_test_anon()`, `folio_test_large()`,
//! `folio_test_swapbacked()` and the sign of `folio_mapcount()` run for
//! every present pte zapped. The field
//! offsets and bit numbers come from the C headers (bindings_helper.h); the
//! KUnit suite checks the results against C on real folios.

use core::ptr::NonNull;
use kernel::bindings;

/// A folio mapped by the ptes being zapped, and the page of it that the
/// first pte maps.
///
/// # Invariants
///
/// `folio` is the folio of `page`; both stay valid while the ptes that map
/// them are locked (or, for a migration or device entry, while the entry
/// is).
pub(crate) struct FolioRef {
    folio: NonNull<bindings::folio>,
    page: NonNull<bindings::page>,
}

impl FolioRef {
    /// `page_folio()`.
    ///
    /// # Safety
    ///
    /// `page` is a valid `struct page` of a folio that is not hugetlb (so
    /// it never has a fake head: zap_pte_range() never sees hugetlb), kept
    /// alive as the invariants say.
    pub(crate) unsafe fn of_page(page: NonNull<bindings::page>) -> Self {
        // SAFETY: a valid page, by the safety requirements; the field
        // offset is C's. READ_ONCE(), as _compound_head() does.
        let head = unsafe {
            core::ptr::read_volatile(
                page.as_ptr()
                    .cast::<u8>()
                    .add(bindings::RUST_ZAP_PAGE_COMPOUND_HEAD)
                    .cast::<usize>(),
            )
        };
        let folio = if head & 1 != 0 {
            // SAFETY: a tail page's `compound_head` is its head page's
            // address plus one: `head - 1` is that address, never NULL.
            unsafe { NonNull::new_unchecked(head.wrapping_sub(1) as *mut bindings::folio) }
        } else {
            page.cast()
        };
        // INVARIANT: the folio of `page`, as C computes it.
        Self { folio, page }
    }

    /// The C `struct folio *`.
    pub(crate) fn folio(&self) -> *mut bindings::folio {
        self.folio.as_ptr()
    }

    /// The C `struct page *`.
    pub(crate) fn page(&self) -> *mut bindings::page {
        self.page.as_ptr()
    }

    fn field(&self, offset: usize) -> usize {
        // SAFETY: a valid folio by the invariants; `offset` is one of C's
        // field offsets of an `unsigned long` or a pointer. The fields
        // change under us (flags are atomically updated), so read once, as
        // test_bit() and folio_test_anon() do.
        unsafe {
            core::ptr::read_volatile(self.folio.as_ptr().cast::<u8>().add(offset).cast::<usize>())
        }
    }

    fn flag(&self, bit: u32) -> bool {
        self.field(bindings::RUST_ZAP_FOLIO_FLAGS) & (1 << bit) != 0
    }

    /// `folio_test_anon()`.
    pub(crate) fn anon(&self) -> bool {
        self.field(bindings::RUST_ZAP_FOLIO_MAPPING) & bindings::RUST_ZAP_PAGE_MAPPING_ANON != 0
    }

    /// `folio_test_large()`.
    pub(crate) fn large(&self) -> bool {
        self.flag(bindings::RUST_ZAP_PG_HEAD)
    }

    /// `folio_test_swapbacked()`.
    pub(crate) fn swapbacked(&self) -> bool {
        self.flag(bindings::RUST_ZAP_PG_SWAPBACKED)
    }

    /// Whether `folio_mapcount()` may be negative: the raw `_mapcount` of
    /// a small folio, or `_large_mapcount` of a large one, plus one is.
    /// `large` is `self.large()` as the caller read it before dropping the
    /// rmap: the folio cannot be split while the cleared ptes' references
    /// are held. Never false when C's is negative; true
    /// also for a small folio whose `_mapcount` holds a page type (C counts
    /// that as 0), so a true answer goes to `rust_zap_check_mapcount()`,
    /// which decides as C does.
    pub(crate) fn mapcount_maybe_negative(&self, large: bool) -> bool {
        let offset = if large {
            bindings::RUST_ZAP_FOLIO_LARGE_MAPCOUNT
        } else {
            bindings::RUST_ZAP_FOLIO_MAPCOUNT
        };
        // SAFETY: a valid folio by the invariants; `offset` is C's offset
        // of an `atomic_t`, read once as atomic_read() does.
        let raw = unsafe {
            core::ptr::read_volatile(self.folio.as_ptr().cast::<u8>().add(offset).cast::<i32>())
        };
        raw.wrapping_add(1) < 0
    }
}
