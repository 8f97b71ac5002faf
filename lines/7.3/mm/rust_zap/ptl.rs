// SPDX-License-Identifier: GPL-2.0

//! A page table lock that C took and handed over (`pte_offset_map_lock()`,
//! `huge_pte_lock()`), held as the kernel crate's spinlock guard: the lock
//! is C's `spinlock_t` (`Lock::from_raw()`), the guard one that
//! `Guard::new()` makes for a lock already held, and dropping it is
//! `spin_unlock()`. (Linux 6.12's kernel crate has neither function
//! public: its `ptl.rs` is a guard of its own with the same interface.)

use core::ptr::NonNull;
use kernel::bindings;
use kernel::sync::{SpinLock, SpinLockGuard};

/// A page table lock held by this task, unlocked on drop.
///
/// # Invariants
///
/// `ptl` is the lock `_guard` holds.
pub(crate) struct PtLock<'a> {
    _guard: SpinLockGuard<'a, ()>,
    ptl: NonNull<bindings::spinlock_t>,
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
        // SAFETY: an initialised spinlock, valid for `'a`, by the safety
        // requirements.
        let lock = unsafe { SpinLock::<()>::from_raw(ptl.as_ptr()) };
        // INVARIANT: the guard of `ptl`.
        Self {
            // SAFETY: this task holds the lock, by the safety requirements.
            _guard: unsafe { SpinLockGuard::new(lock, ()) },
            ptl,
        }
    }

    /// The lock, held.
    pub(crate) fn as_ptr(&self) -> *mut bindings::spinlock_t {
        self.ptl.as_ptr()
    }
}
