//! Running commands in time: each is an async task that drives the devices
//! through the shared state and sleeps (in scaled time) while they move.
//! Canceling aborts the task at its next await; the canceler stops the
//! devices and publishes the `canceled` result.

use std::time::Instant;

use serde_json::Value;
use skydeck_astro::coords::Equatorial;
use skynet_protocol::{
    AutofocusProgress, AutofocusSample, CameraExposureStart, Command, CommandId, ErrorBody,
    ErrorCode, ExposureData, FilterWheelResultData, FocuserResultData, ImagerAutofocus, LogLevel,
    MountResultData, RotatorResultData, TargetPosition,
};

use crate::mount::Aim;
use crate::sim::{Outcome, Simulator};
use crate::{fit, preview, sky};

/// Runs one accepted command to its outcome.
pub async fn run(sim: &Simulator, tel: usize, id: CommandId, command: Command) -> Outcome {
    match command {
        Command::MountPoint(c) => slew_to(sim, tel, c.target, None, false).await,
        Command::MountTrack(c) => slew_to(sim, tel, c.target, c.offset_pattern, true).await,
        Command::MountOffsetRelative(c) => {
            let end = sim.with(|st, now, clock| {
                let t = &mut st.telescopes[tel];
                let aim = t.mount.offset_aim(&c.axis, c.delta_arcsec, now, clock);
                if let Aim::Hold(h) = aim {
                    check_altitude(t, h, "the offset position")?;
                }
                let (target, pattern) = (t.mount.target().cloned(), t.mount.pattern().cloned());
                Ok(t.mount.slew(aim, target, pattern, now, clock))
            })?;
            sleep_until(end).await;
            Ok(mount_result(sim, tel, None))
        }
        Command::CameraExposureStart(c) => expose(sim, tel, &c).await,
        Command::ImagerAutofocus(c) => autofocus(sim, tel, id, &c).await,
        Command::FilterWheelSetOption(c) => {
            let position = c.filter_wheel_position_id;
            let end = sim
                .with(|st, now, clock| st.telescopes[tel].wheel.move_to(position, now.at, clock));
            let end = end.ok_or_else(|| {
                ErrorBody::new(ErrorCode::Unsupported, format!("no filter slot {position}"))
            })?;
            sleep_until(end).await;
            sim.with(|st, now, _| {
                let wheel = &mut st.telescopes[tel].wheel;
                wheel.settle(now.at);
                to_data(&FilterWheelResultData {
                    filter_wheel_position_id: wheel.current().filter_wheel_position_id,
                    filter_id: wheel.current().filter_id.clone(),
                })
            })
        }
        Command::FocuserMoveAbsolute(c) | Command::FocusMoveAbsolute(c) => {
            focus_to(sim, tel, |_| c.position_um).await
        }
        Command::FocuserMoveRelative(c) | Command::FocusMoveRelative(c) => {
            focus_to(sim, tel, |current| current + c.delta_um).await
        }
        Command::RotatorMoveAbsolute(c) => {
            rotate(sim, tel, |rotator, now, clock| {
                rotator.move_to(c.angle_deg, now, clock)
            })
            .await
        }
        Command::RotatorMoveRelative(c) => {
            rotate(sim, tel, |rotator, now, clock| {
                rotator.move_by(c.delta_deg, now, clock)
            })
            .await
        }
        Command::LeaseAcquire(_)
        | Command::LeaseRenew(_)
        | Command::LeaseRelease(_)
        | Command::AbortManualControl(_)
        | Command::Unknown(_) => Err(ErrorBody::new(
            ErrorCode::Internal,
            "this command does not run as a task",
        )),
    }
}

async fn sleep_until(at: Instant) {
    tokio::time::sleep_until(at.into()).await;
}

fn to_data<T: serde::Serialize>(data: &T) -> Outcome {
    serde_json::to_value(data)
        .map(Some)
        .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))
}

/// Refuses a position below the mount's altitude limit or the local
/// horizon at its azimuth (`below_horizon`, with the higher of the two).
fn check_altitude(
    t: &crate::telescope::Telescope,
    h: skydeck_astro::coords::Horizontal,
    what: &str,
) -> Result<(), ErrorBody> {
    let mount_limit = t.config.mount.min_altitude_deg;
    let limit = t.mount.limit_at(&t.config.local_horizon, h.az_deg);
    if h.alt_deg < limit {
        let alt = h.alt_deg;
        let az = h.az_deg;
        let message = if limit > mount_limit {
            format!("{what} is at altitude {alt:.1}° (azimuth {az:.1}°), below the local horizon there ({limit:.1}°)")
        } else {
            format!("{what} is at altitude {alt:.1}°, below the mount's {limit}° limit")
        };
        return Err(
            ErrorBody::new(ErrorCode::BelowHorizon, message).with_typed_details(
                &skynet_protocol::BelowHorizonDetails {
                    alt_deg: alt,
                    min_altitude_deg: limit,
                },
            ),
        );
    }
    Ok(())
}

