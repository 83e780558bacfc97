//! Permission questions: check, batch, explain, who can, what can, and read-your-writes with
//! `at_least_version`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera_service::VERSION_WAIT;

use crate::support::{backends, unknown_id};

fn item(user: &str, feature: &str, level: &str) -> Value {
    json!({ "user": user, "feature": feature, "level": level })
}

/// `/v1/check` answers `allowed` and the effective `level`, following inheritance and the
/// nearest explicit setting; `/v1/checks` answers in the order asked and refuses the whole
/// batch on a bad item (naming `checks[i].feature`) or over 10,000 items (naming `checks`);
/// unknown features, users and levels are refused.
#[actix_web::test]
async fn check_and_batch_answer_levels_in_order() {
    for env in backends().await {
        let admin = env.admin().await;
        let release_role = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({
                    "name": "Release manager",
                    "settings": { "publish_rights": "write", "publish_rights/env:production": "none" },
                }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let rel = env
            .create_user(&admin.cred, "rel@example.com", &release_role)
            .await;
        let tr = env
            .create_user(&admin.cred, "tr@example.com", &translator_role)
            .await;

        let cases = [
            (&rel, "publish_rights/env:test", "write", true, "write"),
            (&rel, "publish_rights/env:production", "read", false, "none"),
            (&rel, "publish_rights", "modify", true, "write"),
            (&rel, "workspace", "read", false, "none"),
            (&tr, "edit_languages", "modify", true, "write"),
            (&tr, "workspace", "modify", false, "read"),
            (&tr, "insights", "read", false, "none"),
            (&admin.id, "customize", "write", true, "write"),
        ];
        for (user, feature, level, allowed, effective) in cases {
            let reply = env
                .post("/v1/check", &admin.cred, item(user, feature, level))
                .await;
            let body = reply.expect(200);
            assert_eq!(
                (&body["allowed"], &body["level"]),
                (&json!(allowed), &json!(effective)),
                "[{}] {feature} {level}: {body}",
                env.name
            );
            assert!(body["policy_version"].is_u64(), "[{}] {body}", env.name);
        }
        env.post("/v1/check", &admin.cred, item(&rel, "no_such", "read"))
            .await
            .problem_at(400, "unknown-feature", "feature");
        // A malformed path is told apart from a well-formed one that does not exist.
        env.post("/v1/check", &admin.cred, item(&rel, "a//b", "read"))
            .await
            .problem_at(400, "invalid-feature-path", "feature");
        env.post(
            "/v1/check",
            &admin.cred,
            item(&unknown_id(), "insights", "read"),
        )
        .await
        .problem(404, "not-found");
        env.post("/v1/check", &admin.cred, item(&rel, "insights", "admin"))
            .await
            .problem(400, "invalid-input");

        // Batch: answers in the order asked.
        let items: Vec<Value> = cases
            .iter()
            .map(|(user, feature, level, _, _)| item(user, feature, level))
            .collect();
        let expected: Vec<bool> = cases.iter().map(|c| c.3).collect();
        let reply = env
            .post("/v1/checks", &admin.cred, json!({ "checks": items }))
            .await;
        assert_eq!(
            reply.expect(200)["allowed"],
            json!(expected),
            "[{}]",
            env.name
        );
        let reversed: Vec<Value> = items.iter().rev().cloned().collect();
        let reply = env
            .post("/v1/checks", &admin.cred, json!({ "checks": reversed }))
            .await;
        let expected_reversed: Vec<bool> = expected.iter().rev().copied().collect();
        assert_eq!(
            reply.expect(200)["allowed"],
            json!(expected_reversed),
            "[{}]",
            env.name
        );
        let empty = env
            .post("/v1/checks", &admin.cred, json!({ "checks": [] }))
            .await;
        assert_eq!(empty.expect(200)["allowed"], json!([]), "[{}]", env.name);

        let mut bad = items.clone();
        bad[3] = item(&rel, "no_such_feature", "read");
        env.post("/v1/checks", &admin.cred, json!({ "checks": bad }))
            .await
            .problem_at(400, "invalid-input", "checks[3].feature");
        let mut stranger = items.clone();
        stranger[2] = item(&unknown_id(), "insights", "read");
        env.post("/v1/checks", &admin.cred, json!({ "checks": stranger }))
            .await
            .problem_at(404, "not-found", "checks[2].user");

        let full: Vec<Value> = (0..10_000)
            .map(|i| {
                item(
                    if i % 2 == 0 { &rel } else { &tr },
                    "edit_languages",
                    "read",
                )
            })
            .collect();
        let reply = env
            .post("/v1/checks", &admin.cred, json!({ "checks": full }))
            .await;
        let answers = reply.expect(200)["allowed"].as_array().expect("array");
        assert_eq!(answers.len(), 10_000, "[{}]", env.name);
        assert!(
            answers
                .iter()
                .enumerate()
                .all(|(i, a)| *a == json!(i % 2 == 1)),
            "[{}] order kept in a full batch",
            env.name
        );
        let over: Vec<Value> = (0..10_001)
            .map(|_| item(&rel, "insights", "read"))
            .collect();
        env.post("/v1/checks", &admin.cred, json!({ "checks": over }))
            .await
            .problem_at(400, "invalid-input", "checks");
    }
}

/// `/v1/explain` says where a level comes from (`set_on`, `inherited_through`, the role);
/// `/v1/who-can` lists exactly the users with at least a level; `/v1/what-can` lists the
/// features a user reaches, with their levels.
#[actix_web::test]
async fn explain_who_can_and_what_can() {
    for env in backends().await {
        let admin = env.admin().await;
        let release_role = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({
                    "name": "Release manager",
                    "settings": { "publish_rights": "write", "publish_rights/env:production": "none" },
                }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let rel = env
            .create_user(&admin.cred, "rel@example.com", &release_role)
            .await;
        let tr = env
            .create_user(&admin.cred, "tr@example.com", &translator_role)
            .await;

        let inherited = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": rel, "feature": "publish_rights/env:test" }),
            )
            .await;
        let body = inherited.expect(200);
        assert_eq!(body["user"], rel, "[{}]", env.name);
        assert_eq!(body["feature"], "publish_rights/env:test", "[{}]", env.name);
        assert_eq!(body["level"], "write", "[{}]", env.name);
        assert_eq!(body["set_on"], "publish_rights", "[{}]", env.name);
        assert_eq!(
            body["inherited_through"],
            json!(["publish_rights/env:test"]),
            "[{}]",
            env.name
        );
        assert_eq!(
            body["grant"],
            json!({ "kind": "account_role", "role": release_role, "role_name": "Release manager" }),
            "[{}]",
            env.name
        );
        assert!(
            body["summary"]
                .as_str()
                .is_some_and(|s| s.contains("Release manager")),
            "[{}] {body}",
            env.name
        );
        let direct = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": rel, "feature": "publish_rights/env:production" }),
            )
            .await;
        let body = direct.expect(200);
        assert_eq!(body["level"], "none", "[{}]", env.name);
        assert_eq!(
            body["set_on"], "publish_rights/env:production",
            "[{}]",
            env.name
        );
        assert_eq!(body["inherited_through"], json!([]), "[{}]", env.name);
        let unset = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": rel, "feature": "insights" }),
            )
            .await;
        assert_eq!(unset.expect(200)["set_on"], Value::Null, "[{}]", env.name);
        env.post(
            "/v1/explain",
            &admin.cred,
            json!({ "user": unknown_id(), "feature": "insights" }),
        )
        .await
        .problem(404, "not-found");

        let who =
            |feature: &str, level: &str| format!("/v1/who-can?feature={feature}&level={level}");
        let sorted = |mut ids: Vec<&str>| {
            ids.sort_unstable();
            json!(ids)
        };
        let reply = env
            .get(&who("publish_rights/env:test", "write"), &admin.cred)
            .await;
        assert_eq!(
            reply.expect(200)["users"],
            sorted(vec![admin.id.as_str(), rel.as_str()]),
            "[{}]",
            env.name
        );
        let reply = env
            .get(&who("publish_rights/env:production", "read"), &admin.cred)
            .await;
        assert_eq!(
            reply.expect(200)["users"],
            sorted(vec![admin.id.as_str()]),
            "[{}]",
            env.name
        );
        let reply = env.get(&who("workspace", "read"), &admin.cred).await;
        assert_eq!(
            reply.expect(200)["users"],
            sorted(vec![admin.id.as_str(), tr.as_str()]),
            "[{}]",
            env.name
        );
        env.get(&who("no_such", "read"), &admin.cred)
            .await
            .problem(400, "unknown-feature");
        env.get("/v1/who-can?feature=insights", &admin.cred)
            .await
            .problem(400, "invalid-input");
        env.get(
            "/v1/who-can?feature=insights&level=read&extra=1",
            &admin.cred,
        )
        .await
        .problem(400, "invalid-input");

        let reply = env
            .get(&format!("/v1/what-can?user={rel}&level=write"), &admin.cred)
            .await;
        assert_eq!(
            reply.expect(200)["features"],
            json!([
                { "feature": "publish_rights", "level": "write" },
                { "feature": "publish_rights/env:test", "level": "write" },
            ]),
            "[{}]",
            env.name
        );
        let reply = env
            .get(&format!("/v1/what-can?user={tr}&level=read"), &admin.cred)
            .await;
        assert_eq!(
            reply.expect(200)["features"],
            json!([
                { "feature": "workspace", "level": "read" },
                { "feature": "edit_languages", "level": "write" },
                { "feature": "workspace/app:demo", "level": "read" },
            ]),
            "[{}]",
            env.name
        );
        env.get(
            &format!("/v1/what-can?user={}&level=read", unknown_id()),
            &admin.cred,
        )
        .await
        .problem(404, "not-found");
    }
}

