//! Shared automations over HTTP (`docs/automations.md`), each on both databases: the plan
//! gate and who is an admin; bad input naming its field and writing nothing; the whole
//! journey — declare, build, share, a refused activation with its notification and
//! troubleshooting, the mailbox whose SMTP URL never shows, consent, an event, the runner,
//! the run history and who may see it; deactivations and the switch to `any_user`; nothing
//! crossing accounts; 405 with `Allow` on the automation paths.

use std::sync::atomic::AtomicBool;

use actix_web::http::Method;
use serde_json::{Value, json};
use tessera_service::runner::{RunPass, RunnerOptions};

use crate::support::{Cred, Env, Person, Reply, backends, request, unknown_id};

const OTHER_ADMIN_EMAIL: &str = "admin@other-automations.example";
const OTHER_ADMIN_PASSWORD: &str = "other-admin-password-1";
/// The SMTP password a mailbox's URL carries; no answer may show it.
const SMTP_SECRET: &str = "smtp-secret-pw-42";

/// `body[key]` as an owned string (the context names the request in the message).
#[track_caller]
fn text(reply: &Reply, value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{}: not a string: {value} in {}", reply.context, reply.body))
        .to_owned()
}

/// `PUT /v1/automation-settings`.
async fn settings(env: &Env, cred: &Cred, plan: &str, beta: bool) -> Reply {
    env.put(
        "/v1/automation-settings",
        cred,
        json!({ "plan": plan, "beta": beta }),
    )
    .await
}

/// Opens the account's gate: Advanced plan, beta switch on.
async fn open_gate(env: &Env, cred: &Cred) {
    settings(env, cred, "advanced", true).await.expect(200);
}

/// Declares `deal.won` with `title`, `value` and `client`.
async fn declare_deal_won(env: &Env, cred: &Cred) {
    let reply = env
        .put(
            "/v1/event-types/deal.won",
            cred,
            json!({ "fields": { "title": "text", "value": "number", "client": "text" } }),
        )
        .await;
    assert_eq!(
        reply.expect(200)["fields"]["value"],
        "number",
        "{}",
        reply.context
    );
}

/// The bootstrap Admin, with the gate open and `deal.won` declared.
async fn ready(env: &Env) -> Person {
    let admin = env.admin().await;
    open_gate(env, &admin.cred).await;
    declare_deal_won(env, &admin.cred).await;
    admin
}

/// A user with the predefined Content Moderator role (workspace `write`, no settings: may
/// create tasks, is no admin), signed in.
async fn moderator(env: &Env, admin: &Cred, email: &str) -> Person {
    let role = env.role_id(admin, "Content Moderator").await;
    env.add_user(admin, email, &role).await
}

/// A new project's id.
async fn project(env: &Env, admin: &Cred, name: &str) -> String {
    let reply = env
        .post("/v1/projects", admin, json!({ "name": name }))
        .await;
    let id = reply.expect(201)["id"].clone();
    text(&reply, &id)
}

/// "Thank the client": on `deal.won` worth more than 1000, an e-mail to the client and a
/// follow-up task in `project`.
fn thank_the_client(project: Option<&str>) -> Value {
    json!({
        "name": "Thank the client",
        "trigger": {
            "event_type": "deal.won",
            "conditions": [{ "field": "value", "op": "greater_than", "value": 1000 }],
        },
        "mode": "selected_users",
        "steps": [
            {
                "type": "send_email",
                "to": "{{event.client}}",
                "subject": "Thank you for {{event.title}}",
                "body": "Dear client, thank you.",
            },
            {
                "type": "create_task",
                "project": project,
                "title": "Follow up {{event.title}}",
                "description": "Worth {{event.value}}",
            },
        ],
    })
}

/// An automation whose only step creates a task in `project` (no mailbox needed).
fn task_only(name: &str, project: &str) -> Value {
    json!({
        "name": name,
        "trigger": { "event_type": "deal.won" },
        "mode": "selected_users",
        "steps": [{ "type": "create_task", "project": project, "title": "Follow up {{event.title}}" }],
    })
}

/// `POST /v1/automations` (which must succeed); the new automation's id.
async fn create(env: &Env, admin: &Cred, definition: Value) -> String {
    let reply = env.post("/v1/automations", admin, definition).await;
    let id = reply.expect(201)["id"].clone();
    text(&reply, &id)
}

/// `POST /v1/automations/{id}/access`.
async fn share(env: &Env, admin: &Cred, id: &str, users: &[&str]) -> Reply {
    env.post(
        &format!("/v1/automations/{id}/access"),
        admin,
        json!({ "users": users }),
    )
    .await
}

/// `POST /v1/automations/{id}/activate`.
async fn activate(env: &Env, cred: &Cred, id: &str) -> Reply {
    env.post(&format!("/v1/automations/{id}/activate"), cred, json!({}))
        .await
}

/// `POST /v1/automations/{id}/access/{user}/deactivate`.
async fn deactivate(env: &Env, admin: &Cred, id: &str, user: &str, permanently: bool) -> Reply {
    env.post(
        &format!("/v1/automations/{id}/access/{user}/deactivate"),
        admin,
        json!({ "permanently": permanently }),
    )
    .await
}

/// A `deal.won` event.
fn won(title: &str, value: f64) -> Value {
    json!({
        "type": "deal.won",
        "fields": { "title": title, "value": value, "client": "client@customer.example" },
    })
}

/// `POST /v1/events`.
async fn send_events(env: &Env, admin: &Cred, events: Vec<Value>) -> Reply {
    env.post("/v1/events", admin, json!({ "events": events }))
        .await
}

/// `GET /v1/automations/{id}/runs{query}`.
async fn runs(env: &Env, cred: &Cred, id: &str, query: &str) -> Reply {
    env.get(&format!("/v1/automations/{id}/runs{query}"), cred)
        .await
}

