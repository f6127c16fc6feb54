//! Form building blocks shared by the control panels: a labelled text input
//! with its validation message, and the publish step every form ends with.

use leptos::prelude::*;
use skynet_protocol::validate::ValidationContext;
use skynet_protocol::Command;

use crate::console::Console;
use crate::state::forms::{error_for, FormErrors};

/// A labelled text input bound to `value`, showing the message of `field`
/// from `errors` beneath it.
#[component]
pub fn TextField(
    /// The input's id and `data-testid`.
    id: &'static str,
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
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
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
            <p class="field-error" id=error_id data-testid=format!("{id}-error") role="alert">
                {message}
            </p>
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
