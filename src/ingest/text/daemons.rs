//! Infrastructure daemons whose lines have a shape of their own after the time, where the
//! general header reader would leave the level in the message:
//!
//! ```text
//! 2026-11-30T14:01:02.123456+0000 mon.a (mon.0) 1234 : cluster [WRN] Health check failed: ...
//! [1796047262] SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout
//! # Time: 2026-11-30T14:01:02.123456Z
//! # User@Host: app[app] @ web-1 [10.0.0.5]  Id:    42
//! # Query_time: 2.504312  Lock_time: 0.000110 Rows_sent: 1  Rows_examined: 1048576
//! SELECT ...
//! ```
//!
//! Ceph's cluster log (the sender, its rank, a sequence number, the channel and the level in
//! brackets), Nagios' and Icinga 1's state changes (the state is the level) and MySQL's slow
//! query log (a `# Time:` line opening each statement's record; its query time is the
//! duration). The message is kept whole in each.

use serde_json::Value;

use super::push_message;
use super::tokens::first_words;
use crate::ingest::values::normalize_level;

/// Whether `line` belongs to the banner mysqld writes at the top of its slow and general query
/// logs when it starts (`/usr/sbin/mysqld, Version: 8.0.15 (...). started with:`, `Tcp port:
/// 3306  Unix socket: ...`, `Time                 Id Command    Argument`): a file's header,
/// counted with the blank lines, not a statement's text.
pub(crate) fn is_mysqld_banner(line: &[u8]) -> bool {
    let words = || line.split(|b| *b == b' ').filter(|w| !w.is_empty());
    (line.ends_with(b". started with:") && memchr::memmem::find(line, b", Version: ").is_some())
        || line.starts_with(b"Tcp port: ")
        || line.starts_with(b"Time ") && words().eq([&b"Time"[..], b"Id", b"Command", b"Argument"])
}

/// A field holding a string.
pub(super) fn text(name: &str, value: &str) -> (String, Value) {
    (name.to_string(), Value::String(value.to_string()))
}

/// Reads what follows a line's time when it is Ceph's or Nagios' layout; `false` (nothing
/// pushed) when it is neither.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    ceph(rest, fields)
        || nagios(rest, fields)
        || super::ftp::xferlog(rest, fields)
        || super::jfrog::read(rest, fields)
        || super::oracle::listener(rest, fields)
        || super::tikv::read(rest, fields)
        || libvirt(rest, fields)
        || logread(rest, fields)
        || mysql_general(rest, fields)
        || super::dns::windows_dns_debug(rest, fields)
        || super::piped::request(rest, fields)
        || super::mariadb::audit(rest, fields)
        || super::dns::bind_query(rest, fields)
        || envoy(rest, fields)
}

/// MySQL's general query log: `\t   12 Query\tSELECT ...` after the time, the connection's
/// id, the command (the operation) and its argument (the message).
fn mysql_general(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(entry) = rest.strip_prefix('\t') else {
        return false;
    };
    let Some((head, argument)) = entry.split_once('\t') else {
        return false;
    };
    let Some((id, command)) = head.trim_start().split_once(' ') else {
        return false;
    };
    let command_word = |w: &str| w.bytes().all(|b| b.is_ascii_alphabetic());
    let commanded = !command.is_empty()
        && command.starts_with(|c: char| c.is_ascii_uppercase())
        && command.split(' ').all(command_word);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || !commanded {
        return false;
    }
    fields.push(text("thread", id));
    fields.push(text("operation", command));
    push_message(argument, fields);
    true
}

