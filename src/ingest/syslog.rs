//! Syslog lines: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and RFC 3164 as
//! daemons and rsyslog write it (`<PRI>` optional, `MMM d HH:mm:ss` or an ISO time, then
//! `host tag[pid]: message`). The PRI's severity becomes the level, the app or tag the
//! service; structured data goes to `attributes.sd` as `{id: {param: value}}`.

use serde_json::{Map, Value};

use super::text::{
    header_level, push_message, split_pid, syslog_severity, timestamp_at, TextParser,
};
use super::values::normalize_level;

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// MikroTik's RouterOS names topics where a tag would be: `system,error,critical login
/// failure ...`. The topics, the level the first level topic names, and the message.
fn routeros_topics(tagged: &str) -> Option<(&str, &'static str, &str)> {
    let (topics, message) = tagged.split_once(' ')?;
    let words = || topics.split(',');
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    if !topics.contains(',') || !words().all(word) {
        return None;
    }
    let level = words().find_map(|w| match w {
        "debug" | "info" | "warning" | "error" | "critical" => normalize_level(w),
        _ => None,
    })?;
    Some((topics, level, message))
}

/// `daemon.info`, `kern.warn`: a facility and a severity by name, as BusyBox's and OpenWrt's
/// `logread` and syslog-ng's `$FACILITY.$LEVEL` templates write them; the severity's level.
pub(crate) fn facility_severity(token: &str) -> Option<&'static str> {
    let (facility, severity) = token.split_once('.')?;
    if !FACILITIES.contains(&facility) {
        return None;
    }
    Some(match severity {
        "emerg" | "panic" | "alert" | "crit" => "FATAL",
        "err" | "error" => "ERROR",
        "warn" | "warning" => "WARN",
        "notice" | "info" => "INFO",
        "debug" => "DEBUG",
        _ => return None,
    })
}

/// `tag[pid]: message` (a program's tag as syslog writes it) after a `facility.severity`
/// that a text line's time came before (OpenWrt's `logread`): pushes the program and returns
/// the message.
pub(crate) fn program<'a>(text: &'a str, fields: &mut Vec<(String, Value)>) -> Option<&'a str> {
    let tag = read_tag(text)?;
    tag.push(fields);
    Some(tag.message)
}

/// `<PRI>` at the start: the priority and the rest of the line.
fn priority(text: &str) -> Result<(Option<u8>, &str), String> {
    let Some(rest) = text.strip_prefix('<') else {
        return Ok((None, text));
    };
    let close = rest
        .find('>')
        .filter(|&i| (1..=3).contains(&i))
        .ok_or("syslog PRI: `<` without a closing `>` after 1 to 3 digits")?;
    let pri: u8 = rest[..close]
        .parse()
        .ok()
        .filter(|p| *p <= 191)
        .ok_or_else(|| {
            format!(
                "syslog PRI {:?} is not a number from 0 to 191",
                &rest[..close]
            )
        })?;
    Ok((Some(pri), &rest[close + 1..]))
}

/// Syslog over TCP frames each message with its length (RFC 6587's octet counting:
/// `83 <40>1 2026-...`), and so do Heroku's log drains; a file of such frames reads like
/// plain syslog once the count is dropped.
fn without_octet_count(text: &str) -> &str {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    match text[digits..].strip_prefix(' ') {
        Some(rest) if (1..=7).contains(&digits) && rest.starts_with('<') => rest,
        _ => text,
    }
}

/// The fields of a syslog line.
pub(crate) fn parse_syslog(text: &str, times: &TextParser) -> Result<Vec<(String, Value)>, String> {
    let text = relayed::with_relayed_lines(text);
    let (pri, rest) = priority(without_octet_count(&text))?;
    let mut fields = super::records::field_list(10);
    if let Some(pri) = pri {
        if let Some(level) = syslog_severity(pri) {
            fields.push(("level".to_string(), Value::String(level.to_string())));
        }
        let facility = FACILITIES[usize::from(pri >> 3)];
        fields.push(("facility".to_string(), Value::String(facility.to_string())));
    }
    if let Some(after_version) = rest.strip_prefix("1 ") {
        rfc5424(after_version, times, &mut fields)?;
    } else {
        rfc3164(rest, times, pri.is_some(), &mut fields)?;
    }
    Ok(fields)
}

