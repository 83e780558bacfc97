//! The outbox sender: a share's e-mails go out once each, carry a link and code that open
//! the invitation, move it to delivered, and an invitation revoked before its e-mail left is
//! not mailed.

use serde_json::json;
use tessera_core::Uuid;
use tessera_invitations::{CodeCheck, InvitationState, VerificationCode};

use crate::support::backends;

#[actix_web::test]
async fn shared_invitations_are_mailed_once_with_working_secrets() {
    for env in backends().await {
        let admin = env.admin().await;
        let flow = env
            .put(
                "/v1/items/wf-1",
                &admin.cred,
                json!({ "kind": "workflow", "title": "Onboarding", "business_domain": "Sales", "description": "First steps" }),
            )
            .await
            .expect(200)["id"]
            .clone();
        let body = json!({ "items": [flow], "recipients": ["ana@example.com", "bob@example.com"], "message": "<b>Hi</b>" });
        let created = env
            .post("/v1/shares", &admin.cred, body)
            .await
            .expect(201)
            .clone();
        let bob = created["invitations"][1]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        env.post(
            &format!("/v1/invitations/{bob}/revoke"),
            &admin.cred,
            json!({}),
        )
        .await
        .expect(200);

        let done = env.deliver().await;
        assert_eq!(
            (done.sent, done.failed),
            (1, 1),
            "[{}] ana mailed, revoked bob given up",
            env.name
        );
        let again = env.deliver().await;
        assert_eq!(again.total(), 0, "[{}] nothing twice", env.name);

        let files: Vec<_> = std::fs::read_dir(&env.outbox)
            .expect("outbox dir")
            .filter_map(Result::ok)
            .collect();
        assert_eq!(files.len(), 1, "[{}] one .eml", env.name);
        let eml = std::fs::read_to_string(files[0].path()).expect("eml");
        assert!(eml.contains("Message-ID: <"), "[{}]", env.name);
        let unfolded = eml.replace("=\r\n", "").replace("\r\n", "\n");
        let link_start = unfolded
            .find("http://127.0.0.1:8080/x/")
            .expect("link in the mail");
        let token: String = unfolded[link_start + "http://127.0.0.1:8080/x/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert_eq!(token.len(), 43, "[{}] a 256-bit base64url token", env.name);
        assert!(
            !unfolded.contains("<b>Hi</b>\n") || unfolded.contains("&lt;b&gt;Hi&lt;/b&gt;"),
            "[{}] escaped in HTML",
            env.name
        );

        let ana = created["invitations"][0]["id"].as_str().expect("id");
        let mut db = env.db();
        let mut stored = tessera_store::invitations::get_invitation(
            &mut db,
            env.account,
            Uuid::parse_str(ana).expect("uuid"),
        )
        .expect("ana");
        assert_eq!(
            stored.invitation.state,
            InvitationState::Delivered,
            "[{}]",
            env.name
        );
        let secrets = stored.invitation.secrets(env.tessera().key());
        assert_eq!(
            secrets.token.to_string(),
            token,
            "[{}] the mailed link is the invitation's",
            env.name
        );
        let code = VerificationCode::parse(&secrets.code.to_string()).expect("code");
        assert!(
            unfolded.contains(&code.to_string()),
            "[{}] the code is in the mail",
            env.name
        );
        assert!(
            matches!(
                stored
                    .invitation
                    .verify_code(env.tessera().key(), &code, chrono::Utc::now()),
                CodeCheck::Verified { .. }
            ),
            "[{}]",
            env.name
        );
        let events = tessera_store::audit::list(&mut db, env.account, None, 100).expect("audit");
        let mut transitions: Vec<&str> = events
            .iter()
            .filter(|e| e.target.as_deref() == Some(ana))
            .map(|e| e.action.as_str())
            .collect();
        transitions.sort_unstable();
        assert_eq!(
            transitions,
            ["invitation.delivered", "invitation.sent"],
            "[{}] one event per transition",
            env.name
        );
    }
}
