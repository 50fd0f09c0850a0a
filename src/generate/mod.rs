//! `shape gen`: a deterministic generator of realistic JSON-lines logs for a web application
//! (service `renderx-web`, six components), with injected incidents and their ground truth.
//!
//! Same options, same bytes: the PRNG is our own (SplitMix64), not a crate whose streams may
//! change between versions. It is the shared test, demo and benchmark data.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

pub mod cascade;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid generator option: {0}")]
    Option(String),
}

/// Generator options (the CLI maps its flags onto these).
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub seed: u64,
    pub start: DateTime<Utc>,
    pub days: u32,
    /// Approximate number of request events (incident extras come on top).
    pub events: u64,
    /// Number of instance files (`renderx-web-N.jsonl`).
    pub files: u32,
    pub incidents: bool,
    /// Fraction of lines written malformed (cut-off JSON), as real pipelines produce.
    pub malformed_rate: f64,
    /// Generate this many minutes instead of `days` whole days.
    pub minutes: Option<u64>,
    /// The application's own settings, as read by [`read_app_config`]: a component whose
    /// `db_pool_size` is below [`POOL_SIZE_NEEDED`] fails a share of its requests with
    /// "connection pool exhausted" for the whole span, one above [`POOL_SIZE_OVERLOAD`] is
    /// slow. This is the knob a healing playbook turns in the demo.
    pub app_config: AppConfig,
}

/// `db_pool_size` per component (from the app config file).
pub type AppConfig = std::collections::BTreeMap<String, i64>;

/// Below this pool size a component runs out of database connections.
pub const POOL_SIZE_NEEDED: i64 = 8;

/// Above this pool size a component overloads the database: its requests succeed but every
/// one waits ([`POOL_OVERLOAD_LATENCY`] times its usual latency). The healing demo's
/// "generous" fix runs into this, and is reverted.
pub const POOL_SIZE_OVERLOAD: i64 = 64;
pub const POOL_OVERLOAD_LATENCY: f64 = 30.0;

/// Reads an app config: `[<component>]` tables with `db_pool_size = N`; other keys are
/// ignored (they belong to the application, not to us).
pub fn read_app_config(path: &Path) -> Result<AppConfig, GenerateError> {
    let text = std::fs::read_to_string(path).map_err(|source| GenerateError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| GenerateError::Option(format!("{}: {}", path.display(), e.message())))?;
    let mut out = AppConfig::new();
    for (component, value) in &table {
        if let Some(size) = value.get("db_pool_size") {
            let size = size.as_integer().ok_or_else(|| {
                GenerateError::Option(format!(
                    "{}: {component}.db_pool_size must be an integer",
                    path.display()
                ))
            })?;
            out.insert(component.clone(), size);
        }
    }
    Ok(out)
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            seed: 42,
            start: DateTime::parse_from_rfc3339("2025-11-16T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            days: 7,
            events: 200_000,
            files: 3,
            incidents: true,
            malformed_rate: 0.0,
            minutes: None,
            app_config: AppConfig::new(),
        }
    }
}

/// Average bytes per generated line, used to turn a target size into an event count.
pub const APPROX_LINE_BYTES: u64 = 290;

/// One injected incident: the ground truth `incidents.json` records.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: String,
    pub kind: &'static str,
    pub component: &'static str,
    pub operation: &'static str,
    pub start: String,
    pub end: String,
    pub description: String,
    #[serde(skip)]
    start_min: u64,
    #[serde(skip)]
    end_min: u64,
}

#[derive(Debug, Serialize)]
pub struct GroundTruth {
    pub service: &'static str,
    pub seed: u64,
    pub start: String,
    pub end: String,
    pub files: Vec<String>,
    pub lines: u64,
    pub events: u64,
    pub malformed_lines: u64,
    pub incidents: Vec<Incident>,
}

struct Operation {
    component: &'static str,
    name: &'static str,
    /// Share of traffic.
    weight: f64,
    median_ms: f64,
    sigma: f64,
    error_rate: f64,
}

const SERVICE: &str = "renderx-web";

