//! Any bytes through `parse_inbound`: it must return, never panic, and what it returns must
//! hold together.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_mail::{parse_inbound, trim_reply};

fuzz_target!(|raw: &[u8]| {
    if let Ok(message) = parse_inbound(raw) {
        assert!(!message.from.is_empty());
        assert_eq!(message.from, message.from.to_lowercase());
        assert!(message.reply_keys.iter().all(|key| !key.is_empty()));
        // The body is already trimmed: trimming again changes nothing.
        assert_eq!(trim_reply(&message.body), message.body);
    }
});
