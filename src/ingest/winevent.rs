//! Windows event log records as XML: `wevtutil qe <log> /f:xml` (or `/f:RenderedXml`, which
//! adds the rendered message), PowerShell's `Get-WinEvent | ForEach-Object { $_.ToXml() }`,
//! and exports wrapped in `<Events>`. Each `<Event>` element is one record, several on a
//! line numbered by `_record`; an event printed over several lines is joined (see
//! `multiline`).
//!
//! From `System`: `TimeCreated/@SystemTime` the time, `Provider/@Name` the service, `Level`
//! the level (1 critical, 2 error, 3 warning, 0 and 4 information, 5 verbose), `Computer`
//! the host, `Channel`, `EventID`, the process and record ids. The Security log's audit
//! failures (its `Keywords`) are failed outcomes. `EventData`'s named `Data` values and
//! `UserData`'s fields become fields. The message is `RenderingInfo/Message` when the export
//! rendered it; else it is made of the event id and its data, as Event Viewer shows an event
//! whose provider is not installed.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::Value;

use super::records::Fields;

/// `Keywords` bits of the Security log's audit events.
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;
const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;

/// Whether a line opens a Windows event (maybe after the `<Events>` around them).
pub(crate) fn starts_event(content: &[u8]) -> bool {
    let has = |tag: &[u8]| content.windows(tag.len()).any(|w| w == tag);
    content.trim_ascii_start().starts_with(b"<") && (has(b"<Event ") || has(b"<Event>"))
}

/// A line that is only the document's structure: the `<?xml ...?>` declaration, the
/// `<Events>` root's tags.
pub(crate) fn is_structure(content: &[u8]) -> bool {
    let line = content.trim_ascii();
    let declaration = line.starts_with(b"<?xml") && line.ends_with(b"?>");
    let root = line.starts_with(b"<Events") && line.ends_with(b">") && !starts_event(line);
    declaration || root || line == b"</Events>"
}

/// One entry per `<Event>` in `text`: its fields, or why it cannot be an event. `Err` when
/// the text holds no event at all.
pub(crate) fn windows_events(text: &str) -> Result<Vec<Result<Fields, String>>, String> {
    let mut reader = Reader::from_str(text);
    let mut events = Vec::new();
    let mut open: Option<EventXml> = None;
    // Element names from the `<Event>` down to the one being read, and its text so far
    // (entity references arrive apart from the text around them).
    let mut path: Vec<String> = Vec::new();
    let mut content = String::new();
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("Windows event XML: {e} at column {}", position + 1))?;
        let Some(event_xml) = open.as_mut() else {
            match event {
                Event::Start(start) if local_name(&start) == "Event" => {
                    open = Some(EventXml::default());
                    path.clear();
                }
                Event::Eof => break,
                _ => {}
            }
            continue;
        };
        match event {
            Event::Start(start) => {
                path.push(local_name(&start));
                event_xml.element(&path, &start);
                content.clear();
            }
            Event::Empty(start) => {
                path.push(local_name(&start));
                event_xml.element(&path, &start);
                path.pop();
            }
            Event::Text(text) => {
                content.push_str(&text.xml10_content().map_err(|e| e.to_string())?);
            }
            Event::CData(data) => content.push_str(&String::from_utf8_lossy(&data)),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => content.push(c),
                _ => {
                    let name = String::from_utf8_lossy(&reference).into_owned();
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(resolved) => content.push_str(resolved),
                        None => content.push_str(&format!("&{name};")),
                    }
                }
            },
            Event::End(_) if path.is_empty() => {
                if let Some(event_xml) = open.take() {
                    events.push(event_xml.into_fields());
                }
            }
            Event::End(_) => {
                let text = content.trim();
                if !text.is_empty() {
                    event_xml.text(&path, text);
                }
                content.clear();
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if open.is_some() {
        events.push(Err(
            "Windows event XML: an <Event> that never closes (cut)".into()
        ));
    }
    if events.is_empty() {
        return Err("Windows event XML: no <Event> element".into());
    }
    Ok(events)
}

fn local_name(start: &BytesStart) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

/// What one `<Event>` says, as it is read.
#[derive(Default)]
struct EventXml {
    time: Option<String>,
    provider: Option<String>,
    level: Option<String>,
    event_id: Option<String>,
    keywords: Option<String>,
    rendered_message: Option<String>,
    /// `System`'s other values, then `EventData`'s and `UserData`'s, in order.
    fields: Fields,
    /// The `Name` of the `Data` element being read (`EventData`).
    data_name: Option<String>,
    data_values: Vec<String>,
}