#[rustfmt::skip]
const OPERATIONS: &[Operation] = &[
    Operation { component: "canvas", name: "resizeCanvas", weight: 9.0, median_ms: 8.0, sigma: 0.5, error_rate: 0.001 },
    Operation { component: "canvas", name: "createCanvas", weight: 3.0, median_ms: 35.0, sigma: 0.45, error_rate: 0.002 },
    Operation { component: "canvas", name: "renderFrame", weight: 12.0, median_ms: 14.0, sigma: 0.4, error_rate: 0.0005 },
    Operation { component: "canvas", name: "exportImage", weight: 1.0, median_ms: 420.0, sigma: 0.6, error_rate: 0.004 },
    Operation { component: "library", name: "loadAsset", weight: 8.0, median_ms: 60.0, sigma: 0.6, error_rate: 0.002 },
    Operation { component: "library", name: "searchLibrary", weight: 4.0, median_ms: 120.0, sigma: 0.5, error_rate: 0.002 },
    Operation { component: "library", name: "saveItem", weight: 2.5, median_ms: 90.0, sigma: 0.5, error_rate: 0.003 },
    Operation { component: "control-panel", name: "updateSetting", weight: 4.0, median_ms: 25.0, sigma: 0.4, error_rate: 0.001 },
    Operation { component: "control-panel", name: "applyPreset", weight: 1.5, median_ms: 70.0, sigma: 0.5, error_rate: 0.002 },
    Operation { component: "control-panel", name: "toggleFeature", weight: 2.0, median_ms: 15.0, sigma: 0.4, error_rate: 0.001 },
    Operation { component: "header", name: "renderHeader", weight: 10.0, median_ms: 6.0, sigma: 0.35, error_rate: 0.0005 },
    Operation { component: "header", name: "navigate", weight: 6.0, median_ms: 45.0, sigma: 0.5, error_rate: 0.001 },
    Operation { component: "header", name: "loadProfile", weight: 2.0, median_ms: 80.0, sigma: 0.5, error_rate: 0.002 },
    Operation { component: "theme", name: "applyTheme", weight: 2.0, median_ms: 18.0, sigma: 0.4, error_rate: 0.001 },
    Operation { component: "theme", name: "loadPalette", weight: 1.5, median_ms: 30.0, sigma: 0.45, error_rate: 0.001 },
    Operation { component: "plugin-host", name: "loadPlugin", weight: 2.0, median_ms: 150.0, sigma: 0.6, error_rate: 0.003 },
    Operation { component: "plugin-host", name: "invokePlugin", weight: 6.0, median_ms: 40.0, sigma: 0.55, error_rate: 0.002 },
    Operation { component: "plugin-host", name: "unloadPlugin", weight: 1.0, median_ms: 20.0, sigma: 0.4, error_rate: 0.001 },
];

const ERROR_MESSAGES: &[&str] = &[
    "timeout after 3000ms waiting for upstream",
    "internal error: unexpected null reference",
    "upstream returned 503 Service Unavailable",
    "connection reset by peer",
];

/// SplitMix64: tiny, fast, and its stream never changes.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A count with mean `lambda`: Poisson-like spread, cheap for any size.
    fn count(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        let spread = if lambda > 20.0 {
            lambda + self.normal() * lambda.sqrt()
        } else {
            // Sum of Bernoulli trials approximates Poisson for small means.
            let trials = (lambda * 4.0).ceil() as u64;
            let p = lambda / trials as f64;
            (0..trials).filter(|_| self.unit() < p).count() as f64
        };
        spread.max(0.0).round() as u64
    }
}

/// Traffic multiplier by time of day (UTC): quiet at night, busy in the afternoon.
fn diurnal(minute_of_day: u32) -> f64 {
    let hours = minute_of_day as f64 / 60.0;
    1.0 + 0.6 * ((hours - 9.0) / 24.0 * std::f64::consts::TAU).sin()
}

