//! The command line: the subcommands and their options (clap). Parsing
//! only; `crate::commands` carries them out.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Screens calls to a resident's phone line: unknown callers must pass a
/// challenge, calls are recorded and logged.
#[derive(Parser, Debug)]
#[command(name = "linewarden", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

/// Options that choose and override the configuration.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Config file (TOML). Default: the built-in config/linewarden.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// SIP address to listen on (UDP and TCP), overriding the config.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory (call log, recordings), overriding the config.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Where a replay's words come from.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SpeechSource {
    Engine,
    Transcript,
    Off,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
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
    /// Manage the operator console's users.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Work with call fixtures.
    Fixture {
        #[command(subcommand)]
        command: FixtureCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum FixtureCmd {
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

/// `linewarden user ...`: the console's users, kept in the call log's
/// database in the data directory.
#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[command(flatten)]
        config: ConfigArgs,
        /// The login name.
        name: String,
        /// admin (everything), staff (the lines given) or tenant (one line).
        #[arg(long)]
        role: String,
        /// A line the user may see (repeat for staff; exactly one for a
        /// tenant; none for an admin).
        #[arg(long = "line", value_name = "LINE")]
        lines: Vec<String>,
    },
    /// List the users.
    List {
        #[command(flatten)]
        config: ConfigArgs,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Remove a user (and end their sessions).
    Remove {
        #[command(flatten)]
        config: ConfigArgs,
        name: String,
    },
}
