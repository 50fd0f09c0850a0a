//! DNS query logs inside a message: CoreDNS's `log` plugin (every Kubernetes cluster's DNS),
//! `10.244.0.1:53530 - 12345 "A IN example.com. udp 29 false 512" NOERROR qr,aa,rd 106
//! 0.000123s`. The query type is the operation, the response code says the outcome (SERVFAIL
//! and REFUSED failed; NXDOMAIN is an answer), the time taken is the duration. Windows' DNS
//! server debug log (`dns.log`) is read the same way, a packet per line.

use serde_json::Value;

/// The query's fields, when `message` is a query log line; nothing otherwise.
pub(crate) fn dns_query(message: &str, fields: &mut Vec<(String, Value)>) -> Option<()> {
    let (before, rest) = message.split_once(" \"")?;
    let (query, after) = rest.split_once("\" ")?;
    // `client:port - id`
    let mut client = before.split(' ');
    let (_address, dash, _id) = (client.next()?, client.next()?, client.next()?);
    if dash != "-" || client.next().is_some() {
        return None;
    }
    let query: Vec<&str> = query.split(' ').collect();
    let [qtype, class, name, protocol, ..] = query.as_slice() else {
        return None;
    };
    if !matches!(*protocol, "udp" | "tcp") || !class.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let answer: Vec<&str> = after.split(' ').collect();
    let [rcode, _flags, _size, duration] = answer.as_slice() else {
        return None;
    };
    let seconds: f64 = duration.strip_suffix('s')?.parse().ok()?;
    if !rcode.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let text = |s: &str| Value::String(s.to_string());
    fields.push(("operation".into(), text(qtype)));
    fields.push(("dns.name".into(), text(name)));
    fields.push(("protocol".into(), text(protocol)));
    fields.push(("rcode".into(), text(rcode)));
    let failed = matches!(*rcode, "SERVFAIL" | "REFUSED" | "FORMERR" | "NOTIMP");
    fields.push((
        "outcome".into(),
        text(if failed { "failure" } else { "success" }),
    ));
    // Whole microseconds, as written (`0.000123s`), without the float's tail.
    let ms = (seconds * 1e6).round() / 1e3;
    fields.push(("duration_ms".into(), Value::from(ms)));
    Some(())
}

/// Windows' DNS server debug log after its time: `0E84 PACKET  000000D4D2E5A0F0 UDP Snd
/// 10.0.0.5      0002 R Q [8385 A DR NXDOMAIN] A      (7)missing(3)com(0)`: the thread,
/// the protocol, the direction and the remote address, `R` for a response, the response code
/// last in the brackets, the question's type and name (written as labels with their
/// lengths). `false` (nothing pushed) for any other line.
pub(super) fn windows_dns_debug(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    // Turned away at its second word, cheaply: this is tried on every text line.
    let second = rest.trim_start().split_once(' ').map(|(_, after)| after);
    if !second.is_some_and(|after| after.starts_with("PACKET ")) {
        return false;
    }
    let words: Vec<&str> = rest.split_whitespace().take(7).collect();
    let [thread, "PACKET", _packet, protocol, direction, remote, _xid] = words[..] else {
        return false;
    };
    let (Some(open), Some(close)) = (rest.find(" ["), rest.find("] ")) else {
        return false;
    };
    if close < open || !matches!(protocol, "UDP" | "TCP") || !matches!(direction, "Snd" | "Rcv") {
        return false;
    }
    let response = rest[..open].split_whitespace().nth(7) == Some("R");
    let rcode = rest[open + 2..close]
        .split_whitespace()
        .last()
        .unwrap_or("");
    let mut question = rest[close + 2..].split_whitespace();
    let (Some(qtype), Some(labels)) = (question.next(), question.next()) else {
        return false;
    };
    let text = |s: &str| Value::String(s.to_string());
    fields.push(("thread".into(), text(thread)));
    fields.push(("operation".into(), text(qtype)));
    fields.push(("dns.name".into(), text(&dotted_name(labels))));
    fields.push(("protocol".into(), text(&protocol.to_ascii_lowercase())));
    fields.push(("direction".into(), text(direction)));
    fields.push(("client".into(), text(remote)));
    if response {
        fields.push(("rcode".into(), text(rcode)));
        let failed = matches!(rcode, "SERVFAIL" | "REFUSED" | "FORMERR" | "NOTIMP");
        let outcome = if failed { "failure" } else { "success" };
        fields.push(("outcome".into(), text(outcome)));
    }
    super::push_message(rest.trim(), fields);
    true
}

