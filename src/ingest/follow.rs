//! What a loop reads each cycle from its `[run] sources`: local paths and globs as
//! `shape ingest` resolves them; `s3://` prefixes under time-ordered keys listed from their
//! cursor (see `cursor`); `sqs://` queues of S3 event notifications, which name the new
//! objects (see `queue`). After the ingest, [`Followed::settle`] moves the cursors and deletes
//! the messages whose objects were committed.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use super::cursor::{self, keys_look_ordered, retention_floor, Cursor};
use super::queue::{objects_named, SqsQueue, MAX_MESSAGES_PER_CYCLE};
use super::source::{resolve, SourceObject, StoreListing};
use super::IngestError;
use crate::storage::DataStore;

/// How the loop lists its sources.
#[derive(Debug, Clone)]
pub struct FollowSettings {
    /// `Some(true)`: keys of every `s3://` source sort by time; `Some(false)`: list whole
    /// prefixes every cycle; `None`: decided per source from its first key (a date first).
    pub ordered_keys: Option<bool>,
    /// How long after a later key an object may still appear (`[run] late_arrival`).
    pub late_arrival_micros: i64,
    /// The first day `[retention] events` keeps: older keys are not listed at all.
    pub first_kept_day: Option<NaiveDate>,
}

/// A listed `s3://` source and the keys this cycle found.
struct Listed {
    cursor: Cursor,
    /// (key, URI) of each object listed.
    objects: Vec<(String, String)>,
}

/// A received message and the objects it names.
struct Pending {
    receipt_handle: String,
    uris: Vec<String>,
}

struct QueueRound {
    queue: SqsQueue,
    messages: Vec<Pending>,
}

/// One cycle's sources, resolved.
pub struct Followed {
    pub objects: Vec<SourceObject>,
    /// `[run] sources` that name nothing yet (normal in a loop: the pipeline has not
    /// written them).
    pub missing: Vec<String>,
    /// Messages left on their queue this cycle, and why (they come again).
    pub problems: Vec<String>,
    listed: Vec<Listed>,
    queues: Vec<QueueRound>,
}

/// Resolves `sources` for one cycle (see the module docs).
pub async fn follow(
    store: &DataStore,
    sources: &[String],
    settings: &FollowSettings,
) -> Result<Followed, IngestError> {
    let mut seen = HashSet::new();
    let mut followed = Followed {
        objects: Vec::new(),
        missing: Vec::new(),
        problems: Vec::new(),
        listed: Vec::new(),
        queues: Vec::new(),
    };
    for source in sources {
        // A queue with no messages, or a cursor with nothing past it, is caught up, not
        // missing.
        let (found, caught_up) = if source.starts_with("sqs://") {
            (followed.receive(source).await?, true)
        } else if source.starts_with("s3://") && settings.ordered_keys != Some(false) {
            followed.list_store(store, source, settings).await?
        } else {
            match resolve(std::slice::from_ref(source)).await {
                Ok(found) => (found, false),
                Err(IngestError::NoSourceFound(_)) => (Vec::new(), false),
                Err(e) => return Err(e),
            }
        };
        if found.is_empty() && !caught_up {
            followed.missing.push(source.clone());
        }
        for object in found {
            if seen.insert(object.uri.clone()) {
                followed.objects.push(object);
            }
        }
    }
    Ok(followed)
}

