//! Passwords out of every message: database URLs are printed [`redact`]ed, and the output
//! of programs that were handed a URL is [`scrub`]bed; and the one hint for a server that
//! cannot be reached.

use url::Url;

/// What to do when no server answers, quoted by every such connection failure: start it,
/// or use the workspace's private cluster ([`crate::cluster`]).
pub const START_HINT: &str =
    "start it, or use a private one: `cargo xtask pg start`, then `DATABASE_URL=$(cargo xtask pg url)`";

/// `url` with its password, if any, replaced by `***`; safe to print.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return "<unparsable database URL>".to_owned();
    };
    if parsed.password().is_some() {
        // Only fails for URLs that cannot have credentials, which have no password.
        let _ = parsed.set_password(Some("***"));
    }
    // libpq also takes the password as a query parameter.
    if parsed.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// `text` with every occurrence of `url`'s password replaced by `***`: for messages of
/// other programs (such as `diesel`) that were handed the URL.
pub fn scrub(text: &str, url: &str) -> String {
    let Some(password) = Url::parse(url)
        .ok()
        .and_then(|u| {
            u.password().map(str::to_owned).or_else(|| {
                u.query_pairs()
                    .find(|(k, _)| k == "password")
                    .map(|(_, v)| v.into_owned())
            })
        })
        .filter(|p| !p.is_empty())
    else {
        return text.to_owned();
    };
    let decoded = url::form_urlencoded::parse(format!("p={password}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut text = text.replace(&password, "***");
    if !decoded.is_empty() {
        text = text.replace(&decoded, "***");
    }
    text
}
