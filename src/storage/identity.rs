//! Content identity: the latest commit of every version of every source, indexed by its
//! fingerprint (`_manifest/_identity/<fingerprint_len>-<fingerprint>.json`). A file that
//! logrotate renamed, compressed or copied keeps its first bytes, so a source seen for the first
//! time under a new name is looked up here before it is read from the start (see
//! `ingest::identity`).
//!
//! The entry is written at commit, after the commit record and before the staged files move,
//! and again by recovery when it finishes a commit: it never lags the last commit of its version.

use super::{CommitRecord, DataStore, Result, StorageError};

const IDENTITY_DIR: &str = "_manifest/_identity";

/// The fewest first bytes that identify a file by its content: shorter files are known by
/// name only (a short common header is not identity), so they are not indexed.
pub const MIN_IDENTITY_BYTES: u64 = 256;

/// The fingerprint a commit record is known by: `(bytes hashed, hash)`.
pub type Fingerprint = (u64, String);

impl DataStore {
    /// Every indexed fingerprint.
    pub async fn fingerprints(&self) -> Result<Vec<Fingerprint>> {
        let names = self.list(IDENTITY_DIR).await?;
        Ok(names
            .iter()
            .filter_map(|path| {
                let name = path.rsplit('/').next()?.strip_suffix(".json")?;
                let (len, hash) = name.split_once('-')?;
                Some((len.parse().ok()?, hash.to_string()))
            })
            .collect())
    }

    /// The latest commit of the version known by `fingerprint`.
    pub async fn commit_by_fingerprint(
        &self,
        fingerprint: &Fingerprint,
    ) -> Result<Option<CommitRecord>> {
        let relative = identity_path(fingerprint);
        let Some(bytes) = self.get(&relative).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StorageError::Manifest {
                location: relative,
                message: e.to_string(),
            })
    }

    pub(super) async fn index_fingerprint(&self, record: &CommitRecord) -> Result<()> {
        if record.fingerprint_len < MIN_IDENTITY_BYTES {
            return Ok(());
        }
        let fingerprint = (record.fingerprint_len, record.fingerprint.clone());
        let body = serde_json::to_vec_pretty(record).expect("commit records serialise");
        self.put(&identity_path(&fingerprint), body.into()).await
    }
}

fn identity_path((len, hash): &Fingerprint) -> String {
    format!("{IDENTITY_DIR}/{len}-{hash}.json")
}
