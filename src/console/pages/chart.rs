//! The call log's chart: calls per UTC day, stacked by outcome, as inline
//! SVG (no script). Labels are escaped by maud.

use maud::{html, Markup};

const WIDTH: i64 = 720;
const HEIGHT: i64 = 160;
const PALETTE: [&str; 8] = [
    "#2b7a3d", "#c0392b", "#d68910", "#2471a3", "#7d3c98", "#566573", "#17a589", "#a04000",
];

/// `rows` are (day since the epoch, outcome, count) for `days` days
/// ending with `last_day`.
pub fn per_day(rows: &[(i64, String, i64)], last_day: i64, days: i64) -> Markup {
    let mut outcomes: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    outcomes.sort_unstable();
    outcomes.dedup();
    let first_day = last_day - days + 1;
    let total = |d: i64| rows.iter().filter(|r| r.0 == d).map(|r| r.2).sum::<i64>();
    let max = (first_day..=last_day).map(total).max().unwrap_or(0).max(1);
    let slot = WIDTH / days.max(1);
    let colour = |o: &str| {
        known_colour(o).unwrap_or_else(|| {
            PALETTE[outcomes.iter().position(|x| *x == o).unwrap_or(0) % PALETTE.len()]
        })
    };
    html! {
        figure.chart {
            svg width=(WIDTH) height=(HEIGHT + 20) viewBox={ "0 0 " (WIDTH) " " (HEIGHT + 20) } role="img" aria-label="Calls per day by outcome" {
                @for d in first_day..=last_day {
                    @let x = (d - first_day) * slot;
                    @let mut y = HEIGHT;
                    @for (_, outcome, n) in rows.iter().filter(|r| r.0 == d) {
                        @let h = n * HEIGHT / max;
                        @let top = { y -= h; y };
                        rect x=(x + 2) y=(top) width=(slot - 4) height=(h) fill=(colour(outcome)) {
                            title { (outcome) ": " (n) }
                        }
                    }
                    @if (d - first_day) % 2 == 0 {
                        text x=(x + 2) y=(HEIGHT + 14) font-size="10" { (day_label(d)) }
                    }
                }
            }
            figcaption {
                "Calls per day (UTC), most: " (max) ". "
                @for o in &outcomes {
                    span.legend { svg width="10" height="10" { rect width="10" height="10" fill=(colour(o)) {} } " " (o) }
                }
            }
        }
    }
}

/// Fixed colours for the usual outcomes, so a chart reads the same every
/// day.
fn known_colour(outcome: &str) -> Option<&'static str> {
    Some(match outcome {
        "passed" | "allowlisted" | "remembered" => "#2b7a3d",
        "failed" | "blocked" | "rejected" => "#c0392b",
        "timeout" => "#d68910",
        "abandoned" => "#7f8c8d",
        "in progress" => "#2471a3",
        _ => return None,
    })
}

/// `MM-DD` of a day since the epoch.
fn day_label(day: i64) -> String {
    let text = crate::console::calls::rfc3339_ms(day * 86_400_000);
    text.get(5..10).unwrap_or("").to_owned()
}