/// The mailbox identity `PUT /v1/me/mailbox` sets, without an SMTP URL (the server's
/// mailer sends).
async fn set_mailbox(env: &Env, cred: &Cred, address: &str, name: &str) -> Reply {
    env.put(
        "/v1/me/mailbox",
        cred,
        json!({ "address": address, "display_name": name, "signature": format!("{name}\nSales, Acme") }),
    )
    .await
}

/// One pass of the runner, as its worker would make it, on a blocking thread.
async fn run_runner(env: &Env) -> RunPass {
    let tessera = env.tessera().clone();
    actix_web::web::block(move || {
        tessera.run_automations(&RunnerOptions::default(), &AtomicBool::new(false))
    })
    .await
    .expect("blocking")
    .expect("runner")
}

/// The automations `cred` sees.
async fn listed(env: &Env, cred: &Cred) -> Vec<Value> {
    let reply = env.get("/v1/automations", cred).await;
    reply.expect(200)["automations"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{}: no list in {}", reply.context, reply.body))
}

/// A new account's automations are closed: `403 automations-unavailable` names what is
/// missing (`plan`, `beta_switch`) in `missing`, and the first of them in `field` as the
/// settings call it. Only an admin (`settings: write`) sets the plan and the switch and
/// builds automations; a Content Moderator gets 403 on both, and changes nothing.
#[actix_web::test]
async fn the_plan_and_the_beta_switch_gate_automations_over_http() {
    for env in backends().await {
        let admin = env.admin().await;
        let now = env.get("/v1/automation-settings", &admin.cred).await;
        assert_eq!(
            now.expect(200),
            &json!({ "plan": "essential", "beta": false }),
            "[{}] a new account",
            env.name
        );
        let closed = env
            .post("/v1/automations", &admin.cred, thank_the_client(None))
            .await;
        closed.problem_at(403, "automations-unavailable", "plan");
        assert_eq!(
            closed.body["missing"],
            json!(["plan", "beta_switch"]),
            "{}",
            closed.context
        );
        // Every automation call is closed, not only the creation.
        for path in ["/v1/automations", "/v1/event-types"] {
            let reply = env.get(path, &admin.cred).await;
            reply.problem_at(403, "automations-unavailable", "plan");
            assert_eq!(reply.body["missing"], json!(["plan", "beta_switch"]));
        }

        let saved = settings(&env, &admin.cred, "professional", false).await;
        assert_eq!(
            saved.expect(200),
            &json!({ "plan": "professional", "beta": false })
        );
        let closed = env
            .post("/v1/automations", &admin.cred, thank_the_client(None))
            .await;
        closed.problem_at(403, "automations-unavailable", "beta");
        assert_eq!(
            closed.body["missing"],
            json!(["beta_switch"]),
            "{}",
            closed.context
        );

        settings(&env, &admin.cred, "essential", true)
            .await
            .expect(200);
        let closed = env
            .post("/v1/automations", &admin.cred, thank_the_client(None))
            .await;
        closed.problem_at(403, "automations-unavailable", "plan");
        assert_eq!(
            closed.body["missing"],
            json!(["plan"]),
            "{}",
            closed.context
        );

        settings(&env, &admin.cred, "platinum", true)
            .await
            .problem_at(400, "invalid-input", "plan");
        open_gate(&env, &admin.cred).await;
        let created = env
            .post("/v1/automations", &admin.cred, thank_the_client(None))
            .await;
        let body = created.expect(201);
        assert_eq!(body["active"], true, "[{}] {body}", env.name);
        assert_eq!(body["may_manage"], true, "[{}] {body}", env.name);
        assert_eq!(body["my_access"], Value::Null, "[{}] {body}", env.name);
        assert_eq!(body["counts"], json!({ "activated": 0, "shared": 0 }));

        // A Content Moderator is no admin.
        let ana = moderator(&env, &admin.cred, "ana@example.com").await;
        settings(&env, &ana.cred, "enterprise", true)
            .await
            .problem(403, "forbidden");
        env.post("/v1/automations", &ana.cred, thank_the_client(None))
            .await
            .problem(403, "forbidden");
        env.put(
            "/v1/event-types/deal.lost",
            &ana.cred,
            json!({ "fields": {} }),
        )
        .await
        .problem(403, "forbidden");
        send_events(&env, &ana.cred, vec![won("x", 5000.0)])
            .await
            .problem(403, "forbidden");
        assert_eq!(
            listed(&env, &ana.cred).await,
            Vec::<Value>::new(),
            "[{}] nothing is shared with her",
            env.name
        );
        assert_eq!(
            env.get("/v1/automation-settings", &admin.cred)
                .await
                .expect(200),
            &json!({ "plan": "advanced", "beta": true }),
            "[{}] unchanged by her",
            env.name
        );
        assert_eq!(listed(&env, &admin.cred).await.len(), 1, "[{}]", env.name);
    }
}

/// Bad input is a 400 naming the field, and nothing is written: a condition without its
/// value, an unknown step type, a bad event type or field name, an event of an undeclared
/// type or with a field of the wrong kind, a bad page size, cursor or window, a bad mailbox.
/// A batch with one bad event among good ones is refused whole: no run.
#[actix_web::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    for env in backends().await {
        let admin = ready(&env).await;
        let project = project(&env, &admin.cred, "Renewals").await;

        let mut no_value = thank_the_client(Some(&project));
        no_value["trigger"]["conditions"][0]
            .as_object_mut()
            .expect("condition")
            .remove("value");
        env.post("/v1/automations", &admin.cred, no_value)
            .await
            .problem_at(400, "invalid-input", "trigger.conditions[0].value");
        let mut unknown_step = thank_the_client(Some(&project));
        unknown_step["steps"][1] = json!({ "type": "send_fax", "to": "+40 21 000 0000" });
        let refused = env.post("/v1/automations", &admin.cred, unknown_step).await;
        refused.problem_at(400, "invalid-input", "steps[1].type");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("send_fax"),
            "{}: {}",
            refused.context,
            refused.body
        );
        let mut bad_mode = thank_the_client(Some(&project));
        bad_mode["mode"] = json!("everyone");
        env.post("/v1/automations", &admin.cred, bad_mode)
            .await
            .problem_at(400, "invalid-input", "mode");
        assert_eq!(
            listed(&env, &admin.cred).await,
            Vec::<Value>::new(),
            "[{}] no automation written",
            env.name
        );

        env.put(
            "/v1/event-types/deal.lost",
            &admin.cred,
            json!({ "fields": { "Lost Value": "number" } }),
        )
        .await
        .problem_at(400, "invalid-input", "fields.Lost Value");
        env.put(
            "/v1/event-types/deal.lost",
            &admin.cred,
            json!({ "fields": { "value": "money" } }),
        )
        .await
        .problem_at(400, "invalid-input", "fields.value");
        env.put(
            "/v1/event-types/Deal.Lost",
            &admin.cred,
            json!({ "fields": {} }),
        )
        .await
        .problem_at(400, "invalid-input", "name");
        let types = env.get("/v1/event-types", &admin.cred).await;
        let names: Vec<&Value> = types.expect(200)["event_types"]
            .as_array()
            .expect("event types")
            .iter()
            .map(|t| &t["name"])
            .collect();
        assert_eq!(names, [&json!("deal.won")], "[{}] only deal.won", env.name);

        // An automation that runs for Ana on every `deal.won`.
        let ana = moderator(&env, &admin.cred, "ana@example.com").await;
        let id = create(&env, &admin.cred, task_only("Follow up", &project)).await;
        share(&env, &admin.cred, &id, &[&ana.id]).await.expect(200);
        activate(&env, &ana.cred, &id).await.expect(200);

        send_events(&env, &admin.cred, vec![json!({ "type": "deal.lost" })])
            .await
            .problem_at(400, "invalid-input", "events[0].type");
        send_events(
            &env,
            &admin.cred,
            vec![json!({ "type": "deal.won", "fields": { "value": "a lot" } })],
        )
        .await
        .problem_at(400, "invalid-input", "events[0].fields.value");
        send_events(
            &env,
            &admin.cred,
            vec![json!({ "type": "deal.won", "fields": { "colour": "red" } })],
        )
        .await
        .problem_at(400, "invalid-input", "events[0].fields.colour");
        send_events(
            &env,
            &admin.cred,
            vec![json!({ "type": "deal.won", "user": unknown_id() })],
        )
        .await
        .problem_at(400, "invalid-input", "events[0].user");
        send_events(&env, &admin.cred, vec![])
            .await
            .problem_at(400, "invalid-input", "events");
        let mut bad_third = vec![won("One", 5000.0), won("Two", 6000.0)];
        bad_third
            .push(json!({ "type": "deal.won", "fields": { "title": "Three", "value": "7000" } }));
        send_events(&env, &admin.cred, bad_third).await.problem_at(
            400,
            "invalid-input",
            "events[2].fields.value",
        );
        let none = runs(&env, &admin.cred, &id, "").await;
        assert_eq!(
            none.expect(200),
            &json!({ "runs": [], "next_cursor": null }),
            "[{}] the refused batch left no run",
            env.name
        );
        // The same good events alone do start runs.
        let accepted = send_events(&env, &admin.cred, vec![won("One", 5000.0)]).await;
        assert_eq!(
            accepted.expect(202),
            &json!({ "events": 1, "runs": 1 }),
            "[{}]",
            env.name
        );

        // Pages: newest first, each run once, `next_cursor` until the last page.
        let more: Vec<Value> = (0..5).map(|i| won(&format!("More {i}"), 5000.0)).collect();
        assert_eq!(
            send_events(&env, &admin.cred, more).await.expect(202)["runs"],
            5
        );
        let mut seen: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
        let mut query = "?limit=4".to_owned();
        let mut pages = 0;
        loop {
            let page = runs(&env, &admin.cred, &id, &query).await;
            let body = page.expect(200).clone();
            pages += 1;
            for run in body["runs"].as_array().expect("runs") {
                let queued_at = text(&page, &run["queued_at"]).parse().expect("RFC 3339");
                seen.push((queued_at, text(&page, &run["id"])));
            }
            match body["next_cursor"].as_str() {
                Some(next) => query = format!("?limit=4&cursor={next}"),
                None => break,
            }
        }
        assert_eq!((pages, seen.len()), (2, 6), "[{}] {seen:?}", env.name);
        let mut ordered = seen.clone();
        ordered.sort_by(|a, b| b.cmp(a));
        ordered.dedup();
        assert_eq!(seen, ordered, "[{}] newest first, no repeats", env.name);

        for (query, field) in [
            ("?limit=0", "limit"),
            ("?limit=201", "limit"),
            ("?limit=many", "limit"),
            ("?cursor=bogus", "cursor"),
            ("?cursor=123.not-a-uuid", "cursor"),
            ("?status=lost", "status"),
            ("?user=nobody", "user"),
            ("?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"),
            ("?from=yesterday", "from"),
            ("?colour=red", "colour"),
        ] {
            runs(&env, &admin.cred, &id, query)
                .await
                .problem_at(400, "invalid-input", field);
        }
        let one = runs(&env, &admin.cred, &id, "?limit=1").await;
        assert_eq!(
            one.expect(200)["runs"].as_array().map(Vec::len),
            Some(1),
            "{}",
            one.context
        );

        // A bad mailbox is not kept either.
        env.put(
            "/v1/me/mailbox",
            &ana.cred,
            json!({ "address": "not an address", "display_name": "Ana" }),
        )
        .await
        .problem_at(400, "invalid-input", "address");
        env.put(
            "/v1/me/mailbox",
            &ana.cred,
            json!({ "address": "ana@acme.example", "display_name": "Ana", "smtp_url": "http://mail.example" }),
        )
        .await
        .problem_at(400, "invalid-input", "smtp_url");
        env.get("/v1/me/mailbox", &ana.cred)
            .await
            .problem(404, "not-found");
    }
}

