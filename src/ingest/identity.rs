//! Where a source's reading starts: after the last commit under its name when its first bytes
//! are unchanged; from the start when they changed (a new version) or it shrank below what was
//! read (`copytruncate`); and for a name never read before, after the commit of any earlier
//! source whose first bytes it shares, since logrotate renames (`app.log` -> `app.log.1`),
//! compresses (`app.log.2.gz`) and copies files without changing their content. Files shorter
//! than [`MIN_IDENTITY_BYTES`] are known by name only: a short common header is not identity.

use std::sync::Mutex;

use super::source::SourceObject;
use super::{IngestError, SourceStatus};
use crate::common::fnv1a64;
use crate::storage::{CommitRecord, DataStore, Fingerprint};

/// The fewest first bytes that identify a file by its content.
pub const MIN_IDENTITY_BYTES: u64 = 256;

/// Where to start reading one source, and in which format and settings.
#[derive(Debug, Clone)]
pub(crate) struct Resume {
    pub status: SourceStatus,
    pub offset: u64,
    pub line: u64,
    /// The format the reading it continues used.
    pub format: Option<String>,
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
            first_name: commit.first_name.clone(),
            read_on_from: None,
        }
    }
}

/// The fingerprints of every version committed so far (loaded once per run, grown by each
/// commit of the run).
#[derive(Debug, Default)]
pub(crate) struct KnownContent {
    fingerprints: Vec<Fingerprint>,
}

impl KnownContent {
    pub async fn load(store: &DataStore) -> Result<Mutex<KnownContent>, IngestError> {
        Ok(Mutex::new(KnownContent {
            fingerprints: store.fingerprints().await?,
        }))
    }

    pub fn add(&mut self, fingerprint: Fingerprint) {
        if !self.fingerprints.contains(&fingerprint) {
            self.fingerprints.push(fingerprint);
        }
    }

    /// The most first bytes a known fingerprint of an object of `size` bytes (unknown for
    /// gzip) covers; `None` when no known fingerprint can be its.
    pub fn longest_fitting(&self, size: Option<u64>) -> Option<u64> {
        self.fingerprints
            .iter()
            .map(|(len, _)| *len)
            .filter(|len| *len >= MIN_IDENTITY_BYTES && size.is_none_or(|size| *len <= size))
            .max()
    }

    /// The known fingerprints `prefix` (an object's first bytes) has, longest first: the
    /// longest is the latest commit of that content.
    pub fn matching(&self, prefix: &[u8]) -> Vec<Fingerprint> {
        let mut found: Vec<Fingerprint> = self
            .fingerprints
            .iter()
            .filter(|(len, hash)| {
                *len >= MIN_IDENTITY_BYTES
                    && *len <= prefix.len() as u64
                    && fingerprint_of(&prefix[..*len as usize]) == *hash
            })
            .cloned()
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
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
        if object.gzip || object.size >= last.to_offset {
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
    let size = (!object.gzip).then_some(object.size);
    let Some(needed) = known.lock().expect("not poisoned").longest_fitting(size) else {
        return Ok(Resume::from_start(status));
    };
    let prefix = object.read_prefix(needed, runtime)?;
    let candidates = known.lock().expect("not poisoned").matching(&prefix);
    for fingerprint in candidates {
        let Some(commit) = runtime.block_on(store.commit_by_fingerprint(&fingerprint))? else {
            continue;
        };
        // A shorter object with the same start is another file, not this one renamed.
        if !object.gzip && object.size < commit.to_offset {
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
