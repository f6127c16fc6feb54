//! The sky view: an alt/az dome with the mount's live pointing, its target,
//! the slew path as it happens (and an offset pattern as it plays), the Sun
//! and the Moon, the horizon and the observer's altitude limit. Click the sky
//! to fill the mount's target with that point.

use leptos::prelude::*;
use skydeck_astro::coords::{
    equatorial_to_horizontal, horizontal_to_equatorial, precess, Horizontal,
};
use skydeck_astro::time::{julian_date, J2000_JD};

use crate::console::use_console;
use crate::state::display;
use crate::state::plot::svg_points;
use crate::state::safety::{place, resolve};
use crate::state::sky::{offset_arcsec, pattern_plan, Dome, Inset};
use crate::state::time::now_ms;
use skynet_protocol::OffsetPattern;

const SIZE: f64 = 240.0;
const DOME: Dome = Dome {
    cx: SIZE / 2.0,
    cy: SIZE / 2.0,
    r: SIZE / 2.0 - 16.0,
};
/// How far back the drawn slew path reaches.
const TRAIL_MS: f64 = 10.0 * 60_000.0;

fn xy(point: (f64, f64)) -> (String, String) {
    (format!("{:.1}", point.0), format!("{:.1}", point.1))
}

/// The dome of the selected telescope.
#[component]
pub fn SkyView() -> impl IntoView {
    let console = use_console();
    let site = Memo::new(move |_| console.site());
    // Sun and Moon move slowly: every 10 s is plenty.
    let tick = Memo::new(move |_| (console.now.get() / 10_000.0).floor());
    let bodies = Memo::new(move |_| {
        tick.track();
        let site = site.get()?;
        let jd = julian_date(now_ms() / 1000.0);
        let sun = equatorial_to_horizontal(skydeck_astro::sun::sun_position(jd), site, jd);
        let moon = equatorial_to_horizontal(skydeck_astro::moon::moon_position(jd), site, jd);
        Some(((sun.alt_deg, sun.az_deg), (moon.alt_deg, moon.az_deg)))
    });
    let pointing = Memo::new(move |_| {
        console.with_devices(|d| {
            d.mount
                .as_ref()
                .map(|m| (m.value.alt_deg, m.value.az_deg, m.value.slewing))
        })
    });
    // The target changes with a new track, and moves across the sky with
    // the clock: placed once a second, not with every mount snapshot.
    let mount_target =
        Memo::new(move |_| console.with_devices(|d| d.mount.as_ref()?.value.target.clone()));
    let target = Memo::new(move |_| {
        console.now.track();
        let target = mount_target.get()?;
        let site = site.get()?;
        let p = place(resolve(&target).ok()?, site, julian_date(now_ms() / 1000.0));
        Some((p.alt_deg, p.az_deg, display::name(&target.describe())))
    });
    // Where the marks are drawn; each mark is built once and then only
    // moved.
    let pointing_at = Memo::new(move |_| {
        pointing
            .get()
            .and_then(|(alt, az, _)| DOME.project(alt, az))
            .map(xy)
    });
    let target_at = Memo::new(move |_| target.get().and_then(|(alt, az, _)| DOME.project(alt, az)));
    let has_pointing = Memo::new(move |_| pointing_at.with(Option::is_some));
    let has_target = Memo::new(move |_| target_at.with(Option::is_some));
    // The trail is redrawn with the clock, twice a second, not with every
    // snapshot (the pointing mark follows every one).
    let trail = move || {
        let since = console.now.get() - TRAIL_MS;
        untrack(|| {
            console.with_devices(|d| {
                svg_points(
                    d.trail
                        .since(since)
                        .filter_map(|p| DOME.project(p.alt_deg, p.az_deg)),
                )
            })
        })
    };
    let svg = NodeRef::<leptos::svg::Svg>::new();
    let pick = move |ev: leptos::ev::MouseEvent| {
        let (Some(svg), Some(site)) = (svg.get(), site.get_untracked()) else {
            return;
        };
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return;
        }
        let x = (f64::from(ev.client_x()) - rect.left()) * SIZE / rect.width();
        let y = (f64::from(ev.client_y()) - rect.top()) * SIZE / rect.height();
        let Some((alt_deg, az_deg)) = DOME.unproject(x, y) else {
            return;
        };
        let jd = julian_date(now_ms() / 1000.0);
        let of_date = horizontal_to_equatorial(Horizontal { alt_deg, az_deg }, site, jd);
        let j2000 = precess(of_date, jd, J2000_JD);
        console
            .target_request
            .set(Some((j2000.ra_deg, j2000.dec_deg)));
        console.notify(format!(
            "Sky view: target set to alt {alt_deg:.1}°, az {az_deg:.1}° (RA/Dec filled in the mount controls)."
        ));
    };
    let limit = move || DOME.ring(console.limits.with(|l| l.min_altitude_deg));
    let local_horizon = Memo::new(move |_| {
        console
            .telescope()
            .and_then(|t| DOME.horizon_path(&t.local_horizon))
    });
    let caption = move || {
        let mut parts = Vec::new();
        match pointing.get() {
            Some((alt, az, slewing)) => parts.push(format!(
                "Mount at alt {}, az {}{}",
                display::alt(alt, 1),
                display::az(az, 1),
                if slewing { ", slewing" } else { "" }
            )),
            None => parts.push("No mount snapshot yet".to_owned()),
        }
        if let Some((alt, az, name)) = target.get() {
            parts.push(format!(
                "target {name} at alt {}, az {}",
                display::alt(alt, 1),
                display::az(az, 1)
            ));
        }
        if let Some(((sun_alt, _), (moon_alt, _))) = bodies.get() {
            parts.push(format!(
                "Sun {}, Moon {}",
                if sun_alt > 0.0 { "up" } else { "down" },
                if moon_alt > 0.0 { "up" } else { "down" }
            ));
        }
        parts.join("; ")
    };
    let rings = [30.0, 60.0]
        .into_iter()
        .map(|alt| view! { <circle class="ring" cx=DOME.cx cy=DOME.cy r=DOME.ring(alt) /> })
        .collect_view();
    let labels = [("N", 0.0), ("E", 90.0), ("S", 180.0), ("W", 270.0)]
        .into_iter()
        .map(|(label, az)| {
            let a = f64::to_radians(az);
            let (x, y) = (DOME.cx - (DOME.r + 9.0) * a.sin(), DOME.cy - (DOME.r + 9.0) * a.cos() + 3.5);
            view! { <text class="cardinal" x=format!("{x:.1}") y=format!("{y:.1}") text-anchor="middle">{label}</text> }
        })
        .collect_view();
    view! {
        <section class="panel sky" data-testid="sky-panel" aria-labelledby="sky-heading">
            <h2 id="sky-heading">"Sky"</h2>
            <svg
                node_ref=svg
                class="plot sky-dome"
                data-testid="sky-view"
                viewBox=format!("0 0 {SIZE} {SIZE}")
                role="img"
                aria-label="The sky above the telescope: zenith at the centre, north up, east left. Click to set a target."
                on:click=pick
            >
                <circle class="horizon" cx=DOME.cx cy=DOME.cy r=DOME.r />
                {move || local_horizon.get().map(|d| view! {
                    <path class="local-horizon" data-testid="sky-local-horizon" fill-rule="evenodd" d=d>
                        <title>"The telescope's local horizon: the sky it cannot see"</title>
                    </path>
                })}
                {rings}
                <circle class="limit" data-testid="sky-limit" cx=DOME.cx cy=DOME.cy r=limit />
                {labels}
                <polyline class="trail" data-testid="sky-trail" points=trail />
                {move || bodies.get().map(|(sun, moon)| {
                    let sun = DOME.project(sun.0, sun.1).map(|p| {
                        let (x, y) = xy(p);
                        view! { <circle class="sun" data-testid="sky-sun" cx=x cy=y r="7" /> }
                    });
                    let moon = DOME.project(moon.0, moon.1).map(|p| {
                        let (x, y) = xy(p);
                        view! { <circle class="moon" data-testid="sky-moon" cx=x cy=y r="5" /> }
                    });
                    view! { {sun}{moon} }
                })}
                {move || has_target.get().then(|| view! {
                    <path class="target" data-testid="sky-target"
                        d=move || target_at.get().map(|(x, y)| format!("M{:.1} {y:.1} H{:.1} M{x:.1} {:.1} V{:.1}", x - 7.0, x + 7.0, y - 7.0, y + 7.0)) />
                })}
                {move || has_pointing.get().then(|| view! {
                    <circle class="pointing" data-testid="sky-pointing"
                        cx=move || pointing_at.get().map(|p| p.0)
                        cy=move || pointing_at.get().map(|p| p.1) r="4.5" />
                })}
            </svg>
            <p class="caption" data-testid="sky-caption">{caption}</p>
            <PatternInset />
        </section>
    }
}

