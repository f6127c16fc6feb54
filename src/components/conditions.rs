//! Whether the sky and the site allow observing: the verdict at a glance,
//! the weather with short trends, each constraint with its threshold, value
//! and since when, the enclosure, the Sun and tonight's twilights; and the
//! banner that spans the page while a safety interlock is active.

use leptos::prelude::*;
use skydeck_astro::twilight::{night, Crossing};
use skynet_protocol::{ShutterState, WeatherState};

use crate::console::use_console;
use crate::state::conditions::{Holds, Verdict};
use crate::state::display;
use crate::state::telemetry::{History, SiteReadings, WeatherTrends};
use crate::state::time::{format_clock, Millis};

/// The active interlock's reason across the page, with since when.
#[component]
pub fn InterlockBanner() -> impl IntoView {
    let console = use_console();
    let interlock = Memo::new(move |_| console.interlock());
    let text = move || {
        interlock.with(|i| {
            i.as_ref().map(|i| {
                let since = display::since(crate::state::time::parse_rfc3339(i.since.as_str()));
                let scope = if i.telescope_uid.is_some() {
                    "This telescope is"
                } else {
                    "The observatory is"
                };
                format!(
                    "{scope} shut down for safety{since}: {}. The mount parks and the enclosure closes; hardware commands wait until it clears.",
                    display::message(&i.reason)
                )
            })
        })
    };
    view! {
        <div class="interlock-banner" data-testid="interlock-banner" role="alert"
            hidden=move || interlock.with(Option::is_none)>
            <strong>"Safety shutdown. "</strong>
            <span data-testid="interlock-reason">{text}</span>
        </div>
    }
}

/// The selected telescope's conditions.
#[component]
pub fn ConditionsPanel() -> impl IntoView {
    let console = use_console();
    let place = Memo::new(move |_| {
        console
            .telescope()
            .map(|t| (t.telescope_uid, t.observatory_uid))
    });
    let verdict = Memo::new(move |_| {
        place.with(|p| match p {
            Some((t, o)) => console.conditions.with(|c| c.verdict(t, o.as_ref())),
            None => Verdict::Unknown,
        })
    });
    let verdict_text = move || match verdict.get() {
        Verdict::Unknown => "No observing conditions reported yet.".to_owned(),
        Verdict::Allowed => "Observing allowed: every condition holds.".to_owned(),
        Verdict::NotAllowed {
            why,
            since,
            failing,
        } => format!(
            "Not observing: {why}{}{}.",
            display::since(since),
            if failing > 1 {
                format!(" ({} conditions fail)", failing)
            } else {
                String::new()
            }
        ),
        Verdict::Interlocked { reason, since } => {
            format!("Safety shutdown{}: {reason}.", display::since(since))
        }
    };
    let rows = Memo::new(move |_| {
        place.with(|p| match p {
            Some((t, o)) => console.conditions.with(|c| c.rows(t, o.as_ref())),
            None => Vec::new(),
        })
    });
    // The readings follow every snapshot; the trends, minutes long, are
    // redrawn with the clock, twice a second (a trend gains nothing from a
    // redraw per snapshot, and each is a `points` list rebuilt and parsed).
    let readings = Memo::new(move |_| {
        place.with(|p| {
            p.as_ref()
                .and_then(|(_, o)| o.as_ref())
                .map(|o| {
                    console
                        .sites
                        .with(|s| s.with_site(o, |d| d.readings.clone()))
                })
                .unwrap_or_default()
        })
    });
    let trends = Memo::new(move |_| {
        console.now.track();
        place.with(|p| {
            p.as_ref()
                .and_then(|(_, o)| o.as_ref())
                .map(|o| untrack(|| console.sites.with(|s| s.with_site(o, |d| d.trends.clone()))))
                .unwrap_or_default()
        })
    });
    view! {
        <section class="panel conditions" aria-labelledby="conditions-heading" data-testid="conditions">
            <h2 id="conditions-heading">"Conditions"</h2>
            <p class="verdict" data-testid="conditions-verdict" data-state=move || verdict.with(Verdict::class)>
                {verdict_text}
            </p>
            <Weather site=readings trends=trends />
            <table class="constraints" data-testid="constraints">
                <caption class="visually-hidden">"Observing constraints"</caption>
                <thead>
                    <tr><th scope="col">"Condition"</th><th scope="col">"Now"</th><th scope="col">"Limit"</th></tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.uid.clone(), r.holds.class(), r.value.clone(), r.since.map(|s| s as i64)) let:row>
                        <tr class=format!("constraint {}", row.holds.class()) data-testid="constraint-row"
                            data-holds=row.holds.class() title=row.message.clone()>
                            <th scope="row">
                                {row.label.clone()}
                                {row.interlock.then(|| view! { <span class="tag" title="A failure shuts the telescope down">" interlock"</span> })}
                                <span class="since">{row.since.map(|at| format!(" since {} UTC", format_clock(at)))}</span>
                            </th>
                            <td class="value">{row.value.clone()}" "
                                <span class="holds">{match row.holds {
                                    Holds::Yes => "✓ holds",
                                    Holds::No => "✗ fails",
                                    Holds::Unknown => "? unknown",
                                }}</span>
                            </td>
                            <td class="limit">{row.limit.clone()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <p class="empty" hidden=move || !rows.with(Vec::is_empty)>"No constraints reported for this telescope."</p>
            <Enclosure site=readings />
            <SunAndTwilight />
        </section>
    }
}

