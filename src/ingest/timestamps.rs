//! Timestamps at or near the start of a text line, among the shapes real systems write: ISO
//! 8601 and its relatives, BGL, HealthApp, Spark/Hadoop `yy/MM/dd`, HDFS `yyMMdd HHmmss`,
//! European `dd.MM.yyyy`, access-log time, ctime, syslog's `MMM d`, `MM-dd`, `MM.dd`, epoch
//! numbers. Each shape is an anchored regex; the most common (ISO without a zone) is also read
//! byte by byte first, giving the same stamp without running a regex.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use regex::{Captures, Regex};

/// What a timestamp said, before a year is supplied to the shapes without one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stamp {
    /// RFC 3339 text (a zone was given).
    Zoned(String),
    /// A local time; `has_year` false when the shape has no year (it is then a placeholder).
    Naive { time: NaiveDateTime, has_year: bool },
    /// Seconds since the epoch.
    Epoch(f64),
    /// A time of day with no date at all (Elixir's `14:01:02.123 [error]`): the date comes
    /// from the source (see `TextParser::date_for`).
    TimeOfDay(NaiveTime),
    /// A numeric date (`03/11/2026`) read both ways: which is right is the source's
    /// [`DateOrder`] (see `TextParser::resolve`).
    Numeric(NumericDate),
}

/// Which number of a numeric date comes first: the United States write `11/30/2026`, most of
/// the world `30/11/2026`. A line alone tells only when one number is over 12, so the order is
/// decided per source ([`date_order_of`], or `date_order` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

impl DateOrder {
    /// `month_first` or `day_first`, as the config spells them.
    pub(crate) fn parse(name: &str) -> Option<DateOrder> {
        match name {
            "month_first" => Some(DateOrder::MonthFirst),
            "day_first" => Some(DateOrder::DayFirst),
            _ => None,
        }
    }
}

/// A numeric date's two readings; at least one is a valid date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NumericDate {
    pub month_first: Option<NaiveDateTime>,
    pub day_first: Option<NaiveDateTime>,
}

impl NumericDate {
    /// The reading `order` asks for, or the other when that one is no date (`30/11/2026`
    /// is day first whatever the source's order).
    pub(crate) fn read(self, order: DateOrder) -> NaiveDateTime {
        let (wanted, other) = match order {
            DateOrder::MonthFirst => (self.month_first, self.day_first),
            DateOrder::DayFirst => (self.day_first, self.month_first),
        };
        wanted.or(other).unwrap_or_default()
    }

    /// The order this date alone proves: the one whose reading is a date when the other's
    /// is not.
    fn proves(self) -> Option<DateOrder> {
        match (self.month_first, self.day_first) {
            (Some(_), None) => Some(DateOrder::MonthFirst),
            (None, Some(_)) => Some(DateOrder::DayFirst),
            _ => None,
        }
    }
}

/// The order of a source's numeric dates from its first lines: what the dates with a number
/// over 12 prove (the majority), else, when the lines hold several dates that fit both ways,
/// the order under which they lie closer together (a log's lines are minutes or days apart,
/// not months: `03/11` then `04/11` is a day under day-first and a month under month-first).
/// `None` when the lines say nothing (no numeric dates, or one day's only).
pub(crate) fn date_order_of<'a>(lines: impl Iterator<Item = &'a str>) -> Option<DateOrder> {
    let (mut month_first, mut day_first) = (0usize, 0usize);
    let mut ambiguous: Vec<NumericDate> = Vec::new();
    for line in lines {
        let Some((Stamp::Numeric(date), _, _)) = find_timestamp(line) else {
            continue;
        };
        match date.proves() {
            Some(DateOrder::MonthFirst) => month_first += 1,
            Some(DateOrder::DayFirst) => day_first += 1,
            None => ambiguous.push(date),
        }
    }
    if month_first != day_first {
        return Some(if day_first > month_first {
            DateOrder::DayFirst
        } else {
            DateOrder::MonthFirst
        });
    }
    // The total distance walked from date to date under each reading.
    let walked = |order: DateOrder| -> i64 {
        ambiguous
            .windows(2)
            .map(|pair| {
                (pair[1].read(order) - pair[0].read(order))
                    .num_seconds()
                    .abs()
            })
            .sum()
    };
    let (under_month_first, under_day_first) =
        (walked(DateOrder::MonthFirst), walked(DateOrder::DayFirst));
    match under_day_first.cmp(&under_month_first) {
        std::cmp::Ordering::Less => Some(DateOrder::DayFirst),
        std::cmp::Ordering::Greater => Some(DateOrder::MonthFirst),
        std::cmp::Ordering::Equal => None,
    }
}

