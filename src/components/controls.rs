//! A control for every hardware command of the reference, each with typed
//! inputs in the payload's units and validation before sending.

use leptos::prelude::*;
use skynet_protocol::{AutofocusStrategy, OffsetAxis};

use crate::components::fields::{submit, submit_checked, TargetFields, TextField};
use crate::console::{use_console, Console};
use crate::state::forms::{
    self, FocusFamily, FormErrors, Nudge, PatternInput, PatternKind, TargetInput, TargetMode,
};

/// Nudges the mount one step (the pad's or a key's); inert, like the
/// disabled pad, while commands cannot be sent.
pub fn nudge(console: Console, nudge: Nudge) {
    if console.command_denied_untracked() {
        return;
    }
    let form = console.nudge_form;
    submit(console, form.errors, |ctx| {
        nudge.command(&form.step.get_untracked(), ctx)
    })
}

/// Exposes with the camera's inputs (the button's or a key's); inert, like
/// the disabled button, while commands cannot be sent.
pub fn expose(console: Console) {
    if console.command_denied_untracked() {
        return;
    }
    let form = console.exposure_form;
    submit(console, form.errors, |ctx| {
        forms::exposure(
            &form.duration.get_untracked(),
            &form.binning.get_untracked(),
            &form.filter.get_untracked(),
            ctx,
        )
    })
}

/// Every hardware control, disabled with the reason while this tab has no
/// authority on the selected telescope.
#[component]
pub fn Controls() -> impl IntoView {
    let console = use_console();
    let denied = move || console.command_denied();
    view! {
        <section class="panel controls" aria-labelledby="controls-heading">
            <h2 id="controls-heading">"Controls"</h2>
            <p class="denied" data-testid="controls-denied" role="status" hidden=move || denied().is_none()>
                {move || denied().unwrap_or_default()}
            </p>
            <SafetyLimits />
            <fieldset class="controls-body" data-testid="controls-body" disabled=move || denied().is_some()>
                <legend class="visually-hidden">"Telescope controls"</legend>
                <MountControls />
                <NudgePad />
                <CameraControls />
                <AutofocusControls />
                <FilterWheelControls />
                <FocuserControls />
                <RotatorControls />
            </fieldset>
        </section>
    }
}

/// The observer's limits for slews: lowest altitude, closest to the Sun.
#[component]
fn SafetyLimits() -> impl IntoView {
    let console = use_console();
    let limits = console.limits.get_untracked();
    let altitude = RwSignal::new(limits.min_altitude_deg.to_string());
    let sun = RwSignal::new(limits.min_sun_distance_deg.to_string());
    let errors = RwSignal::new(FormErrors::new());
    // Every valid edit applies at once; a bad one is explained and ignored.
    Effect::new(move |_| {
        let mut found = FormErrors::new();
        let mut read = |field: &str, text: String, range: std::ops::RangeInclusive<f64>| match text
            .trim()
            .parse::<f64>()
        {
            Ok(v) if range.contains(&v) => Some(v),
            _ => {
                found.push(skynet_protocol::validate::ValidationError {
                    field: field.into(),
                    message: format!("enter degrees from {} to {}", range.start(), range.end()),
                });
                None
            }
        };
        let min_altitude = read("min_altitude_deg", altitude.get(), 0.0..=89.0);
        let min_sun = read("min_sun_distance_deg", sun.get(), 0.0..=180.0);
        if let (Some(min_altitude_deg), Some(min_sun_distance_deg)) = (min_altitude, min_sun) {
            console.limits.set(crate::state::safety::Limits {
                min_altitude_deg,
                min_sun_distance_deg,
            });
        }
        errors.set(found);
    });
    view! {
        <details class="card safety-limits">
            <summary data-testid="safety-limits">"Safety limits for slews"</summary>
            <div class="row">
                <TextField id="limit-altitude" label="Lowest altitude (°)" value=altitude errors=errors field="min_altitude_deg" inputmode="decimal" />
                <TextField id="limit-sun" label="Closest to the Sun (°)" value=sun errors=errors field="min_sun_distance_deg" inputmode="decimal" />
            </div>
        </details>
    }
}

