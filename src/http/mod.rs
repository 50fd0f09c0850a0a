//! `shape serve --http ADDR`: the command center over HTTP, served by the binary itself.
//!
//! - [`pages`]: the dashboard (HTML rendered on the server, charts as inline SVG, one small
//!   script that refreshes a page's content in place); works offline, no CDN;
//! - [`api`]: `/api/v1/...` JSON mirroring the views the pages use, described by
//!   `/api/v1/openapi.json`;
//! - [`metrics`]: `/metrics` in the Prometheus text format.
//!
//! Every page and API call takes `?as_of=` (what `SET shape.as_of` does over pgwire). The
//! listener is read-only (GET and HEAD only), sends security headers on every answer (a CSP
//! without inline scripts, no-sniff, frame-deny), and follows pgwire's rule: without
//! `[[user]]` entries it listens on loopback only; with them every request needs HTTP basic
//! credentials of one of those users.

pub mod api;
mod charts;
mod memo;
pub mod metrics;
pub mod pages;
mod query;
pub mod subject;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use datafusion::prelude::SessionContext;
use datafusion_postgres::pgwire::tokio::TlsAcceptor;
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::storage::DataStore;
pub use query::{to_rows as rows_as_json, QueryError};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("--http {0:?} is not an address such as 127.0.0.1:8080")]
    Listen(String),
    #[error(
        "refusing to serve HTTP on {0}: without [[user]] entries the dashboard listens on \
         loopback only (configure users, or listen on 127.0.0.1)"
    )]
    NotLoopback(SocketAddr),
    #[error("http.tokens_env: {0} is not set or empty")]
    Token(String),
    #[error("cannot listen on {addr}: {source}")]
    Io {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// `[http]` in shape.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSection {
    /// HOST:PORT of the dashboard, API and /metrics; unset: no HTTP listener (unless
    /// `shape serve --http`).
    pub listen: Option<String>,
    /// The dashboard's address as people reach it (e.g. `https://shape.example`): links in
    /// notifications point at its breach pages.
    pub public_url: Option<String>,
    /// Environment variables each holding an API token: `Authorization: Bearer <token>` is
    /// accepted as well as the users' basic credentials.
    pub tokens_env: Vec<String>,
}

/// What the HTTP listener needs, resolved from `[http]`, `--http` and the `[[user]]`s.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    /// (name, password) pairs; empty (and no tokens): loopback only, no credentials.
    pub users: Vec<(String, String)>,
    /// Bearer tokens read from `tokens_env`.
    pub tokens: Vec<String>,
}

impl HttpSettings {
    /// `None` when neither `--http` nor `[http] listen` asks for a listener.
    pub fn load(
        config: &Config,
        flag: Option<String>,
        users: &[(String, String)],
    ) -> Result<Option<HttpSettings>, HttpError> {
        let section: HttpSection = config.section("http")?;
        let Some(listen) = flag.or(section.listen) else {
            return Ok(None);
        };
        let addr: SocketAddr = listen.parse().map_err(|_| HttpError::Listen(listen))?;
        let mut tokens = Vec::new();
        for var in &section.tokens_env {
            match std::env::var(var) {
                Ok(token) if !token.trim().is_empty() => tokens.push(token.trim().to_string()),
                _ => return Err(HttpError::Token(var.clone())),
            }
        }
        if users.is_empty() && tokens.is_empty() && !addr.ip().is_loopback() {
            return Err(HttpError::NotLoopback(addr));
        }
        Ok(Some(HttpSettings {
            addr,
            users: users.to_vec(),
            tokens,
        }))
    }
}

/// What every handler reads: the server's context (shared catalog; each request gets its
/// own session config), and the counters `/metrics` reports about the server itself.
pub struct AppState {
    pub ctx: SessionContext,
    /// The data dir `ctx` reads (source lines are checked against its commit records).
    pub store: DataStore,
    pub data_dir: String,
    users: Vec<(String, String)>,
    tokens: Vec<String>,
    pub requests: metrics::RequestMetrics,
    /// Recent SLO snapshots and rows (see `memo`).
    pub memo: memo::Memo,
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, HttpError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| HttpError::Io { addr, source })
}

