//! Permission resolution: Tessera against Cedar (`cedar-policy` 4) and Casbin (`casbin` 2),
//! run in one process on the same fixtures.
//!
//! - **peer fixture** (fixed seed): the standard tree with 50 apps, 5 environments, 4 systems;
//!   the 8 predefined roles + 100 custom roles with ~60% `inherit`; 10,000 users; 10,000
//!   queries mixing allow and deny. Before timing, every query is answered by all three
//!   engines and by a naive resolver, and the answers must agree.
//! - **scale fixture**: 1,000 apps, 5 environments, 20 systems, with 9 product-defined
//!   children per app (5 environments and 4 content kinds) — 10,127 features; 1,000 custom
//!   roles; 100,000 users. Tessera runs it whole; the peers run a sweep of growing sizes
//!   until one check costs them more than 1 ms.
//!
//! `cargo bench -p tessera-benches --bench permission_resolution` ends with one line:
//! `summary: tessera_check_ns=… cedar_over_tessera=… casbin_over_tessera=… compile_ms=… add_app_us=…`

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;
#[path = "peers/mod.rs"]
mod peers;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{criterion_dir, median_ns};
use criterion::{BatchSize, Bencher, Criterion, Throughput};
use peers::casbin::CasbinPeer;
use peers::casbin::{CasbinCached, CasbinSharded};
use peers::cedar::CedarPeer;
use peers::cedar::{CedarSliced, CedarTags};
use peers::fixture::{PeerFeature, PeerFixture, PeerQuery, PeerRole, SplitMix64, naive_level};
use peers::floor::{Floor, NaiveMap};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tessera::access::{CheckQuery, FeatureId, FeatureTree, Level, Policy, Setting, standard_tree};
use tessera::core::{RoleId, UserId};

const ENVIRONMENTS: [&str; 5] = ["production", "test", "staging", "dev", "qa"];
/// Product-defined children of every app in the scale fixture.
const SCALE_APP_CHILDREN: [&str; 9] = [
    "env:production",
    "env:test",
    "env:staging",
    "env:dev",
    "env:qa",
    "content:flows",
    "content:tasks",
    "content:texts",
    "content:media",
];

/// Checks per criterion iteration in the Tessera check benchmarks.
const CHECKS_PER_ITERATION: usize = 1_000;

/// The size of a generated fixture.
#[derive(Debug, Clone, Copy)]
struct Shape {
    apps: usize,
    environments: usize,
    systems: usize,
    app_children: &'static [&'static str],
    custom_roles: usize,
    users: usize,
    queries: usize,
    /// Percent of (custom role, feature) pairs left `inherit`.
    inherit_percent: usize,
    seed: u64,
}

const PEER_SHAPE: Shape = Shape {
    apps: 50,
    environments: 5,
    systems: 4,
    app_children: &[],
    custom_roles: 100,
    users: 10_000,
    queries: 10_000,
    inherit_percent: 60,
    seed: 0x7E55_E2A0,
};

const SCALE_SHAPE: Shape = Shape {
    apps: 1_000,
    environments: 5,
    systems: 20,
    app_children: &SCALE_APP_CHILDREN,
    custom_roles: 1_000,
    users: 100_000,
    queries: 10_000,
    inherit_percent: 60,
    seed: 0x5CA1_E000,
};

/// A generated policy with its users and queries, by index.
struct Fixture {
    /// The standard tree plus app children, with the predefined roles only.
    base: Policy,
    /// The custom roles' settings, by feature id.
    custom_settings: Vec<Vec<(FeatureId, Setting)>>,
    /// The full policy: base + custom roles + users.
    policy: Policy,
    users: Vec<UserId>,
    /// Role number (in `policy.roles()` order) of each user.
    user_roles: Vec<usize>,
    queries: Vec<CheckQuery>,
    /// The same queries by index, for the peers.
    query_indices: Vec<PeerQuery>,
}

fn base_tree(shape: &Shape) -> FeatureTree {
    let apps: Vec<String> = (0..shape.apps).map(|a| format!("a{a}")).collect();
    let apps: Vec<&str> = apps.iter().map(String::as_str).collect();
    let systems: Vec<String> = (0..shape.systems).map(|s| format!("s{s}")).collect();
    let systems: Vec<&str> = systems.iter().map(String::as_str).collect();
    let mut tree =
        standard_tree(&apps, &ENVIRONMENTS[..shape.environments], &systems).expect("standard tree");
    for app in &apps {
        for child in shape.app_children {
            tree.add_path(&format!("workspace/app:{app}/{child}"))
                .expect("app child");
        }
    }
    tree
}

fn level_of(n: usize) -> Level {
    Level::ALL[n % 4]
}

