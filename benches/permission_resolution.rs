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
//! `cargo bench --bench permission_resolution` ends with one line:
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
use peers::cedar::CedarPeer;
use peers::fixture::{PeerFeature, PeerFixture, PeerQuery, PeerRole, SplitMix64, naive_level};
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

/// Returns whether the peers ran (they are skipped with `TESSERA_BENCH_SKIP_PEERS`).
fn bench_peer_fixture(c: &mut Criterion) -> bool {
    let started = Instant::now();
    let fixture = generate(&PEER_SHAPE);
    let peer = peer_fixture(&fixture);
    let allowed = assert_tessera_matches_naive(&fixture, &peer);
    // TESSERA_BENCH_SKIP_PEERS=1 times Tessera alone (no Cedar/Casbin setup, about a minute).
    let peers = std::env::var_os("TESSERA_BENCH_SKIP_PEERS")
        .is_none()
        .then(|| {
            let cedar = CedarPeer::new(&peer).expect("cedar encoding");
            let casbin = CasbinPeer::new(&peer).expect("casbin encoding");
            for (q, p) in fixture.queries.iter().zip(&peer.queries) {
                let expected = fixture
                    .policy
                    .check(q.user, q.feature, q.at_least)
                    .expect("check");
                assert_eq!(
                    cedar.check(p.user, p.feature, p.at_least),
                    expected,
                    "cedar disagrees on {q:?}"
                );
                assert_eq!(
                    casbin.check(p.user, p.feature, p.at_least),
                    expected,
                    "casbin disagrees on {q:?}"
                );
            }
            (cedar, casbin)
        });
    println!(
        "peer fixture: {} features, {} roles, {} users, {} queries ({} allowed, {} denied); {} \
         (setup {:.1} s)",
        fixture.policy.tree().len(),
        fixture.policy.roles().len(),
        fixture.users.len(),
        fixture.queries.len(),
        allowed,
        fixture.queries.len() - allowed,
        match &peers {
            Some((cedar, casbin)) => format!(
                "cedar {} policies, casbin {} rules; all three engines and the naive resolver agree",
                cedar.policy_count(),
                casbin.policy_count()
            ),
            None => "peers skipped; tessera agrees with the naive resolver".to_owned(),
        },
        started.elapsed().as_secs_f64(),
    );

    let policy = &fixture.policy;
    let queries = &fixture.queries;
    let mut group = c.benchmark_group("check");
    // One check costs about what one criterion iteration does, so an iteration runs
    // CHECKS_PER_ITERATION checks; the summary divides the median by that count. The peers
    // take milliseconds per check and are timed one call per iteration.
    group.bench_function("tessera", |b| time_checks(b, policy, queries));
    if let Some((cedar, casbin)) = &peers {
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(4));
        group.bench_function("cedar", |b| {
            let mut cycle = Cycle::new(peer.queries.len());
            b.iter(|| {
                let q = &peer.queries[cycle.next()];
                black_box(cedar.check(q.user, q.feature, q.at_least))
            })
        });
        group.bench_function("casbin", |b| {
            let mut cycle = Cycle::new(peer.queries.len());
            b.iter(|| {
                let q = &peer.queries[cycle.next()];
                black_box(casbin.check(q.user, q.feature, q.at_least))
            })
        });
    }
    group.finish();

    const BATCH: usize = 1_000;
    let mut group = c.benchmark_group("batch_check_1000");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("tessera", |b| {
        let mut cycle = Cycle::new(queries.len() / BATCH);
        b.iter(|| {
            let start = cycle.next() * BATCH;
            black_box(
                policy
                    .check_batch(&queries[start..start + BATCH])
                    .expect("batch"),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("explain");
    group.bench_function("tessera", |b| {
        let mut cycle = Cycle::new(queries.len());
        b.iter(|| {
            let q = &queries[cycle.next()];
            black_box(policy.explain(q.user, q.feature).expect("explain"))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("who_can");
    group.bench_function("tessera", |b| {
        let mut cycle = Cycle::new(queries.len());
        b.iter(|| {
            let q = &queries[cycle.next()];
            black_box(policy.who_can(q.feature, q.at_least).expect("who_can"))
        })
    });
    group.finish();
    peers.is_some()
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

/// Grows the fixture towards the scale fixture until a peer's check passes 1 ms; prints one
/// line per size and engine, and appends them to `sweep.csv` in `dir` for the plot.
fn peer_sweep(dir: &Path) {
    let mut csv = String::from("engine,apps,systems,custom_roles,features,check_us,build_s\n");
    let mut points: Vec<(&'static str, f64, f64)> = Vec::new();
    let mut cedar_done = false;
    let mut casbin_done = false;
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
        let peer = (!cedar_done || !casbin_done).then(|| peer_fixture(&fixture));
        if let Some(peer) = peer.as_ref().filter(|_| !cedar_done) {
            let start = Instant::now();
            let cedar = CedarPeer::new(peer).expect("cedar encoding");
            let build = start.elapsed();
            let us = median_check_us(&peer.queries, 5, |q| {
                cedar.check(q.user, q.feature, q.at_least)
            });
            record("cedar", build, us);
            cedar_done = us > 1_000.0 || at_full_scale;
        }
        if let Some(peer) = peer.as_ref().filter(|_| !casbin_done) {
            let start = Instant::now();
            let casbin = CasbinPeer::new(peer).expect("casbin encoding");
            let build = start.elapsed();
            let us = median_check_us(&peer.queries, 5, |q| {
                casbin.check(q.user, q.feature, q.at_least)
            });
            record("casbin", build, us);
            casbin_done = us > 1_000.0 || at_full_scale;
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
    const RIGHT: f64 = 120.0;
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
        ("cedar", "#0550ae"),
        ("casbin", "#8250df"),
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
    let peers_ran = bench_peer_fixture(&mut criterion);
    bench_scale_fixture(&mut criterion);
    criterion.final_summary();
    if std::env::var_os("TESSERA_BENCH_SKIP_SWEEP").is_none() {
        peer_sweep(&dir);
    }

    let tessera = median_ns(&dir, "check", "tessera").map(|ns| ns / CHECKS_PER_ITERATION as f64);
    // Without the peers in this run, their estimates on disk would be stale: say n/a.
    let ratio = |peer: &str| match (median_ns(&dir, "check", peer), tessera) {
        (Some(p), Some(t)) if peers_ran => format!("{:.0}", p / t),
        _ => "n/a".to_owned(),
    };
    let show = |value: Option<f64>, scale: f64, digits: usize| {
        value.map_or_else(|| "n/a".to_owned(), |v| format!("{:.*}", digits, v / scale))
    };
    println!(
        "summary: tessera_check_ns={} cedar_over_tessera={} casbin_over_tessera={} compile_ms={} add_app_us={}",
        show(tessera, 1.0, 2),
        ratio("cedar"),
        ratio("casbin"),
        show(median_ns(&dir, "scale", "compile_1000_roles"), 1e6, 1),
        show(median_ns(&dir, "scale", "add_app"), 1e3, 1),
    );
}
