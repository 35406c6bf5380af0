-- Indexes for the first pages of schema::queries::lead_engagement.
--
-- Why: a page of lead_engagement lists leads x campaigns by replies, then clicks, then
-- opens, summed over the periods in scope. Through billing_id alone, a page had to sum
-- every lead row of the tenant (92k for the largest on staging) and sort them: 0.5-0.7 s
-- for the largest tenant over all periods, 27 s over the whole warehouse.
--
-- A lead x campaign with a reply or a click in its sums has a row with one, and few rows
-- do (about one in eight on staging). The first partial index holds exactly those rows,
-- with both counters and the keys, so the replied and clicked sums of every engaged lead
-- come from it alone (an index-only scan once the table is vacuumed). The page then
-- needs the full sums of only the few leads that can be on it; the second index finds
-- all the rows of one lead x campaign.
--
-- Indexes only, like the migration before it: no table, column or constraint.

CREATE INDEX idx_lead_analytics_engaged
    ON lead_analytics(billing_id) INCLUDE (lead_id, campaign_id, replied, clicked_tracked)
    WHERE replied <> 0 OR clicked_tracked <> 0;
CREATE INDEX idx_lead_analytics_lead_id_campaign_id ON lead_analytics(lead_id, campaign_id);
