// SPDX-License-Identifier: GPL-2.0

//! Classification of a non-present page table entry into the kinds
//! `zap_pte_range()` handles, through Linux 6.12's swap entry functions.
//! The enum is exhaustive: a kind the zap loop forgets to handle does not
//! compile.

use crate::pte::Pte;
use kernel::bindings;

/// A swap entry (`swp_entry_t`): a real swap slot or one of the special
/// entries (migration, device, hwpoison, PTE marker).
///
/// # Invariants
///
/// Just a value, as decoded by `pte_to_swp_entry()`.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct SwpEntry(bindings::swp_entry_t);

impl SwpEntry {
    /// `pte_to_swp_entry()` of a swap pte.
    #[inline(always)]
    pub(crate) fn of(pte: Pte) -> Self {
        // SAFETY: a pure function of the value.
        Self(unsafe { bindings::pte_to_swp_entry(pte.raw()) })
    }

    /// The C `swp_entry_t`.
    pub(crate) const fn raw(self) -> bindings::swp_entry_t {
        self.0
    }

    /// `is_device_private_entry()`.
    #[inline(always)]
    pub(crate) fn is_device_private(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_device_private_entry(self.0) }
    }

    /// `is_device_exclusive_entry()`.
    #[inline(always)]
    pub(crate) fn is_device_exclusive(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_device_exclusive_entry(self.0) }
    }

    /// `!non_swap_entry()`: a slot of a swap device.
    #[inline(always)]
    pub(crate) fn is_swap_slot(self) -> bool {
        // SAFETY: a pure function of the value.
        !unsafe { bindings::non_swap_entry(self.0) }
    }

    /// `is_migration_entry()`.
    #[inline(always)]
    pub(crate) fn is_migration(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_migration_entry(self.0) }
    }

    /// `pte_marker_entry_uffd_wp()`: always false without PTE markers for
    /// uffd-wp.
    #[inline(always)]
    pub(crate) fn is_uffd_wp_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::pte_marker_entry_uffd_wp(self.0) }
    }

    /// `is_hwpoison_entry()`.
    #[inline(always)]
    pub(crate) fn is_hwpoison(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_hwpoison_entry(self.0) }
    }

    /// `is_poisoned_swp_entry()`: a poisoned PTE marker.
    #[inline(always)]
    pub(crate) fn is_poisoned_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_poisoned_swp_entry(self.0) }
    }
}

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

    /// The kind of a non-present, non-none pte (for the KUnit suite: the
    /// zap loop needs the entry too).
    #[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
    pub(crate) fn of_pte(pte: Pte) -> Self {
        Self::of(SwpEntry::of(pte))
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
