//! Reading the audit trail: for the account's admins (`user_management: read`), filtered by
//! actor, action, target and time window, newest first, a page at a time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use tessera_access::{Level, USER_MANAGEMENT};
use tessera_core::{AuditAction, AuditEvent, UserId, Uuid};

use crate::records::AuditFilter;
use crate::{Caller, ServiceError, Tessera};

/// Events per page unless asked otherwise.
pub const DEFAULT_PAGE: i64 = 100;
/// Most events per page.
pub const MAX_PAGE: i64 = 500;

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only what this user did.
    pub actor: Option<UserId>,
    /// Only this action (`user.add`, `invitation.sent`, …).
    pub action: Option<String>,
    /// Only what was done to this target.
    pub target: Option<String>,
    /// Only at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Events per page (1 to [`MAX_PAGE`]; [`DEFAULT_PAGE`] when absent).
    pub limit: Option<i64>,
    /// Where the previous page ended ([`AuditPage::next`]).
    pub cursor: Option<String>,
}

/// One page of events.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The events, newest first.
    pub events: Vec<AuditEvent>,
    /// The cursor of the next (older) page; `None` on the last page.
    pub next: Option<String>,
}

/// The cursor after `event`: its time to the microsecond and its id, opaque to callers.
fn cursor_after(event: &AuditEvent) -> String {
    let text = format!("{}.{}", event.occurred_at.timestamp_micros(), event.id);
    URL_SAFE_NO_PAD.encode(text)
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = text.split_once('.')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, Uuid::parse_str(id).ok()?))
}

impl Tessera {
    /// A page of the account's audit trail, newest first.
    pub fn audit(&self, caller: &Caller, query: AuditQuery) -> Result<AuditPage, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Read)?;
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("a page has 1 to {MAX_PAGE} events"),
            ));
        }
        let action = query
            .action
            .as_deref()
            .map(|name| {
                AuditAction::parse(name).ok_or_else(|| {
                    ServiceError::invalid("action", format!("`{name}` is not an audited action"))
                })
            })
            .transpose()?;
        let before = query
            .cursor
            .as_deref()
            .map(|cursor| {
                parse_cursor(cursor)
                    .ok_or_else(|| ServiceError::invalid("cursor", "not a cursor this API gave"))
            })
            .transpose()?;
        let filter = AuditFilter {
            actor: query.actor,
            action,
            target: query.target,
            since: query.since,
            until: query.until,
            before,
        };
        // One more than asked tells whether another page follows.
        let mut events =
            self.read(|tx| Ok(tx.audit_events(caller.account, &filter, limit + 1)?))?;
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next = if more {
            events.last().map(cursor_after)
        } else {
            None
        };
        Ok(AuditPage { events, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let event = AuditEvent {
            id: Uuid::from_u128(42),
            account: tessera_core::AccountId::from_u128(1),
            occurred_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).expect("time"),
            actor: None,
            action: AuditAction::UserAdd,
            target: None,
            detail: "{}".into(),
            client_addr: None,
        };
        assert_eq!(
            parse_cursor(&cursor_after(&event)),
            Some((event.occurred_at, event.id))
        );
        for garbage in ["", "!!", "bm9wZQ", "MTIz"] {
            assert_eq!(parse_cursor(garbage), None, "{garbage}");
        }
    }
}
