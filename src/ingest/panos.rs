//! Palo Alto Networks' firewalls (PAN-OS) send each log as comma-separated values over
//! syslog, with no tag after the host:
//!
//! ```text
//! <14>Nov 30 14:01:02 fw1 1,2026/11/30 14:01:02,012345678901,TRAFFIC,end,2561,2026/11/30 14:01:02,10.0.0.5,93.184.216.34,...
//! ```
//!
//! The log's type and subtype come first (after the receive time and the serial number);
//! what follows depends on the type. Traffic and threat logs, the two a service's health
//! reads, are mapped by their documented positions: addresses, rule, application (the
//! operation), ports, protocol and action (a denied or dropped session failed); traffic's
//! bytes and elapsed seconds (the duration); a threat's name, category and severity (the
//! level). Other types keep their type and subtype. The message stays the line as sent.

use serde_json::Value;

type Fields = Vec<(String, Value)>;

/// The log's type, when `message` is a PAN-OS log line.
pub(crate) fn log_type(message: &str) -> Option<&str> {
    let mut columns = message.splitn(5, ',');
    let (_future, received, _serial, kind) = (
        columns.next()?,
        columns.next()?,
        columns.next()?,
        columns.next()?,
    );
    let dated = received.len() == 19 && received.as_bytes()[4] == b'/';
    let known = matches!(
        kind,
        "TRAFFIC"
            | "THREAT"
            | "SYSTEM"
            | "CONFIG"
            | "HIPMATCH"
            | "GLOBALPROTECT"
            | "USERID"
            | "DECRYPTION"
            | "TUNNEL"
            | "AUTHENTICATION"
            | "SCTP"
            | "CORRELATION"
            | "IPTAG"
    );
    (dated && known).then_some(kind)
}

/// The fields of a PAN-OS log line; `None` (nothing pushed) when it is not one.
pub(crate) fn panos_fields(message: &str, fields: &mut Fields) -> Option<()> {
    let kind = log_type(message)?;
    // Quoted columns (a URL, a threat's name) may hold commas: the CSV format's own reader.
    let columns = super::csv::split_record(message).ok()?;
    let at = |i: usize| columns.get(i).map(String::as_str).filter(|v| !v.is_empty());
    let text = |s: &str| Value::String(s.to_string());
    fields.push(("service".into(), text("pan-os")));
    fields.push(("log_type".into(), text(kind)));
    if let Some(subtype) = at(4) {
        fields.push(("log_subtype".into(), text(subtype)));
    }
    if !matches!(kind, "TRAFFIC" | "THREAT") {
        return Some(());
    }
    for (i, name) in [
        (7, "src"),
        (8, "dst"),
        (11, "rule"),
        (12, "src_user"),
        (15, "vsys"),
        (16, "from_zone"),
        (17, "to_zone"),
        (24, "src_port"),
        (25, "dst_port"),
        (29, "protocol"),
        (30, "action"),
    ] {
        if let Some(value) = at(i) {
            fields.push((name.into(), text(value)));
        }
    }
    if let Some(app) = at(14) {
        fields.push(("operation".into(), text(app)));
    }
    let denied = at(30).is_some_and(|a| a != "allow" && a != "alert");
    fields.push((
        "outcome".into(),
        text(if denied { "failure" } else { "success" }),
    ));
    if kind == "TRAFFIC" {
        if let Some(bytes) = at(31).and_then(|b| b.parse::<u64>().ok()) {
            fields.push(("bytes".into(), Value::from(bytes)));
        }
        if let Some(seconds) = at(36).and_then(|s| s.parse::<u64>().ok()) {
            fields.push(("duration_ms".into(), Value::from(seconds * 1000)));
        }
    } else {
        for (i, name) in [(31, "url_or_file"), (32, "threat"), (33, "threat_category")] {
            if let Some(value) = at(i) {
                fields.push((name.into(), text(value)));
            }
        }
        let level = match at(34) {
            Some("critical") => "FATAL",
            Some("high") => "ERROR",
            Some("medium") => "WARN",
            _ => "INFO",
        };
        fields.push(("level".into(), text(level)));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAFFIC: &str = "1,2026/11/30 14:01:02,012345678901,TRAFFIC,end,2561,2026/11/30 14:01:02,10.0.0.5,93.184.216.34,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,log-fwd,2026/11/30 14:01:02,12345,1,54321,443,0,0,0x400000,tcp,allow,5432,1234,4198,12,2026/11/30 14:01:00,2,any,0,123456789";
    const THREAT: &str = "1,2026/11/30 14:01:03,012345678901,THREAT,vulnerability,2561,2026/11/30 14:01:03,10.0.0.9,10.0.0.5,0.0.0.0,0.0.0.0,block-bad,,,web-browsing,vsys1,untrust,trust,ethernet1/1,ethernet1/2,log-fwd,2026/11/30 14:01:03,12346,1,44444,80,0,0,0x2000,tcp,reset-both,\"/index.php?a=1,2\",\"Apache Struts RCE(33520)\",code-execution,critical,client-to-server";

    fn read(message: &str) -> Option<Fields> {
        let mut fields = Vec::new();
        panos_fields(message, &mut fields).map(|()| fields)
    }

    fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a Value> {
        fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    #[test]
    fn traffic_and_threat_logs() {
        let f = read(TRAFFIC).unwrap();
        assert_eq!(get(&f, "log_type").unwrap(), "TRAFFIC");
        assert_eq!(get(&f, "operation").unwrap(), "ssl");
        assert_eq!(get(&f, "src").unwrap(), "10.0.0.5");
        assert_eq!(get(&f, "dst_port").unwrap(), "443");
        assert_eq!(get(&f, "outcome").unwrap(), "success");
        assert_eq!(get(&f, "bytes").unwrap(), 5432);
        assert_eq!(get(&f, "duration_ms").unwrap(), 2000);
        let f = read(THREAT).unwrap();
        assert_eq!(get(&f, "outcome").unwrap(), "failure");
        assert_eq!(get(&f, "url_or_file").unwrap(), "/index.php?a=1,2");
        assert_eq!(get(&f, "threat").unwrap(), "Apache Struts RCE(33520)");
        assert_eq!(get(&f, "level").unwrap(), "FATAL");
    }

    #[test]
    fn other_types_and_other_lines() {
        let f = read("1,2026/11/30 14:01:04,012345678901,SYSTEM,general,0,2026/11/30 14:01:04,,general,,0,0,general,informational,\"User admin logged in\"").unwrap();
        assert_eq!(get(&f, "log_subtype").unwrap(), "general");
        assert!(get(&f, "operation").is_none());
        for other in [
            "1,2,3,TRAFFIC",
            "a,b,c",
            "1,2026/11/30 14:01:02,0,OTHER,x",
            "",
        ] {
            assert!(read(other).is_none(), "{other:?}");
        }
        for (at, _) in THREAT.char_indices() {
            let _ = read(&THREAT[..at]);
        }
    }
}
