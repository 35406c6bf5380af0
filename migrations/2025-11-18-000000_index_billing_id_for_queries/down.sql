-- Exactly the indexes that up.sql adds; the seed DDL's tables and index stay.
DROP INDEX idx_warmup_analytics_billing_id_mailbox_id;
DROP INDEX idx_sequence_step_analytics_billing_id;
DROP INDEX idx_lead_analytics_billing_id;
DROP INDEX idx_mailbox_analytics_billing_id;
DROP INDEX idx_campaign_analytics_billing_id;
