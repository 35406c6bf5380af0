//! Random streams: one ChaCha8 stream per entity, derived from the seed and the entity's
//! key.
//!
//! Deriving a stream from `(seed, key)` instead of drawing from one shared generator is
//! what makes any tenant reproducible on its own: a tenant's rows never depend on how many
//! numbers other tenants drew, which thread ran them or which shard they fell in. ChaCha8
//! is pinned by `rand_chacha`'s stable output guarantee, unlike `StdRng`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The pinned generator behind every stream.
pub type Stream = ChaCha8Rng;

/// What an entity key identifies, so that equal numbers in different roles never share a
/// stream.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Domain {
    /// A tenant's plan, size and lifecycle.
    Tenant = 1,
    /// A company's mailboxes and campaigns.
    Company = 2,
    /// One campaign's enrolment and leads in one period.
    CampaignPeriod = 3,
    /// One mailbox's warmup in one period.
    MailboxPeriod = 4,
    /// A company's names: its brand, sending domains and mailbox addresses.
    Naming = 5,
    /// The sign-ups of one month.
    Signups = 6,
    /// One company's growth in one month.
    CompanyGrowth = 7,
    /// One of a company's campaign slots: the campaigns it launches one after another.
    CampaignSlot = 8,
    /// When an agency's later companies (client workspaces) arrive.
    CompanyArrival = 9,
}

/// SplitMix64's finaliser: a bijective, well-mixing step used only to derive seeds.
const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of the entity `key` in `domain`, for the run seeded with `seed`.
pub fn stream(seed: u64, domain: Domain, key: &[u64]) -> Stream {
    let mut state = mix(seed ^ mix(domain as u64));
    for &part in key {
        state = mix(state ^ mix(part));
    }
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        state = mix(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    Stream::from_seed(bytes)
}