async fn slew_to(
    sim: &Simulator,
    tel: usize,
    target: TargetPosition,
    pattern: Option<skynet_protocol::OffsetPattern>,
    track: bool,
) -> Outcome {
    let (end, resolved) = sim.with(|st, now, clock| {
        let eq = sky::resolve(&target, now.jd())?;
        let t = &mut st.telescopes[tel];
        let h = t.mount.horizontal_of(eq, now);
        check_altitude(t, h, &target.describe())?;
        let aim = if track { Aim::Track(eq) } else { Aim::Hold(h) };
        let end = t.mount.slew(aim, Some(target.clone()), pattern, now, clock);
        let verb = if track { "tracking" } else { "pointing at" };
        st.log(
            tel,
            LogLevel::Info,
            format!("slewing to {}, then {verb} it", target.describe()),
            now,
        );
        Ok::<_, ErrorBody>((end, eq))
    })?;
    sleep_until(end).await;
    Ok(mount_result(sim, tel, Some(resolved)))
}

fn mount_result(sim: &Simulator, tel: usize, resolved: Option<Equatorial>) -> Option<Value> {
    sim.with(|st, now, clock| {
        let mount = &mut st.telescopes[tel].mount;
        mount.settle(now.at);
        let state = mount.state(now, clock);
        serde_json::to_value(MountResultData {
            ra_deg: state.ra_deg,
            dec_deg: state.dec_deg,
            alt_deg: state.alt_deg,
            az_deg: state.az_deg,
            target: resolved.map(sky::as_fixed),
        })
        .ok()
    })
}

async fn focus_to(sim: &Simulator, tel: usize, to: impl FnOnce(f64) -> f64) -> Outcome {
    let end = sim.with(|st, now, clock| {
        let focuser = &mut st.telescopes[tel].focuser;
        let target = to(focuser.motion.value(now.at));
        focuser.move_to(target, now.at, clock)
    });
    sleep_until(end).await;
    sim.with(|st, now, _| {
        to_data(&FocuserResultData {
            position_um: st.telescopes[tel].focuser.motion.value(now.at).round(),
        })
    })
}

async fn rotate(
    sim: &Simulator,
    tel: usize,
    start: impl FnOnce(&mut crate::devices::Rotator, Instant, &crate::clock::Clock) -> Instant,
) -> Outcome {
    let end = sim.with(|st, now, clock| start(&mut st.telescopes[tel].rotator, now.at, clock));
    sleep_until(end).await;
    sim.with(|st, now, _| {
        to_data(&RotatorResultData {
            angle_deg: crate::devices::round_to(st.telescopes[tel].rotator.angle(now.at), 0.01),
        })
    })
}

/// Moves the wheel to a filter, waiting for it to arrive.
async fn select_filter(sim: &Simulator, tel: usize, filter_id: &str) -> Result<(), ErrorBody> {
    let end = sim.with(|st, now, clock| {
        let wheel = &mut st.telescopes[tel].wheel;
        wheel.settle(now.at);
        let slot = wheel
            .slot_of_filter(filter_id)
            .ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::Unsupported,
                    format!("no filter `{filter_id}` in the wheel"),
                )
            })?
            .filter_wheel_position_id;
        if wheel.current().filter_wheel_position_id == slot {
            return Ok(None);
        }
        Ok(wheel.move_to(slot, now.at, clock))
    })?;
    if let Some(end) = end {
        sleep_until(end).await;
        sim.with(|st, now, _| st.telescopes[tel].wheel.settle(now.at));
    }
    Ok(())
}

/// Opens the shutter, waits for the readout, and returns the focus error
/// (µm) at the end, which decides how sharp the stars are.
async fn integrate(sim: &Simulator, tel: usize, duration_s: f64) -> f64 {
    let end = sim.with(|st, now, clock| st.telescopes[tel].camera.start(duration_s, now.at, clock));
    sleep_until(end).await;
    sim.with(|st, now, clock| {
        let t = &mut st.telescopes[tel];
        t.camera.idle();
        t.focuser.motion.value(now.at) - t.focuser.best_focus_um(t.temperature_c(now.at, clock))
    })
}

async fn expose(sim: &Simulator, tel: usize, c: &CameraExposureStart) -> Outcome {
    if let Some(filter_id) = &c.filter_id {
        select_filter(sim, tel, filter_id).await?;
    }
    let started_at = sim.with(|_, now, _| now.timestamp());
    let focus_error_um = integrate(sim, tel, c.duration_s).await;
    let exposure_id = uuid::Uuid::new_v4().to_string();
    let (params, width, height, filter_id) = sim.with(|st, now, clock| {
        let t = &st.telescopes[tel];
        let (eq, _) = t.mount.pointing(now, clock);
        let camera = &t.camera.config;
        let (width, height) = (camera.width / c.binning, camera.height / c.binning);
        let preview_width = 480u32;
        let preview_height = (preview_width * height / width.max(1)).clamp(1, 960);
        let params = preview::PreviewParams {
            seed: exposure_id
                .bytes()
                .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b)),
            width: preview_width,
            height: preview_height,
            focus_error_um,
            duration_s: c.duration_s,
            binning: c.binning,
            ra_deg: eq.ra_deg,
            dec_deg: eq.dec_deg,
        };
        (params, width, height, t.wheel.current().filter_id.clone())
    });
    let png = tokio::task::spawn_blocking(move || preview::render_png(&params))
        .await
        .map_err(|e| {
            ErrorBody::new(
                ErrorCode::Internal,
                format!("preview rendering failed: {e}"),
            )
        })?
        .map_err(|e| {
            ErrorBody::new(ErrorCode::Internal, format!("preview encoding failed: {e}"))
        })?;
    sim.with(|st, now, _| {
        st.store_preview(exposure_id.clone(), png);
        st.log(
            tel,
            LogLevel::Info,
            format!(
                "exposure done: {} s, bin {}, {filter_id}",
                c.duration_s, c.binning
            ),
            now,
        );
    });
    to_data(&ExposureData {
        preview_url: format!("/v1/previews/{exposure_id}.png"),
        exposure_id,
        started_at,
        duration_s: c.duration_s,
        binning: c.binning,
        filter_id: Some(filter_id),
        width,
        height,
    })
}

