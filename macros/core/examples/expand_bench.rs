//! Compile-time benchmark of `pipeline!`: a generated pipeline of 200 nodes.
//!
//! 1. In process: parsing + validation ([`parse_and_check`]) and the whole macro ([`expand`]:
//!    parsing, validation and code generation), median of many runs.
//! 2. In the compiler: the pipeline written into a throwaway crate (depending on `rddflow` by
//!    path) checked with `cargo check`; once to build the dependencies, then timed re-checks of
//!    only that crate after its source changes. Twice: with the `pipeline!` invocation, and with
//!    the macro's output pasted in its place, so that the difference is what the macro costs
//!    the compiler and the second figure is type-checking the generated code alone; and once
//!    without the pipeline, the cost of an empty crate that depends on `rddflow`.
//!
//! Run with `cargo run --release -p rddflow-macros-core --example expand_bench`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;
use rddflow_macros_core::{expand, parse_and_check};

/// Nodes in the generated pipeline.
const NODES: usize = 200;
/// In-process runs per measurement.
const RUNS: usize = 51;
/// Timed `cargo check` runs per variant.
const CHECKS: usize = 5;

/// The body of the `pipeline!` invocation: a source, then blocks of narrow chains feeding
/// shuffles (`reduce_by_key`, `group_by_key`), a `union` and a `join`, half of the blocks with a
/// `#[checkpoint]`, then narrow nodes up to `NODES`.
fn pipeline_source() -> String {
    let mut nodes = vec!["nums: u64 = range(0..n, 4);".to_owned()];
    let mut prev = String::from("nums");
    let blocks = (NODES - 1) / 16;
    for b in 0..blocks {
        let p = |x: &str| format!("b{b}_{x}");
        let checkpoint = if b % 2 == 0 { "#[checkpoint] " } else { "" };
        for line in [
            format!(
                "{}: u64 = {prev}.map(|x| x.wrapping_mul(31).wrapping_add({b}));",
                p("a")
            ),
            format!("{}: u64 = {}.filter(|x| x % 3 != 0);", p("b"), p("a")),
            format!("{}: u64 = {}.flat_map(|x| vec![x, x / 2]);", p("c"), p("b")),
            format!("{}: u64 = {}.map(|x| x ^ 0x5555);", p("d"), p("c")),
            format!("{}: (u64, u64) = {}.map(|x| (x % 64, x));", p("e"), p("d")),
            format!("{}: (u64, u64) = {}.map_values(|v| v + 1);", p("f"), p("e")),
            format!(
                "{}: (u64, u64) = {}.filter(|(k, _)| *k != 7);",
                p("g"),
                p("f")
            ),
            format!(
                "{checkpoint}{}: (u64, u64) = {}.reduce_by_key(|a, b| a.wrapping_add(b));",
                p("h"),
                p("g")
            ),
            format!("{}: (u64, Vec<u64>) = {}.group_by_key();", p("i"), p("g")),
            format!(
                "{}: (u64, u64) = {}.map(|(k, vs)| (k, vs.len() as u64));",
                p("j"),
                p("i")
            ),
            format!("{}: (u64, u64) = {}.union({});", p("k"), p("h"), p("j")),
            format!(
                "{}: (u64, (u64, u64)) = {}.join({}, 4);",
                p("l"),
                p("k"),
                p("f")
            ),
            format!(
                "{}: (u64, u64) = {}.map_values(|(a, b)| a.wrapping_add(b));",
                p("m"),
                p("l")
            ),
            format!(
                "{}: (u64, u64) = {}.filter_map(|(k, v)| if v % 2 == 0 {{ Some((k, v)) }} else {{ None }});",
                p("n"),
                p("m")
            ),
            format!(
                "{}: u64 = {}.map(|(k, v)| k.wrapping_add(v));",
                p("o"),
                p("n")
            ),
            format!("{}: u64 = {}.map(|x| x.rotate_left(3));", p("p"), p("o")),
        ] {
            nodes.push(line);
        }
        prev = p("p");
    }
    let mut i = 0;
    while nodes.len() < NODES {
        nodes.push(format!("tail{i}: u64 = {prev}.map(|x| x + {i});"));
        prev = format!("tail{i}");
        i += 1;
    }
    let mut s = String::from(
        "/// A generated pipeline for the compile-time benchmark.\npub struct Big(n: u64) {\n",
    );
    for n in nodes {
        s.push_str("    ");
        s.push_str(&n);
        s.push('\n');
    }
    s.push_str("}\n");
    s
}