/// Splits off the next space-separated token.
fn token(text: &str) -> (&str, &str) {
    match text.find(' ') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    }
}

fn rfc5424(
    text: &str,
    times: &TextParser,
    fields: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    let (timestamp, rest) = token(text);
    let (host, rest) = token(rest);
    let (app, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (msgid, rest) = token(rest);
    if timestamp == "-" {
        return Err("syslog (RFC 5424): no timestamp (`-`)".to_string());
    }
    // Cisco Meraki writes `<134>1 1764511262.123456789 MX84 flows src=10.0.0.5 ...`: the
    // version, but after the host and the category straight the message's pairs.
    if procid.contains('=') {
        fields.push(("ts".to_string(), Value::String(timestamp.to_string())));
        fields.push(("host".to_string(), Value::String(host.to_string())));
        fields.push(("service".to_string(), Value::String(app.to_string())));
        // `procid` is a slice of `text`: where it starts.
        let message_at = procid.as_ptr() as usize - text.as_ptr() as usize;
        push_message(&text[message_at..], fields);
        return Ok(());
    }
    if msgid.is_empty() {
        return Err("syslog (RFC 5424): fewer than the six header fields".to_string());
    }
    fields.push(("ts".to_string(), Value::String(timestamp.to_string())));
    for (name, value) in [
        ("host", host),
        ("service", app),
        ("pid", procid),
        ("msgid", msgid),
    ] {
        if value != "-" {
            let value = match value.parse::<u64>() {
                Ok(n) if name == "pid" => Value::from(n),
                _ => Value::String(value.to_string()),
            };
            fields.push((name.to_string(), value));
        }
    }
    let (sd, message) = structured_data(rest)?;
    if !sd.is_empty() {
        fields.push(("sd".to_string(), Value::Object(sd)));
    }
    // A UTF-8 BOM may open the message (RFC 5424 section 6.4).
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    relayed::push_relayed(message, times, fields);
    Ok(())
}

/// `-` or one or more `[id param="value" ...]` elements, then the message.
fn structured_data(text: &str) -> Result<(Map<String, Value>, &str), String> {
    let mut elements = Map::new();
    if let Some(rest) = text.strip_prefix('-') {
        return Ok((elements, rest.strip_prefix(' ').unwrap_or(rest)));
    }
    let mut rest = text;
    while let Some(body) = rest.strip_prefix('[') {
        let (id, mut params_text) = match body.find([' ', ']']) {
            Some(i) => (&body[..i], &body[i..]),
            None => return Err("syslog structured data: `[` never closed".to_string()),
        };
        let mut params = Map::new();
        loop {
            params_text = params_text.trim_start_matches(' ');
            if let Some(after) = params_text.strip_prefix(']') {
                rest = after;
                break;
            }
            let eq = params_text.find("=\"").ok_or_else(|| {
                format!("syslog structured data `{id}`: a parameter without =\"value\"")
            })?;
            let name = &params_text[..eq];
            let (value, after) = quoted_value(&params_text[eq + 2..]).ok_or_else(|| {
                format!("syslog structured data `{id}`: value of `{name}` never closed")
            })?;
            params.insert(name.to_string(), Value::String(value));
            params_text = after;
        }
        elements.insert(id.to_string(), Value::Object(params));
    }
    Ok((elements, rest.strip_prefix(' ').unwrap_or(rest)))
}

/// A structured-data value up to its closing quote (`\"`, `\\` and `\]` escaped).
fn quoted_value(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, next) = chars.next()?;
                if !matches!(next, '"' | '\\' | ']') {
                    value.push('\\');
                }
                value.push(next);
            }
            '"' => return Some((value, &text[i + 1..])),
            c => value.push(c),
        }
    }
    None
}

/// Whether a line starts a syslog event: a `<PRI>`, an RFC 6587 octet count before one, or a
/// timestamp as text lines start with; other lines (indented) continue the event before.
/// A line relaying a stack trace's line (see `relayed`) continues the event before it too.
pub(crate) fn starts_syslog_event(line: &[u8]) -> bool {
    is_headed(line) && !relayed::continues_relayed_trace(line)
}

