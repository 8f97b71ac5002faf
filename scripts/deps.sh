#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the rig needs when it is missing: Debian packages (as root)
# and bindgen-cli in a project-local cargo root.
. "$(dirname "$0")/lib.sh"

BINDGEN_VERSION=0.73.2
PKGS=(linux-source-6.12 rustc-web rust-web-src clang-22 lld-22 llvm-22
      libclang-22-dev flex bison bc libelf-dev libssl-dev cpio kmod rsync
      qemu-system-x86 busybox-static gcc make libc6-dev xz-utils
      rust-web-clippy rustfmt-web bsdextrautils patch git python3
      qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross)

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
	# A qemu-utils from bookworm-backports (some machine images carry
	# one) breaks Debian 12's qemu-system-*: install the qemu-utils of
	# the same version as the QEMU the rig uses (measured with 7.2).
	extra=()
	qemu=$(apt-cache policy qemu-system-common | sed -n 's/^ *Candidate: *//p')
	utils=$(dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null || true)
	if [ -n "$utils" ] && [ -n "$qemu" ] && [ "$utils" != "$qemu" ]; then
		info "qemu-utils $utils does not go with qemu-system $qemu: installing qemu-utils $qemu"
		extra=(--allow-downgrades "qemu-utils=$qemu")
	fi
	apt-get install -y -qq "${extra[@]}" "${missing[@]}" >>"$BUILD/apt.log" 2>&1 ||
		die "apt-get install failed (log: $BUILD/apt.log)" \
		    "install by hand: apt-get install ${missing[*]}"
fi

# The arm64 guest's busybox: Debian's busybox-static:arm64, downloaded and
# extracted into build/tools (not installed: it would replace the host's).
BUSYBOX_ARM64=$TOOLS/arm64/bin/busybox
if [ ! -x "$BUSYBOX_ARM64" ]; then
	[ "$(id -u)" -eq 0 ] || [ -n "$(dpkg --print-foreign-architectures | grep -x arm64)" ] ||
		die "the arm64 busybox needs Debian's arm64 package lists" \
		    "run as root, or: sudo dpkg --add-architecture arm64 && sudo apt-get update"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		info "adding the arm64 architecture to dpkg (for busybox-static:arm64)"
		dpkg --add-architecture arm64 &&
			apt-get update -qq >>"$BUILD/apt.log" 2>&1 ||
			die "could not add the arm64 architecture (log: $BUILD/apt.log)" \
			    "run: dpkg --add-architecture arm64 && apt-get update"
	fi
	info "extracting busybox-static:arm64 into $TOOLS/arm64"
	rm -rf "$TOOLS/arm64" "$BUILD/busybox-arm64"
	mkdir -p "$BUILD/busybox-arm64" "$TOOLS/arm64/bin"
	(cd "$BUILD/busybox-arm64" && apt-get download -qq busybox-static:arm64) >>"$BUILD/apt.log" 2>&1 ||
		die "apt-get download busybox-static:arm64 failed (log: $BUILD/apt.log)" \
		    "check the network and that 'dpkg --print-foreign-architectures' lists arm64"
	dpkg-deb -x "$BUILD"/busybox-arm64/busybox-static_*_arm64.deb "$BUILD/busybox-arm64/x" &&
		cp "$BUILD/busybox-arm64/x/bin/busybox" "$BUSYBOX_ARM64" ||
		die "could not extract busybox from busybox-static:arm64" "rm -rf $BUILD/busybox-arm64 and rerun"
	rm -rf "$BUILD/busybox-arm64"
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
