//! Live device snapshots of the selected telescope, each with its age, greyed
//! out when stale (no update for 10 s, or the stream socket down).

use leptos::prelude::*;

use crate::console::use_console;
use crate::state::display;
use crate::state::telemetry::{DeviceSet, Stamped};
use crate::state::time::format_duration;

/// All the device cards.
#[component]
pub fn Snapshots() -> impl IntoView {
    view! {
        <section class="panel snapshots" aria-labelledby="snapshots-heading">
            <h2 id="snapshots-heading">"Live"</h2>
            <MountCard />
            <FocuserCard />
            <CameraCard />
            <FilterWheelCard />
            <RotatorCard />
            <OpticsCard />
            <IncompleteList />
            <Sparkline title="Focuser position (µm)" testid="focuser-sparkline" pick=|d: &DeviceSet| d.focuser_history.points() />
            <Sparkline title="Rotator angle (°)" testid="rotator-sparkline" pick=|d: &DeviceSet| d.rotator_history.points() />
        </section>
    }
}

/// Resources whose deltas came before their whole snapshot: what is known
/// of them is kept, and they are named here until the rest arrives.
#[component]
fn IncompleteList() -> impl IntoView {
    let console = use_console();
    let items = move || {
        console.incomplete.with(|items| {
            items
                .iter()
                .map(|item| {
                    // A device's name from its telescope's list, where known.
                    let name = console.telescopes.with(|t| {
                        t.list().iter().find_map(|t| {
                            t.devices
                                .iter()
                                .find(|d| d.device_uid.as_str() == item.key)
                                .map(|d| d.name.clone())
                                .or_else(|| {
                                    (t.telescope_uid.as_str() == item.key).then(|| t.name.clone())
                                })
                        })
                    });
                    let what = name.map(|n| display::name(&n)).unwrap_or_else(|| {
                        format!("a {} resource", display::id(item.stream.as_str()))
                    });
                    format!(
                        "{what}: incomplete, waiting for the rest ({})",
                        display::message(&item.why)
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <ul class="incomplete" data-testid="incomplete" hidden=move || items().is_empty()>
            {move || items().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
        </ul>
    }
}

/// A device's fields as a card shows them, and when they arrived.
type Texts = Stamped<Vec<String>>;

/// `snapshot`'s fields as texts (`texts` gives them in the card's row
/// order).
fn texts<T>(snapshot: &Option<Stamped<T>>, texts: fn(&T) -> Vec<String>) -> Option<Texts> {
    snapshot.as_ref().map(|s| Stamped {
        value: texts(&s.value),
        received_at: s.received_at,
    })
}

/// A card: title, age, stale state, and one row per field (`rows`: each
/// row's term and `data-testid`, in the order `pick` gives the texts).
/// Built once; the rows' texts follow a memo of this device's texts
/// alone, so another device's update does not reach the card, and one
/// card's code serves every device. With `progress`, the two texts after
/// the rows are an exposure progress bar's value and label.
#[component]
fn Card(
    /// The card's title.
    title: &'static str,
    /// The `data-testid`.
    testid: &'static str,
    /// This card's texts from the device set.
    pick: fn(&DeviceSet) -> Option<Texts>,
    /// Each row's term and `data-testid`.
    rows: &'static [(&'static str, &'static str)],
    /// Whether a progress bar follows the rows.
    #[prop(optional)]
    progress: bool,
) -> impl IntoView {
    let console = use_console();
    let snapshot = Memo::new(move |_| console.with_devices(pick));
    let text = move |i: usize| {
        Signal::derive(move || {
            snapshot
                .with(|s| s.as_ref().and_then(|s| s.value.get(i).cloned()))
                .unwrap_or_default()
        })
    };
    let stale = move || {
        let (now, open) = (console.now.get(), console.stream_state.get().is_open());
        snapshot.with(|s| s.as_ref().is_none_or(|s| s.is_stale(now, open)))
    };
    let age = move || {
        let now = console.now.get();
        snapshot.with(|s| match s {
            Some(s) => format!("{} ago", format_duration(s.age_ms(now))),
            None => "no data".into(),
        })
    };
    let present = Memo::new(move |_| snapshot.with(Option::is_some));
    let body = move || {
        let progress = progress.then(|| {
            view! {
                <progress
                    data-testid="live-camera-progress"
                    aria-label="Exposure progress"
                    max="100"
                    value=text(rows.len())
                >
                    {text(rows.len() + 1)}
                </progress>
            }
        });
        view! {
            <dl>
                {rows
                    .iter()
                    .enumerate()
                    .map(|(i, &(term, testid))| row(term, text(i), testid))
                    .collect_view()}
            </dl>
            {progress}
        }
    };
    view! {
        <article class="card snapshot" class:stale=stale data-testid=testid data-stale=move || stale().to_string()>
            <header>
                <h3>{title}</h3>
                <span class="age">{age}</span>
            </header>
            {move || present.get().then(body)}
        </article>
    }
}

/// A term and its value.
fn row(term: &'static str, value: Signal<String>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="kv">
            <dt>{term}</dt>
            <dd data-testid=testid>{value}</dd>
        </div>
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// The User Timing mark set when the first mount snapshot is on screen
/// (`performance.getEntriesByName`): the benchmark's load figure.
pub const FIRST_MOUNT_MARK: &str = "skydeck:first-mount";

#[component]
fn MountCard() -> impl IntoView {
    let console = use_console();
    // Effects run after the DOM is updated; once marked, it tracks nothing.
    Effect::new(move |marked: Option<bool>| {
        if marked == Some(true) {
            return true;
        }
        let shown = console.with_devices(|d| d.mount.is_some());
        if shown {
            if let Some(performance) = window().performance() {
                let _ = performance.mark(FIRST_MOUNT_MARK);
            }
            console.first_screen.set(true);
        }
        shown
    });
    view! {
        <Card
            title="Mount"
            testid="snapshot-mount"
            pick=|d| texts(&d.mount, |m| vec![
                display::ra(m.ra_deg),
                display::dec(m.dec_deg),
                display::alt(m.alt_deg, 2),
                display::az(m.az_deg, 2),
                yes_no(m.slewing),
                yes_no(m.tracking),
                yes_no(m.parked),
                m.target.as_ref().map(|t| display::message(&t.describe())).unwrap_or_else(|| "none".into()),
            ])
            rows=&[
                ("RA", "live-mount-ra"),
                ("Dec", "live-mount-dec"),
                ("Alt", "live-mount-alt"),
                ("Az", "live-mount-az"),
                ("Slewing", "live-mount-slewing"),
                ("Tracking", "live-mount-tracking"),
                ("Parked", "live-mount-parked"),
                ("Target", "live-mount-target"),
            ]
        />
    }
}

#[component]
fn FocuserCard() -> impl IntoView {
    view! {
        <Card
            title="Focuser"
            testid="snapshot-focuser"
            pick=|d| texts(&d.focuser, |f| vec![
                display::microns(f.position_um),
                yes_no(f.moving),
                display::celsius(f.temperature_c),
            ])
            rows=&[
                ("Position", "live-focuser-position"),
                ("Moving", "live-focuser-moving"),
                ("Temperature", "live-focuser-temperature"),
            ]
        />
    }
}

#[component]
fn CameraCard() -> impl IntoView {
    view! {
        <Card
            title="Camera"
            testid="snapshot-camera"
            pick=|d| texts(&d.camera, |c| {
                let (fraction, shown) = display::progress(c.exposure_progress);
                vec![
                    c.exposure_state.to_string(),
                    format!("{}, cooler {}", display::celsius(c.temperature_c), if c.cooler_on { "on" } else { "off" }),
                    (fraction * 100.0).round().to_string(),
                    shown.to_string(),
                ]
            })
            rows=&[("State", "live-camera-state"), ("Sensor", "live-camera-temperature")]
            progress=true
        />
    }
}

#[component]
fn FilterWheelCard() -> impl IntoView {
    view! {
        <Card
            title="Filter wheel"
            testid="snapshot-filter-wheel"
            pick=|d| texts(&d.filter_wheel, |w| vec![
                w.current()
                    .map(|s| format!("{} ({})", display::name(&s.name), display::name(&s.filter_id)))
                    .unwrap_or_else(|| format!("slot {}", w.filter_wheel_position_id)),
                yes_no(w.moving),
            ])
            rows=&[("Filter", "live-filter-current"), ("Moving", "live-filter-moving")]
        />
    }
}

#[component]
fn RotatorCard() -> impl IntoView {
    view! {
        <Card
            title="Rotator"
            testid="snapshot-rotator"
            pick=|d| texts(&d.rotator, |r| vec![display::angle(r.angle_deg), yes_no(r.moving)])
            rows=&[("Angle", "live-rotator-angle"), ("Moving", "live-rotator-moving")]
        />
    }
}

/// The optical tube: what the camera sees through.
#[component]
fn OpticsCard() -> impl IntoView {
    view! {
        <Card
            title="Optics"
            testid="snapshot-ota"
            pick=|d| texts(&d.ota, |o| vec![
                display::millimetres(o.aperture_mm),
                display::millimetres(o.focal_length_mm),
                display::focal_ratio(o.focal_ratio),
            ])
            rows=&[
                ("Aperture", "live-ota-aperture"),
                ("Focal length", "live-ota-focal-length"),
                ("Focal ratio", "live-ota-focal-ratio"),
            ]
        />
    }
}

/// A small line of a device's recent values, with the range it spans.
#[component]
fn Sparkline(
    /// What is plotted.
    title: &'static str,
    /// The `data-testid`.
    testid: &'static str,
    /// Picks the history from the device set.
    pick: fn(&DeviceSet) -> Vec<(f64, f64)>,
) -> impl IntoView {
    let console = use_console();
    // Redrawn with the clock, twice a second, not with every snapshot: a
    // trend of minutes gains nothing from a redraw per animation frame, and
    // each is a long `points` list rebuilt and parsed.
    let points = Memo::new(move |_| {
        console.now.track();
        untrack(|| console.with_devices(pick))
    });
    // The lowest and highest value, once per change of the history.
    let extent = Memo::new(move |_| {
        points.with(|p| {
            p.iter()
                .map(|(_, v)| *v)
                .fold(None, |range, v| match range {
                    None => Some((v, v)),
                    Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
                })
        })
    });
    // One polyline, its points redrawn as the history changes.
    let line = move || {
        points.with(|points| {
            crate::state::plot::Frame::sparkline(points, 200.0, 40.0, 3.0)
                .map(|frame| frame.polyline(points))
                .unwrap_or_default()
        })
    };
    let range = move || match extent.get() {
        Some((lo, hi)) => format!("{lo:.0} – {hi:.0}, {} points", points.with(Vec::len)),
        None => "no data".to_owned(),
    };
    view! {
        <figure class="card sparkline">
            <figcaption>{title}<span class="age">{range}</span></figcaption>
            <svg viewBox="0 0 200 40" class="plot" data-testid=testid role="img" aria-label=title>
                <polyline points=line />
            </svg>
        </figure>
    }
}
