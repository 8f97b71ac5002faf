// SPDX-License-Identifier: GPL-2.0

//! `__unmap_hugepage_range()`: the zap of a hugetlb vma, one huge page
//! table entry at a time, for Linux 6.12 and 7.3 alike. hugetlb pages never
//! reach `zap_pte_range()`, but the rule about uffd-wp markers is the same
//! one, `policy::keeps_uffd_wp()`; this file walks, clears and accounts.
//!
//! What differs between the lines is decided by the crate root's entry
//! point: 6.12 passes a `ref_page`, 7.3 its folio (the root gives the
//! folio: a hugetlb pte maps its folio's head page, and 6.12's only caller
//! passes the head page, so comparing folios is comparing pages); 7.3 also
//! asks `userfaultfd_wp(vma)` before it leaves a marker, 6.12 does not
//! (`markers_allowed`).

use crate::policy::{self, ZapFlags};
use crate::pte::Pte;
use crate::ptl::PtLock;
use crate::stats::{self, hit};
use core::ptr::NonNull;
use kernel::bindings;

/// Takes the page table lock of a huge pte: `huge_pte_lock()` ...
/// `spin_unlock()`.
///
/// # Safety
///
/// `ptep` is a huge pte of `mm`, of a vma of hstate `h`, found by
/// `hugetlb_walk()` under the locks that keep its table alive while the
/// result lives.
unsafe fn huge_pte_lock<'a>(
    h: *mut bindings::hstate,
    mm: *mut bindings::mm_struct,
    ptep: *mut bindings::pte_t,
) -> PtLock<'a> {
    // SAFETY: by the safety requirements.
    let ptl = unsafe { bindings::huge_pte_lock(h, mm, ptep) };
    // SAFETY: `huge_pte_lockptr()` returns the lock of the table or
    // `&mm->page_table_lock`, never NULL, and `huge_pte_lock()` took it;
    // the table stays, by the safety requirements.
    unsafe { PtLock::held(NonNull::new_unchecked(ptl)) }
}

/// `hugetlb_lock`, held with interrupts off: `spin_lock_irq()` ...
/// `spin_unlock_irq()`. (Not the kernel crate's `SpinLockIrq` backend: it
/// nests interrupt disabling (`local_interrupt_disable()`), where C's
/// `spin_unlock_irq()` turns interrupts on unconditionally.)
///
/// # Invariants
///
/// This task holds `hugetlb_lock`, taken in `lock`, until `drop`.
struct HugetlbLock(());

impl HugetlbLock {
    /// Takes `hugetlb_lock`.
    ///
    /// # Safety
    ///
    /// Interrupts are on (`spin_unlock_irq()` turns them on again) and the
    /// caller holds neither `hugetlb_lock` nor a lock `hugetlb_lock` nests
    /// outside of.
    unsafe fn lock() -> Self {
        // SAFETY: a static spinlock, taken with interrupts off as C does;
        // the rest by the safety requirements.
        unsafe { bindings::spin_lock_irq(core::ptr::addr_of_mut!(bindings::hugetlb_lock)) };
        // INVARIANT: taken just now.
        Self(())
    }
}

impl Drop for HugetlbLock {
    fn drop(&mut self) {
        // SAFETY: held since `lock`, by the invariants.
        unsafe { bindings::spin_unlock_irq(core::ptr::addr_of_mut!(bindings::hugetlb_lock)) };
    }
}

/// What the loop does after an entry.
enum Next {
    /// The next huge page.
    Page,
    /// No table here (none, or just unshared): the next table.
    Table,
    /// The one folio asked for unmapped: done.
    Stop,
}

/// One call of `__unmap_hugepage_range()`.
struct HugeZap {
    tlb: *mut bindings::mmu_gather,
    vma: *mut bindings::vm_area_struct,
    mm: *mut bindings::mm_struct,
    h: *mut bindings::hstate,
    sz: usize,
    flags: ZapFlags,
    /// The one folio to unmap (hugetlb COW taking a page back from the
    /// children of its reservation's owner), if any.
    only: Option<NonNull<bindings::folio>>,
    /// Whether a marker may be left in this vma: Linux 7.3 asks
    /// `userfaultfd_wp(vma)`, 6.12 always may (see the module comment).
    markers_allowed: bool,
}

impl HugeZap {
    /// `set_huge_pte_at()` of a uffd-wp marker.
    ///
    /// # Safety
    ///
    /// `ptep` is a cleared huge pte of `mm` at `address`, locked.
    unsafe fn set_marker(&self, address: usize, ptep: *mut bindings::pte_t) {
        // SAFETY: by the safety requirements.
        unsafe {
            bindings::set_huge_pte_at(self.mm, address, ptep, Pte::uffd_wp_marker().raw(), self.sz)
        };
    }

