//! The mount: an alt-az slew model kept consistent with RA/Dec through the
//! site and sidereal time, tracking that follows the sky, and offset patterns.
//! RA/Dec are J2000 (as catalogs and snapshots give them); alt/az are of date.

use std::time::Instant;

use skydeck_astro::coords::{normalize_deg, precess, wrap_180, Equatorial, Horizontal, Site};
use skydeck_astro::time::J2000_JD;
use skynet_protocol::{MountState, OffsetAxis, OffsetPattern, TargetPosition};

use crate::clock::{Clock, Now};
use crate::devices::round_to;
use crate::world::MountConfig;

/// Where the mount is headed when a slew ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aim {
    /// Stop at this alt/az (mount.point: the target's position when the slew ends).
    Hold(Horizontal),
    /// Track this RA/Dec (the pattern's centre).
    Track(Equatorial),
    /// Park: slew to the park position and stay there.
    Park,
}

#[derive(Debug, Clone, Copy)]
enum Motion {
    Parked(Horizontal),
    Stopped(Horizontal),
    Slewing {
        from: Horizontal,
        to: Horizontal,
        start: Instant,
        end: Instant,
        then: Aim,
    },
    Tracking {
        center: Equatorial,
        since: Instant,
    },
}

/// The parked position: the zenith.
const PARK: Horizontal = Horizontal {
    alt_deg: 90.0,
    az_deg: 0.0,
};

/// J2000 RA/Dec to the alt/az of date: precessed to the equinox of date,
/// as a real mount points.
fn equatorial_to_horizontal(eq: Equatorial, site: Site, jd: f64) -> Horizontal {
    skydeck_astro::coords::equatorial_to_horizontal(precess(eq, J2000_JD, jd), site, jd)
}

/// Alt/az of date to J2000 RA/Dec.
fn horizontal_to_equatorial(h: Horizontal, site: Site, jd: f64) -> Equatorial {
    precess(
        skydeck_astro::coords::horizontal_to_equatorial(h, site, jd),
        jd,
        J2000_JD,
    )
}

/// Shortest slew, simulated seconds (settling).
const MIN_SLEW_S: f64 = 0.2;

/// The mount.
#[derive(Debug, Clone)]
pub struct Mount {
    /// Its parameters.
    pub config: MountConfig,
    site: Site,
    motion: Motion,
    target: Option<TargetPosition>,
    pattern: Option<OffsetPattern>,
}

impl Mount {
    /// Parked at the zenith.
    pub fn new(config: MountConfig, site: Site) -> Self {
        Self {
            config,
            site,
            motion: Motion::Parked(PARK),
            target: None,
            pattern: None,
        }
    }

    /// The site's altitude of a sky position at `now`.
    pub fn horizontal_of(&self, eq: Equatorial, now: &Now) -> Horizontal {
        equatorial_to_horizontal(eq, self.site, now.jd())
    }

    /// Turns a slew that has ended into what it was headed for.
    pub fn settle(&mut self, now: Instant) {
        if let Motion::Slewing { to, end, then, .. } = self.motion {
            if now >= end {
                self.motion = match then {
                    Aim::Hold(_) => Motion::Stopped(to),
                    Aim::Park => Motion::Parked(to),
                    Aim::Track(center) => Motion::Tracking { center, since: end },
                };
            }
        }
    }

    /// The pointing at `now`, in both frames.
    pub fn pointing(&self, now: &Now, clock: &Clock) -> (Equatorial, Horizontal) {
        let jd = now.jd();
        match self.motion {
            Motion::Parked(h) | Motion::Stopped(h) => {
                (horizontal_to_equatorial(h, self.site, jd), h)
            }
            Motion::Slewing {
                from,
                to,
                start,
                end,
                then,
            } => {
                if now.at >= end {
                    match then {
                        Aim::Hold(h) => (horizontal_to_equatorial(h, self.site, jd), h),
                        Aim::Park => (horizontal_to_equatorial(PARK, self.site, jd), PARK),
                        Aim::Track(center) => self.tracked(center, end, now, clock),
                    }
                } else {
                    let f = now.at.saturating_duration_since(start).as_secs_f64()
                        / (end - start).as_secs_f64();
                    let h = Horizontal {
                        alt_deg: from.alt_deg + (to.alt_deg - from.alt_deg) * f,
                        az_deg: normalize_deg(from.az_deg + wrap_180(to.az_deg - from.az_deg) * f),
                    };
                    (horizontal_to_equatorial(h, self.site, jd), h)
                }
            }
            Motion::Tracking { center, since } => self.tracked(center, since, now, clock),
        }
    }

    fn tracked(
        &self,
        center: Equatorial,
        since: Instant,
        now: &Now,
        clock: &Clock,
    ) -> (Equatorial, Horizontal) {
        let (dx, dy) = match &self.pattern {
            Some(pattern) => pattern.offset_arcsec(clock.sim_since(since, now.at)),
            None => (0.0, 0.0),
        };
        let eq = offset(center, dx, dy);
        (eq, equatorial_to_horizontal(eq, self.site, now.jd()))
    }

