//! The login page (and, on a fresh install, how to create the first
//! admin: the command, or the setup code from the service log), logging
//! in with the form, and logging out.

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::layout::{bare, CsrfOnly, PageError, Posted};
use crate::console::auth;
use crate::console::state::AppState;
use crate::console::users;

#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
}

#[derive(Deserialize)]
pub struct SetupForm {
    code: String,
    user: String,
    password: String,
}

fn form_page(state: &AppState, no_users: bool, error: Option<&str>) -> Response {
    let setup_open = state.setup_code_lock().is_some();
    bare(
        "Log in",
        html! {
            h1 { "linewarden console" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/login" id="login" {
                label { "User " input name="user" autocomplete="username" required; }
                label { "Password " input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Log in" }
            }
            @if no_users {
                section.setup {
                    h2 { "First start: no users yet" }
                    p { "Create the first admin on the server with "
                        code { "linewarden user add NAME --role admin" }
                        " (it reads the password from standard input)." }
                    @if setup_open {
                        p { "Or enter the one-time setup code printed in the service log:" }
                        form method="post" action="/setup" id="setup" {
                            label { "Setup code " input name="code" required; }
                            label { "Admin name " input name="user" required; }
                            label { "Password (8+ characters) " input name="password" type="password" required; }
                            button type="submit" { "Create admin" }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

async fn no_users(state: &AppState) -> Result<bool, PageError> {
    Ok(state.db.run(users::count).await? == 0)
}

pub async fn form(State(state): State<AppState>) -> Result<Response, PageError> {
    let empty = no_users(&state).await?;
    Ok(form_page(&state, empty, None))
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let ip = crate::console::client::client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    match crate::console::login::log_in(&state, ip, &f.user, &f.password).await {
        Ok(done) => {
            let cookie = auth::session_cookie(Some(&done.token), state.secure);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/live")).into_response())
        }
        Err(e) => {
            let empty = no_users(&state).await?;
            let mut page = form_page(&state, empty, Some(&e.message));
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}

pub async fn setup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, PageError> {
    let ip = crate::console::client::client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    crate::console::login::set_up(&state, ip, &f.code, &f.user, &f.password).await?;
    Ok(form_page(&state, false, Some("Admin created: log in.")))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(authed, _): Posted<CsrfOnly>,
) -> Result<Response, PageError> {
    let token = auth::cookie_token(&headers).unwrap_or_default();
    crate::console::login::log_out(&state, token, authed.name().to_owned(), authed.ip).await?;
    let cookie = auth::session_cookie(None, state.secure);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
