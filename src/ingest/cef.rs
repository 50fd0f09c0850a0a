//! ArcSight's Common Event Format, the message security appliances (firewalls, IDS, WAFs,
//! endpoint agents) send over syslog: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|
//! src=10.0.0.1 dst=10.0.0.2 act=blocked`. The product is the service, the signature id the
//! operation, the name the message, the severity (0-10, or Low, Medium, High, Very-High) the
//! level; the extension's `key=value` pairs (values may hold spaces, up to the next key) become
//! fields under their CEF names, so `outcome=failure` and `request=` are read as any record's.

use serde_json::Value;

use super::records::Fields;

/// The fields of a CEF message, or `None` when `message` is not one (then it is read as
/// plain text).
pub(crate) fn cef_fields(message: &str, fields: &mut Fields) -> Option<()> {
    let rest = message.strip_prefix("CEF:")?;
    let (header, extension) = header_fields(rest)?;
    let [version, vendor, product, device_version, signature, name, severity] = header;
    let level = severity_level(&severity)?;
    version.trim().parse::<u32>().ok()?;
    let text = |s: String| Value::String(s);
    fields.push(("cef_version".into(), text(version)));
    fields.push(("vendor".into(), text(vendor)));
    fields.push(("service".into(), text(product)));
    fields.push(("product_version".into(), text(device_version)));
    fields.push(("operation".into(), text(signature)));
    fields.push(("cef_severity".into(), text(severity)));
    fields.push(("level".into(), Value::String(level.into())));
    for (key, value) in extension_pairs(extension) {
        // The name is the message; a `msg` says more about it.
        let key = match key {
            "msg" | "message" => "cef_msg",
            other => other,
        };
        fields.push((key.to_string(), Value::String(value)));
    }
    fields.push(("message".into(), text(name)));
    Some(())
}

/// The seven header values (`\|` and `\\` unescaped) and the extension after them.
fn header_fields(text: &str) -> Option<([String; 7], &str)> {
    let mut values: Vec<String> = Vec::with_capacity(7);
    let mut current = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped @ ('|' | '\\'))) => current.push(escaped),
                Some((_, other)) => {
                    current.push('\\');
                    current.push(other);
                }
                None => current.push('\\'),
            },
            '|' => {
                values.push(std::mem::take(&mut current));
                if values.len() == 7 {
                    return Some((values.try_into().ok()?, &text[at + 1..]));
                }
            }
            _ => current.push(c),
        }
    }
    None
}

/// CEF's 0-10 scale (or its words) as a level.
fn severity_level(severity: &str) -> Option<&'static str> {
    let severity = severity.trim();
    if let Ok(number) = severity.parse::<u8>() {
        return match number {
            0..=3 => Some("INFO"),
            4..=6 => Some("WARN"),
            7..=8 => Some("ERROR"),
            9..=10 => Some("FATAL"),
            _ => None,
        };
    }
    match severity.to_ascii_lowercase().as_str() {
        "unknown" | "low" => Some("INFO"),
        "medium" => Some("WARN"),
        "high" => Some("ERROR"),
        "very-high" | "very high" => Some("FATAL"),
        _ => None,
    }
}

/// `key=value` pairs: a value runs to the space before the next unescaped `key=`; `\=`,
/// `\\`, `\n` and `\r` are unescaped.
fn extension_pairs(text: &str) -> Vec<(&str, String)> {
    // Where each key starts: after a space (or at the start), word characters, then `=`
    // not escaped.
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let starts_word = at == 0 || bytes[at - 1] == b' ';
        if starts_word {
            let end = at
                + bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.')
                    .count();
            if end > at && bytes.get(end) == Some(&b'=') {
                keys.push((at, end));
                at = end + 1;
                continue;
            }
        }
        at += 1;
    }
    keys.iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let value_end = keys.get(i + 1).map_or(text.len(), |next| next.0);
            let value = text[end + 1..value_end].trim_end();
            (&text[start..end], unescape(value))
        })
        .collect()
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a str> {
        fields.iter().rev().find(|(k, _)| k == key)?.1.as_str()
    }

    #[test]
    fn header_and_extension() {
        let mut fields = Fields::new();
        let message = r"CEF:0|Security|threat\|manager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=Detected a threat. No action needed request=https://x/a?b\=c outcome=failure";
        cef_fields(message, &mut fields).unwrap();
        assert_eq!(get(&fields, "service"), Some("threat|manager"));
        assert_eq!(get(&fields, "vendor"), Some("Security"));
        assert_eq!(get(&fields, "operation"), Some("100"));
        assert_eq!(get(&fields, "level"), Some("FATAL"));
        assert_eq!(get(&fields, "message"), Some("worm successfully stopped"));
        assert_eq!(get(&fields, "src"), Some("10.0.0.1"));
        assert_eq!(
            get(&fields, "cef_msg"),
            Some("Detected a threat. No action needed")
        );
        assert_eq!(get(&fields, "request"), Some("https://x/a?b=c"));
        assert_eq!(get(&fields, "outcome"), Some("failure"));
    }

    #[test]
    fn severity_words_and_an_empty_extension() {
        let mut fields = Fields::new();
        cef_fields("CEF:1|Vendor|WAF|2|sqli|SQL injection|High|", &mut fields).unwrap();
        assert_eq!(get(&fields, "level"), Some("ERROR"));
        assert_eq!(get(&fields, "message"), Some("SQL injection"));
        for (severity, level) in [("0", "INFO"), ("5", "WARN"), ("Medium", "WARN")] {
            let mut fields = Fields::new();
            let message = format!("CEF:0|V|P|1|id|name|{severity}|a=b");
            cef_fields(&message, &mut fields).unwrap();
            assert_eq!(get(&fields, "level"), Some(level));
        }
    }

    #[test]
    fn not_cef_is_left_alone() {
        for text in [
            "CEF: the word in prose",
            "CEF:0|too|few|fields",
            "CEF:0|V|P|1|id|name|eleven|x=y",
            "CEF:x|V|P|1|id|name|3|x=y",
            "plain text",
        ] {
            let mut fields = Fields::new();
            assert!(cef_fields(text, &mut fields).is_none(), "{text}");
        }
    }
}
