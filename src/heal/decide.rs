//! The pure core of healing: breach rows + persisted breach states + playbooks + time ->
//! one [`Decision`] per row. No I/O: everything a guard needs is in [`Facts`], so every
//! guard is unit-tested here and the effectful shell (`execute`) only carries decisions out.
//!
//! Guards, in order: kill switch, blast radius (more matching rows than `max_rows`: act on
//! none), the breach's own phase (verifying, resolved or escalated breaches wait), the
//! SLO's other breaches (one episode per SLO: an action in flight or an escalation covers
//! them all, an open ladder is continued, a verified fix covers them while the SLI stays
//! healthy), a playbook whose fix on the component was reverted, maximum attempts (then
//! escalate), cooldown per playbook and SLO, approval.
//! Within one cycle the first decided row of an SLO covers the SLO's later rows.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::memory::Effectiveness;
use super::playbook::{Action, Playbook};
use super::state::{BreachPhase, BreachState};
use super::BreachRow;

/// The `[heal]` defaults the guards apply (a playbook may override some).
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_rows: usize,
    pub max_attempts: u32,
    pub cooldown: Duration,
    pub approval: bool,
}

/// Everything the guards read, gathered by the shell before deciding.
pub struct Facts<'a> {
    pub playbooks: &'a [Playbook],
    pub policy: &'a Policy,
    /// Persisted breach states by breach id.
    pub states: &'a BTreeMap<String, BreachState>,
    /// Past success of each playbook per component and anomaly kind (ties between equal
    /// priorities).
    pub effectiveness: &'a Effectiveness,
    /// Breach id -> the kind of its main anomaly.
    pub anomaly_kinds: &'a BTreeMap<String, String>,
    /// Resolved breaches whose SLI has stayed healthy since their fix: breach id -> the
    /// verification detail.
    pub healthy_since_fix: &'a BTreeMap<String, String>,
    /// Why every action is off (the kill switch), if it is.
    pub kill_switch: Option<String>,
    /// Breach ids a human approved.
    pub approved: &'a [String],
    /// The evaluation time.
    pub now: DateTime<Utc>,
}

/// A guard that stopped an action; recorded once in `healing_runs` as `skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    KillSwitch,
    BlastRadius,
    Cooldown,
    /// The playbook's fix on this component was reverted: a human decides before it runs
    /// there again.
    Reverted,
}

impl Guard {
    pub fn as_str(self) -> &'static str {
        match self {
            Guard::KillSwitch => "kill_switch",
            Guard::BlastRadius => "blast_radius",
            Guard::Cooldown => "cooldown",
            Guard::Reverted => "reverted",
        }
    }
}

/// Why a row waits (only reported, never recorded).
#[derive(Debug, Clone, PartialEq)]
pub enum WaitReason {
    NoPlaybook,
    /// An earlier row of this cycle, or another breach of the SLO, covers it.
    CoveredBy {
        breach_id: String,
        phase: Option<BreachPhase>,
    },
    /// The breach itself is past acting (healing, verifying, resolved, escalated).
    Phase {
        phase: BreachPhase,
        run_id: Option<String>,
        verify_due: Option<DateTime<Utc>>,
    },
    HealthySinceFix {
        breach_id: String,
        fixed_at: DateTime<Utc>,
        detail: String,
    },
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitReason::NoPlaybook => write!(f, "no playbook matches"),
            WaitReason::CoveredBy { breach_id, phase } => {
                write!(f, "covered by breach {breach_id} of the same SLO")?;
                match phase {
                    Some(phase) => write!(f, " ({})", phase.as_str()),
                    None => Ok(()),
                }
            }
            WaitReason::Phase {
                phase,
                run_id,
                verify_due,
            } => match phase {
                BreachPhase::Resolved => write!(f, "resolved (verification passed)"),
                BreachPhase::Escalated => write!(f, "escalated to a human"),
                BreachPhase::Verifying => write!(
                    f,
                    "verifying {} at {}",
                    run_id.as_deref().unwrap_or("?"),
                    verify_due.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
                BreachPhase::Healing => write!(f, "an action is in progress"),
                BreachPhase::Open => write!(f, "open"),
            },
            WaitReason::HealthySinceFix {
                breach_id,
                fixed_at,
                detail,
            } => write!(
                f,
                "healthy since the fix of breach {breach_id} at {}: {detail}",
                fixed_at.to_rfc3339()
            ),
        }
    }
}