fn generate(shape: &Shape) -> Fixture {
    let mut rng = SplitMix64::new(shape.seed);
    let base = Policy::standard(base_tree(shape)).expect("predefined roles");
    let features: Vec<FeatureId> = base.tree().iter().map(|(id, _, _)| id).collect();
    let custom_settings: Vec<Vec<(FeatureId, Setting)>> = (0..shape.custom_roles)
        .map(|_| {
            features
                .iter()
                .filter_map(|f| {
                    let explicit = rng.below(100) >= shape.inherit_percent;
                    explicit.then(|| (*f, Setting::from(level_of(rng.below(4)))))
                })
                .collect()
        })
        .collect();
    let mut policy = base.clone();
    policy
        .add_roles_by_ids(custom_settings.iter().enumerate().map(|(r, settings)| {
            (
                RoleId::from_u128(0x1_0000 + r as u128),
                format!("custom {r}"),
                settings.clone(),
            )
        }))
        .expect("custom roles");
    let role_ids: Vec<RoleId> = policy.roles().map(|r| r.id).collect();
    let mut users = Vec::with_capacity(shape.users);
    let mut user_roles = Vec::with_capacity(shape.users);
    for _ in 0..shape.users {
        let id = u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64());
        let user = UserId::from_u128(id);
        let role = rng.below(role_ids.len());
        policy.assign(user, role_ids[role]).expect("assign");
        users.push(user);
        user_roles.push(role);
    }
    let query_indices: Vec<PeerQuery> = (0..shape.queries)
        .map(|_| PeerQuery {
            user: rng.below(users.len()),
            feature: rng.below(features.len()),
            at_least: 1 + rng.below(3) as u8,
        })
        .collect();
    let queries = query_indices
        .iter()
        .map(|q| CheckQuery {
            user: users[q.user],
            feature: features[q.feature],
            at_least: level_of(usize::from(q.at_least)),
        })
        .collect();
    Fixture {
        base,
        custom_settings,
        policy,
        users,
        user_roles,
        queries,
        query_indices,
    }
}

/// The fixture in the engine-neutral form the peers are built from.
fn peer_fixture(fixture: &Fixture) -> PeerFixture {
    let policy = &fixture.policy;
    let features = policy
        .tree()
        .iter()
        .map(|(_, path, parent)| PeerFeature {
            path: path.to_string(),
            parent: parent.map(FeatureId::index),
        })
        .collect();
    let roles = policy
        .roles()
        .map(|info| {
            let role = policy.role(info.id).expect("role");
            let explicit = role
                .settings
                .iter()
                .filter_map(|(path, setting)| {
                    let level = setting.level()? as u8;
                    Some((
                        policy.feature(path.as_str()).expect("feature").index(),
                        level,
                    ))
                })
                .collect();
            PeerRole { explicit }
        })
        .collect();
    let queries = fixture
        .query_indices
        .iter()
        .map(|q| PeerQuery {
            user: q.user,
            feature: q.feature,
            at_least: q.at_least,
        })
        .collect();
    PeerFixture {
        features,
        roles,
        user_roles: fixture.user_roles.clone(),
        queries,
    }
}

/// Tessera must match the naive resolver on every query; returns how many were allowed.
fn assert_tessera_matches_naive(fixture: &Fixture, peer: &PeerFixture) -> usize {
    let mut allowed = 0;
    for (q, p) in fixture.queries.iter().zip(&peer.queries) {
        let tessera = fixture
            .policy
            .check(q.user, q.feature, q.at_least)
            .expect("check");
        let naive = naive_level(peer, peer.user_roles[p.user], p.feature) >= p.at_least;
        assert_eq!(
            tessera, naive,
            "tessera disagrees with the naive resolver on {q:?}"
        );
        allowed += usize::from(tessera);
    }
    allowed
}

/// Cycles through `0..len` without a division.
struct Cycle {
    at: usize,
    len: usize,
}

impl Cycle {
    fn new(len: usize) -> Self {
        Cycle { at: 0, len }
    }

    #[inline]
    fn next(&mut self) -> usize {
        let at = self.at;
        self.at = if at + 1 == self.len { 0 } else { at + 1 };
        at
    }
}

/// Live heap bytes, counted by [`Counting`]: what building an engine leaves allocated.
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes.
struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the counter only
// observes sizes.
#[allow(unsafe_code, reason = "a counting wrapper around the system allocator")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Builds an engine, returning it with its build time and the heap bytes it holds.
fn built<T>(build: impl FnOnce() -> T) -> (T, Duration, usize) {
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let start = Instant::now();
    let engine = build();
    let took = start.elapsed();
    let bytes = LIVE_BYTES.load(Ordering::Relaxed).saturating_sub(before);
    (engine, took, bytes)
}

/// One query as every engine takes it: Tessera and the floor by id, the peers by index into
/// the handles they built.
#[derive(Clone, Copy)]
struct Query {
    user: UserId,
    user_index: usize,
    feature: FeatureId,
    feature_index: usize,
    level: Level,
    at_least: u8,
}

fn queries_of(fixture: &Fixture) -> Vec<Query> {
    fixture
        .queries
        .iter()
        .zip(&fixture.query_indices)
        .map(|(q, p)| Query {
            user: q.user,
            user_index: p.user,
            feature: q.feature,
            feature_index: p.feature,
            level: q.at_least,
            at_least: p.at_least,
        })
        .collect()
}

