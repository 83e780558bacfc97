//! Inbound parsing: realistic replies from Gmail, Outlook, Apple Mail and Thunderbird in every
//! locale, automatic messages, attachments, the HTML and flowed-text converters, and
//! properties over random input.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use proptest::prelude::*;

use super::*;

/// A fixture from `tests/fixtures/inbound/` (LF line ends).
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/inbound/",
            $name
        ))
        .as_slice()
    };
}

/// `raw` with every LF turned into CRLF, as it arrives over SMTP.
fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    for &b in raw {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Parses a fixture with LF and with CRLF line ends; both must give the same message.
fn parse(raw: &[u8]) -> InboundMessage {
    let lf = parse_inbound(raw).unwrap();
    let crlf = parse_inbound(&crlf(raw)).unwrap();
    assert_eq!(lf, crlf, "LF and CRLF parse differently");
    lf
}

/// The reply text taken from the HTML body alone (the `text/plain` part ignored).
fn html_reply(raw: &[u8]) -> String {
    let message = MessageParser::default().parse(raw).unwrap();
    let html = message
        .html_bodies()
        .find_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        })
        .expect("an HTML part");
    trim_reply(&html_to_text(&html))
}

/// A minimal message with extra headers and a plain-text body.
fn message(headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Bo <bo@example.org>\r\nTo: reply+k@tessera.example\r\nSubject: Hi\r\n{headers}\r\n{body}"
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------
// Real clients
// ---------------------------------------------------------------------------------------

#[test]
fn gmail_english_plain_and_html() {
    let raw = fixture!("gmail_en.eml");
    let message = parse(raw);
    let body = "Sounds good, I’ll upload the signed contract tomorrow.\n\nBo";
    assert_eq!(
        message,
        InboundMessage {
            from: "bo.berg@gmail.com".into(),
            reply_keys: vec!["t4sk-01HM9Z".into()],
            automatic: None,
            subject: "Re: [Supplier onboarding] Collect documents".into(),
            body: body.into(),
            attachments: vec![],
            message_id: Some("CAB1x2y3z4=Qw5e6r7t8y9u0i-OPq@mail.gmail.com".into()),
        }
    );
    assert_eq!(html_reply(raw), body);
}

#[test]
fn gmail_german_with_keys_in_to_cc_and_delivered_to() {
    let raw = fixture!("gmail_de.eml");
    let message = parse(raw);
    assert_eq!(message.from, "bo@example.de");
    assert_eq!(message.reply_keys, ["k2", "k3"]);
    assert_eq!(
        message.subject,
        "Re: [Lieferanten] Unterlagen sammeln – Prüfung"
    );
    let body = "Danke, ich kümmere mich bis Freitag darum.\n\nViele Grüße\nBo";
    assert_eq!(message.body, body);
    assert_eq!(html_reply(raw), body);
}

#[test]
fn outlook_desktop_english_with_header_block_and_attachment() {
    let raw = fixture!("outlook_en.eml");
    let message = parse(raw);
    let body = "Hi Ana,\n\nThe contract is attached. Let me know if anything is missing.\n\n\
                Kind regards,\nBo Berg\nProcurement | Acme Ltd\n+44 20 7946 0000";
    assert_eq!(message.body, body);
    assert_eq!(message.attachments, ["Signed contract 2024.pdf"]);
    assert_eq!(message.reply_keys, ["0utl00k"]);
    assert_eq!(
        message.message_id.as_deref(),
        Some(
            "AM0PR01MB1234ABCDEF0123456789ABCDEF012345@AM0PR01MB1234.eurprd01.prod.exchangelabs.com"
        )
    );
    assert_eq!(html_reply(raw), body, "Word HTML: styles, o:p, border div");
}

#[test]
fn outlook_web_html_only_in_latin_1() {
    let message = parse(fixture!("outlook_web_html_only.eml"));
    assert_eq!(message.from, "clement@example.fr");
    assert_eq!(message.reply_keys, ["0wa"]);
    assert_eq!(
        message.body,
        "Done – I moved it to \"In review\" & assigned it to Ana.\n\nClément"
    );
}

#[test]
fn apple_iphone_french_with_device_signature() {
    let raw = fixture!("apple_iphone_fr.eml");
    let message = parse(raw);
    assert_eq!(message.from, "claire@example.fr");
    assert_eq!(
        message.subject,
        "Re\u{a0}: [Fournisseurs] Collecter les documents"
    );
    assert_eq!(message.body, "C’est noté, je m’en occupe lundi.");
    assert_eq!(html_reply(raw), "C’est noté, je m’en occupe lundi.");
    assert_eq!(
        message.message_id.as_deref(),
        Some("7A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@example.fr")
    );
}

#[test]
fn apple_mail_german() {
    let message = parse(fixture!("apple_de.eml"));
    assert_eq!(message.body, "Passt, danke!");
    assert_eq!(message.reply_keys, ["de-apple"]);
}

#[test]
fn thunderbird_romanian_flowed_with_signature() {
    let message = parse(fixture!("thunderbird_ro_flowed.eml"));
    assert_eq!(message.from, "ioana.popescu@example.ro");
    assert_eq!(
        message.body,
        "Bună ziua,\n\nam încărcat documentele cerute, inclusiv contractul semnat și \
         certificatul de înregistrare.\n\nO zi bună,\nIoana"
    );
}

#[test]
fn thunderbird_html_only_english() {
    let message = parse(fixture!("thunderbird_html_en.eml"));
    assert_eq!(
        message.body,
        "Thanks Ana,\nthe list is complete now:\n- contract\n- registration & tax certificate\n\
         ID   Name\n42   Acme"
    );
    assert_eq!(message.reply_keys, ["tb-html"]);
}

#[test]
fn an_out_of_office_reply_is_automatic() {
    let message = parse(fixture!("auto_reply.eml"));
    assert_eq!(message.automatic, Some("auto-submitted"));
    assert_eq!(message.reply_keys, ["ooo"]);
    assert_eq!(
        message.body,
        "I am out of the office until 15 January with limited access to e-mail."
    );
}

#[test]
fn a_delivery_status_notification_is_a_bounce() {
    let message = parse(fixture!("dsn_bounce.eml"));
    assert_eq!(message.automatic, Some("bounce"));
    assert_eq!(message.from, "mailer-daemon@mx.acme.example");
    assert_eq!(message.reply_keys, ["b0unce"]);
    assert!(
        message
            .body
            .starts_with("This is the mail system at host mx.acme.example."),
        "{}",
        message.body
    );
    assert!(message.attachments.is_empty(), "{:?}", message.attachments);
}

#[test]
fn attachments_are_listed_in_order_without_directories() {
    let message = parse(fixture!("attachments.eml"));
    assert_eq!(
        message.attachments,
        ["logo.png", "contract.pdf", "Angebot März.xlsx", "notes.txt"]
    );
    assert_eq!(message.body, "Here are the files.");
}

// ---------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------

#[test]
fn reply_keys_come_from_to_cc_delivered_to_and_x_original_to_in_order() {
    let raw = "X-Original-To: reply+d@in.example\r\n\
               Delivered-To: reply+c@in.example\r\n\
               From: bo@example.org\r\n\
               Cc: Someone <someone@example.org>, reply+b@in.example\r\n\
               To: \"A\" <reply+a@in.example>, reply+b@other.example\r\n\
               \r\nhi";
    let message = parse_inbound(raw.as_bytes()).unwrap();
    assert_eq!(message.reply_keys, ["a", "b", "c", "d"]);

    let grouped = "From: bo@example.org\r\nTo: Team: reply+g@in.example, x@y.z;\r\n\r\nhi";
    assert_eq!(parse_inbound(grouped.as_bytes()).unwrap().reply_keys, ["g"]);
}

#[test]
fn reply_keys_are_checked() {
    assert_eq!(reply_key("reply+abc@x.example").as_deref(), Some("abc"));
    assert_eq!(reply_key("Reply+AbC@x").as_deref(), Some("AbC"));
    assert_eq!(reply_key("REPLY+a+b.c=d@x").as_deref(), Some("a+b.c=d"));
    for bad in [
        "reply+@x",
        "reply+abc@",
        "reply+abc",
        "replyabc@x",
        "noreply+abc@x",
        "reply-abc@x",
        "reply+a b@x",
        "reply+é@x",
        "éeply+a@x",
        "",
        "@",
    ] {
        assert_eq!(reply_key(bad), None, "{bad:?}");
    }
    let long = format!("reply+{}@x", "k".repeat(MAX_KEY_LEN + 1));
    assert_eq!(reply_key(&long), None);
}

#[test]
fn the_sender_is_required() {
    assert_eq!(parse_inbound(b""), Err(InboundError::Unparseable));
    assert_eq!(
        parse_inbound(b"just some text without headers"),
        Err(InboundError::Unparseable)
    );
    assert_eq!(
        parse_inbound(b"To: reply+k@x\r\nSubject: no from\r\n\r\nbody"),
        Err(InboundError::NoSender)
    );
    assert_eq!(
        parse_inbound(b"From: undisclosed-recipients:;\r\n\r\nbody"),
        Err(InboundError::NoSender)
    );
    assert_eq!(
        parse_inbound(b"From: Bo Berg\r\n\r\nbody"),
        Err(InboundError::NoSender)
    );
    let message = parse_inbound(b"From: Bo <BO@Example.ORG>\r\n\r\n").unwrap();
    assert_eq!(message.from, "bo@example.org");
    assert_eq!(message.body, "");
    assert_eq!(message.subject, "");
    assert_eq!(message.message_id, None);
    assert!(message.reply_keys.is_empty());
}

#[test]
fn oversized_messages_are_refused_before_parsing() {
    let mut raw = message("", "x").into_iter().collect::<Vec<_>>();
    raw.resize(MAX_INBOUND_BYTES + 1, b'x');
    let error = parse_inbound(&raw).unwrap_err();
    assert_eq!(
        error,
        InboundError::TooLarge {
            limit: MAX_INBOUND_BYTES
        }
    );
    assert_eq!(
        error.to_string(),
        "the message is larger than 10485760 bytes"
    );
    raw.truncate(MAX_INBOUND_BYTES);
    assert!(parse_inbound(&raw).is_ok());
}

#[test]
fn automatic_messages_say_why() {
    let cases: &[(&str, Option<&str>)] = &[
        ("", None),
        ("Auto-Submitted: no\r\n", None),
        ("Auto-Submitted: No ; comment\r\n", None),
        ("Auto-Submitted: auto-replied\r\n", Some("auto-submitted")),
        ("auto-submitted: auto-generated\r\n", Some("auto-submitted")),
        (
            "Auto-Submitted: auto-notified; owner-email=\"a@b\"\r\n",
            Some("auto-submitted"),
        ),
        ("Auto-Submitted:\r\n", Some("auto-submitted")),
        ("X-Autoreply: yes\r\n", Some("x-autoreply")),
        ("X-Autorespond: Out of office\r\n", Some("x-autoreply")),
        ("Return-Path: <>\r\n", Some("bounce")),
        ("Return-Path: < >\r\n", Some("bounce")),
        ("Return-Path: <bo@example.org>\r\n", None),
        (
            "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n",
            Some("bounce"),
        ),
        ("Precedence: bulk\r\n", Some("precedence")),
        ("Precedence: JUNK\r\n", Some("precedence")),
        ("Precedence: auto_reply\r\n", Some("precedence")),
        ("Precedence: list\r\n", None),
        (
            "Precedence: bulk\r\nX-Autoreply: yes\r\nAuto-Submitted: auto-replied\r\n",
            Some("auto-submitted"),
        ),
        ("Precedence: bulk\r\nReturn-Path: <>\r\n", Some("bounce")),
    ];
    for (headers, expected) in cases {
        let raw = message(headers, "body");
        assert_eq!(
            parse_inbound(&raw).unwrap().automatic,
            *expected,
            "{headers:?}"
        );
    }
    for daemon in [
        "MAILER-DAEMON@mx.example",
        "postmaster@example.org",
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    ] {
        let raw = format!("From: {daemon}\r\nTo: reply+k@x\r\n\r\nUndeliverable");
        assert_eq!(
            parse_inbound(raw.as_bytes()).unwrap().automatic,
            Some("bounce"),
            "{daemon}"
        );
    }
}

#[test]
fn an_html_only_alternative_falls_back_to_html() {
    let raw = "From: bo@example.org\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
               --b\r\nContent-Type: text/plain\r\n\r\n \r\n\
               --b\r\nContent-Type: text/html\r\n\r\n<p>Only <b>HTML</b> here</p>\r\n--b--\r\n";
    assert_eq!(
        parse_inbound(raw.as_bytes()).unwrap().body,
        "Only HTML here"
    );
}

// ---------------------------------------------------------------------------------------
// trim_reply
// ---------------------------------------------------------------------------------------

/// Checks that `quote` after a reply is cut and the reply kept.
fn assert_cut(quote: &str) {
    let text = format!("Thanks, that works.\n\n{quote}\nolder text\n");
    assert_eq!(trim_reply(&text), "Thanks, that works.", "{quote:?}");
}

#[test]
fn quote_attributions_in_every_language_are_cut() {
    for quote in [
        "> quoted",
        "  > indented quote",
        "On Wed, Jan 10, 2024 at 9:12 AM Ana Pop <ana@example.com> wrote:",
        "On 10 Jan 2024, at 09:12, Ana Pop <ana@example.com> wrote:",
        "On 10/01/2024 09:12, Ana Pop wrote:",
        "On Wed, Jan 10, 2024 at 9:12 AM Ana Pop <ana@example.com>\nwrote:",
        "On Wed, 10 Jan 2024 at 09:12, Ana Pop\n<ana@example.com> wrote:",
        "Am Mi., 10. Jan. 2024 um 09:12 Uhr schrieb Ana Pop <ana@example.com>:",
        "Am 10.01.2024 um 09:12 schrieb Ana Pop:",
        "Am 10.01.2024 schrieb:",
        "Am Mi., 10. Jan. 2024 um 09:12 Uhr schrieb Ana Pop <\nana@example.com>:",
        "Le mer. 10 janv. 2024 à 09:12, Ana Pop <ana@example.com> a écrit :",
        "Le mer. 10 janv. 2024 à 09:12, Ana Pop <ana@example.com> a écrit\u{a0}:",
        "Le 10/01/2024 à 09:12, Ana Pop a écrit\u{202f}:",
        "Le 10/01/2024 à 09:12, Ana Pop a écrit:",
        "În mie., 10 ian. 2024 la 09:12, Ana Pop <ana@example.com> a scris:",
        "Pe 10.01.2024 09:12, Ana Pop a scris:",
        "Pe 10.01.2024 09:12, Ana Pop a scris :",
    ] {
        assert_cut(quote);
    }
}

#[test]
fn separators_and_header_blocks_are_cut() {
    for quote in [
        "-----Original Message-----",
        "----- Original Message -----",
        "-----Ursprüngliche Nachricht-----",
        "-------- Message d'origine --------",
        "-------- Message d’origine --------",
        "-----Mesaj original-----",
        "---------- Forwarded message ---------",
        "________________________________",
        "From: Ana Pop <ana@example.com>\nSent: Wednesday, January 10, 2024 9:12 AM\nTo: Bo\nSubject: Hi",
        "*From:* Ana Pop <ana@example.com>\n*Sent:* Wednesday, January 10, 2024 9:12 AM\n*To:* Bo",
        "From: Ana Pop <ana@example.com>\nDate: Wed, 10 Jan 2024 09:12\nSubject: Hi",
        "Von: Ana Pop <ana@example.com>\nGesendet: Mittwoch, 10. Januar 2024 09:12\nAn: Bo\nBetreff: Hi",
        "De : Ana Pop <ana@example.com>\nEnvoyé : mercredi 10 janvier 2024 09:12\nÀ : Bo\nObjet : Hi",
        "De: Ana Pop <ana@example.com>\nTrimis: miercuri, 10 ianuarie 2024 09:12\nCătre: Bo\nSubiect: Hi",
        "De la: Ana Pop\nData: 10.01.2024\nCătre: Bo",
        "From: Ana Pop\nReply-To: x\nCc: y\nSent: today\nTo: Bo",
    ] {
        assert_cut(quote);
    }
}

#[test]
fn ordinary_lines_are_kept() {
    for text in [
        "On Monday I wrote: nothing",
        "On Monday I wrote:",
        "Am Montag schrieb er:",
        "From: the team\nThanks for everything",
        "From: Ana\nSent: yesterday\nnothing else",
        "From: Ana\n\n\n\n\nSent: x\nTo: y",
        "Use -> arrows and a -- b",
        "---",
        "-- not a signature",
        "_____",
        "Sent from my iPhone, said Bo\nand more",
        "1 > 0",
    ] {
        assert_eq!(trim_reply(text), text, "{text:?}");
    }
}

#[test]
fn signatures_are_dropped() {
    assert_eq!(trim_reply("Hi\n\nBo\n-- \nBo Berg\nAcme"), "Hi\n\nBo");
    assert_eq!(trim_reply("Hi\n--\nBo Berg"), "Hi");
    assert_eq!(trim_reply("-- \nonly a signature"), "");
    for device in [
        "Sent from my iPhone",
        "Sent from my Android",
        "Sent from my Samsung Galaxy smartphone.",
        "Sent from Outlook for iOS",
        "Get Outlook for Android",
        "Gesendet von meinem iPhone",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Envoyé à partir de Outlook pour Android",
        "Trimis de pe iPhone-ul meu",
        "Trimis din Yahoo Mail pe Android",
        "*Sent from my iPhone*",
    ] {
        let text = format!("Yes.\n\n{device}\n\n");
        assert_eq!(trim_reply(&text), "Yes.", "{device:?}");
    }
    assert_eq!(
        trim_reply("Yes.\nSent from my iPhone\n\nGesendet von meinem iPad"),
        "Yes."
    );
    assert_eq!(
        trim_reply("Sent from my iPhone\nYes."),
        "Sent from my iPhone\nYes.",
        "only trailing device lines go"
    );
}

#[test]
fn line_ends_and_whitespace_are_normalized() {
    assert_eq!(
        trim_reply("\r\n\r\n  Hi  \r\nthere\t\r\n\r\n"),
        "  Hi\nthere"
    );
    assert_eq!(trim_reply("a\rb\r\rc"), "a\nb\n\nc");
    assert_eq!(trim_reply(""), "");
    assert_eq!(trim_reply("\n \n\t\n"), "");
    assert_eq!(
        trim_reply("new\r\n\r\nOn Mon, 1 Jan 2024, A <a@b.c> wrote:\r\n> old"),
        "new"
    );
}

#[test]
fn multibyte_text_never_splits_characters() {
    for text in [
        "Î",
        "Înî\n> ț",
        "——————————————————————",
        "-ă-",
        "--ă--",
        "-----ă-----",
        "On ă 1 wrote:",
        "Pe ș 1 a scris:\nx",
        "De : ț\nEnvoyé : 1\nÀ : ș",
        "\u{a0}\u{202f}\r\u{2007}",
        "😀\r\n> 😀",
    ] {
        let _ = trim_reply(text);
    }
    assert_eq!(trim_reply("-----ă-----"), "-----ă-----");
}

// ---------------------------------------------------------------------------------------
// HTML and flowed text
// ---------------------------------------------------------------------------------------

#[test]
fn html_entities_tags_and_whitespace() {
    let cases = [
        (
            "a &amp; b &lt;c&gt; &quot;d&quot; &#8364; &#x20AC; &eacute;",
            "a & b <c> \"d\" € € é",
        ),
        (
            "&unknownentity; & &; &#; &#xZZ; AT&T",
            "&unknownentity; & &; &#; &#xZZ; AT&T",
        ),
        ("one&nbsp;&nbsp;two", "one  two"),
        ("a<br>b<br/>c<BR />d", "a\nb\nc\nd"),
        (
            "<p>one</p><p>two</p><div>three</div>four",
            "one\ntwo\nthree\nfour",
        ),
        ("  lots   of\n\n  space  ", "lots of space"),
        ("<b>bold</b> and <i>italic</i>", "bold and italic"),
        (
            "<style>p { color: red; }</style>text<script>if (a < b) {}</script>",
            "text",
        ),
        (
            "<!-- hidden <p>x</p> -->shown<!--[if mso]>no<![endif]-->",
            "shown",
        ),
        ("<!DOCTYPE html><?xml version=\"1.0\"?>x", "x"),
        ("a < b and c > d", "a < b and c > d"),
        ("<p title=\"a>b\">quoted gt</p>", "quoted gt"),
        (
            "keep<blockquote>drop<blockquote>deeper</blockquote>drop</blockquote>after",
            "keep\nafter",
        ),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
        (
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
            "a b\nc",
        ),
        (
            "<pre>  two  spaces\n\tand a tab</pre>after",
            "  two  spaces\n\tand a tab\nafter",
        ),
        (
            "<p>a</p><p><br></p><p><br></p><p><br></p><p>b</p>",
            "a\n\nb",
        ),
        ("unclosed <b", "unclosed"),
        ("<style>never closed", "never closed"),
        ("text</div></blockquote></pre>more", "text\nmore"),
        ("<", "<"),
        ("&", "&"),
        ("", ""),
    ];
    for (html, text) in cases {
        assert_eq!(html_to_text(html), text, "{html:?}");
    }
}

#[test]
fn html_quote_containers_cut_the_rest() {
    for quote in [
        "<div class=\"gmail_quote\">",
        "<div class=\"gmail_quote gmail_quote_container\">",
        "<div class='x gmail_quote_container'>",
        "<div id=\"appendonsend\"></div>",
        "<div id=divRplyFwdMsg dir=ltr>",
        "<div class=\"moz-cite-prefix\">On 10/01/2024, A wrote:",
        "<blockquote type=\"cite\">",
        "<BLOCKQUOTE TYPE=CITE>",
        "<div class=\"yahoo_quoted\">",
        "<hr id=\"stopSpelling\">",
    ] {
        let html = format!("<div>new text</div>{quote}<div>old text</div>after");
        assert_eq!(html_to_text(&html), "new text", "{quote}");
    }
}

#[test]
fn html_attributes_are_read() {
    let tag = Tag::parse("<div  Class = \"a b\" id=x data-x='y>z' hidden/>", 0).unwrap();
    assert_eq!(tag.name, "div");
    assert_eq!(tag.attr("class"), Some("a b"));
    assert_eq!(tag.attr("ID"), Some("x"));
    assert_eq!(tag.attr("data-x"), Some("y>z"));
    assert_eq!(tag.attr("hidden"), Some(""));
    assert_eq!(tag.attr("missing"), None);
    assert!(tag.self_closing);
    assert!(Tag::parse("< div>", 0).is_none());
    assert!(Tag::parse("<3", 0).is_none());
    assert!(Tag::parse("<", 0).is_none());
    let unterminated = Tag::parse("<p class=\"é", 0).unwrap();
    assert_eq!(unterminated.attr("class"), Some("é"));
}

#[test]
fn flowed_text_is_joined() {
    assert_eq!(
        unflow("one two \nthree\n\nfour \n-- \nsig\n", false),
        "one two three\n\nfour \n-- \nsig\n\n"
    );
    assert_eq!(unflow("one two \nthree\n", true), "one twothree\n\n");
    assert_eq!(
        unflow(" From the top \n>quoted \n>more\nend", false),
        "From the top \n>quoted \n>more\nend\n"
    );
    assert_eq!(unflow("a \r\nb\r\n", false), "a b\n\n");
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// A plausible message around an arbitrary body: plain, HTML, or both as alternatives, in
/// 8bit, quoted-printable or base64.
fn well_formed(body: &str, kind: u8, from: &str) -> Vec<u8> {
    let headers = format!(
        "From: {from}\r\nTo: reply+k1@tessera.example\r\nSubject: Re: x\r\nMessage-ID: <m@x>\r\nMIME-Version: 1.0\r\n"
    );
    match kind % 5 {
        0 => format!("{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"),
        1 => format!(
            "{headers}Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{body}"
        ),
        2 => format!("{headers}Content-Type: text/html; charset=utf-8\r\n\r\n<div>{body}</div>"),
        3 => format!(
            "{headers}Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{body}\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n"
        ),
        _ => format!(
            "{headers}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\n{body}\r\n--m\r\nContent-Type: application/octet-stream; name=\"{body}\"\r\nContent-Disposition: attachment; filename=\"{body}\"\r\n\r\n{body}\r\n--m--\r\n"
        ),
    }
    .into_bytes()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_inbound(&raw);
        let text = String::from_utf8_lossy(&raw);
        let _ = trim_reply(&text);
        let _ = html_to_text(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        let _ = trim_reply(&text);
        let _ = html_to_text(&text);
        let _ = unflow(&text, true);
        let _ = parse_inbound(text.as_bytes());
    }

    #[test]
    fn messages_with_random_bodies_parse(
        body in "(\\PC|\r\n|\n|>|<[a-z/]{1,10}>|&[a-z#0-9]{0,6};?|--|=[0-9A-F]{0,2}){0,400}",
        kind in any::<u8>(),
    ) {
        let raw = well_formed(&body, kind, "Bo <Bo@Example.org>");
        let message = parse_inbound(&raw).unwrap();
        prop_assert_eq!(message.from, "bo@example.org");
        prop_assert_eq!(message.reply_keys, vec!["k1".to_owned()]);
        prop_assert_eq!(message.message_id.as_deref(), Some("m@x"));
    }

    #[test]
    fn trimmed_lines_come_from_the_input(text in "(\\PC|\r|\n|> |-- ?|On 1 x wrote:|From: |Sent: |To: ){0,200}") {
        let trimmed = trim_reply(&text);
        for line in trimmed.lines() {
            prop_assert!(text.contains(line), "{:?} not in {:?}", line, text);
        }
        prop_assert_eq!(trim_reply(&trimmed), trimmed.clone(), "idempotent");
    }

    #[test]
    fn a_quoted_original_is_cut(
        new in proptest::collection::vec("[^>\r\n]{0,60}", 0..8),
        old in "\\PC{0,300}",
    ) {
        let new = new.join("\n");
        let reply = format!("{new}\n\nOn Mon, 1 Jan 2024, A <a@b.c> wrote:\n> {old}");
        prop_assert_eq!(trim_reply(&reply), trim_reply(&new));
    }
}
