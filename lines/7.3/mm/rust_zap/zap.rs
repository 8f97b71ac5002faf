// SPDX-License-Identifier: GPL-2.0

//! The zap loop of Linux 7.3: `zap_pte_range()` (its retry loop and page
//! table reclaim), `do_zap_pte_range()`, `zap_present_ptes()`,
//! `zap_present_folio_ptes()`, `zap_nonpresent_ptes()`,
//! `zap_install_uffd_wp_if_needed()` and `cond_install_uffd_wp_ptes()`,
//! over the types of this crate. The decisions are `policy`'s; this file
//! walks, applies, batches and accounts.
//!
//! # Protocol
//!
//! - **The caller** (`zap_pmd_range()`) holds the mmap lock (for reading,
//!   or for writing in munmap before it downgrades), or the vma's read
//!   lock alone (TCP zerocopy), or the i_mmap lock (truncation and hole
//!   punching through `unmap_mapping_range()`); the vma and its page tables
//!   above the pte level stay. It guarantees `[addr, end)` page aligned,
//!   not empty, within one pmd of the vma, a gather of this task started on
//!   the vma's mm, and `details` NULL or valid for the call.
//! - **Locks taken**: the pte table's lock, by `PteTable` (a RAII guard),
//!   for every read and write of a pte; the pmd lock in the reclaim
//!   wrappers of mm/memory.c, nested as C nests it. Lazy MMU mode is on
//!   while a table is locked (`LazyMmu`, borrowing the guard). A `Cursor`
//!   borrows the locked table and owns the position in it: the pte index
//!   and its address; the zap steps go through it, never past its end.
//! - **What may race**: the hardware sets the accessed and dirty bits of
//!   present ptes (hence `get_and_clear_full_ptes()`); GUP-fast reads ptes
//!   without the lock (the gather frees pages only after the TLB flush);
//!   faults, rmap walks and khugepaged wait for the table lock, and the pmd
//!   may change while it is not held (`pte_offset_map_lock()` fails: we
//!   return where we stopped and `zap_pmd_range()` retries the pmd). Each
//!   time the lock is dropped (to reschedule, or when the gather is full),
//!   others may fill the table again: reclaiming it then means checking it
//!   again under both locks (`zap_pte_table_if_empty()`).
//! - **Returns** `end`, or less only if the table could not be mapped.

use crate::entry::{NonPresentKind, SoftLeaf};
use crate::folio::FolioRef;
use crate::gather::Gather;
use crate::policy::{self, Details, MmCounter, NonPresent, Verdict, Vma, ZapFlags};
use crate::pte::Pte;
use crate::stats::{self, hit};
use crate::table::{set_pte_at, LazyMmu, PteTable};
use crate::vma::{vma_info, Rss, VmaInfo};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::bindings;
use kernel::bindings::{
    rust_zap_branch_RUST_ZAP_BR_GUARD_DROPPED as GUARD_DROPPED,
    rust_zap_branch_RUST_ZAP_BR_GUARD_KEPT as GUARD_KEPT,
    rust_zap_branch_RUST_ZAP_BR_NONE_RUN as NONE_RUN,
    rust_zap_branch_RUST_ZAP_BR_PT_RECLAIMED as PT_RECLAIMED,
};

const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

const _: () = assert!(ZapFlags::DROP_MARKER.bits() == bindings::RUST_ZAP_FLAG_DROP_MARKER);

/// `addr + nr` pages. Addresses stay below `end`: C relies on no wrap and
/// neither do we, but the loop must not grow a panicking path.
const fn advance(addr: usize, nr: usize) -> usize {
    addr.wrapping_add(nr.wrapping_mul(PAGE_SIZE))
}

/// A position in a locked pte table: the index of a pte and its address.
///
/// # Invariants
///
/// `i <= table.len()`, and `addr` is the address pte `i` maps (the
/// table's first address plus `i` pages).
struct Cursor<'t> {
    table: &'t PteTable,
    i: usize,
    addr: usize,
}

