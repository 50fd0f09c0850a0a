//! JFrog's services (Artifactory 7, Xray, Distribution, Access): five brackets between the
//! time and the message.
//!
//! ```text
//! 2026-11-30T14:01:02.123Z [jfrt ] [INFO ] [abc123def456] [o.a.s.ArtifactoryApplication:123] [main    ] - Artifactory started
//! ```
//!
//! The service's short name, the level, the trace id, the class and line, the thread. The
//! general reader would take the first bracket for a thread and number the others.

use serde_json::Value;

use super::daemons::text;
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

/// Reads the five brackets and the message; `false` (nothing pushed) for any other layout.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((inside, message)) = five_brackets(rest) else {
        return false;
    };
    let [service, level, trace, location, thread] = inside;
    let Some(level) = normalize_level(level) else {
        return false;
    };
    let named = |name: &str| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let class = location.split(':').next().unwrap_or("");
    if !named(service) || !class.contains('.') || class.contains(' ') {
        return false;
    }
    fields.push(text("service", service));
    fields.push(text("level", level));
    if !trace.is_empty() {
        fields.push(text("trace_id", trace));
    }
    push_logger(fields, location, None);
    fields.push(text("thread", thread));
    push_message(message, fields);
    true
}

/// The five bracketed fields (trimmed) and the message after ` - `.
fn five_brackets(rest: &str) -> Option<([&str; 5], &str)> {
    let mut at = rest.trim_start();
    // Turned away at the first bracket, cheaply: this is tried on every text line.
    let first_close = at.strip_prefix('[')?.find(']')?;
    if first_close > 16 || !at[first_close + 2..].starts_with(" [") {
        return None;
    }
    let mut inside = [""; 5];
    for slot in &mut inside {
        let open = at.trim_start_matches(' ').strip_prefix('[')?;
        let close = open.find(']')?;
        *slot = open[..close].trim();
        at = &open[close + 1..];
    }
    Some((inside, at.strip_prefix(" - ")?))
}

#[cfg(test)]
mod tests {
    use super::super::tests::read_rest;
    use super::*;

    fn read_fields(rest: &str) -> Option<Vec<(String, Value)>> {
        read_rest(read, rest)
    }

    #[test]
    fn artifactory_service_log() {
        let fields = read_fields(
            " [jfrt ] [ERROR] [def456abc123] [o.a.r.RepoServiceImpl:456] [http-nio-8081-exec-1] - Could not download",
        )
        .unwrap();
        let get = |name: &str| &fields.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(get("service"), "jfrt");
        assert_eq!(get("level"), "ERROR");
        assert_eq!(get("trace_id"), "def456abc123");
        assert_eq!(get("logger"), "o.a.r.RepoServiceImpl:456");
        assert_eq!(get("thread"), "http-nio-8081-exec-1");
        assert_eq!(get("message"), "Could not download");
    }

    #[test]
    fn other_bracketed_layouts_are_left_alone() {
        for rest in [
            " [main] INFO c.a.Checkout - payment failed",
            " [jfrt ] [INFO ] [abc] [o.a.X:1] - four brackets",
            " [jfrt ] [SOMETIMES] [abc] [o.a.X:1] [main] - not a level",
            " [Jfrt ] [INFO ] [abc] [noclass] [main] - no class",
            " [jfrt ] [INFO ] [abc] [o.a.X:1] [main] no dash",
        ] {
            assert!(read_fields(rest).is_none(), "{rest:?}");
        }
        let line = " [jfrt ] [INFO ] [é] [o.a.X:1] [main] - m";
        for (at, _) in line.char_indices() {
            let _ = read_fields(&line[..at]);
        }
    }
}
