// SPDX-License-Identifier: GPL-2.0

//! The zap loop: `zap_pte_range()`, `zap_present_ptes()`,
//! `zap_present_folio_ptes()`, `zap_install_uffd_wp_if_needed()` and
//! `pte_install_uffd_wp_if_needed()` of Linux 6.12, over the types of this
//! crate. The decisions are `policy`'s; this file walks, applies, batches
//! and accounts.

use crate::entry::{NonPresentKind, SwpEntry};
use crate::folio::FolioRef;
use crate::gather::Gather;
use crate::policy::{self, Details, MmCounter, NonPresent, Verdict, Vma, ZapFlags};
use crate::pte::Pte;
use crate::stats::{self, hit};
use crate::table::{set_pte_at, LazyMmu, PteTable};
use crate::vma::{vma_info, Rss, VmaInfo};
use core::ptr::NonNull;
use kernel::bindings;

const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

const _: () = assert!(ZapFlags::DROP_MARKER.bits() == bindings::RUST_ZAP_FLAG_DROP_MARKER);

/// `addr + nr` pages. Addresses stay below `end`: C relies on no wrap and
/// neither do we, but the loop must not grow a panicking path.
const fn advance(addr: usize, nr: usize) -> usize {
    addr.wrapping_add(nr.wrapping_mul(PAGE_SIZE))
}

/// `need_resched()`: asked before every entry that is not none.
#[inline(always)]
fn need_resched() -> bool {
    // SAFETY: no precondition.
    unsafe { bindings::need_resched() }
}

