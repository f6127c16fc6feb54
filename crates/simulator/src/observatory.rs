//! An observatory's own devices: its weather sensor (driven by the weather
//! scenario) and its enclosure, whose shutter opens and closes in time.

use std::sync::Arc;
use std::time::Instant;

use skydeck_astro::coords::Site as AstroSite;
use skynet_protocol::{
    DeviceState, DeviceType, DeviceUid, EnclosureState, ObservatoryUid, ShutterState, TelescopeUid,
};

use crate::clock::{Clock, Now};
use crate::weather::{Held, Scenario};
use crate::world::ObservatoryConfig;

/// The uid of an observatory's device: a version 5 UUID in the observatory
/// uid's namespace, named by its `device_type` (as telescopes' devices are).
pub fn observatory_device_uid(observatory: &ObservatoryUid, device_type: &DeviceType) -> DeviceUid {
    DeviceUid(crate::telescope::derived_uid(
        &TelescopeUid(observatory.as_str().to_owned()),
        device_type.as_str(),
    ))
}

/// The dome or roof.
#[derive(Debug, Clone)]
pub struct Enclosure {
    /// Where the shutter is headed: open or closed.
    open: bool,
    /// When the current move started and ends.
    start: Instant,
    end: Instant,
}

impl Enclosure {
    /// Open and at rest.
    pub fn new(now: Instant) -> Self {
        Self {
            open: true,
            start: now,
            end: now,
        }
    }

    /// Starts opening (`true`) or closing; a move under way reverses from
    /// where it is. Returns when the move ends; nothing moves when the
    /// shutter is already headed there.
    pub fn move_to(&mut self, open: bool, move_s: f64, now: Instant, clock: &Clock) -> Instant {
        if self.open == open {
            return self.end;
        }
        // The share of the travel already done comes back first.
        let full = clock.real(move_s);
        let done = if now < self.end {
            let total = (self.end - self.start).as_secs_f64().max(1e-9);
            now.saturating_duration_since(self.start).as_secs_f64() / total
        } else {
            1.0
        };
        let back = full.mul_f64(done.clamp(0.0, 1.0));
        self.open = open;
        self.start = now + back - full;
        self.end = now + back;
        self.end
    }

    /// Whether it is open and at rest.
    pub fn is_open(&self, now: Instant) -> bool {
        self.open && now >= self.end
    }

    /// Its snapshot state.
    pub fn state(&self, now: Instant) -> EnclosureState {
        let moving = now < self.end;
        let shutter = match (self.open, moving) {
            (true, true) => ShutterState::Opening,
            (true, false) => ShutterState::Open,
            (false, true) => ShutterState::Closing,
            (false, false) => ShutterState::Closed,
        };
        EnclosureState { shutter, moving }
    }
}

/// One observatory's live state.
pub struct Observatory {
    /// Its settings.
    pub config: ObservatoryConfig,
    /// Its telescopes (indices into the state's telescopes).
    pub telescopes: Vec<usize>,
    /// Where it stands (its first telescope's site), for the Sun.
    pub site: AstroSite,
    /// The weather it lives in.
    pub scenario: Arc<Scenario>,
    /// Weather fields held by the test hook.
    pub held: Held,
    /// The enclosure.
    pub enclosure: Enclosure,
    /// The enclosure's shutter as last logged, to log its changes.
    pub logged_shutter: ShutterState,
    salt: u64,
    started: Instant,
}

/// An observatory device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservatoryDevice {
    /// The weather sensor.
    Weather,
    /// The enclosure.
    Enclosure,
}

impl ObservatoryDevice {
    /// Both, in snapshot order.
    pub const ALL: [ObservatoryDevice; 2] = [Self::Weather, Self::Enclosure];

    /// Its protocol type.
    pub fn device_type(self) -> DeviceType {
        match self {
            Self::Weather => DeviceType::WeatherSensor,
            Self::Enclosure => DeviceType::Enclosure,
        }
    }
}

impl Observatory {
    /// Open, in the scenario's weather from `now` on.
    pub fn new(
        config: ObservatoryConfig,
        telescopes: Vec<usize>,
        site: AstroSite,
        scenario: Arc<Scenario>,
        now: Instant,
    ) -> Self {
        let salt = config
            .observatory_uid
            .as_str()
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(7) ^ u64::from(b));
        Self {
            config,
            telescopes,
            site,
            scenario,
            held: Held::default(),
            enclosure: Enclosure::new(now),
            logged_shutter: ShutterState::Open,
            salt,
            started: now,
        }
    }

    /// Its uid.
    pub fn uid(&self) -> &ObservatoryUid {
        &self.config.observatory_uid
    }

    /// Its name for people.
    pub fn name(&self) -> String {
        self.config
            .name
            .clone()
            .unwrap_or_else(|| format!("observatory {}", self.uid()))
    }

    /// The weather now.
    pub fn weather(&self, now: &Now, clock: &Clock) -> skynet_protocol::WeatherState {
        let t = clock.sim_since(self.started, now.at);
        self.scenario.sample(t, self.salt, &self.held)
    }

    /// A device's state now.
    pub fn device_state(&self, device: ObservatoryDevice, now: &Now, clock: &Clock) -> DeviceState {
        match device {
            ObservatoryDevice::Weather => DeviceState::Weather(self.weather(now, clock)),
            ObservatoryDevice::Enclosure => DeviceState::Enclosure(self.enclosure.state(now.at)),
        }
    }
}

impl crate::sim::Simulator {
    /// Holds weather fields at a value over the scenario (`None` returns
    /// a field to it), at one observatory or (`None`) every one: the test
    /// hook. Errs for an unknown observatory.
    pub fn hold_weather(
        &self,
        observatory: Option<&ObservatoryUid>,
        changes: &[(&'static str, Option<serde_json::Value>)],
    ) -> Result<usize, String> {
        self.with(|st, _, _| {
            let mut held = 0;
            for o in &mut st.observatories {
                if observatory.is_none_or(|uid| uid == o.uid()) {
                    o.held.apply(changes);
                    held += 1;
                }
            }
            match (held, observatory) {
                (0, Some(uid)) => Err(format!("no observatory {uid}")),
                _ => Ok(held),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_enclosure_closes_in_time_and_reverses_from_where_it_is() {
        let clock = Clock::new(10.0);
        let t0 = Instant::now();
        let mut e = Enclosure::new(t0);
        assert_eq!(e.state(t0).shutter, ShutterState::Open);
        let end = e.move_to(false, 60.0, t0, &clock);
        assert_eq!(end - t0, Duration::from_secs(6));
        assert_eq!(
            e.state(t0 + Duration::from_secs(3)).shutter,
            ShutterState::Closing
        );
        assert_eq!(e.state(end).shutter, ShutterState::Closed);
        // Reversed half way, it takes half the time to open again.
        let mut e = Enclosure::new(t0);
        e.move_to(false, 60.0, t0, &clock);
        let mid = t0 + Duration::from_secs(3);
        let back = e.move_to(true, 60.0, mid, &clock);
        assert_eq!(back - mid, Duration::from_secs(3));
        assert_eq!(e.state(mid).shutter, ShutterState::Opening);
        assert!(e.is_open(back));
    }
}
