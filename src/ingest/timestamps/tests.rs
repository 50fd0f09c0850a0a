use super::*;

#[test]
fn the_byte_by_byte_iso_reading_agrees_with_its_regex() {
    let by_regex = |text: &str| {
        let shape = &SHAPES[0];
        let captures = shape.regex.captures(text)?;
        Some(((shape.read)(&captures)?, captures.get(0)?.end()))
    };
    for text in [
        "2026-11-30 14:01:02,123 ERROR [main] x",
        "2026-11-30T14:01:02.123456789 msg",
        "2026/11/30 14:01:02 msg",
        "2026-11-30 14:01:02",
        "2026-11-30 14:01:02.5",
        "2026-11-30 14:01:02 - msg",
        "2016-12-31 23:59:60.5 leap",
    ] {
        assert_eq!(naive_iso_at(text), by_regex(text), "{text}");
        assert!(naive_iso_at(text).is_some(), "{text}");
    }
    // Shapes it leaves to the regexes (zones, no seconds, long fractions, words after).
    for text in [
        "2026-11-30T14:01:02Z msg",
        "2026-11-30T14:01:02+01:00 msg",
        "2026-11-30 14:01 msg",
        "2026-11-30 14:01:02.1234567891 x",
        "2026-11-30 14:01:02,x",
        "2026-11-30 14:01:02abc",
        "2026-13-30 14:01:02 bad month",
    ] {
        assert_eq!(naive_iso_at(text), None, "{text}");
    }
    // apt's two spaces between date and time: the same time, one byte further.
    let (one, one_end) = naive_iso_at("2026-11-30 14:01:02 x").unwrap();
    assert_eq!(
        naive_iso_at("2026-11-30  14:01:02 x"),
        Some((one.clone(), one_end + 1))
    );
    let (fraction, _) = naive_iso_at("2026-11-30 14:01:02.25").unwrap();
    assert_eq!(naive_iso_at("2026-11-30  14:01:02.25").unwrap().0, fraction);
    assert_eq!(naive_iso_at("2026-11-30   14:01:02"), None);
}

#[test]
fn iso_text_writes_what_chrono_writes() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
    for (h, m, s, nanos) in [
        (0, 0, 0, 0),
        (9, 5, 3, 120_000_000),
        (23, 59, 59, 123_456_000),
        (12, 30, 1, 123_456_789),
        (1, 2, 3, 7),
    ] {
        let time = day.and_hms_nano_opt(h, m, s, nanos).unwrap();
        assert_eq!(
            iso_text(time),
            time.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
            "{time:?}"
        );
    }
}

/// `yy/MM/dd` (Spark, Hadoop) unless it cannot be; then the United States' `MM/dd/yy`
/// (Windows' DHCP server log).
#[test]
fn two_digit_year_slashed_dates() {
    let at = |text: &str| match timestamp_at(text) {
        Some((Stamp::Naive { time, has_year }, _)) => {
            assert!(has_year, "{text}");
            time.to_string()
        }
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(at("17/06/09 20:10:40 INFO x"), "2017-06-09 20:10:40");
    assert_eq!(at("11/30/26 14:01:02"), "2026-11-30 14:01:02");
    // Both readings possible: Spark's wins (documented).
    assert_eq!(at("11/05/26 14:01:02"), "2011-05-26 14:01:02");
    assert!(timestamp_at("13/30/26 14:01:02").is_none());
}

fn order_of(lines: &[&str]) -> Option<DateOrder> {
    date_order_of(lines.iter().copied())
}

#[test]
fn a_number_over_twelve_proves_the_order_and_the_majority_decides() {
    assert_eq!(
        order_of(&["03/11/2026 14:01:02 a", "30/11/2026 14:01:03 b"]),
        Some(DateOrder::DayFirst)
    );
    assert_eq!(
        order_of(&["11/03/2026 14:01:02 a", "11/30/2026 14:01:03 b"]),
        Some(DateOrder::MonthFirst)
    );
    // Splunk's dashed dates and Valve's spaced dash count too.
    assert_eq!(
        order_of(&["13-11-2026 14:01:02.123 +0000 INFO x"]),
        Some(DateOrder::DayFirst)
    );
    assert_eq!(
        order_of(&[
            "L 11/13/2026 - 14:01:02: a",
            "L 11/14/2026 - 14:01:02: b",
            "L 14/11/2026 - 14:01:02: c",
        ]),
        Some(DateOrder::MonthFirst)
    );
}

#[test]
fn dates_that_fit_both_ways_are_read_the_way_they_lie_closer() {
    // One day apart read day first, a month apart read month first.
    let day_first = ["02/11/2026 23:59:58 a", "x", "03/11/2026 00:00:01 b"];
    assert_eq!(order_of(&day_first), Some(DateOrder::DayFirst));
    let month_first = ["11/02/2026 23:59:58 a", "11/03/2026 00:00:01 b"];
    assert_eq!(order_of(&month_first), Some(DateOrder::MonthFirst));
    // One day only, ISO dates, no dates: nothing to go by.
    assert_eq!(
        order_of(&["02/11/2026 10:00:00 a", "02/11/2026 11:00:00 b"]),
        None
    );
    assert_eq!(order_of(&["2026-11-02 10:00:00 a", "plain"]), None);
    assert_eq!(order_of(&[]), None);
}

#[test]
fn a_numeric_date_reads_the_way_asked_unless_that_is_no_date() {
    let read = |text: &str, order| match timestamp_at(text) {
        Some((Stamp::Numeric(date), _)) => iso_text(date.read(order)),
        other => panic!("{text}: {other:?}"),
    };
    for (text, order, want) in [
        (
            "03/11/2026 14:01:02",
            DateOrder::DayFirst,
            "2026-11-03T14:01:02",
        ),
        (
            "03/11/2026 14:01:02",
            DateOrder::MonthFirst,
            "2026-03-11T14:01:02",
        ),
        (
            "11/30/2026 14:01:02",
            DateOrder::DayFirst,
            "2026-11-30T14:01:02",
        ),
        (
            "30/11/2026 14:01:02",
            DateOrder::MonthFirst,
            "2026-11-30T14:01:02",
        ),
    ] {
        assert_eq!(read(text, order), want, "{text} {order:?}");
    }
    // Neither reading is a date.
    assert!(timestamp_at("31/31/2026 14:01:02").is_none());
    assert_eq!(DateOrder::parse("day_first"), Some(DateOrder::DayFirst));
    assert_eq!(DateOrder::parse("dd/mm"), None);
}
