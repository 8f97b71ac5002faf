// SPDX-License-Identifier: GPL-2.0

//! Linux 7.3's side of the zap (see `zap` for the steps both lines share
//! and the protocol): `zap_pte_range()` loops over passes of the table
//! (its `retry:`), `do_zap_pte_range()` skips a run of none ptes in one
//! scan and asks `need_resched()` before each batch, an empty table is
//! freed (page-table reclaim, `CONFIG_PT_RECLAIM`); markers are installed
//! a batch at a time (`cond_install_uffd_wp_ptes()`, also called by
//! `try_to_unmap_one()`); and the C functions of 7.3 this differs in.

use crate::entry::Entry;
use crate::folio::FolioRef;
use crate::policy::{self, Details, Vma, ZapFlags};
use crate::pte::Pte;
use crate::stats::{self, hit};
use crate::table::{set_pte_at, PteTable};
use crate::vma::vma_info;
use crate::zap::{advance, need_resched, Cursor, Zap};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::bindings;
use kernel::bindings::{
    rust_zap_branch_RUST_ZAP_BR_NONE_RUN as NONE_RUN,
    rust_zap_branch_RUST_ZAP_BR_PT_RECLAIMED as PT_RECLAIMED,
};

/// A swap batch is measured only when it is zapped; a kept swap entry is
/// skipped alone.
pub(crate) const SWAP_BATCH_KEPT: bool = false;

/// Device private and device exclusive entries are both in the rmap.
pub(crate) const EXCLUSIVE_HAS_RMAP: bool = true;

/// 7.3's hugetlb zap leaves a uffd-wp marker only in a vma still
/// registered for uffd-wp (`userfaultfd_wp(vma)`).
#[cfg(any(CONFIG_HUGETLB_PAGE, CONFIG_RUST_MM_ZAP_KUNIT_TEST))]
pub(crate) const HUGETLB_MARKERS_NEED_UFFD_WP: bool = true;

/// What one step of the walk did: how many ptes it covered, and whether it
/// left any of them in place (C's `any_skipped`: a kept entry or a marker
/// installed), which forbids freeing the table.
pub(crate) struct Step {
    pub(crate) nr: usize,
    pub(crate) skipped: bool,
}

impl Step {
    /// `nr` ptes covered, `skipped` if any stayed.
    #[inline(always)]
    pub(crate) const fn new(nr: usize, skipped: bool) -> Self {
        Self { nr, skipped }
    }
}

/// The zap's `details`, as `policy` reads them. `reaping` is read above
/// the pte level only (`__zap_vma_range()` skips `uprobe_munmap()`);
/// `reclaim_pt` by `pte_table_reclaim_possible()`.
///
/// # Safety
///
/// `details` is NULL or valid.
#[inline(always)]
unsafe fn details(details: *const bindings::zap_details) -> Details {
    // SAFETY: NULL or valid by the safety requirements.
    match unsafe { details.as_ref() } {
        None => Details::NONE,
        Some(d) => Details::new(!d.skip_cows, ZapFlags::from_bits_truncate(d.zap_flags)),
    }
}

/// Whether the zap may re-arm markers (`zap_install_uffd_wp_if_needed()`
/// goes on to `cond_install_uffd_wp_ptes()`).
#[inline(always)]
pub(crate) fn may_rearm(_vma: Vma, details: Details) -> bool {
    !details.drop_markers()
}

/// `folio_pte_batch()`.
///
/// # Safety
///
/// `max_nr` ptes from `ptep` are in a locked table and the first, `pte`,
/// maps a page of the folio.
#[inline(always)]
pub(crate) unsafe fn folio_pte_batch(
    f: &FolioRef,
    _addr: usize,
    ptep: *mut bindings::pte_t,
    pte: Pte,
    max_nr: usize,
) -> usize {
    // SAFETY: by the safety requirements.
    unsafe { bindings::folio_pte_batch(f.folio(), ptep, pte.raw(), max_nr as u32) as usize }
}

