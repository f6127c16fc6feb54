//! Simulated durations and real time. Device motions, exposures and leases
//! run `time_scale` times faster than written; the sky (sidereal time) stays
//! real, so a pointing is always where that object really is now.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use skynet_protocol::Timestamp;

/// Converts between simulated seconds and real time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    /// A clock running `scale` times faster than real time (`scale` > 0).
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self { scale }
    }

    /// The real duration of `sim_seconds` of simulated time.
    pub fn real(&self, sim_seconds: f64) -> Duration {
        Duration::from_secs_f64((sim_seconds / self.scale).clamp(0.0, 1e9))
    }

    /// Simulated seconds elapsed since `since`.
    pub fn sim_since(&self, since: Instant, now: Instant) -> f64 {
        now.saturating_duration_since(since).as_secs_f64() * self.scale
    }
}

/// The Julian date of a wall-clock instant.
pub fn julian_date(at: SystemTime) -> f64 {
    let unix = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    skydeck_astro::time::julian_date(unix)
}

/// An RFC 3339 timestamp with milliseconds, UTC.
pub fn timestamp(at: SystemTime) -> Timestamp {
    Timestamp(humantime::format_rfc3339_millis(at).to_string())
}

/// The wall-clock instant matching a monotonic one.
pub fn wall(at: Instant, now: Instant, wall_now: SystemTime) -> SystemTime {
    if at >= now {
        wall_now + (at - now)
    } else {
        wall_now - (now - at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_shortens_durations() {
        let clock = Clock::new(20.0);
        assert_eq!(clock.real(10.0), Duration::from_millis(500));
        let t0 = Instant::now();
        assert!((clock.sim_since(t0, t0 + Duration::from_secs(1)) - 20.0).abs() < 1e-9);
        assert_eq!(Clock::new(-3.0).real(2.0), Duration::from_secs(2));
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_764_000_000_123);
        assert_eq!(timestamp(t).0, "2025-11-24T16:00:00.123Z");
    }
}

/// One instant read from both clocks, so that everything computed for a
/// tick agrees on what "now" is.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// Monotonic time, for motions.
    pub at: Instant,
    /// Wall-clock time, for the sky and timestamps.
    pub wall: SystemTime,
}

impl Now {
    /// Reads both clocks.
    pub fn read() -> Self {
        Self {
            at: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// The Julian date now.
    pub fn jd(&self) -> f64 {
        julian_date(self.wall)
    }

    /// The Julian date at another monotonic instant.
    pub fn jd_at(&self, at: Instant) -> f64 {
        julian_date(wall(at, self.at, self.wall))
    }

    /// The RFC 3339 timestamp now.
    pub fn timestamp(&self) -> Timestamp {
        timestamp(self.wall)
    }

    /// The RFC 3339 timestamp of another monotonic instant.
    pub fn timestamp_at(&self, at: Instant) -> Timestamp {
        timestamp(wall(at, self.at, self.wall))
    }
}
