//! `audit --format junit`: the report as JUnit XML, the test-report format GitLab,
//! Jenkins and GitHub's test reporters read. One `<testsuite>` per rule family (A, B, C,
//! D, E, S), one `<testcase>` per rule, and for a violated rule a `<failure>` with its
//! statement, its count and its examples. The XML is written, and its text escaped, by
//! `quick-xml`.

use std::time::Duration;

use crate::error::{Error, Result};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use sim::rules::FAMILIES;

use super::{AuditReport, Finding};

/// The report as a JUnit XML document named `name`, which took `elapsed`. Counts are
/// the report's: `tests` rules, `failures` violated rules, never an `error` (an audit
/// that could not run writes no report).
pub fn render(report: &AuditReport, name: &str, elapsed: Duration) -> Result<String> {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.write_event(Event::Start(suite(
        "testsuites",
        name,
        &report.findings.iter().collect::<Vec<_>>(),
        Some(elapsed),
    )))?;
    for (family, title) in FAMILIES {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule.family() == family)
            .collect();
        if findings.is_empty() {
            continue;
        }
        xml.write_event(Event::Start(suite(
            "testsuite",
            &format!("{family}: {title}"),
            &findings,
            None,
        )))?;
        for f in findings {
            let case = BytesStart::new("testcase").with_attributes([
                ("classname", format!("audit.{family}").as_str()),
                (
                    "name",
                    format!("{}: {}", f.rule.code(), f.rule.statement()).as_str(),
                ),
            ]);
            if f.holds() {
                xml.write_event(Event::Empty(case))?;
                continue;
            }
            xml.write_event(Event::Start(case))?;
            let message = format!(
                "{} violation(s) of {}: {}",
                f.violations,
                f.rule.code(),
                f.rule.statement()
            );
            xml.write_event(Event::Start(BytesStart::new("failure").with_attributes([
                ("message", message.as_str()),
                ("type", "violation"),
            ])))?;
            let text = format!(
                "{}\n{} violation(s), e.g.:\n{}",
                f.rule.statement(),
                f.violations,
                f.examples
                    .iter()
                    .map(|e| format!("  {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            xml.write_event(Event::Text(BytesText::new(&text)))?;
            xml.write_event(Event::End(BytesEnd::new("failure")))?;
            xml.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let mut text = String::from_utf8(xml.into_inner())
        .map_err(|e| Error::Other(format!("the JUnit document is not UTF-8: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// A `<testsuites>` or `<testsuite>` element of `findings`, with its counts.
fn suite<'a>(
    element: &'a str,
    name: &str,
    findings: &[&Finding],
    elapsed: Option<Duration>,
) -> BytesStart<'a> {
    let failures = findings.iter().filter(|f| !f.holds()).count();
    let mut start = BytesStart::new(element).with_attributes([
        ("name", name),
        ("tests", findings.len().to_string().as_str()),
        ("failures", failures.to_string().as_str()),
        ("errors", "0"),
    ]);
    if element == "testsuite" {
        start.push_attribute(("skipped", "0"));
    }
    if let Some(elapsed) = elapsed {
        start.push_attribute(("time", format!("{:.3}", elapsed.as_secs_f64()).as_str()));
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::rules::RuleId;

    #[test]
    fn the_xml_escapes_what_it_quotes_and_counts_failures() {
        let findings = RuleId::ALL
            .iter()
            .map(|&rule| Finding {
                rule,
                violations: i64::from(rule == RuleId::A2) * 2,
                examples: if rule == RuleId::A2 {
                    vec!["lead_analytics#1 <&\"'>".into()]
                } else {
                    Vec::new()
                },
            })
            .collect();
        let xml = render(
            &AuditReport { findings },
            "a & b",
            Duration::from_millis(1500),
        )
        .unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert!(xml.contains("<testsuites name=\"a &amp; b\" tests=\"32\" failures=\"1\" errors=\"0\" time=\"1.500\">"), "{xml}");
        assert!(xml.contains("lead_analytics#1 &lt;&amp;"), "{xml}");
        assert!(
            xml.contains("message=\"2 violation(s) of A2: delivered + bounced &lt;= sent\""),
            "{xml}"
        );
        assert_eq!(xml.matches("<testsuite ").count(), 6, "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 32, "{xml}");
    }
}
