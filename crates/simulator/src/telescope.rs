//! A telescope's live state and the devices it is made of.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use skydeck_astro::coords::Site as AstroSite;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::{
    AutofocusProgress, CommandId, ControlAuthority, DeviceState, DeviceType, DeviceUid, ManualMode,
    OtaState, TelescopeLogEntry, TelescopeUid,
};

use crate::authority::Lease;
use crate::clock::{Clock, Now};
use crate::devices::{Camera, FilterWheel, Focuser, Rotator};
use crate::mount::Mount;
use crate::world::TelescopeConfig;

/// A device of a telescope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    /// The mount.
    Mount,
    /// The camera (also the imaging instrument).
    Camera,
    /// The focuser.
    Focuser,
    /// The filter wheel.
    FilterWheel,
    /// The instrument rotator.
    Rotator,
    /// The optical tube assembly.
    Ota,
}

/// The uid of a part of a telescope that the world file does not name (a
/// device, the imager): a version 5 UUID with the telescope's uid as the
/// namespace and `role` (the device or instrument type, as sent) as the name,
/// so it is a UUID, the same on every run, and different on every telescope.
pub fn derived_uid(telescope: &TelescopeUid, role: &str) -> String {
    // The world check makes every telescope uid a UUID; a uid that is not one
    // still gets a stable UUID of its own.
    let namespace = uuid::Uuid::parse_str(telescope.as_str()).unwrap_or_else(|_| {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, telescope.as_str().as_bytes())
    });
    uuid::Uuid::new_v5(&namespace, role.as_bytes()).to_string()
}

impl Device {
    /// Every device, in snapshot order.
    pub const ALL: [Device; 6] = [
        Device::Ota,
        Device::Mount,
        Device::Camera,
        Device::Focuser,
        Device::FilterWheel,
        Device::Rotator,
    ];

    /// Its protocol type.
    pub fn device_type(self) -> DeviceType {
        match self {
            Self::Mount => DeviceType::Mount,
            Self::Camera => DeviceType::Camera,
            Self::Focuser => DeviceType::Focuser,
            Self::FilterWheel => DeviceType::FilterWheel,
            Self::Rotator => DeviceType::InstrumentRotator,
            Self::Ota => DeviceType::Ota,
        }
    }

    /// Its uid on a telescope: derived from the telescope's and its type.
    pub fn uid(self, telescope: &TelescopeUid) -> DeviceUid {
        DeviceUid(derived_uid(telescope, self.device_type().as_str()))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Mount => "Mount",
            Self::Camera => "Camera",
            Self::Focuser => "Focuser",
            Self::FilterWheel => "Filter wheel",
            Self::Rotator => "Instrument rotator",
            Self::Ota => "Optical tube",
        }
    }
}

/// One telescope's live state.
pub struct Telescope {
    /// Its configuration.
    pub config: TelescopeConfig,
    /// Its site, for the astronomy.
    pub site: AstroSite,
    /// The mount.
    pub mount: Mount,
    /// The camera.
    pub camera: Camera,
    /// The focuser.
    pub focuser: Focuser,
    /// The filter wheel.
    pub wheel: FilterWheel,
    /// The rotator.
    pub rotator: Rotator,
    /// The active lease.
    pub lease: Option<Lease>,
    /// Sustained manual mode, when an owner holds the telescope so.
    pub manual_mode: Option<ManualMode>,
    /// The running or last autofocus.
    pub autofocus: Option<AutofocusProgress>,
    /// Which command holds which device.
    pub busy: HashMap<Device, CommandId>,
    /// The latest log entries (replayed to new subscribers).
    pub logs: VecDeque<Arc<TelescopeLogEntry>>,
    pub(crate) started: Instant,
    /// The shutdown interlock is parking the mount (logged once parked).
    pub parking_for_interlock: bool,
}

impl Telescope {
    pub(crate) fn new(config: TelescopeConfig, now: Instant) -> Self {
        let s = config.site;
        let site = AstroSite::new(s.latitude_deg, s.longitude_deg, s.elevation_m);
        Self {
            mount: Mount::new(config.mount.clone(), site),
            camera: Camera::new(config.camera.clone()),
            focuser: Focuser::new(config.focuser.clone(), now),
            wheel: FilterWheel::new(config.filters.clone()),
            rotator: Rotator::new(config.rotator.clone(), now),
            site,
            // A world file may start it in an owner's sustained manual mode.
            manual_mode: (config.control_authority == Some(ControlAuthority::Manual)).then(|| {
                ManualMode {
                    set_by: config.owner().unwrap_or("owner").to_owned(),
                    since: crate::clock::timestamp(std::time::SystemTime::now()),
                }
            }),
            config,
            lease: None,
            autofocus: None,
            busy: HashMap::new(),
            logs: VecDeque::new(),
            started: now,
            parking_for_interlock: false,
        }
    }

    /// Its uid.
    pub fn uid(&self) -> &TelescopeUid {
        &self.config.telescope_uid
    }

    /// The tube temperature: it drifts slowly through the (simulated) night.
    pub fn temperature_c(&self, now: Instant, clock: &Clock) -> f64 {
        let hours = clock.sim_since(self.started, now) / 3600.0;
        9.0 + 1.5 * (std::f64::consts::TAU * hours / 6.0).cos()
    }

    /// What the protocol validators should know of this telescope.
    pub fn validation_context(&self) -> ValidationContext {
        ValidationContext {
            filters: Some(self.config.filters.clone()),
            focuser_range_um: Some((0.0, self.config.focuser.max_um)),
        }
    }

    /// A device's state now.
    pub fn device_state(&self, device: Device, now: &Now, clock: &Clock) -> DeviceState {
        match device {
            Device::Mount => DeviceState::Mount(self.mount.state(now, clock)),
            Device::Camera => DeviceState::Camera(self.camera.state(now.at)),
            Device::Focuser => DeviceState::Focuser(
                self.focuser
                    .state(now.at, self.temperature_c(now.at, clock)),
            ),
            Device::FilterWheel => DeviceState::FilterWheel(self.wheel.state(now.at)),
            Device::Rotator => DeviceState::Rotator(self.rotator.state(now.at)),
            Device::Ota => {
                let ota = &self.config.ota;
                DeviceState::Ota(OtaState::new(ota.focal_length_mm, ota.aperture_mm))
            }
        }
    }

    pub(crate) fn holder(&self) -> Option<&str> {
        self.lease.as_ref().map(|l| l.info.holder.as_str())
    }
}
