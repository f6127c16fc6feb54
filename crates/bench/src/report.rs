//! The figures as Markdown, spliced into `BENCHMARKS.md`.

use std::fmt::Write;
use std::process::Command;

use crate::fanout::FanOut;
use crate::ingest::{self, Ingest, Round};
use crate::load::{percentile, Runs};
use crate::sizes::Sizes;
use crate::soak::Soak;

/// Everything one run measured.
#[derive(Debug)]
pub struct Figures {
    /// What `dist/` ships, by kind, then the total.
    pub sizes: Vec<Sizes>,
    /// Navigation to first mount snapshot, fresh browser, ms.
    pub cold: Runs,
    /// The same, the page loaded again in the tab (HTTP cache, not the
    /// service worker), ms.
    pub warm: Runs,
    /// The same, the page loaded again through the active service worker, ms.
    pub worker: Runs,
    /// The files of `dist/` a cold load fetches before its first mount
    /// snapshot, together (kind `initial`).
    pub initial: Sizes,
    /// Their names.
    pub initial_files: Vec<String>,
    /// Bytes of every response of that span as served here.
    pub initial_wire: u64,
    /// The simulator's fan-out.
    pub fanout: FanOut,
    /// The forced snapshot rate of the fan-out run.
    pub fanout_hz: f64,
    /// The recording's frames by device type.
    pub mix: Vec<(String, usize)>,
    /// The ingest rounds (each client's replay, the first alternating).
    pub ingest: Vec<Round>,
    /// Frame-to-DOM latencies under load, ms.
    pub latencies: Vec<f64>,
    /// Memory through the soak.
    pub soak: Soak,
}

impl Figures {
    /// Whether every measurement gave figures.
    pub fn complete(&self) -> bool {
        self.sizes.last().is_some_and(|t| t.gzip > 0)
            && !self.cold.0.is_empty()
            && self.cold.median().is_finite()
            && self.worker.median().is_finite()
            && self.initial.gzip > 0
            && self.fanout.delivered > 0
            && !self.ingest.is_empty()
            && self.ingest.iter().all(|r| r.ratio().is_finite())
            && !self.latencies.is_empty()
            && self
                .soak
                .growth()
                .is_some_and(|(js, wasm)| js.is_finite() && wasm.is_finite())
    }
}

/// Where and when it ran.
pub struct Machine {
    cpu: String,
    cores: usize,
    chromium: String,
    date: String,
    commit: String,
}

impl Machine {
    /// Reads this machine, the date and the checkout's commit.
    pub fn read() -> Self {
        let output = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        };
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines().find_map(|l| {
                    l.strip_prefix("model name")?
                        .split_once(':')
                        .map(|(_, m)| m.trim().to_owned())
                })
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let dirty = output(
            "git",
            &["status", "--porcelain", "--", ".", ":!BENCHMARKS.md"],
        )
        .is_some_and(|s| !s.is_empty());
        let commit = output("git", &["rev-parse", "--short=12", "HEAD"])
            .map(|c| {
                if dirty {
                    format!("{c} (with uncommitted changes)")
                } else {
                    c
                }
            })
            .unwrap_or_else(|| "unknown".into());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chromium: output("/usr/bin/chromium", &["--version"])
                .unwrap_or_else(|| "unknown".into()),
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            commit,
        }
    }
}

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";
// The targets of issue 14.
/// The initial load target (navigation to the first mount snapshot), gzipped bytes.
const INITIAL_TARGET: usize = 200 * 1024;
/// The target for everything the site ships, lazy parts included, gzipped bytes.
const TOTAL_TARGET: usize = 420 * 1024;
/// The memory growth target over the soak, bytes.
const GROWTH_TARGET: f64 = 10.0 * 1024.0 * 1024.0;
/// The cold load target (median on loopback), ms.
const COLD_TARGET_MS: f64 = 350.0;
/// The warm load target (median on loopback), ms.
const WARM_TARGET_MS: f64 = 150.0;
/// The ingest target: SkyDeck's rate over the plain-JavaScript reference's.
const INGEST_TARGET: f64 = 1.0;
/// The latency target at 1,000 snapshots a second: p99 within a 60 Hz frame, ms.
const LATENCY_TARGET_MS: f64 = 16.7;

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// "met" or "missed by ...".
fn verdict(value: f64, target: f64, unit: impl Fn(f64) -> String) -> String {
    if value <= target {
        format!("met ({} under)", unit(target - value))
    } else {
        format!("**missed by {}**", unit(value - target))
    }
}

