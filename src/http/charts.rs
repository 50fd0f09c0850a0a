//! The dashboard's charts: inline SVG drawn here from numbers only (formatted floats), never
//! from row text, so they can be inserted unescaped. Row text around them goes through maud.

use maud::{html, Markup, PreEscaped};

use super::pages::{decimal, figure, percent};
use super::query::{number, text, Row};

const CHART_WIDTH: f64 = 720.0;
const CHART_HEIGHT: f64 = 220.0;

/// The budget remaining per step against the ideal line, as SVG polylines. The y axis runs
/// from the lowest value (at most 0) to 1.
pub(super) fn burndown_chart(rows: &[Row]) -> Markup {
    if rows.len() < 2 {
        return html! { p.empty { "Not enough data for a chart yet." } };
    }
    let actual: Vec<f64> = rows
        .iter()
        .map(|r| number(r, "budget_remaining").unwrap_or(f64::NAN))
        .collect();
    let ideal: Vec<f64> = rows
        .iter()
        .map(|r| number(r, "ideal_remaining").unwrap_or(f64::NAN))
        .collect();
    let low = actual
        .iter()
        .chain(&ideal)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min);
    let x = |i: usize| i as f64 * CHART_WIDTH / (rows.len() - 1) as f64;
    let y = |v: f64| (1.0 - v) / (1.0 - low) * CHART_HEIGHT;
    let points = |values: &[f64]| -> String {
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let zero = y(0.0);
    let svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" \
         aria-label=\"budget remaining over the window\">\
         <line class=\"zero\" x1=\"0\" x2=\"{CHART_WIDTH}\" y1=\"{zero:.1}\" y2=\"{zero:.1}\"/>\
         <polyline class=\"ideal\" points=\"{}\"/><polyline class=\"actual\" points=\"{}\"/></svg>",
        points(&ideal),
        points(&actual)
    );
    let last = rows.last().expect("two rows at least");
    html! {
        // Numbers only went into the SVG text above (formatted floats), never row text.
        (PreEscaped(svg))
        p.legend {
            "from " (text(&rows[0], "time")) " to " (text(last, "time")) ": budget left "
            (figure(last, "budget_remaining", percent(number(last, "budget_remaining"))))
            " (ideal " (percent(number(last, "ideal_remaining"))) ")"
        }
    }
}

/// Each tier's long-window burn rate per hour (`slo_burn_history` rows of one SLO, ordered
/// by tier and time), one line per tier with its factor as a dashed line of the same colour.
/// Hours without events leave a gap. The y axis runs from 0 to the highest burn or factor.
pub(super) fn burn_chart(rows: &[Row]) -> Markup {
    let mut tiers: Vec<(i64, Vec<&Row>)> = Vec::new();
    for row in rows {
        let tier = number(row, "tier").unwrap_or(0.0) as i64;
        match tiers.last_mut() {
            Some((t, members)) if *t == tier => members.push(row),
            _ => tiers.push((tier, vec![row])),
        }
    }
    let steps = tiers.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    if steps < 2 {
        return html! { p.empty { "Not enough data for a chart yet." } };
    }
    let high = rows
        .iter()
        .flat_map(|r| [number(r, "burn_rate"), number(r, "factor")])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(1.0_f64, f64::max);
    let x = |i: usize| i as f64 * CHART_WIDTH / (steps - 1) as f64;
    let y = |v: f64| (1.0 - v / high) * CHART_HEIGHT;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" \
         aria-label=\"burn rate per tier over the window\">"
    );
    for (position, (tier, members)) in tiers.iter().enumerate() {
        let colour = position % TIER_COLOURS;
        // Tiers share the time axis; a tier with fewer steps is aligned on the last one.
        let offset = steps - members.len();
        let mut segment: Vec<String> = Vec::new();
        let mut flush = |segment: &mut Vec<String>| {
            if !segment.is_empty() {
                svg.push_str(&format!(
                    "<polyline class=\"burn c{colour}\" data-tier=\"{tier}\" points=\"{}\"/>",
                    segment.join(" ")
                ));
                segment.clear();
            }
        };
        for (i, row) in members.iter().enumerate() {
            match number(row, "burn_rate").filter(|v| v.is_finite()) {
                Some(v) => segment.push(format!("{:.1},{:.1}", x(i + offset), y(v))),
                None => flush(&mut segment),
            }
        }
        flush(&mut segment);
        if let Some(factor) = number(members[0], "factor").filter(|v| v.is_finite()) {
            let level = y(factor);
            svg.push_str(&format!(
                "<line class=\"factor c{colour}\" x1=\"0\" x2=\"{CHART_WIDTH}\" \
                 y1=\"{level:.1}\" y2=\"{level:.1}\"/>"
            ));
        }
    }
    svg.push_str("</svg>");
    html! {
        // Numbers only went into the SVG text above, never row text.
        (PreEscaped(svg))
        ul.legend {
            @for (position, (tier, members)) in tiers.iter().enumerate() {
                @let last = members.last().expect("a tier has rows");
                li class={ "c" (position % TIER_COLOURS) } data-tier=(tier) {
                    (text(last, "severity")) " over " (text(last, "long_window"))
                    ": now " (figure(last, "burn_rate", decimal(number(last, "burn_rate"), 2)))
                    ", factor " (decimal(number(last, "factor"), 2))
                }
            }
        }
    }
}

/// Distinct tier colours in app.css (`.c0` to `.c3`), reused past four tiers.
const TIER_COLOURS: usize = 4;
