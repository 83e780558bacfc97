//! Inbound mail: reading a received message ([`parse_inbound`]) and cutting quoted text and
//! signatures from a reply ([`trim_reply`]).
//!
//! Replies are matched by address: an outgoing message's `Reply-To` is `reply+KEY@<domain>`,
//! and every such address a received message was delivered to yields its `KEY`. What the
//! parser recognises (quote markers per client and language, automatic-message rules, HTML
//! handling, limits) is listed in `docs/inbound-mail.md`.
//!
//! Nothing here panics, whatever the input: the fuzz targets in `fuzz/` and the property
//! tests hold that.

use std::borrow::Cow;
use std::collections::HashSet;

use mail_parser::decoders::html::add_html_token;
use mail_parser::{
    Address, HeaderForm, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};
use thiserror::Error;

#[cfg(test)]
mod tests;

/// The largest message [`parse_inbound`] reads (10 MiB); a larger one is refused before it is
/// parsed.
pub const MAX_INBOUND_BYTES: usize = 10 * 1024 * 1024;

/// The longest reply key taken from a `reply+KEY@…` address.
const MAX_KEY_LEN: usize = 256;

/// A received message, reduced to what a reply handler needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The sender: the first address of `From`, lowercased.
    pub from: String,
    /// The `KEY` of every recipient address of the form `reply+KEY@<any domain>` (the
    /// `reply+` prefix in any case, the key as written), from `To`, `Cc`, `Delivered-To` and
    /// `X-Original-To`, in that order, each key once.
    pub reply_keys: Vec<String>,
    /// Why the message was sent by a machine, when it was: `"auto-submitted"`,
    /// `"x-autoreply"`, `"bounce"` or `"precedence"` (the first rule that matches, in that
    /// order). A reply handler should not treat such a message as a human reply.
    pub automatic: Option<&'static str>,
    /// The subject, decoded; empty when there is none.
    pub subject: String,
    /// The new text only: the `text/plain` body (or the HTML body converted to text when there
    /// is no plain one), with quoted text and signature cut by [`trim_reply`].
    pub body: String,
    /// The file names of the attachments, in order, without any directory part.
    pub attachments: Vec<String>,
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
}

/// Why a received message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InboundError {
    /// The bytes are not an e-mail message: no header field could be read.
    #[error("the message cannot be parsed: it has no header fields")]
    Unparseable,
    /// The message has no usable `From` address.
    #[error("the message has no sender address")]
    NoSender,
    /// The message is larger than the limit and was not parsed.
    #[error("the message is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes, [`MAX_INBOUND_BYTES`].
        limit: usize,
    },
}

