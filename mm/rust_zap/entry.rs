// SPDX-License-Identifier: GPL-2.0

//! Classification of a non-present page table entry into the kinds
//! `zap_pte_range()` handles. The enum is exhaustive: a kind the zap loop
//! forgets to handle does not compile.

use crate::pte::SwpEntry;

/// The kind of a non-present, non-none entry.
#[derive(Clone, Copy)]
pub(crate) enum NonPresentKind {
    /// `is_device_private_entry()`.
    DevicePrivate,
    /// `is_device_exclusive_entry()`.
    DeviceExclusive,
    /// `!non_swap_entry()`: a swap slot of private anonymous memory.
    Swap,
    /// `is_migration_entry()`.
    Migration,
    /// `pte_marker_entry_uffd_wp()`.
    UffdWpMarker,
    /// `is_hwpoison_entry()`.
    HwPoison,
    /// `is_poisoned_swp_entry()`: a poisoned PTE marker.
    PoisonedMarker,
    /// None of the above: a bug somewhere.
    Unknown,
}

impl NonPresentKind {
    /// The kind of a swap entry, tested in `zap_pte_range()`'s order.
    #[inline(always)]
    pub(crate) fn of(entry: SwpEntry) -> Self {
        if entry.is_device_private() {
            Self::DevicePrivate
        } else if entry.is_device_exclusive() {
            Self::DeviceExclusive
        } else if entry.is_swap_slot() {
            Self::Swap
        } else if entry.is_migration() {
            Self::Migration
        } else if entry.is_uffd_wp_marker() {
            Self::UffdWpMarker
        } else if entry.is_hwpoison() {
            Self::HwPoison
        } else if entry.is_poisoned_marker() {
            Self::PoisonedMarker
        } else {
            Self::Unknown
        }
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
        }
    }
}
