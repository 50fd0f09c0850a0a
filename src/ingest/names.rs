//! Which record fields feed which `events` column when the config names none: the names
//! each column tries, in order (the first present wins), and an index from a name to its
//! columns, so a record's fields are matched in one pass instead of trying every name in turn.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use serde_json::Value;

/// Field names tried, in order, when the config does not name a field.
pub(crate) const TS_NAMES: &[&str] = &[
    "ts",
    "timestamp",
    "@timestamp",
    "time",
    "datetime",
    "date",
    "t",
    "@t",
    "timeMillis",
    // log4j2's JSON layout since 2.11: `{"epochSecond":...,"nanoOfSecond":...}`.
    "instant",
    // Python's `logging` attributes as python-json-logger writes them.
    "asctime",
    "t.$date",
    "Timestamp",
    // Envoy's JSON access log, Kubernetes' audit log, Cloudflare's Logpush.
    "start_time",
    "requestReceivedTimestamp",
    "EdgeStartTimestamp",
    // Splunk's and Cribl's event time (epoch seconds).
    "_time",
    // osquery's results and status logs (epoch seconds).
    "unixTime",
    // Azure Monitor Logs (Log Analytics) tables and their exports; Windows Event Viewer's
    // CSV export.
    "TimeGenerated",
    "Date and Time",
    // Windows events as PowerShell exports them (`Get-WinEvent`; `Get-EventLog` has
    // `TimeGenerated`).
    "TimeCreated",
    // nginx's JSON access logs (`log_format ... escape=json`): `$time_local`, `$time_iso8601`,
    // `$msec` (epoch seconds with milliseconds).
    "time_local",
    "time_iso8601",
    "msec",
    // Okta's System Log (and Activity Streams).
    "published",
    // API gateways' access logs: Amazon API Gateway's `$context.requestTime` (the access-log
    // time) and `requestTimeEpoch` (ms), Kong's `started_at` (ms).
    "requestTime",
    "requestTimeEpoch",
    "started_at",
];
pub(crate) const LEVEL_NAMES: &[&str] = &[
    "level",
    "lvl",
    "severity",
    "loglevel",
    "log.level",
    "levelname",
    "@l",
    "Level",
    "LogLevel",
    // HashiCorp's hclog as JSON (Consul, Nomad, Vault).
    "@level",
    // Azure's diagnostic logs (Functions, App Service).
    "properties.Level",
    // PostgreSQL's jsonlog (15 and later).
    "error_severity",
    // Windows events as PowerShell exports them (`Get-WinEvent`, `Get-EventLog`).
    "LevelDisplayName",
    "EntryType",
];
pub(crate) const SERVICE_NAMES: &[&str] = &[
    "service",
    "service.name",
    "app",
    "application",
    "serviceContext.service",
    // Kubernetes metadata as Fluent Bit, Vector and Filebeat add it: the recommended app
    // label, else `app`, else the container (the service of a CRI file, too). Filebeat
    // writes a label's dots as underscores.
    "kubernetes.labels.app.kubernetes.io/name",
    "kubernetes.labels.app_kubernetes_io/name",
    "kubernetes.labels.app",
    "kubernetes.pod_labels.app.kubernetes.io/name",
    "kubernetes.pod_labels.app",
    "kubernetes.container_name",
    "kubernetes.container.name",
    // Google Cloud's monitored resources: a GKE container, a Cloud Run service, a function,
    // an App Engine module, the backend service behind a load balancer's request.
    "resource.labels.container_name",
    "resource.labels.service_name",
    "resource.labels.function_name",
    "resource.labels.module_id",
    "resource.labels.backend_service_name",
    // Loki's detected service label, OpenTelemetry's attribute with dots as underscores.
    "service_name",
    // Docker's fluentd and GELF log drivers, ECS FireLens.
    "container_name",
];
pub(crate) const COMPONENT_NAMES: &[&str] = &[
    "component",
    "module",
    "subsystem",
    "logger",
    "log.logger",
    "logger_name",
    "loggerName",
    "Category",
    "SourceContext",
    "Properties.SourceContext",
    // Suricata's `eve.json`: alert, http, dns, flow, ...
    "event_type",
    "@module",
    // Windows events as PowerShell exports them (`Get-WinEvent`).
    "ProviderName",
];
pub(crate) const OPERATION_NAMES: &[&str] = &[
    "operation",
    "op",
    "handler",
    "endpoint",
    "route",
    "http.route",
    "span",
    "action",
    // Amazon API Gateway's HTTP APIs: the matched route, `GET /orders/{id}`.
    "routeKey",
];
pub(crate) const STATUS_NAMES: &[&str] = &[
    "status_code",
    "status",
    "http.status",
    "http.response.status_code",
    "http.status_code",
    "code",
    "statusCode",
    "StatusCode",
    "DownstreamStatus",
    "res.statusCode",
    "httpRequest.status",
    "Properties.StatusCode",
    "response_code",
    "responseStatus.code",
    "EdgeResponseStatus",
    // Azure's diagnostic logs: Key Vault and storage, App Service's HTTP log, Application
    // Gateway and Front Door.
    "httpStatusCode",
    "properties.ScStatus",
    "properties.httpStatus",
    "properties.httpStatusCode",
    // Kong's access log.
    "response.status",
];
/// Duration candidates with the unit their name implies.
pub(crate) const DURATION_NAMES: &[(&str, f64)] = &[
    ("duration_ms", 1.0),
    ("latency_ms", 1.0),
    ("elapsed_ms", 1.0),
    ("response_time_ms", 1.0),
    ("duration_us", 1e-3),
    ("duration_s", 1e3),
    ("request_time", 1e3),
    ("duration", 1.0),
    // Echo writes its `latency` in nanoseconds and the same with its unit beside it.
    ("latency_human", 1.0),
    ("latency", 1.0),
    ("elapsed", 1.0),
    ("took", 1.0),
    ("responseTime", 1.0),
    // Kibana's legacy JSON log: `res.responseTime`.
    ("res.responseTime", 1.0),
    ("Elapsed", 1.0),
    ("ElapsedMilliseconds", 1.0),
    ("event.duration", 1e-6),
    ("httpRequest.latency", 1e3),
    ("Properties.Elapsed", 1.0),
    // Traefik's JSON access log, and Go's time.Duration marshalled as JSON: nanoseconds.
    ("Duration", 1e-6),
    // Cloudflare's Logpush: nanoseconds, and milliseconds in its newer field.
    ("OriginResponseTime", 1e-6),
    ("OriginResponseDurationMs", 1.0),
    ("duration_ns", 1e-6),
    // Azure's diagnostic logs: the common schema's `durationMs`, App Service's `TimeTaken`
    // (ms), Application Gateway's and Front Door's `timeTaken` (seconds).
    ("durationMs", 1.0),
    ("properties.TimeTaken", 1.0),
    ("properties.timeTaken", 1e3),
    // API gateways: Amazon API Gateway's `responseLatency`, Kong's `latencies.request` (ms).
    ("responseLatency", 1.0),
    ("latencies.request", 1.0),
    // MongoDB's structured log (4.4 and later): a slow operation's `attr.durationMillis`.
    ("attr.durationMillis", 1.0),
    ("durationMillis", 1.0),
];
// Okta's System Log: `"outcome":{"result":"FAILURE","reason":"..."}`.
pub(crate) const OUTCOME_NAMES: &[&str] = &["outcome", "result", "outcome.result"];
pub(crate) const MESSAGE_NAMES: &[&str] = &[
    "message",
    "msg",
    "text",
    "content",
    "log",
    "@m",
    "@mt",
    "textPayload",
    "jsonPayload.message",
    "event",
    "RenderedMessage",
    "Message",
    "short_message",
    "MessageTemplate",
    // Suricata's `eve.json` alerts.
    "alert.signature",
    "@message",
    // Azure's diagnostic logs: an app's message, a container's line (AKS), the outcome.
    "properties.Message",
    "properties.message",
    "properties.log",
    "resultDescription",
    // Splunk's and Cribl's raw event.
    "_raw",
    // Okta's System Log.
    "displayMessage",
    // Windows' DHCP server log (CSV), and records that describe rather than say.
    "Description",
    "description",
];
pub(crate) const TRACE_NAMES: &[&str] = &[
    "trace_id",
    "traceId",
    "traceID",
    "trace",
    "trace.id",
    "dd.trace_id",
    "logging.googleapis.com/trace",
    "request_id",
    "req_id",
];

