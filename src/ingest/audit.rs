//! Linux audit records (`/var/log/audit/audit.log`), read as logfmt: their time is inside
//! `msg=audit(EPOCH:SERIAL):`, not in a field of its own.

use serde_json::Value;

/// Linux audit records (`/var/log/audit/audit.log`: `type=SYSCALL msg=audit(1764511262.123:456):
/// arch=... success=no ...`) keep their time and serial inside `msg`: the epoch becomes `ts`,
/// `audit(...)` the `audit_id`, the record type the component, the text after the header the
/// message; a failed call or authentication (`success=no`, `res=failed`) is a WARN.
pub(crate) fn linux_audit(text: &str, fields: &mut Vec<(String, Value)>) {
    let Some(at) = fields
        .iter()
        .position(|(k, v)| k == "msg" && v.as_str().is_some_and(|s| s.starts_with("audit(")))
    else {
        return;
    };
    let stamp = fields[at].1.as_str().unwrap_or_default();
    let id = stamp.trim_start_matches("audit(").trim_end_matches("):");
    let Some(epoch) = id.split_once(':').and_then(|(e, _)| e.parse::<f64>().ok()) else {
        return;
    };
    let Some(epoch) = serde_json::Number::from_f64(epoch) else {
        return;
    };
    fields[at] = ("audit_id".into(), Value::String(id.to_string()));
    fields.push(("ts".into(), Value::Number(epoch)));
    if let Some(kind) = fields
        .iter()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v.clone())
    {
        fields.push(("component".into(), kind));
    }
    let body = text.split_once("): ").map_or("", |(_, body)| body);
    let failed =
        fields.iter().any(|(k, v)| k == "success" && v == "no") || body.contains("res=failed");
    if failed {
        fields.push(("level".into(), Value::String("WARN".into())));
    }
    fields.push(("message".into(), Value::String(body.to_string())));
}
