//! The report's charts, drawn by plotters into SVG text that the page inlines.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use schema::queries::tenant_growth::TenantGrowth;
use schema::queries::Funnel;

/// One chart's drawing area, in pixels.
const SIZE: (u32, u32) = (640, 360);
const FONT: (&str, u32) = ("sans-serif", 14);
const BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GREEN: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const RED: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const GREY: RGBColor = RGBColor(0x88, 0x88, 0x88);

/// Runs `draw` on a fresh SVG canvas and returns the SVG text.
fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>) -> Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| Error::Other(e.to_string()))?;
        draw(&root)?;
        root.present().map_err(|e| Error::Other(e.to_string()))?;
    }
    Ok(text)
}

/// Maps plotters' drawing errors, which borrow the backend, into owned ones.
fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T> {
    r.map_err(|e| Error::Other(format!("drawing a chart: {e}")))
}

/// The legend of a chart's labelled series, boxed in its top right corner.
fn legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
) -> Result<()> {
    ok(chart
        .configure_series_labels()
        .border_style(GREY)
        .background_style(WHITE.mix(0.9))
        .draw())
}

/// The funnel as horizontal bars on a log scale (the counts span six orders of
/// magnitude), `sent` at the top.
pub fn funnel(f: &Funnel) -> Result<String> {
    let mut stages = [
        ("sent", f.sent, BLUE),
        ("delivered", f.delivered, BLUE),
        ("opened", f.opened_tracked, BLUE),
        ("clicked", f.clicked_tracked, BLUE),
        ("replied", f.replied, GREEN),
        ("bounced", f.bounced, RED),
        ("unsubscribed", f.unsubscribed, ORANGE),
        ("spam", f.spam_complaints, RED),
    ];
    // Segments count from the bottom.
    stages.reverse();
    let top = stages.iter().map(|s| s.1).max().unwrap_or(1).max(10) as f64 * 2.0;
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Campaign funnel (emails, log scale)", FONT)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(100)
            .build_cartesian_2d(
                (0.5f64..top).log_scale(),
                (0usize..stages.len()).into_segmented(),
            ))?;
        ok(chart
            .configure_mesh()
            .y_labels(stages.len())
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => {
                    stages.get(*i).map_or(String::new(), |s| s.0.to_owned())
                }
                _ => String::new(),
            })
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw())?;
        for (i, (_, n, color)) in stages.iter().enumerate() {
            let end = (*n as f64).max(0.5);
            ok(chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.5, SegmentValue::Exact(i)),
                    (end, SegmentValue::Exact(i + 1)),
                ],
                color.mix(0.8).filled(),
            ))))?;
        }
        Ok(())
    })
}

/// Each benchmark as a band (its published range, in the middle half of the row) with a
/// dot for the measured value, placed on the same scale; a dot outside the band is out of
/// range.
pub fn benchmarks(rows: &[(&str, (f64, f64), Option<f64>)]) -> Result<String> {
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Rates against their published ranges", FONT)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, (0usize..rows.len()).into_segmented()))?;
        ok(chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("below range ← position → above range")
            .x_label_formatter(&|_| String::new())
            .y_labels(rows.len())
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => format!("#{}", i + 1),
                _ => String::new(),
            })
            .draw())?;
        for (i, (_, (lo, hi), value)) in rows.iter().enumerate() {
            ok(chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.25, SegmentValue::Exact(i)),
                    (0.75, SegmentValue::Exact(i + 1)),
                ],
                GREEN.mix(0.25).filled(),
            ))))?;
            if let Some(v) = value {
                let width = (hi - lo).max(f64::EPSILON);
                let x = (0.25 + 0.5 * (v - lo) / width).clamp(0.02, 0.98);
                let inside = (*lo..=*hi).contains(v);
                let color = if inside { BLUE } else { RED };
                ok(chart.draw_series(std::iter::once(Circle::new(
                    (x, SegmentValue::CenterOf(i)),
                    6,
                    color.filled(),
                ))))?;
            }
        }
        Ok(())
    })
}

/// How many tenants send how much, in decades of emails: a skewed base has a long right
/// tail.
pub fn tenant_sizes(emails_per_tenant: &[(String, i64)]) -> Result<String> {
    let mut decades: BTreeMap<u32, usize> = BTreeMap::new();
    for (_, n) in emails_per_tenant {
        let decade = if *n <= 0 {
            0
        } else {
            (*n as f64).log10().floor() as u32 + 1
        };
        *decades.entry(decade).or_default() += 1;
    }
    let max_decade = decades.keys().max().copied().unwrap_or(1);
    let short = |n: u64| match n {
        n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 => format!("{}k", n / 1_000),
        n => n.to_string(),
    };
    // Bucket d > 0 holds 10^(d-1) ..= 10^d - 1.
    let label = |d: u32| match d {
        0 => "0".to_owned(),
        d => format!("{}–{}", short(10u64.pow(d - 1)), short(10u64.pow(d) - 1)),
    };
    let tallest = decades.values().max().copied().unwrap_or(1);
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Tenants by campaign emails sent (log buckets)", FONT)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(40)
            .build_cartesian_2d((0u32..max_decade).into_segmented(), 0usize..tallest + 1))?;
        ok(chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("emails per tenant")
            .y_desc("tenants")
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(d) => label(*d),
                _ => String::new(),
            })
            .draw())?;
        ok(chart.draw_series(
            Histogram::vertical(&chart)
                .style(BLUE.mix(0.8).filled())
                .margin(4)
                .data(decades.iter().map(|(d, n)| (*d, *n))),
        ))?;
        Ok(())
    })
}

