//! The external site: the link's GET changes nothing; its button (POST, with the CSRF token)
//! opens a read-only session on exactly the shared workflows; e-mail + code does the same;
//! five wrong codes void the code; every refusal is the same page; revoking ends access.

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::test::TestRequest;
use serde_json::json;
use std::time::{Duration, Instant};
use tessera_core::{AccountId, Uuid};

use tessera_http::{CSRF_COOKIE, EXTERNAL_COOKIE, REFUSAL_FLOOR};
use tessera_invitations::MAX_FAILURES_PER_ACCOUNT;
use tessera_invitations::{InvitationState, IssuedSecrets};

use crate::support::{Env, Reply, backends, request};

fn page_request(method: Method, path: &str) -> TestRequest {
    request(method, path, &crate::support::Cred::Anonymous)
}

fn cookie_of(reply: &Reply, name: &str) -> String {
    reply
        .cookie(name)
        .map(|c| c.value().to_owned())
        .unwrap_or_else(|| panic!("{}: no cookie {name}", reply.context))
}

fn body_text(reply: &Reply) -> String {
    reply.body.as_str().unwrap_or_default().to_owned()
}

/// The page without its per-response CSRF value, to compare refusals byte for byte.
fn without_csrf(reply: &Reply) -> String {
    let text = body_text(reply);
    let Some(start) = text.find("name=\"csrf\" value=\"") else {
        return text;
    };
    let value_start = start + "name=\"csrf\" value=\"".len();
    let end = text[value_start..]
        .find('"')
        .map_or(text.len(), |i| value_start + i);
    format!("{}{}", &text[..value_start], &text[end..])
}

async fn share(env: &Env, cred: &crate::support::Cred, recipients: &[&str]) -> Vec<Uuid> {
    let flow = env
        .put(
            "/v1/items/wf-1",
            cred,
            json!({ "kind": "workflow", "title": "Onboarding", "business_domain": "Sales" }),
        )
        .await
        .expect(200)["id"]
        .clone();
    let other = env
        .put(
            "/v1/items/wf-2",
            cred,
            json!({ "kind": "workflow", "title": "Not shared" }),
        )
        .await
        .expect(200)["id"]
        .clone();
    let _ = other;
    let created = env
        .post(
            "/v1/shares",
            cred,
            json!({ "items": [flow], "recipients": recipients }),
        )
        .await
        .expect(201)
        .clone();
    created["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .map(|i| Uuid::parse_str(i["id"].as_str().expect("id")).expect("uuid"))
        .collect()
}

fn secrets(env: &Env, id: Uuid) -> (IssuedSecrets, InvitationState) {
    secrets_in(env, env.account, id)
}

/// An invitation's secrets and state in `account`.
fn secrets_in(env: &Env, account: AccountId, id: Uuid) -> (IssuedSecrets, InvitationState) {
    let mut db = env.db();
    let stored =
        tessera_store::invitations::get_invitation(&mut db, account, id).expect("invitation");
    (
        stored.invitation.secrets(env.tessera().key()),
        stored.invitation.state,
    )
}

#[actix_web::test]
async fn the_link_opens_exactly_the_shared_workflows() {
    for env in backends().await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["ana@example.com"]).await;
        let (secrets, before) = secrets(&env, ids[0]);
        let path = format!("/x/{}", secrets.token);

        let landing = env.raw("GET link", page_request(Method::GET, &path)).await;
        assert_eq!(landing.status.as_u16(), 200, "{}", landing.context);
        for (name, expected) in [
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ] {
            assert_eq!(
                landing.headers.get(&name),
                Some(&HeaderValue::from_static(expected)),
                "{}",
                landing.context
            );
        }
        assert!(
            landing
                .headers
                .get(header::CONTENT_SECURITY_POLICY)
                .is_some(),
            "{}",
            landing.context
        );
        assert!(
            landing.cookie(EXTERNAL_COOKIE).is_none(),
            "{}: GET opens no session",
            landing.context
        );
        assert_eq!(
            secrets_state(&env, ids[0]),
            before,
            "{}: GET changes nothing",
            landing.context
        );
        let csrf = cookie_of(&landing, CSRF_COOKIE);

        // Without the CSRF token: refused, nothing opened.
        let forged = env
            .raw(
                "POST link without csrf",
                page_request(Method::POST, &path).set_form([("csrf", "x")]),
            )
            .await;
        assert_eq!(forged.status.as_u16(), 403, "{}", forged.context);

        let opened = env
            .raw(
                "POST link",
                page_request(Method::POST, &path)
                    .cookie(Cookie::new(CSRF_COOKIE, csrf.clone()))
                    .set_form([("csrf", csrf.as_str())]),
            )
            .await;
        assert_eq!(
            opened.status.as_u16(),
            303,
            "{}: {}",
            opened.context,
            body_text(&opened)
        );
        let session = cookie_of(&opened, EXTERNAL_COOKIE);
        assert_eq!(
            secrets_state(&env, ids[0]),
            InvitationState::Verified,
            "{}",
            opened.context
        );

        let list = env
            .raw(
                "GET workflows",
                page_request(Method::GET, "/x/workflows")
                    .cookie(Cookie::new(EXTERNAL_COOKIE, session.clone())),
            )
            .await;
        assert_eq!(list.status.as_u16(), 200, "{}", list.context);
        let html = body_text(&list);
        assert!(
            html.contains("Onboarding") && html.contains("Sales"),
            "{}: {html}",
            list.context
        );
        assert!(
            !html.contains("Not shared"),
            "{}: only what was shared",
            list.context
        );

        // Revoking ends the session at once.
        env.post(
            &format!("/v1/invitations/{}/revoke", ids[0]),
            &admin.cred,
            json!({}),
        )
        .await
        .expect(200);
        let after = env
            .raw(
                "GET workflows after revoke",
                page_request(Method::GET, "/x/workflows")
                    .cookie(Cookie::new(EXTERNAL_COOKIE, session)),
            )
            .await;
        assert_eq!(after.status.as_u16(), 303, "{}", after.context);

        // Each transition left an event naming the invitation; the recipient's carry the
        // client address, the revoke its actor.
        let mut db = env.db();
        let events = tessera_store::audit::list(&mut db, env.account, None, 100).expect("audit");
        let target = ids[0].to_string();
        let mut ours: Vec<(&str, bool, bool)> = events
            .iter()
            .filter(|e| e.target.as_deref() == Some(target.as_str()))
            .map(|e| {
                (
                    e.action.as_str(),
                    e.actor.is_some(),
                    e.client_addr.is_some(),
                )
            })
            .collect();
        ours.sort_unstable();
        assert_eq!(
            ours,
            [
                ("invitation.opened", false, true),
                ("invitation.revoke", true, true),
                ("invitation.verified", false, true),
            ],
            "[{}]",
            env.name
        );
    }
}

