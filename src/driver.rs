// SPDX-License-Identifier: GPL-2.0

//! Layer 3, the driver: vfio-pci's probe/remove/sriov_configure and the device ops that carry
//! the VF token. Safe code only: wiring between the token policy and the safe layer.

// Safe code only: the compiler holds it (unsafe code lives in `abstractions`). The one
// exception is the exported id table below.
#![deny(unsafe_code)]

use crate::abstractions::printk::RateLimit;
use crate::policy::{self, MatchRequest, Role, Uuid};
use crate::vfio::pci::{self as vfio_pci, CoreDevice, Device};
use crate::vfio::pci::{DeviceId, IdTable, IdTableRef, ANY};
use crate::vfio::uapi::{VFIO_DEVICE_FEATURE_MASK, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN};
use crate::{denylist, params};
use kernel::{device, pci, prelude::*, str::CStr, uaccess::UserSlice};

/// The call sites of C's `pci_info_ratelimited()` in `vfio_pci_core_match_token_uuid()`, each
/// with its own rate limit.
#[derive(Clone, Copy)]
enum Site {
    VfPfNotBound,
    VfRequired,
    VfIncorrect,
    PfRequired,
    PfIncorrect,
    NotPfOrVf,
}

const SITES: usize = Site::NotPfOrVf as usize + 1;

/// The rate limits of the token log lines, indexed by `Site`.
static RATELIMITS: [RateLimit; SITES] = [const { RateLimit::new() }; SITES];

/// Sets up the driver's global state; call once, before registering the driver.
pub(crate) fn init_globals() {
    for limit in &RATELIMITS {
        limit.init();
    }
}

/// vfio-pci's per-device data: none. The VF token is vfio_pci_core's (`CoreDevice::vf_token`),
/// the one C variant drivers check VFs against and in which the core counts open VFs.
pub(crate) struct VfioPci;

impl VfioPci {
    /// Logs a refusal like C's `pci_info_ratelimited()` at `site`.
    fn log_denial(core: &CoreDevice, site: Site, denial: policy::Denial) {
        // C's rate-limit state is named after the function that prints.
        let allowed = RATELIMITS
            .get(site as usize)
            .is_some_and(|l| l.allow(c"vfio_pci_core_match_token_uuid"));
        if allowed {
            dev_info!(core.dev(), "{}\n", denial.message());
        }
    }

    /// C's `vfio_pci_core_match_token_uuid()` with the rules of `policy`: the verdict, and the
    /// call site that logs a refusal. Logging is left to the caller, after the token's lock.
    fn check(core: &CoreDevice, given: Option<&Uuid>) -> Result<(), (Site, policy::Denial)> {
        let at = |pf_site: bool| {
            move |d: policy::Denial| {
                let site = match (pf_site, d) {
                    (false, policy::Denial::TokenRequired) => Site::VfRequired,
                    (false, _) => Site::VfIncorrect,
                    (true, policy::Denial::TokenRequired) => Site::PfRequired,
                    (true, _) => Site::PfIncorrect,
                };
                (site, d)
            }
        };
        if core.is_virtfn() {
            let Some(token) = core.pf_vf_token() else {
                return policy::check_token(Role::VfOfForeignPf, given)
                    .map_err(|d| (Site::VfPfNotBound, d));
            };
            // As C: a missing token is refused before the PF's lock is taken.
            policy::vf_token_given(given)
                .and_then(|()| {
                    let pf_token = Uuid(*token.lock().uuid());
                    policy::check_token(Role::VfOfOurPf(&pf_token), given)
                })
                .map_err(at(false))
        } else if let Some(token) = core.vf_token() {
            let mut token = token.lock();
            let vf_users = token.users();
            // The rules read the token and may set it (a PF opened with a token while no VF
            // is open): on a copy, stored back under the same lock.
            let mut pf_token = Uuid(*token.uuid());
            let verdict = policy::check_token(
                Role::Pf {
                    token: &mut pf_token,
                    vf_users,
                },
                given,
            );
            *token.uuid() = pf_token.0;
            verdict.map_err(at(true))
        } else {
            policy::check_token(Role::Neither, given).map_err(|d| (Site::NotPfOrVf, d))
        }
    }
}

