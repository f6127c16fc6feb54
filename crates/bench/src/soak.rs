//! Memory over a night: SkyDeck open with the simulator publishing every
//! device 20 times a second (200 snapshots a second across both telescopes,
//! all of which SkyDeck subscribes to), the La Palma mount moving, and a
//! command log of `commands` entries.
//!
//! The log fills first: another client (the owner, one socket per device)
//! runs small focuser and rotator moves on both telescopes one after another
//! until `commands` have finished; SkyDeck sees each on its `command` and
//! `command_result` streams. Then the page runs for `seconds`.
//!
//! Each sample follows a forced garbage collection (DevTools
//! `HeapProfiler.collectGarbage`): the JS heap in use
//! (`Runtime.getHeapUsage`), the wasm linear memory (from the module trunk's
//! loader hands to its `TrunkApplicationStarted` event, caught by a script
//! installed ahead of the page's own) and the number of DOM elements.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use skydeck_e2e::{tokens, Browser, Sim};
use skynet_protocol::{
    Command, CommandFilter, CommandStreamName, CommandsClientMessage, CommandsServerMessage,
    MoveRelativeUm, RotatorMoveRelative, SubscribeCommands, SubscriptionId, TelescopeUid,
};
use tokio_tungstenite::tungstenite::Message;

use crate::ingest::Cdp;
use crate::replay;

/// Keeps the wasm module's exports where the harness can read its memory.
const CATCH_WASM: &str = r#"addEventListener('TrunkApplicationStarted', (event) => {
  window.__skydeckWasm = event.detail.wasm;
});"#;

/// The number of entries in SkyDeck's command log, from its pager's label
/// (`1–50 of 10,000`; `no commands`).
const LOG_LEN: &str = "Number((document.querySelector('[data-testid=\"log-page\"]')?.textContent?.split(' of ')[1] ?? '0').replaceAll(',', ''))";

/// What the page holds at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the soak began (negative: before, while filling).
    pub at_s: f64,
    /// Entries in the command log.
    pub log: usize,
    /// JS heap in use, bytes.
    pub js_heap: f64,
    /// wasm linear memory, bytes.
    pub wasm: f64,
    /// DOM elements.
    pub elements: f64,
}

/// The soak's samples: on load, after the log filled, then through the run.
#[derive(Debug, Clone)]
pub struct Soak {
    /// Commands run into the log.
    pub commands: usize,
    /// Seconds the fill took.
    pub fill_s: f64,
    /// Seconds of the run after the fill.
    pub seconds: f64,
    /// Samples in time order; the first is on load, the second after the fill.
    pub samples: Vec<Sample>,
}

impl Soak {
    /// Growth over the run (last sample less the one after the fill):
    /// JS heap and wasm memory, bytes.
    pub fn growth(&self) -> Option<(f64, f64)> {
        let filled = self.samples.get(1)?;
        let last = self.samples.last()?;
        Some((last.js_heap - filled.js_heap, last.wasm - filled.wasm))
    }
}

/// Runs the soak: fills the log with `commands`, then samples `samples`
/// times over `seconds`.
pub async fn measure(commands: usize, seconds: f64, samples: usize, target: &str) -> Soak {
    let any = "127.0.0.1:0".parse().expect("an address");
    let mut sim = Sim::start_with(
        any,
        &[
            "--weather",
            "clear",
            "--snapshot-hz",
            "20",
            "--time-scale",
            "20",
        ],
    )
    .await;
    let mover = replay::keep_mount_moving(sim.addr, tokens::OWNER, target).await;
    let page = crate::load::open_watched(&sim, "soak", CATCH_WASM).await;
    page.wait_js(
        "the wasm module",
        "return !!window.__skydeckWasm;",
        Duration::from_secs(5),
    )
    .await;

    let start = Instant::now();
    let mut taken = vec![sample(&page, -start.elapsed().as_secs_f64()).await];
    fill(sim.addr, commands).await;
    // Every result has reached the page when its log holds them all.
    page.wait_js(
        "the commands in SkyDeck's log",
        &format!("return {LOG_LEN} >= {commands};"),
        Duration::from_secs(120),
    )
    .await;
    let fill_s = start.elapsed().as_secs_f64();
    let soak_start = Instant::now();
    taken.push(sample(&page, 0.0).await);
    let samples = samples.max(1);
    for i in 1..=samples {
        let due = Duration::from_secs_f64(seconds * i as f64 / samples as f64);
        tokio::time::sleep(due.saturating_sub(soak_start.elapsed())).await;
        taken.push(sample(&page, soak_start.elapsed().as_secs_f64()).await);
    }
    page.close().await;
    drop(mover);
    sim.kill().await;
    Soak {
        commands,
        fill_s,
        seconds,
        samples: taken,
    }
}

