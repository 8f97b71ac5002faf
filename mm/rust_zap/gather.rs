// SPDX-License-Identifier: GPL-2.0

//! The mmu_gather of a zap: `tlb->fullmm`, `tlb_remove_tlb_entries()`,
//! `tlb_delay_rmap()` and `__tlb_remove_folio_pages()`, through helpers.
//! Adding pages takes `tlb_try_add_folio_pages()` (asm-generic/tlb.h), the
//! inline common case of `__tlb_remove_folio_pages()`, first: C's loop
//! calls the out-of-line function for every folio, the Rust loop only when
//! the active batch fills.

use core::ptr::NonNull;
use kernel::bindings;

/// The gather a zap adds the cleared ptes and their pages to.
///
/// # Invariants
///
/// `tlb` is a `struct mmu_gather` started with `tlb_gather_mmu*()` and not
/// yet finished, used only by the current task for the lifetime of the
/// value.
pub(crate) struct Gather {
    tlb: NonNull<bindings::mmu_gather>,
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
            tlb: unsafe { NonNull::new_unchecked(tlb) },
        }
    }

    /// The C `struct mmu_gather *`.
    pub(crate) fn raw(&self) -> *mut bindings::mmu_gather {
        self.tlb.as_ptr()
    }

    /// `tlb->fullmm`: the whole mm is going away.
    #[inline(always)]
    pub(crate) fn fullmm(&self) -> bool {
        // SAFETY: a valid gather by the invariants.
        unsafe { bindings::tlb_fullmm(self.raw()) }
    }

    /// `tlb_remove_tlb_entries()` of the `nr` ptes from `ptep` at `addr`,
    /// just cleared.
    #[inline(always)]
    pub(crate) fn remove_tlb_entries(
        &mut self,
        ptep: *mut bindings::pte_t,
        nr: usize,
        addr: usize,
    ) {
        // SAFETY: a valid gather used by this task only, by the invariants;
        // the arch hook only looks at the ptes' addresses.
        unsafe { bindings::tlb_remove_tlb_entries(self.raw(), ptep, nr as u32, addr) };
    }

    /// `tlb_delay_rmap()`: whether rmap removal of a dirty file folio waits
    /// for the TLB flush (the gather then flushes the rmaps).
    #[inline(always)]
    pub(crate) fn delay_rmap(&mut self) -> bool {
        // SAFETY: a valid gather used by this task only, by the invariants.
        unsafe { bindings::tlb_delay_rmap(self.raw()) }
    }

    /// `__tlb_remove_folio_pages()`: hands the references of `nr` pages of
    /// one folio from `page` to the gather. True if the gather is full and
    /// must be flushed before more are added.
    ///
    /// # Safety
    ///
    /// `page` and the `nr - 1` (`nr >= 1`) pages after it belong to one
    /// folio; their ptes were cleared and their TLB entries gathered; the
    /// gather takes over the references the ptes held.
    #[inline(always)]
    pub(crate) unsafe fn remove_folio_pages(
        &mut self,
        page: *mut bindings::page,
        nr: usize,
        delay_rmap: bool,
    ) -> bool {
        // SAFETY: by the safety requirements.
        if unsafe { self.try_add(page, nr, delay_rmap) } {
            return false;
        }
        // SAFETY: by the safety requirements.
        unsafe { bindings::__tlb_remove_folio_pages(self.raw(), page, nr as u32, delay_rmap) }
    }

    /// `tlb_try_add_folio_pages()`: the pages go into the active batch if
    /// it keeps room to spare; false, with nothing done, otherwise.
    ///
    /// # Safety
    ///
    /// As for [`Self::remove_folio_pages`].
    #[inline(always)]
    pub(crate) unsafe fn try_add(
        &mut self,
        page: *mut bindings::page,
        nr: usize,
        delay_rmap: bool,
    ) -> bool {
        // SAFETY: a valid gather used by this task only, by the invariants;
        // the pages by the safety requirements.
        unsafe { bindings::tlb_try_add_folio_pages(self.raw(), page, nr as u32, delay_rmap) }
    }
}
