//! Facts about Ed25519 encodings that every provider needs for strict verification
//! (RFC 8032 §5.1.7 with the checks of ed25519-dalek's `verify_strict`): a signature whose
//! public key or R is a point of small order is refused, whatever the library underneath
//! accepts, so that every provider accepts the same signatures.

/// The canonical encodings of the eight points of small order of edwards25519: the identity,
/// the point of order 2, two of order 4 and four of order 8.
pub const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = [
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
];

/// The two encodings of y at or above p that reduce to the y-coordinate of a point of small
/// order: p (to 0) and p + 1 (to 1).
const SMALL_ORDER_Y_ABOVE_P: [[u8; 32]; 2] = [
    hex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
];

/// Whether `encoding`, if it decodes to a point at all, decodes to a point of small order
/// (canonical or not). A point is determined by its y-coordinate up to the sign of x, and
/// negation keeps the order, so this reads y (the encoding without its sign bit, reduced
/// modulo p) instead of multiplying the point by the cofactor.
pub fn is_small_order(encoding: &[u8; 32]) -> bool {
    let y_of = |encoding: &[u8; 32]| {
        let mut y = *encoding;
        y[31] &= 0x7f;
        y
    };
    let y = y_of(encoding);
    SMALL_ORDER_ENCODINGS.iter().any(|small| y_of(small) == y) || SMALL_ORDER_Y_ABOVE_P.contains(&y)
}

/// 32 bytes from 64 hex digits, at compile time.
const fn hex32(hex: &str) -> [u8; 32] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let hex = hex.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (digit(hex[2 * i]) << 4) | digit(hex[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_points_are_recognised_with_either_sign_and_above_p() {
        for encoding in SMALL_ORDER_ENCODINGS {
            assert!(is_small_order(&encoding));
            let mut other_sign = encoding;
            other_sign[31] ^= 0x80;
            assert!(is_small_order(&other_sign));
        }
        assert!(is_small_order(&SMALL_ORDER_Y_ABOVE_P[0]));
        // The basepoint (y = 4/5) is of prime order.
        let basepoint = hex32("5866666666666666666666666666666666666666666666666666666666666666");
        assert!(!is_small_order(&basepoint));
    }
}
