// SPDX-License-Identifier: GPL-2.0

//! The steps of the zap both kernel lines share: a pass over one locked
//! pte table (`zap_pte_range()` of Linux 6.12 is one pass, 7.3's a loop of
//! them with page-table reclaim), `zap_present_ptes()`,
//! `zap_present_folio_ptes()` and the non-present entries
//! (`zap_nonpresent_ptes()` in 7.3), over the types of this crate. The
//! decisions are `policy`'s; this file applies, batches and accounts. What
//! each line's C does differently (the walk, re-arming markers, the swap
//! batch, the C functions that changed names) is in `walk`, one per line.
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
//! - **Locks taken**: the pte table's lock, by `PteTable` (a RAII guard;
//!   on 7.3 the lock is held as the kernel crate's `SpinLockGuard`, see
//!   `ptl`), for every read and write of a pte; on 7.3 the pmd lock in the reclaim
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
//!   again under both locks (7.3's `zap_pte_table_if_empty()`).
//! - **Returns** `end`, or less if the table could not be mapped or (6.12)
//!   the walk stopped to reschedule or flush: `zap_pmd_range()` comes back.

use crate::entry::Entry;
use crate::folio::FolioRef;
use crate::gather::Gather;
use crate::kind::NonPresentKind;
use crate::policy::{self, Details, MmCounter, NonPresent, Verdict, Vma, ZapFlags};
use crate::pte::Pte;
use crate::stats::{self, hit};
use crate::table::{LazyMmu, PteTable};
use crate::vma::{vma_info, Rss, VmaInfo};
use crate::walk::{self, Step};
use core::ptr::NonNull;
use kernel::bindings;

pub(crate) const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

const _: () = assert!(ZapFlags::DROP_MARKER.bits() == bindings::RUST_ZAP_FLAG_DROP_MARKER);

/// `addr + nr` pages. Addresses stay below `end`: C relies on no wrap and
/// neither do we, but the loop must not grow a panicking path.
pub(crate) const fn advance(addr: usize, nr: usize) -> usize {
    addr.wrapping_add(nr.wrapping_mul(PAGE_SIZE))
}

/// A position in a locked pte table: the index of a pte and its address.
///
/// # Invariants
///
/// `i <= table.len()`, and `addr` is the address pte `i` maps (the
/// table's first address plus `i` pages).
pub(crate) struct Cursor<'t> {
    table: &'t PteTable<'t>,
    i: usize,
    addr: usize,
}

impl<'t> Cursor<'t> {
    /// The first pte of `table`, which maps `addr`.
    fn new(table: &'t PteTable<'t>, addr: usize) -> Self {
        // INVARIANT: index 0 maps the table's first address.
        Self { table, i: 0, addr }
    }

    /// The address of the current pte (`end` past the last one).
    pub(crate) fn addr(&self) -> usize {
        self.addr
    }

    /// How many ptes are left, from the current one on (C's `max_nr`).
    pub(crate) fn remaining(&self) -> usize {
        self.table.len().wrapping_sub(self.i)
    }

    /// The current pte, if any is left.
    pub(crate) fn ptep(&self) -> Option<*mut bindings::pte_t> {
        self.table.ptr(self.i)
    }

    /// Moves on by `nr` ptes, at most to the end.
    pub(crate) fn advance(&mut self, nr: usize) {
        let nr = nr.min(self.remaining());
        // INVARIANT: still within the table, the address moved with it.
        self.i = self.i.wrapping_add(nr);
        self.addr = advance(self.addr, nr);
    }
}

/// One call of `zap_pte_range()`: everything but the table.
pub(crate) struct Zap {
    gather: Gather,
    tlb: *mut bindings::mmu_gather,
    vma_ptr: *mut bindings::vm_area_struct,
    pub(crate) mm: *mut bindings::mm_struct,
    pub(crate) vma: Vma,
    recency: bool,
    pub(crate) details: Details,
    rss: Rss,
    fullmm: bool,
    /// Whether uffd-wp markers stay (file memory, not asked to drop them).
    keep_markers: bool,
    /// `make_pte_marker(PTE_MARKER_UFFD_WP)`: the value of such a marker.
    marker: Pte,
    force_flush: bool,
    pub(crate) force_break: bool,
}