    /// Starts a slew; returns when it ends. A running slew or track is
    /// superseded from wherever the mount is now.
    pub fn slew(
        &mut self,
        aim: Aim,
        target: Option<TargetPosition>,
        pattern: Option<OffsetPattern>,
        now: &Now,
        clock: &Clock,
    ) -> Instant {
        let (_, from) = self.pointing(now, clock);
        let destination = |at: Instant| match aim {
            Aim::Hold(h) => h,
            Aim::Park => PARK,
            Aim::Track(eq) => equatorial_to_horizontal(eq, self.site, now.jd_at(at)),
        };
        // The destination of a track moves with the sky: aim where the
        // target will be when the slew ends (two passes are plenty).
        let mut end = now.at;
        let mut to = destination(end);
        for _ in 0..2 {
            let degrees = (to.alt_deg - from.alt_deg)
                .abs()
                .max(wrap_180(to.az_deg - from.az_deg).abs());
            end = now.at + clock.real((degrees / self.config.slew_rate_deg_s).max(MIN_SLEW_S));
            to = destination(end);
        }
        self.motion = Motion::Slewing {
            from,
            to,
            start: now.at,
            end,
            then: aim,
        };
        self.target = target;
        self.pattern = pattern;
        end
    }

    /// Where an offset of `delta_arcsec` along `axis` takes the mount: a
    /// track's centre moves with it; otherwise the pointing itself moves.
    pub fn offset_aim(
        &self,
        axis: &OffsetAxis,
        delta_arcsec: f64,
        now: &Now,
        clock: &Clock,
    ) -> Aim {
        let delta = delta_arcsec / 3600.0;
        let jd = now.jd();
        let shift_eq = |eq: Equatorial| match axis {
            OffsetAxis::Ra => offset(eq, delta_arcsec, 0.0),
            OffsetAxis::Dec => offset(eq, 0.0, delta_arcsec),
            _ => {
                let h = shift_horizontal(equatorial_to_horizontal(eq, self.site, jd), axis, delta);
                horizontal_to_equatorial(h, self.site, jd)
            }
        };
        match self.motion {
            Motion::Tracking { center, .. }
            | Motion::Slewing {
                then: Aim::Track(center),
                ..
            } => Aim::Track(shift_eq(center)),
            _ => {
                let (eq, h) = self.pointing(now, clock);
                match axis {
                    OffsetAxis::Alt | OffsetAxis::Az => Aim::Hold(shift_horizontal(h, axis, delta)),
                    _ => Aim::Hold(equatorial_to_horizontal(shift_eq(eq), self.site, jd)),
                }
            }
        }
    }

    /// Slews to the park position (as any slew, in time) and parks there;
    /// returns when it is parked.
    pub fn park(&mut self, now: &Now, clock: &Clock) -> Instant {
        self.slew(Aim::Park, None, None, now, clock)
    }

    /// The mount's lowest altitude at an azimuth: its own limit, or the
    /// local horizon there when that is higher.
    pub fn limit_at(&self, horizon: &[skynet_protocol::HorizonPoint], az_deg: f64) -> f64 {
        skynet_protocol::horizon_altitude(horizon, az_deg)
            .map_or(self.config.min_altitude_deg, |h| {
                h.max(self.config.min_altitude_deg)
            })
    }

    /// Whether the mount is tracking (or slewing to track).
    pub fn is_tracking(&self) -> bool {
        matches!(
            self.motion,
            Motion::Tracking { .. }
                | Motion::Slewing {
                    then: Aim::Track(_),
                    ..
                }
        )
    }

    /// The commanded target.
    pub fn target(&self) -> Option<&TargetPosition> {
        self.target.as_ref()
    }

    /// The pattern being played.
    pub fn pattern(&self) -> Option<&OffsetPattern> {
        self.pattern.as_ref()
    }

    /// Stops where it is (a cancel, or the altitude limit).
    pub fn stop(&mut self, now: &Now, clock: &Clock) {
        let (_, h) = self.pointing(now, clock);
        self.motion = Motion::Stopped(h);
        self.target = None;
        self.pattern = None;
    }

    /// The snapshot state.
    pub fn state(&self, now: &Now, clock: &Clock) -> MountState {
        let (eq, h) = self.pointing(now, clock);
        let slewing = matches!(self.motion, Motion::Slewing { end, .. } if now.at < end);
        MountState {
            ra_deg: round_to(normalize_deg(eq.ra_deg), 1e-5),
            dec_deg: round_to(eq.dec_deg, 1e-5),
            alt_deg: round_to(h.alt_deg, 1e-5),
            az_deg: round_to(normalize_deg(h.az_deg), 1e-5),
            slewing,
            tracking: !slewing && self.is_tracking(),
            parked: matches!(self.motion, Motion::Parked(_)),
            target: self.target.clone(),
            offset_pattern: self.pattern.clone(),
        }
    }
}