const MONTHS: &str = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";

/// One timestamp shape: its pattern (anchored) and how its captures become a [`Stamp`].
struct Shape {
    regex: Regex,
    read: fn(&Captures) -> Option<Stamp>,
    /// Whether it starts with a digit (else a letter): shapes that cannot match a line's
    /// first byte are not tried (each try runs a regex with captures).
    starts_with_digit: bool,
}

pub(crate) fn num(c: &Captures, i: usize) -> Option<u32> {
    c.get(i)?.as_str().parse().ok()
}

pub(crate) fn month(name: &str) -> Option<u32> {
    // Matched on bytes, not by splitting `MONTHS`: syslog asks this of every line.
    let &[a, b, c] = name.as_bytes() else {
        return None;
    };
    let number = match [a | 0x20, b | 0x20, c | 0x20] {
        [b'j', b'a', b'n'] => 1,
        [b'f', b'e', b'b'] => 2,
        [b'm', b'a', b'r'] => 3,
        [b'a', b'p', b'r'] => 4,
        [b'm', b'a', b'y'] => 5,
        [b'j', b'u', b'n'] => 6,
        [b'j', b'u', b'l'] => 7,
        [b'a', b'u', b'g'] => 8,
        [b's', b'e', b'p'] => 9,
        [b'o', b'c', b't'] => 10,
        [b'n', b'o', b'v'] => 11,
        [b'd', b'e', b'c'] => 12,
        _ => return None,
    };
    Some(number)
}

/// Digits of a fraction of a second as nanoseconds (`123` -> 123,000,000).
fn nanos(c: &Captures, i: usize) -> u32 {
    let Some(digits) = c.get(i).map(|m| m.as_str()) else {
        return 0;
    };
    let digits = &digits[..digits.len().min(9)];
    let value: u32 = digits.parse().unwrap_or(0);
    value * 10u32.pow(9 - digits.len() as u32)
}

fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ns: u32) -> Option<NaiveDateTime> {
    // A leap second (`:60`) is read as the last nanosecond of the minute before.
    let (s, ns) = if s == 60 { (59, 999_999_999) } else { (s, ns) };
    NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_nano_opt(h, mi, s, ns)
}

/// A capture index no shape has: no fraction of a second.
const NO_FRACTION: usize = usize::MAX;

/// The time in `year` and `month` whose day, hour, minute and second are the captures at
/// `day_clock`, with the fraction of a second at `fraction`.
pub(crate) fn clock(
    c: &Captures,
    year: i32,
    month: u32,
    day_clock: [usize; 4],
    fraction: usize,
) -> Option<NaiveDateTime> {
    let [d, h, mi, s] = day_clock;
    naive(
        year,
        month,
        num(c, d)?,
        num(c, h)?,
        num(c, mi)?,
        num(c, s)?,
        nanos(c, fraction),
    )
}

/// [`clock`] for shapes that spell the month (`Nov`): the year and month at their captures.
fn named_month_clock(
    c: &Captures,
    [year, month_name]: [usize; 2],
    day_clock: [usize; 4],
    fraction: usize,
) -> Option<NaiveDateTime> {
    let month = month(c.get(month_name)?.as_str())?;
    clock(c, num(c, year)? as i32, month, day_clock, fraction)
}