/// The number of nodes on the longest path from a source in the generated `source`.
fn longest_chain(source: &str) -> usize {
    let mut depth = std::collections::HashMap::<&str, usize>::new();
    for line in source.lines().filter(|l| l.contains(" = ")) {
        let line = line.trim().trim_start_matches("#[checkpoint] ");
        let name = &line[..line.find(':').unwrap()];
        let expr = &line[line.find(" = ").unwrap() + 3..];
        let mut parents = Vec::new();
        if let Some(dot) = expr.find('.').filter(|&d| !expr[..d].contains('(')) {
            parents.push(&expr[..dot]);
            for op in [".union(", ".join("] {
                if let Some(at) = expr.find(op) {
                    let rest = &expr[at + op.len()..];
                    parents.push(&rest[..rest.find([',', ')']).unwrap()]);
                }
            }
        }
        let d = 1 + parents.iter().map(|p| depth[p]).max().unwrap_or(0);
        depth.insert(name, d);
    }
    depth.values().copied().max().unwrap_or(0)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Median time of `f` over `RUNS` runs, after one warm-up.
fn time_in_process(mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    f();
    let times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    let min = *times.iter().min().unwrap();
    let max = *times.iter().max().unwrap();
    (median(times), min, max)
}

/// A throwaway crate whose `src/lib.rs` is `body`, checked with the workspace's lockfile (the
/// same dependency versions) into a target directory under the workspace's, kept between runs.
struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

impl Scratch {
    fn new(root: &Path, name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nrddflow = {{ path = {:?} }}\n\n[workspace]\n",
                root.display().to_string()
            ),
        )
        .unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Scratch {
            dir,
            target: root.join("target").join("expand-bench"),
        }
    }

    fn write(&self, body: &str, run: usize) {
        std::fs::write(
            self.dir.join("src/lib.rs"),
            format!(
                "// check {run}\n\
                 #![allow(unused_imports)]\nuse rddflow::prelude::*;\n\n{body}"
            ),
        )
        .unwrap();
    }

    /// Runs `cargo check`, with incremental compilation on or off; its wall time.
    fn check(&self, incremental: bool) -> Duration {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let t = Instant::now();
        let out = Command::new(cargo)
            .args(["check", "--quiet", "--offline"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        let elapsed = t.elapsed();
        assert!(
            out.status.success(),
            "cargo check failed in {}:\n{}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("warning"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    }

    /// The first check (dependencies built if needed, incremental), then `CHECKS` timed
    /// re-checks after a comment in the source changed (the same length, so no span moves):
    /// incremental ones, where the compiler reuses what the comment did not change, then
    /// non-incremental ones, which check the whole crate again. Dependencies are not checked
    /// again.
    fn measure(&self, body: &str) -> Measured {
        self.write(body, 0);
        let first = self.check(true);
        let recheck = |incremental: bool, runs: std::ops::RangeInclusive<usize>| {
            runs.map(|run| {
                self.write(body, run);
                self.check(incremental)
            })
            .collect::<Vec<_>>()
        };
        let incremental = recheck(true, 1..=CHECKS);
        let full = recheck(false, CHECKS + 1..=2 * CHECKS);
        Measured {
            first,
            incremental,
            full,
        }
    }
}

struct Measured {
    first: Duration,
    incremental: Vec<Duration>,
    full: Vec<Duration>,
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {} of {:?}",
        secs(median(times.clone())),
        times.iter().map(|d| secs(*d)).collect::<Vec<_>>()
    )
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("macros/core sits two levels under the workspace root")
        .to_path_buf();
    assert!(
        root.join("engine").is_dir(),
        "{} is not the workspace root",
        root.display()
    );

    let source = pipeline_source();
    let tokens = TokenStream::from_str(&source).expect("the pipeline lexes");
    let model = parse_and_check(tokens.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.node_count(), NODES);
    let expanded = expand(tokens.clone());
    let expanded_text = expanded.to_string();
    assert!(!expanded_text.contains("compile_error"));

    println!(
        "pipeline: {NODES} nodes, longest chain {} nodes, {} bytes of source; expansion {} bytes ({} tokens at top level)",
        longest_chain(&source),
        source.len(),
        expanded_text.len(),
        expanded.clone().into_iter().count()
    );

    let (check, check_min, check_max) = time_in_process(|| {
        std::hint::black_box(parse_and_check(std::hint::black_box(tokens.clone())).is_ok());
    });
    let (full, full_min, full_max) = time_in_process(|| {
        std::hint::black_box(expand(std::hint::black_box(tokens.clone())));
    });
    let (clone, _, _) = time_in_process(|| {
        std::hint::black_box(std::hint::black_box(&tokens).clone());
    });
    println!(
        "in process, median of {RUNS} runs (min..max), the input cloned in each run ({} ns per clone):",
        clone.as_nanos()
    );
    println!(
        "  parse + validate:          {} ({}..{})",
        ms(check),
        ms(check_min),
        ms(check_max)
    );
    println!(
        "  parse + validate + expand: {} ({}..{})",
        ms(full),
        ms(full_min),
        ms(full_max)
    );

    let macro_body = format!("rddflow::pipeline! {{\n{source}}}\n");
    let expanded_body = format!("{expanded_text}\n");
    for (label, name, body) in [
        (
            "with the 200-node `pipeline!`",
            "rddflow-bench-macro",
            &macro_body,
        ),
        (
            "with the 200-node pipeline's expansion pasted",
            "rddflow-bench-expanded",
            &expanded_body,
        ),
        (
            "without the pipeline (baseline)",
            "rddflow-bench-empty",
            &String::new(),
        ),
    ] {
        let scratch = Scratch::new(&root, name);
        let m = scratch.measure(body);
        println!("cargo check of the crate {label}:");
        println!("  whole crate (CARGO_INCREMENTAL=0): {}", summary(m.full));
        println!(
            "  incremental, a comment changed:    {}",
            summary(m.incremental)
        );
        println!(
            "  first check (incremental, dependencies already built or built now): {}",
            secs(m.first)
        );
    }
}
