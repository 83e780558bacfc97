//! What a console reads: one user, one's own tokens (never their secrets), the audit trail
//! (admins, filtered, a page at a time), explanations naming people as people know them; and
//! the small courtesies: the external site's redirects carry its security headers, `/docs`
//! leads to `/docs/`.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{Cred, backends, request};

#[actix_web::test]
async fn users_are_read_one_by_one_and_carry_display_names() {
    for env in backends().await {
        let admin = env.admin().await;
        let curator_role = env.role_id(&admin.cred, "Content Curator").await;
        let added = env
            .post(
                "/v1/users",
                &admin.cred,
                json!({ "email": "ana@example.com", "role_id": curator_role,
                        "initial_password": crate::support::USER_INITIAL_PASSWORD,
                        "display_name": "Ana Lima" }),
            )
            .await;
        assert_eq!(
            added.expect(201)["user"]["display_name"],
            "Ana Lima",
            "[{}]",
            env.name
        );
        let ana = env
            .session("ana@example.com", crate::support::USER_INITIAL_PASSWORD)
            .await;
        env.change_password(
            &ana.cred,
            crate::support::USER_INITIAL_PASSWORD,
            "anas-own-password-1",
        )
        .await;

        // Oneself always; others with `user_management: read`.
        let me = env.get(&format!("/v1/users/{}", ana.id), &ana.cred).await;
        assert_eq!(me.expect(200)["email"], "ana@example.com", "[{}]", env.name);
        env.get(&format!("/v1/users/{}", admin.id), &ana.cred)
            .await
            .problem(403, "forbidden");
        env.get(&format!("/v1/users/{}", ana.id), &admin.cred)
            .await
            .expect(200);
        env.get(
            &format!("/v1/users/{}", crate::support::unknown_id()),
            &admin.cred,
        )
        .await
        .problem(404, "not-found");

        // A display name: one's own, or anyone's with `user_management: write`.
        let renamed = env
            .send(
                Method::PATCH,
                &format!("/v1/users/{}", ana.id),
                &ana.cred,
                Some(json!({ "display_name": "Ana M. Lima" })),
            )
            .await;
        assert_eq!(
            renamed.expect(200)["display_name"],
            "Ana M. Lima",
            "[{}]",
            env.name
        );
        env.send(
            Method::PATCH,
            &format!("/v1/users/{}", admin.id),
            &ana.cred,
            Some(json!({ "display_name": "Boss" })),
        )
        .await
        .problem(403, "forbidden");
        env.send(
            Method::PATCH,
            &format!("/v1/users/{}", ana.id),
            &admin.cred,
            Some(json!({ "display_name": "Ana\u{200B}" })),
        )
        .await
        .problem_at(400, "invalid-input", "display_name");

        // Explanations name the user: by display name, else by e-mail.
        let why = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": ana.id, "feature": "workspace" }),
            )
            .await;
        let why = why.expect(200).clone();
        assert_eq!(why["user_name"], "Ana M. Lima", "[{}]", env.name);
        assert!(
            why["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with("`Ana M. Lima` on `workspace`")),
            "[{}] {why}",
            env.name
        );
        let mine = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": admin.id, "feature": "workspace" }),
            )
            .await;
        assert_eq!(
            mine.expect(200)["user_name"],
            crate::support::ADMIN_EMAIL,
            "[{}] no display name: the e-mail",
            env.name
        );
    }
}

#[actix_web::test]
async fn one_lists_ones_own_tokens_without_their_secrets() {
    for env in backends().await {
        let admin = env.admin().await;
        let created = env
            .post("/v1/tokens", &admin.cred, json!({ "name": "ci" }))
            .await;
        let secret = created.expect(201)["token"]
            .as_str()
            .expect("token")
            .to_owned();
        let listed = env.get("/v1/tokens", &admin.cred).await;
        let tokens = listed.expect(200).as_array().expect("tokens").clone();
        assert_eq!(tokens.len(), 1, "[{}]", env.name);
        assert_eq!(tokens[0]["name"], "ci");
        assert!(
            !listed.body.to_string().contains(&secret),
            "[{}] no secret",
            env.name
        );
        assert!(tokens[0].get("token").is_none());
        // Another user sees only theirs.
        let role = env.role_id(&admin.cred, "Translator").await;
        let other = env.add_user(&admin.cred, "tr@example.com", &role).await;
        let theirs = env.get("/v1/tokens", &other.cred).await;
        assert_eq!(
            theirs.expect(200).as_array().map(Vec::len),
            Some(0),
            "[{}]",
            env.name
        );
        let _ = Cred::Token(secret);
    }
}

