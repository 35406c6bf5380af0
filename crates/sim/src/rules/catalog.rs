//! The catalog: every rule once, with its id, its statement and the SQL that finds its
//! violations in a live warehouse. The in-memory evaluator ([`super::evaluate`]) matches
//! on the same [`RuleId`], so a rule cannot exist in one evaluator and not the other.
//!
//! Each violation is reported once, under its most specific rule: the aggregate rules
//! skip values that A1/B3 already flag as negative or `NULL`, and the relationship rules
//! skip rows whose `billing_id` A7 (missing) or C1 (dangling) already flag.

use schema::models::{CampaignStatus, Counters, LeadStatus, MailboxCampaignStatus, WarmupStatus};
use schema::Table;

/// The rules A1–E1 every warehouse obeys, plus S1–S3, this project's agreement of the
/// status columns with the counters. `docs/rules.md` is generated from this catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum RuleId {
    A1,
    A2,
    A3,
    A4,
    A5,
    A6,
    A7,
    A8,
    B1,
    B2,
    B3,
    B4,
    B5,
    B6,
    B7,
    B8,
    B9,
    B10,
    C1,
    C2,
    C3,
    C4,
    C5,
    C6,
    D1,
    D2,
    D3,
    D4,
    E1,
    S1,
    S2,
    S3,
}

/// The grain of each table: the columns that identify one row (rule C5). A child's
/// `billing_id` names its tenant's period.
pub const GRAINS: [(Table, &str); 6] = [
    (Table::Billing, "tenant_id, period_start"),
    (Table::Campaign, "campaign_id, billing_id"),
    (Table::SequenceStep, "step_id, campaign_id, billing_id"),
    (Table::Lead, "lead_id, campaign_id, billing_id"),
    (Table::Mailbox, "mailbox_id, billing_id"),
    (Table::Warmup, "mailbox_id, billing_id"),
];

impl RuleId {
    /// Every rule, in catalog order.
    pub const ALL: [RuleId; 32] = {
        use RuleId::*;
        [
            A1, A2, A3, A4, A5, A6, A7, A8, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, C1, C2, C3,
            C4, C5, C6, D1, D2, D3, D4, E1, S1, S2, S3,
        ]
    };

    /// The rule's id as written in the domain rules, e.g. `"B10"`.
    pub fn code(self) -> String {
        format!("{self:?}")
    }