/// Whether a relayed line's message is a line of a stack trace (a frame, `Caused by:`, an
/// exception's line, `Traceback (most recent call last):`), which continues the event before.
pub(crate) fn is_trace_message(message: &[u8]) -> bool {
    relayed::is_trace_line(message)
}

/// A syslog line's message (what follows its tag), where a relayed traceback's lines are
/// read; a line without one as it is.
pub(crate) fn relayed_message(line: &[u8]) -> &[u8] {
    relayed::message_of(line).unwrap_or(line)
}

/// Whether a line opens with a syslog header's first part: a `<PRI>`, an octet count before
/// one, or a time.
pub(crate) fn is_headed(line: &[u8]) -> bool {
    let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
    let framed = digits > 0 && line[digits..].starts_with(b" <");
    line.starts_with(b"<") || framed || super::text::starts_text_event(line)
}

/// Without a PRI only what syslog daemons write counts: `MMM d HH:mm:ss` or an RFC 3339 time,
/// a host that is not a level word, and a `tag:`; other lines are left to the text layouts.
fn rfc3164(
    text: &str,
    times: &TextParser,
    has_pri: bool,
    fields: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    if let Some(message) = cisco_direct(text, times, has_pri, fields) {
        push_message(message, fields);
        return Ok(());
    }
    let (stamp, len) =
        timestamp_at(text).ok_or("syslog: no `MMM d HH:mm:ss` or ISO timestamp after the PRI")?;
    // RFC 3339, or ISO 8601 with a `+0000` or `+00` zone (`journalctl -o short-iso`).
    // A month's name opens syslog's time; a weekday's is ctime's, an application's.
    let syslog_time = super::timestamps::month(text.get(..3).unwrap_or("")).is_some()
        || chrono::DateTime::parse_from_rfc3339(&text[..len]).is_ok()
        || chrono::DateTime::parse_from_str(&text[..len], "%Y-%m-%dT%H:%M:%S%.f%#z").is_ok()
        // macOS's `install.log`: `2026-11-30 14:01:02+00 host installd[456]: ...`.
        || chrono::DateTime::parse_from_str(&text[..len], "%Y-%m-%d %H:%M:%S%.f%#z").is_ok();
    if !has_pri && !syslog_time {
        return Err("syslog: the time is neither `MMM d HH:mm:ss` nor RFC 3339".to_string());
    }
    fields.push(("ts".to_string(), times.ts_value(stamp)));
    // Cisco devices close the time with a colon: `Nov 30 2026 14:01:02: %ASA-6-302013: ...`.
    let rest = text[len..]
        .strip_prefix(':')
        .unwrap_or(&text[len..])
        .trim_start();
    // `host tag[pid]: message`, or `tag[pid]: message` when the host is left out.
    let (first, after_first) = token(rest);
    if let Some(tag) = dovecot_tag(first) {
        tag.push(fields);
        push_message(after_first, fields);
        return Ok(());
    }
    // A number right after the time is no tag (libvirt's thread: `...+0000: 1234: error :`).
    let numbered = first.bytes().all(|b| b.is_ascii_digit() || b == b':');
    let (host, tagged) = if (is_tag(first) && !numbered) || first.starts_with('%') {
        (None, rest)
    } else {
        (Some(first), after_first.trim_start())
    };
    // hclog (Consul, Nomad, Vault): `2026-11-30T14:01:02.123Z [ERROR] agent: message`.
    let level_word = |h: &str| {
        let unbracketed = h.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        normalize_level(unbracketed.unwrap_or(h)).is_some()
    };
    if !has_pri && host.is_some_and(level_word) {
        return Err(format!("syslog: {first:?} is a level, not a host"));
    }
    // AWS Lambda's `START RequestId: ...` after a CloudWatch time is no host and tag.
    if !has_pri && super::text::is_lambda_platform_line(rest) {
        return Err("syslog: an AWS Lambda platform line, not a host and tag".to_string());
    }
    // UniFi's access points close their host (`U7PG2,18e8297e1234,v4.3.28:`) with a colon.
    let host = host.map(|h| h.strip_suffix(':').unwrap_or(h));
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        fields.push(("host".to_string(), Value::String(host.to_string())));
    }
    // BusyBox's syslogd: `host daemon.info dnsmasq[1234]: ...`, the facility and severity
    // before the tag (the level, unless a PRI gave one).
    let (first_tagged, after_severity) = token(tagged);
    // A tag closes with its colon (`sshd[812]:`): the common case asks nothing more.
    let tag_first = first_tagged.ends_with(':');
    let severity = (!tag_first)
        .then(|| facility_severity(first_tagged))
        .flatten();
    let tagged = match severity {
        Some(level) => {
            if !has_pri {
                fields.push(("level".to_string(), Value::String(level.to_string())));
            }
            after_severity
        }
        None => tagged,
    };
    // Erlang's logger and others: `2026-11-30T14:01:02.123456+00:00 error: message`.
    if !has_pri && host.is_none() && header_level(first).is_some() {
        return Err(format!("syslog: {first:?} is a level, not a tag"));
    }
    let tagged = cisco_device_header(tagged).unwrap_or(tagged);
    if let Some(message) = cisco_mnemonic(tagged, has_pri, fields) {
        push_message(message, fields);
        return Ok(());
    }
    // Security appliances' CEF messages and PAN-OS' comma-separated logs come with no tag
    // (see `cef` and `panos`).
    if tagged.starts_with("CEF:") || super::panos::log_type(tagged).is_some() {
        push_message(tagged, fields);
        return Ok(());
    }
    let topics = (!tag_first).then(|| routeros_topics(tagged)).flatten();
    if let Some((topics, level, message)) = topics {
        let service = topics.split(',').next().unwrap_or(topics);
        fields.push(("service".to_string(), Value::String(service.to_string())));
        fields.push(("topics".to_string(), Value::String(topics.to_string())));
        if !has_pri {
            fields.push(("level".to_string(), Value::String(level.to_string())));
        }
        push_message(message, fields);
        return Ok(());
    }
    let message = if let Some(tag) = read_tag(tagged) {
        tag.push(fields);
        tag.message
    } else if has_pri {
        tagged
    } else {
        return Err("syslog: no `tag:` or `tag[pid]:` after the host".to_string());
    };
    relayed::push_relayed(message, times, fields);
    Ok(())
}

