// SPDX-License-Identifier: GPL-2.0

//! Branch counters of the zap loop (`CONFIG_RUST_MM_ZAP_BRANCH_STATS`),
//! listed by debugfs "mm_zap_branches": which branches the tests reached.
//! Without the option, `hit` compiles to nothing.

use kernel::bindings;

/// A branch of the loop (`enum rust_zap_branch` of include/linux/rust_zap.h).
pub(crate) type Branch = bindings::rust_zap_branch;

pub(crate) use bindings::{
    rust_zap_branch_RUST_ZAP_BR_DELAY_RMAP as DELAY_RMAP,
    rust_zap_branch_RUST_ZAP_BR_DEVICE_EXCLUSIVE as DEVICE_EXCLUSIVE,
    rust_zap_branch_RUST_ZAP_BR_DEVICE_PRIVATE as DEVICE_PRIVATE,
    rust_zap_branch_RUST_ZAP_BR_DIRTY as DIRTY,
    rust_zap_branch_RUST_ZAP_BR_FORCE_BREAK as FORCE_BREAK,
    rust_zap_branch_RUST_ZAP_BR_FORCE_FLUSH as FORCE_FLUSH,
    rust_zap_branch_RUST_ZAP_BR_GUARD_DROPPED as GUARD_DROPPED,
    rust_zap_branch_RUST_ZAP_BR_GUARD_KEPT as GUARD_KEPT,
    rust_zap_branch_RUST_ZAP_BR_HUGE_DIRTY as HUGE_DIRTY,
    rust_zap_branch_RUST_ZAP_BR_HUGE_MARKER_INSTALLED as HUGE_MARKER_INSTALLED,
    rust_zap_branch_RUST_ZAP_BR_HUGE_NON_PRESENT_CLEARED as HUGE_NON_PRESENT_CLEARED,
    rust_zap_branch_RUST_ZAP_BR_HUGE_NON_PRESENT_MARKER as HUGE_NON_PRESENT_MARKER,
    rust_zap_branch_RUST_ZAP_BR_HUGE_NO_TABLE as HUGE_NO_TABLE,
    rust_zap_branch_RUST_ZAP_BR_HUGE_PMD_UNSHARED as HUGE_PMD_UNSHARED,
    rust_zap_branch_RUST_ZAP_BR_HUGE_PRESENT as HUGE_PRESENT,
    rust_zap_branch_RUST_ZAP_BR_HUGE_REF_OTHER as HUGE_REF_OTHER,
    rust_zap_branch_RUST_ZAP_BR_HUGE_REF_UNMAPPED as HUGE_REF_UNMAPPED,
    rust_zap_branch_RUST_ZAP_BR_HUGE_RESV_FAILED as HUGE_RESV_FAILED,
    rust_zap_branch_RUST_ZAP_BR_HUGE_RESV_RESTORED as HUGE_RESV_RESTORED,
    rust_zap_branch_RUST_ZAP_BR_HWPOISON as HWPOISON,
    rust_zap_branch_RUST_ZAP_BR_MARKER_DROPPED as MARKER_DROPPED,
    rust_zap_branch_RUST_ZAP_BR_MARKER_INSTALLED as MARKER_INSTALLED,
    rust_zap_branch_RUST_ZAP_BR_MARKER_KEPT as MARKER_KEPT,
    rust_zap_branch_RUST_ZAP_BR_MIGRATION as MIGRATION,
    rust_zap_branch_RUST_ZAP_BR_NON_PRESENT_KEPT as NON_PRESENT_KEPT,
    rust_zap_branch_RUST_ZAP_BR_NO_TABLE as NO_TABLE,
    rust_zap_branch_RUST_ZAP_BR_POISONED_MARKER as POISONED_MARKER,
    rust_zap_branch_RUST_ZAP_BR_PRESENT as PRESENT,
    rust_zap_branch_RUST_ZAP_BR_PRESENT_BATCH as PRESENT_BATCH,
    rust_zap_branch_RUST_ZAP_BR_PRESENT_KEPT as PRESENT_KEPT,
    rust_zap_branch_RUST_ZAP_BR_PRESENT_NOPAGE as PRESENT_NOPAGE,
    rust_zap_branch_RUST_ZAP_BR_RESCHED as RESCHED, rust_zap_branch_RUST_ZAP_BR_SWAP as SWAP,
    rust_zap_branch_RUST_ZAP_BR_UNKNOWN as UNKNOWN,
};

/// Counts one pass through `branch`.
#[inline(always)]
pub(crate) fn hit(branch: Branch) {
    #[cfg(CONFIG_RUST_MM_ZAP_BRANCH_STATS)]
    {
        // SAFETY: `rust_zap_branch_hits` is a static array of
        // RUST_ZAP_NR_BRANCHES atomics that lives forever; the index is
        // checked, and C only reads it with atomic64_read().
        unsafe {
            let hits = core::ptr::addr_of_mut!(bindings::rust_zap_branch_hits);
            if (branch as usize) < (*hits).len() {
                let counter = core::ptr::addr_of_mut!((*hits)[branch as usize].counter);
                core::sync::atomic::AtomicI64::from_ptr(counter)
                    .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    #[cfg(not(CONFIG_RUST_MM_ZAP_BRANCH_STATS))]
    let _ = branch;
}