#[actix_web::test]
async fn admins_read_the_audit_trail_filtered_and_a_page_at_a_time() {
    for env in backends().await {
        let admin = env.admin().await;
        for name in ["One", "Two", "Three"] {
            env.post("/v1/roles", &admin.cred, json!({ "name": name }))
                .await
                .expect(201);
        }
        let created = env.get("/v1/audit?action=role.create", &admin.cred).await;
        let events = created.expect(200)["events"]
            .as_array()
            .expect("events")
            .clone();
        assert_eq!(events.len(), 3, "[{}]", env.name);
        assert!(
            events
                .iter()
                .all(|e| e["action"] == "role.create" && e["actor"] == admin.id.as_str())
        );

        // Pages of two, newest first, joined by the cursor: nothing lost, nothing twice.
        let first = env
            .get("/v1/audit?action=role.create&limit=2", &admin.cred)
            .await;
        let first = first.expect(200).clone();
        let cursor = first["next"].as_str().expect("a next page").to_owned();
        let second = env
            .get(
                &format!("/v1/audit?action=role.create&limit=2&cursor={cursor}"),
                &admin.cred,
            )
            .await;
        let second = second.expect(200).clone();
        assert!(second.get("next").is_none(), "[{}] the last page", env.name);
        let ids: Vec<&serde_json::Value> = first["events"]
            .as_array()
            .into_iter()
            .chain(second["events"].as_array())
            .flatten()
            .map(|e| &e["id"])
            .collect();
        let all: Vec<&serde_json::Value> = events.iter().map(|e| &e["id"]).collect();
        assert_eq!(ids, all, "[{}]", env.name);

        // Filters by actor and target, and a time window.
        let by_actor = env
            .get(
                &format!("/v1/audit?actor={}&limit=500", admin.id),
                &admin.cred,
            )
            .await;
        assert!(
            by_actor.expect(200)["events"]
                .as_array()
                .is_some_and(|e| e.len() >= 4)
        );
        let target = events[0]["target"].as_str().expect("target");
        let by_target = env
            .get(&format!("/v1/audit?target={target}"), &admin.cred)
            .await;
        assert_eq!(
            by_target.expect(200)["events"].as_array().map(Vec::len),
            Some(1)
        );
        let future = env
            .get("/v1/audit?since=2999-01-01T00:00:00Z", &admin.cred)
            .await;
        assert_eq!(
            future.expect(200)["events"].as_array().map(Vec::len),
            Some(0)
        );

        // Bad input names its field; the trail is for `user_management: read`.
        env.get("/v1/audit?cursor=garbage", &admin.cred)
            .await
            .problem_at(400, "invalid-input", "cursor");
        env.get("/v1/audit?action=role.fly", &admin.cred)
            .await
            .problem_at(400, "invalid-input", "action");
        env.get("/v1/audit?limit=501", &admin.cred)
            .await
            .problem_at(400, "invalid-input", "limit");
        let role = env.role_id(&admin.cred, "Translator").await;
        let translator = env.add_user(&admin.cred, "t@example.com", &role).await;
        env.get("/v1/audit", &translator.cred)
            .await
            .problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn redirects_carry_the_security_headers_and_docs_leads_to_docs_slash() {
    for env in backends().await {
        let anonymous = Cred::Anonymous;
        let to_verify = env
            .raw(
                "GET workflows",
                request(Method::GET, "/x/workflows", &anonymous),
            )
            .await;
        assert_eq!(to_verify.status.as_u16(), 303, "{}", to_verify.context);
        for header in [
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
            "cache-control",
        ] {
            assert!(
                to_verify.headers.contains_key(header),
                "{}: {header} on the redirect",
                to_verify.context
            );
        }
        assert_eq!(
            to_verify
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("verify")
        );
        let docs = env
            .raw("GET /docs", request(Method::GET, "/docs", &anonymous))
            .await;
        assert_eq!(docs.status.as_u16(), 308, "{}", docs.context);
        assert_eq!(
            docs.headers.get("location").and_then(|v| v.to_str().ok()),
            Some("docs/")
        );
    }
}
