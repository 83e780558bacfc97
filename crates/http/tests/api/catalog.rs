//! The item catalog and recipient groups: registration by external id, validation, the
//! `workspace` permission, and account isolation.

use serde_json::json;

use crate::support::backends;

/// Items are registered by the product's id (a second PUT updates, never duplicates); a wish
/// list names registered items in order; bad fields and unknown entries are 400 naming the
/// field; registering needs `workspace: write`, listing `read`.
#[actix_web::test]
async fn items_register_by_external_id() {
    for env in backends().await {
        let admin = env.admin().await;
        let flow = json!({ "kind": "workflow", "title": "Onboarding", "business_domain": "Sales", "app": "crm" });
        env.put("/v1/items/wf-1", &admin.cred, flow.clone())
            .await
            .problem_at(400, "invalid-input", "app");
        env.post("/v1/features/apps", &admin.cred, json!({ "name": "crm" }))
            .await
            .expect(201);
        let first = env
            .put("/v1/items/wf-1", &admin.cred, flow.clone())
            .await
            .expect(200)
            .clone();
        let renamed = json!({ "kind": "workflow", "title": "Onboarding v2", "app": "crm" });
        let second = env
            .put("/v1/items/wf-1", &admin.cred, renamed)
            .await
            .expect(200)
            .clone();
        assert_eq!(first["id"], second["id"], "[{}] same item", env.name);
        assert_eq!(second["title"], "Onboarding v2");
        env.put(
            "/v1/items/t-1",
            &admin.cred,
            json!({ "kind": "task", "title": "Call" }),
        )
        .await
        .expect(200);
        let list = json!({ "kind": "wish_list", "title": "Starter", "entries": ["t-1", "wf-1"] });
        let wish = env
            .put("/v1/items/wl-1", &admin.cred, list)
            .await
            .expect(200)
            .clone();
        assert_eq!(wish["entries"][1], first["id"], "[{}] order kept", env.name);
        let items = env.get("/v1/items", &admin.cred).await.expect(200).clone();
        let ids: Vec<&str> = items
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|item| item["external_id"].as_str())
            .filter(|id| !id.starts_with("demo-"))
            .collect();
        assert_eq!(ids.len(), 3, "[{}] {ids:?}", env.name);

        let dangling = json!({ "kind": "wish_list", "title": "Bad", "entries": ["nope"] });
        env.put("/v1/items/wl-2", &admin.cred, dangling)
            .await
            .problem_at(400, "invalid-input", "entries[0]");
        let nested = json!({ "kind": "wish_list", "title": "Nested", "entries": ["wl-1"] });
        env.put("/v1/items/wl-3", &admin.cred, nested)
            .await
            .problem_at(400, "invalid-input", "entries[0]");
        let stray = json!({ "kind": "workflow", "title": "X", "entries": ["wf-1"] });
        env.put("/v1/items/wf-2", &admin.cred, stray)
            .await
            .problem_at(400, "invalid-input", "entries");
        env.put(
            "/v1/items/wf-3",
            &admin.cred,
            json!({ "kind": "workflow", "title": " " }),
        )
        .await
        .problem_at(400, "invalid-input", "title");
        env.put(
            "/v1/items/wf-4",
            &admin.cred,
            json!({ "kind": "poem", "title": "X" }),
        )
        .await
        .client_error();

        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let translator = env
            .add_user(&admin.cred, "tr@example.com", &translator_role)
            .await;
        env.put("/v1/items/wf-5", &translator.cred, flow)
            .await
            .problem(403, "forbidden");
        env.get("/v1/items", &translator.cred).await.expect(200);
    }
}

/// Groups: addresses normalized and de-duplicated, names unique (409 on `name`), a bad
/// address is 400 naming `emails[i]`; update and delete; another account's group is 404 and
/// unchanged, and another account's items and groups are not listed.
#[actix_web::test]
async fn groups_and_isolation() {
    for env in backends().await {
        let admin = env.admin().await;
        let body = json!({ "name": "Partners", "emails": ["B@Example.com", "a@example.com", "b@example.com"] });
        let group = env
            .post("/v1/groups", &admin.cred, body)
            .await
            .expect(201)
            .clone();
        assert_eq!(
            group["emails"],
            json!(["a@example.com", "b@example.com"]),
            "[{}]",
            env.name
        );
        let id = group["id"].as_str().expect("id").to_owned();
        env.post(
            "/v1/groups",
            &admin.cred,
            json!({ "name": "Partners", "emails": [] }),
        )
        .await
        .problem_at(409, "conflict", "name");
        env.post(
            "/v1/groups",
            &admin.cred,
            json!({ "name": "Bad", "emails": ["ok@example.com", "nope"] }),
        )
        .await
        .problem_at(400, "invalid-input", "emails[1]");
        let edited = json!({ "name": "Partners EU", "emails": ["c@example.com"] });
        env.put(&format!("/v1/groups/{id}"), &admin.cred, edited)
            .await
            .expect(200);
        env.put(
            "/v1/items/wf-1",
            &admin.cred,
            json!({ "kind": "workflow", "title": "Mine" }),
        )
        .await
        .expect(200);

        let _ = env
            .second_account("other@example.net", "other-admin-password-1")
            .await;
        let other = env
            .session("other@example.net", "other-admin-password-1")
            .await;
        assert_eq!(
            env.get("/v1/groups", &other.cred).await.expect(200).clone(),
            json!([]),
            "[{}]",
            env.name
        );
        assert_eq!(
            env.get("/v1/items", &other.cred).await.expect(200).clone(),
            json!([]),
            "[{}]",
            env.name
        );
        let hijack = json!({ "name": "Mine now", "emails": [] });
        env.put(&format!("/v1/groups/{id}"), &other.cred, hijack)
            .await
            .problem(404, "not-found");
        env.delete(&format!("/v1/groups/{id}"), &other.cred)
            .await
            .problem(404, "not-found");
        let mine = env.get("/v1/groups", &admin.cred).await.expect(200).clone();
        assert_eq!(mine[0]["name"], "Partners EU", "[{}] unchanged", env.name);

        env.delete(&format!("/v1/groups/{id}"), &admin.cred)
            .await
            .expect(204);
        assert_eq!(
            env.get("/v1/groups", &admin.cred).await.expect(200).clone(),
            json!([])
        );
    }
}
