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
