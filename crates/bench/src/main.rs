//! `skydeck-bench`: measures the release site in headless Chromium and the
//! simulator's fan-out, and writes the figures into `BENCHMARKS.md` between
//! its `<!-- bench:begin -->` and `<!-- bench:end -->` markers (the notes
//! around them are kept). `scripts/bench.sh` builds what it needs and runs it.
//!
//! `--smoke` runs every measurement briefly and writes
//! `target/bench/BENCHMARKS.smoke.md` instead: CI runs it so that the harness
//! cannot rot; its figures mean nothing.

mod fanout;
mod ingest;
mod latency;
mod load;
mod replay;
mod report;
mod sizes;
mod soak;

use std::path::PathBuf;

use clap::Parser;
use skydeck_e2e::{root, tokens, Sim};

/// Measures SkyDeck and skynode-sim; writes BENCHMARKS.md.
#[derive(Parser)]
#[command(about)]
struct Args {
    /// Brief runs of everything, written to target/bench/BENCHMARKS.smoke.md.
    #[arg(long)]
    smoke: bool,
    /// Only the memory soak, its figures printed (BENCHMARKS.md untouched).
    #[arg(long)]
    soak_only: bool,
    /// Only the ingest replay, its figures and main-thread breakdown printed
    /// (BENCHMARKS.md untouched).
    #[arg(long)]
    ingest_only: bool,
    /// Only the latency under load, its p50, p99 and max printed
    /// (BENCHMARKS.md untouched).
    #[arg(long)]
    latency_only: bool,
    /// Only the loads (cold, warm and through the service worker), their
    /// medians and slowest printed (BENCHMARKS.md untouched): to compare two
    /// builds back to back (`SKYDECK_DIST`).
    #[arg(long)]
    load_only: bool,
    /// Commands in the soak's log (10,000; 60 with --smoke).
    #[arg(long)]
    soak_commands: Option<usize>,
    /// Seconds of the soak after the log filled (600; 4 with --smoke).
    #[arg(long)]
    soak_seconds: Option<f64>,
    /// Frames in the ingest replay (100,000; 2,000 with --smoke).
    #[arg(long)]
    ingest_frames: Option<usize>,
    /// Rounds of the ingest replay, each client once per round, the first
    /// alternating; the figure is the round of the median ratio (5; 2 with
    /// --smoke).
    #[arg(long)]
    ingest_rounds: Option<usize>,
    /// Writes a DevTools CPU profile of each client's first ingest replay to
    /// `<PREFIX>-skydeck.cpuprofile` and `<PREFIX>-reference.cpuprofile`.
    #[arg(long, value_name = "PREFIX")]
    ingest_profile: Option<std::path::PathBuf>,
}

/// How much of each measurement to run.
struct Plan {
    cold_loads: usize,
    warm_loads: usize,
    worker_loads: usize,
    fanout_clients: usize,
    fanout_hz: f64,
    fanout_seconds: f64,
    ingest_frames: usize,
    ingest_rounds: usize,
    latency_seconds: f64,
    soak_commands: usize,
    soak_seconds: f64,
    soak_samples: usize,
}

impl Plan {
    /// The loads, as planned, of the site `sim` serves.
    async fn loads(&self, sim: &Sim) -> load::Loads {
        let counts = load::Counts {
            cold: self.cold_loads,
            warm: self.warm_loads,
            worker: self.worker_loads,
        };
        load::measure(sim, &counts).await
    }

    /// The memory soak, as planned.
    async fn soak(&self) -> soak::Soak {
        soak::measure(
            self.soak_commands,
            self.soak_seconds,
            self.soak_samples,
            skydeck_e2e::high_target(),
        )
        .await
    }

