// SPDX-License-Identifier: GPL-2.0

//! The kinds of non-present page table entries a zap handles, and their
//! order: `zap_pte_range()`'s in Linux 6.12, `zap_nonpresent_ptes()`'s in
//! 7.3 (which adds guard markers, tested after uffd-wp markers). The
//! entry's own tests are each line's (`entry`); the enum is exhaustive: a
//! kind the zap loop forgets to handle does not compile.

use crate::entry::Entry;
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
use crate::pte::Pte;

/// The kind of a non-present, non-none entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonPresentKind {
    /// A device private entry.
    DevicePrivate,
    /// A device exclusive entry.
    DeviceExclusive,
    /// A swap slot of private anonymous memory.
    Swap,
    /// A migration entry.
    Migration,
    /// A marker with the uffd-wp bit (7.3: among others).
    UffdWpMarker,
    /// A guard marker (MADV_GUARD_INSTALL, Linux 6.13 on), not uffd-wp.
    GuardMarker,
    /// A hwpoison entry.
    HwPoison,
    /// A poisoned PTE marker.
    PoisonedMarker,
    /// None of the above: a bug somewhere.
    Unknown,
}

impl NonPresentKind {
    /// The kind of an entry, tested in the zap's order (a marker with
    /// several bits is the kind of its first bit tested).
    #[inline(always)]
    pub(crate) fn of(entry: Entry) -> Self {
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
        Self::of(Entry::of(pte))
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