/// Reads a received message (RFC 5322, any line ends, MIME as mail clients write it).
///
/// ```
/// use tessera_mail::parse_inbound;
///
/// let raw = b"From: Bo Berg <Bo@Example.org>\r\n\
///     To: \"Tessera\" <reply+k3y@tessera.example>\r\n\
///     Subject: Re: [Onboarding] Collect documents\r\n\
///     Message-ID: <abc@example.org>\r\n\
///     \r\n\
///     Done, see the attached list.\r\n\
///     \r\n\
///     On Mon, 1 Jan 2024 at 10:00, Tessera <reply+k3y@tessera.example> wrote:\r\n\
///     > Ana commented on the task\r\n";
/// let message = parse_inbound(raw).unwrap();
/// assert_eq!(message.from, "bo@example.org");
/// assert_eq!(message.reply_keys, ["k3y"]);
/// assert_eq!(message.body, "Done, see the attached list.");
/// assert_eq!(message.automatic, None);
/// assert_eq!(message.message_id.as_deref(), Some("abc@example.org"));
/// ```
pub fn parse_inbound(raw: &[u8]) -> Result<InboundMessage, InboundError> {
    if raw.len() > MAX_INBOUND_BYTES {
        return Err(InboundError::TooLarge {
            limit: MAX_INBOUND_BYTES,
        });
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(InboundError::Unparseable)?;
    // mail-parser's accessors index the root part; a parsed message always has one. It takes
    // any text before a colon or line end for a header name: a message needs one real field
    // name (printable ASCII, no spaces).
    let has_field = message.parts.first().is_some_and(|root| {
        root.headers.iter().any(|header| {
            let name = header.name.as_str();
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        })
    });
    if !has_field {
        return Err(InboundError::Unparseable);
    }
    let from = sender(&message).ok_or(InboundError::NoSender)?;
    Ok(InboundMessage {
        reply_keys: reply_keys(&message),
        automatic: automatic(&message, &from),
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        body: trim_reply(&body_text(&message)),
        attachments: attachment_names(&message),
        message_id: message
            .message_id()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        from,
    })
}

/// The first address of `From`, lowercased, if it is one (non-empty, no spaces or control
/// characters).
fn sender(message: &Message<'_>) -> Option<String> {
    message
        .from()?
        .iter()
        .find_map(|addr| clean_address(addr.address()?))
}

fn clean_address(address: &str) -> Option<String> {
    let address = address.trim().to_lowercase();
    let valid =
        !address.is_empty() && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(address)
}

/// The reply keys of the recipients, in header order, deduplicated.
fn reply_keys(message: &Message<'_>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    // A set beside the list: a message may carry a great many recipients.
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |address: &Address<'_>| {
        for addr in address.iter() {
            if let Some(key) = addr.address().and_then(reply_key)
                && seen.insert(key.clone())
            {
                keys.push(key);
            }
        }
    };
    message.all_to().for_each(&mut add);
    message.all_cc().for_each(&mut add);
    for name in [
        HeaderName::DeliveredTo,
        HeaderName::Other(Cow::Borrowed("X-Original-To")),
    ] {
        for value in message.header_as(name, HeaderForm::Addresses) {
            if let HeaderValue::Address(address) = &value {
                add(address);
            }
        }
    }
    keys
}

/// The `KEY` of `reply+KEY@domain`: the prefix in any case, a non-empty domain, and a key of
/// at most 256 characters allowed in an unquoted local part (letters, digits and
/// ``!#$%&'*+-/=?^_`{|}~.``).
fn reply_key(address: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let domain_ok = !domain.is_empty() && !domain.chars().any(char::is_whitespace);
    let prefix_ok = local
        .get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("reply+"));
    let key = local.get(6..)?;
    let key_ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    (domain_ok && prefix_ok && key_ok).then(|| key.to_owned())
}

/// Every value of a header, as written, whitespace collapsed.
fn raw_values(message: &Message<'_>, name: HeaderName<'static>) -> Vec<String> {
    message
        .header_as(name, HeaderForm::Raw)
        .iter()
        .map(|value| match value {
            HeaderValue::Text(text) => text.split_whitespace().collect::<Vec<_>>().join(" "),
            _ => String::new(),
        })
        .collect()
}

/// The first keyword of a header value (before any `;`), lowercased.
fn keyword(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Why the message was sent by a machine, if it was (see [`InboundMessage::automatic`]).
fn automatic(message: &Message<'_>, from: &str) -> Option<&'static str> {
    let other = |name: &'static str| HeaderName::Other(Cow::Borrowed(name));
    if raw_values(message, HeaderName::AutoSubmitted)
        .iter()
        .any(|value| keyword(value) != "no")
    {
        return Some("auto-submitted");
    }
    if !message
        .header_as(other("X-Autoreply"), HeaderForm::Raw)
        .is_empty()
        || !message
            .header_as(other("X-Autorespond"), HeaderForm::Raw)
            .is_empty()
    {
        return Some("x-autoreply");
    }
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("report"))
    });
    let local = from.rsplit_once('@').map_or(from, |(local, _)| local);
    let daemon = local == "mailer-daemon" || local == "postmaster";
    let null_return_path = raw_values(message, HeaderName::ReturnPath)
        .iter()
        .any(|value| value.replace(' ', "") == "<>");
    if report || daemon || null_return_path {
        return Some("bounce");
    }
    if raw_values(message, other("Precedence"))
        .iter()
        .any(|value| matches!(keyword(value).as_str(), "bulk" | "junk" | "auto_reply"))
    {
        return Some("precedence");
    }
    None
}

