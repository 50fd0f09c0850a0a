//! IBM MQ's error logs (`AMQERR01.LOG`): a record per message, its header's pairs on the
//! first lines, the message with its explanation and action below, a dashed line naming the
//! source closing it:
//!
//! ```text
//! 28/10/2018 15:12:08 - Process(7360.1) User(MUSR_MQADMIN) Program(amqzxma0.exe)
//!                       Host(FELIX-ELASTIC) Installation(Installation1)
//!                       VRMF(9.1.0.0) QMgr(QM1)
//!                       Time(2018-10-28T14:12:08.665Z)
//!
//! AMQ6184W: An internal IBM MQ error has occurred on queue manager QM1.
//!
//! EXPLANATION:
//! ...
//! ACTION:
//! ...
//! ----- amqxfdcp.c : 874 --------------------------------------------------------
//! ```
//!
//! The message id's last letter is its severity (I, W, E, S); `Time(...)`, where MQ 9 writes
//! it, is the time in UTC with milliseconds (the first line's is local, to the second). The
//! explanation and the action (as `remedy`) stay in `attributes`.

use serde_json::Value;

use super::push_logger;

/// Reads a record whose header follows the time (`Process(...) User(...) ...`); `false`
/// (nothing pushed) when `message` is no MQ record.
pub(super) fn read(message: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((header, _)) = message.split_once("\nAMQ") else {
        return false;
    };
    let body = &message[header.len() + 1..];
    let Some((id, first_line)) = body.split_once(": ") else {
        return false;
    };
    let level = match id.len() == 8 && id[3..7].bytes().all(|b| b.is_ascii_digit()) {
        true => match id.as_bytes()[7] {
            b'I' => "INFO",
            b'W' => "WARN",
            b'E' => "ERROR",
            b'S' | b'T' => "FATAL",
            _ => return false,
        },
        false => return false,
    };
    let mut pairs = Vec::new();
    for pair in header.split_whitespace() {
        let Some((name, value)) = pair.strip_suffix(')').and_then(|p| p.split_once('(')) else {
            // A value with spaces (`CommentInsert1(Windows 10 ...)`) is the text's, not a pair.
            continue;
        };
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            pairs.push((name, value));
        }
    }
    if !pairs.iter().any(|(name, _)| *name == "Process") {
        return false;
    }
    fields.retain(|(name, _)| name != "level");
    fields.push(("level".to_string(), Value::String(level.to_string())));
    fields.push(("error_code".to_string(), Value::String(id.to_string())));
    for (name, value) in pairs {
        let text = Value::String(value.to_string());
        match name {
            "Time" => {
                for (field, old) in fields.iter_mut() {
                    if field == "ts" {
                        *old = text.clone();
                    }
                }
            }
            "Process" => {
                let (pid, thread) = value.split_once('.').unwrap_or((value, ""));
                if let Ok(pid) = pid.parse::<u64>() {
                    fields.push(("pid".to_string(), Value::from(pid)));
                }
                if !thread.is_empty() {
                    fields.push(("thread".to_string(), Value::String(thread.to_string())));
                }
            }
            "Program" => push_logger(fields, value, None),
            "User" => fields.push(("user".to_string(), text)),
            "Host" => fields.push(("host".to_string(), text)),
            "QMgr" => fields.push(("queue_manager".to_string(), text)),
            _ => fields.push((name.to_lowercase(), text)),
        }
    }
    // The message runs to its blank line, wrapped at 80 columns; the explanation and the
    // action below it stay in the text's attributes.
    let paragraph_end = body.find("\n\n").unwrap_or(body.len());
    let said = body[..paragraph_end].replace('\n', " ");
    let said = said.split_once(": ").map_or(first_line, |(_, said)| said);
    let said = said.to_string();
    // `remedy`, not `action`, which names the operation in other records.
    for (label, name) in [("EXPLANATION:\n", "explanation"), ("ACTION:\n", "remedy")] {
        if let Some(text) = section(body, label) {
            fields.push((name.to_string(), Value::String(text)));
        }
    }
    if let Some(source) = body
        .rsplit_once("\n----- ")
        .and_then(|(_, tail)| tail.split(" --").next())
    {
        fields.push((
            "source".to_string(),
            Value::String(source.trim().to_string()),
        ));
    }
    fields.push(("message".to_string(), Value::String(said)));
    true
}

/// The text under a section's label (`EXPLANATION:`), up to the next label or the closing
/// dashes, its lines joined.
fn section(body: &str, label: &str) -> Option<String> {
    let start = body.find(label)? + label.len();
    let text = &body[start..];
    let end = ["\nACTION:\n", "\n----- "]
        .iter()
        .filter_map(|next| text.find(next))
        .min()
        .unwrap_or(text.len());
    let joined: Vec<&str> = text[..end].lines().map(str::trim).collect();
    Some(joined.join(" ").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::super::tests::fields;

    const RECORD: &str =
        "28/10/2018 15:12:08 - Process(7360.1) User(MUSR_MQADMIN) Program(amqzxma0.exe)
                      Host(FELIX-ELASTIC) Installation(Installation1)
                      VRMF(9.1.0.0) QMgr(QM1)
                      Time(2018-10-28T14:12:08.665Z)
                      CommentInsert1(Windows 10 Professional x64 Edition)
                     
AMQ6776E: Queue manager recovery log not correctly configured for advanced
format disk.

EXPLANATION:
The queue manager recovery log is located on an advanced format disk.
ACTION:
Investigate migrating the queue manager recovery log.
----- amqxfdcp.c : 832 --------------------------------------------------------";

    #[test]
    fn a_record_with_its_header_message_and_sections() {
        let f = fields(RECORD);
        let get = |key: &str| super::super::tests::get(&f, key);
        assert_eq!(get("level").as_deref(), Some("ERROR"));
        assert_eq!(get("error_code").as_deref(), Some("AMQ6776E"));
        assert_eq!(get("pid").as_deref(), Some("7360"));
        assert_eq!(get("logger").as_deref(), Some("amqzxma0.exe"));
        assert_eq!(get("queue_manager").as_deref(), Some("QM1"));
        assert_eq!(get("ts").as_deref(), Some("2018-10-28T14:12:08.665Z"));
        assert_eq!(
            get("message").as_deref(),
            Some("Queue manager recovery log not correctly configured for advanced format disk.")
        );
        assert_eq!(
            get("remedy").as_deref(),
            Some("Investigate migrating the queue manager recovery log.")
        );
        assert_eq!(get("source").as_deref(), Some("amqxfdcp.c : 832"));
        // Without the message id's line it is no MQ record.
        let f = fields("28/10/2018 15:12:08 - Process(7360.1) started");
        assert!(super::super::tests::get(&f, "error_code").is_none());
    }
}
