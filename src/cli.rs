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

/// Options that choose the configuration and the data directory.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Config file (TOML). Default: the built-in config/linewarden.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (recordings, and the call log unless the config's
    /// [store] url names a PostgreSQL database), overriding the config.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// [`ConfigArgs`] and the SIP address, for the commands that run or show
/// the service.
#[derive(clap::Args, Debug, Clone)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// SIP address to listen on (UDP and TCP), overriding the config.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// A risk level for `calls --risk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum RiskLevel {
    None,
    Low,
    Medium,
    High,
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
    Serve(ServiceArgs),
    /// List the call log (the config's store: its [store] url, else the data directory or --data-dir).
    Calls {
        #[command(flatten)]
        config: ConfigArgs,
        /// One JSON object per line, for programs.
        #[arg(long)]
        json: bool,
        /// How many calls, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Only calls to this line (its `name` in the config).
        #[arg(long, value_name = "NAME")]
        line: Option<String>,
        /// Only calls that started within this long ("2h", "7days") or since
        /// this UTC date or time ("2024-05-01", "2024-05-01T18:00:00Z").
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only calls at this risk or above.
        #[arg(long, value_name = "LEVEL")]
        risk: Option<RiskLevel>,
    },
    /// Validate a config file; exit status 1 with the error when it is bad.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["config", "file"])))]
    CheckConfig {
        /// The file to check.
        #[arg(long = "config", value_name = "FILE")]
        config: Option<PathBuf>,
        /// The file to check (the same as --config FILE).
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print the effective configuration.
    Config(ServiceArgs),
    /// Replay recorded call fixtures through the screening pipeline, offline
    /// and faster than real time, or play one as a live SIP call (--to).
    Replay {
        /// Config whose lines screen the fixtures (default: the built-in one).
        /// Not with --to: the service called screens with its own.
        #[arg(long, value_name = "FILE", conflicts_with = "to")]
        config: Option<PathBuf>,
        /// One JSON object per fixture (then a summary line).
        #[arg(long)]
        json: bool,
        /// Exit 1 when a fixture's expectations are not met. Not with --to:
        /// the service called decides the outcome and keeps it in its own
        /// call log (`linewarden calls`), which this side cannot see.
        #[arg(long, conflicts_with = "to")]
        check: bool,
        /// Worker threads (default: one per CPU). Not with --to (one call
        /// at a time).
        #[arg(long, conflicts_with = "to")]
        jobs: Option<usize>,
        /// Also print the scores per fold: fixtures split by the number
        /// ending their names, modulo N (the evaluation corpus holds fold
        /// 0 out). Not with --to or --json.
        #[arg(long, value_name = "N", conflicts_with_all = ["to", "json"])]
        folds: Option<u64>,
        /// Play each fixture as a real call to this SIP URI instead.
        #[arg(long, value_name = "SIP_URI")]
        to: Option<String>,
        /// With --to: write what each caller heard to DIR/<fixture>.wav
        /// (DIR is created if missing).
        #[arg(long, value_name = "DIR", requires = "to")]
        heard: Option<PathBuf>,
        /// Where the words come from: `engine` (the recognizer on the
        /// audio, as configured in [speech]), `transcript` (each fixture's
        /// transcript.txt) or `off`. Not with --to.
        #[arg(
            long,
            value_name = "SOURCE",
            default_value = "engine",
            conflicts_with = "to"
        )]
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
    /// Manage the lines kept in the store (the console's lines): bulk
    /// import and export.
    Lines {
        #[command(subcommand)]
        command: LinesCmd,
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
        /// The call with this Call-ID (default: the first answered one; the
        /// summary lists the others).
        #[arg(long, value_name = "CALL_ID")]
        call_id: Option<String>,
        /// The digit the challenge asked for. Without it, the digit (and
        /// the outcome) are read from linewarden's prompts when linewarden
        /// answered the call.
        #[arg(long, value_name = "DIGIT", value_parser = clap::value_parser!(u8).range(0..=9))]
        challenge_digit: Option<u8>,
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

/// `linewarden lines ...`: the lines kept in the call log's database (a
/// stored line replaces the configuration file's line of the same name).
#[derive(Subcommand, Debug)]
pub enum LinesCmd {
    /// Store the lines of a file (FILE.csv or FILE.toml), checked with the
    /// configuration file's lines; a running service applies them within
    /// a few seconds.
    Import {
        #[command(flatten)]
        config: ConfigArgs,
        /// The file: CSV with the columns name, numbers, phones,
        /// allowlist, blocklist, settings; or TOML with [[line]] tables.
        file: PathBuf,
    },
    /// Print the stored lines.
    Export {
        #[command(flatten)]
        config: ConfigArgs,
        /// csv or toml.
        #[arg(long, value_enum, default_value = "toml")]
        format: crate::console::lines::file::Format,
        /// Every running line: the configuration file's, with the stored
        /// ones merged in.
        #[arg(long)]
        all: bool,
    },
}
