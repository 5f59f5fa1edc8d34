//! The `linewarden` binary: the runtime shell and its command line.
//!
//! Owns: reading the config file, the logs, and the subcommands —
//! `serve` (the service), `calls` (the call log), `check-config` and
//! `config`. Call control lives in the `ivr` crate; SIP and media in `sip`.
#![forbid(unsafe_code)]

mod call;
mod config;
mod prompts;
mod recording;
mod serve;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;

/// Screens calls to a resident's phone line: unknown callers must pass a
/// challenge, calls are recorded and logged.
#[derive(Parser, Debug)]
#[command(name = "linewarden", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

/// Options that choose and override the configuration.
#[derive(clap::Args, Debug, Clone)]
struct ConfigArgs {
    /// Config file (TOML). Default: the built-in config/linewarden.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// SIP address to listen on (UDP and TCP), overriding the config.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Data directory (call log, recordings), overriding the config.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the service.
    Serve(ConfigArgs),
    /// List the call log.
    Calls {
        #[command(flatten)]
        config: ConfigArgs,
        /// One JSON object per line, for programs.
        #[arg(long)]
        json: bool,
        /// How many calls, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Validate a config file; exit status 1 with the error when it is bad.
    CheckConfig {
        /// The file to check.
        file: PathBuf,
    },
    /// Print the effective configuration.
    Config(ConfigArgs),
}

impl ConfigArgs {
    fn load(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::load(path)?,
            None => Config::default_config(),
        };
        if let Some(listen) = self.listen {
            config.service.listen = listen;
        }
        if let Some(dir) = &self.data_dir {
            config.service.data_dir = dir.clone();
        }
        Ok(config)
    }
}

fn init_logs() {
    // rsipstack logs every SIP message at INFO; keep that at TRACE level
    // unless asked for with RUST_LOG.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rsipstack=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("linewarden: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Serve(args) => {
            let config = args.load()?;
            init_logs();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(serve::serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Calls {
            config,
            json,
            limit,
        } => {
            let config = config.load()?;
            let dir = &config.service.data_dir;
            let store = store::Store::open(dir)
                .with_context(|| format!("opening the call log in {}", dir.display()))?;
            let calls = store.list_calls(limit)?;
            let mut out = std::io::stdout().lock();
            store::print_calls(&calls, json, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::CheckConfig { file } => match Config::load(&file) {
            Ok(config) => {
                println!(
                    "{}: ok ({} line{})",
                    file.display(),
                    config.lines.len(),
                    if config.lines.len() == 1 { "" } else { "s" }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::FAILURE)
            }
        },
        Cmd::Config(args) => {
            let config = args.load()?;
            print!("{}", config.to_toml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