fn stamp(time: Option<NaiveDateTime>, has_year: bool) -> Option<Stamp> {
    time.map(|time| Stamp::Naive { time, has_year })
}

/// `yy MM dd HH mm ss` captures (HDFS, MySQL 5.x), no fraction.
/// `11/30/2026` or `30/11/2026` (groups 1-3, the clock in 4-7) read both ways; the source's
/// order chooses (see [`DateOrder`]).
fn numeric_date(c: &Captures) -> Option<Stamp> {
    let (first, second) = (num(c, 1)?, num(c, 2)?);
    let year = num(c, 3)? as i32;
    let date = NumericDate {
        month_first: clock(c, year, first, [2, 4, 5, 6], 7),
        day_first: clock(c, year, second, [1, 4, 5, 6], 7),
    };
    (date.month_first.is_some() || date.day_first.is_some()).then_some(Stamp::Numeric(date))
}

fn two_digit_year(c: &Captures) -> Option<Stamp> {
    let time = clock(
        c,
        2000 + num(c, 1)? as i32,
        num(c, 2)?,
        [3, 4, 5, 6],
        NO_FRACTION,
    );
    stamp(time, true)
}

/// The year put into year-less timestamps until [`TextParser::year_for`] replaces it: a leap
/// year, so that `Feb 29` parses.
pub(crate) const PLACEHOLDER_YEAR: i32 = 2000;

