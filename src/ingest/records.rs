//! Lines that hold several records: a JSON array of objects (Vector's S3 `json` encoding),
//! JSON values back to back with no newline between them (Firehose without a delimiter), and
//! the envelopes log pipelines wrap records in: OpenTelemetry's `resourceLogs`, CloudWatch
//! Logs subscription messages (`logEvents`) and AWS's `Records` files (CloudTrail). Each record becomes its own row; `_record` is
//! its index in the line.

use serde_json::Value;

use super::container::{shipped_line, wrapped};
use super::formats::{json_error, parse_json, JsonRecord};
use super::names::{feeds, Column};
use super::otlp::otlp_records;
use super::text::TextParser;

/// A record's fields in order, duplicates included.
pub(crate) type Fields = Vec<(String, Value)>;

thread_local! {
    /// The emptied field list of the record mapped last on this thread, kept for the next
    /// one: a list is over a kilobyte, and glibc's malloc sweeps all the small chunks freed
    /// since its last sweep on every allocation that large (once per line, measured).
    static SPARE_FIELDS: std::cell::RefCell<Fields> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty field list with room for `capacity` fields (the spare one when there is one).
pub(crate) fn field_list(capacity: usize) -> Fields {
    let mut fields = SPARE_FIELDS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    fields.reserve(capacity);
    fields
}

/// Keeps `fields`' allocation for the next [`field_list`] (a very long list is let go).
pub(crate) fn recycle(mut fields: Fields) {
    fields.clear();
    if fields.capacity() <= 64 {
        SPARE_FIELDS.with(|spare| *spare.borrow_mut() = fields);
    }
}

/// What one line holds: one record (the common case, no extra allocation) or several, each
/// its fields or the reason it cannot be an event.
pub(crate) enum LineRecords {
    One(Fields),
    Many(Vec<Result<Fields, String>>),
}

/// The records of a line of JSON: an object (unwrapped when it is an OTLP or CloudWatch
/// envelope), an array of objects, or objects back to back.
pub(crate) fn json_records(text: &str, plain: &TextParser) -> Result<LineRecords, String> {
    let first_error = match parse_json(text) {
        Ok(fields) => return Ok(unwrap_envelope(fields, plain)),
        Err(why) => why,
    };
    let trimmed = text.trim_start();
    let values = if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<JsonRecord>>(trimmed) {
            Ok(values) if values.is_empty() => return Err("an empty JSON array".into()),
            Ok(values) if !values.iter().any(|v| matches!(v, JsonRecord::Object(_))) => {
                return Err("a JSON array with no objects in it (not log records)".into())
            }
            Ok(values) => values.into_iter().map(Ok).collect(),
            Err(e) => return Err(json_error(&e)),
        }
    } else {
        let mut values: Vec<Result<JsonRecord, String>> = Vec::new();
        let mut cut_off = false;
        for value in serde_json::Deserializer::from_str(text).into_iter::<JsonRecord>() {
            let failed = value.is_err();
            cut_off = value.as_ref().is_err_and(serde_json::Error::is_eof);
            values.push(value.map_err(|e| json_error(&e)));
            if failed {
                break; // the rest of the line cannot be told apart
            }
        }
        // Values back to back (the last may be cut off); one value followed by something
        // that is not JSON is just bad JSON.
        let whole = values.iter().filter(|v| v.is_ok()).count();
        if values.first().is_none_or(Result::is_err) || (whole < 2 && !cut_off) {
            return Err(first_error);
        }
        values
    };
    let mut records = Vec::with_capacity(values.len());
    for value in values {
        match value.and_then(JsonRecord::into_object) {
            Ok(fields) => match unwrap_envelope(fields, plain) {
                LineRecords::One(fields) => records.push(Ok(fields)),
                LineRecords::Many(inner) => records.extend(inner),
            },
            Err(why) => records.push(Err(why)),
        }
    }
    Ok(LineRecords::Many(records))
}

/// A line in the `otlp` format: one OTLP JSON document.
pub(crate) fn otlp_line(text: &str, plain: &TextParser) -> Result<LineRecords, String> {
    let document = parse_json(text)?;
    if !document.iter().any(|(k, _)| k == "resourceLogs") {
        return Err("OTLP: a JSON object without `resourceLogs`".into());
    }
    Ok(LineRecords::Many(otlp_records(&document, plain)?))
}

