/* SPDX-License-Identifier: GPL-2.0 */
/* Input of the module's own bindgen step: the vfio and vfio_pci_core items that the kernel's
 * Rust `bindings` crate lacks. Every other type is taken from `kernel::bindings`. */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>
#include "vfio_pci_core_priv.h"
#include "vfio_shims.h"