static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    let shape = |pattern: &str, read: fn(&Captures) -> Option<Stamp>| Shape {
        regex: Regex::new(&format!("^(?:{pattern})")).expect("valid timestamp pattern"),
        read,
        starts_with_digit: pattern.starts_with(r"(\d"),
    };
    vec![
        // ISO 8601 and its relatives: `2026-11-30T14:01:02.123Z`, `2026-11-30 14:01:02,123`,
        // Go's `2026/11/30 14:01:02`, Airflow's `2026-11-30, 14:01:02`, Gin's `2026/11/30 -
        // 14:01:02`, with or without seconds and zone. (Each byte decides the way on, so the
        // regex stays one-pass: every ISO line is matched by it.)
        shape(
            r"(\d{4})[-/](\d{2})[-/](\d{2})(?:T| (?:- )?|, )(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?\b",
            |c| {
                let (y, mo, d) = (num(c, 1)? as i32, num(c, 2)?, num(c, 3)?);
                let (h, mi, s) = (num(c, 4)?, num(c, 5)?, num(c, 6).unwrap_or(0));
                let time = naive(y, mo, d, h, mi, s, nanos(c, 7))?;
                match c.get(8).map(|m| m.as_str()) {
                    None => stamp(Some(time), true),
                    Some(zone) => {
                        let zone = match zone {
                            "Z" => "+00:00".to_string(),
                            z if z.len() == 3 => format!("{z}:00"),
                            z if z.len() == 5 => format!("{}:{}", &z[..3], &z[3..]),
                            z => z.to_string(),
                        };
                        Some(Stamp::Zoned(format!("{}{zone}", iso_text(time))))
                    }
                }
            },
        ),
        // BGL's `2005-06-03-15.42.50.675872`.
        shape(
            r"(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})(?:\.(\d{1,9}))?\b",
            |c| {
                let time = clock(c, num(c, 1)? as i32, num(c, 2)?, [3, 4, 5, 6], 7);
                stamp(time, true)
            },
        ),
        // HealthApp's `20171223-22:15:29:606`, written unpadded (`22:16:0:9`): after a colon
        // the last number is whole milliseconds, not a decimal fraction.
        shape(
            r"(\d{4})(\d{2})(\d{2})-(\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,3})|\.(\d{1,3}))?\b",
            |c| {
                let time = clock(c, num(c, 1)? as i32, num(c, 2)?, [3, 4, 5, 6], 8)?;
                let millis = c
                    .get(7)
                    .map_or(Some(0), |m| m.as_str().parse::<i64>().ok())?;
                stamp(Some(time + chrono::Duration::milliseconds(millis)), true)
            },
        ),
        // `yyyyMMdd HH:mm:ss`: MariaDB's and Amazon RDS's audit log (`20261130
        // 14:01:02,db-1,app,...`: no fraction, as a comma starts the next value), muduo's
        // `20261130 14:01:02.123456`.
        shape(
            r"(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\b",
            |c| {
                stamp(
                    clock(c, num(c, 1)? as i32, num(c, 2)?, [3, 4, 5, 6], 7),
                    true,
                )
            },
        ),
        // Spark and Hadoop's `yy/MM/dd HH:mm:ss`; the United States' `MM/dd/yy` where that
        // cannot be (Windows' DHCP server: `11/30/26`, no month 30).
        shape(
            r"(\d{2})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\b",
            |c| {
                let time = clock(c, 2000 + num(c, 1)? as i32, num(c, 2)?, [3, 4, 5, 6], 7)
                    .or_else(|| clock(c, 2000 + num(c, 3)? as i32, num(c, 1)?, [2, 4, 5, 6], 7));
                stamp(time, true)
            },
        ),
        // HDFS's `yyMMdd HHmmss`.
        shape(
            r"(\d{2})(\d{2})(\d{2}) (\d{2})(\d{2})(\d{2})\b",
            two_digit_year,
        ),
        // MySQL 5.x and MariaDB's error log: `161209 14:18:50`, the hour padded with a space
        // (`161209  9:18:50`).
        shape(
            r"(\d{2})(\d{2})(\d{2}) +(\d{1,2}):(\d{2}):(\d{2})\b",
            two_digit_year,
        ),
        // `dd.MM.yyyy HH:mm:ss` (European).
        shape(
            r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\b",
            |c| {
                let time = clock(c, num(c, 3)? as i32, num(c, 2)?, [1, 4, 5, 6], 7);
                stamp(time, true)
            },
        ),
        // `30 Nov 2026 14:01:02.123` (Redis, RFC 822 dates without the weekday), Tomcat's
        // `30-Nov-2026 14:01:02.123` and Oracle's listener `30-NOV-2026 14:01:02`; Redis before 3.2 leaves the year out (`30 May 12:23:52.442`).
        shape(
            &format!(
                r"(\d{{1,2}})[ -]((?i:{MONTHS}))(?:[ -](\d{{4}}))? (\d{{2}}):(\d{{2}}):(\d{{2}})(?:[.,](\d{{1,9}}))?\b"
            ),
            |c| {
                let year = c.get(3).and_then(|y| y.as_str().parse().ok());
                let month = month(c.get(2)?.as_str())?;
                let time = clock(c, year.unwrap_or(PLACEHOLDER_YEAR), month, [1, 4, 5, 6], 7);
                stamp(time, year.is_some())
            },
        ),
        // Access-log time `30/Nov/2026:14:01:02 +0000`; Django's development server writes
        // `30/Nov/2026 14:01:02`.
        shape(
            &format!(
                r"(\d{{2}})/({MONTHS})/(\d{{4}})[: ](\d{{2}}):(\d{{2}}):(\d{{2}})(?: ([+-]\d{{2}})(\d{{2}}))?\b"
            ),
            |c| {
                let time = named_month_clock(c, [3, 2], [1, 4, 5, 6], NO_FRACTION)?;
                match (c.get(7), c.get(8)) {
                    (Some(h), Some(m)) => Some(Stamp::Zoned(format!(
                        "{}{}:{}",
                        time.format("%Y-%m-%dT%H:%M:%S"),
                        h.as_str(),
                        m.as_str()
                    ))),
                    _ => stamp(Some(time), true),
                }
            },
        ),
        // ctime, as Apache's error log writes it: `Sun Dec 04 04:47:44 2005`.
        shape(
            &format!(
                r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ({MONTHS}) +(\d{{1,2}}) (\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.(\d{{1,9}}))? (\d{{4}})\b"
            ),
            |c| stamp(named_month_clock(c, [7, 1], [2, 3, 4, 5], 6), true),
        ),
        // java.util.logging's `SimpleFormatter` (Tomcat, JDK tools): `Dec 04, 2026 5:28:07 PM`;
        // WebLogic's `Nov 30, 2026 2:01:02,123 PM`; Plex's 24-hour `Nov 30, 2026 14:01:02.123`.
        shape(
            &format!(
                r"({MONTHS}) (\d{{1,2}}), (\d{{4}}) (\d{{1,2}}):(\d{{2}}):(\d{{2}})(?:[.,](\d{{1,9}}))?(?: ([AP]M))?\b"
            ),
            |c| {
                let time = named_month_clock(c, [3, 1], [2, 4, 5, 6], 7)?;
                let Some(half) = c.get(8) else {
                    return stamp(Some(time), true);
                };
                // 12 AM is midnight, 12 PM noon.
                let hour = time.hour() % 12 + if half.as_str() == "PM" { 12 } else { 0 };
                stamp(time.with_hour(hour), true)
            },
        ),
        // The United States' `11/30/2026 2:01:02 PM` (Windows' event exports, Log Analytics'
        // `11/30/2026, 2:01:02.123 PM`): the 12-hour clock says the order is month, day.
        shape(
            r"(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([AP]M)\b",
            |c| {
                let time = clock(c, num(c, 3)? as i32, num(c, 1)?, [2, 4, 5, 6], 7)?;
                let hour = time.hour() % 12 + if &c[8] == "PM" { 12 } else { 0 };
                stamp(time.with_hour(hour), true)
            },
        ),
        // `11/30/2026 14:01:02.123` or `30/11/2026 14:01:02` with a 24-hour clock (Akka,
        // .NET's and other locales' dates): the source's order says which is the month.
        // Suricata's `fast.log` joins date and time with a dash: `11/30/2026-14:01:02.123456`;
        // Valve's game servers with a spaced one: `L 11/30/2026 - 14:01:02: message`.
        shape(
            r"(\d{1,2})/(\d{1,2})/(\d{4})(?:-| (?:- )?)(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\b",
            numeric_date,
        ),
        // Splunk's own logs (`splunkd.log`): `11-30-2026 14:01:02.123 +0000`; dashed
        // day-first dates too (`30-11-2026`), by the source's order.
        shape(
            r"(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\b",
            numeric_date,
        ),
        // syslog's `Dec 10 06:55:46` (no year), also `Dec 10 2025 06:55:46`.
        shape(
            &format!(
                r"({MONTHS}) +(\d{{1,2}}) (?:(\d{{4}}) )?(\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.(\d{{1,9}}))?\b"
            ),
            |c| {
                let year = c.get(3).and_then(|y| y.as_str().parse().ok());
                let time = clock(
                    c,
                    year.unwrap_or(PLACEHOLDER_YEAR),
                    month(c.get(1)?.as_str())?,
                    [2, 4, 5, 6],
                    7,
                );
                stamp(time, year.is_some())
            },
        ),
        // Android's `03-17 16:13:38.811`, Proxifier's `10.30 16:49:06`, Snort's
        // `11/30-14:01:02.123456`, Windows' `netlogon.log` `11/30 14:01:02` and go-ethereum's
        // `11-30|14:01:02.123` (no year).
        shape(
            r"(\d{2})(?:[-.](\d{2})[ |]|/(\d{2})[- ])(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\b",
            |c| {
                let day = if c.get(2).is_some() { 2 } else { 3 };
                let time = clock(c, PLACEHOLDER_YEAR, num(c, 1)?, [day, 4, 5, 6], 7);
                stamp(time, false)
            },
        ),
        // Zabbix's server and agent logs: `  1234:20261130:140102.123`, the pid before the
        // date (the pid is not kept).
        shape(
            r"(\d{1,10}):(\d{4})(\d{2})(\d{2}):(\d{2})(\d{2})(\d{2})\.(\d{3})\b",
            |c| {
                let time = clock(c, num(c, 2)? as i32, num(c, 3)?, [4, 5, 6, 7], 8);
                stamp(time, true)
            },
        ),
        // Epoch seconds (10 digits, optional fraction) or milliseconds (13 digits).
        shape(r"(\d{10}(?:\.\d{1,9})?|\d{13})\b", |c| {
            let text = c.get(1)?.as_str();
            let value: f64 = text.parse().ok()?;
            let seconds = if text.len() == 13 { value / 1e3 } else { value };
            // 2001-09-09 .. 2286: a number in that range at the start is a time.
            (seconds >= 1e9).then_some(Stamp::Epoch(seconds))
        }),
    ]
});

