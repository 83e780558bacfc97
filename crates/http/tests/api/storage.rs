//! Storage failures are the server's, never the client's: a row that cannot be read back
//! answers 500 (logged, details withheld), not 404 or 400.

use diesel::RunQueryDsl;
use serde_json::json;

use crate::support::backends;

#[actix_web::test]
async fn a_corrupt_row_answers_500_without_details() {
    for env in backends().await {
        let admin = env.admin().await;
        let workflow = env.demo_workflow(&admin.cred).await;
        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [workflow], "recipients": ["ana@example.com"] }),
        )
        .await
        .expect(201);
        env.get("/v1/invitations", &admin.cred).await.expect(200);

        diesel::sql_query("UPDATE invitations SET nonce = 'not hex'")
            .execute(&mut **env.db())
            .expect("tamper");
        let broken = env.get("/v1/invitations", &admin.cred).await;
        broken.problem(500, "internal");
        assert_eq!(
            broken.body["detail"], "Internal error",
            "{}: nothing about the row leaks",
            broken.context
        );
    }
}
