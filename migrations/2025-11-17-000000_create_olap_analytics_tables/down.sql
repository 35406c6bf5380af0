-- Children first: each of them references billing_analytics.
DROP TABLE sequence_step_analytics;
DROP TABLE warmup_analytics;
DROP TABLE lead_analytics;
DROP TABLE mailbox_analytics;
DROP TABLE campaign_analytics;
DROP INDEX idx_billing_analytics_tenant_period;
DROP TABLE billing_analytics;