/// The keys envelopes are recognised by, found in one pass over a record's keys: most
/// records are no envelope, and each key is then compared once rather than once per kind.
#[derive(Clone, Copy)]
struct Marks(u32);

impl Marks {
    const RESOURCE_LOGS: u32 = 1;
    const LOG_EVENTS: u32 = 1 << 1;
    const MESSAGE_TYPE: u32 = 1 << 2;
    const AWS_RECORDS: u32 = 1 << 3;
    const AZURE_RECORDS: u32 = 1 << 4;
    const JSON_PAYLOAD: u32 = 1 << 5;
    const LOG_NAME: u32 = 1 << 6;
    const SOURCE_DOCUMENT: u32 = 1 << 7;
    const SEARCH_INDEX: u32 = 1 << 8;
    const EVENT: u32 = 1 << 9;
    const TIME: u32 = 1 << 10;
    const SPLUNK: u32 = 1 << 11;
    const ID: u32 = 1 << 12;
    const DATE: u32 = 1 << 13;
    const ATTRIBUTES: u32 = 1 << 14;
    const STATUS: u32 = 1 << 15;
    const SHORT_MESSAGE: u32 = 1 << 16;
    const VERSION: u32 = 1 << 17;
    /// `log`, `_raw` or `message`: a shipper's raw line may be there.
    const LINE: u32 = 1 << 18;
    /// `involvedObject` (core/v1) or `regarding` (events.k8s.io/v1): a Kubernetes event.
    const INVOLVED_OBJECT: u32 = 1 << 19;
    /// `items` (with a `kind` such as `EventList`): a Kubernetes list.
    const ITEMS: u32 = 1 << 20;
    /// `events`: the AWS CLI's `aws logs filter-log-events` and `get-log-events` output.
    const EVENTS: u32 = 1 << 21;
    /// `protoPayload`: a Google Cloud audit log entry.
    const PROTO_PAYLOAD: u32 = 1 << 22;
    /// `request` and `type`: maybe a HashiCorp Vault audit entry.
    const REQUEST: u32 = 1 << 23;
    const TYPE: u32 = 1 << 24;
    /// `name`, `hostname` and `pid`: what bunyan and pino write on every record.
    const NAME: u32 = 1 << 25;
    const HOSTNAME: u32 = 1 << 26;
    const PID: u32 = 1 << 27;
    /// `fields` and `target`: Rust's `tracing` as its JSON formatter writes it.
    const FIELDS: u32 = 1 << 28;
    const TARGET: u32 = 1 << 29;

    fn of(fields: &Fields) -> Marks {
        let mut marks = 0;
        for (key, _) in fields {
            marks |= match key.as_str() {
                "resourceLogs" => Self::RESOURCE_LOGS,
                "logEvents" => Self::LOG_EVENTS,
                "messageType" => Self::MESSAGE_TYPE,
                "Records" => Self::AWS_RECORDS,
                "records" => Self::AZURE_RECORDS,
                "jsonPayload" => Self::JSON_PAYLOAD,
                "logName" => Self::LOG_NAME,
                "_source" => Self::SOURCE_DOCUMENT,
                "_index" => Self::SEARCH_INDEX,
                "event" => Self::EVENT,
                "time" => Self::TIME,
                "sourcetype" | "index" => Self::SPLUNK,
                "_id" => Self::ID,
                "date" => Self::DATE,
                "attributes" => Self::ATTRIBUTES,
                "status" => Self::STATUS,
                "short_message" => Self::SHORT_MESSAGE,
                "version" => Self::VERSION,
                "log" | "_raw" | "message" => Self::LINE,
                "involvedObject" | "regarding" => Self::INVOLVED_OBJECT,
                "items" => Self::ITEMS,
                "events" => Self::EVENTS,
                "protoPayload" => Self::PROTO_PAYLOAD,
                "request" => Self::REQUEST,
                "type" => Self::TYPE,
                "name" => Self::NAME,
                "hostname" => Self::HOSTNAME,
                "pid" => Self::PID,
                "fields" => Self::FIELDS,
                "target" => Self::TARGET,
                _ => 0,
            };
        }
        Marks(marks)
    }

