//! Device publishing: when a device's snapshot goes out, and the
//! instrument snapshot computed from the devices.

use std::sync::Arc;
use std::time::{Duration, Instant};

use skynet_protocol::{
    DeviceSnapshot, DeviceState, InstrumentSnapshot, InstrumentState, InstrumentType, InstrumentUid,
};

use crate::bus::Event;
use crate::clock::{Clock, Now};
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

/// Publishes a device's snapshot when it is due: on change (at most every
/// [`ACTIVE_INTERVAL`] while in motion), at least every [`IDLE_INTERVAL`], and
/// whenever `forced` has passed since the last one.
pub(crate) fn publish_if_due(
    st: &mut State,
    tel: usize,
    device: Device,
    forced: Option<Duration>,
    now: &Now,
    clock: &Clock,
) {
    let t = &st.telescopes[tel];
    let uid = device.uid(t.uid());
    let state = t.device_state(device, now, clock);
    let previous = st.retained.get(&uid);
    let due = match previous {
        None => true,
        Some(prev) => {
            let since = now.at.saturating_duration_since(prev.at);
            let active = is_active(&state) || is_active(&prev.snapshot.state);
            since >= IDLE_INTERVAL
                || forced.is_some_and(|f| since >= f)
                || (active && since >= ACTIVE_INTERVAL && prev.snapshot.state != state)
        }
    };
    if !due {
        return;
    }
    let snapshot = Arc::new(DeviceSnapshot {
        device_uid: uid.clone(),
        device_type: device.device_type(),
        telescope_uid: Some(t.uid().clone()),
        observatory_uid: t.config.observatory_uid.clone(),
        observed_at: now.timestamp(),
        state,
    });
    st.retained.insert(
        uid,
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
        DeviceState::Ota(_) | DeviceState::Weather(_) | DeviceState::Other(_) => false,
    }
}