    /// The entry at `address`.
    ///
    /// # Safety
    ///
    /// `address` is a huge page of the vma, and the caller holds what
    /// `__unmap_hugepage_range()` requires (the i_mmap lock for writing,
    /// the hugetlb vma lock).
    unsafe fn entry(&mut self, address: usize) -> Next {
        // SAFETY: by the safety requirements.
        let ptep = unsafe { bindings::hugetlb_walk(self.vma, address, self.sz) };
        if ptep.is_null() {
            hit(stats::HUGE_NO_TABLE);
            return Next::Table;
        }
        // SAFETY: found by `hugetlb_walk()` under the caller's locks.
        let ptl = unsafe { huge_pte_lock(self.h, self.mm, ptep) };
        // `huge_pmd_unshare()` returns 0 at once unless the table is shared:
        // ask the inline test first, and make the call only then (C calls
        // its static `__huge_pmd_unshare()` for every entry).
        // SAFETY: the pte lock held, and the caller's locks.
        if unsafe {
            bindings::hugetlb_pmd_shared(ptep)
                && bindings::huge_pmd_unshare(self.tlb, self.vma, address, ptep) != 0
        } {
            drop(ptl);
            hit(stats::HUGE_PMD_UNSHARED);
            return Next::Table;
        }
        // SAFETY: a locked huge pte of `mm` at `address`.
        let pte = Pte::new(unsafe { bindings::huge_ptep_get(self.mm, address, ptep) });
        if pte.is_huge_none() {
            return Next::Page;
        }
        if !pte.is_present() {
            // Migrating hugepage or HWPoisoned hugepage is already
            // unmapped and its refcount is dropped, so just clear pte here
            // (or leave the marker its uffd-wp bit asks for).
            if policy::hugetlb_marker(self.flags, self.markers_allowed && pte.is_swp_uffd_wp_any())
            {
                // SAFETY: locked; a non-present entry is replaced whole.
                unsafe { self.set_marker(address, ptep) };
                hit(stats::HUGE_NON_PRESENT_MARKER);
            } else {
                // SAFETY: a locked huge pte of `mm` at `address`.
                unsafe { bindings::huge_pte_clear(self.mm, address, ptep, self.sz) };
                hit(stats::HUGE_NON_PRESENT_CLEARED);
            }
            return Next::Page;
        }
        let page = pte.page();
        // SAFETY: a present hugetlb pte maps a valid page, alive while the
        // pte lock is held.
        let folio = unsafe { bindings::page_folio(page) };
        if let Some(only) = self.only {
            // Only the folio of interest goes.
            if folio != only.as_ptr() {
                hit(stats::HUGE_REF_OTHER);
                return Next::Page;
            }
            // Mark the VMA as having unmapped its page so that future
            // faults in this VMA will fail rather than looking like data
            // was lost.
            // SAFETY: a private hugetlb vma (only those unmap one folio).
            unsafe { bindings::rust_zap_hugetlb_set_resv_unmapped(self.vma) };
            hit(stats::HUGE_REF_UNMAPPED);
        }
        // SAFETY: a locked present huge pte of `mm` at `address`; the
        // gather is this task's.
        let pte = Pte::new(unsafe {
            let pte = bindings::huge_ptep_get_and_clear(self.mm, address, ptep, self.sz);
            bindings::tlb_remove_huge_tlb_entry(self.h, self.tlb, ptep, address);
            pte
        });
        if pte.is_huge_dirty() {
            // SAFETY: the folio was mapped here, hence alive (6.12's
            // `set_page_dirty(page)` is this).
            unsafe { bindings::folio_mark_dirty(folio) };
            hit(stats::HUGE_DIRTY);
        }
        if policy::hugetlb_marker(self.flags, self.markers_allowed && pte.is_huge_uffd_wp()) {
            // SAFETY: cleared just now, still locked.
            unsafe { self.set_marker(address, ptep) };
            hit(stats::HUGE_MARKER_INSTALLED);
        }
        // SAFETY: the folio was mapped by the pte just cleared; `mm` and
        // `h` are valid.
        unsafe {
            bindings::hugetlb_count_sub(
                bindings::pages_per_huge_page(self.h) as kernel::ffi::c_long,
                self.mm,
            );
            bindings::hugetlb_remove_rmap(folio);
        }
        drop(ptl);
        hit(stats::HUGE_PRESENT);

        // Restore the reservation for anonymous page, otherwise the backing
        // page could be stolen by someone. Restore only on the last unmap,
        // otherwise the owner could empty its resv map while the folio is
        // still mapped by a child; the i_mmap lock held for writing keeps
        // the number of mappings. Not when freeing a surplus page.
        let adjust_reservation = {
            // SAFETY: a zap runs with interrupts on; the page table lock
            // was dropped above, as C drops it before taking this one.
            let _lock = unsafe { HugetlbLock::lock() };
            // C's order but for `__vma_private_lock()`, asked last: out of
            // line here (C may inline it, same file), it is then not called
            // for the file pages of shared mappings. The tests have no side
            // effect.
            // SAFETY: `h` is valid, its counters under `hugetlb_lock`; the
            // vma is valid, and so is the folio, which keeps the reference
            // the pte held until `tlb_remove_page_size()`.
            unsafe {
                let restore = (*self.h).surplus_huge_pages == 0
                    && !bindings::folio_mapped(folio)
                    && bindings::folio_test_anon(folio)
                    && bindings::__vma_private_lock(self.vma);
                if restore {
                    bindings::folio_set_hugetlb_restore_reserve(folio);
                }
                restore
            }
        };
        // Adjust the reservation for the region that will have the reserve
        // restored, after the spin lock: vma_needs_reservation() changes
        // resv->adds_in_progress if it succeeds, and do_exit() would keep
        // the reservation forever without the add.
        if adjust_reservation {
            // SAFETY: a private vma owning its reservations, of hstate `h`.
            let rc = unsafe { bindings::rust_zap_vma_needs_reservation(self.h, self.vma, address) };
            if rc < 0 {
                // The region could not be allocated: do not let the free
                // restore the global reserve count, as if the reservation
                // was consumed.
                // SAFETY: a valid folio, as above.
                unsafe { bindings::folio_clear_hugetlb_restore_reserve(folio) };
                hit(stats::HUGE_RESV_FAILED);
            } else if rc != 0 {
                // SAFETY: as for `rust_zap_vma_needs_reservation()`.
                unsafe { bindings::rust_zap_vma_add_reservation(self.h, self.vma, address) };
                hit(stats::HUGE_RESV_RESTORED);
            }
        }
        // SAFETY: the pte that mapped the page is cleared and its TLB entry
        // gathered; the gather takes over the reference it held. (7.3
        // passes `folio_page(folio, 0)` and `folio_size(folio)`: the same
        // head page and huge page size.)
        unsafe { bindings::tlb_remove_page_size(self.tlb, page, self.sz as i32) };
        if self.only.is_some() {
            Next::Stop
        } else {
            Next::Page
        }
    }
}

