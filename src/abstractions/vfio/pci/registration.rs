// SPDX-License-Identifier: GPL-2.0

//! The `struct pci_driver` of a vfio_pci_core variant driver.
//!
//! `kernel::pci::Driver` cannot be used: it stores its own data as drvdata, while
//! vfio_pci_core requires drvdata to be the core device, and it has no `sriov_configure`,
//! `err_handler` or `driver_managed_dma`. The core also writes `driver.pm`, so the
//! `struct pci_driver` lives in writable, pinned memory.

use super::{Device, DeviceLocked, Driver, Normal};
use crate::bindings;
use core::{marker::PhantomData, ptr};
use kernel::{
    device,
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    pci,
    prelude::*,
    types::Opaque,
};

/// The registered `struct pci_driver`; unregistered on drop.
///
/// # Examples
///
/// A module that keeps the PCI driver of a [`Driver`] registered while it is loaded:
///
/// ```
/// use kernel::vfio::pci::{DeviceId, IdTable, IdTableRef};
/// use kernel::vfio::pci::{self as vfio_pci, CoreDevice, Registration};
///
/// static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(0x8086, 0x10ca)]);
///
/// struct Plain;
///
/// #[vtable]
/// impl vfio_pci::Driver for Plain {
///     const NAME: &'static CStr = c"plain-vfio-pci";
///     const ID_TABLE: IdTableRef = TABLE.as_ref();
///
///     fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
///         Ok(Plain)
///     }
/// }
///
/// /// Registered at `insmod`, unregistered at `rmmod`.
/// struct PlainModule {
///     _driver: Pin<KBox<Registration<Plain>>>,
/// }
///
/// impl PlainModule {
///     fn new(module: &'static ThisModule) -> Result<Self> {
///         Ok(PlainModule {
///             _driver: KBox::pin_init(Registration::new(module), GFP_KERNEL)?,
///         })
///     }
/// }
/// ```
///
/// # Invariants
///
/// `driver` is registered with the PCI core, with `T`'s callbacks, from the end of `new`
/// until `drop`.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Driver> {
    #[pin]
    driver: Opaque<bindings::pci_driver>,
    _t: PhantomData<T>,
}

