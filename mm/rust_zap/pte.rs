// SPDX-License-Identifier: GPL-2.0

//! A page table entry value and a swap entry, with the accessors the zap
//! loop needs.
//!
//! The pte bit tests are native Rust on the masks of the C headers (x86-64,
//! as `CONFIG_RUST_MM_ZAP` requires): they run for every pte and an
//! out-of-line helper call would cost more than the test. The KUnit suite
//! (`mm/rust_zap/rust_zap_kunit.c`) checks each against its C counterpart,
//! the swap entry decoding included.

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
    /// `make_pte_marker(PTE_MARKER_UFFD_WP)`: a swap pte (x86-64 layout) of
    /// type SWP_PTE_MARKER whose offset holds the marker bits.
    pub(crate) const UFFD_WP_MARKER: Self = Self(bindings::pte_t {
        pte: (!bindings::RUST_ZAP_PTE_MARKER_UFFD_WP << bindings::RUST_ZAP_SWP_OFFSET_SHIFT
            >> bindings::RUST_ZAP_SWP_TYPE_BITS)
            | ((bindings::RUST_ZAP_SWP_PTE_MARKER as usize)
                << (usize::BITS as usize - bindings::RUST_ZAP_SWP_TYPE_BITS)),
    });

    /// Wraps a C `pte_t`.
    pub(crate) const fn new(pte: bindings::pte_t) -> Self {
        Self(pte)
    }

    /// The C `pte_t`.
    pub(crate) const fn raw(self) -> bindings::pte_t {
        self.0
    }

    const fn val(self) -> bindings::pteval_t {
        self.0.pte
    }

    /// `pte_none()`: an empty entry (x86 ignores the KNL erratum bits).
    pub(crate) const fn is_none(self) -> bool {
        self.val() & !bindings::RUST_ZAP_PAGE_NONE_IGNORED == 0
    }

    /// `pte_present()`: maps a page (PROT_NONE mappings count as present).
    pub(crate) const fn is_present(self) -> bool {
        self.val() & (bindings::RUST_ZAP_PAGE_PRESENT | bindings::RUST_ZAP_PAGE_PROTNONE) != 0
    }

    /// `is_swap_pte()`: neither none nor present.
    pub(crate) const fn is_swap(self) -> bool {
        !self.is_none() && !self.is_present()
    }

    /// `pte_dirty()`.
    pub(crate) const fn is_dirty(self) -> bool {
        self.val() & bindings::RUST_ZAP_PAGE_DIRTY_BITS != 0
    }

    /// `pte_young()`.
    pub(crate) const fn is_young(self) -> bool {
        self.val() & bindings::RUST_ZAP_PAGE_ACCESSED != 0
    }

    /// `pte_uffd_wp()` of a present pte.
    pub(crate) const fn is_uffd_wp(self) -> bool {
        self.val() & bindings::RUST_ZAP_PAGE_UFFD_WP != 0
    }

    /// `pte_swp_uffd_wp()` of a swap pte.
    pub(crate) const fn is_swp_uffd_wp(self) -> bool {
        self.val() & bindings::RUST_ZAP_PAGE_SWP_UFFD_WP != 0
    }

    /// `pte_to_swp_entry()` of a swap pte (x86-64 layout: the type in the
    /// top `SWP_TYPE_BITS`, the offset inverted below it). The flags that
    /// `pte_swp_clear_flags()` clears lie below the offset and drop out.
    pub(crate) const fn to_swp_entry(self) -> SwpEntry {
        let v = self.val();
        let kind = v >> (usize::BITS as usize - bindings::RUST_ZAP_SWP_TYPE_BITS);
        let offset =
            (!v << bindings::RUST_ZAP_SWP_TYPE_BITS) >> bindings::RUST_ZAP_SWP_OFFSET_SHIFT;
        SwpEntry(bindings::swp_entry_t {
            val: (kind << bindings::RUST_ZAP_SWP_TYPE_SHIFT)
                | (offset & bindings::RUST_ZAP_SWP_OFFSET_MASK),
        })
    }

    /// `pte_swp_uffd_wp_any()`: a swap pte carrying uffd-wp, in its own
    /// bit or as a uffd-wp marker; always false without PTE markers.
    pub(crate) fn is_swp_uffd_wp_any(self) -> bool {
        cfg!(CONFIG_PTE_MARKER_UFFD_WP)
            && self.is_swap()
            && (self.is_swp_uffd_wp() || self.to_swp_entry().is_uffd_wp_marker())
    }
}

/// The same value: the same entry.
impl PartialEq for Pte {
    fn eq(&self, other: &Self) -> bool {
        self.val() == other.val()
    }
}

impl Eq for Pte {}

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
    /// The C `swp_entry_t`.
    pub(crate) const fn raw(self) -> bindings::swp_entry_t {
        self.0
    }

    /// The C value.
    pub(crate) const fn val(self) -> usize {
        self.0.val
    }

    /// `swp_type()`.
    pub(crate) const fn kind(self) -> u32 {
        // The type has MAX_SWAPFILES_SHIFT bits: the cast never truncates.
        (self.0.val >> bindings::RUST_ZAP_SWP_TYPE_SHIFT) as u32
    }

    /// `pte_marker_get()` of a PTE marker entry.
    const fn marker(self) -> usize {
        self.0.val & bindings::RUST_ZAP_SWP_OFFSET_MASK & bindings::RUST_ZAP_PTE_MARKER_MASK
    }

    /// `is_pte_marker_entry()`.
    pub(crate) const fn is_marker(self) -> bool {
        self.kind() == bindings::RUST_ZAP_SWP_PTE_MARKER
    }

    /// `pte_marker_entry_uffd_wp()`: always false without PTE markers for
    /// uffd-wp.
    pub(crate) const fn is_uffd_wp_marker(self) -> bool {
        cfg!(CONFIG_PTE_MARKER_UFFD_WP)
            && self.is_marker()
            && self.marker() & bindings::RUST_ZAP_PTE_MARKER_UFFD_WP != 0
    }

    /// `is_poisoned_swp_entry()`.
    pub(crate) const fn is_poisoned_marker(self) -> bool {
        self.is_marker() && self.marker() & bindings::RUST_ZAP_PTE_MARKER_POISONED != 0
    }
}
