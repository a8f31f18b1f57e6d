// SPDX-License-Identifier: GPL-2.0

//! vfio_pci_core variant drivers (C: `<linux/vfio_pci_core.h>`): the [`Driver`] trait, the
//! device allocation (which embeds `struct vfio_pci_core_device` and the driver's per-device
//! data), its `vfio_device_ops` (the driver's callbacks where it has them, `vfio_pci_core_*`
//! otherwise), the core entry points, and the [`Registration`] of the PCI driver.
//!
//! C headers: [`include/linux/vfio_pci_core.h`](srctree/include/linux/vfio_pci_core.h),
//! [`include/linux/vfio.h`](srctree/include/linux/vfio.h)

mod id_table;
mod registration;

pub use id_table::{DeviceId, IdTable, IdTableRef, ANY};
pub use registration::Registration;

use crate::bindings;
use core::{
    marker::PhantomData,
    mem::offset_of,
    ptr::{self, NonNull},
};
use kernel::{
    container_of, device,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void},
    pci,
    prelude::*,
    str::CStr,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
    uaccess::UserPtr,
};

/// The calling contexts of a device reference, as `device::Core` and `device::Bound` are for
/// `pci::Device`: a reference in a context other than [`Normal`] exists only inside the
/// callback the context names, and unlocks the operations sound only there.
pub trait DeviceContext: private::Sealed {}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Normal {}
    impl Sealed for super::Init {}
    impl Sealed for super::Open {}
    impl Sealed for super::DeviceLocked {}
}

/// Any reference to a live device.
pub struct Normal;
/// Inside the vfio `init` op: the device is not shared yet, the core part not initialised.
pub struct Init;
/// Inside the vfio `open_device` op: vfio holds the device set's lock.
pub struct Open;
/// Inside a PCI callback of the bound driver that holds the device lock (`probe`,
/// `sriov_configure`).
pub struct DeviceLocked;

impl DeviceContext for Normal {}
impl DeviceContext for Init {}
impl DeviceContext for Open {}
impl DeviceContext for DeviceLocked {}

