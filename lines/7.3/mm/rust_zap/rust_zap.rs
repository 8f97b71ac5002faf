// SPDX-License-Identifier: GPL-2.0

//! `zap_pte_range()`, `cond_install_uffd_wp_ptes()` and
//! `__unmap_hugepage_range()` of Linux 7.3 in Rust.
//!
//! C calls these entry points (see include/linux/rust_zap.h) when the
//! `rust_mm_zap_key` static key is on (the default; boot with `mm_zap=c`
//! for the C implementation). This crate root and `zap` and `entry` are
//! Linux 7.3's (lines/7.3/ of the repository); the other modules are shared
//! with the 6.12 line. Modules: `pte` (a pte value), `entry` (a software
//! leaf entry and its classification), `folio` (a mapped folio), `gather`
//! (the mmu_gather), `policy` (the decisions, pure), `stats` (branch
//! counters), `table` (RAII guards of the locked table), `vma` (what a zap
//! reads of its vma, and its rss), `zap` (the loop, over a cursor),
//! `hugetlb` (the hugetlb loop) and `kunit` (exports for the KUnit suite).
//! They reach C through its functions and the helpers of
//! rust/helpers/mm_zap.c, which `CONFIG_RUST_INLINE_HELPERS` inlines.
//!
//! The kernel crate's mm abstractions (`mm::virt::VmaRef`, `page::Page`)
//! are not used: their invariants (the mmap or vma read lock, an owned
//! page) do not hold on every path of a zap (truncation holds the i_mmap
//! lock only; the ptes' pages belong to the rmap); see `vma.rs`.

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

/// `cond_install_uffd_wp_ptes()`: called by `try_to_unmap_one()` (through
/// the C function, when the Rust path is selected) after it cleared
/// `nr_ptes` ptes. Returns whether it left uffd-wp markers in them.
///
/// # Safety
///
/// `vma` is valid and `ptep` the first of its `nr_ptes` ptes from `addr`,
/// in one table, mapped, cleared, with the page table lock held.
#[no_mangle]
pub unsafe extern "C" fn rust_cond_install_uffd_wp_ptes(
    vma: *mut bindings::vm_area_struct,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pte: bindings::pte_t,
    nr_ptes: usize,
) -> bool {
    // SAFETY: by the safety requirements.
    unsafe {
        let info = vma::vma_info(vma);
        zap::install_markers(info.mm, info.vma, addr, ptep, Pte::new(pte), nr_ptes)
    }
}

/// `__unmap_hugepage_range()`, after its assertions: called from C when the
/// Rust path is selected.
///
/// # Safety
///
/// As for the C function: `tlb` is a gather started on the mm of `vma`, a
/// hugetlb vma; `[start, end)` is aligned to its huge page size and within
/// it; `folio` is NULL or a folio it maps; the caller holds the i_mmap lock
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
    // 7.3 leaves a marker only in a vma still registered for uffd-wp.
    // SAFETY: a valid vma, by the safety requirements.
    let uffd_wp = unsafe { bindings::userfaultfd_wp(vma) };
    // SAFETY: forwarded from our own safety requirements.
    unsafe { hugetlb::unmap_hugepage_range(tlb, vma, start, end, folio, zap_flags, uffd_wp) }
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
        entry::NonPresentKind::of(entry::SoftLeaf::of(p)).code()
    } else {
        0
    };
    bits.iter()
        .enumerate()
        .fold(kind << 8, |acc, (i, &b)| acc | (u32::from(b) << i))
}

/// For the KUnit suite: the decisions of `policy` for one combination of
/// inputs, as bits (see `rust_zap_kunit.c`). Bit 1 of the input is "zap
/// COWs too" (`!details->skip_cows`).
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
#[no_mangle]
pub extern "C" fn rust_zap_test_policy(input: u32) -> u32 {
    let bit = |n: u32| input & (1 << n) != 0;
    // __zap_vma_range() passes hugetlb the flags of its details, if any.
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
    out |= u32::from(!details.drop_markers()) << 8;
    out |= u32::from(policy::install_marker(vma, || wp)) << 9;
    out |= u32::from(policy::hugetlb_marker(flags, vma.uffd_wp && wp)) << 10;
    out |= zap(policy::guard_marker(details)) << 11;
    out
}
