//! Tests on single header tokens: what a level, a name, a pid, a source location or a
//! server's own mark looks like.

use super::super::values::normalize_level;

/// Characters of a logger, class, program or tag name.
pub(super) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '$' | '-' | '/' | '@' | '(' | ')' | '<' | '>')
}

/// A name that only a logger or class has: dotted (`c.a.Checkout`), with `$`, `/` or `::`.
/// Java's `Class#method` (Jenkins) counts too.
pub(super) fn is_qualified_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| is_name_char(c) || c == ':' || c == '#')
        && !name.contains("()")
        && (name.contains('.') && !name.ends_with('.')
            || name.contains('$')
            || name.contains("::")
            || name.contains('/'))
}

/// Odoo's logger after its database (`4321 INFO shop odoo.http: ...`): dotted, or
/// `werkzeug`, its HTTP request log.
pub(super) fn is_odoo_logger(name: &str) -> bool {
    (name.starts_with("odoo.") || name.starts_with("openerp.") || name == "werkzeug")
        && name.chars().all(is_name_char)
}

/// The first `N` words, or `None` when there are fewer: layouts read by position
/// (`let Some([thread, kind, pid]) = first_words(rest.split_whitespace())`).
pub(super) fn first_words<'a, const N: usize>(
    mut words: impl Iterator<Item = &'a str>,
) -> Option<[&'a str; N]> {
    let mut out = [""; N];
    for slot in &mut out {
        *slot = words.next()?;
    }
    Some(out)
}

/// A source file's name (`felix/int_dataplane.go`), by its language's extension.
pub(super) fn is_source_file(token: &str) -> bool {
    const EXTENSIONS: [&str; 14] = [
        "go", "py", "java", "c", "cc", "cpp", "h", "rs", "rb", "js", "ts", "kt", "cs", "php",
    ];
    token.rsplit_once('.').is_some_and(|(path, extension)| {
        !path.is_empty() && EXTENSIONS.contains(&extension) && path.chars().all(is_name_char)
    })
}

/// An Erlang process id, `<0.230.0>` (RabbitMQ, ejabberd, Elixir's Logger).
pub(super) fn is_erlang_pid(token: &str) -> bool {
    token
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .is_some_and(|inner| {
            let parts = inner.split('.');
            parts.clone().count() == 3
                && parts
                    .into_iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// `name[123]` or `name(sub)[123]`: the name and the pid.
pub(crate) fn split_pid(token: &str) -> (&str, Option<u64>) {
    if let Some(open) = token.rfind('[') {
        if let Some(pid) = token[open + 1..]
            .strip_suffix(']')
            .and_then(|p| p.parse().ok())
        {
            return (&token[..open], Some(pid));
        }
    }
    (token, None)
}

/// The end of the bracket opened at `text[0] == '['`, nesting counted.
pub(super) fn bracket_end(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The length of a tracing span at the start of `text`, `name{fields}:` with its colon (the
/// fields may hold spaces and nested braces); `None` when `text` does not start with one.
pub(super) fn span_context_len(text: &str) -> Option<usize> {
    let open = text.find('{')?;
    let name = &text[..open];
    if name.is_empty() || !name.chars().all(|c| is_name_char(c) || c == ':') {
        return None;
    }
    let mut depth = 0;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return (text.as_bytes().get(i + 1) == Some(&b':')).then_some(i + 2);
                }
            }
            _ => {}
        }
    }
    None
}

/// A level word, then at most a `[thread]`, before the time.
pub(super) fn level_before_time(before: &str) -> Option<(&'static str, Option<&str>)> {
    let (word, rest) = before
        .split_once(char::is_whitespace)
        .unwrap_or((before, ""));
    // Akka: `[ERROR] [11/30/2026 14:01:02.123] [thread] [source] message`.
    let word = word
        .strip_prefix('[')
        .and_then(|w| w.strip_suffix(']'))
        .unwrap_or(word);
    // CUPS: `E [30/Nov/2026:14:01:03 +0000] [Job 12] message`, one letter alone.
    let cups = match word.as_bytes() {
        [b'X' | b'A' | b'C'] if rest.is_empty() => Some("FATAL"),
        [b'E'] if rest.is_empty() => Some("ERROR"),
        [b'W'] if rest.is_empty() => Some("WARN"),
        [b'N' | b'I'] if rest.is_empty() => Some("INFO"),
        [b'D' | b'd'] if rest.is_empty() => Some("DEBUG"),
        _ => None,
    };
    let level = cups.or_else(|| header_level(word))?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some((level, None));
    }
    let thread = rest.strip_prefix('[')?.strip_suffix(']')?;
    Some((level, Some(thread)))
}

