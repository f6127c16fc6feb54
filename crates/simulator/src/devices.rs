//! Focuser, rotator, filter wheel and camera, each a motion model evaluated
//! at any instant, so a snapshot is exact whenever it is taken.

use std::time::Instant;

use skynet_protocol::{
    CameraState, ExposureState, FilterSlot, FilterWheelState, FocuserState, RotatorState,
};

use crate::clock::Clock;
use crate::world::{CameraConfig, FocuserConfig, RotatorConfig};

/// A straight move from `from` to `to` between two instants.
#[derive(Debug, Clone, Copy)]
pub struct Motion {
    from: f64,
    to: f64,
    start: Instant,
    end: Instant,
}

impl Motion {
    /// At rest at `value`.
    pub fn at_rest(value: f64, now: Instant) -> Self {
        Self {
            from: value,
            to: value,
            start: now,
            end: now,
        }
    }

    /// From the current value to `to` at `speed` per simulated second.
    pub fn toward(current: f64, to: f64, speed: f64, now: Instant, clock: &Clock) -> Self {
        Self {
            from: current,
            to,
            start: now,
            end: now + clock.real((to - current).abs() / speed),
        }
    }

    /// The value at `now`.
    pub fn value(&self, now: Instant) -> f64 {
        if now >= self.end {
            return self.to;
        }
        let total = (self.end - self.start).as_secs_f64();
        let done = now.saturating_duration_since(self.start).as_secs_f64();
        self.from + (self.to - self.from) * (done / total)
    }

    /// Still moving at `now`.
    pub fn moving(&self, now: Instant) -> bool {
        now < self.end
    }

    /// When the move ends.
    pub fn end(&self) -> Instant {
        self.end
    }

    /// The destination.
    pub fn target(&self) -> f64 {
        self.to
    }

    /// Stops where it is.
    pub fn stop(&mut self, now: Instant) {
        *self = Self::at_rest(self.value(now), now);
    }
}

/// The focuser.
#[derive(Debug, Clone)]
pub struct Focuser {
    /// Its parameters.
    pub config: FocuserConfig,
    /// Its motion.
    pub motion: Motion,
}

impl Focuser {
    /// At its configured start position.
    pub fn new(config: FocuserConfig, now: Instant) -> Self {
        let motion = Motion::at_rest(config.position_um, now);
        Self { config, motion }
    }

    /// Starts a move to `position_um` (clamped to the travel); returns its end.
    pub fn move_to(&mut self, position_um: f64, now: Instant, clock: &Clock) -> Instant {
        let to = position_um.clamp(0.0, self.config.max_um);
        self.motion = Motion::toward(
            self.motion.value(now),
            to,
            self.config.speed_um_s,
            now,
            clock,
        );
        self.motion.end()
    }

    /// Its snapshot state.
    pub fn state(&self, now: Instant, temperature_c: f64) -> FocuserState {
        FocuserState {
            position_um: round_to(self.motion.value(now), 1.0),
            moving: self.motion.moving(now),
            temperature_c: round_to(temperature_c, 0.1),
        }
    }

    /// The best focus at a temperature: it moves in as the tube cools.
    pub fn best_focus_um(&self, temperature_c: f64) -> f64 {
        self.config.best_focus_um + (temperature_c - 10.0) * 18.0
    }
}

/// The instrument rotator.
#[derive(Debug, Clone)]
pub struct Rotator {
    /// Its parameters.
    pub config: RotatorConfig,
    /// Its motion; the angle is unwrapped, reported modulo 360.
    pub motion: Motion,
}

impl Rotator {
    /// At angle 0.
    pub fn new(config: RotatorConfig, now: Instant) -> Self {
        Self {
            config,
            motion: Motion::at_rest(0.0, now),
        }
    }

    /// The angle now, 0 to 360.
    pub fn angle(&self, now: Instant) -> f64 {
        self.motion.value(now).rem_euclid(360.0)
    }

    /// Starts a move by `delta_deg`; returns its end.
    pub fn move_by(&mut self, delta_deg: f64, now: Instant, clock: &Clock) -> Instant {
        let current = self.motion.value(now);
        self.motion = Motion::toward(
            current,
            current + delta_deg,
            self.config.speed_deg_s,
            now,
            clock,
        );
        self.motion.end()
    }

