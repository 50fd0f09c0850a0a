//! DNS query logs inside a message: CoreDNS's `log` plugin (every Kubernetes cluster's DNS),
//! `10.244.0.1:53530 - 12345 "A IN example.com. udp 29 false 512" NOERROR qr,aa,rd 106
//! 0.000123s`. The query type is the operation, the response code says the outcome (SERVFAIL
//! and REFUSED failed; NXDOMAIN is an answer), the time taken is the duration.

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

#[cfg(test)]
mod tests {
    use super::*;

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
