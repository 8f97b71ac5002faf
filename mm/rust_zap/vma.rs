// SPDX-License-Identifier: GPL-2.0

//! What a zap reads of its vma (`VmaInfo`, once per call) and the rss
//! deltas it accounts to the vma's mm (`Rss`, added once per table).

use crate::policy::{MmCounter, Vma};
use kernel::bindings;

/// `vma->vm_mm`, `vma_is_anonymous()` and `userfaultfd_wp()`.
///
/// Read once per call where C reads them per pte. Changing them needs the
/// mmap lock for writing, which most zaps exclude; a zap under the i_mmap
/// lock only (truncation) may race with UFFDIO_REGISTER, and then C too
/// sees either state, pte by pte: one state for the whole call is one of
/// the outcomes C allows. (This is why the zap does not use the kernel
/// crate's `mm::virt::VmaRef`: its invariant, the mmap or vma read lock
/// held, does not hold under the i_mmap lock alone.)
///
/// # Safety
///
/// `vma` is a valid vma.
#[inline(always)]
pub(crate) unsafe fn vma_info(vma: *mut bindings::vm_area_struct) -> VmaInfo {
    // SAFETY: a valid vma, by the safety requirements.
    unsafe {
        VmaInfo {
            mm: (*vma).vm_mm,
            vma: Vma {
                anon: bindings::vma_is_anonymous(vma),
                uffd_wp: bindings::userfaultfd_wp(vma),
            },
        }
    }
}

/// What the zap reads of a vma.
pub(crate) struct VmaInfo {
    /// `vma->vm_mm`, which is also the gather's mm.
    pub(crate) mm: *mut bindings::mm_struct,
    /// What the decisions need.
    pub(crate) vma: Vma,
}

/// The rss deltas of one locked table, added to the mm at once
/// (`add_mm_rss_vec()`).
pub(crate) struct Rss([i32; bindings::NR_MM_COUNTERS as usize]);

impl Rss {
    /// No change (`init_rss_vec()`).
    pub(crate) const fn new() -> Self {
        Self([0; bindings::NR_MM_COUNTERS as usize])
    }

    /// `rss[counter] -= nr`.
    pub(crate) fn sub(&mut self, counter: MmCounter, nr: usize) {
        let i = match counter {
            MmCounter::File => bindings::MM_FILEPAGES,
            MmCounter::Anon => bindings::MM_ANONPAGES,
            MmCounter::SwapEnts => bindings::MM_SWAPENTS,
            MmCounter::Shmem => bindings::MM_SHMEMPAGES,
        };
        // Always in bounds: every counter is below NR_MM_COUNTERS.
        if let Some(v) = self.0.get_mut(i as usize) {
            *v = v.wrapping_sub(nr as i32);
        }
    }

    /// `add_mm_rss_vec()`: adds the deltas to `mm`.
    ///
    /// # Safety
    ///
    /// `mm` is valid.
    pub(crate) unsafe fn add_to(&mut self, mm: *mut bindings::mm_struct) {
        // SAFETY: `mm` is valid; the array has NR_MM_COUNTERS entries.
        unsafe { bindings::rust_zap_add_mm_rss_vec(mm, self.0.as_mut_ptr()) };
    }
}
