//! `rider-bot`: a thin shell over the library. Reads `.env`, parses the command line, sets up
//! logging, and turns any error into one line on stderr and exit code 2.

use std::process::ExitCode;

use clap::Parser;
use rider_bot::cli::{self, Cli};
use rider_bot::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            // dotenvy's message quotes the offending line, which may hold the token: name the
            // variable only.
            let why = match &err {
                dotenvy::Error::LineParse(line, _) => {
                    let name = line.split('=').next().unwrap_or_default().trim();
                    format!("the line for {name} is not NAME=value (check its quotes)")
                }
                dotenvy::Error::Io(io) => io.to_string(),
                _ => "it cannot be read".to_owned(),
            };
            eprintln!("error: .env is malformed: {why}");
            return ExitCode::from(2);
        }
    }
    // In a terminal chat, log lines would interleave with the conversation: warnings only.
    let quiet = matches!(cli.command, cli::Command::Chat { .. });
    rider_bot::telemetry::init_with(if quiet { "warn" } else { "info" });
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) if matches!(cli.command, cli::Command::Doctor) => {
            println!("❌ configuration: {err}");
            return ExitCode::from(1);
        }
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match cli::run(cli, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
