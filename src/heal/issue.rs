//! What SHAPE tells humans about a breach: the diagnosis (root causes, recommendations,
//! the exact source lines), rendered into GitHub issue and pull-request bodies and fix
//! templates. Row values are data here: escaped for Markdown, fenced so they cannot close
//! their block.

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;

use super::actions::ActionResult;
use super::github::Github;
use super::{BreachRow, HealError};
use crate::common::sql_string;
use crate::query::{rows_as_text, run_sql};
use crate::storage::DataStore;

/// What the detect layer knows about a breach: for issue and PR bodies and webhooks.
#[derive(Debug, Default)]
pub struct Diagnosis {
    pub root_causes: Vec<serde_json::Value>,
    pub recommendations: Vec<serde_json::Value>,
    pub lines: Vec<serde_json::Value>,
    pub total_lines: u64,
    /// Past breaches like this one (`similar_incidents`).
    pub similar: Vec<serde_json::Value>,
}

/// A GitHub issue about a breach: escalations, approval requests and `github_issue` actions
/// all open (or reuse, by `marker`) one of these, with the breach row, its diagnosis and `note`.
pub(super) struct BreachIssue<'a> {
    pub title: String,
    pub marker: String,
    pub note: &'a str,
    pub labels: &'a [String],
}

impl BreachIssue<'_> {
    pub async fn open(
        &self,
        gh: &Github,
        ctx: &SessionContext,
        store: &DataStore,
        breach_id: &str,
        row: &BreachRow,
    ) -> Result<ActionResult, HealError> {
        let diagnosis = diagnose(ctx, store, breach_id).await?;
        let body = issue_body(&self.marker, row, &diagnosis, self.note);
        Ok(gh
            .open_issue(&self.title, &body, self.labels, &self.marker)
            .await)
    }
}

/// Root causes, recommendations and the first source lines behind a breach.
pub async fn diagnose(
    ctx: &SessionContext,
    store: &DataStore,
    breach_id: &str,
) -> Result<Diagnosis, HealError> {
    let id = sql_string(breach_id);
    let causes = run_sql(
        ctx,
        &format!("SELECT rank, template, operation, lift, events, sample_source, sample_line FROM root_causes WHERE subject_id = {id} ORDER BY rank LIMIT 5"),
    )
    .await?;
    let fixes = run_sql(
        ctx,
        // A breach's anomalies can share a recommendation (a burst and its template's storm).
        &format!("SELECT recommendation, rationale, max(benefit_score) AS benefit_score FROM fix_recommendations WHERE subject_id = {id} GROUP BY recommendation, rationale ORDER BY benefit_score DESC, recommendation LIMIT 3"),
    )
    .await?;
    let as_json = |batches: &[RecordBatch], names: &[&str]| -> Vec<serde_json::Value> {
        rows_as_text(batches, "")
            .into_iter()
            .map(|r| {
                serde_json::Value::Object(
                    names
                        .iter()
                        .zip(r)
                        .map(|(n, v)| (n.to_string(), v.into()))
                        .collect(),
                )
            })
            .collect()
    };
    let (lines, total) = match crate::detect::trace(ctx, store, breach_id, 10).await {
        Ok(found) => found,
        // A breach with no bad events (e.g. a latency SLO) has no lines to show.
        Err(crate::detect::DetectError::UnknownSubject(_)) => (Vec::new(), 0),
        Err(e) => return Err(e.into()),
    };
    Ok(Diagnosis {
        root_causes: as_json(&causes, &["rank", "template", "operation", "lift", "events", "sample_source", "sample_line"]),
        recommendations: as_json(&fixes, &["recommendation", "rationale", "benefit_score"]),
        lines: lines
            .iter()
            .map(|l| serde_json::json!({ "location": l.location(), "line": l.raw.clone().unwrap_or_else(|| l.message.clone()) }))
            .collect(),
        total_lines: total,
        similar: super::memory::similar_incidents(ctx, Some(breach_id)).await?,
    })
}

