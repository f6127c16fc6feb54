//! `skynode-sim`: parses flags, builds the world and serves it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use skynode_sim::{app, Options, Simulator, World};

/// A SkyNode simulator speaking the SkyNet WebSocket protocol.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:5001")]
    listen: SocketAddr,
    /// Folder of static files served at `/` [default: dist/ when it exists].
    #[arg(long)]
    serve: Option<PathBuf>,
    /// World file (JSON) replacing the built-in world.
    #[arg(long)]
    world: Option<PathBuf>,
    /// Run every duration this many times faster.
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    time_scale: f64,
    /// Serve test hooks (POST /v1/test/drop-sockets); never in production.
    #[arg(long)]
    test_hooks: bool,
    /// Publish every device this many times a second, changed or not (load
    /// for benchmarks).
    #[arg(long, value_parser = positive)]
    snapshot_hz: Option<f64>,
    /// Send every snapshot whole; by default, after the first delivery of a
    /// resource on a subscription, only what changed (a delta) is sent.
    #[arg(long)]
    full_snapshots: bool,
    /// Lifetime of an OAuth access token, in seconds (real time, not scaled
    /// by --time-scale).
    #[arg(long, default_value_t = 3600.0, value_parser = positive)]
    token_ttl: f64,
    /// Refuse the world file's development tokens (OAuth sign-in only).
    #[arg(long)]
    no_dev_tokens: bool,
    /// The weather: a built-in scenario (clear, variable, storm) or a
    /// scenario file (JSON).
    #[arg(long, default_value = "variable")]
    weather: String,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "skynode_sim=info".into()),
        )
        .init();
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("skynode-sim: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let world = match &args.world {
        Some(path) => World::load(path).map_err(|e| e.to_string())?,
        None => World::builtin(),
    };
    let weather = skynode_sim::weather::Scenario::named_or_file(&args.weather)
        .map_err(|e| format!("--weather {}: {e}", args.weather))?;
    let serve_dir = args
        .serve
        .or_else(|| Some(PathBuf::from("dist")).filter(|d| d.join("index.html").is_file()));
    if let Some(dir) = &serve_dir {
        if !dir.is_dir() {
            return Err(format!("--serve {}: no such folder", dir.display()));
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let sim = Simulator::start(
        world.clone(),
        Options {
            time_scale: args.time_scale,
            test_hooks: args.test_hooks,
            snapshot_hz: args.snapshot_hz,
            full_snapshots: args.full_snapshots,
            token_ttl: std::time::Duration::from_secs_f64(args.token_ttl),
            dev_tokens: !args.no_dev_tokens,
            serve_dir: serve_dir.clone(),
            weather: std::sync::Arc::new(weather.clone()),
            ..Options::default()
        },
    );
    println!("skynode-sim listening on http://{addr}");
    match &serve_dir {
        Some(dir) => println!("  serving {} at http://{addr}/", dir.display()),
        None => println!("  no site to serve (build one into dist/ or pass --serve DIR)"),
    }
    println!("  WebSockets: ws://{addr}/v1/ws/commands and ws://{addr}/v1/ws/stream (?token=...)");
    println!("  weather: {}", weather.name);
    if args.time_scale != 1.0 {
        println!("  time runs {}x faster", args.time_scale);
    }
    println!("  sign-in: OAuth 2.0 with PKCE at http://{addr}/oauth/authorize (SkyDeck's \"Sign in with SkyNet\"); access tokens live {} s", args.token_ttl);
    if args.no_dev_tokens {
        println!("  development tokens: refused (--no-dev-tokens)");
    } else {
        println!("  development tokens:");
        for account in &world.accounts {
            println!("    {:<18} {}", account.account, account.token);
        }
    }
    axum::serve(listener, app(sim))
        .with_graceful_shutdown(async {
            // Without a signal handler, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|e| e.to_string())
}
