//! The per-element adapters of narrow operators (`map`, `filter`, `filter_map`), like the
//! standard library's but with fold steps that are always inlined.
//!
//! A fused chain runs as one `fold` whose step nests every node's step. With the standard
//! adapters the compiler inlines a step only while the nest stays small, so a chain of ten nodes
//! ran as calls between out-of-line steps, half the speed of the same steps written as a rayon
//! chain (BENCHMARKS.md, "Fusing narrow chains"). Steps are built in functions generic over the
//! element and accumulator types, not the input iterator's, so a chain's type stays linear in
//! its length (see `task::guard1`).

/// `map`: each element through `f`.
pub struct Map<I, F> {
    iter: I,
    f: F,
}

/// `filter`: the elements for which `p` is true.
pub struct Filter<I, P> {
    iter: I,
    p: P,
}

/// `filter_map`: the `Some` results of `f`.
pub struct FilterMap<I, F> {
    iter: I,
    f: F,
}

/// [`Map`] over `iter`.
#[inline]
pub fn map<I, F>(iter: I, f: F) -> Map<I, F> {
    Map { iter, f }
}

/// [`Filter`] over `iter`.
#[inline]
pub fn filter<I, P>(iter: I, p: P) -> Filter<I, P> {
    Filter { iter, p }
}

/// [`FilterMap`] over `iter`.
#[inline]
pub fn filter_map<I, F>(iter: I, f: F) -> FilterMap<I, F> {
    FilterMap { iter, f }
}

#[inline(always)]
fn map_step<T, U, Acc>(
    mut f: impl FnMut(T) -> U,
    mut g: impl FnMut(Acc, U) -> Acc,
) -> impl FnMut(Acc, T) -> Acc {
    #[inline(always)]
    move |acc, x| g(acc, f(x))
}

#[inline(always)]
fn filter_step<T, Acc>(
    mut p: impl FnMut(&T) -> bool,
    mut g: impl FnMut(Acc, T) -> Acc,
) -> impl FnMut(Acc, T) -> Acc {
    #[inline(always)]
    move |acc, x| if p(&x) { g(acc, x) } else { acc }
}

#[inline(always)]
fn filter_map_step<T, U, Acc>(
    mut f: impl FnMut(T) -> Option<U>,
    mut g: impl FnMut(Acc, U) -> Acc,
) -> impl FnMut(Acc, T) -> Acc {
    #[inline(always)]
    move |acc, x| match f(x) {
        Some(y) => g(acc, y),
        None => acc,
    }
}

impl<U, I: Iterator, F: FnMut(I::Item) -> U> Iterator for Map<I, F> {
    type Item = U;

    #[inline]
    fn next(&mut self) -> Option<U> {
        self.iter.next().map(&mut self.f)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }

    #[inline]
    fn fold<Acc, G: FnMut(Acc, U) -> Acc>(self, init: Acc, g: G) -> Acc {
        self.iter.fold(init, map_step(self.f, g))
    }
}

impl<I: Iterator, P: FnMut(&I::Item) -> bool> Iterator for Filter<I, P> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        self.iter.find(&mut self.p)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }

    #[inline]
    fn fold<Acc, G: FnMut(Acc, I::Item) -> Acc>(self, init: Acc, g: G) -> Acc {
        self.iter.fold(init, filter_step(self.p, g))
    }
}

impl<U, I: Iterator, F: FnMut(I::Item) -> Option<U>> Iterator for FilterMap<I, F> {
    type Item = U;

    #[inline]
    fn next(&mut self) -> Option<U> {
        self.iter.find_map(&mut self.f)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }

    #[inline]
    fn fold<Acc, G: FnMut(Acc, U) -> Acc>(self, init: Acc, g: G) -> Acc {
        self.iter.fold(init, filter_map_step(self.f, g))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The elements of `it` through its `fold`.
    fn by_fold(it: impl Iterator<Item = u32>) -> Vec<u32> {
        it.fold(Vec::new(), |mut v, x| {
            v.push(x);
            v
        })
    }

    /// The elements of `it` through its `next` (what a `for` loop calls).
    fn by_next(it: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut v = Vec::new();
        for x in it {
            v.push(x);
        }
        v
    }

    proptest! {
        /// Each adapter yields what the standard one does, by `next` and by `fold`.
        #[test]
        fn adapters_equal_the_standard_ones(xs in proptest::collection::vec(any::<u32>(), 0..200)) {
            let f = |x: u32| x.wrapping_mul(3);
            let p = |x: &u32| !x.is_multiple_of(3);
            let fm = |x: u32| x.is_multiple_of(2).then_some(x / 2);
            let input = || xs.iter().copied();
            let want = input().map(f).collect::<Vec<_>>();
            prop_assert_eq!(by_fold(super::map(input(), f)), want.clone());
            prop_assert_eq!(by_next(super::map(input(), f)), want);
            let want = input().filter(p).collect::<Vec<_>>();
            prop_assert_eq!(by_fold(super::filter(input(), p)), want.clone());
            prop_assert_eq!(by_next(super::filter(input(), p)), want);
            let want = input().filter_map(fm).collect::<Vec<_>>();
            prop_assert_eq!(by_fold(super::filter_map(input(), fm)), want.clone());
            prop_assert_eq!(by_next(super::filter_map(input(), fm)), want);
        }
    }
}
