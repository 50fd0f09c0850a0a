//! `shape trace ID`: every source line behind an anomaly or breach, read back from the source.

use std::collections::HashMap;

use datafusion::prelude::SessionContext;

use super::DetectError;
use crate::common::fnv1a64;
use crate::ingest::source::{resolve, SourceObject};
use crate::query::batches_to_rows;
use crate::storage::DataStore;

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
    // Each source is resolved and checked once, then its lines are read by offset.
    let mut sources: HashMap<String, Result<(SourceObject, TraceStatus), String>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (source, line, offset, message) in rows {
        if !sources.contains_key(&source) {
            let checked = open_source(store, &source).await;
            sources.insert(source.clone(), checked);
        }
        let (raw, status) = match &sources[&source] {
            Err(why) => (None, TraceStatus::Vanished(why.clone())),
            Ok((object, source_level)) => match object.read_line(offset).await {
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

/// Resolves the source and compares its first bytes with the fingerprint its last ingest
/// recorded. `Err` says why it is gone.
async fn open_source(
    store: &DataStore,
    source: &str,
) -> Result<(SourceObject, TraceStatus), String> {
    let objects = resolve(&[source.to_string()])
        .await
        .map_err(|e| format!("source is gone: {e}"))?;
    let object = objects
        .into_iter()
        .find(|o| o.uri == source)
        .ok_or_else(|| "source is gone".to_string())?;
    let Ok(Some(commit)) = store.last_commit(source).await else {
        return Ok((object, TraceStatus::Intact));
    };
    let runtime = tokio::runtime::Handle::current();
    let len = commit.fingerprint_len;
    let reader = object.clone();
    let prefix = tokio::task::spawn_blocking(move || reader.read_prefix(len, &runtime)).await;
    let status = match prefix {
        Ok(Ok(prefix))
            if prefix.len() as u64 == len
                && format!("{:016x}", fnv1a64(&prefix)) == commit.fingerprint =>
        {
            TraceStatus::Intact
        }
        Ok(Err(e)) => return Err(e.to_string()),
        _ => TraceStatus::Changed(
            "the source was replaced or rewritten since ingest (its first bytes differ)".into(),
        ),
    };
    Ok((object, status))
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