/// What the guards decided for one row. `playbook` indexes [`Facts::playbooks`].
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Act {
        playbook: usize,
        step: usize,
        attempt: u32,
    },
    AskApproval {
        playbook: usize,
        step: usize,
        attempt: u32,
    },
    Escalate {
        playbook: usize,
        attempt: u32,
        why: String,
    },
    Skip {
        playbook: usize,
        attempt: u32,
        guard: Guard,
        why: String,
    },
    Wait(WaitReason),
}

impl Decision {
    /// Whether this decision speaks for its SLO in this cycle (later rows of the SLO wait).
    fn covers_slo(&self) -> bool {
        matches!(
            self,
            Decision::Act { .. }
                | Decision::AskApproval { .. }
                | Decision::Escalate { .. }
                | Decision::Skip {
                    guard: Guard::Cooldown,
                    ..
                }
        )
    }
}

/// One decision per row, in row order.
pub fn decide_all(rows: &[BreachRow], facts: &Facts) -> Vec<Decision> {
    let chosen: Vec<Option<usize>> = rows.iter().map(|row| choose(row, facts)).collect();
    let matching = chosen.iter().flatten().count();
    let mut decided: BTreeMap<&str, &str> = BTreeMap::new();
    rows.iter()
        .zip(chosen)
        .map(|(row, chosen)| {
            let slo = row.get("slo_id").unwrap_or("");
            let breach = row.get("breach_id").unwrap_or("");
            let decision = match decided.get(slo) {
                Some(first) if chosen.is_some() => Decision::Wait(WaitReason::CoveredBy {
                    breach_id: first.to_string(),
                    phase: None,
                }),
                _ => decide(row, chosen, matching, facts),
            };
            if decision.covers_slo() {
                decided.insert(slo, breach);
            }
            decision
        })
        .collect()
}

/// Candidate playbooks for a row: enabled and matching, by priority, then by past success
/// rate on breaches like this one (its component and main anomaly kind), then name.
pub fn candidates(row: &BreachRow, facts: &Facts) -> Vec<usize> {
    let playbooks = facts.playbooks;
    let mut found: Vec<usize> = (0..playbooks.len())
        .filter(|&i| {
            let p = &playbooks[i];
            p.enabled && p.matches.iter().all(|(c, pred)| pred.matches(row.get(c)))
        })
        .collect();
    let component = row.get("component");
    let kind = row
        .get("breach_id")
        .and_then(|b| facts.anomaly_kinds.get(b))
        .map(String::as_str);
    let rate = |i: usize| {
        facts
            .effectiveness
            .rate(&playbooks[i].name, component, kind)
    };
    found.sort_by(|&a, &b| {
        let (pa, pb) = (&playbooks[a], &playbooks[b]);
        pb.priority
            .cmp(&pa.priority)
            .then(rate(b).total_cmp(&rate(a)))
            .then(pa.name.cmp(&pb.name))
    });
    found
}

/// The playbook for a row: the one its breach started with (one ladder per breach), else
/// the first candidate.
fn choose(row: &BreachRow, facts: &Facts) -> Option<usize> {
    let breach = row.get("breach_id").unwrap_or("");
    let sticky = facts
        .states
        .get(breach)
        .and_then(|s| s.playbook.as_ref())
        .and_then(|name| {
            facts
                .playbooks
                .iter()
                .position(|p| &p.name == name && p.enabled)
        });
    sticky.or_else(|| candidates(row, facts).first().copied())
}

