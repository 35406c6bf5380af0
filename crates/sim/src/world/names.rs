//! Word lists for mailbox addresses and sending domains. Fixed in the source, not drawn
//! from a faker crate, so that a dependency upgrade cannot change the output.

/// Sender first names.
pub const FIRST_NAMES: &[&str] = &[
    "jordan", "alex", "sam", "taylor", "morgan", "casey", "riley", "jamie", "avery", "quinn",
    "drew", "parker", "reese", "cameron", "hayden", "emerson", "rowan", "sage", "blake", "dakota",
    "maria", "li", "noah", "emma", "liam", "olivia", "mateo", "sofia", "arjun", "aisha",
];

/// Sender last names.
pub const LAST_NAMES: &[&str] = &[
    "lee", "smith", "garcia", "chen", "patel", "kim", "nguyen", "brown", "silva", "muller",
    "rossi", "novak", "khan", "okafor", "larsen", "dubois", "tanaka", "costa", "walsh", "haas",
];

/// Brand words of company domains.
pub const BRANDS: &[&str] = &[
    "acme",
    "northwind",
    "bluepeak",
    "brightlane",
    "cobalt",
    "summit",
    "harbor",
    "ironleaf",
    "lumen",
    "maple",
    "nimbus",
    "orbit",
    "pioneer",
    "quartz",
    "redwood",
    "silverline",
    "tidal",
    "vertex",
    "willow",
    "zenith",
    "atlas",
    "beacon",
    "cascade",
    "delta",
    "ember",
    "falcon",
];

/// Second words of sending domains: cold senders keep outreach off their main domain.
pub const DOMAIN_WORDS: &[&str] = &[
    "outreach", "mail", "team", "hq", "growth", "sales", "connect", "hello", "go", "get",
];

/// Top-level domains of sending domains.
pub const TLDS: &[&str] = &["io", "com", "co", "net", "ai"];