fn secrets_state(env: &Env, id: Uuid) -> InvitationState {
    secrets(env, id).1
}

async fn post_code(env: &Env, email: &str, code: &str) -> Reply {
    let form = env
        .raw("GET verify", page_request(Method::GET, "/x/verify"))
        .await;
    let csrf = cookie_of(&form, CSRF_COOKIE);
    env.raw(
        &format!("POST verify {email}"),
        page_request(Method::POST, "/x/verify")
            .cookie(Cookie::new(CSRF_COOKIE, csrf.clone()))
            .set_form([("email", email), ("code", code), ("csrf", csrf.as_str())]),
    )
    .await
}

#[actix_web::test]
async fn codes_open_once_right_and_five_wrong_void_them() {
    for env in backends().await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["bob@example.com", "cy@example.com"]).await;
        let (bob, _) = secrets(&env, ids[0]);
        let (cy, _) = secrets(&env, ids[1]);

        let unknown = post_code(&env, "nobody@example.com", &bob.code.to_string()).await;
        let wrong = post_code(&env, "bob@example.com", &cy.code.to_string()).await;
        assert_eq!(unknown.status, wrong.status, "[{}] same status", env.name);
        assert_eq!(
            without_csrf(&unknown),
            without_csrf(&wrong),
            "[{}] same page for unknown e-mail and wrong code",
            env.name
        );

        // Four more wrong codes void Bob's code: then even the right one is refused.
        for _ in 0..4 {
            assert_eq!(
                post_code(&env, "bob@example.com", "AAAAAAAA")
                    .await
                    .status
                    .as_u16(),
                403
            );
        }
        let voided = post_code(&env, "BOB@example.com", &bob.code.to_string()).await;
        assert_eq!(
            voided.status.as_u16(),
            403,
            "[{}] the sixth code is refused even if right",
            env.name
        );

        // Cy's code works, typed loosely.
        let loose = cy.code.to_string().to_lowercase();
        let opened = post_code(
            &env,
            " Cy@Example.com ",
            &format!("{}-{}", &loose[..4], &loose[4..]),
        )
        .await;
        assert_eq!(
            opened.status.as_u16(),
            303,
            "[{}] {}",
            env.name,
            body_text(&opened)
        );

        // A resend issues a new code that works for Bob.
        env.post(
            &format!("/v1/invitations/{}/resend", ids[0]),
            &admin.cred,
            json!({}),
        )
        .await
        .expect(200);
        let (fresh, _) = secrets(&env, ids[0]);
        assert_ne!(fresh.code, bob.code, "[{}]", env.name);
        assert_eq!(
            post_code(&env, "bob@example.com", &bob.code.to_string())
                .await
                .status
                .as_u16(),
            403,
            "[{}] old code void",
            env.name
        );
        assert_eq!(
            post_code(&env, "bob@example.com", &fresh.code.to_string())
                .await
                .status
                .as_u16(),
            303,
            "[{}]",
            env.name
        );
    }
}

