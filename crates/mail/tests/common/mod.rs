//! Shared test fixtures: invitation data, scratch directories and a small MIME reader.

#![allow(dead_code, reason = "each test file uses part of the fixtures")]

use std::path::PathBuf;

use tessera_mail::{InvitationEmail, SharedWorkflow};

pub const LINK: &str = "https://share.example.com/external/i/q9Xk2-Lm_7";
pub const CODE: &str = "ZW014D2P";
pub const EXPIRES: &str = "14 March 2027";
pub const SITE: &str = "https://share.example.com/external";

/// An invitation with two workflows and the given personal message.
pub fn invitation(personal_message: Option<&str>) -> InvitationEmail {
    InvitationEmail {
        sender_name: "Ana Pop".into(),
        sender_email: "ana@example.com".into(),
        personal_message: personal_message.map(str::to_owned),
        workflows: vec![
            SharedWorkflow {
                title: "Supplier onboarding".into(),
                business_domain: "Procurement".into(),
                description: "Collects documents and approvals for new suppliers.".into(),
            },
            SharedWorkflow {
                title: "Quarterly close".into(),
                business_domain: "Finance".into(),
                description: String::new(),
            },
        ],
        link: LINK.into(),
        code: CODE.into(),
        expires_on: EXPIRES.into(),
        site_url: SITE.into(),
    }
}

/// A fresh, empty directory under the system's temporary directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-mail-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A parsed message: unfolded headers and its leaf parts, decoded.
#[derive(Debug)]
pub struct Parsed {
    pub headers: Vec<(String, String)>,
    pub parts: Vec<(String, String)>,
}

impl Parsed {
    /// The first header of that name (any case), decoded if it is an encoded word.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| decode_words(value))
    }

    /// The decoded body of the first part whose content type starts with `mime`.
    pub fn part(&self, mime: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(content_type, _)| content_type.to_ascii_lowercase().starts_with(mime))
            .map(|(_, body)| body.as_str())
    }
}

/// Parses a message as lettre writes it (CRLF line ends, one level of multipart).
pub fn parse(raw: &str) -> Parsed {
    let (headers, body) = split_headers(raw);
    let content_type = find(&headers, "content-type").unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(boundary) = boundary(&content_type) {
        let delimiter = format!("--{boundary}");
        for chunk in body.split(delimiter.as_str()).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let (part_headers, part_body) = split_headers(chunk.trim_start_matches("\r\n"));
            let part_type = find(&part_headers, "content-type").unwrap_or_default();
            let encoding = find(&part_headers, "content-transfer-encoding").unwrap_or_default();
            let part_body = part_body.strip_suffix("\r\n").unwrap_or(part_body);
            parts.push((part_type, decode_body(&encoding, part_body)));
        }
    } else {
        let encoding = find(&headers, "content-transfer-encoding").unwrap_or_default();
        parts.push((content_type, decode_body(&encoding, body)));
    }
    Parsed { headers, parts }
}

fn split_headers(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("a blank line after the headers");
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let headers = unfolded
        .split("\r\n")
        .map(|line| {
            let (key, value) = line.split_once(':').expect("`Name: value` header");
            (key.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    (headers, body)
}

fn find(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

fn boundary(content_type: &str) -> Option<String> {
    let start = content_type.find("boundary=")? + "boundary=".len();
    let rest = &content_type[start..];
    let value = rest.split(';').next()?.trim().trim_matches('"');
    Some(value.to_owned())
}

fn decode_body(encoding: &str, body: &str) -> String {
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => base64(&body.replace("\r\n", "")),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes)
        .expect("UTF-8 body")
        .replace("\r\n", "\n")
}

fn quoted_printable(body: &str) -> Vec<u8> {
    let bytes = body.replace("=\r\n", "").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("=XX escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value;
/// the space between two encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    for (index, word) in value.split_whitespace().enumerate() {
        let encoded = word.starts_with("=?") && word.ends_with("?=");
        if index > 0 && !(encoded && previous_encoded) {
            out.push(' ');
        }
        if encoded {
            let inner = &word[2..word.len() - 2];
            let mut pieces = inner.splitn(3, '?');
            let (_charset, kind, text) = (
                pieces.next().unwrap(),
                pieces.next().unwrap(),
                pieces.next().unwrap(),
            );
            let bytes = if kind.eq_ignore_ascii_case("b") {
                base64(text)
            } else {
                quoted_printable(&text.replace('_', " "))
            };
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(word);
        }
        previous_encoded = encoded;
    }
    out
}
