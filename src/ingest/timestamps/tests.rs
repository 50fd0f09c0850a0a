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