impl<'t> Cursor<'t> {
    /// The first pte of `table`, which maps `addr`.
    fn new(table: &'t PteTable, addr: usize) -> Self {
        // INVARIANT: index 0 maps the table's first address.
        Self { table, i: 0, addr }
    }

    /// The address of the current pte (`end` past the last one).
    fn addr(&self) -> usize {
        self.addr
    }

    /// How many ptes are left, from the current one on (C's `max_nr`).
    fn remaining(&self) -> usize {
        self.table.len().wrapping_sub(self.i)
    }

    /// The current pte, if any is left.
    fn ptep(&self) -> Option<*mut bindings::pte_t> {
        self.table.ptr(self.i)
    }

    /// Moves on by `nr` ptes, at most to the end.
    fn advance(&mut self, nr: usize) {
        let nr = nr.min(self.remaining());
        // INVARIANT: still within the table, the address moved with it.
        self.i = self.i.wrapping_add(nr);
        self.addr = advance(self.addr, nr);
    }

    /// `do_zap_pte_range()`'s first step: skips the run of none ptes from
    /// the current one; returns how many it skipped and the first other
    /// pte, read once, with the cursor on it (`None` at the end).
    fn skip_none(&mut self) -> (usize, Option<Pte>) {
        let mut skipped = 0;
        while let Some(ptep) = self.ptep() {
            // SAFETY: a pte of the locked table.
            let pte = Pte::new(unsafe { bindings::ptep_get(ptep) });
            if !pte.is_none() {
                return (skipped, Some(pte));
            }
            self.advance(1);
            skipped = skipped.wrapping_add(1);
        }
        (skipped, None)
    }
}

/// What one step of the loop did: how many ptes it covered, and whether it
/// left any of them in place (C's `any_skipped`: a kept entry or a marker
/// installed), which forbids freeing the table.
struct Step {
    nr: usize,
    skipped: bool,
}

