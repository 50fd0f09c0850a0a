//! `shape gen --scenario cascade`: three services in a call chain whose incidents cascade,
//! and a fourth beside them, with the true root cause of each incident in `incidents.json`.
//!
//! ```text
//! edge (nginx, combined access log) -> checkout-api (JSON) -> inventory-db (JSON)
//! notifications (JSON, a mail worker nothing calls)
//! ```
//! Every `/api` request the edge proxies is one line in each service it reaches, sharing a
//! `trace_id`; the edge names its upstream (`upstream=checkout-api`), the API its callee
//! (`peer.service`). An incident starts at its root cause (a dependency's pool runs dry, a
//! payment provider slows, a bad deploy) and reaches the callers minutes later: they fail or
//! slow down, and the edge turns that into 5xx. A crawler's surge on the edge alone is the
//! single-component incident beside them; the mail worker's relay goes down while the pool is
//! dry, an unrelated incident at the same time (its own trace ids, no calls either way). The
//! same seed and options give the same bytes.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

use super::{
    create_files, diurnal, total_minutes, write_err, write_ts, GenOptions, GenerateError, Rng,
};

/// The files, in the order written.
pub const EDGE_FILE: &str = "edge.access.log";
pub const API_FILE: &str = "checkout-api.jsonl";
pub const DB_FILE: &str = "inventory-db.jsonl";
pub const MAIL_FILE: &str = "notifications.jsonl";

/// Ingest settings for the scenario's files (written as `shape.toml` beside them): the access
/// log names no service or component of its own.
pub const CASCADE_CONFIG: &str = r#"# Written by `shape gen --scenario cascade`: the edge's access log names no service.
[[source]]
match = "*edge.access.log*"
service = "edge"

[[component_rule]]
field = "service"
pattern = "^edge$"
component = "proxy"
"#;

/// Where an incident starts or shows: a service, component and operation (and the log
/// template that marks it, when one does).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Place {
    pub service: &'static str,
    pub component: &'static str,
    pub operation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<&'static str>,
    /// When it starts to show there.
    pub start: String,
}

/// One injected incident: its root cause and the effects it cascades into.
#[derive(Debug, Clone, Serialize)]
pub struct CascadeIncident {
    pub id: String,
    pub kind: &'static str,
    pub start: String,
    pub end: String,
    pub root_cause: Place,
    pub effects: Vec<Place>,
    pub description: &'static str,
    #[serde(skip)]
    start_min: u64,
    #[serde(skip)]
    end_min: u64,
}

#[derive(Debug, Serialize)]
pub struct CascadeTruth {
    pub scenario: &'static str,
    pub seed: u64,
    pub start: String,
    pub end: String,
    pub files: Vec<String>,
    pub lines: u64,
    pub incidents: Vec<CascadeIncident>,
}

/// The API component and operation behind an edge route.
type Backend = Option<(&'static str, &'static str)>;

/// The edge's routes: (route, path prefix, share of requests, usual ms at the edge, the API
/// component and operation behind it).
#[rustfmt::skip]
const ROUTES: &[(&str, &str, f64, f64, Backend)] = &[
    ("GET /static", "/static/app-", 0.40, 3.0, None),
    ("GET /api/products", "/api/products/", 0.35, 25.0, Some(("catalog", "getProduct"))),
    ("POST /api/cart", "/api/cart", 0.15, 40.0, Some(("cart", "addToCart"))),
    ("POST /api/checkout", "/api/checkout", 0.10, 120.0, Some(("checkout", "placeOrder"))),
];

/// When an incident starts: a share of the range (plus up to an hour), or minutes after the
/// start of an earlier incident of the plan.
#[derive(Clone, Copy)]
enum Start {
    Share(f64),
    After(usize, u64),
}

/// (kind, when, minutes, minutes until the callers show it, what happens).
const PLAN: [(&str, Start, u64, u64, &str); 5] = [
    ("pool_exhausted", Start::Share(0.2), 25, 5, "inventory-db's connection pool runs dry: waits, then query timeouts; checkout-api fails its calls, the edge returns 504"),
    ("smtp_outage", Start::After(0, 8), 20, 0, "the mail relay refuses connections: notifications fails to send (unrelated to the pool, at the same time)"),
    ("slow_dependency", Start::Share(0.4), 30, 3, "the payment provider slows tenfold: placeOrder times out, the edge returns 504 on checkout"),
    ("bad_deploy", Start::Share(0.6), 20, 1, "checkout-api v3.2.0 breaks addToCart: the edge returns 500 on the cart"),
    ("traffic_surge", Start::Share(0.8), 30, 0, "a crawler fetches static files at eight times the usual rate (the edge alone)"),
];