/// Method and target fields as HTTP request loggers name them (plain, ECS, pino-http, Caddy,
/// Google Cloud, Serilog compact and JSON, Traefik, Suricata, Cloudflare, Kubernetes' audit):
/// the operation when no field names one.
pub(crate) const REQUEST_NAMES: &[(&str, &str)] = &[
    ("method", "path"),
    // Echo's request logger (Go), and loggers that name the target a URI or URL.
    ("method", "uri"),
    ("method", "url"),
    ("http.request.method", "url.path"),
    ("req.method", "req.url"),
    ("request.method", "request.uri"),
    ("httpRequest.requestMethod", "httpRequest.requestUrl"),
    ("RequestMethod", "RequestPath"),
    ("Properties.RequestMethod", "Properties.RequestPath"),
    ("http.http_method", "http.url"),
    ("ClientRequestMethod", "ClientRequestURI"),
    // Kubernetes' audit log: the verb and the API path.
    ("verb", "requestURI"),
    // Azure: App Service's HTTP log; Application Gateway and Front Door.
    ("properties.CsMethod", "properties.CsUriStem"),
    ("properties.httpMethod", "properties.requestUri"),
    // Datadog's standard attributes.
    ("http.method", "http.url_details.path"),
    // AWS WAF's logs.
    ("httpRequest.httpMethod", "httpRequest.uri"),
    // Amazon API Gateway's REST APIs: the resource (a route template) or the path.
    ("httpMethod", "resourcePath"),
    ("httpMethod", "path"),
];

