//! The session's frames: a gallery of the exposures' previews (the newest
//! [`FRAMES_PAGE`] at a time, older ones a page away), and the
//! chosen one large with its metadata and a client-side stretch (linear or
//! asinh) drawn on a canvas.

use leptos::prelude::*;
use leptos::wasm_bindgen::{Clamped, JsCast, JsValue};
use skynet_protocol::{Command, CommandId, ExposureData};

use crate::components::pager::Pager;
use crate::console::{use_console, Console};
use crate::state::command_log::Outcome;
use crate::state::connection::http_url;
use crate::state::display;
use crate::state::paging::Pages;
use crate::state::stretch::{stretch_rgba, Stretch};

/// Every exposure of the session with a result, newest first.
fn frames(console: Console) -> Vec<(CommandId, ExposureData)> {
    console.log.with(|log| {
        log.entries()
            .iter()
            .rev()
            // Only exposures are decoded: the log may hold thousands of commands.
            .filter(|e| matches!(e.command, Some(Command::CameraExposureStart(_))))
            .filter_map(|e| match e.outcome() {
                Outcome::Exposure(x) => Some((e.command_id, x)),
                _ => None,
            })
            .collect()
    })
}

/// Loads `src` and draws it stretched on `canvas`; marks the canvas with
/// `data-drawn` (the stretch) when done, or `data-error`.
fn draw(canvas: web_sys::HtmlCanvasElement, src: String, stretch: Stretch) {
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    // The API serves previews with CORS, so their pixels may be read.
    image.set_cross_origin(Some("anonymous"));
    let loaded = image.clone();
    let target = canvas.clone();
    let on_load = wasm_bindgen::closure::Closure::once_into_js(move || {
        let result = (|| -> Result<(), JsValue> {
            let (w, h) = (loaded.natural_width(), loaded.natural_height());
            target.set_width(w);
            target.set_height(h);
            let context: web_sys::CanvasRenderingContext2d = target
                .get_context("2d")?
                .ok_or_else(|| JsValue::from_str("no 2d context"))?
                .dyn_into()?;
            context.draw_image_with_html_image_element(&loaded, 0.0, 0.0)?;
            let data = context.get_image_data(0.0, 0.0, f64::from(w), f64::from(h))?;
            let mut pixels = data.data().0;
            stretch_rgba(&mut pixels, stretch);
            let stretched =
                web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w, h)?;
            context.put_image_data(&stretched, 0.0, 0.0)?;
            target.set_attribute("data-drawn", stretch.as_str())
        })();
        if let Err(e) = result {
            let _ = target.set_attribute("data-error", &crate::browser::error_text(&e));
        }
    });
    image.set_onload(Some(on_load.unchecked_ref()));
    let failed = canvas.clone();
    let on_error = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = failed.set_attribute("data-error", "the preview did not load");
    });
    image.set_onerror(Some(on_error.unchecked_ref()));
    let _ = canvas.remove_attribute("data-drawn");
    image.set_src(&src);
}

/// How many thumbnails the gallery holds on screen.
pub const FRAMES_PAGE: usize = 24;

/// The gallery and the stretched viewer.
#[component]
pub fn Gallery() -> impl IntoView {
    let console = use_console();
    let all = Memo::new(move |_| frames(console));
    let pages = RwSignal::new(Pages::newest(FRAMES_PAGE));
    let len = Signal::derive(move || all.with(Vec::len));
    let chosen = RwSignal::new(None::<CommandId>);
    let stretch = RwSignal::new(Stretch::default());
    let current = move || {
        let frames = all.get();
        let chosen = chosen.get();
        frames
            .iter()
            .find(|(id, _)| Some(*id) == chosen)
            .or(frames.first())
            .cloned()
    };
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let (Some((_, frame)), Some(canvas)) = (current(), canvas.get()) else {
            return;
        };
        let src = http_url(
            &console.settings.get_untracked().api_base,
            &frame.preview_url,
        );
        draw(canvas, src, stretch.get());
    });
    let base = move || console.settings.with(|s| s.api_base.clone());
    view! {
        <section class="panel gallery" aria-labelledby="gallery-heading">
            <h2 id="gallery-heading">"Frames"</h2>
            <p class="empty" hidden=move || !all.with(Vec::is_empty)>"No exposures yet."</p>
            <div hidden=move || all.with(Vec::is_empty)>
                <div class="row">
                    <div class="field">
                        <label for="stretch">"Stretch"</label>
                        <select id="stretch" data-testid="stretch"
                            on:change=move |ev| stretch.set(Stretch::parse(&event_target_value(&ev)))>
                            <option value="asinh" selected=true>"asinh"</option>
                            <option value="linear">"linear"</option>
                        </select>
                    </div>
                </div>
                <canvas node_ref=canvas class="stretched" data-testid="stretch-canvas"
                    role="img" aria-label="The chosen frame, stretched"></canvas>
                <p class="caption" data-testid="frame-meta">
                    {move || current().map(|(_, f)| format!(
                        "Exposure of {} · {} · bin {} · {} · {}×{}",
                        display::started(f.started_at.as_str()),
                        display::seconds(f.duration_s),
                        f.binning,
                        f.filter_id.as_deref().map(display::name).unwrap_or_else(|| "no filter".into()),
                        f.width,
                        f.height
                    ))}
                </p>
                <Pager pages len label="Frame pages" testid="frames" />
                <ul class="thumbs" data-testid="gallery">
                    {move || {
                        let shown = pages.get().range_newest_first(len.get());
                        all.with(|all| all[shown].to_vec())
                            .into_iter()
                            .map(|(id, frame)| {
                                let src = http_url(&base(), &frame.preview_url);
                                let label = format!(
                                    "Show the exposure of {} ({})",
                                    display::started(frame.started_at.as_str()),
                                    display::seconds(frame.duration_s)
                                );
                                view! {
                                    <li>
                                        <button type="button" class="thumb" data-testid="gallery-thumb"
                                            data-exposure-id=frame.exposure_id.clone()
                                            aria-label=label
                                            aria-pressed=move || (current().map(|(c, _)| c) == Some(id)).to_string()
                                            on:click=move |_| chosen.set(Some(id))>
                                            <img src=src alt="" width="64" height="64" />
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </section>
    }
}
