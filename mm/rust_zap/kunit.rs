// SPDX-License-Identifier: GPL-2.0

//! Exports for the KUnit suite (mm/rust_zap/rust_zap_kunit.c) that are the
//! same on every kernel line; the crate root has the others.

use crate::gather;
use crate::kind::NonPresentKind;
use crate::pte::Pte;
use kernel::bindings;

/// For the KUnit suite: what the zap loop does with the gather for `nr`
/// cleared ptes at `ptep`, `addr`, mapping the pages from `page` (of a
/// dirty file folio if `dirty_file`): the TLB entries, delayed rmap, and
/// the pages. Returns bit 0 if the gather is full, bit 1 if the pages went
/// in by `tlb_try_add_folio_pages()`, bit 2 if `fullmm()` says so.
///
/// # Safety
///
/// `tlb` is a started gather of the current task; `page` and the `nr - 1`
/// pages after it belong to one folio, whose `nr` references the gather
/// may take.
#[no_mangle]
pub unsafe extern "C" fn rust_zap_test_gather(
    tlb: *mut bindings::mmu_gather,
    ptep: *mut bindings::pte_t,
    addr: usize,
    page: *mut bindings::page,
    nr: u32,
    dirty_file: bool,
) -> u32 {
    // SAFETY: by the safety requirements.
    let mut gather = unsafe { gather::Gather::new(tlb) };
    let nr = nr as usize;
    gather.remove_tlb_entries(ptep, nr, addr);
    let delay_rmap = dirty_file && gather.delay_rmap();
    let fullmm = u32::from(gather.fullmm()) << 2;
    // SAFETY: by the safety requirements.
    if unsafe { gather.try_add(page, nr, delay_rmap) } {
        return fullmm | 2;
    }
    // SAFETY: by the safety requirements.
    fullmm | u32::from(unsafe { gather.remove_folio_pages(page, nr, delay_rmap) })
}

/// For the KUnit suite: the accessors of `pte` as bits (see `c_pte()` in
/// mm/rust_zap/rust_zap_kunit.c), and in bits 8 and up the kind of a
/// non-present entry as the zap loop classifies it.
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
        NonPresentKind::of_pte(p).code()
    } else {
        0
    };
    bits.iter()
        .enumerate()
        .fold(kind << 8, |acc, (i, &b)| acc | (u32::from(b) << i))
}
