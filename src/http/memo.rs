//! Recent answers of the HTTP listener, so that a dashboard refreshing every 15 s and a
//! Prometheus scraping every 15 s do not evaluate the SLO views each time: an entry is
//! reused while the data dir's version is the one it was computed on, and an answer at "now"
//! (which moves with the clock) for at most [`MAX_AGE`]. The pgwire server's result cache
//! follows the same rule (`result_cache_max_age`).
//!
//! Answers someone reads are kept warm: a background task recomputes each one read within
//! [`WATCHED_FOR`] (the [`WATCHED_KEYS`] most recent) as soon as the data changes, and one at
//! "now" before it expires ([`Memo::due`]), so a dashboard or a scrape finds a computed answer
//! instead of waiting for one; the snapshot at "now" is computed at start. Nobody watching:
//! nothing is recomputed.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use datafusion::prelude::SessionContext;
use lru::LruCache;

use super::query::Row;

pub const MAX_AGE: Duration = Duration::from_secs(15);
const ENTRIES: usize = 64;
/// How often the keep-warm task looks for answers to recompute.
pub const REFRESH_EVERY: Duration = Duration::from_secs(3);
/// An answer read within this time is kept warm.
pub const WATCHED_FOR: Duration = Duration::from_secs(300);
/// At most this many answers are kept warm (the most recently read).
const WATCHED_KEYS: usize = 16;
/// Recompute an answer this long before it would expire: a refresh round may come up to
/// [`REFRESH_EVERY`] late, and the computation takes a moment.
const REFRESH_MARGIN: Duration = Duration::from_secs(7);

/// How a watched answer is computed again: at `as_of` (`None`: now).
#[derive(Clone, Debug, PartialEq)]
pub enum Recipe {
    /// The SLO snapshot session.
    SloSnapshot { as_of: Option<String> },
    /// The rows of a query.
    Rows { as_of: Option<String>, sql: String },
}

/// What is kept: a session whose SLO views are already computed, or rows.
#[derive(Clone)]
pub enum Memoized {
    Session(SessionContext),
    Rows(Vec<Row>),
}

struct Entry {
    version: String,
    at: Instant,
    /// An answer at "now": it ages with the clock.
    at_now: bool,
    value: Memoized,
}

impl Entry {
    fn fresh(&self, version: &str, margin: Duration) -> bool {
        self.version == version && !(self.at_now && self.at.elapsed() + margin >= MAX_AGE)
    }
}

pub struct Memo {
    entries: Mutex<LruCache<String, Entry>>,
    /// Answers at "now" to keep warm: key -> (last read, how to compute it).
    watched: Mutex<HashMap<String, (Instant, Recipe)>>,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(LruCache::new(NonZeroUsize::new(ENTRIES).expect("not zero"))),
            watched: Default::default(),
            hits: Default::default(),
            misses: Default::default(),
        }
    }
}

impl Memo {
    /// The entry for `key` computed on data `version` (and, at "now", less than [`MAX_AGE`]
    /// ago).
    pub fn get(&self, key: &str, version: &str) -> Option<Memoized> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut entries = self.entries.lock().expect("memo lock");
        let fresh = entries
            .get(key)
            .filter(|e| e.fresh(version, Duration::ZERO))
            .map(|e| e.value.clone());
        match fresh {
            Some(_) => self.hits.fetch_add(1, Relaxed),
            None => self.misses.fetch_add(1, Relaxed),
        };
        fresh
    }

    pub fn put(&self, key: String, version: String, at_now: bool, value: Memoized) {
        let entry = Entry {
            version,
            at: Instant::now(),
            at_now,
            value,
        };
        self.entries.lock().expect("memo lock").put(key, entry);
    }

    /// Marks `key` as read: kept warm for [`WATCHED_FOR`].
    pub fn watch(&self, key: &str, recipe: Recipe) {
        let mut watched = self.watched.lock().expect("memo lock");
        watched.insert(key.to_string(), (Instant::now(), recipe));
        if watched.len() > WATCHED_KEYS {
            let oldest = watched
                .iter()
                .min_by_key(|(_, (read, _))| *read)
                .map(|(key, _)| key.clone());
            watched.remove(&oldest.expect("not empty"));
        }
    }

    /// The watched answers to compute now for data `version`: read within [`WATCHED_FOR`], and
    /// missing, computed on other data, or at "now" within [`REFRESH_MARGIN`] of expiring.
    /// Answers no longer read are forgotten.
    pub fn due(&self, version: &str) -> Vec<(String, Recipe)> {
        let mut watched = self.watched.lock().expect("memo lock");
        watched.retain(|_, (read, _)| read.elapsed() < WATCHED_FOR);
        let entries = self.entries.lock().expect("memo lock");
        watched
            .iter()
            .filter(|(key, _)| {
                !entries
                    .peek(*key)
                    .is_some_and(|e| e.fresh(version, REFRESH_MARGIN))
            })
            .map(|(key, (_, recipe))| (key.clone(), recipe.clone()))
            .collect()
    }

    /// (hits, misses) so far, for `/metrics`.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_data_version() {
        let memo = Memo::default();
        memo.put("k".into(), "v1".into(), true, Memoized::Rows(Vec::new()));
        assert!(memo.get("k", "v1").is_some());
        assert!(memo.get("k", "v2").is_none(), "data moved on");
        assert!(memo.get("other", "v1").is_none());
        assert_eq!(memo.counts(), (1, 2));
    }

    #[test]
    fn watched_answers_are_due_when_missing_stale_or_of_other_data() {
        let memo = Memo::default();
        assert!(memo.due("v1").is_empty(), "nothing watched");
        let now = Recipe::Rows {
            as_of: None,
            sql: "SELECT 1".into(),
        };
        memo.watch("k", now.clone());
        assert_eq!(memo.due("v1"), [("k".to_string(), now)]);
        memo.put("k".into(), "v1".into(), true, Memoized::Rows(Vec::new()));
        assert!(memo.due("v1").is_empty(), "fresh");
        assert_eq!(memo.due("v2").len(), 1, "the data moved on");
        // An answer at "now" close to its end is due again; one at a fixed time is not.
        let aged = Instant::now() - (MAX_AGE - REFRESH_MARGIN);
        memo.entries.lock().unwrap().get_mut("k").unwrap().at = aged;
        assert_eq!(memo.due("v1").len(), 1);
        memo.watch(
            "fixed",
            Recipe::SloSnapshot {
                as_of: Some("2025-11-16".into()),
            },
        );
        memo.put(
            "fixed".into(),
            "v1".into(),
            false,
            Memoized::Rows(Vec::new()),
        );
        memo.entries.lock().unwrap().get_mut("fixed").unwrap().at = aged;
        assert_eq!(memo.due("v1").len(), 1, "only k");
        assert!(memo.get("fixed", "v1").is_some());
        memo.watched.lock().unwrap().remove("fixed");
        // Not read for WATCHED_FOR: forgotten.
        memo.watched.lock().unwrap().get_mut("k").unwrap().0 = Instant::now() - WATCHED_FOR;
        assert!(memo.due("v1").is_empty());
        assert!(memo.watched.lock().unwrap().is_empty());
    }
}
