//! What a program gets when it treats a node handle as an iterator or a collection (`.iter()`,
//! `.into_iter()`, `.len()`, `.map(..)` outside the pipeline): a message naming the action or
//! the pipeline node to write, instead of rustc's "is not an iterator".
//!
//! Each such method exists on the handles with a bound no type meets, so the call is an error
//! whose text is the bound's [`NotAnIterator`] message; they return an empty iterator, so the
//! rest of an iterator chain (`.sum()`, `.max()`) adds no second error. The actions with an
//! iterator method's name (`count`, `sum`, `max`, `min`, `fold`, `reduce`, `collect`,
//! `for_each`) are real and run a job.

use std::iter::Empty;

use crate::node::{Node, RddNode};
use crate::rdd::Rdd;

/// Never implemented: the bound of the iterator-like methods of a node handle.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a handle to a distributed dataset, not an iterator or a collection",
    label = "iterator and collection methods run nothing on an RDD",
    note = "to get the elements, call an action: `.collect()?` (a `Vec`), `.count()?`, `.sum()?`, `.max()?`, `.min()?`, `.reduce(f)?`, `.fold(zero, f)?`, `.take(n)?`, `.for_each(f)?`, or `.to_local_iterator()` to iterate one partition at a time",
    note = "to transform them, declare a node in the pipeline, e.g. `lengths: usize = lines.map(|l: String| l.len());`, and call an action on it"
)]
pub trait NotAnIterator {}

macro_rules! traps {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ident),*);)*) => {
        /// Iterator methods that are compile errors naming the action to call instead.
        impl<N: RddNode> Node<N> {
            $(
                $(#[$doc])*
                #[doc(hidden)]
                pub fn $name<$($ty),*>(&self, $(_: $ty),*) -> Empty<N::Item>
                where
                    Self: NotAnIterator,
                {
                    std::iter::empty()
                }
            )*
        }

        /// Iterator methods that are compile errors naming the action to call instead.
        impl<T: crate::data::Data> Rdd<T> {
            $(
                $(#[$doc])*
                #[doc(hidden)]
                pub fn $name<$($ty),*>(&self, $(_: $ty),*) -> Empty<T>
                where
                    Self: NotAnIterator,
                {
                    std::iter::empty()
                }
            )*
        }
    };
}

traps! {
    /// Not an iterator: call `.collect()?` or `.to_local_iterator()`.
    fn iter();
    /// Not an iterator: call `.collect()?` or `.to_local_iterator()`.
    fn into_iter();
    /// Not a collection: call `.count()?`.
    fn len();
    /// Not an iterator: declare a `map` node in the pipeline.
    fn map(f: F);
    /// Not an iterator: declare a `filter` node in the pipeline.
    fn filter(f: F);
    /// Not an iterator: declare a `flat_map` node in the pipeline.
    fn flat_map(f: F);
    /// Not an iterator: declare a `filter_map` node in the pipeline.
    fn filter_map(f: F);
}
