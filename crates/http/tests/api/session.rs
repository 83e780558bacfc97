//! Signing in, and the forced change of the initial password.

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use serde_json::{Value, json};
use tessera_access::ADMIN_ROLE;
use tessera_http::SESSION_COOKIE;

use crate::support::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Cred, INITIAL_PASSWORD, Reply, backends, unknown_id,
};

/// A wrong password, an unknown e-mail and a malformed e-mail get the very same 401
/// `bad-credentials` problem (no user enumeration); the right password sets an HttpOnly,
/// SameSite=Lax `tessera_session` cookie that authenticates later calls, and the e-mail is
/// matched case-insensitively.
#[actix_web::test]
async fn sign_in_refuses_alike_and_sets_a_strict_cookie() {
    for env in backends().await {
        let wrong_password = env.sign_in(ADMIN_EMAIL, "not-the-password-1").await;
        wrong_password.problem(401, "bad-credentials");
        assert!(
            wrong_password.cookie(SESSION_COOKIE).is_none(),
            "[{}] no cookie on failure",
            env.name
        );
        let unknown_email = env.sign_in("nobody@example.com", INITIAL_PASSWORD).await;
        unknown_email.problem(401, "bad-credentials");
        assert_eq!(
            wrong_password.body, unknown_email.body,
            "[{}] wrong password and unknown e-mail must be indistinguishable",
            env.name
        );
        let malformed_email = env.sign_in("not an e-mail", INITIAL_PASSWORD).await;
        assert_eq!(
            malformed_email.body, wrong_password.body,
            "[{}] malformed e-mail",
            env.name
        );

        // Not signed in, or with a cookie that is no session: 401.
        env.get("/v1/features", &Cred::Anonymous)
            .await
            .problem(401, "unauthenticated");
        env.get("/v1/features", &Cred::Session(unknown_id()))
            .await
            .problem(401, "unauthenticated");

        let reply = env.sign_in("  Admin@Example.COM ", INITIAL_PASSWORD).await;
        let body = reply.expect(200);
        assert_eq!(
            body["account_id"],
            env.account.to_string(),
            "[{}]",
            env.name
        );
        assert_eq!(body["must_change_password"], true, "[{}]", env.name);
        assert!(body["user_id"].is_string(), "[{}] {body}", env.name);
        assert!(body["expires_at"].is_string(), "[{}] {body}", env.name);
        assert!(
            !body.to_string().contains("password_hash"),
            "[{}] {body}",
            env.name
        );
        let cookie = reply
            .cookie(SESSION_COOKIE)
            .unwrap_or_else(|| panic!("[{}] no session cookie", env.name));
        assert_eq!(cookie.http_only(), Some(true), "[{}] HttpOnly", env.name);
        assert_eq!(
            cookie.same_site(),
            Some(SameSite::Lax),
            "[{}] SameSite",
            env.name
        );
        assert_eq!(cookie.path(), Some("/"), "[{}] Path", env.name);
        assert_ne!(
            cookie.secure(),
            Some(true),
            "[{}] not Secure over http",
            env.name
        );
        assert!(cookie.value().len() >= 32, "[{}] a long secret", env.name);

        // The cookie authenticates: the call gets past authentication (to the forced change).
        env.get("/v1/features", &Cred::Session(cookie.value().to_owned()))
            .await
            .problem(403, "password-change-required");
    }
}