    fn has(self, marks: u32) -> bool {
        self.0 & marks == marks
    }
}

/// The records inside an OTLP or CloudWatch envelope, or the object itself.
fn unwrap_envelope(fields: Fields, plain: &TextParser) -> LineRecords {
    let marks = Marks::of(&fields);
    if marks.has(Marks::RESOURCE_LOGS) {
        return LineRecords::Many(match otlp_records(&fields, plain) {
            Ok(records) => records,
            Err(why) => vec![Err(why)],
        });
    }
    if marks.has(Marks::LOG_EVENTS | Marks::MESSAGE_TYPE) {
        return LineRecords::Many(cloudwatch_records(&fields, plain));
    }
    let records = if marks.has(Marks::AWS_RECORDS) {
        aws_event_records(&fields)
    } else if marks.has(Marks::AZURE_RECORDS) {
        azure_records(&fields)
    } else if marks.has(Marks::ITEMS) {
        kubernetes_list(&fields)
    } else if marks.has(Marks::EVENTS) {
        aws_cli_log_events(&fields, plain)
    } else {
        None
    };
    if let Some(records) = records {
        return LineRecords::Many(records);
    }
    if marks.has(Marks::INVOLVED_OBJECT) {
        return LineRecords::One(kubernetes_event(fields));
    }
    if marks.has(Marks::PROTO_PAYLOAD | Marks::LOG_NAME) {
        return LineRecords::One(cloud_audit_entry(fields));
    }
    if marks.has(Marks::REQUEST | Marks::TYPE) {
        return LineRecords::One(vault_audit_entry(fields));
    }
    if let Some(inner) = inner_record_name(marks) {
        return LineRecords::One(shipped_line(with_inner_record(fields, inner), plain));
    }
    if marks.has(Marks::FIELDS | Marks::TARGET) {
        return LineRecords::One(tracing_record(fields));
    }
    if marks.has(Marks::SHORT_MESSAGE | Marks::VERSION) {
        return LineRecords::One(docker_gelf(gelf_fields(fields), plain));
    }
    if marks.has(Marks::LINE) {
        return LineRecords::One(shipped_line(fields, plain));
    }
    if marks.has(Marks::NAME | Marks::HOSTNAME | Marks::PID) {
        return LineRecords::One(node_logger_record(fields));
    }
    LineRecords::One(fields)
}

/// Rust's `tracing` as JSON (`tracing_subscriber::fmt().json()`): the event's own fields,
/// its message among them, sit in `fields`; `target` (the module path) is the logger.
fn tracing_record(fields: Fields) -> Fields {
    let nested = fields
        .iter()
        .any(|(key, value)| key == "fields" && value.is_object());
    if !nested {
        return fields;
    }
    let mut out = with_inner_record(fields, "fields");
    let names_logger = out.iter().any(|(key, _)| key == "logger");
    let target = out.iter().find(|(key, _)| key == "target");
    if let (false, Some((_, Value::String(target)))) = (names_logger, target) {
        let logger = Value::String(target.clone());
        out.push(("logger".into(), logger));
    }
    out
}

/// A bunyan or pino record (`name`, `hostname`, `pid` and a level on their numeric scale):
/// the logger's `name` is the application's, so it is the service unless a field names one.
/// Elsewhere `name` is too common a key (a user's, an event's) to be read as a service.
fn node_logger_record(mut fields: Fields) -> Fields {
    let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let numeric_level = field("level").is_some_and(Value::is_number);
    let names_service = fields
        .iter()
        .any(|(k, _)| super::names::SERVICE_NAMES.contains(&k.as_str()));
    let name = field("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    if let (true, false, Some(name)) = (numeric_level, names_service, name) {
        let service = Value::String(name.to_string());
        fields.push(("service".into(), service));
    }
    fields
}

