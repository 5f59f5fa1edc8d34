//! `linewarden serve`: the live service, the runtime shell around `ivr`.
//!
//! Owns: starting the SIP endpoint, the call log thread, the prompt audio,
//! one task per call, the signals and a graceful shutdown — stop taking
//! calls, hang up the calls in progress, finish their recordings and log
//! rows, exit 0. Its children own one concern each: the addresses bound and
//! their check at start (`addresses`), a call's task (`call`),
//! the line-clear callback runner (`lineclear`), the recognizer threads
//! (`recognizers`), trusted-contact alerts (`alerts`), recordings
//! (`recording`), trunk registration (`trunk`), what every call shares
//! (`shared`) and the small async waits (`wait`). Does not own: any
//! decision about a call (the `ivr` crate's), SIP and media mechanics (the
//! `sip` crate's), the configuration (`crate::config`) or the call log
//! (`crate::store`).

pub mod addresses;
pub mod alerts;
pub mod call;
pub mod disk;
pub mod lineclear;
pub mod lineset;
pub mod recognizers;
pub mod recording;
pub mod reload;
pub mod shared;
pub mod trunk;
pub mod wait;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use arc_swap::ArcSwap;
use sip::registrar::{Account, Binding, Registrar};
use sip::{EndpointConfig, RegistrarHandle, SipEndpoint};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::Config;
use crate::prompts::Prompts;
use crate::serve::alerts::{AlertSender, DeliverySettings};
use crate::serve::lineset::LineSet;
use crate::serve::shared::Shared;
use crate::store::{Store, StoreHandle};

/// Runs the service until SIGINT or SIGTERM; SIGHUP reloads the
/// configuration with `reload` (`None`: the built-in one, nothing to read).
pub async fn serve(config: Config, reload: Option<reload::LoadConfig>) -> anyhow::Result<()> {
    // First, so a SIGTERM during start-up waits for it and then stops
    // cleanly instead of killing the process, and a SIGHUP does not kill it.
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let data_dir = config.service.data_dir.clone();
    // Opening the database and decoding the prompts block: keep them off
    // the runtime's threads.
    let dir = data_dir.clone();
    let live = crate::console::live::channel();
    let live_tx = live.clone();
    let (store, prompts, bindings, passed) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let store = Store::open(&dir)
                .with_context(|| format!("opening the call log in {}", dir.display()))?;
            let interrupted = store.close_interrupted()?;
            if interrupted > 0 {
                warn!(
                    interrupted,
                    "calls left open by an earlier crash are marked interrupted"
                );
            }
            let bindings = store
                .load_bindings(crate::time::now_secs())
                .context("reading the registered phones")?;
            // A line remembers callers for at most a year.
            let year_ago =
                i64::try_from(crate::time::now_secs().saturating_sub(366 * 86_400) * 1000)
                    .unwrap_or(0);
            let passed = store
                .load_passed(year_ago)
                .context("reading the callers who passed")?;
            let prompts = Prompts::load().context("loading prompts")?;
            Ok((
                StoreHandle::spawn_publishing(store, Some(live.clone())),
                prompts,
                bindings,
                passed,
            ))
        })
        .await
        .context("start-up task")??;
    let seed = fastrand::u64(..);
    let mut seeds = fastrand::Rng::with_seed(seed);

    let registrar = registrar(&config, bindings, seeds.u64(..));
    let handle = registrar.as_ref().map(|registrar| {
        let (changes, mut received) = mpsc::unbounded_channel();
        let store = store.clone();
        tokio::spawn(async move {
            while let Some(change) = received.recv().await {
                store.binding_changed(change);
            }
        });
        RegistrarHandle {
            registrar: registrar.clone(),
            changes,
        }
    });
    let ports = addresses::media_ports(&config.service).await?;
    let (endpoint, mut calls) = SipEndpoint::start(EndpointConfig {
        listen: config.service.listen,
        user_agent: config.service.user_agent.clone(),
        seed: seeds.u64(..),
        registrar: handle,
        tcp: config.service.tcp.limits(),
    })
    .await
    .with_context(|| addresses::listen_error(config.service.listen))?;
    let endpoint = Arc::new(endpoint);
    let speech_config = config.clone();
    let listeners = tokio::task::spawn_blocking(move || listeners(&speech_config))
        .await
        .context("start-up task")?;
    let alerts = if config.lines.iter().any(|l| l.alerts.webhook.is_some()) {
        let db = data_dir.join(crate::store::DB_FILE);
        let sender = tokio::task::spawn_blocking(move || {
            AlertSender::spawn(&db, DeliverySettings::default())
        })
        .await
        .context("start-up task")?
        .context("starting the trusted-contact alerts")?;
        Some(sender)
    } else {
        None
    };
    let grace = config.service.shutdown_grace();
    let service = config.service.clone();
    let disk_reserve = service.disk_reserve_mb.saturating_mul(1 << 20);
    let lines = LineSet::build(config)?;
    lines.policies.restore(passed);
    let shared = Arc::new(Shared {
        lines: ArcSwap::from_pointee(lines),
        service,
        endpoint: endpoint.clone(),
        ports,
        prompts,
        store,
        disk: crate::serve::disk::DiskRoom::new(&data_dir, disk_reserve),
        data_dir,
        legs: Arc::default(),
        listeners,
        alerts,
        registrar,
    });
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let console = match &shared.lines().config.console {
        Some(console) => Some(
            crate::console::start(
                crate::console::Setup {
                    config: console.clone(),
                    data_dir: shared.data_dir.clone(),
                    lines: shared
                        .lines()
                        .config
                        .lines
                        .iter()
                        .map(|l| l.name.clone())
                        .collect(),
                    live: live_tx,
                },
                shutdown_rx.clone(),
            )
            .await?,
        ),
        None => None,
    };
    info!(
        listen = %endpoint.local_addr(),
        data_dir = %shared.data_dir.display(),
        lines = shared.lines().config.lines.len(),
        "linewarden is running"
    );

    let registrations = crate::serve::trunk::spawn(&shared.lines().config, &endpoint, &shutdown_rx);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            call = calls.recv() => match call {
                Some(call) if crate::serve::lineclear::is_from_phone(&shared, &call) => {
                    // One of the resident's phones placing a call.
                    tasks.spawn(crate::serve::lineclear::handle(call, shared.clone()));
                }
                Some(call) if !shared.lines().config.accepts_calls_from(call.source.ip()) && shared.registrar.is_some() => {
                    // Challenged like a phone, so an INVITE does not tell
                    // which user names are accounts.
                    tasks.spawn(crate::serve::lineclear::handle(call, shared.clone()));
                }
                Some(call) if !shared.lines().config.accepts_calls_from(call.source.ip()) => {
                    // Not from a trunk: refused before anything else, and
                    // not in the call log (scanners would fill it).
                    info!(source = %call.source, call_id = %call.call_id, "INVITE from outside the trunks' networks: 403");
                    tokio::spawn(call.reject(403));
                }
                Some(call) => {
                    tasks.spawn(call::run(call, shared.clone(), seeds.u64(..), shutdown_rx.clone()));
                }
                None => break,
            },
            _ = tokio::signal::ctrl_c() => { info!("SIGINT: shutting down"); break; }
            _ = terminate.recv() => { info!("SIGTERM: shutting down"); break; }
            _ = hangup.recv() => reload::reload(&shared, reload.as_ref()),
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = done {
                    warn!(error = %e, "a call task failed");
                }
            }
        }
    }

    // Stop taking calls, then hang up the ones in progress.
    drop(calls);
    shutdown_tx.send(true).ok();
    let in_progress = tasks.len();
    if in_progress > 0 {
        info!(in_progress, "hanging up calls in progress");
    }
    let drained = tokio::time::timeout(grace + Duration::from_secs(2), async {
        while tasks.join_next().await.is_some() {}
        for registration in registrations {
            registration.await.ok();
        }
    })
    .await;
    if drained.is_err() {
        warn!(
            left = tasks.len(),
            "calls did not end in time; stopping them"
        );
        tasks.shutdown().await;
    }
    endpoint.shutdown();
    if let Some(console) = console {
        console.await.ok();
    }
    match Arc::try_unwrap(shared) {
        Ok(shared) => {
            let Shared { store, alerts, .. } = shared;
            tokio::task::spawn_blocking(move || {
                if let Some(alerts) = alerts {
                    alerts.shutdown();
                }
                store.shutdown();
            })
            .await
            .ok();
        }
        Err(_) => warn!("call log still in use at exit"),
    }
    info!("stopped");
    Ok(())
}