/// `swap_put_entries_direct()`.
///
/// # Safety
///
/// `nr` swap entries from `entry` are mapped by ptes being cleared under
/// their lock.
#[inline(always)]
pub(crate) unsafe fn free_swap(entry: Entry, nr: usize) {
    // SAFETY: by the safety requirements.
    unsafe { bindings::swap_put_entries_direct(entry.raw(), nr as i32) };
}

/// `clear_nonpresent_ptes()`.
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
    _fullmm: bool,
) {
    // SAFETY: by the safety requirements.
    unsafe { bindings::clear_nonpresent_ptes(mm, addr, ptep, nr as u32) };
}

/// C's `WARN_ON_ONCE(!pte_none(ptep_get(ptep)))` before a marker goes in:
/// the kernel crate's `warn_on!` (a trap and a bug table entry, no call,
/// so the common path saves no registers for it), once.
#[inline(always)]
fn warn_install_not_none(not_none: bool) {
    static WARNED: AtomicBool = AtomicBool::new(false);

    if not_none && !WARNED.swap(true, Ordering::Relaxed) {
        kernel::warn_on!(true);
    }
}

/// `cond_install_uffd_wp_ptes()`: after the `nr` ptes from `ptep` were
/// cleared, leave uffd-wp markers in them if what the first held
/// (`pteval`) was uffd-wp protected file memory. Returns whether it did.
///
/// # Safety
///
/// `ptep` is the first of `nr` consecutive ptes of one table of `mm`, from
/// `addr`, mapped, with their page table lock held.
#[inline]
unsafe fn install_markers(
    mm: *mut bindings::mm_struct,
    vma: Vma,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pteval: Pte,
    nr: usize,
) -> bool {
    // SAFETY: no precondition (a runtime test on riscv).
    if !unsafe { bindings::uffd_supports_wp_marker() } {
        return false;
    }
    // SAFETY: mapped and locked by the safety requirements.
    warn_install_not_none(!Pte::new(unsafe { bindings::ptep_get(ptep) }).is_none());
    // As C tests it: a swap form never is present (`pte_swp_uffd_any()`
    // of a present pte is false), so a present pte needs one test.
    let wp = || {
        if pteval.is_present() {
            pteval.is_uffd_wp()
        } else {
            pteval.is_swp_uffd_wp_any()
        }
    };
    if !policy::install_marker(vma, wp) {
        return false;
    }
    let marker = Pte::uffd_wp_marker();
    for k in 0..nr {
        // SAFETY: pte `k` of the `nr` mapped and locked ones, at its
        // address.
        unsafe { set_pte_at(mm, advance(addr, k), ptep.add(k), marker) };
    }
    hit(stats::MARKER_INSTALLED);
    true
}

/// Page-table reclaim over one `zap_pte_range()`.
struct Reclaim {
    /// `pte_table_reclaim_possible()`, until an entry is left in place.
    possible: bool,
    /// The table may be detached under the lock we hold (no reschedule,
    /// no full gather, no failed trylock of the pmd lock).
    direct: bool,
}

impl Cursor<'_> {
    /// `do_zap_pte_range()`'s first step: skips the run of none ptes from
    /// the current one; returns the first other pte, read once, with the
    /// cursor on it (`None` at the end).
    #[inline(always)]
    fn skip_none(&mut self) -> Option<Pte> {
        while let Some(ptep) = self.ptep() {
            // SAFETY: a pte of the locked table.
            let pte = Pte::new(unsafe { bindings::ptep_get(ptep) });
            if !pte.is_none() {
                return Some(pte);
            }
            self.advance(1);
        }
        None
    }
}

