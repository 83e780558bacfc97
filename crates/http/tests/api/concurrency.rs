//! Concurrent writers of one account.

use serde_json::json;

use crate::support::{Pending, backends, join_all};

/// Concurrent writes of one account are serialized: distinct users added at once all
/// succeed with distinct policy versions; the same e-mail or role name sent at once is
/// created exactly once and every other attempt is a 409, never a 5xx.
#[actix_web::test]
async fn concurrent_writes_are_serialized() {
    for env in backends().await {
        let admin = env.admin().await;
        let translator = env.role_id(&admin.cred, "Translator").await;
        let add = |email: String| -> Pending<'_> {
            Box::pin(env.post(
                "/v1/users",
                &admin.cred,
                json!({
                    "email": email,
                    "role_id": translator,
                    "initial_password": "concurrent-password-1",
                }),
            ))
        };

        let replies = join_all((0..8).map(|i| add(format!("u{i}@example.com"))).collect()).await;
        let mut versions: Vec<u64> = replies
            .iter()
            .map(|r| r.expect(201)["policy_version"].as_u64().expect("version"))
            .collect();
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), 8, "[{}] distinct versions", env.name);

        let replies = join_all((0..8).map(|_| add("same@example.com".into())).collect()).await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "[{}] the e-mail is taken once", env.name);
        for reply in replies.iter().filter(|r| r.status.as_u16() != 201) {
            reply.problem_at(409, "conflict", "email");
        }

        let replies = join_all(
            (0..8)
                .map(|i| -> Pending<'_> {
                    Box::pin(env.post(
                        "/v1/roles",
                        &admin.cred,
                        json!({ "name": format!("Role {}", i % 2) }),
                    ))
                })
                .collect(),
        )
        .await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 2, "[{}] each name is taken once", env.name);
        for reply in replies.iter().filter(|r| r.status.as_u16() != 201) {
            reply.problem_at(409, "duplicate-role-name", "name");
        }

        let users = env.get("/v1/users", &admin.cred).await;
        assert_eq!(
            users.expect(200).as_array().expect("array").len(),
            1 + 8 + 1,
            "[{}]",
            env.name
        );
        let roles = env.get("/v1/roles", &admin.cred).await;
        assert_eq!(
            roles.expect(200).as_array().expect("array").len(),
            8 + 2,
            "[{}]",
            env.name
        );
    }
}