impl Zap {
    /// A zap of `vma` into the gather `tlb`.
    ///
    /// # Safety
    ///
    /// `vma_ptr` is a valid vma and `tlb` a gather of this task started on
    /// its mm, both for the life of the value.
    #[inline(always)]
    pub(crate) unsafe fn new(
        tlb: *mut bindings::mmu_gather,
        vma_ptr: *mut bindings::vm_area_struct,
        details: Details,
    ) -> Self {
        // SAFETY: a valid vma, by the safety requirements.
        let (VmaInfo { mm, vma }, recency) =
            unsafe { (vma_info(vma_ptr), bindings::vma_has_recency(vma_ptr)) };
        // SAFETY: a gather of this task, by the safety requirements.
        let gather = unsafe { Gather::new(tlb) };
        let fullmm = gather.fullmm();
        Self {
            gather,
            tlb,
            vma_ptr,
            mm,
            vma,
            recency,
            details,
            rss: Rss::new(),
            fullmm,
            keep_markers: cfg!(CONFIG_PTE_MARKER_UFFD_WP)
                && policy::non_present(NonPresent::UffdWpMarker, vma, details) == Verdict::Keep,
            marker: Pte::uffd_wp_marker(),
            force_flush: false,
            force_break: false,
        }
    }

    /// One pass of `zap_pte_range()` over the table of `pmd` from `addr`:
    /// map and lock it, enter lazy MMU mode, let `walk` go over it with a
    /// cursor (from `addr`, which it leaves where it stopped), account the
    /// rss, and flush the TLB before the lock is dropped (and the gather's
    /// pages after) if a step asked for it. Returns where the walk stopped,
    /// `None` if the table could not be mapped.
    ///
    /// # Safety
    ///
    /// `pmd` points to a page table covering `[addr, end)` (page aligned,
    /// within the pmd, not empty) of the vma, and the caller holds the
    /// locks zapping requires (see the protocol above).
    #[inline(always)]
    pub(crate) unsafe fn pass(
        &mut self,
        pmd: *mut bindings::pmd_t,
        addr: usize,
        end: usize,
        walk: impl FnOnce(&mut Self, &PteTable<'_>, &mut Cursor<'_>),
    ) -> Option<usize> {
        // SAFETY: a gather of this task.
        unsafe { bindings::tlb_change_page_size(self.tlb, PAGE_SIZE as u32) };
        self.rss = Rss::new();
        self.force_flush = false;
        self.force_break = false;
        // SAFETY: by the safety requirements.
        let Some(table) = (unsafe { PteTable::map_lock(self.mm, pmd, addr, end) }) else {
            hit(stats::NO_TABLE);
            return None;
        };
        // SAFETY: `mm` is valid and its page table lock is held.
        unsafe { bindings::flush_tlb_batched_pending(self.mm) };
        let lazy = LazyMmu::enter(&table);
        let mut cur = Cursor::new(&table, addr);
        walk(self, &table, &mut cur);
        let addr = cur.addr();
        // SAFETY: `mm` is valid.
        unsafe { self.rss.add_to(self.mm) };
        drop(lazy);
        // Do the actual TLB flush before dropping ptl.
        if self.force_flush {
            hit(stats::FORCE_FLUSH);
            // SAFETY: `tlb` and `vma` are valid; the table is still locked.
            unsafe { bindings::rust_zap_force_flush_locked(self.tlb, self.vma_ptr) };
        }
        drop(table);
        // If we forced a TLB flush (either due to running out of batch
        // buffers or because we needed to flush dirty TLB entries before
        // releasing the ptl), free the batched memory too. Come back again
        // if we didn't do everything.
        if self.force_flush {
            // SAFETY: `tlb` is valid.
            unsafe { bindings::tlb_flush_mmu(self.tlb) };
        }
        Some(addr)
    }

