//! Recent answers of the HTTP listener, so that a dashboard refreshing every 15 s and a
//! Prometheus scraping every 15 s do not evaluate the SLO views each time: an entry is
//! reused while the data dir's version is the one it was computed on and for at most
//! [`MAX_AGE`] (an evaluation at "now" moves with the clock). The pgwire server's result
//! cache follows the same rule (`result_cache_max_age`).

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use datafusion::prelude::SessionContext;
use lru::LruCache;

use super::query::Row;

pub const MAX_AGE: Duration = Duration::from_secs(15);
const ENTRIES: usize = 64;

/// What is kept: a session whose SLO views are already computed, or rows.
#[derive(Clone)]
pub enum Memoized {
    Session(SessionContext),
    Rows(Vec<Row>),
}

struct Entry {
    version: String,
    at: Instant,
    value: Memoized,
}

pub struct Memo {
    entries: Mutex<LruCache<String, Entry>>,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(LruCache::new(NonZeroUsize::new(ENTRIES).expect("not zero"))),
            hits: Default::default(),
            misses: Default::default(),
        }
    }
}

impl Memo {
    /// The entry for `key` computed on data `version` less than [`MAX_AGE`] ago.
    pub fn get(&self, key: &str, version: &str) -> Option<Memoized> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut entries = self.entries.lock().expect("memo lock");
        let fresh = entries
            .get(key)
            .filter(|e| e.version == version && e.at.elapsed() < MAX_AGE)
            .map(|e| e.value.clone());
        match fresh {
            Some(_) => self.hits.fetch_add(1, Relaxed),
            None => self.misses.fetch_add(1, Relaxed),
        };
        fresh
    }

    pub fn put(&self, key: String, version: String, value: Memoized) {
        let entry = Entry {
            version,
            at: Instant::now(),
            value,
        };
        self.entries.lock().expect("memo lock").put(key, entry);
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
        memo.put("k".into(), "v1".into(), Memoized::Rows(Vec::new()));
        assert!(memo.get("k", "v1").is_some());
        assert!(memo.get("k", "v2").is_none(), "data moved on");
        assert!(memo.get("other", "v1").is_none());
        assert_eq!(memo.counts(), (1, 2));
    }
}