    /// Starts a move to `angle_deg` the shortest way round; returns its end.
    pub fn move_to(&mut self, angle_deg: f64, now: Instant, clock: &Clock) -> Instant {
        let delta = skydeck_astro::coords::wrap_180(angle_deg - self.angle(now));
        self.move_by(delta, now, clock)
    }

    /// Its snapshot state.
    pub fn state(&self, now: Instant) -> RotatorState {
        RotatorState {
            angle_deg: round_to(self.angle(now), 0.01),
            moving: self.motion.moving(now),
        }
    }
}

/// The filter wheel.
#[derive(Debug, Clone)]
pub struct FilterWheel {
    /// Its slots.
    pub slots: Vec<FilterSlot>,
    /// Index into `slots` of the slot in the beam (or leaving it).
    current: usize,
    /// A move under way: the slot index it goes to and when it arrives.
    moving_to: Option<(usize, Instant)>,
}

/// Simulated seconds a wheel needs per slot.
const WHEEL_S_PER_SLOT: f64 = 1.0;

impl FilterWheel {
    /// With the first slot in the beam.
    pub fn new(slots: Vec<FilterSlot>) -> Self {
        Self {
            slots,
            current: 0,
            moving_to: None,
        }
    }

    /// Completes a move that has ended by `now`.
    pub fn settle(&mut self, now: Instant) {
        if let Some((to, end)) = self.moving_to {
            if now >= end {
                self.current = to;
                self.moving_to = None;
            }
        }
    }

    /// The slot in the beam (once settled).
    pub fn current(&self) -> &FilterSlot {
        &self.slots[self.current]
    }

    /// The slot holding a filter.
    pub fn slot_of_filter(&self, filter_id: &str) -> Option<&FilterSlot> {
        self.slots.iter().find(|s| s.filter_id == filter_id)
    }

    /// Starts a move to a slot the shortest way round; returns its end, or
    /// `None` for a slot the wheel does not have.
    pub fn move_to(&mut self, position_id: u32, now: Instant, clock: &Clock) -> Option<Instant> {
        self.settle(now);
        let to = self
            .slots
            .iter()
            .position(|s| s.filter_wheel_position_id == position_id)?;
        let n = self.slots.len();
        let forward = (to + n - self.current) % n;
        let steps = forward.min(n - forward);
        let end = now + clock.real(steps as f64 * WHEEL_S_PER_SLOT);
        self.moving_to = Some((to, end));
        Some(end)
    }

    /// Abandons a move: the wheel stays at the slot it left.
    pub fn stop(&mut self) {
        self.moving_to = None;
    }

    /// Its snapshot state.
    pub fn state(&self, now: Instant) -> FilterWheelState {
        let moving = self.moving_to.is_some_and(|(_, end)| now < end);
        let shown = match self.moving_to {
            Some((to, end)) if now >= end => to,
            _ => self.current,
        };
        FilterWheelState {
            filter_wheel_position_id: self.slots[shown].filter_wheel_position_id,
            moving,
            slots: self.slots.clone(),
        }
    }
}

/// The camera.
#[derive(Debug, Clone)]
pub struct Camera {
    /// Its parameters.
    pub config: CameraConfig,
    phase: CameraPhase,
}

#[derive(Debug, Clone, Copy)]
enum CameraPhase {
    Idle,
    Exposing {
        start: Instant,
        shutter_closes: Instant,
        readout_ends: Instant,
    },
}

/// Simulated seconds the sensor takes to read out.
pub const READOUT_S: f64 = 0.5;

impl Camera {
    /// Idle and cold.
    pub fn new(config: CameraConfig) -> Self {
        Self {
            config,
            phase: CameraPhase::Idle,
        }
    }

    /// Opens the shutter for `duration_s`; returns when the readout ends.
    pub fn start(&mut self, duration_s: f64, now: Instant, clock: &Clock) -> Instant {
        let shutter_closes = now + clock.real(duration_s);
        let readout_ends = shutter_closes + clock.real(READOUT_S);
        self.phase = CameraPhase::Exposing {
            start: now,
            shutter_closes,
            readout_ends,
        };
        readout_ends
    }