    /// The rule, in one line.
    pub fn statement(self) -> &'static str {
        use RuleId::*;
        match self {
            A1 => "every counter is non-null and >= 0",
            A2 => "delivered + bounced <= sent",
            A3 => "opened_tracked <= delivered",
            A4 => "clicked_tracked <= opened_tracked",
            A5 => "replied, unsubscribed, spam_complaints <= delivered",
            A6 => "health_score, progress_percentage in 0..=100; current_volume, completed_leads >= 0",
            A7 => "billing_id is set",
            A8 => "period_start <= updated <= period_end + 1 day",
            B1 => "period_start < period_end",
            B2 => "a tenant's periods never overlap",
            B3 => "usage counts are non-null and >= 0",
            B4 => "emails_sent = sum of campaign_analytics.sent of the billing_id",
            B5 => "campaigns_used = campaign_analytics rows of the billing_id",
            B6 => "mailboxes_used = mailbox_analytics rows of the billing_id",
            B7 => "domains_used = distinct domains of those mailboxes",
            B8 => "leads_used = distinct lead_id in lead_analytics of the billing_id",
            B9 => "warmups_active = warmup_analytics rows of the billing_id",
            B10 => "a company_id appears under one tenant only",
            C1 => "every billing_id exists in billing_analytics",
            C2 => "each step row's (campaign_id, billing_id) exists in campaign_analytics, same company_id",
            C3 => "each lead row's (campaign_id, billing_id) exists in campaign_analytics",
            C4 => "each warmup row's (mailbox_id, billing_id) exists in mailbox_analytics, same company_id",
            C5 => "at most one row per grain",
            C6 => "a campaign, and a mailbox, never changes company",
            D1 => "campaign counters = sum of its step rows, per (campaign_id, billing_id)",
            D2 => "campaign counters = sum of its lead rows, per (campaign_id, billing_id)",
            D3 => "per (company_id, billing_id): sum of mailbox rows = campaign rows + warmup rows",
            D4 => "completed_leads <= lead rows of the (campaign_id, billing_id)",
            E1 => "a lead's sent in a period <= the step positions of its campaign",
            S1 => "lead status agrees with its counters (exit status <=> exit counter)",
            S2 => "campaign status is in its vocabulary; a completed campaign has completed_leads = its lead rows",
            S3 => "mailbox statuses are in their vocabularies; warmup_status agrees with the warmup row (paused: none; warming: progress < 100; warmed: 100)",
        }
    }

    /// A query returning one text column `key` per violation: `table#id` for a row, or
    /// the offending logical key.
    pub fn sql(self) -> String {
        self.sql_in(Reach::Warehouse)
    }

    /// [`Self::sql`] for `reach`: under [`Reach::Scope`], to be run inside
    /// [`super::within`], the rules that look beyond the scope ([`Self::crosses_scope`])
    /// compare it with the whole tables.
    pub fn sql_in(self, reach: Reach) -> String {
        self.sql_over(Leads::Rows, reach)
    }

    /// Whether the rule compares rows of different periods or tenants, so that a scoped
    /// audit must read the rest of the warehouse for it: B2 (a period against the
    /// tenant's others), B10 (a company's tenants), C6 (a campaign's or a mailbox's
    /// companies, in any period) and E1 (a campaign's step positions, from every
    /// period). Every other rule compares a row with its own period's rows only.
    pub fn crosses_scope(self) -> bool {
        use RuleId::*;
        matches!(self, B2 | B10 | C6 | E1)
    }

    /// The rule's family: the first letter of its id.
    pub fn family(self) -> char {
        self.code().chars().next().expect("a rule id is not empty")
    }

    /// [`Self::sql_in`], with the rules that aggregate `lead_analytics` per (campaign_id,
    /// billing_id) (C3, D2, D4, E1, S2) reading it from `leads`.
    pub(super) fn sql_over(self, leads: Leads, reach: Reach) -> String {
        use RuleId::*;
        let (lead_rows, lead_totals, lead_sent, positions) = match leads {
            Leads::Rows => (
                "lead_analytics".to_owned(),
                format!("(SELECT count(*) AS n, {})", sums(", campaign_id, billing_id FROM lead_analytics GROUP BY campaign_id, billing_id")),
                "sent",
                format!(
                    "SELECT campaign_id, count(DISTINCT {}) AS n FROM {} GROUP BY campaign_id",
                    crate::ids::STEP_POSITION_SQL,
                    reach.steps_of_campaigns_in("lead_analytics")
                ),
            ),
            // The same counts, hashed (count(DISTINCT) sorts each campaign's steps by
            // their text key, at the collation's pace), of the same positions.
            Leads::Groups => (
                LEAD_GROUPS.to_owned(),
                LEAD_GROUPS.to_owned(),
                "max_sent",
                format!(
                    "SELECT campaign_id, count(*) AS n FROM (SELECT DISTINCT campaign_id, {STEP_POSITION_FAST_SQL} AS p \
                     FROM {}) d WHERE d.p IS NOT NULL GROUP BY campaign_id",
                    reach.steps_of_campaigns_in(LEAD_GROUPS)
                ),
            ),
        };
        let each = |f: &dyn Fn(Table) -> String| {
            Table::ACTIVITY
                .iter()
                .map(|&t| f(t))
                .collect::<Vec<_>>()
                .join("\nUNION ALL\n")
        };
        // Counter tuples compared only where A1 holds (non-null, non-negative).
        let differs = |a: &str, b: &str| {
            let left: Vec<String> = Counters::NAMES.iter().map(|c| format!("{a}.{c}")).collect();
            let right: Vec<String> = Counters::NAMES
                .iter()
                .map(|c| format!("coalesce({b}.{c}, 0)"))
                .collect();
            format!(
                "({}) IS DISTINCT FROM ({})",
                left.join(", "),
                right.join(", ")
            )
        };
        let valid_billing = VALID_BILLING;
        match self {
            A1 | A2 | A3 | A4 | A5 | A7 | A8 | C1 => each(&|t| self.row_part(t).expect("a per-row rule")),
            A6 => [
                "SELECT 'mailbox_analytics#' || id AS key FROM mailbox_analytics WHERE NOT (coalesce(health_score BETWEEN 0 AND 100, false) AND coalesce(current_volume >= 0, false))",
                "SELECT 'warmup_analytics#' || id FROM warmup_analytics WHERE NOT (coalesce(health_score BETWEEN 0 AND 100, false) AND coalesce(progress_percentage BETWEEN 0 AND 100, false))",
                "SELECT 'campaign_analytics#' || id FROM campaign_analytics WHERE NOT coalesce(completed_leads >= 0, false)",
            ]
            .join("\nUNION ALL\n"),
            B1 => "SELECT 'billing_analytics#' || id AS key FROM billing_analytics WHERE NOT (period_start < period_end)".into(),
            // Each overlapping pair once, under its smaller id; in a scope, each pair with a
            // period in it: once from its smaller id if both are, else from the one that is.
            B2 => format!(
                "SELECT 'billing_analytics#' || least(a.id, b.id) AS key FROM billing_analytics a JOIN {} b \
                 ON a.tenant_id = b.tenant_id AND a.id <> b.id \
                 AND a.period_start < b.period_end AND b.period_start < a.period_end \
                 WHERE {}",
                reach.whole(Table::Billing),
                match reach {
                    Reach::Warehouse => "a.id < b.id",
                    Reach::Scope => "(a.id < b.id OR b.id NOT IN (SELECT id FROM billing_analytics))",
                }
            ),
            B3 => {
                let ok = ["emails_sent", "mailboxes_used", "domains_used", "campaigns_used", "leads_used", "warmups_active"]
                    .map(|c| format!("coalesce({c} >= 0, false)"));
                format!("SELECT 'billing_analytics#' || id AS key FROM billing_analytics WHERE NOT ({})", ok.join(" AND "))
            }
            B4 => usage("emails_sent", "SELECT billing_id, sum(sent) AS n FROM campaign_analytics GROUP BY billing_id"),
            B5 => usage("campaigns_used", "SELECT billing_id, count(*) AS n FROM campaign_analytics GROUP BY billing_id"),
            B6 => usage("mailboxes_used", "SELECT billing_id, count(*) AS n FROM mailbox_analytics GROUP BY billing_id"),
            B7 => usage(
                "domains_used",
                &format!(
                    "SELECT billing_id, count(DISTINCT {}) AS n FROM mailbox_analytics GROUP BY billing_id",
                    crate::ids::MAILBOX_DOMAIN_SQL
                ),
            ),
            B8 => usage("leads_used", "SELECT billing_id, count(DISTINCT lead_id) AS n FROM lead_analytics GROUP BY billing_id"),
            B9 => usage("warmups_active", "SELECT billing_id, count(*) AS n FROM warmup_analytics GROUP BY billing_id"),
            B10 => format!(
                "SELECT 'company ' || x.company_id AS key FROM {} \
                 GROUP BY x.company_id HAVING count(DISTINCT b.tenant_id) > 1",
                company_tenants(reach)
            ),
            C2 => format!(
                "SELECT 'sequence_step_analytics#' || t.id AS key FROM sequence_step_analytics t WHERE {valid_billing} \
                 AND NOT EXISTS (SELECT 1 FROM campaign_analytics c WHERE c.campaign_id = t.campaign_id \
                 AND c.billing_id = t.billing_id AND c.company_id = t.company_id)"
            ),
            C3 => format!(
                "SELECT 'lead_analytics#' || t.id AS key FROM {lead_rows} t WHERE {valid_billing} \
                 AND NOT EXISTS (SELECT 1 FROM campaign_analytics c WHERE c.campaign_id = t.campaign_id \
                 AND c.billing_id = t.billing_id)"
            ),
            C4 => format!(
                "SELECT 'warmup_analytics#' || t.id AS key FROM warmup_analytics t WHERE {valid_billing} \
                 AND NOT EXISTS (SELECT 1 FROM mailbox_analytics m WHERE m.mailbox_id = t.mailbox_id \
                 AND m.billing_id = t.billing_id AND m.company_id = t.company_id)"
            ),
            C5 => GRAINS
                .iter()
                .map(|&(t, _)| duplicate_grains(t))
                .collect::<Vec<_>>()
                .join("\nUNION ALL\n"),
            C6 => format!(
                "SELECT 'campaign ' || campaign_id AS key FROM {} \
                 GROUP BY campaign_id HAVING count(DISTINCT company_id) > 1 \
                 UNION ALL \
                 SELECT 'mailbox ' || mailbox_id FROM {} \
                 GROUP BY mailbox_id HAVING count(DISTINCT company_id) > 1",
                campaign_companies(reach),
                mailbox_companies(reach)
            ),
            D1 | D2 => {
                let children = if self == D1 {
                    format!("(SELECT {})", sums(", campaign_id, billing_id FROM sequence_step_analytics WHERE billing_id IS NOT NULL GROUP BY campaign_id, billing_id"))
                } else {
                    lead_totals.clone()
                };
                format!(
                    "SELECT 'campaign_analytics#' || t.id AS key FROM campaign_analytics t \
                     LEFT JOIN {children} s ON s.campaign_id = t.campaign_id AND s.billing_id = t.billing_id \
                     WHERE {}",
                    differs("t", "s")
                )
            }
            D3 => {
                let agg = |table: &str| {
                    format!(
                        "SELECT {}",
                        sums(&format!(", company_id, billing_id FROM {table} WHERE billing_id IS NOT NULL GROUP BY company_id, billing_id"))
                    )
                };
                let plus: Vec<String> = Counters::NAMES
                    .iter()
                    .map(|c| format!("coalesce(c.{c}, 0) + coalesce(w.{c}, 0) AS {c}"))
                    .collect();
                format!(
                    "SELECT 'company ' || coalesce(m.company_id, e.company_id) || ' billing ' || coalesce(m.billing_id, e.billing_id)::text AS key \
                     FROM ({}) m FULL JOIN ( \
                       SELECT coalesce(c.company_id, w.company_id) AS company_id, coalesce(c.billing_id, w.billing_id) AS billing_id, {} \
                       FROM ({}) c FULL JOIN ({}) w ON w.company_id = c.company_id AND w.billing_id = c.billing_id \
                     ) e ON e.company_id = m.company_id AND e.billing_id = m.billing_id \
                     WHERE {}",
                    agg("mailbox_analytics"),
                    plus.join(", "),
                    agg("campaign_analytics"),
                    agg("warmup_analytics"),
                    {
                        let left: Vec<String> = Counters::NAMES.iter().map(|c| format!("coalesce(m.{c}, 0)")).collect();
                        let right: Vec<String> = Counters::NAMES.iter().map(|c| format!("coalesce(e.{c}, 0)")).collect();
                        format!("({}) IS DISTINCT FROM ({})", left.join(", "), right.join(", "))
                    }
                )
            }
            D4 => format!("SELECT 'campaign_analytics#' || t.id AS key FROM campaign_analytics t \
                   LEFT JOIN {lead_totals} l \
                   ON l.campaign_id = t.campaign_id AND l.billing_id = t.billing_id \
                   WHERE t.completed_leads > coalesce(l.n, 0)"),
            E1 => format!(
                "SELECT 'lead_analytics#' || t.id AS key FROM {lead_rows} t \
                 LEFT JOIN ({positions}) p \
                 ON p.campaign_id = t.campaign_id WHERE t.{lead_sent} > coalesce(p.n, 0)"
            ),
            S1 => format!(
                "SELECT 'lead_analytics#' || t.id AS key FROM lead_analytics t WHERE {}",
                self.row_condition().expect("S1 is a per-row rule")
            ),
            S2 => format!(
                "SELECT 'campaign_analytics#' || t.id AS key FROM campaign_analytics t \
                 LEFT JOIN {lead_totals} l \
                 ON l.campaign_id = t.campaign_id AND l.billing_id = t.billing_id \
                 WHERE (t.status = 'completed' AND t.completed_leads IS DISTINCT FROM coalesce(l.n, 0)) \
                 OR NOT coalesce(t.status IN ({}), true)",
                vocabulary(CampaignStatus::ALL.iter().map(CampaignStatus::as_str))
            ),
            S3 => format!(
                "SELECT 'mailbox_analytics#' || m.id AS key FROM mailbox_analytics m \
                 LEFT JOIN warmup_analytics w ON w.mailbox_id = m.mailbox_id AND w.billing_id = m.billing_id \
                 WHERE NOT coalesce(m.warmup_status IN ({}), true) \
                 OR NOT coalesce(m.campaign_status IN ({}), true) \
                 OR CASE WHEN w.id IS NULL THEN false \
                 WHEN m.warmup_status = 'paused' THEN true \
                 WHEN m.warmup_status = 'warming' THEN NOT coalesce(w.progress_percentage < 100, false) \
                 WHEN m.warmup_status = 'warmed' THEN NOT coalesce(w.progress_percentage = 100, false) \
                 ELSE true END",
                vocabulary(WarmupStatus::ALL.iter().map(WarmupStatus::as_str)),
                vocabulary(MailboxCampaignStatus::ALL.iter().map(MailboxCampaignStatus::as_str))
            ),
        }
    }

    /// The condition, over one activity row `t`, under which it breaks a rule that looks
    /// at that row alone (A1–A5, S1). The rule's query and the audit's probe of the small
    /// tables both use it, so the two cannot disagree; its pass over `lead_analytics`
    /// flags rows with a cheaper condition that is true wherever this one is.
    pub(super) fn row_condition(self) -> Option<String> {
        use RuleId::*;
        Some(match self {
            A1 => {
                let ok: Vec<String> = Counters::NAMES
                    .iter()
                    .map(|c| format!("coalesce(t.{c} >= 0, false)"))
                    .collect();
                format!("NOT ({})", ok.join(" AND "))
            }
            A2 => "t.delivered::int8 + t.bounced > t.sent".into(),
            A3 => "t.opened_tracked > t.delivered".into(),
            A4 => "t.clicked_tracked > t.opened_tracked".into(),
            A5 => "t.replied > t.delivered OR t.unsubscribed > t.delivered OR t.spam_complaints > t.delivered".into(),
            S1 => {
                let exits: Vec<String> = LeadStatus::ALL
                    .iter()
                    .filter_map(LeadStatus::exit_counter)
                    .map(|c| format!("t.{c}::int8"))
                    .collect();
                let exits = exits.join(" + ");
                let arms: Vec<String> = LeadStatus::ALL
                    .iter()
                    .map(|status| {
                        let agrees = status
                            .exit_counter()
                            .map_or(format!("{exits} = 0"), |c| format!("t.{c} >= 1"));
                        format!("WHEN '{status}' THEN {agrees}")
                    })
                    .collect();
                format!(
                    "NOT coalesce(CASE t.status {} ELSE false END, false)",
                    arms.join(" ")
                )
            }
            _ => return None,
        })
    }

    /// The part about `table` of a rule on every activity table (A1–A5, A7, A8, C1): a
    /// query returning the keys of that table's offending rows.
    pub(super) fn row_part(self, table: Table) -> Option<String> {
        use RuleId::*;
        let t = table.name();
        let key = format!("'{t}#' || t.id");
        Some(match self {
            A1 | A2 | A3 | A4 | A5 => format!(
                "SELECT {key} AS key FROM {t} t WHERE {}",
                self.row_condition()?
            ),
            A7 => format!("SELECT {key} AS key FROM {t} t WHERE t.billing_id IS NULL"),
            A8 => format!(
                "SELECT {key} AS key FROM {t} t JOIN billing_analytics b ON b.id = t.billing_id \
                 WHERE NOT coalesce(t.updated BETWEEN b.period_start AND b.period_end + {A8_GRACE}, false)"
            ),
            C1 => format!(
                "SELECT {key} AS key FROM {t} t WHERE t.billing_id IS NOT NULL AND NOT {VALID_BILLING}"
            ),
            _ => return None,
        })
    }
}

