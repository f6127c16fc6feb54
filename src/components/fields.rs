//! Form building blocks shared by the control panels: a labelled text input
//! with its validation message, and the publish step every form ends with.

use leptos::prelude::*;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::Command;

use crate::console::Console;
use crate::state::forms::{error_for, FormErrors, TargetMode};

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
    /// The form's errors (`target.ra`, `target.dec`, `target.name`).
    errors: RwSignal<FormErrors>,
) -> impl IntoView {
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
    view! {
        <div class="segmented" role="radiogroup" aria-label="Target given as">
            {radio(TargetMode::Catalog, "Catalog name", "catalog")}
            {radio(TargetMode::Coordinates, "RA / Dec", "coordinates")}
        </div>
        <div class="row" hidden=move || mode.get() != TargetMode::Catalog>
            <TextField id=format!("{prefix}-name") label="Object" value=name errors=errors field="target.name" placeholder="M42, Vega, NGC 869" />
        </div>
        <div class="row" hidden=move || mode.get() != TargetMode::Coordinates>
            <TextField id=format!("{prefix}-ra") label="RA (J2000)" value=ra errors=errors field="target.ra" placeholder="05h35m17.3s or 83.82" />
            <TextField id=format!("{prefix}-dec") label="Dec (J2000)" value=dec errors=errors field="target.dec" placeholder="-05°23'28\" or -5.39" />
        </div>
    }
}

/// Builds a command from a form and publishes it to the selected telescope:
/// a bad value is explained in `errors` and nothing is sent.
pub fn submit(
    console: Console,
    errors: RwSignal<FormErrors>,
    build: impl FnOnce(&ValidationContext) -> Result<Command, FormErrors>,
) {
    let ctx = console.validation_context();
    match build(&ctx) {
        Ok(command) => {
            errors.set(FormErrors::new());
            if let Err(e) = console.publish(command) {
                console.notify(format!("not sent: {e}"));
            }
        }
        Err(found) => errors.set(found),
    }
}
