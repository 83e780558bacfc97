//! Items by level: `modify` edits an existing item's text, `write` creates, changes the rest
//! and deletes. A shared workflow stays a workflow, and the external site shows only what is
//! a workflow now.

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use diesel::RunQueryDsl;
use serde_json::json;

use crate::support::{backends, request};

#[actix_web::test]
async fn modify_edits_text_write_creates_changes_and_deletes() {
    for env in backends().await {
        let admin = env.admin().await;
        let moderator_role = env.role_id(&admin.cred, "Workspace Moderator").await;
        let moderator = env
            .add_user(&admin.cred, "moderator@example.com", &moderator_role)
            .await;
        let flow = json!({ "kind": "workflow", "title": "Onboarding", "description": "v1", "app": "demo" });
        env.put("/v1/items/wf-m", &admin.cred, flow.clone())
            .await
            .expect(200);

        // The moderator (`modify` on workspace) changes the text of an existing item…
        let retitled = json!({ "kind": "workflow", "title": "Onboarding, revised", "description": "v2", "app": "demo" });
        let edited = env.put("/v1/items/wf-m", &moderator.cred, retitled).await;
        assert_eq!(
            edited.expect(200)["title"],
            "Onboarding, revised",
            "[{}]",
            env.name
        );
        // …but changes nothing else, creates nothing and deletes nothing.
        let as_task = json!({ "kind": "task", "title": "Onboarding, revised", "description": "v2", "app": "demo" });
        env.put("/v1/items/wf-m", &moderator.cred, as_task)
            .await
            .problem(403, "forbidden");
        env.put(
            "/v1/items/new-one",
            &moderator.cred,
            json!({ "kind": "task", "title": "New", "app": "demo" }),
        )
        .await
        .problem(403, "forbidden");
        env.delete("/v1/items/wf-m", &moderator.cred)
            .await
            .problem(403, "forbidden");

        // The Admin (`write`) creates and deletes.
        env.put(
            "/v1/items/scratch",
            &admin.cred,
            json!({ "kind": "task", "title": "Scratch", "app": "demo" }),
        )
        .await
        .expect(200);
        env.delete("/v1/items/scratch", &admin.cred)
            .await
            .expect(204);
        env.delete("/v1/items/scratch", &admin.cred)
            .await
            .problem(404, "not-found");
        // An entry of a wish list is not deleted from under it.
        env.put(
            "/v1/items/wl-m",
            &admin.cred,
            json!({ "kind": "wish_list", "title": "List", "app": "demo", "entries": ["wf-m"] }),
        )
        .await
        .expect(200);
        env.delete("/v1/items/wf-m", &admin.cred)
            .await
            .problem_at(409, "conflict", "external_id");
    }
}

#[actix_web::test]
async fn a_shared_workflow_stays_a_workflow_and_only_workflows_are_shown() {
    for env in backends().await {
        let admin = env.admin().await;
        let flow = env
            .put(
                "/v1/items/wf-s",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Shared flow", "app": "demo" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let other = env
            .put(
                "/v1/items/wf-t",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Second flow", "app": "demo" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let created = env
            .post(
                "/v1/shares",
                &admin.cred,
                json!({ "items": [flow, other], "recipients": ["ana@example.org"] }),
            )
            .await;
        let created = created.expect(201).clone();
        let share_id = created["share_id"].as_str().expect("share").to_owned();

        // Re-registering it as a task is refused, naming the share.
        let refused = env
            .put(
                "/v1/items/wf-s",
                &admin.cred,
                json!({ "kind": "task", "title": "Shared flow", "app": "demo" }),
            )
            .await;
        refused.problem_at(409, "conflict", "kind");
        assert!(
            refused.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&share_id)),
            "{}: {}",
            refused.context,
            refused.body
        );
        env.delete("/v1/items/wf-s", &admin.cred)
            .await
            .problem_at(409, "conflict", "external_id");

        // Even if a row is changed behind the API's back, the outsider sees only workflows.
        let invitation: tessera_core::Uuid = created["invitations"][0]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("invitation");
        let secrets = {
            let mut db = env.db();
            let stored =
                tessera_store::invitations::get_invitation(&mut db, env.account, invitation)
                    .expect("invitation");
            stored.invitation.secrets(env.tessera().key())
        };
        diesel::sql_query("UPDATE items SET kind = 'task' WHERE external_id = 'wf-t'")
            .execute(&mut **env.db())
            .expect("tamper");
        let landing = env
            .raw(
                "GET landing",
                request(
                    Method::GET,
                    &format!("/x/{}", secrets.token),
                    &crate::support::Cred::Anonymous,
                ),
            )
            .await;
        let csrf = landing
            .cookie(tessera_http::CSRF_COOKIE)
            .expect("csrf")
            .value()
            .to_owned();
        let opened = env
            .raw(
                "POST link",
                request(
                    Method::POST,
                    &format!("/x/{}", secrets.token),
                    &crate::support::Cred::Anonymous,
                )
                .cookie(Cookie::new(tessera_http::CSRF_COOKIE, csrf.clone()))
                .set_form([("csrf", csrf.as_str())]),
            )
            .await;
        assert_eq!(opened.status.as_u16(), 303, "{}", opened.context);
        let session = opened
            .cookie(tessera_http::EXTERNAL_COOKIE)
            .expect("session")
            .value()
            .to_owned();
        let page = env
            .raw(
                "GET workflows",
                request(
                    Method::GET,
                    "/x/workflows",
                    &crate::support::Cred::Anonymous,
                )
                .cookie(Cookie::new(tessera_http::EXTERNAL_COOKIE, session)),
            )
            .await;
        let html = page.body.as_str().expect("html").to_owned();
        assert!(html.contains("Shared flow"), "[{}]", env.name);
        assert!(
            !html.contains("Second flow"),
            "[{}] no longer a workflow: not shown",
            env.name
        );
    }
}
