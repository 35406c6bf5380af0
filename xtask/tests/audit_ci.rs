//! The audit as CI systems and schedulers run it: JUnit XML whose counts are the JSON
//! report's (read back by quick-xml, and by junitparser, a JUnit consumer from PyPI),
//! exit codes that tell violated rules (1) from an audit that could not run (2), the
//! same codes for `status --verify`, and the nightly job of a data team: advance one
//! day, audit the open month, keep the JUnit file.

mod common;

use std::path::Path;
use std::process::Command;

use common::broken::{good_world, load};
use common::*;
use quick_xml::events::Event;
use quick_xml::Reader;
use sim::rules::{RuleId, FAMILIES};

/// One `<testcase>`: its name and, if it failed, the failure's message and text.
#[derive(Debug, PartialEq)]
struct Case {
    name: String,
    failure: Option<(String, String)>,
}

/// One `<testsuite>` (or the `<testsuites>` root): its counts and cases.
#[derive(Debug, Default, PartialEq)]
struct Suite {
    name: String,
    tests: usize,
    failures: usize,
    errors: usize,
    cases: Vec<Case>,
}

/// The JUnit document, parsed back: the root's counts (in `root`) and each suite.
fn parse_junit(xml: &str) -> (Suite, Vec<Suite>) {
    let mut reader = Reader::from_str(xml);
    let (mut root, mut suites) = (Suite::default(), Vec::<Suite>::new());
    let mut text: Option<String> = None;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> String {
        e.try_get_attribute(name)
            .unwrap()
            .unwrap_or_else(|| panic!("no {name} attribute: {xml}"))
            .unescape_value()
            .unwrap()
            .into_owned()
    };
    let counted = |e: &quick_xml::events::BytesStart| Suite {
        name: attr(e, "name"),
        tests: attr(e, "tests").parse().unwrap(),
        failures: attr(e, "failures").parse().unwrap(),
        errors: attr(e, "errors").parse().unwrap(),
        cases: Vec::new(),
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuites" => root = counted(&e),
                b"testsuite" => suites.push(counted(&e)),
                b"testcase" => suites.last_mut().unwrap().cases.push(Case {
                    name: attr(&e, "name"),
                    failure: None,
                }),
                b"failure" => {
                    let case = suites.last_mut().unwrap().cases.last_mut().unwrap();
                    case.failure = Some((attr(&e, "message"), String::new()));
                    text = Some(String::new());
                }
                other => panic!("unexpected element {:?}", String::from_utf8_lossy(other)),
            },
            Event::Text(t) => {
                if let Some(text) = &mut text {
                    text.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = &mut text {
                    let name = r.decode().unwrap();
                    let c = quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("unknown entity {name}"));
                    text.push_str(c);
                }
            }
            Event::End(e) if e.name().as_ref() == b"failure" => {
                let case = suites.last_mut().unwrap().cases.last_mut().unwrap();
                case.failure.as_mut().unwrap().1 = text.take().unwrap();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (root, suites)
}

/// `audit --format <format>` of `db`, with `extra` options.
fn audit_as(db: &ScratchDb, format: &str, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "--database-url", db.url(), "--format", format];
    args.extend_from_slice(extra);
    xtask(&args)
}

/// That the JUnit report of `db` says what its JSON report says: one suite per family,
/// one case per rule, a failure with the count and the examples for each violated rule,
/// and equal counts; the exit code is the same, `code`.
fn assert_junit_matches_json(db: &ScratchDb, code: i32, dir: &Path) {
    let json = audit_as(db, "json", &[]);
    assert_eq!(json.output.status.code(), Some(code), "{json}");
    let report: Vec<serde_json::Value> = serde_json::from_str(&json.stdout()).unwrap();
    let junit = audit_as(db, "junit", &[]);
    assert_eq!(junit.output.status.code(), Some(code), "{junit}");
    let xml = junit.stdout();
    let (root, suites) = parse_junit(&xml);

    let violated = report.iter().filter(|r| r["violations"] != 0).count();
    assert_eq!(
        (root.tests, root.failures, root.errors),
        (report.len(), violated, 0),
        "{xml}"
    );
    let families: Vec<String> = FAMILIES.iter().map(|(f, t)| format!("{f}: {t}")).collect();
    assert_eq!(
        suites.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        families
    );
    let cases: Vec<&Case> = suites.iter().flat_map(|s| &s.cases).collect();
    assert_eq!(cases.len(), report.len());
    for suite in &suites {
        assert_eq!(suite.tests, suite.cases.len(), "{}", suite.name);
        let failed = suite.cases.iter().filter(|c| c.failure.is_some()).count();
        assert_eq!(
            (suite.failures, suite.errors),
            (failed, 0),
            "{}",
            suite.name
        );
    }
    for (case, rule) in cases.iter().zip(&report) {
        let code = rule["rule"].as_str().unwrap();
        let statement = rule["statement"].as_str().unwrap();
        assert_eq!(case.name, format!("{code}: {statement}"));
        let violations = rule["violations"].as_i64().unwrap();
        match &case.failure {
            None => assert_eq!(violations, 0, "{code}"),
            Some((message, text)) => {
                assert_eq!(
                    message,
                    &format!("{violations} violation(s) of {code}: {statement}")
                );
                assert!(text.starts_with(statement), "{text}");
                for example in rule["examples"].as_array().unwrap() {
                    assert!(text.contains(example.as_str().unwrap()), "{code}: {text}");
                }
            }
        }
    }
    assert_junitparser_reads(&xml, &root, &suites, dir);
}

