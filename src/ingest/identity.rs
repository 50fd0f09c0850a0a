//! Where a source's reading starts: after the last commit under its name when its first bytes
//! are unchanged; from the start when they changed (a new version) or it shrank below what was
//! read (`copytruncate`); and for a name never read before, after the commit of any earlier
//! source whose first bytes it shares, since logrotate renames (`app.log` -> `app.log.1`),
//! compresses (`app.log.2.gz`) and copies files without changing their content. Files shorter
//! than [`MIN_IDENTITY_BYTES`] are known by name only: a short common header is not identity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use super::source::SourceObject;
use super::{IngestError, SourceStatus};
use crate::common::fnv1a64;
pub use crate::storage::MIN_IDENTITY_BYTES;
use crate::storage::{CommitRecord, DataStore, Fingerprint};

/// Where to start reading one source, and in which format and settings.
#[derive(Debug, Clone)]
pub(crate) struct Resume {
    pub status: SourceStatus,
    pub offset: u64,
    pub line: u64,
    /// The format the reading it continues used.
    pub format: Option<String>,
    /// A W3C log's `#Fields:` names in force where the reading continues.
    pub w3c_fields: Option<String>,
    /// The name the content had when first read, if not this one.
    pub first_name: Option<String>,
    /// The source (under another name) this one reads on from.
    pub read_on_from: Option<String>,
}

impl Resume {
    fn from_start(status: SourceStatus) -> Resume {
        Resume {
            status,
            offset: 0,
            line: 1,
            format: None,
            w3c_fields: None,
            first_name: None,
            read_on_from: None,
        }
    }

    fn after(status: SourceStatus, commit: &CommitRecord) -> Resume {
        Resume {
            status,
            offset: commit.to_offset,
            line: commit.next_line,
            format: commit.format.clone(),
            w3c_fields: commit.w3c_fields.clone(),
            first_name: commit.first_name.clone(),
            read_on_from: None,
        }
    }
}

/// The fingerprints of every version committed so far (loaded once per run, grown by each
/// source the run reads), by length: a bucket holds 100,000s of objects, and each new one
/// is looked up in one pass over its first bytes, not once per known fingerprint.
#[derive(Debug, Default)]
pub(crate) struct KnownContent {
    by_len: BTreeMap<u64, HashSet<u64>>,
    /// Reads of this run not committed yet (a group commits at its end), by fingerprint:
    /// a copy of one of them later in the same run reads on from it all the same.
    pending: HashMap<Fingerprint, CommitRecord>,
}

impl KnownContent {
    pub async fn load(store: &DataStore) -> Result<Mutex<KnownContent>, IngestError> {
        let mut known = KnownContent::default();
        for fingerprint in store.fingerprints().await? {
            known.add(fingerprint);
        }
        Ok(Mutex::new(known))
    }

    pub fn add(&mut self, (len, hash): Fingerprint) {
        let Ok(hash) = u64::from_str_radix(&hash, 16) else {
            return; // not one of ours: it can match nothing
        };
        if len >= MIN_IDENTITY_BYTES {
            self.by_len.entry(len).or_default().insert(hash);
        }
    }

    /// A read of this run that will commit with its group.
    pub fn add_pending(&mut self, record: &CommitRecord) {
        let fingerprint = (record.fingerprint_len, record.fingerprint.clone());
        self.add(fingerprint.clone());
        if record.fingerprint_len >= MIN_IDENTITY_BYTES {
            self.pending.insert(fingerprint, record.clone());
        }
    }

    /// The uncommitted read of this run known by `fingerprint`.
    pub fn pending(&self, fingerprint: &Fingerprint) -> Option<CommitRecord> {
        self.pending.get(fingerprint).cloned()
    }

    /// Forgets the uncommitted reads (their group committed: the store has them now).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    /// The most first bytes a known fingerprint of an object of `size` bytes (unknown for
    /// gzip) covers; `None` when no known fingerprint can be its.
    pub fn longest_fitting(&self, size: Option<u64>) -> Option<u64> {
        self.by_len
            .range(..=size.unwrap_or(u64::MAX))
            .next_back()
            .map(|(len, _)| *len)
    }

