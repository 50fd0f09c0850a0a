//! A time of day without a date: `14:01:02`, `14:01:02.123` and Go's `time.Kitchen`
//! (`3:04PM`), for lines that leave the date to their file.

use chrono::NaiveTime;

use super::Stamp;

/// A time of day alone, `14:01:02` or `14:01:02.123`, then a space or the end; or Go's
/// `time.Kitchen`, `3:04PM` (zerolog's console writer).
pub(super) fn time_of_day_at(text: &str) -> Option<(Stamp, usize)> {
    let b = text.as_bytes();
    if let Some(kitchen) = kitchen_time_at(b) {
        return Some(kitchen);
    }
    let two = |at: usize| -> Option<u32> {
        let d = b.get(at..at + 2)?;
        (d[0].is_ascii_digit() && d[1].is_ascii_digit())
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    if b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return None;
    }
    let (h, mi, s) = (two(0)?, two(3)?, two(6)?);
    let mut end = 8;
    let mut nanos = 0;
    if matches!(b.get(8), Some(b'.' | b',')) {
        let digits = b[9..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        let fraction: u32 = text[9..9 + digits].parse().ok()?;
        nanos = fraction * 10u32.pow(9 - digits as u32);
        end = 9 + digits;
    }
    // Falco closes its time with a colon: `14:01:02.123456789: Warning ...`.
    let colon_closed = b.get(end) == Some(&b':') && b.get(end + 1) == Some(&b' ');
    if !colon_closed && !matches!(b.get(end), None | Some(b' ' | b'\t' | b']')) {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)?;
    Some((Stamp::TimeOfDay(time), end))
}

/// `3:04PM` or `11:59AM`, then a space.
fn kitchen_time_at(b: &[u8]) -> Option<(Stamp, usize)> {
    let colon = b.iter().take(3).position(|c| *c == b':')?;
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let d = b.get(range)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let hour = digits(0..colon).filter(|h| (1..=12).contains(h))?;
    let minute = digits(colon + 1..colon + 3)?;
    let end = colon + 5;
    let pm = match b.get(colon + 3..end)? {
        b"AM" => false,
        b"PM" => true,
        _ => return None,
    };
    if b.get(end) != Some(&b' ') {
        return None;
    }
    let hour = hour % 12 + if pm { 12 } else { 0 };
    Some((
        Stamp::TimeOfDay(NaiveTime::from_hms_opt(hour, minute, 0)?),
        end,
    ))
}
