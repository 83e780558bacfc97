//! Any text through `trim_reply`: it must never panic, keep only lines of its input, and be
//! idempotent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_mail::trim_reply;

fuzz_target!(|raw: &[u8]| {
    let text = String::from_utf8_lossy(raw);
    let trimmed = trim_reply(&text);
    for line in trimmed.lines() {
        assert!(text.contains(line), "{line:?} is not in the input");
    }
    assert_eq!(trim_reply(&trimmed), trimmed);
});