/// The body as text, before quotes are cut: the plain-text body parts, or the HTML ones
/// converted when there is no plain text.
fn body_text(message: &Message<'_>) -> String {
    let texts = |ids: &[u32]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| message.parts.get(usize::try_from(*id).ok()?))
            .filter_map(|part| match &part.body {
                PartType::Text(text) => Some(plain_text(part, text)),
                PartType::Html(html) => Some(html_to_text(html)),
                _ => None,
            })
            .collect()
    };
    let mut bodies = texts(&message.text_body);
    if bodies.iter().all(|body| body.trim().is_empty()) {
        bodies = texts(&message.html_body);
    }
    bodies.join("\n")
}

/// A `text/plain` part's text, unwrapped when it is `format=flowed` (RFC 3676).
fn plain_text(part: &MessagePart<'_>, text: &str) -> String {
    let Some(content_type) = part.content_type() else {
        return text.to_owned();
    };
    let flowed = content_type
        .attribute("format")
        .is_some_and(|format| format.trim().eq_ignore_ascii_case("flowed"));
    if !flowed {
        return text.to_owned();
    }
    let delsp = content_type
        .attribute("delsp")
        .is_some_and(|delsp| delsp.trim().eq_ignore_ascii_case("yes"));
    unflow(text, delsp)
}

/// Joins the soft-broken lines of a `format=flowed` text: an unquoted line ending in a space
/// continues on the next one (without that space when `delsp`). Quoted lines (`>`) and the
/// signature separator are kept as they are, and a leading stuffing space is removed.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut continuing = false;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('>') {
            if continuing {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
            continuing = false;
            continue;
        }
        let line = line.strip_prefix(' ').unwrap_or(line);
        if line == "-- " && continuing {
            // The signature separator is never part of a flowed paragraph.
            out.push('\n');
        }
        if line != "-- " && line.ends_with(' ') {
            out.push_str(if delsp {
                line.strip_suffix(' ').unwrap_or(line)
            } else {
                line
            });
            continuing = true;
        } else {
            out.push_str(line);
            out.push('\n');
            continuing = false;
        }
    }
    out
}

/// Attachment file names, in order: the last path component, control characters removed,
/// trimmed; nameless attachments are left out.
fn attachment_names(message: &Message<'_>) -> Vec<String> {
    message
        .attachments()
        .filter_map(|part| part.attachment_name())
        .filter_map(|name| {
            let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
            let clean: String = base.chars().filter(|c| !c.is_control()).collect();
            let clean = clean.trim();
            (!clean.is_empty()).then(|| clean.to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// HTML to text
// ---------------------------------------------------------------------------------------

/// Elements whose content is never text.
const HIDDEN_ELEMENTS: &[&str] = &["head", "style", "script", "title", "template", "xml"];

/// Elements that start and end a line.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
];

/// An HTML body as plain text: quoted parts dropped (see the module documentation), tags
/// stripped, entities decoded, `<br>` and block elements turned into line breaks, whitespace
/// collapsed outside `<pre>`.
fn html_to_text(html: &str) -> String {
    let mut text = HtmlText::default();
    let bytes = html.as_bytes();
    // Hidden elements whose closing tag is known to be missing after some point.
    let mut unclosed: Vec<&'static str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'<') => {
                let Some(tag) = Tag::parse(html, i) else {
                    // A `<` that opens no tag is text.
                    text.push_str("<");
                    i += 1;
                    continue;
                };
                i = tag.end;
                match tag.kind {
                    TagKind::Skip => {}
                    TagKind::Close => text.close(&tag.name),
                    TagKind::Open => {
                        if is_quote_start(&tag) {
                            break;
                        }
                        if let Some(hidden) = HIDDEN_ELEMENTS.iter().find(|h| **h == tag.name)
                            && !tag.self_closing
                        {
                            if unclosed.contains(hidden) {
                                continue;
                            }
                            match find_closing(html, i, hidden) {
                                Some(after) => i = after,
                                None => unclosed.push(hidden),
                            }
                            continue;
                        }
                        text.open(&tag.name);
                    }
                }
            }
            Some(b'&') => {
                let end = entity_end(bytes, i);
                let token = html.get(i..end).unwrap_or("&");
                let mut decoded = String::new();
                if token.len() > 1 {
                    add_html_token(&mut decoded, token.as_bytes(), false);
                } else {
                    decoded.push('&');
                }
                text.push_str(&decoded);
                i = end.max(i + 1);
            }
            Some(_) => {
                let end = bytes
                    .iter()
                    .skip(i)
                    .position(|b| *b == b'<' || *b == b'&')
                    .map_or(bytes.len(), |offset| i + offset);
                text.push_str(html.get(i..end).unwrap_or_default());
                i = end;
            }
            None => break,
        }
    }
    text.finish()
}

