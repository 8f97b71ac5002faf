// SPDX-License-Identifier: GPL-2.0

//! Classification of a non-present page table entry into the kinds
//! `zap_nonpresent_ptes()` of Linux 7.3 handles, through the software leaf
//! entry API (include/linux/leafops.h). The enum is exhaustive: a kind the
//! zap loop forgets to handle does not compile.

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
    fn is_device_private(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_device_private(self.0) }
    }

    /// `softleaf_is_device_exclusive()`.
    #[inline(always)]
    fn is_device_exclusive(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_device_exclusive(self.0) }
    }

    /// `softleaf_is_swap()`: a slot of a swap device.
    #[inline(always)]
    fn is_swap(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_swap(self.0) }
    }

    /// `softleaf_is_migration()`.
    #[inline(always)]
    fn is_migration(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_migration(self.0) }
    }

    /// `softleaf_is_uffd_wp_marker()`: a marker with the uffd-wp bit (a
    /// marker may carry several).
    #[inline(always)]
    fn is_uffd_wp_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_uffd_wp_marker(self.0) }
    }

    /// `softleaf_is_guard_marker()`: a marker with the guard bit.
    #[inline(always)]
    fn is_guard_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_guard_marker(self.0) }
    }

    /// `softleaf_is_hwpoison()`.
    #[inline(always)]
    fn is_hwpoison(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::softleaf_is_hwpoison(self.0) }
    }

    /// `softleaf_is_poison_marker()`: a marker with the poisoned bit.
    #[inline(always)]
    fn is_poison_marker(self) -> bool {
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

/// The kind of a non-present, non-none entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonPresentKind {
    /// `softleaf_is_device_private()`.
    DevicePrivate,
    /// `softleaf_is_device_exclusive()`.
    DeviceExclusive,
    /// `softleaf_is_swap()`: a swap slot of private anonymous memory.
    Swap,
    /// `softleaf_is_migration()`.
    Migration,
    /// `softleaf_is_uffd_wp_marker()`.
    UffdWpMarker,
    /// `softleaf_is_guard_marker()` (and not uffd-wp).
    GuardMarker,
    /// `softleaf_is_hwpoison()`.
    HwPoison,
    /// `softleaf_is_poison_marker()`: a poisoned PTE marker.
    PoisonedMarker,
    /// None of the above: a bug somewhere.
    Unknown,
}

impl NonPresentKind {
    /// The kind of a leaf entry, tested in `zap_nonpresent_ptes()`'s order
    /// (a marker with several bits is the kind of its first bit tested).
    #[inline(always)]
    pub(crate) fn of(entry: SoftLeaf) -> Self {
        if entry.is_device_private() {
            Self::DevicePrivate
        } else if entry.is_device_exclusive() {
            Self::DeviceExclusive
        } else if entry.is_swap() {
            Self::Swap
        } else if entry.is_migration() {
            Self::Migration
        } else if entry.is_uffd_wp_marker() {
            Self::UffdWpMarker
        } else if entry.is_guard_marker() {
            Self::GuardMarker
        } else if entry.is_hwpoison() {
            Self::HwPoison
        } else if entry.is_poison_marker() {
            Self::PoisonedMarker
        } else {
            Self::Unknown
        }
    }

    /// The kind of a non-present, non-none pte (for the KUnit suite: the
    /// zap loop needs the entry too).
    #[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
    pub(crate) fn of_pte(pte: Pte) -> Self {
        Self::of(SoftLeaf::of(pte))
    }

    /// A small number per kind, for the KUnit comparison with C.
    #[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
    pub(crate) const fn code(self) -> u32 {
        match self {
            Self::DevicePrivate => 1,
            Self::DeviceExclusive => 2,
            Self::Swap => 3,
            Self::Migration => 4,
            Self::UffdWpMarker => 5,
            Self::HwPoison => 6,
            Self::PoisonedMarker => 7,
            Self::Unknown => 8,
            Self::GuardMarker => 9,
        }
    }
}
