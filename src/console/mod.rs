//! The operator console: web pages (server-rendered HTML with a little
//! vanilla JavaScript) and a JSON API (`docs/api.md`) on `[console]
//! listen`, over HTTPS when `tls_cert` and `tls_key` are set. People log
//! in with a role (`admin`, `staff`, `tenant`) that limits the lines they
//! see; live calls arrive over server-sent events from the call log's
//! writer; every login, playback, download and user change is audited;
//! a daily sweep deletes expired recordings.
//!
//! Owns: the HTTP server and every route ([`router`], the one place they
//! are listed), and the console's children: shared state, users,
//! sessions, throttle, audit, calls (and how their risk reasons read),
//! recording, evidence, lists, lines, retention, live events, pages.
//! Does not own: the call log's schema and writes (`crate::store`, which
//! publishes into [`live`]), the configuration (`crate::config`), or
//! screening calls (`crate::serve`, which gives the console its running
//! lines through [`lines::live::LiveLines`]).

pub mod api;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod client;
pub mod db;
pub mod error;
pub mod evidence;
pub mod lines;
pub mod lists;
pub mod live;
pub mod login;
pub mod metrics;
pub mod pages;
pub mod reasons;
pub mod recording;
pub mod retention;
pub mod sessions;
pub mod sse;
pub mod state;
pub mod throttle;
pub mod users;
pub mod users_cli;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::http::{header, HeaderValue};
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::config::ConsoleConfig;
use db::Db;
use lines::live::LiveLines;
use live::LiveSender;
use state::AppState;
use throttle::Throttle;

/// What the console needs from the service.
pub struct Setup {
    pub config: ConsoleConfig,
    /// Where the files the call log names (recordings) are kept.
    pub files_dir: PathBuf,
    /// Where the store is.
    pub store: crate::store::Location,
    /// The running lines, and where changed ones are published.
    pub lines: Arc<dyn LiveLines>,
    pub live: LiveSender,
}

/// Every route: the JSON API, then the pages and their two static files.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/login", post(api::login))
        .route("/api/logout", post(api::logout))
        .route("/api/me", get(api::me))
        .route("/api/calls", get(api::list))
        .route("/api/calls/{id}", get(api::one))
        .route("/api/calls/{id}/recording", get(api::recording))
        .route("/api/calls/{id}/evidence", get(api::evidence))
        .route("/api/live", get(sse::live))
        .route("/api/audit", get(api::audit_log))
        .route("/metrics", get(metrics::metrics))
        .route("/api/lines", get(lines::api::list).post(lines::api::create))
        .route(
            "/api/lines/{name}",
            get(lines::api::one)
                .put(lines::api::update)
                .delete(lines::api::remove),
        )
        .route("/", get(|| async { Redirect::to("/live") }))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/setup", post(pages::login::setup))
        .route("/logout", post(pages::login::logout))
        .route("/live", get(pages::live::page))
        .route("/calls", get(pages::calllog::page))
        .route("/calls/{id}", get(pages::call::page))
        .route("/calls/{id}/list", post(pages::call::list_change))
        .route("/calls/{id}/hold", post(pages::call::hold))
        .route("/lines", get(lines::page::list).post(lines::page::create))
        .route("/lines/new", get(lines::page::new))
        .route(
            "/lines/{name}",
            get(lines::page::edit).post(lines::page::update),
        )
        .route("/lines/{name}/remove", post(lines::page::remove))
        .route("/audit", get(pages::admin::audit))
        .route(
            "/users",
            get(pages::admin::users).post(pages::admin::add_user),
        )
        .route("/users/{name}/remove", post(pages::admin::remove_user))
        .route("/assets/console.js", get(pages::js))
        .route("/assets/console.css", get(pages::css))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every response: a strict Content-Security-Policy (scripts
/// and styles only from the console's own files, so injected markup could
/// not run), no framing, no sniffing.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Binds the console and serves it until `shutdown` turns true; also runs
/// the daily retention sweep. Fails if the address cannot be bound or the
/// TLS files cannot be read.
pub async fn start(
    setup: Setup,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listen = setup.config.listen;
    let listener = std::net::TcpListener::bind(listen)
        .with_context(|| format!("console: cannot listen on {listen}"))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let at = setup.store.clone();
    let db = tokio::task::spawn_blocking(move || Db::open(&at))
        .await
        .context("start-up task")?
        .context("console: opening the call log")?;
    let tls = match (&setup.config.tls_cert, &setup.config.tls_key) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .context("console: reading tls_cert and tls_key")?,
            )
        }
        _ => None,
    };
    let users = db.run(users::count).await?;
    let setup_code = if users == 0 {
        let code = login::new_setup_code()?;
        warn!(
            setup_code = %code,
            "console: no users yet. Create the first admin with `linewarden user add NAME --role admin`, or enter this one-time setup code on the console's login page"
        );
        Some(code)
    } else {
        None
    };
    let state = AppState {
        db: db.clone(),
        files_dir: Arc::new(setup.files_dir),
        config: Arc::new(setup.config),
        lines: setup.lines,
        live: setup.live,
        throttle: Arc::new(Mutex::new(Throttle::new())),
        setup_code: Arc::new(Mutex::new(setup_code)),
        secure: tls.is_some(),
    };
    let sweeper = tokio::spawn(sweep_daily(state.clone(), shutdown.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(2)));
        sweeper.abort();
    });
    info!(listen = %local, tls = tls.is_some(), "console is running");
    Ok(tokio::spawn(async move {
        let served = match tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(listener, tls)
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                axum_server::from_tcp(listener)
                    .handle(handle)
                    .serve(app)
                    .await
            }
        };
        if let Err(e) = served {
            warn!(error = %e, "console stopped");
        }
    }))
}

/// Runs the retention sweep now and then every day.
async fn sweep_daily(state: AppState, shutdown: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(retention::EVERY);
    loop {
        every.tick().await;
        if *shutdown.borrow() {
            return;
        }
        let (dir, config) = (state.files_dir.clone(), state.config.clone());
        let now = crate::time::now_millis();
        match state
            .db
            .run(move |c| retention::sweep(c, &dir, &config, now))
            .await
        {
            Ok(0) => {}
            Ok(n) => info!(recordings = n, "retention: expired recordings deleted"),
            Err(e) => warn!(error = %e, "retention sweep failed"),
        }
    }
}
