//! The fixture CSVs, read the way PostgreSQL's `COPY … CSV HEADER` reads them, without
//! the simulator or the database: the tests compute their expected figures from here, so
//! a query is never checked against itself.
#![allow(dead_code)] // each test file uses a different part

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use schema::models::{CampaignStatus, LeadStatus, MailboxCampaignStatus, WarmupStatus};

/// One CSV file: its header and its records. A quoted field is text (possibly empty), an
/// unquoted empty field is `NULL`, as in `COPY … CSV`.
#[derive(Debug, Clone)]
pub struct Csv {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Csv {
    /// Parses CSV text whose first record is the header.
    pub fn parse(text: &str) -> Self {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let (mut quoted, mut in_quotes, mut any) = (false, false, false);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            any = true;
            match c {
                '"' if in_quotes && chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' if in_quotes => in_quotes = false,
                '"' if field.is_empty() => (in_quotes, quoted) = (true, true),
                ',' if !in_quotes => {
                    record.push(Self::value(&mut field, &mut quoted));
                }
                '\n' if !in_quotes => {
                    record.push(Self::value(&mut field, &mut quoted));
                    records.push(std::mem::take(&mut record));
                    any = false;
                }
                c => field.push(c),
            }
        }
        assert!(!in_quotes, "unterminated quoted field");
        if any {
            record.push(Self::value(&mut field, &mut quoted));
            records.push(record);
        }
        let mut records = records.into_iter();
        let columns = records
            .next()
            .expect("a header line")
            .into_iter()
            .map(|c| c.expect("named column"))
            .collect::<Vec<_>>();
        let rows: Vec<_> = records.collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(
                row.len(),
                columns.len(),
                "record {} has a wrong width",
                i + 2
            );
        }
        Self { columns, rows }
    }

    fn value(field: &mut String, quoted: &mut bool) -> Option<String> {
        let text = std::mem::take(field);
        (std::mem::take(quoted) || !text.is_empty()).then_some(text)
    }

    /// The records, with access by column name.
    pub fn records(&self) -> impl Iterator<Item = Rec<'_>> {
        self.rows.iter().map(move |row| Rec { csv: self, row })
    }

    fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.columns))
    }
}

/// One record of a [`Csv`].
#[derive(Clone, Copy)]
pub struct Rec<'a> {
    csv: &'a Csv,
    row: &'a [Option<String>],
}

impl<'a> Rec<'a> {
    /// A nullable column.
    pub fn opt(&self, column: &str) -> Option<&'a str> {
        self.row[self.csv.index(column)].as_deref()
    }
    /// A non-null text column.
    pub fn text(&self, column: &str) -> &'a str {
        self.opt(column)
            .unwrap_or_else(|| panic!("{column} is NULL"))
    }
    /// A non-null integer column.
    pub fn int(&self, column: &str) -> i64 {
        let text = self.text(column);
        text.parse()
            .unwrap_or_else(|_| panic!("{column} = {text:?} is not an integer"))
    }
    /// A non-null `timestamptz` column, as `COPY` writes it in UTC (`2026-01-01 00:00:00+00`).
    pub fn time(&self, column: &str) -> DateTime<Utc> {
        let text = self.text(column);
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S+00")
            .unwrap_or_else(|_| panic!("{column} = {text:?} is not a UTC timestamp"))
            .and_utc()
    }
}

/// The six fixture tables.
pub struct Fixtures {
    pub billing: Csv,
    pub campaign: Csv,
    pub step: Csv,
    pub lead: Csv,
    pub mailbox: Csv,
    pub warmup: Csv,
}

impl Fixtures {
    /// Reads `<table>.csv` of the six tables from `dir`.
    pub fn read(dir: &Path) -> Self {
        Self::parse(|table| {
            let path = dir.join(format!("{table}.csv"));
            std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
        })
    }

    /// Parses the six tables, given each one's CSV text by table name.
    pub fn parse(text: impl Fn(&str) -> String) -> Self {
        let csv = |table: &str| Csv::parse(&text(table));
        Self {
            billing: csv("billing_analytics"),
            campaign: csv("campaign_analytics"),
            step: csv("sequence_step_analytics"),
            lead: csv("lead_analytics"),
            mailbox: csv("mailbox_analytics"),
            warmup: csv("warmup_analytics"),
        }
    }

    /// The six tables, in foreign-key order.
    pub fn tables(&self) -> [&Csv; 6] {
        [
            &self.billing,
            &self.campaign,
            &self.step,
            &self.lead,
            &self.mailbox,
            &self.warmup,
        ]
    }

    /// billing id → (tenant_id, period_start).
    pub fn periods(&self) -> BTreeMap<i64, (String, DateTime<Utc>)> {
        self.billing
            .records()
            .map(|b| {
                (
                    b.int("id"),
                    (b.text("tenant_id").to_owned(), b.time("period_start")),
                )
            })
            .collect()
    }

