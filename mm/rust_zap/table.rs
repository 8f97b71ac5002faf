// SPDX-License-Identifier: GPL-2.0

//! RAII guards of the zap loop: the mapped and locked pte table, and the
//! lazy MMU section. No early return can leak the lock or leave lazy MMU
//! mode on: dropping the guard ends it.

use crate::pte::Pte;
use crate::ptl::PtLock;
use core::ptr::NonNull;
use kernel::bindings;

/// The ptes of `[addr, addr + len * PAGE_SIZE)` in one page table, mapped
/// and locked: `pte_offset_map_lock()` ... `pte_unmap_unlock()`.
///
/// # Invariants
///
/// `map` points to `len` consecutive ptes of a page table mapped by
/// `pte_offset_map_lock()`, whose lock `lock` holds.
pub(crate) struct PteTable<'a> {
    // The fields drop in this order: unlocked, then unmapped, as
    // `pte_unmap_unlock()` does.
    lock: PtLock<'a>,
    map: PteMap,
    len: usize,
}

/// Ptes mapped by `pte_offset_map()` (under `rcu_read_lock()`, and by
/// `kmap_local()` with `CONFIG_HIGHPTE`), unmapped on drop.
///
/// # Invariants
///
/// The pointer is a pte that `pte_offset_map()` mapped.
struct PteMap(NonNull<bindings::pte_t>);

impl Drop for PteMap {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: mapped by `pte_offset_map()`, by the invariants.
        unsafe { bindings::pte_unmap(self.0.as_ptr()) };
    }
}

impl PteTable<'_> {
    /// Maps and locks the ptes for `[addr, end)`; `None` if the pmd no
    /// longer points to a page table (it changed under us: nothing to zap).
    ///
    /// # Safety
    ///
    /// `mm` and `pmd` (a pmd of `mm`) are valid; `[addr, end)` is page
    /// aligned, not empty and within the one pmd; the caller holds what
    /// `zap_pte_range()`'s callers hold (the mmap lock or the i_mmap lock),
    /// which keeps the table, and its lock, while the result lives.
    pub(crate) unsafe fn map_lock(
        mm: *mut bindings::mm_struct,
        pmd: *mut bindings::pmd_t,
        addr: usize,
        end: usize,
    ) -> Option<Self> {
        let mut ptl: *mut bindings::spinlock_t = core::ptr::null_mut();
        // SAFETY: valid arguments by this function's safety requirements.
        let pte = unsafe { bindings::pte_offset_map_lock(mm, pmd, addr, &mut ptl) };
        let map = PteMap(NonNull::new(pte)?);
        let len = end.wrapping_sub(addr) / kernel::page::PAGE_SIZE;
        // SAFETY: `pte_offset_map_lock()` returned a pte, so `ptl` is its
        // table's lock, taken; the table stays, by the safety requirements.
        let lock = unsafe { PtLock::held(NonNull::new_unchecked(ptl)) };
        // INVARIANT: mapped and locked ptes of [addr, end), by the C
        // function's contract.
        Some(Self { lock, map, len })
    }

    /// The page table lock, held (for `zap_empty_pte_table()` of Linux 7.3,
    /// which takes the pmd lock while holding it: the table's lock may be
    /// the pmd lock itself).
    #[allow(dead_code)] // The Linux 6.12 zap never frees page tables.
    pub(crate) fn ptl(&self) -> *mut bindings::spinlock_t {
        self.lock.as_ptr()
    }

    /// How many ptes the table covers.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// The address of pte `i`, if within the table.
    pub(crate) fn ptr(&self, i: usize) -> Option<*mut bindings::pte_t> {
        // SAFETY: in bounds of the mapped ptes by the invariants.
        (i < self.len).then(|| unsafe { self.map.0.as_ptr().add(i) })
    }
}

/// `set_pte_at()`.
///
/// # Safety
///
/// `ptep` is a pte of `mm` at `addr`, mapped, with its page table lock held.
#[inline(always)]
pub(crate) unsafe fn set_pte_at(
    mm: *mut bindings::mm_struct,
    addr: usize,
    ptep: *mut bindings::pte_t,
    pte: Pte,
) {
    // SAFETY: by the safety requirements.
    unsafe { bindings::set_pte_at(mm, addr, ptep, pte.raw()) };
}

/// Lazy MMU mode (`lazy_mmu_mode_enable()`, which nests; 6.12's helper
/// enters `arch_enter_lazy_mmu_mode()`): page table updates may be batched
/// until the guard drops. Borrows the table so the section cannot
/// outlive the lock.
///
/// # Invariants
///
/// Lazy MMU mode is on from `enter` until `drop`.
pub(crate) struct LazyMmu<'a> {
    _table: &'a PteTable<'a>,
}

impl<'a> LazyMmu<'a> {
    /// Enters lazy MMU mode for updates of `table`.
    pub(crate) fn enter(table: &'a PteTable<'a>) -> Self {
        // SAFETY: no precondition; left in `drop`.
        unsafe { bindings::lazy_mmu_mode_enable() };
        Self { _table: table }
    }
}

impl Drop for LazyMmu<'_> {
    fn drop(&mut self) {
        // SAFETY: entered in `enter`, by the invariants.
        unsafe { bindings::lazy_mmu_mode_disable() };
    }
}