/// A vfio_pci_core variant driver: its PCI driver and its vfio device ops. The data `Self`
/// is created in the vfio `init` op and dropped in `release`; every callback gets the whole
/// device. An op the driver does not implement is vfio_pci_core's, as a C variant driver's
/// `vfio_pci_core_*` entries in its ops table.
///
/// # Examples
///
/// A variant driver for the 82576 VF, bound through `driver_override` only, that refuses one
/// ioctl and leaves every other op to vfio_pci_core, the VF token check among them:
///
/// ```
/// use kernel::vfio::pci::{DeviceId, IdTable, IdTableRef};
/// use kernel::vfio::pci::{self as vfio_pci, CoreDevice, Device, Ioctl};
///
/// /// `VFIO_DEVICE_RESET`: `_IO(VFIO_TYPE, VFIO_BASE + 11)`.
/// const VFIO_DEVICE_RESET: u32 = kernel::ioctl::_IO(b';' as u32, 100 + 11);
///
/// static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(0x8086, 0x10ca)]);
///
/// struct NoReset;
///
/// #[vtable]
/// impl vfio_pci::Driver for NoReset {
///     const NAME: &'static CStr = c"noreset-vfio-pci";
///     const ID_TABLE: IdTableRef = TABLE.as_ref();
///
///     fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
///         Ok(NoReset)
///     }
///
///     fn ioctl(_dev: &Device<Self>, call: Ioctl<'_>) -> Result<isize> {
///         if call.cmd() == VFIO_DEVICE_RESET {
///             return Err(EPERM);
///         }
///         call.pass_to_core()
///     }
/// }
/// ```
#[vtable]
pub trait Driver: Sized + Send + Sync + 'static {
    /// The PCI driver name, also the vfio ops name (the core copies it into the
    /// `driver_override` of VFs created under a PF bound to this driver).
    const NAME: &'static CStr;
    /// The PCI id table.
    const ID_TABLE: IdTableRef;
    /// The name of the read-only sysfs attribute `show_attr` gives, if implemented.
    const ATTR_NAME: &'static CStr = c"";

    /// Initialises the per-device data in place (vfio `init` op), before the core
    /// initialises; [`Device::data`] gives it back in every later callback. A plain
    /// `Result<Self>` is an initialiser too.
    fn init(core: &CoreDevice<Init>) -> impl PinInit<Self, Error>;

    /// Refuses a device at PCI probe, before anything is allocated.
    fn probe_allowed(_pdev: &pci::Device<device::Core<'_>>) -> Result {
        Ok(())
    }

    /// Called after PCI probe registered the device with vfio (nothing to undo on error).
    fn probed(_dev: &Device<Self, DeviceLocked>) {}

    /// PCI `sriov_configure` (device lock held): the number of VFs enabled.
    fn sriov_configure(dev: &Device<Self, DeviceLocked>, nr_virtfn: i32) -> Result<i32> {
        dev.sriov_configure(nr_virtfn)
    }

    /// The value of the attribute `ATTR_NAME` (`None`: the read fails with `EINVAL`). Without
    /// it the driver has no attribute.
    fn show_attr(_dev: &Device<Self>) -> Option<i32> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Whether this device has the attribute `ATTR_NAME`. Asked once, at probe, before the
    /// device is registered with vfio (so that a failure to create the attribute fails the
    /// probe while nothing can open the device): decide from the PCI device, not from what
    /// registration sets up (such as the VF token).
    fn attr_visible(_dev: &Device<Self>) -> bool {
        true
    }

    /// Opens the device for a user (vfio `open_device`); closing is vfio_pci_core's.
    ///
    /// The protocol is C's, in the types: [`Opening::enable`] gives an [`Enabled`] guard that
    /// undoes the enable if dropped (an error after it), and only [`Enabled::finish_enable`]
    /// makes the [`Opened`] that success needs.
    fn open_device(dev: Opening<'_, Self>) -> Result<Opened<'_>> {
        Ok(dev.enable()?.finish_enable())
    }

    /// `VFIO_GROUP_GET_DEVICE_FD` string match: `Ok(false)` is "not this device". `buf` is
    /// the C string vfio copied from the user, without its NUL (it holds none). Otherwise
    /// `vfio_pci_core_match`.
    fn match_name(_dev: &Device<Self>, _buf: &[u8]) -> Result<bool> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The VF token check, on both the group and the cdev path. Otherwise
    /// `vfio_pci_core_match_token_uuid`.
    fn match_token(_dev: &Device<Self>, _token: Option<&[u8; 16]>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A device fd ioctl (vfio `ioctl` op). The calls a driver does not handle go to
    /// vfio_pci_core with [`Ioctl::pass_to_core`], which is all of them for a driver without
    /// this op.
    fn ioctl(_dev: &Device<Self>, _call: Ioctl<'_>) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A `read()` of the device fd (vfio `read` op), at an offset that names the region
    /// ([`Read::region`]). The reads a driver does not handle go to vfio_pci_core with
    /// [`Read::pass_to_core`], which is all of them for a driver without this op.
    fn read(_dev: &Device<Self>, _call: Read<'_>) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `VFIO_DEVICE_FEATURE`. The features a driver does not handle go to vfio_pci_core
    /// with [`Feature::pass_to_core`], which is all of them for a driver without this op.
    fn device_feature(_dev: &Device<Self>, _feature: Feature<'_>) -> Result<i32> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A C return value that is a count or a size, or a negative errno.
fn value_or_errno(ret: isize) -> Result<isize> {
    if ret < 0 {
        Err(Error::from_errno(ret as c_int))
    } else {
        Ok(ret)
    }
}

/// One `VFIO_DEVICE_FEATURE` call, as vfio hands it to the `device_feature` op: the feature
/// number and flags, and the user's buffer after the header.
///
/// # Examples
///
/// A driver whose devices do not take a VF token from their user, and leave every other
/// feature to the core:
///
/// ```
/// use kernel::vfio::pci::{Device, Feature};
/// use kernel::vfio::uapi::{
///     VFIO_DEVICE_FEATURE_MASK, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
/// };
///
/// fn device_feature<T>(_dev: &Device<T>, feature: Feature<'_>) -> Result<i32> {
///     if feature.flags() & VFIO_DEVICE_FEATURE_MASK == VFIO_DEVICE_FEATURE_PCI_VF_TOKEN {
///         return Err(ENOTTY);
///     }
///     feature.pass_to_core()
/// }
/// ```
///
/// # Invariants
///
/// `vdev`, `flags`, `arg` and `argsz` are the arguments vfio passed to this call of the op,
/// on a device past `init`; the value lives only inside the op (`'a`).
pub struct Feature<'a> {
    vdev: *mut bindings::vfio_device,
    flags: u32,
    arg: *mut c_void,
    argsz: usize,
    _call: PhantomData<&'a ()>,
}

impl Feature<'_> {
    /// `vfio_device_feature.flags`: the feature number (`VFIO_DEVICE_FEATURE_MASK`) and the
    /// GET / SET / PROBE bits.
    #[inline]
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// The user's buffer after the header, of `argsz()` bytes as the user claims it.
    #[inline]
    pub fn arg(&self) -> UserPtr {
        UserPtr::from_ptr(self.arg)
    }

    /// The size of the user's buffer after the header.
    #[inline]
    pub fn argsz(&self) -> usize {
        self.argsz
    }

    /// Hands the call to vfio_pci_core (`vfio_pci_core_ioctl_feature`), as a C variant driver
    /// does for the features it leaves to the core.
    #[inline]
    pub fn pass_to_core(self) -> Result<i32> {
        // SAFETY: by the type invariant the arguments are vfio's own for this call of the op.
        let ret = unsafe {
            bindings::vfio_pci_core_ioctl_feature(self.vdev, self.flags, self.arg, self.argsz)
        };
        value_or_errno(ret as isize).map(|n| n as i32)
    }
}

/// One device fd ioctl, as vfio hands it to the `ioctl` op.
///
/// # Invariants
///
/// `vdev`, `cmd` and `arg` are the arguments vfio passed to this call of the op, on a device
/// past `init`; the value lives only inside the op (`'a`).
// vfio-pci leaves these calls to the core; other variant drivers (the rig's) override them.
#[allow(dead_code)]
pub struct Ioctl<'a> {
    vdev: *mut bindings::vfio_device,
    cmd: u32,
    arg: c_ulong,
    _call: PhantomData<&'a ()>,
}

// vfio-pci leaves these calls to the core; other variant drivers (the rig's) override them.
#[allow(dead_code)]
impl Ioctl<'_> {
    /// The ioctl number, e.g. `VFIO_DEVICE_RESET`.
    pub fn cmd(&self) -> u32 {
        self.cmd
    }

    /// The argument, for the commands that take a user pointer.
    pub fn arg(&self) -> UserPtr {
        UserPtr::from_addr(self.arg)
    }

    /// Hands the call to vfio_pci_core (`vfio_pci_core_ioctl`), as a C variant driver does
    /// for the commands it leaves to the core.
    pub fn pass_to_core(self) -> Result<isize> {
        // SAFETY: by the type invariant the arguments are vfio's own for this call of the op.
        let ret = unsafe { bindings::vfio_pci_core_ioctl(self.vdev, self.cmd, self.arg) };
        value_or_errno(ret as isize)
    }
}

/// One `read()` of the device fd, as vfio hands it to the `read` op. The file offset names
/// the region in its top bits (C: `VFIO_PCI_OFFSET_SHIFT`), the offset in it below.
///
/// # Examples
///
/// Reads of the config space past the standard header refused, the rest the core's:
///
/// ```
/// use kernel::vfio::pci::{Device, Read};
///
/// /// `VFIO_PCI_CONFIG_REGION_INDEX`.
/// const CONFIG_REGION: u32 = 7;
///
/// fn read<T>(_dev: &Device<T>, call: Read<'_>) -> Result<isize> {
///     if call.region() == CONFIG_REGION && call.offset() >= 64 {
///         return Err(EPERM);
///     }
///     call.pass_to_core()
/// }
/// ```
///
/// # Invariants
///
/// `vdev`, `buf`, `count` and `ppos` are the arguments vfio passed to this call of the op, on
/// a device past `init`: `ppos` points to the file position for the whole call; the value
/// lives only inside the op (`'a`).
// vfio-pci leaves these calls to the core; other variant drivers (the rig's) override them.
#[allow(dead_code)]
pub struct Read<'a> {
    vdev: *mut bindings::vfio_device,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
    _call: PhantomData<&'a ()>,
}