/// `Zigbee2MQTT:info` before the time: the program and its level (lower-case, as debug's
/// and winston's namespaces write it).
pub(super) fn program_level_before_time(before: &str) -> Option<(&str, &'static str)> {
    let (program, level) = before.trim().rsplit_once(':')?;
    let named = !program.is_empty()
        && program.len() <= 40
        && program.starts_with(|c: char| c.is_ascii_alphabetic())
        && program.chars().all(is_name_char);
    let lower = level.bytes().all(|b| b.is_ascii_lowercase());
    named.then_some(())?;
    Some((
        program,
        normalize_level(level).filter(|_| lower && level.len() >= 4)?,
    ))
}

/// `8f5c1e2a-1b2c-4d5e-9f00-1234567890ab`.
pub(super) fn is_uuid(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `StorageService.java:123`: a source file and line, as Java and Go layouts log them.
pub(super) fn is_source_location(token: &str) -> bool {
    token.rsplit_once(':').is_some_and(|(file, line)| {
        // `10.0.0.5:50432` is an address and a port (NATS names its clients so).
        let address = file.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && file.contains('.')
            && !address
            && file.chars().all(is_name_char)
    })
}

/// loguru's `module:function:line` (`__main__:main:12`), the module maybe without a dot.
pub(super) fn is_function_location(token: &str) -> bool {
    if !token.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let mut parts = token.rsplitn(3, ':');
    let (Some(line), Some(function), Some(module)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let name = |s: &str| !s.is_empty() && s.chars().all(is_name_char);
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) && name(function) && name(module)
}

/// Monolog's `channel.LEVEL:` (Laravel, Symfony: `production.ERROR:`): the channel and level.
pub(super) fn channel_and_level(token: &str) -> Option<(&str, &'static str)> {
    let (channel, word) = token.strip_suffix(':')?.rsplit_once('.')?;
    let upper = !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase());
    let level = normalize_level(word).filter(|_| upper)?;
    (!channel.is_empty() && channel.chars().all(is_name_char)).then_some((channel, level))
}

/// Icinga 2's `debug/GraphiteWriter:`: the level, then the component.
pub(super) fn level_slash_component(token: &str) -> Option<(&'static str, &str)> {
    let (word, component) = token.strip_suffix(':')?.split_once('/')?;
    let level = normalize_level(word)?;
    (!component.is_empty() && component.chars().all(is_name_char)).then_some((level, component))
}

/// PHP's error log: the level its label says (`PHP Fatal error:  ...`, `PHP Warning:  ...`).
pub(super) fn php_label_level(after_php: &str) -> Option<&'static str> {
    const LABELS: [(&str, &str); 7] = [
        ("Fatal error:", "FATAL"),
        ("Parse error:", "FATAL"),
        ("Recoverable fatal error:", "ERROR"),
        ("Warning:", "WARN"),
        ("Notice:", "INFO"),
        ("Deprecated:", "INFO"),
        ("Stack trace:", "ERROR"),
    ];
    let after = after_php.trim_start();
    LABELS
        .iter()
        .find(|(label, _)| after.starts_with(label))
        .map(|(_, level)| *level)
}

/// log4j's `%m (%c)` (Kafka) or `%m (%c:%L)` (Kafka Connect): a class name in parentheses
/// closing the message, its line number left out. A multi-line event's class closes its first
/// line (a stack trace follows it). A version (`(lighttpd/1.4.73)`) is no class: a class's
/// last name starts with a letter.
pub(super) fn trailing_class(message: &str) -> Option<&str> {
    let first_line = message.split('\n').next().unwrap_or(message).trim_end();
    let inner = first_line.strip_suffix(')')?;
    let name = &inner[inner.rfind(" (")? + 2..];
    let name = name
        .rsplit_once(':')
        .filter(|(_, line)| !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
        .map_or(name, |(class, _)| class);
    let named = name.starts_with(|c: char| c.is_ascii_alphabetic());
    let last_named = name
        .rsplit('.')
        .next()
        .is_some_and(|last| last.starts_with(|c: char| c.is_alphabetic()));
    let shaped = named && last_named && name.matches('.').count() >= 2;
    (shaped && is_qualified_name(name) && !name.contains(':')).then_some(name)
}

/// Redis's `pid:role` before the time (role: C child, M master, S replica, X sentinel).
pub(super) fn redis_prefix(before: &str) -> Option<(u64, Option<&str>)> {
    // Redis before 3.0: `[1234] 30 May 14:01:02 * message`.
    if let Some(pid) = before.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
        return Some((pid.parse().ok()?, None));
    }
    let (pid, role) = before.split_once(':')?;
    let pid = pid.parse().ok()?;
    matches!(role, "C" | "M" | "S" | "X").then_some((pid, Some(role)))
}