/// Where [`RuleId::sql_over`] reads `lead_analytics` from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Leads {
    /// The table itself: the rule's own query.
    Rows,
    /// [`LEAD_GROUPS`], the audit's pass over it per (campaign_id, billing_id).
    Groups,
}

/// The audit's pass over `lead_analytics`, a common table expression of its probe: one
/// row per (campaign_id, billing_id) with its smallest `id`, its rows `n`, the sum of
/// each counter, and what the screens need (see `super::screen`).
pub(super) const LEAD_GROUPS: &str = "audit_lead_groups";

/// `sum(c::int8) AS c` for every counter, then `cols_from`.
fn sums(cols_from: &str) -> String {
    Counters::NAMES
        .iter()
        .map(|c| format!("sum({c}::int8) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
        + cols_from
}

/// How long after its period's end a row may still be updated (A8).
pub(super) const A8_GRACE: &str = "interval '24 hours'";

/// A row `t` whose `billing_id` names a billing row: the rules C1 would otherwise
/// report twice skip the others.
pub(super) const VALID_BILLING: &str = "t.billing_id IN (SELECT id FROM billing_analytics)";

/// [`crate::ids::STEP_POSITION_SQL`] without its unanchored regular expression, which
/// tries every offset of the key (0.5 s over staging's steps): the same regular
/// expression, anchored, on the key's last `-` segment. Equal on every `step_id`
/// (`xtask/tests/audit.rs` holds them to it).
pub const STEP_POSITION_FAST_SQL: &str = "CASE WHEN strpos(step_id, '-') > 0 THEN \
    substring(split_part(step_id, '-', -1) from '^s([0-9]+)[a-z]?$')::int8 END";

/// [`crate::ids::MAILBOX_DOMAIN_SQL`] without its unanchored regular expression: what
/// follows the last `@` (all of it without one), lowered. Equal on every `mailbox_id`.
pub const MAILBOX_DOMAIN_FAST_SQL: &str = "lower(split_part(mailbox_id, '@', -1))";

/// C5 for one table: the smallest id of every grain that occurs more than once.
pub(super) fn duplicate_grains(table: Table) -> String {
    let (t, grain) = GRAINS
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(t, g)| (t.name(), *g))
        .expect("every table has a grain");
    format!("SELECT '{t}#' || min(id) AS key FROM {t} GROUP BY {grain} HAVING count(*) > 1")
}

/// Which rows a statement judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The whole warehouse: the six tables are read by their names.
    Warehouse,
    /// A scope of it, inside [`super::within`]: the six names hold the scope's periods
    /// and their rows, and the rules that look beyond the scope
    /// ([`RuleId::crosses_scope`]) read the rest through [`Reach::whole`]'s names. A
    /// violation is reported, under the full audit's key, when it lies in the scope: a
    /// row of a period in scope, a company, campaign or mailbox with such a row, or (B2)
    /// a pair of overlapping periods one of which is in scope.
    Scope,
}

