//! Every rule holds in a generated world, and each deliberate breakage is caught as
//! exactly its own rule. Random profiles over every knob are the property gate's job
//! (`cargo xtask proptest`).

use sim::rules::{breakage, evaluate, rules_broken, RuleId};
use sim::{Profile, Rows, Shard, Simulator};

fn dev_world() -> Rows {
    Simulator::new(Profile::load("dev").unwrap(), 7).rows(Shard::ALL)
}

#[test]
fn dev_world_obeys_every_rule() {
    let rows = dev_world();
    assert!(rows.len() > 50_000, "dev world too small: {}", rows.len());
    let violations = evaluate(&rows);
    assert!(
        violations.is_empty(),
        "{:#?}",
        &violations[..violations.len().min(20)]
    );
}

#[test]
fn each_breakage_is_caught_as_exactly_its_rule() {
    let good = dev_world();
    for rule in RuleId::ALL {
        let mut rows = good.clone();
        if !breakage::break_rows(&mut rows, rule) {
            assert!(
                breakage::sql_only(rule).is_some(),
                "{rule:?} has no breakage in memory nor in SQL"
            );
            continue;
        }
        let broken = rules_broken(&evaluate(&rows));
        assert_eq!(broken, vec![rule], "breaking {rule:?}");
    }
}

#[test]
fn a_status_outside_the_vocabulary_breaks_its_rule() {
    let mut rows = dev_world();
    rows.leads[0].new.status = schema::models::LeadStatus::Other("snoozed".into());
    rows.mailboxes[0].new.warmup_status = schema::models::WarmupStatus::Other("cooling".into());
    rows.campaigns[0].new.status = schema::models::CampaignStatus::Other("on hold".into());
    let broken = rules_broken(&evaluate(&rows));
    let expected = vec![RuleId::S1, RuleId::S2, RuleId::S3];
    assert_eq!(broken, expected);
}