/// Width of the pattern inset in SVG units.
const INSET: f64 = 160.0;
/// How far back the drawn pattern trail reaches.
const PATTERN_TRAIL_MS: f64 = 2.0 * 60_000.0;

/// While the mount plays an offset pattern: the pattern around its centre,
/// arcseconds across (too small to read on the dome), with the planned path,
/// the path played so far and where the mount is now.
#[component]
fn PatternInset() -> impl IntoView {
    let console = use_console();
    // The pattern and its centre change only with a new track.
    let playing = Memo::new(move |_| {
        console.with_devices(|d| {
            let mount = &d.mount.as_ref()?.value;
            let pattern = mount.offset_pattern.clone()?;
            let centre = resolve(mount.target.as_ref()?).ok()?;
            Some((pattern, centre.ra_deg, centre.dec_deg))
        })
    });
    move || {
        let (pattern, ra, dec) = playing.get()?;
        let centre = skydeck_astro::coords::Equatorial::new(ra, dec);
        let inset = Inset::around(&pattern, INSET);
        let points = move |offsets: &mut dyn Iterator<Item = (f64, f64)>| {
            svg_points(offsets.filter_map(|(e, n)| inset.project(e, n)))
        };
        let plan = points(&mut pattern_plan(&pattern).into_iter());
        // With the clock, as the trail above.
        let played = move || {
            let since = console.now.get() - PATTERN_TRAIL_MS;
            untrack(|| {
                console.with_devices(|d| {
                    points(
                        &mut d
                            .trail
                            .since(since)
                            .map(|p| offset_arcsec(centre, p.ra_deg, p.dec_deg)),
                    )
                })
            })
        };
        let here = move || {
            console.with_devices(|d| {
                let m = &d.mount.as_ref()?.value;
                Some(offset_arcsec(centre, m.ra_deg, m.dec_deg))
            })
        };
        // The mount's mark is built once and then only moved.
        let dot_at = Memo::new(move |_| here().and_then(|(e, n)| inset.project(e, n)).map(xy));
        let has_dot = Memo::new(move |_| dot_at.with(Option::is_some));
        let dot = move || {
            has_dot.get().then(|| {
                view! {
                    <circle class="pointing" data-testid="pattern-pointing"
                        cx=move || dot_at.get().map(|p| p.0)
                        cy=move || dot_at.get().map(|p| p.1) r="4" />
                }
            })
        };
        let caption = move || pattern_caption(&pattern, here(), inset.half_width_arcsec * 2.0);
        let c = INSET / 2.0;
        Some(view! {
            <figure class="pattern-inset" data-testid="sky-pattern">
                <svg class="plot" viewBox=format!("0 0 {INSET} {INSET}") role="img"
                    aria-label="The offset pattern around the target: north up, east left, arcseconds across.">
                    <rect class="horizon" x="0.5" y="0.5" width=INSET - 1.0 height=INSET - 1.0 />
                    <path class="ring" d=format!("M{c} 0 V{INSET} M0 {c} H{INSET}") />
                    <text class="cardinal" x=c y="11" text-anchor="middle">"N"</text>
                    <text class="cardinal" x="4" y=c - 3.0>"E"</text>
                    <polyline class="pattern-plan" data-testid="pattern-plan" points=plan />
                    <polyline class="trail" data-testid="pattern-trail" points=played />
                    <path class="target" d=format!("M{} {c} H{} M{c} {} V{}", c - 6.0, c + 6.0, c - 6.0, c + 6.0) />
                    {dot}
                </svg>
                <figcaption class="caption" data-testid="pattern-caption">{caption}</figcaption>
            </figure>
        })
    }
}

