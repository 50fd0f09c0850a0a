//! A view file's text for one configuration. Parts of the SLO views serve composite SLOs
//! only (a UNION ALL branch over `slo_members`); between `-- BEGIN composite SLOs` and
//! `-- END composite SLOs` lines, they are left out when no composite SLO is configured.
//! DataFusion plans every branch of a view even when its input is empty, and a branch
//! repeats the CTE it reads (`slo_slices`' slices, `slo_status`' hour sums): without them a
//! cold `slo_status` plans in about half the time. (Registering `slo_members` as an empty
//! relation instead, so that the optimizer drops the branches, met two optimizer bugs in
//! DataFusion 55: see docs/src/performance.md, "SLO evaluation".) Text run without this (the SLO snapshot
//! session's files) keeps every block, which is always correct, only slower to plan.

use std::borrow::Cow;

/// The line that opens a block for composite SLOs (compared trimmed).
pub(crate) const BEGIN_COMPOSITE: &str = "-- BEGIN composite SLOs";
/// The line that closes it.
pub(crate) const END_COMPOSITE: &str = "-- END composite SLOs";

/// `sql` as the views are made from it: unchanged with composite SLOs configured, else
/// without its composite blocks (marker lines included). Blocks do not nest; an unclosed
/// block runs to the end of the file (the test below keeps every shipped file closed).
pub(crate) fn view_text(sql: &str, composite_slos: bool) -> Cow<'_, str> {
    if composite_slos || !sql.contains(BEGIN_COMPOSITE) {
        return Cow::Borrowed(sql);
    }
    let mut kept = String::with_capacity(sql.len());
    let mut inside = false;
    for line in sql.split_inclusive('\n') {
        match line.trim() {
            BEGIN_COMPOSITE => inside = true,
            END_COMPOSITE => inside = false,
            _ if !inside => kept.push_str(line),
            _ => {}
        }
    }
    Cow::Owned(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: &str = "CREATE VIEW v AS\nSELECT a FROM t\n  -- BEGIN composite SLOs\nUNION ALL\n\
                        SELECT a FROM members\n  -- END composite SLOs\n;\nCREATE VIEW w AS SELECT 1";

    #[test]
    fn composite_blocks_go_only_without_composite_slos() {
        assert_eq!(view_text(VIEW, true), VIEW);
        assert_eq!(
            view_text(VIEW, false),
            "CREATE VIEW v AS\nSELECT a FROM t\n;\nCREATE VIEW w AS SELECT 1"
        );
        assert!(matches!(view_text("SELECT 1", false), Cow::Borrowed(_)));
    }

    #[test]
    fn every_view_file_closes_its_composite_blocks() {
        for (file, sql) in super::super::SQL_FILES {
            let mut open = false;
            for line in sql.lines().map(str::trim) {
                if line == BEGIN_COMPOSITE || line == END_COMPOSITE {
                    assert_eq!(open, line == END_COMPOSITE, "{file}: unbalanced {line:?}");
                    open = !open;
                }
            }
            assert!(!open, "{file}: {BEGIN_COMPOSITE:?} never closed");
        }
    }
}