/// A Kubernetes list (`kubectl get events -o json`: `"kind": "List"` or `"EventList"`), one
/// record per item; events read as [`kubernetes_event`].
fn kubernetes_list(fields: &Fields) -> Option<Vec<Result<Fields, String>>> {
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let kind = field("kind")?.as_str()?;
    let Value::Array(items) = field("items")? else {
        return None;
    };
    if !kind.ends_with("List") || items.is_empty() {
        return None;
    }
    let records = items.iter().map(|item| {
        let Value::Object(object) = item else {
            return Err(format!("Kubernetes {kind}: an item that is not an object"));
        };
        let fields: Fields = object.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let event = Marks::of(&fields).has(Marks::INVOLVED_OBJECT);
        Ok(if event {
            kubernetes_event(fields)
        } else {
            fields
        })
    });
    Some(records.collect())
}

/// A Kubernetes event as `kubectl get events -o json` and the event exporters write it: the
/// last time it was seen (`lastTimestamp`, else `eventTime`, else `firstTimestamp`; `count`
/// says how often), `Warning` events as WARN, the `reason` (`BackOff`, `Unhealthy`,
/// `FailedScheduling`) as operation, the reporting component (`kubelet`) as component and
/// the container or object it is about as service; the event's own fields stay.
fn kubernetes_event(mut fields: Fields) -> Fields {
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let time = [
        "lastTimestamp",
        "eventTime",
        "deprecatedLastTimestamp",
        "firstTimestamp",
    ]
    .iter()
    .find_map(|name| text(field(name)));
    let object = field("involvedObject").or_else(|| field("regarding"));
    // The container a pod's event is about (`spec.containers{api}`) is the service, as a
    // container log's container is; else the object's name (a Deployment, a Node).
    let container = object
        .and_then(|o| o.get("fieldPath")?.as_str())
        .and_then(|path| path.split_once('{')?.1.strip_suffix('}'))
        .map(str::to_string);
    let subject = container.or_else(|| text(object.and_then(|o| o.get("name"))));
    // core/v1 names the reporter `reportingComponent` or `source.component`, events.k8s.io/v1
    // `reportingController`, and its text `note`.
    let component = ["reportingComponent", "reportingController"]
        .iter()
        .find_map(|name| text(field(name)).filter(|c| !c.is_empty()))
        .or_else(|| text(field("source").and_then(|s| s.get("component"))));
    let note = text(field("note")).filter(|_| field("message").is_none());
    let level = match field("type").and_then(Value::as_str) {
        Some("Warning") => "WARN",
        _ => "INFO",
    };
    let derived = [
        ("ts", time),
        ("level", Some(level.to_string())),
        ("operation", text(field("reason"))),
        ("component", component),
        ("service", subject),
        ("message", note),
    ];
    for (name, value) in derived {
        if let Some(value) = value {
            fields.push((name.to_string(), Value::String(value)));
        }
    }
    fields
}

/// GELF (Graylog's format, also written by Docker's `gelf` driver): its additional fields are
/// `_`-prefixed (`_service`, `_status`); without the prefix they meet the usual names.
fn gelf_fields(fields: Fields) -> Fields {
    fields
        .into_iter()
        .map(|(key, value)| match key.strip_prefix('_') {
            Some(name) if !name.is_empty() => (name.to_string(), value),
            _ => (key, value),
        })
        .collect()
}

/// Docker's `gelf` log driver sends the container's raw line as `short_message` and a level
/// of its own (6 for stdout, 3 for stderr): the line is parsed again as a shipper's (see
/// [`shipped_line`]), its own level wins, the driver's is kept as `gelf.level` (and is the
/// level when the line has none).
fn docker_gelf(mut fields: Fields, plain: &TextParser) -> Fields {
    if !fields.iter().any(|(k, _)| k == "container_id") {
        return fields;
    }
    let driver_level = fields
        .iter()
        .rposition(|(k, _)| k == "level")
        .map(|at| fields.remove(at).1);
    for (key, _) in fields.iter_mut().filter(|(k, _)| k == "short_message") {
        *key = "_raw".to_string();
    }
    let mut fields = shipped_line(fields, plain);
    if let Some(level) = driver_level {
        let line_has_level = fields.iter().any(|(k, _)| feeds(k, Column::Level));
        let name = if line_has_level {
            "gelf.level"
        } else {
            "level"
        };
        fields.push((name.to_string(), level));
    }
    fields
}

