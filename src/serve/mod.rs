//! `linewarden serve`: the live service, the runtime shell around `ivr`.
//!
//! Owns: starting the SIP endpoint, the call log thread, the prompt audio,
//! one task per call, the signals and a graceful shutdown — stop taking
//! calls, hang up the calls in progress, finish their recordings and log
//! rows, exit 0. Its children own one concern each: the addresses bound and
//! their check at start (`addresses`), the phones' registrar (`accounts`),
//! a call's task (`call`), room on the disk (`disk`), the line-clear
//! callback runner (`lineclear`), the reloadable lines (`lineset`) and
//! reloading them on SIGHUP (`reload`) or when another node changes the
//! stored lines (`lines_watch`), the recognizer threads
//! (`recognizers`), trusted-contact alerts (`alerts`), recordings
//! (`recording`), trunk registration (`trunk`), what every call shares
//! (`shared`), the small async waits (`wait`), admission by load
//! (`admission`) and the counters for monitoring (`metrics`). Does not own: any
//! decision about a call (the `ivr` crate's), SIP and media mechanics (the
//! `sip` crate's), the configuration (`crate::config`) or the call log
//! (`crate::store`).

pub mod accounts;
pub mod addresses;
pub mod admission;
pub mod alerts;
pub mod call;
pub mod cluster;
pub mod console_lines;
pub mod disk;
mod drain;
pub mod lineclear;
pub mod lines_watch;
pub mod lineset;
pub mod metrics;
pub mod recognizers;
pub mod recording;
pub mod reload;
pub mod shared;
mod shared_bindings;
pub mod trunk;
pub mod wait;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use arc_swap::ArcSwap;
use sip::registrar::{Binding, Registrar};
use sip::{EndpointConfig, RegistrarHandle, SipEndpoint};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{info, warn};

use crate::config::Config;
use crate::console::live::LiveSender;
use crate::prompts::Prompts;
use crate::serve::alerts::{AlertSender, DeliverySettings};
use crate::serve::lineset::LineSet;
use crate::serve::shared::Shared;
use crate::store::{Location, Store, StoreHandle};

