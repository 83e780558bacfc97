//! Roles: the predefined eight, custom roles and their life cycle.

use serde_json::json;
use tessera_access::{ADMIN_ROLE, PREDEFINED_ROLES};

use crate::support::{backends, unknown_id};

/// The account starts with the 8 predefined roles, which can be read but neither updated
/// nor deleted (403 `predefined-role`). Custom roles are created with settings, read,
/// updated and deleted; names are unique (409 on `name`); settings must name valid, known
/// features (400). Deleting a role still assigned is a 409 `role-in-use` that changes
/// nothing; after the user is reassigned it succeeds. Every write returns a higher
/// `policy_version`.
#[actix_web::test]
async fn predefined_roles_are_fixed_and_custom_roles_have_a_life_cycle() {
    for env in backends().await {
        let admin = env.admin().await;
        let mut versions = vec![env.policy_version(&admin.cred).await];

        let list = env.get("/v1/roles", &admin.cred).await;
        let roles = list.expect(200).as_array().expect("array").clone();
        assert_eq!(roles.len(), 8, "[{}] {}", env.name, list.body);
        for (_, name, _) in PREDEFINED_ROLES {
            let role = roles
                .iter()
                .find(|r| r["name"] == name)
                .unwrap_or_else(|| panic!("[{}] predefined `{name}` missing", env.name));
            assert_eq!(role["predefined"], true, "[{}] {role}", env.name);
        }
        let admin_role = env
            .get(&format!("/v1/roles/{ADMIN_ROLE}"), &admin.cred)
            .await;
        assert_eq!(admin_role.expect(200)["name"], "Admin", "[{}]", env.name);
        assert_eq!(
            admin_role.body["settings"]["user_management"], "write",
            "[{}]",
            env.name
        );
        let translator = env.role_id(&admin.cred, "Translator").await;
        for id in [ADMIN_ROLE.to_string(), translator.clone()] {
            env.put(
                &format!("/v1/roles/{id}"),
                &admin.cred,
                json!({ "name": "Renamed", "settings": { "insights": "write" } }),
            )
            .await
            .problem(403, "predefined-role");
            env.delete(&format!("/v1/roles/{id}"), &admin.cred)
                .await
                .problem(403, "predefined-role");
        }

        // Create.
        let settings = json!({
            "publish_rights": "write",
            "publish_rights/env:production": "none",
            "insights": "read",
        });
        let created = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "Release manager", "settings": settings }),
            )
            .await;
        let body = created.expect(201);
        let release = body["role"]["id"].as_str().expect("id").to_owned();
        assert_eq!(body["role"]["name"], "Release manager", "[{}]", env.name);
        assert_eq!(body["role"]["predefined"], false, "[{}]", env.name);
        assert_eq!(body["role"]["settings"], settings, "[{}]", env.name);
        versions.push(body["policy_version"].as_u64().expect("version"));
        let read = env.get(&format!("/v1/roles/{release}"), &admin.cred).await;
        assert_eq!(read.expect(200), &body["role"], "[{}]", env.name);

        // Refusals on create.
        for name in ["Release manager", "Admin"] {
            env.post("/v1/roles", &admin.cred, json!({ "name": name }))
                .await
                .problem_at(409, "duplicate-role-name", "name");
        }
        env.post("/v1/roles", &admin.cred, json!({ "name": "" }))
            .await
            .problem_at(400, "invalid-input", "name");
        for bad in ["publish_rights//env:test", "Insights", "no_such_feature"] {
            let reply = env
                .post(
                    "/v1/roles",
                    &admin.cred,
                    json!({ "name": "Broken", "settings": { bad: "read" } }),
                )
                .await;
            reply.expect(400);
            reply.client_error();
        }
        env.post(
            "/v1/roles",
            &admin.cred,
            json!({ "name": "Broken", "settings": { "insights": "admin" } }),
        )
        .await
        .problem(400, "invalid-input");
        env.get(&format!("/v1/roles/{}", unknown_id()), &admin.cred)
            .await
            .problem(404, "not-found");

        // Update.
        let updated = env
            .put(
                &format!("/v1/roles/{release}"),
                &admin.cred,
                json!({ "name": "Release lead", "settings": { "publish_rights": "write" } }),
            )
            .await;
        let body = updated.expect(200);
        assert_eq!(body["role"]["name"], "Release lead", "[{}]", env.name);
        assert_eq!(
            body["role"]["settings"],
            json!({ "publish_rights": "write" }),
            "[{}]",
            env.name
        );
        versions.push(body["policy_version"].as_u64().expect("version"));
        // Keeping its own name is no clash; an explicit `inherit` is not stored.
        let same_name = env
            .put(
                &format!("/v1/roles/{release}"),
                &admin.cred,
                json!({
                    "name": "Release lead",
                    "settings": { "publish_rights": "write", "insights": "inherit" },
                }),
            )
            .await;
        assert_eq!(
            same_name.expect(200)["role"]["settings"],
            json!({ "publish_rights": "write" }),
            "[{}]",
            env.name
        );
        versions.push(same_name.body["policy_version"].as_u64().expect("version"));
        env.put(
            &format!("/v1/roles/{release}"),
            &admin.cred,
            json!({ "name": "Translator" }),
        )
        .await
        .problem_at(409, "duplicate-role-name", "name");
        env.put(
            &format!("/v1/roles/{}", unknown_id()),
            &admin.cred,
            json!({ "name": "Ghost" }),
        )
        .await
        .problem(404, "not-found");

        // Assigned: cannot be deleted, and the refusal changes nothing.
        let added = env
            .post(
                "/v1/users",
                &admin.cred,
                json!({ "email": "rel@example.com", "role_id": release }),
            )
            .await;
        let rel = added.expect(201)["user"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        versions.push(added.body["policy_version"].as_u64().expect("version"));
        let before = env.get(&format!("/v1/roles/{release}"), &admin.cred).await;
        let version_before = env.policy_version(&admin.cred).await;
        env.delete(&format!("/v1/roles/{release}"), &admin.cred)
            .await
            .problem(409, "role-in-use");
        let after = env.get(&format!("/v1/roles/{release}"), &admin.cred).await;
        assert_eq!(after.expect(200), before.expect(200), "[{}]", env.name);
        assert_eq!(
            env.policy_version(&admin.cred).await,
            version_before,
            "[{}] a refused delete bumps no version",
            env.name
        );
        let check = env
            .post(
                "/v1/check",
                &admin.cred,
                json!({ "user": rel, "feature": "publish_rights/env:test", "level": "write" }),
            )
            .await;
        assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);
        let users = env.get("/v1/users", &admin.cred).await;
        let rel_row = users
            .expect(200)
            .as_array()
            .expect("array")
            .iter()
            .find(|u| u["id"] == rel.as_str())
            .cloned()
            .expect("rel listed");
        assert_eq!(rel_row["role_id"], release, "[{}]", env.name);

        // Reassigned: now it can go.
        let moved = env
            .put(
                &format!("/v1/users/{rel}/role"),
                &admin.cred,
                json!({ "role_id": translator }),
            )
            .await;
        versions.push(
            moved.expect(200)["policy_version"]
                .as_u64()
                .expect("version"),
        );
        let deleted = env
            .delete(&format!("/v1/roles/{release}"), &admin.cred)
            .await;
        versions.push(deleted.deleted_version());
        env.get(&format!("/v1/roles/{release}"), &admin.cred)
            .await
            .problem(404, "not-found");
        env.delete(&format!("/v1/roles/{release}"), &admin.cred)
            .await
            .problem(404, "not-found");
        let list = env.get("/v1/roles", &admin.cred).await;
        assert_eq!(
            list.expect(200).as_array().expect("array").len(),
            8,
            "[{}]",
            env.name
        );
        // Its name is free again.
        env.post("/v1/roles", &admin.cred, json!({ "name": "Release lead" }))
            .await
            .expect(201);

        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "[{}] versions must increase: {versions:?}",
            env.name
        );
    }
}