fn plan(options: &GenOptions, rng: &mut Rng) -> Vec<CascadeIncident> {
    if !options.incidents {
        return Vec::new();
    }
    let total = total_minutes(options);
    let at = |minute: u64| {
        (options.start + chrono::Duration::minutes(minute as i64))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let place = |service, component, operation, template, minute| Place {
        service,
        component,
        operation,
        template,
        start: at(minute),
    };
    let mut starts: Vec<u64> = Vec::new();
    PLAN.iter()
        .enumerate()
        .map(|(i, &(kind, when, minutes, lag, description))| {
            let start_min = match when {
                Start::Share(share) => (total as f64 * share) as u64 + rng.below(60),
                Start::After(earlier, after) => starts[earlier] + after,
            }
            .min(total.saturating_sub(minutes));
            starts.push(start_min);
            let end_min = (start_min + minutes).min(total);
            let effect_min = start_min + lag;
            let (root_cause, effects) = match kind {
                "pool_exhausted" => (
                    place(
                        "inventory-db",
                        "pool",
                        "acquire",
                        Some("pool checkout waited <*> in_use=<*>"),
                        start_min,
                    ),
                    vec![
                        place("inventory-db", "query", "runQuery", None, effect_min),
                        place("checkout-api", "catalog", "getProduct", None, effect_min),
                        place("checkout-api", "cart", "addToCart", None, effect_min),
                        place("checkout-api", "checkout", "placeOrder", None, effect_min),
                        place("edge", "proxy", "GET /api/products/{id}", None, effect_min),
                        place("edge", "proxy", "POST /api/cart", None, effect_min),
                        place("edge", "proxy", "POST /api/checkout", None, effect_min),
                    ],
                ),
                "slow_dependency" => (
                    place(
                        "checkout-api",
                        "payments",
                        "chargeCard",
                        Some("chargeCard slow: payment provider took <*>"),
                        start_min,
                    ),
                    vec![
                        place("checkout-api", "checkout", "placeOrder", None, effect_min),
                        place("edge", "proxy", "POST /api/checkout", None, effect_min),
                    ],
                ),
                "smtp_outage" => (
                    place(
                        "notifications",
                        "smtp",
                        "sendEmail",
                        Some("sendEmail failed: smtp-relay refused the connection"),
                        start_min,
                    ),
                    vec![],
                ),
                "bad_deploy" => (
                    place(
                        "checkout-api",
                        "cart",
                        "addToCart",
                        Some("addToCart failed: NullPointerException in CartService.merge"),
                        start_min,
                    ),
                    vec![place("edge", "proxy", "POST /api/cart", None, effect_min)],
                ),
                _ => (
                    place("edge", "proxy", "GET /static/{id}", None, start_min),
                    vec![],
                ),
            };
            CascadeIncident {
                id: format!("inc-{}", i + 1),
                kind,
                start: at(start_min),
                end: at(end_min),
                root_cause,
                effects,
                description,
                start_min,
                end_min,
            }
        })
        .collect()
}

/// What is wrong in one minute in the call chain: (kind, minutes since its start, minutes
/// until callers show it). The mail relay's outage is apart: see `relay_down`.
fn active(incidents: &[CascadeIncident], minute: u64) -> Option<(&'static str, u64, u64)> {
    incidents
        .iter()
        .filter(|i| i.kind != "smtp_outage")
        .find(|i| (i.start_min..i.end_min).contains(&minute))
        .map(|i| {
            let lag = PLAN.iter().find(|p| p.0 == i.kind).map_or(0, |p| p.3);
            (i.kind, minute - i.start_min, lag)
        })
}

fn relay_down(incidents: &[CascadeIncident], minute: u64) -> bool {
    incidents
        .iter()
        .any(|i| i.kind == "smtp_outage" && (i.start_min..i.end_min).contains(&minute))
}

/// Lines of one minute per file, sorted by time before they are written.
#[derive(Default)]
struct Minute {
    edge: Vec<(u32, String)>,
    api: Vec<(u32, String)>,
    db: Vec<(u32, String)>,
    mail: Vec<(u32, String)>,
}

/// Writes the three services' logs, `shape.toml` and `incidents.json` into `out_dir`.
pub fn generate_cascade(
    out_dir: &Path,
    options: &GenOptions,
) -> Result<CascadeTruth, GenerateError> {
    let mut rng = Rng(options.seed);
    let incidents = plan(options, &mut rng);
    let files = [EDGE_FILE, API_FILE, DB_FILE, MAIL_FILE];
    let mut writers = create_files(out_dir, &files)?;
    let total = total_minutes(options);
    let per_minute = options.events as f64 / total as f64;
    let mut lines = 0u64;
    for minute in 0..total {
        let at = options.start + chrono::Duration::minutes(minute as i64);
        let load = diurnal(at.hour() * 60 + at.minute());
        let now = active(&incidents, minute);
        let mut out = Minute::default();
        if let Some(("bad_deploy", 0, _)) = now {
            let line = json_line(
                at,
                0,
                "INFO",
                "checkout-api",
                "cart",
                "deploy",
                "deploy checkout-api v3.2.0 started",
                None,
                None,
                ",\"event\":\"deploy\",\"version\":\"v3.2.0\"",
            );
            out.api.push((0, line));
        }
        for &(route, path, share, edge_ms, api) in ROUTES {
            let surge = matches!(now, Some(("traffic_surge", ..))) && api.is_none();
            let lambda = per_minute * share * load * if surge { 8.0 } else { 1.0 };
            for _ in 0..rng.count(lambda) {
                request(&mut rng, at, now, (route, path, edge_ms, api), &mut out);
            }
        }
        // The mail worker: a twentieth of the edge's load, its own requests (trace ids).
        let relay_down = relay_down(&incidents, minute);
        for _ in 0..rng.count(per_minute * 0.05 * load) {
            mail(&mut rng, at, relay_down, &mut out);
        }
        for (lines_of_file, writer) in [out.edge, out.api, out.db, out.mail]
            .iter_mut()
            .zip(&mut writers)
        {
            lines_of_file.sort_by_key(|(millis, _)| *millis);
            for (_, text) in lines_of_file.iter() {
                writer
                    .write_all(text.as_bytes())
                    .and_then(|_| writer.write_all(b"\n"))
                    .map_err(write_err(out_dir))?;
                lines += 1;
            }
        }
    }
    for writer in &mut writers {
        writer.flush().map_err(write_err(out_dir))?;
    }
    let config_path = out_dir.join("shape.toml");
    std::fs::write(&config_path, CASCADE_CONFIG).map_err(write_err(&config_path))?;
    let end = options.start + chrono::Duration::minutes(total as i64);
    let truth = CascadeTruth {
        scenario: "cascade",
        seed: options.seed,
        start: options.start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        end: end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        files: files.iter().map(|f| f.to_string()).collect(),
        lines,
        incidents,
    };
    let truth_path = out_dir.join("incidents.json");
    let json = serde_json::to_string_pretty(&truth).expect("ground truth serialises");
    std::fs::write(&truth_path, json + "\n").map_err(write_err(&truth_path))?;
    Ok(truth)
}

/// One message the mail worker sends through its relay.
fn mail(rng: &mut Rng, at: DateTime<Utc>, relay_down: bool, out: &mut Minute) {
    let millis = rng.below(60_000) as u32;
    let trace = rng.next_u64();
    let refused = relay_down && rng.unit() < 0.7;
    let (level, text, ms, outcome) = if refused {
        (
            "ERROR",
            "sendEmail failed: smtp-relay refused the connection",
            2.0,
            ",\"outcome\":\"error\"",
        )
    } else {
        (
            "INFO",
            "sendEmail completed",
            80.0 * (0.3 * rng.normal()).exp(),
            "",
        )
    };
    let extra = format!("{outcome},\"peer.service\":\"smtp-relay\"");
    let line = json_line(
        at,
        millis,
        level,
        "notifications",
        "smtp",
        "sendEmail",
        text,
        Some(trace),
        Some(ms),
        &extra,
    );
    out.mail.push((millis, line));
}

/// One request through the chain: what each service it reaches logs. Failures travel up:
/// the database's timeout fails the API's call, and the API's failure is the edge's 5xx.
fn request(
    rng: &mut Rng,
    at: DateTime<Utc>,
    now: Option<(&'static str, u64, u64)>,
    (route, path, edge_ms, api): (&str, &str, f64, Backend),
    out: &mut Minute,
) {
    let millis = rng.below(60_000) as u32;
    let trace = rng.next_u64();
    // The incident as this request meets it: (kind, whether its callers show it yet).
    let (kind, spread) = match now {
        Some((kind, since, lag)) => (Some(kind), since >= lag),
        None => (None, false),
    };
    let mut status = 200;
    let mut edge_latency = edge_ms * (0.4 * rng.normal()).exp();
    if let Some((component, operation)) = api {
        let mut api_ms = edge_latency * 0.8;
        let mut api_failure: Option<String> = None;
        let mut api_level = "INFO";
        // The database call of every API operation.
        let mut db_ms = 4.0 * (0.5 * rng.normal()).exp();
        let mut db_failed = false;
        if kind == Some("pool_exhausted") {
            let waited = 200 + rng.below(2800);
            db_ms += waited as f64;
            if rng.unit() < 0.5 {
                let text = format!(
                    "pool checkout waited {waited}ms in_use={}",
                    48 + rng.below(3)
                );
                out.db.push((
                    millis,
                    json_line(
                        at,
                        millis,
                        "WARN",
                        "inventory-db",
                        "pool",
                        "acquire",
                        &text,
                        Some(trace),
                        Some(db_ms),
                        "",
                    ),
                ));
            }
            db_failed = spread && rng.unit() < 0.45;
        }
        if db_failed {
            db_ms = 3000.0;
            let text = "runQuery failed: timed out acquiring a connection after 3000ms";
            out.db.push((
                millis,
                json_line(
                    at,
                    millis,
                    "ERROR",
                    "inventory-db",
                    "query",
                    "runQuery",
                    text,
                    Some(trace),
                    Some(db_ms),
                    ",\"outcome\":\"error\"",
                ),
            ));
            api_failure = Some(format!(
                "{operation} failed: inventory-db timeout after 3000ms"
            ));
        } else {
            let failed = rng.unit() < 0.001;
            let (level, text) = if failed {
                ("ERROR", "runQuery failed: deadlock detected")
            } else {
                ("INFO", "runQuery completed")
            };
            let outcome = if failed { ",\"outcome\":\"error\"" } else { "" };
            out.db.push((
                millis,
                json_line(
                    at,
                    millis,
                    level,
                    "inventory-db",
                    "query",
                    "runQuery",
                    text,
                    Some(trace),
                    Some(db_ms),
                    outcome,
                ),
            ));
        }
        api_ms += db_ms;
        if operation == "placeOrder" {
            // The payment provider, called from the API's own payments component.
            let slow = kind == Some("slow_dependency");
            let charge_ms = 60.0 * (0.4 * rng.normal()).exp() * if slow { 10.0 } else { 1.0 };
            let (level, text) = if slow && charge_ms > 300.0 {
                (
                    "WARN",
                    format!("chargeCard slow: payment provider took {charge_ms:.0}ms"),
                )
            } else {
                ("INFO", "chargeCard completed".to_string())
            };
            out.api.push((
                millis,
                json_line(
                    at,
                    millis,
                    level,
                    "checkout-api",
                    "payments",
                    "chargeCard",
                    &text,
                    Some(trace),
                    Some(charge_ms),
                    ",\"peer.service\":\"payments-provider\"",
                ),
            ));
            api_ms += charge_ms;
            if slow && spread && api_failure.is_none() && charge_ms > 600.0 {
                api_failure = Some("placeOrder failed: payment provider timeout".to_string());
            }
        }
        if kind == Some("bad_deploy")
            && operation == "addToCart"
            && api_failure.is_none()
            && rng.unit() < 0.6
        {
            api_failure =
                Some("addToCart failed: NullPointerException in CartService.merge".to_string());
        }
        if api_failure.is_none() && rng.unit() < 0.001 {
            api_failure = Some(format!("{operation} failed: internal error"));
        }
        let (text, outcome) = match &api_failure {
            Some(text) => {
                api_level = "ERROR";
                status = if text.contains("timeout") { 504 } else { 500 };
                (text.clone(), ",\"outcome\":\"error\"")
            }
            None => (format!("{operation} completed"), ""),
        };
        let extra = format!("{outcome},\"peer.service\":\"inventory-db\"");
        out.api.push((
            millis,
            json_line(
                at,
                millis,
                api_level,
                "checkout-api",
                component,
                operation,
                &text,
                Some(trace),
                Some(api_ms),
                &extra,
            ),
        ));
        edge_latency += api_ms;
    } else if rng.unit() < 0.002 {
        status = 404;
    }
    let target = match route {
        "GET /static" => format!("{path}{}.js", rng.below(50)),
        "GET /api/products" => format!("{path}{}", 1 + rng.below(5000)),
        _ => path.to_string(),
    };
    let method = route.split(' ').next().unwrap_or("GET");
    let mut line = String::with_capacity(200);
    let _ = write!(
        line,
        "10.{}.{}.{} - - [",
        rng.below(4),
        rng.below(256),
        1 + rng.below(254)
    );
    let _ = write!(
        line,
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000] \"{method} {target} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0\" rt={:.3}",
        at.day(),
        MONTHS[at.month0() as usize],
        at.year(),
        at.hour(),
        at.minute(),
        millis / 1000,
        200 + rng.below(4000),
        edge_latency / 1000.0
    );
    if api.is_some() {
        let _ = write!(line, " upstream=checkout-api trace_id={trace:016x}");
    }
    out.edge.push((millis, line));
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One JSON line of the API or the database (`extra`: further `,"key":value` members).
#[allow(clippy::too_many_arguments)]
fn json_line(
    at: DateTime<Utc>,
    millis: u32,
    level: &str,
    service: &str,
    component: &str,
    operation: &str,
    message: &str,
    trace: Option<u64>,
    duration_ms: Option<f64>,
    extra: &str,
) -> String {
    let mut line = String::with_capacity(256);
    line.push_str("{\"ts\":\"");
    write_ts(&mut line, at, millis);
    let _ = write!(
        line,
        "\",\"level\":\"{level}\",\"service\":\"{service}\",\"component\":\"{component}\",\"operation\":\"{operation}\",\"msg\":\"{message}\""
    );
    if let Some(trace) = trace {
        let _ = write!(line, ",\"trace_id\":\"{trace:016x}\"");
    }
    if let Some(ms) = duration_ms {
        let _ = write!(line, ",\"duration_ms\":{ms:.2}");
    }
    line.push_str(extra);
    line.push('}');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cascades_start_at_their_root_cause_and_reach_the_edge() {
        let dir = tempfile::tempdir().unwrap();
        let options = GenOptions {
            days: 1,
            events: 60_000,
            ..GenOptions::default()
        };
        let truth = generate_cascade(dir.path(), &options).unwrap();
        assert_eq!(truth.incidents.len(), 5);
        let again = tempfile::tempdir().unwrap();
        generate_cascade(again.path(), &options).unwrap();
        for file in &truth.files {
            let a = std::fs::read(dir.path().join(file)).unwrap();
            assert_eq!(a, std::fs::read(again.path().join(file)).unwrap(), "{file}");
        }
        let text = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
        let (edge, api, db, mail) = (
            text(EDGE_FILE),
            text(API_FILE),
            text(DB_FILE),
            text(MAIL_FILE),
        );
        // The pool's waits come first, the API's timeouts and the edge's 504s after them.
        let pool = &truth.incidents[0];
        assert_eq!(pool.root_cause.service, "inventory-db");
        assert!(pool.effects.iter().all(|e| e.start > pool.root_cause.start));
        let first = |text: &str, needle: &str| {
            text.lines()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no {needle}"))
                .to_string()
        };
        let wait = first(&db, "pool checkout waited");
        let timeout = first(&api, "inventory-db timeout");
        assert!(wait[7..26] < timeout[7..26], "{wait}\n{timeout}");
        assert!(edge
            .lines()
            .any(|l| l.contains("\" 504 ") && l.contains("upstream=checkout-api")));
        // The relay fails while the pool is dry, and names no service of the chain.
        let relay = &truth.incidents[1];
        assert_eq!(relay.root_cause.service, "notifications");
        assert!(relay.start > pool.start && relay.start < pool.end);
        let refused = first(&mail, "refused");
        assert!(refused[7..26] > wait[7..26] && !refused.contains("inventory"));
        // Every API line shares its trace id with a database line.
        let trace = |line: &str| {
            line.split("\"trace_id\":\"")
                .nth(1)
                .map(|t| t[..16].to_string())
        };
        let api_trace = trace(api.lines().find(|l| l.contains("getProduct")).unwrap()).unwrap();
        assert!(db.contains(&api_trace) && edge.contains(&api_trace));
        // A healthy run has no incident and no 5xx beyond the rare background failure.
        let quiet = tempfile::tempdir().unwrap();
        let healthy = GenOptions {
            incidents: false,
            ..options
        };
        assert!(generate_cascade(quiet.path(), &healthy)
            .unwrap()
            .incidents
            .is_empty());
        let edge = std::fs::read_to_string(quiet.path().join(EDGE_FILE)).unwrap();
        let errors = edge.lines().filter(|l| l.contains("\" 50")).count();
        assert!(errors * 500 < edge.lines().count(), "{errors}");
    }
}
