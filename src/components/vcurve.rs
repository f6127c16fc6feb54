//! The autofocus V-curve: half-flux radius against focuser position, drawn
//! as samples arrive on the stream, with the fitted minimum, the result of
//! the `imager.autofocus` command marked, and earlier runs kept faint for
//! comparison.

use leptos::prelude::*;
use skynet_protocol::AutofocusProgress;

use crate::console::use_console;
use crate::state::command_log::Outcome;
use crate::state::display;
use crate::state::plot::{ticks, Frame};

const W: f64 = 320.0;
const H: f64 = 200.0;
const PAD: f64 = 28.0;

fn points(run: &AutofocusProgress) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = run
        .samples
        .iter()
        .map(|s| (s.position_um, s.hfr_px))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// What the V-curve shows, in words: the latest run, its result (the
/// command's best position and HFR) or fitted minimum, and how many earlier
/// runs are drawn faint. Every server value is shown bounded.
fn caption(runs: &[AutofocusProgress], result: Option<(f64, f64)>) -> String {
    let Some(run) = runs.last() else {
        return "No autofocus run yet.".to_owned();
    };
    let state = if run.running { "running" } else { "done" };
    let best = match (result, run.best_position_um) {
        (Some((x, hfr)), _) => format!(
            "; result: best focus {}, HFR {}",
            display::microns(x),
            display::pixels(hfr)
        ),
        (None, Some(x)) => format!("; fitted minimum {}", display::microns(x)),
        _ => String::new(),
    };
    let earlier = if runs.len() > 1 {
        format!(" ({} earlier run(s) shown faint)", runs.len() - 1)
    } else {
        String::new()
    };
    format!(
        "Filter {}, {}: {} sample(s), {state}{best}{earlier}",
        display::name(&run.filter_id),
        display::name(&run.strategy.to_string()),
        run.samples.len()
    )
}

/// The V-curve panel of the selected telescope.
#[component]
pub fn VCurve() -> impl IntoView {
    let console = use_console();
    let runs = Memo::new(move |_| console.with_devices(|d| d.autofocus_runs.clone()));
    // The result of the latest run's command, once it came.
    let result = move || {
        let last = runs.with(|r| r.last().and_then(|r| r.command_id))?;
        console.log.with(|log| match log.get(last)?.outcome() {
            Outcome::Autofocus(a) => Some((a.best_position_um, a.best_hfr_px)),
            _ => None,
        })
    };
    let plot = move || {
        let runs = runs.get();
        let all: Vec<(f64, f64)> = runs.iter().flat_map(points).collect();
        let frame = Frame::fit(&all, W, H, PAD)?;
        let last = runs.len().saturating_sub(1);
        let curves = runs
            .iter()
            .enumerate()
            .map(|(i, run)| {
                let latest = i == last;
                let pts = points(run);
                let circles = latest.then(|| {
                    pts.iter()
                        .map(|&(x, y)| {
                            view! {
                                <circle class="vcurve-sample" data-testid="vcurve-sample"
                                    cx=format!("{:.1}", frame.x(x)) cy=format!("{:.1}", frame.y(y)) r="3" />
                            }
                        })
                        .collect_view()
                });
                let best = run.best_position_um.filter(|_| latest).map(|b| {
                    view! {
                        <line class="vcurve-best" data-testid="vcurve-best"
                            x1=format!("{:.1}", frame.x(b)) x2=format!("{:.1}", frame.x(b))
                            y1=format!("{PAD}") y2=format!("{}", H - PAD) />
                    }
                });
                view! {
                    <g class=if latest { "vcurve-run latest" } else { "vcurve-run earlier" }>
                        <polyline points=frame.polyline(&pts) />
                        {circles}
                        {best}
                    </g>
                }
            })
            .collect_view();
        let x_ticks = ticks(frame.x_min, frame.x_max, 4)
            .into_iter()
            .map(|t| {
                view! {
                    <text class="tick" x=format!("{:.1}", frame.x(t)) y=format!("{}", H - 8.0) text-anchor="middle">
                        {display::number(t, 0, -1e6, 1e6, "").to_string()}
                    </text>
                }
            })
            .collect_view();
        let y_ticks = ticks(frame.y_min.max(0.0), frame.y_max, 3)
            .into_iter()
            .map(|t| {
                view! {
                    <text class="tick" x="4" y=format!("{:.1}", frame.y(t) + 3.0)>{display::number(t, 1, 0.0, 1e4, "").to_string()}</text>
                }
            })
            .collect_view();
        let marker = result().map(|(x, y)| {
            let (cx, cy) = (frame.x(x), frame.y(y));
            view! {
                <path class="vcurve-result" data-testid="vcurve-result"
                    d=format!("M{cx:.1} {:.1} L{:.1} {cy:.1} L{cx:.1} {:.1} L{:.1} {cy:.1} Z", cy - 6.0, cx + 6.0, cy + 6.0, cx - 6.0) />
            }
        });
        Some(view! {
            <line class="axis" x1=format!("{PAD}") y1=format!("{}", H - PAD) x2=format!("{}", W - PAD) y2=format!("{}", H - PAD) />
            <line class="axis" x1=format!("{PAD}") y1=format!("{PAD}") x2=format!("{PAD}") y2=format!("{}", H - PAD) />
            {x_ticks}
            {y_ticks}
            {curves}
            {marker}
        })
    };
    let caption = move || runs.with(|runs| caption(runs, result()));
    view! {
        <section class="panel vcurve" aria-labelledby="vcurve-heading">
            <h2 id="vcurve-heading">"Autofocus V-curve"</h2>
            <svg
                class="plot"
                data-testid="vcurve"
                viewBox=format!("0 0 {W} {H}")
                role="img"
                aria-label="Half-flux radius (pixels) against focuser position (microns)"
            >
                {plot}
            </svg>
            <p class="caption" data-testid="vcurve-caption">{caption}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_run_is_captioned_bounded_and_flagged() {
        let run: AutofocusProgress = serde_json::from_value(serde_json::json!({
            "filter_id": "L".repeat(1_000_000),
            "strategy": "v_curve",
            "samples": [{"position_um": 1e308, "hfr_px": -4.0}],
            "best_position_um": 1e308
        }))
        .expect("an autofocus progress");
        let text = caption(std::slice::from_ref(&run), None);
        assert!(text.len() < 300, "{} bytes", text.len());
        assert!(
            text.contains("fitted minimum 1.00e308 µm (out of range)"),
            "{text}"
        );
        let text = caption(&[run.clone(), run], Some((25_000.0, 2.5)));
        assert!(text.contains("best focus 25000 µm, HFR 2.50 px"), "{text}");
        assert!(text.contains("1 earlier run(s)"), "{text}");
        assert_eq!(caption(&[], None), "No autofocus run yet.");
    }
}