/// C's `VFIO_PCI_OFFSET_SHIFT` (`vfio_pci_core.h`): a region's index is the file offset's bits
/// from 40 up.
// vfio-pci leaves these calls to the core; other variant drivers (the rig's) override them.
#[allow(dead_code)]
const VFIO_PCI_OFFSET_SHIFT: u32 = 40;

// vfio-pci leaves these calls to the core; other variant drivers (the rig's) override them.
#[allow(dead_code)]
impl Read<'_> {
    fn pos(&self) -> u64 {
        // SAFETY: by the type invariant `ppos` is valid for this call; vfio's file position,
        // which no one else writes during the call.
        let pos = unsafe { *self.ppos };
        pos as u64
    }

    /// The region read (C: `VFIO_PCI_OFFSET_TO_INDEX`), e.g. `VFIO_PCI_CONFIG_REGION_INDEX`.
    pub fn region(&self) -> u32 {
        (self.pos() >> VFIO_PCI_OFFSET_SHIFT) as u32
    }

    /// The offset in the region.
    pub fn offset(&self) -> u64 {
        self.pos() & ((1u64 << VFIO_PCI_OFFSET_SHIFT) - 1)
    }

    /// The number of bytes asked for.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Hands the read to vfio_pci_core (`vfio_pci_core_read`), which copies the region's
    /// bytes to the user and advances the file position: the number of bytes read.
    pub fn pass_to_core(self) -> Result<isize> {
        // SAFETY: by the type invariant the arguments are vfio's own for this call of the op.
        let ret =
            unsafe { bindings::vfio_pci_core_read(self.vdev, self.buf, self.count, self.ppos) };
        value_or_errno(ret)
    }
}

/// A `struct vfio_pci_core_device`, referenced in the context `Ctx`.
///
/// # Invariants
///
/// `self.0` is the core device of a live vfio device allocated by `Device::probe`: vfio set
/// its `vdev.dev` to the PCI device's `struct device` before the `init` op, and its `vf_token`
/// and `sriov_pf_core_dev` are NULL (the allocation is zeroed) or what the core set (see
/// [`CoreDevice::vf_token`]). With `Ctx = Init` no other thread can reach it yet and the core
/// has not initialised it; in the other contexts `vfio_pci_core_init_dev` has. With
/// `Ctx = Open` vfio holds its device set's lock; with `Ctx = DeviceLocked` the PCI device is
/// bound to the driver and its device lock is held. A reference exists only inside a callback
/// of the driver, between the PCI device's probe and remove (no reference-counted handle is
/// public).
#[repr(transparent)]
pub struct CoreDevice<Ctx: DeviceContext = Normal>(
    Opaque<bindings::vfio_pci_core_device>,
    PhantomData<Ctx>,
);

impl<Ctx: DeviceContext> CoreDevice<Ctx> {
    fn as_raw(&self) -> *mut bindings::vfio_pci_core_device {
        self.0.get()
    }
}

impl core::ops::Deref for CoreDevice<Init> {
    type Target = CoreDevice;
    fn deref(&self) -> &CoreDevice {
        // INVARIANT: the `Normal` invariant is part of every context's (it needs no more of
        // the core than the zeroed allocation).
        // SAFETY: `Ctx` is a zero-sized marker, so both have the core device's layout.
        // Aliasing: the new reference covers the same `Opaque` core device as `self`, for no
        // longer.
        unsafe { &*ptr::from_ref(self).cast::<CoreDevice>() }
    }
}

impl CoreDevice {
    /// The PCI device this vfio device was allocated for.
    pub fn pdev(&self) -> &pci::Device {
        // Sound: by the type invariant `self.0` is live and its `vdev.dev` is the `dev` of a
        // `struct pci_dev`, set before the `init` op and never changed; the reference lives no
        // longer than the callback it was made for, within the PCI device's binding to the
        // driver. Aliasing: the one field is read through the raw pointer, no reference to the
        // core device is made; `pci::Device` wraps the `pci_dev` in `Opaque`, so the shared
        // reference allows the writes the PCI core and other CPUs make to its fields.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe {
            let pdev = container_of!((*self.as_raw()).vdev.dev, bindings::pci_dev, dev);
            &*pdev.cast::<pci::Device>()
        }
    }

    /// The generic device, for `dev_*!` logging.
    pub fn dev(&self) -> &device::Device {
        self.pdev().as_ref()
    }

    fn raw_pdev(&self) -> *mut bindings::pci_dev {
        ptr::from_ref(self.pdev()).cast_mut().cast()
    }

    /// Whether the device is an SR-IOV VF.
    pub fn is_virtfn(&self) -> bool {
        // Sound: `raw_pdev` is a live PCI device. Its bitfield word also holds flags other
        // CPUs change at run time (`msix_enabled`, `is_busmaster`, `state_saved`, ...), so no
        // `&pci_dev` is made (the generated `is_virtfn()` would take one): the raw accessor
        // reads the bits through the pointer, as C's `pdev->is_virtfn` loads them. The bit
        // read is set at enumeration, before the device is visible to drivers, and never
        // changes.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe { bindings::pci_dev::is_virtfn_raw(self.raw_pdev()) != 0 }
    }

    /// Whether the device is an SR-IOV PF (C: `pdev->is_physfn`), whose VF token the core
    /// makes at registration.
    pub fn is_physfn(&self) -> bool {
        // SAFETY: as in `is_virtfn`: the bit is set at enumeration and never changes, and is
        // read through the raw pointer.
        unsafe { bindings::pci_dev::is_physfn_raw(self.raw_pdev()) != 0 }
    }

    /// The VF token of this device, if vfio_pci_core made one: an SR-IOV PF (C:
    /// `vdev->vf_token`).
    pub fn vf_token(&self) -> Option<&VfToken> {
        // INVARIANT: the token lives as long as the borrow of the registered device.
        // Sound: the core sets `vf_token` at a PF's registration (NULL before: zeroed
        // allocation) and frees it at unregistration, which no device reference outlives
        // (`Device::remove`); in between it is a live token. Aliasing: the pointer field is
        // read through the raw pointer, no reference to the core device (which the core
        // writes under its own locks) is made, and the field is written only at registration
        // and unregistration, so the read races with no write; `VfToken` wraps the token in
        // `Opaque`, so the shared reference allows the writes the core makes to it.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe { (*self.as_raw()).vf_token.cast::<VfToken>().as_ref() }
    }

    /// The VF token of this VF's PF, if the PF enabled its VFs through vfio_pci_core (C:
    /// `vdev->sriov_pf_core_dev`, set when the core registers the VF).
    pub fn pf_vf_token(&self) -> Option<&VfToken> {
        // INVARIANT: the PF's token lives as long as the borrow of this VF (below).
        // Sound: the core sets `sriov_pf_core_dev` when it registers the VF, before any op
        // can run, to a PF that stays registered (its token live, as in `vf_token`) until
        // this VF is removed: unregistering the PF first disables SR-IOV, which removes its
        // VFs. Aliasing: the PF's core device is not ours, other CPUs write it (its own
        // opens, reset, interrupt state), so no reference to it is made: its one `vf_token`
        // field is read through the raw pointer, a field written only at the PF's
        // registration and unregistration, which this VF's life lies between. The token is
        // lent as the `Opaque` `VfToken`, which allows the core's writes under its mutex.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe {
            let pf = (*self.as_raw()).sriov_pf_core_dev;
            if pf.is_null() {
                return None;
            }
            (*pf).vf_token.cast::<VfToken>().as_ref()
        }
    }

    /// `pci_name()`, e.g. `0000:01:10.0`: the name of the PCI device's `struct device`.
    pub fn name(&self) -> &CStr {
        self.dev().name()
    }
}

