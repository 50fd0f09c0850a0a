//! One test per guard of the pure decision core.

use super::*;
use crate::heal::memory::{Effectiveness, Record};
use crate::heal::playbook::{Arg, Predicate};

fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_763_600_000 + minute * 60, 0).unwrap()
}

fn command() -> Action {
    Action::Command {
        argv: vec![Arg::Literal("./fix.sh".into())],
        env: BTreeMap::new(),
        timeout: Duration::from_secs(5),
        max_output_bytes: 1024,
    }
}

fn playbook(name: &str, actions: Vec<Action>) -> Playbook {
    Playbook {
        name: name.into(),
        description: String::new(),
        priority: 0,
        enabled: true,
        matches: Vec::new(),
        actions,
        cooldown: None,
        max_attempts: None,
        verify_after: None,
        approval: None,
        origin: "test.toml:1".into(),
    }
}

fn row(breach: &str, slo: &str) -> BreachRow {
    BreachRow {
        values: [
            ("breach_id".to_string(), Some(breach.to_string())),
            ("slo_id".to_string(), Some(slo.to_string())),
            ("component".to_string(), Some("library".to_string())),
        ]
        .into_iter()
        .collect(),
    }
}

fn state(breach: &str, slo: &str, phase: BreachPhase, attempts: u32) -> BreachState {
    let mut s = BreachState::new(breach, slo, Some("library"), at(0));
    s.phase = phase;
    s.attempts = attempts;
    s.playbook = Some("fix".into());
    s.last_action_at = (attempts > 0).then(|| at(0));
    s
}

/// Inputs with defaults a test changes one at a time.
struct Setup {
    playbooks: Vec<Playbook>,
    policy: Policy,
    states: BTreeMap<String, BreachState>,
    effectiveness: Effectiveness,
    anomaly_kinds: BTreeMap<String, String>,
    healthy: BTreeMap<String, String>,
    kill_switch: Option<String>,
    approved: Vec<String>,
    now: DateTime<Utc>,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            playbooks: vec![playbook("fix", vec![command(), command()])],
            policy: Policy {
                max_rows: 5,
                max_attempts: 3,
                cooldown: Duration::from_secs(600),
                approval: false,
            },
            states: BTreeMap::new(),
            effectiveness: Effectiveness::default(),
            anomaly_kinds: BTreeMap::new(),
            healthy: BTreeMap::new(),
            kill_switch: None,
            approved: Vec::new(),
            now: at(60),
        }
    }

    fn with_state(mut self, s: BreachState) -> Setup {
        self.states.insert(s.breach_id.clone(), s);
        self
    }

    fn decide(&self, rows: &[BreachRow]) -> Vec<Decision> {
        decide_all(
            rows,
            &Facts {
                playbooks: &self.playbooks,
                policy: &self.policy,
                states: &self.states,
                effectiveness: &self.effectiveness,
                anomaly_kinds: &self.anomaly_kinds,
                healthy_since_fix: &self.healthy,
                kill_switch: self.kill_switch.clone(),
                approved: &self.approved,
                now: self.now,
            },
        )
    }
}

fn act(step: usize, attempt: u32) -> Decision {
    Decision::Act {
        playbook: 0,
        step,
        attempt,
    }
}

#[test]
fn a_new_breach_acts_on_the_first_rung() {
    assert_eq!(Setup::new().decide(&[row("b1", "s1")]), vec![act(0, 1)]);
}

#[test]
fn no_matching_playbook_waits() {
    let mut setup = Setup::new();
    setup.playbooks[0].matches = vec![(
        "component".into(),
        Predicate::OneOf(vec!["checkout".into()]),
    )];
    assert_eq!(
        setup.decide(&[row("b1", "s1")]),
        vec![Decision::Wait(WaitReason::NoPlaybook)]
    );
}

#[test]
fn the_kill_switch_skips_every_row() {
    let mut setup = Setup::new();
    setup.kill_switch = Some("kill switch: test".into());
    let decisions = setup.decide(&[row("b1", "s1"), row("b2", "s2")]);
    assert!(decisions.iter().all(|d| matches!(
        d,
        Decision::Skip {
            guard: Guard::KillSwitch,
            ..
        }
    )));
}

