//! A user's mailbox identity: what an automation's e-mail goes out as.

use serde::{Deserialize, Serialize};
use tessera_core::{clean_name, normalize_email};

use crate::AutomationError;

/// Longest display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Longest signature.
pub const MAX_SIGNATURE_CHARS: usize = 2_000;

/// How a user's automation e-mail is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The address it comes from.
    pub address: String,
    /// The name shown beside it.
    pub display_name: String,
    /// Appended to every body, after a `-- ` line.
    pub signature: String,
    /// Whether the user gave their own SMTP server (else the account's server sends, with
    /// the user as `From`).
    pub own_smtp: bool,
}

impl Mailbox {
    /// Cleans and checks a mailbox as the user entered it.
    pub fn new(
        address: &str,
        display_name: &str,
        signature: &str,
        own_smtp: bool,
    ) -> Result<Self, AutomationError> {
        let address = normalize_email(address).ok_or_else(|| {
            AutomationError::invalid("address", format!("`{address}` is not an e-mail address"))
        })?;
        let display_name = clean_name(display_name, MAX_DISPLAY_NAME_CHARS)
            .map_err(|error| AutomationError::invalid("display_name", error.to_string()))?;
        let signature = signature.trim_end().replace("\r\n", "\n");
        if signature.chars().count() > MAX_SIGNATURE_CHARS {
            return Err(AutomationError::invalid(
                "signature",
                format!("at most {MAX_SIGNATURE_CHARS} characters"),
            ));
        }
        Ok(Mailbox {
            address,
            display_name,
            signature,
            own_smtp,
        })
    }

    /// `body` with the signature appended (after the usual `-- ` separator line).
    ///
    /// ```
    /// use tessera_automations::Mailbox;
    /// let mailbox = Mailbox::new("ana@example.com", "Ana", "Ana Pop\nSales", false).unwrap();
    /// assert_eq!(mailbox.signed("Hello"), "Hello\n\n-- \nAna Pop\nSales");
    /// ```
    pub fn signed(&self, body: &str) -> String {
        if self.signature.is_empty() {
            body.to_owned()
        } else {
            format!("{}\n\n-- \n{}", body.trim_end(), self.signature)
        }
    }
}