/// `time` as `YYYY-MM-DDTHH:MM:SS[.f]`: the layout `values::parse_iso` reads back without
/// trial and error, the fraction as chrono's `%.f` writes it (none, 3, 6 or 9 digits).
pub(crate) fn iso_text(time: NaiveDateTime) -> String {
    // Written digit by digit: this runs once per text line, and `format!` costs more than
    // the parse that reads it back.
    use crate::common::{push_date_time, push_digits as digits};
    let mut out = Vec::with_capacity(29);
    push_date_time(&mut out, time, b'T');
    match time.nanosecond() {
        0 => {}
        // A leap second (`:60`) as chrono holds it.
        n if n >= 1_000_000_000 => out.extend_from_slice(format!(".{n}").as_bytes()),
        n if n % 1_000_000 == 0 => {
            out.push(b'.');
            digits(&mut out, n / 1_000_000, 3);
        }
        n if n % 1_000 == 0 => {
            out.push(b'.');
            digits(&mut out, n / 1_000, 6);
        }
        n => {
            out.push(b'.');
            digits(&mut out, n, 9);
        }
    }
    String::from_utf8(out).expect("ASCII digits and separators")
}

/// The first shape (ISO 8601 without a zone, the most common) read byte by byte: the same
/// stamp its regex gives, or `None` whenever the line is not plainly that shape (the regexes
/// then decide).
fn naive_iso_at(text: &str) -> Option<(Stamp, usize)> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        b.get(from..from + len)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let separated = |at: usize, seps: &[u8]| b.get(at).is_some_and(|c| seps.contains(c));
    // `2026-11-30`, `2026/11/30`, and ClickHouse's `2026.11.30`: the same mark twice.
    if !(separated(4, b"-/.") && b.get(7) == b.get(4) && separated(10, b"T ")) {
        return None;
    }
    // apt's history and term logs put two spaces between date and time
    // (`Start-Date: 2026-11-30  14:01:02`).
    let t = if b.get(10..12) == Some(b"  ") { 12 } else { 11 };
    if !(separated(t + 2, b":") && separated(t + 5, b":")) {
        return None;
    }
    let (y, mo, d) = (digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?);
    let (h, mi, s) = (digits(t, 2)?, digits(t + 3, 2)?, digits(t + 6, 2)?);
    let mut end = t + 8;
    let mut ns = 0;
    if separated(end, b".,") {
        let start = end + 1;
        end = start;
        while end < b.len() && b[end].is_ascii_digit() && end - start < 9 {
            end += 1;
        }
        if end == start {
            return None;
        }
        let fraction = digits(start, end - start)?;
        ns = fraction * 10u32.pow(9 - (end - start) as u32);
    }
    // A zone, more digits or a letter next: the regexes read it.
    if b.get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || !c.is_ascii())
    {
        return None;
    }
    if matches!(b.get(end), Some(b'+' | b'-')) && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((stamp(naive(y, mo, d, h, mi, s, ns), true)?, end))
}