/// AWS's `{"Records":[...]}` files, as CloudTrail writes them to S3 (and S3's own event
/// notifications): one row per record. A record has no message or level of its own:
/// `eventTime` is the time, `eventSource` the service, `eventName` the operation and, unless
/// `errorMessage` says more, the message; a record with an `errorCode` is an ERROR whose
/// outcome is an error.
fn aws_event_records(fields: &Fields) -> Option<Vec<Result<Fields, String>>> {
    let (_, Value::Array(records)) = fields.iter().rev().find(|(k, _)| k == "Records")? else {
        return None;
    };
    let is_event = |v: &Value| v.get("eventTime").is_some() && v.get("eventName").is_some();
    if records.is_empty() || !records.iter().all(is_event) {
        return None;
    }
    let text = |record: &Value, name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .map(|s| Value::String(s.to_string()))
    };
    Some(
        records
            .iter()
            .map(|record| {
                let Value::Object(object) = record else {
                    return Err("AWS Records: a record that is not an object".to_string());
                };
                let mut out: Fields = object.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                out.push(("ts".into(), record["eventTime"].clone()));
                let failed = record.get("errorCode").is_some_and(|c| !c.is_null());
                let derived = [
                    ("service", text(record, "eventSource")),
                    ("operation", text(record, "eventName")),
                    (
                        "message",
                        text(record, "errorMessage").or_else(|| text(record, "eventName")),
                    ),
                    ("level", failed.then(|| Value::String("ERROR".into()))),
                    ("outcome", failed.then(|| Value::String("error".into()))),
                ];
                for (name, value) in derived {
                    if let Some(value) = value {
                        out.push((name.to_string(), value));
                    }
                }
                Ok(out)
            })
            .collect(),
    )
}

/// Azure's diagnostic logs as Azure Monitor writes them to storage (`{"records":[...]}`, one
/// blob per hour per resource): a row per record. Azure's common schema names the columns:
/// `time`, `level`, `operationName` (the operation unless the record logs a request), the
/// `category` as component, the resource's name (the last segment of `resourceId`, in lower
/// case: Azure writes it upper-cased) as service; the category's own fields stay under
/// `properties`, where the usual names are looked for (`properties.Message`, `ScStatus`,
/// `TimeTaken`, ...; see `names.rs`).
fn azure_records(fields: &Fields) -> Option<Vec<Result<Fields, String>>> {
    let (_, Value::Array(records)) = fields.iter().rev().find(|(k, _)| k == "records")? else {
        return None;
    };
    let is_record = |v: &Value| {
        v.get("time").is_some()
            && ["resourceId", "category", "operationName"]
                .iter()
                .any(|k| v.get(k).is_some())
    };
    if records.is_empty() || !records.iter().all(is_record) {
        return None;
    }
    let records = records.iter().map(|record| {
        let Value::Object(object) = record else {
            return Err("Azure records: a record that is not an object".to_string());
        };
        let mut out: Fields = object.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let text = |name: &str| record.get(name).and_then(Value::as_str);
        if let Some(resource) = text("resourceId").and_then(|id| id.rsplit('/').next()) {
            out.push(("service".into(), Value::String(resource.to_lowercase())));
        }
        if let Some(category) = text("category") {
            out.push(("component".into(), Value::String(category.to_string())));
        }
        let logs_request = record
            .get("properties")
            .is_some_and(|p| p.get("CsMethod").is_some() || p.get("httpMethod").is_some());
        if let (false, Some(operation)) = (logs_request, text("operationName")) {
            out.push(("operation".into(), Value::String(operation.to_string())));
        }
        Ok(out)
    });
    Some(records.collect())
}

/// The field holding the application's own record inside a service's envelope:
/// Google Cloud Logging's `jsonPayload` (a Cloud Storage sink's files, `gcloud logging read
/// --format=json`), an Elasticsearch or OpenSearch hit's `_source` (`elasticdump`, scroll
/// exports), Splunk's HTTP Event Collector `event` (as Cribl and HEC relays write it), and
/// Datadog's log archives' `attributes`.
fn inner_record_name(marks: Marks) -> Option<&'static str> {
    if marks.has(Marks::JSON_PAYLOAD | Marks::LOG_NAME) {
        Some("jsonPayload")
    } else if marks.has(Marks::SOURCE_DOCUMENT | Marks::SEARCH_INDEX) {
        Some("_source")
    } else if marks.has(Marks::EVENT | Marks::TIME | Marks::SPLUNK) {
        Some("event")
    } else if marks.has(Marks::ID | Marks::DATE | Marks::ATTRIBUTES | Marks::STATUS) {
        Some("attributes")
    } else {
        None
    }
}