/// Right after bootstrap the Admin can do nothing but change the password: every endpoint
/// answers 403 `password-change-required`. The change checks the current password (400 on
/// `current_password`) and the new one (400 on `new_password`); after it, calls work on
/// this session, other sessions have ended, the new password signs in and the old one not.
#[actix_web::test]
async fn initial_password_must_be_changed_before_anything_else() {
    for env in backends().await {
        let admin = env.session(ADMIN_EMAIL, INITIAL_PASSWORD).await;
        let other_session = env.session(ADMIN_EMAIL, INITIAL_PASSWORD).await;
        let me = admin.id.clone();
        let admin_role = ADMIN_ROLE.to_string();
        let blocked: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", "/v1/users".into(), None),
            ("GET", "/v1/roles".into(), None),
            ("GET", format!("/v1/roles/{admin_role}"), None),
            ("GET", "/v1/features".into(), None),
            (
                "POST",
                "/v1/check".into(),
                Some(json!({ "user": me, "feature": "insights", "level": "read" })),
            ),
            (
                "POST",
                "/v1/checks".into(),
                Some(json!({ "checks": [{ "user": me, "feature": "insights", "level": "read" }] })),
            ),
            (
                "POST",
                "/v1/explain".into(),
                Some(json!({ "user": me, "feature": "insights" })),
            ),
            (
                "GET",
                "/v1/who-can?feature=insights&level=read".into(),
                None,
            ),
            ("GET", format!("/v1/what-can?user={me}&level=read"), None),
            (
                "POST",
                "/v1/users".into(),
                Some(json!({ "email": "new@example.com", "role_id": admin_role })),
            ),
            (
                "PUT",
                format!("/v1/users/{me}/role"),
                Some(json!({ "role_id": admin_role })),
            ),
            ("DELETE", format!("/v1/users/{}", unknown_id()), None),
            (
                "POST",
                "/v1/roles".into(),
                Some(json!({ "name": "Custom" })),
            ),
            (
                "PUT",
                format!("/v1/roles/{}", unknown_id()),
                Some(json!({ "name": "Custom" })),
            ),
            ("DELETE", format!("/v1/roles/{}", unknown_id()), None),
            (
                "POST",
                "/v1/features/apps".into(),
                Some(json!({ "name": "crm" })),
            ),
            ("POST", "/v1/tokens".into(), Some(json!({ "name": "ci" }))),
            ("DELETE", format!("/v1/tokens/{}", unknown_id()), None),
        ];
        for (method, path, body) in &blocked {
            let method = method.parse().expect("method");
            env.send(method, path, &admin.cred, body.clone())
                .await
                .problem(403, "password-change-required");
        }

        let change =
            |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
        env.post(
            "/v1/session/password",
            &admin.cred,
            change("wrong-current-password", ADMIN_PASSWORD),
        )
        .await
        .problem_at(400, "invalid-input", "current_password");
        env.post(
            "/v1/session/password",
            &admin.cred,
            change(INITIAL_PASSWORD, "short"),
        )
        .await
        .problem_at(400, "invalid-input", "new_password");
        env.post(
            "/v1/session/password",
            &admin.cred,
            change(INITIAL_PASSWORD, INITIAL_PASSWORD),
        )
        .await
        .problem_at(400, "invalid-input", "new_password");
        env.post(
            "/v1/session/password",
            &admin.cred,
            json!({ "current_password": INITIAL_PASSWORD, "new_password": ADMIN_PASSWORD, "extra": 1 }),
        )
        .await
        .problem_at(400, "invalid-input", "extra");
        // Still blocked: nothing above changed the password.
        env.get("/v1/users", &admin.cred)
            .await
            .problem(403, "password-change-required");

        env.change_password(&admin.cred, INITIAL_PASSWORD, ADMIN_PASSWORD)
            .await;
        for (method, path, body) in blocked.iter().filter(|(m, _, _)| *m == "GET") {
            let method = method.parse().expect("method");
            env.send(method, path, &admin.cred, body.clone())
                .await
                .expect(200);
        }
        let check = env
            .post(
                "/v1/check",
                &admin.cred,
                json!({ "user": me, "feature": "user_management", "level": "write" }),
            )
            .await;
        assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);
        let users = env.get("/v1/users", &admin.cred).await;
        assert_eq!(
            users.expect(200)[0]["must_change_password"],
            false,
            "[{}] flag lifted",
            env.name
        );

        // The change ended the Admin's other session, not this one.
        env.get("/v1/features", &other_session.cred)
            .await
            .problem(401, "unauthenticated");

        env.sign_in(ADMIN_EMAIL, INITIAL_PASSWORD)
            .await
            .problem(401, "bad-credentials");
        let again = env.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(
            again.expect(200)["must_change_password"],
            false,
            "[{}]",
            env.name
        );
    }
}

