//! The external site: the link's GET changes nothing; its button (POST, with the CSRF token)
//! opens a read-only session on exactly the shared workflows; e-mail + code does the same;
//! five wrong codes void the code; every refusal is the same page; revoking ends access.

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::test::TestRequest;
use serde_json::json;
use tessera_core::Uuid;
use tessera_http::{CSRF_COOKIE, EXTERNAL_COOKIE};
use tessera_invitations::{InvitationState, IssuedSecrets};
use tessera_store::sharing;

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
    let state = env.state.clone().into_inner();
    let mut db = state.db().expect("db");
    let stored = sharing::get_invitation(&mut db, env.account, id).expect("invitation");
    (
        stored.invitation.secrets(&state.key),
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
        for i in 0..tessera_http::MAX_FAILURES_PER_ADDRESS {
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
        let state = env.state.clone().into_inner();
        let mut db = state.db().expect("db");
        let stored = sharing::get_invitation(&mut db, env.account, ids[0]).expect("eve");
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
        let stored = sharing::get_invitation(&mut db, env.account, ids[1]).expect("fay");
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