/// What the harness reports for one engine.
struct Measured {
    engine: &'static str,
    encoding: &'static str,
    median_ns: f64,
    p99_ns: f64,
    single_call_ns: f64,
    per_second: f64,
    build: Duration,
    bytes: usize,
}

/// The time of one `Instant::now()` pair, to read single-call figures against.
fn timer_overhead_ns() -> f64 {
    let mut samples: Vec<u128> = (0..10_001)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2] as f64
}

/// Times `check` the same way for every engine: criterion's median per call over the whole
/// batch of queries in order (`iter_custom`, the cursor kept across iterations and samples,
/// `black_box` on inputs and outputs); the p99 of per-call times over blocks of calls sized
/// to last ≥ 2 µs (one call a block for the slow engines); the median of 2,001 single calls
/// each timed alone; and batch throughput.
fn measure<F: Fn(&Query) -> bool>(
    c: &mut Criterion,
    (engine, encoding): (&'static str, &'static str),
    queries: &[Query],
    (build, bytes): (Duration, usize),
    check: F,
) -> Measured {
    // A first pass: warms caches and sizes the blocks.
    let start = Instant::now();
    let mut passed = 0usize;
    for q in queries {
        black_box(check(black_box(q)));
        passed += 1;
        if start.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let estimate_ns = start.elapsed().as_nanos() as f64 / passed as f64;
    let slow = estimate_ns > 20_000.0;
    let mut group = c.benchmark_group("check");
    if slow {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
    }
    let mut cursor = Cycle::new(queries.len());
    group.bench_function(engine, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let q = &queries[cursor.next()];
                black_box(check(black_box(q)));
            }
            start.elapsed()
        })
    });
    group.finish();
    let median_ns = median_ns(&criterion_dir(), "check", engine).unwrap_or(estimate_ns);

    let block = ((2_000.0 / estimate_ns).ceil() as usize).clamp(1, 1_000);
    let budget = if slow {
        Duration::from_secs(6)
    } else {
        Duration::from_secs(2)
    };
    let mut per_call: Vec<f64> = Vec::new();
    let mut calls = 0usize;
    let started = Instant::now();
    while started.elapsed() < budget || per_call.len() < 100 {
        let start = Instant::now();
        for _ in 0..block {
            let q = &queries[cursor.next()];
            black_box(check(black_box(q)));
        }
        per_call.push(start.elapsed().as_nanos() as f64 / block as f64);
        calls += block;
        if !slow && calls >= 3 * queries.len() && started.elapsed() >= budget {
            break;
        }
    }
    let per_second = calls as f64 / started.elapsed().as_secs_f64();
    per_call.sort_by(f64::total_cmp);
    let p99_ns = per_call[((per_call.len() - 1) as f64 * 0.99).round() as usize];

    let singles = if slow { 201 } else { 2_001 };
    let mut single: Vec<f64> = (0..singles)
        .map(|_| {
            let q = &queries[cursor.next()];
            let start = Instant::now();
            black_box(check(black_box(q)));
            start.elapsed().as_nanos() as f64
        })
        .collect();
    single.sort_by(f64::total_cmp);
    Measured {
        engine,
        encoding,
        median_ns,
        p99_ns,
        single_call_ns: single[single.len() / 2],
        per_second,
        build,
        bytes,
    }
}

/// The harness's table: one line per engine.
fn print_table(measured: &[Measured]) {
    let overhead = timer_overhead_ns();
    println!(
        "timer: an Instant::now() pair costs {overhead:.0} ns (inside every single-call figure)"
    );
    println!(
        "{:<22} {:>12} {:>12} {:>14} {:>14} {:>11} {:>12}  encoding",
        "engine", "median ns", "p99 ns", "single-call ns", "calls/s", "build ms", "memory KB"
    );
    for m in measured {
        println!(
            "{:<22} {:>12.1} {:>12.1} {:>14.0} {:>14.0} {:>11.1} {:>12.0}  {}",
            m.engine,
            m.median_ns,
            m.p99_ns,
            m.single_call_ns,
            m.per_second,
            m.build.as_secs_f64() * 1e3,
            m.bytes as f64 / 1024.0,
            m.encoding
        );
    }
}

/// Every engine must answer every query as Tessera does.
fn assert_agrees(name: &str, queries: &[Query], expected: &[bool], check: impl Fn(&Query) -> bool) {
    for (q, want) in queries.iter().zip(expected) {
        assert_eq!(
            check(q),
            *want,
            "{name} disagrees with tessera on user {} feature {} at {}",
            q.user_index,
            q.feature_index,
            q.at_least
        );
    }
}