// SAFETY: the PCI core serialises its use of the driver, and the `Registration` itself only
// hands it to the PCI core (`pci_add_dynid`, `pci_unregister_driver`), from any thread.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: a shared `Registration` only passes the driver to `pci_add_dynid`, which takes the
// driver's own lock.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers the driver named `T::NAME`.
    pub fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            driver <- Opaque::try_ffi_init(move |drv: *mut bindings::pci_driver| {
                // SAFETY: `drv` points to pinned, writable memory we own; zero is a valid
                // `pci_driver` for the fields we do not set; the id table is `'static` and
                // terminated (`IdTableRef`'s invariant).
                unsafe {
                    ptr::write_bytes(drv, 0, 1);
                    (*drv).name = T::NAME.as_char_ptr();
                    (*drv).id_table = T::ID_TABLE.as_ptr();
                    (*drv).probe = Some(Self::probe);
                    (*drv).remove = Some(Self::remove);
                    (*drv).sriov_configure = Some(Self::sriov_configure);
                    (*drv).err_handler = &raw const bindings::vfio_pci_core_err_handlers;
                    (*drv).driver_managed_dma = true;
                    // INVARIANT: registered when this returns `Ok`; otherwise there is no
                    // `Registration`.
                    to_result(bindings::__pci_register_driver(
                        drv,
                        module.as_ptr(),
                        kernel::str::as_char_ptr_in_const_context(c"vfio_pci"),
                    ))
                }
            }),
            _t: PhantomData,
        })
    }

    /// Adds a dynamic id, as `echo "v d" > new_id` would (`ids=` parameter).
    pub fn add_dynid(self: Pin<&Self>, id: &[u32; 6]) -> Result {
        // SAFETY: by the type invariant the driver is registered.
        to_result(unsafe {
            bindings::pci_add_dynid(
                self.driver.get(),
                id[0],
                id[1],
                id[2],
                id[3],
                id[4],
                id[5],
                0,
            )
        })
    }

    /// # Safety
    ///
    /// Called by the PCI core with a device being probed by this driver.
    unsafe extern "C" fn probe(
        pdev: *mut bindings::pci_dev,
        _id: *const bindings::pci_device_id,
    ) -> c_int {
        // INVARIANT: so the reference, which cannot leave this call, is in the `device::Core`
        // context.
        // SAFETY: the PCI core passes a valid device being probed, under its device lock.
        // Aliasing: `pci::Device` wraps the `pci_dev` in `Opaque`, so the shared reference
        // allows the writes the PCI core and other CPUs make to it.
        let pci_dev = unsafe { &*pdev.cast::<pci::Device<device::Core<'_>>>() };
        from_result(|| {
            T::probe_allowed(pci_dev)?;
            Device::<T>::probe(pci_dev)?;
            // SAFETY: probe succeeded, so the device is bound to us; the PCI core holds the
            // device lock around `probe`.
            T::probed(unsafe { Device::<T, DeviceLocked>::from_bound(pdev) });
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the PCI core for a device this driver's `probe` accepted.
    unsafe extern "C" fn remove(pdev: *mut bindings::pci_dev) {
        // SAFETY: the PCI core calls `remove` once for each device our `probe` accepted.
        unsafe { Device::<T>::remove(pdev) };
    }

    /// # Safety
    ///
    /// Called by sysfs for a device bound to this driver, under its device lock.
    unsafe extern "C" fn sriov_configure(pdev: *mut bindings::pci_dev, nr: c_int) -> c_int {
        // SAFETY: sysfs calls this on a device bound to us, under its device lock.
        let dev = unsafe { Device::<T, DeviceLocked>::from_bound(pdev) };
        from_result(|| T::sriov_configure(dev, nr))
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: by the type invariant the driver is registered, and is not used after.
        unsafe { bindings::pci_unregister_driver(self.driver.get()) };
    }
}

/// The driver's read-only sysfs attribute, on the devices where `T::attr_visible`: made by
/// `Device::probe` before it registers the device with vfio, removed by `Device::remove` before
/// it unregisters it.
pub(super) struct Attr<T>(PhantomData<T>);

impl<T: Driver> Attr<T> {
    // `const`s promoted to `'static` tables where their addresses are taken, as the ops.
    // `struct attribute` has lockdep fields only with `CONFIG_DEBUG_LOCK_ALLOC`: without them
    // (Debian's kernels) the update from zeroed names no field.
    #[allow(clippy::needless_update)]
    const ATTR: bindings::device_attribute = bindings::device_attribute {
        attr: bindings::attribute {
            name: kernel::str::as_char_ptr_in_const_context(T::ATTR_NAME),
            mode: 0o444,
            ..pin_init::zeroed()
        },
        __bindgen_anon_1: bindings::device_attribute__bindgen_ty_1 {
            show: Some(Self::show),
        },
        __bindgen_anon_2: bindings::device_attribute__bindgen_ty_2 { store: None },
    };
    const ATTRS: [*mut bindings::attribute; 2] =
        [ptr::from_ref(&Self::ATTR.attr).cast_mut(), ptr::null_mut()];
    const GROUP: bindings::attribute_group = bindings::attribute_group {
        __bindgen_anon_1: bindings::attribute_group__bindgen_ty_1 {
            is_visible: Some(Self::is_visible),
        },
        __bindgen_anon_2: bindings::attribute_group__bindgen_ty_2 {
            attrs: Self::ATTRS.as_ptr().cast_mut(),
        },
        ..pin_init::zeroed()
    };

    /// Adds the attribute to `pdev` (where `T::attr_visible`), if the driver has one: 0 or
    /// a negative errno.
    ///
    /// # Safety
    ///
    /// `pdev` is being probed by this driver, and its drvdata is our `Device<T>`.
    pub(super) unsafe fn add(pdev: *mut bindings::pci_dev) -> c_int {
        if !T::HAS_SHOW_ATTR {
            return 0;
        }
        // SAFETY: by contract `pdev` is live; the group is `'static`, its callbacks get our
        // device from drvdata.
        unsafe { bindings::sysfs_create_group(&raw mut (*pdev).dev.kobj, &Self::GROUP) }
    }

    /// Removes what `add` added.
    ///
    /// # Safety
    ///
    /// `pdev` is bound to (or being probed by) this driver, and `add` succeeded on it.
    pub(super) unsafe fn remove(pdev: *mut bindings::pci_dev) {
        if T::HAS_SHOW_ATTR {
            // SAFETY: by contract the group is on `pdev`; sysfs waits for running callbacks.
            unsafe { bindings::sysfs_remove_group(&raw mut (*pdev).dev.kobj, &Self::GROUP) };
        }
    }

    /// # Safety
    ///
    /// Called by sysfs for this attribute, which `add` made on a device of this driver.
    unsafe extern "C" fn show(
        dev: *mut bindings::device,
        _attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: sysfs calls `show` while the group exists, between `add` and `remove`: `dev`
        // is the `dev` field of a `struct pci_dev` whose drvdata is our device.
        let dev = unsafe {
            Device::<T, Normal>::from_bound(kernel::container_of!(dev, bindings::pci_dev, dev))
        };
        match T::show_attr(dev) {
            // SAFETY: `buf` is the PAGE_SIZE sysfs buffer; the format takes one `int`.
            Some(v) => unsafe { bindings::sysfs_emit(buf, c"%d\n".as_char_ptr(), v) as isize },
            None => EINVAL.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by sysfs for this group while `add` makes it, on the `kobject` of a device of
    /// this driver.
    unsafe extern "C" fn is_visible(
        kobj: *mut bindings::kobject,
        _attr: *mut bindings::attribute,
        _n: c_int,
    ) -> bindings::umode_t {
        // SAFETY: sysfs calls this from `add`: the group is on the kobject of a `struct
        // device`, that of a `struct pci_dev` being probed whose drvdata is our device.
        let dev = unsafe {
            let dev = kernel::container_of!(kobj, bindings::device, kobj);
            Device::<T, Normal>::from_bound(kernel::container_of!(dev, bindings::pci_dev, dev))
        };
        // The group has one attribute, ours.
        if T::attr_visible(dev) {
            Self::ATTR.attr.mode
        } else {
            0
        }
    }
}
