//! `linewarden user add|list|remove`: managing the console's users from
//! the command line (the password is read from standard input). Changes
//! are audited with actor `cli`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;

use super::audit::{self, Event};
use super::users::{self, Role};
use crate::cli::UserCmd;

pub fn run(command: UserCmd) -> anyhow::Result<ExitCode> {
    match command {
        UserCmd::Add {
            config,
            name,
            role,
            lines,
        } => {
            let config = config.load()?;
            let role: Role = role.parse()?;
            let stored = super::lines::stored::load(&crate::store::Location::of(&config))?;
            let known = super::lines::merge::merge(&config.lines, &stored);
            for line in &lines {
                if !known.iter().any(|l| &l.name == line) {
                    eprintln!(
                        "linewarden: warning: no line {line:?} in the configuration or the store"
                    );
                }
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let conn = super::db::open_conn(&crate::store::Location::of(&config))?;
            let now = crate::time::now_millis();
            users::add(&conn, &name, role, &lines, password, now)?;
            let detail = format!("role {} lines [{}]", role.as_str(), lines.join(", "));
            audit::record(&conn, now, &cli_event("user added", &name, Some(&detail)))?;
            println!("user {name} added ({})", role.as_str());
            Ok(ExitCode::SUCCESS)
        }
        UserCmd::List { config, json } => {
            let config = config.load()?;
            let conn = super::db::open_conn(&crate::store::Location::of(&config))?;
            for user in users::list(&conn)? {
                if json {
                    println!("{}", serde_json::to_string(&user)?);
                } else {
                    let lines = if user.is_admin() {
                        "all lines".to_owned()
                    } else {
                        user.lines.join(",")
                    };
                    println!("{}\t{}\t{lines}", user.name, user.role.as_str());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCmd::Remove { config, name } => {
            let config = config.load()?;
            let conn = super::db::open_conn(&crate::store::Location::of(&config))?;
            users::remove(&conn, &name)?;
            audit::record(
                &conn,
                crate::time::now_millis(),
                &cli_event("user removed", &name, None),
            )?;
            println!("user {name} removed");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cli_event<'a>(action: &'a str, target: &'a str, detail: Option<&'a str>) -> Event<'a> {
    Event {
        actor: Some("cli"),
        action,
        target: Some(target),
        detail,
        source: None,
    }
}