/// The offset pattern's name, and where the mount is in it (arcseconds east
/// and north of the centre) when known; every server value shown bounded.
fn pattern_caption(pattern: &OffsetPattern, here: Option<(f64, f64)>, box_arcsec: f64) -> String {
    let name = match pattern {
        OffsetPattern::Raster(r) => format!(
            "Raster {}×{}, {} steps",
            r.columns,
            r.rows,
            display::arcsec(r.step_arcsec)
        ),
        OffsetPattern::Daisy(d) => {
            format!(
                "Daisy of {} petals, {}",
                d.petals,
                display::arcsec(d.radius_arcsec)
            )
        }
        OffsetPattern::Unknown(u) => format!("Pattern `{}`", display::name(&u.tag)),
    };
    match here {
        Some((e, n)) => format!(
            "{name}: now {} {} and {} {} of the centre; the box is {} across.",
            display::arcsec(e.abs()),
            if e < 0.0 { "west" } else { "east" },
            display::arcsec(n.abs()),
            if n < 0.0 { "south" } else { "north" },
            display::arcsec(box_arcsec)
        ),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skynet_protocol::RasterPattern;

    #[test]
    fn an_absurd_pattern_is_captioned_bounded_and_flagged() {
        let pattern = OffsetPattern::Raster(RasterPattern {
            step_arcsec: 1e308,
            rows: 3,
            columns: 4,
            dwell_s: 10.0,
        });
        let caption = pattern_caption(&pattern, Some((-1e308, 12.0)), 1e308);
        assert!(caption.len() < 200, "{caption}");
        assert!(caption.contains("out of range"), "{caption}");
        assert!(caption.contains("12″ north"), "{caption}");
        let sane = pattern_caption(
            &OffsetPattern::Raster(RasterPattern {
                step_arcsec: 30.0,
                rows: 3,
                columns: 4,
                dwell_s: 10.0,
            }),
            None,
            0.0,
        );
        assert_eq!(sane, "Raster 4×3, 30″ steps");
    }
}
