//! Debian's and Ubuntu's package manager logs, one record per apt run over several lines:
//!
//! ```text
//! Start-Date: 2026-11-30  14:01:02
//! Commandline: apt-get install -y nginx
//! Requested-By: admin (1000)
//! Install: nginx:amd64 (1.24.0-1)
//! Error: Sub-process /usr/bin/dpkg returned an error code (1)
//! End-Date: 2026-11-30  14:01:10
//! ```
//!
//! (`/var/log/apt/history.log`; `term.log` opens with `Log started:` and closes with `Log
//! ended:`, dpkg's output between.) The record's lines are the message; the command
//! (program and subcommand) is the operation, the requesting user kept, an `Error:` line fails
//! the run, and the time from start to end is its duration.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::daemons::text;
use super::{timestamp_at, Stamp};

/// The label before a record's start time, if `before` is one.
pub(super) fn is_record_start(before: &str) -> bool {
    matches!(before, "Start-Date:" | "Log started:")
}

/// Whether `before` labels a record's end time (a line that continues the record).
pub(crate) fn is_record_end(before: &str) -> bool {
    matches!(before, "End-Date:" | "Log ended:")
}

/// Reads the record after its start time (`rest`: the start line's remainder, then the
/// record's other lines); `started` is the start time when it has a date.
pub(super) fn record(
    rest: &str,
    started: Option<NaiveDateTime>,
    fields: &mut Vec<(String, Value)>,
) {
    let message = rest
        .trim_start_matches([' ', '\t'])
        .trim_start_matches('\n');
    let mut failed = false;
    for line in message.lines() {
        let Some((label, value)) = line.split_once(": ") else {
            continue;
        };
        match label {
            "Commandline" => {
                // `apt-get install -y nginx` -> `apt-get install`: the options and packages
                // vary with every run.
                let mut words = value.split_whitespace().filter(|w| !w.starts_with('-'));
                let operation: Vec<&str> = words.by_ref().take(2).collect();
                if !operation.is_empty() {
                    fields.push(text("operation", &operation.join(" ")));
                }
                fields.push(text("command", value));
            }
            "Requested-By" => {
                let user = value.split(" (").next().unwrap_or(value);
                fields.push(text("user", user));
            }
            "Error" => failed = true,
            "End-Date" | "Log ended" => {
                let ended = timestamp_at(value.trim()).and_then(|(stamp, _)| match stamp {
                    Stamp::Naive { time, .. } => Some(time),
                    _ => None,
                });
                if let (Some(start), Some(end)) = (started, ended) {
                    let ms = (end - start).num_milliseconds();
                    if ms >= 0 {
                        fields.push(("duration_ms".to_string(), Value::from(ms as f64)));
                    }
                }
            }
            _ => {}
        }
    }
    if failed {
        fields.push(text("level", "ERROR"));
    }
    fields.push(text("message", message.trim_end()));
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fields, get};

    #[test]
    fn history_records_give_command_user_outcome_and_duration() {
        let record = "Start-Date: 2026-11-30  14:01:02\nCommandline: apt-get install -y nginx\n\
                      Requested-By: admin (1000)\nInstall: nginx:amd64 (1.24.0-1)\n\
                      End-Date: 2026-11-30  14:01:10";
        let got = fields(record);
        assert_eq!(get(&got, "ts").as_deref(), Some("2026-11-30T14:01:02"));
        assert_eq!(get(&got, "operation").as_deref(), Some("apt-get install"));
        assert_eq!(get(&got, "user").as_deref(), Some("admin"));
        assert_eq!(get(&got, "duration_ms").as_deref(), Some("8000.0"));
        assert_eq!(get(&got, "level"), None);
        let message = get(&got, "message").unwrap();
        assert!(message.starts_with("Commandline: apt-get"), "{message}");
        assert!(
            message.ends_with("End-Date: 2026-11-30  14:01:10"),
            "{message}"
        );

        let failed = "Start-Date: 2026-11-30  15:00:00\nCommandline: apt-get upgrade\n\
                      Error: Sub-process /usr/bin/dpkg returned an error code (1)\n\
                      End-Date: 2026-11-30  14:00:00";
        let got = fields(failed);
        assert_eq!(get(&got, "level").as_deref(), Some("ERROR"));
        assert_eq!(get(&got, "operation").as_deref(), Some("apt-get upgrade"));
        assert_eq!(get(&got, "duration_ms"), None, "an end before the start");
        // A run cut off before its end: no duration.
        let open = fields("Start-Date: 2026-11-30  15:00:00\nCommandline: apt upgrade");
        assert_eq!(get(&open, "duration_ms"), None);
        // The end line continues its record; the start line opens one.
        let starts = |line: &str| crate::ingest::text::starts_text_event(line.as_bytes());
        assert!(!starts("End-Date: 2026-11-30  14:01:10"));
        assert!(!starts("Log ended: 2026-11-30  14:01:10"));
        assert!(starts("Start-Date: 2026-11-30  14:01:02"));
        let term = fields("Log started: 2026-11-30  14:01:02\nSetting up nginx (1.24.0-1) ...");
        assert_eq!(
            get(&term, "message").as_deref(),
            Some("Setting up nginx (1.24.0-1) ...")
        );
    }
}