fn plan_incidents(options: &GenOptions, rng: &mut Rng) -> Vec<Incident> {
    if !options.incidents {
        return Vec::new();
    }
    let total_min = total_minutes(options);
    // (kind, component, operation, duration minutes, where in the range, what happens)
    let plan: [(&str, &str, &str, u64, f64, &str); 5] = [
        ("latency_regression", "canvas", "renderFrame", 90, 0.18, "renderFrame latency x6 after deploy v2.4.1"),
        ("error_burst", "library", "saveItem", 60, 0.36, "saveItem fails 50% with 500 (storage backend errors)"),
        ("throttling_storm", "canvas", "resizeCanvas", 40, 0.52, "resizeCanvas called x8, repeated 'resize blocked main thread' warnings, 429 throttling"),
        ("race_condition", "plugin-host", "invokePlugin", 35, 0.68, "invokePlugin fails 25% with concurrent modification of the plugin registry"),
        ("traffic_drop", "header", "navigate", 60, 0.84, "header traffic drops to 10%"),
    ];
    plan.iter()
        .enumerate()
        .map(
            |(i, (kind, component, operation, duration, at, description))| {
                let jitter = rng.below(120);
                let start_min = ((total_min as f64 * at) as u64 + jitter)
                    .min(total_min.saturating_sub(*duration));
                let end_min = (start_min + duration).min(total_min);
                let fmt = |m: u64| {
                    (options.start + chrono::Duration::minutes(m as i64))
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string()
                };
                Incident {
                    id: format!("inc-{}", i + 1),
                    kind,
                    component,
                    operation,
                    start: fmt(start_min),
                    end: fmt(end_min),
                    description: description.to_string(),
                    start_min,
                    end_min,
                }
            },
        )
        .collect()
}

fn total_minutes(options: &GenOptions) -> u64 {
    options
        .minutes
        .unwrap_or_else(|| u64::from(options.days) * 1440)
}

/// How an incident changes one operation's traffic in one minute.
#[derive(Clone, Copy)]
struct Effect {
    traffic: f64,
    latency: f64,
    extra_error_rate: f64,
}

fn effect(incidents: &[Incident], minute: u64, op: &Operation) -> (Effect, Option<&'static str>) {
    let mut e = Effect {
        traffic: 1.0,
        latency: 1.0,
        extra_error_rate: 0.0,
    };
    let mut kind = None;
    for inc in incidents {
        if minute < inc.start_min || minute >= inc.end_min {
            continue;
        }
        let same_op = inc.component == op.component && inc.operation == op.name;
        match inc.kind {
            "latency_regression" if same_op => e.latency *= 6.0,
            "error_burst" if same_op => e.extra_error_rate += 0.50,
            "throttling_storm" if same_op => {
                e.traffic *= 8.0;
                e.latency *= 3.0;
                e.extra_error_rate += 0.15;
            }
            "race_condition" if same_op => e.extra_error_rate += 0.25,
            "traffic_drop" if inc.component == op.component => e.traffic *= 0.1,
            _ => continue,
        }
        kind = Some(inc.kind);
    }
    (e, kind)
}

/// The error of writing `path`, for `map_err`.
fn write_err(path: &Path) -> impl Fn(std::io::Error) -> GenerateError {
    let path = path.to_path_buf();
    move |source| GenerateError::Write {
        path: path.clone(),
        source,
    }
}

/// Creates `out_dir` and a buffered file for each of `names` in it.
fn create_files(
    out_dir: &Path,
    names: &[impl AsRef<str>],
) -> Result<Vec<std::io::BufWriter<std::fs::File>>, GenerateError> {
    std::fs::create_dir_all(out_dir).map_err(write_err(out_dir))?;
    names
        .iter()
        .map(|name| {
            let path = out_dir.join(name.as_ref());
            std::fs::File::create(&path)
                .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
                .map_err(write_err(&path))
        })
        .collect()
}