/// After 20 failed verifications from one address within the hour, that address is refused
/// even with a right code — with the same page as any refusal.
#[actix_web::test]
async fn failures_are_limited_per_address() {
    for env in backends().await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["dan@example.com"]).await;
        let (dan, _) = secrets(&env, ids[0]);
        let mut last = None;
        for i in 0..tessera_invitations::MAX_FAILURES_PER_ADDRESS {
            let reply = post_code(&env, &format!("stranger{i}@example.com"), "AAAAAAAA").await;
            assert_eq!(reply.status.as_u16(), 403, "{}", reply.context);
            last = Some(without_csrf(&reply));
        }
        let limited = post_code(&env, "dan@example.com", &dan.code.to_string()).await;
        assert_eq!(
            limited.status.as_u16(),
            403,
            "[{}] limited even with the right code",
            env.name
        );
        assert_eq!(
            Some(without_csrf(&limited)),
            last,
            "[{}] the same page",
            env.name
        );
        assert_eq!(
            secrets_state(&env, ids[0]),
            InvitationState::Pending,
            "[{}] nothing tried",
            env.name
        );
    }
}

async fn post_verify(env: &Env, csrf: &str, email: &str, code: String) -> Reply {
    env.raw(
        &format!("POST verify {email} (concurrent)"),
        page_request(Method::POST, "/x/verify")
            .cookie(Cookie::new(CSRF_COOKIE, csrf.to_owned()))
            .set_form([("email", email), ("code", code.as_str()), ("csrf", csrf)]),
    )
    .await
}

/// Fifty verifications of one right code at once: every one opens a session, none fails
/// with a server error, and the invitation ends verified with no failure counted; wrong
/// codes at once are all refused, their failures counted (the code ends voided).
#[actix_web::test]
async fn concurrent_verifications_leave_a_consistent_state() {
    for env in backends().await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["eve@example.com", "fay@example.com"]).await;
        let (eve, _) = secrets(&env, ids[0]);
        let (fay, _) = secrets(&env, ids[1]);
        let form = env
            .raw("GET verify", page_request(Method::GET, "/x/verify"))
            .await;
        let csrf = cookie_of(&form, CSRF_COOKIE);

        let right: Vec<crate::support::Pending<'_>> = (0..50)
            .map(|_| -> crate::support::Pending<'_> {
                Box::pin(post_verify(
                    &env,
                    &csrf,
                    "eve@example.com",
                    eve.code.to_string(),
                ))
            })
            .collect();
        let replies = crate::support::join_all(right).await;
        assert!(
            replies.iter().all(|r| r.status.as_u16() == 303),
            "[{}] every right code opens",
            env.name
        );
        let mut db = env.db();
        let stored =
            tessera_store::invitations::get_invitation(&mut db, env.account, ids[0]).expect("eve");
        assert_eq!(
            (stored.invitation.state, stored.invitation.code_failures),
            (InvitationState::Verified, 0),
            "[{}]",
            env.name
        );

        let wrong: Vec<crate::support::Pending<'_>> = (0..15)
            .map(|_| -> crate::support::Pending<'_> {
                Box::pin(post_verify(
                    &env,
                    &csrf,
                    "fay@example.com",
                    "AAAAAAAA".into(),
                ))
            })
            .collect();
        let replies = crate::support::join_all(wrong).await;
        assert!(
            replies.iter().all(|r| r.status.as_u16() == 403),
            "[{}] refused, never 5xx",
            env.name
        );
        let stored =
            tessera_store::invitations::get_invitation(&mut db, env.account, ids[1]).expect("fay");
        assert_eq!(
            stored.invitation.code_failures, 5,
            "[{}] every failure counted up to the limit, none lost: {}",
            env.name, stored.invitation.code_failures
        );
        let late = post_verify(&env, &csrf, "fay@example.com", fay.code.to_string()).await;
        assert_eq!(
            late.status.as_u16(),
            403,
            "[{}] the voided code stays refused",
            env.name
        );
    }
}

