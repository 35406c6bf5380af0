//! Bugs planted on purpose, to prove that the property gate catches real ones (feature
//! `planted-bugs`; without it nothing here can be switched on and every check is a
//! constant `false`).
//!
//! Each [`Bug`] is a small, plausible slip in the generating code, of the kind a reviewer
//! would miss: the rows it produces still add up almost everywhere, and break one rule in
//! a corner that only realistic sequences reach (a third step, a fifth step, the second
//! variant of a fourth step, a reply after three emails). `cargo xtask proptest
//! --plant-bug NAME` runs the gate with one of them switched on; the gate's tests require
//! it to fail on each, whatever the run's seed.
//!
//! The switch is one process-wide value rather than a parameter, so that the generating
//! code keeps the signatures it has without the feature: a run plants at most one bug,
//! for its whole length.

/// A planted bug, named after the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "planted-bugs"), allow(dead_code))]
pub enum Bug {
    /// A2: a bounced third step is also counted as delivered.
    BouncedThirdStepDelivered,
    /// A4: a delivered fifth step that was not opened is clicked anyway.
    UnopenedFifthStepClicked,
    /// D1: the step totals leave out variant b of step 4 (the campaign keeps it).
    StepTotalsSkipFourthStepVariantB,
    /// D3: a mailbox's mail leaves out leads that replied after three emails or more.
    MailboxMailSkipsLateReplies,
}

#[cfg(feature = "planted-bugs")]
mod switch {
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::Bug;

    /// 0: none; otherwise the planted bug's index plus one.
    static PLANTED: AtomicU8 = AtomicU8::new(0);

    impl Bug {
        /// Every plantable bug.
        pub const ALL: [Bug; 4] = [
            Bug::BouncedThirdStepDelivered,
            Bug::UnopenedFifthStepClicked,
            Bug::StepTotalsSkipFourthStepVariantB,
            Bug::MailboxMailSkipsLateReplies,
        ];

        /// Its name on the command line (`--plant-bug NAME`).
        pub fn name(self) -> &'static str {
            match self {
                Bug::BouncedThirdStepDelivered => "bounced-third-step-delivered",
                Bug::UnopenedFifthStepClicked => "unopened-fifth-step-clicked",
                Bug::StepTotalsSkipFourthStepVariantB => "step-totals-skip-fourth-step-variant-b",
                Bug::MailboxMailSkipsLateReplies => "mailbox-mail-skips-late-replies",
            }
        }
    }

    /// Plants `bug` (or none) for everything this process simulates from now on.
    pub fn plant(bug: Option<Bug>) {
        let code = bug.map_or(0, |b| b as u8 + 1);
        PLANTED.store(code, Ordering::Relaxed);
    }

    pub(super) fn planted(bug: Bug) -> bool {
        PLANTED.load(Ordering::Relaxed) == bug as u8 + 1
    }
}

#[cfg(feature = "planted-bugs")]
pub use switch::plant;

#[cfg(feature = "planted-bugs")]
use switch::planted;

#[cfg(not(feature = "planted-bugs"))]
fn planted(_: Bug) -> bool {
    false
}

/// [`Bug::BouncedThirdStepDelivered`]: whether a bounce at `position` (0-based) also counts
/// as delivered.
pub(crate) fn bounce_also_delivered(position: usize) -> bool {
    planted(Bug::BouncedThirdStepDelivered) && position == 2
}

/// [`Bug::UnopenedFifthStepClicked`]: whether an unopened email at `position` (0-based) is
/// clicked.
pub(crate) fn unopened_clicked(position: usize) -> bool {
    planted(Bug::UnopenedFifthStepClicked) && position == 4
}

/// [`Bug::StepTotalsSkipFourthStepVariantB`]: whether an email of `position` and `variant`
/// (both 0-based) is left out of its step's totals.
pub(crate) fn step_total_skips(position: u8, variant: u8) -> bool {
    planted(Bug::StepTotalsSkipFourthStepVariantB) && position == 3 && variant == 1
}

/// [`Bug::MailboxMailSkipsLateReplies`]: whether a lead row that replied after `sent`
/// emails is left out of its mailbox's mail.
pub(crate) fn mailbox_skips_reply(replied: i32, sent: i32) -> bool {
    planted(Bug::MailboxMailSkipsLateReplies) && replied > 0 && sent >= 3
}