/// Whether an opening tag starts the quoted part of a reply, which is dropped with
/// everything after it: Gmail's `gmail_quote`, Outlook's `appendonsend` / `divRplyFwdMsg` /
/// `stopSpelling`, Thunderbird's `moz-cite-prefix`, Yahoo's `yahoo_quoted`, and
/// `<blockquote type="cite">` (Apple Mail, Thunderbird).
fn is_quote_start(tag: &Tag) -> bool {
    let class_tokens = tag.attr("class").unwrap_or_default();
    let classes: Vec<&str> = class_tokens.split_whitespace().collect();
    let id = tag.attr("id").unwrap_or_default();
    classes.iter().any(|class| {
        class.starts_with("gmail_quote") || *class == "moz-cite-prefix" || *class == "yahoo_quoted"
    }) || ["appendonsend", "divrplyfwdmsg", "stopspelling"]
        .iter()
        .any(|known| id.eq_ignore_ascii_case(known))
        || (tag.name == "blockquote"
            && tag
                .attr("type")
                .is_some_and(|kind| kind.eq_ignore_ascii_case("cite")))
}

/// The end of an entity starting at `start` (`&name;`, `&#123;`, `&#x1F;`): just past its
/// `;`, or `start + 1` when it is not one.
fn entity_end(bytes: &[u8], start: usize) -> usize {
    for (offset, b) in bytes.iter().skip(start + 1).take(32).enumerate() {
        match b {
            b';' if offset > 0 => return start + offset + 2,
            b'#' if offset == 0 => {}
            b if b.is_ascii_alphanumeric() => {}
            _ => break,
        }
    }
    start + 1
}

/// Just past the `>` of the first `</name…>` at or after `from`, case-insensitively.
fn find_closing(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let needle_len = name.len() + 2;
    let mut at = from;
    while at + needle_len <= bytes.len() {
        let window = bytes.get(at..at + needle_len)?;
        if window.starts_with(b"</")
            && window
                .get(2..)
                .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()))
        {
            let close = bytes
                .iter()
                .skip(at)
                .position(|b| *b == b'>')
                .map_or(bytes.len(), |offset| at + offset + 1);
            return Some(close);
        }
        at += 1;
    }
    None
}

/// What a parsed tag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Open,
    Close,
    /// A comment, doctype, processing instruction or conditional comment.
    Skip,
}

/// One tag of an HTML document.
#[derive(Debug)]
struct Tag<'a> {
    kind: TagKind,
    /// Lowercased.
    name: String,
    /// The text between the name and the closing `>`.
    attributes: &'a str,
    self_closing: bool,
    /// Just past the tag.
    end: usize,
}