/// A check passing the `policy_version` a write returned is answered at once and sees the
/// write; a version that never comes is answered, after the bounded wait, with 409
/// `stale-policy-version`.
#[actix_web::test]
async fn at_least_version_reads_your_writes() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let publisher_role = env.role_id(&admin.cred, "Publisher").await;
        let tr = env
            .create_user(&admin.cred, "tr@example.com", &translator_role)
            .await;
        // Warm the policy cache with the old state.
        let before = env
            .post(
                "/v1/check",
                &admin.cred,
                item(&tr, "publish_rights/env:test", "write"),
            )
            .await;
        assert_eq!(before.expect(200)["allowed"], false, "[{}]", env.name);

        let written = env
            .put(
                &format!("/v1/users/{tr}/role"),
                &admin.cred,
                json!({ "role_id": publisher_role }),
            )
            .await;
        let version = written.expect(200)["policy_version"]
            .as_u64()
            .expect("version");

        let started = Instant::now();
        let reply = env
            .post(
                "/v1/check",
                &admin.cred,
                json!({
                    "user": tr, "feature": "publish_rights/env:test", "level": "write",
                    "at_least_version": version,
                }),
            )
            .await;
        let elapsed = started.elapsed();
        let body = reply.expect(200);
        assert_eq!(body["allowed"], true, "[{}] sees the write", env.name);
        assert!(
            body["policy_version"].as_u64() >= Some(version),
            "[{}] {body}",
            env.name
        );
        assert!(
            elapsed < Duration::from_secs(1),
            "[{}] answered at once, not after {elapsed:?}",
            env.name
        );
        let batch = env
            .post(
                "/v1/checks",
                &admin.cred,
                json!({
                    "checks": [item(&tr, "publish_rights/env:test", "write")],
                    "at_least_version": version,
                }),
            )
            .await;
        assert_eq!(
            batch.expect(200)["allowed"],
            json!([true]),
            "[{}]",
            env.name
        );
        let explain = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": tr, "feature": "publish_rights/env:test", "at_least_version": version }),
            )
            .await;
        assert_eq!(
            explain.expect(200)["grant"]["role_name"],
            "Publisher",
            "[{}]",
            env.name
        );

        let started = Instant::now();
        env.post(
            "/v1/check",
            &admin.cred,
            json!({
                "user": tr, "feature": "publish_rights/env:test", "level": "write",
                "at_least_version": version + 1_000,
            }),
        )
        .await
        .problem_at(409, "stale-policy-version", "at_least_version");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= VERSION_WAIT - Duration::from_millis(100),
            "[{}] waited only {elapsed:?}",
            env.name
        );
    }
}