impl Followed {
    async fn list_store(
        &mut self,
        store: &DataStore,
        source: &str,
        settings: &FollowSettings,
    ) -> Result<(Vec<SourceObject>, bool), IngestError> {
        let listing = StoreListing::new(source)?;
        if let Some(object) = listing.exact_object().await? {
            return Ok((vec![object], false));
        }
        let cursor = cursor::load(store, source).await?;
        // A key of the source (the cursor's, else the first listed: one request) says whether
        // keys sort by date, and in which layout the retention's first day is written.
        let sample = match &cursor.start_after {
            Some(key) => Some(key.clone()),
            None => listing.first_key().await?,
        };
        let ordered = settings.ordered_keys.unwrap_or_else(|| {
            cursor.start_after.is_some()
                || sample
                    .as_deref()
                    .is_some_and(|key| keys_look_ordered(&listing.prefix, key))
        });
        if !ordered {
            return Ok((listing.objects_after(None).await?, false));
        }
        let floor = sample.as_deref().and_then(|key| {
            settings
                .first_kept_day
                .and_then(|day| retention_floor(&listing.prefix, key, day))
        });
        let objects = listing
            .objects_after(cursor.list_after(floor).as_deref())
            .await?;
        let caught_up = cursor.start_after.is_some();
        self.listed.push(Listed {
            cursor,
            objects: objects
                .iter()
                .filter_map(|o| Some((o.key()?.to_string(), o.uri.clone())))
                .collect(),
        });
        Ok((objects, caught_up))
    }

    async fn receive(&mut self, source: &str) -> Result<Vec<SourceObject>, IngestError> {
        let bad = |e: super::queue::QueueError| IngestError::BadSource {
            source_arg: source.to_string(),
            message: e.to_string(),
        };
        let mut queue = SqsQueue::from_source(source).map_err(bad)?;
        let received = queue.receive(MAX_MESSAGES_PER_CYCLE).await.map_err(bad)?;
        let mut objects: Vec<SourceObject> = Vec::new();
        let mut seen = HashSet::new();
        // One client per bucket, and a HEAD per named key: a key that is gone is not a
        // prefix to list.
        let mut buckets: HashMap<String, StoreListing> = HashMap::new();
        let mut messages = Vec::new();
        for message in received {
            let named = match objects_named(&message.body) {
                Ok(named) => named,
                Err(why) => {
                    self.problems
                        .push(format!("{source}: message left on the queue: {why}"));
                    continue;
                }
            };
            let mut uris = Vec::new();
            for object in named {
                let uri = object.uri();
                if !seen.contains(&uri) {
                    let listing = match buckets.entry(object.bucket.clone()) {
                        Entry::Occupied(known) => known.into_mut(),
                        Entry::Vacant(new) => {
                            new.insert(StoreListing::new(&format!("s3://{}/", object.bucket))?)
                        }
                    };
                    match listing.object_at(&object.key).await? {
                        Some(found) => objects.push(found),
                        // Deleted since: nothing is left to read, the message is done.
                        None => {
                            self.problems
                                .push(format!("{source}: {uri} no longer exists; skipped"));
                            continue;
                        }
                    }
                    seen.insert(uri.clone());
                }
                uris.push(uri);
            }
            messages.push(Pending {
                receipt_handle: message.receipt_handle,
                uris,
            });
        }
        self.queues.push(QueueRound { queue, messages });
        Ok(objects)
    }

    /// After the ingest: `committed` are the URIs read to their end without error. Moves
    /// the cursors at `now_micros` and deletes the messages whose objects are all committed.
    pub async fn settle(
        self,
        store: &DataStore,
        committed: &BTreeSet<String>,
        now_micros: i64,
        late_arrival_micros: i64,
    ) -> Result<(), IngestError> {
        for mut listed in self.listed {
            let (complete, failed): (Vec<_>, Vec<_>) = listed
                .objects
                .into_iter()
                .partition(|(_, uri)| committed.contains(uri));
            let keys = |list: Vec<(String, String)>| list.into_iter().map(|(key, _)| key);
            let (complete, failed): (Vec<String>, Vec<String>) =
                (keys(complete).collect(), keys(failed).collect());
            let before = listed.cursor.clone();
            listed
                .cursor
                .advance(&complete, &failed, now_micros, late_arrival_micros);
            if listed.cursor != before {
                cursor::save(store, &listed.cursor).await?;
            }
        }
        for mut round in self.queues {
            let done: Vec<String> = round
                .messages
                .into_iter()
                .filter(|m| m.uris.iter().all(|uri| committed.contains(uri)))
                .map(|m| m.receipt_handle)
                .collect();
            round
                .queue
                .delete(&done)
                .await
                .map_err(|e| IngestError::BadSource {
                    source_arg: round.queue.source.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }
}