/// The weather sensor's readings, each with its unit and a short trend.
#[component]
fn Weather(site: Memo<SiteReadings>, trends: Memo<WeatherTrends>) -> impl IntoView {
    let console = use_console();
    // Reads one value of the latest weather, without copying the rest.
    let reading = move |pick: &dyn Fn(&WeatherState) -> Option<f64>| {
        site.with(|s| s.weather.as_ref().and_then(|w| pick(&w.value)))
    };
    let reported = move || site.with(|s| s.weather.is_some());
    let stale = move || {
        site.with(|s| {
            s.weather.as_ref().is_none_or(|w| {
                w.is_stale(
                    console.now.get(),
                    console.stream_state.with(|s| s.is_open()),
                )
            })
        })
    };
    let rows = [
        WeatherRow::new(
            "Temperature",
            "weather-temperature",
            |w| w.temperature_c,
            1,
            (-80.0, 70.0),
            " °C",
        )
        .trend(|t| &t.temperature_c),
        WeatherRow::new(
            "Humidity",
            "weather-humidity",
            |w| w.humidity_pct,
            0,
            (0.0, 100.0),
            " %",
        )
        .trend(|t| &t.humidity_pct),
        WeatherRow::new(
            "Dew point",
            "weather-dew-point",
            |w| w.dew_point_c,
            1,
            (-90.0, 60.0),
            " °C",
        ),
        WeatherRow::new(
            "Wind",
            "weather-wind",
            |w| w.wind_speed_m_s,
            1,
            (0.0, 120.0),
            " m/s",
        )
        .trend(|t| &t.wind_speed_m_s),
        WeatherRow::new(
            "Gusts",
            "weather-gust",
            |w| w.wind_gust_m_s,
            1,
            (0.0, 150.0),
            " m/s",
        )
        .trend(|t| &t.wind_gust_m_s),
        WeatherRow::new(
            "Clouds",
            "weather-clouds",
            |w| w.cloud_cover_pct,
            0,
            (0.0, 100.0),
            " %",
        )
        .trend(|t| &t.cloud_cover_pct),
        WeatherRow::new(
            "Pressure",
            "weather-pressure",
            |w| w.pressure_hpa,
            0,
            (300.0, 1100.0),
            " hPa",
        ),
        WeatherRow::new(
            "Sky temperature",
            "weather-sky-temperature",
            |w| w.sky_temperature_c,
            1,
            (-100.0, 50.0),
            " °C",
        ),
        WeatherRow::new(
            "Sky brightness",
            "weather-sky-quality",
            |w| w.sky_quality_mag_arcsec2,
            2,
            (0.0, 25.0),
            " mag/arcsec²",
        ),
    ];
    view! {
        <div class="weather" data-testid="weather" data-stale=move || stale().to_string()>
            <h3>"Weather"</h3>
            <p class="empty" hidden=reported>"No weather sensor reported yet."</p>
            <dl hidden=move || !reported()>
                <div class="reading">
                    <dt>"Rain"</dt>
                    <dd data-testid="weather-rain">{move || match site.with(|s| s.weather.as_ref().and_then(|w| w.value.rain)) {
                        Some(true) => "raining",
                        Some(false) => "dry",
                        None => "—",
                    }}</dd>
                </div>
                {rows.into_iter().map(|row| view! {
                    <div class="reading">
                        <dt>{row.label}</dt>
                        <dd data-testid=row.testid>
                            {move || reading(&row.pick)
                                .map(|v| display::number(v, row.decimals, row.range.0, row.range.1, row.unit).to_string())
                                .unwrap_or_else(|| "—".into())}
                            {row.trend.map(|trend| view! { <Trend trends=trends pick=trend /> })}
                        </dd>
                    </div>
                }).collect_view()}
            </dl>
        </div>
    }
}

/// One weather reading as the panel shows it.
#[derive(Clone, Copy)]
struct WeatherRow {
    label: &'static str,
    testid: &'static str,
    pick: fn(&WeatherState) -> Option<f64>,
    decimals: usize,
    /// What the reading can mean; outside it, flagged.
    range: (f64, f64),
    unit: &'static str,
    trend: Option<fn(&WeatherTrends) -> &History>,
}

