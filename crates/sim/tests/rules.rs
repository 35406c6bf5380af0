//! Every rule holds in generated worlds, and each deliberate breakage is caught as
//! exactly its own rule.

use proptest::prelude::*;
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

fn small_profile() -> impl Strategy<Value = Profile> {
    (1u32..6, 0u32..14, 1u32..28, 0.0f64..0.5, 0.0f64..0.4).prop_map(
        |(tenants, months, day, churn, agencies)| {
            let mut p = Profile::load("dev").unwrap();
            p.tenants = tenants;
            p.first_period = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
            p.as_of = p.first_period
                + chrono::Months::new(months)
                + chrono::Days::new(u64::from(day - 1));
            p.tenancy.monthly_churn = churn;
            p.tenancy.agency_share = agencies;
            p
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_rule_holds_in_every_small_world(profile in small_profile(), seed in any::<u64>()) {
        let rows = Simulator::new(profile, seed).rows(Shard::ALL);
        let violations = evaluate(&rows);
        prop_assert!(violations.is_empty(), "{:?}", &violations[..violations.len().min(10)]);
    }
}