/// Tenants month by month: active, new, churned and on a trial.
pub fn tenants_by_month(growth: &[TenantGrowth]) -> Result<String> {
    type Series = (&'static str, RGBColor, fn(&TenantGrowth) -> i64);
    let series: [Series; 4] = [
        ("active", BLUE, |g| g.active_tenants),
        ("new", GREEN, |g| g.new_tenants),
        ("churned", RED, |g| g.churned_tenants),
        ("trial", ORANGE, |g| g.trial_tenants),
    ];
    let top = growth.iter().map(|g| g.active_tenants).max().unwrap_or(1) + 1;
    let months = growth.len();
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Tenants month by month", FONT)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(40)
            .build_cartesian_2d(0usize..months.saturating_sub(1).max(1), 0i64..top))?;
        ok(chart
            .configure_mesh()
            .x_labels(months.min(12))
            .x_label_formatter(&|i| {
                growth.get(*i).map_or(String::new(), |g| {
                    g.period_start.format("%Y-%m").to_string()
                })
            })
            .y_desc("tenants")
            .draw())?;
        for (name, color, value) in series {
            ok(chart.draw_series(LineSeries::new(
                growth.iter().enumerate().map(|(i, g)| (i, value(g))),
                color.stroke_width(2),
            )))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        legend(&mut chart)?;
        Ok(())
    })
}

/// Campaign emails sent, month by month.
pub fn emails_by_month(growth: &[TenantGrowth]) -> Result<String> {
    let top = growth
        .iter()
        .map(|g| g.emails_sent)
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Campaign emails sent, month by month", FONT)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((0usize..growth.len()).into_segmented(), 0f64..top))?;
        ok(chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(growth.len().min(12))
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => growth.get(*i).map_or(String::new(), |g| {
                    g.period_start.format("%Y-%m").to_string()
                }),
                _ => String::new(),
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw())?;
        ok(chart.draw_series(growth.iter().enumerate().map(|(i, g)| {
            Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), g.emails_sent as f64),
                ],
                BLUE.mix(0.8).filled(),
            )
        })))?;
        Ok(())
    })
}

/// A scatter plot of `points` on `x` and `y` ranges, with an optional line through
/// `trend`.
fn scatter(
    title: &str,
    (x_desc, x_range): (&str, std::ops::Range<f64>),
    (y_desc, y_range): (&str, std::ops::Range<f64>),
    points: &[(f64, f64)],
    trend: &[(f64, f64)],
) -> Result<String> {
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption(title, FONT)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range, y_range))?;
        ok(chart.configure_mesh().x_desc(x_desc).y_desc(y_desc).draw())?;
        ok(chart.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 2, BLUE.mix(0.35).filled())),
        ))?;
        if !trend.is_empty() {
            ok(chart.draw_series(LineSeries::new(
                trend.iter().copied(),
                ORANGE.stroke_width(3),
            )))?
            .label("mean")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], ORANGE.stroke_width(3)));
            legend(&mut chart)?;
        }
        Ok(())
    })
}

/// Mailbox health against the bounce rate of its campaign mail, per mailbox and month.
pub fn health_vs_bounce(points: &[(f64, f64)]) -> Result<String> {
    let max_bounce = points.iter().map(|p| p.1).fold(0.01, f64::max) * 1.05;
    let swapped: Vec<(f64, f64)> = points.iter().map(|&(h, b)| (b * 100.0, h)).collect();
    scatter(
        "Mailbox health against bounce rate",
        ("bounce rate of campaign mail (%)", 0.0..max_bounce * 100.0),
        ("health score", 0.0..101.0),
        &swapped,
        &[],
    )
}

/// Warmup progress against months since the mailbox first appeared, with the mean
/// progress of each month: the ramp.
pub fn warmup_ramps(points: &[(f64, f64)]) -> Result<String> {
    let months = points.iter().map(|p| p.0).fold(1.0, f64::max) + 0.5;
    let mut by_month: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for &(month, progress) in points {
        let (sum, n) = by_month.entry(month as i64).or_default();
        *sum += progress;
        *n += 1.0;
    }
    let mean: Vec<(f64, f64)> = by_month
        .iter()
        .map(|(&m, &(sum, n))| (m as f64, sum / n))
        .collect();
    scatter(
        "Warmup ramps",
        ("months since the mailbox's first period", -0.5..months),
        ("warmup progress (%)", 0.0..101.0),
        points,
        &mean,
    )
}

/// Each step position's share of all replies.
pub fn reply_share(replies_by_position: &BTreeMap<i32, i64>) -> Result<String> {
    let total = replies_by_position.values().sum::<i64>().max(1) as f64;
    let last = replies_by_position
        .keys()
        .max()
        .copied()
        .unwrap_or(1)
        .max(1);
    svg(|root| {
        let mut chart = ok(ChartBuilder::on(root)
            .caption("Share of replies by step position", FONT)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((1i32..last + 1).into_segmented(), 0f64..100f64))?;
        ok(chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("step position")
            .y_desc("% of replies")
            .draw())?;
        ok(
            chart.draw_series(replies_by_position.iter().map(|(&p, &n)| {
                Rectangle::new(
                    [
                        (SegmentValue::Exact(p), 0.0),
                        (SegmentValue::Exact(p + 1), n as f64 / total * 100.0),
                    ],
                    GREEN.mix(0.8).filled(),
                )
            })),
        )?;
        Ok(())
    })
}
