// SPDX-License-Identifier: GPL-2.0

//! Layer 3, the driver: vfio-pci's probe/remove/sriov_configure and the device ops that carry
//! the VF token. Safe code only: wiring between the token policy and the safe layer.

use crate::policy::{self, MatchRequest, Role, TokenState, Uuid};
use crate::sys::pci_driver::PciVfioDriver;
use crate::sys::ratelimit::RateLimit;
use crate::sys::vfio_pci_core::{CoreDevice, Device, VfioPciDriver};
use crate::{denylist, params};
use kernel::{
    alloc::KVec,
    new_mutex, pci,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex},
    uaccess::{UserPtr, UserSlice},
};

/// A PF's VF token, shared by `Arc` with the VFs created under it, so no VF can ever
/// observe a freed token.
pub(crate) type PfToken = Mutex<TokenState>;

/// A PF whose VFs were enabled through this driver's `sriov_configure`.
struct SriovPf {
    pdev: usize,
    token: Arc<PfToken>,
}

kernel::sync::global_lock! {
    // SAFETY: initialised in module init (`init_globals`) before the driver is registered.
    unsafe(uninit) static SRIOV_PFS: Mutex<KVec<SriovPf>> = KVec::new();
}

const RATELIMIT_SITES: usize = 6;

/// The rate limits of the token log lines, one per call site of C's check.
static RATELIMITS: [RateLimit; RATELIMIT_SITES] = [const { RateLimit::new() }; RATELIMIT_SITES];

/// Initialises the driver's global state; call once, before registering the driver.
pub(crate) fn init_globals() {
    // SAFETY: called exactly once, from module init, before any other use.
    unsafe {
        SRIOV_PFS.init();
    }
}

/// Frees the driver's global state; call once, after the driver is unregistered.
pub(crate) fn free_globals() {
    drop(core::mem::take(&mut *SRIOV_PFS.lock()));
}

/// How the VF token applies to a device.
enum TokenRole {
    /// An SR-IOV PF: it owns the token.
    Pf(Arc<PfToken>),
    /// A VF; with its PF's token if the PF is bound to us and enabled VFs through us.
    Vf(Option<Arc<PfToken>>),
    /// Neither PF nor VF.
    Neither,
}

/// vfio-pci's per-device data.
pub(crate) struct VfioPci {
    role: TokenRole,
}

/// `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN` and the feature-number mask, from the uapi.
const VFIO_DEVICE_FEATURE_MASK: u32 = 0xffff;
const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: u32 = 0;

/// A fresh random version-4 UUID, as the kernel's `uuid_gen()` makes.
fn random_uuid() -> Uuid {
    let mut b = [0u8; 16];
    crate::sys::random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid(b)
}

impl VfioPci {
    /// Logs a refusal like C's `pci_info_ratelimited()`: one rate limit per C call site
    /// (the VF and PF branches of C's check each have their own).
    fn log_denial(core: &CoreDevice, role: &TokenRole, denial: policy::Denial) {
        let site = match (role, denial) {
            (TokenRole::Vf(None), _) => 0,
            (TokenRole::Vf(Some(_)), policy::Denial::TokenRequired) => 1,
            (TokenRole::Vf(Some(_)), _) => 2,
            (TokenRole::Pf(_), policy::Denial::TokenRequired) => 3,
            (TokenRole::Pf(_), _) => 4,
            (TokenRole::Neither, _) => 5,
        };
        // C's rate-limit state is named after the function that prints.
        let allowed = RATELIMITS
            .get(site)
            .is_some_and(|l| l.allow(c"vfio_pci_core_match_token_uuid"));
        if allowed {
            dev_info!(core.dev(), "{}\n", denial.message());
        }
    }

    /// The token of the PF of `core`, if that PF enabled its VFs through us.
    fn token_of_pf(core: &CoreDevice) -> Option<Arc<PfToken>> {
        let physfn = core.physfn_id();
        SRIOV_PFS
            .lock()
            .iter()
            .find(|pf| pf.pdev == physfn)
            .map(|pf| pf.token.clone())
    }

    fn forget_sriov_pf(pdev: usize) {
        SRIOV_PFS.lock().retain(|pf| pf.pdev != pdev);
    }
}

impl VfioPciDriver for VfioPci {
    const NAME: &'static CStr = c"vfio-pci";

    fn init(core: &CoreDevice) -> Result<Self> {
        // Latch the module parameters per device, as C vfio-pci does at init.
        core.set_behaviour(
            params::NOINTXMASK.get(),
            params::DISABLE_IDLE_D3.get(),
            params::disable_vga(),
        );
        let role = if core.is_virtfn() {
            TokenRole::Vf(Self::token_of_pf(core))
        } else if core.is_physfn() {
            TokenRole::Pf(Arc::pin_init(
                new_mutex!(TokenState::new(random_uuid())),
                GFP_KERNEL,
            )?)
        } else {
            TokenRole::Neither
        };
        Ok(VfioPci { role })
    }

    fn open_device(dev: &Device<Self>) -> Result {
        dev.enable()?;
        // C vfio-pci sets up Intel IGD regions here; this driver does not (see README).
        dev.finish_enable();
        if let TokenRole::Vf(Some(token)) = &dev.data().role {
            if token.lock().vf_opened().is_err() {
                dev_warn!(dev.dev(), "VF token user count overflow\n");
            }
        }
        Ok(())
    }

    fn close_device(dev: &Device<Self>) {
        if let TokenRole::Vf(Some(token)) = &dev.data().role {
            if token.lock().vf_closed().is_err() {
                dev_warn!(dev.dev(), "VF token user count underflow\n");
            }
        }
    }

