//! `shape trace ID`: every source line behind an anomaly or breach, read back from the source.

use std::collections::HashMap;

use datafusion::prelude::SessionContext;

use super::DetectError;
use crate::ingest::source::{read_line_at, resolve};
use crate::query::batches_to_rows;
use crate::storage::{fnv1a64, DataStore};

/// Whether a traced line still reads back as it was ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceStatus {
    /// The line at the recorded offset still holds the ingested record.
    Intact,
    /// The source object is different now (its first bytes, or the line at the offset).
    Changed(String),
    /// The source object is gone or unreadable.
    Vanished(String),
}

/// One contributing event: where it came from and the raw line read back.
#[derive(Debug, Clone)]
pub struct TraceLine {
    pub source: String,
    pub line: u64,
    pub offset: u64,
    pub message: String,
    pub raw: Option<String>,
    pub status: TraceStatus,
}

impl TraceLine {
    /// `file:line` in the form editors and terminals link (`file://` dropped for local files).
    pub fn location(&self) -> String {
        let path = self.source.strip_prefix("file://").unwrap_or(&self.source);
        format!("{path}:{}", self.line)
    }
}

/// The lineage rows of `subject_id` (at most `limit`, in source order) with their raw lines,
/// and the total number of contributing events.
pub async fn trace(
    ctx: &SessionContext,
    store: &DataStore,
    subject_id: &str,
    limit: usize,
) -> Result<(Vec<TraceLine>, u64), DetectError> {
    let id = subject_id.replace('\'', "''");
    let sql = format!(
        "SELECT _source, _line, _offset, message, count(*) OVER () AS total FROM lineage \
         WHERE subject_id = '{id}' ORDER BY _source, _line LIMIT {limit}"
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut total = 0u64;
    let mut rows = Vec::new();
    for row in batches_to_rows(&batches) {
        let number = |i: usize| row[i].parse::<u64>().unwrap_or(0);
        total = number(4);
        rows.push((row[0].clone(), number(1), number(2), row[3].clone()));
    }
    if rows.is_empty() && !subject_exists(ctx, &id).await? {
        return Err(DetectError::UnknownSubject(subject_id.to_string()));
    }
    let mut source_status: HashMap<String, TraceStatus> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (source, line, offset, message) in rows {
        if !source_status.contains_key(&source) {
            let status = source_version_status(store, &source).await;
            source_status.insert(source.clone(), status);
        }
        let (raw, status) = match &source_status[&source] {
            TraceStatus::Vanished(why) => (None, TraceStatus::Vanished(why.clone())),
            source_level => match read_line_at(&source, offset).await {
                Err(e) => (None, TraceStatus::Vanished(e.to_string())),
                Ok(bytes) => {
                    let raw = String::from_utf8_lossy(&bytes)
                        .trim_end_matches('\r')
                        .to_string();
                    let status = if !holds_message(&raw, &message) {
                        TraceStatus::Changed(format!(
                            "the line at byte {offset} no longer holds the ingested record"
                        ))
                    } else {
                        source_level.clone()
                    };
                    (Some(raw), status)
                }
            },
        };
        out.push(TraceLine {
            source,
            line,
            offset,
            message,
            raw,
            status,
        });
    }
    Ok((out, total))
}

async fn subject_exists(ctx: &SessionContext, id: &str) -> Result<bool, DetectError> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT anomaly_id AS id FROM anomalies UNION ALL \
         SELECT breach_id FROM slo_breaches) WHERE id = '{id}'"
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    Ok(batches_to_rows(&batches)
        .first()
        .is_some_and(|r| r[0] != "0"))
}

/// Compares the object's first bytes with the fingerprint its last ingest recorded.
async fn source_version_status(store: &DataStore, source: &str) -> TraceStatus {
    let objects = match resolve(&[source.to_string()]).await {
        Ok(objects) => objects,
        Err(e) => return TraceStatus::Vanished(format!("source is gone: {e}")),
    };
    let Some(object) = objects.into_iter().find(|o| o.uri == source) else {
        return TraceStatus::Vanished("source is gone".into());
    };
    let Ok(Some(commit)) = store.last_commit(source).await else {
        return TraceStatus::Intact;
    };
    let runtime = tokio::runtime::Handle::current();
    let len = commit.fingerprint_len;
    let prefix = tokio::task::spawn_blocking(move || object.read_prefix(len, &runtime)).await;
    match prefix {
        Ok(Ok(prefix))
            if prefix.len() as u64 == len
                && format!("{:016x}", fnv1a64(&prefix)) == commit.fingerprint =>
        {
            TraceStatus::Intact
        }
        Ok(Err(e)) => TraceStatus::Vanished(e.to_string()),
        _ => TraceStatus::Changed(
            "the source was replaced or rewritten since ingest (its first bytes differ)".into(),
        ),
    }
}

/// Does the raw line still hold the message (verbatim, JSON-escaped, or as a JSON value)?
fn holds_message(raw: &str, message: &str) -> bool {
    if message.is_empty() || raw.contains(message) {
        return true;
    }
    let escaped = serde_json::to_string(message).unwrap_or_default();
    if raw.contains(escaped.trim_matches('"')) {
        return true;
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(map)) => map.values().any(|v| v.as_str() == Some(message)),
        _ => false,
    }
}