/// Text for a Markdown table cell: no pipes, newlines or HTML from row values.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
}

/// A code fence longer than any run of backticks in `text`, so the text cannot close it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

/// Issue and PR body: the breach, root causes, the exact source lines, the recommendation.
pub fn issue_body(marker: &str, row: &BreachRow, d: &Diagnosis, note: &str) -> String {
    let mut body = format!(
        "{marker}\n\n{}\n\n### Breach\n\n| column | value |\n|---|---|\n",
        cell(note)
    );
    for (k, v) in &row.values {
        body.push_str(&format!(
            "| {} | {} |\n",
            cell(k),
            cell(v.as_deref().unwrap_or("NULL"))
        ));
    }
    body.push_str("\n### Root causes\n\n");
    if d.root_causes.is_empty() {
        body.push_str("None found by the detect views.\n");
    }
    for c in &d.root_causes {
        body.push_str(&format!(
            "- #{} `{}` in {} (lift {}, {} events; e.g. {}:{})\n",
            c["rank"].as_str().unwrap_or(""),
            cell(c["template"].as_str().unwrap_or("")),
            cell(c["operation"].as_str().unwrap_or("")),
            c["lift"].as_str().unwrap_or(""),
            c["events"].as_str().unwrap_or(""),
            cell(c["sample_source"].as_str().unwrap_or("")),
            c["sample_line"].as_str().unwrap_or(""),
        ));
    }
    body.push_str(&format!(
        "\n### Source lines ({} of {} contributing events)\n\n",
        d.lines.len(),
        d.total_lines
    ));
    let text: Vec<String> = d
        .lines
        .iter()
        .map(|l| {
            format!(
                "{}: {}",
                l["location"].as_str().unwrap_or(""),
                l["line"].as_str().unwrap_or("")
            )
        })
        .collect();
    body.push_str(&fenced(&text.join("\n")));
    body.push_str("\n\n### Recommendation\n\n");
    if d.recommendations.is_empty() {
        body.push_str("None from the fix rules.\n");
    }
    for r in &d.recommendations {
        body.push_str(&format!(
            "- **{}** (benefit {}): {}\n",
            cell(r["recommendation"].as_str().unwrap_or("")),
            r["benefit_score"].as_str().unwrap_or(""),
            cell(r["rationale"].as_str().unwrap_or(""))
        ));
    }
    if !d.similar.is_empty() {
        body.push_str("\n### Similar incidents\n\n");
        for incident in &d.similar {
            body.push_str(&format!(
                "- {}\n",
                cell(&super::memory::describe_similar(incident))
            ));
        }
    }
    body
}

/// A fix template: `{column}` from the breach row, `{recommendation}` and `{rationale}` from
/// the best recommendation; other text is kept as written.
pub fn render_template(template: &str, row: &BreachRow, d: &Diagnosis) -> String {
    // One pass: a value holding `{other}` stays that text. NULL columns and a missing
    // recommendation fill as empty text.
    let mut values = super::ship::values_of(row, d);
    for (column, value) in &row.values {
        if value.is_none() {
            values.insert(column.clone(), String::new());
        }
    }
    for field in ["recommendation", "rationale"] {
        values.entry(field.to_string()).or_default();
    }
    super::patch::fill(template, &values, str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_each_placeholder_once() {
        let row = BreachRow {
            values: [
                ("a".to_string(), Some("{b}".to_string())),
                ("b".to_string(), Some("B".to_string())),
                ("n".to_string(), None),
            ]
            .into_iter()
            .collect(),
        };
        let d = Diagnosis::default();
        assert_eq!(
            render_template("{a} {b} [{n}] [{recommendation}] {other}", &row, &d),
            "{b} B [] [] {other}"
        );
    }

    #[test]
    fn fences_cannot_be_closed_by_the_text() {
        let text = "a ```` b";
        let f = fenced(text);
        assert!(f.starts_with("`````text"), "{f}");
        assert_eq!(cell("a|b\n<x>`"), "a\\|b &lt;x&gt;'");
    }
}
