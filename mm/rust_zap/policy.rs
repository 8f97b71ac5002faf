// SPDX-License-Identifier: GPL-2.0

//! The decisions of `zap_pte_range()` and `__unmap_hugepage_range()`: what
//! happens to an entry, given its kind, the vma and the caller's
//! `struct zap_details` (or, for hugetlb, its `zap_flags`).
//!
//! Pure functions without FFI and without `kernel::` imports: the host tests
//! (`scripts/host-tests`) compile this very file and check it exhaustively
//! against a transliteration of the C conditions of mm/memory.c.

/// Flags of `struct zap_details` (`zap_flags_t`).
///
/// # Invariants
///
/// Only bits the kernel defines are set.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct ZapFlags(u32);

impl ZapFlags {
    /// No flag.
    pub(crate) const EMPTY: Self = Self(0);
    /// `ZAP_FLAG_DROP_MARKER`: drop PTE markers (uffd-wp of file memory) too.
    pub(crate) const DROP_MARKER: Self = Self(1 << 0);
    /// Every flag this code knows.
    const ALL: u32 = Self::DROP_MARKER.0;

    /// The flags of a C `zap_flags_t`, ignoring bits unknown here.
    pub(crate) const fn from_bits_truncate(bits: u32) -> Self {
        Self(bits & Self::ALL)
    }

    /// The C value.
    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub(crate) const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for ZapFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// What the caller of the zap asked for: `struct zap_details`, where no
/// details at all means "zap COWed pages too, keep markers".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Details {
    even_cows: bool,
    flags: ZapFlags,
}

impl Details {
    /// A `NULL` `struct zap_details *`.
    pub(crate) const NONE: Self = Self {
        even_cows: true,
        flags: ZapFlags::EMPTY,
    };

    /// The fields of a `struct zap_details` the pte level reads.
    pub(crate) const fn new(even_cows: bool, flags: ZapFlags) -> Self {
        Self { even_cows, flags }
    }

    /// `should_zap_cows()`: whether private (COWed, anonymous) pages go too.
    pub(crate) const fn zap_cows(self) -> bool {
        self.even_cows
    }

    /// `zap_drop_markers()` (6.12: `zap_drop_file_uffd_wp()`): whether PTE
    /// markers go too.
    pub(crate) const fn drop_markers(self) -> bool {
        self.flags.contains(ZapFlags::DROP_MARKER)
    }

    /// `should_zap_folio()`: whether a folio mapped here goes.
    pub(crate) const fn zap_folio(self, folio_anon: bool) -> bool {
        self.zap_cows() || !folio_anon
    }
}

/// The rule of the series, for both zap loops: a zap keeps the uffd-wp bit
/// of file memory (shmem, hugetlbfs) as a PTE marker where it clears an
/// entry that carried it, unless the caller drops markers
/// (`ZAP_FLAG_DROP_MARKER`: truncation, unregistering); anonymous memory
/// loses it with its data.
pub(crate) const fn keeps_uffd_wp(anon: bool, flags: ZapFlags) -> bool {
    !anon && !flags.contains(ZapFlags::DROP_MARKER)
}

/// What the zap needs to know of the vma, read once per call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Vma {
    /// `vma_is_anonymous()`.
    pub(crate) anon: bool,
    /// `userfaultfd_wp()`: registered for uffd write protection.
    pub(crate) uffd_wp: bool,
}

/// A non-present entry, as `zap_pte_range()` tells them apart, with what
/// the decision needs of the folio it references, if any.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NonPresent {
    /// A device private or device exclusive entry.
    Device {
        /// `folio_test_anon()` of its folio.
        folio_anon: bool,
    },
    /// A genuine swap entry: private anonymous memory.
    Swap,
    /// A migration entry.
    Migration {
        /// `folio_test_anon()` of its folio.
        folio_anon: bool,
    },
    /// A PTE marker carrying uffd-wp.
    UffdWpMarker,
    /// A hwpoison entry or a poisoned PTE marker.
    Poisoned,
    /// Anything else: a bug, reported, then cleared like C does.
    Unknown,
}

