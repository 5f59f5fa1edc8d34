//! The `linewarden` binary: the runtime shell and its command line.
//!
//! Owns: reading the config file, the logs, and the subcommands —
//! `serve` (the service), `calls` (the call log), `check-config` and
//! `config`. Call control lives in the `ivr` crate; SIP and media in `sip`.
#![forbid(unsafe_code)]

mod alerts;
mod call;
mod config;
mod fixture;
mod import;
mod line_legs;
mod lines;
mod listen;
mod outbound;
mod prompts;
mod recording;
mod replay;
mod serve;
mod store;
mod toml_key;
mod trunk;

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

/// Where a replay's words come from.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SpeechSource {
    Engine,
    Transcript,
    Off,
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
    /// Replay recorded call fixtures through the screening pipeline, offline
    /// and faster than real time, or play one as a live SIP call (--to).
    Replay {
        /// Config whose lines screen the fixtures (default: the built-in one).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// One JSON object per fixture (then a summary line).
        #[arg(long)]
        json: bool,
        /// Exit 1 when a fixture's expectations are not met.
        #[arg(long)]
        check: bool,
        /// Worker threads (default: one per CPU).
        #[arg(long)]
        jobs: Option<usize>,
        /// Play each fixture as a real call to this SIP URI instead.
        #[arg(long, value_name = "SIP_URI")]
        to: Option<String>,
        /// With --to: write what each caller heard to DIR/<fixture>.wav.
        #[arg(long, value_name = "DIR", requires = "to")]
        heard: Option<PathBuf>,
        /// Where the words come from: `engine` (the recognizer on the
        /// audio, as configured in [speech]), `transcript` (each fixture's
        /// transcript.txt) or `off`.
        #[arg(long, value_name = "SOURCE", default_value = "engine")]
        speech: SpeechSource,
        /// Fixture directories, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Work with call fixtures.
    Fixture {
        #[command(subcommand)]
        command: FixtureCmd,
    },
}

#[derive(Subcommand, Debug)]
enum FixtureCmd {
    /// Turn a packet capture of a call (pcap or pcapng; SIP and RTP over
    /// UDP) into a fixture directory.
    Import {
        /// The capture file.
        capture: PathBuf,
        /// The fixture directory to write.
        #[arg(long, short)]
        out: PathBuf,
    },
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
        Cmd::Replay {
            config,
            json,
            check,
            jobs,
            to,
            heard,
            speech,
            paths,
        } => {
            let config = match &config {
                Some(path) => Config::load(path)?,
                None => Config::default_config(),
            };
            if let Some(target) = to {
                return replay_live(&target, &paths, json, heard.as_deref());
            }
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let listening = match speech {
                SpeechSource::Off => replay::listen::Listening::Off,
                SpeechSource::Transcript => replay::listen::Listening::Transcripts,
                SpeechSource::Engine => match config.speech.engine {
                    config::EngineChoice::Off => replay::listen::Listening::Off,
                    config::EngineChoice::Pocketsphinx => {
                        if !speech::Engine::BUILT_IN {
                            anyhow::bail!(
                                "speech recognition is not built in: install libpocketsphinx-dev and pocketsphinx-en-us and rebuild, or replay with --speech transcript"
                            );
                        }
                        replay::listen::Listening::Engine(
                            config.speech.engine_config(&config.tagging),
                        )
                    }
                },
            };
            let options = replay::Options {
                json,
                check,
                jobs,
                listening,
            };
            let mut out = std::io::stdout().lock();
            let code = replay::run(&paths, &config, &options, &mut out)?;
            Ok(ExitCode::from(code))
        }
        Cmd::Fixture {
            command: FixtureCmd::Import { capture, out },
        } => {
            let summary = import::import(&capture, &out)?;
            println!("{}: {summary}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Config(args) => {
            let config = args.load()?;
            print!("{}", config.to_toml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `replay --to`: each fixture as a live call, one after the other.
fn replay_live(
    target: &str,
    paths: &[PathBuf],
    json: bool,
    heard: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    init_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut failed = false;
    for found in fixture::discover(paths) {
        let fx = found
            .map_err(anyhow::Error::from)
            .and_then(|dir| fixture::Fixture::load(&dir).map_err(anyhow::Error::from));
        let fx = match fx {
            Ok(fx) => fx,
            Err(e) => {
                eprintln!("linewarden: {e:#}");
                failed = true;
                continue;
            }
        };
        let heard_file = heard.map(|dir| dir.join(format!("{}.wav", fx.name)));
        let report = runtime.block_on(replay::live::play(&fx, target, heard_file.as_deref()))?;
        if json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            println!(
                "{}: call {} status {} answered after {} ms, {} ms long, ended by {}, {} key(s) sent",
                report.fixture,
                report.call_id,
                report.status.map_or("-".into(), |s| s.to_string()),
                report.answer_ms.unwrap_or(0),
                report.duration_ms,
                report.ended_by,
                report.keys_sent
            );
        }
        failed |= report.status != Some(200);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