/// Runs the service until SIGINT or SIGTERM; SIGHUP reloads the
/// configuration with `reload` (`None`: the built-in one, nothing to read).
pub async fn serve(config: Config, reload: Option<reload::LoadConfig>) -> anyhow::Result<()> {
    let reload = reload.map(Arc::new);
    // First, so a SIGTERM during start-up waits for it and then stops
    // cleanly instead of killing the process, and a SIGHUP does not kill it.
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let data_dir = config.service.data_dir.clone();
    let files_dir = config.store.files_dir(&data_dir);
    let store_at = crate::store::Location::of(&config);
    let live = crate::console::live::channel();
    let Restored {
        store,
        prompts,
        bindings,
        passed,
        stored_lines,
    } = open_log(store_at.clone(), live.clone()).await?;
    // The console's lines replace the file's of the same name.
    let file_lines = config.lines.clone();
    let config = crate::console::lines::merge::with_stored(config, &stored_lines).map_err(|e| {
        anyhow::anyhow!("the configuration file's lines and the stored lines conflict: {e}")
    })?;
    let seed = fastrand::u64(..);
    let mut seeds = fastrand::Rng::with_seed(seed);

    let registrar = accounts::registrar(&config, bindings, seeds.u64(..));
    let handle = registrar.as_ref().map(|r| logged_bindings(r, &store));
    let ports = addresses::media_ports(&config.service).await?;
    let (endpoint, mut calls) = SipEndpoint::start(EndpointConfig {
        listen: config.service.listen,
        user_agent: config.service.user_agent.clone(),
        seed: seeds.u64(..),
        registrar: handle,
        tcp: config.service.tcp.limits(),
        on_shed: Some(crate::serve::metrics::shed_at_the_door),
        udp_receive_buffer: config.service.udp_receive_buffer_kib * 1024,
    })
    .await
    .with_context(|| addresses::listen_error(config.service.listen))?;
    let endpoint = Arc::new(endpoint);
    let speech_config = config.clone();
    let listeners = tokio::task::spawn_blocking(move || listeners(&speech_config))
        .await
        .context("start-up task")?;
    let alerts = start_alerts(&config, &store_at).await?;
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
        disk: crate::serve::disk::DiskRoom::new(&files_dir, disk_reserve),
        files_dir,
        store_at,
        legs: Arc::default(),
        listeners,
        alerts,
        registrar,
    });
    let service_lines = console_lines::ServiceLines::new(&shared, file_lines, reload::swap_in);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let console = start_console(&shared, service_lines.clone(), live, shutdown_rx.clone()).await?;
    lines_watch::spawn(
        service_lines.clone(),
        shared.store_at.clone(),
        shutdown_rx.clone(),
    );
    info!(
        listen = %endpoint.local_addr(),
        data_dir = %data_dir.display(),
        files_dir = %shared.files_dir.display(),
        store = %shared.store_at,
        lines = shared.lines().config.lines.len(),
        "linewarden is running"
    );

    let registrations = crate::serve::trunk::spawn(&shared.lines().config, &endpoint, &shutdown_rx);
    shared_bindings::spawn(
        &shared.store_at,
        shared.registrar.as_ref(),
        shutdown_rx.clone(),
    );
    let gate = admission::Gate::new(shared.service.admission(), endpoint.clone());
    tokio::spawn(gate.clone().watch_lag(shutdown_rx.clone()));
    cluster::spawn_watcher(&shared, shutdown_rx.clone());
    let mut tasks = JoinSet::new();
    let mut drain = drain::Drain::new(shared.service.drain());
    loop {
        tokio::select! {
            call = calls.recv() => match call {
                Some(call) if !shared.lines().config.accepts_calls_from(call.source.ip()) && shared.registrar.is_none() => {
                    // Not from a trunk: refused before anything else, and
                    // not in the call log (scanners would fill it).
                    info!(source = %call.source, call_id = %call.call_id, "INVITE from outside the trunks' networks: 403");
                    tokio::spawn(call.reject(403));
                }
                Some(call) => match gate.offer() {
                    Err(retry_after) => {
                        let headers = vec![sip::message::Header::RetryAfter(retry_after.to_string().into())];
                        tokio::spawn(call.reject_with(503, headers));
                    }
                    Ok(ticket) => {
                        tasks.spawn(admitted(call, ticket, &shared, seeds.u64(..), &shutdown_rx));
                    }
                },
                None => break,
            },
            _ = tokio::signal::ctrl_c() => { info!("SIGINT: shutting down"); break; }
            _ = terminate.recv() => if drain.sigterm(&gate, tasks.len()) { break },
            () = drain.expired() => {
                warn!(left = tasks.len(), "the drain's time is up: hanging up the calls left");
                break;
            }
            _ = hangup.recv() => {
                // Reading the file and the stored lines blocks: not on the
                // loop that takes calls.
                let (shared, load, lines) = (shared.clone(), reload.clone(), service_lines.clone());
                tokio::task::spawn_blocking(move || reload::reload(&shared, load.as_deref(), &lines)).await.ok();
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = done {
                    warn!(error = %e, "a call task failed");
                }
                if drain.done(tasks.len()) {
                    info!("drained: every call has ended");
                    break;
                }
            }
        }
    }

    // Stop taking calls, then hang up the ones in progress.
    drop(calls);
    shutdown_tx.send(true).ok();
    stop(shared, tasks, registrations, grace, console).await;
    info!("stopped");
    Ok(())
}

/// What start-up reads from disk: the call log (on its writer thread,
/// publishing to the console's live feed), the prompts, the phones
/// registered and the callers who passed before.
struct Restored {
    store: StoreHandle,
    prompts: Prompts,
    bindings: Vec<Binding>,
    passed: Vec<(String, String, i64)>,
    /// The lines kept by the console, which replace the file's.
    stored_lines: Vec<crate::config::LineConfig>,
}

