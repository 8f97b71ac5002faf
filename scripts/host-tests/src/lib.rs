// SPDX-License-Identifier: GPL-2.0

//! Host tests of the zap decisions. `policy` is the kernel's own
//! mm/rust_zap/policy.rs, compiled unchanged; the oracle is a plain
//! transliteration of the C conditions of Linux 6.12 (mm/memory.c:
//! should_zap_cows(), should_zap_folio(), zap_drop_file_uffd_wp(),
//! zap_install_uffd_wp_if_needed() and the branches of zap_pte_range();
//! include/linux/mm_inline.h: pte_install_uffd_wp_if_needed(); mm/hugetlb.c:
//! the marker conditions of __unmap_hugepage_range()).

#![allow(dead_code)]

#[path = "../../../mm/rust_zap/policy.rs"]
mod policy;

#[cfg(test)]
mod tests {
    use crate::policy::{self, Details, MmCounter, NonPresent, Verdict, Vma, ZapFlags};

    /// `struct zap_details`, as C sees it.
    #[derive(Clone, Copy, Debug)]
    struct CZapDetails {
        even_cows: bool,
        zap_flags: u32,
    }

    const ZAP_FLAG_DROP_MARKER: u32 = 1 << 0;

    /// The C conditions, written the way mm/memory.c writes them.
    mod c {
        use super::{CZapDetails, ZAP_FLAG_DROP_MARKER};

        pub(super) fn should_zap_cows(details: Option<&CZapDetails>) -> bool {
            match details {
                None => true,
                Some(d) => d.even_cows,
            }
        }

        pub(super) fn should_zap_folio(details: Option<&CZapDetails>, folio_anon: bool) -> bool {
            if should_zap_cows(details) {
                return true;
            }
            !folio_anon
        }

        pub(super) fn zap_drop_file_uffd_wp(details: Option<&CZapDetails>) -> bool {
            match details {
                None => false,
                Some(d) => d.zap_flags & ZAP_FLAG_DROP_MARKER != 0,
            }
        }

        /// Whether zap_install_uffd_wp_if_needed() goes on to
        /// pte_install_uffd_wp_if_needed().
        pub(super) fn zap_install_reaches_pte(
            vma_anon: bool,
            details: Option<&CZapDetails>,
        ) -> bool {
            if vma_anon {
                return false;
            }
            if zap_drop_file_uffd_wp(details) {
                return false;
            }
            true
        }

        /// Whether pte_install_uffd_wp_if_needed() sets a marker.
        pub(super) fn pte_install_arms(vma_anon: bool, uffd_wp: bool, wp: bool) -> bool {
            if vma_anon || !uffd_wp {
                return false;
            }
            wp
        }

        /// Whether __unmap_hugepage_range() (mm/hugetlb.c) sets a marker
        /// where it cleared an entry: its two conditions, on a non-present
        /// and on a present entry.
        pub(super) fn hugetlb_sets_marker(
            present: bool,
            huge_pte_uffd_wp: bool,
            pte_swp_uffd_wp_any: bool,
            zap_flags: u32,
        ) -> bool {
            if !present {
                pte_swp_uffd_wp_any && (zap_flags & ZAP_FLAG_DROP_MARKER) == 0
            } else {
                huge_pte_uffd_wp && (zap_flags & ZAP_FLAG_DROP_MARKER) == 0
            }
        }

        /// The kinds of the non-present branches of zap_pte_range().
        #[derive(Clone, Copy, Debug)]
        pub(super) enum Kind {
            Device,
            Swap,
            Migration,
            Marker,
            Poison,
            Unknown,
        }

        /// Whether zap_pte_range() reaches clear_not_present_full_ptes()
        /// (false: `continue`).
        pub(super) fn non_present_cleared(
            kind: Kind,
            vma_anon: bool,
            details: Option<&CZapDetails>,
            folio_anon: bool,
        ) -> bool {
            match kind {
                Kind::Device => should_zap_folio(details, folio_anon),
                Kind::Swap => should_zap_cows(details),
                Kind::Migration => should_zap_folio(details, folio_anon),
                Kind::Marker => !(!vma_anon && !zap_drop_file_uffd_wp(details)),
                Kind::Poison => should_zap_cows(details),
                Kind::Unknown => true,
            }
        }

