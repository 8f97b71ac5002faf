// SPDX-License-Identifier: GPL-2.0

//! The mmu_gather of a zap, native where C inlines it: the TLB range of the
//! cleared ptes (`tlb_remove_tlb_entries()`), `tlb->fullmm`,
//! `tlb_delay_rmap()`, and the common case of `__tlb_remove_folio_pages()`
//! (room in the active batch). C calls `__tlb_remove_folio_pages()` out of
//! line for every folio; the Rust loop calls it only when the batch fills.
//!
//! `struct mmu_gather` lives in asm-generic/tlb.h, which bindgen cannot
//! parse: `struct rust_zap_tlb` of include/linux/rust_zap.h mirrors the
//! fields used here, and glue.c checks their offsets and bits at build
//! time. The KUnit suite runs this code and C side by side on real gathers.

use core::ptr::NonNull;
use kernel::bindings;

const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

/// `encode_page()` flag: the rmap goes after the TLB flush.
const DELAY_RMAP: usize = bindings::ENCODED_PAGE_BIT_DELAY_RMAP as usize;
/// `encode_page()` flag: the next slot holds the number of pages.
const NR_PAGES_NEXT: usize = bindings::ENCODED_PAGE_BIT_NR_PAGES_NEXT as usize;
/// Low bits of an encoded page that are flags; `encode_nr_pages()` shifts.
const NR_PAGES_SHIFT: u32 = bindings::ENCODED_PAGE_BITS.count_ones();

const _: () = assert!(bindings::ENCODED_PAGE_BITS == 3);

/// The gather a zap adds the cleared ptes and their pages to.
///
/// # Invariants
///
/// `tlb` is a `struct mmu_gather` started with `tlb_gather_mmu*()` and not
/// yet finished, laid out as `struct rust_zap_tlb` says (checked in
/// glue.c), used only by the current task for the lifetime of the value.
pub(crate) struct Gather {
    tlb: NonNull<bindings::rust_zap_tlb>,
}

impl Gather {
    /// Wraps the C gather.
    ///
    /// # Safety
    ///
    /// `tlb` is valid as the invariants say, for the lifetime of the value.
    pub(crate) unsafe fn new(tlb: *mut bindings::mmu_gather) -> Self {
        // INVARIANT: by the safety requirements.
        Self {
            // SAFETY: a valid pointer, hence not NULL.
            tlb: unsafe { NonNull::new_unchecked(tlb.cast()) },
        }
    }

    /// The C `struct mmu_gather *`.
    pub(crate) fn raw(&self) -> *mut bindings::mmu_gather {
        self.tlb.as_ptr().cast()
    }

    fn flags(&self) -> u32 {
        // SAFETY: a valid gather by the invariants.
        unsafe { (*self.tlb.as_ptr()).flags }
    }

    /// `tlb->fullmm`: the whole mm is going away.
    pub(crate) fn fullmm(&self) -> bool {
        self.flags() & bindings::RUST_ZAP_TLB_FULLMM != 0
    }

    /// `tlb_remove_tlb_entries()` of `nr` ptes from `addr` on x86:
    /// `tlb_flush_pte_range()` (glue.c checks there is no arch hook).
    pub(crate) fn flush_pte_range(&mut self, addr: usize, nr: usize) {
        // `__tlb_adjust_range()` takes the size as an unsigned int.
        let size = nr.wrapping_mul(PAGE_SIZE) as u32 as usize;
        let t = self.tlb.as_ptr();
        // SAFETY: a valid gather used by this task only, by the invariants.
        unsafe {
            (*t).start = (*t).start.min(addr);
            (*t).end = (*t).end.max(addr.wrapping_add(size));
            (*t).flags |= bindings::RUST_ZAP_TLB_CLEARED_PTES;
        }
    }

    /// `tlb_delay_rmap()`: whether rmap removal of a dirty file folio waits
    /// for the TLB flush (only SMP has remote TLBs to wait for).
    pub(crate) fn delay_rmap(&mut self) -> bool {
        if !cfg!(CONFIG_SMP) {
            return false;
        }
        // SAFETY: a valid gather used by this task only, by the invariants.
        unsafe { (*self.tlb.as_ptr()).flags |= bindings::RUST_ZAP_TLB_DELAYED_RMAP };
        true
    }

    /// `__tlb_remove_folio_pages()`: hands the references of `nr` pages of
    /// one folio from `page` to the gather. True if the gather is full and
    /// must be flushed before more are added.
    ///
    /// # Safety
    ///
    /// `page` and the `nr - 1` (`nr >= 1`) pages after it belong to one
    /// folio; their ptes were cleared and their TLB range added; the
    /// gather takes over the references the ptes held.
    #[inline(always)]
    pub(crate) unsafe fn remove_folio_pages(
        &mut self,
        page: *mut bindings::page,
        nr: usize,
        delay_rmap: bool,
    ) -> bool {
        // SAFETY: by the safety requirements.
        if unsafe { self.add_to_batch(page, nr, delay_rmap) } {
            return false;
        }
        // SAFETY: by the safety requirements.
        unsafe { bindings::__tlb_remove_folio_pages(self.raw(), page, nr as u32, delay_rmap) }
    }

    /// The common case of `__tlb_remove_folio_pages()`: the pages go into
    /// the active batch, which has room to spare after them. False, with
    /// nothing done, when C would start a new batch (`tlb_next_batch()` is
    /// static): then C must add them.
    ///
    /// # Safety
    ///
    /// As for [`Self::remove_folio_pages`].
    #[inline(always)]
    pub(crate) unsafe fn add_to_batch(
        &mut self,
        page: *mut bindings::page,
        nr: usize,
        delay_rmap: bool,
    ) -> bool {
        let slots = if nr == 1 { 1 } else { 2 };
        let t = self.tlb.as_ptr();
        // SAFETY: a valid gather used by this task only, by the invariants:
        // `active` points to its batch of `max` slots, `nr` of them in use.
        // Raw places only: the slots lie beyond the header bindgen knows.
        unsafe {
            let batch = (*t).active;
            let used = (*batch).nr as usize;
            // C adds, then starts a new batch once fewer than two slots
            // are left: with room to spare after adding, C does just this.
            if (*t).end == 0 || used + slots + 1 >= (*batch).max as usize {
                return false;
            }
            let slot = core::ptr::addr_of_mut!((*batch).encoded_pages)
                .cast::<usize>()
                .add(used);
            let flags = if delay_rmap { DELAY_RMAP } else { 0 };
            let encoded = page as usize | flags;
            if nr == 1 {
                *slot = encoded;
            } else {
                *slot = encoded | NR_PAGES_NEXT;
                *slot.add(1) = nr << NR_PAGES_SHIFT;
            }
            (*batch).nr = (used + slots) as u32;
        }
        true
    }
}