/// `mount.point` and `mount.track`, with an optional pattern.
#[component]
fn MountControls() -> impl IntoView {
    let console = use_console();
    let mode = RwSignal::new(TargetMode::Catalog);
    let override_safety = RwSignal::new(false);
    let ra = RwSignal::new(String::new());
    let dec = RwSignal::new(String::new());
    let name = RwSignal::new("M42".to_owned());
    let pattern_kind = RwSignal::new(PatternKind::None);
    let pattern = RwSignal::new(PatternInput::default());
    let step = RwSignal::new(pattern.get_untracked().step_arcsec);
    let rows = RwSignal::new(pattern.get_untracked().rows);
    let columns = RwSignal::new(pattern.get_untracked().columns);
    let dwell = RwSignal::new(pattern.get_untracked().dwell_s);
    let radius = RwSignal::new(pattern.get_untracked().radius_arcsec);
    let petals = RwSignal::new(pattern.get_untracked().petals);
    let period = RwSignal::new(pattern.get_untracked().period_s);
    let errors = RwSignal::new(FormErrors::new());

    // A point clicked on the sky view fills the coordinates.
    Effect::new(move |_| {
        if let Some((ra_deg, dec_deg)) = console.target_request.get() {
            mode.set(TargetMode::Coordinates);
            ra.set(skydeck_astro::sexagesimal::format_ra_hms(ra_deg, 1));
            dec.set(skydeck_astro::sexagesimal::format_dec_dms(dec_deg, 0));
            console.target_request.set(None);
        }
    });
    let target = move || TargetInput {
        mode: mode.get_untracked(),
        ra: ra.get_untracked(),
        dec: dec.get_untracked(),
        name: name.get_untracked(),
    };
    let pattern_input = move || PatternInput {
        kind: pattern_kind.get_untracked(),
        step_arcsec: step.get_untracked(),
        rows: rows.get_untracked(),
        columns: columns.get_untracked(),
        dwell_s: dwell.get_untracked(),
        radius_arcsec: radius.get_untracked(),
        petals: petals.get_untracked(),
        period_s: period.get_untracked(),
    };
    let point = move |_| {
        submit_checked(console, errors, Some(override_safety), |ctx| {
            forms::mount_point(&target(), ctx)
        })
    };
    let track = move |_| {
        submit_checked(console, errors, Some(override_safety), |ctx| {
            forms::mount_track(&target(), &pattern_input(), ctx)
        })
    };

    view! {
        <div class="card mount-controls">
            <h3>"Mount"</h3>
            <TargetFields prefix="target" mode=mode ra=ra dec=dec name=name errors=errors override_safety=override_safety />
            <div class="field">
                <label for="pattern-kind">"Offset pattern (track only)"</label>
                <select id="pattern-kind" data-testid="pattern-kind"
                    on:change=move |ev| pattern_kind.set(match event_target_value(&ev).as_str() {
                        "raster" => PatternKind::Raster,
                        "daisy" => PatternKind::Daisy,
                        _ => PatternKind::None,
                    })>
                    <option value="none" selected=true>"None"</option>
                    <option value="raster">"Raster"</option>
                    <option value="daisy">"Daisy"</option>
                </select>
            </div>
            <div class="row" hidden=move || pattern_kind.get() != PatternKind::Raster>
                <TextField id="raster-step" label="Step (arcsec)" value=step errors=errors field="offset_pattern.step_arcsec" inputmode="decimal" />
                <TextField id="raster-rows" label="Rows" value=rows errors=errors field="offset_pattern.rows" inputmode="numeric" />
                <TextField id="raster-columns" label="Columns" value=columns errors=errors field="offset_pattern.columns" inputmode="numeric" />
                <TextField id="raster-dwell" label="Dwell (s)" value=dwell errors=errors field="offset_pattern.dwell_s" inputmode="decimal" />
            </div>
            <div class="row" hidden=move || pattern_kind.get() != PatternKind::Daisy>
                <TextField id="daisy-radius" label="Radius (arcsec)" value=radius errors=errors field="offset_pattern.radius_arcsec" inputmode="decimal" />
                <TextField id="daisy-petals" label="Petals" value=petals errors=errors field="offset_pattern.petals" inputmode="numeric" />
                <TextField id="daisy-period" label="Period (s)" value=period errors=errors field="offset_pattern.period_s" inputmode="decimal" />
            </div>
            <div class="actions">
                <button type="button" data-testid="mount-point" on:click=point>"Point"</button>
                <button type="button" data-testid="mount-track" on:click=track>"Track"</button>
            </div>
        </div>
    }
}