/// Opens the call log at `at` (marking calls an earlier crash left open),
/// reads back what it keeps across restarts and decodes the prompts, off
/// the runtime's threads: both block.
async fn open_log(at: Location, live: LiveSender) -> anyhow::Result<Restored> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let store = Store::open_at(&at).with_context(|| format!("opening the call log {at}"))?;
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
            i64::try_from(crate::time::now_secs().saturating_sub(366 * 86_400) * 1000).unwrap_or(0);
        let passed = store
            .load_passed(year_ago)
            .context("reading the callers who passed")?;
        let prompts = Prompts::load().context("loading prompts")?;
        let stored_lines = crate::console::lines::stored::load(&at)
            .context("reading the lines kept in the store")?;
        Ok(Restored {
            store: StoreHandle::spawn_publishing(store, Some(live)),
            prompts,
            bindings,
            passed,
            stored_lines,
        })
    })
    .await
    .context("start-up task")?
}

/// The registrar's handle for the endpoint; every change to a phone's
/// binding is written to the call log, so registrations outlive a restart.
fn logged_bindings(registrar: &Arc<Mutex<Registrar>>, store: &StoreHandle) -> RegistrarHandle {
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
}

/// The trusted-contact alert sender, when any line has a webhook.
async fn start_alerts(config: &Config, at: &Location) -> anyhow::Result<Option<AlertSender>> {
    if !config.lines.iter().any(|l| l.alerts.webhook.is_some()) {
        return Ok(None);
    }
    let at = at.clone();
    let settings = DeliverySettings {
        claim: Duration::from_secs(config.store.alert_claim_secs),
        ..DeliverySettings::default()
    };
    let sender = tokio::task::spawn_blocking(move || AlertSender::spawn(&at, settings))
        .await
        .context("start-up task")?
        .context("starting the trusted-contact alerts")?;
    Ok(Some(sender))
}

/// The operator console's task, when the configuration has a
/// `[console]` table.
async fn start_console(
    shared: &Shared,
    lines: Arc<console_lines::ServiceLines>,
    live: LiveSender,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Option<JoinHandle<()>>> {
    let Some(console) = &shared.lines().config.console else {
        return Ok(None);
    };
    let setup = crate::console::Setup {
        config: console.clone(),
        files_dir: shared.files_dir.clone(),
        store: shared.store_at.clone(),
        lines,
        live,
    };
    Ok(Some(crate::console::start(setup, shutdown).await?))
}

/// After the shutdown signal: waits up to the grace period (and 2 s) for
/// the calls in progress and the trunk registrations to end, stops the
/// rest, the endpoint and the console, and lets the call log and the
/// alerts finish their queues.
async fn stop(
    shared: Arc<Shared>,
    mut tasks: JoinSet<()>,
    registrations: Vec<JoinHandle<()>>,
    grace: Duration,
    console: Option<JoinHandle<()>>,
) {
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
    shared.endpoint.shutdown();
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
    let factory: crate::serve::recognizers::Factory =
        Arc::new(move || speech::open_decoder(&engine));
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

/// Runs an admitted call to its end, holding its admission `ticket`: a
/// call from one of the resident's phones (or one to be challenged like
/// a phone) goes to the line-clear runner, any other to screening.
fn admitted(
    call: sip::IncomingCall,
    ticket: admission::Ticket,
    shared: &Arc<Shared>,
    seed: u64,
    shutdown: &watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let from_phone = crate::serve::lineclear::is_from_phone(shared, &call)
        || !shared.lines().config.accepts_calls_from(call.source.ip());
    let shared = shared.clone();
    let shutdown = shutdown.clone();
    async move {
        let _ticket = ticket;
        if from_phone {
            crate::serve::lineclear::handle(call, shared).await;
        } else {
            call::run(call, shared, seed, shutdown).await;
        }
    }
}