    /// Back to idle (the exposure finished or was aborted).
    pub fn idle(&mut self) {
        self.phase = CameraPhase::Idle;
    }

    /// Its snapshot state.
    pub fn state(&self, now: Instant) -> CameraState {
        let (exposure_state, exposure_progress) = match self.phase {
            CameraPhase::Idle => (ExposureState::Idle, 0.0),
            CameraPhase::Exposing {
                start,
                shutter_closes,
                readout_ends,
            } => {
                if now < shutter_closes {
                    let total = (shutter_closes - start).as_secs_f64().max(1e-9);
                    let done = now.saturating_duration_since(start).as_secs_f64();
                    (
                        ExposureState::Exposing,
                        round_to((done / total).min(1.0), 0.01),
                    )
                } else if now < readout_ends {
                    (ExposureState::ReadingOut, 1.0)
                } else {
                    (ExposureState::Idle, 0.0)
                }
            }
        };
        CameraState {
            exposure_state,
            exposure_progress,
            temperature_c: self.config.temperature_c,
            cooler_on: true,
        }
    }
}

/// Rounds to a multiple of `step`, so snapshots change only when a person
/// would see the difference.
pub fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn slots() -> Vec<FilterSlot> {
        ["L", "R", "G", "B", "Ha"]
            .iter()
            .enumerate()
            .map(|(i, f)| FilterSlot {
                filter_wheel_position_id: i as u32,
                filter_id: (*f).to_owned(),
                name: (*f).to_owned(),
            })
            .collect()
    }

    #[test]
    fn a_motion_interpolates_and_stops_in_place() {
        let clock = Clock::new(1.0);
        let t0 = Instant::now();
        let mut m = Motion::toward(0.0, 100.0, 50.0, t0, &clock);
        assert_eq!(m.end() - t0, Duration::from_secs(2));
        assert!((m.value(t0 + Duration::from_secs(1)) - 50.0).abs() < 1e-9);
        assert!(m.moving(t0 + Duration::from_secs(1)));
        assert_eq!(m.value(t0 + Duration::from_secs(5)), 100.0);
        m.stop(t0 + Duration::from_millis(500));
        assert!((m.value(t0 + Duration::from_secs(9)) - 25.0).abs() < 1e-9);
    }

    #[test]
    fn the_wheel_goes_the_shortest_way_round() {
        let clock = Clock::new(1.0);
        let t0 = Instant::now();
        let mut wheel = FilterWheel::new(slots());
        let end = wheel.move_to(4, t0, &clock).expect("slot 4 exists");
        assert_eq!(
            end - t0,
            Duration::from_secs(1),
            "0 -> 4 of 5 is one step back"
        );
        assert!(wheel.state(t0).moving);
        assert_eq!(wheel.state(end).filter_wheel_position_id, 4);
        assert!(wheel.move_to(9, t0, &clock).is_none());
    }

    #[test]
    fn the_rotator_takes_the_short_way_and_wraps() {
        let clock = Clock::new(1.0);
        let t0 = Instant::now();
        let mut rotator = Rotator::new(RotatorConfig { speed_deg_s: 5.0 }, t0);
        let end = rotator.move_to(350.0, t0, &clock);
        assert_eq!(end - t0, Duration::from_secs(2));
        assert!((rotator.angle(end) - 350.0).abs() < 1e-9);
    }

    #[test]
    fn camera_phases_follow_time() {
        let clock = Clock::new(10.0);
        let t0 = Instant::now();
        let mut camera = Camera::new(CameraConfig {
            width: 100,
            height: 100,
            temperature_c: -10.0,
        });
        let done = camera.start(10.0, t0, &clock);
        assert_eq!(done - t0, Duration::from_millis(1050));
        let mid = camera.state(t0 + Duration::from_millis(500));
        assert_eq!(mid.exposure_state, ExposureState::Exposing);
        assert!((mid.exposure_progress - 0.5).abs() < 0.011);
        assert_eq!(
            camera
                .state(t0 + Duration::from_millis(1020))
                .exposure_state,
            ExposureState::ReadingOut
        );
        assert_eq!(camera.state(done).exposure_state, ExposureState::Idle);
    }
}
