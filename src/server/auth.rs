//! Who may connect: SCRAM-SHA-256 password authentication for the users configured in
//! `[[user]]` (passwords from environment variables), TLS required when it is configured, and
//! a refusal when the server is full. Without configured users the server trusts the
//! connection, which `serve` allows on loopback addresses only.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use datafusion_postgres::pgwire::api::auth::sasl::scram::{
    gen_salted_password, random_nonce, ScramAuth, SCRAM_ITERATIONS,
};
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata, AuthSource,
    DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, PgWireConnectionState, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
};
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use futures::Sink;

use super::session::{sql_error, CancelRegistry};

/// Configured users with their SCRAM verifiers (salted once at start; the plain passwords
/// are not kept).
#[derive(Debug, Default)]
pub struct Users {
    verifiers: HashMap<String, Password>,
}

impl Users {
    /// `(name, password)` pairs, as read from config and environment.
    pub fn new(users: &[(String, String)]) -> Users {
        let verifiers = users
            .iter()
            .map(|(name, password)| {
                let salt = random_nonce().into_bytes();
                let salted = gen_salted_password(password, &salt, SCRAM_ITERATIONS);
                (name.clone(), Password::new(Some(salt), salted))
            })
            .collect();
        Users { verifiers }
    }

    pub fn is_empty(&self) -> bool {
        self.verifiers.is_empty()
    }
}

#[async_trait::async_trait]
impl AuthSource for Users {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let user = login.user().unwrap_or_default();
        match self.verifiers.get(user) {
            Some(password) => Ok(password.clone()),
            // An unknown user goes through the same exchange against a verifier nobody
            // knows, so the failure looks like a wrong password (no user enumeration).
            None => {
                let salt = random_nonce().into_bytes();
                let unguessable = random_nonce();
                Ok(Password::new(
                    Some(salt.clone()),
                    gen_salted_password(&unguessable, &salt, SCRAM_ITERATIONS),
                ))
            }
        }
    }
}

/// Accepts without a password (loopback-only servers without configured users).
pub struct Trust(Arc<RandomPidSecretKeyGenerator>);

#[async_trait::async_trait]
impl StartupHandler for Trust {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // pgwire's no-authentication handler, with SHAPE's parameters instead of its defaults.
        if let PgWireFrontendMessage::Startup(ref startup) = message {
            protocol_negotiation(client, startup).await?;
            save_startup_parameters_to_metadata(client, startup);
            let (pid, secret_key) = self.0.generate(client);
            client.set_pid_and_secret_key(pid, secret_key);
            finish_authentication(client, &server_parameters()).await?;
        }
        Ok(())
    }
}

/// The parameters every session starts with: pgwire's defaults, with the `server_version`
/// that `version()` and `SHOW server_version` also report.
fn server_parameters() -> DefaultServerParameterProvider {
    let mut parameters = DefaultServerParameterProvider::default();
    parameters.server_version = shape_udfs::pg_compat::server_version();
    parameters
}

/// How this connection authenticates.
enum Method {
    Trust(Trust),
    Scram(Box<SASLAuthStartupHandler<DefaultServerParameterProvider>>),
    /// The server is full: the startup message gets SQLSTATE 53300.
    Full(usize),
}

/// The startup phase of one connection.
pub struct ConnectionStartup {
    method: Method,
    require_tls: bool,
    cancels: Arc<CancelRegistry>,
}

impl ConnectionStartup {
    /// `pids` is shared by all connections, so process ids (the handle of cancel requests)
    /// are unique across the server.
    pub fn new(
        users: &Arc<Users>,
        require_tls: bool,
        cancels: Arc<CancelRegistry>,
        pids: &Arc<RandomPidSecretKeyGenerator>,
        full_at: Option<usize>,
    ) -> ConnectionStartup {
        let method = match full_at {
            Some(limit) => Method::Full(limit),
            None if users.is_empty() => Method::Trust(Trust(pids.clone())),
            None => {
                let source: Arc<dyn AuthSource> = users.clone();
                Method::Scram(Box::new(
                    SASLAuthStartupHandler::new(Arc::new(server_parameters()))
                        .with_scram(ScramAuth::new(source))
                        .with_pid_secret_key_generator(pids.clone()),
                ))
            }
        };
        ConnectionStartup {
            method,
            require_tls,
            cancels,
        }
    }
}

#[async_trait::async_trait]
impl StartupHandler for ConnectionStartup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if matches!(message, PgWireFrontendMessage::Startup(_)) {
            if let Method::Full(limit) = self.method {
                return Err(sql_error(
                    "FATAL",
                    "53300",
                    format!("sorry, too many clients already (max_connections = {limit})"),
                ));
            }
            if self.require_tls && !client.is_secure() {
                return Err(sql_error(
                    "FATAL",
                    "28000",
                    "this SHAPE server requires TLS: connect with sslmode=require".to_string(),
                ));
            }
        }
        match &self.method {
            Method::Trust(trust) => trust.on_startup(client, message).await?,
            Method::Scram(scram) => scram.on_startup(client, message).await?,
            Method::Full(_) => {}
        }
        if matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            self.cancels.register(client);
        }
        Ok(())
    }
}
