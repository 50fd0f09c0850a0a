//! MariaDB's server audit plugin, also Amazon RDS's and Aurora's MySQL audit log:
//!
//! ```text
//! 20261130 14:01:02,db-1,app,10.0.0.5,12,345,QUERY,shop,'SELECT * FROM orders',0
//! ```
//!
//! After the time: the server's host, the user, the client's host, the connection and query
//! ids, the operation (`CONNECT`, `QUERY`, `FAILED_CONNECT`, ...), the database, the object
//! (the statement, single-quoted) and the return code, which fails the event when not 0.

use serde_json::Value;

use super::daemons::text;

/// Reads the audit record after a line's time; `false` (nothing pushed) when the text is no
/// such record.
pub(super) fn audit(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(record) = rest.strip_prefix(',') else {
        return false;
    };
    let values: Vec<&str> = record.splitn(7, ',').collect();
    let [server, user, client, connection, query, operation, tail] = values[..] else {
        return false;
    };
    let (database, object_and_code) = tail.split_once(',').unwrap_or((tail, ""));
    let Some((object, code)) = object_and_code.rsplit_once(',') else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let named = !operation.is_empty()
        && operation
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_');
    let word = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    if !(word(server) && number(connection) && number(query) && named && number(code)) {
        return false;
    }
    fields.push(text("host", server));
    for (name, value) in [("user", user), ("client", client), ("database", database)] {
        if !value.is_empty() {
            fields.push(text(name, value));
        }
    }
    fields.push(text("connection_id", connection));
    fields.push(text("query_id", query));
    fields.push(text("operation", operation));
    let code: u64 = code.parse().unwrap_or(0);
    fields.push(text("outcome", if code == 0 { "ok" } else { "error" }));
    if code != 0 {
        fields.push(("error_code".to_string(), Value::from(code)));
    }
    // The statement, its quotes escaped with backslashes; as it is (its `id=17` are SQL's,
    // not pairs).
    let object = object
        .strip_prefix('\'')
        .and_then(|o| o.strip_suffix('\''))
        .unwrap_or(object);
    let message = if object.is_empty() { operation } else { object };
    fields.push(text("message", message));
    true
}

#[cfg(test)]
mod tests {
    use super::super::tests::{first_value, read_rest};
    use super::*;

    fn get(rest: &str, name: &str) -> Option<Value> {
        first_value(&read_rest(audit, rest)?, name).cloned()
    }

    #[test]
    fn queries_connections_and_failures() {
        let query = ",db-1,app,10.0.0.5,12,345,QUERY,shop,'SELECT * FROM t WHERE a=\\'x,y\\'',0";
        assert_eq!(get(query, "operation").unwrap(), "QUERY");
        assert_eq!(get(query, "database").unwrap(), "shop");
        assert_eq!(get(query, "user").unwrap(), "app");
        assert_eq!(get(query, "host").unwrap(), "db-1");
        assert_eq!(get(query, "outcome").unwrap(), "ok");
        assert_eq!(
            get(query, "message").unwrap(),
            "SELECT * FROM t WHERE a=\\'x,y\\'"
        );
        let failed = ",db-1,bob,10.0.0.6,13,0,FAILED_CONNECT,,,1045";
        assert_eq!(get(failed, "outcome").unwrap(), "error");
        assert_eq!(get(failed, "error_code").unwrap(), 1045);
        assert_eq!(get(failed, "message").unwrap(), "FAILED_CONNECT");
        assert!(get(failed, "database").is_none());
    }

    #[test]
    fn other_lines_are_not_audit_records() {
        for rest in [
            "db-1,app,10.0.0.5,12,345,QUERY,shop,'x',0",
            ",db-1,app,10.0.0.5,x,345,QUERY,shop,'x',0",
            ",db-1,app,10.0.0.5,12,345,Query,shop,'x',0",
            ",db-1,app,10.0.0.5,12,345,QUERY,shop,'x',ok",
            ",a, b, c",
            ",",
        ] {
            assert!(read_rest(audit, rest).is_none(), "{rest:?}");
        }
        let line = ",db-1,app,10.0.0.5,12,345,QUERY,shop,'SELECT ü',0";
        for cut in (0..=line.len()).filter(|i| line.is_char_boundary(*i)) {
            read_rest(audit, &line[..cut]);
        }
    }
}
