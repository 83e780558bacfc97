//! Every policy change leaves an audit event (who, what, when, from where) in its own
//! transaction; changing one's own role is refused like deleting oneself.

use serde_json::json;
use tessera_store::audit;

use crate::support::backends;

/// Adding a user and creating, updating and deleting a role write one event each, newest
/// first, naming the acting Admin, the target and the client address, with the policy
/// version the change produced. A refused change writes none.
#[actix_web::test]
async fn policy_changes_are_audited() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator = env.role_id(&admin.cred, "Translator").await;
        let user = env
            .create_user(&admin.cred, "audited@example.com", &translator)
            .await;
        let role = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "Audited", "settings": {} }),
            )
            .await;
        let role_id = role.expect(201)["role"]["id"]
            .as_str()
            .expect("role id")
            .to_owned();
        env.put(
            &format!("/v1/roles/{role_id}"),
            &admin.cred,
            json!({ "name": "Audited 2" }),
        )
        .await
        .expect(200);
        env.delete(&format!("/v1/roles/{role_id}"), &admin.cred)
            .await
            .deleted_version();
        // Refused: the Admin may not change their own role, and nothing is recorded for it.
        env.put(
            &format!("/v1/users/{}/role", admin.id),
            &admin.cred,
            json!({ "role_id": translator }),
        )
        .await
        .problem_at(409, "conflict", "id");

        let mut db = env.db();
        let events = audit::list(&mut db, env.account, None, 100).expect("audit events");
        let actions: Vec<&str> = events.iter().take(4).map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["role.delete", "role.update", "role.create", "user.add"],
            "{}: newest first",
            env.name
        );
        let added = &events[3];
        assert_eq!(added.target.as_deref(), Some(user.as_str()), "{}", env.name);
        assert_eq!(
            added.actor.map(|a| a.to_string()),
            Some(admin.id.clone()),
            "{}",
            env.name
        );
        assert!(
            added.client_addr.is_some(),
            "{}: client address recorded",
            env.name
        );
        let detail: serde_json::Value = serde_json::from_str(&added.detail).expect("json detail");
        assert!(
            detail["policy_version"].as_u64().is_some(),
            "{}: {detail}",
            env.name
        );
        assert!(
            events
                .iter()
                .all(|e| e.action != tessera_core::AuditAction::UserChangeRole),
            "{}: the refused change left no event",
            env.name
        );
    }
}