/// Times Tessera, the floor, the naive map and every peer encoding on the peer fixture; returns
/// what was measured (the peers only without `TESSERA_BENCH_SKIP_PEERS`).
fn bench_peer_fixture(c: &mut Criterion) -> Vec<Measured> {
    let started = Instant::now();
    let fixture = generate(&PEER_SHAPE);
    let peer = peer_fixture(&fixture);
    let allowed = assert_tessera_matches_naive(&fixture, &peer);
    let queries = queries_of(&fixture);
    let expected: Vec<bool> = queries
        .iter()
        .map(|q| {
            fixture
                .policy
                .check(q.user, q.feature, q.level)
                .expect("check")
        })
        .collect();
    let role_ids: Vec<RoleId> = fixture.policy.roles().map(|r| r.id).collect();
    let (policy, tessera_build, tessera_bytes) =
        built(|| {
            let mut policy = fixture.base.clone();
            policy
                .add_roles_by_ids(fixture.custom_settings.iter().enumerate().map(
                    |(r, settings)| {
                        (
                            RoleId::from_u128(0x1_0000 + r as u128),
                            format!("custom {r}"),
                            settings.clone(),
                        )
                    },
                ))
                .expect("custom roles");
            for (user, role) in fixture.users.iter().zip(&fixture.user_roles) {
                policy.assign(*user, role_ids[*role]).expect("assign");
            }
            policy
        });
    println!(
        "peer fixture: {} features, {} roles, {} users, {} queries ({} allowed, {} denied); tessera \
         agrees with the naive resolver (setup {:.1} s)",
        policy.tree().len(),
        policy.roles().len(),
        fixture.users.len(),
        queries.len(),
        allowed,
        queries.len() - allowed,
        started.elapsed().as_secs_f64(),
    );
    let mut results = Vec::new();
    results.push(measure(
        c,
        ("tessera", "compiled table"),
        &queries,
        (tessera_build, tessera_bytes),
        |q| policy.check(q.user, q.feature, q.level).unwrap_or(false),
    ));
    // A caller-held handle: each user resolved once (as a request resolves its caller), then
    // checks skip the user lookup.
    let (handles, build, bytes) = built(|| {
        fixture
            .users
            .iter()
            .map(|user| policy.user_handle(*user).expect("handle"))
            .collect::<Vec<_>>()
    });
    assert_agrees("tessera_handle", &queries, &expected, |q| {
        policy
            .check_handle(handles[q.user_index], q.feature, q.level)
            .unwrap_or(false)
    });
    results.push(measure(
        c,
        (
            "tessera_handle",
            "compiled table, user resolved once (user_handle)",
        ),
        &queries,
        (build, bytes),
        |q| {
            policy
                .check_handle(handles[q.user_index], q.feature, q.level)
                .unwrap_or(false)
        },
    ));
    let mut group = c.benchmark_group("batch_check_1000");
    const BATCH: usize = 1_000;
    let checks = &fixture.queries;
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut cycle = Cycle::new(checks.len() / BATCH);
    group.bench_function("tessera", |b| {
        b.iter(|| {
            let start = cycle.next() * BATCH;
            black_box(
                policy
                    .check_batch(&checks[start..start + BATCH])
                    .expect("batch"),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("explain");
    let mut cycle = Cycle::new(checks.len());
    group.bench_function("tessera", |b| {
        b.iter(|| {
            let q = &checks[cycle.next()];
            black_box(policy.explain(q.user, q.feature).expect("explain"))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("who_can");
    let mut cycle = Cycle::new(checks.len());
    group.bench_function("tessera", |b| {
        b.iter(|| {
            let q = &checks[cycle.next()];
            black_box(policy.who_can(q.feature, q.at_least).expect("who_can"))
        })
    });
    group.finish();
    let (floor, build, bytes) = built(|| Floor::new(&peer, &fixture.users));
    assert_agrees("floor", &queries, &expected, |q| {
        floor.check(q.user, q.feature_index, q.at_least)
    });
    results.push(measure(
        c,
        (
            "floor",
            "HashMap user→role (foldhash) + role×feature Vec<u8>",
        ),
        &queries,
        (build, bytes),
        |q| floor.check(q.user, q.feature_index, q.at_least),
    ));
    drop(floor);
    let (naive, build, bytes) = built(|| NaiveMap::new(&peer, &fixture.users));
    assert_agrees("naive", &queries, &expected, |q| {
        naive.check(q.user, q.feature_index, q.at_least)
    });
    results.push(measure(
        c,
        ("naive_map", "HashMap<(role, feature), level> (SipHash)"),
        &queries,
        (build, bytes),
        |q| naive.check(q.user, q.feature_index, q.at_least),
    ));
    drop(naive);
    if std::env::var_os("TESSERA_BENCH_SKIP_PEERS").is_some() {
        return results;
    }
    let check = |q: &Query| (q.user_index, q.feature_index, q.at_least);

    let (cedar, build, bytes) = built(|| CedarPeer::new(&peer).expect("cedar encoding"));
    assert_agrees("cedar", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        cedar.check(u, f, l)
    });
    println!("cedar (unsliced): {} policies", cedar.policy_count());
    results.push(measure(
        c,
        (
            "cedar_unsliced",
            "stock: one permit per explicit grant, one policy set",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            cedar.check(u, f, l)
        },
    ));
    drop(cedar);
    let (sliced, build, bytes) = built(|| CedarSliced::new(&peer, false).expect("cedar slices"));
    assert_agrees("cedar_sliced_role", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        sliced.check(u, f, l)
    });
    results.push(measure(
        c,
        (
            "cedar_sliced_role",
            "a policy set per role, looked up in the timing",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            sliced.check(u, f, l)
        },
    ));
    drop(sliced);
    let (fine, build, bytes) = built(|| CedarSliced::new(&peer, true).expect("cedar fine slices"));
    println!(
        "cedar (sliced per role and feature): {} policy sets",
        fine.slice_count()
    );
    assert_agrees("cedar_sliced_feature", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        fine.check(u, f, l)
    });
    results.push(measure(
        c,
        (
            "cedar_sliced_feature",
            "a policy set per role and feature ancestry",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            fine.check(u, f, l)
        },
    ));
    drop(fine);
    let (tags, build, bytes) = built(|| CedarTags::new(&peer).expect("cedar tags"));
    assert_agrees("cedar_tags", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        tags.check(u, f, l)
    });
    results.push(measure(
        c,
        (
            "cedar_tags",
            "levels resolved into entity tags, 3 constant policies",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            tags.check(u, f, l)
        },
    ));
    drop(tags);

    let (casbin, build, bytes) = built(|| CasbinPeer::new(&peer).expect("casbin encoding"));
    assert_agrees("casbin", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        casbin.check(u, f, l)
    });
    println!("casbin (stock): {} rules", casbin.policy_count());
    results.push(measure(
        c,
        (
            "casbin_stock",
            "stock: one enforcer, resolved rules, RBAC g + level g2",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            casbin.check(u, f, l)
        },
    ));
    drop(casbin);
    let (sharded, build, bytes) = built(|| CasbinSharded::new(&peer).expect("casbin shards"));
    assert_agrees("casbin_sharded", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        sharded.check(u, f, l)
    });
    results.push(measure(
        c,
        (
            "casbin_sharded",
            "an enforcer per role, looked up in the timing",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            sharded.check(u, f, l)
        },
    ));
    drop(sharded);
    // Cold: the first sight of each query (a fresh cache), timed call by call.
    let (cached, build, bytes) = built(|| CasbinCached::new(&peer).expect("casbin cached"));
    let mut cold: Vec<f64> = queries
        .iter()
        .map(|q| {
            let (u, f, l) = check(q);
            let start = Instant::now();
            black_box(cached.check(black_box(u), black_box(f), black_box(l)));
            start.elapsed().as_nanos() as f64
        })
        .collect();
    cold.sort_by(f64::total_cmp);
    results.push(Measured {
        engine: "casbin_cached_cold",
        encoding: "CachedEnforcer, first sight of each query",
        median_ns: cold[cold.len() / 2],
        p99_ns: cold[((cold.len() - 1) as f64 * 0.99).round() as usize],
        single_call_ns: cold[cold.len() / 2],
        per_second: 1e9 / (cold.iter().sum::<f64>() / cold.len() as f64),
        build,
        bytes,
    });
    assert_agrees("casbin_cached", &queries, &expected, |q| {
        let (u, f, l) = check(q);
        cached.check(u, f, l)
    });
    results.push(measure(
        c,
        (
            "casbin_cached_warm",
            "CachedEnforcer, every query seen once (capacity 2× the queries)",
        ),
        &queries,
        (build, bytes),
        |q| {
            let (u, f, l) = check(q);
            cached.check(u, f, l)
        },
    ));
    drop(cached);
    println!(
        "all engines agree with tessera on all {} queries",
        queries.len()
    );

    results
}

fn bench_scale_fixture(c: &mut Criterion) {
    let started = Instant::now();
    let fixture = generate(&SCALE_SHAPE);
    let peer = peer_fixture(&fixture);
    assert_tessera_matches_naive(&fixture, &peer);
    let policy = &fixture.policy;
    let pairs = policy.table_pairs();
    println!(
        "scale fixture: {} features, {} roles, {} users; table {} pairs in {} bytes ({:.3} bytes/pair); \
         tessera matches the naive resolver on {} queries (setup {:.1} s)",
        policy.tree().len(),
        policy.roles().len(),
        policy.user_count(),
        pairs,
        policy.table_bytes(),
        policy.table_bytes() as f64 / pairs as f64,
        fixture.queries.len(),
        started.elapsed().as_secs_f64(),
    );
    drop(peer);

    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    group.bench_function("compile_1000_roles", |b| {
        b.iter_batched(
            || (fixture.base.clone(), fixture.custom_settings.clone()),
            |(mut base, settings)| {
                base.add_roles_by_ids(settings.into_iter().enumerate().map(|(r, s)| {
                    (
                        RoleId::from_u128(0x1_0000 + r as u128),
                        format!("custom {r}"),
                        s,
                    )
                }))
                .expect("compile");
                base
            },
            BatchSize::PerIteration,
        )
    });
    group.sample_size(30);
    group.bench_function("add_app", |b| {
        // Adds `iters` apps (each with its 9 children) to copies of the scale policy, up to
        // 500 apps per copy, timing only the additions. Each copy first gets one untimed app:
        // a clone has an exactly sized table, and its first growth is a clone artifact, not
        // the steady state of a live policy (which grows by 1/32 of the table at a time, and
        // that growth is inside the timing).
        let add_app = |policy: &mut Policy, name: &str| {
            policy.add_app(name).expect("add app");
            for child in SCALE_APP_CHILDREN {
                policy
                    .add_feature(&format!("workspace/app:{name}/{child}"))
                    .expect("child");
            }
        };
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let mut copy = policy.clone();
                add_app(&mut copy, "warm_up");
                let chunk = (iters - done).min(500);
                let start = Instant::now();
                for n in 0..chunk {
                    add_app(&mut copy, &format!("new{n}"));
                }
                elapsed += start.elapsed();
                done += chunk;
                drop(black_box(copy));
            }
            elapsed
        })
    });
    group.sample_size(100);
    let queries = &fixture.queries;
    group.bench_function("check", |b| time_checks(b, policy, queries));
    group.finish();
}

