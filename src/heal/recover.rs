//! Finishing what an interrupted cycle left (see `state` for the records): an action
//! recorded as intended but never started is forgotten (it will be planned again); one that
//! started is recorded as `unknown` and never repeated; its verification tells whether it
//! helped.

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
                if !heal_store.run_recorded(&record.run).await? {
                    record.run.result = RunResult::Unknown;
                    record.run.detail = "interrupted after the action started: it may or may not have completed; not repeated (verification tells)".into();
                    record.run.finished_at = Utc::now();
                    heal_store.record_run(&record.run).await?;
                }
                record.phase = ActionPhase::Done;
                heal_store.put_action(&record).await?;
                if let (Some(s), true) = (state.as_mut(), ours) {
                    s.move_to(BreachPhase::Verifying, record.run.evaluated_at);
                    heal_store.put_breach(s).await?;
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