    fn match_name(dev: &Device<Self>, buf: &[u8]) -> Result<bool> {
        // Both are C strings without their NUL: no NUL scan needed.
        match policy::parse_match_cstr(dev.name().to_bytes(), buf) {
            Err(_) => Err(EINVAL),
            Ok(MatchRequest::NoMatch) => Ok(false),
            Ok(MatchRequest::Match { token }) => {
                Self::match_token(dev, token.as_ref().map(|t| &t.0))?;
                Ok(true)
            }
        }
    }

    fn match_token(dev: &Device<Self>, token: Option<&[u8; 16]>) -> Result {
        let given = token.map(|b| Uuid(*b));
        let verdict = match &dev.data().role {
            TokenRole::Pf(pf) => policy::check_token(Role::Pf(&mut pf.lock()), given.as_ref()),
            // As C: a missing token is refused before the PF's lock is taken.
            TokenRole::Vf(Some(pf)) => policy::vf_token_given(given.as_ref())
                .and_then(|()| policy::check_token(Role::VfOfOurPf(&pf.lock()), given.as_ref())),
            TokenRole::Vf(None) => policy::check_token(Role::VfOfForeignPf, given.as_ref()),
            TokenRole::Neither => policy::check_token(Role::Neither, given.as_ref()),
        };
        verdict.map_err(|denial| {
            Self::log_denial(dev, &dev.data().role, denial);
            Error::from_errno(denial.errno())
        })
    }

    // Inlined into the ops trampoline: this is every VFIO_DEVICE_FEATURE call's path.
    #[inline]
    fn device_feature(
        dev: &Device<Self>,
        flags: u32,
        arg: UserPtr,
        argsz: usize,
    ) -> Option<Result<i32>> {
        if flags & VFIO_DEVICE_FEATURE_MASK != VFIO_DEVICE_FEATURE_PCI_VF_TOKEN {
            return None;
        }
        let TokenRole::Pf(token) = &dev.data().role else {
            return Some(Err(ENOTTY));
        };
        // SET only: a GET could hand out the token of the previous user.
        Some(
            match policy::check_feature_set(flags, argsz, policy::VF_TOKEN_FEATURE_MINSZ) {
                Err(e) => Err(Error::from_errno(e.errno())),
                Ok(policy::FeatureStep::Probed) => Ok(0),
                Ok(policy::FeatureStep::Proceed) => {
                    // Copied whole before the lock: a faulting copy leaves the token as it was.
                    let mut reader = UserSlice::new(arg, policy::VF_TOKEN_FEATURE_MINSZ).reader();
                    reader.read::<[u64; 2]>().map(|words| {
                        token.lock().set(Uuid::from_ne_words(words));
                        0
                    })
                }
            },
        )
    }
}

impl PciVfioDriver for VfioPci {
    const ATTR_NAME: &'static CStr = c"vf_token_users";

    fn probe_allowed(pdev: &pci::Device) -> Result {
        let (vendor, device) = (pdev.vendor_id().as_raw(), pdev.device_id());
        if !denylist::in_denylist(vendor, device) {
            return Ok(());
        }
        if params::DISABLE_DENYLIST.get() {
            dev_warn!(
                pdev.as_ref(),
                "device denylist disabled - allowing device {:04x}:{:04x}.\n",
                vendor,
                device
            );
            return Ok(());
        }
        dev_warn!(
            pdev.as_ref(),
            "{:04x}:{:04x} exists in vfio-pci device denylist, driver probing disallowed.\n",
            vendor,
            device
        );
        Err(EINVAL)
    }

    fn probed(_dev: &Device<Self>) {}

    fn removed(dev: &Device<Self>) {
        if let TokenRole::Pf(token) = &dev.data().role {
            Self::forget_sriov_pf(dev.pdev_id());
            // Unregistering disabled SR-IOV and waited for every VF user to close (C checks
            // the same with a WARN_ON in vfio_pci_vf_uninit()).
            let users = token.lock().users();
            if users != 0 {
                dev_warn!(
                    dev.dev(),
                    "PF removed while {} VF user(s) hold its VF token\n",
                    users
                );
            }
        }
    }

    fn sriov_configure(dev: &Device<Self>, nr_virtfn: i32) -> Result<i32> {
        if !params::ENABLE_SRIOV.get() {
            return Err(ENOENT);
        }
        let TokenRole::Pf(token) = &dev.data().role else {
            return dev.sriov_configure(nr_virtfn);
        };
        if nr_virtfn == 0 {
            let ret = dev.sriov_configure(0);
            Self::forget_sriov_pf(dev.pdev_id());
            return ret;
        }
        // Listed before the VFs appear, so that each VF finds its PF's token at init.
        let me = dev.pdev_id();
        let added = {
            let mut pfs = SRIOV_PFS.lock();
            if pfs.iter().any(|pf| pf.pdev == me) {
                false
            } else {
                pfs.push(
                    SriovPf {
                        pdev: me,
                        token: token.clone(),
                    },
                    GFP_KERNEL,
                )?;
                true
            }
        };
        let ret = dev.sriov_configure(nr_virtfn);
        if ret.is_err() && added {
            Self::forget_sriov_pf(me);
        }
        ret
    }

    fn show_attr(dev: &Device<Self>) -> Option<u32> {
        match &dev.data().role {
            TokenRole::Pf(token) => Some(token.lock().users()),
            _ => None,
        }
    }
}