/// A column some field names feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Ts,
    Level,
    Service,
    Component,
    Operation,
    Status,
    Duration,
    Outcome,
    Message,
    Trace,
}

const COLUMNS: usize = 10;

/// A name's place among a column's candidates (0: tried first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidacy {
    pub column: Column,
    pub rank: u8,
}

/// FNV-1a: the index is looked up for every field of every record, with short keys, where
/// SipHash's set-up costs more than the lookup (the map is fixed: no flooding to fear).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let start = if self.0 == 0 { FNV_OFFSET } else { self.0 };
        self.0 = crate::common::fnv1a64_extend(start, bytes);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

type Index = HashMap<&'static str, Vec<Candidacy>, BuildHasherDefault<Fnv>>;

/// The names tried for `column`, in order (durations: [`DURATION_NAMES`], with their units).
pub(crate) fn names_of(column: Column) -> &'static [&'static str] {
    match column {
        Column::Ts => TS_NAMES,
        Column::Level => LEVEL_NAMES,
        Column::Service => SERVICE_NAMES,
        Column::Component => COMPONENT_NAMES,
        Column::Operation => OPERATION_NAMES,
        Column::Status => STATUS_NAMES,
        Column::Duration => &[],
        Column::Outcome => OUTCOME_NAMES,
        Column::Message => MESSAGE_NAMES,
        Column::Trace => TRACE_NAMES,
    }
}

const ALL_COLUMNS: [Column; COLUMNS] = [
    Column::Ts,
    Column::Level,
    Column::Service,
    Column::Component,
    Column::Operation,
    Column::Status,
    Column::Duration,
    Column::Outcome,
    Column::Message,
    Column::Trace,
];

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut index = Index::default();
    for column in ALL_COLUMNS {
        let names: Vec<&'static str> = match column {
            Column::Duration => DURATION_NAMES.iter().map(|(name, _)| *name).collect(),
            other => names_of(other).to_vec(),
        };
        for (rank, name) in names.into_iter().enumerate() {
            let rank = u8::try_from(rank).expect("short lists");
            index
                .entry(name)
                .or_default()
                .push(Candidacy { column, rank });
        }
    }
    index
});

