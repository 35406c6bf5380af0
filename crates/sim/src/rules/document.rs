//! `docs/rules.md`, rendered from the catalog so that the document cannot drift from the
//! rules the evaluators check.

use schema::models::{CampaignStatus, LeadStatus, MailboxCampaignStatus, WarmupStatus};

use schema::models::Counters;

use super::{RuleId, GRAINS};

/// The prose, with `{grains}`, `{counters}`, `{rules}`, `{crossing}` and `{statuses}` to
/// fill in.
const TEMPLATE: &str = include_str!("document.md");

/// The rule families, by the first letter of their ids ([`RuleId::family`]), with their
/// titles.
pub const FAMILIES: [(char, &str); 6] = [
    ('A', "Every activity row"),
    ('B', "Billing"),
    ('C', "Relationships"),
    ('D', "Aggregation"),
    ('E', "Leads"),
    ('S', "Status columns"),
];

/// The text of `docs/rules.md`.
pub fn document() -> String {
    let grains: Vec<String> = GRAINS
        .iter()
        .map(|(table, grain)| format!("| `{}` | {grain} |", table.name()))
        .collect();
    let counters: Vec<String> = Counters::NAMES.iter().map(|c| format!("`{c}`")).collect();
    let mut rules = Vec::new();
    for (letter, title) in FAMILIES {
        rules.push(format!("### {letter}. {title}\n"));
        for rule in RuleId::ALL.iter().filter(|r| r.code().starts_with(letter)) {
            rules.push(format!("- **{}** {}", rule.code(), rule.statement()));
        }
        rules.push(String::new());
    }
    let vocabulary = |column: &str, values: Vec<&str>| {
        let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        format!("- `{column}`: {}", values.join(", "))
    };
    let statuses = [
        vocabulary(
            CampaignStatus::COLUMN,
            CampaignStatus::ALL
                .iter()
                .map(CampaignStatus::as_str)
                .collect(),
        ),
        vocabulary(
            LeadStatus::COLUMN,
            LeadStatus::ALL.iter().map(LeadStatus::as_str).collect(),
        ),
        vocabulary(
            WarmupStatus::COLUMN,
            WarmupStatus::ALL.iter().map(WarmupStatus::as_str).collect(),
        ),
        vocabulary(
            MailboxCampaignStatus::COLUMN,
            MailboxCampaignStatus::ALL
                .iter()
                .map(MailboxCampaignStatus::as_str)
                .collect(),
        ),
    ];
    TEMPLATE
        .replace(
            "{grains}",
            &format!("| table | one row per |\n|---|---|\n{}", grains.join("\n")),
        )
        .replace("{counters}", &counters.join(", "))
        .replace("{rules}", rules.join("\n").trim_end())
        .replace("{crossing}", &crossing().join("\n"))
        .replace("{statuses}", &statuses.join("\n"))
}

/// The rules a scoped audit checks against the rest of the warehouse, with what each
/// reads beyond the scope.
fn crossing() -> Vec<String> {
    RuleId::ALL
        .iter()
        .filter(|r| r.crosses_scope())
        .map(|&rule| {
            let beyond = match rule {
                RuleId::B2 => {
                    "each period in scope against every other period of its tenant; an \
                     overlapping pair with a period in scope is reported under the pair's key, \
                     the smaller id, as by the full audit"
                }
                RuleId::B10 => {
                    "each company with a row in scope against its rows of every tenant and period"
                }
                RuleId::C6 => {
                    "each campaign and mailbox with a row in scope against its rows of every period"
                }
                RuleId::E1 => {
                    "a lead's step positions, counted over its campaign's step rows of every period"
                }
                _ => unreachable!("{rule:?} looks beyond the scope: say how"),
            };
            format!("- **{}** {}: {beyond}", rule.code(), rule.statement())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_and_placeholder_is_rendered() {
        let doc = document();
        for rule in RuleId::ALL {
            let line = format!("- **{}** {}", rule.code(), rule.statement());
            assert!(doc.contains(&line), "{line}");
        }
        assert!(!doc.contains('{') && !doc.contains('}'), "{doc}");
        assert!(doc.contains("`spam_reported`"));
        for rule in RuleId::ALL.iter().filter(|r| r.crosses_scope()) {
            let line = format!("- **{}** {}: ", rule.code(), rule.statement());
            assert!(doc.contains(&line), "{line}");
        }
    }
}