impl<'a> Tag<'a> {
    /// The tag at `start` (a `<`), or `None` when the `<` opens no tag (`a < b`).
    fn parse(html: &'a str, start: usize) -> Option<Tag<'a>> {
        let bytes = html.as_bytes();
        let rest = bytes.get(start..)?;
        let skip = |end: usize| Tag {
            kind: TagKind::Skip,
            name: String::new(),
            attributes: "",
            self_closing: false,
            end,
        };
        if rest.starts_with(b"<!--") {
            let end = find(bytes, start + 4, b"-->").map_or(bytes.len(), |at| at + 3);
            return Some(skip(end));
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            let end = find(bytes, start + 2, b">").map_or(bytes.len(), |at| at + 1);
            return Some(skip(end));
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = start + if closing { 2 } else { 1 };
        let name_len = bytes
            .iter()
            .skip(name_start)
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b':' || **b == b'-')
            .count();
        let first = bytes.get(name_start)?;
        if name_len == 0 || !first.is_ascii_alphabetic() {
            return None;
        }
        let name_end = name_start + name_len;
        // The closing `>`, not counting one inside a quoted attribute value.
        let mut quote: Option<u8> = None;
        let mut gt = None;
        for (offset, b) in bytes.iter().skip(name_end).enumerate() {
            match (quote, *b) {
                (Some(q), b) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(*b),
                (None, b'>') => {
                    gt = Some(name_end + offset);
                    break;
                }
                (None, _) => {}
            }
        }
        let gt = gt.unwrap_or(bytes.len());
        let attributes = html.get(name_end..gt).unwrap_or_default();
        Some(Tag {
            kind: if closing {
                TagKind::Close
            } else {
                TagKind::Open
            },
            name: html
                .get(name_start..name_end)
                .unwrap_or_default()
                .to_ascii_lowercase(),
            attributes,
            self_closing: attributes.trim_end().ends_with('/'),
            end: (gt + 1).min(bytes.len()),
        })
    }

    /// The value of an attribute (name in any case), entities not decoded.
    fn attr(&self, wanted: &str) -> Option<&'a str> {
        let mut rest = self.attributes;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let name_len = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            let (name, after) = rest.split_at(name_len);
            let after = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let (value, next) = match after.strip_prefix('=') {
                Some(value) => {
                    let value = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
                    match value.chars().next() {
                        Some(q @ ('"' | '\'')) => {
                            let inner = value.get(1..).unwrap_or_default();
                            match inner.find(q) {
                                Some(close) => (
                                    inner.get(..close).unwrap_or_default(),
                                    inner.get(close + 1..).unwrap_or_default(),
                                ),
                                None => (inner, ""),
                            }
                        }
                        _ => {
                            let len = value
                                .find(|c: char| c.is_ascii_whitespace())
                                .unwrap_or(value.len());
                            value.split_at(len)
                        }
                    }
                }
                None => ("", after),
            };
            if name.eq_ignore_ascii_case(wanted) {
                return Some(value);
            }
            if next.len() == rest.len() {
                // No progress: a stray character; drop it.
                let mut chars = rest.chars();
                chars.next();
                rest = chars.as_str();
            } else {
                rest = next;
            }
        }
    }
}

/// The first occurrence of `needle` at or after `from`.
fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| from + at)
}

/// The text being built from HTML.
#[derive(Debug, Default)]
struct HtmlText {
    out: String,
    /// Whitespace seen since the last character written, outside `<pre>`.
    pending_space: bool,
    /// Nesting of `<blockquote>`: their content is dropped.
    quote_depth: usize,
    /// Nesting of `<pre>`: whitespace kept as written.
    pre_depth: usize,
}

impl HtmlText {
    fn push_str(&mut self, text: &str) {
        if self.quote_depth > 0 {
            return;
        }
        for c in text.chars() {
            if self.pre_depth > 0 {
                if c != '\r' {
                    self.out.push(c);
                }
            } else if c.is_ascii_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push(c);
            }
        }
    }

    /// Ends the current line unless it is empty.
    fn line_break(&mut self) {
        if self.quote_depth == 0 && !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.pending_space = false;
    }

    fn open(&mut self, name: &str) {
        match name {
            "br" => {
                if self.quote_depth == 0 {
                    self.out.push('\n');
                }
                self.pending_space = false;
            }
            "blockquote" => {
                self.line_break();
                self.quote_depth += 1;
            }
            "pre" => {
                self.line_break();
                self.pre_depth += 1;
            }
            "li" => {
                self.line_break();
                if self.quote_depth == 0 {
                    self.out.push_str("- ");
                }
                self.pending_space = false;
            }
            "td" | "th" => self.pending_space = true,
            _ if BLOCK_ELEMENTS.contains(&name) => self.line_break(),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "blockquote" => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.line_break();
            }
            "pre" => {
                self.pre_depth = self.pre_depth.saturating_sub(1);
                self.line_break();
            }
            "td" | "th" => self.pending_space = true,
            _ if BLOCK_ELEMENTS.contains(&name) => self.line_break(),
            _ => {}
        }
    }

    /// The text: no-break spaces as spaces, trailing whitespace trimmed from each line, at
    /// most one blank line in a row, no blank lines at either end.
    fn finish(self) -> String {
        let text = self.out.replace('\u{a0}', " ");
        let mut lines: Vec<&str> = Vec::new();
        for line in text.lines().map(str::trim_end) {
            let blank = line.is_empty();
            if blank && lines.last().is_none_or(|last| last.is_empty()) {
                continue;
            }
            lines.push(line);
        }
        while lines.last().is_some_and(|last| last.is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }
}

