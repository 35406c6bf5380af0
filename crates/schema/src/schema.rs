// @generated automatically by Diesel CLI.

diesel::table! {
    billing_analytics (id) {
        id -> Int8,
        tenant_id -> Text,
        subscription_id -> Nullable<Text>,
        emails_sent -> Nullable<Int4>,
        mailboxes_used -> Nullable<Int4>,
        domains_used -> Nullable<Int4>,
        campaigns_used -> Nullable<Int4>,
        leads_used -> Nullable<Int4>,
        warmups_active -> Nullable<Int4>,
        period_start -> Timestamptz,
        period_end -> Timestamptz,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    campaign_analytics (id) {
        id -> Int8,
        campaign_id -> Text,
        company_id -> Text,
        sent -> Nullable<Int4>,
        delivered -> Nullable<Int4>,
        opened_tracked -> Nullable<Int4>,
        clicked_tracked -> Nullable<Int4>,
        replied -> Nullable<Int4>,
        bounced -> Nullable<Int4>,
        unsubscribed -> Nullable<Int4>,
        spam_complaints -> Nullable<Int4>,
        status -> Nullable<Text>,
        completed_leads -> Nullable<Int4>,
        billing_id -> Nullable<Int8>,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    lead_analytics (id) {
        id -> Int8,
        lead_id -> Text,
        campaign_id -> Text,
        sent -> Nullable<Int4>,
        delivered -> Nullable<Int4>,
        opened_tracked -> Nullable<Int4>,
        clicked_tracked -> Nullable<Int4>,
        replied -> Nullable<Int4>,
        bounced -> Nullable<Int4>,
        unsubscribed -> Nullable<Int4>,
        spam_complaints -> Nullable<Int4>,
        status -> Nullable<Text>,
        billing_id -> Nullable<Int8>,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mailbox_analytics (id) {
        id -> Int8,
        mailbox_id -> Text,
        company_id -> Text,
        sent -> Nullable<Int4>,
        delivered -> Nullable<Int4>,
        opened_tracked -> Nullable<Int4>,
        clicked_tracked -> Nullable<Int4>,
        replied -> Nullable<Int4>,
        bounced -> Nullable<Int4>,
        unsubscribed -> Nullable<Int4>,
        spam_complaints -> Nullable<Int4>,
        warmup_status -> Nullable<Text>,
        health_score -> Nullable<Int4>,
        current_volume -> Nullable<Int4>,
        billing_id -> Nullable<Int8>,
        campaign_status -> Nullable<Text>,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sequence_step_analytics (id) {
        id -> Int8,
        step_id -> Text,
        campaign_id -> Text,
        company_id -> Text,
        sent -> Nullable<Int4>,
        delivered -> Nullable<Int4>,
        opened_tracked -> Nullable<Int4>,
        clicked_tracked -> Nullable<Int4>,
        replied -> Nullable<Int4>,
        bounced -> Nullable<Int4>,
        unsubscribed -> Nullable<Int4>,
        spam_complaints -> Nullable<Int4>,
        billing_id -> Nullable<Int8>,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    warmup_analytics (id) {
        id -> Int8,
        mailbox_id -> Text,
        company_id -> Text,
        sent -> Nullable<Int4>,
        delivered -> Nullable<Int4>,
        opened_tracked -> Nullable<Int4>,
        clicked_tracked -> Nullable<Int4>,
        replied -> Nullable<Int4>,
        bounced -> Nullable<Int4>,
        unsubscribed -> Nullable<Int4>,
        spam_complaints -> Nullable<Int4>,
        health_score -> Nullable<Int4>,
        progress_percentage -> Nullable<Int4>,
        billing_id -> Nullable<Int8>,
        updated -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(campaign_analytics -> billing_analytics (billing_id));
diesel::joinable!(lead_analytics -> billing_analytics (billing_id));
diesel::joinable!(mailbox_analytics -> billing_analytics (billing_id));
diesel::joinable!(sequence_step_analytics -> billing_analytics (billing_id));
diesel::joinable!(warmup_analytics -> billing_analytics (billing_id));

diesel::allow_tables_to_appear_in_same_query!(
    billing_analytics,
    campaign_analytics,
    lead_analytics,
    mailbox_analytics,
    sequence_step_analytics,
    warmup_analytics,
);