/// The generated section, markers included.
pub fn section(f: &Figures, m: &Machine) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{BEGIN}");
    let _ = writeln!(
        s,
        "Measured {} at commit `{}` on {} ({} cores), {}, against `skynode-sim` on loopback.\n",
        m.date, m.commit, m.cpu, m.cores, m.chromium
    );
    let _ = writeln!(s, "### Load: what `dist/` ships\n");
    let _ = writeln!(
        s,
        "| kind | files | raw | gzip -9 | brotli 11 |\n|---|---|---|---|---|"
    );
    for r in &f.sizes {
        let bold = if r.kind == "total" { "**" } else { "" };
        let _ = writeln!(
            s,
            "| {bold}{}{bold} | {} | {} | {bold}{}{bold} | {} |",
            r.kind,
            r.files,
            kib(r.raw),
            kib(r.gzip),
            kib(r.brotli)
        );
    }
    let _ = writeln!(
        s,
        "\nOf it, a cold load fetches these before the first mount snapshot is on screen: {} ({} on the wire here, every response of that span, which the simulator serves uncompressed). The rest comes later, when the service worker installs, or never:\n",
        f.initial_files.join(", "),
        kib(f.initial_wire as usize)
    );
    let _ = writeln!(
        s,
        "| bytes | files | raw | gzip -9 | brotli 11 |\n|---|---|---|---|---|"
    );
    let total = f.sizes.last();
    for (name, r) in [
        (
            "initial (navigation to the first mount snapshot)",
            Some(&f.initial),
        ),
        ("total (all of `dist/`)", total),
    ] {
        let Some(r) = r else { continue };
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} |",
            r.files,
            kib(r.raw),
            kib(r.gzip),
            kib(r.brotli)
        );
    }
    if let Some(total) = total {
        let unit = |b: f64| kib(b as usize);
        let _ = writeln!(
            s,
            "\nTargets, gzipped: initial at most {}: {}; total at most {}: {}.\n",
            kib(INITIAL_TARGET),
            verdict(f.initial.gzip as f64, INITIAL_TARGET as f64, unit),
            kib(TOTAL_TARGET),
            verdict(total.gzip as f64, TOTAL_TARGET as f64, unit)
        );
    }
    let ms = |x: f64| format!("{x:.0} ms");
    let _ = writeln!(
        s,
        "### Load: navigation to the first mount snapshot on screen\n"
    );
    let _ = writeln!(s, "| cache | runs | median | slowest |\n|---|---|---|---|");
    for (name, runs) in [
        ("cold (new browser profile)", &f.cold),
        (
            "warm (same tab again, HTTP cache, worker bypassed)",
            &f.warm,
        ),
        (
            "service worker (same tab again, through the active worker)",
            &f.worker,
        ),
    ] {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} |",
            runs.0.len(),
            ms(runs.median()),
            ms(runs.max())
        );
    }
    let _ = writeln!(
        s,
        "\nTargets, medians: cold within {}: {}; warm within {}: {} (through the service worker: {}).\n",
        ms(COLD_TARGET_MS),
        verdict(f.cold.median(), COLD_TARGET_MS, ms),
        ms(WARM_TARGET_MS),
        verdict(f.warm.median(), WARM_TARGET_MS, ms),
        verdict(f.worker.median(), WARM_TARGET_MS, ms)
    );
    let _ = writeln!(
        s,
        "### Ingest: a recorded stream as fast as the page takes it\n"
    );
    let mix: Vec<String> = f
        .mix
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let Some(median) = ingest::median(&f.ingest) else {
        return s;
    };
    let _ = writeln!(
        s,
        "{} device snapshot frames recorded from the simulator ({}), replayed over a WebSocket on loopback, in the same browser to both clients, in {} rounds (each client once per round, the first alternating). The round of the median ratio:\n",
        median.app.frames,
        mix.join(", "),
        f.ingest.len()
    );
    let _ = writeln!(s, "| client | frames a second | main-thread ms per 1,000 frames | wall time |\n|---|---|---|---|");
    for (name, i) in [
        ("SkyDeck (socket, decode, state, DOM)", &median.app),
        (
            "plain JavaScript (JSON.parse, DOM once per frame)",
            &median.reference,
        ),
    ] {
        let _ = writeln!(
            s,
            "| {name} | {:.0} | {:.1} | {} |",
            i.rate(),
            i.cost(),
            ms(i.wall_ms)
        );
    }
    let ratio = median.ratio();
    let _ = writeln!(
        s,
        "\nEvery round, SkyDeck's rate over the reference's: {}.",
        rounds_line(&f.ingest)
    );
    let _ = writeln!(
        s,
        "\nSkyDeck ingests at {ratio:.3}× the reference's rate (the median round). Target: at least {INGEST_TARGET:.1}×: {}.\n",
        if ratio >= INGEST_TARGET {
            "met".to_owned()
        } else {
            format!("**missed** ({ratio:.3}× against {INGEST_TARGET:.1}×)")
        }
    );
    let _ = writeln!(
        s,
        "### Latency under load: a frame's arrival to the DOM showing it\n"
    );
    let p99 = percentile(&f.latencies, 99.0);
    let _ = writeln!(
        s,
        "The simulator publishing 1,000 snapshots a second (every device of both telescopes 100 times a second), the mount moving; {} mount frames shown.\n",
        f.latencies.len()
    );
    let _ = writeln!(s, "| p50 | p99 | max |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| {:.1} ms | {:.1} ms | {:.1} ms |",
        percentile(&f.latencies, 50.0),
        p99,
        percentile(&f.latencies, 100.0)
    );
    let _ = writeln!(
        s,
        "\nTarget: p99 within one frame ({LATENCY_TARGET_MS} ms): {}.\n",
        verdict(p99, LATENCY_TARGET_MS, |x| format!("{x:.1} ms"))
    );
    memory(&mut s, &f.soak);
    let fo = &f.fanout;
    let _ = writeln!(s, "### Simulator fan-out\n");
    let _ = writeln!(
        s,
        "{} clients, each subscribed to every stream of La Palma, the simulator publishing every device {} times a second (`--snapshot-hz`): {} device snapshots delivered in {:.0} s ({:.0} a second). Delay from `observed_at` (millisecond resolution) to arrival:\n",
        fo.clients, f.fanout_hz, fo.delivered, fo.seconds, fo.delivered as f64 / fo.seconds
    );
    let _ = writeln!(s, "| p50 | p99 | max |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| {:.1} ms | {:.1} ms | {:.1} ms |",
        percentile(&fo.delays_ms, 50.0),
        percentile(&fo.delays_ms, 99.0),
        percentile(&fo.delays_ms, 100.0)
    );
    let _ = write!(s, "{END}");
    s
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