    /// Every edge case and status value the fixtures must show, and whether they do.
    pub fn coverage(&self) -> Vec<(String, bool)> {
        let periods = self.periods();
        let tenant_of = |r: &Rec| periods[&r.int("billing_id")].0.clone();
        let period_of = |r: &Rec| periods[&r.int("billing_id")].1;
        let mut cases = Vec::new();

        // A period with zero activity: billing rows, but no mail of any kind.
        let all_periods: BTreeSet<_> = periods.values().map(|(_, p)| *p).collect();
        let mut busy: BTreeSet<DateTime<Utc>> = BTreeSet::new();
        for csv in [&self.campaign, &self.step, &self.lead, &self.warmup] {
            busy.extend(csv.records().map(|r| period_of(&r)));
        }
        busy.extend(
            self.mailbox
                .records()
                .filter(|r| r.int("sent") > 0)
                .map(|r| period_of(&r)),
        );
        cases.push((
            "a period with zero activity".to_owned(),
            all_periods.difference(&busy).next().is_some(),
        ));

        // Tenants: paid and trial periods, first and last period.
        let last_period = *all_periods.last().expect("billing rows");
        let mut tenants: BTreeMap<&str, Vec<(DateTime<Utc>, bool)>> = BTreeMap::new();
        for b in self.billing.records() {
            tenants
                .entry(b.text("tenant_id"))
                .or_default()
                .push((b.time("period_start"), b.opt("subscription_id").is_some()));
        }
        let churned = tenants.values().any(|rows| {
            rows.iter().any(|&(_, paid)| paid) && rows.iter().all(|&(p, _)| p < last_period)
        });
        cases.push(("a churned (paying) tenant".to_owned(), churned));
        cases.push((
            "a trial tenant that never subscribed".to_owned(),
            tenants
                .values()
                .any(|rows| rows.iter().all(|&(_, paid)| !paid)),
        ));
        cases.push((
            "a trial tenant that converted".to_owned(),
            tenants.values().any(|rows| {
                rows.iter().any(|&(_, paid)| !paid) && rows.iter().any(|&(_, paid)| paid)
            }),
        ));

        // An agency: a tenant with three or more companies.
        let mut companies: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for r in self.mailbox.records().chain(self.campaign.records()) {
            companies
                .entry(tenant_of(&r))
                .or_default()
                .insert(r.text("company_id"));
        }
        cases.push((
            "an agency with three or more companies".to_owned(),
            companies.values().any(|c| c.len() >= 3),
        ));

        // A/B variants: `…-s2a` and `…-s2b` of one campaign in one period.
        let mut variants: BTreeMap<(i64, String), BTreeSet<char>> = BTreeMap::new();
        for s in self.step.records() {
            let step = s.text("step_id");
            if let Some(v) = step.chars().last().filter(char::is_ascii_lowercase) {
                let position = step[..step.len() - 1].to_owned();
                variants
                    .entry((s.int("billing_id"), position))
                    .or_default()
                    .insert(v);
            }
        }
        cases.push((
            "A/B step variants side by side".to_owned(),
            variants
                .values()
                .any(|v| v.contains(&'a') && v.contains(&'b')),
        ));

        // A mailbox still warming: warming status, and its warmup row below 100 %.
        let ramping: BTreeSet<(i64, &str)> = self
            .warmup
            .records()
            .filter(|w| w.int("progress_percentage") < 100)
            .map(|w| (w.int("billing_id"), w.text("mailbox_id")))
            .collect();
        cases.push((
            "a mailbox still warming".to_owned(),
            self.mailbox.records().any(|m| {
                m.opt("warmup_status") == Some("warming")
                    && m.opt("campaign_status") == Some("warming")
                    && ramping.contains(&(m.int("billing_id"), m.text("mailbox_id")))
            }),
        ));

        // A campaign with rows in two or more periods.
        let mut campaign_periods: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for c in self.campaign.records() {
            campaign_periods
                .entry(c.text("campaign_id"))
                .or_default()
                .insert(c.int("billing_id"));
        }
        cases.push((
            "a campaign spanning periods".to_owned(),
            campaign_periods.values().any(|p| p.len() >= 2),
        ));

        // A lead whose emails fall in two periods (enrolled late in a month).
        let mut lead_periods: BTreeMap<(&str, &str), BTreeSet<i64>> = BTreeMap::new();
        for l in self.lead.records() {
            lead_periods
                .entry((l.text("lead_id"), l.text("campaign_id")))
                .or_default()
                .insert(l.int("billing_id"));
        }
        cases.push((
            "a lead spanning periods".to_owned(),
            lead_periods.values().any(|p| p.len() >= 2),
        ));

        // Every value of the four status vocabularies that a simulated warehouse holds,
        // named `table.column`.
        let mut statuses = |csv: &Csv, qualified: &str, all: Vec<&str>| {
            let column = qualified.split_once('.').expect("table.column").1;
            let seen: BTreeSet<&str> = csv.records().filter_map(|r| r.opt(column)).collect();
            for value in all {
                let case = format!("{qualified} = {value}");
                cases.push((case, seen.contains(value)));
            }
        };
        statuses(
            &self.campaign,
            CampaignStatus::COLUMN,
            CampaignStatus::SIMULATED
                .iter()
                .map(|s| s.as_str())
                .collect(),
        );
        statuses(
            &self.lead,
            LeadStatus::COLUMN,
            LeadStatus::SIMULATED.iter().map(|s| s.as_str()).collect(),
        );
        statuses(
            &self.mailbox,
            WarmupStatus::COLUMN,
            WarmupStatus::SIMULATED.iter().map(|s| s.as_str()).collect(),
        );
        statuses(
            &self.mailbox,
            MailboxCampaignStatus::COLUMN,
            MailboxCampaignStatus::SIMULATED
                .iter()
                .map(|s| s.as_str())
                .collect(),
        );
        cases
    }
}
