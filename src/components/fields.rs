//! Form building blocks shared by the control panels: a labelled text input
//! with its validation message, and the publish step every form ends with.

use leptos::prelude::*;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::Command;

use crate::console::{use_console, Console};
use crate::state::forms::{error_for, FormErrors, TargetInput, TargetMode};
use crate::state::target_info::TargetInfo;
use crate::state::time::now_ms;

/// A labelled text input bound to `value`, showing the message of `field`
/// from `errors` beneath it.
#[component]
pub fn TextField(
    /// The input's id and `data-testid`.
    #[prop(into)]
    id: String,
    /// The visible label (also the accessible name).
    label: &'static str,
    /// What the input holds.
    value: RwSignal<String>,
    /// The form's errors.
    errors: RwSignal<FormErrors>,
    /// The payload field this input fills (`duration_s`, `target.ra`).
    field: &'static str,
    /// A hint shown in the empty input.
    #[prop(optional)]
    placeholder: &'static str,
    /// `decimal` for numbers: a numeric keypad on tablets.
    #[prop(optional)]
    inputmode: &'static str,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional, into)]
    list: Option<String>,
) -> impl IntoView {
    let message = move || errors.with(|e| error_for(e, field).map(str::to_owned));
    let error_id = format!("{id}-error");
    let error_testid = error_id.clone();
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                data-testid=id
                type="text"
                autocomplete="off"
                spellcheck="false"
                placeholder=placeholder
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                list=list
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="field-error" id=error_id data-testid=error_testid role="alert">
                {message}
            </p>
        </div>
    }
}

/// How a target is given: a radio group (coordinates or catalog name) and
/// the inputs of the chosen way. Ids are `{prefix}-mode-coordinates`,
/// `{prefix}-mode-catalog`, `{prefix}-ra`, `{prefix}-dec`, `{prefix}-name`.
#[component]
pub fn TargetFields(
    /// Prefix of every id and `data-testid`.
    prefix: &'static str,
    /// Coordinates or catalog name.
    mode: RwSignal<TargetMode>,
    /// Right ascension as typed.
    ra: RwSignal<String>,
    /// Declination as typed.
    dec: RwSignal<String>,
    /// Catalog name as typed.
    name: RwSignal<String>,
    /// The form's errors (`target.ra`, `target.dec`, `target.name`, `safety`).
    errors: RwSignal<FormErrors>,
    /// Set to send the next slew despite the safety limits.
    override_safety: RwSignal<bool>,
) -> impl IntoView {
    let safety = move || errors.with(|e| error_for(e, SAFETY_FIELD).map(str::to_owned));
    let radio = move |value: TargetMode, label: &'static str, suffix: &'static str| {
        view! {
            <label>
                <input
                    type="radio"
                    name=format!("{prefix}-mode")
                    data-testid=format!("{prefix}-mode-{suffix}")
                    prop:checked=move || mode.get() == value
                    on:change=move |_| mode.set(value)
                />
                {label}
            </label>
        }
    };
    let console = use_console();
    // The target as typed, placed at the telescope's site, every 10 s.
    let minute = Memo::new(move |_| (console.now.get() / 10_000.0).floor());
    let info = move || {
        minute.track();
        let site = console.site()?;
        let mut ignored = FormErrors::new();
        let input = TargetInput {
            mode: mode.get(),
            ra: ra.get(),
            dec: dec.get(),
            name: name.get(),
        };
        let target = input.parse(&mut ignored)?;
        let horizon = console
            .telescope()
            .map(|t| t.local_horizon)
            .unwrap_or_default();
        Some(match TargetInfo::of(&target, site, now_ms(), &horizon) {
            Ok(info) => info.summary(),
            Err(why) => format!("Cannot place it: {why}."),
        })
    };
    let suggestions = move || {
        let query = name.get();
        skydeck_astro::catalog::search(&query, 8)
            .into_iter()
            .map(|o| {
                let label = o
                    .aliases
                    .iter()
                    .copied()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(", ");
                view! { <option value=o.name label=label></option> }
            })
            .collect_view()
    };
    let list_id = format!("{prefix}-catalog");
    view! {
        <div class="segmented" role="radiogroup" aria-label="Target given as">
            {radio(TargetMode::Catalog, "Catalog name", "catalog")}
            {radio(TargetMode::Coordinates, "RA / Dec", "coordinates")}
        </div>
        <div class="row" hidden=move || mode.get() != TargetMode::Catalog>
            <TextField id=format!("{prefix}-name") label="Object" value=name errors=errors field="target.name" placeholder="M42, Vega, NGC 869" list=list_id.clone() />
            <datalist id=list_id data-testid=format!("{prefix}-suggestions")>{suggestions}</datalist>
        </div>
        <p class="target-info" data-testid=format!("{prefix}-info") aria-live="polite">{info}</p>
        <div class="row" hidden=move || mode.get() != TargetMode::Coordinates>
            <TextField id=format!("{prefix}-ra") label="RA (J2000)" value=ra errors=errors field="target.ra" placeholder="05h35m17.3s or 83.82" />
            <TextField id=format!("{prefix}-dec") label="Dec (J2000)" value=dec errors=errors field="target.dec" placeholder="-05°23'28\" or -5.39" />
        </div>
        <p class="safety-error" role="alert" data-testid=format!("{prefix}-safety") hidden=move || safety().is_none()>
            {safety}
        </p>
        <label class="checkbox override">
            <input
                type="checkbox"
                data-testid=format!("{prefix}-override")
                prop:checked=move || override_safety.get()
                on:change=move |ev| override_safety.set(event_target_checked(&ev))
            />
            "Override the safety limits for the next slew"
        </label>
    }
}

/// Builds a command from a form and publishes it to the selected telescope:
/// a bad value is explained in `errors` and nothing is sent.
pub fn submit(
    console: Console,
    errors: RwSignal<FormErrors>,
    build: impl FnOnce(&ValidationContext) -> Result<Command, FormErrors>,
) {
    submit_checked(console, errors, None, build)
}

/// Like [`submit`], for a slew: a target below the limits or near the Sun is
/// refused with the reason (field `safety`) unless `override_safety` is set;
/// an override covers one command and is cleared once it is sent.
pub fn submit_checked(
    console: Console,
    errors: RwSignal<FormErrors>,
    override_safety: Option<RwSignal<bool>>,
    build: impl FnOnce(&ValidationContext) -> Result<Command, FormErrors>,
) {
    let ctx = console.validation_context();
    let command = match build(&ctx) {
        Ok(command) => command,
        Err(found) => return errors.set(found),
    };
    let overridden = override_safety.is_some_and(|o| o.get_untracked());
    if !overridden {
        if let Some(found) = safety_errors(console, &command) {
            return errors.set(found);
        }
    }
    errors.set(FormErrors::new());
    match console.publish(command) {
        Ok(_) => {
            if let Some(o) = override_safety {
                o.set(false);
            }
        }
        Err(e) => console.notify(format!("not sent: {e}")),
    }
}

/// The safety concerns about a command as form errors (field `safety`).
pub fn safety_errors(console: Console, command: &Command) -> Option<FormErrors> {
    let concerns = console.safety_concerns(command);
    if concerns.is_empty() {
        return None;
    }
    let reasons: Vec<String> = concerns.iter().map(ToString::to_string).collect();
    Some(vec![skynet_protocol::validate::ValidationError {
        field: SAFETY_FIELD.into(),
        message: format!(
            "Not sent: {}. Tick “override the safety limits” to send it anyway.",
            reasons.join("; ")
        ),
    }])
}

/// The form field safety refusals are reported under.
pub const SAFETY_FIELD: &str = "safety";