/// Each round's ratio in order, which client went first marked: `0.95×
/// (SkyDeck first), 1.01× (reference first)`.
fn rounds_line(rounds: &[Round]) -> String {
    rounds
        .iter()
        .map(|r| {
            format!(
                "{:.3}× ({} first)",
                r.ratio(),
                if r.app_first { "SkyDeck" } else { "reference" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Both clients' ingest with where their main-thread time went, per 1,000
/// frames, in every round, and the median ratio (`--ingest-only`).
pub fn ingest_breakdown(rounds: &[Round]) -> String {
    let per = |ms: f64, i: &Ingest| ms / (i.frames as f64 / 1000.0);
    let mut s = String::from(
        "| round | client | frames a second | main thread | script | style | layout | other |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (n, round) in rounds.iter().enumerate() {
        breakdown_rows(&mut s, n + 1, round, per);
    }
    if let Some(median) = ingest::median(rounds) {
        let _ = writeln!(
            s,
            "\nms per 1,000 frames. Rounds: {}. SkyDeck at {:.3}x the reference (the median round).",
            rounds_line(rounds),
            median.ratio()
        );
    }
    s
}

fn breakdown_rows(s: &mut String, n: usize, round: &Round, per: impl Fn(f64, &Ingest) -> f64) {
    let (app, reference) = (&round.app, &round.reference);
    for (name, i) in [("SkyDeck", app), ("reference", reference)] {
        let other = i.main_thread_ms - i.script_ms - i.style_ms - i.layout_ms;
        let _ = writeln!(
            s,
            "| {n} | {name} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            i.rate(),
            per(i.main_thread_ms, i),
            per(i.script_ms, i),
            per(i.style_ms, i),
            per(i.layout_ms, i),
            per(other, i),
        );
    }
}

/// The soak's table and verdict.
pub fn memory(s: &mut String, soak: &Soak) {
    let _ = writeln!(s, "### Memory: a night's soak\n");
    let _ = writeln!(
        s,
        "The simulator publishing 200 snapshots a second (every device of both telescopes 20 times a second), the mount moving. First the log filled with {} commands run by another client (small focuser and rotator moves, {:.0} s), then the page ran for {:.0} s. Each sample follows a forced garbage collection.\n",
        soak.commands, soak.fill_s, soak.seconds
    );
    let _ = writeln!(
        s,
        "| when | commands in the log | JS heap in use | wasm memory | DOM elements |\n|---|---|---|---|---|"
    );
    for (i, x) in soak.samples.iter().enumerate() {
        let when = match i {
            0 => "loaded".to_owned(),
            1 => "log filled".to_owned(),
            _ => format!("+{:.0} s", x.at_s),
        };
        let _ = writeln!(
            s,
            "| {when} | {} | {} | {} | {:.0} |",
            x.log,
            mib(x.js_heap),
            mib(x.wasm),
            x.elements
        );
    }
    if let Some((js, wasm)) = soak.growth() {
        let _ = writeln!(
            s,
            "\nGrowth over the run after the fill: JS heap {:+.2} MiB, wasm memory {:+.2} MiB. Target: under {} together: {}.\n",
            js / (1024.0 * 1024.0),
            wasm / (1024.0 * 1024.0),
            mib(GROWTH_TARGET),
            verdict(js.max(0.0) + wasm.max(0.0), GROWTH_TARGET, mib)
        );
    }
}

/// `document` with its generated section replaced by `section` (appended
/// when it has none).
pub fn splice(document: &str, section: &str) -> String {
    match (document.find(BEGIN), document.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!(
                "{}{section}{}",
                &document[..begin],
                &document[end + END.len()..]
            )
        }
        _ if document.trim().is_empty() => format!("# SkyDeck benchmarks\n\n{section}\n"),
        _ => format!("{}\n\n{section}\n", document.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splicing_keeps_the_notes_around_the_figures() {
        let doc = format!("# B\n\nnotes before\n\n{BEGIN}\nold\n{END}\n\nnotes after\n");
        let new = splice(&doc, &format!("{BEGIN}\nnew\n{END}"));
        assert_eq!(
            new,
            format!("# B\n\nnotes before\n\n{BEGIN}\nnew\n{END}\n\nnotes after\n")
        );
        assert!(splice("", "X").starts_with("# SkyDeck benchmarks"));
        assert!(splice("# Mine", "X").ends_with("X\n"));
    }

    #[test]
    fn verdicts_say_by_how_much() {
        assert_eq!(
            verdict(400.0, 500.0, |x| format!("{x:.0} ms")),
            "met (100 ms under)"
        );
        assert_eq!(
            verdict(650.0, 500.0, |x| format!("{x:.0} ms")),
            "**missed by 150 ms**"
        );
    }
}