/// The columns `name` is a candidate for.
pub(crate) fn candidacies(name: &str) -> &'static [Candidacy] {
    INDEX.get(name).map_or(&[], Vec::as_slice)
}

/// Whether a field named `name` is a candidate for `column`.
pub(crate) fn feeds(name: &str, column: Column) -> bool {
    candidacies(name).iter().any(|c| c.column == column)
}

/// For a record whose values are all scalars (every text line, most JSON lines): per column,
/// the field its first present candidate names (the last field of that name, as duplicates
/// go), found in one pass over the fields. The same choice as trying each candidate in turn.
pub(crate) struct Resolved {
    best: [Option<(u8, usize)>; COLUMNS],
}

impl Resolved {
    /// `None` when a value is an object or array: candidates may then name paths inside it.
    pub fn of(fields: &[(String, Value)]) -> Option<Resolved> {
        if fields
            .iter()
            .any(|(_, v)| matches!(v, Value::Object(_) | Value::Array(_)))
        {
            return None;
        }
        let mut best = [None; COLUMNS];
        for (i, (key, _)) in fields.iter().enumerate() {
            for candidacy in candidacies(key) {
                let slot: &mut Option<(u8, usize)> = &mut best[candidacy.column as usize];
                if slot.is_none_or(|(rank, _)| candidacy.rank <= rank) {
                    *slot = Some((candidacy.rank, i));
                }
            }
        }
        Some(Resolved { best })
    }

    /// The index of the field that feeds `column`.
    pub fn field(&self, column: Column) -> Option<usize> {
        self.best[column as usize].map(|(_, i)| i)
    }

    /// The duration field's index and the factor its name implies.
    pub fn duration(&self) -> Option<(usize, f64)> {
        let (rank, i) = self.best[Column::Duration as usize]?;
        Some((i, DURATION_NAMES[rank as usize].1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trying each candidate in turn, the way the index must agree with.
    fn first_present(names: &[&str], fields: &[(String, Value)]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| fields.iter().rposition(|(k, _)| k == n))
    }

    #[test]
    fn one_pass_chooses_what_trying_each_name_chooses() {
        let record = |keys: &[&str]| -> Vec<(String, Value)> {
            keys.iter()
                .map(|k| (k.to_string(), Value::String("v".into())))
                .collect()
        };
        let cases: [&[&str]; 5] = [
            &["msg", "message", "time", "ts", "lvl", "level"],
            &[
                "status",
                "code",
                "status_code",
                "status",
                "latency",
                "duration_ms",
            ],
            &["trace", "traceId", "logger", "component", "op", "route"],
            &["Timestamp", "Level", "Message", "Category", "user"],
            &["nothing", "mapped", "here"],
        ];
        for keys in cases {
            let fields = record(keys);
            let resolved = Resolved::of(&fields).unwrap();
            for (column, names) in [
                (Column::Ts, TS_NAMES),
                (Column::Level, LEVEL_NAMES),
                (Column::Component, COMPONENT_NAMES),
                (Column::Operation, OPERATION_NAMES),
                (Column::Status, STATUS_NAMES),
                (Column::Message, MESSAGE_NAMES),
                (Column::Trace, TRACE_NAMES),
            ] {
                assert_eq!(
                    resolved.field(column),
                    first_present(names, &fields),
                    "{column:?} in {keys:?}"
                );
            }
            let durations: Vec<&str> = DURATION_NAMES.iter().map(|(n, _)| *n).collect();
            assert_eq!(
                resolved.duration().map(|(i, _)| i),
                first_present(&durations, &fields)
            );
        }
        let fields = record(&["latency", "duration_us"]);
        assert_eq!(Resolved::of(&fields).unwrap().duration(), Some((1, 1e-3)));
        let nested = vec![("service".to_string(), serde_json::json!({"name": "x"}))];
        assert!(Resolved::of(&nested).is_none());
    }
}