/// Zone abbreviations servers write after a local time (PostgreSQL's `log_line_prefix`
/// `%m`: `2026-11-30 14:01:02.123 UTC`), with their offsets. Only unambiguous ones: `IST`
/// (India, Ireland, Israel) and `CST` (US, China) are left out.
const ZONE_WORDS: [(&str, &str); 18] = [
    ("UTC", "+00:00"),
    ("GMT", "+00:00"),
    ("WET", "+00:00"),
    ("WEST", "+01:00"),
    ("CET", "+01:00"),
    ("CEST", "+02:00"),
    ("EET", "+02:00"),
    ("EEST", "+03:00"),
    ("MSK", "+03:00"),
    ("EST", "-05:00"),
    ("EDT", "-04:00"),
    ("CDT", "-05:00"),
    ("MST", "-07:00"),
    ("MDT", "-06:00"),
    ("PST", "-08:00"),
    ("PDT", "-07:00"),
    ("JST", "+09:00"),
    ("AEST", "+10:00"),
];

/// The offset east of UTC, in seconds, of a zone abbreviation (`UTC`, `CET`, `EST`).
pub(crate) fn zone_word_secs(word: &str) -> Option<i32> {
    let (_, offset) = ZONE_WORDS.iter().find(|(name, _)| *name == word)?;
    let hours: i32 = offset[1..3].parse().ok()?;
    let minutes: i32 = offset[4..6].parse().ok()?;
    let secs = hours * 3600 + minutes * 60;
    Some(if offset.starts_with('-') { -secs } else { secs })
}

