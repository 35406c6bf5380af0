//! `cargo xtask report` on real warehouses: its figures are those of `schema::queries`,
//! it says so when there is nothing to draw, and it renders in a real browser (headless
//! Chromium): a screenshot that is not blank, and every chart laid out at a real size.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use diesel::Connection;
use schema::queries::{campaign_performance::campaign_performance, Funnel, Scope};

/// Runs the report of `db` into a fresh directory; returns the page and the directory.
fn report(db: &ScratchDb) -> (String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let run = xtask(&[
        "report",
        "--database-url",
        db.url(),
        "--out",
        out.path().to_str().unwrap(),
    ])
    .success();
    assert!(run.stdout().contains("index.html"), "{run}");
    let page = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    (page, out)
}

/// The text of the element carrying `data-metric="{metric}"`.
fn metric<'a>(page: &'a str, metric: &str) -> &'a str {
    let marker = format!("data-metric=\"{metric}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {metric} on the page"))
        + marker.len();
    let end = start + page[start..].find('<').unwrap();
    &page[start..end]
}

/// The page loads nothing: no scripts, stylesheets, images or fonts from anywhere.
fn assert_self_contained(page: &str) {
    for outside in [
        "<script", "<link", "<img", "<iframe", " src=", "url(", "@import",
    ] {
        assert!(!page.contains(outside), "the page has {outside}");
    }
}

/// The headless Chromium of the machine; `.ci/run` installs Debian's `chromium`.
fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            found
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
        })
        .expect("no chromium on PATH: install Debian's chromium package (.ci/run does)")
}

fn headless(args: &[&str], page: &Path) -> std::process::Output {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(["--window-size=1340,3000"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running chromium");
    assert!(output.status.success(), "chromium failed: {output:?}");
    output
}

#[test]
fn the_report_of_a_seeded_warehouse_shows_the_queries_figures_and_renders() {
    let db = ScratchDb::new("report_dev");
    let dir = tempfile::tempdir().unwrap();
    let profile = small_profile(dir.path(), 12, "2025-09-20");
    seed(&db, &["--profile", &profile, "--seed", "5"]);
    let (page, out) = report(&db);
    assert_self_contained(&page);

    // The figures are those of schema::queries.
    let mut conn = diesel::PgConnection::establish(db.url()).unwrap();
    let funnel: Funnel = campaign_performance(&mut conn, &Scope::all())
        .unwrap()
        .iter()
        .map(|c| c.funnel)
        .sum();
    assert!(funnel.sent > 1000, "too little mail to draw: {funnel:?}");
    assert_eq!(metric(&page, "funnel.sent"), funnel.sent.to_string());
    assert_eq!(metric(&page, "funnel.replied"), funnel.replied.to_string());
    assert_eq!(metric(&page, "emails_sent"), funnel.sent.to_string());
    let reply_rate = funnel.rates().reply_rate.unwrap();
    assert_eq!(metric(&page, "rate.replied"), format!("{reply_rate:.4}"));
    // 12 customers at the start, and the sign-ups of the months since.
    let sim_profile = sim::Profile::load(&profile).unwrap();
    let tenants = sim::Simulator::new(sim_profile, 5)
        .tenants(sim::Shard::ALL)
        .count();
    assert!(tenants > 12, "no sign-ups: {tenants}");
    assert_eq!(metric(&page, "tenants"), tenants.to_string());
    assert_eq!(metric(&page, "periods"), "9");
    for rule in sim::rules::RuleId::ALL {
        assert_eq!(
            metric(&page, &format!("audit.{}", rule.code())),
            "ok",
            "{rule:?}"
        );
        let statement = rule.statement().replace('<', "&lt;").replace('>', "&gt;");
        assert!(page.contains(&statement), "{rule:?}");
    }
    let charts = page.matches("<svg").count();
    assert!(charts >= 6, "{charts} charts");

    // A real browser draws it: the screenshot is not blank …
    let shot = out.path().join("shot.png");
    headless(
        &[&format!("--screenshot={}", shot.display())],
        &out.path().join("index.html"),
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let inked = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| px[..3].iter().any(|&c| c < 200))
        .count();
    let share = inked as f64 / (info.width * info.height) as f64;
    assert!(
        share > 0.03,
        "the screenshot is almost blank: {share:.4} inked"
    );

    // … and lays every chart out at its size: a copy of the page reports each SVG's box.
    let measured = out.path().join("measured.html");
    let probe = "<pre id=\"sizes\"></pre><script>document.getElementById('sizes').textContent = \
                 Array.from(document.querySelectorAll('svg')).map(s => { const r = \
                 s.getBoundingClientRect(); return r.width + 'x' + r.height; }).join(' ');</script>";
    std::fs::write(
        &measured,
        page.replace("</body>", &format!("{probe}</body>")),
    )
    .unwrap();
    let dom = String::from_utf8(headless(&["--dump-dom"], &measured).stdout).unwrap();
    let sizes = metric_free_text(&dom, "<pre id=\"sizes\">");
    let boxes: Vec<(f64, f64)> = sizes
        .split_whitespace()
        .map(|b| {
            let (w, h) = b.split_once('x').unwrap();
            (w.parse().unwrap(), h.parse().unwrap())
        })
        .collect();
    assert_eq!(boxes.len(), charts, "{sizes}");
    assert!(
        boxes.iter().all(|&(w, h)| w >= 300.0 && h >= 200.0),
        "{sizes}"
    );

    // A broken rule shows, in the audit's words.
    exec(
        &db,
        "UPDATE billing_analytics SET emails_sent = emails_sent + 1 \
         WHERE id = (SELECT min(id) FROM billing_analytics)",
    );
    let (page, _out) = report(&db);
    assert_eq!(metric(&page, "audit.B4"), "FAIL");
    assert_eq!(metric(&page, "audit.B5"), "ok");
}

/// The text after `marker` up to the next tag.
fn metric_free_text<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"))
        + marker.len();
    &html[start..start + html[start..].find('<').unwrap()]
}

#[test]
fn an_empty_warehouse_gets_a_page_that_says_so() {
    let db = ScratchDb::migrated("report_empty");
    let (page, _out) = report(&db);
    assert_self_contained(&page);
    assert!(page.contains("holds no data yet"), "{page}");
    assert_eq!(page.matches("<svg").count(), 0);
    assert_eq!(metric(&page, "tenants"), "0");
    assert!(page.contains("7. The audit"));
}

#[test]
fn a_single_period_says_there_is_no_trend_yet() {
    let db = ScratchDb::new("report_one_period");
    let dir = tempfile::tempdir().unwrap();
    let profile = small_profile(dir.path(), 4, "2025-01-25");
    seed(&db, &["--profile", &profile]);
    let (page, _out) = report(&db);
    assert_eq!(metric(&page, "periods"), "1");
    assert!(page.contains("Only one billing period"), "{page}");
}