/// Envoy's default application log (Envoy, Envoy Gateway, Contour; not Istio's sidecar, which
/// sets a tab layout): `[time][12][info][main] [source/server/server.cc:123] message`, the
/// thread id, level and logger in brackets glued to the time's, then the source location.
fn envoy(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(inside) = rest.strip_prefix('[') else {
        return false;
    };
    let mut parts = inside.splitn(4, "][");
    let (Some(thread), Some(level), Some(last)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some((logger, after)) = last.split_once("] ") else {
        return false;
    };
    let numbered = !thread.is_empty() && thread.bytes().all(|b| b.is_ascii_digit());
    let named = !logger.is_empty() && logger.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let (Some(level), true, true) = (normalize_level(level), numbered, named) else {
        return false;
    };
    fields.push(text("thread", thread));
    fields.push(text("level", level));
    fields.push(text("logger", logger));
    let located = after
        .strip_prefix('[')
        .and_then(|a| a.split_once("] "))
        .filter(|(location, _)| location.contains(':') && !location.contains(' '));
    let message = match located {
        Some((location, message)) => {
            fields.push(text("source_location", location));
            message
        }
        None => after,
    };
    push_message(message, fields);
    true
}

/// OpenWrt's `logread`: `daemon.info dnsmasq[1234]: message` after a ctime, the facility and
/// severity, then a syslog tag.
fn logread(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let rest = rest.trim_start();
    let Some((first, after)) = rest.split_once(' ') else {
        return false;
    };
    let Some(level) = crate::ingest::syslog::facility_severity(first) else {
        return false;
    };
    fields.push(text("level", level));
    let message = crate::ingest::syslog::program(after, fields).unwrap_or(after);
    push_message(message, fields);
    true
}

/// libvirt's daemons: `: 1234: error : virNetSocketReadWire:1806 : message` after the time,
/// the thread, the level and the function with its line.
fn libvirt(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((thread, after)) = rest.strip_prefix(": ").and_then(|r| r.split_once(": ")) else {
        return false;
    };
    if thread.is_empty() || !thread.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some((level, after)) = after.split_once(" : ") else {
        return false;
    };
    let Some(level) = normalize_level(level).filter(|_| level.len() >= 4) else {
        return false;
    };
    fields.push(text("thread", thread));
    fields.push(text("level", level));
    let function = after
        .split_once(" : ")
        .filter(|(f, _)| !f.contains(' ') && f.contains(':'));
    let message = match function {
        Some((function, message)) => {
            fields.push(text("logger", function));
            message
        }
        None => after,
    };
    push_message(message, fields);
    true
}

/// `mon.a (mon.0) 1234 : cluster [WRN] message`.
fn ceph(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    // Turned away at the second word, cheaply: this is tried on every text line.
    let trimmed = rest.trim_start();
    let second_opens_rank = trimmed
        .find(' ')
        .is_some_and(|space| trimmed[space + 1..].starts_with('('));
    if !second_opens_rank {
        return false;
    }
    let Some([who, rank, sequence, ":", channel, level]) = first_words(rest.split_whitespace())
    else {
        return false;
    };
    let daemon = |name: &str| {
        name.split_once('.')
            .is_some_and(|(kind, id)| !kind.is_empty() && !id.is_empty())
    };
    let rank = rank.strip_prefix('(').and_then(|r| r.strip_suffix(')'));
    let level = level
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .and_then(normalize_level);
    let (Some(rank), Some(level)) = (rank, level) else {
        return false;
    };
    if !(daemon(who) && daemon(rank) && sequence.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    fields.push(text("level", level));
    fields.push(text("logger", who));
    fields.push(text("rank", rank));
    fields.push(text("channel", channel));
    push_message(rest.trim_start(), fields);
    true
}

/// The events of Nagios' (and Icinga 1's) log whose fields are separated by semicolons, with
/// where the state is among them.
const NAGIOS_EVENTS: [(&str, NagiosShape); 6] = [
    ("SERVICE ALERT: ", NagiosShape::Service),
    ("CURRENT SERVICE STATE: ", NagiosShape::Service),
    ("HOST ALERT: ", NagiosShape::Host),
    ("CURRENT HOST STATE: ", NagiosShape::Host),
    ("SERVICE NOTIFICATION: ", NagiosShape::ServiceNotification),
    ("HOST NOTIFICATION: ", NagiosShape::HostNotification),
];

#[derive(Clone, Copy)]
enum NagiosShape {
    /// `host;service;state;state type;attempt;output`
    Service,
    /// `host;state;state type;attempt;output`
    Host,
    /// `contact;host;service;state;command;output`
    ServiceNotification,
    /// `contact;host;state;command;output`
    HostNotification,
}

/// `SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;output`: the check's state is the level
/// (CRITICAL, DOWN and UNREACHABLE are errors: the check failed, the monitor did not).
fn nagios(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let message = rest.trim_start();
    let Some((body, shape)) = NAGIOS_EVENTS
        .iter()
        .find_map(|(event, shape)| Some((message.strip_prefix(event)?, *shape)))
    else {
        return false;
    };
    let parts: Vec<&str> = body.splitn(6, ';').collect();
    let (contact, host, service, state) = match (shape, parts.as_slice()) {
        (NagiosShape::Service, [host, service, state, ..]) => (None, host, Some(service), state),
        (NagiosShape::Host, [host, state, ..]) => (None, host, None, state),
        (NagiosShape::ServiceNotification, [contact, host, service, state, ..]) => {
            (Some(contact), host, Some(service), state)
        }
        (NagiosShape::HostNotification, [contact, host, state, ..]) => {
            (Some(contact), host, None, state)
        }
        _ => return false,
    };
    // A notification's state may carry its kind: `ACKNOWLEDGEMENT (CRITICAL)`.
    let state_word = state
        .rsplit_once('(')
        .map_or(*state, |(_, inner)| inner.trim_end_matches(')'));
    let level = match state_word {
        "OK" | "UP" => "INFO",
        "WARNING" | "UNKNOWN" => "WARN",
        "CRITICAL" | "DOWN" | "UNREACHABLE" => "ERROR",
        _ => return false,
    };
    fields.push(text("level", level));
    fields.push(text("host", host));
    if let Some(service) = service {
        fields.push(text("logger", service));
    }
    if let Some(contact) = contact {
        fields.push(text("contact", contact));
    }
    fields.push(text("state", state));
    if let (NagiosShape::Service | NagiosShape::Host, Some(kind)) =
        (shape, parts.get(if service.is_some() { 3 } else { 2 }))
    {
        fields.push(text("state_type", kind));
    }
    push_message(message, fields);
    true
}

/// MySQL's slow query log: what follows `# Time: <time>` (the lines of one record, joined as
/// a multi-line event). Its `Query_time` (seconds) is the duration, the user and client and
/// the other statistics go to attributes.
pub(super) fn mysql_slow_query(rest: &str, fields: &mut Vec<(String, Value)>) {
    let message = rest.trim_start();
    for line in message.lines().filter_map(|l| l.strip_prefix("# ")) {
        if let Some(account) = line.strip_prefix("User@Host: ") {
            // `app[app] @ web-1 [10.0.0.5]  Id:    42`
            let (account, id) = account.split_once("  Id:").unwrap_or((account, ""));
            if let Some((user, client)) = account.split_once(" @ ") {
                let user = user.split('[').next().unwrap_or(user).trim();
                fields.push(text("user", user));
                let client = client.trim();
                if !client.is_empty() {
                    fields.push(text("client", client));
                }
            }
            if let Ok(id) = id.trim().parse::<u64>() {
                fields.push(("connection_id".to_string(), Value::from(id)));
            }
            continue;
        }
        // `Query_time: 2.504312  Lock_time: 0.000110 Rows_sent: 1  Rows_examined: 1048576`
        let mut words = line.split_whitespace();
        while let (Some(label), Some(value)) = (words.next(), words.next()) {
            let Some(label) = label.strip_suffix(':') else {
                break;
            };
            let Ok(number) = value.parse::<f64>() else {
                break;
            };
            let (name, value) = match label {
                "Query_time" => ("duration_ms".to_string(), Value::from(number * 1e3)),
                "Lock_time" => ("lock_ms".to_string(), Value::from(number * 1e3)),
                _ => match value.parse::<u64>() {
                    Ok(count) => (label.to_ascii_lowercase(), Value::from(count)),
                    Err(_) => (label.to_ascii_lowercase(), Value::from(number)),
                },
            };
            fields.push((name, value));
        }
    }
    push_message(message, fields);
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, fields, get};
    use super::is_mysqld_banner;

    #[test]
    fn envoy_application_log() {
        check(
            "[2026-11-30 14:01:03.456][15][warning][config] \
             [source/common/config/grpc_stream.h:201] StreamAggregatedResources gRPC config \
             stream closed: 14, upstream connect error",
            &[
                ("ts", "2026-11-30T14:01:03.456"),
                ("thread", "15"),
                ("level", "WARN"),
                ("logger", "config"),
                ("source_location", "source/common/config/grpc_stream.h:201"),
                (
                    "message",
                    "StreamAggregatedResources gRPC config stream closed: 14, upstream connect \
                     error",
                ),
            ],
        );
        // A gunicorn-style `[time] [1234] [INFO] message` is not Envoy's.
        let got = fields("[2026-11-30 14:01:02 +0000] [1234] [INFO] Starting gunicorn 21.2.0");
        assert_eq!(get(&got, "pid").as_deref(), Some("1234"), "{got:?}");
    }

    #[test]
    fn ceph_cluster_log() {
        check(
            "2026-11-30T14:01:02.123456+0000 mon.a (mon.0) 1234 : cluster [WRN] Health check \
             failed: 1 osds down (OSD_DOWN)",
            &[
                ("level", "WARN"),
                ("logger", "mon.a"),
                ("rank", "mon.0"),
                ("channel", "cluster"),
                (
                    "message",
                    "mon.a (mon.0) 1234 : cluster [WRN] Health check failed: 1 osds down \
                     (OSD_DOWN)",
                ),
            ],
        );
        check(
            "2026-11-30T14:01:04.000000+0000 mgr.x (mgr.4101) 77 : cluster [DBG] pgmap v12",
            &[("level", "DEBUG"), ("logger", "mgr.x")],
        );
        // A parenthesis in second place elsewhere is the message's.
        let got = fields("2026-11-30 14:01:02 worker (pid 12) : started [ERR] later");
        assert_eq!(get(&got, "rank"), None, "{got:?}");
    }

    #[test]
    fn nagios_states_are_levels() {
        check(
            "[1796047262] SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout",
            &[
                ("level", "ERROR"),
                ("host", "web-1"),
                ("logger", "HTTP"),
                ("state", "CRITICAL"),
                ("state_type", "HARD"),
                ("ts", "1796047262.0"),
                (
                    "message",
                    "SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout",
                ),
            ],
        );
        check(
            "[1796047263] HOST ALERT: db-2;DOWN;SOFT;1;PING CRITICAL - Packet loss = 100%",
            &[("level", "ERROR"), ("host", "db-2"), ("state_type", "SOFT")],
        );
        check(
            "[1796047264] SERVICE ALERT: web-1;HTTP;OK;HARD;3;HTTP OK",
            &[("level", "INFO")],
        );
        check(
            "[1796047265] SERVICE NOTIFICATION: admin;web-1;Disk;ACKNOWLEDGEMENT (WARNING);\
             notify-service-by-email;DISK WARNING",
            &[("level", "WARN"), ("contact", "admin"), ("logger", "Disk")],
        );
        // A state Nagios does not write: the line is read as any other.
        let got = fields("[1796047266] SERVICE ALERT: web-1;HTTP;SOMETIMES;HARD;3;?");
        assert_eq!(get(&got, "state"), None, "{got:?}");
    }

    #[test]
    fn mysql_slow_query_log() {
        let record = "# Time: 2026-11-30T14:01:02.123456Z\n\
                      # User@Host: app[app] @ web-1 [10.0.0.5]  Id:    42\n\
                      # Query_time: 2.504312  Lock_time: 0.000110 Rows_sent: 1  Rows_examined: 1048576\n\
                      SET timestamp=1796047262;\n\
                      SELECT * FROM orders WHERE customer_id = 1274;";
        let got = fields(record);
        for (name, value) in [
            ("ts", "2026-11-30T14:01:02.123456+00:00"),
            ("duration_ms", "2504.312"),
            ("user", "app"),
            ("client", "web-1 [10.0.0.5]"),
            ("connection_id", "42"),
            ("rows_examined", "1048576"),
        ] {
            assert_eq!(get(&got, name).as_deref(), Some(value), "{name}: {got:?}");
        }
        let message = get(&got, "message").unwrap_or_default();
        assert!(message.starts_with("# User@Host: app[app]"), "{message}");
        assert!(message.ends_with("customer_id = 1274;"), "{message}");
        assert_eq!(get(&got, "prefix"), None, "{got:?}");
        // The banner at the top of the file, and again after each restart.
        for banner in [
            "/usr/sbin/mysqld, Version: 8.0.15-5 (Percona Server (GPL), Release '5', Revision 'f8a9e99'). started with:",
            "C:\\Program Files\\MySQL\\bin\\mysqld.exe, Version: 8.0.36 (MySQL Community Server - GPL). started with:",
            "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock",
            "Time                 Id Command    Argument",
        ] {
            assert!(is_mysqld_banner(banner.as_bytes()), "{banner}");
        }
        for statement in [
            "SELECT 1;",
            "Time Id",
            "Time is up",
            "the job started with:",
        ] {
            assert!(!is_mysqld_banner(statement.as_bytes()), "{statement}");
        }
    }

    /// NATS, Odoo, RabbitMQ and Oracle: header fields the general reader learned from them.
    #[test]
    fn daemons_header_fields() {
        check(
            "[1234] 2026/11/30 14:01:03.000000 [ERR] 10.0.0.5:50432 - cid:7 - Slow Consumer",
            &[
                ("level", "ERROR"),
                ("pid", "1234"),
                ("message", "10.0.0.5:50432 - cid:7 - Slow Consumer"),
            ],
        );
        let nats = fields("[1234] 2026/11/30 14:01:03.000000 [ERR] 10.0.0.5:50432 - cid:7");
        assert_eq!(
            get(&nats, "logger"),
            None,
            "an address is no logger: {nats:?}"
        );
        check(
            "[1] 2019/02/06 07:20:08.512128 [TRC] 172.18.0.1:38630 - cid:1 - ->> [PING]",
            &[
                ("level", "TRACE"),
                ("message", "172.18.0.1:38630 - cid:1 - ->> [PING]"),
            ],
        );
        // Redis before 3.0 keeps its mark.
        check(
            "[1234] 30 May 14:01:02.123 * ready to accept connections",
            &[
                ("level", "INFO"),
                ("message", "ready to accept connections"),
            ],
        );
        check(
            "2026-11-30 14:01:03,456 4321 ERROR shop odoo.http: Exception during request",
            &[
                ("level", "ERROR"),
                ("pid", "4321"),
                ("database", "shop"),
                ("logger", "odoo.http"),
                ("message", "Exception during request"),
            ],
        );
        let unbound = fields("2026-11-30 14:01:04,789 4321 WARNING ? odoo.service.server: late");
        assert_eq!(get(&unbound, "database"), None, "{unbound:?}");
        assert_eq!(get(&unbound, "message").as_deref(), Some("late"));
        // Prose after a pid and a level is not a database and a logger.
        let prose = fields("2026-11-30 14:01:04,789 4321 ERROR payment failed: card declined");
        assert_eq!(get(&prose, "database"), None, "{prose:?}");
        check(
            "2026-11-30 14:01:03.234567+00:00 [warning] <0.512.0> client closed TCP connection",
            &[
                ("level", "WARN"),
                ("erlang_pid", "<0.512.0>"),
                ("message", "client closed TCP connection"),
            ],
        );
        check(
            "2026-11-30T14:01:03.456789+00:00\nORA-00600: internal error code, arguments: []",
            &[("level", "ERROR")],
        );
    }

    /// Each daemon's line cut at every character (a file cut mid-line): fields or an error,
    /// never a panic.
    #[test]
    fn every_cut_of_every_daemon_line_parses_or_says_why() {
        let lines = [
            "2026-11-30T14:01:02.1+0000 mon.a (mon.0) 1234 : cluster [WRN] Health é",
            "[1796047262] SERVICE NOTIFICATION: admin;web-1;HTTP;ACKNOWLEDGEMENT (CRITICAL);x;é",
            "[1796047263] HOST ALERT: db-2;DOWN;SOFT;1;PING CRITICAL",
            "# Time: 2026-11-30T14:01:02Z\n# User@Host: app[app] @ web-1 [10.0.0.5]  Id:    42\n\
             # Query_time: 2.5  Lock_time: 0.1 Rows_sent: 1\nSELECT 'é';",
            "[1234] 2026/11/30 14:01:03.000000 [ERR] 10.0.0.5:50432 - cid:7 - é",
            "2026-11-30 14:01:03,456 4321 ERROR shop odoo.http: é",
            "2026-11-30 14:01:03.234567+00:00 [warning] <0.512.0> é",
            "2026-11-30 14:01:04.789 [ERROR][52] felix/route_table.go 888: é",
            "2026-11-30T14:01:03.456Z\tERROR\tq-5\tio.trino.X\té",
        ];
        let parser = super::super::tests::parser();
        for line in lines {
            for (cut, _) in line.char_indices() {
                let _ = parser.parse(&line[..cut]);
            }
        }
    }

    /// Solr's context bracket after its thread, Kafka Connect's `(class:line)` closing the
    /// message, and lighttpd's source (a version closing its message is no class).
    #[test]
    fn contexts_after_threads_and_classes_with_lines() {
        let solr = "2026-11-30 14:01:03.456 ERROR (qtp1234-57) [c:products s:shard1 \
                    x:products_shard1_replica_n1] o.a.s.h.RequestHandlerBase undefined field foo";
        check(
            solr,
            &[
                ("thread", "qtp1234-57"),
                (
                    "context",
                    "c:products s:shard1 x:products_shard1_replica_n1",
                ),
                ("logger", "o.a.s.h.RequestHandlerBase"),
            ],
        );
        check(
            "[2026-11-30 14:01:03,456] ERROR [jdbc-sink|task-0] Task threw an uncaught \
             exception (org.apache.kafka.connect.runtime.WorkerTask:196)",
            &[("logger", "org.apache.kafka.connect.runtime.WorkerTask")],
        );
        let lighttpd =
            fields("2026-11-30 14:01:02: (server.c.1588) server started (lighttpd/1.4.73)");
        assert_eq!(
            get(&lighttpd, "logger").as_deref(),
            Some("server.c"),
            "{lighttpd:?}"
        );
        assert_eq!(get(&lighttpd, "source_line").as_deref(), Some("1588"));
        let message = get(&lighttpd, "message");
        assert_eq!(message.as_deref(), Some("server started (lighttpd/1.4.73)"));
        // A parenthesis that is no source opens the message.
        let prose = fields("2026-11-30 14:01:02: (see below) server started");
        assert_eq!(get(&prose, "logger"), None, "{prose:?}");
    }

    /// Calico's Felix (a source file and its line) and Trino's tab-separated columns.
    #[test]
    fn source_files_and_tab_separated_columns() {
        check(
            "2026-11-30 14:01:04.789 [ERROR][52] felix/route_table.go 888: Failed to set route",
            &[
                ("level", "ERROR"),
                ("logger", "felix/route_table.go"),
                ("source_line", "888"),
                ("message", "Failed to set route"),
            ],
        );
        check(
            "2026-11-30T14:01:03.456Z\tERROR\tdispatcher-query-5\tio.trino.dispatcher.DispatchManager\tQuery 20261130_00001 failed",
            &[
                ("level", "ERROR"),
                ("thread", "dispatcher-query-5"),
                ("logger", "io.trino.dispatcher.DispatchManager"),
                ("message", "Query 20261130_00001 failed"),
            ],
        );
        // A tab-separated logger then the message (log4j's `%d\t%p\t%c\t%m`) is unchanged.
        check(
            "2026-11-30T14:01:03.456Z\tERROR\tcom.a.Checkout\tpayment failed, retrying",
            &[
                ("logger", "com.a.Checkout"),
                ("message", "payment failed, retrying"),
            ],
        );
        // A number with a colon after prose is not a source line.
        let got = fields("2026-11-30 14:01:04 ERROR retrying in 5: later");
        assert_eq!(get(&got, "source_line"), None, "{got:?}");
    }
}
