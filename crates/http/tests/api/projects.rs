//! Projects and tasks: what each contact sees (a generated matrix, held to every list and
//! get), what clients may do there, auditors, and replies by e-mail becoming comments.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::contacts::{add_contact, portal_contact};
use crate::support::{Cred, Env, INBOUND_SECRET, backends, request};

/// A small deterministic generator (the matrix is the same on every run and backend).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ids(reply: &Value) -> BTreeSet<String> {
    reply
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// 6 contacts × 5 projects × 30 tasks: every contact's project list, task lists and each
/// task, its comments and history answer exactly the visible set; anything else is 404.
#[actix_web::test]
async fn each_contact_sees_exactly_their_projects_and_tasks() {
    for env in backends().await {
        let admin = env.admin().await;
        let mut rng = Lcg(0x5eed);
        let companies: Vec<String> = {
            let mut out = Vec::new();
            for name in ["Acme", "Globex", "Initech"] {
                out.push(
                    add_contact(
                        &env,
                        &admin.cred,
                        json!({ "kind": "company", "name": name }),
                    )
                    .await,
                );
            }
            out
        };
        // (id, company index, email, access)
        let mut contacts = Vec::new();
        for (i, company) in [Some(0), Some(0), Some(1), Some(1), None, Some(2)]
            .into_iter()
            .enumerate()
        {
            let email = format!("c{i}@client.example");
            let mut body =
                json!({ "kind": "person", "name": format!("Contact {i}"), "email": email });
            if let Some(c) = company {
                body["company_id"] = json!(companies[c]);
            }
            let id = add_contact(&env, &admin.cred, body).await;
            let access = if i % 2 == 0 { "basic" } else { "advanced" };
            contacts.push((id, company, email, access));
        }
        let counterparty = [Some(0), Some(1), None, Some(2), Some(0)];
        // Contact 5 audits project 4 (confirmed).
        let mut projects = Vec::new();
        for (p, party) in counterparty.iter().enumerate() {
            let mut body = json!({ "name": format!("Project {p}"), "client_manager_id": admin.id });
            if let Some(c) = party {
                body["counterparty_id"] = json!(companies[*c]);
            }
            if p == 4 {
                body["auditors"] = json!([{ "kind": "contact", "id": contacts[5].0 }]);
                body["confirm_auditor"] = json!(true);
            }
            let reply = env.post("/v1/projects", &admin.cred, body).await;
            projects.push(reply.expect(201)["id"].as_str().expect("id").to_owned());
        }
        // tasks[p] = [(task id, contacts on it)]
        let mut tasks: Vec<Vec<(String, BTreeSet<usize>)>> = vec![Vec::new(); projects.len()];
        for (p, project) in projects.iter().enumerate() {
            for t in 0..30 {
                let mut on = BTreeSet::new();
                let mut people = json!({ "assignee": { "kind": "user", "id": admin.id }, "co_assignees": [], "participants": [], "auditors": [] });
                for (c, contact) in contacts.iter().enumerate() {
                    if rng.below(8) == 0 {
                        let role =
                            ["co_assignees", "participants", "auditors"][rng.below(3) as usize];
                        people[role]
                            .as_array_mut()
                            .expect("list")
                            .push(json!({ "kind": "contact", "id": contact.0 }));
                        on.insert(c);
                    }
                }
                let reply = env
                    .post(
                        &format!("/v1/projects/{project}/tasks"),
                        &admin.cred,
                        json!({ "title": format!("Task {p}.{t}"), "people": people, "confirm_auditor": true }),
                    )
                    .await;
                tasks[p].push((reply.expect(201)["id"].as_str().expect("id").to_owned(), on));
            }
        }
        let all_tasks: Vec<(usize, String)> = tasks
            .iter()
            .enumerate()
            .flat_map(|(p, list)| list.iter().map(move |(t, _)| (p, t.clone())))
            .collect();

        for (c, (id, company, email, access)) in contacts.iter().enumerate() {
            let portal = portal_contact(&env, &admin.cred, id, email, access).await;
            let audits = |p: usize| c == 5 && p == 4;
            let mut expected: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
            for p in 0..projects.len() {
                let own: BTreeSet<String> = tasks[p]
                    .iter()
                    .filter(|(_, on)| audits(p) || on.contains(&c))
                    .map(|(t, _)| t.clone())
                    .collect();
                let sees = (company.is_some() && counterparty[p] == *company)
                    || audits(p)
                    || !own.is_empty();
                if sees {
                    expected.insert(p, own);
                }
            }
            let listed = env.get("/v1/portal/projects", &portal).await;
            let want: BTreeSet<String> = expected.keys().map(|p| projects[*p].clone()).collect();
            assert_eq!(
                ids(listed.expect(200)),
                want,
                "[{}] contact {c}: projects",
                env.name
            );
            for (p, project) in projects.iter().enumerate() {
                let one = env
                    .get(&format!("/v1/portal/projects/{project}"), &portal)
                    .await;
                let list = env
                    .get(&format!("/v1/portal/projects/{project}/tasks"), &portal)
                    .await;
                match expected.get(&p) {
                    Some(own) => {
                        one.expect(200);
                        assert_eq!(
                            &ids(list.expect(200)),
                            own,
                            "[{}] contact {c}, project {p}: tasks",
                            env.name
                        );
                    }
                    None => {
                        one.problem(404, "not-found");
                        list.problem(404, "not-found");
                    }
                }
            }
            for (p, task) in &all_tasks {
                let visible = expected.get(p).is_some_and(|own| own.contains(task));
                for path in [
                    format!("/v1/portal/tasks/{task}"),
                    format!("/v1/portal/tasks/{task}/comments"),
                    format!("/v1/portal/tasks/{task}/history"),
                ] {
                    let reply = env.get(&path, &portal).await;
                    if visible {
                        reply.expect(200);
                    } else {
                        reply.problem(404, "not-found");
                    }
                }
                if !visible {
                    env.post(
                        &format!("/v1/portal/tasks/{task}/comments"),
                        &portal,
                        json!({ "body": "hi" }),
                    )
                    .await
                    .problem(404, "not-found");
                }
            }
            // People on a task are shown to advanced contacts only.
            if let Some((p, own)) = expected.iter().find(|(_, own)| !own.is_empty()) {
                let task = own.iter().next().expect("task");
                let shown = env.get(&format!("/v1/portal/tasks/{task}"), &portal).await;
                assert_eq!(
                    shown.expect(200)["people"].is_object(),
                    *access == "advanced",
                    "[{}] contact {c}, project {p}",
                    env.name
                );
            }
        }
    }
}

