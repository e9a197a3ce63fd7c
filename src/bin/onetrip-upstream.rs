//! The reference upstream server, standalone: `onetrip-upstream --listen 127.0.0.1:8700 --db up.sqlite3`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use onetrip::devtools::reference_upstream::{open_db, router, serve, Faults};

#[derive(Parser)]
#[command(about = "Reference upstream for OneTrip terminals (loopback testing and demos)")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: String,
    #[arg(long, default_value = "onetrip-upstream.sqlite3")]
    db: PathBuf,
    /// Bearer token terminals must present.
    #[arg(long, default_value = "demo-token")]
    token: String,
    /// Share of submissions answered 503 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share answered 429 with Retry-After.
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Share stored, then answered 500 (a lost response).
    #[arg(long, default_value_t = 0.0)]
    lose_response_rate: f64,
    /// Share stored, then the connection cut mid-response.
    #[arg(long, default_value_t = 0.0)]
    drop_after_commit_rate: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let faults = Faults {
        error_rate: args.error_rate,
        throttle_rate: args.throttle_rate,
        lose_response_rate: args.lose_response_rate,
        drop_after_commit_rate: args.drop_after_commit_rate,
        latency: Duration::from_millis(args.latency_ms),
        ..Faults::default()
    };
    let db = match open_db(&args.db) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("onetrip-upstream: cannot open {}: {e}", args.db.display());
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onetrip-upstream: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!(listen = %args.listen, "reference upstream ready");
    match serve(listener, router(db, &args.token, faults)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onetrip-upstream: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
