//! The writer lease of an object-store data dir. A local data dir is locked by the OS
//! (`WriterLock`); an object store has no locks, so two `shape run` on two machines would
//! both recover, ingest and commit the same sources. The lease is one object,
//! `_writer_lease.json` (holder, expiry), taken and renewed only through conditional writes
//! (`PutMode::Create` when absent, `PutMode::Update` with the e-tag read, so of two writers
//! racing for it exactly one wins), renewed in the background at a third of its term, and
//! checked before every commit point: a writer that could not renew in time (paused, cut
//! off) stops before committing rather than commit beside the next holder.
//!
//! A store that ignores conditional writes (some S3-compatible servers) is found at start
//! by a probe (creating the same object twice must fail once); SHAPE then says so and runs
//! without a lease.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use super::{DataStore, Result, StorageError};

/// The lease object, in the data dir.
pub const LEASE_OBJECT: &str = "_writer_lease.json";
/// What a conditional-write probe creates (twice).
const PROBE_OBJECT: &str = "_conditional_write_probe";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct LeaseBody {
    holder: String,
    expires_at: DateTime<Utc>,
}

/// A held lease; renewed until dropped or released.
#[derive(Debug)]
pub struct Lease {
    store: DataStore,
    holder: String,
    term: Duration,
    version: Arc<tokio::sync::Mutex<UpdateVersion>>,
    renewer: tokio::task::JoinHandle<()>,
}

/// The holder name of this process: host, pid and a unique id.
pub fn this_holder() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string());
    format!(
        "{host} pid {} ({})",
        std::process::id(),
        crate::common::new_time_id()
    )
}

impl DataStore {
    fn lease_body(&self, holder: &str, term: Duration) -> Bytes {
        let body = LeaseBody {
            holder: holder.to_string(),
            expires_at: Utc::now() + chrono::Duration::from_std(term).expect("short term"),
        };
        Bytes::from(serde_json::to_vec(&body).expect("lease serialises"))
    }

    async fn put_lease(&self, body: Bytes, mode: PutMode) -> object_store::Result<UpdateVersion> {
        let path = self.path(LEASE_OBJECT);
        let result = self
            .store
            .put_opts(&path, PutPayload::from_bytes(body), PutOptions::from(mode))
            .await?;
        Ok(UpdateVersion {
            e_tag: result.e_tag,
            version: result.version,
        })
    }

    /// Whether the store refuses to create an object that exists (see the module docs).
    /// Probed once per process: a loop takes the lock several times a cycle.
    pub async fn has_conditional_writes(&self) -> Result<bool> {
        let probed = self
            .conditional_writes
            .get_or_try_init(|| self.probe_conditional_writes());
        probed.await.copied()
    }

    async fn probe_conditional_writes(&self) -> Result<bool> {
        let path = self.path(PROBE_OBJECT);
        let create = || {
            self.store.put_opts(
                &path,
                PutPayload::from_static(b"probe"),
                PutOptions::from(PutMode::Create),
            )
        };
        let first = create().await;
        let second = create().await;
        let _ = self.store.delete(&path).await;
        match (first, second) {
            (_, Err(object_store::Error::AlreadyExists { .. })) => Ok(true),
            (Err(object_store::Error::NotImplemented { .. }), _) => Ok(false),
            (Ok(_), Ok(_)) => Ok(false),
            (Err(source), _) | (_, Err(source)) => Err(self.store_err(&path)(source)),
        }
    }

