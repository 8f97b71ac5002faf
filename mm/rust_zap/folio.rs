// SPDX-License-Identifier: GPL-2.0

//! The folio of a page, and what the zap loop asks of it: `page_folio()`,
//! `folio_test_anon()`, `folio_test_large()`, `folio_test_swapbacked()`
//! and `folio_mapcount()`, the kernel's inline functions through helpers.

use crate::policy::MmCounter;
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
    /// `page` is a valid `struct page`, kept alive as the invariants say.
    #[inline(always)]
    pub(crate) unsafe fn of_page(page: NonNull<bindings::page>) -> Self {
        // SAFETY: a valid page, by the safety requirements.
        let folio = unsafe { bindings::page_folio(page.as_ptr()) };
        // SAFETY: every page has a folio, its own head page at least.
        let folio = unsafe { NonNull::new_unchecked(folio) };
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

    /// `folio_test_anon()`.
    #[inline(always)]
    pub(crate) fn anon(&self) -> bool {
        // SAFETY: a valid folio by the invariants.
        unsafe { bindings::folio_test_anon(self.folio()) }
    }

    /// `folio_test_large()`.
    #[inline(always)]
    pub(crate) fn large(&self) -> bool {
        // SAFETY: a valid folio by the invariants.
        unsafe { bindings::folio_test_large(self.folio()) }
    }

    /// `folio_test_swapbacked()`.
    #[inline(always)]
    pub(crate) fn swapbacked(&self) -> bool {
        // SAFETY: a valid folio by the invariants.
        unsafe { bindings::folio_test_swapbacked(self.folio()) }
    }

    /// `mm_counter()`: the rss counter the folio is accounted in.
    #[inline(always)]
    pub(crate) fn mm_counter(&self) -> MmCounter {
        MmCounter::of_folio(self.anon(), self.swapbacked())
    }

    /// `folio_mapcount() < 0`: more rmaps dropped than there were, a bad
    /// pte to report.
    #[inline(always)]
    pub(crate) fn mapcount_negative(&self) -> bool {
        // SAFETY: a valid folio by the invariants.
        unsafe { bindings::folio_mapcount(self.folio()) < 0 }
    }
}