impl Zap {
    /// The loop of `zap_pte_range()` over one locked table, from the
    /// cursor to the end or to where it must reschedule or flush first.
    fn run(&mut self, cur: &mut Cursor<'_>, reclaim: &mut Reclaim) {
        while cur.remaining() != 0 {
            if need_resched() {
                hit(stats::RESCHED);
                reclaim.direct = false;
                break;
            }
            let from = cur.addr();
            let pte = cur.skip_none();
            if cur.addr() != from {
                hit(NONE_RUN);
            }
            let Some(pte) = pte else {
                break;
            };
            let step = if pte.is_present() {
                self.present(cur, pte)
            } else {
                self.non_present(cur, pte)
            };
            if step.skipped {
                reclaim.possible = false;
            }
            cur.advance(step.nr);
            if self.force_break {
                reclaim.direct = false;
                break;
            }
        }
    }

    /// `zap_install_uffd_wp_if_needed()` for the `nr` ptes at the cursor.
    /// Returns whether it left markers.
    #[inline]
    pub(crate) fn rearm(&self, cur: &Cursor<'_>, nr: usize, pteval: Pte) -> bool {
        if !may_rearm(self.vma, self.details) {
            return false;
        }
        let Some(ptep) = cur.ptep() else {
            return false;
        };
        // SAFETY: `nr` (at most what is left) locked ptes from the cursor.
        unsafe {
            install_markers(
                self.mm,
                self.vma,
                cur.addr(),
                ptep,
                pteval,
                nr.min(cur.remaining()),
            )
        }
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
    let mm = zap.mm;
    let mut reclaim = Reclaim {
        // SAFETY: `details` is NULL or valid.
        possible: unsafe { bindings::rust_zap_pte_table_reclaim_possible(addr, end, details_ptr) },
        direct: true,
    };
    let start = addr;
    let mut addr = addr;
    let mut pmdval = bindings::pmd_t::default();
    loop {
        let walk = |zap: &mut Zap, table: &PteTable<'_>, cur: &mut Cursor<'_>| {
            zap.run(cur, &mut reclaim);
            // Fast path: try to hold the pmd lock and unmap the pte table.
            // If the pte lock was released midway (retry case), or if the
            // attempt to hold the pmd lock failed, then all pte entries
            // must be checked again (below), in case another thread filled
            // them in meanwhile.
            if reclaim.possible && reclaim.direct && cur.addr() == end {
                // SAFETY: `pmd` of `mm` maps the table, whose lock is held.
                reclaim.direct = unsafe {
                    bindings::rust_zap_empty_pte_table(mm, pmd, table.ptl(), &mut pmdval)
                };
            }
        };
        // SAFETY: by the safety requirements.
        let pass = unsafe { zap.pass(pmd, addr, end, walk) };
        let Some(next) = pass else {
            return addr;
        };
        addr = next;
        if addr == end {
            break;
        }
        // SAFETY: no lock held here but the caller's sleepable ones.
        unsafe { bindings::cond_resched() };
    }
    if reclaim.possible {
        // Not detached under the pte lock above: check every pte again,
        // under the pmd lock and the pte lock.
        let detached = reclaim.direct || {
            // SAFETY: `pmd` of `mm`, no pte lock held; the caller's locks
            // keep the pmd.
            unsafe { bindings::rust_zap_pte_table_if_empty(mm, pmd, start, &mut pmdval) }
        };
        if detached {
            // SAFETY: the table `pmdval` pointed to is detached from
            // `pmd`; the gather frees it after the TLB flush.
            unsafe { bindings::rust_zap_free_pte_table(tlb, pmdval, start) };
            hit(PT_RECLAIMED);
        }
    }
    addr
}

/// `cond_install_uffd_wp_ptes()`: called by `try_to_unmap_one()` in place
/// of the C function, when the Rust path is selected, after it cleared
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
    // SAFETY: by the safety requirements. `try_to_unmap_one()` clears one
    // pte or more, which C's loop assumes too (it tests the count after
    // each pte): said to the compiler here, where it saves a test of zero,
    // and not in the zap, whose code it changes.
    unsafe {
        core::hint::assert_unchecked(nr_ptes >= 1);
        let info = vma_info(vma);
        install_markers(info.mm, info.vma, addr, ptep, Pte::new(pte), nr_ptes)
    }
}
