//! For tests of anything that sends mail: [`SmtpSink`], a real SMTP server on loopback that
//! keeps what it receives, and [`parse`], a reader for the messages lettre writes.
//!
//! The sink speaks enough SMTP for lettre (EHLO, MAIL, RCPT, DATA, QUIT), answers `RCPT TO`
//! with a chosen reply, and can hold each message back for a while so a test can stop the
//! sender mid-delivery. It lives in the test process, so it outlives a sender that is killed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// What the sink has received, shared with its connection threads.
#[derive(Default)]
struct Inbox {
    messages: Mutex<Vec<String>>,
    arrived: Condvar,
}

/// A minimal SMTP server on `127.0.0.1` that records every message's DATA (dot-unstuffed).
/// It serves until the process ends.
pub struct SmtpSink {
    port: u16,
    inbox: Arc<Inbox>,
}

impl SmtpSink {
    /// A sink that accepts every recipient at once.
    pub fn start() -> std::io::Result<SmtpSink> {
        SmtpSink::start_with("250 OK", Duration::ZERO)
    }

    /// A sink that answers `rcpt_reply` (e.g. `550 5.1.1 no such user`) to `RCPT TO`, and
    /// waits `delay` after receiving each message before it records and acknowledges it.
    pub fn start_with(rcpt_reply: &'static str, delay: Duration) -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let inbox = Arc::new(Inbox::default());
        let shared = Arc::clone(&inbox);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let inbox = Arc::clone(&shared);
                thread::spawn(move || {
                    let _ = serve(stream, rcpt_reply, delay, &inbox);
                });
            }
        });
        Ok(SmtpSink { port, inbox })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>`, for `SmtpMailer::from_url` or `TESSERA_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order of arrival.
    pub fn messages(&self) -> Vec<String> {
        self.inbox
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `count` messages have arrived or `timeout` passes; returns what
    /// has arrived either way.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut messages = self
            .inbox
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while messages.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            messages = self
                .inbox
                .arrived
                .wait_timeout(messages, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        messages.clone()
    }
}

fn serve(
    stream: TcpStream,
    rcpt_reply: &str,
    delay: Duration,
    inbox: &Inbox,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    // Replies go out as written: with Nagle's algorithm a two-line reply waits for the
    // client's delayed ACK (40 ms on Linux) before its second line.
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reply = |line: &str| writer.write_all(format!("{line}\r\n").as_bytes());
    let mut reader = BufReader::new(stream);
    reply("220 sink.test ESMTP")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            reply("250-sink.test")?;
            reply("250 8BITMIME")?;
        } else if command.starts_with("RCPT TO") {
            reply(rcpt_reply)?;
        } else if command == "DATA" {
            reply("354 end with <CRLF>.<CRLF>")?;
            let mut data = String::new();
            loop {
                let mut data_line = String::new();
                if reader.read_line(&mut data_line)? == 0 {
                    return Ok(());
                }
                if data_line == ".\r\n" {
                    break;
                }
                data.push_str(data_line.strip_prefix('.').unwrap_or(&data_line));
            }
            thread::sleep(delay);
            inbox
                .messages
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(data);
            inbox.arrived.notify_all();
            reply("250 queued")?;
        } else if command == "QUIT" {
            reply("221 bye")?;
            return Ok(());
        } else {
            // HELO, MAIL FROM, RSET, NOOP: all fine.
            reply("250 OK")?;
        }
    }
}

/// A parsed message: unfolded headers and its leaf parts, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Headers in order, names as written, values trimmed (not decoded).
    pub headers: Vec<(String, String)>,
    /// `(content type, decoded body with \n line ends)` per leaf part.
    pub parts: Vec<(String, String)>,
}

impl Parsed {
    /// The first header of that name (any case), with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        find(&self.headers, name).map(|value| decode_words(&value))
    }

    /// The `Reply-To` header, decoded like [`header`](Parsed::header); `None` when the
    /// message has none.
    pub fn reply_to(&self) -> Option<String> {
        self.header("reply-to")
    }

    /// The decoded body of the first part whose content type starts with `mime`.
    pub fn part(&self, mime: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(content_type, _)| content_type.to_ascii_lowercase().starts_with(mime))
            .map(|(_, body)| body.as_str())
    }
}

