// SPDX-License-Identifier: GPL-2.0

//! What a non-present page table entry encodes, through Linux 6.12's swap
//! entry functions: the tests `kind` classifies it with, and the page of a
//! pfn entry.

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
    pub(crate) fn is_swap(self) -> bool {
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
    pub(crate) fn is_poison_marker(self) -> bool {
        // SAFETY: a pure function of the value.
        unsafe { bindings::is_poisoned_swp_entry(self.0) }
    }

    /// Guard markers came with Linux 6.13: never one here.
    #[inline(always)]
    pub(crate) const fn is_guard_marker(self) -> bool {
        false
    }

    /// `pfn_swap_entry_to_page()` of a device or migration entry.
    ///
    /// # Safety
    ///
    /// The entry encodes a pfn (`is_pfn_swap_entry()`).
    #[inline(always)]
    pub(crate) unsafe fn page(self) -> *mut bindings::page {
        // SAFETY: a pfn entry, by the safety requirements.
        unsafe { bindings::pfn_swap_entry_to_page(self.0) }
    }
}

/// Whether this line has guard markers (6.12 has none), for the KUnit suite.
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
pub(crate) const GUARD_MARKERS: bool = false;

/// The entry type the zap decodes on this line.
pub(crate) type Entry = SwpEntry;
