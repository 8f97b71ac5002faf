// SPDX-License-Identifier: GPL-2.0

//! `need_resched()`, native: the zap loop asks it for every pte it zaps,
//! and an out-of-line call would cost more than the test.

use kernel::bindings;

/// `get_current()` on x86-64: `this_cpu_read_stable(pcpu_hot.current_task)`.
#[inline(always)]
pub(crate) fn current() -> *mut bindings::task_struct {
    let task: *mut bindings::task_struct;
    // SAFETY: `current_task` is the first field of the per-CPU `pcpu_hot`
    // (checked at build time below); reading it through %gs is what C's
    // get_current() does, with the same constraints (stable for the task).
    unsafe {
        core::arch::asm!(
            "mov {}, qword ptr gs:[{}]",
            out(reg) task,
            sym bindings::pcpu_hot,
            options(nostack, preserves_flags, readonly, pure),
        )
    };
    task
}

const _: () = assert!(
    core::mem::offset_of!(bindings::pcpu_hot__bindgen_ty_1__bindgen_ty_1, current_task) == 0
);

/// `need_resched()`: TIF_NEED_RESCHED in the current task's thread_info.
#[inline(always)]
pub(crate) fn need_resched() -> bool {
    let task = current();
    // SAFETY: `current` is a live task; `thread_info` is embedded in it
    // (THREAD_INFO_IN_TASK). The flags change under us (other CPUs set the
    // bit), hence a volatile read like C's test_bit().
    let flags = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*task).thread_info.flags)) };
    flags & (1 << bindings::TIF_NEED_RESCHED) != 0
}
