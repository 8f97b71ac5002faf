// SPDX-License-Identifier: GPL-2.0

//! A page table lock that C took and handed over (`pte_offset_map_lock()`,
//! `huge_pte_lock()`), held until the guard drops. Linux 6.12's kernel
//! crate cannot hold a lock C took (it has no `Lock::from_raw()`, and its
//! `Guard::new()` is private to the crate): this guard is the crate's
//! own. Linux 7.3's `ptl.rs`, with the same interface, is the kernel
//! crate's `SpinLockGuard`.

use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::bindings;

/// A page table lock held by this task, unlocked on drop.
///
/// # Invariants
///
/// This task holds `ptl`, valid for `'a`, until `drop`.
pub(crate) struct PtLock<'a> {
    ptl: NonNull<bindings::spinlock_t>,
    _lock: PhantomData<&'a bindings::spinlock_t>,
}

impl<'a> PtLock<'a> {
    /// Takes over `ptl`, which this task holds, to unlock it on drop.
    ///
    /// # Safety
    ///
    /// This task holds `ptl`, an initialised spinlock that stays valid for
    /// `'a`, and nothing else unlocks it.
    #[inline(always)]
    pub(crate) unsafe fn held(ptl: NonNull<bindings::spinlock_t>) -> Self {
        // INVARIANT: held, and valid for `'a`, by the safety requirements.
        Self {
            ptl,
            _lock: PhantomData,
        }
    }

    /// The lock, held.
    pub(crate) fn as_ptr(&self) -> *mut bindings::spinlock_t {
        self.ptl.as_ptr()
    }
}

impl Drop for PtLock<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: held since `held`, by the invariants.
        unsafe { bindings::spin_unlock(self.ptl.as_ptr()) };
    }
}