impl Reach {
    /// The name a statement of this reach reads all of `table` under.
    pub fn whole(self, table: Table) -> String {
        match self {
            Reach::Warehouse => table.name().to_owned(),
            Reach::Scope => format!("{WHOLE}{}", table.name()),
        }
    }

    /// E1's step rows: all of them, and in a scope those of every period of the
    /// campaigns of `leads` (the scope's lead rows, or their groups), so that a lead's
    /// step positions are counted in every month while only its campaigns' step keys
    /// are parsed. `OFFSET 0` keeps the subquery whole: flattened, the planner computes
    /// the position of every step row in the scan, before the join drops most of them
    /// (0.3 s of the open month's 0.7 s on staging).
    fn steps_of_campaigns_in(self, leads: &str) -> String {
        match self {
            Reach::Warehouse => Table::SequenceStep.name().to_owned(),
            Reach::Scope => format!(
                "(SELECT * FROM {} s WHERE s.campaign_id IN (SELECT campaign_id FROM {leads}) OFFSET 0) s",
                self.whole(Table::SequenceStep)
            ),
        }
    }

    /// `from` (rows with a `column` `x`), kept, in a scope, to the values of `column`
    /// that occur in one of `tables`' rows of the scope.
    fn occurring(self, from: String, column: &str, tables: &[Table]) -> String {
        match self {
            Reach::Warehouse => from,
            Reach::Scope => {
                let scoped: Vec<String> = tables
                    .iter()
                    .map(|t| format!("SELECT {column} FROM {}", t.name()))
                    .collect();
                format!(
                    "(SELECT * FROM {from} WHERE x.{column} IN ({})) x",
                    scoped.join(" UNION ALL ")
                )
            }
        }
    }
}

