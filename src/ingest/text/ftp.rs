//! wu-ftpd's `xferlog`, also written by vsftpd and ProFTPD: one line per file transferred,
//! after a ctime time.
//!
//! ```text
//! Mon Nov 30 14:01:02 2026 1 10.0.0.1 1048576 /pub/file.iso b _ o r alice ftp 0 * c
//! ```
//!
//! The transfer's seconds, the client, the size, the file, then nine one-word fields: type,
//! special action, direction (`o`utgoing is a download, `i`ncoming an upload, `d` a delete),
//! access mode, user, service, authentication method, authenticated id and completion (`c`
//! complete, `i` incomplete). The line is kept whole as the message.

use serde_json::Value;

use super::daemons::text;
use super::push_message;

/// Reads an xferlog line's fields after its time; `false` (nothing pushed) when `rest` is not
/// one.
pub(super) fn xferlog(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let rest = rest.trim();
    // Turned away at the first and last words, cheaply: this is tried on every text line.
    let completion_last = rest.ends_with(" c") || rest.ends_with(" i");
    if !rest.starts_with(|c: char| c.is_ascii_digit()) || !completion_last {
        return false;
    }
    let words: Vec<&str> = rest.split_whitespace().collect();
    // A file name may hold spaces: it is whatever lies between the size and the last nine.
    let Some((head, tail)) = words.split_at_checked(3) else {
        return false;
    };
    let Some(tail_start) = tail.len().checked_sub(9).filter(|&n| n >= 1) else {
        return false;
    };
    let [seconds, client, size] = head else {
        return false;
    };
    let [kind, action, direction, mode, user, service, method, _, completion] = tail[tail_start..]
    else {
        return false;
    };
    let number = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    let operation = match direction {
        "o" => "download",
        "i" => "upload",
        "d" => "delete",
        _ => return false,
    };
    let fits = number(seconds)
        && number(size)
        && matches!(kind, "a" | "b")
        && action
            .bytes()
            .all(|b| matches!(b, b'C' | b'U' | b'T' | b'_'))
        && matches!(mode, "a" | "g" | "r")
        && matches!(method, "0" | "1")
        && matches!(completion, "c" | "i");
    if !fits {
        return false;
    }
    let seconds: u64 = seconds.parse().unwrap_or(0);
    fields.push(text("service", service));
    fields.push(text("operation", operation));
    fields.push(("duration_ms".to_string(), Value::from(seconds * 1000)));
    let complete = completion == "c";
    fields.push(text("outcome", if complete { "ok" } else { "error" }));
    fields.push(text("client", client));
    fields.push((
        "bytes".to_string(),
        Value::from(size.parse::<u64>().unwrap_or(0)),
    ));
    fields.push(text("file", &tail[..tail_start].join(" ")));
    fields.push(text("user", user));
    push_message(rest, fields);
    true
}

#[cfg(test)]
mod tests {
    use super::super::tests::{first_value, read_rest};
    use super::*;

    fn read(rest: &str) -> Option<Vec<(String, Value)>> {
        read_rest(xferlog, rest)
    }

    fn get<'a>(fields: &'a [(String, Value)], name: &str) -> &'a Value {
        first_value(fields, name).unwrap()
    }

    #[test]
    fn downloads_uploads_and_incomplete_transfers() {
        let down = read("1 10.0.0.1 1048576 /pub/file.iso b _ o r alice ftp 0 * c").unwrap();
        assert_eq!(get(&down, "operation"), "download");
        assert_eq!(get(&down, "duration_ms"), 1000);
        assert_eq!(get(&down, "outcome"), "ok");
        assert_eq!(get(&down, "client"), "10.0.0.1");
        assert_eq!(get(&down, "bytes"), 1048576);
        assert_eq!(get(&down, "user"), "alice");
        let up = read("3 host.example.com 2048 /in/a b.txt a _ i g anonymous ftp 0 * i").unwrap();
        assert_eq!(get(&up, "operation"), "upload");
        assert_eq!(get(&up, "file"), "/in/a b.txt", "a name with a space");
        assert_eq!(get(&up, "outcome"), "error");
    }

    #[test]
    fn other_lines_are_not_transfers() {
        for rest in [
            "1 10.0.0.1 1048576 b _ o r alice ftp 0 * c",
            "1 10.0.0.1 1048576 /f b _ x r alice ftp 0 * c",
            "1 10.0.0.1 big /f b _ o r alice ftp 0 * c",
            "12 workers started",
            "",
        ] {
            assert!(read(rest).is_none(), "{rest:?}");
        }
        // Cut anywhere, never a panic.
        let line = "1 10.0.0.1 1048576 /pub/é.iso b _ o r alice ftp 0 * c";
        for (at, _) in line.char_indices() {
            let _ = read(&line[..at]);
        }
    }
}
