// SPDX-License-Identifier: GPL-2.0

//! `zap_pte_range()`, its uffd-wp marker hook (Linux 6.12:
//! `pte_install_uffd_wp_if_needed()`, 7.3: `cond_install_uffd_wp_ptes()`)
//! and `__unmap_hugepage_range()` in Rust.
//!
//! C calls these entry points (see include/linux/rust_zap.h) when the
//! `rust_mm_zap_key` static key is on (the default; boot with `mm_zap=c`
//! for the C implementation). One crate for two kernel lines: `entry` and
//! `walk` are each line's own (6.12's in mm/rust_zap/, 7.3's in
//! lines/7.3/mm/rust_zap/ of the repository), where their C differs, and
//! `ptl`, where their kernel crates differ; the other modules are shared.
//! Modules: `pte` (a pte value), `entry` (what a non-present pte encodes),
//! `kind` (its classification), `folio` (a mapped folio), `gather` (the
//! mmu_gather), `policy` (the decisions, pure), `ptl` (a page table lock,
//! held), `stats` (branch counters), `table` (RAII guards of the locked
//! table), `vma` (what a zap reads of its vma, and its rss), `zap` (the
//! steps of the loop, and its protocol), `walk` (the loop and the marker
//! hook), `hugetlb` (the hugetlb loop) and `kunit` (exports for the KUnit
//! suite).
//! They reach C through its functions and the helpers of
//! rust/helpers/mm_zap.c, which `CONFIG_RUST_INLINE_HELPERS` inlines.
//!
//! The kernel crate's mm abstractions (`mm::virt::VmaRef`, `page::Page`)
//! are not used: their invariants (the mmap or vma read lock held, an
//! owned page) do not hold on every path of a zap (truncation holds the
//! i_mmap lock only; the ptes' pages belong to the rmap); see `vma.rs`.
//! Its lock guard is, on Linux 7.3: a page table lock is held as a
//! `kernel::sync::SpinLockGuard` (see `ptl`).

mod entry;
mod folio;
mod gather;
#[cfg(CONFIG_HUGETLB_PAGE)]
mod hugetlb;
mod kind;
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
pub mod kunit;
mod policy;
mod pte;
mod ptl;
mod stats;
mod table;
mod vma;
pub mod walk;
pub mod zap;

use kernel::bindings;

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
    unsafe { walk::zap_pte_range(tlb, vma, pmd, addr, end, details) }
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
    // SAFETY: a valid vma, by the safety requirements.
    let markers_allowed =
        !walk::HUGETLB_MARKERS_NEED_UFFD_WP || unsafe { bindings::userfaultfd_wp(vma) };
    // SAFETY: forwarded from our own safety requirements.
    unsafe {
        hugetlb::unmap_hugepage_range(tlb, vma, start, end, folio, zap_flags, markers_allowed)
    }
}
