// SPDX-License-Identifier: GPL-2.0

//! Classification of a non-present page table entry into the kinds
//! `zap_pte_range()` handles. The enum is exhaustive: a kind the zap loop
//! forgets to handle does not compile.

use crate::pte::SwpEntry;
use kernel::bindings;

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
    /// The kind of a swap entry.
    pub(crate) fn of(entry: SwpEntry) -> Self {
        let t = entry.kind();
        // Types of entries this kernel does not configure are ~0: never
        // equal to a real type.
        if t == bindings::RUST_ZAP_SWP_DEVICE_WRITE || t == bindings::RUST_ZAP_SWP_DEVICE_READ {
            Self::DevicePrivate
        } else if t == bindings::RUST_ZAP_SWP_DEVICE_EXCLUSIVE_WRITE
            || t == bindings::RUST_ZAP_SWP_DEVICE_EXCLUSIVE_READ
        {
            Self::DeviceExclusive
        } else if t < bindings::RUST_ZAP_MAX_SWAPFILES {
            Self::Swap
        } else if t == bindings::RUST_ZAP_SWP_MIGRATION_READ
            || t == bindings::RUST_ZAP_SWP_MIGRATION_READ_EXCLUSIVE
            || t == bindings::RUST_ZAP_SWP_MIGRATION_WRITE
        {
            Self::Migration
        } else if entry.is_uffd_wp_marker() {
            Self::UffdWpMarker
        } else if t == bindings::RUST_ZAP_SWP_HWPOISON {
            Self::HwPoison
        } else if entry.is_poisoned_marker() {
            Self::PoisonedMarker
        } else {
            Self::Unknown
        }
    }

    /// A small number per kind, for the KUnit comparison with C.
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
