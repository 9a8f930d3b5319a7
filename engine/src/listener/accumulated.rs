//! What a successful task added to an accumulator, as its metrics report it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The update one successful task attempt merged into an accumulator (Spark's
/// `AccumulableInfo.update`). Failed attempts report none: their updates are discarded.
#[derive(Clone)]
pub struct AccumulatorUpdate {
    /// The accumulator's id, unique in the process ([`crate::Accumulator::id`]).
    pub id: u64,
    /// Its name, when it was made with [`crate::Accumulator::named`].
    pub name: Option<Arc<str>>,
    /// The update, in `Debug` form.
    pub update: String,
    value: Arc<dyn Any + Send + Sync>,
}

impl AccumulatorUpdate {
    pub(crate) fn new<T: fmt::Debug + Send + Sync + 'static>(
        id: u64,
        name: Option<Arc<str>>,
        value: T,
    ) -> Self {
        AccumulatorUpdate {
            id,
            name,
            update: format!("{value:?}"),
            value: Arc::new(value),
        }
    }

    /// The update itself, if the accumulator holds a `T` (`None` for another type).
    pub fn value<T: 'static>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }
}

impl fmt::Debug for AccumulatorUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccumulatorUpdate")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("update", &self.update)
            .finish()
    }
}

/// Equal when they name the same accumulator with the same update (in `Debug` form, so that
/// the metrics holding them stay `Eq` whatever the accumulated type).
impl PartialEq for AccumulatorUpdate {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.name == other.name && self.update == other.update
    }
}

impl Eq for AccumulatorUpdate {}