/// A sign-in from `client` (the tests' default is 127.0.0.1).
async fn sign_in_from(
    env: &crate::support::Env,
    client: [u8; 4],
    email: &str,
    password: &str,
) -> Reply {
    env.raw(
        &format!("sign in {email} from {client:?}"),
        crate::support::request(Method::POST, "/v1/session", &Cred::Anonymous)
            .peer_addr((client, 40_000).into())
            .set_json(json!({ "email": email, "password": password })),
    )
    .await
}

/// Ten failed sign-ins for an e-mail within 15 minutes lock it: the eleventh is 429 even with
/// the right password, and an e-mail no user has locks the same way (nothing to learn from
/// it). Fifty failures from one address lock that address for any e-mail. Other addresses
/// and e-mails are unaffected.
#[actix_web::test]
async fn failed_sign_ins_are_limited_per_email_and_per_address() {
    for env in backends().await {
        let guesser = [10, 1, 0, 1];
        for email in [ADMIN_EMAIL, "nobody@example.com"] {
            for _ in 0..tessera_service::session::MAX_SIGN_IN_FAILURES_PER_EMAIL {
                sign_in_from(&env, guesser, email, "wrong-password-123")
                    .await
                    .problem(401, "bad-credentials");
            }
            let locked = sign_in_from(&env, [10, 1, 0, 2], email, INITIAL_PASSWORD).await;
            locked.problem(429, "too-many-attempts");
            assert_eq!(
                locked
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()),
                Some("900"),
                "{}",
                locked.context
            );
        }
        // Another e-mail from the guesser's address still gets its answer.
        sign_in_from(&env, guesser, "someone@example.com", "wrong-password-123")
            .await
            .problem(401, "bad-credentials");

        // Fifty failures from one address, over many e-mails, lock that address.
        let spray = [10, 1, 0, 3];
        for i in 0..tessera_service::session::MAX_SIGN_IN_FAILURES_PER_ADDRESS {
            sign_in_from(
                &env,
                spray,
                &format!("user{i}@example.com"),
                "wrong-password-123",
            )
            .await
            .problem(401, "bad-credentials");
        }
        sign_in_from(&env, spray, "fresh@example.com", "wrong-password-123")
            .await
            .problem(429, "too-many-attempts");
    }
}

/// Fifty wrong passwords for one e-mail at once, from fifty addresses: every attempt is
/// counted (none lost to a race between counting and recording), the first ten are tried and
/// refused, and from the limit on the answer is 429 without trying the password.
#[actix_web::test]
async fn concurrent_wrong_passwords_are_all_counted_and_limited() {
    use tessera_service::session::MAX_SIGN_IN_FAILURES_PER_EMAIL;
    for env in backends().await {
        let attempts: Vec<crate::support::Pending<'_>> = (0..50u8)
            .map(|i| {
                Box::pin(sign_in_from(
                    &env,
                    [10, 2, 0, i],
                    ADMIN_EMAIL,
                    "wrong-password-123",
                )) as crate::support::Pending<'_>
            })
            .collect();
        let replies = crate::support::join_all(attempts).await;
        let refused = replies.iter().filter(|r| r.status.as_u16() == 401).count();
        let limited = replies.iter().filter(|r| r.status.as_u16() == 429).count();
        assert_eq!(
            (refused, limited),
            (
                MAX_SIGN_IN_FAILURES_PER_EMAIL as usize,
                50 - MAX_SIGN_IN_FAILURES_PER_EMAIL as usize
            ),
            "[{}] ten tried, the rest limited",
            env.name
        );
        let since = chrono::Utc::now() - chrono::Duration::hours(1);
        let (for_email, _) = tessera_store::attempts::sign_in_failures(
            &mut env.db(),
            ADMIN_EMAIL,
            since,
            "10.2.0.0",
            since,
        )
        .expect("counts");
        assert_eq!(for_email, 50, "[{}] all fifty recorded", env.name);
    }
}