/// Times `CHECKS_PER_ITERATION` consecutive checks per iteration, cycling over `queries`.
fn time_checks(b: &mut Bencher<'_>, policy: &Policy, queries: &[CheckQuery]) {
    let mut cycle = Cycle::new(queries.len() / CHECKS_PER_ITERATION);
    b.iter(|| {
        let start = cycle.next() * CHECKS_PER_ITERATION;
        let mut allowed = 0u32;
        for q in &queries[start..start + CHECKS_PER_ITERATION] {
            let answer = policy.check(black_box(q.user), black_box(q.feature), q.at_least);
            allowed += u32::from(answer.unwrap_or(false));
        }
        allowed
    })
}

/// Median per-check cost (µs) of `check` over `queries`, in `rounds` timed passes.
fn median_check_us<Q>(queries: &[Q], rounds: usize, mut check: impl FnMut(&Q) -> bool) -> f64 {
    let mut per_check: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for q in queries {
                black_box(check(q));
            }
            start.elapsed().as_secs_f64() * 1e6 / queries.len() as f64
        })
        .collect();
    per_check.sort_by(f64::total_cmp);
    per_check[rounds / 2]
}

/// The peer encodings of the sweep.
const PEER_VARIANTS: [&str; 7] = [
    "cedar_unsliced",
    "cedar_sliced_role",
    "cedar_sliced_feature",
    "cedar_tags",
    "casbin_stock",
    "casbin_sharded",
    "casbin_cached_warm",
];