impl Step {
    const fn new(nr: usize, skipped: bool) -> Self {
        Self { nr, skipped }
    }
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
pub(crate) unsafe fn install_markers(
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
    let wp = || (pteval.is_present() && pteval.is_uffd_wp()) || pteval.is_swp_uffd_wp_any();
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

/// One call of `zap_pte_range()`: everything but the table.
struct Zap {
    gather: Gather,
    vma_ptr: *mut bindings::vm_area_struct,
    mm: *mut bindings::mm_struct,
    vma: Vma,
    recency: bool,
    details: Details,
    rss: Rss,
    fullmm: bool,
    /// Whether uffd-wp markers stay (file memory, not asked to drop them).
    keep_markers: bool,
    /// `make_pte_marker(PTE_MARKER_UFFD_WP)`: the value of such a marker.
    marker: Pte,
    force_flush: bool,
    force_break: bool,
    /// `pte_table_reclaim_possible()`, until an entry is left in place.
    can_reclaim: bool,
    /// The table may be detached under the lock we hold (no reschedule,
    /// no full gather, no failed trylock of the pmd lock).
    direct_reclaim: bool,
}

impl Zap {
    /// The loop of `zap_pte_range()` over one locked table, from the
    /// cursor to the end or to where it must reschedule or flush first.
    fn run(&mut self, cur: &mut Cursor<'_>) {
        while cur.remaining() != 0 {
            if need_resched() {
                hit(stats::RESCHED);
                self.direct_reclaim = false;
                break;
            }
            let (none, pte) = cur.skip_none();
            if none != 0 {
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
                self.can_reclaim = false;
            }
            cur.advance(step.nr);
            if self.force_break {
                self.direct_reclaim = false;
                break;
            }
        }
    }

    /// `zap_install_uffd_wp_if_needed()` for the `nr` ptes at the cursor.
    #[inline]
    fn rearm(&self, cur: &Cursor<'_>, nr: usize, pteval: Pte) -> bool {
        if self.details.drop_markers() {
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

    /// `zap_present_ptes()`: zap or skip at least one present pte, the one
    /// at the cursor, batching the following ones that map the same large
    /// folio.
    fn present(&mut self, cur: &Cursor<'_>, pte: Pte) -> Step {
        let (Some(ptep), addr, max_nr) = (cur.ptep(), cur.addr(), cur.remaining()) else {
            return Step::new(0, false);
        };
        // SAFETY: `vma` is valid and `pte` was read from it at `addr`.
        let page = unsafe { bindings::vm_normal_page(self.vma_ptr, addr, pte.raw()) };
        let Some(page) = NonNull::new(page) else {
            // A special mapping, no struct page. We don't need up-to-date
            // accessed/dirty bits.
            // SAFETY: a locked present pte of `mm` at `addr`; `vma` is
            // valid.
            unsafe {
                bindings::ptep_get_and_clear_full(self.mm, addr, ptep, i32::from(self.fullmm));
                bindings::arch_check_zapped_pte(self.vma_ptr, pte.raw());
            }
            self.gather.remove_tlb_entries(ptep, 1, addr);
            hit(stats::PRESENT_NOPAGE);
            let skipped = self.vma.uffd_wp && pte.is_uffd_wp() && self.rearm(cur, 1, pte);
            // SAFETY: `mm` is valid.
            unsafe { bindings::ksm_might_unmap_zero_page(self.mm, pte.raw()) };
            return Step::new(1, skipped);
        };
        // SAFETY: mapped by a locked pte of this (never hugetlb) vma.
        let f = unsafe { FolioRef::of_page(page) };
        if policy::present(self.details, Some(f.anon())) == Verdict::Keep {
            hit(stats::PRESENT_KEPT);
            return Step::new(1, true);
        }
        // The common small folio apart, with one pte, as C keeps it: the
        // pte clearing and gathering get a constant count.
        if f.large() && max_nr != 1 {
            // SAFETY: `max_nr` ptes from `ptep` are in the locked table and
            // the first maps a page of the folio.
            let nr = unsafe { bindings::folio_pte_batch(f.folio(), ptep, pte.raw(), max_nr as u32) }
                as usize;
            hit(stats::PRESENT_BATCH);
            let skipped = self.present_folio(cur, pte, &f, nr);
            Step::new(nr, skipped)
        } else {
            hit(stats::PRESENT);
            let skipped = self.present_folio(cur, pte, &f, 1);
            Step::new(1, skipped)
        }
    }

    /// `zap_present_folio_ptes()`: zap the `nr` ptes at the cursor, which
    /// map consecutive pages of one folio. Returns whether markers were
    /// left in them.
    #[inline(always)]
    fn present_folio(&mut self, cur: &Cursor<'_>, pte: Pte, f: &FolioRef, nr: usize) -> bool {
        let (Some(ptep), addr) = (cur.ptep(), cur.addr()) else {
            return false;
        };
        let mut delay_rmap = false;
        let full = i32::from(self.fullmm);
        let ptent = if f.anon() {
            // We don't need up-to-date accessed/dirty bits.
            // SAFETY: `nr` locked present ptes of `mm` from `addr`.
            unsafe { bindings::clear_full_ptes(self.mm, addr, ptep, nr as u32, full) };
            self.rss.sub(MmCounter::Anon, nr);
            pte
        } else {
            // SAFETY: as above.
            let ptent = Pte::new(unsafe {
                bindings::get_and_clear_full_ptes(self.mm, addr, ptep, nr as u32, full)
            });
            if ptent.is_dirty() {
                hit(stats::DIRTY);
                // SAFETY: the folio is mapped here, hence alive.
                unsafe { bindings::folio_mark_dirty(f.folio()) };
                if self.gather.delay_rmap() {
                    hit(stats::DELAY_RMAP);
                    delay_rmap = true;
                    self.force_flush = true;
                }
            }
            if ptent.is_young() && self.recency {
                // SAFETY: as above.
                unsafe { bindings::folio_mark_accessed(f.folio()) };
            }
            self.rss.sub(f.mm_counter(), nr);
            ptent
        };
        // Checking a single PTE in a batch is sufficient.
        // SAFETY: `vma` is valid.
        unsafe { bindings::arch_check_zapped_pte(self.vma_ptr, ptent.raw()) };
        self.gather.remove_tlb_entries(ptep, nr, addr);
        // `userfaultfd_pte_wp()`.
        let skipped = self.vma.uffd_wp && ptent.is_uffd_wp() && self.rearm(cur, nr, ptent);
        if !delay_rmap {
            // SAFETY: the `nr` pages of the folio from `page` were mapped
            // in `vma` by the ptes just cleared.
            unsafe {
                bindings::folio_remove_rmap_ptes(f.folio(), f.page(), nr as i32, self.vma_ptr)
            };
            if f.mapcount_negative() {
                // SAFETY: as above; the folio is still referenced by the
                // ptes' page references, not yet given to the gather.
                unsafe {
                    bindings::rust_zap_print_bad_pte(self.vma_ptr, addr, ptent.raw(), f.page())
                };
            }
        }
        // SAFETY: the `nr` ptes from `ptep` at `addr` were just cleared,
        // their TLB range added, and mapped the pages from `page`; the
        // gather takes over the references.
        if unsafe { self.gather.remove_folio_pages(f.page(), nr, delay_rmap) } {
            hit(stats::FORCE_BREAK);
            self.force_flush = true;
            self.force_break = true;
        }
        skipped
    }

    /// `zap_nonpresent_ptes()`: the non-present entry at the cursor (and,
    /// for swap, the following ones of the same batch).
    fn non_present(&mut self, cur: &Cursor<'_>, pte: Pte) -> Step {
        let (Some(ptep), addr, max_nr) = (cur.ptep(), cur.addr(), cur.remaining()) else {
            return Step::new(0, false);
        };
        if self.keep_markers && pte == self.marker {
            // The entry protected file memory leaves behind, known by its
            // value (the uffd-wp bit alone: markers with more bits are
            // decoded below): what the general path decides, without
            // decoding it.
            hit(stats::MARKER_KEPT);
            return Step::new(1, true);
        }
        let entry = SoftLeaf::of(pte);
        let kind = NonPresentKind::of(entry);
        let mut nr = 1;
        let verdict = match kind {
            NonPresentKind::DevicePrivate | NonPresentKind::DeviceExclusive => {
                // SAFETY: device entries encode a pfn.
                let Some(page) = NonNull::new(unsafe { entry.page() }) else {
                    return Step::new(1, true);
                };
                // SAFETY: the entry references a valid page, pinned by it
                // while the page table lock is held; never hugetlb here.
                let f = unsafe { FolioRef::of_page(page) };
                let verdict = policy::non_present(
                    NonPresent::Device {
                        folio_anon: f.anon(),
                    },
                    self.vma,
                    self.details,
                );
                if verdict == Verdict::Zap {
                    // Both device private/exclusive mappings only map
                    // anonymous folios so far: no uffd-wp to consider.
                    if !f.anon() {
                        // SAFETY: no precondition.
                        unsafe { bindings::rust_zap_warn_device_not_anon() };
                    }
                    self.rss.sub(f.mm_counter(), 1);
                    // SAFETY: the entry mapped the page in `vma` and held a
                    // reference to the folio.
                    unsafe {
                        bindings::folio_remove_rmap_ptes(f.folio(), f.page(), 1, self.vma_ptr);
                        bindings::folio_put(f.folio());
                    }
                }
                verdict
            }
            NonPresentKind::Swap => {
                // Genuine swap entries, hence private anonymous pages.
                let verdict = policy::non_present(NonPresent::Swap, self.vma, self.details);
                if verdict == Verdict::Zap {
                    // SAFETY: `max_nr` locked ptes from `ptep`, the first
                    // `pte`.
                    nr = unsafe { bindings::swap_pte_batch(ptep, max_nr as i32, pte.raw()) }
                        as usize;
                    self.rss.sub(MmCounter::SwapEnts, nr);
                    // SAFETY: `nr` swap entries from `entry` were just
                    // found, and their ptes are cleared below, under the
                    // same lock.
                    unsafe { bindings::swap_put_entries_direct(entry.raw(), nr as i32) };
                }
                verdict
            }
            NonPresentKind::Migration => {
                // SAFETY: migration entries encode a pfn.
                let Some(page) = NonNull::new(unsafe { entry.page() }) else {
                    return Step::new(1, true);
                };
                // SAFETY: as for device entries.
                let f = unsafe { FolioRef::of_page(page) };
                let verdict = policy::non_present(
                    NonPresent::Migration {
                        folio_anon: f.anon(),
                    },
                    self.vma,
                    self.details,
                );
                if verdict == Verdict::Zap {
                    self.rss.sub(f.mm_counter(), 1);
                }
                verdict
            }
            NonPresentKind::UffdWpMarker => {
                policy::non_present(NonPresent::UffdWpMarker, self.vma, self.details)
            }
            NonPresentKind::GuardMarker => policy::guard_marker(self.details),
            NonPresentKind::HwPoison | NonPresentKind::PoisonedMarker => {
                policy::non_present(NonPresent::Poisoned, self.vma, self.details)
            }
            NonPresentKind::Unknown => {
                // SAFETY: no precondition.
                unsafe { bindings::rust_zap_warn_unknown_entry(entry.raw()) };
                policy::non_present(NonPresent::Unknown, self.vma, self.details)
            }
        };
        hit(match (kind, verdict) {
            (NonPresentKind::UffdWpMarker, Verdict::Keep) => stats::MARKER_KEPT,
            (NonPresentKind::UffdWpMarker, Verdict::Zap) => stats::MARKER_DROPPED,
            (NonPresentKind::GuardMarker, Verdict::Keep) => GUARD_KEPT,
            (NonPresentKind::GuardMarker, Verdict::Zap) => GUARD_DROPPED,
            (_, Verdict::Keep) => stats::NON_PRESENT_KEPT,
            (NonPresentKind::DevicePrivate, Verdict::Zap) => stats::DEVICE_PRIVATE,
            (NonPresentKind::DeviceExclusive, Verdict::Zap) => stats::DEVICE_EXCLUSIVE,
            (NonPresentKind::Swap, Verdict::Zap) => stats::SWAP,
            (NonPresentKind::Migration, Verdict::Zap) => stats::MIGRATION,
            (NonPresentKind::HwPoison, Verdict::Zap) => stats::HWPOISON,
            (NonPresentKind::PoisonedMarker, Verdict::Zap) => stats::POISONED_MARKER,
            (NonPresentKind::Unknown, Verdict::Zap) => stats::UNKNOWN,
        });
        if verdict == Verdict::Keep {
            return Step::new(1, true);
        }
        // SAFETY: `nr` locked non-present ptes of `mm` from `addr`.
        unsafe { bindings::clear_nonpresent_ptes(self.mm, addr, ptep, nr as u32) };
        let skipped = self.rearm(cur, nr, pte);
        Step::new(nr, skipped)
    }
}

/// `need_resched()`: asked before every step.
#[inline(always)]
fn need_resched() -> bool {
    // SAFETY: no precondition.
    unsafe { bindings::need_resched() }
}

/// `zap_pte_range()`.
///
/// # Safety
///
/// As for the C function (see the protocol above): `tlb` is a gather
/// started on the vma's mm, `pmd` points to a page table covering
/// `[addr, end)` (page aligned, within the pmd, not empty) of `vma`,
/// `details` is NULL or valid, and the caller holds the locks zapping
/// requires.
pub(crate) unsafe fn zap_pte_range(
    tlb: *mut bindings::mmu_gather,
    vma_ptr: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    addr: usize,
    end: usize,
    details_ptr: *mut bindings::zap_details,
) -> usize {
    // SAFETY: NULL or valid by the safety requirements. `reaping` is read
    // above the pte level only; `reclaim_pt` by the reclaim test below.
    let details = match unsafe { details_ptr.as_ref() } {
        None => Details::NONE,
        Some(d) => Details::new(!d.skip_cows, ZapFlags::from_bits_truncate(d.zap_flags)),
    };
    // SAFETY: a valid vma, by the safety requirements.
    let (VmaInfo { mm, vma }, recency) =
        unsafe { (vma_info(vma_ptr), bindings::vma_has_recency(vma_ptr)) };
    // SAFETY: `details` is NULL or valid.
    let can_reclaim =
        unsafe { bindings::rust_zap_pte_table_reclaim_possible(addr, end, details_ptr) };
    // SAFETY: a gather of this task, by the safety requirements.
    let gather = unsafe { Gather::new(tlb) };
    let fullmm = gather.fullmm();
    let mut zap = Zap {
        gather,
        vma_ptr,
        mm,
        vma,
        recency,
        details,
        rss: Rss::new(),
        fullmm,
        keep_markers: policy::non_present(NonPresent::UffdWpMarker, vma, details) == Verdict::Keep,
        marker: Pte::uffd_wp_marker(),
        force_flush: false,
        force_break: false,
        can_reclaim,
        direct_reclaim: true,
    };
    let start = addr;
    let mut addr = addr;
    let mut pmdval = bindings::pmd_t::default();
    loop {
        // SAFETY: a gather of this task.
        unsafe { bindings::tlb_change_page_size(tlb, PAGE_SIZE as u32) };
        zap.rss = Rss::new();
        // SAFETY: by the safety requirements.
        let Some(table) = (unsafe { PteTable::map_lock(mm, pmd, addr, end) }) else {
            hit(stats::NO_TABLE);
            return addr;
        };
        // SAFETY: `mm` is valid and its page table lock is held.
        unsafe { bindings::flush_tlb_batched_pending(mm) };
        let lazy = LazyMmu::enter(&table);
        let mut cur = Cursor::new(&table, addr);
        zap.run(&mut cur);
        addr = cur.addr();
        // Fast path: try to hold the pmd lock and unmap the pte table. If
        // the pte lock was released midway (retry case), or if the attempt
        // to hold the pmd lock failed, then all pte entries must be checked
        // again (below), in case another thread filled them in meanwhile.
        if zap.can_reclaim && zap.direct_reclaim && addr == end {
            // SAFETY: `pmd` of `mm` maps the table, whose lock is held.
            zap.direct_reclaim =
                unsafe { bindings::rust_zap_empty_pte_table(mm, pmd, table.ptl(), &mut pmdval) };
        }
        // SAFETY: `mm` is valid.
        unsafe { zap.rss.add_to(mm) };
        drop(lazy);
        // Do the actual TLB flush before dropping ptl.
        if zap.force_flush {
            hit(stats::FORCE_FLUSH);
            // SAFETY: `tlb` and `vma` are valid; the table is still locked.
            unsafe { bindings::rust_zap_force_flush_locked(tlb, vma_ptr) };
        }
        drop(table);
        // If we forced a TLB flush (either due to running out of batch
        // buffers or because we needed to flush dirty TLB entries before
        // releasing the ptl), free the batched memory too. Come back again
        // if we didn't do everything.
        if zap.force_flush {
            // SAFETY: `tlb` is valid.
            unsafe { bindings::tlb_flush_mmu(tlb) };
        }
        if addr == end {
            break;
        }
        // SAFETY: no lock held here but the caller's sleepable ones.
        unsafe { bindings::cond_resched() };
        zap.force_flush = false;
        zap.force_break = false;
    }
    if zap.can_reclaim {
        // Not detached under the pte lock above: check every pte again,
        // under the pmd lock and the pte lock.
        let detached = zap.direct_reclaim || {
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
        let info = vma_info(vma);
        install_markers(info.mm, info.vma, addr, ptep, Pte::new(pte), nr_ptes)
    }
}

/// For `__unmap_hugepage_range()`: Linux 7.3 leaves a uffd-wp marker only
/// in a vma still registered for uffd-wp (`userfaultfd_wp(vma)`).
///
/// # Safety
///
/// `vma` is a valid vma.
#[cfg(CONFIG_HUGETLB_PAGE)]
pub(crate) unsafe fn hugetlb_markers_allowed(vma: *mut bindings::vm_area_struct) -> bool {
    // SAFETY: a valid vma, by the safety requirements.
    unsafe { bindings::userfaultfd_wp(vma) }
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