/// BIND's query log after its time: `client @0x7f1c2a3b4c5d 10.0.0.5#53530 (example.com):
/// query: example.com IN A +E(0)K (10.0.0.1)` (BIND 9.11 and later; earlier without the
/// `@0x...`). With categories printed (`queries: info: client ...`) the category reader reads
/// the same fields (see [`bind_query_fields`]). `false` (nothing pushed) for any other line.
pub(super) fn bind_query(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let text = rest.trim_start();
    if !bind_query_fields(text, fields) {
        return false;
    }
    super::push_message(text, fields);
    true
}

/// A BIND query's fields (`view internal: ` may come before `query:`): the query type as
/// operation, the name, the client and the flags; the log has no answers, so no outcome.
pub(super) fn bind_query_fields(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(client) = text.strip_prefix("client ") else {
        return false;
    };
    let client = match client.strip_prefix("@0x") {
        Some(handle) => handle.split_once(' ').map_or("", |(_, after)| after),
        None => client,
    };
    let Some((address, after)) = client.split_once(' ') else {
        return false;
    };
    let Some(query) = after.find("query: ").map(|at| &after[at + 7..]) else {
        return false;
    };
    let words: Vec<&str> = query.split(' ').take(4).collect();
    let [name, class, qtype, flags] = words[..] else {
        return false;
    };
    let upper = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase());
    let Some((ip, _port)) = address.rsplit_once('#') else {
        return false;
    };
    if !(upper(class) && (upper(qtype) || qtype.starts_with("TYPE"))) {
        return false;
    }
    let value = |s: &str| Value::String(s.to_string());
    fields.push(("operation".into(), value(qtype)));
    fields.push(("dns.name".into(), value(name)));
    fields.push(("client".into(), value(ip)));
    fields.push(("dns.flags".into(), value(flags)));
    true
}

/// dnsmasq's query log (`log-queries`): `query[A] example.com from 10.0.0.2`, the type as
/// operation, the name and the client. Its `forwarded`, `reply` and `cached` lines say what
/// became of a query and are left as they are.
pub(super) fn dnsmasq_query(message: &str, fields: &mut Vec<(String, Value)>) {
    let Some((qtype, rest)) = message
        .strip_prefix("query[")
        .and_then(|q| q.split_once("] "))
    else {
        return;
    };
    let Some((name, client)) = rest.split_once(" from ") else {
        return;
    };
    let upper = !qtype.is_empty() && qtype.bytes().all(|b| b.is_ascii_alphanumeric());
    if !upper || name.contains(' ') || client.contains(' ') {
        return;
    }
    let value = |s: &str| Value::String(s.to_string());
    fields.push(("operation".into(), value(qtype)));
    fields.push(("dns.name".into(), value(name)));
    fields.push(("client".into(), value(client)));
}

