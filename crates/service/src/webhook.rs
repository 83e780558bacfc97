//! The webhook step's HTTP client: a POST of JSON with a timeout, never to loopback,
//! private, link-local or otherwise internal addresses unless the server allows them — the
//! check runs on the addresses the name resolves to, at connection time, so a name cannot
//! point somewhere else between the check and the request.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Longest time a webhook call may take, unless configured otherwise.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a webhook call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// Every address the host resolves to is internal, and internal addresses are not allowed.
    AddressRefused(String),
    /// No answer: a connection, TLS or timeout failure.
    Unreachable(String),
    /// The server answered with an error status.
    Status(u16),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::AddressRefused(host) => write!(
                f,
                "{host} resolves only to loopback, private or otherwise internal addresses, which webhooks may not call"
            ),
            WebhookError::Unreachable(reason) => write!(f, "the webhook did not answer: {reason}"),
            WebhookError::Status(status) => write!(f, "the webhook answered HTTP {status}"),
        }
    }
}

/// Posts webhook bodies. Cheap to clone.
#[derive(Clone)]
pub struct WebhookClient {
    agent: ureq::Agent,
}

impl fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookClient(..)")
    }
}

impl WebhookClient {
    /// A client whose calls end after `timeout`; `allow_internal` lets it call loopback and
    /// private addresses (tests, or a server whose webhooks stay inside its network).
    pub fn new(timeout: Duration, allow_internal: bool) -> Self {
        let config = Config::builder()
            .timeout_global(Some(timeout))
            .proxy(None)
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent("tessera-automations")
            .build();
        let resolver = VettingResolver {
            inner: DefaultResolver::default(),
            allow_internal,
        };
        WebhookClient {
            agent: ureq::Agent::with_parts(config, DefaultConnector::new(), resolver),
        }
    }

    /// POSTs `body` (JSON) to `url` with an `Idempotency-Key`; the status on success (2xx).
    pub fn post_json(
        &self,
        url: &str,
        body: &str,
        idempotency_key: &str,
    ) -> Result<u16, WebhookError> {
        let response = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotency_key)
            .send(body);
        match response {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    Ok(status)
                } else {
                    Err(WebhookError::Status(status))
                }
            }
            Err(ureq::Error::Other(error)) if error.is::<Refused>() => Err(
                WebhookError::AddressRefused(error.to_string().replace(REFUSED_SUFFIX, "")),
            ),
            Err(error) => Err(WebhookError::Unreachable(error.to_string())),
        }
    }
}

const REFUSED_SUFFIX: &str = " resolves only to internal addresses";

/// The resolver's refusal (carried through ureq's error as its source).
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{REFUSED_SUFFIX}", self.0)
    }
}

impl std::error::Error for Refused {}

/// Resolves as usual, then keeps only the addresses a webhook may call.
#[derive(Debug)]
struct VettingResolver {
    inner: DefaultResolver,
    allow_internal: bool,
}

impl Resolver for VettingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        if self.allow_internal {
            return Ok(resolved);
        }
        let mut kept = self.empty();
        for address in resolved.iter().filter(|a| is_public(a.ip())) {
            kept.push(*address);
        }
        if kept.is_empty() {
            let host = uri.host().unwrap_or_default().to_owned();
            return Err(ureq::Error::Other(Box::new(Refused(host))));
        }
        Ok(kept)
    }
}

/// Whether a webhook may call `ip` when internal addresses are not allowed: not loopback,
/// private (RFC 1918, unique-local), link-local, carrier-grade NAT, unspecified, broadcast,
/// multicast, documentation or benchmarking ranges — also when an IPv6 address embeds one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, _, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    /// A one-request HTTP server on loopback answering `status`; hands back what it read.
    fn serve_once(status: u16) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .unwrap();
            head + &String::from_utf8(body).unwrap()
        });
        (url, handle)
    }

    #[test]
    fn posts_json_with_an_idempotency_key_where_allowed() {
        let (url, server) = serve_once(204);
        let client = WebhookClient::new(Duration::from_secs(5), true);
        assert_eq!(client.post_json(&url, r#"{"a":1}"#, "run-1:0"), Ok(204));
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /hook HTTP/1.1"));
        assert!(
            request
                .to_ascii_lowercase()
                .contains("idempotency-key: run-1:0")
        );
        assert!(request.ends_with(r#"{"a":1}"#));
    }

    #[test]
    fn error_statuses_fail() {
        let (url, server) = serve_once(500);
        let client = WebhookClient::new(Duration::from_secs(5), true);
        assert_eq!(
            client.post_json(&url, "{}", "k"),
            Err(WebhookError::Status(500))
        );
        server.join().unwrap();
    }

    #[test]
    fn loopback_is_refused_unless_allowed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://localhost:{}/hook",
            listener.local_addr().unwrap().port()
        );
        let client = WebhookClient::new(Duration::from_secs(5), false);
        let error = client.post_json(&url, "{}", "k").unwrap_err();
        assert!(
            matches!(error, WebhookError::AddressRefused(ref host) if host == "localhost"),
            "{error:?}"
        );
        assert!(error.to_string().contains("internal addresses"));
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let client = WebhookClient::new(Duration::from_millis(300), true);
        let error = client.post_json(&url, "{}", "k").unwrap_err();
        assert!(matches!(error, WebhookError::Unreachable(_)), "{error:?}");
        drop(listener);
    }
}
