//! What to do about a connection PostgreSQL refused or nobody answered: one line, with a
//! hint that follows the failure (how to start a server only when no server answered).

/// libpq's message about a failed connection on one line (it spans several), followed by
/// what to do about it in parentheses.
pub fn explain(message: &str) -> String {
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{message} ({})", hint(&message))
}

/// What to do about a failed connection, from libpq's (one-line) message: only a server
/// that cannot be reached is a reason to ask whether PostgreSQL runs.
fn hint(message: &str) -> String {
    if message.contains("password authentication failed")
        || message.contains("no password supplied")
        || message.contains("authentication failed")
    {
        "check the user name and password in the URL".to_owned()
    } else if message.contains("role") && message.contains("does not exist") {
        "the server has no such role: use another user name, or create the role with CREATE ROLE … LOGIN".to_owned()
    } else if message.contains("database") && message.contains("does not exist") {
        "the server has no such database: check its name, or create it with `cargo xtask seed`"
            .to_owned()
    } else if message.contains("sslmode") {
        "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full".to_owned()
    } else if message.contains("SSL") {
        "the server and the URL's sslmode disagree about SSL: try sslmode=prefer".to_owned()
    } else {
        format!("is PostgreSQL running? {}", crate::secrets::START_HINT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test server trusts every local connection, so authentication failures are
    /// checked on libpq's messages here.
    #[test]
    fn hints_follow_the_failure() {
        let auth = "connection to server at \"db\" (10.0.0.1), port 5432 failed: \
                    FATAL: password authentication failed for user \"me\"";
        assert!(hint(auth).contains("password"), "{}", hint(auth));
        let no_password = "fe_sendauth: no password supplied";
        assert!(hint(no_password).contains("password"));
        let refused = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused";
        assert!(hint(refused).contains("is PostgreSQL running"));
        assert!(!hint(auth).contains("is PostgreSQL running"));
    }
}