// ---------------------------------------------------------------------------------------
// Trimming replies
// ---------------------------------------------------------------------------------------

/// The longest line (in bytes) taken for a quote attribution such as "On … wrote:".
const MAX_ATTRIBUTION_LEN: usize = 500;

/// How many lines after an Outlook-style `From:` line are searched for `Sent:` and `To:`.
const HEADER_BLOCK_LINES: usize = 4;

/// Labels of the first line of a quoted header block (lowercase; `*` bold markers removed).
const FROM_LABELS: &[&str] = &["from:", "von:", "de :", "de:", "de la:"];
/// Labels of its date line.
const DATE_LABELS: &[&str] = &[
    "sent:",
    "date:",
    "gesendet:",
    "datum:",
    "envoyé :",
    "envoyé:",
    "date :",
    "trimis:",
    "data:",
    "dată:",
];
/// Labels of its recipient or subject line.
const TO_LABELS: &[&str] = &[
    "to:", "subject:", "an:", "betreff:", "à :", "à:", "objet :", "objet:", "către:", "subiect:",
];
/// What separator lines such as `-----Original Message-----` say between their dashes
/// (lowercase, apostrophes straightened).
const SEPARATOR_TITLES: &[&str] = &[
    "original message",
    "forwarded message",
    "ursprüngliche nachricht",
    "weitergeleitete nachricht",
    "message d'origine",
    "message transféré",
    "mesaj original",
    "mesaj redirecționat",
    "mesaj redirectionat",
];
/// Starts of a mobile or webmail signature line (lowercase).
const DEVICE_SIGNATURES: &[&str] = &[
    "sent from my ",
    "sent from outlook",
    "sent from mail for windows",
    "sent from yahoo mail",
    "get outlook for ",
    "gesendet von meinem ",
    "gesendet von outlook",
    "gesendet mit der mail-app",
    "envoyé de mon ",
    "envoyé depuis mon ",
    "envoyé à partir de ",
    "trimis de pe ",
    "trimis din ",
    "obțineți outlook pentru ",
];

/// The new text of a plain-text reply: everything before the first quote, without the
/// signature.
///
/// The text is cut at the first line that starts a quote: a line starting with `>`; an
/// attribution ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", "În … a scris:" / "Pe …
/// a scris:", containing a digit, possibly wrapped over two lines); a separator line such as
/// `-----Original Message-----`, `-----Ursprüngliche Nachricht-----`, `-------- Message
/// d'origine --------` or a line of 20 or more underscores (Outlook); or an Outlook header
/// block (`From:`/`Von:`/`De :` followed within four lines by `Sent:`/`Date:`… and
/// `To:`/`Subject:`…). Then the signature goes: everything from a `-- ` (or `--`) line, and
/// trailing "Sent from my iPhone"-style lines. CRLF and CR become LF, trailing whitespace is
/// trimmed from every line, and blank lines at either end are dropped.
///
/// ```
/// use tessera_mail::trim_reply;
///
/// let reply = "Yes, Friday works.\r\n\r\nSent from my iPhone\r\n\r\n\
///              Am 10.01.2024 um 09:12 schrieb Ana Pop <ana@example.com>:\r\n\
///              > Can we meet on Friday?\r\n";
/// assert_eq!(trim_reply(reply), "Yes, Friday works.");
/// ```
pub fn trim_reply(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let quote = (0..lines.len())
        .find(|&index| starts_quote(&lines, index))
        .unwrap_or(lines.len());
    let mut kept: Vec<&str> = lines
        .get(..quote)
        .unwrap_or_default()
        .iter()
        .map(|line| line.trim_end())
        .collect();
    if let Some(signature) = kept.iter().position(|line| *line == "--") {
        kept.truncate(signature);
    }
    loop {
        while kept.last().is_some_and(|line| line.trim().is_empty()) {
            kept.pop();
        }
        if kept.last().is_some_and(|line| is_device_signature(line)) {
            kept.pop();
        } else {
            break;
        }
    }
    let first = kept
        .iter()
        .position(|line| !line.trim().is_empty())
        .unwrap_or(kept.len());
    kept.get(first..).unwrap_or_default().join("\n")
}

