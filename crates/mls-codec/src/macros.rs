//! Declarative macros that give a plain-data struct or enum its wire encoding, so that each
//! RFC struct is written once, field by field, in the order the RFC gives.

/// A struct whose encoding is its fields' encodings in order (TLS presentation language).
///
/// Also gives it a proptest strategy in tests, so that every struct gets a round-trip test.
macro_rules! mls_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $crate::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::CodecError> {
                $( $crate::Encode::encode(&self.$field, out)?; )*
                Ok(())
            }
        }

        impl $crate::Decode for $name {
            fn decode(reader: &mut $crate::Reader<'_>) -> Result<Self, $crate::CodecError> {
                Ok(Self { $( $field: <$ty as $crate::Decode>::decode(reader)?, )* })
            }
        }

        #[cfg(test)]
        impl $crate::arbitrary::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                ( $( <$ty as $crate::arbitrary::Arb>::arb(), )* )
                    .prop_map(|( $( $field, )* )| Self { $( $field, )* })
                    .boxed()
            }
        }
    };
}

/// A closed enumeration (values outside the list are rejected on decode).
macro_rules! mls_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $repr:ty {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr($repr)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant = $value, )+
        }

        impl $crate::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::CodecError> {
                $crate::Encode::encode(&(*self as $repr), out)
            }
        }

        impl $crate::Decode for $name {
            fn decode(reader: &mut $crate::Reader<'_>) -> Result<Self, $crate::CodecError> {
                match <$repr as $crate::Decode>::decode(reader)? {
                    $( $value => Ok(Self::$variant), )+
                    value => Err($crate::CodecError::InvalidEnumValue {
                        type_name: stringify!($name),
                        value: value.into(),
                    }),
                }
            }
        }

        #[cfg(test)]
        impl $crate::arbitrary::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                proptest::sample::select(vec![$( Self::$variant, )+]).boxed()
            }
        }
    };
}

/// A value of an open IANA registry (§17): a newtype over the integer with named constants,
/// so that unknown and GREASE values (§13.5) survive decoding and re-encoding.
macro_rules! mls_registry {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($repr:ty) {
            $( $(#[$const_meta:meta])* $constant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$const_meta])* pub const $constant: Self = Self($value); )*

            /// The registry name of a known value, `None` for unknown or GREASE values.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($constant)), )*
                    _ => None,
                }
            }

            /// Whether this is one of the GREASE values reserved by RFC 9420 §13.5.
            pub fn is_grease(self) -> bool {
                $crate::is_grease(u64::from(self.0))
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}::{}", stringify!($name), name),
                    None => write!(f, "{}({:#06x})", stringify!($name), self.0),
                }
            }
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl $crate::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::CodecError> {
                $crate::Encode::encode(&self.0, out)
            }
        }

        impl $crate::Decode for $name {
            fn decode(reader: &mut $crate::Reader<'_>) -> Result<Self, $crate::CodecError> {
                <$repr as $crate::Decode>::decode(reader).map(Self)
            }
        }

        #[cfg(test)]
        impl $crate::arbitrary::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                proptest::prelude::any::<$repr>().prop_map(Self).boxed()
            }
        }
    };
}