/// One peer encoding built on `peer`, as a check (the cached enforcer already warm).
fn peer_variant<'a>(
    engine: &str,
    peer: &'a PeerFixture,
) -> Box<dyn Fn(usize, usize, u8) -> bool + 'a> {
    match engine {
        "cedar_unsliced" => {
            let e = CedarPeer::new(peer).expect("cedar");
            Box::new(move |u, f, l| e.check(u, f, l))
        }
        "cedar_sliced_role" | "cedar_sliced_feature" => {
            let e = CedarSliced::new(peer, engine == "cedar_sliced_feature").expect("cedar slices");
            Box::new(move |u, f, l| e.check(u, f, l))
        }
        "cedar_tags" => {
            let e = CedarTags::new(peer).expect("cedar tags");
            Box::new(move |u, f, l| e.check(u, f, l))
        }
        "casbin_stock" => {
            let e = CasbinPeer::new(peer).expect("casbin");
            Box::new(move |u, f, l| e.check(u, f, l))
        }
        "casbin_sharded" => {
            let e = CasbinSharded::new(peer).expect("casbin shards");
            Box::new(move |u, f, l| e.check(u, f, l))
        }
        _ => {
            let e = CasbinCached::new(peer).expect("casbin cached");
            for q in &peer.queries {
                e.check(q.user, q.feature, q.at_least);
            }
            Box::new(move |u, f, l| e.check(u, f, l))
        }
    }
}