/// A local time followed by ` UTC` (or another zone word): the zoned stamp and the bytes the
/// zone word takes after `end`. A stamp that has a zone, or no zone word after it, is kept.
pub(crate) fn with_zone_word(stamp: Stamp, text: &str) -> (Stamp, usize) {
    let Stamp::Naive {
        time,
        has_year: true,
    } = stamp
    else {
        return (stamp, 0);
    };
    let Some(after) = text.strip_prefix(' ') else {
        return (stamp, 0);
    };
    // A numeric offset after a space: Icinga's `[2017-04-04 13:43:09 +0200]`, Serilog's file
    // sink `2026-11-30 14:01:02.123 +00:00 [ERR]`.
    let offset = after.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        offset
            .get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let colon = offset.get(3) == Some(&b':');
    let len = if colon { 6 } else { 5 };
    if offset.first().is_some_and(|b| matches!(b, b'+' | b'-'))
        && digits(1..3)
        && digits(if colon { 4..6 } else { 3..5 })
        && offset.get(len).is_none_or(|b| !b.is_ascii_alphanumeric())
    {
        let minutes = if colon { &after[4..6] } else { &after[3..5] };
        let zone = format!("{}:{minutes}", &after[..3]);
        return (Stamp::Zoned(format!("{}{zone}", iso_text(time))), 1 + len);
    }
    let word_len = after
        .find(|c: char| !c.is_ascii_uppercase())
        .unwrap_or(after.len());
    let word = &after[..word_len];
    match ZONE_WORDS.iter().find(|(name, _)| *name == word) {
        Some((_, offset)) => (
            Stamp::Zoned(format!("{}{offset}", iso_text(time))),
            1 + word_len,
        ),
        None => (stamp, 0),
    }
}

/// OpenVPN writes a time's microseconds apart: `2026-11-30 14:01:02 us=123456 message`. The
/// stamp with them, and the bytes they take after the time.
pub(crate) fn with_microseconds_word(stamp: Stamp, after: &str) -> (Stamp, usize) {
    let Some(digits) = after.strip_prefix(" us=") else {
        return (stamp, 0);
    };
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let ends = digits.as_bytes().get(len).is_none_or(|b| *b == b' ');
    match stamp {
        Stamp::Naive { time, has_year }
            if (1..=6).contains(&len) && ends && time.nanosecond() == 0 =>
        {
            let micros: i64 = digits[..len].parse().unwrap_or(0);
            let time = time + chrono::Duration::microseconds(micros);
            (Stamp::Naive { time, has_year }, 4 + len)
        }
        stamp => (stamp, 0),
    }
}

