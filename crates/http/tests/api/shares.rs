//! Sharing with outsiders over the API: a share creates one invitation and one outbox message
//! per recipient in one transaction; tasks are refused; the app's `read` is required; the
//! sender and admins see invitations and may resend or revoke them; accounts are isolated.

use serde_json::json;

use crate::support::backends;

/// A share of a workflow and a wish list to addresses and a group: recipients de-duplicated,
/// one pending invitation each, one queued e-mail each (no secret in it), the wish list's
/// task reported as left out; a task picked directly is refused by name; no `read` on the
/// item's app is 403 and leaves nothing behind.
#[actix_web::test]
async fn shares_create_invitations_and_mail() {
    for env in backends().await {
        let admin = env.admin().await;
        env.post("/v1/features/apps", &admin.cred, json!({ "name": "crm" }))
            .await
            .expect(201);
        let flow = env
            .put(
                "/v1/items/wf-1",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Onboarding", "app": "crm" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let task = env
            .put(
                "/v1/items/t-1",
                &admin.cred,
                json!({ "kind": "task", "title": "Call the client" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let list = env
            .put(
                "/v1/items/wl-1",
                &admin.cred,
                json!({ "kind": "wish_list", "title": "Starter", "entries": ["t-1", "wf-1"] }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let group = env
            .post(
                "/v1/groups",
                &admin.cred,
                json!({ "name": "Partners", "emails": ["bob@example.com", "cy@example.com"] }),
            )
            .await
            .expect(201)["id"]
            .clone();

        let body = json!({
            "items": [flow, list],
            "recipients": ["Ana@Example.com", "bob@example.com"],
            "groups": [group],
            "message": "Have a look",
        });
        let created = env
            .post("/v1/shares", &admin.cred, body)
            .await
            .expect(201)
            .clone();
        assert_eq!(
            created["workflows"],
            json!([flow]),
            "[{}] each workflow once",
            env.name
        );
        assert_eq!(created["left_out_tasks"], json!([task]), "[{}]", env.name);
        let invitations = created["invitations"].as_array().expect("invitations");
        let recipients: Vec<&str> = invitations
            .iter()
            .filter_map(|i| i["recipient"].as_str())
            .collect();
        assert_eq!(
            recipients,
            ["ana@example.com", "bob@example.com", "cy@example.com"],
            "[{}]",
            env.name
        );
        assert!(
            invitations.iter().all(|i| i["state"] == "pending"),
            "[{}]",
            env.name
        );

        let mut db = env.db();
        let queued = tessera_store::outbox::claim_due(
            &mut db,
            chrono::Utc::now(),
            chrono::Duration::minutes(5),
            100,
        )
        .expect("outbox")
        .messages;
        assert_eq!(queued.len(), 3, "[{}] one e-mail per invitation", env.name);
        assert!(
            queued
                .iter()
                .all(|m| !m.kind.to_payload().contains("code") && m.kind.name() == "invitation"),
            "[{}]",
            env.name
        );

        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [task], "recipients": ["a@b.co"] }),
        )
        .await
        .problem_at(400, "tasks-not-shareable", "items");
        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [flow], "recipients": ["nope"] }),
        )
        .await
        .problem_at(400, "invalid-input", "recipients");
        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [crate::support::unknown_id()], "recipients": ["a@b.co"] }),
        )
        .await
        .problem_at(400, "invalid-input", "items[0]");

        let blind = env
            .post("/v1/roles", &admin.cred, json!({ "name": "No CRM", "settings": { "workspace": "read", "workspace/app:crm": "none" } }))
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("role")
            .to_owned();
        let outsider = env.add_user(&admin.cred, "blind@example.com", &blind).await;
        env.post(
            "/v1/shares",
            &outsider.cred,
            json!({ "items": [flow], "recipients": ["x@example.com"] }),
        )
        .await
        .problem(403, "forbidden");
        let all = env
            .get("/v1/invitations", &admin.cred)
            .await
            .expect(200)
            .clone();
        assert_eq!(
            all.as_array().map(Vec::len),
            Some(3),
            "[{}] the refused share left nothing",
            env.name
        );
    }
}