/// Grows the fixture towards the scale fixture until a peer's check passes 1 ms; prints one
/// line per size and engine, and appends them to `sweep.csv` in `dir` for the plot.
fn peer_sweep(dir: &Path) {
    let mut csv = String::from("engine,apps,systems,custom_roles,features,check_us,build_s\n");
    let mut points: Vec<(&'static str, f64, f64)> = Vec::new();
    let mut done: Vec<&'static str> = Vec::new();
    // Tessera goes on to the scale fixture's size, to draw its whole line.
    for step in 0.. {
        // Start tiny and double apps and custom roles each step, towards the scale fixture.
        let factor = 1usize << step;
        let shape = Shape {
            apps: factor.min(SCALE_SHAPE.apps),
            systems: (1 + step).min(SCALE_SHAPE.systems),
            custom_roles: factor.min(SCALE_SHAPE.custom_roles),
            app_children: &SCALE_APP_CHILDREN,
            users: 10_000,
            queries: 200,
            ..SCALE_SHAPE
        };
        let at_full_scale =
            shape.apps == SCALE_SHAPE.apps && shape.custom_roles == SCALE_SHAPE.custom_roles;
        let fixture = generate(&shape);
        let features = fixture.policy.tree().len();
        let tessera_us = median_check_us(&fixture.queries, 101, |q| {
            fixture
                .policy
                .check(q.user, q.feature, q.at_least)
                .expect("check")
        });
        let mut record = |engine: &'static str, build: Duration, us: f64| {
            points.push((engine, features as f64, us));
            println!(
                "sweep: {engine:<7} apps={:<5} systems={:<3} roles={:<5} features={features:<6} build={:>7.2} s check={us:>10.3} µs",
                shape.apps,
                shape.systems,
                shape.custom_roles + 8,
                build.as_secs_f64(),
            );
            csv.push_str(&format!(
                "{engine},{},{},{},{features},{us:.6},{:.3}\n",
                shape.apps,
                shape.systems,
                shape.custom_roles,
                build.as_secs_f64()
            ));
        };
        record("tessera", Duration::ZERO, tessera_us);
        let peer = peer_fixture(&fixture);
        assert_tessera_matches_naive(&fixture, &peer);
        let floor = Floor::new(&peer, &fixture.users);
        for (q, p) in fixture.queries.iter().zip(&peer.queries) {
            let expected = naive_level(&peer, peer.user_roles[p.user], p.feature) >= p.at_least;
            assert_eq!(
                floor.check(q.user, p.feature, p.at_least),
                expected,
                "the floor disagrees at {features} features"
            );
        }
        let floor_us = median_check_us(&fixture.queries, 101, |q| {
            let index = q.feature.index();
            black_box(floor.check(q.user, index, q.at_least as u8))
        });
        record("floor", Duration::ZERO, floor_us);
        let fine_ok = peer.roles.len() * peer.features.len() <= 300_000;
        for engine in PEER_VARIANTS {
            if done.contains(&engine) || (engine == "cedar_sliced_feature" && !fine_ok) {
                continue;
            }
            let start = Instant::now();
            let check = peer_variant(engine, &peer);
            let build = start.elapsed();
            // Agreement at every size, before timing: each answer as the naive resolver's.
            for q in &peer.queries {
                let expected = naive_level(&peer, peer.user_roles[q.user], q.feature) >= q.at_least;
                assert_eq!(
                    check(q.user, q.feature, q.at_least),
                    expected,
                    "{engine} disagrees at {features} features"
                );
            }
            let us = median_check_us(&peer.queries, 5, |q| check(q.user, q.feature, q.at_least));
            record(engine, build, us);
            // A variant stops at 1 ms a check, or once building it takes over 30 s (the next
            // step doubles the apps and roles again).
            if us > 1_000.0 || build > Duration::from_secs(30) || at_full_scale {
                done.push(engine);
            }
        }
        if at_full_scale {
            break;
        }
    }
    for (name, content) in [("sweep.csv", csv), ("sweep.svg", sweep_svg(&points))] {
        match std::fs::write(dir.join(name), content) {
            Ok(()) => println!("sweep: wrote {}", dir.join(name).display()),
            Err(error) => println!("sweep: could not write {name}: {error}"),
        }
    }
}

