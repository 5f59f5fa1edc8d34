//! The registrar for the lines' `[[line.account]]` phones: their
//! accounts by user name, at start and on reload.
//!
//! Does not own: answering REGISTER (`sip::registrar`) or swapping the
//! accounts in on reload (`reload.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sip::registrar::{Account, Binding, Registrar};
use tracing::info;

use crate::config::Config;

/// The registrar for the lines' `[[line.account]]` phones, with the
/// bindings kept from before; `None` when no line has an account (REGISTER
/// then gets 405).
pub fn registrar(config: &Config, kept: Vec<Binding>, seed: u64) -> Option<Arc<Mutex<Registrar>>> {
    let accounts = accounts(config);
    if accounts.is_empty() {
        return None;
    }
    let count = accounts.len();
    let mut registrar = Registrar::new(&config.service.realm, accounts, seed);
    registrar.restore(kept, crate::time::now_secs());
    info!(
        accounts = count,
        "registrar on for the lines' phone accounts"
    );
    Some(Arc::new(Mutex::new(registrar)))
}

/// The lines' `[[line.account]]` phones, by user name.
pub fn accounts(config: &Config) -> HashMap<String, Account> {
    config
        .lines
        .iter()
        .flat_map(|line| {
            line.accounts.iter().map(|a| {
                (
                    a.user.clone(),
                    Account {
                        password: a.password.clone(),
                        line: line.name.clone(),
                    },
                )
            })
        })
        .collect()
}
