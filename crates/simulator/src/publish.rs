//! Device publishing: when a device's snapshot goes out, and the
//! instrument snapshot computed from the devices.

use std::sync::Arc;
use std::time::{Duration, Instant};

use skynet_protocol::{
    DeviceSnapshot, DeviceState, InstrumentSnapshot, InstrumentState, InstrumentType, InstrumentUid,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
use crate::observatory::{observatory_device_uid, ObservatoryDevice};
use crate::sim::State;
use crate::telescope::{derived_uid, Device};

/// The minimum interval between snapshots of a device in motion.
pub const ACTIVE_INTERVAL: Duration = Duration::from_millis(90);
/// The interval of snapshots of a device at rest (also the freshness beat).
pub const IDLE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub(crate) struct Retained {
    pub(crate) snapshot: Arc<DeviceSnapshot>,
    pub(crate) at: Instant,
}

impl State {
    /// Publishes the instrument's autofocus progress.
    pub fn publish_instrument(&mut self, telescope: usize, now: &Now) {
        let t = &self.telescopes[telescope];
        let snapshot = Arc::new(InstrumentSnapshot {
            instrument_uid: InstrumentUid(derived_uid(
                t.uid(),
                InstrumentType::OpticalImager.as_str(),
            )),
            instrument_type: InstrumentType::OpticalImager,
            telescope_uid: t.uid().clone(),
            device_uids: vec![
                Device::Ota.uid(t.uid()),
                Device::Camera.uid(t.uid()),
                Device::FilterWheel.uid(t.uid()),
            ],
            observed_at: now.timestamp(),
            state: InstrumentState {
                busy: t.busy.contains_key(&Device::Camera)
                    || t.autofocus.as_ref().is_some_and(|af| af.running),
                autofocus: t.autofocus.clone(),
            },
        });
        self.instruments.insert(t.uid().clone(), snapshot.clone());
        self.emit(Event::Instrument(snapshot));
    }
}

/// Publishes a telescope device's snapshot when it is due (see
/// [`publish_snapshot_if_due`]).
pub(crate) fn publish_if_due(
    st: &mut State,
    tel: usize,
    device: Device,
    forced: Option<Duration>,
    now: &Now,
    clock: &Clock,
) {
    let t = &st.telescopes[tel];
    let snapshot = DeviceSnapshot {
        device_uid: device.uid(t.uid()),
        device_type: device.device_type(),
        telescope_uid: Some(t.uid().clone()),
        observatory_uid: t.config.observatory_uid.clone(),
        observed_at: now.timestamp(),
        state: t.device_state(device, now, clock),
    };
    publish_snapshot_if_due(st, snapshot, forced, now);
}

/// Publishes an observatory device's snapshot when it is due.
pub(crate) fn publish_observatory_if_due(
    st: &mut State,
    observatory: usize,
    device: ObservatoryDevice,
    forced: Option<Duration>,
    now: &Now,
    clock: &Clock,
) {
    let o = &st.observatories[observatory];
    let snapshot = DeviceSnapshot {
        device_uid: observatory_device_uid(o.uid(), &device.device_type()),
        device_type: device.device_type(),
        telescope_uid: None,
        observatory_uid: Some(o.uid().clone()),
        observed_at: now.timestamp(),
        state: o.device_state(device, now, clock),
    };
    publish_snapshot_if_due(st, snapshot, forced, now);
}

/// Publishes a device's snapshot when it is due: on change (at most every
/// [`ACTIVE_INTERVAL`] while in motion or, for a weather sensor, whenever it
/// reads something new), at least every [`IDLE_INTERVAL`], and whenever
/// `forced` has passed since the last one.
fn publish_snapshot_if_due(
    st: &mut State,
    snapshot: DeviceSnapshot,
    forced: Option<Duration>,
    now: &Now,
) {
    let due = match st.retained.get(&snapshot.device_uid) {
        None => true,
        Some(prev) => {
            let since = now.at.saturating_duration_since(prev.at);
            let active = is_active(&snapshot.state) || is_active(&prev.snapshot.state);
            since >= IDLE_INTERVAL
                || forced.is_some_and(|f| since >= f)
                || (active && since >= ACTIVE_INTERVAL && prev.snapshot.state != snapshot.state)
        }
    };
    if !due {
        return;
    }
    let snapshot = Arc::new(snapshot);
    st.retained.insert(
        snapshot.device_uid.clone(),
        Retained {
            snapshot: snapshot.clone(),
            at: now.at,
        },
    );
    st.emit(Event::Device(snapshot));
}

/// A device in motion, whose snapshots go out at the fast rate.
fn is_active(state: &DeviceState) -> bool {
    match state {
        DeviceState::Mount(m) => m.slewing || m.offset_pattern.is_some(),
        DeviceState::Focuser(f) => f.moving,
        DeviceState::Camera(c) => c.exposure_state != skynet_protocol::ExposureState::Idle,
        DeviceState::FilterWheel(w) => w.moving,
        DeviceState::Rotator(r) => r.moving,
        DeviceState::Enclosure(e) => e.moving,
        // Readings change on their own: each change goes out (rounded to
        // tenths, they change every few seconds at most at time scale 1).
        DeviceState::Weather(_) => true,
        DeviceState::Ota(_) | DeviceState::Other(_) => false,
    }
}
