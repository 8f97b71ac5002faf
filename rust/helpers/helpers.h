/* SPDX-License-Identifier: GPL-2.0 */
/*
 * __rust_helper marks a helper that CONFIG_RUST_INLINE_HELPERS inlines into
 * built-in Rust code. Always inline: LLVM does not inline a function whose
 * attributes differ from its caller's in ways that do not matter here (such
 * as -fno-delete-null-pointer-checks and clang's target features). The
 * kernel's inline is GNU89 inline, so helpers.o keeps the out-of-line copy
 * that modules and kernels without the option call. bindgen must see a
 * plain declaration.
 */
#ifndef _RUST_HELPERS_H
#define _RUST_HELPERS_H

#ifdef __BINDGEN__
#define __rust_helper
#else
#define __rust_helper __always_inline
#endif

#endif /* _RUST_HELPERS_H */
