// SPDX-License-Identifier: GPL-2.0

//! RAII guards of the zap loop: the mapped and locked pte table, and the
//! lazy MMU section. No early return can leak the lock or leave lazy MMU
//! mode on: dropping the guard ends it.

use crate::pte::Pte;
use core::ptr::NonNull;
use kernel::bindings;

/// The ptes of `[addr, addr + len * PAGE_SIZE)` in one page table, mapped
/// and locked: `pte_offset_map_lock()` ... `pte_unmap_unlock()`.
///
/// # Invariants
///
/// `start` points to `len` consecutive ptes of a page table mapped by
/// `pte_offset_map_lock()`, whose lock `ptl` is held until `drop`.
pub(crate) struct PteTable {
    start: NonNull<bindings::pte_t>,
    ptl: *mut bindings::spinlock_t,
    len: usize,
}

impl PteTable {
    /// Maps and locks the ptes for `[addr, end)`; `None` if the pmd no
    /// longer points to a page table (it changed under us: nothing to zap).
    ///
    /// # Safety
    ///
    /// `mm` and `pmd` (a pmd of `mm`) are valid; `[addr, end)` is page
    /// aligned, not empty and within the one pmd; the caller holds what
    /// `zap_pte_range()`'s callers hold (the mmap lock or the i_mmap lock).
    pub(crate) unsafe fn map_lock(
        mm: *mut bindings::mm_struct,
        pmd: *mut bindings::pmd_t,
        addr: usize,
        end: usize,
    ) -> Option<Self> {
        let mut ptl: *mut bindings::spinlock_t = core::ptr::null_mut();
        // SAFETY: valid arguments by this function's safety requirements.
        let pte = unsafe { bindings::pte_offset_map_lock(mm, pmd, addr, &mut ptl) };
        let len = end.wrapping_sub(addr) / kernel::page::PAGE_SIZE;
        // INVARIANT: mapped and locked ptes of [addr, end), by the C
        // function's contract.
        NonNull::new(pte).map(|start| Self { start, ptl, len })
    }

    /// How many ptes the table covers.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// The address of pte `i`, if within the table.
    pub(crate) fn ptr(&self, i: usize) -> Option<*mut bindings::pte_t> {
        // SAFETY: in bounds of the mapped ptes by the invariants.
        (i < self.len).then(|| unsafe { self.start.as_ptr().add(i) })
    }

    /// `ptep_get()` of pte `i`, if within the table.
    pub(crate) fn get(&self, i: usize) -> Option<Pte> {
        // SAFETY: `ptr` only yields pointers to mapped ptes, which we hold
        // the lock of; hardware may still set dirty/accessed bits, hence
        // the volatile read (READ_ONCE()).
        self.ptr(i)
            .map(|p| Pte::new(unsafe { core::ptr::read_volatile(p) }))
    }
}

/// Whether clearing a pte can be done natively: x86-64 clears with
/// `native_ptep_get_and_clear()`/`native_local_ptep_get_and_clear()` even
/// under paravirt; only the page table checker needs to see it.
const NATIVE_CLEAR: bool = cfg!(not(CONFIG_PAGE_TABLE_CHECK));

/// Whether setting a pte can be done natively (`set_pte_at()` is
/// `native_set_pte()` without paravirt and without the checker).
const NATIVE_SET: bool = cfg!(not(CONFIG_PAGE_TABLE_CHECK)) && cfg!(not(CONFIG_PARAVIRT_XXL));

impl PteTable {
    /// `ptep_get_and_clear_full()` of pte `i` of `mm` at `addr`: the old
    /// value. With `full` (the whole mm is going away) no other CPU can
    /// walk the table, so a plain read and write do, as in C.
    pub(crate) fn get_and_clear_full(
        &self,
        i: usize,
        mm: *mut bindings::mm_struct,
        addr: usize,
        full: bool,
    ) -> Option<Pte> {
        let ptep = self.ptr(i)?;
        if !NATIVE_CLEAR {
            // SAFETY: a locked pte of `mm` at `addr`, by the invariants.
            return Some(Pte::new(unsafe {
                bindings::ptep_get_and_clear_full(mm, addr, ptep, i32::from(full))
            }));
        }
        if full {
            // SAFETY: a mapped pte, by the invariants; READ_ONCE() and
            // WRITE_ONCE() of native_local_ptep_get_and_clear().
            unsafe {
                let old = core::ptr::read_volatile(ptep);
                core::ptr::write_volatile(ptep, bindings::pte_t { pte: 0 });
                Some(Pte::new(old))
            }
        } else {
            // SAFETY: a mapped, aligned pte, by the invariants; the MMU
            // may set dirty/accessed concurrently, hence xchg(), as in
            // native_ptep_get_and_clear().
            let old = unsafe { core::sync::atomic::AtomicUsize::from_ptr(ptep.cast()) }
                .swap(0, core::sync::atomic::Ordering::SeqCst);
            Some(Pte::new(bindings::pte_t { pte: old }))
        }
    }
}

/// `set_pte_at()`.
///
/// # Safety
///
/// `ptep` is a pte of `mm` at `addr`, mapped, with its page table lock held.
pub(crate) unsafe fn set_pte_at(
    mm: *mut bindings::mm_struct,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pte: Pte,
) {
    if NATIVE_SET {
        // SAFETY: by the safety requirements; WRITE_ONCE() of
        // native_set_pte(), of the value as a word (a pte_t would go
        // through the stack).
        unsafe { core::ptr::write_volatile(ptep.cast::<bindings::pteval_t>(), pte.raw().pte) };
    } else {
        // SAFETY: by the safety requirements.
        unsafe { bindings::set_pte_at(mm, addr, ptep, pte.raw()) };
    }
}

impl Drop for PteTable {
    fn drop(&mut self) {
        // SAFETY: mapped and locked by `map_lock`, by the invariants.
        unsafe { bindings::pte_unmap_unlock(self.start.as_ptr(), self.ptl) };
    }
}

/// Lazy MMU mode (`arch_enter_lazy_mmu_mode()`): page table updates may be
/// batched until the guard drops. Borrows the table so the section cannot
/// outlive the lock.
///
/// # Invariants
///
/// Lazy MMU mode is on from `enter` until `drop`.
pub(crate) struct LazyMmu<'a> {
    _table: &'a PteTable,
}

impl<'a> LazyMmu<'a> {
    /// Enters lazy MMU mode for updates of `table`.
    pub(crate) fn enter(table: &'a PteTable) -> Self {
        // SAFETY: no precondition; left in `drop`.
        unsafe { bindings::arch_enter_lazy_mmu_mode() };
        Self { _table: table }
    }
}

impl Drop for LazyMmu<'_> {
    fn drop(&mut self) {
        // SAFETY: entered in `enter`, by the invariants.
        unsafe { bindings::arch_leave_lazy_mmu_mode() };
    }
}