/// What C variant drivers set in their `init` op, before `vfio_pci_core_init_dev`.
impl CoreDevice<Init> {
    /// Disables PCI 2.3 INTx masking for this device (C: `vdev->nointxmask`, vfio-pci's
    /// `nointxmask` parameter).
    pub fn set_nointxmask(&self, on: bool) {
        // SAFETY: by the type invariant (`Init`) nothing else uses the device yet, so the
        // bitfield unit is ours to write, in place, without a reference to the whole struct.
        unsafe { bindings::vfio_pci_core_device::set_nointxmask_raw(self.as_raw(), on) };
    }

    /// Keeps the idle device out of D3 (C: `vdev->disable_idle_d3`, vfio-pci's
    /// `disable_idle_d3` parameter).
    pub fn set_disable_idle_d3(&self, on: bool) {
        // SAFETY: as in `set_nointxmask`.
        unsafe { bindings::vfio_pci_core_device::set_disable_idle_d3_raw(self.as_raw(), on) };
    }

    /// Leaves VGA regions out (C: `vdev->disable_vga`, vfio-pci's `disable_vga` parameter);
    /// without `CONFIG_VFIO_PCI_VGA` there are none to leave out, and this does nothing.
    pub fn set_disable_vga(&self, on: bool) {
        #[cfg(CONFIG_VFIO_PCI_VGA)]
        // SAFETY: as in `set_nointxmask`.
        unsafe {
            bindings::vfio_pci_core_device::set_disable_vga_raw(self.as_raw(), on)
        };
        #[cfg(not(CONFIG_VFIO_PCI_VGA))]
        let _ = on;
    }
}

/// A PF's VF token as vfio_pci_core keeps it, `struct vfio_pci_vf_token` (its layout:
/// `src/vfio_pci_core_priv.h`). The core allocates it when it registers an SR-IOV PF, counts in
/// it the PF's open VFs whichever vfio_pci_core driver they are bound to (in
/// `vfio_pci_core_finish_enable` and `vfio_pci_core_close_device`), and checks VFs bound to
/// C variant drivers against its UUID (`vfio_pci_core_match_token_uuid`). The driver keeps no
/// token of its own, only this one: there is no second copy to keep in step.
///
/// # Examples
///
/// How many VFs of a PF are open (0 for a device that is not an SR-IOV PF):
///
/// ```
/// use kernel::vfio::pci::CoreDevice;
///
/// fn open_vfs(pf: &CoreDevice) -> i32 {
///     pf.vf_token().map_or(0, |token| token.lock().users())
/// }
/// ```
///
/// # Invariants
///
/// `self.0` is a token the core allocated and initialised (its mutex too), live for as long as
/// the reference: [`CoreDevice::vf_token`] lends it no longer than the device is registered.
#[repr(transparent)]
pub struct VfToken(Opaque<bindings::vfio_pci_vf_token>);

// A `uuid_t` may be lent as its bytes.
const _: () = assert!(
    core::mem::size_of::<bindings::uuid_t>() == 16
        && core::mem::align_of::<bindings::uuid_t>() == 1
);

impl VfToken {
    /// Takes the token's mutex, as the core does around every use of the token.
    pub fn lock(&self) -> VfTokenGuard<'_> {
        // SAFETY: by the type invariant the token and its mutex are live and initialised.
        unsafe { bindings::mutex_lock(&raw mut (*self.0.get()).lock) };
        // INVARIANT: locked just above, on this thread.
        VfTokenGuard {
            token: self,
            _not_send: PhantomData,
        }
    }
}

/// A locked [`VfToken`]; unlocks on drop, on the thread that locked it.
///
/// # Invariants
///
/// This thread holds `token`'s mutex for the guard's whole life.
pub struct VfTokenGuard<'a> {
    token: &'a VfToken,
    _not_send: PhantomData<*mut ()>,
}