        /// mm_counter() of a folio.
        pub(super) fn mm_counter(anon: bool, swapbacked: bool) -> u32 {
            if anon {
                1 // MM_ANONPAGES
            } else if swapbacked {
                3 // MM_SHMEMPAGES
            } else {
                0 // MM_FILEPAGES
            }
        }
    }

    const BOOLS: [bool; 2] = [false, true];

    fn all_details() -> Vec<Option<CZapDetails>> {
        let mut v = vec![None];
        for even_cows in BOOLS {
            for zap_flags in [
                0,
                ZAP_FLAG_DROP_MARKER,
                1 << 1,
                ZAP_FLAG_DROP_MARKER | 1 << 1,
            ] {
                v.push(Some(CZapDetails {
                    even_cows,
                    zap_flags,
                }));
            }
        }
        v
    }

    fn rust_details(d: Option<CZapDetails>) -> Details {
        match d {
            None => Details::NONE,
            Some(d) => Details::new(d.even_cows, ZapFlags::from_bits_truncate(d.zap_flags)),
        }
    }

    fn zapped(v: Verdict) -> bool {
        v == Verdict::Zap
    }

    #[test]
    fn details_match_c_helpers() {
        for d in all_details() {
            let r = rust_details(d);
            assert_eq!(r.zap_cows(), c::should_zap_cows(d.as_ref()), "{d:?}");
            let file = Vma {
                anon: false,
                uffd_wp: true,
            };
            assert_eq!(
                policy::zap_may_rearm(file, r),
                !c::zap_drop_file_uffd_wp(d.as_ref()),
                "{d:?}"
            );
            for folio_anon in BOOLS {
                assert_eq!(
                    r.zap_folio(folio_anon),
                    c::should_zap_folio(d.as_ref(), folio_anon)
                );
            }
        }
    }

    #[test]
    fn present_entries() {
        for d in all_details() {
            // !page: zap_present_ptes() always clears.
            assert!(zapped(policy::present(rust_details(d), None)));
            for folio_anon in BOOLS {
                assert_eq!(
                    zapped(policy::present(rust_details(d), Some(folio_anon))),
                    c::should_zap_folio(d.as_ref(), folio_anon),
                    "{d:?} folio_anon={folio_anon}"
                );
            }
        }
    }