/// Writes the logs and `incidents.json` into `out_dir`; returns the ground truth.
pub fn generate(out_dir: &Path, options: &GenOptions) -> Result<GroundTruth, GenerateError> {
    if options.days == 0 || options.files == 0 || options.minutes == Some(0) {
        return Err(GenerateError::Option(
            "days and files must be at least 1".into(),
        ));
    }
    if !(0.0..1.0).contains(&options.malformed_rate) {
        return Err(GenerateError::Option(
            "malformed rate must be in [0, 1)".into(),
        ));
    }
    let mut rng = Rng(options.seed);
    let incidents = plan_incidents(options, &mut rng);
    let names: Vec<String> = (1..=options.files)
        .map(|i| format!("{SERVICE}-{i}.jsonl"))
        .collect();
    let mut writers = create_files(out_dir, &names)?;

    let total_min = total_minutes(options);
    let weight_sum: f64 = OPERATIONS.iter().map(|o| o.weight).sum();
    let per_minute = options.events as f64 / total_min as f64;
    let mut lines = 0u64;
    let mut events = 0u64;
    let mut malformed = 0u64;
    let mut minute_events: Vec<(u32, usize, String)> = Vec::new();
    let mut line = String::with_capacity(512);
    for minute in 0..total_min {
        let at = options.start + chrono::Duration::minutes(minute as i64);
        let load = diurnal(at.hour() * 60 + at.minute());
        minute_events.clear();
        for (op_index, op) in OPERATIONS.iter().enumerate() {
            let (mut effect, mut incident_kind) = effect(&incidents, minute, op);
            let pool = options.app_config.get(op.component).copied();
            if pool.is_some_and(|size| size < POOL_SIZE_NEEDED) {
                effect.extra_error_rate += 0.4;
                incident_kind = incident_kind.or(Some("pool_exhausted"));
            }
            if pool.is_some_and(|size| size > POOL_SIZE_OVERLOAD) {
                effect.latency *= POOL_OVERLOAD_LATENCY;
                incident_kind = incident_kind.or(Some("database_overloaded"));
            }
            let lambda = per_minute * op.weight / weight_sum * load * effect.traffic;
            for _ in 0..rng.count(lambda) {
                let millis = rng.below(60_000) as u32;
                line.clear();
                write_event(&mut line, &mut rng, at, millis, op, effect, incident_kind);
                minute_events.push((millis, op_index, line.clone()));
                events += 1;
            }
            // A deploy marker where a regression starts: what a rollback recommendation points at.
            for inc in &incidents {
                if inc.kind == "latency_regression"
                    && inc.start_min == minute
                    && inc.operation == op.name
                {
                    line.clear();
                    write_marker(&mut line, at, op, "deploy renderx-web v2.4.1 started");
                    minute_events.push((0, op_index, line.clone()));
                    events += 1;
                }
            }
        }
        minute_events.sort_by_key(|(millis, op, _)| (*millis, *op));
        for (_, _, text) in &minute_events {
            let file = rng.below(u64::from(options.files)) as usize;
            let mut bytes = text.as_bytes();
            if options.malformed_rate > 0.0 && rng.unit() < options.malformed_rate {
                // A writer that died mid-line: the JSON is cut off.
                bytes = &bytes[..bytes.len() / 2];
                malformed += 1;
            }
            let writer = &mut writers[file];
            writer
                .write_all(bytes)
                .and_then(|_| writer.write_all(b"\n"))
                .map_err(write_err(&out_dir.join(&names[file])))?;
            lines += 1;
        }
    }
    for (writer, name) in writers.iter_mut().zip(&names) {
        writer.flush().map_err(write_err(&out_dir.join(name)))?;
    }
    let end = options.start + chrono::Duration::minutes(total_min as i64);
    let truth = GroundTruth {
        service: SERVICE,
        seed: options.seed,
        start: options.start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        end: end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        files: names,
        lines,
        events: events - malformed,
        malformed_lines: malformed,
        incidents,
    };
    let truth_path = out_dir.join("incidents.json");
    let json = serde_json::to_string_pretty(&truth).expect("ground truth serialises");
    std::fs::write(&truth_path, json + "\n").map_err(write_err(&truth_path))?;
    Ok(truth)
}

fn write_ts(out: &mut String, at: DateTime<Utc>, millis: u32) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        millis / 1000,
        millis % 1000
    );
}

