//! The pool hands connections out without testing them; one whose database link was cut is
//! dropped when it comes back, and the next request gets a fresh one.

use diesel::RunQueryDsl;
use diesel::sql_types::Integer;
use tessera_store::testing::TestDb;

fn backend_pid(connection: &mut tessera_store::DbConnection) -> i32 {
    diesel::select(diesel::dsl::sql::<Integer>("pg_backend_pid()"))
        .get_result(connection)
        .expect("pid")
}

#[test]
fn a_connection_cut_by_the_server_leaves_the_pool() {
    let Some(db) = TestDb::postgres() else { return };
    let pool = tessera_store::pool(&db.url, 1).expect("pool");
    let first = {
        let mut connection = pool.get().expect("connection");
        backend_pid(&mut connection)
    };
    // The server ends that session, as a restart or an administrator would.
    let mut admin = db.connect();
    diesel::sql_query(format!("SELECT pg_terminate_backend({first})"))
        .execute(&mut admin)
        .expect("terminate");

    {
        let mut connection = pool.get().expect("the same connection, untested");
        let lost = diesel::sql_query("SELECT 1").execute(&mut **connection);
        assert!(lost.is_err(), "the cut connection fails its query");
    }
    let mut connection = pool.get().expect("a fresh connection");
    let second = backend_pid(&mut connection);
    assert_ne!(first, second, "the cut connection was dropped");
}