impl WeatherRow {
    fn new(
        label: &'static str,
        testid: &'static str,
        pick: fn(&WeatherState) -> Option<f64>,
        decimals: usize,
        range: (f64, f64),
        unit: &'static str,
    ) -> Self {
        Self {
            label,
            testid,
            pick,
            decimals,
            range,
            unit,
            trend: None,
        }
    }

    fn trend(self, trend: fn(&WeatherTrends) -> &History) -> Self {
        Self {
            trend: Some(trend),
            ..self
        }
    }
}

/// A reading's last minutes as a tiny line, and which way it goes.
#[component]
fn Trend(trends: Memo<WeatherTrends>, pick: fn(&WeatherTrends) -> &History) -> impl IntoView {
    let points = Memo::new(move |_| trends.with(|t| pick(t).points()));
    let line = move || {
        points.with(|points| {
            crate::state::plot::Frame::sparkline(points, 60.0, 16.0, 1.0)
                .map(|f| f.polyline(points))
        })
    };
    let direction = move || {
        points.with(|p| match (p.first(), p.last()) {
            (Some((_, a)), Some((_, b))) if p.len() > 2 && (b - a).abs() > f64::EPSILON => {
                if b > a {
                    "rising"
                } else {
                    "falling"
                }
            }
            _ => "steady",
        })
    };
    view! {
        <svg class="trend" viewBox="0 0 60 16" role="img" aria-label=direction data-trend=direction>
            <polyline points=move || line().unwrap_or_default() />
        </svg>
    }
}

/// The dome or roof.
#[component]
fn Enclosure(site: Memo<SiteReadings>) -> impl IntoView {
    let state = move || site.with(|s| s.enclosure.as_ref().map(|e| e.value.clone()));
    let text = move || match state() {
        None => "not reported".to_owned(),
        Some(e) => match e.shutter {
            ShutterState::Open => "open".into(),
            ShutterState::Opening => "opening…".into(),
            ShutterState::Closed => "closed".into(),
            ShutterState::Closing => "closing…".into(),
            ShutterState::Error => "error: check the enclosure".into(),
            ShutterState::Other(other) => display::id(&other),
        },
    };
    view! {
        <p class="enclosure" data-testid="enclosure"
            data-state=move || state().map(|e| e.shutter.as_str().to_owned()).unwrap_or_else(|| "unknown".into())>
            "Enclosure: " <strong data-testid="enclosure-state">{text}</strong>
        </p>
    }
}

/// The Sun's altitude now and tonight's sunset, twilights and sunrise.
#[component]
fn SunAndTwilight() -> impl IntoView {
    let console = use_console();
    // Once a minute is plenty for the Sun.
    let minute = Memo::new(move |_| (console.now.get() / 60_000.0).floor());
    let sky = Memo::new(move |_| {
        let site = console.site()?;
        let unix_s = minute.get() * 60.0;
        let jd = skydeck_astro::time::julian_date(unix_s);
        let sun = skydeck_astro::sun::sun_position(jd);
        let alt = skydeck_astro::coords::equatorial_to_horizontal(sun, site, jd).alt_deg;
        Some((alt, night(site, jd)))
    });
    let clock = |jd: Option<f64>| -> String {
        jd.map(|jd| {
            format!(
                "{} UTC",
                format_clock(skydeck_astro::time::unix_seconds(jd) * 1000.0 as Millis)
            )
        })
        .unwrap_or_else(|| "—".into())
    };
    let row = move |label: &'static str,
                    testid: &'static str,
                    pick: fn(&skydeck_astro::twilight::Night) -> Crossing| {
        view! {
            <tr data-testid=testid>
                <th scope="row">{label}</th>
                <td class="dusk">{move || sky.get().map(|(_, n)| clock(pick(&n).evening)).unwrap_or_default()}</td>
                <td class="dawn">{move || sky.get().map(|(_, n)| clock(pick(&n).morning)).unwrap_or_default()}</td>
            </tr>
        }
    };
    view! {
        <div class="sun" hidden=move || sky.with(Option::is_none)>
            <p>"Sun altitude: " <strong data-testid="sun-altitude">
                {move || sky.get().map(|(alt, _)| display::alt(alt, 1)).unwrap_or_default()}
            </strong></p>
            <table class="twilight" data-testid="twilight">
                <caption>"Tonight"</caption>
                <thead><tr><th></th><th scope="col">"Evening"</th><th scope="col">"Morning"</th></tr></thead>
                <tbody>
                    {row("Sunset / sunrise", "twilight-sun", |n| n.sun)}
                    {row("Civil (−6°)", "twilight-civil", |n| n.civil)}
                    {row("Nautical (−12°)", "twilight-nautical", |n| n.nautical)}
                    {row("Astronomical (−18°)", "twilight-astronomical", |n| n.astronomical)}
                </tbody>
            </table>
        </div>
    }
}