/// Parses a message as lettre writes it (CRLF line ends, at most one level of multipart,
/// 7bit / quoted-printable / base64 parts). `None` when it is not such a message.
pub fn parse(raw: &str) -> Option<Parsed> {
    let (headers, body) = split_headers(raw)?;
    let content_type = find(&headers, "content-type").unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(boundary) = boundary(&content_type) {
        let delimiter = format!("--{boundary}");
        for chunk in body.split(delimiter.as_str()).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let (part_headers, part_body) = split_headers(chunk.trim_start_matches("\r\n"))?;
            let part_type = find(&part_headers, "content-type").unwrap_or_default();
            let encoding = find(&part_headers, "content-transfer-encoding").unwrap_or_default();
            let part_body = part_body.strip_suffix("\r\n").unwrap_or(part_body);
            parts.push((part_type, decode_body(&encoding, part_body)?));
        }
    } else {
        let encoding = find(&headers, "content-transfer-encoding").unwrap_or_default();
        parts.push((content_type, decode_body(&encoding, body)?));
    }
    Some(Parsed { headers, parts })
}

type Headers = Vec<(String, String)>;

fn split_headers(raw: &str) -> Option<(Headers, &str)> {
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let headers = unfolded
        .split("\r\n")
        .map(|line| {
            let (key, value) = line.split_once(':')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((headers, body))
}

fn find(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

fn boundary(content_type: &str) -> Option<String> {
    let start = content_type.find("boundary=")? + "boundary=".len();
    let value = content_type[start..]
        .split(';')
        .next()?
        .trim()
        .trim_matches('"');
    Some(value.to_owned())
}

fn decode_body(encoding: &str, body: &str) -> Option<String> {
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => quoted_printable(body)?,
        "base64" => base64(&body.replace("\r\n", ""))?,
        _ => body.as_bytes().to_vec(),
    };
    Some(String::from_utf8(bytes).ok()?.replace("\r\n", "\n"))
}

fn quoted_printable(body: &str) -> Option<Vec<u8>> {
    let bytes = body.replace("=\r\n", "").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value;
/// the space between two encoded words is dropped, as the RFC says. A malformed word is
/// kept as written.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    for (index, word) in value.split_whitespace().enumerate() {
        let decoded = encoded_word(word);
        if index > 0 && !(decoded.is_some() && previous_encoded) {
            out.push(' ');
        }
        out.push_str(decoded.as_deref().unwrap_or(word));
        previous_encoded = decoded.is_some();
    }
    out
}

fn encoded_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut pieces = inner.splitn(3, '?');
    let (_charset, kind, text) = (pieces.next()?, pieces.next()?, pieces.next()?);
    let bytes = if kind.eq_ignore_ascii_case("b") {
        base64(text)?
    } else {
        quoted_printable(&text.replace('_', " "))?
    };
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_decoded_and_joined() {
        assert_eq!(
            decode_words("=?utf-8?b?QW5h?= =?utf-8?q?_Pop?= shared"),
            "Ana Pop shared"
        );
        assert_eq!(decode_words("=?broken"), "=?broken");
    }

    #[test]
    fn a_multipart_message_is_split_into_decoded_parts() {
        let raw = "Subject: Hi\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
                   --b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
                   caf=C3=A9 =\r\nau lait\r\n--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                   PGI+aGk8L2I+\r\n--b1--\r\n";
        let parsed = parse(raw).unwrap();
        assert_eq!(parsed.header("subject").as_deref(), Some("Hi"));
        assert_eq!(parsed.part("text/plain"), Some("café au lait"));
        assert_eq!(parsed.part("text/html"), Some("<b>hi</b>"));
        assert_eq!(parse("no blank line"), None);
    }
}
