-- Exactly the indexes that up.sql adds.
DROP INDEX idx_lead_analytics_lead_id_campaign_id;
DROP INDEX idx_lead_analytics_engaged;
