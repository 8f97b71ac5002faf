// SPDX-License-Identifier: GPL-2.0

//! Linux 6.12's side of the zap (see `zap` for the steps both lines share
//! and the protocol): `zap_pte_range()` is one pass over the table, asking
//! `need_resched()` before every entry that is not none; markers are
//! re-armed pte by pte (`pte_install_uffd_wp_if_needed()`, also called by
//! `try_to_unmap_one()`); and the C functions of 6.12 this differs in.

use crate::entry::Entry;
use crate::folio::FolioRef;
use crate::policy::{self, Details, Vma, ZapFlags};
use crate::pte::Pte;
use crate::stats::{self, hit};
use crate::table::set_pte_at;
use crate::vma::vma_info;
use crate::zap::{advance, need_resched, Cursor, Zap};
use kernel::bindings;

/// A swap batch is measured before the verdict, and a kept one skipped at
/// once.
pub(crate) const SWAP_BATCH_KEPT: bool = true;

/// Only device private entries are in the rmap (6.12's device exclusive
/// entries are not).
pub(crate) const EXCLUSIVE_HAS_RMAP: bool = false;

/// 6.12's hugetlb zap leaves uffd-wp markers whether or not the vma is
/// still registered for uffd-wp.
#[cfg(any(CONFIG_HUGETLB_PAGE, CONFIG_RUST_MM_ZAP_KUNIT_TEST))]
pub(crate) const HUGETLB_MARKERS_NEED_UFFD_WP: bool = false;

/// What one step of the walk did: how many ptes it covered. (6.12's C
/// does not report entries left in place: no table is freed by a zap.)
pub(crate) struct Step {
    pub(crate) nr: usize,
}

impl Step {
    /// `nr` ptes covered; whether any stayed does not matter here.
    #[inline(always)]
    pub(crate) const fn new(nr: usize, _skipped: bool) -> Self {
        Self { nr }
    }
}

/// The zap's `details`, as `policy` reads them.
///
/// # Safety
///
/// `details` is NULL or valid.
#[inline(always)]
unsafe fn details(details: *const bindings::zap_details) -> Details {
    // SAFETY: NULL or valid by the safety requirements.
    match unsafe { details.as_ref() } {
        None => Details::NONE,
        Some(d) => Details::new(d.even_cows, ZapFlags::from_bits_truncate(d.zap_flags)),
    }
}

/// Whether the zap may re-arm markers (`zap_install_uffd_wp_if_needed()`).
#[inline(always)]
pub(crate) fn may_rearm(vma: Vma, details: Details) -> bool {
    policy::zap_may_rearm(vma, details)
}

/// `folio_pte_batch()` with the zap's flags.
///
/// # Safety
///
/// `max_nr` ptes from `ptep` at `addr` are in a locked table and the first,
/// `pte`, maps a page of the folio.
#[inline(always)]
pub(crate) unsafe fn folio_pte_batch(
    f: &FolioRef,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pte: Pte,
    max_nr: usize,
) -> usize {
    // SAFETY: by the safety requirements.
    unsafe {
        bindings::folio_pte_batch(
            f.folio(),
            addr,
            ptep,
            pte.raw(),
            max_nr as i32,
            bindings::RUST_ZAP_FPB_FLAGS,
        ) as usize
    }
}

/// `free_swap_and_cache_nr()`.
///
/// # Safety
///
/// `nr` swap entries from `entry` are mapped by ptes being cleared under
/// their lock.
#[inline(always)]
pub(crate) unsafe fn free_swap(entry: Entry, nr: usize) {
    // SAFETY: by the safety requirements.
    unsafe { bindings::free_swap_and_cache_nr(entry.raw(), nr as i32) };
}

/// `clear_not_present_full_ptes()`.
///
/// # Safety
///
/// `nr` locked non-present ptes of `mm` from `ptep` at `addr`.
#[inline(always)]
pub(crate) unsafe fn clear_nonpresent_ptes(
    mm: *mut bindings::mm_struct,
    addr: usize,
    ptep: *mut bindings::pte_t,
    nr: usize,
    fullmm: bool,
) {
    // SAFETY: by the safety requirements.
    unsafe { bindings::clear_not_present_full_ptes(mm, addr, ptep, nr as u32, i32::from(fullmm)) };
}