    /// The ingest replay, as planned: the recording's mix and each round's
    /// figures of both clients.
    async fn ingest(
        &self,
        sim: &Sim,
        profile: Option<&std::path::Path>,
    ) -> (Vec<(String, usize)>, Vec<ingest::Round>) {
        ingest::measure(
            sim,
            self.ingest_frames,
            self.ingest_rounds,
            skydeck_e2e::high_target(),
            profile,
        )
        .await
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut plan = if args.smoke {
        Plan {
            cold_loads: 1,
            warm_loads: 1,
            worker_loads: 1,
            fanout_clients: 10,
            fanout_hz: 20.0,
            fanout_seconds: 1.0,
            ingest_frames: 2_000,
            ingest_rounds: 2,
            latency_seconds: 2.0,
            soak_commands: 60,
            soak_seconds: 4.0,
            soak_samples: 2,
        }
    } else {
        Plan {
            cold_loads: 5,
            warm_loads: 10,
            worker_loads: 10,
            fanout_clients: 200,
            fanout_hz: 20.0,
            fanout_seconds: 10.0,
            ingest_frames: 100_000,
            ingest_rounds: 5,
            latency_seconds: 20.0,
            soak_commands: 10_000,
            soak_seconds: 600.0,
            soak_samples: 10,
        }
    };
    plan.soak_commands = args.soak_commands.unwrap_or(plan.soak_commands);
    plan.soak_seconds = args.soak_seconds.unwrap_or(plan.soak_seconds);
    plan.ingest_frames = args.ingest_frames.unwrap_or(plan.ingest_frames);
    plan.ingest_rounds = args.ingest_rounds.unwrap_or(plan.ingest_rounds);
    if args.soak_only {
        let soak = plan.soak().await;
        let mut section = String::new();
        report::memory(&mut section, &soak);
        println!("{section}");
        return;
    }
    if args.ingest_only {
        let any = "127.0.0.1:0".parse().expect("an address");
        let mut sim = Sim::start_with(any, &["--weather", "clear"]).await;
        let (_, rounds) = plan.ingest(&sim, args.ingest_profile.as_deref()).await;
        sim.kill().await;
        println!("{}", report::ingest_breakdown(&rounds));
        return;
    }
    if args.load_only {
        let any = "127.0.0.1:0".parse().expect("an address");
        let mut sim = Sim::start_with(any, &["--weather", "clear"]).await;
        let loads = plan.loads(&sim).await;
        sim.kill().await;
        for (name, runs) in [
            ("cold", &loads.cold),
            ("warm", &loads.warm),
            ("service worker", &loads.worker),
        ] {
            println!(
                "{name}: {} runs, median {:.0} ms, slowest {:.0} ms",
                runs.0.len(),
                runs.median(),
                runs.max()
            );
        }
        return;
    }
    if args.latency_only {
        let latencies = latency::measure(plan.latency_seconds, skydeck_e2e::high_target()).await;
        println!(
            "{} mount frames shown: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            load::percentile(&latencies, 50.0),
            load::percentile(&latencies, 99.0),
            load::percentile(&latencies, 100.0)
        );
        return;
    }
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let dist = std::env::var_os("SKYDECK_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("dist"));

    // The machine and the commit as the run starts: the checkout may move
    // on while it runs (the soak alone takes minutes).
    let machine = report::Machine::read();
    eprintln!("bench: sizes of {}", dist.display());
    let sizes = sizes::measure(&dist).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e} (scripts/bench.sh builds it)",
            dist.display()
        )
    });

    eprintln!(
        "bench: load, {} cold, {} warm and {} through the service worker",
        plan.cold_loads, plan.warm_loads, plan.worker_loads
    );
    let any = "127.0.0.1:0".parse().expect("an address");
    let mut sim = Sim::start_with(any, &["--weather", "clear"]).await;
    let loads = plan.loads(&sim).await;
    let initial_files = loads.initial.dist_files();
    let initial = sizes::of_files(&dist, &initial_files, "initial")
        .unwrap_or_else(|e| panic!("reading {}: {e}", dist.display()));

    eprintln!(
        "bench: ingest of {} recorded frames, {} rounds",
        plan.ingest_frames, plan.ingest_rounds
    );
    let (mix, ingest) = plan.ingest(&sim, args.ingest_profile.as_deref()).await;
    sim.kill().await;

    eprintln!("bench: latency under load for {} s", plan.latency_seconds);
    let latencies = latency::measure(plan.latency_seconds, skydeck_e2e::high_target()).await;

    eprintln!(
        "bench: memory soak, {} commands then {} s",
        plan.soak_commands, plan.soak_seconds
    );
    let soak = plan.soak().await;

    eprintln!(
        "bench: fan-out, {} clients at {} Hz for {} s",
        plan.fanout_clients, plan.fanout_hz, plan.fanout_seconds
    );
    let hz = plan.fanout_hz.to_string();
    let mut sim = Sim::start_with(any, &["--weather", "clear", "--snapshot-hz", &hz]).await;
    let telescope = replay::telescope_uid(sim.addr, tokens::VIEWER, replay::TELESCOPE).await;
    let fanout = fanout::measure(
        sim.addr,
        tokens::VIEWER,
        telescope.as_str(),
        plan.fanout_clients,
        plan.fanout_seconds,
    )
    .await;
    sim.kill().await;

    let figures = report::Figures {
        sizes,
        cold: loads.cold,
        warm: loads.warm,
        worker: loads.worker,
        initial,
        initial_files: initial_files
            .into_iter()
            .filter(|f| dist.join(f).is_file())
            .collect(),
        initial_wire: loads.initial.wire_bytes(),
        fanout,
        fanout_hz: plan.fanout_hz,
        mix,
        ingest,
        latencies,
        soak,
    };
    assert!(
        figures.complete(),
        "a measurement came back empty: {figures:#?}"
    );
    let section = report::section(&figures, &machine);
    let out = if args.smoke {
        let dir = root.join("target/bench");
        std::fs::create_dir_all(&dir).expect("creating target/bench");
        dir.join("BENCHMARKS.smoke.md")
    } else {
        root.join("BENCHMARKS.md")
    };
    let before = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::write(&out, report::splice(&before, &section))
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    println!("{section}");
    eprintln!("bench: written to {}", out.display());
}