impl EventXml {
    /// An element opens (`path` ends with its name): its attributes.
    fn element(&mut self, path: &[String], start: &BytesStart) {
        let attribute = |name: &[u8]| {
            start
                .attributes()
                .flatten()
                .find(|a| a.key.local_name().as_ref() == name)
                .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        };
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["System", "TimeCreated"] => self.time = attribute(b"SystemTime"),
            ["System", "Provider"] => {
                self.provider = attribute(b"Name").or_else(|| attribute(b"EventSourceName"))
            }
            ["System", "Execution"] => {
                for (name, key) in [(&b"ProcessID"[..], "pid"), (b"ThreadID", "thread_id")] {
                    if let Some(value) = attribute(name) {
                        self.push(key, value);
                    }
                }
            }
            ["System", "Security"] => {
                if let Some(user) = attribute(b"UserID") {
                    self.push("user_sid", user);
                }
            }
            ["System", "Correlation"] => {
                if let Some(activity) = attribute(b"ActivityID") {
                    self.push("activity_id", activity);
                }
            }
            ["EventData", "Data"] => self.data_name = attribute(b"Name"),
            _ => {}
        }
    }

    /// Text inside the element `path` ends with.
    fn text(&mut self, path: &[String], text: &str) {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["System", "EventID"] => self.event_id = Some(text.to_string()),
            ["System", "Level"] => self.level = Some(text.to_string()),
            ["System", "Keywords"] => self.keywords = Some(text.to_string()),
            ["System", "Channel"] => self.push("channel", text.to_string()),
            ["System", "Computer"] => self.push("host", text.to_string()),
            ["System", "EventRecordID"] => self.push("record_id", text.to_string()),
            ["System", "Task"] => self.push("task_id", text.to_string()),
            ["EventData", "Data"] => {
                let name = self.data_name.clone();
                let name = name.unwrap_or_else(|| format!("data_{}", self.data_values.len() + 1));
                self.data_values.push(text.to_string());
                self.push(&name, text.to_string());
            }
            ["UserData", _, field, ..] => {
                self.data_values.push(text.to_string());
                self.push(field, text.to_string());
            }
            ["RenderingInfo", "Message"] => self.rendered_message = Some(text.to_string()),
            ["RenderingInfo", "Task"] => self.push("task", text.to_string()),
            ["RenderingInfo", "Keywords", "Keyword"] => self.push("keyword", text.to_string()),
            _ => {}
        }
    }

    fn push(&mut self, key: &str, value: String) {
        self.fields.push((key.to_string(), Value::String(value)));
    }

    fn into_fields(self) -> Result<Fields, String> {
        let Some(time) = self.time else {
            return Err("Windows event XML: no System/TimeCreated SystemTime".into());
        };
        let mut fields = self.fields;
        fields.push(("ts".into(), Value::String(time)));
        let keywords = self
            .keywords
            .as_deref()
            .and_then(|k| u64::from_str_radix(k.trim().trim_start_matches("0x"), 16).ok())
            .unwrap_or(0);
        let audit_failed = keywords & AUDIT_FAILURE != 0;
        let level = match self.level.as_deref().map(str::trim) {
            Some("1") => "CRITICAL",
            Some("2") => "ERROR",
            Some("3") => "WARN",
            Some("5") => "DEBUG",
            _ if audit_failed => "WARN",
            _ => "INFO",
        };
        fields.push(("level".into(), Value::String(level.into())));
        if audit_failed || keywords & AUDIT_SUCCESS != 0 {
            let outcome = if audit_failed { "failure" } else { "success" };
            fields.push(("outcome".into(), Value::String(outcome.into())));
        }
        if let Some(provider) = &self.provider {
            fields.push(("service".into(), Value::String(provider.clone())));
        }
        let event_id = self.event_id;
        if let Some(id) = &event_id {
            fields.push(("event_id".into(), Value::String(id.clone())));
        }
        let message = self.rendered_message.unwrap_or_else(|| {
            let id = event_id.as_deref().unwrap_or("?");
            match self.data_values.is_empty() {
                true => format!("Event {id}"),
                false => format!("Event {id}: {}", self.data_values.join(", ")),
            }
        });
        fields.push(("message".into(), Value::String(message)));
        Ok(fields)
    }
}

#[cfg(test)]
mod tests;