/// A code verification from `client`, with a fresh CSRF pair.
async fn post_code_from(env: &Env, client: [u8; 4], email: &str, code: &str) -> Reply {
    let csrf = "a-csrf-value-for-this-test";
    env.raw(
        &format!("POST verify {email} from {client:?}"),
        page_request(Method::POST, "/x/verify")
            .peer_addr((client, 40_000).into())
            .cookie(Cookie::new(CSRF_COOKIE, csrf))
            .set_form([("email", email), ("code", code), ("csrf", csrf)]),
    )
    .await
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// An unknown e-mail and a wrong code for a known one take the same time: every refusal is
/// answered at `REFUSAL_FLOOR` after arrival, well above the few database statements in
/// which the two differ. Medians of eight interleaved tries each.
#[actix_web::test]
async fn refusals_take_the_same_time() {
    for env in backends().await {
        let admin = env.admin().await;
        let recipients: Vec<String> = (0..8).map(|i| format!("timed{i}@example.com")).collect();
        let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
        share(&env, &admin.cred, &refs).await;
        let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
        for (i, recipient) in recipients.iter().enumerate() {
            let client = [10, 0, 0, 1];
            let started = Instant::now();
            let reply =
                post_code_from(&env, client, &format!("nobody{i}@example.com"), "AAAAAAAA").await;
            unknown.push(started.elapsed());
            assert_eq!(reply.status.as_u16(), 403, "{}", reply.context);
            let started = Instant::now();
            let reply = post_code_from(&env, client, recipient, "AAAAAAAA").await;
            wrong.push(started.elapsed());
            assert_eq!(reply.status.as_u16(), 403, "{}", reply.context);
        }
        assert!(
            unknown.iter().chain(&wrong).all(|t| *t >= REFUSAL_FLOOR),
            "[{}] every refusal waits for the floor: {unknown:?} {wrong:?}",
            env.name
        );
        let (unknown, wrong) = (median(unknown), median(wrong));
        assert!(
            unknown.abs_diff(wrong) <= REFUSAL_FLOOR / 5,
            "[{}] median unknown e-mail {unknown:?} vs wrong code {wrong:?}",
            env.name
        );
    }
}

/// 100 failed verifications within the hour against one account's invitations, from five
/// addresses (each under its own limit of 20), lock that account: a sixth address is refused
/// even with a right code. Another account's invitation still opens from that address.
#[actix_web::test]
async fn failures_are_limited_per_account() {
    for env in backends().await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["gus@example.com", "hal@example.com"]).await;
        let (hal, _) = secrets(&env, ids[1]);

        let (b_account, _, _) = env
            .second_account("admin@b.example", "b-admin-password-1")
            .await;
        let b = env.session("admin@b.example", "b-admin-password-1").await;
        let b_ids = share(&env, &b.cred, &["hal@example.com"]).await;
        let (b_hal, _) = secrets_in(&env, b_account, b_ids[0]);

        let attempts: Vec<crate::support::Pending<'_>> = (0..MAX_FAILURES_PER_ACCOUNT)
            .map(|i| -> crate::support::Pending<'_> {
                let client = [10, 0, 1, (i % 5) as u8];
                Box::pin(post_code_from(&env, client, "gus@example.com", "AAAAAAAA"))
            })
            .collect();
        let replies = crate::support::join_all(attempts).await;
        assert!(
            replies.iter().all(|r| r.status.as_u16() == 403),
            "[{}] all refused",
            env.name
        );

        let fresh = [10, 0, 2, 1];
        let limited = post_code_from(&env, fresh, "hal@example.com", &hal.code.to_string()).await;
        assert_eq!(
            limited.status.as_u16(),
            403,
            "[{}] the account is locked even for a right code from a new address",
            env.name
        );
        assert_eq!(secrets_state(&env, ids[1]), InvitationState::Pending);
        // Hal is also invited by account B, which is not locked: B's code opens B's share.
        let opened = post_code_from(&env, fresh, "hal@example.com", &b_hal.code.to_string()).await;
        assert_eq!(
            opened.status.as_u16(),
            303,
            "[{}] another account's code still opens",
            env.name
        );
        assert_eq!(
            secrets_in(&env, b_account, b_ids[0]).1,
            InvitationState::Verified
        );
        assert_eq!(secrets_state(&env, ids[1]), InvitationState::Pending);
    }
}

/// Follows an invitation's link and presses its button; returns the button's answer.
async fn open_with_link(env: &Env, secrets: &IssuedSecrets) -> Reply {
    let path = format!("/x/{}", secrets.token);
    let landing = env.raw("GET link", page_request(Method::GET, &path)).await;
    let csrf = cookie_of(&landing, CSRF_COOKIE);
    env.raw(
        "POST link",
        page_request(Method::POST, &path)
            .cookie(Cookie::new(CSRF_COOKIE, csrf.clone()))
            .set_form([("csrf", csrf.as_str())]),
    )
    .await
}

