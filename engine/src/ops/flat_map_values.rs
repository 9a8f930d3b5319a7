//! `flat_map_values`: `(k, v)` becomes `(k, w)` for each `w` of `f(v)`; the partitioner is kept.

use crate::data::Pair;
use crate::task::Site;

/// The `flat_map_values` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// The adapter closure, made outside `apply` (see `task::guard1`).
fn values<In, Out, J, F>(
    node: &'static str,
    mut f: F,
) -> impl FnMut(In) -> KeyedValues<Out, J::IntoIter>
where
    In: Pair,
    Out: Pair<Key = In::Key>,
    J: IntoIterator<Item = Out::Value>,
    F: FnMut(In::Value) -> J,
{
    move |kv| {
        let (k, v) = kv.into_parts();
        KeyedValues {
            key: k,
            values: crate::task::guarded(node, &mut f, v).into_iter(),
        }
    }
}

/// The values of one input pair, each paired with a clone of its key.
pub struct KeyedValues<Out: Pair, I> {
    key: Out::Key,
    values: I,
}

impl<Out: Pair, I: Iterator<Item = Out::Value>> Iterator for KeyedValues<Out, I> {
    type Item = Out;

    #[inline]
    fn next(&mut self) -> Option<Out> {
        let v = self.values.next()?;
        Some(Out::from_parts(self.key.clone(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply<J: IntoIterator<Item = Out::Value>>(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(In::Value) -> J,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        input.flat_map(values::<In, Out, J, _>(node, f))
    }
}
