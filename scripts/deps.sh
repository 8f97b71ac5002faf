#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the rig needs when it is missing: Debian packages (as root)
# and bindgen-cli in a project-local cargo root.
. "$(dirname "$0")/lib.sh"

BINDGEN_VERSION=0.73.2
PKGS=(linux-source-6.12 rustc-web rust-web-src clang-22 lld-22 llvm-22
      libclang-22-dev flex bison bc libelf-dev libssl-dev cpio kmod rsync
      qemu-system-x86 busybox-static gcc make libc6-dev xz-utils
      rust-web-clippy rustfmt-web bsdextrautils patch git python3)

stage deps "checking the toolchain"
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
		grep -q '^ii' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	info "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages: ${missing[*]}" \
		    "run: sudo apt-get install -y ${missing[*]}"
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >"$BUILD/apt.log" 2>&1 ||
		die "apt-get update failed (log: $BUILD/apt.log)" \
		    "check the network and /etc/apt/sources.list"
	apt-get install -y -qq "${missing[@]}" >>"$BUILD/apt.log" 2>&1 ||
		die "apt-get install failed (log: $BUILD/apt.log)" \
		    "install by hand: apt-get install ${missing[*]}"
fi

if ! "$TOOLS/bin/bindgen" --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
	command -v cargo >/dev/null ||
		die "cargo not found, needed to build bindgen-cli $BINDGEN_VERSION" \
		    "install Rust with rustup (https://rustup.rs) or apt-get install cargo"
	info "building bindgen-cli $BINDGEN_VERSION into $TOOLS (about 2 minutes)"
	cargo install --quiet --locked bindgen-cli --version "$BINDGEN_VERSION" \
		--root "$TOOLS" >"$BUILD/bindgen.log" 2>&1 ||
		die "cargo install bindgen-cli failed (log: $BUILD/bindgen.log)" \
		    "check network access to crates.io"
fi

[ -f /usr/lib/rustlib/src/rust/library/core/src/lib.rs ] ||
	die "Debian's rust-src is missing under /usr/lib/rustlib/src/rust" \
	    "apt-get install --reinstall rust-web-src"
info "rustc $(/usr/bin/rustc --version | cut -d' ' -f2), clang $(clang-22 --version | head -1 | grep -o '[0-9.]*' | head -1), bindgen $("$TOOLS/bin/bindgen" --version | cut -d' ' -f2)"
