//! The page: one self-contained HTML file, its charts inline SVG, nothing loaded from the
//! network. Every figure a test may compare carries a `data-metric` attribute.

use std::fmt::Write as _;

use crate::error::Result;
use sim::realism::BENCHMARKS;

use super::charts;
use super::data::Warehouse;

const STYLE: &str = "body{font-family:sans-serif;max-width:1340px;margin:24px auto;color:#222}\
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}svg{border:1px solid #eee}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#c00;font-weight:bold}.ok{color:#080}\
.thin{color:#666;font-style:italic}";

/// Text safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("–".to_owned(), |r| format!("{:.2}%", r * 100.0))
}

fn thin(html: &mut String, text: &str) {
    let _ = write!(html, "<p class=\"thin\">{}</p>", escape(text));
}

/// Renders the page of `w`, a warehouse at `target` (already redacted); returns the HTML
/// and the number of charts drawn.
pub fn render(w: &Warehouse, target: &str) -> Result<(String, usize)> {
    let mut html = String::new();
    let mut charts = 0;
    let mut figure = |html: &mut String, svg: String| {
        charts += 1;
        let _ = write!(html, "<figure>{svg}</figure>");
    };
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>PenguinMails warehouse report</title><style>{STYLE}</style></head><body>\
         <h1>PenguinMails warehouse report</h1><p>Warehouse: <code>{}</code>. \
         <span data-metric=\"tenants\">{}</span> tenants, \
         <span data-metric=\"periods\">{}</span> billing periods, \
         <span data-metric=\"emails_sent\">{}</span> campaign emails.</p>",
        escape(target),
        w.emails_per_tenant.len(),
        w.growth.len(),
        w.funnel.sent
    );
    let empty = w.emails_per_tenant.is_empty();
    if empty {
        thin(&mut html, "This warehouse holds no data yet: there is nothing to draw. `cargo xtask seed` fills it.");
    } else {
        html.push_str("<h2>1. The funnel</h2><div class=\"charts\">");
        figure(&mut html, charts::funnel(&w.funnel)?);
        html.push_str("<table><tr><th>stage</th><th>emails</th><th>rate</th></tr>");
        let f = &w.funnel;
        let r = &w.rates;
        for (name, n, rate, of) in [
            ("sent", f.sent, None, ""),
            ("delivered", f.delivered, r.delivery_rate, "of sent"),
            (
                "opened (tracked)",
                f.opened_tracked,
                r.open_rate,
                "of delivered",
            ),
            (
                "clicked (tracked)",
                f.clicked_tracked,
                r.click_rate,
                "of delivered",
            ),
            ("replied", f.replied, r.reply_rate, "of delivered"),
            ("bounced", f.bounced, r.bounce_rate, "of sent"),
            (
                "unsubscribed",
                f.unsubscribed,
                r.unsubscribe_rate,
                "of delivered",
            ),
            (
                "spam complaints",
                f.spam_complaints,
                r.spam_rate,
                "of delivered",
            ),
        ] {
            let key = name.split(' ').next().unwrap_or(name);
            let _ = write!(
                html,
                "<tr><td>{name}</td><td class=\"n\" data-metric=\"funnel.{key}\">{n}</td>\
                 <td class=\"n\" data-metric=\"rate.{key}\">{}</td><td>{of}</td></tr>",
                rate.map_or(String::new(), |r| format!("{:.4}", r))
            );
        }
        html.push_str("</table></div>");

        html.push_str("<h2>2. Rates against published benchmarks</h2><div class=\"charts\">");
        let rows: Vec<(&str, (f64, f64), Option<f64>)> = BENCHMARKS
            .iter()
            .zip(&w.benchmarks)
            .map(|(b, v)| (b.name, b.range, *v))
            .collect();
        figure(&mut html, charts::benchmarks(&rows)?);
        html.push_str("<table><tr><th>#</th><th>rate</th><th>measured</th><th>range</th><th></th><th>source</th></tr>");
        for (i, (b, v)) in BENCHMARKS.iter().zip(&w.benchmarks).enumerate() {
            let verdict = match v {
                None => "<span class=\"thin\">not measured</span>".to_owned(),
                Some(v) if (b.range.0..=b.range.1).contains(v) => {
                    "<span class=\"ok\">in range</span>".to_owned()
                }
                Some(_) => "<span class=\"bad\">OUT OF RANGE</span>".to_owned(),
            };
            let shown = v.map_or("–".to_owned(), |v| {
                if b.range.1 > 1.0 {
                    format!("{v:.1}")
                } else {
                    percent(Some(v))
                }
            });
            let range = if b.range.1 > 1.0 {
                format!("{:.0}–{:.0}", b.range.0, b.range.1)
            } else {
                format!("{}–{}", percent(Some(b.range.0)), percent(Some(b.range.1)))
            };
            let _ = write!(
                html,
                "<tr><td>#{}</td><td>{}</td><td class=\"n\">{shown}</td><td>{range}</td><td>{verdict}</td><td>{}</td></tr>",
                i + 1,
                escape(b.name),
                escape(b.source)
            );
        }
        html.push_str("</table></div>");

        html.push_str("<h2>3. Tenants by size</h2><div class=\"charts\">");
        figure(&mut html, charts::tenant_sizes(&w.emails_per_tenant)?);
        let _ = write!(
            html,
            "<p>The largest 10% of tenants send <b data-metric=\"top_decile_share\">{}</b> of all campaign mail.</p></div>",
            percent(w.top_decile_share())
        );

        html.push_str("<h2>4. Month by month</h2>");
        if w.growth.len() < 2 {
            thin(
                &mut html,
                "Only one billing period: there is no trend to draw yet.",
            );
        } else {
            html.push_str("<div class=\"charts\">");
            figure(&mut html, charts::tenants_by_month(&w.growth)?);
            figure(&mut html, charts::emails_by_month(&w.growth)?);
            html.push_str("</div>");
        }

        html.push_str("<h2>5. Mailboxes</h2><div class=\"charts\">");
        if w.health_vs_bounce.is_empty() {
            thin(&mut html, "No mailbox has sent campaign mail yet.");
        } else {
            figure(&mut html, charts::health_vs_bounce(&w.health_vs_bounce)?);
        }
        if w.warmup_ramps.is_empty() {
            thin(&mut html, "No warmup: no mailbox has a warmup row.");
        } else {
            figure(&mut html, charts::warmup_ramps(&w.warmup_ramps)?);
        }
        html.push_str("</div>");

        html.push_str("<h2>6. Replies by step position</h2>");
        if w.replies_by_position.values().sum::<i64>() == 0 {
            thin(&mut html, "No replies yet.");
        } else {
            html.push_str("<div class=\"charts\">");
            figure(&mut html, charts::reply_share(&w.replies_by_position)?);
            html.push_str("</div>");
        }
    }

    html.push_str("<h2>7. The audit</h2><table><tr><th>rule</th><th>verdict</th><th>statement</th><th>violations</th></tr>");
    for f in &w.audit.findings {
        let rule = f.rule;
        let (class, verdict) = if f.holds() {
            ("ok", "ok")
        } else {
            ("bad", "FAIL")
        };
        let examples = if f.holds() {
            String::new()
        } else {
            format!("{}, e.g. {}", f.violations, escape(&f.examples.join(", ")))
        };
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"{class}\" data-metric=\"audit.{}\">{verdict}</td><td>{}</td><td>{examples}</td></tr>",
            rule.code(),
            rule.code(),
            escape(rule.statement())
        );
    }
    html.push_str("</table></body></html>\n");
    Ok((html, charts))
}
