//! Bad input names its field by its JSON path; an array is no object; names are NFC and free
//! of control, invisible and direction-changing characters; role names are unique ignoring
//! case and look-alikes; e-mail addresses are real addresses everywhere.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{backends, unknown_id};

/// Every byte but ASCII letters and digits as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[actix_web::test]
async fn a_wrongly_typed_field_is_named_by_its_path() {
    for env in backends().await {
        let admin = env.admin().await;
        let cred = &admin.cred;
        let item = unknown_id();
        // A non-UUID id in a list.
        env.post(
            "/v1/shares",
            cred,
            json!({ "items": [item, item, "not-a-uuid"], "recipients": ["a@example.org"] }),
        )
        .await
        .problem_at(400, "invalid-input", "items[2]");
        // An unknown enum value in a map.
        env.post(
            "/v1/roles",
            cred,
            json!({ "name": "Typo", "settings": { "workspace": "writ" } }),
        )
        .await
        .problem_at(400, "invalid-input", "settings.workspace");
        // A string for a number.
        env.post(
            "/v1/tokens",
            cred,
            json!({ "name": "ci", "expires_in_days": "ninety" }),
        )
        .await
        .problem_at(400, "invalid-input", "expires_in_days");
        // Deep inside a batch.
        env.post(
            "/v1/checks",
            cred,
            json!({ "checks": [
                { "user": admin.id, "feature": "workspace", "level": "read" },
                { "user": admin.id, "feature": "workspace", "level": 3 }
            ] }),
        )
        .await
        .problem_at(400, "invalid-input", "checks[1].level");
        // A missing field, by its own name.
        env.post(
            "/v1/session",
            &crate::support::Cred::Anonymous,
            json!({ "email": "a@b.co" }),
        )
        .await
        .problem_at(400, "invalid-input", "password");
        // An empty key.
        env.post(
            "/v1/roles",
            cred,
            json!({ "name": "Empty key", "settings": { "": "read" } }),
        )
        .await
        .problem_at(400, "invalid-input", "settings[\"\"]");
        // A query parameter.
        env.get("/v1/who-can?feature=workspace&level=most", cred)
            .await
            .problem_at(400, "invalid-input", "level");
        // A path parameter.
        env.get("/v1/roles/not-a-uuid", cred)
            .await
            .problem_at(400, "invalid-input", "id");
    }
}

#[actix_web::test]
async fn an_array_is_not_an_object() {
    for env in backends().await {
        let anonymous = crate::support::Cred::Anonymous;
        let reply = env
            .post(
                "/v1/session",
                &anonymous,
                json!(["admin@example.com", "whatever"]),
            )
            .await;
        reply.problem(400, "invalid-input");
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("expected an object")),
            "{}: {}",
            reply.context,
            reply.body
        );
        // Nested too: a check written as an array.
        let admin = env.admin().await;
        env.post(
            "/v1/checks",
            &admin.cred,
            json!({ "checks": [[admin.id, "workspace", "read"]] }),
        )
        .await
        .problem_at(400, "invalid-input", "checks[0]");
    }
}

#[actix_web::test]
async fn names_are_clean_and_role_names_unique_ignoring_case_and_look_alikes() {
    for env in backends().await {
        let admin = env.admin().await;
        let cred = &admin.cred;
        // NFC: "Cafe" + combining acute is stored as "Café".
        let role = env
            .post("/v1/roles", cred, json!({ "name": "Cafe\u{301} staff" }))
            .await;
        assert_eq!(
            role.expect(201)["role"]["name"],
            "Caf\u{e9} staff",
            "[{}]",
            env.name
        );
        for bad in [
            "Null\u{0}byte",
            "Zero\u{200B}width",
            "Bidi\u{202E}override",
            "Tab\tbed",
        ] {
            env.post("/v1/roles", cred, json!({ "name": bad }))
                .await
                .problem_at(400, "invalid-input", "name");
            env.post("/v1/tokens", cred, json!({ "name": bad }))
                .await
                .problem_at(400, "invalid-input", "name");
            env.post("/v1/groups", cred, json!({ "name": bad, "emails": [] }))
                .await
                .problem_at(400, "invalid-input", "name");
            env.put(
                &format!("/v1/items/{}", percent_encoded(bad)),
                cred,
                json!({ "kind": "task", "title": "Fine" }),
            )
            .await
            .client_error();
            env.put(
                "/v1/items/fine",
                cred,
                json!({ "kind": "task", "title": bad }),
            )
            .await
            .problem_at(400, "invalid-input", "title");
        }
        env.put(
            "/v1/items/zero%E2%80%8Bwidth",
            cred,
            json!({ "kind": "task", "title": "Fine" }),
        )
        .await
        .problem_at(400, "invalid-input", "external_id");

        env.post("/v1/roles", cred, json!({ "name": "Editor" }))
            .await
            .expect(201);
        for clash in ["editor", "EDITOR", "Ｅｄｉｔｏｒ"] {
            env.post("/v1/roles", cred, json!({ "name": clash }))
                .await
                .problem_at(409, "duplicate-role-name", "name");
        }
        for look_alike in ["admin", "ADMIN", "Ａｄｍｉｎ", "publisher"] {
            env.post("/v1/roles", cred, json!({ "name": look_alike }))
                .await
                .problem_at(409, "duplicate-role-name", "name");
        }
        env.post("/v1/roles", cred, json!({ "name": "Adm\u{200B}in" }))
            .await
            .problem_at(400, "invalid-input", "name");
    }
}

#[actix_web::test]
async fn e_mail_addresses_are_real_addresses_everywhere() {
    for env in backends().await {
        let admin = env.admin().await;
        let cred = &admin.cred;
        let role = env.role_id(cred, "Translator").await;
        let workflow = env.demo_workflow(cred).await;
        for bad in [
            "<script>@example.com",
            "\"<script>\"@example.com",
            "ana@[127.0.0.1]",
            "ana@[IPv6:::1]",
            "Ana <ana@example.com>",
            "ana@exa mple.com",
        ] {
            env.post("/v1/users", cred, json!({ "email": bad, "role_id": role }))
                .await
                .problem_at(400, "invalid-input", "email");
            env.post(
                "/v1/shares",
                cred,
                json!({ "items": [workflow], "recipients": [bad] }),
            )
            .await
            .problem_at(400, "invalid-input", "recipients");
            env.post(
                "/v1/groups",
                cred,
                json!({ "name": "Partners", "emails": ["ok@example.org", bad] }),
            )
            .await
            .problem_at(400, "invalid-input", "emails[1]");
        }
        env.send(
            Method::POST,
            "/v1/users",
            cred,
            Some(json!({ "email": "Ana@Example.COM", "role_id": role })),
        )
        .await
        .expect(201);
    }
}
