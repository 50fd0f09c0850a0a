-- slo_windows: each SLO's window at shape.as_of: [window_start, window_end) with
-- window_end = as_of (exclusive). Rolling windows reach back window_seconds; calendar windows
-- are the week (from Monday), month or quarter, in the SLO's time zone, containing the
-- instant just before as_of. period_seconds is the window's full length (a calendar period's
-- own length), elapsed_seconds the part already behind as_of.
CREATE VIEW slo_windows AS
SELECT
    d.*,
    shape_window_start(shape_as_of(), d.window_seconds, d.calendar_unit, d.timezone) AS window_start,
    shape_as_of() AS window_end,
    shape_window_seconds(shape_as_of(), d.window_seconds, d.calendar_unit, d.timezone) AS window_length_seconds,
    to_unixtime(shape_as_of())
        - to_unixtime(shape_window_start(shape_as_of(), d.window_seconds, d.calendar_unit, d.timezone)) AS elapsed_seconds
FROM slo_definitions d