/// Dovecot's own log names the process, the user, its pid and the session:
/// `imap(bob)<1234><Yx9k2b>:`.
struct DovecotTag<'a> {
    name: &'a str,
    user: Option<&'a str>,
    pid: u64,
    session: Option<&'a str>,
}

impl DovecotTag<'_> {
    fn push(&self, fields: &mut Vec<(String, Value)>) {
        fields.push(("service".to_string(), Value::String(self.name.to_string())));
        if let Some(user) = self.user {
            fields.push(("user".to_string(), Value::String(user.to_string())));
        }
        fields.push(("pid".to_string(), Value::from(self.pid)));
        if let Some(session) = self.session {
            fields.push(("session".to_string(), Value::String(session.to_string())));
        }
    }
}

fn dovecot_tag(token: &str) -> Option<DovecotTag<'_>> {
    let (head, ids) = token.strip_suffix(">:")?.split_once('<')?;
    let (pid, session) = match ids.split_once("><") {
        Some((pid, session)) => (pid, Some(session)),
        None => (ids, None),
    };
    let (name, user) = match head.split_once('(') {
        Some((name, user)) => (name, Some(user.strip_suffix(')')?)),
        None => (head, None),
    };
    let named = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !named {
        return None;
    }
    Some(DovecotTag {
        name,
        user,
        pid: pid.parse().ok()?,
        session,
    })
}

/// The tag that opens a syslog message, and the message after it.
struct Tag<'a> {
    name: &'a str,
    pid: Option<u64>,
    /// macOS names the job a launchd message is about: `launchd[1] (com.apple.Safari[512]):`.
    sender: Option<&'a str>,
    /// What the bracket names when it holds no pid: Heroku's dyno (`app[web.1]:`).
    instance: Option<&'a str>,
    message: &'a str,
}