#[actix_web::test]
async fn clients_address_tasks_to_the_client_manager_or_supervisor_only() {
    for env in backends().await {
        let admin = env.admin().await;
        let moderator = env.role_id(&admin.cred, "Workspace Moderator").await;
        let supervisor = env
            .add_user(&admin.cred, "sup@example.com", &moderator)
            .await;
        let other = env
            .add_user(&admin.cred, "other@example.com", &moderator)
            .await;
        let acme = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "company", "name": "Acme" }),
        )
        .await;
        let ana = add_contact(&env, &admin.cred, json!({ "kind": "person", "name": "Ana", "email": "ana@acme.example", "company_id": acme })).await;
        let project = env
            .post(
                "/v1/projects",
                &admin.cred,
                json!({ "name": "Site", "counterparty_id": acme, "client_manager_id": admin.id, "supervisor_id": supervisor.id }),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let portal = portal_contact(&env, &admin.cred, &ana, "ana@acme.example", "basic").await;
        let path = format!("/v1/portal/projects/{project}/tasks");

        let default = env
            .post(&path, &portal, json!({ "title": "Fix the logo" }))
            .await;
        let task = default.expect(201).clone();
        let created = task["id"].as_str().expect("id").to_owned();
        let staff_view = env.get(&format!("/v1/tasks/{created}"), &admin.cred).await;
        let people = staff_view.expect(200)["people"].clone();
        assert_eq!(
            people["assignee"]["id"],
            admin.id.as_str(),
            "[{}] the client manager",
            env.name
        );
        assert_eq!(
            people["participants"][0]["id"],
            ana.as_str(),
            "[{}] the client is on it",
            env.name
        );

        env.post(&path, &portal, json!({ "title": "To the supervisor", "assignee": { "kind": "user", "id": supervisor.id } }))
            .await
            .expect(201);
        env.post(
            &path,
            &portal,
            json!({ "title": "To someone else", "assignee": { "kind": "user", "id": other.id } }),
        )
        .await
        .problem_at(400, "invalid-input", "assignee");
        env.post(
            &path,
            &portal,
            json!({ "title": "To a contact", "assignee": { "kind": "contact", "id": ana } }),
        )
        .await
        .problem_at(400, "invalid-input", "assignee");

        // Basic contacts do not change a status; advanced ones do.
        let status_path = format!("/v1/portal/tasks/{created}");
        let refused = env
            .send(
                Method::PATCH,
                &status_path,
                &portal,
                Some(json!({ "status": "done" })),
            )
            .await;
        let problem = refused.problem(403, "forbidden");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("project/tasks/status"),
            "[{}] {problem}",
            env.name
        );
        // Raising access keeps the session: the next request is allowed more.
        let raised = env
            .put(
                &format!("/v1/contacts/{ana}/access"),
                &admin.cred,
                json!({ "access": "advanced" }),
            )
            .await;
        assert_eq!(raised.expect(200)["change"], "raised", "[{}]", env.name);
        let done = env
            .send(
                Method::PATCH,
                &status_path,
                &portal,
                Some(json!({ "status": "done" })),
            )
            .await;
        assert_eq!(done.expect(200)["status"], "done", "[{}]", env.name);
        let history = env
            .get(&format!("/v1/tasks/{created}/history"), &admin.cred)
            .await;
        let kinds: Vec<String> = history
            .expect(200)
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|e| e["kind"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            kinds,
            ["created", "assigned", "status_changed"],
            "[{}]",
            env.name
        );
    }
}