/// Revoke ends an invitation (a second revoke is 409); resend issues new secrets, restarts at
/// pending and queues a new e-mail; a sender who is not an admin sees only their own shares'
/// invitations; another account sees none and acting on one is 404.
#[actix_web::test]
async fn invitations_are_managed_by_sender_and_admins() {
    for env in backends().await {
        let admin = env.admin().await;
        let flow = env
            .put(
                "/v1/items/wf-1",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Onboarding" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let created = env
            .post(
                "/v1/shares",
                &admin.cred,
                json!({ "items": [flow], "recipients": ["ana@example.com", "bob@example.com"] }),
            )
            .await
            .expect(201)
            .clone();
        let ana = created["invitations"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let bob = created["invitations"][1]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let revoked = env
            .post(
                &format!("/v1/invitations/{ana}/revoke"),
                &admin.cred,
                json!({}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(revoked["state"], "revoked", "[{}]", env.name);
        env.post(
            &format!("/v1/invitations/{ana}/revoke"),
            &admin.cred,
            json!({}),
        )
        .await
        .problem(409, "already-revoked");
        let resent = env
            .post(
                &format!("/v1/invitations/{bob}/resend"),
                &admin.cred,
                json!({}),
            )
            .await
            .expect(200)
            .clone();
        assert_eq!(resent["state"], "pending", "[{}]", env.name);
        let mut db = env.db();
        let queued = tessera_store::outbox::claim_due(
            &mut db,
            chrono::Utc::now(),
            chrono::Duration::minutes(5),
            100,
        )
        .expect("outbox")
        .messages;
        assert_eq!(
            queued.len(),
            3,
            "[{}] two first e-mails and the resend",
            env.name
        );
        let filtered = env
            .get("/v1/invitations?state=revoked", &admin.cred)
            .await
            .expect(200)
            .clone();
        assert_eq!(filtered.as_array().map(Vec::len), Some(1), "[{}]", env.name);

        // A sender without user_management sees only their own shares.
        let editor = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "Editor", "settings": { "workspace": "read" } }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("role")
            .to_owned();
        let sender = env
            .add_user(&admin.cred, "sender@example.com", &editor)
            .await;
        assert_eq!(
            env.get("/v1/invitations", &sender.cred)
                .await
                .expect(200)
                .clone(),
            json!([]),
            "[{}]",
            env.name
        );
        env.post(
            &format!("/v1/invitations/{bob}/revoke"),
            &sender.cred,
            json!({}),
        )
        .await
        .problem(404, "not-found");
        env.post(
            "/v1/shares",
            &sender.cred,
            json!({ "items": [flow], "recipients": ["cy@example.com"] }),
        )
        .await
        .expect(201);
        assert_eq!(
            env.get("/v1/invitations", &sender.cred)
                .await
                .expect(200)
                .as_array()
                .map(Vec::len),
            Some(1)
        );

        let _ = env
            .second_account("other@example.net", "other-admin-password-1")
            .await;
        let other = env
            .session("other@example.net", "other-admin-password-1")
            .await;
        assert_eq!(
            env.get("/v1/invitations", &other.cred)
                .await
                .expect(200)
                .clone(),
            json!([]),
            "[{}]",
            env.name
        );
        env.post(
            &format!("/v1/invitations/{bob}/revoke"),
            &other.cred,
            json!({}),
        )
        .await
        .problem(404, "not-found");
        let still = env
            .get("/v1/invitations?state=pending", &admin.cred)
            .await
            .expect(200)
            .clone();
        assert!(
            still
                .as_array()
                .is_some_and(|a| a.iter().any(|i| i["id"] == bob.as_str())),
            "[{}] unchanged",
            env.name
        );
    }
}