/// `mount.offset_relative`: an axis and arcseconds, and a N/S/E/W nudge pad.
#[component]
fn NudgePad() -> impl IntoView {
    let console = use_console();
    let step = console.nudge_form.step;
    let axis = RwSignal::new(OffsetAxis::Ra);
    let delta = RwSignal::new("10".to_owned());
    let errors = RwSignal::new(FormErrors::new());
    let nudge_errors = console.nudge_form.errors;
    let offset = move |_| {
        submit(console, errors, |ctx| {
            forms::mount_offset(axis.get_untracked(), &delta.get_untracked(), ctx)
        })
    };
    view! {
        <div class="card nudge">
            <h3>"Offset"</h3>
            <div class="row">
                <div class="field">
                    <label for="offset-axis">"Axis"</label>
                    <select id="offset-axis" data-testid="offset-axis"
                        on:change=move |ev| axis.set(match event_target_value(&ev).as_str() {
                            "dec" => OffsetAxis::Dec,
                            "alt" => OffsetAxis::Alt,
                            "az" => OffsetAxis::Az,
                            _ => OffsetAxis::Ra,
                        })>
                        <option value="ra" selected=true>"RA"</option>
                        <option value="dec">"Dec"</option>
                        <option value="alt">"Alt"</option>
                        <option value="az">"Az"</option>
                    </select>
                </div>
                <TextField id="offset-delta" label="Offset (arcsec)" value=delta errors=errors field="delta_arcsec" inputmode="decimal" />
            </div>
            <div class="actions">
                <button type="button" data-testid="offset-apply" on:click=offset>"Apply offset"</button>
            </div>
            <TextField id="nudge-step" label="Nudge step (arcsec)" value=step errors=nudge_errors field="delta_arcsec" inputmode="decimal" />
            <div class="nudge-pad" role="group" aria-label="Nudge the mount">
                {Nudge::ALL
                    .into_iter()
                    .map(|direction| {
                        let press = move |_| nudge(console, direction);
                        view! {
                            <button
                                type="button"
                                class=format!("nudge-{}", direction.word())
                                data-testid=format!("nudge-{}", direction.word())
                                aria-label=format!("Nudge {}", direction.word())
                                on:click=press
                            >
                                {direction.letter()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// The filters of the selected telescope's wheel as `(filter_id, name, slot)`,
/// changed only when the wheel's slots are (not with every snapshot).
fn filter_options() -> Memo<Vec<(String, String, u32)>> {
    let console = use_console();
    Memo::new(move |_| {
        console.with_devices(|d| {
            d.filter_wheel
                .as_ref()
                .map(|w| {
                    w.value
                        .slots
                        .iter()
                        .map(|s| {
                            (
                                s.filter_id.clone(),
                                crate::state::display::name(&s.name),
                                s.filter_wheel_position_id,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    })
}

/// A select of the telescope's filters by name.
#[component]
fn FilterSelect(
    /// Id and `data-testid`.
    id: &'static str,
    /// Label.
    label: &'static str,
    /// The chosen filter id ("" for the current one, when allowed).
    value: RwSignal<String>,
    /// Offer "current filter" as an empty choice.
    #[prop(optional)]
    allow_current: bool,
) -> impl IntoView {
    let options = filter_options();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id data-testid=id on:change=move |ev| value.set(event_target_value(&ev))>
                {allow_current.then(|| view! { <option value="">"Current filter"</option> })}
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(filter_id, name, _)| {
                            let selected = value.get_untracked() == filter_id;
                            view! {
                                <option value=filter_id.clone() selected=selected>
                                    {format!("{name} ({filter_id})")}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// `camera.exposure.start`.
#[component]
fn CameraControls() -> impl IntoView {
    let console = use_console();
    let form = console.exposure_form;
    let (duration, binning, filter, errors) =
        (form.duration, form.binning, form.filter, form.errors);
    let on_expose = move |_| expose(console);
    view! {
        <div class="card camera-controls">
            <h3>"Camera"</h3>
            <div class="row">
                <TextField id="exposure-duration" label="Exposure (s)" value=duration errors=errors field="duration_s" inputmode="decimal" />
                <div class="field">
                    <label for="exposure-binning">"Binning"</label>
                    <select id="exposure-binning" data-testid="exposure-binning"
                        on:change=move |ev| binning.set(event_target_value(&ev))>
                        <option value="1" selected=true>"1×1"</option>
                        <option value="2">"2×2"</option>
                        <option value="3">"3×3"</option>
                        <option value="4">"4×4"</option>
                    </select>
                </div>
                <FilterSelect id="exposure-filter" label="Filter" value=filter allow_current=true />
            </div>
            <p class="field-error" data-testid="exposure-errors" role="alert">
                {move || errors.with(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))}
            </p>
            <div class="actions">
                <button type="button" data-testid="exposure-start" on:click=on_expose>"Expose"</button>
            </div>
        </div>
    }
}

/// `imager.autofocus`.
#[component]
fn AutofocusControls() -> impl IntoView {
    let console = use_console();
    let filter = RwSignal::new("L".to_owned());
    let strategy = RwSignal::new(AutofocusStrategy::VCurve);
    let errors = RwSignal::new(FormErrors::new());
    let run = move |_| {
        submit(console, errors, |ctx| {
            forms::autofocus(&filter.get_untracked(), strategy.get_untracked(), ctx)
        })
    };
    view! {
        <div class="card autofocus-controls">
            <h3>"Autofocus"</h3>
            <div class="row">
                <FilterSelect id="autofocus-filter" label="Filter" value=filter />
                <div class="field">
                    <label for="autofocus-strategy">"Strategy"</label>
                    <select id="autofocus-strategy" data-testid="autofocus-strategy"
                        on:change=move |ev| strategy.set(match event_target_value(&ev).as_str() {
                            "hyperbolic" => AutofocusStrategy::Hyperbolic,
                            _ => AutofocusStrategy::VCurve,
                        })>
                        <option value="v_curve" selected=true>"V-curve"</option>
                        <option value="hyperbolic">"Hyperbolic"</option>
                    </select>
                </div>
            </div>
            <p class="field-error" data-testid="autofocus-errors" role="alert">
                {move || errors.with(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))}
            </p>
            <div class="actions">
                <button type="button" data-testid="autofocus-start" on:click=run>"Run autofocus"</button>
            </div>
        </div>
    }
}

/// `filter_wheel.set_option`, by the telescope's own slot names.
#[component]
fn FilterWheelControls() -> impl IntoView {
    let console = use_console();
    let slot = RwSignal::new("0".to_owned());
    let errors = RwSignal::new(FormErrors::new());
    let options = filter_options();
    let set = move |_| {
        submit(console, errors, |ctx| {
            forms::filter_wheel(&slot.get_untracked(), ctx)
        })
    };
    view! {
        <div class="card filter-wheel-controls">
            <h3>"Filter wheel"</h3>
            <div class="field">
                <label for="filter-slot">"Slot"</label>
                <select id="filter-slot" data-testid="filter-slot" on:change=move |ev| slot.set(event_target_value(&ev))>
                    {move || {
                        options
                            .get()
                            .into_iter()
                            .map(|(filter_id, name, position)| {
                                view! {
                                    <option value=position.to_string() selected=slot.get_untracked() == position.to_string()>
                                        {format!("{position}: {name} ({filter_id})")}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <p class="field-error" role="alert">
                {move || errors.with(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))}
            </p>
            <div class="actions">
                <button type="button" data-testid="filter-set" on:click=set>"Move wheel"</button>
            </div>
        </div>
    }
}

/// `focuser.move_*` and the `focus.*` aliases.
#[component]
fn FocuserControls() -> impl IntoView {
    let console = use_console();
    let family = RwSignal::new(FocusFamily::Focuser);
    let position = RwSignal::new("25000".to_owned());
    let delta = RwSignal::new("100".to_owned());
    let errors = RwSignal::new(FormErrors::new());
    let absolute = move |_| {
        submit(console, errors, |ctx| {
            forms::focuser_absolute(family.get_untracked(), &position.get_untracked(), ctx)
        })
    };
    let relative = move |_| {
        submit(console, errors, |ctx| {
            forms::focuser_relative(family.get_untracked(), &delta.get_untracked(), ctx)
        })
    };
    view! {
        <div class="card focuser-controls">
            <h3>"Focuser"</h3>
            <div class="field">
                <label for="focuser-family">"Command family"</label>
                <select id="focuser-family" data-testid="focuser-family"
                    on:change=move |ev| family.set(if event_target_value(&ev) == "focus" { FocusFamily::Focus } else { FocusFamily::Focuser })>
                    <option value="focuser" selected=true>"focuser.* (device)"</option>
                    <option value="focus">"focus.* (focus operation)"</option>
                </select>
            </div>
            <div class="row">
                <TextField id="focuser-position" label="Position (µm)" value=position errors=errors field="position_um" inputmode="decimal" />
                <div class="actions">
                    <button type="button" data-testid="focuser-move-absolute" on:click=absolute>"Move to"</button>
                </div>
            </div>
            <div class="row">
                <TextField id="focuser-delta" label="Move by (µm)" value=delta errors=errors field="delta_um" inputmode="decimal" />
                <div class="actions">
                    <button type="button" data-testid="focuser-move-relative" on:click=relative>"Move by"</button>
                </div>
            </div>
        </div>
    }
}

/// `rotator.move_absolute` and `rotator.move_relative`.
#[component]
fn RotatorControls() -> impl IntoView {
    let console = use_console();
    let angle = RwSignal::new("0".to_owned());
    let delta = RwSignal::new("15".to_owned());
    let errors = RwSignal::new(FormErrors::new());
    let absolute = move |_| {
        submit(console, errors, |ctx| {
            forms::rotator_absolute(&angle.get_untracked(), ctx)
        })
    };
    let relative = move |_| {
        submit(console, errors, |ctx| {
            forms::rotator_relative(&delta.get_untracked(), ctx)
        })
    };
    view! {
        <div class="card rotator-controls">
            <h3>"Rotator"</h3>
            <div class="row">
                <TextField id="rotator-angle" label="Angle (°)" value=angle errors=errors field="angle_deg" inputmode="decimal" />
                <div class="actions">
                    <button type="button" data-testid="rotator-move-absolute" on:click=absolute>"Rotate to"</button>
                </div>
            </div>
            <div class="row">
                <TextField id="rotator-delta" label="Rotate by (°)" value=delta errors=errors field="delta_deg" inputmode="decimal" />
                <div class="actions">
                    <button type="button" data-testid="rotator-move-relative" on:click=relative>"Rotate by"</button>
                </div>
            </div>
        </div>
    }
}