    /// `zap_present_ptes()`: zap or skip at least one present pte, the one
    /// at the cursor, batching the following ones that map the same large
    /// folio.
    pub(crate) fn present(&mut self, cur: &Cursor<'_>, pte: Pte) -> Step {
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
            // SAFETY: `max_nr` ptes from `ptep` at `addr` are in the locked
            // table and the first maps a page of the folio.
            let nr = unsafe { walk::folio_pte_batch(&f, addr, ptep, pte, max_nr) };
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

    /// The non-present entry at the cursor (and, for swap, the following
    /// ones of the same batch): 7.3's `zap_nonpresent_ptes()`.
    pub(crate) fn non_present(&mut self, cur: &Cursor<'_>, pte: Pte) -> Step {
        if self.keep_markers && pte == self.marker {
            // The entry protected file memory leaves behind, known by its
            // value (the uffd-wp bit alone: markers with more bits are
            // decoded below): what the general path decides, without
            // decoding it, first.
            hit(stats::MARKER_KEPT);
            return Step::new(1, true);
        }
        let (Some(ptep), addr, max_nr) = (cur.ptep(), cur.addr(), cur.remaining()) else {
            return Step::new(0, false);
        };
        let entry = Entry::of(pte);
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
                    let rmap = kind == NonPresentKind::DevicePrivate || walk::EXCLUSIVE_HAS_RMAP;
                    // SAFETY: the entry held a reference to the folio and,
                    // if `rmap`, mapped the page in `vma`.
                    unsafe {
                        if rmap {
                            bindings::folio_remove_rmap_ptes(f.folio(), f.page(), 1, self.vma_ptr);
                        }
                        bindings::folio_put(f.folio());
                    }
                }
                verdict
            }
            NonPresentKind::Swap => {
                // Genuine swap entries, hence private anonymous pages.
                let verdict = policy::non_present(NonPresent::Swap, self.vma, self.details);
                if verdict == Verdict::Zap || walk::SWAP_BATCH_KEPT {
                    // SAFETY: `max_nr` locked ptes from `ptep`, the first
                    // `pte`.
                    nr = unsafe { bindings::swap_pte_batch(ptep, max_nr as i32, pte.raw()) }
                        as usize;
                }
                if verdict == Verdict::Zap {
                    self.rss.sub(MmCounter::SwapEnts, nr);
                    // SAFETY: `nr` swap entries from `entry` were just
                    // found, and their ptes are cleared below, under the
                    // same lock.
                    unsafe { walk::free_swap(entry, nr) };
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
            (NonPresentKind::GuardMarker, Verdict::Keep) => stats::GUARD_KEPT,
            (NonPresentKind::GuardMarker, Verdict::Zap) => stats::GUARD_DROPPED,
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
            return Step::new(nr, true);
        }
        // SAFETY: `nr` locked non-present ptes of `mm` from `addr`.
        unsafe { walk::clear_nonpresent_ptes(self.mm, addr, ptep, nr, self.fullmm) };
        let skipped = self.rearm(cur, nr, pte);
        Step::new(nr, skipped)
    }
}

/// `need_resched()`.
#[inline(always)]
pub(crate) fn need_resched() -> bool {
    // SAFETY: no precondition.
    unsafe { bindings::need_resched() }
}

/// For the KUnit suite: the decisions of `policy` for one combination of
/// inputs, as bits (see `rust_zap_kunit.c`). Bit 1 of the input is "zap
/// COWs too" (6.12's `details->even_cows`, 7.3's `!details->skip_cows`).
#[cfg(CONFIG_RUST_MM_ZAP_KUNIT_TEST)]
#[no_mangle]
pub extern "C" fn rust_zap_test_policy(input: u32) -> u32 {
    let bit = |n: u32| input & (1 << n) != 0;
    // The zap passes hugetlb the flags of its details, if any.
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
    out |= u32::from(walk::may_rearm(vma, details)) << 8;
    out |= u32::from(policy::install_marker(vma, || wp)) << 9;
    let registered = vma.uffd_wp || !walk::HUGETLB_MARKERS_NEED_UFFD_WP;
    out |= u32::from(policy::hugetlb_marker(flags, registered && wp)) << 10;
    if crate::entry::GUARD_MARKERS {
        out |= zap(policy::guard_marker(details)) << 11;
    }
    out
}
