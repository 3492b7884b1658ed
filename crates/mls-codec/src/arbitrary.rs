//! Proptest strategies for every codec type, used by the round-trip tests.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use crate::VarBytes;

/// A type with a proptest strategy for arbitrary values.
pub(crate) trait Arb: Sized + std::fmt::Debug {
    /// A strategy producing arbitrary values.
    fn arb() -> BoxedStrategy<Self>;
}

macro_rules! arb_any {
    ($($ty:ty),*) => {$(
        impl Arb for $ty {
            fn arb() -> BoxedStrategy<Self> {
                any::<$ty>().boxed()
            }
        }
    )*};
}

arb_any!(u8, u16, u32, u64, [u8; 4]);

impl Arb for VarBytes {
    fn arb() -> BoxedStrategy<Self> {
        // Mostly short, sometimes long enough to need 2-byte length headers.
        prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..48),
            1 => proptest::collection::vec(any::<u8>(), 60..300),
        ]
        .prop_map(VarBytes)
        .boxed()
    }
}

impl<T: Arb + 'static> Arb for Vec<T> {
    fn arb() -> BoxedStrategy<Self> {
        proptest::collection::vec(T::arb(), 0..3).boxed()
    }
}

impl<T: Arb + 'static> Arb for Option<T> {
    fn arb() -> BoxedStrategy<Self> {
        proptest::option::of(T::arb()).boxed()
    }
}

/// Asserts that `value` encodes, decodes to an equal value, and re-encodes to the same bytes.
pub(crate) fn assert_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: crate::Encode + crate::Decode + PartialEq + std::fmt::Debug,
{
    let bytes = value
        .to_bytes()
        .map_err(|e| TestCaseError::fail(format!("encode failed: {e}")))?;
    let decoded =
        T::from_bytes(&bytes).map_err(|e| TestCaseError::fail(format!("decode failed: {e}")))?;
    prop_assert_eq!(&decoded, value);
    prop_assert_eq!(decoded.to_bytes().ok(), Some(bytes));
    Ok(())
}
