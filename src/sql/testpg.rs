//! Tests only: a throwaway PostgreSQL cluster, started once per test
//! binary in a temporary directory (`initdb`, `pg_ctl`; run as the
//! `postgres` user when the tests run as root), listening only on a Unix
//! socket in that directory, with a fresh database for each caller. A
//! watcher process stops the cluster and removes the directory once the
//! test binary has exited, however it exits.
//!
//! Does not own: the schema (the store migrates each database like any
//! other).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

struct Cluster {
    socket_dir: PathBuf,
    next: AtomicUsize,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The connection string of a new, empty database. Panics (failing the
/// test) if no cluster can be started: PostgreSQL's server programs must
/// be installed.
pub fn fresh_database() -> String {
    let cluster = match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(why) => panic!("cannot start a PostgreSQL cluster for the tests: {why}"),
    };
    let n = cluster.next.fetch_add(1, Ordering::Relaxed);
    let name = format!("t_{n}");
    let admin = cluster.url("postgres");
    let mut client = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
    cluster.url(&name)
}

impl Cluster {
    fn url(&self, db: &str) -> String {
        format!(
            "host={} user=postgres dbname={db}",
            self.socket_dir.display()
        )
    }
}

/// Where the server programs are: on the PATH, else the newest of
/// `/usr/lib/postgresql/*/bin` (Debian's).
fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| d.join("pg_ctl").is_file()) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no pg_ctl on the PATH and no /usr/lib/postgresql: {e}"))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no pg_ctl in /usr/lib/postgresql/*/bin".to_owned())
}

/// `program` from `bin`, as the `postgres` user when running as root
/// (the server refuses to run as root).
fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    let path = bin.join(program);
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(path);
        cmd
    } else {
        Command::new(path)
    }
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The uid and gid of the `postgres` user.
fn postgres_user() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(|e| format!("id {flag} postgres: {e}"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| "running as root and there is no postgres user".to_owned())
    };
    Ok((id("-u")?, id("-g")?))
}

/// Whether the tests run as root.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let dir = tempfile::Builder::new()
        .prefix("lw-pg")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    let as_root = is_root();
    if as_root {
        let (uid, gid) = postgres_user()?;
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let mut initdb = command(&bin, "initdb", as_root);
    initdb
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
        ])
        .arg("--no-sync");
    run(initdb, "initdb")?;
    // The watcher: once this process is gone, stop the server and remove
    // the directory.
    let pg_ctl = bin.join("pg_ctl");
    let stop = if as_root {
        format!(
            "runuser -u postgres -- {} -D {} stop -m immediate",
            pg_ctl.display(),
            data.display()
        )
    } else {
        format!(
            "{} -D {} stop -m immediate",
            pg_ctl.display(),
            data.display()
        )
    };
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("setsid")
        .args(["sh", "-c", &watcher])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the watcher: {e}"))?;
    let mut start = command(&bin, "pg_ctl", as_root);
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-c listen_addresses= -k {} -c fsync=off -c full_page_writes=off -c max_connections=200",
            dir.display()
        ))
        .args(["-w", "start"]);
    run(start, "pg_ctl start")?;
    Ok(Cluster {
        socket_dir: dir,
        next: AtomicUsize::new(0),
    })
}