/// The WARN_ON_ONCE() of a pte that was not cleared before a marker goes
/// in, out of the way of the common path.
#[cold]
#[inline(never)]
fn warn_install_not_none() {
    // SAFETY: no precondition.
    unsafe { bindings::rust_zap_warn_install_not_none() };
}

/// `pte_install_uffd_wp_if_needed()`: after `ptep` was cleared, leave a
/// uffd-wp marker if what it held (`pteval`) was uffd-wp protected file
/// memory. A no-op without CONFIG_PTE_MARKER_UFFD_WP. Returns whether it
/// did.
///
/// # Safety
///
/// `ptep` is a pte of `mm` at `addr`, mapped, with its page table lock held.
#[inline]
unsafe fn install_uffd_wp_if_needed(
    mm: *mut bindings::mm_struct,
    vma: Vma,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pteval: Pte,
) -> bool {
    if !cfg!(CONFIG_PTE_MARKER_UFFD_WP) {
        return false;
    }
    // SAFETY: mapped and locked by the safety requirements.
    let cleared = Pte::new(unsafe { bindings::ptep_get(ptep) }).is_none();
    let wp = || (pteval.is_present() && pteval.is_uffd_wp()) || pteval.is_swp_uffd_wp_any();
    let installed = policy::install_marker(vma, wp);
    if installed {
        // SAFETY: by the safety requirements.
        unsafe { set_pte_at(mm, addr, ptep, Pte::uffd_wp_marker()) };
        hit(stats::MARKER_INSTALLED);
    }
    // C warns first; last, the warning is a tail call and the common path
    // saves no registers for it. Same lock held, same report.
    if !cleared {
        warn_install_not_none();
    }
    installed
}

impl Zap {
    /// The loop of `zap_pte_range()` over the locked table, from the
    /// cursor to the end or to where it must reschedule or flush first.
    fn run(&mut self, cur: &mut Cursor<'_>) {
        while let Some(ptep) = cur.ptep() {
            // SAFETY: a pte of the locked table.
            let pte = Pte::new(unsafe { bindings::ptep_get(ptep) });
            let nr = if pte.is_none() {
                1
            } else if need_resched() {
                hit(stats::RESCHED);
                break;
            } else if pte.is_present() {
                self.present(cur, pte).nr
            } else {
                self.non_present(cur, pte).nr
            };
            cur.advance(nr);
            if self.force_break {
                break;
            }
        }
    }

    /// `zap_install_uffd_wp_if_needed()` for the `nr` ptes at the cursor.
    /// Returns whether it left a marker.
    #[inline]
    pub(crate) fn rearm(&self, cur: &Cursor<'_>, nr: usize, pteval: Pte) -> bool {
        if !may_rearm(self.vma, self.details) {
            return false;
        }
        let Some(ptep) = cur.ptep() else {
            return false;
        };
        let mut installed = false;
        for k in 0..nr.min(cur.remaining()) {
            // SAFETY: pte `k` from the cursor's, in the locked table, at
            // its address.
            installed |= unsafe {
                install_uffd_wp_if_needed(
                    self.mm,
                    self.vma,
                    advance(cur.addr(), k),
                    ptep.add(k),
                    pteval,
                )
            };
        }
        installed
    }
}

/// `zap_pte_range()`.
///
/// # Safety
///
/// As for the C function (see the protocol in `zap`): `tlb` is a gather
/// started on the vma's mm, `pmd` points to a page table covering
/// `[addr, end)` (page aligned, within the pmd, not empty) of `vma`,
/// `details` is NULL or valid, and the caller holds the locks zapping
/// requires.
pub(crate) unsafe fn zap_pte_range(
    tlb: *mut bindings::mmu_gather,
    vma: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    addr: usize,
    end: usize,
    details_ptr: *mut bindings::zap_details,
) -> usize {
    // SAFETY: by the safety requirements.
    let mut zap = unsafe { Zap::new(tlb, vma, details(details_ptr)) };
    // SAFETY: by the safety requirements.
    unsafe { zap.pass(pmd, addr, end, |zap, _, cur| zap.run(cur)) }.unwrap_or(addr)
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
            let info = vma_info(vma);
            install_uffd_wp_if_needed(info.mm, info.vma, addr, pte, Pte::new(pteval))
        };
    }
}