/// The same person invited by two accounts: each account's link opens a session on that
/// account's workflows only; revoking in one account leaves the other's session open; an
/// account cannot see, resend or revoke the other's invitations.
#[actix_web::test]
async fn external_sessions_stay_in_their_account() {
    for env in backends().await {
        let admin = env.admin().await;
        let a_ids = share(&env, &admin.cred, &["ida@example.com"]).await;
        let (a_secrets, _) = secrets(&env, a_ids[0]);

        let (b_account, _, _) = env
            .second_account("admin@c.example", "c-admin-password-1")
            .await;
        let b = env.session("admin@c.example", "c-admin-password-1").await;
        env.put(
            "/v1/items/b-flow",
            &b.cred,
            json!({ "kind": "workflow", "title": "B's own flow", "business_domain": "B things" }),
        )
        .await
        .expect(200);
        let b_flow = env.get("/v1/items", &b.cred).await.expect(200).clone();
        let b_flow = b_flow
            .as_array()
            .expect("items")
            .iter()
            .find(|item| item["external_id"] == "b-flow")
            .expect("b-flow")["id"]
            .clone();
        let created = env
            .post(
                "/v1/shares",
                &b.cred,
                json!({ "items": [b_flow], "recipients": ["ida@example.com"] }),
            )
            .await
            .expect(201)
            .clone();
        let b_id =
            Uuid::parse_str(created["invitations"][0]["id"].as_str().expect("id")).expect("uuid");
        let (b_secrets, _) = secrets_in(&env, b_account, b_id);

        let a_session = cookie_of(&open_with_link(&env, &a_secrets).await, EXTERNAL_COOKIE);
        let b_session = cookie_of(&open_with_link(&env, &b_secrets).await, EXTERNAL_COOKIE);
        let shown = |session: String| {
            let env = &env;
            async move {
                body_text(
                    &env.raw(
                        "GET workflows",
                        page_request(Method::GET, "/x/workflows")
                            .cookie(Cookie::new(EXTERNAL_COOKIE, session)),
                    )
                    .await,
                )
            }
        };
        let a_page = shown(a_session.clone()).await;
        assert!(a_page.contains("Onboarding"), "[{}] {a_page}", env.name);
        assert!(!a_page.contains("B&#x27;s own flow") && !a_page.contains("B's own flow"));
        let b_page = shown(b_session.clone()).await;
        assert!(b_page.contains("own flow"), "[{}] {b_page}", env.name);
        assert!(!b_page.contains("Onboarding"), "[{}] {b_page}", env.name);

        // B cannot touch A's invitation; A's listing shows none of B's.
        for action in ["resend", "revoke"] {
            env.post(
                &format!("/v1/invitations/{}/{action}", a_ids[0]),
                &b.cred,
                json!({}),
            )
            .await
            .problem(404, "not-found");
        }
        let listed = env
            .get("/v1/invitations", &admin.cred)
            .await
            .expect(200)
            .clone();
        assert!(
            !listed.to_string().contains(&b_id.to_string()),
            "[{}] {listed}",
            env.name
        );
        // B revokes its own: B's session ends, A's stays.
        env.post(
            &format!("/v1/invitations/{b_id}/revoke"),
            &b.cred,
            json!({}),
        )
        .await
        .expect(200);
        assert!(!shown(b_session).await.contains("own flow"));
        assert!(shown(a_session).await.contains("Onboarding"));
    }
}