/// The registrar for the lines' `[[line.account]]` phones, with the
/// bindings kept from before; `None` when no line has an account (REGISTER
/// then gets 405).
fn registrar(config: &Config, kept: Vec<Binding>, seed: u64) -> Option<Arc<Mutex<Registrar>>> {
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
fn accounts(config: &Config) -> HashMap<String, Account> {
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

/// The recognizer threads, or `None` (calls are then tagged from keys and
/// caller ID only) when recognition is off, not built in, or its model
/// cannot be opened.
fn listeners(config: &Config) -> Option<crate::serve::recognizers::Listeners> {
    if config.speech.engine == crate::config::EngineChoice::Off {
        info!("speech recognition is off");
        return None;
    }
    if !speech::Engine::BUILT_IN {
        warn!("speech recognition is not built in (install libpocketsphinx-dev and pocketsphinx-en-us and rebuild): calls are tagged from keys and caller ID only");
        return None;
    }
    let engine = config.speech.engine_config(&config.tagging);
    let workers = match config.speech.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let settings = crate::serve::recognizers::Settings {
        workers,
        capacity: config.speech.listen_capacity,
        resident: config.tagging.hears_resident(),
        gate: engine.gate(),
    };
    let factory: crate::serve::recognizers::Factory = Arc::new(move || {
        speech::Engine::open(&engine).map(|e| Box::new(e) as Box<dyn speech::Decode>)
    });
    // Every worker's decoder is opened now: a missing model is reported
    // at start, and calls find warm decoders.
    match crate::serve::recognizers::Listeners::start(settings, factory) {
        Ok(pool) => {
            info!(
                workers,
                resident = settings.resident,
                capacity = settings.capacity,
                "speech recognition on"
            );
            Some(pool)
        }
        Err(e) => {
            warn!(error = %e, "speech recognition unavailable: calls are tagged from keys and caller ID only");
            None
        }
    }
}