fn write_event(
    out: &mut String,
    rng: &mut Rng,
    at: DateTime<Utc>,
    millis: u32,
    op: &Operation,
    effect: Effect,
    incident_kind: Option<&str>,
) {
    let duration = op.median_ms * effect.latency * (op.sigma * rng.normal()).exp();
    let failed = rng.unit() < op.error_rate + effect.extra_error_rate;
    let trace = rng.next_u64();
    let user = rng.below(5000);
    let host = 1 + rng.below(4);
    let (level, status, outcome, message): (&str, u32, &str, String) = match (failed, incident_kind) {
        (true, Some("race_condition")) if rng.unit() < 0.9 => (
            "ERROR",
            500,
            "error",
            format!(
                "race condition: concurrent modification of plugin registry while invoking plugin p-{}",
                rng.below(40)
            ),
        ),
        (true, Some("throttling_storm")) => (
            "WARN",
            429,
            "error",
            format!("{} throttled: too many requests (limit 120/min)", op.name),
        ),
        (true, Some("pool_exhausted")) => (
            "ERROR",
            503,
            "error",
            format!("{} failed: connection pool exhausted (all db connections busy)", op.name),
        ),
        (true, Some("error_burst")) => (
            "ERROR",
            500,
            "error",
            format!("{} failed: storage backend write error (shard {})", op.name, rng.below(8)),
        ),
        (true, _) => {
            let text = ERROR_MESSAGES[rng.below(ERROR_MESSAGES.len() as u64) as usize];
            let status = if text.contains("503") { 503 } else { 500 };
            ("ERROR", status, "error", format!("{} failed: {text}", op.name))
        }
        (false, Some("throttling_storm")) if rng.unit() < 0.5 => (
            "WARN",
            200,
            "ok",
            format!("resize blocked main thread for {}ms", 50 + rng.below(200)),
        ),
        (false, _) if duration > op.median_ms * 8.0 => (
            "WARN",
            200,
            "ok",
            format!("{} slow: took {:.0}ms", op.name, duration),
        ),
        (false, _) => ("INFO", 200, "ok", format!("{} completed", op.name)),
    };
    out.push_str("{\"ts\":\"");
    write_ts(out, at, millis);
    let _ = write!(
        out,
        "\",\"level\":\"{level}\",\"service\":\"{SERVICE}\",\"component\":\"{}\",\"operation\":\"{}\",\
         \"status\":{status},\"duration_ms\":{duration:.2},\"outcome\":\"{outcome}\",\"msg\":\"{message}\",\
         \"trace_id\":\"{trace:016x}\",\"user_id\":\"u{user}\",\"host\":\"web-{host}\"}}",
        op.component, op.name
    );
}

fn write_marker(out: &mut String, at: DateTime<Utc>, op: &Operation, message: &str) {
    out.push_str("{\"ts\":\"");
    write_ts(out, at, 0);
    let _ = write!(
        out,
        "\",\"level\":\"INFO\",\"service\":\"{SERVICE}\",\"component\":\"{}\",\"operation\":\"deploy\",\
         \"outcome\":\"ok\",\"msg\":\"{message}\",\"event\":\"deploy\",\"version\":\"v2.4.1\"}}",
        op.component
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let options = GenOptions {
            days: 1,
            events: 5_000,
            malformed_rate: 0.01,
            ..GenOptions::default()
        };
        let truth = generate(a.path(), &options).unwrap();
        generate(b.path(), &options).unwrap();
        for name in truth
            .files
            .iter()
            .chain(std::iter::once(&"incidents.json".to_string()))
        {
            let x = std::fs::read(a.path().join(name)).unwrap();
            let y = std::fs::read(b.path().join(name)).unwrap();
            assert_eq!(x, y, "{name} differs");
        }
        assert_eq!(truth.incidents.len(), 5);
        assert!(truth.malformed_lines > 0);
        let other = tempfile::tempdir().unwrap();
        generate(other.path(), &GenOptions { seed: 7, ..options }).unwrap();
        assert_ne!(
            std::fs::read(a.path().join(&truth.files[0])).unwrap(),
            std::fs::read(other.path().join(&truth.files[0])).unwrap()
        );
    }
}