/// The envelope's fields, then the inner record's (so its `message`, `status` or
/// `duration_ms` are found like a JSON line's, and win over the envelope's). Splunk's `event`
/// may be the raw line instead, parsed again as a shipper's (see
/// [`super::container::shipped_line`]); Datadog's standard `duration` is in nanoseconds.
fn with_inner_record(fields: Fields, inner: &str) -> Fields {
    let mut out = Fields::with_capacity(fields.len() + 8);
    let mut opened = None;
    for (key, value) in fields {
        match value {
            Value::Object(object) if key == inner => opened = Some(object),
            Value::String(raw) if key == inner => out.push(("_raw".into(), Value::String(raw))),
            value => out.push((key, value)),
        }
    }
    let datadog = inner == "attributes";
    out.extend(
        opened
            .into_iter()
            .flatten()
            .map(|(key, value)| match key.as_str() {
                "duration" if datadog => ("duration_ns".to_string(), value),
                _ => (key, value),
            }),
    );
    out
}

/// A CloudWatch Logs subscription message (as Firehose and Lambda receive it): one record per
/// log event, whose `message` is parsed again (JSON, logfmt or text) like a container
/// payload; the log group's last segment is the service unless the message names one.
fn cloudwatch_records(fields: &Fields, plain: &TextParser) -> Vec<Result<Fields, String>> {
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let kind = field("messageType").and_then(Value::as_str).unwrap_or("");
    if kind != "DATA_MESSAGE" {
        return vec![Err(format!(
            "CloudWatch Logs {kind:?} message: it carries no log events"
        ))];
    }
    let Some(Value::Array(events)) = field("logEvents") else {
        return vec![Err(
            "CloudWatch Logs message: `logEvents` is not an array".into()
        )];
    };
    if events.is_empty() {
        return vec![Err("CloudWatch Logs message with no log events".into())];
    }
    let group = field("logGroup").and_then(Value::as_str).unwrap_or("");
    let context: Fields = [
        ("aws.log_group", "logGroup"),
        ("aws.log_stream", "logStream"),
        ("aws.owner", "owner"),
    ]
    .iter()
    .filter_map(|(name, key)| field(key).map(|v| (name.to_string(), v.clone())))
    .collect();
    events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let Some(time) = event.get("timestamp") else {
                return Err(format!("CloudWatch Logs logEvents[{i}]: no `timestamp`"));
            };
            let mut record = context.clone();
            if let Some(id) = event.get("id") {
                record.push(("aws.event_id".into(), id.clone()));
            }
            let inner = cloudwatch_event_line(time, event, plain);
            let names_service = inner
                .iter()
                .any(|(k, _)| super::names::SERVICE_NAMES.contains(&k.as_str()));
            let service = group.rsplit('/').find(|s| !s.is_empty());
            if let (false, Some(service)) = (names_service, service) {
                record.push(("service".into(), Value::String(service.to_string())));
            }
            record.extend(inner);
            Ok(record)
        })
        .collect()
}