/// The fate of an entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Verdict {
    /// Leave it as it is.
    Keep,
    /// Clear it (and account for what it mapped).
    Zap,
}

impl Verdict {
    const fn from_bool(zap: bool) -> Self {
        if zap {
            Self::Zap
        } else {
            Self::Keep
        }
    }
}

/// A present entry: `page` is `Some(folio_test_anon())` when
/// `vm_normal_page()` found a page, `None` for special mappings.
pub(crate) const fn present(details: Details, page: Option<bool>) -> Verdict {
    match page {
        None => Verdict::Zap,
        Some(folio_anon) => Verdict::from_bool(details.zap_folio(folio_anon)),
    }
}

/// A non-present entry.
pub(crate) const fn non_present(kind: NonPresent, vma: Vma, details: Details) -> Verdict {
    Verdict::from_bool(match kind {
        NonPresent::Device { folio_anon } | NonPresent::Migration { folio_anon } => {
            details.zap_folio(folio_anon)
        }
        NonPresent::Swap | NonPresent::Poisoned => details.zap_cows(),
        // Anonymous memory always drops the marker; file memory only if
        // asked to (the uffd-wp bit must survive, say, MADV_DONTNEED).
        NonPresent::UffdWpMarker => !keeps_uffd_wp(vma.anon, details.flags),
        NonPresent::Unknown => true,
    })
}

/// A guard marker (`MADV_GUARD_INSTALL`, Linux 6.13 and later): every zap
/// keeps it, in anonymous and file vmas alike, unless the caller drops
/// markers (`zap_drop_markers()`).
pub(crate) const fn guard_marker(details: Details) -> Verdict {
    Verdict::from_bool(details.drop_markers())
}

/// `zap_install_uffd_wp_if_needed()`: whether the zap may re-arm uffd-wp
/// markers where it cleared entries (`zap_drop_file_uffd_wp()` is the
/// flag's half of `keeps_uffd_wp()`).
#[allow(dead_code)] // Linux 7.3 asks `Details::drop_markers()`.
pub(crate) const fn zap_may_rearm(vma: Vma, details: Details) -> bool {
    keeps_uffd_wp(vma.anon, details.flags)
}

/// `pte_install_uffd_wp_if_needed()`: whether a cleared entry of this vma is
/// replaced by a uffd-wp marker. `wp` tells whether the old entry carried
/// uffd-wp: `pte_uffd_wp()` if it was present, `pte_swp_uffd_wp_any()` (a
/// swap entry's bit or a uffd-wp marker) if not; it is asked only when the
/// vma could take a marker, as C does.
pub(crate) fn install_marker(vma: Vma, wp: impl FnOnce() -> bool) -> bool {
    !vma.anon && vma.uffd_wp && wp()
}

/// `__unmap_hugepage_range()`: whether a hugetlb entry it clears is
/// replaced by a uffd-wp marker. `wp` tells whether the entry carried
/// uffd-wp: `huge_pte_uffd_wp()` if it was present, `pte_swp_uffd_wp_any()`
/// (a migration entry's bit or a marker) if not. hugetlbfs is file memory;
/// unlike the pte level, C does not ask whether the vma is still registered
/// for uffd-wp, and neither does this.
pub(crate) const fn hugetlb_marker(flags: ZapFlags, wp: bool) -> bool {
    wp && keeps_uffd_wp(false, flags)
}

/// The rss counter a folio is accounted in: `mm_counter()`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MmCounter {
    /// `MM_FILEPAGES`.
    File,
    /// `MM_ANONPAGES`.
    Anon,
    /// `MM_SWAPENTS`.
    SwapEnts,
    /// `MM_SHMEMPAGES`.
    Shmem,
}

impl MmCounter {
    /// `mm_counter()` of a folio with these flags.
    pub(crate) const fn of_folio(anon: bool, swapbacked: bool) -> Self {
        if anon {
            Self::Anon
        } else if swapbacked {
            Self::Shmem
        } else {
            Self::File
        }
    }
}