/// The driver's name, C's.
pub(crate) const NAME: &CStr = c"vfio-pci";

/// The id table: match every device, but only through `driver_override`
/// (`PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID)`).
///
/// Named as C's `MODULE_DEVICE_TABLE(pci, vfio_pci_table)` names it, so that modpost finds
/// it and gives the module C's `alias=vfio_pci:v*d*sv*sd*bc*sc*i*` (depmod puts it in
/// modules.alias, where libvirt looks for a vfio variant driver).
// `export_name` is unsafe code to the compiler (it could clash with another symbol): the name
// is the one modpost reads, unique per module.
#[allow(unsafe_code)]
#[export_name = "__mod_device_table__kmod_vfio_pci__pci__vfio_pci_table"]
static VFIO_PCI_TABLE: IdTable<1> = IdTable::new([DeviceId::vfio_override(ANY, ANY)]);

#[vtable]
impl vfio_pci::Driver for VfioPci {
    const NAME: &'static CStr = NAME;
    const ID_TABLE: IdTableRef = VFIO_PCI_TABLE.as_ref();
    const ATTR_NAME: &'static CStr = c"vf_token_users";

    fn init(core: &CoreDevice<vfio_pci::Init>) -> impl PinInit<Self, Error> {
        // Latch the module parameters per device, as C vfio-pci does at init.
        core.set_nointxmask(params::NOINTXMASK.get());
        core.set_disable_idle_d3(params::DISABLE_IDLE_D3.get());
        core.set_disable_vga(params::disable_vga());
        Ok(VfioPci)
    }

    fn open_device(dev: vfio_pci::Opening<'_, Self>) -> Result<vfio_pci::Opened<'_>> {
        let enabled = dev.enable()?;
        // C vfio-pci sets up Intel IGD regions here; this driver does not (see README).
        // Finishing also counts an open VF in its PF's token (the core's count).
        Ok(enabled.finish_enable())
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
        Self::check(dev, given.as_ref()).map_err(|(site, denial)| {
            Self::log_denial(dev, site, denial);
            Error::from_errno(denial.errno())
        })
    }

    // Inlined into the ops trampoline: this is every VFIO_DEVICE_FEATURE call's path.
    #[inline]
    fn device_feature(dev: &Device<Self>, feature: vfio_pci::Feature<'_>) -> Result<i32> {
        let flags = feature.flags();
        if flags & VFIO_DEVICE_FEATURE_MASK != VFIO_DEVICE_FEATURE_PCI_VF_TOKEN {
            return feature.pass_to_core();
        }
        let Some(token) = dev.vf_token() else {
            return Err(ENOTTY);
        };
        // SET only: a GET could hand out the token of the previous user.
        match policy::check_feature_set(flags, feature.argsz(), policy::VF_TOKEN_FEATURE_MINSZ) {
            Err(e) => Err(Error::from_errno(e.errno())),
            Ok(policy::FeatureStep::Probed) => Ok(0),
            Ok(policy::FeatureStep::Proceed) => {
                // Copied whole before the lock: a faulting copy leaves the token as it was.
                let mut reader =
                    UserSlice::new(feature.arg(), policy::VF_TOKEN_FEATURE_MINSZ).reader();
                let words = reader.read::<[u64; 2]>()?;
                *token.lock().uuid() = Uuid::from_ne_words(words).0;
                Ok(0)
            }
        }
    }

    fn probe_allowed(pdev: &pci::Device<device::Core<'_>>) -> Result {
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

    fn sriov_configure(dev: &Device<Self, vfio_pci::DeviceLocked>, nr_virtfn: i32) -> Result<i32> {
        if !params::ENABLE_SRIOV.get() {
            return Err(ENOENT);
        }
        dev.sriov_configure(nr_virtfn)
    }

    fn show_attr(dev: &Device<Self>) -> Option<i32> {
        dev.vf_token().map(|token| token.lock().users())
    }

    /// On PFs only, the devices the core makes a VF token for.
    fn attr_visible(dev: &Device<Self>) -> bool {
        dev.is_physfn()
    }
}