#[actix_web::test]
async fn contacts_become_auditors_only_when_confirmed() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" }),
        )
        .await;
        let auditors = json!([{ "kind": "contact", "id": ana }]);
        let refused = env
            .post(
                "/v1/projects",
                &admin.cred,
                json!({ "name": "P", "auditors": auditors }),
            )
            .await;
        let problem = refused.problem_at(409, "auditor-needs-confirmation", "confirm_auditor");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("close or delete"),
            "[{}] {problem}",
            env.name
        );
        assert_eq!(
            env.get("/v1/projects", &admin.cred).await.expect(200),
            &json!([]),
            "[{}] nothing written",
            env.name
        );

        let project = env
            .post("/v1/projects", &admin.cred, json!({ "name": "P" }))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let task_path = format!("/v1/projects/{project}/tasks");
        env.post(
            &task_path,
            &admin.cred,
            json!({ "title": "T", "people": { "auditors": auditors } }),
        )
        .await
        .problem_at(409, "auditor-needs-confirmation", "confirm_auditor");
        let task = env
            .post(&task_path, &admin.cred, json!({ "title": "T", "people": { "auditors": auditors }, "confirm_auditor": true }))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let confirmed = env
            .get("/v1/audit?action=task.auditor_confirmed", &admin.cred)
            .await;
        let events = confirmed.expect(200)["events"].clone();
        assert_eq!(events.as_array().map(Vec::len), Some(1), "[{}]", env.name);
        assert_eq!(events[0]["target"], task.as_str(), "[{}]", env.name);
        // Already an auditor: editing the task needs no new confirmation.
        env.send(
            Method::PATCH,
            &format!("/v1/tasks/{task}"),
            &admin.cred,
            Some(json!({ "title": "T2" })),
        )
        .await
        .expect(200);
        // Unknown people are refused naming the list.
        env.post(&task_path, &admin.cred, json!({ "title": "T", "people": { "participants": [{ "kind": "contact", "id": crate::support::unknown_id() }] } }))
            .await
            .problem_at(400, "invalid-input", "people");
    }
}

/// Posts a raw message to the inbound endpoint with `secret`.
async fn inbound(env: &Env, secret: Option<&str>, raw: &str) -> crate::support::Reply {
    let mut req = request(Method::POST, "/v1/inbound/email", &Cred::Anonymous)
        .insert_header(("content-type", "message/rfc822"))
        .set_payload(raw.to_owned());
    if let Some(secret) = secret {
        req = req.insert_header(("Tessera-Inbound-Secret", secret));
    }
    env.raw("POST /v1/inbound/email", req).await
}

fn reply_mail(from: &str, to: &str, body: &str, extra: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Re: task\r\nMessage-ID: <r{n}@client.example>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        n = tessera_service::random_uuid()
    )
}

