-- Indexes for the warehouse's own use cases (schema::queries, the audit, dashboards).
--
-- Why: the seed DDL indexes nothing but billing_analytics(tenant_id, period_start,
-- period_end). Every per-tenant query reaches a child table through billing_id, the
-- period's key, and PostgreSQL does not index a foreign key's referencing column by
-- itself. Without these, one tenant's dashboard on staging (4.6M lead rows) was a
-- parallel sequential scan of lead_analytics, 0.5 s, and its cost grew with the whole
-- warehouse instead of the tenant. With them it is a few index probes per period.
--
-- The first migration stays exactly the seed document's DDL; this one adds indexes only
-- (no table, column or constraint), so the seed's rows and the catalog test's tables are
-- unchanged.

-- One tenant's periods -> their rows: dashboard, campaign, lead and step queries.
CREATE INDEX idx_campaign_analytics_billing_id ON campaign_analytics(billing_id);
CREATE INDEX idx_mailbox_analytics_billing_id ON mailbox_analytics(billing_id);
CREATE INDEX idx_lead_analytics_billing_id ON lead_analytics(billing_id);
CREATE INDEX idx_sequence_step_analytics_billing_id ON sequence_step_analytics(billing_id);
-- mailbox_health joins a mailbox's period row to its warmup row on
-- (mailbox_id, billing_id); billing_id first also serves the per-period counts.
CREATE INDEX idx_warmup_analytics_billing_id_mailbox_id
    ON warmup_analytics(billing_id, mailbox_id);