/// Past its expiry (14 days by default) an invitation opens nothing: its link and its code
/// get the refusal page, a session opened before ends with it, and the list shows it
/// `expired`.
#[actix_web::test]
async fn expired_invitations_open_nothing() {
    let clock = std::sync::Arc::new(tessera_core::ManualClock::new(chrono::Utc::now()));
    for env in crate::support::backends_with_clock(clock.clone()).await {
        let admin = env.admin().await;
        let ids = share(&env, &admin.cred, &["kim@example.com", "lee@example.com"]).await;
        let (kim, _) = secrets(&env, ids[0]);
        let (lee, _) = secrets(&env, ids[1]);
        let early = cookie_of(&open_with_link(&env, &kim).await, EXTERNAL_COOKIE);
        let shown = |session: String| {
            let env = &env;
            async move {
                env.raw(
                    "GET workflows",
                    page_request(Method::GET, "/x/workflows")
                        .cookie(Cookie::new(EXTERNAL_COOKIE, session)),
                )
                .await
            }
        };
        assert_eq!(shown(early.clone()).await.status.as_u16(), 200);

        clock.advance(chrono::TimeDelta::days(14) + chrono::TimeDelta::seconds(1));
        let late_link = open_with_link(&env, &lee).await;
        assert_eq!(late_link.status.as_u16(), 403, "{}", late_link.context);
        let late_code = post_code(&env, "lee@example.com", &lee.code.to_string()).await;
        assert_eq!(late_code.status.as_u16(), 403, "{}", late_code.context);
        assert_eq!(
            without_csrf(&late_link),
            without_csrf(&late_code),
            "[{}] the same refusal",
            env.name
        );
        let ended = shown(early).await;
        assert_eq!(
            ended.status.as_u16(),
            303,
            "[{}] the session ended",
            env.name
        );

        // The Admin's own session has expired too (7 days): sign in again to look.
        let again = env
            .session(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD)
            .await;
        let listed = env
            .get("/v1/invitations", &again.cred)
            .await
            .expect(200)
            .clone();
        let states: Vec<&str> = listed
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|i| i["state"].as_str())
            .collect();
        assert_eq!(states, ["expired", "expired"], "[{}] {listed}", env.name);
        clock.advance(-(chrono::TimeDelta::days(14) + chrono::TimeDelta::seconds(1)));
    }
}

/// The Content-Security-Policy every external page sends: no `'unsafe-inline'` anywhere.
const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page's `<html lang>`.
fn html_lang(reply: &Reply) -> String {
    let html = body_text(reply);
    let start = html
        .find("<html lang=\"")
        .map(|i| i + "<html lang=\"".len());
    start
        .and_then(|start| {
            html[start..]
                .find('"')
                .map(|end| html[start..start + end].to_owned())
        })
        .unwrap_or_else(|| panic!("{}: no <html lang>: {html}", reply.context))
}

/// A relative `href` resolved against the page at `page` (a path), as a browser does.
fn resolve(page: &str, href: &str) -> String {
    let mut segments: Vec<&str> = page.split('/').collect();
    segments.pop(); // the page's own name
    for part in href.split('/') {
        match part {
            ".." => {
                segments.pop();
            }
            "." => {}
            part => segments.push(part),
        }
    }
    segments.join("/")
}

/// A page GET with an `Accept-Language` header.
fn page_in(path: &str, accept_language: &str) -> TestRequest {
    page_request(Method::GET, path).insert_header((header::ACCEPT_LANGUAGE, accept_language))
}

/// The pages' stylesheet is a file served as `text/css` (nosniff, cacheable); every page
/// links it (relatively, so any mount prefix works) and sends a CSP without
/// `'unsafe-inline'` and with no inline style.
#[actix_web::test]
async fn the_pages_link_a_stylesheet_under_a_csp_without_unsafe_inline() {
    for env in backends().await {
        let token = "A".repeat(43);
        for (path, status, href) in [
            ("/x/verify".to_owned(), 200, "assets/site.css"),
            (format!("/x/{token}?lang=de"), 200, "assets/site.css"),
            (
                "/c/activate/not-a-token".to_owned(),
                410,
                "../../x/assets/site.css",
            ),
        ] {
            let page = env.raw("GET page", page_request(Method::GET, &path)).await;
            assert_eq!(page.status.as_u16(), status, "{}", page.context);
            let csp = page
                .headers
                .get(header::CONTENT_SECURITY_POLICY)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert_eq!(csp, CSP, "{}", page.context);
            assert!(!csp.contains("unsafe-inline"), "{}", page.context);
            let html = body_text(&page);
            assert!(
                html.contains(&format!("<link rel=\"stylesheet\" href=\"{href}\">")),
                "{}: {html}",
                page.context
            );
            assert!(
                !html.contains("<style") && !html.contains("style="),
                "{}: no inline style: {html}",
                page.context
            );
            // Relative: from this page, and from it under any mount prefix, the same file.
            let page_path = path.split('?').next().unwrap_or_default();
            assert_eq!(
                resolve(page_path, href),
                "/x/assets/site.css",
                "{}",
                page.context
            );
            assert_eq!(
                resolve(&format!("/tessera{page_path}"), href),
                "/tessera/x/assets/site.css",
                "{}",
                page.context
            );
        }

        let css = env
            .raw(
                "GET stylesheet",
                page_request(Method::GET, "/x/assets/site.css"),
            )
            .await;
        assert_eq!(css.status.as_u16(), 200, "{}", css.context);
        assert_eq!(
            css.content_type, "text/css; charset=utf-8",
            "{}",
            css.context
        );
        assert_eq!(
            css.headers.get(header::X_CONTENT_TYPE_OPTIONS),
            Some(&HeaderValue::from_static("nosniff")),
            "{}",
            css.context
        );
        let cache = css
            .headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(cache.contains("max-age="), "{}: {cache}", css.context);
        let sheet = body_text(&css);
        assert!(
            sheet.contains("outline") && sheet.contains(".error"),
            "{}: a visible focus style: {sheet}",
            css.context
        );
        let posted = env
            .raw(
                "POST stylesheet",
                page_request(Method::POST, "/x/assets/site.css"),
            )
            .await;
        assert_eq!(posted.status.as_u16(), 405, "{}", posted.context);
    }
}