/// `__unmap_hugepage_range()`, after its assertions.
///
/// # Safety
///
/// As for the C function: `tlb` is a gather started on the mm of `vma`, a
/// hugetlb vma; `[start, end)` is aligned to its huge page size and within
/// it; `only` is NULL or a folio it maps; the caller holds the i_mmap
/// lock for writing and the hugetlb vma lock. `markers_allowed`: whether
/// uffd-wp markers may be left (see the module comment).
pub(crate) unsafe fn unmap_hugepage_range(
    tlb: *mut bindings::mmu_gather,
    vma: *mut bindings::vm_area_struct,
    start: usize,
    end: usize,
    only: *mut bindings::folio,
    zap_flags: bindings::zap_flags_t,
    markers_allowed: bool,
) {
    // SAFETY: a valid hugetlb vma, by the safety requirements.
    let (mm, h) = unsafe { ((*vma).vm_mm, bindings::hstate_vma(vma)) };
    // SAFETY: the hstate of a vma is valid.
    let sz = unsafe { bindings::huge_page_size(h) } as usize;
    let mut zap = HugeZap {
        tlb,
        vma,
        mm,
        h,
        sz,
        flags: ZapFlags::from_bits_truncate(zap_flags),
        only: NonNull::new(only),
        markers_allowed,
    };
    // This is a hugetlb vma, all the pte entries should point to huge
    // page.
    // SAFETY: a gather of this task on the vma's mm.
    let last_addr_mask = unsafe {
        bindings::tlb_change_page_size(tlb, sz as u32);
        bindings::tlb_start_vma(tlb, vma);
        bindings::hugetlb_mask_last_page(h)
    } as usize;
    let mut address = start;
    while address < end {
        // SAFETY: a huge page of the vma, by the safety requirements.
        match unsafe { zap.entry(address) } {
            Next::Page => {}
            Next::Table => address |= last_addr_mask,
            Next::Stop => break,
        }
        address = address.wrapping_add(sz);
    }
    // SAFETY: as above; the i_mmap lock is still held, as the flush after
    // huge_pmd_unshare() needs.
    unsafe {
        bindings::tlb_end_vma(tlb, vma);
        bindings::huge_pmd_unshare_flush(tlb, vma);
    }
}
