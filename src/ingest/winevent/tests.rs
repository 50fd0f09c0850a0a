use super::*;

const SYSTEM: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager' Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}'/><EventID Qualifiers='49152'>7031</EventID><Level>2</Level><Keywords>0x8080000000000000</Keywords><TimeCreated SystemTime='2026-11-30T14:01:02.1234567Z'/><EventRecordID>12345</EventRecordID><Execution ProcessID='1234' ThreadID='5678'/><Channel>System</Channel><Computer>WEB-01</Computer><Security/></System><EventData><Data Name='param1'>Print &amp; Spooler</Data><Data Name='param2'>1</Data></EventData></Event>";

const AUDIT: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4625</EventID><Level>0</Level><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2026-11-30T14:01:03.5Z'/><Channel>Security</Channel><Computer>DC-01</Computer></System><EventData><Data Name='TargetUserName'>alice</Data></EventData><RenderingInfo Culture='en-US'><Message>An account failed to log on.&#13;\n\nSubject: alice</Message><Level>Information</Level><Task>Logon</Task><Keywords><Keyword>Audit Failure</Keyword></Keywords></RenderingInfo></Event>";

fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a str> {
    fields.iter().rev().find(|(k, _)| k == key)?.1.as_str()
}

fn only(text: &str) -> Fields {
    let mut events = windows_events(text).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0).unwrap()
}

#[test]
fn system_values_and_named_data() {
    let fields = only(SYSTEM);
    assert_eq!(get(&fields, "ts"), Some("2026-11-30T14:01:02.1234567Z"));
    assert_eq!(get(&fields, "level"), Some("ERROR"));
    assert_eq!(get(&fields, "service"), Some("Service Control Manager"));
    assert_eq!(get(&fields, "host"), Some("WEB-01"));
    assert_eq!(get(&fields, "channel"), Some("System"));
    assert_eq!(get(&fields, "event_id"), Some("7031"));
    assert_eq!(get(&fields, "pid"), Some("1234"));
    assert_eq!(get(&fields, "param1"), Some("Print & Spooler"));
    assert_eq!(
        get(&fields, "message"),
        Some("Event 7031: Print & Spooler, 1")
    );
    assert_eq!(get(&fields, "outcome"), None);
}

#[test]
fn a_rendered_message_and_an_audit_failure() {
    let fields = only(AUDIT);
    assert_eq!(
        get(&fields, "message"),
        Some("An account failed to log on.\r\n\nSubject: alice")
    );
    // Level 0 ("LogAlways") with the Audit Failure keyword.
    assert_eq!(get(&fields, "level"), Some("WARN"));
    assert_eq!(get(&fields, "outcome"), Some("failure"));
    assert_eq!(get(&fields, "task"), Some("Logon"));
    assert_eq!(get(&fields, "keyword"), Some("Audit Failure"));
}

#[test]
fn several_events_on_a_line_inside_events() {
    let text = format!("<?xml version='1.0'?><Events>{SYSTEM}{AUDIT}</Events>");
    let events = windows_events(&text).unwrap();
    let ids: Vec<_> = events
        .iter()
        .map(|e| get(e.as_ref().unwrap(), "event_id").unwrap().to_string())
        .collect();
    assert_eq!(ids, ["7031", "4625"]);
}

#[test]
fn user_data_and_unnamed_data_and_levels() {
    let text = "<Event><System><Provider Name='Microsoft-Windows-Eventlog'/><EventID>1102</EventID><Level>4</Level><TimeCreated SystemTime='2026-11-30T14:01:04Z'/></System><UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>";
    let fields = only(text);
    assert_eq!(get(&fields, "SubjectUserName"), Some("bob"));
    assert_eq!(get(&fields, "level"), Some("INFO"));
    assert_eq!(get(&fields, "message"), Some("Event 1102: bob"));
    for (level, word) in [("1", "CRITICAL"), ("3", "WARN"), ("5", "DEBUG")] {
        let text = format!("<Event><System><EventID>1</EventID><Level>{level}</Level><TimeCreated SystemTime='2026-11-30T14:01:04Z'/></System><EventData><Data>x</Data></EventData></Event>");
        let fields = only(&text);
        assert_eq!(get(&fields, "level"), Some(word));
        assert_eq!(get(&fields, "data_1"), Some("x"));
    }
}

#[test]
fn hostile_events_say_what_is_wrong() {
    // Cut in the middle: the event never closes.
    let cut = &SYSTEM[..SYSTEM.find("<EventData>").unwrap()];
    let events = windows_events(cut).unwrap();
    assert!(
        events[0].as_ref().unwrap_err().contains("never closes"),
        "{events:?}"
    );
    // No time.
    let events = windows_events("<Event><System><EventID>1</EventID></System></Event>").unwrap();
    assert!(events[0].as_ref().unwrap_err().contains("TimeCreated"));
    // Not XML, or no event in it.
    let why = windows_events("<Event><System></Event>").unwrap_err();
    assert!(why.starts_with("Windows event XML: "), "{why}");
    assert!(windows_events("<Events></Events>")
        .unwrap_err()
        .contains("no <Event>"));
    // Every cut of a line reads or says why, never panics.
    for end in 0..AUDIT.len() {
        if AUDIT.is_char_boundary(end) {
            let _ = windows_events(&AUDIT[..end]);
        }
    }
}

#[test]
fn event_starts_and_structure_lines() {
    assert!(starts_event(SYSTEM.as_bytes()));
    assert!(starts_event(b"<Events><Event xmlns='x'>"));
    assert!(!starts_event(b"  <EventID>7031</EventID>"));
    assert!(!starts_event(b"  <EventData>"));
    assert!(is_structure(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(is_structure(b"<Events>"));
    assert!(is_structure(b" </Events>\r"));
    assert!(!is_structure(b"<Events><Event>"));
}
