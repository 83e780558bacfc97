//! Accounts are isolated: ids of another account are unknown, whatever the endpoint.

use serde_json::{Value, json};
use tessera_access::ADMIN_ROLE;

use crate::support::{Cred, Reply, backends};

const B_ADMIN_EMAIL: &str = "admin@other.example";
const B_ADMIN_PASSWORD: &str = "other-admin-password-1";

/// Signed in as the Admin of account B, every endpoint answers 404 (or refuses) when given
/// account A's user, custom role or token ids, and B's listings show nothing of A. Account A
/// is unchanged afterwards: its user keeps their role, its role its settings, its token
/// works, its policy version did not move. The same e-mail may exist in both accounts, and
/// the password decides which account signs in.
#[actix_web::test]
async fn another_accounts_ids_are_unknown_everywhere() {
    for env in backends().await {
        // Account A: a custom role, a user holding it, a token of A's Admin.
        let a_admin = env.admin().await;
        let a_role = env
            .post(
                "/v1/roles",
                &a_admin.cred,
                json!({ "name": "A custom", "settings": { "insights": "write" } }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let a_user = env
            .create_user(&a_admin.cred, "shared@example.com", &a_role)
            .await;
        let a_token_reply = env
            .post("/v1/tokens", &a_admin.cred, json!({ "name": "a-token" }))
            .await;
        a_token_reply.expect(201);
        let a_token_id = a_token_reply.str("id");
        let a_token = Cred::Token(a_token_reply.str("token"));
        let a_role_before = env
            .get(&format!("/v1/roles/{a_role}"), &a_admin.cred)
            .await
            .expect(200)
            .clone();
        let a_users_before = env
            .get("/v1/users", &a_admin.cred)
            .await
            .expect(200)
            .clone();
        let a_version = env.policy_version(&a_admin.cred).await;

        // Account B, made in the database as the brief of a second tenant.
        let (b_account, b_admin_id, _) = env.second_account(B_ADMIN_EMAIL, B_ADMIN_PASSWORD).await;
        let b = env.session(B_ADMIN_EMAIL, B_ADMIN_PASSWORD).await;
        assert_eq!(b.id, b_admin_id.to_string(), "[{}]", env.name);
        let signed_in = env.sign_in(B_ADMIN_EMAIL, B_ADMIN_PASSWORD).await;
        assert_eq!(
            signed_in.expect(200)["account_id"],
            b_account.to_string(),
            "[{}]",
            env.name
        );
        let b_version = env.policy_version(&b.cred).await;

        let not_found: Vec<Reply> = vec![
            env.get(&format!("/v1/roles/{a_role}"), &b.cred).await,
            env.put(
                &format!("/v1/roles/{a_role}"),
                &b.cred,
                json!({ "name": "Hijacked", "settings": { "user_management": "write" } }),
            )
            .await,
            env.delete(&format!("/v1/roles/{a_role}"), &b.cred).await,
            env.put(
                &format!("/v1/users/{a_user}/role"),
                &b.cred,
                json!({ "role_id": ADMIN_ROLE.to_string() }),
            )
            .await,
            env.put(
                &format!("/v1/users/{a_user}/role"),
                &b.cred,
                json!({ "role_id": a_role }),
            )
            .await,
            env.delete(&format!("/v1/users/{a_user}"), &b.cred).await,
            env.delete(&format!("/v1/users/{}", a_admin.id), &b.cred)
                .await,
            env.post(
                "/v1/check",
                &b.cred,
                json!({ "user": a_user, "feature": "insights", "level": "read" }),
            )
            .await,
            env.post(
                "/v1/checks",
                &b.cred,
                json!({ "checks": [{ "user": a_user, "feature": "insights", "level": "read" }] }),
            )
            .await,
            env.post(
                "/v1/explain",
                &b.cred,
                json!({ "user": a_user, "feature": "insights" }),
            )
            .await,
            env.get(&format!("/v1/what-can?user={a_user}&level=read"), &b.cred)
                .await,
            env.delete(&format!("/v1/tokens/{a_token_id}"), &b.cred)
                .await,
        ];
        for reply in &not_found {
            reply.problem(404, "not-found");
        }

        // Using A's role in B is refused too.
        env.post(
            "/v1/users",
            &b.cred,
            json!({ "email": "someone@example.com", "role_id": a_role }),
        )
        .await
        .client_error();
        env.put(
            &format!("/v1/users/{}/role", b.id),
            &b.cred,
            json!({ "role_id": a_role }),
        )
        .await
        .client_error();

        // B's listings show only B.
        let users = env.get("/v1/users", &b.cred).await;
        let b_users: Vec<&Value> = users
            .expect(200)
            .as_array()
            .expect("array")
            .iter()
            .collect();
        assert_eq!(b_users.len(), 1, "[{}] {}", env.name, users.body);
        assert_eq!(b_users[0]["email"], B_ADMIN_EMAIL, "[{}]", env.name);
        let roles = env.get("/v1/roles", &b.cred).await;
        assert_eq!(
            roles.expect(200).as_array().expect("array").len(),
            8,
            "[{}] {}",
            env.name,
            roles.body
        );
        let who = env
            .get("/v1/who-can?feature=insights&level=read", &b.cred)
            .await;
        assert_eq!(who.expect(200)["users"], json!([b.id]), "[{}]", env.name);
        assert_eq!(
            env.policy_version(&b.cred).await,
            b_version,
            "[{}] B's refused writes changed B",
            env.name
        );

        // The same e-mail in B: allowed, and the password picks the account at sign-in.
        let translator = env.role_id(&b.cred, "Translator").await;
        let b_shared = env
            .post(
                "/v1/users",
                &b.cred,
                json!({
                    "email": "shared@example.com",
                    "role_id": translator,
                    "initial_password": "b-shared-password-1",
                }),
            )
            .await;
        let b_shared_id = b_shared.expect(201)["user"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let in_b = env
            .sign_in("shared@example.com", "b-shared-password-1")
            .await;
        assert_eq!(
            (&in_b.expect(200)["account_id"], &in_b.body["user_id"]),
            (&json!(b_account.to_string()), &json!(b_shared_id)),
            "[{}]",
            env.name
        );
        let in_a = env
            .sign_in("shared@example.com", crate::support::USER_INITIAL_PASSWORD)
            .await;
        assert_eq!(
            (&in_a.expect(200)["account_id"], &in_a.body["user_id"]),
            (&json!(env.account.to_string()), &json!(a_user)),
            "[{}]",
            env.name
        );

        // Account A is untouched.
        let a_role_after = env.get(&format!("/v1/roles/{a_role}"), &a_admin.cred).await;
        assert_eq!(a_role_after.expect(200), &a_role_before, "[{}]", env.name);
        let a_users_after = env.get("/v1/users", &a_admin.cred).await;
        assert_eq!(a_users_after.expect(200), &a_users_before, "[{}]", env.name);
        let a_user_row = a_users_before
            .as_array()
            .expect("array")
            .iter()
            .find(|u| u["id"] == a_user.as_str())
            .cloned()
            .expect("A's user listed");
        assert_eq!(a_user_row["role_id"], a_role, "[{}]", env.name);
        env.get("/v1/users", &a_token).await.expect(200);
        assert_eq!(
            env.policy_version(&a_admin.cred).await,
            a_version,
            "[{}] A's policy did not move",
            env.name
        );
        let check = env
            .post(
                "/v1/check",
                &a_token,
                json!({ "user": a_user, "feature": "insights", "level": "write" }),
            )
            .await;
        assert_eq!(check.expect(200)["allowed"], true, "[{}]", env.name);
        // A cannot see B's user either.
        env.post(
            "/v1/check",
            &a_admin.cred,
            json!({ "user": b.id, "feature": "insights", "level": "read" }),
        )
        .await
        .problem(404, "not-found");
    }
}