impl VfTokenGuard<'_> {
    /// The token's UUID, its 16 bytes (`uuid_t.b`).
    pub fn uuid(&mut self) -> &mut [u8; 16] {
        // Sound: `uuid_t` is its 16 bytes (asserted above), and the token is live (type
        // invariant). Aliasing: this thread holds the mutex for as long as the borrow (of the
        // guard, exclusive), and the core reads and writes `uuid` only under that mutex, so
        // nothing else accesses the field while the `&mut` lives; only the field is borrowed,
        // not the token (its `users` and lock stay the core's).
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe { &mut *(&raw mut (*self.token.0.get()).uuid).cast::<[u8; 16]>() }
    }

    /// How many of the PF's VFs are open: the core's count.
    pub fn users(&self) -> i32 {
        // SAFETY: by the type invariant the mutex, which guards `users` in the core too, is
        // held: the field, read by value through the raw pointer, is not written meanwhile.
        unsafe { (*self.token.0.get()).users }
    }
}

impl Drop for VfTokenGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant this thread holds the mutex (the guard is not `Send`).
        unsafe { bindings::mutex_unlock(&raw mut (*self.token.0.get()).lock) };
    }
}

/// The allocation vfio manages for one device: the core device first (vfio requires the
/// `struct vfio_device` at offset 0), then the driver's data; referenced in the context `Ctx`.
///
/// # Examples
///
/// Per-device data, pin-initialised in `init` and read back in a later op: how many reads of
/// config space went through the device fd, under a mutex.
///
/// ```
/// use kernel::vfio::pci::{DeviceId, IdTable, IdTableRef};
/// use kernel::vfio::pci::{self as vfio_pci, CoreDevice, Device, Read};
/// use kernel::{new_mutex, sync::Mutex};
///
/// static TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(0x8086, 0x10ca)]);
///
/// #[pin_data]
/// struct CountReads {
///     #[pin]
///     config_reads: Mutex<u64>,
/// }
///
/// #[vtable]
/// impl vfio_pci::Driver for CountReads {
///     const NAME: &'static CStr = c"countreads-vfio-pci";
///     const ID_TABLE: IdTableRef = TABLE.as_ref();
///
///     fn init(_core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
///         try_pin_init!(Self {
///             config_reads <- new_mutex!(0),
///         })
///     }
///
///     fn read(dev: &Device<Self>, call: Read<'_>) -> Result<isize> {
///         if call.region() == 7 {
///             let mut reads = dev.data().config_reads.lock();
///             *reads = reads.saturating_add(1);
///         }
///         call.pass_to_core()
///     }
/// }
/// ```
///
/// # Invariants
///
/// `core` satisfies [`CoreDevice`]'s invariants in `Ctx` (never `Init`: the `init` op only
/// sees the core), and `data` is initialised: `T::init` succeeded and `release` has not run.
#[repr(C)]
pub struct Device<T, Ctx: DeviceContext = Normal> {
    core: CoreDevice<Ctx>,
    /// Boxed, so that it is pinned and initialised in place by the same `kernel` API
    /// (`KBox::pin_init`) on every kernel the module builds for.
    data: Pin<KBox<T>>,
}

const _: () = assert!(offset_of!(bindings::vfio_pci_core_device, vdev) == 0);

impl<T> core::ops::Deref for Device<T> {
    type Target = CoreDevice;
    fn deref(&self) -> &CoreDevice {
        &self.core
    }
}

/// `Device<T, Ctx>` derefs to `Device<T>` for the contexts listed.
macro_rules! deref_to_normal {
    ($($ctx:ty),*) => {$(
        impl<T> core::ops::Deref for Device<T, $ctx> {
            type Target = Device<T>;
            fn deref(&self) -> &Device<T> {
                // INVARIANT: the `Normal` invariant is part of every context's.
                // SAFETY: `Ctx` is a zero-sized marker, so both have the same layout.
                // Aliasing: the same allocation as `self` (its core `Opaque`), for no longer.
                unsafe { &*ptr::from_ref(self).cast::<Device<T>>() }
            }
        }
    )*};
}
deref_to_normal!(Open, DeviceLocked);

impl<T, Ctx: DeviceContext> Device<T, Ctx> {
    /// The driver's per-device data, which [`Driver::init`] initialised.
    // vfio-pci itself has no per-device data; the rig's other drivers read theirs.
    #[allow(dead_code)]
    pub fn data(&self) -> &T {
        &self.data
    }
}

impl<T: Driver, Ctx: DeviceContext> Device<T, Ctx> {
    /// # Safety
    ///
    /// `vdev` is the `vfio_device` of a live allocation made by `probe` with this `T`, whose
    /// data is initialised (any op after `init` succeeded), and the caller is in `Ctx`.
    unsafe fn from_vdev<'a>(vdev: *mut bindings::vfio_device) -> &'a Self {
        // INVARIANT: by the function's contract.
        // Sound: `vdev` is at offset 0 of a live `Device<T>`. Aliasing: the shared reference
        // covers the core device, which vfio and other CPUs write, only through
        // `CoreDevice`'s `Opaque`; the rest is the driver's `T`, which is `Sync` and written
        // only through its own interior mutability.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe { &*vdev.cast::<Self>() }
    }

    /// The device of a PCI device bound to this driver.
    ///
    /// # Safety
    ///
    /// `pdev` is bound to the PCI driver registered for `T`, or being probed by it after
    /// `probe` set its drvdata (its drvdata is our `Device<T>`), and the caller is in `Ctx`.
    pub(super) unsafe fn from_bound<'a>(pdev: *mut bindings::pci_dev) -> &'a Self {
        // INVARIANT: by the function's contract.
        // Sound: by contract drvdata is the core device, i.e. our live `Device<T>`. Aliasing:
        // the shared reference covers its core part only through `Opaque` (vfio and other
        // CPUs write it), and `T` is `Sync`; the `pci_dev` is only reached through the raw
        // pointer.
        // SAFETY: the argument just above (validity, then aliasing where a reference is made).
        unsafe { &*bindings::dev_get_drvdata(&raw mut (*pdev).dev).cast::<Self>() }
    }
}

