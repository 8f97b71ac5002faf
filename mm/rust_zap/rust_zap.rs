// SPDX-License-Identifier: GPL-2.0

//! `zap_pte_range()`, `pte_install_uffd_wp_if_needed()` and
//! `__unmap_hugepage_range()` in Rust.
//!
//! C calls these entry points (see include/linux/rust_zap.h) when the
//! `rust_mm_zap_key` static key is on (the default; boot with `mm_zap=c`
//! for the C implementation). This crate root and `zap` and `entry` are
//! Linux 6.12's; the other modules are shared with the 7.3 line
//! (lines/7.3/ of the repository). Modules: `pte` (a pte value), `entry`
//! (a swap entry and its classification), `folio` (a mapped folio),
//! `gather` (the mmu_gather), `policy` (the decisions, pure), `stats`
//! (branch counters), `table` (RAII guards of the locked table), `vma`
//! (what a zap reads of its vma, and its rss), `zap` (the loop), `hugetlb`
//! (the hugetlb loop) and `kunit` (exports for the KUnit suite). They reach
//! C through its functions and the helpers of rust/helpers/mm_zap.c, which
//! `CONFIG_RUST_INLINE_HELPERS` inlines.

mod entry;
mod folio;
mod gather;
#[cfg(CONFIG_HUGETLB_PAGE)]
mod hugetlb;
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
pub mod kunit;
mod policy;
mod pte;
mod stats;
mod table;
mod vma;
mod zap;

use kernel::bindings;
use pte::Pte;

/// `zap_pte_range()`, called from `zap_pmd_range()`.
///
/// # Safety
///
/// As for the C function: `tlb` is a gather started on `vma`'s mm, `pmd`
/// points to a page table covering `[addr, end)` of `vma`, `details` is
/// NULL or valid, and the caller holds the mmap or i_mmap lock.
#[no_mangle]
pub unsafe extern "C" fn rust_zap_pte_range(
    tlb: *mut bindings::mmu_gather,
    vma: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    addr: usize,
    end: usize,
    details: *mut bindings::zap_details,
) -> usize {
    // SAFETY: forwarded from our own safety requirements.
    unsafe { zap::zap_pte_range(tlb, vma, pmd, addr, end, details) }
}

/// `pte_install_uffd_wp_if_needed()`: called by `try_to_unmap_one()`
/// through the C inline function when the Rust path is selected.
///
/// # Safety
///
/// `vma` is valid and `pte` is its pte at `addr`, mapped, cleared, with the
/// page table lock held.
#[no_mangle]
pub unsafe extern "C" fn rust_pte_install_uffd_wp_if_needed(
    vma: *mut bindings::vm_area_struct,
    addr: usize,
    pte: *mut bindings::pte_t,
    pteval: bindings::pte_t,
) {
    if cfg!(CONFIG_PTE_MARKER_UFFD_WP) {
        // SAFETY: by the safety requirements.
        unsafe {
            let info = vma::vma_info(vma);
            zap::install_uffd_wp_if_needed(info.mm, info.vma, addr, pte, Pte::new(pteval))
        };
    }
}

/// `__unmap_hugepage_range()`, after its assertions: called from C when the
/// Rust path is selected.
///
/// # Safety
///
/// As for the C function: `tlb` is a gather started on the mm of `vma`, a
/// hugetlb vma; `[start, end)` is aligned to its huge page size and within
/// it; `folio` is NULL or a folio it maps (6.12's hugetlb.c passes the
/// folio of its `ref_page`, a head page); the caller holds the i_mmap lock
/// for writing and the hugetlb vma lock.
#[cfg(CONFIG_HUGETLB_PAGE)]
#[no_mangle]
pub unsafe extern "C" fn rust_unmap_hugepage_range(
    tlb: *mut bindings::mmu_gather,
    vma: *mut bindings::vm_area_struct,
    start: usize,
    end: usize,
    folio: *mut bindings::folio,
    zap_flags: bindings::zap_flags_t,
) {
    // SAFETY: forwarded from our own safety requirements. 6.12 leaves
    // markers whether or not the vma is still registered for uffd-wp.
    unsafe { hugetlb::unmap_hugepage_range(tlb, vma, start, end, folio, zap_flags, true) }
}

/// For the KUnit suite: the accessors of `pte` as bits (see `c_pte()` in
/// mm/rust_zap/rust_zap_kunit.c), and in bits 8 and up the kind of a
/// non-present entry as the zap loop classifies it.
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
#[no_mangle]
pub extern "C" fn rust_zap_test_pte(pte: bindings::pte_t) -> u32 {
    let p = Pte::new(pte);
    let bits = [
        p.is_none(),
        p.is_present(),
        p.is_swap(),
        p.is_dirty(),
        p.is_young(),
        p.is_uffd_wp(),
        p.is_swap() && p.is_swp_uffd_wp(),
        p.is_swp_uffd_wp_any(),
    ];
    let kind = if p.is_swap() {
        entry::NonPresentKind::of(entry::SwpEntry::of(p)).code()
    } else {
        0
    };
    bits.iter()
        .enumerate()
        .fold(kind << 8, |acc, (i, &b)| acc | (u32::from(b) << i))
}

/// For the KUnit suite: the decisions of `policy` for one combination of
/// inputs, as bits (see `rust_zap_kunit.c`).
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
#[no_mangle]
pub extern "C" fn rust_zap_test_policy(input: u32) -> u32 {
    let bit = |n: u32| input & (1 << n) != 0;
    // unmap_single_vma() passes hugetlb the flags of its details, if any.
    let flags = if bit(0) && bit(2) {
        policy::ZapFlags::DROP_MARKER
    } else {
        policy::ZapFlags::EMPTY
    };
    let details = if bit(0) {
        policy::Details::new(bit(1), flags)
    } else {
        policy::Details::NONE
    };
    let vma = policy::Vma {
        anon: bit(3),
        uffd_wp: bit(4),
    };
    let folio_anon = bit(5);
    let wp = bit(6);
    let kinds = [
        policy::NonPresent::Device { folio_anon },
        policy::NonPresent::Swap,
        policy::NonPresent::Migration { folio_anon },
        policy::NonPresent::UffdWpMarker,
        policy::NonPresent::Poisoned,
        policy::NonPresent::Unknown,
    ];
    let zap = |v| u32::from(v == policy::Verdict::Zap);
    let mut out =
        zap(policy::present(details, None)) | zap(policy::present(details, Some(folio_anon))) << 1;
    for (i, kind) in kinds.iter().enumerate() {
        out |= zap(policy::non_present(*kind, vma, details)) << (2 + i);
    }
    out |= u32::from(policy::zap_may_rearm(vma, details)) << 8;
    out |= u32::from(policy::install_marker(vma, || wp)) << 9;
    out |= u32::from(policy::hugetlb_marker(flags, wp)) << 10;
    out
}