/// A sample after a forced garbage collection.
async fn sample(page: &Browser, at_s: f64) -> Sample {
    page.client
        .issue_cmd(Cdp("HeapProfiler.collectGarbage", json!({})))
        .await
        .expect("HeapProfiler.collectGarbage");
    let heap = page
        .client
        .issue_cmd(Cdp("Runtime.getHeapUsage", json!({})))
        .await
        .expect("Runtime.getHeapUsage");
    let page_figures = page
        .js(&format!(
            "return {{ wasm: window.__skydeckWasm?.memory?.buffer?.byteLength ?? null, elements: document.getElementsByTagName('*').length, log: {LOG_LEN} }};"
        ))
        .await;
    let number = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    Sample {
        at_s,
        log: page_figures["log"].as_u64().unwrap_or(0) as usize,
        js_heap: number(&heap["usedSize"]),
        wasm: number(&page_figures["wasm"]),
        elements: number(&page_figures["elements"]),
    }
}

/// Runs `count` small moves as the owner, each device's one after another,
/// all devices at once; returns when every one has a result.
async fn fill(addr: SocketAddr, count: usize) {
    let first = replay::telescope_uid(addr, tokens::OWNER, replay::TELESCOPE).await;
    let other = replay::telescope_uid(addr, tokens::OWNER, replay::OTHER_TELESCOPE).await;
    let lanes: [(TelescopeUid, Nudge); 4] = [
        (first.clone(), focuser_nudge),
        (first, rotator_nudge),
        (other.clone(), focuser_nudge),
        (other, rotator_nudge),
    ];
    let per_lane = count.div_ceil(lanes.len());
    let mut runs = Vec::new();
    for (lane, (telescope, command)) in lanes.into_iter().enumerate() {
        let n = per_lane.min(count.saturating_sub(lane * per_lane));
        runs.push(tokio::spawn(run_lane(addr, telescope, command, n)));
    }
    for run in runs {
        run.await.expect("a fill lane");
    }
}

/// The `i`th command of a lane.
type Nudge = fn(usize) -> Command;

fn focuser_nudge(i: usize) -> Command {
    let delta_um = if i % 2 == 0 { 5.0 } else { -5.0 };
    Command::FocuserMoveRelative(MoveRelativeUm { delta_um })
}

fn rotator_nudge(i: usize) -> Command {
    let delta_deg = if i % 2 == 0 { 0.1 } else { -0.1 };
    Command::RotatorMoveRelative(RotatorMoveRelative { delta_deg })
}

/// Publishes `n` commands to `telescope`, each after the previous one's result.
async fn run_lane(addr: SocketAddr, telescope_uid: TelescopeUid, command: Nudge, n: usize) {
    let mut ws = replay::connect(addr, "commands", tokens::OWNER).await;
    ws.send(replay::frame(&CommandsClientMessage::SubscribeCommands(
        SubscribeCommands {
            subscription_id: SubscriptionId::from("results".to_owned()),
            filter: CommandFilter {
                telescope_uid: Some(telescope_uid.clone()),
            },
            streams: Some(vec![CommandStreamName::CommandResult]),
        },
    )))
    .await
    .expect("subscribing to results");
    let mut next = Instant::now();
    for i in 0..n {
        // Under the simulator's 50 frames a second per socket.
        tokio::time::sleep_until(next.into()).await;
        next = Instant::now() + Duration::from_millis(21);
        let command_id = replay::publish(&mut ws, telescope_uid.clone(), command(i)).await;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
                .await
                .ok()
                .flatten()
                .and_then(Result::ok)
                .unwrap_or_else(|| panic!("the result of {command_id}"));
            let Message::Text(text) = frame else {
                continue;
            };
            match serde_json::from_str::<CommandsServerMessage>(&text) {
                Ok(CommandsServerMessage::CommandResult(event))
                    if event.result.command_id == command_id =>
                {
                    break
                }
                Ok(CommandsServerMessage::Error(error)) => {
                    panic!("{command_id} refused: {error:?}")
                }
                Ok(CommandsServerMessage::Ping(ping)) => {
                    ws.send(replay::frame(&CommandsClientMessage::Pong(ping)))
                        .await
                        .expect("answering a ping");
                }
                _ => {}
            }
        }
    }
}