/// The prefix of the whole tables' names in a scope (see [`Reach::whole`]).
pub(super) const WHOLE: &str = "whole_";

/// The children whose `company_id` a company's tenants are read from (B10).
const COMPANY_TABLES: [Table; 4] = [
    Table::Campaign,
    Table::SequenceStep,
    Table::Mailbox,
    Table::Warmup,
];

/// B10's rows: each child row's `company_id` (`x`) with its period (`b`); in a scope,
/// the companies that have a row in it, with all their rows.
pub(super) fn company_tenants(reach: Reach) -> String {
    let rows: Vec<String> = COMPANY_TABLES
        .iter()
        .map(|&t| format!("SELECT company_id, billing_id FROM {}", reach.whole(t)))
        .collect();
    // In a scope, most of the small tables' rows belong to companies with a row in it:
    // their distinct (company, period) pairs, a few per company, are what is joined.
    let union = match reach {
        Reach::Warehouse => " UNION ALL ",
        Reach::Scope => " UNION ",
    };
    format!(
        "{} JOIN {} b ON b.id = x.billing_id",
        reach.occurring(
            format!("( {}) x", rows.join(union)),
            "company_id",
            &COMPANY_TABLES
        ),
        reach.whole(Table::Billing)
    )
}

/// C6's campaigns: every (campaign_id, company_id) of a campaign or step row; in a
/// scope, of the campaigns that have a row in it.
pub(super) fn campaign_companies(reach: Reach) -> String {
    companies(reach, "campaign_id", [Table::Campaign, Table::SequenceStep])
}

/// C6's mailboxes: every (mailbox_id, company_id) of a mailbox or warmup row; in a
/// scope, of the mailboxes that have a row in it.
pub(super) fn mailbox_companies(reach: Reach) -> String {
    companies(reach, "mailbox_id", [Table::Mailbox, Table::Warmup])
}

/// Every (`key`, company_id) of `tables`, as `x`.
fn companies(reach: Reach, key: &str, tables: [Table; 2]) -> String {
    let rows: Vec<String> = tables
        .iter()
        .map(|&t| format!("SELECT {key}, company_id FROM {}", reach.whole(t)))
        .collect();
    reach.occurring(format!("( {}) x", rows.join(" UNION ALL ")), key, &tables)
}

/// A billing usage column compared with an aggregate of its children, where B3 holds.
pub(super) fn usage(column: &str, aggregate: &str) -> String {
    format!(
        "SELECT 'billing_analytics#' || b.id AS key FROM billing_analytics b \
         LEFT JOIN ({aggregate}) a ON a.billing_id = b.id \
         WHERE b.{column} >= 0 AND b.{column} <> coalesce(a.n, 0)"
    )
}

/// A status vocabulary as an SQL list: `'active', 'paused'`.
fn vocabulary<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