#[test]
fn too_many_matching_rows_act_on_none() {
    let mut setup = Setup::new();
    setup.policy.max_rows = 1;
    let decisions = setup.decide(&[row("b1", "s1"), row("b2", "s2")]);
    assert!(decisions.iter().all(|d| matches!(
        d,
        Decision::Skip {
            guard: Guard::BlastRadius,
            ..
        }
    )));
}

#[test]
fn a_breach_past_acting_waits() {
    for phase in [
        BreachPhase::Healing,
        BreachPhase::Verifying,
        BreachPhase::Resolved,
        BreachPhase::Escalated,
    ] {
        let setup = Setup::new().with_state(state("b1", "s1", phase, 1));
        let decisions = setup.decide(&[row("b1", "s1")]);
        assert!(
            matches!(&decisions[0], Decision::Wait(WaitReason::Phase { phase: p, .. }) if *p == phase),
            "{phase:?}: {decisions:?}"
        );
    }
}

#[test]
fn another_breach_in_flight_covers_the_slo() {
    let setup = Setup::new().with_state(state("old", "s1", BreachPhase::Verifying, 1));
    let decisions = setup.decide(&[row("new", "s1")]);
    assert_eq!(
        decisions,
        vec![Decision::Wait(WaitReason::CoveredBy {
            breach_id: "old".into(),
            phase: Some(BreachPhase::Verifying)
        })]
    );
}

#[test]
fn an_open_ladder_of_the_slo_is_continued() {
    let mut setup = Setup::new().with_state(state("old", "s1", BreachPhase::Open, 1));
    setup.now = at(30);
    assert_eq!(setup.decide(&[row("new", "s1")]), vec![act(1, 2)]);
}

#[test]
fn a_fix_that_still_holds_covers_new_rows() {
    let mut setup = Setup::new().with_state(state("old", "s1", BreachPhase::Resolved, 1));
    assert_eq!(setup.decide(&[row("new", "s1")]), vec![act(0, 1)]);
    setup.healthy.insert("old".into(), "SLI 1 meets".into());
    assert!(matches!(
        &setup.decide(&[row("new", "s1")])[0],
        Decision::Wait(WaitReason::HealthySinceFix { breach_id, .. }) if breach_id == "old"
    ));
}

#[test]
fn out_of_attempts_escalates() {
    let setup = Setup::new().with_state(state("b1", "s1", BreachPhase::Open, 3));
    assert!(matches!(
        &setup.decide(&[row("b1", "s1")])[0],
        Decision::Escalate { attempt: 4, .. }
    ));
}

#[test]
fn the_last_rung_repeats_until_escalation() {
    let setup = Setup::new().with_state(state("b1", "s1", BreachPhase::Open, 2));
    assert_eq!(setup.decide(&[row("b1", "s1")]), vec![act(1, 3)]);
}

#[test]
fn cooldown_holds_the_next_action() {
    let mut setup = Setup::new().with_state(state("b1", "s1", BreachPhase::Open, 1));
    setup.now = at(5);
    assert!(matches!(
        &setup.decide(&[row("b1", "s1")])[0],
        Decision::Skip {
            guard: Guard::Cooldown,
            ..
        }
    ));
    setup.now = at(10);
    assert_eq!(setup.decide(&[row("b1", "s1")]), vec![act(1, 2)]);
}

#[test]
fn approval_mode_asks_until_approved() {
    let mut setup = Setup::new();
    setup.policy.approval = true;
    assert_eq!(
        setup.decide(&[row("b1", "s1")]),
        vec![Decision::AskApproval {
            playbook: 0,
            step: 0,
            attempt: 1
        }]
    );
    setup.approved = vec!["b1".into()];
    assert_eq!(setup.decide(&[row("b1", "s1")]), vec![act(0, 1)]);
    // Opening an issue needs no approval: it asks a human anyway.
    setup.approved.clear();
    setup.playbooks[0].actions = vec![Action::GithubIssue { labels: vec![] }];
    assert_eq!(setup.decide(&[row("b1", "s1")]), vec![act(0, 1)]);
}