    /// Takes the lease for `term`, or says who holds it and until when.
    pub async fn acquire_lease(&self, holder: &str, term: Duration) -> Result<Lease> {
        let path = self.path(LEASE_OBJECT);
        // Two rounds: the other writer may release or take it between our read and write.
        for _ in 0..3 {
            let current = match self.store.get(&path).await {
                Ok(found) => {
                    let meta = found.meta.clone();
                    let bytes = found.bytes().await.map_err(self.store_err(&path))?;
                    Some((meta, bytes))
                }
                Err(object_store::Error::NotFound { .. }) => None,
                Err(source) => return Err(self.store_err(&path)(source)),
            };
            let mode = match &current {
                None => PutMode::Create,
                Some((meta, bytes)) => {
                    // An unreadable lease is treated as expired: only a writer wrote it.
                    if let Ok(body) = serde_json::from_slice::<LeaseBody>(bytes) {
                        if body.expires_at > Utc::now() && body.holder != holder {
                            return Err(StorageError::Leased {
                                path: self.table_url(LEASE_OBJECT).trim_end_matches('/').into(),
                                holder: body.holder,
                                until: body.expires_at.to_rfc3339(),
                            });
                        }
                    }
                    PutMode::Update(UpdateVersion {
                        e_tag: meta.e_tag.clone(),
                        version: meta.version.clone(),
                    })
                }
            };
            match self.put_lease(self.lease_body(holder, term), mode).await {
                Ok(version) => return Ok(self.start_renewing(holder, term, version)),
                Err(object_store::Error::AlreadyExists { .. })
                | Err(object_store::Error::Precondition { .. }) => continue,
                Err(source) => return Err(self.store_err(&path)(source)),
            }
        }
        Err(StorageError::Leased {
            path: self.table_url(LEASE_OBJECT).trim_end_matches('/').into(),
            holder: "another writer (it took the lease while we tried)".into(),
            until: "its term".into(),
        })
    }

    fn start_renewing(&self, holder: &str, term: Duration, version: UpdateVersion) -> Lease {
        let valid_until = self.lease_valid_until();
        valid_until.store(deadline(term), Ordering::SeqCst);
        let version = Arc::new(tokio::sync::Mutex::new(version));
        let renewer = {
            let store = self.clone();
            let holder = holder.to_string();
            let version = version.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(term / 3).await;
                    let mut current = version.lock().await;
                    let body = store.lease_body(&holder, term);
                    match store
                        .put_lease(body, PutMode::Update(current.clone()))
                        .await
                    {
                        Ok(next) => {
                            *current = next;
                            valid_until.store(deadline(term), Ordering::SeqCst);
                        }
                        // Taken over or unreachable: commits stop once the term runs out.
                        Err(_) => return,
                    }
                }
            })
        };
        Lease {
            store: self.clone(),
            holder: holder.to_string(),
            term,
            version,
            renewer,
        }
    }

    /// The instant (µs) until which this process may commit under its lease; 0 when it
    /// holds none (a local data dir, or a store without conditional writes).
    fn lease_valid_until(&self) -> Arc<AtomicI64> {
        self.lease_deadline.clone()
    }

    /// Refuses a commit when this process leases the data dir and the lease ran out
    /// (see the module docs). Called before every commit point.
    pub(crate) fn check_lease(&self) -> Result<()> {
        let until = self.lease_deadline.load(Ordering::SeqCst);
        if until != 0 && Utc::now().timestamp_micros() >= until {
            return Err(StorageError::LeaseLost {
                path: self.table_url(LEASE_OBJECT).trim_end_matches('/').into(),
            });
        }
        Ok(())
    }
}

/// Now plus `term` less a safety margin of a tenth (clocks and requests take time), in µs.
fn deadline(term: Duration) -> i64 {
    let margin = term / 10;
    Utc::now().timestamp_micros() + (term - margin).as_micros() as i64
}

impl Lease {
    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn term(&self) -> Duration {
        self.term
    }

    /// Gives the lease up (writes it expired), so the next writer need not wait its term.
    pub async fn release(self) -> Result<()> {
        self.renewer.abort();
        self.store.lease_deadline.store(0, Ordering::SeqCst);
        let current = self.version.lock().await.clone();
        let body = LeaseBody {
            holder: self.holder.clone(),
            expires_at: Utc::now() - chrono::Duration::seconds(1),
        };
        let body = Bytes::from(serde_json::to_vec(&body).expect("lease serialises"));
        match self.store.put_lease(body, PutMode::Update(current)).await {
            // Someone took it over already: nothing of ours to give up.
            Ok(_) | Err(object_store::Error::Precondition { .. }) => Ok(()),
            Err(source) => Err(self.store.store_err(&self.store.path(LEASE_OBJECT))(source)),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Not renewed any more: this process no longer commits under it.
        self.renewer.abort();
        self.store.lease_deadline.store(0, Ordering::SeqCst);
    }
}