/// Whether line `index` starts the quoted part.
fn starts_quote(lines: &[&str], index: usize) -> bool {
    let Some(line) = lines.get(index).map(|line| line.trim()) else {
        return false;
    };
    if line.starts_with('>') || is_separator(line) || is_attribution(line) {
        return true;
    }
    if !line.is_empty()
        && let Some(next) = lines.get(index + 1).map(|next| next.trim())
        && !next.is_empty()
        && !is_attribution(next)
        && line.len() + next.len() < MAX_ATTRIBUTION_LEN
        && is_attribution(&format!("{line} {next}"))
    {
        return true;
    }
    is_header_block(lines, index)
}

/// The line with no-break and narrow spaces as spaces and whitespace runs collapsed.
fn collapse_spaces(line: &str) -> String {
    line.split(|c: char| c.is_whitespace() || c == '\u{202f}' || c == '\u{2007}')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "On … wrote:" and its German, French and Romanian forms, with a digit (a date) in it.
fn is_attribution(line: &str) -> bool {
    if line.len() > MAX_ATTRIBUTION_LEN || !line.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let line = collapse_spaces(line);
    let english = line.starts_with("On ") && line.ends_with("wrote:");
    let german = line.starts_with("Am ") && line.contains(" schrieb ") && line.ends_with(':')
        || line.starts_with("Am ") && line.ends_with(" schrieb:");
    let french =
        line.starts_with("Le ") && (line.ends_with("a écrit :") || line.ends_with("a écrit:"));
    let romanian = (line.starts_with("În ") || line.starts_with("Pe "))
        && (line.ends_with("a scris:") || line.ends_with("a scris :"));
    english || german || french || romanian
}

/// A line of underscores (Outlook) or a `-----Original Message-----`-style line.
fn is_separator(line: &str) -> bool {
    if line.len() >= 20 && line.bytes().all(|b| b == b'_') {
        return true;
    }
    let leading = line.bytes().take_while(|b| *b == b'-').count();
    let trailing = line.bytes().rev().take_while(|b| *b == b'-').count();
    if leading < 2 || trailing < 2 || leading + trailing >= line.len() {
        return false;
    }
    let title = line
        .get(leading..line.len() - trailing)
        .unwrap_or_default()
        .trim()
        .to_lowercase()
        .replace('’', "'");
    SEPARATOR_TITLES.contains(&collapse_spaces(&title).as_str())
}

/// The label form of a line: trimmed, lowercased, `*` removed, spaces collapsed.
fn label(line: &str) -> String {
    collapse_spaces(&line.replace('*', "")).to_lowercase()
}

/// An Outlook-style header block starting at `index`.
fn is_header_block(lines: &[&str], index: usize) -> bool {
    let Some(first) = lines.get(index) else {
        return false;
    };
    let first = label(first);
    if !FROM_LABELS.iter().any(|from| first.starts_with(from)) {
        return false;
    }
    let following: Vec<String> = lines
        .iter()
        .skip(index + 1)
        .take(HEADER_BLOCK_LINES)
        .map(|line| label(line))
        .collect();
    let has = |labels: &[&str]| {
        following
            .iter()
            .any(|line| labels.iter().any(|label| line.starts_with(label)))
    };
    has(DATE_LABELS) && has(TO_LABELS)
}

/// "Sent from my iPhone" and the like, in English, German, French and Romanian.
fn is_device_signature(line: &str) -> bool {
    let line = label(line);
    line.len() <= 100
        && (DEVICE_SIGNATURES
            .iter()
            .any(|start| line.starts_with(start))
            || line.starts_with("von meinem ") && line.ends_with(" gesendet"))
}
