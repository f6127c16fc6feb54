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

/// A card frame: title, age, stale state; `body` renders the value, once:
/// its fields follow the snapshot on their own ([`Live::text`]).
#[component]
fn Card<T, F, V>(
    /// The card's title.
    title: &'static str,
    /// The `data-testid`.
    testid: &'static str,
    /// Picks this card's snapshot from the device set.
    pick: F,
    /// Renders the live snapshot.
    body: fn(Live<T>) -> V,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + 'static,
    F: Fn(&DeviceSet) -> Option<Stamped<T>> + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let console = use_console();
    // This device's snapshot: another device's update does not reach the
    // card.
    let snapshot = Memo::new(move |_| console.with_devices(pick));
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
    view! {
        <article class="card snapshot" class:stale=stale data-testid=testid data-stale=move || stale().to_string()>
            <header>
                <h3>{title}</h3>
                <span class="age">{age}</span>
            </header>
            {move || present.get().then(|| body(Live(snapshot)))}
        </article>
    }
}

/// A card's snapshot as it changes.
struct Live<T: Send + Sync + 'static>(Memo<Option<Stamped<T>>>);

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T: PartialEq + Send + Sync + 'static> Live<T> {
    /// A text that follows one field of the snapshot. A `Signal` and a
    /// function pointer, so that every row shares one rendering of a
    /// reactive text rather than compiling its own.
    fn text(self, field: fn(&T) -> String) -> Signal<String> {
        Signal::derive(move || {
            self.0
                .with(|s| s.as_ref().map(|s| field(&s.value)))
                .unwrap_or_default()
        })
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
            pick=|d: &DeviceSet| d.mount.clone()
            body=|m| view! {
                <dl>
                    {row("RA", m.text(|m| display::ra(m.ra_deg)), "live-mount-ra")}
                    {row("Dec", m.text(|m| display::dec(m.dec_deg)), "live-mount-dec")}
                    {row("Alt", m.text(|m| display::alt(m.alt_deg, 2)), "live-mount-alt")}
                    {row("Az", m.text(|m| display::az(m.az_deg, 2)), "live-mount-az")}
                    {row("Slewing", m.text(|m| yes_no(m.slewing)), "live-mount-slewing")}
                    {row("Tracking", m.text(|m| yes_no(m.tracking)), "live-mount-tracking")}
                    {row("Parked", m.text(|m| yes_no(m.parked)), "live-mount-parked")}
                    {row("Target", m.text(|m| m.target.as_ref().map(|t| display::message(&t.describe())).unwrap_or_else(|| "none".into())), "live-mount-target")}
                </dl>
            }
        />
    }
}

#[component]
fn FocuserCard() -> impl IntoView {
    view! {
        <Card
            title="Focuser"
            testid="snapshot-focuser"
            pick=|d: &DeviceSet| d.focuser.clone()
            body=|f| view! {
                <dl>
                    {row("Position", f.text(|f| display::microns(f.position_um)), "live-focuser-position")}
                    {row("Moving", f.text(|f| yes_no(f.moving)), "live-focuser-moving")}
                    {row("Temperature", f.text(|f| display::celsius(f.temperature_c)), "live-focuser-temperature")}
                </dl>
            }
        />
    }
}

#[component]
fn CameraCard() -> impl IntoView {
    view! {
        <Card
            title="Camera"
            testid="snapshot-camera"
            pick=|d: &DeviceSet| d.camera.clone()
            body=|c| view! {
                <dl>
                    {row("State", c.text(|c| c.exposure_state.to_string()), "live-camera-state")}
                    {row("Sensor", c.text(|c| format!("{}, cooler {}", display::celsius(c.temperature_c), if c.cooler_on { "on" } else { "off" })), "live-camera-temperature")}
                </dl>
                <progress
                    data-testid="live-camera-progress"
                    aria-label="Exposure progress"
                    max="100"
                    value=c.text(|c| (display::progress(c.exposure_progress).0 * 100.0).round().to_string())
                >
                    {c.text(|c| display::progress(c.exposure_progress).1.to_string())}
                </progress>
            }
        />
    }
}

#[component]
fn FilterWheelCard() -> impl IntoView {
    view! {
        <Card
            title="Filter wheel"
            testid="snapshot-filter-wheel"
            pick=|d: &DeviceSet| d.filter_wheel.clone()
            body=|w| view! {
                <dl>
                    {row(
                        "Filter",
                        w.text(|w| {
                            w.current()
                                .map(|s| format!("{} ({})", display::name(&s.name), display::name(&s.filter_id)))
                                .unwrap_or_else(|| format!("slot {}", w.filter_wheel_position_id))
                        }),
                        "live-filter-current",
                    )}
                    {row("Moving", w.text(|w| yes_no(w.moving)), "live-filter-moving")}
                </dl>
            }
        />
    }
}

#[component]
fn RotatorCard() -> impl IntoView {
    view! {
        <Card
            title="Rotator"
            testid="snapshot-rotator"
            pick=|d: &DeviceSet| d.rotator.clone()
            body=|r| view! {
                <dl>
                    {row("Angle", r.text(|r| display::angle(r.angle_deg)), "live-rotator-angle")}
                    {row("Moving", r.text(|r| yes_no(r.moving)), "live-rotator-moving")}
                </dl>
            }
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
            pick=|d: &DeviceSet| d.ota.clone()
            body=|o| view! {
                <dl>
                    {row("Aperture", o.text(|o| display::millimetres(o.aperture_mm)), "live-ota-aperture")}
                    {row("Focal length", o.text(|o| display::millimetres(o.focal_length_mm)), "live-ota-focal-length")}
                    {row("Focal ratio", o.text(|o| display::focal_ratio(o.focal_ratio)), "live-ota-focal-ratio")}
                </dl>
            }
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
    let points = Memo::new(move |_| console.with_devices(pick));
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
    let line = move || {
        points.with(|points| {
            let frame = crate::state::plot::Frame::sparkline(points, 200.0, 40.0, 3.0)?;
            Some(view! { <polyline points=frame.polyline(points) /> })
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
                {line}
            </svg>
        </figure>
    }
}
