//! Finishing what an interrupted cycle left (see `state` for the records): an action
//! recorded as intended but never started is forgotten (it will be planned again); one that
//! started is never repeated: recorded as `unknown` (its verification tells whether it
//! helped), or, for a patch, as far as its step record (`ShipSteps`) says it got: a merged
//! change is recorded `ok` and kept as the breach's shipped commit, so that a failed
//! verification still reverts it; an interrupted revert escalates the breach.

use chrono::Utc;

use super::report::HealEntry;
use super::state::{ActionPhase, BreachPhase, HealStore};
use super::{HealError, RunResult};

pub(super) async fn recover(heal_store: &HealStore<'_>) -> Result<Vec<HealEntry>, HealError> {
    let states = heal_store.breach_states().await?;
    let mut entries = Vec::new();
    for mut record in heal_store.unfinished_actions().await? {
        let mut state = states.get(&record.run.breach_id).cloned();
        let ours = state
            .as_ref()
            .is_some_and(|s| s.last_run_id.as_deref() == Some(record.run.run_id.as_str()));
        match record.phase {
            ActionPhase::Intent => {
                heal_store
                    .store
                    .delete(&format!("_heal/actions/{}.json", record.dedup_key))
                    .await?;
                if let (Some(s), true) = (state.as_mut(), ours) {
                    if s.phase == BreachPhase::Healing {
                        s.attempts = s.attempts.saturating_sub(1);
                        s.last_action_at = None;
                        s.last_run_id = None;
                        s.move_to(BreachPhase::Open, record.run.evaluated_at);
                        heal_store.put_breach(s).await?;
                    }
                }
                entries.push(HealEntry::Recovered {
                    dedup_key: record.dedup_key.clone(),
                    started: false,
                    result: None,
                });
            }
            ActionPhase::Started => {
                let steps = heal_store.steps(&record.dedup_key).await?;
                let merged = steps.as_ref().and_then(|s| s.merged.clone());
                if !heal_store.run_recorded(&record.run).await? {
                    let run = &mut record.run;
                    (run.result, run.detail) = match &steps {
                        Some(steps) if merged.is_some() => (
                            RunResult::Ok,
                            format!("interrupted after its last step; from its step record: {}; nothing repeated", steps.describe()),
                        ),
                        Some(steps) => (
                            RunResult::Unknown,
                            format!("interrupted after: {}; the steps after it were not taken and are not repeated (left for review)", steps.describe()),
                        ),
                        None => (
                            RunResult::Unknown,
                            "interrupted after the action started: it may or may not have completed; not repeated (verification tells)".into(),
                        ),
                    };
                    run.link = steps
                        .as_ref()
                        .and_then(|s| s.link.clone())
                        .or(run.link.take());
                    run.finished_at = Utc::now();
                    heal_store.record_run(run).await?;
                }
                record.phase = ActionPhase::Done;
                heal_store.put_action(&record).await?;
                let revert = record.run.action_kind == "revert";
                match state.as_mut() {
                    // An interrupted revert: whatever it did, a human takes over.
                    Some(s) if revert => {
                        s.reverted = Some(merged.unwrap_or_else(|| "unknown: interrupted".into()));
                        s.move_to(BreachPhase::Escalated, record.run.evaluated_at);
                        heal_store.put_breach(s).await?;
                    }
                    Some(s) if ours => {
                        s.shipped = merged;
                        s.move_to(BreachPhase::Verifying, record.run.evaluated_at);
                        heal_store.put_breach(s).await?;
                    }
                    _ => {}
                }
                entries.push(HealEntry::Recovered {
                    dedup_key: record.dedup_key.clone(),
                    started: true,
                    result: Some(record.run.result),
                });
            }
            ActionPhase::Done => {}
        }
    }
    Ok(entries)
}
