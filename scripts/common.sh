# Shared paths and versions; sourced by every script.
# shellcheck shell=bash
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER=${KVER:-7.3}
# Downloads, the kernel tree and build outputs live here, outside git.
CACHE=${VFIO_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-pci-rs}
export PATH="$HOME/.cargo/bin:/usr/lib/llvm-19/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