    /// The known fingerprints `prefix` (an object's first bytes) has, longest first: the
    /// longest is the latest commit of that content.
    pub fn matching(&self, prefix: &[u8]) -> Vec<Fingerprint> {
        // FNV-1a runs byte by byte: the hash after `len` bytes is the fingerprint of the
        // first `len` bytes, so one pass checks every known length.
        let mut found = Vec::new();
        let mut lengths = self.by_len.range(..=prefix.len() as u64).peekable();
        let mut hash = fnv1a64(&[]);
        for (i, byte) in prefix.iter().enumerate() {
            let Some((&len, hashes)) = lengths.peek() else {
                break;
            };
            hash = crate::common::fnv1a64_extend(hash, &[*byte]);
            if (i + 1) as u64 == len {
                if hashes.contains(&hash) {
                    found.push((len, format!("{hash:016x}")));
                }
                lengths.next();
            }
        }
        found.reverse();
        found
    }
}

/// The hash a commit records of an object's first bytes.
pub(crate) fn fingerprint_of(prefix: &[u8]) -> String {
    format!("{:016x}", fnv1a64(prefix))
}

/// Where `object` is read from in this run (see the module comment).
pub(crate) fn resume_point(
    store: &DataStore,
    runtime: &tokio::runtime::Handle,
    object: &SourceObject,
    known: &Mutex<KnownContent>,
) -> Result<Resume, IngestError> {
    let mut status = SourceStatus::New;
    if let Some(last) = runtime.block_on(store.last_commit(&object.uri))? {
        // An object store's tag says the bytes are the ones read: no request for the first
        // bytes (a loop over a bucket of many objects would make one per object per cycle).
        if object.e_tag.is_some() && last.e_tag == object.e_tag {
            return Ok(Resume::after(SourceStatus::Grown, &last));
        }
        status = SourceStatus::Truncated;
        if object.compressed() || object.size >= last.to_offset {
            let prefix = object.read_prefix(last.fingerprint_len, runtime)?;
            if prefix.len() as u64 == last.fingerprint_len
                && fingerprint_of(&prefix) == last.fingerprint
            {
                return Ok(Resume::after(SourceStatus::Grown, &last));
            }
            status = SourceStatus::Replaced;
        }
    }
    // New content under this name (a new name, or a name logrotate reuses: `app.log.1`).
    // Only as many first bytes as the longest fingerprint it could have (none: nothing read,
    // no extra request for an S3 object).
    let size = (!object.compressed()).then_some(object.size);
    let Some(needed) = known.lock().expect("not poisoned").longest_fitting(size) else {
        return Ok(Resume::from_start(status));
    };
    let prefix = object.read_prefix(needed, runtime)?;
    let candidates = known.lock().expect("not poisoned").matching(&prefix);
    for fingerprint in candidates {
        let pending = known.lock().expect("not poisoned").pending(&fingerprint);
        let commit = match pending {
            Some(read_this_run) => read_this_run,
            None => match runtime.block_on(store.commit_by_fingerprint(&fingerprint))? {
                Some(commit) => commit,
                None => continue,
            },
        };
        // A shorter object with the same start is another file, not this one renamed. A
        // compressed object's length shows only as it decompresses.
        if !object.compressed() && object.size < commit.to_offset
            || object.compressed() && !object.holds_at_least(commit.to_offset, runtime)?
        {
            continue;
        }
        if commit.source == object.uri {
            // Content this name held before (and holds again).
            return Ok(Resume::after(SourceStatus::Grown, &commit));
        }
        let mut resume = Resume::after(SourceStatus::Renamed, &commit);
        resume.first_name = commit.first_name.clone().or(Some(commit.source.clone()));
        resume.read_on_from = Some(commit.source);
        return Ok(resume);
    }
    Ok(Resume::from_start(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_known_prefix_matches_first() {
        let content: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut known = KnownContent::default();
        known.add((300, fingerprint_of(&content[..300])));
        known.add((4096, fingerprint_of(&content[..4096])));
        known.add((100, fingerprint_of(&content[..100]))); // too short to identify
        known.add((400, fingerprint_of(b"other content")));
        let found = known.matching(&content[..4096]);
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![4096, 300]
        );
        // An object shorter than a fingerprint cannot have it.
        assert_eq!(known.matching(&content[..350]).len(), 1);
        assert!(known.matching(b"short").is_empty());
        // What to read first: the longest fingerprint that fits, nothing when none does.
        assert_eq!(known.longest_fitting(Some(5000)), Some(4096));
        assert_eq!(known.longest_fitting(Some(350)), Some(300));
        assert_eq!(known.longest_fitting(Some(200)), None);
        assert_eq!(known.longest_fitting(None), Some(4096));
        assert_eq!(KnownContent::default().longest_fitting(None), None);
    }
}