/// The device in vfio's `open_device` op, before the core's enable: the op's one handle,
/// consumed by [`Opening::enable`], so the core is enabled at most once per open.
///
/// # Examples
///
/// An open with a step that may fail between the enable and its finish (C vfio-pci's IGD
/// setup stands there): the `?` drops the [`Enabled`] guard, which disables the core again.
///
/// ```
/// use kernel::vfio::pci::{Driver, Opened, Opening};
///
/// fn open_device<T: Driver>(dev: Opening<'_, T>) -> Result<Opened<'_>> {
///     let enabled = dev.enable()?;
///     if !enabled.is_virtfn() {
///         return Err(ENODEV);
///     }
///     Ok(enabled.finish_enable())
/// }
/// ```
///
/// # Invariants
///
/// `dev` is in the `Open` context (vfio holds the device set's lock for `'a`), the core is not
/// enabled for this open, and `Opening` is made once per call of the op (by the op's
/// trampoline only).
pub struct Opening<'a, T: Driver> {
    dev: &'a Device<T, Open>,
    _brand: Brand<'a>,
}

/// Ties a value to one call of `open_device`: invariant in `'a`, so an [`Opened`] of one call
/// cannot stand for another.
type Brand<'a> = PhantomData<fn(&'a ()) -> &'a ()>;

impl<'a, T: Driver> Opening<'a, T> {
    /// `vfio_pci_core_enable`: the first step of `open_device`. The guard disables the core
    /// again when dropped, unless [`Enabled::finish_enable`] consumes it.
    pub fn enable(self) -> Result<Enabled<'a, T>> {
        // SAFETY: by the type invariant vfio holds the device set's lock, and the core is not
        // enabled for this open (`self` is consumed: it cannot enable twice).
        to_result(unsafe { bindings::vfio_pci_core_enable(self.dev.core.as_raw()) })?;
        // INVARIANT: enabled just above, under the lock held for `'a`.
        Ok(Enabled {
            dev: self.dev,
            _brand: PhantomData,
        })
    }
}

impl<T: Driver> core::ops::Deref for Opening<'_, T> {
    type Target = Device<T>;
    fn deref(&self) -> &Device<T> {
        self.dev
    }
}

/// The core enabled by [`Opening::enable`], not yet finished: dropping it runs
/// `vfio_pci_core_disable`, as C's `open_device` does on an error after the enable (C
/// vfio-pci's IGD setup), so an error return cannot leak the enable count and the runtime-PM
/// reference.
///
/// # Invariants
///
/// `vfio_pci_core_enable` succeeded on `dev` in this open, and vfio holds the device set's
/// lock for `'a`; neither `vfio_pci_core_finish_enable` nor `vfio_pci_core_disable` ran since.
#[must_use = "dropping it disables the device again; finish the open with `finish_enable`"]
pub struct Enabled<'a, T: Driver> {
    dev: &'a Device<T, Open>,
    _brand: Brand<'a>,
}

impl<'a, T: Driver> Enabled<'a, T> {
    /// `vfio_pci_core_finish_enable`: the last step of `open_device`; the proof of it is what
    /// the op returns.
    pub fn finish_enable(self) -> Opened<'a> {
        // SAFETY: by the type invariant the core is enabled and not finished, and vfio holds
        // the device set's lock, all the core requires.
        unsafe { bindings::vfio_pci_core_finish_enable(self.dev.core.as_raw()) };
        // Finished: the device is open, and `vfio_pci_core_close_device` will disable it.
        core::mem::forget(self);
        Opened(PhantomData)
    }
}

impl<T: Driver> core::ops::Deref for Enabled<'_, T> {
    type Target = Device<T>;
    fn deref(&self) -> &Device<T> {
        self.dev
    }
}

impl<T: Driver> Drop for Enabled<'_, T> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the core was enabled in this open and not finished nor
        // disabled since, and vfio still holds the device set's lock (`'a` is within the op).
        unsafe { bindings::vfio_pci_core_disable(self.dev.core.as_raw()) };
    }
}

/// The proof that an `open_device` op ran `vfio_pci_core_finish_enable`: only
/// [`Enabled::finish_enable`] makes one (its field is private), and its lifetime is that one
/// call's, so the op can succeed only by finishing the enable it began.
pub struct Opened<'a>(Brand<'a>);

impl<T: Driver> Device<T, DeviceLocked> {
    /// `vfio_pci_core_sriov_configure`.
    pub fn sriov_configure(&self, nr_virtfn: i32) -> Result<i32> {
        // SAFETY: by the type invariant (`DeviceLocked`) the device is bound and its lock is held.
        let ret = unsafe { bindings::vfio_pci_core_sriov_configure(self.core.as_raw(), nr_virtfn) };
        to_result(ret.min(0)).map(|()| ret)
    }
}

impl<T: Driver> Device<T> {
    /// Allocates the vfio device of `pdev` (running the `init` op), makes it the PCI drvdata
    /// (which vfio_pci_core requires) and registers it. On success drvdata owns the
    /// allocation's first reference until [`Device::remove`]; on error nothing is left behind.
    pub(super) fn probe(pdev: &pci::Device<device::Core<'_>>) -> Result {
        let raw_pdev: *mut bindings::pci_dev = ptr::from_ref(pdev).cast_mut().cast();
        // SAFETY: `pdev` is a live PCI device being probed; the size covers `Device<T>`, whose
        // `vfio_device` is at offset 0; the ops table is static.
        let vdev = unsafe {
            bindings::_vfio_alloc_device(
                core::mem::size_of::<Self>(),
                (&raw mut (*raw_pdev).dev).cast(),
                Ops::<T>::TABLE,
            )
        };
        let vdev = NonNull::new(kernel::error::from_err_ptr(vdev)?).ok_or(ENOMEM)?;
        // INVARIANT: the core and the data are initialised by the `init` op.
        // SAFETY: `_vfio_alloc_device` returns the first reference to a `Device<T>` (the
        // `vfio_device` is at its offset 0) whose `init` op succeeded.
        let dev: ARef<VfioDevice<T>> = unsafe { ARef::from_raw(vdev.cast()) };
        let core = dev.0.core.as_raw();
        #[cfg(CONFIG_VFIO_PCI_DMABUF)]
        // SAFETY: `core` is not registered yet; the ops table is static (as C vfio-pci's).
        unsafe {
            (*core).pci_ops = &PCI_OPS;
        }
        // SAFETY: the device is being probed, drvdata is ours to set.
        unsafe { bindings::dev_set_drvdata(&raw mut (*raw_pdev).dev, core.cast()) };
        // The attribute before the registration: if it cannot be made, nothing could open the
        // device yet. (As the driver's `dev_groups` it would be made after probe, and its
        // failure would remove a device users may already hold.)
        // SAFETY: drvdata is our device, as `Attr`'s callbacks need.
        let ret = unsafe { registration::Attr::<T>::add(raw_pdev) };
        let ret = if ret == 0 {
            // SAFETY: `core` was fully initialised by `_vfio_alloc_device` and its `init` op.
            let ret = unsafe { bindings::vfio_pci_core_register_device(core) };
            if ret != 0 {
                // SAFETY: added above.
                unsafe { registration::Attr::<T>::remove(raw_pdev) };
            }
            ret
        } else {
            ret
        };
        if ret != 0 {
            // SAFETY: the device is still being probed, drvdata ours; the reference is dropped
            // on return and the release op frees the allocation.
            unsafe { bindings::dev_set_drvdata(&raw mut (*raw_pdev).dev, ptr::null_mut()) };
            return Err(Error::from_errno(ret));
        }
        // Bound: drvdata keeps the reference, which `remove` takes back.
        let _ = ARef::into_raw(dev);
        Ok(())
    }