#[test]
fn one_decision_per_slo_and_cycle() {
    let decisions = Setup::new().decide(&[row("b1", "s1"), row("b2", "s1"), row("b3", "s2")]);
    assert_eq!(decisions[0], act(0, 1));
    assert_eq!(
        decisions[1],
        Decision::Wait(WaitReason::CoveredBy {
            breach_id: "b1".into(),
            phase: None
        })
    );
    assert_eq!(decisions[2], act(0, 1));
}

#[test]
fn playbooks_order_by_priority_then_success_rate_and_stick_to_a_breach() {
    let mut setup = Setup::new();
    setup.playbooks = vec![
        playbook("a", vec![command()]),
        playbook("b", vec![command()]),
        playbook("c", vec![command()]),
    ];
    setup.playbooks[2].priority = -1;
    // b healed this component's error bursts; a failed on them but healed its latency.
    let record = |playbook: &str, kind: &str, pass, fail| Record {
        playbook: playbook.into(),
        component: Some("library".into()),
        anomaly_kind: Some(kind.into()),
        pass,
        fail,
    };
    setup.effectiveness.records = vec![
        record("b", "error_burst", 4, 0),
        record("a", "error_burst", 0, 2),
        record("a", "latency_regression", 5, 0),
    ];
    setup
        .anomaly_kinds
        .insert("b1".into(), "error_burst".into());
    setup
        .anomaly_kinds
        .insert("b2".into(), "latency_regression".into());
    let facts_rows = [row("b1", "s1")];
    assert!(matches!(
        setup.decide(&facts_rows)[0],
        Decision::Act { playbook: 1, .. }
    ));
    assert!(matches!(
        setup.decide(&[row("b2", "s2")])[0],
        Decision::Act { playbook: 0, .. }
    ));
    // A breach keeps the playbook it started with.
    let mut started = state("b1", "s1", BreachPhase::Open, 0);
    started.playbook = Some("c".into());
    let setup = setup.with_state(started);
    assert!(matches!(
        setup.decide(&facts_rows)[0],
        Decision::Act { playbook: 2, .. }
    ));
}

#[test]
fn a_reverted_fix_is_not_tried_again_on_its_component() {
    let mut undone = state("b1", "availability", BreachPhase::Escalated, 1);
    undone.reverted = Some("abc123".into());
    let setup = Setup::new().with_state(undone);
    // The latency SLO of the same component breaches next: the same playbook would match.
    let decisions = setup.decide(&[row("b2", "latency")]);
    match &decisions[0] {
        Decision::Skip { guard, why, .. } => {
            assert_eq!(*guard, Guard::Reverted);
            assert!(
                why.contains("fix on library was reverted (breach b1"),
                "{why}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A human's approval of the new breach lets it run.
    let mut approved = Setup::new().with_state(setup.states["b1"].clone());
    approved.approved = vec!["b2".into()];
    assert_eq!(approved.decide(&[row("b2", "latency")]), vec![act(0, 1)]);
    // Another component is not held back.
    let mut elsewhere = row("b3", "canvas-availability");
    elsewhere
        .values
        .insert("component".into(), Some("canvas".into()));
    assert_eq!(setup.decide(&[elsewhere]), vec![act(0, 1)]);
}

#[test]
fn approval_mode_holds_patches_that_merge_themselves() {
    let patch = |auto_merge: bool| {
        Action::Patch(crate::heal::PatchAction {
            edits: Vec::new(),
            validate: vec!["./test.sh".into()],
            validate_timeout: Duration::from_secs(60),
            max_output_bytes: 1024,
            auto_merge,
            ci_timeout: Duration::from_secs(60),
            ci_poll: Duration::from_secs(1),
            labels: Vec::new(),
        })
    };
    let mut setup = Setup::new();
    setup.policy.approval = true;
    setup.playbooks[0].actions = vec![patch(true)];
    assert!(matches!(
        setup.decide(&[row("b1", "s1")])[0],
        Decision::AskApproval { .. }
    ));
    // A pull request left for review is its own approval step.
    setup.playbooks[0].actions = vec![patch(false)];
    assert_eq!(setup.decide(&[row("b1", "s1")]), vec![act(0, 1)]);
}