#[actix_web::test]
async fn task_news_is_mailed_with_a_reply_key_and_replies_become_comments() {
    for env in backends().await {
        let admin = env.admin().await;
        // Access `none`: e-mail only.
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" }),
        )
        .await;
        let project = env
            .post("/v1/projects", &admin.cred, json!({ "name": "P" }))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let task = env
            .post(
                &format!("/v1/projects/{project}/tasks"),
                &admin.cred,
                json!({ "title": "Logo", "people": { "participants": [{ "kind": "contact", "id": ana }] } }),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        env.clear_emails();
        env.post(
            &format!("/v1/tasks/{task}/comments"),
            &admin.cred,
            json!({ "body": "Which colour?" }),
        )
        .await
        .expect(201);
        env.deliver().await;
        let mails = env.emails_to("ana@client.example");
        assert_eq!(mails.len(), 1, "[{}] one e-mail to the contact", env.name);
        let text = mails[0].part("text/plain").unwrap_or_default().to_owned();
        assert!(text.contains("Which colour?"), "[{}] {text}", env.name);
        let reply_to = mails[0].reply_to().expect("Reply-To");
        assert!(
            reply_to.starts_with("reply+") && reply_to.ends_with("@example.com"),
            "[{}] {reply_to}",
            env.name
        );
        assert!(
            env.emails_to("admin@example.com").is_empty(),
            "[{}] not to the author",
            env.name
        );

        // No secret, wrong secret: 401 and nothing created.
        let body = "Blue, please.\r\n\r\nOn Mon, 1 Dec 2026, Tessera <tessera@example.com> wrote:\r\n> Which colour?";
        let raw = reply_mail("Ana <ANA@client.example>", &reply_to, body, "");
        inbound(&env, None, &raw)
            .await
            .problem(401, "unauthenticated");
        inbound(&env, Some("wrong-secret-wrong-secret-wrong-secret"), &raw)
            .await
            .problem(401, "unauthenticated");

        // Automatic replies, strangers and unknown keys are dropped.
        let auto = reply_mail(
            "ana@client.example",
            &reply_to,
            "I am away",
            "Auto-Submitted: auto-replied\r\n",
        );
        assert_eq!(
            inbound(&env, Some(INBOUND_SECRET), &auto).await.expect(200)["reason"],
            "automatic",
            "[{}]",
            env.name
        );
        let stranger = reply_mail("mallory@evil.example", &reply_to, "Red!", "");
        assert_eq!(
            inbound(&env, Some(INBOUND_SECRET), &stranger)
                .await
                .expect(200)["reason"],
            "sender-mismatch",
            "[{}]",
            env.name
        );
        let unknown = reply_mail(
            "ana@client.example",
            "reply+00000000000000000000000000000000@example.com",
            "Red!",
            "",
        );
        assert_eq!(
            inbound(&env, Some(INBOUND_SECRET), &unknown)
                .await
                .expect(200)["reason"],
            "unknown-key",
            "[{}]",
            env.name
        );
        let comments = env
            .get(&format!("/v1/tasks/{task}/comments"), &admin.cred)
            .await;
        assert_eq!(
            comments.expect(200).as_array().map(Vec::len),
            Some(1),
            "[{}] nothing created",
            env.name
        );
        let dropped = env
            .get("/v1/audit?action=inbound.dropped", &admin.cred)
            .await;
        assert_eq!(
            dropped.expect(200)["events"].as_array().map(Vec::len),
            Some(2),
            "[{}] audited drops",
            env.name
        );

        // The reply becomes a comment by the contact, quote trimmed.
        let done = inbound(&env, Some(INBOUND_SECRET), &raw).await;
        assert_eq!(
            done.expect(200)["result"],
            "commented",
            "[{}] {}",
            env.name,
            done.body
        );
        let comments = env
            .get(&format!("/v1/tasks/{task}/comments"), &admin.cred)
            .await;
        let list = comments.expect(200).as_array().expect("comments").clone();
        assert_eq!(list.len(), 2, "[{}]", env.name);
        assert_eq!(list[1]["body"], "Blue, please.", "[{}]", env.name);
        assert_eq!(list[1]["author"]["id"], ana.as_str(), "[{}]", env.name);
        assert_eq!(list[1]["via"], "email", "[{}]", env.name);

        // Another account's admin cannot reach the task.
        let (_, _, other) = env
            .second_account("other@example.com", "other-admin-password-1")
            .await;
        env.get(&format!("/v1/tasks/{task}"), &other)
            .await
            .problem(404, "not-found");
        env.get(&format!("/v1/tasks/{task}/comments"), &other)
            .await
            .problem(404, "not-found");
        env.post(
            &format!("/v1/tasks/{task}/comments"),
            &other,
            json!({ "body": "x" }),
        )
        .await
        .problem(404, "not-found");
        env.get(&format!("/v1/projects/{project}"), &other)
            .await
            .problem(404, "not-found");

        // Deleting the contact revokes their key: a later reply is dropped.
        env.send(
            Method::PATCH,
            &format!("/v1/tasks/{task}"),
            &admin.cred,
            Some(json!({ "people": { "participants": [] } })),
        )
        .await
        .expect(200);
        env.delete(&format!("/v1/contacts/{ana}"), &admin.cred)
            .await
            .expect(204);
        let late = reply_mail("ana@client.example", &reply_to, "Green", "");
        assert_eq!(
            inbound(&env, Some(INBOUND_SECRET), &late).await.expect(200)["reason"],
            "unknown-key",
            "[{}]",
            env.name
        );
    }
}