/// A German invitation: its e-mail's link carries `?lang=de`, the landing page it opens is
/// German (looking nothing up), and so are the session's workflows page — whatever the
/// browser prefers — and a refusal after the German landing page.
#[actix_web::test]
async fn a_german_invitation_speaks_german_from_link_to_workflows() {
    for env in backends().await {
        let admin = env.admin().await;
        let flow = env
            .put(
                "/v1/items/wf-de",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Einarbeitung", "business_domain": "Vertrieb" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [flow], "recipients": ["jan@example.de"], "locale": "de" }),
        )
        .await
        .expect(201);
        while env.deliver().await.total() > 0 {}
        let mail = env.emails_to("jan@example.de").pop().expect("the e-mail");
        let text = mail.part("text/plain").expect("a text part");
        let site = "http://127.0.0.1:8080/x/";
        let start = text.find(site).expect("the link") + site.len();
        let link: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        // Those who cut the token out of the link (base64url characters) still get 43.
        let token: String = link
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert_eq!(token.len(), 43, "[{}] {link}", env.name);
        assert_eq!(link, format!("{token}?lang=de"), "[{}]", env.name);
        assert!(
            text.contains("http://127.0.0.1:8080/x/verify?lang=de"),
            "[{}] the code form's address: {text}",
            env.name
        );

        // The landing page, though the browser prefers French.
        let path = format!("/x/{link}");
        let landing = env
            .raw("GET German link", page_in(&path, "fr, en;q=0.5"))
            .await;
        assert_eq!(landing.status.as_u16(), 200, "{}", landing.context);
        assert_eq!(html_lang(&landing), "de", "{}", landing.context);
        let html = body_text(&landing);
        for expected in [
            "Jemand hat Workflows mit Ihnen geteilt.",
            "Geteilte Workflows öffnen",
            "name=\"lang\" value=\"de\"",
            "href=\"verify?lang=de\"",
            "<title>Geteilte Workflows · Tessera</title>",
        ] {
            assert!(
                html.contains(expected),
                "{}: {expected}: {html}",
                landing.context
            );
        }
        let csrf = cookie_of(&landing, CSRF_COOKIE);

        // A refusal after the German landing page stays German.
        let forged = env
            .raw(
                "POST German link without csrf",
                page_request(Method::POST, &path)
                    .insert_header((header::ACCEPT_LANGUAGE, "fr"))
                    .set_form([("csrf", "x"), ("lang", "de")]),
            )
            .await;
        assert_eq!(forged.status.as_u16(), 403, "{}", forged.context);
        assert_eq!(html_lang(&forged), "de", "{}", forged.context);
        let refusal = body_text(&forged);
        assert!(
            refusal.contains("<title>Nicht gültig · Tessera</title>")
                && refusal.contains("öffnet nichts"),
            "{}: {refusal}",
            forged.context
        );
        let unknown = format!("/x/{}", "B".repeat(43));
        let refused = env
            .raw(
                "POST unknown link from a German page",
                page_request(Method::POST, &unknown)
                    .cookie(Cookie::new(CSRF_COOKIE, csrf.clone()))
                    .set_form([("csrf", csrf.as_str()), ("lang", "de")]),
            )
            .await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.context);
        assert_eq!(html_lang(&refused), "de", "{}", refused.context);
        assert_eq!(
            without_csrf(&refused),
            without_csrf(&forged),
            "[{}]",
            env.name
        );

        // The button: the session's workflows page is German, whatever the browser says.
        let opened = env
            .raw(
                "POST German link",
                page_request(Method::POST, &path)
                    .cookie(Cookie::new(CSRF_COOKIE, csrf.clone()))
                    .set_form([("csrf", csrf.as_str()), ("lang", "de")]),
            )
            .await;
        assert_eq!(opened.status.as_u16(), 303, "{}", opened.context);
        let session = cookie_of(&opened, EXTERNAL_COOKIE);
        let list = env
            .raw(
                "GET German workflows",
                page_in("/x/workflows", "en-GB, en;q=0.9")
                    .cookie(Cookie::new(EXTERNAL_COOKIE, session)),
            )
            .await;
        assert_eq!(list.status.as_u16(), 200, "{}", list.context);
        assert_eq!(html_lang(&list), "de", "{}", list.context);
        let html = body_text(&list);
        for expected in [
            "Mit Ihnen geteilte Workflows",
            "Einarbeitung",
            "Vertrieb",
            "Der Zugriff ist schreibgeschützt und endet am 20",
            " UTC.",
        ] {
            assert!(
                html.contains(expected),
                "{}: {expected}: {html}",
                list.context
            );
        }
    }
}