/// Redis's level mark after the time: `.` debug, `-` verbose, `*` notice, `#` warning.
pub(super) fn redis_level(rest: &str) -> Option<&'static str> {
    let mark = rest.strip_prefix(' ')?;
    let level = match mark.as_bytes().first()? {
        b'.' | b'-' => "DEBUG",
        b'*' => "INFO",
        b'#' => "WARN",
        _ => return None,
    };
    mark[1..].starts_with(' ').then_some(level)
}

/// `: LEVEL/process` inside a bracket after the time (Celery's workers).
pub(super) fn level_and_process(inside: &str) -> Option<(&'static str, &str)> {
    let (word, process) = inside.trim_start_matches(':').trim().split_once('/')?;
    let level = normalize_level(word)?;
    (!process.is_empty() && !process.contains(char::is_whitespace)).then_some((level, process))
}

/// `LEVEL target` inside a bracket after the time (Rust's env_logger:
/// `[2026-11-30T14:01:02Z ERROR checkout::pay]`): the level and the logger.
pub(super) fn level_and_target(inside: &str) -> Option<(&'static str, &str)> {
    let (word, target) = inside.split_once(' ')?;
    let target = target.trim();
    let level = normalize_level(word)?;
    (!target.is_empty() && !target.contains(char::is_whitespace)).then_some((level, target))
}

/// Level words as headers write them: `ERROR`, `error:`, `<3>`, `<Error>`.
pub(crate) fn header_level(token: &str) -> Option<&'static str> {
    let word = token.trim_end_matches(':');
    if let Some(inside) = word.strip_prefix('<').and_then(|w| w.strip_suffix('>')) {
        // A syslog priority (`<3>`), or ClickHouse's `<Error>`, `<Information>`.
        return match inside.parse::<u8>() {
            Ok(priority) => syslog_severity(priority),
            Err(_) => normalize_level(inside).filter(|_| inside.len() >= 4),
        };
    }
    if word.len() < 3 {
        return None;
    }
    // PostgreSQL's `LOG` is a level; `Log opened.` (Twisted) is prose.
    if word.eq_ignore_ascii_case("log") && word != "LOG" {
        return None;
    }
    // Levels of one program's own, in its own capitals: loguru's `SUCCESS`, dnf's `DDEBUG`
    // and `SUBDEBUG` (as words in prose they are not levels).
    match word {
        "SUCCESS" => return Some("INFO"),
        "DDEBUG" | "SUBDEBUG" => return Some("DEBUG"),
        _ => {}
    }
    normalize_level(word)
}

/// An unbracketed thread name right before an upper-case level word, as Atlassian's
/// products (Jira, Confluence) and log4j's `%d %t %p` layouts write it:
/// `http-nio-8080-exec-1 ERROR ...`, `Caesium-1-3 INFO ...`.
pub(crate) fn thread_before_level(token: &str, next_token: &str) -> bool {
    let upper_level = next_token.len() >= 4
        && next_token.bytes().all(|b| b.is_ascii_uppercase())
        && header_level(next_token).is_some();
    // A name with a number after a dash (a pool's thread), not a pid or a request id.
    let name_like = token.starts_with(|c: char| c.is_ascii_alphabetic())
        && token.contains('-')
        && token.bytes().any(|b| b.is_ascii_digit())
        && !is_uuid(token);
    upper_level
        && name_like
        && header_level(token).is_none()
        && !token.contains([':', '[', ']', '(', '=', '"', '/'])
}

/// The level of a syslog severity (the low three bits of a PRI).
pub(crate) fn syslog_severity(priority: u8) -> Option<&'static str> {
    Some(match priority & 7 {
        0..=2 => "FATAL",
        3 => "ERROR",
        4 => "WARN",
        5 | 6 => "INFO",
        _ => "DEBUG",
    })
}
