#!/usr/bin/env bash
# The demo: builds what is needed (cached), boots the rig VM, loads the Rust vfio-pci, binds the
# igb PF through driver_override, creates VFs and shows the VF token flow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/rig.sh"
exec "$here/run-vm.sh" demo 900
