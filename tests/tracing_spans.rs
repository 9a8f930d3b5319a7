//! `tracing` spans: a job span, a stage span per stage inside it, a task span per attempt
//! inside its stage (tasks run on worker threads, so the nesting is explicit), seen by a
//! subscriber the user installs.

use std::sync::{Arc, Mutex};

use rddflow::prelude::*;
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as seen on creation: name, fields rendered as `name=value`, and its parent's name.
#[derive(Clone, Debug)]
struct Seen {
    name: &'static str,
    fields: String,
    parent: Option<&'static str>,
    parent_fields: String,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

/// The fields of a span, kept in its extensions so children can show their parent's.
struct Rendered(String);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut f = Fields(String::new());
        attrs.record(&mut f);
        let span = ctx.span(id).expect("span exists");
        let parent = span.parent();
        let parent_fields = parent
            .as_ref()
            .and_then(|p| p.extensions().get::<Rendered>().map(|r| r.0.clone()))
            .unwrap_or_default();
        self.0.lock().unwrap().push(Seen {
            name: attrs.metadata().name(),
            fields: f.0.clone(),
            parent: parent.map(|p| p.name()),
            parent_fields,
        });
        span.extensions_mut().insert(Rendered(f.0));
    }
}

rddflow::pipeline! {
    struct Traced() {
        nums: u64 = range(0..60, 3);
        pairs: (u64, u64) = nums.map(|x| (x % 5, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 2);
    }
}

#[test]
fn jobs_stages_and_tasks_are_nested_spans() {
    let capture = Capture::default();
    // Global: tasks run on the context's worker threads.
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .expect("first subscriber of this test binary");

    let ctx = Context::builder().threads(2).build().unwrap();
    let p = Traced::new(&ctx).unwrap();
    assert_eq!(p.sums.count().unwrap(), 5);

    let seen = capture.0.lock().unwrap().clone();
    let jobs: Vec<&Seen> = seen.iter().filter(|s| s.name == "job").collect();
    assert_eq!(jobs.len(), 1, "{seen:#?}");
    assert!(jobs[0].fields.contains("rdd=Traced.sums"), "{:?}", jobs[0]);

    let stages: Vec<&Seen> = seen.iter().filter(|s| s.name == "stage").collect();
    assert_eq!(stages.len(), 2, "{stages:#?}");
    assert!(stages.iter().all(|s| s.parent == Some("job")));
    assert!(
        stages[0].fields.contains("kind=ShuffleMap"),
        "{:?}",
        stages[0]
    );
    assert!(stages[0].fields.contains("tasks=3"), "{:?}", stages[0]);
    assert!(stages[1].fields.contains("kind=Result"), "{:?}", stages[1]);
    assert!(stages[1].fields.contains("tasks=2"), "{:?}", stages[1]);

    let tasks: Vec<&Seen> = seen.iter().filter(|s| s.name == "task").collect();
    assert_eq!(tasks.len(), 5, "3 map tasks and 2 result tasks");
    assert!(
        tasks.iter().all(|t| t.parent == Some("stage")),
        "{tasks:#?}"
    );
    let map_tasks = tasks
        .iter()
        .filter(|t| t.parent_fields.contains("kind=ShuffleMap"))
        .count();
    assert_eq!(map_tasks, 3);
    assert!(
        tasks
            .iter()
            .filter(|t| t.parent_fields.contains("kind=ShuffleMap"))
            .all(|t| t.fields.contains("rdd=Traced.pairs") && t.fields.contains("attempt=1"))
    );
}