    /// PCI `remove`: takes back the reference `probe` left in drvdata, unregisters (which
    /// first disables SR-IOV and waits for every user of the device and of its VFs to close),
    /// then drops it: the last reference runs the release op.
    ///
    /// # Safety
    ///
    /// As for `from_bound`, and called once per successful `probe`.
    pub(super) unsafe fn remove(pdev: *mut bindings::pci_dev) {
        // SAFETY: by contract drvdata holds the reference `probe` handed over, taken back once,
        // to a device `probe` registered.
        let dev: ARef<VfioDevice<T>> = unsafe {
            let dev = ARef::<VfioDevice<T>>::from_raw(NonNull::from(Self::from_bound(pdev)).cast());
            // The attribute first: once it is gone no `show` runs, and none can read the VF
            // token the unregistration frees.
            registration::Attr::<T>::remove(pdev);
            bindings::vfio_pci_core_unregister_device(dev.0.core.as_raw());
            dev
        };
        // The probe reference goes; the last reference runs the release op.
        drop(dev);
    }
}

/// The allocation as a reference-counted object, for the probe reference `probe` and `remove`
/// hold. Private: `Device`'s methods reach the PCI device and the VF token, which a reference
/// kept past `remove` would outlive.
#[repr(transparent)]
struct VfioDevice<T>(Device<T>);