/// The routes, with authentication, read-only methods and security headers around them.
pub fn router(
    ctx: SessionContext,
    store: DataStore,
    data_dir: &str,
    settings: &HttpSettings,
) -> Router {
    let state = Arc::new(AppState {
        ctx,
        data_dir: data_dir.to_string(),
        store,
        users: settings.users.clone(),
        tokens: settings.tokens.clone(),
        requests: Default::default(),
        memo: Default::default(),
    });
    keep_warm(&state);
    Router::new()
        .route("/", get(pages::overview))
        .route("/slo/{slo_id}", get(pages::slo))
        .route("/breach/{breach_id}", get(subject::breach))
        .route("/anomaly/{anomaly_id}", get(subject::anomaly))
        .route("/anomalies", get(subject::anomalies))
        .route("/healing", get(subject::healing))
        .route("/static/{file}", get(pages::asset))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/{view}", get(api::view))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Starts the task that keeps watched answers at "now" computed (see `memo`); it ends when
/// the router (and so the state) is dropped.
fn keep_warm(state: &Arc<AppState>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let state = Arc::downgrade(state);
    runtime.spawn(async move {
        let (mut prewarm, mut last_error) = (true, None);
        loop {
            let Some(state) = state.upgrade() else {
                return;
            };
            // A failure (say, a view that cannot be evaluated yet) is said once, not every round.
            let error = query::keep_warm(&state, prewarm)
                .await
                .err()
                .map(|e| e.to_string());
            if error.is_some() && error != last_error {
                eprintln!(
                    "shape serve --http: keeping answers warm: {}",
                    error.as_deref().unwrap_or("")
                );
            }
            last_error = error;
            prewarm = false;
            drop(state);
            tokio::time::sleep(memo::REFRESH_EVERY).await;
        }
    });
}

/// Serves until the process ends; with `tls` (the `[server]` certificate), HTTPS only: a
/// connection that does not complete a TLS handshake is closed.
pub async fn serve_on(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
) -> Result<(), HttpError> {
    let addr = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let Some(tls) = tls else {
        return axum::serve(listener, router)
            .await
            .map_err(|source| HttpError::Io { addr, source });
    };
    loop {
        let (socket, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("shape serve --http: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let (tls, router) = (tls.clone(), router.clone());
        tokio::spawn(async move {
            // A failed handshake (plain HTTP, a bad client) ends this connection only.
            let Ok(stream) = tls.accept(socket).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(router);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "no such page\n")
}

pub(crate) fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.into(),
    )
        .into_response()
}

/// Around every request: read-only methods, credentials when users are configured,
/// security headers on every answer, and the request counted for `/metrics`.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let mut response = if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut refused = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "read-only: GET and HEAD only\n",
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        refused
    } else if !authorized(&state.users, &state.tokens, request.headers()) {
        let mut refused = plain(StatusCode::UNAUTHORIZED, "credentials required\n");
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"shape\", charset=\"UTF-8\""),
        );
        refused
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name.clone(), HeaderValue::from_static(value));
    }
    state
        .requests
        .observe(&route, response.status().as_u16(), started.elapsed());
    response
}

/// No inline script or style may run: log text that slipped through escaping still could not.
const SECURITY_HEADERS: &[(header::HeaderName, &str)] = &[
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
];

/// Basic credentials of a configured user, or a configured bearer token (always true
/// without either: loopback only).
fn authorized(
    users: &[(String, String)],
    tokens: &[String],
    headers: &axum::http::HeaderMap,
) -> bool {
    if users.is_empty() && tokens.is_empty() {
        return true;
    }
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if let Some(token) = value.strip_prefix("Bearer ") {
        return tokens
            .iter()
            .any(|t| constant_time_eq(t.as_bytes(), token.trim().as_bytes()));
    }
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    let Some((name, password)) = text.split_once(':') else {
        return false;
    };
    users
        .iter()
        .any(|(n, p)| n == name && constant_time_eq(p.as_bytes(), password.as_bytes()))
}

/// Compares without stopping at the first difference (the time says nothing of the password).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A response body of bytes with a content type.
pub(crate) fn typed(content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        headers
    }

    #[test]
    fn basic_credentials_must_name_a_user_and_its_password() {
        let users = vec![("ana".to_string(), "s3cret:x".to_string())];
        let none = axum::http::HeaderMap::new();
        assert!(authorized(&users, &[], &basic("ana", "s3cret:x")));
        assert!(!authorized(&users, &[], &basic("ana", "s3cret")));
        assert!(!authorized(&users, &[], &basic("bob", "s3cret:x")));
        assert!(!authorized(&users, &[], &none));
        assert!(authorized(&[], &[], &none));
        let tokens = vec!["t0ken".to_string()];
        let mut bearer = axum::http::HeaderMap::new();
        bearer.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer t0ken"),
        );
        assert!(authorized(&[], &tokens, &bearer));
        bearer.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer t0ke"),
        );
        assert!(!authorized(&[], &tokens, &bearer));
        assert!(!authorized(&users, &[], &bearer));
    }
}