/// What junitparser, the JUnit reader of Python's CI tooling, makes of the document:
/// the same counts, suites, cases and failure messages.
fn assert_junitparser_reads(xml: &str, root: &Suite, suites: &[Suite], dir: &Path) {
    let present = Command::new("python3")
        .args(["-c", "import junitparser"])
        .status();
    assert!(
        present.is_ok_and(|s| s.success()),
        "the JUnit consumer is missing: `pip install junitparser==5.0.3` (.ci/run installs it)"
    );
    let path = dir.join("audit.xml");
    std::fs::write(&path, xml).unwrap();
    let script = "import sys, junitparser\n\
        xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n\
        print(f'{xml.tests}\\t{xml.failures}\\t{xml.errors}')\n\
        for suite in xml:\n\
        \x20   print(f'suite\\t{suite.name}\\t{suite.tests}\\t{suite.failures}')\n\
        \x20   for case in suite:\n\
        \x20       print('case\\t' + case.name + ''.join('\\t' + r.message for r in case.result))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = vec![format!(
        "{}\t{}\t{}",
        root.tests, root.failures, root.errors
    )];
    for suite in suites {
        expected.push(format!(
            "suite\t{}\t{}\t{}",
            suite.name, suite.tests, suite.failures
        ));
        for case in &suite.cases {
            let failure = case.failure.as_ref().map(|(m, _)| format!("\t{m}"));
            expected.push(format!(
                "case\t{}{}",
                case.name,
                failure.unwrap_or_default()
            ));
        }
    }
    let read = String::from_utf8(out.stdout).unwrap();
    assert_eq!(read.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn junit_counts_equal_the_json_reports_clean_and_broken() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("junit");
    load(&db, &good_world(), dir.path());
    assert_junit_matches_json(&db, 0, dir.path());
    // Statuses from another system, one quoted so that the XML must escape it: S1–S3.
    exec(
        &db,
        "UPDATE lead_analytics SET status = 'snoozed <\"&''>' WHERE id = (SELECT min(id) FROM lead_analytics); \
         UPDATE campaign_analytics SET status = 'on hold' WHERE id = (SELECT min(id) FROM campaign_analytics); \
         UPDATE mailbox_analytics SET campaign_status = 'suspended' WHERE id = (SELECT min(id) FROM mailbox_analytics); \
         UPDATE billing_analytics SET emails_sent = emails_sent + 1 WHERE id = (SELECT max(id) FROM billing_analytics)",
    );
    assert_junit_matches_json(&db, 1, dir.path());
}

#[test]
fn exit_codes_tell_violations_from_an_audit_that_could_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("exit_codes");
    load(&db, &good_world(), dir.path());
    let code = |run: &Run| run.output.status.code();
    let clean = audit(&db);
    assert_eq!(code(&clean), Some(0), "{clean}");

    exec(&db, "UPDATE billing_analytics SET campaigns_used = campaigns_used + 1 WHERE id = (SELECT min(id) FROM billing_analytics)");
    let violated = audit(&db).failed(&["1 of 32 rules violated"]);
    assert_eq!(code(&violated), Some(1), "{violated}");
    // A scope without the broken period passes; one with it fails.
    let tenant = query_text(
        db.url(),
        "SELECT tenant_id AS v FROM billing_analytics ORDER BY id DESC LIMIT 1",
    );
    let elsewhere = xtask(&["audit", "--database-url", db.url(), "--tenant", &tenant]);
    assert_eq!(code(&elsewhere), Some(0), "{elsewhere}");
    let owner = query_text(
        db.url(),
        "SELECT tenant_id AS v FROM billing_analytics ORDER BY id LIMIT 1",
    );
    let inside = xtask(&["audit", "--database-url", db.url(), "--tenant", &owner]);
    assert_eq!(code(&inside), Some(1), "{inside}");

    // Could not run: no server, no database, not a warehouse, an empty scope, keys
    // missing mid-bulk-load.
    let nothing = absent_db("exit_absent");
    let unreachable = "postgres://127.0.0.1:1/penguinmails";
    let plain = ScratchDb::new("exit_plain");
    let unknown = ["audit", "--database-url", db.url(), "--tenant", "nobody"];
    for args in [
        vec!["audit", "--database-url", unreachable],
        vec!["audit", "--database-url", nothing.url()],
        vec!["audit", "--database-url", plain.url()],
        unknown.to_vec(),
        vec![
            "audit",
            "--database-url",
            db.url(),
            "--periods",
            "2026-13..",
        ],
    ] {
        let run = xtask(&args);
        assert_eq!(code(&run), Some(2), "{run}");
        assert!(!run.stderr().contains("panicked"), "{run}");
    }
    warehouse::load::drop_keys(&mut db.conn()).unwrap();
    let half_loaded = audit(&db).failed(&["keys missing"]);
    assert_eq!(code(&half_loaded), Some(2), "{half_loaded}");
}