/// The guards for one row, in order (see the module docs).
fn decide(row: &BreachRow, chosen: Option<usize>, matching: usize, facts: &Facts) -> Decision {
    let Some(p) = chosen else {
        return Decision::Wait(WaitReason::NoPlaybook);
    };
    let playbook = &facts.playbooks[p];
    let policy = facts.policy;
    let breach = row.get("breach_id").unwrap_or("");
    let slo = row.get("slo_id").unwrap_or("");
    let state = facts.states.get(breach);
    let mut attempt = state.map_or(0, |s| s.attempts) + 1;
    let skip = |guard: Guard, attempt: u32, why: String| Decision::Skip {
        playbook: p,
        attempt,
        guard,
        why,
    };
    if let Some(why) = &facts.kill_switch {
        return skip(Guard::KillSwitch, attempt, why.clone());
    }
    if matching > policy.max_rows {
        return skip(
            Guard::BlastRadius,
            attempt,
            format!(
                "blast radius: {matching} rows match playbooks at once (limit [heal] max_rows = {}); acting on none",
                policy.max_rows
            ),
        );
    }
    if let Some(s) = state.filter(|s| s.phase != BreachPhase::Open) {
        return Decision::Wait(WaitReason::Phase {
            phase: s.phase,
            run_id: s.last_run_id.clone(),
            verify_due: s.verify_due,
        });
    }
    // Breach rows of one SLO are one episode (a burn-rate breach's id changes with its
    // window).
    for other in facts
        .states
        .values()
        .filter(|s| s.slo_id == slo && s.breach_id != breach)
    {
        match other.phase {
            BreachPhase::Healing | BreachPhase::Verifying | BreachPhase::Escalated => {
                return Decision::Wait(WaitReason::CoveredBy {
                    breach_id: other.breach_id.clone(),
                    phase: Some(other.phase),
                })
            }
            BreachPhase::Open if other.playbook.as_deref() == Some(&playbook.name) => {
                attempt = attempt.max(other.attempts + 1);
            }
            BreachPhase::Resolved => {
                if let (Some(fixed_at), Some(detail)) = (
                    other.last_action_at,
                    facts.healthy_since_fix.get(&other.breach_id),
                ) {
                    return Decision::Wait(WaitReason::HealthySinceFix {
                        breach_id: other.breach_id.clone(),
                        fixed_at,
                        detail: detail.clone(),
                    });
                }
            }
            BreachPhase::Open => {}
        }
    }
    // A fix that made things worse on this component is not tried on it again (another SLO
    // of the component breaching afterwards is often the harm the fix did).
    let component = row.get("component");
    if let Some(undone) = facts.states.values().find(|s| {
        s.reverted.is_some()
            && component.is_some()
            && s.component.as_deref() == component
            && s.playbook.as_deref() == Some(&playbook.name)
    }) {
        if !facts.approved.iter().any(|b| b == breach) {
            return skip(
            Guard::Reverted,
            attempt,
            format!(
                                "{}'s fix on {} was reverted (breach {}, {}); a human decides before it runs there \
                 again: shape heal --execute --approve {breach} --as NAME",
                playbook.name,
                component.unwrap_or(""),
                undone.breach_id,
                undone.slo_id
            ),
        );
        }
    }
    let max = playbook.max_attempts.unwrap_or(policy.max_attempts);
    if attempt > max {
        return Decision::Escalate {
            playbook: p,
            attempt,
            why: format!(
                "{} attempts made (max_attempts = {max}); escalating to a human",
                attempt - 1
            ),
        };
    }
    let last = facts
        .states
        .values()
        .filter(|s| s.slo_id == slo && s.playbook.as_deref() == Some(&playbook.name))
        .filter_map(|s| s.last_action_at)
        .max();
    if let Some(last) = last {
        let cooldown = playbook.cooldown.unwrap_or(policy.cooldown);
        let until = last + chrono::Duration::from_std(cooldown).unwrap_or_default();
        if facts.now < until {
            return skip(
                Guard::Cooldown,
                attempt,
                format!(
                    "cooldown: {} acted on {slo} at {}; next action after {}",
                    playbook.name,
                    last.to_rfc3339(),
                    until.to_rfc3339()
                ),
            );
        }
    }
    let step = ladder_step(playbook, attempt);
    let needs_approval = playbook.approval.unwrap_or(policy.approval)
        && match &playbook.actions[step] {
            Action::Command { .. } | Action::Webhook { .. } => true,
            // A patch that merges itself changes production; one that opens a pull request
            // is reviewed there anyway.
            Action::Patch(patch) => patch.auto_merge,
            Action::GithubIssue { .. } | Action::GithubPr { .. } => false,
        }
        && !facts.approved.iter().any(|b| b == breach);
    if needs_approval {
        Decision::AskApproval {
            playbook: p,
            step,
            attempt,
        }
    } else {
        Decision::Act {
            playbook: p,
            step,
            attempt,
        }
    }
}

/// The rung of the ladder attempt `attempt` (1-based) runs: the last one repeats.
pub fn ladder_step(playbook: &Playbook, attempt: u32) -> usize {
    (attempt as usize).clamp(1, playbook.actions.len()) - 1
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