/// `sshd[123]: m`, `kernel: m`, `sshd(pam_unix)[19939]: m`; as macOS writes them also
/// `com.apple.xpc.launchd[1] (com.apple.quicklook[36386]): m` and a name of a few words
/// (`Google Chrome Helper[36514]: m`, the pid then required).
impl Tag<'_> {
    fn push(&self, fields: &mut Vec<(String, Value)>) {
        fields.push(("service".to_string(), Value::String(self.name.to_string())));
        if let Some(pid) = self.pid {
            fields.push(("pid".to_string(), Value::from(pid)));
        }
        if let Some(sender) = self.sender {
            fields.push(("sender".to_string(), Value::String(sender.to_string())));
        }
        if let Some(instance) = self.instance {
            fields.push(("instance".to_string(), Value::String(instance.to_string())));
        }
    }
}

/// `host tag[pid]: message` after a time that is not syslog's (`journalctl -o
/// short-monotonic`: `[12345.678901] web-1 sshd[812]: ...`): pushes the host and the program
/// and returns the message. Only a tag with a pid, or the kernel's, is one: the kernel's own
/// ring buffer (`[1.5] usb 1-1: new device`) names a device the same way.
pub(crate) fn host_and_program<'a>(
    text: &'a str,
    fields: &mut Vec<(String, Value)>,
) -> Option<&'a str> {
    let (host, tagged) = token(text);
    let host_like = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if host.is_empty() || !host.chars().all(host_like) {
        return None;
    }
    let tag = read_tag(tagged).filter(|tag| tag.pid.is_some() || tag.name == "kernel")?;
    fields.push(("host".to_string(), Value::String(host.to_string())));
    tag.push(fields);
    Some(tag.message)
}

fn read_tag(tagged: &str) -> Option<Tag<'_>> {
    let (first, after_first) = token(tagged);
    if is_tag(first) {
        let (name, pid) = split_pid(first.trim_end_matches(':'));
        // `/usr/sbin/kamailio[1234]:`, Debian's `/USR/SBIN/CRON[812]:`: the program (Postfix's
        // `postfix/smtpd` is a name of its own).
        let program = name
            .strip_prefix('/')
            .and_then(|path| path.rsplit('/').next());
        let name = program.filter(|n| !n.is_empty()).unwrap_or(name);
        // `heroku logs`: `app[web.1]:`, `heroku[router]:`: the source, then the dyno.
        let bracketed = name
            .strip_suffix(']')
            .and_then(|n| n.split_once('['))
            .filter(|(source, dyno)| pid.is_none() && !source.is_empty() && !dyno.is_empty());
        let (name, instance) = match bracketed {
            Some((source, dyno)) => (source, Some(dyno)),
            None => (name, None),
        };
        return Some(Tag {
            name,
            pid,
            sender: None,
            instance,
            message: after_first,
        });
    }
    if let Some(inside) = after_first.strip_prefix('(') {
        let close = inside.find("):")?;
        let (name, pid) = split_pid(first);
        if pid.is_none() || !is_tag_name(first) {
            return None;
        }
        let message = &inside[close + 2..];
        let sender = Some(&inside[..close]);
        return Some(Tag {
            name,
            pid,
            sender,
            instance: None,
            message: message.strip_prefix(' ').unwrap_or(message),
        });
    }
    // Up to three more words, the last one `word[pid]:`, or a version (sysklogd's own
    // `syslogd 1.4.1: restart.`); login's `-- root[2421]:` starts with dashes.
    let mut end = first.len();
    for _ in 0..3 {
        let rest = &tagged[end..];
        let word = rest.strip_prefix(' ')?;
        let (next, after) = token(word);
        end += 1 + next.len();
        if !tagged[..end - next.len()]
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
        {
            return None;
        }
        if let Some(name) = next.strip_suffix(':') {
            let (_, pid) = split_pid(name);
            let is_version = name.contains('.')
                && name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && name.starts_with(|c: char| c.is_ascii_digit());
            if pid.is_none() && !is_version {
                return None;
            }
            let whole = &tagged[..end - 1];
            let (name, pid) = split_pid(whole);
            return Some(Tag {
                name,
                pid,
                sender: None,
                instance: None,
                message: after,
            });
        }
    }
    None
}

