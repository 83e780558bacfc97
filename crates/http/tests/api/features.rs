//! The feature tree: apps, environments and systems.

use serde_json::json;

use crate::support::backends;

/// The standard tree starts with the 7 top-level features and the `test` and `production`
/// environments. Adding an app puts it under `workspace`, where every role inherits its
/// `workspace` level; an environment goes under `publish_rights` (under every system once
/// there are systems); a system comes with every known environment. Duplicates are 409,
/// malformed names and unknown kinds 400, and each addition returns a higher version.
#[actix_web::test]
async fn apps_environments_and_systems_can_be_added() {
    for env in backends().await {
        let admin = env.admin().await;
        let list = env.get("/v1/features", &admin.cred).await;
        let start = list.expect(200)["policy_version"]
            .as_u64()
            .expect("version");
        assert_eq!(
            list.body["features"],
            json!([
                "workspace",
                "insights",
                "user_management",
                "edit_languages",
                "settings",
                "publish_rights",
                "customize",
                "workspace/app:demo",
                "publish_rights/env:test",
                "publish_rights/env:production",
            ]),
            "[{}]",
            env.name
        );
        let translator_role = env.role_id(&admin.cred, "Translator").await;
        let moderator_role = env.role_id(&admin.cred, "Content Moderator").await;
        let tr = env
            .create_user(&admin.cred, "tr@example.com", &translator_role)
            .await;
        let moderator = env
            .create_user(&admin.cred, "mod@example.com", &moderator_role)
            .await;

        let app = env
            .post("/v1/features/apps", &admin.cred, json!({ "name": "crm" }))
            .await;
        assert_eq!(
            app.expect(201)["added"],
            json!(["workspace/app:crm"]),
            "[{}]",
            env.name
        );
        let v_app = app.body["policy_version"].as_u64().expect("version");
        for (user, level) in [(&tr, "read"), (&moderator, "write"), (&admin.id, "write")] {
            let check = env
                .post(
                    "/v1/check",
                    &admin.cred,
                    json!({
                        "user": user, "feature": "workspace/app:crm", "level": "read",
                        "at_least_version": v_app,
                    }),
                )
                .await;
            assert_eq!(
                (&check.expect(200)["allowed"], &check.body["level"]),
                (&json!(true), &json!(level)),
                "[{}] app:crm inherits workspace",
                env.name
            );
        }
        let explain = env
            .post(
                "/v1/explain",
                &admin.cred,
                json!({ "user": tr, "feature": "workspace/app:crm" }),
            )
            .await;
        assert_eq!(explain.expect(200)["set_on"], "workspace", "[{}]", env.name);

        let environment = env
            .post(
                "/v1/features/environments",
                &admin.cred,
                json!({ "name": "staging" }),
            )
            .await;
        assert_eq!(
            environment.expect(201)["added"],
            json!(["publish_rights/env:staging"]),
            "[{}]",
            env.name
        );
        let v_env = environment.body["policy_version"]
            .as_u64()
            .expect("version");

        let system = env
            .post(
                "/v1/features/systems",
                &admin.cred,
                json!({ "name": "sap" }),
            )
            .await;
        let added = system.expect(201)["added"]
            .as_array()
            .expect("array")
            .clone();
        assert_eq!(added[0], "publish_rights/system:sap", "[{}]", env.name);
        let mut envs: Vec<&str> = added[1..]
            .iter()
            .map(|p| p.as_str().expect("path"))
            .collect();
        envs.sort_unstable();
        assert_eq!(
            envs,
            [
                "publish_rights/system:sap/env:production",
                "publish_rights/system:sap/env:staging",
                "publish_rights/system:sap/env:test",
            ],
            "[{}]",
            env.name
        );
        let v_system = system.body["policy_version"].as_u64().expect("version");

        let qa = env
            .post(
                "/v1/features/environments",
                &admin.cred,
                json!({ "name": "qa" }),
            )
            .await;
        assert_eq!(
            qa.expect(201)["added"],
            json!(["publish_rights/system:sap/env:qa"]),
            "[{}] with systems, environments go under each system",
            env.name
        );
        let v_qa = qa.body["policy_version"].as_u64().expect("version");
        assert!(
            start < v_app && v_app < v_env && v_env < v_system && v_system < v_qa,
            "[{}] versions {start} {v_app} {v_env} {v_system} {v_qa}",
            env.name
        );
        let list = env.get("/v1/features", &admin.cred).await;
        let features = list.expect(200)["features"].as_array().expect("array");
        assert_eq!(
            features.len(),
            10 + 1 + 1 + 4 + 1,
            "[{}] {}",
            env.name,
            list.body
        );
        assert!(
            features.contains(&json!("publish_rights/system:sap/env:qa")),
            "[{}]",
            env.name
        );

        // Refusals, which add nothing.
        env.post("/v1/features/apps", &admin.cred, json!({ "name": "crm" }))
            .await
            .problem(409, "duplicate-feature");
        env.post(
            "/v1/features/environments",
            &admin.cred,
            json!({ "name": "staging" }),
        )
        .await
        .problem(409, "duplicate-feature");
        env.post(
            "/v1/features/systems",
            &admin.cred,
            json!({ "name": "sap" }),
        )
        .await
        .problem(409, "duplicate-feature");
        for name in ["bad name", "", "a/b", "ünïcode"] {
            env.post("/v1/features/apps", &admin.cred, json!({ "name": name }))
                .await
                .problem(400, "invalid-feature-path");
        }
        env.post("/v1/features/widgets", &admin.cred, json!({ "name": "x" }))
            .await
            .problem_at(400, "invalid-input", "kind");
        env.post("/v1/features/apps", &admin.cred, json!({ "title": "x" }))
            .await
            .problem_at(400, "invalid-input", "title");
        assert_eq!(
            env.policy_version(&admin.cred).await,
            v_qa,
            "[{}] refusals changed nothing",
            env.name
        );
    }
}