/// A timestamp starting exactly at the beginning of `text`: the stamp and its length.
pub(crate) fn timestamp_at(text: &str) -> Option<(Stamp, usize)> {
    let first = text.as_bytes().first()?;
    if !first.is_ascii_alphanumeric() {
        return None;
    }
    let digit = first.is_ascii_digit();
    if digit {
        if let Some(found) = naive_iso_at(text) {
            return Some(found);
        }
    }
    SHAPES.iter().find_map(|shape| {
        if shape.starts_with_digit != digit {
            return None;
        }
        let captures = shape.regex.captures(text)?;
        let stamp = (shape.read)(&captures)?;
        Some((stamp, captures.get(0)?.end()))
    })
}

/// Where a line's timestamp is: at the start, inside a leading bracket (`[...]`), or after
/// at most two short leading tokens (a file name, a flag). Returns the stamp, where it
/// starts and ends, and whether it was bracketed (the bracket's end is then `end`). A time
/// of day without a date counts only at the very start or in a leading bracket: after other
/// tokens, a bare time is more likely the message's.
pub(crate) fn find_timestamp(text: &str) -> Option<(Stamp, usize, usize)> {
    if let Some((stamp, len)) = timestamp_at(text) {
        return Some((stamp, 0, len));
    }
    if let Some((stamp, len)) = marked_timestamp_at(text) {
        return Some((stamp, 1, 1 + len));
    }
    // go-ethereum pads its level to five letters, glued to the bracket: `ERROR[11-30|...]`.
    let glued = text.get(..6).and_then(|head| head.find('['));
    if let Some(open) = glued.filter(|&open| open >= 4) {
        if text[..open].bytes().all(|b| b.is_ascii_uppercase()) {
            if let Some((stamp, len)) = timestamp_at(&text[open + 1..]) {
                return Some((stamp, open + 1, open + 1 + len));
            }
        }
    }
    if let Some((stamp, len)) = time_of_day_at(text) {
        return Some((stamp, 0, len));
    }
    if let Some((stamp, len)) = text.strip_prefix('[').and_then(time_of_day_at) {
        return Some((stamp, 1, 1 + len));
    }
    // A bare number after other tokens is more likely an id (a thread's, a request's) than
    // an epoch time: epochs count at the start, in a leading bracket (Nagios' `[1764511262]`)
    // or after labels only (Blue Gene/L's and Thunderbird's `- 1117838570 2005.06.03 ...`).
    let dated_at = |at: usize| {
        let found = timestamp_at(&text[at..])?;
        let labels_only = || {
            text[..at].split_whitespace().all(|token| {
                token.bytes().all(|b| {
                    b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'[')
                })
            })
        };
        (!matches!(found.0, Stamp::Epoch(_)) || labels_only()).then_some(found)
    };
    let mut start = 0;
    for _ in 0..3 {
        let rest = &text[start..];
        if rest.starts_with('[') {
            if let Some((stamp, len)) = dated_at(start + 1) {
                let open = start + 1;
                return Some((stamp, open, open + len));
            }
        }
        // The next token, within the first 120 bytes.
        let token_end = start + rest.find(char::is_whitespace)?;
        let next = token_end + text[token_end..].len() - text[token_end..].trim_start().len();
        // S3's server access log puts a 64-digit owner id and the bucket before its time.
        if next >= text.len() || next > 120 {
            return None;
        }
        if let Some((stamp, len)) = dated_at(next) {
            return Some((stamp, next, next + len));
        }
        if let Some((stamp, len)) = marked_timestamp_at(&text[next..]) {
            return Some((stamp, next + 1, next + 1 + len));
        }
        start = next;
    }
    None
}

/// Cisco IOS marks a time its clock is not sure of: `*Nov 30 14:01:02.123:` (never set),
/// `.Nov 30 ...` (set, but not in sync since).
fn marked_timestamp_at(text: &str) -> Option<(Stamp, usize)> {
    let unmarked = text.strip_prefix(['*', '.'])?;
    if !unmarked.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    timestamp_at(unmarked)
}

mod time_of_day;
use time_of_day::time_of_day_at;

#[cfg(test)]
mod tests;