#[test]
fn status_verify_exits_1_when_the_tables_differ_and_2_when_it_cannot_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::new("exit_status");
    seed(
        &db,
        &["--profile", &small_profile(dir.path(), 3, "2025-03-14")],
    );
    let verify = |url: &str| xtask(&["status", "--database-url", url, "--verify"]);
    let run = verify(db.url());
    assert_eq!(run.output.status.code(), Some(0), "{run}");
    exec(
        &db,
        "DELETE FROM warmup_analytics WHERE id = (SELECT min(id) FROM warmup_analytics)",
    );
    let run = verify(db.url()).failed(&["differ from the seed ledger"]);
    assert_eq!(run.output.status.code(), Some(1), "{run}");
    // Could not check: no server, not a warehouse, keys missing mid-bulk-load.
    let plain = ScratchDb::new("exit_status_plain");
    for url in ["postgres://127.0.0.1:1/penguinmails", plain.url()] {
        let run = verify(url);
        assert_eq!(run.output.status.code(), Some(2), "{run}");
    }
    warehouse::load::drop_keys(&mut db.conn()).unwrap();
    let run = verify(db.url()).failed(&["keys missing"]);
    assert_eq!(run.output.status.code(), Some(2), "{run}");
}

#[test]
fn help_documents_the_exit_codes_of_audit_and_status() {
    for task in ["audit", "status"] {
        let run = xtask(&[task, "--help"]);
        assert_eq!(run.output.status.code(), Some(0), "{run}");
        let help = run.stdout();
        for code in ["0 passed", "1 failed", "2 could not check"] {
            assert!(help.contains(code), "{task} --help lacks {code:?}: {help}");
        }
    }
}

#[test]
fn the_nightly_job_advances_a_day_and_audits_the_open_month_into_a_junit_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::new("nightly");
    let profile = small_profile(dir.path(), 4, "2025-03-14");
    seed(&db, &["--profile", &profile]);
    // The night of March 15th: advance, then audit March (and any later month).
    seed(&db, &["--profile", &profile, "--as-of", "2025-03-15"]);
    let junit = dir.path().join("audit.xml");
    let nightly = |db: &ScratchDb| {
        let run = audit_as(db, "junit", &["--periods", "2025-03.."]);
        std::fs::write(&junit, run.output.stdout.clone()).unwrap();
        let (root, suites) = parse_junit(&std::fs::read_to_string(&junit).unwrap());
        (run.output.status.code(), root, suites)
    };
    let (code, root, suites) = nightly(&db);
    assert_eq!(code, Some(0));
    assert_eq!((root.tests, root.failures), (RuleId::ALL.len(), 0));
    assert!(root.name.ends_with("periods 2025-03.."), "{}", root.name);
    assert_eq!(suites.len(), FAMILIES.len());

    // A closed month edited behind the batch's back is the full audit's to find, not
    // the nightly's; the open month's is the nightly's.
    let closed = "UPDATE billing_analytics SET domains_used = domains_used + 1 \
                  WHERE id = (SELECT min(id) FROM billing_analytics WHERE period_start < '2025-03-01')";
    exec(&db, closed);
    assert_eq!(nightly(&db).0, Some(0));
    assert_eq!(audit(&db).output.status.code(), Some(1));
    let open = "UPDATE billing_analytics SET mailboxes_used = mailboxes_used + 1 \
                WHERE id = (SELECT min(id) FROM billing_analytics WHERE period_start >= '2025-03-01')";
    exec(&db, open);
    let (code, root, suites) = nightly(&db);
    assert_eq!((code, root.failures), (Some(1), 1));
    let failed: Vec<&Case> = suites
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.failure.is_some())
        .collect();
    assert!(failed[0].name.starts_with("B6: "), "{failed:?}");
}