/// Moves a position on the sky by `dx` arcsec east (along RA, on the sky)
/// and `dy` arcsec north.
fn offset(eq: Equatorial, dx_arcsec: f64, dy_arcsec: f64) -> Equatorial {
    let dec = (eq.dec_deg + dy_arcsec / 3600.0).clamp(-90.0, 90.0);
    let cos_dec = dec.to_radians().cos().max(1e-6);
    Equatorial::new(normalize_deg(eq.ra_deg + dx_arcsec / 3600.0 / cos_dec), dec)
}

fn shift_horizontal(h: Horizontal, axis: &OffsetAxis, delta_deg: f64) -> Horizontal {
    match axis {
        OffsetAxis::Alt => Horizontal {
            alt_deg: (h.alt_deg + delta_deg).clamp(-90.0, 90.0),
            az_deg: h.az_deg,
        },
        _ => Horizontal {
            alt_deg: h.alt_deg,
            az_deg: normalize_deg(h.az_deg + delta_deg),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lapalma() -> Mount {
        Mount::new(
            MountConfig {
                slew_rate_deg_s: 4.0,
                min_altitude_deg: 10.0,
            },
            Site::new(28.7606, -17.8816, 2396.0),
        )
    }

    fn later(now: &Now, d: Duration) -> Now {
        Now {
            at: now.at + d,
            wall: now.wall + d,
        }
    }

    #[test]
    fn a_track_ends_on_the_target_and_follows_the_sky() {
        let clock = Clock::new(1.0);
        let now = Now::read();
        let mut mount = lapalma();
        let target = Equatorial::new(37.95, 89.26); // Polaris
        let end = mount.slew(Aim::Track(target), None, None, &now, &clock);
        let slew = end - now.at;
        assert!(
            slew > Duration::from_secs(1) && slew < Duration::from_secs(30),
            "{slew:?}"
        );
        let mid = mount.state(&later(&now, slew / 2), &clock);
        assert!(mid.slewing && !mid.tracking);
        let arrived = later(&now, slew);
        mount.settle(arrived.at);
        let state = mount.state(&arrived, &clock);
        assert!(state.tracking && !state.slewing && !state.parked);
        assert!((state.dec_deg - 89.26).abs() < 1e-3, "{state:?}");
        let (_, h_then) = mount.pointing(&arrived, &clock);
        let hour = later(&arrived, Duration::from_secs(3600));
        let (eq_later, h_later) = mount.pointing(&hour, &clock);
        assert!((eq_later.dec_deg - 89.26).abs() < 1e-9);
        assert!(
            (h_later.az_deg - h_then.az_deg).abs() > 1e-3,
            "alt/az follow the sky"
        );
        // The slew path is continuous: the pointing at the end of the slew is the target.
        let (eq_end, _) = mount.pointing(&arrived, &clock);
        assert!((eq_end.ra_deg - 37.95).abs() < 1e-6);
    }

    #[test]
    fn point_holds_alt_az_while_ra_drifts() {
        let clock = Clock::new(10.0);
        let now = Now::read();
        let mut mount = lapalma();
        let h = Horizontal {
            alt_deg: 45.0,
            az_deg: 180.0,
        };
        let end = mount.slew(Aim::Hold(h), None, None, &now, &clock);
        let arrived = later(&now, end - now.at);
        mount.settle(arrived.at);
        let a = mount.state(&arrived, &clock);
        let b = mount.state(&later(&arrived, Duration::from_secs(600)), &clock);
        assert!(!a.tracking && (a.alt_deg - 45.0).abs() < 1e-6);
        assert_eq!((a.alt_deg, a.az_deg), (b.alt_deg, b.az_deg));
        assert!(
            (b.ra_deg - a.ra_deg).abs() > 2.0,
            "10 minutes of sidereal drift is 2.5 degrees"
        );
    }

    #[test]
    fn an_offset_moves_a_track_centre() {
        let clock = Clock::new(1000.0);
        let now = Now::read();
        let mut mount = lapalma();
        mount.slew(
            Aim::Track(Equatorial::new(100.0, 80.0)),
            None,
            None,
            &now,
            &clock,
        );
        let aim = mount.offset_aim(&OffsetAxis::Dec, 36.0, &now, &clock);
        assert_eq!(aim, Aim::Track(Equatorial::new(100.0, 80.01)));
        let Aim::Track(c) = mount.offset_aim(&OffsetAxis::Ra, 36.0, &now, &clock) else {
            panic!("a track stays a track")
        };
        assert!((c.ra_deg - (100.0 + 0.01 / 80f64.to_radians().cos())).abs() < 1e-9);
    }
}