/// `(7)example(3)com(0)` as `example.com`.
fn dotted_name(labels: &str) -> String {
    let mut name = String::new();
    for part in labels.split(['(', ')']) {
        let is_length = part.bytes().all(|b| b.is_ascii_digit());
        if !part.is_empty() && !is_length {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(part);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_dns_server_debug_log() {
        let read = |rest: &str| {
            let mut fields = Vec::new();
            windows_dns_debug(rest, &mut fields).then_some(fields)
        };
        let f = read(" 0E84 PACKET  000000D4D2E5A0F0 UDP Snd 10.0.0.5      0002 R Q [8385 A DR SERVFAIL] A      (7)missing(3)com(0)").unwrap();
        let get = |name: &str| f.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("operation").unwrap(), "A");
        assert_eq!(get("dns.name").unwrap(), "missing.com");
        assert_eq!(get("rcode").unwrap(), "SERVFAIL");
        assert_eq!(get("outcome").unwrap(), "failure");
        assert_eq!(get("client").unwrap(), "10.0.0.5");
        let f = read(" 0E84 PACKET  000000D4D2E5A0F0 UDP Rcv 10.0.0.5      0002   Q [0001   D   NOERROR] AAAA   (3)www(7)example(3)com(0)").unwrap();
        let get = |name: &str| f.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("dns.name").unwrap(), "www.example.com");
        assert!(get("outcome").is_none(), "a query has no outcome yet");
        for other in [
            " 0E84 EVENT  x",
            " 0E84 PACKET  0 UDP Rcv 10.0.0.5 0002",
            "",
        ] {
            assert!(read(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn dnsmasq_queries() {
        let read = |message: &str| {
            let mut fields = Vec::new();
            dnsmasq_query(message, &mut fields);
            fields
        };
        let f = read("query[AAAA] missing.example from 10.0.0.3");
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("operation").unwrap(), "AAAA");
        assert_eq!(get("dns.name").unwrap(), "missing.example");
        assert_eq!(get("client").unwrap(), "10.0.0.3");
        for other in [
            "query[A] x",
            "query[] x from y",
            "query[A",
            "reply x is 1.2.3.4",
        ] {
            assert!(read(other).is_empty(), "{other}");
        }
    }

    #[test]
    fn bind_query_log() {
        let read = |rest: &str| {
            let mut fields = Vec::new();
            bind_query(rest, &mut fields).then_some(fields)
        };
        for (rest, qtype, name, client) in [
            (
                " client @0x7f1c2a3b4c5d 10.0.0.5#53530 (example.com): query: example.com IN A +E(0)K (10.0.0.1)",
                "A",
                "example.com",
                "10.0.0.5",
            ),
            (
                " client 2001:db8::5#40000 (db.local): view internal: query: db.local IN AAAA + (::1)",
                "AAAA",
                "db.local",
                "2001:db8::5",
            ),
        ] {
            let f = read(rest).unwrap();
            let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            assert_eq!(get("operation").unwrap(), qtype, "{rest}");
            assert_eq!(get("dns.name").unwrap(), name, "{rest}");
            assert_eq!(get("client").unwrap(), client, "{rest}");
        }
        for other in [
            " client 10.0.0.5 connected",
            " client @0x7f 10.0.0.5#1 (x): query: x in a +",
            " client @0x7f 10.0.0.5#1 (x): query:",
            "",
        ] {
            assert!(read(other).is_none(), "{other:?}");
        }
    }

    fn read(message: &str) -> Option<Vec<(String, Value)>> {
        let mut fields = Vec::new();
        dns_query(message, &mut fields)?;
        Some(fields)
    }

    #[test]
    fn coredns_queries() {
        let fields = read(r#"10.244.0.1:53530 - 12345 "A IN example.com. udp 29 false 512" NOERROR qr,aa,rd 106 0.000123s"#).unwrap();
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("operation"), Some(Value::from("A")));
        assert_eq!(get("rcode"), Some(Value::from("NOERROR")));
        assert_eq!(get("outcome"), Some(Value::from("success")));
        assert_eq!(get("duration_ms").and_then(|v| v.as_f64()), Some(0.123));
        let fields = read(
            r#"[::1]:40000 - 7 "AAAA IN db.svc. tcp 40 true 1232" SERVFAIL qr,rd 40 2.000512s"#,
        )
        .unwrap();
        assert!(fields.contains(&("outcome".into(), Value::from("failure"))));
    }

    #[test]
    fn other_messages_are_left_alone() {
        for message in [
            r#"GET /x - 1 "not dns" 200"#,
            r#"a - 1 "A IN x. quic 1 false 1" NOERROR qr 1 0.1s"#,
            r#"a - 1 "A IN x. udp 1 false 1" NOERROR qr 1 fast"#,
            "plain text",
        ] {
            assert!(read(message).is_none(), "{message}");
        }
    }
}