/// The whole journey over HTTP, as `docs/automations.md` tells it.
#[actix_web::test]
async fn an_admin_shares_an_automation_and_it_runs_for_the_user_who_consented() {
    for env in backends().await {
        let admin = ready(&env).await;
        let renewals = project(&env, &admin.cred, "Renewals").await;
        let id = create(&env, &admin.cred, thank_the_client(Some(&renewals))).await;
        let other = create(&env, &admin.cred, task_only("Not for Ana", &renewals)).await;
        let ana = moderator(&env, &admin.cred, "ana@example.com").await;
        let bob = moderator(&env, &admin.cred, "bob@example.com").await;
        let access = share(&env, &admin.cred, &id, &[&ana.id]).await;
        assert_eq!(
            access.expect(200)["access"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(access.body["access"][0]["user"], ana.id.as_str());
        assert_eq!(access.body["access"][0]["state"], "shared");
        assert_eq!(access.body["access"][0]["changed_by"], admin.id.as_str());

        // Ana sees only what is shared with her, and may not manage it.
        let hers = listed(&env, &ana.cred).await;
        assert_eq!(hers.len(), 1, "[{}] {hers:?}", env.name);
        assert_eq!(hers[0]["id"], id.as_str());
        assert_eq!(hers[0]["my_access"], "shared");
        assert_eq!(hers[0]["may_manage"], false);
        assert_eq!(listed(&env, &admin.cred).await.len(), 2, "[{}]", env.name);
        env.get(&format!("/v1/automations/{other}"), &ana.cred)
            .await
            .problem(404, "not-found");

        // No mailbox: refused, with a notification and the way to fix it.
        let refused = activate(&env, &ana.cred, &id).await;
        refused.problem(409, "diagnostics-failed");
        let problems = refused.body["problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 1, "{}: {}", refused.context, refused.body);
        assert_eq!(problems[0]["code"], "no_mailbox");
        assert_eq!(problems[0]["step"], 0);
        let notes = env.get("/v1/notifications", &ana.cred).await;
        let notes = notes.expect(200)["notifications"]
            .as_array()
            .cloned()
            .expect("notifications");
        assert_eq!(notes.len(), 1, "[{}] {notes:?}", env.name);
        assert_eq!(notes[0]["kind"], "activation_refused");
        assert_eq!(notes[0]["automation"], id.as_str());
        assert_eq!(notes[0]["problems"].as_array().map(Vec::len), Some(1));
        env.deliver().await;
        let notices = env.emails_to("ana@example.com");
        assert_eq!(notices.len(), 1, "[{}] the notice by e-mail", env.name);
        let notice = notices[0].part("text/plain").unwrap_or_default();
        assert!(
            notice.contains("Thank the client")
                && notice.contains(&format!("{id}/troubleshooting")),
            "[{}] names the automation, links the troubleshooting: {notice}",
            env.name
        );
        let admins = env.get("/v1/notifications", &admin.cred).await;
        assert_eq!(
            admins.expect(200)["notifications"],
            json!([]),
            "[{}] notifications are the user's own",
            env.name
        );
        let troubleshooting = format!("/v1/automations/{id}/troubleshooting");
        let diagnosis = env.get(&troubleshooting, &ana.cred).await;
        let body = diagnosis.expect(200);
        assert_eq!(body["ok"], false, "[{}] {body}", env.name);
        assert_eq!(body["user"], ana.id.as_str());
        assert_eq!(body["problems"][0]["code"], "no_mailbox");
        assert!(
            !body["problems"][0]["fix"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "[{}] a fix: {body}",
            env.name
        );
        // Bob, whom it is not shared with, may not look; an admin may, for Ana.
        env.get(&troubleshooting, &bob.cred)
            .await
            .problem(404, "not-found");
        env.get(&format!("{troubleshooting}?user={}", bob.id), &ana.cred)
            .await
            .problem(404, "not-found");
        let for_ana = env
            .get(&format!("{troubleshooting}?user={}", ana.id), &admin.cred)
            .await;
        assert_eq!(for_ana.expect(200)["problems"][0]["code"], "no_mailbox");
        let static_only = env.get(&troubleshooting, &admin.cred).await;
        assert_eq!(
            static_only.expect(200),
            &json!({ "user": null, "problems": [], "ok": true }),
            "[{}] the automation itself is well built",
            env.name
        );

        // Her own SMTP server: the URL is kept, never shown.
        env.get("/v1/me/mailbox", &ana.cred)
            .await
            .problem(404, "not-found");
        let smtp_url = format!("smtps://ana:{SMTP_SECRET}@mail.acme.example:465");
        let own = env
            .put(
                "/v1/me/mailbox",
                &ana.cred,
                json!({ "address": "ana.pop@acme.example", "display_name": "Ana Pop", "smtp_url": smtp_url }),
            )
            .await;
        assert_eq!(
            own.expect(200),
            &json!({
                "address": "ana.pop@acme.example",
                "display_name": "Ana Pop",
                "signature": "",
                "own_smtp": true,
            }),
            "[{}]",
            env.name
        );
        let shown = env.get("/v1/me/mailbox", &ana.cred).await;
        assert_eq!(shown.expect(200)["own_smtp"], true, "[{}]", env.name);
        assert!(
            shown.body.get("smtp_url").is_none() && !shown.body.to_string().contains(SMTP_SECRET),
            "[{}] the URL never shows: {}",
            env.name,
            shown.body
        );
        // Then without one: the server's mailer sends, as her.
        let plain = set_mailbox(&env, &ana.cred, "ana.pop@acme.example", "Ana Pop").await;
        assert_eq!(plain.expect(200)["own_smtp"], false, "[{}]", env.name);
        assert_eq!(
            env.get("/v1/me/mailbox", &ana.cred).await.expect(200),
            &json!({
                "address": "ana.pop@acme.example",
                "display_name": "Ana Pop",
                "signature": "Ana Pop\nSales, Acme",
                "own_smtp": false,
            })
        );

        // Fixed: the diagnostics pass, she activates, once.
        assert_eq!(
            env.get(&troubleshooting, &ana.cred).await.expect(200),
            &json!({ "user": ana.id, "problems": [], "ok": true }),
            "[{}]",
            env.name
        );
        let first = activate(&env, &ana.cred, &id).await;
        assert_eq!(first.expect(200)["changed"], true, "[{}]", env.name);
        assert_eq!(first.body["access"]["state"], "active");
        assert_eq!(first.body["access"]["user"], ana.id.as_str());
        let again = activate(&env, &ana.cred, &id).await;
        assert_eq!(again.expect(200)["changed"], false, "[{}]", env.name);
        assert_eq!(again.body["access"]["state"], "active");
        let all = listed(&env, &admin.cred).await;
        let shown = all.iter().find(|a| a["id"] == id.as_str()).expect("listed");
        assert_eq!(
            shown["counts"],
            json!({ "activated": 1, "shared": 1 }),
            "[{}]",
            env.name
        );
        assert_eq!(listed(&env, &ana.cred).await[0]["my_access"], "active");

        // An event: one run, for Ana (a small deal starts none).
        let small = send_events(&env, &admin.cred, vec![won("Tiny", 10.0)]).await;
        assert_eq!(small.expect(202), &json!({ "events": 1, "runs": 0 }));
        let ingested = send_events(&env, &admin.cred, vec![won("Acme renewal", 5000.0)]).await;
        assert_eq!(
            ingested.expect(202),
            &json!({ "events": 1, "runs": 1 }),
            "[{}]",
            env.name
        );
        let queued = runs(&env, &admin.cred, &id, "").await;
        assert_eq!(queued.expect(200)["runs"][0]["status"], "queued");
        let pass = run_runner(&env).await;
        assert_eq!(
            (pass.taken, pass.succeeded, pass.failed),
            (1, 1, 0),
            "[{}]",
            env.name
        );

        let page = runs(&env, &admin.cred, &id, "").await;
        let listed_runs = page.expect(200)["runs"].as_array().cloned().expect("runs");
        assert_eq!(listed_runs.len(), 1, "[{}] {}", env.name, page.body);
        assert_eq!(page.body["next_cursor"], Value::Null);
        let run = &listed_runs[0];
        assert_eq!(run["status"], "succeeded", "[{}] {run}", env.name);
        assert_eq!(run["user"], ana.id.as_str());
        assert_eq!(run["automation"], id.as_str());
        assert!(run["finished_at"].is_string(), "[{}] {run}", env.name);
        let run_id = text(&page, &run["id"]);
        let mine = runs(&env, &ana.cred, &id, "").await;
        assert_eq!(mine.expect(200)["runs"][0]["id"], run_id.as_str());
        let filtered = runs(&env, &admin.cred, &id, &format!("?user={}", ana.id)).await;
        assert_eq!(
            filtered.expect(200)["runs"].as_array().map(Vec::len),
            Some(1)
        );
        let failed = runs(&env, &admin.cred, &id, "?status=failed").await;
        assert_eq!(failed.expect(200)["runs"], json!([]), "[{}]", env.name);

        let detail = env.get(&format!("/v1/runs/{run_id}"), &ana.cred).await;
        let body = detail.expect(200).clone();
        assert_eq!(body["run"]["id"], run_id.as_str(), "[{}] {body}", env.name);
        let steps = body["steps"].as_array().expect("steps");
        assert_eq!(steps.len(), 2, "[{}] {body}", env.name);
        assert_eq!(steps[0]["index"], 0);
        assert_eq!(steps[0]["status"], "succeeded");
        let mail = &steps[0]["output"];
        assert!(mail["message_id"].is_string(), "[{}] {mail}", env.name);
        assert_eq!(
            mail["from"], "ana.pop@acme.example",
            "[{}] {mail}",
            env.name
        );
        assert_eq!(mail["from_name"], "Ana Pop");
        assert_eq!(mail["to"], "client@customer.example");
        assert_eq!(mail["subject"], "Thank you for Acme renewal");
        let sent_body = mail["body"].as_str().unwrap_or_default();
        assert!(
            sent_body.starts_with("Dear client, thank you.")
                && sent_body.contains("-- \nAna Pop\nSales, Acme"),
            "[{}] signed: {sent_body:?}",
            env.name
        );
        assert_eq!(steps[1]["index"], 1);
        assert_eq!(steps[1]["status"], "succeeded");
        let task = text(&detail, &steps[1]["output"]["task"]);
        let made = env.get(&format!("/v1/tasks/{task}"), &admin.cred).await;
        let made = made.expect(200);
        assert_eq!(
            made["title"], "Follow up Acme renewal",
            "[{}] {made}",
            env.name
        );
        assert_eq!(made["description"], "Worth 5000");
        assert_eq!(made["project_id"], renewals.as_str());
        assert!(
            made["created_by"].to_string().contains(&ana.id),
            "[{}] created by Ana: {made}",
            env.name
        );
        // The e-mail goes out through the server's mailer, from Ana.
        env.deliver().await;
        let sent = env.emails_to("client@customer.example");
        assert_eq!(sent.len(), 1, "[{}]", env.name);
        let from = sent[0].header("from").unwrap_or_default();
        assert!(
            from.contains("ana.pop@acme.example"),
            "[{}] {from}",
            env.name
        );
        assert_eq!(
            sent[0].header("subject").as_deref(),
            Some("Thank you for Acme renewal")
        );

        // Ana may look, not change.
        let path = format!("/v1/automations/{id}");
        env.put(&path, &ana.cred, thank_the_client(Some(&renewals)))
            .await
            .problem(403, "forbidden");
        env.delete(&path, &ana.cred).await.problem(403, "forbidden");
        env.post(&format!("{path}/duplicate"), &ana.cred, json!({}))
            .await
            .problem(403, "forbidden");
        env.post(
            &format!("{path}/transfer"),
            &ana.cred,
            json!({ "owner": ana.id }),
        )
        .await
        .problem(403, "forbidden");
        env.put(
            &format!("{path}/active"),
            &ana.cred,
            json!({ "active": false }),
        )
        .await
        .problem(403, "forbidden");
        env.get(&format!("{path}/access"), &ana.cred)
            .await
            .problem(403, "forbidden");
        share(&env, &ana.cred, &id, &[&bob.id])
            .await
            .problem(403, "forbidden");
        send_events(&env, &ana.cred, vec![won("Hers", 5000.0)])
            .await
            .problem(403, "forbidden");
        let unchanged = env.get(&path, &admin.cred).await;
        assert_eq!(unchanged.expect(200)["name"], "Thank the client");
        assert_eq!(unchanged.body["active"], true);
        assert_eq!(unchanged.body["owner"], admin.id.as_str());
        assert_eq!(listed(&env, &admin.cred).await.len(), 2, "[{}]", env.name);
        // An admin's copy: switched off, shared with nobody.
        let copy = env
            .post(&format!("{path}/duplicate"), &admin.cred, json!({}))
            .await;
        let copy = copy.expect(201).clone();
        assert_eq!(copy["name"], "Copy of Thank the client", "[{}]", env.name);
        assert_eq!(copy["active"], false);
        assert_eq!(copy["counts"], json!({ "activated": 0, "shared": 0 }));
        assert_eq!(copy["steps"], unchanged.body["steps"]);
        assert_ne!(copy["id"], id.as_str());
        assert_eq!(listed(&env, &ana.cred).await.len(), 1, "[{}]", env.name);

        // Bob, whom it is not shared with, sees nothing of it or of Ana's run.
        env.get(&path, &bob.cred).await.problem(404, "not-found");
        env.get(&format!("/v1/runs/{run_id}"), &bob.cred)
            .await
            .problem(404, "not-found");
        runs(&env, &bob.cred, &id, &format!("?user={}", ana.id))
            .await
            .problem(404, "not-found");
        runs(&env, &bob.cred, &id, "")
            .await
            .problem(404, "not-found");
        activate(&env, &bob.cred, &id)
            .await
            .problem(404, "not-found");
        assert_eq!(listed(&env, &bob.cred).await, Vec::<Value>::new());
        // Shared with Bob too, he still sees only his own runs (none), not Ana's.
        share(&env, &admin.cred, &id, &[&bob.id]).await.expect(200);
        let his = runs(&env, &bob.cred, &id, "").await;
        assert_eq!(his.expect(200)["runs"], json!([]), "[{}]", env.name);
        runs(&env, &bob.cred, &id, &format!("?user={}", ana.id))
            .await
            .problem(404, "not-found");
        env.get(&format!("/v1/runs/{run_id}"), &bob.cred)
            .await
            .problem(404, "not-found");
    }
}

/// Deactivations: temporary (she activates again), permanent (403 until an admin shares it
/// again); switching to `any_user` is refused while she has it active, naming her; ending
/// her access is a 204, then a 404. Once nobody has it, the switch goes through and it can
/// no longer be shared.
#[actix_web::test]
async fn an_admin_deactivates_and_unshares_over_http() {
    for env in backends().await {
        let admin = ready(&env).await;
        let renewals = project(&env, &admin.cred, "Renewals").await;
        let id = create(&env, &admin.cred, thank_the_client(Some(&renewals))).await;
        let ana = moderator(&env, &admin.cred, "ana@example.com").await;
        set_mailbox(&env, &ana.cred, "ana@acme.example", "Ana")
            .await
            .expect(200);
        share(&env, &admin.cred, &id, &[&ana.id]).await.expect(200);
        activate(&env, &ana.cred, &id).await.expect(200);
        let state = |reply: &Reply| reply.body["state"].clone();

        let temporary = deactivate(&env, &admin.cred, &id, &ana.id, false).await;
        temporary.expect(200);
        assert_eq!(
            state(&temporary),
            "deactivated_temporarily",
            "[{}]",
            env.name
        );
        assert_eq!(temporary.body["user"], ana.id.as_str());
        assert_eq!(temporary.body["changed_by"], admin.id.as_str());
        assert_eq!(
            listed(&env, &ana.cred).await[0]["my_access"],
            "deactivated_temporarily"
        );
        let none = send_events(&env, &admin.cred, vec![won("Paused", 5000.0)]).await;
        assert_eq!(
            none.expect(202)["runs"],
            0,
            "[{}] not for her now",
            env.name
        );
        let again = activate(&env, &ana.cred, &id).await;
        assert_eq!(again.expect(200)["changed"], true, "[{}]", env.name);
        assert_eq!(again.body["access"]["state"], "active");

        let permanent = deactivate(&env, &admin.cred, &id, &ana.id, true).await;
        permanent.expect(200);
        assert_eq!(
            state(&permanent),
            "deactivated_permanently",
            "[{}]",
            env.name
        );
        activate(&env, &ana.cred, &id)
            .await
            .problem(403, "permanently-deactivated");
        let access = env
            .get(&format!("/v1/automations/{id}/access"), &admin.cred)
            .await;
        assert_eq!(
            access.expect(200)["access"][0]["state"],
            "deactivated_permanently",
            "[{}] the refusal changed nothing",
            env.name
        );
        let shared_again = share(&env, &admin.cred, &id, &[&ana.id]).await;
        assert_eq!(
            shared_again.expect(200)["access"][0]["state"],
            "shared",
            "[{}]",
            env.name
        );
        let back = activate(&env, &ana.cred, &id).await;
        assert_eq!(back.expect(200)["changed"], true, "[{}]", env.name);

        // Triggered by any user? Not while she has it active.
        let mut any = thank_the_client(Some(&renewals));
        any["mode"] = json!("any_user");
        let path = format!("/v1/automations/{id}");
        let still = env.put(&path, &admin.cred, any.clone()).await;
        still.problem_at(409, "users-still-active", "mode");
        assert_eq!(
            still.body["users"],
            json!([ana.id]),
            "{}: {}",
            still.context,
            still.body
        );
        assert_eq!(
            env.get(&path, &admin.cred).await.expect(200)["mode"],
            "selected_users",
            "[{}] unchanged",
            env.name
        );

        let unshare = format!("/v1/automations/{id}/access/{}", ana.id);
        env.delete(&unshare, &admin.cred).await.expect(204);
        env.delete(&unshare, &admin.cred)
            .await
            .problem(404, "not-found");
        let access = env
            .get(&format!("/v1/automations/{id}/access"), &admin.cred)
            .await;
        assert_eq!(access.expect(200)["access"], json!([]), "[{}]", env.name);
        assert_eq!(listed(&env, &ana.cred).await, Vec::<Value>::new());
        activate(&env, &ana.cred, &id)
            .await
            .problem(404, "not-found");
        deactivate(&env, &admin.cred, &id, &ana.id, false)
            .await
            .problem(404, "not-found");

        // Nobody has it now: the switch goes through, and it is no longer shared.
        let switched = env.put(&path, &admin.cred, any).await;
        assert_eq!(switched.expect(200)["mode"], "any_user", "[{}]", env.name);
        share(&env, &admin.cred, &id, &[&ana.id])
            .await
            .problem_at(409, "not-shareable", "mode");
        // Triggered by any user, it runs once per event, as its owner — and the owner's
        // switch stops it.
        let once = send_events(&env, &admin.cred, vec![won("Any", 5000.0)]).await;
        assert_eq!(once.expect(202)["runs"], 1, "[{}]", env.name);
        let page = runs(&env, &admin.cred, &id, "").await;
        assert_eq!(page.expect(200)["runs"][0]["user"], admin.id.as_str());
        env.put(
            &format!("{path}/active"),
            &admin.cred,
            json!({ "active": false }),
        )
        .await
        .expect(204);
        assert_eq!(
            env.get(&path, &admin.cred).await.expect(200)["active"],
            false
        );
        let off = send_events(&env, &admin.cred, vec![won("Off", 5000.0)]).await;
        assert_eq!(off.expect(202)["runs"], 0, "[{}] switched off", env.name);
        env.put(
            &format!("{path}/active"),
            &admin.cred,
            json!({ "active": true }),
        )
        .await
        .expect(204);
        // Transferred, it runs as its new owner.
        env.post(
            &format!("{path}/transfer"),
            &admin.cred,
            json!({ "owner": ana.id }),
        )
        .await
        .expect(204);
        assert_eq!(
            env.get(&path, &admin.cred).await.expect(200)["owner"],
            ana.id.as_str()
        );
        env.post(
            &format!("{path}/transfer"),
            &admin.cred,
            json!({ "owner": unknown_id() }),
        )
        .await
        .problem_at(400, "invalid-input", "owner");
        let on = send_events(&env, &admin.cred, vec![won("On", 5000.0)]).await;
        assert_eq!(on.expect(202)["runs"], 1, "[{}]", env.name);
        let page = runs(&env, &admin.cred, &id, "?limit=1").await;
        assert_eq!(page.expect(200)["runs"][0]["user"], ana.id.as_str());
        env.delete(&path, &admin.cred).await.expect(204);
        env.get(&path, &admin.cred).await.problem(404, "not-found");
        env.delete(&path, &admin.cred)
            .await
            .problem(404, "not-found");
    }
}

/// Another account's admin — with automations allowed in their own account — finds
/// nothing of the first account's: its automation, access list, troubleshooting, runs, run,
/// activation, deletion are 404; its users cannot be shared with (400 `users[0]`) or named
/// in an event (400 `events[0].user`).
#[actix_web::test]
async fn nothing_of_automations_crosses_accounts() {
    for env in backends().await {
        let admin = ready(&env).await;
        let renewals = project(&env, &admin.cred, "Renewals").await;
        let ana = moderator(&env, &admin.cred, "ana@example.com").await;
        let id = create(&env, &admin.cred, task_only("Follow up", &renewals)).await;
        share(&env, &admin.cred, &id, &[&ana.id]).await.expect(200);
        activate(&env, &ana.cred, &id).await.expect(200);
        let ingested = send_events(&env, &admin.cred, vec![won("Acme", 5000.0)]).await;
        assert_eq!(ingested.expect(202)["runs"], 1, "[{}]", env.name);
        let page = runs(&env, &admin.cred, &id, "").await;
        let run_id = text(&page, &page.expect(200)["runs"][0]["id"].clone());

        let (_, other_admin_id, other) = env
            .second_account(OTHER_ADMIN_EMAIL, OTHER_ADMIN_PASSWORD)
            .await;
        open_gate(&env, &other).await;
        declare_deal_won(&env, &other).await;
        assert_eq!(
            listed(&env, &other).await,
            Vec::<Value>::new(),
            "[{}]",
            env.name
        );
        let types = env.get("/v1/event-types", &other).await;
        assert_eq!(
            types.expect(200)["event_types"].as_array().map(Vec::len),
            Some(1)
        );

        let path = format!("/v1/automations/{id}");
        let not_found: Vec<Reply> = vec![
            env.get(&path, &other).await,
            env.put(&path, &other, task_only("Hijacked", &renewals))
                .await,
            env.get(&format!("{path}/access"), &other).await,
            share(&env, &other, &id, &[&other_admin_id.to_string()]).await,
            deactivate(&env, &other, &id, &ana.id, true).await,
            env.delete(&format!("{path}/access/{}", ana.id), &other)
                .await,
            env.get(&format!("{path}/troubleshooting"), &other).await,
            runs(&env, &other, &id, "").await,
            runs(&env, &other, &id, &format!("?user={}", ana.id)).await,
            env.get(&format!("/v1/runs/{run_id}"), &other).await,
            activate(&env, &other, &id).await,
            env.post(&format!("{path}/duplicate"), &other, json!({}))
                .await,
            env.post(
                &format!("{path}/transfer"),
                &other,
                json!({ "owner": other_admin_id.to_string() }),
            )
            .await,
            env.put(
                &format!("{path}/active"),
                &other,
                json!({ "active": false }),
            )
            .await,
            env.delete(&path, &other).await,
        ];
        for reply in &not_found {
            reply.problem(404, "not-found");
        }
        // A's automation is untouched, and still runs for Ana.
        let still = env.get(&path, &admin.cred).await;
        assert_eq!(still.expect(200)["name"], "Follow up", "[{}]", env.name);
        assert_eq!(still.body["active"], true);
        assert_eq!(
            still.body["counts"],
            json!({ "activated": 1, "shared": 1 }),
            "[{}]",
            env.name
        );
        // B's event of the same type starts nothing in A.
        let theirs = send_events(&env, &other, vec![won("Theirs", 5000.0)]).await;
        assert_eq!(theirs.expect(202), &json!({ "events": 1, "runs": 0 }));
        let page = runs(&env, &admin.cred, &id, "").await;
        assert_eq!(page.expect(200)["runs"].as_array().map(Vec::len), Some(1));

        // Users of the other account are unknown as inputs.
        // … answered as an unknown user is.
        for user in [other_admin_id.to_string(), unknown_id()] {
            env.get(&format!("{path}/troubleshooting?user={user}"), &admin.cred)
                .await
                .problem_at(404, "not-found", "user");
            let theirs = runs(&env, &admin.cred, &id, &format!("?user={user}")).await;
            assert_eq!(
                theirs.expect(200),
                &json!({ "runs": [], "next_cursor": null }),
                "{}",
                theirs.context
            );
        }
        share(&env, &admin.cred, &id, &[&other_admin_id.to_string()])
            .await
            .problem_at(400, "invalid-input", "users[0]");
        send_events(
            &env,
            &admin.cred,
            vec![json!({ "type": "deal.won", "user": other_admin_id.to_string() })],
        )
        .await
        .problem_at(400, "invalid-input", "events[0].user");
        env.post(
            &format!("{path}/transfer"),
            &admin.cred,
            json!({ "owner": other_admin_id.to_string() }),
        )
        .await
        .problem_at(400, "invalid-input", "owner");
        let access = env.get(&format!("{path}/access"), &admin.cred).await;
        assert_eq!(
            access.expect(200)["access"].as_array().map(Vec::len),
            Some(1),
            "[{}] only Ana",
            env.name
        );
    }
}

/// The automation paths answer 405 with an `Allow` header for a method they do not take.
#[actix_web::test]
async fn automation_paths_answer_405_with_allow() {
    for env in backends().await {
        let admin = ready(&env).await;
        let id = create(&env, &admin.cred, thank_the_client(None)).await;
        let user = admin.id.clone();
        for (method, path, allow) in [
            ("DELETE", "/v1/automations".to_owned(), "GET, POST"),
            ("PATCH", format!("/v1/automations/{id}"), "GET, PUT, DELETE"),
            ("GET", format!("/v1/automations/{id}/activate"), "POST"),
            ("POST", format!("/v1/automations/{id}/runs"), "GET"),
            ("PUT", format!("/v1/automations/{id}/access"), "GET, POST"),
            (
                "GET",
                format!("/v1/automations/{id}/access/{user}"),
                "DELETE",
            ),
            ("GET", "/v1/events".to_owned(), "POST"),
            ("DELETE", format!("/v1/runs/{}", unknown_id()), "GET"),
            ("POST", "/v1/automation-settings".to_owned(), "GET, PUT"),
            ("POST", "/v1/me/mailbox".to_owned(), "GET, PUT, DELETE"),
        ] {
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let reply = env
                .raw(
                    &format!("{method} {path}"),
                    request(method.clone(), &path, &admin.cred),
                )
                .await;
            reply.problem(405, "method-not-allowed");
            assert_eq!(
                reply.headers.get("allow").and_then(|v| v.to_str().ok()),
                Some(allow),
                "{}",
                reply.context
            );
        }
    }
}