/// `sshd[123]:`, `kernel:`, `sshd(pam_unix)[19939]:`: a program name closed by a colon.
/// Cisco's message tag in place of `host tag:` (ASA, IOS, NX-OS): `%ASA-6-302013: message`,
/// `%LINK-3-UPDOWN: message`. The facility is the service, the severity digit the level
/// (when no PRI gave one), the mnemonic is kept.
pub(crate) fn cisco_mnemonic<'a>(
    rest: &'a str,
    has_pri: bool,
    fields: &mut Vec<(String, Value)>,
) -> Option<&'a str> {
    let (tag, message) = rest.strip_prefix('%')?.split_once(": ")?;
    let mut parts = tag.splitn(3, '-');
    let (facility, severity, mnemonic) = (parts.next()?, parts.next()?, parts.next()?);
    let severity: u8 = severity.parse().ok().filter(|s| *s <= 7)?;
    if facility.is_empty() || mnemonic.is_empty() || tag.contains(' ') {
        return None;
    }
    fields.push(("service".to_string(), Value::String(facility.to_string())));
    fields.push(("mnemonic".to_string(), Value::String(mnemonic.to_string())));
    if !has_pri {
        if let Some(level) = syslog_severity(severity) {
            fields.push(("level".to_string(), Value::String(level.to_string())));
        }
    }
    Some(message)
}

/// A Cisco device's own header inside a relayed message, its sequence numbers and its time
/// (`123: *Nov 30 14:01:02.123: %LINK-3-UPDOWN: ...`, `125: 000125: Nov 30 14:01:04 UTC:
/// %SEC-6-...`): the `%` tag after it.
fn cisco_device_header(tagged: &str) -> Option<&str> {
    let mut rest = tagged;
    for _ in 0..2 {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[digits..].strip_prefix(": ") {
            Some(after) if digits > 0 => rest = after,
            _ => break,
        }
    }
    // Most messages are not a device's: they are turned away by their first bytes, without
    // looking for a time (this runs on every syslog line).
    let unmarked = rest.strip_prefix(['*', '.']).unwrap_or(rest);
    super::timestamps::month(unmarked.get(..3)?)?;
    let (_, start, end) = super::timestamps::find_timestamp(rest)?;
    if start > 1 {
        return None;
    }
    super::text::cisco_tag(&rest[end..])
}

/// A Cisco device's message sent to a collector as it is, with no relay's header before it:
/// `<189>124: core-sw1: *Nov 30 14:01:03.456 UTC: %SYS-5-CONFIG_I: ...` (its sequence
/// number, the origin id when one is set, its own time); the message after the tag.
fn cisco_direct<'a>(
    text: &'a str,
    times: &TextParser,
    has_pri: bool,
    fields: &mut Vec<(String, Value)>,
) -> Option<&'a str> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = text[digits..].strip_prefix(": ").filter(|_| digits > 0)?;
    let (first, after) = token(rest);
    let origin = first
        .strip_suffix(':')
        .filter(|h| !h.is_empty() && !h.starts_with('%') && timestamp_at(rest).is_none());
    if origin.is_some() {
        rest = after;
    }
    let (stamp, start, end) = super::timestamps::find_timestamp(rest)?;
    let tagged = super::text::cisco_tag(&rest[end..]).filter(|_| start <= 1)?;
    let mut found = vec![("ts".to_string(), times.ts_value(stamp))];
    if let Some(host) = origin {
        found.push(("host".to_string(), Value::String(host.to_string())));
    }
    let message = cisco_mnemonic(tagged, has_pri, &mut found)?;
    fields.append(&mut found);
    Some(message)
}

fn is_tag(token: &str) -> bool {
    // A decimal number (the JVM's seconds since start, `12.345:`) is no program.
    let decimal =
        |name: &str| name.contains('.') && name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    token
        .strip_suffix(':')
        .is_some_and(|name| is_tag_name(name) && !decimal(name))
}

fn is_tag_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '(' | ')' | '[' | ']' | '@')
        })
}

mod relayed;

#[cfg(test)]
mod tests;
