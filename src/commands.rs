//! Carrying out the subcommands: `serve`, `calls`, `check-config`,
//! `config`, `replay`, `fixture import`, `user` and `lines`. Each loads what it needs and
//! hands over to the module that owns the work.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Cmd, ConfigArgs, FixtureCmd, RiskLevel, ServiceArgs, SpeechSource};
use crate::config::{self, Config};
use crate::{research, serve, store};

impl ConfigArgs {
    pub fn load(&self) -> anyhow::Result<Config> {
        self.load_with(None)
    }

    fn load_with(&self, listen: Option<std::net::SocketAddr>) -> anyhow::Result<Config> {
        let config = match &self.config {
            Some(path) => Config::load(path)?,
            None => Config::default_config(),
        };
        Ok(config.with_overrides(listen, self.data_dir.as_deref())?)
    }
}

impl ServiceArgs {
    pub fn load(&self) -> anyhow::Result<Config> {
        self.config.load_with(self.listen)
    }
}

/// `e` and its causes, each once, joined by ": ". A cause whose text is
/// already shown (an error that prints its source and also chains it) is
/// left out.
pub fn report(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

pub fn init_logs() {
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

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Serve(args) => {
            let config = args.load()?;
            init_logs();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            // SIGHUP reads the same file with the same overrides again.
            let reload = args.config.config.is_some().then(|| {
                let args = args.clone();
                Box::new(move || args.load()) as serve::reload::LoadConfig
            });
            runtime.block_on(serve::serve(config, reload))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Calls {
            config,
            json,
            limit,
            line,
            since,
            risk,
        } => {
            let config = config.load()?;
            let filter = store::CallFilter {
                line,
                since: since.as_deref().map(parse_since).transpose()?,
                min_risk: risk.map(risk_of),
            };
            let store = store::Store::open_existing_at(&store::Location::of(&config))?;
            let calls = store.find_calls(&filter, limit)?;
            let mut out = std::io::stdout().lock();
            store::print_calls(&calls, json, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::CheckConfig { config, file } => {
            let Some(file) = config.or(file) else {
                anyhow::bail!("give the file to check: check-config --config FILE");
            };
            check_config(&file)
        }
        Cmd::Replay {
            config,
            json,
            check,
            jobs,
            folds,
            to,
            heard,
            speech,
            paths,
        } => {
            if let Some(target) = to {
                return replay_live(&target, &paths, json, heard.as_deref());
            }
            let config = match &config {
                Some(path) => Config::load(path)?,
                None => Config::default_config(),
            };
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let listening = listening(speech, &config)?;
            let options = research::replay::Options {
                json,
                check,
                jobs,
                folds: folds.unwrap_or(0),
                listening,
            };
            let mut out = std::io::stdout().lock();
            let code = research::replay::run(&paths, &config, &options, &mut out)?;
            Ok(ExitCode::from(code))
        }
        Cmd::Fixture {
            command:
                FixtureCmd::Import {
                    capture,
                    out,
                    call_id,
                    challenge_digit,
                },
        } => {
            let options = research::import::ImportOptions {
                call_id,
                challenge_digit,
            };
            let summary = research::import::import_with(&capture, &out, &options)?;
            println!("{}: {summary}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User { command } => crate::console::users_cli::run(command),
        Cmd::Lines { command } => crate::console::lines::cli::run(command),
        Cmd::Config(args) => {
            let config = args.load()?;
            print!("{}", config.to_toml()?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `check-config`: the file's verdict on standard output, or its error.
fn check_config(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    match Config::load(file) {
        Ok(config) => {
            let n = config.lines.len();
            println!(
                "{}: ok ({n} phone line{} configured)",
                file.display(),
                if n == 1 { "" } else { "s" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// What `replay` listens with: nothing, the fixtures' transcripts, or the
/// configured recognizer (an error when it is not built in).
fn listening(
    source: SpeechSource,
    config: &Config,
) -> anyhow::Result<research::replay::listen::Listening> {
    Ok(match source {
        SpeechSource::Off => research::replay::listen::Listening::Off,
        SpeechSource::Transcript => research::replay::listen::Listening::Transcripts,
        SpeechSource::Engine => match config.speech.engine {
            config::EngineChoice::Off => research::replay::listen::Listening::Off,
            config::EngineChoice::Pocketsphinx => {
                if !speech::Engine::BUILT_IN {
                    anyhow::bail!(
                        "speech recognition is not built in: install libpocketsphinx-dev and pocketsphinx-en-us and rebuild, or replay with --speech transcript"
                    );
                }
                research::replay::listen::Listening::Engine(Box::new(
                    config.speech.engine_config(&config.tagging),
                ))
            }
        },
    })
}

/// `replay --to`: each fixture as a live call, one after the other.
fn replay_live(
    target: &str,
    paths: &[PathBuf],
    json: bool,
    heard: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    if let Some(dir) = heard {
        // Before any call: a call is not made only to fail at its end.
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--heard {}: cannot create the directory", dir.display()))?;
    }
    init_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut failed = false;
    for found in research::fixture::discover(paths) {
        let fx = found
            .map_err(anyhow::Error::from)
            .and_then(|dir| research::fixture::Fixture::load(&dir).map_err(anyhow::Error::from));
        let fx = match fx {
            Ok(fx) => fx,
            Err(e) => {
                eprintln!("linewarden: {}", report(&e));
                failed = true;
                continue;
            }
        };
        let heard_file = heard.map(|dir| dir.join(format!("{}.wav", fx.name)));
        let report = runtime.block_on(research::replay::live::play(
            &fx,
            target,
            heard_file.as_deref(),
        ))?;
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

/// `calls --since`: a duration back from now ("2h", "7days") or a UTC
/// date or date and time ("2024-05-01", "2024-05-01T18:00:00Z").
fn parse_since(text: &str) -> anyhow::Result<std::time::SystemTime> {
    if let Ok(ago) = humantime::parse_duration(text) {
        return std::time::SystemTime::now()
            .checked_sub(ago)
            .context("--since: that is before 1970");
    }
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    humantime::parse_rfc3339_weak(&full).map_err(|_| {
        anyhow::anyhow!(
            "--since {text:?}: expected a duration such as \"2h\" or \"7days\", or a UTC date or time such as \"2024-05-01\" or \"2024-05-01T18:00:00Z\""
        )
    })
}

fn risk_of(level: RiskLevel) -> ivr::tagging::Risk {
    use ivr::tagging::Risk;
    match level {
        RiskLevel::None => Risk::None,
        RiskLevel::Low => Risk::Low,
        RiskLevel::Medium => Risk::Medium,
        RiskLevel::High => Risk::High,
    }
}
