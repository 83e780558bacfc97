//! Names people give things (roles, tokens, groups, items' external ids): cleaned to one
//! Unicode form, refused when they hide characters, and compared by a key that sees through
//! case, width variants and invisible characters.
//!
//! ```
//! use tessera_core::{NameError, clean_name, name_key};
//!
//! assert_eq!(clean_name("  Release manager ", 100), Ok("Release manager".to_owned()));
//! assert_eq!(
//!     clean_name("Adm\u{200B}in", 100),
//!     Err(NameError::ForbiddenCharacter { character: '\u{200B}', position: 3 })
//! );
//! assert_eq!(name_key("ADMIN"), name_key("Adm\u{200B}in"));
//! ```

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Why [`clean_name`] refused a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Nothing is left once surrounding whitespace is trimmed.
    Empty,
    /// More characters than allowed, counted after NFC normalization.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// A control, invisible, line-separating or direction-changing character.
    ForbiddenCharacter {
        /// The character refused.
        character: char,
        /// Its index, in characters from 0, in the trimmed and NFC-normalized name.
        position: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("is empty"),
            NameError::TooLong { max } => write!(f, "is longer than {max} characters"),
            NameError::ForbiddenCharacter {
                character,
                position,
            } => {
                let kind = if character.is_control() {
                    "a control character"
                } else if matches!(character, '\u{2028}' | '\u{2029}') {
                    "a line or paragraph separator"
                } else {
                    "an invisible or direction-changing character"
                };
                write!(
                    f,
                    "contains {kind} U+{:04X} at position {position}",
                    u32::from(*character)
                )
            }
        }
    }
}

impl std::error::Error for NameError {}

/// True for the characters a name may not contain: control characters (general category Cc,
/// `\t` and `\n` included), the line and paragraph separators, zero-width and other invisible
/// formatting characters, and the bidirectional controls that reorder how text displays.
pub(crate) fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Soft hyphen, combining grapheme joiner, Arabic letter mark.
            '\u{00AD}' | '\u{034F}' | '\u{061C}'
            // Hangul fillers, Khmer inherent vowels, Mongolian vowel separator: blank glyphs.
            | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
            | '\u{3164}' | '\u{FFA0}'
            // Zero-width space, non-joiner, joiner; left-to-right and right-to-left marks.
            | '\u{200B}'..='\u{200F}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
            // Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO).
            | '\u{202A}'..='\u{202E}'
            // Word joiner, invisible operators, bidi isolates (LRI, RLI, FSI, PDI), deprecated
            // format characters.
            | '\u{2060}'..='\u{206F}'
            // Byte order mark (zero-width no-break space).
            | '\u{FEFF}'
            // Interlinear annotation controls.
            | '\u{FFF9}'..='\u{FFFB}'
            // Musical symbol formatting controls.
            | '\u{1D173}'..='\u{1D17A}'
            // Tag characters: invisible, can smuggle ASCII text.
            | '\u{E0000}'..='\u{E007F}'
        )
}

/// Variation selectors pick a glyph variant (emoji or text style) of the character before
/// them: allowed in names, ignored when comparing them.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Cleans a name for storing: trims surrounding whitespace, NFC-normalizes, and refuses an
/// empty result, more than `max_chars` characters (after normalization), and any control
/// character (`\t`, `\n` …), line or paragraph separator, zero-width or invisible formatting
/// character (U+200B–U+200F, U+2060–U+2064, U+FEFF, soft hyphen, …) or bidi control
/// (U+202A–U+202E, U+2066–U+2069, U+061C).
///
/// ```
/// use tessera_core::{NameError, clean_name};
///
/// // "e" + combining acute accent becomes the single character "é".
/// assert_eq!(clean_name(" Caf\u{65}\u{301} ", 4), Ok("Café".to_owned()));
/// assert_eq!(clean_name("   ", 10), Err(NameError::Empty));
/// assert_eq!(clean_name("abc", 2), Err(NameError::TooLong { max: 2 }));
/// assert!(clean_name("a\tb", 10).is_err());
/// ```
pub fn clean_name(name: &str, max_chars: usize) -> Result<String, NameError> {
    let cleaned: String = name.trim().nfc().collect();
    if cleaned.is_empty() {
        return Err(NameError::Empty);
    }
    let mut count = 0;
    for (position, character) in cleaned.chars().enumerate() {
        if is_forbidden_in_name(character) {
            return Err(NameError::ForbiddenCharacter {
                character,
                position,
            });
        }
        count = position + 1;
    }
    if count > max_chars {
        return Err(NameError::TooLong { max: max_chars });
    }
    Ok(cleaned)
}

