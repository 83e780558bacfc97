//! Reply keys: a secret per (task, recipient) put in the `Reply-To` address of task e-mails,
//! so a reply finds its task and its author. 128 bits, derived from the server key and a
//! per-issue nonce (the outbox renders the address again from stored data), stored only as
//! an HMAC, revocable by deleting it.

use tessera_core::SecretKey;

use crate::Person;

/// HMAC purpose deriving a reply key.
pub const REPLY_KEY_PURPOSE: &str = "tessera/reply-key";
/// HMAC purpose of a reply key's stored tag.
const TAG_PURPOSE: &str = "tessera/reply-key-tag";
/// Hex characters of a key (128 bits).
const KEY_HEX_LEN: usize = 32;

/// A reply key: 32 lowercase hex characters (128 bits), safe in an address's local part
/// whatever case a mail server keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyKey(String);

impl ReplyKey {
    /// The key of `recipient` on task `task`, issued with `nonce`.
    pub fn derive(key: &SecretKey, task: &[u8; 16], recipient: &Person, nonce: &[u8; 16]) -> Self {
        let mut message = Vec::with_capacity(16 + 8 + 16 + 16);
        message.extend_from_slice(task);
        message.extend_from_slice(recipient.kind().as_bytes());
        message.extend_from_slice(recipient.id().as_bytes());
        message.extend_from_slice(nonce);
        let bits = key.sign(REPLY_KEY_PURPOSE, &message);
        ReplyKey(tessera_core::hex(&bits[..16]))
    }

    /// Reads a key from text (any case); `None` unless it is 32 hex characters.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == KEY_HEX_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| ReplyKey(text.to_ascii_lowercase()))
    }

    /// The HMAC stored for (and looked up by) this key.
    pub fn tag(&self, key: &SecretKey) -> [u8; 32] {
        key.sign(TAG_PURPOSE, self.0.as_bytes())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reply address: `reply+<key>@<domain>`.
    pub fn address(&self, domain: &str) -> String {
        format!("reply+{}@{domain}", self.0)
    }
}

impl std::fmt::Debug for ReplyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplyKey(..)")
    }
}