/// Where no invitation is known, `Accept-Language` picks (q-values respected, the first
/// spoken of en, de, fr, ro), else English; an explicit `lang` the site speaks wins, an
/// unknown one falls back.
#[actix_web::test]
async fn without_an_invitation_the_browser_language_picks() {
    for env in backends().await {
        let token = "C".repeat(43);
        for (path, accept, lang, sentence) in [
            (
                "/x/verify",
                Some("fr-CH, fr;q=0.9, en;q=0.8"),
                "fr",
                "Adresse e-mail",
            ),
            ("/x/verify", Some("pt"), "en", "E-mail address"),
            ("/x/verify", Some("ro"), "ro", "Codul de verificare"),
            (
                "/x/verify",
                Some("pt-BR, de;q=0.3, ro;q=0.2"),
                "de",
                "Bestätigungscode",
            ),
            ("/x/verify", None, "en", "Verification code"),
            ("/x/verify?lang=de", Some("fr"), "de", "E-Mail-Adresse"),
            ("/x/verify?lang=xx", Some("ro"), "ro", "Adresa de e-mail"),
            ("/x/verify?lang=xx", None, "en", "E-mail address"),
            ("/x/verify?lang=%ZZ", None, "en", "E-mail address"),
            (
                &format!("/x/{token}?lang=xx"),
                None,
                "en",
                "Someone shared workflows",
            ),
            (
                &format!("/x/{token}?lang=fr"),
                None,
                "fr",
                "Quelqu’un a partagé",
            ),
            (
                &format!("/x/{token}"),
                Some("ro-RO"),
                "ro",
                "Cineva a partajat",
            ),
            (
                "/c/activate/not-a-token",
                Some("de"),
                "de",
                "Link nicht gültig",
            ),
            (
                "/c/activate/not-a-token",
                Some("fr;q=0.1, xx"),
                "fr",
                "Lien non valable",
            ),
            ("/c/activate/not-a-token", None, "en", "Link not valid"),
        ] {
            let mut request = page_request(Method::GET, path);
            if let Some(accept) = accept {
                request = request.insert_header((header::ACCEPT_LANGUAGE, accept));
            }
            let page = env.raw(&format!("GET {path} ({accept:?})"), request).await;
            assert!(page.status.as_u16() < 500, "{}", page.context);
            assert_eq!(html_lang(&page), lang, "{}", page.context);
            let html = body_text(&page);
            assert!(
                html.contains(sentence),
                "{}: {sentence}: {html}",
                page.context
            );
            assert_eq!(
                page.headers.get(header::VARY),
                Some(&HeaderValue::from_static("Accept-Language")),
                "{}",
                page.context
            );
        }

        // A code refusal in the browser's language, or the form's.
        for (accept, form_lang, lang, title) in [
            ("fr-CH, fr;q=0.9", "", "fr", "Non valable"),
            ("fr", "ro", "ro", "Nu este valabil"),
            ("pt", "", "en", "Not valid"),
        ] {
            let csrf = "a-csrf-value-for-this-test";
            let refused = env
                .raw(
                    &format!("POST verify ({accept}, lang={form_lang})"),
                    page_request(Method::POST, "/x/verify")
                        .insert_header((header::ACCEPT_LANGUAGE, accept))
                        .cookie(Cookie::new(CSRF_COOKIE, csrf))
                        .set_form([
                            ("email", "nobody@example.com"),
                            ("code", "AAAAAAAA"),
                            ("csrf", csrf),
                            ("lang", form_lang),
                        ]),
                )
                .await;
            assert_eq!(refused.status.as_u16(), 403, "{}", refused.context);
            assert_eq!(html_lang(&refused), lang, "{}", refused.context);
            let html = body_text(&refused);
            assert!(
                html.contains(&format!("<title>{title} · Tessera</title>")),
                "{}: {html}",
                refused.context
            );
        }
    }
}
