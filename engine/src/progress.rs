//! Console progress bars, one per running stage, in the manner of Spark's console progress bar:
//! `[Stage 2 reduce_by_key WordCount.counts: 6/8 tasks]`. A listener the context adds itself
//! when `.progress(true)` and stderr is a terminal.

use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustc_hash::FxHashMap;

use crate::listener::{Event, Listener, TaskOutcome};
use crate::sync::lock;

/// Draws a bar per running stage on stderr and clears it when the stage ends.
pub(crate) struct ProgressBars {
    multi: MultiProgress,
    bars: Mutex<FxHashMap<usize, ProgressBar>>,
}

impl ProgressBars {
    pub(crate) fn new() -> Self {
        ProgressBars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(FxHashMap::default()),
        }
    }
}

impl Listener for ProgressBars {
    fn on_event(&self, event: &Event) {
        match event {
            Event::StageStart(s) => {
                let style = ProgressStyle::with_template(
                    "[Stage {prefix}: {pos}/{len} tasks] {wide_bar} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                let bar = self.multi.add(ProgressBar::new(s.tasks as u64));
                bar.set_style(style);
                bar.set_prefix(format!("{} {} {}", s.stage, s.op, s.rdd));
                bar.tick();
                lock(&self.bars).insert(s.stage, bar);
            }
            Event::TaskEnd(t) if t.outcome == TaskOutcome::Success => {
                if let Some(bar) = lock(&self.bars).get(&t.stage) {
                    bar.inc(1);
                }
            }
            Event::StageEnd { stage, .. } => {
                if let Some(bar) = lock(&self.bars).remove(&stage.stage) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
            }
            _ => {}
        }
    }
}
