//! Commit records that no longer say anything. Every ingest commit writes one record
//! (`_manifest/<source-key>/<commit-id>.json`), and every ingest of a source lists its
//! records to find the latest: under `shape run --every 1m` that directory would grow by 1,440
//! records a day for ever. A record is deleted once every file it published is gone (merged by
//! compaction or dropped by retention) and a newer record of the same source exists: it then
//! names no file a reader or `shape compact --verify` could look for, and the next ingest
//! reads on from the newest one. Records that do not parse are kept (for a person to look at).

use std::collections::{BTreeMap, HashSet};

use super::schema::TABLES;
use super::{CommitRecord, DataStore, Result};

/// The commit records directory.
const MANIFEST_DIR: &str = "_manifest";
/// The fingerprint index beside the records (see `identity`), not pruned here.
const IDENTITY_DIR: &str = "_manifest/_identity/";

/// What pruning did to one source's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunedRecords {
    /// `_manifest/<source-key>`.
    pub dir: String,
    pub before: usize,
    pub after: usize,
}

/// The records of one source that may go (pure): all but the newest (`records` are in commit
/// order), of those whose files are all gone.
pub fn prunable<'a>(
    records: &'a [(String, Option<Vec<String>>)],
    live: &HashSet<String>,
) -> Vec<&'a str> {
    let older = &records[..records.len().saturating_sub(1)];
    older
        .iter()
        .filter(|(_, files)| {
            files
                .as_ref()
                .is_some_and(|files| files.iter().all(|f| !live.contains(f)))
        })
        .map(|(path, _)| path.as_str())
        .collect()
}

impl DataStore {
    /// Deletes the commit records that no longer say anything (see the module docs). Only
    /// under the writer lock, after `recover` (no commit is then half done).
    pub async fn prune_commit_records(&self) -> Result<Vec<PrunedRecords>> {
        let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for path in self.list(MANIFEST_DIR).await? {
            if path.starts_with(IDENTITY_DIR) || !path.ends_with(".json") {
                continue;
            }
            if let Some((dir, _)) = path.rsplit_once('/') {
                by_source.entry(dir.to_string()).or_default().push(path);
            }
        }
        if by_source.values().all(|records| records.len() < 2) {
            return Ok(Vec::new());
        }
        let mut live = HashSet::new();
        for table in TABLES {
            live.extend(self.list(table).await?);
        }
        let mut pruned = Vec::new();
        for (dir, paths) in by_source.into_iter().filter(|(_, p)| p.len() > 1) {
            let mut records = Vec::with_capacity(paths.len());
            // The newest is kept whatever it names: no need to read it.
            for (i, path) in paths.iter().enumerate() {
                let files = if i + 1 == paths.len() {
                    None
                } else {
                    self.get(path)
                        .await?
                        .and_then(|bytes| serde_json::from_slice::<CommitRecord>(&bytes).ok())
                        .map(|record| record.files)
                };
                records.push((path.clone(), files));
            }
            let gone = prunable(&records, &live);
            if gone.is_empty() {
                continue;
            }
            // Records are not data readers see: the data version stays.
            for path in &gone {
                self.delete_quietly(path).await?;
            }
            pruned.push(PrunedRecords {
                dir,
                before: records.len(),
                after: records.len() - gone.len(),
            });
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_older_records_whose_files_are_all_gone_go() {
        let record = |name: &str, files: Option<&[&str]>| {
            (
                name.to_string(),
                files.map(|f| f.iter().map(|s| s.to_string()).collect()),
            )
        };
        let records = vec![
            record("r1", Some(&["events/a", "ingest_log/a"])),
            record("r2", Some(&["events/b", "ingest_log/b"])),
            record("r3", None), // unreadable: kept
            record("r4", Some(&["events/d"])),
            record("r5", Some(&["events/e"])), // newest: kept, even with its files gone
        ];
        let live: HashSet<String> = ["events/b".to_string()].into();
        assert_eq!(prunable(&records, &live), vec!["r1", "r4"]);
        assert!(prunable(&records[..1], &live).is_empty());
        assert!(prunable(&[], &live).is_empty());
    }
}
