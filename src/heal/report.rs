//! What a healing cycle did, as data: tests assert on the fields, the CLI prints the
//! `Display` form.

use std::fmt;

use chrono::{DateTime, Utc};

use super::decide::{Guard, WaitReason};
use super::state::ActionPhase;
use super::verify::Verdict;
use super::RunResult;

/// One cycle's report.
#[derive(Debug, Default)]
pub struct HealReport {
    pub execute: bool,
    /// Breach rows read.
    pub rows: usize,
    pub entries: Vec<HealEntry>,
}

/// One thing the cycle found or did.
#[derive(Debug, Clone, PartialEq)]
pub enum HealEntry {
    /// An action an interrupted cycle left: forgotten (`started: false`, nothing ran) or
    /// recorded with `result` and never repeated.
    Recovered {
        dedup_key: String,
        started: bool,
        result: Option<RunResult>,
    },
    Verified {
        breach_id: String,
        slo_id: String,
        run_id: String,
        verdict: Verdict,
        detail: String,
    },
    NoBreachRows,
    /// A shipped fix whose verification failed, undone on the base branch; the breach is
    /// escalated to a human.
    Reverted {
        breach_id: String,
        slo_id: String,
        result: RunResult,
        detail: String,
    },
    /// The decision for one breach row and, with `--execute`, what came of it.
    Row {
        breach_id: String,
        slo_id: String,
        plan: RowPlan,
        /// Past breaches like this one (`similar_incidents`), one line each.
        similar: Vec<String>,
    },
}

/// The decision for a row, with the names a reader needs.
#[derive(Debug, Clone, PartialEq)]
pub enum RowPlan {
    Wait(WaitReason),
    Skip {
        playbook: String,
        guard: Guard,
        why: String,
    },
    Escalate {
        playbook: String,
        why: String,
        /// What escalating did (with `--execute`).
        done: Option<String>,
    },
    AskApproval {
        playbook: String,
        step: usize,
        attempt: u32,
        kind: &'static str,
        target: String,
    },
    Act {
        playbook: String,
        step: usize,
        attempt: u32,
        kind: &'static str,
        target: String,
        /// What acting did (with `--execute`).
        outcome: Option<ActOutcome>,
    },
}

/// What an executed action came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ActOutcome {
    /// The dedup record says it already ran: not repeated.
    AlreadyDone {
        dedup_key: String,
        phase: ActionPhase,
    },
    Finished {
        result: RunResult,
        detail: String,
        link: Option<String>,
        verify_at: Option<DateTime<Utc>>,
    },
}

impl HealReport {
    /// Actions taken (or, in a dry run, planned).
    pub fn acted(&self) -> usize {
        self.count(|e| {
            matches!(
                e,
                HealEntry::Row {
                    plan: RowPlan::Act { .. },
                    ..
                }
            )
        })
    }

    pub fn verified(&self) -> usize {
        self.count(|e| matches!(e, HealEntry::Verified { .. }))
    }

    pub fn skipped(&self) -> usize {
        self.count(|e| {
            matches!(
                e,
                HealEntry::Row {
                    plan: RowPlan::Skip { .. },
                    ..
                }
            )
        })
    }

    fn count(&self, pick: impl Fn(&HealEntry) -> bool) -> usize {
        self.entries.iter().filter(|e| pick(e)).count()
    }
}

impl fmt::Display for HealReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "heal ({}): {} breach rows, {} actions {}, {} verifications, {} skipped",
            if self.execute {
                "execute"
            } else {
                "dry run: nothing is run; --execute acts"
            },
            self.rows,
            self.acted(),
            if self.execute { "taken" } else { "planned" },
            self.verified(),
            self.skipped()
        )?;
        for entry in &self.entries {
            write_entry(f, entry, self.execute)?;
        }
        Ok(())
    }
}

fn write_entry(f: &mut fmt::Formatter<'_>, entry: &HealEntry, execute: bool) -> fmt::Result {
    match entry {
        HealEntry::Recovered {
            dedup_key,
            started: false,
            ..
        } => writeln!(
            f,
            "  recovered {dedup_key}: the previous cycle stopped before acting; nothing ran, it will be planned again"
        ),
        HealEntry::Recovered {
            dedup_key, result, ..
        } => writeln!(
            f,
            "  recovered {dedup_key}: the previous cycle stopped after starting the action; recorded as {}, not repeated",
            result.map_or("unknown", RunResult::as_str)
        ),
        HealEntry::Verified {
            breach_id,
            slo_id,
            run_id,
            verdict,
            detail,
        } => writeln!(
            f,
            "  {breach_id} {slo_id}: verified {run_id}: {}: {detail}",
            verdict.as_str()
        ),
        HealEntry::NoBreachRows => writeln!(f, "  no breach rows"),
        HealEntry::Reverted {
            breach_id,
            slo_id,
            result,
            detail,
        } => writeln!(
            f,
            "  {breach_id} {slo_id}: REVERT {}: {detail}; escalated to a human",
            result.as_str()
        ),
        HealEntry::Row {
            breach_id,
            slo_id,
            plan,
            similar,
        } => {
            let label = format!("{breach_id} {slo_id}");
            write_plan(f, &label, breach_id, plan, execute)?;
            for incident in similar {
                writeln!(f, "      similar: {incident}")?;
            }
            Ok(())
        }
    }
}

fn write_plan(
    f: &mut fmt::Formatter<'_>,
    label: &str,
    breach_id: &str,
    plan: &RowPlan,
    execute: bool,
) -> fmt::Result {
    match plan {
        RowPlan::Wait(why) => writeln!(f, "  {label}: wait: {why}"),
        RowPlan::Skip { playbook, why, .. } => writeln!(f, "  {label}: SKIP ({playbook}) {why}"),
        RowPlan::Escalate {
            playbook,
            why,
            done,
        } => {
            writeln!(f, "  {label}: ESCALATE ({playbook}) {why}")?;
            match done {
                Some(detail) => writeln!(f, "      -> escalated: {detail}"),
                None => Ok(()),
            }
        }
        RowPlan::AskApproval {
            playbook,
            step,
            attempt,
            kind,
            target,
        } => writeln!(
            f,
            "  {label}: APPROVAL NEEDED ({playbook} step {step}, attempt {attempt}) {kind} {target}; approve with --approve {breach_id}"
        ),
        RowPlan::Act {
            playbook,
            step,
            attempt,
            kind,
            target,
            outcome,
        } => {
            writeln!(
                f,
                "  {label}: {} {playbook} (step {step}, attempt {attempt}) {kind} {target}",
                if execute { "ACT" } else { "WOULD ACT" }
            )?;
            match outcome {
                None => Ok(()),
                Some(ActOutcome::AlreadyDone { dedup_key, phase }) => writeln!(
                    f,
                    "      -> already done (dedup key {dedup_key}, {phase:?}): not repeated"
                ),
                Some(ActOutcome::Finished {
                    result,
                    detail,
                    link,
                    verify_at,
                }) => writeln!(
                    f,
                                        "      -> {}: {detail}{}{}",
                    result.as_str(),
                    link.as_deref().map(|l| format!(" ({l})")).unwrap_or_default(),
                    // Nothing shipped (validation or checks failed): nothing to verify.
                    verify_at
                        .map(|t| format!("; verify at {}", t.to_rfc3339()))
                        .unwrap_or_default()
                ),
            }
        }
    }
}