/// A Google Cloud audit log entry (`protoPayload` of type `AuditLog`: Admin Activity, Data
/// Access, System Event): the API's service as service, its method as operation, the caller
/// as `user`, a non-zero `status.code` (a gRPC error) a failed outcome with its message.
fn cloud_audit_entry(mut fields: Fields) -> Fields {
    let Some((_, payload)) = fields.iter().rev().find(|(k, _)| k == "protoPayload") else {
        return fields;
    };
    let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
    let method = text("/methodName").map(str::to_string);
    let derived: Vec<(&str, Option<String>)> = vec![
        ("service", text("/serviceName").map(str::to_string)),
        ("operation", method.clone()),
        (
            "user",
            text("/authenticationInfo/principalEmail").map(str::to_string),
        ),
        ("resource_name", text("/resourceName").map(str::to_string)),
    ];
    let code = payload.pointer("/status/code").and_then(Value::as_i64);
    let status_message = text("/status/message").filter(|m| !m.is_empty());
    let message = match (status_message, &method) {
        (Some(status), Some(method)) => Some(format!("{method}: {status}")),
        (None, Some(method)) => Some(method.clone()),
        (status, None) => status.map(str::to_string),
    };
    for (name, value) in derived {
        if let Some(value) = value {
            fields.push((name.to_string(), Value::String(value)));
        }
    }
    if let Some(code) = code {
        let outcome = if code == 0 { "success" } else { "failure" };
        fields.push(("outcome".into(), Value::String(outcome.into())));
    }
    if let Some(message) = message {
        fields.push(("message".into(), Value::String(message)));
    }
    fields
}

/// A HashiCorp Vault audit entry (`{"type":"response","auth":{...},"request":{"operation":
/// "read","path":"secret/data/db",...},"error":"..."}`): `vault` as service, operation and
/// path as operation, the token's display name as `user`, an `error` a failed outcome and the
/// message. Other records with `type` and `request` are left as they are.
fn vault_audit_entry(mut fields: Fields) -> Fields {
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let kind = field("type").and_then(Value::as_str);
    let request = field("request");
    let text = |value: Option<&Value>, pointer: &str| {
        value?.pointer(pointer)?.as_str().map(str::to_string)
    };
    let (Some(kind @ ("request" | "response")), Some(operation), Some(path)) =
        (kind, text(request, "/operation"), text(request, "/path"))
    else {
        return fields;
    };
    let kind = kind.to_string();
    let user = text(field("auth"), "/display_name");
    let error = field("error")
        .and_then(Value::as_str)
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    let service = Value::String("vault".into());
    fields.push(("service".into(), service));
    fields.push((
        "operation".into(),
        Value::String(format!("{operation} {path}")),
    ));
    if let Some(user) = user {
        fields.push(("user".into(), Value::String(user)));
    }
    let message = match &error {
        // `1 error occurred:\n\t* permission denied\n\n`: the errors, on one line.
        Some(error) => error.replace("\n\t* ", " ").replace('\n', " "),
        None => format!("{kind} {operation} {path}"),
    };
    if error.is_some() {
        fields.push(("outcome".into(), Value::String("failure".into())));
    }
    fields.push(("message".into(), Value::String(message)));
    fields
}

/// A CloudWatch Logs event's raw line, read again: its own time and level win.
fn cloudwatch_event_line(time: &Value, event: &Value, plain: &TextParser) -> Fields {
    let message = event.get("message").and_then(Value::as_str).unwrap_or("");
    // Lines sent by Lambda and the CloudWatch agent keep their newline.
    let message = message.trim_end_matches(['\n', '\r']);
    wrapped(time.clone(), "cloudwatch_time", None, message, plain)
}

/// The AWS CLI's `aws logs filter-log-events` / `get-log-events` output (`{"events": [...],
/// "nextForwardToken": ...}`, pretty-printed by default): a record per event whose
/// `timestamp` and `message` it has, the line read again; the stream and event id kept.
fn aws_cli_log_events(fields: &Fields, plain: &TextParser) -> Option<Vec<Result<Fields, String>>> {
    let (_, Value::Array(events)) = fields.iter().rev().find(|(k, _)| k == "events")? else {
        return None;
    };
    let is_log_event = |e: &Value| e.get("timestamp").is_some() && e.get("message").is_some();
    if events.is_empty() || !events.iter().all(is_log_event) {
        return None;
    }
    let records = events.iter().map(|event| {
        let mut record = Fields::new();
        for (name, key) in [
            ("aws.log_stream", "logStreamName"),
            ("aws.event_id", "eventId"),
        ] {
            if let Some(value) = event.get(key) {
                record.push((name.to_string(), value.clone()));
            }
        }
        record.extend(cloudwatch_event_line(&event["timestamp"], event, plain));
        Ok(record)
    });
    Some(records.collect())
}

#[cfg(test)]
mod tests;