// SAFETY: the reference count is that of the vfio device's `struct device` (`vfio_device`
// is at offset 0 of `Device<T>`): `get_device`, and `put_device` as `vfio_put_device()`
// does; dropping the last one runs the release op, which frees the allocation.
unsafe impl<T: Driver> AlwaysRefCounted for VfioDevice<T> {
    fn inc_ref(&self) {
        // SAFETY: a shared reference means the count is not zero.
        unsafe { bindings::get_device(&raw mut (*self.0.core.as_raw()).vdev.device) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        let vdev = obj.cast::<bindings::vfio_device>().as_ptr();
        // SAFETY: the caller gives up a reference it owns, so the count is not zero.
        unsafe { bindings::put_device(&raw mut (*vdev).device) };
    }
}

/// vfio-pci's `vfio_pci_device_ops`: DMA-buf export of BARs, as C vfio-pci sets them.
#[cfg(CONFIG_VFIO_PCI_DMABUF)]
// A `const`, promoted to a `'static` table where its address is taken (as miscdevice.rs's
// `file_operations`): a `static` would have to be `Sync`, which raw pointers are not.
const PCI_OPS: bindings::vfio_pci_device_ops = bindings::vfio_pci_device_ops {
    get_dmabuf_phys: Some(bindings::vfio_pci_core_get_dmabuf_phys),
};

/// An iommufd op of a physical device as C vfio-pci sets it: vfio's function where the kernel
/// has `CONFIG_IOMMUFD`, NULL otherwise (C's `<linux/vfio.h>` then defines them as NULL, and
/// vfio has no iommufd or cdev path at all).
#[cfg(CONFIG_IOMMUFD)]
macro_rules! iommufd_op {
    ($f:ident) => {
        Some(bindings::$f)
    };
}
#[cfg(not(CONFIG_IOMMUFD))]
macro_rules! iommufd_op {
    ($f:ident) => {
        None
    };
}

/// The `vfio_device_ops` of a driver `T`.
pub struct Ops<T>(PhantomData<T>);

impl<T: Driver> Ops<T> {
    const OPS: bindings::vfio_device_ops = bindings::vfio_device_ops {
        name: kernel::str::as_char_ptr_in_const_context(T::NAME).cast_mut(),
        init: Some(Self::init),
        release: Some(Self::release),
        bind_iommufd: iommufd_op!(vfio_iommufd_physical_bind),
        unbind_iommufd: iommufd_op!(vfio_iommufd_physical_unbind),
        attach_ioas: iommufd_op!(vfio_iommufd_physical_attach_ioas),
        detach_ioas: iommufd_op!(vfio_iommufd_physical_detach_ioas),
        pasid_attach_ioas: iommufd_op!(vfio_iommufd_physical_pasid_attach_ioas),
        pasid_detach_ioas: iommufd_op!(vfio_iommufd_physical_pasid_detach_ioas),
        open_device: Some(Self::open_device),
        close_device: Some(bindings::vfio_pci_core_close_device),
        read: if T::HAS_READ {
            Some(Self::read)
        } else {
            Some(bindings::vfio_pci_core_read)
        },
        write: Some(bindings::vfio_pci_core_write),
        ioctl: if T::HAS_IOCTL {
            Some(Self::ioctl)
        } else {
            Some(bindings::vfio_pci_core_ioctl)
        },
        get_region_info_caps: Some(bindings::vfio_pci_ioctl_get_region_info),
        mmap: Some(bindings::vfio_pci_core_mmap),
        request: Some(bindings::vfio_pci_core_request),
        match_: if T::HAS_MATCH_NAME {
            Some(Self::match_)
        } else {
            Some(bindings::vfio_pci_core_match)
        },
        match_token_uuid: if T::HAS_MATCH_TOKEN {
            Some(Self::match_token_uuid)
        } else {
            Some(bindings::vfio_pci_core_match_token_uuid)
        },
        dma_unmap: None,
        device_feature: if T::HAS_DEVICE_FEATURE {
            Some(Self::device_feature)
        } else {
            Some(bindings::vfio_pci_core_ioctl_feature)
        },
    };
    // Promoted from the `const`, as `PCI_OPS`.
    const TABLE: &'static bindings::vfio_device_ops = &Self::OPS;

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; `init` runs once, on the
    /// zeroed allocation.
    unsafe extern "C" fn init(vdev: *mut bindings::vfio_device) -> c_int {
        // vfio calls `init` on a zeroed allocation of `Device<T>` (see `probe`).
        let dev = vdev.cast::<Device<T>>();
        // INVARIANT: vfio set `vdev.dev` and shares the device with no one before `init`.
        // SAFETY: `core` is the first field of the allocation. Aliasing: `CoreDevice<Init>` is
        // a transparent `Opaque` wrapper of the core device, so the shared reference allows
        // the writes the `set_*` methods and the core make to it.
        let core = unsafe { &*(&raw const (*dev).core).cast::<CoreDevice<Init>>() };
        from_result(|| {
            let data = KBox::pin_init(T::init(core), GFP_KERNEL)?;
            // SAFETY: `data` is uninitialised (zeroed) memory of the allocation; `vdev` is the
            // vfio device under construction.
            let ret = unsafe {
                (&raw mut (*dev).data).write(data);
                bindings::vfio_pci_core_init_dev(vdev)
            };
            if ret != 0 {
                // SAFETY: `init` fails, so `release` will not run: drop the data here.
                unsafe { ptr::drop_in_place(&raw mut (*dev).data) };
            }
            to_result(ret).map(|()| 0)
        })
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; `release` runs once, after a
    /// successful `init`.
    unsafe extern "C" fn release(vdev: *mut bindings::vfio_device) {
        // SAFETY: `release` runs once, after a successful `init`, when the last reference is
        // gone: the data is initialised and unused.
        unsafe {
            ptr::drop_in_place(&raw mut (*vdev.cast::<Device<T>>()).data);
            bindings::vfio_pci_core_release_dev(vdev);
        }
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn open_device(vdev: *mut bindings::vfio_device) -> c_int {
        // SAFETY: an op after `init`; vfio calls it with the device set's lock held.
        let dev = unsafe { Device::<T, Open>::from_vdev(vdev) };
        // INVARIANT: vfio calls `open_device` only for the first open of the device (no other
        // open enabled the core) with the lock held for the whole call; one `Opening` per call.
        let dev = Opening {
            dev,
            _brand: PhantomData,
        };
        from_result(|| T::open_device(dev).map(|_: Opened<'_>| 0))
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn match_(vdev: *mut bindings::vfio_device, buf: *mut c_char) -> c_int {
        // SAFETY: an op after `init`.
        let dev = unsafe { Device::<T, Normal>::from_vdev(vdev) };
        // SAFETY: vfio passes the NUL-terminated string it copied from the user.
        let buf = unsafe { CStr::from_char_ptr(buf) };
        from_result(|| T::match_name(dev, buf.to_bytes()).map(c_int::from))
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn match_token_uuid(
        vdev: *mut bindings::vfio_device,
        uuid: *const bindings::uuid_t,
    ) -> c_int {
        // SAFETY: an op after `init`.
        let dev = unsafe { Device::<T, Normal>::from_vdev(vdev) };
        // Copied: the driver gets no reference to C memory.
        let token = if uuid.is_null() {
            None
        } else {
            // SAFETY: not NULL, so vfio passes its own copy of the user's UUID (a local of its
            // caller, `vfio_df_check_token` or `vfio_pci_core_match`), live for the duration of
            // the call; its bytes are read by value through the raw pointer.
            Some(unsafe { (*uuid).b })
        };
        from_result(|| T::match_token(dev, token.as_ref()).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn ioctl(
        vdev: *mut bindings::vfio_device,
        cmd: c_uint,
        arg: c_ulong,
    ) -> c_long {
        // SAFETY: an op after `init`.
        let dev = unsafe { Device::<T, Normal>::from_vdev(vdev) };
        // INVARIANT: vfio's own arguments, for this call only.
        let call = Ioctl {
            vdev,
            cmd,
            arg,
            _call: PhantomData,
        };
        from_result(|| T::ioctl(dev, call).map(|n| n as c_long))
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn read(
        vdev: *mut bindings::vfio_device,
        buf: *mut c_char,
        count: usize,
        ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: an op after `init`.
        let dev = unsafe { Device::<T, Normal>::from_vdev(vdev) };
        // INVARIANT: vfio's own arguments, for this call only.
        let call = Read {
            vdev,
            buf,
            count,
            ppos,
            _call: PhantomData,
        };
        from_result(|| T::read(dev, call))
    }

    /// # Safety
    ///
    /// Called by vfio with a `vdev` allocated by `Device::<T>::probe`; called only after a
    /// successful `init`, with vfio's arguments.
    unsafe extern "C" fn device_feature(
        vdev: *mut bindings::vfio_device,
        flags: u32,
        arg: *mut c_void,
        argsz: usize,
    ) -> c_int {
        // SAFETY: an op after `init`.
        let dev = unsafe { Device::<T, Normal>::from_vdev(vdev) };
        // INVARIANT: vfio's own arguments, for this call only.
        let feature = Feature {
            vdev,
            flags,
            arg,
            argsz,
            _call: PhantomData,
        };
        // Not `from_result`: every VFIO_DEVICE_FEATURE call takes this path, and the closure
        // kept the driver's op out of line (a call, the arguments through memory).
        match T::device_feature(dev, feature) {
            Ok(ret) => ret,
            Err(e) => e.to_errno(),
        }
    }
}