/// Focuser steps between autofocus samples, µm.
const AF_STEP_UM: f64 = 400.0;
/// Samples per pass.
const AF_SAMPLES: i32 = 9;
/// Exposure per sample, simulated seconds.
const AF_EXPOSURE_S: f64 = 1.0;

async fn autofocus(sim: &Simulator, tel: usize, id: CommandId, c: &ImagerAutofocus) -> Outcome {
    select_filter(sim, tel, &c.filter_id).await?;
    let mut centre = sim.with(|st, now, _| {
        let t = &mut st.telescopes[tel];
        t.autofocus = Some(AutofocusProgress {
            command_id: Some(id),
            filter_id: c.filter_id.clone(),
            strategy: c.strategy.clone(),
            running: true,
            samples: Vec::new(),
            best_position_um: None,
        });
        st.publish_instrument(tel, now);
        st.telescopes[tel].focuser.motion.value(now.at)
    });
    let mut samples = Vec::new();
    // One pass, and a second one recentred if the minimum lies at an end.
    for pass in 0..2 {
        let mut pass_samples = Vec::new();
        for i in 0..AF_SAMPLES {
            let position = centre + f64::from(i - AF_SAMPLES / 2) * AF_STEP_UM;
            let sample = measure(sim, tel, position, samples.len() as u64).await;
            pass_samples.push(sample);
            samples.push(sample);
            sim.with(|st, now, _| {
                if let Some(af) = st.telescopes[tel].autofocus.as_mut() {
                    af.samples.push(sample);
                }
                st.publish_instrument(tel, now);
                st.log(
                    tel,
                    LogLevel::Info,
                    format!(
                        "autofocus: {:.0} µm, HFR {:.2} px",
                        sample.position_um, sample.hfr_px
                    ),
                    now,
                );
            });
        }
        let lowest = pass_samples
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.hfr_px.total_cmp(&b.1.hfr_px))
            .map_or(0, |(i, _)| i);
        if pass == 0 && (lowest == 0 || lowest == pass_samples.len() - 1) {
            centre = pass_samples[lowest].position_um;
            continue;
        }
        break;
    }
    let best = fit::best_focus(&samples, &c.strategy).ok_or_else(|| {
        ErrorBody::new(
            ErrorCode::Internal,
            "autofocus could not fit the samples; the star field may be too far out of focus",
        )
    })?;
    let final_sample = measure(sim, tel, best, u64::MAX).await;
    sim.with(|st, now, _| {
        if let Some(af) = st.telescopes[tel].autofocus.as_mut() {
            af.running = false;
            af.best_position_um = Some(final_sample.position_um);
        }
        st.publish_instrument(tel, now);
        st.log(
            tel,
            LogLevel::Info,
            format!(
                "autofocus done: best focus {:.0} µm, HFR {:.2} px",
                final_sample.position_um, final_sample.hfr_px
            ),
            now,
        );
    });
    let data = skynet_protocol::AutofocusData {
        best_position_um: final_sample.position_um,
        best_hfr_px: final_sample.hfr_px,
        samples,
    };
    to_data(&data)
}

/// Moves the focuser, exposes, and measures the HFR (with a little noise).
async fn measure(sim: &Simulator, tel: usize, position_um: f64, salt: u64) -> AutofocusSample {
    let end = sim.with(|st, now, clock| {
        st.telescopes[tel]
            .focuser
            .move_to(position_um, now.at, clock)
    });
    sleep_until(end).await;
    let focus_error = integrate(sim, tel, AF_EXPOSURE_S).await;
    let noise = 1.0 + 0.03 * pseudo_random(position_um.to_bits() ^ salt);
    let position_um = sim.with(|st, now, _| st.telescopes[tel].focuser.motion.value(now.at));
    AutofocusSample {
        position_um: position_um.round(),
        hfr_px: crate::devices::round_to(preview::hfr_px(focus_error) * noise, 0.01),
    }
}

/// A number in [-1, 1) from a seed (splitmix64).
pub(crate) fn pseudo_random(seed: u64) -> f64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}