/// A log-log chart of per-check cost against tree size, one line per engine, with the 1 ms
/// line the peers' sweep stops at.
fn sweep_svg(points: &[(&'static str, f64, f64)]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 440.0;
    const LEFT: f64 = 80.0;
    const BOTTOM: f64 = 60.0;
    const TOP: f64 = 30.0;
    const RIGHT: f64 = 170.0;
    let (x_min, x_max) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let (x_lo, x_hi) = (
        x_min.log10().floor(),
        x_max.log10().ceil().max(x_min.log10().floor() + 1.0),
    );
    let (y_lo, y_hi) = (-3.0f64, 5.0f64); // 1 ns .. 100 ms, in µs
    let x = |v: f64| LEFT + (v.log10() - x_lo) / (x_hi - x_lo) * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - (v.max(1e-3).log10() - y_lo) / (y_hi - y_lo) * (H - BOTTOM - TOP);
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' font-family='sans-serif' font-size='12'>\n\
         <rect width='100%' height='100%' fill='white'/>\n\
         <text x='{}' y='18' text-anchor='middle' font-size='14'>One check: cost against tree size (log-log)</text>\n",
        W / 2.0
    );
    for decade in (y_lo as i32)..=(y_hi as i32) {
        let at = y(10f64.powi(decade));
        let label = match decade {
            -3 => "1 ns".to_owned(),
            -2 => "10 ns".to_owned(),
            -1 => "100 ns".to_owned(),
            0 => "1 µs".to_owned(),
            1 => "10 µs".to_owned(),
            2 => "100 µs".to_owned(),
            3 => "1 ms".to_owned(),
            4 => "10 ms".to_owned(),
            _ => "100 ms".to_owned(),
        };
        svg += &format!(
            "<line x1='{LEFT}' x2='{}' y1='{at:.1}' y2='{at:.1}' stroke='#ddd'/><text x='{}' y='{:.1}' text-anchor='end'>{label}</text>\n",
            W - RIGHT,
            LEFT - 6.0,
            at + 4.0
        );
    }
    for decade in (x_lo as i32)..=(x_hi as i32) {
        let at = x(10f64.powi(decade));
        svg += &format!(
            "<line x1='{at:.1}' x2='{at:.1}' y1='{TOP}' y2='{}' stroke='#ddd'/><text x='{at:.1}' y='{}' text-anchor='middle'>{}</text>\n",
            H - BOTTOM,
            H - BOTTOM + 18.0,
            10u64.pow(decade as u32)
        );
    }
    svg += &format!(
        "<text x='{}' y='{}' text-anchor='middle'>features in the tree (apps and custom roles double each step)</text>\n\
         <line x1='{LEFT}' x2='{3}' y1='{2:.1}' y2='{2:.1}' stroke='#c00' stroke-dasharray='6 4'/>\n",
        (LEFT + W - RIGHT) / 2.0,
        H - 20.0,
        y(1_000.0),
        W - RIGHT,
    );
    for (engine, colour) in [
        ("tessera", "#1a7f37"),
        ("floor", "#57606a"),
        ("cedar_unsliced", "#0550ae"),
        ("cedar_sliced_role", "#218bff"),
        ("cedar_sliced_feature", "#54aeff"),
        ("cedar_tags", "#0a3069"),
        ("casbin_stock", "#8250df"),
        ("casbin_sharded", "#bf3989"),
        ("casbin_cached_warm", "#cf222e"),
    ] {
        let line: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.0 == engine)
            .map(|p| (x(p.1), y(p.2)))
            .collect();
        let Some(&(end_x, end_y)) = line.last() else {
            continue;
        };
        let path: Vec<String> = line
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        svg += &format!(
            "<polyline fill='none' stroke='{colour}' stroke-width='2' points='{}'/>\n",
            path.join(" ")
        );
        for (px, py) in &line {
            svg += &format!("<circle cx='{px:.1}' cy='{py:.1}' r='3' fill='{colour}'/>\n");
        }
        svg += &format!(
            "<text x='{:.1}' y='{:.1}' fill='{colour}'>{engine}</text>\n",
            end_x + 8.0,
            end_y + 4.0
        );
    }
    svg + "</svg>\n"
}

fn main() {
    let dir = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .configure_from_args();
    let measured = bench_peer_fixture(&mut criterion);
    bench_scale_fixture(&mut criterion);
    criterion.final_summary();
    if std::env::var_os("TESSERA_BENCH_SKIP_SWEEP").is_none() {
        peer_sweep(&dir);
    }

    print_table(&measured);
    let of = |engine: &str| {
        measured
            .iter()
            .find(|m| m.engine == engine)
            .map(|m| m.median_ns)
    };
    let tessera = of("tessera");
    // Each peer's best encoding: the lowest median among its variants measured this run.
    let best = |prefix: &str| {
        measured
            .iter()
            .filter(|m| m.engine.starts_with(prefix))
            .min_by(|a, b| a.median_ns.total_cmp(&b.median_ns))
    };
    let ratio = |peer: Option<f64>| match (peer, tessera) {
        (Some(p), Some(t)) => format!("{:.1}", p / t),
        _ => "n/a".to_owned(),
    };
    if let (Some(cedar), Some(casbin)) = (best("cedar"), best("casbin")) {
        println!(
            "best encodings: cedar {} ({}), casbin {} ({})",
            cedar.engine, cedar.encoding, casbin.engine, casbin.encoding
        );
    }
    let show = |value: Option<f64>, scale: f64, digits: usize| {
        value.map_or_else(|| "n/a".to_owned(), |v| format!("{:.*}", digits, v / scale))
    };
    println!(
        "summary: tessera_check_ns={} tessera_handle_ns={} cedar_over_tessera={} casbin_over_tessera={} floor_over_tessera={} cedar_stock_over_tessera={} casbin_stock_over_tessera={} compile_ms={} add_app_us={}",
        show(tessera, 1.0, 2),
        show(of("tessera_handle"), 1.0, 2),
        ratio(best("cedar").map(|m| m.median_ns)),
        ratio(best("casbin").map(|m| m.median_ns)),
        ratio(of("floor")),
        ratio(of("cedar_unsliced")),
        ratio(of("casbin_stock")),
        show(median_ns(&dir, "scale", "compile_1000_roles"), 1e6, 1),
        show(median_ns(&dir, "scale", "add_app"), 1e3, 1),
    );
}
