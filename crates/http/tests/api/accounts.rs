//! Accounts: the operator creates and lists them with the operator token; each new account is
//! bootstrapped like the first (standard tree, predefined roles, a first Admin who must change
//! a one-time password). An account's settings — the invitation validity among them — are read
//! with `settings: read` and changed with `settings: write`.

use serde_json::json;

use crate::support::{Cred, OPERATOR_TOKEN, backends};

#[actix_web::test]
async fn the_operator_creates_and_lists_accounts() {
    for env in backends().await {
        let admin = env.admin().await;
        let operator = Cred::Token(OPERATOR_TOKEN.to_owned());
        let body = json!({ "name": "Globex", "admin_email": "Hank@Globex.example" });

        // Only with the operator token: not anonymous, not an account's Admin, not a guess.
        for cred in [
            Cred::Anonymous,
            admin.cred.clone(),
            Cred::Token("not-the-operator-token-but-long-enough".into()),
        ] {
            env.post("/v1/accounts", &cred, body.clone())
                .await
                .problem(401, "unauthenticated");
            env.get("/v1/accounts", &cred)
                .await
                .problem(401, "unauthenticated");
        }

        let created = env.post("/v1/accounts", &operator, body.clone()).await;
        let created = created.expect(201).clone();
        assert_eq!(created["account"]["name"], "Globex", "[{}]", env.name);
        assert_eq!(created["account"]["invitation_validity_days"], 14);
        assert_eq!(created["admin_email"], "hank@globex.example");
        let initial = created["initial_password"].as_str().expect("password");
        assert!(initial.len() >= 12, "[{}] a one-time password", env.name);

        // Its Admin must replace the password before anything else, then sees only Globex.
        let hank = env.session("hank@globex.example", initial).await;
        env.get("/v1/users", &hank.cred)
            .await
            .problem(403, "password-change-required");
        env.change_password(&hank.cred, initial, "hanks-own-password-1")
            .await;
        let users = env.get("/v1/users", &hank.cred).await;
        let users = users.expect(200).as_array().expect("users").clone();
        assert_eq!(users.len(), 1, "[{}] only Globex's Admin", env.name);
        let roles = env.get("/v1/roles", &hank.cred).await;
        assert_eq!(
            roles.expect(200).as_array().map(Vec::len),
            Some(8),
            "[{}] the predefined roles",
            env.name
        );
        let features = env.get("/v1/features", &hank.cred).await;
        assert!(
            features.expect(200)["features"]
                .as_array()
                .expect("features")
                .iter()
                .any(|f| f == "publish_rights/env:production"),
            "[{}] the standard tree",
            env.name
        );

        let listed = env.get("/v1/accounts", &operator).await;
        let names: Vec<String> = listed
            .expect(200)
            .as_array()
            .expect("accounts")
            .iter()
            .filter_map(|a| a["name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(names, ["Tessera", "Globex"], "[{}] oldest first", env.name);

        // Bad input names its field; a taken e-mail in another account is fine.
        env.post(
            "/v1/accounts",
            &operator,
            json!({ "name": "Bad\u{200B}Name", "admin_email": "x@y.example" }),
        )
        .await
        .problem_at(400, "invalid-input", "name");
        env.post(
            "/v1/accounts",
            &operator,
            json!({ "name": "Initech", "admin_email": "<script>@y.example" }),
        )
        .await
        .problem_at(400, "invalid-input", "admin_email");
        env.post(
            "/v1/accounts",
            &operator,
            json!({ "name": "Initech", "admin_email": "admin@example.com" }),
        )
        .await
        .expect(201);
    }
}

#[actix_web::test]
async fn account_settings_hold_the_invitation_validity() {
    for env in backends().await {
        let admin = env.admin().await;
        let account = env.get("/v1/account", &admin.cred).await;
        let account = account.expect(200).clone();
        assert_eq!(account["invitation_validity_days"], 14, "[{}]", env.name);
        assert_eq!(account["id"], env.account.to_string());

        for days in [0, 91, -3] {
            env.send(
                actix_web::http::Method::PATCH,
                "/v1/account",
                &admin.cred,
                Some(json!({ "invitation_validity_days": days })),
            )
            .await
            .problem_at(400, "invalid-input", "invitation_validity_days");
        }
        let changed = env
            .send(
                actix_web::http::Method::PATCH,
                "/v1/account",
                &admin.cred,
                Some(json!({ "invitation_validity_days": 30, "name": "Acme" })),
            )
            .await;
        let changed = changed.expect(200).clone();
        assert_eq!(
            (
                changed["invitation_validity_days"].as_i64(),
                changed["name"].as_str()
            ),
            (Some(30), Some("Acme")),
            "[{}]",
            env.name
        );

        // New invitations are valid for the new period.
        let workflow = env.demo_workflow(&admin.cred).await;
        let share = env
            .post(
                "/v1/shares",
                &admin.cred,
                json!({ "items": [workflow], "recipients": ["ana@example.org"] }),
            )
            .await;
        let invitation = share.expect(201)["invitations"][0].clone();
        let issued =
            chrono::DateTime::parse_from_rfc3339(invitation["issued_at"].as_str().unwrap())
                .expect("issued");
        let expires =
            chrono::DateTime::parse_from_rfc3339(invitation["expires_at"].as_str().unwrap())
                .expect("expires");
        assert_eq!(
            expires - issued,
            chrono::Duration::days(30),
            "[{}]",
            env.name
        );

        // Reading needs `settings: read`, changing `write`: a Content Curator has neither.
        let curator_role = env.role_id(&admin.cred, "Content Curator").await;
        let curator = env
            .add_user(&admin.cred, "curator@example.com", &curator_role)
            .await;
        env.get("/v1/account", &curator.cred)
            .await
            .problem(403, "forbidden");
        env.send(
            actix_web::http::Method::PATCH,
            "/v1/account",
            &curator.cred,
            Some(json!({ "invitation_validity_days": 1 })),
        )
        .await
        .problem(403, "forbidden");
    }
}
