//! Verification codes: 40 random bits written as 8 characters of Crockford base32, read back
//! forgivingly (any case, `I`/`L` as `1`, `O` as `0`, spaces and hyphens ignored).

use std::fmt;

/// Crockford's alphabet: digits and letters without I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code.
pub const CODE_LEN: usize = 8;

/// An 8-character verification code (40 bits).
///
/// ```
/// use tessera_invitations::VerificationCode;
/// let code = VerificationCode::from_bytes([0xff, 0x00, 0x12, 0x34, 0x56]);
/// assert_eq!(code.to_string(), "ZW014D2P");
/// assert_eq!(VerificationCode::parse(" zw01-4d2p "), Some(code));
/// assert_eq!(VerificationCode::parse("ZWO1 4D2P"), Some(code));
/// assert_eq!(VerificationCode::parse("ZW014D2"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerificationCode([u8; CODE_LEN]);

impl VerificationCode {
    /// The code for 40 random bits (5 bytes from a cryptographic RNG).
    pub fn from_bytes(bytes: [u8; 5]) -> Self {
        let mut value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut code = [0u8; CODE_LEN];
        for slot in code.iter_mut().rev() {
            *slot = ALPHABET[(value & 31) as usize];
            value >>= 5;
        }
        VerificationCode(code)
    }

    /// Reads a code as a person typed it; `None` unless it is exactly 8 valid characters.
    pub fn parse(text: &str) -> Option<Self> {
        let mut code = [0u8; CODE_LEN];
        let mut len = 0;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            if len == CODE_LEN || !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            code[len] = c as u8;
            len += 1;
        }
        (len == CODE_LEN).then_some(VerificationCode(code))
    }

    /// The canonical characters (what is hashed and compared).
    pub fn as_bytes(&self) -> &[u8; CODE_LEN] {
        &self.0
    }
}

impl fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The alphabet is ASCII, so every byte is one char.
        self.0
            .iter()
            .try_for_each(|b| write!(f, "{}", char::from(*b)))
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_code_reads_back(bytes in any::<[u8; 5]>()) {
            let code = VerificationCode::from_bytes(bytes);
            let text = code.to_string();
            prop_assert_eq!(text.len(), CODE_LEN);
            prop_assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
            prop_assert_eq!(VerificationCode::parse(&text), Some(code));
            prop_assert_eq!(VerificationCode::parse(&text.to_lowercase()), Some(code));
        }

        #[test]
        fn distinct_bits_make_distinct_codes(a in any::<[u8; 5]>(), b in any::<[u8; 5]>()) {
            prop_assume!(a != b);
            prop_assert_ne!(VerificationCode::from_bytes(a), VerificationCode::from_bytes(b));
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_letters() {
        for bad in [
            "",
            "1234567",
            "123456789",
            "1234567U",
            "1234567!",
            "12345678é",
        ] {
            assert_eq!(VerificationCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_code() {
        assert_eq!(
            format!("{:?}", VerificationCode::from_bytes([1; 5])),
            "VerificationCode(..)"
        );
    }
}
