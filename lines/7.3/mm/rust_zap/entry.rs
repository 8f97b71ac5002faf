// SPDX-License-Identifier: GPL-2.0

//! What a non-present page table entry encodes, through Linux 7.3's
//! software leaf entry API (include/linux/leafops.h): the tests `kind`
//! classifies it with, and the page of a pfn entry.

use crate::pte::Pte;
use kernel::bindings;

/// A software leaf entry (`softleaf_t`): what a non-present, non-none pte
/// encodes (a swap slot, a migration, device or hwpoison entry, a marker).
///
/// # Invariants
///
/// Just a value, as decoded by `softleaf_from_pte()`.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct SoftLeaf(bindings::softleaf_t);

impl SoftLeaf {
    /// `softleaf_from_pte()`: the none entry for a none or present pte.
    #[inline(always)]
    pub(crate) fn of(pte: Pte) -> Self {
        // SAFETY: a pure function of the value.
        Self(unsafe { bindings::softleaf_from_pte(pte.raw()) })
    }

    /// The C `softleaf_t`.
    pub(crate) const fn raw(self) -> bindings::softleaf_t {
        self.0
    }

    /// `softleaf_is_device_private()`.
    #[inline(always)]
    pub(crate) fn is_device_private(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_device_private(self.0) }
    }

    /// `softleaf_is_device_exclusive()`.
    #[inline(always)]
    pub(crate) fn is_device_exclusive(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_device_exclusive(self.0) }
    }

    /// `softleaf_is_swap()`: a slot of a swap device.
    #[inline(always)]
    pub(crate) fn is_swap(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_swap(self.0) }
    }

    /// `softleaf_is_migration()`.
    #[inline(always)]
    pub(crate) fn is_migration(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_migration(self.0) }
    }

    /// `softleaf_is_uffd_wp_marker()`: a marker with the uffd-wp bit (a
    /// marker may carry several).
    #[inline(always)]
    pub(crate) fn is_uffd_wp_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_uffd_wp_marker(self.0) }
    }

    /// `softleaf_is_guard_marker()`: a marker with the guard bit.
    #[inline(always)]
    pub(crate) fn is_guard_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_guard_marker(self.0) }
    }

    /// `softleaf_is_hwpoison()`.
    #[inline(always)]
    pub(crate) fn is_hwpoison(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_hwpoison(self.0) }
    }

    /// `softleaf_is_poison_marker()`: a marker with the poisoned bit.
    #[inline(always)]
    pub(crate) fn is_poison_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_poison_marker(self.0) }
    }

    /// `softleaf_to_page()` of a device or migration entry (for migration,
    /// ordered against a concurrent split as C's `softleaf_to_folio()` is:
    /// the folio is then `page_folio()` of it).
    ///
    /// # Safety
    ///
    /// The entry encodes a pfn (`softleaf_has_pfn()`).
    #[inline(always)]
    pub(crate) unsafe fn page(self) -> *mut bindings::page {
        // SAFETY: a pfn entry, by the safety requirements.
        unsafe { bindings::softleaf_to_page(self.0) }
    }
}

/// Whether this line has guard markers (7.3 has them), for the KUnit suite.
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
pub(crate) const GUARD_MARKERS: bool = true;

/// The entry type the zap decodes on this line.
pub(crate) type Entry = SoftLeaf;
