//! Permission questions about other people are the account's business: anyone may ask about
//! themselves, but a check or explanation about another user, what another user can reach,
//! and who can reach a feature need `user_management: read` — for API tokens too, which ask
//! as their user.

use actix_web::http::Method;
use serde_json::json;

use crate::support::{Cred, Env, Person, backends};

/// Every permission question `asker` can put about `about`, with the feature `workspace`.
async fn questions(env: &Env, asker: &Cred, about: &str) -> Vec<crate::support::Reply> {
    vec![
        env.post(
            "/v1/check",
            asker,
            json!({ "user": about, "feature": "workspace", "level": "read" }),
        )
        .await,
        env.post(
            "/v1/checks",
            asker,
            json!({ "checks": [{ "user": about, "feature": "workspace", "level": "read" }] }),
        )
        .await,
        env.post(
            "/v1/explain",
            asker,
            json!({ "user": about, "feature": "workspace" }),
        )
        .await,
        env.get(&format!("/v1/what-can?user={about}&level=read"), asker)
            .await,
    ]
}

async fn token_of(env: &Env, person: &Person) -> Cred {
    let reply = env
        .post("/v1/tokens", &person.cred, json!({ "name": "ci" }))
        .await;
    Cred::Token(
        reply.expect(201)["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    )
}

#[actix_web::test]
async fn questions_about_others_need_user_management_read() {
    for env in backends().await {
        let admin = env.admin().await;
        let curator_role = env.role_id(&admin.cred, "Content Curator").await;
        let curator = env
            .add_user(&admin.cred, "curator@example.com", &curator_role)
            .await;
        let curator_token = token_of(&env, &curator).await;

        for asker in [&curator.cred, &curator_token] {
            for reply in questions(&env, asker, &curator.id).await {
                reply.expect(200);
            }
            for reply in questions(&env, asker, &admin.id).await {
                reply.problem(403, "forbidden");
                assert!(
                    reply.body["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("user_management")),
                    "{}: names the right needed: {}",
                    reply.context,
                    reply.body
                );
            }
            env.get("/v1/who-can?feature=workspace&level=read", asker)
                .await
                .problem(403, "forbidden");
            // An unknown user is not revealed either: the same 403.
            let nobody = crate::support::unknown_id();
            for reply in questions(&env, asker, &nobody).await {
                reply.problem(403, "forbidden");
            }
        }

        // A batch mixing oneself and another user is refused whole.
        env.send(
            Method::POST,
            "/v1/checks",
            &curator.cred,
            Some(json!({ "checks": [
                { "user": curator.id, "feature": "workspace", "level": "read" },
                { "user": admin.id, "feature": "workspace", "level": "read" }
            ] })),
        )
        .await
        .problem(403, "forbidden");

        // The Admin may ask anything; an unknown user is then a plain 404.
        for reply in questions(&env, &admin.cred, &curator.id).await {
            reply.expect(200);
        }
        let who = env
            .get("/v1/who-can?feature=workspace&level=read", &admin.cred)
            .await;
        let users = who.expect(200)["users"].as_array().expect("users").clone();
        assert!(
            users.iter().any(|u| u == curator.id.as_str()),
            "{}",
            who.body
        );
        let nobody = crate::support::unknown_id();
        env.post(
            "/v1/check",
            &admin.cred,
            json!({ "user": nobody, "feature": "workspace", "level": "read" }),
        )
        .await
        .problem_at(404, "not-found", "user");
    }
}