/// The form names are compared by, for uniqueness and to catch look-alikes: every character
/// [`clean_name`] refuses (and every variation selector) removed, NFKC-normalized (fullwidth
/// and other compatibility variants become their plain form), lowercased, whitespace runs
/// (refused whitespace such as `\t` included) collapsed to one space and the ends trimmed.
/// Not for display: the key loses information.
///
/// ```
/// use tessera_core::name_key;
///
/// assert_eq!(name_key("Adm\u{200B}in"), "admin");
/// assert_eq!(name_key("ADMIN"), name_key("admin"));
/// assert_eq!(name_key("Ｒｏｌｅ"), name_key("role"));
/// assert_eq!(name_key("  Release \u{A0}  manager "), "release manager");
/// ```
pub fn name_key(name: &str) -> String {
    // Whitespace among the refused characters (`\t`, `\n`, U+2028 …) looks like a space:
    // it separates words in the key. The other refused characters are dropped.
    let visible =
        |c: &char| c.is_whitespace() || (!is_forbidden_in_name(*c) && !is_variation_selector(*c));
    // Lowercasing can leave a sequence NFKC would compose again ("İ" → "i" + U+0307):
    // normalize on both sides so the key of a key is the key itself.
    let folded: String = name
        .chars()
        .filter(visible)
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .collect();
    let mut key = String::with_capacity(folded.len());
    for word in folded.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().filter(visible));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_name_trims_and_normalizes_to_nfc() {
        assert_eq!(clean_name("  Editor\t", 10), Ok("Editor".to_owned()));
        let decomposed = "Jose\u{301}";
        let cleaned = clean_name(decomposed, 10).unwrap();
        assert_eq!(cleaned, "Jos\u{E9}");
        assert_eq!(cleaned.chars().count(), 4);
        // Already clean names come back unchanged.
        assert_eq!(
            clean_name("Release manager", 100).unwrap(),
            "Release manager"
        );
        // Compatibility characters are kept (NFC, not NFKC): only the key folds them.
        assert_eq!(clean_name("Ｒｏｌｅ", 10).unwrap(), "Ｒｏｌｅ");
    }

    #[test]
    fn clean_name_refuses_empty_names() {
        for empty in ["", " ", "\t\n ", "\u{3000}"] {
            assert_eq!(clean_name(empty, 10), Err(NameError::Empty), "{empty:?}");
        }
    }

    #[test]
    fn clean_name_counts_characters_after_normalization() {
        assert_eq!(clean_name("Jose\u{301}", 4).unwrap(), "Jos\u{E9}");
        assert_eq!(clean_name("éééé", 4).unwrap(), "éééé");
        assert_eq!(clean_name("ééééé", 4), Err(NameError::TooLong { max: 4 }));
        assert_eq!(
            clean_name(&"x".repeat(101), 100),
            Err(NameError::TooLong { max: 100 })
        );
        assert!(clean_name(&"x".repeat(100), 100).is_ok());
    }

    #[test]
    fn clean_name_refuses_control_characters() {
        for (name, character, position) in [
            ("a\tb", '\t', 1),
            ("a\nb", '\n', 1),
            ("a\rb", '\r', 1),
            ("ab\u{0}", '\0', 2),
            ("\u{7F}x", '\u{7F}', 0),
            ("x\u{85}y", '\u{85}', 1),
            ("line\u{2028}break", '\u{2028}', 4),
        ] {
            assert_eq!(
                clean_name(name, 100),
                Err(NameError::ForbiddenCharacter {
                    character,
                    position
                }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn clean_name_refuses_invisible_characters() {
        for character in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{180E}',
            '\u{034F}',
            '\u{3164}',
            '\u{E0041}',
        ] {
            let name = format!("Adm{character}in");
            assert_eq!(
                clean_name(&name, 100),
                Err(NameError::ForbiddenCharacter {
                    character,
                    position: 3
                }),
                "U+{:04X}",
                u32::from(character)
            );
        }
        // Trimming does not remove them: they are not whitespace.
        assert!(matches!(
            clean_name("\u{200B}Admin", 100),
            Err(NameError::ForbiddenCharacter { position: 0, .. })
        ));
    }

    #[test]
    fn clean_name_refuses_bidi_controls() {
        for character in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{061C}',
        ] {
            let name = format!("invoice{character}fdp.exe");
            assert_eq!(
                clean_name(&name, 100),
                Err(NameError::ForbiddenCharacter {
                    character,
                    position: 7
                })
            );
        }
    }

    #[test]
    fn clean_name_keeps_ordinary_text_in_any_script() {
        for name in [
            "Éditeur",
            "Редактор",
            "編集者",
            "محرر",
            "עורך",
            "Content Moderator (EU)",
            "a\u{A0}b",
            "❤\u{FE0F} fans",
        ] {
            assert_eq!(clean_name(name, 100).as_deref(), Ok(name), "{name}");
        }
    }

    #[test]
    fn name_errors_say_what_is_wrong() {
        assert_eq!(NameError::Empty.to_string(), "is empty");
        assert_eq!(
            NameError::TooLong { max: 100 }.to_string(),
            "is longer than 100 characters"
        );
        assert_eq!(
            clean_name("Adm\u{200B}in", 100).unwrap_err().to_string(),
            "contains an invisible or direction-changing character U+200B at position 3"
        );
        assert_eq!(
            clean_name("a\tb", 100).unwrap_err().to_string(),
            "contains a control character U+0009 at position 1"
        );
        assert_eq!(
            clean_name("a\u{2029}b", 100).unwrap_err().to_string(),
            "contains a line or paragraph separator U+2029 at position 1"
        );
        assert_eq!(
            clean_name("a\u{E0041}", 100).unwrap_err().to_string(),
            "contains an invisible or direction-changing character U+E0041 at position 1"
        );
        let error: Box<dyn std::error::Error> = Box::new(NameError::Empty);
        assert_eq!(error.to_string(), "is empty");
    }

    #[test]
    fn name_key_sees_through_case_width_and_invisible_characters() {
        let admin = name_key("admin");
        assert_eq!(admin, "admin");
        for look_alike in [
            "Admin",
            "ADMIN",
            "Adm\u{200B}in",
            "A\u{202E}dmin",
            "\u{FEFF}admin",
            "Ａｄｍｉｎ",
            " admin ",
            "admin\u{FE0F}",
        ] {
            assert_eq!(name_key(look_alike), admin, "{look_alike:?}");
        }
        assert_eq!(name_key("Ｒｏｌｅ"), name_key("role"));
        assert_eq!(name_key("Caf\u{E9}"), name_key("CAFE\u{301}"));
        assert_ne!(name_key("Editor"), name_key("Editors"));
    }

    #[test]
    fn name_key_collapses_whitespace() {
        assert_eq!(name_key("Content   Moderator"), "content moderator");
        assert_eq!(name_key("Content\u{A0}Moderator"), "content moderator");
        assert_eq!(name_key("Content\u{3000}Moderator"), "content moderator");
        assert_eq!(name_key("Content\t\nModerator "), "content moderator");
        assert_eq!(name_key("Content \u{200B} Moderator"), "content moderator");
        assert_eq!(name_key(""), "");
        assert_eq!(name_key(" \u{200B} "), "");
    }

    #[test]
    fn name_key_is_stable() {
        for name in [
            "İstanbul",
            "Straße",
            "ΣΊΣΥΦΟΣ",
            "ﬁle",
            "Ｒｏｌｅ",
            "Adm\u{200B}in",
        ] {
            let key = name_key(name);
            assert_eq!(name_key(&key), key, "{name}");
        }
    }

    #[test]
    fn name_key_of_a_clean_name_keeps_its_letters() {
        let name = clean_name("Release manager", 100).unwrap();
        assert_eq!(name_key(&name), "release manager");
    }
}
