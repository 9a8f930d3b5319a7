//! Workload sizes: presets chosen with `--size`.

/// The sizes of every workload.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Preset name (also the data directory's name).
    pub name: &'static str,
    /// `narrow_chain`: numbers `0..n`.
    pub chain_n: u64,
    /// `wordcount`: corpus lines.
    pub wc_lines: u64,
    /// `pagerank_ckpt`: pages.
    pub pr_nodes: u64,
    /// `pagerank_ckpt`: edges.
    pub pr_edges: u64,
    /// `pagerank_ckpt`: iterations.
    pub pr_iters: usize,
    /// `pagerank_ckpt`: ranks checkpointed every this many iterations.
    pub pr_checkpoint_every: usize,
    /// `join`: left records.
    pub join_left: u64,
    /// `join`: right records.
    pub join_right: u64,
    /// `join`: distinct keys drawn from.
    pub join_keys: u64,
}

impl Sizes {
    /// The preset named `name`: `full` (the sizes), `small` (a tenth) or `smoke`
    /// (a thousandth, for a quick correctness run).
    pub fn preset(name: &str) -> Option<Sizes> {
        let full = Sizes {
            name: "full",
            chain_n: 10_000_000,
            wc_lines: 1_000_000,
            pr_nodes: 100_000,
            pr_edges: 1_000_000,
            pr_iters: 10,
            pr_checkpoint_every: 3,
            join_left: 1_000_000,
            join_right: 100_000,
            join_keys: 100_000,
        };
        let scaled = |name, d: u64| Sizes {
            name,
            chain_n: full.chain_n / d,
            wc_lines: full.wc_lines / d,
            pr_nodes: full.pr_nodes / d,
            pr_edges: full.pr_edges / d,
            join_left: full.join_left / d,
            join_right: full.join_right / d,
            join_keys: full.join_keys / d,
            ..full
        };
        match name {
            "full" => Some(full),
            "small" => Some(scaled("small", 10)),
            "smoke" => Some(scaled("smoke", 1000)),
            _ => None,
        }
    }
}