/// The folio of a device or migration entry.
fn entry_folio(entry: SwpEntry) -> Option<FolioRef> {
    // SAFETY: device and migration entries reference a valid page, pinned
    // by the entry while the page table lock is held.
    let page = NonNull::new(unsafe { bindings::pfn_swap_entry_to_page(entry.raw()) })?;
    // SAFETY: as above; such entries are never hugetlb (not zapped here).
    Some(unsafe { FolioRef::of_page(page) })
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
/// memory. A no-op without CONFIG_PTE_MARKER_UFFD_WP.
///
/// # Safety
///
/// `ptep` is a pte of `mm` at `addr`, mapped, with its page table lock held.
#[inline]
pub(crate) unsafe fn install_uffd_wp_if_needed(
    mm: *mut bindings::mm_struct,
    vma: Vma,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pteval: Pte,
) {
    if !cfg!(CONFIG_PTE_MARKER_UFFD_WP) {
        return;
    }
    // SAFETY: mapped and locked by the safety requirements.
    let cleared = Pte::new(unsafe { bindings::ptep_get(ptep) }).is_none();
    let wp = || (pteval.is_present() && pteval.is_uffd_wp()) || pteval.is_swp_uffd_wp_any();
    if policy::install_marker(vma, wp) {
        // SAFETY: by the safety requirements.
        unsafe { set_pte_at(mm, addr, ptep, Pte::uffd_wp_marker()) };
        hit(stats::MARKER_INSTALLED);
    }
    // C warns first; last, the warning is a tail call and the common path
    // saves no registers for it. Same lock held, same report.
    if !cleared {
        warn_install_not_none();
    }
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
    /// `make_pte_marker(PTE_MARKER_UFFD_WP)`, the value of a kept marker.
    marker: Pte,
    force_flush: bool,
    force_break: bool,
}

impl Zap {
    /// Walks the table from `addr`; returns where it stopped (`end` when
    /// done, earlier when it must reschedule or flush first).
    fn run(&mut self, table: &PteTable, mut addr: usize) -> usize {
        let mut i = 0;
        while let Some(ptep) = table.ptr(i) {
            // SAFETY: a pte of the locked table.
            let pte = Pte::new(unsafe { bindings::ptep_get(ptep) });
            let max_nr = table.len().wrapping_sub(i);
            let nr = if pte.is_none() {
                1
            } else if need_resched() {
                hit(stats::RESCHED);
                break;
            } else if pte.is_present() {
                let nr = self.present(table, i, ptep, addr, pte, max_nr);
                if self.force_break {
                    addr = advance(addr, nr);
                    break;
                }
                nr
            } else if self.keep_markers && pte == self.marker {
                // The entry protected file memory leaves behind, known by
                // its value: what the general path decides, without
                // decoding it.
                hit(stats::MARKER_KEPT);
                1
            } else {
                let entry = SwpEntry::of(pte);
                let kind = NonPresentKind::of(entry);
                self.non_present(table, i, ptep, addr, pte, kind, entry, max_nr)
            };
            i = i.wrapping_add(nr);
            addr = advance(addr, nr);
        }
        addr
    }

    /// `zap_install_uffd_wp_if_needed()` for `nr` ptes from `i`.
    #[inline]
    fn rearm(&self, table: &PteTable, i: usize, addr: usize, nr: usize, pteval: Pte) {
        if !policy::zap_may_rearm(self.vma, self.details) {
            return;
        }
        for k in 0..nr {
            if let Some(ptep) = table.ptr(i.wrapping_add(k)) {
                // SAFETY: a pte of the locked table at that address.
                unsafe {
                    install_uffd_wp_if_needed(self.mm, self.vma, advance(addr, k), ptep, pteval)
                };
            }
        }
    }

    /// `zap_present_ptes()`: zap or skip at least one present pte, batching
    /// the following ones that map the same large folio. Returns how many.
    #[allow(clippy::too_many_arguments)]
    fn present(
        &mut self,
        table: &PteTable,
        i: usize,
        ptep: *mut bindings::pte_t,
        addr: usize,
        pte: Pte,
        max_nr: usize,
    ) -> usize {
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
            if self.vma.uffd_wp && pte.is_uffd_wp() {
                self.rearm(table, i, addr, 1, pte);
            }
            // SAFETY: `mm` is valid.
            unsafe { bindings::ksm_might_unmap_zero_page(self.mm, pte.raw()) };
            return 1;
        };
        // SAFETY: mapped by a locked pte of this (never hugetlb) vma.
        let f = unsafe { FolioRef::of_page(page) };
        if policy::present(self.details, Some(f.anon())) == Verdict::Keep {
            hit(stats::PRESENT_KEPT);
            return 1;
        }
        // The common small folio apart, with one pte, as C keeps it: the
        // pte clearing and gathering get a constant count.
        if f.large() && max_nr != 1 {
            // SAFETY: `max_nr` ptes from `ptep` are in the locked table and
            // the first maps a page of `folio`.
            let nr = unsafe {
                bindings::folio_pte_batch(
                    f.folio(),
                    addr,
                    ptep,
                    pte.raw(),
                    max_nr as i32,
                    bindings::RUST_ZAP_FPB_FLAGS,
                )
            } as usize;
            hit(stats::PRESENT_BATCH);
            self.present_folio(table, i, addr, ptep, pte, &f, nr);
            nr
        } else {
            hit(stats::PRESENT);
            self.present_folio(table, i, addr, ptep, pte, &f, 1);
            1
        }
    }

    /// `zap_present_folio_ptes()`: zap `nr` ptes mapping consecutive pages
    /// of one folio.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn present_folio(
        &mut self,
        table: &PteTable,
        i: usize,
        addr: usize,
        ptep: *mut bindings::pte_t,
        pte: Pte,
        f: &FolioRef,
        nr: usize,
    ) {
        let mut delay_rmap = false;
        let anon = f.anon();
        let full = i32::from(self.fullmm);
        let ptent = if anon {
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
        if self.vma.uffd_wp && ptent.is_uffd_wp() {
            self.rearm(table, i, addr, nr, ptent);
        }
        if !delay_rmap {
            // SAFETY: the `nr` pages of `folio` from `page` were mapped in
            // `vma` by the ptes just cleared.
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
    }

    /// A non-present entry (and, for swap, the following ones of the same
    /// batch). Returns how many ptes it covered.
    #[allow(clippy::too_many_arguments)]
    fn non_present(
        &mut self,
        table: &PteTable,
        i: usize,
        ptep: *mut bindings::pte_t,
        addr: usize,
        pte: Pte,
        kind: NonPresentKind,
        entry: SwpEntry,
        max_nr: usize,
    ) -> usize {
        let mut nr = 1;
        let verdict = match kind {
            NonPresentKind::DevicePrivate | NonPresentKind::DeviceExclusive => {
                let Some(f) = entry_folio(entry) else {
                    return nr;
                };
                let verdict = policy::non_present(
                    NonPresent::Device {
                        folio_anon: f.anon(),
                    },
                    self.vma,
                    self.details,
                );
                if verdict == Verdict::Zap {
                    // Device private/exclusive entries only map anonymous
                    // folios so far: no uffd-wp to consider.
                    if !f.anon() {
                        // SAFETY: no precondition.
                        unsafe { bindings::rust_zap_warn_device_not_anon() };
                    }
                    self.rss.sub(f.mm_counter(), 1);
                    let private = matches!(kind, NonPresentKind::DevicePrivate);
                    // SAFETY: the entry held a reference to the folio and,
                    // if private, mapped the page in `vma`.
                    unsafe {
                        if private {
                            bindings::folio_remove_rmap_ptes(f.folio(), f.page(), 1, self.vma_ptr);
                        }
                        bindings::folio_put(f.folio());
                    }
                }
                verdict
            }
            NonPresentKind::Swap => {
                // SAFETY: `max_nr` locked ptes from `ptep`, the first `pte`.
                nr = unsafe { bindings::swap_pte_batch(ptep, max_nr as i32, pte.raw()) } as usize;
                // Genuine swap entries, hence private anonymous pages.
                let verdict = policy::non_present(NonPresent::Swap, self.vma, self.details);
                if verdict == Verdict::Zap {
                    self.rss.sub(MmCounter::SwapEnts, nr);
                    // SAFETY: `nr` swap entries from `entry` were just found.
                    unsafe { bindings::free_swap_and_cache_nr(entry.raw(), nr as i32) };
                }
                verdict
            }
            NonPresentKind::Migration => {
                let Some(f) = entry_folio(entry) else {
                    return nr;
                };
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
            return nr;
        }
        // SAFETY: `nr` locked non-present ptes of `mm` from `addr`.
        unsafe {
            bindings::clear_not_present_full_ptes(
                self.mm,
                addr,
                ptep,
                nr as u32,
                i32::from(self.fullmm),
            )
        };
        self.rearm(table, i, addr, nr, pte);
        nr
    }
}

/// `zap_pte_range()`.
///
/// # Safety
///
/// As for the C function: `tlb` is a gather started on the vma's mm, `pmd`
/// points to a page table covering `[addr, end)` (page aligned, within the
/// pmd, not empty) of `vma`, `details` is NULL or valid, and the caller
/// holds the locks zapping requires.
pub(crate) unsafe fn zap_pte_range(
    tlb: *mut bindings::mmu_gather,
    vma_ptr: *mut bindings::vm_area_struct,
    pmd: *mut bindings::pmd_t,
    addr: usize,
    end: usize,
    details: *const bindings::zap_details,
) -> usize {
    // SAFETY: NULL or valid by the safety requirements.
    let details = match unsafe { details.as_ref() } {
        None => Details::NONE,
        Some(d) => Details::new(d.even_cows, ZapFlags::from_bits_truncate(d.zap_flags)),
    };
    // SAFETY: a valid vma, by the safety requirements.
    let (VmaInfo { mm, vma }, recency) =
        unsafe { (vma_info(vma_ptr), bindings::vma_has_recency(vma_ptr)) };
    // SAFETY: by the safety requirements.
    let Some(table) = (unsafe { PteTable::map_lock(mm, pmd, addr, end) }) else {
        hit(stats::NO_TABLE);
        return addr;
    };
    // SAFETY: `mm` is valid and its page table lock is held.
    unsafe { bindings::flush_tlb_batched_pending(mm) };

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
        keep_markers: cfg!(CONFIG_PTE_MARKER_UFFD_WP)
            && policy::non_present(NonPresent::UffdWpMarker, vma, details) == Verdict::Keep,
        marker: Pte::uffd_wp_marker(),
        force_flush: false,
        force_break: false,
    };
    let addr = {
        let _lazy = LazyMmu::enter(&table);
        let addr = zap.run(&table, addr);
        // SAFETY: `mm` is valid.
        unsafe { zap.rss.add_to(mm) };
        addr
    };
    // Do the actual TLB flush before dropping ptl.
    if zap.force_flush {
        hit(stats::FORCE_FLUSH);
        // SAFETY: `tlb` and `vma` are valid; the table is still locked.
        unsafe { bindings::rust_zap_force_flush_locked(tlb, vma_ptr) };
    }
    drop(table);
    // If we forced a TLB flush (either due to running out of batch buffers
    // or because we needed to flush dirty TLB entries before releasing the
    // ptl), free the batched memory too. Come back again if we didn't do
    // everything.
    if zap.force_flush {
        // SAFETY: `tlb` is valid.
        unsafe { bindings::tlb_flush_mmu(tlb) };
    }
    addr
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

/// For `__unmap_hugepage_range()`: Linux 6.12 leaves uffd-wp markers
/// whether or not the vma is still registered for uffd-wp.
///
/// # Safety
///
/// `vma` is a valid vma.
#[cfg(CONFIG_HUGETLB_PAGE)]
pub(crate) unsafe fn hugetlb_markers_allowed(_vma: *mut bindings::vm_area_struct) -> bool {
    true
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