    #[test]
    fn non_present_entries_exhaustive() {
        let mut checked = 0;
        for d in all_details() {
            for vma_anon in BOOLS {
                for uffd_wp in BOOLS {
                    for folio_anon in BOOLS {
                        let vma = Vma {
                            anon: vma_anon,
                            uffd_wp,
                        };
                        let cases = [
                            (NonPresent::Device { folio_anon }, c::Kind::Device),
                            (NonPresent::Swap, c::Kind::Swap),
                            (NonPresent::Migration { folio_anon }, c::Kind::Migration),
                            (NonPresent::UffdWpMarker, c::Kind::Marker),
                            (NonPresent::Poisoned, c::Kind::Poison),
                            (NonPresent::Unknown, c::Kind::Unknown),
                        ];
                        for (kind, ckind) in cases {
                            // An exhaustive match: a new kind must be added here.
                            match kind {
                                NonPresent::Device { .. }
                                | NonPresent::Swap
                                | NonPresent::Migration { .. }
                                | NonPresent::UffdWpMarker
                                | NonPresent::Poisoned
                                | NonPresent::Unknown => {}
                            }
                            assert_eq!(
                                zapped(policy::non_present(kind, vma, rust_details(d))),
                                c::non_present_cleared(ckind, vma_anon, d.as_ref(), folio_anon),
                                "{kind:?} {vma:?} {d:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 2 * 2 * 2 * 6);
    }

    #[test]
    fn marker_rearm_exhaustive() {
        for d in all_details() {
            for vma_anon in BOOLS {
                for uffd_wp in BOOLS {
                    for wp in BOOLS {
                        let vma = Vma {
                            anon: vma_anon,
                            uffd_wp,
                        };
                        let rust = policy::zap_may_rearm(vma, rust_details(d))
                            && policy::install_marker(vma, || wp);
                        let c = c::zap_install_reaches_pte(vma_anon, d.as_ref())
                            && c::pte_install_arms(vma_anon, uffd_wp, wp);
                        assert_eq!(rust, c, "{vma:?} {d:?} wp={wp}");
                        assert_eq!(
                            policy::install_marker(vma, || wp),
                            c::pte_install_arms(vma_anon, uffd_wp, wp)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hugetlb_marker_exhaustive() {
        for zap_flags in [
            0,
            ZAP_FLAG_DROP_MARKER,
            1 << 1,
            ZAP_FLAG_DROP_MARKER | 1 << 1,
        ] {
            let flags = ZapFlags::from_bits_truncate(zap_flags);
            for wp in BOOLS {
                // The Rust loop asks the one accessor that applies.
                assert_eq!(
                    policy::hugetlb_marker(flags, wp),
                    c::hugetlb_sets_marker(true, wp, false, zap_flags),
                    "present wp={wp} flags={zap_flags:#x}"
                );
                assert_eq!(
                    policy::hugetlb_marker(flags, wp),
                    c::hugetlb_sets_marker(false, false, wp, zap_flags),
                    "non-present wp={wp} flags={zap_flags:#x}"
                );
            }
        }
    }

    #[test]
    fn install_marker_asks_wp_only_when_needed() {
        for vma_anon in BOOLS {
            for uffd_wp in BOOLS {
                let mut asked = false;
                policy::install_marker(
                    Vma {
                        anon: vma_anon,
                        uffd_wp,
                    },
                    || {
                        asked = true;
                        true
                    },
                );
                assert_eq!(asked, !vma_anon && uffd_wp);
            }
        }
    }

    #[test]
    fn marker_survives_dontneed_but_not_unmap() {
        // MADV_DONTNEED passes no details; unmap_vmas() and truncation
        // pass ZAP_FLAG_DROP_MARKER.
        let shmem = Vma {
            anon: false,
            uffd_wp: true,
        };
        let dontneed = Details::NONE;
        let unmap = Details::new(true, ZapFlags::DROP_MARKER);
        assert_eq!(
            policy::non_present(NonPresent::UffdWpMarker, shmem, dontneed),
            Verdict::Keep
        );
        assert_eq!(
            policy::non_present(NonPresent::UffdWpMarker, shmem, unmap),
            Verdict::Zap
        );
        let anon = Vma {
            anon: true,
            uffd_wp: true,
        };
        assert_eq!(
            policy::non_present(NonPresent::UffdWpMarker, anon, dontneed),
            Verdict::Zap
        );
    }

    #[test]
    fn mm_counter_matches_c() {
        for anon in BOOLS {
            for swapbacked in BOOLS {
                let idx = match MmCounter::of_folio(anon, swapbacked) {
                    MmCounter::File => 0,
                    MmCounter::Anon => 1,
                    MmCounter::SwapEnts => 2,
                    MmCounter::Shmem => 3,
                };
                assert_eq!(idx, c::mm_counter(anon, swapbacked));
            }
        }
    }

    #[test]
    fn zap_flags() {
        assert!(ZapFlags::DROP_MARKER.contains(ZapFlags::DROP_MARKER));
        assert!(!ZapFlags::EMPTY.contains(ZapFlags::DROP_MARKER));
        assert_eq!(
            ZapFlags::from_bits_truncate(!0).bits(),
            ZAP_FLAG_DROP_MARKER
        );
        assert_eq!(
            (ZapFlags::EMPTY | ZapFlags::DROP_MARKER).bits(),
            ZAP_FLAG_DROP_MARKER
        );
    }
}
